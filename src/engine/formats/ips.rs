//! IPS (`PATCH` ... `EOF`): reading and writing; a truncation size after
//! `EOF` is refused unless it is the file's own size.

use std::collections::VecDeque;
use std::io::Write;

use super::write::{WriteError, WriteSpec};
use super::{Context, ErrorKind, FormatError, Region, check_fits, size_change};

pub(crate) const MAGIC: &[u8] = b"PATCH";
/// The offset a record cannot start at: its bytes spell `EOF`.
pub(crate) const EOF_OFFSET: u64 = 0x454F46;
/// The largest offset IPS can name.
const MAX_OFFSET: u64 = 0xFF_FFFF;
/// The most bytes one plain record holds.
const MAX_LEN: usize = 0xFFFF;

/// Reads IPS: records of a 24-bit big-endian offset and a 16-bit length,
/// then the bytes; length 0 marks a run (16-bit count, one byte). An
/// optional 24-bit size after `EOF` truncates the file.
pub(crate) struct Decoder {
    /// The size after `EOF`, if the patch has one.
    truncation: Option<u64>,
}

impl Decoder {
    pub fn truncation(&self) -> Option<u64> {
        self.truncation
    }

    pub fn open(cx: &mut Context) -> Result<Decoder, FormatError> {
        let mut magic = [0; 5];
        let read = cx.input.read_exact(&mut magic);
        if read.is_err() || magic != MAGIC {
            return Err(FormatError::new(
                ErrorKind::Corrupt,
                0,
                "is not an IPS patch (it does not start with PATCH)",
            ));
        }
        Ok(Decoder { truncation: None })
    }

    /// Reads one record (its region goes to `out`), or the end.
    pub fn step(
        &mut self,
        cx: &mut Context,
        out: &mut VecDeque<Region>,
    ) -> Result<bool, FormatError> {
        cx.input.start_record();
        if cx.input.peek(3)? == b"EOF" {
            cx.input.read_exact(&mut [0; 3])?;
            self.end(cx)?;
            return Ok(false);
        }
        if cx.input.at_end()? {
            return Err(FormatError::new(
                ErrorKind::Corrupt,
                cx.input.record,
                format!(
                    "truncated: the IPS patch ends at byte {} without its EOF marker",
                    cx.input.record
                ),
            ));
        }
        let offset = cx.input.be::<3>()?;
        let len = cx.input.be::<2>()?;
        let new = match len {
            0 => {
                let count = cx.input.be::<2>()?;
                let byte = cx.input.byte()?;
                check_fits(cx, offset, count)?;
                vec![byte; count as usize]
            }
            len => {
                check_fits(cx, offset, len)?;
                cx.input.take(len as usize)?
            }
        };
        if !new.is_empty() {
            out.push_back(Region {
                offset,
                old: None,
                new,
            });
        }
        Ok(true)
    }

    /// After `EOF`: nothing, or a truncation to the file's own size.
    fn end(&mut self, cx: &mut Context) -> Result<(), FormatError> {
        let size = cx.source.len();
        let after = cx.input.peek(4)?.len();
        match after {
            0 => Ok(()),
            3 => {
                cx.input.start_record();
                let truncated = cx.input.be::<3>()?;
                self.truncation = Some(truncated);
                match truncated == size {
                    true => Ok(()),
                    false => Err(size_change(cx.input.record, size, truncated)),
                }
            }
            _ => Err(cx.input.error(
                ErrorKind::Corrupt,
                format!(
                    "the IPS patch goes on after its EOF marker at byte {} (only a 3-byte size may follow it)",
                    cx.input.position() - 3
                ),
            )),
        }
    }
}

/// Writes an IPS patch: each region as plain records of at most 65535
/// bytes. A record that would start at 0x454F46 (which reads as `EOF`)
/// starts one byte earlier, that byte written as the old file has it.
pub(crate) fn write<'r>(
    out: &mut dyn Write,
    spec: &WriteSpec,
    regions: &mut dyn Iterator<Item = (u64, &'r [u8], &'r [u8])>,
) -> Result<(), WriteError> {
    out.write_all(MAGIC)?;
    let mut record = Vec::new();
    // The end of the previous region and its last new byte: the byte
    // before 0x454F46 as the patched file has it may be that one.
    let mut last: Option<(u64, u8)> = None;
    for (offset, _, new) in regions {
        let mut at = offset;
        let mut rest = new;
        while !rest.is_empty() {
            if at > MAX_OFFSET {
                return Err(WriteError::Invalid(format!(
                    "offset {at:#x} does not fit IPS's 24 bits (IPS reaches the first 16 MiB of a file; use bps or ups)"
                )));
            }
            record.clear();
            let (start, take) = match at == EOF_OFFSET {
                true => {
                    let before = match last {
                        _ if at > offset => new[(at - 1 - offset) as usize],
                        Some((end, byte)) if end == at => byte,
                        _ => {
                            let mut before = [0];
                            spec.old
                                .read_at(at - 1, &mut before)
                                .map_err(WriteError::Io)?;
                            before[0]
                        }
                    };
                    record.push(before);
                    (at - 1, rest.len().min(MAX_LEN - 1))
                }
                false => (at, rest.len().min(MAX_LEN)),
            };
            record.extend_from_slice(&rest[..take]);
            out.write_all(&start.to_be_bytes()[5..])?;
            out.write_all(&(record.len() as u16).to_be_bytes())?;
            out.write_all(&record)?;
            at += take as u64;
            rest = &rest[take..];
        }
        if let Some(&byte) = new.last() {
            last = Some((at, byte));
        }
    }
    out.write_all(b"EOF")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{ReadOptions, open};

    fn regions(patch: &[u8], file: &[u8]) -> Result<Vec<(u64, Vec<u8>)>, String> {
        let source = file;
        let reader = open(patch, &source, ReadOptions::default()).map_err(|e| e.reason)?;
        reader
            .map(|r| r.map(|r| (r.offset, r.new)).map_err(|e| e.reason))
            .collect()
    }

    #[test]
    fn records_runs_and_truncation() {
        let file = [0u8; 16];
        let patch = b"PATCH\x00\x00\x02\x00\x02ab\x00\x00\x08\x00\x00\x00\x03zEOF";
        assert_eq!(
            regions(patch, &file).unwrap(),
            vec![(2, b"ab".to_vec()), (8, b"zzz".to_vec())]
        );
        let same = b"PATCH\x00\x00\x02\x00\x01aEOF\x00\x00\x10";
        assert_eq!(regions(same, &file).unwrap().len(), 1);
        let shrink = b"PATCH\x00\x00\x02\x00\x01aEOF\x00\x00\x08";
        let error = regions(shrink, &file).unwrap_err();
        assert_eq!(
            error,
            "the patch would change the file's size from 16 to 8 bytes"
        );
        let past = b"PATCH\x00\x00\x0f\x00\x02abEOF";
        assert_eq!(
            regions(past, &file).unwrap_err(),
            "a record at offset 0xf (2 bytes) runs past the end of the 16-byte file (it would make the file 17 bytes)"
        );
        let junk = b"PATCH\x00\x00\x02\x00\x01aEOFjunk";
        assert!(regions(junk, &file).unwrap_err().contains("goes on after"));
        let open_ended = b"PATCH\x00\x00\x02\x00\x01a";
        assert!(
            regions(open_ended, &file)
                .unwrap_err()
                .contains("without its EOF")
        );
        let cut = b"PATCH\x00\x00\x02\x00\x05ab";
        assert_eq!(
            regions(cut, &file).unwrap_err(),
            "truncated: the patch ends inside the record at byte 5"
        );
    }
}
