//! What is shown around each match: grep's lines (`-C`, `-A`, `-B`, with the
//! offset where each line starts) and the byte window of `--byte-context`.

mod common;
use std::fs::{self};

use common::*;

#[test]
fn find_context_marks_the_match_and_escapes_the_rest() {
    let s = Sandbox::new();
    // KEY at 0 (no bytes before), at 7 between `[`, `\`, NUL and 0xff, `]`,
    // newline, and at 14 (no bytes after).
    let f = s.file("f", b"KEYx[\\\x00KEY\xff]\nyKEY");
    mpatch()
        .args(["find", "--byte-context", "3", "KEY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(concat!(
            r"0: [KEY]x\x5b\\",
            "\n",
            r"7: \x5b\\\x00[KEY]\xff\x5d\n",
            "\n",
            r"14: \x5d\ny[KEY]",
            "\n",
        ));
}

#[test]
fn find_context_with_hex_offsets() {
    let s = Sandbox::new();
    let f = s.file("f", "0123456789abcdefKEY!");
    mpatch()
        .args(["find", "--hex-offsets", "--byte-context", "2", "KEY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("0x10: ef[KEY]!\n");
}

#[test]
fn dry_run_context_shows_each_change_before_and_after_and_writes_nothing() {
    let s = Sandbox::new();
    let f = s.file("f", "a[OLD]b OLD");
    let before = snapshot(&f);
    mpatch()
        .args(["replace", "--dry-run", "--byte-context", "2", "OLD", "NEW"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!(
            concat!(
                r"2- a\x5b[OLD]\x5db",
                "\n",
                r"2+ a\x5b[NEW]\x5db",
                "\n",
                "8- b [OLD]\n",
                "8+ b [NEW]\n",
                "{}: 2 would be replaced\n",
            ),
            f.display()
        ))
        .stderr("");
    assert_unchanged_since(&f, &before);
}

#[test]
fn line_context_is_greps_with_the_offset_where_each_line_starts() {
    let s = Sandbox::new();
    let f = s.file(
        "app.log",
        b"l0\n[INFO] [worker-05] up\nl2 ERROR x ERROR\nl3\nl4\nl5\nl6\nl7 ERROR\r\nl8\n\tt\x01\xff \xc3\xa9 ERROR",
    );
    mpatch()
        .args(["find", "-C", "1", "ERROR"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(concat!(
            "3-[INFO] [worker-05] up\n",
            "25:l2 ERROR x ERROR\n",
            "42-l3\n",
            "--\n",
            "51-l6\n",
            "54:l7 ERROR\n",
            "64-l8\n",
            "67:\tt\\x01\\xff é ERROR\n",
        ));
    // -A and -B count one side; with a name, context lines take `-`.
    mpatch()
        .args(["find", "-H", "-B", "0", "-A", "2", "INFO"])
        .arg(&f)
        .assert()
        .stdout(format!(
            "{0}:3:[INFO] [worker-05] up\n{0}-25-l2 ERROR x ERROR\n{0}-42-l3\n",
            name(&f)
        ));
    // A replace previews each changed line before (-) and after (+), and
    // context lines with a space.
    mpatch()
        .args(["replace", "-n", "-C", "1", "--range", ":50", "ERROR", "FIXED"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!(
            "3 [INFO] [worker-05] up\n25-l2 ERROR x ERROR\n25+l2 FIXED x FIXED\n42 l3\n{}: 2 would be replaced\n",
            name(&f)
        ));
}

#[test]
fn a_line_longer_than_a_kib_is_cut_around_the_match() {
    let s = Sandbox::new();
    let mut line = vec![b'a'; 3000];
    line.extend(b"ERROR");
    line.extend(vec![b'b'; 3000]);
    line.extend(b"\nnext\n");
    let f = s.file("long", &line);
    let out = mpatch()
        .args(["find", "-C", "1", "ERROR"])
        .arg(&f)
        .output()
        .unwrap();
    let wanted = format!(
        "2488:…{}ERROR{}…\n6006-next\n",
        "a".repeat(512),
        "b".repeat(512)
    );
    assert_eq!(stdout(&out), wanted);
}

#[test]
fn long_context_lines_are_cut_and_still_counted_as_lines() {
    // Lines over 1 KiB around a match: each is shown (cut), and the lines
    // beyond it too, as many as asked for, in a file and a stream alike.
    let s = Sandbox::new();
    let lines: Vec<Vec<u8>> = [b'a', b'b', b'N', b'c', b'd', b'e']
        .iter()
        .map(|&b| match b {
            b'N' => b"NEEDLE".to_vec(),
            b'e' => b"e".to_vec(),
            b => vec![b; 1100],
        })
        .collect();
    let f = s.file("wide", [lines.join(&b'\n'), b"\n".to_vec()].concat());
    let file = mpatch()
        .args(["find", "-C", "2", "NEEDLE"])
        .arg(&f)
        .output()
        .unwrap();
    let text = stdout(&file);
    let starts: Vec<&str> = text
        .lines()
        .map(|l| l.split(['-', ':']).next().unwrap())
        .collect();
    // The lines before end near the match, so they are shown from where
    // they are cut; the lines after, from where they start.
    assert_eq!(starts, ["76", "1177", "2202", "2209", "3310"], "{text}");
    assert!(text.lines().all(|l| l.chars().count() < 1100), "{text}");
    let stream = sh(&format!("{BIN} find -C 2 NEEDLE - < '{}'", f.display()));
    assert_eq!(stdout(&stream), text);
    let out = mpatch()
        .args(["find", "-B", "5", "-A", "5", "NEEDLE"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(stdout(&out).lines().count(), 6, "{}", stdout(&out));
    // Lines before a line longer than a stream keeps are not looked for,
    // in a file either: the two show the same.
    let far = s.file(
        "far",
        [&b"aaaa\n"[..], &vec![b'x'; 9000], b"\nab\n"].concat(),
    );
    let args = "find -B 2 --range 5: --regex '(?m)^a'";
    let file = sh(&format!("{BIN} {args} '{}'", far.display()));
    let stream = sh(&format!("{BIN} {args} - < '{}'", far.display()));
    assert_eq!(file.status.code(), Some(0), "{}", stderr(&file));
    assert_eq!(stdout(&stream), stdout(&file));
    assert_eq!(stdout(&file).lines().count(), 2, "{}", stdout(&file));
}

#[test]
fn a_preview_shows_each_window_before_and_after_the_whole_run() {
    let s = Sandbox::new();
    let f = s.file("f", "xxERRORERRORyy");
    let preview = "2- xx[ERROR]ERROR\n2+ xx[FIXED]FIXED\n7- ERROR[ERROR]yy\n7+ FIXED[FIXED]yy\n";
    let before = snapshot(&f);
    mpatch()
        .args([
            "replace",
            "--dry-run",
            "--byte-context",
            "5",
            "ERROR",
            "FIXED",
        ])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{preview}{}: 2 would be replaced\n", name(&f)));
    assert_unchanged_since(&f, &before);
    mpatch()
        .args(["replace", "--byte-context", "5", "ERROR", "FIXED"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{preview}{}: 2 replaced\n", name(&f)));
    assert_eq!(fs::read(&f).unwrap(), b"xxFIXEDFIXEDyy");
}
