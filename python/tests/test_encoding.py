"""encoding=: patterns given as text and encoded before matching, as
`mpatch -E` does: UTF-16 strings in a binary, WHATWG encodings, and the
errors of text that cannot be encoded."""

import pytest

import mpatch

# A binary with the same word in ASCII and in UTF-16LE (a Windows resource
# string), and once in UTF-16BE.
BINARY = (
    b"MZ\x90\x00Trial\x00\x00"
    + "Trial version".encode("utf-16le")
    + b"\x00\x00\xff"
    + "Trial".encode("utf-16be")
    + b"\x01\x02"
)


@pytest.fixture
def binary(tmp_path):
    path = tmp_path / "app.exe"
    path.write_bytes(BINARY)
    return path


def test_utf16le_text_is_found_and_replaced_in_a_binary(binary):
    wide = "Trial".encode("utf-16le")
    at = BINARY.index(wide)
    assert mpatch.count(binary, b"Trial", encoding="utf-16le") == 1
    assert mpatch.find(binary, b"Trial", encoding="utf-16le") == [at]
    assert list(mpatch.finditer(binary, b"Trial", encoding="utf-16le")) == [at]
    assert mpatch.replace(binary, b"Trial", b"Fully", encoding="utf-16le") == 1
    expected = BINARY.replace(wide, "Fully".encode("utf-16le"))
    assert binary.read_bytes() == expected
    # The ASCII word and the big-endian one are left as they were.
    assert expected.count(b"Trial\x00\x00") == 1
    assert mpatch.count(binary, b"Trial", encoding="utf-16be") == 1


def test_a_str_is_its_text_and_bytes_are_utf8_text(binary):
    assert mpatch.count(binary, "Trial version", encoding="UTF-16LE") == 1
    assert mpatch.replace(binary, {"version": "VERSION"}, encoding="utf-16le") == 1
    assert binary.read_bytes() == BINARY.replace(
        "version".encode("utf-16le"), "VERSION".encode("utf-16le")
    )
    text = "café ☕".encode("utf-16le")
    assert mpatch.count(b"xx" + text, "café ☕".encode("utf-8"), encoding="utf-16le") == 1
    assert mpatch.count(bytearray(b"x" + "café".encode("latin1")), "café", encoding="latin1") == 1
    # hex values are bytes: not encoded.
    assert mpatch.count(binary, "54 00 72 00 69 00 61 00 6c 00 20", hex=True, encoding="utf-16le") == 1
    # A list of patterns, each encoded.
    assert mpatch.count(binary, ["Trial", "VERSION"], encoding="utf-16le") == 2


def test_the_encoded_lengths_must_match(binary):
    with pytest.raises(mpatch.LengthError):
        mpatch.replace(binary, "Trial", "Trial!", encoding="utf-16le")
    assert binary.read_bytes() == BINARY


def test_an_unencodable_character_is_a_value_error_naming_it(binary):
    with pytest.raises(ValueError, match=r"'€' \(U\+20AC\) at character 2 cannot be encoded in shift_jis") as raised:
        mpatch.count(binary, "5€", encoding="shift_jis")
    assert not isinstance(raised.value, mpatch.Error)
    with pytest.raises(ValueError, match="U\\+2615"):
        mpatch.replace(binary, b"Trial", "Tria\u2615".encode(), encoding="latin1")
    assert binary.read_bytes() == BINARY


def test_bad_encodings_are_value_errors(binary):
    with pytest.raises(ValueError, match="unknown encoding") as raised:
        mpatch.find(binary, b"Trial", encoding="klingon")
    assert str(raised.value).startswith("encoding: ")
    with pytest.raises(ValueError, match="regex=True"):
        mpatch.count(binary, b"Tr.al", regex=True, encoding="utf-16le")
    with pytest.raises(ValueError, match="not UTF-8"):
        mpatch.count(binary, b"Tri\xffal", encoding="utf-16le")
    with pytest.raises(TypeError, match="encoding="):
        mpatch.count(binary, "Trial")
