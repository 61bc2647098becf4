//! `--json` on the commands that show or write one thing: peek, poke and
//! undo print flat objects with a `type`, as find, replace and apply do.

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
