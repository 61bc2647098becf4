//! `mpatch undo`: put back the old bytes recorded in a journal, after
//! checking that the journal is intact, that each file is the same file and
//! that every region still holds what mpatch wrote (or, after a crash
//! part-way, what was there before).

use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;

use super::plan::UndoPlan;
use crate::engine::pattern::to_hex;
use crate::error::{Error, Outcome, plain_reason};
use crate::io::journal::{self, Journal, Region, Section};
use crate::io::target::{Access, Target};
use crate::output::Output;

/// Files of a journal held open (and locked) from the check to the restore.
const KEEP_OPEN: usize = 16;

pub fn run(args: &UndoPlan) -> Result<Outcome, Error> {
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
    if !journal.complete {
        crate::say!(
            "{name}: note: the run that wrote this journal stopped part-way; restoring what it wrote"
        );
    }

    // Open, lock and check every file before restoring any. The files of a
    // large tree are not all held open: past the first KEEP_OPEN, each is
    // opened, locked and checked again when its turn to be restored comes.
    // With --force a file that cannot be used is named and the others go on.
    let open_checked = |section: &Section| -> Result<Target, Checked> {
        let target = Target::open(OsStr::from_bytes(&section.path), Access::Write, true)?;
        target.lock(args.lock_timeout)?;
        if !section.identity.same_file(&target.identity) {
            return Err(target
                .problem(format!(
                    "is not the file {name} was written for (its device, inode or birth time differ)"
                ))
                .into());
        }
        check_regions(&journal, &target, section, args.force)?;
        Ok(target)
    };
    let mut files = Vec::new();
    let mut failed = 0;
    for (i, section) in journal.sections().iter().enumerate() {
        match open_checked(section) {
            Ok(target) => files.push((section, (i < KEEP_OPEN).then_some(target))),
            Err(Checked::Journal(reason)) => return Err(corrupt(reason)),
            Err(Checked::File(error)) if args.force => {
                crate::say!("{error}; not restored");
                failed += 1;
            }
            Err(Checked::File(error)) => {
                return Err(Error::file(
                    error.to_string(),
                    "nothing restored (--force restores what it can)",
                ));
            }
        }
    }

    let mut out = Output::stdout();
    for (section, kept) in files {
        let target = match kept {
            Some(target) => Ok(target),
            None => open_checked(section),
        };
        let restored = target.and_then(|target| {
            let restored = restore(&journal, &target, section, args.no_sync)?;
            Ok((target, restored))
        });
        match restored {
            Ok((target, (restored, skipped))) => {
                out.path(&target.path);
                match restored {
                    0 if skipped == 0 => out.line(": already restored"),
                    _ => out.line(format_args!(": {restored} regions restored")),
                }
                if skipped > 0 {
                    out.flush();
                    crate::say!(
                        "{}: {skipped} region(s) lie past the end of the file; not restored",
                        target.name
                    );
                    failed += 1;
                }
            }
            Err(Checked::Journal(reason)) => return Err(corrupt(reason)),
            Err(Checked::File(error)) => {
                out.flush();
                if !args.force {
                    return Err(error);
                }
                crate::say!("{error}; not restored");
                failed += 1;
            }
        }
    }
    drop(journal);
    if failed > 0 {
        // The journal is kept: it is the way back for what was not restored.
        return out.finish(Outcome::Failed);
    }
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

/// The bytes of `region` as the file holds them now; `None` past the end
/// (a file may have grown since: its regions are where they were).
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
/// left there; `force` lets other bytes, and regions past the end, through
/// (they are named when restoring).
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
        let now = now_at(target, &region)?;
        if force {
            continue;
        }
        let Some(now) = now else {
            return Err(target
                .problem(format!(
                    "journal region at offset {} lies past the end of the file ({} bytes)",
                    region.offset,
                    target.len()
                ))
                .into());
        };
        if written_by_us(&now, &region.old, &region.new) {
            continue;
        }
        changed += 1;
        first.get_or_insert((region.offset, to_hex(&now), to_hex(&region.new)));
    }
    match first {
        None => Ok(()),
        Some((offset, now, wrote)) => Err(target
            .problem(format!(
                "{changed} region(s) changed since the journal was written (at offset {offset}: {now}, mpatch wrote {wrote})"
            ))
            .into()),
    }
}

/// Writes the old bytes back where they are not already; returns how many
/// regions changed, and how many lie past the end and were left.
fn restore(
    journal: &Journal<&File>,
    target: &Target,
    section: &Section,
    no_sync: bool,
) -> Result<(u64, u64), Checked> {
    let mut back = Vec::new();
    let (mut restored, mut skipped) = (0, 0);
    for region in journal.regions(section) {
        let region = region?;
        match now_at(target, &region)? {
            None => skipped += 1,
            Some(now) if now == region.old => {}
            Some(now) => {
                back.push((region.offset, now, region.old));
                restored += 1;
            }
        }
    }
    let regions = back.iter().map(|(at, now, old)| (*at, &now[..], &old[..]));
    super::write_regions(target, false, None, regions, !no_sync && restored > 0)?;
    Ok((restored, skipped))
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
