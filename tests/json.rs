//! `--json` on the commands that show, write or compare one thing: peek,
//! poke, undo and diff print flat objects with a `type`, as find and apply do.

mod common;

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
fn diff_json_is_refused_with_another_format_and_with_q() {
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
    let out = s.run(&["diff", "--json", "-q", "a", "b"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("'--json' cannot be used with '--quiet'"),
        "{}",
        stderr(&out)
    );
}
