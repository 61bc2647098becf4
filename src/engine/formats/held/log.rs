//! Regions in file order as compact records in a [`Spill`], and the merge
//! that reads several such runs as one, a later run winning where they meet.

use std::io;

use super::HeldRegion;
use crate::io::map::Mapping;
use crate::io::spill::Spill;

/// Bytes of records a log keeps in memory before the rest go to its file.
const MEMORY: usize = 1 << 20;
/// Bytes of records between two of a log's checkpoints.
const CHECK_EVERY: u64 = 64 << 10;
/// A window of records read at once; one record (at most twice
/// `MAX_REGION` bytes and its head) always fits in the larger one.
const WINDOW: usize = 64 << 10;
const BIG_WINDOW: usize = 2 * super::super::MAX_REGION + 64;

/// Regions appended in file order, never overlapping, each a record: the
/// gap since the last one's end and its length (both LEB128), the length's
/// low bit saying whether its old bytes follow its new ones. A 1-byte
/// change with its old byte takes 4 bytes.
#[derive(Debug)]
pub(crate) struct Log {
    spill: Spill,
    /// The end of the last region.
    end: u64,
    count: usize,
    bytes: u64,
    /// (end of the region before, position) every [`CHECK_EVERY`] bytes,
    /// where [`Log::overlay`] starts reading.
    checks: Vec<(u64, u64)>,
    scratch: Vec<u8>,
}

impl Default for Log {
    fn default() -> Log {
        Log {
            spill: Spill::new(MEMORY),
            end: 0,
            count: 0,
            bytes: 0,
            checks: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

/// A log read back: its records in place, and what they hold.
pub(crate) struct Sealed {
    pub map: Mapping,
    pub count: usize,
    pub bytes: u64,
}

impl Log {
    /// Appends a region at or past [`Log::end`].
    pub fn push(&mut self, offset: u64, new: &[u8], old: Option<&[u8]>) -> io::Result<()> {
        debug_assert!(offset >= self.end && !new.is_empty());
        let pos = self.spill.len();
        if pos >= self.checks.last().map_or(0, |c| c.1) + CHECK_EVERY {
            self.checks.push((self.end, pos));
        }
        let mut head = [0u8; 20];
        let mut n = put_varint(&mut head, 0, offset - self.end);
        let tag = (new.len() as u64) << 1 | u64::from(old.is_some());
        n = put_varint(&mut head, n, tag);
        self.spill.append(&head[..n])?;
        self.spill.append(new)?;
        if let Some(old) = old {
            self.spill.append(old)?;
        }
        self.end = offset + new.len() as u64;
        self.count += 1;
        self.bytes += new.len() as u64;
        Ok(())
    }

    /// Writes the new bytes of the regions that lie in `[from, from +
    /// buf.len())` over `buf`.
    pub fn overlay(&mut self, from: u64, buf: &mut [u8]) -> io::Result<()> {
        let to = from + buf.len() as u64;
        let i = self.checks.partition_point(|&(end, _)| end <= from);
        let (mut prev_end, mut pos) = match i {
            0 => (0, 0),
            i => self.checks[i - 1],
        };
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut want = WINDOW;
        'windows: while pos < self.spill.len() {
            let window = self.spill.window(pos, want, &mut scratch)?;
            let mut at = 0;
            while let Some((rec, next)) = decode(window, at, prev_end) {
                if rec.offset >= to {
                    break 'windows;
                }
                paint(buf, from, rec.offset, rec.new);
                prev_end = rec.offset + rec.new.len() as u64;
                at = next;
            }
            match (at, want) {
                // Not one whole record, even in the large window: the
                // bytes are not records (they cannot be).
                (0, BIG_WINDOW) => break,
                (0, _) => want = BIG_WINDOW,
                _ => want = WINDOW,
            }
            pos += at as u64;
        }
        self.scratch = scratch;
        Ok(())
    }

    /// The records, to read in place.
    pub fn seal(self) -> io::Result<Sealed> {
        Ok(Sealed {
            count: self.count,
            bytes: self.bytes,
            map: self.spill.seal()?,
        })
    }
}

/// Copies the part of `new` (at `offset`) that lies in `buf` (at `from`).
fn paint(buf: &mut [u8], from: u64, offset: u64, new: &[u8]) {
    let to = from + buf.len() as u64;
    let (start, end) = (offset.max(from), (offset + new.len() as u64).min(to));
    if start < end {
        buf[(start - from) as usize..(end - from) as usize]
            .copy_from_slice(&new[(start - offset) as usize..(end - offset) as usize]);
    }
}

/// Writes `value` as LEB128 at `head[at..]`; returns where it ends.
fn put_varint(head: &mut [u8; 20], mut at: usize, mut value: u64) -> usize {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            head[at] = byte;
            return at + 1;
        }
        head[at] = byte | 0x80;
        at += 1;
    }
}

/// The LEB128 value at `bytes[at..]` and where it ends; `None` if it is
/// cut short or longer than a u64.
fn varint(bytes: &[u8], mut at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

/// A record read from a log.
#[derive(Debug, Clone, Copy)]
struct Rec<'a> {
    offset: u64,
    new: &'a [u8],
    old: Option<&'a [u8]>,
}

