//! Memory mappings of files (read-only views, and the writer's windows)
//! and the SIGBUS guard that keeps a fault on one from killing the process:
//! the one module allowed `unsafe`.
//!
//! Every `unsafe` block of mpatch lives here, each with its `SAFETY:`
//! reason; the plain system calls around a file are safe ones, in sys.rs.

use std::ffi::c_void;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

use memmap2::{Mmap, MmapMut, MmapOptions};
use rustix::mm::Advice;

// The system calls other modules reach through `map::`.
pub use crate::io::sys::{
    Extent, end_of, file_system_type, lock_exclusive, page_size, raise_open_file_limit, reserve,
    seek,
};

/// A read-only, shared view of a file's first `len` bytes: what every scan
/// reads. A fault on it (the file cut short, a page that cannot be read)
/// does not kill the process: the guard maps a zero page over the faulting
/// page and marks the mapping, and [`Mapping::faulted`] tells the pass.
pub struct Mapping {
    /// Declared before `map`, so the registration ends before the unmap:
    /// no slot ever covers addresses the kernel may hand out again.
    slot: Option<Registration>,
    map: Option<Mmap>,
    /// The file mapped, to ask which of its pages are cached.
    file: Option<File>,
    /// A small file's bytes, read rather than mapped (see
    /// [`Mapping::read_from`]): the first `read_len` of `read`.
    read: Vec<u8>,
    read_len: usize,
    /// See [`Mapping::read_to_end`].
    to_end: bool,
}

impl Mapping {
    /// Maps the first `len` bytes of `file` read-only.
    ///
    /// The bytes behind the view are the file's, and other processes may
    /// change them while a `&[u8]` of the view is alive: mpatch accepts
    /// that, as ripgrep and every mmap-based search does (a search then
    /// sees old or new bytes, never anything else). Within this process
    /// nothing changes a file's bytes under a borrow of its view: writes go
    /// through `writer.rs`, which writes only bytes the scan has settled (see
    /// engine/scan), with `pwrite` or through a [`Window`] of its own (other
    /// addresses than the view's, like another process's writes).
    pub fn new(file: &File, len: u64) -> io::Result<Mapping> {
        let len = usize::try_from(len)
            .map_err(|_| io::Error::new(io::ErrorKind::FileTooLarge, "too large to map"))?;
        install_sigbus_handler();
        if len == 0 {
            return Ok(Mapping::read(Vec::new()));
        }
        // SAFETY: a change of the file's bytes under the view by another
        // process is accepted (see above), and this process writes only
        // bytes no live borrow reads; a shrink is caught by the guard
        // registered below instead of killing the process.
        let map = unsafe { MmapOptions::new().len(len).map(file)? };
        // No advice: measured on a file read from the disk, the kernel's
        // own fault readahead is fastest; MADV_SEQUENTIAL and MADV_WILLNEED
        // ahead of the scan both made it slower (0.5 s against 0.7–1.1 s
        // for 1 GiB), and rg, which advises nothing, reads at cat's speed.
        let slot = Registration::of(Mapped::Read(&map))?;
        Ok(Mapping {
            slot: Some(slot),
            map: Some(map),
            file: file.try_clone().ok(),
            read: Vec::new(),
            read_len: 0,
            to_end: false,
        })
    }

