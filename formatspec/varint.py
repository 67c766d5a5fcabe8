"""SQLite's variable-length integer (fileformat2, section "Varint").

Format:

=========  =====================================================================
bytes      meaning
=========  =====================================================================
1..8       big-endian groups of 7 bits; the high bit of each byte is set when
           another byte follows
9          when the first eight bytes all have their high bit set, the ninth
           byte contributes all 8 of its bits (so 9 bytes carry 64 bits)
=========  =====================================================================

The value is a 64-bit unsigned integer; rowids reinterpret it as two's
complement (:data:`SignedVarInt`). SQLite always writes the shortest form, but
a reader must accept non-minimal encodings, and so do we.

:data:`VarInt` is the construct schema; :func:`read_varint` and
:func:`encode_varint` are its fast twins (tests/formatspec/test_varint.py
binds them).
"""

from __future__ import annotations

import construct as cs

from ._spec import Spec
from .errors import FormatError

MAX_VARINT_LEN = 9
_U64 = 1 << 64
_I64_MIN = -(1 << 63)


class _VarIntCon(cs.Construct):
    def __init__(self, signed: bool) -> None:
        super().__init__()
        self.signed = signed

    def _parse(self, stream, context, path):
        value = 0
        start = stream.tell()
        for i in range(MAX_VARINT_LEN):
            chunk = stream.read(1)
            if not chunk:
                raise FormatError(
                    "varint runs past the end of the buffer",
                    offset=start,
                    path=path.replace("(parsing) -> ", "") or None,
                )
            b = chunk[0]
            if i == 8:
                value = (value << 8) | b
                break
            value = (value << 7) | (b & 0x7F)
            if b < 0x80:
                break
        if self.signed and value >= 1 << 63:
            value -= _U64
        return value

    def _build(self, obj, stream, context, path):
        if isinstance(obj, bool) or not isinstance(obj, int):
            raise cs.IntegerError(f"varint needs an int, got {obj!r}", path=path)
        if self.signed:
            if not _I64_MIN <= obj < 1 << 63:
                raise cs.IntegerError(f"value {obj} out of signed 64-bit range", path=path)
        elif not 0 <= obj < _U64:
            raise cs.IntegerError(f"value {obj} out of unsigned 64-bit range", path=path)
        data = encode_varint(obj)
        cs.stream_write(stream, data, len(data), path)
        return obj

    def _sizeof(self, context, path):
        raise cs.SizeofError("varint has variable size", path=path)


VarInt = Spec("varint", _VarIntCon(signed=False), __doc__)
SignedVarInt = Spec("signed varint", _VarIntCon(signed=True), __doc__)


def read_varint(buf, pos: int = 0) -> tuple[int, int]:
    """Decode the varint at ``buf[pos:]``; return ``(value, next_pos)``.

    The value is unsigned (0 .. 2**64-1). Raises FormatError when the buffer
    ends inside the varint.
    """
    try:
        b = buf[pos]
        if b < 0x80:
            return b, pos + 1
        value = b & 0x7F
        for i in range(1, 8):
            b = buf[pos + i]
            value = (value << 7) | (b & 0x7F)
            if b < 0x80:
                return value, pos + i + 1
        return (value << 8) | buf[pos + 8], pos + 9
    except IndexError:
        raise FormatError("varint runs past the end of the buffer", offset=pos) from None


def read_signed_varint(buf, pos: int = 0) -> tuple[int, int]:
    """As :func:`read_varint`, reinterpreting the 64 bits as two's complement."""
    value, pos = read_varint(buf, pos)
    if value >= 1 << 63:
        value -= _U64
    return value, pos


def encode_varint(value: int) -> bytes:
    """The shortest varint for ``value`` (negative values as 64-bit two's complement)."""
    if value < 0:
        value += _U64
    if not 0 <= value < _U64:
        raise FormatError(f"value {value} does not fit in a varint")
    if value < 0x80:
        return bytes((value,))
    if value >> 56:
        # nine bytes: eight 7-bit groups then one full byte
        out = bytearray(9)
        out[8] = value & 0xFF
        value >>= 8
        for i in range(7, -1, -1):
            out[i] = (value & 0x7F) | 0x80
            value >>= 7
        return bytes(out)
    groups = []
    while value:
        groups.append(value & 0x7F)
        value >>= 7
    groups.reverse()
    return bytes([g | 0x80 for g in groups[:-1]] + [groups[-1]])


def varint_len(value: int) -> int:
    """Length in bytes of the shortest varint for ``value``."""
    if value < 0:
        return 9
    n = 1
    while value >= 0x80 and n < 9:
        value >>= 7
        n += 1
    return n
