"""The projection fast paths against the construct schema: same values, or both FormatError.

:class:`formatspec.record.RecordProjector` (``project`` and the row entries the
fused scan uses) and :func:`formatspec.btree.table_leaf_rows_projected` are
checked against ``Record.parse`` followed by a plain projection written here,
on records and table leaf pages built by the schemas, and on garbage (random
bytes, and valid structures with bytes overwritten).
"""

from __future__ import annotations

import struct

from hypothesis import assume, given
from hypothesis import strategies as st

from formatspec import (
    TABLE_LEAF,
    BTreePage,
    FormatError,
    OverflowCell,
    Record,
    encode_record,
    local_payload_size,
    read_cell_pointers,
    read_page_header,
    read_table_leaf_cell,
)
from formatspec.btree import table_leaf_rows_projected
from formatspec.record import ROWID, RecordProjector

CODECS = st.sampled_from(["utf-8", "utf-16-le", "utf-16-be"])
VALUE = st.one_of(st.none(), st.sampled_from([0, 1]), st.integers(-2**63, 2**63 - 1),
                  st.integers(-2**23, 2**23), st.floats(), st.text(max_size=12),
                  st.binary(max_size=12), st.text(min_size=70, max_size=90))
EDITS = st.lists(st.tuples(st.integers(min_value=0, max_value=2**16), st.integers(0, 255)),
                 max_size=4)


def outcome(fn, *args, **kwargs):
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


@st.composite
def projection(draw):
    n = draw(st.integers(0, 8))
    sources = draw(st.lists(st.one_of(st.none(), st.just(ROWID), st.integers(0, 10)),
                            min_size=n, max_size=n))
    as_float = draw(st.sets(st.integers(0, max(0, n - 1)), max_size=n))
    missing = draw(st.lists(st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=3)),
                            min_size=n, max_size=n))
    return sources, as_float, missing


def reference(values, rowid, sources, as_float, missing):
    """The projection of a fully decoded record, spelled plainly."""
    out = []
    for k, s in enumerate(sources):
        if s is None:
            v = None
        elif s == ROWID:
            v = rowid
        else:
            v = values[s] if s < len(values) else missing[k]
            if k in as_float and type(v) is int:
                v = float(v)
        out.append(v)
    return tuple(out)


def same(a, b) -> bool:
    """Equal with types: 0.0 vs -0.0 and 1 vs 1.0 told apart (NaN reads as None on both sides)."""
    def key(v):
        return (type(v), struct.pack(">d", v) if isinstance(v, float) else v)
    return [key(v) for v in a] == [key(v) for v in b]


def check_project(payload, proj, codec, rowid=7):
    sources, as_float, missing = proj
    schema = outcome(Record.parse, payload, encoding=codec, text_errors="replace")
    projector = RecordProjector(sources, codec, as_float=as_float, missing=missing)
    for _ in range(2):  # first sight of the header, then through the cache
        twin = outcome(projector.project, payload, rowid)
        assert schema[0] == twin[0], (payload.hex(), schema, twin)
        if schema[0] == "ok":
            want = reference(list(schema[1].values), rowid, sources, as_float, missing)
            assert same(twin[1], want), (twin[1], want)
    return schema[0]


@given(st.lists(VALUE, max_size=10), projection(), CODECS)
def test_projection_on_valid_records(values, proj, codec):
    assert check_project(encode_record(values, codec), proj, codec) == "ok"


@given(st.binary(max_size=60), projection(), CODECS)
def test_projection_on_garbage(payload, proj, codec):
    check_project(payload, proj, codec)


@given(st.lists(VALUE, max_size=8), EDITS, st.integers(-3, 3), projection(), CODECS)
def test_projection_on_mutated_records(values, edits, cut, proj, codec):
    payload = mutate(encode_record(values, codec), edits)
    check_project(payload, proj, codec)
    check_project(payload[:len(payload) + cut] if cut < 0 else payload + bytes(cut), proj, codec)


@given(st.lists(VALUE, max_size=6), st.lists(st.integers(0, 11), min_size=1, max_size=6),
       projection())
def test_projection_on_one_byte_headers_with_any_serial_types(values, types, proj):
    payload = encode_record(values)
    header = bytes([len(types) + 1, *types])
    for body in (payload[payload[0]:], payload[payload[0]:] + bytes(8), b""):
        check_project(header + body, proj, "utf-8")


def test_projection_of_a_wide_record_uses_the_generic_path():
    values = list(range(3000))  # a header longer than the generated functions serve
    payload = encode_record(values)
    proj = ([ROWID, 0, 2999, 5000, None], {1}, [None, None, None, "d", None])
    assert check_project(payload, proj, "utf-8") == "ok"
    assert check_project(payload[:-1], proj, "utf-8") == "error"


def test_projection_rejects_bad_arguments():
    for bad in ([-2], ["x"]):
        try:
            RecordProjector(bad)
        except FormatError:
            pass
        else:
            raise AssertionError(f"accepted source {bad!r}")
    try:
        RecordProjector([0, 1], missing=[None])
    except FormatError:
        pass
    else:
        raise AssertionError("accepted a short missing list")


