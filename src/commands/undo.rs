//! `mpatch undo`: put back the old bytes recorded in a journal, after
//! checking that the journal is intact, that each file is the same file and
//! that every region still holds what mpatch wrote (or, after a crash
//! part-way, what was there before).

use std::fs::File;

use crate::cli::UndoArgs;
use crate::error::{Outcome, Problem};
use crate::journal::{self, Entry, Journal};
use crate::map::{MapKind, Mapping};
use crate::output::Output;
use crate::pattern::to_hex;
use crate::target::{Access, Target};

pub fn run(args: &UndoArgs) -> anyhow::Result<Outcome> {
    let name = args.journal.display().to_string();
    let file = File::open(&args.journal).map_err(|e| Problem::io(&name, &e))?;
    let len = file.metadata().map_err(|e| Problem::io(&name, &e))?.len();
    let mapping = Mapping::new(&file, len, MapKind::ReadOnly, &name, false)
        .map_err(|e| Problem::io(&name, &e))?;
    let journal = Journal::parse(mapping.bytes()).map_err(|e| Problem::new(&name, e))?;

    // Check everything before restoring anything.
    let mut targets: Vec<Target> = Vec::new();
    let mut check: Option<(Mapping, Changes)> = None;
    let mut sections = Vec::new();
    for entry in journal.entries() {
        match entry.map_err(|e| Problem::new(&name, e))? {
            Entry::File { identity, path } => {
                if let Some((_, changes)) = check.take() {
                    sections.push(changes);
                }
                let target = Target::open(std::ffi::OsStr::from_bytes(path), Access::Write, true)?;
                target.lock(args.lock_timeout)?;
                if target.identity != identity {
                    return Err(target
                        .problem(format!(
                            "is not the file {name} was written for (its device, inode or size differ); nothing restored"
                        ))
                        .into());
                }
                check = Some((target.map(MapKind::ReadOnly)?, Changes::default()));
                targets.push(target);
            }
            Entry::Region { offset, old, new } => {
                let (Some((bytes, changes)), Some(target)) = (check.as_mut(), targets.last())
                else {
                    return Err(Problem::new(
                        &name,
                        "journal is corrupt (a region before any file)",
                    )
                    .into());
                };
                let now = region(bytes.bytes(), offset, old.len()).ok_or_else(|| {
                    target.problem(format!(
                        "journal region at offset {offset} lies past the end"
                    ))
                })?;
                if now == new {
                    changes.to_restore += 1;
                } else if now != old {
                    changes.conflicts += 1;
                    changes
                        .first_conflict
                        .get_or_insert((offset, to_hex(now), to_hex(new)));
                }
            }
        }
    }
    if let Some((_, changes)) = check.take() {
        sections.push(changes);
    }
    for (target, changes) in targets.iter().zip(&sections) {
        if let Some((offset, now, wrote)) = &changes.first_conflict
            && !args.force
        {
            return Err(target
                .problem(format!(
                    "{} region(s) changed since the journal was written (at offset {offset}: {now}, mpatch wrote {wrote}); nothing restored (--force restores anyway)",
                    changes.conflicts
                ))
                .into());
        }
    }

    let mut out = Output::stdout();
    let mut section = 0;
    let mut writing: Option<(Mapping, u64)> = None;
    let finish =
        |writing: Option<(Mapping, u64)>, section: usize, out: &mut Output| -> anyhow::Result<()> {
            if let Some((mapping, restored)) = writing {
                let target = &targets[section];
                if !args.no_sync {
                    mapping.flush().map_err(|e| {
                        target.problem(format!("flush failed: {}", crate::error::plain_reason(&e)))
                    })?;
                }
                target.check_unchanged()?;
                out.line(format_args!("{}: {restored} regions restored", target.name))?;
            }
            Ok(())
        };
    for entry in journal.entries() {
        match entry.map_err(|e| Problem::new(&name, e))? {
            Entry::File { .. } => {
                if writing.is_some() {
                    finish(writing.take(), section, &mut out)?;
                    section += 1;
                }
                writing = Some((targets[section].map(MapKind::Shared)?, 0));
            }
            Entry::Region { offset, old, .. } => {
                let Some((mapping, restored)) = writing.as_mut() else {
                    continue;
                };
                let target = &targets[section];
                let bytes = mapping.bytes_mut().map_err(|e| target.write_failure(&e))?;
                let at = offset as usize;
                if &bytes[at..at + old.len()] != old {
                    crate::pass::PageWriter::new(old, target)
                        .write(&mut bytes[at..at + old.len()])
                        .map_err(|e| target.write_failure(&e))?;
                    *restored += 1;
                }
            }
        }
    }
    finish(writing.take(), section, &mut out)?;
    drop(mapping);
    std::fs::remove_file(&args.journal).map_err(|e| Problem::io(&name, &e))?;
    let _ = journal::sync_parent(&args.journal);
    out.flush()?;
    Ok(Outcome::Done)
}

#[derive(Default)]
struct Changes {
    to_restore: u64,
    conflicts: u64,
    first_conflict: Option<(u64, String, String)>,
}

fn region(bytes: &[u8], offset: u64, len: usize) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    bytes.get(start..start.checked_add(len)?)
}

use std::os::unix::ffi::OsStrExt;
