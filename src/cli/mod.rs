//! The command-line definition: one clap derive tree that drives parsing,
//! `--help`, the shell completions in `completions/` and the man page in `man/`.

pub mod generate;
mod plan;

pub use plan::plan;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Examples shown by `--help` and in the man page: each command line is
/// indented two spaces, and what it does six, so `generate` can tell them apart.
pub const EXAMPLES: &str = "\
Examples:
  mpatch find ERROR big.log | head -3
      The offsets of the first three matches
  mpatch replace --dry-run -C 1 ERROR FIXED big.log
      Show each changed line, before and after, and change nothing
  mpatch replace --diff -r readConfig loadConfig src
      Print what would change as a unified diff, writing nothing
  mpatch replace --journal fix.mpj ERROR FIXED big.log
      Replace every match, recording how to undo it
  mpatch replace -r -g '*.conf' --journal conf.mpj old.example.com new.example.com /etc
      Patch every .conf file below /etc, with one journal for the whole run
  mpatch find -r -l -0 ERROR logs | xargs -0 mpatch replace ERROR FIXED
      Feed the names of the files with a match to another command
  mpatch peek big.log 0x1f40 32
      Show 32 bytes at offset 0x1f40
  mpatch poke --hex firmware.bin 0x1f40 --expect 7400 9090
      Write 90 90 at offset 0x1f40, only if 74 00 is there now
  mpatch undo fix.mpj
      Restore what the journalled replace changed
  mpatch diff fw.bin fw-patched.bin > fix.patch
      Write the changed regions of two files as a patch
  mpatch apply fix.patch copy.bin
      Apply it, only if every region holds its old bytes";

/// Examples of `mpatch find`, shown by its `--help` and in mpatch-find(1).
pub const FIND_EXAMPLES: &str = "\
Examples:
  mpatch find ERROR app.log | head -3
      The offsets of the first three matches
  mpatch find -c ERROR app.log b.log
      How many matches each file has
  mpatch find -C 2 -m 2 ERROR app.log
      The first two matches, each with two lines either side, as grep shows them
  mpatch find -r ERROR src
      Search a tree as ripgrep walks it (binary files skipped unless -a)
  mpatch find --nth 3 --hex-offsets ERROR app.log
      The offset of the third match, in hex
  mpatch find -x 7f454c46 fw.bin
      A pattern given as hex digits
  mpatch find -x 'e8 ?? ?? ?? ?? 85 c0' fw.bin
      A signature: ?? is any byte, 4? or ?4 any value of a nibble
  mpatch find --json ERROR app.log
      A JSON object per match and a summary per file";

/// Examples of `mpatch replace`, shown by its `--help` and in mpatch-replace(1).
pub const REPLACE_EXAMPLES: &str = "\
Examples:
  mpatch replace --dry-run -C 1 ERROR FIXED app.log
      Show each changed line, before and after, and change nothing
  mpatch replace --diff -r readConfig loadConfig src > rename.diff
      Write nothing; print the change as a unified diff (git apply, patch -p1)
  mpatch replace -I -r readConfig loadConfig src
      Ask before each change, one key each: y n a d A q ?
  mpatch replace ERROR FIXED app.log
      Replace every match, in place
  mpatch replace --pad ' ' ERROR OK app.log
      Pad a shorter replacement with spaces
  mpatch replace --expect 11 ERROR FIXED app.log b.log
      Write only if each file has exactly 11 matches
  mpatch replace --journal fix.mpj ERROR FIXED app.log
      Replace, recording how to undo it with mpatch undo fix.mpj
  mpatch replace --expect 1 -x 'e8 ?? ?? ?? ?? 85 c0' '90 90 90 90 90 ?? ??' fw.bin
      Patch a signature's one match; each ?? keeps the byte found there";

