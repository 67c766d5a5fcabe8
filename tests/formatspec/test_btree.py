"""B-tree pages of sqlite3-made databases through the page schema and the fast twins.

Every table/index page (as dbstat lists them) must parse, agree with dbstat on
page type and cell count, give back the rowids ``SELECT rowid`` gives, and
rebuild to the same bytes. A page laid out afresh from its cells
(``BTreePage.build`` without the raw image) must be accepted by sqlite3.
"""

from __future__ import annotations

import sqlite3
import struct

import pytest

from formatspec import (
    INDEX_INTERIOR,
    INDEX_LEAF,
    TABLE_INTERIOR,
    TABLE_LEAF,
    BTreePage,
    BTreePageHeader,
    FormatError,
    hdr_offset_for,
    read_page_header,
    table_leaf_cells,
    table_leaf_rows,
)

CONFIGS = [(512, 0), (1024, 32), (4096, 0), (65536, 32)]


def make_db(path, *, page_size, reserved=0):
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA page_size={page_size}")
    conn.execute("PRAGMA user_version=0")
    conn.close()
    if reserved:
        data = bytearray(path.read_bytes())
        data[20] = reserved
        data[105:107] = struct.pack(">H", (page_size - reserved) & 0xFFFF)
        path.write_bytes(bytes(data))
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE t(a, b, c);
        CREATE INDEX tb ON t(b);
        CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
        CREATE TABLE small(x);
        CREATE TABLE empty(x);
        """
    )
    big = page_size * 3
    rows = [(i, f"text {i} " * (i % 17), None if i % 5 == 0 else i * 1.5) for i in range(1500)]
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    conn.executemany("INSERT INTO t(rowid, a, b, c) VALUES (?, ?, ?, ?)",
                     [(10001, -1, "overflow " * (big // 9), b"\x00" * 100),
                      (10002, 2, "y" * 600, "z" * big)])
    conn.execute("INSERT INTO t(rowid, a) VALUES (-5, 'negative rowid')")
    conn.execute("INSERT INTO t(rowid, a) VALUES (4611686018427387904, 'big rowid')")
    conn.executemany("INSERT INTO w VALUES (?, ?)",
                     [(f"key{i:05d}" * (1 + i % 7), i) for i in range(800)])
    conn.execute("INSERT INTO small VALUES (1)")
    conn.commit()
    conn.execute("DELETE FROM t WHERE rowid % 7 = 3")  # freeblocks and fragments
    conn.execute("DELETE FROM w WHERE v % 11 = 0")
    conn.commit()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    return path


@pytest.fixture(scope="module", params=CONFIGS, ids=lambda c: f"{c[0]}-r{c[1]}")
def db(request, tmp_path_factory):
    page_size, reserved = request.param
    path = make_db(tmp_path_factory.mktemp("btree") / "b.db", page_size=page_size,
                   reserved=reserved)
    conn = sqlite3.connect(path)
    stat = conn.execute("SELECT name, path, pageno, pagetype, ncell, payload, unused "
                        "FROM dbstat ORDER BY name, path").fetchall()
    schema = {name: (kind, sql) for kind, name, sql in
              conn.execute("SELECT type, name, sql FROM sqlite_schema")}
    conn.close()
    data = path.read_bytes()
    usable = page_size - reserved
    pages = {pgno: data[(pgno - 1) * page_size:pgno * page_size]
             for _, _, pgno, kind, *_ in stat if kind in ("internal", "leaf")}
    return {"path": path, "stat": stat, "schema": schema, "pages": pages,
            "page_size": page_size, "usable": usable}


def is_index_btree(db, name: str) -> bool:
    if name == "sqlite_schema":
        return False
    kind, sql = db["schema"][name]
    return kind == "index" or "WITHOUT ROWID" in (sql or "").upper()


def parse(db, pgno):
    return BTreePage.parse(db["pages"][pgno], pgno=pgno, usable_size=db["usable"])


def test_read_every_btree_page_created_by_sqlite3(db):
    seen = set()
    for name, _path, pgno, kind, ncell, _payload, _unused in db["stat"]:
        if kind not in ("internal", "leaf"):
            continue
        page = parse(db, pgno)
        index = is_index_btree(db, name)
        expected = {(True, "leaf"): INDEX_LEAF, (True, "internal"): INDEX_INTERIOR,
                    (False, "leaf"): TABLE_LEAF, (False, "internal"): TABLE_INTERIOR}
        assert page.page_type == expected[(index, kind)], (name, pgno)
        assert page.cell_count == ncell == len(page.cells) == len(page.cell_pointers)
        assert page.header_offset == hdr_offset_for(pgno)
        seen.add(page.page_type)
        # the fast twin reads the same header
        twin = read_page_header(db["pages"][pgno], hdr_offset_for(pgno))
        assert twin.page_type == page.page_type
        assert twin.cell_count == page.cell_count
        assert twin.cell_content_start == page.cell_content_start
        assert twin.first_freeblock == page.first_freeblock
        assert twin.right_child == (page.right_child or 0)
    assert seen == {INDEX_INTERIOR, INDEX_LEAF, TABLE_INTERIOR, TABLE_LEAF}


def test_build_of_parse_is_identity_for_every_page(db):
    for pgno, raw in db["pages"].items():
        page = parse(db, pgno)
        assert BTreePage.build(page, pgno=pgno, usable_size=db["usable"]) == raw, pgno


def leaves_in_order(db, name):
    return [pgno for n, _path, pgno, kind, *_ in db["stat"] if n == name and kind == "leaf"]


def test_table_rowids_equal_select_rowid(db):
    conn = sqlite3.connect(db["path"])
    for table in ("t", "small", "sqlite_schema"):
        expected = [r[0] for r in conn.execute(f"SELECT rowid FROM {table} ORDER BY rowid")]
        got = [cell.rowid for pgno in leaves_in_order(db, table) for cell in parse(db, pgno).cells]
        assert got == expected
        fast = [c[0] for pgno in leaves_in_order(db, table)
                for c in table_leaf_cells(db["pages"][pgno], hdr_offset_for(pgno), db["usable"])]
        assert fast == expected
    conn.close()


def test_interior_pages_point_into_their_own_btree(db):
    owner = {pgno: name for name, _p, pgno, *_ in db["stat"]}
    for name, _path, pgno, kind, *_ in db["stat"]:
        if kind != "internal":
            continue
        page = parse(db, pgno)
        children = [c.left_child for c in page.cells] + [page.right_child]
        assert all(owner.get(child) == name for child in children), (name, pgno)
        if page.page_type == TABLE_INTERIOR:
            keys = [c.rowid for c in page.cells]
            assert keys == sorted(keys)


def test_unused_space_agrees_with_dbstat(db):
    for _name, _path, pgno, kind, _ncell, payload, unused in db["stat"]:
        if kind not in ("internal", "leaf"):
            continue
        page = parse(db, pgno)
        ptr_end = page.header_offset + page.header_size + 2 * page.cell_count
        free = (page.cell_content_start - ptr_end + page.fragmented_free_bytes
                + sum(size for _, size in page.freeblocks))
        assert free == unused
        assert sum(len(c.get("payload", b"")) for c in page.cells) == payload
    assert any(parse(db, pgno).freeblocks for pgno in db["pages"])


def test_fused_scan_matches_select(db):
    conn = sqlite3.connect(db["path"])
    expected = conn.execute("SELECT rowid, * FROM t ORDER BY rowid").fetchall()
    conn.close()
    got = []
    spilled_count = 0
    for pgno in leaves_in_order(db, "t"):
        rows, spilled = table_leaf_rows(db["pages"][pgno], hdr_offset_for(pgno), db["usable"])
        spilled_count += len(spilled)
        for i, row in enumerate(rows):
            got.append(row[0] if i in spilled else row)
    assert spilled_count > 0
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if isinstance(g, tuple):
            assert g == e
        else:
            assert g == e[0]  # a spilled cell: only its rowid is known here


def _fresh(page):
    """The page's header fields and cells, without the layout (pointers, free space, raw)."""
    value = {k: page[k] for k in ("page_type", "right_child")}
    value["cells"] = page.cells
    return value


