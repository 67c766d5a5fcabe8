"""``engine.storage.Database.rows(table, columns=...)``: the projected scan, refereed by sqlite3.

A projected scan gives the rows of ``SELECT rowid, * FROM table`` with the
columns not asked for set to None; every asked-for column must equal what
sqlite3 returns, whatever the storage quirks (INTEGER PRIMARY KEY, REAL
columns holding integers, ALTER TABLE ADD COLUMN defaults, overflow pages).
Tables the projection cannot serve are read in full.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import CorruptError, storage

SCRIPT = """
CREATE TABLE t(id INTEGER PRIMARY KEY, k INT, r REAL, s TEXT, b BLOB, n);
INSERT INTO t VALUES (1, 10, 2, 'a', x'00ff', NULL);
INSERT INTO t VALUES (2, -5, 2.5, 'long' || hex(zeroblob(3000)), NULL, 1);
INSERT INTO t VALUES (5, 1, 0, NULL, x'', 3.25);
INSERT INTO t VALUES (9, 2147483648, -1e300, 'é', zeroblob(10), 'x');
ALTER TABLE t ADD COLUMN later TEXT DEFAULT 'dflt';
ALTER TABLE t ADD COLUMN lr REAL DEFAULT 7;
INSERT INTO t VALUES (10, 3, NULL, 'new', NULL, 0, 'set', 8);
CREATE TABLE w(a PRIMARY KEY, b) WITHOUT ROWID;
INSERT INTO w VALUES (1, 2), (3, 4);
CREATE TABLE g(a INT, b INT GENERATED ALWAYS AS (a * 2) STORED);
INSERT INTO g(a) VALUES (1), (2);
CREATE TABLE named(rowid TEXT, v);
INSERT INTO named VALUES ('r1', 1);
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("proj") / "p.db"
    con = sqlite3.connect(path)
    con.executescript(SCRIPT)
    con.commit()
    con.close()
    with storage.open(path) as d:
        yield path, d


def expected(path, table, columns):
    con = sqlite3.connect(path)
    try:
        full = con.execute(f"SELECT rowid, * FROM {table}").fetchall()
    finally:
        con.close()
    return [tuple(v if i == 0 or (i - 1) in columns else None for i, v in enumerate(row))
            for row in full]


@given(st.sets(st.integers(-1, 7)))
def test_projected_rows_equal_sqlite_columns(db, columns):
    path, d = db
    got = list(d.rows("t", columns=columns))
    want = expected(path, "t", columns | {0})  # the rowid alias is always the rowid
    assert [tuple(map(type, r)) for r in got] == [tuple(map(type, r)) for r in want]
    assert got == want


def test_full_projection_is_rows(db):
    _, d = db
    for table in ("t", "g", "named", "sqlite_schema"):
        n = len(next(iter(d.rows(table))))
        assert list(d.rows(table, columns=set(range(-1, n)))) == list(d.rows(table))


def test_tables_the_projection_cannot_serve_read_in_full(db):
    _, d = db
    for table in ("w", "g", "named"):
        assert list(d.rows(table, columns=set())) == list(d.rows(table))


def test_projected_scan_still_checks_every_record(tmp_path):
    path = tmp_path / "c.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t(a INT, b TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, "v" * 20) for i in range(50)])
    con.commit()
    con.close()
    data = bytearray(path.read_bytes())
    page2 = data[4096:8192]
    at = page2.rfind(bytes([3, 1, 53]))  # a record header: size 3, int8, 20-byte text
    assert at > 0
    data[4096 + at + 2] = 55  # the text now claims 21 bytes: the record runs past its cell
    path.write_bytes(bytes(data))
    with storage.open(path) as d:
        with pytest.raises(CorruptError):
            list(d.rows("t", columns={0}))
        with pytest.raises(CorruptError):
            list(d.rows("t"))
