"""peek, poke (a compare-and-swap with expect) and undo of the journals that
replace and poke write, against slices of the file's bytes."""

import os

import pytest

import mpatch
from conftest import HELLO


def test_peek_reads_like_a_slice(hello):
    for offset, length in [(0, 5), (7, 5), (-6, 3), (-1, 10), (0, 1000), (3, 0)]:
        start = offset if offset >= 0 else len(HELLO) + offset
        assert mpatch.peek(hello, offset, length) == HELLO[start : start + length]


def test_peek_past_the_end_is_an_error(hello):
    with pytest.raises(mpatch.Error) as raised:
        mpatch.peek(hello, len(HELLO), 1)
    assert raised.value.filename == hello
    with pytest.raises(mpatch.Error):
        mpatch.peek(hello, -len(HELLO) - 1, 1)


def test_poke_writes_in_place_and_returns_the_old_bytes(hello):
    assert mpatch.poke(hello, 7, b"WORLD") == b"world"
    assert hello.read_bytes() == HELLO.replace(b"world", b"WORLD")
    assert mpatch.poke(hello, -2, b"!\n") == b".\n"
    assert hello.read_bytes()[-2:] == b"!\n"
    assert os.path.getsize(hello) == len(HELLO)


def test_poke_with_expect_is_a_compare_and_swap(hello):
    assert mpatch.poke(hello, 0, b"HELLO", expect=b"Hello") == b"Hello"
    with pytest.raises(mpatch.ChangedError) as raised:
        mpatch.poke(hello, 0, b"Howdy", expect=b"Hello")
    assert raised.value.filename == hello
    assert "expected" in str(raised.value)
    assert hello.read_bytes() == b"HELLO" + HELLO[5:]


def test_poke_never_changes_the_length(hello):
    with pytest.raises(mpatch.Error, match="past the end"):
        mpatch.poke(hello, -2, b"abc")
    assert hello.read_bytes() == HELLO


def test_poke_hex_and_dry_run(hello):
    assert mpatch.poke(hello, 0, "48 45", hex=True, dry_run=True) == b"He"
    assert hello.read_bytes() == HELLO
    assert mpatch.poke(hello, 0, "48 45", hex=True) == b"He"
    assert hello.read_bytes().startswith(b"HEllo")
    with pytest.raises(ValueError):
        mpatch.poke(hello, 0, b"")


def test_undo_puts_a_replace_back(hello, tmp_path):
    journal = tmp_path / "fix.journal"
    assert mpatch.replace(hello, b"Hello", b"HELLO", journal=journal) == 2
    assert mpatch.undo(journal) == 2
    assert hello.read_bytes() == HELLO
    assert not journal.exists()


def test_undo_puts_a_poke_back(hello, tmp_path):
    journal = tmp_path / "poke.journal"
    mpatch.poke(hello, 7, b"WORLD", journal=str(journal))
    assert mpatch.undo(str(journal)) == 1
    assert hello.read_bytes() == HELLO


def test_undo_refuses_regions_changed_since(hello, tmp_path):
    journal = tmp_path / "fix.journal"
    mpatch.replace(hello, b"Hello", b"HELLO", journal=journal)
    mpatch.poke(hello, 0, b"Howdy")
    with pytest.raises(mpatch.ChangedError):
        mpatch.undo(journal)
    # Nothing restored: the second HELLO is still there.
    assert hello.read_bytes() == b"Howdy" + HELLO[5:].replace(b"Hello", b"HELLO")
    # force puts the old bytes back over the changed ones too.
    assert mpatch.undo(journal, force=True) == 2
    assert hello.read_bytes() == HELLO


def test_undo_with_force_names_the_files_it_could_not_use(tmp_path):
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_bytes(b"ERROR a")
    b.write_bytes(b"ERROR b")
    journal = tmp_path / "fix.journal"
    assert mpatch.replace([a, b], b"ERROR", b"FIXED", journal=journal) == 2
    b.unlink()
    with pytest.raises(mpatch.Error) as raised:
        mpatch.undo(journal, force=True)
    assert raised.value.restored == 1
    assert "b.log" in str(raised.value)
    assert a.read_bytes() == b"ERROR a"
    assert journal.exists(), "kept: the way back for what was not restored"


def test_undo_of_a_missing_or_damaged_journal(tmp_path):
    missing = tmp_path / "none.journal"
    with pytest.raises(FileNotFoundError) as raised:
        mpatch.undo(missing)
    assert raised.value.filename == missing
    damaged = tmp_path / "bad.journal"
    damaged.write_bytes(b"not a journal at all")
    damaged.chmod(0o600)
    with pytest.raises(mpatch.JournalError):
        mpatch.undo(damaged)
