//! One segment's scan from its first byte, with the walks from the ends of
//! the matches crossing its start, until they run into its own.

use super::{Alt, BATCH, Hand, KEEP, Kept, Meet, NEVER, RUNS_MAX, RunRec, Scanned, Splitter};
use crate::engine::matcher::{Maker, Match};
use crate::engine::scan::{Edit, checked};
use crate::error::Error;
use std::ops::Range;

/// A walk's position, for the segment's own scan.
pub(super) struct Walk {
    pub pos: usize,
    pub done: bool,
}

impl<'a> Splitter<'a> {
    /// The next match of a walk, starting before `stop`.
    pub(super) fn step(&self, walk: &mut Walk, stop: usize, limit: usize) -> Option<Match> {
        if walk.done {
            return None;
        }
        let found = self
            .matcher
            .find_within(self.hay(), walk.pos, limit)
            .filter(|m| m.start < stop);
        match found {
            Some(found) => walk.pos = found.end,
            None => walk.done = true,
        }
        found
    }

    /// Where a walk from `from` runs into `S` (whose first matches are in
    /// `first`, extended from `s` as needed, up to [`KEEP`]).
    fn meet(
        &self,
        from: usize,
        seg: &Range<usize>,
        first: &mut Vec<Kept>,
        s: &mut Walk,
        mut maker: Option<&mut Maker>,
    ) -> Result<Option<Meet>, Error> {
        let limit = self.limit(seg);
        let mut before = Vec::new();
        let mut walk = Walk {
            pos: from,
            done: from >= seg.end,
        };
        let mut i = 0;
        loop {
            let Some(found) = self.step(&mut walk, seg.end, limit) else {
                return Ok(Some(Meet { before, at: NEVER }));
            };
            while !s.done && first.last().is_none_or(|m| m.found.start < found.start) {
                if first.len() >= KEEP {
                    return Ok(None);
                }
                if let Some(m) = self.step(s, seg.end, limit) {
                    first.push(self.keep(maker.as_deref_mut(), m)?);
                }
            }
            while i < first.len() && first[i].found.start < found.start {
                i += 1;
            }
            if i < first.len() && first[i].found.start == found.start {
                return Ok(Some(Meet { before, at: i }));
            }
            if before.len() >= KEEP {
                return Ok(None);
            }
            before.push(self.keep(maker.as_deref_mut(), found)?);
        }
    }

    /// One segment's scan from its first byte (see the module's docs).
    pub(super) fn scan_segment(
        &self,
        seg: Range<usize>,
        hand: &mut Hand,
    ) -> Result<Scanned, Error> {
        let limit = self.limit(&seg);
        let mut first = Vec::new();
        let mut s = Walk {
            pos: seg.start,
            done: false,
        };
        let mut alts = Vec::new();
        if seg.start > self.range.start {
            for from in self.crossing_ends(seg.start) {
                let meets = self.meet(from, &seg, &mut first, &mut s, hand.maker.as_mut())?;
                alts.push(Alt { from, meets });
            }
        }
        let agreed = alts
            .iter()
            .map(|alt| alt.meets.as_ref().map_or(NEVER, |meet| meet.at))
            .max()
            .unwrap_or(0);
        let mut scanned = Scanned {
            count: first.len() as u64,
            per_pattern: vec![0; self.matcher.patterns().len()],
            last_end: first.last().map(|m| m.found.end),
            first,
            tail: Vec::new(),
            alts,
            wrote: false,
            runs: None,
        };
        for m in &scanned.first {
            scanned.per_pattern[m.found.pattern] += 1;
        }
        if hand.sink.is_some() && agreed != NEVER {
            self.hand_on(&seg, agreed, &mut s, hand, &mut scanned)?;
        } else if self.runs && hand.sink.is_some() && !s.done {
            scanned.runs = self.record(&seg, &mut s, &mut scanned);
        }
        if !s.done {
            let hay = self.hay();
            let (n, found) =
                self.matcher
                    .count_within(hay, s.pos, seg.end, limit, &mut scanned.per_pattern);
            scanned.count += n;
            scanned.last_end = found.map(|m| m.end).or(scanned.last_end);
        }
        Ok(scanned)
    }

