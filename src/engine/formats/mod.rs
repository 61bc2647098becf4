//! Patch formats behind one streaming reader and one writer: mpatch's own,
//! `cmp -l`, IPS, UPS, BPS, PPF 3.0, x64dbg's `.1337` and IDA's `.dif`.

mod bps;
mod dif;
mod held;
#[cfg(test)]
mod hostile;
mod input;
mod ips;
#[cfg(test)]
mod peers;
mod ppf;
mod sequential;
#[cfg(test)]
mod tests;
mod text;
mod ups;
mod write;
mod x64dbg;

use std::collections::VecDeque;
use std::fmt;
use std::io::Read;

use input::Input;

pub use held::{Held, HeldRegion, Regions};
pub use write::{FileCrcs, WriteError, WriteOptions, write};

/// The most bytes one [`Region`] holds: longer changes come as several.
pub const MAX_REGION: usize = crate::engine::patchfile::MAX_REGION;
/// How many bytes [`Format::detect`] looks at.
pub const SNIFF: usize = 4096;

/// A patch format: what [`crate::Diff`] writes and [`crate::Apply`] reads.
///
/// ```
/// use mpatch::Format;
/// assert_eq!(Format::from_name("ips"), Some(Format::Ips));
/// assert_eq!(Format::detect(b"UPS1\x8c\x8c"), Format::Ups);
/// assert_eq!(Format::detect(b"   1 141 142\n"), Format::CmpList);
/// assert!(Format::Ups.reversible() && !Format::Bps.reversible());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// mpatch's own text format (`mpatch patch 1 size N`).
    Mpatch,
    /// `cmp -l` output: 1-based decimal offsets, octal old and new bytes.
    CmpList,
    /// IPS (`PATCH` ... `EOF`): new bytes only, 24-bit offsets.
    Ips,
    /// UPS (`UPS1`): the XOR of old and new, with both files' CRC32s.
    Ups,
    /// BPS (`BPS1`): source and target copies, with both files' CRC32s.
    Bps,
    /// PPF 3.0 (`PPF30`), with or without undo data (the old bytes).
    Ppf,
    /// x64dbg's `.1337`.
    X64dbg,
    /// IDA's `.dif`.
    IdaDif,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 8] = [
        Format::Mpatch,
        Format::CmpList,
        Format::Ips,
        Format::Ups,
        Format::Bps,
        Format::Ppf,
        Format::X64dbg,
        Format::IdaDif,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Mpatch => "mpatch",
            Format::CmpList => "cmp",
            Format::Ips => "ips",
            Format::Ups => "ups",
            Format::Bps => "bps",
            Format::Ppf => "ppf",
            Format::X64dbg => "1337",
            Format::IdaDif => "dif",
        }
    }

    /// The format of a `--format` name (ASCII case ignored).
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The format of a patch that starts with `first` (its first
    /// 4096 bytes, or all of it if shorter), by its magic. Text that
    /// is none of the others is `cmp -l` output, unless its first line
    /// that is not blank or a `#` comment is mpatch's header.
    pub fn detect(first: &[u8]) -> Format {
        let magics: [(&[u8], Format); 4] = [
            (b"PATCH", Format::Ips),
            (b"UPS1", Format::Ups),
            (b"BPS1", Format::Bps),
            (b"PPF", Format::Ppf),
        ];
        if let Some((_, format)) = magics.iter().find(|(m, _)| first.starts_with(m)) {
            return *format;
        }
        let text = first.strip_prefix(b"\xef\xbb\xbf").unwrap_or(first);
        let trimmed = text.trim_ascii_start();
        if trimmed.starts_with(dif::HEADER.as_bytes()) {
            return Format::IdaDif;
        }
        if trimmed.starts_with(b">") {
            return Format::X64dbg;
        }
        let mut lines = text.split(|&b| b == b'\n').map(<[u8]>::trim_ascii);
        match lines.find(|line| !line.is_empty() && !line.starts_with(b"#")) {
            Some(line) if line.starts_with(crate::engine::patchfile::MAGIC.as_bytes()) => {
                Format::Mpatch
            }
            Some(_) => Format::CmpList,
            // Only comments so far: what follows decides, and the mpatch
            // reader takes either.
            None => Format::Mpatch,
        }
    }

    /// Whether the format carries the old bytes, so that apply is a
    /// compare-and-swap and can be reversed (PPF: when the patch has its
    /// undo data, which the reader checks).
    pub fn reversible(self) -> bool {
        !matches!(self, Format::Ips | Format::Bps)
    }

    /// Why a patch of this format cannot be applied in reverse, if it
    /// cannot.
    pub fn reverse_refusal(self) -> Option<String> {
        match self {
            Format::Ips | Format::Bps => Some(format!(
                "{} patches carry no old bytes, so cannot be reversed (make the patch the other way: mpatch diff NEW OLD)",
                self.title()
            )),
            _ => None,
        }
    }

    /// The name in messages.
    pub fn title(self) -> &'static str {
        match self {
            Format::Mpatch => "mpatch",
            Format::CmpList => "cmp -l",
            Format::Ips => "IPS",
            Format::Ups => "UPS",
            Format::Bps => "BPS",
            Format::Ppf => "PPF",
            Format::X64dbg => "x64dbg .1337",
            Format::IdaDif => "IDA .dif",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One stretch of the file the patch changes: `new` goes at `offset`, in
/// place of `old` where the format carries (or the reader read) the old
/// bytes, as long as `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub offset: u64,
    pub old: Option<Vec<u8>>,
    pub new: Vec<u8>,
}

impl Region {
    /// The offset just past the region.
    pub fn end(&self) -> u64 {
        self.offset + self.new.len() as u64
    }
}

/// The file a patch is read against: its size, and its bytes as they were
/// before the patch (UPS XORs them, BPS copies them, PPF checks a block).
pub trait Source {
    fn len(&self) -> u64;
    /// Fills `buf` from `offset`; the range lies inside the file.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()>;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let range = usize::try_from(offset)
            .ok()
            .and_then(|start| Some(start..start.checked_add(buf.len())?))
            .filter(|range| range.end <= <[u8]>::len(self));
        match range {
            Some(range) => {
                buf.copy_from_slice(&self[range]);
                Ok(())
            }
            None => Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
        }
    }
}

