//! The matcher: non-overlapping, left-to-right matches of one literal (memmem),
//! several or case-insensitive literals (Aho-Corasick, leftmost-longest) or a
//! regular expression, walked a segment at a time or split across threads.
//!
//! Find, replace, the dry run and the journal all take their matches from
//! here; it is pure (no I/O) and checked against naive oracles in the tests.

use std::convert::Infallible;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use aho_corasick::{AhoCorasick, Input, MatchKind};
use memchr::memmem::Finder;
use regex::bytes::{Regex, RegexBuilder};

use crate::pattern::Signature;
use crate::signatures::Signatures;

/// A match: bytes `[start, end)`, of pattern number `pattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub pattern: usize,
}

impl Match {
    pub fn len(&self) -> usize {
        self.end - self.start
    }
}

/// Compiled patterns: one engine behind one interface.
pub struct Matcher {
    engine: Engine,
    /// The patterns as given (a regex: its text), for reports.
    patterns: Vec<Vec<u8>>,
    /// The longest a match can be; `usize::MAX` when a regex has no bound.
    max_len: usize,
    /// How far past a segment's end a match starting in it may reach; a
    /// regex always sees the whole range, for its assertions.
    reach: usize,
    /// Whether a range may be cut into independent segments.
    splittable: bool,
    /// The longest pattern of zeros (length, number): what matches, again
    /// and again, inside a hole.
    zero_match: Option<(usize, usize)>,
    /// How many bytes before a search's start a match may depend on (a
    /// regex's `\b` or `^` looks at the byte, or UTF-8 character, before).
    look_behind: usize,
}

enum Engine {
    One(Box<Finder<'static>>),
    Many(AhoCorasick),
    Regex(Regex),
    /// Wildcard signatures (and literals given beside them).
    Signatures(Box<Signatures>),
}

/// What replaces each match.
pub enum Replacement {
    /// One replacement per pattern, by pattern number.
    Table(Vec<Vec<u8>>),
    /// A regex replacement template (`$1`, `${name}`).
    Expand(Vec<u8>),
    /// Every byte of the match overwritten with this one.
    Mask(u8),
    /// One replacement per pattern whose wildcards keep the match's bits.
    Keep(Vec<Signature>),
}

/// What a step of a [`Cursor`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A match.
    Match(Match),
    /// No further match starts below this offset: a point to report
    /// progress and to settle the bytes before it.
    Scanned(usize),
    /// `count` matches of `pattern`, `len` bytes each, back to back from
    /// `start`: a pattern of zeros inside a hole, counted by arithmetic
    /// (only for a cursor that [counts runs](Cursor::count_runs)).
    Zeros {
        start: usize,
        len: usize,
        count: u64,
        pattern: usize,
    },
}

/// How a split scan divides its range between threads.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    pub threads: usize,
    pub segment: usize,
}

