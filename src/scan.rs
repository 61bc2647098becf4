//! The scanner: non-overlapping, left-to-right matches of a byte pattern in a
//! `&[u8]`, walked a segment at a time or split across threads.
//!
//! Find, replace, the dry run and the journal all take their matches from
//! here; it is pure (no I/O) and checked against a naive oracle in the tests.

use std::convert::Infallible;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use memchr::memmem::Finder;

/// A compiled pattern.
pub struct Scanner {
    finder: Finder<'static>,
    self_overlapping: bool,
}

/// What a step of a [`Cursor`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A match starts at this offset.
    Match(usize),
    /// No further match starts below this offset: a point to report
    /// progress and to settle the bytes before it.
    Scanned(usize),
}

/// How a split scan divides its range between threads.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    pub threads: usize,
    pub segment: usize,
}

impl Scanner {
    /// Compiles a pattern; an empty one is refused earlier, by the caller.
    pub fn new(pattern: &[u8]) -> Scanner {
        assert!(!pattern.is_empty(), "the pattern must not be empty");
        Scanner {
            finder: Finder::new(pattern).into_owned(),
            self_overlapping: has_border(pattern),
        }
    }

    pub fn pattern_len(&self) -> usize {
        self.finder.needle().len()
    }

    /// Whether the range can be cut into independent segments. Only when no
    /// two occurrences of the pattern can overlap is every occurrence a
    /// match, whatever came before; `aa` in `aaaaa` depends on where the
    /// previous match ended, so such patterns are scanned in one walk.
    pub fn can_split(&self) -> bool {
        !self.self_overlapping
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
        }
    }

    /// The first match starting in `[from, to)` and lying inside `hay`.
    pub fn find_at(&self, hay: &[u8], from: usize, to: usize) -> Option<usize> {
        let m = self.pattern_len();
        let end = hay.len().min(to.saturating_add(m - 1));
        if from.saturating_add(m) > end {
            return None;
        }
        let at = from + self.finder.find(&hay[from..end])?;
        (at < to).then_some(at)
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
        let count = |segment: Range<usize>| {
            Ok::<u64, Infallible>(self.finder.find_iter(&hay[segment]).count() as u64)
        };
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
    ) -> Result<(u64, Vec<usize>), E> {
        debug_assert!(self.can_split());
        let count = range.len().div_ceil(split.segment);
        // boundaries[i] lies between segments i and i + 1.
        let boundaries: Vec<OnceLock<Option<usize>>> = (0..count.saturating_sub(1))
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
    ) -> Option<usize> {
        let m = self.pattern_len();
        let lo = (boundary + 1).saturating_sub(m).max(boundary - segment);
        let hi = end.min(boundary + m - 1);
        if hi < lo + m {
            return None;
        }
        self.finder
            .find_iter(&hay[lo..hi])
            .map(|i| i + lo)
            .find(|&at| at < boundary)
    }
}

/// A resumable walk over matches; it holds no borrow of the haystack, so the
/// caller may write into a match between two steps.
pub struct Cursor {
    pos: usize,
    segment_end: usize,
    end: usize,
    segment: usize,
    finished: bool,
}

impl Cursor {
    /// The next match or progress point, or `None` at the end.
    pub fn next(&mut self, scanner: &Scanner, hay: &[u8]) -> Option<Step> {
        if self.finished {
            return None;
        }
        let m = scanner.pattern_len();
        let window_end = self.end.min(self.segment_end.saturating_add(m - 1));
        if self.pos + m <= window_end
            && let Some(found) = scanner.finder.find(&hay[self.pos..window_end])
        {
            let at = self.pos + found;
            if at < self.segment_end {
                self.pos = at + m;
                return Some(Step::Match(at));
            }
        }
        let scanned = self.segment_end;
        self.pos = self.pos.max(scanned);
        if scanned >= self.end {
            self.finished = true;
        } else {
            self.segment_end = self.end.min(scanned + self.segment);
        }
        Some(Step::Scanned(scanned))
    }
}

