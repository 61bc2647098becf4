//! A unified diff (`diff -u`) of one file's same-length edits, streamed: the
//! edits come in offset order and only the hunk being built is held.
//!
//! ```text
//! let mut diff = FileDiff::new(&mut out, Path::new("src/main.c"), &old, Options::default());
//! diff.edit(120, b"loadConfig")?;   // ascending offsets, never overlapping
//! diff.edit(4410, b"loadConfig")?;
//! let summary = diff.finish()?;     // prints what is still held
//! ```
//!
//! What is printed is what GNU `diff -u --label a/PATH --label b/PATH` prints
//! for the file before and after the edits, with two differences. Each run
//! of changed lines is shown as all its old lines then all its new lines,
//! while GNU diff pairs lines anew wherever a changed line is also a line of
//! the other file (two swapped lines `a`,`b` become `-a b +a` there, `-a -b
//! +b +a` here); both apply the same. And names are written as git writes
//! them: a tab after a name with a space (so that GNU patch reads it
//! whole), C quotes around one with a control character, quote or backslash.
//!
//! Binary files: a NUL byte or a line over [`MAX_TEXT_LINE`] bytes in a
//! changed line (old or new) turns the whole file's diff into one line,
//! `Binary files a/PATH and b/PATH differ (N changes)`. Since that is known
//! only once the lines are seen, the diff of a file is held until it is
//! finished or reaches [`DECIDE_WITHIN`] bytes; past that it is printed as it
//! comes and the check no longer applies: a file is binary only when the
//! first [`DECIDE_WITHIN`] bytes of its diff found it so.
//!
//! Memory: the edits of the current hunk (offsets and new bytes) and at most
//! [`DECIDE_WITHIN`] bytes of held output; lines are printed straight from
//! the old file's bytes. Pass a buffered writer: lines are written in pieces.

use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Lines of context around each change when none is asked for (`-U 3`).
pub const DEFAULT_CONTEXT: usize = 3;
/// The longest changed line, in bytes without its newline, that keeps a
/// file's diff text.
pub const MAX_TEXT_LINE: usize = 1024;
/// How much of a file's diff is held before it is printed regardless.
pub const DECIDE_WITHIN: usize = 1 << 20;

const BOLD: &[u8] = b"\x1b[1m";
const CYAN: &[u8] = b"\x1b[36m";
const RED: &[u8] = b"\x1b[31m";
const GREEN: &[u8] = b"\x1b[32m";
const RESET: &[u8] = b"\x1b[m";

/// How the diff is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Unchanged lines shown before and after each change (`-U N`).
    pub context: usize,
    /// ANSI colours as `git diff`: headers bold, `@@` lines cyan, removed
    /// lines red, added lines green.
    pub color: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            context: DEFAULT_CONTEXT,
            color: false,
        }
    }
}

/// What [`Diff::finish`] reports about the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Edits given, including those that wrote the bytes already there.
    pub changes: u64,
    /// `@@` hunks printed (none when binary or when nothing changed).
    pub hunks: u64,
    /// Reported as `Binary files ... differ`.
    pub binary: bool,
}

/// The unified diff of one file whose bytes are all in memory: a [`Diff`]
/// that keeps the old bytes itself (examples/review.rs and the tests).
#[allow(dead_code)]
pub struct FileDiff<'a, W: Write> {
    diff: Diff<'a, W>,
    old: &'a [u8],
}

#[allow(dead_code)]
impl<'a, W: Write> FileDiff<'a, W> {
    /// Starts the diff of the file shown as `path` (see [`Diff::new`]),
    /// whose bytes before any edit are `old`.
    pub fn new(out: W, path: &'a Path, old: &'a [u8], options: Options) -> FileDiff<'a, W> {
        FileDiff {
            diff: Diff::new(out, path, options),
            old,
        }
    }

    /// See [`Diff::edit`].
    pub fn edit(&mut self, offset: usize, new: &[u8]) -> io::Result<()> {
        self.diff.edit(self.old, offset, new)
    }

    /// See [`Diff::finish`].
    pub fn finish(self) -> io::Result<Summary> {
        self.diff.finish(self.old)
    }
}

