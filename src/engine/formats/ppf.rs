//! PPF 3.0 (`PPF30`): reading, with the block check, undo data and the
//! FILE_ID.DIZ note; and writing (with undo data, no block check).

use std::collections::VecDeque;
use std::io::Write;

use super::text::Claimed;
use super::write::{WriteError, WriteSpec};
use super::{Context, ErrorKind, FormatError, Header, Region, check_fits, read_source};

pub(crate) const MAGIC: &[u8] = b"PPF30";
const METHOD: u8 = 2;
const HEADER: usize = 60;
const BLOCK: usize = 1024;
const BLOCK_BIN: u64 = 0x9320;
const BLOCK_GI: u64 = 0x80A0;
const DIZ_BEGIN: &[u8] = b"@BEGIN_FILE_ID.DIZ";
const DIZ_END: &[u8] = b"@END_FILE_ID.DIZ";
/// The most a note may hold, its markers and length included (the format
/// allows 3072 bytes of text; some tools wrote theirs more than once).
const DIZ_MAX: usize = 64 << 10;

/// Reads PPF 3.0 as Icarus/Paradox's ApplyPPF 3.0 does: `PPF30`, the
/// encoding method (2), a 50-byte description, the image type (0 BIN,
/// 1 GI) at 56, the block check flag at 57, the undo flag at 58, an unused
/// byte; with the block check, 1024 bytes that the file must hold at
/// 0x9320 (BIN) or 0x80A0 (GI). Then records: a 64-bit little-endian
/// offset, a count byte, the new bytes and (with undo) the old ones. A note
/// may end the patch: `@BEGIN_FILE_ID.DIZ`, text, `@END_FILE_ID.DIZ`, its
/// length (16 bits); it is looked for where a record would start.
pub(crate) struct Decoder {
    undo: bool,
    reverse: bool,
    claimed: Claimed,
}

impl Decoder {
    pub fn open(cx: &mut Context) -> Result<(Decoder, Header), FormatError> {
        let mut head = [0; HEADER];
        let read = cx.input.read_exact(&mut head);
        if read.is_err() || !head.starts_with(b"PPF") {
            let short = read.is_err() && head.starts_with(b"PPF");
            return Err(FormatError::new(
                ErrorKind::Corrupt,
                0,
                match short {
                    true => "truncated: the PPF patch ends inside its 60-byte header",
                    false => "is not a PPF patch (it does not start with PPF)",
                },
            ));
        }
        if &head[..5] != MAGIC {
            return Err(FormatError::new(
                ErrorKind::Unsupported,
                0,
                format!(
                    "is a {} patch; mpatch reads PPF 3.0 (PPF30) only",
                    String::from_utf8_lossy(&head[..5])
                ),
            ));
        }
        if head[5] != METHOD {
            return Err(FormatError::new(
                ErrorKind::Corrupt,
                5,
                format!("the PPF 3.0 patch's encoding method is {}, not 2", head[5]),
            ));
        }
        let (image, check, undo) = (head[56], head[57] != 0, head[58] != 0);
        if cx.options.reverse && !undo {
            return Err(FormatError::new(
                ErrorKind::Unsupported,
                58,
                "the PPF patch has no undo data, so cannot be reversed",
            ));
        }
        let block = match check {
            true => Some(block_check(cx, image)?),
            false => None,
        };
        let description = String::from_utf8_lossy(&head[6..56]);
        let description = description.trim_end_matches(['\0', ' ']).trim_start();
        let header = Header {
            size: None,
            name: (!description.is_empty()).then(|| description.to_string()),
            block,
        };
        let decoder = Decoder {
            undo,
            reverse: cx.options.reverse,
            claimed: Claimed::default(),
        };
        Ok((decoder, header))
    }

    pub fn step(
        &mut self,
        cx: &mut Context,
        out: &mut VecDeque<Region>,
    ) -> Result<bool, FormatError> {
        cx.input.start_record();
        if cx.input.at_end()? {
            return Ok(false);
        }
        if cx.input.peek(DIZ_BEGIN.len())? == DIZ_BEGIN {
            note(cx)?;
            return Ok(false);
        }
        let offset = cx.input.u64_le()?;
        let count = cx.input.byte()?;
        check_fits(cx, offset, u64::from(count))?;
        let new = cx.input.take(count.into())?;
        let old = match self.undo {
            true => Some(cx.input.take(count.into())?),
            false => None,
        };
        if count == 0 {
            return Ok(true);
        }
        if self.undo && !self.claimed.claim(offset, u64::from(count)) {
            return Err(FormatError::new(
                ErrorKind::Corrupt,
                cx.input.record,
                format!(
                    "the record at byte {} (offset {offset:#x}) overlaps an earlier one; a patch with undo data must not write a byte twice",
                    cx.input.record
                ),
            ));
        }
        let region = match (self.reverse, old) {
            (true, Some(old)) => Region {
                offset,
                old: Some(new),
                new: old,
            },
            (_, old) => Region { offset, old, new },
        };
        out.push_back(region);
        Ok(true)
    }
}

