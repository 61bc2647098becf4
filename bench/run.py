#!/usr/bin/env python3
"""Benchmark mpatch against ripgrep, grep, sed, sd, perl and Python's mmap.

One command, from anywhere:  python3 bench/run.py [--size 1G] [--reps 5] [--out DIR]

It installs the peer tools it lacks, builds mpatch, generates a deterministic
log file, times every command in three page-cache states (just written, read
back from the disk, cold; repetitions interleaved round-robin, medians
reported), counts the bytes each durable replace writes to a loop-mounted
ext4, checks that all tools agree, and writes results.md, results.json and
chart.svg. See bench/README.md.
"""

import argparse
import dataclasses
import functools
import hashlib
import json
import mmap
import os
import platform
import random
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import report
import rows

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

# Many patterns, trees and sparse files (see rows.py): on a just-written file only.
MASK_REGEX = "id=[0-9a-f]{12}"   # log_line's id: `id=` and 12 hex digits, always 15 bytes
MASK_BYTE, MASK_WIDTH = "X", 15
VERY_SLOW_REPS = 1           # sed with the 100 substitutions (~90 s a run on 1 GiB): 1 run
SPARSE_SIZE = 64 << 30
SPARSE_TIMEOUT = 120         # seconds rg may take on the sparse file (it reads the holes)
SPARSE_ALLOCATED_LIMIT = 16 << 20   # the sparse file must take at most this on the disk

# Every core against one (issue 17): `taskset -c 0` pins a command to one
# core; ripgrep counts matches with --count-matches, as `find -c` does.
CORES_REGEX = "id=[0-9a-f]{8}"   # the fixed-shape regex of the cores rows
FOLD_PATTERN = "error"           # `-i`: every ERROR, in any case
DENSE_BYTES = 256 << 20          # the dense file: `a` only (at most a quarter of --size)
DENSE, DENSE_REPLACEMENT = "aa", "bb"   # matches every 2 bytes, overlapping itself
FLOOR_SOURCE = BENCH / "floor.c"  # one bare pwrite per match (see floor_tool)

# Page-cache states every timed command meets (see set_state).
STATES = {
    "written": "just written with large write() calls and synced: in the page cache "
               "in large folios",
    "readback": "evicted (fsync + POSIX_FADV_DONTNEED, checked with fincore), then "
                "read once with 128 KiB read() calls: in the page cache as read back",
    "cold": "evicted (fsync + POSIX_FADV_DONTNEED, checked with fincore) and not read: "
            "on the disk only",
}
READBACK_CHUNK = 128 << 10   # read size of the read-back (that of cat and cp)
SLOW_TOOLS = ("sed", "sd", "perl")   # ~5 s a run on 1 GiB: fewer reps (--slow-reps)

# Bytes written to the disk: durable replaces on a loop-mounted ext4.
DISK_STATES = ("written", "readback")
DISK_CASES = ("replace_durable", "replace_sync", "sed", "sd", "perl", "py_replace_flush")
FLOOR_BLOCK = 4096
DISK_TARGET = (1.25, 4 << 20)   # mpatch's durable replace: at most 1.25 × floor + 4 MiB
SETTLE_QUIET, SETTLE_CAP = 1.0, 120.0   # seconds the counter must stand still; give-up
ATTEMPTS = 4                 # tries of a run whose file did not stay in its state
LONG_RUN = 30.0              # seconds past which a run is kept whatever it read
READ_SLACK = 1 << 20         # disk reads allowed to a command on a cached file (see run_in_state)

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


def ensure_tools(fastmod=True):
    """Return paths of the peer tools, installing ripgrep, sd and (for the tree) fastmod if missing."""
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
    tools = {"fastmod": next((c for c in [str(TOOLS / "bin" / "fastmod"), shutil.which("fastmod")]
                              if c and os.access(c, os.X_OK)), None)}
    if fastmod and tools["fastmod"] is None:
        print(f"+ cargo install fastmod --locked --root {TOOLS}", flush=True)
        subprocess.run(["cargo", "install", "fastmod", "--locked", "--root", str(TOOLS)],
                       check=True)
        tools["fastmod"] = str(TOOLS / "bin" / "fastmod")
    # fincore checks evictions; the others make the loop-mounted ext4.
    # (Debian 12 ships fincore in util-linux-extra, older ones in util-linux.)
    for program, packages in [("fincore", ["util-linux-extra", "util-linux"]),
                              ("losetup", ["mount"]), ("mount", ["mount"]),
                              ("mkfs.ext4", ["e2fsprogs"])]:
        for package in packages:
            if shutil.which(program):
                break
            try:
                apt_install(package)
            except subprocess.CalledProcessError:
                print(f"  ({package} not installable here)", flush=True)
    tools.update({"rg": shutil.which("rg"), "sd": sd})
    for name in ["grep", "sed", "perl", "sync", "sh", "cat", "taskset", "fincore", "losetup",
                 "mount", "umount", "mkfs.ext4"]:
        tools[name] = shutil.which(name)
        if not tools[name]:
            sys.exit(f"bench: {name} not found")
    tools["python3"] = sys.executable
    return tools


def floor_tool():
    """Build bench/floor.c (installing a C compiler if missing); return its path."""
    if not shutil.which("cc"):
        apt_install("gcc")
    TOOLS.mkdir(parents=True, exist_ok=True)
    binary = TOOLS / "pwrite-floor"
    subprocess.run([shutil.which("cc"), "-O2", "-Wall", "-o", str(binary), str(FLOOR_SOURCE)],
                   check=True)
    return str(binary)


