//! find end to end: the offsets grep prints, non-overlapping left to right,
//! names with several files, counts, -l, hex offsets, escapes and hex.

mod common;

use common::*;

#[test]
fn find_prints_the_offsets_grep_prints() {
    let grep = sh(&format!("grep -b -o -F ERROR {SAMPLE_LOG} | cut -d: -f1"));
    assert!(grep.status.success());
    let ours = mpatch()
        .args(["find", "ERROR", SAMPLE_LOG])
        .output()
        .unwrap();
    assert_eq!(ours.status.code(), Some(0));
    assert_eq!(stdout(&ours), stdout(&grep));
    assert_eq!(stdout(&ours).lines().count(), 11);
}

#[test]
fn find_is_non_overlapping_left_to_right() {
    let s = Sandbox::new();
    let f = s.file("a", "aaaaa");
    mpatch()
        .args(["find", "aa"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("0\n2\n");
    mpatch()
        .args(["find", "-c", "aa"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("2\n");
}

#[test]
fn find_names_files_when_there_are_several() {
    let s = Sandbox::new();
    let a = s.file("a.txt", "xx ab ab");
    let b = s.file("b.txt", "none here");
    mpatch()
        .current_dir(s.dir.path())
        .args(["find", "ab", "a.txt", "b.txt"])
        .assert()
        .code(0)
        .stdout("a.txt:3\na.txt:6\n");
    mpatch()
        .args(["find", "-H", "ab"])
        .arg(&a)
        .assert()
        .stdout(format!("{}:3\n{}:6\n", a.display(), a.display()));
    mpatch()
        .args(["find", "--no-filename", "ab"])
        .args([&a, &b])
        .assert()
        .stdout("3\n6\n");
    mpatch()
        .current_dir(s.dir.path())
        .args(["find", "-c", "ab", "a.txt", "b.txt"])
        .assert()
        .code(0)
        .stdout("a.txt:2\nb.txt:0\n");
}

#[test]
fn find_quiet_count_and_max() {
    let s = Sandbox::new();
    let f = s.file("f", "x1 x2 x3 x4");
    mpatch()
        .args(["find", "-q", "x"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("");
    mpatch()
        .args(["find", "-q", "y"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout("");
    mpatch()
        .args(["find", "-m", "2", "x"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("0\n3\n");
    mpatch()
        .args(["find", "-c", "-m", "3", "x"])
        .arg(&f)
        .assert()
        .stdout("3\n");
    mpatch()
        .args(["find", "y"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn find_reads_escapes_and_hex() {
    let s = Sandbox::new();
    let f = s.file("bin", b"\x00\x01tab\there\nline\xde\xad\xbe\xef");
    mpatch()
        .args(["find", "-e", r"\there\n"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("5\n");
    mpatch()
        .args(["find", "-e", r"\xde\xad"])
        .arg(&f)
        .assert()
        .stdout("15\n");
    for hex in ["deadbeef", "de ad be ef", "0xDEADBEEF", "de:ad:be:ef"] {
        mpatch()
            .args(["find", "-x", hex])
            .arg(&f)
            .assert()
            .code(0)
            .stdout("15\n");
    }
    // Without -e the backslash is a literal byte.
    mpatch().args(["find", r"\t"]).arg(&f).assert().code(1);
}

#[test]
fn empty_file_has_no_match() {
    let s = Sandbox::new();
    let f = s.file("empty", "");
    mpatch()
        .args(["find", "x"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
    mpatch()
        .args(["find", "-c", "x"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout("0\n");
    mpatch()
        .args(["replace", "x", "y"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(format!("{}: 0 replaced\n", f.display()));
}

#[test]
fn closed_stdout_ends_quietly() {
    let s = Sandbox::new();
    let f = s.file("many", "x".repeat(4 << 20));
    let script = format!(
        "{BIN} find x {} | head -1; echo \"status ${{PIPESTATUS[0]}}\"",
        f.display()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "0\nstatus 0\n");
    assert_eq!(stderr(&out), "", "a closed pipe is not an error");
}

#[test]
fn files_with_matches_names_only_files_that_match() {
    let s = Sandbox::new();
    s.file("a", "one KEY");
    s.file("b", "nothing");
    s.file("c", "KEY KEY KEY");
    mpatch()
        .current_dir(s.dir.path())
        .args(["find", "-l", "KEY", "a", "b", "c"])
        .assert()
        .code(0)
        .stdout("a\nc\n")
        .stderr("");
    mpatch()
        .current_dir(s.dir.path())
        .args(["find", "--files-with-matches", "KEY", "b", "c"])
        .assert()
        .code(0)
        .stdout("c\n");
}

#[test]
fn files_with_matches_and_no_match_is_exit_1() {
    let s = Sandbox::new();
    s.file("a", "one KEY");
    s.file("b", "nothing");
    mpatch()
        .current_dir(s.dir.path())
        .args(["find", "-l", "ABSENT", "a", "b"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
}

#[test]
fn hex_offsets_are_lowercase_and_0x_prefixed() {
    let s = Sandbox::new();
    let mut bytes = vec![b'.'; 300];
    for at in [10, 26, 255] {
        bytes[at] = b'K';
    }
    s.file("a", &bytes);
    s.file("b", b"K");
    mpatch()
        .current_dir(s.dir.path())
        .args(["find", "--hex-offsets", "K", "a"])
        .assert()
        .code(0)
        .stdout("0xa\n0x1a\n0xff\n");
    mpatch()
        .current_dir(s.dir.path())
        .args(["find", "--hex-offsets", "K", "a", "b"])
        .assert()
        .code(0)
        .stdout("a:0xa\na:0x1a\na:0xff\nb:0x0\n");
}

#[test]
fn find_files_with_matches_and_max_count_0_prints_nothing_and_exits_1() {
    let s = Sandbox::new();
    let f = s.file("f", "X marks the spot\n");
    mpatch()
        .args(["find", "-l", "-m", "0", "X"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
}
