//! Many patterns in one pass: -p and -f for find, --pair and -f for
//! replace, -i, --regex with same-length expansion, --mask; checked on real
//! files against a naive leftmost-longest oracle, across segment boundaries.

mod common;

use std::fs;
use std::io::Write;
use std::process::Stdio;

use common::*;

/// The one oracle's leftmost-longest matches: (offset, pattern).
fn oracle(hay: &[u8], patterns: &[&[u8]]) -> Vec<(usize, usize)> {
    let patterns: Vec<common::oracle::Pattern> = patterns
        .iter()
        .map(|p| common::oracle::Pattern::literal(p))
        .collect();
    common::oracle::literals(hay, &patterns, false, 0, hay.len())
        .into_iter()
        .map(|(at, _, n)| (at, n))
        .collect()
}

#[test]
fn find_takes_patterns_from_options_and_a_file_skipping_blanks_and_comments() {
    let s = Sandbox::new();
    let f = s.file("f", "cat dog catalog doggy bird");
    let list = s.file("list", "# animals\n\ndog\ncatalog\n");
    let out = run(&[
        "find",
        "-p",
        "cat",
        "-f",
        list.to_str().unwrap(),
        f.to_str().unwrap(),
    ]);
    assert_eq!(stdout(&out), "0\n4\n8\n16\n", "{}", stderr(&out));
    // -f - reads the list from standard input.
    let mut child = std::process::Command::new(BIN)
        .args(["find", "-c", "-f", "-"])
        .arg(&f)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"bird\ndoggy\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out), "2\n");
}

#[test]
fn replace_applies_every_pair_in_one_pass_and_never_rescans_a_replacement() {
    let s = Sandbox::new();
    let f = s.file("f", "ab ba abba aab");
    let pairs = s.file("pairs", "ab\tba\n# swap back\nba\tab\n");
    let out = run(&[
        "replace",
        "-f",
        pairs.to_str().unwrap(),
        f.to_str().unwrap(),
    ]);
    assert_eq!(
        stdout(&out),
        format!("{}: 5 replaced\n", f.display()),
        "{}",
        stderr(&out)
    );
    // Each pair applied where the original bytes matched, left to right.
    assert_eq!(fs::read(&f).unwrap(), b"ba ab baab aba");
    // Pairs may differ in length from each other; --pair works the same.
    let g = s.file("g", "ERROR warn ERROR");
    let out = run(&[
        "replace",
        "--pair",
        "ERROR",
        "FIXED",
        "--pair",
        "warn",
        "WARN",
        g.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&g).unwrap(), b"FIXED WARN FIXED");
}

