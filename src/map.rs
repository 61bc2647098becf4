//! Memory mappings of target files and the few raw system calls around them
//! (flock, madvise, msync, statfs, SIGBUS); the only module with `unsafe`.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use memmap2::{Mmap, MmapMut, MmapOptions};

/// How a file is mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapKind {
    /// Read only: find, peek and the checks before a write.
    ReadOnly,
    /// Shared and writable: writes land in the file.
    Shared,
    /// Private copy-on-write: writes land in anonymous pages, never in the file.
    Private,
}

/// A mapped file: a read-only view that the scanner reads, and for the
/// writable kinds a second view of the same pages that writes go through.
/// Two views because the kernel can map a read-only view in large blocks,
/// while a writable shared view must track every page it dirties: scanning
/// the read-only view and touching the writable one only where a match is
/// written makes a replace cost little more than a find.
///
/// While it lives, a SIGBUS caused by the file shrinking under it ends the
/// process with a message instead of a signal death.
pub struct Mapping {
    scan: Option<Mmap>,
    write: Option<MmapMut>,
    kind: MapKind,
}

impl Mapping {
    /// Maps the first `len` bytes of `file`; `name` is used in the message
    /// printed if the file shrinks under the mapping.
    pub fn new(
        file: &File,
        len: u64,
        kind: MapKind,
        name: &str,
        is_device: bool,
    ) -> io::Result<Mapping> {
        let len = usize::try_from(len)
            .map_err(|_| io::Error::new(io::ErrorKind::FileTooLarge, "too large to map"))?;
        install_sigbus_handler();
        if len == 0 {
            return Ok(Mapping {
                scan: None,
                write: None,
                kind,
            });
        }
        let mut options = MmapOptions::new();
        options.len(len);
        // SAFETY: the views are only read and written through the slices
        // handed out below while `self` lives. Other processes may change
        // the file underneath (that is the nature of a shared file); a
        // shrink turns into SIGBUS, which `on_sigbus` turns into a clean exit.
        let (scan, write) = unsafe {
            let scan = options.map(file)?;
            let write = match kind {
                MapKind::ReadOnly => None,
                MapKind::Shared => Some(options.map_mut(file)?),
                // A private copy of a file larger than memory would be
                // refused by the overcommit check; its pages are given back
                // a segment at a time (Settler), so reserve none.
                MapKind::Private => Some(options.no_reserve_swap().map_copy(file)?),
            };
            (scan, write)
        };
        advise(scan.as_ptr(), len, libc::MADV_SEQUENTIAL);
        let flushed = write.as_ref().map_or(scan.as_ptr(), |w| w.as_ptr());
        guard(
            flushed as usize,
            len,
            name,
            (!is_device).then(|| file.as_raw_fd()),
        );
        Ok(Mapping {
            scan: Some(scan),
            write,
            kind,
        })
    }

    pub fn kind(&self) -> MapKind {
        self.kind
    }

    /// The bytes to scan: the file as it was when the pass began (in a dry
    /// run, without its private changes).
    pub fn scan_bytes(&self) -> &[u8] {
        self.scan.as_deref().unwrap_or_default()
    }

    /// The bytes as this run sees them, its own writes included.
    pub fn bytes(&self) -> &[u8] {
        match &self.write {
            Some(write) => write,
            None => self.scan_bytes(),
        }
    }

    /// The writable view; a read-only mapping has none.
    pub fn bytes_mut(&mut self) -> io::Result<&mut [u8]> {
        Ok(self.views()?.1)
    }

    /// The scan view and the writable view together.
    pub fn views(&mut self) -> io::Result<(&[u8], &mut [u8])> {
        match (&self.scan, &mut self.write) {
            (None, _) => Ok((&[], &mut [])),
            (Some(scan), Some(write)) => Ok((scan, write)),
            (Some(_), None) => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "mapped read-only",
            )),
        }
    }

    /// What to do with a stretch of the file once the scan has moved past it.
    pub fn settler(&self) -> Settler {
        Settler {
            scan: self.scan_bytes().as_ptr() as usize,
            write: self.write.as_ref().map(|w| w.as_ptr() as usize),
        }
    }

    /// Writes the changed pages of a shared mapping to the disk and waits
    /// for them (msync MS_SYNC); a no-op for the other kinds.
    pub fn flush(&self) -> io::Result<()> {
        match &self.write {
            Some(write) if self.kind == MapKind::Shared => write.flush(),
            _ => Ok(()),
        }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        unguard(self.bytes().as_ptr() as usize);
    }
}

