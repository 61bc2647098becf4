//! Reading PATTERN, REPLACEMENT, BYTES and --expect values from the command
//! line: as typed, with escapes (`-e`), or as hex digit pairs (`-x`).

use std::fmt;

/// How an argument's text becomes bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Syntax {
    /// The argument's own bytes, exactly as typed.
    #[default]
    Literal,
    /// `\\ \n \r \t \0 \xHH` decoded.
    Escapes,
    /// Hex digit pairs; spaces, `:` and a leading `0x` ignored.
    Hex,
}

/// Why an argument could not be read; `at` is the byte position in the argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The byte of the argument where it went wrong.
    pub at: usize,
    /// What is wrong there.
    pub reason: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.at, self.reason)
    }
}

/// Turns an argument into bytes according to `syntax`.
///
/// ```
/// use mpatch::{Syntax, patterns};
/// assert_eq!(mpatch::parse_bytes(b"a\\tb", Syntax::Escapes).unwrap(), b"a\tb");
/// assert_eq!(mpatch::parse_bytes(b"0xDEAD be:ef", Syntax::Hex).unwrap(), [0xde, 0xad, 0xbe, 0xef]);
/// let error = mpatch::parse_bytes(b"abc", Syntax::Hex).unwrap_err();
/// assert_eq!(error.to_string(), "at byte 2: an odd number of hex digits");
/// ```
pub fn parse(arg: &[u8], syntax: Syntax) -> Result<Vec<u8>, SyntaxError> {
    match syntax {
        Syntax::Literal => Ok(arg.to_vec()),
        Syntax::Escapes => parse_escapes(arg),
        Syntax::Hex => parse_hex(arg),
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|v| v as u8)
}

fn parse_escapes(arg: &[u8]) -> Result<Vec<u8>, SyntaxError> {
    let mut out = Vec::with_capacity(arg.len());
    let mut i = 0;
    while i < arg.len() {
        if arg[i] != b'\\' {
            out.push(arg[i]);
            i += 1;
            continue;
        }
        let error = |reason: String| SyntaxError { at: i, reason };
        let Some(&code) = arg.get(i + 1) else {
            return Err(error("a lone backslash at the end".into()));
        };
        let decoded = match code {
            b'\\' => b'\\',
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'0' => 0,
            b'x' => {
                let digits = arg.get(i + 2..i + 4).unwrap_or(&arg[i + 2..]);
                match digits {
                    [hi, lo] if hex_value(*hi).is_some() && hex_value(*lo).is_some() => {
                        i += 2;
                        hex_value(*hi).unwrap() << 4 | hex_value(*lo).unwrap()
                    }
                    _ => {
                        return Err(error(format!(
                            "\\x needs two hex digits, found {:?}",
                            String::from_utf8_lossy(digits)
                        )));
                    }
                }
            }
            other => {
                return Err(error(format!(
                    "unknown escape \\{} (known: \\\\ \\n \\r \\t \\0 \\xHH)",
                    String::from_utf8_lossy(&[other])
                )));
            }
        };
        out.push(decoded);
        i += 2;
    }
    Ok(out)
}

fn parse_hex(arg: &[u8]) -> Result<Vec<u8>, SyntaxError> {
    let body_start = arg
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(arg.len());
    let mut start = body_start;
    if arg[start..].starts_with(b"0x") || arg[start..].starts_with(b"0X") {
        start += 2;
    }
    let mut out = Vec::with_capacity(arg.len() / 2);
    let mut high: Option<(usize, u8)> = None;
    for (at, &byte) in arg.iter().enumerate().skip(start) {
        if byte == b' ' || byte == b':' || byte == b'\t' {
            continue;
        }
        let Some(value) = hex_value(byte) else {
            return Err(SyntaxError {
                at,
                reason: format!("{:?} is not a hex digit", String::from_utf8_lossy(&[byte])),
            });
        };
        match high.take() {
            None => high = Some((at, value)),
            Some((_, hi)) => out.push(hi << 4 | value),
        }
    }
    if let Some((at, _)) = high {
        return Err(SyntaxError {
            at,
            reason: "an odd number of hex digits".into(),
        });
    }
    Ok(out)
}

/// A pattern or replacement that may hold wildcards (`-x` with `??`, `4?`,
/// `?4`): bit `k` of `bytes[i]` counts only where bit `k` of `mask[i]` is
/// set. In a pattern a clear bit matches anything; in a replacement it
/// keeps that bit of the match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The given bits; the bits under a wildcard are zero (a letter of
    /// either case, mask `0xdf`, keeps its case as given).
    pub bytes: Vec<u8>,
    /// Which bits count: `0xff` a whole byte, `0x00` a `??`, `0xf0` a `4?`,
    /// `0xdf` an ASCII letter of either case (`-i` on encoded text).
    pub mask: Vec<u8>,
}

