//! `mpatch apply PATCH FILE...`: a patch of any format applied as a
//! compare-and-swap over every file named (the library's [`crate::Apply`]),
//! printed.

use std::path::Path;

use super::plan::ApplyPlan;
use crate::api::apply::{Applied, Apply, ApplyReport};
use crate::engine::formats::Format;
use crate::error::{Error, Outcome};
use crate::output::Output;
use crate::output::json::{self, PathName};

/// How many bytes of a region a message shows.
const SHOWN: usize = 32;

pub fn run(args: &ApplyPlan) -> Result<Outcome, Error> {
    let mut apply = match args.patch.as_encoded_bytes() {
        b"-" => Apply::stdin(),
        _ => Apply::new(&args.patch),
    }
    .files(&args.files)
    .format(args.format)
    .reverse(args.reverse)
    .any_size(args.any_size)
    .dry_run(args.write.dry_run)
    .sync(args.write.sync())
    .lock_timeout(args.write.lock_timeout)
    .allow_device(args.write.allow_device);
    if let Some(journal) = &args.write.journal {
        apply = apply.journal(journal);
    }
    let mut out = Output::stdout();
    let json = args.json && !args.quiet;
    let applied = apply.run_with(&mut |path, offset, old, new| {
        if json {
            out.json(&json::AppliedRegion {
                kind: "region",
                path: PathName::of(path),
                offset,
                old: crate::engine::pattern::to_hex(old),
                new: crate::engine::pattern::to_hex(new),
            });
        }
    });
    let report = match applied {
        Ok(report) => report,
        // A compare-and-swap that did not hold: what is there, exit 1.
        Err(error @ (Error::Changed { .. } | Error::WrongFile { .. })) => {
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
            return out.finish(Outcome::NothingDone);
        }
        Err(error) => return Err(error),
    };
    name_shown(&report);
    if !args.quiet {
        summary(&mut out, args.json, &report);
    }
    out.finish(Outcome::Done)
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

fn summary(out: &mut Output, json: bool, report: &ApplyReport) {
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
            _ => out.line(format_args!(
                ": {} ({}) {status}",
                plural(file.regions, "region"),
                plural(file.bytes, "byte")
            )),
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
