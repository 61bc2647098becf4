//! The test harness: run the real binary on real files in a temp folder and
//! check bytes, exit codes and stderr; helpers for faults that need root,
//! another user, or a namespace.
#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::SystemTime;

use assert_cmd::Command;
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_mpatch");

/// `mpatch` with a clean environment and a time limit, so a hang fails.
pub fn mpatch() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("COLUMNS")
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

/// A temp folder that anyone may enter, holding the test's files.
pub struct Sandbox {
    pub dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("mpatch-test-")
            .tempdir()
            .unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        Sandbox { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, bytes).unwrap();
        path
    }

    /// A copy of the mpatch binary inside the sandbox, for running as
    /// another user (the checkout may sit where that user cannot enter).
    pub fn binary(&self) -> PathBuf {
        let path = self.path("mpatch");
        if !path.exists() {
            fs::copy(BIN, &path).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
        path
    }
}

/// A file's bytes and modification time, to prove nothing changed.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    bytes: Vec<u8>,
    modified: SystemTime,
}

pub fn snapshot(path: &Path) -> Snapshot {
    Snapshot {
        bytes: fs::read(path).unwrap(),
        modified: fs::metadata(path).unwrap().modified().unwrap(),
    }
}

pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Says by name that a test could not run here; under CI that is a failure.
pub fn cannot_run(test: &str, why: &str) {
    assert!(
        !under_ci(),
        "{test} must run under CI=true but cannot: {why}"
    );
    eprintln!("SKIPPED {test}: {why}");
}

/// Runs `sh -c script` and returns its output.
pub fn sh(script: &str) -> Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts exit 2 with exactly one stderr line naming `subject` and
/// containing `reason`.
pub fn assert_error(output: &Output, subject: &str, reason: &str) {
    let err = stderr(output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "expected exit 2; stderr: {err}"
    );
    assert_eq!(err.lines().count(), 1, "expected one line, got: {err:?}");
    assert!(
        err.starts_with(&format!("mpatch: {subject}: ")) && err.contains(reason),
        "expected 'mpatch: {subject}: …{reason}…', got: {err:?}"
    );
}

/// Runs the sandbox's copy of mpatch as user 65534 (nobody) when we are
/// root, so that permission checks are real; as ourselves otherwise.
pub fn mpatch_unprivileged(sandbox: &Sandbox, args: &[&str]) -> Output {
    let binary = sandbox.binary();
    let mut cmd = if is_root() {
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary);
        cmd
    } else {
        std::process::Command::new(&binary)
    };
    cmd.args(args)
        .current_dir(sandbox.dir.path())
        .output()
        .unwrap()
}
