//! The review of changes one by one (`-I`): a change shown on the terminal,
//! one key read from `/dev/tty` for it, and what the answers so far settle.
//!
//! ```text
//! let mut keys = Keys::open()?;           // NoTerminal: exit 2, nothing written
//! let mut review = Review::new();
//! for change in changes {                 // in file order, offsets ascending
//!     let mut decision = review.decide(change.path != previous_path);
//!     while decision == Decision::Ask {
//!         show(keys.terminal(), &change, color)?;
//!         decision = review.answer(keys.ask()?);
//!     }
//!     match decision {
//!         Decision::Write => { /* through the usual writer, lock and journal */ }
//!         Decision::Stop => break,        // `q`: flush what was accepted
//!         Decision::Skip | Decision::Ask => {}
//!     }
//! }
//! eprintln!("{}", review.summary());      // "3 accepted, 2 skipped"
//! ```
//!
//! examples/review.rs runs exactly this; tests/review.rs drives it on a
//! pseudo-terminal.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::termios::{OptionalActions, Termios, tcgetattr, tcsetattr};

use super::sniff::is_text;

/// The question after each change.
pub const PROMPT: &str = "Write this change? [y,n,a,d,A,q,?] ";

/// What `?` (or any key that is not an answer) shows.
pub const KEY_HELP: &str = "\
y - write this change
n - skip this change
a - write this change and the rest of this file
d - skip this change and the rest of this file
A - write this change and every change left
q - quit: write nothing more (what was accepted is written)
? - show this help
";

/// A key's meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `y`
    Yes,
    /// `n`
    No,
    /// `a`: this and the rest of this file.
    RestOfFile,
    /// `d`: skip the rest of this file.
    SkipFile,
    /// `A`: everything left, in every file.
    All,
    /// `q`, Ctrl-C, Ctrl-D or Ctrl-\.
    Quit,
    /// `?`
    Help,
}

impl Answer {
    /// The answer of the bytes one key press sent, if any. More than one
    /// byte (an arrow key's escape sequence, a non-ASCII character, a
    /// paste) is no answer: its bytes must not count as keys one by one.
    pub fn from_key(bytes: &[u8]) -> Option<Answer> {
        let [byte] = bytes else { return None };
        Some(match byte {
            b'y' => Answer::Yes,
            b'n' => Answer::No,
            b'a' => Answer::RestOfFile,
            b'd' => Answer::SkipFile,
            b'A' => Answer::All,
            // Raw mode turns the signal keys into bytes: they mean stop.
            b'q' | 0x03 | 0x04 | 0x1c => Answer::Quit,
            b'?' => Answer::Help,
            _ => return None,
        })
    }
}

/// What to do with a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Write,
    Skip,
    /// Show the change and ask ([`Keys::ask`], then [`Review::answer`]).
    Ask,
    /// `q` was pressed: write nothing more.
    Stop,
}

/// The answers so far, and what they settle for the changes to come.
#[derive(Debug, Default)]
pub struct Review {
    settled: Option<Settled>,
    stopped: bool,
    accepted: u64,
    skipped: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Settled {
    WriteFile,
    SkipFile,
    WriteAll,
}

impl Review {
    pub fn new() -> Review {
        Review::default()
    }

    /// The decision for the next change, `Ask` unless an earlier `a`, `d`,
    /// `A` or `q` settled it. `new_file`: the change is in another file
    /// than the change before it (true for the first), which ends what
    /// `a` and `d` settled.
    pub fn decide(&mut self, new_file: bool) -> Decision {
        if self.stopped {
            return Decision::Stop;
        }
        if new_file && self.settled != Some(Settled::WriteAll) {
            self.settled = None;
        }
        match self.settled {
            Some(Settled::WriteFile | Settled::WriteAll) => self.accept(),
            Some(Settled::SkipFile) => self.skip(),
            None => Decision::Ask,
        }
    }

    /// The decision for the change just asked about; `Help` asks again.
    pub fn answer(&mut self, answer: Answer) -> Decision {
        match answer {
            Answer::Yes => self.accept(),
            Answer::No => self.skip(),
            Answer::RestOfFile => self.settle(Settled::WriteFile),
            Answer::SkipFile => self.settle(Settled::SkipFile),
            Answer::All => self.settle(Settled::WriteAll),
            Answer::Quit => {
                self.stopped = true;
                Decision::Stop
            }
            Answer::Help => Decision::Ask,
        }
    }

