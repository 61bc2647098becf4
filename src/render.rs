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

/// xxd-style lines for `bytes` read at file offset `offset`: the absolute
/// offset, 16 bytes in hex in pairs, then the printable text.
pub fn hexdump(bytes: &[u8], offset: u64) -> String {
    let mut out = String::with_capacity(bytes.len() / 16 * 68 + 68);
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{:08x}:", offset + row as u64 * 16);
        for column in 0..16 {
            if column % 2 == 0 {
                out.push(' ');
            }
            match chunk.get(column) {
                Some(b) => {
                    let _ = write!(out, "{b:02x}");
                }
                None => out.push_str("  "),
            }
        }
        out.push_str("  ");
        out.extend(chunk.iter().map(|&b| {
            if (0x20..=0x7e).contains(&b) {
                b as char
            } else {
                '.'
            }
        }));
        out.push('\n');
    }
    out
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
