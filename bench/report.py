"""Reports for bench/run.py: spec checks, results.md, results.json and chart.svg."""

import html
import json
import math
import shlex
import statistics

MPATCH_COLOR, PEER_COLOR = "#e8590c", "#748ffc"
# One shade per page-cache state: dark for written, middle for readback, light for cold.
STATE_COLORS = {
    "mpatch": {"written": "#c2410c", "readback": "#f76707", "cold": "#ffc078"},
    "peer": {"written": "#364fc7", "readback": "#748ffc", "cold": "#bac8ff"},
}
PANELS = [("Search", ["search", "scan"]), ("Replace", ["replace", "durable", "one"]),
          ("Many patterns, a regex mask, a tree, a sparse file (just written)",
           ["pairs_find", "pairs_replace", "mask", "tree_find", "tree_absent", "tree_replace",
            "sparse"])]
MIB = 1 << 20


# ---------------------------------------------------------------- checks

def spec_checks(results):
    """The targets of SPEC.md's "Speed and memory", per page-cache state, measured, PASS/MISS."""
    median = {(c["key"], c["state"]): c["median_seconds"] for c in results["cases"]}
    checks = []

    def add(state, target, value, limit, at_most, unit="×", rule=None, measured=None,
            strict=False, info=None):
        # `info`: shown for comparison, not a SPEC target here (and why).
        if info:
            status, rule = "info", info
        elif value is None:
            status = "n/a"
        elif strict:
            status = "PASS" if (value < limit if at_most else value > limit) else "MISS"
        else:
            status = "PASS" if (value <= limit if at_most else value >= limit) else "MISS"
        sign = ("<" if at_most else ">") if strict else ("≤" if at_most else "≥")
        check = {"state": state, "target": target, "value": value, "unit": unit,
                 "status": status, "rule": rule or f"{sign} {limit:g}{unit}"}
        if measured:
            check["measured"] = measured
        checks.append(check)
        return check

    for state in results["states"]:
        def ratio(a, b):
            x, y = median.get((a, state)), median.get((b, state))
            return x / y if x and y else None

        # The SPEC's figures are for a file in the page cache "unless said
        # otherwise"; a cold file's is `find -c` against `cat`.
        cached = None if state != "cold" else "— (SPEC: for a file in the page cache)"
        add(state, "`find -c` no slower than `rg -c -F` (`ERROR`): mpatch / rg",
            ratio("find", "rg"), 1, True, info=cached)
        add(state, "`find -c` no slower than `rg -c -F` (absent pattern): mpatch / rg",
            ratio("find_absent", "rg_absent"), 1, True, info=cached)
        if state == "cold":
            add(state, "cold `find -c` at most 1.1 × `cat F > /dev/null`: find / cat",
                ratio("find", "cat"), 1.1, True)
        add(state, "`replace --no-sync` / own `find -c`", ratio("replace", "find"), 1.2, True,
            info="— (SPEC: against the floor, next row)")
        floor = [median.get((k, state)) for k in ("find", "pwrite_floor")]
        add(state, "`replace --no-sync` / floor (own `find -c` + one bare `pwrite` per match, "
            "a C loop)", median.get(("replace", state)) / sum(floor)
            if all(floor) and median.get(("replace", state)) else None, 1.15, True)
        add(state, "dry run (`replace --dry-run`) / own `find -c`", ratio("dry_run", "find"),
            1.2, True)
        for key, what, limit in (("fold", "`find -c -i`", 1.0),
                                 ("pairs", "100 literals, `find -c -f`", 0.6),
                                 ("regex", "regex `id=[0-9a-f]{8}`, `find -c`", 0.3)):
            add(state, f"cores: {what} one core / all cores",
                ratio(f"cores_{key}_one", f"cores_{key}"), 1.6, False)
            add(state, f"cores: {what} / `rg --count-matches`",
                ratio(f"cores_{key}", f"cores_{key}_rg"), limit, True)
        add(state, "`sed -i` / `replace --no-sync`", ratio("sed", "replace"), 20, False,
            info=cached)
        add(state, "`sd -F` / `replace --no-sync`", ratio("sd", "replace"), 20, False,
            info=cached)
        add(state, "`replace` (durable) / (`replace --no-sync && sync F`)",
            ratio("replace_durable", "replace_sync"), 1.1, True)
        add(state, "(`sed -i && sync F`) / `replace` (durable)",
            ratio("sed_sync", "replace_durable"), 10, False, info=cached)
        add(state, "(`sd -F && sync F`) / `replace` (durable)",
            ratio("sd_sync", "replace_durable"), 10, False, info=cached)
    row_checks(results, median, add, checks)
    disk = results.get("disk")
    if disk:
        floor, limit = disk["floor_bytes"], disk["limit_bytes"]
        target = disk["target"]
        for row in disk["rows"]:
            if row["key"] != "replace_durable":
                continue
            value = row["median_bytes"]
            add(row["state"], "bytes a durable `replace` writes to the disk (loop-mounted ext4)",
                None if value is None else value / MIB, limit / MIB, True, unit=" MiB",
                rule=f"≤ {target['factor']:g} × floor + {target['plus_bytes'] / MIB:g} MiB "
                     f"= {limit / MIB:.1f} MiB",
                measured=None if value is None else
                f"{value / MIB:.1f} MiB ({value / floor:.2f} × floor)")
    limit = results["heap_limit_mib"]
    for m in results["memory_check"] or []:
        add("written", f"heap + private COW (peak Anonymous) of `{m['command']}`",
            m["anon_mib"] if m["ok"] else None, limit, True, unit=" MiB")
        if not m["ok"]:
            checks[-1]["status"] = "MISS"
    tests = results["ignored_tests"]
    if tests:
        checks.append({"state": "—",
                       "target": "`cargo test --release --test large -- --ignored` (40 GiB sparse file, offsets past 4 GiB)",
                       "value": None, "unit": "", "rule": "all pass",
                       "measured": f"{tests['passed']} passed, {tests['failed']} failed",
                       "status": "MISS" if not tests["ok"] else "PASS" if tests["passed"] else "n/a"})
    for check in checks:
        value = check["value"]
        # Enough digits that a value just over its limit does not print as the limit.
        check.setdefault("measured", "—" if value is None else
                         f"{value:.3f}{check['unit']}" if value < 10 else
                         f"{value:.1f}{check['unit']}")
    return checks


