"""Projection filters (RecordProjector ``filters``/``residual``) against the construct schema.

The filtered projector is checked against ``Record.parse``, then the plain
projection of ``test_projection_twins``, then the filter rule spelled out here
(an int or float passes when ``value op constant`` holds, None never passes,
text or a blob leaves the filter undecided, and the residual decides a row
whose every decidable filter passed and one was undecided). Valid records,
garbage and mutated records; whole table leaf pages through
``table_leaf_rows_projected`` (refused rows come back as None in their place);
headers that fix a filtered value (NULL, 0, 1, a missing column's default).
``RecordProjector.leaf_rows`` (the page loop that steps over rowids nobody asks
for) against ``table_leaf_rows_projected`` on valid, mutated and garbage pages.
"""

from __future__ import annotations

import operator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatspec import (
    TABLE_LEAF,
    BTreePage,
    FormatError,
    OverflowCell,
    Record,
    encode_record,
    read_cell_pointers,
    read_page_header,
)
from formatspec.btree import table_leaf_rows_projected
from formatspec.record import ROWID, RecordProjector

from .test_projection_twins import (
    CODECS,
    EDITS,
    VALUE,
    composed_rows,
    mutate,
    outcome,
    projection,
    reference,
    same,
    table_leaf_page,
)

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
       "=": operator.eq}
CONSTANT = st.one_of(st.integers(-2**63, 2**63 - 1), st.integers(-300, 300),
                     st.floats(allow_nan=False), st.sampled_from([0, 1, -1, 0.5, 1e300]))


SMALL = st.one_of(st.integers(-5, 5), st.sampled_from([-0.0, 0.5, 2.0, -4.5]))


@st.composite
def filtered_projection(draw, constants=CONSTANT):
    sources, as_float, missing = draw(projection())
    positions = [k for k, s in enumerate(sources) if s is not None]
    filters = []
    if positions:
        for _ in range(draw(st.integers(0, 3))):
            filters.append((draw(st.sampled_from(positions)), draw(st.sampled_from(sorted(OPS))),
                            draw(constants)))
    verdict = draw(st.sampled_from(["text", "even", "none"]))
    return sources, as_float, missing, filters, verdict


class Residual:
    """A deterministic residual that records the rows it was asked about."""

    def __init__(self, verdict):
        self.verdict = verdict
        self.calls = []

    def __call__(self, row):
        self.calls.append(row)
        if self.verdict == "none":
            return False
        if self.verdict == "even":
            return len(repr(row)) % 2 == 0
        return any(isinstance(v, str) for v in row)


def expected(row, filters, residual):
    """The filter rule of RecordProjector, spelled plainly: (kept, residual consulted)."""
    undecided = False
    for k, op, c in filters:
        v = row[k]
        if type(v) in (int, float):
            if not OPS[op](v, c):
                return False, False
        elif v is None:
            return False, False
        else:
            undecided = True
    if not undecided:
        return True, False
    return bool(residual.__class__(residual.verdict)(row)), True


def check_project(payload, proj, codec, rowid=7):
    sources, as_float, missing, filters, verdict = proj
    schema = outcome(Record.parse, payload, encoding=codec, text_errors="replace")
    residual = Residual(verdict)
    projector = RecordProjector(sources, codec, as_float=as_float, missing=missing,
                                filters=filters, residual=residual)
    for _ in range(2):  # first sight of the header, then through the cache
        residual.calls.clear()
        twin = outcome(projector.project, payload, rowid)
        assert schema[0] == twin[0], (payload.hex(), schema, twin)
        if schema[0] == "ok":
            row = reference(list(schema[1].values), rowid, sources, as_float, missing)
            keep, asked = expected(row, filters, residual)
            if keep:
                assert twin[1] is not None and same(twin[1], row), (twin[1], row, filters)
            else:
                assert twin[1] is None, (twin[1], row, filters)
            # the residual is consulted exactly when the rule says, with the row
            assert len(residual.calls) == (1 if asked else 0), (residual.calls, row, filters)
            if asked:
                assert same(residual.calls[0], row)
    return schema[0]


