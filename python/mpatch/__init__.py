"""mpatch: same-length, in-place byte patching of files of any size.

The library of the mpatch command line, for Python: find, count and
replace bytes in a file through a memory map, split across cores, with the
GIL released; only the bytes that change are written. Each function's
keywords are the command line's options (see help(mpatch.replace)).

    >>> import mpatch
    >>> mpatch.count("big.log", b"ERROR")
    >>> mpatch.replace("big.log", b"ERROR", b"FIXED")
"""

from ._errors import ChangedError, Error, ExpectError, JournalError, LengthError
from ._mpatch import Finder, count, find, finditer, peek, poke, replace, undo

__all__ = [
    "count",
    "find",
    "finditer",
    "replace",
    "peek",
    "poke",
    "undo",
    "Finder",
    "Error",
    "LengthError",
    "ExpectError",
    "ChangedError",
    "JournalError",
]
