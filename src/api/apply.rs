//! Applying a patch of any format, the library's way: the patch read as it
//! is used, every region of every file checked, then all written or none.
//!
//! The patch is read once, against the first file (UPS XORs its bytes, BPS
//! copies them, PPF checks a block), each region checked against every
//! file's size as it arrives. Apply is all-or-nothing over every region of
//! every file and every checksum closes its patch, so nothing can be
//! written before the patch has been read to its end: the regions are held
//! until then, never the patch, in bounded memory: past a few MiB they
//! wait in an unlinked temporary file (engine/formats/held). The other
//! files are checked against what the patch said of the first: its size,
//! its CRC32 (UPS, BPS), PPF's block. A
//! [`RegionFilter`] (a review at the terminal, a diff's printer) is asked
//! about each region only then, and only the regions it passes are written.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileExt, FileTypeExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::journal::{Recorder, write_with};
use super::poke::read_at;
use crate::engine::formats::{
    self, Checksums, ErrorKind, Format, FormatError, Header, Held, HeldRegion, ReadOptions,
    Regions, Source,
};
use crate::engine::pattern::to_hex;
use crate::engine::scan::Pass;
use crate::error::Error;
use crate::io::map::Mapping;
use crate::io::target::Target;

/// Where a patch is read from.
#[derive(Debug, Clone)]
enum PatchInput {
    File(PathBuf),
    Stdin,
    Bytes(Vec<u8>),
}

/// An apply: a patch of any format written into files, in place, only if
/// every region of every file holds what the patch expects there (see
/// [`Apply::run`]).
///
/// ```
/// use mpatch::{Applied, Apply, Diff, Format};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = |name: &str| dir.path().join(name);
/// std::fs::write(path("old"), "Hello, world").unwrap();
/// std::fs::write(path("new"), "Jello, World").unwrap();
/// std::fs::copy(path("old"), path("copy")).unwrap();
/// let patch = std::fs::File::create(path("fix.ups")).unwrap();
/// Diff::new(path("old"), path("new")).format(Format::Ups).write_to(patch).unwrap();
///
/// let report = Apply::new(path("fix.ups")).files(&[path("copy")]).run().unwrap();
/// assert_eq!((report.format, report.status), (Format::Ups, Applied::Written));
/// assert_eq!(std::fs::read(path("copy")).unwrap(), b"Jello, World");
/// // Again: nothing to write.
/// let again = Apply::new(path("fix.ups")).files(&[path("copy")]).run().unwrap();
/// assert_eq!(again.status, Applied::AlreadyApplied);
/// // UPS carries the old bytes (by its checksums): it can be taken back.
/// Apply::new(path("fix.ups")).files(&[path("copy")]).reverse(true).run().unwrap();
/// assert_eq!(std::fs::read(path("copy")).unwrap(), b"Hello, world");
/// ```
#[derive(Debug, Clone)]
pub struct Apply {
    patch: PatchInput,
    files: Vec<PathBuf>,
    format: Option<Format>,
    reverse: bool,
    any_size: bool,
    dry_run: bool,
    journal: Option<PathBuf>,
    sync: bool,
    lock_timeout: Duration,
    allow_device: bool,
}

/// How an apply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Every region of every file was written.
    Written,
    /// A dry run: every region of every file would be written.
    WouldWrite,
    /// Every file already holds the patch's result: nothing was written.
    AlreadyApplied,
}

/// What an apply did (or would do) to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileApplied {
    /// The file, as named.
    pub path: PathBuf,
    /// The patch's regions in this file.
    pub regions: u64,
    /// Their bytes (a byte written twice by the patch counted once).
    pub bytes: u64,
    /// The regions a [`RegionFilter`] left out, which are not in
    /// `regions` (none without a filter).
    pub skipped: u64,
}

/// What an apply did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyReport {
    /// The patch's format, detected or forced.
    pub format: Format,
    /// The name the patch gives (x64dbg's module, IDA's file name, PPF's
    /// description, BPS's metadata): shown, never opened.
    pub named: Option<String>,
    /// How it ended.
    pub status: Applied,
    /// Each file, in the order named.
    pub files: Vec<FileApplied>,
}

