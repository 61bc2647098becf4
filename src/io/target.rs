//! Opening the files a command works on: refusing what cannot be mapped
//! (directories, FIFOs, sockets, character devices, pseudo-files) without
//! hanging, sizing block devices, locking, and checking nothing moved.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::ops::Range;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, plain_reason};
use crate::io::map::{self, Extent, Mapping};

/// Whether the command only reads the file or also writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// A file's identity: the same device, inode and birth time (statx), not
/// its size: a log that grew since is the same file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub dev: u64,
    pub ino: u64,
    /// Nanoseconds since the epoch; 0 where the file system keeps none.
    pub born: u64,
}

impl Identity {
    /// Whether `self` (as recorded) and `now` are one file: a recorded or
    /// current birth time of 0 (not kept) compares device and inode only.
    pub fn same_file(&self, now: &Identity) -> bool {
        self.dev == now.dev
            && self.ino == now.ino
            && (self.born == 0 || now.born == 0 || self.born == now.born)
    }

    fn of(meta: &std::fs::Metadata) -> Identity {
        let born = meta
            .created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        Identity {
            dev: meta.dev(),
            ino: meta.ino(),
            born,
        }
    }
}

/// What [`Target::open_to_search`] opened.
pub enum Opened {
    /// A file to map or read.
    File(Target),
    /// A FIFO, opened without waiting for a writer: held open while it is
    /// opened again to be read as a stream, so that a writer it let in
    /// never finds the FIFO without a reader.
    Fifo(File),
}

/// An open file that a command may map.
pub struct Target {
    /// The path as the user gave it, for messages and output.
    pub name: String,
    pub path: PathBuf,
    pub file: File,
    pub identity: Identity,
    /// The size when opened: the bytes a run searches and patches.
    pub len: u64,
    pub is_device: bool,
    /// Whether the file has holes: a write into one needs new blocks,
    /// which are provided for before the first byte of a run changes.
    pub has_holes: bool,
}

/// Files up to this size are read rather than mapped by [`Target::view`]
/// (one worker): a read into a reused buffer costs less than mapping a
/// file, faulting its pages in and unmapping it (which stops every other
/// core for its TLB), as ripgrep reads the files of a walk.
pub const READ_MAX: u64 = 4 << 20;

/// What the buffers of all the workers of a run may hold at once (each
/// keeps its buffer from file to file): the heap stays bounded whatever
/// the number of threads.
pub const READ_BUDGET: u64 = 16 << 20;

/// The largest file each of `workers` workers reads rather than maps:
/// [`READ_MAX`] for one to four workers, less for more (never under
/// 256 KiB), so that together they hold at most [`READ_BUDGET`].
pub fn read_max(workers: usize) -> u64 {
    (READ_BUDGET / workers.max(1) as u64).clamp(256 << 10, READ_MAX)
}

// statfs magic numbers of file systems whose files are generated on read
// and cannot be mapped.
const PSEUDO_FILE_SYSTEMS: &[(i64, &str)] = &[
    (0x9fa0, "/proc"),
    (0x6265_6572, "/sys"),
    (0x6462_6720, "debugfs"),
    (0x7472_6163, "tracefs"),
    (0x0027_e0eb, "cgroup"),
    (0x6367_7270, "cgroup2"),
    (0x7363_6673, "securityfs"),
    (0x6265_6570, "configfs"),
];

impl Target {
    /// Opens `arg` for `access`. The descriptor is opened non-blocking and
    /// checked with fstat, so a FIFO is refused instead of waited on and the
    /// file checked is the file opened.
    pub fn open(arg: &OsStr, access: Access, allow_device: bool) -> Result<Target, Error> {
        match Target::open_or_fifo(arg, access, allow_device, false)? {
            Opened::File(target) => Ok(target),
            Opened::Fifo(_) => Err(Error::file(
                arg.to_string_lossy(),
                "is a FIFO (named pipe), which cannot be mapped",
            )),
        }
    }

    /// Opens `arg` to search it: a file, or a FIFO, which the caller reads
    /// as a stream (found from the open descriptor, without a look at the
    /// path first: one system call fewer for each file of a tree).
    pub fn open_to_search(arg: &OsStr) -> Result<Opened, Error> {
        Target::open_or_fifo(arg, Access::Read, true, true)
    }

