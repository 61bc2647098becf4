//! `mpatch find`: offsets of the matches of a pattern, or their count, or
//! the names of the files that have one.

use std::time::Instant;

use crate::cli::FindArgs;
use crate::error::{Outcome, Problem};
use crate::map::MapKind;
use crate::output::{self, HitStyle, Output};
use crate::pass::{self, Plan};
use crate::progress::Progress;
use crate::scan::Scanner;
use crate::target::{Access, Target};

use super::{Selection, read_bytes};

pub fn run(args: &FindArgs) -> anyhow::Result<Outcome> {
    let pattern = read_bytes("pattern", &args.pattern, args.syntax.into())?;
    let scanner = Scanner::new(&pattern);
    let selection = Selection::parse(&args.select)?;
    let style = HitStyle {
        show_name: (args.files.len() > 1 || args.with_filename) && !args.no_filename,
        hex_offsets: args.report.hex_offsets,
        json: args.report.json,
        context: args.report.context.is_some(),
    };
    let mut out = Output::stdout();
    let (mut matched, mut failed) = (false, false);
    for file in &args.files {
        match search(args, &scanner, &selection, style, &mut out, file) {
            Ok(found) => matched |= found > 0,
            Err(error) => match error.downcast::<Problem>() {
                // Like grep: report, go on with the other files, exit 2.
                Ok(problem) => {
                    out.flush()?;
                    eprintln!("mpatch: {problem}");
                    failed = true;
                }
                Err(other) => return Err(other),
            },
        }
        if matched && args.report.quiet {
            break;
        }
    }
    out.flush()?;
    Ok(if failed {
        Outcome::Failed
    } else if matched {
        Outcome::Done
    } else {
        Outcome::NothingDone
    })
}

fn search(
    args: &FindArgs,
    scanner: &Scanner,
    selection: &Selection,
    style: HitStyle,
    out: &mut Output,
    file: &std::ffi::OsStr,
) -> anyhow::Result<u64> {
    let started = Instant::now();
    let target = Target::open(file, Access::Read, true)?;
    let mut mapping = target.map(MapKind::ReadOnly)?;
    let stop_at_first = args.report.quiet || args.files_with_matches;
    let plan = Plan {
        scanner,
        replacement: None,
        range: selection.range_in(&target),
        nth: selection.nth,
        max: if stop_at_first {
            Some(1)
        } else {
            selection.max
        },
        context: args.report.context.unwrap_or(0),
    };
    let each_hit = !(args.count || stop_at_first);
    let mut print = |hit: &pass::Hit| Ok(style.hit(out, &target.name, &target.path, hit)?);
    let progress = Progress::new(args.report.progress, target.len(), &target.name);
    let on_hit: Option<pass::OnHit> = if each_hit { Some(&mut print) } else { None };
    let tally = pass::run(&target, &mut mapping, &plan, on_hit, &progress)?;
    drop(progress);
    target.check_unchanged()?;
    if args.report.quiet {
        return Ok(tally.matches);
    }
    if args.count {
        if style.show_name {
            out.line(format_args!("{}:{}", target.name, tally.matches))?;
        } else {
            out.line(tally.matches)?;
        }
    } else if args.files_with_matches {
        if tally.matches > 0 {
            out.line(&target.name)?;
        }
    } else if args.report.json {
        out.json(output::summary(
            &target.path,
            tally.matches,
            tally.scanned,
            started.elapsed().as_millis(),
        ))?;
    }
    Ok(tally.matches)
}
