//! Sparse files: only their data is read, with the results of reading the
//! holes as zeros; zeros in a hole counted by arithmetic; no page allocated.

mod common;
use std::fs::{self, File};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use common::*;

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

/// A sparse file of `len` bytes holding `pieces` (offset, bytes) and zeros
/// elsewhere, made with `truncate` and positioned writes, or `None` where
/// the file system cannot hold it.
fn sparse(path: &Path, len: u64, pieces: &[(u64, &[u8])]) -> Option<File> {
    let file = File::create(path).unwrap();
    file.set_len(len).ok()?;
    for &(at, bytes) in pieces {
        file.write_all_at(bytes, at).unwrap();
    }
    Some(file)
}

/// The count of a pattern of `p` zeros in a file of `len` bytes whose
/// non-zero bytes are at `marks`: each run of zeros between them holds
/// `run / p` matches.
fn zero_runs_count(len: u64, marks: &[u64], p: u64) -> u64 {
    let mut count = 0;
    let mut from = 0;
    for &mark in marks {
        count += (mark - from) / p;
        from = mark + 1;
    }
    count + (len - from) / p
}

/// `find ARGS` of a sparse file, which must end well within the time a
/// match-by-match count of its hole would take.
fn timed_find(args: &[&str], file: &Path) -> (Output, Duration) {
    let started = Instant::now();
    let out = within(bin().arg("find").args(args).arg(file));
    (out, started.elapsed())
}

const TIB: u64 = 1 << 40;

#[test]
fn zeros_in_a_1_tib_hole_are_counted_by_arithmetic_in_under_a_second() {
    let s = Sandbox::new();
    let path = s.path("hole.img");
    if sparse(&path, TIB, &[]).is_none() {
        return cannot_run(
            "zeros_in_a_1_tib_hole",
            "the temp folder cannot hold a 1 TiB sparse file",
        );
    }
    for (pattern, expected) in [("00", TIB), ("0000", TIB / 2), ("000000", TIB / 3)] {
        let (out, took) = timed_find(&["-c", "-x", pattern], &path);
        assert_eq!(
            stdout(&out),
            format!("{expected}\n"),
            "-x {pattern}: {}",
            stderr(&out)
        );
        assert!(took < Duration::from_secs(1), "-x {pattern} took {took:?}");
    }
    // Several patterns: the longest of zeros wins inside the hole.
    let (out, took) = timed_find(&["-c", "-x", "-p", "00", "-p", "000000", "-p", "61"], &path);
    // 2^40 = 3 * (TIB / 3) + 1: one zero is left for the one-byte pattern.
    assert_eq!(
        stdout(&out),
        format!("{}\n", TIB / 3 + 1),
        "{}",
        stderr(&out)
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
    fs::remove_file(&path).unwrap();
}

#[test]
fn zeros_around_data_in_a_1_tib_sparse_file_count_as_arithmetic_says() {
    let s = Sandbox::new();
    let path = s.path("data.img");
    let middle = TIB / 2 + 7;
    let pieces: &[(u64, &[u8])] = &[
        (4095, b"a"),
        (8192, b"b"),
        (middle, b"cd"),
        (middle + 5, b"e"),
        (TIB - 2, b"f"),
    ];
    if sparse(&path, TIB, pieces).is_none() {
        return cannot_run(
            "zeros_around_data",
            "the temp folder cannot hold a 1 TiB sparse file",
        );
    }
    let marks = [4095, 8192, middle, middle + 1, middle + 5, TIB - 2];
    for p in 1..=5u64 {
        let pattern = "00".repeat(p as usize);
        let (out, took) = timed_find(&["-c", "-x", &pattern], &path);
        assert_eq!(
            stdout(&out),
            format!("{}\n", zero_runs_count(TIB, &marks, p)),
            "-x {pattern}: {}",
            stderr(&out)
        );
        assert!(took < Duration::from_secs(1), "-x {pattern} took {took:?}");
    }
    // Patterns with zeros at an edge of the data, where data meets hole:
    // `a` is the last byte of the first block, `b` the first of the third.
    let (out, _) = timed_find(&["-x", "6100"], &path);
    assert_eq!(stdout(&out), "4095\n");
    let (out, _) = timed_find(&["-x", "000062"], &path);
    assert_eq!(stdout(&out), "8190\n");
    let (out, _) = timed_find(&["-x", "0063640000"], &path);
    assert_eq!(stdout(&out), format!("{}\n", middle - 1));
    let (out, _) = timed_find(&["-x", "66000000"], &path);
    assert_eq!((stdout(&out), out.status.code()), (String::new(), Some(1)));
    let (out, _) = timed_find(&["-x", "6600"], &path);
    assert_eq!(stdout(&out), format!("{}\n", TIB - 2));
    // -m and --nth still select single matches inside the hole.
    let (out, _) = timed_find(&["-x", "--nth", "3", "0000"], &path);
    assert_eq!(stdout(&out), "4\n");
    let (out, _) = timed_find(&["-c", "-m", "5", "-x", "00"], &path);
    assert_eq!(stdout(&out), "5\n");
    fs::remove_file(&path).unwrap();
}
