//! `mpatch peek`: show LENGTH bytes from OFFSET as a hexdump, hex, escaped
//! text or raw bytes, read and printed a chunk at a time, from a file or a stream.

use std::collections::VecDeque;

use super::plan::{PeekFormat, PeekPlan};
use crate::api::poke::{past_end, peek_range, read_at};
use crate::engine::offset::Position;
use crate::engine::pattern::to_hex;
use crate::engine::scan::stream::Stream;
use crate::error::{Error, Outcome};
use crate::io::target::{Access, Target};
use crate::output::Output;
use crate::output::render;

/// Bytes read and printed at a time (a whole number of hexdump rows).
const CHUNK: usize = 64 << 10;
/// How far back from a stream's end a negative OFFSET may reach: those
/// bytes are kept until the stream ends, within the heap's 32 MiB.
const STREAM_BACK: u64 = 16 << 20;

pub fn run(args: &PeekPlan) -> Result<Outcome, Error> {
    let (position, length) = (args.offset, args.length);
    let mut out = Output::stdout();
    match Stream::open(&args.file)? {
        Some(stream) => peek_stream(stream, position, length, args.format, &mut out)?,
        None => peek_file(args, position, length, &mut out)?,
    }
    if matches!(args.format, PeekFormat::Hex | PeekFormat::Text) {
        out.bytes(b"\n");
    }
    out.finish(Outcome::Done)
}

fn peek_file(
    args: &PeekPlan,
    position: Position,
    length: u64,
    out: &mut Output,
) -> Result<(), Error> {
    let target = Target::open(&args.file, Access::Read, true)?;
    let (start, end) = peek_range(&target, position, length)?;
    let mut chunk = vec![0; CHUNK.min((end - start) as usize)];
    let mut at = start;
    while at < end && out.is_open() {
        let n = CHUNK.min((end - at) as usize);
        let bytes = &mut chunk[..n];
        read_at(&target, bytes, at)?;
        show(out, args.format, bytes, at, &target.name);
        at += n as u64;
    }
    Ok(())
}

/// A stream is read once: bytes before OFFSET are skipped; a negative
/// OFFSET keeps the stream's last bytes until it ends.
fn peek_stream(
    mut stream: Stream,
    position: Position,
    length: u64,
    format: PeekFormat,
    out: &mut Output,
) -> Result<(), Error> {
    let mut chunk = vec![0; CHUNK];
    let mut read = 0u64;
    match position {
        Position::FromStart(start) => {
            let end = start.saturating_add(length);
            // Read past OFFSET even for a LENGTH of 0: an OFFSET the
            // stream never reaches is an error, as for a file.
            let needed = end.max(start.saturating_add(1));
            let mut rows = Rows {
                name: stream.name.clone(),
                format,
                pending: Vec::new(),
                at: start,
            };
            while out.is_open() && read < needed {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                let (from, to) = (read.max(start), (read + n as u64).min(end));
                if from < to {
                    rows.push(out, &chunk[(from - read) as usize..(to - read) as usize]);
                }
                read += n as u64;
            }
            if read <= start {
                return past_end(&stream.name, start, read);
            }
            rows.finish(out);
        }
        Position::FromEnd(back) => {
            if back > STREAM_BACK {
                return Err(Error::argument(
                    "OFFSET",
                    format!(
                        "on a stream, a negative OFFSET reaches back at most {STREAM_BACK} bytes"
                    ),
                ));
            }
            // Room for what is kept and one read: it never grows.
            let mut tail = VecDeque::with_capacity(back as usize + CHUNK);
            loop {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                read += n as u64;
                tail.extend(&chunk[..n]);
                let excess = tail.len().saturating_sub(back as usize);
                tail.drain(..excess);
            }
            let start = Position::FromEnd(back)
                .resolve(read)
                .map_err(|e| Error::file(&stream.name, e))?;
            past_end(&stream.name, start, read)?;
            let (bytes, _) = tail.make_contiguous().split_at(length.min(back) as usize);
            for (i, piece) in bytes.chunks(CHUNK).enumerate() {
                show(out, format, piece, start + (i * CHUNK) as u64, &stream.name);
            }
        }
    }
    Ok(())
}

/// Shows the bytes of a stream as they arrive, in whole hexdump rows (a
/// read may end anywhere in a row).
struct Rows {
    name: String,
    format: PeekFormat,
    pending: Vec<u8>,
    at: u64,
}

impl Rows {
    fn push(&mut self, out: &mut Output, bytes: &[u8]) {
        if self.format != PeekFormat::Hexdump {
            show(out, self.format, bytes, self.at, &self.name);
            self.at += bytes.len() as u64;
            return;
        }
        self.pending.extend_from_slice(bytes);
        let whole = self.pending.len() / 16 * 16;
        show(
            out,
            self.format,
            &self.pending[..whole],
            self.at,
            &self.name,
        );
        self.at += whole as u64;
        self.pending.drain(..whole);
    }

    fn finish(self, out: &mut Output) {
        if !self.pending.is_empty() || self.format != PeekFormat::Json {
            show(out, self.format, &self.pending, self.at, &self.name);
        }
    }
}

fn show(out: &mut Output, format: PeekFormat, bytes: &[u8], at: u64, name: &str) {
    match format {
        PeekFormat::Json => out.json(&crate::output::json::Bytes {
            kind: "bytes",
            path: crate::output::json::PathName::of(std::path::Path::new(name)),
            offset: at,
            bytes: to_hex(bytes),
        }),
        PeekFormat::Hexdump => out.bytes(render::hexdump(bytes, at).as_bytes()),
        PeekFormat::Hex => out.bytes(to_hex(bytes).as_bytes()),
        PeekFormat::Text => out.bytes(render::escape(bytes).as_bytes()),
        PeekFormat::Raw => out.bytes(bytes),
    }
}
