//! The undo journal: a versioned, checksummed record of every changed region
//! (offset, old bytes, new bytes) of each file, written and fsynced before
//! the first byte changes. Encoding and decoding are pure; [`Writer`] does I/O.
//!
//! Layout, integers little-endian:
//! `MPATCHJ\n` `version:u32`, then entries: `F dev:u64 ino:u64 len:u64
//! path_len:u32 path` starts a file, `R offset:u64 len:u32 old new` is a
//! region of it; last `E entries:u64 crc32:u32`, the CRC-32 of every byte
//! before it.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::target::Identity;

pub const MAGIC: &[u8; 8] = b"MPATCHJ\n";
pub const VERSION: u32 = 1;
const TRAILER_LEN: usize = 1 + 8 + 4;

pub fn encode_header(out: &mut Vec<u8>) {
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
}

pub fn encode_file(out: &mut Vec<u8>, identity: Identity, path: &[u8]) {
    out.push(b'F');
    out.extend_from_slice(&identity.dev.to_le_bytes());
    out.extend_from_slice(&identity.ino.to_le_bytes());
    out.extend_from_slice(&identity.len.to_le_bytes());
    out.extend_from_slice(&(path.len() as u32).to_le_bytes());
    out.extend_from_slice(path);
}

pub fn encode_region(out: &mut Vec<u8>, offset: u64, old: &[u8], new: &[u8]) {
    debug_assert_eq!(old.len(), new.len());
    out.push(b'R');
    out.extend_from_slice(&offset.to_le_bytes());
    out.extend_from_slice(&(old.len() as u32).to_le_bytes());
    out.extend_from_slice(old);
    out.extend_from_slice(new);
}

/// The trailer for a journal whose bytes so far hash to `crc` (the hash
/// covers the trailer's own `E` and count too).
pub fn encode_trailer(out: &mut Vec<u8>, entries: u64, hasher: &mut crc32fast::Hasher) {
    let start = out.len();
    out.push(b'E');
    out.extend_from_slice(&entries.to_le_bytes());
    hasher.update(&out[start..]);
    out.extend_from_slice(&hasher.clone().finalize().to_le_bytes());
}

/// One entry of a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    File {
        identity: Identity,
        path: Vec<u8>,
    },
    Region {
        offset: u64,
        old: Vec<u8>,
        new: Vec<u8>,
    },
}

/// Reads entries from the body of a journal, which holds `left` bytes
/// before its trailer; a length running past them is corruption, never an
/// allocation.
pub struct Entries<R> {
    input: R,
    left: u64,
}

impl<R: Read> Entries<R> {
    pub fn new(input: R, left: u64) -> Entries<R> {
        Entries { input, left }
    }

    fn take(&mut self, n: u64) -> Result<Vec<u8>, String> {
        if n > self.left {
            self.left = 0;
            return Err("journal is corrupt (an entry runs past the end)".into());
        }
        let mut bytes = vec![0; n as usize];
        self.input.read_exact(&mut bytes).map_err(|e| {
            format!(
                "cannot read the journal: {}",
                crate::error::plain_reason(&e)
            )
        })?;
        self.left -= n;
        Ok(bytes)
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }

    fn u32(&mut self) -> Result<u64, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap_or_default()) as u64)
    }

    fn entry(&mut self) -> Result<Entry, String> {
        match self.take(1)?[0] {
            b'F' => {
                let identity = Identity {
                    dev: self.u64()?,
                    ino: self.u64()?,
                    len: self.u64()?,
                };
                let len = self.u32()?;
                Ok(Entry::File {
                    identity,
                    path: self.take(len)?,
                })
            }
            b'R' => {
                let offset = self.u64()?;
                let len = self.u32()?;
                Ok(Entry::Region {
                    offset,
                    old: self.take(len)?,
                    new: self.take(len)?,
                })
            }
            tag => {
                self.left = 0;
                Err(format!("journal is corrupt (unknown entry tag {tag:#04x})"))
            }
        }
    }
}

impl<R: Read> Iterator for Entries<R> {
    type Item = Result<Entry, String>;

