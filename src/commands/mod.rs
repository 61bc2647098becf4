//! One module per command, plus what the commands share: reading byte
//! arguments and selections, and opening, locking and flushing the files
//! that replace and poke write.

pub mod find;
pub mod peek;
pub mod poke;
pub mod replace;
pub mod undo;

use std::collections::HashSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use crate::cli::{SelectArgs, SyntaxArgs, WriteArgs};
use crate::error::{Problem, plain_reason};
use crate::journal;
use crate::map::{MapKind, Mapping};
use crate::offset::{self, RangeSpec};
use crate::pattern::{self, Syntax};
use crate::target::{Access, Target};

impl From<SyntaxArgs> for Syntax {
    fn from(args: SyntaxArgs) -> Syntax {
        if args.hex {
            Syntax::Hex
        } else if args.escapes {
            Syntax::Escapes
        } else {
            Syntax::Literal
        }
    }
}

/// Reads a byte argument (`what` names it in errors); empty is refused.
pub fn read_bytes(what: &str, arg: &OsStr, syntax: Syntax) -> Result<Vec<u8>, Problem> {
    let bytes =
        pattern::parse(arg.as_bytes(), syntax).map_err(|e| Problem::new(what, e.to_string()))?;
    if bytes.is_empty() {
        return Err(Problem::new(what, "is empty"));
    }
    Ok(bytes)
}

/// `--range`, `--nth` and `-m`, read once for all files.
pub struct Selection {
    pub range: RangeSpec,
    pub nth: Option<u64>,
    pub max: Option<u64>,
}

impl Selection {
    pub fn parse(args: &SelectArgs) -> Result<Selection, Problem> {
        let range = match &args.range {
            Some(text) => offset::parse_range(text).map_err(|e| Problem::new("--range", e))?,
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
pub fn open_all(files: &[std::ffi::OsString], write: &WriteArgs) -> Result<Vec<Target>, Problem> {
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

/// The mapping a write command works through: the file itself, or a
/// private copy-on-write view for a dry run.
pub fn write_kind(write: &WriteArgs) -> MapKind {
    if write.dry_run {
        MapKind::Private
    } else {
        MapKind::Shared
    }
}

/// Ends the writes to one file: waits for the disk when `sync` is set (a
/// failed flush is an error), and checks that the file kept its size.
pub fn settle_file(target: &Target, mapping: &Mapping, sync: bool) -> Result<(), Problem> {
    if sync {
        mapping
            .flush()
            .map_err(|e| target.problem(format!("flush failed: {}", plain_reason(&e))))?;
    }
    target.check_unchanged()
}

/// Whether a write command waits for the disk.
pub fn wants_sync(write: &WriteArgs) -> bool {
    !write.dry_run && !write.no_sync
}

/// Builds the undo journal of a write command, naming the journal in every
/// error; a journal that cannot be finished is removed, since nothing has
/// been written yet.
pub struct Recorder {
    writer: journal::Writer,
    name: String,
}

impl Recorder {
    pub fn create(path: &std::path::Path) -> Result<Recorder, Problem> {
        let name = path.display().to_string();
        match journal::Writer::create(path) {
            Ok(writer) => Ok(Recorder { writer, name }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Problem::new(
                name,
                "already exists; a journal is never overwritten",
            )),
            Err(e) => Err(Problem::io(name, &e)),
        }
    }

    fn fail(&self, error: std::io::Error) -> Problem {
        Problem::new(&self.name, plain_reason(&error))
    }

    /// Starts the section of `target`, recorded by its absolute path.
    pub fn file(&mut self, target: &Target) -> Result<(), Problem> {
        let absolute =
            std::fs::canonicalize(&target.path).map_err(|e| Problem::io(&target.name, &e))?;
        self.writer
            .file(target.identity, &absolute)
            .map_err(|e| self.fail(e))
    }

    pub fn region(&mut self, offset: u64, old: &[u8], new: &[u8]) -> Result<(), Problem> {
        self.writer
            .region(offset, old, new)
            .map_err(|e| self.fail(e))
    }

    /// Makes the journal durable, or removes it if `recorded` failed.
    pub fn finish<T>(self, recorded: anyhow::Result<T>) -> anyhow::Result<T> {
        let path = self.writer.path().to_path_buf();
        let name = self.name.clone();
        let result = recorded.and_then(|value| {
            self.writer
                .finish()
                .map_err(|e| Problem::new(name, plain_reason(&e)))?;
            Ok(value)
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&path);
        }
        result
    }
}
