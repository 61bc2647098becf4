#!/usr/bin/env python3
"""Benchmark mpatch against ripgrep, grep, sed, sd, perl and Python's mmap.

One command, from anywhere:  python3 bench/run.py [--size 1G] [--reps 5] [--out DIR]

It installs the peer tools it lacks, builds mpatch, generates a deterministic
log file, times every command with the file in the page cache (repetitions
interleaved round-robin, medians reported), checks that all tools agree, and
writes results.md, results.json and chart.svg. See bench/README.md.
"""

import argparse
import functools
import hashlib
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import report

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TOOLS = BENCH / ".tools"

CONTENT_VERSION = 1          # bump when the generated log's content changes
SEED = 20261129
BLOCK_BYTES = 4 << 20        # the generator's unit of distinct content
ERRORS_PER_GIB = 13_000      # ERROR lines in a 1 GiB log (about 1 in 1,000 lines)
PATTERN, REPLACEMENT = "ERROR", "FIXED"
NEEDLE, NEEDLE_REPLACEMENT = "NEEDLE", "PINNED"   # exactly one in the log
ABSENT = "QZXJV"             # never generated: a search for it is a pure scan
HEAP_LIMIT_MIB = 32
GNU_TIME = "/usr/bin/time"   # Debian package `time`
MEMCHECK_BYTES = 256 << 20

PY_COUNT = """
import mmap, sys
pat = sys.argv[1].encode()
with open(sys.argv[2], "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
    n, i = 0, mm.find(pat)
    while i >= 0:
        n += 1
        i = mm.find(pat, i + len(pat))
print(n)
"""

PY_REPLACE = """
import mmap, sys
pat, rep = sys.argv[1].encode(), sys.argv[2].encode()
with open(sys.argv[3], "r+b") as f, mmap.mmap(f.fileno(), 0) as mm:
    n, i = 0, mm.find(pat)
    while i >= 0:
        mm[i:i + len(pat)] = rep
        n += 1
        i = mm.find(pat, i + len(pat))
    if sys.argv[4:] == ["flush"]:
        mm.flush()
print(n)
"""


# ---------------------------------------------------------------- setup

def parse_size(text):
    """Parse '64M', '1G', '512K' or a byte count (binary units)."""
    m = re.fullmatch(r"(\d+)([KMG]?)(?:i?B)?", text.strip(), re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (use e.g. 64M, 1G)")
    return int(m[1]) << {"": 0, "K": 10, "M": 20, "G": 30}[m[2].upper()]


@functools.cache
def apt_update():
    """Refresh apt's package lists, once per run."""
    print("+ apt-get update", flush=True)
    subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL)


def apt_install(package):
    """apt-get install a Debian package."""
    apt_update()
    print(f"+ apt-get install -y {package}", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", package], check=True,
                   stdout=subprocess.DEVNULL)


