//! The patch as the readers consume it: buffered, counted, checksummed and
//! bounded, with the errors a short or endless input turns into.

use std::io::{ErrorKind as IoKind, Read};

use super::{ErrorKind, FormatError};

/// The read buffer: also the most a reader may peek ahead.
const BUFFER: usize = 64 << 10;

/// A patch being read: bytes come out in order, each counted (for the
/// byte offsets errors name) and fed to a CRC32 (UPS and BPS end with one of
/// everything before it).
pub(crate) struct Input<'a> {
    inner: Box<dyn Read + 'a>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    consumed: u64,
    crc: crc32fast::Hasher,
    /// Where the record being read began: truncation errors name it.
    pub record: u64,
}

impl<'a> Input<'a> {
    pub fn new(inner: impl Read + 'a) -> Input<'a> {
        Input {
            inner: Box::new(inner),
            buf: vec![0; BUFFER],
            start: 0,
            end: 0,
            eof: false,
            consumed: 0,
            crc: crc32fast::Hasher::new(),
            record: 0,
        }
    }

    /// How many bytes were consumed so far: the offset of the next one.
    pub fn position(&self) -> u64 {
        self.consumed
    }

    /// The CRC32 of every byte consumed so far.
    pub fn crc(&self) -> u32 {
        self.crc.clone().finalize()
    }

    /// Marks the start of a record at the current position.
    pub fn start_record(&mut self) {
        self.record = self.consumed;
    }

    pub fn error(&self, kind: ErrorKind, reason: impl Into<String>) -> FormatError {
        FormatError {
            kind,
            at: self.consumed,
            reason: reason.into(),
        }
    }

    pub fn truncated(&self) -> FormatError {
        FormatError {
            kind: ErrorKind::Corrupt,
            at: self.record,
            reason: format!(
                "truncated: the patch ends inside the record at byte {}",
                self.record
            ),
        }
    }

    /// Reads until at least `want` bytes (at most [`BUFFER`]) are buffered
    /// or the input ends; returns how many are buffered.
    fn fill(&mut self, want: usize) -> Result<usize, FormatError> {
        let want = want.min(BUFFER);
        if self.end - self.start >= want || self.eof {
            return Ok(self.end - self.start);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end < want && !self.eof {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == IoKind::Interrupted => {}
                Err(e) => {
                    return Err(self.error(
                        ErrorKind::Io,
                        format!(
                            "the patch cannot be read: {}",
                            crate::error::plain_reason(&e)
                        ),
                    ));
                }
            }
        }
        Ok(self.end - self.start)
    }

    /// Up to `n` bytes ahead (fewer only at the end), without consuming.
    pub fn peek(&mut self, n: usize) -> Result<&[u8], FormatError> {
        let have = self.fill(n)?;
        Ok(&self.buf[self.start..self.start + have.min(n)])
    }

    /// What is buffered, at most `n` bytes: at least one unless the input
    /// has ended. For a reader that takes what comes: asking [`Input::peek`]
    /// for a full buffer before each small record would move the buffer
    /// and read once a record.
    pub fn peek_buffered(&mut self, n: usize) -> Result<&[u8], FormatError> {
        let have = self.fill(1)?.min(n);
        Ok(&self.buf[self.start..self.start + have])
    }

    /// Whether the input has no byte left.
    pub fn at_end(&mut self) -> Result<bool, FormatError> {
        Ok(self.fill(1)? == 0)
    }

    /// Whether exactly `n` bytes are left (`n` below the buffer's size).
    pub fn left_exactly(&mut self, n: usize) -> Result<bool, FormatError> {
        Ok(self.fill(n + 1)? == n && self.eof)
    }

    fn consume(&mut self, n: usize) {
        self.crc.update(&self.buf[self.start..self.start + n]);
        self.start += n;
        self.consumed += n as u64;
    }

    pub fn byte(&mut self) -> Result<u8, FormatError> {
        if self.fill(1)? == 0 {
            return Err(self.truncated());
        }
        let b = self.buf[self.start];
        self.consume(1);
        Ok(b)
    }

    /// Fills `out` from the patch, or fails as truncated.
    pub fn read_exact(&mut self, out: &mut [u8]) -> Result<(), FormatError> {
        let mut done = 0;
        while done < out.len() {
            let have = self.fill(out.len() - done)?;
            if have == 0 {
                return Err(self.truncated());
            }
            let n = have.min(out.len() - done);
            out[done..done + n].copy_from_slice(&self.buf[self.start..self.start + n]);
            self.consume(n);
            done += n;
        }
        Ok(())
    }

    /// `n` bytes as a vector; the caller bounds `n`.
    pub fn take(&mut self, n: usize) -> Result<Vec<u8>, FormatError> {
        let mut out = Vec::new();
        // Grown as the bytes arrive, so a hostile length on a short patch
        // costs no more memory than the patch has.
        while out.len() < n {
            let have = self.fill(n - out.len())?;
            if have == 0 {
                return Err(self.truncated());
            }
            let k = have.min(n - out.len());
            out.extend_from_slice(&self.buf[self.start..self.start + k]);
            self.consume(k);
        }
        Ok(out)
    }

    pub fn u32_le(&mut self) -> Result<u32, FormatError> {
        let mut b = [0; 4];
        self.read_exact(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    pub fn u64_le(&mut self) -> Result<u64, FormatError> {
        let mut b = [0; 8];
        self.read_exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// A big-endian number of `N` bytes (IPS's 24-bit offsets).
    pub fn be<const N: usize>(&mut self) -> Result<u64, FormatError> {
        let mut b = [0; N];
        self.read_exact(&mut b)?;
        Ok(b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x)))
    }

    /// UPS's and BPS's variable-length number (byuu's encoding: seven bits a
    /// byte, the last byte flagged by its top bit, each continuation adding
    /// one so that every number has one spelling). Overflow is an error.
    pub fn varint(&mut self) -> Result<u64, FormatError> {
        let start = self.consumed;
        let overflow = || FormatError {
            kind: ErrorKind::Corrupt,
            at: start,
            reason: format!("the number at byte {start} is larger than 2^64"),
        };
        let mut value: u64 = 0;
        let mut shift: u64 = 1;
        loop {
            let x = self.byte()?;
            value = u64::from(x & 0x7f)
                .checked_mul(shift)
                .and_then(|v| v.checked_add(value))
                .ok_or_else(overflow)?;
            if x & 0x80 != 0 {
                return Ok(value);
            }
            shift = shift.checked_mul(128).ok_or_else(overflow)?;
            value = value.checked_add(shift).ok_or_else(overflow)?;
        }
    }

    /// The next line without its `\n` (and `\r`), or `None` at the end; a
    /// line longer than `max` bytes is an error, not memory.
    pub fn line(&mut self, max: usize, out: &mut Vec<u8>) -> Result<bool, FormatError> {
        out.clear();
        loop {
            let have = self.fill(BUFFER)?;
            if have == 0 {
                if out.last() == Some(&b'\r') {
                    out.pop();
                }
                return Ok(!out.is_empty());
            }
            let chunk = &self.buf[self.start..self.start + have];
            let (n, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (have, false),
            };
            if out.len() + n > max + 1 {
                return Err(self.error(
                    ErrorKind::Corrupt,
                    format!("a line is longer than {}", kib_or_mib(max)),
                ));
            }
            out.extend_from_slice(&chunk[..n]);
            self.consume(n);
            if done {
                out.pop();
                if out.last() == Some(&b'\r') {
                    out.pop();
                }
                return Ok(true);
            }
        }
    }
}

/// `bytes` in whole MiB if it is some, else in KiB.
fn kib_or_mib(bytes: usize) -> String {
    match bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        true => format!("{} MiB", bytes >> 20),
        false => format!("{} KiB", bytes >> 10),
    }
}

/// Appends `value` in the UPS/BPS variable-length encoding.
pub(crate) fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let x = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(0x80 | x);
            return;
        }
        out.push(x);
        value -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_overflow_is_an_error() {
        for value in [0, 1, 127, 128, 255, 16_511, 16_512, u64::MAX - 1, u64::MAX] {
            let mut bytes = Vec::new();
            push_varint(&mut bytes, value);
            let mut input = Input::new(&bytes[..]);
            assert_eq!(input.varint().unwrap(), value, "{bytes:?}");
            assert!(input.at_end().unwrap());
        }
        let endless = [0u8; 20];
        let error = Input::new(&endless[..]).varint().unwrap_err();
        assert!(error.reason.contains("larger than 2^64"), "{error:?}");
        let short = [0u8; 3];
        let error = Input::new(&short[..]).varint().unwrap_err();
        assert!(error.reason.starts_with("truncated"), "{error:?}");
    }

    #[test]
    fn lines_are_bounded_and_lose_their_line_ends() {
        let text = b"one\r\ntwo\nthree";
        let mut input = Input::new(&text[..]);
        let mut line = Vec::new();
        let mut seen = Vec::new();
        while input.line(10, &mut line).unwrap() {
            seen.push(String::from_utf8(line.clone()).unwrap());
        }
        assert_eq!(seen, ["one", "two", "three"]);
        let long = vec![b'a'; 200_000];
        let error = Input::new(&long[..]).line(1024, &mut line).unwrap_err();
        assert!(error.reason.contains("longer than 1 KiB"), "{error:?}");
    }

    #[test]
    fn the_crc_covers_what_was_consumed() {
        let bytes = b"hello world";
        let mut input = Input::new(&bytes[..]);
        input.take(5).unwrap();
        assert_eq!(input.crc(), crc32fast::hash(b"hello"));
        assert!(input.left_exactly(6).unwrap());
        assert!(!input.left_exactly(5).unwrap());
        assert_eq!(input.position(), 5);
    }

    #[test]
    fn taking_what_is_buffered_reads_once_a_buffer_not_once_a_record() {
        struct Counting<'a>(&'a [u8], &'a std::cell::Cell<usize>);
        impl Read for Counting<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.1.set(self.1.get() + 1);
                self.0.read(buf)
            }
        }
        let bytes: Vec<u8> = (0..10 * BUFFER).map(|i| (i % 251) as u8).collect();
        let reads = std::cell::Cell::new(0);
        let mut input = Input::new(Counting(&bytes, &reads));
        let mut seen = Vec::new();
        loop {
            let ahead = input.peek_buffered(BUFFER).unwrap();
            if ahead.is_empty() {
                break;
            }
            let n = ahead.len().min(3);
            seen.extend_from_slice(&ahead[..n]);
            input.read_exact(&mut [0; 3][..n]).unwrap();
        }
        assert_eq!(seen, bytes);
        assert!(reads.get() <= 12, "{} reads", reads.get());
    }
}
