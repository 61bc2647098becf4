"""Drives the independent IPS and BPS implementations for mpatch's format
tests: `peer.py ACTION DIR` does ACTION for every case DIR/N.old, DIR/N.new.

ACTION is one of
  ips-make     ips_util writes DIR/N.ips from N.old to N.new
  ips-util     ips_util applies DIR/N.ips to N.old, writing N.out
  python-ips   python-ips applies DIR/N.ips to a copy of N.old, N.out
  bps-make     python-bps-continued writes DIR/N.bps (with source and
               target copies); prints how many of each action it used
  bps-apply    python-bps-continued applies DIR/N.bps to N.old, N.out
"""

import collections
import pathlib
import shutil
import sys

import bps.apply
import bps.diff
import bps.io
import bps.operations
import ips
import ips_util


def cases(folder):
    return sorted(p.with_suffix("") for p in folder.glob("*.old"))


def main(action, folder):
    folder = pathlib.Path(folder)
    counts = collections.Counter()
    for case in cases(folder):
        old = case.with_suffix(".old")
        new = case.with_suffix(".new")
        out = case.with_suffix(".out")
        if action == "ips-make":
            patch = ips_util.Patch.create(old.read_bytes(), new.read_bytes())
            case.with_suffix(".ips").write_bytes(patch.encode())
        elif action == "ips-util":
            patch = ips_util.Patch.load(str(case.with_suffix(".ips")))
            out.write_bytes(bytes(patch.apply(old.read_bytes())))
        elif action == "python-ips":
            shutil.copyfile(old, out)
            ips.apply(str(case.with_suffix(".ips")), str(out))
        elif action == "bps-make":
            ops = bps.diff.diff_bytearrays(4, old.read_bytes(), new.read_bytes())
            with open(case.with_suffix(".bps"), "wb") as f:
                bps.io.write_bps(ops, f)
            with open(case.with_suffix(".bps"), "rb") as f:
                counts.update(type(op).__name__ for op in bps.io.read_bps(f))
        elif action == "bps-apply":
            with open(case.with_suffix(".bps"), "rb") as p, open(old, "rb") as s, open(out, "wb") as t:
                bps.apply.apply_to_files(p, s, t)
        else:
            sys.exit(f"unknown action {action}")
    for name, n in sorted(counts.items()):
        print(f"{name} {n}")


if __name__ == "__main__":
    main(*sys.argv[1:])
