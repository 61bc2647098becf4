//! `mpatch replace`: same-length replacement of every match, in place, or
//! on a private copy-on-write mapping for a dry run; guarded by `--expect`
//! and recorded by `--journal` before the first byte changes.

use std::time::Instant;

use serde_json::json;

use crate::bytesink::ByteSink;
use crate::cli::ReplaceArgs;
use crate::error::{Error, Outcome};
use crate::map::Mapping;
use crate::matcher::{Matcher, Replacement};
use crate::output::{self, HitStyle, Output, Printer};
use crate::pass::{self, Count, Hit, Plan, Sink};
use crate::progress::Progress;
use crate::target::Target;

use super::{Record, Recorder, Selection, open_all, patterns, wants_sync};

pub fn run(args: &ReplaceArgs) -> Result<Outcome, Error> {
    let (matcher, replacement, files) = patterns::for_replace(args)?;
    let selection = Selection::parse(&args.select)?;
    let targets = open_all(&files, &args.write)?;
    let plans = targets
        .iter()
        .map(|target| Plan {
            matcher: &matcher,
            replacement: Some(&replacement),
            range: selection.range_in(target),
            nth: selection.nth,
            max: selection.max,
            context: args.report.context.unwrap_or(0),
        })
        .collect::<Vec<_>>();

    // The check phase: nothing is written until every file has passed it.
    // A guard needs the counts; a match that may lie in a hole needs its
    // blocks provided now, so that a full disk stops the run here; a regex
    // replacement's every expansion must be as long as its match.
    let check_lengths = !matcher.same_length(&replacement);
    let reserve =
        |target: &Target| target.has_holes && matcher.may_match_zeros() && !args.write.dry_run;
    if args.expect.is_some() || check_lengths || targets.iter().any(reserve) {
        let mut holds = true;
        for (target, plan) in targets.iter().zip(&plans) {
            let view = target.map()?;
            let mut check = Check {
                target,
                reserve: reserve(target),
                lengths: check_lengths.then_some((&matcher, &replacement, &view)),
                with: Vec::new(),
            };
            let sink: &mut dyn Sink = match check.reserve || check_lengths {
                true => &mut check,
                false => &mut Count,
            };
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
        record_journal(path, &targets, &plans, &replacement, &matcher)?;
    }

    let style = HitStyle {
        show_name: files.len() > 1,
        hex_offsets: args.report.hex_offsets,
        json: args.report.json,
        context: args.report.context.is_some(),
        color: args.report.colored(),
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
                &tally,
                matcher.patterns(),
                started.elapsed().as_millis(),
            );
            summary.insert("dry_run".into(), json!(args.write.dry_run));
            out.json(summary);
        } else {
            out.line(format_args!(
                "{}: {} {verb}",
                style.path(&target.name),
                tally.matches
            ));
        }
    }
    out.finish(if total > 0 {
        Outcome::Done
    } else {
        Outcome::NothingDone
    })
}

/// The sink of the check pass: provides the blocks of every match that
/// lies in a hole of a sparse file, and checks that every expansion of a
/// regex replacement is as long as its match.
struct Check<'a> {
    target: &'a Target,
    reserve: bool,
    lengths: Option<(&'a Matcher, &'a Replacement, &'a Mapping)>,
    with: Vec<u8>,
}

impl Sink for Check<'_> {
    fn wants_hits(&self) -> bool {
        true
    }

    fn hit(&mut self, hit: &Hit) -> Result<bool, Error> {
        if let Some((matcher, replacement, view)) = self.lengths {
            let new = matcher.replacement(replacement, view.bytes(), hit.found(), &mut self.with);
            if new.len() != hit.len {
                return Err(self.target.problem(format!(
                    "the replacement at offset {} is {} bytes but the match is {} bytes; they must be the same length; nothing written",
                    hit.offset,
                    new.len(),
                    hit.len
                )));
            }
        }
        if self.reserve {
            self.target.reserve(hit.offset as u64, hit.len as u64)?;
        }
        Ok(true)
    }
}

/// Writes and syncs the journal of every region the run will change.
fn record_journal(
    path: &std::path::Path,
    targets: &[Target],
    plans: &[Plan],
    replacement: &Replacement,
    matcher: &Matcher,
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
                matcher,
                replacement,
                view: &view,
                with: Vec::new(),
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
