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

use crate::cli::{SelectArgs, WriteArgs};
use crate::engine::offset::{self, RangeSpec};
use crate::engine::pattern::{self, Syntax};
use crate::error::Error;
use crate::io::target::{Access, Target};

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

pub use crate::api::journal::{Recorder, write_regions};
