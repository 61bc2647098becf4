"""Errors as Python's: OSError subclasses with errno and filename, the
module's own classes, and nothing written when an error comes first."""

import errno
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

import mpatch
from conftest import HELLO


class Named(os.PathLike):
    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return self.path


@pytest.mark.parametrize("call", ["count", "find", "finditer", "replace"])
def test_a_missing_file_is_file_not_found(tmp_path, call):
    missing = str(tmp_path / "missing.log")
    args = (b"ERROR", b"FIXED") if call == "replace" else (b"ERROR",)
    with pytest.raises(FileNotFoundError) as raised:
        getattr(mpatch, call)(missing, *args)
    assert raised.value.errno == errno.ENOENT
    assert raised.value.filename == missing


def test_filename_is_the_path_as_given(tmp_path):
    missing = tmp_path / "missing.log"
    named = Named(str(missing))
    with pytest.raises(FileNotFoundError) as raised:
        mpatch.count(named, b"x")
    assert raised.value.filename is named
    with pytest.raises(FileNotFoundError) as raised:
        mpatch.count(missing, b"x")
    assert raised.value.filename == missing
    with pytest.raises(FileNotFoundError) as raised:
        mpatch.replace(os.fsencode(missing), b"x", b"y")
    assert raised.value.filename == os.fsencode(missing)


def test_a_directory_is_is_a_directory_error(tmp_path):
    with pytest.raises(IsADirectoryError) as raised:
        mpatch.count(tmp_path, b"x")
    assert raised.value.errno == errno.EISDIR
    assert raised.value.filename == tmp_path


def test_no_permission_is_permission_error(tmp_path):
    """Root may open any file, so as root the call runs in a child that
    becomes nobody first: the file lies in a folder only root may enter."""
    path = tmp_path / "private" / "p.log"
    path.parent.mkdir()
    path.write_bytes(b"ERROR")
    code = textwrap.dedent(
        f"""
        import errno, os, mpatch
        if os.geteuid() == 0:
            os.setgid(65534)
            os.setuid(65534)
        try:
            mpatch.replace({str(path)!r}, b"ERROR", b"FIXED")
        except PermissionError as e:
            assert e.errno == errno.EACCES and e.filename == {str(path)!r}, e
            print("PermissionError")
        """
    )
    path.parent.chmod(0o700 if os.geteuid() == 0 else 0o000)
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    finally:
        path.parent.chmod(0o700)
    assert out.stdout.strip() == "PermissionError", out.stderr
    assert path.read_bytes() == b"ERROR"


def test_length_error_is_also_value_error_and_index_error(hello):
    with pytest.raises(mpatch.LengthError) as raised:
        mpatch.replace(hello, b"Hello", b"Hi")
    error = raised.value
    assert isinstance(error, mpatch.Error)
    assert isinstance(error, ValueError)
    assert isinstance(error, IndexError)
    assert "same length" in str(error)
    assert hello.read_bytes() == HELLO


def test_a_regex_expansion_of_another_length_writes_nothing(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"id=12 id=34")
    b.write_bytes(b"id=56 id=7")
    with pytest.raises(mpatch.LengthError) as raised:
        mpatch.replace([a, b], rb"id=([0-9]+)", rb"id=${1}0", regex=True)
    assert raised.value.filename in (a, b)
    assert (a.read_bytes(), b.read_bytes()) == (b"id=12 id=34", b"id=56 id=7")


def test_a_pair_of_another_length_is_a_length_error(hello):
    with pytest.raises(mpatch.LengthError):
        mpatch.replace(hello, {b"Hello": b"HELLO", b"world": b"planet"})
    assert hello.read_bytes() == HELLO


@pytest.mark.parametrize("call", ["count", "find", "finditer"])
def test_an_empty_pattern_is_a_value_error(hello, call):
    with pytest.raises(ValueError, match="empty"):
        getattr(mpatch, call)(hello, b"")
    with pytest.raises(ValueError, match="empty"):
        getattr(mpatch, call)(b"data", [b"a", b""])


def test_an_empty_pattern_or_replacement_in_replace_is_a_value_error(hello):
    for args in [(b"", b""), (b"Hello", b""), ({b"": b""},), ({},)]:
        with pytest.raises(ValueError):
            mpatch.replace(hello, *args)
    assert hello.read_bytes() == HELLO


def test_a_missing_file_among_several_stops_the_run_before_any_write(tmp_path):
    a = tmp_path / "a.log"
    a.write_bytes(b"ERROR")
    missing = tmp_path / "missing.log"
    with pytest.raises(FileNotFoundError) as raised:
        mpatch.replace([a, missing], b"ERROR", b"FIXED")
    assert raised.value.filename == missing
    assert a.read_bytes() == b"ERROR"


def test_bad_arguments_are_type_and_value_errors(hello):
    with pytest.raises(TypeError):
        mpatch.count(hello, "Hello")  # a str pattern needs hex= or escapes=
    with pytest.raises(TypeError):
        mpatch.count(12, b"x")
    with pytest.raises(ValueError, match="not supported yet"):
        mpatch.count(hello, b"Hello", encoding="utf-16le")
    with pytest.raises(ValueError):
        mpatch.count(hello, b"zz", hex=True)
    with pytest.raises(ValueError):
        mpatch.count(hello, rb"(", regex=True)
    with pytest.raises(ValueError):
        mpatch.count(hello, b"H", nth=0)
    with pytest.raises(ValueError):
        mpatch.replace(hello, b"Hello")  # neither replacement nor mask
    with pytest.raises(ValueError):
        mpatch.replace(hello, b"Hello", b"HELLO", mask="*")
    with pytest.raises(ValueError):
        mpatch.replace(hello, b"Hello", mask=300)
    with pytest.raises(ValueError):
        mpatch.replace(hello, rb"(x)", rb"${2}", regex=True)  # no group 2
    assert hello.read_bytes() == HELLO


def test_a_closed_mmap_is_the_objects_error(hello):
    import mmap

    with open(hello, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    mm.close()
    with pytest.raises(ValueError):
        mpatch.count(mm, b"Hello")


def test_a_file_cut_short_under_a_search_is_an_exception_not_a_crash(tmp_path):
    """finditer maps the file; cutting it in the middle of the iteration
    faults on the next pages, which the library's guard turns into an
    error. Run in a child, so that a crash would be seen as one."""
    path = tmp_path / "cut.log"
    path.write_bytes((b"x" * 4095 + b"\n") * 4096 + b"ERROR\n" * 4096)
    code = textwrap.dedent(
        f"""
        import os, mpatch
        found = mpatch.finditer({str(path)!r}, b"ERROR")
        first = next(found)
        os.truncate({str(path)!r}, 4096 * 4096 + 8192)
        try:
            n = sum(1 for _ in found)
        except mpatch.Error as e:
            print("raised", type(e).__name__, e.filename == {str(path)!r})
        else:
            print("no error", n)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["raised", "Error", "True"], out.stdout


def test_pathlib_and_bytes_paths_are_accepted(hello):
    assert mpatch.count(pathlib.Path(hello), b"Hello") == 2
    assert mpatch.replace(os.fsencode(hello), b"Hello", b"HELLO", dry_run=True) == 2