/// Compares the 1024 bytes after the header with the file's; returns
/// where they are and what they are, for the other files of a run.
fn block_check(cx: &mut Context, image: u8) -> Result<(u64, Vec<u8>), FormatError> {
    let at = match image {
        0 => BLOCK_BIN,
        1 => BLOCK_GI,
        other => {
            return Err(FormatError::new(
                ErrorKind::Corrupt,
                56,
                format!("the PPF patch's image type is {other}; PPF 3.0 knows 0 (BIN) and 1 (GI)"),
            ));
        }
    };
    cx.input.start_record();
    let mut block = vec![0; BLOCK];
    cx.input.read_exact(&mut block)?;
    let size = cx.source.len();
    if size < at + BLOCK as u64 {
        return Err(FormatError::new(
            ErrorKind::WrongFile,
            HEADER as u64,
            format!(
                "the PPF patch checks 1024 bytes at offset {at:#x}, past the end of the {size}-byte file: it is for another file"
            ),
        ));
    }
    let mut found = vec![0; BLOCK];
    read_source(cx.source, at, &mut found)?;
    if found != block {
        return Err(FormatError::new(
            ErrorKind::WrongFile,
            HEADER as u64,
            format!(
                "the file's 1024 bytes at offset {at:#x} are not those the PPF patch checks for: it is for another file"
            ),
        ));
    }
    Ok((at, block))
}

/// Reads the FILE_ID.DIZ note to the end of the patch: it must close.
fn note(cx: &mut Context) -> Result<(), FormatError> {
    let mut text = Vec::new();
    while !cx.input.at_end()? {
        let ahead = cx.input.peek(DIZ_MAX)?.len();
        if text.len() + ahead > DIZ_MAX {
            return Err(FormatError::new(
                ErrorKind::Corrupt,
                cx.input.record,
                format!(
                    "the PPF patch's FILE_ID.DIZ note at byte {} runs on past {} KiB",
                    cx.input.record,
                    DIZ_MAX >> 10
                ),
            ));
        }
        text.extend(cx.input.take(ahead)?);
    }
    if memchr::memmem::find(&text, DIZ_END).is_none() {
        return Err(FormatError::new(
            ErrorKind::Corrupt,
            cx.input.record,
            format!(
                "truncated: the PPF patch's FILE_ID.DIZ note at byte {} has no @END_FILE_ID.DIZ",
                cx.input.record
            ),
        ));
    }
    Ok(())
}

/// Writes a PPF 3.0 patch with undo data and no block check (the undo
/// data already makes apply a compare-and-swap), in records of at most
/// 255 bytes. An empty patch gets one record of no bytes: ApplyPPF's loop
/// never ends on a patch with no record at all.
pub(crate) fn write<'r>(
    out: &mut dyn Write,
    spec: &WriteSpec,
    regions: &mut dyn Iterator<Item = (u64, &'r [u8], &'r [u8])>,
) -> Result<(), WriteError> {
    let mut head = [0u8; HEADER];
    head[..5].copy_from_slice(MAGIC);
    head[5] = METHOD;
    let description: Vec<u8> = spec
        .name
        .bytes()
        .filter(|b| !b.is_ascii_control())
        .take(50)
        .collect();
    head[6..56].fill(b' ');
    head[6..6 + description.len()].copy_from_slice(&description);
    head[58] = 1;
    out.write_all(&head)?;
    let mut records = 0u64;
    for (offset, old, new) in regions {
        for (i, (old, new)) in old.chunks(255).zip(new.chunks(255)).enumerate() {
            out.write_all(&(offset + 255 * i as u64).to_le_bytes())?;
            out.write_all(&[new.len() as u8])?;
            out.write_all(new)?;
            out.write_all(old)?;
            records += 1;
        }
    }
    if records == 0 {
        out.write_all(&[0; 9])?;
    }
    Ok(())
}
