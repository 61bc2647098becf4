//! The command-line definition: one clap derive tree that drives parsing,
//! `--help`, the shell completions in `completions/` and the man page in `man/`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Examples shown by `--help` and in the man page.
pub const EXAMPLES: &str = "\
Examples:
  mpatch find ERROR big.log | head -3
  mpatch replace --dry-run -C 8 ERROR FIXED big.log
  mpatch replace --journal fix.mpj ERROR FIXED big.log
  mpatch replace -r -g '*.conf' --journal conf.mpj old.example.com new.example.com /etc
  mpatch find -r -l -0 ERROR logs | xargs -0 mpatch replace ERROR FIXED
  mpatch peek big.log 0x1f40 32
  mpatch poke --hex firmware.bin 0x1f40 --expect 7400 9090
  mpatch undo fix.mpj";

/// The exit status table shown by `--help` and in the man page.
pub const EXIT_STATUS: &str = "\
Exit status:
  0  something matched / was written / was shown
  1  nothing matched, or an --expect guard did not hold; nothing written
  2  an error; no file was changed by the failing step";

/// Same-length, in-place byte patching of files of any size.
#[derive(Debug, Parser)]
#[command(
    name = "mpatch",
    version,
    about = "Same-length, in-place byte patching of files of any size",
    long_about = "Same-length, in-place byte patching of files of any size.\n\n\
        mpatch maps a file into memory, finds byte patterns with SIMD substring \
        search and writes same-length replacements straight into the mapping: \
        the file keeps its inode, owner, mode, hardlinks and extended attributes.",
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"),
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the byte offset of every match of PATTERN
    Find(FindArgs),
    /// Replace every match of PATTERN with a REPLACEMENT of the same length, in place
    Replace(ReplaceArgs),
    /// Show bytes at an offset
    Peek(PeekArgs),
    /// Write bytes at an offset, in place
    Poke(PokeArgs),
    /// Revert a change recorded with --journal
    Undo(UndoArgs),
}

/// How PATTERN, REPLACEMENT, BYTES and --expect values are read.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct SyntaxArgs {
    /// Decode escapes: \\ \n \r \t \0 \xHH
    #[arg(short = 'e', long = "escapes", conflicts_with = "hex")]
    pub escapes: bool,
    /// Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF")
    #[arg(short = 'x', long = "hex")]
    pub hex: bool,
}

/// Which matches a command acts on.
#[derive(Debug, Args, Clone, Default)]
pub struct SelectArgs {
    /// Stop each file after N matches
    #[arg(short = 'm', long = "max-count", value_name = "N", value_parser = clap::value_parser!(u64))]
    pub max_count: Option<u64>,
    /// Only the Nth match (1-based) of each file
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub nth: Option<u64>,
    /// Only matches lying entirely inside bytes [START, END); either end may be left out
    #[arg(long, value_name = "START:END", allow_hyphen_values = true)]
    pub range: Option<String>,
}

/// How matches are printed.
#[derive(Debug, Args, Clone, Default)]
pub struct ReportArgs {
    /// Print nothing; the exit status tells
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Show N bytes either side of each match (at most 65536), the match in [brackets]
    #[arg(short = 'C', long = "context", value_name = "N",
          value_parser = clap::builder::TypedValueParser::map(
              clap::value_parser!(u64).range(0..=MAX_CONTEXT), |n| n as usize))]
    pub context: Option<usize>,
    /// Print offsets as 0x-prefixed hex
    #[arg(long)]
    pub hex_offsets: bool,
    /// One JSON object per line: a "match" per match and a "summary" per file
    #[arg(long)]
    pub json: bool,
    /// Progress bar on stderr for files of 256 MiB or more
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto, value_name = "WHEN")]
    pub progress: ProgressMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ProgressMode {
    /// When stderr is a terminal
    #[default]
    Auto,
    Always,
    Never,
}

impl From<ProgressMode> for crate::progress::ProgressMode {
    fn from(mode: ProgressMode) -> Self {
        match mode {
            ProgressMode::Auto => Self::Auto,
            ProgressMode::Always => Self::Always,
            ProgressMode::Never => Self::Never,
        }
    }
}

/// The most bytes of context a preview shows either side of a match.
pub const MAX_CONTEXT: u64 = 1 << 16;

