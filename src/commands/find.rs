//! `mpatch find`: offsets of the matches of a pattern, or their count, or
//! the names of the files that have one.

use std::path::Path;
use std::time::Instant;

use crate::cli::FindArgs;
use crate::error::{Error, Outcome, Scope};
use crate::matcher::Matcher;
use crate::output::{self, HitStyle, Output, Printer};
use crate::pass::{self, Plan};
use crate::progress::Progress;
use crate::stream::Stream;
use crate::target::{Access, Target};

use super::{Selection, patterns};

pub fn run(args: &FindArgs) -> Result<Outcome, Error> {
    let (matcher, files) = patterns::for_find(args)?;
    let selection = Selection::parse(&args.select)?;
    let style = HitStyle {
        show_name: (files.len() > 1 || args.with_filename) && !args.no_filename,
        hex_offsets: args.report.hex_offsets,
        json: args.report.json,
        context: args.report.context.is_some(),
        color: args.report.colored(),
    };
    let mut out = Output::stdout();
    let (mut matched, mut failed) = (false, false);
    for file in &files {
        match search(args, &matcher, &selection, style, &mut out, file) {
            Ok(found) => matched |= found > 0,
            // Like grep: report, go on with the other files, exit 2.
            Err(error) if error.scope() == Scope::File => {
                out.flush();
                eprintln!("mpatch: {error}");
                failed = true;
            }
            Err(error) => {
                out.flush();
                return Err(error);
            }
        }
        if (matched && args.report.quiet) || !out.is_open() {
            break;
        }
    }
    out.finish(if failed {
        Outcome::Failed
    } else if matched {
        Outcome::Done
    } else {
        Outcome::NothingDone
    })
}

fn search(
    args: &FindArgs,
    matcher: &Matcher,
    selection: &Selection,
    style: HitStyle,
    out: &mut Output,
    file: &std::ffi::OsStr,
) -> Result<u64, Error> {
    let started = Instant::now();
    let stop_at_first = args.report.quiet || args.files_with_matches;
    let plan_for = |range| Plan {
        matcher,
        replacement: None,
        range,
        nth: selection.nth,
        max: match stop_at_first {
            true => Some(selection.max.unwrap_or(1).min(1)),
            false => selection.max,
        },
        context: args.report.context.unwrap_or(0),
    };
    let printer = |out, name, path| Printer {
        out,
        style,
        name,
        path,
        each: !(args.count || stop_at_first),
        stops_when_closed: true,
    };
    let path = Path::new(file);
    let (name, tally) = match Stream::open(file)? {
        Some(mut stream) => {
            let (start, end) = selection
                .range
                .resolve_stream()
                .map_err(|e| Error::argument("--range", e))?;
            let plan = plan_for((start as usize, end.try_into().unwrap_or(usize::MAX)));
            let name = std::mem::take(&mut stream.name);
            let tally = stream.search(&plan, &mut printer(&mut *out, &name, path))?;
            (name, tally)
        }
        None => {
            let target = Target::open(file, Access::Read, true)?;
            let view = target.map()?;
            let plan = plan_for(selection.range_in(&target));
            let progress = Progress::new(args.report.progress.into(), target.len(), &target.name);
            let mut printer = printer(&mut *out, &target.name, path);
            let tally = pass::run(&target, &view, &plan, &mut printer, None, &progress)?;
            drop(progress);
            target.check_unchanged()?;
            (target.name, tally)
        }
    };
    if args.report.quiet {
        return Ok(tally.matches);
    }
    if args.count {
        if style.show_name {
            out.line(format_args!("{}:{}", style.path(&name), tally.matches));
        } else {
            out.line(tally.matches);
        }
    } else if args.files_with_matches {
        if tally.matches > 0 {
            out.line(style.path(&name));
        }
    } else if args.report.json {
        out.json(output::summary(
            path,
            &tally,
            matcher.patterns(),
            started.elapsed().as_millis(),
        ));
    }
    Ok(tally.matches)
}
