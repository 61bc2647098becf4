//! The one scan: a matcher's matches in a range, selected (`nth`, `max`) and
//! turned into edits once, then shown to a [`Sink`]; fed by thin drivers.
//!
//! A sink of one's own sees every edit, as the printer and the writer do:
//!
//! ```
//! use mpatch::scan::{At, Driver, Edit, Flow, Sink, Wants};
//! use mpatch::{Error, Matcher, Replace, Replacement};
//!
//! /// Keeps each edit's offset and new bytes.
//! struct Keep(Vec<(usize, Vec<u8>)>);
//!
//! impl Sink for Keep {
//!     fn wants(&self) -> Wants {
//!         Wants::Ordered
//!     }
//!     fn edit(&mut self, edit: &Edit, _: &At) -> Result<Flow, Error> {
//!         self.0.push((edit.start, edit.new.unwrap().to_vec()));
//!         Ok(Flow::Go)
//!     }
//! }
//!
//! let matcher = Matcher::regex(br"(\w)=(\d)", false).unwrap();
//! let swap = Replacement::Expand(b"$2=$1".to_vec());
//! let mut keep = Keep(Vec::new());
//! let tally = Replace::new(&matcher, &swap)
//!     .scan(b"a=1 b=2", mpatch::scan::Sinks::One(&mut keep))
//!     .unwrap();
//! assert_eq!(keep.0, [(0, b"1=a".to_vec()), (4, b"2=b".to_vec())]);
//! assert_eq!((tally.matches, tally.driver), (2, Driver::Walk));
//! ```
//!
//! The drivers only say how bytes arrive: [`walk`] (one thread over a view,
//! skipping holes), [`split`] (segments on every core, joined left to
//! right) and [`stream`] (reads, with a carry). Each edit, a regex's
//! expansion included, is made here, from the bytes as they were, when its
//! match is found; the sinks (guard, writer, printer, count) only consume.

pub mod cursor;
mod sinks;
pub mod split;
pub mod stream;
pub mod walk;

use std::ops::Range;

use crate::engine::matcher::{Maker, Match, Matcher, Replacement};
use crate::error::Error;

pub use sinks::{Counter, Filter, Filtered, Pass, Tee};

/// What a scan looks for, where, and what replaces each match.
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    /// The patterns.
    pub matcher: &'a Matcher,
    /// What replaces each match (a replace); `None` for a find.
    pub replacement: Option<&'a Replacement>,
    /// Matches must lie entirely inside these bytes.
    pub range: (usize, usize),
    /// Only the Nth match (1-based).
    pub nth: Option<u64>,
    /// Stop after this many selected matches.
    pub max: Option<u64>,
}

impl Plan<'_> {
    /// Whether no match can be selected (`max` of 0; `nth` wins over it).
    pub fn selects_none(&self) -> bool {
        self.nth.is_none() && self.max == Some(0)
    }

    /// Whether each replacement is made from its match alone (no capture
    /// expanded, no case kept): the same bytes for every match of a literal.
    pub fn pure(&self) -> bool {
        !matches!(
            self.replacement,
            Some(Replacement::Expand(_) | Replacement::Keep(_))
        )
    }

    /// Whether back-to-back matches may be given as one [`Run`]: one
    /// literal, each replaced by the same bytes.
    pub fn gives_runs(&self) -> bool {
        self.matcher.one_literal() && self.pure()
    }
}

/// The settings of the drivers: the library's tests make them small, so
/// that every path runs on small inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Threads a split scan may use (1: never split).
    pub threads: usize,
    /// Bytes of a split scan's segment, and of a walk's step between two
    /// reports of progress.
    pub segment: usize,
    /// The smallest range that is split across threads.
    pub split_min: usize,
    /// Bytes a stream reads at a time.
    pub chunk: usize,
    /// Whether a range is split even when its pages are not in the page
    /// cache (a file read from the disk is read by one sequential walk).
    pub split_cold: bool,
    /// Files up to this size are read into memory rather than mapped (in a
    /// tree of small files, mapping each costs more than reading it).
    pub read_max: u64,
}