/// What [`Apply::run_with`] shows of each region: the file, the offset,
/// the bytes there and the patch's.
pub type EachRegion<'e> = dyn FnMut(&Path, u64, &[u8], &[u8]) + 'e;

/// One region of an apply as a [`RegionFilter`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct ApplyRegion<'r> {
    /// The file, as named.
    pub path: &'r Path,
    /// All the file's bytes, as they were before the run (nothing of it is
    /// written before the filter has seen every region of it).
    pub file: &'r [u8],
    /// Where the region starts.
    pub offset: u64,
    /// The bytes there now (the patch's old bytes, or already its new
    /// ones: a region of a patch without old bytes may hold them).
    pub old: &'r [u8],
    /// The patch's bytes for it.
    pub new: &'r [u8],
}

/// Decides which regions of an apply are written: a review at a terminal
/// (`apply -I`), a printer that passes all (`apply --diff`), or any rule
/// of the caller's (see [`Apply::run_filtered`]). It is asked once every
/// region of every file was checked, file by file in the order named, each
/// file's regions in ascending order; a file is written after its last
/// region was decided.
///
/// ```
/// use mpatch::{Apply, ApplyRegion, RegionFilter, scan::Pass};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("f");
/// std::fs::write(&path, "0123456789").unwrap();
/// /// Writes only the regions in the first half of the file.
/// struct FirstHalf;
/// impl RegionFilter for FirstHalf {
///     fn region(&mut self, region: &ApplyRegion) -> Result<Pass, mpatch::Error> {
///         let half = region.file.len() as u64 / 2;
///         Ok(if region.offset < half { Pass::On } else { Pass::Skip })
///     }
/// }
/// let patch = b"mpatch patch 1 size 10\n1 31 41\n8 38 48\n".to_vec();
/// let report = Apply::bytes(patch)
///     .files(&[&path])
///     .run_filtered(&mut FirstHalf, &mut |_, _, _, _| {})
///     .unwrap();
/// assert_eq!((report.files[0].regions, report.files[0].skipped), (1, 1));
/// assert_eq!(std::fs::read(&path).unwrap(), b"0A23456789");
/// ```
pub trait RegionFilter {
    /// Whether `region` is written.
    fn region(&mut self, region: &ApplyRegion) -> Result<Pass, Error>;

    /// The last region of the file at `path` was decided; `file` is its
    /// bytes as they were before the run.
    fn end_file(&mut self, path: &Path, file: &[u8]) -> Result<(), Error> {
        let _ = (path, file);
        Ok(())
    }
}

/// A patch read to its end: its regions, and what it said of the file.
struct Patch {
    format: Format,
    header: Header,
    held: Regions,
    checksums: Option<Checksums>,
    truncation: Option<u64>,
    /// The first file already holds the patch's result (UPS, BPS: its
    /// CRC32 is the target's), so the regions read are not the patch's.
    first_applied: bool,
}

/// The first file as the readers see it: its bytes as they were, through
/// its view (a UPS of a million one-byte records reads the file a million
/// times: a copy from memory each, not a system call; nothing is written
/// until the patch has been read).
struct ViewSource(Mapping);

impl Source for ViewSource {
    fn len(&self) -> u64 {
        self.0.bytes().len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        Source::read_at(&self.0.bytes(), offset, buf)?;
        match self.0.faulted() {
            true => Err(std::io::ErrorKind::UnexpectedEof.into()),
            false => Ok(()),
        }
    }
}

/// A file as the readers see it, read with `pread`: for the CRC32 of a
/// file after the first.
struct FileSource<'t>(&'t Target);

impl Source for FileSource<'_> {
    fn len(&self) -> u64 {
        self.0.len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.0.file.read_exact_at(buf, offset)
    }
}

impl Apply {
    /// Applies the patch in the file at `path`, durably, without a journal,
    /// detecting its format by its magic.
    pub fn new(path: impl AsRef<Path>) -> Apply {
        Apply::of(PatchInput::File(path.as_ref().to_path_buf()))
    }

