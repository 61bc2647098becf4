//! Sinks every command composes: one that only counts, and a tee that
//! shows each edit to two sinks, the second held behind the first's needs.

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