impl Settings {
    /// What the command line uses: every core (at most 8), 8 MiB segments,
    /// splitting files of 64 MiB and more, reading streams 1 MiB at a time.
    ///
    /// ```
    /// use mpatch::scan::{Counter, Driver, Settings};
    /// use mpatch::{Matcher, Search};
    /// // Segments of 3 bytes on 2 threads: a split even of a few bytes.
    /// let tiny = Settings { threads: 2, segment: 3, split_min: 0, split_cold: true, ..Settings::new() };
    /// let matcher = Matcher::literal(b"aa").unwrap();
    /// let tally = Search::new(&matcher).settings(tiny).scan(b"aaaaaaa", &mut Counter).unwrap();
    /// assert_eq!((tally.matches, tally.driver), (3, Driver::Split));
    /// ```
    pub fn new() -> Settings {
        // Asked once: the answer reads cgroup files, which a tree of
        // thousands of files would otherwise read for each.
        static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        let cores =
            *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        Settings {
            threads: cores.min(8),
            segment: 8 << 20,
            split_min: 64 << 20,
            chunk: 1 << 20,
            split_cold: false,
            read_max: crate::io::target::READ_MAX,
        }
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings::new()
    }
}

/// Which driver ran a scan (so a test that asked for one can tell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Driver {
    /// One thread over a view.
    #[default]
    Walk,
    /// Segments on several threads, joined left to right.
    Split,
    /// Reads from a stream.
    Stream,
}

/// What a scan did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Matches selected.
    pub matches: u64,
    /// Of these, by pattern number.
    pub per_pattern: Vec<u64>,
    /// Bytes of the range scanned.
    pub scanned: u64,
    /// Bytes appended to the file while the scan ran (a live log), which
    /// it did not search.
    pub appended: u64,
    /// The driver that ran.
    pub driver: Driver,
    /// Of the runs of changes a real run wrote, those stored through a
    /// mapping of a dense stretch rather than written with `pwrite`.
    pub stored: u64,
}

impl Tally {
    fn new(patterns: usize, driver: Driver) -> Tally {
        Tally {
            per_pattern: vec![0; patterns],
            driver,
            ..Tally::default()
        }
    }
}

/// One selected match and what replaces it: `old` is the match's bytes as
/// they were before the run, `new` (a replace) its replacement, made once
/// when the match was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit<'a> {
    /// The offset of the match's first byte.
    pub start: usize,
    /// Which pattern matched.
    pub pattern: usize,
    /// The match's bytes.
    pub old: &'a [u8],
    /// Its replacement, as long as `old` (a replace), or `None` (a find).
    pub new: Option<&'a [u8]>,
}

impl Edit<'_> {
    /// One past the match's last byte.
    pub fn end(&self) -> usize {
        self.start + self.old.len()
    }
}

/// `count` matches of one pattern back to back from `start`, each
/// `old.len()` bytes, all with the same bytes and replacement: a pattern
/// of zeros inside a hole, or a run of dense matches, given at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run<'a> {
    /// The first match's offset.
    pub start: usize,
    /// How many matches.
    pub count: u64,
    /// Which pattern.
    pub pattern: usize,
    /// Each match's bytes.
    pub old: &'a [u8],
    /// Each match's replacement.
    pub new: Option<&'a [u8]>,
}

impl Run<'_> {
    /// The `i`th edit of the run.
    pub fn edit(&self, i: u64) -> Edit<'_> {
        Edit {
            start: self.start + i as usize * self.old.len(),
            pattern: self.pattern,
            old: self.old,
            new: self.new,
        }
    }

    /// One past the last match's last byte.
    pub fn end(&self) -> usize {
        self.start + self.count as usize * self.old.len()
    }
}

/// Where a scan is when it calls a sink, and the bytes it can show.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// No match not yet shown starts below this offset.
    pub frontier: usize,
    /// The scan reads no byte below this offset again: a writer may write
    /// below it (never above: the scan sees the bytes as they were).
    pub settled: usize,
    /// Bytes of the file around the scan (the whole view of a mapped file,
    /// a stream's buffer), for context.
    pub window: Window<'a>,
}

/// Bytes `[base, base + bytes.len())` of a file.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    /// The first byte's offset.
    pub base: usize,
    /// The bytes.
    pub bytes: &'a [u8],
}

impl<'a> Window<'a> {
    /// The bytes of `range` that the window holds (cut to it).
    pub fn get(&self, range: Range<usize>) -> &'a [u8] {
        let end = self.base + self.bytes.len();
        let (from, to) = (
            range.start.clamp(self.base, end),
            range.end.clamp(self.base, end),
        );
        &self.bytes[from - self.base..to.max(from) - self.base]
    }

    /// One past the last byte held.
    pub fn end(&self) -> usize {
        self.base + self.bytes.len()
    }
}

