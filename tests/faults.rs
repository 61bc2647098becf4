//! Faults provoked for real, each checked for its exit status, its one line
//! on stderr and the file's bytes: a full disk, a read-only file system,
//! pseudo-files and sockets, loop devices,
//! permissions, a running program, a held lock, another process writing
//! beside a patch, and the metadata and mappings a patch must keep.

mod common;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use std::ffi::CString;
use std::os::fd::AsRawFd;

use common::*;

fn mpatch_output(args: &[&str], file: &Path) -> Output {
    mpatch().args(args).arg(file).output().unwrap()
}

// ---------------------------------------------------------------------------
// A file cut short while mapped

// ---------------------------------------------------------------------------
// Full disk and read-only file system, on a tmpfs in a namespace

fn namespace(s: &Sandbox, test: &str) -> Option<Namespace> {
    let ns = Namespace::new(s);
    if ns.is_none() {
        cannot_run(
            test,
            "user and mount namespaces (unshare -rm) are not available",
        );
    }
    ns
}

/// Fills the tmpfs at $MNT to the last block and records its free blocks.
const FILL_THE_DISK: &str = r#"
dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null || true
run free stat -f -c %a "$MNT"
"#;

#[test]
fn replace_works_on_a_full_disk_where_sed_fails() {
    let s = Sandbox::new();
    let Some(ns) = namespace(&s, "replace_works_on_a_full_disk_where_sed_fails") else {
        return;
    };
    ns.run(&format!(
        r#"
mount -t tmpfs -o size=1m tmpfs "$MNT"
printf 'line ERROR one\nERROR two\n' >"$MNT/app.log"
cp "$MNT/app.log" "$MNT/sed.log"
{FILL_THE_DISK}
run replace "$BIN" replace ERROR FIXED "$MNT/app.log"
run sed sed -i s/ERROR/FIXED/ "$MNT/sed.log"
keep "$MNT/app.log" "$MNT/sed.log"
"#
    ));
    assert_eq!(stdout(&ns.step("free")), "0\n", "the disk is full");
    let sed = ns.step("sed");
    assert_ne!(
        sed.status.code(),
        Some(0),
        "sed -i needs space for its copy"
    );
    assert!(stderr(&sed).contains("No space left on device"), "{sed:?}");
    assert_eq!(ns.kept("sed.log"), b"line ERROR one\nERROR two\n");

    let replace = ns.step("replace");
    assert_eq!(replace.status.code(), Some(0), "{}", stderr(&replace));
    assert_eq!(
        stdout(&replace),
        format!("{}: 2 replaced\n", ns.mounted("app.log"))
    );
    assert_eq!(stderr(&replace), "");
    assert_eq!(ns.kept("app.log"), b"line FIXED one\nFIXED two\n");
}

#[test]
fn poke_into_a_hole_on_a_full_disk_is_no_space_left() {
    let s = Sandbox::new();
    let Some(ns) = namespace(&s, "poke_into_a_hole_on_a_full_disk_is_no_space_left") else {
        return;
    };
    ns.run(&format!(
        r#"
mount -t tmpfs -o size=1m tmpfs "$MNT"
truncate -s 1M "$MNT/sparse"
{FILL_THE_DISK}
run poke "$BIN" poke "$MNT/sparse" 500000 X
keep "$MNT/sparse"
"#
    ));
    assert_eq!(stdout(&ns.step("free")), "0\n", "the disk is full");
    let poke = ns.step("poke");
    assert_error_line(&poke, &ns.mounted("sparse"), "no space left on device");
    assert_eq!(stdout(&poke), "");
    assert_eq!(ns.kept("sparse"), vec![0; MIB as usize]);
}

/// Reading a hole of a tmpfs file through a mapping would make tmpfs
/// allocate a page, which a full tmpfs cannot. mpatch never reads holes: it
/// visits only the data (SEEK_DATA / SEEK_HOLE), so the search works.
#[test]
fn find_on_a_sparse_file_on_a_full_tmpfs_reads_only_its_data() {
    let s = Sandbox::new();
    let Some(ns) = namespace(
        &s,
        "find_on_a_sparse_file_on_a_full_tmpfs_reads_only_its_data",
    ) else {
        return;
    };
    ns.run(&format!(
        r#"
mount -t tmpfs -o size=1m tmpfs "$MNT"
printf 'head' >"$MNT/sparse"
truncate -s 1M "$MNT/sparse"
{FILL_THE_DISK}
run find "$BIN" find -c head "$MNT/sparse"
run zeros "$BIN" find -c -x 0000 "$MNT/sparse"
"#
    ));
    assert_eq!(stdout(&ns.step("free")), "0\n", "the disk is full");
    let find = ns.step("find");
    assert_eq!(
        (stdout(&find), stderr(&find), find.status.code()),
        ("1\n".into(), "".into(), Some(0))
    );
    // Zeros in the hole are found as if read, without reading them.
    let zeros = ns.step("zeros");
    assert_eq!(stdout(&zeros), format!("{}\n", (MIB - 4) / 2));
}

