"""The record format: how a row or an index key is laid out in a payload (fileformat2, "Record Format").

A record is a header followed by a body:

=======================  ==========================================================
part                     meaning
=======================  ==========================================================
header_size (varint)     total bytes of the header, this varint included
serial types (varints)   one per column, until header_size bytes are used up; the
                         last varint must end exactly at header_size
body                     the column values, back to back, in column order; the body
                         ends exactly at the end of the payload
=======================  ==========================================================

Serial types (what each column's varint says about its value):

===========  ===========  ===================================================
serial type  body bytes   value
===========  ===========  ===================================================
0            0            NULL
1            1            signed big-endian integer
2            2            signed big-endian integer
3            3            signed big-endian integer
4            4            signed big-endian integer
5            6            signed big-endian integer
6            8            signed big-endian integer
7            8            IEEE 754 big-endian double (a NaN reads as NULL, as in
                          SQLite)
8            0            the integer 0 (schema format 4)
9            0            the integer 1 (schema format 4)
10, 11       -            reserved for internal use: refused here
N >= 12 even (N-12)/2     BLOB
N >= 13 odd  (N-13)/2     TEXT in the database text encoding (utf-8, utf-16-le,
                          utf-16-be), no terminator
===========  ===========  ===================================================

SQLite's own writer picks, for a value: NULL -> 0; integers 0 and 1 -> 8 and 9;
other integers the smallest of 1, 2, 3, 4, 5 (6 bytes), 6 (8 bytes) that holds
them; REAL -> 7 (a NaN is stored as NULL); TEXT -> 2n+13; BLOB -> 2n+12. The
header size is the smallest that holds itself.

:data:`Record` is the construct schema: ``Record.parse(payload, encoding=...)``
gives ``RecordContainer(header_size, serial_types, values)`` (a construct
Container whose ``.values`` attribute is the field, not ``dict.values``); building keeps given
``header_size`` and ``serial_types`` (so non-minimal integer widths round-trip)
and otherwise makes SQLite's choices. Non-minimal *varint* encodings inside a
header (never written by SQLite) parse but are rebuilt in their shortest form.

Fast twins: :func:`decode_record`, :func:`decode_record_header`,
:func:`encode_record`, :func:`serial_type_of`, :func:`serial_type_length`, and
:func:`record_decoder` (a ``decode(payload)`` bound to one encoding, skipping
the argument dispatch of :func:`decode_record`).
:class:`RecordProjector` is the projected twin: only chosen columns decoded (the
others stepped over by pad bytes of the Struct), the rowid placed where asked,
integers of chosen columns given as floats; the whole record is still checked.
Optional filters (``column op number``) are tested in its generated code before
a row is built, and ``RecordProjector.leaf_rows`` reads a whole table leaf page
through it (bound to :func:`formatspec.btree.table_leaf_rows_projected`).
:func:`decode_record` caches, per distinct header (the header bytes are the
key), a small function over a compiled ``struct.Struct`` for the whole record,
so a record decodes with one dict lookup, one unpack and the few text decodes
it needs. Building that function is kept cheap because a table's text and blob
lengths make thousands of distinct headers: the Python code is generated once
per *shape* (the kinds of the columns; NULL, 0 and 1 are constants bound to the
function, lengths live in the Struct), and the Struct once per *skeleton* (the
header with serial types 0, 8 and 9 made equal); a header of one-byte varints is
planned by table lookups. A first scan of 200,000 mixed rows builds ~7,400
functions from ~100 shapes and ~3,200 Structs.

Text that is not valid in the database encoding: Python's sqlite3 raises when
fetching such a value; we decode with ``text_errors`` (default ``"replace"``:
each bad byte sequence becomes U+FFFD). Pass ``text_errors="strict"`` to get a
:class:`FormatError` instead.
"""

from __future__ import annotations

import codecs
import operator
import struct

import construct as cs

from ._spec import Spec
from .derived import MAX_PAGE_SIZE, MIN_USABLE_SIZE
from .errors import FormatError
from .varint import (
    SignedVarInt,
    VarInt,
    encode_varint,
    read_signed_varint,
    read_varint,
    varint_len,
)

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")


# construct fields for varints inside records and cells (the schema of formatspec.varint)
VARINT_FIELD = VarInt.construct
SIGNED_VARINT_FIELD = SignedVarInt.construct
_INT_WIDTH = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}
_INT_FORMAT = {1: "b", 2: "h", 4: "i", 6: "q"}  # widths struct can unpack directly
_MAX_CACHED_HEADER = 4096  # longer headers are decoded without a generated function
_MAX_CACHE = 8192
_NAN_BITS = struct.pack(">d", float("nan"))


# --------------------------------------------------------------------------- serial types


def serial_type_length(t: int) -> int:
    """Bytes of body used by a value of serial type ``t``."""
    if t >= 12:
        return (t - 12) >> 1
    if t < 0 or t in (10, 11):
        raise FormatError(f"serial type {t} is reserved")
    return (0, 1, 2, 3, 4, 6, 8, 8, 0, 0)[t]


def _int_serial_type(v: int) -> int:
    u = ~v if v < 0 else v
    if u <= 127:
        if v == 0:
            return 8
        if v == 1:
            return 9
        return 1
    if u <= 0x7FFF:
        return 2
    if u <= 0x7FFFFF:
        return 3
    if u <= 0x7FFFFFFF:
        return 4
    if u <= 0x7FFFFFFFFFFF:
        return 5
    if u <= 0x7FFFFFFFFFFFFFFF:
        return 6
    raise FormatError(f"integer {v} does not fit in 64 bits")


