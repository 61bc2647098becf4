//! grep's line context (`-C/-A/-B N`) for find and replace previews, as a
//! sink: each line whole, prefixed with the offset where it starts.
//!
//! A match line is `OFFSET:LINE` (a replace shows `OFFSET-` before and
//! `OFFSET+` after, every change in the line applied), a context line
//! `OFFSET-LINE` (`OFFSET LINE` in a replace, whose `-` means "before"),
//! groups apart are split by `--`. Bytes that are not printable show as
//! `\xHH`. Lines are looked for a bounded way back and forth, so a stream
//! keeps only a few KiB: a line longer than [`MAX_LINE`] is cut around its
//! match with `…`, and then OFFSET is that of the first byte shown.

use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;

use super::{HitStyle, Output};
use crate::engine::scan::{At, Edit, Flow, Run, Sink, Wants};
use crate::error::Error;

/// The longest line shown whole.
pub const MAX_LINE: usize = 1024;
/// Bytes shown either side of a match in a line cut short.
const HALF: usize = MAX_LINE / 2;
/// How far a long line is read past its last match to find its end before
/// the lines after it are given up.
const GIVE_UP: usize = 1 << 20;

const OFFSET: &str = "32";
const MATCH: &str = "1;31";
const OLD: &str = "31";
const NEW: &str = "32";

/// A match not yet printed.
struct Pending {
    start: usize,
    end: usize,
    new: Option<Vec<u8>>,
}

/// A piece of a match line ready to print: bytes `start..end`, the first
/// `matches` pending matches in it.
struct Piece {
    start: usize,
    end: usize,
    cut_left: bool,
    /// Whether `end` is just past the line's newline (else the line goes on).
    whole: bool,
    matches: usize,
}

/// The sink that prints each match with lines of context.
pub struct LinePrinter<'a, W: Write> {
    out: &'a mut Output<W>,
    style: HitStyle,
    path: &'a Path,
    before: usize,
    after: usize,
    /// A closed stdout ends the search (find), or not (replace).
    pub stops_when_closed: bool,
    /// Whether matches are changes, shown before and after.
    replace: bool,
    pending: VecDeque<Pending>,
    /// Every byte below this was printed or passed over.
    done: usize,
    /// Whether `done` is the start of a line.
    at_line_start: bool,
    /// Context lines still to print after the last match line.
    after_left: usize,
    /// Inside a long match line past its last piece: where to go on
    /// looking for its end, and where that search began.
    skip: Option<(usize, usize)>,
    /// One past the last byte printed, once something was.
    printed_to: Option<usize>,
    frontier: usize,
}