impl Source for Vec<u8> {
    fn len(&self) -> u64 {
        Vec::len(self) as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.as_slice().read_at(offset, buf)
    }
}

/// The CRC32 of a whole source (what UPS and BPS carry), read in pieces.
pub fn crc32_of(source: &dyn Source) -> std::io::Result<u32> {
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0; MAX_REGION];
    let mut at = 0;
    while at < source.len() {
        let n = (source.len() - at).min(buf.len() as u64) as usize;
        source.read_at(at, &mut buf[..n])?;
        hasher.update(&buf[..n]);
        at += n as u64;
    }
    Ok(hasher.finalize())
}

/// What went wrong, for the caller's exit status and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The patch is damaged, truncated, not of its format, or fails its
    /// own checksum.
    Corrupt,
    /// Applying it would change the file's size (IPS truncation or a
    /// record past the end, a UPS or BPS target of another size).
    SizeChange,
    /// It is for a file of another size.
    WrongSize,
    /// It is for another file: the file's checksum or PPF block differs.
    WrongFile,
    /// The file already holds the patch's result (UPS, BPS: its checksum
    /// is the target's).
    AlreadyApplied,
    /// It cannot be done with this patch (reversing IPS or BPS, a PPF
    /// without undo data, PPF 1.0 or 2.0).
    Unsupported,
    /// The patch could not be read.
    Io,
    /// The file could not be read (it shrank, or an I/O error).
    Source,
}

/// Why a patch cannot be read or applied, in one line of plain words.
/// `at` is where: a byte offset in a binary patch, a line number (from 1)
/// in a text one, 0 for the patch as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    pub kind: ErrorKind,
    pub at: u64,
    pub reason: String,
}

