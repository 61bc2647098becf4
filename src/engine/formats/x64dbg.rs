//! x64dbg's `.1337` patches: `>module` on the first line, then one
//! `OFFSET:OLD->NEW` line (hex) per byte; reading and writing.

use std::collections::VecDeque;
use std::io::Write;

use super::text::Joiner;
use super::write::{WriteError, WriteSpec};
use super::{Context, ErrorKind, FormatError, Header, Region};

/// The longest line read.
const MAX_LINE: usize = 4096;

/// Reads `.1337` lines. x64dbg writes the offset as an address relative
/// to the module's base; mpatch reads and writes it as an offset in the
/// file, which it is for the file's headers and for files whose sections
/// lie as they load (the old bytes make a mismatch an error, never a wrong
/// write).
pub(crate) struct Decoder {
    module: String,
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
            module: String::new(),
            line: 0,
            buf: Vec::new(),
            joiner: Joiner::new(false, cx.options.reverse, ".1337"),
        };
        let first = decoder.next_line(cx)?;
        let Some(module) = first.as_deref().and_then(|l| l.strip_prefix('>')) else {
            return Err(corrupt(
                decoder.line.max(1),
                "an x64dbg .1337 patch starts with >MODULE".into(),
            ));
        };
        decoder.module = module.trim().to_string();
        let header = Header {
            size: None,
            name: Some(decoder.module.clone()),
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
            let text = text.trim();
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
        if let Some(module) = text.strip_prefix('>') {
            let module = module.trim();
            if module != self.module {
                return Err(FormatError::new(
                    ErrorKind::Unsupported,
                    line,
                    format!(
                        "line {line}: the patch is for a second module, {module}, after {}; apply each module's lines to its own file",
                        self.module
                    ),
                ));
            }
            return Ok(true);
        }
        let (offset, old, new) = parse(&text).ok_or_else(|| {
            corrupt(
                line,
                format!("{text:?} is not OFFSET:OLD->NEW (hex, one byte)"),
            )
        })?;
        self.joiner.push(cx, line, offset, old, new, out)?;
        Ok(true)
    }
}

/// `OFFSET:OLD->NEW`, spaces anywhere ignored as x64dbg ignores them.
fn parse(text: &str) -> Option<(u64, u8, u8)> {
    let text: String = text.chars().filter(|c| *c != ' ').collect();
    let (offset, bytes) = text.split_once(':')?;
    let (old, new) = bytes.split_once("->")?;
    let byte = |s: &str| match s.len() {
        1 | 2 => u8::from_str_radix(s, 16).ok(),
        _ => None,
    };
    let offset = match offset.len() {
        1..=16 => u64::from_str_radix(offset, 16).ok()?,
        _ => return None,
    };
    Some((offset, byte(old)?, byte(new)?))
}

/// Writes a `.1337` patch: the module line, then one line per changed
/// byte, as x64dbg writes them (upper-case hex, at least 8 offset digits).
pub(crate) fn write<'r>(
    out: &mut dyn Write,
    spec: &WriteSpec,
    regions: &mut dyn Iterator<Item = (u64, &'r [u8], &'r [u8])>,
) -> Result<(), WriteError> {
    let module = spec.line_name("the .1337 module name")?;
    writeln!(out, ">{module}")?;
    let mut text = String::new();
    for (offset, old, new) in regions {
        text.clear();
        for (i, (a, b)) in old.iter().zip(new).enumerate() {
            if a != b {
                let at = offset + i as u64;
                text.push_str(&format!("{at:08X}:{a:02X}->{b:02X}\n"));
            }
        }
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{ErrorKind, ReadOptions, open};

    #[test]
    fn reads_lines_as_x64dbg_writes_them() {
        let file = [0x74u8, 0x05, 0, 0];
        let source = &file[..];
        let patch = b">app.exe\n00000000:74->EB\n0000000000000001 : 05 -> 90\n\n3:00->01";
        let reader = open(&patch[..], &source, ReadOptions::default()).unwrap();
        assert_eq!(reader.header().name.as_deref(), Some("app.exe"));
        let regions: Vec<_> = reader.map(Result::unwrap).collect();
        assert_eq!(regions.len(), 2);
        assert_eq!(
            (
                regions[0].offset,
                regions[0].old.clone(),
                regions[0].new.clone()
            ),
            (0, Some(vec![0x74, 0x05]), vec![0xEB, 0x90])
        );
        assert_eq!(regions[1].offset, 3);
    }

    #[test]
    fn refuses_a_second_module_a_bad_line_and_a_byte_twice() {
        let file = [0u8; 8];
        let source = &file[..];
        let cases: [(&[u8], &str); 5] = [
            (
                b">a.exe\n1:00->01\n>b.dll\n1:00->01\n",
                "second module, b.dll",
            ),
            (b">a.exe\n1:00-01\n", "line 2: \"1:00-01\" is not OFFSET"),
            (
                b">a.exe\n1:00->01\n2:00->01\n1:00->02\n",
                "line 4: offset 0x1 is written twice",
            ),
            (
                b"1:00->01\n",
                "line 1: an x64dbg .1337 patch starts with >MODULE",
            ),
            (
                b">a.exe\n8:00->01\n",
                "offset 0x8 (1 byte) runs past the end",
            ),
        ];
        for (patch, reason) in cases {
            let result = open(
                patch,
                &source,
                ReadOptions {
                    format: Some(super::super::Format::X64dbg),
                    ..ReadOptions::default()
                },
            )
            .and_then(|reader| reader.collect::<Result<Vec<_>, _>>());
            let error = result.unwrap_err();
            assert!(error.reason.contains(reason), "{error:?}");
            assert_ne!(error.kind, ErrorKind::Io);
        }
    }
}