impl<'a, W: Write> LinePrinter<'a, W> {
    /// Prints the matches of the file `path` with `before` and `after`
    /// lines; `replace`: each match is a change.
    pub fn new(
        out: &'a mut Output<W>,
        style: HitStyle,
        path: &'a Path,
        (before, after): (usize, usize),
        replace: bool,
    ) -> LinePrinter<'a, W> {
        LinePrinter {
            out,
            style,
            path,
            before,
            after,
            stops_when_closed: false,
            replace,
            pending: VecDeque::new(),
            done: 0,
            at_line_start: true,
            after_left: 0,
            skip: None,
            printed_to: None,
            frontier: 0,
        }
    }

    fn flow(&self) -> Flow {
        match self.out.is_open() || !self.stops_when_closed {
            true => Flow::Go,
            false => Flow::Stop,
        }
    }

    /// How far back a new group's lines are looked for.
    fn look_back(&self) -> usize {
        (self.before + 1) * (MAX_LINE + 2)
    }

    /// Prints every line the scan has gone far enough to settle.
    fn advance(&mut self, at: &At) {
        self.frontier = at.frontier;
        // Bytes below `known` hold no match still to come.
        let known = at.frontier.min(at.window.end());
        let ended = at.frontier == usize::MAX;
        loop {
            let step = if self.skip.is_some() {
                self.skip_line(at, known, ended)
            } else if self.after_left > 0 {
                self.context_after(at, known, ended)
            } else if self.pending.is_empty() {
                false
            } else {
                self.new_group(at, known, ended)
            };
            if !step {
                break;
            }
        }
    }

    /// Inside a long match line: looks for its end, printing a piece for
    /// each match still in it. Whether it moved.
    fn skip_line(&mut self, at: &At, known: usize, ended: bool) -> bool {
        let Some((from, began)) = self.skip else {
            return false;
        };
        let next = self.pending.front().map_or(usize::MAX, |p| p.start);
        let to = known.min(next).max(from);
        if let Some(i) = memchr::memchr(b'\n', at.window.get(from..to)) {
            self.skip = None;
            self.done = from + i + 1;
            self.at_line_start = true;
            return true;
        }
        if next < known {
            // Another match in the same line: a piece of its own.
            let start = from.max(next.saturating_sub(HALF));
            return match self.piece(at, start, true, known, ended) {
                Some(piece) => {
                    self.skip = None;
                    self.print_piece(at, &piece);
                    true
                }
                None => false,
            };
        }
        if ended || to - began > GIVE_UP {
            // The line runs on too far: the lines after it are not shown.
            self.skip = None;
            self.done = to;
            self.at_line_start = false;
            self.after_left = 0;
            return !ended;
        }
        self.skip = Some((to, began));
        false
    }

    /// The next line after a match line: a match line itself, or a line of
    /// context. Whether it moved.
    fn context_after(&mut self, at: &At, known: usize, ended: bool) -> bool {
        let start = self.done;
        if ended && start >= at.window.end() {
            self.after_left = 0;
            return false;
        }
        let next = self.pending.front().map(|p| p.start);
        let scan_to = known.min(start + MAX_LINE);
        let newline = memchr::memchr(b'\n', at.window.get(start..scan_to)).map(|i| start + i + 1);
        let end = match newline {
            Some(end) => end,
            None if scan_to == start + MAX_LINE || ended => scan_to,
            None if next.is_some_and(|n| n < known) => known,
            None => return false,
        };
        if next.is_some_and(|n| n < end) {
            return match self.piece(at, start, !self.at_line_start, known, ended) {
                Some(piece) => {
                    self.print_piece(at, &piece);
                    true
                }
                None => false,
            };
        }
        let whole = newline.is_some() || end >= at.window.end();
        self.context_line(at, start..end, false, !whole);
        self.after_left -= 1;
        self.done = end;
        if whole {
            self.at_line_start = true;
        } else {
            // A long line, shown cut: the lines after it come once its
            // end is found.
            self.skip = Some((end, end));
        }
        true
    }

    /// The lines of a new group: the match line's start, the lines before
    /// it, then the match line. Whether it moved.
    fn new_group(&mut self, at: &At, known: usize, ended: bool) -> bool {
        let Some(first) = self.pending.front() else {
            return false;
        };
        let s = first.start;
        let floor = self.done.max(at.window.base);
        let from = floor.max(s.saturating_sub(HALF));
        let (line_start, cut) = match memchr::memrchr(b'\n', at.window.get(from..s)) {
            Some(i) => (from + i + 1, false),
            None if from == self.done && self.at_line_start => (from, false),
            None => (from, true),
        };
        let Some(piece) = self.piece(at, line_start, cut, known, ended) else {
            return false;
        };
        let lines = match cut {
            true => Vec::new(),
            // As far back as a stream keeps (`needs_from`), so that a
            // stream shows what a file shows.
            false => {
                let floor = floor.max(s.saturating_sub(self.look_back()));
                self.lines_before(at, line_start, floor)
            }
        };
        let first_shown = lines
            .first()
            .map_or(piece.start, |l: &(usize, usize, bool)| l.0);
        if self.printed_to.is_some_and(|to| first_shown > to) {
            self.out.line("--");
        }
        for (start, end, cut) in lines {
            self.context_line(at, start..end, cut, false);
        }
        self.print_piece(at, &piece);
        true
    }

    /// Up to `before` lines ending at `line_start`, none below `floor`:
    /// (start, end, cut at the left) each, in order.
    fn lines_before(&self, at: &At, line_start: usize, floor: usize) -> Vec<(usize, usize, bool)> {
        let mut lines = Vec::new();
        let mut end = line_start;
        while lines.len() < self.before && end > floor {
            let newline = end - 1;
            let from = floor.max(newline.saturating_sub(MAX_LINE));
            let (start, cut) = match memchr::memrchr(b'\n', at.window.get(from..newline)) {
                Some(i) => (from + i + 1, false),
                None if from == self.done && self.at_line_start => (from, false),
                None => (from, true),
            };
            lines.push((start, end, cut));
            end = match cut {
                false => start,
                // A long line, shown cut: the lines before it are looked
                // for from its start, if the window reaches it.
                true => match memchr::memrchr(b'\n', at.window.get(floor..from)) {
                    Some(i) => floor + i + 1,
                    None => break,
                },
            };
        }
        lines.reverse();
        lines
    }

    /// The piece of the match line starting at `line_start` (or cut there)
    /// holding the first pending match and those after it, if the scan has
    /// gone past it.
    fn piece(
        &self,
        at: &At,
        line_start: usize,
        cut_left: bool,
        known: usize,
        ended: bool,
    ) -> Option<Piece> {
        let first = self.pending.front()?;
        let (start, cut_left) = match first.start - line_start > HALF {
            true => (first.start - HALF, true),
            false => (line_start, cut_left),
        };
        let limit = if ended { at.window.end() } else { known };
        let mut matches = 0;
        let mut end_of_match = first.end;
        let (end, whole) = loop {
            let from = end_of_match.saturating_sub(1).max(first.start);
            let reach = end_of_match.saturating_add(HALF);
            let newline = memchr::memchr(b'\n', at.window.get(from..reach.min(limit)));
            let (end, whole) = match newline {
                Some(i) => (from + i + 1, true),
                None if reach <= limit => (reach, false),
                None if ended => (limit, limit >= at.window.end()),
                None => return None,
            };
            matches += 1;
            match self.pending.get(matches) {
                Some(next) if next.start < end && end - start <= 4 * MAX_LINE => {
                    end_of_match = end_of_match.max(next.end);
                }
                _ => break (end, whole),
            }
        };
        // Every match starting before `end` is known, and in the piece.
        if !ended && end > known {
            return None;
        }
        let matches = matches
            + self
                .pending
                .range(matches..)
                .take_while(|p| p.start < end)
                .count();
        Some(Piece {
            start,
            end,
            cut_left,
            whole,
            matches,
        })
    }

    /// Prints `piece` and the state after it.
    fn print_piece(&mut self, at: &At, piece: &Piece) {
        let bytes = at.window.get(piece.start..piece.end);
        let changes: Vec<Pending> = self.pending.drain(..piece.matches).collect();
        let marks: Vec<(usize, usize)> = changes
            .iter()
            .map(|c| {
                (
                    c.start.max(piece.start) - piece.start,
                    c.end.min(piece.end) - piece.start,
                )
            })
            .collect();
        let cut_right = !piece.whole;
        match self.replace {
            false => self.line(
                piece.start,
                b':',
                bytes,
                &marks,
                MATCH,
                (piece.cut_left, cut_right),
            ),
            true => {
                self.line(
                    piece.start,
                    b'-',
                    bytes,
                    &marks,
                    OLD,
                    (piece.cut_left, cut_right),
                );
                let mut after = bytes.to_vec();
                for change in &changes {
                    let Some(new) = &change.new else { continue };
                    for (i, &byte) in new.iter().enumerate() {
                        let at = change.start + i;
                        if (piece.start..piece.end).contains(&at) {
                            after[at - piece.start] = byte;
                        }
                    }
                }
                self.line(
                    piece.start,
                    b'+',
                    &after,
                    &marks,
                    NEW,
                    (piece.cut_left, cut_right),
                );
            }
        }
        self.printed_to = Some(piece.end);
        self.done = piece.end;
        self.after_left = self.after;
        self.at_line_start = piece.whole;
        if !piece.whole {
            self.skip = Some((piece.end, piece.end));
        }
    }

    fn context_line(
        &mut self,
        at: &At,
        range: std::ops::Range<usize>,
        cut_left: bool,
        cut_right: bool,
    ) {
        let mark = if self.replace { b' ' } else { b'-' };
        let bytes = at.window.get(range.clone());
        self.line(range.start, mark, bytes, &[], MATCH, (cut_left, cut_right));
        self.printed_to = Some(range.end);
    }

    /// One line: `[PATH:]OFFSET` and `mark`, then `bytes` (without their
    /// line end) shown, the `marks` ranges in colour `code`.
    fn line(
        &mut self,
        offset: usize,
        mark: u8,
        bytes: &[u8],
        marks: &[(usize, usize)],
        code: &str,
        (cut_left, cut_right): (bool, bool),
    ) {
        let style = self.style;
        if style.show_name {
            style.path(self.out, self.path);
            let sep: &[u8] = match (style.null, mark) {
                (true, _) => b"\0",
                (false, b'-') if !self.replace => b"-",
                _ => b":",
            };
            self.out.bytes(sep);
        }
        let label = style.offset(offset as u64);
        let mut text = match style.color {
            true => super::render::painted(OFFSET, &label),
            false => label,
        };
        text.push(mark as char);
        if cut_left {
            text.push('…');
        }
        let body = trim_line_end(bytes);
        let mut from = 0;
        for &(start, end) in marks {
            let (start, end) = (start.min(body.len()), end.min(body.len()));
            if start < from {
                continue;
            }
            shown_into(&mut text, &body[from..start]);
            let mut lit = String::new();
            shown_into(&mut lit, &body[start..end]);
            match style.color {
                true => text.push_str(&super::render::painted(code, &lit)),
                false => text.push_str(&lit),
            }
            from = end;
        }
        shown_into(&mut text, &body[from..]);
        if cut_right {
            text.push('…');
        }
        self.out.line(text);
    }
}

