"""Reports for bench/run.py: spec checks, results.md, results.json and chart.svg."""

import html
import json
import math
import shlex

MPATCH_COLOR, PEER_COLOR = "#e8590c", "#748ffc"
PANELS = [("Search", ["search", "scan"]), ("Replace", ["replace", "durable", "one"])]


# ---------------------------------------------------------------- checks

def spec_checks(results):
    """The targets of SPEC.md's "Speed and memory", each with its measured value and PASS/MISS."""
    median = {c["key"]: c["median_seconds"] for c in results["cases"]}

    def ratio(a, b):
        return median[a] / median[b] if median.get(a) and median.get(b) else None

    checks = []

    def add(target, value, limit, at_most, unit="×"):
        if value is None:
            status = "n/a"
        else:
            status = "PASS" if (value <= limit if at_most else value >= limit) else "MISS"
        checks.append({"target": target, "value": value, "unit": unit, "status": status,
                       "rule": f"{'≤' if at_most else '≥'} {limit:g}{unit}"})

    add("`find -c` no slower than `rg -c -F` (ERROR): mpatch / rg", ratio("find", "rg"), 1, True)
    add("`find -c` no slower than `rg -c -F` (absent pattern): mpatch / rg",
        ratio("find_absent", "rg_absent"), 1, True)
    add("`replace --no-sync` / `find -c`", ratio("replace", "find"), 1.2, True)
    add("`sed -i` / `replace --no-sync`", ratio("sed", "replace"), 20, False)
    add("`sd -F` / `replace --no-sync`", ratio("sd", "replace"), 20, False)
    add("`replace` (durable) / (`replace --no-sync && sync F`)",
        ratio("replace_durable", "replace_sync"), 1, True)
    add("(`sed -i && sync F`) / `replace` (durable)", ratio("sed_sync", "replace_durable"), 10, False)
    add("(`sd -F && sync F`) / `replace` (durable)", ratio("sd_sync", "replace_durable"), 10, False)
    limit = results["heap_limit_mib"]
    for m in results["memory_check"] or []:
        add(f"heap + private COW (peak Anonymous) of `{m['command']}`",
            m["anon_mib"] if m["ok"] else None, limit, True, unit=" MiB")
        if not m["ok"]:
            checks[-1]["status"] = "MISS"
    tests = results["ignored_tests"]
    if tests:
        checks.append({"target": "`cargo test --release -- --ignored` (40 GiB sparse file)",
                       "value": None, "unit": "", "rule": "all pass",
                       "measured": f"{tests['passed']} passed, {tests['failed']} failed",
                       "status": "MISS" if not tests["ok"] else "PASS" if tests["passed"] else "n/a"})
    for check in checks:
        check.setdefault("measured", "—" if check["value"] is None else
                         f"{check['value']:.3g}{check['unit']}")
    return checks


# ---------------------------------------------------------------- tables

def group_rows(results):
    """(group key, title, [(case, ratio to the group's first case)]) in report order."""
    rows = []
    for key, title in results["groups"].items():
        cases = [c for c in results["cases"] if c["group"] == key]
        ref = cases[0]["median_seconds"]
        rows.append((key, title, [(c, c["median_seconds"] / ref if ref and c["median_seconds"]
                                   else None) for c in cases]))
    return rows


def shown_command(command):
    """A command line for the report, inline Python scripts elided."""
    return " ".join("'<script in run.py>'" if "\n" in word else shlex.quote(word)
                    for word in shlex.split(command))


