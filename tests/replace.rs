//! replace: the bytes sed gives, dry runs, and the differential test of the
//! one scan: for literals, several literals,
//! `-i`, signatures and regexes (`\b`, `^`, `$`, captures), with ranges,
//! `--nth` and `-m`, every driver (a walk, a split into segments of a few
//! bytes, a stream read a few bytes at a time, a real file written through
//! a tiny buffer) gives exactly the naive oracle's edits and bytes; and each
//! run says which driver ran, so a test that asked for a split fails when
//! none happened.

mod common;
use std::fs::{self};
use std::io::Read;
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use common::oracle::{self, Pattern};
use common::*;
use mpatch::scan::{At, Driver, Edit, Flow, MakeSink, Run, Settings, Sink, Sinks, Tally, Wants};
use mpatch::{Error, Matcher, RangeSpec, Replace, Replacement, Signature, Watch};
use proptest::prelude::*;

/// The edits a sink was shown: offset, old bytes, new bytes.
type Edits = Vec<(usize, Vec<u8>, Vec<u8>)>;

/// Every edit shown to it, collected (per thread, joined at the end).
struct Collect<'a> {
    all: &'a Mutex<Edits>,
    mine: Edits,
    wants: Wants,
    /// Runs of more than one match given at once, by every sink.
    runs: &'a AtomicU64,
}

impl Sink for Collect<'_> {
    fn wants(&self) -> Wants {
        self.wants
    }
    fn edit(&mut self, edit: &Edit, _: &At) -> Result<Flow, Error> {
        if let Some(last) = self.mine.last() {
            assert!(last.0 + last.1.len() <= edit.start, "edits out of order");
        }
        let new = edit.new.expect("a replace's edit").to_vec();
        self.mine.push((edit.start, edit.old.to_vec(), new));
        Ok(Flow::Go)
    }
    fn run(&mut self, run: &Run, at: &At) -> Result<Flow, Error> {
        assert_ne!(
            self.wants,
            Wants::Ordered,
            "runs for a sink that wants each edit"
        );
        self.runs
            .fetch_add(u64::from(run.count > 1), Ordering::Relaxed);
        for i in 0..run.count {
            self.edit(&run.edit(i), at)?;
        }
        Ok(Flow::Go)
    }
    fn finish(&mut self, _: &Tally) -> Result<(), Error> {
        self.all.lock().unwrap().append(&mut self.mine);
        Ok(())
    }
}

/// A case: the patterns, what replaces each match, the selection.
#[derive(Debug, Clone)]
struct Case {
    kind: Kind,
    range: (Option<i64>, Option<i64>),
    nth: Option<u64>,
    max: Option<u64>,
}

#[derive(Debug, Clone)]
enum Kind {
    /// Literals (`fold`: `-i`), replaced by the pattern's own index letter.
    Literals {
        patterns: Vec<Vec<u8>>,
        fold: bool,
        mask: bool,
    },
    /// One signature with wildcards; its replacement keeps the match's
    /// bytes under wildcards.
    Signature { pattern: Pattern, keep: Pattern },
    /// A regex and its template.
    Regex {
        expression: &'static str,
        template: &'static [u8],
        bounded: bool,
    },
}

/// The regexes tried: assertions that look around a match, captures, and
/// ones without a longest match (never split, never streamed).
const REGEXES: &[(&str, &[u8], bool)] = &[
    (r"\b([a-z])(-)", b"$2$1", true),
    (r"([a-z])b\b", b"${1}#", true),
    (r"(?m)^a{1,2}", b"${0}", true),
    (r"b$", b"X", true),
    (r"^a", b"Y", true),
    (r"(?m)(a)$", b"${1}", true),
    (r"\Bab", b"BA", true),
    (r"(é)\b", b"E!", true),
    (r"a(b|-)a", b"$1$1$1", true),
    (r"(\w)\w\b", b"${1}#", true),
    (r"a+b", b"", false),
];