    fn next(&mut self) -> Option<Self::Item> {
        (self.left > 0).then(|| self.entry())
    }
}

/// Positioned reads: a journal file, or bytes in memory.
pub trait ReadAt {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;

    fn read_exact_at(&self, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read_at(buf, offset)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }
}

impl ReadAt for File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        FileExt::read_at(self, buf, offset)
    }
}

impl ReadAt for [u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let rest = usize::try_from(offset)
            .ok()
            .and_then(|at| self.get(at..))
            .unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for &T {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        (**self).read_at(buf, offset)
    }
}

/// A journal checked whole (header, checksum, trailer, every entry), with
/// an index of its files; their regions are read again when asked for,
/// never held in memory.
pub struct Journal<F> {
    file: F,
    sections: Vec<Section>,
}

/// One file of a journal: its identity, its path, and where its regions lie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub identity: Identity,
    pub path: Vec<u8>,
    start: u64,
    len: u64,
}

const HEADER_LEN: u64 = 12;

fn read_error(error: &io::Error) -> String {
    format!(
        "cannot read the journal: {}",
        crate::error::plain_reason(error)
    )
}

impl<F: ReadAt> Journal<F> {
    /// Checks the journal in `file`, which is `len` bytes long.
    pub fn open(file: F, len: u64) -> Result<Journal<F>, String> {
        let min = HEADER_LEN + TRAILER_LEN as u64;
        let mut header = [0u8; HEADER_LEN as usize];
        if len < min || file.read_exact_at(&mut header, 0).is_err() || &header[..8] != MAGIC {
            return Err("is not an mpatch journal".into());
        }
        let version = u32::from_le_bytes(header[8..12].try_into().unwrap_or_default());
        if version != VERSION {
            return Err(format!(
                "journal version {version}; this mpatch reads version {VERSION}"
            ));
        }
        let mut hasher = crc32fast::Hasher::new();
        let mut chunk = vec![0; 1 << 16];
        let mut at = 0;
        while at < len - 4 {
            let n = chunk.len().min((len - 4 - at) as usize);
            file.read_exact_at(&mut chunk[..n], at)
                .map_err(|e| read_error(&e))?;
            hasher.update(&chunk[..n]);
            at += n as u64;
        }
        let mut tail = [0u8; TRAILER_LEN];
        file.read_exact_at(&mut tail, len - TRAILER_LEN as u64)
            .map_err(|e| read_error(&e))?;
        if hasher.finalize().to_le_bytes() != tail[9..] {
            return Err("journal is corrupt or incomplete (checksum mismatch)".into());
        }
        if tail[0] != b'E' {
            return Err("journal is corrupt (no trailer)".into());
        }
        let entries = u64::from_le_bytes(tail[1..9].try_into().unwrap_or_default());
        let body = len - HEADER_LEN - TRAILER_LEN as u64;
        let mut sections: Vec<Section> = Vec::new();
        let mut reader = Entries::new(reader_at(&file, HEADER_LEN), body);
        let mut count = 0u64;
        while let Some(entry) = reader.next() {
            let end = HEADER_LEN + body - reader.left;
            match entry? {
                Entry::File { identity, path } => sections.push(Section {
                    identity,
                    path,
                    start: end,
                    len: 0,
                }),
                Entry::Region { .. } => match sections.last_mut() {
                    Some(section) => section.len = end - section.start,
                    None => return Err("journal is corrupt (a region before any file)".into()),
                },
            }
            count += 1;
        }
        if count != entries {
            return Err(format!(
                "journal is corrupt ({count} entries, trailer says {entries})"
            ));
        }
        Ok(Journal { file, sections })
    }

    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The regions of `section`, read again from the journal. They were
    /// all decoded by [`Journal::open`], so reading them fails only if the
    /// journal changed since.
    pub fn regions<'j>(
        &'j self,
        section: &Section,
    ) -> impl Iterator<Item = Result<Region, String>> + 'j {
        Entries::new(reader_at(&self.file, section.start), section.len).map(|entry| match entry? {
            Entry::Region { offset, old, new } => Ok(Region { offset, old, new }),
            Entry::File { .. } => Err("journal changed while being read".into()),
        })
    }
}

