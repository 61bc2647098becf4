//! `mpatch diff OLD NEW`: the changed regions of two files of one size, as
//! a patch in any format (the library's [`crate::Diff`]), on stdout.

use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;

use super::plan::DiffPlan;
use crate::api::diff::Diff;
use crate::engine::formats::Format;
use crate::engine::pattern::to_hex;
use crate::error::{Error, Outcome};
use crate::output::{Output, json};

pub fn run(args: &DiffPlan) -> Result<Outcome, Error> {
    let mut diff = Diff::new(&args.old, &args.new).format(args.format);
    if let Some(threads) = args.threads {
        diff = diff.threads(threads);
    }
    if let Some(name) = &args.name {
        diff = diff.name(name);
    }
    let differ = |yes: bool| match yes {
        true => Outcome::NothingDone,
        false => Outcome::Done,
    };
    if args.quiet {
        return Ok(differ(diff.differ()?));
    }
    if args.json {
        return print_json(&diff, args.format);
    }
    let binary = matches!(
        args.format,
        Format::Ips | Format::Ups | Format::Bps | Format::Ppf
    );
    let stdout = std::io::stdout();
    if binary && stdout.is_terminal() {
        return Err(Error::argument(
            format!("--format {}", args.format),
            format!(
                "an {} patch is binary; redirect it to a file (> fix.{})",
                args.format.title(),
                args.format.name()
            ),
        ));
    }
    let mut out = std::io::BufWriter::with_capacity(64 << 10, stdout.lock());
    let written = diff
        .write_to(&mut out)
        .and_then(|report| match out.flush() {
            Ok(()) => Ok(report),
            Err(source) => Err(Error::Stdout(source)),
        });
    match written {
        Ok(report) => Ok(differ(report.regions > 0)),
        // A reader that went away (`| head`): the files differ, or there
        // would have been nothing to read.
        Err(Error::Failed { source, .. } | Error::Stdout(source))
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            Ok(Outcome::NothingDone)
        }
        Err(Error::Failed { source, .. }) => Err(Error::Stdout(source)),
        Err(error) => Err(error),
    }
}

/// `diff --json`: a `region` object per changed region, then a `summary`
/// (also for equal files); exit 0 when they are equal, 1 when they differ.
fn print_json(diff: &Diff, format: Format) -> Result<Outcome, Error> {
    let mut out = Output::stdout();
    let report = diff.for_each_region(&mut |offset, old, new| {
        out.json(&json::DiffRegion {
            kind: "region",
            offset,
            old: to_hex(old),
            new: to_hex(new),
        });
        // A reader that went away (`| head`) has seen enough.
        match out.is_open() {
            true => ControlFlow::Continue(()),
            false => ControlFlow::Break(()),
        }
    })?;
    out.json(&json::DiffSummary {
        kind: "summary",
        format: format.name(),
        size: report.size,
        regions: report.regions,
        bytes_changed: report.changed,
    });
    out.finish(match report.regions {
        0 => Outcome::Done,
        _ => Outcome::NothingDone,
    })
}
