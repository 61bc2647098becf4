//! IDA's `.dif` patches: a header line, a blank line, the input file's
//! name, then one `OFFSET: OLD NEW` line (hex, file offsets) per byte.

use std::collections::VecDeque;
use std::io::Write;

use super::text::Joiner;
use super::write::{WriteError, WriteSpec};
use super::{Context, ErrorKind, FormatError, Header, Region};

pub(crate) const HEADER: &str = "This difference file was created by IDA";
/// The longest line read.
const MAX_LINE: usize = 4096;

pub(crate) struct Decoder {
    line: u64,
    buf: Vec<u8>,
    joiner: Joiner,
}

fn corrupt(line: u64, reason: String) -> FormatError {
    FormatError::new(ErrorKind::Corrupt, line, format!("line {line}: {reason}"))
}

impl Decoder {
    pub fn open(cx: &mut Context) -> Result<(Decoder, Header), FormatError> {
        let mut decoder = Decoder {
            line: 0,
            buf: Vec::new(),
            joiner: Joiner::new(false, cx.options.reverse, "IDA .dif"),
        };
        if decoder.next_line(cx)?.as_deref() != Some(HEADER) {
            return Err(corrupt(
                decoder.line.max(1),
                format!("an IDA .dif patch starts with \"{HEADER}\""),
            ));
        }
        let Some(name) = decoder.next_line(cx)? else {
            return Err(corrupt(
                decoder.line + 1,
                "the IDA .dif patch ends before the file's name".into(),
            ));
        };
        let header = Header {
            size: None,
            name: Some(name),
            ..Header::default()
        };
        Ok((decoder, header))
    }

    /// The next line that is not blank, trimmed.
    fn next_line(&mut self, cx: &mut Context) -> Result<Option<String>, FormatError> {
        loop {
            if !cx.input.line(MAX_LINE, &mut self.buf)? {
                return Ok(None);
            }
            self.line += 1;
            let text = String::from_utf8_lossy(&self.buf);
            let text = text.trim_start_matches('\u{feff}').trim();
            if !text.is_empty() {
                return Ok(Some(text.to_string()));
            }
        }
    }

    pub fn step(
        &mut self,
        cx: &mut Context,
        out: &mut VecDeque<Region>,
    ) -> Result<bool, FormatError> {
        let Some(text) = self.next_line(cx)? else {
            self.joiner.flush(out);
            return Ok(false);
        };
        let line = self.line;
        let (offset, old, new) = parse(&text)
            .ok_or_else(|| corrupt(line, format!("{text:?} is not OFFSET: OLD NEW (hex)")))?;
        self.joiner.push(cx, line, offset, old, new, out)?;
        Ok(true)
    }
}

fn parse(text: &str) -> Option<(u64, u8, u8)> {
    let (offset, bytes) = text.split_once(':')?;
    let offset = offset.trim();
    if offset.is_empty() || offset.len() > 16 {
        return None;
    }
    let offset = u64::from_str_radix(offset, 16).ok()?;
    let byte = |s: &str| match s.len() {
        2 => u8::from_str_radix(s, 16).ok(),
        _ => None,
    };
    match bytes.split_whitespace().collect::<Vec<_>>()[..] {
        [old, new] => Some((offset, byte(old)?, byte(new)?)),
        _ => None,
    }
}

/// Writes an IDA `.dif`: header, blank line, file name, then one line per
/// changed byte.
pub(crate) fn write<'r>(
    out: &mut dyn Write,
    spec: &WriteSpec,
    regions: &mut dyn Iterator<Item = (u64, &'r [u8], &'r [u8])>,
) -> Result<(), WriteError> {
    let name = spec.line_name("the .dif file name")?;
    write!(out, "{HEADER}\n\n{name}\n")?;
    let mut text = String::new();
    for (offset, old, new) in regions {
        text.clear();
        for (i, (a, b)) in old.iter().zip(new).enumerate() {
            if a != b {
                let at = offset + i as u64;
                text.push_str(&format!("{at:08X}: {a:02X} {b:02X}\n"));
            }
        }
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{ReadOptions, open};

    #[test]
    fn reads_a_dif_as_ida_writes_it() {
        let file = [0u8; 0x20];
        let source = &file[..];
        let patch = "This difference file was created by IDA\r\n\r\napp.exe\r\n\
                     00000010: 00 90\r\n0000000000000011: 00 91\r\n";
        let reader = open(patch.as_bytes(), &source, ReadOptions::default()).unwrap();
        assert_eq!(reader.header().name.as_deref(), Some("app.exe"));
        let regions: Vec<_> = reader.map(Result::unwrap).collect();
        assert_eq!(regions.len(), 1);
        assert_eq!(regions[0].offset, 0x10);
        assert_eq!(regions[0].new, [0x90, 0x91]);
        let bad = "This difference file was created by IDA\n\napp.exe\n10: 0 90\n";
        let error = open(bad.as_bytes(), &source, ReadOptions::default())
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap_err();
        assert_eq!(
            error.reason,
            "line 4: \"10: 0 90\" is not OFFSET: OLD NEW (hex)"
        );
    }
}
