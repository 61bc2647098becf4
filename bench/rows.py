"""Inputs of the benchmark's "many patterns, trees and sparse files" rows (see README.md).

- the 100 literal pairs: words drawn from the log's lines, each replaced by
  its upper case, with their exact counts in a log of any size;
- the regex mask: the log's `id=` followed by 12 hex digits;
- the tree: a git-style tree of source-like and log-like files with a
  .gitignore, generated once and cached;
- the sparse file: a few MiB of log text in a 64 GiB file of holes.

Standard-library Python only; run.py passes in the log's own generator
functions (this module does not import run.py, which is usually __main__).
"""

import collections
import hashlib
import json
import math
import os
import random
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

ROWS_VERSION = 1             # bump when the words, the tree or the sparse file change

# ---------------------------------------------------------------- 100 literal pairs

PAIRS = 100
WORD_RE = rb"[a-z]{3,}"      # a word: a run of 3 or more lower-case ASCII letters
MAX_WORD_SHARE = 1 / 4       # leave out words in more than 1 line of 4 (e.g. `bytes=` on every line)


def select_words(blocks, n=PAIRS):
    """Draw n words from the log's blocks, deterministically, with varied frequencies.

    Candidates: runs of 3 or more lower-case letters (log words, component
    names, and runs of the letters a-f inside the hex ids) that occur in
    every one of the generator's blocks (so in a log of any size) and in at
    most 1 line of 4. n target frequencies are spaced evenly on a log scale
    from the most to the least frequent candidate; each takes the unused
    candidate nearest to it (on the log scale) that
    - is not a substring of an already chosen word, nor holds one, and
    - has no occurrence overlapping an occurrence of a chosen word in the
      blocks (so that a sequential `s/OLD/NEW/g` per word, as sed and perl
      do, and a one-pass leftmost-longest replace make the same edit).
    Each word becomes its upper case (same length, holds no lower-case
    letter, so no replacement creates or breaks a match of another word).
    Returns the words as str, most frequent first.
    """
    lines = sum(b.count(b"\n") for b in blocks)
    per_block = [collections.Counter(re.findall(WORD_RE, b)) for b in blocks]
    common = set.intersection(*(set(c) for c in per_block))
    freq = {w: sum(c[w] for c in per_block) for w in common}
    candidates = sorted((w for w in common if freq[w] <= lines * MAX_WORD_SHARE),
                        key=lambda w: (-freq[w], w))
    hi, lo = freq[candidates[0]], freq[candidates[-1]]
    text = b"".join(blocks)
    taken = bytearray(len(text))     # 1 where a chosen word's occurrence lies
    chosen, tried = [], set()

    def acceptable(word):
        if any(word in c or c in word for c in chosen):
            return False
        starts, i = [], text.find(word)
        while i >= 0:
            starts.append(i)
            i = text.find(word, i + 1)
        if any(any(taken[s:s + len(word)]) for s in starts):
            return False
        for s in starts:
            taken[s:s + len(word)] = b"\1" * len(word)
        return True

    for i in range(n):
        target = hi * (lo / hi) ** (i / (n - 1))
        for _, word in sorted((abs(math.log(freq[w] / target)), w)
                              for w in candidates if w not in tried):
            tried.add(word)
            if acceptable(word):
                chosen.append(word)
                break
    if len(chosen) != n:
        raise RuntimeError(f"only {len(chosen)} words could be drawn")
    return [w.decode() for w in sorted(chosen, key=lambda w: (-freq[w], w))]


def log_counts(chunks, blocks, words, regex):
    """Exact match counts in the log: {word: count}, and the regex's count.

    `chunks` yields (block index or None, chunk) as run.log_chunks does: a
    chunk with an index is a whole block rotated at a line boundary, which
    holds the same matches as the block (no word or id spans a line), so its
    counts are the block's; the others are counted directly.
    """
    rx = re.compile(regex.encode())
    encoded = [w.encode() for w in words]

    def count(data):
        return [data.count(w) for w in encoded] + [len(rx.findall(data))]

    per_block = [count(b) for b in blocks]
    total = [0] * (len(words) + 1)
    for index, chunk in chunks:
        for k, c in enumerate(per_block[index] if index is not None else count(chunk)):
            total[k] += c
    return dict(zip(words, total[:-1])), total[-1]


