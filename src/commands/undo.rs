//! `mpatch undo`: put back the old bytes recorded in a journal (the
//! library's [`crate::Undo`]), printing a line for each file.

use super::plan::UndoPlan;
use crate::api::undo::Undo;
use crate::error::{Error, Outcome};
use crate::output::progress::Progress;
use crate::output::{Output, json};

/// Journals from this size (checked and restored: twice its bytes) get a
/// bar on a terminal: about a second's work.
const UNDO_MIN: u64 = 64 << 20;

pub fn run(args: &UndoPlan) -> Result<Outcome, Error> {
    let name = args.journal.display().to_string();
    // Each region is read twice, to check and to restore: the bar counts
    // the journal's bytes both times.
    let len = std::fs::metadata(&args.journal).map_or(0, |m| m.len());
    let progress = Progress::from(args.progress, 2 * len, UNDO_MIN, &name);
    let undone = Undo::new(&args.journal)
        .force(args.force)
        .trust(args.trust)
        .sync(!args.no_sync)
        .lock_timeout(args.lock_timeout)
        .run_metered(&progress)?;
    drop(progress);
    if !undone.complete {
        crate::say!(
            "{name}: note: the run that wrote this journal stopped part-way; restoring what it wrote"
        );
    }
    let mut out = Output::stdout();
    for file in &undone.files {
        if args.json {
            out.json(&json::Restored {
                kind: "restored",
                path: json::PathName::of(&file.path),
                regions: file.restored,
                skipped: file.skipped,
                past_end: file.past_end.iter().map(|&(offset, _)| offset).collect(),
                error: file.error.as_ref().map(ToString::to_string),
            });
        }
        let shown = file.path.display();
        if let Some(error) = &file.error {
            out.flush();
            crate::say!("{error}; not restored");
            continue;
        }
        if args.json {
            continue;
        }
        out.path(&file.path);
        match file.restored {
            0 if file.skipped == 0 => out.line(": already restored"),
            1 => out.line(": 1 region restored"),
            n => out.line(format_args!(": {n} regions restored")),
        }
        if file.skipped > 0 {
            out.flush();
            for (offset, len) in &file.past_end {
                crate::say!(
                    "{shown}: the region at offset {offset} ({len} bytes) lies past the end of the file; not restored"
                );
            }
            let more = file.skipped - file.past_end.len() as u64;
            if let (true, Some((last, _))) = (more > 0, file.past_end.last()) {
                crate::say!(
                    "{shown}: {more} more region(s) after offset {last} lie past the end of the file; not restored"
                );
            }
        }
    }
    if undone.torn {
        out.flush();
        let restored: u64 = undone.files.iter().map(|f| f.restored).sum();
        crate::say!(
            "{name}: the journal has no end (its last block is cut short), so the regions of that block cannot be restored; {restored} region(s) restored from the rest; the journal is kept"
        );
    }
    if let Some(reason) = &undone.not_removed {
        out.flush();
        crate::say!("{name}: warning: restored, but the journal could not be removed: {reason}");
    }
    out.finish(match undone.is_whole() {
        true => Outcome::Done,
        // The journal is kept: it is the way back for what was not restored.
        false => Outcome::Failed,
    })
}