def serial_type_of(value, encoding: str = "utf-8") -> int:
    """The serial type SQLite writes for ``value`` (text length depends on ``encoding``)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return _int_serial_type(value)
    if isinstance(value, float):
        return 0 if value != value else 7
    if isinstance(value, str):
        return len(_encode_text(value, encoding)) * 2 + 13
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value) * 2 + 12
    raise FormatError(f"cannot store a value of type {type(value).__name__} in a record")


def _check_encoding(encoding: str) -> None:
    if encoding not in ENCODINGS:
        raise FormatError(f"unknown database text encoding {encoding!r}; one of {ENCODINGS}")


def _check_text_errors(errors: str) -> None:
    try:
        codecs.lookup_error(errors)
    except (LookupError, TypeError):
        raise FormatError(f"unknown text error handler {errors!r}") from None


def _encode_text(value: str, encoding: str) -> bytes:
    _check_encoding(encoding)
    try:
        return value.encode(encoding)
    except UnicodeEncodeError as err:
        raise FormatError(f"text cannot be encoded in {encoding}: {err}") from None


# --------------------------------------------------------------------------- construct schema


class _NanIsNull(cs.Adapter):
    """Serial type 7: a NaN reads as NULL (SQLite does the same); NULL builds a quiet NaN."""

    def _decode(self, obj, context, path):
        return None if obj != obj else obj

    def _encode(self, obj, context, path):
        if obj is None:
            return float("nan")
        if isinstance(obj, bool) or not isinstance(obj, (int, float)):
            raise cs.ValidationError(f"serial type 7 needs a number, got {obj!r}", path=path)
        return float(obj)


class _Constant(cs.Construct):
    """Serial types 0, 8, 9: no body bytes; the value is implied by the type."""

    def __init__(self, value) -> None:
        super().__init__()
        self.value = value
        self.flagbuildnone = value is None

    def _parse(self, stream, context, path):
        return self.value

    def _build(self, obj, stream, context, path):
        if self.value is None and (obj is None or (isinstance(obj, float) and obj != obj)):
            return None  # a NaN is stored as NULL, as SQLite does
        if obj is None or isinstance(obj, float) or obj != self.value:
            raise cs.ValidationError(
                f"serial type for {self.value!r} cannot hold {obj!r}", path=path)
        return self.value

    def _sizeof(self, context, path):
        return 0


class _Text(cs.Adapter):
    def __init__(self, subcon, encoding: str, errors: str) -> None:
        super().__init__(subcon)
        self.encoding = encoding
        self.errors = errors

    def _decode(self, obj, context, path):
        try:
            return obj.decode(self.encoding, self.errors)
        except UnicodeDecodeError as err:
            raise FormatError(f"text is not valid {self.encoding}: {err}", path=path) from None

    def _encode(self, obj, context, path):
        if not isinstance(obj, str):
            raise cs.ValidationError(f"text serial type needs str, got {obj!r}", path=path)
        return _encode_text(obj, self.encoding)


class _Blob(cs.Adapter):
    def _decode(self, obj, context, path):
        return obj

    def _encode(self, obj, context, path):
        if not isinstance(obj, (bytes, bytearray, memoryview)):
            raise cs.ValidationError(f"blob serial type needs bytes, got {obj!r}", path=path)
        return bytes(obj)


_FIXED_FIELDS = {
    0: _Constant(None),
    1: cs.Int8sb,
    2: cs.Int16sb,
    3: cs.Int24sb,
    4: cs.Int32sb,
    5: cs.BytesInteger(6, signed=True),
    6: cs.Int64sb,
    7: _NanIsNull(cs.Float64b),
    8: _Constant(0),
    9: _Constant(1),
}


def value_field(t: int, encoding: str = "utf-8", text_errors: str = "replace") -> cs.Construct:
    """The construct for one column value of serial type ``t``."""
    field = _FIXED_FIELDS.get(t)
    if field is not None:
        return field
    if t >= 12:
        n = (t - 12) >> 1
        if t & 1:
            return _Text(cs.Bytes(n), encoding, text_errors)
        return _Blob(cs.Bytes(n))
    raise FormatError(f"serial type {t} is reserved")


def _params(context):
    params = context._params
    encoding = params.get("encoding", "utf-8")
    _check_encoding(encoding)
    errors = params.get("text_errors", "replace")
    _check_text_errors(errors)
    return encoding, errors


def _record_header_size(type_bytes: int) -> int:
    """SQLite's header size for ``type_bytes`` bytes of serial-type varints."""
    n = type_bytes + 1
    while varint_len(n) + type_bytes != n:
        n = varint_len(n) + type_bytes
    return n


class _SerialTypes(cs.Construct):
    """Serial-type varints until the header (header_size bytes from the record start) is used up."""

    def _parse(self, stream, context, path):
        start = context._start
        end = start + context.header_size
        pos = cs.stream_tell(stream, path)
        if end < pos:
            raise FormatError(f"header_size {context.header_size} is smaller than its own varint",
                              offset=start, path="header_size")
        size = cs.stream_size(stream)
        if end > size:
            raise FormatError(
                f"header_size {context.header_size} runs past the end of the record ({size - start})",
                offset=start, path="header_size")
        types = []
        while pos < end:
            t = VARINT_FIELD._parse(stream, context, path)
            if t in (10, 11):
                raise FormatError(f"serial type {t} is reserved", offset=pos,
                                  path=f"serial_types[{len(types)}]")
            after = cs.stream_tell(stream, path)
            if after > end:
                raise FormatError("serial type varint runs past the end of the header",
                                  offset=pos, path=f"serial_types[{len(types)}]")
            types.append(t)
            pos = after
        return cs.ListContainer(types)

    def _build(self, obj, stream, context, path):
        types = list(obj)
        for i, t in enumerate(types):
            if not isinstance(t, int) or t < 0 or t in (10, 11) or t >= 1 << 64:
                raise FormatError(f"invalid serial type {t!r}", path=f"serial_types[{i}]")
        raw = b"".join(encode_varint(t) for t in types)
        expected = context.header_size - varint_len(context.header_size)
        if len(raw) != expected:
            raise FormatError(
                f"header_size {context.header_size} does not fit serial types of {len(raw)} bytes",
                path="header_size")
        cs.stream_write(stream, raw, len(raw), path)
        return types


