//! The unified diff against GNU diff and patch (a property over random
//! files and edits), and the cases the module doc names, by hand.

use super::*;
use proptest::prelude::*;
use std::process::Command;

/// Our diff of `old` after `edits`, and its summary.
fn ours(old: &[u8], edits: &[(usize, &[u8])], options: Options) -> (String, Summary) {
    let mut out = Vec::new();
    let mut diff = FileDiff::new(&mut out, Path::new("x"), old, options);
    for &(offset, new) in edits {
        diff.edit(offset, new).unwrap();
    }
    let summary = diff.finish().unwrap();
    (String::from_utf8(out).unwrap(), summary)
}

fn apply(old: &[u8], edits: &[(usize, &[u8])]) -> Vec<u8> {
    let mut new = old.to_vec();
    for &(offset, bytes) in edits {
        new[offset..offset + bytes.len()].copy_from_slice(bytes);
    }
    new
}

/// What GNU diff prints for the two files, labelled as ours are.
fn gnu(old: &[u8], new: &[u8], context: usize) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::write(&a, old).unwrap();
    std::fs::write(&b, new).unwrap();
    let out = Command::new("diff")
        .arg(format!("-U{context}"))
        .args(["--label", "a/x", "--label", "b/x"])
        .args([&a, &b])
        .output()
        .expect("GNU diff runs (diffutils)");
    assert!(
        out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn one_changed_line_with_context() {
    let old = b"1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    let (text, summary) = ours(old, &[(8, b"X")], Options::default());
    assert_eq!(
        text,
        "--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n"
    );
    assert_eq!(
        summary,
        Summary {
            changes: 1,
            hunks: 1,
            binary: false
        }
    );
}

#[test]
fn a_last_line_without_newline_gets_the_notice() {
    let (text, _) = ours(b"x\na", &[(0, b"y")], Options::default());
    assert_eq!(
        text,
        "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-x\n+y\n a\n\\ No newline at end of file\n"
    );
    let (text, _) = ours(b"x\nab", &[(3, b"\n")], Options::default());
    assert_eq!(
        text,
        "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n x\n-ab\n\\ No newline at end of file\n+a\n"
    );
}

#[test]
fn an_edited_newline_joins_or_splits_lines() {
    let old = b"ab\ncd\nef\ngh\n";
    let (joined, _) = ours(
        old,
        &[(2, b"X")],
        Options {
            context: 1,
            color: false,
        },
    );
    assert_eq!(
        joined,
        "--- a/x\n+++ b/x\n@@ -1,3 +1,2 @@\n-ab\n-cd\n+abXcd\n ef\n"
    );
    let (split, _) = ours(
        old,
        &[(7, b"\n")],
        Options {
            context: 1,
            color: false,
        },
    );
    assert_eq!(
        split,
        "--- a/x\n+++ b/x\n@@ -2,3 +2,4 @@\n cd\n-ef\n+e\n+\n gh\n"
    );
    // The second hunk's new line numbers follow the join.
    let old = b"1\n2\n3\n4\n5\n6\n7\n8\n";
    let (both, _) = ours(
        old,
        &[(1, b" "), (12, b"X")],
        Options {
            context: 0,
            color: false,
        },
    );
    assert_eq!(
        both,
        "--- a/x\n+++ b/x\n@@ -1,2 +1 @@\n-1\n-2\n+1 2\n@@ -7 +6 @@\n-7\n+X\n"
    );
}

#[test]
fn edits_that_change_nothing_print_nothing() {
    let (text, summary) = ours(b"same\n", &[(0, b"sa"), (3, b"e")], Options::default());
    assert_eq!(text, "");
    assert_eq!(
        summary,
        Summary {
            changes: 2,
            hunks: 0,
            binary: false
        }
    );
}

#[test]
fn one_long_edit_with_unchanged_lines_inside_gives_two_hunks() {
    let old = b"a\nb\nc\nd\ne\nf\ng\n";
    let (text, summary) = ours(
        old,
        &[(0, b"A\nb\nc\nd\ne\nf\nG")],
        Options {
            context: 1,
            color: false,
        },
    );
    assert_eq!(
        text,
        "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -6,2 +6,2 @@\n f\n-g\n+G\n"
    );
    assert_eq!(
        summary,
        Summary {
            changes: 1,
            hunks: 2,
            binary: false
        }
    );
}

#[test]
fn swapped_lines_show_as_old_lines_then_new_lines() {
    if !have("patch", "swapped_lines_show_as_old_lines_then_new_lines") {
        return;
    }
    // GNU diff prints `-a b +a`; this is the documented difference.
    let (text, _) = ours(b"a\nb\n", &[(0, b"b"), (2, b"a")], Options::default());
    assert_eq!(text, "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n-b\n+b\n+a\n");
    assert!(patch_applies(b"a\nb\n", b"b\na\n", &text));
}

#[test]
fn a_nul_or_a_long_line_in_a_changed_line_makes_the_file_binary() {
    let binary = |old: &[u8], edits: &[(usize, &[u8])]| {
        let (text, summary) = ours(old, edits, Options::default());
        assert!(summary.binary, "{text}");
        assert_eq!(summary.hunks, 0);
        text
    };
    let text = binary(b"a\nb\0c\nd\n", &[(2, b"X"), (7, b"D")]);
    assert_eq!(text, "Binary files a/x and b/x differ (2 changes)\n");
    // A NUL written counts as one there.
    assert_eq!(
        binary(b"a\nb\n", &[(2, b"\0")]),
        "Binary files a/x and b/x differ (1 change)\n"
    );
    // A line of 1025 bytes, old or new (a changed newline joins two).
    let mut long = vec![b'x'; MAX_TEXT_LINE + 1];
    long.push(b'\n');
    binary(&long, &[(0, b"y")]);
    let mut halves = vec![b'x'; 1100];
    halves[550] = b'\n';
    binary(&halves, &[(550, b"y")]);
    // A line of 1024 bytes is text, and so is a NUL in a line left as is.
    let mut longest = vec![b'x'; MAX_TEXT_LINE];
    longest.extend(b"\n\0\n");
    let (text, summary) = ours(&longest, &[(0, b"y")], Options::default());
    assert!(!summary.binary && text.contains("\n \0\n"), "{text}");
}

/// A writer whose bytes can be looked at while a diff holds it.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn past_the_bound_the_diff_streams_and_a_later_nul_stays_text() {
    let mut old = Vec::new();
    // Lines of 37 bytes, every 8th changed: hunks of their own of
    // about 300 bytes, 2 MiB in all.
    for line in 0..60_000 {
        old.extend(format!("line {line:06} and more text to fill it\n").bytes());
    }
    let width = old.len() / 60_000;
    old.extend(b"nul \0 here\n");
    let out = Shared::default();
    let mut diff = FileDiff::new(out.clone(), Path::new("x"), &old, Options::default());
    for line in (0..60_000).step_by(8) {
        diff.edit(line * width, b"L").unwrap();
        if line == 800 {
            assert!(out.0.borrow().is_empty(), "held while under the bound");
        }
    }
    assert!(!out.0.borrow().is_empty(), "printed once past the bound");
    diff.edit(old.len() - 4, b"E").unwrap();
    let summary = diff.finish().unwrap();
    assert!(!summary.binary);
    assert_eq!(summary.hunks, 7500 + 1);
    assert!(out.0.borrow().ends_with(b"-nul \0 here\n+nul \0 hEre\n"));
}

