//! Fitting the toolbox: colour on a terminal and never in a pipe, streams
//! (standard input, FIFOs), and sparse files searched without reading holes.

mod common;

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

const ESC: &str = "\x1b[";

/// Runs `mpatch ARGS` on a pseudo-terminal (script(1)) and returns what it
/// printed there.
fn on_a_terminal(args: &str, env: &[(&str, &str)]) -> String {
    let out = Command::new("script")
        .args(["-qec", &format!("{BIN} {args}"), "/dev/null"])
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    stdout(&out)
}

#[test]
fn colour_on_a_terminal_and_never_in_a_pipe_json_or_with_no_color() {
    if Command::new("script").arg("--version").output().is_err() {
        cannot_run("colour_on_a_terminal…", "script(1) is not installed");
        return;
    }
    let s = Sandbox::new();
    let f = s.file("f.log", "a ERROR here\n");
    let find = format!("find -H --byte-context 2 ERROR {}", f.display());
    let shown = on_a_terminal(&find, &[]);
    assert!(
        shown.contains(&format!("{ESC}35m{}{ESC}0m", f.display())),
        "path in magenta: {shown:?}"
    );
    assert!(
        shown.contains(&format!("{ESC}32m2{ESC}0m")),
        "offset in green: {shown:?}"
    );
    assert!(
        shown.contains(&format!("[{ESC}1;31mERROR{ESC}0m]")),
        "match in bold red: {shown:?}"
    );
    let preview = on_a_terminal(
        &format!("replace -n --byte-context 2 ERROR FIXED {}", f.display()),
        &[],
    );
    assert!(
        preview.contains(&format!("[{ESC}31mERROR{ESC}0m]")),
        "old in red: {preview:?}"
    );
    assert!(
        preview.contains(&format!("[{ESC}32mFIXED{ESC}0m]")),
        "new in green: {preview:?}"
    );

    assert!(
        !on_a_terminal(&find, &[("NO_COLOR", "1")]).contains(ESC),
        "NO_COLOR"
    );
    assert!(!on_a_terminal(&format!("find --json ERROR {}", f.display()), &[]).contains(ESC));
    assert!(
        !on_a_terminal(&format!("find --color never ERROR {}", f.display()), &[]).contains(ESC)
    );
    let piped = mpatch()
        .args(["find", "--byte-context", "2", "ERROR"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(stdout(&piped), "2: a [ERROR] h\n", "a pipe gets no colour");
    let forced = mpatch()
        .args(["find", "--color", "always", "ERROR"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(
        stdout(&forced).contains(ESC),
        "--color always colours a pipe too"
    );
}

#[test]
fn standard_input_is_searched_with_the_offsets_of_the_file() {
    let s = Sandbox::new();
    let mut bytes = Vec::new();
    for i in 0..50_000 {
        bytes.extend_from_slice(if i % 13 == 0 {
            b"..ERROR\n"
        } else {
            b"x-y-z-w\n"
        });
    }
    let f = s.file("f", &bytes);
    let from_file = mpatch()
        .args(["find", "-C", "3", "ERROR"])
        .arg(&f)
        .output()
        .unwrap();
    for args in [
        vec!["find", "-C", "3", "ERROR"],
        vec!["find", "-C", "3", "ERROR", "-"],
    ] {
        let out = mpatch()
            .args(&args)
            .pipe_stdin(&f)
            .unwrap()
            .output()
            .unwrap();
        assert_eq!(stdout(&out), stdout(&from_file), "{args:?}");
    }
    let count = mpatch()
        .args(["find", "-c", "ERROR"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    assert_eq!(stdout(&count), format!("{}\n", 50_000 / 13 + 1));
    let peek = mpatch()
        .args(["peek", "-", "7995", "20"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    let from_file = mpatch()
        .arg("peek")
        .arg(&f)
        .args(["7995", "20"])
        .output()
        .unwrap();
    assert_eq!(stdout(&peek), stdout(&from_file));
    let tail = mpatch()
        .args(["peek", "-f", "hex", "-", "-4"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    assert_eq!(
        stdout(&tail),
        "772d780a\n".replace("772d780a", &hex(&bytes[bytes.len() - 4..]))
    );
}

#[test]
fn a_match_split_across_two_reads_of_a_pipe_is_found_once() {
    let mut child = Command::new(BIN)
        .args(["find", "--byte-context", "2", "ERROR"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(b"abcERR").unwrap();
    input.flush().unwrap();
    // Only once mpatch has read the first part (the pipe holds nothing) is
    // the rest written, so its reads are split inside the match for sure.
    wait_until(
        "mpatch read the first part",
        Duration::from_secs(20),
        || rustix::io::ioctl_fionread(&input).unwrap() == 0,
    );
    input.write_all(b"ORdefERROR").unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out), "3: bc[ERROR]de\n11: ef[ERROR]\n");
}

#[test]
fn a_fifo_is_searched_by_find_and_refused_by_replace() {
    let s = Sandbox::new();
    let fifo = s.path("fifo");
    assert!(sh(&format!("mkfifo {}", fifo.display())).status.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::write(fifo, b"one ERROR two ERROR").unwrap())
    };
    let out = mpatch()
        .args(["find", "ERROR"])
        .arg(&fifo)
        .output()
        .unwrap();
    writer.join().unwrap();
    assert_eq!(stdout(&out), "4\n14\n", "{}", stderr(&out));
    let out = mpatch()
        .args(["replace", "ERROR", "FIXED"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert_error(&out, &fifo.display().to_string(), "is a FIFO");
    let out = mpatch()
        .args(["replace", "ERROR", "FIXED", "-"])
        .output()
        .unwrap();
    assert_error(&out, "-", "standard input cannot be mapped");
}

/// A sparse file and the same bytes written out: every search and replace
/// gives the same answer on both, patterns of zeros included.
#[test]
fn a_sparse_file_matches_as_its_bytes_read_with_zeros() {
    let s = Sandbox::new();
    let size = 64 << 20;
    let sparse = s.path("sparse");
    let file = File::create(&sparse).unwrap();
    file.set_len(size).unwrap();
    let pieces: [(u64, &[u8]); 4] = [
        (0, b"head\0\0ab"),
        (5 << 20, b"\0ab\0\0ERROR\0"),
        ((32 << 20) - 2, b"ab\0\0cd"),
        (size - 3, b"\0ab"),
    ];
    for (at, bytes) in pieces {
        file.write_all_at(bytes, at).unwrap();
    }
    drop(file);
    let dense = s.file("dense", fs::read(&sparse).unwrap());
    assert!(
        fs::metadata(&sparse).unwrap().blocks() * 512 < size / 2,
        "the file is sparse"
    );
    for args in [
        vec!["find", "-x", "0000"],
        vec!["find", "-c", "-x", "00"],
        vec!["find", "-x", "0061"],
        vec!["find", "-x", "6200"],
        vec!["find", "-x", "00000000000000000000000000000000"],
        vec!["find", "-e", "-p", "ab", "-p", "\\0\\0ab"],
        vec![
            "find", "-c", "-x", "-p", "0000", "-p", "000000", "-p", "00006364",
        ],
    ] {
        let on = |path: &std::path::Path| {
            let out = mpatch().args(&args).arg(path).output().unwrap();
            (stdout(&out), out.status.code())
        };
        assert_eq!(on(&sparse), on(&dense), "{args:?}");
    }
    for path in [&sparse, &dense] {
        let out = mpatch()
            .args(["replace", "-x", "000061", "2b2b61"])
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    assert!(
        fs::read(&sparse).unwrap() == fs::read(&dense).unwrap(),
        "both patched alike"
    );
}

/// On tmpfs a hole read through a mapping gets a page of memory; mpatch
/// visits only the data, so a search allocates nothing.
#[test]
fn searching_a_sparse_tmpfs_file_allocates_no_page() {
    let shm = std::path::Path::new("/dev/shm");
    if !shm.is_dir() {
        cannot_run(
            "searching_a_sparse_tmpfs_file_allocates_no_page",
            "no /dev/shm",
        );
        return;
    }
    let dir = tempfile::tempdir_in(shm).unwrap();
    let path = dir.path().join("sparse");
    let file = File::create(&path).unwrap();
    file.set_len(256 << 20).unwrap();
    file.write_all_at(b"ERROR", 100 << 20).unwrap();
    drop(file);
    let before = fs::metadata(&path).unwrap().blocks();
    let out = mpatch()
        .args(["find", "-c", "ERROR"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "1\n");
    let out = mpatch()
        .args(["find", "-c", "-x", "0000"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        format!("{}\n", ((100 << 20) / 2) + ((156 << 20) - 6) / 2)
    );
    assert_eq!(
        fs::metadata(&path).unwrap().blocks(),
        before,
        "no page was allocated"
    );
}
