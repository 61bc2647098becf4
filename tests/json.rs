//! `--json` on the commands that show, write or compare one thing: peek,
//! poke, undo and diff print flat objects with a `type`, as find and apply do.

mod common;
use std::ffi::OsStr;
use std::fs::{self};
use std::os::unix::ffi::OsStrExt;
use std::process::Output;

use common::*;
use serde_json::{Value, json};

fn objects(out: &std::process::Output) -> Vec<Value> {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    stdout(out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn peek_poke_and_undo_print_json_objects() {
    let s = Sandbox::new();
    s.file("fw.bin", b"\x7fELF\x74\x05rest");
    assert_eq!(
        objects(&s.run(&["peek", "--json", "fw.bin", "0x4", "2"])),
        [json!({"type": "bytes", "path": "fw.bin", "offset": 4, "bytes": "7405"})]
    );
    let out = s.run(&[
        "poke",
        "--json",
        "-x",
        "--journal",
        "fix.mpj",
        "fw.bin",
        "0x4",
        "9090",
    ]);
    assert_eq!(
        objects(&out),
        [
            json!({"type": "poke", "path": "fw.bin", "offset": 4, "old": "7405", "new": "9090",
                "dry_run": false})
        ]
    );
    let out = s.run(&["undo", "--json", "fix.mpj"]);
    let restored = objects(&out);
    assert_eq!(restored.len(), 1);
    assert_eq!(
        (
            &restored[0]["type"],
            &restored[0]["regions"],
            &restored[0]["skipped"]
        ),
        (&json!("restored"), &json!(1), &json!(0))
    );
    assert!(restored[0]["path"].as_str().unwrap().ends_with("fw.bin"));
    assert_eq!(
        std::fs::read(s.path("fw.bin")).unwrap(),
        b"\x7fELF\x74\x05rest"
    );
    // Piped bytes are shown with their offsets as they arrive.
    let out = mpatch()
        .args(["peek", "--json", "-", "2", "3"])
        .write_stdin("abcdef")
        .output()
        .unwrap();
    assert_eq!(
        objects(&out),
        [json!({"type": "bytes", "path": "-", "offset": 2, "bytes": "636465"})]
    );
}

/// Every stdout line parsed as one JSON object.
fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| {
            let value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
            assert!(value.is_object(), "not an object: {line:?}");
            value
        })
        .collect()
}