/// Settles the stretches of a mapping the scan has finished with: unmaps
/// their pages, which gives back a dry run's private copies and keeps the
/// resident memory of any run to the stretch in hand, whatever the file's
/// size (the page cache keeps the file's pages; dirty ones stay dirty).
///
/// Starting the writeback of a shared mapping's finished stretches here
/// (`sync_file_range`) was tried and measured: on a 1 GiB log it made the
/// durable replace slower (0.39 s against 0.31 s), as the scanning threads
/// then also queue the I/O; the single msync at the end is faster.
#[derive(Clone, Copy)]
pub struct Settler {
    scan: usize,
    write: Option<usize>,
}

impl Settler {
    /// `[offset, offset + len)` will not be read or written again.
    pub fn settle(&self, offset: usize, len: usize) {
        for base in std::iter::once(self.scan).chain(self.write) {
            unmap_pages(base, offset, len);
        }
    }
}

fn unmap_pages(base: usize, offset: usize, len: usize) {
    let page = page_size();
    let first = (base + offset).next_multiple_of(page);
    let last = (base + offset + len) / page * page;
    if last > first {
        // SAFETY: the range lies inside a live mapping of ours, whole pages
        // only, which the caller will not touch again. On a file mapping
        // MADV_DONTNEED only unmaps: a private page reads as the file's bytes
        // again, a shared one stays in the page cache, and a dirty PTE marks
        // its page dirty, so no write is lost.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                last - first,
                libc::MADV_DONTNEED,
            );
        }
    }
}

