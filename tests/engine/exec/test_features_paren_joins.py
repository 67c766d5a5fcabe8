"""Differential tests of parenthesized joins in FROM (sqlassay issue 5, feature 5).

parse.y's seltablist rule: "(a JOIN b ...)" opening FROM with no alias is spliced in as
its items; "(item)" elsewhere is the item under the outer alias (its own alias lost);
any other parenthesized join is a subquery marked SF_NestedFrom, whose columns answer to
their own tables' names, whose unqualified names must be unique, whose USING/NATURAL
columns come first (the right copies not expanded by "*"), and whose alias names the
deduplicated columns ("x:1").  Every case runs on the engine and on stdlib sqlite3."""

from __future__ import annotations

import sqlite3

import pytest

from .differential import compare

SETUP = """
CREATE TABLE t(a INT, b TEXT, c);
INSERT INTO t VALUES(1,'x',1.5),(2,'y',NULL),(NULL,'z','abc'),(3,NULL,X'01'),(2,'Y',2);
CREATE TABLE s(x INT, y TEXT COLLATE NOCASE, z);
INSERT INTO s VALUES(1,'X',1),(2,'y',2),(NULL,'z',3),(3,NULL,4),('2','y',5);
CREATE TABLE m(k, v);
INSERT INTO m VALUES(1,'a'),('b',2),(X'00',3),(2.5,'c'),(NULL,4),('a',5),(3,6),('c',7);
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("paren_joins") / "f.db"
    con = sqlite3.connect(path)
    con.executescript(SETUP)
    con.commit()
    con.close()
    return str(path)


SPLICED = [
    "SELECT * FROM (t JOIN s ON a=x) JOIN m ON k=a",
    "SELECT * FROM ((s JOIN t ON a=x))",
    "SELECT * FROM (s JOIN t ON a=x) NATURAL JOIN (t AS t2 JOIN m ON t2.a=k)",
    "SELECT t.a, s.y FROM (t LEFT JOIN s ON a=x) ORDER BY 1, 2",
    "SELECT * FROM (s)",
    "SELECT * FROM (s AS s1)",
    "SELECT s1.x FROM (s AS s1)",
]

NESTED = [
    "SELECT * FROM t LEFT JOIN (s JOIN m ON x=k) ON a=x",
    "SELECT s.x, m.k, t.a FROM t LEFT JOIN (s JOIN m ON x=k) ON a=x",
    "SELECT * FROM m LEFT JOIN (s LEFT JOIN t ON a=x) ON k=z",
    "SELECT * FROM m LEFT JOIN (s JOIN t ON a=x) ON k=x WHERE b IS NULL",
    "SELECT count(*), sum(x) FROM m LEFT JOIN (s JOIN t ON a=x) ON k=x",
    "SELECT * FROM m RIGHT JOIN (s JOIN t ON a=x) ON k=x",
    "SELECT * FROM m JOIN (s, t) ON k=z AND a=x",
    "SELECT * FROM m, (s JOIN t ON a=x) WHERE k=z",
    "SELECT * FROM m NATURAL JOIN (s JOIN t ON a=x)",
    "SELECT * FROM m JOIN (s JOIN t ON a=x) USING (z)",
    "SELECT * FROM m JOIN ((s JOIN t ON a=x) JOIN t AS t3 ON t3.a=s.x) ON k=x",
    "SELECT (SELECT count(*) FROM m JOIN (s JOIN t ON a=x) ON k=x WHERE x=m2.k) FROM m AS m2",
    "SELECT * FROM m JOIN (s JOIN (SELECT 1 AS w) ON w=x) ON k=x",
    "SELECT * FROM m JOIN (s JOIN (SELECT 1 AS w) AS sq ON w=x) ON k=x",
    "SELECT rowid FROM m JOIN (s JOIN t ON a=x) ON k=x",
    "SELECT s.rowid FROM m JOIN (s JOIN t ON a=x) ON k=x",
]

NAMES = [
    # an alias names the deduplicated columns; the tables' own names still work
    "SELECT * FROM t JOIN (s JOIN m ON x=k) AS q ON a=q.x",
    "SELECT s.x FROM t JOIN (s JOIN m ON x=k) AS q ON a=q.x",
    "SELECT q.* FROM t JOIN (s JOIN m ON x=k) AS q ON a=q.x",
    "SELECT m.* FROM t JOIN (s JOIN m ON x=k) AS q ON a=q.x",
    "SELECT * FROM (t JOIN s ON a=x) AS q",
    "SELECT x FROM t JOIN (s JOIN s AS s2 ON s.x=s2.x) ON a=s.x",
    "SELECT * FROM t JOIN (s JOIN s AS s2 ON s.x=s2.x) ON a=s.x",
    "SELECT s2.*, t.* FROM t JOIN (s JOIN s AS s2 ON s.x=s2.x) ON a=s.x",
    'SELECT q.y, q."y:1" FROM t JOIN (s JOIN s AS s2 ON s.x=s2.x) AS q ON a=s.x',
    # "(item)" after the first item: the outer alias only
    "SELECT * FROM m JOIN (s) ON k=x",
    "SELECT s1.x FROM m JOIN (s AS s1) ON k=x",
    "SELECT s.x FROM m JOIN (s AS s1) ON k=x",
    "SELECT * FROM (s AS s1) AS q",
    "SELECT q.x FROM (s AS s1) AS q",
    "SELECT s1.x FROM (s AS s1) AS q",
    "SELECT * FROM m, ((SELECT 1 AS w) AS z) WHERE w = k",
    "SELECT * FROM m, ((SELECT 1 AS w) AS z) WHERE z.w = k",
]

USING_INSIDE = [
    "SELECT * FROM m JOIN (s JOIN (SELECT 1 AS x) USING(x)) ON k=x",
    "SELECT * FROM m JOIN (s NATURAL JOIN (SELECT 1 AS x, 'X' AS y)) ON k=x",
    "SELECT * FROM t JOIN (s JOIN s AS s2 USING(x)) ON a=x",
    "SELECT s.*, s2.* FROM t JOIN (s JOIN s AS s2 USING(x)) ON a=s2.x",
    "SELECT s2.x, s.x, x FROM t JOIN (s JOIN s AS s2 USING(x)) ON a=s2.x",
    "SELECT * FROM m LEFT JOIN (s NATURAL JOIN s AS s2) ON k=x",
    "SELECT * FROM m JOIN (s RIGHT JOIN s AS s2 USING(x)) ON k=x",
    "SELECT * FROM m JOIN (s FULL JOIN (SELECT 1 AS x, 'q' AS w) USING(x)) "
    "ON k=x OR x IS NULL",
    "SELECT * FROM m JOIN (s JOIN s AS s2 USING(x, y) JOIN s AS s3 USING (z)) ON k=x",
    "SELECT x, y, z, s3.z FROM m JOIN (s JOIN s AS s2 USING(x, y) JOIN s AS s3 USING (z)) "
    "ON k=x",
]

ERRORS = [
    "SELECT * FROM t JOIN (s JOIN s AS s2 USING(x)) USING (x)",
    "SELECT * FROM m JOIN (s JOIN t USING(rowid)) ON k=x",
    "SELECT * FROM m JOIN (s JOIN zz ON 1) ON 1",
    "SELECT nope.x FROM m JOIN (s JOIN t ON a=x) ON k=x",
]


@pytest.mark.parametrize("sql", SPLICED + NESTED + NAMES + USING_INSIDE + ERRORS)
def test_parenthesized_joins_like_sqlite3(db, sql):
    compare(db, sql)


def test_errors_are_errors(db):
    assert all(compare(db, sql)[0] == "error" for sql in ERRORS)
