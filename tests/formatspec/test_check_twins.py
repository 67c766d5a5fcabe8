"""The integrity checker's fast twins against their construct schemas.

:func:`formatspec.btree.read_freeblocks` against the freeblock chain that
:data:`BTreePage` reads (each block through :data:`Freeblock`);
:func:`formatspec.btree.index_leaf_cells` against :data:`BTreePageHeader`,
:data:`CellPointerArray` and :data:`IndexLeafCell`; the columnar leaf scans
:func:`formatspec.btree.table_leaf_layout` and
:func:`formatspec.btree.index_leaf_layout` against the same schemas with
:data:`TableLeafCell` / :data:`IndexLeafCell` (where each cell ends included), with
their rows projected or decoded against :data:`Record`; and
:func:`formatspec.btree.interior_layout` against :data:`TableInteriorCell` /
:data:`IndexInteriorCell`.
On generated valid pages and on garbage (random bytes, valid pages with bytes
overwritten) both give the same values, or both refuse with FormatError.
"""

from __future__ import annotations

import struct

from hypothesis import assume, given
from hypothesis import strategies as st

from formatspec import FormatError, Record, encode_record, hdr_offset_for, local_payload_size
from formatspec.btree import (
    INDEX_INTERIOR,
    INDEX_LEAF,
    TABLE_INTERIOR,
    TABLE_LEAF,
    BTreePage,
    BTreePageHeader,
    CellPointerArray,
    Freeblock,
    IndexInteriorCell,
    IndexLeafCell,
    TableInteriorCell,
    TableLeafCell,
    index_leaf_cells,
    index_leaf_layout,
    interior_layout,
    read_freeblocks,
    table_leaf_layout,
)
from formatspec.derived import MAX_PAGE_SIZE, MIN_USABLE_SIZE
from formatspec.record import ROWID, RecordProjector, record_decoder
from formatspec.varint import encode_varint

USABLE = st.sampled_from([480, 512, 1000, 1024, 4064, 4096, 65504, 65536])
EDITS = st.lists(st.tuples(st.integers(min_value=0, max_value=2**16), st.integers(0, 255)),
                 max_size=4)


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


# --------------------------------------------------------------------------- freeblocks


def schema_freeblocks(page, first, usable, start):
    """The chain as BTreePage follows it, each block parsed by the Freeblock schema."""
    out = []
    fb, prev = first, 0
    while fb:
        if fb <= prev or fb < start or fb + 4 > usable:
            raise FormatError("bad freeblock offset")
        block = Freeblock.parse(page[fb:fb + 4])
        if block.size < 4 or fb + block.size > usable:
            raise FormatError("bad freeblock size")
        out.append((fb, block.size))
        prev, fb = fb, block.next_freeblock
    return tuple(out)


def check_freeblocks(page, first, usable, start):
    schema = outcome(schema_freeblocks, page, first, usable, start)
    twin = outcome(read_freeblocks, page, first, usable, start)
    assert schema == twin, (first, usable, start, schema, twin)
    return twin


@st.composite
def index_leaf_page(draw):
    """A valid index leaf page built by the BTreePage schema, with freeblocks between cells."""
    usable = draw(USABLE)
    reserved = draw(st.sampled_from([0, 0, 32]))
    pgno = draw(st.sampled_from([1, 2, 7]))
    keys = draw(st.lists(st.one_of(st.integers(-2**63, 2**63 - 1), st.text(max_size=30),
                                   st.binary(max_size=30), st.none(), st.floats(),
                                   st.binary(min_size=600, max_size=700)),
                         max_size=12))
    cells = []
    images = []
    for i, key in enumerate(keys):
        payload = encode_record([key, i])
        local = local_payload_size(len(payload), usable, table_leaf=False)
        cell = {"payload_size": len(payload), "payload": payload[:local],
                "overflow_page": 99 if local < len(payload) else None}
        cells.append(cell)
        images.append(IndexLeafCell.build(cell, usable_size=usable))
    # lay cells out downwards from the end, with a gap (a freeblock) after some of them
    gaps = draw(st.lists(st.sampled_from([0, 0, 4, 9]), min_size=len(cells),
                         max_size=len(cells)))
    pointers, freeblocks = [], []
    top = usable
    for image, gap in zip(images, gaps):
        if gap:
            top -= gap
            freeblocks.append((top, gap))
        top -= len(image)
        pointers.append(top)
    freeblocks.sort()
    page_dict = {"page_type": INDEX_LEAF, "cells": cells, "cell_pointers": pointers,
                 "freeblocks": freeblocks}
    try:
        page = BTreePage.build(page_dict, pgno=pgno, usable_size=usable,
                               page_size=usable + reserved)
    except FormatError:
        assume(False)  # too much for the page
    return page, pgno, usable, keys, freeblocks