    /// Applies the patch read from standard input (a pipe: `cmp -l a b |`).
    pub fn stdin() -> Apply {
        Apply::of(PatchInput::Stdin)
    }

    /// Applies the patch in `bytes`.
    ///
    /// ```
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let path = dir.path().join("fw.bin");
    /// std::fs::write(&path, [0x74, 0x05, 0xc3]).unwrap();
    /// // An x64dbg patch: its module name is shown, never opened.
    /// let patch = b">fw.bin\n00000000:74->EB\n".to_vec();
    /// let report = mpatch::Apply::bytes(patch).files(&[&path]).run().unwrap();
    /// assert_eq!(report.named.as_deref(), Some("fw.bin"));
    /// assert_eq!(std::fs::read(&path).unwrap(), [0xeb, 0x05, 0xc3]);
    /// ```
    pub fn bytes(bytes: Vec<u8>) -> Apply {
        Apply::of(PatchInput::Bytes(bytes))
    }

    fn of(patch: PatchInput) -> Apply {
        Apply {
            patch,
            files: Vec::new(),
            format: None,
            reverse: false,
            any_size: false,
            dry_run: false,
            journal: None,
            sync: true,
            lock_timeout: Duration::from_secs(10),
            allow_device: false,
        }
    }

    /// The files to patch: each gets the whole patch.
    pub fn files(mut self, paths: &[impl AsRef<Path>]) -> Apply {
        self.files = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
        self
    }

    /// Read the patch as this format instead of detecting it.
    pub fn format(mut self, format: Option<Format>) -> Apply {
        self.format = format;
        self
    }

    /// New to old: take the patch back out (the formats that carry the
    /// old bytes: all but IPS and BPS, and PPF only with its undo data).
    pub fn reverse(mut self, reverse: bool) -> Apply {
        self.reverse = reverse;
        self
    }

    /// Apply an mpatch patch whatever the size its header names (every
    /// region must still lie inside the file).
    pub fn any_size(mut self, any_size: bool) -> Apply {
        self.any_size = any_size;
        self
    }

    /// Check everything and write nothing.
    pub fn dry_run(mut self, dry_run: bool) -> Apply {
        self.dry_run = dry_run;
        self
    }

