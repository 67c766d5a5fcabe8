"""Fixtures of the executor's differential tests: a fixed database made by sqlite3."""

from __future__ import annotations

import random
import sqlite3

import pytest

SCHEMA = """
CREATE TABLE t(a INTEGER PRIMARY KEY, b INT, c TEXT, d REAL, e BLOB, f NUMERIC, g);
CREATE INDEX t_b ON t(b);
CREATE INDEX t_cd ON t(c, d);
CREATE TABLE u(x INTEGER, y TEXT COLLATE NOCASE, z);
CREATE INDEX u_x ON u(x);
CREATE UNIQUE INDEX u_y ON u(y);
CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE emp(id INTEGER PRIMARY KEY, name TEXT, dept INT, salary REAL, boss INT);
CREATE INDEX emp_dept ON emp(dept);
CREATE TABLE dept(id INTEGER PRIMARY KEY, title TEXT);
CREATE TABLE emptyt(p, q);
CREATE VIEW vt AS SELECT a, b * 2 AS b2, c FROM t WHERE b IS NOT NULL;
CREATE VIEW vemp(who, pay) AS SELECT name, salary FROM emp;
"""

_TEXTS = ["x", "X", "y", "abc", "ABC", "12", " 12", "1.5", "", "z ", "z", "héllo", "0x10"]


def _value(rng: random.Random):
    k = rng.randrange(7)
    if k == 0:
        return None
    if k == 1:
        return rng.randrange(-5, 40)
    if k == 2:
        return rng.choice([0.5, -2.25, 3.0, 1e100, 7.125])
    if k == 3:
        return rng.choice(_TEXTS)
    if k == 4:
        return rng.choice([b"", b"\x00\x01", b"x"])
    if k == 5:
        return rng.choice([9223372036854775807, -9223372036854775808, 2**53 + 1])
    return rng.randrange(5)


def build(path) -> None:
    rng = random.Random(20261121)
    con = sqlite3.connect(path)
    con.executescript(SCHEMA)
    for a in range(1, 61):
        b = rng.choice([None, rng.randrange(10)])
        c = rng.choice(_TEXTS + [None])
        d = rng.choice([None, rng.randrange(100) / 4, rng.randrange(5)])
        con.execute("INSERT INTO t VALUES (?,?,?,?,?,?,?)",
                    (a, b, c, d, rng.choice([None, b"\x01", b"ab"]), _value(rng), _value(rng)))
    ys = set()
    for i in range(30):
        y = rng.choice(_TEXTS + ["w" + str(i)])
        if y.lower() in ys:
            y = f"u{i}"
        ys.add(y.lower())
        con.execute("INSERT INTO u VALUES (?,?,?)", (rng.choice([None, rng.randrange(12)]), y,
                                                       _value(rng)))
    for i in range(20):
        con.execute("INSERT INTO w VALUES (?,?)", (f"k{i:02d}", _value(rng)))
    for i in range(1, 5):
        con.execute("INSERT INTO dept VALUES (?,?)", (i, f"dept{i}"))
    names = ["ann", "bob", "cid", "dee", "eve", "fay", "gus", "hal", "ivy", "jon", "kim", "lou"]
    for i, name in enumerate(names, 1):
        con.execute("INSERT INTO emp VALUES (?,?,?,?,?)",
                    (i, name, rng.choice([1, 2, 3, None]), rng.randrange(30, 90) * 1000.0,
                     None if i == 1 else rng.randrange(1, i)))
    con.commit()
    con.close()


@pytest.fixture(scope="session")
def fixed_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("exec") / "fixed.db"
    build(path)
    return path
