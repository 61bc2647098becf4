"""diff and apply: every format round trip (diff, apply, apply again, undo,
reverse), a compare-and-swap that does not hold, damaged patches and files
of another size, each refused with the file's bytes and mtime untouched."""

import os
import shutil

import pytest

import mpatch

FORMATS = ["mpatch", "cmp", "ips", "ups", "bps", "ppf", "1337", "dif"]
# The formats that carry the old bytes, and so can be taken back out.
REVERSIBLE = ["mpatch", "cmp", "ups", "ppf", "1337", "dif"]
# An mtime no write can leave as it is.
PAST = (1_000_000_000, 1_000_000_000)


def make_pair(tmp_path, rng, size=200_000):
    """OLD and NEW of one size, NEW with a few scattered runs changed."""
    old = bytes(rng.randrange(256) for _ in range(size))
    new = bytearray(old)
    for at in sorted(rng.sample(range(size - 40), 12)):
        for i in range(at, at + rng.randrange(1, 30)):
            new[i] = (new[i] + 1 + rng.randrange(255)) % 256
    new = bytes(new)
    (tmp_path / "old.bin").write_bytes(old)
    (tmp_path / "new.bin").write_bytes(new)
    return tmp_path / "old.bin", tmp_path / "new.bin", old, new


def untouched(path):
    """The file's bytes and mtime now, the mtime set in the past first so
    that any write would move it."""
    os.utime(path, ns=PAST)
    st = os.stat(path)
    return path.read_bytes(), st.st_mtime_ns


def still(path, before):
    """Whether the file holds the bytes and mtime untouched() saw."""
    return (path.read_bytes(), os.stat(path).st_mtime_ns) == before


@pytest.mark.parametrize("form", FORMATS)
def test_diff_apply_again_undo_round_trip(tmp_path, rng, form):
    old_path, new_path, old, new = make_pair(tmp_path, rng)
    patch = tmp_path / f"fix.{form}"
    result = mpatch.diff(old_path, new_path, patch, format=form)
    assert result and result.format == form and result.size == len(old)
    assert result.changed == sum(a != b for a, b in zip(old, new))
    assert 1 <= result.regions <= 12
    target = tmp_path / "target.bin"
    shutil.copy(old_path, target)
    journal = tmp_path / "fix.journal"
    applied = mpatch.apply(patch, target, journal=journal)
    assert (applied.status, applied.format) == ("written", form)
    assert applied.regions >= result.regions and applied.bytes >= result.changed
    assert target.read_bytes() == new
    before = untouched(target)
    again = mpatch.apply(str(patch), str(target))
    assert (again.status, again.regions, again.bytes) == ("already applied", 0, 0)
    assert still(target, before)
    assert mpatch.undo(journal) >= 1
    assert target.read_bytes() == old


@pytest.mark.parametrize("form", REVERSIBLE)
def test_reverse_takes_the_patch_back_out(tmp_path, rng, form):
    old_path, new_path, old, new = make_pair(tmp_path, rng)
    patch = tmp_path / "fix.patch"
    mpatch.diff(old_path, new_path, patch, format=form)
    assert mpatch.apply(patch, new_path, reverse=True).status == "written"
    assert new_path.read_bytes() == old
    assert mpatch.apply(patch, new_path, reverse=True).status == "already applied"


@pytest.mark.parametrize("form", ["ips", "bps"])
def test_reverse_of_a_patch_without_the_old_bytes_is_refused(tmp_path, rng, form):
    old_path, new_path, old, new = make_pair(tmp_path, rng)
    patch = tmp_path / "fix.patch"
    mpatch.diff(old_path, new_path, patch, format=form)
    before = untouched(new_path)
    with pytest.raises(mpatch.Error, match="cannot be reversed") as raised:
        mpatch.apply(patch, new_path, reverse=True)
    assert "mpatch.diff(new, old, ...)" in str(raised.value)
    assert type(raised.value) is mpatch.Error
    assert still(new_path, before)


def test_the_mpatch_patch_is_the_library_text(tmp_path):
    (tmp_path / "a").write_bytes(b"0123456789")
    (tmp_path / "b").write_bytes(b"0123Z56789")
    result = mpatch.diff(tmp_path / "a", tmp_path / "b", tmp_path / "p")
    assert (result.size, result.regions, result.changed) == (10, 1, 1)
    assert (tmp_path / "p").read_bytes() == b"mpatch patch 1 size 10\n4 34 5a\n"
    assert repr(result) == "DiffResult(size=10, regions=1, changed=1, format='mpatch')"


