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

use crate::error::Error;
use crate::io::target::Target;

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
/// run) locks it, all before any byte is written.
pub fn open_all(files: &[std::ffi::OsString], write: &WriteOptions) -> Result<Vec<Target>, Error> {
    crate::api::open_all(files, write.dry_run, write.allow_device, write.lock_timeout)
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