#[test]
fn colours_are_git_diffs() {
    let (text, _) = ours(
        b"a\nb\n",
        &[(2, b"c")],
        Options {
            context: 3,
            color: true,
        },
    );
    assert_eq!(
        text,
        "\x1b[1m--- a/x\x1b[m\n\x1b[1m+++ b/x\x1b[m\n\x1b[36m@@ -1,2 +1,2 @@\x1b[m\n a\n\x1b[31m-b\x1b[m\n\x1b[32m+c\x1b[m\n"
    );
    let (text, _) = ours(
        b"a",
        &[(0, b"b")],
        Options {
            context: 3,
            color: true,
        },
    );
    assert!(text.ends_with("\x1b[31m-a\x1b[m\n\\ No newline at end of file\n\x1b[32m+b\x1b[m\n\\ No newline at end of file\n"));
}

#[test]
fn paths_are_written_as_git_writes_them() {
    let label = |path: &str| String::from_utf8(label("a/", Path::new(path))).unwrap();
    assert_eq!(label("src/main.c"), "a/src/main.c");
    assert_eq!(label("./src/main.c"), "a/src/main.c");
    assert_eq!(label("/etc/hosts"), "a/etc/hosts");
    assert_eq!(label("with space/é.txt"), "a/with space/é.txt");
    let mut out = Vec::new();
    let mut diff = FileDiff::new(&mut out, Path::new("a b"), b"x", Options::default());
    diff.edit(0, b"y").unwrap();
    diff.finish().unwrap();
    assert!(out.starts_with(b"--- a/a b\t\n+++ b/a b\t\n@@ -1 +1 @@\n"));
    assert_eq!(label("tab\there"), "\"a/tab\\there\"");
    assert_eq!(label("say \"hi\"\\\x01"), "\"a/say \\\"hi\\\"\\\\\\001\"");
}

#[test]
fn edits_out_of_order_or_past_the_end_are_refused() {
    let mut out = Vec::new();
    let mut diff = FileDiff::new(&mut out, Path::new("x"), b"abcdef", Options::default());
    diff.edit(2, b"XY").unwrap();
    diff.edit(4, b"Z").unwrap(); // adjacent is fine
    for (offset, new) in [(4, &b"Q"[..]), (1, b"Q"), (6, b"Q"), (usize::MAX, b"Q")] {
        let error = diff.edit(offset, new).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{offset}");
    }
    diff.finish().unwrap();
}