impl Matcher {
    /// Literal patterns, none empty; `ignore_case` folds ASCII letters.
    /// No pattern at all (an empty pattern file) matches nothing.
    pub fn literals(patterns: Vec<Vec<u8>>, ignore_case: bool) -> Result<Matcher, String> {
        if patterns.iter().any(Vec::is_empty) {
            return Err("is empty".into());
        }
        let max_len = patterns.iter().map(Vec::len).max().unwrap_or(1);
        let (engine, splittable) = if patterns.len() == 1 && !ignore_case {
            let overlapping = has_border(&patterns[0]);
            (
                Engine::One(Box::new(Finder::new(&patterns[0]).into_owned())),
                !overlapping,
            )
        } else {
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(ignore_case)
                .build(&patterns)
                .map_err(|e| format!("cannot be compiled: {e}"))?;
            // One pattern folded: its occurrences overlap as its folded
            // form's do. Several: where a match starts depends on which
            // pattern ended before, so one walk.
            let splittable = patterns.len() == 1 && !has_border(&patterns[0].to_ascii_lowercase());
            (Engine::Many(ac), splittable)
        };
        let zero_match = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| p.iter().all(|&b| b == 0))
            .max_by_key(|(n, p)| (p.len(), std::cmp::Reverse(*n)))
            .map(|(n, p)| (p.len(), n));
        Ok(Matcher {
            engine,
            patterns,
            max_len,
            reach: max_len - 1,
            splittable,
            zero_match,
            look_behind: 0,
        })
    }

    /// Patterns that may hold wildcards, none empty nor wildcards only;
    /// without any wildcard, the literal engines. A signature set is
    /// scanned as literals are (bounded reach, holes skipped); one
    /// signature whose occurrences cannot overlap may be split.
    pub fn signatures(patterns: Vec<Signature>, ignore_case: bool) -> Result<Matcher, String> {
        if patterns.iter().all(Signature::is_literal) {
            let bytes = patterns.into_iter().map(|p| p.bytes).collect();
            return Matcher::literals(bytes, ignore_case);
        }
        if patterns.is_empty() || patterns.iter().any(Signature::is_empty) {
            return Err("is empty".into());
        }
        if patterns.iter().any(Signature::is_all_wildcards) {
            return Err(
                "holds only wildcards, which match anything; give at least one byte or nibble"
                    .into(),
            );
        }
        let max_len = patterns.iter().map(Signature::len).max().unwrap_or(1);
        let splittable = patterns.len() == 1 && !patterns[0].overlaps_itself(ignore_case);
        let zero_match = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| p.matches_zeros())
            .max_by_key(|(n, p)| (p.len(), std::cmp::Reverse(*n)))
            .map(|(n, p)| (p.len(), n));
        let bytes = patterns.iter().map(|p| p.bytes.clone()).collect();
        Ok(Matcher {
            engine: Engine::Signatures(Box::new(Signatures::new(patterns, ignore_case)?)),
            patterns: bytes,
            max_len,
            reach: max_len - 1,
            splittable,
            zero_match,
            // Fixed bytes and wildcards: a signature looks at nothing
            // outside its match.
            look_behind: 0,
        })
    }

    /// A regular expression over bytes (the `regex` crate's syntax); one
    /// that can match the empty string is refused, as it would match
    /// between every two bytes.
    pub fn regex(expression: &[u8], ignore_case: bool) -> Result<Matcher, String> {
        let text = std::str::from_utf8(expression)
            .map_err(|_| "is not valid UTF-8, which a regular expression must be".to_string())?;
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(ignore_case)
            .utf8(false)
            .build()
            .parse(text)
            .map_err(|e| regex_error(&e))?;
        // `None` is a regex that can never match: it finds nothing, which
        // is no reason to refuse it.
        if hir.properties().minimum_len() == Some(0) {
            return Err(
                "can match the empty string; give a pattern that matches at least one byte".into(),
            );
        }
        let regex = RegexBuilder::new(text)
            .case_insensitive(ignore_case)
            .size_limit(64 << 20)
            .build()
            .map_err(|e| one_line(&e.to_string()))?;
        // A Unicode `\b` decodes the character before (up to 4 bytes);
        // `^`, `(?m)^` and an ASCII `\b` look at one byte.
        let looks = hir.properties().look_set();
        let look_behind = match (looks.contains_word_unicode(), looks.is_empty()) {
            (true, _) => 4,
            (false, false) => 1,
            (false, true) => 0,
        };
        Ok(Matcher {
            look_behind,
            engine: Engine::Regex(regex),
            patterns: vec![expression.to_vec()],
            max_len: hir.properties().maximum_len().unwrap_or(usize::MAX),
            reach: usize::MAX,
            splittable: false,
            zero_match: None,
        })
    }

    /// A regex's capture groups by index (0 is the whole match), with
    /// their names; empty for literals.
    pub fn groups(&self) -> Vec<Option<&str>> {
        match &self.engine {
            Engine::Regex(regex) => regex.capture_names().collect(),
            _ => Vec::new(),
        }
    }

    pub fn patterns(&self) -> &[Vec<u8>] {
        &self.patterns
    }

    /// The longest a match can be (`usize::MAX`: unbounded).
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Whether a range can be cut into independent segments. Only when no
    /// two occurrences can overlap is every occurrence a match, whatever
    /// came before; `aa` in `aaaaa` depends on where the previous match
    /// ended, so such patterns (and several patterns, and regexes) are
    /// scanned in one walk.
    pub fn can_split(&self) -> bool {
        self.splittable
    }

    /// How far past its first byte a match can reach, and a regex look
    /// (`\b`, `$`) past its last; `None` when a regex has no longest match.
    pub fn bounded_reach(&self) -> Option<usize> {
        match self.engine {
            Engine::Regex(_) => (self.max_len != usize::MAX).then_some(self.max_len),
            _ => Some(self.reach),
        }
    }

    /// How many bytes before the start of a search (and after the end of
    /// a match) a regex's assertions may read: 4 for a Unicode `\b` (one
    /// UTF-8 character), 1 for `^`, `$` and ASCII `\b`, 0 for literals. A
    /// stream keeps this many bytes behind its search, and a writer stays
    /// this far behind the scan.
    pub fn look_behind(&self) -> usize {
        self.look_behind
    }

    /// Whether a match may hold a zero byte, and so lie partly in a hole.
    pub fn may_match_zeros(&self) -> bool {
        match &self.engine {
            Engine::Regex(_) => true,
            Engine::Signatures(set) => set.signatures().iter().any(Signature::may_match_a_zero),
            _ => self.patterns.iter().any(|p| p.contains(&0)),
        }
    }

    /// Whether the replacement of a match is always as long as the match:
    /// otherwise every expansion is checked before anything is written.
    pub fn same_length(&self, replacement: &Replacement) -> bool {
        match replacement {
            Replacement::Table(table) => {
                table.len() == self.patterns.len()
                    && table
                        .iter()
                        .zip(&self.patterns)
                        .all(|(r, p)| r.len() == p.len())
            }
            Replacement::Keep(table) => {
                table.len() == self.patterns.len()
                    && table
                        .iter()
                        .zip(&self.patterns)
                        .all(|(r, p)| r.len() == p.len())
            }
            Replacement::Mask(_) => true,
            Replacement::Expand(_) => false,
        }
    }

    /// The leftmost match starting at or after `from` and lying inside
    /// `hay`. For a regex, `hay` is all of the range, so that assertions
    /// (`\b`, `$`) see the bytes around a match.
    #[inline(always)]
    pub fn find_in(&self, hay: &[u8], from: usize) -> Option<Match> {
        if from >= hay.len() {
            return None;
        }
        // One literal is the common case and a dense file calls this for
        // every match: its search is inlined, the others are not.
        match &self.engine {
            Engine::One(finder) => {
                let start = from + finder.find(&hay[from..])?;
                Some(Match {
                    start,
                    end: start + finder.needle().len(),
                    pattern: 0,
                })
            }
            _ => self.find_in_others(hay, from),
        }
    }

    #[inline(never)]
    fn find_in_others(&self, hay: &[u8], from: usize) -> Option<Match> {
        match &self.engine {
            Engine::One(_) => None,
            Engine::Many(ac) => {
                let found = ac.find(Input::new(hay).span(from..hay.len()))?;
                Some(Match {
                    start: found.start(),
                    end: found.end(),
                    pattern: found.pattern().as_usize(),
                })
            }
            Engine::Regex(regex) => {
                let found = regex.find_at(hay, from)?;
                Some(Match {
                    start: found.start(),
                    end: found.end(),
                    pattern: 0,
                })
            }
            Engine::Signatures(set) => {
                let (start, end, pattern) = set.find_at(hay, from)?;
                Some(Match {
                    start,
                    end,
                    pattern,
                })
            }
        }
    }

    /// The first match starting in `[from, to)` and lying inside `hay`.
    pub fn find_at(&self, hay: &[u8], from: usize, to: usize) -> Option<Match> {
        self.find_in(hay, from).filter(|found| found.start < to)
    }

    /// The bytes that replace `found` in `hay`: a pair's own bytes, or
    /// made in `scratch` (a mask, a regex expansion).
    pub fn replacement<'a>(
        &self,
        replacement: &'a Replacement,
        hay: &[u8],
        found: Match,
        scratch: &'a mut Vec<u8>,
    ) -> &'a [u8] {
        match (replacement, &self.engine) {
            (Replacement::Table(table), _) => &table[found.pattern],
            (Replacement::Keep(table), _) => {
                table[found.pattern].merge_into(&hay[found.start..found.end], scratch);
                scratch
            }
            (Replacement::Mask(byte), _) => {
                scratch.clear();
                scratch.resize(found.len(), *byte);
                scratch
            }
            (Replacement::Expand(template), Engine::Regex(regex)) => {
                scratch.clear();
                if let Some(captures) = regex.captures_at(hay, found.start) {
                    captures.expand(template, scratch);
                }
                scratch
            }
            (Replacement::Expand(template), _) => template,
        }
    }

    /// A left-to-right walk over the matches lying entirely inside
    /// `[start, end)`, reporting progress every `segment` bytes.
    pub fn cursor(&self, start: usize, end: usize, segment: usize) -> Cursor {
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
        }
    }

    fn count(&self, hay: &[u8]) -> u64 {
        match &self.engine {
            Engine::One(finder) => finder.find_iter(hay).count() as u64,
            Engine::Many(ac) => ac.find_iter(hay).count() as u64,
            Engine::Regex(regex) => regex.find_iter(hay).count() as u64,
            Engine::Signatures(set) => set.count(hay),
        }
    }

    /// The number of matches in `hay[range]`, counted by `split.threads`
    /// threads; `done(offset, len)` is called as each segment is finished.
    pub fn count_split(
        &self,
        hay: &[u8],
        range: Range<usize>,
        split: Split,
        done: &(dyn Fn(usize, usize) + Sync),
    ) -> u64 {
        let count = |segment: Range<usize>| Ok::<u64, Infallible>(self.count(&hay[segment]));
        let Ok((inside, crossing)) = self.split_run(hay, range, split, count, done);
        inside + crossing.len() as u64
    }

    /// Runs `work(segment)` on every segment of `range` from
    /// `split.threads` threads and sums the results (each segment's matches
    /// are those starting in it and ending before its end); also returns,
    /// in order, the matches that cross a boundary between two segments.
    /// Each boundary is read once, just before the first of its two
    /// segments is worked on: before `work` can change anything near it,
    /// yet late enough that its pages are released with the segment's own.
    pub fn split_run<E: Send>(
        &self,
        hay: &[u8],
        range: Range<usize>,
        split: Split,
        work: impl Fn(Range<usize>) -> Result<u64, E> + Sync,
        done: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<(u64, Vec<Match>), E> {
        debug_assert!(self.can_split() && self.max_len < split.segment);
        let count = range.len().div_ceil(split.segment);
        // boundaries[i] lies between segments i and i + 1.
        let boundaries: Vec<OnceLock<Option<Match>>> = (0..count.saturating_sub(1))
            .map(|_| OnceLock::new())
            .collect();
        let read_boundary = |i: usize| {
            if let Some(cell) = boundaries.get(i) {
                let boundary = range.start + (i + 1) * split.segment;
                cell.get_or_init(|| self.crossing_match(hay, range.end, split.segment, boundary));
            }
        };
        let inside = run_parallel(0..count, split.threads, |i| {
            if i > 0 {
                read_boundary(i - 1);
            }
            read_boundary(i);
            let start = range.start + i * split.segment;
            let end = range.end.min(start + split.segment);
            let n = work(start..end)?;
            done(start, end - start);
            Ok(n)
        })?;
        let crossing = boundaries
            .into_iter()
            .filter_map(|cell| cell.into_inner().flatten())
            .collect();
        Ok((inside, crossing))
    }

    /// The match that starts in the segment just before `boundary` and ends
    /// after it, if any: at most one, as two would overlap.
    fn crossing_match(
        &self,
        hay: &[u8],
        end: usize,
        segment: usize,
        boundary: usize,
    ) -> Option<Match> {
        let m = self.max_len;
        let lo = (boundary + 1).saturating_sub(m).max(boundary - segment);
        let hi = end.min(boundary + m - 1);
        let window = &hay[lo..hi];
        let mut pos = 0;
        while let Some(found) = self.find_in(window, pos) {
            if found.start + lo >= boundary {
                return None;
            }
            if found.end + lo > boundary {
                return Some(Match {
                    start: found.start + lo,
                    end: found.end + lo,
                    pattern: found.pattern,
                });
            }
            pos = found.end;
        }
        None
    }
}

