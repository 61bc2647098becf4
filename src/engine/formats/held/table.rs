//! Regions that came out of file order, held in memory by offset until
//! there are a few MiB of them: a later write over an earlier one wins.

use std::collections::BTreeMap;
use std::io;

use super::HeldRegion;
use super::log::Log;
use crate::engine::formats::Region;

/// The bytes no region uses any more, past which they are dropped.
const DEAD_SLACK: usize = 64 << 10;

/// Regions by offset, their bytes back to back in one buffer (a few dozen
/// bytes a region besides its own, where a region of its own vectors would
/// cost a hundred and more); each byte held once, whatever the number of
/// records that wrote it.
#[derive(Debug, Default)]
pub(crate) struct Table {
    /// Each region's place in `bytes`, by its offset in the file.
    index: BTreeMap<u64, Slot>,
    bytes: Vec<u8>,
    /// Bytes of `bytes` that no region uses (cut by a later write).
    dead: usize,
}

/// Where a region's bytes are: its new bytes at `at`, its old ones (if it
/// has them) at `old_at`.
#[derive(Debug, Clone, Copy)]
struct Slot {
    at: usize,
    old_at: Option<usize>,
    len: usize,
}

impl Slot {
    /// The slot of the region's bytes from `skip` on.
    fn from(self, skip: usize) -> Slot {
        Slot {
            at: self.at + skip,
            old_at: self.old_at.map(|at| at + skip),
            len: self.len - skip,
        }
    }

    /// The bytes it takes in the buffer.
    fn weight(&self, len: usize) -> usize {
        len * (1 + usize::from(self.old_at.is_some()))
    }
}

impl Table {
    /// Adds `region`, cutting back whatever it overlaps: the readers of the
    /// formats that carry old bytes refuse a byte written twice, so only
    /// regions without old bytes (IPS, PPF without undo data) overlap.
    pub fn insert(&mut self, region: Region) {
        if region.new.is_empty() {
            return;
        }
        let (start, end) = (region.offset, region.end());
        // Most patches come in file order: nothing to cut.
        let last_end = self
            .index
            .last_key_value()
            .map_or(0, |(&at, slot)| at + slot.len as u64);
        if start < last_end {
            self.cut(start, end);
        }
        let at = self.bytes.len();
        self.bytes.extend_from_slice(&region.new);
        let old_at = region.old.map(|old| {
            self.bytes.extend_from_slice(&old);
            at + region.new.len()
        });
        let len = region.new.len();
        self.index.insert(start, Slot { at, old_at, len });
        if self.dead > DEAD_SLACK && self.dead > self.bytes.len() / 2 {
            self.compact();
        }
    }

    /// Cuts `[start, end)` out of the regions held.
    fn cut(&mut self, start: u64, end: u64) {
        if let Some((&at, &slot)) = self.index.range(..start).next_back() {
            let slot_end = at + slot.len as u64;
            if slot_end > start {
                let kept = (start - at) as usize;
                if slot_end > end {
                    let tail = slot.from((end - at) as usize);
                    self.index.insert(end, tail);
                }
                let cut = (slot_end.min(end) - start) as usize;
                self.dead += slot.weight(cut);
                self.index.insert(at, Slot { len: kept, ..slot });
            }
        }
        while let Some((&at, &slot)) = self.index.range(start..end).next() {
            self.index.remove(&at);
            let slot_end = at + slot.len as u64;
            let cut = (slot_end.min(end) - at) as usize;
            self.dead += slot.weight(cut);
            if slot_end > end {
                self.index.insert(end, slot.from(cut));
            }
        }
    }

    /// Drops the bytes no region uses.
    fn compact(&mut self) {
        let mut bytes = Vec::with_capacity(self.bytes.len() - self.dead);
        for slot in self.index.values_mut() {
            let at = bytes.len();
            bytes.extend_from_slice(&self.bytes[slot.at..slot.at + slot.len]);
            slot.old_at = slot.old_at.map(|old_at| {
                bytes.extend_from_slice(&self.bytes[old_at..old_at + slot.len]);
                at + slot.len
            });
            slot.at = at;
        }
        self.bytes = bytes;
        self.dead = 0;
    }

