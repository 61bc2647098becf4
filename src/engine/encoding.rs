//! Text encodings for patterns (`-E, --encoding`): UTF-8 text turned into
//! the bytes of UTF-16 or of any WHATWG encoding before matching.

use std::fmt;

use encoding_rs::{EncoderResult, Encoding, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE};

/// A few labels named when an unknown one is given.
const SOME_LABELS: &str =
    "utf-8, utf-16le, utf-16be, latin1, windows-1252, shift_jis, euc-jp, euc-kr, gbk, big5, koi8-r";

/// Why text cannot be encoded, in one line of plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodingError {
    /// Why, in words: the character and its position, or the label.
    pub reason: String,
}

impl fmt::Display for EncodingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for EncodingError {}

fn error(reason: String) -> EncodingError {
    EncodingError { reason }
}

/// Encodes `text` (UTF-8) in the encoding named by `label`: `utf-16le`,
/// `utf-16be` or any label of the WHATWG Encoding Standard (ASCII case
/// and surrounding spaces ignored; as there, `latin1` is windows-1252).
/// A character the encoding cannot hold is an error naming it and its
/// position (counted in characters from 1), never a substitute.
///
/// ```
/// assert_eq!(mpatch::encode(b"Trial", "utf-16le").unwrap(), b"T\0r\0i\0a\0l\0");
/// assert_eq!(mpatch::encode("café".as_bytes(), "latin1").unwrap(), b"caf\xe9");
/// let error = mpatch::encode("5€".as_bytes(), "shift_jis").unwrap_err();
/// assert_eq!(error.reason, "'€' (U+20AC) at character 2 cannot be encoded in shift_jis");
/// ```
pub fn encode(text: &[u8], label: &str) -> Result<Vec<u8>, EncodingError> {
    let label = label.trim();
    let encoding = Encoding::for_label_no_replacement(label.as_bytes()).ok_or_else(|| {
        match Encoding::for_label(label.as_bytes()) {
            // Labels of encodings that are only ever decoded (ISO-2022-KR,
            // HZ, ...), which WHATWG maps to its replacement encoding.
            Some(encoding) if encoding == REPLACEMENT => error(format!(
                "the encoding {label:?} is decode-only in the WHATWG standard: text cannot be encoded in it"
            )),
            _ => error(format!("unknown encoding {label:?} (known: {SOME_LABELS}, ...)")),
        }
    })?;
    let text = std::str::from_utf8(text).map_err(|e| {
        error(format!(
            "the text is not UTF-8 (at byte {}), so it cannot be encoded in {label}",
            e.valid_up_to()
        ))
    })?;
    // encoding_rs writes UTF-8 for the UTF-16 encodings (as the WHATWG
    // standard does for forms), so those are done here.
    if encoding == UTF_16LE {
        return Ok(text.encode_utf16().flat_map(u16::to_le_bytes).collect());
    }
    if encoding == UTF_16BE {
        return Ok(text.encode_utf16().flat_map(u16::to_be_bytes).collect());
    }
    if encoding == UTF_8 {
        return Ok(text.as_bytes().to_vec());
    }
    encode_whatwg(text, encoding, label)
}

/// `text` encoded as [`encode`] does, with a mask that matches its ASCII
/// letters in either case: `0xdf` on each byte that holds an ASCII letter
/// (whose two cases differ in that bit alone), `0xff` elsewhere. So `-i`
/// folds letters, never a byte of another character that happens to have
/// a letter's value (UTF-16's `41 01`, a Shift_JIS trail byte `41`).
///
/// ```
/// let (bytes, mask) = mpatch::encode_folded("aŁ".as_bytes(), "utf-16le").unwrap();
/// assert_eq!((bytes, mask), (vec![0x61, 0, 0x41, 0x01], vec![0xdf, 0xff, 0xff, 0xff]));
/// ```
pub fn encode_folded(text: &[u8], label: &str) -> Result<(Vec<u8>, Vec<u8>), EncodingError> {
    let bytes = encode(text, label)?;
    let upper = encode(&text.to_ascii_uppercase(), label)?;
    let lower = encode(&text.to_ascii_lowercase(), label)?;
    let mask: Vec<u8> = match upper.len() == bytes.len() && lower.len() == bytes.len() {
        true => upper
            .iter()
            .zip(&lower)
            .map(|(u, l)| if u ^ l == 0x20 { 0xdf } else { 0xff })
            .collect(),
        false => vec![0xff; bytes.len()],
    };
    Ok((bytes, mask))
}

