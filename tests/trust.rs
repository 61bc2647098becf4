//! The promises of one scan over the bytes as they were, one writer and
//! exact journals, each as the reproduction that once broke it.

mod common;

use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

const MIB: u64 = 1 << 20;

fn run(args: &[&str]) -> std::process::Output {
    mpatch().args(args).output().unwrap()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Spawns mpatch with its stdout piped and never read, and waits until it
/// is blocked writing to it: the run is held in the middle, between the
/// matches it has shown and those it has not.
fn spawn_blocked_on_stdout(args: &[&str]) -> KillOnDrop {
    let mut child = KillOnDrop::spawn(
        Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let pid = child.id();
    wait_until("mpatch blocks on stdout", Duration::from_secs(20), || {
        let wchan = fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
        wchan.contains("pipe") || child.try_wait().unwrap().is_some()
    });
    assert!(
        child.try_wait().unwrap().is_none(),
        "mpatch ended before its output filled the pipe"
    );
    child
}

/// Reads the rest of a held child's stdout and waits for it.
fn drain(mut child: KillOnDrop) -> (std::process::ExitStatus, String, String) {
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = wait_within(&mut child, Duration::from_secs(60));
    (status, out, err)
}

#[test]
fn a_regex_replace_never_reads_its_own_writes() {
    // Replacing `é` byte by byte makes a `\b` before each `a`; on the
    // bytes as they were there is none, so no `a` is replaced.
    let sandbox = Sandbox::new();
    let original = b"\xC3\xA9a".repeat(200_000);
    let want: Vec<u8> = b"--a".repeat(200_000);
    let regex = r"(?-u:\xC3|\xA9)|\ba";
    let fresh = |name: &str| sandbox.file(name, &original);

    let dry = fresh("dry");
    let out = run(&["replace", "--regex", "--dry-run", regex, "-", s(&dry)]);
    assert_eq!(
        stdout(&out),
        format!("{}: 400000 would be replaced\n", s(&dry))
    );

    let real = fresh("real");
    let out = run(&["replace", "--regex", regex, "-", s(&real)]);
    assert_eq!(stdout(&out), format!("{}: 400000 replaced\n", s(&real)));
    assert!(fs::read(&real).unwrap() == want, "the real run wrote more");

    let json = fresh("json");
    let out = run(&["replace", "--regex", "--json", regex, "-", s(&json)]);
    let matches = stdout(&out)
        .lines()
        .filter(|l| l.contains(r#""type":"match""#))
        .count();
    assert_eq!(matches, 400_000);
    assert!(fs::read(&json).unwrap() == want, "--json wrote more");

    let preview = fresh("preview");
    let out = run(&["replace", "--regex", "-C", "2", regex, "-", s(&preview)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::read(&preview).unwrap() == want, "-C wrote more");

    let journalled = fresh("journalled");
    let journal = sandbox.path("fix.mpj");
    let out = run(&[
        "replace",
        "--regex",
        "--expect",
        "400000",
        "--journal",
        s(&journal),
        regex,
        "-",
        s(&journalled),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::read(&journalled).unwrap() == want);
    let out = run(&["undo", s(&journal)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        fs::read(&journalled).unwrap() == original,
        "undo left a byte changed"
    );
}

#[test]
fn a_byte_written_between_two_close_matches_by_another_process_is_kept() {
    // A small file (read, not mapped, by the scan) whose last two matches
    // share one write; the run is held on its output while another
    // process writes the byte between them.
    let sandbox = Sandbox::new();
    let mut bytes = b"ERROR.....".repeat(6000);
    let gap = bytes.len() + 5;
    bytes.extend_from_slice(b"ERRORxERROR\n");
    let path = sandbox.file("small.log", &bytes);
    let child = spawn_blocked_on_stdout(&["replace", "--json", "ERROR", "FIXED", s(&path)]);
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .write_all_at(b"Z", gap as u64)
        .unwrap();
    let (status, _, err) = drain(child);
    assert_eq!(status.code(), Some(0), "{err}");
    let after = fs::read(&path).unwrap();
    assert_eq!(
        &after[gap - 5..],
        b"FIXEDZFIXED\n",
        "the other process's byte was reverted"
    );
    assert_eq!(after.windows(5).filter(|w| w == b"FIXED").count(), 6002);
}

#[test]
fn a_live_log_is_patched_as_it_was_and_undone_after_it_grew() {
    let sandbox = Sandbox::new();
    let original = b"GET /a ERROR\n".repeat(40_000);
    let path = sandbox.file("app.log", &original);
    let journal = sandbox.path("fix.mpj");
    let child = spawn_blocked_on_stdout(&[
        "replace",
        "--json",
        "--journal",
        s(&journal),
        "ERROR",
        "FIXED",
        s(&path),
    ]);
    // The log gains a line in the middle of the run.
    let appended = b"GET /b ERROR\n";
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all_at(appended, original.len() as u64)
        .unwrap();
    let (status, out, err) = drain(child);
    assert_eq!(status.code(), Some(0), "a growing log is no error: {err}");
    let summary = out.lines().last().unwrap();
    assert!(summary.contains(r#""matches":40000"#), "{summary}");
    assert!(
        summary.contains(&format!(r#""appended":{}"#, appended.len())),
        "{summary}"
    );
    let after = fs::read(&path).unwrap();
    let mut want = b"GET /a FIXED\n".repeat(40_000);
    want.extend_from_slice(appended);
    assert!(after == want, "only the bytes the log had are patched");

    // The log grows again; undo knows it as the same file.
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all_at(b"later\n", want.len() as u64)
        .unwrap();
    let out = run(&["undo", s(&journal)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut restored = original.clone();
    restored.extend_from_slice(appended);
    restored.extend_from_slice(b"later\n");
    assert!(fs::read(&path).unwrap() == restored);
    assert!(!journal.exists());
}

#[test]
fn a_replace_reports_the_bytes_appended_while_it_ran() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("app.log", b"x ERROR\n".repeat(60_000));
    let child = spawn_blocked_on_stdout(&["replace", "-C", "3", "ERROR", "FIXED", s(&path)]);
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all_at(b"ERROR\n", 480_000)
        .unwrap();
    let (status, out, err) = drain(child);
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(
        out.ends_with(&format!(
            "{}: 60000 replaced (6 bytes appended during the run, not searched)\n",
            s(&path)
        )),
        "{}",
        out.lines().last().unwrap_or_default()
    );
}

#[test]
fn a_shrinking_file_is_still_an_error_naming_its_size() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("app.log", b"x ERROR\n".repeat(60_000));
    let child = spawn_blocked_on_stdout(&["replace", "--json", "ERROR", "FIXED", s(&path)]);
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(1000)
        .unwrap();
    let (status, _, err) = drain(child);
    assert_eq!(status.code(), Some(2));
    let now = fs::metadata(&path).unwrap().len();
    assert!(
        now <= 1000 + 4096,
        "left longer than one block past the cut: {now}"
    );
    assert!(
        err.contains(&format!("(now {now} bytes)")),
        "the message names the size the file has ({now}): {err}"
    );
}

#[test]
fn a_cut_during_a_two_thread_replace_never_leaves_a_longer_file() {
    // A large cached file is split across both cores; another process
    // cuts it at a random moment. Whatever the timing, the file ends at
    // most one block past the cut, those bytes zeros, and the message
    // names the size it has.
    let sandbox = Sandbox::new();
    let path = sandbox.path("big.log");
    let size = 96 * MIB;
    let mut line = vec![b'.'; 4096];
    line[100..105].copy_from_slice(b"ERROR");
    let content = line.repeat((size / 4096) as usize);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut random = move |below: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below
    };
    let mut cut_seen = 0;
    for round in 0..16 {
        fs::write(&path, &content).unwrap();
        let cut = random(size);
        let mut child = KillOnDrop::spawn(
            Command::new(BIN)
                .args(["replace", "--no-sync", "ERROR", "FIXED", s(&path)])
                .stdout(Stdio::null())
                .stderr(Stdio::piped()),
        );
        std::thread::sleep(Duration::from_micros(random(60_000)));
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(cut)
            .unwrap();
        let status = wait_within(&mut child, Duration::from_secs(60));
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let now = fs::metadata(&path).unwrap().len();
        assert!(
            now <= cut + 4096,
            "round {round}: cut at {cut}, left at {now} ({err})"
        );
        if now > cut {
            let mut tail = vec![0; (now - cut) as usize];
            fs::File::open(&path)
                .unwrap()
                .read_exact_at(&mut tail, cut)
                .unwrap();
            assert!(
                tail.iter().all(|&b| b == 0),
                "round {round}: stale bytes past the cut"
            );
        }
        match status.code() {
            Some(0) => assert!(err.is_empty(), "{err}"),
            Some(2) => {
                cut_seen += 1;
                assert!(
                    err.contains(&format!("(now {now} bytes)")),
                    "round {round}: the message names {now}: {err}"
                );
            }
            other => panic!("round {round}: exit {other:?}: {err}"),
        }
    }
    eprintln!("{cut_seen} of 16 runs saw the cut");
}

#[test]
fn all_or_nothing_holds_on_a_full_ext4_of_1k_blocks() {
    // Matches either side of a 1 KiB hole: a write that spanned the hole
    // would need a block, which a full disk does not have.
    let sandbox = Sandbox::new();
    let ext4 = match Ext4::with_block_size(&sandbox, "fs1k", 64 * MIB, 1024) {
        Ok(ext4) => ext4,
        Err(why) => return cannot_run("all_or_nothing_holds_on_a_full_ext4_of_1k_blocks", &why),
    };
    let sparse = ext4.path("sparse.bin");
    let mut first = vec![b'.'; 1024];
    first[1010..1015].copy_from_slice(b"ERROR");
    let mut third = vec![b'.'; 1024];
    third[5..10].copy_from_slice(b"ERROR");
    let file = fs::File::create(&sparse).unwrap();
    file.write_all_at(&first, 0).unwrap();
    file.write_all_at(&third, 2048).unwrap();
    drop(file);
    let plain = ext4.path("plain.log");
    fs::write(&plain, b"an ERROR here\n").unwrap();
    ext4.sync();
    let blocks = fs::metadata(&sparse).unwrap().blocks();
    ext4.fill("filler");
    let out = run(&["replace", "ERROR", "FIXED", s(&sparse), s(&plain)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = fs::read(&sparse).unwrap();
    assert_eq!(&after[1010..1015], b"FIXED");
    assert_eq!(&after[2048 + 5..2048 + 10], b"FIXED");
    assert!(after[1024..2048].iter().all(|&b| b == 0));
    assert_eq!(fs::read(&plain).unwrap(), b"an FIXED here\n");
    assert_eq!(
        fs::metadata(&sparse).unwrap().blocks(),
        blocks,
        "the hole was filled"
    );
}

#[test]
fn a_tree_journal_holds_only_the_files_written_and_force_restores_the_rest() {
    let sandbox = Sandbox::new();
    let tree = sandbox.path("tree");
    fs::create_dir(&tree).unwrap();
    for name in ["a.txt", "b.txt", "c.txt"] {
        fs::write(tree.join(name), b"old value\n").unwrap();
    }
    // b cannot be written (immutable): it is reported, and has no section.
    let immutable = Command::new("chattr")
        .arg("+i")
        .arg(tree.join("b.txt"))
        .output();
    let immutable = immutable.is_ok_and(|o| o.status.success());
    let journal = sandbox.path("tree.mpj");
    let out = run(&[
        "replace",
        "-r",
        "--journal",
        s(&journal),
        "old",
        "new",
        s(&tree),
    ]);
    if immutable {
        let _ = Command::new("chattr")
            .arg("-i")
            .arg(tree.join("b.txt"))
            .output();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(fs::read(tree.join("b.txt")).unwrap(), b"old value\n");
    } else {
        cannot_run("the immutable-file half of this test", "chattr +i failed");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let journalled: Vec<&str> = ["a.txt", "c.txt"].into_iter().collect();
    let raw = fs::read(&journal).unwrap();
    for name in ["a.txt", "b.txt", "c.txt"] {
        let named = raw.windows(name.len()).any(|w| w == name.as_bytes());
        let expected = journalled.contains(&name) || !immutable;
        assert_eq!(named, expected, "{name} in the journal");
    }
    // c is deleted: undo restores nothing; --force restores a and names c.
    fs::remove_file(tree.join("c.txt")).unwrap();
    let out = run(&["undo", s(&journal)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("c.txt"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing restored"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(tree.join("a.txt")).unwrap(), b"new value\n");
    let out = run(&["undo", "--force", s(&journal)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("c.txt"), "{}", stderr(&out));
    assert_eq!(fs::read(tree.join("a.txt")).unwrap(), b"old value\n");
    assert!(journal.exists(), "a journal not fully restored is kept");
}

#[test]
fn a_killed_journalled_replace_is_undone_after_the_log_grew() {
    // Killed at a random moment, then appended to: undo restores what the
    // run wrote, and keeps what was appended.
    let sandbox = Sandbox::new();
    let path = sandbox.path("big.log");
    let mut line = vec![b'.'; 512];
    line[10..15].copy_from_slice(b"ERROR");
    let original = line.repeat(64 * 2048);
    for (round, delay_ms) in [0u64, 5, 20, 60, 150].into_iter().enumerate() {
        fs::write(&path, &original).unwrap();
        let journal = sandbox.path(&format!("kill{round}.mpj"));
        let mut child = KillOnDrop::spawn(
            Command::new(BIN)
                .args([
                    "replace",
                    "--journal",
                    s(&journal),
                    "ERROR",
                    "FIXED",
                    s(&path),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all_at(b"ERROR appended\n", original.len() as u64)
            .unwrap();
        if journal.exists() {
            let out = run(&["undo", s(&journal)]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "round {round}: {}",
                stderr(&out)
            );
        } else {
            assert!(
                fs::read(&path).unwrap()[..original.len()] == original[..],
                "round {round}: bytes changed with no journal"
            );
        }
        let after = fs::read(&path).unwrap();
        assert!(
            after[..original.len()] == original[..],
            "round {round}: not restored"
        );
        assert_eq!(&after[original.len()..], b"ERROR appended\n");
    }
}