    fn open_or_fifo(
        arg: &OsStr,
        access: Access,
        allow_device: bool,
        fifo_is_ok: bool,
    ) -> Result<Opened, Error> {
        let path = PathBuf::from(arg);
        let name = path.display().to_string();
        if arg.as_bytes() == b"-" {
            return Err(Error::file(
                "-",
                "standard input cannot be mapped; give the path of a file",
            ));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(access == Access::Write)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&path)
            .map_err(|error| open_failure(&name, &path, error))?;
        let meta = file.metadata().map_err(|e| Error::io(&name, e))?;
        let kind = meta.file_type();
        let refuse = |reason: &str| Err(Error::file(&name, reason));
        let len = if kind.is_dir() {
            // Kept as the OS error it is (EISDIR), for callers that map errno.
            let error = io::Error::from_raw_os_error(libc::EISDIR);
            return Err(Error::io(&name, error));
        } else if kind.is_fifo() && fifo_is_ok {
            return Ok(Opened::Fifo(file));
        } else if kind.is_fifo() {
            return refuse("is a FIFO (named pipe), which cannot be mapped");
        } else if kind.is_socket() {
            return refuse("is a socket, which cannot be mapped");
        } else if kind.is_char_device() {
            return refuse("is a character device, which cannot be mapped");
        } else if kind.is_block_device() {
            if access == Access::Write && !allow_device {
                return refuse("is a block device; writing to one needs --allow-device");
            }
            if access == Access::Write && map::is_read_only_device(&file).unwrap_or(false) {
                return refuse("is a read-only block device");
            }
            // A block device's size is where its end is.
            (&file)
                .seek(SeekFrom::End(0))
                .map_err(|e| Error::io(&name, e))?
        } else {
            // A file with blocks holds its own bytes: only one without
            // (empty, or a pseudo-file) is asked which file system it is on.
            if meta.blocks() == 0 {
                check_mappable(&file, meta.len()).map_err(|reason| Error::file(&name, reason))?;
            }
            // A write past the process's file size limit would fail halfway
            // through a run: such a file cannot be used, checked up front.
            if let (Access::Write, Some(limit)) = (access, super::sys::file_size_limit())
                && meta.len() > limit
            {
                return refuse(&format!(
                    "is larger than this process may write ({limit}-byte file size limit, ulimit -f)"
                ));
            }
            meta.len()
        };
        Ok(Opened::File(Target {
            name,
            path,
            file,
            identity: Identity::of(&meta),
            len,
            is_device: kind.is_block_device(),
            has_holes: !kind.is_block_device() && meta.blocks().saturating_mul(512) < len,
        }))
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    /// The holes of this file, for a walk that skips them.
    pub fn holes(&self) -> FileHoles<'_> {
        FileHoles {
            file: &self.file,
            len: self.len(),
        }
    }

    /// An error of this file, in mpatch's own words.
    pub fn problem(&self, reason: impl Into<String>) -> Error {
        Error::file(&self.name, reason)
    }

    /// Takes the exclusive lock that writers hold, waiting up to `timeout`.
    pub fn lock(&self, timeout: Duration) -> Result<(), Error> {
        // A lock this run holds itself is never let go: no use waiting.
        let holder = || crate::io::sys::flock_holder(self.identity.dev, self.identity.ino);
        let mine = |pid: Option<u32>| pid == Some(std::process::id());
        let locked = match map::lock_exclusive(&self.file, Duration::ZERO) {
            Ok(false) if !mine(holder()) => map::lock_exclusive(&self.file, timeout),
            other => other,
        };
        match locked {
            Ok(true) => Ok(()),
            Ok(false) => {
                let waited = timeout.as_secs_f64();
                Err(self.problem(match holder() {
                    Some(pid) if mine(Some(pid)) => {
                        "is locked by this same mpatch run (the file is reached twice)".to_string()
                    }
                    Some(pid) => format!(
                        "locked by another process (pid {pid}); gave up after {waited} s (--lock-timeout)"
                    ),
                    None => format!(
                        "locked by another process; gave up after {waited} s (--lock-timeout)"
                    ),
                }))
            }
            Err(error) => Err(Error::io(&self.name, error)),
        }
    }

