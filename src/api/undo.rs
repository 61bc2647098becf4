//! Undoing, the library's way: a journal checked whole, its files checked
//! to be the same files holding what was written, then the old bytes back.
//!
//! A journal names the files undo writes, and its checksum is no signature:
//! one the user does not own, or that others may write, is refused unless
//! trusted. A journal with no end (its last block cut short) is restored as
//! far as it goes and kept, and the run says so: it never reports success
//! for a file it may have left patched.

use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use crate::engine::pattern::to_hex;
use crate::engine::scan::Meter;
use crate::error::{Error, plain_reason};
use crate::io::journal::{self, Journal, Region, Section};
use crate::io::target::{Access, Target};
use crate::io::writer::{BUFFER, FileSink};
use crate::pool::{self, lock};

/// Files of a journal held open (and locked) from the check to the restore.
const KEEP_OPEN: usize = 16;

/// The most regions past the end a file's [`FileUndone::past_end`] names
/// (the first ones, by offset); the rest are counted.
pub const NAMED_MAX: usize = 1000;

/// An undo of the journal a replace, poke or apply wrote.
///
/// ```
/// use mpatch::{Matcher, Replace, Replacement, Undo};
/// # let dir = tempfile::tempdir().unwrap();
/// # let (path, journal) = (dir.path().join("app.log"), dir.path().join("fix.mpj"));
/// std::fs::write(&path, "ERROR\n").unwrap();
/// let matcher = Matcher::literal(b"ERROR").unwrap();
/// let fixed = Replacement::Table(vec![b"FIXED".to_vec()]);
/// Replace::new(&matcher, &fixed).journal(&journal).files(&[&path]).unwrap();
/// let undone = Undo::new(&journal).run().unwrap();
/// assert_eq!(undone.files[0].restored, 1);
/// assert_eq!(std::fs::read(&path).unwrap(), b"ERROR\n");
/// assert!(!journal.exists(), "a journal fully restored is removed");
/// ```
#[derive(Debug, Clone)]
pub struct Undo {
    journal: PathBuf,
    force: bool,
    trust: bool,
    sync: bool,
    lock_timeout: Duration,
}

/// What an undo did to one file.
#[derive(Debug)]
pub struct FileUndone {
    /// The file, as the journal names it.
    pub path: PathBuf,
    /// Regions written back.
    pub restored: u64,
    /// Regions left because they lie past the end of the file.
    pub skipped: u64,
    /// The first of them by offset (1000 at most: the crate's own
    /// `NAMED_MAX`): offset and length of each.
    pub past_end: Vec<(u64, u64)>,
    /// Why the file was not restored (with `force`; otherwise the run fails).
    pub error: Option<Error>,
}

/// What an undo did.
#[derive(Debug, Default)]
pub struct Undone {
    /// Each file of the journal, in its order.
    pub files: Vec<FileUndone>,
    /// Whether the journal was written by a run that ended.
    pub complete: bool,
    /// Whether the journal has no end: its last block cut short, whose
    /// regions could not be restored. The journal is then kept.
    pub torn: bool,
    /// Whether the journal was removed (every file restored).
    pub removed: bool,
    /// Why a journal fully restored could not be removed.
    pub not_removed: Option<String>,
}

impl Undone {
    /// Whether every region of every file is restored (or already was).
    pub fn is_whole(&self) -> bool {
        !self.torn
            && self
                .files
                .iter()
                .all(|f| f.error.is_none() && f.skipped == 0)
    }
}

/// A failure while reading a journal's regions, or while using its file.
enum Checked {
    Journal(String),
    File(Error),
}

impl From<String> for Checked {
    fn from(reason: String) -> Checked {
        Checked::Journal(reason)
    }
}

impl From<Error> for Checked {
    fn from(error: Error) -> Checked {
        Checked::File(error)
    }
}

impl Undo {
    /// Undoes the journal at `path`: every region checked first, nothing
    /// written if one changed since; durably.
    pub fn new(path: impl AsRef<Path>) -> Undo {
        Undo {
            journal: path.as_ref().to_path_buf(),
            force: false,
            trust: false,
            sync: true,
            lock_timeout: Duration::from_secs(10),
        }
    }

