"""Overflow pages and chains (formatspec/overflow.py) against files sqlite3 writes."""

from __future__ import annotations

import random
import re
import sqlite3
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatspec import FormatError
from formatspec.derived import local_payload_size
from formatspec.overflow import OverflowPage, read_overflow_chain, read_overflow_page
from formatspec.varint import encode_varint

BLOB_SIZES = (10, 900, 1000, 3000, 5000, 20000, 70000)


def _make_db(path, *, page_size: int, reserved: int = 0) -> list[bytes]:
    """A one-column table of blobs; with ``reserved`` patched in while the file is empty."""
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute("PRAGMA user_version=1")
    con.commit()
    con.close()
    if reserved:
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            data[20] = reserved
            data[105:107] = struct.pack(">H", page_size - reserved)  # empty page 1 content start
            f.seek(0)
            f.write(data)
    rng = random.Random(7)
    blobs = [rng.randbytes(n) for n in BLOB_SIZES for _ in range(3)]
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t(b)")
    con.executemany("INSERT INTO t(b) VALUES (?)", [(b,) for b in blobs])
    con.commit()
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    return blobs


def _record(blob: bytes) -> bytes:
    serial = encode_varint(2 * len(blob) + 12)
    return encode_varint(1 + len(serial)) + serial + blob


def _chains_from_dbstat(path):
    """[(cell ordinal in rowid order, [overflow pages in chain order])] from sqlite3's dbstat."""
    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT path, pageno, pagetype, ncell FROM dbstat WHERE name='t'").fetchall()
    con.close()
    leaves = sorted((p, n) for p, _, kind, n in rows if kind == "leaf")
    ordinal_of_leaf, total = {}, 0
    for leaf_path, ncell in leaves:
        ordinal_of_leaf[leaf_path] = total
        total += ncell
    chains: dict[tuple[str, int], dict[int, int]] = {}
    for p, pgno, kind, _ in rows:
        if kind == "overflow":
            m = re.fullmatch(r"(.*/)([0-9a-f]+)\+([0-9a-f]+)", p)
            chains.setdefault((m[1], int(m[2], 16)), {})[int(m[3], 16)] = pgno
    out = []
    for (leaf_path, cell), pages in chains.items():
        out.append((ordinal_of_leaf[leaf_path] + cell, [pages[i] for i in sorted(pages)]))
    return sorted(out)


@pytest.mark.parametrize("page_size,reserved", [(1024, 0), (1024, 24), (4096, 0), (512, 32)])
def test_read_overflow_chain_created_by_sqlite3(tmp_path, page_size, reserved):
    path = tmp_path / "o.db"
    blobs = _make_db(path, page_size=page_size, reserved=reserved)
    data = path.read_bytes()
    usable = page_size - reserved
    page_count = len(data) // page_size

    def get_page(pgno):
        return data[(pgno - 1) * page_size:pgno * page_size]

    chains = _chains_from_dbstat(path)
    assert chains, "the fixture must have overflow chains"
    expected_cells = [i for i, b in enumerate(blobs)
                      if len(_record(b)) > local_payload_size(len(_record(b)), usable,
                                                              table_leaf=True)]
    assert [ordinal for ordinal, _ in chains] == expected_cells
    for ordinal, pages in chains:
        record = _record(blobs[ordinal])
        local = local_payload_size(len(record), usable, table_leaf=True)
        got = read_overflow_chain(get_page, pages[0], len(record) - local, usable, page_count)
        assert got == record[local:]
        for i, pgno in enumerate(pages):
            page = get_page(pgno)
            parsed = OverflowPage.parse(page, usable_size=usable, pgno=pgno)
            assert OverflowPage.build(parsed, usable_size=usable) == page
            assert len(parsed.content) == usable - 4 and len(parsed.reserved) == reserved
            assert (parsed.next_page, parsed.content) == read_overflow_page(page, usable)
            assert parsed.next_page == (pages[i + 1] if i + 1 < len(pages) else 0)


