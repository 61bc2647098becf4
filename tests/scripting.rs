//! Scripting and binary patching end to end: selecting matches (`--nth`,
//! `--range`), output for scripts (`-l`, `--hex-offsets`, `-C`, `--json`),
//! guards (`--expect`, `--pad`), all-or-nothing runs over several files.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::process::Output;

use common::*;
use serde_json::Value;

/// Every stdout line parsed as one JSON object.
fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| {
            let value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
            assert!(value.is_object(), "not an object: {line:?}");
            value
        })
        .collect()
}

/// The keys of a JSON object, sorted.
fn keys(object: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = object
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

// --nth ---------------------------------------------------------------------

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

// --range -------------------------------------------------------------------

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

// -l, --hex-offsets, -C -----------------------------------------------------

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

// --json --------------------------------------------------------------------

#[test]
fn find_json_has_a_match_line_per_match_and_a_summary_per_file() {
    let s = Sandbox::new();
    s.file("a", "KEY at 0, KEY at 10");
    s.file("b", "none");
    s.file("c", "..KEY");
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["find", "--json", "KEY", "a", "b", "c"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = json_lines(&out);
    let summary = |v: &Value| (v["type"].clone(), v["path"].clone(), v["matches"].clone());
    let matched = |v: &Value| (v["type"].clone(), v["path"].clone(), v["offset"].clone());
    assert_eq!(lines.len(), 6, "{lines:?}");
    assert_eq!(matched(&lines[0]), ("match".into(), "a".into(), 0.into()));
    assert_eq!(matched(&lines[1]), ("match".into(), "a".into(), 10.into()));
    assert_eq!(summary(&lines[2]), ("summary".into(), "a".into(), 2.into()));
    assert_eq!(summary(&lines[3]), ("summary".into(), "b".into(), 0.into()));
    assert_eq!(matched(&lines[4]), ("match".into(), "c".into(), 2.into()));
    assert_eq!(summary(&lines[5]), ("summary".into(), "c".into(), 1.into()));
    for line in [&lines[0], &lines[1], &lines[4]] {
        assert_eq!(keys(line), ["bytes", "offset", "path", "type"]);
        assert_eq!(line["bytes"], "4b4559");
    }
    for (line, size) in [(&lines[2], 19), (&lines[3], 4), (&lines[5], 5)] {
        for key in ["type", "path", "matches", "bytes_scanned", "elapsed_ms"] {
            assert!(line.get(key).is_some(), "{key} missing: {line}");
        }
        assert_eq!(line["bytes_scanned"], size, "{line}");
        assert!(line["elapsed_ms"].is_u64(), "{line}");
    }
}

#[test]
fn find_json_with_no_match_still_has_a_summary_and_exits_1() {
    let s = Sandbox::new();
    s.file("a", "nothing here");
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["find", "--json", "KEY", "a"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["type"], "summary");
    assert_eq!(lines[0]["matches"], 0);
}

#[test]
fn replace_json_match_lines_have_old_and_new() {
    let s = Sandbox::new();
    let f = s.file("f", "ERR, ERR");
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["replace", "--json", "ERR", "fix", "f"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (line, offset) in [(&lines[0], 0), (&lines[1], 5)] {
        assert_eq!(
            keys(line),
            ["bytes", "new", "offset", "old", "path", "type"]
        );
        assert_eq!(line["type"], "match");
        assert_eq!(line["path"], "f");
        assert_eq!(line["offset"], offset);
        assert_eq!(line["bytes"], "455252");
        assert_eq!(line["old"], "455252");
        assert_eq!(line["new"], "666978");
    }
    assert_eq!(lines[2]["type"], "summary");
    assert_eq!(lines[2]["path"], "f");
    assert_eq!(lines[2]["matches"], 2);
    assert_eq!(lines[2]["bytes_scanned"], 8);
    assert!(lines[2]["elapsed_ms"].is_u64());
    assert_eq!(fs::read(&f).unwrap(), b"fix, fix");
}

#[test]
fn json_carries_bytes_that_are_not_utf8_as_hex() {
    let s = Sandbox::new();
    let f = s.file("f", b"a\xff\x00b\xff\x00");
    let found = mpatch()
        .args(["find", "--json", "-x", "ff00"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    let lines = json_lines(&found);
    assert_eq!(lines.len(), 3);
    for (line, offset) in [(&lines[0], 1), (&lines[1], 4)] {
        assert_eq!(line["offset"], offset);
        assert_eq!(from_hex(line["bytes"].as_str().unwrap()), b"\xff\x00");
    }
    let replaced = mpatch()
        .args(["replace", "--json", "-x", "ff00", "00ff"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(replaced.status.code(), Some(0), "{}", stderr(&replaced));
    let lines = json_lines(&replaced);
    assert_eq!(lines.len(), 3);
    for line in &lines[..2] {
        assert_eq!(from_hex(line["old"].as_str().unwrap()), b"\xff\x00");
        assert_eq!(from_hex(line["new"].as_str().unwrap()), b"\x00\xff");
    }
    assert_eq!(fs::read(&f).unwrap(), b"a\x00\xffb\x00\xff");
}

#[test]
fn json_path_that_is_not_utf8_is_lossy_plus_path_hex() {
    let s = Sandbox::new();
    let bad = OsStr::from_bytes(b"bad\xffname");
    fs::write(s.dir.path().join(bad), "a KEY").unwrap();
    s.file("good", "KEY");
    for command in [
        &["find", "--json", "KEY"][..],
        &["replace", "--json", "--dry-run", "KEY", "key"],
    ] {
        let out = mpatch()
            .current_dir(s.dir.path())
            .args(command)
            .arg(bad)
            .arg("good")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{command:?}: {}", stderr(&out));
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 4, "{lines:?}");
        for line in &lines[..2] {
            assert_eq!(line["path"], "bad\u{fffd}name", "{line}");
            assert_eq!(line["path_hex"], "626164ff6e616d65", "{line}");
        }
        for line in &lines[2..] {
            assert_eq!(line["path"], "good", "{line}");
            assert!(line.get("path_hex").is_none(), "{line}");
        }
    }
}

// Several files for replace -------------------------------------------------

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

// poke ----------------------------------------------------------------------

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
