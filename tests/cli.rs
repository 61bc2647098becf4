//! The command line as people and scripts meet it: usage errors in one line,
//! help, colour on a terminal, bad files and patterns refused, output (a
//! closed pipe, a full stdout) that never cuts a patch short, and no number
//! in any option, nor any odd value, that makes mpatch panic or hang.

mod common;
use std::ffi::OsString;
use std::fs::{self, File};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::*;
use predicates::prelude::*;
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Patches are never cut short by their output

/// Runs `mpatch ARGS` (in `dir`) with its stdout on a real pipe to
/// `head -1`, which closes the pipe after one line. Returns what mpatch
/// itself did (its own status and stderr, not the pipeline's) and the
/// line head printed.
fn piped_to_head(
    args: &[OsString],
    dir: &Path,
    prepare: impl FnOnce(&mut Command),
) -> (Output, String) {
    let mut head = KillOnDrop::spawn(
        Command::new("head")
            .arg("-1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped()),
    );
    let pipe = head.stdin.take().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(pipe))
        .stderr(Stdio::piped());
    prepare(&mut cmd);
    let child = KillOnDrop::spawn(&mut cmd);
    // Our copy of the pipe's write end goes with the command.
    drop(cmd);
    let out = output_within(child, Duration::from_secs(60));
    let head = output_within(head, Duration::from_secs(10));
    assert!(head.status.success(), "head failed: {head:?}");
    assert_eq!(
        out.status.signal(),
        None,
        "mpatch was killed by a signal (SIGPIPE?); stderr: {}",
        stderr(&out)
    );
    (out, stdout(&head))
}

fn os_args(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// A file holding `ERROR\n` 200,000 times.
const LINES: usize = 200_000;

#[test]
fn replace_json_into_a_closed_pipe_patches_every_match() {
    let s = Sandbox::new();
    let f = s.file("big.log", b"ERROR\n".repeat(LINES));
    let (out, line) = piped_to_head(
        &os_args(&["replace", "--json", "ERROR", "FIXED", "big.log"]),
        s.dir.path(),
        |_| {},
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert_eq!(
        line,
        "{\"type\":\"match\",\"path\":\"big.log\",\"offset\":0,\"bytes\":\"4552524f52\",\
         \"old\":\"4552524f52\",\"new\":\"4649584544\"}\n"
    );
    assert!(
        fs::read(&f).unwrap() == b"FIXED\n".repeat(LINES),
        "every one of the {LINES} matches is replaced"
    );
}

#[test]
fn replace_preview_into_a_closed_pipe_patches_every_match() {
    let s = Sandbox::new();
    let f = s.file("big.log", b"ERROR\n".repeat(LINES));
    let (out, line) = piped_to_head(
        &os_args(&[
            "replace",
            "--byte-context",
            "2",
            "ERROR",
            "FIXED",
            "big.log",
        ]),
        s.dir.path(),
        |_| {},
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert_eq!(line, "0- [ERROR]\\nE\n");
    assert!(
        fs::read(&f).unwrap() == b"FIXED\n".repeat(LINES),
        "every one of the {LINES} matches is replaced"
    );
}

/// The soft limit on open files most systems start a shell with; the
/// hard limit stays as it is.
fn common_open_file_limit(cmd: &mut Command) {
    // SAFETY: only getrlimit and setrlimit (async-signal-safe) run in
    // the child between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let mut limit: libc::rlimit = std::mem::zeroed();
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur > 1024 {
                limit.rlim_cur = 1024;
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            }
            Ok(())
        });
    }
}

const FILES: usize = 3000;

