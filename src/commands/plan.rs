//! What each command is asked to do, resolved once from the command line
//! (patterns compiled, offsets and ranges read, colour decided): the binary
//! makes a plan, the commands read nothing else.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::engine::formats::Format;
use crate::engine::matcher::{Matcher, Replacement};
use crate::engine::offset::{Position, RangeSpec};

pub use crate::output::progress::ProgressMode;

/// Which matches a command acts on: `--range`, `--nth`, `-m`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Selection {
    /// Only matches inside this range.
    pub range: RangeSpec,
    /// Only the Nth match (1-based) of each file.
    pub nth: Option<u64>,
    /// At most this many matches of each file.
    pub max: Option<u64>,
}

/// What is shown around each match.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Context {
    /// The offset only.
    #[default]
    None,
    /// Whole lines before and after, as grep (`-C`, `-B`, `-A`).
    Lines {
        /// Lines before each match.
        before: usize,
        /// Lines after each match.
        after: usize,
    },
    /// Bytes either side (`--byte-context`).
    Bytes(usize),
}

impl Context {
    /// Whether anything is shown around a match.
    pub fn is_some(&self) -> bool {
        *self != Context::None
    }
}

/// How matches and files are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Print nothing; the exit status tells.
    pub quiet: bool,
    /// What is shown around each match.
    pub context: Context,
    /// Offsets as `0x`-prefixed hex.
    pub hex_offsets: bool,
    /// One JSON object per line.
    pub json: bool,
    /// Whether text output is coloured (decided once: the terminal,
    /// `NO_COLOR`, `--color`).
    pub color: bool,
    /// When a progress bar is drawn.
    pub progress: ProgressMode,
}

/// How the write commands write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Work out every change and write nothing.
    pub dry_run: bool,
    /// Record each changed region in an undo journal here.
    pub journal: Option<PathBuf>,
    /// Leave the writing to the kernel instead of waiting for the disk.
    pub no_sync: bool,
    /// How long to wait for another process's lock on a file.
    pub lock_timeout: Duration,
    /// Whether block devices may be written.
    pub allow_device: bool,
}

impl WriteOptions {
    /// Whether a real run waits for the disk.
    pub fn sync(&self) -> bool {
        !self.dry_run && !self.no_sync
    }
}

/// Which files find and replace work on besides those named: trees walked
/// as ripgrep walks them, and lists of names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// Walk directories (`-r`).
    pub recursive: bool,
    /// Walk hidden entries too.
    pub hidden: bool,
    /// Do not honour ignore files.
    pub no_ignore: bool,
    /// Follow symbolic links.
    pub follow: bool,
    /// Only files matching these globs (`!GLOB` excludes).
    pub globs: Vec<String>,
    /// Descend at most this many levels.
    pub max_depth: Option<usize>,
    /// Also the files named in this list (`-`: standard input).
    pub files_from: Option<OsString>,
    /// Names end with a NUL byte, in lists and in output.
    pub null: bool,
    /// Print files in path order.
    pub sort_by_path: bool,
    /// Files worked on at once (default: one per core).
    pub threads: Option<usize>,
    /// Whether binary files met in a walk are searched too (`-a`, or a
    /// hex pattern); named and listed files always are.
    pub binary: bool,
}

/// `mpatch find`.
pub struct FindPlan {
    /// The patterns.
    pub matcher: Matcher,
    /// The files named (`-`: standard input).
    pub files: Vec<OsString>,
    /// Trees and lists.
    pub files_in: FileOptions,
    /// Which matches.
    pub select: Selection,
    /// How they are printed.
    pub report: Report,
    /// One line per file: the number of matches.
    pub count: bool,
    /// Only the names of files with a match.
    pub files_with_matches: bool,
    /// Always print the file name.
    pub with_filename: bool,
    /// Never print the file name.
    pub no_filename: bool,
}

/// How a replace or an apply is reviewed before it writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Review {
    /// Written without asking.
    #[default]
    None,
    /// A dry run printed as a unified diff with this many lines of context.
    Diff {
        /// Unchanged lines around each change (`-U N`).
        context: usize,
    },
    /// Each change asked about at the terminal (`-I`).
    Interactive {
        /// Whether the changes shown there are coloured.
        color: bool,
    },
}

