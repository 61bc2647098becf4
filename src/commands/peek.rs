//! `mpatch peek`: show LENGTH bytes from OFFSET as a hexdump, hex, escaped
//! text or raw bytes.

use crate::cli::{PeekArgs, PeekFormat};
use crate::error::{Outcome, Problem};
use crate::map::MapKind;
use crate::offset;
use crate::output::Output;
use crate::pattern::to_hex;
use crate::render;
use crate::target::{Access, Target};

pub fn run(args: &PeekArgs) -> anyhow::Result<Outcome> {
    let position = offset::parse_position(&args.offset).map_err(|e| Problem::new("OFFSET", e))?;
    let length = offset::parse_number(&args.length).map_err(|e| Problem::new("LENGTH", e))?;
    let target = Target::open(&args.file, Access::Read, true)?;
    let start = position
        .resolve(target.len())
        .map_err(|e| target.problem(e))?;
    if start >= target.len() && !(start == 0 && length == 0) {
        return Err(target
            .problem(format!(
                "offset {start} is past the end of the file ({} bytes)",
                target.len()
            ))
            .into());
    }
    let end = start.saturating_add(length).min(target.len());
    let mapping = target.map(MapKind::ReadOnly)?;
    let bytes = &mapping.bytes()[start as usize..end as usize];
    let mut out = Output::stdout();
    match args.format {
        PeekFormat::Hexdump => out.bytes(render::hexdump(bytes, start).as_bytes())?,
        PeekFormat::Hex => out.line(to_hex(bytes))?,
        PeekFormat::Text => out.line(render::escape(bytes))?,
        PeekFormat::Raw => out.bytes(bytes)?,
    }
    out.flush()?;
    target.check_unchanged()?;
    Ok(Outcome::Done)
}
