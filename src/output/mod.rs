//! What the commands print on stdout: offsets, match context and JSON
//! lines, buffered. A failed write stops the printing, never the work: the
//! error is kept and reported when the run ends. Paths are printed as
//! their own bytes.

pub mod json;
pub mod progress;
pub mod render;
pub mod turns;
// Review before writing (--diff, -I): not used until replace and apply are
// wired to them.
#[allow(dead_code)]
pub mod prompt;
#[allow(dead_code)]
pub mod sniff;
#[allow(dead_code)]
pub mod unidiff;

use std::io::{self, BufWriter, Stdout, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use serde::Serialize;

use crate::engine::pass::{Hit, Sink, Tally};
use crate::engine::pattern::to_hex;
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
            let replaced = hit.replaced();
            return out.json(&json::Match {
                kind: "match",
                path: PathName::of(path),
                offset,
                bytes: to_hex(hit.old()),
                old: replaced.map(|_| to_hex(hit.old())),
                new: replaced.map(to_hex),
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

/// The sink through which find and replace print each match of one file.
pub struct Printer<'a, W: Write = BufWriter<Stdout>> {
    pub out: &'a mut Output<W>,
    pub style: HitStyle,
    pub path: &'a Path,
    /// Whether matches are printed one by one (not just counted).
    pub each: bool,
    /// Whether a closed stdout ends the search (find) or not (replace:
    /// the patch is never cut short by its output).
    pub stops_when_closed: bool,
}

impl<W: Write> Sink for Printer<'_, W> {
    fn wants_hits(&self) -> bool {
        self.each
    }

    fn hit(&mut self, hit: &Hit) -> Result<bool, Error> {
        self.style.hit(self.out, self.path, hit);
        Ok(self.out.is_open() || !self.stops_when_closed)
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
