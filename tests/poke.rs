//! peek and poke end to end: bytes written at an offset as typed, with
//! escapes or as hex, a compare-and-swap with --expect, never past the end,
//! and a real ELF binary found, patched and run.

mod common;
use std::ffi::OsString;
use std::fs::{self, File};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

#[test]
fn poke_writes_literal_bytes() {
    let s = Sandbox::new();
    let f = s.file("f", "0123456789");
    let ino = fs::metadata(&f).unwrap().ino();
    mpatch()
        .args(["poke"])
        .arg(&f)
        .args(["2", "AB"])
        .assert()
        .code(0)
        .stdout(format!("{}: 2 bytes written at offset 2\n", f.display()))
        .stderr("");
    assert_eq!(fs::read(&f).unwrap(), b"01AB456789");
    assert_eq!(fs::metadata(&f).unwrap().ino(), ino);
}

#[test]
fn poke_writes_hex_bytes() {
    let s = Sandbox::new();
    let f = s.file("f", "0123456789");
    mpatch()
        .args(["poke", "--hex"])
        .arg(&f)
        .args(["0x4", "00 ff 7f"])
        .assert()
        .code(0);
    assert_eq!(fs::read(&f).unwrap(), b"0123\x00\xff\x7f789");
}

#[test]
fn poke_writes_escaped_bytes() {
    let s = Sandbox::new();
    let f = s.file("f", "0123456789");
    mpatch()
        .args(["poke", "-e"])
        .arg(&f)
        .args(["1", r"\n\t\x00\\"])
        .assert()
        .code(0);
    assert_eq!(fs::read(&f).unwrap(), b"0\n\t\x00\\56789");
}

#[test]
fn poke_negative_offset_counts_from_the_end() {
    let s = Sandbox::new();
    let f = s.file("f", "0123456789");
    mpatch()
        .args(["poke"])
        .arg(&f)
        .args(["-3", "xyz"])
        .assert()
        .code(0)
        .stdout(format!("{}: 3 bytes written at offset 7\n", f.display()));
    assert_eq!(fs::read(&f).unwrap(), b"0123456xyz");
}

#[test]
fn poke_can_write_the_last_byte() {
    let s = Sandbox::new();
    let f = s.file("f", "0123456789");
    mpatch()
        .args(["poke"])
        .arg(&f)
        .args(["9", "Z"])
        .assert()
        .code(0);
    assert_eq!(fs::read(&f).unwrap(), b"012345678Z");
}

#[test]
fn poke_past_the_end_is_refused_and_the_file_is_unchanged() {
    let s = Sandbox::new();
    let f = s.file("f", "0123456789");
    let before = aged_snapshot(&f);
    for (offset, bytes) in [("10", "Z"), ("9", "ZZ"), ("-1", "ZZ"), ("0", "0123456789A")] {
        let out = mpatch()
            .args(["poke"])
            .arg(&f)
            .args([offset, bytes])
            .output()
            .unwrap();
        assert_error(&out, &name(&f), "run past the end of the file (10 bytes)");
        assert_eq!(stdout(&out), "");
        assert_eq!(snapshot(&f), before, "poke {offset} {bytes}");
        assert_eq!(fs::metadata(&f).unwrap().len(), 10);
    }
}

#[test]
fn poke_expect_that_holds_writes() {
    let s = Sandbox::new();
    let f = s.file("f", b"\x00\x01\x74\x00\x04");
    mpatch()
        .args(["poke", "--hex", "--expect", "7400"])
        .arg(&f)
        .args(["2", "9090"])
        .assert()
        .code(0)
        .stdout(format!("{}: 2 bytes written at offset 2\n", f.display()));
    assert_eq!(fs::read(&f).unwrap(), b"\x00\x01\x90\x90\x04");
}

