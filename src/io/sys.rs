//! The plain system calls around a file (locks, `fallocate`, `SEEK_DATA` /
//! `SEEK_HOLE`, `fstatfs`, rlimits, the page size), made through `rustix`.
//!
//! Nothing here is `unsafe`: none of these calls lends memory to the
//! kernel that Rust cannot check. The mapping code is in `map.rs`.

use std::fs::File;
use std::io;
use std::time::{Duration, Instant};

use rustix::fs::{FallocateFlags, FlockOperation, SeekFrom};
use rustix::io::Errno;
use rustix::process::{Resource, Rlimit};

pub fn page_size() -> usize {
    rustix::param::page_size()
}

/// Takes an exclusive flock on `file`, waiting up to `timeout`; returns
/// `Ok(false)` if another open of the file still holds it then.
pub fn lock_exclusive(file: &File, timeout: Duration) -> io::Result<bool> {
    let deadline = Instant::now().checked_add(timeout);
    loop {
        match rustix::fs::flock(file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(true),
            Err(Errno::WOULDBLOCK) => {}
            Err(Errno::INTR) => continue,
            Err(error) => return Err(error.into()),
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The process holding a flock on the file `(dev, ino)`, as `/proc/locks`
/// tells it (`None` when it does not say): a message can then tell a lock
/// of this very run from another program's.
pub fn flock_holder(dev: u64, ino: u64) -> Option<u32> {
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    let (major, minor) = (rustix::fs::major(dev), rustix::fs::minor(dev));
    // `1: FLOCK  ADVISORY  WRITE 4242 08:01:131090 0 EOF`; the device is hex.
    locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (kind, pid, id) = (fields.get(1)?, fields.get(4)?, fields.get(5)?);
        let mut parts = id.split(':');
        let found = (
            u32::from_str_radix(parts.next()?, 16).ok()?,
            u32::from_str_radix(parts.next()?, 16).ok()?,
            parts.next()?.parse::<u64>().ok()?,
        );
        (*kind == "FLOCK" && found == (major, minor, ino))
            .then(|| pid.parse().ok())
            .flatten()
            // 0: a holder in a PID namespace this one cannot see.
            .filter(|&pid| pid > 0)
    })
}

/// Raises the soft limit on open files to the hard limit. replace, poke and
/// undo hold every file of a run open and locked until it ends (one
/// unusable file stops the run before anything changes), and the usual soft
/// limit of 1024 is far below what a shell glob can name. mpatch starts no
/// programs that could inherit the higher limit.
pub fn raise_open_file_limit() {
    let limit = rustix::process::getrlimit(Resource::Nofile);
    let raised = match (limit.current, limit.maximum) {
        (Some(current), maximum) if maximum.is_none_or(|maximum| current < maximum) => Rlimit {
            current: maximum,
            maximum,
        },
        _ => return,
    };
    // Failing to raise it only leaves the usual limit.
    let _ = rustix::process::setrlimit(Resource::Nofile, raised);
}

/// The largest file this process may write to (`ulimit -f`), if limited:
/// a write that reaches past it fails (or, unless SIGXFSZ is caught or
/// ignored, kills the process).
pub fn file_size_limit() -> Option<u64> {
    rustix::process::getrlimit(Resource::Fsize).current
}

/// The magic number of the file system `file` lives on (`statfs.f_type`).
pub fn file_system_type(file: &File) -> io::Result<i64> {
    let stat = rustix::fs::fstatfs(file)?;
    #[allow(clippy::unnecessary_cast)]
    Ok(stat.f_type as i64)
}

/// Provides the blocks of `[offset, offset + len)` without changing the
/// file's size or bytes (`fallocate` with `FALLOC_FL_KEEP_SIZE`), so that
/// a later write there cannot fail for want of space. `Ok(false)` where the
/// file system cannot do it.
pub fn reserve(file: &File, offset: u64, len: u64) -> io::Result<bool> {
    if i64::try_from(offset).is_err() || i64::try_from(len).is_err() {
        return Ok(false);
    }
    match rustix::fs::fallocate(file, FallocateFlags::KEEP_SIZE, offset, len) {
        Ok(()) => Ok(true),
        Err(Errno::OPNOTSUPP | Errno::NOSYS) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Where the data or hole at or after `offset` starts (`lseek` with
/// `SEEK_DATA` / `SEEK_HOLE`); `None` past the last data. File systems
/// that do not know holes report the whole file as data. Only pread and
/// pwrite are used on mpatch's descriptors, so moving the offset disturbs
/// nothing.
pub fn seek(file: &File, offset: u64, what: Extent) -> io::Result<Option<u64>> {
    if i64::try_from(offset).is_err() {
        return Ok(None);
    }
    let whence = match what {
        Extent::Data => SeekFrom::Data(offset),
        Extent::Hole => SeekFrom::Hole(offset),
    };
    match rustix::fs::seek(file, whence) {
        Ok(at) => Ok(Some(at)),
        Err(Errno::NXIO) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The size of `file` now, by `lseek(SEEK_END)`: cheaper than `fstat`,
/// and a write checks it before and after every run it writes.
pub fn end_of(file: &File) -> io::Result<u64> {
    Ok(rustix::fs::seek(file, SeekFrom::End(0))?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extent {
    Data,
    Hole,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn holes_and_data_are_found() {
        let file = tempfile::tempfile().unwrap();
        file.set_len(1 << 20).unwrap();
        std::os::unix::fs::FileExt::write_at(&file, b"x", 1 << 19).unwrap();
        assert_eq!(end_of(&file).unwrap(), 1 << 20);
        let data = seek(&file, 0, Extent::Data).unwrap().unwrap();
        assert!(data <= 1 << 19, "{data}");
        assert!(seek(&file, 0, Extent::Hole).unwrap().is_some());
        assert!(reserve(&file, 0, 4096).is_ok());
        assert!(file_system_type(&file).is_ok());
        assert!(page_size().is_power_of_two());
    }

    #[test]
    fn a_held_lock_times_out_and_names_its_holder() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let first = File::open(file.path()).unwrap();
        let second = File::open(file.path()).unwrap();
        assert!(lock_exclusive(&first, Duration::ZERO).unwrap());
        assert!(!lock_exclusive(&second, Duration::from_millis(30)).unwrap());
        let meta = first.metadata().unwrap();
        if std::path::Path::new("/proc/locks").exists() {
            assert_eq!(
                flock_holder(meta.dev(), meta.ino()),
                Some(std::process::id())
            );
        }
        drop(first);
        assert!(lock_exclusive(&second, Duration::ZERO).unwrap());
    }

    #[test]
    fn a_lock_this_run_holds_is_reported_at_once_as_its_own() {
        use crate::io::target::{Access, Target};
        let file = tempfile::NamedTempFile::new().unwrap();
        if !std::path::Path::new("/proc/locks").exists() {
            return;
        }
        let open = || Target::open(file.path().as_os_str(), Access::Write, false).unwrap();
        let (first, second) = (open(), open());
        first.lock(Duration::ZERO).unwrap();
        let started = Instant::now();
        let error = second.lock(Duration::from_secs(30)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(
            error.to_string(),
            format!(
                "{}: is locked by this same mpatch run (the file is reached twice)",
                file.path().display()
            )
        );
    }
}