/// A replace on that full tmpfs patches the data; one whose matches lie in
/// the hole needs new blocks, which the check phase asks for before any
/// byte changes: it fails with nothing changed.
#[test]
fn replace_on_a_sparse_file_on_a_full_tmpfs_is_all_or_nothing() {
    let s = Sandbox::new();
    let Some(ns) = namespace(
        &s,
        "replace_on_a_sparse_file_on_a_full_tmpfs_is_all_or_nothing",
    ) else {
        return;
    };
    ns.run(&format!(
        r#"
mount -t tmpfs -o size=1m tmpfs "$MNT"
printf 'ERROR\000\000' >"$MNT/sparse"
truncate -s 1M "$MNT/sparse"
printf 'ERROR' | dd of="$MNT/sparse" bs=1 seek=900000 conv=notrunc 2>/dev/null
{FILL_THE_DISK}
run hole "$BIN" replace -x 0000 4141 "$MNT/sparse"
keep "$MNT/sparse"
run replace "$BIN" replace ERROR FIXED "$MNT/sparse"
cp "$MNT/sparse" "$OUT/kept/after"
"#
    ));
    assert_eq!(stdout(&ns.step("free")), "0\n", "the disk is full");
    let hole = ns.step("hole");
    assert_error_line(&hole, &ns.mounted("sparse"), "no space left on device");
    let mut expected = vec![0u8; MIB as usize];
    expected[..5].copy_from_slice(b"ERROR");
    expected[900_000..900_005].copy_from_slice(b"ERROR");
    assert!(
        ns.kept("sparse") == expected,
        "nothing was patched, not even the data's zeros"
    );
    let replace = ns.step("replace");
    assert_eq!(
        stdout(&replace),
        format!("{}: 2 replaced\n", ns.mounted("sparse"))
    );
    expected[..5].copy_from_slice(b"FIXED");
    expected[900_000..900_005].copy_from_slice(b"FIXED");
    assert!(ns.kept("after") == expected);
}

#[test]
fn a_journal_that_cannot_be_written_on_a_full_disk_stops_the_patch() {
    let s = Sandbox::new();
    let Some(ns) = namespace(
        &s,
        "a_journal_that_cannot_be_written_on_a_full_disk_stops_the_patch",
    ) else {
        return;
    };
    ns.run(&format!(
        r#"
mount -t tmpfs -o size=1m tmpfs "$MNT"
printf 'a ERROR b ERROR\n' >"$MNT/app.log"
{FILL_THE_DISK}
run replace "$BIN" replace --journal "$MNT/app.mpj" ERROR FIXED "$MNT/app.log"
run poke "$BIN" poke --journal "$MNT/poke.mpj" "$MNT/app.log" 0 X
run left ls "$MNT"
keep "$MNT/app.log"
"#
    ));
    assert_eq!(stdout(&ns.step("free")), "0\n", "the disk is full");
    for (step, journal) in [("replace", "app.mpj"), ("poke", "poke.mpj")] {
        let out = ns.step(step);
        assert_error_line(&out, &ns.mounted(journal), "no space left on device");
        assert_eq!(stdout(&out), "");
    }
    assert_eq!(
        stdout(&ns.step("left")),
        "app.log\nfill\n",
        "no partial journal is left behind"
    );
    assert_eq!(ns.kept("app.log"), b"a ERROR b ERROR\n");
}

/// A tmpfs holding `app.log`, made read-only, then `steps`. The mount, not
/// the file system, is remounted read-only (`bind`): in a user namespace of
/// a user who is not root, remounting the tmpfs itself is refused.
fn on_a_read_only_file_system(ns: &Namespace, steps: &str) {
    ns.run(&format!(
        r#"
mount -t tmpfs -o size=1m tmpfs "$MNT"
printf 'an ERROR here\n' >"$MNT/app.log"
mount -o remount,bind,ro "$MNT"
{steps}
keep "$MNT/app.log"
"#
    ));
}

