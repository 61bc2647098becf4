//! The matcher finds and nothing else: non-overlapping, left-to-right matches
//! of literals (memmem, Aho-Corasick), signatures or a regex over bytes.
//!
//! Compiling lives in `compile.rs`, what replaces a match in `replace.rs`;
//! the walks over a file (cursor, split, stream) are the scan's, in `scan/`.

mod compile;
mod replace;

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use aho_corasick::{AhoCorasick, Input};
use memchr::memmem::Finder;
use regex_automata::{PatternID, meta};

use crate::engine::signatures::Signatures;

pub use replace::{Maker, Replacement};

/// A match: bytes `[start, end)` of the haystack, of pattern number
/// `pattern` (0 for a regex; the order given for several patterns).
///
/// ```
/// let matcher = mpatch::Matcher::literal(b"aa").unwrap();
/// let found: Vec<_> = matcher.find_iter(b"aaaaa").collect();
/// assert_eq!(found[1], mpatch::Match { start: 2, end: 4, pattern: 0 });
/// assert_eq!(found[1].len(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Match {
    /// The first byte of the match.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// Which pattern matched, by its number in the order given.
    pub pattern: usize,
}

impl Match {
    /// The match's length in bytes (never 0).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.end - self.start
    }
}

/// Compiled patterns: one search engine behind one interface, and what the
/// scan must know of them (longest match, look-behind, zeros).
///
/// Build one with [`Matcher::literal`], [`Matcher::literals`],
/// [`Matcher::signatures`] or [`Matcher::regex`] (or from command-line text
/// with [`crate::patterns`]). Matches are non-overlapping, left to right;
/// where several patterns match at one position the longest wins, then the
/// first given (leftmost-longest, as `grep -F -f`).
///
/// ```
/// let matcher = mpatch::Matcher::literals(vec![b"ab".to_vec(), b"abcd".to_vec()], false).unwrap();
/// let starts: Vec<_> = matcher.find_iter(b"abcdab").map(|m| (m.start, m.pattern)).collect();
/// assert_eq!(starts, [(0, 1), (4, 0)]);
/// ```
pub struct Matcher {
    engine: Engine,
    /// The patterns as given (a regex: its text), for reports.
    patterns: Vec<Vec<u8>>,
    /// The longest a match can be; `usize::MAX` when a regex has no bound.
    max_len: usize,
    /// How far past its first byte a match may reach (`usize::MAX`: a
    /// regex, which always sees the whole range for its assertions).
    reach: usize,
    /// The longest pattern of zeros (length, number): what matches, again
    /// and again, inside a hole.
    zero_match: Option<(usize, usize)>,
    /// How many bytes before a search's start (and after a match's end) a
    /// match may depend on: a regex's `\b` or `^` looks at the byte, or
    /// UTF-8 character, around it.
    look_behind: usize,
    /// Whether every match's bytes are its pattern's (literals, not
    /// folded): matches of one pattern back to back can then be given as
    /// one run.
    exact: bool,
    /// One literal made of one byte repeated (`aa`, `00 00`): its runs are
    /// crossed a word at a time.
    one_byte: Option<u8>,
}

enum Engine {
    One(Box<Finder<'static>>),
    Many(AhoCorasick),
    /// One literal, ASCII case folded: a byte regex, whose search of its
    /// case variants is vectorised (Teddy), where Aho-Corasick's is not.
    Folded(meta::Regex),
    /// A regex: its searches, and the captures that expand replacements.
    Regex {
        search: meta::Regex,
    },
    /// Wildcard signatures (and literals given beside them).
    Signatures(Box<Signatures>),
}

thread_local! {
    /// Set while a regex searches bytes that another process may change.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    /// Set when such a search panicked: the bytes changed under it.
    static UPSET: Cell<bool> = const { Cell::new(false) };
}

/// Runs a regex search that may panic when the bytes it reads change under
/// it (a file cut short or rewritten by another process while mapped: the
/// regex crate checks its own invariants, which such bytes break). A panic
/// is no match, remembered for [`take_upset`], and prints nothing.
fn guarded<T>(search: impl FnOnce() -> Option<T>) -> Option<T> {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    GUARDED.with(|g| g.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(search));
    GUARDED.with(|g| g.set(false));
    result.unwrap_or_else(|_| {
        UPSET.with(|u| u.set(true));
        None
    })
}

/// Whether a search on this thread panicked since the last call (the bytes
/// changed under it); clears the mark.
pub(crate) fn take_upset() -> bool {
    UPSET.with(|u| u.replace(false))
}

impl Matcher {
    /// The patterns as given (for a regex, its text), by number.
    pub fn patterns(&self) -> &[Vec<u8>] {
        &self.patterns
    }

