"""Table-valued functions in FROM (json_each, json_tree, pragma_*): SQLite's eponymous
virtual tables, which a query names like a table and calls with arguments
(vtab.html "Eponymous virtual tables", "Table-valued functions"; json1.html
"json_each() and json_tree()"; pragma.html "PRAGMA functions").

How SQLite 3.40.1 runs them, and so how this module and the planner do:

* A table-valued function is a table with *hidden* columns: json_each and
  json_tree have ``key, value, type, atom, id, parent, fullkey, path`` and the
  hidden ``json, root``; ``pragma_NAME`` has the pragma's result columns and
  the hidden ``arg`` (pragmas taking an argument) and ``schema`` (pragmas
  with a schema prefix).  ``SELECT *`` leaves the hidden columns out; they
  can be named.  Every such table also has a rowid (json_each counts from 0,
  the pragma tables from 1).
* The arguments ``f(a, b)`` are equality constraints on the hidden columns
  in order, ``hidden = +a`` (sqlite3WhereTabFuncArgs): ON terms of the item's
  join.  More arguments than hidden columns is "too many arguments on f() -
  max N".  A WHERE term ``json = expr`` constrains the same column.
* xBestIndex decides what can be used: an equality on a hidden column whose
  other side is known at that place in the join order is handed to the
  function (and not tested again); for json_each a constraint on ``json`` or
  ``root`` that is *not* usable there rejects that place, so the planner puts
  the function after the FROM items its arguments read and produces its rows
  once per row of those.  When no usable constraint gives the JSON (the
  argument reads a later item of a LEFT/CROSS/RIGHT join, or the item
  itself) json_each is scanned without input and yields no rows; the pragma
  tables run their pragma without argument.  Constraints not handed to the
  function are tested on the rows like any other term.
* The values: json_each/json_tree as :mod:`engine.functions.json` computes
  them; pragma tables as ``PRAGMA [schema.]name = 'arg'`` does
  (:mod:`engine.exec.pragma`), the hidden columns giving back the argument
  text.

A name that is a table or a view but not a function is "'t' is not a
function"; an unknown name is "no such table: name".

Not reproduced (NotSupportedError, raised by the planner): a function as the
right operand of RIGHT JOIN (SQLite 3.40 joins it without its arguments and
then emits all its rows as unmatched), and as the right operand of FULL JOIN
when it is a pragma table or its arguments read other FROM items (unmatched
rows tracked by rowid across outer rows).  Known difference: ``CROSS JOIN``
does not pin the order here, so ``json_each(t.j) CROSS JOIN t`` has rows where
SQLite, keeping the written order, has none.
"""

from __future__ import annotations

from ..errors import OperationalError

__all__ = ["TableFunction", "eponymous_source", "table_function_source"]

_JSON_COLUMNS = ("key", "value", "type", "atom", "id", "parent", "fullkey", "path")


