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
