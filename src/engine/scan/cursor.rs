//! The walk's cursor: a resumable, left-to-right walk over the matches of a
//! range that reads only the data of a sparse file, never its holes.
//!
//! ```
//! use mpatch::Matcher;
//! use mpatch::scan::cursor::{Cursor, ListedHoles, NoHoles, Step};
//! let matcher = Matcher::literal(b"ab").unwrap();
//! // Bytes 4..8 are a hole: they read as zeros, whatever `hay` holds there.
//! let hay = b"ab..abab";
//! let starts = |holes: &mut dyn mpatch::scan::cursor::Holes| {
//!     let mut cursor = Cursor::new(0, hay.len(), 4);
//!     let mut starts = Vec::new();
//!     while let Some(step) = cursor.next(&matcher, hay, holes) {
//!         if let Step::Match(found) = step {
//!             starts.push(found.start);
//!         }
//!     }
//!     starts
//! };
//! assert_eq!(starts(&mut NoHoles), [0, 4, 6]);
//! assert_eq!(starts(&mut ListedHoles(vec![4..8])), [0]);
//! ```

use std::ops::Range;

use crate::engine::matcher::{Match, Matcher};

/// What a step of a [`Cursor`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A match.
    Match(Match),
    /// No further match starts below this offset: a point to report
    /// progress and to settle the bytes before it.
    Scanned(usize),
    /// `count` matches of `pattern`, `len` bytes each, back to back from
    /// `start`, given at once (only by a cursor that
    /// [counts runs](Cursor::count_runs) or [finds runs](Cursor::find_runs)):
    /// a pattern of zeros inside a hole (`hole`, its bytes never read), or
    /// one literal repeated in the data (`aa` in a stretch of `a`).
    Run {
        /// The first match's offset.
        start: usize,
        /// Each match's length.
        len: usize,
        /// How many.
        count: u64,
        /// Which pattern.
        pattern: usize,
        /// Whether the run lies in a hole, whose bytes read as zeros.
        hole: bool,
    },
}

impl Step {
    /// Where the walk is once past this step.
    pub fn end(&self) -> usize {
        match *self {
            Step::Match(found) => found.end,
            Step::Run {
                start, len, count, ..
            } => start + len * count as usize,
            Step::Scanned(upto) => upto,
        }
    }
}

/// Where a file has holes: stretches that read as zeros and that a walk
/// never reads. A file without holes has [`NoHoles`].
pub trait Holes {
    /// The first hole that ends after `from` (it may start before it).
    fn next_hole(&mut self, from: usize) -> Option<Range<usize>>;
}

/// A file without holes.
pub struct NoHoles;

impl Holes for crate::io::target::FileHoles<'_> {
    fn next_hole(&mut self, from: usize) -> Option<Range<usize>> {
        crate::io::target::FileHoles::next_hole(self, from)
    }
}

/// Holes given as a sorted list of ranges (tests, and files whose holes
/// are known).
pub struct ListedHoles(pub Vec<Range<usize>>);

impl Holes for ListedHoles {
    fn next_hole(&mut self, from: usize) -> Option<Range<usize>> {
        self.0.iter().find(|hole| hole.end > from).cloned()
    }
}

impl Holes for NoHoles {
    fn next_hole(&mut self, _: usize) -> Option<Range<usize>> {
        None
    }
}

/// A resumable walk over matches; it holds no borrow of the haystack, so the
/// caller may write into a match between two steps.
///
/// Around a hole the walk reads only the data: matches that cross a hole's
/// edge are found in a small window stitched from the data and zeros, and
/// inside a hole only a pattern of zeros can match, every `z` bytes, which
/// needs no reading at all. A regex (whose window is the whole range) reads
/// holes as data.
pub struct Cursor {
    pos: usize,
    segment_end: usize,
    end: usize,
    segment: usize,
    finished: bool,
    /// A match found past the current segment, kept for its turn.
    ahead: Option<Match>,
    /// Whether no match is left before `end`.
    exhausted: bool,
    /// The next hole ending after `pos`, cut to the range.
    hole: Option<Range<usize>>,
    no_more_holes: bool,
    /// A window stitched from data and zeros, at a hole's edge.
    edge: Vec<u8>,
    /// The last progress point reported.
    scanned: usize,
    /// Whether the matches inside a hole come as one [`Step::Run`].
    counts_runs: bool,
    /// Whether one literal's back-to-back matches in the data come as one
    /// [`Step::Run`].
    finds_runs: bool,
}