class TableFunction:
    """What the planner needs of one table-valued FROM item: its argument terms and its
    rows for given hidden-column values."""

    def __init__(self, name, kind, visible, hidden, produce, args, first_rowid):
        self.name = name
        self.kind = kind  # "json" or "pragma"
        self.visible = list(visible)
        self.hidden = list(hidden)
        self.produce = produce  # values of the hidden columns (None if not given) -> rows
        self.args = list(args)  # argument ASTs, one per hidden column from the first
        self.first_rowid = first_rowid
        self.source = None
        self._terms = None

    def arg_terms(self, scope):
        """The Terms ``hidden_k = +arg_k`` (compiled now: every FROM item has its place in
        the row layout), in argument order."""
        if self._terms is not None:
            return self._terms
        from .. import planner as P
        from .expr import CExpr, ExprCompiler, make_comparison

        s = self.source
        resolver = scope.resolver
        ec = ExprCompiler(resolver)
        saved_used = scope.used
        saved_flags = (resolver.aggregate_ok, scope.alias_ok)
        resolver.aggregate_ok = False
        scope.alias_ok = False
        terms = []
        try:
            for k, node in enumerate(self.args):
                scope.used = set()
                c = ec.compile(node)
                arg = CExpr(c.fn, const=c.const, value=c.value, uses_row=c.uses_row)
                j = len(self.visible) + k
                pos = s.col_pos(j)
                col = CExpr(_getter(pos), aff="BLOB", coll="BINARY", column=pos)
                cmp = make_comparison("=", col, arg)
                mine = frozenset((s.index,))
                other = frozenset(scope.used)
                cmp.cmps = [("=", col, arg, mine, other)]
                terms.append(P.Term(cmp, mine | other, cmp.cmps))
        finally:
            scope.used = saved_used
            resolver.aggregate_ok, scope.alias_ok = saved_flags
        self._terms = terms
        return terms

    def rows(self, values):
        """The rows ``(rowid, visible..., hidden...)`` for the hidden-column values handed
        over (:data:`NOT_GIVEN` where the column got no usable constraint)."""
        rowid = self.first_rowid
        for row in self.produce(values):
            yield (rowid, *row)
            rowid += 1


def _getter(pos):
    return lambda r: r[pos]


def _json_produce(fn):
    def produce(values):
        json_v, root_v = values[0], values[1]
        if json_v is _NOT_GIVEN:
            return iter(())  # idxNum 0: no JSON input, no rows
        if root_v is _NOT_GIVEN:
            return fn(json_v)
        return fn(json_v, root_v)
    return produce


class _NotGiven:
    def __repr__(self):
        return "<not given>"


_NOT_GIVEN = _NotGiven()
NOT_GIVEN = _NOT_GIVEN


def _lookup(session, name, args):
    """A TableFunction for ``name``, or None when no such function exists."""
    from ..schema import fold

    low = fold(name)
    if low in ("json_each", "json_tree"):
        from ..functions.json import JSON_TABLE_FUNCTIONS

        fn = JSON_TABLE_FUNCTIONS[low]
        return TableFunction(low, "json", _JSON_COLUMNS, ("json", "root"), _json_produce(fn),
                             args, 0)
    if low.startswith("pragma_"):
        from . import pragma

        spec = pragma.table_function(session, name[7:])
        if spec is None:
            return None
        visible, hidden, produce = spec
        return TableFunction(name, "pragma", visible, hidden, produce, args, 1)
    return None


def _make_source(qc, tf, alias):
    from .select import ColumnInfo, Source

    # columns declared without a type: BLOB affinity (no conversion against TEXT columns)
    cols = [ColumnInfo(c, "BLOB", "BINARY") for c in tf.visible]
    cols += [ColumnInfo(c, "BLOB", "BINARY", hidden=True) for c in tf.hidden]
    src = Source(alias or tf.name, cols, has_rowid=True)
    src.tvf = tf
    tf.source = src
    return src


def table_function_source(qc, node, scope):
    """The FROM-clause source for ``name(args...)``; ``qc`` is the query compiler."""
    session = qc.state.session
    tf = _lookup(session, node.name, node.args)
    if tf is None:
        low = node.name.lower()
        if (session.catalog.table(low) is not None or session.catalog.view(low) is not None
                or low in scope.ctes):
            raise OperationalError(f"'{node.name}' is not a function")
        raise OperationalError(f"no such table: {node.name}")
    if len(node.args) > len(tf.hidden):
        raise OperationalError(
            f"too many arguments on {tf.name}() - max {len(tf.hidden)}")
    return _make_source(qc, tf, node.alias)


def eponymous_source(qc, node, scope):
    """``FROM json_each`` / ``FROM pragma_user_version`` (no argument list): the source,
    or None when the name is no table-valued function."""
    schema = node.schema
    if schema is not None and schema.lower() not in ("main", "temp"):
        return None
    tf = _lookup(qc.state.session, node.name, [])
    if tf is None:
        return None
    return _make_source(qc, tf, node.alias)
