//! `diff` and `apply`: the patches of the library's `Diff` and `Apply`, in
//! any of its formats, with the GIL released.

use std::fs::File;
use std::io::{self, Write};

use mpatch::{Applied, Apply, Diff, Format};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::args::{self, PathArg};
use crate::errors::to_py;

/// The format a `format=` name gives, as `mpatch --format` takes it.
fn format_of(name: &str) -> PyResult<Format> {
    Format::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        PyValueError::new_err(format!(
            "format: unknown format {name:?} (known: {})",
            known.join(", ")
        ))
    })
}

/// Python's repr() of a text field (None when absent), as a result's repr
/// shows it.
fn repr(py: Python<'_>, text: Option<&str>) -> PyResult<String> {
    match text {
        Some(text) => Ok(PyString::new(py, text).repr()?.to_string()),
        None => Ok("None".to_owned()),
    }
}

/// What diff() found and wrote. True when the files differ (as `cmp`'s
/// exit status says), so that `if mpatch.diff(...):` reads as it should.
#[pyclass(module = "mpatch", frozen, get_all)]
pub struct DiffResult {
    /// The size of both files, in bytes.
    size: u64,
    /// The changed regions written to the patch (changes at most 4
    /// unchanged bytes apart share one).
    regions: u64,
    /// The bytes that differ.
    changed: u64,
    /// The patch's format, as format= names it ("mpatch", "ups", ...).
    format: String,
}

#[pymethods]
impl DiffResult {
    fn __bool__(&self) -> bool {
        self.regions > 0
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "DiffResult(size={}, regions={}, changed={}, format={})",
            self.size,
            self.regions,
            self.changed,
            repr(py, Some(&self.format))?
        ))
    }
}

/// What apply() did: status is "written", "would write" (dry_run=True) or
/// "already applied" (every file holds the patch's result: nothing
/// written).
#[pyclass(module = "mpatch", frozen, get_all)]
pub struct ApplyResult {
    /// "written", "would write" or "already applied".
    status: &'static str,
    /// The regions written (or, in a dry run, that would be) over every
    /// file; 0 when already applied.
    regions: u64,
    /// Their bytes (a byte the patch writes twice counted once).
    bytes: u64,
    /// The patch's format, detected or given ("mpatch", "ips", ...).
    format: String,
    /// The name the patch gives the file (x64dbg's module, IDA's file
    /// name, PPF's description, BPS's metadata), or None: shown, never
    /// opened.
    named: Option<String>,
}

#[pymethods]
impl ApplyResult {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ApplyResult(status={}, regions={}, bytes={}, format={}, named={})",
            repr(py, Some(self.status))?,
            self.regions,
            self.bytes,
            repr(py, Some(&self.format))?,
            repr(py, self.named.as_deref())?
        ))
    }
}

/// The patch file, created (or truncated) at its first byte or at the
/// end, so that an error found before anything is written (files of
/// different sizes, an IPS past its reach) leaves PATCH_PATH as it was.
struct Output<'p> {
    path: &'p PathArg,
    file: Option<File>,
}

impl Output<'_> {
    fn file(&mut self) -> io::Result<&mut File> {
        match &mut self.file {
            Some(file) => Ok(file),
            none => Ok(none.insert(File::create(&self.path.path)?)),
        }
    }

    /// Removes a regular file this run created or truncated, half written.
    fn discard(self) {
        let regular = self
            .file
            .and_then(|file| file.metadata().ok())
            .is_some_and(|meta| meta.is_file());
        if regular {
            let _ = std::fs::remove_file(&self.path.path);
        }
    }
}

impl Write for Output<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.file()?.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file()?.flush()
    }
}

/// Write the patch that turns OLD into NEW to PATCH_PATH: `mpatch diff
/// OLD NEW > PATCH_PATH`. OLD and NEW are files of the same size (paths:
/// str or os.PathLike); they are compared on every core, through
/// read-only memory maps, with the GIL released.
///
/// format= is the patch's format, as `mpatch diff --format` names it:
/// "mpatch" (mpatch's text: `OFFSET OLD NEW` in hex a line, which apply()
/// can check and take back), "cmp" (`cmp -l` output), "ips" (new bytes
/// only; every change must lie in the first 16 MiB), "ups", "bps" (with
/// both files' CRC32s), "ppf" (PPF 3.0 with undo data), "1337" (x64dbg)
/// or "dif" (IDA). name= is the name the patch gives the file (x64dbg's
/// module, IDA's file name, PPF's description; default: OLD's file name).
///
/// PATCH_PATH is created, or truncated, only once the diff has begun
/// writing: files of different sizes, a missing file, or an IPS of a
/// change past 16 MiB raise before it is touched. When the files are
/// equal, the "mpatch" and "cmp" patches are empty files, as `cmp` prints
/// nothing (apply() refuses an empty patch: test the result first); every
/// other format writes a whole patch with no change in it.
///
/// Returns a DiffResult (size, regions, changed bytes, format) that is
/// true when the files differ, false when they are equal.
///
/// Raises OSError (FileNotFoundError, ...) with errno and filename,
/// mpatch.Error for files of different sizes, an IPS change past 16 MiB or
/// a file changed under the diff, ValueError for an unknown format or a
/// change the format cannot hold.
#[pyfunction]
#[pyo3(signature = (old, new, patch_path, *, format="mpatch", name=None))]
pub fn diff(
    py: Python<'_>,
    old: &Bound<'_, PyAny>,
    new: &Bound<'_, PyAny>,
    patch_path: &Bound<'_, PyAny>,
    format: &str,
    name: Option<String>,
) -> PyResult<DiffResult> {
    let format = format_of(format)?;
    let (old, new, patch) = (args::path(old)?, args::path(new)?, args::path(patch_path)?);
    let mut diff = Diff::new(&old.path, &new.path).format(format);
    if let Some(name) = name {
        diff = diff.name(name);
    }
    let written = py.detach(|| {
        let mut out = Output {
            path: &patch,
            file: None,
        };
        let report = diff.write_to(&mut out).and_then(|report| {
            // Equal files in a format that writes nothing: an empty patch.
            out.flush().map_err(|source| mpatch::Error::Failed {
                path: patch.name(),
                doing: "cannot write the patch",
                source,
            })?;
            Ok(report)
        });
        if report.is_err() {
            out.discard();
        }
        report
    });
    let report = written.map_err(|error| {
        let error = match error {
            // The library names the writer, not the file.
            mpatch::Error::Failed {
                path,
                doing,
                source,
            } if path == "patch output" => mpatch::Error::Failed {
                path: patch.name(),
                doing,
                source,
            },
            other => other,
        };
        to_py(py, error, &[&old, &new, &patch])
    })?;
    Ok(DiffResult {
        size: report.size,
        regions: report.regions,
        changed: report.changed,
        format: format.name().to_owned(),
    })
}

