//! The undo journal and undo: what a journal holds, how undo checks the
//! files and regions before it restores any, a journal with no end, one the
//! user does not own, and recovery after a real SIGKILL mid-replace.

mod common;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// `replace --journal` of ERROR by FIXED in a new file; its path and the
/// journal's.
fn journalled(s: &Sandbox) -> (std::path::PathBuf, std::path::PathBuf) {
    let f = s.file("app.log", b"ERROR one\nok\nERROR two\n");
    let j = s.path("fix.mpj");
    mpatch()
        .args(["replace", "--journal"])
        .arg(&j)
        .args(["ERROR", "FIXED"])
        .arg(&f)
        .assert()
        .code(0);
    (f, j)
}

fn undo_with(journal: &Path, extra: &[&str]) -> std::process::Output {
    mpatch()
        .arg("undo")
        .args(extra)
        .arg(journal)
        .output()
        .unwrap()
}

#[test]
fn a_journal_cut_short_is_kept_and_never_reported_as_success() {
    let s = Sandbox::new();
    let (f, j) = journalled(&s);
    let whole = fs::read(&j).unwrap();
    // The trailer (13 bytes) and the end of the one block: the regions it
    // held were written, and cannot be restored from what is left.
    fs::write(&j, &whole[..whole.len() - 20]).unwrap();
    let out = undo_with(&j, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("the journal has no end"), "{err}");
    assert!(err.contains("the journal is kept"), "{err}");
    assert!(j.exists(), "the journal is kept");
    assert_eq!(fs::read(&f).unwrap(), b"FIXED one\nok\nFIXED two\n");
}

