#!/usr/bin/env python3
"""The Python module's rows: mpatch.replace, mpatch.count against the seed's
mmap loops, re.finditer and the command line, on the benchmark's log.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install ./python
    /tmp/v/bin/python bench/python_rows.py [--size 1G] [--reps 3]

The log (bench/work/log-SIZE.log, made as bench/run.py makes it) is copied
with large writes before each replace and once a round before the searches,
so that every run meets a file in the page cache in large folios (run.py's
"written" state); each timed run is a fresh Python process or the binary. Reported: the median of the time inside the process
(the loop, or the one call: interpreter start-up excluded), the binary's
wall time, and each process's peak resident memory (ru_maxrss, which counts
mapped file pages as they are touched; each run is spawned from a small
process, as a child's high-water mark starts at its spawner's), with and
less that of a bare interpreter that imported the module.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import run  # bench/run.py: the log, its copies and the build of the binary

PATTERN, REPLACEMENT = b"ERROR", b"FIXED"
REGEX = rb"ERROR +[a-z-]+-[0-9]+ [a-z]+"

# Each snippet prints "MATCHES SECONDS": the count and the time of the work,
# from the open to the close (a loop's mapping made and unmapped included,
# as mpatch's own are in its one call).
SNIPPETS = {
    "bare": "import mpatch, mmap, re, time; print(0, 0.0)",
    "loop_count": """
import mmap, sys, time
pat = sys.argv[1].encode()
t = time.perf_counter()
with open(sys.argv[2], "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
    n, i = 0, mm.find(pat)
    while i >= 0:
        n += 1
        i = mm.find(pat, i + len(pat))
print(n, time.perf_counter() - t)
""",
    "loop_replace": """
import mmap, sys, time
pat, rep = sys.argv[1].encode(), sys.argv[2].encode()
t = time.perf_counter()
with open(sys.argv[3], "r+b") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_WRITE) as mm:
    n, i = 0, mm.find(pat)
    while i >= 0:
        mm[i:i + len(pat)] = rep
        n += 1
        i = mm.find(pat, i + len(pat))
    if sys.argv[4:] == ["flush"]:
        mm.flush()
print(n, time.perf_counter() - t)
""",
    "re_finditer": """
