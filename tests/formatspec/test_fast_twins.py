"""Each fast twin against its construct schema: same values, or both refuse (FormatError).

Inputs are generated valid structures (built by the schemas) and garbage
(random bytes, and valid structures with bytes overwritten).
"""

from __future__ import annotations

import struct

from hypothesis import assume, given
from hypothesis import strategies as st

from formatspec import (
    INDEX_INTERIOR,
    INDEX_LEAF,
    TABLE_INTERIOR,
    TABLE_LEAF,
    BTreePage,
    BTreePageHeader,
    CellPointerArray,
    DatabaseHeader,
    FormatError,
    IndexInteriorCell,
    IndexLeafCell,
    OverflowCell,
    Record,
    TableInteriorCell,
    TableLeafCell,
    decode_record,
    decode_record_header,
    encode_record,
    hdr_offset_for,
    local_payload_size,
    read_cell_pointers,
    read_database_header,
    read_index_interior_cell,
    read_index_leaf_cell,
    read_page_header,
    read_table_interior_cell,
    read_table_leaf_cell,
    table_leaf_cells,
    table_leaf_rows,
)

PAGE_TYPES = (INDEX_INTERIOR, TABLE_INTERIOR, INDEX_LEAF, TABLE_LEAF)
USABLE = st.sampled_from([480, 512, 1000, 1024, 4064, 4096, 65504, 65536])
BAD_USABLE = st.sampled_from([0, 35, 479, 65537])
U32 = st.integers(min_value=0, max_value=2**32 - 1)
U16 = st.integers(min_value=0, max_value=0xFFFF)


def outcome(fn, *args, **kwargs):
    """("ok", value) or ("error", None) when fn raises FormatError (anything else propagates)."""
    try:
        return "ok", fn(*args, **kwargs)
    except FormatError:
        return "error", None


