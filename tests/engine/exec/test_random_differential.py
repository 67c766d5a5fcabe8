"""Hypothesis-generated databases and queries: the engine returns what sqlite3 returns.

A random table (column types drawn from SQLite's affinities, optional INTEGER PRIMARY
KEY, optional index, optional collation) is filled with random values of every storage
class, written by sqlite3; then random SELECTs (WHERE over comparisons, IN, BETWEEN,
LIKE, IS, arithmetic; ORDER BY every column; GROUP BY with aggregates; DISTINCT; joins
with a second table) are compared row for row with their types.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .differential import compare

TYPES = ["INTEGER", "INT", "TEXT", "REAL", "NUMERIC", "BLOB", ""]
COLLATIONS = ["", " COLLATE NOCASE", " COLLATE RTRIM"]

values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=-20, max_value=20),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([0.5, -1.5, 2.0, 1e20]),
    st.text(alphabet="aAbB 01.e-", max_size=5),
    st.binary(max_size=3),
)


@st.composite
def tables(draw):
    ncols = draw(st.integers(1, 4))
    cols = []
    for i in range(ncols):
        decl = draw(st.sampled_from(TYPES))
        if "TEXT" in decl or decl == "":
            decl += draw(st.sampled_from(COLLATIONS))
        cols.append((f"c{i}", decl))
    ipk = draw(st.booleans())
    rows = draw(st.lists(st.tuples(*[values] * ncols), max_size=25))
    index = draw(st.one_of(st.none(), st.integers(0, ncols - 1)))
    return cols, ipk, rows, index


def make_db(spec) -> Path:
    cols, ipk, rows, index = spec
    path = Path(tempfile.mkdtemp(prefix="exec-hyp-")) / "r.db"
    con = sqlite3.connect(path)
    defs = ", ".join(f"{n} {d}".strip() for n, d in cols)
    if ipk:
        defs = "id INTEGER PRIMARY KEY, " + defs
    con.execute(f"CREATE TABLE r({defs})")
    con.execute("CREATE TABLE s(k INTEGER, v TEXT)")
    con.executemany("INSERT INTO s VALUES (?, ?)", [(i % 5, str(i)) for i in range(8)])
    if index is not None:
        con.execute(f"CREATE INDEX r_i ON r(c{index})")
    names = ", ".join(n for n, _ in cols)
    marks = ", ".join("?" for _ in cols)
    con.executemany(f"INSERT INTO r({names}) VALUES ({marks})", rows)
    con.commit()
    con.close()
    return path


literals = st.one_of(
    st.integers(-5, 25).map(str),
    st.sampled_from(["NULL", "'a'", "'A'", "'1'", "' 1'", "'0.5'", "x'00'", "1.5", "-0.0",
                     "'b '", "''"]),
)


@st.composite
def predicates(draw, ncols):
    col = f"c{draw(st.integers(0, ncols - 1))}"
    kind = draw(st.integers(0, 7))
    lit = draw(literals)
    if kind == 0:
        op = draw(st.sampled_from(["=", "<>", "<", "<=", ">", ">="]))
        return f"{col} {op} {lit}"
    if kind == 1:
        return f"{col} IN ({lit}, {draw(literals)})"
    if kind == 2:
        return f"{col} BETWEEN {lit} AND {draw(literals)}"
    if kind == 3:
        return f"{col} LIKE {draw(st.sampled_from(['%a%', 'A_', '1%', '%']))!r}"
    if kind == 4:
        return f"{col} IS {draw(st.sampled_from(['NULL', 'NOT NULL', lit]))}"
    if kind == 5:
        other = f"c{draw(st.integers(0, ncols - 1))}"
        op = draw(st.sampled_from(["=", "<", ">="]))
        return f"{col} {op} {other}"
    if kind == 6:
        return f"{col} {draw(st.sampled_from(['+', '-', '*', '/', '%', '||']))} {lit} > 1"
    return f"{col} COLLATE NOCASE = {lit}"


@st.composite
def queries(draw, ncols):
    cols = [f"c{i}" for i in range(ncols)]
    where = ""
    if draw(st.booleans()):
        preds = draw(st.lists(predicates(ncols), min_size=1, max_size=3))
        glue = draw(st.sampled_from([" AND ", " OR "]))
        where = " WHERE " + glue.join(preds)
    kind = draw(st.integers(0, 9))
    order = ", ".join(cols + ["rowid"])
    if kind == 0:
        return f"SELECT rowid, * FROM r{where} ORDER BY {order}"
    if kind == 1:
        g = draw(st.sampled_from(cols))
        return (f"SELECT {g}, count(*), count({g}), min({cols[0]}), max({cols[-1]}), "
                f"typeof(sum({cols[0]})) FROM r{where} GROUP BY {g}")
    if kind == 2:
        return f"SELECT DISTINCT {draw(st.sampled_from(cols))} FROM r{where}"
    if kind == 3:
        c = draw(st.sampled_from(cols))
        return f"SELECT r.rowid, s.v FROM r JOIN s ON s.k = r.{c}{where}"
    c = draw(st.sampled_from(cols))
    if kind == 4:
        return f"SELECT {c}, {c} + 1, {c} || 'x', CAST({c} AS INTEGER) FROM r{where}"
    if kind == 5:
        return (f"SELECT {c}, row_number() OVER (ORDER BY {c}, rowid), "
                f"count(*) OVER (PARTITION BY {c}), "
                f"sum(rowid) OVER (ORDER BY rowid ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) "
                f"FROM r{where}")
    if kind == 6:
        op = draw(st.sampled_from(["UNION", "UNION ALL", "INTERSECT", "EXCEPT"]))
        other = draw(st.sampled_from(cols + ["k FROM s --"]))
        if other.startswith("k FROM s"):
            return f"SELECT {c} FROM r{where} {op} SELECT k FROM s"
        return f"SELECT {c} FROM r{where} {op} SELECT {other} FROM r"
    if kind == 7:
        return (f"SELECT rowid, (SELECT count(*) FROM s WHERE s.k = r.{c}), "
                f"{c} IN (SELECT k FROM s), EXISTS (SELECT 1 FROM s WHERE s.v = r.{c}) "
                f"FROM r{where}")
    if kind == 8:
        return (f"SELECT {c} FROM r{where} ORDER BY {c} DESC, rowid "
                f"LIMIT {draw(st.integers(-1, 5))} OFFSET {draw(st.integers(0, 3))}")
    return (f"SELECT count(*), sum({c}), avg({c}), total({c}), group_concat({c}), "
            f"min({c}), max({c}) FROM r{where}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_queries_created_by_sqlite3(data):
    spec = data.draw(tables())
    path = make_db(spec)
    ncols = len(spec[0])
    for _ in range(4):
        sql = data.draw(queries(ncols))
        compare(path, sql, check_message=False)
