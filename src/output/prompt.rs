//! The review of changes one by one (`-I`): a change shown on the terminal,
//! one key read from `/dev/tty` for it, and what the answers so far settle.
//!
//! ```text
//! let mut keys = Keys::open()?;                 // NoTerminal: exit 2, nothing written
//! let mut review = Review::new();
//! for change in changes {                       // in file order
//!     let decision = match review.decide(change.is_first_of_its_file) {
//!         Decision::Ask => {
//!             show(keys.terminal(), &change, color)?;
//!             review.answer(keys.ask()?)
//!         }
//!         settled => settled,
//!     };
//!     match decision {
//!         Decision::Write => { /* through the usual writer, lock and journal */ }
//!         Decision::Skip | Decision::Ask => {}
//!         Decision::Stop => break,              // `q`: flush what was accepted
//!     }
//! }
//! eprintln!("{}", review.summary());            // "3 accepted, 2 skipped"
//! ```

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
const AROUND: usize = 3;
/// Bytes of a line shown at most: lines are cut to about this.
const LINE_CUT: usize = 1024;
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
    let mut header = Vec::new();
    header.extend_from_slice(change.path.as_os_str().as_bytes());
    let at = change.offset;
    writeln!(header, ": offset {at} (0x{at:x})")?;
    paint(out, color, BOLD, &header)?;
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
        let after = shown_start(trim_newline(&file[end..self.line_end]));
        for (mark, bytes, code) in [(b'-', change.old, RED), (b'+', change.new, GREEN)] {
            paint(out, color, code, &[mark])?;
            out.write_all(&before)?;
            // A newline inside the change goes on with the mark.
            for (i, piece) in bytes.split(|&b| b == b'\n').enumerate() {
                if i > 0 {
                    out.write_all(b"\n")?;
                    paint(out, color, code, &[mark])?;
                }
                paint(out, color, code, &shown_start(piece))?;
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
    out.write_all(&shown_start(trim_newline(line)))?;
    out.write_all(b"\n")
}

/// Without its line end (`\n` or `\r\n`).
fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The first [`LINE_CUT`] bytes of `bytes` as shown, `…` after them when
/// there were more.
fn shown_start(bytes: &[u8]) -> Vec<u8> {
    let mut shown = visible(&bytes[..bytes.len().min(LINE_CUT)]);
    if bytes.len() > LINE_CUT {
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
