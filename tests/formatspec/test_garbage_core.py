"""Bad bytes into every schema and twin of header, b-tree and record: FormatError or a value.

Never another exception type, never a hang: random bytes, real pages with bytes
overwritten, and hand-made worst cases (a record header declaring a million
columns, a freeblock chain that loops, a page full of cells) that must be
handled in time linear in the input.
"""

from __future__ import annotations

import sqlite3
import struct
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatspec import (
    TABLE_INTERIOR,
    TABLE_LEAF,
    BTreePage,
    BTreePageHeader,
    CellPointerArray,
    DatabaseHeader,
    FormatError,
    Freeblock,
    IndexInteriorCell,
    IndexLeafCell,
    Record,
    TableInteriorCell,
    TableLeafCell,
    decode_record,
    decode_record_header,
    encode_record,
    encode_varint,
    hdr_offset_for,
    iter_table_leaf_cells,
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

USABLE = st.sampled_from([480, 512, 1024, 4096, 65536, 0, 100, 70000])
CODECS = ["utf-8", "utf-16-le", "utf-16-be"]


def survives(fn, *args, **kwargs):
    """Run fn; a FormatError is a fine answer, any other exception fails the test."""
    try:
        return fn(*args, **kwargs)
    except FormatError as err:
        assert err.message  # it says something
        return None


def every_parser(data: bytes, offset: int, usable: int, pgno: int):
    """Throw ``data`` at every schema and twin of this part of formatspec."""
    survives(DatabaseHeader.parse, data)
    survives(read_database_header, data)
    survives(BTreePageHeader.parse, data[offset:])
    survives(read_page_header, data, offset)
    for header_size in (8, 12):
        count = data[offset] if offset < len(data) else 0
        survives(CellPointerArray.parse, data[offset + header_size:], cell_count=count)
        survives(read_cell_pointers, data, offset, header_size, count)
    survives(Freeblock.parse, data[offset:])
    for spec in (TableLeafCell, IndexLeafCell, IndexInteriorCell):
        survives(spec.parse, data[offset:usable], usable_size=usable)
    survives(TableInteriorCell.parse, data[offset:])
    survives(read_table_leaf_cell, data, offset, usable)
    survives(read_table_interior_cell, data, offset)
    survives(read_index_leaf_cell, data, offset, usable)
    survives(read_index_interior_cell, data, offset, usable)
    survives(BTreePage.parse, data, pgno=pgno, usable_size=usable)
    hdr = hdr_offset_for(pgno)
    survives(table_leaf_cells, data, hdr, usable)
    survives(lambda: list(iter_table_leaf_cells(data, hdr, usable)))
    survives(table_leaf_rows, data, hdr, usable)
    for codec in CODECS:
        survives(decode_record, data[offset:], codec)
        survives(decode_record, data[offset:], codec, "strict")
        survives(Record.parse, data[offset:], encoding=codec)
        survives(Record.parse, data[offset:], encoding=codec, text_errors="strict")
    survives(decode_record_header, data[offset:])


@given(st.binary(max_size=700), st.integers(0, 720), USABLE, st.sampled_from([1, 2]))
def test_random_bytes(data, offset, usable, pgno):
    every_parser(data, offset, usable, pgno)


@given(st.sampled_from([TABLE_LEAF, 10, TABLE_INTERIOR, 2]), st.binary(max_size=600),
       st.integers(0, 40), USABLE)
def test_random_bytes_behind_a_valid_page_type(page_type, data, offset, usable):
    page = bytes([page_type]) + data
    every_parser(page, offset, usable, 2)


@given(st.lists(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.floats(),
                          st.text(max_size=30), st.binary(max_size=30)), max_size=8),
       st.lists(st.tuples(st.integers(0, 300), st.integers(0, 255)), max_size=5),
       st.integers(-5, 5))
def test_mutated_records(values, edits, cut):
    payload = bytearray(encode_record(values))
    for pos, value in edits:
        payload[pos % len(payload)] = value
    payload = bytes(payload[:len(payload) + cut] if cut < 0 else payload + bytes(cut))
    for codec in CODECS:
        survives(decode_record, payload, codec)
        survives(decode_record, payload, codec, "strict")
        survives(Record.parse, payload, encoding=codec)
    survives(decode_record_header, payload)


