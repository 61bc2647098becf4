//! mpatch's own format and `cmp -l` through the formats interface, each line
//! read by patchfile.rs; and the text formats' joining of bytes into regions.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;

use crate::engine::patchfile::{self, MAGIC, MAX_LINE};

use super::write::{WriteError, WriteSpec};
use super::{Context, ErrorKind, Format, FormatError, Header, MAX_REGION, Region, past_end};

/// The byte ranges written so far, joined where they touch: a second
/// write to a byte is refused (compare-and-swap formats).
#[derive(Default)]
pub(crate) struct Claimed {
    ranges: BTreeMap<u64, u64>,
}

impl Claimed {
    /// Claims `[offset, offset + len)`; false if any byte was claimed.
    pub fn claim(&mut self, offset: u64, len: u64) -> bool {
        let end = offset + len;
        let before = self
            .ranges
            .range(..=offset)
            .next_back()
            .map(|(&s, &e)| (s, e));
        if before.is_some_and(|(_, e)| e > offset) {
            return false;
        }
        let after = self.ranges.range(offset..).next().map(|(&s, &e)| (s, e));
        if after.is_some_and(|(s, _)| s < end) {
            return false;
        }
        let (mut start, mut stop) = (offset, end);
        if let Some((s, _)) = before.filter(|&(_, e)| e == offset) {
            self.ranges.remove(&s);
            start = s;
        }
        if let Some((s, e)) = after.filter(|&(s, _)| s == end) {
            self.ranges.remove(&s);
            stop = e;
        }
        self.ranges.insert(start, stop);
        true
    }
}

/// Joins bytes at consecutive offsets into regions of at most
/// [`MAX_REGION`] bytes, each checked against the file and the bytes
/// before it.
pub(crate) struct Joiner {
    open: Option<Region>,
    claimed: Claimed,
    /// Require ascending offsets (cmp -l), rather than any order.
    ascending: bool,
    last_end: u64,
    reverse: bool,
    what: &'static str,
}

impl Joiner {
    pub fn new(ascending: bool, reverse: bool, what: &'static str) -> Joiner {
        Joiner {
            open: None,
            claimed: Claimed::default(),
            ascending,
            last_end: 0,
            reverse,
            what,
        }
    }

    /// Adds the byte at `offset`, read at `line`.
    pub fn push(
        &mut self,
        cx: &Context,
        line: u64,
        offset: u64,
        old: u8,
        new: u8,
        out: &mut VecDeque<Region>,
    ) -> Result<(), FormatError> {
        let size = cx.source.len();
        if offset >= size {
            return Err(past_end(line, offset, 1, size));
        }
        let error = |reason: String| FormatError::new(ErrorKind::Corrupt, line, reason);
        if self.ascending && offset < self.last_end {
            let how = match offset + 1 == self.last_end {
                true => "is listed twice".to_string(),
                false => format!("comes after byte {}", self.last_end),
            };
            return Err(error(format!(
                "line {line}: byte {} {how}; {} lines must be in ascending order",
                offset + 1,
                self.what
            )));
        }
        if !self.ascending && !self.claimed.claim(offset, 1) {
            return Err(error(format!(
                "line {line}: offset {offset:#x} is written twice; {} lines must name each byte once",
                self.what
            )));
        }
        self.last_end = offset + 1;
        let (old, new) = match self.reverse {
            true => (new, old),
            false => (old, new),
        };
        match &mut self.open {
            Some(region) if region.end() == offset && region.new.len() < MAX_REGION => {
                region.new.push(new);
                region.old.get_or_insert_with(Vec::new).push(old);
            }
            _ => {
                self.flush(out);
                self.open = Some(Region {
                    offset,
                    old: Some(vec![old]),
                    new: vec![new],
                });
            }
        }
        Ok(())
    }

    pub fn flush(&mut self, out: &mut VecDeque<Region>) {
        out.extend(self.open.take());
    }
}

/// Reads mpatch patches and `cmp -l` output a line at a time.
pub(crate) struct Decoder {
    /// Whether the patch is mpatch's (it had the header), not `cmp -l`.
    mpatch: bool,
    line: u64,
    buf: Vec<u8>,
    /// A line read while sniffing, still to be used.
    first: Option<(u64, String)>,
    joiner: Joiner,
    last_end: u64,
}

impl Decoder {
    pub fn open(cx: &mut Context, format: Format) -> Result<(Decoder, Header), FormatError> {
        let mut decoder = Decoder {
            mpatch: false,
            line: 0,
            buf: Vec::new(),
            first: None,
            joiner: Joiner::new(true, cx.options.reverse, "cmp -l"),
            last_end: 0,
        };
        let Some((line, text)) = decoder.next_line(cx)? else {
            return Err(FormatError::new(
                ErrorKind::Corrupt,
                0,
                "is empty: no mpatch header and no cmp -l line",
            ));
        };
        let is_header = text.starts_with(MAGIC);
        let forced = cx.options.format;
        if forced == Some(Format::Mpatch) && !is_header {
            return Err(corrupt(line, "has no mpatch header".into()));
        }
        if forced == Some(Format::CmpList) && is_header {
            return Err(corrupt(
                line,
                "is an mpatch patch, not cmp -l output".into(),
            ));
        }
        if !is_header || format == Format::CmpList {
            decoder.first = Some((line, text));
            return Ok((decoder, Header::default()));
        }
        let size = patchfile::parse(text.as_bytes())
            .map_err(|e| corrupt(line, e.reason))?
            .size;
        let file = cx.source.len();
        if let Some(size) = size
            && size != file
            && !cx.options.any_size
        {
            return Err(FormatError::new(
                ErrorKind::WrongSize,
                line,
                format!(
                    "is {file} bytes but the patch is for a file of {size} bytes (--any-size applies it anyway)"
                ),
            ));
        }
        decoder.mpatch = true;
        Ok((
            decoder,
            Header {
                size,
                ..Header::default()
            },
        ))
    }