#[test]
fn replace_and_undo_of_three_thousand_files_into_a_closed_pipe_do_every_file() {
    let s = Sandbox::new();
    let dir = s.path("files");
    fs::create_dir(&dir).unwrap();
    // Long names, so that the output is far more than a pipe holds: the
    // reader is gone long before mpatch has printed it all.
    let names: Vec<String> = (0..FILES)
        .map(|i| format!("f{i:04}-{}", "x".repeat(100)))
        .collect();
    for name in &names {
        fs::write(dir.join(name), "a ERROR b\n").unwrap();
    }
    let printed: usize = names.iter().map(|n| n.len() + ": 1 replaced\n".len()).sum();
    assert!(printed > 256 << 10, "the output must not fit in a pipe");

    // 3,000 fdatasyncs take most of a minute on a slow disk; the flush of
    // a patch whose output is cut is covered by the single-file tests.
    let mut args = os_args(&["replace", "--no-sync", "--journal", "../many.mpj"]);
    args.extend(os_args(&["ERROR", "FIXED"]));
    args.extend(names.iter().map(OsString::from));
    let (out, line) = piped_to_head(&args, &dir, common_open_file_limit);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert_eq!(line, format!("{}: 1 replaced\n", names[0]));
    for name in &names {
        assert_eq!(fs::read(dir.join(name)).unwrap(), b"a FIXED b\n", "{name}");
    }

    let journal = s.path("many.mpj");
    let (out, line) = piped_to_head(
        &[
            "undo".into(),
            "--no-sync".into(),
            journal.clone().into_os_string(),
        ],
        &dir,
        common_open_file_limit,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let first = fs::canonicalize(dir.join(&names[0])).unwrap();
    assert_eq!(line, format!("{}: 1 region restored\n", first.display()));
    for name in &names {
        assert_eq!(fs::read(dir.join(name)).unwrap(), b"a ERROR b\n", "{name}");
    }
    assert!(!journal.exists(), "the journal is removed");
}

/// Runs `mpatch ARGS` with stdout on /dev/full.
fn into_dev_full(args: &[&str], dir: &Path) -> Output {
    let full = File::options().write(true).open("/dev/full").unwrap();
    let child = KillOnDrop::spawn(
        Command::new(BIN)
            .args(args)
            .current_dir(dir)
            .stdout(full)
            .stderr(Stdio::piped()),
    );
    output_within(child, Duration::from_secs(60))
}

#[test]
fn a_full_stdout_is_an_error_after_the_patch_is_made() {
    let s = Sandbox::new();
    let f = s.file("app.log", "a ERROR b ERROR c\n");
    let out = into_dev_full(
        &[
            "replace",
            "--journal",
            "app.mpj",
            "ERROR",
            "FIXED",
            "app.log",
        ],
        s.dir.path(),
    );
    assert_error_line_raw(&out, "mpatch: stdout: no space left on device\n");
    assert_eq!(fs::read(&f).unwrap(), b"a FIXED b FIXED c\n");

    let out = into_dev_full(&["poke", "app.log", "0", "A"], s.dir.path());
    assert_error_line_raw(&out, "mpatch: stdout: no space left on device\n");
    assert_eq!(fs::read(&f).unwrap(), b"A FIXED b FIXED c\n");

    let out = into_dev_full(&["undo", "--force", "app.mpj"], s.dir.path());
    assert_error_line_raw(&out, "mpatch: stdout: no space left on device\n");
    assert_eq!(fs::read(&f).unwrap(), b"A ERROR b ERROR c\n");

    let out = into_dev_full(&["find", "ERROR", "app.log"], s.dir.path());
    assert_error_line_raw(&out, "mpatch: stdout: no space left on device\n");

    // A run that only prints says so too.
    for args in [
        &["--version"][..],
        &["--help"],
        &["help", "find"],
        &["find", "-h"],
        &["--generate", "bash"],
    ] {
        let out = into_dev_full(args, s.dir.path());
        assert_error_line_raw(&out, "mpatch: stdout: no space left on device\n");
    }
}

fn assert_error_line_raw(out: &Output, line: &str) {
    assert_eq!(out.status.signal(), None, "{out:?}");
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(out));
    assert_eq!(stderr(out), line);
}

