"""The planner: EXPLAIN QUERY PLAN in SQLite's words for the plans both choose, seeks
that return what scans return, and a 20-table equality join that finishes quickly."""

from __future__ import annotations

import sqlite3
import time

import pytest

import engine

from .differential import compare

SAME_PLAN = [
    "SELECT * FROM t",
    "SELECT * FROM t WHERE a = 5",
    "SELECT * FROM t AS z WHERE a = 5",
    "SELECT * FROM t WHERE a > 5",
    "SELECT * FROM t WHERE a > 5 AND a < 9",
    "SELECT * FROM t WHERE b = 3",
    "SELECT b FROM t WHERE b = 3",
    "SELECT * FROM t WHERE c = ? AND d > 1",
    "SELECT * FROM t WHERE b > 3",
    "SELECT * FROM t ORDER BY a",
    "SELECT * FROM t ORDER BY c",
    "SELECT * FROM emp JOIN dept ON emp.dept = dept.id",
    "SELECT * FROM dept JOIN emp ON emp.dept = dept.id",
    "SELECT * FROM t, u WHERE t.a = u.x",
    "SELECT * FROM t LEFT JOIN u ON t.b = u.x",
    "SELECT x FROM u WHERE y = ?",
    "SELECT * FROM w WHERE k = ?",
    "SELECT 1",
    "SELECT count(*) FROM t",
    "SELECT DISTINCT c FROM t",
    "SELECT * FROM t WHERE a IN (1, 2, 3)",
    "SELECT b, a FROM t WHERE b IN (3, 1)",
    "SELECT a FROM t WHERE b IN (SELECT x FROM u WHERE u.y = t.c)",
    "SELECT (SELECT 1), (SELECT 2) FROM emp",
    "SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.b)",
    "SELECT (SELECT max(x) FROM u WHERE x > (SELECT 1)) FROM emp",
]


def plan(connect, path, sql):
    """Each plan line as (detail, position of its parent line or None): the tree, not the
    ids (which are bytecode addresses in SQLite)."""
    con = connect(path)
    try:
        params = (1,) * sql.count("?")
        rows = con.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    finally:
        con.close()
    position = {row[0]: i for i, row in enumerate(rows)}
    return [(row[3], position.get(row[1])) for row in rows]


@pytest.mark.parametrize("sql", SAME_PLAN)
def test_explain_query_plan_wording(fixed_db, sql):
    assert plan(engine.connect, fixed_db, sql) == plan(sqlite3.connect, fixed_db, sql)


def test_explain_query_plan_columns(fixed_db):
    con = engine.connect(fixed_db)
    cur = con.execute("EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1")
    assert [d[0] for d in cur.description] == ["id", "parent", "notused", "detail"]
    rows = cur.fetchall()
    assert all(isinstance(r[0], int) and r[2] == 0 for r in rows)


SEEKS = [
    "SELECT * FROM t WHERE a = 17",
    "SELECT * FROM t WHERE a = '17'",
    "SELECT * FROM t WHERE a = 17.0",
    "SELECT * FROM t WHERE a = 17.5",
    "SELECT * FROM t WHERE a = 'x'",
    "SELECT * FROM t WHERE a = NULL",
    "SELECT * FROM t WHERE a >= 55",
    "SELECT * FROM t WHERE a > 55.5",
    "SELECT * FROM t WHERE a < '3'",
    "SELECT * FROM t WHERE a > 9223372036854775807",
    "SELECT * FROM t WHERE a < -9223372036854775808",
    "SELECT * FROM t WHERE b = 4",
    "SELECT * FROM t WHERE b = '4'",
    "SELECT * FROM t WHERE b = 4.0",
    "SELECT * FROM t WHERE b > 6",
    "SELECT * FROM t WHERE b < 2",
    "SELECT * FROM t WHERE b >= 2 AND b <= 3",
    "SELECT * FROM t WHERE b IS NULL",
    "SELECT b, a FROM t WHERE b = 5",
    "SELECT c, d FROM t WHERE c = 'x' AND d > 3",
    "SELECT c, d FROM t WHERE c = 'x' AND d <= 10",
    "SELECT c FROM t WHERE c = 12",
    "SELECT c FROM t WHERE c = 'X' COLLATE NOCASE",
    "SELECT * FROM u WHERE y = 'abc'",
    "SELECT * FROM u WHERE y = 'ABC'",
    "SELECT * FROM u WHERE x = 3",
    "SELECT * FROM w WHERE k = 'k07'",
    "SELECT * FROM w WHERE k = 'K07'",
    "SELECT a, c FROM t ORDER BY c, d, a",
    "SELECT a FROM t WHERE b = ? ORDER BY a",
    "SELECT * FROM t WHERE a IN (3, 1, 99, '2', 2.0, 2.5, NULL)",
    "SELECT b, a FROM t WHERE b IN (3, 1, '2')",
    "SELECT a FROM t WHERE c IN ('x', 12, NULL)",
    "SELECT * FROM emp WHERE id IN (3, 4) AND dept = 2",
    "SELECT y FROM u WHERE y IN ('abc', 'X')",
    "SELECT * FROM w WHERE k IN ('k01', 'k03')",
]


@pytest.mark.parametrize("sql", SEEKS)
def test_seeks_agree_with_sqlite3(fixed_db, sql):
    compare(fixed_db, sql, (4,) * sql.count("?"))


def test_twenty_table_equality_join(tmp_path):
    path = tmp_path / "chain.db"
    con = sqlite3.connect(path)
    n = 20
    for i in range(n):
        con.execute(f"CREATE TABLE c{i}(id INTEGER PRIMARY KEY, nxt INT, v TEXT)")
        con.executemany(f"INSERT INTO c{i} VALUES (?, ?, ?)",
                        [(k, (k * 7 + i) % 50 + 1, f"{i}-{k}") for k in range(1, 51)])
    con.commit()
    con.close()
    tables = ", ".join(f"c{i}" for i in reversed(range(n)))
    where = " AND ".join(f"c{i}.nxt = c{i + 1}.id" for i in range(n - 1))
    sql = f"SELECT c0.id, c{n - 1}.v FROM {tables} WHERE {where} AND c0.id <= 10"
    start = time.perf_counter()
    compare(path, sql)
    assert time.perf_counter() - start < 10
