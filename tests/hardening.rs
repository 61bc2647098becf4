//! The write path under stress, on the real binary and real files: faults
//! that end one file and not the process, a truncation loop that never
//! regrows a file, all-or-nothing on a full disk, only the changed blocks
//! written to the disk.

mod common;

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;

/// A small deterministic generator (xorshift64*), so that the tests need no
/// random crate and a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

// ---------------------------------------------------------------------------
// Faults per file

/// A file of `size` bytes of data: `head` at its start, dots, ERROR 100 bytes
/// before its end.
fn long_log(path: &Path, size: u64, head: &[u8]) -> File {
    let file = File::create(path).unwrap();
    file.write_all_at(head, 0).unwrap();
    fill_to(&file, head.len() as u64, size);
    file.write_all_at(b"ERROR", size - 100).unwrap();
    file
}

#[test]
fn a_sigbus_sent_by_kill_ends_mpatch_by_the_default_action() {
    let s = Sandbox::new();
    let path = s.path("big.log");
    for size in [256 * MIB, 1024 * MIB, 4096 * MIB] {
        let file = long_log(
            &path,
            size,
            b"a log that is long enough to search for a while\n",
        );
        let ino = file.metadata().unwrap().ino();
        let mut child = KillOnDrop::spawn(
            Command::new(BIN)
                .args(["find", "-c", "ERROR"])
                .arg(&path)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        );
        let pid = child.id();
        // Once the file is mapped, mpatch's SIGBUS handler is installed.
        wait_until(
            "mpatch has mapped the file",
            Duration::from_secs(20),
            || maps_inode(pid, ino) || child.try_wait().unwrap().is_some(),
        );
        if child.try_wait().unwrap().is_some() {
            // Done (and reaped) before it could be killed: a larger file.
            continue;
        }
        // SAFETY: kill(2) on our own child, which is not reaped yet.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGBUS) }, 0);
        let out = output_within(child, Duration::from_secs(60));
        match (out.status.signal(), out.status.code()) {
            (Some(signal), _) => {
                assert_eq!(signal, libc::SIGBUS, "stderr: {}", stderr(&out));
                assert_eq!(stderr(&out), "", "no message of mpatch's own");
                return;
            }
            (None, Some(0)) => {
                eprintln!("find -c finished {size} bytes before the kill; trying larger")
            }
            (None, code) => panic!(
                "a SIGBUS from kill ended mpatch with exit {code:?}, not by the signal: {}",
                stderr(&out)
            ),
        }
    }
    panic!("find -c always finished before the kill landed");
}

