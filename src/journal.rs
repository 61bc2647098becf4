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
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::target::Identity;

pub const MAGIC: &[u8; 8] = b"MPATCHJ\n";
pub const VERSION: u32 = 1;
const TRAILER_LEN: usize = 1 + 8 + 4;

/// One entry of a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry<'a> {
    File {
        identity: Identity,
        path: &'a [u8],
    },
    Region {
        offset: u64,
        old: &'a [u8],
        new: &'a [u8],
    },
}

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

/// A checked journal: header, trailer and checksum verified.
pub struct Journal<'a> {
    body: &'a [u8],
}

impl<'a> Journal<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Journal<'a>, String> {
        if bytes.len() < MAGIC.len() + 4 + TRAILER_LEN || &bytes[..8] != MAGIC {
            return Err("is not an mpatch journal".into());
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
        if version != VERSION {
            return Err(format!(
                "journal version {version}; this mpatch reads version {VERSION}"
            ));
        }
        let (covered, crc) = bytes.split_at(bytes.len() - 4);
        if crc32fast::hash(covered).to_le_bytes() != crc {
            return Err("journal is corrupt or incomplete (checksum mismatch)".into());
        }
        let trailer = &bytes[bytes.len() - TRAILER_LEN..];
        if trailer[0] != b'E' {
            return Err("journal is corrupt (no trailer)".into());
        }
        let entries = u64::from_le_bytes(trailer[1..9].try_into().unwrap());
        let journal = Journal {
            body: &bytes[12..bytes.len() - TRAILER_LEN],
        };
        let mut count = 0u64;
        for entry in journal.entries() {
            if count == 0 && !matches!(entry?, Entry::File { .. }) {
                return Err("journal is corrupt (a region before any file)".into());
            }
            count += 1;
        }
        if count != entries {
            return Err(format!(
                "journal is corrupt ({count} entries, trailer says {entries})"
            ));
        }
        Ok(journal)
    }

    pub fn entries(&self) -> Entries<'a> {
        Entries { rest: self.body }
    }

    /// The files of the journal, each with its regions. The entries were
    /// all decoded by [`Journal::parse`], so walking them again cannot fail.
    pub fn sections(&self) -> impl Iterator<Item = Section<'a>> {
        let mut entries = self.entries();
        std::iter::from_fn(move || {
            loop {
                if let Entry::File { identity, path } = entries.next()?.ok()? {
                    return Some(Section {
                        identity,
                        path,
                        after: entries.clone(),
                    });
                }
            }
        })
    }
}

/// One file of a journal and the regions recorded for it.
pub struct Section<'a> {
    pub identity: Identity,
    pub path: &'a [u8],
    after: Entries<'a>,
}

/// A changed region: its offset, the bytes before and the bytes after.
pub type Region<'a> = (u64, &'a [u8], &'a [u8]);

impl<'a> Section<'a> {
    pub fn regions(&self) -> impl Iterator<Item = Region<'a>> {
        self.after.clone().map_while(|entry| match entry {
            Ok(Entry::Region { offset, old, new }) => Some((offset, old, new)),
            _ => None,
        })
    }
}

#[derive(Clone)]
pub struct Entries<'a> {
    rest: &'a [u8],
}

impl<'a> Entries<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.rest.len() < n {
            self.rest = &[];
            return Err("journal is corrupt (an entry runs past the end)".into());
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }

    fn u32(&mut self) -> Result<usize, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()) as usize)
    }

    fn entry(&mut self) -> Result<Entry<'a>, String> {
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
                self.rest = &[];
                Err(format!("journal is corrupt (unknown entry tag {tag:#04x})"))
            }
        }
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            None
        } else {
            Some(self.entry())
        }
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
}

impl Writer {
    /// Creates `path`; an existing file is never overwritten, since it may
    /// be the only way back from an earlier patch.
    pub fn create(path: &Path) -> io::Result<Writer> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        let mut writer = Writer {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, file),
            hasher: crc32fast::Hasher::new(),
            buffer: Vec::with_capacity(256),
            entries: 0,
        };
        encode_header(&mut writer.buffer);
        writer.emit()?;
        Ok(writer)
    }

    fn emit(&mut self) -> io::Result<()> {
        self.hasher.update(&self.buffer);
        self.out.write_all(&self.buffer)?;
        self.buffer.clear();
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

    #[test]
    fn round_trip() {
        let bytes = sample();
        let journal = Journal::parse(&bytes).unwrap();
        let entries: Vec<_> = journal.entries().map(Result::unwrap).collect();
        assert_eq!(
            entries,
            vec![
                Entry::File {
                    identity: file(2),
                    path: b"/tmp/a"
                },
                Entry::Region {
                    offset: 7,
                    old: b"ERROR",
                    new: b"FIXED"
                },
                Entry::Region {
                    offset: 1 << 40,
                    old: b"\x00",
                    new: b"\xff"
                },
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
        let journal = Journal::parse(&bytes).unwrap();
        let sections: Vec<(&[u8], Vec<u64>)> = journal
            .sections()
            .map(|s| (s.path, s.regions().map(|(offset, _, _)| offset).collect()))
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
        let error = Journal::parse(&bytes).err().unwrap();
        assert!(error.contains("before any file"), "{error}");
    }

    #[test]
    fn every_flipped_bit_is_caught() {
        let bytes = sample();
        for i in 0..bytes.len() {
            let mut broken = bytes.clone();
            broken[i] ^= 0x10;
            assert!(
                Journal::parse(&broken).is_err(),
                "flip at {i} went unnoticed"
            );
        }
    }

    #[test]
    fn truncated_journal_is_refused() {
        let bytes = sample();
        for cut in 0..bytes.len() {
            assert!(
                Journal::parse(&bytes[..cut]).is_err(),
                "cut at {cut} went unnoticed"
            );
        }
    }

    #[test]
    fn other_versions_are_refused() {
        let mut bytes = sample();
        bytes[8] = 2;
        let error = Journal::parse(&bytes).err().unwrap();
        assert!(error.contains("version 2"), "{error}");
    }
}
