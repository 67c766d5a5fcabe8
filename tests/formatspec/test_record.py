"""Records: the schema and the fast twins against what sqlite3 writes and returns.

The tables here have columns without a declared type (no affinity), so what
sqlite3 stores is exactly the value bound, and ``SELECT rowid, *`` returns it
unchanged: the values decoded from the file must be equal, type for type, and
``encode_record`` must reproduce SQLite's bytes.
"""

from __future__ import annotations

import math
import sqlite3
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formatspec import (
    TEXT_ENCODINGS,
    DatabaseHeader,
    FormatError,
    Record,
    decode_record,
    decode_record_header,
    encode_record,
    hdr_offset_for,
    read_page_header,
    serial_type_length,
    serial_type_of,
    table_leaf_cells,
)

ENCODINGS = ["UTF-8", "UTF-16le", "UTF-16be"]

VALUES = [
    None, 0, 1, -1, 2, 127, -128, 128, -129, 32767, -32768, 32768, 2**23 - 1, -2**23, 2**23,
    2**31 - 1, -2**31, 2**31, 2**47 - 1, -2**47, 2**47, 2**63 - 1, -2**63, 0.0, -0.0, 1.0, 1.5,
    -2.25, 1e300, -1e-300, math.inf, -math.inf, math.pi, "", "a", "héllo wörld", "日本語",
    "emoji \U0001F600 astral", "nul\x00inside", b"", b"\x00", b"\xff\x00\x01" * 20, "t" * 200,
]


