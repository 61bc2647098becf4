//! One pass over a mapped file: walk the scanner's matches, select them,
//! show each to a [`Sink`] and hand the replacements to a [`ByteSink`].
//! Find, replace, its dry run, `--expect` and the journal all run here.

use std::collections::VecDeque;
use std::ops::Range;

use crate::engine::matcher::{Holes, Match, Matcher, NoHoles, Put, Replacement, Split, Step, View};
use crate::error::Error;
use crate::io::bytesink::{ByteSink, FileSink, Writer};
use crate::io::map::Mapping;
use crate::io::target::Target;

/// Walks and releases the file this many bytes at a time.
pub const SEGMENT: usize = 8 << 20;
/// Below this, one thread is faster than starting a second.
const SPLIT_MIN: usize = 64 << 20;
/// Bytes behind the scan that a byte sink may still copy (the gap between
/// two coalesced matches).
const BEHIND: usize = 4096;

/// Where a pass reports how far it has come (a progress bar, or nothing).
pub trait Meter: Sync {
    /// `done` bytes are behind the scan.
    fn set(&self, done: u64);
    /// `done` more bytes are behind the scan.
    fn add(&self, done: u64);
}

/// No report of progress.
impl Meter for () {
    fn set(&self, _: u64) {}
    fn add(&self, _: u64) {}
}

/// What a pass looks for and does.
pub struct Plan<'a> {
    pub matcher: &'a Matcher,
    /// What is written over each selected match.
    pub replacement: Option<&'a Replacement>,
    /// Matches must lie entirely inside `[start, end)`.
    pub range: (usize, usize),
    /// Only the Nth match (1-based).
    pub nth: Option<u64>,
    /// Stop after this many selected matches.
    pub max: Option<u64>,
    /// Bytes either side of a match that a report shows.
    pub context: usize,
}

/// A selected match, as shown: `before` is the window
/// `[offset - lead, offset + len + trail)` as the file holds it before the
/// run, and `after` the same window once every replacement of the run that
/// falls inside it is made (replace only).
pub struct Hit<'a> {
    pub offset: usize,
    pub lead: usize,
    pub len: usize,
    /// Which pattern matched.
    pub pattern: usize,
    pub before: &'a [u8],
    pub after: Option<&'a [u8]>,
}

impl Hit<'_> {
    /// The match shown.
    pub fn found(&self) -> Match {
        Match {
            start: self.offset,
            end: self.offset + self.len,
            pattern: self.pattern,
        }
    }

    pub fn old(&self) -> &[u8] {
        &self.before[self.lead..self.lead + self.len]
    }

    pub fn replaced(&self) -> Option<&[u8]> {
        self.after
            .map(|after| &after[self.lead..self.lead + self.len])
    }
}

/// How a pass tells the command what it finds. The command owns stdout,
/// JSON and the journal; the pass owns no text.
pub trait Sink {
    /// Whether each match is shown (otherwise they are only counted, and a
    /// large file may be split across threads).
    fn wants_hits(&self) -> bool;
    /// One selected match; `Ok(false)` ends the search (nothing more can
    /// be shown), though every replacement already selected is still made.
    fn hit(&mut self, hit: &Hit) -> Result<bool, Error>;
}

/// A sink that only counts.
pub struct Count;

impl Sink for Count {
    fn wants_hits(&self) -> bool {
        false
    }

    fn hit(&mut self, _: &Hit) -> Result<bool, Error> {
        Ok(true)
    }
}

/// What a pass did.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub matches: u64,
    pub scanned: u64,
    /// Matches of each pattern, by pattern number.
    pub per_pattern: Vec<u64>,
    /// Bytes appended to the file while the pass ran (a live log), which
    /// it did not search.
    pub appended: u64,
}