# --------------------------------------------------------------------------- fused leaf scan


@st.composite
def table_leaf_page(draw, codec):
    usable = draw(st.sampled_from([512, 1024, 4096]))
    rows = draw(st.lists(st.tuples(st.integers(-2**40, 2**40),
                                   st.lists(st.one_of(VALUE, st.text(min_size=300, max_size=900)),
                                            max_size=6)),
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


def composed_rows(page, usable, codec, proj):
    """table_leaf_rows_projected spelled with the cell twin and the record schema."""
    sources, as_float, missing = proj
    header = read_page_header(page, 0)
    if header.page_type != TABLE_LEAF:
        raise FormatError("not a table leaf")
    rows, spilled = [], []
    for offset in read_cell_pointers(page, 0, header.header_size, header.cell_count):
        rowid, size, local, overflow = read_table_leaf_cell(page, offset, usable)
        if size != len(local):
            spilled.append(len(rows))
            rows.append(OverflowCell(rowid, size, local, overflow))
        else:
            values = list(Record.parse(local, encoding=codec, text_errors="replace").values)
            rows.append(reference(values, rowid, sources, as_float, missing))
    return rows, spilled


def check_page(page, usable, codec, proj):
    sources, as_float, missing = proj
    want = outcome(composed_rows, page, usable, codec, proj)
    projector = RecordProjector(sources, codec, as_float=as_float, missing=missing)
    for _ in range(2):
        got = outcome(table_leaf_rows_projected, page, 0, usable, projector)
        assert got[0] == want[0]
        if got[0] == "ok":
            rows, spilled = got[1]
            want_rows, want_spilled = want[1]
            assert spilled == want_spilled
            for a, b in zip(rows, want_rows, strict=True):
                assert type(a) is type(b)
                assert (a == b) if isinstance(a, OverflowCell) else same(a, b)
    return want[0]


@given(st.data(), CODECS, projection())
def test_fused_projection_on_valid_pages(data, codec, proj):
    page, usable = data.draw(table_leaf_page(codec))
    assert check_page(page, usable, codec, proj) == "ok"


@given(st.data(), CODECS, projection(), EDITS)
def test_fused_projection_on_mutated_pages(data, codec, proj, edits):
    page, usable = data.draw(table_leaf_page(codec))
    start = read_page_header(page, 0).cell_content_start
    targets = [(p % 16 if i % 2 else start + p % max(1, usable - start), v)
               for i, (p, v) in enumerate(edits)]
    check_page(mutate(page, targets), usable, codec, proj)


@given(st.binary(max_size=600), st.sampled_from([512, 1024]), projection())
def test_fused_projection_on_garbage(page, usable, proj):
    check_page(page, usable, "utf-8", proj)


# --------------------------------------------------------------------------- every serial type

EVERY_KIND = [None, 0, 1, -100, 1000, -100000, 2**31 - 1, -2**40, 2**60, 1.5, float("nan"),
              -0.0, "txt", "é" * 3, b"blob", b""]


def test_projection_of_every_serial_type_against_schema():
    # each kind of column, projected as is and as a float, twice (first sight, then cached)
    n = len(EVERY_KIND)
    for codec in ("utf-8", "utf-16-le", "utf-16-be"):
        payload = encode_record(EVERY_KIND, codec)
        everything = [ROWID, *range(n), n, None]
        for as_float in (set(), set(range(n + 3))):
            proj = (everything, as_float, [None] * (n + 1) + [3, None])
            assert check_project(payload, proj, codec) == "ok"
            proj = (list(reversed(everything)), as_float, [None, 3] + [None] * (n + 1))
            assert check_project(payload, proj, codec) == "ok"
        for j in range(n):  # one column alone: everything else stepped over
            assert check_project(payload, ([j], {0}, [None]), codec) == "ok"


def record_with_header(types, body: bytes) -> bytes:
    return bytes([len(types) + 1, *types]) + body


def test_fused_projection_refuses_records_of_the_wrong_length():
    # a record whose header asks for more or fewer body bytes than the cell holds, met first
    # in the fused scan (the page has bytes after it, so an unchecked unpack would succeed)
    for types, body in (([1, 17], b"\x05a"), ([1, 17], b"\x05abcdef"), ([6], b"\x01" * 4),
                        ([0, 0, 7], b""), ([19], b"ab"), ([19], b"abcd")):
        payload = record_with_header(types, body)
        good = encode_record([1, "zz", 2.5])
        cells = [{"rowid": 1, "payload_size": len(good), "payload": good,
                  "overflow_page": None},
                 {"rowid": 2, "payload_size": len(payload), "payload": payload,
                  "overflow_page": None}]
        page = BTreePage.build({"page_type": TABLE_LEAF, "cells": cells}, pgno=2,
                               usable_size=512, page_size=512)
        for proj in (([ROWID, 0, 1], set(), [None] * 3), ([1], set(), [None]), ([], set(), [])):
            assert check_page(page, 512, "utf-8", proj) == "error"
            assert check_project(payload, proj, "utf-8") == "error"
