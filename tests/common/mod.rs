//! The test harness: run the real binary on real files in a temp folder and
//! check bytes, exit codes and stderr; helpers for faults that need root,
//! another user, or a namespace.
#![allow(dead_code)]

pub mod oracle;

use std::fs;
use std::io::Read;
use std::ops::{Deref, DerefMut};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use assert_cmd::Command;
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_mpatch");

pub const MIB: u64 = 1 << 20;

/// The sample log shipped in the repository.
pub const SAMPLE_LOG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/app.log");
pub const PAGE: usize = 4096;

/// The crate's folder, where README.md, src/ and man/ are.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path as mpatch names it in messages and output.
pub fn name(path: &Path) -> String {
    path.display().to_string()
}

/// Lowercase hex of `bytes`, as mpatch's JSON writes them.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of lowercase or uppercase hex digit pairs.
pub fn from_hex(hex: &str) -> Vec<u8> {
    assert_eq!(hex.len() % 2, 0, "odd hex {hex:?}");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The first page of a big sparse file that a test cuts short: text
/// without the pattern.
pub fn first_page() -> Vec<u8> {
    let mut page = b"2024-01-01 start of a log that will be cut short\n".to_vec();
    page.resize(PAGE, b'.');
    page
}

/// `mpatch` with a clean environment and a time limit, so a hang fails.
pub fn mpatch() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("COLUMNS")
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

/// Runs `mpatch ARGS` where the test runs.
pub fn run(args: &[&str]) -> Output {
    mpatch().args(args).output().unwrap()
}

/// A temp folder that anyone may enter, holding the test's files.
pub struct Sandbox {
    pub dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("mpatch-test-")
            .tempdir()
            .unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        Sandbox { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, bytes).unwrap();
        path
    }

    /// Runs `mpatch ARGS` in the sandbox's folder.
    pub fn run(&self, args: &[&str]) -> Output {
        mpatch()
            .current_dir(self.dir.path())
            .args(args)
            .output()
            .unwrap()
    }

    /// A copy of the mpatch binary inside the sandbox, for running as
    /// another user (the checkout may sit where that user cannot enter).
    pub fn binary(&self) -> PathBuf {
        let path = self.path("mpatch");
        if !path.exists() {
            fs::copy(BIN, &path).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
        path
    }
}

/// A file's bytes and modification time, to prove nothing changed.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    bytes: Vec<u8>,
    modified: SystemTime,
}

pub fn snapshot(path: &Path) -> Snapshot {
    Snapshot {
        bytes: fs::read(path).unwrap(),
        modified: fs::metadata(path).unwrap().modified().unwrap(),
    }
}

/// Fails unless `path` still has the bytes and modification time of
/// `before`, saying which changed (without printing megabytes of bytes).
pub fn assert_unchanged_since(path: &Path, before: &Snapshot) {
    let after = snapshot(path);
    if after.bytes != before.bytes {
        let first = after
            .bytes
            .iter()
            .zip(&before.bytes)
            .position(|(a, b)| a != b);
        panic!(
            "{}: the bytes changed ({} bytes, was {}; first difference at {first:?})",
            path.display(),
            after.bytes.len(),
            before.bytes.len()
        );
    }
    assert_eq!(
        after.modified,
        before.modified,
        "{}: the modification time changed",
        path.display()
    );
}

pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Says by name that a test could not run here; under CI that is a failure.
pub fn cannot_run(test: &str, why: &str) {
    assert!(
        !under_ci(),
        "{test} must run under CI=true but cannot: {why}"
    );
    // Written to stderr itself, not through eprintln!, which the test
    // harness captures and shows only for a failing test.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// Runs `sh -c script` and returns its output.
pub fn sh(script: &str) -> Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts exit 2 with exactly one stderr line naming `subject` and
/// containing `reason`.
pub fn assert_error(output: &Output, subject: &str, reason: &str) {
    let err = stderr(output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "expected exit 2; stderr: {err}"
    );
    assert_eq!(err.lines().count(), 1, "expected one line, got: {err:?}");
    assert!(
        err.starts_with(&format!("mpatch: {subject}: ")) && err.contains(reason),
        "expected 'mpatch: {subject}: …{reason}…', got: {err:?}"
    );
}

/// Runs the sandbox's copy of mpatch as user 65534 (nobody) when we are
/// root, so that permission checks are real; as ourselves otherwise.
///
/// The copy was just written, and a child that another test forks at that
/// moment holds it open for writing until it execs; executing the copy then
/// fails with "text file busy", which is retried.
pub fn mpatch_unprivileged(sandbox: &Sandbox, args: &[&str]) -> Output {
    let binary = sandbox.binary();
    for _ in 0..50 {
        let mut cmd = if is_root() {
            let mut cmd = std::process::Command::new("setpriv");
            cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&binary);
            cmd
        } else {
            std::process::Command::new(&binary)
        };
        match cmd.args(args).current_dir(sandbox.dir.path()).output() {
            Ok(out)
                if out.status.code() == Some(126) && stderr(&out).contains("Text file busy") => {}
            Ok(out) => return out,
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) => {}
            Err(e) => panic!("cannot run {}: {e}", binary.display()),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{} stayed busy", binary.display());
}

/// Sets `path`'s modification time far in the past and returns its
/// snapshot, so that any write (which sets it to now) shows in a later
/// snapshot whatever the clock's granularity.
pub fn aged_snapshot(path: &Path) -> Snapshot {
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    snapshot(path)
}

/// Asserts exit 2 and that stderr is exactly the line
/// `mpatch: SUBJECT: REASON`.
pub fn assert_error_line(output: &Output, subject: &str, reason: &str) {
    assert_eq!(
        output.status.code(),
        Some(2),
        "expected exit 2; stderr: {}",
        stderr(output)
    );
    assert_eq!(stderr(output), format!("mpatch: {subject}: {reason}\n"));
}

/// A child process that is killed and reaped when dropped, so that a
/// failing test leaves nothing running.
pub struct KillOnDrop(pub Child);

impl KillOnDrop {
    pub fn spawn(cmd: &mut std::process::Command) -> KillOnDrop {
        KillOnDrop(cmd.spawn().unwrap())
    }
}

impl Deref for KillOnDrop {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for `child` to end, at most `limit`; past that it is killed and
/// the test fails.
pub fn wait_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("process {} still running after {limit:?}", child.id());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Waits for `child` (at most `limit`) and collects its piped stdout and
/// stderr, which must be small enough to fit in the pipes.
pub fn output_within(mut child: KillOnDrop, limit: Duration) -> Output {
    let status = wait_within(&mut child, limit);
    let mut out = Vec::new();
    let mut err = Vec::new();
    if let Some(mut pipe) = child.stdout.take() {
        pipe.read_to_end(&mut out).unwrap();
    }
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_end(&mut err).unwrap();
    }
    Output {
        status,
        stdout: out,
        stderr: err,
    }
}

/// Polls `done` until it holds, at most `limit`; past that the test fails
/// saying what it waited for.
pub fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "waited {limit:?} until {what}, in vain"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Shell functions every namespace script starts with: `run NAME CMD…`
/// records CMD's stdout, stderr and exit status under NAME, and
/// `keep FILE…` copies files out of mounts that vanish with the namespace.
const NAMESPACE_PRELUDE: &str = r#"set -eu
run() {
  name=$1; shift
  if "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; then code=0; else code=$?; fi
  echo "$code" >"$OUT/$name.code"
}
keep() { cp "$@" "$OUT/kept/"; }
"#;

/// Scripts run as root of their own user and mount namespace
/// (`unshare -rm`), where they may mount a tmpfs at `$MNT`, fill it or
/// make it read-only; the mount vanishes with the namespace. `$BIN` is
/// mpatch, `$OUT` where `run` and `keep` leave their results.
pub struct Namespace {
    out: PathBuf,
    pub mnt: PathBuf,
}

impl Namespace {
    /// `None` when user namespaces are not available here.
    pub fn new(sandbox: &Sandbox) -> Option<Namespace> {
        let works = std::process::Command::new("unshare")
            .args(["-rm", "true"])
            .output()
            .is_ok_and(|out| out.status.success());
        if !works {
            return None;
        }
        let out = sandbox.path("namespace-out");
        let mnt = sandbox.path("mnt");
        fs::create_dir_all(out.join("kept")).unwrap();
        fs::create_dir_all(&mnt).unwrap();
        Some(Namespace { out, mnt })
    }

    /// Runs `script` (after the prelude, with `set -eu`) and fails the test
    /// if it fails or takes more than a minute.
    pub fn run(&self, script: &str) {
        let out = std::process::Command::new("timeout")
            .args(["-k", "5", "60", "unshare", "-rm", "sh", "-c"])
            .arg(format!("{NAMESPACE_PRELUDE}{script}"))
            .env("BIN", BIN)
            .env("OUT", &self.out)
            .env("MNT", &self.mnt)
            .env("LC_ALL", "C")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "namespace script failed ({}): {}{}",
            out.status,
            stdout(&out),
            stderr(&out)
        );
    }

    /// What the script's `run NAME …` did, as if run here; a status above
    /// 128 (sh's way of telling a signal) comes back as that signal.
    pub fn step(&self, name: &str) -> Output {
        let read = |ext: &str| {
            fs::read(self.out.join(format!("{name}.{ext}")))
                .unwrap_or_else(|e| panic!("step {name} did not run ({ext}: {e})"))
        };
        let code: i32 = String::from_utf8(read("code"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let status = if code > 128 {
            ExitStatus::from_raw(code - 128)
        } else {
            ExitStatus::from_raw(code << 8)
        };
        Output {
            status,
            stdout: read("out"),
            stderr: read("err"),
        }
    }

    /// A file the script copied out with `keep`.
    pub fn kept(&self, name: &str) -> Vec<u8> {
        fs::read(self.out.join("kept").join(name)).unwrap()
    }

    /// The path of `name` inside the mount, as mpatch names it.
    pub fn mounted(&self, name: &str) -> String {
        self.mnt.join(name).display().to_string()
    }
}

/// A loop device over a file, detached when dropped.
pub struct LoopDevice {
    pub path: PathBuf,
}

impl LoopDevice {
    /// Attaches `backing` to a free loop device (`losetup -f --show`).
    pub fn attach(backing: &Path) -> Result<LoopDevice, String> {
        LoopDevice::losetup(&["-f", "--show"], backing)
    }

    /// Attaches `backing` read-only (`losetup -r -f --show`).
    pub fn attach_read_only(backing: &Path) -> Result<LoopDevice, String> {
        LoopDevice::losetup(&["-r", "-f", "--show"], backing)
    }

    fn losetup(args: &[&str], backing: &Path) -> Result<LoopDevice, String> {
        let out = std::process::Command::new("losetup")
            .args(args)
            .arg(backing)
            .output()
            .map_err(|e| format!("losetup: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "losetup {}: {}",
                args.join(" "),
                stderr(&out).trim()
            ));
        }
        Ok(LoopDevice {
            path: PathBuf::from(stdout(&out).trim()),
        })
    }

    pub fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// The device's name under /sys/block (`loop3`).
    pub fn sys_name(&self) -> String {
        self.path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    /// Sectors written to the device since it was attached (field 7 of
    /// /sys/block/NAME/stat), in bytes.
    pub fn bytes_written(&self) -> u64 {
        let stat = fs::read_to_string(format!("/sys/block/{}/stat", self.sys_name())).unwrap();
        let sectors: u64 = stat.split_whitespace().nth(6).unwrap().parse().unwrap();
        sectors * 512
    }
}

impl Drop for LoopDevice {
    fn drop(&mut self) {
        let out = std::process::Command::new("losetup")
            .arg("-d")
            .arg(&self.path)
            .output();
        if !out.as_ref().is_ok_and(|o| o.status.success()) {
            eprintln!("could not detach {}: {out:?}", self.path.display());
        }
    }
}

/// A program that may live in an sbin folder outside a user's PATH.
pub fn sbin(program: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/sbin"] {
        let path = Path::new(dir).join(program);
        if path.exists() {
            return path;
        }
    }
    PathBuf::from(program)
}

/// A fresh ext4 file system on a loop device over a sparse image in the
/// sandbox, mounted at `mnt`; unmounted and detached when dropped, also
/// when the test fails.
pub struct Ext4 {
    pub mnt: PathBuf,
    pub device: LoopDevice,
}

impl Ext4 {
    /// Needs root; `Err` says why it cannot be made here.
    pub fn new(sandbox: &Sandbox, name: &str, size: u64) -> Result<Ext4, String> {
        Ext4::with_block_size(sandbox, name, size, 4096)
    }

    /// An ext4 of `block`-byte blocks (1024, 2048 or 4096).
    pub fn with_block_size(
        sandbox: &Sandbox,
        name: &str,
        size: u64,
        block: u32,
    ) -> Result<Ext4, String> {
        if !is_root() {
            return Err("mounting a loop device needs root".into());
        }
        let image = sandbox.path(&format!("{name}.img"));
        fs::File::create(&image)
            .and_then(|f| f.set_len(size))
            .map_err(|e| format!("image: {e}"))?;
        // No reserved blocks, and every inode table and the journal
        // written now, so that no background thread writes later.
        let mkfs = std::process::Command::new(sbin("mkfs.ext4"))
            .args(["-q", "-F", "-b", &block.to_string(), "-m", "0"])
            .args(["-E", "lazy_itable_init=0,lazy_journal_init=0"])
            .arg(&image)
            .output()
            .map_err(|e| format!("mkfs.ext4: {e}"))?;
        if !mkfs.status.success() {
            return Err(format!("mkfs.ext4: {}", stderr(&mkfs).trim()));
        }
        let device = LoopDevice::attach(&image)?;
        let mnt = sandbox.path(name);
        fs::create_dir_all(&mnt).map_err(|e| format!("{}: {e}", mnt.display()))?;
        let mount = std::process::Command::new("mount")
            .args(["-t", "ext4"])
            .arg(&device.path)
            .arg(&mnt)
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !mount.status.success() {
            return Err(format!("mount: {}", stderr(&mount).trim()));
        }
        Ok(Ext4 { mnt, device })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.mnt.join(name)
    }

    /// Writes everything of this file system to its device (`sync -f`).
    pub fn sync(&self) {
        let out = std::process::Command::new("sync")
            .arg("-f")
            .arg(&self.mnt)
            .output()
            .unwrap();
        assert!(out.status.success(), "sync -f: {}", stderr(&out));
    }

    /// Blocks still available (`statfs`'s `f_bavail`).
    pub fn available_blocks(&self) -> u64 {
        let out = std::process::Command::new("stat")
            .args(["-f", "-c", "%a"])
            .arg(&self.mnt)
            .output()
            .unwrap();
        stdout(&out).trim().parse().unwrap()
    }

    /// Fills the file system to its last block with the file `name`.
    pub fn fill(&self, name: &str) {
        use std::io::Write;
        let mut file = fs::File::create(self.path(name)).unwrap();
        let chunk = vec![b'#'; 1 << 20];
        // Delayed allocation may give back a little on sync: fill again.
        for _ in 0..3 {
            for size in [1 << 20, 4096, 512, 1] {
                while file.write_all(&chunk[..size]).is_ok() {}
            }
            let _ = file.sync_all();
            self.sync();
        }
        assert_eq!(self.available_blocks(), 0, "the file system is full");
    }
}

impl Drop for Ext4 {
    fn drop(&mut self) {
        for args in [&["-R"][..], &["-R", "-l"][..]] {
            let out = std::process::Command::new("umount")
                .args(args)
                .arg(&self.mnt)
                .output();
            if out.as_ref().is_ok_and(|o| o.status.success()) {
                return;
            }
            eprintln!("could not unmount {}: {out:?}", self.mnt.display());
        }
    }
}

/// Writes `file` out to `size` bytes of dots after its first `from` bytes:
/// data, not a hole, so that a scan of it takes a while (mpatch skips holes).
pub fn fill_to(file: &fs::File, from: u64, size: u64) {
    use std::os::unix::fs::FileExt;
    let dots = vec![b'.'; 8 << 20];
    let mut at = from;
    while at < size {
        let n = dots.len().min((size - at) as usize);
        file.write_all_at(&dots[..n], at).unwrap();
        at += n as u64;
    }
}

/// Starts `cmd` (its stdout and stderr piped unless it set them) and waits
/// until it has mapped the file `path`, or ended; a test then changes the
/// file under it.
pub fn spawn_mapped(cmd: &mut std::process::Command, path: &Path) -> KillOnDrop {
    use std::os::unix::fs::MetadataExt;
    let ino = fs::metadata(path).unwrap().ino();
    let mut child = KillOnDrop::spawn(cmd);
    let pid = child.id();
    wait_until(
        "mpatch has mapped the file",
        Duration::from_secs(20),
        || maps_inode(pid, ino) || child.try_wait().unwrap().is_some(),
    );
    child
}

/// Asserts that a process ended by itself, not by a signal.
pub fn assert_not_signalled(out: &Output) {
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        None,
        "mpatch was killed by a signal; stderr: {}",
        stderr(out)
    );
}