def test_equal_files_are_a_false_result_and_an_empty_patch(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"same bytes")
    b.write_bytes(b"same bytes")
    patch = tmp_path / "p"
    patch.write_bytes(b"stale")
    result = mpatch.diff(a, b, patch)
    assert not result and (result.regions, result.changed) == (0, 0)
    assert patch.read_bytes() == b""
    # As `mpatch diff` writes it, and apply refuses it as the command does.
    with pytest.raises(mpatch.Error, match="is empty"):
        mpatch.apply(patch, a)
    ups = mpatch.diff(a, b, tmp_path / "p.ups", format="ups")
    assert not ups and (tmp_path / "p.ups").read_bytes().startswith(b"UPS1")
    # An empty patch writes nothing (it has no region to find applied).
    before = untouched(a)
    empty = mpatch.apply(tmp_path / "p.ups", a)
    assert (empty.status, empty.regions, empty.bytes) == ("written", 0, 0)
    assert still(a, before)


def test_diff_errors_leave_the_patch_path_untouched(tmp_path):
    a, b, patch = tmp_path / "a", tmp_path / "b", tmp_path / "p"
    a.write_bytes(b"0123456789")
    b.write_bytes(b"01234")
    with pytest.raises(mpatch.Error, match="same size") as raised:
        mpatch.diff(a, b, patch)
    assert raised.value.filename == b
    assert not patch.exists()
    patch.write_bytes(b"kept")
    with pytest.raises(FileNotFoundError) as raised:
        mpatch.diff(a, tmp_path / "missing", patch)
    assert raised.value.filename == tmp_path / "missing"
    assert patch.read_bytes() == b"kept"
    with pytest.raises(ValueError, match="unknown format"):
        mpatch.diff(a, a, patch, format="zip")
    # A patch that cannot be created: the OSError names it.
    b.write_bytes(b"0123Z56789")
    unreachable = tmp_path / "no-such-dir" / "p"
    with pytest.raises(FileNotFoundError) as raised:
        mpatch.diff(a, b, unreachable)
    assert raised.value.filename == unreachable
    assert "cannot write the patch" in str(raised.value)


def test_an_ips_past_its_reach_is_refused_before_writing(tmp_path):
    a, b, patch = tmp_path / "a", tmp_path / "b", tmp_path / "p.ips"
    for path in (a, b):
        with open(path, "wb") as f:
            f.truncate(17 << 20)
    with open(b, "r+b") as f:
        f.seek(16 << 20)
        f.write(b"\x01")
    with pytest.raises(mpatch.Error, match="16 MiB"):
        mpatch.diff(a, b, patch, format="ips")
    assert not patch.exists()
    assert mpatch.diff(a, b, patch, format="bps").regions == 1


def test_apply_names_the_format_and_a_patch_name(tmp_path):
    (tmp_path / "fw.bin").write_bytes(bytes([0x74, 0x05, 0xC3]))
    patch = tmp_path / "fix.1337"
    patch.write_bytes(b">fw.bin\n00000000:74->EB\n")
    result = mpatch.apply(patch, tmp_path / "fw.bin", format="1337")
    assert (result.format, result.named, result.regions, result.bytes) == ("1337", "fw.bin", 1, 1)
    assert (tmp_path / "fw.bin").read_bytes() == bytes([0xEB, 0x05, 0xC3])
    assert repr(result) == (
        "ApplyResult(status='written', regions=1, bytes=1, format='1337', named='fw.bin')"
    )
    with pytest.raises(ValueError, match="unknown format"):
        mpatch.apply(patch, tmp_path / "fw.bin", format="tar")


def test_dry_run_writes_nothing(tmp_path, rng):
    old_path, new_path, old, new = make_pair(tmp_path, rng)
    patch = tmp_path / "fix.ups"
    mpatch.diff(old_path, new_path, patch, format="ups")
    before = untouched(old_path)
    result = mpatch.apply(patch, old_path, dry_run=True, journal=tmp_path / "j")
    assert result.status == "would write" and result.regions >= 1
    assert still(old_path, before)
    assert not (tmp_path / "j").exists()


