"""The payload-split formulas of formatspec.derived, judged by sqlite3's own files and dbstat.

For each page size 512..65536, with 0 and 32 reserved bytes, sqlite3 stores
rows whose payload sizes straddle the thresholds X (max local) and M (min
local) of both the table-leaf and the index formulas. The dbstat virtual table
then tells us, independently of our parser, how many payload bytes sit on
b-tree pages (the local parts) and how many overflow pages there are; our
formulas, fed only with the payload sizes (computed from the values we
inserted), must give the same totals. A per-page check through the cell
readers confirms ``ncell``, ``payload``, ``mx_payload``, ``unused`` and ``pgoffset``.
"""

from __future__ import annotations

import sqlite3
import struct

import pytest

from formatspec import (
    BTreePage,
    encode_record,
    hdr_offset_for,
    local_payload_size,
    max_local,
    min_local,
    overflow_page_count,
    usable_size,
)

PAGE_SIZES = [512, 1024, 4096, 8192, 16384, 32768, 65536]


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
    return path


def blob_for_table_payload(target: int) -> bytes | None:
    """A blob whose one-column record is exactly ``target`` bytes, if there is one."""
    for n in range(max(target - 4, 0), target + 1):
        if len(encode_record([b"\x01" * n])) == target:
            return b"\x01" * n
    return None


def targets(usable: int, *, table_leaf: bool) -> list[int]:
    x = max_local(usable, table_leaf=table_leaf)
    m = min_local(usable)
    per_page = usable - 4
    out = set()
    for base in (m, x, m + per_page, x + per_page - (x - m), 2 * per_page + m, 2 * per_page + x):
        out.update(base + d for d in (-2, -1, 0, 1, 2))
    # K = M + (P - M) % (U - 4) just at and just above X
    k_edge = x - m  # (P - M) % (U - 4) == X - M
    out.update(m + per_page + k_edge + d for d in (-1, 0, 1))
    return sorted(p for p in out if p > 3)


@pytest.mark.parametrize("reserved", [0, 32])
@pytest.mark.parametrize("page_size", PAGE_SIZES)
def test_payload_split_matches_dbstat(tmp_path, page_size, reserved):
    path = make_db(tmp_path / "d.db", page_size=page_size, reserved=reserved)
    usable = usable_size(page_size, reserved)
    x_table = max_local(usable, table_leaf=True)
    x_index = max_local(usable, table_leaf=False)
    blobs = []
    for target in targets(usable, table_leaf=True) + targets(usable, table_leaf=False):
        blob = blob_for_table_payload(target)
        if blob is not None:
            blobs.append(blob)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(b)")
    conn.execute("CREATE INDEX ti ON t(b)")
    conn.executemany("INSERT INTO t(rowid, b) VALUES (?, ?)",
                     [(i + 2, b) for i, b in enumerate(blobs)])
    conn.commit()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT rowid, b FROM t").fetchall()
    table_sizes = [len(encode_record([b])) for _, b in rows]
    index_sizes = [len(encode_record([b, rowid])) for rowid, b in rows]
    # the sizes really straddle the thresholds
    assert x_table in table_sizes and x_table + 1 in table_sizes
    assert any(p > x_index for p in index_sizes) and any(p <= x_index for p in index_sizes)

    stat = conn.execute(
        "SELECT name, pageno, pagetype, ncell, payload, unused, mx_payload, pgoffset "
        "FROM dbstat WHERE name IN ('t', 'ti')").fetchall()
    conn.close()

    def total(name, kinds, column):
        return sum(r[column] for r in stat if r[0] == name and r[2] in kinds)

    def count(name, kind):
        return sum(1 for r in stat if r[0] == name and r[2] == kind)

    local_table = [local_payload_size(p, usable, table_leaf=True) for p in table_sizes]
    local_index = [local_payload_size(p, usable, table_leaf=False) for p in index_sizes]
    assert total("t", ("leaf",), 4) == sum(local_table)
    assert total("t", ("internal",), 4) == 0
    assert count("t", "overflow") == sum(
        overflow_page_count(p, usable, table_leaf=True) for p in table_sizes)
    assert total("t", ("overflow",), 4) == sum(table_sizes) - sum(local_table)
    assert total("ti", ("leaf", "internal"), 4) == sum(local_index)
    assert count("ti", "overflow") == sum(
        overflow_page_count(p, usable, table_leaf=False) for p in index_sizes)
    assert total("ti", ("overflow",), 4) == sum(index_sizes) - sum(local_index)

    # page by page, through the page schema
    data = path.read_bytes()
    for _name, pgno, kind, ncell, payload, unused, mx_payload, pgoffset in stat:
        if kind == "overflow":
            continue
        assert pgoffset == (pgno - 1) * page_size
        page = BTreePage.parse(data[pgoffset:pgoffset + page_size], pgno=pgno,
                               usable_size=usable)
        assert page.cell_count == ncell
        sizes = [c.get("payload_size", 0) for c in page.cells]
        assert sum(len(c.get("payload", b"")) for c in page.cells) == payload
        assert max(sizes, default=0) == mx_payload
        ptr_end = hdr_offset_for(pgno) + page.header_size + 2 * page.cell_count
        free = (page.cell_content_start - ptr_end + page.fragmented_free_bytes
                + sum(size for _, size in page.freeblocks))
        assert free == unused


@pytest.mark.parametrize("page_size", PAGE_SIZES)
def test_formulas_have_the_documented_shape(page_size):
    for reserved in (0, 32):
        u = usable_size(page_size, reserved)
        x_table = max_local(u, table_leaf=True)
        x_index = max_local(u, table_leaf=False)
        m = min_local(u)
        assert m < x_index <= x_table
        for table_leaf, x in ((True, x_table), (False, x_index)):
            assert local_payload_size(x, u, table_leaf=table_leaf) == x
            assert overflow_page_count(x, u, table_leaf=table_leaf) == 0
            spilled = local_payload_size(x + 1, u, table_leaf=table_leaf)
            assert m <= spilled <= x
            assert overflow_page_count(x + 1, u, table_leaf=table_leaf) == 1
