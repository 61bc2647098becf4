#!/usr/bin/env python3
"""A few rows of the benchmark alone, timed by its own loop, more times.

A row that a full run (3 to 5 runs each) shows off its target can be timed
here with the same cases, states, fresh copies and state checks as
bench/run.py, round-robin in the order given, as many times as asked;
prints each row's median and every run. Uses the log (and its files) that
bench/run.py made in --work; the tree, pairs and sparse rows are not here.

    python3 bench/rows_alone.py find,dry_run [--state written] [--reps 8]

Row keys are the `key`s of results.json (find, rg, dry_run, replace,
pwrite_floor, replace_durable, cores_fold, dense_replace, ...).
"""
import argparse
import statistics
from pathlib import Path

import run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("keys", help="row keys, comma-separated, timed in this order")
    parser.add_argument("--state", default="written", choices=run.STATES)
    parser.add_argument("--reps", type=int, default=8)
    parser.add_argument("--size", type=run.parse_size, default=run.parse_size("1G"))
    parser.add_argument("--work", type=Path, default=run.BENCH / "work")
    args = parser.parse_args()
    work = args.work.resolve()
    tools = run.ensure_tools(fastmod=False)
    mpatch = run.build_mpatch()
    log, counts = run.prepare_log(work, args.size)
    tools["floor"], tools["offsets"] = run.floor_tool(), str(run.match_offsets(log, work))
    tools["dense"] = min(run.DENSE_BYTES, args.size // 4)
    _, cases = run.make_cases(tools, mpatch, counts, None, None)
    known = {c.key: c for c in cases if c.state == args.state}
    wanted = args.keys.split(",")
    if missing := [k for k in wanted if k not in known]:
        parser.error(f"no row {', '.join(missing)} in state {args.state} "
                     f"(rows: {', '.join(sorted(known))})")
    chosen = [known[k] for k in wanted]
    sources = {"log": run.log_source(log, work),
               "dense": run.dense_source(work, tools["dense"])}
    # As run.benchmark: the searched copy a read-back or cold run evicts
    # and reads (a just-written run makes its own).
    sources["log"].fresh(sources["log"].searched)
    try:
        run.run_reps(chosen, sources, args.reps, args.reps)
    finally:
        for source in sources.values():
            source.remove(source.searched)
            source.remove(source.scratch)
    for case in chosen:
        seconds = [r["seconds"] for r in case.runs]
        if case.failure or not seconds:
            print(f"{case.key:<20} failed: {case.failure}")
            continue
        print(f"{case.key:<20} median {statistics.median(seconds):.4f} s  runs "
              + " ".join(f"{s:.4f}" for s in seconds))


if __name__ == "__main__":
    main()
