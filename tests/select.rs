//! Which matches a command acts on: `--nth`, `--range` and `-m`, for find
//! and replace, on small files and on a large one split across threads.

mod common;
use std::fs::{self};
use std::os::unix::fs::FileExt;

use common::*;

#[test]
fn find_nth_prints_only_the_nth_match() {
    let s = Sandbox::new();
    let f = s.file("f", "ab ab ab ab");
    for (nth, offset) in [("1", "0\n"), ("3", "6\n"), ("4", "9\n")] {
        mpatch()
            .args(["find", "--nth", nth, "ab"])
            .arg(&f)
            .assert()
            .code(0)
            .stdout(offset)
            .stderr("");
    }
}

#[test]
fn nth_wins_over_max_count_even_of_zero_for_a_file_and_a_stream() {
    let s = Sandbox::new();
    s.file("f", "ab ab ab ab");
    for max in ["0", "1", "5"] {
        let out = s.run(&["find", "--nth", "3", "-m", max, "ab", "f"]);
        assert_eq!(
            (out.status.code(), stdout(&out)),
            (Some(0), "6\n".into()),
            "-m {max}"
        );
        let out = sh(&format!(
            "printf 'ab ab ab ab' | {BIN} find --nth 3 -m {max} ab -"
        ));
        assert_eq!(
            (out.status.code(), stdout(&out)),
            (Some(0), "6\n".into()),
            "-m {max}"
        );
    }
    let out = s.run(&["replace", "--nth", "2", "-m", "0", "ab", "XY", "f"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(s.path("f")).unwrap(), b"ab XY ab ab");
    // Without --nth, -m 0 selects nothing.
    let out = s.run(&["find", "-m", "0", "ab", "f"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
}

#[test]
fn find_nth_counts_non_overlapping_matches() {
    let s = Sandbox::new();
    // `aa` in `aaaaa` is at 0 and 2; the second match is 2, not 1.
    let f = s.file("f", "aaaaa");
    mpatch()
        .args(["find", "--nth", "2", "aa"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("2\n");
}

#[test]
fn replace_nth_writes_only_the_nth_match() {
    let s = Sandbox::new();
    let f = s.file("f", "ab ab ab ab");
    mpatch()
        .args(["replace", "--nth", "3", "ab", "XY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{}: 1 replaced\n", f.display()));
    assert_eq!(fs::read(&f).unwrap(), b"ab ab XY ab");
}

#[test]
fn find_nth_past_the_count_matches_nothing() {
    let s = Sandbox::new();
    let f = s.file("f", "ab ab ab ab");
    mpatch()
        .args(["find", "--nth", "5", "ab"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
}

#[test]
fn replace_nth_past_the_count_writes_nothing() {
    let s = Sandbox::new();
    let f = s.file("f", "ab ab ab ab");
    let before = aged_snapshot(&f);
    mpatch()
        .args(["replace", "--nth", "5", "ab", "XY"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(format!("{}: 0 replaced\n", f.display()));
    assert_eq!(snapshot(&f), before);
}

#[test]
fn nth_zero_is_refused() {
    let s = Sandbox::new();
    let f = s.file("f", "ab ab");
    let before = aged_snapshot(&f);
    for command in [
        &["find", "--nth", "0", "ab"][..],
        &["replace", "--nth", "0", "ab", "XY"],
    ] {
        let out = mpatch().args(command).arg(&f).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{command:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("--nth"), "{}", stderr(&out));
    }
    assert_eq!(snapshot(&f), before);
}

/// 40 bytes with `XY` at 9, 20 and 28, dots elsewhere.
fn range_file(s: &Sandbox) -> std::path::PathBuf {
    let mut bytes = vec![b'.'; 40];
    for at in [9, 20, 28] {
        bytes[at..at + 2].copy_from_slice(b"XY");
    }
    s.file("range", bytes)
}

#[test]
fn range_includes_matches_touching_both_ends() {
    let s = Sandbox::new();
    let f = range_file(&s);
    // [9, 30): one match starts exactly at START, one ends exactly at END.
    mpatch()
        .args(["find", "--range", "9:30", "XY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("9\n20\n28\n");
}

#[test]
fn range_excludes_matches_crossing_either_end() {
    let s = Sandbox::new();
    let f = range_file(&s);
    // [10, 29): 9 straddles START, 28 starts at END - 1.
    mpatch()
        .args(["find", "--range", "10:29", "XY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("20\n");
}

#[test]
fn range_takes_hex_bounds() {
    let s = Sandbox::new();
    let f = range_file(&s);
    mpatch()
        .args(["find", "--range", "0x9:0x1e", "XY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("9\n20\n28\n");
    mpatch()
        .args(["find", "--range", "0xa:0x1d", "XY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("20\n");
}

#[test]
fn range_ends_may_be_left_out() {
    let s = Sandbox::new();
    let f = range_file(&s);
    mpatch()
        .args(["find", "--range", "10:", "XY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("20\n28\n");
    mpatch()
        .args(["find", "--range", ":29", "XY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("9\n20\n");
    mpatch()
        .args(["find", "--range", ":", "XY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("9\n20\n28\n");
}

#[test]
fn range_negative_start_counts_from_the_end() {
    let s = Sandbox::new();
    let f = range_file(&s);
    // The file is 40 bytes: -12 is 28, -11 is 29.
    mpatch()
        .args(["find", "--range=-12:", "XY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("28\n");
    mpatch()
        .args(["find", "--range=-11:", "XY"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn range_that_cannot_be_read_is_refused() {
    let s = Sandbox::new();
    let f = range_file(&s);
    for range in ["10", "a:b", "0x:5"] {
        let out = mpatch()
            .args(["find", "--range", range, "XY"])
            .arg(&f)
            .output()
            .unwrap();
        assert_error(&out, "--range", range.split(':').next().unwrap());
    }
}

#[test]
fn range_with_no_match_inside_is_exit_1() {
    let s = Sandbox::new();
    let f = range_file(&s);
    mpatch()
        .args(["find", "--range", "10:20", "XY"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn replace_range_writes_only_inside_the_range() {
    let s = Sandbox::new();
    let f = range_file(&s);
    let mut expected = fs::read(&f).unwrap();
    mpatch()
        .args(["replace", "--range", "10:29", "XY", "xy"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{}: 1 replaced\n", f.display()));
    expected[20..22].copy_from_slice(b"xy");
    assert_eq!(fs::read(&f).unwrap(), expected);
}

/// A sparse 100 MiB file with `KEY!` at 3 MiB, then across three of the
/// 16 MiB segment boundaries of a split scan that starts one byte later
/// (the last one 80 MiB on), and at 50 MiB; returns its path and the offsets.
fn big_file(s: &Sandbox) -> (std::path::PathBuf, [u64; 5]) {
    const MIB: u64 = 1 << 20;
    let path = s.path("big");
    let file = fs::File::create(&path).unwrap();
    file.set_len(100 * MIB).unwrap();
    let first = 3 * MIB;
    let offsets = [
        first,
        first + 1 + 16 * MIB - 2,
        first + 1 + 32 * MIB - 1,
        50 * MIB,
        first + 1 + 80 * MIB - 2,
    ];
    for at in offsets {
        file.write_all_at(b"KEY!", at).unwrap();
    }
    (path, offsets)
}

#[test]
fn range_bounds_hold_when_a_large_file_is_split_across_threads() {
    // From 64 MiB on, an unlimited count or replace is cut into 16 MiB
    // segments scanned by several threads; the bounds must be the same there.
    let s = Sandbox::new();
    let (path, [first, cross1, cross2, middle, last]) = big_file(&s);
    // [first, last + 4): the first match starts at START, the last ends at
    // END (and crosses the boundary of the segments that start at `first`).
    let touching = format!("{first}:{}", last + 4);
    // [first + 1, last + 3): the first straddles START, the last crosses
    // END (and the boundary of the segments that start at `first + 1`).
    let crossing = format!("{}:{}", first + 1, last + 3);
    for (range, count) in [(&touching, 5), (&crossing, 3)] {
        mpatch()
            .args(["find", "-c", "--range", range, "KEY!"])
            .arg(&path)
            .assert()
            .code(0)
            .stdout(format!("{count}\n"));
    }
    mpatch()
        .args(["replace", "--range", &crossing, "KEY!", "key?"])
        .arg(&path)
        .assert()
        .code(0)
        .stdout(format!("{}: 3 replaced\n", path.display()));
    let file = fs::File::open(&path).unwrap();
    let at = |offset: u64| {
        let mut four = [0u8; 4];
        file.read_exact_at(&mut four, offset).unwrap();
        four
    };
    for offset in [cross1, cross2, middle] {
        assert_eq!(&at(offset), b"key?", "inside, at {offset}");
    }
    for offset in [first, last] {
        assert_eq!(&at(offset), b"KEY!", "outside, at {offset}");
    }
    assert_eq!(fs::metadata(&path).unwrap().len(), 100 << 20);
}

#[test]
fn range_ends_outside_the_file_are_cut_to_it() {
    let s = Sandbox::new();
    let f = s.file("short", "XY.XY");
    mpatch()
        .args(["find", "--range=-1024:", "XY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("0\n3\n");
    mpatch()
        .args(["find", "--range", "2:4096", "XY"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout("3\n");
    let out = mpatch()
        .args(["find", "--range", "0x:5", "XY"])
        .arg(&f)
        .output()
        .unwrap();
    assert_error(&out, "--range", "\"0x\" is not a number");
    assert!(
        !stderr(&out).contains("--range: --range"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_file_named_twice_is_refused_and_listed_twice_is_one_file() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("f", "hello\n");
    let out = mpatch()
        .current_dir(sandbox.dir.path())
        .args(["replace", "hello", "HELLO", "f", "./f"])
        .output()
        .unwrap();
    assert_error_line(
        &out,
        "./f",
        "is named twice (the same file under two names)",
    );
    assert_eq!(fs::read(&path).unwrap(), b"hello\n");
    sandbox.file("list", "f\nf\n");
    let out = mpatch()
        .current_dir(sandbox.dir.path())
        .args([
            "replace",
            "--lock-timeout",
            "1",
            "--files-from",
            "list",
            "hello",
            "HELLO",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "f: 1 replaced\n1 file searched, 1 matched, 1 patched, 1 replaced\n"
    );
    assert_eq!(stderr(&out), "");
    assert_eq!(fs::read(&path).unwrap(), b"HELLO\n");
}

#[test]
fn a_reversed_range_is_an_error_and_minus_zero_is_the_start() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("f", "ab ab ab");
    for range in ["10:2", "-2:-5"] {
        let out = mpatch()
            .args(["find", &format!("--range={range}"), "ab"])
            .arg(&path)
            .output()
            .unwrap();
        assert_error_line(&out, "--range", &format!("{range:?}: START is after END"));
    }
    let out = mpatch()
        .args(["find", "--range=-0:", "ab"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "0\n3\n6\n", "{}", stderr(&out));
    let out = mpatch()
        .args(["find", "--range=:-0", "ab"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    // Ends that only cross in this file make an empty range, as in Python.
    let out = mpatch()
        .args(["find", "--range=6:-5", "ab"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!((out.status.code(), stderr(&out)), (Some(1), String::new()));
}
