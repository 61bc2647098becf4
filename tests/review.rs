//! Review before writing: the unified diff of `replace --diff` (and of
//! `examples/review.rs`) through `git apply`, `patch -p1` and `diff -u`, and
//! the one-key prompt of `replace -I` on a pseudo-terminal.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use common::cannot_run;
use serde_json::{Value, json};

/// The example, built by the cargo that runs this test (a no-op when
/// `cargo test` built it already; `cargo test --test review` does not).
fn example() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .args([
                "build",
                "--example",
                "review",
                "--message-format=json-render-diagnostics",
            ])
            .current_dir(common::root())
            .stderr(Stdio::inherit())
            .output()
            .expect("cargo runs");
        assert!(out.status.success(), "cargo build --example review failed");
        let stdout = String::from_utf8(out.stdout).unwrap();
        stdout
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|message| message["target"]["name"] == "review")
            .and_then(|message| message["executable"].as_str().map(PathBuf::from))
            .expect("cargo names the example's executable")
    })
}

/// Whether `tool` runs; if not, the test says it cannot run (a failure
/// under CI=true, where .ci/run installs it).
fn have(tool: &str, test: &str) -> bool {
    let runs = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !runs {
        cannot_run(test, &format!("{tool} is missing"));
    }
    runs
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `OFFSET:HEX` for the example.
fn spec(offset: usize, new: &[u8]) -> String {
    format!("{offset}:{}", common::hex(new))
}

/// Offsets and the bytes written there, ascending.
type Edits = Vec<(usize, Vec<u8>)>;

/// Files of a small project and edits to them: several hunks, a path with
/// a space, a last line without newline, a changed newline, and a binary
/// file. Each is (path, old bytes, edits).
fn project() -> Vec<(&'static str, Vec<u8>, Edits)> {
    let mut main = String::new();
    for i in 0..30 {
        main += &format!("    int x{i:02} = readConfig({i:02});\n");
    }
    let main = main.into_bytes();
    // Lines of 30 bytes, the call 14 bytes in.
    let at = |line: usize| line * 30 + 14;
    let load = b"loadConfig".to_vec();
    let mut logo = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    logo.extend(b"readConfig\0");
    vec![
        (
            "src/main.c",
            main,
            vec![
                (at(1), load.clone()),
                (at(3), load.clone()),
                (at(20), load.clone()),
            ],
        ),
        (
            "notes/no newline.txt",
            b"first\nlast".to_vec(),
            vec![(6, b"LAST".to_vec())],
        ),
        (
            "joined.txt",
            b"a\nb\nc\n".to_vec(),
            vec![(1, b" ".to_vec())],
        ),
        ("logo.bin", logo, vec![(16, load)]),
    ]
}

fn apply(old: &[u8], edits: &Edits) -> Vec<u8> {
    let mut new = old.to_vec();
    for (offset, bytes) in edits {
        new[*offset..offset + bytes.len()].copy_from_slice(bytes);
    }
    new
}

/// The project written under `dir`, and the example's diff of it, run
/// from `dir` with the paths relative to it.
fn project_diff(dir: &Path) -> String {
    let mut diff = String::new();
    for (path, old, edits) in project() {
        fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
        fs::write(dir.join(path), &old).unwrap();
        let mut cmd = Command::new(example());
        cmd.arg("diff").arg(path).current_dir(dir);
        cmd.args(edits.iter().map(|(offset, new)| spec(*offset, new)));
        diff += &String::from_utf8(run(&mut cmd).stdout).unwrap();
    }
    diff
}

#[test]
fn git_apply_and_patch_accept_the_diff_from_the_folder_its_paths_are_relative_to() {
    let test = "git_apply_and_patch_accept_the_diff";
    if !have("git", test) || !have("patch", test) {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let (checked, patched, applied) = (
        temp.path().join("checked"),
        temp.path().join("patched"),
        temp.path().join("applied"),
    );
    let diff = project_diff(&checked);
    project_diff(&patched);
    project_diff(&applied);
    assert!(
        diff.contains("--- a/src/main.c\n+++ b/src/main.c\n@@ -1,7 +1,7 @@\n"),
        "{diff}"
    );
    assert!(diff.contains("\n@@ -18,7 +18,7 @@\n"), "{diff}");
    assert!(diff.contains("--- a/notes/no newline.txt\t\n"), "{diff}");
    assert!(diff.contains("-a\n-b\n+a b\n"), "{diff}");
    assert!(
        diff.contains("Binary files a/logo.bin and b/logo.bin differ (1 change)\n"),
        "{diff}"
    );
    let diff_file = temp.path().join("all.diff");
    fs::write(&diff_file, &diff).unwrap();

    run(Command::new("git")
        .args(["apply", "--check", "-v"])
        .arg(&diff_file)
        .current_dir(&checked));
    run(Command::new("patch")
        .args(["-p1", "--dry-run", "-i"])
        .arg(&diff_file)
        .current_dir(&checked));
    // Applied for real, each tool makes the files the edits make (the
    // binary file, reported without content, is left as it was).
    run(Command::new("patch")
        .args(["-p1", "--quiet", "-i"])
        .arg(&diff_file)
        .current_dir(&patched));
    run(Command::new("git")
        .arg("apply")
        .arg(&diff_file)
        .current_dir(&applied));
    for (path, old, edits) in project() {
        let wanted = if path.ends_with(".bin") {
            old
        } else {
            apply(&old, &edits)
        };
        for dir in [&patched, &applied] {
            assert_eq!(
                fs::read(dir.join(path)).unwrap(),
                wanted,
                "{}",
                dir.join(path).display()
            );
        }
    }
}

/// Runs the example under a new pseudo-terminal (its controlling
/// terminal; stdin, stdout and stderr are pipes), pressing `keys` one at
/// each prompt. Reports what the driver saw, as JSON.
const PTY_DRIVER: &str = r#"
import json, os, select, subprocess, sys, termios, time
spec = json.loads(sys.argv[1])
master, slave = os.openpty()
name = os.ttyname(slave)
def setup():
    os.setsid()
    if spec["tty"]:
        os.close(os.open(name, os.O_RDWR))  # the session's terminal now
before = termios.tcgetattr(slave)
child = subprocess.Popen(spec["argv"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=setup)
child.stdin.write(spec["stdin"].encode())
child.stdin.close()
seen = b""
def pump(until, deadline):
    global seen
    while not until():
        left = deadline - time.time()
        if left <= 0:
            return False
        ready, _, _ = select.select([master], [], [], min(left, 0.05))
        if ready:
            seen += os.read(master, 65536)
    return True
raw, prompts, timed_out = [], b"[y,n,a,d,A,q,?] ", False
for i, key in enumerate(spec["keys"]):
    if not pump(lambda: seen.count(prompts) > i, time.time() + 30):
        timed_out = True
        break
    modes = termios.tcgetattr(slave)[3]
    raw.append(modes & (termios.ICANON | termios.ECHO | termios.ISIG) == 0)
    os.write(master, key.encode())
if not timed_out:
    timed_out = not pump(lambda: child.poll() is not None, time.time() + 30)
if timed_out:
    child.kill()
pump(lambda: False, time.time() + 0.2)
code = child.wait()
out, err = child.stdout.read(), child.stderr.read()
print(json.dumps({"code": code, "stdout": out.decode(), "stderr": err.decode(),
                  "tty": seen.decode(errors="replace"), "raw_at_prompts": raw,
                  "restored": termios.tcgetattr(slave) == before, "timed_out": timed_out}))
"#;

/// Runs `argv` in `dir` on a pseudo-terminal (see [`PTY_DRIVER`]), `stdin`
/// on its standard input, pressing `keys` one at each prompt.
fn on_pty(dir: &Path, argv: Value, stdin: &str, keys: &[&str], tty: bool) -> Value {
    let spec = json!({"argv": argv, "stdin": stdin, "keys": keys, "tty": tty});
    let out = run(Command::new("python3")
        .args(["-c", PTY_DRIVER])
        .arg(spec.to_string())
        .current_dir(dir));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["timed_out"], false, "{report:#}");
    report
}

/// The example's `prompt` on a pseudo-terminal, the changes on stdin.
fn prompt(changes: &[String], keys: &[&str], tty: bool, test: &str) -> Option<Value> {
    if !have("python3", test) {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let files: [(&str, &[u8]); 4] = [
        ("a.txt", b"alpha\nbeta\ngamma\ndelta\n"),
        ("b.txt", b"one\ntwo\n"),
        ("c.bin", b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0"),
        ("d.txt", b"last\n"),
    ];
    for (name, bytes) in files {
        fs::write(dir.path().join(name), bytes).unwrap();
    }
    let argv = json!([example(), "prompt", "-"]);
    let stdin: String = changes.iter().map(|c| format!("{c}\n")).collect();
    Some(on_pty(dir.path(), argv, &stdin, keys, tty))
}

fn changes() -> Vec<String> {
    [
        "a.txt:0:414c504841",
        "a.txt:6:42",
        "a.txt:11:47",
        "a.txt:17:44",
        "b.txt:0:4f",
        "b.txt:4:54",
        "c.bin:16:03",
        "c.bin:18:b7",
        "d.txt:0:4c",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn one_key_per_change_from_the_terminal_while_stdin_holds_the_list() {
    let keys = ["y", "?", "n", "a", "d", "\r", "A"];
    let Some(report) = prompt(&changes(), &keys, true, "prompt_on_a_pty") else {
        return;
    };
    assert_eq!(
        report["stdout"],
        "a.txt 0 write\na.txt 6 skip\na.txt 11 write\na.txt 17 write\n\
         b.txt 0 skip\nb.txt 4 skip\n\
         c.bin 16 write\nc.bin 18 write\nd.txt 0 write\n\
         6 accepted, 3 skipped\n",
        "{report:#}"
    );
    assert_eq!(report["code"], 0, "{report:#}");
    // Every key was read in raw mode, and the terminal is as it was.
    assert_eq!(report["raw_at_prompts"], json!(vec![true; 7]), "{report:#}");
    assert_eq!(report["restored"], true, "{report:#}");
    // What the terminal showed: each change asked about, the keys echoed,
    // the help after `?` and after Enter.
    let tty = report["tty"].as_str().unwrap().replace("\r\n", "\n");
    for shown in [
        "a.txt: offset 0 (0x0)\n-alpha\n+ALPHA\n beta\n gamma\n delta\n",
        "[y,n,a,d,A,q,?] y\n",
        "a.txt: offset 6 (0x6)\n alpha\n-beta\n+Beta\n",
        "b.txt: offset 0 (0x0)\n-one\n+One\n two\n",
        "c.bin: offset 16 (0x10)\n-00000010: 0200 3e00",
        "+00000010: 0300 3e00",
        "[y,n,a,d,A,q,?] ^M\ny - write this change\n",
    ] {
        assert!(tty.contains(shown), "{shown:?} not in\n{tty}");
    }
    assert_eq!(tty.matches("y - write this change").count(), 2, "{tty}");
    assert!(
        !tty.contains("a.txt: offset 17"),
        "settled by `a`, not asked"
    );
}

#[test]
fn ctrl_c_quits_keeping_what_was_accepted_and_restores_the_terminal() {
    let keys = ["y", "\x03"];
    let Some(report) = prompt(&changes(), &keys, true, "ctrl_c_on_a_pty") else {
        return;
    };
    assert_eq!(
        report["stdout"], "a.txt 0 write\na.txt 6 stop\n1 accepted, 0 skipped\n",
        "{report:#}"
    );
    assert_eq!(report["code"], 0, "{report:#}");
    assert_eq!(report["restored"], true, "{report:#}");
    assert!(
        report["tty"].as_str().unwrap().contains("] ^C"),
        "{report:#}"
    );
}

#[test]
fn without_a_terminal_it_fails_with_status_2_before_deciding_anything() {
    let Some(report) = prompt(&changes(), &[], false, "prompt_without_a_terminal") else {
        return;
    };
    assert_eq!(report["code"], 2, "{report:#}");
    assert_eq!(report["stdout"], "", "{report:#}");
    assert_eq!(
        report["stderr"],
        "review: -I needs a terminal (/dev/tty): cannot open it: \
         No such device or address (os error 6)\n",
        "{report:#}"
    );
}

/// A project to replace `readConfig` in: a C file with three calls far
/// apart, a note whose last line has no newline, and a binary logo.
fn replace_project(dir: &Path) {
    let mut main = String::new();
    for i in 0..30 {
        let call = if [1, 3, 20].contains(&i) {
            "readConfig"
        } else {
            "other_call"
        };
        main += &format!("    int x{i:02} = {call}({i:02});\n");
    }
    let files: [(&str, &[u8]); 3] = [
        ("src/main.c", main.as_bytes()),
        ("notes/no newline.txt", b"first\nlast readConfig"),
        ("logo.bin", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR readConfig\0"),
    ];
    for (path, bytes) in files {
        fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
        fs::write(dir.join(path), bytes).unwrap();
    }
}

const PROJECT_FILES: [&str; 3] = ["src/main.c", "notes/no newline.txt", "logo.bin"];

/// `mpatch ARGS` run in `dir`.
fn mpatch_in(dir: &Path, args: &[&str]) -> Output {
    common::mpatch()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn replace_diff_is_diff_u_and_git_apply_and_patch_make_what_replace_makes() {
    let test = "replace_diff_through_git_and_patch";
    if !have("git", test) || !have("patch", test) || !have("diff", test) {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dirs = ["checked", "patched", "applied", "replaced"].map(|d| temp.path().join(d));
    for dir in &dirs {
        replace_project(dir);
    }
    let [checked, patched, applied, replaced] = &dirs;
    let mut args = vec!["replace", "--diff", "readConfig", "loadConfig"];
    args.extend(PROJECT_FILES);
    let out = mpatch_in(checked, &args);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(common::stderr(&out), "");
    let diff = common::stdout(&out);
    // A dry run: nothing changed.
    let before = temp.path().join("before");
    replace_project(&before);
    for path in PROJECT_FILES {
        assert_eq!(
            fs::read(checked.join(path)).unwrap(),
            fs::read(before.join(path)).unwrap()
        );
    }
    // The real replace, and GNU diff's view of what it did to main.c.
    let mut args = vec!["replace", "--no-sync", "readConfig", "loadConfig"];
    args.extend(PROJECT_FILES);
    assert!(mpatch_in(replaced, &args).status.success());
    let gnu = Command::new("diff")
        .args(["-u", "--label", "a/src/main.c", "--label", "b/src/main.c"])
        .arg(before.join("src/main.c"))
        .arg(replaced.join("src/main.c"))
        .output()
        .unwrap();
    let gnu = String::from_utf8(gnu.stdout).unwrap();
    assert!(diff.starts_with(&gnu), "{diff}\nnot after GNU's\n{gnu}");
    assert!(
        diff.contains("--- a/notes/no newline.txt\t\n+++ b/notes/no newline.txt\t\n"),
        "{diff}"
    );
    assert!(
        diff.contains("-last readConfig\n\\ No newline at end of file\n+last loadConfig\n"),
        "{diff}"
    );
    assert!(
        diff.ends_with("Binary files a/logo.bin and b/logo.bin differ (1 change)\n"),
        "{diff}"
    );
    let diff_file = temp.path().join("all.diff");
    fs::write(&diff_file, &diff).unwrap();
    run(Command::new("git")
        .args(["apply", "--check", "-v"])
        .arg(&diff_file)
        .current_dir(checked));
    run(Command::new("patch")
        .args(["-p1", "--quiet", "-i"])
        .arg(&diff_file)
        .current_dir(patched));
    run(Command::new("git")
        .arg("apply")
        .arg(&diff_file)
        .current_dir(applied));
    // Each tool makes the text files mpatch makes; the binary file, shown
    // without content, is theirs to leave alone.
    for path in PROJECT_FILES {
        let wanted = match path.ends_with(".bin") {
            true => fs::read(before.join(path)).unwrap(),
            false => fs::read(replaced.join(path)).unwrap(),
        };
        for dir in [patched, applied] {
            assert_eq!(fs::read(dir.join(path)).unwrap(), wanted, "{path}");
        }
    }
}

#[test]
fn replace_diff_names_files_from_here_takes_u_and_is_silent_without_a_change() {
    let temp = tempfile::tempdir().unwrap();
    let plain = &temp.path().join("plain");
    replace_project(plain);
    // Absolute names below the current folder are shown relative to it,
    // -U sets the context, and nothing to change prints nothing (exit 1).
    let main = plain.join("src/main.c");
    let out = mpatch_in(
        plain,
        &[
            "replace",
            "--diff",
            "-U",
            "0",
            "readConfig",
            "loadConfig",
            main.to_str().unwrap(),
        ],
    );
    let text = common::stdout(&out);
    assert!(
        text.starts_with("--- a/src/main.c\n+++ b/src/main.c\n@@ -2 +2 @@\n-"),
        "{text}"
    );
    assert_eq!(text.matches("\n@@ ").count(), 3, "{text}");
    // Matches whose new bytes are the old ones change nothing either.
    for args in [
        "nowhere NOWHERE src/main.c",
        "readConfig readConfig src/main.c",
        "-r readConfig readConfig .",
    ] {
        let args: Vec<&str> = ["replace", "--diff"]
            .into_iter()
            .chain(args.split(' '))
            .collect();
        let out = mpatch_in(plain, &args);
        let seen = (out.status.code(), common::stdout(&out));
        assert_eq!(seen, (Some(1), String::new()), "{args:?}");
    }
}

#[test]
fn replace_diff_is_coloured_as_git_diff_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), "keep\nold line\n").unwrap();
    let args = [
        "replace", "--diff", "--color", "always", "old", "new", "a.txt",
    ];
    let out = mpatch_in(dir.path(), &args);
    assert_eq!(
        common::stdout(&out),
        "\x1b[1m--- a/a.txt\x1b[m\n\x1b[1m+++ b/a.txt\x1b[m\n\x1b[36m@@ -1,2 +1,2 @@\x1b[m\n \
         keep\n\x1b[31m-old line\x1b[m\n\x1b[32m+new line\x1b[m\n"
    );
    // Piped, without --color: plain.
    let out = mpatch_in(dir.path(), &["replace", "--diff", "old", "new", "a.txt"]);
    assert!(!common::stdout(&out).contains('\x1b'));
}

/// Files for `replace -I`: three changes in a.txt, two in b.txt.
fn interactive_files(dir: &Path) {
    fs::write(dir.join("a.txt"), "alpha ERROR\nbeta ERROR\ngamma ERROR\n").unwrap();
    fs::write(dir.join("b.txt"), "ERROR one\nERROR two\n").unwrap();
}

#[test]
fn replace_interactive_writes_what_was_accepted_through_the_journal() {
    let test = "replace_interactive_on_a_pty";
    if !have("python3", test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    interactive_files(dir.path());
    let argv = json!([
        common::BIN,
        "replace",
        "-I",
        "--color",
        "never",
        "--journal",
        "fix.mpj",
        "ERROR",
        "FIXED",
        "a.txt",
        "b.txt"
    ]);
    // y, n, then `a` (this and the rest of a.txt), then `d` (this and the
    // rest of b.txt skipped).
    let report = on_pty(dir.path(), argv, "", &["y", "n", "a", "d"], true);
    assert_eq!(report["code"], 0, "{report:#}");
    assert_eq!(
        report["stdout"], "a.txt: 2 replaced, 1 skipped\nb.txt: 0 replaced, 2 skipped\n",
        "{report:#}"
    );
    assert_eq!(report["restored"], true, "{report:#}");
    assert_eq!(
        fs::read_to_string(dir.path().join("a.txt")).unwrap(),
        "alpha FIXED\nbeta ERROR\ngamma FIXED\n"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("b.txt")).unwrap(),
        "ERROR one\nERROR two\n"
    );
    // Each change shown with its lines as they were before the run: the
    // first change, accepted, is not yet in the second's context.
    let tty = report["tty"].as_str().unwrap().replace("\r\n", "\n");
    for shown in [
        "a.txt: offset 6 (0x6)\n-alpha ERROR\n+alpha FIXED\n beta ERROR\n",
        "a.txt: offset 17 (0x11)\n alpha ERROR\n-beta ERROR\n+beta FIXED\n",
        "b.txt: offset 0 (0x0)\n-ERROR one\n+FIXED one\n",
    ] {
        assert!(tty.contains(shown), "{shown:?} not in\n{tty}");
    }
    assert!(!tty.contains("b.txt: offset 10"), "settled by `d`: {tty}");
    // The journal holds exactly what was written.
    let out = mpatch_in(dir.path(), &["undo", "fix.mpj"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(
        fs::read_to_string(dir.path().join("a.txt")).unwrap(),
        "alpha ERROR\nbeta ERROR\ngamma ERROR\n"
    );
}

#[test]
fn replace_interactive_q_keeps_what_was_accepted_and_a_walk_asks_in_order() {
    let test = "replace_interactive_q_on_a_pty";
    if !have("python3", test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    interactive_files(dir.path());
    let argv = json!([
        common::BIN,
        "replace",
        "-I",
        "-r",
        "--sort",
        "path",
        "ERROR",
        "FIXED",
        "."
    ]);
    let report = on_pty(dir.path(), argv, "", &["A"], true);
    assert_eq!(report["code"], 0, "{report:#}");
    assert_eq!(
        report["stdout"],
        "./a.txt: 3 replaced, 0 skipped\n./b.txt: 2 replaced, 0 skipped\n\
         2 files searched, 2 matched, 2 patched, 5 replaced, 0 skipped\n",
        "{report:#}"
    );
    let dir = tempfile::tempdir().unwrap();
    interactive_files(dir.path());
    let argv = json!([
        common::BIN,
        "replace",
        "-I",
        "ERROR",
        "FIXED",
        "a.txt",
        "b.txt"
    ]);
    let report = on_pty(dir.path(), argv, "", &["y", "q"], true);
    assert_eq!(report["code"], 0, "{report:#}");
    assert_eq!(
        report["stdout"], "a.txt: 1 replaced, 0 skipped\nb.txt: 0 replaced, 0 skipped\n",
        "{report:#}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("a.txt")).unwrap(),
        "alpha FIXED\nbeta ERROR\ngamma ERROR\n"
    );
    assert_eq!(
        report["tty"]
            .as_str()
            .unwrap()
            .matches("[y,n,a,d,A,q,?]")
            .count(),
        2
    );
}

#[test]
fn replace_interactive_without_a_terminal_fails_with_status_2_writing_nothing() {
    let test = "replace_interactive_without_a_terminal";
    if !have("python3", test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    interactive_files(dir.path());
    let argv = json!([common::BIN, "replace", "-I", "ERROR", "FIXED", "a.txt"]);
    let report = on_pty(dir.path(), argv, "", &[], false);
    assert_eq!(report["code"], 2, "{report:#}");
    assert_eq!(report["stdout"], "", "{report:#}");
    assert_eq!(
        report["stderr"],
        "mpatch: -I: needs a terminal (/dev/tty) to ask about each change: \
         cannot open it: no such device or address\n",
        "{report:#}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("a.txt")).unwrap(),
        "alpha ERROR\nbeta ERROR\ngamma ERROR\n"
    );
}

/// For `apply`: the text a.txt holds, the same with FIXED, the patch of
/// one to the other (three regions) in `fix.patch`, and copies in a.txt
/// and b.txt.
fn apply_files(dir: &Path) {
    let old = "alpha ERROR\nbeta ERROR\ngamma ERROR\n";
    fs::write(dir.join("old.txt"), old).unwrap();
    fs::write(dir.join("new.txt"), old.replace("ERROR", "FIXED")).unwrap();
    let out = mpatch_in(dir, &["diff", "old.txt", "new.txt"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    fs::write(dir.join("fix.patch"), out.stdout).unwrap();
    for copy in ["a.txt", "b.txt"] {
        fs::write(dir.join(copy), old).unwrap();
    }
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn apply_interactive_writes_what_was_accepted_through_one_journal() {
    if !have("python3", "apply_interactive_on_a_pty") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    apply_files(dir.path());
    let argv = json!([
        common::BIN,
        "apply",
        "-I",
        "--color",
        "never",
        "--journal",
        "fix.mpj",
        "fix.patch",
        "a.txt",
        "b.txt"
    ]);
    // In a.txt: n, then `a` (this and the rest of a.txt); in b.txt: y,
    // then `d` (this and the rest of b.txt skipped).
    let report = on_pty(dir.path(), argv, "", &["n", "a", "y", "d"], true);
    assert_eq!(report["code"], 0, "{report:#}");
    assert_eq!(
        report["stdout"],
        "a.txt: 2 regions (10 bytes) written, 1 skipped\n\
         b.txt: 1 region (5 bytes) written, 2 skipped\n",
        "{report:#}"
    );
    assert_eq!(report["restored"], true, "{report:#}");
    assert_eq!(
        read(dir.path(), "a.txt"),
        "alpha ERROR\nbeta FIXED\ngamma FIXED\n"
    );
    assert_eq!(
        read(dir.path(), "b.txt"),
        "alpha FIXED\nbeta ERROR\ngamma ERROR\n"
    );
    // Each region shown with the file's lines as they were: the first of
    // b.txt, accepted, is not in the second's context.
    let tty = report["tty"].as_str().unwrap().replace("\r\n", "\n");
    for shown in [
        "a.txt: offset 6 (0x6)\n-alpha ERROR\n+alpha FIXED\n beta ERROR\n",
        "a.txt: offset 17 (0x11)\n alpha ERROR\n-beta ERROR\n+beta FIXED\n",
        "b.txt: offset 6 (0x6)\n-alpha ERROR\n+alpha FIXED\n",
        "b.txt: offset 17 (0x11)\n alpha ERROR\n-beta ERROR\n+beta FIXED\n",
    ] {
        assert!(tty.contains(shown), "{shown:?} not in\n{tty}");
    }
    assert!(!tty.contains("a.txt: offset 29"), "settled by `a`: {tty}");
    assert!(!tty.contains("b.txt: offset 29"), "settled by `d`: {tty}");
    // The one journal holds exactly what was written, in both files.
    let out = mpatch_in(dir.path(), &["undo", "fix.mpj"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(
        common::stdout(&out).lines().count(),
        2,
        "two files restored"
    );
    for copy in ["a.txt", "b.txt"] {
        assert_eq!(read(dir.path(), copy), read(dir.path(), "old.txt"));
    }
}

#[test]
fn apply_interactive_q_keeps_what_was_accepted_and_no_answer_yes_is_status_1() {
    if !have("python3", "apply_interactive_q_on_a_pty") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    apply_files(dir.path());
    let apply_i = |journal: &str| {
        json!([
            common::BIN,
            "apply",
            "-I",
            "--journal",
            journal,
            "fix.patch",
            "a.txt",
            "b.txt"
        ])
    };
    let report = on_pty(dir.path(), apply_i("q.mpj"), "", &["y", "q"], true);
    assert_eq!(report["code"], 0, "{report:#}");
    assert_eq!(
        report["stdout"],
        "a.txt: 1 region (5 bytes) written, 2 skipped\n\
         b.txt: 0 regions (0 bytes) written, 3 skipped\n",
        "{report:#}"
    );
    let prompts = report["tty"].as_str().unwrap().matches("[y,n,a,d,A,q,?]");
    assert_eq!(prompts.count(), 2, "nothing asked after q: {report:#}");
    assert_eq!(
        read(dir.path(), "a.txt"),
        "alpha FIXED\nbeta ERROR\ngamma ERROR\n"
    );
    let out = mpatch_in(dir.path(), &["undo", "q.mpj"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(read(dir.path(), "a.txt"), read(dir.path(), "old.txt"));
    // Nothing accepted: nothing written, no journal, exit 1.
    let report = on_pty(dir.path(), apply_i("none.mpj"), "", &["d", "d"], true);
    assert_eq!(report["code"], 1, "{report:#}");
    assert!(!dir.path().join("none.mpj").exists());
    for copy in ["a.txt", "b.txt"] {
        assert_eq!(read(dir.path(), copy), read(dir.path(), "old.txt"));
    }
}

#[test]
fn apply_interactive_without_a_terminal_fails_with_status_2_writing_nothing() {
    if !have("python3", "apply_interactive_without_a_terminal") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    apply_files(dir.path());
    let argv = json!([
        common::BIN,
        "apply",
        "-I",
        "--journal",
        "fix.mpj",
        "fix.patch",
        "a.txt"
    ]);
    let report = on_pty(dir.path(), argv, "", &[], false);
    assert_eq!(report["code"], 2, "{report:#}");
    assert_eq!(report["stdout"], "", "{report:#}");
    assert_eq!(
        report["stderr"],
        "mpatch: -I: needs a terminal (/dev/tty) to ask about each change: \
         cannot open it: no such device or address\n",
        "{report:#}"
    );
    assert_eq!(read(dir.path(), "a.txt"), read(dir.path(), "old.txt"));
    assert!(!dir.path().join("fix.mpj").exists());
}

/// `mpatch apply --diff PATCH FILE...` in `dir`, for the patch of
/// `before/PATH` to `after/PATH`: its status and stdout.
fn apply_diff(dir: &Path, before: &Path, after: &Path, path: &str, files: &[&str]) -> Output {
    let patch = common::mpatch()
        .arg("diff")
        .args([before.join(path), after.join(path)])
        .output()
        .unwrap();
    assert_eq!(patch.status.code(), Some(1), "{}", common::stderr(&patch));
    let name = dir
        .join("..")
        .join(format!("{}.patch", path.replace('/', "_")));
    fs::write(&name, &patch.stdout).unwrap();
    let mut args = vec!["apply", "--diff", name.to_str().unwrap()];
    args.extend(files);
    mpatch_in(dir, &args)
}

#[test]
fn apply_diff_is_diff_u_and_git_apply_and_patch_make_what_apply_makes() {
    let test = "apply_diff_through_git_and_patch";
    if !have("git", test) || !have("patch", test) || !have("diff", test) {
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dirs = ["before", "after", "checked", "patched"].map(|d| temp.path().join(d));
    for dir in &dirs {
        replace_project(dir);
        fs::copy(dir.join("src/main.c"), dir.join("src/copy.c")).unwrap();
    }
    let [before, after, checked, patched] = &dirs;
    let mut args = vec!["replace", "--no-sync", "readConfig", "loadConfig"];
    args.extend(PROJECT_FILES);
    args.push("src/copy.c");
    assert!(mpatch_in(after, &args).status.success());
    // One patch applied to two copies, and one for each other file.
    let mut diff = String::new();
    for (path, files) in [
        ("src/main.c", &["src/main.c", "src/copy.c"][..]),
        ("notes/no newline.txt", &["notes/no newline.txt"]),
        ("logo.bin", &["logo.bin"]),
    ] {
        let out = apply_diff(checked, before, after, path, files);
        assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
        assert_eq!(common::stderr(&out), "");
        diff += &common::stdout(&out);
    }
    // A dry run: nothing changed.
    for path in PROJECT_FILES {
        assert_eq!(
            fs::read(checked.join(path)).unwrap(),
            fs::read(before.join(path)).unwrap()
        );
    }
    let gnu = Command::new("diff")
        .args(["-u", "--label", "a/src/main.c", "--label", "b/src/main.c"])
        .arg(before.join("src/main.c"))
        .arg(after.join("src/main.c"))
        .output()
        .unwrap();
    let gnu = String::from_utf8(gnu.stdout).unwrap();
    assert!(diff.starts_with(&gnu), "{diff}\nnot after GNU's\n{gnu}");
    let copy = gnu.replace("/src/main.c", "/src/copy.c");
    assert!(diff.contains(&format!("{gnu}{copy}")), "{diff}");
    assert!(
        diff.contains("-last readConfig\n\\ No newline at end of file\n+last loadConfig\n"),
        "{diff}"
    );
    assert!(
        diff.ends_with("Binary files a/logo.bin and b/logo.bin differ (1 change)\n"),
        "{diff}"
    );
    let diff_file = temp.path().join("all.diff");
    fs::write(&diff_file, &diff).unwrap();
    run(Command::new("git")
        .args(["apply", "--check", "-v"])
        .arg(&diff_file)
        .current_dir(checked));
    run(Command::new("patch")
        .args(["-p1", "--quiet", "-i"])
        .arg(&diff_file)
        .current_dir(patched));
    for path in ["src/main.c", "src/copy.c", "notes/no newline.txt"] {
        assert_eq!(
            fs::read(patched.join(path)).unwrap(),
            fs::read(after.join(path)).unwrap(),
            "{path}"
        );
    }
}

#[test]
fn apply_diff_takes_u_and_is_silent_with_status_1_once_applied() {
    let dir = tempfile::tempdir().unwrap();
    apply_files(dir.path());
    let lines: String = (0..20).map(|i| format!("line {i:02}\n")).collect();
    fs::write(dir.path().join("old.txt"), &lines).unwrap();
    let fixed = lines
        .replace("line 02", "LINE 02")
        .replace("line 15", "LINE 15");
    fs::write(dir.path().join("new.txt"), fixed).unwrap();
    let patch = mpatch_in(dir.path(), &["diff", "old.txt", "new.txt"]).stdout;
    fs::write(dir.path().join("fix.patch"), patch).unwrap();
    fs::write(dir.path().join("a.txt"), &lines).unwrap();
    let diff = |args: &[&str]| {
        let out = mpatch_in(dir.path(), &[&["apply", "--diff"], args].concat());
        (
            out.status.code(),
            common::stdout(&out),
            common::stderr(&out),
        )
    };
    let (code, text, _) = diff(&["-U", "0", "fix.patch", "a.txt"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        text,
        "--- a/a.txt\n+++ b/a.txt\n@@ -3 +3 @@\n-line 02\n+LINE 02\n\
         @@ -16 +16 @@\n-line 15\n+LINE 15\n"
    );
    let (_, text, _) = diff(&["fix.patch", "a.txt"]);
    assert!(
        text.contains("@@ -1,6 +1,6 @@\n line 00\n line 01\n-line 02\n"),
        "{text}"
    );
    assert!(text.contains("@@ -13,7 +13,7 @@\n"), "{text}");
    assert_eq!(read(dir.path(), "a.txt"), lines, "a dry run");
    // Applied: nothing would change.
    assert!(
        mpatch_in(dir.path(), &["apply", "fix.patch", "a.txt"])
            .status
            .success()
    );
    assert_eq!(
        diff(&["fix.patch", "a.txt"]),
        (Some(1), String::new(), String::new())
    );
    // Reversed, it shows the way back; a file that holds neither is the
    // compare-and-swap's exit 1, nothing printed on stdout.
    let (_, text, _) = diff(&["-R", "fix.patch", "a.txt"]);
    assert!(text.contains("-LINE 02\n+line 02\n"), "{text}");
    fs::write(
        dir.path().join("b.txt"),
        lines.replace("line 15", "lime 15"),
    )
    .unwrap();
    let (code, text, error) = diff(&["fix.patch", "b.txt"]);
    assert_eq!((code, text), (Some(1), String::new()));
    assert!(
        error.contains("offset 120") && error.ends_with("nothing written\n"),
        "{error}"
    );
}