/// Faults in the pages under `region` for writing before any byte changes,
/// so that a page the file system cannot provide (a hole on a full disk, a
/// file cut short) is an error here rather than a SIGBUS mid-write.
pub fn prefault_write(region: &mut [u8]) -> io::Result<()> {
    if region.is_empty() {
        return Ok(());
    }
    let page = page_size();
    let first = region.as_ptr() as usize / page * page;
    let last = (region.as_ptr() as usize + region.len()).next_multiple_of(page);
    // SAFETY: the range covers whole pages of a live writable mapping (the
    // one `region` borrows from); MADV_POPULATE_WRITE changes no byte.
    let rc = unsafe {
        libc::madvise(
            first as *mut libc::c_void,
            last - first,
            libc::MADV_POPULATE_WRITE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let error = io::Error::last_os_error();
    // Kernels before 5.14 do not know MADV_POPULATE_WRITE: the write itself
    // faults the page in, as it always did.
    if error.raw_os_error() == Some(libc::EINVAL) {
        return Ok(());
    }
    Err(error)
}

fn advise(ptr: *const u8, len: usize, advice: libc::c_int) {
    if len > 0 {
        // SAFETY: `ptr..ptr+len` is a whole live mapping of ours (its start
        // is page aligned); the advice only steers readahead.
        unsafe {
            libc::madvise(ptr as *mut libc::c_void, len, advice);
        }
    }
}

pub fn page_size() -> usize {
    static PAGE_SIZE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PAGE_SIZE.get_or_init(|| {
        // SAFETY: sysconf has no memory effects.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size).unwrap_or(4096).max(1)
    })
}

/// Takes an exclusive flock on `file`, waiting up to `timeout`; returns
/// `Ok(false)` if another process still holds it then.
pub fn lock_exclusive(file: &File, timeout: Duration) -> io::Result<bool> {
    let deadline = Instant::now() + timeout;
    loop {
        // SAFETY: flock on a descriptor we own; no memory is passed.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(true);
        }
        let error = io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::EWOULDBLOCK) {
            return Err(error);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The magic number of the file system `file` lives on (`statfs.f_type`).
pub fn file_system_type(file: &File) -> io::Result<i64> {
    // SAFETY: fstatfs fills the zeroed struct we own.
    unsafe {
        let mut stat: libc::statfs = std::mem::zeroed();
        if libc::fstatfs(file.as_raw_fd(), &mut stat) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(stat.f_type as i64)
    }
}

/// Free blocks available to us on `file`'s file system.
pub fn available_blocks(file: &File) -> io::Result<u64> {
    // SAFETY: fstatvfs fills the zeroed struct we own.
    unsafe {
        let mut stat: libc::statvfs = std::mem::zeroed();
        if libc::fstatvfs(file.as_raw_fd(), &mut stat) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(stat.f_bavail as u64)
    }
}

// The SIGBUS guard. A file that shrinks under its mapping raises SIGBUS on
// the next touch of a page past its new end, and so does a page the file
// system cannot provide. The handler can only use async-signal-safe calls,
// so what it needs is kept in atomics: the live mapping's range, the file's
// descriptor and the messages, written when the mapping is set up.
struct GuardMessages {
    shrunk: Vec<u8>,
    unwritable: Vec<u8>,
}

static GUARD_TRIPPED: AtomicBool = AtomicBool::new(false);
static GUARD_BASE: AtomicUsize = AtomicUsize::new(0);
static GUARD_LEN: AtomicUsize = AtomicUsize::new(0);
static GUARD_FD: AtomicI32 = AtomicI32::new(-1);
static GUARD_MESSAGES: AtomicPtr<GuardMessages> = AtomicPtr::new(std::ptr::null_mut());

fn guard(base: usize, len: usize, name: &str, fd: Option<RawFd>) {
    let messages = Box::new(GuardMessages {
        shrunk: format!("mpatch: {name}: file changed size while mapped\n").into_bytes(),
        unwritable: format!(
            "mpatch: {name}: a page could not be read or written (no space left on device, or an I/O error)\n"
        )
        .into_bytes(),
    });
    // The previous messages are leaked, not freed: a handler running on
    // another thread may still be reading them. Two short strings a file.
    GUARD_MESSAGES.swap(Box::into_raw(messages), Ordering::SeqCst);
    GUARD_LEN.store(0, Ordering::SeqCst);
    GUARD_BASE.store(base, Ordering::SeqCst);
    GUARD_FD.store(fd.unwrap_or(-1), Ordering::SeqCst);
    GUARD_LEN.store(len, Ordering::SeqCst);
}

fn unguard(base: usize) {
    if GUARD_BASE.load(Ordering::SeqCst) == base {
        GUARD_LEN.store(0, Ordering::SeqCst);
    }
}

extern "C" fn on_sigbus(
    _signal: libc::c_int,
    _info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    let base = GUARD_BASE.load(Ordering::SeqCst);
    let len = GUARD_LEN.load(Ordering::SeqCst);
    let fd = GUARD_FD.load(Ordering::SeqCst);
    let messages = GUARD_MESSAGES.load(Ordering::SeqCst);
    const FALLBACK: &[u8] = b"mpatch: a mapped file changed size while mapped\n";
    // Two threads may fault at once; the first reports, the others wait
    // for its _exit instead of printing the message again.
    if GUARD_TRIPPED.swap(true, Ordering::SeqCst) {
        loop {
            // SAFETY: pause is async-signal-safe and touches no memory.
            unsafe {
                libc::pause();
            }
        }
    }
    // SAFETY: only async-signal-safe calls (fstat, msync, write, _exit) on
    // memory that stays valid for the life of the process: the guarded
    // mapping is still mapped (we are inside an access to it) and messages
    // are leaked, never freed.
    unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        let shrunk =
            fd < 0 || libc::fstat(fd, &mut stat) != 0 || (stat.st_size as u64) < len as u64;
        if len > 0 {
            // Flush what was already written before giving up.
            libc::msync(base as *mut libc::c_void, len, libc::MS_SYNC);
        }
        let text: &[u8] = match messages.as_ref() {
            None => FALLBACK,
            Some(m) if shrunk => &m.shrunk,
            Some(m) => &m.unwritable,
        };
        libc::write(2, text.as_ptr().cast(), text.len());
        libc::_exit(2);
    }
}
fn install_sigbus_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: installs a handler that only makes async-signal-safe calls.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    });
}