def _fake_pages(usable: int, links: dict[int, int], fill: int = 0xAB) -> dict[int, bytes]:
    return {p: struct.pack(">I", nxt) + bytes([fill]) * (usable - 4) for p, nxt in links.items()}


def test_chain_cycle_is_detected():
    usable = 512
    pages = _fake_pages(usable, {2: 3, 3: 4, 4: 2})
    with pytest.raises(FormatError, match="cycle") as err:
        read_overflow_chain(pages.__getitem__, 2, 10 * (usable - 4), usable, 20)
    assert err.value.page == 2


def test_chain_page_out_of_range_and_zero():
    usable = 512
    pages = _fake_pages(usable, {2: 3, 3: 99})
    with pytest.raises(FormatError, match="beyond the last page") as err:
        read_overflow_chain(pages.__getitem__, 2, 3 * (usable - 4), usable, 10)
    assert err.value.page == 3
    pages = _fake_pages(usable, {2: 0})
    with pytest.raises(FormatError, match="ends early") as err:
        read_overflow_chain(pages.__getitem__, 2, 2 * (usable - 4), usable, 10)
    assert err.value.page == 2
    with pytest.raises(FormatError, match="page 0"):
        read_overflow_chain(pages.__getitem__, 0, 5, usable, 10)


def test_chain_longer_than_payload():
    usable = 512
    pages = _fake_pages(usable, {2: 3, 3: 4, 4: 0})
    with pytest.raises(FormatError, match="longer") as err:
        read_overflow_chain(pages.__getitem__, 2, usable - 4 + 1, usable, 10)
    assert err.value.page == 3
    # without the end check the two pages needed are read and nothing more
    got = read_overflow_chain(pages.__getitem__, 2, usable - 4 + 1, usable, 10, check_end=False)
    assert got == bytes([0xAB]) * (usable - 3)


def test_chain_exact_and_absurd_sizes():
    usable = 512
    pages = _fake_pages(usable, {2: 3, 3: 0})
    assert read_overflow_chain(pages.__getitem__, 2, 2 * (usable - 4), usable, 3) == bytes(
        [0xAB]) * (2 * (usable - 4))
    with pytest.raises(FormatError, match="only 3 pages"):
        read_overflow_chain(pages.__getitem__, 2, 2**62, usable, 3)
    with pytest.raises(FormatError):
        read_overflow_chain(pages.__getitem__, 2, -1, usable, 3)


def test_short_page_is_refused():
    with pytest.raises(FormatError) as err:
        read_overflow_chain({2: b"\0\0\0\0" + bytes(100)}.__getitem__, 2, 50, 512, 5)
    assert err.value.page == 2
    with pytest.raises(FormatError):
        OverflowPage.parse(bytes(100), usable_size=512)
    with pytest.raises(FormatError):
        OverflowPage.parse(bytes(512))  # usable_size missing


page_layouts = st.sampled_from([512, 1024, 2048]).flatmap(
    lambda size: st.integers(0, min(64, size - 480)).map(lambda r: (size, r)))


@given(page_layouts.flatmap(lambda lay: st.tuples(
    st.just(lay), st.integers(0, 2**32 - 1), st.binary(min_size=lay[0] - lay[1] - 4,
                                                       max_size=lay[0] - lay[1] - 4),
    st.binary(min_size=lay[1], max_size=lay[1]))))
def test_parse_build_round_trip(case):
    (size, reserved), next_page, content, tail = case
    usable = size - reserved
    value = dict(next_page=next_page, content=content, reserved=tail)
    page = OverflowPage.build(value, usable_size=usable)
    assert len(page) == size
    assert OverflowPage.parse(page, usable_size=usable) == value
    assert read_overflow_page(page, usable) == (next_page, content)


@given(st.binary(max_size=1200), st.integers(400, 1100))
def test_fast_twin_agrees_with_schema(page, usable):
    try:
        expected = OverflowPage.parse(page, usable_size=usable)
    except FormatError:
        with pytest.raises(FormatError):
            read_overflow_page(page, usable)
        return
    assert read_overflow_page(page, usable) == (expected.next_page, expected.content)
