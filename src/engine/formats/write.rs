//! Writing a patch in any format from the changed regions of an old file:
//! the options, the checks every writer relies on, and the dispatch.

use std::fmt;
use std::io::{self, Write};

use super::{Format, Source};

/// What a writer needs besides the regions.
pub struct WriteOptions<'a> {
    pub format: Format,
    /// The old file: its size, and (IPS only) the byte before offset
    /// 0x454F46, which IPS cannot name as a record's start.
    pub old: &'a dyn Source,
    /// The CRC32s of the old and the new file as a whole: UPS and BPS
    /// carry them (the caller has both files; see [`super::crc32_of`]).
    pub crcs: Option<FileCrcs>,
    /// x64dbg's module name, IDA's file name, PPF's description (at most
    /// 50 bytes kept).
    pub name: &'a str,
}

/// The CRC32s of the old and the new file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileCrcs {
    pub old: u32,
    pub new: u32,
}

/// Why a patch could not be written.
#[derive(Debug)]
pub enum WriteError {
    /// The output failed.
    Io(io::Error),
    /// The regions or options cannot make a patch of this format.
    Invalid(String),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Io(e) => f.write_str(&crate::error::plain_reason(e)),
            WriteError::Invalid(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for WriteError {}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> WriteError {
        WriteError::Io(e)
    }
}

/// The options as the format writers see them.
pub(crate) struct WriteSpec<'a> {
    pub size: u64,
    pub old: &'a dyn Source,
    pub crcs: Option<FileCrcs>,
    pub name: &'a str,
}

impl WriteSpec<'_> {
    pub fn crcs(&self, title: &str) -> Result<FileCrcs, WriteError> {
        self.crcs.ok_or_else(|| {
            WriteError::Invalid(format!(
                "a {title} patch needs the CRC32s of the old and the new file"
            ))
        })
    }

    /// The name, which must be one line and not empty.
    pub fn line_name(&self, what: &str) -> Result<&str, WriteError> {
        if self.name.trim().is_empty() || self.name.contains(['\n', '\r']) {
            return Err(WriteError::Invalid(format!(
                "{what} must be one line of text, not {:?}",
                self.name
            )));
        }
        Ok(self.name.trim())
    }
}

/// Writes a patch from `regions`: `(offset, old, new)`, `old` and `new`
/// as long as each other, ascending, not overlapping, inside the old file.
/// Bytes where old and new agree may be inside a region; the text formats
/// that list bytes skip them. IPS: offsets must fit its 24 bits. Output
/// goes through a buffer; flushed at the end.
pub fn write<'r, W: Write>(
    out: W,
    options: &WriteOptions,
    regions: impl IntoIterator<Item = (u64, &'r [u8], &'r [u8])>,
) -> Result<(), WriteError> {
    let spec = WriteSpec {
        size: options.old.len(),
        old: options.old,
        crcs: options.crcs,
        name: options.name,
    };
    let mut out = io::BufWriter::new(out);
    let mut checked = Checked {
        inner: regions.into_iter(),
        size: spec.size,
        last_end: 0,
        error: None,
    };
    let written = match options.format {
        Format::Mpatch | Format::CmpList => {
            super::text::write(&mut out, options.format, &spec, &mut checked)
        }
        Format::Ips => super::ips::write(&mut out, &spec, &mut checked),
        Format::Ups => super::ups::write(&mut out, &spec, &mut checked),
        Format::Bps => super::bps::write(&mut out, &spec, &mut checked),
        Format::Ppf => super::ppf::write(&mut out, &spec, &mut checked),
        Format::X64dbg => super::x64dbg::write(&mut out, &spec, &mut checked),
        Format::IdaDif => super::dif::write(&mut out, &spec, &mut checked),
    };
    // A bad region ends the regions early: its error comes first.
    if let Some(error) = checked.error {
        return Err(error);
    }
    written?;
    out.flush()?;
    Ok(())
}

/// The regions, checked as they pass; the first bad one ends them and is
/// kept as the error.
struct Checked<I> {
    inner: I,
    size: u64,
    last_end: u64,
    error: Option<WriteError>,
}

impl<'r, I: Iterator<Item = (u64, &'r [u8], &'r [u8])>> Iterator for Checked<I> {
    type Item = (u64, &'r [u8], &'r [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.error.is_some() {
            return None;
        }
        let (offset, old, new) = self.inner.next()?;
        let end = offset.checked_add(old.len() as u64);
        let problem = if old.len() != new.len() {
            Some(format!(
                "the region at offset {offset} has {} old bytes and {} new",
                old.len(),
                new.len()
            ))
        } else if offset < self.last_end {
            Some(format!(
                "the region at offset {offset} overlaps or comes before the one ending at {}",
                self.last_end
            ))
        } else if end.is_none_or(|end| end > self.size) {
            Some(format!(
                "the region at offset {offset} ({} bytes) runs past the end of the {}-byte file",
                old.len(),
                self.size
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            self.error = Some(WriteError::Invalid(problem));
            return None;
        }
        self.last_end = end.unwrap_or(offset);
        Some((offset, old, new))
    }
}

/// A writer that keeps the CRC32 of what went through it.
pub(crate) struct Crc32Writer<'w> {
    inner: &'w mut dyn Write,
    crc: crc32fast::Hasher,
}

impl<'w> Crc32Writer<'w> {
    pub fn new(inner: &'w mut dyn Write) -> Crc32Writer<'w> {
        Crc32Writer {
            inner,
            crc: crc32fast::Hasher::new(),
        }
    }

    pub fn crc(&self) -> u32 {
        self.crc.clone().finalize()
    }
}

impl Write for Crc32Writer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