    /// The next line that is not blank or a comment, trimmed.
    fn next_line(&mut self, cx: &mut Context) -> Result<Option<(u64, String)>, FormatError> {
        if let Some(first) = self.first.take() {
            return Ok(Some(first));
        }
        loop {
            let more = cx
                .input
                .line(MAX_LINE, &mut self.buf)
                .map_err(|e| FormatError {
                    at: self.line + 1,
                    reason: format!("line {}: {}", self.line + 1, e.reason),
                    ..e
                })?;
            if !more {
                return Ok(None);
            }
            self.line += 1;
            let text = std::str::from_utf8(&self.buf)
                .map_err(|_| corrupt(self.line, "is not text (not UTF-8)".into()))?
                .trim();
            if !text.is_empty() && !text.starts_with('#') {
                return Ok(Some((self.line, text.to_string())));
            }
        }
    }

    pub fn step(
        &mut self,
        cx: &mut Context,
        out: &mut VecDeque<Region>,
    ) -> Result<bool, FormatError> {
        let Some((line, text)) = self.next_line(cx)? else {
            self.joiner.flush(out);
            return Ok(false);
        };
        if !self.mpatch {
            let (offset, old, new) =
                patchfile::parse_cmp_line(&text).map_err(|reason| corrupt(line, reason))?;
            self.joiner.push(cx, line, offset, old, new, out)?;
            return Ok(true);
        }
        let region = patchfile::parse_region(&text).map_err(|reason| corrupt(line, reason))?;
        let size = cx.source.len();
        if region.end() > size {
            return Err(past_end(line, region.offset, region.old.len() as u64, size));
        }
        if region.offset < self.last_end {
            return Err(corrupt(
                line,
                format!(
                    "the region at offset {} overlaps or comes before the one ending at {}; regions must be in ascending order",
                    region.offset, self.last_end
                ),
            ));
        }
        self.last_end = region.end();
        let (old, new) = match cx.options.reverse {
            true => (region.new, region.old),
            false => (region.old, region.new),
        };
        let pieces = old.chunks(MAX_REGION).zip(new.chunks(MAX_REGION));
        for (i, (old, new)) in pieces.enumerate() {
            out.push_back(Region {
                offset: region.offset + (i * MAX_REGION) as u64,
                old: Some(old.to_vec()),
                new: new.to_vec(),
            });
        }
        Ok(true)
    }
}

fn corrupt(line: u64, reason: String) -> FormatError {
    FormatError::new(ErrorKind::Corrupt, line, format!("line {line}: {reason}"))
}

/// Writes mpatch's format (patchfile.rs's header and region lines) or
/// `cmp -l` lines (one per changed byte, laid out as GNU cmp does).
pub(crate) fn write<'r>(
    out: &mut dyn Write,
    format: Format,
    spec: &WriteSpec,
    regions: &mut dyn Iterator<Item = (u64, &'r [u8], &'r [u8])>,
) -> Result<(), WriteError> {
    let mut text = String::new();
    if format == Format::Mpatch {
        out.write_all(patchfile::header(spec.size).as_bytes())?;
        for (offset, old, new) in regions {
            let pieces = old.chunks(MAX_REGION).zip(new.chunks(MAX_REGION));
            for (i, (old, new)) in pieces.enumerate() {
                text.clear();
                patchfile::write_region(&mut text, offset + (i * MAX_REGION) as u64, old, new);
                out.write_all(text.as_bytes())?;
            }
        }
        return Ok(());
    }
    let width = spec.size.to_string().len();
    for (offset, old, new) in regions {
        text.clear();
        for (i, (a, b)) in old.iter().zip(new).enumerate() {
            if a != b {
                let at = offset + i as u64 + 1;
                text.push_str(&format!("{at:>width$} {a:>3o} {b:>3o}\n"));
            }
        }
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_refuse_a_byte_twice_and_join_neighbours() {
        let mut claimed = Claimed::default();
        assert!(claimed.claim(10, 5));
        assert!(claimed.claim(15, 1));
        assert!(claimed.claim(9, 1));
        assert_eq!(claimed.ranges.len(), 1);
        assert!(!claimed.claim(14, 1));
        assert!(!claimed.claim(0, 10));
        assert!(!claimed.claim(8, 2));
        assert!(claimed.claim(0, 9));
        assert!(claimed.claim(u64::MAX - 1, 1));
        assert_eq!(claimed.ranges.len(), 2);
    }
}
