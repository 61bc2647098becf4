//! The differential test of the one scan: real run == dry run == what a
//! report shows == a naive apply of the original bytes' matches to a `Vec`.

use proptest::prelude::*;

use crate::engine::matcher::{Matcher, Replacement};
use crate::engine::pass::{self, Hit, Plan, Sink};
use crate::error::Error;
use crate::io::bytesink::{ByteSink, Shape};
use crate::io::target::{Access, Target};

/// A shown match: offset, the window before the run and after it.
type Shown = (usize, Vec<u8>, Vec<u8>);

struct Collect {
    shows: bool,
    hits: Vec<Shown>,
}

impl Sink for Collect {
    fn wants_hits(&self) -> bool {
        self.shows
    }

    fn hit(&mut self, hit: &Hit) -> Result<bool, Error> {
        let after = hit.after.unwrap_or(hit.before).to_vec();
        self.hits.push((hit.offset, hit.before.to_vec(), after));
        Ok(true)
    }
}

struct Ran {
    file: Vec<u8>,
    matches: u64,
    hits: Vec<Shown>,
}

fn run(
    bytes: &[u8],
    matcher: &Matcher,
    replacement: &Replacement,
    context: Option<usize>,
    dry_run: bool,
    shape: Shape,
) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, bytes).unwrap();
    let target = Target::open(path.as_os_str(), Access::Write, false).unwrap();
    // A mapping, not the read copy small files get: it shows the run's
    // own writes, as a large file's view does.
    let view = target.map().unwrap();
    let plan = Plan {
        matcher,
        replacement: Some(replacement),
        range: (0, bytes.len()),
        nth: None,
        max: None,
        context: context.unwrap_or(0),
    };
    let mut sink = Collect {
        shows: context.is_some(),
        hits: Vec::new(),
    };
    let mut out = match dry_run {
        true => ByteSink::dry_run(&target),
        false => ByteSink::with_shape(&target, None, shape),
    };
    let tally = pass::run(&target, &view, &plan, &mut sink, Some(&mut out), &()).unwrap();
    out.finish(false).unwrap();
    drop(view);
    Ran {
        file: std::fs::read(&path).unwrap(),
        matches: tally.matches,
        hits: sink.hits,
    }
}

/// Leftmost-longest, non-overlapping matches of literals, by brute force.
fn naive_literals(hay: &[u8], patterns: &[Vec<u8>], fold: bool) -> Vec<(usize, usize, usize)> {
    let eq = |a: &[u8], b: &[u8]| match fold {
        true => a.eq_ignore_ascii_case(b),
        false => a == b,
    };
    let mut found = Vec::new();
    let mut i = 0;
    while i < hay.len() {
        let best = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| hay.len() - i >= p.len() && eq(&hay[i..i + p.len()], p))
            .max_by_key(|(n, p)| (p.len(), std::cmp::Reverse(*n)));
        match best {
            Some((n, p)) => {
                found.push((i, i + p.len(), n));
                i += p.len();
            }
            None => i += 1,
        }
    }
    found
}

/// The original bytes with every `(start, end, new)` made.
fn naive_apply(hay: &[u8], edits: &[(usize, usize, Vec<u8>)]) -> Vec<u8> {
    let mut out = hay.to_vec();
    for (start, end, new) in edits {
        assert_eq!(end - start, new.len());
        out[*start..*end].copy_from_slice(new);
    }
    out
}

/// Every way of running the same plan agrees with the naive result.
fn check_agree(
    bytes: &[u8],
    matcher: &Matcher,
    replacement: &Replacement,
    expected: &[(usize, usize, Vec<u8>)],
    context: usize,
    shape: Shape,
) -> Result<(), TestCaseError> {
    let want = naive_apply(bytes, expected);
    let real = run(bytes, matcher, replacement, None, false, shape);
    let shown = run(bytes, matcher, replacement, Some(context), false, shape);
    let dry = run(bytes, matcher, replacement, Some(context), true, shape);
    let dry_count = run(bytes, matcher, replacement, None, true, shape);
    prop_assert_eq!(&real.file, &want, "real run");
    prop_assert_eq!(&shown.file, &want, "real run with a preview");
    prop_assert_eq!(&dry.file, bytes, "a dry run writes nothing");
    for ran in [&real, &shown, &dry, &dry_count] {
        prop_assert_eq!(ran.matches, expected.len() as u64);
    }
    prop_assert_eq!(&shown.hits, &dry.hits, "dry run shows what the run does");
    let offsets: Vec<usize> = shown.hits.iter().map(|h| h.0).collect();
    let naive: Vec<usize> = expected.iter().map(|e| e.0).collect();
    prop_assert_eq!(offsets, naive);
    for (offset, before, after) in &shown.hits {
        let lead = context.min(*offset);
        let start = offset - lead;
        let end = start + before.len();
        prop_assert_eq!(&before[..], &bytes[start..end], "before at {}", offset);
        prop_assert_eq!(&after[..], &want[start..end], "after at {}", offset);
    }
    Ok(())
}

