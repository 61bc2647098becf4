//! Files larger than memory and offsets past 4 GiB. These take minutes and
//! tens of GiB of (sparse) disk, so they are `#[ignore]`d in the normal run;
//! the benchmark runs them: `cargo test --release --test large -- --ignored`.

mod common;

use std::fs::{self, File};
use std::os::unix::fs::FileExt;

use common::*;

const GIB: u64 = 1 << 30;

/// A sparse file of `len` bytes with `needle` written at each offset.
fn sparse_with(sandbox: &Sandbox, len: u64, needle: &[u8], offsets: &[u64]) -> std::path::PathBuf {
    let path = sandbox.path("sparse.bin");
    let file = File::create(&path).unwrap();
    file.set_len(len).unwrap();
    for &at in offsets {
        file.write_all_at(needle, at).unwrap();
    }
    path
}

fn read_at(path: &std::path::Path, at: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    File::open(path)
        .unwrap()
        .read_exact_at(&mut buf, at)
        .unwrap();
    buf
}

#[test]
#[ignore = "writes a 40 GiB sparse file; run by bench/run.py"]
fn sparse_file_larger_than_memory_is_searched_and_patched() {
    let s = Sandbox::new();
    // Near the start, across the 4 GiB line, in the middle and at the very end.
    let len = 40 * GIB;
    let offsets = [100, 4 * GIB - 3, 20 * GIB + 7, len - 6];
    let f = sparse_with(&s, len, b"NEEDLE", &offsets);
    let expected: String = offsets.iter().map(|o| format!("{o}\n")).collect();
    mpatch()
        .args(["find", "NEEDLE"])
        .arg(&f)
        .timeout(std::time::Duration::from_secs(900))
        .assert()
        .code(0)
        .stdout(expected);
    mpatch()
        .args(["replace", "-n", "NEEDLE", "THREAD"])
        .arg(&f)
        .timeout(std::time::Duration::from_secs(900))
        .assert()
        .code(0)
        .stdout(format!("{}: 4 would be replaced\n", f.display()));
    assert_eq!(read_at(&f, 20 * GIB + 7, 6), b"NEEDLE");
    mpatch()
        .args(["replace", "NEEDLE", "THREAD"])
        .arg(&f)
        .timeout(std::time::Duration::from_secs(900))
        .assert()
        .code(0)
        .stdout(format!("{}: 4 replaced\n", f.display()));
    for at in offsets {
        assert_eq!(read_at(&f, at, 6), b"THREAD", "at {at}");
    }
    assert_eq!(fs::metadata(&f).unwrap().len(), len);
    mpatch()
        .args(["peek", "-f", "hex"])
        .arg(&f)
        .args([&format!("{:#x}", 4 * GIB - 3), "6"])
        .assert()
        .stdout("544852454144\n");
}

#[test]
#[ignore = "writes a 6 GiB sparse file; run by bench/run.py"]
fn offsets_past_4_gib_are_exact() {
    let s = Sandbox::new();
    let offsets = [4 * GIB, 4 * GIB + 4093, 5 * GIB + 1, 6 * GIB - 2];
    let f = sparse_with(&s, 6 * GIB, b"ab", &offsets);
    let expected: String = offsets.iter().map(|o| format!("{o:#x}\n")).collect();
    mpatch()
        .args(["find", "--hex-offsets", "ab"])
        .arg(&f)
        .timeout(std::time::Duration::from_secs(300))
        .assert()
        .stdout(expected);
    mpatch()
        .args(["poke", "-x"])
        .arg(&f)
        .args([&(6 * GIB - 1).to_string(), "ff"])
        .assert()
        .code(0);
    assert_eq!(read_at(&f, 6 * GIB - 2, 2), b"a\xff");
    mpatch()
        .args(["poke"])
        .arg(&f)
        .args([&(6 * GIB).to_string(), "x"])
        .assert()
        .code(2);
}