/// Whether some proper prefix of `pattern` is also its suffix, which is
/// exactly when two occurrences can overlap.
fn has_border(pattern: &[u8]) -> bool {
    (1..pattern.len()).any(|k| pattern[..k] == pattern[pattern.len() - k..])
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

    /// The oracle: a `windows()` scan that skips past each match, like
    /// Python's `bytes.count`.
    fn naive_matches(hay: &[u8], pattern: &[u8], start: usize, end: usize) -> Vec<usize> {
        let mut found = Vec::new();
        let mut i = start;
        while i + pattern.len() <= end {
            if &hay[i..i + pattern.len()] == pattern {
                found.push(i);
                i += pattern.len();
            } else {
                i += 1;
            }
        }
        found
    }

    /// The oracle for replace: a rebuilt `Vec`, like Python's `bytes.replace`.
    fn naive_replace(hay: &[u8], pattern: &[u8], with: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(hay.len());
        let mut i = 0;
        while i < hay.len() {
            if hay[i..].starts_with(pattern) {
                out.extend_from_slice(with);
                i += pattern.len();
            } else {
                out.push(hay[i]);
                i += 1;
            }
        }
        out
    }

    fn walk(scanner: &Scanner, hay: &[u8], start: usize, end: usize, segment: usize) -> Vec<usize> {
        let mut cursor = scanner.cursor(start, end, segment);
        let mut found = Vec::new();
        let mut last_scanned = start;
        while let Some(step) = cursor.next(scanner, hay) {
            match step {
                Step::Match(at) => found.push(at),
                Step::Scanned(upto) => {
                    assert!(upto > last_scanned || upto == end, "progress must advance");
                    assert!(found.last().is_none_or(|&at| at < upto));
                    last_scanned = upto;
                }
            }
        }
        assert_eq!(last_scanned, end, "the walk must report reaching the end");
        found
    }

    fn walk_and_patch(scanner: &Scanner, hay: &mut [u8], with: &[u8], segment: usize) {
        let mut cursor = scanner.cursor(0, hay.len(), segment);
        while let Some(step) = cursor.next(scanner, hay) {
            if let Step::Match(at) = step {
                hay[at..at + with.len()].copy_from_slice(with);
            }
        }
    }

    /// Haystacks over a tiny alphabet, so overlapping, adjacent and edge
    /// matches are common, and sizes that cross 4 KiB pages.
    fn haystack() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b')], 0..200),
            proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'c')], 4000..9000),
        ]
    }

    fn pattern() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b')], 1..5)
    }

    proptest! {
        #[test]
        fn cursor_matches_oracle(hay in haystack(), pat in pattern(), segment in 1usize..5000, cut in 0usize..100) {
            let scanner = Scanner::new(&pat);
            let start = cut.min(hay.len());
            let end = hay.len() - cut.min(hay.len() - start);
            prop_assert_eq!(walk(&scanner, &hay, start, end, segment), naive_matches(&hay, &pat, start, end));
        }

        #[test]
        fn patch_in_place_matches_bytes_replace(hay in haystack(), pat in pattern(), with_seed in pattern(), segment in 1usize..5000) {
            let with: Vec<u8> = with_seed.iter().cycle().take(pat.len()).map(|b| b.to_ascii_uppercase()).collect();
            let scanner = Scanner::new(&pat);
            let mut patched = hay.clone();
            walk_and_patch(&scanner, &mut patched, &with, segment);
            prop_assert_eq!(patched, naive_replace(&hay, &pat, &with));
        }

        #[test]
        fn patch_that_recreates_the_pattern_is_not_rescanned(hay in haystack(), pat in pattern(), segment in 1usize..5000) {
            // Replacing with a rotation of the pattern can form new
            // occurrences across match edges; they must not be replaced again.
            let mut with = pat.clone();
            with.rotate_left(1);
            let scanner = Scanner::new(&pat);
            let mut patched = hay.clone();
            walk_and_patch(&scanner, &mut patched, &with, segment);
            prop_assert_eq!(patched, naive_replace(&hay, &pat, &with));
        }

        #[test]
        fn split_count_and_patch_match_oracle(hay in haystack(), pat in pattern(), threads in 1usize..4, segment in 1usize..3000) {
            let scanner = Scanner::new(&pat);
            prop_assume!(scanner.can_split());
            let split = Split { threads, segment };
            let expected = naive_matches(&hay, &pat, 0, hay.len());
            let done_bytes = AtomicU64::new(0);
            let done = |_: usize, len: usize| { done_bytes.fetch_add(len as u64, Ordering::Relaxed); };
            prop_assert_eq!(scanner.count_split(&hay, 0..hay.len(), split, &done), expected.len() as u64);
            prop_assert_eq!(done_bytes.load(Ordering::Relaxed), hay.len() as u64);

            // Each segment's matches, found with find_at as the pass finds
            // them, plus the crossing ones: every match exactly once.
            let seen = Mutex::new(Vec::new());
            let work = |segment: Range<usize>| -> Result<u64, ()> {
                let mut n = 0;
                let mut pos = segment.start;
                while let Some(at) = scanner.find_at(&hay[..segment.end], pos, segment.end) {
                    seen.lock().unwrap().push(at);
                    pos = at + pat.len();
                    n += 1;
                }
                Ok(n)
            };
            let (inside, crossing) = scanner.split_run(&hay, 0..hay.len(), split, work, &|_, _| {}).unwrap();
            prop_assert_eq!(inside + crossing.len() as u64, expected.len() as u64);
            let mut seen = seen.into_inner().unwrap();
            seen.extend(crossing);
            seen.sort_unstable();
            prop_assert_eq!(seen, expected);
        }
    }

    #[test]
    fn overlapping_pattern_is_found_left_to_right() {
        let scanner = Scanner::new(b"aa");
        assert_eq!(walk(&scanner, b"aaaaa", 0, 5, 2), vec![0, 2]);
        assert!(!scanner.can_split());
        assert!(Scanner::new(b"ERROR").can_split());
        assert!(!Scanner::new(b"abab").can_split());
    }

    #[test]
    fn matches_across_a_page_boundary() {
        let mut hay = vec![b'.'; 8192];
        hay[4094..4099].copy_from_slice(b"ERROR");
        hay[8187..].copy_from_slice(b"ERROR");
        hay[..5].copy_from_slice(b"ERROR");
        let scanner = Scanner::new(b"ERROR");
        assert_eq!(
            walk(&scanner, &hay, 0, hay.len(), 4096),
            vec![0, 4094, 8187]
        );
        let split = Split {
            threads: 2,
            segment: 4096,
        };
        assert_eq!(
            scanner.count_split(&hay, 0..hay.len(), split, &|_, _| {}),
            3
        );
    }

    #[test]
    fn split_run_stops_at_the_first_error() {
        let scanner = Scanner::new(b"x");
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
            scanner.split_run(&hay, 0..100, split, fail, &|_, _| {}),
            Err(50)
        );
    }
}