#[test]
fn replace_and_poke_on_a_read_only_file_system_are_refused() {
    let s = Sandbox::new();
    let Some(ns) = namespace(
        &s,
        "replace_and_poke_on_a_read_only_file_system_are_refused",
    ) else {
        return;
    };
    on_a_read_only_file_system(
        &ns,
        r#"
run replace "$BIN" replace ERROR FIXED "$MNT/app.log"
run poke "$BIN" poke "$MNT/app.log" 0 X
"#,
    );
    for step in ["replace", "poke"] {
        assert_error_line(
            &ns.step(step),
            &ns.mounted("app.log"),
            "read-only file system",
        );
    }
    assert_eq!(ns.kept("app.log"), b"an ERROR here\n");
}

#[test]
fn dry_run_and_find_work_on_a_read_only_file_system() {
    let s = Sandbox::new();
    let Some(ns) = namespace(&s, "dry_run_and_find_work_on_a_read_only_file_system") else {
        return;
    };
    on_a_read_only_file_system(
        &ns,
        r#"
run dry "$BIN" replace --dry-run ERROR FIXED "$MNT/app.log"
run find "$BIN" find ERROR "$MNT/app.log"
"#,
    );
    let dry = ns.step("dry");
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert_eq!(
        stdout(&dry),
        format!("{}: 1 would be replaced\n", ns.mounted("app.log"))
    );
    let find = ns.step("find");
    assert_eq!(find.status.code(), Some(0), "{}", stderr(&find));
    assert_eq!(stdout(&find), "3\n");
    assert_eq!(ns.kept("app.log"), b"an ERROR here\n");
}

// ---------------------------------------------------------------------------
// Pseudo-files and sockets

#[test]
fn proc_and_sys_files_are_refused_as_pseudo_files() {
    let sys = [
        "/sys/kernel/mm/transparent_hugepage/enabled",
        "/sys/devices/system/cpu/online",
        "/sys/kernel/uevent_seqnum",
    ]
    .into_iter()
    .find(|path| File::open(path).is_ok());
    let Some(sys) = sys else {
        return cannot_run(
            "proc_and_sys_files_are_refused_as_pseudo_files",
            "no readable /sys file",
        );
    };
    // /proc/self/status holds "Name", so a refusal cannot pass as no match.
    for (path, pattern) in [("/proc/self/status", "Name"), (sys, "e")] {
        for args in [
            vec!["find", pattern, path],
            vec!["find", "-c", pattern, path],
            vec!["replace", "--dry-run", "--pad", "X", pattern, "X", path],
            vec!["peek", path, "0"],
        ] {
            let out = mpatch()
                .args(&args)
                .timeout(Duration::from_secs(10))
                .output()
                .unwrap();
            assert_error(&out, path, "pseudo-file");
            assert!(stderr(&out).contains("cannot be mapped"), "{out:?}");
            assert_eq!(stdout(&out), "", "{args:?}");
        }
    }
}

