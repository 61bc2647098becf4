//! Errors as the user reads them (`mpatch: PATH: reason`, in plain words)
//! and the exit status each outcome maps to.

use std::fmt;
use std::io;
use std::process::ExitCode;

/// How a command ended, when it ended without an error of its own.
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
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Done => 0,
            Outcome::NothingDone => 1,
            Outcome::Failed => 2,
        })
    }
}

/// Something wrong with one named thing: a file, an argument, a journal.
#[derive(Debug)]
pub struct Problem {
    pub subject: String,
    pub reason: String,
}

impl Problem {
    pub fn new(subject: impl Into<String>, reason: impl Into<String>) -> Problem {
        Problem {
            subject: subject.into(),
            reason: reason.into(),
        }
    }

    pub fn io(subject: impl Into<String>, error: &io::Error) -> Problem {
        Problem::new(subject, plain_reason(error))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.reason)
    }
}

impl std::error::Error for Problem {}

/// An OS error in plain lowercase words, without the "(os error N)" tail:
/// "permission denied", "read-only file system", "text file busy".
pub fn plain_reason(error: &io::Error) -> String {
    let text = match error.raw_os_error() {
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

/// Whether an error means that our stdout was closed (`| head`), which ends
/// the run quietly.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}

/// Maps the end of a run to an exit status, printing the error if any.
pub fn finish(result: anyhow::Result<Outcome>) -> ExitCode {
    match result {
        Ok(outcome) => outcome.exit_code(),
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mpatch: {error:#}");
            ExitCode::from(2)
        }
    }
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
    fn broken_pipe_is_found_in_the_chain() {
        let error =
            anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing");
        assert!(is_broken_pipe(&error));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }
}
