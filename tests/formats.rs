//! Every patch format through the real binary: `diff --format` then
//! `apply`, again (already applied), reversed, journalled and undone; the
//! peers' patches applied here and ours with the peers; size changes
//! refused; damaged, truncated and hostile patches changing nothing.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Sandbox, assert_unchanged_since, mpatch, snapshot, stderr, stdout};

/// Every format `diff --format` writes, by the name it takes.
const FORMATS: [&str; 8] = ["mpatch", "cmp", "ips", "ups", "bps", "ppf", "1337", "dif"];

/// The formats that carry no old bytes, so cannot be reversed.
fn one_way(format: &str) -> bool {
    matches!(format, "ips" | "bps")
}

/// A pseudo-random sequence, the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Pairs of files as people patch them: a few bytes, changes at both
/// ends, a dense stretch, a long run; the last spans several 64 KiB blocks.
fn cases() -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut cases = Vec::new();
    for size in [1usize, 37, 5000, 200_000] {
        let old: Vec<u8> = (0..size).map(|_| b"abcdefgh\0"[rng.below(9)]).collect();
        let mut new = old.clone();
        new[0] ^= 0x20;
        new[size - 1] ^= 0x01;
        for _ in 0..rng.below(8) {
            let at = rng.below(size);
            new[at] = new[at].wrapping_add(1 + rng.below(200) as u8);
        }
        if size > 1000 {
            for at in (size / 3..size / 3 + 900).step_by(3) {
                new[at] ^= 0x55;
            }
            let run = rng.below(size - 600);
            new[run..run + 600].fill(b'Z');
        }
        cases.push((old, new));
    }
    cases
}

fn run(dir: &Sandbox, args: &[&str]) -> Output {
    dir.run(args)
}

/// `mpatch diff --format FORMAT old new` into `patch`; exit 1 expected.
fn diff(dir: &Sandbox, format: &str, old: &str, new: &str, patch: &str) {
    let out = run(dir, &["diff", "--format", format, old, new]);
    assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
    fs::write(dir.path(patch), &out.stdout).unwrap();
}

fn assert_ok(out: &Output, stdout_is: &str, what: &str) {
    assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(out));
    assert_eq!(stdout(out), stdout_is, "{what}: {}", stderr(out));
}

#[test]
fn every_format_round_trips_through_the_binary() {
    let dir = Sandbox::new();
    for (i, (old, new)) in cases().iter().enumerate() {
        dir.file("old", old);
        dir.file("new", new);
        for format in FORMATS {
            let what = format!("case {i}, {format}");
            diff(&dir, format, "old", "new", "fix");
            let copy = dir.file("copy", old);
            let before = snapshot(&copy);
            let out = run(&dir, &["apply", "--dry-run", "fix", "copy"]);
            assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
            assert!(stdout(&out).ends_with(" would be written\n"), "{what}");
            assert_unchanged_since(&copy, &before);
            let out = run(&dir, &["apply", "--journal", "fix.mpj", "fix", "copy"]);
            assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
            assert!(fs::read(&copy).unwrap() == *new, "{what}: not the new file");
            let patched = snapshot(&copy);
            let out = run(&dir, &["apply", "fix", "copy"]);
            assert_ok(&out, "copy: already applied\n", &what);
            assert_unchanged_since(&copy, &patched);
            let out = run(&dir, &["undo", "fix.mpj"]);
            assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
            assert!(fs::read(&copy).unwrap() == *old, "{what}: undo");
            run(&dir, &["apply", "-q", "fix", "copy"]);
            let out = run(&dir, &["apply", "--reverse", "fix", "copy"]);
            if one_way(format) {
                assert_eq!(out.status.code(), Some(2), "{what}");
                assert!(stderr(&out).contains("carry no old bytes, so cannot be reversed"));
                assert!(
                    fs::read(&copy).unwrap() == *new,
                    "{what}: a refused -R wrote"
                );
            } else {
                assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
                assert!(fs::read(&copy).unwrap() == *old, "{what}: -R");
            }
        }
    }
}