class _Values(cs.Construct):
    def _parse(self, stream, context, path):
        encoding, errors = _params(context)
        types = context.serial_types
        pos = cs.stream_tell(stream, path)
        size = cs.stream_size(stream)
        end = pos + sum(serial_type_length(t) for t in types)
        if end > size:
            # find the first column that does not fit, to name it
            at = pos
            for i, t in enumerate(types):
                at += serial_type_length(t)
                if at > size:
                    raise FormatError(
                        f"value of serial type {t} runs past the end of the record ({size})",
                        offset=at - serial_type_length(t), path=f"values[{i}]")
        values = []
        for t in types:
            values.append(value_field(t, encoding, errors)._parsereport(stream, context, path))
        return cs.ListContainer(values)

    def _build(self, obj, stream, context, path):
        encoding, errors = _params(context)
        values = list(obj)
        types = context.serial_types
        if len(types) != len(values):
            raise FormatError(f"{len(values)} values but {len(types)} serial types", path="values")
        for i, (t, v) in enumerate(zip(types, values)):
            field = value_field(t, encoding, errors)
            if t >= 12 and t & 1 and isinstance(v, str):
                n = len(_encode_text(v, encoding))
                if n != (t - 12) >> 1:
                    raise FormatError(f"text of {n} bytes does not fit serial type {t}",
                                      path=f"values[{i}]")
            if 1 <= t <= 6 and (isinstance(v, bool) or not isinstance(v, int)):
                raise FormatError(f"serial type {t} needs an integer, got {v!r}",
                                  path=f"values[{i}]")
            field._build(v, stream, context, f"{path} -> values[{i}]")
        return values

    def _sizeof(self, context, path):
        raise cs.SizeofError("record values have variable size", path=path)


def _default_types(context):
    encoding, _ = _params(context)
    return [serial_type_of(v, encoding) for v in context["values"]]


def _default_header_size(context):
    types = context.get("serial_types")
    if types is None:
        types = _default_types(context)
    return _record_header_size(sum(varint_len(t) for t in types))


class RecordContainer(cs.Container):
    """A parsed record. ``.values`` is the list of column values (the field, not dict.values)."""

    @property
    def values(self):  # noqa: D401 - shadows dict.values on purpose
        return self["values"]


class _AsRecord(cs.Adapter):
    def _decode(self, obj, context, path):
        out = RecordContainer()
        for key in ("header_size", "serial_types", "values"):
            out[key] = obj[key]
        return out

    def _encode(self, obj, context, path):
        return obj


_record_con = _AsRecord(cs.Struct(
    "_start" / cs.Tell,
    "header_size" / cs.Default(VARINT_FIELD, _default_header_size),
    "serial_types" / cs.Default(_SerialTypes(), _default_types),
    "values" / _Values(),
    cs.Terminated,
))

Record = Spec("record", _record_con, __doc__)


# --------------------------------------------------------------------------- fast twins


def decode_record_header(payload) -> tuple[tuple[int, ...], int]:
    """Fast twin of the record header: ``(serial_types, body_offset)``.

    Checks the header against the payload: the header fits, serial types 10
    and 11 are refused, the last varint ends at header_size. (The body is not
    checked; :func:`decode_record` does that.)
    """
    if type(payload) is not bytes:
        payload = bytes(payload)
    return _parse_header(payload)[:2]


def _parse_header(payload: bytes):
    """Return (serial_types, header_size, body_end) or raise FormatError."""
    n = len(payload)
    if n == 0:
        raise FormatError("empty record", offset=0, path="header_size")
    hs, pos = read_varint(payload, 0)
    if hs < pos:
        raise FormatError(f"header_size {hs} is smaller than its own varint", offset=0,
                          path="header_size")
    if hs > n:
        raise FormatError(f"header_size {hs} runs past the end of the record ({n})", offset=0,
                          path="header_size")
    types = []
    body = hs
    while pos < hs:
        b = payload[pos]
        if b < 0x80:
            t = b
            nxt = pos + 1
        else:
            try:
                t, nxt = read_varint(payload, pos)
            except FormatError:
                nxt = hs + 1
                t = 0
            if nxt > hs:
                raise FormatError("serial type varint runs past the end of the header",
                                  offset=pos, path=f"serial_types[{len(types)}]")
        if t >= 12:
            body += (t - 12) >> 1
        elif t in (10, 11):
            raise FormatError(f"serial type {t} is reserved", offset=pos,
                              path=f"serial_types[{len(types)}]")
        else:
            body += _FIXED_LEN[t]
        types.append(t)
        pos = nxt
    return tuple(types), hs, body


_FIXED_LEN = (0, 1, 2, 3, 4, 6, 8, 8, 0, 0)