    /// Record the old bytes in the journal at `path` first (created, never
    /// overwritten), which [`crate::Undo`] restores.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Apply {
        self.journal = Some(path.into());
        self
    }

    /// Whether each file is flushed to the disk before success.
    pub fn sync(mut self, sync: bool) -> Apply {
        self.sync = sync;
        self
    }

    /// How long to wait for another process's lock on a file.
    pub fn lock_timeout(mut self, timeout: Duration) -> Apply {
        self.lock_timeout = timeout;
        self
    }

    /// Whether block devices may be written.
    pub fn allow_device(mut self, allow: bool) -> Apply {
        self.allow_device = allow;
        self
    }

    /// Opens, checks and locks every file, reads the patch (every checksum
    /// verified), compares every region of every file, then writes them
    /// all, or none: a region that holds neither the patch's old bytes nor
    /// (in every file) its new ones is [`Error::Changed`], a file another
    /// checksum says is not the patch's is [`Error::WrongFile`], a patch
    /// that would change a file's size is an [`Error::File`] naming both
    /// sizes, a damaged one [`Error::Patch`].
    ///
    /// ```
    /// use mpatch::{Apply, Error};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let path = dir.path().join("f");
    /// std::fs::write(&path, "0123456789").unwrap();
    /// let patch = b"mpatch patch 1 size 10\n4 34 58\n".to_vec();
    /// std::fs::write(&path, "0123Z56789").unwrap();
    /// let error = Apply::bytes(patch).files(&[&path]).run().unwrap_err();
    /// assert!(matches!(error, Error::Changed { offset: 4, .. }));
    /// assert_eq!(std::fs::read(&path).unwrap(), b"0123Z56789");
    /// ```
    pub fn run(&self) -> Result<ApplyReport, Error> {
        self.run_with(&mut |_, _, _, _| {})
    }

    /// [`Apply::run`], showing `each` every region as it is written (or,
    /// in a dry run, would be): the file, the offset, the bytes there and
    /// the patch's.
    pub fn run_with(&self, each: &mut EachRegion) -> Result<ApplyReport, Error> {
        self.run_inner(None, each)
    }

    /// [`Apply::run_with`], writing only the regions `filter` passes: every
    /// region of every file is still checked before the filter sees the
    /// first (a patch that does not hold, or is applied already, is never
    /// shown to it); one journal, when asked for, records what is written.
    pub fn run_filtered(
        &self,
        filter: &mut dyn RegionFilter,
        each: &mut EachRegion,
    ) -> Result<ApplyReport, Error> {
        self.run_inner(Some(filter), each)
    }

    fn run_inner(
        &self,
        filter: Option<&mut dyn RegionFilter>,
        each: &mut EachRegion,
    ) -> Result<ApplyReport, Error> {
        if self.files.is_empty() {
            return Err(Error::argument("FILE", "is missing: name a file to patch"));
        }
        let targets = super::open_all(
            &self.files,
            self.dry_run,
            self.allow_device,
            self.lock_timeout,
        )?;
        let read = self.read(&targets)?;
        self.check_others(&read, &targets)?;
        let already = read.first_applied || status(&read.held, &targets)?;
        let mut report = ApplyReport {
            format: read.format,
            named: read.header.name.clone(),
            status: Applied::AlreadyApplied,
            files: Vec::new(),
        };
        if already {
            // Regions read against a file that holds the result already
            // are not the patch's: none is counted.
            let held = match read.first_applied {
                true => &Regions::default(),
                false => &read.held,
            };
            report.files = targets.iter().map(|t| counts(t, held, None)).collect();
            return Ok(report);
        }
        report.files = self.write(&read.held, &targets, filter, each)?;
        report.status = match self.dry_run {
            true => Applied::WouldWrite,
            false => Applied::Written,
        };
        Ok(report)
    }

    fn patch_name(&self) -> String {
        match &self.patch {
            PatchInput::File(path) => path.display().to_string(),
            PatchInput::Stdin => "-".into(),
            PatchInput::Bytes(_) => "patch".into(),
        }
    }

    /// The patch as bytes to read. A FIFO is read like a file
    /// (`<(cmp -l a b)`); a directory or a character device is refused.
    fn input(&self) -> Result<Box<dyn Read + '_>, Error> {
        let path = match &self.patch {
            PatchInput::File(path) => path,
            PatchInput::Stdin => return Ok(Box::new(std::io::stdin().lock())),
            PatchInput::Bytes(bytes) => return Ok(Box::new(&bytes[..])),
        };
        let name = self.patch_name();
        let file = File::open(path).map_err(|e| Error::io(&name, e))?;
        let kind = file
            .metadata()
            .map_err(|e| Error::io(&name, e))?
            .file_type();
        if kind.is_dir() {
            return Err(Error::file(&name, "is a directory"));
        }
        if kind.is_char_device() {
            return Err(Error::file(&name, "is a character device, not a patch"));
        }
        Ok(Box::new(file))
    }

    /// Reads the patch against the first file, each region checked
    /// against every file's size as it comes, and holds its regions.
    fn read(&self, targets: &[Target]) -> Result<Patch, Error> {
        let first = &targets[0];
        let source = ViewSource(first.view()?);
        let options = ReadOptions {
            format: self.format,
            reverse: self.reverse,
            any_size: self.any_size,
        };
        let input = self.input()?;
        let mut reader =
            formats::open(input, &source, options).map_err(|e| self.error(e, first))?;
        let (format, header) = (reader.format(), reader.header().clone());
        check_sizes(format, &header, self.any_size, &targets[1..])?;
        let mut held = Held::default();
        let mut first_applied = false;
        for region in reader.by_ref() {
            let region = match region {
                Ok(region) => region,
                Err(e) if e.kind == ErrorKind::AlreadyApplied => {
                    first_applied = true;
                    break;
                }
                Err(e) => return Err(self.error(e, first)),
            };
            for target in &targets[1..] {
                if region.end() > target.len() {
                    let len = region.new.len() as u64;
                    let past = formats::past_end(0, region.offset, len, target.len());
                    return Err(target.problem(past.reason));
                }
            }
            held.insert(region)
                .map_err(|e| Error::io(self.patch_name(), e))?;
        }
        let held = held.finish().map_err(|e| Error::io(self.patch_name(), e))?;
        Ok(Patch {
            format,
            header,
            held,
            checksums: reader.checksums(),
            truncation: reader.truncation(),
            first_applied,
        })
    }

    /// The error of a patch that cannot be read or applied to `first`.
    fn error(&self, e: FormatError, first: &Target) -> Error {
        let name = self.patch_name();
        match e.kind {
            ErrorKind::Corrupt | ErrorKind::Unsupported | ErrorKind::Io => {
                // A text patch's errors name their line: PATCH:LINE.
                let line = format!("line {}: ", e.at);
                match e.reason.strip_prefix(&line) {
                    Some(reason) if e.at > 0 => Error::Patch {
                        patch: format!("{name}:{}", e.at),
                        reason: reason.to_string(),
                    },
                    _ => Error::Patch {
                        patch: name,
                        reason: e.reason,
                    },
                }
            }
            ErrorKind::SizeChange | ErrorKind::WrongSize => first.problem(e.reason),
            ErrorKind::WrongFile | ErrorKind::AlreadyApplied => Error::WrongFile {
                path: first.name.clone(),
                reason: e.reason,
            },
            ErrorKind::Source => match first.check_unchanged() {
                Err(resized) => resized,
                Ok(_) => first.problem(e.reason),
            },
        }
    }

    /// Checks the files after the first against what the patch said of
    /// it: the size an IPS truncates to, PPF's block, UPS's and BPS's
    /// CRC32 of the file.
    fn check_others(&self, read: &Patch, targets: &[Target]) -> Result<(), Error> {
        let others = &targets[1..];
        if let Some(size) = read.truncation
            && let Some(target) = others.iter().find(|t| t.len() != size)
        {
            return Err(target.problem(formats::size_change(0, target.len(), size).reason));
        }
        if let Some((at, block)) = &read.header.block {
            let mut found = vec![0; block.len()];
            for target in others {
                let fits = at + block.len() as u64 <= target.len();
                if fits {
                    read_at(target, &mut found, *at)?;
                }
                if !fits || found != *block {
                    return Err(Error::WrongFile {
                        path: target.name.clone(),
                        reason: format!(
                            "the file's 1024 bytes at offset {at:#x} are not those the PPF patch checks for: it is for another file"
                        ),
                    });
                }
            }
        }
        if let Some(crcs) = read.checksums {
            for target in others {
                check_crc(read, crcs, &targets[0], target)?;
            }
        }
        Ok(())
    }

    /// Provides the blocks the regions need, then writes each file's
    /// regions that `filter` (if any) passes through the one writer
    /// (journalled first when asked); returns what each file got.
    fn write(
        &self,
        held: &Regions,
        targets: &[Target],
        mut filter: Option<&mut dyn RegionFilter>,
        each: &mut EachRegion,
    ) -> Result<Vec<FileApplied>, Error> {
        if !self.dry_run {
            for target in targets {
                for region in held.iter() {
                    target.reserve(region.offset, region.new.len() as u64)?;
                }
            }
        }
        let recorder = match self.dry_run {
            true => None,
            false => self.journal.as_deref().map(Recorder::create).transpose()?,
        };
        let mut files = Vec::with_capacity(targets.len());
        let mut written = Ok(());
        for target in targets {
            let filter = filter.as_deref_mut();
            match self.write_file(held, target, recorder.as_ref(), filter, each) {
                Ok(file) => files.push(file),
                Err(error) => {
                    written = Err(error);
                    break;
                }
            }
        }
        // The journal holds what was written, whatever happened after.
        if let Some(recorder) = recorder {
            recorder.finish()?;
        }
        written.map(|()| files)
    }

    /// Writes the regions of one file that `filter` passes (all without
    /// one), once it has decided every region: only the bytes that change,
    /// the old bytes read from the file.
    fn write_file(
        &self,
        held: &Regions,
        target: &Target,
        recorder: Option<&Recorder>,
        filter: Option<&mut (dyn RegionFilter + '_)>,
        each: &mut EachRegion,
    ) -> Result<FileApplied, Error> {
        // The old bytes come from a view: a region's are copied out before
        // it is handed to the writer, and no two overlap.
        let view = target.view()?;
        let chosen = match filter {
            Some(filter) => Some(choose(filter, held, target, view.bytes())?),
            None => None,
        };
        if view.faulted() {
            return Err(target.fault());
        }
        let passes = |i: usize| chosen.as_ref().is_none_or(|chosen| chosen[i]);
        let sync = self.sync && !self.dry_run;
        let (mut old, mut new) = (Vec::new(), Vec::new());
        write_with(target, self.dry_run, recorder, sync, &mut |put| {
            for (i, region) in held.iter().enumerate() {
                if !passes(i) {
                    continue;
                }
                old.clear();
                old.extend_from_slice(bytes_of(view.bytes(), &region));
                // Copied out of the held regions' mapping, then checked: a
                // page of it that could not be read back is an error
                // before the region is written, never its zeros written.
                new.clear();
                new.extend_from_slice(region.new);
                if held.faulted() {
                    return Err(held_fault());
                }
                each(&target.path, region.offset, &old, &new);
                for (start, end) in changed_runs(&old, &new) {
                    let at = region.offset + start as u64;
                    put(at, &old[start..end], &new[start..end])?;
                }
            }
            Ok(())
        })?;
        if held.faulted() {
            return Err(held_fault());
        }
        match view.faulted() {
            true => Err(target.fault()),
            false => Ok(counts(target, held, chosen.as_deref())),
        }
    }
}