#[test]
fn equal_files_are_an_empty_patch_or_none() {
    let dir = Sandbox::new();
    dir.file("a", b"same bytes");
    dir.file("b", b"same bytes");
    let copy = dir.file("copy", b"same bytes");
    for format in FORMATS {
        let out = run(&dir, &["diff", "--format", format, "a", "b"]);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        // As cmp, mpatch's own format and cmp -l print nothing; a patch
        // of any other format is whole, and changes nothing.
        if matches!(format, "mpatch" | "cmp") {
            assert!(out.stdout.is_empty(), "{format}");
            continue;
        }
        fs::write(dir.path("none"), &out.stdout).unwrap();
        let before = snapshot(&copy);
        let out = run(&dir, &["apply", "none", "copy"]);
        assert_ok(&out, "copy: 0 regions (0 bytes) written\n", format);
        assert_unchanged_since(&copy, &before);
    }
}

#[test]
fn an_ips_reaches_the_first_16_mib_only() {
    let dir = Sandbox::new();
    let size = (17 << 20) as u64;
    for name in ["old", "new"] {
        fs::File::create(dir.path(name))
            .unwrap()
            .set_len(size)
            .unwrap();
    }
    let poke = |at: &str| run(&dir, &["poke", "-q", "-x", "new", at, "ff"]);
    poke("0x10");
    let out = run(&dir, &["diff", "--format", "ips", "old", "new"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(out.stdout, b"PATCH\x00\x00\x10\x00\x01\xffEOF");
    poke("0x1000002");
    let out = run(&dir, &["diff", "--format", "ips", "old", "new"]);
    common::assert_error(
        &out,
        "new",
        "differs from old at offset 0x1000002, past the 16 MiB an IPS patch reaches",
    );
    assert!(out.stdout.is_empty(), "nothing written before the error");
    let out = run(&dir, &["diff", "--format", "bps", "old", "new"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// UPS's and BPS's variable-length number.
fn varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let x = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(0x80 | x);
            return;
        }
        out.push(x);
        value -= 1;
    }
}

/// A UPS or BPS patch from `MAGIC`, the sizes and `body`, with the CRC32s
/// of `old` and `new` and its own.
fn byuu(magic: &[u8], sizes: (u64, u64), body: &[u8], old: &[u8], new: &[u8]) -> Vec<u8> {
    let mut patch = magic.to_vec();
    varint(&mut patch, sizes.0);
    varint(&mut patch, sizes.1);
    patch.extend(body);
    patch.extend(crc32fast::hash(old).to_le_bytes());
    patch.extend(crc32fast::hash(new).to_le_bytes());
    let own = crc32fast::hash(&patch);
    patch.extend(own.to_le_bytes());
    patch
}

#[test]
fn a_patch_that_would_change_the_size_is_refused_naming_both() {
    let dir = Sandbox::new();
    let file = dir.file("f", b"0123456789abcdefgh");
    let before = snapshot(&file);
    let bps_meta = [0x80u8]; // no metadata
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "record.ips",
            b"PATCH\x00\x00\x10\x00\x04abcdEOF".to_vec(),
            "a record at offset 0x10 (4 bytes) runs past the end of the 18-byte file (it would make the file 20 bytes)",
        ),
        (
            "cut.ips",
            b"PATCHEOF\x00\x00\x0a".to_vec(),
            "the patch would change the file's size from 18 to 10 bytes",
        ),
        (
            "grow.ups",
            byuu(b"UPS1", (18, 20), &[], b"", b""),
            "the patch would change the file's size from 18 to 20 bytes",
        ),
        (
            "grow.bps",
            byuu(b"BPS1", (18, 24), &bps_meta, b"", b""),
            "the patch would change the file's size from 18 to 24 bytes",
        ),
        (
            "past.mpatch",
            b"mpatch patch 1 size 18\n17 6869 6162\n".to_vec(),
            "runs past the end of the 18-byte file (it would make the file 19 bytes)",
        ),
        (
            "past.1337",
            b">f\n00000012:00->01\n".to_vec(),
            "runs past the end of the 18-byte file",
        ),
    ];
    for (name, patch, reason) in cases {
        dir.file(name, patch);
        let out = run(&dir, &["apply", name, "f"]);
        common::assert_error(&out, "f", reason);
        assert_unchanged_since(&file, &before);
    }
}