/// Runs `plan` over `view` of `target`, writing each selected match's
/// replacement into `bytes` when given. Large ranges whose matches are
/// only counted are split across threads when the file is in the page
/// cache; a file read from the disk is read by one sequential stream.
pub fn run(
    target: &Target,
    view: &Mapping,
    plan: &Plan,
    sink: &mut dyn Sink,
    bytes: Option<&mut ByteSink>,
    progress: &dyn Meter,
) -> Result<Tally, Error> {
    let (start, end) = plan.range;
    if plan.max == Some(0) || end <= start {
        return Ok(Tally {
            per_pattern: vec![0; plan.matcher.patterns().len()],
            ..Tally::default()
        });
    }
    let unlimited = plan.nth.is_none() && plan.max.is_none();
    // Split only patterns much shorter than a segment, so that a match
    // crossing a boundary touches just the two segments around it.
    let splittable = plan.matcher.can_split() && plan.matcher.max_len() <= SEGMENT / 2;
    // A dry run's count sink needs no writer: its pass is a count.
    let parallel = match &bytes {
        None | Some(ByteSink::Count { .. }) => Some(None),
        Some(sink) => sink.parallel().map(Some),
    };
    // A sparse file is walked, so that its holes are skipped, not read;
    // so is a file read from the disk (see threads_for).
    if let Some(file_sink) = parallel
        && !target.has_holes
        && !sink.wants_hits()
        && unlimited
        && splittable
        && end - start >= SPLIT_MIN
        && let threads @ 2.. = threads_for(view, start..end)
    {
        return split(target, view, plan, file_sink, threads, progress);
    }
    walk(target, view, plan, sink, bytes, progress)
}

/// Threads for a scan of `range`: every core when the file is in the page
/// cache; one sequential reader otherwise (a walk), as two threads reading
/// apart make the disk seek, and a split's early look at each boundary
/// breaks the kernel's readahead (measured: half the disk's speed).
fn threads_for(view: &Mapping, range: Range<usize>) -> usize {
    let probe = range.start..range.end.min(range.start + SPLIT_MIN);
    if view.resident_share(probe, 64) < 0.9 {
        return 1;
    }
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
}

/// The mapped file as a split scan sees it: bytes borrowed per search,
/// and a stop once a page of it faulted (the file was cut short).
struct MappedView<'a>(&'a Mapping);

impl View for MappedView<'_> {
    fn bytes(&self) -> &[u8] {
        self.0.bytes()
    }

    fn stopped(&self) -> bool {
        self.0.faulted()
    }
}

/// One thread's writes of a split replace: each match's replacement, made
/// from the view as it is at that write.
struct SplitPut<'s> {
    writer: crate::io::bytesink::FileWriter<'s>,
    matcher: &'s Matcher,
    replacement: &'s Replacement,
    view: &'s Mapping,
    target: &'s Target,
    with: Vec<u8>,
    /// The replacements of a run of adjacent matches, written at once.
    run: Vec<u8>,
}

impl Put for SplitPut<'_> {
    type Error = Error;

    fn put(&mut self, found: Match) -> Result<(), Error> {
        let new =
            self.matcher
                .replacement(self.replacement, self.view.bytes(), found, &mut self.with);
        if new.len() != found.len() {
            return Err(self.target.problem(format!(
                "the replacement at offset {} is {} bytes but the match is {} bytes",
                found.start,
                new.len(),
                found.len()
            )));
        }
        self.writer.put(found.start, new)
    }

    fn put_all(&mut self, found: &[Match]) -> Result<(), Error> {
        let mut rest = found;
        while let Some(first) = rest.first() {
            let adjacent = rest
                .windows(2)
                .position(|w| w[1].start != w[0].end)
                .map_or(rest.len(), |i| i + 1);
            self.run.clear();
            for &m in &rest[..adjacent] {
                let new = match self.replacement {
                    Replacement::Table(table) => &table[m.pattern],
                    _ => self.matcher.replacement(
                        self.replacement,
                        self.view.bytes(),
                        m,
                        &mut self.with,
                    ),
                };
                if new.len() != m.len() {
                    return Err(self.target.problem(format!(
                        "the replacement at offset {} is {} bytes but the match is {} bytes",
                        m.start,
                        new.len(),
                        m.len()
                    )));
                }
                self.run.extend_from_slice(new);
            }
            self.writer.put(first.start, &self.run)?;
            rest = &rest[adjacent..];
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        self.writer.flush()
    }
}