@pytest.mark.parametrize("btree", ["t", "tb", "w"])
def test_write_fresh_page_readable_by_sqlite3(db, tmp_path, btree):
    data = bytearray(db["path"].read_bytes())
    conn = sqlite3.connect(db["path"])
    before = conn.execute(f"SELECT * FROM {'t' if btree == 'tb' else btree}").fetchall()
    conn.close()
    rewritten = 0
    for name, _path, pgno, kind, *_ in db["stat"]:
        if name != btree or pgno == 1 or kind not in ("internal", "leaf"):
            continue
        page = parse(db, pgno)
        image = BTreePage.build(_fresh(page), pgno=pgno, usable_size=db["usable"],
                                page_size=db["page_size"])
        assert len(image) == db["page_size"]
        again = BTreePage.parse(image, pgno=pgno, usable_size=db["usable"])
        assert again.cells == page.cells
        assert again.freeblocks == [] and again.fragmented_free_bytes == 0
        # the reserved region keeps what was there (zeros for sqlite3's own files)
        image = image[:db["usable"]] + bytes(page.raw[db["usable"]:])
        start = (pgno - 1) * db["page_size"]
        data[start:start + db["page_size"]] = image
        rewritten += 1
    assert rewritten
    out = tmp_path / "fresh.db"
    out.write_bytes(bytes(data))
    conn = sqlite3.connect(out)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    table = "t" if btree == "tb" else btree
    assert conn.execute(f"SELECT * FROM {table}").fetchall() == before
    if btree == "tb":
        got = conn.execute("SELECT b FROM t INDEXED BY tb ORDER BY b").fetchall()
        assert got == sorted(((r[1],) for r in before), key=lambda r: (r[0] is not None, r[0]))
    conn.close()


def test_page_type_outside_the_four_is_refused_with_page_and_offset(db):
    pgno = next(iter(db["pages"]))
    for bad_type in (0, 1, 3, 6, 9, 12, 14, 0xFF):
        raw = bytearray(db["pages"][pgno])
        raw[hdr_offset_for(pgno)] = bad_type
        with pytest.raises(FormatError) as err:
            BTreePage.parse(bytes(raw), pgno=pgno, usable_size=db["usable"])
        assert err.value.page == pgno
        assert err.value.offset == hdr_offset_for(pgno)
        with pytest.raises(FormatError) as twin:
            read_page_header(bytes(raw), hdr_offset_for(pgno))
        assert twin.value.offset == hdr_offset_for(pgno)
        with pytest.raises(FormatError):
            BTreePageHeader.parse(bytes(raw[hdr_offset_for(pgno):]))


def test_cell_content_start_zero_means_65536():
    leaf = bytes([TABLE_LEAF, 0, 0, 0, 0, 0, 0, 0])
    assert BTreePageHeader.parse(leaf).cell_content_start == 65536
    assert read_page_header(leaf, 0).cell_content_start == 65536
    assert BTreePageHeader.build(BTreePageHeader.parse(leaf)) == leaf
    page = BTreePage.build({"page_type": TABLE_LEAF, "cells": []}, pgno=2, usable_size=65536)
    assert page[5:7] == b"\x00\x00" and len(page) == 65536
