//! The patch files of `mpatch diff` and `mpatch apply`: writing and reading
//! mpatch's own format, and reading `cmp -l` output. Pure code, no I/O.
//!
//! mpatch's format is text, one line each:
//!
//! ```text
//! mpatch patch 1 size 1048576
//! 8000 7400 9090
//! ```
//!
//! the header (format version 1, the size of the file the patch was made
//! for), then one line per region: its byte offset in decimal, the old
//! bytes and the new bytes in lowercase hex, as long as each other. Blank
//! lines and lines starting with `#` are skipped. Regions are in ascending
//! order and never overlap. `cmp -l` output (a 1-based decimal offset and
//! the octal old and new byte, one byte a line) has no header; its bytes at
//! consecutive offsets are joined into regions.

use std::fmt::Write as _;
use std::io::BufRead;

/// The first word of mpatch's header, and its version.
pub const MAGIC: &str = "mpatch patch";
pub const VERSION: u32 = 1;
/// The longest line a patch may hold, its newline included.
pub const MAX_LINE: usize = 1 << 20;
/// The most bytes one region holds: a line of a region this long (its
/// offset and two hex runs) stays far below [`MAX_LINE`]. `diff` cuts
/// longer changes into regions of this size; `cmp -l` bytes are joined up
/// to it.
pub const MAX_REGION: usize = 64 << 10;

/// One changed stretch of the file: `old` is replaced by `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub offset: u64,
    pub old: Vec<u8>,
    pub new: Vec<u8>,
}

impl Region {
    pub fn end(&self) -> u64 {
        self.offset + self.old.len() as u64
    }
}

/// Which format a patch was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Mpatch,
    CmpList,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub format: Format,
    /// The size of the file it was made for (`cmp -l` says none).
    pub size: Option<u64>,
    /// In ascending order, not overlapping.
    pub regions: Vec<Region>,
}

/// Why a patch cannot be read; `line` counts from 1 (0: no line, the
/// input as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    pub line: u64,
    pub reason: String,
}

/// The header line of a patch for a file of `size` bytes.
pub fn header(size: u64) -> String {
    format!("{MAGIC} {VERSION} size {size}\n")
}

/// Appends the line of one region to `out`.
pub fn write_region(out: &mut String, offset: u64, old: &[u8], new: &[u8]) {
    debug_assert_eq!(old.len(), new.len());
    let _ = write!(out, "{offset} ");
    push_hex(out, old);
    out.push(' ');
    push_hex(out, new);
    out.push('\n');
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
}

/// Changed bytes separated by at most this many unchanged ones share a
/// region: a region's line costs its offset and two spaces (about 12
/// characters) and each unchanged byte inside one costs 4 hex digits.
pub const GAP: usize = 4;

/// The changed regions of `old` against `new` (as long as each other) in
/// `[from, to)`, as `(start, end)` pairs, appended to `out` until it holds
/// `limit` of them; returns where it stopped (`to` when done). `from` must
/// be a multiple of [`MAX_REGION`]: regions never cross one, so a range cut
/// at such multiples gives the same regions in pieces as in one go.
pub fn changed_regions(
    old: &[u8],
    new: &[u8],
    from: usize,
    to: usize,
    limit: usize,
    out: &mut Vec<(usize, usize)>,
) -> usize {
    debug_assert!(from.is_multiple_of(MAX_REGION));
    let mut block = from;
    while block < to {
        if out.len() >= limit {
            return block;
        }
        let end = to.min(block + MAX_REGION);
        // The common case, an unchanged block, at memcmp's speed.
        if old[block..end] != new[block..end] {
            block_regions(&old[block..end], &new[block..end], block, out);
        }
        block = end;
    }
    to
}

/// The regions of one block, offsets from `base`.
fn block_regions(old: &[u8], new: &[u8], base: usize, out: &mut Vec<(usize, usize)>) {
    let mut i = 0;
    let mut open: Option<(usize, usize)> = None;
    while i < old.len() {
        // Skip equal 8-byte words quickly.
        if i + 8 <= old.len() && old[i..i + 8] == new[i..i + 8] {
            i += 8;
            continue;
        }
        if old[i] != new[i] {
            open = match open {
                Some((start, end)) if i - end <= GAP => Some((start, i + 1)),
                Some(done) => {
                    out.push((base + done.0, base + done.1));
                    Some((i, i + 1))
                }
                None => Some((i, i + 1)),
            };
        }
        i += 1;
    }
    if let Some((start, end)) = open {
        out.push((base + start, base + end));
    }
}

