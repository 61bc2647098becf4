//! Searching with a matcher, the library's way: bytes in memory, a file (in
//! bounded memory, split across cores) or a stream; counts, lazy offsets, or
//! every match to a sink of one's own.

use std::io::Read;
use std::path::Path;

use crate::engine::matcher::{Match, Matcher};
use crate::engine::offset::RangeSpec;
use crate::engine::scan::cursor::{Cursor, Step};
use crate::engine::scan::stream::Stream;
use crate::engine::scan::{
    self, At, Core, Counter, Driver, Edit, Flow, Plan, Scan, Settings, Sink, Sinks, Tally, Wants,
    Window,
};
use crate::error::Error;
use crate::io::map::Mapping;
use crate::io::target::{Access, Target};

/// A search: a matcher, the bytes it may match in (`range`), which matches
/// are selected (`nth`, `max`) and how the scan runs (`settings`).
///
/// ```
/// use mpatch::{Matcher, Search};
/// let matcher = Matcher::literal(b"ERROR").unwrap();
/// let log = b"ERROR one\nok\nERROR two\nERROR three\n";
/// assert_eq!(Search::new(&matcher).count(log), 3);
/// let offsets: Vec<_> = Search::new(&matcher).max(2).find(log).map(|m| m.start).collect();
/// assert_eq!(offsets, [0, 13]);
/// ```
#[derive(Clone)]
pub struct Search<'m> {
    matcher: &'m Matcher,
    range: RangeSpec,
    nth: Option<u64>,
    max: Option<u64>,
    settings: Settings,
}

impl<'m> Search<'m> {
    /// Every match of `matcher`, with the command line's settings.
    pub fn new(matcher: &'m Matcher) -> Search<'m> {
        Search {
            matcher,
            range: RangeSpec::default(),
            nth: None,
            max: None,
            settings: Settings::new(),
        }
    }

    /// Only matches lying entirely inside `range` (see [`RangeSpec`]).
    ///
    /// ```
    /// use mpatch::{Matcher, RangeSpec, Search};
    /// let matcher = Matcher::literal(b"ab").unwrap();
    /// let range = RangeSpec::parse("2:-1").unwrap();
    /// assert_eq!(Search::new(&matcher).range(range).count(b"ababab"), 1);
    /// ```
    pub fn range(mut self, range: RangeSpec) -> Search<'m> {
        self.range = range;
        self
    }

    /// Only the `nth` match (1-based).
    pub fn nth(mut self, nth: u64) -> Search<'m> {
        self.nth = Some(nth);
        self
    }

    /// At most `max` matches.
    pub fn max(mut self, max: u64) -> Search<'m> {
        self.max = Some(max);
        self
    }

    /// How the scan runs: threads, segment sizes (see [`Settings`]).
    pub fn settings(mut self, settings: Settings) -> Search<'m> {
        self.settings = settings;
        self
    }

    fn plan(&self, len: u64) -> Plan<'m> {
        let (start, end) = self.range.resolve(len);
        Plan {
            matcher: self.matcher,
            replacement: None,
            range: (start as usize, end as usize),
            nth: self.nth,
            max: self.max,
        }
    }

    /// The number of matches in `hay`.
    pub fn count(&self, hay: &[u8]) -> u64 {
        self.scan(hay, &mut Counter)
            .map_or(0, |tally| tally.matches)
    }

    /// Scans `hay`, showing every selected match to `sink` (split across
    /// threads when the settings and the sink allow); the tally says what
    /// was found and which driver ran.
    pub fn scan(&self, hay: &[u8], sink: &mut dyn Sink) -> Result<Tally, Error> {
        let fault = || Error::file("bytes", "changed while being searched");
        let scan = Scan {
            name: "bytes",
            holes: None,
            settings: self.settings,
            meter: &(),
            fault: &fault,
        };
        scan::file(&self.plan(hay.len() as u64), &hay, Sinks::One(sink), scan)
    }

    /// The matches in `hay`, lazily, left to right.
    pub fn find<'h>(&self, hay: &'h [u8]) -> impl Iterator<Item = Match> + 'h
    where
        'm: 'h,
    {
        Matches::new(self, Source::Bytes(hay)).map_while(Result::ok)
    }

    /// Scans the file at `path` (mapped, or read if small), showing every
    /// selected match to `sinks`; a sparse file's holes are not read.
    ///
    /// ```
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let path = dir.path().join("app.log");
    /// std::fs::write(&path, "ERROR\nok\nERROR\n").unwrap();
    /// let matcher = mpatch::Matcher::literal(b"ERROR").unwrap();
    /// let tally = mpatch::Search::new(&matcher).count_file(&path).unwrap();
    /// assert_eq!(tally.matches, 2);
    /// ```
    pub fn scan_file(&self, path: &Path, sinks: Sinks) -> Result<Tally, Error> {
        let target = Target::open(path.as_os_str(), Access::Read, true)?;
        let view = target.view_reading(self.settings.read_max)?;
        let mut holes = target.holes();
        let holes = target.has_holes.then_some(&mut holes as _);
        let plan = self.plan(target.len());
        let fault = || fault(&target, &view);
        let scan = Scan {
            name: &target.name,
            holes,
            settings: self.settings,
            meter: &(),
            fault: &fault,
        };
        let mut tally = scan::file(&plan, &view, sinks, scan)?;
        tally.appended = target.appended_after(&view)?;
        Ok(tally)
    }

    /// The matches of the file at `path`, counted.
    pub fn count_file(&self, path: &Path) -> Result<Tally, Error> {
        self.scan_file(path, Sinks::One(&mut Counter))
    }

    /// The matches of the file at `path`, lazily, in bounded memory
    /// whatever their number; an error (the file cut short under the
    /// search) ends them.
    pub fn find_file(&self, path: &Path) -> Result<Matches<'m>, Error> {
        let target = Target::open(path.as_os_str(), Access::Read, true)?;
        let view = target.view_reading(self.settings.read_max)?;
        Ok(Matches::new(self, Source::File(Box::new((target, view)))))
    }

    /// Scans a stream (standard input, a pipe, a socket) in bounded memory,
    /// with the offsets and matches of a file holding the same bytes.
    pub fn scan_stream(
        &self,
        input: impl Read + Send + 'static,
        sink: &mut dyn Sink,
    ) -> Result<Tally, Error> {
        stream(self.plan(0), &self.range, input, sink, &self.settings)
    }
}