    /// The longest a match can be (`usize::MAX`: a regex with no bound).
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Whether this is a regular expression (whose assertions see the bytes
    /// around a match, and whose replacement may expand captures).
    pub fn is_regex(&self) -> bool {
        matches!(self.engine, Engine::Regex { .. })
    }

    /// A regex's capture groups by index (0 is the whole match), with
    /// their names; empty for literals.
    pub fn groups(&self) -> Vec<Option<&str>> {
        match &self.engine {
            Engine::Regex { search } => {
                search.group_info().pattern_names(PatternID::ZERO).collect()
            }
            _ => Vec::new(),
        }
    }

    /// How far past its first byte a match can reach, and a regex look
    /// (`\b`, `$`) past its last; `None` when a regex has no longest match.
    pub(crate) fn bounded_reach(&self) -> Option<usize> {
        match self.engine {
            Engine::Regex { .. } => (self.max_len != usize::MAX).then_some(self.max_len),
            _ => Some(self.reach),
        }
    }

    /// How far past a segment's end a match starting in it may reach
    /// (`usize::MAX` for a regex, which reads the whole range).
    pub(crate) fn reach(&self) -> usize {
        self.reach
    }

    /// The longest pattern of zeros, as (length, number).
    pub(crate) fn zero_match(&self) -> Option<(usize, usize)> {
        self.zero_match
    }

    /// How many bytes before the start of a search (and after the end of a
    /// match) a regex's assertions may read: 4 for a Unicode `\b` (one
    /// UTF-8 character), 1 for `^`, `$` and ASCII `\b`, 0 for literals. A
    /// writer stays this far behind the scan, and a stream keeps this many
    /// bytes behind its search.
    pub fn look_behind(&self) -> usize {
        self.look_behind
    }

    /// Whether every match's bytes are exactly its pattern's.
    pub(crate) fn exact(&self) -> bool {
        self.exact
    }

    /// Whether this is one literal, matched byte for byte (whose runs
    /// [`Matcher::next_run`] finds).
    pub(crate) fn one_literal(&self) -> bool {
        matches!(self.engine, Engine::One(_))
    }

    /// Whether a match may hold a zero byte, and so lie partly in a hole.
    pub fn may_match_zeros(&self) -> bool {
        match &self.engine {
            Engine::Regex { .. } => true,
            Engine::Signatures(set) => set
                .signatures()
                .iter()
                .any(crate::engine::pattern::Signature::may_match_a_zero),
            _ => self.patterns.iter().any(|p| p.contains(&0)),
        }
    }

    /// Every match in `hay`, lazily, left to right.
    ///
    /// ```
    /// let matcher = mpatch::Matcher::regex(br"id=[0-9]+", false).unwrap();
    /// let found: Vec<_> = matcher.find_iter(b"id=7 id=42").map(|m| m.start).collect();
    /// assert_eq!(found, [0, 5]);
    /// ```
    pub fn find_iter<'m, 'h>(&'m self, hay: &'h [u8]) -> impl Iterator<Item = Match> + use<'m, 'h> {
        let mut pos = 0;
        std::iter::from_fn(move || {
            let found = self.find_within(hay, pos, hay.len())?;
            pos = found.end;
            Some(found)
        })
    }

    /// The leftmost match starting at or after `from` and lying inside
    /// `hay`. For a regex, assertions (`\b`, `$`) see all of `hay`.
    #[inline(always)]
    pub(crate) fn find_in(&self, hay: &[u8], from: usize) -> Option<Match> {
        // One literal is the common case and a dense file calls this for
        // every match: its search is inlined, the others are not.
        if let Engine::One(finder) = &self.engine {
            if from >= hay.len() {
                return None;
            }
            let start = find_one(finder, hay, from, hay.len())?;
            return Some(Match {
                start,
                end: start + finder.needle().len(),
                pattern: 0,
            });
        }
        self.find_within(hay, from, hay.len())
    }

    /// The leftmost match starting at or after `from` and lying inside
    /// `hay[..limit]`; a regex's assertions see all of `hay`.
    #[inline(never)]
    pub(crate) fn find_within(&self, hay: &[u8], from: usize, limit: usize) -> Option<Match> {
        let limit = limit.min(hay.len());
        if from >= limit {
            return None;
        }
        let one = |start: usize, end: usize| Match {
            start,
            end,
            pattern: 0,
        };
        match &self.engine {
            Engine::One(finder) => {
                let start = find_one(finder, hay, from, limit)?;
                Some(one(start, start + finder.needle().len()))
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
                let input = regex_automata::Input::new(hay).span(from..limit);
                let found = guarded(|| search.search(&input))?;
                Some(one(found.start(), found.end()))
            }
            Engine::Signatures(set) => {
                let (start, end, pattern) = guarded(|| set.find_at(&hay[..limit], from))?;
                Some(Match {
                    start,
                    end,
                    pattern,
                })
            }
        }
    }

    /// The matches of a walk from `from` that start before `stop` and lie
    /// inside `hay[..limit]`, added to `batch` up to `max` of them; returns
    /// where the walk is. One literal's loop is inlined: a dense file runs
    /// it for every few bytes.
    pub(crate) fn find_many(
        &self,
        hay: &[u8],
        from: usize,
        stop: usize,
        limit: usize,
        batch: &mut Vec<Match>,
        max: usize,
    ) -> usize {
        let limit = limit.min(hay.len());
        let mut pos = from;
        if let Engine::One(finder) = &self.engine {
            let len = finder.needle().len();
            while batch.len() < max
                && pos < stop
                && pos < limit
                && let Some(start) = find_one(finder, hay, pos, limit)
                && start < stop
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
        if let Engine::Many(ac) = &self.engine {
            if pos >= limit {
                return pos;
            }
            // One input for the batch, moved on from each match's end (no
            // pattern is empty): a log's 100 pairs, 34 million matches,
            // replaced in 1.27 s, against 1.42 s with a new input for each
            // search (and `find_iter`, tried before, was slower than that).
            let mut input = Input::new(hay).span(pos..limit);
            while batch.len() < max
                && pos < stop
                && pos < limit
                && let Some(m) = {
                    input.set_start(pos);
                    ac.find(input.clone())
                }
                && m.start() < stop
            {
                pos = m.end();
                batch.push(Match {
                    start: m.start(),
                    end: pos,
                    pattern: m.pattern().as_usize(),
                });
            }
            return pos;
        }
        while batch.len() < max
            && pos < stop
            && let Some(found) = self.find_within(hay, pos, limit)
            && found.start < stop
        {
            batch.push(found);
            pos = found.end;
        }
        pos
    }

    /// For one literal: the next run of its matches back to back, as
    /// (first start, count), of a walk from `from`, every match starting
    /// before `stop` and lying inside `hay[..limit]`; `None` at the end or
    /// for another engine (see [`Matcher::one_literal`]). A needle of one
    /// byte repeated (`aa`, zeros) crosses its run a word at a time.
    #[inline]
    pub(crate) fn next_run(
        &self,
        hay: &[u8],
        from: usize,
        stop: usize,
        limit: usize,
    ) -> Option<(usize, u64)> {
        let Engine::One(finder) = &self.engine else {
            return None;
        };
        let limit = limit.min(hay.len());
        if from >= limit || from >= stop {
            return None;
        }
        let needle = finder.needle();
        let len = needle.len();
        let start = find_one(finder, hay, from, limit).filter(|&s| s < stop)?;
        // The matches that may follow: each must start before `stop` and
        // end by `limit`.
        let room = ((stop - start).div_ceil(len)).min((limit - start) / len);
        let count = match self.one_byte {
            Some(byte) => {
                let same = same_bytes(&hay[start..start + room * len], byte);
                (same / len).max(1)
            }
            None => {
                let mut count = 1;
                while count < room && &hay[start + count * len..start + (count + 1) * len] == needle
                {
                    count += 1;
                }
                count
            }
        };
        Some((start, count as u64))
    }

    /// The number of matches of a walk from `from` that start before `stop`
    /// and lie inside `hay[..limit]`, of each pattern (added to
    /// `per_pattern`), and the last; one batched search where the engine
    /// has one.
    pub(crate) fn count_within(
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
        let (mut n, mut last) = (0u64, None);
        match &self.engine {
            Engine::Many(ac) => {
                // One input moved on from each match's end, as `find_many`:
                // `find_iter` took 1.14 s for a log's 34 million matches of
                // 100 literals, this 0.95 s (no pattern is empty).
                let mut input = Input::new(hay).span(from..limit);
                let mut pos = from;
                while pos < limit
                    && let Some(found) = {
                        input.set_start(pos);
                        ac.find(input.clone())
                    }
                {
                    if found.start() >= stop {
                        break;
                    }
                    pos = found.end();
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
                let input = regex_automata::Input::new(hay).span(from..limit);
                let counted = guarded(|| {
                    let (mut n, mut last) = (0u64, None);
                    for found in search.find_iter(input) {
                        if found.start() >= stop {
                            break;
                        }
                        n += 1;
                        last = Some((found.start(), found.end()));
                    }
                    Some((n, last))
                });
                if let Some((count, found)) = counted {
                    n = count;
                    last = found.map(|(start, end)| Match {
                        start,
                        end,
                        pattern: 0,
                    });
                }
            }
            Engine::One(finder) => {
                let len = finder.needle().len();
                let mut pos = from;
                while let Some((start, count)) = self.next_run(hay, pos, stop, limit) {
                    n += count;
                    pos = start + count as usize * len;
                    last = Some(Match {
                        start: pos - len,
                        end: pos,
                        pattern: 0,
                    });
                }
            }
            Engine::Signatures(_) => {
                let mut batch = Vec::with_capacity(256);
                let mut pos = from;
                loop {
                    batch.clear();
                    pos = self.find_many(hay, pos, stop, limit, &mut batch, 256);
                    let Some(&found) = batch.last() else {
                        break;
                    };
                    n += batch.len() as u64;
                    if per_pattern.len() > 1 {
                        for m in &batch {
                            per_pattern[m.pattern] += 1;
                        }
                    }
                    last = Some(found);
                }
                if per_pattern.len() > 1 {
                    return (n, last);
                }
            }
        }
        per_pattern[0] += n;
        (n, last)
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

/// How many bytes at the start of `bytes` are `byte`, eight at a time.
#[inline]
fn same_bytes(bytes: &[u8], byte: u8) -> usize {
    let word = u64::from_ne_bytes([byte; 8]);
    let mut at = 0;
    // 64 bytes a step, their differences OR-ed: one branch a cache line,
    // which the compiler turns into vector compares.
    let mut lines = bytes.chunks_exact(64);
    for line in &mut lines {
        let mut differ = 0;
        for chunk in line.chunks_exact(8) {
            differ |= u64::from_ne_bytes(chunk.try_into().expect("8 bytes")) ^ word;
        }
        if differ != 0 {
            break;
        }
        at += 64;
    }
    let mut words = bytes[at..].chunks_exact(8);
    for chunk in &mut words {
        if u64::from_ne_bytes(chunk.try_into().expect("8 bytes")) != word {
            break;
        }
        at += 8;
    }
    at + bytes[at..].iter().take_while(|&&b| b == byte).count()
}

#[cfg(test)]
mod tests {
    use super::{guarded, take_upset};

    #[test]
    fn runs_of_one_literal_are_its_matches_back_to_back() {
        use crate::engine::matcher::Matcher;
        for (needle, hay) in [
            (&b"aa"[..], &b"xaaaaaaay aa aaa"[..]),
            (b"ab", b"ababab abab a ababa"),
            (b"a", b"aaa b a"),
        ] {
            let matcher = Matcher::literal(needle).unwrap();
            let mut runs = Vec::new();
            let mut pos = 0;
            while let Some((start, count)) = matcher.next_run(hay, pos, hay.len(), hay.len()) {
                runs.extend((0..count as usize).map(|i| start + i * needle.len()));
                pos = start + count as usize * needle.len();
            }
            let one_by_one: Vec<usize> = matcher.find_iter(hay).map(|m| m.start).collect();
            assert_eq!(runs, one_by_one, "{needle:?}");
        }
        // `stop` bounds where the last match starts, `limit` where it ends.
        let matcher = Matcher::literal(b"aa").unwrap();
        assert_eq!(matcher.next_run(b"aaaaaaaa", 0, 3, 8), Some((0, 2)));
        assert_eq!(matcher.next_run(b"aaaaaaaa", 0, 8, 5), Some((0, 2)));
        assert_eq!(matcher.next_run(b"aaaaaaaa", 1, 8, 8), Some((1, 3)));
        let matcher = Matcher::literal(b"ab").unwrap();
        assert_eq!(matcher.next_run(b"abababab", 0, 5, 8), Some((0, 3)));
    }

    #[test]
    fn same_bytes_counts_the_leading_copies_of_a_byte_wherever_the_first_other_is() {
        // Around each step of the word and line loops, and past them.
        for len in [0, 1, 7, 8, 9, 63, 64, 65, 127, 128, 129, 200, 1000] {
            for first_other in (0..=len).step_by(1).filter(|n| n % 7 == 0 || n % 8 < 2) {
                let mut bytes = vec![b'a'; len];
                if first_other < len {
                    bytes[first_other] = b'b';
                }
                assert_eq!(
                    super::same_bytes(&bytes, b'a'),
                    first_other,
                    "{len} {first_other}"
                );
            }
        }
    }

    #[test]
    fn a_search_that_panics_is_no_match_and_is_remembered() {
        // What the regex crate does when the bytes change between its
        // forward and reverse searches ("reverse search must match").
        let found: Option<usize> = guarded(|| panic!("reverse search must match"));
        assert_eq!(found, None);
        assert!(take_upset(), "the panic is remembered");
        assert!(!take_upset(), "and forgotten once taken");
        assert_eq!(guarded(|| Some(7)), Some(7));
        assert!(!take_upset());
    }
}