    /// Restore every region it can, naming the others.
    pub fn force(mut self, force: bool) -> Undo {
        self.force = force;
        self
    }

    /// Read a journal another user owns, or others may write.
    pub fn trust(mut self, trust: bool) -> Undo {
        self.trust = trust;
        self
    }

    /// Whether the restored bytes are flushed to the disk first.
    pub fn sync(mut self, sync: bool) -> Undo {
        self.sync = sync;
        self
    }

    /// How long to wait for another process's lock on a file.
    pub fn lock_timeout(mut self, timeout: Duration) -> Undo {
        self.lock_timeout = timeout;
        self
    }

    fn name(&self) -> String {
        self.journal.display().to_string()
    }

    fn corrupt(&self, reason: String) -> Error {
        Error::Journal {
            path: self.name(),
            reason,
        }
    }

    /// Checks the journal and every file, then restores them.
    pub fn run(&self) -> Result<Undone, Error> {
        self.run_metered(&())
    }

    /// [`Undo::run`], reporting to `meter` each part of the journal
    /// checked and each restored: twice the bytes of its regions in all.
    pub fn run_metered(&self, meter: &dyn Meter) -> Result<Undone, Error> {
        // Opened like any input: a FIFO or a directory is refused, not waited on.
        let input = Target::open(self.journal.as_os_str(), Access::Read, false)?;
        // Named through a link, the journal is the file the link leads to:
        // that is what a full restore removes (and the link with it).
        let linked = match std::fs::symlink_metadata(&self.journal) {
            Ok(meta) if meta.file_type().is_symlink() => {
                Some(std::fs::canonicalize(&self.journal).map_err(|e| Error::io(self.name(), e))?)
            }
            _ => None,
        };
        if input.is_device {
            return Err(input.problem("is a block device, not a journal"));
        }
        self.check_owner(&input.file)?;
        let journal = Journal::open(&input.file, input.len()).map_err(|e| self.corrupt(e))?;
        let mut undone = Undone {
            complete: journal.complete,
            torn: journal.torn,
            ..Undone::default()
        };
        // Open, lock and check every file before restoring any. The files of
        // a large tree are not all held open: past the first KEEP_OPEN, each
        // is opened, locked and checked again when its turn comes. With
        // `force` a file that cannot be used is named and the others go on.
        let mut files = Vec::new();
        for (i, section) in journal.sections().iter().enumerate() {
            match self.open_checked(&journal, section, meter) {
                Ok(target) => files.push((section, (i < KEEP_OPEN).then_some(target))),
                Err(Checked::Journal(reason)) => return Err(self.corrupt(reason)),
                Err(Checked::File(error)) if self.force => undone.files.push(FileUndone {
                    path: PathBuf::from(OsStr::from_bytes(&section.path)),
                    restored: 0,
                    skipped: 0,
                    past_end: Vec::new(),
                    error: Some(error),
                }),
                Err(Checked::File(error)) => {
                    return Err(Error::file(
                        error.to_string(),
                        "nothing restored (--force restores what it can)",
                    ));
                }
            }
        }
        for (section, kept) in files {
            let target = match kept {
                Some(target) => Ok(target),
                None => self.open_checked(&journal, section, meter),
            };
            let restored =
                target.and_then(|target| self.restore(&journal, &target, section, meter));
            let path = PathBuf::from(OsStr::from_bytes(&section.path));
            match restored {
                Ok((restored, past_end)) => undone.files.push(FileUndone {
                    path,
                    restored,
                    skipped: past_end.count,
                    past_end: past_end.first,
                    error: None,
                }),
                Err(Checked::Journal(reason)) => return Err(self.corrupt(reason)),
                Err(Checked::File(error)) if self.force => undone.files.push(FileUndone {
                    path,
                    restored: 0,
                    skipped: 0,
                    past_end: Vec::new(),
                    error: Some(error),
                }),
                Err(Checked::File(error)) => return Err(error),
            }
        }
        drop(journal);
        // A journal is kept while it is the way back for anything not
        // restored; once all is, one left behind is only untidy.
        if undone.is_whole() {
            let removed = match &linked {
                Some(real) => remove(real).and_then(|()| remove(&self.journal)),
                None => remove(&self.journal),
            };
            match removed {
                Ok(()) => undone.removed = true,
                Err(error) => undone.not_removed = Some(plain_reason(&error)),
            }
        }
        Ok(undone)
    }