/// Encodes with encoding_rs's encoder, stopping at the first character
/// it cannot map (its encode() would write an HTML `&#...;` instead).
fn encode_whatwg(
    text: &str,
    encoding: &'static Encoding,
    label: &str,
) -> Result<Vec<u8>, EncodingError> {
    let mut encoder = encoding.new_encoder();
    let room = encoder
        .max_buffer_length_from_utf8_without_replacement(text.len())
        .ok_or_else(|| error(format!("the text is too long to encode in {label}")))?;
    let mut out = vec![0; room];
    let (result, read, written) =
        encoder.encode_from_utf8_without_replacement(text, &mut out, true);
    match result {
        EncoderResult::InputEmpty => {
            out.truncate(written);
            Ok(out)
        }
        EncoderResult::Unmappable(c) => {
            // `read` counts the unmappable character itself.
            let position = text[..read].chars().count();
            Err(error(format!(
                "'{c}' (U+{:04X}) at character {position} cannot be encoded in {label}",
                u32::from(c)
            )))
        }
        // The buffer was sized for the worst case.
        EncoderResult::OutputFull => Err(error(format!(
            "the text could not be encoded in {label} (output full)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str, label: &str) -> Vec<u8> {
        encode(text.as_bytes(), label).unwrap_or_else(|e| panic!("{label}: {e}"))
    }

    fn reason(text: &[u8], label: &str) -> String {
        encode(text, label).unwrap_err().reason
    }

    #[test]
    fn utf16_by_hand_surrogates_included() {
        assert_eq!(ok("Trial", "utf-16le"), b"T\0r\0i\0a\0l\0");
        assert_eq!(ok("Trial", " UTF-16BE "), b"\0T\0r\0i\0a\0l");
        assert_eq!(ok("é😀", "utf-16le"), [0xE9, 0, 0x3D, 0xD8, 0x00, 0xDE]);
        assert_eq!(ok("😀", "utf-16be"), [0xD8, 0x3D, 0xDE, 0x00]);
        // WHATWG's "utf-16" is little-endian, without a byte order mark.
        assert_eq!(ok("A", "utf-16"), b"A\0");
        assert_eq!(ok("", "utf-16le"), b"");
        assert_eq!(ok("ok", "utf-8"), b"ok");
    }

    #[test]
    fn whatwg_encodings() {
        assert_eq!(ok("café", "latin1"), b"caf\xe9");
        // latin1 is windows-1252 in WHATWG: the euro sign has a byte.
        assert_eq!(ok("5€", "latin1"), b"5\x80");
        assert_eq!(ok("5€", "windows-1252"), b"5\x80");
        assert_eq!(
            ok("テスト", "shift_jis"),
            [0x83, 0x65, 0x83, 0x58, 0x83, 0x67]
        );
        assert_eq!(ok("テスト", "Shift-JIS"), ok("テスト", "sjis"));
        assert_eq!(ok("한", "euc-kr"), [0xC7, 0xD1]);
        assert_eq!(ok("中", "gbk"), [0xD6, 0xD0]);
        assert_eq!(ok("Ж", "koi8-r"), [0xF6]);
        // A stateful encoding: escapes in and back out.
        assert_eq!(
            ok("aテ", "iso-2022-jp"),
            [b'a', 0x1B, b'$', b'B', 0x25, 0x46, 0x1B, b'(', b'B']
        );
    }

    #[test]
    fn unmappable_characters_are_named_with_their_position() {
        assert_eq!(
            reason("ab€".as_bytes(), "shift_jis"),
            "'€' (U+20AC) at character 3 cannot be encoded in shift_jis"
        );
        assert_eq!(
            reason("āb".as_bytes(), "windows-1252"),
            "'ā' (U+0101) at character 1 cannot be encoded in windows-1252"
        );
        assert_eq!(
            reason("日本語😀".as_bytes(), "euc-jp"),
            "'😀' (U+1F600) at character 4 cannot be encoded in euc-jp"
        );
    }

    #[test]
    fn bad_text_and_labels_are_errors() {
        assert_eq!(
            reason(b"ab\xff", "latin1"),
            "the text is not UTF-8 (at byte 2), so it cannot be encoded in latin1"
        );
        let unknown = reason(b"x", "klingon");
        assert!(unknown.starts_with("unknown encoding \"klingon\" (known: utf-8, utf-16le"));
        assert!(
            reason(b"x", "iso-2022-kr").contains("decode-only"),
            "iso-2022-kr"
        );
        assert!(reason(b"x", "").starts_with("unknown encoding"));
    }
}