@pytest.fixture(scope="module")
def real_pages(tmp_path_factory):
    path = tmp_path_factory.mktemp("garbage") / "g.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA page_size=1024")
    conn.execute("CREATE TABLE t(a, b, c)")
    conn.execute("CREATE INDEX tb ON t(b)")
    conn.execute("CREATE TABLE w(k PRIMARY KEY, v) WITHOUT ROWID")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)",
                     [(i, f"v{i}" * (i % 30), 1.5 * i if i % 3 else None) for i in range(600)])
    conn.execute("INSERT INTO t VALUES (-1, ?, ?)", ("x" * 3000, b"\x01" * 2000))
    conn.executemany("INSERT INTO w VALUES (?, ?)", [(f"k{i}" * 5, i) for i in range(300)])
    conn.execute("DELETE FROM t WHERE rowid % 5 = 1")
    conn.commit()
    pages = [pgno for pgno, kind in conn.execute("SELECT pageno, pagetype FROM dbstat")
             if kind in ("internal", "leaf")]
    conn.close()
    data = path.read_bytes()
    return [(pgno, data[(pgno - 1) * 1024:pgno * 1024]) for pgno in sorted(pages)]


@given(st.data())
def test_mutated_real_pages(real_pages, data):
    pgno, page = data.draw(st.sampled_from(real_pages))
    edits = data.draw(st.lists(st.tuples(st.integers(0, 1023), st.integers(0, 255)),
                               min_size=1, max_size=6))
    page = bytearray(page)
    hdr = hdr_offset_for(pgno)
    for i, (pos, value) in enumerate(edits):
        # half the edits land in the header and pointer array, where they do most harm
        page[hdr + pos % 40 if i % 2 else pos] = value
    page = bytes(page)
    usable = data.draw(st.sampled_from([1024, 1000, 512]))
    parsed = survives(BTreePage.parse, page, pgno=pgno, usable_size=usable)
    if parsed is not None:
        assert BTreePage.build(parsed, pgno=pgno, usable_size=usable) is not None
        for offset in parsed.cell_pointers:
            every_parser(page, offset, usable, pgno)
    every_parser(page, data.draw(st.integers(0, 1023)), usable, pgno)


def test_twins_accept_bytearray_and_memoryview(real_pages):
    pgno, page = next((p, pg) for p, pg in real_pages
                      if read_page_header(pg, hdr_offset_for(p)).page_type == TABLE_LEAF)
    hdr = hdr_offset_for(pgno)
    expected = table_leaf_cells(page, hdr, 1024)
    for view in (bytearray(page), memoryview(page)):
        assert read_page_header(view, hdr) == read_page_header(page, hdr)
        assert table_leaf_cells(view, hdr, 1024) == expected
        assert table_leaf_rows(view, hdr, 1024) == table_leaf_rows(page, hdr, 1024)
        pointers = read_cell_pointers(view, hdr, 8, len(expected))
        assert [read_table_leaf_cell(view, off, 1024) for off in pointers] == expected
    payload = expected[0][2]
    assert decode_record(memoryview(payload)) == decode_record(bytearray(payload)) == \
        decode_record(payload)


def test_bad_context_values_are_format_errors():
    cell = TableLeafCell.build({"rowid": 1, "payload": b"\x01"}, usable_size=512)
    for usable in (None, 0, 479, 65537, "512"):
        kwargs = {} if usable is None else {"usable_size": usable}
        with pytest.raises(FormatError):
            TableLeafCell.parse(cell, **kwargs)
        with pytest.raises(FormatError):
            BTreePage.parse(bytes(1024), pgno=2, **kwargs)
    for usable in (0, 479, 65537):
        with pytest.raises(FormatError):
            read_table_leaf_cell(cell, 0, usable)
        with pytest.raises(FormatError):
            table_leaf_cells(bytes([TABLE_LEAF]) + bytes(1023), 0, usable)
    with pytest.raises(FormatError):
        decode_record(b"\x01", "latin-1")
    bad_text = b"\x02\x0f\xff"  # one byte of text (serial type 15) that is not UTF-8
    assert decode_record(bad_text) == ("\ufffd",)
    with pytest.raises(FormatError):
        decode_record(bad_text, "utf-8", "no-such-handler")
    with pytest.raises(FormatError):
        Record.parse(bad_text, text_errors="no-such-handler")


# --------------------------------------------------------------------------- linear time

LIMIT = 5.0  # seconds; each case below takes well under 1 s when handled linearly


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    try:
        result = fn(*args, **kwargs)
    except FormatError as err:
        result = err
    elapsed = time.perf_counter() - start
    assert elapsed < LIMIT, f"{fn.__name__} took {elapsed:.1f}s"
    return result


