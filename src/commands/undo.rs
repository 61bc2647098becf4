//! `mpatch undo`: put back the old bytes recorded in a journal, after
//! checking that the journal is intact, that each file is the same file and
//! that every region still holds what mpatch wrote (or, after a crash
//! part-way, what was there before).

use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;

use crate::cli::UndoArgs;
use crate::error::{Outcome, Problem};
use crate::journal::{self, Journal, Section};
use crate::map::{MapKind, Mapping};
use crate::output::Output;
use crate::pass::PageWriter;
use crate::pattern::to_hex;
use crate::target::{Access, Target};

pub fn run(args: &UndoArgs) -> anyhow::Result<Outcome> {
    let name = args.journal.display().to_string();
    let file = File::open(&args.journal).map_err(|e| Problem::io(&name, &e))?;
    let len = file.metadata().map_err(|e| Problem::io(&name, &e))?.len();
    let mapping = Mapping::new(&file, len, MapKind::ReadOnly, &name, false)
        .map_err(|e| Problem::io(&name, &e))?;
    let journal = Journal::parse(mapping.bytes()).map_err(|e| Problem::new(&name, e))?;

    // Open, lock and check every file before restoring any.
    let mut files = Vec::new();
    for section in journal.sections() {
        let target = Target::open(OsStr::from_bytes(section.path), Access::Write, true)?;
        target.lock(args.lock_timeout)?;
        if target.identity != section.identity {
            return Err(target
                .problem(format!(
                    "is not the file {name} was written for (its device, inode or size differ); nothing restored"
                ))
                .into());
        }
        check_regions(&target, &section, args.force)?;
        files.push((target, section));
    }

    let mut out = Output::stdout();
    for (target, section) in &files {
        let restored = restore(target, section, args.no_sync)?;
        out.line(format_args!("{}: {restored} regions restored", target.name))?;
    }
    drop(mapping);
    std::fs::remove_file(&args.journal).map_err(|e| Problem::io(&name, &e))?;
    let _ = journal::sync_parent(&args.journal);
    out.flush()?;
    Ok(Outcome::Done)
}

/// Fails unless every region lies inside the file and holds what mpatch
/// left there (`force` lets other bytes through).
fn check_regions(target: &Target, section: &Section, force: bool) -> Result<(), Problem> {
    let mapping = target.map(MapKind::ReadOnly)?;
    if let Some((offset, _, _)) = section
        .regions()
        .find(|(offset, old, _)| region(mapping.bytes(), *offset, old.len()).is_none())
    {
        return Err(target.problem(format!(
            "journal region at offset {offset} lies past the end; nothing restored"
        )));
    }
    if force {
        return Ok(());
    }
    let mut changed = section.regions().filter_map(|(offset, old, new)| {
        match region(mapping.bytes(), offset, old.len()) {
            Some(now) if written_by_us(now, old, new) => None,
            now => Some((
                offset,
                now.map_or_else(|| "nothing (past the end)".into(), to_hex),
                to_hex(new),
            )),
        }
    });
    let Some((offset, now, wrote)) = changed.next() else {
        return Ok(());
    };
    Err(target.problem(format!(
        "{} region(s) changed since the journal was written (at offset {offset}: {now}, mpatch wrote {wrote}); nothing restored (--force restores anyway)",
        1 + changed.count()
    )))
}

/// Writes the old bytes back where they are not already; returns how many
/// regions changed.
fn restore(target: &Target, section: &Section, no_sync: bool) -> anyhow::Result<u64> {
    let mut mapping = target.map(MapKind::Shared)?;
    let bytes = mapping.bytes_mut().map_err(|e| target.write_failure(&e))?;
    let mut restored = 0;
    for (offset, old, _) in section.regions() {
        let at = usize::try_from(offset)
            .ok()
            .filter(|at| at + old.len() <= bytes.len());
        let Some(at) = at else {
            return Err(target
                .problem(format!(
                    "journal region at offset {offset} lies past the end"
                ))
                .into());
        };
        if bytes[at..at + old.len()] != *old {
            PageWriter::new(old, target)
                .write(&mut bytes[at..at + old.len()])
                .map_err(|e| target.write_failure(&e))?;
            restored += 1;
        }
    }
    super::settle_file(target, &mapping, !no_sync)?;
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

fn region(bytes: &[u8], offset: u64, len: usize) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    bytes.get(start..start.checked_add(len)?)
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
