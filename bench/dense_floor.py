#!/usr/bin/env python3
"""The floor of the dense replace (`aa`->`bb` in 256 MiB of `a`), by hand.

Each round writes a fresh 256 MiB of `a` (synced: clean pages in the cache,
as the benchmark's "just written" state), then times one of: mpatch's own
`find -c aa`, `replace --no-sync aa bb`, the file written over itself with
1 MiB `os.pwrite`s on one thread, `memset` through a shared mapping on
one and on two threads, and each of two threads (or one) reading 1 MiB at a
time (`memchr`, as fast as the count) and writing it back either with
`pwrite` or by a store through a second, writable mapping
(bench/dense_floor.c, built with cc). Prints medians.

    python3 bench/dense_floor.py [--reps 5] [--work bench/work]
"""
import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SIZE = 256 << 20


def fresh(path):
    with open(path, "wb") as f:
        chunk = b"a" * (8 << 20)
        for _ in range(SIZE // len(chunk)):
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())


def timed(cmd):
    began = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def pwrites(path):
    fd = os.open(path, os.O_RDWR)
    data = b"b" * (1 << 20)
    began = time.perf_counter()
    for offset in range(0, SIZE, len(data)):
        os.pwrite(fd, data, offset)
    took = time.perf_counter() - began
    os.close(fd)
    return took


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    root = BENCH.parent
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=root, check=True)
    mpatch = str(root / "target" / "release" / "mpatch")
    store = args.work / "dense-store"
    subprocess.run(["cc", "-O3", "-pthread", "-o", str(store), str(BENCH / "dense_floor.c")],
                   check=True)
    path = args.work / "dense-256M"

    def stored(threads, *how):
        out = subprocess.run([str(store), str(path), str(threads), *how], check=True,
                             capture_output=True, text=True).stdout
        return float(out)

    rows = {
        "mpatch find -c aa": lambda: timed([mpatch, "find", "-c", "aa", str(path)]),
        "mpatch replace --no-sync aa bb": lambda: timed(
            [mpatch, "replace", "--no-sync", "aa", "bb", str(path)]),
        "taskset -c 0 mpatch replace --no-sync aa bb": lambda: timed(
            ["taskset", "-c", "0", mpatch, "replace", "--no-sync", "aa", "bb", str(path)]),
        "1 MiB os.pwrite loop, one thread": lambda: pwrites(path),
        "memset through a shared mapping, 1 thread": lambda: stored(1),
        "memset through a shared mapping, 2 threads": lambda: stored(2),
        "read 1 MiB, pwrite it back, 2 threads": lambda: stored(2, "pwrite"),
        "read 1 MiB, store it back mapped, 2 threads": lambda: stored(2, "scan"),
        "read 1 MiB, store it back mapped, 1 thread": lambda: stored(1, "scan"),
    }
    times = {name: [] for name in rows}
    for _ in range(args.reps):
        for name, run in rows.items():
            fresh(path)
            times[name].append(run())
    path.unlink()
    count = statistics.median(times["mpatch find -c aa"])
    for name, got in times.items():
        median = statistics.median(got)
        print(f"{name:44} median {median:.4f} s  min {min(got):.4f} s  "
              f"{median / count:.2f}x find -c")


if __name__ == "__main__":
    main()