def sed_quote(text):
    """A literal for a sed basic regular expression or replacement (with / as the delimiter)."""
    return re.sub(r"([\\/.*\[\]^$&])", r"\\\1", text)


PERL_PAIRS = r"""BEGIN {
    open my $fh, "<", shift @ARGV or die "pairs: $!";
    while (<$fh>) { chomp; my ($old, $new) = split /\t/; $new{$old} = $new }
    my $any = join "|", map quotemeta, sort { length($b) <=> length($a) or $a cmp $b } keys %new;
    $re = qr/($any)/;
}
s/$re/$new{$1}/g;
"""


def write_pair_files(directory, words):
    """patterns.txt (one word a line), pairs.tsv (OLD<TAB>NEW), script.sed (s/OLD/NEW/g lines)."""
    directory.mkdir(parents=True, exist_ok=True)
    pairs = [(w, w.upper()) for w in words]
    files = {"patterns": directory / "patterns.txt", "pairs": directory / "pairs.tsv",
             "sed": directory / "script.sed"}
    files["patterns"].write_text("".join(f"{old}\n" for old, _ in pairs))
    files["pairs"].write_text("".join(f"{old}\t{new}\n" for old, new in pairs))
    files["sed"].write_text("".join(f"s/{sed_quote(old)}/{sed_quote(new)}/g\n"
                                    for old, new in pairs))
    return files


def prepare_pairs(work, size, log_key, log_blocks, log_chunks, regex):
    """The words, their files and their counts in the log of `size` bytes, cached in work.

    log_key identifies the log's content (its generator's version and seed):
    the words depend on it only, the counts on it and the size.
    """
    words_path, meta_path = work / "rows-words.json", work / f"rows-log-{size}.json"
    want = {"rows_version": ROWS_VERSION, **log_key}
    cached = json.loads(words_path.read_text()) if words_path.exists() else {}
    if {k: cached.get(k) for k in want} != want:
        start = time.perf_counter()
        print(f"drawing the {PAIRS} words from the log's blocks...", flush=True)
        cached = {**want, "words": select_words(log_blocks()[1])}
        words_path.write_text(json.dumps(cached, indent=1))
        print(f"  done in {time.perf_counter() - start:.1f} s", flush=True)
    words = cached["words"]
    want = {**want, "size": size, "regex": regex, "words": words}
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if {k: meta.get(k) for k in want} != want:
        counts, regex_count = log_counts(log_chunks(size), log_blocks()[1], words, regex)
        meta = {**want, "counts": counts, "regex_count": regex_count}
        meta_path.write_text(json.dumps(meta, indent=1))
    files = write_pair_files(work / "pairs", words)
    return {"words": meta["counts"], "total": sum(meta["counts"].values()),
            "regex_count": meta["regex_count"], "files": files}


# ---------------------------------------------------------------- the tree

TREE_SEED = 20261130
TREE_FILES_PER_GIB = 20_000
IGNORED_SHARE = 0.20         # bytes under target/ and in *.tmp files
GITIGNORE = "target/\n*.tmp\n"
# (kind, share of the files, size range in KiB, log-uniform sizes, share of files with matches)
KINDS = [("src", 0.85, (2, 20), False, 0.15),
         ("log", 0.05, (64, 4096), True, 0.60),
         ("tmp", 0.04, (2, 64), False, 0.50),
         ("target", 0.06, (4, 2048), True, 0.40)]
TOPS = ["crates", "services", "tools", "lib", "vendor", "src"]
NAMES = ["core", "net", "io", "util", "parser", "codec", "http", "store", "cache", "auth",
         "cli", "api", "proto", "sched", "metrics", "fs", "sync", "config", "db", "queue"]
