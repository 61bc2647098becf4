//! The split driver: a large range cut into segments scanned on every core,
//! joined left to right into exactly the edits of the one-thread walk.
//!
//! Each segment is scanned from its first byte; the true walk enters it
//! there or at the end of a match crossing its start, and the scans from
//! those ends soon run into the segment's own. A thread hands its sink the
//! edits past the point where they all agree and away from the segment's
//! edges; the join, left to right, learns each segment's true start and
//! hands the few others to its own sink once no scan can read their bytes.
//! A segment whose starts never agree (dense self-overlapping matches) is
//! walked again from its true start after the threads, or, when its
//! matches were recorded as runs (exact literals back to back), handed on
//! from those by the join, as its edits are, while the other threads scan
//! on. Every edit is made once, by the thread that found it, from the
//! bytes as they were.
//!
//! ```
//! use mpatch::scan::{Driver, Settings};
//! use mpatch::{Matcher, Replace, Replacement};
//! let matcher = Matcher::literal(b"aa").unwrap();
//! let swap = Replacement::Table(vec![b"bc".to_vec()]);
//! // Dense matches cut by 4-byte segments on 2 threads, against one walk.
//! let hay = b"aaaaaaaaa aaa aaaaa";
//! let split = Settings {
//!     threads: 2,
//!     segment: 4,
//!     split_min: 0,
//!     split_cold: true,
//!     ..Settings::new()
//! };
//! let walk = Settings { threads: 1, ..split };
//! let (cut, tally) = Replace::new(&matcher, &swap).settings(split).bytes(hay).unwrap();
//! let (whole, _) = Replace::new(&matcher, &swap).settings(walk).bytes(hay).unwrap();
//! assert_eq!(tally.driver, Driver::Split);
//! assert_eq!(cut, whole);
//! assert_eq!(cut, b"bcbcbcbca bca bcbca");
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{At, Driver, MakeSink, Meter, Plan, Run, Scan, Sink, Tally, View, Window, checked};
use crate::engine::matcher::{Maker, Match, Matcher, Replacement, take_upset};
use crate::error::Error;
use crate::pool::{self, lock};

/// A segment's first matches kept until the segment's true start is known.
const KEEP: usize = 1024;
/// The longest pattern (or regex match) a range is split for.
const SPLIT_MAX_LEN: usize = 4096;
/// Matches searched for at once.
const BATCH: usize = 1024;
/// The most runs a segment records; past them it is walked again.
const RUNS_MAX: usize = 4096;
/// `Meet::at` when a scan never meets the segment's own: after all of it.
const NEVER: usize = usize::MAX;

/// Whether a matcher's scans may be split (every match has a bounded
/// length, so a match crossing a boundary touches few segments).
pub(crate) fn can_split(matcher: &Matcher) -> bool {
    matcher.max_len() <= SPLIT_MAX_LEN
}

/// A match kept for later, with its replacement when that was made from
/// the bytes (a regex's expansion, a signature keeping bytes): made when
/// found, never again.
struct Kept {
    found: Match,
    new: Option<Box<[u8]>>,
}

/// Matches back to back: `count` of `len` bytes from `start`.
#[derive(Debug, Clone, Copy)]
struct RunRec {
    start: usize,
    len: usize,
    count: u64,
    pattern: usize,
}

impl RunRec {
    /// The run's first match.
    fn first(&self) -> Match {
        Match {
            start: self.start,
            end: self.start + self.len,
            pattern: self.pattern,
        }
    }
}

/// What the join holds, in file order, until no scan can read its bytes:
/// a true edit, or a dense segment's recorded matches back to back.
enum Held {
    Edit(Kept),
    Run(RunRec),
}

/// Where a walk from some start runs into the segment's own scan `S`.
struct Meet {
    /// Its matches before it meets `S`.
    before: Vec<Kept>,
    /// The index in `S` of the first match they share (from there on they
    /// are the same), or [`NEVER`].
    at: usize,
}

/// A walk from `from`, one of the ends of a match crossing the segment's
/// start: where the true walk resumes if that match is the true one.
struct Alt {
    from: usize,
    /// `None`: it did not meet `S` within its first [`KEEP`] matches.
    meets: Option<Meet>,
}

/// What a thread found in one segment, walking it from its first byte.
struct Scanned {
    /// The matches of that walk, `S`, starting in the segment.
    count: u64,
    per_pattern: Vec<u64>,
    last_end: Option<usize>,
    /// `S`'s first matches: those not handed to the thread's sink.
    first: Vec<Kept>,
    /// `S`'s last matches, near the segment's end, not handed on.
    tail: Vec<Kept>,
    alts: Vec<Alt>,
    /// Whether the matches between `first` and `tail` were handed on.
    wrote: bool,
    /// All of `S` as runs, when its starts never agreed and it was dense.
    runs: Option<Vec<RunRec>>,
}