/// Asks `filter` about each region of `target`, whose bytes are `file`:
/// whether each is written.
fn choose(
    filter: &mut dyn RegionFilter,
    held: &Regions,
    target: &Target,
    file: &[u8],
) -> Result<Vec<bool>, Error> {
    let mut chosen = Vec::with_capacity(held.len());
    for region in held.iter() {
        let shown = ApplyRegion {
            path: &target.path,
            file,
            offset: region.offset,
            old: bytes_of(file, &region),
            new: region.new,
        };
        chosen.push(filter.region(&shown)? == Pass::On);
    }
    filter.end_file(&target.path, file)?;
    Ok(chosen)
}

/// Fails unless every file after the first has the size the patch names
/// (mpatch's header, unless `any_size`; UPS; BPS).
fn check_sizes(
    format: Format,
    header: &Header,
    any_size: bool,
    others: &[Target],
) -> Result<(), Error> {
    let Some(size) = header.size else {
        return Ok(());
    };
    if format == Format::Mpatch && any_size {
        return Ok(());
    }
    let hint = match format {
        Format::Mpatch => " (--any-size applies it anyway)",
        _ => "",
    };
    match others.iter().find(|t| t.len() != size) {
        Some(target) => Err(target.problem(format!(
            "is {} bytes but the patch is for a file of {size} bytes{hint}",
            target.len()
        ))),
        None => Ok(()),
    }
}

