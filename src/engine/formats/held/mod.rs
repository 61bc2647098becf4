//! A patch's regions held between reading and writing: in file order, never
//! overlapping, a later write over an earlier one winning (IPS, PPF).
//!
//! Memory stays bounded whatever the patch: regions that come in file
//! order (nearly every patch) are appended as compact records to a log,
//! which past 1 MiB goes on in an unlinked temporary file; those that come
//! out of order wait in a table, which past 8 MiB becomes a run of its own.
//! Reading them back merges the runs, each later run winning where they
//! overlap, and merges the runs into one when there are too many, so an
//! endless patch of writes over the same bytes holds each byte once.

mod log;
mod table;

use std::io;

use super::Region;
use crate::io::map::Mapping;
pub(crate) use log::Log;
pub use log::Merge;
use table::Table;

/// Out-of-order regions held in memory before they become a run.
const TABLE_MEMORY: usize = 8 << 20;
/// Runs of out-of-order regions kept apart before they are merged into one.
const RUNS_MAX: usize = 8;
// The most runs mapped at once (the log, the runs, the one being merged)
// fit in the SIGBUS guard's table.
const _: () = assert!(RUNS_MAX + 2 <= crate::io::spill::MAPPINGS_MAX);

/// A held region, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldRegion<'h> {
    pub offset: u64,
    pub old: Option<&'h [u8]>,
    pub new: &'h [u8],
}

impl HeldRegion<'_> {
    /// The offset just past the region.
    pub fn end(&self) -> u64 {
        self.offset + self.new.len() as u64
    }
}

/// The regions of a patch being read.
#[derive(Debug)]
pub struct Held {
    /// Regions that came in file order: none overlaps one before it.
    main: Log,
    /// Out-of-order regions, in runs, oldest first.
    runs: Vec<Log>,
    /// The latest out-of-order regions.
    table: Table,
    table_memory: usize,
    /// The end of the furthest region so far.
    end: u64,
}

impl Default for Held {
    fn default() -> Held {
        Held::with_limits(TABLE_MEMORY)
    }
}

impl Held {
    fn with_limits(table_memory: usize) -> Held {
        Held {
            main: Log::default(),
            runs: Vec::new(),
            table: Table::default(),
            table_memory,
            end: 0,
        }
    }

    /// Adds `region`, in place of whatever earlier regions it overlaps.
    pub fn insert(&mut self, region: Region) -> io::Result<()> {
        if region.new.is_empty() {
            return Ok(());
        }
        if region.offset >= self.end {
            // Past everything so far: it overlaps nothing, so it may go
            // with the oldest and still win nothing it should not.
            self.end = region.end();
            return self
                .main
                .push(region.offset, &region.new, region.old.as_deref());
        }
        self.end = self.end.max(region.end());
        self.table.insert(region);
        if self.table.weight() > self.table_memory {
            self.flush_table()?;
        }
        Ok(())
    }

    /// Makes the table a run; merges the runs when there are too many.
    fn flush_table(&mut self) -> io::Result<()> {
        let table = std::mem::take(&mut self.table);
        self.runs.push(table.into_log()?);
        if self.runs.len() > RUNS_MAX {
            let runs = std::mem::take(&mut self.runs);
            self.runs.push(merged(runs)?);
        }
        Ok(())
    }

    /// The regions held, to read.
    pub fn finish(mut self) -> io::Result<Regions> {
        if !self.table.is_empty() {
            self.flush_table()?;
        }
        let mut logs = vec![self.main];
        logs.extend(self.runs);
        let sealed = logs
            .into_iter()
            .map(Log::seal)
            .collect::<io::Result<Vec<_>>>()?;
        let (mut len, mut bytes) = (sealed[0].count, sealed[0].bytes);
        let runs: Vec<Mapping> = sealed.into_iter().map(|s| s.map).collect();
        let mut regions = Regions { runs, len, bytes };
        if regions.runs.len() > 1 {
            (len, bytes) = (0, 0);
            for region in regions.iter() {
                len += 1;
                bytes += region.new.len() as u64;
            }
            (regions.len, regions.bytes) = (len, bytes);
        }
        Ok(regions)
    }
}

/// `runs` merged into one run.
fn merged(runs: Vec<Log>) -> io::Result<Log> {
    let sealed = runs
        .into_iter()
        .map(Log::seal)
        .collect::<io::Result<Vec<_>>>()?;
    let mut log = Log::default();
    for region in Merge::new(sealed.iter().map(|s| s.map.bytes())) {
        log.push(region.offset, region.new, region.old)?;
    }
    Ok(log)
}