#[test]
fn a_file_cut_short_ends_its_own_search_and_the_next_file_is_searched() {
    let s = Sandbox::new();
    let big = s.path("big.log");
    let small = s.file("small.log", "an ERROR here, an ERROR there\n");
    for size in [256 * MIB, 1024 * MIB, 4096 * MIB] {
        let file = long_log(&big, size, &first_page());
        let child = spawn_mapped(
            Command::new(BIN)
                .args(["find", "ERROR"])
                .arg(&big)
                .arg(&small)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
            &big,
        );
        file.set_len(PAGE as u64).unwrap();
        let out = output_within(child, Duration::from_secs(60));
        assert_eq!(
            out.status.signal(),
            None,
            "mpatch was killed by a signal; stderr: {}",
            stderr(&out)
        );
        assert_eq!(
            fs::read(&big).unwrap(),
            first_page(),
            "the cut file is left as cut"
        );
        let second = format!("{0}:3\n{0}:18\n", name(&small));
        if out.status.code() == Some(0) {
            eprintln!("find finished {size} bytes before the cut; trying larger");
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let now = std::fs::metadata(&big).unwrap().len();
        assert_eq!(
            stderr(&out),
            format!(
                "mpatch: {}: file changed size while mapped (now {now} bytes)\n",
                name(&big)
            )
        );
        assert_eq!(
            stdout(&out),
            second,
            "the second file's matches are printed"
        );
        return;
    }
    panic!("find always finished before the file was cut");
}

// ---------------------------------------------------------------------------
// The write path

/// A page every `STRIDE` bytes starts with ERROR: far enough apart that
/// every match is a write of its own.
const STRIDE: usize = 8192;
const CUT_LEN: usize = 64 << 20;

fn cut_sample(patched: bool) -> Vec<u8> {
    let mut page = vec![b'.'; STRIDE];
    page[STRIDE - 1] = b'\n';
    page[..5].copy_from_slice(if patched { b"FIXED" } else { b"ERROR" });
    let mut bytes = page.repeat(CUT_LEN / STRIDE);
    // A match that ends at the very end, so a write can regrow the file
    // to exactly its old size.
    let end = bytes.len();
    bytes[end - 5..].copy_from_slice(if patched { b"FIXED" } else { b"ERROR" });
    bytes
}

/// The time from mapping to exit of an undisturbed replace.
fn undisturbed_replace(path: &Path, original: &[u8], args: &[&str]) -> Duration {
    fs::write(path, original).unwrap();
    let mut child = spawn_mapped(
        Command::new(BIN)
            .args(args)
            .arg(path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
        path,
    );
    let mapped = Instant::now();
    let status = wait_within(&mut child, Duration::from_secs(60));
    assert!(status.success(), "{status}");
    mapped.elapsed()
}

/// One replace that a loop of truncations hit.
struct CutRun {
    what: String,
    out: Output,
    /// The file's size when mpatch had ended.
    size: u64,
    /// The largest size the cutter saw while mpatch ran.
    largest: u64,
    /// The size the cutter last cut the file to, if it cut at all.
    last_cut: Option<u64>,
    patched: bool,
}

/// Runs `replace ERROR FIXED` (durable and `--no-sync` in turn) `runs`
/// times on a 64 MiB file with a match every 8 KiB, while another thread
/// cuts the file again and again, each time to a random smaller size: the
/// first cut in the first half of a quick run, the next ones every 200 µs
/// for as long as mpatch runs.
fn replace_under_a_truncation_loop(runs: usize) -> Vec<CutRun> {
    let s = Sandbox::new();
    let path = s.path("big.log");
    let original = cut_sample(false);
    let patched = cut_sample(true);
    let len = original.len() as u64;
    // A literal, durable and not; and a regex whose replacement is
    // expanded from each match, which a check pass first counts.
    let variants: [&[&str]; 3] = [
        &["replace", "ERROR", "FIXED"],
        &["replace", "--no-sync", "ERROR", "FIXED"],
        &["replace", "--no-sync", "--regex", "ERROR()", "FIXED${1}"],
    ];
    // The quickest of several undisturbed runs: a run may well be twice as
    // quick as one measured while the disk still wrote an earlier file, and
    // a first cut that came after its last check would be no test at all.
    let quickest = variants
        .iter()
        .cycle()
        .take(2 * variants.len())
        .map(|args| undisturbed_replace(&path, &original, args))
        .min()
        .unwrap();
    let mut rng = Rng::new(0x5eed ^ u64::from(std::process::id()));
    let mut done = Vec::new();
    for run in 0..runs {
        let args = variants[run % variants.len()];
        fs::write(&path, &original).unwrap();
        let child = spawn_mapped(
            Command::new(BIN)
                .args(args)
                .arg(&path)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
            &path,
        );
        let pid = child.id();
        let delay = Duration::from_micros(rng.below(quickest.as_micros() as u64 / 3 + 1));
        let seed = rng.next();
        let largest = Arc::new(AtomicU64::new(len));
        let stop = Arc::new(AtomicBool::new(false));
        let cutter = {
            let (path, largest, stop) = (path.clone(), largest.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut rng = Rng::new(seed);
                let file = File::options().write(true).open(&path).unwrap();
                std::thread::sleep(delay);
                let (mut cuts, mut last_cut) = (0, None);
                while !stop.load(Ordering::SeqCst) && is_running(pid) {
                    let now = file.metadata().unwrap().len();
                    largest.fetch_max(now, Ordering::SeqCst);
                    if now > 0 {
                        let to = rng.below(now);
                        file.set_len(to).unwrap();
                        (cuts, last_cut) = (cuts + 1, Some(to));
                    }
                    std::thread::sleep(Duration::from_micros(200));
                }
                (cuts, last_cut)
            })
        };
        let out = output_within(child, Duration::from_secs(60));
        stop.store(true, Ordering::SeqCst);
        let (cuts, last_cut) = cutter.join().unwrap();
        let size = fs::metadata(&path).unwrap().len();
        let what = format!(
            "run {run} ({args:?}, first cut after {delay:?}, {cuts} cuts, the last to {last_cut:?}): \
             {:?}, size {size}, stderr {:?}",
            out.status,
            stderr(&out)
        );
        done.push(CutRun {
            what,
            out,
            size,
            largest: largest.load(Ordering::SeqCst),
            last_cut,
            patched: size == len && fs::read(&path).unwrap() == patched,
        });
    }
    done
}

#[test]
fn a_truncation_loop_during_replace_never_ends_in_success_with_another_size() {
    let len = CUT_LEN as u64;
    let runs = replace_under_a_truncation_loop(20);
    let mut failed = 0;
    for run in &runs {
        let what = &run.what;
        assert_eq!(run.out.status.signal(), None, "{what}");
        assert!(
            run.largest <= len && run.size <= len,
            "the file grew past its size: {what}"
        );
        match run.out.status.code() {
            Some(0) => {
                assert_eq!(run.size, len, "success with another size: {what}");
                assert!(run.patched, "success, but not the patched bytes: {what}");
            }
            Some(2) => {
                let err = stderr(&run.out);
                assert_eq!(err.lines().count(), 1, "{what}");
                assert!(
                    err.starts_with("mpatch: ") && err.contains("/big.log: "),
                    "{what}"
                );
                assert!(err.contains("changed size"), "{what}");
                failed += 1;
            }
            _ => panic!("unexpected end: {what}"),
        }
        if run.last_cut.is_some_and(|cut| run.size > cut) {
            eprintln!("mpatch left the file longer than the last cut: {what}");
        }
    }
    assert!(
        failed >= 5,
        "only {failed} of 20 runs were cut while running"
    );
}

/// The SPEC's promise: mpatch never makes a file longer; a write that
/// landed past a cut is taken back to within one file-system block of it.
#[test]
fn a_truncation_loop_during_replace_never_leaves_the_file_longer_than_the_last_cut() {
    let runs = replace_under_a_truncation_loop(40);
    let longer: Vec<&str> = runs
        .iter()
        .filter(|run| run.last_cut.is_some_and(|cut| run.size > cut + 4096))
        .map(|run| run.what.as_str())
        .collect();
    assert!(
        longer.is_empty(),
        "mpatch left the file longer than the last cut in {} of {} runs:\n{}",
        longer.len(),
        runs.len(),
        longer.join("\n")
    );
}

fn ext4(s: &Sandbox, test: &str, size: u64) -> Option<Ext4> {
    Ext4::new(s, "ext4", size)
        .map_err(|why| cannot_run(test, &why))
        .ok()
}

/// A full ext4 holding `a.bin` (zeros in allocated blocks) and `b.bin`
/// (a hole where zeros match).
fn full_ext4_with_a_hole(s: &Sandbox, test: &str) -> Option<(Ext4, PathBuf, PathBuf)> {
    let ext = ext4(s, test, 8 * MIB)?;
    let a = ext.path("a.bin");
    let mut bytes = vec![b'a'; 16384];
    for at in [100, 5000, 9000] {
        bytes[at..at + 4].copy_from_slice(&[0; 4]);
    }
    fs::write(&a, &bytes).unwrap();
    let b = ext.path("b.bin");
    {
        let file = File::create(&b).unwrap();
        file.write_all_at(&[b'b'; 4096], 0).unwrap();
        file.set_len(65536).unwrap();
        file.sync_all().unwrap();
    }
    File::open(&a).unwrap().sync_all().unwrap();
    ext.sync();
    ext.fill("fill");
    assert_eq!(
        fs::metadata(&a).unwrap().blocks() * 512,
        16384,
        "a.bin is all allocated"
    );
    assert_eq!(
        fs::metadata(&b).unwrap().blocks() * 512,
        4096,
        "b.bin is one block and a hole"
    );
    Some((ext, a, b))
}

#[test]
fn replace_needing_a_block_on_a_full_ext4_changes_no_file() {
    let s = Sandbox::new();
    let Some((ext, a, b)) =
        full_ext4_with_a_hole(&s, "replace_needing_a_block_on_a_full_ext4_changes_no_file")
    else {
        return;
    };
    let (before_a, before_b) = (fs::read(&a).unwrap(), fs::read(&b).unwrap());
    let out = mpatch()
        .args(["replace", "-x", "00000000", "41414141"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_error_line(&out, &name(&b), "no space left on device");
    assert_eq!(stdout(&out), "");
    // Byte for byte; the failed fallocate does move b.bin's modification
    // time (ext4 updates it before allocating, also when that fails).
    assert!(fs::read(&a).unwrap() == before_a, "a.bin changed");
    assert!(fs::read(&b).unwrap() == before_b, "b.bin changed");
    assert_eq!(fs::metadata(&b).unwrap().blocks() * 512, 4096);
    drop(ext);
}

#[test]
fn poke_into_a_hole_on_a_full_ext4_changes_nothing() {
    let s = Sandbox::new();
    let Some((ext, _, b)) =
        full_ext4_with_a_hole(&s, "poke_into_a_hole_on_a_full_ext4_changes_nothing")
    else {
        return;
    };
    let before = fs::read(&b).unwrap();
    let out = mpatch()
        .arg("poke")
        .arg(&b)
        .args(["30000", "XYZ"])
        .output()
        .unwrap();
    assert_error_line(&out, &name(&b), "no space left on device");
    assert_eq!(stdout(&out), "");
    // Byte for byte (the failed fallocate moves the modification time).
    assert!(fs::read(&b).unwrap() == before, "b.bin changed");
    assert_eq!(fs::metadata(&b).unwrap().blocks() * 512, 4096);
    drop(ext);
}

/// 64 MiB of log lines with ERROR at about 1,000 scattered offsets (some
/// across a block boundary); returns the bytes, the offsets and the
/// floor: the bytes of the 4 KiB blocks that hold a changed byte.
fn scattered_log() -> (Vec<u8>, Vec<usize>, u64) {
    let len = 64 << 20;
    let line = b"2024-01-01T00:00:00 INFO request served in 3 ms\n";
    let mut bytes = line.repeat(len / line.len() + 1);
    bytes.truncate(len);
    let mut rng = Rng::new(42);
    let mut offsets: Vec<usize> = (0..1000)
        .map(|_| rng.below((len - 5) as u64) as usize)
        .collect();
    // Some straddle a block boundary.
    offsets.extend((1..=20).map(|i| i * (3 << 20) - 2));
    offsets.sort_unstable();
    offsets.dedup_by(|b, a| *b < *a + 5);
    let mut blocks = std::collections::BTreeSet::new();
    for &at in &offsets {
        bytes[at..at + 5].copy_from_slice(b"ERROR");
        blocks.insert(at / 4096);
        blocks.insert((at + 4) / 4096);
    }
    (bytes, offsets, 4096 * blocks.len() as u64)
}

/// Writes `bytes` to `path` and makes them durable; with `evict`, drops
/// them from the page cache and reads them back.
fn lay_down(ext: &Ext4, path: &Path, bytes: &[u8], evict: bool) {
    let mut file = File::create(path).unwrap();
    file.write_all(bytes).unwrap();
    file.sync_all().unwrap();
    ext.sync();
    if evict {
        use std::os::fd::AsRawFd;
        // SAFETY: posix_fadvise on a descriptor we own; no memory passed.
        let rc = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        assert_eq!(rc, 0);
        assert!(fs::read(path).unwrap() == bytes);
    }
}

/// What the device was written while `work` ran, its file system synced.
fn written_by(ext: &Ext4, work: impl FnOnce()) -> u64 {
    ext.sync();
    let before = ext.device.bytes_written();
    work();
    ext.sync();
    ext.device.bytes_written() - before
}

const MMAP_PATCH: &str = r#"
import mmap, sys
offsets = [int(o) for o in sys.argv[2].split(",")]
with open(sys.argv[1], "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    for o in offsets:
        m[o:o + 5] = b"FIXED"
    m.flush()
    m.close()
"#;

#[test]
fn a_durable_replace_writes_only_the_blocks_it_changes() {
    const TEST: &str = "a_durable_replace_writes_only_the_blocks_it_changes";
    let s = Sandbox::new();
    let python = Command::new("python3").args(["-c", "import mmap"]).output();
    if !python.is_ok_and(|out| out.status.success()) {
        return cannot_run(TEST, "python3 is not installed");
    }
    let Some(ext) = ext4(&s, TEST, 192 * MIB) else {
        return;
    };
    let (original, offsets, floor) = scattered_log();
    let mut patched = original.clone();
    for &at in &offsets {
        patched[at..at + 5].copy_from_slice(b"FIXED");
    }
    let limit = floor + floor / 4 + 4 * MIB;
    let list = offsets
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",");
    for evict in [false, true] {
        let state = if evict {
            "read back from the disk"
        } else {
            "just written"
        };
        let f = ext.path("app.log");
        lay_down(&ext, &f, &original, evict);
        let written = written_by(&ext, || {
            mpatch()
                .args(["replace", "ERROR", "FIXED"])
                .arg(&f)
                .assert()
                .code(0)
                .stdout(format!("{}: {} replaced\n", name(&f), offsets.len()));
        });
        assert!(fs::read(&f).unwrap() == patched);
        eprintln!(
            "{state}: mpatch wrote {:.2} MiB, floor {:.2} MiB",
            written as f64 / MIB as f64,
            floor as f64 / MIB as f64
        );
        assert!(
            written <= limit,
            "{state}: mpatch wrote {written} bytes to the disk; the blocks it changed hold {floor} (limit {limit})"
        );
        fs::remove_file(&f).unwrap();

        // The same change through a shared mapping: whole folios go back.
        let g = ext.path("mapped.log");
        lay_down(&ext, &g, &original, evict);
        let written = written_by(&ext, || {
            let out = Command::new("python3")
                .args(["-c", MMAP_PATCH])
                .arg(&g)
                .arg(&list)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        });
        assert!(fs::read(&g).unwrap() == patched);
        eprintln!(
            "{state}: python mmap wrote {:.2} MiB",
            written as f64 / MIB as f64
        );
        assert!(
            written > original.len() as u64 / 2,
            "{state}: the mmap patch wrote only {written} bytes; the measurement cannot tell the write paths apart"
        );
        fs::remove_file(&g).unwrap();
    }
}

// ---------------------------------------------------------------------------
// Small points

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

#[test]
fn find_files_with_matches_and_max_count_0_prints_nothing_and_exits_1() {
    let s = Sandbox::new();
    let f = s.file("f", "X marks the spot\n");
    mpatch()
        .args(["find", "-l", "-m", "0", "X"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
}

#[test]
fn pad_fills_an_empty_replacement() {
    let s = Sandbox::new();
    let f = s.file("f", "an ERROR here\n");
    mpatch()
        .args(["replace", "--pad", " ", "ERROR", ""])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{}: 1 replaced\n", name(&f)));
    assert_eq!(fs::read(&f).unwrap(), b"an       here\n");
}

#[test]
fn writing_to_a_read_only_loop_device_is_a_clear_error() {
    const TEST: &str = "writing_to_a_read_only_loop_device_is_a_clear_error";
    let s = Sandbox::new();
    let mut bytes = vec![0u8; 1 << 20];
    bytes[4096..4101].copy_from_slice(b"MAGIC");
    let image = s.file("disk.img", &bytes);
    if !is_root() {
        return cannot_run(TEST, "attaching a loop device needs root");
    }
    let disk = match LoopDevice::attach_read_only(&image) {
        Ok(disk) => disk,
        Err(why) => return cannot_run(TEST, &why),
    };
    let device = disk.name();
    for args in [
        vec!["replace", "--allow-device", "MAGIC", "magic", &device],
        vec!["poke", "--allow-device", &device, "4096", "m"],
    ] {
        let out = mpatch().args(&args).output().unwrap();
        let err = stderr(&out);
        assert_error(&out, &device, "read-only");
        assert!(!err.contains("cannot map"), "{args:?}: {err}");
        assert_eq!(stdout(&out), "");
    }
    // Reading it is fine.
    mpatch()
        .args(["replace", "--dry-run", "MAGIC", "magic", &device])
        .assert()
        .code(0)
        .stdout(format!("{device}: 1 would be replaced\n"));
    drop(disk);
    assert!(fs::read(&image).unwrap() == bytes, "the image is unchanged");
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

#[test]
fn a_preview_shows_each_window_before_and_after_the_whole_run() {
    let s = Sandbox::new();
    let f = s.file("f", "xxERRORERRORyy");
    let preview = "2- xx[ERROR]ERROR\n2+ xx[FIXED]FIXED\n7- ERROR[ERROR]yy\n7+ FIXED[FIXED]yy\n";
    let before = snapshot(&f);
    mpatch()
        .args([
            "replace",
            "--dry-run",
            "--byte-context",
            "5",
            "ERROR",
            "FIXED",
        ])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{preview}{}: 2 would be replaced\n", name(&f)));
    assert_unchanged_since(&f, &before);
    mpatch()
        .args(["replace", "--byte-context", "5", "ERROR", "FIXED"])
        .arg(&f)
        .assert()
        .code(0)
        .stdout(format!("{preview}{}: 2 replaced\n", name(&f)));
    assert_eq!(fs::read(&f).unwrap(), b"xxFIXEDFIXEDyy");
}