/// Whether a scan goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Go,
    /// Stop: nothing more is wanted (the edits already given still stand).
    Stop,
}

/// What a sink needs of the scan that feeds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wants {
    /// Only the count: the scan may split and count by arithmetic.
    Count,
    /// Every edit, in ascending order per sink: a split gives each thread a
    /// sink of its own (see [`Sinks::PerThread`]).
    Edits,
    /// Every edit in file order, with bytes around them: one walk.
    Ordered,
}

/// The consumers of one file's scan, as ripgrep's `Sink`: a guard, the
/// journal and writer, the printer, the dry run's count. Each is given the
/// edits of the file in ascending order; the scan never writes.
pub trait Sink {
    /// What the sink needs (see [`Wants`]).
    fn wants(&self) -> Wants;

    /// The scan of `range` begins.
    fn begin(&mut self, range: Range<usize>) -> Result<Flow, Error> {
        let _ = range;
        Ok(Flow::Go)
    }

    /// One selected match and its replacement.
    fn edit(&mut self, edit: &Edit, at: &At) -> Result<Flow, Error>;

    /// Several edits in ascending order, the scan past the last of them
    /// (`at.settled` holds for all); by default, one [`Sink::edit`] each,
    /// its frontier at its end. A split hands on a thread's edits a batch
    /// at a time where each replacement comes from its pattern alone.
    fn edits(&mut self, edits: &[Edit], at: &At) -> Result<Flow, Error> {
        for edit in edits {
            let at = At {
                frontier: edit.end(),
                ..*at
            };
            if self.edit(edit, &at)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Go)
    }

    /// Matches back to back (see [`Run`]); by default, one edit each.
    fn run(&mut self, run: &Run, at: &At) -> Result<Flow, Error> {
        for i in 0..run.count {
            if self.edit(&run.edit(i), at)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Go)
    }

    /// The scan moved on without a match (see [`At`]).
    fn progress(&mut self, at: &At) -> Result<Flow, Error> {
        let _ = at;
        Ok(Flow::Go)
    }

    /// The lowest offset this sink may still read from the window: no
    /// sink after it in a [`Tee`] writes at or above it, and a stream
    /// keeps it.
    fn needs_from(&self) -> usize {
        usize::MAX
    }

    /// The scan ended; `tally` is what it found.
    fn finish(&mut self, tally: &Tally) -> Result<(), Error> {
        let _ = tally;
        Ok(())
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn wants(&self) -> Wants {
        (**self).wants()
    }
    fn begin(&mut self, range: Range<usize>) -> Result<Flow, Error> {
        (**self).begin(range)
    }
    fn edit(&mut self, edit: &Edit, at: &At) -> Result<Flow, Error> {
        (**self).edit(edit, at)
    }
    fn edits(&mut self, edits: &[Edit], at: &At) -> Result<Flow, Error> {
        (**self).edits(edits, at)
    }
    fn run(&mut self, run: &Run, at: &At) -> Result<Flow, Error> {
        (**self).run(run, at)
    }
    fn progress(&mut self, at: &At) -> Result<Flow, Error> {
        (**self).progress(at)
    }
    fn needs_from(&self) -> usize {
        (**self).needs_from()
    }
    fn finish(&mut self, tally: &Tally) -> Result<(), Error> {
        (**self).finish(tally)
    }
}

impl<S: Sink + ?Sized> Sink for Box<S> {
    fn wants(&self) -> Wants {
        (**self).wants()
    }
    fn begin(&mut self, range: Range<usize>) -> Result<Flow, Error> {
        (**self).begin(range)
    }
    fn edit(&mut self, edit: &Edit, at: &At) -> Result<Flow, Error> {
        (**self).edit(edit, at)
    }
    fn edits(&mut self, edits: &[Edit], at: &At) -> Result<Flow, Error> {
        (**self).edits(edits, at)
    }
    fn run(&mut self, run: &Run, at: &At) -> Result<Flow, Error> {
        (**self).run(run, at)
    }
    fn progress(&mut self, at: &At) -> Result<Flow, Error> {
        (**self).progress(at)
    }
    fn needs_from(&self) -> usize {
        (**self).needs_from()
    }
    fn finish(&mut self, tally: &Tally) -> Result<(), Error> {
        (**self).finish(tally)
    }
}

/// A sink per thread, for a split scan: each is given its thread's edits
/// in ascending order.
pub type MakeSink<'s> = dyn Fn() -> Box<dyn Sink + Send + 's> + Sync + 's;

/// The sinks of one file's scan.
pub enum Sinks<'s> {
    /// One sink, given every edit in file order (a walk or a stream).
    One(&'s mut dyn Sink),
    /// A sink per thread when the scan splits (one when it walks): for
    /// sinks that want [`Wants::Count`] or [`Wants::Edits`] only.
    PerThread(&'s MakeSink<'s>),
}

/// The selection and edit making shared by every driver: each match a
/// driver finds comes here once, in order.
pub(crate) struct Core<'p> {
    plan: Plan<'p>,
    name: &'p str,
    maker: Option<Maker<'p>>,
    /// Matches seen (selected or not), for `nth`.
    seen: u64,
    /// Selected matches after which the scan stops.
    stop_after: Option<u64>,
    pub tally: Tally,
    several: bool,
}

