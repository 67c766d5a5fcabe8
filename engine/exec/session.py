"""Per-connection executor state: catalog access, views, prepared statements.

``Session.prepare(statement)`` compiles one parsed statement.  Queries
(SELECT, VALUES, compound selects, and ``EXPLAIN QUERY PLAN`` of those) and
PRAGMA statements that read (:mod:`engine.exec.pragma`) give a ``Prepared``
whose ``run(values)`` yields result tuples; every statement
that would write or change the schema raises ``NotSupportedError`` (the write
side comes in a later issue).  ``Session.prepare_sql(sql)`` caches prepared
statements by SQL text, as sqlite3's statement cache does, so repeated point
queries do not pay for parsing and planning again.
"""

from __future__ import annotations

import sys
import weakref
from collections import OrderedDict

from ..errors import NotSupportedError, OperationalError, ProgrammingError

__all__ = ["Prepared", "Session"]

_QUERY_KINDS = ("Select", "CompoundSelect", "Compound", "Values")
_CACHE_SIZE = 128

# SQLite allows expression trees 1000 deep; compiling and evaluating one takes a few
# Python frames per level (cheap in CPython 3.11: no C stack for Python-to-Python calls).
_RECURSION_NEEDED = 12_000
if sys.getrecursionlimit() < _RECURSION_NEEDED:
    sys.setrecursionlimit(_RECURSION_NEEDED)


def _parameters(node):
    """Every Parameter node of a statement's syntax tree."""
    import dataclasses

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, list | tuple):
            stack.extend(n)
            continue
        if not dataclasses.is_dataclass(n) or isinstance(n, type):
            continue
        if type(n).__name__ == "Parameter":
            yield n
            continue
        for f in dataclasses.fields(n):
            v = getattr(n, f.name, None)
            if isinstance(v, list | tuple) or dataclasses.is_dataclass(v):
                stack.append(v)


class Prepared:
    """A compiled statement: parameter names, result column names and ``run``."""

    def __init__(self, statement, session, unit, state, eqp=False):
        self.statement = statement
        self.session = session
        self.unit = unit
        self.state = state
        self.eqp = eqp
        # every parameter the statement's text has counts (the parser numbers them),
        # even one in a part that is never compiled, such as an unused CTE
        names = state.param_names
        for p in _parameters(statement):
            while len(names) < p.number:
                names.append(None)
            if p.name != "?" and names[p.number - 1] is None:
                names[p.number - 1] = p.name
        self.parameter_names = list(names)
        if eqp:
            self.column_names = ["id", "parent", "notused", "detail"]
        else:
            self.column_names = list(unit.names)
        self._active = None  # weak reference to the row generator of the last run

    @property
    def busy(self) -> bool:
        """True while rows of an earlier run may still be fetched (the statement's shared
        state must not be reused then)."""
        ref = self._active
        if ref is None:
            return False
        gen = ref()
        return gen is not None and gen.gi_frame is not None

    def run(self, values):
        state = self.state
        state.params[:] = values
        state.epoch += 1
        if state.fctxs:
            import time

            now = time.time()
            for ctx in state.fctxs:
                ctx.now = now
        if self.eqp:
            return iter(_flatten_plan(state.eqp_rows))
        gen = self._rows()
        self._active = weakref.ref(gen)
        return gen

    def _rows(self):
        yield from self.unit.rows()


def _flatten_plan(nodes) -> list[tuple]:
    """EXPLAIN QUERY PLAN rows (id, parent, notused, detail) from the plan tree, parents
    first, ids increasing in output order."""
    out: list[tuple] = []
    next_id = [2]

    def walk(items, parent):
        for node in items:
            i = next_id[0]
            next_id[0] += 1
            out.append((i, parent, 0, node[1]))
            if len(node) > 2:
                walk(node[2], i)
    walk(nodes, 0)
    return out