/// Checks the CRC32 of a file after the first against the patch's: the
/// source's, or (when the first holds the result already) the target's.
fn check_crc(read: &Patch, crcs: Checksums, first: &Target, target: &Target) -> Result<(), Error> {
    let crc = formats::crc32_of(&FileSource(target)).map_err(|e| Error::io(&target.name, e))?;
    let title = read.format.title();
    let wanted = match read.first_applied {
        true => crcs.result,
        false => crcs.file,
    };
    if crc == wanted {
        return Ok(());
    }
    let reason = if read.first_applied && crc == crcs.file {
        format!(
            "holds the {title} patch's source, but {} holds its result already (one file is patched, another not)",
            first.name
        )
    } else if crc == crcs.result {
        format!(
            "holds the {title} patch's result already, but {} does not (one file is patched, another not)",
            first.name
        )
    } else {
        format!(
            "the file's CRC32 is {crc:08x}, but the {title} patch is for a file whose CRC32 is {:08x}",
            crcs.file
        )
    };
    Err(Error::WrongFile {
        path: target.name.clone(),
        reason,
    })
}

/// Compares every held region with every file: whether all hold the
/// patch's result already (and there is something to hold); the first
/// region that holds neither its old bytes nor, everywhere, its new ones
/// is the error.
fn status(held: &Regions, targets: &[Target]) -> Result<bool, Error> {
    let mut all_new = !held.is_empty();
    let mut first_bad = None;
    for target in targets {
        let view = target.view()?;
        for region in held.iter() {
            let found = bytes_of(view.bytes(), &region);
            let is_new = found == region.new;
            all_new &= is_new;
            if let Some(old) = region.old.filter(|old| *old != found)
                && first_bad.is_none()
            {
                first_bad = Some(Error::Changed {
                    path: target.name.clone(),
                    offset: region.offset,
                    expected: to_hex(old),
                    found: to_hex(found),
                    found_new: is_new,
                });
            }
            if !all_new && let Some(error) = first_bad.take() {
                return Err(error);
            }
        }
        if view.faulted() {
            return Err(target.fault());
        }
    }
    if held.faulted() {
        return Err(held_fault());
    }
    match (all_new, first_bad) {
        (true, _) => Ok(true),
        (false, Some(error)) => Err(error),
        (false, None) => Ok(false),
    }
}