fn case() -> impl Strategy<Value = Case> {
    let pattern =
        || proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'-')], 1..4);
    let literals = (
        proptest::collection::vec(pattern(), 1..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(patterns, fold, mask)| Kind::Literals {
            patterns,
            fold,
            mask,
        });
    let signature = proptest::collection::vec((prop_oneof![Just(b'a'), Just(b'b')], 0u8..3), 2..5)
        .prop_map(|cells| {
            let mut pattern = Pattern {
                bytes: Vec::new(),
                mask: Vec::new(),
            };
            let mut keep = Pattern {
                bytes: Vec::new(),
                mask: Vec::new(),
            };
            for (i, (byte, wild)) in cells.iter().enumerate() {
                // Never only wildcards: the first cell is a whole byte.
                let (b, m) = match (*wild, i) {
                    (0, _) | (_, 0) => (*byte, 0xff),
                    (1, _) => (0, 0),
                    _ => (*byte & 0xf0, 0xf0),
                };
                pattern.bytes.push(b);
                pattern.mask.push(m);
                keep.bytes.push(if m == 0 { 0 } else { b'Z' });
                keep.mask.push(if m == 0 { 0 } else { 0xff });
            }
            Kind::Signature { pattern, keep }
        });
    let regex = (0..REGEXES.len()).prop_map(|i| Kind::Regex {
        expression: REGEXES[i].0,
        template: REGEXES[i].1,
        bounded: REGEXES[i].2,
    });
    let end = || prop_oneof![3 => Just(None), 1 => (-20i64..400).prop_map(Some)];
    (
        prop_oneof![2 => literals, 1 => signature, 2 => regex],
        (end(), end()),
        prop_oneof![4 => Just(None), 1 => (1u64..6).prop_map(Some)],
        prop_oneof![4 => Just(None), 1 => (0u64..6).prop_map(Some)],
    )
        .prop_map(|(kind, (start, end), nth, max)| {
            // Ends counted the same way are kept in order.
            let range = match (start, end) {
                (Some(a), Some(b)) if (a >= 0) == (b >= 0) && a > b => (Some(b), Some(a)),
                other => other,
            };
            Case {
                kind,
                range,
                nth,
                max,
            }
        })
}

fn haystack() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        4 => Just(&b"a"[..]), 3 => Just(&b"b"[..]), 2 => Just(&b"-"[..]), 1 => Just(&b"A"[..]),
        1 => Just(&b" "[..]), 1 => Just(&b"\n"[..]), 1 => Just("é".as_bytes()), 1 => Just(&b"\x00"[..]),
        // Runs where one match's end is the next one's look-behind.
        3 => Just(&b"a-"[..]), 2 => Just(&b"b-"[..]), 1 => Just(&b"ab "[..]),
        // Matches back to back past a segment and its margins: a split's
        // runs, which the join hands on in part while scans go on.
        1 => Just(&[b'a'; 40][..]),
    ];
    prop_oneof![
        4 => proptest::collection::vec(token.clone(), 0..160),
        1 => proptest::collection::vec(token, 600..1500),
    ]
    .prop_map(|tokens| tokens.concat())
}

/// The matcher and replacement of a case.
fn build(kind: &Kind) -> (Matcher, Replacement) {
    match kind {
        Kind::Literals {
            patterns,
            fold,
            mask,
        } => {
            let matcher = Matcher::literals(patterns.clone(), *fold).unwrap();
            let replacement = match mask {
                true => Replacement::Mask(b'#'),
                false => Replacement::Table(
                    patterns
                        .iter()
                        .enumerate()
                        .map(|(n, p)| vec![b'0' + n as u8; p.len()])
                        .collect(),
                ),
            };
            (matcher, replacement)
        }
        Kind::Signature { pattern, keep } => {
            let signature = Signature {
                bytes: pattern.bytes.clone(),
                mask: pattern.mask.clone(),
            };
            let keep = Signature {
                bytes: keep.bytes.clone(),
                mask: keep.mask.clone(),
            };
            (
                Matcher::signatures(vec![signature], false).unwrap(),
                Replacement::Keep(vec![keep]),
            )
        }
        Kind::Regex {
            expression,
            template,
            ..
        } => (
            Matcher::regex(expression.as_bytes(), false).unwrap(),
            Replacement::Expand(template.to_vec()),
        ),
    }
}

