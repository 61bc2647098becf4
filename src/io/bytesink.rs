//! Where the bytes of a patch go: the file itself, by positioned writes of
//! the changed bytes (journalled first when asked), or, for a dry run, a
//! sink that only counts. Everything before this point is one code path.

use std::os::unix::fs::FileExt;
use std::sync::Mutex;

use crate::error::Error;
use crate::io::journal::{self, Appender};
use crate::io::target::{Identity, Target};

/// How a writer groups the changed bytes into writes.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Changes closer than this are written as one run, the bytes between
    /// them read from the file at the moment of the write: a gap shorter
    /// than a block holds no block without a changed byte, so this dirties
    /// nothing more.
    pub gap: usize,
    /// The most bytes (changed bytes and gaps) a writer holds before it
    /// writes them.
    pub buffer: usize,
}

impl Shape {
    pub const DEFAULT: Shape = Shape {
        gap: 4096,
        buffer: 256 << 10,
    };
}

/// Changes held by a writer at most, whatever their size: bounds the
/// memory of a dense patch and the number of regions of a journal block.
const MAX_PIECES: usize = 16 << 10;

/// The byte sink of one file.
pub enum ByteSink<'a> {
    /// The real run: positioned writes into the file.
    File(FileSink<'a>),
    /// The dry run: each change counted, nothing written. Nothing reads a
    /// dry run's bytes (previews are made from the scan's view), so no
    /// private copy is made.
    Count { target: &'a Target, changes: u64 },
}

impl<'a> ByteSink<'a> {
    pub fn file(target: &'a Target, journal: Option<Journalled<'a>>) -> ByteSink<'a> {
        ByteSink::with_shape(target, journal, Shape::DEFAULT)
    }

    pub fn with_shape(
        target: &'a Target,
        journal: Option<Journalled<'a>>,
        shape: Shape,
    ) -> ByteSink<'a> {
        ByteSink::File(FileSink {
            target,
            size: Mutex::new(None),
            journal,
            shape,
        })
    }

    pub fn dry_run(target: &'a Target) -> ByteSink<'a> {
        ByteSink::Count { target, changes: 0 }
    }

    /// Whether several threads may write at once (each through its own
    /// [`FileWriter`]).
    pub fn parallel(&self) -> Option<&FileSink<'a>> {
        match self {
            ByteSink::File(sink) => Some(sink),
            ByteSink::Count { .. } => None,
        }
    }

    /// A writer for one stretch of the file, written in ascending order.
    pub fn writer(&mut self) -> Writer<'_> {
        match self {
            ByteSink::File(sink) => Writer::File(sink.writer()),
            ByteSink::Count { changes, .. } => Writer::Count(changes),
        }
    }

    /// Ends the writes: waits for the disk when `sync` is set (a failed
    /// flush is an error) and checks that the file did not shrink; returns
    /// the bytes appended to it meanwhile, which were not searched.
    pub fn finish(self, sync: bool) -> Result<u64, Error> {
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
                if let Some(stopped) = sink.stopped() {
                    return Err(stopped);
                }
                sink.target.check_unchanged()
            }
            ByteSink::Count { target, .. } => target.check_unchanged(),
        }
    }
}

/// The journal section of one file: each batch of changes is appended as
/// a block, and synced, before any of its bytes is written.
pub struct Journalled<'a> {
    appender: &'a Appender,
    name: &'a str,
    /// The block's file record, which starts each block.
    head: Vec<u8>,
}

impl<'a> Journalled<'a> {
    pub fn new(
        appender: &'a Appender,
        name: &'a str,
        identity: Identity,
        path: &[u8],
    ) -> Journalled<'a> {
        let mut head = Vec::new();
        journal::encode_file(&mut head, identity, path);
        Journalled {
            appender,
            name,
            head,
        }
    }

    fn record<'r>(
        &self,
        regions: impl Iterator<Item = (u64, &'r [u8], &'r [u8])>,
    ) -> Result<(), Error> {
        let mut payload = self.head.clone();
        for (offset, old, new) in regions {
            journal::encode_region(&mut payload, offset, old, new);
        }
        self.appender
            .append(&payload)
            .map_err(|error| Error::Journal {
                path: self.name.to_string(),
                reason: crate::error::plain_reason(&error),
            })
    }
}

/// Why a file's writes stopped, kept by the owner of its size so that
/// every thread stops on the first.
#[derive(Debug, Clone)]
struct Stopped {
    now: u64,
    undone: &'static str,
}

