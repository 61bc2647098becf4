//! `mpatch replace`: same-length replacement of every match, in place, or on
//! a private copy-on-write mapping for a dry run; guarded by `--expect` and
//! recorded by `--journal` before the first byte changes.

use std::time::Instant;

use anyhow::Context;
use serde_json::json;

use crate::cli::ReplaceArgs;
use crate::error::{Outcome, Problem};
use crate::map::MapKind;
use crate::output::{self, HitStyle, Output};
use crate::pass::{self, Plan};
use crate::pattern;
use crate::progress::Progress;
use crate::scan::Scanner;
use crate::target::Target;

use super::{Recorder, Selection, open_all, read_bytes, settle_file, wants_sync, write_kind};

pub fn run(args: &ReplaceArgs) -> anyhow::Result<Outcome> {
    let syntax = args.syntax.into();
    let pattern = read_bytes("pattern", &args.pattern, syntax)?;
    let mut replacement = read_bytes("replacement", &args.replacement, syntax)?;
    if let Some(pad) = &args.pad {
        let byte = pattern::parse_pad(pad).map_err(|e| Problem::new("--pad", e))?;
        if replacement.len() < pattern.len() {
            replacement.resize(pattern.len(), byte);
        }
    }
    if replacement.len() != pattern.len() {
        return Err(Problem::new(
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
        )
        .into());
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

    // Count first when a guard needs the numbers, or when merely reading a
    // file may fail (holes on a full tmpfs): a failure then stops the run
    // before any byte is written, not half-way through.
    if args.expect.is_some() || targets.iter().any(|t| t.reads_may_allocate) {
        let counts = count_matches(&targets, &plans)?;
        if let Some(expected) = args.expect {
            let mut holds = true;
            for (target, &found) in targets.iter().zip(&counts) {
                if found != expected {
                    eprintln!(
                        "mpatch: {}: {found} matches, --expect {expected}; no file written",
                        target.name
                    );
                    holds = false;
                }
            }
            if !holds {
                return Ok(Outcome::NothingDone);
            }
        }
    }
    if let Some(path) = args.write.journal.as_ref().filter(|_| !args.write.dry_run) {
        record_journal(path, &targets, &plans)?;
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
        let mut mapping = target.map(write_kind(&args.write))?;
        let progress = Progress::new(args.report.progress, target.len(), &target.name);
        let mut print =
            |hit: &pass::Hit| Ok(style.hit(&mut out, &target.name, &target.path, hit)?);
        let each_hit = !args.report.quiet && (style.json || style.context);
        let on_hit: Option<pass::OnHit> = if each_hit { Some(&mut print) } else { None };
        let tally = pass::run(target, &mut mapping, plan, on_hit, &progress)?;
        drop(progress);
        settle_file(target, &mapping, wants_sync(&args.write))?;
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
            out.json(summary)?;
        } else {
            out.line(format_args!("{}: {} {verb}", target.name, tally.matches))?;
        }
    }
    out.flush()?;
    Ok(if total > 0 {
        Outcome::Done
    } else {
        Outcome::NothingDone
    })
}

/// The number of matches each plan would act on, read without writing.
fn count_matches(targets: &[Target], plans: &[Plan]) -> anyhow::Result<Vec<u64>> {
    let mut counts = Vec::with_capacity(targets.len());
    for (target, plan) in targets.iter().zip(plans) {
        let mut mapping = target.map(MapKind::ReadOnly)?;
        let count_only = Plan {
            replacement: None,
            ..*plan
        };
        counts.push(pass::run(target, &mut mapping, &count_only, None, &Progress::none())?.matches);
    }
    Ok(counts)
}

/// Writes and syncs the journal of every region the run will change.
fn record_journal(
    path: &std::path::Path,
    targets: &[Target],
    plans: &[Plan],
) -> anyhow::Result<()> {
    let mut recorder = Recorder::create(path)?;
    let recorded = (|| -> anyhow::Result<()> {
        for (target, plan) in targets.iter().zip(plans) {
            recorder.file(target)?;
            let mut mapping = target.map(MapKind::ReadOnly)?;
            let with = plan.replacement.context("a journal records replacements")?;
            let read_only = Plan {
                replacement: None,
                context: 0,
                ..*plan
            };
            let mut record =
                |hit: &pass::Hit| Ok(recorder.region(hit.offset as u64, hit.old(), with)?);
            pass::run(
                target,
                &mut mapping,
                &read_only,
                Some(&mut record),
                &Progress::none(),
            )?;
        }
        Ok(())
    })();
    recorder.finish(recorded)
}