class Session:
    def __init__(self, storage):
        self.storage = storage
        if storage is not None:
            self.catalog_obj = storage.catalog
        else:
            from ..schema import Catalog

            self.catalog_obj = Catalog([])
        self.catalog = _CatalogView(self.catalog_obj)
        self._cache: OrderedDict[str, Prepared] = OrderedDict()
        self._views_compiling: set[str] = set()

    def close(self) -> None:
        if self.storage is not None:
            self.storage.close()
            self.storage = None

    # -- statements ------------------------------------------------------------------------
    def prepare_sql(self, sql: str):
        """(parsed statement count, Prepared or None) for ``sql``, using the cache."""
        hit = self._cache.get(sql)
        if hit is not None and not hit.busy:
            self._cache.move_to_end(sql)
            return hit
        from ..sql import parse

        statements = parse(sql)
        if not statements:
            return None
        if len(statements) > 1:
            raise ProgrammingError("You can only execute one statement at a time.")
        try:
            prepared = self.prepare(statements[0], sql)
        except RecursionError:
            raise OperationalError("Expression tree is too large (maximum depth 1000)") from None
        self._cache[sql] = prepared
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return prepared

    def prepare(self, statement, sql: str | None = None) -> Prepared:
        from .select import _State, compile_query, result_texts

        kind = type(statement).__name__
        state = _State(self)
        if kind == "Explain":
            inner = statement.statement
            if not getattr(statement, "query_plan", False):
                raise NotSupportedError("EXPLAIN (bytecode) is not supported yet")
            if type(inner).__name__ not in _QUERY_KINDS:
                raise NotSupportedError(
                    f"EXPLAIN QUERY PLAN of {type(inner).__name__} is not supported yet")
            unit = compile_query(inner, self, state)
            state.eqp_rows = list(state.eqp)
            return Prepared(statement, self, unit, state, eqp=True)
        if kind == "Pragma":
            return self._prepare_pragma(statement, state)
        if kind not in _QUERY_KINDS:
            raise NotSupportedError(f"{_describe(kind)} not supported yet")
        texts = result_texts(sql) if sql is not None else None
        unit = compile_query(statement, self, state, texts=texts)
        return Prepared(statement, self, unit, state)

    def _prepare_pragma(self, statement, state) -> Prepared:
        """PRAGMA (read side, engine.exec.pragma): the answer is computed when it runs."""
        from . import pragma
        from .select import Unit

        name, schema, value = statement.name, statement.schema, statement.value
        # computed now, so that its errors come from execute() as in sqlite3; the first run
        # returns these rows, a later run of the cached statement computes them again
        names, first = pragma.execute(self, name, schema, value)
        pending = [first]

        def rows():
            if pending:
                return iter(pending.pop())
            return iter(pragma.execute(self, name, schema, value)[1])
        unit = Unit(names or [], [None] * len(names or []), [None] * len(names or []), rows)
        prepared = Prepared(statement, self, unit, state)
        if names is None:
            prepared.column_names = None
        return prepared

    # -- views ------------------------------------------------------------------------------
    def compile_view(self, view, qc):
        from ..sql import parse_one

        key = view.name.lower()
        if key in self._views_compiling:
            raise OperationalError(f"view {view.name} is circularly defined")
        self._views_compiling.add(key)
        try:
            stmt = parse_one(view.sql)
            body = getattr(stmt, "select", None)
            if body is None:
                raise NotSupportedError(f"view {view.name}: unexpected definition")
            from .select import Unit, result_texts

            qc.state.in_cte_or_view += 1
            try:
                unit = qc.query(body, None, texts=result_texts(view.sql))
            finally:
                qc.state.in_cte_or_view -= 1
            cols = getattr(stmt, "columns", None)
            if cols:
                if len(cols) != len(unit.names):
                    raise OperationalError(
                        f"expected {len(cols)} columns for '{view.name}' but got "
                        f"{len(unit.names)}")
                unit = Unit([c if isinstance(c, str) else c.name for c in cols], unit.affs,
                            unit.colls, unit.rows, unit.correlated)
            return unit
        finally:
            self._views_compiling.discard(key)

    # -- storage access -----------------------------------------------------------------------
    def table_rows(self, table, columns=None):
        """The rows of ``SELECT rowid, *``; with ``columns`` (the planner passes every column
        the query reads) the others are not decoded and read as None."""
        if self.storage is None or not table.rootpage:
            return iter(())
        return self.storage.rows(table.name, columns)


class _CatalogView:
    """Lookups that return None instead of raising."""

    def __init__(self, catalog):
        self._c = catalog

    def table(self, low):
        if low in ("sqlite_master", "sqlite_temp_master", "sqlite_temp_schema"):
            low = "sqlite_schema"
        t = self._c.tables.get(low)
        if t is not None and getattr(t, "virtual", False):
            raise NotSupportedError(f"virtual table {t.name} not supported yet")
        return t

    def view(self, low):
        return self._c.views.get(low)

    def indexes_of(self, table):
        low = table.name.lower()
        return [ix for ix in self._c.indexes.values() if ix.table.lower() == low]


def _describe(kind: str) -> str:
    words = {
        "Insert": "INSERT", "Update": "UPDATE", "Delete": "DELETE",
        "CreateTable": "CREATE TABLE", "CreateIndex": "CREATE INDEX",
        "CreateView": "CREATE VIEW", "CreateTrigger": "CREATE TRIGGER",
        "Drop": "DROP", "AlterTable": "ALTER TABLE", "Pragma": "PRAGMA",
        "Begin": "BEGIN", "Commit": "COMMIT", "Rollback": "ROLLBACK",
        "Vacuum": "VACUUM", "Attach": "ATTACH", "Detach": "DETACH",
        "Analyze": "ANALYZE", "Reindex": "REINDEX", "Savepoint": "SAVEPOINT",
        "Release": "RELEASE",
    }
    return words.get(kind, kind) + " statements are"