/// Reads `--lock-timeout`: seconds, a whole or decimal number from 0 up to
/// about 136 years (u32 seconds); `inf`, `nan` and negatives are refused.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(0.0..=f64::from(u32::MAX)).contains(&seconds) {
        return Err(format!(
            "{text:?} is out of range (0 to {} seconds)",
            u32::MAX
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Options of the commands that write into files.
#[derive(Debug, Args, Clone, Default)]
pub struct WriteArgs {
    /// Apply every change to a private copy-on-write mapping and report; the file stays as it was
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Before the first byte changes, write and fsync an undo journal to PATH
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Leave writing the changed bytes to the kernel instead of waiting for the disk
    #[arg(long)]
    pub no_sync: bool,
    /// Seconds to wait for another process's lock on the file
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub lock_timeout: Duration,
    /// Allow writing to a block device
    #[arg(long)]
    pub allow_device: bool,
}

/// Which files find and replace work on besides the FILEs named: trees
/// walked as ripgrep walks them, and lists of names.
#[derive(Debug, Args, Clone, Default)]
pub struct FilesArgs {
    /// Walk directories as ripgrep does: .gitignore, .ignore and .rgignore honoured, hidden entries and symlinks skipped (no FILE: the current directory)
    #[arg(short = 'r', long)]
    pub recursive: bool,
    /// With -r: walk hidden files and directories too
    #[arg(long, requires = "recursive")]
    pub hidden: bool,
    /// With -r: do not honour .gitignore, .ignore and .rgignore files
    #[arg(long, requires = "recursive")]
    pub no_ignore: bool,
    /// With -r: follow symbolic links
    #[arg(short = 'L', long, requires = "recursive")]
    pub follow: bool,
    /// With -r: only files matching GLOB; !GLOB excludes (repeatable; gitignore syntax)
    #[arg(
        short = 'g',
        long = "glob",
        value_name = "GLOB",
        requires = "recursive",
        allow_hyphen_values = true
    )]
    pub globs: Vec<String>,
    /// With -r: descend at most N levels below each FILE (0: the FILEs themselves)
    #[arg(long, value_name = "N", requires = "recursive")]
    pub max_depth: Option<usize>,
    /// Also work on the files named in FILE, one per line ("-" for stdin; NUL-separated with -0)
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<OsString>,
    /// File names end with a NUL byte, in --files-from lists and in output (for xargs -0)
    #[arg(short = '0', long)]
    pub null: bool,
    /// Print files in path order (each directory's entries by name, a --files-from list sorted)
    #[arg(long, value_enum, value_name = "KEY")]
    pub sort: Option<SortKey>,
    /// How many files are worked on at once (default: one per core)
    #[arg(short = 'j', long, value_name = "N",
          value_parser = clap::builder::TypedValueParser::map(
              clap::value_parser!(u64).range(1..=MAX_THREADS), |n| n as usize))]
    pub threads: Option<usize>,
}

/// The most files worked on at once: each holds up to two mappings, and
/// the fault guard watches 256 at a time.
pub const MAX_THREADS: u64 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    /// By path: each directory's entries in name order
    Path,
}

#[derive(Debug, Args)]
pub struct FindArgs {
    #[command(flatten)]
    pub syntax: SyntaxArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Print one line per file: the number of matches
    #[arg(short = 'c', long, conflicts_with_all = ["files_with_matches", "json"])]
    pub count: bool,
    /// Print only the names of files with a match
    #[arg(short = 'l', long, conflicts_with = "json")]
    pub files_with_matches: bool,
    /// Always print the file name with each line
    #[arg(short = 'H', long = "with-filename", overrides_with = "no_filename")]
    pub with_filename: bool,
    /// Never print the file name
    #[arg(long, overrides_with = "with_filename")]
    pub no_filename: bool,
    #[command(flatten)]
    pub matching: MatchArgs,
    #[command(flatten)]
    pub files_in: FilesArgs,
    /// A pattern to look for (repeatable; with it, every positional argument is a FILE)
    #[arg(short = 'p', long = "pattern", value_name = "PATTERN")]
    pub patterns: Vec<OsString>,
    /// Read patterns from FILE, one per line ("-" for stdin; blank and # lines skipped)
    #[arg(short = 'f', long = "patterns-from", value_name = "FILE")]
    pub patterns_from: Option<OsString>,
    /// The bytes to look for (unless -p or -f gives the patterns)
    #[arg(value_name = "PATTERN")]
    pub pattern: Option<OsString>,
    /// Files (or block devices) to search; with -r, directories to walk
    #[arg(value_name = "FILE")]
    pub files: Vec<OsString>,
}

/// How patterns match.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct MatchArgs {
    /// ASCII letters match either case
    #[arg(short = 'i', long)]
    pub ignore_case: bool,
    /// PATTERN is a regular expression over bytes (the regex crate's syntax)
    #[arg(long, conflicts_with_all = ["hex", "escapes"])]
    pub regex: bool,
}

