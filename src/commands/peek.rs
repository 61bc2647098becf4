//! `mpatch peek`: show LENGTH bytes from OFFSET as a hexdump, hex, escaped
//! text or raw bytes, read and printed a chunk at a time.

use std::os::unix::fs::FileExt;

use crate::cli::{PeekArgs, PeekFormat};
use crate::error::{Error, Outcome};
use crate::offset;
use crate::output::Output;
use crate::pattern::to_hex;
use crate::render;
use crate::target::{Access, Target};

/// Bytes read and printed at a time (a whole number of hexdump rows).
const CHUNK: usize = 64 << 10;

pub fn run(args: &PeekArgs) -> Result<Outcome, Error> {
    let position =
        offset::parse_position(&args.offset).map_err(|e| Error::argument("OFFSET", e))?;
    let length = offset::parse_number(&args.length).map_err(|e| Error::argument("LENGTH", e))?;
    let target = Target::open(&args.file, Access::Read, true)?;
    let start = position
        .resolve(target.len())
        .map_err(|e| target.problem(e))?;
    if start >= target.len() && !(start == 0 && length == 0) {
        return Err(target.problem(format!(
            "offset {start} is past the end of the file ({} bytes)",
            target.len()
        )));
    }
    let end = start.saturating_add(length).min(target.len());
    let mut out = Output::stdout();
    let mut chunk = vec![0; CHUNK.min((end - start) as usize)];
    let mut at = start;
    while at < end && out.is_open() {
        let n = CHUNK.min((end - at) as usize);
        let bytes = &mut chunk[..n];
        target
            .file
            .read_exact_at(bytes, at)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => Error::Resized {
                    path: target.name.clone(),
                },
                _ => Error::io(&target.name, e),
            })?;
        match args.format {
            PeekFormat::Hexdump => out.bytes(render::hexdump(bytes, at).as_bytes()),
            PeekFormat::Hex => out.bytes(to_hex(bytes).as_bytes()),
            PeekFormat::Text => out.bytes(render::escape(bytes).as_bytes()),
            PeekFormat::Raw => out.bytes(bytes),
        }
        at += n as u64;
    }
    if matches!(args.format, PeekFormat::Hex | PeekFormat::Text) {
        out.bytes(b"\n");
    }
    out.finish(Outcome::Done)
}