    /// Whether `q` was pressed: every change from now on is `Stop`.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Changes decided `Write` so far.
    pub fn accepted(&self) -> u64 {
        self.accepted
    }

    /// Changes decided `Skip` so far (those after a `q` are not counted:
    /// nobody decided them).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// `3 accepted, 2 skipped`.
    #[allow(dead_code)] // examples/review.rs prints it
    pub fn summary(&self) -> String {
        format!("{} accepted, {} skipped", self.accepted, self.skipped)
    }

    fn settle(&mut self, settled: Settled) -> Decision {
        self.settled = Some(settled);
        self.decide(false)
    }

    fn accept(&mut self) -> Decision {
        self.accepted += 1;
        Decision::Write
    }

    fn skip(&mut self) -> Decision {
        self.skipped += 1;
        Decision::Skip
    }
}

/// `/dev/tty` could not be opened or is no terminal: `-I` cannot ask.
#[derive(Debug)]
pub struct NoTerminal(pub io::Error);

impl fmt::Display for NoTerminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "-I needs a terminal (/dev/tty): cannot open it: {}",
            self.0
        )
    }
}

impl std::error::Error for NoTerminal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// The terminal the keys come from: `/dev/tty`, never stdin, so a list of
/// files on stdin still works. Raw mode (a key without Enter, no echo, no
/// signals from Ctrl-C) lasts only while a key is awaited: in between, and
/// after any error, panic or drop, the terminal is as it was found. Only
/// a signal from elsewhere (`kill`) during the wait can leave it raw.
pub struct Keys {
    tty: File,
    cooked: Termios,
}

impl Keys {
    /// Opens the controlling terminal for reading keys and showing changes.
    pub fn open() -> Result<Keys, NoTerminal> {
        let tty = File::options()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(NoTerminal)?;
        let cooked = tcgetattr(&tty).map_err(|error| NoTerminal(error.into()))?;
        Ok(Keys { tty, cooked })
    }

    /// Where to [`show`] a change: the terminal itself, as fastmod does,
    /// so stdout and stderr stay free for the run's own output.
    pub fn terminal(&mut self) -> &mut File {
        &mut self.tty
    }

    /// Asks [`PROMPT`] until a key answers it: `?` and keys that are no
    /// answer (Enter among them) show [`KEY_HELP`] and ask again. Never
    /// returns `Help`. The end of the terminal's input counts as `q`.
    pub fn ask(&mut self) -> io::Result<Answer> {
        loop {
            let key = self.key()?;
            let answer = match &key[..] {
                [] => Some(Answer::Quit),
                bytes => Answer::from_key(bytes),
            };
            // Raw mode does not echo: show what was pressed.
            let echo = match key[..] {
                [byte] if byte.is_ascii_graphic() => (byte as char).to_string(),
                [byte] if byte < 0x20 => format!("^{}", (byte + 0x40) as char),
                _ => String::new(),
            };
            writeln!(self.tty, "{echo}")?;
            match answer {
                Some(Answer::Help) | None => self.tty.write_all(KEY_HELP.as_bytes())?,
                Some(answer) => return Ok(answer),
            }
        }
    }

    /// The bytes of one key press, read in raw mode after the prompt; empty
    /// at the end of input.
    fn key(&mut self) -> io::Result<Vec<u8>> {
        let mut raw = self.cooked.clone();
        raw.make_raw();
        // Keep the output as it was, so `\n` still starts a new line.
        raw.output_modes = self.cooked.output_modes;
        // Flush: keys typed before the change was shown do not answer it.
        tcsetattr(&self.tty, OptionalActions::Flush, &raw)?;
        let _cooked = Restore(&self.tty, &self.cooked);
        (&self.tty).write_all(PROMPT.as_bytes())?;
        (&self.tty).flush()?;
        // One read returns what one key press sent (an escape sequence
        // arrives whole).
        let mut bytes = [0; 16];
        let read = loop {
            match (&self.tty).read(&mut bytes) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                read => break read?,
            }
        };
        Ok(bytes[..read].to_vec())
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let _ = tcsetattr(&self.tty, OptionalActions::Now, &self.cooked);
    }
}

/// Puts the terminal back as it was when dropped.
struct Restore<'t>(&'t File, &'t Termios);

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        let _ = tcsetattr(self.0, OptionalActions::Now, self.1);
    }
}