def row_checks(results, median, add, checks):
    """The targets of "Many patterns, trees and sparse files" (just written), where measured."""
    def ratio(a, b):
        x, y = median.get((a, "written")), median.get((b, "written"))
        return x / y if x and y else None

    keys = {key for key, _ in median}
    if "pairs_find" in keys:
        add("written", "100 literal patterns: `find -c -f` / `rg -c -F -f`",
            ratio("pairs_find", "pairs_rg"), 1, True,
            info="— (SPEC: against `rg --count-matches`, the cores row: ≤ 0.6×)")
        add("written", "100 literal pairs: `replace --no-sync -f` / own `find -c -f`",
            ratio("pairs_replace", "pairs_find"), 1.3, True)
        add("written", "100 literal pairs: `sed -i -f` (100 `s///g`) / `replace --no-sync -f`",
            ratio("pairs_sed", "pairs_replace"), 20, False)
    if "dense_find" in keys:
        add("written", "dense `aa` in `a`: `find -c` one core / all cores",
            ratio("dense_find_one", "dense_find"), 1.6, False)
        add("written", "dense `aa` in `a`: `find -c` / `rg --count-matches`",
            ratio("dense_find", "dense_rg"), 0.7, True)
        add("written", "dense `aa` in `a`: `replace --no-sync` / own `find -c`",
            ratio("dense_replace", "dense_find"), 1.5, True)
    if "mask" in keys:
        add("written", "regex mask: `replace --no-sync --regex … --mask X` / `rg -c` (same regex)",
            ratio("mask", "mask_rg"), 1.3, True)
    if "tree_find" in keys:
        add("written", "tree: `find -c -r` no slower than `rg -c -F`: mpatch / rg",
            ratio("tree_find", "tree_rg"), 1, True)
        add("written", "tree, pattern absent (the cost of each file): `find -c -r` / `rg -c -F`",
            ratio("tree_absent", "tree_absent_rg"), 1, True)
        add("written", "tree: (`rg -l -0 -F … | xargs -0 sd -F`) / `replace -r --no-sync`",
            ratio("tree_sd", "tree_replace"), 10, False)
        add("written", "tree: `fastmod -F --accept-all` / `replace -r --no-sync` (mpatch faster)",
            ratio("tree_fastmod", "tree_replace"), 1, False, strict=True)
    if "sig_find" in keys:
        add("written", "signature `find -c -x '45 52 ?? 4f 52'` / the literal `find -c`",
            ratio("sig_find", "sig_literal"), 2, True)
    if "diff" in keys:
        add("written", "`diff` of two equal cached copies of the log / `cmp`",
            ratio("diff", "diff_cmp"), 0.5, True)
    sparse = (results.get("rows") or {}).get("sparse")
    if sparse:
        add("written", f"sparse file ({sparse['size'] / 2**30:g} GiB, "
            f"{sparse['data_bytes'] >> 20} MiB of data): `find -c`",
            median.get(("sparse_find", "written")), 1, True, unit=" s", strict=True)
        allocated = max(sparse["allocated_bytes"], sparse.get("allocated_bytes_after", 0))
        add("—", "sparse file stays sparse (`du`: allocated bytes), and is deleted afterwards",
            allocated / MIB, sparse["allocated_limit"] / MIB, True, unit=" MiB",
            measured=f"{allocated / MIB:.1f} MiB, "
                     f"{'deleted' if sparse.get('deleted') else 'NOT DELETED'}")
        if not sparse.get("deleted"):
            checks[-1]["status"] = "MISS"
    for check in (results.get("rows") or {}).get("checks") or []:
        add("—", "untimed: " + check["check"], None, 0, True, rule="equal",
            measured=check["detail"])["status"] = "PASS" if check["ok"] else "MISS"