def _body_error(payload: bytes, types, hs: int) -> FormatError:
    n = len(payload)
    at = hs
    for i, t in enumerate(types):
        length = serial_type_length(t)
        if at + length > n:
            return FormatError(f"value of serial type {t} runs past the end of the record ({n})",
                               offset=at, path=f"values[{i}]")
        at += length
    return FormatError(f"record has {n - at} bytes after its last value", offset=at)


# One generated function per column-kind *shape*; per header, a closure over a Struct.
#
# kinds: 'd' direct from struct (1/2/4/8-byte integers, blobs), 'c' a constant (serial
# types 0, 8, 9: the value is passed to the generated factory, so NULL, 0 and 1 share
# code), 'x' a 3- or 6-byte integer, 'f' a real (NaN reads as NULL), 't' text.
# Text and blob lengths live in the Struct, not in the shape, so the thousands of
# distinct headers of a table share a few dozen shapes (and a few dozen compilations:
# compiling is what a first scan pays for, about 0.3 ms a shape).
_shape_cache: dict = {}
_CONSTANT = {0: None, 8: 0, 9: 1}


def _kind(t: int) -> tuple[str, str]:
    """(kind, struct format piece) for serial type t."""
    if t >= 12:
        n = (t - 12) >> 1
        return ("t" if t & 1 else "d"), f"{n}s"
    if t in _CONSTANT:
        return "c", ""
    if t == 7:
        return "f", "d"
    if t in _INT_FORMAT:
        return "d", _INT_FORMAT[t]
    return "x", f"{_INT_WIDTH[t]}s"


# The same, tabulated for one-byte serial types (0..127: every header of short values),
# so that a header made only of one-byte varints is planned by a few C-level calls.
_ONE_BYTE = [(("?", "") if t in (10, 11) else _kind(t)) for t in range(128)]
_PIECE = [piece for _, piece in _ONE_BYTE]
_LENGTH = [0 if t in (10, 11) else serial_type_length(t) for t in range(128)]
_KIND_TABLE = bytes(ord(k) for k, _ in _ONE_BYTE) + bytes(range(128, 256))
_NOT_CONSTANT = bytes(t for t in range(256) if t not in _CONSTANT)
_RESERVED = (b"\x0a", b"\x0b")
# serial types 8 and 9 (and 0) have the same layout: headers differing only there share a
# "skeleton", and the skeleton's Struct (the header size byte is never 0 on this path)
_SKELETON_TABLE = bytes(0 if t in _CONSTANT else t for t in range(256))
_skeletons: dict = {}


def _plan(header: bytes, payload):
    """``(shape, Struct, constants, total size)`` for a record header.

    ``header`` is ``payload[:header_size]``. Raises FormatError when the header
    is malformed or runs past the payload (the body is not checked here).
    """
    hs = len(header)
    if header.isascii() and hs and header[0] == hs:
        # one-byte header size and one-byte serial types: the common case, tabulated
        types = header[1:]
        if _RESERVED[0] not in types and _RESERVED[1] not in types:
            consts = tuple(map(_CONSTANT.__getitem__, types.translate(None, _NOT_CONSTANT)))
            skeleton = header.translate(_SKELETON_TABLE)
            plan = _skeletons.get(skeleton)
            if plan is None:
                shape = types.translate(_KIND_TABLE).decode("ascii")
                fmt = f">{hs}x" + "".join(map(_PIECE.__getitem__, types))
                plan = (shape, struct.Struct(fmt), hs + sum(map(_LENGTH.__getitem__, types)))
                if len(_skeletons) >= _MAX_CACHE:
                    _skeletons.clear()
                _skeletons[skeleton] = plan
            return plan[0], plan[1], consts, plan[2]
    types, hs, body_end = _parse_header(payload)
    kinds = []
    fmt = [f">{hs}x"]
    for t in types:
        k, piece = _kind(t)
        kinds.append(k)
        fmt.append(piece)
    consts = tuple(_CONSTANT[t] for t in types if t in _CONSTANT)
    try:
        compiled = struct.Struct("".join(fmt))
    except struct.error:  # a serial type whose length no Struct can hold (9-byte varints)
        raise _body_error(payload, types, hs) from None
    return "".join(kinds), compiled, consts, body_end


def _shape_factory(shape: str, encoding: str, errors: str, row: bool):
    """Generated code for one shape: ``factory(unpack, *constants) -> decode``.

    With ``row`` false, ``decode(p)`` decodes a whole payload with
    ``Struct.unpack``; with ``row`` true, ``decode(p, o, r)`` decodes a record
    lying at offset ``o`` of a page with ``Struct.unpack_from`` and prefixes the
    rowid ``r`` (the fused table scan).
    """
    key = (shape, encoding, errors, row)
    factory = _shape_cache.get(key)
    if factory is not None:
        return factory
    names = []
    out = ["r"] if row else []
    consts = []
    for i, k in enumerate(shape):
        name = f"a{i}"
        if k == "c":
            consts.append(name)
            out.append(name)
            continue
        names.append(name)
        if k == "d":
            out.append(name)
        elif k == "f":
            out.append(f"({name} if {name} == {name} else None)")
        elif k == "x":
            out.append(f"_from_bytes({name}, 'big', signed=True)")
        else:
            out.append(f"{name}.decode({encoding!r}, {errors!r})")
    lhs = ", ".join(names) + ("," if len(names) == 1 else "")
    body = ", ".join(out) + ("," if len(out) == 1 else "")
    args = "p, o, r" if row else "p"
    call = "unpack(p, o)" if row else "unpack(p)"
    if names:
        unpack_line = f"        {lhs} = {call}\n"
    else:
        # nothing to unpack: a row decode needs no call (the caller checked the size);
        # a payload decode still unpacks, to check the payload's length
        unpack_line = "" if row else f"        {call}\n"
    src = (
        f"def factory({', '.join(['unpack', *consts])}):\n"
        f"    def decode({args}):\n"
        f"{unpack_line}"
        f"        return ({body})\n"
        "    return decode\n"
    )
    namespace = {"_from_bytes": int.from_bytes}
    exec(compile(src, "<formatspec.record shape>", "exec"), namespace)  # noqa: S102
    factory = namespace["factory"]
    if len(_shape_cache) >= _MAX_CACHE:
        _shape_cache.clear()
    _shape_cache[key] = factory
    return factory


