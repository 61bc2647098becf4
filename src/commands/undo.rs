//! `mpatch undo`: put back the old bytes recorded in a journal, after
//! checking that the journal is intact, that each file is the same file and
//! that every region still holds what mpatch wrote (or, after a crash
//! part-way, what was there before).

use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;

use crate::bytesink::ByteSink;
use crate::cli::UndoArgs;
use crate::error::{Error, Outcome, plain_reason};
use crate::journal::{self, Journal, Region, Section};
use crate::output::Output;
use crate::pattern::to_hex;
use crate::target::{Access, Target};

/// Files of a journal held open (and locked) from the check to the restore.
const KEEP_OPEN: usize = 16;

pub fn run(args: &UndoArgs) -> Result<Outcome, Error> {
    let name = args.journal.display().to_string();
    // Opened like any input: a FIFO or a directory is refused, not waited on.
    let input = Target::open(args.journal.as_os_str(), Access::Read, false)?;
    if input.is_device {
        return Err(input.problem("is a block device, not a journal"));
    }
    let corrupt = |reason: String| Error::Journal {
        path: name.clone(),
        reason,
    };
    let journal = Journal::open(&input.file, input.len()).map_err(corrupt)?;

    // Open, lock and check every file before restoring any. The files of a
    // large tree are not all held open: past the first KEEP_OPEN, each is
    // opened, locked and checked again when its turn to be restored comes.
    let open_checked = |section: &Section| -> Result<Target, Error> {
        let target = Target::open(OsStr::from_bytes(&section.path), Access::Write, true)?;
        target.lock(args.lock_timeout)?;
        if target.identity != section.identity {
            return Err(target.problem(format!(
                "is not the file {name} was written for (its device, inode or size differ); nothing restored"
            )));
        }
        check_regions(&journal, &target, section, args.force).map_err(|e| match e {
            Checked::Journal(reason) => corrupt(reason),
            Checked::File(error) => error,
        })?;
        Ok(target)
    };
    let mut files = Vec::new();
    for (i, section) in journal.sections().iter().enumerate() {
        let target = open_checked(section)?;
        files.push((i < KEEP_OPEN).then_some(target));
    }

    let mut out = Output::stdout();
    for (kept, section) in files.into_iter().zip(journal.sections()) {
        let target = match kept {
            Some(target) => target,
            None => match open_checked(section) {
                Ok(target) => target,
                Err(error) => {
                    out.flush();
                    return Err(error);
                }
            },
        };
        let target = &target;
        match restore(&journal, target, section, args.no_sync) {
            Ok(0) => {
                out.path(&target.path);
                out.line(": already restored");
            }
            Ok(restored) => {
                out.path(&target.path);
                out.line(format_args!(": {restored} regions restored"));
            }
            Err(Checked::Journal(reason)) => return Err(corrupt(reason)),
            Err(Checked::File(error)) => {
                out.flush();
                return Err(error);
            }
        }
    }
    drop(journal);
    // Every file is restored and flushed: a journal left behind is only
    // untidy, and running undo again on it finds everything restored.
    if let Err(error) =
        std::fs::remove_file(&args.journal).and_then(|()| journal::sync_parent(&args.journal))
    {
        out.flush();
        crate::say!(
            "{name}: warning: restored, but the journal could not be removed: {}",
            plain_reason(&error)
        );
    }
    out.finish(Outcome::Done)
}

/// A failure while reading a journal's regions, or while using its file.
enum Checked {
    Journal(String),
    File(Error),
}

impl From<String> for Checked {
    fn from(reason: String) -> Checked {
        Checked::Journal(reason)
    }
}

impl From<Error> for Checked {
    fn from(error: Error) -> Checked {
        Checked::File(error)
    }
}

/// The bytes of `region` as the file holds them now; `None` past the end.
fn now_at(target: &Target, region: &Region) -> Result<Option<Vec<u8>>, Error> {
    let inside = region
        .offset
        .checked_add(region.old.len() as u64)
        .is_some_and(|end| end <= target.len());
    if !inside {
        return Ok(None);
    }
    let mut now = vec![0; region.old.len()];
    target
        .file
        .read_exact_at(&mut now, region.offset)
        .map_err(|e| Error::io(&target.name, e))?;
    Ok(Some(now))
}

/// Fails unless every region lies inside the file and holds what mpatch
/// left there (`force` lets other bytes through).
fn check_regions(
    journal: &Journal<&File>,
    target: &Target,
    section: &Section,
    force: bool,
) -> Result<(), Checked> {
    let mut changed = 0u64;
    let mut first = None;
    for region in journal.regions(section) {
        let region = region?;
        let Some(now) = now_at(target, &region)? else {
            return Err(target
                .problem(format!(
                    "journal region at offset {} lies past the end; nothing restored",
                    region.offset
                ))
                .into());
        };
        if force || written_by_us(&now, &region.old, &region.new) {
            continue;
        }
        changed += 1;
        first.get_or_insert((region.offset, to_hex(&now), to_hex(&region.new)));
    }
    match first {
        None => Ok(()),
        Some((offset, now, wrote)) => Err(target
            .problem(format!(
                "{changed} region(s) changed since the journal was written (at offset {offset}: {now}, mpatch wrote {wrote}); nothing restored (--force restores anyway)"
            ))
            .into()),
    }
}

/// Writes the old bytes back where they are not already; returns how many
/// regions changed.
fn restore(
    journal: &Journal<&File>,
    target: &Target,
    section: &Section,
    no_sync: bool,
) -> Result<u64, Checked> {
    let view = target.map()?;
    let mut sink = ByteSink::file(target, &view);
    let mut writer = sink.writer();
    let mut restored = 0;
    for region in journal.regions(section) {
        let region = region?;
        let now = now_at(target, &region)?;
        if now.as_deref() != Some(&region.old[..]) {
            writer.put(region.offset as usize, &region.old)?;
            restored += 1;
        }
    }
    writer.flush()?;
    sink.finish(!no_sync)?;
    Ok(restored)
}

/// Whether a region holds what mpatch left there: the new bytes, the old
/// ones (not reached), or, where a run was killed in the middle of a write,
/// some of each, byte by byte.
fn written_by_us(now: &[u8], old: &[u8], new: &[u8]) -> bool {
    now.iter()
        .zip(old)
        .zip(new)
        .all(|((n, o), w)| n == o || n == w)
}

#[cfg(test)]
mod tests {
    use super::written_by_us;

    #[test]
    fn a_torn_write_is_ours_and_a_foreign_byte_is_not() {
        assert!(written_by_us(b"FIXED", b"ERROR", b"FIXED"));
        assert!(written_by_us(b"ERROR", b"ERROR", b"FIXED"));
        assert!(
            written_by_us(b"FIXOR", b"ERROR", b"FIXED"),
            "killed mid-copy"
        );
        assert!(!written_by_us(b"FIXEZ", b"ERROR", b"FIXED"));
    }
}