# ---------------------------------------------------------------- tables

def cell(text):
    """Text for a Markdown table cell: `|` escaped (also inside code spans)."""
    return text.replace("|", "\\|")


def group_rows(results, state):
    """(group key, title, [(case, ratio to the group's first case)]) of one state, in order."""
    rows = []
    for key, title in results["groups"].items():
        cases = [c for c in results["cases"] if c["group"] == key and c["state"] == state]
        if not cases:
            continue
        ref = cases[0]["median_seconds"]
        rows.append((key, title, [(c, c["median_seconds"] / ref if ref and c["median_seconds"]
                                   else None) for c in cases]))
    return rows


def shown_command(command):
    """A command line for the report, inline Python scripts elided."""
    return " ".join("'<script in run.py>'" if "\n" in word else shlex.quote(word)
                    for word in shlex.split(command))


def folio_text(folios):
    """'2 MiB: 97.7%, 1 MiB: 1.6%, …' from {folio KiB: bytes}, largest first."""
    if not folios:
        return "not measured"
    total = sum(folios.values())
    parts = sorted(((int(k), v) for k, v in folios.items()), reverse=True)
    return ", ".join(f"{human_kib(k)}: {100 * v / total:.1f}%" for k, v in parts
                     if 100 * v / total >= 0.05)


def human_kib(kib):
    """'4 KiB', '2 MiB'."""
    return f"{kib // 1024} MiB" if kib >= 1024 and kib % 1024 == 0 else f"{kib} KiB"


def cached_text(results, state):
    """What fincore saw before the runs of a state, and how many runs were timed again."""
    size = results["size_bytes"]
    cases = [c for c in results["cases"] if c["state"] == state]
    seen = [(b, c.get("want_cached", 0 if state == "cold" else size))
            for c in cases for b in c["cached_before"]]
    # (a sparse file's holes are not counted: its data must be cached, holes may be too)
    good = sum(1 for b, want in seen if (b == 0 if state == "cold" else b >= want))
    what = "no byte" if state == "cold" else "the whole file (or tree)"
    text = f"{good} of {len(seen)} timed runs started with {what} in the page cache"
    redone = sum(c.get("redone", 0) for c in cases)
    lost = sum(c.get("lost", 0) for c in cases)
    disk = results.get("disk")
    if disk:
        redone += sum(r.get("redone", 0) for r in disk["rows"] if r["state"] == state)
        lost += sum(r.get("lost", 0) for r in disk["rows"] if r["state"] == state)
    if redone or lost:
        text += (f"; runs done again because the file was not in this state"
                 + (" all along" if state != "cold" else "")
                 + f": {redone}" + (f", runs given up: {lost}" if lost else ""))
    return text