@given(st.lists(VALUE, max_size=10), filtered_projection(), CODECS)
def test_filters_on_valid_records(values, proj, codec):
    assert check_project(encode_record(values, codec), proj, codec) == "ok"


@given(st.binary(max_size=60), filtered_projection(), CODECS)
def test_filters_on_garbage(payload, proj, codec):
    check_project(payload, proj, codec)


@given(st.lists(VALUE, max_size=8), EDITS, filtered_projection(), CODECS)
def test_filters_on_mutated_records(values, edits, proj, codec):
    check_project(mutate(encode_record(values, codec), edits), proj, codec)


@given(st.lists(st.one_of(st.none(), st.sampled_from([0, 1]), st.integers(-5, 5),
                          st.sampled_from([2.0, -0.0, 0.5]), st.text(max_size=2)), max_size=4),
       filtered_projection(SMALL))
def test_filters_on_values_near_the_constants(values, proj):
    # small values, so that comparisons with small constants go both ways
    check_project(encode_record(values), proj, "utf-8")


def test_filters_on_fixed_values_and_missing_columns():
    # serial types 0, 8, 9 and a column the record lacks are decided when the header's
    # function is made; a header that fails them all gives None without decoding
    sources = [ROWID, 0, 1, 2, 3, 4]
    missing = [None, None, None, None, 7, "x"]
    for values in ([None, 0, 1], [5, 0, 1], [5, 1, 0], [5, 2, 2, 9, "t"]):
        payload = encode_record(values)
        for filters in ([(1, ">", 3)], [(2, "=", 0)], [(3, ">=", 1)], [(4, "<", 8)],
                        [(4, ">", 8)], [(5, "=", 1)], [(0, "<", 8), (3, "<=", 1)]):
            for verdict in ("text", "none"):
                proj = (sources, set(), missing, filters, verdict)
                assert check_project(payload, proj, "utf-8") == "ok"


def test_filter_on_real_column_compares_the_float():
    # an integer stored in a REAL column reads as a float: the filter sees the float
    big = 2**53 + 1
    projector = RecordProjector([ROWID, 0], as_float=[1], filters=[(1, "=", float(big))],
                                residual=lambda row: True)
    assert projector.project(encode_record([big]), 1) == (1, float(big))
    projector = RecordProjector([ROWID, 0], filters=[(1, "=", float(big))],
                                residual=lambda row: True)
    assert projector.project(encode_record([big]), 1) is None


def test_filter_on_nan_stored_as_real_never_passes():
    # a NaN written as serial type 7 (SQLite never does) reads as NULL
    payload = bytes([2, 7]) + b"\x7f\xf8" + bytes(6)
    for op in OPS:
        projector = RecordProjector([0], filters=[(0, op, 0.0)], residual=lambda r: True)
        assert projector.project(payload) is None


def test_wide_record_takes_the_generic_path_with_filters():
    values = list(range(200, 5200))  # a header longer than the generated functions serve
    payload = encode_record(values)
    assert payload[0] >= 0x80 and Record.parse(payload).header_size > 4096
    for c, keep in ((5199, True), (5200, False), (5198, False)):
        proj = ([ROWID, 0, 4999], set(), [None] * 3, [(2, "=", c)], "none")
        assert check_project(payload, proj, "utf-8") == "ok"
        got = RecordProjector([ROWID, 0, 4999], filters=[(2, "=", c)],
                              residual=lambda r: True).project(payload, 1)
        assert (got is not None) is keep


@pytest.mark.parametrize("bad", [
    [(5, "<", 1)], [(1, "<", 1)], [(0, "!=", 1)], [(0, "<", "1")], [(0, "<", float("nan"))],
    [(0, "<", True)], [(0, "<")],
])
def test_bad_filters_are_refused(bad):
    with pytest.raises(FormatError):
        RecordProjector([0, None], filters=bad, residual=lambda r: True)


def test_filters_need_a_residual():
    with pytest.raises(FormatError):
        RecordProjector([0], filters=[(0, "<", 1)])