fn reader_at<F: ReadAt>(file: &F, offset: u64) -> BufReader<At<'_, F>> {
    BufReader::with_capacity(1 << 16, At { file, offset })
}

/// A changed region: its offset, the bytes before and the bytes after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub offset: u64,
    pub old: Vec<u8>,
    pub new: Vec<u8>,
}

/// A reader at a moving offset of a file, by positioned reads.
pub struct At<'f, F> {
    file: &'f F,
    offset: u64,
}

impl<F: ReadAt> Read for At<'_, F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// Writes a journal file as it is built; nothing may change until
/// [`Writer::finish`] has returned.
pub struct Writer {
    path: PathBuf,
    out: BufWriter<File>,
    hasher: crc32fast::Hasher,
    buffer: Vec<u8>,
    entries: u64,
    /// Bytes written so far.
    len: u64,
}

/// A point of a journal being written, to go back to.
pub struct Mark {
    hasher: crc32fast::Hasher,
    entries: u64,
    len: u64,
}

impl Writer {
    /// Creates `path`; an existing file is never overwritten, since it may
    /// be the only way back from an earlier patch.
    pub fn create(path: &Path) -> io::Result<Writer> {
        // Mode 0600: a journal holds the file's old bytes, which may be secret.
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        let mut writer = Writer {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, file),
            hasher: crc32fast::Hasher::new(),
            buffer: Vec::with_capacity(256),
            entries: 0,
            len: 0,
        };
        encode_header(&mut writer.buffer);
        writer.emit()?;
        Ok(writer)
    }

    fn emit(&mut self) -> io::Result<()> {
        self.hasher.update(&self.buffer);
        self.out.write_all(&self.buffer)?;
        self.len += self.buffer.len() as u64;
        self.buffer.clear();
        Ok(())
    }

    /// Where the journal is now, for [`Writer::rewind`].
    pub fn mark(&self) -> Mark {
        Mark {
            hasher: self.hasher.clone(),
            entries: self.entries,
            len: self.len,
        }
    }

    /// Takes back every entry written since `mark` (a file that failed
    /// while its regions were recorded, and so will not be written).
    pub fn rewind(&mut self, mark: Mark) -> io::Result<()> {
        self.out.flush()?;
        let file = self.out.get_mut();
        file.set_len(mark.len)?;
        file.seek(SeekFrom::Start(mark.len))?;
        self.hasher = mark.hasher;
        self.entries = mark.entries;
        self.len = mark.len;
        Ok(())
    }

    pub fn file(&mut self, identity: Identity, path: &Path) -> io::Result<()> {
        encode_file(&mut self.buffer, identity, path.as_os_str().as_bytes());
        self.entries += 1;
        self.emit()
    }

    pub fn region(&mut self, offset: u64, old: &[u8], new: &[u8]) -> io::Result<()> {
        encode_region(&mut self.buffer, offset, old, new);
        self.entries += 1;
        self.emit()
    }

    /// Writes the trailer and makes the journal and its name durable.
    pub fn finish(mut self) -> io::Result<()> {
        encode_trailer(&mut self.buffer, self.entries, &mut self.hasher);
        self.out.write_all(&self.buffer)?;
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        sync_parent(&self.path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Makes a file's creation or removal durable by syncing its directory.
pub fn sync_parent(path: &Path) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A journal of `entries` entries, written by `body` between the header
    /// and the trailer.
    fn journal_of(entries: u64, body: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut out = Vec::new();
        encode_header(&mut out);
        body(&mut out);
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&out);
        encode_trailer(&mut out, entries, &mut hasher);
        out
    }

    fn file(ino: u64) -> Identity {
        Identity {
            dev: 1,
            ino,
            len: 3,
        }
    }

    fn sample() -> Vec<u8> {
        journal_of(3, |out| {
            encode_file(out, file(2), b"/tmp/a");
            encode_region(out, 7, b"ERROR", b"FIXED");
            encode_region(out, 1 << 40, b"\x00", b"\xff");
        })
    }

    fn parse(bytes: &[u8]) -> Result<Journal<&[u8]>, String> {
        Journal::open(bytes, bytes.len() as u64)
    }

    fn region(offset: u64, old: &[u8], new: &[u8]) -> Region {
        Region {
            offset,
            old: old.to_vec(),
            new: new.to_vec(),
        }
    }

    #[test]
    fn round_trip() {
        let bytes = sample();
        let journal = parse(&bytes).unwrap();
        let [section] = journal.sections() else {
            panic!("one file expected");
        };
        assert_eq!(
            (section.identity, &section.path[..]),
            (file(2), &b"/tmp/a"[..])
        );
        let regions: Vec<_> = journal.regions(section).map(Result::unwrap).collect();
        assert_eq!(
            regions,
            vec![
                region(7, b"ERROR", b"FIXED"),
                region(1 << 40, b"\x00", b"\xff")
            ]
        );
    }

    #[test]
    fn sections_group_regions_by_file() {
        let bytes = journal_of(6, |out| {
            encode_file(out, file(1), b"/a");
            encode_region(out, 1, b"x", b"y");
            encode_region(out, 2, b"x", b"y");
            encode_file(out, file(2), b"/b");
            encode_file(out, file(3), b"/c");
            encode_region(out, 3, b"p", b"q");
        });
        let journal = parse(&bytes).unwrap();
        let sections: Vec<(&[u8], Vec<u64>)> = journal
            .sections()
            .iter()
            .map(|s| {
                let offsets = journal.regions(s).map(|r| r.unwrap().offset).collect();
                (&s.path[..], offsets)
            })
            .collect();
        assert_eq!(
            sections,
            vec![
                (&b"/a"[..], vec![1, 2]),
                (&b"/b"[..], vec![]),
                (&b"/c"[..], vec![3])
            ]
        );
    }

    #[test]
    fn a_region_before_any_file_is_refused() {
        let bytes = journal_of(1, |out| encode_region(out, 1, b"x", b"y"));
        let error = parse(&bytes).err().unwrap();
        assert!(error.contains("before any file"), "{error}");
    }

    #[test]
    fn every_flipped_bit_is_caught() {
        let bytes = sample();
        for i in 0..bytes.len() {
            let mut broken = bytes.clone();
            broken[i] ^= 0x10;
            assert!(parse(&broken).is_err(), "flip at {i} went unnoticed");
        }
    }

    #[test]
    fn truncated_journal_is_refused() {
        let bytes = sample();
        for cut in 0..bytes.len() {
            assert!(parse(&bytes[..cut]).is_err(), "cut at {cut} went unnoticed");
        }
    }

    #[test]
    fn a_length_past_the_end_is_corruption_not_an_allocation() {
        let bytes = journal_of(2, |out| {
            encode_file(out, file(1), b"/a");
            out.push(b'R');
            out.extend_from_slice(&7u64.to_le_bytes());
            out.extend_from_slice(&u32::MAX.to_le_bytes());
        });
        let error = parse(&bytes).err().unwrap();
        assert!(error.contains("runs past the end"), "{error}");
    }

    #[test]
    fn a_rewound_section_leaves_no_trace() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let mut writer = Writer::create(&path).unwrap();
        writer.file(file(1), Path::new("/a")).unwrap();
        writer.region(1, b"x", b"y").unwrap();
        let mark = writer.mark();
        writer.file(file(2), Path::new("/b")).unwrap();
        writer.region(2, b"p", b"q").unwrap();
        writer.rewind(mark).unwrap();
        writer.file(file(3), Path::new("/c")).unwrap();
        writer.finish().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let journal = parse(&bytes).unwrap();
        let paths: Vec<&[u8]> = journal.sections().iter().map(|s| &s.path[..]).collect();
        assert_eq!(paths, vec![&b"/a"[..], &b"/c"[..]]);
    }

    #[test]
    fn other_versions_are_refused() {
        let mut bytes = sample();
        bytes[8] = 2;
        let error = parse(&bytes).err().unwrap();
        assert!(error.contains("version 2"), "{error}");
    }
}