/// One change to show.
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    /// The file as the user named it.
    pub path: &'a Path,
    /// The file's bytes before the run.
    pub file: &'a [u8],
    pub offset: usize,
    /// The bytes at `offset` before the change.
    pub old: &'a [u8],
    /// The bytes written there if accepted.
    pub new: &'a [u8],
}

const RED: &[u8] = b"\x1b[31m";
const GREEN: &[u8] = b"\x1b[32m";
const BOLD: &[u8] = b"\x1b[1m";
const RESET: &[u8] = b"\x1b[m";

/// Lines shown before and after a change shown as text.
pub(crate) const AROUND: usize = 3;
/// Bytes of a line shown at most: lines are cut to about this.
pub(crate) const LINE_CUT: usize = 1024;
/// Hexdump rows of each side shown at most.
const MAX_ROWS: usize = 8;

/// Shows `change`: a header with the file and offset (decimal and hex),
/// then, when the bytes around it are printable text, up to three lines
/// either side with a `-` line (old bytes red) and a `+` line (new bytes
/// green), each line cut to about 1 KiB around the change; otherwise xxd
/// rows of the old bytes then of the new, the changed bytes coloured.
/// `color`: the caller's choice (`--color`, `NO_COLOR`); `out` is normally
/// [`Keys::terminal`], a terminal by definition.
pub fn show(out: &mut impl Write, change: &Change, color: bool) -> io::Result<()> {
    // A name is shown as it is, but for control bytes a terminal would act on.
    let mut header = Vec::new();
    for &byte in change.path.as_os_str().as_bytes() {
        match byte {
            0..0x20 | 0x7f => write!(header, "\\x{byte:02x}")?,
            _ => header.push(byte),
        }
    }
    let at = change.offset;
    write!(header, ": offset {at} (0x{at:x})")?;
    paint(out, color, BOLD, &header)?;
    out.write_all(b"\n")?;
    let text = TextView::new(change);
    if is_text(&change.file[text.from..text.to]) && is_text(change.new) {
        text.show(out, change, color)
    } else {
        show_rows(out, change, color)
    }
}

/// The lines around a change: `from..to` of the file, the changed line(s)
/// `line_start..line_end` within it. Lines are looked for at most
/// 4 [`LINE_CUT`]s away: a longer line is shown from there.
struct TextView {
    from: usize,
    to: usize,
    line_start: usize,
    line_end: usize,
}

impl TextView {
    fn new(change: &Change) -> TextView {
        let file = change.file;
        let end = (change.offset + change.old.len()).min(file.len());
        let last = if end > change.offset { end - 1 } else { end };
        let line_start = start_of_line(file, change.offset);
        // The line of the last old byte: a changed newline ends it.
        let line_end = end_of_line(file, last);
        let (mut from, mut to) = (line_start, line_end);
        for _ in 0..AROUND {
            if from > 0 {
                from = start_of_line(file, from - 1);
            }
            if to < file.len() {
                to = end_of_line(file, to);
            }
        }
        TextView {
            from,
            to,
            line_start,
            line_end,
        }
    }

    fn show(&self, out: &mut impl Write, change: &Change, color: bool) -> io::Result<()> {
        let file = change.file;
        let end = (change.offset + change.old.len()).min(file.len());
        for line in file[self.from..self.line_start].split_inclusive(|&b| b == b'\n') {
            context_line(out, line)?;
        }
        let before = shown_end(&file[self.line_start..change.offset]);
        let after = shown_start(trim_newline(&file[end..self.line_end]), LINE_CUT / 2);
        for (mark, bytes, code) in [(b'-', change.old, RED), (b'+', change.new, GREEN)] {
            paint(out, color, code, &[mark])?;
            out.write_all(&before)?;
            // A newline inside the change goes on with the mark.
            for (i, piece) in bytes.split(|&b| b == b'\n').enumerate() {
                if i > 0 {
                    out.write_all(b"\n")?;
                    paint(out, color, code, &[mark])?;
                }
                paint(out, color, code, &shown_start(piece, LINE_CUT))?;
            }
            out.write_all(&after)?;
            out.write_all(b"\n")?;
        }
        for line in file[self.line_end..self.to].split_inclusive(|&b| b == b'\n') {
            context_line(out, line)?;
        }
        Ok(())
    }
}

