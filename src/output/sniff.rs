//! Is it text? A file looks binary with a NUL byte in its first 64 KiB (as
//! ripgrep decides); a window of bytes is printable text when a terminal can show it as is.

/// How much of a file [`looks_binary`] reads: ripgrep's choice, enough to
/// catch the headers of executables, images and archives.
pub const SNIFF_LEN: usize = 64 << 10;

/// Whether the file whose bytes start with `bytes` should be treated as
/// binary: a NUL byte in its first [`SNIFF_LEN`] bytes.
///
/// ```text
/// assert!(looks_binary(b"\x7fELF\x02\x01\x01\x00"));
/// assert!(!looks_binary("naïve text\r\n".as_bytes()));
/// ```
pub fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(SNIFF_LEN)]).is_some()
}

/// Whether `window` can be printed to a terminal as text: valid UTF-8 with
/// no control character other than tab, line feed and carriage return.
///
/// The window may be cut out of a larger file, so a UTF-8 sequence cut
/// short at either end still counts as text. ESC and the C1 controls are
/// refused because a terminal would act on them instead of showing them.
///
/// ```text
/// assert!(is_text(b"let x = 1;\r\n\tlet y = 2;"));
/// assert!(is_text(&"é".as_bytes()[1..])); // a cut character at the start
/// assert!(!is_text(b"colour \x1b[31m"));
/// assert!(!is_text(b"PK\x03\x04"));
/// ```
pub fn is_text(window: &[u8]) -> bool {
    // A window that starts inside a character: skip its continuation bytes.
    let start = window
        .iter()
        .take(3)
        .take_while(|&&b| b & 0xc0 == 0x80)
        .count();
    let mut rest = &window[start..];
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => return printable(text),
            // Bytes that can never be UTF-8, here or further on.
            Err(error) if error.error_len().is_some() => return false,
            // The window ends inside a character: the part before it decides.
            Err(error) => {
                let (valid, _) = rest.split_at(error.valid_up_to());
                rest = valid;
            }
        }
    }
}

fn printable(text: &str) -> bool {
    text.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r') || !c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_in_the_first_64_kib_makes_a_file_binary() {
        assert!(looks_binary(b"\x7fELF\x02\x01\x01\x00"));
        assert!(!looks_binary(b"plain text\n"));
        assert!(!looks_binary(b""));
        let mut late = vec![b'a'; SNIFF_LEN];
        assert!(!looks_binary(&late), "no NUL at all");
        late.push(0);
        assert!(!looks_binary(&late), "a NUL after 64 KiB is not looked at");
        late[SNIFF_LEN - 1] = 0;
        assert!(looks_binary(&late), "the last byte looked at counts");
    }

    #[test]
    fn printable_text_allows_utf8_tabs_and_line_ends() {
        assert!(is_text(b""));
        assert!(is_text(b"let x = 1;\r\n\tlet y = 2;\n"));
        assert!(is_text("naïve – ✓ 🎉".as_bytes()));
    }

    #[test]
    fn a_character_cut_at_either_end_of_the_window_is_still_text() {
        let word = "été".as_bytes(); // c3 a9 74 c3 a9
        assert!(is_text(&word[1..]));
        assert!(is_text(&word[..4]));
        assert!(is_text(&"🎉x".as_bytes()[1..]));
        assert!(is_text(&"x🎉".as_bytes()[..3]));
    }

    #[test]
    fn controls_and_invalid_utf8_are_not_text() {
        for bytes in [
            &b"colour \x1b[31m red"[..],
            b"PK\x03\x04",
            b"nul\0inside",
            b"bell\x07",
            b"del\x7f",
            b"\xff\xfe",
            b"latin-1 caf\xe9 au lait",
            "c1 \u{9b}31m".as_bytes(),
        ] {
            assert!(!is_text(bytes), "{bytes:?}");
        }
        // More than three continuation bytes at the start is no cut character.
        assert!(!is_text(b"\x80\x80\x80\x80abc"));
    }
}