    /// Walks the rest of `S`, handing the thread's sink every edit from
    /// index `agreed` on that no other scan can read; keeping the ones
    /// before, and those near the segment's edges.
    fn hand_on(
        &self,
        seg: &Range<usize>,
        agreed: usize,
        s: &mut Walk,
        hand: &mut Hand,
        scanned: &mut Scanned,
    ) -> Result<(), Error> {
        let limit = self.limit(seg);
        let inner = seg.start + self.margin()..seg.end.saturating_sub(self.margin());
        // The `i`th match is kept for the join (before the agreement, near
        // the start); else handed on if inside, else kept in the tail.
        let kept_first = |i: usize, m: &Match| i < agreed || m.start < inner.start;
        let inside = |m: &Match, scanned: &Scanned| m.end <= inner.end && scanned.tail.is_empty();
        let place =
            |i: usize, m: Kept, hand: &mut Hand, scanned: &mut Scanned| -> Result<(), Error> {
                if kept_first(i, &m.found) {
                    scanned.first.push(m);
                } else if inside(&m.found, scanned) {
                    let sink = hand.sink.as_deref_mut().expect("a sink");
                    let settled = m.found.end.saturating_sub(self.look);
                    self.give(sink, hand.maker.as_mut(), &m, settled)?;
                } else {
                    scanned.tail.push(m);
                }
                Ok(())
            };
        let first = std::mem::take(&mut scanned.first);
        let mut i = 0;
        for m in first {
            place(i, m, hand, scanned)?;
            i += 1;
        }
        // One literal replaced by the same bytes each time: whole runs
        // handed on at once, only the edges' matches one by one.
        if self.matcher.one_literal() && self.pure {
            let len = self.matcher.max_len();
            while let Some((start, count)) =
                self.matcher.next_run(self.hay(), s.pos, seg.end, limit)
            {
                s.pos = start + count as usize * len;
                scanned.count += count;
                scanned.per_pattern[0] += count;
                scanned.last_end = Some(s.pos);
                let one = |k: u64| Match {
                    start: start + k as usize * len,
                    end: start + (k as usize + 1) * len,
                    pattern: 0,
                };
                let mut k = 0;
                // The first and last matches of the run, as far as they are
                // kept (before the agreement, near the edges), one by one.
                while k < count && (i < agreed || one(k).start < inner.start) {
                    place(i, self.keep(hand.maker.as_mut(), one(k))?, hand, scanned)?;
                    (i, k) = (i + 1, k + 1);
                }
                let inside = (inner.end.saturating_sub(one(k).start) / len) as u64;
                let middle = inside.min(count - k);
                if middle > 0 && scanned.tail.is_empty() {
                    let sink = hand.sink.as_deref_mut().expect("a sink");
                    self.give_run(sink, hand.maker.as_mut(), one(k), middle)?;
                    (i, k) = (i + middle as usize, k + middle);
                }
                while k < count {
                    place(i, self.keep(hand.maker.as_mut(), one(k))?, hand, scanned)?;
                    (i, k) = (i + 1, k + 1);
                }
            }
            s.done = true;
        }
        let mut batch = Vec::with_capacity(BATCH);
        let mut edits = Vec::new();
        while !s.done {
            batch.clear();
            s.pos = self
                .matcher
                .find_many(self.hay(), s.pos, seg.end, limit, &mut batch, BATCH);
            s.done = batch.len() < BATCH;
            for &m in &batch {
                scanned.count += 1;
                scanned.per_pattern[m.pattern] += 1;
                scanned.last_end = Some(m.end);
                // `place`'s case of an edit handed on, gathered when its
                // replacement is its pattern's: the batch goes at once.
                if let Some(table) = self.table
                    && !kept_first(i, &m)
                    && inside(&m, scanned)
                {
                    edits.push(self.edit_of(m, &table[m.pattern])?);
                } else {
                    let kept = self.keep(hand.maker.as_mut(), m)?;
                    place(i, kept, hand, scanned)?;
                }
                i += 1;
            }
            self.give_all(hand, &mut edits)?;
        }
        scanned.wrote = true;
        Ok(())
    }

    /// The edit of `found`, replaced by `new`, checked.
    fn edit_of(&self, found: Match, new: &'a [u8]) -> Result<Edit<'a>, Error> {
        Ok(Edit {
            start: found.start,
            pattern: found.pattern,
            old: &self.hay()[found.start..found.end],
            new: Some(checked(self.name, 0, found, new)?),
        })
    }

    /// Hands `edits`, gathered from one batch, to the thread's sink at
    /// once, the scan settled up to the last one's end.
    fn give_all(&self, hand: &mut Hand, edits: &mut Vec<Edit<'a>>) -> Result<(), Error> {
        let Some(end) = edits.last().map(Edit::end) else {
            return Ok(());
        };
        let sink = hand.sink.as_deref_mut().expect("a sink");
        sink.edits(edits, &self.at(end, end.saturating_sub(self.look)))?;
        edits.clear();
        Ok(())
    }

    /// Records all of `S` as runs of matches back to back, up to
    /// [`RUNS_MAX`] of them; `None` (and `S` counted on from `s`) past that.
    fn record(
        &self,
        seg: &Range<usize>,
        s: &mut Walk,
        scanned: &mut Scanned,
    ) -> Option<Vec<RunRec>> {
        let limit = self.limit(seg);
        let mut runs: Vec<RunRec> = Vec::new();
        let push = |runs: &mut Vec<RunRec>, m: Match| match runs.last_mut() {
            Some(run)
                if run.pattern == m.pattern
                    && run.len == m.len()
                    && run.start + run.len * run.count as usize == m.start =>
            {
                run.count += 1;
            }
            _ => runs.push(RunRec {
                start: m.start,
                len: m.len(),
                count: 1,
                pattern: m.pattern,
            }),
        };
        for m in &scanned.first {
            push(&mut runs, m.found);
        }
        // One literal: whole runs at once, no match made one by one.
        if self.matcher.one_literal() {
            let len = self.matcher.max_len();
            while !s.done && runs.len() <= RUNS_MAX {
                let Some((start, count)) = self.matcher.next_run(self.hay(), s.pos, seg.end, limit)
                else {
                    s.done = true;
                    break;
                };
                let end = start + count as usize * len;
                scanned.count += count;
                scanned.per_pattern[0] += count;
                scanned.last_end = Some(end);
                match runs.last_mut() {
                    Some(run) if run.start + run.len * run.count as usize == start => {
                        run.count += count
                    }
                    _ => runs.push(RunRec {
                        start,
                        len,
                        count,
                        pattern: 0,
                    }),
                }
                s.pos = end;
            }
            return (s.done && runs.len() <= RUNS_MAX).then_some(runs);
        }
        let mut batch = Vec::with_capacity(BATCH);
        while !s.done && runs.len() <= RUNS_MAX {
            batch.clear();
            s.pos = self
                .matcher
                .find_many(self.hay(), s.pos, seg.end, limit, &mut batch, BATCH);
            s.done = batch.len() < BATCH;
            for &m in &batch {
                scanned.count += 1;
                scanned.per_pattern[m.pattern] += 1;
                scanned.last_end = Some(m.end);
                push(&mut runs, m);
            }
        }
        (s.done && runs.len() <= RUNS_MAX).then_some(runs)
    }
}