def match_offsets(log, work, pattern=PATTERN):
    """The offsets of `pattern` in the log (non-overlapping), as little-endian u64s in a file."""
    path = work / f"offsets-{pattern}-{log.stat().st_size}.bin"
    if not path.exists():
        needle, out = pattern.encode(), bytearray()
        with open(log, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            i = mm.find(needle)
            while i >= 0:
                out += i.to_bytes(8, "little")
                i = mm.find(needle, i + len(needle))
        path.write_bytes(out)
    return path


def regex_count(log, work, regex):
    """Matches of `regex` in the log (Python's re, non-overlapping), cached in work."""
    key = hashlib.sha256(f"{regex}\0{log.stat().st_size}\0{CONTENT_VERSION}".encode())
    path = work / f"count-{key.hexdigest()[:16]}.json"
    if path.exists():
        return json.loads(path.read_text())["count"]
    rx, count = re.compile(regex.encode()), 0
    for _, chunk in log_chunks(log.stat().st_size):
        count += len(rx.findall(chunk))     # no id spans a chunk: chunks end at lines
    path.write_text(json.dumps({"regex": regex, "count": count}))
    return count


def dense_source(work, size):
    """The dense file: `size` bytes of `a`, written with large writes (written state only)."""
    path = work / f"dense-{size}.txt"

    def fresh(dst):
        with open(dst, "wb") as out:
            block = b"a" * (8 << 20)
            for at in range(0, size, len(block)):
                out.write(block[:size - at])
            out.flush()
            os.fsync(out.fileno())

    fresh(path)
    return Source("dense", path, work / "dense-scratch.txt", fresh, set_state,
                  lambda p: (sha256(p), None), lambda p: p.unlink(missing_ok=True), size)


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
    if tools.get("fastmod"):
        versions["fastmod"] = first_line([tools["fastmod"], "--version"])
    if tools.get("ips"):
        versions["python-ips"] = "python-ips " + first_line(
            [tools["ips"][0], "-c", "import importlib.metadata as m; print(m.version('python-ips'))"])
    if mpatch:
        commit = first_line(["git", "-C", str(REPO), "describe", "--always", "--dirty"])
        versions["mpatch"] = first_line([mpatch, "--version"]) + f" (commit {commit})"
    return versions


def damon_pageout():
    """A description of any running DAMON `pageout` scheme (read-only look at sysfs), or None.

    Such a scheme (a VM's way to give idle memory back to its host) evicts
    page-cache pages the benchmark has just put in the page cache; the runs
    check for that (see run_in_state).
    """
    found = []
    for kdamond in Path("/sys/kernel/mm/damon/admin/kdamonds").glob("[0-9]*"):
        try:
            if (kdamond / "state").read_text().strip() != "on":
                continue
            for ctx in (kdamond / "contexts").glob("[0-9]*"):
                aggr = int((ctx / "monitoring_attrs/intervals/aggr_us").read_text())
                for scheme in (ctx / "schemes").glob("[0-9]*"):
                    if (scheme / "action").read_text().strip() != "pageout":
                        continue
                    age = int((scheme / "access_pattern/age/min").read_text())
                    quota = int((scheme / "quotas/bytes").read_text())
                    reset = int((scheme / "quotas/reset_interval_ms").read_text())
                    found.append(f"DAMON pageout ({(ctx / 'operations').read_text().strip()}): "
                                 f"regions idle for {age * aggr / 1e6:g} s, at most "
                                 f"{quota >> 20} MiB per {reset} ms")
        except (OSError, ValueError):
            continue
    return "; ".join(found) or None


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
        "damon_pageout": damon_pageout(),
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


@functools.cache
def log_blocks():
    """(the seeded generator's state after them, the log's 8 distinct 4 MiB blocks of lines)."""
    rng = random.Random(SEED)
    errors_per_block = round(ERRORS_PER_GIB * BLOCK_BYTES / (1 << 30))
    blocks = [make_block(rng, errors_per_block) for _ in range(8)]
    return rng.getstate(), blocks


def log_chunks(size):
    """Yield (block index or None, chunk) making up the log of exactly `size` bytes.

    A few distinct 4 MiB blocks are generated, then written in a seeded order,
    each rotated at a seeded line boundary; one NEEDLE line goes near the middle.
    A chunk that is a whole rotated block (the same lines as that block) comes
    with the block's index; the chunk holding the NEEDLE and the last, cut
    chunk come with None.
    """
    state, blocks = log_blocks()
    rng = random.Random()
    rng.setstate(state)
    needle_line = (f"2026-11-29T12:00:00.000Z INFO  worker-0 {NEEDLE} reached "
                   f"id=000000000000 bytes=1\n").encode()
    written = 0
    while written < size:
        index = rng.choice(range(len(blocks)))
        block = blocks[index]
        cut = block.index(b"\n", rng.randrange(len(block))) + 1
        chunk = block[cut:] + block[:cut]
        if written <= size // 2 < written + len(chunk):
            at = chunk.index(b"\n", size // 2 - written) + 1
            chunk = chunk[:at] + needle_line + chunk[at:]
            index = None
        if len(chunk) > size - written:
            chunk = chunk[:size - written]
            index = None
        yield index, chunk
        written += len(chunk)


def generate_log(path, size):
    """Write the deterministic log of exactly `size` bytes (log_chunks); return its match counts."""
    counts = {PATTERN: 0, NEEDLE: 0, ABSENT: 0}
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        for _, chunk in log_chunks(size):
            for pattern in counts:
                counts[pattern] += chunk.count(pattern.encode())
            out.write(chunk)
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


def read_through(path, chunk=8 << 20):
    """Read a file once with plain read() calls of `chunk` bytes (puts it in the page cache)."""
    buf = bytearray(chunk)
    with open(path, "rb", buffering=0) as f:
        while f.readinto(buf):
            pass


COPY_BUFFER = bytearray(64 << 20)   # reused by write_copy: no 64 MiB allocation per chunk


def write_copy(src, dst):
    """Copy src to dst with large plain write() calls and fsync dst (not timed).

    Large writes, as the log itself was written, so that the copy's pages
    sit in the page cache as the log's do (large folios); a copy_file_range
    copy (shutil.copyfile) leaves small pages that make every page-mapping
    tool slower on the copy than on the original.
    """
    dst.unlink(missing_ok=True)
    buf = COPY_BUFFER
    with open(src, "rb", buffering=0) as inp, open(dst, "wb", buffering=0) as out:
        while n := inp.readinto(buf):
            view = memoryview(buf)[:n]
            while view:
                view = view[out.write(view):]
        os.fsync(out.fileno())


def fresh_copy(src, dst):
    """Copy src to dst, then flush every dirty page of the machine to disk (not timed).

    The global sync means that the durable figures count only what the tool
    itself writes.
    """
    write_copy(src, dst)
    os.sync()


class StateError(Exception):
    """A file could not be put in the page-cache state a run asks for."""


def cached_bytes(path):
    """Bytes of the file in the page cache, from fincore (mincore(2) on a mapping)."""
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


def evict(path, attempts=5):
    """Drop a file's pages from the page cache: fsync, then POSIX_FADV_DONTNEED, checked.

    DONTNEED skips dirty pages and pages under writeback (hence the fsync
    first) and pages still in a CPU's LRU batch (the kernel drains those and
    retries, but not always in one call), so it is repeated until fincore
    reports no cached byte.
    """
    for _ in range(attempts):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        left = cached_bytes(path)
        if left == 0:
            return
        time.sleep(0.2)
    raise StateError(f"could not evict {path}: {left} bytes still in the page cache")


def set_state(path, state):
    """Put a file (written and synced just before) in a page-cache state; return its cached bytes.

    written: left as the write put it (checked fully cached); readback:
    evicted, then read once with READBACK_CHUNK reads; cold: evicted.
    """
    size = path.stat().st_size
    if state in ("readback", "cold"):
        evict(path)
    if state == "readback":
        read_through(path, READBACK_CHUNK)
    cached = cached_bytes(path)
    want = 0 if state == "cold" else size
    if cached != want:
        raise StateError(f"{path.name} in state {state}: {cached} bytes cached, expected {want}")
    return cached


def folio_sizes(path):
    """How the file's cached pages are grouped into folios: {folio KiB: bytes}, or None.

    Maps the file (MAP_POPULATE, which only maps pages already cached for a
    cached file), reads each page's frame from /proc/self/pagemap and its
    compound-page flags from /proc/kpageflags (root only). A diagnostic of
    the states, not timed.
    """
    import ctypes
    size = path.stat().st_size
    pages = size // 4096
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    prot_read, map_shared, map_populate = 1, 1, 0x8000
    fd = os.open(path, os.O_RDONLY)
    addr = libc.mmap(None, size, prot_read, map_shared | map_populate, fd, 0)
    os.close(fd)
    if addr in (None, ctypes.c_void_p(-1).value):
        return None
    try:
        with open("/proc/self/pagemap", "rb") as pagemap, open("/proc/kpageflags", "rb") as kpf:
            pagemap.seek(addr // 4096 * 8)
            entries = memoryview(pagemap.read(pages * 8)).cast("Q")
            folios, run = {}, 0
            for entry in entries:
                pfn = entry & ((1 << 55) - 1)
                if not entry >> 63 or not pfn:      # not present, or no PFN (not root)
                    return None
                kpf.seek(pfn * 8)
                tail = int.from_bytes(kpf.read(8), "little") >> 16 & 1   # KPF_COMPOUND_TAIL
                if tail:
                    run += 1
                    continue
                if run:
                    folios[run * 4] = folios.get(run * 4, 0) + run * 4096
                run = 1
            folios[run * 4] = folios.get(run * 4, 0) + run * 4096
    except OSError:
        return None
    finally:
        libc.munmap(addr, size)
    return dict(sorted(folios.items()))


# ---------------------------------------------------------------- running

def run(argv, sample_smaps=False, timeout=None):
    """Run argv to completion; return a dict of time, exit code, output and peak memory.

    Peak RSS, CPU time (user + system) and the bytes read from the disk
    (ru_inblock: blocks of 512 bytes that the command and its waited-for
    children had read from the disk, by read() or by page faults) come from
    GNU time, which reads them from the rusage that wait4 gives for its child.
    (Not wait4 in this script: Linux starts a child's ru_maxrss at the RSS
    high-water mark of the process that forked it, which for Python is
    larger than sed's own.) With a timeout (seconds), a command still running
    then is killed with its process group and the result says
    timed_out. With sample_smaps, /proc/PID/smaps_rollup of the
    command is also read every 20 ms for the peak Anonymous (heap and private
    copy-on-write pages), Private_Dirty and Rss.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        proc = subprocess.Popen([GNU_TIME, "-f", "%M %U %S %I", "-o", rss.name, *argv],
                                stdout=out, stderr=err, start_new_session=timeout is not None)
        peak = {"Anonymous": 0, "Private_Dirty": 0, "Rss": 0}
        while sample_smaps and proc.poll() is None:
            for key, kib in read_smaps_rollup(child_pid(proc.pid)).items():
                peak[key] = max(peak[key], kib)
            time.sleep(0.02)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)     # the group of the command started here
            proc.wait()
            return {"seconds": time.perf_counter() - start, "rc": None, "timed_out": True,
                    "maxrss_kib": 0, "cpu_seconds": 0.0, "read_bytes": 0, "stdout": "",
                    "stderr": f"timed out after {timeout} s"}
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        maxrss, user, system, inblock = rss.read().splitlines()[-1].split()
        result = {"seconds": seconds, "rc": proc.returncode, "maxrss_kib": int(maxrss),
                  "cpu_seconds": float(user) + float(system), "read_bytes": int(inblock) * 512,
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


def reported_count(stdout, mode="last"):
    """The match count a tool printed ('N', 'FILE: N replaced'), 0 if it printed nothing.

    mode "sum": the sum of the counts ending the lines ('PATH:N' per file, as -c prints for a tree).
    """
    if mode == "sum":
        counts = [re.search(r"(\d+)\s*$", line) for line in stdout.splitlines() if line.strip()]
        return sum(int(m[1]) for m in counts) if all(counts) else None
    m = re.search(r"(\d+)(?: (?:would be )?replaced)?\s*$", stdout)
    return int(m[1]) if m else (0 if not stdout.strip() else None)


@dataclass
class Case:
    """One benchmarked command line in a group of comparable commands, in one page-cache state."""
    key: str
    group: str
    label: str
    argv: list                 # "{F}" stands for the file
    writes: bool = False       # runs on a fresh copy of the log
    expect: int | None = None  # the count it must print, if it prints one
    miss_ok: bool = False      # exit status 1 (no match) is normal
    state: str = "written"     # page-cache state of the file when the command starts
    slow: bool = False         # one of SLOW_TOOLS: timed only in the first --slow-reps reps
    source: str = "log"        # what {F} is: "log", "tree" or "sparse" (see Source)
    count: str = "last"        # how to read its printed count (reported_count's mode)
    max_reps: int | None = None   # timed in at most this many reps (VERY_SLOW_REPS)
    printed: int | None = None    # the count it printed (first run)
    timed_out: bool = False
    runs: list = field(default_factory=list)
    failure: str | None = None
    digest: str | None = None  # sha256 of the file it wrote (first run)
    redone: int = 0            # runs timed again: the file was not in its state (see run_case)
    lost: int = 0              # runs given up after ATTEMPTS tries

    @property
    def id(self):
        """Unique name: key@state."""
        return f"{self.key}@{self.state}"

    def command(self, path):
        """The argv with the file path filled in."""
        return [str(path) if a == "{F}" else a for a in self.argv]

    def runs_in(self, rep, slow_reps):
        """Whether this case is timed in round-robin rep `rep` (0-based)."""
        return ((rep < slow_reps or not self.slow)
                and (self.max_reps is None or rep < self.max_reps))


def and_sync(argv):
    """A shell command running argv (whose last word is the file), then `sync FILE`."""
    return ["sh", "-c", shlex.join(argv[:-1]) + ' "$1" && sync "$1"', "sh", argv[-1]]


def make_cases(tools, mpatch, counts, pairs=None, tree=None):
    """All benchmarked commands, grouped; the first of each group is its reference.

    The search, scan, replace and durable groups run in every state of
    STATES; the one-match group, and the many-pattern, mask and tree groups
    (if pairs and tree, from rows.py, are given), only on a just-written
    file or tree.
    """
    mp, py = mpatch or "mpatch", tools["python3"]
    n, F = counts[PATTERN], "{F}"
    s_cmd = f"s/{PATTERN}/{REPLACEMENT}/g"
    groups = {
        "search": f"search: count `{PATTERN}` ({n:,} matches)",
        "scan": f"search: absent pattern `{ABSENT}` (pure scan), and `cat` (the disk's speed)",
        "replace": f"replace `{PATTERN}`→`{REPLACEMENT}` ({n:,} matches), not synced",
        "durable": f"replace `{PATTERN}`→`{REPLACEMENT}` ({n:,} matches), durable (on disk)",
        "one": f"replace one match `{NEEDLE}`→`{NEEDLE_REPLACEMENT}`",
    }
    sub1 = f"s/{NEEDLE}/{NEEDLE_REPLACEMENT}/g"
    rg, grep, sed, sd, perl = (tools[t] for t in ("rg", "grep", "sed", "sd", "perl"))
    every_state = [
        Case("find", "search", "mpatch find -c", [mp, "find", "-c", PATTERN, F], expect=n),
        Case("rg", "search", "rg -c -F", [rg, "-c", "-F", PATTERN, F], expect=n),
        Case("grep", "search", "grep -c -F", [grep, "-c", "-F", PATTERN, F], expect=n),
        Case("py_find", "search", "python mmap.find loop",
             [py, "-c", PY_COUNT, PATTERN, F], expect=n),
        Case("find_absent", "scan", "mpatch find -c",
             [mp, "find", "-c", ABSENT, F], expect=0, miss_ok=True),
        Case("rg_absent", "scan", "rg -c -F",
             [rg, "-c", "-F", ABSENT, F], expect=0, miss_ok=True),
        Case("cat", "scan", "cat F > /dev/null",
             ["sh", "-c", 'cat "$1" > /dev/null', "sh", F]),
        Case("replace", "replace", "mpatch replace --no-sync",
             [mp, "replace", "--no-sync", PATTERN, REPLACEMENT, F], writes=True, expect=n),
        Case("sed", "replace", "sed -i", [sed, "-i", s_cmd, F], writes=True),
        Case("sd", "replace", "sd -F", [sd, "-F", PATTERN, REPLACEMENT, F], writes=True),
        Case("perl", "replace", "perl -pi", [perl, "-pi", "-e", s_cmd, F], writes=True),
        Case("py_replace", "replace", "python mmap slice loop",
             [py, "-c", PY_REPLACE, PATTERN, REPLACEMENT, F], writes=True, expect=n),
        # The floor: plus `find -c`'s own time, what a replace cannot beat.
        Case("pwrite_floor", "replace", "floor: C loop, one bare pwrite per match "
             "(+ find -c)", [tools["floor"], tools["offsets"], F, REPLACEMENT],
             writes=True, expect=n),
        Case("dry_run", "search", "mpatch replace --dry-run",
             [mp, "replace", "--dry-run", PATTERN, REPLACEMENT, F], expect=n),
        Case("replace_durable", "durable", "mpatch replace (durable)",
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
    ]
    written_only = [
        Case("one_replace", "one", "mpatch replace --no-sync",
             [mp, "replace", "--no-sync", NEEDLE, NEEDLE_REPLACEMENT, F], writes=True, expect=1),
        Case("one_replace_durable", "one", "mpatch replace (durable)",
             [mp, "replace", NEEDLE, NEEDLE_REPLACEMENT, F], writes=True, expect=1),
        Case("one_sed", "one", "sed -i", [sed, "-i", sub1, F], writes=True),
        Case("one_sd", "one", "sd -F", [sd, "-F", NEEDLE, NEEDLE_REPLACEMENT, F], writes=True),
        Case("one_perl", "one", "perl -pi", [perl, "-pi", "-e", sub1, F], writes=True),
        Case("one_py", "one", "python mmap slice loop",
             [py, "-c", PY_REPLACE, NEEDLE, NEEDLE_REPLACEMENT, F], writes=True, expect=1),
    ]
    cached_only = cores_cases(groups, tools, mp, counts, pairs)
    if tools.get("dense"):
        written_only += dense_cases(groups, tools, mp)
    if pairs:
        written_only += pair_cases(groups, tools, mp, pairs)
    if tree:
        written_only += tree_cases(groups, tools, mp, tree)
    written_only += rows.binary_cases(Case, groups, mp, PATTERN, n)
    if tools.get("ips"):
        written_only += rows.ips_cases(Case, groups, mp, *tools["ips"])
    cases = []
    for state in STATES:
        for case in (every_state + (cached_only if state != "cold" else [])
                     + (written_only if state == "written" else [])):
            cases.append(dataclasses.replace(          # (runs: a new list per state)
                case, argv=list(case.argv), state=state, runs=[],
                slow=any(w in SLOW_TOOLS for w in case.key.split("_"))))
    if mpatch is None:
        for case in cases:
            if case.label.startswith("mpatch"):
                case.failure = "mpatch did not build"
    return groups, cases


def cores_cases(groups, tools, mp, counts, pairs):
    """Every core against one, and ripgrep (which searches a file on one thread), per matcher."""
    F, rg, one = "{F}", tools["rg"], ["taskset", "-c", "0"]
    tasks = [("fold", f"`-i {FOLD_PATTERN}` (one literal, any case)", ["-i", FOLD_PATTERN],
              ["-i", FOLD_PATTERN], counts[PATTERN])]
    if pairs:
        patterns = str(pairs["files"]["patterns"])
        tasks += [("pairs", f"{rows.PAIRS} literals (`-f`)", ["-f", patterns],
                   ["-F", "-f", patterns], pairs["total"]),
                  ("regex", f"regex `{CORES_REGEX}`", ["--regex", CORES_REGEX], [CORES_REGEX],
                   pairs["cores_regex_count"])]
    cases = []
    for key, what, mp_args, rg_args, n in tasks:
        group = f"cores_{key}"
        groups[group] = f"cores: count {what} ({n:,} matches), all cores against one"
        cases += [
            Case(f"cores_{key}", group, "mpatch find -c (all cores)",
                 [mp, "find", "-c", *mp_args, F], expect=n),
            Case(f"cores_{key}_one", group, "taskset -c 0 mpatch find -c (one core)",
                 [*one, mp, "find", "-c", *mp_args, F], expect=n),
            Case(f"cores_{key}_rg", group, "rg --count-matches",
                 [rg, "--count-matches", *rg_args, F], expect=n),
        ]
    return cases


def dense_cases(groups, tools, mp):
    """Dense self-overlapping matches: `aa` in a file of `a` only (just written)."""
    F, size, one = "{F}", tools["dense"], ["taskset", "-c", "0"]
    n = size // 2
    groups["dense_find"] = (f"dense: count `{DENSE}` in {size >> 20} MiB of `a` "
                            f"({n:,} matches)")
    groups["dense_replace"] = f"dense: replace `{DENSE}`→`{DENSE_REPLACEMENT}`, not synced"
    return [
        Case("dense_find", "dense_find", "mpatch find -c (all cores)",
             [mp, "find", "-c", DENSE, F], expect=n, source="dense"),
        Case("dense_find_one", "dense_find", "taskset -c 0 mpatch find -c (one core)",
             [*one, mp, "find", "-c", DENSE, F], expect=n, source="dense"),
        Case("dense_rg", "dense_find", "rg --count-matches",
             [tools["rg"], "--count-matches", DENSE, F], expect=n, source="dense"),
        Case("dense_replace", "dense_replace", "mpatch replace --no-sync",
             [mp, "replace", "--no-sync", DENSE, DENSE_REPLACEMENT, F], writes=True,
             expect=n, source="dense"),
        Case("dense_replace_one", "dense_replace", "taskset -c 0 mpatch replace --no-sync",
             [*one, mp, "replace", "--no-sync", DENSE, DENSE_REPLACEMENT, F], writes=True,
             expect=n, source="dense"),
    ]


def pair_cases(groups, tools, mp, pairs):
    """The 100-literal-pairs and regex-mask groups (on the log, just written)."""
    F, files, n = "{F}", pairs["files"], pairs["total"]
    patterns, tsv, script = (str(files[k]) for k in ("patterns", "pairs", "sed"))
    ids, regex = pairs["regex_count"], MASK_REGEX
    groups.update({
        "pairs_find": f"search: {rows.PAIRS} literal patterns (`-f`, {n:,} matches)",
        "pairs_replace": f"replace {rows.PAIRS} literal pairs (`-f`, {n:,} matches), not synced",
        "mask": f"mask `{regex}` with `{MASK_BYTE}` ({ids:,} matches), not synced",
    })
    return [
        Case("pairs_find", "pairs_find", "mpatch find -c -f",
             [mp, "find", "-c", "-f", patterns, F], expect=n),
        Case("pairs_rg", "pairs_find", "rg -c -F -f (counts lines)",
             [tools["rg"], "-c", "-F", "-f", patterns, F]),
        Case("pairs_replace", "pairs_replace", "mpatch replace --no-sync -f",
             [mp, "replace", "--no-sync", "-f", tsv, F], writes=True, expect=n),
        Case("pairs_sed", "pairs_replace", "sed -i -f (100 s///g)",
             [tools["sed"], "-i", "-f", script, F], writes=True, max_reps=VERY_SLOW_REPS),
        Case("pairs_perl", "pairs_replace", "perl -pi (one alternation, hash)",
             [tools["perl"], "-pi", "-e", rows.PERL_PAIRS, tsv, F], writes=True),
        Case("mask", "mask", "mpatch replace --no-sync --regex --mask",
             [mp, "replace", "--no-sync", "--regex", regex, "--mask", MASK_BYTE, F],
             writes=True, expect=ids),
        # One id a line: rg's count of lines is the count of matches.
        Case("mask_rg", "mask", "rg -c (same regex)", [tools["rg"], "-c", regex, F], expect=ids),
        Case("mask_sed", "mask", "sed -E -i",
             [tools["sed"], "-E", "-i", f"s/{regex}/{MASK_BYTE * MASK_WIDTH}/g", F], writes=True),
    ]


def tree_cases(groups, tools, mp, tree):
    """The tree groups: {F} is a fresh copy of the tree (just written)."""
    F, n = "{F}", tree["info"]["matches"]
    rg, sd, sed = tools["rg"], tools["sd"], tools["sed"]
    info = tree["info"]
    groups.update({
        "tree_find": f"tree of {info['files']:,} files ({human_bytes(info['bytes'])}, "
                     f".gitignore): count `{PATTERN}` ({n:,} matches)",
        "tree_replace": f"tree: replace `{PATTERN}`→`{REPLACEMENT}` ({n:,} matches in "
                        f"{info['files_with_matches']:,} files), not synced",
    })
    return [
        Case("tree_find", "tree_find", "mpatch find -c -r",
             [mp, "find", "-c", "-r", PATTERN, F], expect=n, source="tree", count="sum"),
        # One ERROR a line in the tree: rg's count of lines is the count of matches.
        Case("tree_rg", "tree_find", "rg -c -F",
             [rg, "-c", "-F", PATTERN, F], expect=n, source="tree", count="sum"),
        Case("tree_replace", "tree_replace", "mpatch replace -r --no-sync",
             [mp, "replace", "-r", "--no-sync", PATTERN, REPLACEMENT, F],
             writes=True, expect=n, source="tree"),
        Case("tree_sd", "tree_replace", "rg -l -0 -F | xargs -0 sd -F",
             ["sh", "-c", f'{shlex.quote(rg)} -l -0 -F {PATTERN} "$1" | '
                          f'xargs -0 -r {shlex.quote(sd)} -F {PATTERN} {REPLACEMENT}', "sh", F],
             writes=True, source="tree"),
        Case("tree_fastmod", "tree_replace", "fastmod -F --accept-all",
             [tools["fastmod"], "-F", "--accept-all", PATTERN, REPLACEMENT, F],
             writes=True, source="tree"),
        Case("tree_sed", "tree_replace", "rg --files -0 | xargs -0 sed -i",
             ["sh", "-c", f'{shlex.quote(rg)} --files -0 "$1" | '
                          f'xargs -0 -r {shlex.quote(sed)} -i s/{PATTERN}/{REPLACEMENT}/g',
              "sh", F], writes=True, source="tree"),
    ]


def human_bytes(n):
    """'1.0 GiB', '64.1 MiB'."""
    return f"{n / 2**30:.1f} GiB" if n >= 1 << 30 else f"{n / 2**20:.1f} MiB"


def check_result(case, result):
    """Why a run's exit status or printed count is wrong, or None."""
    ok_codes = (0, 1) if case.miss_ok else (0,)
    count = reported_count(result["stdout"], case.count)
    if result["rc"] not in ok_codes:
        return f"exit {result['rc']}: {result['stderr'].strip()[:200]}"
    if case.expect is not None and count != case.expect:
        return f"printed {result['stdout'].strip()[:100]!r}, expected count {case.expect}"
    return None


def sha256(path):
    """Hex sha256 of a file."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def run_in_state(argv, path, state, prepare, before=None, after=None, put=None):
    """Prepare a file, put it in `state`, run argv on it; retry if the state did not hold.

    prepare() writes the file afresh (or does nothing). Before the command
    the state is checked (set_state, and again after before() if given); for
    written and readback, the command must then have read at most
    READ_SLACK bytes from the disk (GNU time's %I, ru_inblock): this
    machine's kernel may run a DAMON `pageout` scheme (kdamond) that drops
    page-cache pages of memory it sees as idle, sometimes within seconds of
    their being read, and a command that had to read more back met a partly
    cold file (the file's pages go in whole folios, 2 MiB on a written
    file). The slack is for the few KiB of a tool's own executable, its
    libraries or file-system metadata that the same eviction drops now and
    then. Pages dropped after the command had read them do not count.
    before() and after(), if given, run just before and
    just after the command, their values kept as result["before"] and
    result["after"]. put(path, state) replaces set_state (for a tree). Returns (result, cached bytes before, attempts redone),
    or (None, reason, ATTEMPTS) after ATTEMPTS tries.
    """
    reason = None
    for attempt in range(ATTEMPTS):
        prepare()
        try:
            cached = (put or set_state)(path, state)
        except StateError as err:
            reason = str(err)
            print(f"  ({reason}: again)", flush=True)
            continue
        marks = {"before": before() if before else None}
        if before and cached_bytes(path) != cached:     # before() took a while
            reason = f"{path.name} left its state ({state}) while the counter settled"
            print(f"  ({reason}: again)", flush=True)
            continue
        result = run(argv)
        marks["after"] = after() if after else None
        # A command that runs longer than the eviction's idle time cannot
        # keep its file cached here (sed with 100 substitutions takes
        # 90 s): its run is kept, its disk reads shown in the tables.
        if state != "cold" and result["read_bytes"] > READ_SLACK \
                and result["seconds"] < LONG_RUN:
            reason = (f"the command read {result['read_bytes']} bytes from the disk "
                      f"({state}: pages had left the page cache)")
            print(f"  ({reason}: again)", flush=True)
            continue
        SPENT["commands"] += result["seconds"]
        return {**result, **marks}, cached, attempt
    return None, reason, ATTEMPTS


SPENT = {"commands": 0.0}    # seconds the timed commands took (the rest is preparation)


@dataclass
class Source:
    """What a case's {F} is: the log, the tree or the sparse file, and how to ready a copy.

    searched is what a search reads, scratch what a writer gets (a fresh copy
    each run); fresh(dst) makes that copy (None: the source is never copied);
    put(path, state) puts it in a page-cache state and returns its cached
    bytes (StateError if it cannot); digest(path) returns (sha256, problem or
    None) of what a writer left; remove(path) deletes a copy.
    """
    name: str
    searched: Path
    scratch: Path
    fresh: object
    put: object
    digest: object
    remove: object
    want_cached: int           # cached bytes expected in the written and readback states


def log_source(log, work):
    """The log: searched.log and scratch.log in work, written with large writes."""
    return Source("log", work / "searched.log", work / "scratch.log",
                  lambda dst: fresh_copy(log, dst), set_state,
                  lambda path: (sha256(path), None),
                  lambda path: path.unlink(missing_ok=True), log.stat().st_size)


def tree_source(tree, work):
    """The tree: a fresh `cp -a` copy in work/tree-copy for every run (written state only)."""
    root, info = tree["root"], tree["info"]
    files = rows.tree_files(root)
    # fincore counts whole pages: a file's last, partial page counts 4 KiB
    page = os.sysconf("SC_PAGE_SIZE")
    total = sum(-(-(root / f).stat().st_size // page) * page for f in files)

    def put(path, state):
        if state != "written":
            raise StateError(f"the tree is only benchmarked just written, not {state}")
        cached = rows.tree_cached_bytes(path, files)
        if cached != total:
            raise StateError(f"tree copy: {cached} of {total} bytes in the page cache")
        return cached

    def digest(path):
        hexdigest, left, left_ignored = rows.tree_digest(path)
        problem = None
        if left or left_ignored != info["ignored_matches"]:
            problem = (f"{left} {PATTERN} left in files not ignored (0 expected), "
                       f"{left_ignored} in ignored files ({info['ignored_matches']} expected)")
        return hexdigest, problem

    copy = work / "tree-copy"
    return Source("tree", copy, copy, lambda dst: rows.copy_tree(root, dst), put, digest,
                  rows.remove_tree, total)


def run_case(case, sources, first):
    """Time one run of a case in its state; on the first rep also hash what it wrote.

    A command that writes gets a fresh copy of its source, and so does a
    search of a just-written file or tree (so that every tool meets exactly
    the same state: search times on a written file kept between runs varied
    more and came out slower than on a fresh copy); the other searches read
    one copy, evicted (and read back) before each run. See run_in_state for
    the checks of the state.
    """
    source = sources[case.source]
    target = source.scratch if case.writes else source.searched
    fresh = source.fresh and (case.writes or case.state == "written")

    def prepare():
        if fresh:
            source.fresh(target)
    result, cached, redone = run_in_state(case.command(target), target, case.state, prepare,
                                          put=source.put)
    case.redone += redone
    if result is None:
        case.lost += 1
        print(f"  !! {case.id}: run lost after {ATTEMPTS} attempts: {cached}", flush=True)
        return
    record(case, result, cached)
    if case.writes and first and not case.failure:
        case.digest, problem = source.digest(target)
        if problem:
            case.failure = problem
            print(f"  !! {case.id} FAILED: {problem}", flush=True)


def record(case, result, cached):
    """Check a run's exit status and count, and keep its figures."""
    if result.get("timed_out"):
        case.timed_out = True
        case.failure = result["stderr"]
        print(f"  !! {case.id}: {case.failure}", flush=True)
        return
    case.failure = check_result(case, result)
    if case.failure:
        print(f"  !! {case.id} FAILED: {case.failure}", flush=True)
        return
    if case.printed is None:
        case.printed = reported_count(result["stdout"], case.count)
    case.runs.append({"seconds": result["seconds"], "cpu_seconds": result["cpu_seconds"],
                      "maxrss_kib": result["maxrss_kib"], "cached_before": cached,
                      "read_bytes": result["read_bytes"]})
    print(f"  {case.state:<8} {case.key:<20} {result['seconds']:8.3f} s"
          f"  {result['cpu_seconds']:7.2f} s CPU  {result['maxrss_kib'] / 1024:8.1f} MiB"
          f"  read {result['read_bytes'] / 2**20:7.1f} MiB", flush=True)


# Groups of writers that must leave the same bytes (sha256 of the file, or of the whole tree).
SAME_OUTPUT = [("replace", "durable", "disk"), ("one",), ("pairs_replace",), ("mask",),
               ("dense_replace",),
               ("tree_replace",), ("ips",)]


def verify_outputs(cases, disk_rows=()):
    """Check that every tool wrote the same bytes in each replace task; return the problems.

    The replace and durable groups of every state, and the disk-bytes runs,
    must all leave the same file; so must the writers of each other group of
    SAME_OUTPUT (for the tree: the same paths and contents).
    """
    problems = []
    for task in SAME_OUTPUT:
        digests = {f"{c.label} [{c.group}, {c.state}]": c.digest for c in cases
                   if c.group in task and c.digest}
        if "disk" in task:
            digests.update({f"{r['label']} [disk bytes, {r['state']}]": r["digest"]
                            for r in disk_rows if r.get("digest")})
        if len(set(digests.values())) > 1:
            lines = "\n".join(f"    {d[:16]}  {name}" for name, d in digests.items())
            problems.append(f"outputs differ in {'/'.join(task)}:\n{lines}")
    for problem in problems:
        print(f"\n*** MISMATCH: {problem}\n", flush=True)
    return problems


def benchmark(cases, sources, reps, slow_reps):
    """Run all cases `reps` times, round-robin (SLOW_TOOLS only in the first `slow_reps`).

    Each rep goes through the states in turn and, in each, through its
    cases; every run first puts its file in the case's state.
    """
    log = sources["log"]
    folios = {}
    for state in ("written", "readback"):
        log.fresh(log.searched)
        try:
            set_state(log.searched, state)
            folios[state] = folio_sizes(log.searched)
        except (StateError, OSError) as err:
            print(f"  (folio sizes in state {state}: {err})", flush=True)
    print(f"page-cache folios (KiB: bytes): {folios}", flush=True)
    try:
        run_reps(cases, sources, reps, slow_reps)
    finally:
        for source in sources.values():
            if source.fresh:
                source.remove(source.searched)
                source.remove(source.scratch)
    return folios


def run_reps(cases, sources, reps, slow_reps):
    """The round-robin of benchmark()."""
    for rep in range(reps):
        start, commands = time.perf_counter(), SPENT["commands"]
        print(f"rep {rep + 1}/{reps}" + (" (without the slow tools)" if rep >= slow_reps else ""),
              flush=True)
        for case in cases:
            if not case.failure and case.runs_in(rep, slow_reps):
                run_case(case, sources, first=(rep == 0))
            source = sources[case.source]
            if source.fresh:
                source.remove(source.scratch)
        print(f"  rep {rep + 1} took {time.perf_counter() - start:.0f} s, of which the "
              f"commands {SPENT['commands'] - commands:.0f} s", flush=True)


# ---------------------------------------------------------------- sparse file, untimed checks

def sparse_rows(groups, tools, mpatch, work, size, log, reps):
    """`find -c` on a sparse file: mpatch `reps` times, then rg once with a timeout.

    The file (SPARSE_SIZE of holes with a few MiB of the log's text, written
    and fsynced) is made here and deleted at the end; before each run its
    data pieces are read (so they are in the page cache, as just written).
    rg reads the holes as zeros: through the page cache, so it runs last
    and the file is evicted and deleted right after. Returns (description,
    cases).
    """
    path = work / "sparse.bin"
    info = rows.make_sparse(path, size, log)
    n, F = info["matches"], "{F}"
    data = info["data_bytes"]
    groups["sparse"] = (f"sparse file of {human_bytes(size)} holding {data >> 20} MiB of data: "
                        f"count `{PATTERN}` ({n:,} matches)")
    cases = [Case("sparse_find", "sparse", "mpatch find -c", [mpatch or "mpatch", "find", "-c",
                                                               PATTERN, F],
                  expect=n, source="sparse"),
             Case("sparse_rg", "sparse", f"rg -c -F (timeout {SPARSE_TIMEOUT} s)",
                  [tools["rg"], "-c", "-F", PATTERN, F], expect=n, source="sparse",
                  max_reps=1)]
    info["allocated_limit"] = SPARSE_ALLOCATED_LIMIT
    info["timeout"] = SPARSE_TIMEOUT
    print(f"sparse file: {human_bytes(size)}, {data >> 20} MiB of data at {info['offsets']}, "
          f"{info['allocated_bytes'] / 2**20:.1f} MiB allocated", flush=True)
    try:
        if info["allocated_bytes"] > SPARSE_ALLOCATED_LIMIT:
            for case in cases:
                case.failure = (f"the file system of {work} did not keep the file sparse "
                                f"({info['allocated_bytes']} bytes allocated)")
            return info, cases
        if mpatch is None:
            cases[0].failure = "mpatch did not build"
        for case in cases:
            for rep in range(reps if case.max_reps is None else case.max_reps):
                if case.failure:
                    break
                with open(path, "rb") as f:        # the data pieces in the page cache
                    for offset in info["offsets"]:
                        f.seek(offset)
                        f.read(rows.SPARSE_PIECE)
                cached = cached_bytes(path)
                result = run(case.command(path),
                             timeout=SPARSE_TIMEOUT if case.key == "sparse_rg" else None)
                SPENT["commands"] += result["seconds"]
                record(case, result, cached)
        info["allocated_bytes_after"] = path.stat().st_blocks * 512
        try:
            evict(path)
        except StateError as err:
            print(f"  ({err})", flush=True)
    finally:
        path.unlink(missing_ok=True)
    info["deleted"] = not path.exists()
    return info, cases


def row_checks(tools, mpatch, log, pairs, tree):
    """Untimed cross-checks of the many-pattern and tree rows, each run once.

    - rg -o -F -f patterns.txt (one line per match) counts the same matches
      as Python's count (rg -c counts lines, not matches);
    - mpatch find -c -r and rg -c -F give the same per-file counts on the tree.
    """
    checks = []
    if pairs:
        argv = [tools["rg"], "-o", "-F", "-f", str(pairs["files"]["patterns"]), str(log)]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE)
        lines = 0
        while chunk := proc.stdout.read(1 << 20):
            lines += chunk.count(b"\n")
        proc.wait()
        checks.append({"check": "`rg -o -F -f patterns.txt F | wc -l` (matches) = the count "
                                "computed by Python", "ok": lines == pairs["total"],
                       "detail": f"{lines:,} and {pairs['total']:,}"})
    if tree and mpatch:
        root = tree["root"]
        outputs = {}
        for name, argv in (("mpatch", [mpatch, "find", "-c", "-r", PATTERN, str(root)]),
                           ("rg", [tools["rg"], "-c", "-F", PATTERN, str(root)])):
            outputs[name] = rows.per_file_counts(
                subprocess.run(argv, capture_output=True, text=True).stdout)
        same = outputs["mpatch"] == outputs["rg"]
        files = tree["info"]["files_with_matches"]
        checks.append({"check": "per-file counts on the tree: `mpatch find -c -r` = `rg -c -F` "
                                "(sorted lines), ignored files left out by both",
                       "ok": same and len(outputs["rg"]) == files,
                       "detail": f"{len(outputs['mpatch']):,} and {len(outputs['rg']):,} files "
                                 f"({files:,} expected)"
                                 + ("" if same else ": the lists differ")})
    for check in checks:
        print(f"  check: {check['check']}: {check['detail']} "
              f"{'ok' if check['ok'] else 'FAILED'}", flush=True)
    return checks


# ---------------------------------------------------------------- bytes written to the disk

def changed_blocks(path, pattern, block=FLOOR_BLOCK):
    """(matches, distinct `block`-byte blocks of the file holding a byte of a match)."""
    pat, blocks, n = pattern.encode(), set(), 0
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        i = mm.find(pat)
        while i >= 0:
            blocks.update(range(i // block, (i + len(pat) - 1) // block + 1))
            n += 1
            i = mm.find(pat, i + len(pat))
    return n, len(blocks)


class LoopExt4:
    """A fresh ext4 in an image file under the work directory, on a loop device, mounted.

    setup() makes the image (sparse, sized for two copies of the log plus
    slack, as sed -i, sd and perl -pi write a whole new file before renaming
    it over the old one), mkfs.ext4 with the inode tables and journal
    initialised at once (so no lazy-init thread writes in the background),
    attaches it with direct I/O if the kernel allows (the image's pages then
    stay out of the host's page cache) and mounts it with default options.
    teardown() unmounts, detaches and deletes, whatever setup reached.
    """

    def __init__(self, work, log_size):
        self.image = work / "ext4.img"
        self.mnt = work / "mnt"
        self.size = 2 * log_size + (512 << 20)
        self.device = None
        self.mounted = False
        self.direct_io = False

    def setup(self):
        """Make, attach and mount the file system (cleaning up a previous run's leftovers)."""
        self.teardown()
        with open(self.image, "wb") as f:
            f.truncate(self.size)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "mpatch-bench",
                        "-E", "lazy_itable_init=0,lazy_journal_init=0", str(self.image)],
                       check=True)
        for extra in (["--direct-io=on"], []):
            proc = subprocess.run(["losetup", "-f", "--show", *extra, str(self.image)],
                                  capture_output=True, text=True)
            if proc.returncode == 0:
                self.device = proc.stdout.strip()
                self.direct_io = bool(extra)
                break
        if not self.device:
            raise RuntimeError(f"losetup failed: {proc.stderr.strip()}")
        self.mnt.mkdir(exist_ok=True)
        subprocess.run(["mount", "-t", "ext4", self.device, str(self.mnt)], check=True)
        self.mounted = True
        print(f"  {self.image.name} ({self.size >> 20} MiB) on {self.device}"
              f"{' (direct I/O)' if self.direct_io else ''}, mounted at {self.mnt}", flush=True)

    def teardown(self):
        """Unmount, detach the loop device(s) of the image and delete it; safe to call twice."""
        if self.mounted or os.path.ismount(self.mnt):
            for argv in (["umount", str(self.mnt)], ["umount", "-l", str(self.mnt)]):
                if subprocess.run(argv).returncode == 0:
                    break
                time.sleep(1)
            self.mounted = False
        if self.image.exists():
            attached = subprocess.run(["losetup", "-j", str(self.image)],
                                      capture_output=True, text=True).stdout
            devices = {line.split(":")[0] for line in attached.splitlines() if line}
            for device in devices | ({self.device} if self.device else set()):
                subprocess.run(["losetup", "-d", device], stderr=subprocess.DEVNULL)
        elif self.device:
            subprocess.run(["losetup", "-d", self.device], stderr=subprocess.DEVNULL)
        self.device = None
        self.image.unlink(missing_ok=True)
        if self.mnt.is_dir() and not os.path.ismount(self.mnt):
            self.mnt.rmdir()

    def sectors_written(self):
        """Field 7 of /sys/block/loopN/stat: 512-byte sectors written to the device so far."""
        name = os.path.basename(self.device)
        return int(Path(f"/sys/block/{name}/stat").read_text().split()[6])

    def sync(self):
        """`sync -f` on the mount: syncfs, every dirty page and the journal of this file system."""
        subprocess.run(["sync", "-f", str(self.mnt)], check=True)

    def settle(self):
        """Wait until the sectors-written counter stands still for SETTLE_QUIET s; return it."""
        last, quiet_since, start = self.sectors_written(), time.monotonic(), time.monotonic()
        while time.monotonic() - start < SETTLE_CAP:
            time.sleep(0.1)
            now = self.sectors_written()
            if now != last:
                last, quiet_since = now, time.monotonic()
            elif time.monotonic() - quiet_since >= SETTLE_QUIET:
                break
        return last

    def clear(self):
        """Delete every file the previous run left in the mount."""
        for path in self.mnt.iterdir():
            if path.name != "lost+found":
                path.unlink()


def disk_bytes(cases, log, work, reps, slow_reps, counts):
    """Bytes each durable replace writes to a loop-mounted ext4, in the written and readback states.

    For every run: a fresh copy of the log is written into the mount with
    large writes and fsynced, the file system synced (`sync -f`); for
    readback the copy is evicted and read back (and synced again, for the
    access time); the loop device's sectors-written counter is read once it
    stands still; the command runs; `sync -f` on the mount (so that what a
    tool left dirty is counted too, for every tool alike); the counter is
    read again once it stands still.
    """
    by_key = {c.key: c for c in cases if c.state == "written"}
    matches, blocks = changed_blocks(log, PATTERN)
    floor = blocks * FLOOR_BLOCK
    rows = [{"key": key, "label": by_key[key].label, "state": state, "bytes": [],
             "seconds": [], "failure": by_key[key].failure, "digest": None,
             "slow": by_key[key].slow, "argv": by_key[key].argv, "redone": 0, "lost": 0}
            for state in DISK_STATES for key in DISK_CASES]
    info = {"matches": matches, "changed_blocks": blocks, "floor_bytes": floor,
            "limit_bytes": DISK_TARGET[0] * floor + DISK_TARGET[1],
            "target": {"factor": DISK_TARGET[0], "plus_bytes": DISK_TARGET[1]},
            "reps": reps, "slow_reps": slow_reps, "rows": rows}
    print(f"disk bytes: {matches:,} matches in {blocks:,} distinct 4 KiB blocks, floor "
          f"{floor / 2**20:.1f} MiB", flush=True)
    if counts[PATTERN] != matches:
        sys.exit(f"bench: {matches} matches found for the floor, {counts[PATTERN]} expected")
    loop = LoopExt4(work, log.stat().st_size)
    try:
        loop.setup()
        info.update(device=loop.device, direct_io=loop.direct_io, image_bytes=loop.size)
        copy = loop.mnt / "copy.log"
        for rep in range(reps):
            print(f"disk rep {rep + 1}/{reps}", flush=True)
            for row in rows:
                if row["failure"] or (row["slow"] and rep >= slow_reps):
                    continue
                case = by_key[row["key"]]

                def prepare():
                    loop.clear()
                    write_copy(log, copy)
                    loop.sync()

                def settled():
                    loop.sync()
                    return loop.settle()

                result, cached, redone = run_in_state(case.command(copy), copy, row["state"],
                                                      prepare, settled, settled)
                row["redone"] += redone
                if result is None:
                    row["lost"] += 1
                    print(f"  !! disk {row['key']}@{row['state']}: run lost: {cached}",
                          flush=True)
                    continue
                before, after = result["before"], result["after"]
                row["failure"] = check_result(case, result)
                if row["failure"]:
                    print(f"  !! disk {row['key']}@{row['state']} FAILED: {row['failure']}",
                          flush=True)
                    continue
                written = (after - before) * 512
                row["bytes"].append(written)
                row["seconds"].append(result["seconds"])
                if rep == 0:
                    row["digest"] = sha256(copy)
                print(f"  {row['state']:<8} {row['key']:<20} {written / 2**20:9.1f} MiB"
                      f" ({written / floor:6.2f} × floor)  {result['seconds']:7.3f} s", flush=True)
        loop.clear()
    finally:
        loop.teardown()
    for row in rows:
        row["median_bytes"] = statistics.median(row["bytes"]) if row["bytes"] else None
        row["command"] = shlex.join([a if a != "{F}" else "F" for a in row.pop("argv")]
                                    ).replace(f"{REPO}/", "")
    return info


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
    """Run the large-file tests (`cargo test --release --locked --test large -- --ignored`).

    Only tests/large.rs: its tests are ignored for their size and time.
    Other ignored tests (tests/hardening.rs has one, ignored because it
    cannot pass; see its reason) are not part of this check.
    """
    argv = ["cargo", "test", "--release", "--locked", "--test", "large", "--", "--ignored"]
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

def interrupted(signum, _frame):
    """Turn SIGTERM/SIGHUP into SystemExit, so that the finally blocks unmount and detach."""
    sys.exit(128 + signum)


PLACEHOLDERS = {"log": "F", "tree": "TREE", "sparse": "SPARSE", "dense": "DENSE"}   # {F} in the reports


def case_summary(case, want_cached):
    """A case's entry in results.json."""
    runs = case.runs
    return {
        "key": case.key, "state": case.state, "group": case.group, "label": case.label,
        "command": shlex.join(case.command(Path(PLACEHOLDERS[case.source]))
                              ).replace(f"{REPO}/", ""),
        "source": case.source, "want_cached": 0 if case.state == "cold" else want_cached,
        "printed_count": case.printed, "timed_out": case.timed_out, "max_reps": case.max_reps,
        "failure": case.failure, "slow": case.slow, "redone": case.redone, "lost": case.lost,
        "seconds": [r["seconds"] for r in runs],
        "cpu_seconds": [r["cpu_seconds"] for r in runs],
        "maxrss_kib": [r["maxrss_kib"] for r in runs],
        "cached_before": [r["cached_before"] for r in runs],
        "read_bytes": [r["read_bytes"] for r in runs],
        "median_seconds": statistics.median(r["seconds"] for r in runs) if runs else None,
        "cpu_percent": 100 * statistics.median(r["cpu_seconds"] / r["seconds"] for r in runs)
        if runs else None,
        "peak_rss_mib": max(r["maxrss_kib"] for r in runs) / 1024 if runs else None,
        "output_sha256": case.digest,
    }


def main():
    """Parse options, run everything, write the reports."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("1G"),
                        help="size of the generated log (default 1G; e.g. 64M for a quick check)")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions (default 5)")
    parser.add_argument("--slow-reps", type=int, default=3,
                        help="repetitions of sed, sd and perl, the first of the --reps "
                             "(default 3, at most --reps)")
    parser.add_argument("--disk-reps", type=int, default=2,
                        help="repetitions of the disk-bytes runs (default 2; sed, sd and perl "
                             "at most --slow-reps; 0 skips them)")
    parser.add_argument("--out", type=Path, default=BENCH / "results",
                        help="results directory (default bench/results)")
    parser.add_argument("--work", type=Path, default=BENCH / "work",
                        help="directory for the generated files (default bench/work)")
    parser.add_argument("--skip-memory", action="store_true",
                        help="skip the memory check and the ignored (large-file) tests")
    parser.add_argument("--skip-pairs", action="store_true",
                        help="skip the 100-literal-pairs and regex-mask rows")
    parser.add_argument("--skip-tree", action="store_true", help="skip the tree rows")
    parser.add_argument("--skip-sparse", action="store_true", help="skip the sparse-file rows")
    parser.add_argument("--skip-ips", action="store_true",
                        help="skip the IPS-apply rows (and installing python-ips)")
    parser.add_argument("--sparse-size", type=parse_size, default=SPARSE_SIZE,
                        help="size of the sparse file (default 64G)")
    args = parser.parse_args()
    if args.size < 16 << 20:
        parser.error("--size must be at least 16M")
    if args.reps < 1 or args.slow_reps < 1 or args.disk_reps < 0:
        parser.error("--reps and --slow-reps must be at least 1, --disk-reps at least 0")
    slow_reps = min(args.slow_reps, args.reps)
    if os.geteuid() != 0:
        sys.exit("bench: run as root (loop device, mount, /proc/kpageflags)")
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)

    tools = ensure_tools(fastmod=not args.skip_tree)
    mpatch = build_mpatch()
    log, counts = prepare_log(work, args.size)
    pairs = tree = None
    if not args.skip_pairs:
        pairs = rows.prepare_pairs(work, args.size, {"version": CONTENT_VERSION, "seed": SEED},
                                   log_blocks, log_chunks, MASK_REGEX)
    if not args.skip_tree:
        root, info = rows.prepare_tree(work, args.size, make_block, log_line)
        tree = {"root": root, "info": info}
    tools["floor"], tools["offsets"] = floor_tool(), str(match_offsets(log, work))
    dense_size = min(DENSE_BYTES, args.size // 4)
    tools["dense"] = dense_size
    if not args.skip_ips:
        tools["ips"] = (rows.peers_python(REPO), *rows.prepare_ips(work, log, args.size))
    if pairs:
        pairs["cores_regex_count"] = regex_count(log, work, CORES_REGEX)
    groups, cases = make_cases(tools, mpatch, counts, pairs, tree)
    sources = {"log": log_source(log, work), "dense": dense_source(work, dense_size)}
    if tree:
        sources["tree"] = tree_source(tree, work)
    checks = row_checks(tools, mpatch, log, pairs, tree)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    folios = benchmark(cases, sources, args.reps, slow_reps)
    timing_seconds = time.perf_counter() - start
    sparse = None
    if not args.skip_sparse:
        sparse_start = time.perf_counter()
        sparse, sparse_cases = sparse_rows(groups, tools, mpatch, work, args.sparse_size, log,
                                           args.reps)
        sparse["seconds"] = time.perf_counter() - sparse_start
        cases += sparse_cases
    disk = None
    if args.disk_reps:
        disk_start = time.perf_counter()
        disk = disk_bytes(cases, log, work, args.disk_reps, min(slow_reps, args.disk_reps),
                          counts)
        disk["seconds"] = time.perf_counter() - disk_start
    load_after, seconds = os.getloadavg()[0], time.perf_counter() - start
    problems = verify_outputs(cases, disk["rows"] if disk else ())
    problems += [f"check failed: {c['check']}: {c['detail']}" for c in checks if not c["ok"]]

    memory, tests = None, None
    if mpatch and not args.skip_memory:
        print("memory check", flush=True)
        memory = memory_check(mpatch, work)
        tests = ignored_tests()

    results = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "size_bytes": args.size, "reps": args.reps, "slow_reps": slow_reps,
        "slow_tools": list(SLOW_TOOLS), "counts": counts,
        "machine": machine_info(work),
        "versions": tool_versions(tools, mpatch),
        "states": STATES, "readback_chunk": READBACK_CHUNK, "folios": folios,
        "groups": groups,
        "cases": [case_summary(c, sources[c.source].want_cached if c.source in sources
                               else sparse["data_bytes"]) for c in cases],
        "rows": {
            "pairs": pairs and {"words": pairs["words"], "total": pairs["total"],
                                "files": {k: str(v).replace(f"{REPO}/", "")
                                          for k, v in pairs["files"].items()},
                                "max_word_share": rows.MAX_WORD_SHARE},
            "mask": pairs and {"regex": MASK_REGEX, "byte": MASK_BYTE,
                               "matches": pairs["regex_count"]},
            "tree": tree and {**tree["info"], "gitignore": rows.GITIGNORE,
                              "root": str(tree["root"]).replace(f"{REPO}/", "")},
            "sparse": sparse,
            "checks": checks,
            "very_slow_reps": VERY_SLOW_REPS,
        },
        "disk": disk,
        "mismatches": problems,
        "memory_check": memory, "ignored_tests": tests,
        "heap_limit_mib": HEAP_LIMIT_MIB,
        "timing_seconds": timing_seconds,
        "benchmark_seconds": seconds,
        "load_average": [load_before, load_after],
    }
    results["checks"] = report.spec_checks(results)
    report.write_all(results, args.out)
    if mpatch is None:
        sys.exit("bench: mpatch did not build; only the peer tools were measured")
    failed = (any(c.failure and not c.timed_out for c in cases)
              or any(r["failure"] for r in (disk or {}).get("rows", [])))
    if problems or failed:
        sys.exit("bench: some commands failed or disagreed (see above)")


if __name__ == "__main__":
    main()
