//! Where a patch's bytes go: the file itself, by positioned writes of the
//! changed bytes only (journalled first when asked), never longer than it was.
//!
//! A writer holds the changes it is given in a bounded buffer and writes
//! each run of adjacent changes with one `pwrite`, or, where many runs lie
//! in neighbouring blocks (a block the disk writes anyway), stores them
//! through a shared mapping of that stretch, a system call saved for each;
//! either way the bytes between two changes are never written, so a byte
//! another process wrote there is kept, and no write fills a hole that no
//! change lies in. It writes only below the point its caller says the scan
//! has settled: the scan never reads a byte this run wrote.

use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

use crate::error::Error;
use crate::io::journal::{self, Appender};
use crate::io::map::Window;
use crate::io::target::{Identity, Target};
use crate::pool::lock;

/// Bytes (old and new) a writer holds at most before it writes; the
/// library's tests make it small.
pub const BUFFER: usize = 1 << 20;
/// Changes a writer holds at most, whatever their size: bounds the memory
/// of a dense patch and the regions of a journal block.
const MAX_PIECES: usize = 64 << 10;
/// Changes after which a writer without a journal writes those the scan
/// has settled, if they lie far apart and no other thread writes then: the
/// writes of a split file go on beside the other segments' scans, not all
/// after them.
const EARLY: usize = 1 << 10;
/// The mean distance between changes from which they are written early
/// (see `Writer::sparse`): a 1 GiB log with 13,056 matches has 80 KiB, 100
/// pairs over a log a few dozen bytes, an IPS patch of 275,037 records 4 KiB.
const SPARSE: u64 = 16 << 10;
/// The fewest runs of changes in neighbouring blocks that are stored
/// through a mapping rather than written one `pwrite` each: below it the
/// mapping's own cost (two system calls, a fault per page) is not repaid.
pub const STORE_MIN: usize = 32;
/// Blocks as the disk writes them: a run within one block of the last is
/// in a block the disk writes anyway.
const BLOCK: u64 = 4096;
/// The largest folio of the page cache (a huge page): a window rounded out
/// to these lets the kernel map each folio of it with one write fault,
/// not one for each 4 KiB page. On ext4 each fault walks every block of
/// its folio (512 in a 2 MiB one): a byte changed every 64 in 256 MiB
/// took 0.61 s through 1 MiB windows, 0.015 s through 4 MiB ones
/// (`bench/window_faults.c`).
const FOLIO: u64 = 2 << 20;

/// The journal section of one file: each batch of changes is appended as
/// a block, and synced, before any of its bytes is written.
pub struct Journalled<'a> {
    appender: &'a Appender,
    name: &'a str,
    /// The block's file record, which starts each block.
    head: Vec<u8>,
}

impl<'a> Journalled<'a> {
    /// The section of the file `identity`, recorded under `path`.
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

/// The size lock, held: whoever holds it is the only writer in flight.
type Size<'g> = MutexGuard<'g, Option<Stopped>>;

/// The file of a real run: the one owner of its size for every thread that
/// writes it, and its journal section. Each thread writes through a
/// [`Writer`] of its own.
pub struct FileSink<'a> {
    target: &'a Target,
    /// Held across each batch of writes and the size checks around each
    /// write, so that no two threads guess the file's size at once.
    size: Mutex<Option<Stopped>>,
    journal: Option<Journalled<'a>>,
    buffer: usize,
    /// The fewest neighbouring runs stored through a mapping (0: never).
    store_min: usize,
    /// Runs stored through a mapping so far.
    stored: AtomicU64,
}