/// Reads a patch in either format: one that starts (after blank and `#`
/// lines) with mpatch's header is mpatch's; otherwise it is read as
/// `cmp -l` output. An empty input is an error.
pub fn parse(mut input: impl BufRead) -> Result<Patch, PatchError> {
    let mut reader = Lines {
        input: &mut input,
        line: 0,
        buf: Vec::new(),
    };
    let mut patch: Option<Patch> = None;
    let mut last_end = 0u64;
    while let Some((line, text)) = reader.next_line()? {
        let error = |reason: String| PatchError { line, reason };
        let text = std::str::from_utf8(text)
            .map_err(|_| error("is not text (not UTF-8)".into()))?
            .trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let patch = match &mut patch {
            Some(patch) => patch,
            None => {
                let started = match text.strip_prefix(MAGIC) {
                    Some(rest) => Patch {
                        format: Format::Mpatch,
                        size: Some(parse_header(rest).map_err(error)?),
                        regions: Vec::new(),
                    },
                    None => Patch {
                        format: Format::CmpList,
                        size: None,
                        regions: Vec::new(),
                    },
                };
                let first = patch.insert(started);
                if first.format == Format::Mpatch {
                    continue;
                }
                first
            }
        };
        match patch.format {
            Format::Mpatch => {
                let region = parse_region(text).map_err(error)?;
                if region.offset < last_end && !patch.regions.is_empty() {
                    return Err(error(format!(
                        "the region at offset {} overlaps or comes before the one ending at {last_end}; regions must be in ascending order",
                        region.offset
                    )));
                }
                last_end = region.end();
                patch.regions.push(region);
            }
            Format::CmpList => {
                let (offset, old, new) = parse_cmp_line(text).map_err(error)?;
                if offset < last_end && !patch.regions.is_empty() {
                    return Err(error(format!(
                        "byte {} comes before byte {last_end}; cmp -l lines must be in ascending order",
                        offset + 1
                    )));
                }
                last_end = offset + 1;
                match patch.regions.last_mut() {
                    Some(region) if region.end() == offset && region.old.len() < MAX_REGION => {
                        region.old.push(old);
                        region.new.push(new);
                    }
                    _ => patch.regions.push(Region {
                        offset,
                        old: vec![old],
                        new: vec![new],
                    }),
                }
            }
        }
    }
    patch.ok_or(PatchError {
        line: 0,
        reason: "is empty: no mpatch header and no cmp -l line".into(),
    })
}

/// `1 size N` after the magic words.
fn parse_header(rest: &str) -> Result<u64, String> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    match words[..] {
        [version, "size", size] => {
            if version != VERSION.to_string() {
                return Err(format!(
                    "is a patch of format version {version}; this mpatch reads version {VERSION}"
                ));
            }
            size.parse()
                .map_err(|_| format!("the size {size:?} is not a number of bytes"))
        }
        _ => Err(format!(
            "is not a valid header (expected \"{MAGIC} {VERSION} size BYTES\")"
        )),
    }
}

/// One region line of mpatch's format: `OFFSET OLD-HEX NEW-HEX`.
pub(crate) fn parse_region(text: &str) -> Result<Region, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [offset, old, new] = words[..] else {
        return Err("expected three fields: OFFSET OLD-HEX NEW-HEX".into());
    };
    let offset: u64 = offset
        .parse()
        .map_err(|_| format!("the offset {offset:?} is not a decimal number"))?;
    let old = parse_hex(old).map_err(|e| format!("the old bytes: {e}"))?;
    let new = parse_hex(new).map_err(|e| format!("the new bytes: {e}"))?;
    if old.len() != new.len() {
        return Err(format!(
            "the old bytes are {} and the new {}; they must be the same length",
            old.len(),
            new.len()
        ));
    }
    if old.is_empty() {
        return Err("the region is empty".into());
    }
    if offset.checked_add(old.len() as u64).is_none() {
        return Err(format!("the region at offset {offset} runs past 2^64"));
    }
    Ok(Region { offset, old, new })
}

fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err("an odd number of hex digits".into());
    }
    digits
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            let value = |d: u8| (d as char).to_digit(16);
            match (value(pair[0]), value(pair[1])) {
                (Some(hi), Some(lo)) => Ok((hi << 4 | lo) as u8),
                _ => Err(format!(
                    "{:?} at digit {} is not hex",
                    String::from_utf8_lossy(pair),
                    2 * i + 1
                )),
            }
        })
        .collect()
}