def leaf_cells_of(path, table):
    """(rowid, full payload) of every row of ``table``, overflow chains followed in the raw file."""
    data = path.read_bytes()
    header = DatabaseHeader.parse(data)
    page_size = header.page_size
    usable = page_size - header.reserved_space
    conn = sqlite3.connect(path)
    leaves = [r[0] for r in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path", (table,))]
    conn.close()
    out = []
    for pgno in leaves:
        page = data[(pgno - 1) * page_size:pgno * page_size]
        for rowid, size, local, overflow in table_leaf_cells(page, hdr_offset_for(pgno), usable):
            payload = bytearray(local)
            seen = set()
            while overflow:
                assert overflow not in seen
                seen.add(overflow)
                start = (overflow - 1) * page_size
                nxt = struct.unpack(">I", data[start:start + 4])[0]
                take = min(size - len(payload), usable - 4)
                payload += data[start + 4:start + 4 + take]
                overflow = nxt
            assert len(payload) == size
            out.append((rowid, bytes(payload)))
    return out, TEXT_ENCODINGS[header.text_encoding]


def same(a, b) -> bool:
    """Equal values of the same type (so 1 != 1.0 and 0.0 != -0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack(">d", a) == struct.pack(">d", b)
    return a == b


def same_row(a, b) -> bool:
    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))


def make_table(path, encoding, page_size=1024):
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA page_size={page_size}")
    conn.execute(f"PRAGMA encoding='{encoding}'")
    conn.execute("CREATE TABLE t(a, b, c, d)")
    rows = []
    for i, v in enumerate(VALUES):
        rows.append((v, VALUES[(i * 7) % len(VALUES)], VALUES[(i * 3 + 1) % len(VALUES)], i))
    rows.append(("long text " * 500, b"\x01" * 5000, None, float("nan")))  # overflow; NaN->NULL
    rows.append((None, None, None, None))
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    conn.execute("CREATE TABLE narrow(x)")
    conn.executemany("INSERT INTO narrow VALUES (?)", [(v,) for v in VALUES])
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_read_records_created_by_sqlite3(tmp_path, encoding):
    path = make_table(tmp_path / "r.db", encoding)
    conn = sqlite3.connect(path)
    for table in ("t", "narrow"):
        expected = conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()
        cells, codec = leaf_cells_of(path, table)
        assert codec == {"UTF-8": "utf-8", "UTF-16le": "utf-16-le",
                         "UTF-16be": "utf-16-be"}[encoding]
        assert len(cells) == len(expected)
        for (rowid, payload), row in zip(cells, expected):
            assert rowid == row[0]
            got = decode_record(payload, codec)
            assert same_row(got, row[1:]), (got, row)
            parsed = Record.parse(payload, encoding=codec)
            assert same_row(tuple(parsed.values), row[1:])
            types, body_offset = decode_record_header(payload)
            assert tuple(parsed.serial_types) == types
            assert parsed.header_size == body_offset
            assert body_offset + sum(serial_type_length(t) for t in types) == len(payload)
            # round trips: the schema rebuilds the bytes, and our encoder makes SQLite's choices
            assert Record.build(parsed, encoding=codec) == payload
            assert Record.build({"values": list(parsed.values)}, encoding=codec) == payload
            assert encode_record(row[1:], codec) == payload
            assert [serial_type_of(v, codec) for v in row[1:]] == list(types)
    conn.close()


@settings(max_examples=30)
@given(st.lists(st.one_of(
    st.none(),
    st.integers(min_value=-2**63, max_value=2**63 - 1),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.binary(max_size=30),
), max_size=6), st.sampled_from(ENCODINGS))
def test_encode_record_equals_what_sqlite3_writes(tmp_path_factory, values, encoding):
    path = tmp_path_factory.mktemp("enc") / "e.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA encoding='{encoding}'")
    columns = ", ".join(f"c{i}" for i in range(len(values))) or "c0"
    conn.execute(f"CREATE TABLE t({columns})")
    if values:
        conn.execute(f"INSERT INTO t VALUES ({', '.join('?' * len(values))})", values)
    else:
        conn.execute("INSERT INTO t DEFAULT VALUES")
        values = [None]
    conn.commit()
    expected = conn.execute("SELECT * FROM t").fetchone()
    conn.close()
    (_rowid, payload), = leaf_cells_of(path, "t")[0]
    codec = TEXT_ENCODINGS[{"UTF-8": 1, "UTF-16le": 2, "UTF-16be": 3}[encoding]]
    assert encode_record(values, codec) == payload
    assert same_row(decode_record(payload, codec), expected)


VALUE = st.one_of(
    st.none(),
    st.integers(min_value=-2**63, max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.binary(max_size=40),
)


@given(st.lists(VALUE, max_size=12), st.sampled_from(list(TEXT_ENCODINGS.values())))
def test_encode_decode_round_trip(values, codec):
    payload = encode_record(values, codec)
    assert same_row(decode_record(payload, codec), tuple(values))
    parsed = Record.parse(payload, encoding=codec)
    assert same_row(tuple(parsed.values), tuple(values))
    assert Record.build({"values": values}, encoding=codec) == payload
    assert Record.build(parsed, encoding=codec) == payload


def test_nan_reads_and_writes_as_null():
    nan_record = bytes([2, 7]) + struct.pack(">d", float("nan"))
    assert decode_record(nan_record) == (None,)
    assert Record.parse(nan_record).values == [None]
    assert encode_record([float("nan")]) == bytes([2, 0])
    assert serial_type_of(float("nan")) == 0


def test_non_minimal_serial_types_round_trip():
    value = {"header_size": 3, "serial_types": [6, 1], "values": [5, 0]}
    payload = Record.build(value)
    assert payload == bytes([3, 6, 1]) + (5).to_bytes(8, "big") + b"\x00"
    assert decode_record(payload) == (5, 0)
    assert Record.build(Record.parse(payload)) == payload
    assert encode_record([5, 0]) == bytes([3, 1, 8, 5])  # SQLite's choice is shorter
    with pytest.raises(FormatError):
        Record.build({"header_size": 4, "serial_types": [6, 1], "values": [5, 0]})
    with pytest.raises(FormatError):
        Record.build({"serial_types": [1], "values": [1000]})


def test_header_size_varint_at_the_two_byte_boundary():
    # 126 bytes of serial types: header 127 (one-byte varint); 127 bytes: 129 (two-byte varint)
    for columns in (125, 126, 127, 128):
        values = [None] * columns
        payload = encode_record(values)
        assert decode_record(payload) == tuple(values)
        assert Record.parse(payload).header_size == len(payload)
        assert Record.build({"values": values}) == payload


def test_invalid_utf8_text(tmp_path):
    path = tmp_path / "bad.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(x)")
    conn.execute("INSERT INTO t VALUES (CAST(x'61ff62' AS TEXT))")
    conn.commit()
    # Python's sqlite3 refuses to return it...
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("SELECT x FROM t").fetchall()
    assert conn.execute("SELECT hex(x), typeof(x) FROM t").fetchone() == ("61FF62", "text")
    conn.close()
    (_rowid, payload), = leaf_cells_of(path, "t")[0]
    # ...we return it with U+FFFD by default, or refuse it when asked to be strict
    assert decode_record(payload) == ("a\ufffdb",)
    assert Record.parse(payload).values == ["a\ufffdb"]
    with pytest.raises(FormatError):
        decode_record(payload, text_errors="strict")
    with pytest.raises(FormatError):
        Record.parse(payload, text_errors="strict")


@pytest.mark.parametrize(("payload", "offset"), [
    (b"\x05\x01", 0),               # header_size past the payload
    (b"\x02\x04\x00\x00", 2),       # a 4-byte integer with 2 bytes of body
    (b"\x03\x01\x81", 2),           # a serial-type varint running off the header
    (b"\x02\x0a", 1),               # reserved serial type 10
    (b"\x02\x0b", 1),               # reserved serial type 11
    (b"\x03\x0d\x13a", 3),          # text of 3 bytes with 1 byte left
])
def test_malformed_records_name_the_offset(payload, offset):
    with pytest.raises(FormatError) as twin:
        decode_record(payload)
    assert twin.value.offset == offset
    with pytest.raises(FormatError) as schema:
        Record.parse(payload)
    assert schema.value.offset in (offset, None)


def test_serial_type_lengths():
    assert [serial_type_length(t) for t in range(10)] == [0, 1, 2, 3, 4, 6, 8, 8, 0, 0]
    assert serial_type_length(12) == 0 and serial_type_length(13) == 0
    assert serial_type_length(2 * 1000 + 12) == 1000 and serial_type_length(2 * 1000 + 13) == 1000
    for t in (10, 11):
        with pytest.raises(FormatError):
            serial_type_length(t)
    page = bytes(13)  # decode_record_header of a page-shaped buffer is not a record
    with pytest.raises(FormatError):
        decode_record_header(b"")
    assert read_page_header(bytes([13]) + page[1:], 0).page_type == 13
