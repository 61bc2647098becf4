//! Diffing, the library's way: the changed regions of two files of one size,
//! found on every core a wave of segments at a time, written in any format.
//!
//! Both files are read through read-only views and compared a segment at a
//! time on every core; the regions go to the format's writer in order, so
//! the heap holds a few segments' region lists, never the files.

use std::collections::VecDeque;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::engine::formats::{self, FileCrcs, Format, WriteError, WriteOptions};
use crate::engine::patchfile::{self, MAX_REGION};
use crate::error::Error;
use crate::io::target::{Access, Target};
use crate::pool;

/// The bytes of one segment: a multiple of [`MAX_REGION`], so that the
/// regions of segments are those of the whole file.
const SEGMENT: usize = 128 * MAX_REGION;
/// The most regions a segment's worker holds; a segment with more goes
/// on in the writing thread from where its worker stopped.
const REGIONS_HELD: usize = 1 << 14;
/// How far into a file an IPS patch reaches: its offsets are 24 bits.
const IPS_REACH: usize = 1 << 24;

/// A diff of two files of the same size, written as a patch that
/// [`crate::Apply`] applies (see [`Diff::write_to`]).
///
/// ```
/// use mpatch::{Diff, Format};
/// # let dir = tempfile::tempdir().unwrap();
/// # let (old, new) = (dir.path().join("old"), dir.path().join("new"));
/// std::fs::write(&old, [0u8; 100]).unwrap();
/// let mut bytes = [0u8; 100];
/// bytes[10] = 1;
/// bytes[50] = 3;
/// std::fs::write(&new, bytes).unwrap();
/// let mut patch = Vec::new();
/// let report = Diff::new(&old, &new).write_to(&mut patch).unwrap();
/// assert_eq!((report.regions, report.changed), (2, 2));
/// assert_eq!(patch, b"mpatch patch 1 size 100\n10 00 01\n50 00 03\n");
/// let mut ips = Vec::new();
/// Diff::new(&old, &new).format(Format::Ips).write_to(&mut ips).unwrap();
/// assert!(ips.starts_with(b"PATCH") && ips.ends_with(b"EOF"));
/// assert!(!Diff::new(&old, &old).differ().unwrap());
/// ```
#[derive(Debug, Clone)]
pub struct Diff {
    old: PathBuf,
    new: PathBuf,
    format: Format,
    threads: Option<usize>,
    name: Option<String>,
}

/// What [`Diff::for_each_region`] is shown of each region: its offset,
/// the old bytes and the new; `Break` stops the diff.
pub type EachRegion<'e> = dyn FnMut(u64, &[u8], &[u8]) -> ControlFlow<()> + 'e;

/// What a diff found and wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffReport {
    /// The size of both files.
    pub size: u64,
    /// The changed regions (changes at most 4 unchanged bytes apart share
    /// one; none crosses a multiple of 64 KiB).
    pub regions: u64,
    /// The bytes that differ.
    pub changed: u64,
    /// Whether a patch was written: mpatch's format and `cmp -l` write
    /// nothing for equal files, as `cmp` prints nothing; every other
    /// format writes a whole (empty) patch.
    pub written: bool,
}

impl Diff {
    /// The diff of `old` to `new`, in mpatch's own format, on every core.
    pub fn new(old: impl AsRef<Path>, new: impl AsRef<Path>) -> Diff {
        Diff {
            old: old.as_ref().to_path_buf(),
            new: new.as_ref().to_path_buf(),
            format: Format::Mpatch,
            threads: None,
            name: None,
        }
    }

    /// The format of the patch written (IPS only where every change lies
    /// in the first 16 MiB).
    pub fn format(mut self, format: Format) -> Diff {
        self.format = format;
        self
    }

    /// Compare on `threads` threads (default: one per core).
    pub fn threads(mut self, threads: usize) -> Diff {
        self.threads = Some(threads.clamp(1, pool::MAX_THREADS));
        self
    }

    /// The name the patch gives the file: x64dbg's module, IDA's file
    /// name, PPF's description (default: OLD's file name).
    pub fn name(mut self, name: impl Into<String>) -> Diff {
        self.name = Some(name.into());
        self
    }

    /// Whether the files differ, stopping at the first difference found.
    pub fn differ(&self) -> Result<bool, Error> {
        self.with_views(|_, old, _, new| Ok(self.regions(old, new).next().is_some()))
    }

    /// Writes the patch of OLD to NEW to `out` (through a buffer, flushed
    /// at the end); UPS and BPS first read both files for their CRC32s.
    /// Files of different sizes are an error naming both, as is an IPS of
    /// a change past its 16 MiB reach (before anything is written).
    pub fn write_to(&self, out: impl Write) -> Result<DiffReport, Error> {
        self.with_views(|old_target, old, new_target, new| {
            self.write_views(old_target, old, new_target, new, out)
        })
    }

