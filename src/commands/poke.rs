//! `mpatch poke`: write BYTES at OFFSET in place, never past the end,
//! optionally only if the bytes there are the expected ones.

use crate::cli::PokeArgs;
use crate::error::{Outcome, Problem};
use crate::offset;
use crate::output::Output;
use crate::pass::PageWriter;
use crate::pattern::to_hex;

use super::{Recorder, open_all, read_bytes, settle_file, wants_sync, write_kind};

pub fn run(args: &PokeArgs) -> anyhow::Result<Outcome> {
    let syntax = args.syntax.into();
    let bytes = read_bytes("BYTES", &args.bytes, syntax)?;
    let expect = args
        .expect
        .as_ref()
        .map(|e| read_bytes("--expect", e, syntax))
        .transpose()?;
    let position = offset::parse_position(&args.offset).map_err(|e| Problem::new("OFFSET", e))?;
    let target = open_all(std::slice::from_ref(&args.file), &args.write)?.remove(0);
    let at = position
        .resolve(target.len())
        .map_err(|e| target.problem(e))?;
    let longest = bytes.len().max(expect.as_ref().map_or(0, Vec::len)) as u64;
    if at.checked_add(longest).is_none_or(|end| end > target.len()) {
        return Err(target
            .problem(format!(
                "{longest} bytes at offset {at} run past the end of the file ({} bytes); poke never changes a file's length",
                target.len()
            ))
            .into());
    }
    let at = at as usize;
    let mut mapping = target.map(write_kind(&args.write))?;
    let current = &mapping.bytes()[at..at + bytes.len()];
    if let Some(expect) = &expect
        && mapping.bytes()[at..at + expect.len()] != expect[..]
    {
        eprintln!(
            "mpatch: {}: expected {} at offset {at}, found {}; nothing written",
            target.name,
            to_hex(expect),
            to_hex(&mapping.bytes()[at..at + expect.len()])
        );
        return Ok(Outcome::NothingDone);
    }
    if let Some(path) = args.write.journal.as_ref().filter(|_| !args.write.dry_run) {
        let mut recorder = Recorder::create(path)?;
        let recorded = recorder
            .file(&target)
            .and_then(|()| recorder.region(at as u64, current, &bytes));
        recorder.finish(recorded.map_err(anyhow::Error::from))?;
    }
    let hay = mapping.bytes_mut().map_err(|e| target.write_failure(&e))?;
    PageWriter::new(&bytes, &target)
        .write(&mut hay[at..at + bytes.len()])
        .map_err(|e| target.write_failure(&e))?;
    settle_file(&target, &mapping, wants_sync(&args.write))?;
    if !args.quiet {
        let verb = if args.write.dry_run {
            "would be written"
        } else {
            "written"
        };
        let mut out = Output::stdout();
        out.line(format_args!(
            "{}: {} bytes {verb} at offset {at}",
            target.name,
            bytes.len()
        ))?;
        out.flush()?;
    }
    Ok(Outcome::Done)
}