#[derive(Debug, Args)]
pub struct ReplaceArgs {
    #[command(flatten)]
    pub syntax: SyntaxArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub write: WriteArgs,
    /// Write only if every file (in a walk or list: every file with a match) has exactly N matches (else exit 1, nothing written)
    #[arg(long, value_name = "N")]
    pub expect: Option<u64>,
    /// Write only if all files together have exactly N matches (else exit 1, nothing written)
    #[arg(long, value_name = "N")]
    pub expect_total: Option<u64>,
    /// Pad a shorter REPLACEMENT to the pattern's length with BYTE (a character or 0xHH)
    #[arg(long, value_name = "BYTE")]
    pub pad: Option<String>,
    #[command(flatten)]
    pub matching: MatchArgs,
    #[command(flatten)]
    pub files_in: FilesArgs,
    /// Replace OLD with NEW (repeatable; with it, every positional argument is a FILE)
    #[arg(long = "pair", num_args = 2, value_names = ["OLD", "NEW"], conflicts_with = "regex")]
    pub pairs: Vec<OsString>,
    /// Read pairs from FILE, one OLD<TAB>NEW per line ("-" for stdin; blank and # lines skipped)
    #[arg(
        short = 'f',
        long = "pairs-from",
        value_name = "FILE",
        conflicts_with = "regex"
    )]
    pub pairs_from: Option<OsString>,
    /// Overwrite every byte of each match with BYTE (a character or 0xHH), instead of a REPLACEMENT
    #[arg(long, value_name = "BYTE")]
    pub mask: Option<String>,
    /// The bytes to look for (unless --pair or -f gives pairs)
    #[arg(value_name = "PATTERN")]
    pub pattern: Option<OsString>,
    /// The bytes to write instead, as long as PATTERN (with --regex, $1 and ${name} expand)
    #[arg(value_name = "REPLACEMENT")]
    pub replacement: Option<OsString>,
    /// Files (or, with --allow-device, block devices) to patch; with -r, directories to walk
    #[arg(value_name = "FILE")]
    pub files: Vec<OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum PeekFormat {
    /// xxd-style lines: offset, 16 bytes in hex, printable text
    #[default]
    Hexdump,
    /// One line of hex digits, ready for --hex
    Hex,
    /// The bytes with \n, \t, \\ and \xHH escapes
    Text,
    /// The bytes themselves
    Raw,
}

#[derive(Debug, Args)]
pub struct PeekArgs {
    /// Output format
    #[arg(short = 'f', long, value_enum, default_value_t = PeekFormat::Hexdump)]
    pub format: PeekFormat,
    /// File or block device to read
    #[arg(value_name = "FILE")]
    pub file: OsString,
    /// Where to start: decimal, 0x-hex, or negative to count from the end
    #[arg(value_name = "OFFSET", allow_hyphen_values = true)]
    pub offset: String,
    /// How many bytes to show (cut at the end of the file)
    #[arg(value_name = "LENGTH", default_value = "64")]
    pub length: String,
}

#[derive(Debug, Args)]
pub struct PokeArgs {
    #[command(flatten)]
    pub syntax: SyntaxArgs,
    #[command(flatten)]
    pub write: WriteArgs,
    /// Write only if the bytes now at OFFSET are these (else exit 1 and show them)
    #[arg(long, value_name = "BYTES")]
    pub expect: Option<OsString>,
    /// Print nothing on success
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// File to patch
    #[arg(value_name = "FILE")]
    pub file: OsString,
    /// Where to write: decimal, 0x-hex, or negative to count from the end
    #[arg(value_name = "OFFSET", allow_hyphen_values = true)]
    pub offset: String,
    /// The bytes to write
    #[arg(value_name = "BYTES")]
    pub bytes: OsString,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// Restore even regions that changed since the journal was written
    #[arg(long)]
    pub force: bool,
    /// Seconds to wait for another process's lock on the file
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub lock_timeout: Duration,
    /// Leave writing the restored bytes to the kernel
    #[arg(long)]
    pub no_sync: bool,
    /// Journal written by --journal
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,
}

/// The clap command, for generating completions and the man page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Parses the process's arguments. Help and version are printed as clap
/// prints them; a usage error becomes one line on stderr, like every other
/// mpatch error, and exit status 2.
pub fn parse() -> Result<Cli, std::process::ExitCode> {
    use clap::error::ErrorKind;
    Cli::try_parse().map_err(|error| match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            std::process::ExitCode::from(if error.use_stderr() { 2 } else { 0 })
        }
        _ => {
            eprintln!(
                "mpatch: {} (see mpatch --help)",
                one_line(&error.render().to_string())
            );
            std::process::ExitCode::from(2)
        }
    })
}

/// clap's message without its usage block and pointer to help, folded onto
/// one line.
fn one_line(message: &str) -> String {
    let body = message.split("\n\nUsage:").next().unwrap_or(message);
    let body = body
        .split("\n\nFor more information")
        .next()
        .unwrap_or(body);
    let body = body.strip_prefix("error: ").unwrap_or(body);
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}