    /// Shows `each` every changed region, in ascending order: its offset,
    /// the old bytes and the new (the regions of mpatch's format: changes
    /// at most 4 unchanged bytes apart share one); `Break` stops the diff
    /// there. Files of different sizes are an error naming both.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    /// std::fs::write(&old, "Hello, world").unwrap();
    /// std::fs::write(&new, "Jello, World").unwrap();
    /// let mut seen = Vec::new();
    /// let report = mpatch::Diff::new(&old, &new)
    ///     .for_each_region(&mut |offset, old, new| {
    ///         seen.push((offset, old.to_vec(), new.to_vec()));
    ///         ControlFlow::Continue(())
    ///     })
    ///     .unwrap();
    /// assert_eq!(seen, [(0, b"H".to_vec(), b"J".to_vec()), (7, b"w".to_vec(), b"W".to_vec())]);
    /// assert_eq!((report.size, report.regions, report.changed, report.written), (12, 2, 2, false));
    /// ```
    pub fn for_each_region(&self, each: &mut EachRegion) -> Result<DiffReport, Error> {
        self.with_views(|_, old, _, new| {
            let mut report = DiffReport {
                size: old.len() as u64,
                ..DiffReport::default()
            };
            for (offset, old, new) in self.regions(old, new) {
                report.regions += 1;
                report.changed += old.iter().zip(new).filter(|(a, b)| a != b).count() as u64;
                if each(offset, old, new).is_break() {
                    break;
                }
            }
            Ok(report)
        })
    }

    /// Opens and views both files, runs `work` on their bytes, then checks
    /// that neither faulted or shrank meanwhile.
    fn with_views<T>(
        &self,
        work: impl FnOnce(&Target, &[u8], &Target, &[u8]) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let old = Target::open(self.old.as_os_str(), Access::Read, false)?;
        let new = Target::open(self.new.as_os_str(), Access::Read, false)?;
        if old.len() != new.len() {
            return Err(new.problem(format!(
                "is {} bytes but {} is {} bytes; diff compares files of the same size",
                new.len(),
                old.name,
                old.len()
            )));
        }
        let (old_view, new_view) = (old.view()?, new.view()?);
        let result = work(&old, old_view.bytes(), &new, new_view.bytes());
        for (target, view) in [(&old, &old_view), (&new, &new_view)] {
            if view.faulted() {
                return Err(target.fault());
            }
            target.check_unchanged()?;
        }
        result
    }

    fn regions<'m>(&self, old: &'m [u8], new: &'m [u8]) -> Regions<'m> {
        let threads = self
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        Regions {
            old,
            new,
            threads,
            next_segment: 0,
            wave: VecDeque::new(),
            batch: Vec::new().into_iter(),
            resume: None,
        }
    }

    fn write_views(
        &self,
        old_target: &Target,
        old: &[u8],
        new_target: &Target,
        new: &[u8],
        out: impl Write,
    ) -> Result<DiffReport, Error> {
        if self.format == Format::Ips
            && let Some(at) = first_difference(old, new, IPS_REACH)
        {
            return Err(new_target.problem(format!(
                "differs from {} at offset {at:#x}, past the 16 MiB an IPS patch reaches (its offsets are 24 bits); use --format bps, ups or ppf",
                old_target.name
            )));
        }
        let crcs = matches!(self.format, Format::Ups | Format::Bps).then(|| crcs(old, new));
        let mut report = DiffReport {
            size: old.len() as u64,
            ..DiffReport::default()
        };
        let mut regions = self.regions(old, new).peekable();
        if regions.peek().is_none() && matches!(self.format, Format::Mpatch | Format::CmpList) {
            return Ok(report);
        }
        let name = match &self.name {
            Some(name) => name.clone(),
            None => self.old.file_name().map_or_else(
                || self.old.display().to_string(),
                |name| name.to_string_lossy().into_owned(),
            ),
        };
        let options = WriteOptions {
            format: self.format,
            old: &old,
            crcs,
            name: &name,
        };
        let counted = regions.inspect(|(_, old, new)| {
            report.regions += 1;
            report.changed += old.iter().zip(*new).filter(|(a, b)| a != b).count() as u64;
        });
        formats::write(out, &options, counted).map_err(|e| match e {
            WriteError::Io(source) => Error::Failed {
                path: "patch output".into(),
                doing: "cannot write the patch",
                source,
            },
            WriteError::Invalid(reason) => {
                Error::argument(format!("--format {}", self.format), reason)
            }
        })?;
        report.written = true;
        Ok(report)
    }
}

