//! `peek`, `poke` and `undo`: bytes read and written at an offset, and a
//! journal's old bytes put back, through the library with the GIL released.

use mpatch::{Poke, Position, Undo};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::args::{self, PathArg};
use crate::errors::{own, pythonic, to_py};

/// An offset as Python indexes: negative counts back from the end.
fn position(offset: i64) -> Position {
    match offset < 0 {
        true => Position::FromEnd(offset.unsigned_abs()),
        false => Position::FromStart(offset as u64),
    }
}

/// Read LENGTH bytes of the file at PATH from OFFSET: `mpatch peek -f raw`.
///
/// OFFSET counts from the start, or back from the end when negative (as
/// Python indexes). The bytes are cut at the end of the file, like a
/// slice; an OFFSET at or past the end is an error (mpatch.Error). The
/// file is read with pread, not mapped. Returns bytes.
///
/// Raises OSError (FileNotFoundError, ...) with errno and filename.
#[pyfunction]
#[pyo3(signature = (path, offset, length))]
pub fn peek<'py>(
    py: Python<'py>,
    path: &Bound<'py, PyAny>,
    offset: i64,
    length: u64,
) -> PyResult<Bound<'py, PyBytes>> {
    let path = args::path(path)?;
    let at = position(offset);
    let read = py.detach(|| mpatch::peek(&path.path, at, length));
    let bytes = read.map_err(|e| to_py(py, e, &[&path]))?;
    Ok(PyBytes::new(py, &bytes))
}

/// Write DATA at OFFSET of the file at PATH, in place: `mpatch poke`.
/// Returns the bytes that were there.
///
/// OFFSET counts from the start, or back from the end when negative. The
/// file keeps its length: DATA running past the end is an error
/// (mpatch.Error) and nothing is written. With expect=BYTES, the write is
/// a compare-and-swap: it happens only if those bytes are at OFFSET now,
/// else ChangedError and nothing is written. The file is locked against
/// other mpatch runs meanwhile.
///
/// Keywords: expect (bytes-like), dry_run (check everything, write
/// nothing), journal=PATH (record the old bytes first, for undo(); never
/// overwritten), no_sync (do not wait for the disk), hex (DATA and expect
/// are hex text, as `mpatch poke -x`), escapes (\n, \xHH).
///
/// Raises OSError with errno and filename, ChangedError, JournalError,
/// ValueError for empty DATA.
#[pyfunction]
#[pyo3(signature = (path, offset, data, *, expect=None, dry_run=false, journal=None,
    no_sync=false, hex=false, escapes=false))]
#[allow(clippy::too_many_arguments)]
pub fn poke<'py>(
    py: Python<'py>,
    path: &Bound<'py, PyAny>,
    offset: i64,
    data: &Bound<'py, PyAny>,
    expect: Option<&Bound<'py, PyAny>>,
    dry_run: bool,
    journal: Option<&Bound<'py, PyAny>>,
    no_sync: bool,
    hex: bool,
    escapes: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let options = args::Options::plain(hex, escapes);
    let syntax = options.syntax()?;
    let text_ok = options.text_ok();
    let read = |object: &Bound<'py, PyAny>, what: &str| -> PyResult<Vec<u8>> {
        let given = args::bytes(object, what, text_ok)?;
        mpatch::patterns::read_bytes(what, &given, syntax).map_err(|e| to_py(py, e, &[]))
    };
    let data = read(data, "data")?;
    let expect = expect.map(|e| read(e, "expect")).transpose()?;
    let path = args::path(path)?;
    let journal = journal.map(args::path).transpose()?;
    let at = position(offset);
    let poked = py.detach(|| {
        let mut poke = Poke::new(&path.path, at, &data)
            .dry_run(dry_run)
            .sync(!no_sync);
        if let Some(expect) = &expect {
            poke = poke.expect(expect);
        }
        if let Some(journal) = &journal {
            poke = poke.journal(&journal.path);
        }
        poke.run()
    });
    let mut named: Vec<&PathArg> = vec![&path];
    named.extend(journal.as_ref());
    let poked = poked.map_err(|e| to_py(py, e, &named))?;
    Ok(PyBytes::new(py, &poked.old))
}