#[test]
fn every_file_or_none_for_each_format() {
    let dir = Sandbox::new();
    let (old, new) = (b"0123456789abcdef".to_vec(), b"0123X56789abcdeY".to_vec());
    dir.file("old", &old);
    dir.file("new", &new);
    for format in ["ups", "bps", "ppf", "1337", "dif", "ips"] {
        diff(&dir, format, "old", "new", "fix");
        let one = dir.file("one", &old);
        let two = dir.file("two", &new);
        let (before_one, before_two) = (snapshot(&one), snapshot(&two));
        let out = run(&dir, &["apply", "fix", "one", "two"]);
        if format == "ips" {
            // No old bytes, no compare-and-swap: both hold the result.
            assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
            assert_eq!(fs::read(&one).unwrap(), new);
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{format}");
        assert!(stderr(&out).contains("nothing written"), "{}", stderr(&out));
        assert_unchanged_since(&one, &before_one);
        assert_unchanged_since(&two, &before_two);
        fs::write(&two, &old).unwrap();
        let out = run(&dir, &["apply", "--json", "fix", "one", "two"]);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        let summary = format!(r#""format":"{format}","status":"written","regions":2"#);
        assert_eq!(
            stdout(&out).matches(&summary).count(),
            2,
            "{}",
            stdout(&out)
        );
        assert_eq!(fs::read(&one).unwrap(), new);
        assert_eq!(fs::read(&two).unwrap(), new);
    }
}

#[test]
fn the_names_in_a_patch_are_shown_never_opened() {
    let dir = Sandbox::new();
    let victim = dir.file("victim.exe", b"\x74\x05\xc3");
    let before = snapshot(&victim);
    let copy = dir.file("copy.exe", b"\x74\x05\xc3");
    dir.file("fix.1337", ">victim.exe\n00000000:74->EB\n");
    let out = run(&dir, &["apply", "fix.1337", "copy.exe"]);
    assert_eq!(stdout(&out), "copy.exe: 1 region (1 byte) written\n");
    assert_eq!(
        stderr(&out),
        "mpatch: copy.exe: note: the x64dbg .1337 patch is for victim.exe; applied to the file named on the command line\n"
    );
    assert_eq!(fs::read(&copy).unwrap(), b"\xeb\x05\xc3");
    dir.file(
        "fix.dif",
        "This difference file was created by IDA\n\n../victim.exe\n00000001: 05 90\n",
    );
    let out = run(&dir, &["apply", "fix.dif", "copy.exe"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("the IDA .dif patch is for ../victim.exe"));
    assert_eq!(fs::read(&copy).unwrap(), b"\xeb\x90\xc3");
    assert_unchanged_since(&victim, &before);
    // A name that is the file's own is not worth a word.
    dir.file("own.1337", ">copy.exe\n00000002:C3->C2\n");
    let out = run(&dir, &["apply", "own.1337", "copy.exe"]);
    assert_eq!((stderr(&out), out.status.code()), (String::new(), Some(0)));
}

#[test]
fn bps_copies_read_the_bytes_as_they_were() {
    let dir = Sandbox::new();
    // The halves swapped: the second source copy reads bytes that the
    // first one's region overwrites.
    let old = b"abcdefghABCDEFGH";
    let new = b"ABCDEFGHabcdefgh";
    let mut body = vec![0x80]; // no metadata
    varint(&mut body, ((8 - 1) << 2) | 2);
    varint(&mut body, 8 << 1);
    varint(&mut body, ((8 - 1) << 2) | 2);
    varint(&mut body, (16 << 1) | 1);
    dir.file("swap.bps", byuu(b"BPS1", (16, 16), &body, old, new));
    let file = dir.file("f", old);
    let out = run(&dir, &["apply", "swap.bps", "f"]);
    assert_ok(&out, "f: 1 region (16 bytes) written\n", "swap");
    assert_eq!(fs::read(&file).unwrap(), new);
    let out = run(&dir, &["apply", "swap.bps", "f"]);
    assert_ok(&out, "f: already applied\n", "swap again");
    fs::write(&file, b"abcdefghABCDEFGX").unwrap();
    let out = run(&dir, &["apply", "swap.bps", "f"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("but the BPS patch is for a file whose CRC32 is"));
}

#[test]
fn a_ppf_block_check_names_the_file_it_is_for() {
    let dir = Sandbox::new();
    let old: Vec<u8> = (0..0xA000u32).map(|i| (i % 251) as u8).collect();
    let mut patch = b"PPF30\x02".to_vec();
    patch.extend(format!("{:<50}", "block checked").bytes());
    patch.extend([0, 1, 1, 0]);
    patch.extend(&old[0x9320..0x9320 + 1024]);
    patch.extend(5u64.to_le_bytes());
    patch.extend([2, b'x', b'y', old[5], old[6]]);
    dir.file("fix.ppf", &patch);
    let one = dir.file("one", &old);
    let mut other = old.clone();
    other[0x9400] ^= 1;
    let two = dir.file("two", &other);
    let before = (snapshot(&one), snapshot(&two));
    let out = run(&dir, &["apply", "fix.ppf", "one", "two"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "mpatch: two: the file's 1024 bytes at offset 0x9320 are not those the PPF patch checks for: it is for another file; nothing written\n"
    );
    assert_unchanged_since(&one, &before.0);
    assert_unchanged_since(&two, &before.1);
    let out = run(&dir, &["apply", "fix.ppf", "one"]);
    assert_ok(&out, "one: 1 region (2 bytes) written\n", "ppf");
    assert_eq!(&fs::read(&one).unwrap()[5..7], b"xy");
}

#[test]
fn a_forced_format_reads_the_patch_as_that_format_only() {
    let dir = Sandbox::new();
    let file = dir.file("f", b"0123456789");
    let before = snapshot(&file);
    dir.file("fix", "mpatch patch 1 size 10\n4 34 58\n");
    let out = run(&dir, &["apply", "--format", "ips", "fix", "f"]);
    common::assert_error(&out, "fix", "is not an IPS patch");
    let out = run(&dir, &["apply", "-F", "cmp", "fix", "f"]);
    common::assert_error(&out, "fix:1", "is an mpatch patch, not cmp -l output");
    assert_unchanged_since(&file, &before);
    let out = run(&dir, &["apply", "--format", "mpatch", "fix", "f"]);
    assert_ok(&out, "f: 1 region (1 byte) written\n", "forced mpatch");
}

// ------------------------------------------------------------ fuzzing

/// What must hold after `mpatch apply` of a damaged patch: a patch that
/// still reads whole may apply (the file keeps its size); anything else
/// is one line, exit 1 or 2, and nothing written.
fn check_damaged(dir: &Sandbox, patch: &[u8], format: &str, old: &[u8], what: &str) {
    dir.file("damaged", patch);
    let file = dir.file("f", old);
    let before = snapshot(&file);
    let out = run(dir, &["apply", "--format", format, "damaged", "f"]);
    let err = stderr(&out);
    match out.status.code() {
        // UPS and BPS cover every byte with their own CRC32: damage never
        // reads as a patch.
        Some(0) => {
            assert!(!matches!(format, "ups" | "bps"), "{what} applied");
            assert_eq!(fs::read(&file).unwrap().len(), old.len(), "{what}");
        }
        Some(1 | 2) => {
            assert_eq!(err.lines().count(), 1, "{what}: {err:?}");
            assert!(err.starts_with("mpatch: "), "{what}: {err:?}");
            assert_unchanged_since(&file, &before);
        }
        code => panic!("{what}: exit {code:?}: {err}"),
    }
}

#[test]
fn damaged_and_truncated_patches_of_every_format_change_nothing() {
    let dir = Sandbox::new();
    let old: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 256) as u8).collect();
    let mut new = old.clone();
    new[0] ^= 1;
    new[100..700].fill(0x55);
    new[2999] ^= 0x80;
    dir.file("old", &old);
    dir.file("new", &new);
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for format in FORMATS {
        diff(&dir, format, "old", "new", "fix");
        let patch = fs::read(dir.path("fix")).unwrap();
        for k in 0..24 {
            let cut = k * patch.len() / 24;
            let what = format!("{format} cut at {cut}");
            check_damaged(&dir, &patch[..cut], format, &old, &what);
        }
        for k in 0..24 {
            let mut damaged = patch.clone();
            for _ in 0..1 + k % 3 {
                let at = rng.below(damaged.len());
                damaged[at] ^= 1 << rng.below(8);
            }
            let what = format!("{format} damaged ({k})");
            check_damaged(&dir, &damaged, format, &old, &what);
        }
    }
}

#[test]
fn hostile_patches_are_one_line_and_exit_2() {
    let dir = Sandbox::new();
    let file = dir.file("f", [0u8; 64]);
    let before = snapshot(&file);
    let mut huge_meta = b"BPS1\xc0\xc0".to_vec();
    varint(&mut huge_meta, u64::MAX >> 1);
    let mut ppf = b"PPF30\x02".to_vec();
    ppf.resize(60, 0);
    ppf.extend((u64::MAX - 3).to_le_bytes());
    ppf.extend([255]);
    let cases: [(&str, Vec<u8>); 12] = [
        (
            "ips run",
            b"PATCH\x00\x00\x00\x00\x00\xff\xff\x41EOF".to_vec(),
        ),
        ("ips no end", b"PATCH\x00\x00\x00\x00\x01a".to_vec()),
        (
            "ups sizes",
            b"UPS1\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00".to_vec(),
        ),
        (
            "ups skip",
            b"UPS1\xc0\xc0\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x81".to_vec(),
        ),
        ("bps metadata", huge_meta),
        ("bps action", b"BPS1\xc0\xc0\x80\x7f\x7f\x7f\x81".to_vec()),
        ("ppf offset", ppf),
        ("ppf old", b"PPF20\x01".to_vec()),
        ("1337 offset", b">f\nFFFFFFFFFFFFFFFF:00->01\n".to_vec()),
        ("1337 twice", b">f\n1:00->01\n1:00->02\n".to_vec()),
        (
            "dif line",
            [
                &b"This difference file was created by IDA\n\nf\n"[..],
                &[b'1'; 9000],
            ]
            .concat(),
        ),
        (
            "mpatch size",
            b"mpatch patch 1 size 99999999999999999999\n".to_vec(),
        ),
    ];
    for (what, patch) in cases {
        dir.file("hostile", &patch);
        let out = run(&dir, &["apply", "hostile", "f"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert_eq!(err.lines().count(), 1, "{what}: {err:?}");
        assert_unchanged_since(&file, &before);
    }
}

// ------------------------------------------------------------ peers

/// The venv of tests/peers/setup.sh: its python, or `None` (said on
/// stderr; under CI=true a failure).
fn peers() -> Option<PathBuf> {
    let venv = match std::env::var_os("MPATCH_PEERS_VENV") {
        Some(venv) => PathBuf::from(venv),
        None => common::root().join("target/peers-venv"),
    };
    let python = venv.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    common::cannot_run(
        "the peers' tests",
        &format!("no venv at {} (run tests/peers/setup.sh)", venv.display()),
    );
    None
}

/// Runs `peer.py ACTION DIR` (see tests/peers/peer.py).
fn peer(python: &Path, action: &str, dir: &Path) {
    let out = std::process::Command::new(python)
        .arg(common::root().join("tests/peers/peer.py"))
        .args([action.as_ref(), dir.as_os_str()])
        .output()
        .unwrap();
    assert!(out.status.success(), "peer.py {action}: {}", stderr(&out));
}

/// The cases as N.old and N.new in the sandbox, for peer.py.
fn peer_folder(dir: &Sandbox) -> Vec<(Vec<u8>, Vec<u8>)> {
    let cases = cases();
    for (i, (old, new)) in cases.iter().enumerate() {
        dir.file(&format!("{i:02}.old"), old);
        dir.file(&format!("{i:02}.new"), new);
    }
    cases
}

/// Applies each peer-made N.EXT to a copy of N.old with `mpatch apply`.
fn apply_peer_patches(dir: &Sandbox, cases: &[(Vec<u8>, Vec<u8>)], ext: &str) {
    for (i, (old, new)) in cases.iter().enumerate() {
        let copy = dir.file("copy", old);
        let out = run(dir, &["apply", &format!("{i:02}.{ext}"), "copy"]);
        assert_eq!(out.status.code(), Some(0), "{ext} {i}: {}", stderr(&out));
        assert!(fs::read(&copy).unwrap() == *new, "{ext} {i}");
    }
}

/// Writes N.EXT with `mpatch diff --format`, for the peers to apply.
fn write_our_patches(dir: &Sandbox, cases: &[(Vec<u8>, Vec<u8>)], ext: &str) {
    for i in 0..cases.len() {
        let (old, new) = (format!("{i:02}.old"), format!("{i:02}.new"));
        diff(dir, ext, &old, &new, &format!("{i:02}.{ext}"));
    }
}

fn check_outs(dir: &Sandbox, cases: &[(Vec<u8>, Vec<u8>)], what: &str) {
    for (i, (_, new)) in cases.iter().enumerate() {
        let out = fs::read(dir.path(&format!("{i:02}.out"))).unwrap();
        assert!(out == *new, "{what}: case {i}");
    }
}

#[test]
fn ips_patches_cross_with_ips_util_and_python_ips() {
    let Some(python) = peers() else { return };
    let dir = Sandbox::new();
    let cases = peer_folder(&dir);
    peer(&python, "ips-make", dir.dir.path());
    apply_peer_patches(&dir, &cases, "ips");
    write_our_patches(&dir, &cases, "ips");
    for action in ["ips-util", "python-ips"] {
        peer(&python, action, dir.dir.path());
        check_outs(&dir, &cases, action);
    }
}

#[test]
fn bps_patches_cross_with_python_bps_continued() {
    let Some(python) = peers() else { return };
    let dir = Sandbox::new();
    let cases = peer_folder(&dir);
    // Its patches use source and target copies.
    peer(&python, "bps-make", dir.dir.path());
    apply_peer_patches(&dir, &cases, "bps");
    write_our_patches(&dir, &cases, "bps");
    peer(&python, "bps-apply", dir.dir.path());
    check_outs(&dir, &cases, "bps-apply");
}

#[test]
fn regions_past_a_mib_wait_in_a_temporary_file_that_is_never_left_behind() {
    // Every other byte of 4 MiB: two million regions, some 8 MiB of
    // records, which go to $TMPDIR past the first MiB (BPS's own log of
    // what target copies read fills more slowly, so the held regions are
    // the first to need the file there too).
    let s = Sandbox::new();
    let old: Vec<u8> = (0..4u32 << 20).map(|i| (i % 253) as u8).collect();
    let mut new = old.clone();
    new.iter_mut().step_by(2).for_each(|b| *b = !*b);
    s.file("old", &old);
    s.file("new", &new);
    let missing = s.path("no-such-dir");
    let tmp = s.path("tmp");
    fs::create_dir(&tmp).unwrap();
    for format in ["ups", "bps"] {
        let patch = format!("p.{format}");
        diff(&s, format, "old", "new", &patch);
        let file = s.file("f", &old);
        let before = snapshot(&file);
        let out = mpatch()
            .current_dir(s.path(""))
            .env("TMPDIR", &missing)
            .args(["apply", &patch, "f"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}: {}", stderr(&out));
        let message = format!("temporary file in {}", missing.display());
        assert!(
            stderr(&out).contains(&message),
            "{format}: {}",
            stderr(&out)
        );
        assert_eq!(
            stderr(&out).lines().count(),
            1,
            "{format}: {}",
            stderr(&out)
        );
        assert_unchanged_since(&file, &before);

        let out = mpatch()
            .current_dir(s.path(""))
            .env("TMPDIR", &tmp)
            .args(["apply", "-q", &patch, "f"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert!(
            fs::read(&file).unwrap() == new,
            "{format}: other bytes were written"
        );
        assert_eq!(
            fs::read_dir(&tmp).unwrap().count(),
            0,
            "{format}: a file was left"
        );
    }
}
