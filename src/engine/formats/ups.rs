//! UPS (byuu's `UPS1`): reading, with all three CRC32s checked, and writing,
//! over the changed bytes of a file that keeps its size.

use std::collections::VecDeque;
use std::io::Write;

use super::input::push_varint;
use super::sequential::{CHUNK, Sequential, verify};
use super::write::{Crc32Writer, WriteError, WriteSpec};
use super::{Checksums, Context, ErrorKind, FormatError, Header, Region, read_source, size_change};

pub(crate) const MAGIC: &[u8] = b"UPS1";

/// Reads UPS: magic, source and target size (varints), then records (a
/// varint count of bytes to skip, XOR bytes up to a 0 that itself covers
/// one unchanged byte), then the source's, the target's and the patch's
/// CRC32.
pub(crate) struct Decoder {
    target: Sequential,
    size: u64,
    /// Where the records are: it may pass the end by one, after a block's
    /// closing 0 at the very end (which covers no byte).
    pos: u64,
    in_block: bool,
    expected: Option<Checksums>,
    reverse: bool,
}

impl Decoder {
    pub fn open(cx: &mut Context) -> Result<(Decoder, Header), FormatError> {
        let mut magic = [0; 4];
        cx.input.read_exact(&mut magic).map_err(|_| not_ups(cx))?;
        if magic != MAGIC {
            return Err(not_ups(cx));
        }
        let source = cx.input.varint()?;
        let target = cx.input.varint()?;
        let (from, to) = match cx.options.reverse {
            true => (target, source),
            false => (source, target),
        };
        if from != to {
            return Err(size_change(0, from, to));
        }
        let size = cx.source.len();
        if from != size {
            return Err(FormatError::new(
                ErrorKind::WrongSize,
                0,
                format!("the UPS patch is for a file of {from} bytes; this one has {size}"),
            ));
        }
        let decoder = Decoder {
            target: Sequential::new(size, false),
            size,
            pos: 0,
            in_block: false,
            expected: None,
            reverse: cx.options.reverse,
        };
        let header = Header {
            size: Some(from),
            name: None,
            ..Header::default()
        };
        Ok((decoder, header))
    }

    pub fn checksums(&self) -> Option<Checksums> {
        self.expected
    }

    pub fn step(
        &mut self,
        cx: &mut Context,
        out: &mut VecDeque<Region>,
    ) -> Result<bool, FormatError> {
        if self.in_block {
            self.block(cx, out)?;
            return Ok(true);
        }
        if cx.input.left_exactly(12)? {
            self.footer(cx, out)?;
            return Ok(false);
        }
        cx.input.start_record();
        let skip = cx.input.varint()?;
        let start = self.pos.checked_add(skip).filter(|&p| p <= self.size);
        let Some(start) = start else {
            return Err(super::past_end(cx.input.record, self.pos, skip, self.size));
        };
        self.target.unchanged(cx, start - self.pos, out)?;
        self.pos = start;
        self.in_block = true;
        Ok(true)
    }

    /// Reads XOR bytes, up to the block's closing 0 or a chunk's worth.
    fn block(&mut self, cx: &mut Context, out: &mut VecDeque<Region>) -> Result<(), FormatError> {
        let ahead = cx.input.peek_buffered(CHUNK)?;
        if ahead.is_empty() {
            return Err(cx.input.truncated());
        }
        let (len, closed) = match memchr::memchr(0, ahead) {
            Some(zero) => (zero, true),
            None => (ahead.len(), false),
        };
        if len > 0 {
            super::check_fits(cx, self.pos, len as u64)?;
            let xor = cx.input.take(len)?;
            let mut new = vec![0; len];
            read_source(cx.source, self.pos, &mut new)?;
            new.iter_mut().zip(&xor).for_each(|(b, x)| *b ^= x);
            self.target.write(cx, &new, out)?;
            self.pos += len as u64;
        }
        if closed {
            cx.input.byte()?;
            if self.pos < self.size {
                self.target.unchanged(cx, 1, out)?;
            }
            self.pos += 1;
            self.in_block = false;
        }
        Ok(())
    }

    fn footer(&mut self, cx: &mut Context, out: &mut VecDeque<Region>) -> Result<(), FormatError> {
        cx.input.start_record();
        let source = cx.input.u32_le()?;
        let target = cx.input.u32_le()?;
        let own = cx.input.crc();
        if cx.input.u32_le()? != own {
            return Err(FormatError::new(
                ErrorKind::Corrupt,
                cx.input.record,
                "the UPS patch's own checksum does not match: the patch is damaged",
            ));
        }
        let tail = self.size - self.target.out;
        self.target.unchanged(cx, tail, out)?;
        let (file, result) = self.target.finish(cx, out)?;
        let expected = match self.reverse {
            true => Checksums {
                file: target,
                result: source,
            },
            false => Checksums {
                file: source,
                result: target,
            },
        };
        self.expected = Some(expected);
        verify(cx.input.record, file, result, expected, "UPS")
    }
}

fn not_ups(cx: &Context) -> FormatError {
    FormatError::new(
        ErrorKind::Corrupt,
        cx.input.position(),
        "is not a UPS patch (it does not start with UPS1)",
    )
}

/// Writes a UPS patch: each maximal run of changed bytes is one XOR block.
pub(crate) fn write<'r>(
    out: &mut dyn Write,
    spec: &WriteSpec,
    regions: &mut dyn Iterator<Item = (u64, &'r [u8], &'r [u8])>,
) -> Result<(), WriteError> {
    let crcs = spec.crcs("UPS")?;
    let mut out = Crc32Writer::new(out);
    let mut head = MAGIC.to_vec();
    push_varint(&mut head, spec.size);
    push_varint(&mut head, spec.size);
    out.write_all(&head)?;
    // Where the decoder stands, and the end of the block being written
    // (its closing 0 not yet written).
    let mut pos = 0u64;
    let mut open: Option<u64> = None;
    let mut buf = Vec::new();
    for (offset, old, new) in regions {
        for (i, (a, b)) in old.iter().zip(new).enumerate() {
            let at = offset + i as u64;
            if a == b {
                continue;
            }
            if open != Some(at) {
                if open.is_some() {
                    buf.push(0);
                    pos = open.unwrap_or(pos) + 1;
                }
                push_varint(&mut buf, at - pos);
            }
            buf.push(a ^ b);
            open = Some(at + 1);
        }
        out.write_all(&buf)?;
        buf.clear();
    }
    if open.is_some() {
        out.write_all(&[0])?;
    }
    out.write_all(&crcs.old.to_le_bytes())?;
    out.write_all(&crcs.new.to_le_bytes())?;
    let own = out.crc();
    out.write_all(&own.to_le_bytes())?;
    Ok(())
}