impl Signature {
    /// Reads a pattern or replacement as the command line does: with
    /// [`Syntax::Hex`], `??` is any byte and `4?` / `?4` any value of a
    /// nibble.
    ///
    /// ```
    /// use mpatch::{Signature, Syntax};
    /// let signature = Signature::parse(b"e8 ?? 4?", Syntax::Hex).unwrap();
    /// assert_eq!(signature.mask, [0xff, 0x00, 0xf0]);
    /// assert!(Signature::parse(b"e8 ?", Syntax::Hex).is_err());
    /// ```
    pub fn parse(arg: &[u8], syntax: Syntax) -> Result<Signature, SyntaxError> {
        parse_signature(arg, syntax)
    }

    /// Bytes without wildcards.
    pub fn literal(bytes: Vec<u8>) -> Signature {
        let mask = vec![0xff; bytes.len()];
        Signature { bytes, mask }
    }

    /// Its length in bytes, wildcards included.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether it has no byte at all.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Whether it has no wildcard: a plain literal.
    pub fn is_literal(&self) -> bool {
        self.mask.iter().all(|&m| m == 0xff)
    }

    /// Whether every bit is a wildcard (a pattern that matches anything).
    pub fn is_all_wildcards(&self) -> bool {
        self.mask.iter().all(|&m| m == 0)
    }

    /// Whether `window` (exactly as long) matches; `fold` lets an ASCII
    /// letter given as a whole byte match either case.
    pub fn matches(&self, window: &[u8], fold: bool) -> bool {
        window.len() == self.len()
            && window
                .iter()
                .zip(self.bytes.iter().zip(&self.mask))
                .all(|(&b, (&v, &m))| byte_matches(b, v, m, fold))
    }

    /// Whether a run of zeros matches.
    pub fn matches_zeros(&self) -> bool {
        self.bytes.iter().zip(&self.mask).all(|(&v, &m)| v & m == 0)
    }

    /// Whether a zero byte can match somewhere in it.
    pub fn may_match_a_zero(&self) -> bool {
        self.bytes.iter().zip(&self.mask).any(|(&v, &m)| v & m == 0)
    }

    /// This replacement written over `matched`: its given bits, the
    /// match's bits under its wildcards.
    pub fn merge_into(&self, matched: &[u8], out: &mut Vec<u8>) {
        out.clear();
        out.extend(
            self.bytes
                .iter()
                .zip(&self.mask)
                .zip(matched)
                .map(|((&v, &m), &b)| v & m | b & !m),
        );
    }

    /// A regular expression over bytes (for `(?s-u)`) matching exactly
    /// what this signature matches.
    pub fn to_regex(&self, fold: bool) -> String {
        use std::fmt::Write;
        let mut out = String::with_capacity(self.len() * 4);
        for (&v, &m) in self.bytes.iter().zip(&self.mask) {
            let _ = match m {
                0xff if fold && v.is_ascii_alphabetic() => write!(
                    out,
                    "[\\x{:02X}\\x{:02X}]",
                    v.to_ascii_uppercase(),
                    v.to_ascii_lowercase()
                ),
                0xff => write!(out, "\\x{v:02X}"),
                0 => write!(out, "."),
                0xf0 => write!(out, "[\\x{v:02X}-\\x{:02X}]", v | 0x0f),
                // Any other mask (a low nibble `?4`, a letter of either
                // case `0xdf`): every byte with those bits.
                _ => {
                    out.push('[');
                    for byte in (0..=255u8).filter(|b| (b ^ v) & m == 0) {
                        let _ = write!(out, "\\x{byte:02X}");
                    }
                    out.push(']');
                    Ok(())
                }
            };
        }
        out
    }
}

impl fmt::Display for Signature {
    /// Hex, a space between bytes, `?` for a wildcard nibble.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        for (i, (&v, &m)) in self.bytes.iter().zip(&self.mask).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            for shift in [4, 0] {
                let digit = match (m >> shift) & 15 {
                    0 => '?',
                    _ => DIGITS[usize::from((v >> shift) & 15)] as char,
                };
                write!(f, "{digit}")?;
            }
        }
        Ok(())
    }
}

fn byte_matches(b: u8, v: u8, m: u8, fold: bool) -> bool {
    if m == 0xff && fold {
        b.eq_ignore_ascii_case(&v)
    } else {
        (b ^ v) & m == 0
    }
}

