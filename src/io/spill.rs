//! Bytes appended in order, kept in memory up to a limit and past it in an
//! unlinked temporary file: what apply holds of a patch, in bounded memory.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;

use super::map::Mapping;

/// The most sealed runs one thread holds mapped at once (the guard's table
/// has room for them).
pub const MAPPINGS_MAX: usize = 10;

/// An append-only run of bytes: the last `limit` or fewer in memory, the
/// rest in a temporary file made (in `$TMPDIR`, unlinked at once, so
/// nothing is left behind whatever ends the process) when they first
/// pass the limit.
#[derive(Debug)]
pub struct Spill {
    limit: usize,
    file: Option<File>,
    /// The bytes in the file: everything before `mem`.
    flushed: u64,
    mem: Vec<u8>,
}

impl Spill {
    /// An empty run that keeps at most `limit` bytes in memory.
    pub fn new(limit: usize) -> Spill {
        Spill {
            limit,
            file: None,
            flushed: 0,
            mem: Vec::new(),
        }
    }

    /// The bytes appended so far.
    pub fn len(&self) -> u64 {
        self.flushed + self.mem.len() as u64
    }

    /// Appends `bytes`.
    pub fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.mem.extend_from_slice(bytes);
        if self.mem.len() >= self.limit {
            self.flush()?;
        }
        Ok(())
    }

    /// Moves the bytes in memory to the file.
    fn flush(&mut self) -> io::Result<()> {
        if self.mem.is_empty() {
            return Ok(());
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(tempfile::tempfile().map_err(temporary)?),
        };
        file.write_all(&self.mem).map_err(temporary)?;
        self.flushed += self.mem.len() as u64;
        self.mem.clear();
        Ok(())
    }

    /// The bytes from `pos` on, at most `want` of them: a slice of those in
    /// memory, or a copy read into `scratch`.
    pub fn window<'a>(
        &'a self,
        pos: u64,
        want: usize,
        scratch: &'a mut Vec<u8>,
    ) -> io::Result<&'a [u8]> {
        let end = self.len().min(pos.saturating_add(want as u64));
        if pos >= end {
            return Ok(&[]);
        }
        if pos >= self.flushed {
            let start = (pos - self.flushed) as usize;
            return Ok(&self.mem[start..(end - self.flushed) as usize]);
        }
        scratch.clear();
        scratch.resize((end - pos) as usize, 0);
        let from_file = (self.flushed.min(end) - pos) as usize;
        if let Some(file) = &self.file {
            file.read_exact_at(&mut scratch[..from_file], pos)
                .map_err(temporary)?;
        }
        let rest = end.saturating_sub(self.flushed) as usize;
        scratch[from_file..].copy_from_slice(&self.mem[..rest]);
        Ok(scratch)
    }

    /// All the bytes, to read in place: in memory as they are, or the
    /// file mapped read-only (no one else has it: it has no name).
    pub fn seal(mut self) -> io::Result<Mapping> {
        if self.file.is_none() {
            return Ok(Mapping::read(std::mem::take(&mut self.mem)));
        }
        self.flush()?;
        match &self.file {
            Some(file) => Mapping::new(file, self.flushed).map_err(temporary),
            None => Ok(Mapping::read(Vec::new())),
        }
    }
}

/// An error of the temporary file, saying where it was.
fn temporary(e: io::Error) -> io::Error {
    let dir = std::env::temp_dir();
    io::Error::new(
        e.kind(),
        format!("temporary file in {}: {e}", dir.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_window_and_the_sealed_bytes_are_what_was_appended() {
        let mut spill = Spill::new(10);
        let mut all = Vec::new();
        for i in 0..40u8 {
            let piece: Vec<u8> = (0..i % 7).map(|j| i.wrapping_mul(31) ^ j).collect();
            spill.append(&piece).unwrap();
            all.extend_from_slice(&piece);
        }
        assert!(spill.file.is_some(), "past its limit it spills");
        assert!(spill.mem.len() < 10);
        let mut scratch = Vec::new();
        for pos in 0..=all.len() {
            for want in [0, 1, 3, 9, 10, 11, 500] {
                let got = spill.window(pos as u64, want, &mut scratch).unwrap();
                let end = all.len().min(pos + want);
                assert_eq!(got, &all[pos..end], "pos {pos} want {want}");
            }
        }
        assert_eq!(spill.len(), all.len() as u64);
        assert_eq!(spill.seal().unwrap().bytes(), &all[..]);
    }

    #[test]
    fn a_small_run_stays_in_memory() {
        let mut spill = Spill::new(1 << 20);
        spill.append(b"abc").unwrap();
        assert!(spill.file.is_none());
        assert_eq!(spill.seal().unwrap().bytes(), b"abc");
    }
}
