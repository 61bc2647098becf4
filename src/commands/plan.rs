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
///
/// ```
/// use mpatch::RangeSpec;
/// use mpatch::commands::Selection;
/// // `--range 0x10: -m 2`: at most two matches, at or past offset 16.
/// let select = Selection {
///     range: RangeSpec::parse("0x10:").unwrap(),
///     max: Some(2),
///     ..Selection::default()
/// };
/// assert_eq!(select.range.resolve(100), (16, 100));
/// // By default, every match anywhere in the file.
/// assert_eq!(Selection::default().range.resolve(100), (0, 100));
/// assert_eq!((Selection::default().nth, Selection::default().max), (None, None));
/// ```
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
///
/// ```
/// use mpatch::commands::plan::Context;
/// // `-C 2` shows two lines either side; `--byte-context 16`, 16 bytes.
/// let lines = Context::Lines { before: 2, after: 2 };
/// assert!(lines.is_some() && Context::Bytes(16).is_some());
/// assert_eq!(Context::default(), Context::None);
/// ```
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
    ///
    /// ```
    /// use mpatch::commands::plan::Context;
    /// assert!(!Context::None.is_some());
    /// assert!(Context::Lines { before: 0, after: 1 }.is_some());
    /// ```
    pub fn is_some(&self) -> bool {
        *self != Context::None
    }
}

/// How matches and files are printed.
///
/// ```
/// use mpatch::commands::plan::{Context, ProgressMode, Report};
/// // `find --json`: one object per line; the rest as by default (no colour,
/// // a bar only for a large file on a terminal).
/// let json = Report { json: true, ..Report::default() };
/// assert!(!json.quiet && !json.color && !json.hex_offsets);
/// assert_eq!((json.context, json.progress), (Context::None, ProgressMode::Auto));
/// ```
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
///
/// ```
/// use mpatch::commands::WriteOptions;
/// use std::time::Duration;
/// // `--journal fix.mpj --lock-timeout 5`: each change recorded, and up to
/// // 5 s to wait for another process's lock.
/// let write = WriteOptions {
///     journal: Some("fix.mpj".into()),
///     lock_timeout: Duration::from_secs(5),
///     ..WriteOptions::default()
/// };
/// assert!(write.sync(), "a real run waits for the disk");
/// assert!(!write.dry_run && !write.allow_device);
/// ```
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
    ///
    /// ```
    /// use mpatch::commands::WriteOptions;
    /// assert!(WriteOptions::default().sync());
    /// // `--no-sync` leaves it to the kernel; a dry run writes nothing.
    /// assert!(!WriteOptions { no_sync: true, ..WriteOptions::default() }.sync());
    /// assert!(!WriteOptions { dry_run: true, ..WriteOptions::default() }.sync());
    /// ```
    pub fn sync(&self) -> bool {
        !self.dry_run && !self.no_sync
    }
}