/// Examples of `mpatch peek`, shown by its `--help` and in mpatch-peek(1).
pub const PEEK_EXAMPLES: &str = "\
Examples:
  mpatch peek app.log 848 16
      16 bytes from offset 848, as xxd shows them
  mpatch peek -f hex app.log 0x350 5
      5 bytes as plain hex digits, ready for --hex
  mpatch peek -f text app.log -20
      The last 20 bytes, with escapes
  mpatch peek -f raw app.log 0 100 > head.bin
      The first 100 bytes themselves";

/// Examples of `mpatch poke`, shown by its `--help` and in mpatch-poke(1).
pub const POKE_EXAMPLES: &str = "\
Examples:
  mpatch poke --hex fw.bin 8 9090
      Write the bytes 90 90 at offset 8
  mpatch poke --hex fw.bin 8 --expect 7405 9090
      The same, only if 74 05 is there now
  mpatch poke -e app.log -1 '\\n'
      Write a newline over the last byte
  mpatch poke --journal fix.mpj fw.bin 0x10 XY
      Write, recording how to undo it with mpatch undo fix.mpj";

/// Examples of `mpatch undo`, shown by its `--help` and in mpatch-undo(1).
pub const UNDO_EXAMPLES: &str = "\
Examples:
  mpatch replace --journal fix.mpj ERROR FIXED app.log
      Patch, keeping the old bytes in fix.mpj
  mpatch undo fix.mpj
      Restore them, and remove the journal
  mpatch undo --force fix.mpj
      Restore even regions that changed since the patch";

/// Examples of `mpatch diff`, shown by its `--help` and in mpatch-diff(1).
pub const DIFF_EXAMPLES: &str = "\
Examples:
  mpatch diff fw.bin fw-patched.bin > fix.patch
      Write the changed regions of two files as a patch
  mpatch diff --format bps game.sfc hack.sfc > hack.bps
      The same as a BPS patch, as ROM hackers exchange them
  mpatch diff --format 1337 --name app.exe app.exe app-fixed.exe > fix.1337
      An x64dbg patch for the module app.exe
  mpatch diff -q a.img b.img
      Only the exit status: 0 equal, 1 different
  mpatch diff --json fw.bin fw-patched.bin
      Each changed region as a JSON object (offset, old and new bytes), then a summary";

/// Examples of `mpatch apply`, shown by its `--help` and in mpatch-apply(1).
pub const APPLY_EXAMPLES: &str = "\
Examples:
  mpatch apply --dry-run fix.patch fw.bin
      Check that every region holds its old bytes, and write nothing
  mpatch apply --diff fix.patch src/main.c
      Write nothing; print what the patch would change as a unified diff
  mpatch apply -I --journal fix.mpj fix.patch fw.bin
      Ask before each region, one key each: y n a d A q ?
  mpatch apply --journal fix.mpj fix.patch fw.bin
      Apply the patch, recording how to undo it with mpatch undo fix.mpj
  mpatch apply --reverse fix.patch fw.bin
      Take the patch back out (new bytes to old)
  mpatch apply hack.ips game.sfc
      Apply an IPS patch (UPS, BPS, PPF, .1337 and .dif alike)
  cmp -l old.bin new.bin | mpatch apply - copy.bin
      Apply the differences that cmp -l lists";

/// diff's exit status, as cmp's.
pub const DIFF_EXIT_STATUS: &str = "\
Exit status:
  0  the files are equal (nothing printed)
  1  the files differ (the patch printed)
  2  an error: a file that cannot be read, or files of different sizes";

/// apply's exit status.
pub const APPLY_EXIT_STATUS: &str = "\
Exit status:
  0  the patch was written (or checked, with --dry-run), or is already applied; with --diff, something would change
  1  a region holds neither its old nor, everywhere, its new bytes (or a CRC32 or PPF block says the file is another); nothing written; with --diff, also: applied already; with -I, also: no region accepted
  2  an error: a bad patch, a file that cannot be used, a size that differs or would change; nothing written";