/// Whether process `pid` has a mapping of inode `ino`.
pub fn maps_inode(pid: u32, ino: u64) -> bool {
    let ino = ino.to_string();
    fs::read_to_string(format!("/proc/{pid}/maps")).is_ok_and(|maps| {
        maps.lines()
            .any(|line| line.split_whitespace().nth(4) == Some(ino.as_str()))
    })
}

/// Whether process `pid` is still running (not ended, not reaped).
pub fn is_running(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
        !matches!(state, None | Some(None) | Some(Some('Z' | 'X' | 'x')))
    })
}

/// Runs `mpatch ARGS` in `dir`, with no stdin, within 30 seconds.
pub fn run_in(dir: &Path, args: &[String]) -> Output {
    let child = KillOnDrop::spawn(
        std::process::Command::new(BIN)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    output_within(child, Duration::from_secs(30))
}

/// Owned copies of `args`.
pub fn os_strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Spawns mpatch with its stdout piped and never read, and waits until it
/// is blocked writing to it: the run is held in the middle, between the
/// matches it has shown and those it has not.
pub fn spawn_blocked_on_stdout(args: &[&str]) -> KillOnDrop {
    let mut child = KillOnDrop::spawn(
        std::process::Command::new(BIN)
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
pub fn drain(mut child: KillOnDrop) -> (std::process::ExitStatus, String, String) {
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

/// The binary as a plain command, for tests that set its stdio.
pub fn bin() -> std::process::Command {
    let mut cmd = std::process::Command::new(BIN);
    cmd.env_remove("COLUMNS");
    cmd
}

/// Runs `cmd`, which must end within 30 s (a hang or an unbounded read
/// fails the test rather than the machine).
pub fn within(cmd: &mut std::process::Command) -> Output {
    let child = KillOnDrop::spawn(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    output_within(child, Duration::from_secs(30))
}

/// A small deterministic generator (xorshift64*), so that the tests need no
/// random crate and a failure can be replayed from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
