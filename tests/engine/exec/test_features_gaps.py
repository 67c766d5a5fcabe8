"""Differential tests of read-side gaps closed for sqlassay issue 5 (found by grepping
the executor for NotSupportedError): ``x IN table`` / ``x IN table-function(...)``, the
errors SQLite gives for a recursive CTE's recursive part (circular and multiple
references, aggregates, window functions, INTERSECT/EXCEPT there), INTERSECT/EXCEPT
among its initial arms, a WITH inside its body, and a recursive aggregate that used to
loop for ever.  Every case runs on the engine and on stdlib sqlite3."""

from __future__ import annotations

import sqlite3

import pytest

from .differential import compare

SETUP = """
CREATE TABLE t(a INT, b TEXT, c);
INSERT INTO t VALUES(1,'x',1.5),(2,'y',NULL),(NULL,'z','abc'),(3,NULL,X'01'),(2,'Y',2);
CREATE TABLE s(x INT, y TEXT COLLATE NOCASE, z);
INSERT INTO s VALUES(1,'X',1),(2,'y',2),(NULL,'z',3),(3,NULL,4),('2','y',5);
CREATE TABLE one(v INT);
INSERT INTO one VALUES(1),(2),(NULL),('3');
CREATE TABLE onet(w TEXT COLLATE NOCASE);
INSERT INTO onet VALUES('a'),('B'),('2');
CREATE VIEW onev AS SELECT v FROM one WHERE v > 1;
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("gaps") / "f.db"
    con = sqlite3.connect(path)
    con.executescript(SETUP)
    con.commit()
    con.close()
    return str(path)


IN_TABLE = [
    "SELECT a, a IN one, a NOT IN one FROM t",
    "SELECT b, b IN onet, b NOT IN onet FROM t",
    "SELECT a, a IN onev FROM t",
    "WITH q(z) AS (SELECT 2) SELECT a, a IN q FROM t",
    "SELECT a, '2' IN one, 'b' IN onet FROM t",
    "SELECT a FROM t WHERE a IN one",
    "SELECT x FROM s WHERE x NOT IN main.one",
    "SELECT 2 IN json_each('[1,2]'), 1 IN json_each('[1,2]')",
    "SELECT a IN t FROM t",
    "SELECT 1 IN zz",
    "SELECT 1 IN main.zz",
]

R = "WITH RECURSIVE c(n) AS ("
RECURSIVE = [
    R + "SELECT 1 INTERSECT SELECT n+1 FROM c WHERE n < 3) SELECT * FROM c",
    R + "SELECT 1 EXCEPT SELECT n+1 FROM c WHERE n < 3) SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 3 INTERSECT SELECT 2) SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 3 EXCEPT SELECT 2 UNION ALL "
    "SELECT n+5 FROM c WHERE n < 3) SELECT * FROM c",
    R + "WITH d AS (SELECT 1) SELECT * FROM d UNION ALL SELECT n+1 FROM c WHERE n < 3) "
    "SELECT * FROM c",
    R + "WITH d(x) AS (SELECT 1) SELECT x FROM d UNION ALL SELECT n+x FROM c, d WHERE n < 3) "
    "SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM c, c AS c2 WHERE n < 3) SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT (SELECT n+1 FROM c) WHERE 0) SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT max(n)+1 FROM c WHERE n < 3) SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT count(*) FROM c WHERE n < 3) SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 3 GROUP BY n) SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 3 UNION ALL SELECT count(*) FROM c) "
    "SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT row_number() OVER () + n FROM c WHERE n < 3) SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < (SELECT max(n) FROM c)) SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 3 AND EXISTS (SELECT 1 FROM c)) "
    "SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM (SELECT * FROM c) WHERE n < 3) SELECT * FROM c",
    R + "SELECT 1 INTERSECT SELECT 2 UNION ALL SELECT n+1 FROM c WHERE n < 3) SELECT * FROM c",
    R + "SELECT 2 EXCEPT SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 3) SELECT * FROM c",
    R + "SELECT 3 UNION SELECT 2 EXCEPT SELECT 3 UNION SELECT n+1 FROM c WHERE n < 5) "
    "SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 3 UNION ALL SELECT n+10 FROM c "
    "WHERE n < 2) SELECT * FROM c",
    R + "SELECT count(*) FROM t UNION ALL SELECT n+1 FROM c WHERE n < 7) SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM t JOIN c ON 1 WHERE n < 3) SELECT count(*) FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM (c) WHERE n < 3) SELECT * FROM c",
    R + "SELECT 1 UNION ALL SELECT n+1 FROM (c JOIN t ON a = n) WHERE n < 3) SELECT * FROM c",
    R + "SELECT 1 UNION ALL VALUES(2)) SELECT * FROM c",
]


@pytest.mark.parametrize("sql", IN_TABLE + RECURSIVE)
def test_closed_gaps_like_sqlite3(db, sql):
    compare(db, sql)
