"""Type stubs of mpatch: same-length, in-place byte patching of files of any size."""

import os
from typing import (
    Iterator,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    final,
    overload,
)

from typing_extensions import Buffer

from ._errors import (
    ChangedError as ChangedError,
    Error as Error,
    ExpectError as ExpectError,
    JournalError as JournalError,
    LengthError as LengthError,
)

# The aliases below are the stubs' own (private: the module has no such
# names at runtime).

# A path: str, bytes or os.PathLike (os.fspath semantics).
_StrPath = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
# What find, finditer and count search: a path (str or os.PathLike), or any
# object with the buffer protocol (bytes, bytearray, memoryview, mmap.mmap),
# searched in place.
_Source = Union[str, "os.PathLike[str]", "os.PathLike[bytes]", Buffer]
# What count and find walk with recursive=True: a folder (or a file), or a
# list of paths (bytes, too, is a path there, not a buffer).
_Roots = Union[_StrPath, Sequence[_StrPath]]
# A pattern: bytes-like (a str only with hex=True, escapes=True or encoding=,
# as its text; with encoding=, bytes are read as UTF-8 text).
_Pattern = Union[Buffer, str]
# A byte option (pad, mask): an int 0-255, one byte, or "c" / "0xHH".
_Byte = Union[int, bytes, str]

# The module's own __all__ (python/tests/test_stubs.py compares the two).
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

@final
class Finder(Iterator[int]):
    """The offsets of a search, lazily (see finditer())."""

    def __iter__(self) -> "Finder": ...
    def __next__(self) -> int: ...

@final
class DiffResult:
    """What diff() found and wrote; true when the files differ."""

    @property
    def size(self) -> int: ...
    @property
    def regions(self) -> int: ...
    @property
    def changed(self) -> int: ...
    @property
    def format(self) -> str: ...
    def __bool__(self) -> bool: ...

@final
class ApplyResult:
    """What apply() did: status "written", "would write" or "already applied"."""

    @property
    def status(self) -> Literal["written", "would write", "already applied"]: ...
    @property
    def regions(self) -> int: ...
    @property
    def bytes(self) -> int: ...
    @property
    def format(self) -> str: ...
    @property
    def named(self) -> Optional[str]: ...

# A patch format, as format= names it.
_FormatName = Literal["mpatch", "cmp", "ips", "ups", "bps", "ppf", "1337", "dif"]

# count and find: SOURCE is a path or a buffer; with recursive=True, a folder
# or a list of paths; with recursive given as a bool, either.
@overload
def count(
    source: _Source,
    pattern: Union[_Pattern, Sequence[_Pattern]],
    *,
    regex: bool = False,
    ignore_case: bool = False,
    hex: bool = False,
    escapes: bool = False,
    encoding: Optional[str] = None,
    start: Optional[int] = None,
    end: Optional[int] = None,
    nth: Optional[int] = None,
    max_count: Optional[int] = None,
    recursive: Literal[False] = False,
) -> int: ...
@overload
def count(
    source: _Roots,
    pattern: Union[_Pattern, Sequence[_Pattern]],
    *,
    regex: bool = False,
    ignore_case: bool = False,
    hex: bool = False,
    escapes: bool = False,
    encoding: Optional[str] = None,
    start: Optional[int] = None,
    end: Optional[int] = None,
    nth: Optional[int] = None,
    max_count: Optional[int] = None,
    recursive: Literal[True],
) -> int: ...
@overload
def count(
    source: Union[_Source, _Roots],
    pattern: Union[_Pattern, Sequence[_Pattern]],
    *,
    regex: bool = False,
    ignore_case: bool = False,
    hex: bool = False,
    escapes: bool = False,
    encoding: Optional[str] = None,
    start: Optional[int] = None,
    end: Optional[int] = None,
    nth: Optional[int] = None,
    max_count: Optional[int] = None,
    recursive: bool,
) -> int: ...
@overload
def find(
    source: _Source,
    pattern: Union[_Pattern, Sequence[_Pattern]],
    *,
    regex: bool = False,
    ignore_case: bool = False,
    hex: bool = False,
    escapes: bool = False,
    encoding: Optional[str] = None,
    start: Optional[int] = None,
    end: Optional[int] = None,
    nth: Optional[int] = None,
    max_count: Optional[int] = None,
    recursive: Literal[False] = False,
) -> List[int]: ...
@overload
def find(
    source: _Roots,
    pattern: Union[_Pattern, Sequence[_Pattern]],
    *,
    regex: bool = False,
    ignore_case: bool = False,
    hex: bool = False,
    escapes: bool = False,
    encoding: Optional[str] = None,
    start: Optional[int] = None,
    end: Optional[int] = None,
    nth: Optional[int] = None,
    max_count: Optional[int] = None,
    recursive: Literal[True],
) -> List[Tuple[str, int]]: ...
@overload
def find(
    source: Union[_Source, _Roots],
    pattern: Union[_Pattern, Sequence[_Pattern]],
    *,
    regex: bool = False,
    ignore_case: bool = False,
    hex: bool = False,
    escapes: bool = False,
    encoding: Optional[str] = None,
    start: Optional[int] = None,
    end: Optional[int] = None,
    nth: Optional[int] = None,
    max_count: Optional[int] = None,
    recursive: bool,
) -> Union[List[int], List[Tuple[str, int]]]: ...
def finditer(
    source: _Source,
    pattern: Union[_Pattern, Sequence[_Pattern]],
    *,
    regex: bool = False,
    ignore_case: bool = False,
    hex: bool = False,
    escapes: bool = False,
    encoding: Optional[str] = None,
    start: Optional[int] = None,
    end: Optional[int] = None,
    nth: Optional[int] = None,
    max_count: Optional[int] = None,
) -> Finder: ...
def replace(
    target: Union[_StrPath, Sequence[_StrPath]],
    pattern: Union[_Pattern, Mapping[bytes, _Pattern]],
    replacement: Optional[_Pattern] = None,
    *,
    regex: bool = False,
    ignore_case: bool = False,
    hex: bool = False,
    escapes: bool = False,
    encoding: Optional[str] = None,
    start: Optional[int] = None,
    end: Optional[int] = None,
    nth: Optional[int] = None,
    max_count: Optional[int] = None,
    pad: Optional[_Byte] = None,
    mask: Optional[_Byte] = None,
    dry_run: bool = False,
    expect: Optional[int] = None,
    journal: Optional[_StrPath] = None,
    no_sync: bool = False,
    recursive: bool = False,
) -> int: ...
def peek(path: _StrPath, offset: int, length: int) -> bytes: ...
def poke(
    path: _StrPath,
    offset: int,
    data: _Pattern,
    *,
    expect: Optional[_Pattern] = None,
    dry_run: bool = False,
    journal: Optional[_StrPath] = None,
    no_sync: bool = False,
    hex: bool = False,
    escapes: bool = False,
) -> bytes: ...
def undo(
    journal: _StrPath,
    *,
    force: bool = False,
    trust_journal: bool = False,
    no_sync: bool = False,
) -> int: ...
def diff(
    old: _StrPath,
    new: _StrPath,
    patch_path: _StrPath,
    *,
    format: _FormatName = "mpatch",
    name: Optional[str] = None,
) -> DiffResult: ...
def apply(
    patch_path: _StrPath,
    path_or_paths: Union[_StrPath, Sequence[_StrPath]],
    *,
    reverse: bool = False,
    dry_run: bool = False,
    journal: Optional[_StrPath] = None,
    format: Optional[_FormatName] = None,
    any_size: bool = False,
    no_sync: bool = False,
) -> ApplyResult: ...
