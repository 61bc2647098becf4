//! What the commands print on stdout: offsets, match context and JSON
//! lines, buffered. A failed write stops the printing, never the work: the
//! error is kept and reported when the run ends. Paths are printed as
//! their own bytes.

pub mod json;
pub mod lines;
pub mod progress;
pub mod prompt;
pub mod render;
pub mod review;
pub mod sniff;
pub mod turns;
pub mod unidiff;

use std::io::{self, BufWriter, Stdout, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use serde::Serialize;

use std::collections::VecDeque;

use crate::engine::pattern::to_hex;
use crate::engine::scan::{At, Edit, Flow, Run, Sink, Tally, Wants};
use crate::error::{Error, Outcome};
use json::{PathName, PatternCount};

/// Buffered stdout (or one file's share of it, see `turns.rs`) that
/// remembers its first failure and then goes quiet.
pub struct Output<W: Write = BufWriter<Stdout>> {
    out: W,
    failure: Option<io::Error>,
}

impl Output {
    pub fn stdout() -> Output {
        Output::new(BufWriter::with_capacity(64 << 10, io::stdout()))
    }
}

impl<W: Write> Output<W> {
    pub fn new(out: W) -> Output<W> {
        Output { out, failure: None }
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    /// Whether what is printed still goes somewhere.
    pub fn is_open(&self) -> bool {
        self.failure.is_none()
    }

    fn record(&mut self, result: io::Result<()>) {
        if let (Err(error), None) = (result, &self.failure) {
            self.failure = Some(error);
        }
    }

    pub fn line(&mut self, text: impl std::fmt::Display) {
        if self.is_open() {
            let result = writeln!(self.out, "{text}");
            self.record(result);
        }
    }

    pub fn bytes(&mut self, bytes: &[u8]) {
        if self.is_open() {
            let result = self.out.write_all(bytes);
            self.record(result);
        }
    }

    /// A path's own bytes, whether or not they are UTF-8.
    pub fn path(&mut self, path: &Path) {
        self.bytes(path.as_os_str().as_bytes());
    }

    /// One JSON object (see json.rs) on a line of its own.
    pub fn json(&mut self, object: &impl Serialize) {
        if self.is_open() {
            let result = serde_json::to_writer(&mut self.out, object)
                .map_err(io::Error::from)
                .and_then(|()| self.out.write_all(b"\n"));
            self.record(result);
        }
    }

    /// Writes what is buffered, so that a message on stderr comes after it.
    pub fn flush(&mut self) {
        if self.is_open() {
            let result = self.out.flush();
            self.record(result);
        }
    }

    /// Ends the output of a run that ended with `outcome`: a closed pipe
    /// is quiet (the run's own status stands), any other failure is an
    /// error of its own.
    pub fn finish(mut self, outcome: Outcome) -> Result<Outcome, Error> {
        self.flush();
        match self.failure.take() {
            Some(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(Error::Stdout(error)),
            _ => Ok(outcome),
        }
    }
}

/// What a writer of bytes (a diff) prints goes to the output; a failure is
/// kept, as for every other line, and never stops the caller.
impl<W: Write> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How each match is shown.
#[derive(Debug, Clone, Copy)]
pub struct HitStyle {
    pub show_name: bool,
    pub hex_offsets: bool,
    pub json: bool,
    pub context: bool,
    /// A path printed before other text ends with a NUL instead of `:`,
    /// and a path on a line of its own with a NUL instead of a newline.
    pub null: bool,
    /// Whether paths, offsets and matches are coloured (never in JSON).
    pub color: bool,
}

/// SGR codes, as ripgrep colours its output.
const PATH: &str = "35";
const OFFSET: &str = "32";
const MATCH: &str = "1;31";
const OLD: &str = "31";
const NEW: &str = "32";

impl HitStyle {
    pub fn offset(&self, offset: u64) -> String {
        if self.hex_offsets {
            format!("{offset:#x}")
        } else {
            offset.to_string()
        }
    }

    /// A path's own bytes, coloured when colour is on.
    pub fn path<W: Write>(&self, out: &mut Output<W>, path: &Path) {
        if self.color {
            out.bytes(format!("\x1b[{PATH}m").as_bytes());
            out.path(path);
            out.bytes(b"\x1b[0m");
        } else {
            out.path(path);
        }
    }

    /// `PATH:` (`PATH` and a NUL with -0), the start of a line about a file.
    pub fn name<W: Write>(&self, out: &mut Output<W>, path: &Path) {
        self.path(out, path);
        out.bytes(if self.null { b"\0" } else { b":" });
    }

    /// `PATH` on a line of its own (`-l`), or NUL-terminated with -0.
    pub fn listed<W: Write>(&self, out: &mut Output<W>, path: &Path) {
        self.path(out, path);
        out.bytes(if self.null { b"\0" } else { b"\n" });
    }

    /// `text` in colour `code`, when colour is on.
    fn paint(&self, code: &str, text: &str) -> String {
        match self.color {
            true => render::painted(code, text),
            false => text.to_string(),
        }
    }

    fn context_of(&self, window: &[u8], hit: &Hit, code: &str) -> String {
        render::context(window, hit.lead, hit.len, self.color.then_some(code))
    }

    /// Prints one match of the file at `path`. A replacement with context
    /// shows two lines, before (`-`) and after (`+`), each `[PATH:]OFFSET`.
    pub fn hit<W: Write>(&self, out: &mut Output<W>, path: &Path, hit: &Hit) {
        let offset = hit.offset as u64;
        if self.json {
            return out.json(&json::Match {
                kind: "match",
                path: PathName::of(path),
                offset,
                bytes: to_hex(hit.old),
                old: hit.new.map(|_| to_hex(hit.old)),
                new: hit.new.map(to_hex),
            });
        }
        let label = self.paint(OFFSET, &self.offset(offset));
        let mut line = |text: std::fmt::Arguments| {
            if self.show_name {
                self.name(out, path);
            }
            out.line(text);
        };
        match (self.context, hit.after) {
            (false, _) => line(format_args!("{label}")),
            (true, None) => line(format_args!(
                "{label}: {}",
                self.context_of(hit.before, hit, MATCH)
            )),
            (true, Some(after)) => {
                line(format_args!(
                    "{label}- {}",
                    self.context_of(hit.before, hit, OLD)
                ));
                line(format_args!(
                    "{label}+ {}",
                    self.context_of(after, hit, NEW)
                ))
            }
        }
    }
}

/// A match as printed: `before` is the window `[offset - lead, offset +
/// len + trail)` as the file held it before the run, `after` the same
/// window once every replacement of the run inside it is made (replace).
pub struct Hit<'a> {
    pub offset: usize,
    pub lead: usize,
    pub len: usize,
    pub old: &'a [u8],
    pub new: Option<&'a [u8]>,
    pub before: &'a [u8],
    pub after: Option<&'a [u8]>,
}

/// A match waiting for the scan to pass the end of its window.
struct Waiting {
    start: usize,
    old: Vec<u8>,
    new: Option<Vec<u8>>,
}

/// The sink through which find and replace print each match of one file:
/// offsets and JSON at once; with context, each match once the scan has
/// passed its window, so that the window after shows every change in it.
pub struct Printer<'a, W: Write = BufWriter<Stdout>> {
    pub out: &'a mut Output<W>,
    pub style: HitStyle,
    pub path: &'a Path,
    /// Whether matches are printed one by one (not just counted).
    pub each: bool,
    /// Whether a closed stdout ends the search (find) or not (replace:
    /// the patch is never cut short by its output).
    pub stops_when_closed: bool,
    /// Bytes either side of a match shown (with `style.context`).
    pub context: usize,
    waiting: VecDeque<Waiting>,
    /// Where the scan was last: a match found later starts at or after it,
    /// and its window reaches back `context` bytes before that.
    frontier: usize,
    /// The replacements made inside windows still to show.
    edits: VecDeque<(usize, Vec<u8>)>,
    before: Vec<u8>,
    after: Vec<u8>,
}

impl<'a, W: Write> Printer<'a, W> {
    pub fn new(out: &'a mut Output<W>, style: HitStyle, path: &'a Path) -> Printer<'a, W> {
        Printer {
            out,
            style,
            path,
            each: false,
            stops_when_closed: false,
            context: 0,
            waiting: VecDeque::new(),
            frontier: 0,
            edits: VecDeque::new(),
            before: Vec::new(),
            after: Vec::new(),
        }
    }

    fn window(&self, waiting: &Waiting) -> std::ops::Range<usize> {
        waiting.start.saturating_sub(self.context)
            ..(waiting.start + waiting.old.len()).saturating_add(self.context)
    }

    fn flow(&self) -> Flow {
        match self.out.is_open() || !self.stops_when_closed {
            true => Flow::Go,
            false => Flow::Stop,
        }
    }

    /// Shows every waiting match whose window the scan has passed.
    fn show_ready(&mut self, at: &At) {
        self.frontier = at.frontier;
        while let Some(first) = self.waiting.front() {
            let window = self.window(first);
            if window.end > at.frontier {
                break;
            }
            let first = self.waiting.pop_front().expect("a waiting match");
            self.before.clear();
            self.before.extend_from_slice(at.window.get(window.clone()));
            let from = window.start.max(at.window.base);
            if first.new.is_some() {
                self.after.clear();
                self.after.extend_from_slice(&self.before);
                for (start, new) in &self.edits {
                    let (a, b) = (
                        *start.max(&from),
                        (start + new.len()).min(from + self.after.len()),
                    );
                    if a < b {
                        self.after[a - from..b - from].copy_from_slice(&new[a - start..b - start]);
                    }
                }
            }
            let hit = Hit {
                offset: first.start,
                lead: first.start - from,
                len: first.old.len(),
                old: &first.old,
                new: first.new.as_deref(),
                before: &self.before,
                after: first.new.as_ref().map(|_| &self.after[..]),
            };
            self.style.hit(self.out, self.path, &hit);
            // Replacements no waiting window holds are let go.
            let keep_from = self.needs_from();
            while self
                .edits
                .front()
                .is_some_and(|(s, n)| s + n.len() <= keep_from)
            {
                self.edits.pop_front();
            }
        }
    }
}

