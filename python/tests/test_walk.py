"""recursive=True: folders walked as `mpatch -r` walks them (ignore files
honoured, hidden entries skipped, path order), for count, find and replace."""

import errno

import pytest

import mpatch


@pytest.fixture
def tree(tmp_path):
    files = {
        "a.log": b"ERROR one\nok\n",
        "sub/b.log": b"x ERROR ERROR\n",
        "sub/deeper/c.log": b"ERROR\n",
        "sub/ignored.log": b"ERROR never\n",
        ".hidden/d.log": b"ERROR hidden\n",
        ".ignore": b"ignored.log\n",
    }
    for name, data in files.items():
        path = tmp_path / "root" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return tmp_path / "root"


def test_count_walks_the_tree(tree):
    assert mpatch.count(tree, b"ERROR", recursive=True) == 4
    assert mpatch.count([tree / "sub", tree / "a.log"], b"ERROR", recursive=True) == 4
    assert mpatch.count(tree / "a.log", b"ERROR", recursive=True) == 1


def test_find_gives_paths_and_offsets_in_path_order(tree):
    found = mpatch.find(str(tree), b"ERROR", recursive=True)
    root = str(tree)
    assert found == [
        (f"{root}/a.log", 0),
        (f"{root}/sub/b.log", 2),
        (f"{root}/sub/b.log", 8),
        (f"{root}/sub/deeper/c.log", 0),
    ]


def test_replace_walks_the_tree_and_leaves_what_the_walk_skips(tree):
    assert mpatch.replace(tree, b"ERROR", b"FIXED", recursive=True) == 4
    assert (tree / "sub/b.log").read_bytes() == b"x FIXED FIXED\n"
    assert (tree / "sub/deeper/c.log").read_bytes() == b"FIXED\n"
    assert (tree / "sub/ignored.log").read_bytes() == b"ERROR never\n"
    assert (tree / ".hidden/d.log").read_bytes() == b"ERROR hidden\n"


def test_a_walked_expect_guards_each_file_on_its_own(tree):
    with pytest.raises(mpatch.ExpectError) as raised:
        mpatch.replace(tree, b"ERROR", b"FIXED", recursive=True, expect=1)
    assert "sub/b.log" in str(raised.value)
    assert (tree / "a.log").read_bytes() == b"FIXED one\nok\n"
    assert (tree / "sub/b.log").read_bytes() == b"x ERROR ERROR\n"


def test_a_missing_root_is_file_not_found(tree):
    with pytest.raises(FileNotFoundError) as raised:
        mpatch.count(tree / "missing", b"ERROR", recursive=True)
    assert raised.value.errno == errno.ENOENT
