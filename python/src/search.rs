//! `count`, `find` and `finditer`: a file by its path (mapped by the library,
//! split across cores) or any Python buffer in place, with the GIL released.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Mutex;

use mpatch::scan::{At, Counter, Edit, Flow, MakeSink, Sink, Sinks, Wants};
use mpatch::{Match, Matcher, Search};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use self_cell::self_cell;

use crate::args::{self, Options};
use crate::buffer::{self, Held, Source};
use crate::errors::to_py;

/// The matcher of a find, as the command line builds it: one pattern, or a
/// list of them (`-p` each).
pub fn matcher(py: Python<'_>, pattern: &Bound<'_, PyAny>, options: &Options) -> PyResult<Matcher> {
    let mut pattern_args = options.pattern_args()?;
    let text_ok = options.text_ok();
    if pattern.is_instance_of::<PyList>() || pattern.is_instance_of::<PyTuple>() {
        for item in pattern.try_iter()? {
            pattern_args
                .patterns
                .push(args::bytes(&item?, "pattern", text_ok)?);
        }
        if pattern_args.patterns.is_empty() {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "pattern: the list is empty",
            ));
        }
    } else {
        pattern_args.positional = vec![args::bytes(pattern, "pattern", text_ok)?];
    }
    let (matcher, _) = mpatch::patterns::for_find(&pattern_args).map_err(|e| to_py(py, e, &[]))?;
    Ok(matcher)
}

/// A search with the options' range and selection.
fn search<'m>(matcher: &'m Matcher, options: &Options) -> Search<'m> {
    let mut search = Search::new(matcher).range(options.range());
    if let Some(nth) = options.nth {
        search = search.nth(nth);
    }
    if let Some(max) = options.max_count {
        search = search.max(max);
    }
    search
}

fn paths_of(source: &Source) -> Vec<&args::PathArg> {
    match source {
        Source::Path(path) => vec![path],
        Source::Buffer(_) => vec![],
    }
}

/// Count the matches of PATTERN in SOURCE: `mpatch find -c`.
///
/// SOURCE is a path (str or os.PathLike), searched through a read-only
/// memory map (split across cores when large and in the page cache), or
/// any object with the buffer protocol (bytes, bytearray, memoryview,
/// mmap.mmap), searched in place without a copy. PATTERN is bytes-like, or
/// a list of them (any of which matches, in one pass). The GIL is released
/// during the scan.
///
/// Keywords are the command line's: regex (PATTERN is a byte regex),
/// ignore_case (ASCII letters match either case), hex (PATTERN is hex
/// text, `??` any byte, `4?` any low nibble), escapes (\n, \t, \xHH),
/// start and end (match only inside [start:end), negative from the end,
/// as a slice), nth (only the Nth match, from 1), max_count (at most so
/// many), recursive (SOURCE is a folder, or a list of paths, walked as
/// `mpatch find -r` walks them: ignore files honoured, hidden entries
/// skipped; the count is that of every file). encoding is not supported
/// yet (ValueError).
///
/// Returns the number of matches. Raises FileNotFoundError,
/// PermissionError and other OSError with errno and filename; ValueError
/// for an empty or invalid pattern; mpatch.Error if the file is cut short
/// under the scan.
#[pyfunction]
#[pyo3(signature = (source, pattern, *, regex=false, ignore_case=false, hex=false,
    escapes=false, encoding=None, start=None, end=None, nth=None, max_count=None,
    recursive=false))]
#[allow(clippy::too_many_arguments)]
pub fn count(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    pattern: &Bound<'_, PyAny>,
    regex: bool,
    ignore_case: bool,
    hex: bool,
    escapes: bool,
    encoding: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    nth: Option<u64>,
    max_count: Option<u64>,
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
    let matcher = matcher(py, pattern, &options)?;
    if recursive {
        let roots = args::paths(source)?;
        let counted = py.detach(|| {
            let search = search(&matcher, &options);
            args::walk(&roots)?.iter().try_fold(0, |total, path| {
                Ok(total + search.count_file(path)?.matches)
            })
        });
        return counted.map_err(|e| to_py(py, e, &roots.iter().collect::<Vec<_>>()));
    }
    let source = buffer::source(source)?;
    let counted = py.detach(|| {
        let search = search(&matcher, &options);
        match &source {
            Source::Path(path) => search.count_file(Path::new(&path.path)),
            Source::Buffer(held) => search.scan(held.bytes(), &mut Counter),
        }
    });
    counted
        .map(|tally| tally.matches)
        .map_err(|e| to_py(py, e, &paths_of(&source)))
}

/// A thread's offsets, handed to the shared list when it is dropped.
struct Offsets<'s> {
    found: Vec<u64>,
    all: &'s Mutex<Vec<u64>>,
}