/// Put back the old bytes recorded in the journal at JOURNAL by a
/// replace(), poke() or `mpatch` run: `mpatch undo`. Returns the number of
/// regions restored; the journal is removed once everything is.
///
/// Every file and region is checked first: if a file is not the one the
/// journal was written for, or a region no longer holds what mpatch wrote,
/// nothing is restored (ChangedError for changed bytes, mpatch.Error
/// otherwise). force=True restores every region it can, over changed
/// bytes too, and then raises mpatch.Error naming the files it could not
/// use and the regions past their end (with .restored set). A
/// journal whose run was cut short is restored as far as it goes, kept,
/// and JournalError is raised (with .restored).
///
/// Keywords: force, trust_journal (use a journal owned by another user or
/// writable by others, which is refused otherwise: it names the files undo
/// writes), no_sync (do not wait for the disk).
///
/// Raises OSError (FileNotFoundError, ...) with errno and filename for the
/// journal, JournalError for one that cannot be read or trusted.
#[pyfunction]
#[pyo3(signature = (journal, *, force=false, trust_journal=false, no_sync=false))]
pub fn undo(
    py: Python<'_>,
    journal: &Bound<'_, PyAny>,
    force: bool,
    trust_journal: bool,
    no_sync: bool,
) -> PyResult<u64> {
    let journal = args::path(journal)?;
    let undone = py.detach(|| {
        Undo::new(&journal.path)
            .force(force)
            .trust(trust_journal)
            .sync(!no_sync)
            .run()
    });
    let undone = undone.map_err(|e| undo_error(py, e, &journal))?;
    let restored: u64 = undone.files.iter().map(|f| f.restored).sum();
    let mut left: Vec<String> = Vec::new();
    for file in &undone.files {
        if let Some(error) = &file.error {
            left.push(format!("{error}"));
        }
        if file.skipped > 0 {
            let shown = file.past_end.iter().take(10);
            let offsets: Vec<String> = shown.map(|(offset, _)| offset.to_string()).collect();
            let more = match file.skipped as usize > offsets.len() {
                true => ", ...",
                false => "",
            };
            left.push(format!(
                "{}: {} region(s) lie past the end of the file (at offset {}{more})",
                file.path.display(),
                file.skipped,
                offsets.join(", ")
            ));
        }
    }
    let (class, message) = match (undone.torn, left.is_empty()) {
        (false, true) => return Ok(restored),
        (true, _) => (
            "JournalError",
            format!(
                "{}: the journal has no end (its last block is cut short); {restored} region(s) restored from the rest; the journal is kept",
                journal.name()
            ),
        ),
        (false, false) => (
            "Error",
            format!(
                "{restored} region(s) restored; not restored: {}",
                left.join("; ")
            ),
        ),
    };
    let filename = Some(journal.object.clone_ref(py));
    let error = own(py, class, message, filename);
    error.value(py).setattr("restored", restored)?;
    Err(error)
}

/// An undo's error: a file whose regions changed since the journal was
/// written is a ChangedError (nothing was restored), its filename the
/// file. The library gives it as a plain `Error::File` whose path is the
/// file's own error, `FILE: N region(s) changed since the journal was
/// written (...)`, so it is recognised by those words.
fn undo_error(py: Python<'_>, error: mpatch::Error, journal: &PathArg) -> PyErr {
    const CHANGED: &str = " region(s) changed since the journal was written";
    if let mpatch::Error::File { path, .. } = &error
        && let Some(at) = path.find(CHANGED)
    {
        let file = path[..at].rfind(": ").map(|cut| &path[..cut]);
        let filename = file.and_then(|file| file.into_pyobject(py).ok());
        let message = pythonic(error.to_string());
        return own(
            py,
            "ChangedError",
            message,
            filename.map(|f| f.into_any().unbind()),
        );
    }
    to_py(py, error, &[journal])
}
