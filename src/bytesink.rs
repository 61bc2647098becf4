//! Where the bytes of a patch go: the file itself, by positioned writes of
//! coalesced runs, or a private copy-on-write mapping (the dry run).
//! Everything before this point is one code path for both.

use std::os::unix::fs::FileExt;

use crate::error::Error;
use crate::map::{Mapping, PrivateCopy};
use crate::target::Target;

/// Matches closer than this are written as one run, the bytes between them
/// copied from the file: a gap shorter than a block holds no block without
/// a changed byte, so coalescing dirties nothing more.
const GAP: usize = 4096;
/// The most bytes a writer holds before it writes them.
const BUFFER: usize = 256 << 10;

/// The byte sink of one file.
pub enum ByteSink<'a> {
    /// The real run: positioned writes into the file.
    File(FileSink<'a>),
    /// The dry run: the same writes into a private copy of the file.
    Copy {
        target: &'a Target,
        copy: PrivateCopy,
    },
}

impl<'a> ByteSink<'a> {
    pub fn file(target: &'a Target, view: &'a Mapping) -> ByteSink<'a> {
        ByteSink::File(FileSink { target, view })
    }

    pub fn private_copy(target: &'a Target) -> Result<ByteSink<'a>, Error> {
        let copy = PrivateCopy::new(&target.file, target.len()).map_err(|error| {
            target.problem(format!(
                "cannot map: {}",
                crate::error::plain_reason(&error)
            ))
        })?;
        Ok(ByteSink::Copy { target, copy })
    }

    /// Whether several threads may write at once (each through its own
    /// [`FileWriter`]); a private copy is written from one thread, as its
    /// copy-on-write faults stall every CPU that runs one of our threads.
    pub fn parallel(&self) -> Option<&FileSink<'a>> {
        match self {
            ByteSink::File(sink) => Some(sink),
            ByteSink::Copy { .. } => None,
        }
    }

    /// A writer for one stretch of the file, written in ascending order.
    pub fn writer(&mut self) -> Writer<'_, 'a> {
        match self {
            ByteSink::File(sink) => Writer::File(sink.writer()),
            ByteSink::Copy { target, copy } => Writer::Copy { target, copy },
        }
    }

    /// Ends the writes: waits for the disk when `sync` is set (a failed
    /// flush is an error) and checks that the file kept its size.
    pub fn finish(self, sync: bool) -> Result<(), Error> {
        match self {
            ByteSink::File(sink) => {
                if sync {
                    sink.target
                        .file
                        .sync_data()
                        .map_err(|source| Error::Failed {
                            path: sink.target.name.clone(),
                            doing: "flush failed",
                            source,
                        })?;
                }
                sink.check_size()
            }
            ByteSink::Copy { target, copy } => {
                if copy.faulted() {
                    return Err(target.fault());
                }
                target.check_unchanged()
            }
        }
    }
}

/// The real run's sink: the file, and the read-only view the scan reads,
/// from which the bytes between two close matches are copied.
pub struct FileSink<'a> {
    target: &'a Target,
    view: &'a Mapping,
}

impl<'a> FileSink<'a> {
    pub fn writer(&self) -> FileWriter<'_> {
        FileWriter {
            sink: self,
            run: Vec::new(),
            run_start: 0,
        }
    }

    fn check_size(&self) -> Result<(), Error> {
        if self.view.faulted() {
            return Err(self.target.fault());
        }
        self.target.check_unchanged()
    }

    /// Writes one run at `offset`, never making the file longer: the size
    /// is checked before the write, and a write that landed past a
    /// truncation made in between is detected after it, reported, and
    /// taken back where only our bytes lie past the new end.
    fn write_run(&self, offset: u64, bytes: &[u8]) -> Result<(), Error> {
        let target = self.target;
        self.check_size()?;
        target.file.write_all_at(bytes, offset).map_err(|source| {
            if source.raw_os_error() == Some(libc::ENOSPC) {
                Error::NoSpace {
                    path: target.name.clone(),
                }
            } else {
                Error::Failed {
                    path: target.name.clone(),
                    doing: "cannot write",
                    source,
                }
            }
        })?;
        if target.is_device {
            return Ok(());
        }
        let now = target.current_len()?;
        let end = offset + bytes.len() as u64;
        // A write that ends at the end of the file regrows a file cut in
        // the instant before it to exactly its old size; in a file that had
        // no holes, the hole the cut leaves before our bytes tells.
        let regrown =
            now == target.len() && end == now && !target.has_holes && target.hole_before(offset);
        if now == target.len() && !regrown {
            return Ok(());
        }
        let undone = if now == end {
            match target.cut_back(offset) {
                Ok(now) => {
                    return Err(Error::WrittenPastEnd {
                        path: target.name.clone(),
                        now,
                        undone: "; the write past the end was taken back",
                    });
                }
                Err(_) => "; a write landed past the new end",
            }
        } else {
            ""
        };
        Err(Error::WrittenPastEnd {
            path: target.name.clone(),
            now,
            undone,
        })
    }
}

/// Writes into one file, through a buffer of coalesced runs.
pub enum Writer<'s, 'a> {
    File(FileWriter<'s>),
    Copy {
        target: &'a Target,
        copy: &'s mut PrivateCopy,
    },
}

impl Writer<'_, '_> {
    /// Writes `bytes` at `offset`, after every earlier `put`.
    pub fn put(&mut self, offset: usize, bytes: &[u8]) -> Result<(), Error> {
        match self {
            Writer::File(writer) => writer.put(offset, bytes),
            Writer::Copy { copy, .. } => {
                copy.write(offset, bytes);
                Ok(())
            }
        }
    }

    /// Gives back what the writer holds for `range` of the file, which no
    /// write will touch again: a dry run's private pages.
    pub fn release(&mut self, range: std::ops::Range<usize>) {
        if let Writer::Copy { copy, .. } = self {
            copy.release(range);
        }
    }

    /// Writes what is buffered.
    pub fn flush(&mut self) -> Result<(), Error> {
        match self {
            Writer::File(writer) => writer.flush(),
            Writer::Copy { target, copy } => match copy.faulted() {
                true => Err(target.fault()),
                false => Ok(()),
            },
        }
    }
}

/// One thread's writer into the file: a run of changed bytes (and the
/// short gaps between them) in a bounded buffer, written with one `pwrite`.
pub struct FileWriter<'s> {
    sink: &'s FileSink<'s>,
    run: Vec<u8>,
    run_start: usize,
}

impl FileWriter<'_> {
    pub fn put(&mut self, offset: usize, bytes: &[u8]) -> Result<(), Error> {
        let run_end = self.run_start + self.run.len();
        let joins = !self.run.is_empty()
            && offset >= run_end
            && offset - run_end < GAP
            && offset + bytes.len() - self.run_start <= BUFFER;
        if !joins {
            self.flush()?;
            self.run_start = offset;
        } else if offset > run_end {
            self.run
                .extend_from_slice(&self.sink.view.bytes()[run_end..offset]);
        }
        self.run.extend_from_slice(bytes);
        Ok(())
    }

    pub fn flush(&mut self) -> Result<(), Error> {
        if self.run.is_empty() {
            return Ok(());
        }
        let result = self.sink.write_run(self.run_start as u64, &self.run);
        self.run.clear();
        if self.run.capacity() > BUFFER + GAP {
            self.run.shrink_to(BUFFER + GAP);
        }
        result
    }
}
