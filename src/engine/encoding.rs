//! Text encodings for patterns (`-E`): PATTERN and REPLACEMENT text turned
//! into the bytes of UTF-16 or any WHATWG encoding before matching.