    /// A view of the first `len` bytes of `file`, read rather than mapped:
    /// for a small file one read costs less than mapping and unmapping it
    /// (a tree of thousands of files). The buffer is the thread's own,
    /// reused from one file to the next as ripgrep reuses its buffer;
    /// `Ok(None)` if the file is shorter than `len` now. The read asks for
    /// one byte more than `len`, so that a file read to its end needs no
    /// second look at its size (see [`Mapping::read_to_end`]).
    pub fn read_from(file: &File, len: usize) -> io::Result<Option<Mapping>> {
        use std::os::unix::fs::FileExt;
        let mut bytes = SPARE.with(|spare| std::mem::take(&mut *spare.borrow_mut()));
        let want = len + 1;
        // The buffer keeps its bytes from file to file: only a part it has
        // never held is zeroed before the read overwrites it.
        if bytes.len() < want {
            bytes.resize(want, 0);
        }
        let mut got = 0;
        while got < want {
            match file.read_at(&mut bytes[got..want], got as u64) {
                Ok(0) => break,
                // A regular file's read comes short only at its end: once
                // `len` bytes are in, a short read is the end (one read for
                // a file, not a second to hear the end).
                Ok(n) if got + n >= len && got + n < want => {
                    got += n;
                    break;
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if got < len {
            return Ok(None);
        }
        Ok(Some(Mapping {
            slot: None,
            map: None,
            file: None,
            read: bytes,
            read_len: len,
            to_end: got == len,
        }))
    }

    /// Whether this view was read, and its read found the file's end where
    /// its size said: nothing was appended before the read, which is when
    /// the view's bytes were taken. False for a mapping (its bytes are
    /// the file's as the scan goes) and for a file that had grown.
    pub fn read_to_end(&self) -> bool {
        self.to_end
    }

    /// A view of bytes in memory.
    pub fn read(bytes: Vec<u8>) -> Mapping {
        Mapping {
            slot: None,
            map: None,
            file: None,
            read_len: bytes.len(),
            to_end: false,
            read: bytes,
        }
    }

    /// The bytes of the view.
    pub fn bytes(&self) -> &[u8] {
        match &self.map {
            Some(map) => map,
            None => &self.read[..self.read_len],
        }
    }

    /// Whether a page of this mapping faulted (and now reads as zeros).
    pub fn faulted(&self) -> bool {
        self.slot
            .as_ref()
            .is_some_and(|slot| GUARD[slot.0].faulted.load(Ordering::SeqCst))
    }

    /// The share of the pages of `range` that are in the page cache,
    /// sampled at up to `samples` points: a read that may not wait for the
    /// disk (`RWF_NOWAIT`) of one byte at each. A file system that cannot
    /// tell counts as cached.
    pub fn resident_share(&self, range: Range<usize>, samples: usize) -> f64 {
        let (Some(map), Some(file)) = (&self.map, &self.file) else {
            return 1.0;
        };
        let page = page_size();
        let range = range.start.min(map.len())..range.end.min(map.len());
        let pages = range.len().div_ceil(page);
        if pages == 0 {
            return 1.0;
        }
        let step = pages.div_ceil(samples.max(1)).max(1);
        let (mut seen, mut resident) = (0usize, 0usize);
        let mut byte = [0u8; 1];
        for first in (0..pages).step_by(step) {
            let at = ((range.start / page + first) * page) as u64;
            seen += 1;
            let read = rustix::io::preadv2(
                file,
                &mut [io::IoSliceMut::new(&mut byte)],
                at,
                rustix::io::ReadWriteFlags::NOWAIT,
            );
            match read {
                Err(rustix::io::Errno::AGAIN) => {}
                _ => resident += 1,
            }
        }
        resident as f64 / seen as f64
    }

    /// Gives back the pages of `range`, which the scan has finished with,
    /// so resident memory stays near the stretch in hand. The page cache
    /// keeps them: touching them again reads the same bytes.
    pub fn release(&self, range: Range<usize>) {
        if let Some(map) = &self.map {
            let (first, len) = whole_pages(map.len(), range, false);
            // SAFETY: whole pages inside our live, read-only, shared file
            // mapping. MADV_DONTNEED only drops their page-table entries: a
            // later read faults in the same page-cache bytes, so a live
            // borrow of them sees no change.
            let _ = unsafe {
                rustix::mm::madvise(
                    map.as_ptr().wrapping_add(first) as *mut c_void,
                    len,
                    Advice::LinuxDontNeed,
                )
            };
        }
    }
}

/// The whole pages of `range` (cut to `len`) as (offset, length): rounded
/// inwards, or outwards with `outward`.
fn whole_pages(len: usize, range: Range<usize>, outward: bool) -> (usize, usize) {
    let page = page_size();
    let end = range.end.min(len);
    let (first, last) = if outward {
        (
            range.start / page * page,
            end.next_multiple_of(page).min(len.next_multiple_of(page)),
        )
    } else {
        let last = if end == len {
            end.next_multiple_of(page)
        } else {
            end / page * page
        };
        (range.start.next_multiple_of(page), last)
    };
    (first, last.saturating_sub(first))
}

/// A shared, writable window on bytes of a file: where the writer stores
/// a dense stretch of changes byte for byte, with no system call for each
/// (the bytes between them untouched). A fault on it (the file cut short,
/// no space for a page) is caught by the guard as on a view: the store
/// lands in a zero page instead, and [`Window::faulted`] tells.
pub struct Window {
    /// Declared before `map`: the registration ends before the unmap.
    slot: Registration,
    map: MmapMut,
    offset: u64,
}

impl Window {
    /// Maps bytes `offset..offset + len` of `file` (open for writing),
    /// which must lie inside the file.
    pub fn new(file: &File, offset: u64, len: usize) -> io::Result<Window> {
        if len == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty window"));
        }
        install_sigbus_handler();
        // SAFETY: the window is a shared mapping at addresses of its own;
        // the bytes it covers may be changed by other processes and are
        // read by this process's views, as with `pwrite` (see
        // `Mapping::new`): the writer stores only bytes the scan has
        // settled. A page that faults (a cut, no space) is caught by the
        // guard registered below and replaced by a zero page.
        let map = unsafe { MmapOptions::new().offset(offset).len(len).map_mut(file)? };
        let slot = Registration::of(Mapped::Write(&map))?;
        Ok(Window { slot, map, offset })
    }

    /// Stores `bytes` at `at`, a file offset inside the window.
    pub fn store(&mut self, at: u64, bytes: &[u8]) {
        let start = (at - self.offset) as usize;
        super::copy_short(&mut self.map[start..start + bytes.len()], bytes);
    }

    /// Whether a page of the window faulted: some store may not have
    /// reached the file.
    pub fn faulted(&self) -> bool {
        GUARD[self.slot.0].faulted.load(Ordering::SeqCst)
    }
}

/// Whether the block device open as `file` is read-only, as the kernel
/// says in `/sys/dev/block/MAJOR:MINOR/ro` (what `BLKROGET` answers). A
/// read-only device still opens for writing, but cannot be mapped shared
/// from such a descriptor (EINVAL) nor written (EPERM).
pub fn is_read_only_device(file: &File) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let rdev = file.metadata()?.rdev();
    let (major, minor) = (rustix::fs::major(rdev), rustix::fs::minor(rdev));
    let ro = std::fs::read_to_string(format!("/sys/dev/block/{major}:{minor}/ro"))?;
    Ok(ro.trim() == "1")
}

thread_local! {
    /// A thread's buffer for the small files it reads, kept between them.
    static SPARE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The largest buffer a thread keeps for the next small file: the largest
/// file read (and the byte asked past it). `read_max` keeps the workers'
/// buffers together within `READ_BUDGET`; a buffer dropped instead is
/// allocated, faulted in and zeroed again for the next large file (5% of
/// a tree's search, with one file in a hundred over 1 MiB).
const SPARE_MAX: usize = crate::io::target::READ_MAX as usize + 1;

impl Drop for Mapping {
    fn drop(&mut self) {
        let read = std::mem::take(&mut self.read);
        if read.capacity() > 0 && read.capacity() <= SPARE_MAX {
            SPARE.with(|spare| {
                let mut spare = spare.borrow_mut();
                if spare.capacity() < read.capacity() {
                    *spare = read;
                }
            });
        }
    }
}

// The SIGBUS guard. A file that shrinks under its mapping raises SIGBUS on
// the next touch of a page past its new end, and so does a page the file
// system cannot provide. The handler may only use async-signal-safe calls,
// so the registry of live mappings is a fixed table of atomics.

struct Slot {
    base: AtomicUsize,
    len: AtomicUsize,
    faulted: AtomicBool,
}

const SLOTS: usize = 256;

use crate::pool::MAX_THREADS;

// Each thread holds at most three mappings at once (diff maps both files;
// a writer holds a view and a window), and the main thread two more and
// apply's held regions: the table can never be full.
const _: () = assert!(SLOTS >= 3 * MAX_THREADS + 2 + super::spill::MAPPINGS_MAX);

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot {
    base: AtomicUsize::new(0),
    len: AtomicUsize::new(0),
    faulted: AtomicBool::new(false),
};

static GUARD: [Slot; SLOTS] = [EMPTY; SLOTS];
static SLOT_TAKEN: [AtomicBool; SLOTS] = [const { AtomicBool::new(false) }; SLOTS];
/// The page size, read before the handler is installed: the handler makes
/// no call to find it.
static PAGE: AtomicUsize = AtomicUsize::new(0);
/// The SIGBUS action before ours, to which faults that are not ours go.
static PREVIOUS: AtomicPtr<libc::sigaction> = AtomicPtr::new(std::ptr::null_mut());

/// A range of addresses entered in the guard's table; it leaves the table
/// when dropped.
struct Registration(usize);

/// A live mapping to enter in the guard's table.
enum Mapped<'m> {
    Read(&'m Mmap),
    Write(&'m MmapMut),
}

impl Registration {
    /// Enters a live mapping; the registration borrows nothing, so its
    /// owner keeps it beside the mapping and drops it first.
    fn of(map: Mapped<'_>) -> io::Result<Registration> {
        let (base, len) = match map {
            Mapped::Read(map) => (map.as_ptr() as usize, map.len()),
            Mapped::Write(map) => (map.as_ptr() as usize, map.len()),
        };
        // SAFETY: the range is a live mapping of ours, which its owner
        // keeps mapped for as long as the registration lives.
        unsafe { register(base, len) }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        GUARD[self.0].len.store(0, Ordering::SeqCst);
        GUARD[self.0].base.store(0, Ordering::SeqCst);
        SLOT_TAKEN[self.0].store(false, Ordering::SeqCst);
    }
}

/// Enters `[base, base + len)` in the guard's table.
///
/// # Safety
///
/// The range must be a mapping of this process that stays mapped until
/// the registration is dropped: a fault in it is answered by mapping a
/// zero page over the faulting page.
unsafe fn register(base: usize, len: usize) -> io::Result<Registration> {
    for (i, taken) in SLOT_TAKEN.iter().enumerate() {
        if taken
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            let slot = &GUARD[i];
            slot.faulted.store(false, Ordering::SeqCst);
            slot.base.store(base, Ordering::SeqCst);
            slot.len.store(len, Ordering::SeqCst);
            return Ok(Registration(i));
        }
    }
    Err(io::Error::other("too many files mapped at once"))
}

/// The registered mapping holding `addr`, if any.
fn slot_of(addr: usize) -> Option<&'static Slot> {
    GUARD.iter().find(|slot| {
        let base = slot.base.load(Ordering::SeqCst);
        let len = slot.len.load(Ordering::SeqCst);
        len > 0 && addr >= base && addr - base < len
    })
}

extern "C" fn on_sigbus(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    // The handler's own calls may change this thread's errno, and the
    // interrupted code must find it as it left it.
    let errno = errno::errno();
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let (code, addr) = unsafe { ((*info).si_code, (*info).si_addr() as usize) };
    let page = PAGE.load(Ordering::Relaxed).max(1);
    match slot_of(addr).filter(|_| code == libc::BUS_ADRERR) {
        Some(slot) => {
            // SAFETY: the faulting page lies inside a live mapping of ours
            // (registered until it is unmapped); replacing it with an
            // anonymous zero page lets the faulting access finish, and the
            // flag tells the pass that this file's bytes are no longer its
            // own. mmap is not on POSIX's async-signal-safe list but is a
            // plain system call on Linux, as JVMs rely on.
            let mapped = unsafe {
                libc::mmap(
                    (addr / page * page) as *mut libc::c_void,
                    page,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            slot.faulted.store(true, Ordering::SeqCst);
            if mapped == libc::MAP_FAILED {
                default_action(signal);
            }
        }
        // A SIGBUS sent by another process (`kill -BUS`) is no fault:
        // it has its default effect.
        None if code <= 0 => default_action(signal),
        // A fault that is not ours: what SIGBUS did before us.
        None => pass_on(signal, info, context),
    }
    errno::set_errno(errno);
}

/// Hands a SIGBUS that is not ours to the action installed before ours.
fn pass_on(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    let previous = PREVIOUS.load(Ordering::SeqCst);
    if previous.is_null() {
        return default_action(signal);
    }
    // SAFETY: PREVIOUS points at the action sigaction gave back when ours
    // was installed, leaked so it lives for ever and never written again.
    let previous = unsafe { &*previous };
    match previous.sa_sigaction {
        libc::SIG_DFL => default_action(signal),
        // A fault cannot be ignored (returning would fault again).
        libc::SIG_IGN => default_action(signal),
        handler if previous.sa_flags & libc::SA_SIGINFO != 0 => {
            // SAFETY: the previous handler was installed for SIGBUS with
            // SA_SIGINFO, so it has this signature and takes these values.
            let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut c_void) =
                unsafe { std::mem::transmute(handler) };
            handler(signal, info, context);
        }
        handler => {
            // SAFETY: a handler installed without SA_SIGINFO takes the
            // signal number only.
            let handler: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
            handler(signal);
        }
    }
}

/// Ends the process by `signal` as it would have ended without our
/// handler: the default action restored and the signal raised again (a
/// faulting access that is not ours faults again with it).
fn default_action(signal: libc::c_int) {
    let _ = signal_hook::low_level::emulate_default_handler(signal);
}

fn install_sigbus_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        PAGE.store(page_size(), Ordering::SeqCst);
        // SAFETY: installs a handler that only makes async-signal-safe
        // calls (and mmap, see above) on static atomics; the action it
        // replaces is kept, leaked, for faults that are not ours.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut action.sa_mask);
            let previous: &mut libc::sigaction = Box::leak(Box::new(std::mem::zeroed()));
            if libc::sigaction(libc::SIGBUS, &action, previous) == 0 {
                PREVIOUS.store(previous, Ordering::SeqCst);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_pages_round_inwards_except_at_the_end() {
        let p = page_size();
        assert_eq!(whole_pages(10 * p, 1..3 * p + 5, false), (p, 2 * p));
        assert_eq!(whole_pages(10 * p, 0..10 * p, false), (0, 10 * p));
        assert_eq!(
            whole_pages(10 * p + 7, 9 * p..10 * p + 7, false),
            (9 * p, 2 * p)
        );
        assert_eq!(whole_pages(10 * p, 5..p + 1, true), (0, 2 * p));
        assert_eq!(whole_pages(10 * p, 5..6, false).1, 0);
    }

    #[test]
    fn registry_slots_are_reused() {
        // SAFETY: no access is made to these addresses, so nothing can
        // fault in them while they are registered.
        let (a, b) = unsafe { (register(0x1000, 10).unwrap(), register(0x9000, 10).unwrap()) };
        assert_ne!(a.0, b.0);
        assert!(slot_of(0x1005).is_some());
        assert!(slot_of(0x100a).is_none());
        drop(a);
        assert!(slot_of(0x1005).is_none());
        drop(b);
    }
}
