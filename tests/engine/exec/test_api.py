"""engine.connect() behaves like sqlite3.connect() for the read side: parameters and
their errors, cursor attributes, fetching, statement errors, writes refused."""

from __future__ import annotations

import sqlite3

import pytest

import engine

from .differential import compare


def outcome(connect, path, sql, params=()):
    con = connect(path)
    try:
        cur = con.execute(sql, params)
        return ("rows", cur.fetchall(), cur.description, cur.rowcount)
    except Exception as exc:  # noqa: BLE001 - compared below
        return ("error", _dbapi_class(exc), str(exc))
    finally:
        con.close()


def _dbapi_class(exc) -> str:
    """The DB-API class name of an exception (engine subclasses map to their base)."""
    names = {"Error", "Warning", "InterfaceError", "DatabaseError", "DataError",
             "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
             "NotSupportedError", "OverflowError", "TypeError", "ValueError"}
    for cls in type(exc).__mro__:
        if cls.__name__ in names:
            return cls.__name__
    return type(exc).__name__


BINDINGS = [
    ("SELECT ?, ?", (1, "a")),
    ("SELECT ?, ?", (1,)),
    ("SELECT ?", (1, 2)),
    ("SELECT ?2, ?1", (1, 2)),
    ("SELECT ?1, ?3", (1, 2, 3)),
    ("SELECT ?1, ?1", (7,)),
    ("SELECT :a, @b, $c", {"a": 1, "b": 2.5, "c": "x"}),
    ("SELECT :a, :a", {"a": b"\x00"}),
    ("SELECT :a", {"b": 1}),
    ("SELECT :a", (5,)),
    ("SELECT ?", {"a": 1}),
    ("SELECT ?, :a", {"a": 1}),
    ("SELECT ?", ([1],)),
    ("SELECT ?", 5),
    ("SELECT ?", "x"),
    ("SELECT ?", (True,)),
    ("SELECT ?", (bytearray(b"ab"),)),
    ("SELECT ?", (None,)),
    ("SELECT typeof(?), typeof(?), typeof(?)", (1, 1.0, "1")),
    ("SELECT ? + 1", (9223372036854775807,)),
    ("SELECT a FROM t WHERE a = ?", (3,)),
    ("SELECT a FROM t WHERE c = :c ORDER BY a", {"c": "x"}),
    ("SELECT 1", ()),
    ("SELECT 1", None),
]


@pytest.mark.parametrize("sql,params", BINDINGS)
def test_parameters_like_sqlite3(fixed_db, sql, params):
    want = outcome(sqlite3.connect, fixed_db, sql, params)
    got = outcome(engine.connect, fixed_db, sql, params)
    assert got == want


def test_int_too_large(fixed_db):
    for connect in (sqlite3.connect, engine.connect):
        con = connect(fixed_db)
        with pytest.raises(OverflowError):
            con.execute("SELECT ?", (2**64,))


STATEMENTS = [
    "",
    "-- only a comment",
    "SELECT 1; SELECT 2",
    "SELECT 1;",
    "SELEC 1",
    "SELECT 1 FROM",
    "SELECT (1",
]


@pytest.mark.parametrize("sql", STATEMENTS)
def test_statement_shapes_like_sqlite3(fixed_db, sql):
    want = outcome(sqlite3.connect, fixed_db, sql)
    got = outcome(engine.connect, fixed_db, sql)
    assert got == want


@pytest.mark.parametrize("sql", [
    "INSERT INTO t(a) VALUES (1000)",
    "UPDATE t SET b = 1",
    "DELETE FROM t",
    "CREATE TABLE z(a)",
    "DROP TABLE t",
    "CREATE INDEX zz ON t(b)",
    "ALTER TABLE t ADD COLUMN q",
])
def test_writes_raise_not_supported(fixed_db, sql):
    con = engine.connect(fixed_db)
    with pytest.raises(engine.NotSupportedError, match="not supported yet"):
        con.execute(sql)


def test_cursor_attributes_like_sqlite3(fixed_db):
    def attrs(connect):
        con = connect(fixed_db)
        cur = con.cursor()
        before = (cur.rowcount, cur.lastrowid, cur.arraysize, cur.description)
        cur.execute("SELECT a, c AS cc, 1+1 FROM t ORDER BY a LIMIT 5")
        desc = cur.description
        one = cur.fetchone()
        many = cur.fetchmany(2)
        cur.arraysize = 3
        rest = cur.fetchmany()
        after = cur.fetchone()
        again = list(cur.execute("SELECT a FROM t WHERE a < 4 ORDER BY a"))
        empty = cur.execute("SELECT a FROM t WHERE 0").fetchall()
        con.close()
        return before, desc, one, many, rest, after, cur.rowcount, again, empty
    assert attrs(engine.connect) == attrs(sqlite3.connect)


def test_closed_connection_and_cursor(fixed_db):
    for connect, err in ((sqlite3.connect, sqlite3.ProgrammingError),
                         (engine.connect, engine.ProgrammingError)):
        con = connect(fixed_db)
        cur = con.cursor()
        cur.close()
        with pytest.raises(err, match="Cannot operate on a closed cursor."):
            cur.execute("SELECT 1")
        con.close()
        with pytest.raises(err, match="Cannot operate on a closed database."):
            con.execute("SELECT 1")


def test_memory_database_and_context_manager():
    with engine.connect(":memory:") as con:
        assert con.execute("SELECT 1, 'a', NULL, 2.5, x'00'").fetchall() == [
            (1, "a", None, 2.5, b"\x00")]
        assert con.execute("SELECT count(*) FROM sqlite_schema").fetchall() == [(0,)]
        with pytest.raises(engine.OperationalError, match="no such table: t"):
            con.execute("SELECT * FROM t")
        con.commit()
        con.rollback()


def test_executescript_and_executemany(fixed_db):
    con = engine.connect(fixed_db)
    cur = con.executescript("SELECT 1; SELECT a FROM t;")
    assert cur.fetchall() == []
    with pytest.raises(engine.ProgrammingError):
        con.executemany("SELECT ?", [(1,), (2,)])


def test_readonly_missing_file(tmp_path):
    with pytest.raises(engine.OperationalError, match="unable to open database file"):
        engine.connect(tmp_path / "missing.db", readonly=True)


def test_statement_cache_with_two_open_cursors(fixed_db):
    # the same SQL on two cursors at once must not share state
    con = engine.connect(fixed_db)
    c1 = con.execute("SELECT a FROM t WHERE a < ? ORDER BY a", (5,))
    c2 = con.execute("SELECT a FROM t WHERE a < ? ORDER BY a", (3,))
    assert c1.fetchone() == (1,)
    assert c2.fetchall() == [(1,), (2,)]
    assert c1.fetchall() == [(2,), (3,), (4,)]


def test_params_via_compare(fixed_db):
    compare(fixed_db, "SELECT a, b FROM t WHERE b > ? AND c IS NOT ? ORDER BY a", (3, "x"))


@pytest.mark.parametrize("depth", [900, 999, 1001])
def test_deep_expressions_like_sqlite3(fixed_db, depth):
    sql = "SELECT " + "+".join(["a"] * depth) + ", " + " || ".join(["'x'"] * depth) + \
        " FROM t WHERE a < 3"
    want = outcome(sqlite3.connect, fixed_db, sql)
    got = outcome(engine.connect, fixed_db, sql)
    assert got == want
