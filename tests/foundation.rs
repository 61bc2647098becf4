//! find, replace and peek end to end, and the bad inputs that must leave
//! every file as it was.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use common::*;
use predicates::prelude::*;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/app.log");

#[test]
fn find_prints_the_offsets_grep_prints() {
    let grep = sh(&format!("grep -b -o -F ERROR {SAMPLE} | cut -d: -f1"));
    assert!(grep.status.success());
    let ours = mpatch().args(["find", "ERROR", SAMPLE]).output().unwrap();
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
fn replace_gives_the_bytes_sed_gives_and_keeps_the_inode() {
    let s = Sandbox::new();
    let f = s.file("app.log", fs::read(SAMPLE).unwrap());
    let link = s.path("hardlink.log");
    fs::hard_link(&f, &link).unwrap();
    let before = fs::metadata(&f).unwrap();
    let sed = sh(&format!("sed 's/ERROR/FIXED/g' {SAMPLE}"));
    mpatch()
        .current_dir(s.dir.path())
        .args(["replace", "ERROR", "FIXED", "app.log"])
        .assert()
        .code(0)
        .stdout("app.log: 11 replaced\n")
        .stderr("");
    assert_eq!(fs::read(&f).unwrap(), sed.stdout);
    assert_eq!(
        fs::read(&link).unwrap(),
        sed.stdout,
        "the other name sees the change"
    );
    let after = fs::metadata(&f).unwrap();
    assert_eq!(
        (after.ino(), after.mode(), after.nlink()),
        (before.ino(), before.mode(), 2)
    );
    mpatch()
        .args(["replace", "ERROR", "FIXED"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(format!("{}: 0 replaced\n", f.display()));
}

#[test]
fn replace_max_count_stops_each_file() {
    let s = Sandbox::new();
    let f = s.file("f", "ab ab ab");
    mpatch()
        .args(["replace", "-m", "2", "ab", "XY"])
        .arg(&f)
        .assert()
        .code(0);
    assert_eq!(fs::read(&f).unwrap(), b"XY XY ab");
}

#[test]
fn replace_never_rescans_its_own_output() {
    let s = Sandbox::new();
    let f = s.file("f", "aaaaa");
    mpatch()
        .args(["replace", "aa", "ba"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{}: 2 replaced\n", f.display()));
    // Python: b"aaaaa".replace(b"aa", b"ba") == b"babaa"
    assert_eq!(fs::read(&f).unwrap(), b"babaa");
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
fn dry_run_reports_and_changes_nothing() {
    let s = Sandbox::new();
    let f = s.file("app.log", fs::read(SAMPLE).unwrap());
    let before = snapshot(&f);
    std::thread::sleep(std::time::Duration::from_millis(20));
    mpatch()
        .current_dir(s.dir.path())
        .args(["replace", "--dry-run", "ERROR", "FIXED", "app.log"])
        .assert()
        .code(0)
        .stdout("app.log: 11 would be replaced\n");
    assert_eq!(snapshot(&f), before);
    mpatch()
        .current_dir(s.dir.path())
        .args(["replace", "-n", "nothing", "NOTHING", "app.log"])
        .assert()
        .code(1)
        .stdout("app.log: 0 would be replaced\n");
}

#[test]
fn read_only_file_dry_run_works_and_replace_is_denied() {
    let s = Sandbox::new();
    let f = s.file("ro.log", "an ERROR line\n");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o444)).unwrap();
    let before = snapshot(&f);
    let dry = mpatch_unprivileged(&s, &["replace", "-n", "ERROR", "FIXED", "ro.log"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert_eq!(stdout(&dry), "ro.log: 1 would be replaced\n");
    let real = mpatch_unprivileged(&s, &["replace", "ERROR", "FIXED", "ro.log"]);
    assert_error(&real, "ro.log", "permission denied");
    assert_eq!(snapshot(&f), before);
}

#[test]
fn peek_formats() {
    let s = Sandbox::new();
    let f = s.file("f", b"hello ERROR world\n\x00\xff\\tail");
    mpatch()
        .args(["peek"])
        .arg(&f)
        .args(["6", "16"])
        .assert()
        .code(0)
        .stdout("00000006: 4552 524f 5220 776f 726c 640a 00ff 5c74  ERROR world...\\t\n");
    mpatch()
        .args(["peek", "-f", "hex"])
        .arg(&f)
        .args(["0x6", "5"])
        .assert()
        .stdout("4552524f52\n");
    mpatch()
        .args(["peek", "-f", "text"])
        .arg(&f)
        .args(["12", "12"])
        .assert()
        .stdout("world\\n\\x00\\xff\\\\tai\n");
    mpatch()
        .args(["peek", "-f", "raw"])
        .arg(&f)
        .args(["-4"])
        .assert()
        .stdout("tail");
    // The default length is 64, cut at the end of the file.
    let all = mpatch()
        .args(["peek", "-f", "raw"])
        .arg(&f)
        .arg("0")
        .output()
        .unwrap();
    assert_eq!(all.stdout, fs::read(&f).unwrap());
}

#[test]
fn peek_hexdump_is_xxd() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let s = Sandbox::new();
    let f = s.file("f", &bytes);
    let xxd = sh(&format!("xxd -s 100 -l 200 -g 2 {}", f.display()));
    if !xxd.status.success() {
        return cannot_run("peek_hexdump_is_xxd", "xxd is not installed");
    }
    mpatch()
        .args(["peek"])
        .arg(&f)
        .args(["100", "200"])
        .assert()
        .stdout(stdout(&xxd));
}

#[test]
fn peek_past_the_end_is_an_error() {
    let s = Sandbox::new();
    let f = s.file("f", "12345");
    let out = mpatch().args(["peek"]).arg(&f).arg("5").output().unwrap();
    assert_error(
        &out,
        &f.display().to_string(),
        "past the end of the file (5 bytes)",
    );
    let out = mpatch().args(["peek"]).arg(&f).arg("-6").output().unwrap();
    assert_error(
        &out,
        &f.display().to_string(),
        "before the start of the file",
    );
    mpatch()
        .args(["peek", "-f", "raw"])
        .arg(&f)
        .args(["4", "100"])
        .assert()
        .code(0)
        .stdout("5");
}

#[test]
fn bad_files_are_refused_with_their_name() {
    let s = Sandbox::new();
    let fifo = s.path("fifo");
    assert!(sh(&format!("mkfifo {}", fifo.display())).status.success());
    let dir = s.path("dir");
    fs::create_dir(&dir).unwrap();
    let cases: [(&str, &str); 5] = [
        (
            &*s.path("missing").leak().to_string_lossy(),
            "no such file or directory",
        ),
        (
            &*dir.to_string_lossy().into_owned().leak(),
            "is a directory",
        ),
        (&*fifo.to_string_lossy().into_owned().leak(), "is a FIFO"),
        ("/dev/null", "is a character device"),
        ("-", "standard input cannot be mapped"),
    ];
    for (path, reason) in cases {
        for args in [
            vec!["find", "x", path],
            vec!["replace", "x", "y", path],
            vec!["peek", path, "0"],
        ] {
            let out = mpatch().args(&args).output().unwrap();
            assert_error(&out, path, reason);
        }
    }
}

#[test]
fn bad_patterns_are_refused_and_nothing_changes() {
    let s = Sandbox::new();
    let f = s.file("f", "some text");
    let before = snapshot(&f);
    let cases: [(&[&str], &str, &str); 5] = [
        (&["replace", "", ""], "pattern", "is empty"),
        (
            &["replace", "-x", "zz", "aa"],
            "pattern",
            "at byte 0: \"z\" is not a hex digit",
        ),
        (
            &["replace", "-x", "abc", "def"],
            "pattern",
            "an odd number of hex digits",
        ),
        (
            &["replace", "-e", r"so\qe", "xxxxx"],
            "pattern",
            r"at byte 2: unknown escape \q",
        ),
        (
            &["find", "-e", r"\x4"],
            "pattern",
            "\\x needs two hex digits",
        ),
    ];
    for (args, subject, reason) in cases {
        let out = mpatch().args(args).arg(&f).output().unwrap();
        assert_error(&out, subject, reason);
    }
    assert_eq!(snapshot(&f), before);
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
fn help_shows_examples() {
    mpatch()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("mpatch replace --dry-run"));
}

#[test]
fn usage_errors_are_one_line_with_exit_2() {
    let out = mpatch().args(["replace", "ERROR"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("mpatch: REPLACEMENT: is missing"), "{err}");
    let out = mpatch()
        .args(["peek", "-f", "xml", "f", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "mpatch: invalid value 'xml' for '--format <FORMAT>' [possible values: hexdump, hex, text, raw] (see mpatch --help)\n"
    );
    mpatch()
        .arg("--version")
        .assert()
        .code(0)
        .stdout("mpatch 0.1.0\n");
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

#[test]
fn bad_numbers_and_pad_values_are_refused() {
    let s = Sandbox::new();
    let f = s.file("f", "ERROR here");
    let before = snapshot(&f);
    let cases: [(&[&str], &str, &str); 4] = [
        (&["peek", "F", "12k"], "OFFSET", "\"12k\" is not a number"),
        (
            &["peek", "F", "0", "lots"],
            "LENGTH",
            "\"lots\" is not a number",
        ),
        (
            &["poke", "F", "0x", "x"],
            "OFFSET",
            "\"0x\" is not a number",
        ),
        (
            &["replace", "--pad", "ab", "ERROR", "OK", "F"],
            "--pad",
            "\"ab\": give one ASCII character or 0xHH",
        ),
    ];
    for (args, subject, reason) in cases {
        let path = f.to_string_lossy().into_owned();
        let args: Vec<&str> = args
            .iter()
            .map(|a| if *a == "F" { path.as_str() } else { a })
            .collect();
        let out = mpatch().args(&args).output().unwrap();
        assert_error(&out, subject, reason);
    }
    assert_eq!(snapshot(&f), before);
}