/// find's usage: one PATTERN, or patterns given by -p and -f.
const FIND_USAGE: &str = "\
mpatch find [OPTIONS] <PATTERN> [FILE]...
       mpatch find [OPTIONS] (-p <PATTERN> | -f <FILE>)... [FILE]...";

/// replace's usage: a PATTERN and its REPLACEMENT, a mask, or pairs.
const REPLACE_USAGE: &str = "\
mpatch replace [OPTIONS] <PATTERN> <REPLACEMENT> <FILE>...
       mpatch replace [OPTIONS] --mask <BYTE> <PATTERN> <FILE>...
       mpatch replace [OPTIONS] (--pair <OLD> <NEW> | -f <FILE>)... <FILE>...";

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
        search and writes same-length replacements in place, only the changed \
        bytes: the file keeps its inode, owner, mode, hardlinks and extended attributes.",
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
    ///
    /// Matches are non-overlapping and found left to right, as grep -o and
    /// Python's bytes.count find them: "aa" is found twice in "aaaaa", at 0
    /// and 2. Each match is one line, its byte offset in decimal; with several
    /// files, PATH:OFFSET. PATTERN is read as typed, or with -e (escapes) or
    /// -x (hex digits).
    #[command(
        override_usage = FIND_USAGE,
        after_help = FIND_EXAMPLES,
        after_long_help = format!("{FIND_EXAMPLES}\n\n{EXIT_STATUS}")
    )]
    Find(FindArgs),
    /// Replace every match of PATTERN with a REPLACEMENT of the same length, in place
    ///
    /// PATTERN and REPLACEMENT must be the same number of bytes (--pad fills a
    /// shorter REPLACEMENT). Each file is changed where it is: it keeps its
    /// inode, owner, mode, hardlinks and extended attributes, and only the
    /// blocks that hold a changed byte are written. With several files, every
    /// file is opened, checked and locked before any is written. --dry-run
    /// works out every change on the same path as the real run and reports
    /// exactly what it would do. Prints one line per file:
    /// PATH: N replaced.
    #[command(
        override_usage = REPLACE_USAGE,
        after_help = REPLACE_EXAMPLES,
        after_long_help = format!("{REPLACE_EXAMPLES}\n\n{EXIT_STATUS}")
    )]
    Replace(ReplaceArgs),
    /// Show bytes at an offset
    ///
    /// Shows LENGTH bytes (64 unless given) from OFFSET; a range running past
    /// the end is cut at the end, and an OFFSET at or past the end is an
    /// error. OFFSET and LENGTH take decimal or 0x hex; a negative OFFSET
    /// counts from the end of the file.
    #[command(
        after_help = PEEK_EXAMPLES,
        after_long_help = format!("{PEEK_EXAMPLES}\n\n{EXIT_STATUS}")
    )]
    Peek(PeekArgs),
    /// Write bytes at an offset, in place
    ///
    /// Writes BYTES at OFFSET without changing the file's length: a write
    /// that would run past the end is an error, and nothing is written.
    /// --expect BYTES makes it a compare-and-swap: the write happens only if
    /// the bytes now at OFFSET are these.
    #[command(
        after_help = POKE_EXAMPLES,
        after_long_help = format!("{POKE_EXAMPLES}\n\n{EXIT_STATUS}")
    )]
    Poke(PokeArgs),
    /// Revert a change recorded with --journal
    ///
    /// Checks that the journal is intact, that each file in it is the same
    /// file (device, inode, birth time) and that every region still holds what the
    /// patch left there; then restores the old bytes, flushes, and removes
    /// the journal. If any region has changed since, nothing is restored and
    /// the exit status is 2, unless --force.
    #[command(
        after_help = UNDO_EXAMPLES,
        after_long_help = format!("{UNDO_EXAMPLES}\n\n{EXIT_STATUS}")
    )]
    Undo(UndoArgs),
    /// Print the changed regions of two files of the same size as a patch
    ///
    /// By default the patch is mpatch's own text: a header line (the format's
    /// version and the file size), then one line per changed region: its byte
    /// offset in decimal, the old bytes and the new bytes in hex. Changes at
    /// most 4 unchanged bytes apart share a line, and a region never crosses
    /// a 64 KiB boundary. --format writes cmp -l lines, IPS (changes in the
    /// first 16 MiB only), UPS, BPS, PPF 3.0 (with undo data), x64dbg's
    /// .1337 or IDA's .dif instead (--name sets the module, file name or
    /// description they carry). Both files are read through read-only
    /// mappings, on every core, in bounded memory. Files of different sizes
    /// are an error; equal files print nothing in mpatch's format and cmp -l,
    /// as cmp, and an empty patch in the others. --json prints mpatch's
    /// regions as JSON objects instead, then a summary.
    #[command(
        after_help = DIFF_EXAMPLES,
        after_long_help = format!("{DIFF_EXAMPLES}\n\n{DIFF_EXIT_STATUS}")
    )]
    Diff(DiffArgs),
    /// Apply a patch of any format, checking every region of every file first
    ///
    /// Reads mpatch's patches, cmp -l output, IPS, UPS, BPS, PPF 3.0, x64dbg's
    /// .1337 and IDA's .dif, recognised by their magic (--format forces one).
    /// A compare-and-swap for the whole patch: every checksum the patch
    /// carries is verified and every region of every FILE compared before
    /// the first byte is written, and the new bytes are written only if each
    /// region holds its old bytes (formats that carry them: all but IPS and
    /// BPS, and PPF only with undo data). If every region already holds its
    /// new bytes, nothing is written ("already applied", exit 0); otherwise
    /// nothing is written anywhere, the first region that differs (or the
    /// checksum) is shown, and the exit status is 1. A patch that would
    /// change a file's size is an error naming both sizes. The size in an
    /// mpatch patch's header must be the file's (--any-size relaxes it). The
    /// file written is always one named here: a module or file name in the
    /// patch is shown, never opened. --diff prints what the patch would do
    /// as a unified diff and writes nothing; -I asks before each region,
    /// once every region of every file was checked, and writes those
    /// accepted.
    #[command(
        after_help = APPLY_EXAMPLES,
        after_long_help = format!("{APPLY_EXAMPLES}\n\n{APPLY_EXIT_STATUS}")
    )]
    Apply(ApplyArgs),
}

