//! Memory stays bounded whatever the file's size, the number of matches or
//! the patch: nothing holds all the matches, finished stretches of the
//! mapping are given back, and an endless patch is read as it is used.

mod common;

use common::*;

const FILE_MIB: u64 = 96;
/// Well below the file's size: a run that kept every page it touched, or
/// every match, would go far past it.
const LIMIT_MIB: u64 = 56;

/// Peak resident memory of `mpatch ARGS`, in MiB, through wait4's rusage.
fn peak_rss_mib(args: &[&str]) -> (i32, u64) {
    let script = "import os,sys\n\
        pid=os.spawnv(os.P_NOWAIT,sys.argv[1],sys.argv[1:])\n\
        _,status,usage=os.wait4(pid,0)\n\
        print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(BIN)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .output()
        .unwrap();
    let text = stdout(&out);
    let last = text.lines().last().unwrap_or_default().to_string();
    let mut fields = last.split_whitespace().map(|f| f.parse::<i64>().unwrap());
    let (code, kib) = (fields.next().unwrap(), fields.next().unwrap());
    (code as i32, kib as u64 / 1024)
}

fn check(pattern_fill: &[u8], args: &[&str]) {
    let s = Sandbox::new();
    let f = s.file(
        "fill",
        pattern_fill.repeat((FILE_MIB << 20) as usize / pattern_fill.len()),
    );
    let path = f.to_string_lossy().into_owned();
    let mut full: Vec<&str> = args.to_vec();
    full.push(&path);
    let (code, mib) = peak_rss_mib(&full);
    assert_eq!(code, 0, "mpatch {args:?} failed");
    assert!(
        mib < LIMIT_MIB,
        "mpatch {args:?} on a {FILE_MIB} MiB file peaked at {mib} MiB resident"
    );
}

#[test]
fn counting_fifty_million_matches_stays_small() {
    check(b"ab", &["find", "-c", "ab"]);
}

#[test]
fn dry_run_of_fifty_million_matches_gives_back_its_copies() {
    // A split scan (ab) and a single walk (aa, which overlaps itself).
    check(b"ab", &["replace", "-n", "-q", "ab", "cd"]);
    check(b"a", &["replace", "-n", "-q", "aa", "bb"]);
}

#[test]
fn replace_of_fifty_million_matches_stays_small() {
    check(b"ab", &["replace", "-q", "--no-sync", "ab", "cd"]);
}

