//! BPS (byuu's `BPS1`): reading all four actions, with all three CRC32s
//! checked, in bounded memory (target copies read a log that spills); and writing.

use std::collections::VecDeque;
use std::io::Write;

use super::input::push_varint;
use super::sequential::{CHUNK, Sequential, verify};
use super::write::{Crc32Writer, WriteError, WriteSpec};
use super::{Checksums, Context, ErrorKind, FormatError, Header, Region, read_source, size_change};

pub(crate) const MAGIC: &[u8] = b"BPS1";
/// The most metadata kept as the header's name.
const NAME: u64 = 4096;

#[derive(Debug, Clone, Copy)]
enum Action {
    SourceRead { left: u64 },
    TargetRead { left: u64 },
    SourceCopy { from: u64, left: u64 },
    TargetCopy { from: u64, left: u64 },
}

/// Reads BPS: magic, source size, target size, metadata size (varints) and
/// the metadata, then actions until the target is complete: a varint of
/// `(length - 1) << 2 | action`; SourceRead (the source's bytes at the
/// same offset), TargetRead (bytes in the patch), SourceCopy and TargetCopy
/// (a varint signed move, `delta << 1 | negative`, of a cursor that each
/// copy then advances). Then the source's, target's and patch's CRC32.
/// Source copies read the source as it was; target copies read the target
/// produced so far, which may overlap what they write (a run).
pub(crate) struct Decoder {
    target: Sequential,
    size: u64,
    action: Option<Action>,
    source_cursor: u64,
    target_cursor: u64,
    expected: Option<Checksums>,
}

impl Decoder {
    pub fn open(cx: &mut Context) -> Result<(Decoder, Header), FormatError> {
        let mut magic = [0; 4];
        cx.input.read_exact(&mut magic).map_err(|_| not_bps(cx))?;
        if magic != MAGIC {
            return Err(not_bps(cx));
        }
        let source = cx.input.varint()?;
        let target = cx.input.varint()?;
        if source != target {
            return Err(size_change(0, source, target));
        }
        let size = cx.source.len();
        if source != size {
            return Err(FormatError::new(
                ErrorKind::WrongSize,
                0,
                format!("the BPS patch is for a file of {source} bytes; this one has {size}"),
            ));
        }
        cx.input.start_record();
        let meta = cx.input.varint()?;
        let kept = cx.input.take(meta.min(NAME) as usize)?;
        let mut rest = meta - meta.min(NAME);
        while rest > 0 {
            let n = rest.min(CHUNK as u64);
            cx.input.take(n as usize)?;
            rest -= n;
        }
        let name = (!kept.is_empty()).then(|| String::from_utf8_lossy(&kept).into_owned());
        let decoder = Decoder {
            target: Sequential::new(size, true),
            size,
            action: None,
            source_cursor: 0,
            target_cursor: 0,
            expected: None,
        };
        Ok((
            decoder,
            Header {
                size: Some(size),
                name,
                ..Header::default()
            },
        ))
    }

    pub fn checksums(&self) -> Option<Checksums> {
        self.expected
    }

    pub fn step(
        &mut self,
        cx: &mut Context,
        out: &mut VecDeque<Region>,
    ) -> Result<bool, FormatError> {
        let action = match self.action.take() {
            Some(action) => action,
            None if self.target.out == self.size => {
                self.footer(cx, out)?;
                return Ok(false);
            }
            None => self.next_action(cx)?,
        };
        self.action = self.perform(cx, action, out)?;
        Ok(true)
    }

    fn next_action(&mut self, cx: &mut Context) -> Result<Action, FormatError> {
        cx.input.start_record();
        let data = cx.input.varint()?;
        let left = (data >> 2) + 1;
        if left > self.size - self.target.out {
            return Err(FormatError::new(
                ErrorKind::Corrupt,
                cx.input.record,
                format!(
                    "the action at byte {} writes {left} bytes at offset {}, past the end of the {}-byte target",
                    cx.input.record, self.target.out, self.size
                ),
            ));
        }
        Ok(match data & 3 {
            0 => Action::SourceRead { left },
            1 => Action::TargetRead { left },
            2 => {
                let from = self.moved(cx, self.source_cursor, "source")?;
                if from.checked_add(left).is_none_or(|end| end > self.size) {
                    return Err(bad_copy(cx, "source copy", "past the end of the source"));
                }
                Action::SourceCopy { from, left }
            }
            _ => {
                let from = self.moved(cx, self.target_cursor, "target")?;
                if from >= self.target.out {
                    return Err(bad_copy(cx, "target copy", "from bytes not yet written"));
                }
                Action::TargetCopy { from, left }
            }
        })
    }

    /// A copy's cursor after its signed move.
    fn moved(&self, cx: &mut Context, cursor: u64, what: &str) -> Result<u64, FormatError> {
        let data = cx.input.varint()?;
        let delta = data >> 1;
        let moved = match data & 1 {
            1 => cursor.checked_sub(delta),
            _ => cursor.checked_add(delta),
        };
        moved.ok_or_else(|| {
            bad_copy(
                cx,
                &format!("{what} copy"),
                "from before the start of the file",
            )
        })
    }