/// The record at `bytes[at..]` (the one before it ending at `prev_end`)
/// and where the next begins; `None` at the end, or where the bytes are
/// cut short or are not a record (an empty region is never written).
fn decode(bytes: &[u8], at: usize, prev_end: u64) -> Option<(Rec<'_>, usize)> {
    let (gap, at) = varint(bytes, at)?;
    let (tag, at) = varint(bytes, at)?;
    let len = usize::try_from(tag >> 1).ok().filter(|&len| len > 0)?;
    let new_end = at.checked_add(len)?;
    let end = new_end.checked_add(len * usize::from(tag & 1 == 1))?;
    let offset = prev_end.checked_add(gap)?;
    offset.checked_add(len as u64)?;
    let rec = Rec {
        offset,
        new: bytes.get(at..new_end)?,
        old: match tag & 1 {
            1 => Some(bytes.get(new_end..end)?),
            _ => None,
        },
    };
    Some((rec, end))
}

/// One run's records, read in order; the current one may have lost its
/// first `skip` bytes to a later run.
#[derive(Debug)]
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    prev_end: u64,
    cur: Option<Rec<'a>>,
    skip: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Cursor<'a> {
        let mut cursor = Cursor {
            bytes,
            at: 0,
            prev_end: 0,
            cur: None,
            skip: 0,
        };
        cursor.advance();
        cursor
    }

    fn advance(&mut self) {
        self.skip = 0;
        self.cur = decode(self.bytes, self.at, self.prev_end).map(|(rec, next)| {
            self.at = next;
            self.prev_end = rec.offset + rec.new.len() as u64;
            rec
        });
    }

    /// Where what is left of the current record starts.
    fn start(&self) -> Option<u64> {
        self.cur.map(|rec| rec.offset + self.skip as u64)
    }

    /// Drops whatever lies before `end`.
    fn cut_to(&mut self, end: u64) {
        while let Some(rec) = self.cur {
            if rec.offset + rec.new.len() as u64 <= end {
                self.advance();
                continue;
            }
            self.skip = self.skip.max(end.saturating_sub(rec.offset) as usize);
            break;
        }
    }
}

/// Several runs read as one, in file order: where runs overlap, the later
/// run's bytes (the later write) are the ones given.
#[derive(Debug)]
pub struct Merge<'a> {
    /// Oldest first.
    cursors: Vec<Cursor<'a>>,
}

impl<'a> Merge<'a> {
    /// The runs in `runs`, oldest first.
    pub(crate) fn new(runs: impl Iterator<Item = &'a [u8]>) -> Merge<'a> {
        Merge {
            cursors: runs.map(Cursor::new).collect(),
        }
    }
}

impl<'a> Iterator for Merge<'a> {
    type Item = HeldRegion<'a>;

    fn next(&mut self) -> Option<HeldRegion<'a>> {
        let pos = self.cursors.iter().filter_map(Cursor::start).min()?;
        // The latest run with bytes at `pos` wins them, up to its own end
        // or the start of a later run's next bytes.
        let won = self.cursors.iter().rposition(|c| c.start() == Some(pos))?;
        let rec = self.cursors[won].cur?;
        let later = self.cursors[won + 1..].iter().filter_map(Cursor::start);
        let end = later.fold(rec.offset + rec.new.len() as u64, u64::min);
        let (a, b) = ((pos - rec.offset) as usize, (end - rec.offset) as usize);
        for cursor in &mut self.cursors[..=won] {
            cursor.cut_to(end);
        }
        Some(HeldRegion {
            offset: pos,
            old: rec.old.map(|old| &old[a..b]),
            new: &rec.new[a..b],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_bad_ones_are_refused() {
        for value in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut head = [0u8; 20];
            let n = put_varint(&mut head, 3, value);
            assert_eq!(varint(&head[..n], 3), Some((value, n)));
            assert_eq!(varint(&head[..n - 1], 3), None);
        }
        assert_eq!(varint(&[0xff; 11], 0), None);
    }

    #[test]
    fn zeros_and_cut_records_are_not_records() {
        assert!(decode(&[0; 64], 0, 0).is_none());
        let mut log = Log::default();
        log.push(5, b"ab", Some(b"cd")).unwrap();
        let map = log.seal().unwrap().map;
        let bytes = map.bytes();
        assert!(decode(bytes, 0, 0).is_some());
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], 0, 0).is_none(), "{cut}");
        }
    }

    #[test]
    fn an_overlay_paints_the_regions_of_its_range_at_every_distance() {
        let mut log = Log::default();
        let mut naive = vec![b'.'; 3 << 20];
        let mut at = 0u64;
        let mut i = 0u32;
        while at < naive.len() as u64 - 200 {
            let len = 1 + (i * 7919 % 150) as usize;
            let new: Vec<u8> = (0..len).map(|j| (i as usize + j) as u8).collect();
            log.push(at, &new, i.is_multiple_of(3).then_some(&new[..]))
                .unwrap();
            naive[at as usize..at as usize + len].copy_from_slice(&new);
            at += len as u64 + u64::from(i % 5);
            i += 1;
        }
        assert!(log.spill.len() > MEMORY as u64, "it spilled");
        for (from, len) in [(0, 10), (12_345, 70_000), (1 << 20, 3), (3 << 20, 0)] {
            let mut buf = vec![b'.'; len];
            log.overlay(from, &mut buf).unwrap();
            let from = from as usize;
            assert_eq!(buf, &naive[from..from + len], "from {from}");
        }
    }
}