fn text() -> impl Strategy<Value = Vec<u8>> {
    let alphabet: Vec<&'static [u8]> = vec![b"a", b"b", b"c", b"A", b" ", b"\n", "é".as_bytes()];
    prop::collection::vec(prop::sample::select(alphabet), 1..200).prop_map(|parts| parts.concat())
}

fn shape() -> impl Strategy<Value = Shape> {
    (1usize..24, 1usize..96).prop_map(|(gap, buffer)| Shape { gap, buffer })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn literals_agree(
        bytes in text(),
        patterns in prop::collection::vec(
            prop::collection::vec(prop::sample::select(b"abcA".to_vec()), 1..4), 1..4),
        fold in any::<bool>(),
        context in 0usize..6,
        shape in shape(),
    ) {
        let matcher = Matcher::literals(patterns.clone(), fold).unwrap();
        // Each pattern is replaced by its bytes shifted: same length, other bytes.
        let table: Vec<Vec<u8>> = patterns
            .iter()
            .map(|p| p.iter().map(|b| b.wrapping_add(1)).collect())
            .collect();
        let expected: Vec<_> = naive_literals(&bytes, &patterns, fold)
            .into_iter()
            .map(|(s, e, n)| (s, e, table[n].clone()))
            .collect();
        check_agree(&bytes, &matcher, &Replacement::Table(table), &expected, context, shape)?;
    }

    #[test]
    fn regexes_that_look_around_agree(
        bytes in text(),
        expression in prop::sample::select(vec![
            r"\ba", r"a\b", r"(?m)^b", r"(?m)c$", r"\bab|c\b", r"(?-u:\xC3|\xA9)|\ba",
            r"\Ba\B", r"(?m)^[ab]+$", r"(?i)\bAB",
        ]),
        mask in prop::sample::select(vec![b'-', b'a', b'b', b' ', b'\n', 0xA9]),
        context in 0usize..6,
        shape in shape(),
    ) {
        let matcher = Matcher::regex(expression.as_bytes(), false).unwrap();
        let regex = regex::bytes::Regex::new(expression).unwrap();
        let expected: Vec<_> = regex
            .find_iter(&bytes)
            .map(|m| (m.start(), m.end(), vec![mask; m.len()]))
            .collect();
        check_agree(&bytes, &matcher, &Replacement::Mask(mask), &expected, context, shape)?;
    }

    #[test]
    fn regex_expansions_agree(
        bytes in text(),
        context in 0usize..6,
        shape in shape(),
    ) {
        // Swapping two letters after a word boundary: each expansion is
        // as long as its match, and worked out on the bytes as they were.
        let expression = r"\b([abc])([abc ])";
        let matcher = Matcher::regex(expression.as_bytes(), false).unwrap();
        let regex = regex::bytes::Regex::new(expression).unwrap();
        let expected: Vec<_> = regex
            .captures_iter(&bytes)
            .map(|c| {
                let m = c.get(0).unwrap();
                let new = [&c[2], &c[1]].concat();
                (m.start(), m.end(), new)
            })
            .collect();
        let replacement = Replacement::Expand(b"${2}${1}".to_vec());
        check_agree(&bytes, &matcher, &replacement, &expected, context, shape)?;
    }
}

#[test]
fn a_search_never_reads_this_runs_writes() {
    // The issue's reproduction, small: replacing `é` byte by byte makes a
    // `\b` before each `a`; on the bytes as they were there is none.
    let bytes = "éa".repeat(2000).into_bytes();
    let expression = r"(?-u:\xC3|\xA9)|\ba";
    let matcher = Matcher::regex(expression.as_bytes(), false).unwrap();
    let expected: Vec<_> = (0..2000)
        .flat_map(|i| {
            [
                (3 * i, 3 * i + 1, b"-".to_vec()),
                (3 * i + 1, 3 * i + 2, b"-".to_vec()),
            ]
        })
        .collect();
    for shape in [
        Shape::DEFAULT,
        Shape { gap: 1, buffer: 1 },
        Shape { gap: 8, buffer: 64 },
    ] {
        check_agree(
            &bytes,
            &matcher,
            &Replacement::Mask(b'-'),
            &expected,
            2,
            shape,
        )
        .unwrap();
    }
}
