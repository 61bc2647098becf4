//! IPS and BPS checked against independent implementations (Python's
//! ips-util, python-ips and python-bps-continued, from tests/peers/setup.sh).

// They live here, not in tests/, because the engine is not public yet.
// Without the venv each test says SKIPPED on stderr, and fails under CI.
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::tests::{apply, make, read_all};
use super::{Format, ReadOptions};

/// The venv's python, or `None` (said on stderr; a failure under CI).
fn python() -> Option<PathBuf> {
    let venv = match std::env::var_os("MPATCH_PEERS_VENV") {
        Some(venv) => PathBuf::from(venv),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target/peers-venv"),
    };
    let python = venv.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    // Straight to stderr, past the test harness's capture, so a skip is
    // seen.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: peers venv missing (run tests/peers/setup.sh)"
    );
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "the peers venv is missing at {}: CI must run tests/peers/setup.sh first",
        venv.display()
    );
    None
}

/// Runs `peer.py ACTION DIR`; returns what it printed.
fn peer(python: &Path, action: &str, dir: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/peer.py");
    let out = Command::new(python)
        .arg(script)
        .arg(action)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peer.py {action}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Pairs of files as people patch them: scattered bytes, a run, a block
/// moved from elsewhere in the file, a stretch repeated; seeded, so every
/// run sees the same cases.
fn cases() -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let sizes = [0, 1, 2, 7, 64, 300, 1000, 4096, 5000, 20_000];
    let mut cases = Vec::new();
    for (i, &size) in sizes.iter().cycle().take(24).enumerate() {
        let old: Vec<u8> = (0..size).map(|_| b"abcdefgh"[next(8)]).collect();
        let mut new = old.clone();
        for _ in 0..next(6) {
            let at = next(size);
            if at < size {
                new[at] = new[at].wrapping_add(1 + next(200) as u8);
            }
        }
        if size > 64 {
            let (from, to, len) = (next(size - 32), next(size - 32), 8 + next(24));
            let moved = old[from..from + len].to_vec();
            new[to..to + len].copy_from_slice(&moved);
            let at = next(size - 40);
            new[at..at + 40].fill(b'Z');
            if i % 2 == 0 {
                // Bytes the source lacks, twice: the second a target copy.
                let novel: Vec<u8> = (0..24).map(|_| 0x80 + next(128) as u8).collect();
                let (first, second) = (next(size / 2 - 24), size / 2 + next(size / 2 - 24));
                new[first..first + 24].copy_from_slice(&novel);
                new[second..second + 24].copy_from_slice(&novel);
            }
        }
        cases.push((old, new));
    }
    cases
}

/// Writes the cases into a fresh folder as N.old and N.new.
fn folder(cases: &[(Vec<u8>, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, (old, new)) in cases.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i:02}.old")), old).unwrap();
        std::fs::write(dir.path().join(format!("{i:02}.new")), new).unwrap();
    }
    dir
}

fn read(dir: &Path, i: usize, ext: &str) -> Vec<u8> {
    std::fs::read(dir.join(format!("{i:02}.{ext}"))).unwrap()
}

#[test]
fn ips_patches_made_by_ips_util_apply_here() {
    let Some(python) = python() else { return };
    let cases = cases();
    let dir = folder(&cases);
    peer(&python, "ips-make", dir.path());
    for (i, (old, new)) in cases.iter().enumerate() {
        let patch = read(dir.path(), i, "ips");
        let regions = read_all(&patch, old, ReadOptions::default())
            .unwrap_or_else(|e| panic!("case {i}: {e}"));
        assert_eq!(&apply(old, &regions), new, "case {i}");
    }
}

#[test]
fn ips_patches_made_here_apply_with_both_peers() {
    let Some(python) = python() else { return };
    let cases = cases();
    let dir = folder(&cases);
    for (i, (old, new)) in cases.iter().enumerate() {
        let patch = make(Format::Ips, old, new).unwrap();
        std::fs::write(dir.path().join(format!("{i:02}.ips")), patch).unwrap();
    }
    for action in ["ips-util", "python-ips"] {
        peer(&python, action, dir.path());
        for (i, (_, new)) in cases.iter().enumerate() {
            assert_eq!(&read(dir.path(), i, "out"), new, "{action}, case {i}");
        }
    }
}

#[test]
fn bps_patches_made_by_the_peer_apply_here() {
    let Some(python) = python() else { return };
    let cases = cases();
    let dir = folder(&cases);
    let counts = peer(&python, "bps-make", dir.path());
    // The peer's patches use both kinds of copy, so both are tested.
    for action in ["SourceCopy", "TargetCopy", "TargetRead"] {
        assert!(counts.contains(&format!("{action} ")), "{counts}");
    }
    for (i, (old, new)) in cases.iter().enumerate() {
        let patch = read(dir.path(), i, "bps");
        let regions = read_all(&patch, old, ReadOptions::default())
            .unwrap_or_else(|e| panic!("case {i}: {e}"));
        assert_eq!(&apply(old, &regions), new, "case {i}");
        if old != new {
            let error = read_all(&patch, new, ReadOptions::default()).unwrap_err();
            assert_eq!(error.kind, super::ErrorKind::AlreadyApplied, "case {i}");
        }
    }
}

#[test]
fn bps_patches_made_here_apply_with_the_peer() {
    let Some(python) = python() else { return };
    let cases = cases();
    let dir = folder(&cases);
    for (i, (old, new)) in cases.iter().enumerate() {
        let patch = make(Format::Bps, old, new).unwrap();
        std::fs::write(dir.path().join(format!("{i:02}.bps")), patch).unwrap();
    }
    peer(&python, "bps-apply", dir.path());
    for (i, (_, new)) in cases.iter().enumerate() {
        assert_eq!(&read(dir.path(), i, "out"), new, "case {i}");
    }
}
