//! The matcher: non-overlapping, left-to-right matches of one literal (memmem),
//! several or case-insensitive literals (Aho-Corasick, leftmost-longest) or a
//! regular expression, walked a segment at a time or split across threads.
//!
//! Find, replace, the dry run and the journal all take their matches from
//! here; it is pure (no I/O) and checked against naive oracles in the tests.

use std::convert::Infallible;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, Input, MatchKind};
use memchr::memmem::Finder;
use regex::bytes::{Regex, RegexBuilder};
use regex_automata::meta;

use crate::engine::pattern::Signature;
use crate::engine::signatures::Signatures;

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
    /// One literal, ASCII case folded: a byte regex, whose search of its
    /// case variants is vectorised (Teddy), where Aho-Corasick's is not.
    Folded(meta::Regex),
    /// A regex: searched by `search`; `captures` expands replacements.
    Regex {
        search: meta::Regex,
        captures: Regex,
    },
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
        let engine = if patterns.len() == 1 && !ignore_case {
            Engine::One(Box::new(Finder::new(&patterns[0]).into_owned()))
        } else if patterns.len() == 1 {
            // Measured on 1 GiB of log, one core: 0.12 s of CPU against
            // 1.02 s for Aho-Corasick's ASCII case folding (rg: 0.12 s).
            Engine::Folded(folded_literal(&patterns[0])?)
        } else {
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(ignore_case)
                .build(&patterns)
                .map_err(|e| format!("cannot be compiled: {e}"))?;
            Engine::Many(ac)
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
        // The same regex, searched with a span, so that assertions see the
        // bytes around a segment (as `Regex::find_at` does before it).
        let search = meta::Regex::builder()
            .syntax(
                regex_automata::util::syntax::Config::new()
                    .case_insensitive(ignore_case)
                    .utf8(false),
            )
            .configure(
                meta::Config::new()
                    .utf8_empty(false)
                    .nfa_size_limit(Some(64 << 20)),
            )
            .build(text)
            .map_err(|e| one_line(&e.to_string()))?;
        Ok(Matcher {
            engine: Engine::Regex {
                search,
                captures: regex,
            },
            patterns: vec![expression.to_vec()],
            max_len: hir.properties().maximum_len().unwrap_or(usize::MAX),
            reach: usize::MAX,
            zero_match: None,
            look_behind,
        })
    }

    /// A regex's capture groups by index (0 is the whole match), with
    /// their names; empty for literals.
    pub fn groups(&self) -> Vec<Option<&str>> {
        match &self.engine {
            Engine::Regex { captures, .. } => captures.capture_names().collect(),
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

    /// How far past its first byte a match can reach, and a regex look
    /// (`\b`, `$`) past its last; `None` when a regex has no longest match.
    pub fn bounded_reach(&self) -> Option<usize> {
        match self.engine {
            Engine::Regex { .. } => (self.max_len != usize::MAX).then_some(self.max_len),
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
            Engine::Regex { .. } => true,
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
                let start = find_one(finder, hay, from, hay.len())?;
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
            Engine::Regex { .. } | Engine::Folded(_) | Engine::Signatures(_) => {
                self.find_within(hay, from, hay.len())
            }
        }
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
            (Replacement::Expand(template), Engine::Regex { captures, .. }) => {
                scratch.clear();
                if let Some(captures) = captures.captures_at(hay, found.start) {
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
}

/// The file as a split scan reads it: its bytes, borrowed anew for every
/// search and write (so that no borrow of them is held across a write),
/// and whether the scan must stop (the file was cut short under it).
pub trait View: Sync {
    fn bytes(&self) -> &[u8];
    /// Checked before each segment: once true, the others are skipped.
    fn stopped(&self) -> bool {
        false
    }
}

impl View for &[u8] {
    fn bytes(&self) -> &[u8] {
        self
    }
}

/// Where a split scan's matches go: one writer per thread, which is given
/// matches in ascending order; `flush` ends a stretch of them.
pub trait Put {
    type Error: Send;
    fn put(&mut self, found: Match) -> Result<(), Self::Error>;
    /// Several matches in ascending order (dense ones, adjacent: a writer
    /// may write each run of them at once).
    fn put_all(&mut self, found: &[Match]) -> Result<(), Self::Error> {
        found.iter().try_for_each(|&m| self.put(m))
    }
    fn flush(&mut self) -> Result<(), Self::Error>;
}

/// The writer of a split scan that only counts.
pub struct NoPut;

impl Put for NoPut {
    type Error = Infallible;
    fn put(&mut self, _: Match) -> Result<(), Infallible> {
        Ok(())
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

/// What a split scan found: every match of the range, as the one-thread
/// walk finds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub matches: u64,
    /// Matches of each pattern, by pattern number.
    pub per_pattern: Vec<u64>,
}

/// A segment's first matches kept until the segment's true start is known
/// (when the scans from every possible start agree later than this, the
/// segment is rescanned once that start is known).
const KEEP: usize = 1024;
/// The longest pattern (or regex match) a range is split for.
const SPLIT_MAX_LEN: usize = 4096;
/// Matches found before they are written, in a segment written again.
const BATCH: usize = 1024;
/// `Meet::at` when a scan never meets the segment's own: after all of it.
const NEVER: usize = usize::MAX;

/// Where a walk from some start runs into the segment's own scan `S`.
struct Meet {
    /// Its matches before it meets `S`.
    before: Vec<Match>,
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
    /// The matches of that walk, `S`: starting in the segment.
    count: u64,
    per_pattern: Vec<u64>,
    last_end: Option<usize>,
    /// `S`'s first matches: those not written (before the point where every
    /// possible start agrees, or near the segment's start), or when nothing
    /// is written, the first ones as far as the meets needed them.
    first: Vec<Match>,
    /// `S`'s last matches, near the segment's end, not written.
    tail: Vec<Match>,
    alts: Vec<Alt>,
    /// Whether the matches between `first` and `tail` were written.
    wrote: bool,
}

/// A segment written after the threads: a walk from `from`, inside
/// `[from, to)`, which holds exactly `count` matches.
struct Later {
    from: usize,
    to: usize,
    count: u64,
}

/// The join of the segments' scans, left to right.
struct Joined<P> {
    next: usize,
    waiting: std::collections::BTreeMap<usize, Scanned>,
    /// The end of the last true match so far, or the range's start.
    frontier: usize,
    counted: Counted,
    /// True matches no thread wrote, written once no scan can read them.
    pending: std::collections::VecDeque<Match>,
    writer: Option<P>,
    later: Vec<Later>,
}

/// Writes the pending matches that end at or before `safe`.
fn settle<P: Put>(joined: &mut Joined<P>, safe: usize) -> Result<(), P::Error> {
    if let Some(writer) = joined.writer.as_mut() {
        while let Some(&found) = joined.pending.front() {
            if found.end > safe {
                break;
            }
            writer.put(found)?;
            joined.pending.pop_front();
        }
    }
    Ok(())
}

/// A walk's position, for the segment's own scan.
struct Run {
    pos: usize,
    done: bool,
}

impl Run {
    fn next(&mut self, matcher: &Matcher, hay: &[u8], stop: usize, limit: usize) -> Option<Match> {
        if self.done {
            return None;
        }
        let found = matcher
            .find_within(hay, self.pos, limit)
            .filter(|m| m.start < stop);
        match found {
            Some(found) => self.pos = found.end,
            None => self.done = true,
        }
        found
    }
}

impl Matcher {
    /// Whether a range may be split into segments scanned by several
    /// threads (every matcher whose matches have a bounded length).
    pub fn can_split(&self) -> bool {
        self.max_len <= SPLIT_MAX_LEN
    }

    /// The leftmost match starting at or after `from` and lying inside
    /// `hay[..limit]`; a regex's assertions see all of `hay`.
    fn find_within(&self, hay: &[u8], from: usize, limit: usize) -> Option<Match> {
        let limit = limit.min(hay.len());
        if from >= limit {
            return None;
        }
        match &self.engine {
            Engine::One(finder) => {
                let start = find_one(finder, hay, from, limit)?;
                Some(Match {
                    start,
                    end: start + finder.needle().len(),
                    pattern: 0,
                })
            }
            Engine::Many(ac) => {
                let found = ac.find(Input::new(hay).span(from..limit))?;
                Some(Match {
                    start: found.start(),
                    end: found.end(),
                    pattern: found.pattern().as_usize(),
                })
            }
            Engine::Regex { search, .. } | Engine::Folded(search) => {
                let found = search.search(&regex_automata::Input::new(hay).span(from..limit))?;
                Some(Match {
                    start: found.start(),
                    end: found.end(),
                    pattern: 0,
                })
            }
            Engine::Signatures(set) => {
                let (start, end, pattern) = set.find_at(&hay[..limit], from)?;
                Some(Match {
                    start,
                    end,
                    pattern,
                })
            }
        }
    }

    /// The matches of a walk from `from` that start before `stop` and lie
    /// inside `hay[..limit]`, counted in one batched search: how many, of
    /// each pattern (added to `per_pattern`), and the last.
    fn count_within(
        &self,
        hay: &[u8],
        from: usize,
        stop: usize,
        limit: usize,
        per_pattern: &mut [u64],
    ) -> (u64, Option<Match>) {
        let limit = limit.min(hay.len());
        if from >= limit || from >= stop {
            return (0, None);
        }
        let mut n = 0u64;
        let mut last = None;
        match &self.engine {
            Engine::One(finder) => {
                let len = finder.needle().len();
                let mut last_start = None;
                let mut pos = from;
                while let Some(start) = find_one(finder, hay, pos, limit) {
                    if start >= stop {
                        break;
                    }
                    n += 1;
                    last_start = Some(start);
                    pos = start + len;
                }
                last = last_start.map(|start| Match {
                    start,
                    end: start + len,
                    pattern: 0,
                });
            }
            Engine::Many(ac) => {
                for found in ac.find_iter(Input::new(hay).span(from..limit)) {
                    if found.start() >= stop {
                        break;
                    }
                    n += 1;
                    per_pattern[found.pattern().as_usize()] += 1;
                    last = Some(Match {
                        start: found.start(),
                        end: found.end(),
                        pattern: found.pattern().as_usize(),
                    });
                }
                return (n, last);
            }
            Engine::Regex { search, .. } | Engine::Folded(search) => {
                for found in search.find_iter(regex_automata::Input::new(hay).span(from..limit)) {
                    if found.start() >= stop {
                        break;
                    }
                    n += 1;
                    last = Some(Match {
                        start: found.start(),
                        end: found.end(),
                        pattern: 0,
                    });
                }
            }
            Engine::Signatures(_) => {
                let mut pos = from;
                while let Some(found) = self.find_within(hay, pos, limit) {
                    if found.start >= stop {
                        break;
                    }
                    n += 1;
                    per_pattern[found.pattern] += 1;
                    last = Some(found);
                    pos = found.end;
                }
                return (n, last);
            }
        }
        per_pattern[0] += n;
        (n, last)
    }

    /// The bytes either side of a segment that its scan may read, and
    /// that no other thread writes while it may.
    fn margin(&self) -> usize {
        self.max_len + 4
    }

    /// The number of matches in `range` of `view`, counted by
    /// `split.threads` threads; `done(offset, len)` is called as each
    /// segment is finished.
    pub fn count_split(
        &self,
        view: &dyn View,
        range: Range<usize>,
        split: Split,
        done: &(dyn Fn(usize, usize) + Sync),
    ) -> Counted {
        let Ok(counted) = self.split_run::<NoPut>(view, range, split, None, done);
        counted
    }

    /// Every match of `range`, exactly as the one-thread walk finds them,
    /// found by `split.threads` threads and, when `writer` is given, each
    /// handed once to a writer made by it (one per thread).
    ///
    /// Each segment is scanned from its first byte; the true walk enters
    /// it there or at the end of a match crossing its start, and the scans
    /// from those ends soon run into the segment's own. A thread writes the
    /// matches past the point where they all agree; the join, left to right,
    /// learns each segment's true start and writes the few matches before
    /// that point and those near the segment's edges (which its neighbours'
    /// scans read) once no scan can read them. A segment whose starts never
    /// agree (dense self-overlapping matches) is written after the threads,
    /// from its true start (a regex's: by the join, which reads around it).
    pub fn split_run<P: Put + Send>(
        &self,
        view: &dyn View,
        range: Range<usize>,
        split: Split,
        writer: Option<&(dyn Fn() -> P + Sync)>,
        done: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Counted, P::Error> {
        let patterns = self.patterns.len();
        let segment = split.segment.max(1);
        let segments = range.len().div_ceil(segment);
        let joined = Mutex::new(Joined {
            next: 0,
            waiting: Default::default(),
            frontier: range.start,
            counted: Counted {
                matches: 0,
                per_pattern: vec![0; patterns],
            },
            pending: Default::default(),
            writer: writer.map(|make| make()),
            later: Vec::new(),
        });
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let first_error = Mutex::new(None);
        let bounds = |j: usize| {
            let start = range.start + j * segment;
            start..range.end.min(start + segment)
        };
        let work = || {
            let mut put = writer.map(|make| make());
            while !failed.load(Ordering::Relaxed) {
                let j = next.fetch_add(1, Ordering::Relaxed);
                if j >= segments || view.stopped() {
                    break;
                }
                let seg = bounds(j);
                let result = self
                    .scan_segment(view, &range, seg.clone(), put.as_mut())
                    .and_then(|scanned| {
                        done(seg.start, seg.len());
                        let mut joined = joined.lock().unwrap_or_else(|e| e.into_inner());
                        joined.waiting.insert(j, scanned);
                        loop {
                            let k = joined.next;
                            let Some(scanned) = joined.waiting.remove(&k) else {
                                break;
                            };
                            self.join(view, &range, bounds(k), scanned, &mut joined)?;
                            joined.next += 1;
                        }
                        Ok(())
                    });
                if let Err(error) = result {
                    failed.store(true, Ordering::Relaxed);
                    first_error
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_or_insert(error);
                }
            }
        };
        if split.threads <= 1 {
            work();
        } else {
            std::thread::scope(|scope| {
                for _ in 0..split.threads {
                    scope.spawn(work);
                }
            });
        }
        if let Some(error) = first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(error);
        }
        let mut joined = joined.into_inner().unwrap_or_else(|e| e.into_inner());
        if view.stopped() || joined.next < segments {
            // Cut short: the caller reports it; nothing more is written.
            return Ok(joined.counted);
        }
        if let Some(writer) = joined.writer.as_mut() {
            for found in joined.pending.drain(..) {
                writer.put(found)?;
            }
            writer.flush()?;
        }
        if let Some(make) = writer {
            self.write_later(view, &range, &joined.later, split.threads, make)?;
        }
        Ok(joined.counted)
    }

    /// The segments whose true start came too late for their threads: each
    /// walked again from it, inside its known end, by several threads (a
    /// literal's walk reads only its own bytes there).
    fn write_later<P: Put + Send>(
        &self,
        view: &dyn View,
        range: &Range<usize>,
        later: &[Later],
        threads: usize,
        make: &(dyn Fn() -> P + Sync),
    ) -> Result<(), P::Error> {
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let first_error = Mutex::new(None);
        let work = || {
            let mut put = make();
            while !failed.load(Ordering::Relaxed) {
                let Some(task) = later.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                let result = (|| {
                    let mut pos = task.from;
                    let mut n = 0;
                    let mut batch = Vec::with_capacity(BATCH);
                    loop {
                        let hay = &view.bytes()[..range.end];
                        pos = self.find_many(hay, pos, task.to, &mut batch);
                        if batch.is_empty() {
                            break;
                        }
                        n += batch.len() as u64;
                        put.put_all(&batch)?;
                        batch.clear();
                    }
                    debug_assert_eq!(n, task.count);
                    put.flush()
                })();
                if let Err(error) = result {
                    failed.store(true, Ordering::Relaxed);
                    first_error
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_or_insert(error);
                }
            }
        };
        if threads <= 1 || later.len() <= 1 {
            work();
        } else {
            std::thread::scope(|scope| {
                for _ in 0..threads.min(later.len()) {
                    scope.spawn(work);
                }
            });
        }
        match first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Adds the matches of a walk from `from` inside `hay[..limit]` to
    /// `batch`, up to [`BATCH`] of them; returns where the walk is. One
    /// literal's loop is inlined: a dense file runs it for every few bytes.
    fn find_many(&self, hay: &[u8], from: usize, limit: usize, batch: &mut Vec<Match>) -> usize {
        let mut pos = from;
        if let Engine::One(finder) = &self.engine {
            let len = finder.needle().len();
            while batch.len() < BATCH
                && pos < limit
                && let Some(start) = find_one(finder, hay, pos, limit)
            {
                pos = start + len;
                batch.push(Match {
                    start,
                    end: pos,
                    pattern: 0,
                });
            }
            return pos;
        }
        while batch.len() < BATCH
            && let Some(found) = self.find_within(hay, pos, limit)
        {
            batch.push(found);
            pos = found.end;
        }
        pos
    }

    /// The ends of the matches that start before `boundary` (at or after
    /// `lowest`) and end after it: where the true walk may resume.
    fn crossing_ends(&self, hay: &[u8], lowest: usize, boundary: usize) -> Vec<usize> {
        let limit = boundary.saturating_add(self.max_len - 1);
        let mut x = boundary.saturating_sub(self.max_len - 1).max(lowest);
        let mut ends = Vec::new();
        while x < boundary {
            match self.find_within(hay, x, limit) {
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

    /// Where a walk from `from` runs into `S` (whose first matches are in
    /// `first`, extended from `s` as needed, up to [`KEEP`]).
    #[allow(clippy::too_many_arguments)]
    fn meet(
        &self,
        hay: &[u8],
        from: usize,
        stop: usize,
        limit: usize,
        first: &mut Vec<Match>,
        s: &mut Run,
    ) -> Option<Meet> {
        let mut before = Vec::new();
        let mut pos = from;
        let mut i = 0;
        loop {
            let found = match pos < stop {
                true => self.find_within(hay, pos, limit).filter(|m| m.start < stop),
                false => None,
            };
            let Some(found) = found else {
                return Some(Meet { before, at: NEVER });
            };
            while !s.done && first.last().is_none_or(|m| m.start < found.start) {
                if first.len() >= KEEP {
                    return None;
                }
                if let Some(m) = s.next(self, hay, stop, limit) {
                    first.push(m);
                }
            }
            while i < first.len() && first[i].start < found.start {
                i += 1;
            }
            if i < first.len() && first[i].start == found.start {
                return Some(Meet { before, at: i });
            }
            if before.len() >= KEEP {
                return None;
            }
            before.push(found);
            pos = found.end;
        }
    }

    /// One segment's scan from its first byte (see [`Matcher::split_run`]).
    fn scan_segment<P: Put>(
        &self,
        view: &dyn View,
        range: &Range<usize>,
        seg: Range<usize>,
        put: Option<&mut P>,
    ) -> Result<Scanned, P::Error> {
        let end = range.end;
        let hay = || &view.bytes()[..end];
        let limit = end.min(seg.end.saturating_add(self.max_len - 1));
        let mut per_pattern = vec![0; self.patterns.len()];
        let mut first = Vec::new();
        let mut s = Run {
            pos: seg.start,
            done: false,
        };
        let alts: Vec<Alt> = match seg.start > range.start {
            true => self.crossing_ends(hay(), range.start, seg.start),
            false => Vec::new(),
        }
        .into_iter()
        .map(|from| Alt {
            from,
            meets: self.meet(hay(), from, seg.end, limit, &mut first, &mut s),
        })
        .collect();
        let agreed = alts
            .iter()
            .map(|alt| alt.meets.as_ref().map_or(NEVER, |meet| meet.at))
            .max()
            .unwrap_or(0);
        let writes = put.is_some() && agreed != NEVER;
        let mut count = first.len() as u64;
        for m in &first {
            per_pattern[m.pattern] += 1;
        }
        let mut last = first.last().copied();
        let mut tail = Vec::new();
        match put {
            Some(put) if writes => {
                // Written: every match from `agreed` on that no other
                // scan can read; kept: the ones before, and near the edges.
                let inner = seg.start + self.margin()..seg.end.saturating_sub(self.margin());
                let kept = |i: usize, m: &Match| i < agreed || m.start < inner.start;
                let keep = (0..first.len())
                    .find(|&i| !kept(i, &first[i]))
                    .unwrap_or(first.len());
                let rest = first.split_off(keep);
                let mut i = keep;
                let mut place = |i: usize, m: Match, first: &mut Vec<Match>| {
                    if kept(i, &m) {
                        first.push(m);
                        Ok(())
                    } else if m.end <= inner.end && tail.is_empty() {
                        put.put(m)
                    } else {
                        tail.push(m);
                        Ok(())
                    }
                };
                for m in rest {
                    place(i, m, &mut first)?;
                    i += 1;
                }
                while let Some(m) = s.next(self, hay(), seg.end, limit) {
                    count += 1;
                    per_pattern[m.pattern] += 1;
                    last = Some(m);
                    place(i, m, &mut first)?;
                    i += 1;
                }
                put.flush()?;
            }
            _ => {
                if !s.done {
                    let (n, found) =
                        self.count_within(hay(), s.pos, seg.end, limit, &mut per_pattern);
                    count += n;
                    last = found.or(last);
                }
            }
        }
        Ok(Scanned {
            count,
            per_pattern,
            last_end: last.map(|m| m.end),
            first,
            tail,
            alts,
            wrote: writes,
        })
    }

    /// Joins segment `seg`'s scan to the ones before it.
    fn join<P: Put>(
        &self,
        view: &dyn View,
        range: &Range<usize>,
        seg: Range<usize>,
        scanned: Scanned,
        joined: &mut Joined<P>,
    ) -> Result<(), P::Error> {
        let entry = joined.frontier.max(seg.start);
        let writes = joined.writer.is_some();
        let start_meet = Meet {
            before: Vec::new(),
            at: 0,
        };
        let meet = match entry {
            _ if entry >= seg.end => None,
            _ if entry == seg.start => Some(&start_meet),
            _ => scanned
                .alts
                .iter()
                .find(|alt| alt.from == entry)
                .and_then(|alt| alt.meets.as_ref()),
        };
        let n = scanned.count as usize;
        let counted = &mut joined.counted;
        if entry >= seg.end {
            // A true match covers the whole segment.
        } else if let Some(meet) =
            meet.filter(|meet| meet.at >= n || meet.at <= scanned.first.len())
        {
            let at = meet.at.min(n);
            let count = meet.before.len() + (n - at);
            counted.matches += count as u64;
            if at < n {
                // S from its meet on: all of it but its first `at`.
                for (k, c) in scanned.per_pattern.iter().enumerate() {
                    counted.per_pattern[k] += c;
                }
                for m in &scanned.first[..at] {
                    counted.per_pattern[m.pattern] -= 1;
                }
            }
            for m in &meet.before {
                counted.per_pattern[m.pattern] += 1;
            }
            let exit = match at < n {
                true => scanned.last_end,
                false => meet.before.last().map(|m| m.end),
            };
            if writes && count > 0 {
                if scanned.wrote {
                    joined.pending.extend(meet.before.iter().copied());
                    if at < n {
                        joined.pending.extend(scanned.first[at..].iter().copied());
                        joined.pending.extend(scanned.tail.iter().copied());
                    }
                } else if let Some(exit) = exit {
                    self.rewalk(view, range, seg.clone(), entry, exit, count as u64, joined)?;
                }
            }
            if let Some(exit) = exit {
                joined.frontier = exit;
            }
        } else {
            // The true start's walk never met S: walked again from it.
            let mut pos = entry;
            let mut count = 0u64;
            let hay = || &view.bytes()[..range.end];
            let limit = range.end.min(seg.end.saturating_add(self.max_len - 1));
            let mut exit = None;
            while let Some(found) = self
                .find_within(hay(), pos, limit)
                .filter(|m| m.start < seg.end)
            {
                counted.matches += 1;
                counted.per_pattern[found.pattern] += 1;
                count += 1;
                pos = found.end;
                exit = Some(found.end);
            }
            if let Some(exit) = exit {
                if writes {
                    self.rewalk(view, range, seg.clone(), entry, exit, count, joined)?;
                }
                joined.frontier = exit;
            }
        }
        // Matches no later segment's scan can read are written now.
        settle(joined, seg.end.saturating_sub(self.margin()))
    }

    /// A segment whose thread wrote nothing, with its true start and end
    /// known: a literal's is written after the threads; a regex's now, by
    /// the join (its assertions read bytes around its matches, which the
    /// later writes could change).
    #[allow(clippy::too_many_arguments)]
    fn rewalk<P: Put>(
        &self,
        view: &dyn View,
        range: &Range<usize>,
        seg: Range<usize>,
        entry: usize,
        exit: usize,
        count: u64,
        joined: &mut Joined<P>,
    ) -> Result<(), P::Error> {
        if !matches!(self.engine, Engine::Regex { .. }) {
            joined.later.push(Later {
                from: entry,
                to: exit,
                count,
            });
            return Ok(());
        }
        let limit = range.end.min(seg.end.saturating_add(self.max_len - 1));
        let safe = seg.end.saturating_sub(self.margin());
        let mut pos = entry;
        while let Some(found) = self
            .find_within(&view.bytes()[..range.end], pos, limit)
            .filter(|m| m.start < seg.end)
        {
            joined.pending.push_back(found);
            settle(joined, safe)?;
            pos = found.end;
        }
        Ok(())
    }
}

/// Where a file has holes: stretches that read as zeros and that a walk
/// never reads. A file without holes has [`NoHoles`].
pub trait Holes {
    /// The first hole that ends after `from` (it may start before it).
    fn next_hole(&mut self, from: usize) -> Option<Range<usize>>;
}

pub struct NoHoles;

impl Holes for crate::io::target::FileHoles<'_> {
    fn next_hole(&mut self, from: usize) -> Option<Range<usize>> {
        crate::io::target::FileHoles::next_hole(self, from)
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

/// Where `finder`'s needle first occurs in `hay[from..limit]`. Dense
/// matches follow each other: the next one is tried right where the last
/// ended before the searcher is set off (a few bytes against some 20 ns,
/// measured on `aa` in a run of `a`).
#[inline(always)]
fn find_one(finder: &Finder, hay: &[u8], from: usize, limit: usize) -> Option<usize> {
    let needle = finder.needle();
    if let Some(here) = hay[..limit].get(from..from + needle.len()) {
        // A short needle compared in place: a call to memcmp costs more.
        let equal = match needle.len() <= 16 {
            true => here.iter().zip(needle).all(|(a, b)| a == b),
            false => here == needle,
        };
        if equal {
            return Some(from);
        }
    }
    Some(from + finder.find(&hay[from..limit])?)
}

/// A search for `literal` with ASCII letters of either case, as a byte
/// regex: letters as they are, every other byte escaped.
fn folded_literal(literal: &[u8]) -> Result<meta::Regex, String> {
    let mut text = String::from("(?i-u)");
    for &b in literal {
        match b.is_ascii_alphanumeric() {
            true => text.push(b as char),
            false => text.push_str(&format!(r"\x{b:02x}")),
        }
    }
    meta::Regex::builder()
        .syntax(
            regex_automata::util::syntax::Config::new()
                .unicode(false)
                .utf8(false),
        )
        .configure(meta::Config::new().utf8_empty(false))
        .build(&text)
        .map_err(|e| format!("cannot be compiled: {}", one_line(&e.to_string())))
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
        fn split_literals_match_the_walk(
            hay in split_haystack(),
            pats in proptest::collection::vec(pattern(), 1..4),
            fold: bool,
            threads in 1usize..4,
            segment in prop_oneof![1usize..64, 64usize..400],
            cut in 0usize..40,
        ) {
            let matcher = Matcher::literals(pats, fold).unwrap();
            check_split(&matcher, &hay, cut, threads, segment)?;
        }

        #[test]
        fn split_regexes_match_the_walk(
            hay in split_haystack(),
            expr in prop_oneof![
                Just("ab|ba"), Just("(?i)ab{1,3}"), Just("a[ab]a"), Just(r"\bb{1,3}"),
                Just("b$"), Just(r"(?m)^a{1,2}"), Just(r"a\b"), Just("aa"), Just("a(ba){1,2}"),
                Just(r"\Bab"), Just(r"(?m)a$"), Just("^a"), Just(r"a{2}\b|b"),
            ],
            threads in 1usize..4,
            segment in prop_oneof![1usize..64, 64usize..400],
            cut in 0usize..40,
        ) {
            let matcher = Matcher::regex(expr.as_bytes(), false).unwrap();
            check_split(&matcher, &hay, cut, threads, segment)?;
        }
    }

    /// Haystacks for split scans: sparse and dense matches, and runs of
    /// `a` where `aa` and `aaa` overlap themselves at every byte.
    fn split_haystack() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            haystack(),
            (0usize..2000, proptest::collection::vec(0usize..2000, 0..4)).prop_map(|(len, bs)| {
                let mut hay = vec![b'a'; len];
                for b in bs {
                    if b < len {
                        hay[b] = b'b';
                    }
                }
                hay
            }),
        ]
    }

    /// One writer of a split run: its matches must come in ascending order.
    struct Recorded<'a> {
        all: &'a Mutex<Vec<Match>>,
        mine: Vec<Match>,
    }

    impl Put for Recorded<'_> {
        type Error = ();
        fn put(&mut self, found: Match) -> Result<(), ()> {
            assert!(self.mine.last().is_none_or(|m| m.end <= found.start));
            self.mine.push(found);
            Ok(())
        }
        fn flush(&mut self) -> Result<(), ()> {
            self.all.lock().unwrap().append(&mut self.mine);
            Ok(())
        }
    }

    /// The split count and the split run's writes against the one-thread
    /// walk of `hay[cut..len - cut]`: every match once, and nothing else.
    fn check_split(
        matcher: &Matcher,
        hay: &[u8],
        cut: usize,
        threads: usize,
        segment: usize,
    ) -> Result<(), TestCaseError> {
        let start = cut.min(hay.len());
        let end = hay.len() - cut.min(hay.len() - start);
        let expected = walk(matcher, hay, start, end, segment.max(7));
        if !matcher.can_split() {
            return Ok(());
        }
        let mut per_pattern = vec![0; matcher.patterns().len()];
        for m in &expected {
            per_pattern[m.pattern] += 1;
        }
        let split = Split { threads, segment };
        let done_bytes = AtomicUsize::new(0);
        let done = |_: usize, len: usize| {
            done_bytes.fetch_add(len, Ordering::Relaxed);
        };
        let view = hay;
        let counted = matcher.count_split(&view, start..end, split, &done);
        prop_assert_eq!(counted.matches, expected.len() as u64);
        prop_assert_eq!(&counted.per_pattern, &per_pattern);
        prop_assert_eq!(done_bytes.load(Ordering::Relaxed), end - start);

        let all = Mutex::new(Vec::new());
        let make = || Recorded {
            all: &all,
            mine: Vec::new(),
        };
        let counted = matcher
            .split_run(&view, start..end, split, Some(&make), &|_, _| {})
            .unwrap();
        prop_assert_eq!(counted.matches, expected.len() as u64);
        prop_assert_eq!(&counted.per_pattern, &per_pattern);
        let mut written = all.into_inner().unwrap();
        written.sort_unstable_by_key(|m| m.start);
        prop_assert_eq!(written, expected);
        Ok(())
    }

    proptest! {
        #[test]
        fn split_single_literal_matches_the_oracle(hay in haystack(), pat in pattern(), fold: bool, threads in 1usize..4, segment in 5usize..3000) {
            let matcher = Matcher::literals(vec![pat.clone()], fold).unwrap();
            let expected = naive_matches(&hay, std::slice::from_ref(&pat), fold, 0, hay.len());
            let view = &hay[..];
            let counted = matcher.count_split(&view, 0..hay.len(), Split { threads, segment }, &|_, _| {});
            prop_assert_eq!(counted.matches, expected.len() as u64);
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
        // Split, the same: every segment that starts inside a match of
        // the true walk resynchronises.
        let hay = vec![b'a'; 1001];
        for segment in [1, 2, 3, 7, 100] {
            let split = Split {
                threads: 2,
                segment,
            };
            let view = &hay[..];
            assert_eq!(
                matcher
                    .count_split(&view, 1..1001, split, &|_, _| {})
                    .matches,
                500
            );
        }
        assert!(matcher.can_split());
        assert!(!Matcher::regex(b"a+b", false).unwrap().can_split());
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
        let view = &hay[..];
        assert_eq!(
            matcher
                .count_split(&view, 0..hay.len(), split, &|_, _| {})
                .matches,
            3
        );
    }

    /// A writer that fails at one offset.
    struct FailAt(usize);

    impl Put for FailAt {
        type Error = usize;
        fn put(&mut self, found: Match) -> Result<(), usize> {
            match found.start == self.0 {
                true => Err(found.start),
                false => Ok(()),
            }
        }
        fn flush(&mut self) -> Result<(), usize> {
            Ok(())
        }
    }

    #[test]
    fn split_run_stops_at_the_first_error() {
        let matcher = Matcher::literals(vec![b"x".to_vec()], false).unwrap();
        let hay = vec![b'x'; 1000];
        let split = Split {
            threads: 2,
            segment: 100,
        };
        let view = &hay[..];
        let make = || FailAt(550);
        assert_eq!(
            matcher.split_run(&view, 0..1000, split, Some(&make), &|_, _| {}),
            Err(550)
        );
    }

    /// A view that stops after a number of segments.
    struct StopsAfter<'a>(&'a [u8], AtomicUsize);

    impl View for StopsAfter<'_> {
        fn bytes(&self) -> &[u8] {
            self.0
        }
        fn stopped(&self) -> bool {
            self.1.fetch_add(1, Ordering::Relaxed) >= 3
        }
    }

    #[test]
    fn a_stopped_view_skips_the_remaining_segments() {
        let matcher = Matcher::literals(vec![b"x".to_vec()], false).unwrap();
        let hay = vec![b'x'; 1000];
        let view = StopsAfter(&hay, AtomicUsize::new(0));
        let scanned = AtomicUsize::new(0);
        let done = |_: usize, len: usize| {
            scanned.fetch_add(len, Ordering::Relaxed);
        };
        let split = Split {
            threads: 1,
            segment: 100,
        };
        let counted = matcher.count_split(&view, 0..1000, split, &done);
        assert_eq!(scanned.load(Ordering::Relaxed), 300);
        assert_eq!(counted.matches, 300);
    }
}
