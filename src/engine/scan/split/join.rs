//! The join of a split scan, left to right: each segment's true start, its
//! count, and the edits no thread handed on; then the segments left for
//! after the threads.

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::segment::Walk;
use super::{Hand, Held, Joined, Kept, Meet, RunRec, Scanned, Splitter};
use crate::engine::scan::Sink;
use crate::error::Error;
use crate::pool::{self, lock};

impl<'a> Splitter<'a> {
    /// Joins segment `seg`'s scan to the ones before it.
    pub(super) fn join(
        &self,
        seg: Range<usize>,
        scanned: Scanned,
        joined: &mut Joined,
    ) -> Result<(), Error> {
        let entry = joined.frontier.max(seg.start);
        let start = Meet {
            before: Vec::new(),
            at: 0,
        };
        let meet = match entry {
            _ if entry >= seg.end => None,
            _ if entry == seg.start => Some(&start),
            _ => scanned
                .alts
                .iter()
                .find(|alt| alt.from == entry)
                .and_then(|alt| alt.meets.as_ref()),
        };
        let n = scanned.count as usize;
        if entry >= seg.end {
            // A true match covers the whole segment.
        } else if let Some(meet) = meet
            .filter(|meet| meet.at >= n || meet.at <= scanned.first.len() || scanned.runs.is_some())
        {
            self.join_met(&seg, entry, meet, &scanned, joined)?;
        } else {
            // The true start's walk never met S: walked again from it.
            self.join_walk(&seg, entry, joined)?;
        }
        // Edits no later segment's scan can read are handed on now.
        self.settle(joined, seg.end.saturating_sub(self.margin()))
    }

    /// Joins a segment whose true walk is `meet.before` and then `S` from
    /// index `meet.at`.
    fn join_met(
        &self,
        seg: &Range<usize>,
        entry: usize,
        meet: &Meet,
        scanned: &Scanned,
        joined: &mut Joined,
    ) -> Result<(), Error> {
        let n = scanned.count as usize;
        let at = meet.at.min(n);
        joined.matches += (meet.before.len() + (n - at)) as u64;
        if at < n {
            // S from its meet on: all of it but its first `at`.
            for (k, c) in scanned.per_pattern.iter().enumerate() {
                joined.per_pattern[k] += c;
            }
            for pattern in self.first_patterns(scanned, at) {
                joined.per_pattern[pattern] -= 1;
            }
        }
        for m in &meet.before {
            joined.per_pattern[m.found.pattern] += 1;
        }
        let exit = match at < n {
            true => scanned.last_end,
            false => meet.before.last().map(|m| m.found.end),
        };
        if self.writes {
            joined.pending.extend(meet.before.iter().map(held));
            if at < n && scanned.wrote {
                joined.pending.extend(scanned.first[at..].iter().map(held));
                joined.pending.extend(scanned.tail.iter().map(held));
            } else if let (true, Some(runs)) = (at < n, &scanned.runs) {
                joined.pending.extend(skip(runs, at as u64).map(Held::Run));
            } else if let (true, Some(exit)) = (at < n, exit) {
                let from = meet.before.last().map_or(entry, |m| m.found.end);
                self.rewalk(seg, from, exit, joined)?;
            }
        }
        if let Some(exit) = exit {
            joined.frontier = exit;
        }
        Ok(())
    }

    /// The patterns of `S`'s first `at` matches.
    fn first_patterns(&self, scanned: &Scanned, at: usize) -> Vec<usize> {
        if at <= scanned.first.len() {
            return scanned.first[..at]
                .iter()
                .map(|m| m.found.pattern)
                .collect();
        }
        let mut patterns = Vec::with_capacity(at);
        for run in scanned.runs.iter().flatten() {
            let take = (at - patterns.len()).min(run.count as usize);
            patterns.extend(std::iter::repeat_n(run.pattern, take));
        }
        patterns
    }

    /// Joins a segment by walking it again from its true start (counting;
    /// and, when writing, handing its edits on).
    fn join_walk(
        &self,
        seg: &Range<usize>,
        entry: usize,
        joined: &mut Joined,
    ) -> Result<(), Error> {
        let limit = self.limit(seg);
        let mut walk = Walk {
            pos: entry,
            done: false,
        };
        let mut exit = None;
        while let Some(found) = self.step(&mut walk, seg.end, limit) {
            joined.matches += 1;
            joined.per_pattern[found.pattern] += 1;
            exit = Some(found.end);
        }
        if let Some(exit) = exit {
            if self.writes {
                self.rewalk(seg, entry, exit, joined)?;
            }
            joined.frontier = exit;
        }
        Ok(())
    }

