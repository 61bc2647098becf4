//! Review before writing, through `examples/review.rs`: the unified diff
//! that `git apply` and `patch -p1` accept, and the one-key prompt on a pseudo-terminal.

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
    let spec = json!({
        "argv": [example(), "prompt", "-"],
        "stdin": changes.iter().map(|c| format!("{c}\n")).collect::<String>(),
        "keys": keys,
        "tty": tty,
    });
    let out = run(Command::new("python3")
        .args(["-c", PTY_DRIVER])
        .arg(spec.to_string())
        .current_dir(dir.path()));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["timed_out"], false, "{report:#}");
    Some(report)
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
