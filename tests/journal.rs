//! The undo journal: a journal with no end is restored as far as it goes and
//! kept, never reported as success; a journal the user does not own, or that
//! others may write, is refused unless trusted.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;

/// `replace --journal` of ERROR by FIXED in a new file; its path and the
/// journal's.
fn journalled(s: &Sandbox) -> (std::path::PathBuf, std::path::PathBuf) {
    let f = s.file("app.log", b"ERROR one\nok\nERROR two\n");
    let j = s.path("fix.mpj");
    mpatch()
        .args(["replace", "--journal"])
        .arg(&j)
        .args(["ERROR", "FIXED"])
        .arg(&f)
        .assert()
        .code(0);
    (f, j)
}

fn undo(journal: &Path, extra: &[&str]) -> std::process::Output {
    mpatch()
        .arg("undo")
        .args(extra)
        .arg(journal)
        .output()
        .unwrap()
}

#[test]
fn a_journal_cut_short_is_kept_and_never_reported_as_success() {
    let s = Sandbox::new();
    let (f, j) = journalled(&s);
    let whole = fs::read(&j).unwrap();
    // The trailer (13 bytes) and the end of the one block: the regions it
    // held were written, and cannot be restored from what is left.
    fs::write(&j, &whole[..whole.len() - 20]).unwrap();
    let out = undo(&j, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("the journal has no end"), "{err}");
    assert!(err.contains("the journal is kept"), "{err}");
    assert!(j.exists(), "the journal is kept");
    assert_eq!(fs::read(&f).unwrap(), b"FIXED one\nok\nFIXED two\n");
}

#[test]
fn a_journal_without_its_trailer_alone_is_restored_whole() {
    let s = Sandbox::new();
    let (f, j) = journalled(&s);
    let whole = fs::read(&j).unwrap();
    // A run stopped after its last block: every region is in the journal.
    fs::write(&j, &whole[..whole.len() - 13]).unwrap();
    let out = undo(&j, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stopped part-way"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(&f).unwrap(), b"ERROR one\nok\nERROR two\n");
    assert!(!j.exists());
}

#[test]
fn a_journal_others_can_write_is_refused_unless_trusted() {
    let s = Sandbox::new();
    let (f, j) = journalled(&s);
    fs::set_permissions(&j, fs::Permissions::from_mode(0o666)).unwrap();
    let out = undo(&j, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_error(&out, &name(&j), "can be written by others");
    assert_eq!(fs::read(&f).unwrap(), b"FIXED one\nok\nFIXED two\n");
    // --force is no trust.
    assert_eq!(undo(&j, &["--force"]).status.code(), Some(2));
    let out = undo(&j, &["--trust-journal"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"ERROR one\nok\nERROR two\n");
}

#[test]
fn a_journal_another_user_owns_is_refused_root_included() {
    if !is_root() {
        cannot_run(
            "a_journal_another_user_owns_is_refused_root_included",
            "needs root to give the journal to another user",
        );
        return;
    }
    let s = Sandbox::new();
    let (f, j) = journalled(&s);
    std::os::unix::fs::chown(&j, Some(65534), Some(65534)).unwrap();
    let out = undo(&j, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_error(&out, &name(&j), "is owned by another user");
    assert_eq!(fs::read(&f).unwrap(), b"FIXED one\nok\nFIXED two\n");
    let out = undo(&j, &["--trust-journal"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"ERROR one\nok\nERROR two\n");
}

#[test]
fn a_journal_is_created_for_its_owner_only() {
    let s = Sandbox::new();
    let (_, j) = journalled(&s);
    assert_eq!(
        fs::metadata(&j).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
