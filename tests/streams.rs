//! Streams, stderr and bounded inputs, on the real binary: stdin and FIFOs
//! find exactly what a file of the same bytes gives, a closed or full stderr
//! never decides a patch, and no input (an endless line, a FIFO in a list)
//! makes a run unbounded.

mod common;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use proptest::prelude::*;

const MIB: usize = 1 << 20;

fn name(path: &Path) -> String {
    path.display().to_string()
}

/// Runs `mpatch ARGS` with `input` on its stdin, written by a thread in
/// pieces of the sizes `pieces` cycles through, so that mpatch's reads come
/// back short and at odd places.
fn on_stdin(args: &[String], input: Vec<u8>, pieces: Vec<usize>) -> Output {
    let mut child = KillOnDrop::spawn(
        Command::new(BIN)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let mut at = 0;
        for &size in pieces.iter().cycle() {
            if at >= input.len() {
                break;
            }
            let end = (at + size.max(1)).min(input.len());
            // mpatch may stop reading once it has what it needs.
            if pipe.write_all(&input[at..end]).is_err() {
                break;
            }
            let _ = pipe.flush();
            at = end;
        }
    });
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).unwrap();
            bytes
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let status = wait_within(&mut child, Duration::from_secs(60));
    writer.join().unwrap();
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn run(args: &[String]) -> Output {
    mpatch().args(args).output().unwrap()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// 1 MiB + 100 bytes of `x` with `éa` at 1048572: the `a` is 2 bytes past
/// the stream's first read, and the `é` before it is a word character.
fn word_boundary_sample() -> Vec<u8> {
    let mut bytes = vec![b'x'; MIB + 100];
    bytes[1048572..1048575].copy_from_slice("éa".as_bytes());
    bytes
}

#[test]
fn stdin_looks_behind_as_far_as_a_unicode_word_boundary_needs() {
    let s = Sandbox::new();
    let bytes = word_boundary_sample();
    let file = s.file("sample", &bytes);
    for regex in [r"\ba", r"\Ba", r"a\b", r"\b{start}a", r"(?m)^a"] {
        let mut args = strings(&["find", "--regex", regex]);
        let from_file = run(&[args.clone(), vec![name(&file)]].concat());
        let from_stdin = on_stdin(&args, bytes.clone(), vec![MIB]);
        assert_eq!(
            (stdout(&from_stdin), from_stdin.status.code()),
            (stdout(&from_file), from_file.status.code()),
            "{regex}: stdin found what the file did not (or missed what it has)"
        );
        args.push("-".into());
        let dash = on_stdin(&args, bytes.clone(), vec![4096, 1, 65536]);
        assert_eq!(stdout(&dash), stdout(&from_file), "{regex} on -");
    }
    let none = on_stdin(
        &strings(&["find", "--regex", r"\ba"]),
        bytes.clone(),
        vec![MIB],
    );
    assert_eq!(
        (stdout(&none), none.status.code()),
        (String::new(), Some(1))
    );
}

#[test]
fn a_fifo_looks_behind_as_a_file_does() {
    let s = Sandbox::new();
    let bytes = word_boundary_sample();
    let fifo = s.path("fifo");
    assert!(sh(&format!("mkfifo {}", fifo.display())).status.success());
    let child = KillOnDrop::spawn(
        Command::new(BIN)
            .args(["find", "--regex", r"\ba"])
            .arg(&fifo)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut writer = File::options().write(true).open(&fifo).unwrap();
    for piece in bytes.chunks(700_001) {
        writer.write_all(piece).unwrap();
    }
    drop(writer);
    let out = output_within(child, Duration::from_secs(60));
    assert_eq!((stdout(&out), out.status.code()), (String::new(), Some(1)));
}

#[test]
fn stdin_shows_context_past_the_range_end_as_the_file_does() {
    let s = Sandbox::new();
    let bytes = b"xxERRORyyyyERRORzz".to_vec();
    let file = s.file("small", &bytes);
    for range in ["0:7", "2:7", "0:16", "3:17"] {
        for context in ["3", "10", "0"] {
            for flag in ["--byte-context", "-C"] {
                let args = strings(&["find", flag, context, "--range", range, "ERROR"]);
                let from_file = run(&[args.clone(), vec![name(&file)]].concat());
                let from_stdin = on_stdin(&args, bytes.clone(), vec![1, 2, 5]);
                assert_eq!(
                    stdout(&from_stdin),
                    stdout(&from_file),
                    "{flag} {context} --range {range}"
                );
            }
        }
    }
    let args = strings(&["find", "--byte-context", "3", "--range", "0:7", "ERROR"]);
    assert_eq!(
        stdout(&on_stdin(&args, bytes, vec![3])),
        "2: xx[ERROR]yyy\n"
    );
}

/// A JSON line without what must differ between a file and stdin: its
/// path and the time taken.
fn comparable(out: &Output) -> String {
    stdout(out)
        .lines()
        .map(|line| match line.starts_with('{') {
            true => {
                let mut value: serde_json::Value = serde_json::from_str(line).unwrap();
                if let Some(object) = value.as_object_mut() {
                    object.remove("path");
                    object.remove("elapsed_ms");
                }
                value.to_string()
            }
            false => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Bytes from a small alphabet that makes literal, `-i`, `\b`, `^`, `$`
/// and UTF-8 matches common.
fn alphabet() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => Just(b'a'),
        3 => Just(b'b'),
        1 => Just(b'A'),
        1 => Just(b'\n'),
        1 => Just(b' '),
        1 => Just(0xc3),
        1 => Just(0xa9),
    ]
}

/// Filler with islands of the alphabet at the start and around the
/// stream's read boundaries (1 MiB, 2 MiB, where look-behind and context
/// are kept across a read).
fn stream_sample() -> impl Strategy<Value = Vec<u8>> {
    let island = || proptest::collection::vec(alphabet(), 20..120);
    (
        island(),
        island(),
        island(),
        0usize..60,
        0usize..60,
        0usize..2,
        prop_oneof![Just(b'x'), Just(b'.')],
    )
        .prop_map(|(head, first, second, back1, back2, long, filler)| {
            let len = if long == 1 { 2 * MIB + 300 } else { MIB + 300 };
            let mut bytes = vec![filler; len];
            bytes[..head.len()].copy_from_slice(&head);
            let at = MIB - 60 - back1;
            bytes[at..at + first.len()].copy_from_slice(&first);
            if long == 1 {
                let at = 2 * MIB - 60 - back2;
                bytes[at..at + second.len()].copy_from_slice(&second);
            }
            bytes
        })
}

fn patterns() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        Just(strings(&["ab"])),
        Just(strings(&["-p", "ab", "-p", "ba", "-p", "aab", "-p", "b"])),
        Just(strings(&["-i", "ab"])),
        Just(strings(&["-i", "-p", "Ab", "-p", "bA"])),
        Just(strings(&["--regex", r"\bab"])),
        Just(strings(&["--regex", r"a\b"])),
        Just(strings(&["--regex", r"(?m)^a"])),
        Just(strings(&["--regex", r"(?m)b$"])),
        Just(strings(&["--regex", r"b$"])),
        Just(strings(&["--regex", r"\Bé"])),
        Just(strings(&["--regex", r"x\b"])),
        Just(strings(&["--regex", r"(?i)a[ab]{1,3}\b"])),
    ]
}

fn options() -> impl Strategy<Value = Vec<String>> {
    // Range ends near the islands, where matches and their context are.
    let near = || {
        prop_oneof![
            0usize..130,
            MIB - 130..MIB + 70,
            2 * MIB - 130..2 * MIB + 70
        ]
    };
    let range = prop_oneof![
        Just(None),
        (near(), near()).prop_map(|(a, b)| Some(format!("{a}:{b}"))),
        near().prop_map(|a| Some(format!("{a}:"))),
        near().prop_map(|b| Some(format!(":{b}"))),
    ];
    (
        range,
        prop_oneof![4 => Just(None), 1 => (1u64..6).prop_map(Some)],
        prop_oneof![4 => Just(None), 1 => (0u64..6).prop_map(Some)],
        prop_oneof![1 => Just(None), 3 => (0usize..12, 0usize..4).prop_map(Some)],
        0usize..3,
    )
        .prop_map(|(range, nth, max, context, report)| {
            let mut args = Vec::new();
            if let Some(range) = range {
                args.push(format!("--range={range}"));
            }
            if let Some(nth) = nth {
                args.extend(["--nth".to_string(), nth.to_string()]);
            }
            if let Some(max) = max {
                args.extend(["-m".to_string(), max.to_string()]);
            }
            // Lines around each match (both sides, or one), or bytes.
            if let Some((context, kind)) = context {
                let flag = ["-C", "-A", "-B", "--byte-context"][kind];
                args.extend([flag.to_string(), context.to_string()]);
            }
            match report {
                1 => args.push("-c".into()),
                2 => args.push("--json".into()),
                _ => {}
            }
            args
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// stdin == file, for every selection option, with short reads.
    #[test]
    fn stdin_finds_exactly_what_the_file_finds(
        bytes in stream_sample(),
        patterns in patterns(),
        options in options(),
        pieces in proptest::collection::vec(1usize..70_000, 1..6),
    ) {
        let s = Sandbox::new();
        let file = s.file("sample", &bytes);
        let args = [strings(&["find"]), options, patterns].concat();
        let from_file = run(&[args.clone(), strings(&["--"]), vec![name(&file)]].concat());
        let from_stdin = on_stdin(&args, bytes, pieces);
        prop_assert_eq!(from_stdin.status.code(), from_file.status.code(), "{:?}: {}", args, stderr(&from_stdin));
        prop_assert_eq!(comparable(&from_stdin), comparable(&from_file), "{:?}", args);
        prop_assert_eq!(stderr(&from_stdin), stderr(&from_file));
    }
}

// ---------------------------------------------------------------------------
// Output never decides a patch: a closed or full stderr

/// Where a test sends mpatch's stderr.
#[derive(Debug, Clone, Copy)]
enum Stderr {
    /// /dev/full: every write fails with ENOSPC.
    Full,
    /// A pipe whose read end is already closed: EPIPE.
    Closed,
}

impl Stderr {
    fn stdio(self) -> Stdio {
        match self {
            Stderr::Full => Stdio::from(File::options().write(true).open("/dev/full").unwrap()),
            Stderr::Closed => {
                let (reader, writer) = std::io::pipe().unwrap();
                drop(reader);
                Stdio::from(writer)
            }
        }
    }
}

/// Runs `cmd` with stderr sent to `to` and stdout captured; the command
/// must end by itself, without a panic (exit 101) or a signal.
fn with_stderr(cmd: &mut Command, to: Stderr) -> Output {
    let child = KillOnDrop::spawn(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(to.stdio()),
    );
    let out = output_within(child, Duration::from_secs(60));
    assert_eq!(out.status.signal(), None, "killed by a signal ({to:?})");
    assert_ne!(out.status.code(), Some(101), "mpatch panicked ({to:?})");
    out
}

#[test]
fn a_find_whose_error_line_cannot_be_written_still_finds_and_exits_2() {
    let s = Sandbox::new();
    s.file("a.log", "ERROR x ERROR\n");
    s.file("c.log", "y ERROR\n");
    for to in [Stderr::Full, Stderr::Closed] {
        let out = with_stderr(
            bin().current_dir(s.dir.path()).args([
                "find",
                "ERROR",
                "a.log",
                "missing.log",
                "c.log",
            ]),
            to,
        );
        assert_eq!(out.status.code(), Some(2), "{to:?}");
        assert_eq!(stdout(&out), "a.log:0\na.log:8\nc.log:2\n", "{to:?}");
        // An error of the whole run too.
        let out = with_stderr(bin().args(["find", "--range", "x:y", "E", "/dev/null"]), to);
        assert_eq!(out.status.code(), Some(2), "{to:?}");
        let out = with_stderr(bin().args(["find", "--no-such-option"]), to);
        assert_eq!(out.status.code(), Some(2), "{to:?}");
    }
}

#[test]
fn a_replace_whose_error_line_cannot_be_written_does_as_it_would_otherwise() {
    let s = Sandbox::new();
    for to in [Stderr::Full, Stderr::Closed] {
        // Named files: one unusable file stops the run before any write.
        let a = s.file("a.log", "ERROR x\n");
        let out = with_stderr(
            bin().current_dir(s.dir.path()).args([
                "replace",
                "ERROR",
                "FIXED",
                "a.log",
                "missing.log",
            ]),
            to,
        );
        assert_eq!(out.status.code(), Some(2), "{to:?}");
        assert_eq!(fs::read(&a).unwrap(), b"ERROR x\n", "{to:?}");
        // A guard that does not hold says so on stderr: exit 1.
        let out = with_stderr(
            bin()
                .current_dir(s.dir.path())
                .args(["replace", "--expect", "3", "ERROR", "FIXED", "a.log"]),
            to,
        );
        assert_eq!(out.status.code(), Some(1), "{to:?}");
        assert_eq!(fs::read(&a).unwrap(), b"ERROR x\n", "{to:?}");
    }
}

/// A tree of `writable` files that user 65534 (or, not being root, we)
/// may patch, and `unreadable` files it cannot open, interleaved by name.
fn tree_with_errors(
    s: &Sandbox,
    writable: usize,
    unreadable: usize,
) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let dir = s.path("tree");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for i in 0..writable + unreadable {
        let path = dir.join(format!("f{i:04}.log"));
        fs::write(&path, "a ERROR b\n").unwrap();
        if i % ((writable + unreadable) / unreadable.max(1)).max(1) == 0 && bad.len() < unreadable {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
            bad.push(path);
        } else {
            if is_root() {
                std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
            }
            good.push(path);
        }
    }
    (good, bad)
}

/// `mpatch ARGS` as user 65534 when we are root (root reads any file).
fn unprivileged(s: &Sandbox, args: &[&str]) -> Command {
    let binary = s.binary();
    let mut cmd = if is_root() {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(binary);
        cmd
    } else {
        Command::new(binary)
    };
    cmd.args(args).current_dir(s.dir.path());
    cmd
}

fn assert_patched(good: &[PathBuf], bad: &[PathBuf]) {
    let unpatched: Vec<_> = good
        .iter()
        .filter(|path| fs::read(path).unwrap() != b"a FIXED b\n")
        .collect();
    assert!(
        unpatched.is_empty(),
        "{} of {} writable files not patched, first {:?}",
        unpatched.len(),
        good.len(),
        unpatched.first()
    );
    for path in bad {
        // Readable for a moment to be read back: only root reads a file of
        // mode 000.
        fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(fs::read(path).unwrap(), b"a ERROR b\n");
        fs::set_permissions(path, fs::Permissions::from_mode(0o000)).unwrap();
    }
}

#[test]
fn a_tree_replace_whose_error_lines_cannot_be_written_patches_every_writable_file() {
    let s = Sandbox::new();
    let (good, bad) = tree_with_errors(&s, 40, 10);
    for to in [Stderr::Full, Stderr::Closed] {
        for path in &good {
            fs::write(path, "a ERROR b\n").unwrap();
        }
        let out = with_stderr(
            &mut unprivileged(&s, &["replace", "-r", "ERROR", "FIXED", "tree"]),
            to,
        );
        assert_eq!(out.status.code(), Some(2), "{to:?}");
        assert_patched(&good, &bad);
    }
}

#[test]
fn replace_r_of_360_files_into_head_patches_every_writable_file() {
    let s = Sandbox::new();
    let (good, bad) = tree_with_errors(&s, 360, 40);
    let binary = s.binary();
    let run_as = match is_root() {
        true => "setpriv --reuid=65534 --regid=65534 --clear-groups ",
        false => "",
    };
    let script = format!(
        "cd {} && {run_as}{} replace -r ERROR FIXED tree 2>&1 | head -1",
        s.dir.path().display(),
        binary.display()
    );
    let mut child = KillOnDrop::spawn(
        Command::new("sh")
            .args(["-c", &script])
            .stdout(Stdio::piped()),
    );
    let status = wait_within(&mut child, Duration::from_secs(60));
    assert!(status.success(), "{status:?}");
    assert_patched(&good, &bad);
}

// ---------------------------------------------------------------------------
// Bounded inputs

#[test]
fn a_pattern_file_line_longer_than_1_mib_is_an_error_naming_file_and_line() {
    let s = Sandbox::new();
    let target = s.file("t", "ERROR\n");
    let out = within(bin().args(["find", "-f", "/dev/zero"]).arg(&target));
    assert_error_line(&out, "/dev/zero:1", "is longer than 1 MiB (the line limit)");

    let long = s.file(
        "patterns.txt",
        [
            b"ERROR\n# comment\n".to_vec(),
            vec![b'a'; MIB + 1],
            b"\nx\n".to_vec(),
        ]
        .concat(),
    );
    let out = within(bin().args(["find", "-f"]).arg(&long).arg(&target));
    assert_error_line(
        &out,
        &format!("{}:3", name(&long)),
        "is longer than 1 MiB (the line limit)",
    );

    // Exactly 1 MiB (its newline not counted) is within the limit.
    let fits = s.file("fits.txt", [vec![b'a'; MIB], b"\n".to_vec()].concat());
    let one = s.file(
        "one",
        [b"x".to_vec(), vec![b'a'; MIB], b"x".to_vec()].concat(),
    );
    let out = within(bin().args(["find", "-f"]).arg(&fits).arg(&one));
    assert_eq!(
        (stdout(&out), out.status.code()),
        ("1\n".into(), Some(0)),
        "{}",
        stderr(&out)
    );

    // From stdin too.
    let out = within(
        Command::new("sh")
            .arg("-c")
            .arg(format!("{BIN} find -f - {} < /dev/zero", name(&target))),
    );
    assert_error_line(&out, "-:1", "is longer than 1 MiB (the line limit)");
}

#[test]
fn a_pair_file_line_longer_than_1_mib_is_an_error_naming_file_and_line() {
    let s = Sandbox::new();
    let target = s.file("t", "ERROR\n");
    let out = within(bin().args(["replace", "-f", "/dev/zero"]).arg(&target));
    assert_error_line(&out, "/dev/zero:1", "is longer than 1 MiB (the line limit)");
    let pairs = s.file(
        "pairs.txt",
        [
            b"ERROR\tFIXED\n".to_vec(),
            vec![b'a'; MIB + 7],
            b"\tb\n".to_vec(),
        ]
        .concat(),
    );
    let out = within(bin().args(["replace", "-f"]).arg(&pairs).arg(&target));
    assert_error_line(
        &out,
        &format!("{}:2", name(&pairs)),
        "is longer than 1 MiB (the line limit)",
    );
    assert_eq!(fs::read(&target).unwrap(), b"ERROR\n");
}

#[test]
fn a_files_from_list_line_longer_than_1_mib_is_an_error_naming_file_and_line() {
    let s = Sandbox::new();
    let out = within(bin().args(["find", "ERROR", "--files-from", "/dev/zero"]));
    assert_error_line(&out, "/dev/zero:1", "is longer than 1 MiB (the line limit)");
    let a = s.file("a.log", "ERROR\n");
    let list = s.file(
        "list",
        [format!("{}\n", name(&a)).into_bytes(), vec![b'/'; MIB + 1]].concat(),
    );
    let out = within(bin().args(["find", "ERROR", "--files-from"]).arg(&list));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), format!("{}:0\n", name(&a)));
    assert_eq!(
        stderr(&out),
        format!(
            "mpatch: {}:2: is longer than 1 MiB (the line limit)\n",
            name(&list)
        )
    );
    // NUL-separated lists count their names the same way.
    let list0 = s.file(
        "list0",
        [format!("{}\0", name(&a)).into_bytes(), vec![b'x'; MIB + 1]].concat(),
    );
    let out = within(
        bin()
            .args(["find", "ERROR", "-0", "--files-from"])
            .arg(&list0),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "mpatch: {}:2: is longer than 1 MiB (the line limit)\n",
            name(&list0)
        )
    );
}

