"""engine.schema: the catalog agrees with sqlite3's own PRAGMA table_xinfo / index_xinfo."""

from __future__ import annotations

import sqlite3

import pytest

import engine.storage as storage
from engine import CorruptError
from engine.schema import Catalog

SCHEMAS = [
    "CREATE TABLE a(id INTEGER PRIMARY KEY, x TEXT NOT NULL DEFAULT 'q', y REAL COLLATE NOCASE)",
    "CREATE TABLE b(id INT PRIMARY KEY, u UNIQUE, v, UNIQUE(v, u), UNIQUE(u))",
    "CREATE TABLE c(k TEXT COLLATE RTRIM, n, PRIMARY KEY(n DESC, k), UNIQUE(n)) WITHOUT ROWID",
    "CREATE TABLE d(x INTEGER PRIMARY KEY DESC, y UNIQUE)",
    "CREATE TABLE e(x INTEGER, y, PRIMARY KEY(x DESC))",
    "CREATE TABLE f(a VARCHAR(20), b DOUBLE PRECISION, c DECIMAL(10,5), d, e BOOLEAN, "
    "g FLOATING POINT, h CHARINT)",
    "CREATE TABLE g(a INTEGER, b INTEGER GENERATED ALWAYS AS (a + 1) VIRTUAL, "
    "c AS (a * 2) STORED)",
    "CREATE TABLE h(a ANY, b INT, c TEXT, d BLOB, e REAL, f INTEGER) STRICT",
    'CREATE TABLE "quoted ""name"" t"([a b] INTEGER PRIMARY KEY, "c" UNIQUE COLLATE NOCASE)',
    "CREATE TABLE i(a, b, c)",
    "CREATE INDEX i1 ON i(a COLLATE NOCASE DESC, b)",
    "CREATE UNIQUE INDEX i2 ON i(c) WHERE c IS NOT NULL",
    "CREATE INDEX i3 ON i(a + b, lower(c) COLLATE RTRIM)",
    "CREATE INDEX i4 ON c(k)",
    "CREATE INDEX i5 ON a(y)",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "s.db"
    con = sqlite3.connect(path)
    for sql in SCHEMAS:
        con.execute(sql)
    con.commit()
    con.close()
    with storage.open(path) as db:
        yield path, db


def _tables(path):
    con = sqlite3.connect(path)
    names = [r[0] for r in con.execute("select name from sqlite_schema where type='table'")]
    con.close()
    return names


def test_columns_match_table_xinfo(db):
    path, ours = db
    con = sqlite3.connect(path)
    for name in _tables(path):
        t = ours.catalog.table(name)
        info = con.execute(f"pragma table_xinfo({name!r})").fetchall()
        assert [c.name for c in t.columns] == [r[1] for r in info]
        assert [c.decl_type or "" for c in t.columns] == [r[2] for r in info]
        assert [int(c.not_null) for c in t.columns] == [r[3] for r in info]
        hidden = {None: 0, "VIRTUAL": 2, "STORED": 3}
        assert [hidden[c.generated] for c in t.columns] == [r[6] for r in info]
        pk_order = {ic.column: k + 1 for k, ic in enumerate(t.primary_key)}
        assert [pk_order.get(i, 0) for i in range(len(t.columns))] == [r[5] for r in info]
        assert [c.has_default for c in t.columns] == [r[4] is not None for r in info]
    con.close()


def test_affinity_matches_sqlite3(db):
    path, ours = db
    con = sqlite3.connect(path)
    t = ours.catalog.table("f")
    # the affinity sqlite3 applies: store the text '12' and look at what comes back
    con.execute("insert into f values ('12','12','12','12','12','12','12')")
    stored = con.execute("select typeof(a), typeof(b), typeof(c), typeof(d), typeof(e), "
                         "typeof(g), typeof(h) from f").fetchone()
    expect = {"TEXT": "text", "REAL": "real", "NUMERIC": "integer", "INTEGER": "integer",
              "BLOB": "text"}
    assert [expect[c.affinity] for c in t.columns] == list(stored)
    con.close()


def test_rowid_alias_matches_sqlite3(db):
    path, ours = db
    con = sqlite3.connect(path)
    for name in _tables(path):
        t = ours.catalog.table(name)
        if t.without_rowid:
            continue
        # sqlite3 agrees that a column aliases the rowid when PRAGMA index_list has no pk index
        # for it and table_xinfo marks it pk: cross-check by inserting a row
        cols = ", ".join(f'"{c.name}"' for c in t.columns if c.generated is None)
        n = sum(1 for c in t.columns if c.generated is None)
        con.execute("savepoint s")
        vals = ", ".join(["7"] * n) if name != "h" else "7, 7, '7', x'07', 7.0, 7"
        con.execute(f'insert into "{name.replace(chr(34), chr(34) * 2)}"({cols}) values ({vals})')
        rowid = con.execute(f'select max(rowid) from "{name.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
        con.execute("rollback to s")
        con.execute("release s")
        assert (rowid == 7) == (t.rowid_alias is not None), name
    con.close()


def test_indexes_match_index_xinfo(db):
    path, ours = db
    con = sqlite3.connect(path)
    names = [r[0] for r in con.execute("select name from sqlite_schema where type='index'")]
    assert any(n.startswith("sqlite_autoindex") for n in names)
    for name in names:
        ix = ours.catalog.index(name)
        info = [r for r in con.execute(f"pragma index_xinfo({name!r})") if r[5] == 1]
        assert [c.column for c in ix.columns] == [r[1] for r in info], name
        assert [c.desc for c in ix.columns] == [bool(r[3]) for r in info], name
        assert [c.collation for c in ix.columns] == [r[4].upper() for r in info], name
        unique = {r[1]: r[2] for r in con.execute(
            f"pragma index_list({ix.table!r})")}[name]
        assert ix.unique == bool(unique), name
    assert ours.catalog.index("i2").partial and not ours.catalog.index("i1").partial
    con.close()


@pytest.mark.parametrize("row", [
    ("table", "t", "t", 2, "CREATE TABLE t("),
    ("table", "t", "t", 2, None),
    ("table", "t", "t", "2", "CREATE TABLE t(a)"),
    ("table", "t", "t", 2, "CREATE INDEX t ON x(a)"),
    ("widget", "t", "t", 2, "CREATE TABLE t(a)"),
])
def test_bad_schema_entry_is_corrupt_when_used(row):
    cat = Catalog([row, ("table", "ok", "ok", 3, "CREATE TABLE ok(a)"),
                   ("index", "i", "ok", 4, "CREATE INDEX i ON ok(")])
    with pytest.raises(CorruptError) as exc:
        cat.table("t")
    assert exc.value.page == 1
    with pytest.raises(CorruptError):
        cat.index("i")
    assert [c.name for c in cat.table("ok").columns] == ["a"]
