"""Hypothesis: random tables built with sqlite3 read back through engine.storage identically.

Random schemas (declared types of every affinity, an INTEGER PRIMARY KEY or
not, WITHOUT ROWID with a composite key, columns added later by ALTER TABLE),
values of every storage class including long ones that overflow, every page
size and text encoding. sqlite3 is the referee: same tuples, same types.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine.storage as storage

TYPES = ["", "INTEGER", "INT", "TEXT", "REAL", "BLOB", "NUMERIC", "VARCHAR(10)", "DOUBLE",
         "FLOAT", "BOOLEAN", "DATETIME"]

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
VALUES = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-300, 300),
    st.floats(allow_nan=False),
    TEXT,
    st.binary(max_size=40),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=300, max_size=3000),
    st.binary(min_size=500, max_size=6000),
    st.sampled_from(["12", "1.5", " 7 ", "0x10", "1e400", "-0", "abc"]),
)


@st.composite
def tables(draw):
    ncols = draw(st.integers(1, 6))
    types = [draw(st.sampled_from(TYPES)) for _ in range(ncols)]
    kind = draw(st.sampled_from(["plain", "alias", "without_rowid"]))
    cols = [f'"c{i}" {t}'.rstrip() for i, t in enumerate(types)]
    pk: list[int] = []
    if kind == "alias":
        types[0] = "INTEGER"
        cols[0] = '"c0" INTEGER PRIMARY KEY'
    elif kind == "without_rowid":
        pk = sorted(draw(st.sets(st.integers(0, ncols - 1), min_size=1, max_size=min(2, ncols))))
        desc = [draw(st.booleans()) for _ in pk]
        cols.append("PRIMARY KEY(" + ", ".join(
            f'"c{i}"' + (" DESC" if d else "") for i, d in zip(pk, desc)) + ")")
    sql = "CREATE TABLE t(" + ", ".join(cols) + ")" + (" WITHOUT ROWID" if pk else "")
    rows = []
    for _ in range(draw(st.integers(0, 25))):
        row = [draw(VALUES) for _ in range(ncols)]
        if kind == "alias":
            row[0] = draw(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)))
        for i in pk:
            if row[i] is None:
                row[i] = 0
        rows.append(row)
    added = draw(st.lists(st.tuples(st.sampled_from(TYPES), st.one_of(
        st.none(), st.integers(-1000, 1000), st.sampled_from(["'txt'", "1.25", "-3", "x'0102'"]))),
        max_size=2))
    page_size = draw(st.sampled_from([512, 1024, 4096, 16384]))
    encoding = draw(st.sampled_from(["UTF-8", "UTF-16le", "UTF-16be"]))
    return sql, ncols, rows, added, page_size, encoding, bool(pk)


def _typed(rows):
    return [tuple((type(v).__name__, repr(v)) for v in row) for row in rows]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(tables())
def test_random_tables_created_by_sqlite3_read_back_identically(spec):
    sql, ncols, rows, added, page_size, encoding, without_rowid = spec
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "h.db"
        con = sqlite3.connect(path, isolation_level=None)
        con.execute(f"pragma page_size={page_size}")
        con.execute(f"pragma encoding='{encoding}'")
        con.execute(sql)
        marks = ", ".join("?" * ncols)
        con.execute("begin")
        for row in rows:
            con.execute(f"insert or ignore into t values ({marks})", row)
        con.execute("commit")
        for i, (typ, default) in enumerate(added):
            clause = "" if default is None else f" DEFAULT {default}"
            con.execute(f'alter table t add column "n{i}" {typ}{clause}')
        want = con.execute(f"select {'' if without_rowid else 'rowid, '}* from t").fetchall()
        con.close()
        with storage.open(path) as db:
            got = list(db.rows("t"))
        assert _typed(got) == _typed(want)