fn split(
    target: &Target,
    view: &Mapping,
    plan: &Plan,
    file_sink: Option<&FileSink>,
    threads: usize,
    progress: &dyn Meter,
) -> Result<Tally, Error> {
    let (start, end) = plan.range;
    let split = Split {
        threads,
        segment: SEGMENT,
    };
    let done = |offset: usize, len: usize| {
        progress.add(len as u64);
        view.release(offset..offset + len);
    };
    let matcher = plan.matcher;
    let mapped = MappedView(view);
    let counted = match (file_sink, plan.replacement) {
        (Some(file_sink), Some(replacement)) => {
            let make = || SplitPut {
                writer: file_sink.writer(),
                matcher,
                replacement,
                view,
                target,
                with: Vec::new(),
                run: Vec::new(),
            };
            matcher.split_run(&mapped, start..end, split, Some(&make), &done)?
        }
        _ => matcher.count_split(&mapped, start..end, split, &done),
    };
    if view.faulted() {
        return Err(target.fault());
    }
    Ok(Tally {
        matches: counted.matches,
        scanned: (end - start) as u64,
        per_pattern: counted.per_pattern,
        appended: 0,
    })
}

/// Matches selected but not yet shown or written. A match is shown once
/// the scan has passed the end of its window (every replacement inside it
/// is then known), and written only once every window that holds it has
/// been shown, so a window is always read as the file was before the run.
struct Pending {
    to_show: VecDeque<Match>,
    to_write: VecDeque<Edit>,
    context: usize,
    len: usize,
    /// How far before a search's start the matcher reads: a match is
    /// written only once the scan is this far past its end, so no search
    /// reads a byte this run has written.
    margin: usize,
}

/// A selected match and, where the replacement depends on the bytes
/// around it (a regex expansion), the replacement worked out when it was
/// found, on the bytes as they were.
struct Edit {
    found: Match,
    expanded: Option<Vec<u8>>,
}

impl Pending {
    fn window(&self, found: Match) -> Range<usize> {
        found.start - self.context.min(found.start)
            ..found.end.saturating_add(self.context).min(self.len)
    }

    /// Whether `found` may be written: no window still to be shown holds
    /// it, and the scan, now at `frontier`, reads no byte of it again.
    fn writable(&self, found: Match, frontier: usize) -> bool {
        found.end.saturating_add(self.margin) <= frontier
            && self
                .to_show
                .front()
                .is_none_or(|&shown| self.window(shown).start >= found.end)
    }

    /// The first byte still needed: by a window to show, a write (and the
    /// gap before it), or the scan at `frontier`.
    fn needed_from(&self, frontier: usize) -> usize {
        let shown = self.to_show.front().map(|&h| self.window(h).start);
        let written = self
            .to_write
            .front()
            .map(|p| p.found.start.saturating_sub(BEHIND));
        let scanned = frontier.saturating_sub(BEHIND + self.context);
        [shown, written, Some(scanned)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(frontier)
    }

    /// `out`, the bytes of `window`, once every pending replacement inside
    /// it is made; `replace(match, buffer)` gives a match's replacement.
    fn apply(
        &self,
        window: Range<usize>,
        out: &mut [u8],
        mut replace: impl FnMut(&Edit, &mut Vec<u8>),
    ) {
        let mut with = Vec::new();
        let first = self
            .to_write
            .partition_point(|p| p.found.end <= window.start);
        for edit in self.to_write.range(first..) {
            let p = edit.found;
            if p.start >= window.end {
                break;
            }
            replace(edit, &mut with);
            let from = p.start.max(window.start);
            let to = p.end.min(window.end).min(p.start + with.len());
            if to > from {
                out[from - window.start..to - window.start]
                    .copy_from_slice(&with[from - p.start..to - p.start]);
            }
        }
    }
}

/// What replaces each match of a walk, read from the file's view.
#[derive(Clone, Copy)]
struct Replaces<'a> {
    matcher: &'a Matcher,
    replacement: &'a Replacement,
    view: &'a Mapping,
}

