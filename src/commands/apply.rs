//! `mpatch apply PATCH FILE...`: a patch of any format applied as a
//! compare-and-swap over every file named (the library's [`crate::Apply`]),
//! printed.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;

use super::plan::{ApplyPlan, Review};
use crate::api::apply::{Applied, Apply, ApplyRegion, ApplyReport, RegionFilter};
use crate::engine::formats::Format;
use crate::engine::scan::Pass;
use crate::error::{Error, Outcome};
use crate::output::Output;
use crate::output::json::{self, PathName};
use crate::output::prompt::{Change, Decision};
use crate::output::review::{Asker, diff_path};
use crate::output::unidiff;

/// How many bytes of a region a message shows.
const SHOWN: usize = 32;

pub fn run(args: &ApplyPlan) -> Result<Outcome, Error> {
    let apply = apply_of(args);
    let mut asked = None;
    let mut out = Output::stdout();
    let json = args.json;
    let applied = match args.review {
        Review::Diff { context } => return diff(args, &apply, context),
        Review::Interactive { color } => {
            let asked = asked.insert(Asked(Asker::open(color)?));
            apply.run_filtered(asked, &mut |_, _, _, _| {})
        }
        Review::None => apply.run_with(&mut |path, offset, old, new| {
            if json {
                out.json(&json::AppliedRegion {
                    kind: "region",
                    path: PathName::of(path),
                    offset,
                    old: crate::engine::pattern::to_hex(old),
                    new: crate::engine::pattern::to_hex(new),
                });
            }
        }),
    };
    let report = match applied {
        Ok(report) => report,
        Err(error) => return refused(out, args, error),
    };
    name_shown(&report);
    if !args.quiet {
        summary(&mut out, args.json, &report, asked.is_some());
    }
    // A review that accepted nothing wrote nothing.
    let accepted = asked.is_none_or(|Asked(asker)| asker.accepted() > 0);
    out.finish(match accepted || report.status == Applied::AlreadyApplied {
        true => Outcome::Done,
        false => Outcome::NothingDone,
    })
}

/// The library's apply of what the command line asks.
fn apply_of(args: &ApplyPlan) -> Apply {
    let mut apply = match args.patch.as_encoded_bytes() {
        b"-" => Apply::stdin(),
        _ => Apply::new(&args.patch),
    }
    .files(&args.files)
    .format(args.format)
    .reverse(args.reverse)
    .any_size(args.any_size)
    .dry_run(args.write.dry_run || args.review.is_dry())
    .sync(args.write.sync())
    .lock_timeout(args.write.lock_timeout)
    .allow_device(args.write.allow_device);
    if let Some(journal) = &args.write.journal {
        apply = apply.journal(journal);
    }
    apply
}

/// The end of an apply that failed: a compare-and-swap that did not hold
/// shows what is there (exit 1); any other error is the run's.
fn refused(mut out: Output, args: &ApplyPlan, error: Error) -> Result<Outcome, Error> {
    if !matches!(error, Error::Changed { .. } | Error::WrongFile { .. }) {
        return Err(error);
    }
    if args.json
        && let Error::Changed {
            path,
            offset,
            expected,
            found,
            ..
        } = &error
    {
        out.json(&json::Mismatch {
            kind: "mismatch",
            path: path.clone(),
            offset: *offset,
            expected: expected.clone(),
            found: found.clone(),
        });
    }
    out.flush();
    crate::say!("{}", mismatch(&error, args.files.len() > 1));
    out.finish(Outcome::NothingDone)
}

/// `apply --diff`: a dry run printed as a unified diff of each file; exit
/// 0 when something would change, 1 when the patch is applied already.
fn diff(args: &ApplyPlan, apply: &Apply, context: usize) -> Result<Outcome, Error> {
    let out = RefCell::new(Output::stdout());
    let mut printer = DiffShown {
        out: &out,
        options: unidiff::Options {
            context,
            color: args.color,
        },
        diff: None,
    };
    let applied = apply.run_filtered(&mut printer, &mut |_, _, _, _| {});
    drop(printer);
    let out = out.into_inner();
    let report = match applied {
        Ok(report) => report,
        Err(error) => return refused(out, args, error),
    };
    name_shown(&report);
    out.finish(match report.status {
        Applied::AlreadyApplied => Outcome::NothingDone,
        _ => Outcome::Done,
    })
}

/// The printer of `apply --diff`: it passes every region (the run is dry)
/// and prints each file's as a unified diff of the file's bytes.
struct DiffShown<'o> {
    out: &'o RefCell<Output>,
    options: unidiff::Options,
    diff: Option<unidiff::Diff<'static, Shared<'o>>>,
}