/// The unified diff of one file, built edit by edit. The file's bytes
/// before any edit are passed to each call (always the same bytes), so a
/// caller that borrows them anew for each call (a scan's window) can keep
/// the diff between calls.
pub struct Diff<'a, W: Write> {
    out: W,
    path: std::borrow::Cow<'a, Path>,
    options: Options,
    state: State,
    hunk: Hunk,
    lines: LineCounter,
    /// New lines minus old lines in the hunks already printed.
    delta: i64,
    /// Where the previous edit ended: edits must not go back.
    edited_to: usize,
    changes: u64,
    hunks: u64,
}

enum State {
    /// Output held until the file is known to be text.
    Holding(Vec<u8>),
    /// Printed as it comes.
    Text,
    /// Only counting.
    Binary,
}

/// A run of changed lines: `start..end` of the old file, both ends where
/// old and new file have a line boundary (so it is whole lines in both).
#[derive(Clone, Copy, Debug)]
struct Block {
    start: usize,
    end: usize,
}

/// New bytes at `offset`, for the part of an edit inside one block.
struct Patch {
    offset: usize,
    bytes: Vec<u8>,
}

/// The blocks close enough to share context, with their patches.
#[derive(Default)]
struct Hunk {
    blocks: Vec<Block>,
    patches: Vec<Patch>,
}

/// Where a hunk's lines are and how many there are.
struct Layout {
    from: usize,
    to: usize,
    old_start: usize,
    old_count: usize,
    new_count: usize,
}

/// Counts old lines up to ascending positions, so line numbers cost one
/// pass over the file.
#[derive(Default)]
struct LineCounter {
    pos: usize,
    lines: usize,
}

impl LineCounter {
    fn lines_before(&mut self, old: &[u8], pos: usize) -> usize {
        debug_assert!(pos >= self.pos, "line numbers asked out of order");
        self.lines += newlines(&old[self.pos..pos]);
        self.pos = pos;
        self.lines
    }
}