    /// A segment whose thread handed nothing on, its true walk known to
    /// run from `from` to `exit`: a literal's is walked after the threads
    /// (it reads only its own bytes); a regex's now, by the join (its
    /// assertions read bytes around its matches, which later writes could
    /// change), each edit handed on once the walk is past its look.
    fn rewalk(
        &self,
        seg: &Range<usize>,
        from: usize,
        exit: usize,
        joined: &mut Joined,
    ) -> Result<(), Error> {
        if !self.matcher.is_regex() {
            joined.later.push(from..exit);
            return Ok(());
        }
        let limit = self.limit(seg);
        let safe = seg.end.saturating_sub(self.margin());
        let mut walk = Walk {
            pos: from,
            done: false,
        };
        while let Some(found) = self.step(&mut walk, seg.end, limit) {
            let kept = self.keep(joined.maker.as_mut(), found)?;
            joined.pending.push_back(Held::Edit(kept));
            self.settle(joined, safe.min(walk.pos.saturating_sub(self.look)))?;
        }
        Ok(())
    }

    /// Hands on the pending edits, and the matches of pending runs, that
    /// end at or before `safe`, in file order.
    pub(super) fn settle(&self, joined: &mut Joined, safe: usize) -> Result<(), Error> {
        let Joined {
            pending,
            sink,
            maker,
            ..
        } = joined;
        let Some(sink) = sink.as_deref_mut() else {
            pending.clear();
            return Ok(());
        };
        while let Some(front) = pending.front_mut() {
            match front {
                Held::Edit(kept) if kept.found.end <= safe => {
                    self.give(sink, maker.as_mut(), kept, safe)?;
                }
                Held::Run(run) => {
                    let ready = ((safe.saturating_sub(run.start) / run.len) as u64).min(run.count);
                    if ready > 0 {
                        self.give_run(sink, maker.as_mut(), run.first(), ready)?;
                    }
                    if ready < run.count {
                        // The rest waits for the scans that may still read it.
                        run.start += run.len * ready as usize;
                        run.count -= ready;
                        break;
                    }
                }
                Held::Edit(_) => break,
            }
            pending.pop_front();
        }
        Ok(())
    }

    /// The literal segments walked again after the threads, on several
    /// threads, each with a sink of its own (they go to `done`).
    pub(super) fn write_later<'s>(
        &self,
        later: &[Range<usize>],
        threads: usize,
        done: &Mutex<Vec<Box<dyn Sink + Send + 's>>>,
        hand: impl Fn() -> Hand<'s> + Sync,
    ) -> Result<(), Error>
    where
        'a: 's,
    {
        if later.is_empty() {
            return Ok(());
        }
        let next = AtomicUsize::new(0);
        pool::run(threads.min(later.len()), |stop| {
            let mut hand = hand();
            while !stop.is_set() {
                let Some(walk) = later.get(next.fetch_add(1, Ordering::SeqCst)) else {
                    break;
                };
                self.walk_later(walk.start, walk.end, &mut hand)?;
            }
            if let Some(mut sink) = hand.sink.take() {
                sink.progress(&self.at(usize::MAX, usize::MAX))?;
                lock(done).push(sink);
            }
            Ok(())
        })
    }

    /// A literal's segment walked again from its true start, inside its
    /// known end: it reads only bytes no one else writes.
    fn walk_later(&self, from: usize, to: usize, hand: &mut Hand) -> Result<(), Error> {
        let mut walk = Walk {
            pos: from,
            done: false,
        };
        let sink = hand.sink.as_deref_mut().expect("a sink");
        while let Some(found) = self.step(&mut walk, to, to) {
            let kept = self.keep(hand.maker.as_mut(), found)?;
            self.give(sink, hand.maker.as_mut(), &kept, found.end)?;
        }
        Ok(())
    }
}

/// A kept edit, held by the join.
fn held(kept: &Kept) -> Held {
    Held::Edit(Kept {
        found: kept.found,
        new: kept.new.clone(),
    })
}

/// `runs` without their first `at` matches.
fn skip(runs: &[RunRec], mut at: u64) -> impl Iterator<Item = RunRec> + '_ {
    runs.iter().filter_map(move |run| {
        let skipped = at.min(run.count);
        at -= skipped;
        (skipped < run.count).then(|| RunRec {
            start: run.start + run.len * skipped as usize,
            count: run.count - skipped,
            ..*run
        })
    })
}