LANGS = {
    "rs": (["use std::{name}::{Name};\n", "pub fn {name}_{n}(input: &[u8]) -> Result<usize, Error> {{\n",
            "    let mut {name} = Vec::with_capacity({n});\n", "    for b in input.iter() {{\n",
            "        if *b == b'{c}' {{ {name}.push(*b); }}\n", "    }}\n",
            "    Ok({name}.len() + {n})\n", "}}\n", "\n", "// {name}: see {Name}::{name}_{n}\n",
            "#[derive(Debug, Clone)]\n", "struct {Name}{n} {{ {name}: u64 }}\n"],
           '        log::error!("ERROR: {name} failed: {{}}", code);\n'),
    "py": (["import {name}\n", "def {name}_{n}(data, limit={n}):\n",
            "    total = 0\n", "    for item in data:\n", "        total += len(item) % {n}\n",
            "    return total\n", "\n", "class {Name}{n}:\n", "    \"\"\"{name} helper.\"\"\"\n",
            "# {name}: see {name}_{n}\n"],
           '        logger.error("ERROR: %s failed", {name})\n'),
    "c": (["#include <{name}.h>\n", "static int {name}_{n}(const char *buf, size_t len)\n",
           "{{\n", "    size_t i, total = 0;\n", "    for (i = 0; i < len; i++)\n",
           "        total += buf[i] == '{c}';\n", "    return (int)(total + {n});\n", "}}\n",
           "\n", "/* {name}: see {name}_{n} */\n"],
          '    fprintf(stderr, "ERROR: {name} failed (%d)\\n", rc);\n'),
}
POOL_LINES = 20_000          # lines of each source-like pool


def source_pool(rng, lang):
    """Code-like lines of one language (no ERROR, no FIXED)."""
    templates, _ = LANGS[lang]
    return [rng.choice(templates).format(name=(n := rng.choice(NAMES)), Name=n.title(),
                                         n=rng.randrange(1000), c=rng.choice("abcxyz"))
            for _ in range(POOL_LINES)]


def error_line(rng, kind, lang, log_line):
    """One line holding ERROR exactly once, in the file's style."""
    if kind in ("log", "target"):
        return log_line(rng, rng.randrange(86_400_000), "ERROR",
                        rng.choice(["upstream timeout", "write failed", "bad checksum"]))
    return LANGS[lang][1].format(name=rng.choice(NAMES))