#[test]
fn find_into_a_closed_pipe_ends_quietly_with_status_0() {
    let s = Sandbox::new();
    s.file("big.log", b"ERROR\n".repeat(LINES));
    for (args, first) in [
        (vec!["find", "ERROR", "big.log"], "0\n"),
        (
            vec!["find", "--byte-context", "2", "ERROR", "big.log"],
            "0: [ERROR]\\nE\n",
        ),
        (
            vec!["find", "--json", "ERROR", "big.log"],
            "{\"type\":\"match\",\"path\":\"big.log\",\"offset\":0,\"bytes\":\"4552524f52\"}\n",
        ),
    ] {
        let (out, line) = piped_to_head(&os_args(&args), s.dir.path(), |_| {});
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
        assert_eq!(line, first, "{args:?}");
    }
}

// ---------------------------------------------------------------------------
// No panics, no hangs

/// Fails unless `out` is an orderly end: exit 0, 1 or 2, no signal, no
/// panic message.
fn assert_orderly(out: &Output, args: &[String]) {
    let err = stderr(out);
    assert_eq!(
        out.status.signal(),
        None,
        "mpatch {args:?} died by a signal; stderr: {err}"
    );
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "mpatch {args:?} exited {:?}; stderr: {err}",
        out.status.code()
    );
    assert!(!err.contains("panicked"), "mpatch {args:?} panicked: {err}");
}

const ODD_NUMBERS: &[&str] = &[
    "0",
    "-1",
    "18446744073709551615",
    "18446744073709551616",
    "inf",
    "nan",
    "1e19",
    "-0x10",
    "0xffffffffffffffffff",
];

const SAMPLE: &str = "a ERROR b ERROR c ERROR d\n";

/// Every way an odd number can reach an option of a command: the options
/// as `--name=VALUE` (so the value reaches the option's own parser) and
/// positional numbers after `--`.
fn odd_command_lines(v: &str) -> Vec<Vec<String>> {
    let mut lines: Vec<Vec<&str>> = Vec::new();
    let max = format!("--max-count={v}");
    let nth = format!("--nth={v}");
    let context = format!("--context={v}");
    let start = format!("--range={v}:");
    let end = format!("--range=:{v}");
    let both = format!("--range={v}:{v}");
    let expect = format!("--expect={v}");
    let lock = format!("--lock-timeout={v}");
    for option in [&max, &nth, &context, &start, &end, &both] {
        lines.push(vec!["find", option, "ERROR", "f"]);
        lines.push(vec!["find", "-c", option, "ERROR", "f"]);
        lines.push(vec!["find", "-l", option, "ERROR", "f"]);
        lines.push(vec!["replace", "-n", option, "ERROR", "FIXED", "f"]);
        lines.push(vec!["replace", "--json", option, "ERROR", "FIXED", "f"]);
    }
    for option in [&expect, &lock] {
        lines.push(vec!["replace", "-n", option, "ERROR", "FIXED", "f"]);
        lines.push(vec!["replace", option, "ERROR", "FIXED", "f"]);
    }
    lines.push(vec!["replace", "-C", v, "ERROR", "FIXED", "f"]);
    lines.push(vec!["find", "-m", v, "ERROR", "f"]);
    lines.push(vec!["peek", "--", "f", v]);
    lines.push(vec!["peek", "--", "f", "0", v]);
    lines.push(vec!["peek", "--", "f", v, v]);
    lines.push(vec!["peek", "f", v]);
    lines.push(vec!["poke", "-n", "--", "f", v, "X"]);
    lines.push(vec!["poke", "--", "f", v, "X"]);
    lines.push(vec!["poke", &lock, "f", "0", "a"]);
    lines.push(vec!["undo", &lock, "f.mpj"]);
    lines
        .into_iter()
        .map(|line| line.into_iter().map(String::from).collect())
        .collect()
}

#[test]
fn odd_numbers_in_every_numeric_option_end_in_order() {
    let s = Sandbox::new();
    for v in ODD_NUMBERS {
        for args in odd_command_lines(v) {
            s.file("f", SAMPLE);
            if args[0] == "undo" {
                // A real journal, so that undo gets as far as the lock.
                let _ = fs::remove_file(s.path("f.mpj"));
                let made = run_in(
                    s.dir.path(),
                    &os_strings(&["replace", "--journal", "f.mpj", "ERROR", "FIXED", "f"]),
                );
                assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
            }
            let out = run_in(s.dir.path(), &args);
            assert_orderly(&out, &args);
        }
    }
}