/// One `cmp -l` line: the 0-based offset, the old and the new byte.
pub(crate) fn parse_cmp_line(text: &str) -> Result<(u64, u8, u8), String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [offset, old, new] = words[..] else {
        return Err(
            "is neither an mpatch patch (no header) nor cmp -l output (OFFSET OLD NEW)".into(),
        );
    };
    let offset: u64 = match offset.parse() {
        Ok(n) if n >= 1 => n,
        _ => {
            return Err(format!(
                "the offset {offset:?} is not a 1-based decimal byte number (cmp -l)"
            ));
        }
    };
    let byte = |word: &str| {
        u8::from_str_radix(word, 8)
            .map_err(|_| format!("{word:?} is not an octal byte value 0 to 377 (cmp -l)"))
    };
    Ok((offset - 1, byte(old)?, byte(new)?))
}

/// Lines of at most [`MAX_LINE`] bytes.
struct Lines<'a, R: BufRead> {
    input: &'a mut R,
    line: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> Lines<'_, R> {
    fn next_line(&mut self) -> Result<Option<(u64, &[u8])>, PatchError> {
        self.buf.clear();
        self.line += 1;
        let line = self.line;
        let read = <&mut R as std::io::Read>::take(&mut *self.input, MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| PatchError {
                line,
                reason: format!("cannot be read: {}", crate::error::plain_reason(&e)),
            })?;
        if read == 0 {
            return Ok(None);
        }
        if self.buf.len() > MAX_LINE {
            return Err(PatchError {
                line,
                reason: format!("is longer than {} MiB", MAX_LINE >> 20),
            });
        }
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        }
        Ok(Some((line, &self.buf)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(offset: u64, old: &[u8], new: &[u8]) -> Region {
        Region {
            offset,
            old: old.to_vec(),
            new: new.to_vec(),
        }
    }

    /// The oracle: every differing byte, joined greedily when at most GAP
    /// equal bytes lie between and both sit in one MAX_REGION block.
    fn naive_regions(old: &[u8], new: &[u8]) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for i in (0..old.len()).filter(|&i| old[i] != new[i]) {
            match out.last_mut() {
                Some(last) if i - last.1 <= GAP && i / MAX_REGION == last.0 / MAX_REGION => {
                    last.1 = i + 1
                }
                _ => out.push((i, i + 1)),
            }
        }
        out
    }

    /// Applies a patch to a copy of `file`, as apply does after its checks.
    fn naive_apply(patch: &Patch, file: &[u8]) -> Vec<u8> {
        let mut out = file.to_vec();
        for r in &patch.regions {
            assert_eq!(&file[r.offset as usize..r.end() as usize], &r.old[..]);
            out[r.offset as usize..r.end() as usize].copy_from_slice(&r.new);
        }
        out
    }

    /// The patch that undoes `patch`: every region's old and new swapped.
    fn reversed(mut patch: Patch) -> Patch {
        for region in &mut patch.regions {
            std::mem::swap(&mut region.old, &mut region.new);
        }
        patch
    }

    fn diff_text(old: &[u8], new: &[u8], limit: usize) -> String {
        let mut text = header(old.len() as u64);
        let mut from = 0;
        while from < old.len() {
            let mut found = Vec::new();
            from = changed_regions(old, new, from, old.len(), limit, &mut found);
            for (start, end) in found {
                write_region(&mut text, start as u64, &old[start..end], &new[start..end]);
            }
        }
        text
    }

    proptest::proptest! {
        #[test]
        fn apply_of_diff_gives_the_new_file(
            old in proptest::collection::vec(0u8..4, 0..150_000),
            edits in proptest::collection::vec((0usize..200_000, 0usize..20, 0u8..4), 0..40),
            limit in 1usize..5,
        ) {
            let mut new = old.clone();
            for (at, len, byte) in edits {
                let at = at.min(new.len());
                let end = (at + len).min(new.len());
                new[at..end].iter_mut().for_each(|b| *b = byte);
            }
            let mut regions = Vec::new();
            let mut from = 0;
            while from < old.len() {
                let mut batch = Vec::new();
                from = changed_regions(&old, &new, from, old.len(), limit, &mut batch);
                proptest::prop_assert!(!batch.is_empty() || from == old.len());
                regions.extend(batch);
            }
            proptest::prop_assert_eq!(&regions, &naive_regions(&old, &new));
            let patch = parse(diff_text(&old, &new, limit).as_bytes()).unwrap();
            proptest::prop_assert_eq!(patch.size, Some(old.len() as u64));
            proptest::prop_assert_eq!(naive_apply(&patch, &old), new.clone());
            proptest::prop_assert_eq!(naive_apply(&reversed(patch), &new), old);
        }
    }

    #[test]
    fn a_written_patch_reads_back() {
        let mut text = header(100);
        write_region(&mut text, 8, &[0x74, 0x00], &[0x90, 0x90]);
        write_region(&mut text, 50, b"a", b"b");
        assert_eq!(text, "mpatch patch 1 size 100\n8 7400 9090\n50 61 62\n");
        let patch = parse(format!("# made by hand\n\n{text}").as_bytes()).unwrap();
        assert_eq!(patch.format, Format::Mpatch);
        assert_eq!(patch.size, Some(100));
        assert_eq!(
            patch.regions,
            vec![region(8, &[0x74, 0], &[0x90, 0x90]), region(50, b"a", b"b")]
        );
        let reversed = reversed(patch);
        assert_eq!(reversed.regions[1], region(50, b"b", b"a"));
    }

    #[test]
    fn cmp_lines_are_joined_into_regions() {
        let text = "     1 141 142\n     2 142 143\n    10   0 377\n";
        let patch = parse(text.as_bytes()).unwrap();
        assert_eq!(patch.format, Format::CmpList);
        assert_eq!(patch.size, None);
        assert_eq!(
            patch.regions,
            vec![region(0, b"ab", b"bc"), region(9, &[0], &[0xff])]
        );
    }

    #[test]
    fn long_cmp_runs_are_cut_at_the_region_limit() {
        let mut text = String::new();
        for i in 0..MAX_REGION + 3 {
            text.push_str(&format!("{} 1 2\n", i + 1));
        }
        let patch = parse(text.as_bytes()).unwrap();
        assert_eq!(patch.regions.len(), 2);
        assert_eq!(patch.regions[0].old.len(), MAX_REGION);
        assert_eq!(patch.regions[1].offset, MAX_REGION as u64);
    }

    fn error_of(text: &str) -> PatchError {
        parse(text.as_bytes()).unwrap_err()
    }

    #[test]
    fn errors_name_the_line_and_the_reason() {
        let head = "mpatch patch 1 size 10\n";
        let cases = [
            ("mpatch patch 2 size 10\n", 1, "version 2"),
            ("mpatch patch 1 size ten\n", 1, "not a number"),
            ("mpatch patch 1\n", 1, "not a valid header"),
            (&format!("{head}1 aa\n"), 2, "three fields"),
            (&format!("{head}x aa bb\n"), 2, "not a decimal"),
            (&format!("{head}1 aaa bbb\n"), 2, "odd number"),
            (&format!("{head}1 zz bb\n"), 2, "not hex"),
            (&format!("{head}1 aa bbcc\n"), 2, "same length"),
            (&format!("{head}\n4 aabb ccdd\n5 aa bb\n"), 4, "ascending"),
            (&format!("{head}18446744073709551615 aa bb\n"), 2, "2^64"),
            ("1 141\n", 1, "neither"),
            ("0 141 142\n", 1, "1-based"),
            ("1 400 142\n", 1, "octal"),
            ("2 1 2\n1 1 2\n", 2, "ascending"),
            ("", 0, "empty"),
            ("# only a comment\n", 0, "empty"),
        ];
        for (text, line, reason) in cases {
            let error = error_of(text);
            assert_eq!(error.line, line, "{text:?}: {error:?}");
            assert!(error.reason.contains(reason), "{text:?}: {error:?}");
        }
        let binary = error_of("mpatch patch 1 size 1\n\u{0}\u{0}\n");
        assert_eq!(binary.line, 2);
        let mut bytes = b"mpatch patch 1 size 1\n".to_vec();
        bytes.push(0xff);
        assert!(parse(&bytes[..]).unwrap_err().reason.contains("not text"));
    }

    #[test]
    fn a_line_over_the_limit_is_an_error_not_memory() {
        let mut text = header(1);
        text.push_str(&"a".repeat(MAX_LINE + 10));
        let error = error_of(&text);
        assert_eq!(error.line, 2);
        assert!(error.reason.contains("longer than 1 MiB"), "{error:?}");
        // A line of exactly the limit, newline included, is read.
        let mut text = header(1);
        let body = format!("0 {} {}", "a".repeat(8), "b".repeat(8));
        text.push_str(&body);
        text.push_str(&" ".repeat(MAX_LINE - body.len() - 1));
        text.push('\n');
        assert_eq!(parse(text.as_bytes()).unwrap().regions.len(), 1);
    }
}