/// The real run's sink: the file, the one owner of its size for every
/// thread that writes it, and its journal section.
pub struct FileSink<'a> {
    target: &'a Target,
    /// Held across each write and the size checks around it, so that no
    /// two threads guess the file's size at once.
    size: Mutex<Option<Stopped>>,
    journal: Option<Journalled<'a>>,
    shape: Shape,
}

impl<'a> FileSink<'a> {
    pub fn writer(&self) -> FileWriter<'_> {
        FileWriter {
            sink: self,
            pieces: Vec::new(),
            new: Vec::new(),
            held: 0,
            span: Vec::new(),
        }
    }

    fn stopped(&self) -> Option<Error> {
        let state = self.size.lock().unwrap_or_else(|e| e.into_inner());
        state.as_ref().map(|stopped| self.stop_error(stopped))
    }

    fn stop_error(&self, stopped: &Stopped) -> Error {
        match stopped.undone {
            "" => Error::Resized {
                path: self.target.name.clone(),
                now: stopped.now,
            },
            undone => Error::WrittenPastEnd {
                path: self.target.name.clone(),
                now: stopped.now,
                undone,
            },
        }
    }

    /// Writes one run at `offset`, never making the file longer: the size
    /// is checked before the write, and a write that landed past a
    /// truncation made in between is detected after it, reported (with the
    /// size the file then has) and taken back. The size lock makes this
    /// the only write in flight, so one write at most can land past a cut.
    fn write_run(&self, offset: u64, bytes: &[u8]) -> Result<(), Error> {
        let target = self.target;
        let mut state = self.size.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(stopped) = &*state {
            return Err(self.stop_error(stopped));
        }
        if target.is_device {
            return write_at(target, bytes, offset);
        }
        let before = target.current_len()?;
        if before < target.len() {
            *state = Some(Stopped {
                now: before,
                undone: "",
            });
            return Err(self.stop_error(state.as_ref().expect("just set")));
        }
        write_at(target, bytes, offset)?;
        let after = target.current_len()?;
        let end = offset + bytes.len() as u64;
        // A write that ends where the file ends may have regrown a file cut
        // in the instant before it to exactly its old size; in a file that
        // had no holes, the hole the cut leaves before our bytes tells.
        let regrown =
            after == end && after == before && !target.has_holes && target.hole_before(offset);
        if after >= before && !regrown {
            return Ok(());
        }
        let stopped = if after == end {
            match target.cut_back(offset) {
                Ok(now) => Stopped {
                    now,
                    undone: "; the write past the end was taken back",
                },
                Err(_) => Stopped {
                    now: target.current_len().unwrap_or(after),
                    undone: "; a write landed past the new end",
                },
            }
        } else {
            Stopped {
                now: after,
                undone: "",
            }
        };
        let error = match stopped.undone {
            "" => Error::Resized {
                path: target.name.clone(),
                now: stopped.now,
            },
            undone => Error::WrittenPastEnd {
                path: target.name.clone(),
                now: stopped.now,
                undone,
            },
        };
        *state = Some(stopped);
        Err(error)
    }
}

fn write_at(target: &Target, bytes: &[u8], offset: u64) -> Result<(), Error> {
    target
        .file
        .write_all_at(bytes, offset)
        .map_err(|source| match source.raw_os_error() {
            Some(libc::ENOSPC) => Error::NoSpace {
                path: target.name.clone(),
            },
            _ => Error::Failed {
                path: target.name.clone(),
                doing: "cannot write",
                source,
            },
        })
}

/// Writes into one file: the real file, or the dry run's count.
pub enum Writer<'s> {
    File(FileWriter<'s>),
    Count(&'s mut u64),
}

impl Writer<'_> {
    /// Writes `bytes` at `offset`, after every earlier `put`.
    pub fn put(&mut self, offset: usize, bytes: &[u8]) -> Result<(), Error> {
        match self {
            Writer::File(writer) => writer.put(offset, bytes),
            Writer::Count(changes) => {
                **changes += 1;
                Ok(())
            }
        }
    }

    /// Writes what is held.
    pub fn flush(&mut self) -> Result<(), Error> {
        match self {
            Writer::File(writer) => writer.flush(),
            Writer::Count(_) => Ok(()),
        }
    }
}