/// How PATTERN, REPLACEMENT, BYTES and --expect values are read.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct SyntaxArgs {
    /// Decode escapes: \\ \n \r \t \0 \xHH
    #[arg(short = 'e', long = "escapes", conflicts_with = "hex")]
    pub escapes: bool,
    /// Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match's
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
    /// Print nothing; the exit status tells (not with --json, which prints)
    #[arg(short = 'q', long, conflicts_with = "json")]
    pub quiet: bool,
    /// Show N lines before and after each match, as grep: each line whole, after the offset where it starts
    #[arg(short = 'C', long = "context", value_name = "N",
          value_parser = clap::builder::TypedValueParser::map(
              clap::value_parser!(u64).range(0..=MAX_LINES), |n| n as usize))]
    pub context: Option<usize>,
    /// Show N lines after each match
    #[arg(short = 'A', long = "after-context", value_name = "N",
          value_parser = clap::builder::TypedValueParser::map(
              clap::value_parser!(u64).range(0..=MAX_LINES), |n| n as usize))]
    pub after_context: Option<usize>,
    /// Show N lines before each match
    #[arg(short = 'B', long = "before-context", value_name = "N",
          value_parser = clap::builder::TypedValueParser::map(
              clap::value_parser!(u64).range(0..=MAX_LINES), |n| n as usize))]
    pub before_context: Option<usize>,
    /// Show N bytes either side of each match instead of lines (at most 65536), the match in [brackets]
    #[arg(long = "byte-context", value_name = "N",
          conflicts_with_all = ["context", "after_context", "before_context"],
          value_parser = clap::builder::TypedValueParser::map(
              clap::value_parser!(u64).range(0..=MAX_CONTEXT), |n| n as usize))]
    pub byte_context: Option<usize>,
    /// Print offsets as 0x-prefixed hex
    #[arg(long)]
    pub hex_offsets: bool,
    /// One JSON object per line: a "match" per match and a "summary" per file
    #[arg(long)]
    pub json: bool,
    /// Colour paths, offsets and matches: auto (stdout a terminal and NO_COLOR unset), always or never
    #[arg(long, value_enum, default_value_t = ColorMode::Auto, value_name = "WHEN")]
    pub color: ColorMode,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorMode {
    /// When stdout is a terminal and NO_COLOR is unset
    #[default]
    Auto,
    Always,
    Never,
}