impl<'a> FileSink<'a> {
    /// The sink of `target`, journalled when `journal` is given; each writer
    /// holds at most `buffer` bytes.
    pub fn new(target: &'a Target, journal: Option<Journalled<'a>>, buffer: usize) -> FileSink<'a> {
        FileSink {
            target,
            size: Mutex::new(None),
            journal,
            buffer: buffer.max(1),
            store_min: STORE_MIN,
            stored: AtomicU64::new(0),
        }
    }

    /// Stores stretches of at least `runs` runs of changes in neighbouring
    /// blocks through a mapping (0: every run is written with `pwrite`).
    pub fn store_min(mut self, runs: usize) -> FileSink<'a> {
        self.store_min = runs;
        self
    }

    /// The runs of changes stored through a mapping so far (the others
    /// were written with `pwrite`).
    pub fn stored(&self) -> u64 {
        self.stored.load(Ordering::Relaxed)
    }

    /// A writer for one thread's changes, given in ascending order.
    pub fn writer(&self) -> Writer<'_> {
        Writer {
            sink: self,
            pieces: Vec::new(),
            news: Vec::new(),
            olds: Vec::new(),
        }
    }

    /// Ends the writes: waits for the disk when `sync` is set (a failed
    /// flush is an error) and checks that the file did not shrink; returns
    /// the bytes appended to it meanwhile, which were not searched.
    pub fn finish(&self, sync: bool) -> Result<u64, Error> {
        if sync {
            self.sync()?;
        }
        let stopped = lock(&self.size).clone();
        if let Some(stopped) = stopped {
            return Err(self.stopped(self.stop_error(&stopped)));
        }
        self.target.check_unchanged()
    }

    /// Why the writes stopped, if they did, with the size the file has now
    /// (every thread having stopped): the one owner of the file's size
    /// words the error of a file cut under a run.
    pub fn stopped(&self, error: Error) -> Error {
        let now = self.target.current_len().ok();
        let error = match lock(&self.size).as_ref() {
            Some(stopped) => self.stop_error(stopped),
            None => error,
        };
        match (error, now) {
            (Error::Resized { path, .. }, Some(now)) => Error::Resized { path, now },
            (Error::WrittenPastEnd { path, undone, .. }, Some(now)) => {
                Error::WrittenPastEnd { path, now, undone }
            }
            (error, _) => error,
        }
    }

    /// Waits for what was written to reach the disk.
    pub fn sync(&self) -> Result<(), Error> {
        self.target
            .file
            .sync_data()
            .map_err(|source| Error::Failed {
                path: self.target.name.clone(),
                doing: "flush failed",
                source,
            })
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

    /// The size lock, waited for; an error once the writes stopped.
    fn hold(&self) -> Result<Size<'_>, Error> {
        self.held(lock(&self.size))
    }

    /// The size lock if no other thread holds it now.
    fn try_hold(&self) -> Result<Option<Size<'_>>, Error> {
        match self.size.try_lock() {
            Ok(state) => self.held(state).map(Some),
            Err(TryLockError::Poisoned(state)) => self.held(state.into_inner()).map(Some),
            Err(TryLockError::WouldBlock) => Ok(None),
        }
    }

    fn held<'s>(&self, state: Size<'s>) -> Result<Size<'s>, Error> {
        match &*state {
            Some(stopped) => Err(self.stop_error(stopped)),
            None => Ok(state),
        }
    }

    /// Whether a stretch of `runs` runs in neighbouring blocks is stored
    /// through a mapping: never on a device, nor in a file with holes (a
    /// page stored into would take blocks for the whole page).
    fn stores(&self, runs: usize) -> bool {
        self.store_min > 0
            && runs >= self.store_min
            && !self.target.is_device
            && !self.target.has_holes
    }

    /// Stores `runs` (in ascending order, their bytes in `news`) through a
    /// mapping of the stretch they span, which cannot make the file longer:
    /// a store past a cut faults (the guard catches it) or lands past the
    /// new end, and the size checked after tells either way.
    fn store_runs(&self, state: &mut Size, runs: &[Piece], news: &[u8]) -> Result<(), Error> {
        let target = self.target;
        let (first, last) = (runs[0].offset, runs[runs.len() - 1].end());
        let before = target.current_len()?;
        let faulted = if before < last.max(target.len()) {
            true
        } else {
            // Rounded out to whole folios inside the file: only the
            // runs' bytes are stored, the rest of the window untouched.
            let from = first / FOLIO * FOLIO;
            let to = last.next_multiple_of(FOLIO).min(target.len()).max(last);
            let mut window =
                Window::new(&target.file, from, (to - from) as usize).map_err(|source| {
                    Error::Failed {
                        path: target.name.clone(),
                        doing: "cannot write",
                        source,
                    }
                })?;
            for run in runs {
                window.store(run.offset, &news[run.at..run.at + run.len]);
            }
            window.faulted()
        };
        let after = target.current_len()?;
        if !faulted && after >= before {
            self.stored.fetch_add(runs.len() as u64, Ordering::Relaxed);
            return Ok(());
        }
        let stopped = match after {
            // The file kept its size, yet a page could not be stored: the
            // file system had no block for it.
            _ if after >= target.len() => {
                return Err(Error::NoSpace {
                    path: target.name.clone(),
                });
            }
            now => state.insert(Stopped { now, undone: "" }),
        };
        Err(self.stop_error(stopped))
    }

    /// Writes `runs` (offset and bytes), in order, never making the file
    /// longer: the size is checked before the first write and after each
    /// (the check after one is the check before the next: the size lock is
    /// held, so no write of this run comes between), and a write that
    /// landed past a truncation made in between is detected after it,
    /// reported (with the size the file then has) and taken back. The size
    /// lock makes each the only write in flight, so one write at most can
    /// land past a cut.
    fn write_runs<'b>(
        &self,
        state: &mut Size,
        runs: impl IntoIterator<Item = (u64, &'b [u8])>,
    ) -> Result<(), Error> {
        let target = self.target;
        if target.is_device {
            for (offset, bytes) in runs {
                write_at(target, bytes, offset)?;
            }
            return Ok(());
        }
        let mut before = target.current_len()?;
        for (offset, bytes) in runs {
            before = self.write_run(state, before, offset, bytes)?;
        }
        Ok(())
    }

    /// One write of [`FileSink::write_runs`], the file `before` bytes long
    /// just before it; returns its size after.
    fn write_run(
        &self,
        state: &mut Size,
        before: u64,
        offset: u64,
        bytes: &[u8],
    ) -> Result<u64, Error> {
        let target = self.target;
        if before < target.len() {
            let stopped = state.insert(Stopped {
                now: before,
                undone: "",
            });
            return Err(self.stop_error(stopped));
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
            return Ok(after);
        }
        let stopped = if after == end {
            // Our bytes are past the cut: taken back, with the zeros the
            // regrowth left between the cut and them.
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
        let stopped = state.insert(stopped);
        Err(self.stop_error(stopped))
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

/// Adjacent changes held by a writer: their offset and where their bytes
/// lie in the writer's buffers.
#[derive(Debug, Clone, Copy)]
struct Piece {
    offset: u64,
    len: usize,
    /// Where the bytes start in `news` (and `olds`, when journalled).
    at: usize,
}

impl Piece {
    fn end(&self) -> u64 {
        self.offset + self.len as u64
    }
}

/// One thread's writer into the file: changes held in a bounded buffer,
/// then (journalled and) written, one `pwrite` for each run of adjacent
/// changes. Gap bytes are never written.
pub struct Writer<'s> {
    sink: &'s FileSink<'s>,
    /// Runs of adjacent changes, in ascending order.
    pieces: Vec<Piece>,
    news: Vec<u8>,
    /// The old bytes, as the scan saw them (only when journalled).
    olds: Vec<u8>,
}

impl Writer<'_> {
    /// Holds a change: `new` replaces `old` (as long as each other) at
    /// `offset`, after every earlier change. The scan has settled up to
    /// `settled`: when the buffer is full, what lies below it is written.
    pub fn put(
        &mut self,
        offset: usize,
        old: &[u8],
        new: &[u8],
        settled: usize,
    ) -> Result<(), Error> {
        // Held without `put_run`'s arithmetic for runs.
        self.put_each([(offset, old, new)], settled)
    }

    /// Holds `changes` (offset, old bytes, new bytes), in ascending order
    /// after every held change, one copy each (34 million in a log's 100
    /// pairs), the buffer's fullness checked once for all (a split's batch
    /// of a thousand).
    pub fn put_each<'b>(
        &mut self,
        changes: impl IntoIterator<Item = (usize, &'b [u8], &'b [u8])>,
        settled: usize,
    ) -> Result<(), Error> {
        let mut changes = changes.into_iter().peekable();
        if let Some(&(offset, _, _)) = changes.peek() {
            self.settle_if_before(offset)?;
        }
        let journalled = self.sink.journal.is_some();
        for (offset, old, new) in changes {
            // A journal holds only changes: new bytes that are the old ones
            // are neither journalled nor written (a journal of no change is
            // removed). Only then: `old` is read for the journal anyway,
            // while reading it otherwise would fault back in pages of the
            // mapping that a split's scan has given back.
            if journalled && super::same_short(old, new) {
                continue;
            }
            self.hold_copies(offset as u64, old, new, 1);
        }
        self.written_if_full(settled)
    }

    /// Holds `count` changes back to back from `offset`, each `new` over
    /// `old` (a run of dense matches, zeros in a hole). Changes given out
    /// of order are written all the same, what was held first.
    pub fn put_run(
        &mut self,
        offset: usize,
        old: &[u8],
        new: &[u8],
        count: u64,
        settled: usize,
    ) -> Result<(), Error> {
        debug_assert_eq!(old.len(), new.len());
        if old == new {
            return Ok(());
        }
        self.settle_if_before(offset)?;
        let journalled = self.sink.journal.is_some();
        let unit = new.len().max(1);
        let mut offset = offset as u64;
        let mut left = count;
        // A long run (dense matches, zeros in a hole) without a journal is
        // written a buffer at a time from one buffer of its copies, made
        // once, as far as the scan has settled.
        let per = (self.sink.buffer / unit).max(1) as u64;
        if !journalled && left >= 2 * per {
            self.settle(settled)?;
            let mut chunk = Vec::new();
            repeat_into(&mut chunk, new, per as usize);
            let size = chunk.len() as u64;
            // Every whole chunk the scan has settled, under one hold of the
            // size lock: the kernel writes one file's bytes one write at a
            // time, so taking turns chunk by chunk would only add waits.
            let whole = match self.pieces.is_empty() {
                true => ((settled as u64).saturating_sub(offset) / size).min(left / per),
                false => 0,
            };
            if whole > 0 {
                let runs = (0..whole).map(|n| (offset + n * size, &chunk[..]));
                self.sink.write_runs(&mut self.sink.hold()?, runs)?;
                offset += whole * size;
                left -= whole * per;
            }
        }
        while left > 0 {
            let room = self.sink.buffer.saturating_sub(self.news.len()) / unit;
            let take = left.min(room.max(1) as u64);
            self.hold_copies(offset, old, new, take as usize);
            offset += take * new.len() as u64;
            left -= take;
            self.written_if_full(settled)?;
        }
        Ok(())
    }

    /// Writes all that is held if a change at `offset` comes before its
    /// end. Changes come in ascending order from a scan; an undo's regions
    /// come in the order threads journalled them.
    fn settle_if_before(&mut self, offset: usize) -> Result<(), Error> {
        match self.pieces.last() {
            Some(last) if last.end() > offset as u64 => self.settle(usize::MAX),
            _ => Ok(()),
        }
    }

    /// Holds `count` changes back to back from `offset` (after every held
    /// one), joined to the last piece when they touch it.
    fn hold_copies(&mut self, offset: u64, old: &[u8], new: &[u8], count: usize) {
        let len = count * new.len();
        match self.pieces.last_mut() {
            Some(last) if last.end() == offset => last.len += len,
            _ => self.pieces.push(Piece {
                offset,
                len,
                at: self.news.len(),
            }),
        }
        if count == 1 {
            // One change (34 million in a log's 100 pairs): one copy.
            push_short(&mut self.news, new);
            if self.sink.journal.is_some() {
                self.olds.extend_from_slice(old);
            }
            return;
        }
        repeat_into(&mut self.news, new, count);
        if self.sink.journal.is_some() {
            repeat_into(&mut self.olds, old, count);
        }
    }

    /// Writes what the scan has settled once the buffer is full, or, far
    /// apart and nobody else writing, early.
    fn written_if_full(&mut self, settled: usize) -> Result<(), Error> {
        if self.news.len() >= self.sink.buffer || self.pieces.len() >= MAX_PIECES {
            self.settle(settled)?;
        } else if self.pieces.len() >= EARLY && self.sink.journal.is_none() && self.sparse() {
            self.settle_with(settled, false)?;
        }
        Ok(())
    }

    /// Writes every held change that ends at or below `settled` (every
    /// one, with `usize::MAX`).
    pub fn settle(&mut self, settled: usize) -> Result<(), Error> {
        self.settle_with(settled, true)
    }

    /// Whether the held changes lie far apart (on average [`SPARSE`] bytes
    /// or more from one to the next): each is a `pwrite` of its own, which
    /// may as well go now. Close ones are held for the big batch, whose
    /// stretches of neighbours are stored through one mapping each.
    fn sparse(&self) -> bool {
        match (self.pieces.first(), self.pieces.last()) {
            (Some(first), Some(last)) => {
                last.offset - first.offset >= SPARSE * (self.pieces.len() as u64 - 1)
            }
            _ => false,
        }
    }

    /// [`Writer::settle`]; without `wait`, only if no other thread writes
    /// now (else this one goes on scanning, and writes later).
    fn settle_with(&mut self, settled: usize, wait: bool) -> Result<(), Error> {
        let ready = self.pieces.partition_point(|p| p.end() <= settled as u64);
        if ready == 0 {
            return Ok(());
        }
        let result = match self.write(ready, wait) {
            Ok(false) => return Ok(()),
            result => result.map(drop),
        };
        let kept_from = self.pieces.get(ready).map_or(self.news.len(), |p| p.at);
        self.pieces.drain(..ready);
        for piece in &mut self.pieces {
            piece.at -= kept_from;
        }
        self.news.drain(..kept_from);
        if self.sink.journal.is_some() {
            self.olds.drain(..kept_from);
        }
        if self.news.capacity() > 4 * self.sink.buffer.max(1 << 16) {
            self.news.shrink_to(self.sink.buffer);
            self.olds.shrink_to(self.sink.buffer);
        }
        result
    }

    /// Journals, then writes, the first `ready` runs, one `pwrite` each
    /// (or stored, a stretch of many in neighbouring blocks), under one
    /// hold of the size lock. Without `wait` (never when journalled),
    /// writes nothing and returns false if another thread holds it.
    fn write(&self, ready: usize, wait: bool) -> Result<bool, Error> {
        let sink = self.sink;
        let pieces = &self.pieces[..ready];
        fn bytes<'b>(from: &'b [u8], piece: &Piece) -> &'b [u8] {
            &from[piece.at..piece.at + piece.len]
        }
        let held = match wait {
            true => None,
            false => match sink.try_hold()? {
                Some(state) => Some(state),
                None => return Ok(false),
            },
        };
        if let Some(journal) = &sink.journal {
            // A region for each run: exactly what is written, the old bytes
            // as the scan saw them. Recorded (and synced) before the size
            // lock is taken: the other threads write meanwhile.
            journal.record(
                pieces
                    .iter()
                    .map(|p| (p.offset, bytes(&self.olds, p), bytes(&self.news, p))),
            )?;
        }
        let mut state = match held {
            Some(state) => state,
            None => sink.hold()?,
        };
        let mut rest = pieces;
        while !rest.is_empty() {
            let near = neighbours(rest);
            match sink.stores(near) {
                true => sink.store_runs(&mut state, &rest[..near], &self.news)?,
                false => sink.write_runs(
                    &mut state,
                    rest[..near]
                        .iter()
                        .map(|p| (p.offset, bytes(&self.news, p))),
                )?,
            }
            rest = &rest[near..];
        }
        Ok(true)
    }
}