/// `mpatch replace`.
pub struct ReplacePlan {
    /// The patterns.
    pub matcher: Matcher,
    /// What replaces each match.
    pub replacement: Replacement,
    /// The files named.
    pub files: Vec<OsString>,
    /// Trees and lists.
    pub files_in: FileOptions,
    /// Which matches.
    pub select: Selection,
    /// How they are printed.
    pub report: Report,
    /// How files are written.
    pub write: WriteOptions,
    /// Write only if each file has exactly this many matches.
    pub expect: Option<u64>,
    /// Write only if all files together have exactly this many matches.
    pub expect_total: Option<u64>,
    /// Shown as a diff, or asked about, before anything is written.
    pub review: Review,
}

/// How `mpatch peek` shows bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PeekFormat {
    /// xxd-style lines.
    #[default]
    Hexdump,
    /// One line of hex digits.
    Hex,
    /// The bytes with escapes.
    Text,
    /// The bytes themselves.
    Raw,
    /// JSON lines (`--json`): `{"type":"bytes","path","offset","bytes"}`
    /// for each piece read, the bytes in hex.
    Json,
}

/// `mpatch peek`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeekPlan {
    /// How the bytes are shown.
    pub format: PeekFormat,
    /// The file (or stream) to read.
    pub file: OsString,
    /// Where to start.
    pub offset: Position,
    /// How many bytes.
    pub length: u64,
}

/// `mpatch poke`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PokePlan {
    /// One JSON object instead of the line.
    pub json: bool,
    /// How the file is written.
    pub write: WriteOptions,
    /// Write only if these bytes are there now.
    pub expect: Option<Vec<u8>>,
    /// Print nothing on success.
    pub quiet: bool,
    /// The file.
    pub file: OsString,
    /// Where to write.
    pub offset: Position,
    /// The offset as typed, echoed in messages (hex stays hex).
    pub offset_text: String,
    /// The bytes to write.
    pub bytes: Vec<u8>,
}

/// `mpatch undo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoPlan {
    /// One JSON object per file instead of the lines.
    pub json: bool,
    /// Restore every region it can, naming the others.
    pub force: bool,
    /// Read a journal another user owns, or others may write.
    pub trust: bool,
    /// How long to wait for another process's lock.
    pub lock_timeout: Duration,
    /// Leave the writing to the kernel.
    pub no_sync: bool,
    /// When a progress bar is drawn.
    pub progress: ProgressMode,
    /// The journal.
    pub journal: PathBuf,
}

/// `mpatch diff`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffPlan {
    /// Print nothing.
    pub quiet: bool,
    /// Threads to compare on.
    pub threads: Option<usize>,
    /// The patch's format.
    pub format: Format,
    /// The name the patch gives the file (x64dbg's module, IDA's file
    /// name, PPF's description); default: OLD's file name.
    pub name: Option<String>,
    /// The regions as JSON lines (`region` objects, then a `summary`)
    /// instead of a patch; mpatch's format only.
    pub json: bool,
    /// The file as it was.
    pub old: OsString,
    /// The file as it is to be.
    pub new: OsString,
}

/// `mpatch apply`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyPlan {
    /// How files are written.
    pub write: WriteOptions,
    /// New to old.
    pub reverse: bool,
    /// Apply whatever the file's size.
    pub any_size: bool,
    /// The patch's format, or `None` to detect it by its magic.
    pub format: Option<Format>,
    /// One JSON object per line.
    pub json: bool,
    /// Print nothing on success.
    pub quiet: bool,
    /// Shown as a diff (a dry run), or asked about region by region,
    /// before anything is written.
    pub review: Review,
    /// Whether a diff is coloured (decided once: the terminal, `NO_COLOR`,
    /// `--color`).
    pub color: bool,
    /// The patch (`-`: standard input).
    pub patch: OsString,
    /// The files to patch.
    pub files: Vec<OsString>,
}

/// A command, planned.
pub enum Command {
    /// `mpatch find`.
    Find(FindPlan),
    /// `mpatch replace`.
    Replace(ReplacePlan),
    /// `mpatch peek`.
    Peek(PeekPlan),
    /// `mpatch poke`.
    Poke(PokePlan),
    /// `mpatch undo`.
    Undo(UndoPlan),
    /// `mpatch diff`.
    Diff(DiffPlan),
    /// `mpatch apply`.
    Apply(ApplyPlan),
}
