"""A small grammar fuzzer: random SELECTs built from expressions of every kind (column
references, literals of each storage class, operators, functions, CASE, IN, BETWEEN,
CAST, scalar subqueries, window calls) over joins and derived tables, with WHERE, GROUP
BY, HAVING, ORDER BY and LIMIT.  The engine must give sqlite3's rows (as multisets,
with types) or an error of sqlite3's class; NotSupportedError is counted, never a crash.
A fixed seed keeps it deterministic."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter

import engine

from .differential import _ERRORS, typed_rows

COLS = ["a", "b", "c", "d", "e", "f", "g", "rowid", "t.a", "u.x", "u.y", "z"]
LITS = ["1", "0", "-1", "'a'", "'1'", "NULL", "x'00'", "1.5", "9223372036854775807", "''", "?"]
OPS = ["+", "-", "*", "/", "%", "||", "=", "<", ">=", "<>", "AND", "OR", "IS", "IS NOT", "&",
       "<<", "LIKE", "GLOB"]
FUNCS = ["abs", "length", "upper", "coalesce", "max", "min", "sum", "count", "avg",
         "group_concat", "typeof", "substr", "round", "nullif", "ifnull", "total", "hex",
         "instr", "replace", "trim", "iif", "printf"]
FROMS = ["t", "t, u", "t JOIN u ON t.b = u.x", "u",
         "t AS t JOIN (SELECT x, y, count(*) AS z FROM u GROUP BY x) AS u ON t.b = u.x"]


class _Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def expr(self, d=0):
        rng = self.rng
        k = rng.randrange(10 if d < 3 else 2)
        e = self.expr
        if k == 0:
            return rng.choice(COLS)
        if k == 1:
            return rng.choice(LITS)
        if k == 2:
            return f"{e(d + 1)} {rng.choice(OPS)} {e(d + 1)}"
        if k == 3:
            args = ", ".join(e(d + 1) for _ in range(rng.randrange(0, 3)))
            return f"{rng.choice(FUNCS)}({args})"
        if k == 4:
            return f"CASE WHEN {e(d + 1)} THEN {e(d + 1)} ELSE {e(d + 1)} END"
        if k == 5:
            return f"({e(d + 1)}) IN ({e(d + 1)}, {e(d + 1)})"
        if k == 6:
            return f"(SELECT {e(d + 1)} FROM u WHERE {e(d + 1)})"
        if k == 7:
            return f"CAST({e(d + 1)} AS {rng.choice(['INT', 'TEXT', 'REAL', 'BLOB', 'NUMERIC'])})"
        if k == 8:
            return f"{e(d + 1)} BETWEEN {e(d + 1)} AND {e(d + 1)}"
        arg = e(d + 1) if rng.random() < 0.8 else ""
        return (f"{rng.choice(['sum', 'count', 'max', 'row_number'])}({arg}) "
                f"OVER (ORDER BY {e(d + 1)})")

    def query(self):
        rng = self.rng
        cols = ", ".join(self.expr() for _ in range(rng.randrange(1, 4)))
        q = f"SELECT {cols} FROM {rng.choice(FROMS)}"
        if rng.random() < 0.6:
            q += f" WHERE {self.expr()}"
        if rng.random() < 0.3:
            q += f" GROUP BY {self.expr()}"
        if rng.random() < 0.2:
            q += f" HAVING {self.expr()}"
        if rng.random() < 0.4:
            q += f" ORDER BY {self.expr()}"
        if rng.random() < 0.3:
            q += f" LIMIT {rng.choice(LITS)}"
        return q


def _outcome(con, sql, params):
    try:
        return ("rows", Counter(typed_rows(con.execute(sql, params).fetchall())))
    except Exception as exc:  # noqa: BLE001 - compared by class
        return ("error", type(exc))


def test_grammar_fuzz_agrees_with_sqlite3(fixed_db):
    gen = _Gen(41)
    ours = engine.connect(fixed_db)
    ref = sqlite3.connect(fixed_db)
    ran = 0
    for _ in range(250):
        sql = gen.query()
        params = (1,) * sql.count("?")
        want = _outcome(ref, sql, params)
        got = _outcome(ours, sql, params)
        if got[0] == "error" and issubclass(got[1], engine.NotSupportedError):
            continue
        ran += 1
        if want[0] == "error":
            assert got[0] == "error" and issubclass(got[1], _ERRORS[want[1]]), sql
        else:
            assert got == want, sql
    assert ran > 200
