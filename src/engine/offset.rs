//! Reading OFFSET, LENGTH and `--range START:END` (decimal, `0x` hex, or
//! negative from the end) and resolving them against a file's length.

/// A position as typed: from the start of the file, or back from its end.
///
/// ```
/// use mpatch::Position;
/// // `-16` is 16 bytes back from the end: where that is depends on the file.
/// assert_eq!(Position::FromEnd(16).resolve(100), Ok(84));
/// assert_eq!(Position::FromEnd(16).resolve(1000), Ok(984));
/// assert!(Position::FromEnd(200).resolve(100).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// This many bytes from the start.
    FromStart(u64),
    /// This many bytes back from the end.
    FromEnd(u64),
}

/// Reads a non-negative number in decimal or `0x` hex.
pub fn parse_number(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse::<u64>(),
    };
    parsed.map_err(|error| match error.kind() {
        std::num::IntErrorKind::PosOverflow => {
            format!("{text:?} is too large (at most {})", u64::MAX)
        }
        _ => format!("{text:?} is not a number (decimal or 0x hex)"),
    })
}

/// Reads an OFFSET: a number, or `-N` to count back from the end. `-0` is
/// the start, as Python's `-0` is 0.
pub fn parse_position(text: &str) -> Result<Position, String> {
    match text.strip_prefix('-') {
        Some(back) => parse_number(back).map(|back| match back {
            0 => Position::FromStart(0),
            back => Position::FromEnd(back),
        }),
        None => parse_number(text).map(Position::FromStart),
    }
}

impl Position {
    /// Reads an OFFSET: decimal or `0x` hex, or `-N` to count back from
    /// the end (`-0` is the start, as Python's `-0` is 0).
    ///
    /// ```
    /// use mpatch::Position;
    /// assert_eq!(Position::parse("0x10"), Ok(Position::FromStart(16)));
    /// assert_eq!(Position::parse("-4").unwrap().resolve(100), Ok(96));
    /// ```
    pub fn parse(text: &str) -> Result<Position, String> {
        parse_position(text)
    }

    /// The absolute offset in a file of `len` bytes; it may lie past the end,
    /// which callers report in their own words.
    pub fn resolve(self, len: u64) -> Result<u64, String> {
        match self {
            Position::FromStart(offset) => Ok(offset),
            Position::FromEnd(back) => len.checked_sub(back).ok_or_else(|| {
                format!("offset -{back} is before the start of the file ({len} bytes)")
            }),
        }
    }
}

/// `--range START:END`, either end optional.
///
/// ```
/// use mpatch::{Position, RangeSpec};
/// // `--range=-1024:`, the last KiB: a shorter file is scanned whole.
/// let tail = RangeSpec { start: Some(Position::FromEnd(1024)), end: None };
/// assert_eq!(tail.resolve(4096), (3072, 4096));
/// assert_eq!(tail.resolve(100), (0, 100));
/// assert_eq!(RangeSpec::default().resolve(100), (0, 100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RangeSpec {
    /// The first byte (the file's start when `None`).
    pub start: Option<Position>,
    /// One past the last byte (the file's end when `None`).
    pub end: Option<Position>,
}

pub fn parse_range(text: &str) -> Result<RangeSpec, String> {
    let (start, end) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?}: expected START:END (either may be left out)"))?;
    let part = |s: &str| -> Result<Option<Position>, String> {
        if s.is_empty() {
            Ok(None)
        } else {
            parse_position(s).map(Some)
        }
    };
    let range = RangeSpec {
        start: part(start)?,
        end: part(end)?,
    };
    // Ends counted the same way are in order whatever the file; one from
    // the start and one from the end depend on its length, and cut to it.
    let reversed = match (range.start, range.end) {
        (Some(Position::FromStart(a)), Some(Position::FromStart(b))) => a > b,
        (Some(Position::FromEnd(a)), Some(Position::FromEnd(b))) => a < b,
        _ => false,
    };
    if reversed {
        return Err(format!("{text:?}: START is after END"));
    }
    Ok(range)
}

impl RangeSpec {
    /// Reads `START:END` (either may be left out; decimal, `0x` hex, or
    /// negative to count back from the end).
    ///
    /// ```
    /// let range = mpatch::RangeSpec::parse("0x10:-4").unwrap();
    /// assert_eq!(range.resolve(100), (16, 96));
    /// assert!(mpatch::RangeSpec::parse("9:3").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<RangeSpec, String> {
        parse_range(text)
    }

    /// The range in a stream, whose length is not known: ends counted
    /// from the end cannot be placed.
    pub fn resolve_stream(&self) -> Result<(u64, u64), String> {
        let place = |p: Option<Position>, open: u64| match p {
            None => Ok(open),
            Some(Position::FromStart(offset)) => Ok(offset),
            Some(Position::FromEnd(_)) => {
                Err("a negative offset needs a file; a stream's end is not known".to_string())
            }
        };
        Ok((place(self.start, 0)?, place(self.end, u64::MAX)?))
    }

    /// The byte range `[start, end)` inside a file of `len` bytes. Ends
    /// outside the file are cut to it, as Python's slices are (so
    /// `--range=-1024:` works on a shorter file too), and a range that
    /// turns out inverted in this file (`90:-20` in 100 bytes) is empty.
    pub fn resolve(&self, len: u64) -> (u64, u64) {
        let clamp = |p: Position| match p {
            Position::FromStart(offset) => offset.min(len),
            Position::FromEnd(back) => len.saturating_sub(back),
        };
        let start = self.start.map_or(0, clamp);
        let end = self.end.map_or(len, clamp);
        (start, end.max(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("4096").unwrap(), 4096);
        assert_eq!(parse_number("0x1000").unwrap(), 4096);
        assert_eq!(parse_number("0X1f40").unwrap(), 8000);
        assert!(parse_number("12k").is_err());
        assert!(parse_number("").is_err());
        assert!(parse_number("0x").is_err());
    }

    #[test]
    fn positions() {
        assert_eq!(parse_position("-16").unwrap(), Position::FromEnd(16));
        assert_eq!(Position::FromEnd(16).resolve(100).unwrap(), 84);
        assert!(Position::FromEnd(101).resolve(100).is_err());
        assert_eq!(Position::FromStart(200).resolve(100).unwrap(), 200);
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("10:20").unwrap().resolve(100), (10, 20));
        assert_eq!(parse_range(":0x20").unwrap().resolve(100), (0, 32));
        assert_eq!(parse_range("90:").unwrap().resolve(100), (90, 100));
        assert_eq!(parse_range("-10:").unwrap().resolve(100), (90, 100));
        assert!(parse_range("50:10").is_err());
        assert!(parse_range("-2:-10").is_err());
        assert_eq!(parse_range("10:10").unwrap().resolve(100), (10, 10));
        assert_eq!(parse_range("90:-20").unwrap().resolve(100), (90, 90));
        assert_eq!(parse_range("-0:").unwrap().resolve(100), (0, 100));
        assert_eq!(parse_range(":-0").unwrap().resolve(100), (0, 0));
        assert_eq!(parse_range(":").unwrap().resolve(100), (0, 100));
        assert_eq!(parse_range("-1024:").unwrap().resolve(100), (0, 100));
        assert!(parse_range("10").is_err());
        assert!(parse_range("a:b").is_err());
    }
}
