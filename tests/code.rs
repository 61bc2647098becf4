//! The code's own rules (unsafe in one module and few, layers that never
//! reach up, short files and functions) and ripgrep's, sd's and grep's ways.

mod common;

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use common::{Sandbox, assert_error_line, mpatch, mpatch_unprivileged, snapshot, stderr, stdout};

fn source_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The lines that follow `#[allow(unsafe_code)]` in `text`.
fn allowed_after(text: &str) -> Vec<&str> {
    text.lines()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|pair| pair[0].trim() == "#[allow(unsafe_code)]")
        .map(|pair| pair[1].trim())
        .collect()
}

#[test]
fn unsafe_code_is_denied_outside_the_mapping_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = fs::read_to_string(root.join("src/lib.rs")).unwrap();
    assert!(
        lib.contains("#![deny(unsafe_code)]"),
        "lib.rs must deny unsafe_code"
    );
    let mut allowed: Vec<&str> = Vec::new();
    let io = fs::read_to_string(root.join("src/io/mod.rs")).unwrap();
    for text in [&lib, &io] {
        allowed.extend(allowed_after(text));
    }
    assert_eq!(
        allowed,
        ["pub mod map;"],
        "only io/map.rs may allow unsafe code"
    );
    let mut files = Vec::new();
    source_files(&root.join("src"), &mut files);
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let is_map = file.ends_with("src/io/map.rs");
        for (n, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap();
            if !code.contains("unsafe {") && !code.contains("unsafe fn") {
                continue;
            }
            assert!(
                is_map,
                "{}:{}: unsafe outside map.rs",
                file.display(),
                n + 1
            );
            // The SAFETY comment sits in the lines just above the block.
            let above = &lines[n.saturating_sub(8)..n];
            assert!(
                code.contains("unsafe fn") || above.iter().any(|l| l.contains("// SAFETY:")),
                "{}:{}: unsafe block without a SAFETY comment",
                file.display(),
                n + 1
            );
        }
    }
}

#[test]
fn a_lock_held_by_another_process_names_it() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("f", "hello\n");
    let held = fs::File::open(&path).unwrap();
    rustix::fs::flock(&held, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let out = mpatch()
        .args(["replace", "--lock-timeout", "0.1", "hello", "HELLO"])
        .arg(&path)
        .output()
        .unwrap();
    assert_error_line(
        &out,
        &path.display().to_string(),
        &format!(
            "locked by another process (pid {}); gave up after 0.1 s (--lock-timeout)",
            std::process::id()
        ),
    );
    assert_eq!(fs::read(&path).unwrap(), b"hello\n");
}

#[test]
fn a_file_named_twice_is_refused_and_listed_twice_is_one_file() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("f", "hello\n");
    let out = mpatch()
        .current_dir(sandbox.dir.path())
        .args(["replace", "hello", "HELLO", "f", "./f"])
        .output()
        .unwrap();
    assert_error_line(
        &out,
        "./f",
        "is named twice (the same file under two names)",
    );
    assert_eq!(fs::read(&path).unwrap(), b"hello\n");
    sandbox.file("list", "f\nf\n");
    let out = mpatch()
        .current_dir(sandbox.dir.path())
        .args([
            "replace",
            "--lock-timeout",
            "1",
            "--files-from",
            "list",
            "hello",
            "HELLO",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "f: 1 replaced\n1 file searched, 1 matched, 1 patched, 1 replaced\n"
    );
    assert_eq!(stderr(&out), "");
    assert_eq!(fs::read(&path).unwrap(), b"HELLO\n");
}

