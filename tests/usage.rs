//! Usage errors are one clean line on stderr, with exit status 2; help is
//! there however it is asked for, `mpatch help -h` included.

mod common;

use common::{mpatch, stderr, stdout};

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