    /// Refuses a journal the user does not own or that others may write
    /// (root included, as git refuses another user's repository).
    fn check_owner(&self, file: &File) -> Result<(), Error> {
        if self.trust {
            return Ok(());
        }
        let meta = file.metadata().map_err(|e| Error::io(self.name(), e))?;
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Err(self.corrupt(format!(
                "is owned by another user (uid {}), and a journal names the files undo writes; --trust-journal to use it",
                meta.uid()
            )));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(self.corrupt(format!(
                "can be written by others (mode {:o}), and a journal names the files undo writes; --trust-journal to use it",
                meta.mode() & 0o777
            )));
        }
        Ok(())
    }

    fn open_checked(
        &self,
        journal: &Journal<&File>,
        section: &Section,
        meter: &dyn Meter,
    ) -> Result<Target, Checked> {
        let target = Target::open(OsStr::from_bytes(&section.path), Access::Write, true)?;
        target.lock(self.lock_timeout)?;
        if !section.identity.same_file(&target.identity) {
            return Err(target
                .problem(format!(
                    "is not the file {} was written for (its device, inode or birth time differ)",
                    self.name()
                ))
                .into());
        }
        self.check_regions(journal, &target, section, meter)?;
        Ok(target)
    }

    /// Fails unless every region lies inside the file and holds what mpatch
    /// left there; `force` lets other bytes, and regions past the end,
    /// through (they are named when restoring). The journal's blocks are
    /// read on every core, in parts; the first change named is the first
    /// in the journal's order.
    fn check_regions(
        &self,
        journal: &Journal<&File>,
        target: &Target,
        section: &Section,
        meter: &dyn Meter,
    ) -> Result<(), Checked> {
        let view = target.view()?;
        let parts = section.parts(4 * threads());
        let next = AtomicUsize::new(0);
        let found = Mutex::new(Vec::new());
        pool::run(threads(), |stop| {
            while !stop.is_set() {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(part) = parts.get(i) else { break };
                let (mut changed, mut first) = (0u64, None);
                journal.each_region(part, |region| {
                    let now = now_at(&view, &region);
                    if self.force {
                        return Ok(());
                    }
                    let Some(now) = now else {
                        return Err(Checked::File(target.problem(format!(
                            "journal region at offset {} lies past the end of the file ({} bytes)",
                            region.offset,
                            target.len()
                        ))));
                    };
                    if !written_by_us(now, region.old, region.new) {
                        changed += 1;
                        first.get_or_insert((region.offset, to_hex(now), to_hex(region.new)));
                    }
                    Ok(())
                })?;
                meter.add(part.bytes());
                lock(&found).push((i, changed, first));
            }
            Ok::<(), Checked>(())
        })?;
        if view.faulted() {
            return Err(target.fault().into());
        }
        let mut found = pool::unpoison(found.into_inner());
        found.sort_by_key(|&(i, ..)| i);
        let changed: u64 = found.iter().map(|&(_, changed, _)| changed).sum();
        match found.into_iter().find_map(|(.., first)| first) {
            None => Ok(()),
            Some((offset, now, wrote)) => Err(target
                .problem(format!(
                    "{changed} region(s) changed since the journal was written (at offset {offset}: {now}, mpatch wrote {wrote})"
                ))
                .into()),
        }
    }

    /// Writes the old bytes back where they are not already, through the
    /// one writer (a writer per core, each in its bounded buffer, never
    /// all at once); returns how many regions changed, and those that lie
    /// past the end and were left.
    fn restore(
        &self,
        journal: &Journal<&File>,
        target: &Target,
        section: &Section,
        meter: &dyn Meter,
    ) -> Result<(u64, PastEnd), Checked> {
        let view = target.view()?;
        let file = FileSink::new(target, None, BUFFER);
        let restored = AtomicU64::new(0);
        let skipped = Mutex::new(PastEnd::default());
        let parts = section.parts(4 * threads());
        let next = AtomicUsize::new(0);
        // A failed write stops every thread; what was written is flushed,
        // whatever stopped the rest.
        let wrote = pool::run(threads(), |stop| {
            let mut writer = file.writer();
            while !stop.is_set() {
                let Some(part) = parts.get(next.fetch_add(1, Ordering::SeqCst)) else {
                    break;
                };
                journal.each_region(part, |region| {
                    match now_at(&view, &region) {
                        None => lock(&skipped).add(region.offset, region.old.len() as u64),
                        Some(now) if crate::io::same_short(now, region.old) => {}
                        Some(now) => {
                            restored.fetch_add(1, Ordering::Relaxed);
                            writer.put(region.offset as usize, now, region.old, usize::MAX)?;
                        }
                    }
                    Ok::<(), Checked>(())
                })?;
                meter.add(part.bytes());
            }
            writer.settle(usize::MAX).map_err(Checked::File)
        });
        if view.faulted() {
            return Err(target.fault().into());
        }
        let restored = restored.into_inner();
        let mut skipped = pool::unpoison(skipped.into_inner());
        skipped.first.sort_unstable();
        skipped.first.truncate(NAMED_MAX);
        let synced = match self.sync && restored > 0 {
            true => file.sync(),
            false => Ok(()),
        };
        match wrote {
            Err(Checked::File(error)) => return Err(file.stopped(error).into()),
            Err(journal) => return Err(journal),
            Ok(()) => {}
        }
        synced?;
        file.finish(false)?;
        Ok((restored, skipped))
    }
}

