//! Bytes shown to people: xxd-style hexdump lines, escaped text, and a match
//! in its context. Pure functions over `&[u8]`.

use std::fmt::Write as _;

/// Appends `bytes` to `out` with `\n`, `\t`, `\\` and `\xHH` escapes, so
/// any bytes read back unambiguously on one line. With `brackets`, `[` and
/// `]` are escaped too, leaving them free to mark a match.
pub fn escape_into(out: &mut String, bytes: &[u8], brackets: bool) {
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'[' | b']' if brackets => {
                let _ = write!(out, "\\x{b:02x}");
            }
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
}

pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    escape_into(&mut out, bytes, false);
    out
}

/// `before[match]after`, escaped; `lead` bytes of `window` come before the
/// match and `len` bytes are the match.
/// With `paint` (an SGR code such as `1;31`) the match is coloured too.
pub fn context(window: &[u8], lead: usize, len: usize, paint: Option<&str>) -> String {
    let mut out = String::with_capacity(window.len() + 24);
    escape_into(&mut out, &window[..lead], true);
    out.push('[');
    let matched = &window[lead..lead + len];
    match paint {
        Some(code) => {
            let mut text = String::new();
            escape_into(&mut text, matched, true);
            out.push_str(&painted(code, &text));
        }
        None => escape_into(&mut out, matched, true),
    }
    out.push(']');
    escape_into(&mut out, &window[lead + len..], true);
    out
}

/// `text` between the escape sequences of SGR `code` and a reset.
pub fn painted(code: &str, text: &str) -> String {
    format!("\x1b[{code}m{text}\x1b[0m")
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// xxd-style lines for `bytes` read at file offset `offset`: the absolute
/// offset, 16 bytes in hex in pairs, then the printable text. Each row is
/// built in place from a table, as peek may show gigabytes of them.
pub fn hexdump(bytes: &[u8], offset: u64) -> String {
    let mut out = Vec::with_capacity(bytes.len().div_ceil(16) * 78);
    for (row, chunk) in bytes.chunks(16).enumerate() {
        push_offset(&mut out, offset + row as u64 * 16);
        // ": " then eight groups of four digits, then two spaces and text.
        let mut line = [b' '; 1 + 40 + 2 + 16 + 1];
        line[0] = b':';
        for (column, &b) in chunk.iter().enumerate() {
            let at = 2 + column / 2 * 5 + column % 2 * 2;
            line[at] = HEX[usize::from(b >> 4)];
            line[at + 1] = HEX[usize::from(b & 15)];
            line[43 + column] = if (0x20..=0x7e).contains(&b) { b } else { b'.' };
        }
        let end = 43 + chunk.len();
        line[end] = b'\n';
        out.extend_from_slice(&line[..=end]);
    }
    String::from_utf8(out).unwrap_or_default()
}

/// `offset` in lowercase hex, at least 8 digits (`{:08x}`).
fn push_offset(out: &mut Vec<u8>, offset: u64) {
    let digits = (64 - offset.leading_zeros()).div_ceil(4).max(8);
    for i in (0..digits).rev() {
        out.push(HEX[((offset >> (4 * i)) & 15) as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hexdump_matches_xxd() {
        // Checked against: printf 'FIXED request se' | xxd -o 3157
        assert_eq!(
            hexdump(b"FIXED request se", 3157),
            "00000c55: 4649 5845 4420 7265 7175 6573 7420 7365  FIXED request se\n"
        );
        assert_eq!(
            hexdump(b"abc\n\x00", 0x100000000),
            "100000000: 6162 630a 00                             abc..\n"
        );
        assert_eq!(
            hexdump(&[0x7f, 0x80, 0xff, b' ', b'~'], u64::MAX - 15),
            "fffffffffffffff0: 7f80 ff20 7e                             ... ~\n"
        );
        let every: Vec<u8> = (0..=255).collect();
        let mut by_format = String::new();
        for (row, chunk) in every.chunks(16).enumerate() {
            by_format += &format!("{:08x}:", 0x1230 + row * 16);
            for pair in chunk.chunks(2) {
                by_format += &format!(" {:02x}{:02x}", pair[0], pair[1]);
            }
            by_format.push_str("  ");
            by_format.extend(chunk.iter().map(|&b| match b {
                0x20..=0x7e => b as char,
                _ => '.',
            }));
            by_format.push('\n');
        }
        assert_eq!(hexdump(&every, 0x1230), by_format);
    }

    #[test]
    fn escapes() {
        assert_eq!(escape(b"a\\b\n\t\x00\xff[x]"), "a\\\\b\\n\\t\\x00\\xff[x]");
    }

    #[test]
    fn a_painted_match_keeps_its_brackets() {
        assert_eq!(
            context(b"a ERROR!", 2, 5, Some("1;31")),
            "a [\x1b[1;31mERROR\x1b[0m]!"
        );
    }

    #[test]
    fn context_marks_the_match() {
        assert_eq!(
            context(b"say [ERROR]!", 5, 5, None),
            "say \\x5b[ERROR]\\x5d!"
        );
        assert_eq!(context(b"ERROR", 0, 5, None), "[ERROR]");
    }
}
