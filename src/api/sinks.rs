//! The sinks the write commands compose from the engine's trait and the
//! writer in `io`: a thread's writer, and the blocks provided for holes.

use crate::engine::scan::{At, Edit, Flow, Run, Sink, Tally, Wants};
use crate::error::Error;
use crate::io::target::Target;
use crate::io::writer::Writer;

/// One thread's writer as a sink: every edit held, written once the scan
/// has settled past it.
pub struct Write<'s>(pub Writer<'s>);

impl Sink for Write<'_> {
    fn wants(&self) -> Wants {
        Wants::Edits
    }

    fn edit(&mut self, edit: &Edit, at: &At) -> Result<Flow, Error> {
        let new = edit.new.expect("a replace's edit");
        self.0.put(edit.start, edit.old, new, at.settled)?;
        Ok(Flow::Go)
    }

    fn run(&mut self, run: &Run, at: &At) -> Result<Flow, Error> {
        let new = run.new.expect("a replace's edit");
        self.0
            .put_run(run.start, run.old, new, run.count, at.settled)?;
        Ok(Flow::Go)
    }

    fn progress(&mut self, at: &At) -> Result<Flow, Error> {
        // The end: everything held is written (before it, the writer
        // writes when its buffer is full).
        if at.settled == usize::MAX {
            self.0.settle(usize::MAX)?;
        }
        Ok(Flow::Go)
    }

    fn finish(&mut self, _: &Tally) -> Result<(), Error> {
        self.0.settle(usize::MAX)
    }
}

/// The check pass's sink: every edit is made (a regex expansion's length
/// is checked as it is), and, for a sparse file, the blocks of every match
/// that lies in a hole are provided, so that a full disk stops the run
/// before its first write.
pub struct Check<'a>(pub Option<&'a Target>);

impl Sink for Check<'_> {
    fn wants(&self) -> Wants {
        Wants::Edits
    }

    fn edit(&mut self, edit: &Edit, _: &At) -> Result<Flow, Error> {
        if let Some(target) = self.0 {
            target.reserve(edit.start as u64, edit.old.len() as u64)?;
        }
        Ok(Flow::Go)
    }

    fn run(&mut self, run: &Run, _: &At) -> Result<Flow, Error> {
        if let Some(target) = self.0 {
            target.reserve(run.start as u64, (run.end() - run.start) as u64)?;
        }
        Ok(Flow::Go)
    }
}