impl Replaces<'_> {
    /// The edit of `found`, found just now: a regex expansion is worked
    /// out at once, while every byte it may look at is as it was.
    fn edit(&self, found: Match) -> Edit {
        let expanded = matches!(self.replacement, Replacement::Expand(_)).then(|| {
            let mut scratch = Vec::new();
            self.matcher
                .replacement(self.replacement, self.view.bytes(), found, &mut scratch);
            scratch
        });
        Edit { found, expanded }
    }

    fn bytes<'s>(&'s self, edit: &'s Edit, scratch: &'s mut Vec<u8>) -> &'s [u8] {
        match &edit.expanded {
            Some(bytes) => bytes,
            None => {
                self.matcher
                    .replacement(self.replacement, self.view.bytes(), edit.found, scratch)
            }
        }
    }

    /// Writes `found`'s replacement, checked to be as long as the match (a
    /// regex expansion was checked before any write; the file may have
    /// changed since).
    fn write(
        &self,
        writer: &mut Writer,
        edit: &Edit,
        scratch: &mut Vec<u8>,
        target: &Target,
    ) -> Result<(), Error> {
        let found = edit.found;
        let new = self.bytes(edit, scratch);
        if new.len() != found.len() {
            return Err(target.problem(format!(
                "the replacement at offset {} is {} bytes but the match is {} bytes",
                found.start,
                new.len(),
                found.len()
            )));
        }
        writer.put(found.start, new)
    }
}

