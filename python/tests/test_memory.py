"""finditer's memory stays bounded whatever the number of matches: the
offsets come a batch at a time and the pages behind the search are given
back, where find() holds every offset and a whole scan maps every page."""

import mpatch


def rss():
    """This process's resident memory now, in bytes (VmRSS)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_finditer_over_a_million_matches_stays_small(tmp_path):
    path = tmp_path / "dense.log"
    line = b"x" * 123 + b"HIT\n"  # one match every 127 bytes...
    size = 128 << 20
    with open(path, "wb") as f:
        block = line * 8192
        for _ in range(size // len(block)):
            f.write(block)
    expected = (size // len(block)) * 8192
    base = peak = rss()
    n = 0
    last = -1
    for offset in mpatch.finditer(path, b"HIT"):
        assert offset > last
        last = offset
        n += 1
        if n % 50_000 == 0:
            peak = max(peak, rss())
    assert n == expected > 1_000_000
    grown = peak - base
    # The whole file is 128 MiB and a list of its offsets about 40 MiB;
    # a bounded walk holds a segment or two of pages (8 MiB each).
    assert grown < 24 << 20, f"resident memory grew by {grown >> 20} MiB"