/// A file of a few letters and newlines, and edits over it: runs of
/// touched bytes, cut into edits at random.
fn file_and_edits() -> impl Strategy<Value = (Vec<u8>, Vec<(usize, Vec<u8>)>)> {
    let alphabet = prop::sample::select(vec![&b"ab\n"[..], b"abc\n\n", b"abcd\n"]);
    alphabet
        .prop_flat_map(|letters| {
            let byte = prop::sample::select(letters.to_vec());
            prop::collection::vec(byte.clone(), 0..80).prop_flat_map(move |old| {
                let touches = prop::collection::vec(
                    (
                        prop::bool::weighted(0.12),
                        byte.clone(),
                        prop::bool::weighted(0.3),
                    ),
                    old.len(),
                );
                (Just(old), touches)
            })
        })
        .prop_map(|(old, touches)| {
            let mut edits: Vec<(usize, Vec<u8>)> = Vec::new();
            let mut previous_touched = false;
            for (at, &(touched, byte, cut)) in touches.iter().enumerate() {
                match edits.last_mut() {
                    Some(edit) if touched && previous_touched && !cut => edit.1.push(byte),
                    _ if touched => edits.push((at, vec![byte])),
                    _ => {}
                }
                previous_touched = touched;
            }
            (old, edits)
        })
}

/// Whether GNU diff may pair lines its own way (see the module doc):
/// when a changed line, old or new, is also a line of the other file,
/// there may be other alignments as short as ours. Changed lines come
/// from our diff with the whole file as context; a line is compared
/// with its newline (or without, when it has none).
fn ambiguous(old: &[u8], edits: &[(usize, &[u8])]) -> bool {
    let options = Options {
        context: 1 << 20,
        color: false,
    };
    let (full, _) = ours(old, edits, options);
    let new = apply(old, edits);
    let lines_of = |bytes: &[u8]| -> Vec<Vec<u8>> {
        bytes
            .split_inclusive(|&b| b == b'\n')
            .map(<[u8]>::to_vec)
            .collect()
    };
    let (old_lines, new_lines) = (lines_of(old), lines_of(&new));
    let mut lines = full.split_inclusive('\n').skip(2).peekable();
    while let Some(line) = lines.next() {
        let line = match lines.peek() {
            Some(next) if next.starts_with('\\') => line.trim_end_matches('\n'),
            _ => line,
        };
        let text = line.as_bytes()[1..].to_vec();
        let in_other = match line.as_bytes()[0] {
            b'-' => new_lines.contains(&text),
            b'+' => old_lines.contains(&text),
            _ => false,
        };
        if in_other {
            return true;
        }
    }
    false
}

/// Whether GNU patch turns `old` into `new` with `diff`.
fn patch_applies(old: &[u8], new: &[u8], diff: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), old).unwrap();
    let mut child = Command::new("patch")
        .args(["-p1", "--quiet", "--batch", "--no-backup-if-mismatch"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("GNU patch runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(diff.as_bytes())
        .unwrap();
    child.wait().unwrap().success() && std::fs::read(dir.path().join("x")).unwrap() == new
}

/// Whether `tool` runs here. When it does not, says so by name; under
/// CI=true (where .ci/run installs it) that is a failure.
// A test's notice goes to stderr, where the harness keeps it with the test.
#[allow(clippy::print_stderr)]
fn have(tool: &str, test: &str) -> bool {
    let runs = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !runs {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!ci, "{test} must run under CI=true but {tool} is missing");
        eprintln!("SKIPPED {test}: {tool} is missing");
    }
    runs
}

#[test]
fn the_same_as_gnu_diff() {
    let test = "the_same_as_gnu_diff";
    if !have("diff", test) || !have("patch", test) {
        return;
    }
    let config = ProptestConfig::with_cases(1000);
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&(file_and_edits(), 0usize..5), |((old, edits), context)| {
        let edits: Vec<(usize, &[u8])> = edits.iter().map(|(at, new)| (*at, &new[..])).collect();
        let options = Options {
            context,
            color: false,
        };
        let (text, _) = ours(&old, &edits, options);
        let new = apply(&old, &edits);
        let show = (String::from_utf8_lossy(&old), String::from_utf8_lossy(&new));
        if !ambiguous(&old, &edits) {
            prop_assert_eq!(&text, &gnu(&old, &new, context), "old, new: {:?}", show);
        }
        prop_assert!(text.is_empty() == (old == new));
        prop_assert!(
            old == new || patch_applies(&old, &new, &text),
            "{:?}\n{}",
            show,
            text
        );
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