def _generic_decoder(types, hs: int, encoding: str, errors: str):
    """Decoder for records too wide for a generated function (no code generation)."""

    def decode(p):
        pos = hs
        out = []
        for t in types:
            if t >= 12:
                n = (t - 12) >> 1
                v = p[pos:pos + n]
                if t & 1:
                    v = v.decode(encoding, errors)
                pos += n
            elif t == 0:
                v = None
            elif t == 8:
                v = 0
            elif t == 9:
                v = 1
            elif t == 7:
                v = struct.unpack_from(">d", p, pos)[0]
                if v != v:
                    v = None
                pos += 8
            else:
                w = _INT_WIDTH[t]
                v = int.from_bytes(p[pos:pos + w], "big", signed=True)
                pos += w
            out.append(v)
        if pos != len(p):
            raise struct.error("record length mismatch")
        return tuple(out)

    return decode


def _new_decoder(encoding: str, errors: str):
    _check_encoding(encoding)
    _check_text_errors(errors)
    cache: dict = {}
    row_cache: dict = {}
    get = cache.get

    def remember(key: bytes, payload: bytes):
        """The payload decoder for header ``key`` (``payload[:header_size]``), cached."""
        if len(key) > _MAX_CACHED_HEADER:
            types, hs, body_end = _parse_header(payload)
            if body_end != len(payload):
                raise _body_error(payload, types, hs)
            return _generic_decoder(types, hs, encoding, errors)
        shape, compiled, consts, total = _plan(key, payload)
        if total != len(payload):
            types, hs, _ = _parse_header(payload)
            raise _body_error(payload, types, hs)
        unpack = compiled.unpack
        if "c" in shape or "f" in shape or "x" in shape or "t" in shape:
            fn = _shape_factory(shape, encoding, errors, False)(unpack, *consts)
        else:
            fn = unpack  # every column straight from struct
        if len(cache) >= _MAX_CACHE:
            cache.clear()
        cache[key] = fn
        return fn

    def remember_row(key: bytes, payload: bytes):
        """``(decode_row, size)`` for header ``key`` of a whole local ``payload``, cached.

        None for headers too long to cache (the caller decodes the payload instead).
        """
        if len(key) > _MAX_CACHED_HEADER:
            return None
        shape, compiled, consts, total = _plan(key, payload)
        if total != len(payload):
            types, hs, _ = _parse_header(payload)
            raise _body_error(payload, types, hs)
        fn = _shape_factory(shape, encoding, errors, True)(compiled.unpack_from, *consts)
        if len(row_cache) >= _MAX_CACHE:
            row_cache.clear()
        entry = row_cache[key] = (fn, total)
        return entry

    def decode(payload) -> tuple:
        if type(payload) is not bytes:
            payload = bytes(payload)
        try:
            hs = payload[0]
        except IndexError:
            raise FormatError("empty record", offset=0, path="header_size") from None
        if hs >= 0x80:
            hs = read_varint(payload, 0)[0]
        key = payload[:hs]
        fn = get(key)
        if fn is None:
            fn = remember(key, payload)
        try:
            return fn(payload)
        except struct.error:
            types, hs, _ = _parse_header(payload)
            raise _body_error(payload, types, hs) from None
        except UnicodeDecodeError as err:
            raise FormatError(f"text is not valid {encoding}: {err}") from None

    decode.cache = cache
    # for the fused table scan (formatspec.btree.table_leaf_rows): header bytes ->
    # (decode_row(page, offset, rowid), record size), filled by ``remember_row``
    decode.row_cache = row_cache
    decode.remember_row = remember_row
    return decode


_decoders: dict = {}


def record_decoder(encoding: str = "utf-8", text_errors: str = "replace"):
    """A ``decode(payload) -> tuple`` function bound to one encoding (the fastest entry point)."""
    key = (encoding, text_errors)
    fn = _decoders.get(key)
    if fn is None:
        fn = _decoders[key] = _new_decoder(encoding, text_errors)
    return fn


_decode_utf8 = record_decoder("utf-8", "replace")


def decode_record(payload, encoding: str = "utf-8", text_errors: str = "replace") -> tuple:
    """Fast twin of :data:`Record`: the column values, as sqlite3 would return them.

    NULL -> None, integers -> int, REAL -> float (NaN -> None), TEXT -> str,
    BLOB -> bytes. Raises FormatError on a malformed record.
    """
    if encoding == "utf-8" and text_errors == "replace":
        return _decode_utf8(payload)
    return record_decoder(encoding, text_errors)(payload)


_PACK_D = struct.Struct(">d").pack


