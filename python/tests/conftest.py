"""Shared files of the suite: the seed's Hello file and a large log, made
deterministically in temporary folders."""

import random

import pytest

HELLO = b"Hello, world!\nHello again.\nGoodbye.\n"


@pytest.fixture
def hello(tmp_path):
    """The seed's example: a small file with two Hellos."""
    path = tmp_path / "hello.txt"
    path.write_bytes(HELLO)
    return path


def make_log(path, size, seed=7):
    """A log of about `size` bytes: timestamped INFO, DEBUG and ERROR lines."""
    rng = random.Random(seed)
    levels = [b"INFO ", b"DEBUG", b"ERROR"]
    lines = []
    total = 0
    n = 0
    while total < size:
        level = levels[rng.randrange(10) % 3 if rng.random() < 0.3 else 0]
        line = b"2024-01-%02d %08d %s id=%03d %s\n" % (
            n % 28 + 1,
            n,
            level,
            rng.randrange(1000),
            b"x" * rng.randrange(20, 80),
        )
        lines.append(line)
        total += len(line)
        n += 1
    data = b"".join(lines)
    path.write_bytes(data)
    return data


@pytest.fixture(scope="session")
def big_log(tmp_path_factory):
    """A 64 MiB log (about 220,000 ERROR lines), made once: its path and
    bytes. Tests that write copy it first."""
    path = tmp_path_factory.mktemp("big") / "big.log"
    data = make_log(path, 64 << 20)
    return path, data


@pytest.fixture
def big_copy(big_log, tmp_path):
    """A private copy of the large log, to write."""
    source, data = big_log
    path = tmp_path / "big.log"
    path.write_bytes(data)
    return path, data


@pytest.fixture
def rng(request):
    """A random generator seeded by the test's name, so failures repeat."""
    return random.Random(request.node.name)