def tree_plan(size, rng):
    """The files of a tree of about `size` bytes: [(relative path, kind, lang, bytes, ERRORs)]."""
    n = max(100, round(TREE_FILES_PER_GIB * size / (1 << 30)))
    leaves = sorted({"/".join([rng.choice(TOPS)] + [rng.choice(NAMES) for _ in range(depth - 1)])
                     for depth in (rng.choice((3, 4, 5)) for _ in range(max(8, n // 25)))})
    targets = sorted({f"target/{rng.choice(['debug', 'release'])}/"
                      f"{rng.choice(['build', 'deps', 'incremental'])}/"
                      f"{rng.choice(NAMES)}-{rng.getrandbits(32):08x}"
                      for _ in range(max(4, n // 100))})
    files, sizes = [], collections.defaultdict(int)
    for kind, share, (lo, hi), log_scale, with_matches in KINDS:
        for i in range(max(2, round(n * share))):
            kib = math.exp(rng.uniform(math.log(lo), math.log(hi))) if log_scale \
                else rng.uniform(lo, hi)
            lang = rng.choice(sorted(LANGS))
            if kind == "src":
                path = f"{rng.choice(leaves)}/{rng.choice(NAMES)}_{i}.{lang}"
            elif kind == "tmp":
                path = f"{rng.choice(leaves)}/{rng.choice(NAMES)}_{i}.{lang}.tmp"
            elif kind == "log":
                path = (f"logs/2026/{rng.randrange(1, 13):02}/{rng.randrange(1, 29):02}/"
                        f"{rng.choice(NAMES)}-{i}.log")
            else:
                path = f"{rng.choice(targets)}/{rng.choice(NAMES)}_{i}.{rng.choice(['log', 'txt', 'd'])}"
            files.append([path, kind, lang, kib * 1024, rng.random() < with_matches])
            sizes[kind] += kib * 1024
    # Scale the large kinds: ignored bytes IGNORED_SHARE of the total, the logs the rest.
    scale = {"src": 1, "tmp": 1,
             "target": max(0.01, (IGNORED_SHARE * size - sizes["tmp"]) / sizes["target"]),
             "log": max(0.01, ((1 - IGNORED_SHARE) * size - sizes["src"]) / sizes["log"])}
    plan = []
    for path, kind, lang, nbytes, matches in files:
        nbytes = max(256, round(nbytes * scale[kind]))
        errors = 0
        if matches:
            errors = (rng.randint(1, 4) if kind in ("src", "tmp")
                      else max(1, round(nbytes / 85 / 2000 * rng.uniform(0.2, 2))))
        plan.append((path, kind, lang, nbytes, errors))
    return plan


def is_ignored(relpath):
    """Whether the tree's .gitignore excludes a file (target/ and *.tmp)."""
    return relpath.startswith("target/") or relpath.endswith(".tmp")


def file_content(rng, kind, lang, nbytes, errors, pools, log_line):
    """About nbytes of lines from the kind's pool, with `errors` ERROR lines put in."""
    pool = pools["log"] if kind in ("log", "target") else pools[lang]
    lines, size, i = [], 0, rng.randrange(len(pool))
    while size < nbytes:
        take = pool[i:i + 4096]
        i = (i + len(take)) % len(pool)
        for line in take:
            lines.append(line)
            size += len(line)
            if size >= nbytes:
                break
    for _ in range(errors):
        lines.insert(rng.randrange(len(lines) + 1), error_line(rng, kind, lang, log_line))
    return "".join(lines).encode()


def generate_tree(root, size, make_block, log_line):
    """Write the deterministic tree under root; return its description (counts, bytes)."""
    rng = random.Random(TREE_SEED)
    plan = tree_plan(size, rng)
    pools = {lang: source_pool(rng, lang) for lang in sorted(LANGS)}
    pools["log"] = make_block(rng, 0).decode().splitlines(keepends=True)
    for pool in pools.values():
        if any("ERROR" in line or "FIXED" in line for line in pool):
            raise RuntimeError("tree generator bug: ERROR or FIXED in a pool")
    root.mkdir(parents=True)
    (root / ".git").mkdir()        # rg and fastmod honour .gitignore only in a git repository
    (root / ".gitignore").write_text(GITIGNORE)
    info = {"files": 0, "bytes": 0, "ignored_files": 0, "ignored_bytes": 0,
            "matches": 0, "files_with_matches": 0, "ignored_matches": 0,
            "by_kind": {k[0]: {"files": 0, "bytes": 0, "matches": 0} for k in KINDS}}
    made = set()
    for path, kind, lang, nbytes, errors in plan:
        data = file_content(rng, kind, lang, nbytes, errors, pools, log_line)
        if data.count(b"ERROR") != errors:
            raise RuntimeError(f"tree generator bug: {path}")
        target = root / path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)
        info["files"] += 1
        info["bytes"] += len(data)
        by_kind = info["by_kind"][kind]
        by_kind["files"] += 1
        by_kind["bytes"] += len(data)
        by_kind["matches"] += errors
        if is_ignored(path):
            info["ignored_files"] += 1
            info["ignored_bytes"] += len(data)
            info["ignored_matches"] += errors
        else:
            info["matches"] += errors
            info["files_with_matches"] += errors > 0
    info["dirs"] = len({p.parent for p in root.rglob("*") if p.is_file()})
    info["max_depth"] = max(len(p.relative_to(root).parts) - 1 for p in root.rglob("*")
                            if p.is_file())
    return info


def prepare_tree(work, size, make_block, log_line):
    """(root, description) of the cached tree for `size`, generated if missing or stale."""
    root, meta_path = work / f"tree-{size}", work / f"tree-{size}.json"
    want = {"rows_version": ROWS_VERSION, "size": size, "seed": TREE_SEED}
    if root.is_dir() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in want} == want:
            print(f"using cached {root} ({meta['info']['files']:,} files)", flush=True)
            return root, meta["info"]
    shutil.rmtree(root, ignore_errors=True)
    meta_path.unlink(missing_ok=True)
    tmp = work / f"tree-{size}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"generating the tree {root} (about {size} bytes)...", flush=True)
    start = time.perf_counter()
    info = generate_tree(tmp, size, make_block, log_line)
    tmp.rename(root)
    os.sync()
    print(f"  done in {time.perf_counter() - start:.1f} s: {info['files']:,} files, "
          f"{info['bytes']:,} bytes, {info['matches']:,} ERROR in "
          f"{info['files_with_matches']:,} files not ignored, {info['ignored_matches']:,} "
          f"ignored", flush=True)
    meta_path.write_text(json.dumps({**want, "info": info}, indent=1))
    return root, info


def tree_files(root):
    """Every regular file under root (hidden ones too), as sorted relative paths."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            out.append(os.path.relpath(os.path.join(dirpath, name), root))
    return out


def copy_tree(src, dst):
    """cp -a src dst (dst removed first), then a global sync (not timed)."""
    remove_tree(dst)
    subprocess.run(["cp", "-a", str(src), str(dst)], check=True)
    os.sync()


def remove_tree(path):
    """rm -rf."""
    if path.exists():
        shutil.rmtree(path)


def tree_cached_bytes(root, files, batch=2000):
    """Bytes of the tree's files in the page cache (fincore, in batches)."""
    total = 0
    for i in range(0, len(files), batch):
        out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES",
                              *(str(root / f) for f in files[i:i + batch])],
                             capture_output=True, text=True, check=True).stdout
        total += sum(int(x) for x in out.split())
    return total


def tree_digest(root):
    """(sha256 over sorted paths and contents, ERRORs left in files not ignored, in ignored)."""
    digest, left, left_ignored = hashlib.sha256(), 0, 0
    for rel in tree_files(root):
        data = (root / rel).read_bytes()
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
        if is_ignored(rel):
            left_ignored += data.count(b"ERROR")
        elif not rel.startswith("."):
            left += data.count(b"ERROR")
    return digest.hexdigest(), left, left_ignored


def per_file_counts(stdout):
    """Sorted 'path:count' lines of a `-c` output, files with no match left out."""
    return sorted(line for line in stdout.splitlines()
                  if line.strip() and not re.search(r":0$", line))


# ---------------------------------------------------------------- the sparse file

SPARSE_PIECES = 4            # pieces of log text in the sparse file
SPARSE_PIECE = 1 << 20       # bytes of each


def make_sparse(path, size, log):
    """A `size`-byte file of holes with SPARSE_PIECES MiB of the log's text at spread offsets.

    Returns its description: offsets, data bytes, ERROR count and the bytes
    the file system allocated (st_blocks × 512).
    """
    path.unlink(missing_ok=True)
    with open(log, "rb") as f:
        text = f.read(SPARSE_PIECES * SPARSE_PIECE)
    step = size // SPARSE_PIECES
    offsets = [k * step + (12345 * 4096 if k else 0) for k in range(SPARSE_PIECES - 1)]
    offsets.append(size - SPARSE_PIECE)
    matches = 0
    with open(path, "wb") as out:
        out.truncate(size)
        for k, offset in enumerate(offsets):
            piece = text[k * SPARSE_PIECE:(k + 1) * SPARSE_PIECE]
            out.seek(offset)
            out.write(piece)
            matches += piece.count(b"ERROR")
        out.flush()
        os.fsync(out.fileno())
    return {"size": size, "offsets": offsets, "data_bytes": SPARSE_PIECES * SPARSE_PIECE,
            "matches": matches, "allocated_bytes": path.stat().st_blocks * 512}


# ---------------------------------------------------------------- binary patching

SIGNATURE = "45 52 ?? 4f 52"     # ERROR with its middle byte a wildcard (`??`)


def binary_cases(Case, groups, mp, pattern, n):
    """The binary-patching groups, on the just-written log.

    - a signature with a wildcard (`find -c -x '45 52 ?? 4f 52'`) against
      the literal `find -c ERROR` it also matches (the spec: at most 2 times);
      its count is printed, not checked, since the log may hold other
      `ER?OR` words;
    - `diff` of two equal cached copies of the log against `cmp` (at most
      half its time): {F} is the fresh copy a writer gets, and the other
      file searched.log beside it, the log as searched. Both run through
      the same `sh -c`, so its cost is on both sides.
    Case is run.py's dataclass (this module does not import run.py).
    """
    F = "{F}"
    other = '"$(dirname "$1")/searched.log"'
    groups.update({
        "signature": f"search: signature `{SIGNATURE}` against the literal `{pattern}` "
                     f"({n:,} literal matches)",
        "diff": "compare two equal cached copies of the log: `diff` against `cmp`",
    })
    return [
        Case("sig_literal", "signature", "mpatch find -c (literal)",
             [mp, "find", "-c", pattern, F], expect=n),
        Case("sig_find", "signature", "mpatch find -c -x (signature)",
             [mp, "find", "-c", "-x", SIGNATURE, F]),
        Case("diff", "diff", "mpatch diff",
             ["sh", "-c", f'{shlex.quote(mp)} diff "$1" {other}', "sh", F], writes=True),
        Case("diff_cmp", "diff", "cmp",
             ["sh", "-c", f'cmp "$1" {other}', "sh", F], writes=True),
    ]


# ---------------------------------------------------------------- applying an IPS patch

IPS_REACH = 1 << 24          # an IPS patch reaches the first 16 MiB of a file (24-bit offsets)
IPS_STEP = 61                # the patch changes one byte in every IPS_STEP
IPS_EOF = 0x454F46           # no record may start here: its offset reads as `EOF`
PEERS_VENV = "target/peers-venv"   # made by tests/peers/setup.sh


def peers_python(repo):
    """The python of the venv holding python-ips, made by tests/peers/setup.sh if missing
    (where $MPATCH_PEERS_VENV says, as for the tests)."""
    venv = os.environ.get("MPATCH_PEERS_VENV") or repo / PEERS_VENV
    python = Path(venv) / "bin" / "python"
    if not python.exists():
        print("installing the IPS and BPS peers (tests/peers/setup.sh)", flush=True)
        subprocess.run([str(repo / "tests" / "peers" / "setup.sh")], check=True)
    return str(python)


def prepare_ips(work, log, size):
    """An IPS patch of the log's first 16 MiB: one-byte records, a byte every IPS_STEP
    (its ASCII case flipped: bit 0x20), cached per log size; returns (path, records)."""
    reach = min(IPS_REACH, size)
    path = work / f"ips-{size}-{IPS_STEP}.ips"
    offsets = [at for at in range(0, reach, IPS_STEP) if at != IPS_EOF]
    if not path.exists():
        with open(log, "rb") as f:
            head = f.read(reach)
        records = bytearray(b"PATCH")
        for at in offsets:
            records += at.to_bytes(3, "big") + b"\x00\x01" + bytes([head[at] ^ 0x20])
        records += b"EOF"
        scratch = path.with_suffix(".tmp")
        scratch.write_bytes(records)
        scratch.replace(path)
    return path, len(offsets)


def ips_cases(Case, groups, mp, python, patch, records):
    """Applying a large IPS patch to the just-written log (whose first 16 MiB it changes):
    `mpatch apply`, not synced and durable, against python-ips, which writes each record
    in place with seek() and write() and does not sync; every writer's file must be the
    same (SAME_OUTPUT)."""
    F, patch = "{F}", str(patch)
    groups["ips"] = (f"apply an IPS patch of {records:,} one-byte records (a byte in every "
                     f"{IPS_STEP} of the log's first 16 MiB) to the log, in place")
    apply_ips = "import ips, sys; ips.apply(sys.argv[1], sys.argv[2])"
    return [
        Case("ips_apply", "ips", "mpatch apply --no-sync", [mp, "apply", "--no-sync", patch, F],
             writes=True),
        Case("ips_apply_durable", "ips", "mpatch apply (durable)", [mp, "apply", patch, F],
             writes=True),
        Case("ips_python_ips", "ips", "python-ips (in place, not synced)",
             [python, "-c", apply_ips, patch, F], writes=True),
    ]