/// Peak resident memory of `mpatch ARGS` reading an endless patch that
/// `feeder` (a shell command) writes to its standard input: its exit code
/// (`None`: still running after `seconds`, then killed) and MiB.
fn fed_peak_mib(feeder: &str, args: &[&str], seconds: f64) -> (Option<i32>, u64) {
    let script = "import os,signal,subprocess,sys,time\n\
        feeder=subprocess.Popen(sys.argv[1],shell=True,stdout=subprocess.PIPE)\n\
        child=subprocess.Popen(sys.argv[3:],stdin=feeder.stdout,stdout=subprocess.DEVNULL)\n\
        feeder.stdout.close()\n\
        deadline=time.time()+float(sys.argv[2])\n\
        code='running'\n\
        while True:\n\
        \x20   pid,status,usage=os.wait4(child.pid,os.WNOHANG)\n\
        \x20   if pid:\n\
        \x20       code=os.waitstatus_to_exitcode(status)\n\
        \x20       break\n\
        \x20   if time.time()>deadline:\n\
        \x20       os.kill(child.pid,signal.SIGKILL)\n\
        \x20       _,_,usage=os.wait4(child.pid,0)\n\
        \x20       break\n\
        \x20   time.sleep(0.02)\n\
        feeder.kill()\n\
        feeder.wait()\n\
        print(code,usage.ru_maxrss)";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(feeder)
        .arg(seconds.to_string())
        .arg(BIN)
        .args(args)
        .stderr(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = stdout(&out);
    let mut fields = text.split_whitespace();
    let code = fields.next().and_then(|code| code.parse().ok());
    let kib: u64 = fields.next().unwrap().parse().unwrap();
    (code, kib / 1024)
}

/// An endless stream of IPS records, each at `offset`, from Python.
fn endless_ips(offset: u32) -> String {
    format!(
        "python3 -c 'import sys\n\
         o=sys.stdout.buffer\n\
         o.write(b\"PATCH\")\n\
         r=(({offset}).to_bytes(3,\"big\")+b\"\\x00\\x02ab\"+(({offset}+3)).to_bytes(3,\"big\")+b\"\\x00\\x03xyz\")*4096\n\
         while True: o.write(r)'"
    )
}

/// The most an endless patch may make apply hold.
const PATCH_LIMIT_MIB: u64 = 24;

#[test]
fn endless_patches_past_the_end_stop_at_their_first_region() {
    let s = Sandbox::new();
    let file = s.file("f", b"0123456789abcdefgh");
    let path = file.to_string_lossy().into_owned();
    let before = snapshot(&file);
    let feeders = [
        // cmp -l lines: ascending offsets are required, so a repeat is an
        // error at once.
        "yes '1 101 102'".to_string(),
        // Ascending, until past the end at line 19.
        "awk 'BEGIN { for (i = 1; ; i++) print i, 101, 102 }'".to_string(),
        "(echo 'mpatch patch 1 size 18'; awk 'BEGIN { for (i = 100; ; i++) print i, 61, 62 }')"
            .to_string(),
        endless_ips(0x100),
    ];
    for feeder in feeders {
        let (code, mib) = fed_peak_mib(&feeder, &["apply", "-", &path], 20.0);
        assert_eq!(code, Some(2), "{feeder}");
        assert!(mib < PATCH_LIMIT_MIB, "{feeder}: peaked at {mib} MiB");
        assert_unchanged_since(&file, &before);
    }
}

#[test]
fn an_endless_ips_of_records_inside_the_file_holds_each_byte_once() {
    // Every record is inside the file, so the patch is read on (a patch
    // without an end has no last region to stop at) until killed: what
    // apply holds is bounded by the bytes it changes, not the records.
    let s = Sandbox::new();
    let file = s.file("f", b"0123456789abcdefgh");
    let path = file.to_string_lossy().into_owned();
    let before = snapshot(&file);
    let (code, mib) = fed_peak_mib(&endless_ips(2), &["apply", "-", &path], 3.0);
    assert_eq!(code, None, "the endless patch ended");
    assert!(mib < PATCH_LIMIT_MIB, "peaked at {mib} MiB");
    assert_unchanged_since(&file, &before);
}

/// Peak anonymous memory (the heap: not the file's pages, which a
/// mapping shares with the page cache) of `mpatch ARGS`, in MiB, sampled
/// from /proc every few milliseconds; and its exit code.
fn peak_heap_mib(args: &[&str]) -> (i32, u64) {
    let script = "import subprocess,sys,time\n\
        p=subprocess.Popen(sys.argv[1:],stdout=subprocess.DEVNULL)\n\
        peak=0\n\
        while p.poll() is None:\n\
        \x20   try:\n\
        \x20       for l in open('/proc/%d/status'%p.pid):\n\
        \x20           if l.startswith('RssAnon'): peak=max(peak,int(l.split()[1]))\n\
        \x20   except OSError: pass\n\
        \x20   time.sleep(0.003)\n\
        print(p.returncode,peak)";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(BIN)
        .args(args)
        .output()
        .unwrap();
    let text = stdout(&out);
    let mut fields = text.split_whitespace().map(|f| f.parse::<i64>().unwrap());
    let (code, kib) = (fields.next().unwrap(), fields.next().unwrap());
    (code as i32, kib as u64 / 1024)
}

#[test]
fn applying_a_patch_of_millions_of_regions_keeps_the_heap_small() {
    // Every other byte of 8 MiB changes: four million regions, which a
    // BPS reader once kept twice in vectors of their own (600 MiB) and
    // which now wait in a temporary file past the first MiB.
    let s = Sandbox::new();
    let old: Vec<u8> = (0..8u32 << 20).map(|i| (i % 251) as u8).collect();
    let mut new = old.clone();
    new.iter_mut().step_by(2).for_each(|b| *b ^= 0xff);
    let a = s.file("a", &old);
    let b = s.file("b", &new);
    for format in ["bps", "ups", "ppf", "mpatch"] {
        let patch = s.path(&format!("p.{format}"));
        let made = sh(&format!(
            "{BIN} diff --format {format} {} {} > {}",
            a.display(),
            b.display(),
            patch.display()
        ));
        assert_eq!(made.status.code(), Some(1), "diff --format {format}");
        let c = s.file("c", &old);
        let (patch, c_path) = (patch.to_string_lossy(), c.to_string_lossy());
        let (code, mib) = peak_heap_mib(&["apply", "-q", "--no-sync", &patch, &c_path]);
        assert_eq!(code, 0, "apply {format}");
        assert!(mib < 32, "apply {format} peaked at {mib} MiB of heap");
        assert!(
            std::fs::read(&c).unwrap() == new,
            "apply {format} wrote other bytes"
        );
    }
}

#[test]
fn peek_from_a_stream_s_end_keeps_at_most_16_mib() {
    // A negative OFFSET on a stream keeps the stream's last bytes until it
    // ends: as far back as allowed, that stays within the heap's bound.
    let feeder = "head -c 41943040 /dev/zero";
    let (code, mib) = fed_peak_mib(feeder, &["peek", "-", "--", "-16777216", "16"], 20.0);
    assert_eq!(code, Some(0));
    assert!(mib < 32, "peaked at {mib} MiB");
    let out = sh(&format!("{feeder} | {BIN} peek -f hex - -- -16777216 4"));
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "00000000\n".into())
    );
    let out = sh(&format!("{feeder} | {BIN} peek - -- -16777217 4"));
    assert_error_line(
        &out,
        "OFFSET",
        "on a stream, a negative OFFSET reaches back at most 16777216 bytes",
    );
}
