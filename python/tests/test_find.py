"""find, finditer and count against Python's own bytes.count, bytes.find and
re.finditer, on files and on every kind of buffer, in place."""

import mmap
import re

import pytest

import mpatch
from conftest import HELLO


def offsets(pattern, data, flags=0):
    return [m.start() for m in re.finditer(pattern, data, flags)]


def test_the_seed_example_finds_what_mmap_finds(hello):
    with open(hello, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        first = mm.find(b"Hello")
        second = mm.find(b"Hello", first + 1)
        assert mpatch.find(hello, b"Hello") == [first, second] == [0, 14]
        assert mpatch.find(mm, b"Hello") == [first, second]
    assert mpatch.count(hello, b"Hello") == 2
    assert list(mpatch.finditer(hello, b"Hello")) == [0, 14]


@pytest.mark.parametrize(
    "make",
    [bytes, bytearray, memoryview, lambda data: memoryview(bytearray(data))],
    ids=["bytes", "bytearray", "memoryview", "memoryview-of-bytearray"],
)
def test_every_buffer_is_searched(make):
    source = make(HELLO)
    assert mpatch.count(source, b"Hello") == 2
    assert mpatch.find(source, b"o") == offsets(b"o", HELLO)
    assert list(mpatch.finditer(source, b"o")) == offsets(b"o", HELLO)


def test_a_path_may_be_str_or_pathlike(hello):
    assert mpatch.count(str(hello), b"Hello") == 2
    assert mpatch.count(hello, b"Hello") == 2
    assert mpatch.find(str(hello), b"again") == [HELLO.index(b"again")]


def test_an_mmap_is_searched_in_place_and_sees_writes(hello):
    with open(hello, "r+b") as f, mmap.mmap(f.fileno(), 0) as mm:
        assert mpatch.count(mm, b"Hello") == 2
        mm[0:5] = b"HELLO"
        # The same memory, not a copy: the write is seen at once.
        assert mpatch.find(mm, b"Hello") == [14]
        assert mpatch.find(mm, b"HELLO") == [0]


def test_a_slice_of_a_memoryview_is_searched_with_its_own_offsets():
    data = b"xxERRORyyERROR"
    view = memoryview(data)[2:]
    assert mpatch.find(view, b"ERROR") == [0, 7]


def test_counts_and_offsets_match_python_on_random_bytes(rng):
    for _ in range(200):
        data = bytes(rng.choice(b"ab\n\x00") for _ in range(rng.randrange(0, 400)))
        pattern = bytes(rng.choice(b"ab\n\x00") for _ in range(rng.randrange(1, 4)))
        expected = offsets(re.escape(pattern), data)
        assert mpatch.count(data, pattern) == data.count(pattern) == len(expected)
        assert mpatch.find(data, pattern) == expected
        assert list(mpatch.finditer(data, pattern)) == expected


def test_regex_matches_python_re(rng):
    regexes = [rb"a+b", rb"[ab]{2}", rb"\d+", rb"ab|ba", rb"(a)(b)?", rb"\bab"]
    for _ in range(100):
        data = bytes(rng.choice(b"ab1 \n") for _ in range(rng.randrange(0, 300)))
        for regex in regexes:
            expected = offsets(regex, data)
            assert mpatch.find(data, regex, regex=True) == expected, (regex, data)
            assert mpatch.count(data, regex, regex=True) == len(expected)


def test_ignore_case_matches_re_ignorecase(rng):
    for _ in range(100):
        data = bytes(rng.choice(b"aAbB") for _ in range(rng.randrange(0, 200)))
        pattern = bytes(rng.choice(b"abAB") for _ in range(rng.randrange(1, 4)))
        expected = offsets(re.escape(pattern), data, re.IGNORECASE)
        assert mpatch.find(data, pattern, ignore_case=True) == expected


def test_start_and_end_are_a_slice_of_the_source(rng):
    for _ in range(300):
        data = bytes(rng.choice(b"ab") for _ in range(rng.randrange(0, 60)))
        pattern = bytes(rng.choice(b"ab") for _ in range(rng.randrange(1, 3)))
        start = rng.choice([None, rng.randrange(-70, 70)])
        end = rng.choice([None, rng.randrange(-70, 70)])
        s = slice(start, end).indices(len(data))[0]
        expected = [s + i for i in offsets(re.escape(pattern), data[start:end])]
        assert mpatch.find(data, pattern, start=start, end=end) == expected, (start, end)
        assert mpatch.count(data, pattern, start=start, end=end) == len(expected)


def test_nth_and_max_count_select_matches():
    data = b"ERROR " * 10
    every = offsets(b"ERROR", data)
    assert mpatch.find(data, b"ERROR", nth=3) == [every[2]]
    assert mpatch.find(data, b"ERROR", max_count=4) == every[:4]
    assert mpatch.count(data, b"ERROR", max_count=4) == 4
    assert mpatch.count(data, b"ERROR", nth=11) == 0
    assert list(mpatch.finditer(data, b"ERROR", max_count=2)) == every[:2]
    # nth wins over max_count, even over a max_count of 0.
    for max_count in (0, 1, 5):
        assert mpatch.find(data, b"ERROR", nth=3, max_count=max_count) == [every[2]]
    assert mpatch.find(data, b"ERROR", max_count=0) == []


def test_hex_patterns_with_wildcards_match_any_byte():
    data = bytes(range(256)) * 2
    assert mpatch.find(data, "41 ?? 43", hex=True) == offsets(rb"A.C", data, re.DOTALL)
    assert mpatch.find(data, b"4142", hex=True) == offsets(b"AB", data)
    # A nibble wildcard: 4? is any byte from 0x40 to 0x4f.
    assert mpatch.count(data, "4?", hex=True) == 32


def test_escapes_read_backslash_sequences():
    data = b"a\tb\nc\x00d"
    assert mpatch.find(data, rb"\t", escapes=True) == [1]
    assert mpatch.find(data, r"\x00d", escapes=True) == [5]
    assert mpatch.find(data, rb"\t") == []


def test_a_list_of_patterns_is_searched_in_one_pass(rng):
    data = b"".join(rng.choice([b"cat ", b"dog ", b"eel ", b"x"]) for _ in range(500))
    expected = offsets(rb"cat|dog", data)
    assert mpatch.find(data, [b"cat", b"dog"]) == expected
    assert mpatch.count(data, (b"cat", b"dog")) == len(expected)


def test_the_large_log_counts_as_python_counts(big_log):
    path, data = big_log
    for pattern in [b"ERROR", b"DEBUG", b"id=042", b"\n"]:
        assert mpatch.count(path, pattern) == data.count(pattern)
    expected = offsets(b"ERROR", data)
    assert mpatch.find(path, b"ERROR") == expected
    assert list(mpatch.finditer(path, b"ERROR")) == expected
    regex = rb"id=(\d)\1\d"
    assert mpatch.count(path, rb"id=[0-9]{3} DEBUG", regex=True) == 0
    assert mpatch.count(path, rb"DEBUG id=9[0-9]{2}", regex=True) == len(
        offsets(rb"DEBUG id=9[0-9]{2}", data)
    )
    with pytest.raises(ValueError):
        mpatch.count(path, regex, regex=True)  # backreferences are not supported


def test_the_large_log_is_searched_in_an_mmap_as_in_the_file(big_log):
    path, data = big_log
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        assert mpatch.count(mm, b"ERROR") == data.count(b"ERROR")
        assert mpatch.find(mm, b"ERROR", start=-(1 << 20)) == [
            len(data) - (1 << 20) + i
            for i in offsets(b"ERROR", data[-(1 << 20):])
        ]


def test_finditer_is_lazy_and_stops_where_asked(big_log):
    path, data = big_log
    found = mpatch.finditer(path, b"ERROR")
    assert iter(found) is found
    assert next(found) == data.index(b"ERROR")
    assert next(found) == data.index(b"ERROR", data.index(b"ERROR") + 1)
    rest = list(found)
    assert len(rest) == data.count(b"ERROR") - 2
    assert list(found) == []
    with pytest.raises(StopIteration):
        next(found)


def test_finditer_holds_its_buffer():
    data = bytearray(b"abcabc")
    found = mpatch.finditer(data, b"abc")
    with pytest.raises(BufferError):
        data.extend(b"more")
    assert list(found) == [0, 3]
    del found
    data.extend(b"abc")
    assert mpatch.count(data, b"abc") == 3