/// The join of the segments' scans, left to right.
struct Joined<'s> {
    next: usize,
    waiting: BTreeMap<usize, Scanned>,
    /// The end of the last true match so far, or the range's start.
    frontier: usize,
    matches: u64,
    per_pattern: Vec<u64>,
    /// True edits (and runs) no thread handed on, handed to `sink` once no
    /// scan can read their bytes.
    pending: VecDeque<Held>,
    sink: Option<Box<dyn Sink + Send + 's>>,
    maker: Option<Maker<'s>>,
    /// Literal segments walked again after the threads, each from its true
    /// start inside `from..to`.
    later: Vec<Range<usize>>,
}

/// One thread's means: its replacement maker and its sink.
struct Hand<'s> {
    maker: Option<Maker<'s>>,
    sink: Option<Box<dyn Sink + Send + 's>>,
}

struct Splitter<'a> {
    matcher: &'a Matcher,
    view: &'a dyn View,
    /// The view's bytes, asked for once (not once for each edit).
    bytes: &'a [u8],
    range: Range<usize>,
    segment: usize,
    name: &'a str,
    /// Whether edits are handed to sinks (else only counted).
    writes: bool,
    /// Whether the replacement depends on no byte (pairs, masks), so it
    /// can be made again at any time.
    pure: bool,
    /// Whether dense segments are recorded as runs.
    runs: bool,
    /// The replacements by pattern, when each match's is its pattern's
    /// and as long as it (pairs of literals): a thread's edits are then
    /// handed on a batch at a time.
    table: Option<&'a [Vec<u8>]>,
    look: usize,
}

/// Scans `plan.range` of `view` on `scan.settings.threads` threads. With
/// `make`, each thread (and the join) hands edits to a sink of its own,
/// in ascending order; without, matches are only counted.
pub(crate) fn run(
    plan: &Plan,
    view: &dyn View,
    make: Option<&MakeSink>,
    scan: &Scan,
) -> Result<Tally, Error> {
    let matcher = plan.matcher;
    let pure = plan.pure();
    let split = Splitter {
        matcher,
        view,
        bytes: view.bytes(),
        range: plan.range.0..plan.range.1,
        segment: scan.settings.segment.max(1),
        name: scan.name,
        writes: make.is_some(),
        pure,
        runs: make.is_some() && pure && matcher.exact(),
        table: match plan.replacement {
            Some(Replacement::Table(table)) if matcher.exact() => Some(table),
            _ => None,
        },
        look: matcher.look_behind(),
    };
    let hand = || Hand {
        maker: plan.replacement.map(|r| r.maker(matcher)),
        sink: make.map(|make| make()),
    };
    let joined = Mutex::new(Joined {
        next: 0,
        waiting: BTreeMap::new(),
        frontier: split.range.start,
        matches: 0,
        per_pattern: vec![0; matcher.patterns().len()],
        pending: VecDeque::new(),
        sink: make.map(|make| make()),
        maker: plan.replacement.map(|r| r.maker(matcher)),
        later: Vec::new(),
    });
    let done = Mutex::new(Vec::new());
    let fault = scan.fault;
    split
        .threads(
            scan.settings.threads,
            scan.meter,
            fault,
            &joined,
            &done,
            hand,
        )
        .map_err(|error| super::or_fault(view, fault, error))?;
    let mut joined = crate::pool::unpoison(joined.into_inner());
    if view.faulted() {
        return Err((scan.fault)());
    }
    let mut sinks = crate::pool::unpoison(done.into_inner());
    split.settle(&mut joined, usize::MAX)?;
    if let Some(sink) = joined.sink.take() {
        sinks.push(sink);
    }
    let later = std::mem::take(&mut joined.later);
    let written = Mutex::new(Vec::new());
    split.write_later(&later, scan.settings.threads, &written, hand)?;
    sinks.append(&mut crate::pool::unpoison(written.into_inner()));
    let tally = Tally {
        matches: joined.matches,
        per_pattern: joined.per_pattern,
        scanned: split.range.len() as u64,
        appended: 0,
        driver: Driver::Split,
        stored: 0,
    };
    for sink in &mut sinks {
        sink.finish(&tally)?;
    }
    Ok(tally)
}