/// Removes `path` and waits for its folder to be on the disk.
fn remove(path: &Path) -> std::io::Result<()> {
    std::fs::remove_file(path).and_then(|()| journal::sync_parent(path))
}

/// The threads an undo reads its journal and writes on: the cores.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(pool::MAX_THREADS))
}

/// The bytes of `region` as the file holds them now (in its view); `None`
/// past the end (a file may have grown since: its regions are where they
/// were).
fn now_at<'v>(view: &'v crate::io::map::Mapping, region: &Region) -> Option<&'v [u8]> {
    let end = region.offset.checked_add(region.old.len() as u64)?;
    view.bytes()
        .get(region.offset as usize..usize::try_from(end).ok()?)
}

/// The regions of a file left because they lie past its end: all are
/// counted, the first [`NAMED_MAX`] by offset kept to be named.
#[derive(Default)]
struct PastEnd {
    count: u64,
    first: Vec<(u64, u64)>,
}

impl PastEnd {
    fn add(&mut self, offset: u64, len: u64) {
        self.count += 1;
        self.first.push((offset, len));
        if self.first.len() >= 2 * NAMED_MAX {
            self.first.sort_unstable();
            self.first.truncate(NAMED_MAX);
        }
    }
}

/// Whether a region holds what mpatch left there: the new bytes, the old
/// ones (not reached), or, where a run was killed in the middle of a write,
/// some of each, byte by byte.
fn written_by_us(now: &[u8], old: &[u8], new: &[u8]) -> bool {
    now.iter()
        .zip(old)
        .zip(new)
        .all(|((n, o), w)| n == o || n == w)
}

#[cfg(test)]
mod tests {
    use super::written_by_us;

    #[test]
    fn a_torn_write_is_ours_and_a_foreign_byte_is_not() {
        assert!(written_by_us(b"FIXED", b"ERROR", b"FIXED"));
        assert!(written_by_us(b"ERROR", b"ERROR", b"FIXED"));
        assert!(
            written_by_us(b"FIXOR", b"ERROR", b"FIXED"),
            "killed mid-copy"
        );
        assert!(!written_by_us(b"FIXEZ", b"ERROR", b"FIXED"));
    }
}
