//! The library's operations on bytes and files: searching and replacing
//! (with the scan's settings), the same code the command line runs.

pub mod apply;
pub mod diff;
pub mod journal;
pub mod patterns;
pub mod poke;
pub mod replace;
pub mod search;
pub mod sinks;
pub mod undo;
pub mod walk;

use std::ffi::OsStr;
use std::time::Duration;

use crate::error::Error;
use crate::io::target::{Access, Target};

/// Opens every file a write names, checks each and (unless `dry_run`)
/// locks it, all before any byte is written: one unusable file (or one
/// named twice) stops the run with nothing changed.
pub(crate) fn open_all(
    paths: &[impl AsRef<OsStr>],
    dry_run: bool,
    allow_device: bool,
    lock_timeout: Duration,
) -> Result<Vec<Target>, Error> {
    let access = match dry_run {
        true => Access::Read,
        false => Access::Write,
    };
    let mut seen = std::collections::HashSet::new();
    let mut targets = Vec::with_capacity(paths.len());
    for path in paths {
        let target = Target::open(path.as_ref(), access, allow_device)?;
        if !seen.insert((target.identity.dev, target.identity.ino)) {
            return Err(target.problem("is named twice (the same file under two names)"));
        }
        if !dry_run {
            target.lock(lock_timeout)?;
        }
        targets.push(target);
    }
    Ok(targets)
}