#[test]
fn a_fifo_socket_or_device_in_a_files_from_list_is_refused_never_waited_on() {
    let s = Sandbox::new();
    let fifo = s.path("fifo");
    assert!(sh(&format!("mkfifo {}", fifo.display())).status.success());
    let socket = s.path("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let a = s.file("a.log", "ERROR\n");
    let list = s.file(
        "list",
        format!(
            "{}\n{}\n{}\n/dev/null\n{}\n",
            name(&fifo),
            name(&socket),
            name(&a),
            name(&a)
        ),
    );
    let started = Instant::now();
    for command in [
        strings(&["find", "ERROR"]),
        strings(&["replace", "--dry-run", "ERROR", "FIXED"]),
    ] {
        let out = within(bin().args(&command).arg("--files-from").arg(&list));
        assert_eq!(out.status.code(), Some(2), "{command:?}: {}", stderr(&out));
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 3, "{err}");
        assert!(
            lines.contains(
                &format!(
                    "mpatch: {}: is a FIFO (named pipe), not a regular file",
                    name(&fifo)
                )
                .as_str()
            ),
            "{err}"
        );
        assert!(
            lines.contains(
                &format!("mpatch: {}: is a socket, not a regular file", name(&socket)).as_str()
            ),
            "{err}"
        );
        assert!(
            lines.contains(&"mpatch: /dev/null: is a character device, not a regular file"),
            "{err}"
        );
        assert!(stdout(&out).contains(&name(&a)), "{command:?}");
    }
    // Nothing was waited on: the FIFO has no writer.
    assert!(started.elapsed() < Duration::from_secs(20));
    // The real replace patches the regular file (twice named: once).
    let out = within(
        bin()
            .args(["replace", "ERROR", "FIXED", "--files-from"])
            .arg(&list),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(fs::read(&a).unwrap(), b"FIXED\n");
}

#[test]
fn standard_input_is_searched_with_the_offsets_of_the_file() {
    let s = Sandbox::new();
    let mut bytes = Vec::new();
    for i in 0..50_000 {
        bytes.extend_from_slice(if i % 13 == 0 {
            b"..ERROR\n"
        } else {
            b"x-y-z-w\n"
        });
    }
    let f = s.file("f", &bytes);
    let from_file = mpatch()
        .args(["find", "-C", "3", "ERROR"])
        .arg(&f)
        .output()
        .unwrap();
    for args in [
        vec!["find", "-C", "3", "ERROR"],
        vec!["find", "-C", "3", "ERROR", "-"],
    ] {
        let out = mpatch()
            .args(&args)
            .pipe_stdin(&f)
            .unwrap()
            .output()
            .unwrap();
        assert_eq!(stdout(&out), stdout(&from_file), "{args:?}");
    }
    let count = mpatch()
        .args(["find", "-c", "ERROR"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    assert_eq!(stdout(&count), format!("{}\n", 50_000 / 13 + 1));
    let peek = mpatch()
        .args(["peek", "-", "7995", "20"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    let from_file = mpatch()
        .arg("peek")
        .arg(&f)
        .args(["7995", "20"])
        .output()
        .unwrap();
    assert_eq!(stdout(&peek), stdout(&from_file));
    let tail = mpatch()
        .args(["peek", "-f", "hex", "-", "-4"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    assert_eq!(
        stdout(&tail),
        "772d780a\n".replace("772d780a", &hex(&bytes[bytes.len() - 4..]))
    );
}

#[test]
fn a_match_split_across_two_reads_of_a_pipe_is_found_once() {
    let mut child = Command::new(BIN)
        .args(["find", "--byte-context", "2", "ERROR"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(b"abcERR").unwrap();
    input.flush().unwrap();
    // Only once mpatch has read the first part (the pipe holds nothing) is
    // the rest written, so its reads are split inside the match for sure.
    wait_until(
        "mpatch read the first part",
        Duration::from_secs(20),
        || rustix::io::ioctl_fionread(&input).unwrap() == 0,
    );
    input.write_all(b"ORdefERROR").unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out), "3: bc[ERROR]de\n11: ef[ERROR]\n");
}

#[test]
fn a_fifo_is_searched_by_find_and_refused_by_replace() {
    let s = Sandbox::new();
    let fifo = s.path("fifo");
    assert!(sh(&format!("mkfifo {}", fifo.display())).status.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::write(fifo, b"one ERROR two ERROR").unwrap())
    };
    let out = mpatch()
        .args(["find", "ERROR"])
        .arg(&fifo)
        .output()
        .unwrap();
    writer.join().unwrap();
    assert_eq!(stdout(&out), "4\n14\n", "{}", stderr(&out));
    let out = mpatch()
        .args(["replace", "ERROR", "FIXED"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert_error(&out, &fifo.display().to_string(), "is a FIFO");
    let out = mpatch()
        .args(["replace", "ERROR", "FIXED", "-"])
        .output()
        .unwrap();
    assert_error(&out, "-", "standard input cannot be mapped");
}