impl<W: Write> Sink for Printer<'_, W> {
    fn wants(&self) -> Wants {
        match self.each {
            true => Wants::Ordered,
            false => Wants::Count,
        }
    }

    fn edit(&mut self, edit: &Edit, at: &At) -> Result<Flow, Error> {
        if !self.each {
            return Ok(Flow::Go);
        }
        if !self.style.context {
            let hit = Hit {
                offset: edit.start,
                lead: 0,
                len: edit.old.len(),
                old: edit.old,
                new: edit.new,
                before: edit.old,
                after: edit.new,
            };
            self.style.hit(self.out, self.path, &hit);
            return Ok(self.flow());
        }
        if let Some(new) = edit.new {
            self.edits.push_back((edit.start, new.to_vec()));
        }
        self.waiting.push_back(Waiting {
            start: edit.start,
            old: edit.old.to_vec(),
            new: edit.new.map(<[u8]>::to_vec),
        });
        self.show_ready(at);
        Ok(self.flow())
    }

    fn run(&mut self, run: &Run, at: &At) -> Result<Flow, Error> {
        if !self.each {
            return Ok(Flow::Go);
        }
        for i in 0..run.count {
            if self.edit(&run.edit(i), at)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Go)
    }

    fn progress(&mut self, at: &At) -> Result<Flow, Error> {
        self.show_ready(at);
        Ok(self.flow())
    }

    fn needs_from(&self) -> usize {
        if !self.each || !self.style.context {
            return usize::MAX;
        }
        let next = match self.frontier {
            usize::MAX => usize::MAX,
            frontier => frontier.saturating_sub(self.context),
        };
        self.waiting
            .front()
            .map_or(next, |first| self.window(first).start.min(next))
    }
}

/// A JSON summary line for one file.
pub fn summary(
    path: &Path,
    tally: &Tally,
    patterns: &[Vec<u8>],
    elapsed_ms: u128,
) -> json::Summary {
    json::Summary {
        kind: "summary",
        path: PathName::of(path),
        matches: tally.matches,
        bytes_scanned: tally.scanned,
        elapsed_ms: elapsed_ms as u64,
        appended: (tally.appended > 0).then_some(tally.appended),
        patterns: patterns
            .iter()
            .zip(&tally.per_pattern)
            .map(|(pattern, &matches)| PatternCount {
                pattern: to_hex(pattern),
                matches,
            })
            .collect(),
        dry_run: None,
    }
}