#[test]
fn a_socket_is_refused_at_once() {
    let s = Sandbox::new();
    let socket = s.path("app.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let path = name(&socket);
    for args in [
        vec!["find", "x", &path],
        vec!["replace", "x", "y", &path],
        vec!["poke", &path, "0", "x"],
        vec!["peek", &path, "0"],
    ] {
        let started = Instant::now();
        let out = mpatch()
            .args(&args)
            .timeout(Duration::from_secs(10))
            .output()
            .unwrap();
        assert_error_line(&out, &path, "is a socket, which cannot be mapped");
        assert!(started.elapsed() < Duration::from_secs(2), "{args:?}");
    }
}

// ---------------------------------------------------------------------------
// Block devices

const DISK_SIZE: usize = 4 << 20;
const SIGNATURE_AT: usize = 3 << 20;

/// A 4 MiB disk image: `MAGIC-SIGNATURE` at 3 MiB, `Z` as its last byte.
fn disk_image(s: &Sandbox) -> (PathBuf, Vec<u8>) {
    let mut bytes = vec![0u8; DISK_SIZE];
    bytes[SIGNATURE_AT..SIGNATURE_AT + 15].copy_from_slice(b"MAGIC-SIGNATURE");
    bytes[DISK_SIZE - 1] = b'Z';
    (s.file("disk.img", &bytes), bytes)
}

fn attach(test: &str, backing: &Path) -> Option<LoopDevice> {
    if !is_root() {
        cannot_run(test, "attaching a loop device needs root");
        return None;
    }
    LoopDevice::attach(backing)
        .map_err(|why| cannot_run(test, &why))
        .ok()
}

#[test]
fn find_and_peek_read_a_loop_device_with_its_own_size() {
    let s = Sandbox::new();
    let (image, _) = disk_image(&s);
    let Some(disk) = attach("find_and_peek_read_a_loop_device_with_its_own_size", &image) else {
        return;
    };
    mpatch()
        .args(["find", "MAGIC"])
        .arg(&disk.path)
        .assert()
        .code(0)
        .stdout(format!("{SIGNATURE_AT}\n"));
    mpatch()
        .args(["peek", "-f", "text"])
        .arg(&disk.path)
        .args(["0x300000", "15"])
        .assert()
        .code(0)
        .stdout("MAGIC-SIGNATURE\n");
    let last = mpatch()
        .arg("peek")
        .arg(&disk.path)
        .arg("-1")
        .output()
        .unwrap();
    assert_eq!(last.status.code(), Some(0), "{}", stderr(&last));
    assert!(
        stdout(&last).starts_with("003fffff: 5a "),
        "the last byte is at 4 MiB - 1: {}",
        stdout(&last)
    );
    let past = mpatch()
        .arg("peek")
        .arg(&disk.path)
        .arg(DISK_SIZE.to_string())
        .output()
        .unwrap();
    assert_error(
        &past,
        &disk.name(),
        &format!("past the end of the file ({DISK_SIZE} bytes)"),
    );
}

#[test]
fn writing_to_a_loop_device_needs_allow_device() {
    let s = Sandbox::new();
    let (image, bytes) = disk_image(&s);
    let Some(disk) = attach("writing_to_a_loop_device_needs_allow_device", &image) else {
        return;
    };
    let device = disk.name();
    for args in [
        vec!["replace", "MAGIC", "magic", &device],
        vec!["poke", "--hex", &device, "0", "ff"],
    ] {
        let out = mpatch().args(&args).output().unwrap();
        assert_error(&out, &device, "--allow-device");
        assert_eq!(stdout(&out), "");
    }
    drop(disk);
    assert!(fs::read(&image).unwrap() == bytes, "the image is unchanged");
}

#[test]
fn replace_with_allow_device_patches_the_backing_file() {
    let s = Sandbox::new();
    let (image, mut bytes) = disk_image(&s);
    let Some(disk) = attach("replace_with_allow_device_patches_the_backing_file", &image) else {
        return;
    };
    mpatch()
        .args(["replace", "--allow-device", "MAGIC", "magic"])
        .arg(&disk.path)
        .assert()
        .code(0)
        .stdout(format!("{}: 1 replaced\n", disk.name()))
        .stderr("");
    drop(disk);
    bytes[SIGNATURE_AT..SIGNATURE_AT + 5].copy_from_slice(b"magic");
    assert!(
        fs::read(&image).unwrap() == bytes,
        "the backing file holds the patch and nothing else changed"
    );
}

// ---------------------------------------------------------------------------
// Permissions and a running program

#[test]
fn a_file_without_read_permission_cannot_be_searched() {
    let s = Sandbox::new();
    let f = s.file("secret.log", "an ERROR here\n");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).unwrap();
    for args in [
        vec!["find", "ERROR", "secret.log"],
        vec!["replace", "--dry-run", "ERROR", "FIXED", "secret.log"],
        vec!["peek", "secret.log", "0"],
    ] {
        let out = mpatch_unprivileged(&s, &args);
        assert_error_line(&out, "secret.log", "permission denied");
        assert_eq!(stdout(&out), "");
    }
}

#[test]
fn poke_on_a_read_only_file_is_permission_denied() {
    let s = Sandbox::new();
    let f = s.file("ro.bin", "0123456789");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o444)).unwrap();
    let before = snapshot(&f);
    let out = mpatch_unprivileged(&s, &["poke", "ro.bin", "2", "XY"]);
    assert_error_line(&out, "ro.bin", "permission denied");
    assert_eq!(snapshot(&f), before);
}

