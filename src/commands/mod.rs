//! One module per command, plus what the commands share: reading byte
//! arguments and selections, opening and locking the files that replace
//! and poke write, and recording the undo journal.

pub mod apply;
pub mod diff;
pub mod files;
pub mod find;
pub mod patterns;
pub mod peek;
pub mod poke;
pub mod replace;
pub mod undo;

use std::collections::HashSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::cli::{SelectArgs, WriteArgs};
use crate::error::{Error, plain_reason};
use crate::journal;
use crate::map::Mapping;
use crate::matcher::{Matcher, Replacement};
use crate::offset::{self, RangeSpec};
use crate::pass::{Hit, Sink};
use crate::pattern::{self, Syntax};
use crate::target::{Access, Target};

/// Reads a byte argument (`what` names it in errors); empty is refused.
pub fn read_bytes(what: &str, arg: &OsStr, syntax: Syntax) -> Result<Vec<u8>, Error> {
    let bytes = read_bytes_or_empty(what, arg, syntax)?;
    if bytes.is_empty() {
        return Err(Error::argument(what, "is empty"));
    }
    Ok(bytes)
}

/// Reads a byte argument that may be empty.
pub fn read_bytes_or_empty(what: &str, arg: &OsStr, syntax: Syntax) -> Result<Vec<u8>, Error> {
    pattern::parse(arg.as_bytes(), syntax).map_err(|e| Error::argument(what, e.to_string()))
}

/// `--range`, `--nth` and `-m`, read once for all files.
pub struct Selection {
    pub range: RangeSpec,
    pub nth: Option<u64>,
    pub max: Option<u64>,
}

impl Selection {
    pub fn parse(args: &SelectArgs) -> Result<Selection, Error> {
        let range = match &args.range {
            Some(text) => offset::parse_range(text).map_err(|e| Error::argument("--range", e))?,
            None => RangeSpec::default(),
        };
        Ok(Selection {
            range,
            nth: args.nth,
            max: args.max_count,
        })
    }

    /// The byte range to scan in `target`.
    pub fn range_in(&self, target: &Target) -> (usize, usize) {
        let (start, end) = self.range.resolve(target.len());
        (start as usize, end as usize)
    }
}

/// Opens every file a write command names, checks each and (for a real
/// run) locks it, all before any byte is written: one unusable file stops
/// the run with nothing changed.
pub fn open_all(files: &[std::ffi::OsString], write: &WriteArgs) -> Result<Vec<Target>, Error> {
    let access = if write.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    let mut seen = HashSet::new();
    let mut targets = Vec::with_capacity(files.len());
    for file in files {
        let target = Target::open(file, access, write.allow_device)?;
        if !seen.insert((target.identity.dev, target.identity.ino)) {
            return Err(target.problem("is named twice (the same file under two names)"));
        }
        if !write.dry_run {
            target.lock(write.lock_timeout)?;
        }
        targets.push(target);
    }
    Ok(targets)
}

/// Whether a write command waits for the disk.
pub fn wants_sync(write: &WriteArgs) -> bool {
    !write.dry_run && !write.no_sync
}

/// Builds the undo journal of a write command, naming the journal in every
/// error. A journal that cannot be finished, or that records no change, is
/// removed: nothing has been written yet.
pub struct Recorder {
    writer: journal::Writer,
    name: String,
    regions: u64,
}

impl Recorder {
    pub fn create(path: &Path) -> Result<Recorder, Error> {
        let name = path.display().to_string();
        match journal::Writer::create(path) {
            Ok(writer) => Ok(Recorder {
                writer,
                name,
                regions: 0,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::Journal {
                path: name,
                reason: "already exists; a journal is never overwritten".into(),
            }),
            Err(e) => Err(self::journal_error(name, &e)),
        }
    }

    fn fail(&self, error: std::io::Error) -> Error {
        journal_error(self.name.clone(), &error)
    }

    /// Starts the section of `target`, recorded by its absolute path.
    pub fn file(&mut self, target: &Target) -> Result<(), Error> {
        let absolute =
            std::fs::canonicalize(&target.path).map_err(|e| Error::io(&target.name, e))?;
        self.writer
            .file(target.identity, &absolute)
            .map_err(|e| self.fail(e))
    }

    /// Where the journal is now: a file's section starts here.
    pub fn mark(&self) -> (journal::Mark, u64) {
        (self.writer.mark(), self.regions)
    }

    /// Takes back what was recorded since `mark`.
    pub fn rewind(&mut self, (mark, regions): (journal::Mark, u64)) -> Result<(), Error> {
        self.regions = regions;
        self.writer.rewind(mark).map_err(|e| self.fail(e))
    }

    /// Removes the journal of a run that writes nothing.
    pub fn discard(self) {
        let _ = std::fs::remove_file(self.writer.path());
    }

    pub fn region(&mut self, offset: u64, old: &[u8], new: &[u8]) -> Result<(), Error> {
        self.regions += 1;
        self.writer
            .region(offset, old, new)
            .map_err(|e| self.fail(e))
    }

    /// Makes the journal durable, or removes it if `recorded` failed or
    /// it records no change.
    pub fn finish<T>(self, recorded: Result<T, Error>) -> Result<T, Error> {
        let path = self.writer.path().to_path_buf();
        let name = self.name.clone();
        let keep = self.regions > 0;
        let result = recorded.and_then(|value| {
            if keep {
                self.writer.finish().map_err(|e| journal_error(name, &e))?;
            }
            Ok(value)
        });
        if result.is_err() || !keep {
            let _ = std::fs::remove_file(&path);
        }
        result
    }
}

fn journal_error(path: String, error: &std::io::Error) -> Error {
    Error::Journal {
        path,
        reason: plain_reason(error),
    }
}

/// The sink of the pass that records the journal: every selected match's
/// old bytes and its replacement.
pub struct Record<'a> {
    pub recorder: &'a mut Recorder,
    pub matcher: &'a Matcher,
    pub replacement: &'a Replacement,
    pub view: &'a Mapping,
    pub with: Vec<u8>,
}

impl Sink for Record<'_> {
    fn wants_hits(&self) -> bool {
        true
    }

    fn hit(&mut self, hit: &Hit) -> Result<bool, Error> {
        let new = self.matcher.replacement(
            self.replacement,
            self.view.bytes(),
            hit.found(),
            &mut self.with,
        );
        self.recorder.region(hit.offset as u64, hit.old(), new)?;
        Ok(true)
    }
}