/// The CRC32s of both files, each on a thread of its own.
fn crcs(old: &[u8], new: &[u8]) -> FileCrcs {
    let found = [Mutex::new(0), Mutex::new(0)];
    let files = [old, new];
    let next = AtomicUsize::new(0);
    let _ = pool::run(2, |_| {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(bytes) = files.get(i) else {
                return Ok::<(), ()>(());
            };
            *pool::lock(&found[i]) = crc32fast::hash(bytes);
        }
    });
    let [old, new] = found.map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()));
    FileCrcs { old, new }
}

/// The first offset at or past `from` where the files differ.
fn first_difference(old: &[u8], new: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at < old.len() {
        let end = old.len().min(at + MAX_REGION);
        if old[at..end] != new[at..end] {
            return (at..end).find(|&i| old[i] != new[i]);
        }
        at = end;
    }
    None
}

/// A segment's regions, and where its worker stopped.
type Found = (Vec<(usize, usize)>, usize);

/// The changed regions of two views of one size, in order: segments are
/// compared in waves of a few per thread, each wave handed out in order
/// before the next starts.
struct Regions<'m> {
    old: &'m [u8],
    new: &'m [u8],
    threads: usize,
    next_segment: usize,
    /// The segments of the wave not yet handed out, with their regions.
    wave: VecDeque<(usize, Found)>,
    batch: std::vec::IntoIter<(usize, usize)>,
    /// The rest of a dense segment, `[from, end)`, compared here.
    resume: Option<(usize, usize)>,
}

impl<'m> Iterator for Regions<'m> {
    type Item = (u64, &'m [u8], &'m [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let len = self.old.len();
        loop {
            if let Some((start, end)) = self.batch.next() {
                return Some((start as u64, &self.old[start..end], &self.new[start..end]));
            }
            let (regions, from, end) = if let Some((from, end)) = self.resume.take() {
                let mut regions = Vec::new();
                let (old, new) = (self.old, self.new);
                let stopped =
                    patchfile::changed_regions(old, new, from, end, REGIONS_HELD, &mut regions);
                (regions, stopped, end)
            } else if let Some((segment, (regions, stopped))) = self.wave.pop_front() {
                (regions, stopped, len.min((segment + 1) * SEGMENT))
            } else {
                let segments = len.div_ceil(SEGMENT);
                if self.next_segment >= segments {
                    return None;
                }
                let last = segments.min(self.next_segment + self.threads.max(1) * 2);
                let found = compare_wave(self.old, self.new, self.next_segment..last, self.threads);
                self.wave = (self.next_segment..last).zip(found).collect();
                self.next_segment = last;
                continue;
            };
            if from < end {
                self.resume = Some((from, end));
            }
            self.batch = regions.into_iter();
        }
    }
}

/// The regions of each segment of `wave` (at most [`REGIONS_HELD`] each)
/// and where each stopped.
/// The pages compared are not given back (`Mapping::release`) as a scan's
/// are: they are clean page-cache pages the kernel may reclaim at any
/// time, and on two equal cached 1 GiB files releasing them after each wave
/// took diff from 0.25 s to 0.35 s (0.47 s when each worker released its
/// own segment), against 0.65 s for cmp. The heap stays a few segments'
/// region lists.
fn compare_wave(
    old: &[u8],
    new: &[u8],
    wave: std::ops::Range<usize>,
    threads: usize,
) -> Vec<Found> {
    let len = old.len();
    let one = |segment: usize| {
        let (from, to) = (segment * SEGMENT, len.min((segment + 1) * SEGMENT));
        let mut regions = Vec::new();
        let stopped = patchfile::changed_regions(old, new, from, to, REGIONS_HELD, &mut regions);
        (regions, stopped)
    };
    if threads <= 1 || wave.len() <= 1 {
        return wave.map(one).collect();
    }
    let next = AtomicUsize::new(wave.start);
    let slots: Vec<Mutex<Option<Found>>> = wave.clone().map(|_| Mutex::new(None)).collect();
    let _ = pool::run(threads.min(wave.len()), |_| {
        loop {
            let segment = next.fetch_add(1, Ordering::Relaxed);
            if segment >= wave.end {
                return Ok::<(), ()>(());
            }
            *pool::lock(&slots[segment - wave.start]) = Some(one(segment));
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_difference_past_a_point() {
        let old = vec![0u8; 200_000];
        let mut new = old.clone();
        assert_eq!(first_difference(&old, &new, 10), None);
        new[5] = 1;
        assert_eq!(first_difference(&old, &new, 10), None);
        new[150_001] = 1;
        assert_eq!(first_difference(&old, &new, 10), Some(150_001));
    }
}