impl Sink for Offsets<'_> {
    fn wants(&self) -> Wants {
        Wants::Edits
    }
    fn edit(&mut self, edit: &Edit, _: &At) -> Result<Flow, mpatch::Error> {
        self.found.push(edit.start as u64);
        Ok(Flow::Go)
    }
}

impl Drop for Offsets<'_> {
    fn drop(&mut self) {
        let mut all = self.all.lock().unwrap_or_else(|e| e.into_inner());
        all.append(&mut self.found);
    }
}

/// The offsets of the matches of PATTERN in SOURCE, in ascending order:
/// `mpatch find`.
///
/// SOURCE is a path (str or os.PathLike), searched through a read-only
/// memory map (split across cores when large and in the page cache), or
/// any object with the buffer protocol (bytes, bytearray, memoryview,
/// mmap.mmap), searched in place without a copy. PATTERN is bytes-like, or
/// a list of them. The GIL is released during the scan.
///
/// Keywords are count()'s: regex, ignore_case, hex, escapes, start, end
/// (a slice of SOURCE: matches must lie inside it), nth, max_count.
/// Offsets are from the start of SOURCE. With recursive=True, SOURCE is
/// a folder (or a list of paths) walked as `mpatch find -r` walks it, and
/// the result is a list of (path, offset) in path order. For millions of
/// matches, use finditer(), which holds a few thousand at a time.
///
/// Raises OSError (FileNotFoundError, ...) with errno and filename,
/// ValueError for an empty or invalid pattern, mpatch.Error if the file
/// is cut short under the scan.
#[pyfunction]
#[pyo3(signature = (source, pattern, *, regex=false, ignore_case=false, hex=false,
    escapes=false, encoding=None, start=None, end=None, nth=None, max_count=None,
    recursive=false))]
#[allow(clippy::too_many_arguments)]
pub fn find<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    pattern: &Bound<'py, PyAny>,
    regex: bool,
    ignore_case: bool,
    hex: bool,
    escapes: bool,
    encoding: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    nth: Option<u64>,
    max_count: Option<u64>,
    recursive: bool,
) -> PyResult<Bound<'py, PyAny>> {
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
    let matcher = matcher(py, pattern, &options)?;
    if recursive {
        return find_walked(py, source, &matcher, &options);
    }
    let source = buffer::source(source)?;
    let found = py.detach(|| {
        let search = search(&matcher, &options);
        match &source {
            Source::Path(path) => offsets_in_file(&search, Path::new(&path.path)),
            Source::Buffer(held) => {
                let all = Mutex::new(Vec::new());
                let mut sink = Offsets {
                    found: Vec::new(),
                    all: &all,
                };
                search.scan(held.bytes(), &mut sink)?;
                drop(sink);
                Ok(all.into_inner().unwrap_or_else(|e| e.into_inner()))
            }
        }
    });
    let found = found.map_err(|e| to_py(py, e, &paths_of(&source)))?;
    Ok(found.into_pyobject(py)?.into_any())
}

/// The offsets of the matches in the file at `path`, ascending (a large
/// file's scan split across cores).
fn offsets_in_file(search: &Search, path: &Path) -> Result<Vec<u64>, mpatch::Error> {
    let all = Mutex::new(Vec::new());
    let make: &MakeSink = &|| {
        Box::new(Offsets {
            found: Vec::new(),
            all: &all,
        })
    };
    search.scan_file(path, Sinks::PerThread(make))?;
    let mut all = all.into_inner().unwrap_or_else(|e| e.into_inner());
    // Each thread's offsets ascend; the threads' come in any order.
    all.sort_unstable();
    Ok(all)
}

/// find(recursive=True): (path, offset) for every match of every file
/// under the roots, in path order.
fn find_walked<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    matcher: &Matcher,
    options: &Options,
) -> PyResult<Bound<'py, PyAny>> {
    let roots = args::paths(source)?;
    let found = py.detach(|| {
        let search = search(matcher, options);
        let mut found = Vec::new();
        for path in args::walk(&roots)? {
            let offsets = offsets_in_file(&search, &path)?;
            if !offsets.is_empty() {
                found.push((path, offsets));
            }
        }
        Ok(found)
    });
    let found = found.map_err(|e| to_py(py, e, &roots.iter().collect::<Vec<_>>()))?;
    let list = PyList::empty(py);
    for (path, offsets) in found {
        let name = path.as_os_str().into_pyobject(py)?;
        for offset in offsets {
            list.append((&name, offset))?;
        }
    }
    Ok(list.into_any())
}

/// The matches of a lazy search, borrowing what they search.
type Walk<'a> = Box<dyn Iterator<Item = Result<Match, mpatch::Error>> + Send + 'a>;

/// What a lazy search owns: the matcher, and the buffer it searches.
struct Owner {
    matcher: Matcher,
    held: Option<Held>,
}