/// Reads a pattern or replacement that may hold wildcards: with
/// [`Syntax::Hex`], `?` stands for a nibble (`??` a byte); other syntaxes
/// have none.
pub fn parse_signature(arg: &[u8], syntax: Syntax) -> Result<Signature, SyntaxError> {
    if syntax != Syntax::Hex || !arg.contains(&b'?') {
        return parse(arg, syntax).map(Signature::literal);
    }
    let body_start = arg
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(arg.len());
    let mut start = body_start;
    if arg[start..].starts_with(b"0x") || arg[start..].starts_with(b"0X") {
        start += 2;
    }
    let mut bytes = Vec::with_capacity(arg.len() / 2);
    let mut mask = Vec::with_capacity(arg.len() / 2);
    // (position, value, mask) of a first nibble awaiting its second.
    let mut high: Option<(usize, u8, u8)> = None;
    for (at, &byte) in arg.iter().enumerate().skip(start) {
        if byte == b' ' || byte == b':' || byte == b'\t' {
            continue;
        }
        let (value, bits) = match byte {
            b'?' => (0, 0),
            _ => match hex_value(byte) {
                Some(value) => (value, 15),
                None => {
                    return Err(SyntaxError {
                        at,
                        reason: format!(
                            "{:?} is not a hex digit or ?",
                            String::from_utf8_lossy(&[byte])
                        ),
                    });
                }
            },
        };
        match high.take() {
            None => high = Some((at, value, bits)),
            Some((_, hv, hm)) => {
                bytes.push(hv << 4 | value);
                mask.push(hm << 4 | bits);
            }
        }
    }
    if let Some((at, _, _)) = high {
        return Err(SyntaxError {
            at,
            reason: "an odd number of hex digits".into(),
        });
    }
    Ok(Signature { bytes, mask })
}

/// Reads a `--pad` value: a single character's byte, or `0xHH`.
pub fn parse_pad(arg: &str) -> Result<u8, String> {
    let bytes = arg.as_bytes();
    if bytes.len() == 1 {
        return Ok(bytes[0]);
    }
    if let Some(hex) = arg.strip_prefix("0x").or_else(|| arg.strip_prefix("0X"))
        && let Ok(value) = u8::from_str_radix(hex, 16)
        && !hex.is_empty()
    {
        return Ok(value);
    }
    Err(format!("{arg:?}: give one ASCII character or 0xHH"))
}

/// The lines of a pattern or pair file that hold something, numbered from
/// 1: blank lines and lines starting with `#` are skipped. A line's bytes
/// are kept exactly (a `\r` before the newline included), as `grep -f` does.
pub fn list_lines(text: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    text.split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with(b"#"))
}

/// A pair line `OLD<TAB>NEW`, split at its first tab.
pub fn split_pair(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let tab = memchr::memchr(b'\t', line)?;
    Some((&line[..tab], &line[tab + 1..]))
}

