//! The README's examples, run in order: every `$ COMMAND` line of each
//! ```console block, in one `sh`, must print exactly the lines shown under it
//! (the programs of examples/ too, with `cargo run --example`, as written).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{BIN, KillOnDrop, output_within};

/// The README's own path for the demo folder; each run uses a fresh temp
/// folder in its place, in the commands and in what they print.
const DEMO: &str = "/tmp/mpatch-demo";

/// Printed after each command, to cut the shell's output into steps.
const MARK: &str = "@@ readme step done @@";

struct Step {
    /// Where the command is in the README, for the failure message.
    line: usize,
    command: String,
    expected: String,
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// Every `$` line of the ```console blocks, with the lines under it. A block
/// of `$` lines fenced otherwise must say `text` (shown, not run: it needs a
/// full disk, say), so that no example is skipped by mistake.
fn steps(readme: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut block: Option<(String, usize)> = None;
    for (index, raw) in readme.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            block = match block {
                None => Some((info.trim().to_owned(), raw.len() - trimmed.len())),
                Some(_) => None,
            };
            continue;
        }
        let Some((info, indent)) = &block else {
            continue;
        };
        let text = raw.get(*indent..).unwrap_or("");
        if text.starts_with("$ ") && info != "console" {
            assert_eq!(
                info, "text",
                "README.md:{line}: a block of $ commands is fenced ```{info}; make it \
                 ```console to have it run, or ```text if it cannot run in order"
            );
        }
        if info != "console" {
            continue;
        }
        match text.strip_prefix("$ ") {
            Some(command) => steps.push(Step {
                line,
                command: command.to_owned(),
                expected: String::new(),
            }),
            None => {
                let step = steps
                    .last_mut()
                    .unwrap_or_else(|| panic!("README.md:{line}: output before any $ command"));
                step.expected.push_str(text);
                step.expected.push('\n');
            }
        }
    }
    steps
}

/// The examples a command runs: each `--example NAME` (or `--example=NAME`)
/// of a `cargo` command.
fn examples_in(command: &str) -> Vec<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    if !words.contains(&"cargo") {
        return Vec::new();
    }
    let mut names = Vec::new();
    for (at, word) in words.iter().enumerate() {
        if let Some(name) = word.strip_prefix("--example=") {
            names.push(name.to_owned());
        } else if *word == "--example"
            && let Some(name) = words.get(at + 1)
        {
            names.push((*name).to_owned());
        }
    }
    names
}