impl From<ProgressMode> for mpatch::commands::plan::ProgressMode {
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
/// The most lines of context either side of a match (a stream keeps about
/// a KiB for each).
pub const MAX_LINES: u64 = 10_000;

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

/// Review before writing: a diff, or a question per change.
#[derive(Debug, Args, Clone, Default)]
pub struct ReviewArgs {
    /// Write nothing; print what would change as a unified diff that git apply and patch -p1 accept
    #[arg(long, conflicts_with_all = ["interactive", "json", "quiet", "context", "after_context",
                                      "before_context", "byte_context", "journal"])]
    pub diff: bool,
    /// With --diff: N unchanged lines around each change (default 3)
    #[arg(short = 'U', long = "unified", value_name = "N", requires = "diff",
          value_parser = clap::builder::TypedValueParser::map(
              clap::value_parser!(u64).range(0..=MAX_CONTEXT), |n| n as usize))]
    pub unified: Option<usize>,
    /// Ask before each change, one key each from the terminal: y n a d A q ?
    #[arg(short = 'I', long, conflicts_with_all = ["dry_run", "json", "context", "after_context",
                                                 "before_context", "byte_context"])]
    pub interactive: bool,
}

/// Options of the commands that write into files.
#[derive(Debug, Args, Clone, Default)]
pub struct WriteArgs {
    /// Work out every change and report it as the real run would; the file stays as it was
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Record each changed region in an undo journal at PATH, synced before the bytes are written
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
    /// With -r: search and patch binary files too (a NUL byte in the first 64 KiB or near a match); a hex pattern (-x) does
    #[arg(short = 'a', long)]
    pub binary: bool,
    /// How many files are worked on at once (default: one per core)
    #[arg(short = 'j', long, value_name = "N",
          value_parser = clap::builder::TypedValueParser::map(
              clap::value_parser!(u64).range(1..=MAX_THREADS), |n| n as usize))]
    pub threads: Option<usize>,
}

/// The most files worked on at once: each holds up to two mappings, and
/// the fault guard watches 256 at a time.
pub const MAX_THREADS: u64 = mpatch::pool::MAX_THREADS as u64;

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
    #[arg(value_name = "PATTERN", required_unless_present_any = ["patterns", "patterns_from"])]
    pub pattern: Option<OsString>,
    /// Files (or block devices, FIFOs) to search; with -r, directories to walk; none or "-": standard input
    #[arg(value_name = "FILE")]
    pub files: Vec<OsString>,
}

