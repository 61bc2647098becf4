//! One module per command, plus what the commands share: reading byte
//! arguments and selections, opening and locking the files that replace
//! and poke write, and recording the undo journal.

pub mod apply;
pub mod diff;
pub mod files;
pub mod find;
pub mod peek;
pub mod plan;
pub mod poke;
pub mod replace;
pub mod undo;

use std::collections::HashSet;

use crate::error::Error;
use crate::io::target::{Access, Target};

pub use crate::engine::offset::parse_number;
pub use plan::{Command, Selection, WriteOptions};

pub use crate::api::patterns::{read_bytes, read_bytes_or_empty};

impl Selection {
    /// The byte range to scan in `target`.
    pub fn range_in(&self, target: &Target) -> (usize, usize) {
        let (start, end) = self.range.resolve(target.len());
        (start as usize, end as usize)
    }
}

/// Opens every file a write command names, checks each and (for a real
/// run) locks it, all before any byte is written: one unusable file stops
/// the run with nothing changed.
pub fn open_all(files: &[std::ffi::OsString], write: &WriteOptions) -> Result<Vec<Target>, Error> {
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

/// A directory named without `-r`: the error says how to walk it.
pub fn names_r(error: Error) -> Error {
    match error {
        Error::File { path, reason } if reason == "is a directory" => Error::File {
            path,
            reason: "is a directory (-r walks it)".into(),
        },
        error => error,
    }
}

/// Whether a write command waits for the disk.
pub fn wants_sync(write: &WriteOptions) -> bool {
    write.sync()
}

/// Runs one planned command.
pub fn run(command: &Command) -> Result<crate::error::Outcome, Error> {
    crate::io::map::raise_open_file_limit();
    match command {
        Command::Find(plan) => find::run(plan),
        Command::Replace(plan) => replace::run(plan),
        Command::Peek(plan) => peek::run(plan),
        Command::Poke(plan) => poke::run(plan),
        Command::Undo(plan) => undo::run(plan),
        Command::Diff(plan) => diff::run(plan),
        Command::Apply(plan) => apply::run(plan),
    }
}

pub use crate::api::journal::{Recorder, write_regions};
