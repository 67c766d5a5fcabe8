"""Deliberately broken variants of the engine, to show that the oracle catches bugs.

Each mutant is a connection factory (usable as ``--target
oracle.mutants:NAME``) returning a wrapper around ``engine.connect`` that
injects one bug by monkeypatching one function of the engine *only while a
statement of that connection runs* (rows are fetched inside the patch), so the
rest of the process keeps the correct engine:

* ``limit_off_by_one``: LIMIT n returns n+1 rows (``exec.select.limit_offset``).
* ``null_as_zero``: comparison operators read a NULL operand as 0
  (``exec.expr.make_comparison``).
* ``nocase_ignored``: the NOCASE collation compares like BINARY
  (``values._COLLATION_TABLE``).
* ``wrong_affinity``: columns declared with INTEGER affinity get TEXT affinity
  in comparisons (``exec.select.ColumnInfo``).
* ``join_drops_condition``: when the planner reads a joined table through an
  index (or rowid/primary-key lookup) keyed by another table's column, the
  lookup key, i.e. the join condition, is dropped and the whole table is read
  (``planner._reader``).
* ``distinct_ignored``: SELECT DISTINCT keeps duplicates
  (``exec.select.unique``).
* ``group_by_drops_last_group``: a GROUP BY query loses its last group
  (``exec.aggregate.group``); what TLP for GROUP BY and for aggregates sees.
* ``not_null_true``: ``NOT NULL`` yields 1 instead of NULL
  (``exec.expr.ExprCompiler.c_Unary``); a consistent change the differential
  oracle sees, and one that breaks ternary logic partitioning on its own.

:data:`MUTANTS` lists them with a one-line description.
"""

from __future__ import annotations

import contextlib
import copy

MUTANTS = {
    "limit_off_by_one": "LIMIT n returns n+1 rows",
    "null_as_zero": "NULL operands of comparisons are read as 0",
    "nocase_ignored": "COLLATE NOCASE compares like BINARY",
    "wrong_affinity": "INTEGER-affinity columns get TEXT affinity in comparisons",
    "join_drops_condition": "an index lookup on a joined table drops the join key",
    "distinct_ignored": "SELECT DISTINCT keeps duplicate rows",
    "not_null_true": "NOT NULL is true instead of NULL (three-valued logic broken)",
    "group_by_drops_last_group": "a GROUP BY query loses its last group",
}


@contextlib.contextmanager
def _patched(obj, name, value):
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


@contextlib.contextmanager
def _limit_off_by_one():
    from engine.exec import select

    orig = select.limit_offset

    def limit_offset(rows, limit, offset):
        if limit is not None and limit >= 0:
            limit += 1
        return orig(rows, limit, offset)

    with _patched(select, "limit_offset", limit_offset):
        yield


@contextlib.contextmanager
def _null_as_zero():
    from engine.exec import expr

    orig = expr.make_comparison

    def zeroed(e):
        e2 = copy.copy(e)
        fn = e.fn
        e2.fn = lambda r: 0 if (v := fn(r)) is None else v
        if getattr(e2, "const", False) and getattr(e2, "value", 0) is None:
            e2.value = 0
        return e2

    def make_comparison(op, a, b, *args, **kw):
        return orig(op, zeroed(a), zeroed(b), *args, **kw)

    with _patched(expr, "make_comparison", make_comparison):
        yield


@contextlib.contextmanager
def _nocase_ignored():
    from engine import values

    table = values._COLLATION_TABLE
    old = table["NOCASE"]
    table["NOCASE"] = table["BINARY"]
    try:
        yield
    finally:
        table["NOCASE"] = old


@contextlib.contextmanager
def _wrong_affinity():
    from engine.exec import select

    orig_init = select.ColumnInfo.__init__

    def init(self, name, aff=None, *args, **kw):
        if aff == "INTEGER":
            aff = "TEXT"
        orig_init(self, name, aff, *args, **kw)

    with _patched(select.ColumnInfo, "__init__", init):
        yield


