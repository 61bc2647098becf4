//! `mpatch poke`: write BYTES at OFFSET in place, never past the end,
//! optionally only if the bytes there are the expected ones.

use std::os::unix::fs::FileExt;

use super::plan::PokePlan;
use crate::engine::pattern::to_hex;
use crate::error::{Error, Outcome};
use crate::output::Output;

use super::{Recorder, open_all, wants_sync};

pub fn run(args: &PokePlan) -> Result<Outcome, Error> {
    let (bytes, expect, position) = (&args.bytes, &args.expect, args.offset);
    let target = open_all(std::slice::from_ref(&args.file), &args.write)?.remove(0);
    let at = position
        .resolve(target.len())
        .map_err(|e| target.problem(e))?;
    let longest = bytes.len().max(expect.as_ref().map_or(0, Vec::len)) as u64;
    if at.checked_add(longest).is_none_or(|end| end > target.len()) {
        return Err(target.problem(format!(
            "{longest} bytes at offset {at} run past the end of the file ({} bytes); poke never changes a file's length",
            target.len()
        )));
    }
    let mut current = vec![0; longest as usize];
    target
        .file
        .read_exact_at(&mut current, at)
        .map_err(|e| Error::io(&target.name, e))?;
    if let Some(expect) = &expect
        && current[..expect.len()] != expect[..]
    {
        crate::say!(
            "{}: expected {} at offset {at}, found {}; nothing written",
            target.name,
            to_hex(expect),
            to_hex(&current[..expect.len()])
        );
        return Ok(Outcome::NothingDone);
    }
    if !args.write.dry_run {
        target.reserve(at, bytes.len() as u64)?;
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
    let old = &current[..bytes.len()];
    let written = write(&target, recorder.as_ref(), at, old, bytes, args);
    if let Some(recorder) = recorder {
        recorder.finish()?;
    }
    written?;
    let mut out = Output::stdout();
    if !args.quiet {
        let verb = if args.write.dry_run {
            "would be written"
        } else {
            "written"
        };
        out.path(&target.path);
        out.line(format_args!(
            ": {} bytes {verb} at offset {at}",
            bytes.len()
        ));
    }
    out.finish(Outcome::Done)
}

/// Writes BYTES at `at` over `old` through the one writer (journalled first).
fn write(
    target: &crate::io::target::Target,
    recorder: Option<&Recorder>,
    at: u64,
    old: &[u8],
    bytes: &[u8],
    args: &PokePlan,
) -> Result<(), Error> {
    let regions = std::iter::once((at, old, bytes));
    super::write_regions(
        target,
        args.write.dry_run,
        recorder,
        regions,
        wants_sync(&args.write),
    )
    .map(|_| ())
}
