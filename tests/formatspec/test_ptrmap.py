"""Pointer-map pages (formatspec/ptrmap.py) against auto-vacuum files sqlite3 writes.

The expected entry of every page is derived independently of the ptrmap
pages: from sqlite3's dbstat (b-tree paths, overflow chains), the schema's
root pages and the freelist.
"""

from __future__ import annotations

import re
import sqlite3
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatspec import FormatError
from formatspec.derived import is_ptrmap_page
from formatspec.freelist import walk_freelist
from formatspec.ptrmap import (
    PTRMAP_BTREE,
    PTRMAP_FREEPAGE,
    PTRMAP_OVERFLOW1,
    PTRMAP_OVERFLOW2,
    PTRMAP_ROOTPAGE,
    PtrmapPage,
    ptrmap_entry_for,
    read_ptrmap_entries,
)


def _make_db(path, page_size):
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute("PRAGMA auto_vacuum=INCREMENTAL")
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
    con.execute("CREATE INDEX tb ON t(substr(b, 1, 20))")
    con.execute("CREATE TABLE u(x)")
    con.executemany("INSERT INTO t VALUES (?, randomblob(?))",
                    [(i, 50 + (i * 37) % 3000) for i in range(600)])
    con.executemany("INSERT INTO u VALUES (randomblob(?))", [(n,) for n in (10, 2000, 9000)])
    con.commit()
    con.execute("DELETE FROM t WHERE a % 3 = 0")
    con.commit()
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("PRAGMA freelist_count").fetchone()[0] > 0
    stat = con.execute("SELECT name, path, pageno, pagetype FROM dbstat").fetchall()
    roots = {r for (r,) in con.execute("SELECT rootpage FROM sqlite_schema WHERE rootpage > 0")}
    page_count = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    return stat, roots, page_count


def _expected_entries(stat, roots, free_pages):
    by_path = {(name, path): pgno for name, path, pgno, _ in stat}
    expected = {}
    for name, path, pgno, kind in stat:
        if kind == "overflow":
            m = re.fullmatch(r"(.*/)([0-9a-f]+)\+([0-9a-f]+)", path)
            index = int(m[3], 16)
            if index == 0:
                expected[pgno] = (PTRMAP_OVERFLOW1, by_path[(name, m[1])])
            else:
                prev = f"{m[1]}{m[2]}+{index - 1:06x}"
                expected[pgno] = (PTRMAP_OVERFLOW2, by_path[(name, prev)])
        elif path == "/":
            expected[pgno] = (PTRMAP_ROOTPAGE, 0)
        else:
            parent = path[: path.rstrip("/").rfind("/") + 1]
            expected[pgno] = (PTRMAP_BTREE, by_path[(name, parent)])
    for pgno in free_pages:
        expected[pgno] = (PTRMAP_FREEPAGE, 0)
    assert {p for p, (t, _) in expected.items() if t == PTRMAP_ROOTPAGE} == roots | {1}
    expected.pop(1)  # page 1 has no entry
    return expected


@pytest.mark.parametrize("page_size", [1024, 512])
def test_read_ptrmap_created_by_sqlite3(tmp_path, page_size):
    path = tmp_path / "p.db"
    stat, roots, page_count = _make_db(path, page_size)
    data = path.read_bytes()

    def get_page(pgno):
        return data[(pgno - 1) * page_size:pgno * page_size]

    first_trunk, count = struct.unpack_from(">II", data, 32)
    free = walk_freelist(get_page, first_trunk, count, page_count, page_size).pages
    expected = _expected_entries(stat, roots, free)
    map_pages = [p for p in range(2, page_count + 1) if is_ptrmap_page(p, page_size, page_size)]
    assert len(map_pages) >= 2, "the fixture must need several ptrmap pages"
    # every page is exactly one of: described by dbstat/freelist, or a ptrmap page
    assert set(expected) | set(map_pages) == set(range(2, page_count + 1))
    assert not set(expected) & set(map_pages)
    for pgno, entry in expected.items():
        assert ptrmap_entry_for(pgno, get_page, page_size, page_size) == entry, pgno
    for pgno in map_pages:
        page = get_page(pgno)
        parsed = PtrmapPage.parse(page, usable_size=page_size, pgno=pgno)
        assert PtrmapPage.build(parsed, usable_size=page_size) == page
        entries = [(e.entry_type, e.parent_page) for e in parsed.entries]
        assert entries == read_ptrmap_entries(page, page_size)
        described = [pgno + 1 + i for i in range(len(entries)) if pgno + 1 + i <= page_count]
        assert all(entries[i][0] == 0 for i in range(len(described), len(entries)))
        for i, p in enumerate(described):
            assert entries[i] == expected[p]
        with pytest.raises(FormatError, match="itself a pointer-map page"):
            ptrmap_entry_for(pgno, get_page, page_size, page_size)
    with pytest.raises(FormatError):
        ptrmap_entry_for(1, get_page, page_size, page_size)


def test_bad_entry_type_is_refused():
    usable = 512
    page = bytes([9]) + struct.pack(">I", 7) + bytes(usable - 5)
    with pytest.raises(FormatError, match="type 9") as err:
        ptrmap_entry_for(3, {2: page}.__getitem__, usable, usable)
    assert err.value.page == 2 and err.value.offset == 0
    # the page as a whole still parses: entries that describe no page are never read
    assert PtrmapPage.parse(page, usable_size=usable).entries[0].entry_type == 9


def test_lock_byte_shift_has_no_entry_before_map():
    # with a 65536-byte page the lock-byte page is 16385; pick a usable size that puts a
    # ptrmap group start exactly there: group size U//5 + 1 must divide 16383
    page_size = 65536
    usable = next(u for u in range(65536, 479, -1) if 16383 % (u // 5 + 1) == 0)
    with pytest.raises(FormatError, match="precedes"):
        ptrmap_entry_for(16385, lambda p: bytes(page_size), usable, page_size)


layouts = st.sampled_from([512, 1024]).flatmap(
    lambda size: st.integers(0, min(40, size - 480)).map(lambda r: (size, size - r)))


@given(layouts.flatmap(lambda lay: st.tuples(
    st.just(lay),
    st.binary(min_size=5 * (lay[1] // 5), max_size=5 * (lay[1] // 5)),
    st.binary(min_size=lay[1] % 5, max_size=lay[1] % 5))))
def test_parse_build_round_trip(case):
    (size, usable), raw_entries, unused = case
    entries = list(struct.iter_unpack(">BI", raw_entries))
    value = dict(entries=[dict(entry_type=t, parent_page=p) for t, p in entries],
                 unused=unused, reserved=bytes(size - usable))
    page = PtrmapPage.build(value, usable_size=usable)
    assert len(page) == size
    assert PtrmapPage.parse(page, usable_size=usable) == value
    assert read_ptrmap_entries(page, usable) == entries


@given(st.binary(max_size=700), st.integers(450, 700))
def test_fast_twin_agrees_with_schema(page, usable):
    try:
        expected = PtrmapPage.parse(page, usable_size=usable)
    except FormatError:
        with pytest.raises(FormatError):
            read_ptrmap_entries(page, usable)
        return
    assert read_ptrmap_entries(page, usable) == [
        (e.entry_type, e.parent_page) for e in expected.entries]