/// How patterns match.
#[derive(Debug, Args, Clone, Default)]
pub struct MatchArgs {
    /// ASCII letters match either case
    #[arg(short = 'i', long)]
    pub ignore_case: bool,
    /// PATTERN is a regular expression over bytes (the regex crate's syntax)
    #[arg(long, conflicts_with_all = ["hex", "escapes"])]
    pub regex: bool,
    /// Encode the text of every pattern and replacement in ENC before matching: utf-16le, utf-16be, or a WHATWG label (latin1, windows-1252, shift_jis, ...); -x values are bytes and are not encoded
    #[arg(short = 'E', long, value_name = "ENC", conflicts_with_all = ["hex", "regex"])]
    pub encoding: Option<String>,
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
    pub review: ReviewArgs,
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
    #[arg(long, value_name = "BYTE", conflicts_with_all = ["pairs", "pairs_from"])]
    pub mask: Option<String>,
    /// The bytes to look for (unless --pair or -f gives pairs)
    #[arg(value_name = "PATTERN", required_unless_present_any = ["pairs", "pairs_from"])]
    pub pattern: Option<OsString>,
    /// The bytes to write instead, as long as PATTERN (with --regex, $1 and ${name} expand)
    #[arg(value_name = "REPLACEMENT", required_unless_present_any = ["pairs", "pairs_from", "mask"])]
    pub replacement: Option<OsString>,
    /// Files (or, with --allow-device, block devices) to patch; with -r, directories to walk
    #[arg(value_name = "FILE", required_unless_present_any = ["pairs", "pairs_from", "mask", "files_from", "recursive"])]
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
    /// One JSON object per piece read: {"type":"bytes","path","offset","bytes"} (bytes in hex)
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
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
    #[arg(short = 'q', long, conflicts_with = "json")]
    pub quiet: bool,
    /// One JSON object: {"type":"poke","path","offset","old","new","dry_run"}
    #[arg(long)]
    pub json: bool,
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
    /// Use a journal that another user owns or that others can write (it names the files undo writes)
    #[arg(long)]
    pub trust_journal: bool,
    /// Seconds to wait for another process's lock on the file
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub lock_timeout: Duration,
    /// Leave writing the restored bytes to the kernel
    #[arg(long)]
    pub no_sync: bool,
    /// One JSON object per file: {"type":"restored","path","regions","skipped"}
    #[arg(long)]
    pub json: bool,
    /// Progress bar on stderr for journals of 32 MiB or more
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto, value_name = "WHEN")]
    pub progress: ProgressMode,
    /// Journal written by --journal
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,
}

/// The patch formats diff writes and apply reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PatchFormat {
    /// mpatch's own text: a header with the size, then OFFSET OLD-HEX NEW-HEX lines
    Mpatch,
    /// cmp -l output: 1-based decimal offsets, octal old and new bytes
    Cmp,
    /// IPS: new bytes only, offsets in the first 16 MiB
    Ips,
    /// UPS: XOR with the file, CRC32s of both files and the patch
    Ups,
    /// BPS: source and target copies, CRC32s of both files and the patch
    Bps,
    /// PPF 3.0, with undo data (the old bytes)
    Ppf,
    /// x64dbg's .1337: >MODULE, then OFFSET:OLD->NEW a byte
    #[value(name = "1337")]
    X64dbg,
    /// IDA's .dif: a file name, then OFFSET: OLD NEW a byte
    Dif,
}