/// One thread's writer into the file: changed bytes held in a bounded
/// buffer, then (journalled and) written in runs, one `pwrite` a run. The
/// bytes between two changes of a run are read from the file when the run
/// is written, never from an earlier copy, so a byte another process wrote
/// there is kept; and no run spans a hole, so no write allocates a block
/// that no change lies in.
pub struct FileWriter<'s> {
    sink: &'s FileSink<'s>,
    /// Changes not yet written: offset, and where their bytes lie in `new`.
    pieces: Vec<(u64, std::ops::Range<usize>)>,
    new: Vec<u8>,
    /// Bytes the held runs will write, gaps included.
    held: usize,
    /// A run as the file holds it, then with its changes made.
    span: Vec<u8>,
}

impl FileWriter<'_> {
    pub fn put(&mut self, offset: usize, bytes: &[u8]) -> Result<(), Error> {
        let offset = offset as u64;
        let shape = self.sink.shape;
        let joins = self.pieces.last().is_some_and(|(at, range)| {
            let end = at + range.len() as u64;
            offset >= end && offset - end < shape.gap as u64 && !self.sink.target.has_holes
        });
        let added = match (joins, self.pieces.last()) {
            (true, Some((at, range))) => (offset - at - range.len() as u64) as usize + bytes.len(),
            _ => bytes.len(),
        };
        if !self.pieces.is_empty()
            && (self.held + added > shape.buffer || self.pieces.len() >= MAX_PIECES)
        {
            self.flush()?;
        }
        let start = self.new.len();
        self.new.extend_from_slice(bytes);
        self.pieces.push((offset, start..self.new.len()));
        self.held += added;
        Ok(())
    }

    /// The runs of the held pieces: index ranges into `pieces`.
    fn runs(&self) -> Vec<std::ops::Range<usize>> {
        let shape = self.sink.shape;
        let holes = self.sink.target.has_holes;
        let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
        for (i, (at, _)) in self.pieces.iter().enumerate() {
            let joins = runs.last().is_some_and(|run| {
                let (first, _) = &self.pieces[run.start];
                let (last, range) = &self.pieces[run.end - 1];
                let end = last + range.len() as u64;
                !holes
                    && *at >= end
                    && at - end < shape.gap as u64
                    && (at - first) as usize + self.pieces[i].1.len() <= shape.buffer.max(1)
            });
            match runs.last_mut() {
                Some(run) if joins => run.end = i + 1,
                _ => runs.push(i..i + 1),
            }
        }
        runs
    }

    pub fn flush(&mut self) -> Result<(), Error> {
        if self.pieces.is_empty() {
            return Ok(());
        }
        let result = self.write_held();
        self.pieces.clear();
        self.new.clear();
        self.held = 0;
        if self.new.capacity() > 4 << 20 {
            self.new = Vec::new();
        }
        result
    }

    fn write_held(&mut self) -> Result<(), Error> {
        let sink = self.sink;
        let target = sink.target;
        let runs = self.runs();
        if let Some(journal) = &sink.journal {
            // The old bytes as the file holds them now, just before the
            // write: the journal holds exactly what the write replaces.
            let mut old = vec![0; self.new.len()];
            for (at, range) in &self.pieces {
                target
                    .file
                    .read_exact_at(&mut old[range.clone()], *at)
                    .map_err(|e| Error::io(&target.name, e))?;
            }
            let regions = self
                .pieces
                .iter()
                .map(|(at, range)| (*at, &old[range.clone()], &self.new[range.clone()]));
            journal.record(regions)?;
        }
        for run in runs {
            let (first, _) = &self.pieces[run.start];
            let (last, range) = &self.pieces[run.end - 1];
            let (start, end) = (*first, last + range.len() as u64);
            self.span.clear();
            self.span.resize((end - start) as usize, 0);
            if run.len() > 1 {
                target
                    .file
                    .read_exact_at(&mut self.span, start)
                    .map_err(|e| match e.kind() {
                        std::io::ErrorKind::UnexpectedEof => Error::Resized {
                            path: target.name.clone(),
                            now: target.current_len().unwrap_or(0),
                        },
                        _ => Error::io(&target.name, e),
                    })?;
            }
            for (at, range) in &self.pieces[run] {
                let from = (at - start) as usize;
                self.span[from..from + range.len()].copy_from_slice(&self.new[range.clone()]);
            }
            sink.write_run(start, &self.span)?;
        }
        if self.span.capacity() > 4 << 20 {
            self.span = Vec::new();
        }
        Ok(())
    }
}
