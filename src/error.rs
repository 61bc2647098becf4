//! Errors as the user reads them (`mpatch: PATH: reason`, in plain words),
//! each knowing whether it ends one file's work or the whole run.

use std::io;
use std::process::ExitCode;

/// How a command ended, when it ended without an error of its own.
///
/// ```
/// use mpatch::Outcome;
/// use std::process::ExitCode;
/// // grep's statuses: found, not found; trouble is 2.
/// assert_eq!(Outcome::Done.exit_code(), ExitCode::SUCCESS);
/// assert_eq!(Outcome::NothingDone.exit_code(), ExitCode::from(1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Something matched, was written or was shown: exit 0.
    Done,
    /// Nothing matched, or an `--expect` guard did not hold: exit 1.
    NothingDone,
    /// Errors were already reported on stderr along the way: exit 2.
    Failed,
}

impl Outcome {
    /// The exit status of a run that ended so: 0, 1 or 2.
    ///
    /// ```
    /// // Errors were reported along the way: the run failed, as one that
    /// // ended on an error does.
    /// let status = mpatch::Outcome::Failed.exit_code();
    /// assert_eq!(status, std::process::ExitCode::from(2));
    /// ```
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Done => 0,
            Outcome::NothingDone => 1,
            Outcome::Failed => 2,
        })
    }
}

/// Everything that can go wrong, with its cause kept. The text of each
/// variant is the line printed after `mpatch: `.
///
/// ```
/// use mpatch::{Error, Matcher, Scope, Search};
/// # let dir = tempfile::tempdir().unwrap();
/// let missing = dir.path().join("missing.log");
/// let matcher = Matcher::literal(b"ERROR").unwrap();
/// let error = Search::new(&matcher).count_file(&missing).unwrap_err();
/// let Error::Io { source, .. } = &error else { panic!("{error:?}") };
/// assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
/// let line = format!("{}: no such file or directory", missing.display());
/// assert_eq!(error.to_string(), line);
/// assert_eq!(error.scope(), Scope::File);
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An argument that cannot be used: nothing was opened yet.
    #[error("{what}: {reason}")]
    Argument {
        /// The argument, as the command line names it.
        what: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// An operating-system error on a named file, in plain words.
    #[error("{path}: {}", plain_reason(.source))]
    Io {
        /// The file, as named.
        path: String,
        /// The system's error (its `raw_os_error` is the errno).
        #[source]
        source: io::Error,
    },
    /// An operating-system error on a named file, after words of our own
    /// (`cannot write: …`, `flush failed: …`).
    #[error("{path}: {doing}: {}", plain_reason(.source))]
    Failed {
        /// The file, as named.
        path: String,
        /// What was being done.
        doing: &'static str,
        /// The system's error.
        #[source]
        source: io::Error,
    },
    /// A file refused or stopped for a reason of mpatch's own.
    #[error("{path}: {reason}")]
    File {
        /// The file, as named.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file shrank under a mapping or between two writes.
    #[error("{path}: file changed size while mapped (now {now} bytes)")]
    Resized {
        /// The file, as named.
        path: String,
        /// Its size now.
        now: u64,
    },
    /// A write landed past a truncation made in the instant before it.
    #[error("{path}: file changed size while being written (now {now} bytes){undone}")]
    WrittenPastEnd {
        /// The file, as named.
        path: String,
        /// Its size now.
        now: u64,
        /// What became of the write (taken back, or not).
        undone: &'static str,
    },
    /// A page of the mapping could not be provided (a hole on a full
    /// tmpfs, an I/O error).
    #[error(
        "{path}: a page could not be read or written (no space left on device, or an I/O error)"
    )]
    Unreadable {
        /// The file, as named.
        path: String,
    },
    /// The file system has no room for a block a write needs.
    #[error("{path}: no space left on device")]
    NoSpace {
        /// The file, as named.
        path: String,
    },
    /// The journal cannot be written, read or trusted.
    #[error("{path}: {reason}")]
    Journal {
        /// The journal, as named.
        path: String,
        /// Why.
        reason: String,
    },
    /// A replacement that is not as long as its match (a pair, a pad, a
    /// regex expansion): nothing is written. `what` is the argument or the
    /// file; `scope` what it ends.
    #[error("{what}: {reason}")]
    Length {
        /// The argument or the file.
        what: String,
        /// Both lengths, in words.
        reason: String,
        /// What it ends.
        scope: Scope,
    },
    /// A compare-and-swap that did not hold (poke's `--expect`, a region
    /// of a patch): the bytes at `offset` are not the expected ones;
    /// nothing is written.
    #[error("{path}: expected {expected} at offset {offset}, found {found}; nothing written")]
    Changed {
        /// The file, as named.
        path: String,
        /// Where the bytes were compared.
        offset: u64,
        /// The bytes expected, in hex.
        expected: String,
        /// The bytes found, in hex.
        found: String,
        /// Whether the bytes found are those a patch writes there: this
        /// file is patched already, and another file (or region) is not.
        found_new: bool,
    },
    /// A file that is not the one a patch is for: its CRC32 (UPS, BPS) or
    /// the block PPF checks says so; a compare-and-swap of the whole file
    /// that did not hold. Nothing is written.
    #[error("{path}: {reason}; nothing written")]
    WrongFile {
        /// The file, as named.
        path: String,
        /// What says so: the CRC32s or the block, in words.
        reason: String,
    },
    /// A patch that cannot be used: damaged, truncated, not of its format,
    /// failing its own checksum, or asking what its format cannot do
    /// (`--reverse` of IPS or BPS). `patch` names it (`PATCH:LINE` for a
    /// line of a text patch). Nothing is written.
    #[error("{patch}: {reason}")]
    Patch {
        /// The patch, as named (`-`: standard input), and the line.
        patch: String,
        /// Why, in words.
        reason: String,
    },
    /// Writing to standard output failed for a reason other than a closed
    /// pipe.
    #[error("stdout: {}", plain_reason(.0))]
    Stdout(#[source] io::Error),
}

