//! Python's arguments as the library's: paths (`str`, `bytes`, `os.PathLike`),
//! bytes-like patterns, the command line's options, and ranges from slices.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use mpatch::{PatternArgs, Position, RangeSpec, Syntax};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// A path as given: the library's name for it, and the object itself (as
/// Python's own OSError keeps it), for the `filename` of an error.
pub struct PathArg {
    pub path: OsString,
    pub object: Py<PyAny>,
}

impl PathArg {
    /// The name the library gives this path in its errors.
    pub fn name(&self) -> String {
        std::path::Path::new(&self.path).display().to_string()
    }
}

/// A path by `os.fspath`: a `str`, `bytes` or `os.PathLike`.
pub fn path(object: &Bound<'_, PyAny>) -> PyResult<PathArg> {
    let os = object.py().import("os")?;
    let fspath = os.getattr("fspath")?.call1((object,))?;
    let path = match fspath.cast::<PyBytes>() {
        Ok(bytes) => OsString::from_vec(bytes.as_bytes().to_vec()),
        Err(_) => fspath.extract::<OsString>()?,
    };
    if path.is_empty() {
        return Err(PyValueError::new_err("path: is empty"));
    }
    Ok(PathArg {
        path,
        object: object.clone().unbind(),
    })
}

/// Whether `object` is one path (rather than a list of them).
pub fn is_path(object: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(object.is_instance_of::<PyString>()
        || object.is_instance_of::<PyBytes>()
        || object.hasattr("__fspath__")?)
}

/// One path, or every path of an iterable of them.
pub fn paths(object: &Bound<'_, PyAny>) -> PyResult<Vec<PathArg>> {
    if is_path(object)? {
        return Ok(vec![path(object)?]);
    }
    let mut found = Vec::new();
    for item in object.try_iter().map_err(|_| {
        PyTypeError::new_err("expected a path (str, bytes, os.PathLike) or a list of paths")
    })? {
        found.push(path(&item?)?);
    }
    if found.is_empty() {
        return Err(PyValueError::new_err("paths: the list is empty"));
    }
    Ok(found)
}

/// The bytes of a bytes-like argument (copied: patterns are small); a
/// `str` only where its syntax is text (`hex`, `escapes`).
pub fn bytes(object: &Bound<'_, PyAny>, what: &str, text_ok: bool) -> PyResult<OsString> {
    if let Ok(bytes) = object.cast::<PyBytes>() {
        return Ok(OsString::from_vec(bytes.as_bytes().to_vec()));
    }
    if let Ok(text) = object.cast::<PyString>() {
        if text_ok {
            return Ok(OsString::from(text.to_str()?));
        }
        return Err(PyTypeError::new_err(format!(
            "{what}: expected bytes-like, not str (a str is read only with hex=True or escapes=True)"
        )));
    }
    // Any buffer (bytearray, memoryview, array), as its raw bytes.
    let view = object.py().import("builtins")?.getattr("memoryview")?;
    let copy = view
        .call1((object,))
        .and_then(|view| view.call_method0("tobytes"))
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{what}: expected bytes-like, not {}",
                type_name(object)
            ))
        })?;
    Ok(OsString::from_vec(
        copy.cast::<PyBytes>()?.as_bytes().to_vec(),
    ))
}

pub fn type_name(object: &Bound<'_, PyAny>) -> String {
    object
        .get_type()
        .name()
        .map_or_else(|_| "?".into(), |name| name.to_string())
}

/// A byte option (`pad`, `mask`): an int 0..=255, one byte, or the command
/// line's text (one character or `0xHH`).
pub fn byte(object: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<String>> {
    let Some(object) = object else {
        return Ok(None);
    };
    if let Ok(text) = object.cast::<PyString>() {
        return Ok(Some(text.to_str()?.to_owned()));
    }
    if let Ok(value) = object.extract::<i64>() {
        let byte = u8::try_from(value)
            .map_err(|_| PyValueError::new_err(format!("{what}: {value} is not a byte (0-255)")))?;
        return Ok(Some(format!("0x{byte:02x}")));
    }
    let value = bytes(object, what, false)?.into_vec();
    match value[..] {
        [byte] => Ok(Some(format!("0x{byte:02x}"))),
        _ => Err(PyValueError::new_err(format!(
            "{what}: expected one byte, got {}",
            value.len()
        ))),
    }
}

/// The options every search and replace shares, as the command line's.
pub struct Options {
    pub regex: bool,
    pub ignore_case: bool,
    pub hex: bool,
    pub escapes: bool,
    pub encoding: Option<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub nth: Option<u64>,
    pub max_count: Option<u64>,
}

impl Options {
    /// Only a syntax (poke's bytes): every other option left out.
    pub fn plain(hex: bool, escapes: bool) -> Options {
        Options {
            regex: false,
            ignore_case: false,
            hex,
            escapes,
            encoding: None,
            start: None,
            end: None,
            nth: None,
            max_count: None,
        }
    }

    /// The syntax the patterns are read in; the options that cannot be
    /// honoured are refused here, before anything is opened.
    pub fn syntax(&self) -> PyResult<Syntax> {
        if let Some(encoding) = &self.encoding {
            return Err(PyValueError::new_err(format!(
                "encoding={encoding:?}: text encodings are not supported yet (the mpatch library has none); give the encoded bytes"
            )));
        }
        if self.nth == Some(0) {
            return Err(PyValueError::new_err("nth: counts from 1"));
        }
        match (self.hex, self.escapes) {
            (true, true) => Err(PyValueError::new_err(
                "hex and escapes: give one of them, not both",
            )),
            (true, false) => Ok(Syntax::Hex),
            (false, true) => Ok(Syntax::Escapes),
            (false, false) => Ok(Syntax::Literal),
        }
    }

    /// The pattern arguments, with the files given elsewhere.
    pub fn pattern_args(&self) -> PyResult<PatternArgs> {
        Ok(PatternArgs {
            syntax: self.syntax()?,
            regex: self.regex,
            ignore_case: self.ignore_case,
            other_files: true,
            ..PatternArgs::default()
        })
    }

    /// `start` and `end` as Python's slice bounds: negative from the end.
    pub fn range(&self) -> RangeSpec {
        let at = |n: i64| match n < 0 {
            true => Position::FromEnd(n.unsigned_abs()),
            false => Position::FromStart(n as u64),
        };
        RangeSpec {
            start: self.start.map(at),
            end: self.end.map(at),
        }
    }

    /// Whether a text `str` pattern can be read in this syntax.
    pub fn text_ok(&self) -> bool {
        self.hex || self.escapes
    }
}

/// The files under `roots` (directories walked, files as named), as
/// `mpatch -r` walks them: ignore files honoured, hidden entries skipped,
/// in path order.
pub fn walk(roots: &[PathArg]) -> Result<Vec<std::path::PathBuf>, mpatch::Error> {
    mpatch::walk(roots.iter().map(|root| root.path.clone()))?.collect()
}
