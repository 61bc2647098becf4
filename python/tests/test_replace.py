"""replace against Python's bytes.replace, re.sub and the seed's mmap loop:
pairs, regex templates, masks, padding, dry runs, guards and journals."""

import mmap
import os
import re

import pytest

import mpatch
from conftest import HELLO


def mmap_loop(path, old, new):
    """The seed's loop: find and slice assignment through a writable map."""
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_WRITE) as mm:
        i = mm.find(old)
        while i != -1:
            mm[i : i + len(old)] = new
            i = mm.find(old, i + len(new))
        mm.flush()


def test_the_seed_example_equals_the_mmap_loop(hello, tmp_path):
    loop = tmp_path / "loop.txt"
    loop.write_bytes(HELLO)
    mmap_loop(loop, b"Hello", b"HELLO")
    assert mpatch.replace(hello, b"Hello", b"HELLO") == 2
    assert hello.read_bytes() == loop.read_bytes() == HELLO.replace(b"Hello", b"HELLO")


def test_the_file_is_patched_in_place(hello):
    inode = os.stat(hello).st_ino
    mpatch.replace(str(hello), b"world", b"WORLD")
    assert os.stat(hello).st_ino == inode
    assert os.path.getsize(hello) == len(HELLO)


def test_literals_match_bytes_replace_on_random_files(tmp_path, rng):
    path = tmp_path / "r.bin"
    for _ in range(100):
        data = bytes(rng.choice(b"abc\n") for _ in range(rng.randrange(0, 300)))
        old = bytes(rng.choice(b"abc") for _ in range(rng.randrange(1, 4)))
        new = bytes(rng.choice(b"XYZ") for _ in range(len(old)))
        path.write_bytes(data)
        assert mpatch.replace(path, old, new) == data.count(old)
        assert path.read_bytes() == data.replace(old, new)


def test_regex_templates_match_re_sub(tmp_path, rng):
    path = tmp_path / "r.txt"
    for _ in range(50):
        data = b" ".join(b"id=%03d" % rng.randrange(1000) for _ in range(rng.randrange(0, 40)))
        path.write_bytes(data)
        n = mpatch.replace(path, rb"id=([0-9])([0-9]{2})", rb"id=${2}${1}", regex=True)
        expected, subs = re.subn(rb"id=([0-9])([0-9]{2})", rb"id=\2\1", data)
        assert (n, path.read_bytes()) == (subs, expected)


def test_named_groups_and_ignore_case(tmp_path):
    path = tmp_path / "n.txt"
    path.write_bytes(b"Key=ab key=cd KEY=ef")
    n = mpatch.replace(path, rb"key=(?P<v>[a-z]{2})", rb"KEY=${v}", regex=True, ignore_case=True)
    assert n == 3
    assert path.read_bytes() == b"KEY=ab KEY=cd KEY=ef"


def test_pairs_are_replaced_in_one_pass(tmp_path, rng):
    path = tmp_path / "p.log"
    data = b"".join(rng.choice([b"ERROR ", b"DEBUG ", b"INFO  "]) for _ in range(1000))
    path.write_bytes(data)
    pairs = {b"ERROR": b"FIXED", b"DEBUG": b"debug"}
    # One pass: a replacement is never matched again (FIXED is no pattern,
    # and debug is not DEBUG).
    assert mpatch.replace(path, pairs) == data.count(b"ERROR") + data.count(b"DEBUG")
    assert path.read_bytes() == re.sub(rb"ERROR|DEBUG", lambda m: pairs[m.group()], data)


def test_several_files_are_all_patched(tmp_path):
    paths = [tmp_path / name for name in ("a", "b", "c")]
    for i, path in enumerate(paths):
        path.write_bytes(b"id=123 " * (i + 1))
    n = mpatch.replace(paths, rb"id=([0-9])([0-9]{2})", rb"id=${2}${1}", regex=True)
    assert n == 1 + 2 + 3
    assert [p.read_bytes() for p in paths] == [b"id=231 " * (i + 1) for i in range(3)]


def test_dry_run_counts_and_writes_nothing(hello):
    assert mpatch.replace(hello, b"Hello", b"HELLO", dry_run=True) == 2
    assert hello.read_bytes() == HELLO


