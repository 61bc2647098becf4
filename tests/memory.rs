//! Memory stays bounded whatever the file's size or the number of matches:
//! nothing holds all the matches, and finished stretches of the mapping are
//! unmapped (a dry run's copy-on-write pages included).

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
