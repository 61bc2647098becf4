//! `replace`: every match of a pattern (or of pairs) replaced in place in
//! one file or several, all or nothing, with the GIL released.

use std::ffi::OsString;

use mpatch::Replace;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::args::{self, Options, PathArg};
use crate::errors::{own, to_py};

/// What replaces each match: the replacement, or pairs, or a mask byte.
fn pattern_args(
    pattern: &Bound<'_, PyAny>,
    replacement: Option<&Bound<'_, PyAny>>,
    options: &Options,
    pad: Option<String>,
    mask: Option<String>,
) -> PyResult<mpatch::PatternArgs> {
    let mut pattern_args = options.pattern_args()?;
    let text_ok = options.text_ok();
    pattern_args.pad = pad;
    if let Ok(pairs) = pattern.cast::<PyDict>() {
        if replacement.is_some() || mask.is_some() || options.regex {
            return Err(PyValueError::new_err(
                "a dict of pairs takes no replacement, mask or regex",
            ));
        }
        if pairs.is_empty() {
            return Err(PyValueError::new_err("pairs: the dict is empty"));
        }
        for (old, new) in pairs.iter() {
            pattern_args
                .pairs
                .push(args::bytes(&old, "pattern", text_ok)?);
            pattern_args
                .pairs
                .push(args::bytes(&new, "replacement", text_ok)?);
        }
        return Ok(pattern_args);
    }
    let mut positional: Vec<OsString> = vec![args::bytes(pattern, "pattern", text_ok)?];
    match (replacement, mask) {
        (Some(_), Some(_)) => {
            return Err(PyValueError::new_err(
                "give a replacement or mask, not both",
            ));
        }
        (None, None) => {
            return Err(PyValueError::new_err(
                "replacement: is missing (or give mask=BYTE)",
            ));
        }
        (Some(replacement), None) => {
            positional.push(args::bytes(replacement, "replacement", text_ok)?);
        }
        (None, Some(mask)) => pattern_args.mask = Some(mask),
    }
    pattern_args.positional = positional;
    Ok(pattern_args)
}

/// The error of a guard that did not hold: nothing was written.
fn expect_error(
    py: Python<'_>,
    expected: u64,
    refused: &[(std::path::PathBuf, u64)],
    paths: &[PathArg],
) -> PyErr {
    let found: Vec<String> = refused
        .iter()
        .map(|(path, count)| format!("{count} in {}", path.display()))
        .collect();
    let message = format!(
        "expected {expected} matches in each file, found {}; nothing written",
        found.join(", ")
    );
    let first = refused.first().and_then(|(path, _)| {
        paths
            .iter()
            .find(|arg| std::path::Path::new(&arg.path) == path)
            .map(|arg| arg.object.clone_ref(py))
    });
    own(py, "ExpectError", message, first)
}

/// Replace every match of PATTERN with REPLACEMENT in place, in TARGET (a
/// path, or a list of paths): `mpatch replace`. Returns the number of
/// matches replaced (in a dry run, that would be).
///
/// The file keeps its length: REPLACEMENT must be as long as PATTERN
/// (LengthError otherwise; pad=BYTE fills a shorter one). PATTERN may be a
/// dict {OLD: NEW, ...} of pairs, all replaced in one pass (then no
/// REPLACEMENT). With regex=True, PATTERN is a byte regex and REPLACEMENT
/// a template (${1}, ${name}); each expansion must be as long as its
/// match, checked before anything is written. mask=BYTE overwrites each
/// match with that byte instead (then no REPLACEMENT).
///
/// Only the bytes that change are written (pwrite), never through a
/// mapping. Several files are all or nothing: each is opened, checked and
/// locked before any is written. The GIL is released during the scan and
/// the writes.
///
/// Keywords are the command line's: regex, ignore_case, hex (hex text,
/// `??` wildcards, which keep the matched bytes in REPLACEMENT), escapes,
/// start and end (a slice: matches must lie inside it), nth, max_count,
/// pad, mask; dry_run (count, write nothing); expect=N (write only if each
/// file has exactly N matches, else ExpectError and nothing is written);
/// journal=PATH (record every changed region first, for undo(); the
/// journal is created, never overwritten); no_sync (do not wait for the
/// disk, as sed -i); recursive (TARGET names folders, walked as `mpatch
/// replace -r` walks them: ignore files honoured, hidden entries skipped;
/// then each file is all or nothing on its own, and an expect that fails
/// in some files leaves the others written). encoding is not supported
/// yet (ValueError).
///
/// Raises OSError (FileNotFoundError, PermissionError, IsADirectoryError,
/// ...) with errno and filename, LengthError, ExpectError, JournalError,
/// ValueError for an empty or invalid pattern, mpatch.Error for a file
/// changed under the run.
#[pyfunction]
#[pyo3(signature = (target, pattern, replacement=None, *, regex=false, ignore_case=false,
    hex=false, escapes=false, encoding=None, start=None, end=None, nth=None, max_count=None,
    pad=None, mask=None, dry_run=false, expect=None, journal=None, no_sync=false,
    recursive=false))]
#[allow(clippy::too_many_arguments)]
pub fn replace(
    py: Python<'_>,
    target: &Bound<'_, PyAny>,
    pattern: &Bound<'_, PyAny>,
    replacement: Option<&Bound<'_, PyAny>>,
    regex: bool,
    ignore_case: bool,
    hex: bool,
    escapes: bool,
    encoding: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    nth: Option<u64>,
    max_count: Option<u64>,
    pad: Option<&Bound<'_, PyAny>>,
    mask: Option<&Bound<'_, PyAny>>,
    dry_run: bool,
    expect: Option<u64>,
    journal: Option<&Bound<'_, PyAny>>,
    no_sync: bool,
    recursive: bool,
) -> PyResult<u64> {
    let options = Options {
        regex,
        ignore_case,
        hex,
        escapes,
        encoding,
        start,
        end,
        nth,
        max_count,
    };
    let (pad, mask) = (args::byte(pad, "pad")?, args::byte(mask, "mask")?);
    let pattern_args = pattern_args(pattern, replacement, &options, pad, mask)?;
    let paths = args::paths(target)?;
    let journal = journal.map(args::path).transpose()?;
    let mut named: Vec<&PathArg> = paths.iter().collect();
    named.extend(journal.as_ref());
    let (matcher, replacement, _) =
        mpatch::patterns::for_replace(&pattern_args).map_err(|e| to_py(py, e, &[]))?;
    let files: Vec<&std::ffi::OsStr> = paths.iter().map(|p| p.path.as_os_str()).collect();
    let report = py.detach(|| {
        let mut run = Replace::new(&matcher, &replacement)
            .range(options.range())
            .dry_run(dry_run)
            .sync(!no_sync);
        if let Some(nth) = options.nth {
            run = run.nth(nth);
        }
        if let Some(max) = options.max_count {
            run = run.max(max);
        }
        if let Some(expected) = expect {
            run = run.expect(expected);
        }
        if let Some(journal) = &journal {
            run = run.journal(&journal.path);
        }
        if !recursive {
            return run.files(&files);
        }
        // A walk: each file on its own, as `mpatch replace -r`.
        let mut total = mpatch::Report::default();
        for path in args::walk(&paths)? {
            let report = run.files(&[path])?;
            total.matches += report.matches;
            total.refused.extend(report.refused);
        }
        Ok(total)
    });
    let report = report.map_err(|e| to_py(py, e, &named))?;
    if let Some(expected) = expect
        && !report.refused.is_empty()
    {
        return Err(expect_error(py, expected, &report.refused, &paths));
    }
    Ok(report.matches)
}
