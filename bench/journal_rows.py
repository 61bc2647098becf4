#!/usr/bin/env python3
"""The journal's rows: a journalled replace against the plain one, and the
undo of its journal against the replace that wrote it (SPEC "Speed and
memory": the journal at the disk's speed).

    python3 bench/journal_rows.py [--reps 5] [--matches 3000000]

The file is 300 MiB of 97-byte log lines, one `ERROR` in each (3.2 million
matches, as the issue that set the target measured). Every timed run meets a
fresh copy (written with large writes and synced, not timed) in one of run.py's
three page-cache states: just written, read back, cold. Each command is the
binary's wall time, `--no-sync` (the kernel writes back later) and durable
(the default: the journal and the file flushed). The undo runs on the copy the
journalled replace just patched, its journal in the page cache as the replace
left it. Written to bench/results/journal.md.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import run  # bench/run.py: the build of the binary, copies and page-cache states

LINE = b"2026-12-07 12:00:00 worker-05 ERROR request served in 12 ms from upstream pool connection ok....\n"
SIZE = 300 << 20
STATES = ("written", "readback", "cold")


def timed(argv):
    """Runs argv; returns (wall seconds, stdout)."""
    began = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, argv))}: {done.stderr}")
    return wall, done.stdout


def source(work):
    """The 300 MiB log of one ERROR a line; returns (path, matches)."""
    path = work / "journal-300M.log"
    # Whole pages (the page-cache states are checked in pages): the lines,
    # then one line of dots to the end.
    lines = SIZE // len(LINE) - 1
    if not path.exists() or path.stat().st_size != SIZE:
        with open(path, "wb") as out:
            block = LINE * 10_000
            for _ in range(lines // 10_000):
                out.write(block)
            out.write(LINE * (lines % 10_000))
            out.write(b"." * (SIZE - lines * len(LINE) - 1) + b"\n")
    return path, lines


def one_round(binary, src, copy, journal, state, sync):
    """Plain replace, journalled replace, undo: their wall seconds."""
    flags = [] if sync else ["--no-sync"]
    times = {}
    for name, extra in (("plain", []), ("journalled", ["--journal", str(journal)])):
        journal.unlink(missing_ok=True)
        run.fresh_copy(src, copy)
        run.set_state(copy, state)
        times[name], _ = timed([binary, "replace", "-q", *flags, *extra, "ERROR", "FIXED", copy])
    size = journal.stat().st_size
    times["undo"], out = timed([binary, "undo", *flags, journal])
    if journal.exists() or not out.strip().endswith("regions restored"):
        sys.exit(f"undo left its journal or said: {out!r}")
    if subprocess.run(["cmp", "-s", src, copy]).returncode != 0:
        sys.exit("undo did not restore the file")
    return times, size


def disk_write(work, size):
    """Seconds to write `size` bytes (1 MiB writes) to a new file beside the
    journal and flush it with fdatasync: the journal's own bytes at the
    disk's speed, which the spec adds to the target."""
    path = work / "journal-disk-speed.bin"
    chunk = b"j" * (1 << 20)
    began = time.perf_counter()
    with open(path, "wb") as out:
        for _ in range(size // len(chunk)):
            out.write(chunk)
        out.write(chunk[: size % len(chunk)])
        out.flush()
        os.fdatasync(out.fileno())
    took = time.perf_counter() - began
    path.unlink()
    return took


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", default=5, type=int)
    parser.add_argument("--work", default=run.BENCH / "work", type=Path)
    parser.add_argument("--out", default=run.BENCH / "results" / "journal.md", type=Path)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    binary = run.build_mpatch()
    if binary is None:
        sys.exit("the binary did not build")
    src, matches = source(args.work)
    copy, journal = args.work / "journal-copy.log", args.work / "journal-copy.mpj"
    rows, size = [], 0
    for sync in (False, True):
        for state in STATES:
            got = {"plain": [], "journalled": [], "undo": []}
            for _ in range(args.reps):
                times, size = one_round(binary, src, copy, journal, state, sync)
                for name, seconds in times.items():
                    got[name].append(seconds)
            med = {name: statistics.median(t) for name, t in got.items()}
            rows.append((sync, state, med))
            print(f"{'durable' if sync else '--no-sync'} {state}: " +
                  ", ".join(f"{k} {v:.3f} s" for k, v in med.items()), flush=True)
    copy.unlink(missing_ok=True)
    disk = statistics.median(disk_write(args.work, size) for _ in range(args.reps))
    lines = [
        "# The journal's rows",
        "",
        f"`python3 bench/journal_rows.py --reps {args.reps}`: {SIZE >> 20} MiB, "
        f"{matches:,} matches of `ERROR` (one a 97-byte line), a journal of "
        f"{size / 2**20:.1f} MiB; medians of {args.reps} runs, wall seconds. "
        "Targets (SPEC): journalled ≤ 1.5 × plain plus the journal's own bytes at the "
        f"disk's speed (the journal is flushed before the file changes, `--no-sync` or not: "
        f"its {size / 2**20:.1f} MiB written and flushed with `fdatasync` beside it took "
        f"{disk:.3f} s, median of {args.reps}); undo ≤ 1.0 × the journalled replace.",
        "",
        "| mode | state | plain replace | journalled | undo | journalled / plain "
        "| target: 1.5 × plain + journal bytes | undo / journalled |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for sync, state, med in rows:
        jp = med["journalled"] / med["plain"]
        uj = med["undo"] / med["journalled"]
        target = 1.5 * med["plain"] + disk
        verdict = "PASS" if med["journalled"] <= target else "MISS"
        lines.append(
            f"| {'durable' if sync else '--no-sync'} | {state} | {med['plain']:.3f} | "
            f"{med['journalled']:.3f} | {med['undo']:.3f} | {jp:.2f}× | "
            f"{target:.3f} s: **{verdict}** | {uj:.2f}×: **{'PASS' if uj <= 1 else 'MISS'}** |")
    lines.append("")
    lines.append("The undo meets its file as the journalled replace left it (in the page cache, "
                 "dirty with `--no-sync`), whatever the state the replace started from.")
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