#[test]
fn poke_expect_that_fails_shows_what_is_there_and_writes_nothing() {
    let s = Sandbox::new();
    let f = s.file("f", b"\x00\x01\x75\x00\x04");
    let before = aged_snapshot(&f);
    let out = mpatch()
        .args(["poke", "--hex", "--expect", "7400"])
        .arg(&f)
        .args(["2", "9090"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(
        err.starts_with(&format!("mpatch: {}: ", f.display())) && err.contains("7500"),
        "the bytes found, in hex: {err:?}"
    );
    assert_eq!(snapshot(&f), before);
}

#[test]
fn poke_expect_running_past_the_end_does_not_hold_and_shows_what_is_there() {
    // The write itself fits; the bytes expected are not all there.
    let s = Sandbox::new();
    let f = s.file("f", "abcdef");
    let before = aged_snapshot(&f);
    let out = s.run(&["poke", "--expect", "fgh", "f", "5", "x"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "mpatch: f: expected 666768 at offset 5, found 66; nothing written\n"
    );
    assert_eq!(snapshot(&f), before);
    // BYTES past the end is the error it always was.
    let out = s.run(&["poke", "--expect", "f", "f", "5", "xy"]);
    assert_error(
        &out,
        "f",
        "2 bytes at offset 5 run past the end of the file (6 bytes)",
    );
    assert_eq!(snapshot(&f), before);
}

#[test]
fn poke_dry_run_reports_and_writes_nothing() {
    let s = Sandbox::new();
    let f = s.file("f", "0123456789");
    let before = aged_snapshot(&f);
    mpatch()
        .args(["poke", "--dry-run"])
        .arg(&f)
        .args(["3", "abc"])
        .assert()
        .code(0)
        .stdout(format!(
            "{}: 3 bytes would be written at offset 3\n",
            f.display()
        ));
    assert_eq!(snapshot(&f), before);
}

#[test]
fn peek_hex_output_feeds_poke_hex() {
    let s = Sandbox::new();
    let source: Vec<u8> = (0..=255u8).rev().collect();
    let from = s.file("from", &source);
    let to = s.file("to", vec![b'.'; 256]);
    let peeked = mpatch()
        .args(["peek", "-f", "hex"])
        .arg(&from)
        .args(["0x10", "40"])
        .output()
        .unwrap();
    assert_eq!(peeked.status.code(), Some(0), "{}", stderr(&peeked));
    let hex = stdout(&peeked);
    let hex = hex.strip_suffix('\n').expect("one line");
    mpatch()
        .args(["poke", "--hex"])
        .arg(&to)
        .args(["0x10", hex])
        .assert()
        .code(0);
    let mut expected = vec![b'.'; 256];
    expected[0x10..0x10 + 40].copy_from_slice(&source[0x10..0x10 + 40]);
    assert_eq!(fs::read(&to).unwrap(), expected);
}

// A real ELF binary ---------------------------------------------------------

/// A copy of GNU `/bin/echo` in the sandbox, made by `cp` so that this test
/// process never holds it open for writing (which could make running it fail
/// with "text file busy"); `None` if there is no GNU echo here.
fn gnu_echo_copy(s: &Sandbox) -> Option<std::path::PathBuf> {
    let copy = s.path("echo");
    let copied = sh(&format!("cp /bin/echo '{}'", copy.display()));
    if !copied.status.success() {
        return None;
    }
    let version = run_echo(&copy, "--version");
    version.contains("(GNU coreutils)").then_some(copy)
}

fn run_echo(binary: &Path, arg: &str) -> String {
    let out = std::process::Command::new(binary)
        .arg(arg)
        .env("LC_ALL", "C")
        .env_remove("LANGUAGE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn replace_patches_a_string_in_a_real_elf_binary() {
    let s = Sandbox::new();
    let Some(echo) = gnu_echo_copy(&s) else {
        return cannot_run(
            "replace_patches_a_string_in_a_real_elf_binary",
            "no GNU coreutils /bin/echo",
        );
    };
    let original = fs::read(&echo).unwrap();
    assert_eq!(&original[..4], b"\x7fELF");
    let version_before = run_echo(&echo, "--version");
    let meta_before = fs::metadata(&echo).unwrap();
    let found = mpatch()
        .args(["find", "GNU coreutils"])
        .arg(&echo)
        .output()
        .unwrap();
    assert_eq!(found.status.code(), Some(0));
    let offsets: Vec<usize> = stdout(&found).lines().map(|l| l.parse().unwrap()).collect();
    mpatch()
        .args(["replace", "--expect", &offsets.len().to_string()])
        .args(["GNU coreutils", "GNU COREUTILS"])
        .arg(&echo)
        .assert()
        .code(0)
        .stdout(format!("{}: {} replaced\n", echo.display(), offsets.len()));

    let version_after = run_echo(&echo, "--version");
    assert_ne!(version_after, version_before);
    assert!(version_after.contains("(GNU COREUTILS)"), "{version_after}");
    assert_eq!(
        version_after,
        version_before.replace("GNU coreutils", "GNU COREUTILS")
    );
    let mut expected = original;
    for at in offsets {
        expected[at..at + 13].copy_from_slice(b"GNU COREUTILS");
    }
    assert_eq!(fs::read(&echo).unwrap(), expected, "no other byte changed");
    let meta_after = fs::metadata(&echo).unwrap();
    assert_eq!(
        (meta_after.ino(), meta_after.mode(), meta_after.len()),
        (meta_before.ino(), meta_before.mode(), meta_before.len())
    );
}

#[test]
fn find_then_poke_with_expect_patches_a_real_elf_binary() {
    let s = Sandbox::new();
    let Some(echo) = gnu_echo_copy(&s) else {
        return cannot_run(
            "find_then_poke_with_expect_patches_a_real_elf_binary",
            "no GNU coreutils /bin/echo",
        );
    };
    let help_before = run_echo(&echo, "--help");
    assert!(help_before.contains("Echo the STRING(s)"), "{help_before}");
    let meta_before = fs::metadata(&echo).unwrap();
    let found = mpatch()
        .args(["find", "--nth", "1", "--hex-offsets", "Echo the STRING(s)"])
        .arg(&echo)
        .output()
        .unwrap();
    assert_eq!(found.status.code(), Some(0));
    let offset = stdout(&found).trim().to_string();
    assert!(offset.starts_with("0x"), "{offset}");
    mpatch()
        .args(["poke", "--hex", "--expect", "4563686f"])
        .arg(&echo)
        .args([&offset, "4543484f"])
        .assert()
        .code(0);
    let help_after = run_echo(&echo, "--help");
    assert!(help_after.contains("ECHO the STRING(s)"), "{help_after}");
    assert_eq!(help_after, help_before.replace("Echo the", "ECHO the"));
    // The guard now fails: the bytes there are no longer "Echo".
    let again = mpatch()
        .args(["poke", "--hex", "--expect", "4563686f"])
        .arg(&echo)
        .args([&offset, "4543484f"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("4543484f"), "{}", stderr(&again));
    let meta_after = fs::metadata(&echo).unwrap();
    assert_eq!(
        (meta_after.ino(), meta_after.mode(), meta_after.len()),
        (meta_before.ino(), meta_before.mode(), meta_before.len())
    );
}

#[test]
fn peek_formats() {
    let s = Sandbox::new();
    let f = s.file("f", b"hello ERROR world\n\x00\xff\\tail");
    mpatch()
        .args(["peek"])
        .arg(&f)
        .args(["6", "16"])
        .assert()
        .code(0)
        .stdout("00000006: 4552 524f 5220 776f 726c 640a 00ff 5c74  ERROR world...\\t\n");
    mpatch()
        .args(["peek", "-f", "hex"])
        .arg(&f)
        .args(["0x6", "5"])
        .assert()
        .stdout("4552524f52\n");
    mpatch()
        .args(["peek", "-f", "text"])
        .arg(&f)
        .args(["12", "12"])
        .assert()
        .stdout("world\\n\\x00\\xff\\\\tai\n");
    mpatch()
        .args(["peek", "-f", "raw"])
        .arg(&f)
        .args(["-4"])
        .assert()
        .stdout("tail");
    // The default length is 64, cut at the end of the file.
    let all = mpatch()
        .args(["peek", "-f", "raw"])
        .arg(&f)
        .arg("0")
        .output()
        .unwrap();
    assert_eq!(all.stdout, fs::read(&f).unwrap());
}

#[test]
fn peek_hexdump_is_xxd() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let s = Sandbox::new();
    let f = s.file("f", &bytes);
    let xxd = sh(&format!("xxd -s 100 -l 200 -g 2 {}", f.display()));
    if !xxd.status.success() {
        return cannot_run("peek_hexdump_is_xxd", "xxd is not installed");
    }
    mpatch()
        .args(["peek"])
        .arg(&f)
        .args(["100", "200"])
        .assert()
        .stdout(stdout(&xxd));
}

#[test]
fn peek_past_the_end_is_an_error() {
    let s = Sandbox::new();
    let f = s.file("f", "12345");
    let out = mpatch().args(["peek"]).arg(&f).arg("5").output().unwrap();
    assert_error(
        &out,
        &f.display().to_string(),
        "past the end of the file (5 bytes)",
    );
    let out = mpatch().args(["peek"]).arg(&f).arg("-6").output().unwrap();
    assert_error(
        &out,
        &f.display().to_string(),
        "before the start of the file",
    );
    mpatch()
        .args(["peek", "-f", "raw"])
        .arg(&f)
        .args(["4", "100"])
        .assert()
        .code(0)
        .stdout("5");
    // An empty file has no offset to show, even for a LENGTH of 0; a
    // stream of the same bytes says the same, and a stream that has byte
    // 0 shows nothing for a LENGTH of 0, as a file does.
    let empty = s.file("empty", "");
    for (input, offset, code) in [
        ("", "0", 2),
        ("", "3", 2),
        ("12345", "0", 0),
        ("12345", "5", 2),
    ] {
        let file = s.file("same", input);
        let stream = sh(&format!("printf '{input}' | {BIN} peek - {offset} 0"));
        let named = mpatch()
            .args(["peek"])
            .arg(&file)
            .args([offset, "0"])
            .output()
            .unwrap();
        for out in [&stream, &named] {
            assert_eq!(
                (out.status.code(), stdout(out)),
                (Some(code), String::new()),
                "{input:?} {offset}"
            );
        }
    }
    let out = mpatch()
        .args(["peek"])
        .arg(&empty)
        .args(["0", "0"])
        .output()
        .unwrap();
    assert_error(
        &out,
        &empty.display().to_string(),
        "offset 0 is past the end of the file (0 bytes)",
    );
}

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