/// Without the line's end (`\n`, or `\r\n`).
fn trim_line_end(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

/// Appends `bytes` as shown: printable text (UTF-8 included, and tabs) as
/// it is, every other byte as `\xHH`.
pub fn shown_into(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\t' || !c.is_control() {
                out.push(c);
            } else {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
}

impl<W: Write> Sink for LinePrinter<'_, W> {
    fn wants(&self) -> Wants {
        Wants::Ordered
    }

    fn edit(&mut self, edit: &Edit, at: &At) -> Result<Flow, Error> {
        self.pending.push_back(Pending {
            start: edit.start,
            end: edit.end(),
            new: edit.new.map(<[u8]>::to_vec),
        });
        self.advance(at);
        Ok(self.flow())
    }

    fn run(&mut self, run: &Run, at: &At) -> Result<Flow, Error> {
        for i in 0..run.count {
            if self.edit(&run.edit(i), at)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Go)
    }

    fn progress(&mut self, at: &At) -> Result<Flow, Error> {
        self.advance(at);
        Ok(self.flow())
    }

    fn needs_from(&self) -> usize {
        if let Some((from, _)) = self.skip {
            return from.min(self.done);
        }
        if self.after_left > 0 {
            return self.done;
        }
        let next = match self.pending.front() {
            Some(first) => first.start,
            None if self.frontier == usize::MAX => return usize::MAX,
            None => self.frontier,
        };
        self.done.max(next.saturating_sub(self.look_back()))
    }
}