def mutate(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for pos, value in edits:
        if out:
            out[pos % len(out)] = value
    return bytes(out)


EDITS = st.lists(st.tuples(st.integers(min_value=0, max_value=2**16), st.integers(0, 255)),
                 max_size=4)

# --------------------------------------------------------------------------- database header

HEADER_FIELDS = st.fixed_dictionaries({
    "page_size": st.sampled_from([512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]),
    "write_version": st.integers(0, 255),
    "read_version": st.integers(0, 255),
    "reserved_space": st.integers(0, 255),
    "max_payload_fraction": st.integers(0, 255),
    "min_payload_fraction": st.integers(0, 255),
    "leaf_payload_fraction": st.integers(0, 255),
    "file_change_counter": U32,
    "database_size": U32,
    "first_freelist_trunk_page": U32,
    "freelist_count": U32,
    "schema_cookie": U32,
    "schema_format": U32,
    "default_page_cache_size": st.integers(-2**31, 2**31 - 1),
    "largest_root_page": U32,
    "text_encoding": U32,
    "user_version": st.integers(-2**31, 2**31 - 1),
    "incremental_vacuum": U32,
    "application_id": st.integers(-2**31, 2**31 - 1),
    "reserved_for_expansion": st.binary(min_size=20, max_size=20),
    "version_valid_for": U32,
    "sqlite_version_number": U32,
})


def header_as_dict(parsed):
    return {k: v for k, v in parsed.items() if not k.startswith("_")}


def check_header(data):
    schema = outcome(DatabaseHeader.parse, data)
    twin = outcome(read_database_header, data)
    assert schema[0] == twin[0]
    if schema[0] == "ok":
        assert header_as_dict(schema[1]) == twin[1]._asdict()


@given(HEADER_FIELDS, st.binary(max_size=20))
def test_header_twin_on_valid_headers(fields, tail):
    data = DatabaseHeader.build(fields) + tail
    check_header(data)
    assert read_database_header(data)._asdict() == {"header_string": b"SQLite format 3\x00",
                                                     **fields}


@given(st.one_of(st.binary(max_size=120),
                 st.binary(min_size=84, max_size=110).map(lambda b: b"SQLite format 3\x00" + b)),
       EDITS)
def test_header_twin_on_garbage(data, edits):
    check_header(data)
    check_header(mutate(data, [(16 + p % 4, v) for p, v in edits]))


# --------------------------------------------------------------------------- page header


def check_page_header(page, hdr):
    schema = outcome(BTreePageHeader.parse, page[hdr:])
    twin = outcome(read_page_header, page, hdr)
    assert schema[0] == twin[0], (page[hdr:hdr + 12].hex(), schema, twin)
    if schema[0] == "ok":
        s, t = schema[1], twin[1]
        assert (s.page_type, s.first_freeblock, s.cell_count, s.cell_content_start,
                s.fragmented_free_bytes, s.right_child or 0,
                12 if s.right_child is not None else 8) == tuple(t)


@given(st.sampled_from(PAGE_TYPES), U16, U16, st.integers(1, 65536), st.integers(0, 255), U32,
       st.sampled_from([0, 100]), st.binary(max_size=8))
def test_page_header_twin_on_valid_headers(page_type, first, count, start, frag, right, hdr,
                                           tail):
    fields = {"page_type": page_type, "first_freeblock": first, "cell_count": count,
              "cell_content_start": start, "fragmented_free_bytes": frag,
              "right_child": right if page_type in (2, 5) else None}
    page = bytes(hdr) + BTreePageHeader.build(fields) + tail
    check_page_header(page, hdr)
    assert read_page_header(page, hdr).cell_content_start == start


@given(st.binary(max_size=20), st.sampled_from(PAGE_TYPES), st.integers(0, 20))
def test_page_header_twin_on_garbage(data, page_type, hdr):
    check_page_header(data, min(hdr, len(data)))
    check_page_header(bytes([page_type]) + data, 0)


# --------------------------------------------------------------------------- cell pointers


@given(st.binary(max_size=200), st.integers(0, 120), st.sampled_from([8, 12]),
       st.integers(0, 100))
def test_cell_pointer_twin(data, hdr, header_size, count):
    hdr = min(hdr, len(data))
    schema = outcome(CellPointerArray.parse, data[hdr + header_size:], cell_count=count)
    twin = outcome(read_cell_pointers, data, hdr, header_size, count)
    assert schema[0] == twin[0]
    if schema[0] == "ok":
        assert tuple(schema[1]) == twin[1]
        if count:
            assert twin[1][0] == struct.unpack(">H", data[hdr + header_size:][:2])[0]


# --------------------------------------------------------------------------- cells


def normal_cell(kind, parsed):
    """The schema's Container in the shape the twin returns."""
    overflow = parsed.get("overflow_page")
    overflow = 0 if overflow is None else overflow
    if kind == TABLE_LEAF:
        return (parsed.rowid, parsed.payload_size, parsed.payload, overflow)
    if kind == TABLE_INTERIOR:
        return (parsed.left_child, parsed.rowid)
    if kind == INDEX_LEAF:
        return (parsed.payload_size, parsed.payload, overflow)
    return (parsed.left_child, parsed.payload_size, parsed.payload, overflow)


SPECS = {TABLE_LEAF: TableLeafCell, TABLE_INTERIOR: TableInteriorCell,
         INDEX_LEAF: IndexLeafCell, INDEX_INTERIOR: IndexInteriorCell}


def twin_cell(kind, page, offset, usable):
    if kind == TABLE_LEAF:
        return read_table_leaf_cell(page, offset, usable)
    if kind == TABLE_INTERIOR:
        return read_table_interior_cell(page, offset)
    if kind == INDEX_LEAF:
        return read_index_leaf_cell(page, offset, usable)
    return read_index_interior_cell(page, offset, usable)


def check_cell(kind, page, offset, usable):
    if kind == TABLE_INTERIOR:  # no payload, so no usable size: the twin reads to the page end
        schema = outcome(TableInteriorCell.parse, page[offset:])
    else:
        schema = outcome(SPECS[kind].parse, page[offset:usable], usable_size=usable)
    twin = outcome(twin_cell, kind, page, offset, usable)
    assert schema[0] == twin[0], (kind, offset, usable, schema, twin)
    if schema[0] == "ok":
        assert normal_cell(kind, schema[1]) == twin[1]
    return twin


@st.composite
def valid_cell(draw):
    kind = draw(st.sampled_from(PAGE_TYPES))
    usable = draw(USABLE)
    payload_size = draw(st.one_of(st.integers(0, 300), st.integers(0, 3 * usable),
                                  st.integers(0, 2**40)))
    local = local_payload_size(payload_size, usable, table_leaf=kind == TABLE_LEAF)
    seed = draw(st.integers(0, 255))
    value = {
        "payload_size": payload_size,
        "payload": bytes((seed + 7 * i) % 256 for i in range(local)),
        "overflow_page": draw(U32) if local < payload_size else None,
        "rowid": draw(st.integers(-2**63, 2**63 - 1)),
        "left_child": draw(U32),
    }
    if kind == TABLE_INTERIOR:
        value = {"left_child": value["left_child"], "rowid": value["rowid"]}
    elif kind == INDEX_LEAF:
        del value["rowid"], value["left_child"]
    elif kind == INDEX_INTERIOR:
        del value["rowid"]
    else:
        del value["left_child"]
    cell = SPECS[kind].build(value, usable_size=usable)
    offset = draw(st.integers(0, max(0, usable - len(cell))))
    return kind, usable, offset, cell, value


@given(valid_cell(), st.binary(max_size=16))
def test_cell_twins_on_valid_cells(case, filler):
    kind, usable, offset, cell, value = case
    page = (filler * (offset // max(len(filler), 1) + 1))[:offset].ljust(offset, b"\0") + cell
    page = page + bytes(max(0, usable - len(page)))
    ok, got = check_cell(kind, page, offset, usable)
    if offset + len(cell) <= usable:
        assert ok == "ok"
        parsed = SPECS[kind].parse(cell, usable_size=usable)
        assert all(parsed[k] == v for k, v in value.items())
        assert SPECS[kind].build(parsed, usable_size=usable) == cell
    # the same cell cut one byte short of the usable area is refused by both
    if kind != TABLE_INTERIOR:
        end = offset + len(cell)
        assert check_cell(kind, page, offset, end - 1 if end - 1 >= 480 else usable)[0] in (
            "ok", "error")
        assert check_cell(kind, page[:end - 1], offset, usable)[0] == "error"


@given(st.sampled_from(PAGE_TYPES), st.binary(max_size=600), st.integers(0, 700),
       st.one_of(USABLE, BAD_USABLE))
def test_cell_twins_on_garbage(kind, page, offset, usable):
    check_cell(kind, page, offset, usable)


@given(valid_cell(), EDITS)
def test_cell_twins_on_mutated_cells(case, edits):
    kind, usable, offset, cell, _value = case
    check_cell(kind, mutate(cell, edits), 0, usable)


# --------------------------------------------------------------------------- records

VALUE = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.floats(), st.text(max_size=20),
                  st.binary(max_size=20))


def check_record(payload, codec="utf-8", errors="replace"):
    schema = outcome(Record.parse, payload, encoding=codec, text_errors=errors)
    twin = outcome(decode_record, payload, codec, errors)
    assert schema[0] == twin[0], (payload.hex(), schema, twin)
    if schema[0] == "ok":
        s = list(schema[1].values)
        t = list(twin[1])
        assert [type(v) for v in s] == [type(v) for v in t]
        assert [struct.pack(">d", v) if isinstance(v, float) else v for v in s] == \
            [struct.pack(">d", v) if isinstance(v, float) else v for v in t]
        header = decode_record_header(payload)
        assert header == (tuple(schema[1].serial_types), schema[1].header_size)
    return twin


CODECS = st.sampled_from(["utf-8", "utf-16-le", "utf-16-be"])


@given(st.lists(VALUE, max_size=10), CODECS, st.sampled_from(["replace", "strict"]))
def test_record_twin_on_valid_records(values, codec, errors):
    payload = encode_record(values, codec)
    assert check_record(payload, codec, errors)[0] == "ok"


@given(st.binary(max_size=60), CODECS, st.sampled_from(["replace", "strict"]))
def test_record_twin_on_garbage(payload, codec, errors):
    check_record(payload, codec, errors)


@given(st.lists(VALUE, max_size=8), EDITS, st.integers(-3, 3), CODECS)
def test_record_twin_on_mutated_records(values, edits, cut, codec):
    payload = mutate(encode_record(values, codec), edits)
    check_record(payload, codec, "strict")
    check_record(payload[:len(payload) + cut] if cut < 0 else payload + bytes(cut), codec)


# --------------------------------------------------------------------------- fused leaf scans


@st.composite
def table_leaf_page(draw):
    usable = draw(st.sampled_from([480, 512, 1024, 4096]))
    reserved = draw(st.sampled_from([0, 8]))
    pgno = draw(st.sampled_from([1, 2, 3]))
    rows = draw(st.lists(st.tuples(st.integers(-2**63, 2**63 - 1),
                                   st.lists(st.one_of(VALUE, st.text(min_size=300, max_size=900)),
                                            max_size=4)),
                         max_size=8))
    cells = []
    for rowid, values in rows:
        payload = encode_record(values)
        local = local_payload_size(len(payload), usable, table_leaf=True)
        cells.append({"rowid": rowid, "payload_size": len(payload), "payload": payload[:local],
                      "overflow_page": 77 if local < len(payload) else None})
    try:
        page = BTreePage.build({"page_type": TABLE_LEAF, "cells": cells}, pgno=pgno,
                               usable_size=usable, page_size=usable + reserved)
    except FormatError:
        assume(False)  # too many bytes for the page
    return page, pgno, usable, rows


def composed_cells(page, hdr, usable):
    """table_leaf_cells spelled with the one-structure twins."""
    header = read_page_header(page, hdr)
    if header.page_type != TABLE_LEAF:
        raise FormatError("not a table leaf")
    return [read_table_leaf_cell(page, offset, usable)
            for offset in read_cell_pointers(page, hdr, header.header_size, header.cell_count)]


def composed_rows(page, hdr, usable):
    """table_leaf_rows spelled with the one-structure twins."""
    rows, spilled = [], []
    for rowid, size, local, overflow in composed_cells(page, hdr, usable):
        if size != len(local):
            spilled.append(len(rows))
            rows.append(OverflowCell(rowid, size, local, overflow))
        else:
            rows.append((rowid, *decode_record(local)))
    return rows, spilled


def check_fused(page, pgno, usable):
    hdr = hdr_offset_for(pgno)
    cells = outcome(table_leaf_cells, page, hdr, usable)
    expected_cells = outcome(composed_cells, page, hdr, usable)
    assert cells[0] == expected_cells[0]
    if cells[0] == "ok":
        assert [tuple(c) for c in cells[1]] == [tuple(c) for c in expected_cells[1]]
    rows = outcome(table_leaf_rows, page, hdr, usable)
    expected_rows = outcome(composed_rows, page, hdr, usable)
    assert rows[0] == expected_rows[0]
    if rows[0] == "ok":
        got, spilled = rows[1]
        want, want_spilled = expected_rows[1]
        assert spilled == want_spilled
        assert [type(r) for r in got] == [type(r) for r in want]
        # repr tells 0.0 from -0.0 and 1 from 1.0; NaN reads as None on both sides
        assert repr(got) == repr(want)
    return rows


@given(table_leaf_page())
def test_fused_scans_on_valid_pages(case):
    page, pgno, usable, rows = case
    result = check_fused(page, pgno, usable)
    assert result[0] == "ok"
    parsed = BTreePage.parse(page, pgno=pgno, usable_size=usable)
    cells = table_leaf_cells(page, hdr_offset_for(pgno), usable)
    assert [(c.rowid, c.payload_size, c.payload, c.overflow_page or 0) for c in parsed.cells] == \
        [tuple(c) for c in cells]
    assert [c[0] for c in cells] == [rowid for rowid, _ in rows]


@given(table_leaf_page(), EDITS)
def test_fused_scans_on_mutated_pages(case, edits):
    page, pgno, usable, _rows = case
    hdr = hdr_offset_for(pgno)
    # aim the edits at the header, pointers and cells rather than the empty middle
    cells_start = read_page_header(page, hdr).cell_content_start
    targets = [(hdr + p % 16 if i % 2 else cells_start + p % max(1, usable - cells_start), v)
               for i, (p, v) in enumerate(edits)]
    check_fused(mutate(page, targets), pgno, usable)


# --------------------------------------------------------------------------- decoder caches
#
# formatspec.record plans one-byte headers with lookup tables and shares a Struct between
# headers that differ only in serial types 0, 8 and 9 (a "skeleton"), and one generated
# function between headers of the same column-kind shape (NULL/0/1 passed as constants).
# These tests drive records through those shared paths, first sight and again, and bind
# every result to the schema.

CONSTANT = st.sampled_from([None, 0, 1])
SHORT_VALUE = st.one_of(CONSTANT, st.integers(-2**63, 2**63 - 1), st.floats(),
                        st.text(max_size=8), st.binary(max_size=8))
LONG_VALUE = st.one_of(st.text(min_size=60, max_size=80), st.binary(min_size=60, max_size=80))


@given(st.lists(st.one_of(SHORT_VALUE, LONG_VALUE), min_size=1, max_size=8),
       st.lists(st.lists(CONSTANT, min_size=8, max_size=8), min_size=1, max_size=4), CODECS)
def test_record_twin_on_headers_sharing_a_skeleton(values, constant_sets, codec):
    # the same record with its NULL/0/1 columns swapped: one skeleton, different constants;
    # each decoded twice (first sight builds the decoder, the second uses the cache)
    positions = [i for i, v in enumerate(values) if v is None or (type(v) is int and v in (0, 1))]
    for constants in constant_sets:
        variant = list(values)
        for i, c in zip(positions, constants):
            variant[i] = c
        payload = encode_record(variant, codec)
        assert check_record(payload, codec, "strict")[0] == "ok"
        assert check_record(payload, codec, "strict")[0] == "ok"


@given(st.lists(SHORT_VALUE, max_size=6), st.lists(st.integers(0, 11), min_size=1, max_size=6),
       CODECS)
def test_record_twin_on_one_byte_headers_with_any_serial_types(values, types, codec):
    # a valid record whose header is then rewritten with arbitrary one-byte serial types
    # (reserved 10 and 11 included): the tabulated planner against the schema
    payload = encode_record(values, codec)
    header = bytes([len(types) + 1, *types])
    for body in (payload[payload[0]:], payload[payload[0]:] + bytes(8), b""):
        check_record(header + body, codec)
        check_record(header + body, codec)


@st.composite
def table_leaf_page_in(draw, codec):
    usable = draw(st.sampled_from([512, 1024, 4096]))
    rows = draw(st.lists(st.tuples(st.integers(0, 2**40),
                                   st.lists(st.one_of(SHORT_VALUE, LONG_VALUE), max_size=5)),
                         max_size=10))
    cells = []
    for rowid, values in rows:
        payload = encode_record(values, codec)
        local = local_payload_size(len(payload), usable, table_leaf=True)
        cells.append({"rowid": rowid, "payload_size": len(payload), "payload": payload[:local],
                      "overflow_page": 77 if local < len(payload) else None})
    try:
        page = BTreePage.build({"page_type": TABLE_LEAF, "cells": cells}, pgno=2,
                               usable_size=usable, page_size=usable)
    except FormatError:
        assume(False)
    return page, usable


def composed_rows_in(page, usable, codec):
    rows, spilled = [], []
    for rowid, size, local, overflow in composed_cells(page, 0, usable):
        if size != len(local):
            spilled.append(len(rows))
            rows.append(OverflowCell(rowid, size, local, overflow))
        else:
            rows.append((rowid, *decode_record(local, codec, "strict")))
    return rows, spilled


@given(st.data(), CODECS, EDITS)
def test_fused_rows_in_every_encoding_first_sight_and_cached(data, codec, edits):
    page, usable = data.draw(table_leaf_page_in(codec))
    for candidate in (page, mutate(page, edits)):
        want = outcome(composed_rows_in, candidate, usable, codec)
        for _ in range(2):  # first sight of each header, then through the row cache
            got = outcome(table_leaf_rows, candidate, 0, usable, codec, "strict")
            assert got[0] == want[0]
            if got[0] == "ok":
                assert repr(got[1]) == repr(want[1])