/// The oracle's edits for a case, or `None` when a regex's expansion is
/// not as long as its match (then every driver must refuse).
fn expected(hay: &[u8], case: &Case, start: usize, end: usize) -> Option<Edits> {
    let all: Vec<(usize, usize, Vec<u8>)> = match &case.kind {
        Kind::Literals {
            patterns,
            fold,
            mask,
        } => {
            let patterns: Vec<Pattern> = patterns.iter().map(|p| Pattern::literal(p)).collect();
            oracle::literals(hay, &patterns, *fold, start, end)
                .into_iter()
                .map(|(s, e, n)| {
                    let new = match mask {
                        true => vec![b'#'; e - s],
                        false => vec![b'0' + n as u8; e - s],
                    };
                    (s, e, new)
                })
                .collect()
        }
        Kind::Signature { pattern, keep } => {
            oracle::literals(hay, std::slice::from_ref(pattern), false, start, end)
                .into_iter()
                .map(|(s, e, _)| {
                    let new = hay[s..e]
                        .iter()
                        .zip(keep.bytes.iter().zip(&keep.mask))
                        .map(|(&b, (&v, &m))| v & m | b & !m)
                        .collect();
                    (s, e, new)
                })
                .collect()
        }
        Kind::Regex {
            expression,
            template,
            ..
        } => oracle::regex(hay, expression, start, end, Some(template))
            .into_iter()
            .map(|((s, e, _), new)| (s, e, new))
            .collect(),
    };
    let selected = oracle::select(&all, case.nth, case.max);
    if selected.iter().any(|(s, e, new)| new.len() != e - s) {
        return None;
    }
    Some(
        selected
            .into_iter()
            .map(|(s, e, new)| (s, hay[s..e].to_vec(), new))
            .collect(),
    )
}

fn range_spec(case: &Case) -> RangeSpec {
    let text = |end: Option<i64>| end.map_or(String::new(), |n| n.to_string());
    RangeSpec::parse(&format!("{}:{}", text(case.range.0), text(case.range.1))).unwrap()
}

fn plan<'m>(
    matcher: &'m Matcher,
    replacement: &'m Replacement,
    case: &Case,
    settings: Settings,
) -> Replace<'m> {
    let mut replace = Replace::new(matcher, replacement)
        .range(range_spec(case))
        .settings(settings)
        .sync(false);
    if let Some(nth) = case.nth {
        replace = replace.nth(nth);
    }
    if let Some(max) = case.max {
        replace = replace.max(max);
    }
    replace
}

/// Hands out its bytes in reads of the sizes `sizes` cycles through.
struct Uneven {
    bytes: Vec<u8>,
    at: usize,
    sizes: Vec<usize>,
    turn: usize,
}