#[test]
fn json_objects_keep_their_keys_in_order_with_a_path_that_is_not_utf8() {
    let sandbox = Sandbox::new();
    let name = std::ffi::OsStr::from_bytes(b"a\xff");
    fs::write(sandbox.dir.path().join(name), "xAx").unwrap();
    let out = mpatch()
        .current_dir(sandbox.dir.path())
        .args(["replace", "--dry-run", "--json", "A", "B"])
        .arg(name)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "{\"type\":\"match\",\"path\":\"a\u{fffd}\",\"path_hex\":\"61ff\",\"offset\":1,\
         \"bytes\":\"41\",\"old\":\"41\",\"new\":\"42\"}"
    );
    let summary = lines[1].replace(
        &lines[1][lines[1].find("\"elapsed_ms\":").unwrap()..lines[1].find(",\"patterns").unwrap()],
        "\"elapsed_ms\":0",
    );
    assert_eq!(
        summary,
        "{\"type\":\"summary\",\"path\":\"a\u{fffd}\",\"path_hex\":\"61ff\",\"matches\":1,\
         \"bytes_scanned\":3,\"elapsed_ms\":0,\"patterns\":[{\"pattern\":\"41\",\"matches\":1}],\
         \"dry_run\":true}"
    );
    let out = mpatch()
        .current_dir(sandbox.dir.path())
        .args(["find", "-r", "--json", "-q", "A"])
        .output()
        .unwrap();
    // -q and --json ask for opposite things: refused, not one silently won.
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
    let out = mpatch()
        .current_dir(sandbox.dir.path())
        .args(["replace", "-r", "--dry-run", "--json", "A", "B"])
        .output()
        .unwrap();
    let last = stdout(&out).lines().last().unwrap().to_string();
    assert!(
        last.starts_with(
            "{\"type\":\"total\",\"files_searched\":1,\"files_matched\":1,\"files_patched\":1,\
             \"files_failed\":0,\"files_binary_skipped\":0,\"matches\":1,\"elapsed_ms\":"
        ) && last.ends_with(",\"dry_run\":true}"),
        "{last}"
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
fn a_reversed_range_is_an_error_and_minus_zero_is_the_start() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("f", "ab ab ab");
    for range in ["10:2", "-2:-5"] {
        let out = mpatch()
            .args(["find", &format!("--range={range}"), "ab"])
            .arg(&path)
            .output()
            .unwrap();
        assert_error_line(&out, "--range", &format!("{range:?}: START is after END"));
    }
    let out = mpatch()
        .args(["find", "--range=-0:", "ab"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "0\n3\n6\n", "{}", stderr(&out));
    let out = mpatch()
        .args(["find", "--range=:-0", "ab"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    // Ends that only cross in this file make an empty range, as in Python.
    let out = mpatch()
        .args(["find", "--range=6:-5", "ab"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!((out.status.code(), stderr(&out)), (Some(1), String::new()));
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

/// The layers of `src/`, top to bottom: a module names only those below it
/// (and `error`, which every layer uses).
#[test]
fn lower_layers_never_import_higher_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layers = ["commands", "cli", "api", "output", "engine", "io"];
    for (i, layer) in layers.iter().enumerate() {
        let mut files = Vec::new();
        source_files(&root.join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer}/ holds the layer");
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            for higher in &layers[..i] {
                for (n, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap();
                    assert!(
                        !code.contains(&format!("crate::{higher}::")),
                        "{}:{}: {layer} imports the higher layer {higher}",
                        file.display(),
                        n + 1
                    );
                }
            }
        }
    }
}

/// Each function of `text` that is longer than `max` lines, as
/// (line, name, length): a function runs from its `fn` line to the brace
/// that closes the first one after it (braces in strings and comments are
/// rare enough in this code not to matter, and a miscount fails loudly).
fn long_functions(text: &str, max: usize) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut long = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let code = line.split("//").next().unwrap().trim_start();
        let code = code
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ");
        let code = code
            .trim_start_matches("pub ")
            .trim_start_matches("const ")
            .trim_start_matches("unsafe ");
        let Some(rest) = code.strip_prefix("fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut opened) = (0i64, false);
        for (m, body) in lines[n..].iter().enumerate() {
            let body = body.split("//").next().unwrap();
            for c in body.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    ';' if !opened && depth == 0 => break,
                    _ => {}
                }
            }
            if !opened && body.trim_end().ends_with(';') {
                break;
            }
            if opened && depth == 0 {
                if m + 1 > max {
                    long.push((n + 1, name.clone(), m + 1));
                }
                break;
            }
        }
    }
    long
}

#[test]
fn no_source_file_over_1000_lines_nor_function_over_100() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "examples", "python/src"] {
        if root.join(dir).is_dir() {
            source_files(&root.join(dir), &mut files);
        }
    }
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        let lines = text.lines().count();
        if lines > 1000 {
            found.push(format!("{shown}: {lines} lines"));
        }
        for (at, name, len) in long_functions(&text, 100) {
            found.push(format!("{shown}:{at}: fn {name} is {len} lines"));
        }
    }
    assert!(found.is_empty(), "too long:\n{}", found.join("\n"));
}

#[test]
fn unsafe_blocks_are_few() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    source_files(&root.join("src"), &mut files);
    let blocks: usize = files
        .iter()
        .map(|file| {
            let text = fs::read_to_string(file).unwrap();
            text.lines()
                .filter(|line| line.split("//").next().unwrap().contains("unsafe {"))
                .count()
        })
        .sum();
    assert!(blocks <= 10, "{blocks} unsafe blocks; at most 10");
}
