//! The hardened engine, proved on the real binary and real files: patches
//! never cut short by their output, no panics or hangs on odd numbers,
//! journals that keep secrets and leave nothing behind, faults that end one
//! file and not the process, a write path that never regrows a file, is
//! all-or-nothing on a full disk and writes only the blocks it changes.

mod common;

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;
use proptest::prelude::*;

/// A small deterministic generator (xorshift64*), so that the tests need no
/// random crate and a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

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

fn run_in(dir: &Path, args: &[String]) -> Output {
    let child = KillOnDrop::spawn(
        Command::new(BIN)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    output_within(child, Duration::from_secs(30))
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

fn os_strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
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

// ---------------------------------------------------------------------------
// undo and journals

fn undo_within(journal: &Path, limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let child = KillOnDrop::spawn(
        Command::new(BIN)
            .arg("undo")
            .arg(journal)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let out = output_within(child, limit);
    (out, started.elapsed())
}

#[test]
fn undo_of_a_fifo_is_refused_at_once() {
    let s = Sandbox::new();
    let fifo = s.path("journal.fifo");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let (out, took) = undo_within(&fifo, Duration::from_secs(10));
    assert_error_line(
        &out,
        &name(&fifo),
        "is a FIFO (named pipe), which cannot be mapped",
    );
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn undo_of_a_directory_is_refused() {
    let s = Sandbox::new();
    let dir = s.path("journal.d");
    fs::create_dir(&dir).unwrap();
    let (out, took) = undo_within(&dir, Duration::from_secs(10));
    assert_error_line(&out, &name(&dir), "is a directory");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn a_journal_of_a_secret_is_mode_600_and_unreadable_to_others() {
    let s = Sandbox::new();
    let f = s.file("secret.conf", "user=admin\npassword=hunter2\n");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).unwrap();
    let out = run_in(
        s.dir.path(),
        &os_strings(&[
            "replace",
            "--journal",
            "secret.mpj",
            "hunter2",
            "XXXXXXX",
            "secret.conf",
        ]),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let journal = s.path("secret.mpj");
    let mode = fs::metadata(&journal).unwrap().mode();
    assert_eq!(mode & 0o777, 0o600, "journal mode {:o}", mode & 0o777);
    let bytes = fs::read(&journal).unwrap();
    assert!(
        bytes.windows(7).any(|w| w == b"hunter2"),
        "the journal does hold the secret, so its mode matters"
    );
    if !is_root() {
        return cannot_run(
            "a_journal_of_a_secret_is_mode_600_and_unreadable_to_others",
            "reading as another user needs root",
        );
    }
    for args in [
        vec!["peek", "-f", "raw", "secret.mpj", "0", "4096"],
        vec!["find", "hunter2", "secret.mpj"],
        vec!["undo", "secret.mpj"],
    ] {
        let out = mpatch_unprivileged(&s, &args);
        assert_error_line(&out, "secret.mpj", "permission denied");
        assert_eq!(stdout(&out), "");
    }
    let cat = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "cat"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(!cat.status.success(), "nobody read the journal");
    assert!(!stdout(&cat).contains("hunter2"));
}

#[test]
fn undo_with_a_read_only_journal_folder_restores_and_warns() {
    let s = Sandbox::new();
    let dir = s.path("journals");
    fs::create_dir(&dir).unwrap();
    let f = s.file("app.log", "a ERROR b ERROR c\n");
    if is_root() {
        // Everything belongs to the unprivileged user who runs mpatch.
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        std::os::unix::fs::chown(&f, Some(65534), Some(65534)).unwrap();
    }
    let out = mpatch_unprivileged(
        &s,
        &[
            "replace",
            "--journal",
            "journals/app.mpj",
            "ERROR",
            "FIXED",
            "app.log",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"a FIXED b FIXED c\n");
    // The folder is read-only, even to its owner: the journal stays.
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
    let absolute = fs::canonicalize(&f).unwrap();
    let warning = "mpatch: journals/app.mpj: warning: restored, but the journal could not be removed: permission denied\n";

    let out = mpatch_unprivileged(&s, &["undo", "journals/app.mpj"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{}: 2 regions restored\n", absolute.display())
    );
    assert_eq!(stderr(&out), warning);
    assert_eq!(fs::read(&f).unwrap(), b"a ERROR b ERROR c\n");
    assert!(s.path("journals/app.mpj").exists());

    let again = mpatch_unprivileged(&s, &["undo", "journals/app.mpj"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(
        stdout(&again),
        format!("{}: already restored\n", absolute.display())
    );
    assert_eq!(stderr(&again), warning);
    assert_eq!(fs::read(&f).unwrap(), b"a ERROR b ERROR c\n");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_journaled_replace_that_matches_nothing_leaves_no_journal() {
    let s = Sandbox::new();
    let f = s.file("app.log", "nothing to see here\n");
    let j = s.path("app.mpj");
    let before = snapshot(&f);
    let args = os_strings(&[
        "replace",
        "--journal",
        "app.mpj",
        "ERROR",
        "FIXED",
        "app.log",
    ]);
    let out = run_in(s.dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "app.log: 0 replaced\n");
    assert_eq!(stderr(&out), "");
    assert!(
        !j.exists(),
        "no journal is left by a run that changed nothing"
    );
    assert_unchanged_since(&f, &before);

    // The same journal path works for the next run.
    fs::write(&f, "now an ERROR here\n").unwrap();
    let out = run_in(s.dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"now an FIXED here\n");
    assert!(j.exists());
    let out = run_in(s.dir.path(), &os_strings(&["undo", "app.mpj"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"now an ERROR here\n");
}

// ---------------------------------------------------------------------------
// Faults per file

/// A file of `size` bytes of data: `head` at its start, dots, ERROR 100 bytes
/// before its end.
fn long_log(path: &Path, size: u64, head: &[u8]) -> File {
    let file = File::create(path).unwrap();
    file.write_all_at(head, 0).unwrap();
    fill_to(&file, head.len() as u64, size);
    file.write_all_at(b"ERROR", size - 100).unwrap();
    file
}

#[test]
fn a_sigbus_sent_by_kill_ends_mpatch_by_the_default_action() {
    let s = Sandbox::new();
    let path = s.path("big.log");
    for size in [256 * MIB, 1024 * MIB, 4096 * MIB] {
        let file = long_log(
            &path,
            size,
            b"a log that is long enough to search for a while\n",
        );
        let ino = file.metadata().unwrap().ino();
        let mut child = KillOnDrop::spawn(
            Command::new(BIN)
                .args(["find", "-c", "ERROR"])
                .arg(&path)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        );
        let pid = child.id();
        // Once the file is mapped, mpatch's SIGBUS handler is installed.
        wait_until(
            "mpatch has mapped the file",
            Duration::from_secs(20),
            || maps_inode(pid, ino) || child.try_wait().unwrap().is_some(),
        );
        // SAFETY: kill(2) on our own child, which is not reaped yet.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGBUS) }, 0);
        let out = output_within(child, Duration::from_secs(60));
        match (out.status.signal(), out.status.code()) {
            (Some(signal), _) => {
                assert_eq!(signal, libc::SIGBUS, "stderr: {}", stderr(&out));
                assert_eq!(stderr(&out), "", "no message of mpatch's own");
                return;
            }
            (None, Some(0)) => {
                eprintln!("find -c finished {size} bytes before the kill; trying larger")
            }
            (None, code) => panic!(
                "a SIGBUS from kill ended mpatch with exit {code:?}, not by the signal: {}",
                stderr(&out)
            ),
        }
    }
    panic!("find -c always finished before the kill landed");
}

#[test]
fn a_file_cut_short_ends_its_own_search_and_the_next_file_is_searched() {
    let s = Sandbox::new();
    let big = s.path("big.log");
    let small = s.file("small.log", "an ERROR here, an ERROR there\n");
    for size in [256 * MIB, 1024 * MIB, 4096 * MIB] {
        let file = long_log(&big, size, &first_page());
        let child = spawn_mapped(
            Command::new(BIN)
                .args(["find", "ERROR"])
                .arg(&big)
                .arg(&small)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
            &big,
        );
        file.set_len(PAGE as u64).unwrap();
        let out = output_within(child, Duration::from_secs(60));
        assert_eq!(
            out.status.signal(),
            None,
            "mpatch was killed by a signal; stderr: {}",
            stderr(&out)
        );
        assert_eq!(
            fs::read(&big).unwrap(),
            first_page(),
            "the cut file is left as cut"
        );
        let second = format!("{0}:3\n{0}:18\n", name(&small));
        if out.status.code() == Some(0) {
            eprintln!("find finished {size} bytes before the cut; trying larger");
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let now = std::fs::metadata(&big).unwrap().len();
        assert_eq!(
            stderr(&out),
            format!(
                "mpatch: {}: file changed size while mapped (now {now} bytes)\n",
                name(&big)
            )
        );
        assert_eq!(
            stdout(&out),
            second,
            "the second file's matches are printed"
        );
        return;
    }
    panic!("find always finished before the file was cut");
}

// ---------------------------------------------------------------------------
// The write path

/// A page every `STRIDE` bytes starts with ERROR: far enough apart that
/// every match is a write of its own.
const STRIDE: usize = 8192;
const CUT_LEN: usize = 64 << 20;

fn cut_sample(patched: bool) -> Vec<u8> {
    let mut page = vec![b'.'; STRIDE];
    page[STRIDE - 1] = b'\n';
    page[..5].copy_from_slice(if patched { b"FIXED" } else { b"ERROR" });
    let mut bytes = page.repeat(CUT_LEN / STRIDE);
    // A match that ends at the very end, so a write can regrow the file
    // to exactly its old size.
    let end = bytes.len();
    bytes[end - 5..].copy_from_slice(if patched { b"FIXED" } else { b"ERROR" });
    bytes
}

/// The time from mapping to exit of an undisturbed replace.
fn undisturbed_replace(path: &Path, original: &[u8], args: &[&str]) -> Duration {
    fs::write(path, original).unwrap();
    let mut child = spawn_mapped(
        Command::new(BIN)
            .args(args)
            .arg(path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
        path,
    );
    let mapped = Instant::now();
    let status = wait_within(&mut child, Duration::from_secs(60));
    assert!(status.success(), "{status}");
    mapped.elapsed()
}

/// One replace that a loop of truncations hit.
struct CutRun {
    what: String,
    out: Output,
    /// The file's size when mpatch had ended.
    size: u64,
    /// The largest size the cutter saw while mpatch ran.
    largest: u64,
    /// The size the cutter last cut the file to, if it cut at all.
    last_cut: Option<u64>,
    patched: bool,
}

/// Runs `replace ERROR FIXED` (durable and `--no-sync` in turn) `runs`
/// times on a 64 MiB file with a match every 8 KiB, while another thread
/// cuts the file again and again, each time to a random smaller size: the
/// first cut in the first half of a quick run, the next ones every 200 µs
/// for as long as mpatch runs.
fn replace_under_a_truncation_loop(runs: usize) -> Vec<CutRun> {
    let s = Sandbox::new();
    let path = s.path("big.log");
    let original = cut_sample(false);
    let patched = cut_sample(true);
    let len = original.len() as u64;
    // A literal, durable and not; and a regex whose replacement is
    // expanded from each match, which a check pass first counts.
    let variants: [&[&str]; 3] = [
        &["replace", "ERROR", "FIXED"],
        &["replace", "--no-sync", "ERROR", "FIXED"],
        &["replace", "--no-sync", "--regex", "ERROR()", "FIXED${1}"],
    ];
    // The quickest of several undisturbed runs: a run may well be twice as
    // quick as one measured while the disk still wrote an earlier file, and
    // a first cut that came after its last check would be no test at all.
    let quickest = variants
        .iter()
        .cycle()
        .take(2 * variants.len())
        .map(|args| undisturbed_replace(&path, &original, args))
        .min()
        .unwrap();
    let mut rng = Rng::new(0x5eed ^ u64::from(std::process::id()));
    let mut done = Vec::new();
    for run in 0..runs {
        let args = variants[run % variants.len()];
        fs::write(&path, &original).unwrap();
        let child = spawn_mapped(
            Command::new(BIN)
                .args(args)
                .arg(&path)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
            &path,
        );
        let pid = child.id();
        let delay = Duration::from_micros(rng.below(quickest.as_micros() as u64 / 3 + 1));
        let seed = rng.next();
        let largest = Arc::new(AtomicU64::new(len));
        let stop = Arc::new(AtomicBool::new(false));
        let cutter = {
            let (path, largest, stop) = (path.clone(), largest.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut rng = Rng::new(seed);
                let file = File::options().write(true).open(&path).unwrap();
                std::thread::sleep(delay);
                let (mut cuts, mut last_cut) = (0, None);
                while !stop.load(Ordering::SeqCst) && is_running(pid) {
                    let now = file.metadata().unwrap().len();
                    largest.fetch_max(now, Ordering::SeqCst);
                    if now > 0 {
                        let to = rng.below(now);
                        file.set_len(to).unwrap();
                        (cuts, last_cut) = (cuts + 1, Some(to));
                    }
                    std::thread::sleep(Duration::from_micros(200));
                }
                (cuts, last_cut)
            })
        };
        let out = output_within(child, Duration::from_secs(60));
        stop.store(true, Ordering::SeqCst);
        let (cuts, last_cut) = cutter.join().unwrap();
        let size = fs::metadata(&path).unwrap().len();
        let what = format!(
            "run {run} ({args:?}, first cut after {delay:?}, {cuts} cuts, the last to {last_cut:?}): \
             {:?}, size {size}, stderr {:?}",
            out.status,
            stderr(&out)
        );
        done.push(CutRun {
            what,
            out,
            size,
            largest: largest.load(Ordering::SeqCst),
            last_cut,
            patched: size == len && fs::read(&path).unwrap() == patched,
        });
    }
    done
}

#[test]
fn a_truncation_loop_during_replace_never_ends_in_success_with_another_size() {
    let len = CUT_LEN as u64;
    let runs = replace_under_a_truncation_loop(20);
    let mut failed = 0;
    for run in &runs {
        let what = &run.what;
        assert_eq!(run.out.status.signal(), None, "{what}");
        assert!(
            run.largest <= len && run.size <= len,
            "the file grew past its size: {what}"
        );
        match run.out.status.code() {
            Some(0) => {
                assert_eq!(run.size, len, "success with another size: {what}");
                assert!(run.patched, "success, but not the patched bytes: {what}");
            }
            Some(2) => {
                let err = stderr(&run.out);
                assert_eq!(err.lines().count(), 1, "{what}");
                assert!(
                    err.starts_with("mpatch: ") && err.contains("/big.log: "),
                    "{what}"
                );
                assert!(err.contains("changed size"), "{what}");
                failed += 1;
            }
            _ => panic!("unexpected end: {what}"),
        }
        if run.last_cut.is_some_and(|cut| run.size > cut) {
            eprintln!("mpatch left the file longer than the last cut: {what}");
        }
    }
    assert!(
        failed >= 5,
        "only {failed} of 20 runs were cut while running"
    );
}

/// The SPEC's promise: mpatch never makes a file longer; a write that
/// landed past a cut is taken back to within one file-system block of it.
#[test]
fn a_truncation_loop_during_replace_never_leaves_the_file_longer_than_the_last_cut() {
    let runs = replace_under_a_truncation_loop(40);
    let longer: Vec<&str> = runs
        .iter()
        .filter(|run| run.last_cut.is_some_and(|cut| run.size > cut + 4096))
        .map(|run| run.what.as_str())
        .collect();
    assert!(
        longer.is_empty(),
        "mpatch left the file longer than the last cut in {} of {} runs:\n{}",
        longer.len(),
        runs.len(),
        longer.join("\n")
    );
}

fn ext4(s: &Sandbox, test: &str, size: u64) -> Option<Ext4> {
    Ext4::new(s, "ext4", size)
        .map_err(|why| cannot_run(test, &why))
        .ok()
}

/// A full ext4 holding `a.bin` (zeros in allocated blocks) and `b.bin`
/// (a hole where zeros match).
fn full_ext4_with_a_hole(s: &Sandbox, test: &str) -> Option<(Ext4, PathBuf, PathBuf)> {
    let ext = ext4(s, test, 8 * MIB)?;
    let a = ext.path("a.bin");
    let mut bytes = vec![b'a'; 16384];
    for at in [100, 5000, 9000] {
        bytes[at..at + 4].copy_from_slice(&[0; 4]);
    }
    fs::write(&a, &bytes).unwrap();
    let b = ext.path("b.bin");
    {
        let file = File::create(&b).unwrap();
        file.write_all_at(&[b'b'; 4096], 0).unwrap();
        file.set_len(65536).unwrap();
        file.sync_all().unwrap();
    }
    File::open(&a).unwrap().sync_all().unwrap();
    ext.sync();
    ext.fill("fill");
    assert_eq!(
        fs::metadata(&a).unwrap().blocks() * 512,
        16384,
        "a.bin is all allocated"
    );
    assert_eq!(
        fs::metadata(&b).unwrap().blocks() * 512,
        4096,
        "b.bin is one block and a hole"
    );
    Some((ext, a, b))
}

#[test]
fn replace_needing_a_block_on_a_full_ext4_changes_no_file() {
    let s = Sandbox::new();
    let Some((ext, a, b)) =
        full_ext4_with_a_hole(&s, "replace_needing_a_block_on_a_full_ext4_changes_no_file")
    else {
        return;
    };
    let (before_a, before_b) = (fs::read(&a).unwrap(), fs::read(&b).unwrap());
    let out = mpatch()
        .args(["replace", "-x", "00000000", "41414141"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_error_line(&out, &name(&b), "no space left on device");
    assert_eq!(stdout(&out), "");
    // Byte for byte; the failed fallocate does move b.bin's modification
    // time (ext4 updates it before allocating, also when that fails).
    assert!(fs::read(&a).unwrap() == before_a, "a.bin changed");
    assert!(fs::read(&b).unwrap() == before_b, "b.bin changed");
    assert_eq!(fs::metadata(&b).unwrap().blocks() * 512, 4096);
    drop(ext);
}

#[test]
fn poke_into_a_hole_on_a_full_ext4_changes_nothing() {
    let s = Sandbox::new();
    let Some((ext, _, b)) =
        full_ext4_with_a_hole(&s, "poke_into_a_hole_on_a_full_ext4_changes_nothing")
    else {
        return;
    };
    let before = fs::read(&b).unwrap();
    let out = mpatch()
        .arg("poke")
        .arg(&b)
        .args(["30000", "XYZ"])
        .output()
        .unwrap();
    assert_error_line(&out, &name(&b), "no space left on device");
    assert_eq!(stdout(&out), "");
    // Byte for byte (the failed fallocate moves the modification time).
    assert!(fs::read(&b).unwrap() == before, "b.bin changed");
    assert_eq!(fs::metadata(&b).unwrap().blocks() * 512, 4096);
    drop(ext);
}

/// 64 MiB of log lines with ERROR at about 1,000 scattered offsets (some
/// across a block boundary); returns the bytes, the offsets and the
/// floor: the bytes of the 4 KiB blocks that hold a changed byte.
fn scattered_log() -> (Vec<u8>, Vec<usize>, u64) {
    let len = 64 << 20;
    let line = b"2024-01-01T00:00:00 INFO request served in 3 ms\n";
    let mut bytes = line.repeat(len / line.len() + 1);
    bytes.truncate(len);
    let mut rng = Rng::new(42);
    let mut offsets: Vec<usize> = (0..1000)
        .map(|_| rng.below((len - 5) as u64) as usize)
        .collect();
    // Some straddle a block boundary.
    offsets.extend((1..=20).map(|i| i * (3 << 20) - 2));
    offsets.sort_unstable();
    offsets.dedup_by(|b, a| *b < *a + 5);
    let mut blocks = std::collections::BTreeSet::new();
    for &at in &offsets {
        bytes[at..at + 5].copy_from_slice(b"ERROR");
        blocks.insert(at / 4096);
        blocks.insert((at + 4) / 4096);
    }
    (bytes, offsets, 4096 * blocks.len() as u64)
}

/// Writes `bytes` to `path` and makes them durable; with `evict`, drops
/// them from the page cache and reads them back.
fn lay_down(ext: &Ext4, path: &Path, bytes: &[u8], evict: bool) {
    let mut file = File::create(path).unwrap();
    file.write_all(bytes).unwrap();
    file.sync_all().unwrap();
    ext.sync();
    if evict {
        use std::os::fd::AsRawFd;
        // SAFETY: posix_fadvise on a descriptor we own; no memory passed.
        let rc = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        assert_eq!(rc, 0);
        assert!(fs::read(path).unwrap() == bytes);
    }
}

/// What the device was written while `work` ran, its file system synced.
fn written_by(ext: &Ext4, work: impl FnOnce()) -> u64 {
    ext.sync();
    let before = ext.device.bytes_written();
    work();
    ext.sync();
    ext.device.bytes_written() - before
}

const MMAP_PATCH: &str = r#"
import mmap, sys
offsets = [int(o) for o in sys.argv[2].split(",")]
with open(sys.argv[1], "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    for o in offsets:
        m[o:o + 5] = b"FIXED"
    m.flush()
    m.close()
"#;

#[test]
fn a_durable_replace_writes_only_the_blocks_it_changes() {
    const TEST: &str = "a_durable_replace_writes_only_the_blocks_it_changes";
    let s = Sandbox::new();
    let python = Command::new("python3").args(["-c", "import mmap"]).output();
    if !python.is_ok_and(|out| out.status.success()) {
        return cannot_run(TEST, "python3 is not installed");
    }
    let Some(ext) = ext4(&s, TEST, 192 * MIB) else {
        return;
    };
    let (original, offsets, floor) = scattered_log();
    let mut patched = original.clone();
    for &at in &offsets {
        patched[at..at + 5].copy_from_slice(b"FIXED");
    }
    let limit = floor + floor / 4 + 4 * MIB;
    let list = offsets
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",");
    for evict in [false, true] {
        let state = if evict {
            "read back from the disk"
        } else {
            "just written"
        };
        let f = ext.path("app.log");
        lay_down(&ext, &f, &original, evict);
        let written = written_by(&ext, || {
            mpatch()
                .args(["replace", "ERROR", "FIXED"])
                .arg(&f)
                .assert()
                .code(0)
                .stdout(format!("{}: {} replaced\n", name(&f), offsets.len()));
        });
        assert!(fs::read(&f).unwrap() == patched);
        eprintln!(
            "{state}: mpatch wrote {:.2} MiB, floor {:.2} MiB",
            written as f64 / MIB as f64,
            floor as f64 / MIB as f64
        );
        assert!(
            written <= limit,
            "{state}: mpatch wrote {written} bytes to the disk; the blocks it changed hold {floor} (limit {limit})"
        );
        fs::remove_file(&f).unwrap();

        // The same change through a shared mapping: whole folios go back.
        let g = ext.path("mapped.log");
        lay_down(&ext, &g, &original, evict);
        let written = written_by(&ext, || {
            let out = Command::new("python3")
                .args(["-c", MMAP_PATCH])
                .arg(&g)
                .arg(&list)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        });
        assert!(fs::read(&g).unwrap() == patched);
        eprintln!(
            "{state}: python mmap wrote {:.2} MiB",
            written as f64 / MIB as f64
        );
        assert!(
            written > original.len() as u64 / 2,
            "{state}: the mmap patch wrote only {written} bytes; the measurement cannot tell the write paths apart"
        );
        fs::remove_file(&g).unwrap();
    }
}

// ---------------------------------------------------------------------------
// Small points

#[test]
fn peek_at_minus_hex_offset_shows_the_last_bytes() {
    let s = Sandbox::new();
    let bytes: Vec<u8> = (0..100u8).collect();
    let f = s.file("f.bin", &bytes);
    mpatch()
        .args(["peek", "-f", "hex"])
        .arg(&f)
        .arg("-0x10")
        .assert()
        .code(0)
        .stdout("5455565758595a5b5c5d5e5f60616263\n");
    mpatch()
        .arg("peek")
        .arg(&f)
        .arg("-0x10")
        .assert()
        .code(0)
        .stdout("00000054: 5455 5657 5859 5a5b 5c5d 5e5f 6061 6263  TUVWXYZ[\\]^_`abc\n");
}

#[test]
fn find_files_with_matches_and_max_count_0_prints_nothing_and_exits_1() {
    let s = Sandbox::new();
    let f = s.file("f", "X marks the spot\n");
    mpatch()
        .args(["find", "-l", "-m", "0", "X"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
}

#[test]
fn pad_fills_an_empty_replacement() {
    let s = Sandbox::new();
    let f = s.file("f", "an ERROR here\n");
    mpatch()
        .args(["replace", "--pad", " ", "ERROR", ""])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{}: 1 replaced\n", name(&f)));
    assert_eq!(fs::read(&f).unwrap(), b"an       here\n");
}

#[test]
fn writing_to_a_read_only_loop_device_is_a_clear_error() {
    const TEST: &str = "writing_to_a_read_only_loop_device_is_a_clear_error";
    let s = Sandbox::new();
    let mut bytes = vec![0u8; 1 << 20];
    bytes[4096..4101].copy_from_slice(b"MAGIC");
    let image = s.file("disk.img", &bytes);
    if !is_root() {
        return cannot_run(TEST, "attaching a loop device needs root");
    }
    let disk = match LoopDevice::attach_read_only(&image) {
        Ok(disk) => disk,
        Err(why) => return cannot_run(TEST, &why),
    };
    let device = disk.name();
    for args in [
        vec!["replace", "--allow-device", "MAGIC", "magic", &device],
        vec!["poke", "--allow-device", &device, "4096", "m"],
    ] {
        let out = mpatch().args(&args).output().unwrap();
        let err = stderr(&out);
        assert_error(&out, &device, "read-only");
        assert!(!err.contains("cannot map"), "{args:?}: {err}");
        assert_eq!(stdout(&out), "");
    }
    // Reading it is fine.
    mpatch()
        .args(["replace", "--dry-run", "MAGIC", "magic", &device])
        .assert()
        .code(0)
        .stdout(format!("{device}: 1 would be replaced\n"));
    drop(disk);
    assert!(fs::read(&image).unwrap() == bytes, "the image is unchanged");
}

/// Starts ARGS from a small Python process (with stdout on /dev/null)
/// and returns its exit code and peak resident memory in KiB, from
/// wait4's rusage. A child started straight from this test process would
/// report the test process's own peak: a vfork-style spawn shares its
/// memory until exec, and the peak survives the exec.
fn peak_rss_kib(args: &[OsString]) -> (i32, u64) {
    const SPAWN: &str = "import os, subprocess, sys\n\
        child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n\
        _, status, usage = os.wait4(child.pid, 0)\n\
        child.returncode = os.waitstatus_to_exitcode(status)\n\
        print(child.returncode, usage.ru_maxrss)";
    let python = KillOnDrop::spawn(
        Command::new("python3")
            .args(["-c", SPAWN])
            .args(args)
            .stdout(Stdio::piped()),
    );
    let out = output_within(python, Duration::from_secs(120));
    assert!(out.status.success(), "python3: {out:?}");
    let text = stdout(&out);
    let mut fields = text.split_whitespace().map(|f| f.parse::<i64>().unwrap());
    let (code, kib) = (fields.next().unwrap(), fields.next().unwrap());
    (code as i32, kib as u64)
}

#[test]
fn peek_of_half_a_gibibyte_stays_small() {
    let python = Command::new("python3").args(["-c", "import os"]).output();
    if !python.is_ok_and(|out| out.status.success()) {
        return cannot_run(
            "peek_of_half_a_gibibyte_stays_small",
            "python3 is not installed",
        );
    }
    let s = Sandbox::new();
    let f = s.path("big.bin");
    {
        let file = File::create(&f).unwrap();
        file.write_all_at(&b"peek at me ".repeat(1 << 16), 0)
            .unwrap();
        file.write_all_at(&b"and here ".repeat(1 << 16), 300 * MIB)
            .unwrap();
        file.set_len(512 * MIB).unwrap();
    }
    let mut args = vec![OsString::from(BIN), "peek".into(), f.into_os_string()];
    args.extend(["0".into(), "0x20000000".into()]);
    let (code, kib) = peak_rss_kib(&args);
    assert_eq!(code, 0, "peek failed");
    let peak_mib = kib / 1024;
    eprintln!("peek of 512 MiB peaked at {peak_mib} MiB resident");
    assert!(
        peak_mib < 64,
        "peek of 512 MiB peaked at {peak_mib} MiB resident"
    );
}

#[test]
fn a_preview_shows_each_window_before_and_after_the_whole_run() {
    let s = Sandbox::new();
    let f = s.file("f", "xxERRORERRORyy");
    let preview = "2- xx[ERROR]ERROR\n2+ xx[FIXED]FIXED\n7- ERROR[ERROR]yy\n7+ FIXED[FIXED]yy\n";
    let before = snapshot(&f);
    mpatch()
        .args([
            "replace",
            "--dry-run",
            "--byte-context",
            "5",
            "ERROR",
            "FIXED",
        ])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{preview}{}: 2 would be replaced\n", name(&f)));
    assert_unchanged_since(&f, &before);
    mpatch()
        .args(["replace", "--byte-context", "5", "ERROR", "FIXED"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{preview}{}: 2 replaced\n", name(&f)));
    assert_eq!(fs::read(&f).unwrap(), b"xxFIXEDFIXEDyy");
}