impl Read for Uneven {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes[self.turn % self.sizes.len()];
        self.turn += 1;
        let n = size.min(buf.len()).min(self.bytes.len() - self.at);
        buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The edits `replace` shows, sorted, its tally, and how many runs of
/// more than one match came at once: to one sink that wants each edit in
/// order, or (`per_thread`) to a sink per thread that takes runs.
fn edits_of(replace: &Replace, hay: &[u8], per_thread: bool) -> Result<(Edits, Tally, u64), Error> {
    let all = Mutex::new(Vec::new());
    let runs = AtomicU64::new(0);
    let tally = if per_thread {
        let make: &MakeSink = &|| {
            Box::new(Collect {
                all: &all,
                mine: Vec::new(),
                wants: Wants::Edits,
                runs: &runs,
            })
        };
        replace.scan(hay, Sinks::PerThread(make))?
    } else {
        let mut one = Collect {
            all: &all,
            mine: Vec::new(),
            wants: Wants::Ordered,
            runs: &runs,
        };
        replace.scan(hay, Sinks::One(&mut one))?
    };
    let mut edits = all.into_inner().unwrap();
    edits.sort();
    Ok((edits, tally, runs.into_inner()))
}

/// The edits `replace` shows when it reads `input` as a stream, to one
/// sink that `wants` them so, its tally, and how many runs came at once.
fn stream_edits(
    replace: &Replace,
    input: impl Read + Send + 'static,
    wants: Wants,
) -> Result<(Edits, Tally, u64), Error> {
    let (all, runs) = (Mutex::new(Vec::new()), AtomicU64::new(0));
    let mut one = Collect {
        all: &all,
        mine: Vec::new(),
        wants,
        runs: &runs,
    };
    let tally = replace.scan_stream(input, &mut one)?;
    Ok((all.into_inner().unwrap(), tally, runs.into_inner()))
}

/// The walk and the stream again, to a sink that takes runs (as the writer
/// does): one literal's matches back to back come at once, and must, in one
/// segment and in one read (`stream`: the case can be read as a stream).
fn in_runs(
    replace: &Replace,
    case: &Case,
    hay: &[u8],
    expected: &Edits,
    stream: bool,
) -> Result<(), TestCaseError> {
    let long = Settings {
        threads: 1,
        segment: 1 << 20,
        read_max: 0,
        chunk: hay.len() + 1,
        ..Settings::new()
    };
    let replace = replace.clone().settings(long);
    let (edits, tally, runs) = edits_of(&replace, hay, true).unwrap();
    prop_assert_eq!(&edits, expected, "walk, runs");
    prop_assert_eq!(tally.driver, Driver::Walk);
    let mut given = vec![runs];
    if stream {
        let input = std::io::Cursor::new(hay.to_vec());
        let (edits, tally, runs) = stream_edits(&replace, input, Wants::Edits).unwrap();
        prop_assert_eq!(tally.driver, Driver::Stream);
        prop_assert_eq!(&edits, expected, "stream, runs");
        given.push(runs);
    }
    let one_literal =
        matches!(&case.kind, Kind::Literals { patterns, fold: false, .. } if patterns.len() == 1);
    let selects_all = case.nth.is_none() && case.max.is_none();
    let back_to_back = expected.windows(2).any(|w| w[0].0 + w[0].1.len() == w[1].0);
    for runs in given {
        if one_literal && selects_all && back_to_back {
            prop_assert!(runs > 0, "matches back to back given one by one");
        } else if !(one_literal && selects_all) {
            prop_assert_eq!(runs, 0, "a run where each edit is its own");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn every_driver_gives_the_oracle_s_edits(
        hay in haystack(),
        case in case(),
        segment in prop_oneof![1usize..8, 8usize..64],
        threads in 2usize..4,
        chunk in 1usize..16,
        sizes in proptest::collection::vec(1usize..9, 1..4),
        buffer in 1usize..64,
        stores in prop_oneof![Just(0usize), 1usize..3],
    ) {
        let (matcher, replacement) = build(&case.kind);
        let (start, end) = range_spec(&case).resolve(hay.len() as u64);
        let expected = expected(&hay, &case, start as usize, end as usize);
        let selects_all = case.nth.is_none() && case.max.is_none();
        let bounded = !matches!(case.kind, Kind::Regex { bounded: false, .. });

        // The walk: one thread.
        let walk = Settings { threads: 1, segment, read_max: 0, ..Settings::new() };
        let walked = edits_of(&plan(&matcher, &replacement, &case, walk), &hay, false);
        // The split: segments of a few bytes on several threads, whenever
        // every match is selected and matches have a longest length.
        let split = Settings { threads, segment, split_min: 0, split_cold: true, read_max: 0, ..Settings::new() };
        let splitted = edits_of(&plan(&matcher, &replacement, &case, split), &hay, true);
        match &expected {
            None => {
                prop_assert!(walked.is_err(), "a bad expansion must be refused");
                prop_assert!(splitted.is_err(), "a bad expansion must be refused");
                return Ok(());
            }
            Some(expected) => {
                let (edits, tally, runs) = walked.unwrap();
                prop_assert_eq!(runs, 0, "runs for a sink that wants each edit");
                prop_assert_eq!(&edits, expected, "walk");
                prop_assert_eq!(tally.driver, Driver::Walk);
                prop_assert_eq!(tally.matches, expected.len() as u64);
                let (edits, tally, _) = splitted.unwrap();
                prop_assert_eq!(&edits, expected, "split");
                let wanted = if selects_all && bounded && end > start { Driver::Split } else { Driver::Walk };
                prop_assert_eq!(tally.driver, wanted, "the driver asked for");
                prop_assert_eq!(tally.matches, expected.len() as u64);
            }
        }
        let expected = expected.unwrap();

        let from_end = matches!(case.range, (Some(a), _) if a < 0) || matches!(case.range, (_, Some(b)) if b < 0);
        let stream = bounded && !from_end;
        in_runs(&plan(&matcher, &replacement, &case, walk), &case, &hay, &expected, stream)?;
        let patched = oracle::apply(&hay, &expected.iter().map(|(s, _, n)| (*s, n.clone())).collect::<Vec<_>>());
        let (bytes, _) = plan(&matcher, &replacement, &case, split).bytes(&hay).unwrap();
        prop_assert_eq!(&bytes, &patched, "bytes");

        // The stream: reads of a few bytes, a buffer of a few bytes. A
        // range counted from the end needs a file.
        if stream {
            let stream = Settings { chunk, ..Settings::new() };
            let input = Uneven { bytes: hay.clone(), at: 0, sizes, turn: 0 };
            let (edits, tally, _) = stream_edits(&plan(&matcher, &replacement, &case, stream), input, Wants::Ordered).unwrap();
            prop_assert_eq!(tally.driver, Driver::Stream);
            prop_assert_eq!(edits, expected.clone(), "stream");
        }

        // A real file, written through a writer of a few bytes (split when
        // it can be), and its dry run.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        std::fs::write(&path, &hay).unwrap();
        let dry = plan(&matcher, &replacement, &case, split).dry_run(true).files(&[&path]).unwrap();
        prop_assert_eq!(dry.matches, expected.len() as u64);
        prop_assert_eq!(&std::fs::read(&path).unwrap(), &hay, "a dry run writes nothing");
        // Written with one pwrite a run (stores 0) or, runs in neighbouring
        // blocks, stored through a mapping; a buffer longer than the file
        // sends every run through the choice, which then must have run.
        let real = plan(&matcher, &replacement, &case, split).buffer(buffer).stores(stores).files(&[&path]).unwrap();
        prop_assert_eq!(real.matches, expected.len() as u64);
        prop_assert_eq!(&std::fs::read(&path).unwrap(), &patched, "the real run");
        let stored = real.files[0].tally.stored;
        if stores == 0 {
            prop_assert_eq!(stored, 0, "stores(0) stores nothing");
        } else if stores == 1 && buffer > hay.len() && !expected.is_empty() {
            prop_assert!(stored > 0, "stores(1) stores every run");
        }
        // Shown to a sink of one's own (as the printer is), the same edits.
        std::fs::write(&path, &hay).unwrap();
        let mut watch = Watched(Vec::new());
        let run = plan(&matcher, &replacement, &case, split).buffer(buffer);
        run.files_watched(&[path.clone().into_os_string()], &mut watch).unwrap();
        prop_assert_eq!(watch.0, expected, "watched");
        prop_assert_eq!(&std::fs::read(&path).unwrap(), &patched, "the watched run");
    }
}

/// A watch that keeps every edit, as a printer sees them.
struct Watched(Edits);

impl Watch for Watched {
    fn edits<'w>(&'w mut self, _: &'w std::path::Path) -> Option<Box<dyn Sink + 'w>> {
        struct Into<'v>(&'v mut Edits);
        impl Sink for Into<'_> {
            fn wants(&self) -> Wants {
                Wants::Ordered
            }
            fn edit(&mut self, edit: &Edit, _: &At) -> Result<Flow, Error> {
                let new = edit.new.expect("a replace's edit").to_vec();
                self.0.push((edit.start, edit.old.to_vec(), new));
                Ok(Flow::Go)
            }
        }
        Some(Box::new(Into(&mut self.0)))
    }
}

// ---------------------------------------------------------------------------
// The breaks issue 21 reported, through the binary

/// The bytes Python's `re.sub(expression, template, data)` gives (the
/// regex crate's `replace_all` has the same semantics).
fn re_sub(data: &[u8], expression: &str, template: &[u8]) -> Vec<u8> {
    regex::bytes::Regex::new(expression)
        .unwrap()
        .replace_all(data, template)
        .into_owned()
}

#[test]
fn a_regex_split_across_the_cores_edits_from_the_bytes_as_they_were() {
    // 64 MiB, cached (just written): split in segments of 8 MiB. A run of
    // `a-b-c-…` straddles the first segment's end, where each match's `\b`
    // depends on the byte the match before it replaces.
    let mut data = b"line of text, nothing to see\n".repeat((64 << 20) / 29 + 1);
    let edge = 8 << 20;
    let run = b"a-b-c-d-e-f-g-h-i-j-k-".repeat(40);
    data[edge - run.len() / 2..edge - run.len() / 2 + run.len()].copy_from_slice(&run);
    let s = common::Sandbox::new();
    let file = s.file("big.log", &data);
    let out = common::mpatch()
        .args([
            "replace",
            "--no-sync",
            "--regex",
            r"\b([a-z])(-)",
            "${2}${1}",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let expected = re_sub(&data, r"\b([a-z])(-)", b"${2}${1}");
    let got = std::fs::read(&file).unwrap();
    let differ = got.iter().zip(&expected).filter(|(a, b)| a != b).count();
    assert_eq!(differ, 0, "{differ} bytes differ from re.sub");
}

#[test]
fn a_range_is_the_haystack_its_expansions_come_from() {
    let s = common::Sandbox::new();
    // The bytes, the range, the regex, its template, what Python gives.
    type Case<'a> = (&'a [u8], &'a str, &'a str, &'a str, &'a [u8]);
    let cases: [Case; 2] = [
        (b"abcxbc", "0:3", "([a-z])bc$", "${1}ZZ", b"aZZxbc"),
        (b"abcd ef", "0:2", r"(\w)\w\b", "${1}#", b"a#cd ef"),
    ];
    for (data, range, expression, template, wanted) in cases {
        let file = s.file("f", data);
        let out = common::mpatch()
            .args(["replace", "--range", range, "--regex", expression, template])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
        // Python: pattern.sub on data[start:end], as finditer(data, 0, end).
        let (start, end) = range.split_once(':').unwrap();
        let (start, end): (usize, usize) = (start.parse().unwrap(), end.parse().unwrap());
        let mut python = data.to_vec();
        python[start..end].copy_from_slice(&re_sub(
            &data[start..end],
            expression,
            template.as_bytes(),
        ));
        assert_eq!(python, wanted);
        assert_eq!(
            std::fs::read(&file).unwrap(),
            wanted,
            "{range} {expression}"
        );
    }
}

/// Runs mpatch with `args` and returns whether it succeeded and the bytes
/// it passed to write calls (`wchar`). A shell runs it and then prints its
/// own `/proc` io, which holds the reaped child's (the kernel adds a
/// child's counts to its parent's when it reaps it), and writes nothing
/// itself: a zombie's own `/proc/PID/io` is root's to read only.
fn bytes_written_by(args: &[&std::ffi::OsStr]) -> (bool, u64) {
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(r#""$0" "$@" >/dev/null && cat /proc/$$/io"#)
        .arg(common::BIN)
        .args(args)
        .output()
        .unwrap();
    let io = String::from_utf8(out.stdout).unwrap();
    let wchar = io
        .lines()
        .find_map(|line| line.strip_prefix("wchar: "))
        .map(|n| n.parse().unwrap());
    (out.status.success() && wchar.is_some(), wchar.unwrap_or(0))
}

#[test]
fn a_write_carries_only_the_bytes_the_run_changes() {
    // 8 MiB with a match every 100 bytes (every block holds changes: they
    // are stored through a mapping, no write call at all), then 8 MiB with
    // one every 9,000 (one pwrite each, of the match alone). Writes that
    // joined nearby matches would carry the gap bytes between them too.
    let line = |len: usize| {
        let mut line = vec![b'.'; len];
        line[..5].copy_from_slice(b"ERROR");
        line
    };
    let (dense, sparse) = ((8 << 20) / 100, (8 << 20) / 9000);
    let data = [line(100).repeat(dense), line(9000).repeat(sparse)].concat();
    let s = common::Sandbox::new();
    let file = s.file("big.log", &data);
    let args = ["replace", "-q", "--no-sync", "ERROR", "FIXED"].map(std::ffi::OsStr::new);
    let (ok, written) = bytes_written_by(&[&args[..], &[file.as_os_str()]].concat());
    assert!(ok, "mpatch failed, or the shell printed no io");
    // The first sparse match follows the last dense one: stored with them.
    assert_eq!(
        written,
        5 * (sparse - 1) as u64,
        "bytes passed to write calls"
    );
    assert!(fs::read(&file).unwrap() == re_sub(&data, "ERROR", b"FIXED"));
}

/// Another process's writer: at each edit it writes a byte of its own in
/// the middle of the gap before it (bytes the scan has passed), which the
/// replace must keep.
struct Foreign {
    file: fs::File,
    wrote: Vec<usize>,
}

/// The sink through which [`Foreign`] sees the edits of its file.
struct Gaps<'f> {
    foreign: &'f mut Foreign,
    end: usize,
}

impl Sink for Gaps<'_> {
    fn wants(&self) -> Wants {
        Wants::Ordered
    }
    fn edit(&mut self, edit: &Edit, _: &At) -> Result<Flow, Error> {
        if edit.start > self.end + 1 {
            let at = (self.end + edit.start) / 2;
            self.foreign.file.write_all_at(b"Z", at as u64).unwrap();
            self.foreign.wrote.push(at);
        }
        self.end = edit.end();
        Ok(Flow::Go)
    }
}

impl Watch for Foreign {
    fn edits<'w>(&'w mut self, _: &'w std::path::Path) -> Option<Box<dyn Sink + 'w>> {
        Some(Box::new(Gaps {
            foreign: self,
            end: 0,
        }))
    }
}

#[test]
fn bytes_another_process_writes_between_matches_are_never_put_back() {
    // Dense matches (every block holds several: stored through a mapping)
    // and sparse ones (one pwrite each), held in a writer's buffer while
    // another writer changes the gaps before them.
    let mut data = Vec::new();
    for i in 0..20_000usize {
        let gap = if i % 1000 < 500 {
            7 + i % 13
        } else {
            9000 + i % 7
        };
        data.extend(std::iter::repeat_n(b'.', gap));
        data.extend_from_slice(b"ERROR");
    }
    let matcher = Matcher::literal(b"ERROR").unwrap();
    let replacement = Replacement::Table(vec![b"FIXED".to_vec()]);
    for stores in [0, 1, 32] {
        let s = common::Sandbox::new();
        let path = s.file("log", &data);
        let mut foreign = Foreign {
            file: fs::OpenOptions::new().write(true).open(&path).unwrap(),
            wrote: Vec::new(),
        };
        let report = Replace::new(&matcher, &replacement)
            .buffer(64 << 10)
            .stores(stores)
            .files_watched(&[path.clone().into_os_string()], &mut foreign)
            .unwrap();
        assert_eq!(report.matches, 20_000);
        let mut expected = re_sub(&data, "ERROR", b"FIXED");
        for &at in &foreign.wrote {
            expected[at] = b'Z';
        }
        assert_eq!(foreign.wrote.len(), 20_000, "a gap before each match");
        let stored = report.files[0].tally.stored;
        match stores {
            0 => assert_eq!(stored, 0),
            _ => assert!(
                stored > 0,
                "stores({stores}): nothing stored through a mapping"
            ),
        }
        assert!(
            fs::read(&path).unwrap() == expected,
            "stores({stores}): a byte was put back"
        );
    }
}

/// The permissions of the mappings process `pid` holds of inode `ino`.
fn mapping_permissions(pid: u32, ino: u64) -> Vec<String> {
    let ino = ino.to_string();
    std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .unwrap_or_default()
        .lines()
        .filter(|line| line.split_whitespace().nth(4) == Some(ino.as_str()))
        .filter_map(|line| line.split_whitespace().nth(1).map(str::to_owned))
        .collect()
}

#[test]
fn a_scattered_replace_maps_the_file_read_only_and_writes_with_pwrite() {
    use std::os::unix::fs::MetadataExt;
    // Large enough to be mapped (and to be watched while it runs); a match
    // every 9,000 bytes, never two in neighbouring blocks.
    let mut line = [b'.'; 9000];
    line[..5].copy_from_slice(b"ERROR");
    let s = common::Sandbox::new();
    let file = s.file("big.log", line.repeat((64 << 20) / 9000));
    let ino = std::fs::metadata(&file).unwrap().ino();
    let child = common::spawn_mapped(
        std::process::Command::new(common::BIN)
            .args(["replace", "-q", "--no-sync", "ERROR", "FIXED"])
            .arg(&file),
        &file,
    );
    let seen = mapping_permissions(child.id(), ino);
    let out = common::output_within(child, std::time::Duration::from_secs(60));
    assert!(out.status.success(), "{}", common::stderr(&out));
    // A mapping the writes would go through is writable ("rw-s"): the
    // scan's is read-only and shared, and every byte of a scattered patch
    // reaches the file by pwrite (whose bytes the test above counts).
    assert!(!seen.is_empty(), "mpatch ended before its mapping was seen");
    assert!(
        seen.iter().all(|perms| perms == "r--s"),
        "the file is mapped {seen:?}"
    );
}

#[test]
fn replace_gives_the_bytes_sed_gives_and_keeps_the_inode() {
    let s = Sandbox::new();
    let f = s.file("app.log", fs::read(SAMPLE_LOG).unwrap());
    let link = s.path("hardlink.log");
    fs::hard_link(&f, &link).unwrap();
    let before = fs::metadata(&f).unwrap();
    let sed = sh(&format!("sed 's/ERROR/FIXED/g' {SAMPLE_LOG}"));
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
fn dry_run_reports_and_changes_nothing() {
    let s = Sandbox::new();
    let f = s.file("app.log", fs::read(SAMPLE_LOG).unwrap());
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
fn a_regex_replace_never_reads_its_own_writes() {
    // Replacing `é` byte by byte makes a `\b` before each `a`; on the
    // bytes as they were there is none, so no `a` is replaced.
    let sandbox = Sandbox::new();
    let original = b"\xC3\xA9a".repeat(200_000);
    let want: Vec<u8> = b"--a".repeat(200_000);
    let regex = r"(?-u:\xC3|\xA9)|\ba";
    let fresh = |name: &str| sandbox.file(name, &original);

    let dry = fresh("dry");
    let out = run(&["replace", "--regex", "--dry-run", regex, "-", s(&dry)]);
    assert_eq!(
        stdout(&out),
        format!("{}: 400000 would be replaced\n", s(&dry))
    );

    let real = fresh("real");
    let out = run(&["replace", "--regex", regex, "-", s(&real)]);
    assert_eq!(stdout(&out), format!("{}: 400000 replaced\n", s(&real)));
    assert!(fs::read(&real).unwrap() == want, "the real run wrote more");

    let json = fresh("json");
    let out = run(&["replace", "--regex", "--json", regex, "-", s(&json)]);
    let matches = stdout(&out)
        .lines()
        .filter(|l| l.contains(r#""type":"match""#))
        .count();
    assert_eq!(matches, 400_000);
    assert!(fs::read(&json).unwrap() == want, "--json wrote more");

    let preview = fresh("preview");
    let out = run(&["replace", "--regex", "-C", "2", regex, "-", s(&preview)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::read(&preview).unwrap() == want, "-C wrote more");

    let journalled = fresh("journalled");
    let journal = sandbox.path("fix.mpj");
    let out = run(&[
        "replace",
        "--regex",
        "--expect",
        "400000",
        "--journal",
        s(&journal),
        regex,
        "-",
        s(&journalled),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::read(&journalled).unwrap() == want);
    let out = run(&["undo", s(&journal)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        fs::read(&journalled).unwrap() == original,
        "undo left a byte changed"
    );
}

#[test]
fn a_replace_reports_the_bytes_appended_while_it_ran() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("app.log", b"x ERROR\n".repeat(60_000));
    let child = spawn_blocked_on_stdout(&["replace", "-C", "3", "ERROR", "FIXED", s(&path)]);
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all_at(b"ERROR\n", 480_000)
        .unwrap();
    let (status, out, err) = drain(child);
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(
        out.ends_with(&format!(
            "{}: 60000 replaced (6 bytes appended during the run, not searched)\n",
            s(&path)
        )),
        "{}",
        out.lines().last().unwrap_or_default()
    );
}