/// Lowercase hex of `bytes`, two digits a byte, no separators.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn list_lines_skip_blanks_and_comments_and_keep_numbers() {
        let lines: Vec<_> = super::list_lines(b"a\n\n# c\nb\tB\r\n#\n").collect();
        assert_eq!(lines, vec![(1, &b"a"[..]), (4, &b"b\tB\r"[..])]);
        assert_eq!(
            super::split_pair(b"b\tB\tx"),
            Some((&b"b"[..], &b"B\tx"[..]))
        );
        assert_eq!(super::split_pair(b"no tab"), None);
    }

    use super::*;

    #[test]
    fn literal_is_exact() {
        assert_eq!(parse(br"a\nb", Syntax::Literal).unwrap(), br"a\nb");
    }

    #[test]
    fn escapes_decode() {
        assert_eq!(
            parse(br"a\\\n\r\t\0\x41\xff", Syntax::Escapes).unwrap(),
            b"a\\\n\r\t\0A\xff"
        );
    }

    #[test]
    fn escape_errors_show_where() {
        let err = parse(br"ab\q", Syntax::Escapes).unwrap_err();
        assert_eq!(err.at, 2);
        assert!(err.reason.contains("unknown escape \\q"), "{err}");
        let err = parse(br"\x4", Syntax::Escapes).unwrap_err();
        assert_eq!(err.at, 0);
        assert!(err.reason.contains("two hex digits"), "{err}");
        let err = parse(br"ab\", Syntax::Escapes).unwrap_err();
        assert_eq!(err.at, 2);
    }

    #[test]
    fn hex_forms() {
        for text in [
            "deadbeef",
            "de ad be ef",
            "0xDEADBEEF",
            "de:ad:be:ef",
            " 0xdead beef",
        ] {
            assert_eq!(
                parse(text.as_bytes(), Syntax::Hex).unwrap(),
                [0xde, 0xad, 0xbe, 0xef],
                "{text}"
            );
        }
    }

    #[test]
    fn hex_errors() {
        let err = parse(b"abc", Syntax::Hex).unwrap_err();
        assert!(err.reason.contains("odd number"), "{err}");
        assert_eq!(err.at, 2);
        let err = parse(b"zz", Syntax::Hex).unwrap_err();
        assert!(err.reason.contains("not a hex digit"), "{err}");
        assert_eq!(err.at, 0);
    }

    #[test]
    fn pad_values() {
        assert_eq!(parse_pad(" ").unwrap(), b' ');
        assert_eq!(parse_pad("0x00").unwrap(), 0);
        assert_eq!(parse_pad("0xff").unwrap(), 0xff);
        assert!(parse_pad("ab").is_err());
        assert!(parse_pad("0x").is_err());
        assert!(parse_pad("0x100").is_err());
    }

    #[test]
    fn signatures_parse_wildcards_and_nibbles() {
        let sig = parse_signature(b"E8 ?? 4? ?4 c0", Syntax::Hex).unwrap();
        assert_eq!(sig.bytes, [0xe8, 0x00, 0x40, 0x04, 0xc0]);
        assert_eq!(sig.mask, [0xff, 0x00, 0xf0, 0x0f, 0xff]);
        assert!(!sig.is_literal() && !sig.is_all_wildcards());
        assert_eq!(sig.to_string(), "e8 ?? 4? ?4 c0");
        assert_eq!(
            parse_signature(b"0x45??4f", Syntax::Hex)
                .unwrap()
                .to_string(),
            "45 ?? 4f"
        );
        // No wildcard: exactly what parse reads; other syntaxes have none.
        let plain = parse_signature(b"de ad", Syntax::Hex).unwrap();
        assert!(plain.is_literal());
        assert_eq!(plain.bytes, [0xde, 0xad]);
        let typed = parse_signature(b"a??b", Syntax::Literal).unwrap();
        assert!(typed.is_literal());
        assert_eq!(typed.bytes, b"a??b");
        assert!(
            parse_signature(b"?? ??", Syntax::Hex)
                .unwrap()
                .is_all_wildcards()
        );
    }

    #[test]
    fn signature_errors_show_where() {
        let err = parse_signature(b"45 ?? 4", Syntax::Hex).unwrap_err();
        assert_eq!(err.at, 6);
        assert!(err.reason.contains("odd number"), "{err}");
        let err = parse_signature(b"45 ?x", Syntax::Hex).unwrap_err();
        assert_eq!(err.at, 4);
        assert!(err.reason.contains("not a hex digit or ?"), "{err}");
        let err = parse_signature(b"4?5", Syntax::Hex).unwrap_err();
        assert_eq!(err.at, 2);
    }

    #[test]
    fn signatures_match_merge_and_overlap() {
        let sig = parse_signature(b"45 ?? 4? ?2", Syntax::Hex).unwrap();
        assert!(sig.matches(b"E\x00O\x32", false));
        assert!(sig.matches(b"EzOR", false));
        assert!(!sig.matches(b"EzPR", false));
        assert!(!sig.matches(b"EzOS", false));
        assert!(!sig.matches(b"ezOR", false));
        assert!(sig.matches(b"ezOR", true));
        assert!(!sig.matches(b"EzO", false));
        let keep = parse_signature(b"90 ?? 5? ?0", Syntax::Hex).unwrap();
        let mut out = Vec::new();
        keep.merge_into(&[1, 2, 0x34, 0x56], &mut out);
        assert_eq!(out, [0x90, 2, 0x54, 0x50]);
        assert!(
            parse_signature(b"00 ?? 0?", Syntax::Hex)
                .unwrap()
                .matches_zeros()
        );
        assert!(
            !parse_signature(b"00 ?? 1?", Syntax::Hex)
                .unwrap()
                .matches_zeros()
        );
    }

    #[test]
    fn signature_regexes_match_as_the_signature_does() {
        let sig = parse_signature(b"45 ?? 4? ?2 6b", Syntax::Hex).unwrap();
        let regex = regex::bytes::Regex::new(&format!("(?s-u){}", sig.to_regex(true))).unwrap();
        for window in [&b"E\nO\x02k"[..], b"E\xffO\xf2K", b"E.OR.", b"e.O\x02k"] {
            assert_eq!(
                regex.is_match(window) && regex.find(window).unwrap().len() == 5,
                sig.matches(window, true),
                "{window:?}"
            );
        }
    }

    #[test]
    fn hex_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(
            parse(to_hex(&bytes).as_bytes(), Syntax::Hex).unwrap(),
            bytes
        );
    }
}
