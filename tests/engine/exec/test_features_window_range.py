"""Differential tests of window RANGE frames with an offset over TEXT, BLOB, NULL and
mixed ORDER BY values (sqlassay issue 5, feature 4; window.c's windowCodeRangeTest: a
TEXT or BLOB value takes no offset, so its frame boundary is the value itself compared
in the ORDER BY's collating sequence), with DESC, NULLS FIRST/LAST, EXCLUDE and
partitions, plus a seeded random sweep of frames.  Every case runs on the engine and
on stdlib sqlite3."""

from __future__ import annotations

import random
import sqlite3

import pytest

from .differential import compare

SETUP = """
CREATE TABLE m(k, v);
INSERT INTO m VALUES(1,1),('b',2),(X'00',3),(2.5,4),(NULL,5),('a',6),(3,7),('c',8),
    ('B',9),(X'0001',10),(NULL,11),('',12),(-1,13),('a',14),(2,15);
CREATE TABLE s(x INT, y TEXT COLLATE NOCASE, z);
INSERT INTO s VALUES(1,'X',1),(2,'y',2),(NULL,'z',3),(3,NULL,4),('2','Y',5),(4,'x',6);
CREATE TABLE big(x);
INSERT INTO big VALUES(9223372036854775807),(9223372036854775806),(-9223372036854775808),
    (1e300),('x');
"""

_VALUES = [None, 0, 1, 2, 2.5, -1, 3, "a", "A", "b", "", " ", "1", b"", b"\x00", b"a", 10,
           1e18, 9223372036854775807]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("window_range") / "f.db"
    con = sqlite3.connect(path)
    con.executescript(SETUP)
    rng = random.Random(5)
    con.execute("CREATE TABLE r(p, k, v, kc TEXT COLLATE NOCASE)")
    con.executemany("INSERT INTO r VALUES(?,?,?,?)", [
        (rng.randrange(3), rng.choice(_VALUES), rng.randrange(100),
         rng.choice(["a", "A", "b", "B", None, "c"])) for _ in range(30)])
    con.commit()
    con.close()
    return str(path)


F = "RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING"
CASES = [
    f"SELECT k, count(*) OVER (ORDER BY k {F}) FROM m",
    f"SELECT k, v, sum(v) OVER (ORDER BY k {F}) FROM m",
    f"SELECT k, v, sum(v) OVER (ORDER BY k DESC {F}) FROM m",
    "SELECT k, v, sum(v) OVER (ORDER BY k RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) FROM m",
    "SELECT k, v, sum(v) OVER (ORDER BY k RANGE BETWEEN CURRENT ROW AND 2 FOLLOWING) FROM m",
    f"SELECT k, v, sum(v) OVER (ORDER BY k NULLS LAST {F}) FROM m",
    f"SELECT k, v, sum(v) OVER (ORDER BY k DESC NULLS FIRST {F}) FROM m",
    f"SELECT k, v, group_concat(v) OVER (ORDER BY k {F} EXCLUDE CURRENT ROW) FROM m",
    f"SELECT k, v, group_concat(v) OVER (ORDER BY k {F} EXCLUDE TIES) FROM m",
    "SELECT k, v, sum(v) OVER (ORDER BY k RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) "
    "FROM m",
    "SELECT k, v, sum(v) OVER (ORDER BY k RANGE BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) "
    "FROM m",
    f"SELECT k, v, sum(v) OVER (PARTITION BY typeof(k) ORDER BY k {F}) FROM m",
    f"SELECT k, v, sum(v) OVER (ORDER BY k {F}), sum(v) OVER (ORDER BY k GROUPS BETWEEN 1 "
    "PRECEDING AND 1 FOLLOWING), sum(v) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND 1 "
    "FOLLOWING) FROM m",
    f"SELECT k, first_value(v) OVER (ORDER BY k {F}), last_value(v) OVER (ORDER BY k {F}), "
    "nth_value(v, 2) OVER (ORDER BY k RANGE BETWEEN 3 PRECEDING AND 1 FOLLOWING) FROM m",
    # the ORDER BY's collating sequence decides which TEXT values are in the frame
    f"SELECT y, count(*) OVER (ORDER BY y {F}) FROM s",
    f"SELECT y, count(*) OVER (ORDER BY y COLLATE BINARY {F}) FROM s",
    "SELECT k, count(*) OVER (ORDER BY k COLLATE NOCASE RANGE BETWEEN 0 PRECEDING AND 0 "
    "FOLLOWING) FROM m",
    "SELECT k, count(*) OVER (ORDER BY k RANGE BETWEEN 0.5 PRECEDING AND 0.5 FOLLOWING) FROM m",
    f"SELECT x, count(*) OVER (ORDER BY x {F}) FROM big",
    f"SELECT x, count(*) OVER (ORDER BY x DESC {F}) FROM big",
    # errors
    "SELECT k, sum(v) OVER (ORDER BY k RANGE BETWEEN 'a' PRECEDING AND 1 FOLLOWING) FROM m",
    "SELECT k, sum(v) OVER (ORDER BY k RANGE BETWEEN -1 PRECEDING AND 1 FOLLOWING) FROM m",
    f"SELECT k, sum(v) OVER (ORDER BY k, v {F}) FROM m",
    f"SELECT k, sum(v) OVER (ORDER BY k, v {F}) FROM m WHERE 0",
    f"SELECT k, sum(v) OVER ({F}) FROM m",
]


@pytest.mark.parametrize("sql", CASES)
def test_range_frames_like_sqlite3(db, sql):
    compare(db, sql)


def _random_frames(seed, count):
    rng = random.Random(seed)
    bounds = ["UNBOUNDED PRECEDING", "{o} PRECEDING", "CURRENT ROW", "{o} FOLLOWING",
              "UNBOUNDED FOLLOWING"]
    out = []
    while len(out) < count:
        i = rng.randrange(4)
        j = rng.randrange(i, 5)
        b1 = bounds[i].format(o=rng.choice([0, 1, 2, 0.5, 1e18]))
        b2 = bounds[j].format(o=rng.choice([0, 1, 3]))
        col = rng.choice(["k", "kc", "k COLLATE NOCASE"])
        order = rng.choice(["", " DESC", " NULLS LAST", " DESC NULLS FIRST"])
        part = rng.choice(["", "PARTITION BY p "])
        excl = rng.choice(["", " EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES"])
        f = rng.choice(["sum(v)", "count(*)", "group_concat(v, '.')", "first_value(v)",
                        "last_value(v)", "max(v)"])
        out.append(f"SELECT p, k, v, kc, {f} OVER (w) FROM r WINDOW w AS ({part}ORDER BY "
                   f"{col}{order} RANGE BETWEEN {b1} AND {b2}{excl})")
    return out


@pytest.mark.parametrize("sql", _random_frames(11, 60))
def test_random_range_frames_like_sqlite3(db, sql):
    compare(db, sql)
