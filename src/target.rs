//! Opening the files a command works on: refusing what cannot be mapped
//! (directories, FIFOs, sockets, character devices, pseudo-files) without
//! hanging, sizing block devices, locking, and checking nothing moved.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Problem;
use crate::map::{self, MapKind, Mapping};

/// Whether the command only reads the file or also writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// A file's identity: the same device, inode and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub dev: u64,
    pub ino: u64,
    pub len: u64,
}

/// An open file that a command may map.
pub struct Target {
    /// The path as the user gave it, for messages and output.
    pub name: String,
    pub path: PathBuf,
    pub file: File,
    pub identity: Identity,
    pub is_device: bool,
    /// Whether a write may need new blocks (a hole, a copy-on-write file
    /// system), so that pages must be made writable before they are written.
    pub writes_may_allocate: bool,
    /// Whether reading the file through a mapping may need new pages: holes
    /// of a tmpfs file are filled on first touch, and fail on a full one.
    pub reads_may_allocate: bool,
}

const TMPFS: i64 = 0x0102_1994;

// statfs magic numbers of file systems that may move a block on write:
// btrfs, XFS (reflinks), ZFS, bcachefs.
const COPY_ON_WRITE_FILE_SYSTEMS: &[i64] = &[0x9123_683e, 0x5846_5342, 0x2fc1_2fc1, 0xca45_1a4e];

// statfs magic numbers of file systems whose files are generated on read
// and cannot be mapped.
const PSEUDO_FILE_SYSTEMS: &[(i64, &str)] = &[
    (0x9fa0, "/proc"),
    (0x6265_6572, "/sys"),
    (0x6462_6720, "debugfs"),
    (0x7472_6163, "tracefs"),
    (0x0027_e0eb, "cgroup"),
    (0x6367_7270, "cgroup2"),
    (0x7363_6673, "securityfs"),
    (0x6265_6570, "configfs"),
];

impl Target {
    /// Opens `arg` for `access`. The descriptor is opened non-blocking and
    /// checked with fstat, so a FIFO is refused instead of waited on and the
    /// file checked is the file opened.
    pub fn open(arg: &OsStr, access: Access, allow_device: bool) -> Result<Target, Problem> {
        let path = PathBuf::from(arg);
        let name = path.display().to_string();
        if arg.as_bytes() == b"-" {
            return Err(Problem::new(
                "-",
                "standard input cannot be mapped; give the path of a file",
            ));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(access == Access::Write)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&path)
            .map_err(|error| Problem::new(&name, open_failure(&path, &error)))?;
        let meta = file.metadata().map_err(|e| Problem::io(&name, &e))?;
        let kind = meta.file_type();
        let refuse = |reason: &str| Err(Problem::new(&name, reason));
        let len = if kind.is_dir() {
            return refuse("is a directory");
        } else if kind.is_fifo() {
            return refuse("is a FIFO (named pipe), which cannot be mapped");
        } else if kind.is_socket() {
            return refuse("is a socket, which cannot be mapped");
        } else if kind.is_char_device() {
            return refuse("is a character device, which cannot be mapped");
        } else if kind.is_block_device() {
            if access == Access::Write && !allow_device {
                return refuse("is a block device; writing to one needs --allow-device");
            }
            // A block device's size is where its end is.
            (&file)
                .seek(SeekFrom::End(0))
                .map_err(|e| Problem::io(&name, &e))?
        } else {
            check_mappable(&file, meta.len()).map_err(|reason| Problem::new(&name, reason))?;
            meta.len()
        };
        let has_holes = meta.blocks().saturating_mul(512) < len;
        let fs_type = map::file_system_type(&file).unwrap_or(0);
        let copy_on_write = COPY_ON_WRITE_FILE_SYSTEMS.contains(&fs_type);
        Ok(Target {
            name,
            path,
            file,
            identity: Identity {
                dev: meta.dev(),
                ino: meta.ino(),
                len,
            },
            is_device: kind.is_block_device(),
            writes_may_allocate: !kind.is_block_device() && (has_holes || copy_on_write),
            reads_may_allocate: !kind.is_block_device() && has_holes && fs_type == TMPFS,
        })
    }

    pub fn len(&self) -> u64 {
        self.identity.len
    }

    pub fn is_empty(&self) -> bool {
        self.identity.len == 0
    }

    /// A problem with this file.
    pub fn problem(&self, reason: impl Into<String>) -> Problem {
        Problem::new(&self.name, reason)
    }

    /// Takes the exclusive lock that writers hold, waiting up to `seconds`.
    pub fn lock(&self, seconds: f64) -> Result<(), Problem> {
        let timeout = Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX);
        match map::lock_exclusive(&self.file, timeout) {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.problem(format!(
                "locked by another process; gave up after {seconds} s (--lock-timeout)"
            ))),
            Err(error) => Err(Problem::io(&self.name, &error)),
        }
    }

    pub fn map(&self, kind: MapKind) -> Result<Mapping, Problem> {
        Mapping::new(&self.file, self.len(), kind, &self.name, self.is_device).map_err(|error| {
            self.problem(format!(
                "cannot map: {}",
                crate::error::plain_reason(&error)
            ))
        })
    }

    /// Fails if the file is no longer the size it was mapped at.
    pub fn check_unchanged(&self) -> Result<(), Problem> {
        if self.is_device {
            return Ok(());
        }
        let now = self
            .file
            .metadata()
            .map_err(|e| Problem::io(&self.name, &e))?;
        if now.len() != self.len() {
            return Err(self.problem("file changed size while mapped"));
        }
        Ok(())
    }

    /// Explains why a page of the file could not be made writable.
    pub fn write_failure(&self, error: &io::Error) -> Problem {
        if self.check_unchanged().is_err() {
            return self.problem("file changed size while mapped");
        }
        let full = map::available_blocks(&self.file).is_ok_and(|free| free == 0);
        if full || error.raw_os_error() == Some(libc::ENOSPC) {
            return self.problem("no space left on device");
        }
        self.problem(format!(
            "cannot write: {}",
            crate::error::plain_reason(error)
        ))
    }
}

/// Refuses regular files whose size does not tell their content.
fn check_mappable(file: &File, len: u64) -> Result<(), String> {
    if let Ok(magic) = map::file_system_type(file)
        && let Some((_, fs)) = PSEUDO_FILE_SYSTEMS.iter().find(|(m, _)| *m == magic)
    {
        return Err(format!(
            "is a {fs} pseudo-file, whose content is made when read; it cannot be mapped"
        ));
    }
    if len == 0 {
        let mut probe = [0u8; 1];
        if file.read_at(&mut probe, 0).is_ok_and(|n| n > 0) {
            return Err(
                "reports size 0 but has content (a pseudo-file); it cannot be mapped".into(),
            );
        }
    }
    Ok(())
}

/// The reason an open failed, in plain words; a socket only tells what it
/// is after the fact (ENXIO), so that one case looks at the path again.
fn open_failure(path: &Path, error: &io::Error) -> String {
    if error.raw_os_error() == Some(libc::ENXIO)
        && std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
    {
        return "is a socket, which cannot be mapped".into();
    }
    crate::error::plain_reason(error)
}