/// Which files find and replace work on besides those named: trees walked
/// as ripgrep walks them, and lists of names.
///
/// ```
/// use mpatch::commands::plan::{FileOptions, FindPlan};
/// use mpatch::commands::{self, Command};
/// use mpatch::{Matcher, Outcome};
/// # let dir = tempfile::tempdir().unwrap();
/// std::fs::create_dir(dir.path().join("logs")).unwrap();
/// std::fs::write(dir.path().join("logs/app.log"), "ERROR\n").unwrap();
/// // `mpatch find -l [-r] ERROR DIR`.
/// let find = |recursive| FindPlan {
///     matcher: Matcher::literal(b"ERROR").unwrap(),
///     files: vec![dir.path().into()],
///     files_in: FileOptions { recursive, ..FileOptions::default() },
///     select: Default::default(),
///     report: Default::default(),
///     count: false,
///     files_with_matches: true,
///     with_filename: false,
///     no_filename: false,
/// };
/// assert_eq!(commands::run(&Command::Find(find(true))).unwrap(), Outcome::Done);
/// // Without `-r` the directory is refused (saying how to walk it): exit 2.
/// assert_eq!(commands::run(&Command::Find(find(false))).unwrap(), Outcome::Failed);
/// ```
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
///
/// ```
/// use mpatch::commands::plan::FindPlan;
/// use mpatch::commands::{self, Command, Selection};
/// use mpatch::{Matcher, Outcome};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("app.log");
/// std::fs::write(&path, "ERROR one\nERROR two\n").unwrap();
/// // `mpatch find --nth N ERROR app.log`: found (exit 0) or not (exit 1).
/// let find = |nth| FindPlan {
///     matcher: Matcher::literal(b"ERROR").unwrap(),
///     files: vec![path.clone().into()],
///     files_in: Default::default(),
///     select: Selection { nth: Some(nth), ..Selection::default() },
///     report: Default::default(),
///     count: false,
///     files_with_matches: false,
///     with_filename: false,
///     no_filename: false,
/// };
/// assert_eq!(commands::run(&Command::Find(find(2))).unwrap(), Outcome::Done);
/// assert_eq!(commands::run(&Command::Find(find(3))).unwrap(), Outcome::NothingDone);
/// ```
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
///
/// ```
/// use mpatch::commands::plan::{ReplacePlan, Review};
/// use mpatch::commands::{self, Command, WriteOptions};
/// use mpatch::{Matcher, Outcome, Replacement};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("app.log");
/// std::fs::write(&path, "ERROR one\n").unwrap();
/// // `mpatch replace --diff ERROR FIXED app.log`: shown, not written,
/// // even with the write options of a real run.
/// let replace = ReplacePlan {
///     matcher: Matcher::literal(b"ERROR").unwrap(),
///     replacement: Replacement::Table(vec![b"FIXED".to_vec()]),
///     files: vec![path.clone().into()],
///     files_in: Default::default(),
///     select: Default::default(),
///     report: Default::default(),
///     write: WriteOptions::default(),
///     expect: None,
///     expect_total: None,
///     review: Review::Diff { context: 3 },
/// };
/// assert_eq!(commands::run(&Command::Replace(replace)).unwrap(), Outcome::Done);
/// assert_eq!(std::fs::read(&path).unwrap(), b"ERROR one\n");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Review {
    /// Written without asking.
    #[default]
    None,
    /// A dry run printed as a unified diff with this many lines of context:
    /// nothing is written, whatever [`WriteOptions::dry_run`] says.
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

impl Review {
    /// Whether the review itself writes nothing (a diff), so the run is dry.
    ///
    /// ```
    /// use mpatch::commands::plan::Review;
    /// assert!(Review::Diff { context: 3 }.is_dry());
    /// assert!(!Review::None.is_dry());
    /// ```
    pub fn is_dry(&self) -> bool {
        matches!(self, Review::Diff { .. })
    }
}

