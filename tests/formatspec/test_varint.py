"""The varint schema (construct) against its fast twins read_varint / encode_varint."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatspec import (
    FormatError,
    SignedVarInt,
    VarInt,
    encode_varint,
    read_signed_varint,
    read_varint,
    varint_len,
)

U64 = st.integers(min_value=0, max_value=2**64 - 1)


def _bound(length: int) -> int:
    """Smallest value whose shortest varint has ``length`` bytes."""
    return 0 if length == 1 else 1 << (7 * (length - 1))


@given(U64)
def test_schema_parses_what_the_twin_encodes(value):
    data = encode_varint(value)
    assert VarInt.parse(data) == value
    assert read_varint(data) == (value, len(data))
    assert len(data) == varint_len(value)


@given(U64)
def test_schema_build_matches_twin_encode(value):
    assert VarInt.build(value) == encode_varint(value)
    signed = value - 2**64 if value >= 2**63 else value
    assert SignedVarInt.build(signed) == encode_varint(signed)


@given(st.binary(min_size=0, max_size=12), st.integers(min_value=0, max_value=3))
def test_schema_and_twin_agree_on_garbage(data, pos):
    try:
        expected = read_varint(data, pos)
    except FormatError:
        expected = None
    try:
        got = VarInt.parse(data[pos:])
    except FormatError:
        got = None
    if expected is None:
        assert got is None
    else:
        assert got == expected[0]
        signed = expected[0] - 2**64 if expected[0] >= 2**63 else expected[0]
        assert read_signed_varint(data, pos) == (signed, expected[1])
        assert SignedVarInt.parse(data[pos:]) == signed


@pytest.mark.parametrize("length", range(1, 10))
def test_every_length(length):
    low = _bound(length)
    high = _bound(length + 1) - 1 if length < 9 else 2**64 - 1
    if length == 9:
        low = 1 << 56  # eight 7-bit groups carry 56 bits; the ninth byte adds 8
    for value in (low, high, (low + high) // 2):
        data = encode_varint(value)
        assert len(data) == length, (value, data.hex())
        assert read_varint(data + b"\xff") == (value, length)
        assert VarInt.parse(data) == value
        # every byte but the last has its high bit set (except in the 9th byte)
        assert all(b & 0x80 for b in data[:-1])
        if length < 9:
            assert data[-1] < 0x80


@given(st.integers(min_value=0, max_value=2**56 - 1), st.integers(min_value=1, max_value=8))
def test_non_minimal_encodings_decode(value, extra):
    minimal = encode_varint(value)
    if len(minimal) + extra > 8:
        extra = 8 - len(minimal)
    padded = b"\x80" * extra + minimal  # leading zero groups
    assert read_varint(padded) == (value, len(padded))
    assert VarInt.parse(padded) == value


def test_nine_byte_form_uses_all_bits_of_the_last_byte():
    data = b"\xff" * 9
    assert read_varint(data) == (2**64 - 1, 9)
    assert VarInt.parse(data) == 2**64 - 1
    assert read_signed_varint(data) == (-1, 9)
    assert SignedVarInt.parse(data) == -1
    assert encode_varint(-1) == data


@pytest.mark.parametrize("data", [b"", b"\x80", b"\xff" * 8, b"\x81\x82"])
def test_truncated_varint_is_a_format_error(data):
    with pytest.raises(FormatError):
        read_varint(data)
    with pytest.raises(FormatError):
        VarInt.parse(data)