impl<'a> Splitter<'a> {
    fn hay(&self) -> &'a [u8] {
        &self.bytes[..self.range.end]
    }

    fn bounds(&self, j: usize) -> Range<usize> {
        let start = self.range.start + j * self.segment;
        start..self.range.end.min(start + self.segment)
    }

    /// How far past `seg`'s end a match starting in it may reach.
    fn limit(&self, seg: &Range<usize>) -> usize {
        self.range
            .end
            .min(seg.end.saturating_add(self.matcher.max_len() - 1))
    }

    /// The bytes either side of a segment that its scan may read, and
    /// that no other thread writes while it may.
    fn margin(&self) -> usize {
        self.matcher.max_len() + 4
    }

    fn fault(&self, fault: &(dyn Fn() -> Error + Sync)) -> Result<(), Error> {
        match self.view.faulted() | take_upset() {
            true => Err(fault()),
            false => Ok(()),
        }
    }

    /// The threads: each scans the next segment, then joins every segment
    /// whose turn has come; its sink, done, goes to `done`.
    fn threads<'s>(
        &self,
        threads: usize,
        meter: &dyn Meter,
        fault: &(dyn Fn() -> Error + Sync),
        joined: &Mutex<Joined<'s>>,
        done: &Mutex<Vec<Box<dyn Sink + Send + 's>>>,
        hand: impl Fn() -> Hand<'s> + Sync,
    ) -> Result<(), Error>
    where
        'a: 's,
    {
        let segments = self.range.len().div_ceil(self.segment);
        let next = AtomicUsize::new(0);
        pool::run(threads, |stop| {
            let mut hand = hand();
            while !stop.is_set() && !self.view.faulted() {
                let j = next.fetch_add(1, Ordering::SeqCst);
                if j >= segments {
                    break;
                }
                let seg = self.bounds(j);
                // A search on this thread that found its bytes changed is a
                // fault, whatever it made of them.
                let scanned = self
                    .scan_segment(seg.clone(), &mut hand)
                    .map_err(|error| super::or_fault(self.view, fault, error))?;
                self.fault(fault)?;
                meter.add(seg.len() as u64);
                // Its pages are given back: a later read faults them in again.
                self.view.release(seg.clone());
                let mut joined = lock(joined);
                joined.waiting.insert(j, scanned);
                loop {
                    let k = joined.next;
                    let Some(scanned) = joined.waiting.remove(&k) else {
                        break;
                    };
                    self.join(self.bounds(k), scanned, &mut joined)
                        .map_err(|error| super::or_fault(self.view, fault, error))?;
                    joined.next += 1;
                }
                self.fault(fault)?;
            }
            if let Some(mut sink) = hand.sink.take() {
                // Every edit this thread holds lies inside a segment, where
                // no other scan reads: written now.
                sink.progress(&self.at(usize::MAX, usize::MAX))?;
                lock(done).push(sink);
            }
            Ok(())
        })
    }

    fn at(&self, frontier: usize, settled: usize) -> At<'a> {
        At {
            frontier,
            settled,
            window: Window {
                base: 0,
                bytes: self.bytes,
            },
        }
    }

    /// Keeps `found` for later, its replacement made now if it depends on
    /// the bytes.
    fn keep(&self, maker: Option<&mut Maker>, found: Match) -> Result<Kept, Error> {
        let new = match maker {
            Some(maker) if self.writes && !self.pure => {
                let new = maker.make(self.hay(), found);
                Some(checked(self.name, 0, found, new)?.into())
            }
            _ => None,
        };
        Ok(Kept { found, new })
    }

    /// Hands a kept edit to `sink`, with the scan settled at `settled`.
    fn give(
        &self,
        sink: &mut dyn Sink,
        maker: Option<&mut Maker>,
        kept: &Kept,
        settled: usize,
    ) -> Result<(), Error> {
        let hay = self.hay();
        let found = kept.found;
        let new = match (&kept.new, maker) {
            (Some(new), _) => Some(&new[..]),
            (None, Some(maker)) => Some(checked(self.name, 0, found, maker.make(hay, found))?),
            (None, None) => None,
        };
        let edit = super::Edit {
            start: found.start,
            pattern: found.pattern,
            old: &hay[found.start..found.end],
            new,
        };
        sink.edit(&edit, &self.at(found.end, settled))?;
        Ok(())
    }

    /// Hands `count` matches back to back from `first` to `sink` as one
    /// run (one literal, replaced by the same bytes each time).
    fn give_run(
        &self,
        sink: &mut dyn Sink,
        maker: Option<&mut Maker>,
        first: Match,
        count: u64,
    ) -> Result<(), Error> {
        let hay = self.hay();
        let new = match maker {
            Some(maker) => Some(checked(self.name, 0, first, maker.make(hay, first))?),
            None => None,
        };
        let end = first.start + first.len() * count as usize;
        let run = Run {
            start: first.start,
            count,
            pattern: first.pattern,
            old: &hay[first.start..first.end],
            new,
        };
        sink.run(&run, &self.at(end, end.saturating_sub(self.look)))?;
        Ok(())
    }

    /// The ends of the matches that start before `boundary` (at or after
    /// the range's start) and end after it: where the true walk may resume.
    fn crossing_ends(&self, boundary: usize) -> Vec<usize> {
        let hay = self.hay();
        let max_len = self.matcher.max_len();
        let limit = boundary.saturating_add(max_len - 1);
        let mut x = boundary.saturating_sub(max_len - 1).max(self.range.start);
        let mut ends = Vec::new();
        while x < boundary {
            match self.matcher.find_within(hay, x, limit) {
                Some(found) if found.start < boundary => {
                    if found.end > boundary {
                        ends.push(found.end);
                    }
                    x = found.start + 1;
                }
                _ => break,
            }
        }
        ends.sort_unstable();
        ends.dedup();
        ends
    }
}

mod join;
mod segment;