impl<'a, W: Write> Diff<'a, W> {
    /// Starts the diff of the file shown as `path` (relative to where the
    /// user runs; printed as `a/PATH` and `b/PATH`, a leading `./` or `/`
    /// left out as git does).
    pub fn new(
        out: W,
        path: impl Into<std::borrow::Cow<'a, Path>>,
        options: Options,
    ) -> Diff<'a, W> {
        Diff {
            out,
            path: path.into(),
            options,
            state: State::Holding(Vec::new()),
            hunk: Hunk::default(),
            lines: LineCounter::default(),
            delta: 0,
            edited_to: 0,
            changes: 0,
            hunks: 0,
        }
    }

    /// Replaces `new.len()` bytes at `offset` with `new`. Offsets must
    /// ascend and edits not overlap (adjacent is fine); an edit out of
    /// order or past the end is an `InvalidInput` error.
    pub fn edit(&mut self, old: &[u8], offset: usize, new: &[u8]) -> io::Result<()> {
        let end = offset
            .checked_add(new.len())
            .filter(|&end| end <= old.len() && offset >= self.edited_to)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "edit of {} bytes at {offset} overlaps the previous one or passes the end ({} bytes)",
                        new.len(),
                        old.len()
                    ),
                )
            })?;
        self.edited_to = end;
        self.changes += 1;
        if let State::Binary = self.state {
            return Ok(());
        }
        let old_bytes = &old[offset..end];
        let mut at = 0;
        while let Some(first) = old_bytes[at..]
            .iter()
            .zip(&new[at..])
            .position(|(a, b)| a != b)
        {
            let changed = offset + at + first;
            let block_end = self.touch(old, changed, offset, new)?;
            if let State::Binary = self.state {
                return Ok(());
            }
            // Every difference before the block's end is in this block.
            let stop = block_end.min(end);
            self.hunk.patches.push(Patch {
                offset: changed,
                bytes: new[changed - offset..stop - offset].to_vec(),
            });
            at = stop - offset;
        }
        Ok(())
    }

    /// Prints what is held (or the `Binary files` line) and reports. The
    /// writer is not flushed.
    pub fn finish(mut self, old: &[u8]) -> io::Result<Summary> {
        if !matches!(self.state, State::Binary) {
            self.close_hunk(old)?;
        }
        let binary = matches!(self.state, State::Binary);
        match std::mem::replace(&mut self.state, State::Text) {
            State::Holding(held) => self.out.write_all(&held)?,
            State::Text => {}
            State::Binary => {
                let plural = if self.changes == 1 { "" } else { "s" };
                self.out.write_all(b"Binary files ")?;
                self.out.write_all(&label("a/", &self.path))?;
                self.out.write_all(b" and ")?;
                self.out.write_all(&label("b/", &self.path))?;
                writeln!(self.out, " differ ({} change{plural})", self.changes)?;
            }
        }
        Ok(Summary {
            changes: self.changes,
            hunks: self.hunks,
            binary,
        })
    }

    /// Adds the changed byte at `at` (inside the edit of `new` at
    /// `edit_at`) to the hunk, printing the hunk before it when it is too
    /// far; returns where its block ends for now.
    fn touch(&mut self, old: &[u8], at: usize, edit_at: usize, new: &[u8]) -> io::Result<usize> {
        let end = self.next_boundary(old, at, edit_at, new);
        let Some(last) = self.hunk.blocks.last_mut() else {
            self.hunk.blocks.push(Block {
                start: line_start(old, at),
                end,
            });
            return Ok(end);
        };
        if at < last.end {
            last.end = last.end.max(end);
            return Ok(last.end);
        }
        // Before `at` and after the block both files are the same, so the
        // old line start is a boundary of both.
        let start = line_start(old, at);
        if start == last.end {
            last.end = end;
            return Ok(end);
        }
        // Enough unchanged lines between them for both contexts to end?
        let joins = 2 * self.options.context;
        let gap = memchr::memchr_iter(b'\n', &old[last.end..start]).take(joins + 1);
        if gap.count() > joins {
            self.close_hunk(old)?;
        }
        self.hunk.blocks.push(Block { start, end });
        Ok(end)
    }

    /// The first position after `at` where both files start a line, taking
    /// the new file's bytes from the edit and, past it, as the old ones (a
    /// later edit that changes that newline extends the block again).
    fn next_boundary(&self, old: &[u8], at: usize, edit_at: usize, new: &[u8]) -> usize {
        let mut from = at;
        while let Some(found) = memchr::memchr(b'\n', &old[from..]) {
            let newline = from + found;
            let kept = newline < edit_at
                || newline >= edit_at + new.len()
                || new[newline - edit_at] == b'\n';
            if kept {
                return newline + 1;
            }
            from = newline + 1;
        }
        old.len()
    }

    /// Prints the current hunk (or holds it), unless the file turns out
    /// binary, and starts an empty one.
    fn close_hunk(&mut self, old: &[u8]) -> io::Result<()> {
        if self.hunk.blocks.is_empty() {
            return Ok(());
        }
        let layout = self.layout(old);
        if let State::Holding(held) = &self.state {
            if self.hunk_is_binary(old) {
                self.state = State::Binary;
                self.hunk = Hunk::default();
                return Ok(());
            }
            let estimate =
                2 * (layout.to - layout.from) + 16 * (layout.old_count + layout.new_count);
            if held.len() + estimate > DECIDE_WITHIN {
                self.out.write_all(held)?;
                self.state = State::Text;
            }
        }
        let render = Render {
            old,
            hunk: &self.hunk,
            color: self.options.color,
        };
        let new_start = layout.old_start as i64 + self.delta;
        let target: &mut dyn Write = match &mut self.state {
            State::Holding(held) => held,
            _ => &mut self.out,
        };
        if self.hunks == 0 {
            render.headers(target, &self.path)?;
        }
        render.hunk(target, &layout, new_start as usize)?;
        self.delta += layout.new_count as i64 - layout.old_count as i64;
        self.hunks += 1;
        self.hunk = Hunk::default();
        Ok(())
    }

    fn layout(&mut self, old: &[u8]) -> Layout {
        let (first, last) = match (self.hunk.blocks.first(), self.hunk.blocks.last()) {
            (Some(first), Some(last)) => (*first, *last),
            _ => unreachable!("a hunk is laid out only with a block"),
        };
        let mut from = first.start;
        let mut to = last.end;
        for _ in 0..self.options.context {
            if from > 0 {
                from = line_start(old, from - 1);
            }
            if to < old.len() {
                to = memchr::memchr(b'\n', &old[to..]).map_or(old.len(), |i| to + i + 1);
            }
        }
        let old_count = line_count(old, from, to);
        let render = Render {
            old,
            hunk: &self.hunk,
            color: false,
        };
        let grown: i64 = self
            .hunk
            .blocks
            .iter()
            .map(|&block| {
                render.new_lines(block) as i64 - line_count(old, block.start, block.end) as i64
            })
            .sum();
        Layout {
            from,
            to,
            old_start: self.lines.lines_before(old, from) + 1,
            old_count,
            new_count: (old_count as i64 + grown) as usize,
        }
    }

    /// Whether a changed line, old or new, holds a NUL or is too long.
    fn hunk_is_binary(&self, old: &[u8]) -> bool {
        let render = Render {
            old,
            hunk: &self.hunk,
            color: false,
        };
        self.hunk.blocks.iter().any(|&block| {
            let changed = [&old[block.start..block.end]];
            not_text(changed.into_iter()) || not_text(render.new_bytes(block))
        })
    }
}