    /// The regions, in file order.
    pub fn iter(&self) -> impl Iterator<Item = HeldRegion<'_>> {
        self.index.iter().map(|(&offset, slot)| HeldRegion {
            offset,
            old: slot.old_at.map(|at| &self.bytes[at..at + slot.len]),
            new: &self.bytes[slot.at..slot.at + slot.len],
        })
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The memory it takes: its bytes, and its index at about 64 bytes
    /// an entry.
    pub fn weight(&self) -> usize {
        self.bytes.len() + 64 * self.index.len()
    }

    /// Its regions, in file order, as a log.
    pub fn into_log(self) -> io::Result<Log> {
        let mut log = Log::default();
        for region in self.iter() {
            log.push(region.offset, region.new, region.old)?;
        }
        Ok(log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(offset: u64, new: &[u8]) -> Region {
        Region {
            offset,
            old: None,
            new: new.to_vec(),
        }
    }

    /// What the held regions write over a file of dots.
    fn applied(held: &Table, len: usize) -> Vec<u8> {
        let mut out = vec![b'.'; len];
        let mut last_end = 0;
        for r in held.iter() {
            assert!(r.offset >= last_end, "regions overlap or are out of order");
            last_end = r.end();
            out[r.offset as usize..r.end() as usize].copy_from_slice(r.new);
            if let Some(old) = r.old {
                assert_eq!(old.len(), r.new.len());
            }
        }
        out
    }

    #[test]
    fn a_later_write_wins_and_nothing_overlaps() {
        let mut held = Table::default();
        held.insert(region(2, b"aaaaaa"));
        held.insert(region(4, b"bb"));
        assert_eq!(applied(&held, 10), b"..aabbaa..");
        held.insert(region(0, b"ccc"));
        assert_eq!(applied(&held, 10), b"cccabbaa..");
        held.insert(region(1, b"dddddddd"));
        assert_eq!(applied(&held, 10), b"cdddddddd.");
        held.insert(region(9, b""));
        held.insert(region(9, b"e"));
        assert_eq!(applied(&held, 10), b"cdddddddde");
        assert_eq!(held.len(), 3);
    }

    #[test]
    fn old_bytes_stay_with_their_new_ones() {
        let mut held = Table::default();
        held.insert(Region {
            offset: 10,
            old: Some(b"abc".to_vec()),
            new: b"xyz".to_vec(),
        });
        held.insert(region(0, b"q"));
        let regions: Vec<_> = held.iter().collect();
        assert_eq!(regions[1].old, Some(&b"abc"[..]));
        assert_eq!(regions[1].new, b"xyz");
    }

    #[test]
    fn an_endless_run_of_writes_to_one_place_holds_one_region() {
        let mut held = Table::default();
        for i in 0..100_000u32 {
            held.insert(region(0, &i.to_le_bytes()));
            held.insert(region(2, &i.to_le_bytes()));
        }
        assert_eq!(held.len(), 2);
        let regions: Vec<_> = held.iter().collect();
        assert_eq!(regions[1].new, 99_999u32.to_le_bytes());
        assert!(
            held.bytes.len() < 2 * DEAD_SLACK + 64,
            "{}",
            held.bytes.len()
        );
    }

    proptest::proptest! {
        #[test]
        fn writes_in_any_order_give_what_writing_them_in_turn_gives(
            writes in proptest::collection::vec((0usize..60, 0usize..20, proptest::num::u8::ANY), 0..30)
        ) {
            let mut naive = vec![b'.'; 80];
            let mut held = Table::default();
            for (at, len, byte) in writes {
                naive[at..at + len].fill(byte);
                held.insert(region(at as u64, &vec![byte; len]));
            }
            proptest::prop_assert_eq!(applied(&held, 80), naive.clone());
            held.compact();
            proptest::prop_assert_eq!(applied(&held, 80), naive);
        }
    }
}
