//! The target as UPS and BPS spell it out, from offset 0 to the end: compared
//! with the source into changed regions, both files' CRC32s taken on the way.

use std::collections::VecDeque;

use super::held::Log;
use super::{Context, ErrorKind, FormatError, MAX_REGION, Region, past_end, read_source};

/// Output is read and compared in pieces of this size.
pub(crate) const CHUNK: usize = 64 << 10;

pub(crate) struct Sequential {
    /// The next offset of the target to be produced.
    pub out: u64,
    size: u64,
    file_crc: crc32fast::Hasher,
    result_crc: crc32fast::Hasher,
    open: Option<Region>,
    /// Every changed region so far, kept for BPS's target copies (which
    /// read the result so far), in a log that spills past a MiB.
    kept: Option<Log>,
    old: Vec<u8>,
}

impl Sequential {
    /// A target as long as the source, `size` bytes; `keep` keeps the
    /// changes for [`Sequential::read_result`].
    pub fn new(size: u64, keep: bool) -> Sequential {
        Sequential {
            out: 0,
            size,
            file_crc: crc32fast::Hasher::new(),
            result_crc: crc32fast::Hasher::new(),
            open: None,
            kept: keep.then(Log::default),
            old: Vec::new(),
        }
    }

    fn check_room(&self, cx: &Context, len: u64) -> Result<(), FormatError> {
        match self.out.checked_add(len) {
            Some(end) if end <= self.size => Ok(()),
            _ => Err(past_end(cx.input.record, self.out, len, self.size)),
        }
    }

    fn close(&mut self, cx: &Context, out: &mut VecDeque<Region>) -> Result<(), FormatError> {
        if let Some(region) = self.open.take() {
            if let Some(kept) = &mut self.kept {
                kept.push(region.offset, &region.new, None)
                    .map_err(|e| temporary(cx, e))?;
            }
            out.push_back(region);
        }
        Ok(())
    }

    /// The next `len` bytes of the target are the source's own.
    pub fn unchanged(
        &mut self,
        cx: &Context,
        len: u64,
        out: &mut VecDeque<Region>,
    ) -> Result<(), FormatError> {
        self.check_room(cx, len)?;
        self.close(cx, out)?;
        let end = self.out + len;
        let mut buf = std::mem::take(&mut self.old);
        while self.out < end {
            let n = (end - self.out).min(CHUNK as u64) as usize;
            buf.resize(n, 0);
            read_source(cx.source, self.out, &mut buf)?;
            self.file_crc.update(&buf);
            self.result_crc.update(&buf);
            self.out += n as u64;
        }
        self.old = buf;
        Ok(())
    }

    /// The next bytes of the target are `new`.
    pub fn write(
        &mut self,
        cx: &Context,
        new: &[u8],
        out: &mut VecDeque<Region>,
    ) -> Result<(), FormatError> {
        self.check_room(cx, new.len() as u64)?;
        let mut old = std::mem::take(&mut self.old);
        old.resize(new.len(), 0);
        read_source(cx.source, self.out, &mut old)?;
        self.file_crc.update(&old);
        self.result_crc.update(new);
        for (i, (&was, &now)) in old.iter().zip(new).enumerate() {
            let at = self.out + i as u64;
            if was == now {
                self.close(cx, out)?;
                continue;
            }
            match &mut self.open {
                Some(region) if region.end() == at && region.new.len() < MAX_REGION => {
                    region.new.push(now);
                    region.old.get_or_insert_with(Vec::new).push(was);
                }
                _ => {
                    self.close(cx, out)?;
                    self.open = Some(Region {
                        offset: at,
                        old: Some(vec![was]),
                        new: vec![now],
                    });
                }
            }
        }
        self.out += new.len() as u64;
        self.old = old;
        Ok(())
    }

    /// Fills `buf` with the target as produced so far, from `from`; the
    /// range must lie before [`Sequential::out`].
    pub fn read_result(
        &mut self,
        cx: &Context,
        from: u64,
        buf: &mut [u8],
    ) -> Result<(), FormatError> {
        let to = from + buf.len() as u64;
        debug_assert!(to <= self.out);
        read_source(cx.source, from, buf)?;
        if let Some(kept) = &mut self.kept {
            kept.overlay(from, buf).map_err(|e| temporary(cx, e))?;
        }
        if let Some(open) = &self.open {
            let (start, end) = (open.offset.max(from), open.end().min(to));
            if start < end {
                buf[(start - from) as usize..(end - from) as usize].copy_from_slice(
                    &open.new[(start - open.offset) as usize..(end - open.offset) as usize],
                );
            }
        }
        Ok(())
    }

    /// Ends the target (the caller has produced all of it); returns the
    /// CRC32s of the file and of the result.
    pub fn finish(
        &mut self,
        cx: &Context,
        out: &mut VecDeque<Region>,
    ) -> Result<(u32, u32), FormatError> {
        self.close(cx, out)?;
        Ok((
            self.file_crc.clone().finalize(),
            self.result_crc.clone().finalize(),
        ))
    }
}

/// The error of the temporary file that holds what BPS copies from.
fn temporary(cx: &Context, e: std::io::Error) -> FormatError {
    FormatError::new(ErrorKind::Source, cx.input.record, e.to_string())
}

/// Checks the CRC32s a UPS or BPS patch ends with against the file's and
/// the result's, as [`Sequential::finish`] found them.
pub(crate) fn verify(
    at: u64,
    found_file: u32,
    found_result: u32,
    expected: super::Checksums,
    title: &str,
) -> Result<(), FormatError> {
    use super::ErrorKind;
    if found_file != expected.file {
        if found_file == expected.result {
            return Err(FormatError::new(
                ErrorKind::AlreadyApplied,
                at,
                format!(
                    "the file already holds the {title} patch's result (its CRC32 is {found_file:08x})"
                ),
            ));
        }
        return Err(FormatError::new(
            ErrorKind::WrongFile,
            at,
            format!(
                "the file's CRC32 is {found_file:08x}, but the {title} patch is for a file whose CRC32 is {:08x}",
                expected.file
            ),
        ));
    }
    if found_result != expected.result {
        return Err(FormatError::new(
            ErrorKind::Corrupt,
            at,
            format!(
                "the {title} patch's result would have CRC32 {found_result:08x}, not the {:08x} it names: the patch is damaged",
                expected.result
            ),
        ));
    }
    Ok(())
}