#[test]
fn a_bad_pair_line_names_the_file_and_line_and_writes_nothing() {
    let s = Sandbox::new();
    let f = s.file("f", "ERROR warn");
    let before = snapshot(&f);
    let cases = [
        ("ERROR\tFIXED\nwarn WARN\n", "2: no tab between OLD and NEW"),
        ("\n#x\nERROR\tFIX\n", "3: NEW is 3 bytes but OLD is 5 bytes"),
        ("ERROR\tFIXED\n\tX\n", "2: is empty"),
    ];
    for (text, reason) in cases {
        let pairs = s.file("pairs", text);
        let out = run(&[
            "replace",
            "-f",
            pairs.to_str().unwrap(),
            f.to_str().unwrap(),
        ]);
        assert_error(
            &out,
            &format!("{}:{}", pairs.display(), &reason[..1]),
            &reason[3..],
        );
        assert_eq!(snapshot(&f), before, "nothing written");
    }
    // --pad fills a short NEW, as for a single pair.
    let pairs = s.file("pairs", "ERROR\tOK\n");
    let out = run(&[
        "replace",
        "--pad",
        " ",
        "-f",
        pairs.to_str().unwrap(),
        f.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"OK    warn");
}

#[test]
fn ignore_case_matches_ascii_letters_and_writes_the_replacement_as_given() {
    let s = Sandbox::new();
    let f = s.file("f", "Error ERROR error eRRoR \u{c9}rror");
    let out = run(&["find", "-c", "-i", "error", f.to_str().unwrap()]);
    assert_eq!(stdout(&out), "4\n");
    run(&["replace", "-i", "error", "fixed", f.to_str().unwrap()]);
    assert_eq!(
        fs::read(&f).unwrap(),
        "fixed fixed fixed fixed \u{c9}rror".as_bytes()
    );
}

#[test]
fn regex_find_shows_each_match_and_replace_expands_groups_of_the_same_length() {
    let s = Sandbox::new();
    let f = s.file("f", "id=deadbeef x id=0badf00d y id=12\n");
    let out = run(&[
        "find",
        "--json",
        "--regex",
        "id=[0-9a-f]{8}",
        f.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert!(
        text.contains(r#""offset":0,"bytes":"69643d6465616462656566""#),
        "{text}"
    );
    assert!(text.contains(r#""offset":14,"#), "{text}");
    assert_eq!(text.lines().count(), 3, "two matches and a summary: {text}");
    let out = run(&[
        "replace",
        "--regex",
        "id=(?P<a>[0-9a-f]{4})([0-9a-f]{4})",
        "ID=$2${a}",
        f.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        fs::read(&f).unwrap(),
        b"ID=beefdead x ID=f00d0bad y id=12\n"
    );
}

#[test]
fn an_overlong_regex_expansion_writes_nothing_and_names_the_first_offset() {
    let s = Sandbox::new();
    let a = s.file("a", "id=1 id=22 id=333");
    let before = snapshot(&a);
    let out = run(&[
        "replace",
        "--regex",
        "id=([0-9]+)",
        "n=$1",
        a.to_str().unwrap(),
    ]);
    assert_error_line(
        &out,
        &a.display().to_string(),
        "the replacement at offset 0 is 3 bytes but the match is 4 bytes; they must be the same length; nothing written",
    );
    assert_eq!(snapshot(&a), before);
}

#[test]
fn mask_overwrites_every_byte_of_each_match() {
    let s = Sandbox::new();
    let f = s.file("f", "user=alice token=s3cr3t-x1 user=bob token=zz\n");
    let out = run(&[
        "replace",
        "--regex",
        "token=[^ \\n]+",
        "--mask",
        "X",
        f.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        fs::read(&f).unwrap(),
        b"user=alice XXXXXXXXXXXXXXX user=bob XXXXXXXX\n"
    );
    let out = run(&["replace", "--mask", "0x2a", "bob", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        fs::read(&f).unwrap(),
        b"user=alice XXXXXXXXXXXXXXX user=*** XXXXXXXX\n"
    );
    // A mask is instead of every replacement: with pairs it is refused,
    // not one of the two silently dropped.
    let before = snapshot(&f);
    fs::write(f.with_file_name("pairs"), "user\tUSER\n").unwrap();
    let pairs_file = f.with_file_name("pairs").to_string_lossy().into_owned();
    let path = f.to_str().unwrap();
    for args in [
        &["replace", "--mask", "*", "--pair", "user", "USER", path][..],
        &["replace", "--mask", "*", "-f", &pairs_file, path],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("cannot be used with"),
            "{}",
            stderr(&out)
        );
        assert_unchanged_since(&f, &before);
    }
}

/// A file of 20 MiB (past the 8 MiB segments the pass walks in) whose
/// matches of several patterns straddle each segment boundary.
fn boundary_file(s: &Sandbox) -> (std::path::PathBuf, Vec<u8>) {
    let mut bytes = vec![b'.'; 20 << 20];
    for boundary in [8 << 20, 16 << 20] {
        bytes[boundary - 3..boundary + 4].copy_from_slice(b"catalog");
        bytes[boundary + 10..boundary + 13].copy_from_slice(b"cat");
        bytes[boundary - 20..boundary - 17].copy_from_slice(b"dog");
    }
    for i in (0..bytes.len()).step_by(1 << 16) {
        bytes[i..i + 5].copy_from_slice(b"dogma");
    }
    (s.file("big", &bytes), bytes)
}

#[test]
fn several_patterns_across_segment_boundaries_are_found_once_and_replaced_alike() {
    let s = Sandbox::new();
    let (big, bytes) = boundary_file(&s);
    let patterns: [&[u8]; 3] = [b"cat", b"catalog", b"dog"];
    let expected = oracle(&bytes, &patterns);
    let out = run(&[
        "find",
        "-p",
        "cat",
        "-p",
        "catalog",
        "-p",
        "dog",
        big.to_str().unwrap(),
    ]);
    let offsets: Vec<String> = expected.iter().map(|(at, _)| at.to_string()).collect();
    assert_eq!(stdout(&out), offsets.join("\n") + "\n");

    let pairs = s.file("pairs", "cat\tCAT\ncatalog\tCATALOG\ndog\tDOG\n");
    let dry = run(&[
        "replace",
        "-n",
        "--json",
        "-f",
        pairs.to_str().unwrap(),
        big.to_str().unwrap(),
    ]);
    let real = run(&[
        "replace",
        "--json",
        "-f",
        pairs.to_str().unwrap(),
        big.to_str().unwrap(),
    ]);
    let matches = |out: &std::process::Output| -> Vec<String> {
        stdout(out)
            .lines()
            .filter(|l| l.contains(r#""type":"match""#))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        matches(&dry),
        matches(&real),
        "the dry run reports what the real run does"
    );
    assert_eq!(matches(&real).len(), expected.len());
    let summary = stdout(&real).lines().last().unwrap().to_string();
    let counts = |n: usize| expected.iter().filter(|(_, p)| *p == n).count();
    assert!(
        summary.contains(&format!(
            r#""patterns":[{{"pattern":"636174","matches":{}}},{{"pattern":"636174616c6f67","matches":{}}},{{"pattern":"646f67","matches":{}}}]"#,
            counts(0),
            counts(1),
            counts(2)
        )),
        "{summary}"
    );
    let mut patched = bytes.clone();
    for (at, n) in &expected {
        let new: &[u8] = [&b"CAT"[..], b"CATALOG", b"DOG"][*n];
        patched[*at..*at + new.len()].copy_from_slice(new);
    }
    assert!(
        fs::read(&big).unwrap() == patched,
        "the file holds every pair's replacement"
    );
}

#[test]
fn expect_counts_all_patterns_and_a_journal_of_pairs_undoes() {
    let s = Sandbox::new();
    let f = s.file("f", "ab cd ab");
    let before = snapshot(&f);
    let out = run(&[
        "replace",
        "--expect",
        "2",
        "--pair",
        "ab",
        "AB",
        "--pair",
        "cd",
        "CD",
        f.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("3 matches, --expect 2; no file written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&f), before);
    let journal = s.path("j.mpj");
    let out = run(&[
        "replace",
        "--expect",
        "3",
        "--journal",
        journal.to_str().unwrap(),
        "--pair",
        "ab",
        "AB",
        "--pair",
        "cd",
        "CD",
        f.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"AB CD AB");
    let out = run(&["undo", journal.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"ab cd ab");
}

// ------------------------------------------------------------ encodings

/// `text` in UTF-16LE, as Windows keeps strings.
fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

#[test]
fn a_utf16_string_in_a_binary_is_patched_with_e_utf16le() {
    let s = Sandbox::new();
    // A string table as a Windows program holds it: UTF-16LE between
    // binary bytes, and the same word in ASCII, which must stay.
    let mut bytes = b"MZ\x90\x00\x03\x00Trial\x00\x00".to_vec();
    bytes.extend(utf16le("Trial version"));
    bytes.extend([0, 0, 0xff, 0xfe]);
    bytes.extend(utf16le("Trial"));
    let app = s.file("app.exe", &bytes);
    let out = s.run(&["find", "-c", "Trial", "app.exe"]);
    assert_eq!(stdout(&out), "1\n", "{}", stderr(&out));
    let out = s.run(&["find", "-c", "-E", "utf-16le", "Trial", "app.exe"]);
    assert_eq!(stdout(&out), "2\n", "{}", stderr(&out));
    let out = s.run(&["replace", "-E", "utf-16le", "Trial", "Fully", "app.exe"]);
    assert_eq!(stdout(&out), "app.exe: 2 replaced\n", "{}", stderr(&out));
    let mut expected = b"MZ\x90\x00\x03\x00Trial\x00\x00".to_vec();
    expected.extend(utf16le("Fully version"));
    expected.extend([0, 0, 0xff, 0xfe]);
    expected.extend(utf16le("Fully"));
    assert_eq!(fs::read(&app).unwrap(), expected);
    // Big-endian, pairs and pattern files take it too, escapes decoded
    // first.
    let be: Vec<u8> = "é\tx".encode_utf16().flat_map(u16::to_be_bytes).collect();
    s.file("be", &be);
    let out = s.run(&["find", "-c", "-e", "-E", "UTF-16BE", "-p", "é\\tx", "be"]);
    assert_eq!(stdout(&out), "1\n", "{}", stderr(&out));
    s.file("pairs", "Fully\tTrial\n");
    let out = s.run(&["replace", "-E", "utf-16le", "-f", "pairs", "app.exe"]);
    assert_eq!(stdout(&out), "app.exe: 2 replaced\n", "{}", stderr(&out));
    assert_eq!(fs::read(&app).unwrap(), bytes);
    let out = s.run(&[
        "replace", "-E", "utf-16le", "--pair", "Trial", "Fully", "app.exe",
    ]);
    assert_eq!(stdout(&out), "app.exe: 2 replaced\n", "{}", stderr(&out));
    assert_eq!(fs::read(&app).unwrap(), expected);
}

#[test]
fn ignore_case_on_encoded_text_folds_letters_only() {
    let s = Sandbox::new();
    // "TRIAL" and "trial" in UTF-16LE match; "Ł" (41 01) does not match
    // "š" (61 01), whose first byte only looks like a letter's case; nor
    // Shift_JIS "ア" (83 41) "ヂ" (83 61).
    let mut bytes = utf16le("TRIAL š trial");
    bytes.extend(b"\x83\x61");
    s.file("f", &bytes);
    for (args, count) in [
        (&["-E", "utf-16le", "Trial"][..], "2\n"),
        (&["-E", "utf-16le", "Ł"], "0\n"),
        (&["-E", "shift_jis", "ア"], "0\n"),
        (&["-E", "utf-16le", "-p", "trIAL", "-p", "Ł"], "2\n"),
    ] {
        let mut line = vec!["find", "-c", "-i"];
        line.extend(args);
        line.push("f");
        assert_eq!(stdout(&s.run(&line)), count, "{line:?}");
    }
    // The replacement is written as given; pairs fold the same way.
    let out = s.run(&[
        "replace", "-i", "-E", "utf-16le", "--pair", "trial", "Fully", "--pair", "Ł", "X", "f",
    ]);
    assert_eq!(stdout(&out), "f: 2 replaced\n", "{}", stderr(&out));
    let mut expected = utf16le("Fully š Fully");
    expected.extend(b"\x83\x61");
    assert_eq!(fs::read(s.path("f")).unwrap(), expected);
}

#[test]
fn lengths_are_compared_after_encoding_and_unencodable_text_is_named() {
    let s = Sandbox::new();
    let f = s.file("f", "caf\u{e9} \u{30c6}\u{30b9}\u{30c8}".as_bytes());
    let before = snapshot(&f);
    // In UTF-8 "café" is 5 bytes and "cafe" 4; in latin1 both are 4: the
    // lengths are compared once encoded.
    let latin1 = s.file("l1", b"caf\xe9");
    let out = s.run(&["replace", "-E", "latin1", "café", "cafe", "l1"]);
    assert_eq!(stdout(&out), "l1: 1 replaced\n", "{}", stderr(&out));
    assert_eq!(fs::read(&latin1).unwrap(), b"cafe");
    let out = s.run(&["replace", "-E", "utf-16le", "Trial", "Full", "f"]);
    assert_error(
        &out,
        "replacement",
        "is 8 bytes but the pattern is 10 bytes",
    );
    let out = s.run(&["find", "-E", "shift_jis", "5€", "f"]);
    assert_error_line(
        &out,
        "pattern",
        "'€' (U+20AC) at character 2 cannot be encoded in shift_jis",
    );
    let out = s.run(&["find", "-c", "-E", "shift_jis", "テスト", "f"]);
    assert_eq!(stdout(&out), "0\n");
    let out = s.run(&["find", "-E", "klingon", "x", "f"]);
    assert_error(&out, "--encoding", "unknown encoding \"klingon\"");
    // -x values are bytes: -E cannot apply to them, nor to a regex.
    for args in [
        &["find", "-E", "utf-16le", "-x", "41", "f"][..],
        &["find", "-E", "utf-16le", "--regex", "a.", "f"],
    ] {
        let out = s.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("cannot be used with"),
            "{}",
            stderr(&out)
        );
    }
    assert_unchanged_since(&f, &before);
}

#[test]
fn a_regex_syntax_error_is_one_line_with_its_position() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("f", "abc");
    for (regex, reason) in [
        ("a(b", "at byte 1: unclosed group"),
        ("ab)", "at byte 2: unopened group"),
        (
            "x{3,1}",
            "at byte 1: invalid repetition count range, the start must be <= the end",
        ),
    ] {
        let out = mpatch()
            .args(["find", "--regex", regex])
            .arg(&path)
            .output()
            .unwrap();
        assert_error_line(&out, "pattern", reason);
    }
}

#[test]
fn replacement_groups_must_exist_and_be_unambiguous() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("f", "took 12ms");
    let before = snapshot(&path);
    for (template, reason) in [
        ("${nam}", "${nam}: the regex has no group named \"nam\""),
        (
            "$1ms",
            "$1ms is read as the group named \"1ms\"; write ${1}ms for group 1 and then \"ms\"",
        ),
        (
            "$2ms",
            "${2}: the regex has no group 2 (its groups are 0 to 1)",
        ),
    ] {
        let out = mpatch()
            .args(["replace", "--regex", "([0-9]+)ms", template])
            .arg(&path)
            .output()
            .unwrap();
        assert_error_line(&out, "replacement", reason);
    }
    common::assert_unchanged_since(&path, &before);
    let out = mpatch()
        .args(["replace", "--regex", "(?P<n>[0-9])([0-9])ms", "${2}${n}ms"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&path).unwrap(), b"took 21ms");
}

#[test]
fn a_regex_that_can_never_match_is_accepted_and_only_empty_matches_are_refused() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("f", "hello");
    let out = mpatch()
        .args(["find", "--regex", r"o|[^\x00-\x{10FFFF}]"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!((stdout(&out), stderr(&out)), ("4\n".into(), String::new()));
    let out = mpatch()
        .args(["find", "--regex", r"(?-u:[^\x00-\xFF])"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        (out.status.code(), stdout(&out), stderr(&out)),
        (Some(1), String::new(), String::new())
    );
    let out = mpatch()
        .args(["find", "--regex", "l|"])
        .arg(&path)
        .output()
        .unwrap();
    assert_error_line(
        &out,
        "pattern",
        "can match the empty string; give a pattern that matches at least one byte",
    );
}

#[test]
fn an_empty_pattern_file_matches_nothing() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("f", "hello hello");
    let before = snapshot(&path);
    sandbox.file("empty", "");
    sandbox.file("comments", "# nothing\n\n");
    for list in ["empty", "comments"] {
        for args in [
            &["find", "-f"][..],
            &["find", "-c", "-f"],
            &["replace", "-f"],
        ] {
            let out = mpatch()
                .current_dir(sandbox.dir.path())
                .args(args)
                .args([list, "f"])
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "{args:?} {list}: {}",
                stderr(&out)
            );
            assert_eq!(stderr(&out), "", "{args:?} {list}");
        }
    }
    let out = mpatch()
        .current_dir(sandbox.dir.path())
        .args(["find", "-c", "-f", "empty", "f"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "0\n");
    common::assert_unchanged_since(&path, &before);
}

#[test]
fn ignore_case_with_a_regex_folds_as_the_regex_crate_does() {
    let sandbox = Sandbox::new();
    // The Kelvin sign, U+212A, folds to `k` in Unicode, not in ASCII.
    let path = sandbox.file("f", b"x\xe2\x84\xaay\xffz\xc3\xbf");
    let find = |args: &[&str]| {
        let out = mpatch().arg("find").args(args).arg(&path).output().unwrap();
        (out.status.code(), stdout(&out))
    };
    assert_eq!(find(&["-i", "--regex", "k"]), (Some(0), "1\n".into()));
    assert_eq!(find(&["-i", "k"]), (Some(1), String::new()));
    assert_eq!(find(&["--regex", r"\xFF"]), (Some(0), "7\n".into()));
    assert_eq!(find(&["--regex", r"(?-u)\xFF"]), (Some(0), "5\n".into()));
    assert_eq!(find(&["--regex", r"(?-u:\xFF)"]), (Some(0), "5\n".into()));
}
