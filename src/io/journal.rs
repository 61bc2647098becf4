//! The undo journal: versioned blocks, each checksummed, of the regions
//! (offset, old bytes, new bytes) of one file, each durable before its bytes
//! are written. Encoding and decoding are pure; [`Appender`] does the I/O.
//!
//! Layout, integers little-endian: `MPATCHJ\n` `version:u32`, then blocks
//! `B len:u32 !len:u32 crc32:u32 payload`, the payload one file record
//! `F dev:u64 ino:u64 born:u64 path_len:u32 path` and its regions
//! `R offset:u64 len:u32 old new`; last, when the run ended, a trailer
//! `E blocks:u64 crc32:u32`, the CRC-32 of every byte before it. A journal
//! without a trailer is that of a run stopped part-way: its last block may
//! be torn (it was never acted on: a block is synced before its writes).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::pool::lock;

use crate::io::target::Identity;

pub const MAGIC: &[u8; 8] = b"MPATCHJ\n";
pub const VERSION: u32 = 2;
const HEADER_LEN: u64 = 12;
const BLOCK_HEAD: usize = 1 + 4 + 4 + 4;
const TRAILER_LEN: usize = 1 + 8 + 4;

pub fn encode_header(out: &mut Vec<u8>) {
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
}

pub fn encode_file(out: &mut Vec<u8>, identity: Identity, path: &[u8]) {
    out.push(b'F');
    out.extend_from_slice(&identity.dev.to_le_bytes());
    out.extend_from_slice(&identity.ino.to_le_bytes());
    out.extend_from_slice(&identity.born.to_le_bytes());
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

/// A block around `payload` (a file record and its regions).
pub fn encode_block(out: &mut Vec<u8>, payload: &[u8]) {
    let len = payload.len() as u32;
    out.push(b'B');
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// The trailer for a journal of `blocks` blocks whose bytes so far hash to
/// `hasher` (the hash covers the trailer's own `E` and count too).
pub fn encode_trailer(out: &mut Vec<u8>, blocks: u64, hasher: &mut crc32fast::Hasher) {
    let start = out.len();
    out.push(b'E');
    out.extend_from_slice(&blocks.to_le_bytes());
    hasher.update(&out[start..]);
    out.extend_from_slice(&hasher.clone().finalize().to_le_bytes());
}

/// One entry of a block's payload, borrowed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry<'p> {
    File { identity: Identity, path: &'p [u8] },
    Region(Region<'p>),
}

/// Reads the entries of a block's payload in place (an entry per record,
/// nothing copied: undo reads millions); a length running past the end is
/// corruption, never an allocation.
pub struct Entries<'p> {
    rest: &'p [u8],
}

impl<'p> Entries<'p> {
    pub fn new(payload: &'p [u8]) -> Entries<'p> {
        Entries { rest: payload }
    }

    fn take(&mut self, n: u64) -> Result<&'p [u8], String> {
        if n > self.rest.len() as u64 {
            self.rest = &[];
            return Err("journal is corrupt (an entry runs past the end)".into());
        }
        let (taken, rest) = self.rest.split_at(n as usize);
        self.rest = rest;
        Ok(taken)
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }

    fn u32(&mut self) -> Result<u64, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap_or_default()) as u64)
    }

    fn entry(&mut self) -> Result<Entry<'p>, String> {
        match self.take(1)?[0] {
            b'F' => {
                let identity = Identity {
                    dev: self.u64()?,
                    ino: self.u64()?,
                    born: self.u64()?,
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
                Ok(Entry::Region(Region {
                    offset,
                    old: self.take(len)?,
                    new: self.take(len)?,
                }))
            }
            tag => {
                self.rest = &[];
                Err(format!("journal is corrupt (unknown entry tag {tag:#04x})"))
            }
        }
    }
}

impl<'p> Iterator for Entries<'p> {
    type Item = Result<Entry<'p>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        (!self.rest.is_empty()).then(|| self.entry())
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

/// A journal checked whole (header, every block's checksum, the trailer
/// if any), with an index of its files; their regions are read again when
/// asked for, never held in memory.
pub struct Journal<F> {
    file: F,
    sections: Vec<Section>,
    /// Whether the run that wrote it ended (the journal has its trailer).
    pub complete: bool,
    /// Whether its last block is cut short: a stopped run was writing it
    /// (then none of its regions were written), or the journal itself was
    /// cut (then they were): its regions cannot be restored either way.
    pub torn: bool,
}

/// One file of a journal: its identity, its path, and the blocks that
/// hold its regions (payload offset and length, after the file record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub identity: Identity,
    pub path: Vec<u8>,
    blocks: Vec<(u64, u64)>,
}