/// Writes a hunk from the old file's bytes and the hunk's patches.
struct Render<'h> {
    old: &'h [u8],
    hunk: &'h Hunk,
    color: bool,
}

impl Render<'_> {
    fn headers(&self, out: &mut dyn Write, path: &Path) -> io::Result<()> {
        for (mark, side) in [("--- ", "a/"), ("+++ ", "b/")] {
            self.paint(out, BOLD)?;
            out.write_all(mark.as_bytes())?;
            let name = label(side, path);
            out.write_all(&name)?;
            // As git does: GNU patch ends a name at a space unless a tab
            // follows the name.
            if name.contains(&b' ') {
                out.write_all(b"\t")?;
            }
            self.paint(out, RESET)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn hunk(&self, out: &mut dyn Write, layout: &Layout, new_start: usize) -> io::Result<()> {
        self.paint(out, CYAN)?;
        write!(
            out,
            "@@ -{} +{} @@",
            range(layout.old_start, layout.old_count),
            range(new_start, layout.new_count)
        )?;
        self.paint(out, RESET)?;
        out.write_all(b"\n")?;
        let mut context_from = layout.from;
        for &block in &self.hunk.blocks {
            let context = [&self.old[context_from..block.start]];
            self.lines(out, b' ', None, context.into_iter())?;
            let old = [&self.old[block.start..block.end]];
            self.lines(out, b'-', Some(RED), old.into_iter())?;
            self.lines(out, b'+', Some(GREEN), self.new_bytes(block))?;
            context_from = block.end;
        }
        let context = [&self.old[context_from..layout.to]];
        self.lines(out, b' ', None, context.into_iter())
    }

    /// Writes the lines made of `pieces`, each after `mark` (and in
    /// `color`); a last line without newline gets diff's notice.
    fn lines<'p>(
        &self,
        out: &mut dyn Write,
        mark: u8,
        color: Option<&[u8]>,
        pieces: impl Iterator<Item = &'p [u8]>,
    ) -> io::Result<()> {
        let color = color.filter(|_| self.color);
        let mut line_start = true;
        for piece in pieces {
            let mut rest = piece;
            while !rest.is_empty() {
                if line_start {
                    if let Some(color) = color {
                        out.write_all(color)?;
                    }
                    out.write_all(&[mark])?;
                    line_start = false;
                }
                let Some(newline) = memchr::memchr(b'\n', rest) else {
                    out.write_all(rest)?;
                    break;
                };
                out.write_all(&rest[..newline])?;
                if color.is_some() {
                    out.write_all(RESET)?;
                }
                out.write_all(b"\n")?;
                line_start = true;
                rest = &rest[newline + 1..];
            }
        }
        if !line_start {
            if color.is_some() {
                out.write_all(RESET)?;
            }
            out.write_all(b"\n\\ No newline at end of file\n")?;
        }
        Ok(())
    }

    fn paint(&self, out: &mut dyn Write, code: &[u8]) -> io::Result<()> {
        if self.color {
            out.write_all(code)?;
        }
        Ok(())
    }

    /// The new file's bytes of `block`, in pieces: old bytes, a patch,
    /// old bytes, and so on.
    fn new_bytes(&self, block: Block) -> impl Iterator<Item = &[u8]> {
        let patches = &self.hunk.patches;
        let first = patches.partition_point(|patch| patch.offset < block.start);
        let last = patches.partition_point(|patch| patch.offset < block.end);
        let patches = &patches[first..last];
        let gaps_from =
            std::iter::once(block.start).chain(patches.iter().map(|p| p.offset + p.bytes.len()));
        let gaps_to = patches
            .iter()
            .map(|p| p.offset)
            .chain(std::iter::once(block.end));
        let fills = patches
            .iter()
            .map(|p| &p.bytes[..])
            .chain(std::iter::once(&[][..]));
        gaps_from
            .zip(gaps_to)
            .zip(fills)
            .flat_map(|((from, to), fill)| [&self.old[from..to], fill])
    }

    /// Lines of the new file in `block`.
    fn new_lines(&self, block: Block) -> usize {
        let mut lines = 0;
        let mut last = b'\n';
        for piece in self.new_bytes(block) {
            lines += newlines(piece);
            last = *piece.last().unwrap_or(&last);
        }
        let unterminated = block.end == self.old.len() && block.end > block.start && last != b'\n';
        lines + usize::from(unterminated)
    }
}