/// Where a file has holes: stretches that read as zeros and that a walk
/// never reads. A file without holes has [`NoHoles`].
pub trait Holes {
    /// The first hole that ends after `from` (it may start before it).
    fn next_hole(&mut self, from: usize) -> Option<Range<usize>>;
}

pub struct NoHoles;

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
    /// Whether the matches inside a hole come as one [`Step::Zeros`].
    counts_runs: bool,
}

impl Cursor {
    /// Gives the matches of a pattern of zeros inside each hole as one
    /// [`Step::Zeros`], for a walk that only counts them: a 1 TiB hole is
    /// then one step, not one step a match.
    pub fn count_runs(&mut self) {
        self.counts_runs = true;
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
            let reach = matcher.reach;
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
                return Some(match matcher.zero_match {
                    // Back to back from here, each starting before the
                    // interior's end; the last ends inside the hole, as
                    // a pattern of zeros is at most `reach + 1` long.
                    Some((len, pattern)) if self.counts_runs => {
                        let count = (interior_stop - self.pos).div_ceil(len);
                        let start = self.pos;
                        self.pos += count * len;
                        Step::Zeros {
                            start,
                            len,
                            count: count as u64,
                            pattern,
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
        if matcher.reach == usize::MAX || self.no_more_holes {
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
        let to = self.end.min(stop.saturating_add(matcher.reach));
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
        let window_end = limit.min(self.segment_end.saturating_add(matcher.reach));
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
}

/// Whether some proper prefix of `pattern` is also its suffix, which is
/// exactly when two occurrences can overlap.
fn has_border(pattern: &[u8]) -> bool {
    (1..pattern.len()).any(|k| pattern[..k] == pattern[pattern.len() - k..])
}

/// A parser's multi-line message folded onto one line.
/// A regex syntax error as one line naming the problem and where it is,
/// instead of the regex crate's several lines with a caret under it.
fn regex_error(error: &regex_syntax::Error) -> String {
    let (kind, span) = match error {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), e.span()),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), e.span()),
        other => return one_line(&other.to_string()),
    };
    format!("at byte {}: {kind}", span.start.offset)
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs `work` on every item from `threads` threads and sums the results;
/// the first error stops the others and is returned.
fn run_parallel<T: Send, E: Send>(
    items: impl Iterator<Item = T> + Send,
    threads: usize,
    work: impl Fn(T) -> Result<u64, E> + Sync,
) -> Result<u64, E> {
    if threads <= 1 {
        return items.map(work).sum();
    }
    let queue = Mutex::new(items);
    let total = AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    let first_error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let Some(item) = queue.lock().unwrap_or_else(|e| e.into_inner()).next() else {
                        break;
                    };
                    match work(item) {
                        Ok(n) => {
                            total.fetch_add(n, Ordering::Relaxed);
                        }
                        Err(error) => {
                            failed.store(true, Ordering::Relaxed);
                            first_error
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get_or_insert(error);
                        }
                    }
                }
            });
        }
    });
    match first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(error) => Err(error),
        None => Ok(total.into_inner()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The oracle: at each position the longest pattern that matches there
    /// (ASCII case folded with `fold`), skipping past each match, like
    /// Python's `bytes.count` for one pattern and `grep -F -o` for several.
    fn naive_matches(
        hay: &[u8],
        patterns: &[Vec<u8>],
        fold: bool,
        start: usize,
        end: usize,
    ) -> Vec<Match> {
        let eq = |a: &[u8], b: &[u8]| {
            if fold {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let mut found = Vec::new();
        let mut i = start;
        while i < end {
            let best = patterns
                .iter()
                .enumerate()
                .filter(|(_, p)| i + p.len() <= end && eq(&hay[i..i + p.len()], p))
                .max_by_key(|(n, p)| (p.len(), std::cmp::Reverse(*n)));
            match best {
                Some((n, p)) => {
                    found.push(Match {
                        start: i,
                        end: i + p.len(),
                        pattern: n,
                    });
                    i += p.len();
                }
                None => i += 1,
            }
        }
        found
    }

    fn walk(matcher: &Matcher, hay: &[u8], start: usize, end: usize, segment: usize) -> Vec<Match> {
        walk_holes(matcher, hay, start, end, segment, &mut NoHoles, false)
    }

    /// Holes as a sorted list of ranges.
    struct ListedHoles(Vec<Range<usize>>);

    impl Holes for ListedHoles {
        fn next_hole(&mut self, from: usize) -> Option<Range<usize>> {
            self.0.iter().find(|hole| hole.end > from).cloned()
        }
    }

    fn walk_holes(
        matcher: &Matcher,
        hay: &[u8],
        start: usize,
        end: usize,
        segment: usize,
        holes: &mut dyn Holes,
        runs: bool,
    ) -> Vec<Match> {
        let mut cursor = matcher.cursor(start, end, segment);
        if runs {
            cursor.count_runs();
        }
        let mut found = Vec::new();
        let mut last_scanned = start;
        while let Some(step) = cursor.next(matcher, &hay[..end], holes) {
            match step {
                Step::Match(m) => found.push(m),
                // A counted run, spelled out match by match.
                Step::Zeros {
                    start,
                    len,
                    count,
                    pattern,
                } => {
                    assert!(runs && count > 0);
                    found.extend((0..count as usize).map(|i| Match {
                        start: start + i * len,
                        end: start + (i + 1) * len,
                        pattern,
                    }));
                }
                Step::Scanned(upto) => {
                    assert!(
                        upto > last_scanned || upto == end || upto == start,
                        "progress must advance"
                    );
                    assert!(found.last().is_none_or(|m| m.start < upto));
                    last_scanned = upto;
                }
            }
        }
        assert_eq!(last_scanned, end, "the walk must report reaching the end");
        found
    }

    /// Haystacks over a tiny alphabet, so overlapping, adjacent and edge
    /// matches are common, and sizes that cross 4 KiB pages.
    fn haystack() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'A')], 0..200),
            proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b'b'), Just(b'c'), Just(b'B')],
                4000..9000
            ),
        ]
    }

    fn pattern() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b')], 1..5)
    }

    proptest! {
        #[test]
        fn one_literal_matches_oracle(hay in haystack(), pat in pattern(), segment in 1usize..5000, cut in 0usize..100) {
            let matcher = Matcher::literals(vec![pat.clone()], false).unwrap();
            let start = cut.min(hay.len());
            let end = hay.len() - cut.min(hay.len() - start);
            prop_assert_eq!(walk(&matcher, &hay, start, end, segment), naive_matches(&hay, &[pat], false, start, end));
        }

        #[test]
        fn several_literals_and_ignore_case_match_oracle(
            hay in haystack(),
            pats in proptest::collection::vec(pattern(), 1..5),
            fold: bool,
            segment in 1usize..5000,
            cut in 0usize..100,
        ) {
            let matcher = Matcher::literals(pats.clone(), fold).unwrap();
            let start = cut.min(hay.len());
            let end = hay.len() - cut.min(hay.len() - start);
            prop_assert_eq!(walk(&matcher, &hay, start, end, segment), naive_matches(&hay, &pats, fold, start, end));
        }

        #[test]
        fn holes_are_never_read_and_match_as_zeros(
            data in proptest::collection::vec(prop_oneof![Just(0u8), Just(b'a'), Just(b'b')], 0..3000),
            cuts in proptest::collection::vec((0usize..3000, 0usize..400), 0..6),
            pats in proptest::collection::vec(
                proptest::collection::vec(prop_oneof![Just(0u8), Just(0u8), Just(b'a')], 1..6), 1..4),
            segment in 1usize..2000,
            cut in 0usize..50,
        ) {
            // The file: `data` with holes punched in it (zeros); the walk
            // sees the holes' bytes as 0xff, so reading one shows.
            let mut holes: Vec<Range<usize>> = cuts
                .iter()
                .map(|&(at, len)| at.min(data.len())..(at + len).min(data.len()))
                .filter(|hole| !hole.is_empty())
                .collect();
            holes.sort_by_key(|hole| hole.start);
            let mut merged: Vec<Range<usize>> = Vec::new();
            for hole in holes {
                match merged.last_mut() {
                    Some(last) if hole.start <= last.end => last.end = last.end.max(hole.end),
                    _ => merged.push(hole),
                }
            }
            let mut file = data.clone();
            let mut poisoned = data.clone();
            for hole in &merged {
                file[hole.clone()].fill(0);
                poisoned[hole.clone()].fill(0xff);
            }
            let matcher = Matcher::literals(pats.clone(), false).unwrap();
            let start = cut.min(file.len());
            let expected = naive_matches(&file, &pats, false, start, file.len());
            let found = walk_holes(&matcher, &poisoned, start, file.len(), segment, &mut ListedHoles(merged.clone()), false);
            prop_assert_eq!(&found, &expected);
            // Counted by arithmetic inside each hole: the same matches.
            let counted = walk_holes(&matcher, &poisoned, start, file.len(), segment, &mut ListedHoles(merged), true);
            prop_assert_eq!(&counted, &expected);
        }

        #[test]
        fn regex_walk_matches_find_iter_on_the_whole_buffer(
            hay in haystack(),
            expr in prop_oneof![Just("a+b"), Just("ab|ba"), Just("(?i)ab{1,3}"), Just("a[ab]a"), Just(r"\bb+"), Just("b$")],
            segment in 1usize..5000,
        ) {
            let matcher = Matcher::regex(expr.as_bytes(), false).unwrap();
            let regex = Regex::new(expr).unwrap();
            let expected: Vec<_> = regex.find_iter(&hay).map(|m| (m.start(), m.end())).collect();
            let found: Vec<_> = walk(&matcher, &hay, 0, hay.len(), segment).iter().map(|m| (m.start, m.end)).collect();
            prop_assert_eq!(found, expected);
        }

        #[test]
        fn split_count_and_work_match_oracle(hay in haystack(), pat in pattern(), fold: bool, threads in 1usize..4, segment in 5usize..3000) {
            let matcher = Matcher::literals(vec![pat.clone()], fold).unwrap();
            prop_assume!(matcher.can_split());
            let split = Split { threads, segment };
            let expected = naive_matches(&hay, std::slice::from_ref(&pat), fold, 0, hay.len());
            let done_bytes = AtomicU64::new(0);
            let done = |_: usize, len: usize| { done_bytes.fetch_add(len as u64, Ordering::Relaxed); };
            prop_assert_eq!(matcher.count_split(&hay, 0..hay.len(), split, &done), expected.len() as u64);
            prop_assert_eq!(done_bytes.load(Ordering::Relaxed), hay.len() as u64);

            // Each segment's matches, found with find_at as the pass finds
            // them, plus the crossing ones: every match exactly once.
            let seen = Mutex::new(Vec::new());
            let work = |segment: Range<usize>| -> Result<u64, ()> {
                let mut n = 0;
                let mut pos = segment.start;
                while let Some(m) = matcher.find_at(&hay[..segment.end], pos, segment.end) {
                    seen.lock().unwrap().push(m);
                    pos = m.end;
                    n += 1;
                }
                Ok(n)
            };
            let (inside, crossing) = matcher.split_run(&hay, 0..hay.len(), split, work, &|_, _| {}).unwrap();
            prop_assert_eq!(inside + crossing.len() as u64, expected.len() as u64);
            let mut seen = seen.into_inner().unwrap();
            seen.extend(crossing);
            seen.sort_unstable_by_key(|m| m.start);
            prop_assert_eq!(seen, expected);
        }
    }

    #[test]
    fn overlapping_pattern_is_found_left_to_right() {
        let matcher = Matcher::literals(vec![b"aa".to_vec()], false).unwrap();
        let starts: Vec<_> = walk(&matcher, b"aaaaa", 0, 5, 2)
            .iter()
            .map(|m| m.start)
            .collect();
        assert_eq!(starts, vec![0, 2]);
        assert!(!matcher.can_split());
        let splits = |p: &[u8], fold| {
            Matcher::literals(vec![p.to_vec()], fold)
                .unwrap()
                .can_split()
        };
        assert!(splits(b"ERROR", false));
        assert!(!splits(b"abab", false));
        assert!(!splits(b"aBA", true), "aba folded has a border");
        assert!(splits(b"aBA", false));
    }

    #[test]
    fn a_dense_walk_reports_every_segment_end_even_when_matches_cross_it() {
        // In a run of `a`, `aa` matches cross every odd segment end.
        let hay = vec![b'a'; 1001];
        let matcher = Matcher::literals(vec![b"aa".to_vec()], false).unwrap();
        let mut cursor = matcher.cursor(0, hay.len(), 101);
        let mut scanned = Vec::new();
        while let Some(step) = cursor.next(&matcher, &hay, &mut NoHoles) {
            if let Step::Scanned(upto) = step {
                scanned.push(upto);
            }
        }
        assert_eq!(scanned.len(), 10, "{scanned:?}");
        assert!(
            scanned
                .windows(2)
                .all(|w| w[0] < w[1] && w[1] - w[0] <= 102),
            "{scanned:?}"
        );
        assert_eq!(scanned.last(), Some(&1001));
    }

    #[test]
    fn the_longest_pattern_wins_and_then_the_first_given() {
        let pats = vec![
            b"ab".to_vec(),
            b"abcd".to_vec(),
            b"cd".to_vec(),
            b"ab".to_vec(),
        ];
        let matcher = Matcher::literals(pats, false).unwrap();
        let found = walk(&matcher, b"abcdab", 0, 6, 3);
        assert_eq!(
            found,
            vec![
                Match {
                    start: 0,
                    end: 4,
                    pattern: 1
                },
                Match {
                    start: 4,
                    end: 6,
                    pattern: 0
                }
            ]
        );
    }

    #[test]
    fn regex_replacements_expand_and_mask() {
        let matcher = Matcher::regex(br"id=(?P<hex>[0-9a-f]{4})", false).unwrap();
        let hay = b"x id=beef y";
        let found = matcher.find_in(hay, 0).unwrap();
        let mut out = Vec::new();
        let expand = Replacement::Expand(b"ID=${hex}".to_vec());
        assert_eq!(
            matcher.replacement(&expand, hay, found, &mut out),
            b"ID=beef"
        );
        let mask = Replacement::Mask(b'X');
        assert_eq!(matcher.replacement(&mask, hay, found, &mut out), b"XXXXXXX");
    }

    #[test]
    fn a_regex_that_matches_nothing_but_empty_is_refused() {
        assert!(
            Matcher::regex(b"x*", false)
                .err()
                .unwrap()
                .contains("empty string")
        );
        assert!(Matcher::regex(b"(", false).is_err());
        assert_eq!(
            Matcher::regex(b"id=[0-9a-f]{8}", false).unwrap().max_len(),
            11
        );
    }

    #[test]
    fn matches_across_a_page_boundary() {
        let mut hay = vec![b'.'; 8192];
        hay[4094..4099].copy_from_slice(b"ERROR");
        hay[8187..].copy_from_slice(b"ERROR");
        hay[..5].copy_from_slice(b"ERROR");
        let matcher = Matcher::literals(vec![b"ERROR".to_vec()], false).unwrap();
        let starts: Vec<_> = walk(&matcher, &hay, 0, hay.len(), 4096)
            .iter()
            .map(|m| m.start)
            .collect();
        assert_eq!(starts, vec![0, 4094, 8187]);
        let split = Split {
            threads: 2,
            segment: 4096,
        };
        assert_eq!(
            matcher.count_split(&hay, 0..hay.len(), split, &|_, _| {}),
            3
        );
    }

    #[test]
    fn split_run_stops_at_the_first_error() {
        let matcher = Matcher::literals(vec![b"x".to_vec()], false).unwrap();
        let hay = vec![b'x'; 100];
        let split = Split {
            threads: 2,
            segment: 10,
        };
        let fail = |segment: Range<usize>| match segment.start {
            50 => Err(50),
            _ => Ok(1),
        };
        assert_eq!(
            matcher.split_run(&hay, 0..100, split, fail, &|_, _| {}),
            Err(50)
        );
    }
}
