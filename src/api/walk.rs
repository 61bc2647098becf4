//! Walking folders, the library's way: the files under some roots, found
//! as `mpatch -r` finds them (ignore files honoured, hidden entries skipped).

use std::path::PathBuf;

use crate::error::Error;
use crate::io::walk::{Paths, WalkOptions};

/// The files under `roots` (a folder is walked, a file is itself), in path
/// order, as `mpatch find -r` and `mpatch replace -r` walk them with their
/// defaults: `.gitignore`, `.ignore` and `.rgignore` files honoured, hidden
/// entries skipped, symbolic links not followed. An entry that cannot be
/// read is an error in its place.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// std::fs::create_dir_all(dir.path().join("sub/.hidden")).unwrap();
/// std::fs::write(dir.path().join("sub/a.log"), "ERROR").unwrap();
/// std::fs::write(dir.path().join("sub/.hidden/b.log"), "ERROR").unwrap();
/// let files: Vec<_> = mpatch::walk([dir.path()]).unwrap().map(Result::unwrap).collect();
/// assert_eq!(files, [dir.path().join("sub/a.log")]);
/// ```
pub fn walk(
    roots: impl IntoIterator<Item = impl Into<PathBuf>>,
) -> Result<impl Iterator<Item = Result<PathBuf, Error>> + Send, Error> {
    let options = WalkOptions {
        hidden: false,
        no_ignore: false,
        follow: false,
        globs: crate::io::walk::globs(&[]).map_err(|e| Error::argument("glob", e))?,
        max_depth: None,
    };
    let roots = roots.into_iter().map(Into::into).collect();
    // Every file a walk finds, binary or not: the caller decides.
    let paths = Paths::new(roots, None, Some(options), true)?;
    Ok(paths.map(|found| found.map(|entry| entry.path)))
}