#[test]
fn poke_dry_run_needs_only_read_permission() {
    let s = Sandbox::new();
    let f = s.file("ro.bin", "0123456789");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o444)).unwrap();
    let before = snapshot(&f);
    let out = mpatch_unprivileged(&s, &["poke", "--dry-run", "ro.bin", "2", "XY"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "ro.bin: 2 bytes would be written at offset 2\n"
    );
    assert_eq!(snapshot(&f), before);
}

/// Starts `program ARGS` as `sleep`; retried while a sibling test's fork
/// still holds the just-written program open for writing (ETXTBSY).
fn start_program(program: &Path, args: &[&str]) -> KillOnDrop {
    for _ in 0..50 {
        match Command::new(program).arg0("sleep").args(args).spawn() {
            Ok(child) => return KillOnDrop(child),
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => panic!("cannot start {}: {e}", program.display()),
        }
    }
    panic!("{} stayed busy", program.display());
}

#[test]
fn writing_to_a_running_program_is_text_file_busy() {
    let s = Sandbox::new();
    let program = s.path("busy-sleep");
    let sleep = ["/bin/sleep", "/usr/bin/sleep"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("sleep is installed");
    fs::copy(sleep, &program).unwrap();
    fs::set_permissions(&program, fs::Permissions::from_mode(0o755)).unwrap();
    let before = snapshot(&program);
    let running = start_program(&program, &["30"]);
    let exe = format!("/proc/{}/exe", running.id());
    let canonical = fs::canonicalize(&program).unwrap();
    wait_until("the program runs", Duration::from_secs(10), || {
        fs::read_link(&exe).is_ok_and(|p| p == canonical)
    });
    let poke = mpatch()
        .args(["poke", "--hex"])
        .arg(&program)
        .args(["0", "00"])
        .output()
        .unwrap();
    assert_error_line(&poke, &name(&program), "text file busy");
    let replace = mpatch_output(&["replace", "--hex", "7f454c46", "00454c46"], &program);
    assert_error_line(&replace, &name(&program), "text file busy");
    drop(running);
    assert_eq!(snapshot(&program), before);
}

// ---------------------------------------------------------------------------
// Locking

/// Whether another process holds an exclusive flock on `path`.
fn is_locked(path: &Path) -> bool {
    let file = File::open(path).unwrap();
    // SAFETY: flock on a descriptor we own; no memory is passed. A lock we
    // get is released when `file` is closed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    rc != 0
}

/// `flock FILE sleep SECONDS`, once it holds the lock.
fn hold_lock(path: &Path, seconds: &str) -> KillOnDrop {
    let holder = KillOnDrop::spawn(
        Command::new("flock")
            .arg("--no-fork")
            .arg(path)
            .args(["sleep", seconds]),
    );
    wait_until("flock holds the lock", Duration::from_secs(10), || {
        is_locked(path)
    });
    holder
}

#[test]
fn replace_gives_up_on_a_held_lock_after_the_lock_timeout() {
    let s = Sandbox::new();
    let f = s.file("app.log", "an ERROR here\n");
    let before = snapshot(&f);
    let _holder = hold_lock(&f, "30");
    let started = Instant::now();
    let out = mpatch_output(&["replace", "--lock-timeout", "0.5", "ERROR", "FIXED"], &f);
    let took = started.elapsed();
    assert_error(&out, &name(&f), "--lock-timeout");
    assert!(stderr(&out).contains("lock"), "{}", stderr(&out));
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(3),
        "gave up after {took:?}"
    );
    assert_eq!(snapshot(&f), before);
}

#[test]
fn replace_waits_for_a_lock_released_within_the_timeout() {
    let s = Sandbox::new();
    let f = s.file("app.log", "an ERROR here\n");
    let spawned = Instant::now();
    let _holder = hold_lock(&f, "0.5");
    let out = mpatch_output(&["replace", "--lock-timeout", "5", "ERROR", "FIXED"], &f);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        spawned.elapsed() >= Duration::from_millis(500),
        "replace ended before the holder could have let go"
    );
    assert!(spawned.elapsed() < Duration::from_secs(5));
    assert_eq!(fs::read(&f).unwrap(), b"an FIXED here\n");
}

// ---------------------------------------------------------------------------
// What a patch keeps