/// `mpatch replace`.
///
/// ```
/// use mpatch::commands::plan::ReplacePlan;
/// use mpatch::commands::{self, Command};
/// use mpatch::{Matcher, Outcome, Replacement};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("app.log");
/// std::fs::write(&path, "ERROR one\nERROR two\n").unwrap();
/// // `mpatch replace --expect N ERROR FIXED app.log`.
/// let replace = |expect| ReplacePlan {
///     matcher: Matcher::literal(b"ERROR").unwrap(),
///     replacement: Replacement::Table(vec![b"FIXED".to_vec()]),
///     files: vec![path.clone().into()],
///     files_in: Default::default(),
///     select: Default::default(),
///     report: Default::default(),
///     write: Default::default(),
///     expect: Some(expect),
///     expect_total: None,
///     review: Default::default(),
/// };
/// // Three expected, two found: the guard holds nothing back but the write.
/// assert_eq!(commands::run(&Command::Replace(replace(3))).unwrap(), Outcome::NothingDone);
/// assert_eq!(std::fs::read(&path).unwrap(), b"ERROR one\nERROR two\n");
/// assert_eq!(commands::run(&Command::Replace(replace(2))).unwrap(), Outcome::Done);
/// assert_eq!(std::fs::read(&path).unwrap(), b"FIXED one\nFIXED two\n");
/// ```
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
///
/// ```
/// use mpatch::commands::plan::{PeekFormat, PeekPlan};
/// use mpatch::commands::{self, Command};
/// use mpatch::{Outcome, Position};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("app.bin");
/// std::fs::write(&path, b"\x7fELF\x02").unwrap();
/// // xxd-style lines unless `--format` says otherwise.
/// assert_eq!(PeekFormat::default(), PeekFormat::Hexdump);
/// for format in [PeekFormat::Hexdump, PeekFormat::Hex, PeekFormat::Text, PeekFormat::Json] {
///     let peek = PeekPlan {
///         format,
///         file: path.clone().into(),
///         offset: Position::FromStart(0),
///         length: 4,
///     };
///     assert_eq!(commands::run(&Command::Peek(peek)).unwrap(), Outcome::Done);
/// }
/// ```
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
///
/// ```
/// use mpatch::commands::plan::{PeekFormat, PeekPlan};
/// use mpatch::commands::{self, Command};
/// use mpatch::{Outcome, Position};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("app.log");
/// std::fs::write(&path, "ERROR one\n").unwrap();
/// let peek = |offset| PeekPlan {
///     format: PeekFormat::Hex,
///     file: path.clone().into(),
///     offset,
///     length: 4,
/// };
/// // `mpatch peek -f hex app.log -4 4`: the last 4 bytes, `6f6e650a`.
/// let last = Command::Peek(peek(Position::FromEnd(4)));
/// assert_eq!(commands::run(&last).unwrap(), Outcome::Done);
/// // Further back than the file reaches: an error naming the file.
/// let error = commands::run(&Command::Peek(peek(Position::FromEnd(100)))).unwrap_err();
/// assert!(error.to_string().contains("before the start of the file"));
/// ```
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
///
/// ```
/// use mpatch::commands::plan::PokePlan;
/// use mpatch::commands::{self, Command};
/// use mpatch::{Outcome, Position};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("app.log");
/// std::fs::write(&path, "ERROR\n").unwrap();
/// // `mpatch poke -q --expect ERROR app.log 0 FIXED`: a compare-and-swap.
/// let poke = Command::Poke(PokePlan {
///     json: false,
///     write: Default::default(),
///     expect: Some(b"ERROR".to_vec()),
///     quiet: true,
///     file: path.clone().into(),
///     offset: Position::FromStart(0),
///     offset_text: "0".into(),
///     bytes: b"FIXED".to_vec(),
/// });
/// assert_eq!(commands::run(&poke).unwrap(), Outcome::Done);
/// assert_eq!(std::fs::read(&path).unwrap(), b"FIXED\n");
/// // ERROR is no longer there: nothing is written, and the exit status is 1.
/// assert_eq!(commands::run(&poke).unwrap(), Outcome::NothingDone);
/// ```
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
///
/// ```
/// use mpatch::commands::plan::{ProgressMode, UndoPlan};
/// use mpatch::commands::{self, Command};
/// use mpatch::{Matcher, Outcome, Replace, Replacement};
/// # let dir = tempfile::tempdir().unwrap();
/// # let (path, journal) = (dir.path().join("app.log"), dir.path().join("fix.mpj"));
/// std::fs::write(&path, "ERROR one\n").unwrap();
/// let matcher = Matcher::literal(b"ERROR").unwrap();
/// let fixed = Replacement::Table(vec![b"FIXED".to_vec()]);
/// Replace::new(&matcher, &fixed).journal(&journal).files(&[&path]).unwrap();
/// // `mpatch undo fix.mpj`.
/// let undo = UndoPlan {
///     json: false,
///     force: false,
///     trust: false,
///     lock_timeout: Default::default(),
///     no_sync: false,
///     progress: ProgressMode::Never,
///     journal,
/// };
/// assert_eq!(commands::run(&Command::Undo(undo)).unwrap(), Outcome::Done);
/// assert_eq!(std::fs::read(&path).unwrap(), b"ERROR one\n");
/// ```
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
///
/// ```
/// use mpatch::commands::plan::DiffPlan;
/// use mpatch::commands::{self, Command};
/// use mpatch::{Format, Outcome};
/// # let dir = tempfile::tempdir().unwrap();
/// # let (old, new) = (dir.path().join("old"), dir.path().join("new"));
/// std::fs::write(&old, "ERROR one\n").unwrap();
/// std::fs::write(&new, "FIXED one\n").unwrap();
/// // `mpatch diff -q OLD NEW`: exit 0 for the same bytes, 1 when they differ.
/// let diff = |new: &std::path::Path| DiffPlan {
///     quiet: true,
///     threads: None,
///     format: Format::Mpatch,
///     name: None,
///     json: false,
///     old: old.clone().into(),
///     new: new.into(),
/// };
/// assert_eq!(commands::run(&Command::Diff(diff(&old))).unwrap(), Outcome::Done);
/// assert_eq!(commands::run(&Command::Diff(diff(&new))).unwrap(), Outcome::NothingDone);
/// ```
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
///
/// ```
/// use mpatch::commands::plan::ApplyPlan;
/// use mpatch::commands::{self, Command};
/// use mpatch::{Diff, Outcome};
/// # let dir = tempfile::tempdir().unwrap();
/// # let (old, new) = (dir.path().join("old"), dir.path().join("new"));
/// # let patch = dir.path().join("fix.patch");
/// std::fs::write(&old, "ERROR one\n").unwrap();
/// std::fs::write(&new, "FIXED one\n").unwrap();
/// Diff::new(&old, &new).write_to(std::fs::File::create(&patch).unwrap()).unwrap();
/// // `mpatch apply -q fix.patch old`.
/// let apply = Command::Apply(ApplyPlan {
///     write: Default::default(),
///     reverse: false,
///     any_size: false,
///     format: None,
///     json: false,
///     quiet: true,
///     review: Default::default(),
///     color: false,
///     patch: patch.into(),
///     files: vec![old.clone().into()],
/// });
/// assert_eq!(commands::run(&apply).unwrap(), Outcome::Done);
/// assert_eq!(std::fs::read(&old).unwrap(), b"FIXED one\n");
/// // Applied already: nothing is written, and that is success too.
/// assert_eq!(commands::run(&apply).unwrap(), Outcome::Done);
/// assert_eq!(std::fs::read(&old).unwrap(), b"FIXED one\n");
/// ```
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
///
/// ```
/// use mpatch::commands::plan::{PokePlan, UndoPlan};
/// use mpatch::commands::{self, Command, WriteOptions};
/// use mpatch::{Outcome, Position};
/// # let dir = tempfile::tempdir().unwrap();
/// # let (path, journal) = (dir.path().join("app.bin"), dir.path().join("fix.mpj"));
/// std::fs::write(&path, [0u8; 16]).unwrap();
/// // `mpatch poke -q --hex --journal fix.mpj app.bin -2 cafe`, then
/// // `mpatch undo fix.mpj`.
/// let poke = Command::Poke(PokePlan {
///     json: false,
///     write: WriteOptions { journal: Some(journal.clone()), ..WriteOptions::default() },
///     expect: None,
///     quiet: true,
///     file: path.clone().into(),
///     offset: Position::FromEnd(2),
///     offset_text: "-2".into(),
///     bytes: vec![0xca, 0xfe],
/// });
/// let undo = Command::Undo(UndoPlan {
///     json: false,
///     force: false,
///     trust: false,
///     lock_timeout: Default::default(),
///     no_sync: false,
///     progress: Default::default(),
///     journal,
/// });
/// assert_eq!(commands::run(&poke).unwrap(), Outcome::Done);
/// assert_eq!(std::fs::read(&path).unwrap()[14..], [0xca, 0xfe]);
/// assert_eq!(commands::run(&undo).unwrap(), Outcome::Done);
/// assert_eq!(std::fs::read(&path).unwrap(), [0u8; 16]);
/// ```
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