#[test]
fn a_journal_without_its_trailer_alone_is_restored_whole() {
    let s = Sandbox::new();
    let (f, j) = journalled(&s);
    let whole = fs::read(&j).unwrap();
    // A run stopped after its last block: every region is in the journal.
    fs::write(&j, &whole[..whole.len() - 13]).unwrap();
    let out = undo_with(&j, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stopped part-way"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(&f).unwrap(), b"ERROR one\nok\nERROR two\n");
    assert!(!j.exists());
}

#[test]
fn a_journal_others_can_write_is_refused_unless_trusted() {
    let s = Sandbox::new();
    let (f, j) = journalled(&s);
    fs::set_permissions(&j, fs::Permissions::from_mode(0o666)).unwrap();
    let out = undo_with(&j, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_error(&out, &name(&j), "can be written by others");
    assert_eq!(fs::read(&f).unwrap(), b"FIXED one\nok\nFIXED two\n");
    // --force is no trust.
    assert_eq!(undo_with(&j, &["--force"]).status.code(), Some(2));
    let out = undo_with(&j, &["--trust-journal"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"ERROR one\nok\nERROR two\n");
}

#[test]
fn a_journal_another_user_owns_is_refused_root_included() {
    if !is_root() {
        cannot_run(
            "a_journal_another_user_owns_is_refused_root_included",
            "needs root to give the journal to another user",
        );
        return;
    }
    let s = Sandbox::new();
    let (f, j) = journalled(&s);
    std::os::unix::fs::chown(&j, Some(65534), Some(65534)).unwrap();
    let out = undo_with(&j, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_error(&out, &name(&j), "is owned by another user");
    assert_eq!(fs::read(&f).unwrap(), b"FIXED one\nok\nFIXED two\n");
    let out = undo_with(&j, &["--trust-journal"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"ERROR one\nok\nERROR two\n");
}

#[test]
fn a_journal_is_created_for_its_owner_only() {
    let s = Sandbox::new();
    let (_, j) = journalled(&s);
    assert_eq!(
        fs::metadata(&j).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

// ---------------------------------------------------------------------------
// Journal and undo

const ORIGINAL: &[u8] = b"a ERROR b ERROR c\n";
const PATCHED: &[u8] = b"a FIXED b FIXED c\n";

/// `app.log` patched by `replace --journal app.mpj`.
fn journaled_replace(s: &Sandbox) -> (PathBuf, PathBuf) {
    let f = s.file("app.log", ORIGINAL);
    let j = s.path("app.mpj");
    mpatch()
        .args(["replace", "--journal"])
        .arg(&j)
        .args(["ERROR", "FIXED"])
        .arg(&f)
        .assert()
        .code(0);
    assert_eq!(fs::read(&f).unwrap(), PATCHED);
    assert!(j.exists());
    (f, j)
}

fn undo(journal: &Path, force: bool) -> Output {
    let mut cmd = mpatch();
    cmd.arg("undo");
    if force {
        cmd.arg("--force");
    }
    cmd.arg(journal).output().unwrap()
}

/// Undoes the journal of a run that was killed. The kill may have cut the
/// block the run was appending (none of whose regions it had written yet;
/// a journal cut later looks the same): undo then restores the rest, says
/// the journal has no end, keeps it and fails (status 2). Returns the
/// output and whether the journal had no end.
fn undo_after_a_kill(journal: &Path, what: &str) -> (Output, bool) {
    let out = undo(journal, false);
    let torn = stderr(&out).contains("the journal has no end");
    let status = if torn { 2 } else { 0 };
    assert_eq!(out.status.code(), Some(status), "{what}: {}", stderr(&out));
    assert_eq!(
        journal.exists(),
        torn,
        "{what}: the journal is kept exactly when it has no end"
    );
    (out, torn)
}

fn restored_line(f: &Path, regions: u64) -> String {
    let absolute = fs::canonicalize(f).unwrap();
    let plural = if regions == 1 { "" } else { "s" };
    format!(
        "{}: {regions} region{plural} restored\n",
        absolute.display()
    )
}

#[test]
fn undo_restores_the_original_bytes_and_removes_the_journal() {
    let s = Sandbox::new();
    let (f, j) = journaled_replace(&s);
    let out = undo(&j, false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), restored_line(&f, 2));
    assert_eq!(fs::read(&f).unwrap(), ORIGINAL);
    assert!(!j.exists(), "the journal is removed");
}

#[test]
fn undo_twice_is_refused_and_changes_nothing() {
    let s = Sandbox::new();
    let (f, j) = journaled_replace(&s);
    assert_eq!(undo(&j, false).status.code(), Some(0));
    let before = snapshot(&f);
    let again = undo(&j, false);
    assert_error_line(&again, &name(&j), "no such file or directory");
    assert_eq!(snapshot(&f), before);
    assert_eq!(fs::read(&f).unwrap(), ORIGINAL);
}

/// `journaled_replace`, then one byte of the second match changed again.
fn changed_since(s: &Sandbox) -> (PathBuf, PathBuf) {
    let (f, j) = journaled_replace(s);
    mpatch()
        .args(["poke"])
        .arg(&f)
        .args(["12", "Z"])
        .assert()
        .code(0);
    assert_eq!(fs::read(&f).unwrap(), b"a FIXED b FIZED c\n");
    (f, j)
}

#[test]
fn undo_refuses_when_a_region_changed_since() {
    let s = Sandbox::new();
    let (f, j) = changed_since(&s);
    let before = snapshot(&f);
    let out = undo(&j, false);
    assert_error(&out, &name(&fs::canonicalize(&f).unwrap()), "changed since");
    assert!(
        stderr(&out).contains("nothing restored"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&f), before, "not even the unchanged region");
    assert!(j.exists(), "the journal is kept");
}

#[test]
fn undo_force_restores_changed_regions_too() {
    let s = Sandbox::new();
    let (f, j) = changed_since(&s);
    let out = undo(&j, true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), ORIGINAL);
    assert!(!j.exists());
}

#[test]
fn a_corrupt_journal_is_refused_and_nothing_restored() {
    let s = Sandbox::new();
    let (f, j) = journaled_replace(&s);
    let mut journal = fs::read(&j).unwrap();
    let middle = journal.len() / 2;
    journal[middle] ^= 0x01;
    fs::write(&j, &journal).unwrap();
    let before = snapshot(&f);
    let out = undo(&j, false);
    assert_error(&out, &name(&j), "corrupt");
    assert_eq!(snapshot(&f), before);
    assert_eq!(fs::read(&j).unwrap(), journal, "the journal is kept");
    // Not even --force restores from a journal that cannot be trusted.
    assert_error(&undo(&j, true), &name(&j), "corrupt");
    assert_eq!(snapshot(&f), before);
}

#[test]
fn a_journal_never_overwrites_an_existing_file() {
    let s = Sandbox::new();
    let f = s.file("app.log", ORIGINAL);
    let j = s.file("app.mpj", "an earlier journal, the only way back");
    let before = snapshot(&f);
    for args in [
        vec![
            "replace",
            "--journal",
            "app.mpj",
            "ERROR",
            "FIXED",
            "app.log",
        ],
        vec!["poke", "--journal", "app.mpj", "app.log", "0", "X"],
    ] {
        let out = mpatch()
            .current_dir(s.dir.path())
            .args(&args)
            .output()
            .unwrap();
        assert_error(&out, "app.mpj", "already exists");
        assert_eq!(stdout(&out), "");
    }
    assert_eq!(snapshot(&f), before);
    assert_eq!(
        fs::read(&j).unwrap(),
        b"an earlier journal, the only way back"
    );
}

#[test]
fn undo_refuses_a_file_that_is_now_another_inode() {
    let s = Sandbox::new();
    let (f, j) = journaled_replace(&s);
    let absolute = fs::canonicalize(&f).unwrap();
    // The old inode lives on under another name, so the new file cannot
    // reuse its number; the new one has the same name, size and bytes.
    let old = s.path("app.log.old");
    fs::rename(&f, &old).unwrap();
    fs::write(&f, PATCHED).unwrap();
    let before = snapshot(&f);
    let out = undo(&j, false);
    assert_error(&out, &name(&absolute), "is not the file");
    assert!(
        stderr(&out).contains("nothing restored"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&f), before);
    assert_eq!(fs::read(&old).unwrap(), PATCHED);
    assert!(j.exists(), "the journal is kept");
}

#[test]
fn poke_journal_can_be_undone() {
    let s = Sandbox::new();
    let f = s.file("fw.bin", b"\x7fELF\x02\x01\x01\x00rest");
    let j = s.path("fw.mpj");
    mpatch()
        .args(["poke", "--hex", "--journal"])
        .arg(&j)
        .arg(&f)
        .args(["4", "0102"])
        .assert()
        .code(0);
    assert_eq!(fs::read(&f).unwrap(), b"\x7fELF\x01\x02\x01\x00rest");
    let out = undo(&j, false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), restored_line(&f, 1));
    assert_eq!(fs::read(&f).unwrap(), b"\x7fELF\x02\x01\x01\x00rest");
    assert!(!j.exists());
}

/// One page of the crash test's file: the pattern at its start.
fn crash_page() -> Vec<u8> {
    let mut page = b"ERROR at the start of every page; ".to_vec();
    while page.len() < PAGE {
        page.extend_from_slice(b"filler text that never matches. ");
    }
    page.truncate(PAGE);
    page
}

/// How many pages of `path` have their match changed (FIXED, or torn
/// between ERROR and FIXED by the kill); every page must otherwise be
/// `page` exactly (no stray writes).
fn patched_pages(path: &Path, page: &[u8]) -> u64 {
    let file = File::open(path).unwrap();
    let mut chunk = vec![0u8; MIB as usize];
    let mut patched = 0;
    let mut offset = 0u64;
    let len = file.metadata().unwrap().len();
    while offset < len {
        file.read_exact_at(&mut chunk, offset).unwrap();
        for (i, got) in chunk.chunks(PAGE).enumerate() {
            let at = offset + (i * PAGE) as u64;
            // A SIGKILL can land inside the copy of a match: each byte is
            // then the old or the new one.
            let torn_or_whole = got[..5]
                .iter()
                .zip(b"ERROR")
                .zip(b"FIXED")
                .all(|((g, o), n)| g == o || g == n);
            assert!(torn_or_whole, "page at {at} starts {:?}", &got[..5]);
            if got[..5] != *b"ERROR" {
                patched += 1;
            }
            assert!(got[5..] == page[5..], "page at {at} is damaged");
        }
        offset += MIB;
    }
    patched
}

#[test]
fn undo_after_sigkill_mid_replace_restores_every_byte() {
    const PAGES: u64 = 64 * 1024; // 256 MiB, a match every 4 KiB
    let s = Sandbox::new();
    let f = s.path("huge.log");
    let page = crash_page();
    let chunk = page.repeat(MIB as usize / PAGE);
    let mut out = io::BufWriter::new(File::create(&f).unwrap());
    for _ in 0..PAGES * PAGE as u64 / MIB {
        out.write_all(&chunk).unwrap();
    }
    out.flush().unwrap();

    let j = s.path("huge.mpj");
    let mut replace = KillOnDrop::spawn(
        Command::new(BIN)
            .args(["replace", "--no-sync", "--journal"])
            .arg(&j)
            .args(["ERROR", "FIXED"])
            .arg(&f)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    // The journal is complete before the first byte changes: kill as soon
    // as the first match shows the new bytes.
    let file = File::open(&f).unwrap();
    let mut first = [0u8; 5];
    wait_until("replace writes", Duration::from_secs(30), || {
        file.read_exact_at(&mut first, 0).unwrap();
        &first == b"FIXED" || replace.try_wait().unwrap().is_some()
    });
    replace.kill().unwrap();
    let status = replace.wait().unwrap();
    assert!(
        status.signal() == Some(libc::SIGKILL) || status.code() == Some(0),
        "replace failed before the kill: {status}"
    );
    let patched = patched_pages(&f, &page);
    eprintln!("replace ended by {status} with {patched} of {PAGES} pages patched");
    assert!(patched > 0);

    let (out, torn) = undo_after_a_kill(&j, "undo after the kill");
    if !torn {
        assert_eq!(stdout(&out), restored_line(&f, patched));
    }
    assert_eq!(patched_pages(&f, &page), 0, "every byte is the original");
    assert_eq!(fs::metadata(&f).unwrap().len(), PAGES * PAGE as u64);
}

// ---------------------------------------------------------------------------
// undo and journals

fn undo_within(journal: &Path, limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let child = KillOnDrop::spawn(
        Command::new(BIN)
            .arg("undo")
            .arg(journal)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let out = output_within(child, limit);
    (out, started.elapsed())
}

#[test]
fn undo_of_a_fifo_is_refused_at_once() {
    let s = Sandbox::new();
    let fifo = s.path("journal.fifo");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let (out, took) = undo_within(&fifo, Duration::from_secs(10));
    assert_error_line(
        &out,
        &name(&fifo),
        "is a FIFO (named pipe), which cannot be mapped",
    );
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn undo_of_a_directory_is_refused() {
    let s = Sandbox::new();
    let dir = s.path("journal.d");
    fs::create_dir(&dir).unwrap();
    let (out, took) = undo_within(&dir, Duration::from_secs(10));
    assert_error_line(&out, &name(&dir), "is a directory");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn a_journal_of_a_secret_is_mode_600_and_unreadable_to_others() {
    let s = Sandbox::new();
    let f = s.file("secret.conf", "user=admin\npassword=hunter2\n");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).unwrap();
    let out = run_in(
        s.dir.path(),
        &os_strings(&[
            "replace",
            "--journal",
            "secret.mpj",
            "hunter2",
            "XXXXXXX",
            "secret.conf",
        ]),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let journal = s.path("secret.mpj");
    let mode = fs::metadata(&journal).unwrap().mode();
    assert_eq!(mode & 0o777, 0o600, "journal mode {:o}", mode & 0o777);
    let bytes = fs::read(&journal).unwrap();
    assert!(
        bytes.windows(7).any(|w| w == b"hunter2"),
        "the journal does hold the secret, so its mode matters"
    );
    if !is_root() {
        return cannot_run(
            "a_journal_of_a_secret_is_mode_600_and_unreadable_to_others",
            "reading as another user needs root",
        );
    }
    for args in [
        vec!["peek", "-f", "raw", "secret.mpj", "0", "4096"],
        vec!["find", "hunter2", "secret.mpj"],
        vec!["undo", "secret.mpj"],
    ] {
        let out = mpatch_unprivileged(&s, &args);
        assert_error_line(&out, "secret.mpj", "permission denied");
        assert_eq!(stdout(&out), "");
    }
    let cat = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "cat"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(!cat.status.success(), "nobody read the journal");
    assert!(!stdout(&cat).contains("hunter2"));
}

#[test]
fn undo_with_a_read_only_journal_folder_restores_and_warns() {
    let s = Sandbox::new();
    let dir = s.path("journals");
    fs::create_dir(&dir).unwrap();
    let f = s.file("app.log", "a ERROR b ERROR c\n");
    if is_root() {
        // Everything belongs to the unprivileged user who runs mpatch.
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        std::os::unix::fs::chown(&f, Some(65534), Some(65534)).unwrap();
    }
    let out = mpatch_unprivileged(
        &s,
        &[
            "replace",
            "--journal",
            "journals/app.mpj",
            "ERROR",
            "FIXED",
            "app.log",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"a FIXED b FIXED c\n");
    // The folder is read-only, even to its owner: the journal stays.
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
    let absolute = fs::canonicalize(&f).unwrap();
    let warning = "mpatch: journals/app.mpj: warning: restored, but the journal could not be removed: permission denied\n";

    let out = mpatch_unprivileged(&s, &["undo", "journals/app.mpj"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{}: 2 regions restored\n", absolute.display())
    );
    assert_eq!(stderr(&out), warning);
    assert_eq!(fs::read(&f).unwrap(), b"a ERROR b ERROR c\n");
    assert!(s.path("journals/app.mpj").exists());

    let again = mpatch_unprivileged(&s, &["undo", "journals/app.mpj"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(
        stdout(&again),
        format!("{}: already restored\n", absolute.display())
    );
    assert_eq!(stderr(&again), warning);
    assert_eq!(fs::read(&f).unwrap(), b"a ERROR b ERROR c\n");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_journaled_replace_that_matches_nothing_leaves_no_journal() {
    let s = Sandbox::new();
    let f = s.file("app.log", "nothing to see here\n");
    let j = s.path("app.mpj");
    let before = snapshot(&f);
    let args = os_strings(&[
        "replace",
        "--journal",
        "app.mpj",
        "ERROR",
        "FIXED",
        "app.log",
    ]);
    let out = run_in(s.dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "app.log: 0 replaced\n");
    assert_eq!(stderr(&out), "");
    assert!(
        !j.exists(),
        "no journal is left by a run that changed nothing"
    );
    assert_unchanged_since(&f, &before);

    // The same journal path works for the next run.
    fs::write(&f, "now an ERROR here\n").unwrap();
    let out = run_in(s.dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"now an FIXED here\n");
    assert!(j.exists());
    let out = run_in(s.dir.path(), &os_strings(&["undo", "app.mpj"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"now an ERROR here\n");
}

#[test]
fn undo_force_names_each_region_past_the_end_by_its_offset() {
    let s = Sandbox::new();
    let text = "hello world, hello there";
    let (q1, q2) = (s.file("q1", text), s.file("q2", text));
    let out = s.run(&[
        "replace",
        "-q",
        "--journal",
        "jq",
        "hello",
        "HELLO",
        "q1",
        "q2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    fs::OpenOptions::new()
        .write(true)
        .open(&q2)
        .unwrap()
        .set_len(10)
        .unwrap();
    let out = s.run(&["undo", "--force", "jq"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let q2_name = fs::canonicalize(&q2).unwrap().display().to_string();
    assert_eq!(
        stderr(&out),
        format!(
            "mpatch: {q2_name}: the region at offset 13 (5 bytes) lies past the end of the file; not restored\n"
        )
    );
    assert_eq!(fs::read(&q1).unwrap(), text.as_bytes());
    assert_eq!(fs::read(&q2).unwrap(), &text.as_bytes()[..10]);
    // The journal is kept; --json gives the offsets too.
    let out = s.run(&["undo", "--force", "--json", "jq"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let last = stdout(&out).lines().last().unwrap().to_string();
    assert!(
        last.ends_with("\"regions\":0,\"skipped\":1,\"past_end\":[13]}"),
        "{last}"
    );
}

#[test]
fn undo_through_a_link_removes_the_journal_it_leads_to() {
    let s = Sandbox::new();
    let f = s.file("u.txt", "hello world");
    let out = s.run(&["poke", "--journal", "ja", "u.txt", "0", "H"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::os::unix::fs::symlink("ja", s.path("jl")).unwrap();
    let out = s.run(&["undo", "jl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"hello world");
    for name in ["ja", "jl"] {
        assert!(
            fs::symlink_metadata(s.path(name)).is_err(),
            "{name} is left"
        );
    }
}

#[test]
fn a_run_whose_new_bytes_are_the_old_ones_writes_nothing_and_leaves_no_journal() {
    // A match replaced by its own bytes (a pair of equal halves, -i, a
    // regex putting a capture back, a poke of what is there) changes
    // nothing: it is counted, but neither written nor journalled.
    let s = Sandbox::new();
    let f = s.file("app.log", "ab Ab ab\n");
    let j = s.path("app.mpj");
    let before = aged_snapshot(&f);
    for (args, shown) in [
        (
            &["replace", "ab", "ab", "app.log"][..],
            "app.log: 2 replaced\n",
        ),
        (
            &["replace", "--regex", "(a)b", "${1}b", "app.log"],
            "app.log: 2 replaced\n",
        ),
        (&["poke", "app.log", "3", "Ab"], ""),
    ] {
        let mut line = vec![args[0], "--journal", "app.mpj"];
        line.extend(&args[1..]);
        let out = s.run(&line);
        assert_eq!(out.status.code(), Some(0), "{line:?}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with(shown),
            "{line:?}: {}",
            stdout(&out)
        );
        assert!(!j.exists(), "{line:?} left a journal of no change");
        assert_unchanged_since(&f, &before);
    }
    // -i: "Ab" becomes "ab", a change; "ab" stays: one region journalled.
    let out = s.run(&[
        "replace",
        "-i",
        "--journal",
        "app.mpj",
        "ab",
        "ab",
        "app.log",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&f).unwrap(), b"ab ab ab\n");
    let out = s.run(&["undo", "--json", "app.mpj"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"regions\":1"), "{}", stdout(&out));
    assert_eq!(fs::read(&f).unwrap(), b"ab Ab ab\n");
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
            undo_after_a_kill(&journal, &format!("round {round}"));
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