impl From<PatchFormat> for mpatch::Format {
    fn from(format: PatchFormat) -> Self {
        match format {
            PatchFormat::Mpatch => Self::Mpatch,
            PatchFormat::Cmp => Self::CmpList,
            PatchFormat::Ips => Self::Ips,
            PatchFormat::Ups => Self::Ups,
            PatchFormat::Bps => Self::Bps,
            PatchFormat::Ppf => Self::Ppf,
            PatchFormat::X64dbg => Self::X64dbg,
            PatchFormat::Dif => Self::IdaDif,
        }
    }
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Print nothing; the exit status tells whether the files differ
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Write the patch in this format (IPS reaches the first 16 MiB only)
    #[arg(short = 'F', long, value_enum, value_name = "NAME", default_value_t = PatchFormat::Mpatch)]
    pub format: PatchFormat,
    /// The name the patch gives the file: x64dbg's module, IDA's file name, PPF's description (default: OLD's file name)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// One JSON object per line instead of a patch: a "region" per changed region, then a "summary" (mpatch's format only)
    #[arg(long, conflicts_with = "quiet")]
    pub json: bool,
    /// Compare on N threads (default: one per core)
    #[arg(short = 'j', long, value_name = "N",
          value_parser = clap::builder::TypedValueParser::map(
              clap::value_parser!(u64).range(1..=MAX_THREADS), |n| n as usize))]
    pub threads: Option<usize>,
    /// The file as it was
    #[arg(value_name = "OLD")]
    pub old: OsString,
    /// The file as it is to be
    #[arg(value_name = "NEW")]
    pub new: OsString,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub write: WriteArgs,
    /// Apply the patch backwards: write each region's old bytes where its new ones are
    #[arg(short = 'R', long)]
    pub reverse: bool,
    /// Apply even if a file's size is not the one in an mpatch patch's header
    #[arg(long)]
    pub any_size: bool,
    /// Read the patch as this format instead of recognising it by its magic
    #[arg(short = 'F', long, value_enum, value_name = "NAME")]
    pub format: Option<PatchFormat>,
    /// One JSON object per line: a "region" per region and a "summary" per file
    #[arg(long)]
    pub json: bool,
    /// Print nothing on success (not with --json, which prints)
    #[arg(short = 'q', long, conflicts_with = "json")]
    pub quiet: bool,
    /// Write nothing; print what the patch would change as a unified diff that git apply and patch -p1 accept
    #[arg(long, conflicts_with_all = ["interactive", "json", "quiet", "journal"])]
    pub diff: bool,
    /// With --diff: N unchanged lines around each change (default 3)
    #[arg(short = 'U', long = "unified", value_name = "N", requires = "diff",
          value_parser = clap::builder::TypedValueParser::map(
              clap::value_parser!(u64).range(0..=MAX_CONTEXT), |n| n as usize))]
    pub unified: Option<usize>,
    /// Ask before each region, one key each from the terminal: y n a d A q ?
    #[arg(short = 'I', long, conflicts_with_all = ["dry_run", "json"])]
    pub interactive: bool,
    /// Colour --diff as git diff and the old and new bytes -I shows: auto (--diff when stdout is a terminal, -I always; neither with NO_COLOR), always or never
    #[arg(long, value_enum, default_value_t = ColorMode::Auto, value_name = "WHEN")]
    pub color: ColorMode,
    /// The patch: mpatch's, cmp -l output, IPS, UPS, BPS, PPF 3.0, x64dbg .1337 or IDA .dif ("-" for stdin)
    #[arg(value_name = "PATCH")]
    pub patch: OsString,
    /// Files to patch (each gets the whole patch)
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<OsString>,
}

/// The clap command: the derive tree plus `--generate`, which prints a man
/// page or a completion script instead of running a command. It is added here
/// because it must work without a subcommand, and `Cli` requires one.
pub fn command() -> clap::Command {
    let kinds = crate::cli::generate::KINDS;
    let shells: Vec<&str> = kinds
        .iter()
        .copied()
        .filter(|kind| !kind.starts_with("man"))
        .collect();
    <Cli as clap::CommandFactory>::command()
        .subcommand_required(false)
        .args_conflicts_with_subcommands(true)
        .override_usage("mpatch <COMMAND> [ARGS]...\n       mpatch --generate <KIND>")
        .arg(
            clap::Arg::new("generate")
                .long("generate")
                .value_name("KIND")
                .value_parser(clap::builder::PossibleValuesParser::new(
                    kinds.iter().copied(),
                ))
                // Listed in the sentence: a bullet per kind would fill a page.
                .hide_possible_values(true)
                .help(format!(
                    "Print a man page (man, man-COMMAND) or a shell's completions ({})",
                    shells.join(", ")
                ))
                .long_help(format!(
                    "Print a man page or a shell's completions, as shipped in man/ and \
                     completions/. KIND is one of: {}",
                    kinds.join(", ")
                )),
        )
}