self_cell!(
    struct Lazy {
        owner: Owner,
        #[covariant]
        dependent: Walk,
    }
);

/// Offsets pulled per release of the GIL, at most: the first pull takes
/// one, and each doubles, so that the first match comes back at once.
const BATCH: usize = 4096;

/// The state of a `finditer`, behind a lock (a Python object may be shared
/// between threads).
struct State {
    lazy: Option<Lazy>,
    ready: VecDeque<u64>,
    next_pull: usize,
    error: Option<mpatch::Error>,
    path: Option<args::PathArg>,
}

/// The offsets of a search, lazily: see finditer().
#[pyclass(module = "mpatch")]
pub struct Finder {
    state: Mutex<State>,
}

#[pymethods]
impl Finder {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        // Never wait for the lock while holding the GIL: its holder may be
        // waiting for the GIL to come back from a batch (as a generator,
        // an iterator advanced by two threads at once is an error).
        let mut state = match self.state.try_lock() {
            Ok(state) => state,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(
                    "finditer: already being advanced by another thread",
                ));
            }
        };
        if state.ready.is_empty() && state.error.is_none() {
            let state = &mut *state;
            if let Some(lazy) = state.lazy.as_mut() {
                let want = state.next_pull;
                let (ready, error) = (&mut state.ready, &mut state.error);
                let ended = py.detach(|| pull(lazy, want, ready, error));
                state.next_pull = (want * 2).min(BATCH);
                if ended {
                    // Done: the mapping and the buffer are let go now.
                    state.lazy = None;
                }
            }
        }
        if let Some(offset) = state.ready.pop_front() {
            return Ok(Some(offset));
        }
        match state.error.take() {
            Some(error) => {
                let paths: Vec<_> = state.path.iter().collect();
                Err(to_py(py, error, &paths))
            }
            None => Ok(None),
        }
    }
}

/// Pulls up to `want` offsets into `ready`; an error goes to `error`.
/// Returns whether the search has ended.
fn pull(
    lazy: &mut Lazy,
    want: usize,
    ready: &mut VecDeque<u64>,
    error: &mut Option<mpatch::Error>,
) -> bool {
    lazy.with_dependent_mut(|_, walk| {
        for _ in 0..want {
            match walk.next() {
                Some(Ok(found)) => ready.push_back(found.start as u64),
                Some(Err(e)) => {
                    *error = Some(e);
                    return true;
                }
                None => return true,
            }
        }
        false
    })
}

/// The offsets of the matches of PATTERN in SOURCE, lazily, in ascending
/// order: an iterator of ints that holds at most a few thousand at a time,
/// whatever their number (and gives back the pages of a file behind it).
///
/// SOURCE and the keywords are find()'s: regex, ignore_case, hex,
/// escapes, start, end, nth, max_count. The file is opened and mapped
/// now; the search runs as the iterator is advanced, with the GIL released
/// for each batch. A buffer is held (a bytearray cannot be resized, an
/// mmap not closed) until the iterator ends or is dropped. An error during
/// the search (the file cut short) is raised by next().
#[pyfunction]
#[pyo3(signature = (source, pattern, *, regex=false, ignore_case=false, hex=false,
    escapes=false, encoding=None, start=None, end=None, nth=None, max_count=None))]
#[allow(clippy::too_many_arguments)]
pub fn finditer(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    pattern: &Bound<'_, PyAny>,
    regex: bool,
    ignore_case: bool,
    hex: bool,
    escapes: bool,
    encoding: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    nth: Option<u64>,
    max_count: Option<u64>,
) -> PyResult<Finder> {
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
    let matcher = matcher(py, pattern, &options)?;
    let (held, path) = match buffer::source(source)? {
        Source::Path(path) => (None, Some(path)),
        Source::Buffer(held) => (Some(held), None),
    };
    let owner = Owner { matcher, held };
    let file = path.as_ref().map(|p| p.path.clone());
    let lazy = py.detach(|| {
        Lazy::try_new(owner, |owner| -> Result<Walk<'_>, mpatch::Error> {
            let search = search(&owner.matcher, &options);
            match (&owner.held, &file) {
                (Some(held), _) => Ok(Box::new(search.find(held.bytes()).map(Ok))),
                (None, Some(file)) => Ok(Box::new(search.find_file(Path::new(file))?)),
                (None, None) => unreachable!("a source is a buffer or a path"),
            }
        })
    });
    let paths: Vec<_> = path.iter().collect();
    let lazy = lazy.map_err(|e| to_py(py, e, &paths))?;
    Ok(Finder {
        state: Mutex::new(State {
            lazy: Some(lazy),
            ready: VecDeque::new(),
            next_pull: 1,
            error: None,
            path,
        }),
    })
}
