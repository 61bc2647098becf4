//! Directory trees and file lists: the walk (ignore files, globs, hidden
//! entries, links, depth), lists on stdin, names that are not UTF-8, runs
//! over more files than may be open at once, guards, the journal of a
//! whole tree, output kept whole per file, and files that fail in a walk.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;

/// Writes `files` (path relative to the sandbox, content) and returns the
/// sandbox.
fn tree(files: &[(&str, &str)]) -> Sandbox {
    let s = Sandbox::new();
    for (name, content) in files {
        let path = s.path(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    s
}

/// Runs mpatch in the sandbox.
/// The lines of stdout, sorted (a walk in parallel prints files in the
/// order they finish).
fn sorted_lines(output: &std::process::Output) -> Vec<String> {
    let mut lines: Vec<String> = stdout(output).lines().map(String::from).collect();
    lines.sort();
    lines
}

/// Runs a shell script in the sandbox with `$BIN` set to mpatch.
fn script(s: &Sandbox, script: &str) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(s.dir.path())
        .env("BIN", BIN)
        .output()
        .unwrap()
}

#[test]
fn ignore_files_are_honoured_in_a_folder_that_is_not_a_repository() {
    let s = tree(&[
        ("t/.gitignore", "*.log\n!keep.log\nbuild/\n"),
        ("t/.ignore", "secret.txt\n"),
        ("t/sub/.rgignore", "local.txt\n"),
        ("t/a.txt", "ERROR"),
        ("t/debug.log", "ERROR"),
        ("t/keep.log", "ERROR"),
        ("t/build/out.txt", "ERROR"),
        ("t/secret.txt", "ERROR"),
        ("t/sub/local.txt", "ERROR"),
        ("t/sub/b.txt", "ERROR"),
    ]);
    assert!(!s.path("t/.git").exists());
    let out = s.run(&["find", "-r", "-l", "ERROR", "t"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        sorted_lines(&out),
        ["t/a.txt", "t/keep.log", "t/sub/b.txt"],
        "negation (!keep.log) re-includes; .gitignore, .ignore and .rgignore exclude"
    );
    let out = s.run(&["find", "-r", "-l", "--no-ignore", "ERROR", "t"]);
    assert_eq!(sorted_lines(&out).len(), 7, "{}", stdout(&out));
}

#[test]
fn globs_include_and_exclude() {
    let s = tree(&[
        ("t/a.conf", "ERROR"),
        ("t/b.txt", "ERROR"),
        ("t/vendor/c.conf", "ERROR"),
    ]);
    let out = s.run(&["find", "-r", "-l", "-g", "*.conf", "ERROR", "t"]);
    assert_eq!(sorted_lines(&out), ["t/a.conf", "t/vendor/c.conf"]);
    let out = s.run(&[
        "find", "-r", "-l", "-g", "*.conf", "-g", "!vendor", "ERROR", "t",
    ]);
    assert_eq!(sorted_lines(&out), ["t/a.conf"]);
    let out = s.run(&["find", "-r", "-l", "--glob", "!*.conf", "ERROR", "t"]);
    assert_eq!(sorted_lines(&out), ["t/b.txt"]);
    let out = s.run(&["find", "-r", "-g", "[", "ERROR", "t"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("mpatch: --glob: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn hidden_entries_are_skipped_unless_asked_for() {
    let s = tree(&[("t/a", "ERROR"), ("t/.b", "ERROR"), ("t/.d/c", "ERROR")]);
    let out = s.run(&["replace", "-r", "ERROR", "FIXED", "t"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(s.path("t/.b")).unwrap(), b"ERROR");
    assert_eq!(fs::read(s.path("t/.d/c")).unwrap(), b"ERROR");
    let out = s.run(&["find", "-r", "-l", "--hidden", "ERROR", "t"]);
    assert_eq!(sorted_lines(&out), ["t/.b", "t/.d/c"]);
}

#[test]
fn symlinks_are_skipped_unless_followed() {
    let s = tree(&[("t/a", "x"), ("elsewhere/b", "ERROR"), ("other", "ERROR")]);
    std::os::unix::fs::symlink("../elsewhere", s.path("t/dir")).unwrap();
    std::os::unix::fs::symlink("../other", s.path("t/file")).unwrap();
    let out = s.run(&["find", "-r", "-l", "ERROR", "t"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let out = s.run(&["find", "-r", "-l", "-L", "ERROR", "t"]);
    assert_eq!(sorted_lines(&out), ["t/dir/b", "t/file"]);
    // A link named as a root is followed, as rg follows it.
    let out = s.run(&["find", "-r", "-l", "ERROR", "t/dir"]);
    assert_eq!(stdout(&out), "t/dir/b\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
    // Followed, a link is patched through: the target changes, the link
    // stays a link.
    let out = s.run(&["replace", "-r", "--follow", "ERROR", "FIXED", "t"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(s.path("other")).unwrap(), b"FIXED");
    assert_eq!(fs::read(s.path("elsewhere/b")).unwrap(), b"FIXED");
    assert!(fs::symlink_metadata(s.path("t/file")).unwrap().is_symlink());
}

#[test]
fn max_depth_limits_the_walk() {
    let s = tree(&[("t/a", "ERROR"), ("t/d/b", "ERROR"), ("t/d/e/c", "ERROR")]);
    let depth =
        |n: &str| sorted_lines(&s.run(&["find", "-r", "-l", "--max-depth", n, "ERROR", "t"]));
    assert_eq!(depth("0"), Vec::<String>::new());
    assert_eq!(depth("1"), ["t/a"]);
    assert_eq!(depth("2"), ["t/a", "t/d/b"]);
    assert_eq!(depth("9"), ["t/a", "t/d/b", "t/d/e/c"]);
}

#[test]
fn a_directory_without_r_is_an_error_and_r_walks_the_current_directory() {
    let s = tree(&[("t/a", "ERROR"), ("b", "ERROR")]);
    let out = s.run(&["find", "ERROR", "t"]);
    assert_error_line(&out, "t", "is a directory (-r walks it)");
    let out = s.run(&["find", "-r", "-c", "ERROR"]);
    assert_eq!(sorted_lines(&out), ["b:1", "t/a:1"], "no ./ before names");
}

/// A tree with text, a binary file (a NUL in its first bytes), and a large
/// file that is text for 64 KiB and binary around its second match.
fn tree_with_binaries() -> Sandbox {
    let s = tree(&[("t/a.txt", "call readConfig here\n")]);
    fs::write(s.path("t/logo.bin"), b"\x89PNG\r\n\x1a\n\0\0readConfig\0").unwrap();
    let mut late = b"readConfig\n".to_vec();
    late.extend(vec![b'x'; 100 << 10]);
    late.extend(b"readConfig");
    late.extend(vec![0u8; 100]);
    fs::write(s.path("t/late.dat"), &late).unwrap();
    s
}

#[test]
fn binary_files_met_in_a_walk_are_skipped_and_counted() {
    let s = tree_with_binaries();
    let late = fs::read(s.path("t/late.dat")).unwrap();
    let out = s.run(&[
        "replace",
        "-r",
        "--sort",
        "path",
        "readConfig",
        "loadConfig",
        "t",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "t/a.txt: 1 replaced\n\
         1 file searched, 1 matched, 1 patched, 1 replaced, 2 binary files skipped\n"
    );
    assert_eq!(
        fs::read(s.path("t/late.dat")).unwrap(),
        late,
        "not a byte written"
    );
    assert!(
        fs::read(s.path("t/logo.bin"))
            .unwrap()
            .ends_with(b"readConfig\0")
    );
    let out = s.run(&["find", "-r", "--json", "readConfig", "t"]);
    let last: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(
        (
            last["files_searched"].as_u64(),
            last["files_binary_skipped"].as_u64()
        ),
        (Some(1), Some(2)),
        "{}",
        stdout(&out)
    );
    // Named files are always searched and patched.
    let out = s.run(&["find", "-c", "readConfig", "t/late.dat", "t/logo.bin"]);
    assert_eq!(stdout(&out), "t/late.dat:2\nt/logo.bin:1\n");
}

#[test]
fn a_walk_includes_binary_files_with_a_or_a_hex_pattern() {
    for args in [
        &["replace", "-r", "-a", "readConfig", "loadConfig", "t"][..],
        &[
            "replace",
            "-r",
            "-x",
            "72656164436f6e666967",
            "6c6f6164436f6e666967",
            "t",
        ],
    ] {
        let s = tree_with_binaries();
        let out = s.run(args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).ends_with("3 files searched, 3 matched, 3 patched, 4 replaced\n"));
        assert!(
            fs::read(s.path("t/logo.bin"))
                .unwrap()
                .ends_with(b"loadConfig\0")
        );
    }
}

#[test]
fn a_nul_list_from_find_print0_on_stdin() {
    let s = tree(&[
        ("t/a b.txt", "ERROR"),
        ("t/new\nline.txt", "ERROR ERROR"),
        ("t/c.txt", "none"),
    ]);
    let out = script(
        &s,
        r#"find t -type f -print0 | "$BIN" replace --files-from - -0 ERROR FIXED"#,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(s.path("t/a b.txt")).unwrap(), b"FIXED");
    assert_eq!(fs::read(s.path("t/new\nline.txt")).unwrap(), b"FIXED FIXED");
    assert!(
        stdout(&out).ends_with("3 files searched, 2 matched, 2 patched, 3 replaced\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn standard_input_beside_a_walk_is_read_not_walked() {
    let s = tree(&[("t/x", "ERROR")]);
    let out = script(
        &s,
        r#"echo ERROR ERROR | "$BIN" find -r -c --sort path ERROR - t"#,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "(standard input):2\nt/x:1\n");
    let out = script(&s, r#"echo ERROR | "$BIN" replace -r ERROR FIXED - t"#);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("mpatch: -: standard input cannot be mapped"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(s.path("t/x")).unwrap(), b"FIXED");
}

#[test]
fn a_list_file_one_name_per_line_and_a_missing_name_reported() {
    let s = tree(&[("a", "ERROR"), ("b", "ERROR")]);
    fs::write(s.path("list"), "a\nmissing\n\nb\n").unwrap();
    let out = s.run(&["find", "--files-from", "list", "-c", "ERROR"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(sorted_lines(&out), ["a:1", "b:1"]);
    assert_eq!(stderr(&out), "mpatch: missing: no such file or directory\n");
    let out = s.run(&["find", "--files-from", "nolist", "ERROR"]);
    assert_error_line(&out, "nolist", "no such file or directory");
    let out = s.run(&["find", "-f", "-", "--files-from", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--files-from"), "{}", stderr(&out));
}

#[test]
fn names_that_are_not_utf8_round_trip_through_xargs_0() {
    let s = Sandbox::new();
    let dir = s.path("t");
    fs::create_dir(&dir).unwrap();
    let odd = OsStr::from_bytes(b"caf\xe9 \xff.txt");
    fs::write(dir.join(odd), "ERROR").unwrap();
    fs::write(dir.join("plain.txt"), "ERROR").unwrap();

    let out = s.run(&["find", "-r", "-l", "-0", "--sort", "path", "ERROR", "t"]);
    assert_eq!(out.stdout, b"t/caf\xe9 \xff.txt\0t/plain.txt\0");
    let out = s.run(&["find", "-r", "-c", "--sort", "path", "ERROR", "t"]);
    assert_eq!(out.stdout, b"t/caf\xe9 \xff.txt:1\nt/plain.txt:1\n");

    let out = script(
        &s,
        r#""$BIN" find -l -0 -r ERROR t | xargs -0 "$BIN" replace ERROR FIXED"#,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(dir.join(odd)).unwrap(), b"FIXED");
    assert_eq!(fs::read(dir.join("plain.txt")).unwrap(), b"FIXED");
    let mut lines = out.stdout.split(|&b| b == b'\n').collect::<Vec<_>>();
    lines.sort();
    assert!(
        lines.contains(&&b"t/caf\xe9 \xff.txt: 1 replaced"[..]),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_tree_larger_than_the_open_file_limit_is_patched_and_undone() {
    let s = Sandbox::new();
    for d in 0..10 {
        fs::create_dir_all(s.path(&format!("t/d{d}"))).unwrap();
        for f in 0..60 {
            fs::write(s.path(&format!("t/d{d}/f{f}")), "a ERROR b\n").unwrap();
        }
    }
    let out = script(
        &s,
        r#"ulimit -n 64 && "$BIN" replace -r -q --journal j.mpj ERROR FIXED t && "$BIN" find -r -c FIXED t | wc -l"#,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "600");
    for d in 0..10 {
        for f in 0..60 {
            let path = s.path(&format!("t/d{d}/f{f}"));
            assert_eq!(fs::read(path).unwrap(), b"a FIXED b\n");
        }
    }
    let out = script(&s, r#"ulimit -n 64 && "$BIN" undo j.mpj | wc -l"#);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "600");
    for d in 0..10 {
        for f in 0..60 {
            let path = s.path(&format!("t/d{d}/f{f}"));
            assert_eq!(fs::read(path).unwrap(), b"a ERROR b\n");
        }
    }
}

#[test]
fn expect_total_that_does_not_hold_writes_nothing() {
    let s = tree(&[
        ("t/a", "ERROR ERROR"),
        ("t/b/c", "ERROR"),
        ("t/b/d", "nothing"),
    ]);
    let files = ["t/a", "t/b/c", "t/b/d"];
    let before: Vec<Snapshot> = files.iter().map(|f| snapshot(&s.path(f))).collect();
    let out = s.run(&[
        "replace",
        "-r",
        "--expect-total",
        "4",
        "--journal",
        "j",
        "ERROR",
        "FIXED",
        "t",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "mpatch: 3 matches in all, --expect-total 4; no file written\n"
    );
    let after: Vec<Snapshot> = files.iter().map(|f| snapshot(&s.path(f))).collect();
    assert_eq!(before, after);
    assert!(
        !s.path("j").exists(),
        "no journal is left by a run that wrote nothing"
    );

    let out = s.run(&[
        "replace",
        "-r",
        "--expect-total",
        "3",
        "ERROR",
        "FIXED",
        "t",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(s.path("t/a")).unwrap(), b"FIXED FIXED");
}

#[test]
fn expect_in_a_walk_holds_for_every_file_with_a_match() {
    let s = tree(&[("t/a", "ERROR"), ("t/b", "ERROR ERROR"), ("t/c", "none")]);
    let out = s.run(&["replace", "-r", "--expect", "1", "ERROR", "FIXED", "t"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "mpatch: t/b: 2 matches, --expect 1; no file written\n"
    );
    assert_eq!(fs::read(s.path("t/a")).unwrap(), b"ERROR");
}

#[test]
fn one_journal_undoes_a_whole_tree() {
    let s = tree(&[
        ("t/a", "1 ERROR"),
        ("t/b/c", "ERROR 2 ERROR"),
        ("t/b/d/e", "3 ERROR"),
        ("t/none", "nothing"),
    ]);
    let out = s.run(&[
        "replace",
        "-r",
        "--journal",
        "fix.mpj",
        "ERROR",
        "FIXED",
        "t",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(s.path("t/b/c")).unwrap(), b"FIXED 2 FIXED");
    let out = s.run(&["undo", "fix.mpj"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let restored = sorted_lines(&out);
    assert_eq!(
        restored.len(),
        3,
        "only files with a change are in it: {restored:?}"
    );
    assert_eq!(fs::read(s.path("t/a")).unwrap(), b"1 ERROR");
    assert_eq!(fs::read(s.path("t/b/c")).unwrap(), b"ERROR 2 ERROR");
    assert_eq!(fs::read(s.path("t/b/d/e")).unwrap(), b"3 ERROR");
    assert!(!s.path("fix.mpj").exists());
}

#[test]
fn each_files_output_stays_together() {
    let s = Sandbox::new();
    fs::create_dir(s.path("t")).unwrap();
    // Each file prints far more than is held back (64 KiB), so files
    // write straight through in turns, four at once.
    for f in 0..6 {
        fs::write(s.path(&format!("t/f{f}")), "x".repeat(20_000)).unwrap();
    }
    let out = s.run(&["find", "-r", "-j", "4", "x", "t"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let mut runs: Vec<(&str, usize)> = Vec::new();
    for line in text.lines() {
        let (name, _) = line.rsplit_once(':').unwrap();
        match runs.last_mut() {
            Some((last, n)) if *last == name => *n += 1,
            _ => runs.push((name, 1)),
        }
    }
    assert_eq!(runs.len(), 6, "each file's lines in one run: {:?}", &runs);
    assert!(runs.iter().all(|&(_, n)| n == 20_000), "{runs:?}");
    // Each file's offsets are in order.
    let offsets: Vec<u64> = text
        .lines()
        .take(20_000)
        .map(|l| l.rsplit_once(':').unwrap().1.parse().unwrap())
        .collect();
    assert!(offsets.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn sort_path_prints_in_path_order() {
    let s = tree(&[
        ("t/b", "ERROR"),
        ("t/a/z", "ERROR"),
        ("t/a/y", "ERROR"),
        ("t/c", "ERROR"),
        ("t/a0", "ERROR"),
    ]);
    let expected = "t/a/y:0\nt/a/z:0\nt/a0:0\nt/b:0\nt/c:0\n";
    for _ in 0..3 {
        let out = s.run(&["find", "-r", "--sort", "path", "ERROR", "t"]);
        assert_eq!(stdout(&out), expected);
    }
    fs::write(s.path("list"), "t/c\nt/b\nt/a0\n").unwrap();
    let out = s.run(&[
        "replace",
        "-n",
        "--files-from",
        "list",
        "--sort",
        "path",
        "ERROR",
        "FIXED",
    ]);
    assert_eq!(
        stdout(&out),
        "t/a0: 1 would be replaced\nt/b: 1 would be replaced\nt/c: 1 would be replaced\n\
         3 files searched, 3 matched, 3 would be patched, 3 would be replaced\n"
    );
}

#[test]
fn count_and_names_in_a_walk_show_only_files_with_a_match() {
    let s = tree(&[("t/a", "ERROR ERROR"), ("t/b", "none")]);
    let out = s.run(&["find", "-r", "-c", "ERROR", "t"]);
    assert_eq!(stdout(&out), "t/a:2\n");
    let out = s.run(&["find", "-c", "ERROR", "t/a", "t/b"]);
    assert_eq!(
        stdout(&out),
        "t/a:2\nt/b:0\n",
        "named files print 0, as before"
    );
    let out = s.run(&["find", "-r", "-c", "-0", "ERROR", "t"]);
    assert_eq!(out.stdout, b"t/a\x002\n");
    let out = s.run(&["find", "-r", "-H", "-0", "ERROR", "t"]);
    assert_eq!(out.stdout, b"t/a\x000\nt/a\x006\n");
}

#[test]
fn json_ends_with_a_total() {
    let s = tree(&[("t/a", "ERROR"), ("t/b", "none"), ("t/c", "ERROR")]);
    let out = s.run(&["replace", "-r", "--json", "ERROR", "FIXED", "t"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "total");
    assert_eq!(last["files_searched"], 3);
    assert_eq!(last["files_matched"], 2);
    assert_eq!(last["files_patched"], 2);
    assert_eq!(last["matches"], 2);
    assert_eq!(last["dry_run"], false);
    let summaries = text
        .lines()
        .filter(|l| l.contains(r#""type":"summary""#))
        .count();
    assert_eq!(
        summaries, 2,
        "files without a match have no summary: {text}"
    );

    let out = s.run(&["find", "-r", "--json", "FIXED", "t"]);
    let last: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(
        (
            last["type"].as_str(),
            last["files_searched"].as_u64(),
            last["matches"].as_u64()
        ),
        (Some("total"), Some(3), Some(2))
    );
}

#[test]
fn a_hard_link_in_a_walk_is_patched_once() {
    let s = tree(&[("t/a", "aab")]);
    fs::hard_link(s.path("t/a"), s.path("t/b")).unwrap();
    // Applied twice, ab -> ba would give "baa"; once, "aba".
    let out = s.run(&["replace", "-r", "ab", "ba", "t"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(s.path("t/a")).unwrap(), b"aba");
}

/// A tree that user 65534 may patch, with one file it cannot read and one
/// it can only read, holding `readonly`.
fn tree_for_nobody(readonly: &str) -> Sandbox {
    let s = tree(&[
        ("t/a", "ERROR"),
        ("t/secret", "ERROR"),
        ("t/sub/b", "ERROR"),
        ("t/readonly", readonly),
    ]);
    let chown = |path: &Path| {
        if is_root() {
            std::os::unix::fs::chown(path, Some(65534), Some(65534)).unwrap();
        }
    };
    for path in ["t", "t/a", "t/sub", "t/sub/b"] {
        chown(&s.path(path));
    }
    let mode = |path: &str, mode| {
        fs::set_permissions(s.path(path), fs::Permissions::from_mode(mode)).unwrap()
    };
    mode("t/secret", 0o000);
    mode("t/readonly", 0o444);
    s
}

#[test]
fn an_unreadable_file_in_a_walk_is_reported_and_the_others_are_patched() {
    let s = tree_for_nobody("nothing to change");
    let out = mpatch_unprivileged(&s, &["replace", "-r", "ERROR", "FIXED", "t"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stderr(&out), "mpatch: t/secret: permission denied\n");
    assert_eq!(fs::read(s.path("t/a")).unwrap(), b"FIXED");
    assert_eq!(fs::read(s.path("t/sub/b")).unwrap(), b"FIXED");
    // Readable again to be read back: only root reads a file of mode 000.
    fs::set_permissions(s.path("t/secret"), fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(fs::read(s.path("t/secret")).unwrap(), b"ERROR");
    assert!(
        stdout(&out).ends_with("3 files searched, 2 matched, 2 patched, 2 replaced, 1 failed\n"),
        "a read-only file without a match is no error: {}",
        stdout(&out)
    );
}

#[test]
fn a_file_that_cannot_be_written_fails_only_if_it_has_a_match() {
    let s = tree_for_nobody("ERROR");
    let out = mpatch_unprivileged(
        &s,
        &[
            "replace", "-r", "-g", "!secret", "--sort", "path", "ERROR", "FIXED", "t",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stderr(&out), "mpatch: t/readonly: permission denied\n");
    assert_eq!(fs::read(s.path("t/readonly")).unwrap(), b"ERROR");
    assert_eq!(fs::read(s.path("t/a")).unwrap(), b"FIXED");
}

#[test]
fn a_guard_in_a_walk_writes_nothing_when_a_file_cannot_be_counted() {
    let s = tree_for_nobody("nothing to change");
    let before = snapshot(&s.path("t/a"));
    let out = mpatch_unprivileged(
        &s,
        &[
            "replace",
            "-r",
            "--expect-total",
            "2",
            "ERROR",
            "FIXED",
            "t",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "mpatch: t/secret: permission denied\nmpatch: not every file could be counted; no file written\n"
    );
    assert_eq!(snapshot(&s.path("t/a")), before);
}

#[test]
fn paths_of_named_files_print_as_their_own_bytes() {
    let s = Sandbox::new();
    let name = PathBuf::from(OsStr::from_bytes(b"n\xff"));
    fs::write(s.dir.path().join(&name), "ERROR").unwrap();
    fs::write(s.path("other"), "ERROR").unwrap();
    let out = s.run(&["find", "-l", "ERROR", "n\u{fffd}"]);
    assert_eq!(out.status.code(), Some(2), "the lossy name is another name");
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["find", "-l", "ERROR"])
        .arg(&name)
        .arg("other")
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"n\xff\nother\n");
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["replace", "-n", "ERROR", "FIXED"])
        .arg(&name)
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"n\xff: 1 would be replaced\n");
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["replace", "--journal", "j", "ERROR", "FIXED"])
        .arg(&name)
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"n\xff: 1 replaced\n");
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["poke"])
        .arg(&name)
        .args(["0", "E"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"n\xff: 1 byte written at offset 0\n");
    let out = s.run(&["undo", "j"]);
    assert!(
        out.stdout.ends_with(b"/n\xff: 1 region restored\n"),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn many_named_files_keep_their_order_in_parallel() {
    let s = Sandbox::new();
    let mut args = vec!["find".to_string(), "-c".into(), "ERROR".into()];
    let mut expected = String::new();
    for i in 0..40 {
        let name = format!("f{i:02}");
        fs::write(s.path(&name), "ERROR ".repeat(i + 1)).unwrap();
        expected.push_str(&format!("{name}:{}\n", i + 1));
        args.push(name);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = s.run(&args);
    assert_eq!(stdout(&out), expected);
}

#[test]
fn a_journal_or_the_output_inside_the_tree_is_not_walked() {
    let s = tree(&[("a", "ERROR")]);
    let out = s.run(&["replace", "-r", "--journal", "fix.mpj", "ERROR", "FIXED"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("a: 1 replaced\n1 file searched"),
        "{}",
        stdout(&out)
    );
    let out = s.run(&["undo", "fix.mpj"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(s.path("a")).unwrap(), b"ERROR");

    let out = script(&s, r#""$BIN" find -r -c ERROR > found.txt; cat found.txt"#);
    assert_eq!(stdout(&out), "a:1\n");
}

#[test]
fn a_fifo_in_a_tree_is_passed_over_and_a_named_one_refused() {
    let s = tree(&[("t/a", "ERROR")]);
    let made = script(&s, "mkfifo t/pipe");
    assert!(made.status.success(), "{}", stderr(&made));
    let out = s.run(&["find", "-r", "-c", "ERROR", "t"]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "t/a:1\n".into())
    );
    // Named, a FIFO is read as a stream by find (tests/toolbox.rs) and
    // refused by replace, which cannot patch a stream.
    let out = s.run(&["replace", "-r", "ERROR", "FIXED", "t/pipe", "t"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .starts_with("mpatch: t/pipe: is a FIFO (named pipe), which cannot be mapped\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_endless_list_of_empty_names_is_an_error() {
    let out = common::mpatch()
        .args(["find", "-c", "--files-from", "/dev/zero", "-0", "x"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    assert!(
        common::stderr(&out).contains("empty names in a row"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn walk_errors_are_plain_words() {
    let sandbox = Sandbox::new();
    let out = mpatch()
        .current_dir(sandbox.dir.path())
        .args(["find", "-r", "x", "missing"])
        .output()
        .unwrap();
    assert_error_line(&out, "missing", "no such file or directory");
    std::os::unix::fs::symlink("nowhere", sandbox.path("bad")).unwrap();
    fs::create_dir(sandbox.path("tree")).unwrap();
    std::os::unix::fs::symlink("../nowhere", sandbox.path("tree/bad")).unwrap();
    let out = mpatch()
        .current_dir(sandbox.dir.path())
        .args(["find", "-r", "-L", "x", "tree"])
        .output()
        .unwrap();
    assert_error_line(&out, "tree/bad", "no such file or directory");
    fs::create_dir(sandbox.path("tree/shut")).unwrap();
    fs::remove_file(sandbox.path("tree/bad")).unwrap();
    fs::set_permissions(
        sandbox.path("tree/shut"),
        std::os::unix::fs::PermissionsExt::from_mode(0o000),
    )
    .unwrap();
    // As nobody when root (root would read it), as ourselves otherwise.
    let out = mpatch_unprivileged(&sandbox, &["find", "-r", "x", "tree"]);
    assert_error_line(&out, "tree/shut", "permission denied");
}

/// Whether a folder above the sandbox is a git repository, which would
/// make every sandbox one.
fn sandbox_in_repository(sandbox: &Sandbox) -> bool {
    sandbox
        .dir
        .path()
        .ancestors()
        .any(|folder| folder.join(".git").exists())
}

/// ripgrep's `ignore_git_parent_stop` and `ignore_git_parent_stop_file`:
/// a `.gitignore` above a repository's root does not apply inside it.
#[test]
fn a_gitignore_above_a_repository_root_stops_there() {
    for git_is_a_file in [false, true] {
        let sandbox = Sandbox::new();
        if sandbox_in_repository(&sandbox) {
            return common::cannot_run(
                "gitignore_parent_stop",
                "the temp folder is in a git repository",
            );
        }
        sandbox.file(".gitignore", "sherlock\n");
        fs::create_dir_all(sandbox.path("foo/bar")).unwrap();
        match git_is_a_file {
            true => drop(sandbox.file("foo/.git", "")),
            false => fs::create_dir(sandbox.path("foo/.git")).unwrap(),
        }
        sandbox.file("foo/bar/sherlock", "Sherlock\n");
        let out = mpatch()
            .current_dir(sandbox.path("foo/bar"))
            .args(["find", "-r", "-l", "Sherlock"])
            .output()
            .unwrap();
        assert_eq!(stdout(&out), "sherlock\n", "{}", stderr(&out));
        // An ignore file of ripgrep's own does not stop at the root.
        sandbox.file(".rgignore", "sherlock\n");
        let out = mpatch()
            .current_dir(sandbox.path("foo/bar"))
            .args(["find", "-r", "-l", "Sherlock"])
            .output()
            .unwrap();
        assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    }
}

#[test]
fn a_gitignore_counts_in_a_plain_folder_and_inside_its_repository() {
    let sandbox = Sandbox::new();
    if sandbox_in_repository(&sandbox) {
        return common::cannot_run("gitignore_plain", "the temp folder is in a git repository");
    }
    sandbox.file(".gitignore", "skipped\n");
    fs::create_dir(sandbox.path("sub")).unwrap();
    sandbox.file("sub/skipped", "x");
    sandbox.file("sub/kept", "x");
    let out = mpatch()
        .current_dir(sandbox.path("sub"))
        .args(["find", "-r", "-l", "x"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "kept\n", "{}", stderr(&out));
    // Inside a repository its own .gitignore applies, as in ripgrep.
    fs::create_dir(sandbox.path("sub/.git")).unwrap();
    sandbox.file("sub/.gitignore", "kept\n");
    let out = mpatch()
        .current_dir(sandbox.path("sub"))
        .args(["find", "-r", "-l", "x"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "skipped\n", "{}", stderr(&out));
}

/// A repository inside a plain folder: the folder's `.gitignore` counts
/// beside it, not inside it; the walk keeps path order with `--sort path`.
#[test]
fn a_repository_in_a_plain_folder_is_walked_by_its_own_rules() {
    let sandbox = Sandbox::new();
    if sandbox_in_repository(&sandbox) {
        return common::cannot_run("gitignore_nested", "the temp folder is in a git repository");
    }
    sandbox.file(".gitignore", "sherlock\n");
    for dir in ["a", "repo/.git", "repo/deep/er", "z"] {
        fs::create_dir_all(sandbox.path(dir)).unwrap();
    }
    sandbox.file("repo/.gitignore", "watson\n");
    for file in [
        "a/sherlock",
        "a/x",
        "repo/sherlock",
        "repo/watson",
        "repo/deep/er/x",
        "z/x",
    ] {
        sandbox.file(file, "Sherlock");
    }
    let walk = |extra: &[&str]| {
        let out = mpatch()
            .current_dir(sandbox.dir.path())
            .args(["find", "-r", "-l", "--sort", "path"])
            .args(extra)
            .arg("Sherlock")
            .output()
            .unwrap();
        assert_eq!(stderr(&out), "");
        stdout(&out)
    };
    assert_eq!(walk(&[]), "a/x\nrepo/deep/er/x\nrepo/sherlock\nz/x\n");
    assert_eq!(walk(&["--max-depth", "2"]), "a/x\nrepo/sherlock\nz/x\n");
    // Unsorted, the walk that lists each folder on a thread of its own.
    let out = sandbox.run(&["find", "-r", "-l", "Sherlock"]);
    assert_eq!(stderr(&out), "");
    let expected = ["a/x", "repo/deep/er/x", "repo/sherlock", "z/x"];
    assert_eq!(sorted_lines(&out), expected);
}

/// Holds `path`'s lock (as another writer does) until dropped.
fn hold_lock(path: &Path) -> KillOnDrop {
    let holder = KillOnDrop::spawn(
        std::process::Command::new("flock")
            .arg("--no-fork")
            .arg(path)
            .args(["sleep", "30"]),
    );
    let held = || {
        !std::process::Command::new("flock")
            .arg("-n")
            .arg(path)
            .arg("true")
            .status()
            .unwrap()
            .success()
    };
    wait_until(
        "flock holds the lock",
        std::time::Duration::from_secs(10),
        held,
    );
    holder
}

#[test]
fn a_tree_s_file_without_a_match_is_not_locked_and_one_with_a_match_is() {
    let s = tree(&[
        ("d/hit.log", "x ERROR y\n"),
        ("d/miss.log", "nothing here\n"),
    ]);
    let replace = || {
        mpatch()
            .current_dir(s.dir.path())
            .args(["replace", "-r", "--no-sync", "--lock-timeout", "0.3"])
            .args(["ERROR", "FIXED", "d"])
            .output()
            .unwrap()
    };
    // Another writer holds the file with nothing to replace: the run
    // neither waits for it nor fails.
    let holder = hold_lock(&s.path("d/miss.log"));
    let out = replace();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "d/hit.log: 1 replaced\n2 files searched, 1 matched, 1 patched, 1 replaced\n"
    );
    assert_eq!(fs::read(s.path("d/hit.log")).unwrap(), b"x FIXED y\n");
    drop(holder);
    // A file with a match is written under its lock: held, it is an error.
    fs::write(s.path("d/hit.log"), "x ERROR y\n").unwrap();
    let _holder = hold_lock(&s.path("d/hit.log"));
    let out = replace();
    assert_error(&out, "d/hit.log", "--lock-timeout");
    assert_eq!(fs::read(s.path("d/hit.log")).unwrap(), b"x ERROR y\n");
}