@given(index_leaf_page())
def test_freeblock_twin_on_valid_pages(case):
    page, pgno, usable, _keys, freeblocks = case
    parsed = BTreePage.parse(page, pgno=pgno, usable_size=usable)
    start = hdr_offset_for(pgno) + 8 + 2 * parsed.cell_count
    got = check_freeblocks(page, parsed.first_freeblock, usable, start)
    assert got == ("ok", tuple(parsed.freeblocks))
    assert list(got[1]) == freeblocks


@given(index_leaf_page(), EDITS, st.integers(0, 40))
def test_freeblock_twin_on_mutated_pages(case, edits, start):
    page, pgno, usable, _keys, freeblocks = case
    # aim the edits at the freeblock heads and the header's first-freeblock field
    targets = [freeblocks[p % len(freeblocks)][0] + p % 4 if freeblocks and i % 2
               else hdr_offset_for(pgno) + 1 + p % 2 for i, (p, _v) in enumerate(edits)]
    page = mutate(page, [(t, v) for t, (_p, v) in zip(targets, edits)])
    first = int.from_bytes(page[hdr_offset_for(pgno) + 1:hdr_offset_for(pgno) + 3], "big")
    check_freeblocks(page, first, usable, start)


@given(st.binary(max_size=700), st.integers(0, 0xFFFF), USABLE, st.integers(0, 64))
def test_freeblock_twin_on_garbage(page, first, usable, start):
    check_freeblocks(page, first, usable, start)


def test_freeblock_twin_refuses_a_cycle():
    page = bytearray(512)
    page[100:104] = (200).to_bytes(2, "big") + (8).to_bytes(2, "big")
    page[200:204] = (100).to_bytes(2, "big") + (8).to_bytes(2, "big")
    assert check_freeblocks(bytes(page), 100, 512, 0)[0] == "error"


# --------------------------------------------------------------------------- index leaf pages


def schema_index_leaf_cells(page, hdr, usable):
    """index_leaf_cells spelled with the schemas: header, pointer array, each cell."""
    header = BTreePageHeader.parse(page[hdr:])
    if header.page_type != INDEX_LEAF:
        raise FormatError("not an index leaf")
    pointers = CellPointerArray.parse(page[hdr + 8:], cell_count=header.cell_count)
    out = []
    for off in pointers:
        cell = IndexLeafCell.parse(page[off:usable], usable_size=usable)
        out.append((cell.payload_size, cell.payload, cell.overflow_page or 0))
    return out


def check_index_leaf(page, pgno, usable):
    hdr = hdr_offset_for(pgno)
    schema = outcome(schema_index_leaf_cells, page, hdr, usable)
    twin = outcome(index_leaf_cells, page, hdr, usable)
    assert schema[0] == twin[0], (pgno, usable, schema, twin)
    if schema[0] == "ok":
        assert [tuple(c) for c in twin[1]] == schema[1]
    return twin


@given(index_leaf_page())
def test_index_leaf_twin_on_valid_pages(case):
    page, pgno, usable, keys, _fb = case
    got = check_index_leaf(page, pgno, usable)
    assert got[0] == "ok"
    assert len(got[1]) == len(keys)
    parsed = BTreePage.parse(page, pgno=pgno, usable_size=usable)
    assert [(c.payload_size, c.payload, c.overflow_page or 0) for c in parsed.cells] == got[1]