/// A value for a numeric option: an odd number, any u64 in any notation,
/// a float, or any text at all (but NUL, which no argument can hold).
fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(ODD_NUMBERS).prop_map(String::from),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| format!("{n:#x}")),
        any::<u64>().prop_map(|n| format!("-{n}")),
        any::<u64>().prop_map(|n| format!("-{n:#x}")),
        any::<i128>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        Just(String::new()),
        "[-+0-9a-fxA-FX.e:_ ]{0,24}",
        "\\PC{0,16}",
    ]
}

/// A command line: one of the five commands with up to four numeric
/// options and its positional numbers, each from [`any_value`].
fn any_command_line() -> impl Strategy<Value = Vec<String>> {
    let options = prop::collection::vec((0usize..8, any_value(), any::<bool>()), 0..4);
    (0usize..5, options, any_value(), any_value(), any::<bool>()).prop_map(
        |(command, options, first, second, dry)| {
            let names = [
                "--max-count",
                "--nth",
                "--context",
                "--range",
                "--expect",
                "--lock-timeout",
                "-m",
                "-C",
            ];
            let mut args: Vec<String> = Vec::new();
            let command_name = ["find", "replace", "peek", "poke", "undo"][command];
            args.push(command_name.into());
            if dry && command_name != "find" && command_name != "peek" && command_name != "undo" {
                args.push("-n".into());
            }
            for (which, value, joined) in options {
                let option = names[which];
                let allowed = match command_name {
                    "find" => !matches!(option, "--expect" | "--lock-timeout"),
                    "replace" => true,
                    _ => option == "--lock-timeout",
                };
                if !allowed {
                    continue;
                }
                let value = if option == "--range" {
                    format!("{value}:{first}")
                } else {
                    value
                };
                if joined && option.starts_with("--") {
                    args.push(format!("{option}={value}"));
                } else {
                    args.push(option.into());
                    args.push(value);
                }
            }
            match command_name {
                "find" => args.extend(["ERROR".into(), "f".into()]),
                "replace" => args.extend(["ERROR".into(), "FIXED".into(), "f".into()]),
                "peek" => args.extend(["--".into(), "f".into(), first, second]),
                "poke" => args.extend(["--".into(), "f".into(), first, "X".into()]),
                _ => args.push("f.mpj".into()),
            }
            args
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_option_values_end_in_order(args in any_command_line()) {
        let s = Sandbox::new();
        s.file("f", SAMPLE);
        if args[0] == "undo" {
            let made = run_in(
                s.dir.path(),
                &os_strings(&["replace", "--journal", "f.mpj", "ERROR", "FIXED", "f"]),
            );
            prop_assert_eq!(made.status.code(), Some(0));
        }
        let out = run_in(s.dir.path(), &args);
        assert_orderly(&out, &args);
    }
}

/// Exit 2 with one line on stderr that reads as a usage error about
/// `option`, and `f` unchanged.
fn assert_usage_error(args: &[&str], option: &str) {
    let s = Sandbox::new();
    let f = s.file("f", SAMPLE);
    let before = snapshot(&f);
    let out = run_in(s.dir.path(), &os_strings(args));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(
        err.starts_with("mpatch: ")
            && err.contains(option)
            && err.ends_with("(see mpatch --help)\n"),
        "{args:?}: {err:?}"
    );
    assert!(!err.contains("panicked"));
    assert_eq!(stdout(&out), "");
    assert_unchanged_since(&f, &before);
}

#[test]
fn a_context_of_u64_max_is_a_usage_error() {
    assert_usage_error(
        &[
            "replace",
            "-C",
            "18446744073709551615",
            "ERROR",
            "FIXED",
            "f",
        ],
        "--context",
    );
}

#[test]
fn a_lock_timeout_of_inf_is_a_usage_error() {
    assert_usage_error(
        &["replace", "--lock-timeout", "inf", "ERROR", "FIXED", "f"],
        "--lock-timeout",
    );
}

#[test]
fn bad_files_are_refused_with_their_name() {
    let s = Sandbox::new();
    let fifo = s.path("fifo");
    assert!(sh(&format!("mkfifo {}", fifo.display())).status.success());
    let dir = s.path("dir");
    fs::create_dir(&dir).unwrap();
    let cases: [(&str, &str); 5] = [
        (
            &*s.path("missing").to_string_lossy().into_owned().leak(),
            "no such file or directory",
        ),
        (
            &*dir.to_string_lossy().into_owned().leak(),
            "is a directory",
        ),
        (&*fifo.to_string_lossy().into_owned().leak(), "is a FIFO"),
        ("/dev/null", "is a character device"),
        ("-", "standard input cannot be mapped"),
    ];
    for (path, reason) in cases {
        // find and peek read a FIFO or standard input as a stream
        // (tests/toolbox.rs); replace and poke refuse them.
        let stream = path == "-" || path.ends_with("fifo");
        for args in [
            vec!["find", "x", path],
            vec!["replace", "x", "y", path],
            vec!["poke", path, "0", "y"],
            vec!["peek", path, "0"],
        ] {
            if stream && matches!(args[0], "find" | "peek") {
                continue;
            }
            let out = mpatch().args(&args).output().unwrap();
            assert_error(&out, path, reason);
        }
    }
}

#[test]
fn bad_patterns_are_refused_and_nothing_changes() {
    let s = Sandbox::new();
    let f = s.file("f", "some text");
    let before = snapshot(&f);
    let cases: [(&[&str], &str, &str); 5] = [
        (&["replace", "", ""], "pattern", "is empty"),
        (
            &["replace", "-x", "zz", "aa"],
            "pattern",
            "at byte 0: \"z\" is not a hex digit",
        ),
        (
            &["replace", "-x", "abc", "def"],
            "pattern",
            "an odd number of hex digits",
        ),
        (
            &["replace", "-e", r"so\qe", "xxxxx"],
            "pattern",
            r"at byte 2: unknown escape \q",
        ),
        (
            &["find", "-e", r"\x4"],
            "pattern",
            "\\x needs two hex digits",
        ),
    ];
    for (args, subject, reason) in cases {
        let out = mpatch().args(args).arg(&f).output().unwrap();
        assert_error(&out, subject, reason);
    }
    assert_eq!(snapshot(&f), before);
}

#[test]
fn help_shows_examples() {
    mpatch()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("mpatch replace --dry-run"));
}

#[test]
fn usage_errors_are_one_line_with_exit_2() {
    let out = mpatch().args(["replace", "ERROR"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "mpatch: the following required arguments were not provided: <REPLACEMENT> <FILE>..."
        ),
        "{err}"
    );
    let out = mpatch()
        .args(["peek", "-f", "xml", "f", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "mpatch: invalid value 'xml' for '--format <FORMAT>' [possible values: hexdump, hex, text, raw] (see mpatch --help)\n"
    );
    mpatch()
        .arg("--version")
        .assert()
        .code(0)
        .stdout("mpatch 0.1.0\n");
}

#[test]
fn bad_numbers_and_pad_values_are_refused() {
    let s = Sandbox::new();
    let f = s.file("f", "ERROR here");
    let before = snapshot(&f);
    let cases: [(&[&str], &str, &str); 4] = [
        (&["peek", "F", "12k"], "OFFSET", "\"12k\" is not a number"),
        (
            &["peek", "F", "0", "lots"],
            "LENGTH",
            "\"lots\" is not a number",
        ),
        (
            &["poke", "F", "0x", "x"],
            "OFFSET",
            "\"0x\" is not a number",
        ),
        (
            &["replace", "--pad", "ab", "ERROR", "OK", "F"],
            "--pad",
            "\"ab\": give one ASCII character or 0xHH",
        ),
    ];
    for (args, subject, reason) in cases {
        let path = f.to_string_lossy().into_owned();
        let args: Vec<&str> = args
            .iter()
            .map(|a| if *a == "F" { path.as_str() } else { a })
            .collect();
        let out = mpatch().args(&args).output().unwrap();
        assert_error(&out, subject, reason);
    }
    assert_eq!(snapshot(&f), before);
}

/// Runs `mpatch ARGS` and returns its exit status and stderr.
fn usage_error(args: &[&str]) -> (Option<i32>, String) {
    let out = mpatch().args(args).output().unwrap();
    assert_eq!(stdout(&out), "", "{args:?}");
    (out.status.code(), stderr(&out))
}

#[test]
fn usage_errors_are_one_clean_line() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["--color", "never"],
            "mpatch: unexpected argument '--color' found (see mpatch --help)\n",
        ),
        // clap's tip follows the sentence as a clause of its own.
        (
            &["find", "--qqqq", "x", "f"],
            "mpatch: unexpected argument '--qqqq' found; to pass '--qqqq' as a value, \
             use '-- --qqqq' (see mpatch --help)\n",
        ),
        (
            &["find", "--jsn", "x", "f"],
            "mpatch: unexpected argument '--jsn' found; a similar argument exists: '--json' \
             (see mpatch --help)\n",
        ),
        (
            &["rplace", "x", "y", "f"],
            "mpatch: unrecognized subcommand 'rplace'; a similar subcommand exists: 'replace' \
             (see mpatch --help)\n",
        ),
        (
            &["replace", "ERROR"],
            "mpatch: the following required arguments were not provided: <REPLACEMENT> \
             <FILE>... (see mpatch --help)\n",
        ),
    ];
    for (args, wanted) in cases {
        let (code, err) = usage_error(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert_eq!(err, wanted, "{args:?}");
    }
}