def test_several_files_are_all_written_or_none(tmp_path, rng):
    old_path, new_path, old, new = make_pair(tmp_path, rng)
    patch = tmp_path / "fix.patch"
    diffed = mpatch.diff(old_path, new_path, patch)
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    for path in (a, b):
        shutil.copy(old_path, path)
    result = mpatch.apply(patch, [a, b], no_sync=True)
    assert result.regions == 2 * diffed.regions
    assert a.read_bytes() == b.read_bytes() == new
    # One file patched, the other not: a compare-and-swap over both.
    shutil.copy(old_path, a)
    mpatch.apply(patch, b, reverse=True)
    shutil.copy(new_path, b)
    c = tmp_path / "c.bin"
    shutil.copy(old_path, c)
    changed = bytearray(old)
    first = int(patch.read_text().splitlines()[1].split()[0])
    changed[first] ^= 0xFF
    c.write_bytes(bytes(changed))
    before_a, before_c = untouched(a), untouched(c)
    with pytest.raises(mpatch.ChangedError) as raised:
        mpatch.apply(patch, [a, c])
    assert raised.value.filename == c
    assert still(a, before_a) and still(c, before_c)


def test_a_region_changed_since_is_a_changed_error(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    patch = tmp_path / "fix.patch"
    patch.write_bytes(b"mpatch patch 1 size 10\n4 34 58\n")
    path.write_bytes(b"0123Z56789")
    before = untouched(path)
    with pytest.raises(mpatch.ChangedError, match="offset 4") as raised:
        mpatch.apply(patch, path)
    assert raised.value.filename == path
    assert still(path, before)


def test_a_ups_for_another_file_is_a_changed_error(tmp_path, rng):
    old_path, new_path, old, new = make_pair(tmp_path, rng)
    patch = tmp_path / "fix.ups"
    mpatch.diff(old_path, new_path, patch, format="ups")
    other = tmp_path / "other.bin"
    other.write_bytes(bytes(len(old)))
    before = untouched(other)
    with pytest.raises(mpatch.ChangedError, match="CRC32") as raised:
        mpatch.apply(patch, other)
    assert raised.value.filename == other
    assert still(other, before)


def test_a_damaged_patch_is_an_error_naming_it(tmp_path, rng):
    old_path, new_path, old, new = make_pair(tmp_path, rng)
    patch = tmp_path / "fix.ups"
    mpatch.diff(old_path, new_path, patch, format="ups")
    damaged = bytearray(patch.read_bytes())
    damaged[len(damaged) // 2] ^= 0x55
    patch.write_bytes(bytes(damaged))
    before = untouched(old_path)
    with pytest.raises(mpatch.Error) as raised:
        mpatch.apply(patch, old_path)
    assert type(raised.value) is mpatch.Error
    assert raised.value.filename == patch
    assert still(old_path, before)
    # A text patch's error names its line; the filename is the patch.
    text = tmp_path / "fix.patch"
    text.write_bytes(b"mpatch patch 1 size %d\n4 00 01\nnot a region\n" % len(old))
    with pytest.raises(mpatch.Error, match=r"fix\.patch:3") as raised:
        mpatch.apply(text, old_path)
    assert type(raised.value) is mpatch.Error and raised.value.filename == text
    assert still(old_path, before)
    with pytest.raises(FileNotFoundError) as raised:
        mpatch.apply(tmp_path / "none.patch", old_path)
    assert raised.value.filename == tmp_path / "none.patch"


def test_a_patch_for_another_size_is_an_error(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"0123456789ab")
    patch = tmp_path / "fix.patch"
    patch.write_bytes(b"mpatch patch 1 size 10\n4 34 58\n")
    before = untouched(path)
    with pytest.raises(mpatch.Error, match="any_size=True") as raised:
        mpatch.apply(patch, path)
    assert type(raised.value) is mpatch.Error and raised.value.filename == path
    assert still(path, before)
    assert mpatch.apply(patch, path, any_size=True).status == "written"
    assert path.read_bytes() == b"0123X56789ab"


def test_an_ips_that_would_change_the_size_is_an_error(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    # One record (offset 0, 1 byte), then a truncation to 8 bytes.
    patch = tmp_path / "fix.ips"
    patch.write_bytes(b"PATCH" + b"\x00\x00\x00\x00\x01X" + b"EOF" + b"\x00\x00\x08")
    before = untouched(path)
    with pytest.raises(mpatch.Error) as raised:
        mpatch.apply(patch, path)
    assert type(raised.value) is mpatch.Error and raised.value.filename == path
    assert still(path, before)


def test_apply_journal_is_never_overwritten(tmp_path, rng):
    old_path, new_path, old, new = make_pair(tmp_path, rng)
    patch = tmp_path / "fix.patch"
    mpatch.diff(old_path, new_path, patch)
    journal = tmp_path / "fix.journal"
    journal.write_bytes(b"someone's journal")
    before = untouched(old_path)
    with pytest.raises(mpatch.JournalError) as raised:
        mpatch.apply(patch, old_path, journal=journal)
    assert raised.value.filename == journal
    assert journal.read_bytes() == b"someone's journal"
    assert still(old_path, before)
