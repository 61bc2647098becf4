//! What reaches the disk: all or nothing on a full ext4 (blocks needed by a
//! hole provided first), a read-only loop device, and only the blocks that
//! hold a changed byte written (counted on a loop-mounted ext4).

mod common;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

// ---------------------------------------------------------------------------
// Faults per file

// ---------------------------------------------------------------------------
// The write path

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