def test_expect_guards_the_write(hello):
    with pytest.raises(mpatch.ExpectError) as raised:
        mpatch.replace(hello, b"Hello", b"HELLO", expect=3)
    assert raised.value.filename == hello
    assert "found 2" in str(raised.value)
    assert hello.read_bytes() == HELLO
    assert mpatch.replace(hello, b"Hello", b"HELLO", expect=2) == 2
    assert hello.read_bytes() == HELLO.replace(b"Hello", b"HELLO")


def test_expect_over_several_files_is_all_or_nothing(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"x ERROR")
    b.write_bytes(b"ERROR ERROR")
    with pytest.raises(mpatch.ExpectError) as raised:
        mpatch.replace([a, b], b"ERROR", b"FIXED", expect=1)
    assert raised.value.filename == b
    assert (a.read_bytes(), b.read_bytes()) == (b"x ERROR", b"ERROR ERROR")


def test_mask_and_pad(tmp_path):
    path = tmp_path / "m.txt"
    path.write_bytes(b"user=alice pass=secret1 user=bob pass=hunter2")
    assert mpatch.replace(path, rb"pass=\S+", regex=True, mask="*") == 2
    assert path.read_bytes() == b"user=alice " + b"*" * 12 + b" user=bob " + b"*" * 12
    assert mpatch.replace(path, b"alice", b"al", pad=" ") == 1
    assert mpatch.replace(path, b"bob", b"B", pad=0) == 1
    assert path.read_bytes() == b"user=al    " + b"*" * 12 + b" user=B\x00\x00 " + b"*" * 12
    assert mpatch.replace(path, b"user", mask=b"#") == 2
    assert path.read_bytes().count(b"####=") == 2


def test_hex_wildcards_keep_the_matched_bytes(tmp_path):
    path = tmp_path / "app.bin"
    path.write_bytes(bytes.fromhex("e8 12 34 90 e8 56 78 90"))
    assert mpatch.replace(path, "e8 ?? ?? 90", "e9 ?? ?? 91", hex=True) == 2
    assert path.read_bytes() == bytes.fromhex("e9 12 34 91 e9 56 78 91")


def test_start_end_nth_and_max_count_choose_matches(tmp_path):
    path = tmp_path / "s.txt"
    data = b"ab " * 10
    for kwargs, expected in [
        (dict(nth=2), data.replace(b"ab", b"XY", 2).replace(b"XY", b"ab", 1)),
        (dict(max_count=3), data.replace(b"ab", b"XY", 3)),
        (dict(start=-6), data[:-6] + data[-6:].replace(b"ab", b"XY")),
        (dict(start=3, end=8), data[:3] + data[3:8].replace(b"ab", b"XY") + data[8:]),
    ]:
        path.write_bytes(data)
        mpatch.replace(path, b"ab", b"XY", **kwargs)
        assert path.read_bytes() == expected, kwargs


def test_a_journal_records_the_run_and_is_never_overwritten(hello, tmp_path):
    journal = tmp_path / "run.journal"
    assert mpatch.replace(hello, b"Hello", b"HELLO", journal=journal) == 2
    assert journal.exists() and journal.stat().st_size > 0
    with pytest.raises(mpatch.JournalError) as raised:
        mpatch.replace(hello, b"HELLO", b"Howdy", journal=journal)
    assert raised.value.filename == journal
    assert hello.read_bytes() == HELLO.replace(b"Hello", b"HELLO")


def test_the_large_log_matches_bytes_replace(big_copy):
    path, data = big_copy
    assert mpatch.replace(path, b"ERROR", b"FIXED", no_sync=True) == data.count(b"ERROR")
    assert path.read_bytes() == data.replace(b"ERROR", b"FIXED")


def test_the_large_log_regex_matches_re_sub(big_copy):
    path, data = big_copy
    regex, template = rb"id=([0-9])([0-9])([0-9])", rb"id=${3}${2}${1}"
    n = mpatch.replace(path, regex, template, regex=True, no_sync=True)
    expected, subs = re.subn(regex, rb"id=\3\2\1", data)
    assert n == subs
    assert path.read_bytes() == expected
