"""mpatch: same-length, in-place byte patching of files of any size.

The library of the mpatch command line, for Python: find, count and
replace bytes in a file through a memory map, split across cores, with the
GIL released; only the bytes that change are written; diff two files into a
patch (mpatch's text, cmp -l, IPS, UPS, BPS, PPF, .1337, .dif) and apply one
as a compare-and-swap. Each function's keywords are the command line's
options (see help(mpatch.replace)).

    >>> import mpatch
    >>> mpatch.count("big.log", b"ERROR")
    >>> mpatch.replace("big.log", b"ERROR", b"FIXED")
    >>> mpatch.diff("old.bin", "new.bin", "fix.ups", format="ups")
    >>> mpatch.apply("fix.ups", "copy.bin")
"""

from ._errors import ChangedError, Error, ExpectError, JournalError, LengthError
from ._mpatch import (
    ApplyResult,
    DiffResult,
    Finder,
    apply,
    count,
    diff,
    find,
    finditer,
    peek,
    poke,
    replace,
    undo,
)

__all__ = [
    "count",
    "find",
    "finditer",
    "replace",
    "peek",
    "poke",
    "undo",
    "diff",
    "apply",
    "Finder",
    "DiffResult",
    "ApplyResult",
    "Error",
    "LengthError",
    "ExpectError",
    "ChangedError",
    "JournalError",
]