@given(index_leaf_page(), EDITS)
def test_index_leaf_twin_on_mutated_pages(case, edits):
    page, pgno, usable, _keys, _fb = case
    hdr = hdr_offset_for(pgno)
    start = BTreePageHeader.parse(page[hdr:]).cell_content_start
    targets = [(hdr + p % 16 if i % 2 else start + p % max(1, usable - start), v)
               for i, (p, v) in enumerate(edits)]
    check_index_leaf(mutate(page, targets), pgno, usable)
    # and the same page cut short
    check_index_leaf(page[:len(page) // 2], pgno, usable)


@given(st.binary(max_size=700), st.sampled_from([1, 2]), USABLE)
def test_index_leaf_twin_on_garbage(data, pgno, usable):
    page = bytearray(data)
    if len(page) > hdr_offset_for(pgno):
        page[hdr_offset_for(pgno)] = INDEX_LEAF  # mostly get past the page type
    check_index_leaf(bytes(page), pgno, usable)


# --------------------------------------------------------------------------- leaf layouts
#
# table_leaf_layout / index_leaf_layout against BTreePageHeader, CellPointerArray and the
# cell schemas; where a cell ends is where the schema's parse of it stopped, so varints
# written longer than needed (leading 0x80 bytes, which sqlite3 never writes but a damaged
# page may hold) count as stored.


def schema_leaf_layout(page, hdr, usable, table):
    """A leaf layout spelled with the schemas: header, pointer array, each cell (and, as
    BTreePage does, a usable size in range even when there is no cell to split)."""
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        raise FormatError("usable size out of range")
    header = BTreePageHeader.parse(page[hdr:])
    if header.page_type != (TABLE_LEAF if table else INDEX_LEAF):
        raise FormatError("not the expected leaf")
    pointers = CellPointerArray.parse(page[hdr + 8:], cell_count=header.cell_count)
    spec = TableLeafCell if table else IndexLeafCell
    keys, local_parts, ends, spills = [], [], [], []
    for i, off in enumerate(pointers):
        cell = spec.parse(page[off:usable], usable_size=usable)
        if table:
            keys.append(cell.rowid)
        local_parts.append(cell.payload)
        ends.append(off + cell._io.tell())  # the bytes the schema consumed
        if cell.overflow_page is not None:
            spills.append((i, cell.payload_size, cell.overflow_page))
    return tuple(pointers), keys if table else None, local_parts, ends, spills


def check_leaf_layout(page, pgno, usable, table):
    hdr = hdr_offset_for(pgno)
    schema = outcome(schema_leaf_layout, page, hdr, usable, table)
    twin = outcome(table_leaf_layout if table else index_leaf_layout, page, hdr, usable)
    assert schema[0] == twin[0], (pgno, usable, table, schema, twin)
    if schema[0] == "ok":
        assert tuple(twin[1])[:5] == schema[1]
        assert twin[1].rows is None  # no projector
        assert all(type(b) is bytes for b in twin[1].locals)
    return twin


RECORD_VALUE = st.one_of(st.none(), st.sampled_from([0, 1]), st.integers(-2**63, 2**63 - 1),
                         st.floats(), st.text(max_size=12), st.binary(max_size=12),
                         st.text(min_size=70, max_size=90), st.binary(min_size=600, max_size=2500))


def padded_varint(value: int, pad: int, signed: bool = False) -> bytes:
    """``value`` as a varint with up to ``pad`` leading 0x80 bytes (still at most 8 bytes
    of 7-bit groups, so the value read back is the same)."""
    if signed and value < 0:
        value += 1 << 64
    data = encode_varint(value)
    if len(data) + pad <= 8:
        data = b"\x80" * pad + data
    return data


@st.composite
def raw_leaf_page(draw, table: bool, codec: str | None = None):
    """A leaf page laid out byte by byte: cells with short, long and padded varints, some
    spilling, gaps (freeblocks or fragments) between them, on page 1 or another page.
    With ``codec``, the payloads are records of values in that text encoding."""
    usable = draw(USABLE)
    reserved = draw(st.sampled_from([0, 0, 32]))
    pgno = draw(st.sampled_from([1, 2, 9]))
    hdr = hdr_offset_for(pgno)
    count = draw(st.integers(0, 10))
    images, expected = [], []
    for i in range(count):
        if codec is not None:
            payload = encode_record(draw(st.lists(RECORD_VALUE, max_size=6)), codec)
            size = len(payload)
        else:
            size = draw(st.one_of(st.integers(0, 130), st.integers(131, 20000)))
            payload = draw(st.binary(min_size=min(size, 40), max_size=min(size, 40)))
            payload = (payload * (size // max(len(payload), 1) + 1))[:size] if payload else \
                bytes(size)
        pad = draw(st.sampled_from([0, 0, 0, 1, 2]))
        image = padded_varint(size, pad)
        rowid = None
        if table:
            rowid = draw(st.one_of(st.integers(0, 300), st.integers(-2**63, 2**63 - 1)))
            image += padded_varint(rowid, draw(st.sampled_from([0, 0, 0, 1, 3])), signed=True)
        local = local_payload_size(size, usable, table_leaf=table)
        image += payload[:local]
        overflow = None
        if local < size:
            overflow = draw(st.integers(0, 2**32 - 1))
            image += overflow.to_bytes(4, "big")
        images.append(image)
        expected.append((i, rowid, payload[:local], overflow, size))
    top = usable
    pointers = []
    for image in images:
        top -= draw(st.sampled_from([0, 0, 2, 6]))
        top -= len(image)
        pointers.append(top)
    start = hdr + 8 + 2 * count
    assume(top >= start)
    page = bytearray(draw(st.binary(min_size=1, max_size=1)) * (usable + reserved))
    page[hdr:hdr + 8] = bytes([TABLE_LEAF if table else INDEX_LEAF, 0, 0]) + \
        count.to_bytes(2, "big") + (top % 65536).to_bytes(2, "big") + b"\0"
    for i, (off, image) in enumerate(zip(pointers, images)):
        page[start - 2 * count + 2 * i:start - 2 * count + 2 * i + 2] = off.to_bytes(2, "big")
        page[off:off + len(image)] = image
    return bytes(page), pgno, usable, pointers, images, expected


@given(st.booleans(), st.data())
def test_leaf_layout_twins_on_valid_pages(table, data):
    page, pgno, usable, pointers, images, expected = data.draw(raw_leaf_page(table))
    got = check_leaf_layout(page, pgno, usable, table)
    assert got[0] == "ok"
    lay = got[1]
    assert list(lay.pointers) == pointers
    assert lay.ends == [off + len(image) for off, image in zip(pointers, images)]
    assert lay.locals == [local for _i, _r, local, _o, _s in expected]
    assert lay.spills == [(i, size, ovfl) for i, _r, _l, ovfl, size in expected
                          if ovfl is not None]
    if table:
        assert lay.keys == [rowid for _i, rowid, _l, _o, _s in expected]


@given(st.booleans(), st.data(), EDITS)
def test_leaf_layout_twins_on_mutated_pages(table, data, edits):
    page, pgno, usable, pointers, _images, _expected = data.draw(raw_leaf_page(table))
    hdr = hdr_offset_for(pgno)
    low = min(pointers, default=usable - 1)
    # aim the edits at the header, the pointer array and the cells
    targets = [(hdr + p % (8 + 2 * len(pointers)) if i % 2 else low + p % max(1, usable - low),
                v) for i, (p, v) in enumerate(edits)]
    check_leaf_layout(mutate(page, targets), pgno, usable, table)
    # and cut short, with a wrong usable size
    check_leaf_layout(page[:len(page) // 2], pgno, usable, table)
    check_leaf_layout(page, pgno, 479, table)


@given(index_leaf_page())
def test_index_leaf_layout_on_schema_built_pages(case):
    page, pgno, usable, keys, _freeblocks = case
    got = check_leaf_layout(page, pgno, usable, table=False)
    assert got[0] == "ok"
    assert len(got[1].locals) == len(keys)
    assert check_leaf_layout(page, pgno, usable, table=True)[0] == "error"


@given(st.binary(max_size=700), st.sampled_from([1, 2]), USABLE, st.booleans())
def test_leaf_layout_twins_on_garbage(data, pgno, usable, table):
    page = bytearray(data)
    if len(page) > hdr_offset_for(pgno):
        page[hdr_offset_for(pgno)] = TABLE_LEAF if table else INDEX_LEAF
    check_leaf_layout(bytes(page), pgno, usable, table)


# --------------------------------------------------------------------------- projected rows
#
# table_leaf_layout with a RecordProjector: the rows of the local cells against
# Record.parse followed by a plain projection.


def projected(values, rowid, sources, missing):
    """The projection of a fully decoded record, spelled plainly."""
    out = []
    for k, source in enumerate(sources):
        if source is None:
            out.append(None)
        elif source == ROWID:
            out.append(rowid)
        else:
            out.append(values[source] if source < len(values) else missing[k])
    return tuple(out)


def typed(row):
    """A row compared with types: 0.0 vs -0.0 and 1 vs 1.0 told apart."""
    if row is None:
        return None
    return [(type(v), struct.pack(">d", v) if isinstance(v, float) else v) for v in row]


def schema_projected_layout(page, hdr, usable, codec, sources, missing):
    pointers, keys, local_parts, ends, spills = schema_leaf_layout(page, hdr, usable, True)
    spilled = {i for i, _size, _first in spills}
    rows = []
    for i, (local, rowid) in enumerate(zip(local_parts, keys)):
        if i in spilled:
            rows.append(None)
        else:
            values = list(Record.parse(local, encoding=codec, text_errors="replace").values)
            rows.append(projected(values, rowid, sources, missing))
    return pointers, keys, local_parts, ends, spills, rows


def check_projected_layout(page, pgno, usable, codec, sources, missing):
    hdr = hdr_offset_for(pgno)
    want = outcome(schema_projected_layout, page, hdr, usable, codec, sources, missing)
    projector = RecordProjector(sources, codec, missing=missing)
    for _ in range(2):  # first sight of each record header, then through the cache
        got = outcome(table_leaf_layout, page, hdr, usable, projector)
        assert got[0] == want[0], (pgno, usable, want, got)
        if got[0] == "ok":
            assert tuple(got[1])[:5] == want[1][:5]
            assert [typed(r) for r in got[1].rows] == [typed(r) for r in want[1][5]]
    return want[0]


PROJECTION = st.integers(0, 6).flatmap(lambda n: st.tuples(
    st.lists(st.one_of(st.none(), st.just(ROWID), st.integers(0, 7)), min_size=n, max_size=n),
    st.lists(st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=3)), min_size=n,
             max_size=n)))
CODECS = st.sampled_from(["utf-8", "utf-16-le", "utf-16-be"])


@given(st.data(), CODECS, PROJECTION)
def test_projected_leaf_layout_on_valid_pages(data, codec, projection):
    page, pgno, usable, _pointers, _images, _expected = data.draw(raw_leaf_page(True, codec))
    assert check_projected_layout(page, pgno, usable, codec, *projection) == "ok"


@given(st.data(), CODECS, PROJECTION, EDITS)
def test_projected_leaf_layout_on_mutated_pages(data, codec, projection, edits):
    page, pgno, usable, pointers, _images, _expected = data.draw(raw_leaf_page(True, codec))
    hdr = hdr_offset_for(pgno)
    low = min(pointers, default=usable - 1)
    targets = [(hdr + p % (8 + 2 * len(pointers)) if i % 3 == 0 else
                low + p % max(1, usable - low), v) for i, (p, v) in enumerate(edits)]
    check_projected_layout(mutate(page, targets), pgno, usable, codec, *projection)


@given(st.binary(max_size=700), st.sampled_from([1, 2]), USABLE, PROJECTION)
def test_projected_leaf_layout_on_garbage(data, pgno, usable, projection):
    page = bytearray(data)
    if len(page) > hdr_offset_for(pgno):
        page[hdr_offset_for(pgno)] = TABLE_LEAF
    check_projected_layout(bytes(page), pgno, usable, "utf-8", *projection)


# --------------------------------------------------------------------------- decoded index rows
#
# index_leaf_layout with a record decoder: the records of the local cells against
# Record.parse.


def schema_decoded_index_layout(page, hdr, usable, codec):
    pointers, _keys, local_parts, ends, spills = schema_leaf_layout(page, hdr, usable, False)
    spilled = {i for i, _size, _first in spills}
    rows = [None if i in spilled else
            tuple(Record.parse(local, encoding=codec, text_errors="replace").values)
            for i, local in enumerate(local_parts)]
    return pointers, None, local_parts, ends, spills, rows


def check_decoded_index_layout(page, pgno, usable, codec):
    hdr = hdr_offset_for(pgno)
    want = outcome(schema_decoded_index_layout, page, hdr, usable, codec)
    decode = record_decoder(codec)
    for _ in range(2):  # first sight of each record header, then through the cache
        got = outcome(index_leaf_layout, page, hdr, usable, decode)
        assert got[0] == want[0], (pgno, usable, want, got)
        if got[0] == "ok":
            assert tuple(got[1])[:5] == want[1][:5]
            assert [typed(r) for r in got[1].rows] == [typed(r) for r in want[1][5]]
    return want[0]


@given(st.data(), CODECS)
def test_decoded_index_leaf_layout_on_valid_pages(data, codec):
    page, pgno, usable, _pointers, _images, _expected = data.draw(raw_leaf_page(False, codec))
    assert check_decoded_index_layout(page, pgno, usable, codec) == "ok"


@given(st.data(), CODECS, EDITS)
def test_decoded_index_leaf_layout_on_mutated_pages(data, codec, edits):
    page, pgno, usable, pointers, _images, _expected = data.draw(raw_leaf_page(False, codec))
    hdr = hdr_offset_for(pgno)
    low = min(pointers, default=usable - 1)
    targets = [(hdr + p % (8 + 2 * len(pointers)) if i % 3 == 0 else
                low + p % max(1, usable - low), v) for i, (p, v) in enumerate(edits)]
    check_decoded_index_layout(mutate(page, targets), pgno, usable, codec)


@given(st.binary(max_size=700), st.sampled_from([1, 2]), USABLE, CODECS)
def test_decoded_index_leaf_layout_on_garbage(data, pgno, usable, codec):
    page = bytearray(data)
    if len(page) > hdr_offset_for(pgno):
        page[hdr_offset_for(pgno)] = INDEX_LEAF
    check_decoded_index_layout(bytes(page), pgno, usable, codec)


# --------------------------------------------------------------------------- interior layouts
#
# interior_layout against BTreePageHeader, CellPointerArray and TableInteriorCell /
# IndexInteriorCell (a table interior cell is parsed to the page's end: it holds no
# payload, so the usable size does not bound it).


def schema_interior_layout(page, hdr, usable):
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        raise FormatError("usable size out of range")
    header = BTreePageHeader.parse(page[hdr:])
    if header.page_type not in (TABLE_INTERIOR, INDEX_INTERIOR):
        raise FormatError("not an interior page")
    table = header.page_type == TABLE_INTERIOR
    pointers = CellPointerArray.parse(page[hdr + 12:], cell_count=header.cell_count)
    children, keys, local_parts, ends, spills = [], [], [], [], []
    for i, off in enumerate(pointers):
        if table:
            cell = TableInteriorCell.parse(page[off:])
            keys.append(cell.rowid)
        else:
            cell = IndexInteriorCell.parse(page[off:usable], usable_size=usable)
            local_parts.append(cell.payload)
            if cell.overflow_page is not None:
                spills.append((i, cell.payload_size, cell.overflow_page))
        children.append(cell.left_child)
        ends.append(off + cell._io.tell())
    return (tuple(pointers), children, keys if table else None,
            None if table else local_parts, ends, spills, header.right_child)


def check_interior_layout(page, pgno, usable):
    hdr = hdr_offset_for(pgno)
    schema = outcome(schema_interior_layout, page, hdr, usable)
    twin = outcome(interior_layout, page, hdr, usable)
    assert schema[0] == twin[0], (pgno, usable, schema, twin)
    if schema[0] == "ok":
        assert tuple(twin[1]) == schema[1]
    return twin


@st.composite
def raw_interior_page(draw, table: bool):
    """An interior page laid out byte by byte (padded varints, spilling payloads, gaps)."""
    usable = draw(USABLE)
    reserved = draw(st.sampled_from([0, 0, 32]))
    pgno = draw(st.sampled_from([1, 2, 9]))
    hdr = hdr_offset_for(pgno)
    count = draw(st.integers(0, 10))
    images, expected = [], []
    for i in range(count):
        child = draw(st.integers(0, 2**32 - 1))
        image = child.to_bytes(4, "big")
        if table:
            rowid = draw(st.one_of(st.integers(0, 300), st.integers(-2**63, 2**63 - 1)))
            image += padded_varint(rowid, draw(st.sampled_from([0, 0, 1, 3])), signed=True)
            expected.append((child, rowid, None, None))
        else:
            payload = encode_record(draw(st.lists(RECORD_VALUE, max_size=4)))
            image += padded_varint(len(payload), draw(st.sampled_from([0, 0, 1, 2])))
            local = local_payload_size(len(payload), usable, table_leaf=False)
            image += payload[:local]
            overflow = None
            if local < len(payload):
                overflow = draw(st.integers(0, 2**32 - 1))
                image += overflow.to_bytes(4, "big")
            expected.append((child, None, payload[:local], (i, len(payload), overflow)
                             if overflow is not None else None))
        images.append(image)
    top = usable
    pointers = []
    for image in images:
        top -= draw(st.sampled_from([0, 0, 3]))
        top -= len(image)
        pointers.append(top)
    start = hdr + 12 + 2 * count
    assume(top >= start)
    right = draw(st.integers(0, 2**32 - 1))
    page = bytearray(draw(st.binary(min_size=1, max_size=1)) * (usable + reserved))
    page[hdr:hdr + 12] = bytes([TABLE_INTERIOR if table else INDEX_INTERIOR, 0, 0]) + \
        count.to_bytes(2, "big") + (top % 65536).to_bytes(2, "big") + b"\0" + \
        right.to_bytes(4, "big")
    for i, (off, image) in enumerate(zip(pointers, images)):
        page[hdr + 12 + 2 * i:hdr + 14 + 2 * i] = off.to_bytes(2, "big")
        page[off:off + len(image)] = image
    return bytes(page), pgno, usable, pointers, images, expected, right


@given(st.booleans(), st.data())
def test_interior_layout_on_valid_pages(table, data):
    page, pgno, usable, pointers, images, expected, right = data.draw(raw_interior_page(table))
    got = check_interior_layout(page, pgno, usable)
    assert got[0] == "ok"
    lay = got[1]
    assert list(lay.pointers) == pointers
    assert lay.ends == [off + len(image) for off, image in zip(pointers, images)]
    assert lay.children == [e[0] for e in expected]
    assert lay.right_child == right
    if table:
        assert lay.keys == [e[1] for e in expected] and lay.locals is None
    else:
        assert lay.locals == [e[2] for e in expected] and lay.keys is None
        assert lay.spills == [e[3] for e in expected if e[3] is not None]


@given(st.booleans(), st.data(), EDITS)
def test_interior_layout_on_mutated_pages(table, data, edits):
    page, pgno, usable, pointers, _images, _expected, _right = \
        data.draw(raw_interior_page(table))
    hdr = hdr_offset_for(pgno)
    low = min(pointers, default=usable - 1)
    targets = [(hdr + p % (12 + 2 * len(pointers)) if i % 2 else
                low + p % max(1, usable - low), v) for i, (p, v) in enumerate(edits)]
    check_interior_layout(mutate(page, targets), pgno, usable)
    check_interior_layout(page[:len(page) // 2], pgno, usable)


@given(st.binary(max_size=700), st.sampled_from([1, 2]), USABLE, st.booleans())
def test_interior_layout_on_garbage(data, pgno, usable, table):
    page = bytearray(data)
    if len(page) > hdr_offset_for(pgno):
        page[hdr_offset_for(pgno)] = TABLE_INTERIOR if table else INDEX_INTERIOR
    check_interior_layout(bytes(page), pgno, usable)