fn context_line(out: &mut impl Write, line: &[u8]) -> io::Result<()> {
    out.write_all(b" ")?;
    out.write_all(&shown_start(trim_newline(line), LINE_CUT))?;
    out.write_all(b"\n")
}

/// Without its line end (`\n` or `\r\n`).
fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The first `limit` bytes of `bytes` as shown, `…` after them when there
/// were more.
fn shown_start(bytes: &[u8], limit: usize) -> Vec<u8> {
    let mut shown = visible(&bytes[..bytes.len().min(limit)]);
    if bytes.len() > limit {
        shown.extend_from_slice("…".as_bytes());
    }
    shown
}

/// The last half [`LINE_CUT`] bytes (the rest of the line goes after the
/// change), `…` before them when there were more.
fn shown_end(bytes: &[u8]) -> Vec<u8> {
    let keep = LINE_CUT / 2;
    if bytes.len() <= keep {
        return visible(bytes);
    }
    let mut shown = "…".as_bytes().to_vec();
    shown.extend(visible(&bytes[bytes.len() - keep..]));
    shown
}

/// Text shown as is, but a carriage return (which would send the cursor
/// back over the line) as `\r`.
fn visible(bytes: &[u8]) -> Vec<u8> {
    let mut shown = Vec::with_capacity(bytes.len());
    for &byte in bytes {
        match byte {
            b'\r' => shown.extend_from_slice(b"\\r"),
            _ => shown.push(byte),
        }
    }
    shown
}

fn start_of_line(file: &[u8], at: usize) -> usize {
    let floor = at.saturating_sub(LINE_CUT * 4);
    memchr::memrchr(b'\n', &file[floor..at]).map_or(floor, |i| floor + i + 1)
}

/// Just past the newline that ends the line holding `at` (or the end).
fn end_of_line(file: &[u8], at: usize) -> usize {
    let ceiling = (at + LINE_CUT * 4).min(file.len());
    memchr::memchr(b'\n', &file[at..ceiling]).map_or(ceiling, |i| at + i + 1)
}

/// xxd rows covering the change: the old rows marked `-`, then the same
/// rows with the new bytes marked `+`, at most [`MAX_ROWS`] each.
fn show_rows(out: &mut impl Write, change: &Change, color: bool) -> io::Result<()> {
    let file = change.file;
    let first = change.offset / 16 * 16;
    let changed = change.offset..change.offset + change.old.len().max(change.new.len());
    let rows = (changed.end.max(change.offset + 1) - first).div_ceil(16);
    let shown = rows.min(MAX_ROWS);
    let stop = (first + shown * 16).min(file.len());
    let old = &file[first.min(stop)..stop];
    let mut new = old.to_vec();
    for (slot, &byte) in new.iter_mut().skip(change.offset - first).zip(change.new) {
        *slot = byte;
    }
    for (mark, bytes, code) in [(b'-', old, RED), (b'+', &new[..], GREEN)] {
        for (row, chunk) in bytes.chunks(16).enumerate() {
            let at = first + row * 16;
            let lit = |column: usize| color && changed.contains(&(at + column));
            hex_row(out, (mark, code), at, chunk, lit)?;
        }
    }
    if rows > shown {
        writeln!(out, "… {} more rows", rows - shown)?;
    }
    Ok(())
}

/// `-00000c50: 4649 5845 4420 7265  FIXED re`, a byte in `code` when
/// `lit(column)`.
fn hex_row(
    out: &mut impl Write,
    (mark, code): (u8, &[u8]),
    at: usize,
    bytes: &[u8],
    lit: impl Fn(usize) -> bool,
) -> io::Result<()> {
    write!(out, "{}{at:08x}:", mark as char)?;
    for column in 0..16 {
        if column % 2 == 0 {
            out.write_all(b" ")?;
        }
        match bytes.get(column) {
            Some(byte) => paint(out, lit(column), code, format!("{byte:02x}").as_bytes())?,
            None => out.write_all(b"  ")?,
        }
    }
    out.write_all(b"  ")?;
    for (column, &byte) in bytes.iter().enumerate() {
        let shown = if (0x20..0x7f).contains(&byte) {
            byte
        } else {
            b'.'
        };
        paint(out, lit(column), code, &[shown])?;
    }
    out.write_all(b"\n")
}