def encode_record(values, encoding: str = "utf-8") -> bytes:
    """Fast twin of ``Record.build`` from values only: SQLite's own serial-type choices."""
    _check_encoding(encoding)
    header = bytearray()
    body = []
    for v in values:
        if v is None:
            header.append(0)
        elif isinstance(v, int):
            t = _int_serial_type(v)
            header.append(t)
            if t < 8:
                body.append(v.to_bytes(_INT_WIDTH[t], "big", signed=True))
        elif isinstance(v, float):
            if v != v:
                header.append(0)
            else:
                header.append(7)
                body.append(_PACK_D(v))
        else:
            if isinstance(v, str):
                data = _encode_text(v, encoding)
                t = len(data) * 2 + 13
            elif isinstance(v, (bytes, bytearray, memoryview)):
                data = bytes(v)
                t = len(data) * 2 + 12
            else:
                raise FormatError(f"cannot store a value of type {type(v).__name__} in a record")
            header += encode_varint(t) if t >= 0x80 else bytes((t,))
            body.append(data)
    return encode_varint(_record_header_size(len(header))) + bytes(header) + b"".join(body)


# --------------------------------------------------------------------------- projection

ROWID = -1  # a projection source: the row's rowid (passed in by the caller)
_SKIP_WIDTH = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 7: 8}
_projection_code: dict = {}
# the comparisons a projection filter may make (Python spelling in generated code)
FILTER_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
              "=": operator.eq, "==": operator.eq}
_FILTER_SPELLING = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "==", "==": "=="}


_BTREE: list = []


def _btree_module():
    """formatspec.btree (imported on first use: it imports this module)."""
    if not _BTREE:
        from . import btree

        _BTREE.append(btree)
    return _BTREE[0]


def _compiled_factory(src: str):
    """The ``factory`` function defined by generated source ``src`` (compiled once)."""
    factory = _projection_code.get(src)
    if factory is None:
        namespace = {"_from_bytes": int.from_bytes}
        exec(compile(src, "<formatspec.record projection>", "exec"), namespace)  # noqa: S102
        factory = namespace["factory"]
        if len(_projection_code) >= _MAX_CACHE:
            _projection_code.clear()
        _projection_code[src] = factory
    return factory


def _reject(p, o, r):
    """The row function of a header whose every record a filter refuses."""
    return None