/// The keys of a JSON object, sorted.
fn keys(object: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = object
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn find_json_has_a_match_line_per_match_and_a_summary_per_file() {
    let s = Sandbox::new();
    s.file("a", "KEY at 0, KEY at 10");
    s.file("b", "none");
    s.file("c", "..KEY");
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["find", "--json", "KEY", "a", "b", "c"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = json_lines(&out);
    let summary = |v: &Value| (v["type"].clone(), v["path"].clone(), v["matches"].clone());
    let matched = |v: &Value| (v["type"].clone(), v["path"].clone(), v["offset"].clone());
    assert_eq!(lines.len(), 6, "{lines:?}");
    assert_eq!(matched(&lines[0]), ("match".into(), "a".into(), 0.into()));
    assert_eq!(matched(&lines[1]), ("match".into(), "a".into(), 10.into()));
    assert_eq!(summary(&lines[2]), ("summary".into(), "a".into(), 2.into()));
    assert_eq!(summary(&lines[3]), ("summary".into(), "b".into(), 0.into()));
    assert_eq!(matched(&lines[4]), ("match".into(), "c".into(), 2.into()));
    assert_eq!(summary(&lines[5]), ("summary".into(), "c".into(), 1.into()));
    for line in [&lines[0], &lines[1], &lines[4]] {
        assert_eq!(keys(line), ["bytes", "offset", "path", "type"]);
        assert_eq!(line["bytes"], "4b4559");
    }
    for (line, size) in [(&lines[2], 19), (&lines[3], 4), (&lines[5], 5)] {
        for key in ["type", "path", "matches", "bytes_scanned", "elapsed_ms"] {
            assert!(line.get(key).is_some(), "{key} missing: {line}");
        }
        assert_eq!(line["bytes_scanned"], size, "{line}");
        assert!(line["elapsed_ms"].is_u64(), "{line}");
    }
}

#[test]
fn find_json_with_no_match_still_has_a_summary_and_exits_1() {
    let s = Sandbox::new();
    s.file("a", "nothing here");
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["find", "--json", "KEY", "a"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["type"], "summary");
    assert_eq!(lines[0]["matches"], 0);
}

#[test]
fn replace_json_match_lines_have_old_and_new() {
    let s = Sandbox::new();
    let f = s.file("f", "ERR, ERR");
    let out = mpatch()
        .current_dir(s.dir.path())
        .args(["replace", "--json", "ERR", "fix", "f"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (line, offset) in [(&lines[0], 0), (&lines[1], 5)] {
        assert_eq!(
            keys(line),
            ["bytes", "new", "offset", "old", "path", "type"]
        );
        assert_eq!(line["type"], "match");
        assert_eq!(line["path"], "f");
        assert_eq!(line["offset"], offset);
        assert_eq!(line["bytes"], "455252");
        assert_eq!(line["old"], "455252");
        assert_eq!(line["new"], "666978");
    }
    assert_eq!(lines[2]["type"], "summary");
    assert_eq!(lines[2]["path"], "f");
    assert_eq!(lines[2]["matches"], 2);
    assert_eq!(lines[2]["bytes_scanned"], 8);
    assert!(lines[2]["elapsed_ms"].is_u64());
    assert_eq!(fs::read(&f).unwrap(), b"fix, fix");
}

#[test]
fn json_carries_bytes_that_are_not_utf8_as_hex() {
    let s = Sandbox::new();
    let f = s.file("f", b"a\xff\x00b\xff\x00");
    let found = mpatch()
        .args(["find", "--json", "-x", "ff00"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    let lines = json_lines(&found);
    assert_eq!(lines.len(), 3);
    for (line, offset) in [(&lines[0], 1), (&lines[1], 4)] {
        assert_eq!(line["offset"], offset);
        assert_eq!(from_hex(line["bytes"].as_str().unwrap()), b"\xff\x00");
    }
    let replaced = mpatch()
        .args(["replace", "--json", "-x", "ff00", "00ff"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(replaced.status.code(), Some(0), "{}", stderr(&replaced));
    let lines = json_lines(&replaced);
    assert_eq!(lines.len(), 3);
    for line in &lines[..2] {
        assert_eq!(from_hex(line["old"].as_str().unwrap()), b"\xff\x00");
        assert_eq!(from_hex(line["new"].as_str().unwrap()), b"\x00\xff");
    }
    assert_eq!(fs::read(&f).unwrap(), b"a\x00\xffb\x00\xff");
}

#[test]
fn json_path_that_is_not_utf8_is_lossy_plus_path_hex() {
    let s = Sandbox::new();
    let bad = OsStr::from_bytes(b"bad\xffname");
    fs::write(s.dir.path().join(bad), "a KEY").unwrap();
    s.file("good", "KEY");
    for command in [
        &["find", "--json", "KEY"][..],
        &["replace", "--json", "--dry-run", "KEY", "key"],
    ] {
        let out = mpatch()
            .current_dir(s.dir.path())
            .args(command)
            .arg(bad)
            .arg("good")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{command:?}: {}", stderr(&out));
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 4, "{lines:?}");
        for line in &lines[..2] {
            assert_eq!(line["path"], "bad\u{fffd}name", "{line}");
            assert_eq!(line["path_hex"], "626164ff6e616d65", "{line}");
        }
        for line in &lines[2..] {
            assert_eq!(line["path"], "good", "{line}");
            assert!(line.get("path_hex").is_none(), "{line}");
        }
    }
}

#[test]
fn diff_json_prints_the_patch_lines_as_region_objects_then_a_summary() {
    let s = Sandbox::new();
    let mut old = vec![0u8; 70_000];
    old[..12].copy_from_slice(b"Hello, world");
    let mut new = old.clone();
    new[0] = b'J';
    new[7] = b'W';
    new[10..12].copy_from_slice(b"XY");
    new[65_535..65_537].copy_from_slice(b"\xff\xfe");
    s.file("old.bin", &old);
    s.file("new.bin", &new);
    let out = s.run(&["diff", "--json", "old.bin", "new.bin"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found: Vec<Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    // The regions of mpatch's own patch, line for line: a region never
    // crosses 64 KiB, changes 4 bytes apart or less share one.
    let patch = stdout(&s.run(&["diff", "old.bin", "new.bin"]));
    let lines: Vec<&str> = patch.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "0 48 4a",
            "7 776f726c64 576f725859",
            "65535 00 ff",
            "65536 00 fe"
        ]
    );
    let regions: Vec<String> = found[..found.len() - 1]
        .iter()
        .map(|o| {
            assert_eq!(o["type"], "region", "{o}");
            assert_eq!(o.as_object().unwrap().len(), 4, "{o}");
            format!(
                "{} {} {}",
                o["offset"],
                o["old"].as_str().unwrap(),
                o["new"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(regions, lines);
    assert_eq!(
        found.last().unwrap(),
        &json!({"type": "summary", "format": "mpatch", "size": 70_000, "regions": 4,
                "bytes_changed": 6})
    );
    // Equal files: the summary alone, exit 0.
    assert_eq!(
        objects(&s.run(&["diff", "--json", "old.bin", "old.bin"])),
        [
            json!({"type": "summary", "format": "mpatch", "size": 70_000, "regions": 0,
                "bytes_changed": 0})
        ]
    );
}

#[test]
fn diff_json_is_refused_with_another_format() {
    let s = Sandbox::new();
    s.file("a", "Hello");
    s.file("b", "Jello");
    let out = s.run(&["diff", "--json", "--format", "ips", "a", "b"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "mpatch: --json: prints the changed regions as JSON in place of a patch, so it takes \
         no --format ips; write the patch without --json, or the regions with --json alone\n"
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn q_and_json_together_are_refused_by_every_command_and_nothing_is_written() {
    // -q asks for silence and --json for objects: refused, not one
    // silently won, by every command that has both.
    let s = Sandbox::new();
    let a = s.file("a", "Hello");
    s.file("b", "Jello");
    s.file("ab.mpatch", stdout(&s.run(&["diff", "a", "b"])));
    let before = snapshot(&a);
    for args in [
        &["find", "H", "a"][..],
        &["replace", "H", "J", "a"],
        &["poke", "a", "0", "J"],
        &["diff", "a", "b"],
        &["apply", "ab.mpatch", "a"],
    ] {
        for flags in [["-q", "--json"], ["--json", "-q"]] {
            let mut line = vec![args[0]];
            line.extend(flags);
            line.extend(&args[1..]);
            let out = s.run(&line);
            assert_eq!(out.status.code(), Some(2), "{line:?}");
            assert_eq!(stdout(&out), "", "{line:?}");
            assert!(
                stderr(&out).contains("cannot be used with"),
                "{line:?}: {}",
                stderr(&out)
            );
            assert_unchanged_since(&a, &before);
        }
    }
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