/// Scans a stream with `plan`, its range resolved from `range` (which may
/// not count from the end: a stream's end is not known).
pub(crate) fn stream(
    plan: Plan,
    range: &RangeSpec,
    input: impl Read + Send + 'static,
    sink: &mut dyn Sink,
    settings: &Settings,
) -> Result<Tally, Error> {
    let (start, end) = range
        .resolve_stream()
        .map_err(|e| Error::argument("range", e))?;
    let plan = Plan {
        range: (start as usize, end.try_into().unwrap_or(usize::MAX)),
        ..plan
    };
    let mut stream = Stream {
        name: "stream".into(),
        input: Box::new(input),
    };
    stream.scan(&plan, sink, settings)
}

/// The error of a scan of `target` whose bytes changed under it: a page
/// that faulted (the file cut short: the size it has now), or a search
/// that found its bytes changed (another process rewrote them).
pub(crate) fn fault(target: &Target, view: &Mapping) -> Error {
    match view.faulted() {
        true => target.fault(),
        false => match target.check_unchanged() {
            Err(error) => error,
            Ok(_) => target.problem("changed while being searched (another process wrote to it)"),
        },
    }
}

/// What [`Matches`] searches.
enum Source<'h> {
    Bytes(&'h [u8]),
    File(Box<(Target, Mapping)>),
}

/// The matches of a search, lazily, left to right (see [`Search::find`],
/// [`Search::find_file`]): one walk, selected by the scan's one core.
pub struct Matches<'h> {
    plan: Plan<'h>,
    source: Source<'h>,
    core: Core<'h>,
    cursor: Cursor,
    /// Where the walk has given back pages up to.
    released: usize,
    segment: usize,
    done: bool,
}

/// The sink of a lazy walk: it keeps the one match the core selected.
struct Take(Option<Match>);

impl Sink for Take {
    fn wants(&self) -> Wants {
        Wants::Ordered
    }
    fn edit(&mut self, edit: &Edit, _: &At) -> Result<Flow, Error> {
        self.0 = Some(Match {
            start: edit.start,
            end: edit.start + edit.old.len(),
            pattern: edit.pattern,
        });
        Ok(Flow::Go)
    }
}

impl<'h> Matches<'h> {
    fn new<'m: 'h>(search: &Search<'m>, source: Source<'h>) -> Matches<'h> {
        let len = match &source {
            Source::Bytes(hay) => hay.len(),
            Source::File(file) => file.1.bytes().len(),
        };
        let plan = search.plan(len as u64);
        let (start, end) = plan.range;
        Matches {
            core: Core::new(plan, "matches", Driver::Walk),
            plan,
            source,
            cursor: Cursor::new(start, end, search.settings.segment),
            released: start,
            segment: search.settings.segment.max(1),
            done: plan.selects_none() || end <= start,
        }
    }

    fn step(&mut self) -> Result<Option<Match>, Error> {
        let (start_end, matcher) = (self.plan.range.1, self.plan.matcher);
        let (bytes, file): (&[u8], _) = match &self.source {
            Source::Bytes(hay) => (hay, None),
            Source::File(file) => (file.1.bytes(), Some(&**file)),
        };
        let mut no_holes = scan::cursor::NoHoles;
        let mut file_holes = file.map(|f| f.0.holes());
        let holes: &mut dyn scan::cursor::Holes = match (&mut file_holes, file) {
            (Some(holes), Some(f)) if f.0.has_holes => holes,
            _ => &mut no_holes,
        };
        let window = Window { base: 0, bytes };
        while let Some(step) = self.cursor.next(matcher, &bytes[..start_end], holes) {
            match step {
                Step::Match(found) => {
                    let at = At {
                        frontier: found.end,
                        settled: found.end,
                        window,
                    };
                    let mut take = Take(None);
                    let flow = self
                        .core
                        .found(&bytes[..start_end], 0, found, &at, &mut take)?;
                    self.done = flow == Flow::Stop;
                    if take.0.is_some() {
                        return Ok(take.0);
                    }
                    if self.done {
                        return Ok(None);
                    }
                }
                Step::Scanned(upto) => {
                    if let Some((target, view)) = file {
                        if view.faulted() | crate::engine::matcher::take_upset() {
                            return Err(fault(target, view));
                        }
                        if upto >= self.released + self.segment {
                            view.release(self.released..upto);
                            self.released = upto;
                        }
                    }
                }
                // A cursor that does not count runs gives matches one by one.
                Step::Run { .. } => {}
            }
        }
        Ok(None)
    }
}

impl Iterator for Matches<'_> {
    type Item = Result<Match, Error>;

    fn next(&mut self) -> Option<Result<Match, Error>> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some(found)) => Some(Ok(found)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(error) => {
                self.done = true;
                Some(Err(error))
            }
        }
    }
}