/// Parses the process's arguments. Help, version and `--generate` print what
/// they print and end the run (the `Err` exit status); a usage error becomes
/// one line on stderr, like every other mpatch error, and exit status 2.
pub fn parse() -> Result<Cli, std::process::ExitCode> {
    use clap::FromArgMatches;
    let mut command = command();
    let matches = command
        .try_get_matches_from_mut(help_flags_to_help(std::env::args_os().collect()))
        .map_err(report)?;
    if let Some(kind) = matches.get_one::<String>("generate") {
        return Err(crate::cli::generate::print(kind));
    }
    // Without --generate clap has already insisted on a subcommand (or shown
    // the help), so this fails only if the two definitions disagree.
    Cli::from_arg_matches(&matches).map_err(|error| report(error.format(&mut command)))
}

/// Prints a clap error, or the help or version it carries, and says how the
/// run ends.
fn report(error: clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            if error.use_stderr() {
                let _ = error.print();
                return std::process::ExitCode::from(2);
            }
            let flushed = || std::io::Write::flush(&mut std::io::stdout());
            generate::printed(error.print().and_then(|()| flushed()))
        }
        _ => {
            mpatch::say!(
                "{} (see mpatch --help)",
                one_line(&error.render().to_string())
            );
            std::process::ExitCode::from(2)
        }
    }
}

/// clap's `help` subcommand takes only command names, so `mpatch help -h`
/// would be an unknown command "-h": help flags after `help` are dropped,
/// and a `help` left with nothing asks for help on help.
fn help_flags_to_help(mut args: Vec<OsString>) -> Vec<OsString> {
    if args.get(1).is_some_and(|arg| arg == "help") {
        let given = args.len();
        let mut index = 0;
        args.retain(|arg| {
            index += 1;
            index <= 2 || (arg != "-h" && arg != "--help")
        });
        if args.len() == 2 && given > 2 {
            args.push("help".into());
        }
    }
    args
}

/// clap's message on one line: the sentence, then each tip as a clause after
/// "; ", without clap's usage block and pointer to help.
fn one_line(message: &str) -> String {
    let body = message.split("\n\nUsage:").next().unwrap_or(message);
    let body = body
        .split("\n\nFor more information")
        .next()
        .unwrap_or(body);
    let body = body.strip_prefix("error: ").unwrap_or(body);
    let squash = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let (tips, sentence): (Vec<&str>, Vec<&str>) = body
        .lines()
        .partition(|line| line.trim_start().starts_with("tip: "));
    let mut line = squash(&sentence.join(" "));
    for tip in tips {
        line.push_str("; ");
        line.push_str(&squash(tip.trim_start().trim_start_matches("tip: ")));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn help_flags_after_help_are_dropped() {
        let cases: [(&[&str], &[&str]); 5] = [
            (&["mpatch", "help", "-h"], &["mpatch", "help", "help"]),
            (&["mpatch", "help", "--help"], &["mpatch", "help", "help"]),
            (
                &["mpatch", "help", "find", "-h"],
                &["mpatch", "help", "find"],
            ),
            (&["mpatch", "help"], &["mpatch", "help"]),
            (&["mpatch", "find", "-h"], &["mpatch", "find", "-h"]),
        ];
        for (given, wanted) in cases {
            assert_eq!(help_flags_to_help(args(given)), args(wanted), "{given:?}");
        }
    }

    #[test]
    fn tips_become_clauses() {
        let message = "error: unexpected argument '--colr' found\n\n  \
            tip: to pass '--colr' as a value, use '-- --colr'\n\n\
            Usage: mpatch find [OPTIONS] <PATTERN> <FILE>...\n\n\
            For more information, try '--help'.\n";
        assert_eq!(
            one_line(message),
            "unexpected argument '--colr' found; to pass '--colr' as a value, use '-- --colr'"
        );
    }
}
