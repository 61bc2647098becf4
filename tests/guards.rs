//! Guards before a write: `--expect`, lengths and `--pad`, and all or
//! nothing over several files, each file checked before any is written.

mod common;
use std::fs::{self};

use common::*;

#[test]
fn replace_expect_writes_when_every_file_has_exactly_n() {
    let s = Sandbox::new();
    s.file("a", "x ERR ERR");
    s.file("b", "ERR y ERR");
    mpatch()
        .current_dir(s.dir.path())
        .args(["replace", "--expect", "2", "ERR", "FIX", "a", "b"])
        .assert()
        .code(0)
        .stdout("a: 2 replaced\nb: 2 replaced\n")
        .stderr("");
    assert_eq!(fs::read(s.path("a")).unwrap(), b"x FIX FIX");
    assert_eq!(fs::read(s.path("b")).unwrap(), b"FIX y FIX");
}

#[test]
fn replace_expect_that_fails_for_one_file_writes_no_file() {
    let s = Sandbox::new();
    let a = s.file("a", "x ERR ERR");
    let b = s.file("b", "ERR ERR ERR");
    let (before_a, before_b) = (aged_snapshot(&a), aged_snapshot(&b));
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["replace", "--expect", "2", "ERR", "FIX", "a", "b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "only b differs: {err:?}");
    assert!(
        err.starts_with("mpatch: b: ") && err.contains("3 matches") && err.contains("--expect 2"),
        "{err:?}"
    );
    assert_eq!(snapshot(&a), before_a);
    assert_eq!(snapshot(&b), before_b);
}

#[test]
fn replace_expect_total_guards_named_files_together() {
    let s = Sandbox::new();
    let files: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|n| s.file(n, "ERROR\n"))
        .collect();
    let before: Vec<_> = files.iter().map(|f| aged_snapshot(f)).collect();
    for extra in [&[][..], &["--dry-run"]] {
        let mut args = vec!["replace", "--expect-total", "2"];
        args.extend(extra);
        args.extend(["ERROR", "FIXED", "a", "b", "c"]);
        let out = s.run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        assert_eq!(
            stderr(&out),
            "mpatch: 3 matches in all, --expect-total 2; no file written\n"
        );
        for (file, before) in files.iter().zip(&before) {
            assert_unchanged_since(file, before);
        }
    }
    let out = s.run(&[
        "replace",
        "--expect-total",
        "3",
        "ERROR",
        "FIXED",
        "a",
        "b",
        "c",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "a: 1 replaced\nb: 1 replaced\nc: 1 replaced\n"
    );
    assert_eq!(fs::read(&files[2]).unwrap(), b"FIXED\n");
}

#[test]
fn pad_fills_a_shorter_replacement_with_a_character() {
    let s = Sandbox::new();
    let f = s.file("f", "[ERROR] [ERROR]");
    mpatch()
        .args(["replace", "--pad", ".", "ERROR", "OK"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{}: 2 replaced\n", f.display()));
    assert_eq!(fs::read(&f).unwrap(), b"[OK...] [OK...]");
}

#[test]
fn pad_fills_a_shorter_replacement_with_a_hex_byte() {
    let s = Sandbox::new();
    let f = s.file("f", "<ERROR>");
    mpatch()
        .args(["replace", "--pad", "0x00", "ERROR", "OK"])
        .arg(&f)
        .assert()
        .code(0);
    assert_eq!(fs::read(&f).unwrap(), b"<OK\0\0\0>");
    mpatch()
        .args(["replace", "--pad", "0xff", "OK"])
        .arg("K")
        .arg(&f)
        .assert()
        .code(0);
    assert_eq!(fs::read(&f).unwrap(), b"<K\xff\0\0\0>");
}

#[test]
fn pad_does_not_allow_a_longer_replacement() {
    let s = Sandbox::new();
    let f = s.file("f", "OK then");
    let before = aged_snapshot(&f);
    let out = mpatch()
        .args(["replace", "--pad", ".", "OK", "TOOLONG"])
        .arg(&f)
        .output()
        .unwrap();
    assert_error(&out, "replacement", "is 7 bytes but the pattern is 2 bytes");
    assert_eq!(snapshot(&f), before);
}

/// Runs `replace` over good1, the unusable file `make_bad` creates, and
/// good2; asserts the run stops naming the bad one and writes neither good one.
fn assert_nothing_written_when_the_middle_file_is_unusable(
    make_bad: impl FnOnce(&Sandbox) -> String,
    reason: &str,
) {
    let s = Sandbox::new();
    let good1 = s.file("good1", "an ERROR");
    let good2 = s.file("good2", "an ERROR");
    let bad = make_bad(&s);
    let (before1, before2) = (aged_snapshot(&good1), aged_snapshot(&good2));
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["replace", "ERROR", "FIXED", "good1", &bad, "good2"])
        .output()
        .unwrap();
    assert_error(&out, &bad, reason);
    assert_eq!(stdout(&out), "");
    assert_eq!(snapshot(&good1), before1);
    assert_eq!(snapshot(&good2), before2);
}

#[test]
fn replace_checks_every_file_before_writing_a_missing_one_stops_all() {
    assert_nothing_written_when_the_middle_file_is_unusable(
        |_| "missing".into(),
        "no such file or directory",
    );
}

#[test]
fn replace_checks_every_file_before_writing_a_directory_stops_all() {
    assert_nothing_written_when_the_middle_file_is_unusable(
        |s| {
            fs::create_dir(s.path("dir")).unwrap();
            "dir".into()
        },
        "is a directory",
    );
}

#[test]
fn pad_fills_an_empty_replacement() {
    let s = Sandbox::new();
    let f = s.file("f", "an ERROR here\n");
    mpatch()
        .args(["replace", "--pad", " ", "ERROR", ""])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{}: 1 replaced\n", name(&f)));
    assert_eq!(fs::read(&f).unwrap(), b"an       here\n");
}

#[test]
fn replace_refuses_different_lengths_and_touches_nothing() {
    let s = Sandbox::new();
    let f = s.file("f", "ERROR here");
    let before = snapshot(&f);
    let out = mpatch()
        .args(["replace", "ERROR", "OK"])
        .arg(&f)
        .output()
        .unwrap();
    assert_error(&out, "replacement", "is 2 bytes but the pattern is 5 bytes");
    let out = mpatch()
        .args(["replace", "ERR", "FIXED"])
        .arg(&f)
        .output()
        .unwrap();
    assert_error(&out, "replacement", "is 5 bytes but the pattern is 3 bytes");
    assert_eq!(snapshot(&f), before);
}

#[test]
fn the_same_file_under_two_names_is_refused() {
    let s = Sandbox::new();
    let f = s.file("a.log", "ERROR");
    let link = s.path("b.log");
    fs::hard_link(&f, &link).unwrap();
    let before = snapshot(&f);
    let out = mpatch()
        .args(["replace", "ERROR", "FIXED"])
        .arg(&f)
        .arg(&link)
        .output()
        .unwrap();
    assert_error(&out, &link.display().to_string(), "is named twice");
    assert_eq!(snapshot(&f), before);
}