/// Whether the lines made of `pieces` hold a NUL or a line too long.
fn not_text<'p>(pieces: impl Iterator<Item = &'p [u8]>) -> bool {
    let mut length = 0;
    for piece in pieces {
        if memchr::memchr(0, piece).is_some() {
            return true;
        }
        let mut rest = piece;
        while let Some(newline) = memchr::memchr(b'\n', rest) {
            if length + newline > MAX_TEXT_LINE {
                return true;
            }
            length = 0;
            rest = &rest[newline + 1..];
        }
        length += rest.len();
        if length > MAX_TEXT_LINE {
            return true;
        }
    }
    false
}

fn newlines(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

fn line_start(bytes: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1)
}

/// Lines in `from..to` of `bytes`, both line boundaries; a last line
/// without newline counts.
fn line_count(bytes: &[u8], from: usize, to: usize) -> usize {
    let unterminated = to == bytes.len() && to > from && bytes[to - 1] != b'\n';
    newlines(&bytes[from..to]) + usize::from(unterminated)
}

/// `L,N` as diff writes it: `,1` left out, an empty range named by the
/// line before it.
fn range(start: usize, count: usize) -> String {
    match count {
        0 => format!("{},0", start - 1),
        1 => start.to_string(),
        _ => format!("{start},{count}"),
    }
}

/// `a/PATH` as git writes it: without a leading `./` or `/`, and in
/// double quotes with C escapes when it holds a control character, a
/// quote or a backslash (which git and GNU patch both read back).
fn label(side: &str, path: &Path) -> Vec<u8> {
    let mut name = path.as_os_str().as_bytes();
    loop {
        if let Some(rest) = name.strip_prefix(b"./") {
            name = rest;
        } else if let Some(rest) = name.strip_prefix(b"/") {
            name = rest;
        } else {
            break;
        }
    }
    let plain = [side.as_bytes(), name].concat();
    if !plain
        .iter()
        .any(|&b| b < 0x20 || b == 0x7f || b == b'"' || b == b'\\')
    {
        return plain;
    }
    let mut quoted = vec![b'"'];
    for &byte in &plain {
        match byte {
            b'"' | b'\\' => quoted.extend([b'\\', byte]),
            b'\t' => quoted.extend(b"\\t"),
            b'\n' => quoted.extend(b"\\n"),
            0x20..=0x7e | 0x80..=0xff => quoted.push(byte),
            _ => quoted.extend(format!("\\{byte:03o}").bytes()),
        }
    }
    quoted.push(b'"');
    quoted
}

// A path both from here and from examples/review.rs, which compiles this file
// too.
#[cfg(test)]
#[path = "unidiff/tests.rs"]
mod tests;