/// The cargo that runs this test: the README's `cargo` is this one (first
/// on its PATH), so that it finds the examples built by [`build_examples`].
fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// Builds the examples the README runs before its script starts, so that its
/// `cargo run --example` finds them built (`cargo test --test readme` does
/// not build examples, and a build would eat the script's time).
fn build_examples(names: &[String]) {
    if names.is_empty() {
        return;
    }
    let mut build = Command::new(cargo());
    build
        .args(["build", "--locked", "--quiet"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null());
    for name in names {
        build.args(["--example", name]);
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "{build:?} failed");
}

/// Output as compared: trailing spaces and blank lines dropped (a hexdump
/// line ends in one; editors strip them), and each `"elapsed_ms":N` made
/// `"elapsed_ms":…`, since timings vary.
fn normalize(text: &str) -> String {
    let mut out = String::new();
    for line in text.trim_end().lines() {
        let mut rest = line.trim_end();
        while let Some(at) = rest.find("\"elapsed_ms\":") {
            let (before, after) = rest.split_at(at + "\"elapsed_ms\":".len());
            out.push_str(before);
            out.push('…');
            rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
        }
        out.push_str(rest);
        out.push('\n');
    }
    out
}

#[test]
fn readme_examples_print_what_the_readme_shows() {
    let steps = steps(&readme());
    assert!(steps.len() > 30, "only {} steps found", steps.len());
    let temp = tempfile::tempdir().unwrap();
    let demo = temp.path().canonicalize().unwrap().join("mpatch-demo");
    let demo = demo.to_str().unwrap();

    let mut script = String::from("exec 2>&1\n");
    for step in &steps {
        script.push_str(&step.command.replace(DEMO, demo));
        // Keep the command's status for a following `echo $?`.
        script.push_str(&format!(
            "\nstatus=$?; printf '\\n%s\\n' '{MARK}'; (exit $status)\n"
        ));
    }
    let examples: Vec<String> = steps.iter().flat_map(|s| examples_in(&s.command)).collect();
    build_examples(&examples);
    let bin_dir: PathBuf = Path::new(BIN).parent().unwrap().to_owned();
    let cargo_dir = cargo()
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(Path::to_owned);
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(cargo_dir).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let child = KillOnDrop::spawn(
        Command::new("sh")
            .arg("-c")
            .arg(&script)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PATH", path)
            .env("LC_ALL", "C")
            .env_remove("COLUMNS")
            .env_remove("CLICOLOR_FORCE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let out = output_within(child, Duration::from_secs(120));
    let printed = String::from_utf8_lossy(&out.stdout);
    let outputs: Vec<&str> = printed.split(&format!("\n{MARK}\n")).collect();

    let mut wrong = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        let Some(actual) = outputs.get(index) else {
            wrong.push(format!(
                "README.md:{}: $ {}\n  did not run; the shell stopped before it",
                step.line, step.command
            ));
            continue;
        };
        let expected = normalize(&step.expected.replace(DEMO, demo));
        let actual = normalize(actual);
        if expected != actual {
            wrong.push(format!(
                "README.md:{}: $ {}\n--- the README shows:\n{}--- mpatch printed:\n{}",
                step.line,
                step.command,
                expected.replace(demo, DEMO),
                actual.replace(demo, DEMO)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} README examples print something else (update the README, or the \
         code):\n\n{}",
        wrong.len(),
        steps.len(),
        wrong.join("\n")
    );
}

/// The example programs the README shows are run by it, as written: every
/// line that names `--example` is a `$` step of a ```console block (not a
/// command in prose, which nothing runs), of an example in examples/.
#[test]
fn readme_runs_every_example_program_it_shows() {
    let readme = readme();
    let steps = steps(&readme);
    let run: Vec<usize> = steps
        .iter()
        .filter(|step| !examples_in(&step.command).is_empty())
        .map(|step| step.line)
        .collect();
    let shown: Vec<usize> = readme
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains("--example"))
        .map(|(index, _)| index + 1)
        .collect();
    assert_eq!(
        shown, run,
        "README.md lines that name --example, and those that run one (a `$ cargo run \
         --example` line of a ```console block, with its output)"
    );
    let mut names: Vec<String> = steps.iter().flat_map(|s| examples_in(&s.command)).collect();
    names.sort();
    names.dedup();
    assert_eq!(names, ["find", "replace"]);
    for name in &names {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/{name}.rs"));
        assert!(
            source.exists(),
            "README runs --example {name}: no {}",
            source.display()
        );
    }
}

#[test]
fn readme_names_only_kinds_that_generate_knows() {
    let readme = readme();
    let mut named = 0;
    for (at, _) in readme.match_indices("--generate ") {
        let kind: String = readme[at + "--generate ".len()..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '-')
            .collect();
        if kind.is_empty() || kind == "man-" {
            // KIND, or man-$command in a loop over the commands.
            continue;
        }
        named += 1;
        let out = common::mpatch()
            .args(["--generate", &kind])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "README names --generate {kind}, which mpatch does not know"
        );
    }
    assert!(named >= 4, "{named}");
}

#[test]
fn steps_are_read_from_console_blocks_only() {
    let text = "intro\n```console\n$ echo a\na\n$ true\n```\n\n  ```text\n  $ df\n  full\n  ```\n";
    let steps = steps(text);
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].command, "echo a");
    assert_eq!(steps[0].expected, "a\n");
    assert_eq!(steps[1].expected, "");
    assert_eq!(
        normalize("{\"elapsed_ms\":12,\"x\":1}  \n\n"),
        "{\"elapsed_ms\":…,\"x\":1}\n"
    );
    assert_eq!(
        examples_in("cargo run -q --example find -- ERROR --example x"),
        ["find", "x"]
    );
    assert_eq!(examples_in("cargo run --example=replace"), ["replace"]);
    assert!(examples_in("mpatch find --example app.log").is_empty());
}