/// `bytes`, in `code` when `color`.
fn paint(out: &mut impl Write, color: bool, code: &[u8], bytes: &[u8]) -> io::Result<()> {
    if color && !bytes.is_empty() {
        out.write_all(code)?;
        out.write_all(bytes)?;
        out.write_all(RESET)
    } else {
        out.write_all(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(file: &[u8], offset: usize, new: &[u8], color: bool) -> String {
        let change = Change {
            path: Path::new("dir/x.txt"),
            file,
            offset,
            old: &file[offset..offset + new.len()],
            new,
        };
        let mut out = Vec::new();
        show(&mut out, &change, color).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn keys_mean_what_the_help_says() {
        let key = |bytes: &[u8]| Answer::from_key(bytes);
        assert_eq!(key(b"y"), Some(Answer::Yes));
        assert_eq!(key(b"n"), Some(Answer::No));
        assert_eq!(key(b"a"), Some(Answer::RestOfFile));
        assert_eq!(key(b"d"), Some(Answer::SkipFile));
        assert_eq!(key(b"A"), Some(Answer::All));
        assert_eq!(key(b"?"), Some(Answer::Help));
        for quit in [&b"q"[..], b"\x03", b"\x04", b"\x1c"] {
            assert_eq!(key(quit), Some(Answer::Quit), "{quit:?}");
        }
        // Enter, other keys, escape sequences, pastes, UTF-8: no answer.
        for other in [
            &b"\r"[..],
            b"\n",
            b"Y",
            b"x",
            b"",
            b"\x1b",
            b"\x1b[A",
            b"yy",
            "é".as_bytes(),
        ] {
            assert_eq!(key(other), None, "{other:?}");
        }
        for line in KEY_HELP.lines() {
            let first = line.as_bytes()[0];
            assert!(key(&[first]).is_some(), "{line}");
        }
    }

    #[test]
    fn answers_settle_the_rest_of_a_file_or_of_the_run() {
        let mut review = Review::new();
        assert_eq!(review.decide(true), Decision::Ask);
        assert_eq!(review.answer(Answer::Help), Decision::Ask);
        assert_eq!(review.answer(Answer::Yes), Decision::Write);
        assert_eq!(review.decide(false), Decision::Ask);
        assert_eq!(review.answer(Answer::No), Decision::Skip);
        assert_eq!(review.decide(false), Decision::Ask);
        assert_eq!(review.answer(Answer::RestOfFile), Decision::Write);
        assert_eq!(review.decide(false), Decision::Write);
        // `a` ends with its file.
        assert_eq!(review.decide(true), Decision::Ask);
        assert_eq!(review.answer(Answer::SkipFile), Decision::Skip);
        assert_eq!(review.decide(false), Decision::Skip);
        assert_eq!(review.decide(true), Decision::Ask);
        assert_eq!(review.answer(Answer::All), Decision::Write);
        // `A` goes on into other files.
        assert_eq!(review.decide(false), Decision::Write);
        assert_eq!(review.decide(true), Decision::Write);
        assert_eq!((review.accepted(), review.skipped()), (6, 3));
        assert_eq!(review.summary(), "6 accepted, 3 skipped");
    }

    #[test]
    fn quit_stops_everything_after_it() {
        let mut review = Review::new();
        assert_eq!(review.decide(true), Decision::Ask);
        assert_eq!(review.answer(Answer::Yes), Decision::Write);
        assert_eq!(review.decide(false), Decision::Ask);
        assert_eq!(review.answer(Answer::Quit), Decision::Stop);
        assert_eq!(review.decide(false), Decision::Stop);
        assert_eq!(review.decide(true), Decision::Stop);
        assert_eq!(review.summary(), "1 accepted, 0 skipped");
    }

    #[test]
    fn text_shows_three_lines_either_side_and_the_old_and_new_line() {
        let lines = b"one\ntwo\nthree\nfour five\nsix\nseven\neight\nnine\n";
        assert_eq!(
            shown(lines, 19, b"FIVE", false),
            "dir/x.txt: offset 19 (0x13)\n one\n two\n three\n-four five\n+four FIVE\n six\n seven\n eight\n"
        );
        assert_eq!(
            shown(lines, 19, b"FIVE", true),
            "\x1b[1mdir/x.txt: offset 19 (0x13)\x1b[m\n one\n two\n three\n\
             \x1b[31m-\x1b[mfour \x1b[31mfive\x1b[m\n\
             \x1b[32m+\x1b[mfour \x1b[32mFIVE\x1b[m\n six\n seven\n eight\n"
        );
        // The first line, and a last line without newline.
        assert_eq!(
            shown(b"ab\ncd", 0, b"X", false),
            "dir/x.txt: offset 0 (0x0)\n-ab\n+Xb\n cd\n"
        );
        assert_eq!(
            shown(b"ab\ncd", 4, b"X", false),
            "dir/x.txt: offset 4 (0x4)\n ab\n-cd\n+cX\n"
        );
    }

    #[test]
    fn a_change_across_lines_and_carriage_returns_are_shown_plainly() {
        assert_eq!(
            shown(b"top\nab\ncd\nend", 5, b"X\nY", false),
            "dir/x.txt: offset 5 (0x5)\n top\n-ab\n-cd\n+aX\n+Yd\n end\n"
        );
        // Line ends of CRLF files are left out, a lone \r is written out.
        assert_eq!(
            shown(b"a\r\nb\rc\r\nd\r\n", 3, b"B", false),
            "dir/x.txt: offset 3 (0x3)\n a\n-b\\rc\n+B\\rc\n d\n"
        );
    }

    #[test]
    fn a_long_line_is_cut_to_about_a_kib_around_the_change() {
        let mut long = vec![b'x'; 5000];
        long.extend(b"\nnext\n");
        let text = shown(&long, 2500, b"Y", false);
        let lines: Vec<&str> = text.lines().collect();
        let cut = format!("…{}Y{}…", "x".repeat(512), "x".repeat(512));
        assert_eq!(
            lines[1..],
            [
                format!("-{}", cut.replacen('Y', "x", 1)),
                format!("+{cut}"),
                " next".to_string()
            ]
        );
    }

    #[test]
    fn binary_bytes_show_as_xxd_rows_old_then_new() {
        let mut file = b"\x7fELF\x02\x01\x01\x00".to_vec();
        file.extend(0u8..40);
        assert_eq!(
            shown(&file, 18, b"\xff\xfe", false),
            "dir/x.txt: offset 18 (0x12)\n\
             -00000010: 0809 0a0b 0c0d 0e0f 1011 1213 1415 1617  ................\n\
             +00000010: 0809 fffe 0c0d 0e0f 1011 1213 1415 1617  ................\n"
        );
        let lit = shown(&file, 18, b"\xff\xfe", true);
        assert!(
            lit.contains("-00000010: 0809 \x1b[31m0a\x1b[m\x1b[31m0b\x1b[m 0c0d"),
            "{lit:?}"
        );
        assert!(
            lit.contains("+00000010: 0809 \x1b[32mff\x1b[m\x1b[32mfe\x1b[m 0c0d"),
            "{lit:?}"
        );
        // A short last row, and at most eight rows a side.
        // Checked against xxd.
        let text = shown(&file[..44], 40, b"AB", false);
        let old = "-00000020: 1819 1a1b 1c1d 1e1f 2021 2223            ........ !\"#\n";
        let new = "+00000020: 1819 1a1b 1c1d 1e1f 4142 2223            ........AB\"#\n";
        assert!(text.ends_with(&format!("{old}{new}")), "{text}");
        let big = vec![0u8; 1000];
        let text = shown(&big, 0, &[1; 500], false);
        assert_eq!(
            text.lines().filter(|l| l.starts_with('-')).count(),
            MAX_ROWS
        );
        assert_eq!(
            text.lines().filter(|l| l.starts_with('+')).count(),
            MAX_ROWS
        );
        assert!(text.ends_with("… 24 more rows\n"), "{text}");
    }

    #[test]
    fn control_bytes_in_a_name_are_escaped() {
        let change = Change {
            path: Path::new("evil\x1b[2Jname\n"),
            file: b"a\n",
            offset: 0,
            old: b"a",
            new: b"b",
        };
        let mut out = Vec::new();
        show(&mut out, &change, false).unwrap();
        assert!(out.starts_with(b"evil\\x1b[2Jname\\x0a: offset 0 (0x0)\n-a\n+b\n"));
    }

    #[test]
    fn without_a_terminal_the_message_says_what_minus_i_needs() {
        let error = NoTerminal(io::Error::from_raw_os_error(6));
        assert_eq!(
            error.to_string(),
            "-I needs a terminal (/dev/tty): cannot open it: No such device or address (os error 6)"
        );
    }
}
