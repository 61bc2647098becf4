//! One module per command, plus what the commands share: reading byte
//! arguments and selections, opening and locking the files that replace
//! and poke write, and recording the undo journal.

mod apply;
mod diff;
mod files;
mod find;
mod peek;
pub mod plan;
mod poke;
mod replace;
mod undo;

use crate::error::Error;
use crate::io::target::Target;

pub use crate::engine::offset::parse_number;
pub use plan::{Command, Selection, WriteOptions};

impl Selection {
    /// The byte range to scan in `target`.
    pub(crate) fn range_in(&self, target: &Target) -> (usize, usize) {
        let (start, end) = self.range.resolve(target.len());
        (start as usize, end as usize)
    }
}

/// A directory named without `-r`: the error says how to walk it.
pub(crate) fn names_r(error: Error) -> Error {
    match error {
        Error::Io { path, source } if source.raw_os_error() == Some(libc::EISDIR) => Error::File {
            path,
            reason: "is a directory (-r walks it)".into(),
        },
        Error::File { path, reason } if reason == "is a directory" => Error::File {
            path,
            reason: "is a directory (-r walks it)".into(),
        },
        error => error,
    }
}

/// Whether a write command waits for the disk.
pub(crate) fn wants_sync(write: &WriteOptions) -> bool {
    write.sync()
}

/// Runs one planned command, printing what it does as the command line
/// does, and says how it ended (the exit status).
///
/// ```
/// use mpatch::commands::plan::{Command, FindPlan};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("app.log");
/// std::fs::write(&path, "ERROR\n").unwrap();
/// let find = FindPlan {
///     matcher: mpatch::Matcher::literal(b"ERROR").unwrap(),
///     files: vec![path.into_os_string()],
///     files_in: Default::default(),
///     select: Default::default(),
///     report: Default::default(),
///     count: true,
///     files_with_matches: false,
///     with_filename: false,
///     no_filename: false,
/// };
/// // Prints "1", as `mpatch find -c ERROR app.log` does.
/// let outcome = mpatch::commands::run(&Command::Find(find)).unwrap();
/// assert_eq!(outcome, mpatch::Outcome::Done);
/// ```
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

pub(crate) use crate::api::journal::Recorder;