    /// Does up to a chunk of `action`; returns what is left of it.
    fn perform(
        &mut self,
        cx: &mut Context,
        action: Action,
        out: &mut VecDeque<Region>,
    ) -> Result<Option<Action>, FormatError> {
        let mut buf = Vec::new();
        let rest = match action {
            Action::SourceRead { left } => {
                self.target.unchanged(cx, left, out)?;
                None
            }
            Action::TargetRead { left } => {
                let n = left.min(CHUNK as u64);
                let bytes = cx.input.take(n as usize)?;
                self.target.write(cx, &bytes, out)?;
                (left > n).then_some(Action::TargetRead { left: left - n })
            }
            Action::SourceCopy { from, left } => {
                let n = left.min(CHUNK as u64);
                buf.resize(n as usize, 0);
                read_source(cx.source, from, &mut buf)?;
                self.target.write(cx, &buf, out)?;
                self.source_cursor = from + n;
                (left > n).then_some(Action::SourceCopy {
                    from: from + n,
                    left: left - n,
                })
            }
            Action::TargetCopy { from, left } => {
                let n = self.target_copy(cx, from, left, &mut buf)?;
                self.target.write(cx, &buf, out)?;
                self.target_cursor = from + n;
                (left > n).then_some(Action::TargetCopy {
                    from: from + n,
                    left: left - n,
                })
            }
        };
        Ok(rest)
    }

    /// The next bytes of a target copy into `buf`; returns how many. A copy
    /// that overlaps its own output repeats the `distance` bytes before the
    /// output, so those are read once and repeated.
    fn target_copy(
        &mut self,
        cx: &Context,
        from: u64,
        left: u64,
        buf: &mut Vec<u8>,
    ) -> Result<u64, FormatError> {
        let distance = self.target.out - from;
        let most = left.min(CHUNK as u64);
        if distance >= most {
            buf.resize(most as usize, 0);
            self.target.read_result(cx, from, buf)?;
            return Ok(most);
        }
        let mut pattern = vec![0; distance as usize];
        self.target.read_result(cx, from, &mut pattern)?;
        // Whole periods only, so that the next piece starts in phase.
        let n = match left <= most {
            true => left,
            false => most / distance * distance,
        };
        buf.clear();
        buf.extend(pattern.iter().cycle().take(n as usize));
        Ok(n)
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
                "the BPS patch's own checksum does not match: the patch is damaged",
            ));
        }
        if !cx.input.at_end()? {
            return Err(cx.input.error(
                ErrorKind::Corrupt,
                "the BPS patch goes on after its checksums",
            ));
        }
        let (file, result) = self.target.finish(cx, out)?;
        let expected = Checksums {
            file: source,
            result: target,
        };
        self.expected = Some(expected);
        verify(cx.input.record, file, result, expected, "BPS")
    }
}

fn not_bps(cx: &Context) -> FormatError {
    FormatError::new(
        ErrorKind::Corrupt,
        cx.input.position(),
        "is not a BPS patch (it does not start with BPS1)",
    )
}

fn bad_copy(cx: &Context, what: &str, problem: &str) -> FormatError {
    FormatError::new(
        ErrorKind::Corrupt,
        cx.input.record,
        format!(
            "the {what} at byte {} reads {problem}: the patch is damaged",
            cx.input.record
        ),
    )
}

/// Writes a BPS patch: SourceRead for the bytes between regions,
/// TargetRead for each region's new bytes.
pub(crate) fn write<'r>(
    out: &mut dyn Write,
    spec: &WriteSpec,
    regions: &mut dyn Iterator<Item = (u64, &'r [u8], &'r [u8])>,
) -> Result<(), WriteError> {
    let crcs = spec.crcs("BPS")?;
    let mut out = Crc32Writer::new(out);
    let mut buf = MAGIC.to_vec();
    push_varint(&mut buf, spec.size);
    push_varint(&mut buf, spec.size);
    push_varint(&mut buf, 0);
    let mut at = 0u64;
    for (offset, _, new) in regions {
        if new.is_empty() {
            continue;
        }
        if offset > at {
            push_varint(&mut buf, (offset - at - 1) << 2);
        }
        push_varint(&mut buf, ((new.len() as u64 - 1) << 2) | 1);
        buf.extend_from_slice(new);
        out.write_all(&buf)?;
        buf.clear();
        at = offset + new.len() as u64;
    }
    if spec.size > at {
        push_varint(&mut buf, (spec.size - at - 1) << 2);
    }
    buf.extend_from_slice(&crcs.old.to_le_bytes());
    buf.extend_from_slice(&crcs.new.to_le_bytes());
    out.write_all(&buf)?;
    let own = out.crc();
    out.write_all(&own.to_le_bytes())?;
    Ok(())
}