    /// The read-only view that scans read: a file up to [`READ_MAX`]
    /// bytes is read at once (in a tree of small files, mapping and
    /// unmapping each costs more than reading it), a larger one mapped.
    pub fn view(&self) -> Result<Mapping, Error> {
        self.view_reading(READ_MAX)
    }

    /// [`Target::view`], reading files of up to `read_max` bytes.
    pub fn view_reading(&self, read_max: u64) -> Result<Mapping, Error> {
        if self.is_device || self.len() > read_max {
            return self.map();
        }
        match Mapping::read_from(&self.file, self.len() as usize) {
            Ok(Some(view)) => Ok(view),
            Ok(None) => Err(self.fault()),
            Err(e) => Err(Error::io(&self.name, e)),
        }
    }

    /// A read-only mapping of the file.
    pub fn map(&self) -> Result<Mapping, Error> {
        Mapping::new(&self.file, self.len())
            .map_err(|error| self.problem(format!("cannot map: {}", plain_reason(&error))))
    }

    /// The file's size now.
    pub fn current_len(&self) -> Result<u64, Error> {
        map::end_of(&self.file).map_err(|e| Error::io(&self.name, e))
    }

    /// Fails if the file is now shorter than when it was opened; returns
    /// how many bytes were appended since (a live log), which no pass
    /// searches.
    pub fn check_unchanged(&self) -> Result<u64, Error> {
        if self.is_device {
            return Ok(0);
        }
        let now = self.current_len()?;
        if now < self.len() {
            return Err(Error::Resized {
                path: self.name.clone(),
                now,
            });
        }
        Ok(now - self.len())
    }

    /// [`Target::check_unchanged`] after a scan of `view`, with no system
    /// call when the view was read to the file's end (see
    /// [`Mapping::read_to_end`]): one `lseek` fewer for each file of a tree.
    pub fn appended_after(&self, view: &Mapping) -> Result<u64, Error> {
        match view.read_to_end() {
            true => Ok(0),
            false => self.check_unchanged(),
        }
    }

    /// The error for a page of this file that faulted under its mapping:
    /// the file shrank, or a page could not be provided.
    pub fn fault(&self) -> Error {
        match self.check_unchanged() {
            Err(error) => error,
            Ok(_) => Error::Unreadable {
                path: self.name.clone(),
            },
        }
    }

    /// Takes back a write that re-grew the file past a truncation: cuts
    /// the file at `offset`, where our bytes began, and then at the start
    /// of the hole that our write left before them. Returns the new size.
    pub fn cut_back(&self, offset: u64) -> io::Result<u64> {
        // Where the file ends without our bytes is worked out first, with
        // them still in place (the first block they touch counts as theirs),
        // and then the file is cut once, only if it is longer: a cut made
        // by the other process meanwhile is never undone by growing it.
        let ours = offset - offset % 4096;
        let mut end = offset;
        let mut at = 0;
        while let Some(hole) = map::seek(&self.file, at, Extent::Hole)? {
            if hole >= offset {
                break;
            }
            match map::seek(&self.file, hole, Extent::Data)? {
                Some(data) if data < ours => at = data,
                _ => {
                    end = hole;
                    break;
                }
            }
        }
        // The cut left zeros between itself and our bytes, which the file
        // system may still report as data (a large folio that straddled the
        // cut): they are cut back too, to the block after the last byte
        // that is not zero, however far back that is.
        let end = self.last_data_block(end)?.unwrap_or(end);
        if map::end_of(&self.file)? > end {
            self.file.set_len(end)?;
        }
        map::end_of(&self.file)
    }