def state_table(results, state):
    """The detailed timing table of one state."""
    lines = ["| tool | median s | × mpatch | runs | read from disk MiB | peak RSS MiB | CPU % |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for _, title, cases in group_rows(results, state):
        lines.append(f"| **{cell(title)}** | | | | | | |")
        for case, ratio in cases:
            if case["failure"] and not case["median_seconds"]:
                what = "timed out" if case.get("timed_out") else "failed"
                lines.append(f"| {cell(case['label'])} | {what}: {cell(case['failure'][:80])} "
                             f"| | | | | |")
                continue
            ratio_text = "—" if ratio is None else f"{ratio:.2f}"
            cpu = f"{case['cpu_percent']:.0f}" if case["median_seconds"] >= 0.05 else "—"
            read = statistics.median(case.get("read_bytes") or [0]) / MIB
            lines.append(f"| {cell(case['label'])} | {case['median_seconds']:.3f} | {ratio_text} | "
                         f"{len(case['seconds'])} | {read:.1f} | {case['peak_rss_mib']:.1f} | "
                         f"{cpu} |")
    return lines


def side_by_side(results):
    """Median seconds (and × mpatch) of every tool, one column per state."""
    states = list(results["states"])
    lines = ["| tool | " + " | ".join(f"{s} s | × mpatch" for s in states) + " |",
             "| --- |" + " ---: | ---: |" * len(states)]
    per_state = {s: {(c["group"], c["key"]): (c, r) for _, _, cases in group_rows(results, s)
                     for c, r in cases} for s in states}
    for key, title, cases in group_rows(results, states[0]):
        lines.append(f"| **{cell(title)}** |" + " | |" * len(states))
        for case, _ in cases:
            cells = []
            for s in states:
                c, r = per_state[s].get((key, case["key"]), (None, None))
                if c is None:
                    cells += ["", ""]
                elif not c["median_seconds"]:
                    cells += ["timed out" if c.get("timed_out") else "failed", ""]
                else:
                    cells += [f"{c['median_seconds']:.3f}", "—" if r is None else f"{r:.2f}"]
            lines.append(f"| {cell(case['label'])} | " + " | ".join(cells) + " |")
    return lines


def disk_table(results):
    """Bytes written to the loop device per tool and state, against the floor."""
    disk = results["disk"]
    floor, limit = disk["floor_bytes"], disk["limit_bytes"]
    states = sorted({r["state"] for r in disk["rows"]}, key=list(results["states"]).index)
    lines = ["| tool | " + " | ".join(f"{s}: MiB written | × floor" for s in states)
             + " | " + " | ".join(f"{s}: s" for s in states) + " |",
             "| --- |" + " ---: | ---: |" * len(states) + " ---: |" * len(states)]
    rows = {(r["key"], r["state"]): r for r in disk["rows"]}
    for key in dict.fromkeys(r["key"] for r in disk["rows"]):
        label = next(r["label"] for r in disk["rows"] if r["key"] == key)
        cells, times = [], []
        for s in states:
            r = rows[(key, s)]
            if r["median_bytes"] is None:
                cells += [f"failed: {(r['failure'] or '')[:40]}", ""]
                times.append("")
            else:
                cells += [f"{r['median_bytes'] / MIB:.1f}", f"{r['median_bytes'] / floor:.2f}"]
                times.append(f"{statistics.median(r['seconds']):.2f}")
        lines.append(f"| {label} | " + " | ".join(cells + times) + " |")
    lines.append(f"| *floor: {disk['changed_blocks']:,} blocks × 4 KiB* | "
                 + " | ".join([f"{floor / MIB:.1f}", "1.00"] * len(states))
                 + " |" + " |" * len(states))
    lines.append(f"| *spec limit for mpatch: {disk['target']['factor']:g} × floor + "
                 f"{disk['target']['plus_bytes'] / MIB:g} MiB* | "
                 + " | ".join([f"{limit / MIB:.1f}", f"{limit / floor:.2f}"] * len(states))
                 + " |" + " |" * len(states))
    return lines


def markdown(results):
    """The whole results.md."""
    m, v = results["machine"], results["versions"]
    size = results["size_bytes"]
    slow = ", ".join(results["slow_tools"])
    reps_text = (f"median of {results['reps']} runs" if results["slow_reps"] >= results["reps"]
                 else f"median of {results['reps']} runs ({slow}: {results['slow_reps']} runs, "
                      f"the first {results['slow_reps']} of the round-robin, to keep the "
                      f"benchmark short)")
    disk = results.get("disk")
    lines = [
        "# mpatch benchmark results", "",
        f"{results['date']}: a {human_size(size)} log ({size:,} bytes) with "
        f"{results['counts']['ERROR']:,} `ERROR`, in three page-cache states; {reps_text}, "
        f"interleaved round-robin. The timings took {results['timing_seconds'] / 60:.1f} min"
        + (f", the disk-bytes runs {disk['seconds'] / 60:.1f} min" if disk else "") + ".", "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem_total_gib']} GiB RAM, "
        f"Linux {m['kernel']}, work dir on {m['work_fs']}; 1-minute load average "
        f"{results['load_average'][0]:.2f} before the timings and "
        f"{results['load_average'][1]:.2f} after (other work on the machine skews them).", "",
        "Tools: " + "; ".join(f"{v[k]}" for k in v), "",
        "## Page-cache states", "",
        "Every timed command meets its file in one of these states; the file is put in it "
        "just before each run (a fresh copy for the commands that write and for the searches "
        "of a just-written file) and checked with `fincore`; for written and readback, a "
        "command that read more than 1 MiB from the disk (GNU time's `%I`) is run again: its "
        "file had lost pages on the way. "
        + (f"(This machine's kernel evicts pages on its own: {m['damon_pageout']}.) "
           if m.get("damon_pageout") else "")
        + "Folio sizes: how the cached file's pages are grouped, from "
        "`/proc/kpageflags` (share of the file's bytes in folios of each size).", "",
        "| state | how | checked before each run | folio sizes |",
        "| --- | --- | --- | --- |",
    ]
    for state, how in results["states"].items():
        folios = (results.get("folios") or {}).get(state)
        lines.append(f"| **{state}** | {how} | {cached_text(results, state)} | "
                     f"{folio_text(folios) if state != 'cold' else '(not cached)'} |")
    lines += [
        "", "## Timings, side by side", "",
        "Median wall time in seconds per state; `× mpatch` is that time divided by the "
        "group's first row (the mpatch reference) in the same state. The one-match group, and "
        "the many-pattern, mask, tree and sparse-file groups (see below), run on a "
        "just-written file (or tree) only.", "",
    ]
    lines += side_by_side(results)
    for state in results["states"]:
        lines += ["", f"## Timings: {state}", "",
                  f"The file is {results['states'][state]}.", ""]
        if state == list(results["states"])[0]:
            lines += ["Peak RSS is GNU time's `%M`. It counts the file's pages that "
                      "mmap-based tools (mpatch, rg, python) touch, which are page cache, not "
                      "heap: see the memory check for heap. CPU % is (user + system) / wall "
                      "time: over 100 means more than one core (GNU time counts CPU in 10 ms "
                      "steps, so it is left out below 50 ms). `runs` is the number of timed "
                      "runs the median is taken over. `read from disk` is GNU time's `%I` "
                      "(ru_inblock × 512, by read() or page faults; median): about 0 when the "
                      "command met a cached file, about the file's size when it met a cold "
                      "one.", ""]
        lines += state_table(results, state)
    lines += rows_section(results)
    if disk:
        lines += ["", "## Bytes written to the disk by a durable replace", "",
                  f"Each command runs on a fresh copy of the log in a new ext4 file system "
                  f"({disk['image_bytes'] / MIB:.0f} MiB image in the work directory, "
                  f"`mkfs.ext4` with the inode tables and journal initialised at once, on "
                  f"`{disk.get('device', '?')}`"
                  f"{' with direct I/O' if disk.get('direct_io') else ''}, default mount "
                  f"options). Written: sectors-written of `/sys/block/loopN/stat` (× 512) from "
                  f"just before the command until after the command and a `sync -f` on the "
                  f"mount, each read once the counter had stood still for a second, so that "
                  f"what a tool leaves dirty for the kernel to write back is counted for every "
                  f"tool alike. Median of {disk['reps']} runs"
                  + (f" ({slow}: {disk['slow_reps']})" if disk["slow_reps"] < disk["reps"]
                     else "") + "; `s` is the command's own time there (without the final "
                  f"`sync -f`).", "",
                  f"Floor: the {disk['matches']:,} matches lie in {disk['changed_blocks']:,} "
                  f"distinct 4 KiB blocks, {disk['floor_bytes'] / MIB:.1f} MiB: the least any "
                  f"in-place writer must write.", ""]
        lines += disk_table(results)
    lines += ["", "## Spec targets (SPEC.md, \"Speed and memory\")", "",
              "| state | target | measured | needed | result |",
              "| --- | --- | ---: | ---: | --- |"]
    lines += [f"| {c['state']} | {cell(c['target'])} | {cell(c['measured'])} | {c['rule']} | "
              f"**{c['status']}** |" for c in results["checks"]]
    lines += ["", "A row marked **info** is shown for comparison only: the SPEC sets no "
              "figure for it in that state (its figures are for a file in the page cache "
              "unless it says otherwise), or sets it against another command (named)."]
    if results["mismatches"]:
        lines += ["", "## OUTPUT MISMATCH", ""] + [f"```\n{p}\n```" for p in results["mismatches"]]
    else:
        lines += ["", "All replace commands wrote byte-identical files in every state and on "
                  "the loop-mounted ext4 (sha256 compared)."]
    if results["memory_check"]:
        lines += ["", "## Memory check", "",
                  "A 256 MiB file of `a` (134,217,728 matches of `aa`). Peak RSS is GNU time's "
                  "`%M`; Anonymous (heap plus private copy-on-write pages) and Private_Dirty "
                  "are peaks of `/proc/PID/smaps_rollup` sampled every 20 ms. Anonymous is the "
                  "heap figure the spec bounds; Private_Dirty also counts the page-cache pages "
                  "that a shared mapping has dirtied, which are the file's, not heap.", "",
                  "| command | s | peak RSS MiB | peak Anonymous MiB | peak Private_Dirty MiB | output |",
                  "| --- | ---: | ---: | ---: | ---: | --- |"]
        lines += [f"| `{r['command']}` | {r['seconds']:.2f} | {r['maxrss_mib']:.1f} | "
                  f"{r['anon_mib']:.1f} | {r['private_dirty_mib']:.1f} | {r['output'][:60]} |"
                  for r in results["memory_check"]]
    tests = results["ignored_tests"]
    if tests:
        lines += ["", f"Ignored tests: `{tests['command']}` exited {tests['rc']} "
                  f"({tests['passed']} passed, {tests['failed']} failed, {tests['seconds']:.0f} s)."]
        if not tests["ok"]:
            lines += ["", "```", tests["tail"], "```"]
    lines += ["", "## Commands", "", "`F` is the log (a fresh copy of it for commands that write), "
              "`TREE` a fresh copy of the tree, `SPARSE` the sparse file.", "", "```"]
    commands = {c["key"]: c["command"] for c in results["cases"]}
    lines += [f"{key:<20} {shown_command(command)}" for key, command in commands.items()]
    lines += ["```", ""]
    return "\n".join(lines)


def rows_section(results):
    """How the many-pattern, mask, tree and sparse-file rows are made, and their checks."""
    extra = results.get("rows") or {}
    if not any(extra.get(k) for k in ("pairs", "mask", "tree", "sparse")):
        return []
    printed = {c["key"]: c.get("printed_count") for c in results["cases"]}
    lines = ["", "## Many patterns, a regex mask, a tree, a sparse file", "",
             "SPEC.md's \"Many patterns, trees and sparse files\", each on a just-written "
             "input (a fresh copy for each writer and each search), in the same round-robin "
             "as the rest; medians in the tables above."]
    pairs = extra.get("pairs")
    if pairs:
        words = pairs["words"]
        counts = sorted(words.values(), reverse=True)
        lines += ["", f"**{len(words)} literal pairs** on the log: words (runs of 3 or more "
                  f"lower-case letters) that occur in every block the log generator repeats "
                  f"and in at most 1 line in {1 / pairs['max_word_share']:.0f}, drawn at "
                  f"frequencies spaced on a log scale; no word is a substring of another, no "
                  f"two overlap in the log, and each becomes its upper case, so the 100 "
                  f"sequential `s/OLD/NEW/g` of sed make the same edit as one pass (checked: "
                  f"sha256). {pairs['total']:,} matches in all, from {counts[0]:,} to "
                  f"{counts[-1]:,} per word. `rg -c` counts lines with a match "
                  f"({printed.get('pairs_rg') or 0:,} here), not matches, so only its time "
                  f"compares; perl runs one pass with an alternation of the 100 words and a "
                  f"hash of their replacements (100 separate `s///g` take as long as sed). "
                  f"`sed -i -f` with 100 commands is very slow (about 90 s a run on 1 GiB), so "
                  f"it is timed in the first {extra.get('very_slow_reps', 1)} round(s) only.",
                  "",
                  "Words (count in the log): "
                  + ", ".join(f"`{w}` {n:,}" for w, n in words.items()) + "."]
    mask = extra.get("mask")
    if mask:
        lines += ["", f"**Regex mask**: every `{mask['regex']}` (the log's ids, always 15 bytes, "
                  f"{mask['matches']:,} matches, one a line) overwritten with "
                  f"`{mask['byte']}`; sed gets the same regex with 15 `{mask['byte']}`."]
    tree = extra.get("tree")
    if tree:
        kinds = ", ".join(f"{k} {v['files']:,} files / {v['bytes'] / MIB:.0f} MiB / "
                          f"{v['matches']:,} `ERROR`" for k, v in tree["by_kind"].items())
        lines += ["", f"**Tree**: {tree['files']:,} files, {tree['bytes'] / MIB:.0f} MiB in "
                  f"{tree['dirs']:,} folders (files up to {tree['max_depth']} folders deep), "
                  f"generated once and cached (`{tree['root']}`): {kinds}. A `.gitignore` at "
                  f"the top ({', '.join(f'`{x}`' for x in tree['gitignore'].split())}) "
                  f"excludes {tree['ignored_files']:,} files, {tree['ignored_bytes'] / MIB:.0f} "
                  f"MiB ({100 * tree['ignored_bytes'] / tree['bytes']:.0f}%), holding "
                  f"{tree['ignored_matches']:,} `ERROR` that no tool may count or change; an "
                  f"empty `.git/` makes it a repository for rg and fastmod (which honour "
                  f".gitignore only in one). Counted and replaced: {tree['matches']:,} `ERROR` "
                  f"in {tree['files_with_matches']:,} files. Each run gets a fresh `cp -a` "
                  f"copy, synced and checked fully cached (fincore); a writer's result is "
                  f"hashed whole (sorted paths and contents) and must leave no `ERROR` outside "
                  f"the ignored files and all of them inside."]
    sparse = extra.get("sparse")
    if sparse:
        rg = next((c for c in results["cases"] if c["key"] == "sparse_rg"), None)
        lines += ["", f"**Sparse file**: {sparse['size'] / 2**30:g} GiB of holes with "
                  f"{sparse['data_bytes'] >> 20} MiB of the log's text in pieces at offsets "
                  f"{', '.join(f'{o:,}' for o in sparse['offsets'])} ({sparse['matches']:,} "
                  f"`ERROR`); {sparse['allocated_bytes'] / MIB:.1f} MiB allocated on the disk "
                  f"(`du`), deleted after the runs. rg reads the holes as zeros through the page "
                  f"cache: it runs once, last, with a {sparse['timeout']} s timeout"
                  + (" (it timed out)" if rg and rg.get("timed_out") else "") + "."]
    checks = extra.get("checks") or []
    if checks:
        lines += ["", "Untimed checks, run once:", ""]
        lines += [f"- {c['check']}: {c['detail']}: **{'ok' if c['ok'] else 'FAILED'}**"
                  for c in checks]
    return lines


# ---------------------------------------------------------------- chart

def human_size(size):
    """'1 GiB', '64 MiB'."""
    return f"{size / (1 << 30):.3g} GiB" if size >= 1 << 30 else f"{size / (1 << 20):.3g} MiB"


def nice_steps(lo, hi):
    """The values 1, 2 and 5 times a power of ten from lo up to hi."""
    steps, exponent = [], math.floor(math.log10(lo))
    while 10 ** exponent <= hi:
        steps += [m * 10 ** exponent for m in (1, 2, 5) if lo <= m * 10 ** exponent <= hi]
        exponent += 1
    return steps


def seconds_label(value):
    """'250 ms' or '1.5 s'."""
    return f"{value * 1000:.3g} ms" if value < 1 else f"{value:.3g} s"


def chart_svg(results):
    """Horizontal bars: log-scaled seconds per tool, one bar per page-cache state, in a search
    and a replace panel; then, on a linear scale, the MiB each durable replace wrote to the disk
    against the floor and mpatch's limit."""
    states = list(results["states"])
    rows = {s: {key: (title, cases) for key, title, cases in group_rows(results, s)}
            for s in states}
    values = [c["median_seconds"] for c in results["cases"] if c["median_seconds"]]
    lo = nice_steps(min(values) / 20, min(values) / 2)[-1]
    hi = nice_steps(max(values), max(values) * 5)[0]
    width, label_w, x0, x1 = 1000, 300, 310, 830
    bar_h, bar_gap, row_gap = 7, 1, 8

    def x_of(value):
        return x0 + (x1 - x0) * math.log10(value / lo) / math.log10(hi / lo)

    size = results["size_bytes"]
    out, y = [], 34
    out.append(f'<text x="{width / 2}" y="{y}" class="title">mpatch vs. peer tools on a '
               f'{human_size(size)} log, three page-cache states (median seconds, log scale)'
               f'</text>')
    y += 24
    x = x0 - 150
    for family, name in (("mpatch", "mpatch"), ("peer", "other tools")):
        out.append(f'<text x="{x}" y="{y}" class="small" text-anchor="end">{name}:</text>')
        for state in states:
            out.append(f'<rect x="{x + 6}" y="{y - 9}" width="12" height="10" '
                       f'fill="{STATE_COLORS[family][state]}"/>'
                       f'<text x="{x + 22}" y="{y}" class="small">{state}</text>')
            x += 75
        x += 90
    y += 16
    out.append(f'<text x="{width / 2}" y="{y}" class="small" text-anchor="middle">written: '
               f'just written and synced; readback: evicted, then read once; cold: evicted, '
               f'on the disk only. × = time / the group\'s mpatch reference, same state.</text>')
    for panel, keys in PANELS:
        y += 30
        out.append(f'<text x="12" y="{y}" class="panel">{panel}</text>')
        top = y + 6
        y += 6
        for key in keys:
            if key not in rows[states[0]]:
                continue
            title, cases = rows[states[0]][key]
            y += 20
            out.append(f'<text x="24" y="{y}" class="group">'
                       f'{html.escape(title.replace("`", ""))}</text>')
            y += 6
            for ref_case, _ in cases:
                family = "mpatch" if ref_case["label"].startswith("mpatch") else "peer"
                bars = []
                for state in states:
                    for case, ratio in rows[state].get(key, (None, []))[1]:
                        if case["key"] == ref_case["key"]:
                            bars.append((state, case, ratio))
                height = len(bars) * (bar_h + bar_gap) - bar_gap
                out.append(f'<text x="{label_w}" y="{y + height / 2 + 4:.1f}" class="label" '
                           f'text-anchor="end">{html.escape(ref_case["label"])}</text>')
                for state, case, ratio in bars:
                    if case["median_seconds"]:
                        end = max(x_of(case["median_seconds"]), x0 + 2)
                        note = seconds_label(case["median_seconds"])
                        if ratio and case["key"] != cases[0][0]["key"]:
                            note += f" · {ratio:.3g}×"
                        out.append(f'<rect x="{x0}" y="{y}" width="{end - x0:.1f}" '
                                   f'height="{bar_h}" fill="{STATE_COLORS[family][state]}">'
                                   f'<title>{html.escape(case["label"])}, {state}: '
                                   f'{html.escape(note)}</title></rect>')
                        out.append(f'<text x="{end + 4:.1f}" y="{y + bar_h - 0.5}" '
                                   f'class="value">{html.escape(note)}</text>')
                    else:
                        what = ("timed out" if case.get("timed_out") else "failed")
                        out.append(f'<text x="{x0 + 4}" y="{y + bar_h - 0.5}" class="value">'
                                   f'{state}: {html.escape(what)}'
                                   f'{": " + html.escape(case["failure"] or "") if case.get("timed_out") else ""}'
                                   f'</text>')
                    y += bar_h + bar_gap
                y += row_gap - bar_gap
        out.insert(0, axis(x_of, lo, hi, top, y + 4))
        y += 18
    disk = results.get("disk")
    if disk and any(r["median_bytes"] for r in disk["rows"]):
        y = disk_panel(out, disk, states, y, label_w, x0, x1, bar_h, bar_gap, row_gap)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 10}" '
           f'viewBox="0 0 {width} {y + 10}" font-family="Helvetica, Arial, sans-serif">',
           "<style>.title{font-size:16px;font-weight:bold;text-anchor:middle}"
           ".panel{font-size:15px;font-weight:bold}.group{font-size:12px;font-weight:bold;fill:#444}"
           ".label{font-size:12px;fill:#222}.value{font-size:9px;fill:#222}"
           ".small{font-size:11px;fill:#444}.tick{font-size:10px;fill:#666;text-anchor:middle}"
           ".mark{font-size:10px;font-weight:bold}"
           "</style>",
           f'<rect width="{width}" height="{y + 10}" fill="white"/>'] + out + ["</svg>"]
    return "\n".join(svg) + "\n"


