//! Sinks every command composes: one that only counts, a tee that shows each
//! edit to two sinks, and a filter's chain; what follows is held behind needs.

use std::ops::Range;

use super::{At, Edit, Flow, Run, Sink, Tally, Wants};
use crate::error::Error;

/// A sink that only counts: the scan's [`Tally`] is the answer (`find -c`,
/// a dry run's count, a guard's check).
///
/// ```
/// use mpatch::scan::{Counter, Sink, Wants};
/// assert_eq!(Counter.wants(), Wants::Count);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Counter;

impl Sink for Counter {
    fn wants(&self) -> Wants {
        Wants::Count
    }
    fn edit(&mut self, _: &Edit, _: &At) -> Result<Flow, Error> {
        Ok(Flow::Go)
    }
    fn run(&mut self, _: &Run, _: &At) -> Result<Flow, Error> {
        Ok(Flow::Go)
    }
}

/// Two sinks given every edit, the first first: a printer and a writer.
/// The second is told the scan settled no further than the first still
/// reads, so a writer never writes bytes a printer has yet to show.
pub struct Tee<A, B>(pub A, pub B);

impl<A: Sink, B: Sink> Tee<A, B> {
    fn held<'a>(&self, at: &At<'a>) -> At<'a> {
        At {
            settled: at.settled.min(self.0.needs_from()),
            ..*at
        }
    }
}

fn both(a: Flow, b: Flow) -> Flow {
    match (a, b) {
        (Flow::Go, Flow::Go) => Flow::Go,
        _ => Flow::Stop,
    }
}

impl<A: Sink, B: Sink> Sink for Tee<A, B> {
    fn wants(&self) -> Wants {
        self.0.wants().max(self.1.wants())
    }
    fn begin(&mut self, range: Range<usize>) -> Result<Flow, Error> {
        let a = self.0.begin(range.clone())?;
        Ok(both(a, self.1.begin(range)?))
    }
    fn edit(&mut self, edit: &Edit, at: &At) -> Result<Flow, Error> {
        let a = self.0.edit(edit, at)?;
        Ok(both(a, self.1.edit(edit, &self.held(at))?))
    }
    fn run(&mut self, run: &Run, at: &At) -> Result<Flow, Error> {
        let a = self.0.run(run, at)?;
        Ok(both(a, self.1.run(run, &self.held(at))?))
    }
    fn progress(&mut self, at: &At) -> Result<Flow, Error> {
        let a = self.0.progress(at)?;
        Ok(both(a, self.1.progress(&self.held(at))?))
    }
    fn needs_from(&self) -> usize {
        self.0.needs_from().min(self.1.needs_from())
    }
    fn finish(&mut self, tally: &Tally) -> Result<(), Error> {
        let a = self.0.finish(tally);
        let b = self.1.finish(tally);
        a.and(b)
    }
}

/// What a [`Filter`] decides for one edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The sink behind it gets the edit.
    On,
    /// The sink behind it does not (it is told the scan moved on).
    Skip,
}

/// Decides, edit by edit in file order, which edits go on to the sink
/// behind it (a review at the terminal in front of the writer). Like a
/// sink, it says the lowest offset it may still read from the window.
pub trait Filter {
    /// Whether `edit` goes on; `Stop` ends the scan after it.
    fn pass(&mut self, edit: &Edit, at: &At) -> Result<(Pass, Flow), Error>;

    /// The scan moved on without a match.
    fn progress(&mut self, at: &At) {
        let _ = at;
    }

    /// The lowest offset this filter may still read from the window: the
    /// sink behind it writes nothing at or above it.
    fn needs_from(&self) -> usize;
}

impl<F: Filter + ?Sized> Filter for &mut F {
    fn pass(&mut self, edit: &Edit, at: &At) -> Result<(Pass, Flow), Error> {
        (**self).pass(edit, at)
    }
    fn progress(&mut self, at: &At) {
        (**self).progress(at)
    }
    fn needs_from(&self) -> usize {
        (**self).needs_from()
    }
}

/// A sink that gives the edits a filter passes to the sink behind it, held
/// (as in a [`Tee`]) so that it never writes what the filter may still read.
pub struct Filtered<F, S>(pub F, pub S);

impl<F: Filter, S: Sink> Filtered<F, S> {
    fn held<'a>(&self, at: &At<'a>) -> At<'a> {
        At {
            settled: at.settled.min(self.0.needs_from()),
            ..*at
        }
    }
}

impl<F: Filter, S: Sink> Sink for Filtered<F, S> {
    fn wants(&self) -> Wants {
        // Every edit in file order, one at a time.
        Wants::Ordered
    }
    fn begin(&mut self, range: Range<usize>) -> Result<Flow, Error> {
        self.1.begin(range)
    }
    fn edit(&mut self, edit: &Edit, at: &At) -> Result<Flow, Error> {
        let (pass, flow) = self.0.pass(edit, at)?;
        let held = self.held(at);
        let next = match pass {
            Pass::On => self.1.edit(edit, &held)?,
            Pass::Skip => self.1.progress(&held)?,
        };
        Ok(both(flow, next))
    }
    fn progress(&mut self, at: &At) -> Result<Flow, Error> {
        self.0.progress(at);
        self.1.progress(&self.held(at))
    }
    fn needs_from(&self) -> usize {
        self.0.needs_from().min(self.1.needs_from())
    }
    fn finish(&mut self, tally: &Tally) -> Result<(), Error> {
        self.1.finish(tally)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Window;
    use super::*;

    /// Passes every other edit and reads 10 bytes back from the frontier.
    struct EveryOther(usize, usize);

    impl Filter for EveryOther {
        fn pass(&mut self, _: &Edit, at: &At) -> Result<(Pass, Flow), Error> {
            self.0 += 1;
            self.1 = at.frontier;
            let pass = if self.0 % 2 == 1 {
                Pass::On
            } else {
                Pass::Skip
            };
            Ok((pass, Flow::Go))
        }
        fn needs_from(&self) -> usize {
            self.1.saturating_sub(10)
        }
    }

    /// Records what it is given: edits, and the settled offsets it saw.
    #[derive(Default)]
    struct Seen(Vec<usize>, Vec<usize>);

    impl Sink for Seen {
        fn wants(&self) -> Wants {
            Wants::Edits
        }
        fn edit(&mut self, edit: &Edit, at: &At) -> Result<Flow, Error> {
            self.0.push(edit.start);
            self.1.push(at.settled);
            Ok(Flow::Go)
        }
        fn progress(&mut self, at: &At) -> Result<Flow, Error> {
            self.1.push(at.settled);
            Ok(Flow::Go)
        }
    }

    #[test]
    fn a_filter_passes_what_it_accepts_and_holds_the_sink_behind_what_it_reads() {
        let bytes = [b'x'; 100];
        let mut chain = Filtered(EveryOther(0, 0), Seen::default());
        assert_eq!(chain.wants(), Wants::Ordered);
        for start in [20, 40, 60, 80] {
            let edit = Edit {
                start,
                pattern: 0,
                old: b"x",
                new: Some(b"y"),
            };
            let at = At {
                frontier: start + 1,
                settled: start + 1,
                window: Window {
                    base: 0,
                    bytes: &bytes,
                },
            };
            chain.edit(&edit, &at).unwrap();
        }
        let Filtered(_, seen) = chain;
        assert_eq!(seen.0, [20, 60]);
        // Each edit settled no further than 10 bytes before the frontier.
        assert_eq!(seen.1, [11, 31, 51, 71]);
    }
}