#[test]
fn no_usage_error_runs_tip_text_into_its_sentence() {
    for args in [
        &["find", "--colr", "x", "f"][..],
        &["find", "--jsn", "x", "f"],
        &["peek", "-f", "xmll", "f", "0"],
        &["undo"],
        &["poke", "f"],
        &["find", "-C"],
        &["help", "fnd"],
    ] {
        let (code, err) = usage_error(args);
        assert_eq!(code, Some(2), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("mpatch: "), "{args:?}: {err}");
        assert!(err.ends_with(" (see mpatch --help)\n"), "{args:?}: {err}");
        assert!(!err.contains("tip:"), "{args:?}: {err}");
        assert!(!err.contains("error:"), "{args:?}: {err}");
        assert!(!err.contains("  "), "{args:?}: {err}");
    }
}

#[test]
fn help_works_however_it_is_asked_for() {
    let out = mpatch().args(["help", "-h"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert!(
        stdout(&out).contains("Usage: mpatch help [COMMAND]..."),
        "{}",
        stdout(&out)
    );
    let out = mpatch().args(["help", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Usage: mpatch help"));

    let find = mpatch().args(["find", "--help"]).output().unwrap();
    for args in [
        &["help", "find"][..],
        &["help", "find", "-h"],
        &["help", "find", "--help"],
    ] {
        let out = mpatch().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), stdout(&find), "{args:?}");
    }
    let out = mpatch().args(["help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Usage: mpatch <COMMAND>"));
}

#[test]
fn each_command_help_shows_its_examples_and_exit_status() {
    for command in ["find", "replace", "peek", "poke", "undo"] {
        let short = mpatch().args([command, "-h"]).output().unwrap();
        assert_eq!(short.status.code(), Some(0));
        let short = stdout(&short);
        assert!(
            short.contains(&format!("Examples:\n  mpatch {command}"))
                || short.contains("Examples:\n  mpatch replace --journal"),
            "{short}"
        );
        let long = mpatch().args([command, "--help"]).output().unwrap();
        assert!(stdout(&long).contains("Exit status:\n  0"), "{command}");
    }
}

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