def markdown(results):
    """The whole results.md."""
    m, v = results["machine"], results["versions"]
    size = results["size_bytes"]
    lines = [
        "# mpatch benchmark results", "",
        f"{results['date']}: a {human_size(size)} log ({size:,} bytes) with "
        f"{results['counts']['ERROR']:,} `ERROR`, in the page cache; median of "
        f"{results['reps']} runs, interleaved round-robin; the timings took "
        f"{results['benchmark_seconds'] / 60:.1f} min.", "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem_total_gib']} GiB RAM, "
        f"Linux {m['kernel']}, work dir on {m['work_fs']}; 1-minute load average "
        f"{results['load_average'][0]:.2f} before the timings and "
        f"{results['load_average'][1]:.2f} after (other work on the machine skews them).", "",
        "Tools: " + "; ".join(f"{v[k]}" for k in v), "",
        "## Timings", "",
        "`× mpatch` is the median time divided by that of the group's first row "
        "(the mpatch reference). Peak RSS is GNU time's `%M`. It counts the file's pages that "
        "mmap-based tools (mpatch, rg, python) touch, which are page cache, not heap: "
        "see the memory check for heap. CPU % is (user + system) / wall time: "
        "over 100 means more than one core (GNU time counts CPU in 10 ms steps, so it is "
        "left out below 50 ms).", "",
        "| tool | median s | × mpatch | peak RSS MiB | CPU % |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for _, title, cases in group_rows(results):
        lines.append(f"| **{title}** | | | | |")
        for case, ratio in cases:
            if case["failure"]:
                lines.append(f"| {case['label']} | failed: {case['failure'][:80]} | | | |")
                continue
            ratio_text = "—" if ratio is None else f"{ratio:.2f}"
            cpu = f"{case['cpu_percent']:.0f}" if case["median_seconds"] >= 0.05 else "—"
            lines.append(f"| {case['label']} | {case['median_seconds']:.3f} | {ratio_text} | "
                         f"{case['peak_rss_mib']:.1f} | {cpu} |")
    lines += ["", "## Spec targets (SPEC.md, \"Speed and memory\")", "",
              "| target | measured | needed | result |", "| --- | ---: | ---: | --- |"]
    lines += [f"| {c['target']} | {c['measured']} | {c['rule']} | **{c['status']}** |"
              for c in results["checks"]]
    if results["mismatches"]:
        lines += ["", "## OUTPUT MISMATCH", ""] + [f"```\n{p}\n```" for p in results["mismatches"]]
    else:
        lines += ["", "All replace commands wrote byte-identical files (sha256 compared)."]
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
    lines += ["", "## Commands", "", "`F` is the log (a fresh copy of it for commands that write).",
              "", "```"]
    lines += [f"{c['key']:<20} {shown_command(c['command'])}" for c in results["cases"]]
    lines += ["```", ""]
    return "\n".join(lines)


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
    """A horizontal bar chart, log-scaled seconds, one panel for search and one for replace."""
    rows = {key: (title, cases) for key, title, cases in group_rows(results)}
    values = [c["median_seconds"] for _, cases in rows.values() for c, _ in cases
              if c["median_seconds"]]
    lo = nice_steps(min(values) / 20, min(values) / 2)[-1]
    hi = nice_steps(max(values), max(values) * 5)[0]
    width, label_w, x0, x1 = 980, 300, 310, 850
    bar_h, row_h = 16, 22

    def x_of(value):
        return x0 + (x1 - x0) * math.log10(value / lo) / math.log10(hi / lo)

    size = results["size_bytes"]
    out, y = [], 34
    out.append(f'<text x="{width / 2}" y="{y}" class="title">mpatch vs. peer tools: '
               f'{human_size(size)} log in the page cache, median of {results["reps"]} '
               f'runs (seconds, log scale)</text>')
    y += 22
    out.append(f'<rect x="{x0}" y="{y - 10}" width="12" height="12" fill="{MPATCH_COLOR}"/>'
               f'<text x="{x0 + 18}" y="{y}" class="small">mpatch</text>'
               f'<rect x="{x0 + 90}" y="{y - 10}" width="12" height="12" fill="{PEER_COLOR}"/>'
               f'<text x="{x0 + 108}" y="{y}" class="small">other tools (× = time / mpatch '
               f'reference of the group)</text>')
    y += 18
    for panel, keys in PANELS:
        y += 26
        out.append(f'<text x="12" y="{y}" class="panel">{panel}</text>')
        top = y + 8
        y += 8
        for key in keys:
            title, cases = rows[key]
            y += 22
            out.append(f'<text x="24" y="{y}" class="group">'
                       f'{html.escape(title.replace("`", ""))}</text>')
            y += 6
            for case, ratio in cases:
                color = MPATCH_COLOR if case["label"].startswith("mpatch") else PEER_COLOR
                label = html.escape(case["label"])
                out.append(f'<text x="{label_w}" y="{y + bar_h - 3}" class="label" '
                           f'text-anchor="end">{label}</text>')
                if case["median_seconds"]:
                    end = max(x_of(case["median_seconds"]), x0 + 2)
                    note = seconds_label(case["median_seconds"])
                    if ratio and case is not cases[0][0]:
                        note += f" · {ratio:.3g}×"
                    out.append(f'<rect x="{x0}" y="{y}" width="{end - x0:.1f}" height="{bar_h}" '
                               f'fill="{color}"/>')
                    out.append(f'<text x="{end + 6:.1f}" y="{y + bar_h - 3}" class="value">'
                               f'{html.escape(note)}</text>')
                else:
                    out.append(f'<text x="{x0 + 6}" y="{y + bar_h - 3}" class="value">failed</text>')
                y += row_h
        out.insert(0, axis(x_of, lo, hi, top, y + 4))
        y += 22
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 10}" '
           f'viewBox="0 0 {width} {y + 10}" font-family="Helvetica, Arial, sans-serif">',
           "<style>.title{font-size:16px;font-weight:bold;text-anchor:middle}"
           ".panel{font-size:15px;font-weight:bold}.group{font-size:12px;font-weight:bold;fill:#444}"
           ".label{font-size:12px;fill:#222}.value{font-size:11px;fill:#222}"
           ".small{font-size:11px;fill:#444}.tick{font-size:10px;fill:#666;text-anchor:middle}"
           "</style>",
           f'<rect width="{width}" height="{y + 10}" fill="white"/>'] + out + ["</svg>"]
    return "\n".join(svg) + "\n"


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