/// What an error ends.
///
/// ```
/// use mpatch::{Error, Scope};
/// // An argument that cannot be used ends the run; a file that cannot be
/// // read ends only its own work, and a search goes on with the others.
/// assert_eq!(Error::argument("--range", "START is after END").scope(), Scope::Run);
/// let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
/// assert_eq!(Error::io("a.log", denied).scope(), Scope::File);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The work on one file; a search goes on with the others.
    File,
    /// The whole run.
    Run,
}

impl Error {
    /// An argument that cannot be used.
    ///
    /// ```
    /// let error = mpatch::Error::argument("--nth", "must be at least 1");
    /// assert_eq!(error.to_string(), "--nth: must be at least 1");
    /// ```
    pub fn argument(what: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Argument {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// A system error on a file.
    ///
    /// ```
    /// let denied = std::io::Error::from_raw_os_error(libc::EACCES);
    /// let error = mpatch::Error::io("a.log", denied);
    /// // The system's words, without their "(os error 13)".
    /// assert_eq!(error.to_string(), "a.log: permission denied");
    /// ```
    pub fn io(path: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A file refused or stopped for a reason of mpatch's own.
    ///
    /// ```
    /// let error = mpatch::Error::file("logs", "is a directory (-r walks it)");
    /// assert_eq!(error.to_string(), "logs: is a directory (-r walks it)");
    /// ```
    pub fn file(path: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::File {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Whether the error ends one file's work (a walk goes on) or the run.
    ///
    /// ```
    /// let error = mpatch::Error::file("a.log", "is a directory");
    /// assert_eq!(error.scope(), mpatch::Scope::File);
    /// assert_eq!(error.to_string(), "a.log: is a directory");
    /// ```
    pub fn scope(&self) -> Scope {
        match self {
            Error::Argument { .. }
            | Error::Journal { .. }
            | Error::Stdout(_)
            | Error::Changed { .. }
            | Error::WrongFile { .. }
            | Error::Patch { .. } => Scope::Run,
            Error::Length { scope, .. } => *scope,
            Error::Io { .. }
            | Error::Failed { .. }
            | Error::File { .. }
            | Error::Resized { .. }
            | Error::WrittenPastEnd { .. }
            | Error::Unreadable { .. }
            | Error::NoSpace { .. } => Scope::File,
        }
    }
}

/// An OS error in plain lowercase words, without the "(os error N)" tail:
/// "permission denied", "read-only file system", "text file busy".
///
/// ```
/// use mpatch::error::plain_reason;
/// use std::io;
/// let busy = io::Error::from_raw_os_error(libc::ETXTBSY);
/// assert!(busy.to_string().ends_with(&format!("(os error {})", libc::ETXTBSY)));
/// assert_eq!(plain_reason(&busy), "text file busy");
/// // An error wrapped in words of its own is read for the one inside.
/// let walked = io::Error::other(io::Error::from_raw_os_error(libc::EROFS));
/// assert_eq!(plain_reason(&walked), "read-only file system");
/// ```
pub fn plain_reason(error: &io::Error) -> String {
    let text = match os_error(error) {
        Some(code) => io::Error::from_raw_os_error(code).to_string(),
        None => error.to_string(),
    };
    let text = match text.rfind(" (os error ") {
        Some(cut) => &text[..cut],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "unknown error".into(),
    }
}

/// The OS error code of `error`, or of the error it wraps: a walk's errors
/// come wrapped with words of their own (`IO error for operation on PATH:
/// ...`), which the message replaces with `PATH: reason`.
fn os_error(error: &io::Error) -> Option<i32> {
    let mut inner: Option<&(dyn std::error::Error + 'static)> = match error.raw_os_error() {
        Some(code) => return Some(code),
        None => error.get_ref().map(|e| e as _),
    };
    while let Some(cause) = inner {
        if let Some(code) = cause
            .downcast_ref::<io::Error>()
            .and_then(io::Error::raw_os_error)
        {
            return Some(code);
        }
        inner = cause.source();
    }
    None
}

/// Maps the end of a run to an exit status, printing the error if any.
///
/// ```
/// let ok = mpatch::finish(Ok(mpatch::Outcome::NothingDone));
/// assert_eq!(ok, mpatch::Outcome::NothingDone.exit_code());
/// ```
pub fn finish(result: Result<Outcome, Error>) -> ExitCode {
    match result {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            say(format_args!("{error}"));
            ExitCode::from(2)
        }
    }
}

/// Prints `mpatch: MESSAGE` on stderr, in one write, on one line (a line
/// break inside, from a path or an argument, is shown as `\n` or `\r`). A
/// closed or full stderr drops the line: output never decides a run, whose
/// exit status still tells what happened (`eprintln!` would panic).
///
/// The example runs itself again as a child, to read the child's stderr
/// and to give it one that nobody reads.
///
/// ```standalone_crate
/// use std::process::Command;
/// if std::env::var_os("SAY_CHILD").is_some() {
///     mpatch::error::say(format_args!("{}: skipped", "a\nb.log"));
///     std::process::exit(0);
/// }
/// let me = std::env::current_exe().unwrap();
/// let child = Command::new(&me).env("SAY_CHILD", "1").output().unwrap();
/// assert_eq!(child.stderr, b"mpatch: a\\nb.log: skipped\n");
/// // Its stderr a pipe whose reader is gone: the line is dropped, no panic.
/// let (reader, writer) = std::io::pipe().unwrap();
/// drop(reader);
/// let child = Command::new(&me).env("SAY_CHILD", "1").stderr(writer).status().unwrap();
/// assert!(child.success());
/// ```
pub fn say(message: std::fmt::Arguments) {
    use std::io::Write;
    let message = message.to_string();
    let message = match message.contains(['\n', '\r']) {
        true => message.replace('\n', "\\n").replace('\r', "\\r"),
        false => message,
    };
    let line = format!("mpatch: {message}\n");
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

/// [`say`] with `format!` arguments: `say!("{path}: warning: …")`.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::error::say(format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_plain() {
        let cases = [
            (libc::EACCES, "permission denied"),
            (libc::EROFS, "read-only file system"),
            (libc::ENOSPC, "no space left on device"),
            (libc::ETXTBSY, "text file busy"),
            (libc::EISDIR, "is a directory"),
            (libc::ENOENT, "no such file or directory"),
        ];
        for (code, words) in cases {
            assert_eq!(plain_reason(&io::Error::from_raw_os_error(code)), words);
        }
    }

    #[test]
    fn errors_read_as_one_line_and_know_their_scope() {
        let error = Error::io("a.log", io::Error::from_raw_os_error(libc::EACCES));
        assert_eq!(error.to_string(), "a.log: permission denied");
        assert_eq!(error.scope(), Scope::File);
        let error = Error::Stdout(io::Error::from_raw_os_error(libc::ENOSPC));
        assert_eq!(error.to_string(), "stdout: no space left on device");
        assert_eq!(error.scope(), Scope::Run);
        let error = Error::WrittenPastEnd {
            path: "f".into(),
            now: 10,
            undone: "; the write past the end was undone",
        };
        assert_eq!(
            error.to_string(),
            "f: file changed size while being written (now 10 bytes); the write past the end was undone"
        );
    }
}