# --------------------------------------------------------------------------- fused leaf scan


def check_page(page, usable, codec, proj):
    sources, as_float, missing, filters, verdict = proj
    want = outcome(composed_rows, page, usable, codec, (sources, as_float, missing))
    projector = RecordProjector(sources, codec, as_float=as_float, missing=missing,
                                filters=filters, residual=Residual(verdict))
    for _ in range(2):
        got = outcome(table_leaf_rows_projected, page, 0, usable, projector)
        assert got[0] == want[0]
        if got[0] == "ok":
            rows, spilled = got[1]
            want_rows, want_spilled = want[1]
            assert spilled == want_spilled
            for a, b in zip(rows, want_rows, strict=True):
                if isinstance(b, OverflowCell):
                    assert a == b  # spilled cells are the caller's, unfiltered
                    continue
                keep, _asked = expected(b, filters, Residual(verdict))
                if keep:
                    assert a is not None and same(a, b)
                else:
                    assert a is None
    return want[0]


@given(st.data(), CODECS, filtered_projection())
def test_filtered_leaf_scan_on_valid_pages(data, codec, proj):
    page, usable = data.draw(table_leaf_page(codec))
    assert check_page(page, usable, codec, proj) == "ok"


@given(st.binary(max_size=600), st.sampled_from([512, 1024]), filtered_projection())
def test_filtered_leaf_scan_on_garbage(page, usable, proj):
    check_page(page, usable, "utf-8", proj)


def test_every_operator_on_decoded_values_at_and_around_the_constant():
    # each kind of decoded number (1-, 2-, 3-, 6-, 8-byte integers, a real, as stored and
    # read as a float) against equal, smaller and larger constants, every operator
    numbers = [2, -2, 300, -70000, 2**40, 2**62, 2.0, -0.0, 2.5]
    constants = [2, 2.0, -2, 300, 300.5, -70000, 2**40, 2**62, 2.5, 0, -0.0]
    for value in numbers:
        payload = encode_record([value, "t"])
        for as_float in (set(), {1}):
            for c in constants:
                for op in OPS:
                    proj = ([ROWID, 0, 1], as_float, [None] * 3, [(1, op, c)], "none")
                    assert check_project(payload, proj, "utf-8") == "ok"


# --------------------------------------------------------------------------- leaf_rows


def check_leaf_rows(page, usable, codec, proj):
    """RecordProjector.leaf_rows gives what table_leaf_rows_projected gives (rows, spilled
    cells, or FormatError), first sight of each header and through the cache."""
    sources, as_float, missing, filters, verdict = proj
    one = RecordProjector(sources, codec, as_float=as_float, missing=missing,
                          filters=filters, residual=Residual(verdict))
    two = RecordProjector(sources, codec, as_float=as_float, missing=missing,
                          filters=filters, residual=Residual(verdict))
    # with the pointers given too, as engine.storage passes them for a checked leaf
    pointers = outcome(lambda: read_cell_pointers(page, 0, 8, read_page_header(page, 0)
                                                  .cell_count))
    leaf = outcome(read_page_header, page, 0)
    given = pointers[1] if leaf[0] == "ok" and leaf[1].page_type == TABLE_LEAF else None
    for _ in range(2):
        want = outcome(table_leaf_rows_projected, page, 0, usable, one)
        for ptrs in (None, given):
            got = outcome(two.leaf_rows, page, 0, usable, ptrs)
            assert got[0] == want[0]
            if got[0] == "ok":
                assert got[1][1] == want[1][1]
                for a, b in zip(got[1][0], want[1][0], strict=True):
                    assert type(a) is type(b)
                    assert (a == b) if isinstance(a, OverflowCell) or a is None else same(a, b)
    return want[0]


@st.composite
def rowid_free(draw, proj):
    sources, as_float, missing, filters, verdict = draw(proj)
    if draw(st.booleans()):  # no source asks for the rowid: its varints are stepped over
        sources = [None if s == ROWID else s for s in sources]
        filters = [f for f in filters if sources[f[0]] is not None]
    return sources, as_float, missing, filters, verdict


