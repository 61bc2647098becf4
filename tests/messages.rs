//! Messages that lead to the fix: a directory names -r, arguments in the
//! wrong order are named, a terminal on stdin is announced, numbers too
//! large say so, plurals agree and offsets echo as they were typed.

mod common;

use std::process::Command;

use common::*;

#[test]
fn a_directory_without_r_says_that_r_walks_it() {
    let s = Sandbox::new();
    std::fs::create_dir(s.path("proj")).unwrap();
    s.file("proj/a.txt", "ERROR");
    for args in [
        &["find", "ERROR", "proj"][..],
        &["replace", "ERROR", "FIXED", "proj"],
    ] {
        let out = s.run(args);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(stderr(&out), "mpatch: proj: is a directory (-r walks it)\n");
    }
}

#[test]
fn a_pattern_that_names_a_file_while_no_file_exists_is_called_out() {
    let s = Sandbox::new();
    s.file("big.log", "recieved\n");
    let out = s.run(&["replace", "big.log", "recieved", "received"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "mpatch: big.log: the first argument is the PATTERN, but this names a file and no \
         FILE given exists; the order is PATTERN REPLACEMENT FILE...\n"
    );
    let out = s.run(&["find", "big.log", "recieved"]);
    assert!(
        stderr(&out).ends_with("the order is PATTERN FILE...\n"),
        "{}",
        stderr(&out)
    );
    // A pattern that happens to name a file, with a FILE that exists, is
    // a pattern.
    let out = s.run(&["find", "-c", "big.log", "big.log"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), "0\n".into()));
    // `-` is standard input, a FILE that is there.
    let out = sh(&format!(
        "cd '{}' && printf 'x big.log' | {BIN} find big.log -",
        s.dir.path().display()
    ));
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "2\n".into()),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_error_stays_on_one_line_whatever_the_path_or_argument_holds() {
    let s = Sandbox::new();
    s.file("f", "foo");
    let out = s.run(&["find", "foo", "no\nsuch\rfile"]);
    assert_eq!(
        stderr(&out),
        "mpatch: no\\nsuch\\rfile: no such file or directory\n"
    );
    let out = s.run(&["replace", "--regex", "(?P<n>f)", "${n\nx}", "f"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn numbers_too_large_say_so_and_offsets_echo_as_typed() {
    let s = Sandbox::new();
    s.file("f", "0123456789");
    let out = s.run(&["peek", "f", "99999999999999999999"]);
    assert_eq!(
        stderr(&out),
        "mpatch: OFFSET: \"99999999999999999999\" is too large (at most 18446744073709551615)\n"
    );
    let out = s.run(&["poke", "f", "0x4", "a"]);
    assert_eq!(stdout(&out), "f: 1 byte written at offset 0x4\n");
    let out = s.run(&["poke", "-n", "f", "-2", "ab"]);
    assert_eq!(stdout(&out), "f: 2 bytes would be written at offset 8\n");
}

#[test]
fn quiet_and_json_together_are_refused() {
    let s = Sandbox::new();
    s.file("f", "ERROR");
    for args in [
        &["find", "-q", "--json", "ERROR", "f"][..],
        &["replace", "-q", "--json", "ERROR", "FIXED", "f"],
    ] {
        let out = s.run(args);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("'--quiet' cannot be used with '--json'"));
    }
    assert_eq!(std::fs::read(s.path("f")).unwrap(), b"ERROR");
}

/// Runs `mpatch find ERROR` with a pseudo-terminal as its stdin, types a
/// line and Ctrl-D, and reports stdout and stderr.
const STDIN_ON_A_TERMINAL: &str = r#"
import os, subprocess, sys, time
master, slave = os.openpty()
child = subprocess.Popen([sys.argv[1], "find", "ERROR"], stdin=slave,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
os.close(slave)
time.sleep(0.3)
os.write(master, b"an ERROR here\n")
time.sleep(0.1)
os.write(master, b"\x04")
out, err = child.communicate(timeout=30)
sys.stdout.write(out.decode() + "|" + err.decode())
"#;

#[test]
fn find_without_a_file_says_it_reads_a_terminal_on_stdin() {
    if Command::new("python3").arg("--version").output().is_err() {
        cannot_run("find_reads_a_terminal", "python3 is missing");
        return;
    }
    let out = Command::new("python3")
        .args(["-c", STDIN_ON_A_TERMINAL, BIN])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "3\n|mpatch: reading standard input, as no FILE was given (Ctrl-D ends it)\n"
    );
    // A pipe on stdin is read without a word.
    let out = mpatch()
        .args(["find", "ERROR"])
        .write_stdin("ERROR")
        .output()
        .unwrap();
    assert_eq!((stdout(&out), stderr(&out)), ("0\n".into(), String::new()));
}