import mmap, re, sys, time
regex = re.compile(sys.argv[1].encode())
t = time.perf_counter()
with open(sys.argv[2], "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
    n = sum(1 for _ in regex.finditer(mm))
print(n, time.perf_counter() - t)
""",
    "mpatch_count": """
import mpatch, sys, time
t = time.perf_counter()
n = mpatch.count(sys.argv[2], sys.argv[1].encode(), regex=sys.argv[3:] == ["regex"])
print(n, time.perf_counter() - t)
""",
    "mpatch_replace": """
import mpatch, sys, time
t = time.perf_counter()
n = mpatch.replace(sys.argv[3], sys.argv[1].encode(), sys.argv[2].encode(), no_sync=True)
print(n, time.perf_counter() - t)
""",
}


# Runs argv and prints its wall time and peak resident bytes on stderr. A
# child's ru_maxrss starts at the peak of the process that spawned it (Linux
# keeps the high-water mark across fork and exec), so every run is spawned
# from this small process, not from the benchmark's (which holds the log's
# generator and a 64 MiB copy buffer).
SPAWN = """
import os, subprocess, sys, time
began = time.perf_counter()
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - began
child.returncode = os.waitstatus_to_exitcode(status)
print(wall, usage.ru_maxrss * 1024, child.returncode, file=sys.stderr)
"""


def timed(argv):
    """Runs argv; returns (stdout, wall seconds, peak resident bytes)."""
    done = subprocess.run([sys.executable, "-c", SPAWN, *argv], capture_output=True, text=True)
    wall, peak, code = done.stderr.split()[-3:]
    if done.returncode != 0 or code != "0":
        sys.exit(f"failed: {argv}: {done.stderr}")
    return done.stdout, float(wall), int(peak)


def python_row(snippet, *args):
    """One run of a snippet: (matches, seconds of the work, peak bytes)."""
    out, _, peak = timed([sys.executable, "-c", SNIPPETS[snippet], *map(str, args)])
    n, seconds = out.split()
    return int(n), float(seconds), peak


def cli_row(binary, *args):
    """One run of the binary: (matches, wall seconds, peak bytes)."""
    out, wall, peak = timed([binary, *map(str, args)])
    last = out.strip().splitlines()[-1]
    # "N" (find -c) or "PATH: N replaced" (replace).
    return int(last.rsplit(":", 1)[-1].split()[0]), wall, peak


def rows(binary, scratch):
    """Every row: name -> (how to run it once, whether it writes the copy)."""
    log = scratch
    p, r, rx = PATTERN.decode(), REPLACEMENT.decode(), REGEX.decode()
    return {
        "replace: seed loop (mm.find + slice, no flush)": (
            lambda: python_row("loop_replace", p, r, scratch), True),
        "replace: seed loop + mm.flush()": (
            lambda: python_row("loop_replace", p, r, scratch, "flush"), True),
        "replace: mpatch.replace(no_sync=True)": (
            lambda: python_row("mpatch_replace", p, r, scratch), True),
        "replace: mpatch replace --no-sync (CLI)": (
            lambda: cli_row(binary, "replace", "--no-sync", p, r, scratch), True),
        "count: loop of mm.find": (lambda: python_row("loop_count", p, log), False),
        "count: mpatch.count": (lambda: python_row("mpatch_count", p, log), False),
        "count: mpatch find -c (CLI)": (lambda: cli_row(binary, "find", "-c", p, log), False),
        "regex: re.finditer over mmap": (lambda: python_row("re_finditer", rx, log), False),
        "regex: mpatch.count(regex=True)": (
            lambda: python_row("mpatch_count", rx, log, "regex"), False),
        "regex: mpatch find -c --regex (CLI)": (
            lambda: cli_row(binary, "find", "-c", "--regex", rx, log), False),
    }


def measure(table, reps, log, scratch):
    """Runs every row `reps` times, round-robin; returns name -> (n, [s], [peak])."""
    results = {name: (None, [], []) for name in table}
    for rep in range(reps):
        written = False
        for name, (once, writes) in table.items():
            # Every row meets a copy just written with large writes, in the
            # page cache in large folios (as run.py's "written" state): a
            # fresh one for each replace, one per round for the searches.
            if writes or not written:
                run.write_copy(log, scratch)
            written = not writes
            n, seconds, peak = once()
            known = results[name][0]
            if known is not None and known != n:
                sys.exit(f"{name}: {n} matches, then {known}")
            results[name] = (n, results[name][1] + [seconds], results[name][2] + [peak])
            print(f"  rep {rep + 1} {name}: {n} matches, {seconds:.3f} s", flush=True)
    return results


def report(results, bare_peak):
    med = {name: statistics.median(times) for name, (_, times, _) in results.items()}
    best = {name: min(times) for name, (_, times, _) in results.items()}
    print("\n| row | matches | median s | best s | peak RSS MiB | less bare python MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, (n, _, peaks) in results.items():
        peak = max(peaks)
        extra = f"{(peak - bare_peak) / 2**20:.1f}" if "CLI" not in name else ""
        print(f"| {name} | {n} | {med[name]:.3f} | {best[name]:.3f} | {peak / 2**20:.1f} | {extra} |")
    names = list(results)
    print("\n(ratios of medians; of best times in brackets)")
    for text, slow, fast in [
        ("mpatch.replace vs the loop without flush (target 5x)", 0, 2),
        ("mpatch.replace vs the loop with flush", 1, 2),
        ("mpatch.replace vs the CLI (>= 1: not slower)", 3, 2),
        ("mpatch.count vs a loop of mm.find (target 8x)", 4, 5),
        ("mpatch.count vs the CLI (>= 1: not slower)", 6, 5),
        ("mpatch.count(regex) vs re.finditer", 7, 8),
        ("mpatch.count(regex) vs the CLI (>= 1: not slower)", 9, 8),
    ]:
        a, b = names[slow], names[fast]
        print(f"{text}: {med[a] / med[b]:.2f} ({best[a] / best[b]:.2f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G", type=run.parse_size)
    parser.add_argument("--reps", default=3, type=int)
    parser.add_argument("--work", default=run.BENCH / "work", type=Path)
    args = parser.parse_args()
    try:
        import mpatch  # noqa: F401
    except ImportError:
        sys.exit("run with a Python that has the module: pip install ./python")
    args.work.mkdir(parents=True, exist_ok=True)
    binary = run.build_mpatch()
    if binary is None:
        sys.exit("the binary did not build")
    log, counts = run.prepare_log(args.work, args.size)
    scratch = args.work / "python-scratch.log"
    _, _, bare_peak = python_row("bare")
    results = measure(rows(binary, scratch), args.reps, log, scratch)
    scratch.unlink(missing_ok=True)
    if results["count: mpatch.count"][0] != counts[PATTERN.decode()]:
        sys.exit(f"mpatch.count disagrees with the generator: {counts}")
    report(results, bare_peak)


if __name__ == "__main__":
    main()
