"""Helpers of the differential tests: run one statement on the engine and on stdlib
sqlite3 over the same file and compare what comes back.

Rows are compared as ordered lists when the statement's own ORDER BY fixes the order
and as multisets otherwise; values are compared with their types (1, 1.0 and '1'
differ; REALs by their exact bits); errors are compared by class, and by message
where the message is given by sqlite3 in a stable form.
"""

from __future__ import annotations

import re
import sqlite3
import struct
from collections import Counter

import engine

_ERRORS = {
    sqlite3.OperationalError: engine.OperationalError,
    sqlite3.ProgrammingError: engine.ProgrammingError,
    sqlite3.IntegrityError: engine.IntegrityError,
    sqlite3.DataError: engine.DataError,
    sqlite3.NotSupportedError: engine.NotSupportedError,
    sqlite3.InterfaceError: engine.InterfaceError,
    sqlite3.DatabaseError: engine.DatabaseError,
}


def typed(value):
    """A value with its storage class, REALs by their bits (so -0.0 and 0.0 differ)."""
    if isinstance(value, float):
        return ("real", struct.pack("<d", value))
    if isinstance(value, bool):
        raise AssertionError("bool is not an SQLite value")
    return (type(value).__name__, value)


def typed_rows(rows):
    return [tuple(typed(v) for v in row) for row in rows]


def run(connect, path, sql, params=()):
    """("rows", names, rows) or ("error", class name, message)."""
    con = connect(path)
    try:
        cur = con.execute(sql, params)
        rows = cur.fetchall()
        names = [d[0] for d in cur.description] if cur.description else None
        return ("rows", names, rows)
    except Exception as exc:  # noqa: BLE001 - compared by class below
        return ("error", type(exc), str(exc))
    finally:
        con.close()


def ordered(sql: str) -> bool:
    """True when the statement's outermost ORDER BY fixes the row order (the test
    queries make every top-level ORDER BY total)."""
    text = sql.lower()
    depth = 0
    top = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            top.append(ch)
    return re.search(r"\border\s+by\b", "".join(top)) is not None


class Mismatch(AssertionError):
    pass


def compare(path, sql, params=(), *, check_names=True, check_message=True):
    """Run ``sql`` on both and raise Mismatch (with both outcomes) when they differ.
    Returns the sqlite3 outcome."""
    ref = run(sqlite3.connect, path, sql, params)
    got = run(engine.connect, path, sql, params)
    where = f"\nSQL: {sql}\nsqlite3: {ref}\nengine:  {got}"
    if ref[0] == "error":
        if got[0] != "error":
            raise Mismatch("sqlite3 failed, the engine did not" + where)
        want = _ERRORS.get(ref[1])
        if want is None or not issubclass(got[1], want):
            raise Mismatch("different error classes" + where)
        if check_message and ref[2] != got[2]:
            raise Mismatch("different error messages" + where)
        return ref
    if got[0] == "error":
        raise Mismatch("the engine failed, sqlite3 did not" + where)
    if check_names and ref[1] != got[1]:
        raise Mismatch("different column names" + where)
    a, b = typed_rows(ref[2]), typed_rows(got[2])
    if ordered(sql):
        if a != b:
            raise Mismatch("different rows (ordered)" + where)
    elif Counter(a) != Counter(b):
        raise Mismatch("different rows (as multisets)" + where)
    return ref


def load_queries(path):
    """The queries of a fixture file: one per line, '#' comments, blank lines skipped."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out
