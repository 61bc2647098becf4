//! Split scans on files large enough to be cut across threads: every
//! matcher's count and replace against a naive oracle over the same bytes.

mod common;

use std::fs;

use common::oracle::{self, Pattern};
use common::{Sandbox, mpatch, stdout};
use regex::bytes::Regex;

const MIB: usize = 1 << 20;
/// Above the size from which a cached file is split (64 MiB), and not a
/// multiple of a segment (8 MiB).
const SIZE: usize = 66 * MIB + 12_345;

/// Bytes over `ab` with a few `c` and newlines: dense matches that overlap
/// themselves and each other, everywhere, the segment boundaries included;
/// stretches of `a` only, where `aa` and `aaa` overlap at every byte.
fn data() -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut out = Vec::with_capacity(SIZE);
    while out.len() < SIZE {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if state.is_multiple_of(97) {
            let run = (state >> 20) as usize % 5000;
            out.extend(std::iter::repeat_n(b'a', run));
            continue;
        }
        out.push(match (state >> 32) % 16 {
            0..=6 => b'a',
            7..=12 => b'b',
            13 => b'A',
            14 => b'c',
            _ => b'\n',
        });
    }
    out.truncate(SIZE);
    out
}

/// The one oracle's leftmost-longest matches, as (offset, pattern).
fn naive(
    hay: &[u8],
    patterns: &[&[u8]],
    fold: bool,
    start: usize,
    end: usize,
) -> Vec<(usize, usize)> {
    let patterns: Vec<Pattern> = patterns.iter().map(|p| Pattern::literal(p)).collect();
    oracle::literals(hay, &patterns, fold, start, end)
        .into_iter()
        .map(|(at, _, n)| (at, n))
        .collect()
}

/// Runs `args` on a fresh copy of the data and checks its count, then
/// `replace --no-sync` with `replace_args` and the bytes it leaves.
fn check(name: &str, find_args: &[&str], replace_args: &[&str], expected: &[u8], count: usize) {
    let s = Sandbox::new();
    let original = data();
    let path = s.file(name, &original);
    let out = mpatch()
        .arg("find")
        .arg("-c")
        .args(find_args)
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        format!("{count}\n"),
        "{name}: find -c {find_args:?}"
    );
    let out = mpatch()
        .args(["replace", "--no-sync"])
        .args(replace_args)
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{name}: {:?}", out);
    let now = fs::read(&path).unwrap();
    assert_eq!(now.len(), expected.len());
    if let Some(at) = now.iter().zip(expected).position(|(a, b)| a != b) {
        panic!(
            "{name}: first difference at {at}: {:?} against {:?}",
            String::from_utf8_lossy(&now[at.saturating_sub(8)..(at + 8).min(now.len())]),
            String::from_utf8_lossy(&expected[at.saturating_sub(8)..(at + 8).min(now.len())]),
        );
    }
}

fn replaced(hay: &[u8], found: &[(usize, usize)], news: &[&[u8]]) -> Vec<u8> {
    let mut out = hay.to_vec();
    for &(at, n) in found {
        out[at..at + news[n].len()].copy_from_slice(news[n]);
    }
    out
}

#[test]
fn several_literals_split_as_the_walk_finds_them() {
    let hay = data();
    let pats: [&[u8]; 3] = [b"ab", b"aba", b"bb"];
    let found = naive(&hay, &pats, false, 0, hay.len());
    let expected = replaced(&hay, &found, &[b"XY", b"XYZ", b"QQ"]);
    check(
        "several",
        &["-p", "ab", "-p", "aba", "-p", "bb"],
        &[
            "--pair", "ab", "XY", "--pair", "aba", "XYZ", "--pair", "bb", "QQ",
        ],
        &expected,
        found.len(),
    );
}

#[test]
fn a_self_overlapping_literal_splits_as_the_walk_finds_it() {
    let hay = data();
    for (pat, new) in [(&b"aa"[..], &b"bb"[..]), (b"aaa", b"bcb"), (b"aba", b"bab")] {
        let found = naive(&hay, &[pat], false, 0, hay.len());
        let expected = replaced(&hay, &found, &[new]);
        let (pat, new) = (
            std::str::from_utf8(pat).unwrap(),
            std::str::from_utf8(new).unwrap(),
        );
        check(pat, &[pat], &[pat, new], &expected, found.len());
    }
}

#[test]
fn an_ignore_case_literal_splits_as_the_walk_finds_it() {
    let hay = data();
    let found = naive(&hay, &[b"aBa"], true, 0, hay.len());
    let expected = replaced(&hay, &found, &[b"xyz"]);
    check(
        "fold",
        &["-i", "aBa"],
        &["-i", "aBa", "xyz"],
        &expected,
        found.len(),
    );
}

#[test]
fn a_regex_with_assertions_splits_as_the_walk_finds_it() {
    let hay = data();
    for expr in [r"\bab{1,3}", r"(?m)^a{1,3}", r"ba$|(?m)b$", "a{2}"] {
        let found: Vec<_> = Regex::new(expr)
            .unwrap()
            .find_iter(&hay)
            .map(|m| m.range())
            .collect();
        let mut expected = hay.clone();
        for range in &found {
            expected[range.clone()].fill(b'-');
        }
        check(
            "regex",
            &["--regex", expr],
            &["--regex", expr, "--mask", "-"],
            &expected,
            found.len(),
        );
    }
}

#[test]
fn a_range_that_starts_inside_a_segment_is_split_the_same() {
    let hay = data();
    let (start, end) = (1_000_003, hay.len() - 777);
    let found = naive(&hay, &[b"aa", b"b"], false, start, end);
    let expected = replaced(&hay, &found, &[b"bb", b"a"]);
    let range = format!("{start}:{end}");
    check(
        "range",
        &["--range", &range, "-p", "aa", "-p", "b"],
        &["--range", &range, "--pair", "aa", "bb", "--pair", "b", "a"],
        &expected,
        found.len(),
    );
}