@contextlib.contextmanager
def _join_drops_condition():
    from engine import planner

    orig = planner._reader

    def reader(acc, session, state):
        s = acc.source
        joined = any(getattr(t, "deps", set()) - {s.index} for t in acc.consumed)
        if acc.kind in ("index", "pk", "rowid_eq") and joined and s.table is not None:
            table = s.table
            return lambda buf: session.table_rows(table)
        return orig(acc, session, state)

    with _patched(planner, "_reader", reader):
        yield


@contextlib.contextmanager
def _distinct_ignored():
    from engine.exec import select

    with _patched(select, "unique", lambda rows, *a, **k: rows):
        yield


@contextlib.contextmanager
def _not_null_true():
    from engine.exec import expr

    orig = expr.ExprCompiler.c_Unary

    def c_unary(self, node):
        e = orig(self, node)
        if str(getattr(node, "op", "")).upper() != "NOT":
            return e
        e2 = copy.copy(e)
        fn = e.fn
        e2.fn = lambda r: 1 if (v := fn(r)) is None else v
        return e2

    with _patched(expr.ExprCompiler, "c_Unary", c_unary):
        yield


@contextlib.contextmanager
def _group_by_drops_last_group():
    from engine.exec import aggregate

    orig = aggregate.group

    def group(rows, key_fns, *args, **kw):
        out = list(orig(rows, key_fns, *args, **kw))
        return out[:-1] if key_fns and len(out) > 1 else out

    with _patched(aggregate, "group", group):
        yield


_PATCHES = {
    "group_by_drops_last_group": _group_by_drops_last_group,
    "not_null_true": _not_null_true,
    "limit_off_by_one": _limit_off_by_one,
    "null_as_zero": _null_as_zero,
    "nocase_ignored": _nocase_ignored,
    "wrong_affinity": _wrong_affinity,
    "join_drops_condition": _join_drops_condition,
    "distinct_ignored": _distinct_ignored,
}


class _Cursor:
    def __init__(self, rows, description):
        self._rows = list(rows)
        self.description = description

    def fetchall(self):
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def __iter__(self):
        return iter(self.fetchall())


class MutantConnection:
    """``engine.connect(path)`` with the bug of mutant ``name`` active in each statement."""

    def __init__(self, name: str, path):
        import engine

        self.name = name
        self.patch = _PATCHES[name]
        with self.patch():
            self.inner = engine.connect(path)

    def execute(self, sql, parameters=()):
        with self.patch():
            cur = self.inner.execute(sql, parameters)
            rows = cur.fetchall()
        return _Cursor(rows, cur.description)

    def close(self):
        self.inner.close()


def factory(name: str):
    """The connection factory of mutant ``name``."""
    if name not in _PATCHES:
        raise KeyError(name)
    return lambda path: MutantConnection(name, path)


limit_off_by_one = factory("limit_off_by_one")
null_as_zero = factory("null_as_zero")
nocase_ignored = factory("nocase_ignored")
wrong_affinity = factory("wrong_affinity")
join_drops_condition = factory("join_drops_condition")
distinct_ignored = factory("distinct_ignored")
not_null_true = factory("not_null_true")
group_by_drops_last_group = factory("group_by_drops_last_group")


# -- broken in other ways: a target that hangs, a target that dies ---------------------------


class _Hanging:
    """A target that never answers a query containing LIMIT (the runner's timeout test)."""

    def __init__(self, path):
        import engine

        self.inner = engine.connect(path)

    def execute(self, sql, parameters=()):
        if "LIMIT" in sql:
            import time

            while True:
                time.sleep(0.05)
        return self.inner.execute(sql, parameters)

    def close(self):
        self.inner.close()


class _Dying(_Hanging):
    """A target whose process dies on a query containing EXISTS (the runner's crash test)."""

    def execute(self, sql, parameters=()):
        if "EXISTS" in sql:
            import os

            os._exit(70)
        return self.inner.execute(sql, parameters)


def hangs_on_limit(path):
    return _Hanging(path)


def dies_on_exists(path):
    return _Dying(path)
