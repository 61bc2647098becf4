//! What find, finditer and count search: a file named by its path, or a
//! Python buffer searched in place, held for as long as it is borrowed.

use pyo3::buffer::PyUntypedBuffer;
use pyo3::exceptions::{PyBufferError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::args::{self, PathArg};

/// A Python buffer (`bytes`, `bytearray`, `memoryview`, `mmap.mmap`), held:
/// while it is, its exporter neither frees nor resizes its memory.
pub struct Held(PyUntypedBuffer);

impl Held {
    /// The buffer of `object`, which must be C-contiguous (as for `re`).
    pub fn get(object: &Bound<'_, PyAny>) -> PyResult<Held> {
        let buffer = PyUntypedBuffer::get(object)?;
        if !buffer.is_c_contiguous() {
            return Err(PyBufferError::new_err(
                "the buffer is not C-contiguous; search a contiguous copy (bytes(view))",
            ));
        }
        Ok(Held(buffer))
    }

    /// The buffer's bytes, in place.
    pub fn bytes(&self) -> &[u8] {
        let len = self.0.len_bytes();
        if len == 0 {
            return &[];
        }
        // SAFETY: the buffer is held (exported) for as long as `self` is,
        // so its exporter keeps these `len` contiguous bytes allocated and
        // at this address; they may change under the borrow only as a
        // file's bytes change under a mapping, which the search accepts
        // (it sees old or new bytes), as Python's `re` does with a buffer.
        unsafe { std::slice::from_raw_parts(self.0.buf_ptr().cast::<u8>(), len) }
    }
}

/// What a search reads.
pub enum Source {
    /// A file, mapped by the library (with its guard against truncation).
    Path(PathArg),
    /// Bytes in memory.
    Buffer(Held),
}

/// A `str` or `os.PathLike` is a path; any other object with the buffer
/// protocol (`bytes` included) is searched in memory.
pub fn source(object: &Bound<'_, PyAny>) -> PyResult<Source> {
    if object.is_instance_of::<PyString>() || object.hasattr("__fspath__")? {
        return Ok(Source::Path(args::path(object)?));
    }
    match Held::get(object) {
        Ok(held) => Ok(Source::Buffer(held)),
        // No buffer protocol; other errors (a closed mmap) are the object's.
        Err(error) if error.is_instance_of::<PyTypeError>(object.py()) => {
            Err(PyTypeError::new_err(format!(
                "expected a path (str or os.PathLike) or a bytes-like object, not {}",
                args::type_name(object)
            )))
        }
        Err(error) => Err(error),
    }
}