def supports_fixed_strings(sd):
    """True if this sd has -F/--fixed-strings (sd >= 1.0; Debian 12 ships 0.7.6)."""
    try:
        help_text = subprocess.run([sd, "--help"], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "--fixed-strings" in help_text


def ensure_tools():
    """Return paths of the peer tools, installing ripgrep and sd if missing."""
    if not shutil.which("rg"):
        apt_install("ripgrep")
    if not os.access(GNU_TIME, os.X_OK):
        apt_install("time")
    sd = next((c for c in [str(TOOLS / "bin" / "sd"), shutil.which("sd")]
               if c and supports_fixed_strings(c)), None)
    if sd is None:
        print(f"+ cargo install sd --locked --root {TOOLS}  (Debian's sd is too old for -F)",
              flush=True)
        subprocess.run(["cargo", "install", "sd", "--locked", "--root", str(TOOLS)], check=True)
        sd = str(TOOLS / "bin" / "sd")
    tools = {"rg": shutil.which("rg"), "sd": sd}
    for name in ["grep", "sed", "perl", "sync", "sh"]:
        tools[name] = shutil.which(name)
        if not tools[name]:
            sys.exit(f"bench: {name} not found")
    tools["python3"] = sys.executable
    return tools


def build_mpatch():
    """Build mpatch in release mode; return the binary's path, or None if the build fails."""
    print("+ cargo build --release --locked", flush=True)
    result = subprocess.run(["cargo", "build", "--release", "--locked"], cwd=REPO)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    binary = (REPO / target / "release" / "mpatch").resolve()
    if result.returncode != 0 or not binary.exists():
        print("\n*** mpatch DID NOT BUILD: its rows and the spec checks are skipped ***\n",
              flush=True)
        return None
    return str(binary)


def tool_versions(tools, mpatch):
    """First line of each tool's version output."""
    def first_line(argv):
        out = subprocess.run(argv, capture_output=True, text=True)
        lines = (out.stdout or out.stderr).strip().splitlines()
        return lines[0] if lines else "?"
    versions = {
        "rg": first_line([tools["rg"], "--version"]),
        "grep": first_line([tools["grep"], "--version"]),
        "sed": first_line([tools["sed"], "--version"]),
        "sd": first_line([tools["sd"], "--version"]),
        "perl": first_line([tools["perl"], "-e", 'print "perl $^V\\n"']),
        "python": f"Python {platform.python_version()}",
    }
    if mpatch:
        commit = first_line(["git", "-C", str(REPO), "describe", "--always", "--dirty"])
        versions["mpatch"] = first_line([mpatch, "--version"]) + f" (commit {commit})"
    return versions


def machine_info(work):
    """nproc, memory, CPU model, kernel and the work directory's file system."""
    meminfo = Path("/proc/meminfo").read_text()
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo)[1])
    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    df = subprocess.run(["df", "-T", str(work)], capture_output=True, text=True).stdout
    return {
        "nproc": os.cpu_count(),
        "mem_total_gib": round(mem_kib / (1 << 20), 1),
        "cpu": cpu[1].strip() if cpu else platform.processor(),
        "kernel": platform.release(),
        "work_fs": df.splitlines()[1].split()[1],
        "work_dir": str(work),
    }


# ---------------------------------------------------------------- input

LEVELS = ["INFO ", "DEBUG", "WARN ", "TRACE"]
LEVEL_WEIGHTS = [70, 18, 8, 4]
COMPONENTS = ["worker", "api", "scheduler", "cache", "db-pool", "auth", "ingest"]
MESSAGES = ["request served", "cache hit", "cache miss", "connection closed",
            "job finished", "retry scheduled", "session renewed", "upstream slow"]
ERROR_MESSAGES = ["upstream timeout", "write failed", "connection reset", "bad checksum"]