impl FormatError {
    pub(crate) fn new(kind: ErrorKind, at: u64, reason: impl Into<String>) -> FormatError {
        FormatError {
            kind,
            at,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for FormatError {}

/// How to read a patch.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// The format, or `None` to detect it by its magic.
    pub format: Option<Format>,
    /// New to old: for the formats that carry the old bytes.
    pub reverse: bool,
    /// Accept a file of another size than mpatch's header says (records
    /// must still lie inside it).
    pub any_size: bool,
}

/// The two CRC32s of UPS and BPS, as the reader uses them: `file` is what
/// the file to patch must have, `result` what it will have (swapped from
/// the patch's source and target when reversed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checksums {
    pub file: u32,
    pub result: u32,
}

/// What a patch's header said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// The size of the file the patch is for, where it says.
    pub size: Option<u64>,
    /// x64dbg's module, IDA's file name, PPF's description, BPS metadata.
    pub name: Option<String>,
    /// PPF's block check: the bytes the file must hold at this offset.
    pub block: Option<(u64, Vec<u8>)>,
}

/// A patch being read: an iterator of its regions, read from the patch as
/// they are used, in bounded memory. Stop at the first error; write
/// nothing unless the iterator ends without one (apply is all-or-nothing).
///
/// Every region lies inside the file, checked as it comes. Checksums the
/// format carries are checked here: the patch's own before the last region
/// is given, the file's (UPS, BPS) and the result's at the end.
///
/// Order and overlap: IPS and PPF without undo data are applied in their
/// order, the last write winning, so their regions come in patch order and
/// may overlap; the formats that carry old bytes (a compare-and-swap)
/// refuse a second write to a byte; UPS and BPS regions are ascending and
/// hold only bytes that differ from the file.
pub struct Reader<'a> {
    format: Format,
    header: Header,
    input: Input<'a>,
    source: &'a dyn Source,
    decoder: Decoder,
    pending: VecDeque<Region>,
    state: State,
    options: ReadOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    Finished,
    Failed,
}

enum Decoder {
    Text(text::Decoder),
    Ips(ips::Decoder),
    Ups(ups::Decoder),
    Bps(Box<bps::Decoder>),
    Ppf(ppf::Decoder),
    X64dbg(x64dbg::Decoder),
    Dif(dif::Decoder),
}

/// Everything a decoder needs besides its own state.
pub(crate) struct Context<'c, 'a> {
    pub input: &'c mut Input<'a>,
    pub source: &'c dyn Source,
    pub options: ReadOptions,
}

/// Opens a patch: detects (or takes) its format and reads its header,
/// checking it against `source`, the file to patch.
pub fn open<'a>(
    input: impl Read + 'a,
    source: &'a dyn Source,
    options: ReadOptions,
) -> Result<Reader<'a>, FormatError> {
    let mut input = Input::new(input);
    let format = match options.format {
        Some(format) => format,
        None => Format::detect(input.peek(SNIFF)?),
    };
    if options.reverse
        && let Some(reason) = format.reverse_refusal()
    {
        return Err(FormatError::new(ErrorKind::Unsupported, 0, reason));
    }
    let mut cx = Context {
        input: &mut input,
        source,
        options,
    };
    let (decoder, header) = match format {
        Format::Mpatch | Format::CmpList => {
            let (d, h) = text::Decoder::open(&mut cx, format)?;
            (Decoder::Text(d), h)
        }
        Format::Ips => (
            Decoder::Ips(ips::Decoder::open(&mut cx)?),
            Header::default(),
        ),
        Format::Ups => {
            let (d, h) = ups::Decoder::open(&mut cx)?;
            (Decoder::Ups(d), h)
        }
        Format::Bps => {
            let (d, h) = bps::Decoder::open(&mut cx)?;
            (Decoder::Bps(Box::new(d)), h)
        }
        Format::Ppf => {
            let (d, h) = ppf::Decoder::open(&mut cx)?;
            (Decoder::Ppf(d), h)
        }
        Format::X64dbg => {
            let (d, h) = x64dbg::Decoder::open(&mut cx)?;
            (Decoder::X64dbg(d), h)
        }
        Format::IdaDif => {
            let (d, h) = dif::Decoder::open(&mut cx)?;
            (Decoder::Dif(d), h)
        }
    };
    Ok(Reader {
        format,
        header,
        input,
        source,
        decoder,
        pending: VecDeque::new(),
        state: State::Running,
        options,
    })
}