def test_record_with_a_million_null_columns_decodes_linearly():
    columns = 1_000_000
    header = encode_varint(columns + 4)  # 4 bytes of header-size varint, then the types
    header = header.rjust(4, b"\x80") if len(header) < 4 else header
    payload = header + bytes(columns)
    assert len(header) == 4
    values = timed(decode_record, payload)
    assert values == (None,) * columns
    types, body = timed(decode_record_header, payload)
    assert body == len(payload) and len(types) == columns
    # the same header over a buffer one byte short of it
    assert isinstance(timed(decode_record, payload[:-1]), FormatError)


def test_schema_on_a_wide_record_is_linear():
    columns = 20_000
    payload = encode_record([None] * columns)
    parsed = timed(Record.parse, payload)
    assert len(parsed.values) == columns
    assert isinstance(timed(Record.parse, payload[:-1]), FormatError)


def test_huge_declared_sizes_are_refused_without_allocating():
    # header says 2**40 bytes; serial types claim 2**60-byte blobs
    assert isinstance(timed(decode_record, encode_varint(2**40) + b"\x00"), FormatError)
    huge = encode_varint(2 * 2**60 + 12)
    payload = encode_varint(1 + 4 * len(huge)) + huge * 4 + b"abc"
    assert isinstance(timed(decode_record, payload), FormatError)
    assert isinstance(timed(Record.parse, payload), FormatError)
    cell = encode_varint(2**63) + b"\x01" + b"x" * 100
    assert isinstance(timed(read_table_leaf_cell, cell, 0, 65536), FormatError)
    assert isinstance(timed(TableLeafCell.parse, cell, usable_size=65536), FormatError)


def freeblock_page(chain, usable=4096):
    """A table leaf page with no cells whose freeblock chain visits ``chain`` (offset, size, next)."""
    page = bytearray(usable)
    page[0] = TABLE_LEAF
    page[1:3] = struct.pack(">H", chain[0][0])
    page[5:7] = struct.pack(">H", 8)
    for offset, size, nxt in chain:
        page[offset:offset + 4] = struct.pack(">HH", nxt, size)
    return bytes(page)


def test_freeblock_cycle_is_detected():
    page = freeblock_page([(100, 8, 200), (200, 8, 100)])
    err = timed(BTreePage.parse, page, pgno=2, usable_size=4096)
    assert isinstance(err, FormatError) and err.page == 2 and err.offset == 100
    self_loop = freeblock_page([(300, 8, 300)])
    assert isinstance(timed(BTreePage.parse, self_loop, pgno=2, usable_size=4096), FormatError)
    out_of_range = freeblock_page([(4094, 8, 0)])
    assert isinstance(timed(BTreePage.parse, out_of_range, pgno=2, usable_size=4096),
                      FormatError)


def test_longest_freeblock_chain_is_linear():
    usable = 65536
    chain = [(off, 4, off + 4 if off + 8 <= usable else 0) for off in range(8, usable - 3, 4)]
    page = freeblock_page(chain, usable)
    parsed = timed(BTreePage.parse, page, pgno=2, usable_size=usable)
    assert len(parsed.freeblocks) == len(chain)
    assert BTreePage.build(parsed, pgno=2, usable_size=usable) == page


def page_full_of_cells(count, usable=65536):
    """A table leaf page with ``count`` 3-byte cells (empty record impossible: 1-byte records)."""
    cells = [{"rowid": i, "payload": b"\x01"} for i in range(count)]
    return BTreePage.build({"page_type": TABLE_LEAF, "cells": cells}, pgno=2, usable_size=usable)


def test_many_cells():
    page = page_full_of_cells(9_000)
    assert len(timed(table_leaf_cells, page, 0, 65536)) == 9_000
    rows, spilled = timed(table_leaf_rows, page, 0, 65536)
    assert rows[-1] == (8_999,) and not spilled
    parsed = timed(BTreePage.parse, page, pgno=2, usable_size=65536)
    assert parsed.cell_count == 9_000


def test_cell_count_past_the_page_is_refused_at_once():
    page = bytearray(512)
    page[0] = TABLE_LEAF
    page[3:5] = struct.pack(">H", 0xFFFF)
    for fn, args, kwargs in (
        (BTreePage.parse, (bytes(page),), {"pgno": 2, "usable_size": 512}),
        (table_leaf_cells, (bytes(page), 0, 512), {}),
        (table_leaf_rows, (bytes(page), 0, 512), {}),
        (read_cell_pointers, (bytes(page), 0, 8, 0xFFFF), {}),
    ):
        assert isinstance(timed(fn, *args, **kwargs), FormatError)
