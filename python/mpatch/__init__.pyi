"""Type stubs of mpatch: same-length, in-place byte patching of files of any size."""

import os
from typing import Iterator, List, Literal, Mapping, Optional, Sequence, Tuple, Union, overload

from typing_extensions import Buffer

from ._errors import (
    ChangedError as ChangedError,
    Error as Error,
    ExpectError as ExpectError,
    JournalError as JournalError,
    LengthError as LengthError,
)

# A path: str, bytes or os.PathLike (os.fspath semantics).
StrPath = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
# What find, finditer and count search: a path (str or os.PathLike), or any
# object with the buffer protocol (bytes, bytearray, memoryview, mmap.mmap),
# searched in place.
Source = Union[str, "os.PathLike[str]", "os.PathLike[bytes]", Buffer]
# A pattern: bytes-like (a str only with hex=True or escapes=True).
Pattern = Union[Buffer, str]
# A byte option (pad, mask): an int 0-255, one byte, or "c" / "0xHH".
Byte = Union[int, bytes, str]

__all__: List[str]

class Finder(Iterator[int]):
    """The offsets of a search, lazily (see finditer())."""

    def __iter__(self) -> "Finder": ...
    def __next__(self) -> int: ...

def count(
    source: Source,
    pattern: Union[Pattern, Sequence[Pattern]],
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
    recursive: bool = False,
) -> int: ...
@overload
def find(
    source: Source,
    pattern: Union[Pattern, Sequence[Pattern]],
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
    source: Source,
    pattern: Union[Pattern, Sequence[Pattern]],
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
def finditer(
    source: Source,
    pattern: Union[Pattern, Sequence[Pattern]],
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
    target: Union[StrPath, Sequence[StrPath]],
    pattern: Union[Pattern, Mapping[bytes, Pattern]],
    replacement: Optional[Pattern] = None,
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
    pad: Optional[Byte] = None,
    mask: Optional[Byte] = None,
    dry_run: bool = False,
    expect: Optional[int] = None,
    journal: Optional[StrPath] = None,
    no_sync: bool = False,
    recursive: bool = False,
) -> int: ...
def peek(path: StrPath, offset: int, length: int) -> bytes: ...
def poke(
    path: StrPath,
    offset: int,
    data: Pattern,
    *,
    expect: Optional[Pattern] = None,
    dry_run: bool = False,
    journal: Optional[StrPath] = None,
    no_sync: bool = False,
    hex: bool = False,
    escapes: bool = False,
) -> bytes: ...
def undo(
    journal: StrPath,
    *,
    force: bool = False,
    trust_journal: bool = False,
    no_sync: bool = False,
) -> int: ...