/// Apply the patch at PATCH_PATH in place to PATH_OR_PATHS (a path, or a
/// list of paths: each file gets the whole patch): `mpatch apply`. Returns an ApplyResult whose
/// status is "written", "would write" (dry_run=True) or "already applied"
/// (every file holds the patch's result already: nothing is written, and
/// applying twice is safe).
///
/// The patch's format is found by its magic (mpatch's text, `cmp -l`
/// output, IPS, UPS, BPS, PPF, x64dbg's .1337, IDA's .dif); format=NAME
/// reads it as that format instead. Every file keeps its length.
///
/// It is a compare-and-swap, all or nothing over every region of every
/// file: each file is opened, checked and locked, the patch is read to its
/// end (every checksum verified), every region is compared, and only then
/// is anything written, only the bytes that change (pwrite). A region
/// that holds neither the patch's old bytes nor its new ones, or a file
/// whose CRC32 (UPS, BPS) or checked block (PPF) is not the patch's, is
/// ChangedError; a damaged or truncated patch is mpatch.Error (its
/// filename the patch); a patch for a file of another size (mpatch's
/// header, UPS, BPS), or one that would change the size (an IPS
/// truncation), is mpatch.Error. Nothing is written when one is raised.
/// The GIL is released meanwhile.
///
/// Keywords: reverse (new to old: take the patch back out; the formats
/// that carry the old bytes: mpatch, cmp, UPS, PPF with undo data, .1337,
/// .dif, not IPS or BPS), dry_run (check everything, write nothing),
/// journal=PATH (record the old bytes first, for undo(); created, never
/// overwritten), format=NAME (as diff() names them), any_size (apply an
/// mpatch patch whatever the size its header names; every region must
/// still lie inside the file), no_sync (do not wait for the disk).
///
/// Raises OSError (FileNotFoundError, ...) with errno and filename,
/// ChangedError, mpatch.Error, JournalError, ValueError for an unknown
/// format.
#[pyfunction]
#[pyo3(signature = (patch_path, path_or_paths, *, reverse=false, dry_run=false, journal=None,
    format=None, any_size=false, no_sync=false))]
#[allow(clippy::too_many_arguments)]
pub fn apply(
    py: Python<'_>,
    patch_path: &Bound<'_, PyAny>,
    path_or_paths: &Bound<'_, PyAny>,
    reverse: bool,
    dry_run: bool,
    journal: Option<&Bound<'_, PyAny>>,
    format: Option<&str>,
    any_size: bool,
    no_sync: bool,
) -> PyResult<ApplyResult> {
    let format = format.map(format_of).transpose()?;
    let patch = args::path(patch_path)?;
    let paths = args::paths(path_or_paths)?;
    let journal = journal.map(args::path).transpose()?;
    let files: Vec<&std::ffi::OsStr> = paths.iter().map(|p| p.path.as_os_str()).collect();
    let mut apply = Apply::new(&patch.path)
        .files(&files)
        .format(format)
        .reverse(reverse)
        .any_size(any_size)
        .dry_run(dry_run)
        .sync(!no_sync);
    if let Some(journal) = &journal {
        apply = apply.journal(&journal.path);
    }
    let applied = py.detach(|| apply.run());
    let mut named: Vec<&PathArg> = vec![&patch];
    named.extend(paths.iter());
    named.extend(journal.as_ref());
    let report = applied.map_err(|e| to_py(py, e, &named))?;
    let status = match report.status {
        Applied::Written => "written",
        Applied::WouldWrite => "would write",
        Applied::AlreadyApplied => "already applied",
    };
    let written = report.status != Applied::AlreadyApplied;
    let sum = |of: fn(&mpatch::FileApplied) -> u64| match written {
        true => report.files.iter().map(of).sum(),
        false => 0,
    };
    Ok(ApplyResult {
        status,
        regions: sum(|f| f.regions),
        bytes: sum(|f| f.bytes),
        format: report.format.name().to_owned(),
        named: report.named.clone(),
    })
}
