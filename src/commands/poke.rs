//! `mpatch poke`: write BYTES at OFFSET in place, never past the end,
//! optionally only if the bytes there are the expected ones (the library's
//! [`crate::Poke`], printed).

use crate::api::poke::Poke;
use crate::error::{Error, Outcome};
use crate::output::Output;

use super::plan::PokePlan;

pub fn run(args: &PokePlan) -> Result<Outcome, Error> {
    let mut poke = Poke::new(&args.file, args.offset, &args.bytes)
        .dry_run(args.write.dry_run)
        .sync(args.write.sync())
        .lock_timeout(args.write.lock_timeout)
        .allow_device(args.write.allow_device);
    if let Some(expect) = &args.expect {
        poke = poke.expect(expect);
    }
    if let Some(journal) = &args.write.journal {
        poke = poke.journal(journal);
    }
    let poked = match poke.run() {
        Ok(poked) => poked,
        // A compare-and-swap that did not hold: what is there, exit 1.
        Err(error @ Error::Changed { .. }) => {
            crate::say!("{error}");
            return Ok(Outcome::NothingDone);
        }
        Err(error) => return Err(error),
    };
    let mut out = Output::stdout();
    if args.json {
        out.json(&crate::output::json::Poked {
            kind: "poke",
            path: crate::output::json::PathName::of(std::path::Path::new(&args.file)),
            offset: poked.offset,
            old: crate::engine::pattern::to_hex(&poked.old),
            new: crate::engine::pattern::to_hex(&args.bytes),
            dry_run: args.write.dry_run,
        });
    } else if !args.quiet {
        let verb = match args.write.dry_run {
            true => "would be written",
            false => "written",
        };
        // The offset as typed (hex stays hex), unless it counted back
        // from the end: then where that is.
        let offset = match args.offset_text.starts_with('-') {
            true => poked.offset.to_string(),
            false => args.offset_text.clone(),
        };
        let n = args.bytes.len() as u64;
        let bytes = super::replace::plural(n, "byte", "bytes");
        out.path(std::path::Path::new(&args.file));
        out.line(format_args!(": {n} {bytes} {verb} at offset {offset}"));
    }
    out.finish(Outcome::Done)
}