impl<'a> Reader<'a> {
    pub fn format(&self) -> Format {
        self.format
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// UPS's and BPS's CRC32s, once the iterator has ended (they close the
    /// patch).
    pub fn checksums(&self) -> Option<Checksums> {
        match &self.decoder {
            Decoder::Ups(d) => d.checksums(),
            Decoder::Bps(d) => d.checksums(),
            _ => None,
        }
    }

    /// The size an IPS patch truncates the file to (which must be the
    /// file's own), once the iterator has ended.
    pub fn truncation(&self) -> Option<u64> {
        match &self.decoder {
            Decoder::Ips(d) => d.truncation(),
            _ => None,
        }
    }

    /// Decodes until a region is ready, or the patch is done.
    fn step(&mut self) -> Result<bool, FormatError> {
        let mut cx = Context {
            input: &mut self.input,
            source: self.source,
            options: self.options,
        };
        let out = &mut self.pending;
        match &mut self.decoder {
            Decoder::Text(d) => d.step(&mut cx, out),
            Decoder::Ips(d) => d.step(&mut cx, out),
            Decoder::Ups(d) => d.step(&mut cx, out),
            Decoder::Bps(d) => d.step(&mut cx, out),
            Decoder::Ppf(d) => d.step(&mut cx, out),
            Decoder::X64dbg(d) => d.step(&mut cx, out),
            Decoder::Dif(d) => d.step(&mut cx, out),
        }
    }
}

impl Iterator for Reader<'_> {
    type Item = Result<Region, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        // The last region is held back until the patch has been read to
        // its end and its checks have passed.
        while self.state == State::Running && self.pending.len() < 2 {
            match self.step() {
                Ok(true) => {}
                Ok(false) => self.state = State::Finished,
                Err(error) => {
                    self.state = State::Failed;
                    self.pending.clear();
                    return Some(Err(error));
                }
            }
        }
        match self.state {
            State::Failed => None,
            _ => self.pending.pop_front().map(Ok),
        }
    }
}

/// Reads a region's old bytes from the source.
pub(crate) fn read_source(
    source: &dyn Source,
    offset: u64,
    buf: &mut [u8],
) -> Result<(), FormatError> {
    source.read_at(offset, buf).map_err(|e| {
        FormatError::new(
            ErrorKind::Source,
            0,
            format!(
                "the file cannot be read at offset {offset}: {}",
                crate::error::plain_reason(&e)
            ),
        )
    })
}

/// The error for a record that does not fit in the file: both sizes named.
pub(crate) fn past_end(at: u64, offset: u64, len: u64, size: u64) -> FormatError {
    let grown = match offset.checked_add(len) {
        Some(end) => format!("{end} bytes"),
        None => "more than 2^64 bytes".into(),
    };
    FormatError::new(
        ErrorKind::SizeChange,
        at,
        format!(
            "a record at offset {offset:#x} ({len} byte{}) runs past the end of the {size}-byte file (it would make the file {grown})",
            if len == 1 { "" } else { "s" }
        ),
    )
}

/// Checks that `len` bytes at `offset` lie inside the source.
pub(crate) fn check_fits(cx: &Context, offset: u64, len: u64) -> Result<(), FormatError> {
    let size = cx.source.len();
    match offset.checked_add(len) {
        Some(end) if end <= size => Ok(()),
        _ => Err(past_end(cx.input.record, offset, len, size)),
    }
}

/// The error for a size change.
pub(crate) fn size_change(at: u64, from: u64, to: u64) -> FormatError {
    FormatError::new(
        ErrorKind::SizeChange,
        at,
        format!("the patch would change the file's size from {from} to {to} bytes"),
    )
}