fn set_xattr(path: &Path, key: &str, value: &[u8]) -> io::Result<()> {
    let path = CString::new(path.as_os_str().as_bytes()).unwrap();
    let key = CString::new(key).unwrap();
    // SAFETY: NUL-terminated strings and a buffer that outlive the call.
    let rc = unsafe {
        libc::setxattr(
            path.as_ptr(),
            key.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn get_xattr(path: &Path, key: &str) -> io::Result<Vec<u8>> {
    let path = CString::new(path.as_os_str().as_bytes()).unwrap();
    let key = CString::new(key).unwrap();
    let mut value = vec![0u8; 256];
    // SAFETY: NUL-terminated strings; the kernel writes at most
    // `value.len()` bytes into `value`.
    let n = unsafe {
        libc::getxattr(
            path.as_ptr(),
            key.as_ptr(),
            value.as_mut_ptr().cast(),
            value.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    value.truncate(n as usize);
    Ok(value)
}

#[test]
fn replace_keeps_inode_mode_owner_links_and_xattrs() {
    let s = Sandbox::new();
    let f = s.file("kept.log", "an ERROR here\n");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).unwrap();
    // An owner a rewrite by this user would not give the file: another
    // user as root; else one of our other groups, if we have one.
    if is_root() {
        std::os::unix::fs::chown(&f, Some(12345), Some(23456)).unwrap();
    } else {
        let primary = rustix::process::getegid();
        let Some(other) = rustix::process::getgroups()
            .unwrap_or_default()
            .into_iter()
            .find(|group| *group != primary)
        else {
            return cannot_run(
                "replace_keeps_inode_mode_owner_links_and_xattrs",
                "not root and in no second group, so no owner differs from a rewrite's",
            );
        };
        std::os::unix::fs::chown(&f, None, Some(other.as_raw())).unwrap();
    }
    let other = s.path("other-name.log");
    fs::hard_link(&f, &other).unwrap();
    if let Err(e) = set_xattr(&f, "user.test", b"kept") {
        return cannot_run(
            "replace_keeps_inode_mode_owner_links_and_xattrs",
            &format!("user xattrs in {}: {e}", s.dir.path().display()),
        );
    }
    let before = fs::metadata(&f).unwrap();
    mpatch_output(&["replace", "ERROR", "FIXED"], &f);
    let after = fs::metadata(&f).unwrap();
    let identity = |m: &fs::Metadata| (m.dev(), m.ino(), m.mode(), m.uid(), m.gid(), m.nlink());
    assert_eq!(identity(&after), identity(&before));
    assert_eq!(get_xattr(&f, "user.test").unwrap(), b"kept");
    assert_eq!(fs::read(&f).unwrap(), b"an FIXED here\n");
    assert_eq!(fs::read(&other).unwrap(), b"an FIXED here\n");
}

#[test]
fn a_symlink_stays_a_link_and_its_target_is_patched() {
    let s = Sandbox::new();
    let target = s.file("target.log", "an ERROR here\n");
    let link = s.path("link.log");
    std::os::unix::fs::symlink("target.log", &link).unwrap();
    mpatch()
        .args(["replace", "ERROR", "FIXED"])
        .arg(&link)
        .assert()
        .code(0)
        .stdout(format!("{}: 1 replaced\n", link.display()));
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("target.log"));
    assert_eq!(fs::read(&target).unwrap(), b"an FIXED here\n");
}

/// Maps the file, prints bytes 3..8, waits for a line on stdin, prints
/// them again from the same mapping; gives up by itself after 30 s.
const MAPPED_READER: &str = r#"
import mmap, signal, sys
signal.alarm(30)
with open(sys.argv[1], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
print(m[3:8].decode(), flush=True)
sys.stdin.readline()
print(m[3:8].decode(), flush=True)
"#;

#[test]
fn a_process_with_the_file_mapped_sees_the_new_bytes() {
    let python = Command::new("python3").args(["-c", "import mmap"]).output();
    if !python.is_ok_and(|out| out.status.success()) {
        return cannot_run(
            "a_process_with_the_file_mapped_sees_the_new_bytes",
            "python3 is not installed",
        );
    }
    let s = Sandbox::new();
    let f = s.file("app.log", "an ERROR here\n");
    let mut reader = KillOnDrop::spawn(
        Command::new("python3")
            .args(["-c", MAPPED_READER])
            .arg(&f)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped()),
    );
    let mut lines = BufReader::new(reader.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ERROR");
    mpatch()
        .args(["replace", "ERROR", "FIXED"])
        .arg(&f)
        .assert()
        .code(0);
    writeln!(reader.stdin.as_mut().unwrap()).unwrap();
    assert_eq!(
        lines.next().unwrap().unwrap(),
        "FIXED",
        "the mapping shows the patch without reopening the file"
    );
    assert!(wait_within(&mut reader, Duration::from_secs(10)).success());
}

/// Another process writes a byte between two nearby matches while mpatch
/// writes them: the write carries only the matches' bytes, so the other
/// process's bytes all stay (a run of writes sharing one `pwrite` with the
/// gap between, read a moment before, would put some back).
#[test]
fn bytes_another_process_writes_between_matches_are_never_put_back() {
    let s = Sandbox::new();
    let mut line = [b'.'; 100];
    line[..5].copy_from_slice(b"ERROR");
    let lines = (64 << 20) / line.len();
    let path = s.file("big.log", line.repeat(lines));
    let foreign = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = {
        let (path, foreign) = (path.clone(), foreign.clone());
        std::thread::spawn(move || {
            use std::os::unix::fs::FileExt;
            let file = fs::OpenOptions::new().write(true).open(&path).unwrap();
            let mut written = Vec::new();
            let mut i = 0;
            // A byte in the gap of every 7th line, over and over, while
            // mpatch runs; then once more each, so all are known.
            while foreign.load(std::sync::atomic::Ordering::SeqCst) {
                let at = (i % lines) as u64 * 100 + 50;
                file.write_all_at(b"Z", at).unwrap();
                written.push(at);
                i += 7;
            }
            written
        })
    };
    let out = mpatch()
        .args(["replace", "--no-sync", "ERROR", "FIXED"])
        .arg(&path)
        .output()
        .unwrap();
    foreign.store(false, std::sync::atomic::Ordering::SeqCst);
    let written = writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bytes = fs::read(&path).unwrap();
    let put_back = written
        .iter()
        .filter(|&&at| bytes[at as usize] != b'Z')
        .count();
    assert!(
        written.len() > 1000,
        "the other process wrote {}",
        written.len()
    );
    assert_eq!(
        put_back,
        0,
        "{put_back} of {} foreign bytes put back",
        written.len()
    );
    assert!(bytes.chunks(100).all(|line| &line[..5] == b"FIXED"));
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
fn a_file_size_limit_stops_the_run_before_any_write_never_by_a_signal() {
    // A write past `ulimit -f` would kill a process by SIGXFSZ: a file
    // larger than the limit is refused in the check phase, and a journal
    // that reaches it is an error naming the journal.
    if Command::new("prlimit").arg("--version").output().is_err() {
        return cannot_run(
            "a_file_size_limit_stops_the_run_before_any_write_never_by_a_signal",
            "prlimit (util-linux) is not installed",
        );
    }
    let s = Sandbox::new();
    let small = s.file("fs0", "ERROR\n");
    let mut bytes = vec![b'.'; 200_000];
    bytes[150_000..150_005].copy_from_slice(b"ERROR");
    let large = s.file("fs1", &bytes);
    let before = (aged_snapshot(&small), aged_snapshot(&large));
    let limited = |limit: &str, args: &[&str]| {
        let out = Command::new("prlimit")
            .arg(format!("--fsize={limit}"))
            .arg(BIN)
            .args(args)
            .current_dir(s.dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.signal(), None, "{args:?}");
        out
    };
    let reason = "is larger than this process may write (102400-byte file size limit, ulimit -f)";
    let out = limited("102400", &["replace", "ERROR", "FIXED", "fs0", "fs1"]);
    assert_error_line(&out, "fs1", reason);
    let out = limited("102400", &["poke", "fs1", "150000", "FIXED"]);
    assert_error_line(&out, "fs1", reason);
    assert_unchanged_since(&small, &before.0);
    assert_unchanged_since(&large, &before.1);
    // The file fits, its journal does not.
    let many = s.file("many", "ERROR\n".repeat(100));
    let kept = aged_snapshot(&many);
    let out = limited(
        "1024",
        &["replace", "--journal", "j.mpj", "ERROR", "FIXED", "many"],
    );
    assert_error_line(&out, "j.mpj", "file too large");
    assert_unchanged_since(&many, &kept);
    assert!(
        !s.path("j.mpj").exists(),
        "a journal of nothing written is left"
    );
    // Within the limit, all is as usual.
    let out = limited("1024", &["replace", "ERROR", "FIXED", "fs0"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&small).unwrap(), b"FIXED\n");
}
