//! `mpatch apply PATCH FILE...`: a compare-and-swap of a whole patch (made
//! by `mpatch diff`, or `cmp -l` output) over every file named.
//!
//! Every file is opened, checked and locked, and every region of every
//! file compared, before the first byte is written: all are written, or
//! none (and then the first region that differs is shown).

use std::ffi::OsStr;
use std::fs::File;
use std::io::BufReader;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;

use super::plan::ApplyPlan;
use crate::engine::patchfile::{self, Patch, Region};
use crate::engine::pattern::to_hex;
use crate::error::{Error, Outcome};
use crate::io::target::Target;
use crate::output::Output;
use crate::output::json::{self, PathName};

use super::{Recorder, open_all, wants_sync};

/// How many bytes of a region a message shows.
const SHOWN: usize = 32;

pub fn run(args: &ApplyPlan) -> Result<Outcome, Error> {
    let patch = read_patch(&args.patch)?;
    let patch = match args.reverse {
        true => patch.reversed(),
        false => patch,
    };
    let targets = open_all(&args.files, &args.write)?;
    for target in &targets {
        check_fits(&patch, target, args.any_size)?;
    }
    let mut all_old = true;
    let mut all_new = true;
    let mut first_bad: Option<Mismatch> = None;
    for target in &targets {
        let view = target.view()?;
        for region in &patch.regions {
            let found = &view.bytes()[region.offset as usize..region.end() as usize];
            let (is_old, is_new) = (found == region.old, found == region.new);
            if !is_old && first_bad.is_none() {
                first_bad = Some(Mismatch {
                    path: target.name.clone(),
                    region: region.clone(),
                    found: found.to_vec(),
                    is_new,
                });
            }
            all_old &= is_old;
            all_new &= is_new;
        }
        if view.faulted() {
            return Err(target.fault());
        }
    }
    let mut out = Output::stdout();
    if !all_old {
        if all_new {
            if !args.quiet {
                for target in &targets {
                    report(&mut out, args, target, &patch, "already applied");
                }
            }
            return out.finish(Outcome::Done);
        }
        let bad = first_bad.expect("a region that does not hold its old bytes");
        if args.json {
            out.json(&bad.json());
        }
        out.flush();
        crate::say!("{}", bad.message(targets.len() > 1));
        return out.finish(Outcome::NothingDone);
    }
    if !args.write.dry_run {
        for target in &targets {
            for region in &patch.regions {
                target.reserve(region.offset, region.old.len() as u64)?;
            }
        }
    }
    let recorder = match args.write.dry_run {
        true => None,
        false => args
            .write
            .journal
            .as_deref()
            .map(Recorder::create)
            .transpose()?,
    };
    let written = targets.iter().try_for_each(|target| {
        write(
            target,
            &patch,
            recorder.as_ref(),
            wants_sync(&args.write),
            args.write.dry_run,
        )
    });
    // The journal holds what was written, whatever happened after.
    if let Some(recorder) = recorder {
        recorder.finish()?;
    }
    written?;
    if !args.quiet {
        let verb = match args.write.dry_run {
            true => "would be written",
            false => "written",
        };
        for target in &targets {
            report(&mut out, args, target, &patch, verb);
        }
    }
    out.finish(Outcome::Done)
}

/// The patch, from a file or (`-`) standard input. A FIFO is read like a
/// file (`<(cmp -l a b)`); a directory is refused.
fn read_patch(path: &OsStr) -> Result<Patch, Error> {
    let name = path.to_string_lossy().into_owned();
    let parsed = if path.as_bytes() == b"-" {
        patchfile::parse(BufReader::new(std::io::stdin().lock()))
    } else {
        let file = File::open(path).map_err(|e| Error::io(&name, e))?;
        let kind = file
            .metadata()
            .map_err(|e| Error::io(&name, e))?
            .file_type();
        if kind.is_dir() {
            return Err(Error::file(&name, "is a directory"));
        }
        if kind.is_char_device() {
            return Err(Error::file(&name, "is a character device, not a patch"));
        }
        patchfile::parse(BufReader::new(file))
    };
    parsed.map_err(|e| match e.line {
        0 => Error::argument(&name, e.reason),
        line => Error::argument(format!("{name}:{line}"), e.reason),
    })
}

/// Fails unless every region lies inside `target` and its size is the
/// patch's (or `any_size`).
fn check_fits(patch: &Patch, target: &Target, any_size: bool) -> Result<(), Error> {
    if let Some(size) = patch.size
        && !any_size
        && size != target.len()
    {
        return Err(target.problem(format!(
            "is {} bytes but the patch is for a file of {size} bytes (--any-size applies it anyway)",
            target.len()
        )));
    }
    if let Some(region) = patch.regions.iter().find(|r| r.end() > target.len()) {
        return Err(target.problem(format!(
            "the patch's region at offset {} ({} bytes) runs past the end of the file ({} bytes)",
            region.offset,
            region.old.len(),
            target.len()
        )));
    }
    Ok(())
}

/// Writes every region's new bytes into `target` through the one writer
/// (journalled first when asked; a dry run writes nothing), then flushes.
fn write(
    target: &Target,
    patch: &Patch,
    recorder: Option<&Recorder>,
    sync: bool,
    dry_run: bool,
) -> Result<(), Error> {
    let regions = patch
        .regions
        .iter()
        .map(|region| (region.offset, &region.old[..], &region.new[..]));
    super::write_regions(target, dry_run, recorder, regions, sync).map(|_| ())
}

fn report(out: &mut Output, args: &ApplyPlan, target: &Target, patch: &Patch, status: &str) {
    let bytes: usize = patch.regions.iter().map(|r| r.old.len()).sum();
    if args.json {
        let applied = status != "already applied";
        if applied {
            for region in &patch.regions {
                out.json(&json::AppliedRegion {
                    kind: "region",
                    path: PathName::of(&target.path),
                    offset: region.offset,
                    old: to_hex(&region.old),
                    new: to_hex(&region.new),
                });
            }
        }
        out.json(&json::ApplySummary {
            kind: "summary",
            path: PathName::of(&target.path),
            status: status.to_string(),
            regions: patch.regions.len() as u64,
            bytes: bytes as u64,
        });
        return;
    }
    out.path(&target.path);
    match status {
        "already applied" => out.line(": already applied"),
        verb => out.line(format_args!(
            ": {} ({}) {verb}",
            plural(patch.regions.len(), "region"),
            plural(bytes, "byte")
        )),
    }
}

fn plural(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// The first region that does not hold its old bytes.
struct Mismatch {
    path: String,
    region: Region,
    found: Vec<u8>,
    is_new: bool,
}

impl Mismatch {
    fn message(&self, several: bool) -> String {
        let region = &self.region;
        let shown = |bytes: &[u8]| {
            let cut = &bytes[..bytes.len().min(SHOWN)];
            let more = if bytes.len() > SHOWN { "..." } else { "" };
            format!("{}{more}", to_hex(cut))
        };
        let why = match (self.is_new, several) {
            (true, true) => " (its new bytes: this file is patched already, the others not)",
            (true, false) => " (its new bytes)",
            _ => "",
        };
        format!(
            "{}: the region at offset {} ({}) holds {}, not the patch's old bytes {}{why}; nothing written",
            self.path,
            region.offset,
            plural(region.old.len(), "byte"),
            shown(&self.found),
            shown(&region.old),
        )
    }

    fn json(&self) -> json::Mismatch {
        json::Mismatch {
            kind: "mismatch",
            path: self.path.clone(),
            offset: self.region.offset,
            expected: to_hex(&self.region.old),
            found: to_hex(&self.found),
        }
    }
}
