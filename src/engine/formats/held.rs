//! A patch's regions held between reading and writing: in file order, never
//! overlapping, a later write over an earlier one winning (IPS, PPF).

use std::collections::BTreeMap;

use super::Region;

/// The regions of a patch read so far, by offset. Memory is bounded by
/// the bytes the patch changes (each byte held once, whatever the number
/// of records that wrote it), which the file's size bounds.
#[derive(Debug, Default)]
pub struct Held {
    regions: BTreeMap<u64, Region>,
}

impl Held {
    /// Adds `region`, cutting back whatever it overlaps: the readers of the
    /// formats that carry old bytes refuse a byte written twice, so only
    /// regions without old bytes (IPS, PPF without undo data) overlap.
    pub fn insert(&mut self, region: Region) {
        if region.new.is_empty() {
            return;
        }
        let (start, end) = (region.offset, region.end());
        if let Some((&at, before)) = self.regions.range(..start).next_back()
            && before.end() > start
        {
            let mut before = self.regions.remove(&at).expect("the region just found");
            if before.end() > end {
                self.keep(cut(&mut before, end));
            }
            cut(&mut before, start);
            self.keep(before);
        }
        let inside: Vec<u64> = self.regions.range(start..end).map(|(&at, _)| at).collect();
        for at in inside {
            let mut covered = self.regions.remove(&at).expect("the region just found");
            if covered.end() > end {
                self.keep(cut(&mut covered, end));
            }
        }
        self.keep(region);
    }

    fn keep(&mut self, region: Region) {
        self.regions.insert(region.offset, region);
    }

    /// The regions, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    pub fn len(&self) -> usize {
        self.regions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The bytes held, each counted once.
    pub fn bytes(&self) -> u64 {
        self.regions.values().map(|r| r.new.len() as u64).sum()
    }
}

/// Cuts `region` at `at` (inside it): it keeps what lies before, and what
/// lies after is returned.
fn cut(region: &mut Region, at: u64) -> Region {
    let split = (at - region.offset) as usize;
    Region {
        offset: at,
        old: region.old.as_mut().map(|old| old.split_off(split)),
        new: region.new.split_off(split),
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

    /// What the held regions write over a file of `len` zeros.
    fn applied(held: &Held, len: usize) -> Vec<u8> {
        let mut out = vec![b'.'; len];
        let mut last_end = 0;
        for r in held.iter() {
            assert!(r.offset >= last_end, "regions overlap or are out of order");
            last_end = r.end();
            out[r.offset as usize..r.end() as usize].copy_from_slice(&r.new);
        }
        out
    }

    #[test]
    fn a_later_write_wins_and_nothing_overlaps() {
        let mut held = Held::default();
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
        assert_eq!(held.bytes(), 10);
        assert_eq!(held.len(), 3);
    }

    #[test]
    fn an_endless_run_of_writes_to_one_place_holds_one_region() {
        let mut held = Held::default();
        for i in 0..10_000u32 {
            held.insert(region(0, &i.to_le_bytes()));
        }
        assert_eq!(held.len(), 1);
        assert_eq!(held.iter().next().unwrap().new, 9_999u32.to_le_bytes());
    }

    proptest::proptest! {
        #[test]
        fn writes_in_any_order_give_what_writing_them_in_turn_gives(
            writes in proptest::collection::vec((0usize..60, 0usize..20, proptest::num::u8::ANY), 0..30)
        ) {
            let mut naive = vec![b'.'; 80];
            let mut held = Held::default();
            for (at, len, byte) in writes {
                naive[at..at + len].fill(byte);
                held.insert(region(at as u64, &vec![byte; len]));
            }
            proptest::prop_assert_eq!(applied(&held, 80), naive);
        }
    }
}
