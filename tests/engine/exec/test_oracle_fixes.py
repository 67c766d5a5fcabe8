"""Differential tests of the oracle's findings fixed in the executor (sqlassay issue 5):
each case runs on the engine and on stdlib sqlite3 over the same file written by sqlite3,
and the outcomes (rows with their types, or error class and message) must agree."""

from __future__ import annotations

import sqlite3

import pytest

from .differential import compare

SETUP = """
CREATE TABLE r(c0 INTEGER PRIMARY KEY, c1 CLOB);
INSERT INTO r VALUES(1, 'a'), (9223372036854775807, 'b'), (-9223372036854775808, 'c');
CREATE TABLE n(c0 INTEGER PRIMARY KEY, c1, c2 TEXT);
INSERT INTO n VALUES(-9223372036854775808, 7, 'x');
CREATE TABLE z(c0 COLLATE NOCASE);
INSERT INTO z VALUES(-27.0), (9223372036854775807), (0);
CREATE TABLE g(c0 INT, c1);
INSERT INTO g VALUES(1, 2), (3, NULL);
CREATE TABLE e(c0, c1);
CREATE TABLE v(a);
INSERT INTO v VALUES(0.0), (0);
CREATE TABLE w(a);
INSERT INTO w VALUES(0), (0.0);
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("oracle_fixes") / "f.db"
    con = sqlite3.connect(path)
    con.executescript(SETUP)
    con.commit()
    con.close()
    return str(path)


# (b) a rowid compared with +-inf or a real beyond int64 (seek paths)
ROWID_SEEK = [
    "SELECT c1 FROM r WHERE c0 = 1e999",
    "SELECT c1 FROM r WHERE c0 = -1e999",
    "SELECT c1 FROM r WHERE c0 > -1e999",
    "SELECT c1 FROM r WHERE c0 >= 1e999",
    "SELECT c1 FROM r WHERE c0 < 1e999",
    "SELECT c1 FROM r WHERE c0 <= -1e999",
    "SELECT c1 FROM r WHERE c0 BETWEEN -1e999 AND 1e999",
    "SELECT c1 FROM r WHERE c0 > '-1e999'",
    "SELECT c1 FROM r WHERE c0 = '1e999'",
    "SELECT c1 FROM r WHERE c0 >= 9.3e18",
    "SELECT c1 FROM r WHERE c0 > -9.3e18",
    "SELECT c1 FROM r WHERE c0 IN (1e999, 1.0, -1e999, 9.3e18)",
    "SELECT c1 FROM r AS a1 WHERE a1.c0 = 1e999",
]

# 2. the minus of an integer literal is part of the literal (codeInteger's negFlag)
NEGATIVE_LITERALS = [
    "SELECT -9223372036854775808, typeof(-9223372036854775808)",
    "SELECT - 9223372036854775808, -(9223372036854775808), -00009223372036854775808",
    "SELECT -9223372036854775809, - -9223372036854775808, -'9223372036854775808'",
    "SELECT -0xffffffffffffffff, -0x7fffffffffffffff, -9223372036854775808.0",
    "SELECT -0x8000000000000000",
    "SELECT -0x18000000000000000",
    "SELECT c1 FROM r WHERE c0 = -9223372036854775808",
    "SELECT c0 = -9223372036854775808, c2 > -9223372036854775808 FROM n",
]


# (c) which of two equal rows (0 and 0.0) a compound keeps: the last stored in the
# ephemeral index without ORDER BY (an arm's own DISTINCT is dropped there), the merge's
# choice with ORDER BY
COMPOUND_SURVIVOR = [
    "SELECT a FROM v UNION SELECT 5",
    "SELECT DISTINCT a FROM v UNION SELECT 5",
    "SELECT a FROM w UNION SELECT 0",
    "SELECT DISTINCT a FROM v",
    "SELECT a FROM v UNION ALL SELECT 5 UNION SELECT 6",
    "SELECT a FROM v EXCEPT SELECT 5",
    "SELECT a FROM v INTERSECT SELECT 0.0",
    "SELECT DISTINCT a FROM v UNION ALL SELECT a FROM w",
    "SELECT DISTINCT a FROM w UNION ALL SELECT a FROM v UNION SELECT 4",
    "SELECT * FROM (SELECT a FROM v UNION SELECT 5) WHERE a < 3",
    "SELECT a FROM v UNION SELECT a FROM w ORDER BY 1",
    "SELECT a FROM w UNION SELECT a FROM v ORDER BY 1",
    "SELECT a FROM v UNION SELECT 3 ORDER BY 1",
    "SELECT a FROM w UNION SELECT 3 ORDER BY 1",
    "SELECT a FROM w EXCEPT SELECT 3 ORDER BY 1",
    "SELECT a FROM v INTERSECT SELECT a FROM w ORDER BY 1",
    "SELECT a FROM w INTERSECT SELECT a FROM v ORDER BY 1",
    "SELECT DISTINCT a FROM w UNION ALL SELECT DISTINCT a FROM v ORDER BY 1",
    "SELECT a, 1 FROM v UNION SELECT a, 2 FROM w ORDER BY 2, 1",
    "SELECT DISTINCT NULL, NULL, (a1.c0 - a1.c0) FROM z AS a1 UNION "
    "SELECT a4.c0, a2.c0, a4.c0 FROM z AS a2 CROSS JOIN z AS a4",
]


@pytest.mark.parametrize("sql", ROWID_SEEK + NEGATIVE_LITERALS + COMPOUND_SURVIVOR)
def test_agrees_with_sqlite3(db, sql):
    compare(db, sql)