def log_line(rng, ms, level, message):
    """One log line at `ms` milliseconds after midnight."""
    s, frac = divmod(ms, 1000)
    h, m = divmod(s // 60, 60)
    return (f"2026-11-29T{h % 24:02}:{m:02}:{s % 60:02}.{frac:03}Z {level} "
            f"{rng.choice(COMPONENTS)}-{rng.randrange(32)} {message} "
            f"id={rng.getrandbits(48):012x} bytes={rng.randrange(1, 1 << 20)}\n")


def make_block(rng, errors):
    """About BLOCK_BYTES of log lines holding exactly `errors` ERROR lines."""
    stamps, lines, size, ms = [], [], 0, rng.randrange(86_400_000)
    while size < BLOCK_BYTES:
        ms += rng.randrange(1, 40)
        level = rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
        stamps.append(ms)
        lines.append(log_line(rng, ms, level, rng.choice(MESSAGES)))
        size += len(lines[-1])
    for i in rng.sample(range(len(lines)), errors):
        lines[i] = log_line(rng, stamps[i], "ERROR", rng.choice(ERROR_MESSAGES))
    return "".join(lines).encode()


def generate_log(path, size):
    """Write a deterministic log of exactly `size` bytes; return its match counts.

    A few distinct 4 MiB blocks are generated, then written in a seeded order,
    each rotated at a seeded line boundary; one NEEDLE line goes near the middle.
    """
    rng = random.Random(SEED)
    errors_per_block = round(ERRORS_PER_GIB * BLOCK_BYTES / (1 << 30))
    blocks = [make_block(rng, errors_per_block) for _ in range(8)]
    needle_line = (f"2026-11-29T12:00:00.000Z INFO  worker-0 {NEEDLE} reached "
                   f"id=000000000000 bytes=1\n").encode()
    written, counts = 0, {PATTERN: 0, NEEDLE: 0, ABSENT: 0}
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        while written < size:
            block = rng.choice(blocks)
            cut = block.index(b"\n", rng.randrange(len(block))) + 1
            chunk = block[cut:] + block[:cut]
            if written <= size // 2 < written + len(chunk):
                at = chunk.index(b"\n", size // 2 - written) + 1
                chunk = chunk[:at] + needle_line + chunk[at:]
            chunk = chunk[:size - written]
            for pattern in counts:
                counts[pattern] += chunk.count(pattern.encode())
            out.write(chunk)
            written += len(chunk)
    tmp.rename(path)
    return counts


def prepare_log(work, size):
    """Return (path, counts) of the benchmark log, reusing a cached one if it matches."""
    path, meta_path = work / f"log-{size}.log", work / f"log-{size}.json"
    want = {"version": CONTENT_VERSION, "size": size, "seed": SEED}
    if path.exists() and meta_path.exists() and path.stat().st_size == size:
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in want} == want:
            print(f"using cached {path} ({meta['counts']})", flush=True)
            return path, meta["counts"]
    print(f"generating {path} ({size} bytes)...", flush=True)
    start = time.perf_counter()
    counts = generate_log(path, size)
    os.sync()
    print(f"  done in {time.perf_counter() - start:.1f} s: {counts}", flush=True)
    if counts[NEEDLE] != 1 or counts[ABSENT] != 0:
        sys.exit(f"bench: generator bug: {counts}")
    meta_path.write_text(json.dumps({**want, "counts": counts}))
    return path, counts


def read_through(path):
    """Read a file once so that its pages are in the page cache."""
    buf = bytearray(8 << 20)
    with open(path, "rb", buffering=0) as f:
        while f.readinto(buf):
            pass


def fresh_copy(src, dst):
    """Copy src to dst, flush all dirty pages to disk and cache the copy (not timed).

    The copy is written with large plain write() calls, as the log itself
    was, so that its pages sit in the page cache the same way (large folios)
    and every tool meets the copy as `find` meets the original; a
    copy_file_range copy (shutil.copyfile) leaves small pages that make every
    page-mapping tool slower on the copy than on the original.
    """
    dst.unlink(missing_ok=True)
    with open(src, "rb") as inp, open(dst, "wb") as out:
        while chunk := inp.read(64 << 20):
            out.write(chunk)
    os.sync()
    read_through(dst)


# ---------------------------------------------------------------- running

def run(argv, sample_smaps=False):
    """Run argv to completion; return a dict of time, exit code, output and peak memory.

    Peak RSS and CPU time (user + system) come from GNU time, which reads
    them from the rusage that wait4 gives for its child.
    (Not wait4 in this script: Linux starts a child's ru_maxrss at the RSS
    high-water mark of the process that forked it, which for Python is
    larger than sed's own.) With sample_smaps, /proc/PID/smaps_rollup of the
    command is also read every 20 ms for the peak Anonymous (heap and private
    copy-on-write pages), Private_Dirty and Rss.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        proc = subprocess.Popen([GNU_TIME, "-f", "%M %U %S", "-o", rss.name, *argv],
                                stdout=out, stderr=err)
        peak = {"Anonymous": 0, "Private_Dirty": 0, "Rss": 0}
        while sample_smaps and proc.poll() is None:
            for key, kib in read_smaps_rollup(child_pid(proc.pid)).items():
                peak[key] = max(peak[key], kib)
            time.sleep(0.02)
        proc.wait()
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        maxrss, user, system = rss.read().splitlines()[-1].split()
        result = {"seconds": seconds, "rc": proc.returncode, "maxrss_kib": int(maxrss),
                  "cpu_seconds": float(user) + float(system),
                  "stdout": out.read().decode(errors="replace"),
                  "stderr": err.read().decode(errors="replace")}
    if sample_smaps:
        result["smaps_peak_kib"] = peak
    return result


def child_pid(pid):
    """The first child of a live process (the command GNU time runs), or None."""
    try:
        return int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
    except (OSError, IndexError):
        return None


def read_smaps_rollup(pid):
    """The Anonymous, Private_Dirty and Rss fields (KiB) of a live process, or {}."""
    if pid is None:
        return {}
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    return {k: int(v) for k, v in re.findall(r"^(Anonymous|Private_Dirty|Rss):\s+(\d+) kB",
                                              text, re.MULTILINE)}


def reported_count(stdout):
    """The match count a tool printed ('N', 'FILE: N replaced'), 0 if it printed nothing."""
    m = re.search(r"(\d+)(?: (?:would be )?replaced)?\s*$", stdout)
    return int(m[1]) if m else (0 if not stdout.strip() else None)


@dataclass
class Case:
    """One benchmarked command line in a group of comparable commands."""
    key: str
    group: str
    label: str
    argv: list                 # "{F}" stands for the file
    writes: bool = False       # runs on a fresh copy of the log
    expect: int | None = None  # the count it must print, if it prints one
    miss_ok: bool = False      # exit status 1 (no match) is normal
    runs: list = field(default_factory=list)
    failure: str | None = None
    digest: str | None = None  # sha256 of the file it wrote (first run)

    def command(self, path):
        """The argv with the file path filled in."""
        return [str(path) if a == "{F}" else a for a in self.argv]


def and_sync(argv):
    """A shell command running argv (whose last word is the file), then `sync FILE`."""
    return ["sh", "-c", shlex.join(argv[:-1]) + ' "$1" && sync "$1"', "sh", argv[-1]]


def make_cases(tools, mpatch, counts):
    """All benchmarked commands, grouped; the first of each group is its reference."""
    mp, py = mpatch or "mpatch", tools["python3"]
    n, F = counts[PATTERN], "{F}"
    s_cmd = f"s/{PATTERN}/{REPLACEMENT}/g"
    groups = {
        "search": f"search: count `{PATTERN}` ({n:,} matches)",
        "scan": f"search: absent pattern `{ABSENT}` (pure scan)",
        "replace": f"replace `{PATTERN}`→`{REPLACEMENT}` ({n:,} matches), not synced",
        "durable": f"replace `{PATTERN}`→`{REPLACEMENT}` ({n:,} matches), durable (on disk)",
        "one": f"replace one match `{NEEDLE}`→`{NEEDLE_REPLACEMENT}`",
    }
    sub1 = f"s/{NEEDLE}/{NEEDLE_REPLACEMENT}/g"
    rg, grep, sed, sd, perl = (tools[t] for t in ("rg", "grep", "sed", "sd", "perl"))
    cases = [
        Case("find", "search", "mpatch find -c", [mp, "find", "-c", PATTERN, F], expect=n),
        Case("rg", "search", "rg -c -F", [rg, "-c", "-F", PATTERN, F], expect=n),
        Case("grep", "search", "grep -c -F", [grep, "-c", "-F", PATTERN, F], expect=n),
        Case("py_find", "search", "python mmap.find loop",
             [py, "-c", PY_COUNT, PATTERN, F], expect=n),
        Case("find_absent", "scan", "mpatch find -c",
             [mp, "find", "-c", ABSENT, F], expect=0, miss_ok=True),
        Case("rg_absent", "scan", "rg -c -F",
             [rg, "-c", "-F", ABSENT, F], expect=0, miss_ok=True),
        Case("replace", "replace", "mpatch replace --no-sync",
             [mp, "replace", "--no-sync", PATTERN, REPLACEMENT, F], writes=True, expect=n),
        Case("sed", "replace", "sed -i", [sed, "-i", s_cmd, F], writes=True),
        Case("sd", "replace", "sd -F", [sd, "-F", PATTERN, REPLACEMENT, F], writes=True),
        Case("perl", "replace", "perl -pi", [perl, "-pi", "-e", s_cmd, F], writes=True),
        Case("py_replace", "replace", "python mmap slice loop",
             [py, "-c", PY_REPLACE, PATTERN, REPLACEMENT, F], writes=True, expect=n),
        Case("replace_durable", "durable", "mpatch replace (msync)",
             [mp, "replace", PATTERN, REPLACEMENT, F], writes=True, expect=n),
        Case("replace_sync", "durable", "mpatch replace --no-sync && sync F",
             and_sync([mp, "replace", "--no-sync", PATTERN, REPLACEMENT, F]),
             writes=True, expect=n),
        Case("sed_sync", "durable", "sed -i && sync F",
             and_sync([sed, "-i", s_cmd, F]), writes=True),
        Case("sd_sync", "durable", "sd -F && sync F",
             and_sync([sd, "-F", PATTERN, REPLACEMENT, F]), writes=True),
        Case("py_replace_flush", "durable", "python mmap slice loop + flush()",
             [py, "-c", PY_REPLACE, PATTERN, REPLACEMENT, F, "flush"], writes=True, expect=n),
        Case("one_replace", "one", "mpatch replace --no-sync",
             [mp, "replace", "--no-sync", NEEDLE, NEEDLE_REPLACEMENT, F], writes=True, expect=1),
        Case("one_replace_durable", "one", "mpatch replace (msync)",
             [mp, "replace", NEEDLE, NEEDLE_REPLACEMENT, F], writes=True, expect=1),
        Case("one_sed", "one", "sed -i", [sed, "-i", sub1, F], writes=True),
        Case("one_sd", "one", "sd -F", [sd, "-F", NEEDLE, NEEDLE_REPLACEMENT, F], writes=True),
        Case("one_perl", "one", "perl -pi", [perl, "-pi", "-e", sub1, F], writes=True),
        Case("one_py", "one", "python mmap slice loop",
             [py, "-c", PY_REPLACE, NEEDLE, NEEDLE_REPLACEMENT, F], writes=True, expect=1),
    ]
    if mpatch is None:
        for case in cases:
            if case.label.startswith("mpatch"):
                case.failure = "mpatch did not build"
    return groups, cases


def run_case(case, log, scratch, first):
    """Time one run of a case; on the first rep also check its output and hash what it wrote."""
    target = log
    if case.writes:
        fresh_copy(log, scratch)
        target = scratch
    result = run(case.command(target))
    ok_codes = (0, 1) if case.miss_ok else (0,)
    count = reported_count(result["stdout"])
    if result["rc"] not in ok_codes:
        case.failure = f"exit {result['rc']}: {result['stderr'].strip()[:200]}"
    elif case.expect is not None and count != case.expect:
        case.failure = f"printed {result['stdout'].strip()[:100]!r}, expected count {case.expect}"
    if case.failure:
        print(f"  !! {case.group}/{case.label} FAILED: {case.failure}", flush=True)
        return
    case.runs.append({k: result[k] for k in ("seconds", "cpu_seconds", "maxrss_kib")})
    if case.writes and first:
        with open(target, "rb") as f:
            case.digest = hashlib.file_digest(f, "sha256").hexdigest()
    print(f"  {case.key:<20} {result['seconds']:8.3f} s  {result['cpu_seconds']:7.2f} s CPU"
          f"  {result['maxrss_kib'] / 1024:8.1f} MiB", flush=True)


def verify_outputs(cases):
    """Check that every tool wrote the same bytes in each replace task; return the problems."""
    problems = []
    for task in [("replace", "durable"), ("one",)]:
        digests = {c.label + f" [{c.group}]": c.digest for c in cases
                   if c.group in task and c.digest}
        if len(set(digests.values())) > 1:
            lines = "\n".join(f"    {d[:16]}  {name}" for name, d in digests.items())
            problems.append(f"outputs differ in {'/'.join(task)}:\n{lines}")
    for problem in problems:
        print(f"\n*** MISMATCH: {problem}\n", flush=True)
    return problems


def benchmark(cases, log, work, reps):
    """Run all cases `reps` times, round-robin, the log warm in the page cache."""
    scratch = work / "scratch.log"
    # The searches read a copy made as the replace copies are, so that both
    # meet the file's pages in the same state (the cached log itself may
    # have been evicted and read back in smaller pages since it was made).
    searched = work / "searched.log"
    fresh_copy(log, searched)
    for rep in range(reps):
        print(f"rep {rep + 1}/{reps}", flush=True)
        for case in cases:
            if not case.failure:
                run_case(case, searched, scratch, first=(rep == 0))
            scratch.unlink(missing_ok=True)
    searched.unlink(missing_ok=True)


# ---------------------------------------------------------------- memory check

def memory_check(mpatch, work):
    """Peak memory of mpatch on a 256 MiB file of 'a' (128 Mi matches of 'aa')."""
    path = work / "memcheck-a.bin"
    with open(path, "wb") as f:
        for _ in range(MEMCHECK_BYTES >> 20):
            f.write(b"a" * (1 << 20))
    os.sync()
    read_through(path)
    expect = MEMCHECK_BYTES // 2
    results = []
    for args in (["find", "-c", "aa"], ["replace", "--dry-run", "aa", "bb"],
                 ["replace", "--no-sync", "aa", "bb"]):
        argv = [mpatch, *args, str(path)]
        result = run(argv, sample_smaps=True)
        ok = result["rc"] == 0 and reported_count(result["stdout"]) == expect
        peak = result["smaps_peak_kib"]
        output = result["stdout"] + result["stderr"]
        entry = {
            "command": "mpatch " + " ".join(args) + f" <{MEMCHECK_BYTES >> 20} MiB of a>",
            "ok": ok, "output": output.replace(str(path), path.name).strip()[:200],
            "seconds": result["seconds"], "maxrss_mib": result["maxrss_kib"] / 1024,
            "anon_mib": peak["Anonymous"] / 1024,
            "private_dirty_mib": peak["Private_Dirty"] / 1024,
            "smaps_rss_mib": peak["Rss"] / 1024,
        }
        results.append(entry)
        print(f"  {entry['command']}: {entry['seconds']:.2f} s, RSS {entry['maxrss_mib']:.1f} MiB,"
              f" Anonymous {entry['anon_mib']:.1f} MiB, Private_Dirty "
              f"{entry['private_dirty_mib']:.1f} MiB, ok={ok}", flush=True)
    path.unlink()
    return results


def ignored_tests():
    """Run `cargo test --release --locked -- --ignored`; return pass/fail and the summary."""
    argv = ["cargo", "test", "--release", "--locked", "--", "--ignored"]
    print("+ " + " ".join(argv), flush=True)
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=1800)
        rc, output = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired:
        rc, output = None, "timed out after 30 minutes"
    summary = re.findall(r"^test result: .*$", output, re.MULTILINE)
    passed = sum(int(m) for m in re.findall(r"test result: \w+\. (\d+) passed", output))
    failed = sum(int(m) for m in re.findall(r"(\d+) failed", "\n".join(summary)))
    result = {"command": " ".join(argv), "rc": rc, "ok": rc == 0, "passed": passed,
              "failed": failed, "seconds": time.perf_counter() - start,
              "tail": "\n".join(output.strip().splitlines()[-15:])}
    print(f"  exit {rc}: {passed} passed, {failed} failed", flush=True)
    if rc != 0:
        print(result["tail"], flush=True)
    return result


# ---------------------------------------------------------------- main

def main():
    """Parse options, run everything, write the reports."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("1G"),
                        help="size of the generated log (default 1G; e.g. 64M for a quick check)")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions (default 5)")
    parser.add_argument("--out", type=Path, default=BENCH / "results",
                        help="results directory (default bench/results)")
    parser.add_argument("--work", type=Path, default=BENCH / "work",
                        help="directory for the generated files (default bench/work)")
    parser.add_argument("--skip-memory", action="store_true",
                        help="skip the memory check and the ignored (large-file) tests")
    args = parser.parse_args()
    if args.size < 16 << 20:
        parser.error("--size must be at least 16M")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)

    tools = ensure_tools()
    mpatch = build_mpatch()
    log, counts = prepare_log(work, args.size)
    groups, cases = make_cases(tools, mpatch, counts)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    benchmark(cases, log, work, args.reps)
    load_after, seconds = os.getloadavg()[0], time.perf_counter() - start
    problems = verify_outputs(cases)

    memory, tests = None, None
    if mpatch and not args.skip_memory:
        print("memory check", flush=True)
        memory = memory_check(mpatch, work)
        tests = ignored_tests()

    results = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "size_bytes": args.size, "reps": args.reps, "counts": counts,
        "machine": machine_info(work),
        "versions": tool_versions(tools, mpatch),
        "groups": groups,
        "cases": [{
            "key": c.key, "group": c.group, "label": c.label,
            "command": shlex.join(c.command(Path("F"))).replace(f"{REPO}/", ""),
            "failure": c.failure,
            "seconds": [r["seconds"] for r in c.runs],
            "cpu_seconds": [r["cpu_seconds"] for r in c.runs],
            "maxrss_kib": [r["maxrss_kib"] for r in c.runs],
            "median_seconds": statistics.median(r["seconds"] for r in c.runs) if c.runs else None,
            "cpu_percent": 100 * statistics.median(r["cpu_seconds"] / r["seconds"] for r in c.runs)
            if c.runs else None,
            "peak_rss_mib": max(r["maxrss_kib"] for r in c.runs) / 1024 if c.runs else None,
            "output_sha256": c.digest,
        } for c in cases],
        "mismatches": problems,
        "memory_check": memory, "ignored_tests": tests,
        "heap_limit_mib": HEAP_LIMIT_MIB,
        "benchmark_seconds": seconds,
        "load_average": [load_before, load_after],
    }
    results["checks"] = report.spec_checks(results)
    report.write_all(results, args.out)
    if mpatch is None:
        sys.exit("bench: mpatch did not build; only the peer tools were measured")
    if problems or any(c.failure for c in cases):
        sys.exit("bench: some commands failed or disagreed (see above)")


if __name__ == "__main__":
    main()
