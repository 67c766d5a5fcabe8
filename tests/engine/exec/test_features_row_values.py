"""Differential tests of row values with IN and subqueries (sqlassay issue 5, feature 1):
``(a, b) [NOT] IN (SELECT x, y ...)``, ``IN ((1, 2), (3, 4))`` (a VALUES subquery),
``(a, b) op (SELECT x, y)``; NULL semantics, the affinity and collation of each column,
a compound subquery's last arm, and the errors sqlite3 gives.  Every case runs on the
engine and on stdlib sqlite3 over one file written by sqlite3."""

from __future__ import annotations

import sqlite3

import pytest

from .differential import compare

SETUP = """
CREATE TABLE t(a INT, b TEXT, c);
INSERT INTO t VALUES(1,'x',1.5),(2,'y',NULL),(NULL,'z','abc'),(3,NULL,X'01'),(2,'Y',2);
CREATE TABLE s(x INT, y TEXT COLLATE NOCASE, z);
INSERT INTO s VALUES(1,'X',1),(2,'y',2),(NULL,'z',3),(3,NULL,4),('2','y',5);
CREATE TABLE e(p, q);
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("row_values") / "f.db"
    con = sqlite3.connect(path)
    con.executescript(SETUP)
    con.commit()
    con.close()
    return str(path)


IN_SUBQUERY = [
    "SELECT (a,b) IN (SELECT x,y FROM s) FROM t",
    "SELECT (a,b) NOT IN (SELECT x,y FROM s) FROM t",
    "SELECT * FROM t WHERE (a,b) IN (SELECT x,y FROM s)",
    "SELECT * FROM t WHERE (a,b) NOT IN (SELECT x,y FROM s)",
    "SELECT (a,b) IN (SELECT 1,'x') FROM t",
    "SELECT (a,b) IN (SELECT p,q FROM e), (a,b) NOT IN (SELECT p,q FROM e) FROM t",
    "SELECT (a, c) IN (SELECT x, z FROM s), (a, c) NOT IN (SELECT x, z FROM s) FROM t",
    "SELECT (a,b) IN (SELECT x,y FROM s ORDER BY 1 LIMIT 2) FROM t",
    "SELECT (a,b) IN (SELECT * FROM (SELECT x, y FROM s)) FROM t",
    "SELECT x, (x, z) IN (SELECT a, c FROM t WHERE a > s.x - 2) FROM s",
    "SELECT (SELECT 1,2) IN (SELECT 1,2)",
    "SELECT (SELECT x, y FROM s WHERE z=2) IN (SELECT a, b FROM t)",
    "SELECT (1,2) IN (SELECT 1,2 UNION SELECT 1, 3)",
]

NULLS = [
    # the NULL-left path compares without the affinity (applied only before the lookup)
    "SELECT (NULL, '2') IN (SELECT 1, x FROM s)",
    "SELECT (1, '2') IN (SELECT NULL, x FROM s)",
    "SELECT (NULL, '2') IN (SELECT 1, 2)",
    "SELECT (NULL, '3') IN (SELECT 1, x FROM s WHERE x=3)",
    "SELECT (NULL, '3') NOT IN (SELECT 1, x FROM s WHERE x=3)",
    "SELECT (1, '2') IN (SELECT 1, x FROM s)",
    "SELECT (1, '2') IN (SELECT 1, x FROM s WHERE x=3)",
    "SELECT (NULL, NULL) IN (SELECT 1, 2), (NULL, NULL) IN (SELECT 1, 2 WHERE 0)",
    "SELECT (1, NULL) NOT IN (SELECT 2, 3), (1, NULL) NOT IN (SELECT 1, 3)",
]

AFFINITY_COLLATION = [
    "SELECT (b, a) IN (SELECT y, x FROM s) FROM t",
    "SELECT (b COLLATE BINARY, a) IN (SELECT y, x FROM s) FROM t",
    "SELECT (y, x) IN (SELECT b, a FROM t) FROM s",
    "SELECT (y, x) IN (SELECT b COLLATE NOCASE, a FROM t) FROM s",
    "SELECT (c, b) IN (SELECT z, y FROM s) FROM t",
    # a compound subquery's columns: its last arm's affinity and collation
    "SELECT x, ('2', 1) IN (SELECT 1, 1 UNION SELECT x, 1) FROM s",
    "SELECT x, ('2', 1) IN (SELECT x, 1 UNION SELECT 1, 1) FROM s",
    "SELECT ('x',1) IN (SELECT y,1 FROM s WHERE x=1 UNION SELECT 'a', 2)",
    "SELECT ('x',1) IN (SELECT 'a', 2 UNION SELECT y,1 FROM s WHERE x=1)",
    "SELECT x, '2' IN (SELECT 1 UNION SELECT x) FROM s",
    "SELECT x, '2' IN (SELECT x UNION SELECT 1) FROM s",
    "SELECT x, '2' = (SELECT x UNION ALL SELECT 'a') FROM s",
    "SELECT x, '2' = (SELECT 'a' UNION ALL SELECT x) FROM s",
    "SELECT 'x' IN (SELECT y FROM s WHERE x=1 UNION SELECT 'a')",
    # a scalar subquery has no collation in a comparison; a row-value field has its own
    "SELECT 'x' = (SELECT y FROM s WHERE x=1), (SELECT y FROM s WHERE x=1) = 'x'",
    "SELECT 'x' = (SELECT 'X' COLLATE NOCASE)",
    "SELECT ('x',1) = (SELECT y,1 FROM s WHERE x=1)",
    "SELECT q.column1, '1' = q.column1 FROM (VALUES(CAST(1 AS TEXT)),(2)) q",
]

VALUES_LISTS = [
    "SELECT (1,2) IN ((1,2))",
    "SELECT (1,2) IN ((1,2),(3,4)), (1,2) NOT IN ((3,4),(5,6))",
    "SELECT (a,b) IN ((1,'x'),(2,'Y')) FROM t",
    "SELECT (a,b) IN ((1,'x'),(NULL,'y')) FROM t",
    "SELECT (1,2) IN (VALUES(1,2))",
    "SELECT (a,b) IN (VALUES(1,2)) FROM t",
    "SELECT x, (1, '2') IN (VALUES(1,'x'),(1,x)) FROM s",
    "SELECT x, (1, '2') IN (VALUES(1,x),(1,'x')) FROM s",
    "SELECT x, (1, '2') IN ((1,'x'),(1,x)) FROM s",
    "SELECT (1,2) IN (), (1,2) NOT IN ()",
]

COMPARE = [
    "SELECT (a,b) = (SELECT x,y FROM s) FROM t",
    "SELECT (a,b) = (SELECT x,y FROM s WHERE x=a) FROM t",
    "SELECT (a,b) < (SELECT x,y FROM s WHERE x=a) FROM t",
    "SELECT (a,b) <> (SELECT x,y FROM s WHERE x=a), (a,b) >= (SELECT x,y FROM s WHERE x=a) "
    "FROM t",
    "SELECT (1,2) < (SELECT 1,3), (1,2) > (SELECT 1,NULL), (1,2) = (SELECT 1,2 WHERE 0)",
    "SELECT (SELECT 1,2) = (1,2), (SELECT 1,2) = (SELECT 1,2), (SELECT 1) = (SELECT 1)",
    "SELECT (SELECT * FROM s WHERE x=1) = (1, 'x', 1)",
    "SELECT (SELECT * FROM s WHERE x=1) IN (SELECT * FROM s)",
    "SELECT (1,2,3) > (1,2,NULL), (1,2,3) = (1,NULL,4), (1,NULL,3) < (2,1,1)",
    "SELECT a FROM t WHERE (a, b) > (SELECT 1, 'x') ORDER BY a, b",
]

ERRORS = [
    "SELECT (a,b) IN (SELECT x FROM s) FROM t",
    "SELECT (1,2) IN (SELECT 1,2,3)",
    "SELECT 1 IN (SELECT 1, 2)",
    "SELECT (1,2) IN ((1,2),3)",
    "SELECT (1,2) IN (1)",
    "SELECT (1,2,3) IN ((1,2))",
    "SELECT (1,2) IN ((SELECT 1,2))",
    "SELECT 1 IN ((1,2))",
    "SELECT (1,2) = (SELECT 1)",
    "SELECT (SELECT 1,2) = 5",
    "SELECT (SELECT 1,2)",
    "SELECT (1,2) = (1,2,3)",
]


@pytest.mark.parametrize(
    "sql", IN_SUBQUERY + NULLS + AFFINITY_COLLATION + VALUES_LISTS + COMPARE + ERRORS)
def test_row_values_like_sqlite3(db, sql):
    compare(db, sql)


def test_the_cases_cover_errors_and_rows(db):
    """The lists hold both outcomes: rows and sqlite3's errors."""
    outcomes = [compare(db, sql)[0] for sql in ERRORS + NULLS]
    assert outcomes.count("error") == len(ERRORS)
    assert outcomes.count("rows") == len(NULLS)