@given(st.data(), CODECS, rowid_free(filtered_projection()))
def test_leaf_rows_on_valid_pages(data, codec, proj):
    page, usable = data.draw(table_leaf_page(codec))
    assert check_leaf_rows(page, usable, codec, proj) == "ok"


@given(st.data(), CODECS, rowid_free(filtered_projection()), EDITS)
def test_leaf_rows_on_mutated_pages(data, codec, proj, edits):
    page, usable = data.draw(table_leaf_page(codec))
    start = read_page_header(page, 0).cell_content_start
    targets = [(p % 16 if i % 2 else start + p % max(1, usable - start), v)
               for i, (p, v) in enumerate(edits)]
    check_leaf_rows(mutate(page, targets), usable, codec, proj)


@given(st.binary(max_size=600), st.sampled_from([512, 1024]), rowid_free(filtered_projection()))
def test_leaf_rows_on_garbage(page, usable, proj):
    check_leaf_rows(page, usable, "utf-8", proj)


def test_leaf_rows_with_long_rowids_and_without_them():
    # rowids of every varint length, asked for or stepped over
    cells = []
    for rowid in (1, 200, 70000, 3 * 2**21, 2**40, 2**62, -5):
        payload = encode_record([rowid % 1000, "x"])
        cells.append({"rowid": rowid, "payload_size": len(payload), "payload": payload,
                      "overflow_page": None})
    cells.sort(key=lambda c: c["rowid"])
    page = BTreePage.build({"page_type": TABLE_LEAF, "cells": cells}, pgno=2,
                           usable_size=1024, page_size=1024)
    for sources in ([ROWID, 0, 1], [None, 0, 1], [1, 0]):
        for filters in ([], [(1, ">=", 0)], [(1, "<", 300)]):
            proj = (sources, set(), [None] * len(sources), filters, "text")
            assert check_leaf_rows(page, 1024, "utf-8", proj) == "ok"
    rows, _ = RecordProjector([ROWID, 0]).leaf_rows(page, 0, 1024)
    assert [r[0] for r in rows] == sorted(c["rowid"] for c in cells)


def _page_of(rowids, usable=1024):
    cells = []
    for rowid in sorted(rowids):
        payload = encode_record([rowid % 1000, "x" * (rowid % 7)])
        cells.append({"rowid": rowid, "payload_size": len(payload), "payload": payload,
                      "overflow_page": None})
    return BTreePage.build({"page_type": TABLE_LEAF, "cells": cells}, pgno=2,
                           usable_size=usable, page_size=usable)


def test_leaf_rows_reads_planned_pages_itself(monkeypatch):
    # once every header is planned, a well-formed page never goes back to the checked scan
    from formatspec import btree

    pages = [_page_of(range(start, start + 20)) for start in (1, 120, 16000, 2**21 - 5, 2**40)]
    for sources in ([ROWID, 0, 1], [None, 0, 1]):
        projector = RecordProjector(sources, filters=[(1, "<", 500)], residual=lambda r: True)
        want = [projector.leaf_rows(page, 0, 1024) for page in pages]  # plans the headers

        def refuse(*args):
            raise AssertionError("went back to table_leaf_rows_projected")

        with monkeypatch.context() as m:
            m.setattr(btree, "table_leaf_rows_projected", refuse)
            got = [projector.leaf_rows(page, 0, 1024) for page in pages]
        assert got == want


def test_leaf_rows_refuses_a_record_past_the_usable_size():
    page = _page_of(range(1, 30))
    for sources in ([ROWID, 0, 1], [None, 0, 1]):
        projector = RecordProjector(sources)
        projector.leaf_rows(page, 0, 1024)  # plans the headers
        want = outcome(table_leaf_rows_projected, page, 0, 1000, projector)
        assert want[0] == "error"  # the cell content ends at byte 1024
        assert outcome(projector.leaf_rows, page, 0, 1000)[0] == "error"