def disk_panel(out, disk, states, y, label_w, x0, x1, bar_h, bar_gap, row_gap):
    """The bytes-written panel of the chart (linear MiB, floor and limit marked); return y."""
    floor, limit = disk["floor_bytes"] / MIB, disk["limit_bytes"] / MIB
    top_value = max([limit] + [r["median_bytes"] / MIB for r in disk["rows"] if r["median_bytes"]])
    step = next(s for s in nice_steps(1, 1e6) if top_value / s <= 8)
    hi = step * math.ceil(top_value * 1.05 / step)

    def x_of(mib):
        return x0 + (x1 - x0) * mib / hi

    y += 30
    out.append(f'<text x="12" y="{y}" class="panel">Bytes written to the disk by a durable '
               f'replace (MiB, linear; loop-mounted ext4)</text>')
    top = y + 6
    y += 30                     # room for the floor and limit labels above the bars
    disk_states = [s for s in states if any(r["state"] == s for r in disk["rows"])]
    for key in dict.fromkeys(r["key"] for r in disk["rows"]):
        label = next(r["label"] for r in disk["rows"] if r["key"] == key)
        family = "mpatch" if label.startswith("mpatch") else "peer"
        height = len(disk_states) * (bar_h + bar_gap) - bar_gap
        out.append(f'<text x="{label_w}" y="{y + height / 2 + 4:.1f}" class="label" '
                   f'text-anchor="end">{html.escape(label)}</text>')
        for state in disk_states:
            row = next(r for r in disk["rows"] if r["key"] == key and r["state"] == state)
            if row["median_bytes"] is not None:
                mib = row["median_bytes"] / MIB
                end = max(x_of(mib), x0 + 1)
                note = f"{mib:.0f} MiB · {mib / floor:.3g}× floor"
                out.append(f'<rect x="{x0}" y="{y}" width="{end - x0:.1f}" height="{bar_h}" '
                           f'fill="{STATE_COLORS[family][state]}"><title>{html.escape(label)}, '
                           f'{state}: {note}</title></rect>')
                out.append(f'<text x="{end + 4:.1f}" y="{y + bar_h - 0.5}" class="value">'
                           f'{note}</text>')
            else:
                out.append(f'<text x="{x0 + 4}" y="{y + bar_h - 0.5}" class="value">'
                           f'{state}: failed</text>')
            y += bar_h + bar_gap
        y += row_gap - bar_gap
    bottom = y + 4
    ticks = []
    value = 0
    while value <= hi + 1e-9:
        x = x_of(value)
        ticks.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#e4e4e4"/>'
                     f'<text x="{x:.1f}" y="{bottom + 13}" class="tick">{value:g} MiB</text>')
        value += step
    for mib, color, name, dy in ((floor, "#2f9e44", "floor", 0),
                                 (limit, "#e03131", "mpatch's limit", 11)):
        x = x_of(mib)
        ticks.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{color}" '
                     f'stroke-width="1.5" stroke-dasharray="4 3"/>'
                     f'<text x="{x + 3:.1f}" y="{top + 8 + dy}" class="mark" fill="{color}">'
                     f'{name} {mib:.1f} MiB</text>')
    out.insert(0, "\n".join(ticks))
    return bottom + 24


def axis(x_of, lo, hi, top, bottom):
    """Grid lines at 1, 2 and 5 of each decade, labelled at the bottom of a panel."""
    decades = math.log10(hi / lo)
    labelled = (1, 2, 5) if decades <= 2.5 else (1, 5) if decades <= 3.5 else (1,)
    parts = []
    for value in nice_steps(lo, hi):
        x = x_of(value)
        mantissa = round(value / 10 ** math.floor(math.log10(value) + 1e-9))
        color = "#bbb" if mantissa == 1 else "#e4e4e4"
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" '
                     f'stroke="{color}" stroke-width="1"/>')
        if mantissa in labelled or value == lo:
            parts.append(f'<text x="{x:.1f}" y="{bottom + 13}" class="tick">'
                         f'{seconds_label(value)}</text>')
    return "\n".join(parts)


# ---------------------------------------------------------------- output

def write_all(results, out_dir):
    """Write results.json, results.md and chart.svg, and print the Markdown."""
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results)
    (out_dir / "results.md").write_text(text)
    if any(c["median_seconds"] for c in results["cases"]):
        (out_dir / "chart.svg").write_text(chart_svg(results))
    print("\n" + text)
    print(f"written: {out_dir}/results.md, results.json, chart.svg")