impl Cursor {
    /// A walk over the matches lying entirely inside `[start, end)`,
    /// reporting progress every `segment` bytes.
    pub fn new(start: usize, end: usize, segment: usize) -> Cursor {
        let segment = segment.max(1);
        Cursor {
            pos: start,
            segment_end: end.min(start.saturating_add(segment)),
            end,
            segment,
            finished: false,
            ahead: None,
            exhausted: false,
            hole: None,
            no_more_holes: false,
            edge: Vec::new(),
            scanned: start,
            counts_runs: false,
            finds_runs: false,
        }
    }
    /// Gives the matches of a pattern of zeros inside each hole as one
    /// [`Step::Run`], for a walk that only counts them: a 1 TiB hole is
    /// then one step, not one step a match.
    pub fn count_runs(&mut self) {
        self.counts_runs = true;
    }

    /// Gives back-to-back matches of one literal in the data as one
    /// [`Step::Run`] (at most a segment's worth each), as the split hands
    /// them on: a dense file (`aa` in a stretch of `a`) is then counted and
    /// replaced by arithmetic on one core too, not one step a match.
    pub fn find_runs(&mut self) {
        self.finds_runs = true;
    }

    /// The next match or progress point, or `None` at the end. `hay` must
    /// hold the range's bytes (it may be longer); its bytes inside holes
    /// are never read.
    pub fn next(&mut self, matcher: &Matcher, hay: &[u8], holes: &mut dyn Holes) -> Option<Step> {
        loop {
            if self.finished {
                return None;
            }
            let Some(hole) = self.hole_ahead(matcher, holes) else {
                return Some(self.data_step(matcher, hay, self.end, self.end));
            };
            let reach = matcher.reach();
            let data_stop = hole.start.saturating_sub(reach);
            if self.pos < data_stop {
                return Some(self.data_step(matcher, hay, hole.start, data_stop));
            }
            if self.pos < hole.start {
                match self.edge_match(matcher, hay, holes, hole.start) {
                    Some(found) => return Some(self.take(found)),
                    None => self.pos = hole.start,
                }
                continue;
            }
            let interior_stop = hole.end.saturating_sub(reach).max(hole.start);
            if self.pos < interior_stop {
                // Every byte a match starting here could cover is a zero:
                // only the longest pattern of zeros matches.
                return Some(match matcher.zero_match() {
                    // Back to back from here, each starting before the
                    // interior's end; the last ends inside the hole, as
                    // a pattern of zeros is at most `reach + 1` long.
                    Some((len, pattern)) if self.counts_runs => {
                        let count = (interior_stop - self.pos).div_ceil(len);
                        let start = self.pos;
                        self.pos += count * len;
                        Step::Run {
                            start,
                            len,
                            count: count as u64,
                            pattern,
                            hole: true,
                        }
                    }
                    Some((len, pattern)) => self.take(Match {
                        start: self.pos,
                        end: self.pos + len,
                        pattern,
                    }),
                    None => {
                        self.pos = interior_stop;
                        self.scanned = self.pos;
                        self.segment_end = self.pos;
                        Step::Scanned(self.pos)
                    }
                });
            }
            match self.edge_match(matcher, hay, holes, hole.end) {
                Some(found) => return Some(self.take(found)),
                None => self.pos = hole.end,
            }
        }
    }

    #[inline]
    fn take(&mut self, found: Match) -> Step {
        self.pos = found.end;
        Step::Match(found)
    }

