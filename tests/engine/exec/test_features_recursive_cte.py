"""Differential tests of ORDER BY and LIMIT/OFFSET in a recursive common table
expression (sqlassay issue 5, feature 3; lang_with.html, generateWithRecursiveQuery in
select.c): with ORDER BY the queue is a priority queue (equal keys first in, first out),
LIMIT counts rows output and stops before the last one's recursive step, OFFSET skips
output but not the recursive steps, LIMIT 0 runs nothing.  Every case runs on the
engine and on stdlib sqlite3."""

from __future__ import annotations

import sqlite3

import pytest

import engine

from .differential import compare, run, typed_rows

SETUP = """
CREATE TABLE edge(a, b, w);
INSERT INTO edge VALUES(1,2,7),(1,3,9),(1,6,14),(2,3,10),(2,4,15),(3,4,11),(3,6,2),
    (4,5,6),(5,6,9),(6,5,9);
CREATE TABLE org(name TEXT PRIMARY KEY, boss TEXT, height INT);
INSERT INTO org VALUES('Alice',NULL,160),('Bob','Alice',180),('Cindy','Alice',170),
    ('Dave','Bob',175),('Emma','Bob',165),('Fred','Cindy',190),('Gail','Cindy',150);
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("recursive_cte") / "f.db"
    con = sqlite3.connect(path)
    con.executescript(SETUP)
    con.commit()
    con.close()
    return str(path)


R = "WITH RECURSIVE "
TREE = ("c(n, d) AS (SELECT 1, 0 UNION ALL SELECT n*2, d+1 FROM c WHERE d < 4 "
        "UNION ALL SELECT n*2+1, d+1 FROM c WHERE d < 4")
NULLS = ("c(n, s) AS (SELECT 0, 'b' UNION ALL SELECT n+1, CASE n % 3 WHEN 0 THEN 'A' "
         "WHEN 1 THEN 'a' ELSE NULL END FROM c WHERE n < 8")

ORDERED = [
    R + "c(n) AS (SELECT 1 AS n UNION ALL SELECT n+1 FROM c ORDER BY n LIMIT 5) "
    "SELECT * FROM c",
    R + "c(n) AS (SELECT 1 AS x UNION ALL SELECT n+1 AS n FROM c ORDER BY n LIMIT 5) "
    "SELECT * FROM c",
    R + "c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c ORDER BY 1 DESC LIMIT 5) "
    "SELECT * FROM c",
    R + "c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c ORDER BY n+1 LIMIT 5) "
    "SELECT * FROM c",
    R + TREE + " ORDER BY 2 DESC, 1 LIMIT 12) SELECT * FROM c",
    R + TREE + " ORDER BY 2, 1 DESC) SELECT * FROM c",
    R + TREE + " ORDER BY 2 DESC) SELECT * FROM c",
    R + TREE.replace("SELECT 1, 0", "SELECT 1 AS n, 0 AS d") + " ORDER BY d DESC) "
    "SELECT * FROM c",
    R + NULLS.replace("UNION ALL", "UNION") + " ORDER BY 2 COLLATE NOCASE, 1 DESC) "
    "SELECT * FROM c",
    R + NULLS + " ORDER BY 2 NULLS LAST, 1) SELECT * FROM c",
    R + NULLS + " ORDER BY 2 DESC NULLS FIRST, 1) SELECT * FROM c",
    R + "c(x) AS (SELECT 5 UNION SELECT x - 1 FROM c WHERE x > 0 UNION SELECT x % 3 "
    "FROM c ORDER BY 1 LIMIT 20) SELECT * FROM c",
    # depth-first and breadth-first walks of a tree (lang_with.html's examples)
    R + "under(name, level) AS (SELECT 'Alice', 0 UNION ALL SELECT org.name, "
    "under.level+1 FROM org JOIN under ON org.boss=under.name ORDER BY 2 DESC) "
    "SELECT substr('..........', 1, level*3) || name FROM under",
    R + "under(name, level) AS (SELECT 'Alice', 0 UNION ALL SELECT org.name, "
    "under.level+1 FROM org JOIN under ON org.boss=under.name ORDER BY 2) "
    "SELECT substr('..........', 1, level*3) || name FROM under",
    # shortest paths: the queue ordered by distance
    R + "p(node, dist) AS (SELECT 1, 0 UNION SELECT b, dist + w FROM p JOIN edge ON a = node "
    "ORDER BY 2 LIMIT 30) SELECT node, min(dist) FROM p GROUP BY node",
    "SELECT * FROM (" + R + "c(n) AS (SELECT 3 UNION ALL SELECT n-1 FROM c WHERE n > 0 "
    "ORDER BY 1 DESC) SELECT n FROM c) ORDER BY 1",
]

LIMITS = [
    R + "c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c LIMIT 0) SELECT * FROM c",
    R + "c(n) AS (SELECT json('x') UNION ALL SELECT n+1 FROM c LIMIT 0) SELECT * FROM c",
    R + "c(n) AS (SELECT 1 UNION ALL SELECT CASE WHEN n<3 THEN n+1 ELSE json('x') END "
    "FROM c LIMIT 3) SELECT * FROM c",
    R + "c(n) AS (SELECT 1 UNION ALL SELECT CASE WHEN n<3 THEN n+1 ELSE json('x') END "
    "FROM c LIMIT 4) SELECT * FROM c",
    R + "c(n) AS (SELECT 1 UNION ALL SELECT CASE WHEN n<3 THEN n+1 ELSE json('x') END "
    "FROM c LIMIT 1 OFFSET 2) SELECT * FROM c",
    R + "c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 5 LIMIT -1 OFFSET -3) "
    "SELECT * FROM c",
    R + "c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c ORDER BY 1 LIMIT (SELECT 3) "
    "OFFSET 1) SELECT * FROM c",
    R + "c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c LIMIT 4 OFFSET 10) SELECT * FROM c",
]

ERRORS = [
    R + "c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c ORDER BY n LIMIT 5) SELECT * FROM c",
    R + "c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n<3 ORDER BY 2 LIMIT 5) "
    "SELECT * FROM c",
    R + "c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c ORDER BY 1 LIMIT 'a') SELECT * FROM c",
]


@pytest.mark.parametrize("sql", ORDERED + LIMITS + ERRORS)
def test_recursive_cte_like_sqlite3(db, sql):
    compare(db, sql)


@pytest.mark.parametrize("sql", ORDERED[:-1] + LIMITS[2:])
def test_rows_come_in_queue_order(db, sql):
    """A scan of the CTE yields its rows in the order they leave the queue (sqlite3's
    order with no outer ORDER BY), so the order is compared too."""
    ref = run(sqlite3.connect, db, sql)
    got = run(engine.connect, db, sql)
    assert ref[0] == got[0] == "rows" or ref[0] == got[0] == "error"
    if ref[0] == "rows":
        assert typed_rows(got[2]) == typed_rows(ref[2])


def test_the_order_by_changes_the_rows(db):
    """Depth-first and breadth-first walks give different row orders (so the queue
    order is really exercised), and the errors are errors."""
    assert compare(db, ORDERED[12])[2] != compare(db, ORDERED[13])[2]
    assert all(compare(db, sql)[0] == "error" for sql in ERRORS)
