//! Review before writing, as the scan's consumers: `--diff` prints a dry run
//! as a unified diff, and `-I` asks at the terminal before each change.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::Output;
use super::prompt::{self, Change, Decision, Keys, Review};
use super::unidiff::{Diff, Options};
use crate::engine::scan::{At, Edit, Filter, Flow, Pass, Sink, Tally, Wants};
use crate::error::Error;

/// The sink of `--diff`: one file's edits, in file order, printed as a
/// unified diff of the file's bytes as they were (the scan's window: a dry
/// run writes nothing, so the mapping holds them).
pub struct DiffPrinter<'a, W: Write> {
    diff: Option<Diff<'a, &'a mut Output<W>>>,
    /// The run's count of edits that change a byte (the others print
    /// nothing), which decides its exit status.
    changes: &'a AtomicU64,
}

impl<'a, W: Write> DiffPrinter<'a, W> {
    /// The diff of the file shown as `path` (relative to where the user
    /// runs), printed to `out`; each edit that changes a byte is counted
    /// in `changes`.
    pub fn new(
        out: &'a mut Output<W>,
        path: PathBuf,
        options: Options,
        changes: &'a AtomicU64,
    ) -> DiffPrinter<'a, W> {
        DiffPrinter {
            diff: Some(Diff::new(out, path, options)),
            changes,
        }
    }
}

/// The whole file's bytes, as a diff needs them.
fn whole<'w>(at: &At<'w>) -> Result<&'w [u8], Error> {
    match at.window.base {
        0 => Ok(at.window.bytes),
        _ => Err(Error::argument(
            "--diff",
            "a unified diff needs a file, not a stream",
        )),
    }
}

impl<W: Write> Sink for DiffPrinter<'_, W> {
    fn wants(&self) -> Wants {
        Wants::Ordered
    }

    fn edit(&mut self, edit: &Edit, at: &At) -> Result<Flow, Error> {
        let (Some(diff), Some(new)) = (self.diff.as_mut(), edit.new) else {
            return Ok(Flow::Go);
        };
        if edit.old != new {
            self.changes.fetch_add(1, Ordering::Relaxed);
        }
        diff.edit(whole(at)?, edit.start, new)
            .map_err(Error::Stdout)?;
        Ok(Flow::Go)
    }

    fn progress(&mut self, at: &At) -> Result<Flow, Error> {
        // The end of the scan: the window is the whole file still.
        if at.frontier == usize::MAX
            && let Some(diff) = self.diff.take()
        {
            diff.finish(whole(at)?).map_err(Error::Stdout)?;
        }
        Ok(Flow::Go)
    }

    fn needs_from(&self) -> usize {
        // A hunk's context and line numbers are read back from the file.
        match self.diff {
            Some(_) => 0,
            None => usize::MAX,
        }
    }

    fn finish(&mut self, _: &Tally) -> Result<(), Error> {
        Ok(())
    }
}

/// A path as a diff names it: relative to the current folder when it lies
/// below it (an absolute path given for a file here), else as given.
pub fn diff_path(path: &Path) -> PathBuf {
    if path.is_absolute()
        && let Ok(here) = std::env::current_dir()
        && let Ok(below) = path.strip_prefix(&here)
    {
        return below.to_path_buf();
    }
    path.to_path_buf()
}

/// How far before a change [`prompt::show`] may read: the lines above it
/// and the start of its own, each looked for at most 4 KiB back.
const SHOWN_BEFORE: usize = (prompt::AROUND + 1) * prompt::LINE_CUT * 4 + 16;

/// `-I`: the terminal the keys come from, the answers so far, and each
/// file's count of changes accepted and skipped.
pub struct Asker {
    keys: Keys,
    review: Review,
    color: bool,
    /// The file of the change asked about last, which `a` and `d` settle.
    last: Option<PathBuf>,
    /// Of the file being reviewed: changes accepted and skipped.
    pub file_accepted: u64,
    pub file_skipped: u64,
}

impl Asker {
    /// Opens the terminal; without one, `-I` is an error (exit 2) before
    /// anything is read or written.
    pub fn open(color: bool) -> Result<Asker, Error> {
        let keys = Keys::open().map_err(|no| {
            Error::argument(
                "-I",
                format!(
                    "needs a terminal (/dev/tty) to ask about each change: cannot open it: {}",
                    crate::error::plain_reason(&no.0)
                ),
            )
        })?;
        Ok(Asker {
            keys,
            review: Review::new(),
            color,
            last: None,
            file_accepted: 0,
            file_skipped: 0,
        })
    }

    /// Whether `q` was pressed: nothing more is asked or written.
    pub fn stopped(&self) -> bool {
        self.review.stopped()
    }

    /// The filter of one file's edits, shown as `path`.
    pub fn file<'a>(&'a mut self, path: &'a Path) -> Asking<'a> {
        self.file_accepted = 0;
        self.file_skipped = 0;
        Asking {
            asker: self,
            path,
            frontier: 0,
        }
    }

    /// The decision for `change`: shown, and keys read until one decides
    /// it, unless an earlier `a`, `d`, `A` or `q` settled it (`a` and `d`
    /// end with the file of the change they answered).
    pub fn ask(&mut self, change: &Change) -> Result<Decision, Error> {
        let new_file = self.last.as_deref() != Some(change.path);
        if new_file {
            self.last = Some(change.path.to_path_buf());
        }
        let mut decision = self.review.decide(new_file);
        let tty = |e: std::io::Error| Error::argument("/dev/tty", crate::error::plain_reason(&e));
        while decision == Decision::Ask {
            prompt::show(self.keys.terminal(), change, self.color).map_err(tty)?;
            decision = self.review.answer(self.keys.ask().map_err(tty)?);
        }
        Ok(decision)
    }

    /// Changes accepted in the whole run.
    pub fn accepted(&self) -> u64 {
        self.review.accepted()
    }

    /// Changes skipped in the whole run.
    pub fn skipped(&self) -> u64 {
        self.review.skipped()
    }
}

/// The review of one file: each change shown on the terminal and passed on
/// to the writer only if accepted.
pub struct Asking<'a> {
    asker: &'a mut Asker,
    path: &'a Path,
    /// No change still to come starts below this offset.
    frontier: usize,
}

impl Asking<'_> {
    fn decide(&mut self, edit: &Edit, at: &At) -> Result<Decision, Error> {
        let change = Change {
            path: self.path,
            file: at.window.bytes,
            offset: edit.start - at.window.base,
            old: edit.old,
            new: edit.new.unwrap_or(edit.old),
        };
        self.asker.ask(&change)
    }
}

impl Filter for Asking<'_> {
    fn pass(&mut self, edit: &Edit, at: &At) -> Result<(Pass, Flow), Error> {
        self.frontier = at.frontier;
        let pass = match self.decide(edit, at)? {
            Decision::Write => {
                self.asker.file_accepted += 1;
                Pass::On
            }
            Decision::Skip => {
                self.asker.file_skipped += 1;
                Pass::Skip
            }
            // After `q` the scan goes on, writing nothing more, so that the
            // file's count stays what a check found.
            Decision::Stop | Decision::Ask => Pass::Skip,
        };
        Ok((pass, Flow::Go))
    }

    fn progress(&mut self, at: &At) {
        self.frontier = at.frontier;
    }

    fn needs_from(&self) -> usize {
        // The next change is shown with the bytes before it, as they were.
        match self.frontier {
            usize::MAX => usize::MAX,
            frontier => frontier.saturating_sub(SHOWN_BEFORE),
        }
    }
}