/// How many of `runs` (ascending, at least one) from the first lie each in
/// the block of the run before it or the next: a stretch in which every
/// block holds a change, which the disk writes whole either way.
fn neighbours(runs: &[Piece]) -> usize {
    let mut near = 1;
    while near < runs.len()
        && runs[near].offset / BLOCK <= runs[near - 1].end().saturating_sub(1) / BLOCK + 1
    {
        near += 1;
    }
    near
}

/// Appends `bytes` to `out`: up to 16 as one fixed-size copy (then cut
/// back), without the call into `memcpy` a copy of unknown length costs.
#[inline(always)]
fn push_short(out: &mut Vec<u8>, bytes: &[u8]) {
    let n = bytes.len();
    if n > 16 {
        return out.extend_from_slice(bytes);
    }
    let mut word = [0u8; 16];
    super::copy_short(&mut word[..n], bytes);
    let at = out.len();
    out.extend_from_slice(&word);
    out.truncate(at + n);
}

/// Appends `count` copies of `bytes` to `out`, doubling what it has copied
/// (a run of dense matches is millions of copies of two bytes).
fn repeat_into(out: &mut Vec<u8>, bytes: &[u8], count: usize) {
    let start = out.len();
    let total = bytes.len() * count;
    out.reserve(total);
    if count == 0 {
        return;
    }
    out.extend_from_slice(bytes);
    while out.len() - start < total {
        let done = out.len() - start;
        let more = done.min(total - done);
        out.extend_from_within(start..start + more);
    }
}

