//! The library's errors as Python's: `OSError` subclasses with `errno` and
//! `filename`, `ValueError`, and the module's own classes (mpatch/_errors.py).

use std::io;

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

use crate::args::PathArg;

/// An instance of one of the module's own classes (`Error`, `LengthError`,
/// `ExpectError`, `ChangedError`, `JournalError`).
pub fn own(py: Python<'_>, class: &str, message: String, filename: Option<Py<PyAny>>) -> PyErr {
    let made = py
        .import("mpatch._errors")
        .and_then(|module| module.getattr(class))
        .and_then(|class| class.call1((message, filename)));
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(error) => error,
    }
}

/// The Python object a path was given as, found by the library's name for
/// it; else the name.
fn filename(py: Python<'_>, name: &str, paths: &[&PathArg]) -> Py<PyAny> {
    match paths.iter().find(|arg| arg.name() == name) {
        Some(arg) => arg.object.clone_ref(py),
        None => name
            .into_pyobject(py)
            .map_or_else(|_| py.None(), |s| s.into_any().unbind()),
    }
}

/// An `OSError` (the subclass its errno names, such as `FileNotFoundError`)
/// with `errno`, `strerror` and `filename`; `doing` comes before the reason.
fn os_error(source: &io::Error, doing: Option<&str>, file: Py<PyAny>) -> PyErr {
    // Python's own words (os.strerror), as its OSErrors have them.
    let errno = errno_of(source);
    let reason = match errno {
        Some(errno) => {
            let text = io::Error::from_raw_os_error(errno).to_string();
            text.rfind(" (os error ")
                .map_or(text.clone(), |cut| text[..cut].to_owned())
        }
        None => mpatch::error::plain_reason(source),
    };
    let reason = match doing {
        Some(doing) => format!("{doing}: {reason}"),
        None => reason,
    };
    match errno {
        Some(errno) => PyOSError::new_err((errno, reason, file)),
        None => PyOSError::new_err((0, reason, file)),
    }
}

/// The errno of `error`, or of the error it wraps (a walk's errors come
/// wrapped with words of their own).
fn errno_of(error: &io::Error) -> Option<i32> {
    if let Some(errno) = error.raw_os_error() {
        return Some(errno);
    }
    let mut inner: Option<&(dyn std::error::Error + 'static)> = error.get_ref().map(|e| e as _);
    while let Some(cause) = inner {
        if let Some(errno) = cause
            .downcast_ref::<io::Error>()
            .and_then(io::Error::raw_os_error)
        {
            return Some(errno);
        }
        inner = cause.source();
    }
    None
}

/// `error` as a Python exception; `paths` are the paths of the call, for
/// the `filename` of the exception.
pub fn to_py(py: Python<'_>, error: mpatch::Error, paths: &[&PathArg]) -> PyErr {
    use mpatch::Error as E;
    let message = pythonic(error.to_string());
    match error {
        E::Length { what, .. } => {
            let file = paths
                .iter()
                .any(|arg| arg.name() == what)
                .then(|| filename(py, &what, paths));
            own(py, "LengthError", message, file)
        }
        // A compare-and-swap that did not hold: bytes, or a patch's
        // checksum of the whole file.
        E::Changed { path, .. } | E::WrongFile { path, .. } => own(
            py,
            "ChangedError",
            message,
            Some(filename(py, &path, paths)),
        ),
        // A patch that cannot be used: named as its path (a text format's
        // line too).
        E::Patch { patch, .. } => own(py, "Error", message, Some(filename(py, &patch, paths))),
        E::Argument { .. } => PyValueError::new_err(message),
        E::Io { path, source } => os_error(&source, None, filename(py, &path, paths)),
        E::Failed {
            path,
            doing,
            source,
        } => os_error(&source, Some(doing), filename(py, &path, paths)),
        E::NoSpace { path } => {
            let source = io::Error::from_raw_os_error(libc::ENOSPC);
            os_error(&source, None, filename(py, &path, paths))
        }
        E::Journal { path, .. } => own(
            py,
            "JournalError",
            message,
            Some(filename(py, &path, paths)),
        ),
        E::File { path, .. }
        | E::Resized { path, .. }
        | E::WrittenPastEnd { path, .. }
        | E::Unreadable { path } => own(py, "Error", message, Some(filename(py, &path, paths))),
        E::Stdout(source) => os_error(&source, None, py.None()),
    }
}

/// A library message with the command line's options named as keywords.
fn pythonic(message: String) -> String {
    [
        ("--pad BYTE", "pad=BYTE"),
        ("--mask BYTE", "mask=BYTE"),
        ("--regex", "regex=True"),
        ("--force", "force=True"),
        ("--trust-journal", "trust_journal=True"),
    ]
    .iter()
    .fold(message, |text, (option, keyword)| {
        text.replace(option, keyword)
    })
}
