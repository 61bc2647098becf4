"""mpatch's own exceptions; operating-system errors are Python's OSError
subclasses (FileNotFoundError, PermissionError, ...) with errno and filename."""

from typing import Optional, Union
import os

__all__ = ["Error", "LengthError", "ExpectError", "ChangedError", "JournalError"]


class Error(Exception):
    """The base of mpatch's own errors. filename names the file concerned,
    when one is (None otherwise)."""

    def __init__(self, message: str, filename: "Optional[Union[str, bytes, os.PathLike]]" = None):
        super().__init__(message)
        self.filename = filename


class LengthError(Error, ValueError, IndexError):
    """A replacement (or a pair's NEW, or a regex expansion) is not as long
    as what it replaces: mpatch never changes a file's length. Also a
    ValueError, and an IndexError as Python's mmap raises for a slice
    assignment of the wrong size."""


class ExpectError(Error):
    """replace(expect=N) did not hold: a file had another number of
    matches. Nothing was written."""


class ChangedError(Error):
    """A compare-and-swap did not hold: poke(expect=...) found other bytes
    at the offset, or undo() found regions changed since the journal was
    written. Nothing was written."""


class JournalError(Error):
    """The undo journal cannot be created, written, read or trusted (it
    exists already, it is damaged, or it names files that changed)."""


# Shown as mpatch.LengthError, where they are meant to be caught from.
for _class in (Error, LengthError, ExpectError, ChangedError, JournalError):
    _class.__module__ = "mpatch"
del _class
