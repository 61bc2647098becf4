//! Binary patching through the real binary: wildcard signatures in find and
//! replace, `diff` patches, and `apply` as a compare-and-swap (cmp -l
//! input, several files, reverse, journal, dry run), and the README's ELF
//! example with a program built by gcc.

mod common;

use std::fs;
use std::path::Path;

use common::{Sandbox, assert_error, assert_unchanged_since, mpatch, snapshot, stderr, stdout};
use proptest::prelude::*;

fn run(dir: &Sandbox, args: &[&str]) -> std::process::Output {
    mpatch()
        .current_dir(dir.dir.path())
        .args(args)
        .output()
        .unwrap()
}

fn run_with_stdin(dir: &Sandbox, args: &[&str], input: &[u8]) -> std::process::Output {
    mpatch()
        .current_dir(dir.dir.path())
        .args(args)
        .write_stdin(input.to_vec())
        .output()
        .unwrap()
}

// ------------------------------------------------------------ signatures

const LOG: &[u8] = b"xxERROR yyEXROR ERxOR eRROR ER\0OR";

#[test]
fn a_signature_finds_any_byte_and_nibble_and_json_shows_the_real_bytes() {
    let dir = Sandbox::new();
    dir.file("log", LOG);
    let out = run(&dir, &["find", "-x", "45 52 ?? 4f 52", "log"]);
    assert_eq!(stdout(&out), "2\n16\n28\n");
    let out = run(&dir, &["find", "-c", "-x", "4? 52 ?2 4f", "log"]);
    assert_eq!(stdout(&out), "1\n", "{}", stderr(&out));
    let out = run(&dir, &["find", "-i", "-x", "45 52 ?? 4f 52", "log"]);
    assert_eq!(stdout(&out), "2\n16\n22\n28\n");
    let out = run(&dir, &["find", "--json", "-x", "45 ?? ?? 4f 52", "log"]);
    let text = stdout(&out);
    assert!(
        text.contains(r#""offset":10,"bytes":"4558524f52""#),
        "{text}"
    );
    assert!(
        text.contains(r#""offset":28,"bytes":"4552004f52""#),
        "{text}"
    );
    // Without a wildcard -x stays a plain literal.
    let out = run(&dir, &["find", "-x", "45 52 52 4f 52", "log"]);
    assert_eq!(stdout(&out), "2\n");
}

#[test]
fn signature_errors_are_one_line_and_write_nothing() {
    let dir = Sandbox::new();
    let log = dir.file("log", LOG);
    let before = snapshot(&log);
    let out = run(&dir, &["find", "-x", "?? ??", "log"]);
    assert_error(&out, "pattern", "only wildcards");
    let out = run(&dir, &["find", "-x", "45 ?x", "log"]);
    assert_error(&out, "pattern", "at byte 4");
    let out = run(&dir, &["find", "-x", "45 ?", "log"]);
    assert_error(&out, "pattern", "odd number");
    let out = run(&dir, &["replace", "-x", "45 52 ?? 4f 52", "46 ??", "log"]);
    assert_error(&out, "replacement", "is 2 bytes but the pattern is 5 bytes");
    let out = run(&dir, &["replace", "--pair", "-x", "?? ??", "41 42", "log"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_unchanged_since(&log, &before);
}

#[test]
fn a_replacement_keeps_the_bytes_and_nibbles_under_its_wildcards() {
    let dir = Sandbox::new();
    let log = dir.file("log", LOG);
    let out = run(
        &dir,
        &[
            "replace",
            "--json",
            "-x",
            "45 52 ?? 4f 52",
            "46 ?? ?? ?? 4?",
            "log",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // `4?` over `52` keeps its low nibble: 42.
    assert_eq!(
        fs::read(&log).unwrap(),
        b"xxFRROB yyEXROR FRxOB eRROR FR\0OB"
    );
    let text = stdout(&out);
    assert!(
        text.contains(r#""offset":16,"bytes":"4552784f52","old":"4552784f52","new":"4652784f42""#),
        "{text}"
    );
    // The dry run reports the same, and a nibble kept low: `?0`.
    dir.file("log2", b"\x12\x34\x56");
    let out = run(
        &dir,
        &[
            "replace",
            "-n",
            "--byte-context",
            "0",
            "-x",
            "12 ?? 56",
            "?f ?? 0?",
            "log2",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(dir.path("log2")).unwrap(), b"\x12\x34\x56");
    let out = run(&dir, &["replace", "-x", "12 ?? 56", "?f ?? 0?", "log2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(dir.path("log2")).unwrap(), b"\x1f\x34\x06");
}

#[test]
fn pattern_and_pair_files_take_signatures_beside_literals() {
    let dir = Sandbox::new();
    dir.file("log", LOG);
    dir.file(
        "patterns",
        "# longest first where several match\n45 52 ?? 4f 52\n52 52\n45 52 52\n",
    );
    let out = run(&dir, &["find", "-x", "-f", "patterns", "log"]);
    assert_eq!(stdout(&out), "2\n16\n23\n28\n", "{}", stderr(&out));
    let out = run(
        &dir,
        &["find", "-x", "-p", "45 52 52", "-p", "45 ?? 52", "log"],
    );
    assert_eq!(stdout(&out), "2\n10\n", "{}", stderr(&out));
    dir.file("bad", "45 52\n?? ??\n");
    let out = run(&dir, &["find", "-x", "-f", "bad", "log"]);
    assert_error(&out, "bad:2", "only wildcards");

    let log = dir.file("log", LOG);
    dir.file("pairs", "45 52 ?? 4f 52\t3? ?? ?? ?? ??\n65 52\t45 72\n");
    let out = run(&dir, &["replace", "-x", "-f", "pairs", "log"]);
    assert_eq!(stdout(&out), "log: 4 replaced\n", "{}", stderr(&out));
    assert_eq!(
        fs::read(&log).unwrap(),
        b"xx5RROR yyEXROR 5RxOR ErROR 5R\0OR"
    );
    let log = dir.file("log", LOG);
    let out = run(
        &dir,
        &[
            "replace",
            "-x",
            "--pair",
            "45 ?? ?? 4f",
            "?? 2d 2d ??",
            "--pair",
            "79 79",
            "59 59",
            "log",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        fs::read(&log).unwrap(),
        b"xxE--OR YYE--OR E--OR eRROR E--OR"
    );
    dir.file("badpairs", "45 ?? 4f\t46 ??\n");
    let out = run(&dir, &["replace", "-x", "-f", "badpairs", "log"]);
    assert_error(&out, "badpairs:1", "same length");
}

// ------------------------------------------------------------ diff

#[test]
fn diff_exits_as_cmp_and_prints_a_versioned_patch() {
    let dir = Sandbox::new();
    let mut a = vec![0u8; 100];
    dir.file("a", &a);
    dir.file("same", &a);
    a[10] = 1;
    a[13] = 2; // 2 unchanged bytes apart: one line
    a[50] = 3; // far: its own line
    dir.file("b", &a);
    let out = run(&dir, &["diff", "a", "same"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()));
    let out = run(&dir, &["diff", "a", "b"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "mpatch patch 1 size 100\n10 00000000 01000002\n50 00 03\n"
    );
    let out = run(&dir, &["diff", "-q", "a", "b"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    dir.file("short", b"abc");
    let out = run(&dir, &["diff", "a", "short"]);
    assert_error(&out, "short", "is 3 bytes but a is 100 bytes");
    let out = run(&dir, &["diff", "a", "missing"]);
    assert_eq!(out.status.code(), Some(2));
    fs::create_dir(dir.path("folder")).unwrap();
    let out = run(&dir, &["diff", "folder", "a"]);
    assert_error(&out, "folder", "is a directory");
}

#[test]
fn diff_of_a_file_of_many_segments_applies_back_exactly() {
    // 20 MiB, 8 MiB segments: changes at and across segment edges, a
    // dense stretch (more regions than a worker holds) and a long run.
    let dir = Sandbox::new();
    let len = 20 << 20;
    let old: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    let mut new = old.clone();
    for at in [0, (8 << 20) - 1, 8 << 20, (16 << 20) - 2, len - 1] {
        new[at] ^= 0xff;
    }
    for at in (1 << 20..(1 << 20) + 600_000).step_by(6) {
        new[at] ^= 1;
    }
    for b in &mut new[(12 << 20) - 100_000..(12 << 20) + 100_000] {
        *b = b.wrapping_add(1);
    }
    dir.file("old", &old);
    dir.file("new", &new);
    for threads in ["1", "2"] {
        let out = run(&dir, &["diff", "-j", threads, "old", "new"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        fs::write(dir.path(&format!("patch{threads}")), &out.stdout).unwrap();
    }
    assert_eq!(
        fs::read(dir.path("patch1")).unwrap(),
        fs::read(dir.path("patch2")).unwrap()
    );
    let lines = fs::read_to_string(dir.path("patch2")).unwrap();
    assert!(lines.lines().all(|line| line.len() < 1 << 20));
    dir.file("copy", &old);
    let out = run(&dir, &["apply", "patch2", "copy"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::read(dir.path("copy")).unwrap() == new);
}

// ------------------------------------------------------------ apply

/// Writes `old` and `new`, diffs them, applies the patch to a copy of
/// `old`: the copy must be `new`; reversed, it must be `old` again.
fn round_trip(old: &[u8], new: &[u8]) -> Result<(), TestCaseError> {
    let dir = Sandbox::new();
    dir.file("old", old);
    dir.file("new", new);
    let out = run(&dir, &["diff", "old", "new"]);
    let code = if old == new { 0 } else { 1 };
    prop_assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
    if old == new {
        prop_assert!(out.stdout.is_empty());
        return Ok(());
    }
    let copy = dir.file("copy", old);
    let applied = run_with_stdin(&dir, &["apply", "-", "copy"], &out.stdout);
    prop_assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    prop_assert_eq!(&fs::read(&copy).unwrap(), new);
    let back = run_with_stdin(&dir, &["apply", "-R", "-", "copy"], &out.stdout);
    prop_assert_eq!(back.status.code(), Some(0), "{}", stderr(&back));
    prop_assert_eq!(&fs::read(&copy).unwrap(), old);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn apply_of_diff_is_the_new_file(
        old in proptest::collection::vec(0u8..3, 1..3000),
        edits in proptest::collection::vec((0usize..3000, 1usize..12, any::<u8>()), 0..12),
    ) {
        let mut new = old.clone();
        for (at, len, byte) in edits {
            let at = at % new.len();
            let end = (at + len).min(new.len());
            new[at..end].iter_mut().for_each(|b| *b = byte);
        }
        round_trip(&old, &new)?;
    }
}

#[test]
fn cmp_l_output_applies_to_a_copy() {
    let dir = Sandbox::new();
    let old: Vec<u8> = (0..5000u32).map(|i| (i % 256) as u8).collect();
    let mut new = old.clone();
    new[0] = 0xff;
    new[1] = 0;
    new[2] = b'\n';
    new[4999] = 7;
    dir.file("a", &old);
    dir.file("b", &new);
    dir.file("c", &old);
    let out = common::sh(&format!(
        "cd {} && cmp -l a b | {} apply - c",
        dir.dir.path().display(),
        common::BIN
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "c: 2 regions (4 bytes) written\n");
    assert!(fs::read(dir.path("c")).unwrap() == new);
    // cmp -l says no size: it applies to a longer file too.
    let mut longer = old.clone();
    longer.extend_from_slice(b"tail");
    dir.file("d", &longer);
    let out = common::sh(&format!(
        "cd {} && cmp -l a b > list; {} apply list d",
        dir.dir.path().display(),
        common::BIN
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::read(dir.path("d")).unwrap()[..5000] == new[..]);
}

/// Two files, a patch made from the first pair.
fn two_files(dir: &Sandbox) -> (std::path::PathBuf, std::path::PathBuf) {
    dir.file("old", b"0123456789abcdef");
    dir.file("new", b"0123X56789abcdeY");
    let out = run(dir, &["diff", "old", "new"]);
    fs::write(dir.path("fix.patch"), &out.stdout).unwrap();
    (
        dir.file("one", b"0123456789abcdef"),
        dir.file("two", b"0123456789abcdef"),
    )
}

#[test]
fn apply_is_all_or_nothing_across_files() {
    let dir = Sandbox::new();
    let (one, two) = two_files(&dir);
    fs::write(&two, b"0123456789abcdeZ").unwrap();
    let (before_one, before_two) = (snapshot(&one), snapshot(&two));
    let out = run(&dir, &["apply", "fix.patch", "one", "two"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "mpatch: two: the region at offset 15 (1 byte) holds 5a, not the patch's old bytes 66; nothing written\n"
    );
    assert_unchanged_since(&one, &before_one);
    assert_unchanged_since(&two, &before_two);
    // One file patched and the other not is no "already applied" either.
    fs::write(&two, b"0123X56789abcdeY").unwrap();
    let out = run(&dir, &["apply", "--json", "fix.patch", "one", "two"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("patched already"), "{}", stderr(&out));
    assert!(stdout(&out).contains(r#""type":"mismatch","path":"two","offset":4"#));
    assert_eq!(fs::read(&one).unwrap(), b"0123456789abcdef");
    // Both old: both written.
    fs::write(&two, b"0123456789abcdef").unwrap();
    let out = run(&dir, &["apply", "fix.patch", "one", "two"]);
    assert_eq!(
        stdout(&out),
        "one: 2 regions (2 bytes) written\ntwo: 2 regions (2 bytes) written\n"
    );
    assert_eq!(fs::read(&one).unwrap(), b"0123X56789abcdeY");
    assert_eq!(fs::read(&two).unwrap(), b"0123X56789abcdeY");
    // A file that cannot be opened stops the run before anything is written.
    let (one, _) = two_files(&dir);
    let before = snapshot(&one);
    let out = run(&dir, &["apply", "fix.patch", "one", "missing"]);
    assert_eq!(out.status.code(), Some(2));
    assert_unchanged_since(&one, &before);
}

#[test]
fn already_applied_writes_nothing_and_reverse_takes_it_back() {
    let dir = Sandbox::new();
    let (one, _) = two_files(&dir);
    assert_eq!(
        run(&dir, &["apply", "-q", "fix.patch", "one"])
            .status
            .code(),
        Some(0)
    );
    let before = snapshot(&one);
    let out = run(&dir, &["apply", "fix.patch", "one"]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "one: already applied\n".into())
    );
    assert_unchanged_since(&one, &before);
    let out = run(&dir, &["apply", "--reverse", "fix.patch", "one"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&one).unwrap(), b"0123456789abcdef");
    let out = run(&dir, &["apply", "-R", "fix.patch", "one"]);
    assert_eq!(stdout(&out), "one: already applied\n");
}

#[test]
fn a_journalled_apply_is_undone() {
    let dir = Sandbox::new();
    let (one, two) = two_files(&dir);
    let out = run(
        &dir,
        &["apply", "--journal", "fix.mpj", "fix.patch", "one", "two"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&two).unwrap(), b"0123X56789abcdeY");
    let out = run(&dir, &["undo", "fix.mpj"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&one).unwrap(), b"0123456789abcdef");
    assert_eq!(fs::read(&two).unwrap(), b"0123456789abcdef");
    assert!(!dir.path("fix.mpj").exists());
    // Nothing to write (already applied): no journal is left behind.
    run(&dir, &["apply", "fix.patch", "one"]);
    let out = run(&dir, &["apply", "--journal", "j2.mpj", "fix.patch", "one"]);
    assert_eq!(stdout(&out), "one: already applied\n");
    assert!(!dir.path("j2.mpj").exists());
}

#[test]
fn a_dry_run_leaves_bytes_and_mtime() {
    let dir = Sandbox::new();
    let (one, _) = two_files(&dir);
    let before = snapshot(&one);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = run(
        &dir,
        &["apply", "-n", "--journal", "x.mpj", "fix.patch", "one"],
    );
    assert_eq!(
        stdout(&out),
        "one: 2 regions (2 bytes) would be written\n",
        "{}",
        stderr(&out)
    );
    assert_unchanged_since(&one, &before);
    assert!(!dir.path("x.mpj").exists());
}

#[test]
fn sizes_and_bad_patches_are_errors_naming_the_line() {
    let dir = Sandbox::new();
    let (one, _) = two_files(&dir);
    let long = dir.file("long", b"0123456789abcdef--");
    let before = snapshot(&long);
    let out = run(&dir, &["apply", "fix.patch", "long"]);
    assert_error(
        &out,
        "long",
        "is 18 bytes but the patch is for a file of 16 bytes",
    );
    assert_unchanged_since(&long, &before);
    let out = run(&dir, &["apply", "--any-size", "fix.patch", "long"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&long).unwrap(), b"0123X56789abcdeY--");
    dir.file("short", b"0123456789");
    let out = run(&dir, &["apply", "--any-size", "fix.patch", "short"]);
    assert_error(
        &out,
        "short",
        "a record at offset 0xf (1 byte) runs past the end of the 10-byte file (it would make the file 16 bytes)",
    );

    let before = snapshot(&one);
    for (text, subject, reason) in [
        ("mpatch patch 1 size 16\n4 34\n", "bad:2", "three fields"),
        ("mpatch patch 9 size 16\n", "bad:1", "version 9"),
        ("mpatch patch 1 size 16\n4 3 58\n", "bad:2", "odd number"),
        (
            "mpatch patch 1 size 16\n8 38 58\n4 34 58\n",
            "bad:3",
            "ascending",
        ),
        ("hello world\n", "bad:1", "neither an mpatch patch"),
        ("", "bad", "is empty"),
    ] {
        dir.file("bad", text);
        let out = run(&dir, &["apply", "bad", "one"]);
        assert_error(&out, subject, reason);
    }
    let mut huge = b"mpatch patch 1 size 16\n".to_vec();
    huge.resize(huge.len() + (2 << 20), b'7');
    let out = run_with_stdin(&dir, &["apply", "-", "one"], &huge);
    assert_error(&out, "-:2", "longer than 1 MiB");
    assert_unchanged_since(&one, &before);
}

// ------------------------------------------------------------ the README's ELF example

#[test]
fn a_signature_patched_into_an_elf_runs_and_its_diff_applies_to_a_fresh_copy() {
    let dir = Sandbox::new();
    dir.file(
        "answer.c",
        "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 0x1234567); return 0; }\n",
    );
    let built = common::sh(&format!(
        "cd {} && gcc -O1 -o answer answer.c",
        dir.dir.path().display()
    ));
    if !built.status.success() {
        common::cannot_run(
            "the ELF example",
            &format!("gcc failed: {}", stderr(&built)),
        );
        return;
    }
    let exec = |name: &str| {
        let out = std::process::Command::new(dir.path(name)).output().unwrap();
        assert!(out.status.success());
        stdout(&out)
    };
    assert_eq!(exec("answer"), "19088743\n");
    // mov $0x1234567, %esi: be 67 45 23 01, the low byte a wildcard.
    let out = run(&dir, &["find", "-c", "-x", "be ?? 45 23 01", "answer"]);
    assert_eq!(stdout(&out), "1\n");
    fs::copy(dir.path("answer"), dir.path("answer2")).unwrap();
    let out = run(
        &dir,
        &[
            "replace",
            "--expect",
            "1",
            "-x",
            "be ?? 45 23 01",
            "be ?? ?? ?? 02",
            "answer2",
        ],
    );
    assert_eq!(stdout(&out), "answer2: 1 replaced\n", "{}", stderr(&out));
    assert_eq!(exec("answer2"), format!("{}\n", 0x0223_4567));
    let out = run(&dir, &["diff", "answer", "answer2"]);
    assert_eq!(out.status.code(), Some(1));
    let patch = stdout(&out);
    let lines: Vec<&str> = patch.lines().collect();
    let size = fs::metadata(dir.path("answer")).unwrap().len();
    assert_eq!(lines[0], format!("mpatch patch 1 size {size}"));
    assert_eq!(lines.len(), 2, "{patch}");
    assert!(lines[1].ends_with(" 01 02"), "{patch}");
    fs::write(dir.path("fix.patch"), &patch).unwrap();
    fs::copy(dir.path("answer"), dir.path("fresh")).unwrap();
    let out = run(&dir, &["apply", "fix.patch", "fresh"]);
    assert_eq!(
        stdout(&out),
        "fresh: 1 region (1 byte) written\n",
        "{}",
        stderr(&out)
    );
    assert_eq!(exec("fresh"), format!("{}\n", 0x0223_4567));
    assert!(Path::new(&dir.path("fresh")).exists());
}

#[test]
fn a_held_lock_on_one_file_stops_the_run_before_any_is_written() {
    let dir = Sandbox::new();
    let (one, two) = two_files(&dir);
    let (before_one, before_two) = (snapshot(&one), snapshot(&two));
    let _holder = common::KillOnDrop::spawn(
        std::process::Command::new("flock")
            .arg("--no-fork")
            .arg(&two)
            .args(["sleep", "30"]),
    );
    let held = || {
        !std::process::Command::new("flock")
            .args(["-n"])
            .arg(&two)
            .arg("true")
            .status()
            .unwrap()
            .success()
    };
    common::wait_until(
        "flock holds the lock",
        std::time::Duration::from_secs(10),
        held,
    );
    let out = run(
        &dir,
        &["apply", "--lock-timeout", "0.3", "fix.patch", "one", "two"],
    );
    assert_error(&out, "two", "--lock-timeout");
    assert_unchanged_since(&one, &before_one);
    assert_unchanged_since(&two, &before_two);
}