/// The one output, written by each file's diff in turn.
struct Shared<'o>(&'o RefCell<Output>);

impl Write for Shared<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl RegionFilter for DiffShown<'_> {
    fn region(&mut self, region: &ApplyRegion) -> Result<Pass, Error> {
        let diff = self.diff.get_or_insert_with(|| {
            unidiff::Diff::new(Shared(self.out), diff_path(region.path), self.options)
        });
        // A region that holds its new bytes already changes nothing.
        if region.old != region.new {
            diff.edit(region.file, region.offset as usize, region.new)
                .map_err(Error::Stdout)?;
        }
        Ok(Pass::On)
    }

    fn end_file(&mut self, _: &Path, file: &[u8]) -> Result<(), Error> {
        if let Some(diff) = self.diff.take() {
            diff.finish(file).map_err(Error::Stdout)?;
        }
        Ok(())
    }
}

/// `apply -I`: each region asked about at the terminal, with the file's
/// bytes around it.
struct Asked(Asker);

impl RegionFilter for Asked {
    fn region(&mut self, region: &ApplyRegion) -> Result<Pass, Error> {
        // A region that holds its new bytes already writes nothing: not
        // asked about.
        if region.old == region.new {
            return Ok(Pass::On);
        }
        let change = Change {
            path: region.path,
            file: region.file,
            offset: region.offset as usize,
            old: region.old,
            new: region.new,
        };
        Ok(match self.0.ask(&change)? {
            Decision::Write => Pass::On,
            Decision::Skip | Decision::Stop | Decision::Ask => Pass::Skip,
        })
    }
}

/// The file a `.1337` or `.dif` names, when it is not the one written: said
/// on stderr, as the file written is always the one on the command line.
fn name_shown(report: &ApplyReport) {
    let Some(named) = &report.named else { return };
    if !matches!(report.format, Format::X64dbg | Format::IdaDif) {
        return;
    }
    let wanted = Path::new(named.rsplit(['/', '\\']).next().unwrap_or(named));
    for file in &report.files {
        let name = file.path.file_name().map(Path::new);
        if name.is_none_or(|name| !name.as_os_str().eq_ignore_ascii_case(wanted)) {
            crate::say!(
                "{}: note: the {} patch is for {named}; applied to the file named on the command line",
                file.path.display(),
                report.format.title(),
            );
        }
    }
}

/// Each file's line (or JSON summary); `asked`: the regions were reviewed,
/// and the line says how many were skipped.
fn summary(out: &mut Output, json: bool, report: &ApplyReport, asked: bool) {
    let status = match report.status {
        Applied::Written => "written",
        Applied::WouldWrite => "would be written",
        Applied::AlreadyApplied => "already applied",
    };
    for file in &report.files {
        if json {
            out.json(&json::ApplySummary {
                kind: "summary",
                path: PathName::of(&file.path),
                format: report.format.name(),
                status: status.to_string(),
                regions: file.regions,
                bytes: file.bytes,
            });
            continue;
        }
        out.path(&file.path);
        match report.status {
            Applied::AlreadyApplied => out.line(": already applied"),
            _ => {
                out.bytes(
                    format!(
                        ": {} ({}) {status}",
                        plural(file.regions, "region"),
                        plural(file.bytes, "byte")
                    )
                    .as_bytes(),
                );
                match asked {
                    true => out.line(format_args!(", {} skipped", file.skipped)),
                    false => out.line(""),
                }
            }
        }
    }
}

fn plural(n: u64, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// The line of a compare-and-swap that did not hold: the first region
/// that differs, with the bytes found there (at most [`SHOWN`] of them).
fn mismatch(error: &Error, several: bool) -> String {
    let Error::Changed {
        path,
        offset,
        expected,
        found,
        found_new,
    } = error
    else {
        return error.to_string();
    };
    let shown = |hex: &str| match hex.len() > 2 * SHOWN {
        true => format!("{}...", &hex[..2 * SHOWN]),
        false => hex.to_string(),
    };
    let why = match (found_new, several) {
        (true, true) => " (its new bytes: this file is patched already, the others not)",
        (true, false) => " (its new bytes)",
        _ => "",
    };
    format!(
        "{path}: the region at offset {offset} ({}) holds {}, not the patch's old bytes {}{why}; nothing written",
        plural(expected.len() as u64 / 2, "byte"),
        shown(found),
        shown(expected),
    )
}
