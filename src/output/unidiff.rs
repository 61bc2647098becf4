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
//! for the file before and after the edits, with one difference: each run of
//! changed lines is shown as all its old lines then all its new lines, while
//! GNU diff looks for lines common to both inside the run (two swapped lines
//! `a`,`b` become `-a b +a` there, `-a -b +b +a` here). Both apply the same.
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

/// What [`FileDiff::finish`] reports about the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Edits given, including those that wrote the bytes already there.
    pub changes: u64,
    /// `@@` hunks printed (none when binary or when nothing changed).
    pub hunks: u64,
    /// Reported as `Binary files ... differ`.
    pub binary: bool,
}

/// The unified diff of one file, built edit by edit.
pub struct FileDiff<'a, W: Write> {
    out: W,
    path: &'a Path,
    old: &'a [u8],
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

impl<'a, W: Write> FileDiff<'a, W> {
    /// Starts the diff of the file shown as `path` (relative to where the
    /// user runs; printed as `a/PATH` and `b/PATH`, a leading `./` or `/`
    /// left out as git does), whose bytes before any edit are `old`.
    pub fn new(out: W, path: &'a Path, old: &'a [u8], options: Options) -> FileDiff<'a, W> {
        FileDiff {
            out,
            path,
            old,
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
    pub fn edit(&mut self, offset: usize, new: &[u8]) -> io::Result<()> {
        let end = offset
            .checked_add(new.len())
            .filter(|&end| end <= self.old.len() && offset >= self.edited_to)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "edit of {} bytes at {offset} overlaps the previous one or passes the end ({} bytes)",
                        new.len(),
                        self.old.len()
                    ),
                )
            })?;
        self.edited_to = end;
        self.changes += 1;
        if let State::Binary = self.state {
            return Ok(());
        }
        let old = &self.old[offset..end];
        let mut at = 0;
        while let Some(first) = old[at..].iter().zip(&new[at..]).position(|(a, b)| a != b) {
            let changed = offset + at + first;
            let block_end = self.touch(changed, offset, new)?;
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
    pub fn finish(mut self) -> io::Result<Summary> {
        if !matches!(self.state, State::Binary) {
            self.close_hunk()?;
        }
        let binary = matches!(self.state, State::Binary);
        match std::mem::replace(&mut self.state, State::Text) {
            State::Holding(held) => self.out.write_all(&held)?,
            State::Text => {}
            State::Binary => {
                let plural = if self.changes == 1 { "" } else { "s" };
                self.out.write_all(b"Binary files ")?;
                self.out.write_all(&label("a/", self.path))?;
                self.out.write_all(b" and ")?;
                self.out.write_all(&label("b/", self.path))?;
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
    fn touch(&mut self, at: usize, edit_at: usize, new: &[u8]) -> io::Result<usize> {
        let end = self.next_boundary(at, edit_at, new);
        let Some(last) = self.hunk.blocks.last_mut() else {
            self.hunk.blocks.push(Block {
                start: line_start(self.old, at),
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
        let start = line_start(self.old, at);
        if start == last.end {
            last.end = end;
            return Ok(end);
        }
        let gap = newlines(&self.old[last.end..start]);
        if gap > 2 * self.options.context {
            self.close_hunk()?;
        }
        self.hunk.blocks.push(Block { start, end });
        Ok(end)
    }

    /// The first position after `at` where both files start a line, taking
    /// the new file's bytes from the edit and, past it, as the old ones (a
    /// later edit that changes that newline extends the block again).
    fn next_boundary(&self, at: usize, edit_at: usize, new: &[u8]) -> usize {
        let mut from = at;
        while let Some(found) = memchr::memchr(b'\n', &self.old[from..]) {
            let newline = from + found;
            let kept = newline < edit_at
                || newline >= edit_at + new.len()
                || new[newline - edit_at] == b'\n';
            if kept {
                return newline + 1;
            }
            from = newline + 1;
        }
        self.old.len()
    }

    /// Prints the current hunk (or holds it), unless the file turns out
    /// binary, and starts an empty one.
    fn close_hunk(&mut self) -> io::Result<()> {
        if self.hunk.blocks.is_empty() {
            return Ok(());
        }
        let layout = self.layout();
        if let State::Holding(held) = &self.state {
            if self.hunk_is_binary() {
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
            old: self.old,
            hunk: &self.hunk,
            color: self.options.color,
        };
        let new_start = layout.old_start as i64 + self.delta;
        let target: &mut dyn Write = match &mut self.state {
            State::Holding(held) => held,
            _ => &mut self.out,
        };
        if self.hunks == 0 {
            render.headers(target, self.path)?;
        }
        render.hunk(target, &layout, new_start as usize)?;
        self.delta += layout.new_count as i64 - layout.old_count as i64;
        self.hunks += 1;
        self.hunk = Hunk::default();
        Ok(())
    }

    fn layout(&mut self) -> Layout {
        let (first, last) = match (self.hunk.blocks.first(), self.hunk.blocks.last()) {
            (Some(first), Some(last)) => (*first, *last),
            _ => unreachable!("a hunk is laid out only with a block"),
        };
        let mut from = first.start;
        let mut to = last.end;
        for _ in 0..self.options.context {
            if from > 0 {
                from = line_start(self.old, from - 1);
            }
            if to < self.old.len() {
                to = memchr::memchr(b'\n', &self.old[to..]).map_or(self.old.len(), |i| to + i + 1);
            }
        }
        let old_count = line_count(self.old, from, to);
        let render = Render {
            old: self.old,
            hunk: &self.hunk,
            color: false,
        };
        let grown: i64 = self
            .hunk
            .blocks
            .iter()
            .map(|&block| {
                render.new_lines(block) as i64 - line_count(self.old, block.start, block.end) as i64
            })
            .sum();
        Layout {
            from,
            to,
            old_start: self.lines.lines_before(self.old, from) + 1,
            old_count,
            new_count: (old_count as i64 + grown) as usize,
        }
    }

    /// Whether a changed line, old or new, holds a NUL or is too long.
    fn hunk_is_binary(&self) -> bool {
        let render = Render {
            old: self.old,
            hunk: &self.hunk,
            color: false,
        };
        self.hunk.blocks.iter().any(|&block| {
            let old = [&self.old[block.start..block.end]];
            not_text(old.into_iter()) || not_text(render.new_bytes(block))
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
            out.write_all(&label(side, path))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::process::Command;

    /// Our diff of `old` after `edits`, and its summary.
    fn ours(old: &[u8], edits: &[(usize, &[u8])], options: Options) -> (String, Summary) {
        let mut out = Vec::new();
        let mut diff = FileDiff::new(&mut out, Path::new("x"), old, options);
        for &(offset, new) in edits {
            diff.edit(offset, new).unwrap();
        }
        let summary = diff.finish().unwrap();
        (String::from_utf8(out).unwrap(), summary)
    }

    fn apply(old: &[u8], edits: &[(usize, &[u8])]) -> Vec<u8> {
        let mut new = old.to_vec();
        for &(offset, bytes) in edits {
            new[offset..offset + bytes.len()].copy_from_slice(bytes);
        }
        new
    }

    /// What GNU diff prints for the two files, labelled as ours are.
    fn gnu(old: &[u8], new: &[u8], context: usize) -> String {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, old).unwrap();
        std::fs::write(&b, new).unwrap();
        let out = Command::new("diff")
            .arg(format!("-U{context}"))
            .args(["--label", "a/x", "--label", "b/x"])
            .args([&a, &b])
            .output()
            .expect("GNU diff runs (diffutils)");
        assert!(
            out.status.code() != Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn one_changed_line_with_context() {
        let old = b"1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let (text, summary) = ours(old, &[(8, b"X")], Options::default());
        assert_eq!(
            text,
            "--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n"
        );
        assert_eq!(
            summary,
            Summary {
                changes: 1,
                hunks: 1,
                binary: false
            }
        );
    }

    #[test]
    fn a_last_line_without_newline_gets_the_notice() {
        let (text, _) = ours(b"x\na", &[(0, b"y")], Options::default());
        assert_eq!(
            text,
            "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-x\n+y\n a\n\\ No newline at end of file\n"
        );
        let (text, _) = ours(b"x\nab", &[(3, b"\n")], Options::default());
        assert_eq!(
            text,
            "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n x\n-ab\n\\ No newline at end of file\n+a\n"
        );
    }

    #[test]
    fn an_edited_newline_joins_or_splits_lines() {
        let old = b"ab\ncd\nef\ngh\n";
        let (joined, _) = ours(
            old,
            &[(2, b"X")],
            Options {
                context: 1,
                color: false,
            },
        );
        assert_eq!(
            joined,
            "--- a/x\n+++ b/x\n@@ -1,3 +1,2 @@\n-ab\n-cd\n+abXcd\n ef\n"
        );
        let (split, _) = ours(
            old,
            &[(7, b"\n")],
            Options {
                context: 1,
                color: false,
            },
        );
        assert_eq!(
            split,
            "--- a/x\n+++ b/x\n@@ -2,3 +2,4 @@\n cd\n-ef\n+e\n+\n gh\n"
        );
        // The second hunk's new line numbers follow the join.
        let old = b"1\n2\n3\n4\n5\n6\n7\n8\n";
        let (both, _) = ours(
            old,
            &[(1, b" "), (12, b"X")],
            Options {
                context: 0,
                color: false,
            },
        );
        assert_eq!(
            both,
            "--- a/x\n+++ b/x\n@@ -1,2 +1 @@\n-1\n-2\n+1 2\n@@ -7 +6 @@\n-7\n+X\n"
        );
    }

    #[test]
    fn edits_that_change_nothing_print_nothing() {
        let (text, summary) = ours(b"same\n", &[(0, b"sa"), (3, b"e")], Options::default());
        assert_eq!(text, "");
        assert_eq!(
            summary,
            Summary {
                changes: 2,
                hunks: 0,
                binary: false
            }
        );
    }

    #[test]
    fn one_long_edit_with_unchanged_lines_inside_gives_two_hunks() {
        let old = b"a\nb\nc\nd\ne\nf\ng\n";
        let (text, summary) = ours(
            old,
            &[(0, b"A\nb\nc\nd\ne\nf\nG")],
            Options {
                context: 1,
                color: false,
            },
        );
        assert_eq!(
            text,
            "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -6,2 +6,2 @@\n f\n-g\n+G\n"
        );
        assert_eq!(
            summary,
            Summary {
                changes: 1,
                hunks: 2,
                binary: false
            }
        );
    }

    #[test]
    fn swapped_lines_show_as_old_lines_then_new_lines() {
        if !have("patch", "swapped_lines_show_as_old_lines_then_new_lines") {
            return;
        }
        // GNU diff prints `-a b +a`; this is the documented difference.
        let (text, _) = ours(b"a\nb\n", &[(0, b"b"), (2, b"a")], Options::default());
        assert_eq!(text, "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n-b\n+b\n+a\n");
        assert!(patch_applies(b"a\nb\n", b"b\na\n", &text));
    }

    #[test]
    fn a_nul_or_a_long_line_in_a_changed_line_makes_the_file_binary() {
        let binary = |old: &[u8], edits: &[(usize, &[u8])]| {
            let (text, summary) = ours(old, edits, Options::default());
            assert!(summary.binary, "{text}");
            assert_eq!(summary.hunks, 0);
            text
        };
        let text = binary(b"a\nb\0c\nd\n", &[(2, b"X"), (7, b"D")]);
        assert_eq!(text, "Binary files a/x and b/x differ (2 changes)\n");
        // A NUL written counts as one there.
        assert_eq!(
            binary(b"a\nb\n", &[(2, b"\0")]),
            "Binary files a/x and b/x differ (1 change)\n"
        );
        // A line of 1025 bytes, old or new (a changed newline joins two).
        let mut long = vec![b'x'; MAX_TEXT_LINE + 1];
        long.push(b'\n');
        binary(&long, &[(0, b"y")]);
        let mut halves = vec![b'x'; 1100];
        halves[550] = b'\n';
        binary(&halves, &[(550, b"y")]);
        // A line of 1024 bytes is text, and so is a NUL in a line left as is.
        let mut longest = vec![b'x'; MAX_TEXT_LINE];
        longest.extend(b"\n\0\n");
        let (text, summary) = ours(&longest, &[(0, b"y")], Options::default());
        assert!(!summary.binary && text.contains("\n \0\n"), "{text}");
    }

    /// A writer whose bytes can be looked at while a diff holds it.
    #[derive(Clone, Default)]
    struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn past_the_bound_the_diff_streams_and_a_later_nul_stays_text() {
        let mut old = Vec::new();
        // Lines of 37 bytes, every 8th changed: hunks of their own of
        // about 300 bytes, 2 MiB in all.
        for line in 0..60_000 {
            old.extend(format!("line {line:06} and more text to fill it\n").bytes());
        }
        let width = old.len() / 60_000;
        old.extend(b"nul \0 here\n");
        let out = Shared::default();
        let mut diff = FileDiff::new(out.clone(), Path::new("x"), &old, Options::default());
        for line in (0..60_000).step_by(8) {
            diff.edit(line * width, b"L").unwrap();
            if line == 800 {
                assert!(out.0.borrow().is_empty(), "held while under the bound");
            }
        }
        assert!(!out.0.borrow().is_empty(), "printed once past the bound");
        diff.edit(old.len() - 4, b"E").unwrap();
        let summary = diff.finish().unwrap();
        assert!(!summary.binary);
        assert_eq!(summary.hunks, 7500 + 1);
        assert!(out.0.borrow().ends_with(b"-nul \0 here\n+nul \0 hEre\n"));
    }

    #[test]
    fn colours_are_git_diffs() {
        let (text, _) = ours(
            b"a\nb\n",
            &[(2, b"c")],
            Options {
                context: 3,
                color: true,
            },
        );
        assert_eq!(
            text,
            "\x1b[1m--- a/x\x1b[m\n\x1b[1m+++ b/x\x1b[m\n\x1b[36m@@ -1,2 +1,2 @@\x1b[m\n a\n\x1b[31m-b\x1b[m\n\x1b[32m+c\x1b[m\n"
        );
        let (text, _) = ours(
            b"a",
            &[(0, b"b")],
            Options {
                context: 3,
                color: true,
            },
        );
        assert!(text.ends_with("\x1b[31m-a\x1b[m\n\\ No newline at end of file\n\x1b[32m+b\x1b[m\n\\ No newline at end of file\n"));
    }

    #[test]
    fn paths_are_written_as_git_writes_them() {
        let label = |path: &str| String::from_utf8(label("a/", Path::new(path))).unwrap();
        assert_eq!(label("src/main.c"), "a/src/main.c");
        assert_eq!(label("./src/main.c"), "a/src/main.c");
        assert_eq!(label("/etc/hosts"), "a/etc/hosts");
        assert_eq!(label("with space/é.txt"), "a/with space/é.txt");
        assert_eq!(label("tab\there"), "\"a/tab\\there\"");
        assert_eq!(label("say \"hi\"\\\x01"), "\"a/say \\\"hi\\\"\\\\\\001\"");
    }

    #[test]
    fn edits_out_of_order_or_past_the_end_are_refused() {
        let mut out = Vec::new();
        let mut diff = FileDiff::new(&mut out, Path::new("x"), b"abcdef", Options::default());
        diff.edit(2, b"XY").unwrap();
        diff.edit(4, b"Z").unwrap(); // adjacent is fine
        for (offset, new) in [(4, &b"Q"[..]), (1, b"Q"), (6, b"Q"), (usize::MAX, b"Q")] {
            let error = diff.edit(offset, new).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{offset}");
        }
        diff.finish().unwrap();
    }

    /// A file of a few letters and newlines, and edits over it: runs of
    /// touched bytes, cut into edits at random.
    fn file_and_edits() -> impl Strategy<Value = (Vec<u8>, Vec<(usize, Vec<u8>)>)> {
        let alphabet = prop::sample::select(vec![&b"ab\n"[..], b"abc\n\n", b"abcd\n"]);
        alphabet
            .prop_flat_map(|letters| {
                let byte = prop::sample::select(letters.to_vec());
                prop::collection::vec(byte.clone(), 0..80).prop_flat_map(move |old| {
                    let touches = prop::collection::vec(
                        (
                            prop::bool::weighted(0.12),
                            byte.clone(),
                            prop::bool::weighted(0.3),
                        ),
                        old.len(),
                    );
                    (Just(old), touches)
                })
            })
            .prop_map(|(old, touches)| {
                let mut edits: Vec<(usize, Vec<u8>)> = Vec::new();
                let mut previous_touched = false;
                for (at, &(touched, byte, cut)) in touches.iter().enumerate() {
                    match edits.last_mut() {
                        Some(edit) if touched && previous_touched && !cut => edit.1.push(byte),
                        _ if touched => edits.push((at, vec![byte])),
                        _ => {}
                    }
                    previous_touched = touched;
                }
                (old, edits)
            })
    }

    /// Whether GNU diff may pair lines its own way (see the module doc):
    /// when a changed line, old or new, is also a line of the other file,
    /// there may be other alignments as short as ours. Changed lines come
    /// from our diff with the whole file as context; a line is compared
    /// with its newline (or without, when it has none).
    fn ambiguous(old: &[u8], edits: &[(usize, &[u8])]) -> bool {
        let options = Options {
            context: 1 << 20,
            color: false,
        };
        let (full, _) = ours(old, edits, options);
        let new = apply(old, edits);
        let lines_of = |bytes: &[u8]| -> Vec<Vec<u8>> {
            bytes
                .split_inclusive(|&b| b == b'\n')
                .map(<[u8]>::to_vec)
                .collect()
        };
        let (old_lines, new_lines) = (lines_of(old), lines_of(&new));
        let mut lines = full.split_inclusive('\n').skip(2).peekable();
        while let Some(line) = lines.next() {
            let line = match lines.peek() {
                Some(next) if next.starts_with('\\') => line.trim_end_matches('\n'),
                _ => line,
            };
            let text = line.as_bytes()[1..].to_vec();
            let in_other = match line.as_bytes()[0] {
                b'-' => new_lines.contains(&text),
                b'+' => old_lines.contains(&text),
                _ => false,
            };
            if in_other {
                return true;
            }
        }
        false
    }

    /// Whether GNU patch turns `old` into `new` with `diff`.
    fn patch_applies(old: &[u8], new: &[u8], diff: &str) -> bool {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), old).unwrap();
        let mut child = Command::new("patch")
            .args(["-p1", "--quiet", "--batch", "--no-backup-if-mismatch"])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("GNU patch runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(diff.as_bytes())
            .unwrap();
        child.wait().unwrap().success() && std::fs::read(dir.path().join("x")).unwrap() == new
    }

    /// Whether `tool` runs here. When it does not, says so by name; under
    /// CI=true (where .ci/run installs it) that is a failure.
    fn have(tool: &str, test: &str) -> bool {
        let runs = Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success());
        if !runs {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(!ci, "{test} must run under CI=true but {tool} is missing");
            eprintln!("SKIPPED {test}: {tool} is missing");
        }
        runs
    }

    #[test]
    fn the_same_as_gnu_diff() {
        let test = "the_same_as_gnu_diff";
        if !have("diff", test) || !have("patch", test) {
            return;
        }
        let config = ProptestConfig::with_cases(1000);
        let mut runner = proptest::test_runner::TestRunner::new(config);
        let result = runner.run(&(file_and_edits(), 0usize..5), |((old, edits), context)| {
            let edits: Vec<(usize, &[u8])> =
                edits.iter().map(|(at, new)| (*at, &new[..])).collect();
            let options = Options {
                context,
                color: false,
            };
            let (text, _) = ours(&old, &edits, options);
            let new = apply(&old, &edits);
            let show = (String::from_utf8_lossy(&old), String::from_utf8_lossy(&new));
            if !ambiguous(&old, &edits) {
                prop_assert_eq!(&text, &gnu(&old, &new, context), "old, new: {:?}", show);
            }
            prop_assert!(text.is_empty() == (old == new));
            prop_assert!(
                old == new || patch_applies(&old, &new, &text),
                "{:?}\n{}",
                show,
                text
            );
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
    }
}