impl<'p> Core<'p> {
    pub fn new(plan: Plan<'p>, name: &'p str, driver: Driver) -> Core<'p> {
        Core {
            plan,
            name,
            maker: plan.replacement.map(|r| r.maker(plan.matcher)),
            seen: 0,
            stop_after: if plan.nth.is_some() {
                Some(1)
            } else {
                plan.max
            },
            tally: Tally::new(plan.matcher.patterns().len(), driver),
            several: plan.matcher.patterns().len() != 1,
        }
    }

    /// Whether every match is selected (no `nth` nor `max`).
    pub fn selects_all(plan: &Plan) -> bool {
        plan.nth.is_none() && plan.max.is_none()
    }

    /// A match found in `hay` (the haystack the matcher searched, its
    /// first byte at offset `base`): selected or not, made into an edit
    /// and shown to `sink`. `Stop` once the selection is complete.
    #[inline]
    pub fn found(
        &mut self,
        hay: &[u8],
        base: usize,
        found: Match,
        at: &At,
        sink: &mut dyn Sink,
    ) -> Result<Flow, Error> {
        self.seen += 1;
        if self.plan.nth.is_some_and(|nth| self.seen < nth) {
            return Ok(Flow::Go);
        }
        self.tally.matches += 1;
        if self.several {
            self.tally.per_pattern[found.pattern] += 1;
        }
        let old = &hay[found.start..found.end];
        let new = match self.maker.as_mut() {
            Some(maker) => Some(checked(self.name, base, found, maker.make(hay, found))?),
            None => None,
        };
        let edit = Edit {
            start: base + found.start,
            pattern: found.pattern,
            old,
            new,
        };
        let flow = sink.edit(&edit, at)?;
        match self.stop_after == Some(self.tally.matches) {
            true => Ok(Flow::Stop),
            false => Ok(flow),
        }
    }

    /// `count` matches of pattern `found.pattern` back to back from
    /// `found.start`, each of the bytes `old` (a pattern of zeros inside a
    /// hole, or one literal in the data): one edit made, one run shown.
    pub fn run(
        &mut self,
        found: Match,
        count: u64,
        old: &[u8],
        at: &At,
        sink: &mut dyn Sink,
    ) -> Result<Flow, Error> {
        self.tally.matches += count;
        self.seen += count;
        if self.several {
            self.tally.per_pattern[found.pattern] += count;
        }
        let one = Match {
            start: 0,
            end: old.len(),
            pattern: found.pattern,
        };
        let new = match self.maker.as_mut() {
            Some(maker) => Some(checked(self.name, found.start, one, maker.make(old, one))?),
            None => None,
        };
        let run = Run {
            start: found.start,
            count,
            pattern: found.pattern,
            old,
            new,
        };
        sink.run(&run, at)
    }

    /// Ends the tally.
    pub fn finish(mut self) -> Tally {
        if !self.several && !self.tally.per_pattern.is_empty() {
            self.tally.per_pattern[0] = self.tally.matches;
        }
        self.tally
    }
}

/// `new`, checked to be as long as `found`: a regex expansion may not be.
#[inline]
pub(crate) fn checked<'n>(
    name: &str,
    base: usize,
    found: Match,
    new: &'n [u8],
) -> Result<&'n [u8], Error> {
    match new.len() == found.len() {
        true => Ok(new),
        false => Err(length_error(name, base, found, new)),
    }
}

