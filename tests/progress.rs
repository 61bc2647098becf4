//! The progress bar: drawn on stderr when asked (`--progress always`) or when
//! stderr is a terminal and the file is large; never mixed into stdout.

mod common;

use common::*;

#[test]
fn progress_always_draws_on_stderr_only() {
    let s = Sandbox::new();
    let f = s.file("f", "ERROR ".repeat(8 << 20));
    let out = mpatch()
        .args(["find", "-c", "--progress", "always", "ERROR"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "8388608\n");
    let err = stderr(&out);
    assert!(
        err.contains("MiB") && err.contains(&*f.to_string_lossy()),
        "no bar drawn: {err:?}"
    );
}

#[test]
fn progress_auto_stays_quiet_when_stderr_is_not_a_terminal() {
    let s = Sandbox::new();
    let f = s.file("f", "ERROR ".repeat(50 << 20));
    for mode in ["auto", "never"] {
        mpatch()
            .args(["replace", "-n", "--progress", mode, "ERROR", "FIXED"])
            .arg(&f)
            .assert()
            .code(0)
            .stderr("");
    }
}

#[test]
fn progress_auto_draws_on_a_terminal_for_large_files() {
    let s = Sandbox::new();
    let f = s.file("big", "ERROR ".repeat(50 << 20));
    // `script` gives mpatch a pseudo-terminal as stdout and stderr.
    let out = sh(&format!(
        "script -qec '{BIN} find -c ERROR {}' /dev/null </dev/null",
        f.display()
    ));
    if !out.status.success() && stdout(&out).is_empty() {
        return cannot_run(
            "progress_auto_draws_on_a_terminal_for_large_files",
            "script(1) is not available",
        );
    }
    let screen = stdout(&out);
    assert!(screen.contains("52428800"), "{screen:?}");
    assert!(
        screen.contains("GiB") || screen.contains("MiB"),
        "no bar on the terminal: {screen:?}"
    );
}

/// A file of 2.1 million `ERROR`s replaced with a journal of about 46 MiB
/// (over the 32 MiB from which undo draws a bar): the file and the journal.
fn journalled(s: &Sandbox) -> (std::path::PathBuf, std::path::PathBuf) {
    let f = s.file("big", "ERROR ".repeat(2_100_000));
    let journal = s.path("fix.mpj");
    mpatch()
        .args(["replace", "-q", "--no-sync", "--journal"])
        .arg(&journal)
        .args(["ERROR", "FIXED"])
        .arg(&f)
        .assert()
        .code(0);
    (f, journal)
}

#[test]
fn undo_draws_a_bar_for_a_large_journal_on_a_terminal_and_restores_the_same() {
    let s = Sandbox::new();
    let (f, journal) = journalled(&s);
    let out = sh(&format!(
        "script -qec '{BIN} undo --no-sync {}' /dev/null </dev/null",
        journal.display()
    ));
    if !out.status.success() && stdout(&out).is_empty() {
        return cannot_run(
            "undo_draws_a_bar_for_a_large_journal_on_a_terminal_and_restores_the_same",
            "script(1) is not available",
        );
    }
    let screen = stdout(&out);
    assert!(
        screen.contains("MiB") && screen.contains("2100000 regions restored"),
        "no bar on the terminal: {screen:?}"
    );
    assert_eq!(
        std::fs::read(&f).unwrap(),
        "ERROR ".repeat(2_100_000).as_bytes()
    );
}

#[test]
fn undo_without_a_terminal_draws_no_bar() {
    let s = Sandbox::new();
    let (_, journal) = journalled(&s);
    mpatch()
        .args(["undo", "--no-sync"])
        .arg(&journal)
        .assert()
        .code(0)
        .stderr("");
}