class RecordProjector:
    """Fast decoder of a chosen set of a record's columns (a projection of :data:`Record`).

    ``sources[k]`` says what output position ``k`` holds: ``i >= 0`` the value
    of record column ``i`` (as :func:`decode_record` gives it; ``missing[k]``,
    default None, when the record has fewer columns), :data:`ROWID` the rowid
    the caller passes, None a None. Output positions listed in ``as_float``
    give an integer value as a float (a REAL column's integral values, which
    SQLite stores as integers). Columns no output position names are skipped
    by the ``struct`` format without being decoded (their text is not
    checked against the encoding).

    The whole record is still checked as :func:`decode_record` checks it
    (header, reserved serial types, body length): a record the schema refuses
    raises FormatError here too. Per distinct header, one generated function
    over a ``struct.Struct`` whose pad bytes step over the skipped columns.

    - :meth:`project` ``(payload, rowid) -> tuple``: one whole payload.
    - :meth:`row_entry` ``(header, payload) -> (decode_row(page, offset, rowid), size)``:
      for the fused table scan (:func:`formatspec.btree.table_leaf_rows_projected`);
      None when the header is too long to cache.

    Filters (optional): ``filters`` is a sequence of ``(k, op, constant)`` with
    ``k`` an output position that is not None, ``op`` one of :data:`FILTER_OPS`
    (``<``, ``<=``, ``>``, ``>=``, ``=``) and ``constant`` an int or a non-NaN
    float; ``residual`` is then a ``row -> bool`` callable. A row is kept, and
    produced as above, only when every filter passes: a value at ``k`` that is
    an int or a float passes when ``value op constant`` holds in Python (exact
    between ints and floats); None (NULL) never passes; any other value (text,
    blob) leaves the filter undecided. When every decidable filter passed and
    at least one was undecided, ``residual(row)`` decides (it is called at most
    once a row, and only then). Refused rows come back as None from the row
    functions and from :meth:`project`, and the table scan puts None in their
    place. The tests run per header, generated inline before the tuple is
    built: values a header fixes (NULL, 0, 1, a missing column's default) are
    tested once when the header's function is made (a header that fails gets a
    function returning None), and the text of a refused row is not decoded (so
    not checked against the encoding either). Meant for a query's WHERE terms
    ``column op constant`` whose SQL meaning, for numeric values and NULL, is
    the Python comparison; the caller's residual gives the exact SQL meaning
    for the rest.
    """

    def __init__(self, sources, encoding: str = "utf-8", text_errors: str = "replace",
                 as_float=(), missing=None, filters=(), residual=None) -> None:
        _check_encoding(encoding)
        _check_text_errors(text_errors)
        self.sources = tuple(sources)
        for s in self.sources:
            if s is not None and (not isinstance(s, int) or s < ROWID):
                raise FormatError(f"invalid projection source {s!r}")
        self.encoding = encoding
        self.text_errors = text_errors
        self.as_float = frozenset(as_float)
        self.missing = tuple(missing) if missing is not None else (None,) * len(self.sources)
        if len(self.missing) != len(self.sources):
            raise FormatError("projection: one missing value per output position")
        self.needed = frozenset(s for s in self.sources if s is not None and s >= 0)
        self.filters = tuple(tuple(f) for f in filters)
        for f in self.filters:
            if (len(f) != 3 or not isinstance(f[0], int) or not 0 <= f[0] < len(self.sources)
                    or self.sources[f[0]] is None or f[1] not in FILTER_OPS
                    or type(f[2]) not in (int, float) or f[2] != f[2]):
                raise FormatError(f"invalid projection filter {f!r}")
        if self.filters and not callable(residual):
            raise FormatError("projection filters need a residual predicate")
        self.residual = residual
        self.uses_rowid = ROWID in self.sources
        self.row_cache: dict = {}
        self._full = record_decoder(encoding, text_errors)

    # -- per header
    def _types(self, header: bytes, payload):
        hs = len(header)
        if header.isascii() and hs and header[0] == hs:
            types = header[1:]
            if _RESERVED[0] not in types and _RESERVED[1] not in types:
                return types, hs, hs + sum(map(_LENGTH.__getitem__, types))
        return _parse_header(payload)

    def row_entry(self, header: bytes, payload):
        """``(decode_row, size)`` for a record whose header bytes are ``header``, cached.

        ``payload`` is the whole record (checked: a malformed record raises
        FormatError). None when the header is too long for a generated function.
        """
        if len(header) > _MAX_CACHED_HEADER:
            types, hs, total = _parse_header(payload)
            if total != len(payload):
                raise _body_error(payload, types, hs)
            return None
        types, hs, total = self._types(header, payload)
        if total != len(payload):
            raise _body_error(payload, types, hs)
        n = len(types)
        needed = self.needed
        fmt = [f">{hs}x"]
        names = []
        kinds = {}
        last = max((j for j in needed if j < n), default=-1)
        for j in range(last + 1):
            t = types[j]
            if j in needed and t not in _CONSTANT:
                if t >= 12:
                    kinds[j] = "t" if t & 1 else "b"
                    fmt.append(f"{(t - 12) >> 1}s")
                elif t == 7:
                    kinds[j] = "f"
                    fmt.append("d")
                elif t in _INT_FORMAT:
                    kinds[j] = "i"
                    fmt.append(_INT_FORMAT[t])
                else:
                    kinds[j] = "x"
                    fmt.append(f"{_INT_WIDTH[t]}s")
                names.append(f"a{j}")
            else:
                width = (t - 12) >> 1 if t >= 12 else _SKIP_WIDTH.get(t, 0)
                if width:
                    fmt.append(f"{width}x")
        consts = []
        out = []
        statics = {}  # output position -> its value, known for every record of this header
        enc, errs = self.encoding, self.text_errors
        for k, s in enumerate(self.sources):
            flt = k in self.as_float
            if s is None:
                out.append("None")
            elif s == ROWID:
                out.append("r")
            elif s >= n or types[s] in _CONSTANT:
                v = self.missing[k] if s >= n else _CONSTANT[types[s]]
                if flt and v.__class__ is int:
                    v = float(v)
                out.append(f"c{len(consts)}")
                consts.append(v)
                statics[k] = v
            else:
                name = f"a{s}"
                kind = kinds[s]
                if kind == "i":
                    expr = f"float({name})" if flt else name
                elif kind == "x":
                    expr = f"_from_bytes({name}, 'big', signed=True)"
                    if flt:
                        expr = f"float({expr})"
                elif kind == "f":
                    expr = f"({name} if {name} == {name} else None)"
                elif kind == "t":
                    expr = f"{name}.decode({enc!r}, {errs!r})"
                else:
                    expr = name
                out.append(expr)
        lhs = ", ".join(names) + ("," if len(names) == 1 else "")
        if self.filters:
            fn = self._filtered_function(kinds, statics, out, consts, fmt, names, lhs)
        else:
            body = ", ".join(out) + ("," if len(out) == 1 else "")
            params = ", ".join(["unpack", *(f"c{i}" for i in range(len(consts)))])
            src = (
                f"def factory({params}):\n"
                "    def decode(p, o, r):\n"
                + (f"        {lhs} = unpack(p, o)\n" if names else "")
                + f"        return ({body})\n"
                "    return decode\n"
            )
            fn = _compiled_factory(src)(struct.Struct("".join(fmt)).unpack_from, *consts)
        cache = self.row_cache
        if len(cache) >= _MAX_CACHE:
            cache.clear()
        entry = cache[header] = (fn, total)
        return entry

    def _filtered_function(self, kinds, statics, out, consts, fmt, names, lhs):
        """The row function of one header for a projector with filters (see the class)."""
        pre = []  # statements naming a filtered value that needs converting first
        bound = set()
        checks = []
        fconsts = []
        undecided = False
        for k, op, c in self.filters:
            test = FILTER_OPS[op]
            s = self.sources[k]
            if k in statics:
                v = statics[k]
                t = v.__class__
                if v is None or ((t is int or t is float) and not test(v, c)):
                    return _reject  # every record of this header fails
                if not (t is int or t is float):
                    undecided = True
                continue
            if s == ROWID:
                value = "r"
            elif kinds[s] == "f":
                value = f"a{s}"  # the double itself: a NaN (NULL) fails every comparison
            elif kinds[s] == "i" and k not in self.as_float:
                value = f"a{s}"
            elif kinds[s] in ("i", "x"):
                value = f"v{k}"
                if k not in bound:
                    bound.add(k)
                    pre.append(f"        v{k} = {out[k]}\n")
                    out[k] = value
            else:
                undecided = True  # text or blob: the residual predicate decides
                continue
            checks.append(f"{value} {_FILTER_SPELLING[op]} f{len(fconsts)}")
            fconsts.append(c)
        body = ", ".join(out) + ("," if len(out) == 1 else "")
        indent = "            " if checks else "        "
        if undecided:
            result = (f"{indent}row = ({body})\n"
                      f"{indent}return row if residual(row) else None\n")
        else:
            result = f"{indent}return ({body})\n"
        params = ", ".join(["unpack", *(f"c{i}" for i in range(len(consts))),
                            *(f"f{i}" for i in range(len(fconsts))), "residual"])
        src = (
            f"def factory({params}):\n"
            "    def decode(p, o, r):\n"
            + (f"        {lhs} = unpack(p, o)\n" if names else "")
            + "".join(pre)
            + (f"        if {' and '.join(checks)}:\n" if checks else "")
            + result
            + ("        return None\n" if checks else "")
            + "    return decode\n"
        )
        return _compiled_factory(src)(struct.Struct("".join(fmt)).unpack_from, *consts,
                                      *fconsts, self.residual)

    def _keep(self, row: tuple) -> bool:
        """Whether ``row`` passes the filters (the plain spelling of the generated tests)."""
        undecided = False
        for k, op, c in self.filters:
            v = row[k]
            t = v.__class__
            if t is int or t is float:
                if not FILTER_OPS[op](v, c):
                    return False
            elif v is None:
                return False
            else:
                undecided = True
        return not undecided or bool(self.residual(row))

    def leaf_rows(self, page, hdr_offset: int, usable: int, pointers=None):
        """:func:`formatspec.btree.table_leaf_rows_projected` of ``page`` through this
        projector: the same ``(rows, spilled)``, the same errors.

        A page whose every cell takes the fast path there (a one-byte payload size,
        a header already planned, a record inside the usable area and the
        page's end) is read here, without decoding the rowids when no source asks
        for them (their varints are stepped over); any other page, and any error,
        is left to that function, which reads the whole page again.
        ``pointers``: the page's cell pointers, from a caller that has read them
        with :func:`formatspec.btree.read_cell_pointers` after checking that the
        page is a table leaf (they are then not read again).
        """
        btree = _btree_module()
        if type(page) is not bytes or not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
            return btree.table_leaf_rows_projected(page, hdr_offset, usable, self)
        try:
            if pointers is None:
                header = btree.read_page_header(page, hdr_offset)
                if header.page_type != btree.TABLE_LEAF:
                    raise FormatError("not a table leaf")
                pointers = btree.read_cell_pointers(page, hdr_offset, 8, header.cell_count)
            get = self.row_cache.get
            limit = min(len(page), usable)
            rows = []
            append = rows.append
            if self.uses_rowid:
                for offset in pointers:
                    size = page[offset]
                    if not 0 < size < 0x80:
                        raise FormatError("not a fast cell")
                    pos = offset + 1
                    rowid = page[pos]
                    if rowid < 0x80:
                        pos += 1
                    else:
                        b1 = page[pos + 1]
                        if b1 < 0x80:
                            rowid = ((rowid & 0x7F) << 7) | b1
                            pos += 2
                        else:
                            b2 = page[pos + 2]
                            if b2 < 0x80:
                                rowid = ((rowid & 0x7F) << 14) | ((b1 & 0x7F) << 7) | b2
                                pos += 3
                            else:
                                rowid, pos = read_signed_varint(page, pos)
                    entry = get(page[pos:pos + page[pos]])
                    if entry is None or entry[1] != size or pos + size > limit:
                        raise FormatError("not a fast cell")
                    append(entry[0](page, pos, rowid))
            else:
                for offset in pointers:
                    # the rowid varint is stepped over (it ends at its first byte < 0x80)
                    size = page[offset]
                    pos = offset + 2
                    if not 0 < size < 0x80:
                        raise FormatError("not a fast cell")
                    if page[pos - 1] >= 0x80:
                        pos += 1
                        if page[pos - 1] >= 0x80:
                            pos += 1
                            if page[pos - 1] >= 0x80:
                                pos = read_varint(page, offset + 1)[1]
                    entry = get(page[pos:pos + page[pos]])
                    if entry is None or entry[1] != size or pos + size > limit:
                        raise FormatError("not a fast cell")
                    append(entry[0](page, pos, None))
        except (FormatError, IndexError, UnicodeDecodeError):
            return btree.table_leaf_rows_projected(page, hdr_offset, usable, self)
        return rows, []

    def _generic(self, values: tuple, rowid) -> tuple | None:
        out = []
        n = len(values)
        for k, s in enumerate(self.sources):
            if s is None:
                v = None
            elif s == ROWID:
                v = rowid
            else:
                v = values[s] if s < n else self.missing[k]
                if k in self.as_float and v.__class__ is int:
                    v = float(v)
            out.append(v)
        row = tuple(out)
        if self.filters and not self._keep(row):
            return None
        return row

    def project(self, payload, rowid=None) -> tuple | None:
        """The projected values of one whole record ``payload`` (FormatError if malformed);
        None when the projector's filters refuse the row."""
        if type(payload) is not bytes:
            payload = bytes(payload)
        try:
            hs = payload[0]
        except IndexError:
            raise FormatError("empty record", offset=0, path="header_size") from None
        if hs >= 0x80:
            hs = read_varint(payload, 0)[0]
        key = payload[:hs]
        entry = self.row_cache.get(key)
        if entry is None:
            entry = self.row_entry(key, payload)
            if entry is None:
                return self._generic(self._full(payload), rowid)
        if entry[1] != len(payload):
            types, hs, _ = _parse_header(payload)
            raise _body_error(payload, types, hs)
        try:
            return entry[0](payload, 0, rowid)
        except UnicodeDecodeError as err:
            raise FormatError(f"text is not valid {self.encoding}: {err}") from None