/// [`checked`]'s error, out of the way of the millions of edits that pass.
#[cold]
fn length_error(name: &str, base: usize, found: Match, new: &[u8]) -> Error {
    Error::Length {
        what: name.to_string(),
        reason: format!(
            "the replacement at offset {} is {} bytes but the match is {} bytes; they must be the same length; nothing written",
            base + found.start,
            new.len(),
            found.len()
        ),
        scope: crate::error::Scope::File,
    }
}

/// `error`, or the fault it really is: a replacement found too short (or a
/// search that failed) because the bytes changed under the scan (a page
/// that faulted, a search that panicked) is the file changing, not a bad
/// replacement.
pub(crate) fn or_fault(view: &dyn View, fault: &dyn Fn() -> Error, error: Error) -> Error {
    match view.faulted() | crate::engine::matcher::take_upset() {
        true => fault(),
        false => error,
    }
}

/// The bytes a scan reads, borrowed anew for every search (so that no
/// borrow of them is held across a write), and whether a page of them
/// faulted (the file was cut short under the scan).
pub trait View: Sync {
    /// The bytes.
    fn bytes(&self) -> &[u8];
    /// Whether a page faulted: the bytes are no longer the file's.
    fn faulted(&self) -> bool {
        false
    }
    /// The scan is done with `range`: its pages may be given back.
    fn release(&self, range: Range<usize>) {
        let _ = range;
    }
    /// The share of `range` in the page cache (a split reads it from
    /// memory, not the disk).
    fn resident(&self, range: Range<usize>) -> f64 {
        let _ = range;
        1.0
    }
}

impl View for &[u8] {
    fn bytes(&self) -> &[u8] {
        self
    }
}

impl View for crate::io::map::Mapping {
    fn bytes(&self) -> &[u8] {
        crate::io::map::Mapping::bytes(self)
    }
    fn faulted(&self) -> bool {
        crate::io::map::Mapping::faulted(self)
    }
    fn release(&self, range: Range<usize>) {
        crate::io::map::Mapping::release(self, range);
    }
    fn resident(&self, range: Range<usize>) -> f64 {
        self.resident_share(range, 64)
    }
}

/// Where a scan reports how far it has come (a progress bar, or nothing).
pub trait Meter: Sync {
    /// `done` more bytes are behind the scan.
    fn add(&self, done: u64);
}

/// No report of progress.
impl Meter for () {
    fn add(&self, _: u64) {}
}

/// What the scan of a file needs beside the plan.
pub struct Scan<'a> {
    /// The file's name, for errors.
    pub name: &'a str,
    /// The file's holes (a sparse file), skipped by a walk.
    pub holes: Option<&'a mut dyn cursor::Holes>,
    /// The drivers' settings.
    pub settings: Settings,
    /// Progress.
    pub meter: &'a dyn Meter,
    /// The error of a scan whose bytes changed under it: a page of the
    /// view faulted (the file was cut short), or a search found its bytes
    /// changed.
    pub fault: &'a (dyn Fn() -> Error + Sync),
}

/// Scans `plan.range` of `view`: split across threads when it pays and
/// the sinks allow it (every match selected, a bounded match length, a
/// large range in the page cache, no holes), else walked by one thread.
/// A faulted view ends the scan with `scan.fault`'s error.
pub fn file(plan: &Plan, view: &dyn View, sinks: Sinks, scan: Scan) -> Result<Tally, Error> {
    let (start, end) = plan.range;
    let settings = scan.settings;
    let wants = match &sinks {
        Sinks::One(sink) => sink.wants(),
        Sinks::PerThread(_) => Wants::Edits,
    };
    let splits = wants <= Wants::Edits
        && Core::selects_all(plan)
        && scan.holes.is_none()
        && split::can_split(plan.matcher)
        && end.saturating_sub(start) >= settings.split_min.max(1)
        && settings.threads >= 2
        && (settings.split_cold
            || view.resident(start..end.min(start + settings.split_min.max(1 << 20))) >= 0.9);
    match (splits, sinks) {
        (true, Sinks::PerThread(make)) => split::run(plan, view, Some(make), &scan),
        (true, Sinks::One(sink)) if wants == Wants::Count => {
            let tally = split::run(plan, view, None, &scan)?;
            sink.finish(&tally)?;
            Ok(tally)
        }
        (_, Sinks::One(sink)) => walk::run(plan, view, sink, scan),
        (_, Sinks::PerThread(make)) => walk::run(plan, view, &mut *make(), scan),
    }
}