/// A patch's regions, read to its end.
#[derive(Default)]
pub struct Regions {
    /// Runs of records, oldest first.
    runs: Vec<Mapping>,
    len: usize,
    bytes: u64,
}

impl Regions {
    /// The regions, in file order.
    pub fn iter(&self) -> Merge<'_> {
        Merge::new(self.runs.iter().map(Mapping::bytes))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes held, each counted once.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Whether a read of the temporary file faulted (its bytes then read
    /// as zeros, which are no record: the regions end there).
    pub fn faulted(&self) -> bool {
        self.runs.iter().any(Mapping::faulted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(offset: u64, new: &[u8], old: bool) -> Region {
        Region {
            offset,
            old: old.then(|| new.iter().map(|b| !b).collect()),
            new: new.to_vec(),
        }
    }

    /// What the regions write over a file of dots, checking their order
    /// and their old bytes on the way.
    fn applied(regions: &Regions, len: usize) -> Vec<u8> {
        let mut out = vec![b'.'; len];
        let mut last_end = 0;
        let (mut count, mut bytes) = (0, 0);
        for r in regions.iter() {
            assert!(r.offset >= last_end, "regions overlap or are out of order");
            assert!(!r.new.is_empty());
            last_end = r.end();
            out[r.offset as usize..r.end() as usize].copy_from_slice(r.new);
            if let Some(old) = r.old {
                assert!(old.iter().zip(r.new).all(|(o, n)| *o == !n));
            }
            count += 1;
            bytes += r.new.len() as u64;
        }
        assert_eq!((regions.len(), regions.bytes()), (count, bytes));
        out
    }

    #[test]
    fn a_later_write_wins_over_a_run_and_the_log() {
        let mut held = Held::with_limits(0);
        held.insert(region(2, b"aaaaaa", true)).unwrap();
        held.insert(region(4, b"bb", false)).unwrap();
        held.insert(region(0, b"ccc", true)).unwrap();
        held.insert(region(9, b"e", false)).unwrap();
        held.insert(region(1, b"dd", false)).unwrap();
        assert_eq!(held.runs.len(), 3, "each out-of-order write is a run");
        let regions = held.finish().unwrap();
        assert_eq!(applied(&regions, 10), b"cddabbaa.e");
        assert_eq!(regions.bytes(), 9);
    }

    #[test]
    fn an_endless_run_of_writes_to_one_place_is_merged_to_one_region() {
        let mut held = Held::with_limits(0);
        held.insert(region(0, b"abcd", false)).unwrap();
        for i in 0..1000u32 {
            held.insert(region(0, &i.to_le_bytes(), false)).unwrap();
            assert!(held.runs.len() <= RUNS_MAX);
        }
        let regions = held.finish().unwrap();
        assert_eq!(regions.len(), 1);
        assert_eq!(applied(&regions, 4), 999u32.to_le_bytes());
    }

    #[test]
    fn a_patch_in_file_order_is_one_log_and_spills_past_a_mib() {
        let mut held = Held::default();
        let mut naive = vec![b'.'; 6 << 20];
        for at in (0..naive.len() as u64).step_by(2) {
            let byte = [(at % 251) as u8];
            held.insert(region(at, &byte, true)).unwrap();
            naive[at as usize] = byte[0];
        }
        assert!(held.runs.is_empty() && held.table.is_empty());
        let regions = held.finish().unwrap();
        assert_eq!(regions.runs.len(), 1);
        assert_eq!(regions.len(), 3 << 20);
        assert_eq!(applied(&regions, naive.len()), naive);
        assert!(!regions.faulted());
    }

    proptest::proptest! {
        #[test]
        fn writes_in_any_order_give_what_writing_them_in_turn_gives(
            limit in proptest::prop_oneof![proptest::strategy::Just(0usize), 0usize..400, proptest::strategy::Just(1 << 20)],
            writes in proptest::collection::vec((0usize..60, 0usize..20, proptest::num::u8::ANY, proptest::bool::ANY), 0..40)
        ) {
            let mut naive = vec![b'.'; 80];
            let mut held = Held::with_limits(limit);
            for (at, len, byte, old) in writes {
                naive[at..at + len].fill(byte);
                held.insert(region(at as u64, &vec![byte; len], old)).unwrap();
                proptest::prop_assert!(held.runs.len() <= RUNS_MAX);
            }
            let regions = held.finish().unwrap();
            proptest::prop_assert_eq!(applied(&regions, 80), naive);
        }
    }
}