    /// The end of the block holding the last non-zero byte before `end`
    /// (0 if every byte before it is zero).
    fn last_data_block(&self, end: u64) -> io::Result<Option<u64>> {
        const BLOCK: u64 = 4096;
        let mut chunk = vec![0u8; 1 << 20];
        let mut at = end;
        while at > 0 {
            let n = (chunk.len() as u64).min(at) as usize;
            at -= n as u64;
            self.file.read_exact_at(&mut chunk[..n], at)?;
            if let Some(last) = chunk[..n].iter().rposition(|&b| b != 0) {
                let data_end = at + last as u64 + 1;
                return Ok(Some(data_end.next_multiple_of(BLOCK).min(end)));
            }
        }
        Ok(if at == 0 { Some(0) } else { None })
    }

    /// Whether the file has a hole before `offset`.
    pub fn hole_before(&self, offset: u64) -> bool {
        map::seek(&self.file, 0, Extent::Hole).is_ok_and(|hole| hole.is_some_and(|h| h < offset))
    }

    /// Provides the blocks of every hole that `[offset, offset + len)`
    /// touches, so that writing there cannot fail for want of space.
    pub fn reserve(&self, offset: u64, len: u64) -> Result<(), Error> {
        if !self.has_holes || len == 0 {
            return Ok(());
        }
        let in_hole = map::seek(&self.file, offset, Extent::Hole)
            .map_err(|e| Error::io(&self.name, e))?
            .is_some_and(|hole| hole < offset + len);
        if !in_hole {
            return Ok(());
        }
        map::reserve(&self.file, offset, len)
            .map(|_| ())
            .map_err(|source| match source.raw_os_error() {
                Some(libc::ENOSPC) => Error::NoSpace {
                    path: self.name.clone(),
                },
                _ => Error::Failed {
                    path: self.name.clone(),
                    doing: "cannot reserve space",
                    source,
                },
            })
    }
}

/// The holes of a file, found with `SEEK_HOLE` / `SEEK_DATA` as a walk
/// reaches them.
pub struct FileHoles<'a> {
    file: &'a File,
    len: u64,
}

impl FileHoles<'_> {
    /// The first hole that ends after `from` (it may start before it).
    pub fn next_hole(&mut self, from: usize) -> Option<Range<usize>> {
        // A file system that cannot tell reports no hole; so does an error.
        let start = map::seek(self.file, from as u64, Extent::Hole).ok()??;
        if start >= self.len {
            return None;
        }
        let end = map::seek(self.file, start, Extent::Data)
            .ok()?
            .unwrap_or(self.len)
            .min(self.len);
        Some(start as usize..end as usize)
    }
}

/// Refuses regular files whose size does not tell their content.
fn check_mappable(file: &File, len: u64) -> Result<(), String> {
    if let Ok(magic) = map::file_system_type(file)
        && let Some((_, fs)) = PSEUDO_FILE_SYSTEMS.iter().find(|(m, _)| *m == magic)
    {
        return Err(format!(
            "is a {fs} pseudo-file, whose content is made when read; it cannot be mapped"
        ));
    }
    if len == 0 {
        let mut probe = [0u8; 1];
        if file.read_at(&mut probe, 0).is_ok_and(|n| n > 0) {
            return Err(
                "reports size 0 but has content (a pseudo-file); it cannot be mapped".into(),
            );
        }
    }
    Ok(())
}

/// The error of a failed open, its errno kept; a socket only tells what it
/// is after the fact (ENXIO), so that one case looks at the path again.
fn open_failure(name: &str, path: &Path, error: io::Error) -> Error {
    if error.raw_os_error() == Some(libc::ENXIO)
        && std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
    {
        return Error::file(name, "is a socket, which cannot be mapped");
    }
    // The OS error kept (its errno), read as the same words.
    Error::io(name, error)
}

#[cfg(test)]
mod tests {
    use super::{READ_BUDGET, READ_MAX, read_max};

    #[test]
    fn the_workers_buffers_together_stay_within_the_budget() {
        for workers in 1..=crate::pool::MAX_THREADS {
            let each = read_max(workers);
            assert!(
                each >= 256 << 10,
                "{workers} workers read only {each} bytes"
            );
            assert!(
                each * workers as u64 <= READ_BUDGET,
                "{workers} workers may hold {} bytes",
                each * workers as u64
            );
        }
        // The files of a tree (ripgrep's reads) up to 4 MiB on this machine's two cores.
        assert_eq!(read_max(2), READ_MAX);
    }
}