impl Section {
    /// The section's blocks in about `n` parts of consecutive blocks (each
    /// a section of the same file), for threads to read side by side.
    pub fn parts(&self, n: usize) -> Vec<Section> {
        let per = self.blocks.len().div_ceil(n.max(1)).max(1);
        self.blocks
            .chunks(per)
            .map(|blocks| Section {
                identity: self.identity,
                path: self.path.clone(),
                blocks: blocks.to_vec(),
            })
            .collect()
    }

    /// The bytes of its regions in the journal.
    pub fn bytes(&self) -> u64 {
        self.blocks.iter().map(|&(_, len)| len).sum()
    }
}

fn read_error(error: &io::Error) -> String {
    format!(
        "cannot read the journal: {}",
        crate::error::plain_reason(error)
    )
}

fn le32(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes.try_into().unwrap_or_default())
}

/// One block of a journal, as [`Journal::open`] reads it.
enum Block {
    /// An intact block: its file, and where its regions lie.
    File {
        identity: Identity,
        path: Vec<u8>,
        regions: (u64, u64),
        next: u64,
    },
    /// The trailer: the run that wrote the journal ended.
    Trailer,
    /// The end of a journal without a trailer; `torn` when a block was
    /// cut short there.
    End { torn: bool },
}

/// Reads `file`'s header, checked; returns the hash so far.
fn read_header(file: &impl ReadAt, len: u64) -> Result<crc32fast::Hasher, String> {
    let mut header = [0u8; HEADER_LEN as usize];
    if len < HEADER_LEN || file.read_exact_at(&mut header, 0).is_err() || &header[..8] != MAGIC {
        return Err("is not an mpatch journal".into());
    }
    let version = le32(&header[8..12]);
    if version != VERSION {
        return Err(format!(
            "journal version {version}; this mpatch reads version {VERSION}"
        ));
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&header);
    Ok(hasher)
}

/// Reads the block at `at` of a journal of `len` bytes, `blocks` blocks
/// so far, hashed into `hasher`.
fn read_block(
    file: &impl ReadAt,
    len: u64,
    at: u64,
    blocks: u64,
    hasher: &mut crc32fast::Hasher,
    payload: &mut Vec<u8>,
) -> Result<Block, String> {
    let left = len - at;
    let mut tag = [0u8; 1];
    file.read_exact_at(&mut tag, at)
        .map_err(|e| read_error(&e))?;
    match (tag[0], left.cmp(&(TRAILER_LEN as u64))) {
        // A trailer cut short: the run ended as it was written.
        (b'E', std::cmp::Ordering::Less) => return Ok(Block::End { torn: false }),
        (b'E', std::cmp::Ordering::Equal) => {
            let mut tail = [0u8; TRAILER_LEN];
            file.read_exact_at(&mut tail, at)
                .map_err(|e| read_error(&e))?;
            hasher.update(&tail[..9]);
            let count = u64::from_le_bytes(tail[1..9].try_into().unwrap_or_default());
            if hasher.clone().finalize().to_le_bytes() != tail[9..] || count != blocks {
                return Err("journal is corrupt (its trailer does not match)".into());
            }
            return Ok(Block::Trailer);
        }
        (b'B', _) => {}
        (tag, _) => return Err(format!("journal is corrupt (unknown block tag {tag:#04x})")),
    }
    // A block cut short at the end is the one a stopped run was writing
    // when it stopped (none of its bytes were written), or the journal
    // was cut (and they were): it is no block either way.
    let mut head = [0u8; BLOCK_HEAD];
    if left < BLOCK_HEAD as u64 {
        return Ok(Block::End { torn: true });
    }
    file.read_exact_at(&mut head, at)
        .map_err(|e| read_error(&e))?;
    let size = le32(&head[1..5]);
    if le32(&head[5..9]) != !size {
        return Err("journal is corrupt (a block's length is damaged)".into());
    }
    let body = at + BLOCK_HEAD as u64;
    if len - body < size as u64 {
        return Ok(Block::End { torn: true });
    }
    payload.resize(size as usize, 0);
    file.read_exact_at(payload, body)
        .map_err(|e| read_error(&e))?;
    if crc32fast::hash(payload).to_le_bytes() != head[9..13] {
        if body + size as u64 == len {
            return Ok(Block::End { torn: true });
        }
        return Err("journal is corrupt (checksum mismatch)".into());
    }
    hasher.update(&head);
    hasher.update(payload);
    let mut entries = Entries::new(payload);
    let Some(Ok(Entry::File { identity, path })) = entries.next() else {
        return Err("journal is corrupt (a block without its file)".into());
    };
    let (path, left) = (path.to_vec(), entries.rest.len() as u64);
    let regions = (body + (size as u64 - left), left);
    for entry in entries {
        if let Entry::File { .. } = entry? {
            return Err("journal is corrupt (two files in one block)".into());
        }
    }
    Ok(Block::File {
        identity,
        path,
        regions,
        next: body + size as u64,
    })
}

