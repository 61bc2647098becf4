//! The journal a write command keeps, and writing a few regions (poke,
//! apply, undo) through the one writer, journalled first when asked.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::error::{Error, plain_reason};
use crate::io::journal;
use crate::io::target::Target;
use crate::io::writer::{BUFFER, FileSink, Journalled};

/// Writes `regions` (offset, old bytes, new bytes; ascending, apart) into
/// `target` through the one writer, journalled first when the run keeps a
/// journal; a dry run writes nothing. Waits for the disk when `sync` is
/// set; returns the bytes appended to the file meanwhile.
pub fn write_regions<'r>(
    target: &Target,
    dry_run: bool,
    journal: Option<&Recorder>,
    mut regions: impl Iterator<Item = (u64, &'r [u8], &'r [u8])>,
    sync: bool,
) -> Result<u64, Error> {
    write_with(target, dry_run, journal, sync, &mut |put| {
        regions.try_for_each(|(offset, old, new)| put(offset, old, new))
    })
}

/// How [`write_with`]'s caller hands over each region: offset, old bytes,
/// new bytes.
pub type Put<'p> = dyn FnMut(u64, &[u8], &[u8]) -> Result<(), Error> + 'p;

/// [`write_regions`] for regions made as they are written (from buffers
/// of the caller's): `feed` gives each to the writer, in ascending order.
/// In a dry run `feed` runs all the same, with a writer that writes
/// nothing.
pub fn write_with(
    target: &Target,
    dry_run: bool,
    journal: Option<&Recorder>,
    sync: bool,
    feed: &mut dyn FnMut(&mut Put) -> Result<(), Error>,
) -> Result<u64, Error> {
    if dry_run {
        feed(&mut |_, _, _| Ok(()))?;
        return target.check_unchanged();
    }
    let section = journal.map(|journal| journal.section(target)).transpose()?;
    let file = FileSink::new(target, section, BUFFER);
    let mut writer = file.writer();
    let mut wrote = false;
    let result = feed(&mut |offset, old, new| {
        wrote = true;
        writer.put(offset as usize, old, new, usize::MAX)
    })
    .and_then(|()| writer.settle(usize::MAX));
    drop(writer);
    if let Err(error) = result {
        if sync {
            let _ = file.sync();
        }
        return Err(error);
    }
    file.finish(sync && wrote)
}

/// The undo journal of a write command, naming the journal in every
/// error. Blocks are appended as the writers write (see
/// [`crate::io::writer::Journalled`]); a journal that records nothing is
/// removed when the run ends.
pub struct Recorder {
    appender: journal::Appender,
    name: String,
}

impl Recorder {
    pub fn create(path: &Path) -> Result<Recorder, Error> {
        let name = path.display().to_string();
        match journal::Appender::create(path) {
            Ok(appender) => Ok(Recorder { appender, name }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::Journal {
                path: name,
                reason: "already exists; a journal is never overwritten".into(),
            }),
            Err(e) => Err(self::journal_error(name, &e)),
        }
    }

    /// Where the blocks of `target` go: its section, by its absolute path.
    pub fn section(&self, target: &Target) -> Result<Journalled<'_>, Error> {
        let absolute =
            std::fs::canonicalize(&target.path).map_err(|e| Error::io(&target.name, e))?;
        Ok(Journalled::new(
            &self.appender,
            &self.name,
            target.identity,
            absolute.as_os_str().as_bytes(),
        ))
    }

    pub fn path(&self) -> &Path {
        self.appender.path()
    }

    /// Ends the journal: its trailer, synced, or, if nothing was written,
    /// no journal at all.
    pub fn finish(self) -> Result<(), Error> {
        let name = self.name.clone();
        self.appender
            .finish()
            .map(|_| ())
            .map_err(|e| journal_error(name, &e))
    }
}

fn journal_error(path: String, error: &std::io::Error) -> Error {
    Error::Journal {
        path,
        reason: plain_reason(error),
    }
}