fn walk(
    target: &Target,
    view: &Mapping,
    plan: &Plan,
    sink: &mut dyn Sink,
    bytes: Option<&mut ByteSink>,
    progress: &dyn Meter,
) -> Result<Tally, Error> {
    let (start, end) = plan.range;
    let matcher = plan.matcher;
    let shows = sink.wants_hits();
    let mut pending = Pending {
        to_show: VecDeque::new(),
        to_write: VecDeque::new(),
        context: if shows { plan.context } else { 0 },
        len: view.bytes().len(),
        margin: matcher.look_behind(),
    };
    let mut writer = bytes.map(|bytes| bytes.writer());
    let writes = plan.replacement.filter(|_| writer.is_some());
    let replaces = writes.map(|replacement| Replaces {
        matcher,
        replacement,
        view,
    });
    let mut cursor = matcher.cursor(start, end, SEGMENT);
    // Matches only counted, none selected one by one: zeros inside a hole
    // are counted by arithmetic (a 1 TiB hole in one step).
    if !shows && writes.is_none() && plan.nth.is_none() && plan.max.is_none() {
        cursor.count_runs();
    }
    let mut file_holes;
    let holes: &mut dyn Holes = if target.has_holes {
        file_holes = target.holes();
        &mut file_holes
    } else {
        &mut NoHoles
    };
    let mut tally = Tally {
        per_pattern: vec![0; matcher.patterns().len()],
        ..Tally::default()
    };
    let mut seen = 0u64;
    let mut released = start;
    // Loop invariants of the per-match loop, which a dense file runs for
    // every few bytes: one pattern's count is the total, and `--nth`
    // stops after the one match it selects.
    let several = matcher.patterns().len() != 1;
    let stop_after = if plan.nth.is_some() {
        Some(1)
    } else {
        plan.max
    };
    let (mut before, mut after, mut with) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        // No match not yet selected starts below the frontier.
        let step = cursor.next(matcher, &view.bytes()[..end], &mut *holes);
        let segment_end = matches!(step, Some(Step::Scanned(_)));
        let mut frontier = match step {
            None => usize::MAX,
            Some(Step::Scanned(upto)) => {
                progress.set((upto - start) as u64);
                tally.scanned = (upto - start) as u64;
                if view.faulted() {
                    return Err(target.fault());
                }
                upto
            }
            Some(Step::Zeros {
                start: at,
                len,
                count,
                pattern,
            }) => {
                tally.matches += count;
                if several {
                    tally.per_pattern[pattern] += count;
                }
                at + len * count as usize
            }
            Some(Step::Match(found)) => {
                seen += 1;
                if plan.nth.is_some_and(|nth| seen < nth) {
                    continue;
                }
                tally.matches += 1;
                if several {
                    tally.per_pattern[found.pattern] += 1;
                }
                if shows {
                    pending.to_show.push_back(found);
                }
                if let Some(replaces) = replaces {
                    pending.to_write.push_back(replaces.edit(found));
                }
                if stop_after == Some(tally.matches) {
                    tally.scanned = (found.end - start) as u64;
                    usize::MAX
                } else {
                    found.end
                }
            }
        };
        while let Some(&found) = pending.to_show.front() {
            let window = pending.window(found);
            if window.end > frontier {
                break;
            }
            if view.faulted() {
                return Err(target.fault());
            }
            before.clear();
            before.extend_from_slice(&view.bytes()[window.clone()]);
            let shown_after = replaces.map(|replaces| {
                after.clear();
                after.extend_from_slice(&before);
                pending.apply(window.clone(), &mut after, |edit, out| {
                    let mut scratch = Vec::new();
                    let with = replaces.bytes(edit, &mut scratch);
                    out.clear();
                    out.extend_from_slice(with);
                });
                &after[..]
            });
            let hit = Hit {
                offset: found.start,
                lead: found.start - window.start,
                len: found.len(),
                pattern: found.pattern,
                before: &before,
                after: shown_after,
            };
            let go_on = sink.hit(&hit)?;
            pending.to_show.pop_front();
            if !go_on {
                pending.to_show.clear();
                frontier = usize::MAX;
            }
        }
        if let Some(writer) = writer.as_mut() {
            while let Some(edit) = pending.to_write.front() {
                if !pending.writable(edit.found, frontier) {
                    break;
                }
                if let Some(replaces) = replaces {
                    replaces.write(writer, edit, &mut with, target)?;
                }
                pending.to_write.pop_front();
            }
        }
        if frontier == usize::MAX {
            break;
        }
        // Released at segment ends only: a dense file has a match every
        // few bytes, and this is the per-match loop.
        if !segment_end {
            continue;
        }
        let needed = pending.needed_from(frontier);
        if needed >= released + SEGMENT {
            view.release(released..needed);
            released = needed;
        }
    }
    if let Some(writer) = writer.as_mut() {
        writer.flush()?;
    }
    if view.faulted() {
        return Err(target.fault());
    }
    if !several {
        tally.per_pattern[0] = tally.matches;
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: usize) -> Match {
        Match {
            start,
            end: start + 5,
            pattern: 0,
        }
    }

    fn pending(to_write: &[usize], context: usize, len: usize) -> Pending {
        Pending {
            to_show: VecDeque::new(),
            to_write: to_write
                .iter()
                .map(|&s| Edit {
                    found: at(s),
                    expanded: None,
                })
                .collect(),
            context,
            len,
            margin: 0,
        }
    }

    #[test]
    fn a_window_after_shows_every_replacement_inside_it() {
        // xxERRORERRORyy: the window of the first match, 5 bytes either
        // side, holds the second match too.
        let file = b"xxERRORERRORyy";
        let p = pending(&[2, 7], 5, file.len());
        let fixed = |_: &Edit, out: &mut Vec<u8>| {
            out.clear();
            out.extend_from_slice(b"FIXED");
        };
        let window = p.window(at(2));
        assert_eq!(window, 0..12);
        let mut after = file[window.clone()].to_vec();
        p.apply(window, &mut after, fixed);
        assert_eq!(after, b"xxFIXEDFIXED");
        let window = p.window(at(7));
        let mut after = file[window.clone()].to_vec();
        p.apply(window, &mut after, fixed);
        assert_eq!(after, b"FIXEDFIXEDyy");
    }

    #[test]
    fn a_match_is_written_only_after_every_window_holding_it_is_shown() {
        let mut p = pending(&[10, 20], 6, 100);
        p.to_show.push_back(at(20));
        // The window of 20 starts at 14, before 10's end (15): 10 waits.
        assert!(!p.writable(at(10), usize::MAX));
        p.to_show.clear();
        assert!(p.writable(at(10), usize::MAX));
        // A match is written only once the scan is the matcher's
        // look-behind past its end.
        p.margin = 4;
        assert!(!p.writable(at(10), 18));
        assert!(p.writable(at(10), 19));
    }
}