impl<F: ReadAt> Journal<F> {
    /// Checks the journal in `file`, which is `len` bytes long.
    pub fn open(file: F, len: u64) -> Result<Journal<F>, String> {
        let mut hasher = read_header(&file, len)?;
        let mut sections: Vec<Section> = Vec::new();
        let (mut at, mut blocks, mut payload) = (HEADER_LEN, 0u64, Vec::new());
        let (mut complete, mut torn) = (false, false);
        while at < len {
            match read_block(&file, len, at, blocks, &mut hasher, &mut payload)? {
                Block::Trailer => {
                    complete = true;
                    break;
                }
                Block::End { torn: cut } => {
                    torn = cut;
                    break;
                }
                Block::File {
                    identity,
                    path,
                    regions,
                    next,
                } => {
                    match sections
                        .iter_mut()
                        .find(|s| s.identity == identity && s.path == path)
                    {
                        Some(section) => section.blocks.push(regions),
                        None => sections.push(Section {
                            identity,
                            path,
                            blocks: vec![regions],
                        }),
                    }
                    blocks += 1;
                    at = next;
                }
            }
        }
        Ok(Journal {
            file,
            sections,
            complete,
            torn,
        })
    }

    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// Calls `each` with the regions of `section` in order, read again
    /// from the journal a block at a time (into one buffer, borrowed, never
    /// a copy per region). They were all decoded by [`Journal::open`], so
    /// reading them fails only if the journal changed since.
    pub fn each_region<E: From<String>>(
        &self,
        section: &Section,
        mut each: impl FnMut(Region<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut payload = Vec::new();
        for &(start, len) in &section.blocks {
            payload.resize(len as usize, 0);
            self.file
                .read_exact_at(&mut payload, start)
                .map_err(|e| E::from(read_error(&e)))?;
            for entry in Entries::new(&payload) {
                match entry.map_err(E::from)? {
                    Entry::Region(region) => each(region)?,
                    Entry::File { .. } => {
                        return Err(E::from("journal changed while being read".into()));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A changed region: its offset, the bytes before and the bytes after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region<'p> {
    pub offset: u64,
    pub old: &'p [u8],
    pub new: &'p [u8],
}

/// The journal file of a run, shared by every thread that writes: each
/// block is appended and synced before the bytes it records are written
/// (one sync may cover the blocks of several threads).
pub struct Appender {
    path: PathBuf,
    state: Mutex<AppendState>,
    /// The journal again, to sync without holding `state`.
    sync_file: File,
    /// Bytes of the journal known to be on the disk.
    synced: Mutex<u64>,
}

struct AppendState {
    file: File,
    len: u64,
    blocks: u64,
    hasher: crc32fast::Hasher,
    buffer: Vec<u8>,
}

impl Appender {
    /// Creates `path`; an existing file is never overwritten, since it may
    /// be the only way back from an earlier patch.
    pub fn create(path: &Path) -> io::Result<Appender> {
        // The journal appears under its name with its header already in
        // it (written under a temporary name, then linked, which fails if
        // the name is taken): a run killed at any moment leaves no journal
        // or one that undo reads.
        let mut header = Vec::new();
        encode_header(&mut header);
        let mut staged = path.as_os_str().to_owned();
        staged.push(format!(".mpatch-new-{}", std::process::id()));
        let staged = PathBuf::from(staged);
        // Mode 0600: a journal holds the file's old bytes, which may be secret.
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&staged)?;
        let linked = file
            .write_all(&header)
            .and_then(|()| std::fs::hard_link(&staged, path));
        let _ = std::fs::remove_file(&staged);
        linked?;
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&header);
        let sync_file = file.try_clone()?;
        Ok(Appender {
            sync_file,
            path: path.to_path_buf(),
            state: Mutex::new(AppendState {
                file,
                len: header.len() as u64,
                blocks: 0,
                hasher,
                buffer: Vec::new(),
            }),
            synced: Mutex::new(0),
        })
    }

    /// Appends one block (a file record and regions, see [`encode_file`]
    /// and [`encode_region`]) and returns once it is on the disk.
    pub fn append(&self, payload: &[u8]) -> io::Result<()> {
        let end = {
            let mut state = lock(&self.state);
            let state = &mut *state;
            state.buffer.clear();
            encode_block(&mut state.buffer, payload);
            state.file.write_all_at(&state.buffer, state.len)?;
            state.hasher.update(&state.buffer);
            state.len += state.buffer.len() as u64;
            state.blocks += 1;
            if state.buffer.capacity() > 1 << 20 {
                state.buffer = Vec::new();
            }
            state.len
        };
        let mut synced = lock(&self.synced);
        if *synced < end {
            // Whatever was appended before this sync starts is covered.
            let upto = lock(&self.state).len;
            self.sync_file.sync_data()?;
            if *synced == 0 {
                // The journal's name, too, must survive a crash.
                sync_parent(&self.path)?;
            }
            *synced = upto;
        }
        Ok(())
    }

    /// Ends the journal: with its trailer, synced, if it holds a block;
    /// removed if the run wrote nothing. Returns whether it was kept.
    pub fn finish(self) -> io::Result<bool> {
        let mut state = crate::pool::unpoison(self.state.into_inner());
        if state.blocks == 0 {
            std::fs::remove_file(&self.path)?;
            return Ok(false);
        }
        let mut tail = Vec::new();
        encode_trailer(&mut tail, state.blocks, &mut state.hasher);
        state.file.write_all_at(&tail, state.len)?;
        state.file.sync_data()?;
        sync_parent(&self.path)?;
        Ok(true)
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

    fn file(ino: u64) -> Identity {
        Identity {
            dev: 1,
            ino,
            born: 77,
        }
    }

    fn block(out: &mut Vec<u8>, ino: u64, path: &[u8], regions: &[(u64, &[u8], &[u8])]) {
        let mut payload = Vec::new();
        encode_file(&mut payload, file(ino), path);
        for &(offset, old, new) in regions {
            encode_region(&mut payload, offset, old, new);
        }
        encode_block(out, &payload);
    }

    /// A journal of the blocks `body` writes, with its trailer if `ended`.
    fn journal_of(ended: bool, body: impl FnOnce(&mut Vec<u8>) -> u64) -> Vec<u8> {
        let mut out = Vec::new();
        encode_header(&mut out);
        let blocks = body(&mut out);
        if ended {
            let mut hasher = crc32fast::Hasher::new();
            hasher.update(&out);
            encode_trailer(&mut out, blocks, &mut hasher);
        }
        out
    }

    fn sample() -> Vec<u8> {
        journal_of(true, |out| {
            block(out, 2, b"/tmp/a", &[(7, b"ERROR", b"FIXED")]);
            block(out, 2, b"/tmp/a", &[(1 << 40, b"\x00", b"\xff")]);
            2
        })
    }

    fn parse(bytes: &[u8]) -> Result<Journal<&[u8]>, String> {
        Journal::open(bytes, bytes.len() as u64)
    }

    /// The regions of `section`, owned: (offset, old, new).
    fn regions(journal: &Journal<&[u8]>, section: &Section) -> Vec<(u64, Vec<u8>, Vec<u8>)> {
        let mut all = Vec::new();
        journal
            .each_region(section, |r| {
                all.push((r.offset, r.old.to_vec(), r.new.to_vec()));
                Ok::<(), String>(())
            })
            .unwrap();
        all
    }

    fn region(offset: u64, old: &[u8], new: &[u8]) -> (u64, Vec<u8>, Vec<u8>) {
        (offset, old.to_vec(), new.to_vec())
    }

    fn offsets(journal: &Journal<&[u8]>) -> Vec<(Vec<u8>, Vec<u64>)> {
        journal
            .sections()
            .iter()
            .map(|s| {
                let offsets = regions(journal, s).into_iter().map(|r| r.0).collect();
                (s.path.clone(), offsets)
            })
            .collect()
    }

    #[test]
    fn round_trip() {
        let bytes = sample();
        let journal = parse(&bytes).unwrap();
        assert!(journal.complete);
        let [section] = journal.sections() else {
            panic!("one file expected");
        };
        assert_eq!(
            (section.identity, &section.path[..]),
            (file(2), &b"/tmp/a"[..])
        );
        assert_eq!(
            regions(&journal, section),
            vec![
                region(7, b"ERROR", b"FIXED"),
                region(1 << 40, b"\x00", b"\xff")
            ]
        );
    }

    #[test]
    fn sections_group_blocks_by_file_in_order() {
        let bytes = journal_of(true, |out| {
            block(out, 1, b"/a", &[(1, b"x", b"y"), (2, b"x", b"y")]);
            block(out, 3, b"/c", &[(3, b"p", b"q")]);
            block(out, 1, b"/a", &[(9, b"x", b"y")]);
            3
        });
        let journal = parse(&bytes).unwrap();
        assert_eq!(
            offsets(&journal),
            vec![(b"/a".to_vec(), vec![1, 2, 9]), (b"/c".to_vec(), vec![3])]
        );
    }

    #[test]
    fn every_flipped_bit_of_an_ended_journal_is_caught() {
        let bytes = sample();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut broken = bytes.clone();
                broken[i] ^= 1 << bit;
                assert!(
                    parse(&broken).is_err(),
                    "flip of bit {bit} at {i} went unnoticed"
                );
            }
        }
    }

    #[test]
    fn a_cut_journal_is_refused_or_read_as_the_blocks_before_the_cut() {
        // A run stopped part-way leaves whole blocks and perhaps a torn
        // one, which was never acted on.
        let bytes = sample();
        let first_block_end = {
            let mut one = Vec::new();
            encode_header(&mut one);
            block(&mut one, 2, b"/tmp/a", &[(7, b"ERROR", b"FIXED")]);
            one.len()
        };
        for cut in 0..bytes.len() {
            match parse(&bytes[..cut]) {
                Err(_) => assert!(cut < HEADER_LEN as usize, "cut at {cut} refused"),
                Ok(journal) => {
                    assert!(!journal.complete, "cut at {cut} read as complete");
                    let expected = match cut >= bytes.len() - TRAILER_LEN {
                        true => vec![7, 1 << 40],
                        false if cut >= first_block_end => vec![7],
                        false => vec![],
                    };
                    let got: Vec<u64> =
                        offsets(&journal).into_iter().flat_map(|(_, o)| o).collect();
                    assert_eq!(got, expected, "cut at {cut}");
                }
            }
        }
    }

    #[test]
    fn a_damaged_block_before_another_is_corruption() {
        let mut bytes = journal_of(false, |out| {
            block(out, 1, b"/a", &[(1, b"x", b"y")]);
            block(out, 1, b"/a", &[(2, b"x", b"y")]);
            2
        });
        let payload_byte = HEADER_LEN as usize + BLOCK_HEAD + 3;
        bytes[payload_byte] ^= 1;
        assert!(parse(&bytes).err().unwrap().contains("checksum"));
    }

    #[test]
    fn a_length_past_the_end_is_corruption_not_an_allocation() {
        let mut payload = Vec::new();
        encode_file(&mut payload, file(1), b"/a");
        payload.push(b'R');
        payload.extend_from_slice(&7u64.to_le_bytes());
        payload.extend_from_slice(&u32::MAX.to_le_bytes());
        let bytes = journal_of(true, |out| {
            encode_block(out, &payload);
            1
        });
        let error = parse(&bytes).err().unwrap();
        assert!(error.contains("runs past the end"), "{error}");
    }

    #[test]
    fn an_appender_keeps_only_what_it_was_given_and_ends_with_a_trailer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let appender = Appender::create(&path).unwrap();
        let mut payload = Vec::new();
        encode_file(&mut payload, file(1), b"/a");
        encode_region(&mut payload, 5, b"old", b"new");
        appender.append(&payload).unwrap();
        assert!(appender.finish().unwrap());
        let bytes = std::fs::read(&path).unwrap();
        let journal = parse(&bytes).unwrap();
        assert!(journal.complete);
        assert_eq!(offsets(&journal), vec![(b"/a".to_vec(), vec![5])]);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn an_appender_given_nothing_leaves_no_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let appender = Appender::create(&path).unwrap();
        assert!(!appender.finish().unwrap());
        assert!(!path.exists());
    }

    #[test]
    fn other_versions_are_refused() {
        let mut bytes = sample();
        bytes[8] = 1;
        let error = parse(&bytes).err().unwrap();
        assert!(error.contains("version 1"), "{error}");
    }
}