    /// The next hole, unless the walk reads holes as data (a regex).
    #[inline]
    fn hole_ahead(&mut self, matcher: &Matcher, holes: &mut dyn Holes) -> Option<Range<usize>> {
        if matcher.reach() == usize::MAX || self.no_more_holes {
            return None;
        }
        if let Some(hole) = &self.hole
            && hole.end > self.pos
        {
            return Some(hole.clone());
        }
        self.hole = holes
            .next_hole(self.pos)
            .filter(|hole| hole.start < self.end && hole.end > self.pos)
            .map(|hole| hole.start..hole.end.min(self.end));
        self.no_more_holes = self.hole.is_none();
        self.hole.clone()
    }

    /// The leftmost match starting in `[pos, stop)`, found in a window
    /// stitched from the data and the zeros of the holes around `stop`.
    fn edge_match(
        &mut self,
        matcher: &Matcher,
        hay: &[u8],
        holes: &mut dyn Holes,
        stop: usize,
    ) -> Option<Match> {
        let from = self.pos;
        let to = self.end.min(stop.saturating_add(matcher.reach()));
        self.edge.clear();
        let mut at = from;
        while at < to {
            let next = holes.next_hole(at).filter(|hole| hole.start < to);
            let data_end = next.as_ref().map_or(to, |hole| hole.start.max(at));
            self.edge.extend_from_slice(&hay[at..data_end]);
            let zeros_end = next.map_or(to, |hole| hole.end.min(to));
            self.edge
                .resize(self.edge.len() + (zeros_end - data_end), 0);
            at = zeros_end;
        }
        let found = matcher.find_in(&self.edge, 0)?;
        (found.start + from < stop).then_some(Match {
            start: found.start + from,
            end: found.end + from,
            pattern: found.pattern,
        })
    }

    /// A step over data: matches starting in `[pos, stop)` and lying in
    /// `hay[..limit]`, or the end of a segment.
    #[inline]
    fn data_step(&mut self, matcher: &Matcher, hay: &[u8], limit: usize, stop: usize) -> Step {
        if self.segment_end <= self.pos {
            // A match crossed the segment's end, or a hole was skipped:
            // the walk is past it, which is said before going on.
            let next = self.segment_end.saturating_add(self.segment);
            self.segment_end = match next > self.pos {
                true => next,
                false => self.pos.saturating_add(self.segment),
            };
            if self.pos > self.scanned {
                self.scanned = self.pos;
                return Step::Scanned(self.pos);
            }
        }
        self.segment_end = self.segment_end.min(stop);
        // Every match starting in this segment ends inside the window;
        // a regex's window is all of the range, for its assertions.
        let window_end = limit.min(self.segment_end.saturating_add(matcher.reach()));
        let found = match self.ahead.take() {
            Some(found) => Some(found),
            None if self.exhausted => None,
            None => {
                let found = matcher.find_in(&hay[..window_end], self.pos);
                if found.is_none() && window_end == self.end {
                    self.exhausted = true;
                }
                found
            }
        };
        match found {
            Some(found) if found.start < self.segment_end && self.finds_runs => {
                return self.run_from(matcher, hay, found, window_end);
            }
            Some(found) if found.start < self.segment_end => return self.take(found),
            // A match found past this segment in a window that reaches the
            // end is the next match; in a shorter window a longer pattern
            // starting there might reach past it, so it is looked for again.
            Some(found) if window_end == self.end => self.ahead = Some(found),
            _ => {}
        }
        let scanned = self.segment_end;
        self.scanned = scanned;
        self.pos = self.pos.max(scanned);
        if scanned >= self.end {
            self.finished = true;
        } else if scanned < stop {
            self.segment_end = stop.min(scanned + self.segment);
        }
        Step::Scanned(scanned)
    }

    /// The match `found` and those of the same literal back to back after
    /// it that start in this segment and lie in `hay[..window_end]`: one
    /// [`Step::Run`] if there are several.
    fn run_from(&mut self, matcher: &Matcher, hay: &[u8], found: Match, window_end: usize) -> Step {
        let len = found.len();
        match matcher.next_run(hay, found.start, self.segment_end, window_end) {
            Some((start, count)) if start == found.start && count > 1 && len > 0 => {
                self.pos = start + count as usize * len;
                Step::Run {
                    start,
                    len,
                    count,
                    pattern: found.pattern,
                    hole: false,
                }
            }
            _ => self.take(found),
        }
    }
}