/// The error of held regions that could not be read back.
fn held_fault() -> Error {
    let dir = std::env::temp_dir();
    Error::io(
        format!("temporary file in {}", dir.display()),
        std::io::Error::other("could not be read back"),
    )
}

/// The bytes of a file's view where `region` lies (inside the file: the
/// reader and the other files' checks made sure).
fn bytes_of<'v>(view: &'v [u8], region: &HeldRegion) -> &'v [u8] {
    &view[region.offset as usize..region.end() as usize]
}

/// What `target` got of `held`: every region, or those `chosen`.
fn counts(target: &Target, held: &Regions, chosen: Option<&[bool]>) -> FileApplied {
    let Some(chosen) = chosen else {
        return FileApplied {
            path: target.path.clone(),
            regions: held.len() as u64,
            bytes: held.bytes(),
            skipped: 0,
        };
    };
    let (mut regions, mut bytes) = (0, 0);
    for (region, _) in held.iter().zip(chosen).filter(|(_, chosen)| **chosen) {
        regions += 1;
        bytes += region.new.len() as u64;
    }
    FileApplied {
        path: target.path.clone(),
        regions,
        bytes,
        skipped: held.len() as u64 - regions,
    }
}

/// The runs of `old` that `new` changes, as `(start, end)`: a write carries
/// no byte the patch leaves as it is.
fn changed_runs<'b>(old: &'b [u8], new: &'b [u8]) -> impl Iterator<Item = (usize, usize)> + 'b {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + old[at..].iter().zip(&new[at..]).position(|(a, b)| a != b)?;
        let len = old[start..]
            .iter()
            .zip(&new[start..])
            .position(|(a, b)| a == b)
            .unwrap_or(old.len() - start);
        at = start + len;
        Some((start, at))
    })
}

#[cfg(test)]
mod tests {
    use super::changed_runs;

    #[test]
    fn only_changed_bytes_are_written() {
        let runs: Vec<_> = changed_runs(b"abcdefg", b"aXYdeZg").collect();
        assert_eq!(runs, [(1, 3), (5, 6)]);
        assert_eq!(changed_runs(b"same", b"same").count(), 0);
        let runs: Vec<_> = changed_runs(b"ab", b"XY").collect();
        assert_eq!(runs, [(0, 2)]);
    }
}