#[cfg(test)]
mod tests {
    use super::{BUFFER, EARLY, FileSink, SPARSE, push_short, repeat_into};
    use crate::io::target::{Access, Target};

    /// A file of `len` dots, opened to be written, and where it lies.
    fn dots(len: usize) -> (tempfile::TempDir, std::path::PathBuf, Target) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dots");
        std::fs::write(&path, vec![b'.'; len]).unwrap();
        let target = Target::open(path.as_os_str(), Access::Write, false).unwrap();
        (dir, path, target)
    }

    #[test]
    fn a_writer_without_a_journal_writes_as_the_scan_goes_unless_another_writes() {
        let gap = SPARSE as usize;
        let (_dir, path, target) = dots((2 * EARLY + 2) * gap);
        let sink = FileSink::new(&target, None, BUFFER);
        let mut writer = sink.writer();
        let put = |writer: &mut super::Writer, n: usize| {
            writer.put(n * gap, b".", b"#", n * gap + 1).unwrap();
        };
        for n in 0..EARLY {
            put(&mut writer, n);
        }
        assert_eq!(
            changed(&path),
            EARLY,
            "written once settled, before the end"
        );
        // While another thread writes, this one holds its changes.
        let held = sink.hold().unwrap();
        for n in EARLY..2 * EARLY {
            put(&mut writer, n);
        }
        assert_eq!(
            changed(&path),
            EARLY,
            "nothing written while the lock is held"
        );
        drop(held);
        put(&mut writer, 2 * EARLY);
        assert_eq!(changed(&path), 2 * EARLY + 1);
        writer.settle(usize::MAX).unwrap();
        sink.finish(false).unwrap();
        assert_eq!(changed(&path), 2 * EARLY + 1);
    }

    #[test]
    fn close_changes_are_held_for_the_big_batch() {
        let (_dir, path, target) = dots(4 * EARLY * 8);
        let sink = FileSink::new(&target, None, BUFFER);
        let mut writer = sink.writer();
        for n in 0..2 * EARLY {
            writer.put(n * 8, b".", b"#", n * 8 + 1).unwrap();
        }
        assert_eq!(changed(&path), 0, "held: stored later, a stretch at once");
        writer.settle(usize::MAX).unwrap();
        sink.finish(false).unwrap();
        assert_eq!(changed(&path), 2 * EARLY);
    }

    /// How many bytes of the file at `path` were changed to `#`.
    fn changed(path: &std::path::Path) -> usize {
        std::fs::read(path)
            .unwrap()
            .iter()
            .filter(|&&b| b == b'#')
            .count()
    }

    #[test]
    fn copies_are_repeated_exactly() {
        for count in [0, 1, 2, 3, 7, 64, 1000] {
            let mut out = b"head".to_vec();
            repeat_into(&mut out, b"ab", count);
            assert_eq!(
                out,
                [b"head".to_vec(), b"ab".repeat(count)].concat(),
                "{count}"
            );
        }
    }

    #[test]
    fn short_copies_are_exact_at_every_length() {
        let source: Vec<u8> = (1..=40).collect();
        for n in 0..=source.len() {
            let bytes = &source[..n];
            let mut out = b"head".to_vec();
            push_short(&mut out, bytes);
            assert_eq!(out, [&b"head"[..], bytes].concat(), "pushed {n}");
            let mut over = vec![0xee; n + 2];
            crate::io::copy_short(&mut over[1..n + 1], bytes);
            assert_eq!(over, [&[0xee][..], bytes, &[0xee]].concat(), "copied {n}");
            assert!(crate::io::same_short(bytes, &source[..n]), "same {n}");
            for at in 0..n {
                let mut other = bytes.to_vec();
                other[at] ^= 0x80;
                assert!(
                    !crate::io::same_short(bytes, &other),
                    "{n}, differing at {at}"
                );
            }
        }
    }
}
