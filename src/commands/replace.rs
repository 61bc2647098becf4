//! `mpatch replace`: same-length replacement of every match, in place, or
//! on a private copy-on-write mapping for a dry run; guarded by `--expect`
//! and recorded by `--journal` before the first byte changes.

use std::time::Instant;

use serde_json::json;

use crate::bytesink::ByteSink;
use crate::cli::ReplaceArgs;
use crate::error::{Error, Outcome};
use crate::output::{self, HitStyle, Output, Printer};
use crate::pass::{self, Count, Hit, Plan, Sink};
use crate::pattern;
use crate::progress::Progress;
use crate::scan::Scanner;
use crate::target::Target;

use super::{Record, Recorder, Selection, open_all, read_bytes, read_bytes_or_empty, wants_sync};

pub fn run(args: &ReplaceArgs) -> Result<Outcome, Error> {
    let syntax = args.syntax.into();
    let pattern = read_bytes("pattern", &args.pattern, syntax)?;
    let mut replacement = match &args.pad {
        Some(_) => read_bytes_or_empty("replacement", &args.replacement, syntax)?,
        None => read_bytes("replacement", &args.replacement, syntax)?,
    };
    if let Some(pad) = &args.pad {
        let byte = pattern::parse_pad(pad).map_err(|e| Error::argument("--pad", e))?;
        if replacement.len() < pattern.len() {
            replacement.resize(pattern.len(), byte);
        }
    }
    if replacement.len() != pattern.len() {
        return Err(Error::argument(
            "replacement",
            format!(
                "is {} bytes but the pattern is {} bytes; they must be the same length{}",
                replacement.len(),
                pattern.len(),
                if replacement.len() < pattern.len() {
                    " (--pad BYTE fills a shorter one)"
                } else {
                    ""
                }
            ),
        ));
    }
    let scanner = Scanner::new(&pattern);
    let selection = Selection::parse(&args.select)?;
    let targets = open_all(&args.files, &args.write)?;
    let plans = targets
        .iter()
        .map(|target| Plan {
            scanner: &scanner,
            replacement: Some(&replacement),
            range: selection.range_in(target),
            nth: selection.nth,
            max: selection.max,
            context: args.report.context.unwrap_or(0),
        })
        .collect::<Vec<_>>();

    // The check phase: nothing is written until every file has passed it.
    // A guard needs the counts; a match that may lie in a hole needs its
    // blocks provided now, so that a full disk stops the run here; and
    // reading a hole may fail (a full tmpfs), which must fail here too.
    let in_holes = |target: &Target| target.has_holes && pattern.contains(&0);
    if args.expect.is_some() || targets.iter().any(|target| target.has_holes) {
        let mut holds = true;
        for (target, plan) in targets.iter().zip(&plans) {
            let mut reserve = Reserve { target };
            let sink: &mut dyn Sink = match in_holes(target) && !args.write.dry_run {
                true => &mut reserve,
                false => &mut Count,
            };
            let view = target.map()?;
            let read_only = Plan {
                context: 0,
                ..*plan
            };
            let found = pass::run(target, &view, &read_only, sink, None, &Progress::none())?;
            if let Some(expected) = args.expect
                && found.matches != expected
            {
                eprintln!(
                    "mpatch: {}: {} matches, --expect {expected}; no file written",
                    target.name, found.matches
                );
                holds = false;
            }
        }
        if !holds {
            return Ok(Outcome::NothingDone);
        }
    }
    if let Some(path) = args.write.journal.as_ref().filter(|_| !args.write.dry_run) {
        record_journal(path, &targets, &plans, &replacement)?;
    }

    let style = HitStyle {
        show_name: args.files.len() > 1,
        hex_offsets: args.report.hex_offsets,
        json: args.report.json,
        context: args.report.context.is_some(),
    };
    let verb = if args.write.dry_run {
        "would be replaced"
    } else {
        "replaced"
    };
    let mut out = Output::stdout();
    let mut total = 0;
    for (target, plan) in targets.iter().zip(&plans) {
        let started = Instant::now();
        let view = target.map()?;
        let mut bytes = match args.write.dry_run {
            true => ByteSink::private_copy(target)?,
            false => ByteSink::file(target, &view),
        };
        let progress = Progress::new(args.report.progress.into(), target.len(), &target.name);
        let mut printer = Printer {
            out: &mut out,
            style,
            name: &target.name,
            path: &target.path,
            each: !args.report.quiet && (style.json || style.context),
            stops_when_closed: false,
        };
        let patched = pass::run(
            target,
            &view,
            plan,
            &mut printer,
            Some(&mut bytes),
            &progress,
        )
        .and_then(|tally| bytes.finish(wants_sync(&args.write)).map(|()| tally));
        drop(progress);
        let tally = match patched {
            Ok(tally) => tally,
            Err(error) => {
                out.flush();
                return Err(error);
            }
        };
        total += tally.matches;
        if args.report.quiet {
            continue;
        }
        if style.json {
            let mut summary = output::summary(
                &target.path,
                tally.matches,
                tally.scanned,
                started.elapsed().as_millis(),
            );
            summary.insert("dry_run".into(), json!(args.write.dry_run));
            out.json(summary);
        } else {
            out.line(format_args!("{}: {} {verb}", target.name, tally.matches));
        }
    }
    out.finish(if total > 0 {
        Outcome::Done
    } else {
        Outcome::NothingDone
    })
}

/// The sink of the check pass over a sparse file: provides the blocks of
/// every match that lies in a hole.
struct Reserve<'a> {
    target: &'a Target,
}

impl Sink for Reserve<'_> {
    fn wants_hits(&self) -> bool {
        true
    }

    fn hit(&mut self, hit: &Hit) -> Result<bool, Error> {
        self.target.reserve(hit.offset as u64, hit.len as u64)?;
        Ok(true)
    }
}

/// Writes and syncs the journal of every region the run will change.
fn record_journal(
    path: &std::path::Path,
    targets: &[Target],
    plans: &[Plan],
    with: &[u8],
) -> Result<(), Error> {
    let mut recorder = Recorder::create(path)?;
    let recorded = (|| {
        for (target, plan) in targets.iter().zip(plans) {
            recorder.file(target)?;
            let view = target.map()?;
            let read_only = Plan {
                context: 0,
                ..*plan
            };
            let mut record = Record {
                recorder: &mut recorder,
                with,
            };
            pass::run(
                target,
                &view,
                &read_only,
                &mut record,
                None,
                &Progress::none(),
            )?;
        }
        Ok(())
    })();
    recorder.finish(recorded)
}
