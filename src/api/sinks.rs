//! The sinks the commands compose from the engine's trait and the writer in
//! `io`: a thread's writer, the blocks provided for holes, a binary check.

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

    fn edits(&mut self, edits: &[Edit], at: &At) -> Result<Flow, Error> {
        let changes = edits.iter().map(|edit| {
            let new = edit.new.expect("a replace's edit");
            (edit.start, edit.old, new)
        });
        self.0.put_each(changes, at.settled)?;
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

/// How far either side of a match a NUL byte makes its file binary.
pub const NUL_AROUND: usize = 1024;

/// A sink that stops the scan at the first match with a NUL byte near it,
/// giving on only the matches before: a file that looks like text in its
/// first 64 KiB but is binary further on, as ripgrep finds it in a walk.
pub struct Binary<S> {
    pub inner: S,
    /// The offset of the first match found near a NUL byte.
    pub found: Option<usize>,
    frontier: usize,
}

impl<S: Sink> Binary<S> {
    pub fn new(inner: S) -> Binary<S> {
        Binary {
            inner,
            found: None,
            frontier: 0,
        }
    }
}

impl<S: Sink> Sink for Binary<S> {
    fn wants(&self) -> Wants {
        // Each match is looked at, in order.
        self.inner.wants().max(Wants::Ordered)
    }
    fn begin(&mut self, range: std::ops::Range<usize>) -> Result<Flow, Error> {
        self.inner.begin(range)
    }
    fn edit(&mut self, edit: &Edit, at: &At) -> Result<Flow, Error> {
        self.frontier = at.frontier;
        let near = edit.start.saturating_sub(NUL_AROUND)..edit.end().saturating_add(NUL_AROUND);
        if memchr::memchr(0, at.window.get(near)).is_some() {
            self.found = Some(edit.start);
            return Ok(Flow::Stop);
        }
        self.inner.edit(edit, at)
    }
    fn run(&mut self, run: &Run, _: &At) -> Result<Flow, Error> {
        // Matches back to back inside a hole: zeros.
        self.found = Some(run.start);
        Ok(Flow::Stop)
    }
    fn progress(&mut self, at: &At) -> Result<Flow, Error> {
        self.frontier = at.frontier;
        self.inner.progress(at)
    }
    fn needs_from(&self) -> usize {
        let mine = match self.frontier {
            usize::MAX => usize::MAX,
            frontier => frontier.saturating_sub(NUL_AROUND),
        };
        mine.min(self.inner.needs_from())
    }
    fn finish(&mut self, tally: &Tally) -> Result<(), Error> {
        self.inner.finish(tally)
    }
}
