//! Peeking and poking, the library's way: bytes read at an offset, and bytes
//! written at one in place, as a compare-and-swap when expected bytes are given.

use std::ffi::OsStr;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::journal::{Recorder, write_regions};
use crate::engine::offset::Position;
use crate::engine::pattern::to_hex;
use crate::error::Error;
use crate::io::target::{Access, Target};

/// `length` bytes of the file at `path` from `offset` (cut at the end of
/// the file); an offset at or past the end is an error.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("f");
/// std::fs::write(&path, "Hello, world").unwrap();
/// let bytes = mpatch::peek(&path, mpatch::Position::FromEnd(5), 64).unwrap();
/// assert_eq!(bytes, b"world");
/// ```
pub fn peek(path: impl AsRef<Path>, offset: Position, length: u64) -> Result<Vec<u8>, Error> {
    let target = Target::open(path.as_ref().as_os_str(), Access::Read, true)?;
    let (start, end) = peek_range(&target, offset, length)?;
    let mut bytes = vec![0; (end - start) as usize];
    read_at(&target, &mut bytes, start)?;
    Ok(bytes)
}

/// The bytes `[start, end)` that a peek of `target` shows.
pub(crate) fn peek_range(
    target: &Target,
    offset: Position,
    length: u64,
) -> Result<(u64, u64), Error> {
    let start = offset
        .resolve(target.len())
        .map_err(|e| target.problem(e))?;
    past_end(&target.name, start, target.len())?;
    Ok((start, start.saturating_add(length).min(target.len())))
}

/// Fails for a start at or past the end (of `len` bytes), whatever the
/// length asked for (an empty file has no offset to show).
pub(crate) fn past_end(name: &str, start: u64, len: u64) -> Result<(), Error> {
    if start >= len {
        return Err(Error::file(
            name,
            format!("offset {start} is past the end of the file ({len} bytes)"),
        ));
    }
    Ok(())
}

/// Reads `bytes.len()` bytes of `target` at `at`; a file cut short since
/// it was opened says so.
pub(crate) fn read_at(target: &Target, bytes: &mut [u8], at: u64) -> Result<(), Error> {
    target
        .file
        .read_exact_at(bytes, at)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => Error::Resized {
                path: target.name.clone(),
                now: target.current_len().unwrap_or(0),
            },
            _ => Error::io(&target.name, e),
        })
}

/// A poke: bytes written at an offset, in place, never past the end of
/// the file; with [`Poke::expect`], only if the bytes there are those.
///
/// ```
/// use mpatch::{Poke, Position};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("fw.bin");
/// std::fs::write(&path, [0x74, 0x05, 0xc3]).unwrap();
/// let poked = Poke::new(&path, Position::FromStart(0), &[0x90, 0x90])
///     .expect(&[0x74, 0x05])
///     .run()
///     .unwrap();
/// assert_eq!(poked.old, [0x74, 0x05]);
/// assert_eq!(std::fs::read(&path).unwrap(), [0x90, 0x90, 0xc3]);
/// // Again: the bytes are no longer the expected ones.
/// let again = Poke::new(&path, Position::FromStart(0), &[0x90, 0x90]).expect(&[0x74, 0x05]).run();
/// assert!(matches!(again, Err(mpatch::Error::Changed { .. })));
/// ```
#[derive(Debug, Clone)]
pub struct Poke<'a> {
    path: PathBuf,
    offset: Position,
    bytes: &'a [u8],
    expect: Option<&'a [u8]>,
    dry_run: bool,
    journal: Option<PathBuf>,
    sync: bool,
    lock_timeout: Duration,
    allow_device: bool,
}

/// What a poke did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poked {
    /// Where the bytes were written (resolved from the end if negative).
    pub offset: u64,
    /// The bytes that were there.
    pub old: Vec<u8>,
}

impl<'a> Poke<'a> {
    /// Writes `bytes` at `offset` of the file at `path`, durably, without a
    /// journal.
    pub fn new(path: impl AsRef<Path>, offset: Position, bytes: &'a [u8]) -> Poke<'a> {
        Poke {
            path: path.as_ref().to_path_buf(),
            offset,
            bytes,
            expect: None,
            dry_run: false,
            journal: None,
            sync: true,
            lock_timeout: Duration::from_secs(10),
            allow_device: false,
        }
    }

    /// Write only if these bytes are at the offset now (a compare-and-swap).
    pub fn expect(mut self, bytes: &'a [u8]) -> Poke<'a> {
        self.expect = Some(bytes);
        self
    }

    /// Check everything and write nothing.
    pub fn dry_run(mut self, dry_run: bool) -> Poke<'a> {
        self.dry_run = dry_run;
        self
    }

    /// Record the old bytes in the journal at `path` first.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Poke<'a> {
        self.journal = Some(path.into());
        self
    }

    /// Whether the write is flushed to the disk before success.
    pub fn sync(mut self, sync: bool) -> Poke<'a> {
        self.sync = sync;
        self
    }

    /// How long to wait for another process's lock on the file.
    pub fn lock_timeout(mut self, timeout: Duration) -> Poke<'a> {
        self.lock_timeout = timeout;
        self
    }

    /// Whether a block device may be written.
    pub fn allow_device(mut self, allow: bool) -> Poke<'a> {
        self.allow_device = allow;
        self
    }

    /// Opens, checks, locks and (unless a dry run) writes.
    pub fn run(&self) -> Result<Poked, Error> {
        let access = match self.dry_run {
            true => Access::Read,
            false => Access::Write,
        };
        let target = Target::open(OsStr::new(&self.path), access, self.allow_device)?;
        if !self.dry_run {
            target.lock(self.lock_timeout)?;
        }
        let at = self
            .offset
            .resolve(target.len())
            .map_err(|e| target.problem(e))?;
        let len = self.bytes.len() as u64;
        if at.checked_add(len).is_none_or(|end| end > target.len()) {
            return Err(target.problem(format!(
                "{len} bytes at offset {at} run past the end of the file ({} bytes); poke never changes a file's length",
                target.len()
            )));
        }
        // What `--expect` looks at may run past the end: those bytes are
        // not there, so the guard does not hold (exit 1), showing what is.
        let longest = self.bytes.len().max(self.expect.map_or(0, <[u8]>::len));
        let mut current = vec![0; longest.min((target.len() - at) as usize)];
        read_at(&target, &mut current, at)?;
        if let Some(expect) = self.expect
            && current.get(..expect.len()) != Some(expect)
        {
            let found = &current[..expect.len().min(current.len())];
            return Err(Error::Changed {
                path: target.name.clone(),
                offset: at,
                expected: to_hex(expect),
                found: to_hex(found),
                found_new: current[..self.bytes.len()] == self.bytes[..],
            });
        }
        if !self.dry_run {
            target.reserve(at, self.bytes.len() as u64)?;
        }
        let recorder = match self.dry_run {
            true => None,
            false => self.journal.as_deref().map(Recorder::create).transpose()?,
        };
        let old = &current[..self.bytes.len()];
        let regions = std::iter::once((at, old, self.bytes));
        let written = write_regions(&target, self.dry_run, recorder.as_ref(), regions, self.sync);
        if let Some(recorder) = recorder {
            recorder.finish()?;
        }
        written?;
        Ok(Poked {
            offset: at,
            old: old.to_vec(),
        })
    }
}
