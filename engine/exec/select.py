"""The SELECT compiler and executor (lang_select.html, lang_with.html).

A SELECT is compiled once into a ``Unit``: a tree of Python closures and
generators.  One query level evaluates over *combined rows*: the flat
concatenation of the rows of its FROM items in join order, each table row
laid out as ``(rowid, col0, col1, ...)`` (no rowid for WITHOUT ROWID tables
and subqueries).  Expressions compile to closures over that layout; a
correlated reference to an enclosing level reads that level's current row
from its scope's ``holder``, which every subquery evaluation sets first.

Processing order for one level, as lang_select.html describes it: FROM
(joins in the planner's order) -> WHERE -> GROUP BY/aggregates -> HAVING ->
window functions -> result columns -> DISTINCT -> ORDER BY -> LIMIT/OFFSET.
Compound SELECTs combine their arms with UNION [ALL], INTERSECT and EXCEPT
and then apply the ORDER BY/LIMIT of the compound.  Names resolve with
SQLite's rules and messages ("no such table: X", "no such column: X",
"ambiguous column name: X"); result column names are those sqlite3 reports.
"""

from __future__ import annotations

from operator import itemgetter

from .. import planner as P
from .. import values as V
from ..errors import IntegrityError, NotSupportedError, OperationalError
from ..functions.aggregate import AGGREGATE_FUNCTIONS
from ..functions.window import WINDOW_FUNCTIONS
from .aggregate import AggSpec, aggregate_rows
from .expr import CExpr, ExprCompiler, constant, predicate
from .operators import distinct_key, except_, intersect, limit_offset, sort_rows, unique
from .tvf import eponymous_source, table_function_source
from .window import FrameSpec, WindowCall, WindowSpec, apply_windows

__all__ = ["ColumnInfo", "Scope", "Source", "Unit", "compile_query"]

MAX_COLUMNS = 2000
ROWID_NAMES = ("rowid", "oid", "_rowid_")


class ColumnInfo:
    __slots__ = ("name", "aff", "coll", "hidden")

    def __init__(self, name, aff=None, coll=None, hidden=False):
        self.name = name
        self.aff = aff
        self.coll = coll
        self.hidden = hidden


class Source:
    """One FROM item of a query level."""

    def __init__(self, name, columns, *, table=None, unit=None, has_rowid=False):
        self.name = name  # the name used to qualify columns (alias or table name)
        self.columns: list[ColumnInfo] = columns
        self.table = table  # catalog table, for base tables
        self.unit = unit  # compiled subquery/view/CTE
        self.has_rowid = has_rowid
        self.offset = 0
        self.join = "INNER"  # how this item joins the ones before it
        self.natural = False
        self.on = None
        self.using: list[str] = []
        self.using_hidden: set[int] = set()  # columns merged into an earlier item
        self.using_names: list[str] = []  # its USING list (NATURAL: the shared names)
        self.coalesce_with: dict[int, tuple] = {}  # FULL/RIGHT USING columns
        self.coalesce_chain: dict[int, list] = {}  # (item, column, "RIGHT"|"FULL") in order
        self.index = 0
        self.lname = name.lower() if name else None
        self._colmap = None
        self.flat_ok = False  # a FROM subquery or view (not a CTE): may be flattened
        self.flattened = False  # SQLite flattens it into the query reading it
        self.rjoins = False  # flattened, with a RIGHT/FULL JOIN inside
        self.push_ok = True  # terms may be pushed down into it (not a shared CTE)
        self.lazy_cols: frozenset = frozenset()  # its columns computed where read
        self.const_cols: frozenset = frozenset()  # its constant columns (substituted)
        self.col_fns = None  # its result columns, compiled over its own rows

    @property
    def width(self) -> int:
        return len(self.columns) + (1 if self.has_rowid else 0)

    def col_pos(self, j: int) -> int:
        return self.offset + (1 if self.has_rowid else 0) + j

    def find(self, name: str):
        """Index of column ``name`` (case-insensitive), -1 for the rowid, or None."""
        if self._colmap is None:
            m = {}
            for j, c in enumerate(self.columns):
                m.setdefault(c.name.lower(), j)
            self._colmap = m
        low = name.lower()
        j = self._colmap.get(low)
        if j is not None:
            return j
        if self.has_rowid and low in ROWID_NAMES:
            return -1
        return None


class Scope:
    """Name-resolution scope of one query level."""

    def __init__(self, parent, session):
        self.parent = parent
        self.session = session
        self.sources: list[Source] = []
        self.holder = [None]
        self.correlated = False  # something here reads an enclosing level
        self.aliases: dict[str, object] = {}  # result-column aliases -> AST
        self.alias_ok = False
        self.ctes = parent.ctes if parent is not None else {}
        self.width = 0
        self.in_aggregate = False
        self.used: set[int] = set()  # FROM items read by the term being compiled
        self.used_cols: set[tuple[int, int]] = set()  # (item, column) read anywhere
        self.eqp_pending: list = []  # EXPLAIN QUERY PLAN nodes of expression subqueries
        self.hide_parent = False  # compiling GROUP BY/ORDER BY: no enclosing level visible
        self.exists_body = False  # the SELECT of an EXISTS (result columns unused)
        self.drop_sub_order = False  # its FROM subqueries lose their ORDER BY (see _select)
        self.resolver = None  # the _Resolver of this level (SELECT levels)
        self.token = None  # identifies the select() call compiling this level


class _NeedAggregate(Exception):
    """Raised when a subquery's aggregate turns out to belong to a level compiled as a
    non-aggregate query: that level starts again as an aggregate query."""

    def __init__(self, token):
        super().__init__("recompile as an aggregate query")
        self.token = token


class Unit:
    """A compiled query: column names, affinities, collations, and ``rows()``."""

    def __init__(self, names, affs, colls, rows_fn, correlated=False, eqp=None):
        self.names = names
        self.affs = affs
        self.colls = colls
        self.rows = rows_fn  # () -> iterator of tuples
        self.correlated = correlated
        self.eqp = eqp or []
        # a simple SELECT SQLite could flatten into the query reading it: what the
        # flattening rules ask of it, and the mask of its unread columns (set by that
        # query when it would be flattened: SQLite never computes them then).  A unit
        # wrapping another's rows (a view or CTE with a column list) shares them.
        self.flat = getattr(rows_fn, "unit_flat", None)
        # terms of the query reading it pushed down into it (pushDownWhereTerms), or
        # None when it takes none
        self.push = getattr(rows_fn, "unit_push", None)
        self.one_row = getattr(rows_fn, "unit_one_row", False)  # at most one row


class _State:
    """Per-statement mutable state shared by all compiled closures."""

    def __init__(self, session):
        self.session = session
        self.params: list = []
        self.param_names: list[str | None] = []
        self.param_index: dict[str, int] = {}
        self.epoch = 0
        # EXPLAIN QUERY PLAN: (parent, detail[, children]) nodes of the level being built
        self.eqp: list[tuple] = []
        self.subquery_number = 0
        self.fctxs: list = []
        # scopes whose columns the aggregate arguments being compiled read
        self.agg_refs: list[set] = []
        self.exists_body = None  # the Select node of the EXISTS being compiled
        self.precompiled: dict = {}  # id(SubqueryRef) -> Unit compiled for it already
        self.in_cte_or_view = 0  # depth of CTE/view bodies being compiled
        self.init: list = []  # constants computed when the statement starts (_with_init)
        enc = "UTF-8"
        if session is not None and session.storage is not None:
            enc = session.storage.encoding
        self.encoding = {"UTF-8": "utf-8", "UTF-16le": "utf-16le",
                         "UTF-16be": "utf-16be"}.get(enc, "utf-8")


def _compound_plan(ops, arm_plans, ordered) -> tuple:
    """The EXPLAIN QUERY PLAN node of a compound SELECT (multiSelect): without ORDER BY,
    COMPOUND QUERY over LEFT-MOST SUBQUERY and one node per further arm ("UNION ALL",
    "<op> USING TEMP B-TREE"); with ORDER BY (multiSelectOrderBy), left-deep
    "MERGE (<op>)" nodes over LEFT and RIGHT."""
    if ordered:
        node = None
        for op, plan in zip(ops, arm_plans[1:]):
            left = [node] if node is not None else arm_plans[0]
            node = (0, f"MERGE ({op})", [(0, "LEFT", left), (0, "RIGHT", plan)])
        return node
    kids = [(0, "LEFT-MOST SUBQUERY", arm_plans[0])]
    for op, plan in zip(ops, arm_plans[1:]):
        kids.append((0, op if op == "UNION ALL" else f"{op} USING TEMP B-TREE", plan))
    return (0, "COMPOUND QUERY", kids)


def _expr_meta(unit):
    """(affinities, collations) of a compound's columns where an expression reads it (a
    scalar or IN subquery): those of its last arm, as sqlite3ExprAffinity and
    exprINAffinity read the rightmost SELECT; FROM reads the first arm's."""
    return getattr(unit, "expr_meta", None) or (unit.affs, unit.colls)


# ---------------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------------


def compile_query(node, session, state=None, parent=None, texts=None) -> Unit:
    state = state or _State(session)
    if getattr(state, "sel_ids", None) is None:
        state.sel_ids = selection_ids(node)
    return _with_init(state, _QueryCompiler(state, parent).query(node, texts=texts))


_ALWAYS = [True]
_COMPARISON_OPS = frozenset(("=", "==", "!=", "<>", "<", "<=", ">", ">=", "IS", "IS NOT"))


def _with_init(state, unit: Unit) -> Unit:
    """The statement's unit, computing first the constants SQLite factors out into its
    initialization code (sqlite3ExprCodeRunJustOnce without EP_HasFunc): they run when
    the statement starts, wherever they are written, even where no row ever reaches."""
    init = state.init
    if not init:
        return unit
    rows_fn = unit.rows

    def rows():
        for fn, flag in init:
            if flag[0]:
                try:
                    fn(None)
                except (TypeError, IndexError, AttributeError, KeyError):
                    pass  # only SQL errors matter here (a model miss must not crash)
        return rows_fn()
    unit.rows = rows
    return unit


def selection_ids(root) -> dict:
    """id(node) -> SQLite's selId for each SELECT of a statement, the number its
    EXPLAIN QUERY PLAN prints ("(subquery-N)", "SCALAR SUBQUERY N", "(join-N)"): the
    parser numbers each SELECT when it finishes reading it (sqlite3SelectNew), so the
    SELECTs inside one come first, in the order they are written, a WITH's before the
    body, and a compound's ORDER BY/LIMIT before its last arm; a compound or a
    subquery's Select gets the number of its last arm, each VALUES row one number, a
    parenthesized join one after its items."""
    ids: dict = {}
    counter = 0
    stack: list = [("visit", root)]
    while stack:
        action, node, *extra = stack.pop()
        if action == "assign":
            if node is not None:
                counter += 1
                ids[id(node)] = counter
            for alias in extra[0]:
                ids[id(alias)] = counter
            continue
        kind = type(node).__name__
        todo: list = []
        if kind == "Select":
            if node.with_ is not None:
                todo.append(("visit", node.with_))
            tail = [t for t in node.order_by or []]
            tail += [x for x in (node.limit, node.offset) if x is not None]
            body = node.body
            arms = body.terms() if type(body).__name__ == "Compound" else [body]
            for k, arm in enumerate(arms):
                last = k == len(arms) - 1
                if type(arm).__name__ == "Values":
                    for r, row in enumerate(arm.rows):
                        todo.extend(("visit", e) for e in row)
                        if last and r == len(arm.rows) - 1:
                            todo.extend(("visit", t) for t in tail)
                            todo.append(("assign", arm, [node, body]))
                        else:
                            todo.append(("assign", None if r else None, []))
                            todo[-1] = ("assign", object(), [])
                    continue
                todo.extend(("visit", c) for c in arm.children())
                if last:
                    todo.extend(("visit", t) for t in tail)
                    todo.append(("assign", arm, [node, body]))
                else:
                    todo.append(("assign", arm, []))
        elif kind == "ParenJoin":
            todo.extend(("visit", c) for c in node.children())
            todo.append(("assign", node, []))
        else:
            todo.extend(("visit", c) for c in node.children())
        stack.extend(reversed(todo))
    return ids


_ITEM_END = frozenset(("FROM", "WHERE", "GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "UNION",
                       "INTERSECT", "EXCEPT", "SEMI", "EOF"))


def result_texts(sql: str) -> list[str] | None:
    """The source text of each result column of the statement's first SELECT, as
    sqlite3 uses it for the names of un-aliased expressions."""
    from ..sql.lexer import lex

    try:
        tokens = lex(sql)
    except Exception:  # noqa: BLE001 - names only; the parser reports errors
        return None
    depth = 0
    i = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        if t.kind == "LP":
            depth += 1
        elif t.kind == "RP":
            depth -= 1
        elif depth == 0 and t.kind == "SELECT":
            break
        elif depth == 0 and t.kind in ("VALUES", "SEMI", "EOF"):
            return None
        i += 1
    else:
        return None
    i += 1
    if i < n and tokens[i].kind in ("DISTINCT", "ALL"):
        i += 1
    texts = []
    start = i
    depth = 0
    while i < n:
        t = tokens[i]
        if t.kind == "LP":
            depth += 1
        elif t.kind == "RP":
            depth -= 1
            if depth < 0:
                break
        elif depth == 0 and (t.kind == "COMMA" or t.kind in _ITEM_END):
            if (t.kind == "FROM" and i >= 2 and tokens[i - 1].kind == "DISTINCT"
                    and tokens[i - 2].kind in ("IS", "NOT")):
                i += 1  # IS [NOT] DISTINCT FROM is an operator
                continue
            if i > start:
                last = tokens[i - 1]
                texts.append(sql[tokens[start].offset:last.offset + len(last.text)])
            if t.kind != "COMMA":
                break
            start = i + 1
        i += 1
    return texts


class _QueryCompiler:
    def __init__(self, state: _State, parent: Scope | None):
        self.state = state
        self.parent = parent

    # -- query dispatch ---------------------------------------------------------------------
    def query(self, node, parent=None, eqp_parent=0, texts=None) -> Unit:
        """Compile a Select statement node (body + ORDER BY/LIMIT/OFFSET + WITH)."""
        parent = parent if parent is not None else self.parent
        kind = type(node).__name__
        if kind != "Select":
            raise NotSupportedError(f"{kind} statements are not supported yet")
        ctes = self._with(node.with_, parent)
        if node.with_ is not None:
            # a CTE SQLite treats as a FROM subquery (and so may flatten): NOT MATERIALIZED,
            # or without a hint and used once (3.35+ materializes one used more often)
            for cte in node.with_.ctes:
                c = ctes.get(cte.name.lower())
                if isinstance(c, _CTE) and c.node is cte:
                    low = cte.name.lower()
                    uses = sum(1 for n in node.walk() if type(n).__name__ == "TableRef"
                               and n.schema is None and n.name.lower() == low)
                    c.flattenable = cte.materialized is False or (
                        cte.materialized is None and uses == 1)
                    # WHERE terms are pushed into a CTE not MATERIALIZED and used once
                    c.push_ok = cte.materialized is not True and uses < 2
        cparent = parent
        if node.with_ is not None:
            cparent = _cte_scope(parent, ctes, self.state.session)
        body = node.body
        bkind = type(body).__name__
        if bkind == "SelectCore":
            exists = self.state.exists_body is node
            if exists:
                self.state.exists_body = None
            return self.select(body, node, cparent, eqp_parent, texts, exists=exists)
        if bkind == "Compound":
            rewritten = self._compound_as_subquery(node, body, cparent, eqp_parent, texts)
            if rewritten is not None:
                return rewritten
            return self.compound(body, node, cparent, eqp_parent, texts)
        if bkind == "Values":
            return self.values(body, node, cparent)
        raise NotSupportedError(f"{bkind} not supported yet")

    def _compound_as_subquery(self, node, body, cparent, eqp_parent, texts):
        """SQLite 3.40's convertCompoundSelectToSubquery: a compound with an operator
        other than UNION ALL and a COLLATE in its ORDER BY runs as
        ``SELECT * FROM (compound) ORDER BY ... LIMIT ...`` -- and the last arm's GROUP BY,
        HAVING and DISTINCT go to that outer SELECT (so its GROUP BY names the
        compound's result columns: a column of the arm's tables is "no such column").
        None when the rewrite does not apply."""
        import dataclasses

        from ..sql import ast as A

        if self.state.in_cte_or_view:
            return None  # the converting walker never sees CTE or view bodies
        if not node.order_by or not any(
                type(n).__name__ == "Collate"
                for t in node.order_by for n in _walk_expr(t.expr)):
            return None
        n = body
        while type(n).__name__ == "Compound" and n.op.upper() == "UNION ALL":
            n = n.left
        if type(n).__name__ != "Compound":
            return None
        last = body.right
        if type(last).__name__ == "SelectCore":
            group_by, having, distinct = list(last.group_by or []), last.having, last.distinct
            last = dataclasses.replace(last, group_by=[], having=None)
        else:
            group_by, having, distinct = [], None, False
        inner = A.Select(body=dataclasses.replace(body, right=last), with_=None)
        unit = self.compound(inner.body, None, cparent, eqp_parent, texts)
        self._compound_order(node, unit.names, unit.colls)  # its terms name result columns
        ref = A.SubqueryRef(select=inner, alias=None)
        self.state.precompiled[id(ref)] = unit
        core = A.SelectCore(distinct=distinct, columns=[A.Star()],
                            from_=A.JoinClause(first=ref, joins=[]),
                            group_by=group_by, having=having)
        outer = A.Select(body=core, order_by=node.order_by, limit=node.limit,
                         offset=node.offset)
        return self.select(core, outer, cparent, eqp_parent)

    def arm(self, node, parent, eqp_parent, texts=None, ignore_distinct=False) -> Unit:
        kind = type(node).__name__
        if kind == "SelectCore":
            return self.select(node, None, parent, eqp_parent, texts,
                               ignore_distinct=ignore_distinct)
        if kind == "Values":
            return self.values(node, None, parent)
        if kind == "Select":
            return self.query(node, parent, eqp_parent)
        raise NotSupportedError(f"{kind} not supported yet")

    # -- WITH -------------------------------------------------------------------------------
    def _with(self, with_node, scope_parent):
        """Register CTEs; returns the ctes mapping for the body."""
        base = scope_parent.ctes if scope_parent is not None else {}
        if with_node is None:
            return base
        ctes = dict(base)
        recursive = with_node.recursive
        for cte in with_node.ctes:
            name = cte.name.lower()
            ctes[name] = _CTE(cte, recursive, dict(ctes))
        for c in ctes.values():
            if isinstance(c, _CTE):
                c.visible = ctes
        return ctes

    # -- VALUES -----------------------------------------------------------------------------
    def values(self, node, outer, parent) -> Unit:
        scope = Scope(parent, self.state.session)
        ec = ExprCompiler(_Resolver(self, scope, aggregate_ok=False))
        rows = []
        width = None
        for row in node.rows:
            if width is None:
                width = len(row)
            elif len(row) != width:
                raise OperationalError("all VALUES must have the same number of terms")
            rows.append([ec.compile(e) for e in row])
        names = [f"column{i + 1}" for i in range(width or 0)]
        # a VALUES of several rows is a UNION ALL of one-row SELECTs: its columns take the
        # affinity and collation of the first row in FROM, of the last in an expression
        first, last = rows[0], rows[-1]
        rows = [[c.fn for c in row] for row in rows]

        def run():
            for row in rows:
                yield tuple([f(None) for f in row])
        unit = Unit(names, [c.aff for c in first], [c.coll for c in first], run,
                    correlated=scope.correlated)
        self.state.eqp.append((0, "SCAN CONSTANT ROW" if len(rows) == 1
                               else f"SCAN {len(rows)} CONSTANT ROWS"))
        unit.expr_meta = ([c.aff for c in last], [c.coll for c in last])
        unit.one_row = len(rows) == 1  # (the planner puts a one-row subquery outermost)
        if outer is not None and (outer.order_by or outer.limit is not None):
            return self._finish_compound(unit, outer, parent)
        return unit

    # -- compound ---------------------------------------------------------------------------
    def compound(self, node, outer, parent, eqp_parent, texts=None) -> Unit:
        terms = node.terms()
        if len(terms) > 500:
            raise OperationalError("too many terms in compound SELECT")
        ops = []
        n = node
        while type(n).__name__ == "Compound":
            ops.append(n.op.upper())
            n = n.left
        ops.reverse()
        ordered = outer is not None and bool(outer.order_by)
        # An arm whose rows go into UNION/EXCEPT/INTERSECT's ephemeral index (SRT_Union,
        # SRT_Except: every arm of or under a non-ALL operator, when no ORDER BY makes
        # SQLite merge sorted co-routines instead) has its own DISTINCT dropped
        # (IgnorableDistinct in select.c): only which duplicate survives changes.
        ignore = [False] * len(terms)
        if not ordered:
            for i in range(len(terms)):
                later = ops[max(i - 1, 0):]
                ignore[i] = any(op != "UNION ALL" for op in later)
        st = self.state
        saved_eqp = st.eqp
        arm_plans = []
        arms = []
        try:
            for i, t in enumerate(terms):
                st.eqp = []
                arms.append(self.arm(t, parent, eqp_parent, texts if i == 0 else None,
                                     ignore_distinct=ignore[i]))
                arm_plans.append(st.eqp)
        finally:
            st.eqp = saved_eqp
        st.eqp.append(_compound_plan(ops, arm_plans, ordered))
        width = len(arms[0].names)
        for op, arm in zip(ops, arms[1:]):
            if len(arm.names) != width:
                raise OperationalError(
                    f"SELECTs to the left and right of {op} do not have the same number of "
                    "result columns")
        names = arms[0].names
        affs = arms[0].affs
        colls = list(arms[0].colls)
        keyf = distinct_key(colls)
        sort_all = [(lambda r, i=i: r[i], colls[i], False, None) for i in range(width)]

        if ordered:
            merge_key = self._compound_order(outer, names, colls)
            positions = self._compound_positions(outer, names)
            merge_key = merge_key + [sort_all[k] for k in range(width)
                                     if k not in positions]

            def run():
                rows = arms[0].rows()
                for op, arm in zip(ops, arms[1:]):
                    if op == "UNION ALL":
                        rows = _chain(rows, arm.rows())
                    else:
                        rows = iter(_merge_step(op, list(rows), list(arm.rows()), merge_key,
                                                keyf))
                return rows
            unit = Unit(names, affs, colls, run, correlated=any(a.correlated for a in arms))
            unit.expr_meta = _expr_meta(arms[-1])
            unit = self._finish_compound(unit, outer, parent)
            if st.eqp and st.eqp[-1] == (0, "USE TEMP B-TREE FOR ORDER BY"):
                st.eqp.pop()  # the merge reads its arms in order: no sorter
            return unit

        def run():
            rows = arms[0].rows()
            for op, arm in zip(ops, arms[1:]):
                if op == "UNION ALL":
                    rows = _chain(rows, arm.rows())
                    continue
                if op == "UNION":
                    # an equal row arriving later replaces the kept one, as inserting into
                    # SQLite's ephemeral index overwrites the entry
                    kept = {}
                    for row in _chain(rows, arm.rows()):
                        kept[row if keyf is None else keyf(row)] = row
                    rows = iter(kept.values())
                elif op == "INTERSECT":
                    rows = intersect(rows, arm.rows(), keyf)
                elif op == "EXCEPT":
                    rows = except_(rows, arm.rows(), keyf)
                else:
                    raise NotSupportedError(f"compound operator {op} not supported yet")
                rows = iter(sort_rows(list(rows), sort_all))
            return rows
        unit = Unit(names, affs, colls, run, correlated=any(a.correlated for a in arms))
        unit.expr_meta = _expr_meta(arms[-1])
        if outer is not None:
            return self._finish_compound(unit, outer, parent)
        return unit

    def _finish_compound(self, unit, outer, parent) -> Unit:
        order = self._compound_order(outer, unit.names, unit.colls)
        limit_fn, offset_fn = self._limit(outer, parent)
        rows_fn = unit.rows
        if order:
            self.state.eqp.append((0, "USE TEMP B-TREE FOR ORDER BY"))

        def run():
            if order:
                # merged sorted arms (multiSelectOrderBy): LIMIT and OFFSET are computed
                # first, and LIMIT 0 runs no arm
                limit = limit_fn()
                if limit == 0:
                    return iter(())
                offset = offset_fn()
                return limit_offset(iter(sort_rows(list(rows_fn()), order)), limit, offset)
            rows = rows_fn()
            return limit_offset(rows, limit_fn(), offset_fn())
        done = Unit(unit.names, unit.affs, unit.colls, run, unit.correlated)
        done.expr_meta = getattr(unit, "expr_meta", None)
        return done

    @staticmethod
    def _compound_positions(node, names) -> set:
        """The result columns the ORDER BY of a compound names (checked by
        _compound_order)."""
        out = set()
        for term in node.order_by or []:
            base = term.expr
            if type(base).__name__ == "Collate":
                base = base.operand
            lit = _int_literal(base)
            if lit is not None:
                out.add(lit - 1)
            elif type(base).__name__ == "Column":
                low = base.name.lower()
                for k, nm in enumerate(names):
                    if nm.lower() == low:
                        out.add(k)
                        break
        return out

    def _compound_order(self, node, names, colls):
        terms = []
        for i, term in enumerate(node.order_by or []):
            e = term.expr
            pos = None
            coll = None
            base = e
            if type(base).__name__ == "Collate":
                coll = base.collation.upper()
                base = base.operand
            lit = _int_literal(base)
            if lit is not None:
                if not 1 <= lit <= len(names):
                    raise OperationalError(
                        f"{_ordinal(i + 1)} ORDER BY term out of range - should be between 1 "
                        f"and {len(names)}")
                pos = lit - 1
            elif type(base).__name__ == "Column" and not getattr(base, "table", None):
                low = base.name.lower()
                for k, nm in enumerate(names):
                    if nm.lower() == low:
                        pos = k
                        break
            if pos is None:
                raise OperationalError(
                    f"{_ordinal(i + 1)} ORDER BY term does not match any column in the "
                    "result set")
            terms.append((lambda r, k=pos: r[k], coll or colls[pos], _desc(term),
                          _nulls_first(term)))
        return terms

    # -- LIMIT/OFFSET -----------------------------------------------------------------------
    def _limit(self, node, scope):
        limit = getattr(node, "limit", None)
        offset = getattr(node, "offset", None)
        ec = ExprCompiler(_Resolver(self, Scope(scope, self.state.session), aggregate_ok=False))

        def make(e, what):
            if e is None:
                return lambda: None
            c = ec.compile(e)

            def get():
                v = c.fn(None)
                v2 = V.apply_affinity(v, "NUMERIC") if type(v) is str else v
                if type(v2) is float and v2 == int(v2):
                    v2 = int(v2)
                if type(v2) is not int:
                    raise IntegrityError("datatype mismatch")
                return v2
            return get
        return make(limit, "LIMIT"), make(offset, "OFFSET")

    # -- SELECT -----------------------------------------------------------------------------
    def select(self, core, outer, parent, eqp_parent=0, texts=None,
               ignore_distinct=False, exists=False) -> Unit:
        """One SelectCore; ``outer`` is the Select carrying ORDER BY/LIMIT (or None for an
        arm of a compound).

        An aggregate in a subquery of the result columns whose arguments read only this
        level's columns is an aggregate of this level (resolve.c moves it outward) and makes
        this query an aggregate query even without an aggregate of its own: compiling
        meets it late, so the query is then compiled again as an aggregate one.

        ``exists``: the body of EXISTS, whose result columns SQLite never evaluates
        (SRT_Exists only notes that a row came)."""
        st = self.state
        token = object()
        snapshot = (st.subquery_number, len(st.eqp), len(st.fctxs))
        try:
            return self._select(core, outer, parent, eqp_parent, texts, ignore_distinct,
                                token, False, exists)
        except _NeedAggregate as exc:
            if exc.token is not token:
                raise
        st.subquery_number = snapshot[0]
        del st.eqp[snapshot[1]:]
        del st.fctxs[snapshot[2]:]
        return self._select(core, outer, parent, eqp_parent, texts, ignore_distinct,
                            token, True, exists)

    def _select(self, core, outer, parent, eqp_parent, texts, ignore_distinct, token,
                force_agg, exists) -> Unit:
        scope = Scope(parent, self.state.session)
        scope.token = token
        scope.exists_body = exists
        # a FROM subquery's ORDER BY is dropped under an ORDER BY or in a join (sqlite3Select)
        scope.drop_sub_order = (
            ((outer is not None and bool(outer.order_by))
             or (core.from_ is not None and bool(core.from_.joins)))
            and not _order_sensitive_aggregate(core, outer))
        if core.from_ is not None:
            self._from(core.from_, scope)
        off = 0
        for i, s in enumerate(scope.sources):
            s.offset = off
            s.index = i
            off += s.width
        scope.width = off
        self._mark_using(scope)
        self._simplify_left_joins(core, scope)
        resolver = _Resolver(self, scope)
        scope.resolver = resolver
        ec = ExprCompiler(resolver)

        # result columns (stars expanded)
        items = self._result_items(core, scope, texts)
        if len(items) > MAX_COLUMNS:
            raise OperationalError("too many columns in result set")
        for _name, expr_node, alias in items:
            if alias:
                scope.aliases.setdefault(alias.lower(), expr_node)
        windows = {w.name.lower(): w.spec for w in core.windows}
        resolver.window_defs = windows
        order_by = list(outer.order_by) if outer is not None else []
        group_by = list(core.group_by or [])
        having = core.having
        # only the result columns (or GROUP BY) make an aggregate query; aggregates in
        # HAVING or ORDER BY of any other query are misuse (SQLite 3.40)
        has_agg = (force_agg or bool(group_by)
                   or _contains_aggregate([e for _n, e, _a in items]))
        resolver.query_is_agg = has_agg
        if having is not None and not group_by and not has_agg:
            raise OperationalError("HAVING clause on a non-aggregate query")
        # FROM subqueries SQLite flattens into this query: their columns are computed where
        # this query reads them (lazily), and their constant WHERE terms join ours
        hoisted = self._flatten(scope, outer, core, has_agg,
                                bool(core.distinct) and not ignore_distinct,
                                bool(order_by), ignore_distinct)

        # WHERE terms (no aggregates)
        terms: list[P.Term] = [P.Term(c, (), c.cmps) for c in hoisted]
        pushable: list = []  # (Term, AST, the LEFT JOIN item whose ON has it, or None)
        resolver.aggregate_ok = False
        if core.where is not None:
            scope.alias_ok = True
            for t in _conjuncts(core.where):
                scope.used = set()
                c = ec.compile(t)
                terms.append(P.Term(c, scope.used, c.cmps))
                terms[-1].hoist = _sqlite_deterministic(t)
                pushable.append((terms[-1], t, None))
        scope.alias_ok = False
        # HAVING terms that read only GROUP BY terms and constants also filter the rows
        # before grouping (select.c's havingToWhere): their errors never happen for rows
        # they remove; they stay in HAVING too, where they hold for the same groups
        # ON / USING: inner joins join the WHERE terms; outer joins keep theirs
        join_terms: dict[int, list] = {}
        ltorj = any(s.join in ("RIGHT", "FULL") for s in scope.sources)
        for s in scope.sources:
            own = []
            if s.on is not None:
                for t in _conjuncts(s.on):
                    scope.used = set()
                    c = ec.compile(t)
                    if not scope.used and s.join not in ("LEFT", "RIGHT", "FULL"):
                        # an inner join's ON term reading no column of this level is a
                        # constant of the whole loop, as SQLite codes it (so a later
                        # RIGHT JOIN's unmatched rows go too)
                        own.append(P.Term(c, (), c.cmps))
                        own[-1].hoist = _sqlite_deterministic(t)
                        continue
                    # an inner join's ON term is a WHERE term, tested once what it reads
                    # is there; an outer join's waits for its item (as does every ON term
                    # of a FROM with a RIGHT/FULL JOIN: "an ON clause that is not ripe")
                    if s.join == "INNER" and not ltorj:
                        own.append(P.Term(c, scope.used, c.cmps))
                    else:
                        own.append(P.Term(c, scope.used | {s.index}, c.cmps))
                    if s.join in ("INNER", "LEFT"):
                        pushable.append((own[-1], t, s.index if s.join == "LEFT" else None))
            if s.using or s.natural:
                own.extend(self._using_terms(s, scope))
            if s.join in ("LEFT", "RIGHT", "FULL"):
                join_terms[s.index] = own
            else:
                for term in own:
                    term.from_on = True  # not held back by a later RIGHT JOIN
                terms.extend(own)
        scope.used = set()
        self._push_down(scope, pushable)

        # GROUP BY
        agg_specs: list[AggSpec] = []
        resolver.agg_specs = agg_specs
        resolver.agg_base = scope.width
        group_fns = []
        group_colls = []
        binary_keys: set = set()  # GROUP BY terms (as text) with the BINARY collation
        if group_by:
            scope.alias_ok = True
            resolver.in_group_by = True
            scope.hide_parent = True  # GROUP BY never reads an enclosing query
            for g in group_by:
                # an integer term (under COLLATE too) names a result column
                base, gcoll = g, None
                if type(base).__name__ == "Collate":
                    gcoll = base.collation
                    base = base.operand
                lit = _int_literal(base)
                if lit is not None:
                    if not 1 <= lit <= len(items):
                        raise OperationalError(
                            f"{_ordinal(len(group_fns) + 1)} GROUP BY term out of range - "
                            f"should be between 1 and {len(items)}")
                    g = items[lit - 1][1]
                    if gcoll is not None:
                        from ..sql import ast as A

                        g = A.Collate(operand=g, collation=gcoll)
                c = ec.compile(g)
                group_fns.append(c.fn)
                group_colls.append(c.coll)
                if (c.coll or "BINARY") == "BINARY":
                    # sqlite3ExprCompare sees through a COLLATE on either side
                    k = g
                    binary_keys.add(k.to_sql())
                    while type(k).__name__ == "Collate":
                        k = k.operand
                        binary_keys.add(k.to_sql())
            scope.alias_ok = False
            scope.hide_parent = False
            resolver.in_group_by = False
            # HAVING terms that read only BINARY GROUP BY terms and constants also filter
            # the rows before grouping (select.c's havingToWhere): their errors never
            # happen for rows they remove; they stay in HAVING, true for the same groups
            scope.alias_ok = True
            for t in _having_to_where(having, binary_keys):
                scope.used = set()
                c = ec.compile(t)
                terms.append(P.Term(c, scope.used, c.cmps))
            scope.alias_ok = False
            scope.used = set()
        resolver.aggregate_ok = has_agg

        # window calls
        win_calls: list[WindowCall] = []
        resolver.win_calls = win_calls

        # result expressions, HAVING, ORDER BY
        resolver.in_result = True
        out_exprs = [ec.compile(e) for _n, e, _a in items]
        resolver.in_result = False
        names = [n for n, _e, _a in items]
        affs = [c.aff for c in out_exprs]
        colls = [c.coll for c in out_exprs]
        having_fn = None
        if having is not None:
            scope.alias_ok = True
            resolver.win_calls = None  # window functions are not allowed in HAVING
            having_fn = predicate(ec.compile(having))
            resolver.win_calls = win_calls
            scope.alias_ok = False
        order_terms = []
        order_cols = []
        order_consts = []  # the ORDER BY terms that are constants (sqlite3ExprIsConstant)
        scope.alias_ok = True
        scope.hide_parent = True  # nor does ORDER BY (resolveSelectStep: sNC.pNext = 0)
        for i, term in enumerate(order_by):
            fn, coll, desc, nf, col, ast = self._order_term(term, i, items, out_exprs, ec)
            order_terms.append((fn, coll, desc, nf))
            order_cols.append((col, coll, desc, nf))
            order_consts.append(_sqlite_constant(ast))
        if exists:
            # IgnorableOrderby(SRT_Exists): resolved, then dropped
            order_terms, order_cols, order_consts = [], [], []
        scope.alias_ok = False
        scope.hide_parent = False
        resolver.win_base = scope.width + len(agg_specs)
        if has_agg and not agg_specs and not group_by and not force_agg and having is None:
            # every aggregate written here belongs to an enclosing level: not an aggregate
            # query after all (the row layout is the same, without aggregate slots)
            has_agg = False
        if has_agg and not group_by and not win_calls:
            # one row: the ORDER BY is resolved (aggregates in it are still computed), then
            # dropped, its expressions never evaluated (sqlite3Select's no-GROUP-BY branch)
            order_terms, order_cols, order_consts = [], [], []
        limit_fn, offset_fn = self._limit(outer, parent)

        # plan FROM + WHERE now that every column the query reads is known
        plan = P.plan_level(scope, terms, join_terms, self.state, eqp_parent, scope.used_cols,
                            order_cols if not has_agg else None)
        from_rows = plan.rows
        self._mask_flattened(scope, bool(order_by))
        self.state.eqp.extend(scope.eqp_pending)
        scope.eqp_pending = []

        distinct = bool(core.distinct) and not ignore_distinct
        width = scope.width
        out_fns = [c.fn for c in out_exprs]
        nout = len(out_fns)
        keyf = distinct_key(colls) if distinct else None
        sorted_by_plan = (not has_agg and not win_calls and order_terms
                          and plan.provides_order(order_cols))
        # SQLite reads the rows in the ORDER BY's order (maybe backward) and has no sorter:
        # OFFSET then skips rows before their result columns are computed
        loop_order = None
        if order_terms and not sorted_by_plan and not has_agg and not win_calls \
                and not (distinct or exists):
            loop_order = plan.sqlite_order([oc + (k,) for oc, k in zip(order_cols,
                                                                        order_consts)])
        agg_list = agg_specs

        if exists:
            distinct = False  # IgnorableDistinct(SRT_Exists)

            def project(r):
                return ()
        elif nout == 1:
            f0 = out_fns[0]

            def project(r):
                return (f0(r),)
        elif not has_agg and not win_calls and all(c.column is not None for c in out_exprs):
            idx = [c.column for c in out_exprs]
            lo = idx[0]
            if idx == list(range(lo, lo + nout)):
                hi = lo + nout

                def project(r):
                    return tuple(r[lo:hi])
            else:
                def project(r):
                    return tuple([r[i] for i in idx])
        else:
            def project(r):
                return tuple([f(r) for f in out_fns])

        mask = [None, False]  # unread columns; the ORDER BY is dropped
        lazy_on = [False]  # flattened into the query reading it: columns computed there
        lazy_cols = frozenset()
        if (not has_agg and not win_calls and not distinct and core.from_ is not None
                and not exists):
            lazy_cols = frozenset(k for k, c in enumerate(out_exprs)
                                  if c.column is None and not c.const)
            flat = {"limit": outer is not None and outer.limit is not None,
                    "offset": outer is not None and outer.offset is not None,
                    "order": bool(order_by), "nsrc": len(scope.sources), "mask": mask,
                    "joins": any(s.join != "INNER" for s in scope.sources),
                    "rjoins": any(s.join in ("RIGHT", "FULL") for s in scope.sources),
                    "lazy_on": lazy_on, "lazy": lazy_cols, "fns": out_fns,
                    "const": frozenset(k for k, (_n, e, _a) in enumerate(items)
                                       if _sqlite_constant(e)),
                    # its WHERE terms reading no FROM item: once flattened, terms of
                    # the query reading it, tested before that query's loops
                    "where_const": [t.cexpr for t in terms if not t.deps and t.hoist]}
        else:
            flat = None
        plain_project = project
        # terms pushed down by the query reading this one: tested after WHERE (after
        # HAVING for an aggregate query) on the result row, computing only the result
        # columns they read; none into a query with LIMIT or window functions
        push = None
        if not (outer is not None and outer.limit is not None) and not win_calls \
                and not exists:
            push = []

        def masked_project(r, skip=mask):
            m = skip[0]
            return tuple([None if k in m else f(r) for k, f in enumerate(out_fns)])

        def lazy_project(r, skip=mask):
            m = skip[0] or ()
            return tuple([None if k in m else (_Lazy(f, r) if k in lazy_cols else f(r))
                          for k, f in enumerate(out_fns)])

        eqp = self.state.eqp
        if distinct and not (not has_agg and not win_calls and plan.provides_order(
                [(c.column, c.coll or "BINARY", False, None) for c in out_exprs])):
            eqp.append((eqp_parent, "USE TEMP B-TREE FOR DISTINCT"))
        need_sort = bool(order_terms) and not sorted_by_plan and not loop_order
        if need_sort:
            eqp.append((eqp_parent, "USE TEMP B-TREE FOR ORDER BY"))

        def run():
            if lazy_on[0]:
                project = lazy_project
            else:
                project = plain_project if mask[0] is None else masked_project
            sort = need_sort and not mask[1]
            # LIMIT and OFFSET are computed first; LIMIT 0 ends the query before it reads
            # a row (computeLimitRegisters' OP_IfNot jumps to the end)
            limit = limit_fn()
            if limit == 0:
                return iter(())
            offset = offset_fn()
            if has_agg:
                # issue 5 fast path (engine/exec/aggregate.py): group(from_rows(), ...), or a
                # fused scan + aggregate loop when the level is one full table scan
                rows = aggregate_rows(from_rows, scope, terms, group_fns, group_colls,
                                      agg_list, width)
                if having_fn is not None:
                    rows = filter(having_fn, rows)
            else:
                rows = from_rows()
            if push:
                rows = _pushed(rows, push, out_fns)
            if loop_order not in (None, "fwd") and not mask[1]:
                # a backward scan, or a pass for the NULLs: the same order as sorting the
                # rows (not their result columns) on the ORDER BY's columns
                rows = list(rows)
                if loop_order.startswith("rev"):
                    rows.reverse()
                sort_rows(rows, [t for t, k in zip(order_terms, order_consts) if not k])
            if win_calls:
                rows = iter(apply_windows(list(rows), win_calls))
            if sort:
                keyed = [(project(r), tuple([t[0](r) for t in order_terms])) for r in rows]
                if distinct:
                    keyed = list(unique(keyed, (lambda kr: kr[0]) if keyf is None
                                        else (lambda kr: keyf(kr[0]))))
                sort_rows(keyed, [(lambda kr, i=i: kr[1][i], t[1], t[2], t[3])
                                  for i, t in enumerate(order_terms)])
                out = (kr[0] for kr in keyed)
            elif distinct:
                out = unique(map(project, rows), keyf)
            else:
                # the rows OFFSET skips are never projected (codeOffset comes before the
                # result columns are computed)
                return map(project, limit_offset(rows, limit, offset))
            return limit_offset(out, limit, offset)
        run.unit_flat = flat
        run.unit_push = push
        run.unit_one_row = (has_agg and not group_by) or core.from_ is None
        # the result columns that are constants holding a function call, and how to
        # compute them: substituted into a function's arguments (a term pushed down into
        # this query, or this query flattened) they are factored into the init code
        run.unit_init_cols = (frozenset(k for k, (_n, e, _a) in enumerate(items)
                                        if _sqlite_constant(e) and _has_call(e)), out_fns)
        run.unit_const_cols = frozenset(k for k, (_n, e, _a) in enumerate(items)
                                        if _sqlite_constant(e))
        run.unit_temp_once = frozenset(
            k for k, (_n, e, _a) in enumerate(items)
            if not isinstance(e, _ColumnNode) and _has_func_flag(_strip_collate(e)))
        col_flags = [[True] for _ in items]
        run.unit_col_flags = col_flags  # a flattened query's unread columns: never coded
        self._factor_init(
            scope, [t.expr for t in order_by] + list(group_by), ec,
            jumps=([having] if having is not None else [])
            + ([core.where] if core.where is not None else [])
            + [x.on for x in scope.sources
               if x.on is not None and x.join not in ("LEFT", "RIGHT", "FULL")],
            columns=[] if exists else [(e, f) for (_n, e, _a), f in zip(items, col_flags)])
        unit = Unit(names, affs, colls, run, correlated=scope.correlated)
        return unit

    @staticmethod
    def _flatten(scope, outer, core, has_agg, distinct, ordered, in_compound) -> list:
        """Mark each FROM subquery SQLite would flatten into this query (flattenSubquery's
        restrictions in select.c): its result columns are then computed where this query
        reads them (substExpr), a constant one as a constant of this query, and its WHERE
        terms that read no FROM item are tested with ours before any loop.  Returns those
        terms (compiled), in SQLite's order: the subqueries' before this query's own."""
        # (25) does not hold back a query with window functions: SQLite first moves its
        # FROM into a subquery of only the columns read, which is then flattened
        del ordered
        has_limit = outer is not None and outer.limit is not None
        nsrc = len(scope.sources)
        hoisted: list = []
        if any(s.join in ("RIGHT", "FULL") for s in scope.sources):
            return hoisted
        for s in scope.sources:
            unit = s.unit
            if unit is None or not s.flat_ok or unit.flat is None:
                continue
            f = unit.flat
            if f["offset"]:
                continue  # (14)
            if f["limit"] and (has_limit or nsrc > 1 or has_agg or core.where is not None
                               or distinct or in_compound or scope.parent is not None):
                continue  # (13), (8), (9), (19), (21), (15); a subquery may have LIMIT 1
            if f["order"] and has_agg:
                continue  # (16)
            if s.join == "LEFT" and (f["nsrc"] > 1 or has_agg or distinct):
                continue  # (3)
            if f.get("rjoins") and s.index > 0:
                continue  # (27) a RIGHT/FULL JOIN inside: only as the first item
            s.flattened = True
            f["lazy_on"][0] = True
            s.lazy_cols = f["lazy"]
            s.col_fns = f["fns"]
            if s.join != "LEFT":
                # right of a LEFT JOIN its columns read NULL for the NULL row
                # (TK_IF_NULL_ROW) and its WHERE is part of the ON clause
                s.const_cols = f["const"]
                # with a RIGHT/FULL JOIN inside, its items stay the outer loops: a term
                # reading its constant column still waits for them
                s.rjoins = bool(f.get("rjoins"))
                hoisted.extend(f["where_const"])
        return hoisted

    @staticmethod
    def _simplify_left_joins(core, scope):
        """select.c's SimplifyJoin: a LEFT JOIN whose right item the WHERE clause (with the
        inner joins' ON clauses after it) cannot accept as a NULL row
        (sqlite3ExprImpliesNonNullRow) is an inner join; its ON terms join the WHERE's.
        Not done here when the FROM has a RIGHT or FULL JOIN."""
        sources = scope.sources
        if not any(s.join == "LEFT" for s in sources) or any(
                s.join in ("RIGHT", "FULL") for s in sources):
            return
        conjs = list(_conjuncts(core.where)) if core.where is not None else []
        for s in sources:
            if s.join not in ("LEFT", "RIGHT", "FULL") and s.on is not None:
                conjs.extend(_conjuncts(s.on))
        if not conjs:
            return
        resolver = _Resolver(None, scope)

        def reads(node, target):
            if type(node).__name__ != "Column":
                return False
            try:
                hit = resolver._find(scope, node.name, node.table)
            except OperationalError:
                return False
            return hit is not None and hit[0] is target

        def walk(node, target):
            # impliesNotNullRow: does ``node`` being true need a column of target?
            stack = [node]
            while stack:
                n = stack.pop()
                if n is None or isinstance(n, _ColumnNode):
                    continue
                kind = type(n).__name__
                if kind == "Column":
                    if reads(n, target):
                        return True
                    continue
                if kind in ("IsNull", "Case", "In", "Function", "Tuple") or \
                        kind in _SUBQUERY_NODES:
                    continue
                if kind == "Binary" and n.op.upper() in ("OR", "IS", "IS NOT"):
                    continue
                if kind == "Binary" and n.op.upper() == "AND":
                    if walk(n.left, target) and walk(n.right, target):
                        return True
                    continue
                if kind == "Between":
                    stack.append(n.operand)
                    continue
                if kind in ("Like", "Raise"):
                    continue  # LIKE/GLOB/REGEXP/MATCH are function calls
                stack.extend(n.children())
            return False

        def implies(node, target, top):
            while type(node).__name__ == "Collate" or (
                    type(node).__name__ == "Function" and node.name.lower() in (
                        "likely", "unlikely", "likelihood") and node.args):
                node = node.operand if type(node).__name__ == "Collate" else node.args[0]
            if top and type(node).__name__ == "IsNull" and getattr(node, "negated", False):
                node = node.operand
            return walk(node, target)

        for s in sources:
            if s.join != "LEFT":
                continue
            # sqlite3ExprImpliesNonNullRow on the AND tree: every conjunct but the last
            # whole (x NOTNULL counts), the last through the walker only
            hit = any(implies(c, s, True) for c in conjs[:-1]) or implies(
                conjs[-1], s, len(conjs) == 1)
            if hit:
                s.join = "INNER"

    def _factor_init(self, scope, roots, ec, target=None, jumps=(), columns=None):
        """Register the constants SQLite codes in its init section (run when the statement
        starts, reached or not): a constant subexpression at a place the code generator
        factors (an operand of an operator, sqlite3ExprCodeTemp, after its COLLATE; an
        argument of a function call that is not constant, SQLITE_ECEL_FACTOR) whose root
        lacks EP_HasFunc -- the flag the parser propagates upward from each function
        call, which a COLLATE node and a column substituted later (a flattened or
        pushed-down subquery's) do not carry -- though it calls a function.  A root with
        EP_HasFunc is computed once where it is reached (OP_Once) instead.
        ``roots`` are coded as values, ``jumps`` as conditions (WHERE, ON, HAVING);
        ``columns``, the result columns, each with its flag (off when never coded);
        ``target``: a FROM subquery the ``jumps`` were pushed down into."""
        resolver = _Resolver(None, scope)
        init = self.state.init

        def substituted(a):
            # a column SQLite replaces by its subquery's constant expression: the way to
            # compute it when it calls a function, False when it does not; else None
            try:
                hit = resolver._find(scope, a.name, a.table)
            except OperationalError:
                return None
            if hit is None:
                return None
            s, j = hit
            if s.unit is None:
                return None
            if target is not None:
                if s is not target:
                    return None
            elif not (s.flattened and j in s.const_cols):
                return None  # (right of a LEFT JOIN it is wrapped in TK_IF_NULL_ROW)
            consts = getattr(s.unit.rows, "unit_const_cols", frozenset())
            cols, fns = getattr(s.unit.rows, "unit_init_cols", ((), None))
            if j not in consts:
                return None
            return fns[j] if j in cols else False

        def once_when_skipped(a):
            # the column's own expression, under its COLLATEs, carries EP_HasFunc: as an
            # operand (COLLATE skipped) it is computed where reached (OP_Once)
            hit = resolver._find(scope, a.name, a.table)
            return hit[1] in getattr(hit[0].unit.rows, "unit_temp_once", frozenset())

        def is_const(node):
            for n in _walk_expr(node):
                kind = type(n).__name__
                if kind == "Column":
                    if substituted(n) is None:
                        return False
                elif kind == "Raise" or kind in _SUBQUERY_NODES:
                    return False
                elif kind == "In" and (n.select is not None or getattr(n, "table", None)):
                    return False
                elif kind == "Function":
                    name = n.name.lower()
                    if n.over is not None or name in _NOT_CONSTANT_FUNCS or (
                            name in AGGREGATE_FUNCTIONS and not (
                                name in ("min", "max") and len(n.args) > 1)):
                        return False
            return True

        def has_call(node):
            for n in _walk_expr(node):
                kind = type(n).__name__
                if kind in ("Function", "Like"):
                    return True
                if kind == "Column" and substituted(n):
                    return True
            return False

        has_func_flag = _has_func_flag

        def point(x, skip, flag, negated=False):
            if x is None or isinstance(x, _ColumnNode):
                return
            if skip:
                while type(x).__name__ == "Collate":
                    x = x.operand
            if is_const(x):
                if not has_func_flag(x) and has_call(x):
                    if type(x).__name__ == "Column":
                        if not (skip and once_when_skipped(x)):
                            init.append((substituted(x), flag))
                    elif target is None:
                        init.append((ec.compile(x).fn, flag))
                return
            walk(x, flag, negated)

        def walk(n, flag, inside_not=False):
            if n is None or isinstance(n, _ColumnNode):
                return
            kind = type(n).__name__
            if kind in _SUBQUERY_NODES or kind == "Raise":
                return
            if kind in ("In", "Between") and n.negated and not inside_not:
                # x NOT IN/BETWEEN ... is TK_NOT over it: an operand
                point(n, True, flag, negated=True)
                return
            if kind == "Function":
                name = n.name.lower()
                if n.over is not None:
                    return
                if name in _INLINE_FUNCS or (name in AGGREGATE_FUNCTIONS and not (
                        name in ("min", "max") and len(n.args) > 1)):
                    for a in n.args:
                        walk(a, flag)
                    return
                if is_const(n):
                    return  # OP_Once: nothing inside is factored
                for a in n.args:
                    point(a, False, flag)
                return
            if kind == "Like":
                if not is_const(n):
                    for a in (n.pattern, n.operand, getattr(n, "escape", None)):
                        point(a, False, flag)
                return
            if kind == "Binary":
                point(n.left, True, flag)
                point(n.right, True, flag)
                return
            if kind == "Unary":
                if n.op == "+":
                    walk(n.operand, flag)
                else:
                    point(n.operand, True, flag)
                return
            if kind == "IsNull":
                point(n.operand, True, flag)
                return
            if kind == "Between":
                for a in (n.operand, n.low, n.high):
                    point(a, True, flag)
                return
            if kind == "In":
                point(n.operand, True, flag)
                vals = n.values or []
                if n.select is None and not getattr(n, "table", None) and not (
                        len(vals) > 2 and all(is_const(v) for v in vals)):
                    for v in vals:
                        point(v, True, flag)
                return
            if kind == "Case":
                point(n.operand, True, flag)
                for w in n.whens:
                    point(w.condition, True, flag)
                    walk(w.result, flag)
                walk(n.else_, flag)
                return
            for c in n.children():
                walk(c, flag)

        def jump(n, flag):
            kind = type(n).__name__
            op = n.op.upper() if kind in ("Binary", "Unary") else None
            if kind == "Binary" and op in ("AND", "OR"):
                jump(n.left, flag)
                jump(n.right, flag)
            elif kind == "Unary" and op == "NOT":
                jump(n.operand, flag)
            elif (kind == "Binary" and op in _COMPARISON_OPS) or kind in (
                    "IsNull", "Between", "In"):
                walk(n, flag)
            else:
                point(n, True, flag)  # sqlite3ExprIfFalse's default: ExprCodeTemp

        for root in roots:
            walk(root, _ALWAYS)
        for root in jumps:
            if root is not None:
                jump(root, _ALWAYS)
        for root, flag in columns or ():
            walk(root, flag)

    def _push_down(self, scope, pushable):
        """pushDownWhereTerms (select.c): a WHERE or inner ON term reading only the
        columns of one FROM subquery that is not flattened (nor a materialized CTE, nor
        beside a RIGHT/FULL JOIN) is also tested inside it, on its rows; a LEFT JOIN's
        subquery takes only the terms of its own ON clause.  Only deterministic terms
        without subqueries qualify (sqlite3ExprIsTableConstant)."""
        sources = scope.sources
        if not pushable or any(s.join in ("RIGHT", "FULL") for s in sources):
            return
        resolver = _Resolver(None, scope)
        # SQLite walks the AND tree from the right: the last term is pushed first
        for term, ast, left_of in reversed(pushable):
            if not _sqlite_deterministic(ast):
                continue
            target = None
            ok = True
            for n in _walk_expr(ast):
                if isinstance(n, _ColumnNode):
                    ok = False
                    break
                if type(n).__name__ != "Column":
                    continue
                try:
                    hit = resolver._find(scope, n.name, n.table)
                except OperationalError:
                    hit = None
                if hit is None or (target is not None and hit[0] is not target):
                    ok = False
                    break
                target = hit[0]
            if not ok or target is None:
                continue
            s = target
            unit = s.unit
            if (unit is None or s.flattened or not s.flat_ok or not s.push_ok
                    or unit.push is None):
                continue
            if left_of != (s.index if s.join == "LEFT" else None):
                continue  # (a LEFT JOIN's ON term goes to its own right item only)
            pred, off = term.pred, s.offset
            unit.push.append(lambda row, pred=pred, off=off: pred(_PushView(row, off)))
            self._factor_init(scope, (), None, target=s, jumps=[ast])

    @staticmethod
    def _mask_flattened(scope, ordered):
        """For each flattened FROM subquery, mask its result columns this query never
        reads: once flattened SQLite never computes them, so their errors never happen."""
        for s in scope.sources:
            if not s.flattened:
                continue
            unit = s.unit
            f = unit.flat
            used = {j for (i, j) in scope.used_cols if i == s.index}
            unused = {k for k in range(len(unit.names)) if k not in used}
            if unused:
                f["mask"][0] = unused
                flags = getattr(unit.rows, "unit_col_flags", None)
                for k in unused:
                    if flags is not None and k < len(flags):
                        flags[k][0] = False  # never coded: its init constants never run
            if f["order"] and ordered and not f["limit"]:
                f["mask"][1] = True  # flattened under an ORDER BY: its own is dropped

    def _order_term(self, term, i, items, out_exprs, ec):
        e = term.expr
        coll = None
        base = e
        if type(base).__name__ == "Collate":
            coll = base.collation.upper()
            base = base.operand
        lit = _int_literal(base)
        if lit is not None:
            if not 1 <= lit <= len(items):
                raise OperationalError(
                    f"{_ordinal(i + 1)} ORDER BY term out of range - should be between 1 and "
                    f"{len(items)}")
            c = out_exprs[lit - 1]
        elif (type(base).__name__ == "Column" and base.table is None
              and base.name.lower() in ec.resolver.scope.aliases):
            c = ec.compile(ec.resolver.scope.aliases[base.name.lower()])
        else:
            c = ec.compile(base)
        if coll is None:
            coll = c.coll
        if lit is not None:
            ast = items[lit - 1][1]
        elif (type(base).__name__ == "Column" and base.table is None
              and base.name.lower() in ec.resolver.scope.aliases):
            ast = ec.resolver.scope.aliases[base.name.lower()]
        else:
            ast = base
        return (c.fn, coll or "BINARY", _desc(term), _nulls_first(term), c.column, ast)

    # -- FROM -------------------------------------------------------------------------------
    def _from(self, clause, scope):
        """Flatten the JoinClause into scope.sources, recording join operators.  A
        parenthesized join that is FROM's first item, with no alias, is spliced in as
        its items (parse.y's seltablist rule keeps the inner list then)."""
        first = clause.first
        if type(first).__name__ == "ParenJoin" and first.alias is None:
            self._from(first.join, scope)
        else:
            scope.sources.append(self._planned_source(first, scope))
        for j in clause.joins:
            src = self._planned_source(j.source, scope)
            src.cross = (j.op or "").upper() == "CROSS"
            op = (j.op or ",").upper()
            if op in (",", "JOIN", "INNER", "CROSS"):
                op = "INNER"
            if op not in ("INNER", "LEFT", "RIGHT", "FULL"):
                raise OperationalError(f"unknown join type: {j.op}")
            src.join = op
            src.natural = bool(j.natural)
            src.on = j.on
            src.using = list(j.using or [])
            if src.natural and (src.on is not None or src.using):
                raise OperationalError(
                    "a NATURAL join may not have an ON or USING clause")
            scope.sources.append(src)

    def _planned_source(self, node, scope) -> Source:
        """``_source``, keeping the plan lines of a subquery, view or CTE item on it for
        the query's plan (planner.plan_level): ``eqp_name`` names it in SCAN/SEARCH lines
        (its alias first), ``eqp_sub`` is (the name of its CO-ROUTINE/MATERIALIZE line,
        whose name comes first, its lines, the CTE it is, whether it must be
        materialized)."""
        st = self.state
        saved = st.eqp
        st.eqp = []
        try:
            src = self._source(node, scope)
        finally:
            children = st.eqp
            st.eqp = saved
        if src.unit is None or getattr(src, "tvf", None) is not None:
            st.eqp.extend(children)
            return src
        while (type(node).__name__ == "ParenJoin" and not node.join.joins
               and type(node.join.first).__name__ != "ParenJoin"):
            import dataclasses

            node = dataclasses.replace(node.join.first, alias=node.alias) \
                if node.alias is not None else node.join.first
        ids = getattr(st, "sel_ids", None) or {}
        kind = type(node).__name__
        cte = None
        alias = getattr(node, "alias", None)
        if kind == "TableRef":
            name = node.name
            if node.schema is None:
                cte = scope.ctes.get(name.lower())
        elif kind == "ParenJoin":
            name = alias or f"(join-{ids.get(id(node), 0)})"
        else:
            name = alias or f"(subquery-{ids.get(id(getattr(node, 'select', None)), 0)})"
        if cte is not None and not hasattr(cte, "node"):
            # the recursive CTE's own name inside its recursive step: a plain scan
            st.eqp.extend(children)
            src.eqp_name = alias or name
            return src
        must = False
        if cte is not None:
            m = getattr(cte.node, "materialized", None)
            body = cte.node.select
            recursive = type(body.body).__name__ == "Compound" and _refers_to(
                body, cte.node.name)
            must = m is True or (m is None and not recursive
                                 and not getattr(cte, "flattenable", True))
        src.eqp_name = alias or name
        src.eqp_sub = (name, children, id(cte) if cte is not None else None, must)
        return src

    def _source(self, node, scope) -> Source:
        kind = type(node).__name__
        session = self.state.session
        if kind == "TableRef":
            name = node.name
            schema = node.schema
            alias = node.alias
            low = name.lower()
            if node.indexed_by is not None:
                # the hint changes the plan, never the rows: check it names an index
                ix = session.catalog_obj.indexes.get(node.indexed_by.lower())
                if ix is None or ix.table.lower() != low:
                    raise OperationalError(f"no such index: {node.indexed_by}")
            if schema is None and low in scope.ctes:
                cte = scope.ctes[low]
                unit = cte.compile(self, scope)
                src = self._subquery_source(alias or name, unit)
                src.flat_ok = bool(getattr(cte, "flattenable", False))
                src.push_ok = bool(getattr(cte, "push_ok", False))
                return src
            if schema is not None and schema.lower() not in ("main", "temp"):
                raise OperationalError(f"no such table: {schema}.{name}")
            table = session.catalog.table(low)
            if table is not None:
                # a column always has a collating sequence (BINARY unless declared)
                cols = [ColumnInfo(c.name, c.affinity, (c.collation or "BINARY").upper())
                        for c in table.columns]
                if any(c.generated for c in table.columns):
                    raise NotSupportedError("generated columns are not supported yet")
                return Source(alias or table.name, cols, table=table,
                              has_rowid=not table.without_rowid)
            view = session.catalog.view(low)
            if view is not None:
                unit = session.compile_view(view, self)
                src = self._subquery_source(alias or view.name, unit)
                src.flat_ok = True
                return src
            # -- begin: eponymous table-valued functions (tvf.py owns this block) --
            eponymous = eponymous_source(self, node, scope)
            if eponymous is not None:
                return eponymous
            # -- end: eponymous table-valued functions --
            full = f"{schema}.{name}" if schema else name
            raise OperationalError(f"no such table: {full}")
        if kind == "SubqueryRef":
            unit = self.state.precompiled.get(id(node))
            if unit is None:
                unit = self._from_subquery(node.select, scope)
            if unit.correlated:
                # its rows depend on an enclosing query's current row, so ours do too
                scope.correlated = True
            src = self._subquery_source(node.alias, unit)
            src.flat_ok = True
            return src
        if kind == "TableFunctionRef":
            return table_function_source(self, node, scope)
        if kind == "ParenJoin":
            return self._nested_source(node, scope)
        raise NotSupportedError(f"FROM item {kind} is not supported yet")

    def _nested_source(self, node, scope) -> Source:
        """``... JOIN (a JOIN b ON ...) [AS alias] ...``: SQLite makes the parenthesized
        join a subquery ``SELECT * FROM a JOIN b ...`` marked SF_NestedFrom, whose
        columns keep their tables' names: ``b.x`` from outside reads b's column x, an
        unqualified name must be unique among them, the alias names the deduplicated
        columns (``x:1``), and ``alias.*`` is "no such table" (its ``*`` names only the
        inner tables)."""
        import dataclasses

        from ..sql import ast as A

        inner = node.join
        if not inner.joins:
            # "(item) [AS alias]": the item under the outer alias (its own alias is lost)
            return self._source(dataclasses.replace(inner.first, alias=node.alias), scope)
        # a subquery without an alias gets a name no query can spell, so its columns can
        # be selected (only unqualified names reach them, as in SQLite)
        k = 0

        def named(item):
            nonlocal k
            if type(item).__name__ == "SubqueryRef" and item.alias is None:
                k += 1
                return dataclasses.replace(item, alias=f"\x00subquery-{k}")
            return item
        inner = A.JoinClause(first=named(inner.first),
                             joins=[dataclasses.replace(j, source=named(j.source))
                                    for j in inner.joins])
        # the inner items, compiled once to learn their columns (their plan lines dropped)
        probe = Scope(scope.parent, self.state.session)
        probe.ctes = scope.ctes
        st = self.state
        saved_eqp, saved_number = st.eqp, st.subquery_number
        st.eqp = []
        try:
            self._from(inner, probe)
        finally:
            st.eqp, st.subquery_number = saved_eqp, saved_number
        # USING/NATURAL inside: the columns each item shares with the items before it
        shared: list[list[str]] = []
        seen: set = set()
        for s in probe.sources:
            names = [c.name for c in s.columns if not c.hidden]
            if s.natural:
                shared.append([n for n in names if n.lower() in seen])
            else:
                shared.append(list(s.using or []))
            seen.update(n.lower() for n in names)
        # selectExpander for SF_NestedFrom: before an item whose right neighbour has
        # USING, that neighbour's USING names (unqualified: the merged column); then every
        # column of every item, the USING copies included but not expanded by "*"
        columns = []
        nested = []  # (table name or None, column name) per column
        noexpand = []
        n = len(probe.sources)
        for i, s in enumerate(probe.sources):
            after = {u.lower() for u in shared[i + 1]} if i + 1 < n else set()
            own = {u.lower() for u in shared[i]}
            for u in shared[i + 1] if i + 1 < n else ():
                columns.append(A.ResultColumn(expr=A.Column(name=u), alias=u))
                nested.append((None, u.lower()))
                noexpand.append(False)
            for c in s.columns:
                if c.hidden:
                    continue
                columns.append(A.ResultColumn(expr=A.Column(name=c.name, table=s.name),
                                              alias=c.name))
                nested.append((s.lname, c.name.lower()))
                noexpand.append(c.name.lower() in after or c.name.lower() in own)
        select = A.Select(body=A.SelectCore(columns=columns, from_=inner))
        unit = self.query(select, scope.parent)
        if unit.correlated:
            scope.correlated = True
        src = self._subquery_source(node.alias, unit)
        for col, hide in zip(src.columns, noexpand):
            col.hidden = hide  # not in "*", not found by an unqualified name
        src.nested = nested
        src.flat_ok = True
        return src

    def _from_subquery(self, select, scope):
        """A FROM-clause subquery, without its ORDER BY where that cannot matter (sqlite3Select
        drops it, so the subquery may then be flattened): the query reading it has an ORDER
        BY of its own or a join, the subquery has no LIMIT, and the query has no aggregate
        other than count()/min()/max(). The ORDER BY is still compiled first, for its
        errors."""
        if not (select.order_by and select.limit is None and scope.drop_sub_order):
            return self.query(select, scope.parent)
        import dataclasses

        st = self.state
        snapshot = (st.subquery_number, len(st.eqp), len(st.fctxs))
        self.query(select, scope.parent)
        st.subquery_number = snapshot[0]
        del st.eqp[snapshot[1]:]
        del st.fctxs[snapshot[2]:]
        return self.query(dataclasses.replace(select, order_by=[]), scope.parent)

    def _subquery_source(self, alias, unit: Unit) -> Source:
        # a column of a subquery always has a collating sequence: its expression's, else
        # BINARY (sqlite3SubqueryColumnTypes; a column reference then never defers to the
        # other operand's collation)
        cols = [ColumnInfo(n, a, c or "BINARY")
                for n, a, c in zip(unit.names, unit.affs, unit.colls)]
        # duplicate names get ":N" suffixes, as sqlite3ColumnsFromExprList does
        seen = {}
        for col in cols:
            low = col.name.lower()
            if low in seen:
                k = seen[low]
                while True:
                    k += 1
                    cand = f"{col.name}:{k}"
                    if cand.lower() not in seen:
                        break
                seen[low] = k
                col.name = cand
                seen[cand.lower()] = 0
            else:
                seen[low] = 0
        src = Source(alias, cols, unit=unit, has_rowid=False)
        return src

    def _mark_using(self, scope: Scope):
        """Pair USING/NATURAL columns with the earlier items and hide the right copies.

        A column several earlier items have is ambiguous only in a FROM with a RIGHT or
        FULL JOIN (sqlite3ProcessJoin's JT_LTORJ branch); otherwise the leftmost is used."""
        ltorj = any(s.join in ("RIGHT", "FULL") for s in scope.sources)
        for idx, src in enumerate(scope.sources):
            src.using_pairs = []
            src.using_more = {}
            if not (src.using or src.natural):
                continue
            left = scope.sources[:idx]
            if src.natural:
                names = []
                for c in src.columns:
                    if c.hidden:
                        continue
                    if any((s.find(c.name) or -1) >= 0 or s.find(c.name) == 0 for s in left):
                        names.append(c.name)
            else:
                names = src.using
            src.using_names = list(names)
            for name in names:
                j = src.find(name)
                if j is None or j < 0:
                    raise OperationalError(
                        f"cannot join using column {name} - column not present in both tables")
                found = None
                for s in left:
                    k = s.find(name)
                    if k is not None and k >= 0 and k not in s.using_hidden:
                        if found is not None:
                            if not ltorj:
                                break  # the leftmost item with the column (tableAndColumnIndex)
                            raise OperationalError(f"ambiguous reference to {name} in USING()")
                        found = (s, k)
                if found is None:
                    raise OperationalError(
                        f"cannot join using column {name} - column not present in both tables")
                s, k = found
                more = []
                if ltorj:
                    # with a RIGHT or FULL JOIN in the FROM clause, the left operand is
                    # coalesce() of every earlier item holding the column, left to right; each
                    # after the first must have it in its own USING (sqlite3ProcessJoin)
                    holders = [(s2, k2) for s2 in left
                               if (k2 := s2.find(name)) is not None and k2 >= 0]
                    for s2, k2 in holders[1:]:
                        if not any(u.lower() == name.lower() for u in s2.using_names):
                            raise OperationalError(f"ambiguous reference to {name} in USING()")
                        more.append((s2, k2))
                src.using_hidden.add(j)
                if src.join in ("RIGHT", "FULL"):
                    # the unqualified name (lookupName): after a RIGHT JOIN the right-most
                    # copy; after a FULL JOIN coalesce(left, right)
                    s.coalesce_with[k] = (src, j)
                    s.coalesce_chain.setdefault(k, []).append((src, j, src.join))
                src.using_pairs.append((s, k, j))
                src.using_more[j] = more

    def _using_terms(self, src: Source, scope: Scope):
        from .expr import make_comparison

        terms = []
        for s, k, j in src.using_pairs:
            a = _colexpr(s, k)
            b = _colexpr(src, j)
            da, db = frozenset((s.index,)), frozenset((src.index,))
            more = src.using_more.get(j)
            if more:
                # coalesce(): a function, so no affinity and no collation of its own
                a = CExpr(_coalesce_fn([a.fn] + [_colexpr(s2, k2).fn for s2, k2 in more]))
                da = da.union(s2.index for s2, _k2 in more)
                for s2, k2 in more:
                    scope.used_cols.add((s2.index, k2))
            c = make_comparison("=", a, b)
            c.cmps = [("=", a, b, da, db)]
            terms.append(P.Term(c, da | db, c.cmps))
            scope.used_cols.add((s.index, k))
            scope.used_cols.add((src.index, j))
        return terms

    # -- result columns ---------------------------------------------------------------------
    def _result_items(self, core, scope, texts):
        """(name, expr AST, alias) per result column, stars expanded."""
        items = []
        for i, rc in enumerate(core.columns):
            kind = type(rc).__name__
            if kind == "Star":
                table = rc.table
                if not scope.sources:
                    raise OperationalError("no tables specified")
                matched = False
                for s in scope.sources:
                    nested = getattr(s, "nested", None)
                    if table is not None and nested is not None:
                        # "b.*" of a parenthesized join: b's columns in it
                        low = table.lower()
                        for j, (tn, _cn) in enumerate(nested):
                            if tn == low:
                                matched = True
                                items.append((s.columns[j].name, _ColumnNode(s, j), None))
                        continue
                    if table is not None and (s.lname or "") != table.lower():
                        continue
                    matched = True
                    for j, c in enumerate(s.columns):
                        if c.hidden:
                            continue
                        if table is None and j in s.using_hidden:
                            continue
                        items.append((c.name, _ColumnNode(s, j), None))
                if table is not None and not matched:
                    raise OperationalError(f"no such table: {table}")
                continue
            expr = rc.expr
            alias = rc.alias
            if alias is not None:
                name = alias
            else:
                text = texts[i] if texts is not None and i < len(texts) else None
                name = _expr_name(text, expr, scope)
            items.append((name, expr, alias))
        return items


class _CTE:
    def __init__(self, node, recursive, visible):
        self.node = node
        self.recursive = recursive
        self.visible = visible
        self.compiling = False
        self.flattenable = False  # set by the query owning the WITH

    def compile(self, qc: _QueryCompiler, scope: Scope) -> Unit:
        node = self.node
        body = node.select
        colnames = getattr(node, "columns", None)
        cparent = _cte_scope(scope.parent, self.visible, qc.state.session)
        if self.compiling:
            raise _RecursiveRef(self)
        kind = type(body.body).__name__
        if kind == "Compound" and _refers_to(body, node.name):
            unit = _recursive_cte(self, qc, cparent, body, colnames)
        else:
            self.compiling = True
            qc.state.in_cte_or_view += 1
            try:
                unit = qc.query(body, cparent)
            except _RecursiveRef:
                raise OperationalError(
                    f"circular reference: {node.name}") from None
            finally:
                self.compiling = False
                qc.state.in_cte_or_view -= 1
        if colnames:
            if len(colnames) != len(unit.names):
                raise OperationalError(
                    f"table {node.name} has {len(unit.names)} values for "
                    f"{len(colnames)} columns")
            unit = Unit(list(colnames), unit.affs, unit.colls, unit.rows, unit.correlated)
        return unit


class _RecursiveRef(Exception):
    def __init__(self, cte):
        self.cte = cte


def _recursive_cte(cte: _CTE, qc: _QueryCompiler, cparent, body, colnames) -> Unit:
    """WITH RECURSIVE (lang_with.html, select.c's generateWithRecursiveQuery): the initial
    arms fill a queue; each row taken from it is output and then the recursive arms run
    with it as the CTE's one row, adding theirs to the queue.  Without ORDER BY the
    queue is FIFO; with it, a priority queue in ORDER BY order (equal keys FIFO).  OFFSET
    skips the output of the first rows taken (their recursive step still runs); LIMIT
    counts rows output and stops right after the last one, before its recursive step;
    LIMIT 0 runs nothing.  UNION keeps a row out of the queue when an equal one was ever
    queued."""
    compound = body.body
    selects = compound.terms()
    ops = []
    n = compound
    while type(n).__name__ == "Compound":
        ops.append(n.op.upper())
        n = n.left
    ops.reverse()
    # the arms before the first that references the CTE are the initial select
    name = cte.node.name
    k = 0
    while k < len(selects) and not _refers_to(selects[k], name):
        k += 1
    if k == 0:
        raise OperationalError(f"recursive reference in a subquery: {name}")
    _check_recursive_arms(name, selects[k:], ops[k - 1:])
    visible = dict(cte.visible)
    if body.with_ is not None:
        # a WITH of the body: its tables are seen by every arm
        inner_ctes = qc._with(body.with_, cparent)
        cparent = _cte_scope(cparent, inner_ctes, qc.state.session)
        visible.update(inner_ctes)
    st = qc.state
    saved_eqp = st.eqp
    st.eqp = []
    try:
        init_ops = ops[:k - 1]
        if any(op in ("INTERSECT", "EXCEPT") for op in init_ops):
            # the initial arms form a compound of their own
            from ..sql import ast as A

            setup_body = selects[0]
            for op, arm in zip(init_ops, selects[1:k]):
                setup_body = A.Compound(op=op, left=setup_body, right=arm)
            init_units = [qc.query(A.Select(body=setup_body), cparent)]
            ops = ops[k - 1:]
            selects = selects[k - 1:]
            k = 1
        else:
            init_units = [qc.arm(s, cparent, 0) for s in selects[:k]]
    finally:
        setup, st.eqp = st.eqp, []
    width = len(init_units[0].names)
    names = list(colnames) if colnames else init_units[0].names
    queue_row = [None]
    # the CTE seen from inside the recursive arms: one row, the current queue entry
    inner = Unit(names, init_units[0].affs, init_units[0].colls,
                 lambda: iter([queue_row[0]]) if queue_row[0] is not None else iter(()),
                 correlated=True)
    visible[name.lower()] = _FixedCTE(inner)
    rparent = _cte_scope(cparent, visible, qc.state.session)
    try:
        rec_units = [qc.arm(s, rparent, 0) for s in selects[k:]]
    finally:
        step = st.eqp
        st.eqp = saved_eqp
        # EXPLAIN QUERY PLAN: the initial arms under SETUP, the recursive under RECURSIVE STEP
        st.eqp.append((0, "SETUP", setup))
        st.eqp.append((0, "RECURSIVE STEP", step))
    for u in init_units + rec_units:
        if len(u.names) != width:
            raise OperationalError(
                "SELECTs to the left and right of UNION do not have the same number of result "
                "columns")
    distinct = any(op == "UNION" for op in ops[k - 1:])
    init_ops = ops[:k - 1]
    keyf = distinct_key(init_units[0].colls)
    limit_fn, offset_fn = qc._limit(body, cparent)
    order_key = (_recursive_order_key(body, init_units + rec_units, selects)
                 if body.order_by else None)

    def run():
        limit = limit_fn()
        offset = offset_fn() or 0
        if limit is not None and limit == 0:
            return
        seen = set()
        produced = 0
        skipped = 0

        def accept(row):
            if distinct or any(op == "UNION" for op in init_ops):
                key = row if keyf is None else keyf(row)
                if key in seen:
                    return False
                seen.add(key)
            return True
        import heapq
        from collections import deque
        from itertools import count

        if order_key is None:
            fifo = deque()
            push = fifo.append
            pop = fifo.popleft
        else:
            heap = []
            sequence = count()

            def push(row):
                heapq.heappush(heap, (order_key(row), next(sequence), row))

            def pop():
                return heapq.heappop(heap)[2]
            fifo = heap
        for u in init_units:
            for row in u.rows():
                if accept(row):
                    push(row)
        while fifo:
            row = pop()
            if skipped < offset:
                skipped += 1
            else:
                produced += 1
                yield row
                if limit is not None and limit >= 0 and produced >= limit:
                    return
            queue_row[0] = row
            for u in rec_units:
                for new in list(u.rows()):
                    if accept(new):
                        push(new)
            queue_row[0] = None
    return Unit(names, init_units[0].affs, init_units[0].colls, run,
                correlated=any(u.correlated for u in init_units))


def _recursive_order_key(body, arms, selects):
    """The queue order of a recursive CTE's ORDER BY: each term a result column, by
    number, by a name of an arm's result column or as the same expression as one (the
    leftmost arm first, as resolveCompoundOrderBy tries them), under its COLLATE or else
    the column's collating sequence of the leftmost arm that has one
    (multiSelectCollSeq)."""
    from .operators import row_order_key

    width = len(arms[0].names)
    terms = []
    for i, term in enumerate(body.order_by):
        base = term.expr
        coll = None
        if type(base).__name__ == "Collate":
            coll = base.collation.upper()
            base = base.operand
        pos = None
        lit = _int_literal(base)
        if lit is not None:
            if not 1 <= lit <= width:
                raise OperationalError(
                    f"{_ordinal(i + 1)} ORDER BY term out of range - should be between 1 "
                    f"and {width}")
            pos = lit - 1
        elif type(base).__name__ == "Column" and not getattr(base, "table", None):
            low = base.name.lower()
            for arm in arms:
                pos = next((k for k, nm in enumerate(arm.names) if nm.lower() == low), None)
                if pos is not None:
                    break
        if pos is None and lit is None:
            text = base.to_sql().lower()
            for sel in selects:
                cols = getattr(sel, "columns", None) or []
                pos = next((k for k, rc in enumerate(cols) if getattr(rc, "expr", None)
                            is not None and rc.expr.to_sql().lower() == text), None)
                if pos is not None:
                    break
        if pos is None:
            raise OperationalError(
                f"{_ordinal(i + 1)} ORDER BY term does not match any column in the "
                "result set")
        if coll is None:
            coll = next((a.colls[pos] for a in arms if a.colls[pos]), None)
        terms.append((lambda r, k=pos: r[k], coll, _desc(term), _nulls_first(term)))
    return row_order_key(terms)


def _check_recursive_arms(name, arms, ops):
    """The errors SQLite gives for the recursive part of a CTE (resolveFromTermToCte,
    generateWithRecursiveQuery): an operator other than UNION [ALL] there, or a recursive
    arm that reads the CTE only inside a subquery, is a "circular reference"; the CTE
    twice in an arm's FROM, or again in one of its subqueries, is a multiple reference;
    aggregates and window functions are refused."""
    low = name.lower()
    if any(op not in ("UNION", "UNION ALL") for op in ops):
        raise OperationalError(f"circular reference: {name}")

    def is_ref(n):
        return (type(n).__name__ == "TableRef" and n.schema is None
                and n.name.lower() == low)

    for arm in arms:
        if type(arm).__name__ != "SelectCore":
            raise OperationalError(f"circular reference: {name}")
        direct = 0
        frm = arm.from_
        items = []
        if frm is not None:
            items = [frm.first] + [j.source for j in frm.joins]
            while items and type(items[0]).__name__ == "ParenJoin" and items[0].alias is None:
                first = items.pop(0).join  # spliced into FROM
                items[:0] = [first.first] + [j.source for j in first.joins]
        direct = sum(1 for it in items if is_ref(it))
        total = sum(1 for n in arm.walk() if is_ref(n))
        if direct == 0:
            raise OperationalError(f"circular reference: {name}")
        if direct > 1:
            raise OperationalError(f"multiple references to recursive table: {name}")
        if total > direct:
            raise OperationalError(f"multiple recursive references: {name}")
        exprs = [getattr(c, "expr", None) for c in arm.columns]
        exprs += [arm.having, arm.where] + list(arm.group_by or [])
        if arm.group_by or _contains_aggregate([e for e in exprs if e is not None]):
            raise OperationalError("recursive aggregate queries not supported")
        for e in exprs:
            if e is not None and any(type(n).__name__ == "Function" and n.over is not None
                                     for n in _walk_expr(e)):
                raise OperationalError("cannot use window functions in recursive queries")


class _FixedCTE:
    def __init__(self, unit):
        self.unit = unit

    def compile(self, qc, scope):
        return self.unit


def _cte_scope(parent, ctes, session):
    s = Scope(parent, session)
    s.ctes = ctes
    if parent is not None:
        s.holder = parent.holder
    s._transparent = True
    return s


def _refers_to(node, name) -> bool:
    low = name.lower()
    for n in node.walk():
        if type(n).__name__ == "TableRef" and n.schema is None and n.name.lower() == low:
            return True
    return False


def _merge_step(op, left, right, key_terms, keyf):
    """One UNION/EXCEPT/INTERSECT of a compound with ORDER BY, as SQLite's merge of two
    sorted co-routines (multiSelectOrderBy): both sides sorted on the ORDER BY extended by
    every other column; of a run of equal rows, UNION keeps the right side's first when
    it has one (an equal left row is skipped) and the left's first otherwise, EXCEPT the
    left's first when the right has none, INTERSECT the left's first when both have it."""
    tagged = [(0, r) for r in left] + [(1, r) for r in right]
    sort_rows(tagged, [(lambda t, g=g: g(t[1]), c, d, n) for g, c, d, n in key_terms])
    out = []
    i = 0
    n = len(tagged)
    while i < n:
        k = tagged[i][1] if keyf is None else keyf(tagged[i][1])
        j = i
        first = [None, None]
        while j < n:
            side, row = tagged[j]
            if (row if keyf is None else keyf(row)) != k:
                break
            if first[side] is None:
                first[side] = (row,)
            j += 1
        a, b = first
        if op == "UNION":
            out.append((b or a)[0])
        elif op == "EXCEPT":
            if b is None:
                out.append(a[0])
        elif op == "INTERSECT":
            if a is not None and b is not None:
                out.append(a[0])
        else:
            raise NotSupportedError(f"compound operator {op} not supported yet")
        i = j
    return out


def _chain(a, b):
    yield from a
    yield from b


# ---------------------------------------------------------------------------------------------
# name resolution and expression hooks
# ---------------------------------------------------------------------------------------------


class _ColumnNode:
    """A synthetic AST node for a star-expanded column."""

    def __init__(self, source, j):
        self.source = source
        self.j = j


def _coalesce_fn(fns):
    """row -> the first of ``fns``' values that is not NULL (coalesce() over columns)."""
    def coalesce(r):
        for fn in fns:
            v = fn(r)
            if v is not None:
                return v
        return None
    return coalesce


def _merged_columns(s: Source, j: int) -> list:
    """The columns the unqualified name of a RIGHT/FULL JOIN USING column reads, as
    lookupName finds them left to right: a RIGHT JOIN keeps only its right copy, a FULL
    JOIN adds its copy to a coalesce() of those before."""
    cols = [(s, j)]
    for other, k, kind in s.coalesce_chain.get(j, ()):
        if kind == "RIGHT":
            cols = [(other, k)]
        else:
            cols.append((other, k))
    return cols


def _colexpr(s: Source, j: int) -> CExpr:
    if j == -3:
        return CExpr(lambda r: None, uses_row=False)
    if j < 0:
        pos = s.offset
        return CExpr(itemgetter(pos), aff="INTEGER", column=pos)
    c = s.columns[j]
    pos = s.col_pos(j)
    if j in s.lazy_cols:
        def lazy(r):
            v = r[pos]
            return v.fn(v.row) if type(v) is _Lazy else v
        return CExpr(lazy, aff=c.aff, coll=c.coll)
    return CExpr(itemgetter(pos), aff=c.aff, coll=c.coll, column=pos)


def _substituted(s: Source, j: int) -> CExpr:
    """A constant result column of a flattened subquery, read by the query it is
    flattened into: that query's constant (it reads no FROM item)."""
    c = s.columns[j]
    fn = s.col_fns[j]
    return CExpr(lambda r: fn(None), aff=c.aff, coll=c.coll, uses_row=False)


class _PushView:
    """A subquery's result row seen at its place in the reading query's row, for a term
    pushed down into it: reading a column computes it."""

    __slots__ = ("row", "off")

    def __init__(self, row, off):
        self.row = row
        self.off = off

    def __getitem__(self, i):
        v = self.row[i - self.off]
        return v.fn(v.row) if type(v) is _Lazy else v


def _pushed(rows, filters, fns):
    """The rows passing every pushed-down term (each sees the result row lazily)."""
    for r in rows:
        lazy = tuple([_Lazy(f, r) for f in fns])
        if all(p(lazy) for p in filters):
            yield r


class _Lazy:
    """A result column of a flattened subquery not computed yet: ``fn(row)`` computes
    it from the subquery's own row, where the query reading it needs it."""

    __slots__ = ("fn", "row")

    def __init__(self, fn, row):
        self.fn = fn
        self.row = row


class _Resolver:
    def __init__(self, qc: _QueryCompiler, scope: Scope, aggregate_ok=True):
        self.qc = qc
        self.scope = scope
        self.aggregate_ok = aggregate_ok
        self.in_post_agg = False
        self.misuse_where = False
        self.agg_specs = None
        self.agg_base = 0
        self.win_calls = None
        self.win_base = 0
        self.window_defs = {}
        self._agg_depth = 0
        self._win_depth = 0
        self.in_group_by = False
        self.in_result = False  # compiling the result columns
        self.query_is_agg = False  # this level is an aggregate query

    @property
    def state(self):
        return self.qc.state

    # column references
    def column(self, node) -> CExpr:
        if isinstance(node, _ColumnNode):
            s, j = node.source, node.j
            for refs in self.state.agg_refs:
                refs.add(self.scope)
            if j in s.const_cols:
                if s.rjoins:
                    self._note(self.scope, s, j)
                return _substituted(s, j)
            self._note(self.scope, s, j)
            if j in s.coalesce_with:
                return self._coalesced(s, j)
            return _colexpr(s, j)
        name = node.name
        table = node.table
        scope = self.scope
        level = 0
        while scope is not None:
            hit = self._find(scope, name, table)
            if hit is not None:
                s, j = hit
                for refs in self.state.agg_refs:
                    refs.add(scope)
                if level == 0 and j in s.const_cols:
                    if s.rjoins:
                        self._note(scope, s, j)
                    return _substituted(s, j)
                # only the unqualified name of a FULL/RIGHT USING column is the merged one
                self._note(scope, s, j, merged=table is None)
                if level == 0:
                    if j >= 0 and j in s.coalesce_with and table is None:
                        return self._coalesced(s, j)
                    return _colexpr(s, j)
                return self._outer(scope, s, j, qualified=table is not None)
            if level == 0 and table is None and scope.alias_ok and name.lower() in scope.aliases:
                target = scope.aliases[name.lower()]
                if not (type(target).__name__ == "Column" and target is node):
                    saved = scope.alias_ok
                    scope.alias_ok = False
                    try:
                        return self._compile_alias(target)
                    finally:
                        scope.alias_ok = saved
            if scope.hide_parent:
                break
            scope = scope.parent
            level += 1
        if table is None and name.lower() in ("true", "false"):
            return constant(1 if name.lower() == "true" else 0)
        full = f"{table}.{name}" if table else name
        schema = getattr(node, "schema", None)
        if schema:
            full = f"{schema}.{full}"
        raise OperationalError(f"no such column: {full}")

    @staticmethod
    def _note(scope, s, j, merged=True):
        scope.used.add(s.index)
        scope.used_cols.add((s.index, j))
        if merged and j >= 0 and j in s.coalesce_with:
            for other, k, _kind in s.coalesce_chain[j]:
                scope.used.add(other.index)
                scope.used_cols.add((other.index, k))

    def _compile_alias(self, target):
        ec = ExprCompiler(self)
        return ec.compile(target)

    def _coalesced(self, s, j):
        cols = _merged_columns(s, j)
        if len(cols) == 1:
            return _colexpr(*cols[0])
        a = _colexpr(*cols[0])
        return CExpr(_coalesce_fn([_colexpr(s2, k2).fn for s2, k2 in cols]),
                     aff=a.aff, coll=a.coll)

    def _find(self, scope: Scope, name, table):
        hits = []
        pseudo = []
        low_t = table.lower() if table else None
        for s in scope.sources:
            nested = getattr(s, "nested", None)
            if nested is not None and (low_t is None or low_t != s.lname):
                # a parenthesized join: its columns answer to their own tables' names
                low = name.lower()
                hits.extend((s, j) for j, (tn, cn) in enumerate(nested)
                            if cn == low and (tn == low_t if low_t is not None else not (
                                s.columns[j].hidden or j in s.using_hidden)))
                continue
            if low_t is not None and s.lname != low_t:
                continue
            j = s.find(name)
            if j is None:
                if s.table is None and name.lower() in ROWID_NAMES:
                    pseudo.append((s, -3))  # a subquery's rowid: NULL in SQLite 3.40
                continue
            if low_t is None and j >= 0 and j in s.using_hidden:
                continue
            if j >= 0 and s.columns[j].hidden and low_t is None and False:
                continue
            hits.append((s, j))
        if low_t is None and sum(getattr(s, "nested", None) is None
                                 for s in scope.sources) > 1:
            # an unqualified rowid names a row only when FROM has a single item
            hits = [h for h in hits if h[1] != -1]
            pseudo = []
        if not hits:
            return pseudo[0] if pseudo else None
        if len(hits) > 1:
            # rowid of several tables, or a column in several
            full = f"{table}.{name}" if table else name
            raise OperationalError(f"ambiguous column name: {full}")
        return hits[0]

    def _outer(self, scope: Scope, s: Source, j: int, qualified=False) -> CExpr:
        # mark every level between here and the target as correlated
        sc = self.scope
        while sc is not None and sc is not scope:
            sc.correlated = True
            sc = sc.parent
        holder = scope.holder
        if j == -3:
            return CExpr(lambda r: None, uses_row=False)
        pos = s.offset if j < 0 else s.col_pos(j)
        aff = "INTEGER" if j < 0 else s.columns[j].aff
        coll = None if j < 0 else s.columns[j].coll
        if j in s.lazy_cols:
            def lazy(r):
                v = holder[0][pos]
                return v.fn(v.row) if type(v) is _Lazy else v
            return CExpr(lazy, aff=aff, coll=coll, uses_row=False)
        if j >= 0 and j in s.coalesce_with and not qualified:
            # only the unqualified name is the merged USING column
            cols = _merged_columns(s, j)
            if len(cols) == 1:
                s2, k2 = cols[0]
                p2 = s2.col_pos(k2)
                other = s2.columns[k2]
                return CExpr(lambda r: holder[0][p2], aff=other.aff, coll=other.coll,
                             uses_row=False)
            positions = [s2.col_pos(k2) for s2, k2 in cols]

            def f(r):
                row = holder[0]
                for p in positions:
                    v = row[p]
                    if v is not None:
                        return v
                return None
            return CExpr(f, aff=aff, coll=coll, uses_row=False)
        return CExpr(lambda r: holder[0][pos], aff=aff, coll=coll, uses_row=False)

    def call_scalar(self, fd, args, coll=None):
        """A function tuple-of-values -> value for a scalar FunctionDef."""
        impl = fd.impl
        if fd.needs_context:
            from ..functions import FunctionContext

            st = self.state
            ctx = FunctionContext(encoding=st.encoding, collation=coll or "BINARY")
            st.fctxs.append(ctx)
            return lambda a: impl(ctx, *a)
        return lambda a: impl(*a)

    # parameters
    def parameter(self, node) -> CExpr:
        st = self.state
        params = st.params
        idx = _param_index(st, node)
        return CExpr(lambda r: params[idx], uses_row=False)

    # subqueries
    def subquery(self, select_node, kind: str = "SCALAR") -> Unit:
        st = self.state
        sub = _QueryCompiler(st, self.scope)
        saved = st.eqp
        st.eqp = []
        try:
            unit = sub.query(select_node, self.scope)
        finally:
            children = st.eqp
            st.eqp = saved
        st.subquery_number += 1
        number = (getattr(st, "sel_ids", None) or {}).get(id(select_node),
                                                            st.subquery_number)
        header = ("CORRELATED " if unit.correlated else "") + f"{kind} SUBQUERY {number}"
        self.scope.eqp_pending.append((0, header, children))
        return unit

    # aggregates and windows
    def function(self, node, ec: ExprCompiler) -> CExpr | None:
        """Aggregate or window call -> CExpr; None for a scalar function."""
        name = node.name.lower()
        over = getattr(node, "over", None)
        filt = getattr(node, "filter", None)
        star = bool(getattr(node, "star", False))
        distinct = bool(getattr(node, "distinct", False))
        args = list(getattr(node, "args", None) or [])
        if over is not None:
            return self._window_call(node, name, args, over, filt, star, distinct, ec)
        agg = AGGREGATE_FUNCTIONS.get(name)
        if agg is None or (name in ("min", "max") and len(args) != 1):
            if name in WINDOW_FUNCTIONS:
                raise OperationalError(f"misuse of window function {name}()")
            if filt is not None:
                raise OperationalError(
                    f"FILTER may not be used with non-aggregate {name}()")
            return None
        nargs = 0 if star else len(args)
        if star and name != "count":
            raise OperationalError(f"wrong number of arguments to function {name}()")
        if not (agg.min_args <= nargs <= agg.max_args):
            raise OperationalError(f"wrong number of arguments to function {name}()")
        if distinct and nargs != 1:
            raise OperationalError(
                "DISTINCT aggregates must have exactly one argument")
        if self._agg_depth:
            raise OperationalError(f"misuse of aggregate function {name}()")
        home = self._aggregate_home(args, filt, ec)
        if home is not None:
            return self._outer_aggregate(home, node, name)
        if self.in_group_by:
            raise OperationalError("aggregate functions are not allowed in the GROUP BY clause")
        if not self.aggregate_ok:
            raise OperationalError(f"misuse of aggregate: {name}()")
        if self.agg_specs is None:
            raise OperationalError(f"misuse of aggregate: {name}()")
        # compile the arguments in the pre-aggregation context
        self._agg_depth += 1
        saved = self.in_post_agg
        self.in_post_agg = False
        try:
            cargs = [ec.compile(a) for a in args]
            cfilt = predicate(ec.compile(filt)) if filt is not None else None
        finally:
            self._agg_depth -= 1
            self.in_post_agg = saved
        coll = cargs[0].coll if cargs else None
        spec = AggSpec(agg, [c.fn for c in cargs], distinct, cfilt, coll, star=star or nargs == 0)
        k = len(self.agg_specs)
        self.agg_specs.append(spec)
        pos = self.agg_base + k
        aff = None
        return CExpr(lambda r: r[pos], aff=aff, coll=coll if name in ("min", "max") else None)

    def _aggregate_home(self, args, filt, ec):
        """The enclosing level an aggregate belongs to, or None for this level.

        As resolve.c does (sqlite3ReferencesSrcList): the aggregate belongs to the
        innermost level, from this one outward, whose FROM items its arguments read;
        one that reads no column at all (count(*)) stays here."""
        if self.scope.parent is None or not args and filt is None:
            return None
        refs: set = set()
        st = self.state
        st.agg_refs.append(refs)
        self._agg_depth += 1
        saved = self.in_post_agg
        self.in_post_agg = False
        try:
            for a in args:
                ec.compile(a)
            if filt is not None:
                ec.compile(filt)
        finally:
            st.agg_refs.pop()
            self._agg_depth -= 1
            self.in_post_agg = saved
        if not refs or self.scope in refs:
            return None
        sc = self.scope.parent
        while sc is not None:
            if sc in refs:
                return sc
            sc = sc.parent
        return None

    def _outer_aggregate(self, home, node, name) -> CExpr:
        """An aggregate of the enclosing level ``home`` met in this subquery: computed
        by that level, read here from its current (aggregated) row."""
        # resolve.c allows aggregates where this level is an aggregate query (its WHERE
        # too: the misuse is then found when code is made, and this one is not coded here)
        if not (self.aggregate_ok or self.query_is_agg) or self.in_group_by:
            raise OperationalError(f"misuse of aggregate function {name}()")
        hr = home.resolver
        if hr is None:
            raise OperationalError(f"misuse of aggregate: {name}()")
        if not hr.aggregate_ok or hr._agg_depth:
            if hr.in_result and not hr._agg_depth and home.token is not None:
                raise _NeedAggregate(home.token)
            if self.in_result and self.scope.exists_body:
                # never evaluated: EXISTS does not compute its result columns
                return CExpr(lambda r: None, uses_row=False)
            raise OperationalError(f"misuse of aggregate: {name}()")
        c = hr.function(node, ExprCompiler(hr))
        sc = self.scope
        while sc is not None and sc is not home:
            sc.correlated = True
            sc = sc.parent
        holder = home.holder
        fn = c.fn
        return CExpr(lambda r: fn(holder[0]), aff=c.aff, coll=c.coll, uses_row=False)

    def _window_call(self, node, name, args, over, filt, star, distinct, ec):
        if self.win_calls is None or self._agg_depth or self._win_depth:
            raise OperationalError(f"misuse of window function {name}()")
        self._win_depth += 1
        try:
            return self._window_call_inner(node, name, args, over, filt, star, distinct, ec)
        finally:
            self._win_depth -= 1

    def _window_call_inner(self, node, name, args, over, filt, star, distinct, ec):
        spec_node = over
        if isinstance(over, str):
            w = self.window_defs.get(over.lower())
            if w is None:
                raise OperationalError(f"no such window: {over}")
            spec_node = w
        wspec = self._window_spec(spec_node, ec)
        builtin = WINDOW_FUNCTIONS.get(name)
        if builtin is not None:
            if not builtin.min_args <= len(args) <= builtin.max_args:
                raise OperationalError(f"wrong number of arguments to function {name}()")
            if filt is not None:
                raise OperationalError(
                    "FILTER clause may only be used with aggregate window functions")
            cargs = [ec.compile(a).fn for a in args]
            call = WindowCall(wspec, builtin=builtin, args=cargs)
        else:
            agg = AGGREGATE_FUNCTIONS.get(name)
            if agg is None:
                from ..functions import SCALAR_FUNCTIONS
                if name in SCALAR_FUNCTIONS:
                    raise OperationalError(f"{name}() may not be used as a window function")
                raise OperationalError(f"no such function: {name}")
            nargs = 0 if star else len(args)
            if not (agg.min_args <= nargs <= agg.max_args):
                raise OperationalError(f"wrong number of arguments to function {name}()")
            if distinct:
                raise OperationalError(
                    "DISTINCT is not supported for window functions")
            cargs = [ec.compile(a) for a in args]
            cfilt = predicate(ec.compile(filt)) if filt is not None else None
            coll = cargs[0].coll if cargs else None
            spec = AggSpec(agg, [c.fn for c in cargs], False, cfilt, coll,
                           star=star or nargs == 0)
            call = WindowCall(wspec, agg=spec)
        k = len(self.win_calls)
        self.win_calls.append(call)
        resolver = self

        def f(r):
            return r[resolver.win_base + k]
        return CExpr(f)

    def _window_spec(self, w, ec) -> WindowSpec:
        base = getattr(w, "base", None)
        partition = list(getattr(w, "partition_by", None) or [])
        order = list(getattr(w, "order_by", None) or [])
        frame = getattr(w, "frame", None)
        if base:
            b = self.window_defs.get(base.lower())
            if b is None:
                raise OperationalError(f"no such window: {base}")
            if partition:
                raise OperationalError(f"cannot override PARTITION clause of window: {base}")
            if order and getattr(b, "order_by", None):
                raise OperationalError(f"cannot override ORDER BY clause of window: {base}")
            if getattr(b, "frame", None) is not None:
                raise OperationalError(f"cannot override frame specification of window: {base}")
            partition = list(getattr(b, "partition_by", None) or [])
            order = order or list(getattr(b, "order_by", None) or [])
        cache = getattr(self, "_wspec_cache", None)
        if cache is None:
            cache = self._wspec_cache = {}
        key = id(w)
        if key in cache:
            return cache[key]
        pfns = []
        for e in partition:
            c = ec.compile(e)
            pfns.append((c.fn, c.coll))
        ofns = []
        for t in order:
            e = t.expr
            coll = None
            if type(e).__name__ == "Collate":
                coll = e.collation
            c = ec.compile(e)
            ofns.append((c.fn, coll or c.coll, _desc(t), _nulls_first(t)))
        fs = None
        if frame is not None:
            fs = self._frame(frame, ec, len(ofns) == 1)  # RANGE offsets need exactly one
        elif not ofns:
            fs = FrameSpec("ROWS", ("UNBOUNDED_PRECEDING", None), ("UNBOUNDED_FOLLOWING", None))
        spec = WindowSpec(pfns, ofns, fs)
        cache[key] = spec
        return spec

    def _frame(self, frame, ec, has_order) -> FrameSpec:
        kind = frame.unit.upper()

        def bound(b):
            btype = b.kind.upper().replace(" ", "_")
            fn = None
            if getattr(b, "expr", None) is not None:
                c = ec.compile(b.expr)
                fn = c.fn
            return (btype, fn)
        start = bound(frame.start)
        end = bound(frame.end) if frame.end is not None else ("CURRENT_ROW", None)
        exclude = getattr(frame, "exclude", None)
        if exclude:
            exclude = exclude.upper().replace(" ", "_")
        if kind == "RANGE" and (start[1] is not None or end[1] is not None) and not has_order:
            raise OperationalError(
                "RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression")
        order_rank = {"UNBOUNDED_PRECEDING": 0, "PRECEDING": 1, "CURRENT_ROW": 2,
                      "FOLLOWING": 3, "UNBOUNDED_FOLLOWING": 4}
        if start[0] == "UNBOUNDED_FOLLOWING" or end[0] == "UNBOUNDED_PRECEDING" or \
                order_rank[start[0]] > order_rank[end[0]]:
            raise OperationalError("unsupported frame specification")
        return FrameSpec(kind, start, end, exclude)


def _param_index(state: _State, node) -> int:
    """0-based parameter slot (the parser numbers parameters as SQLite does)."""
    n = node.number
    names = state.param_names
    while len(names) < n:
        names.append(None)
    if node.name != "?" and names[n - 1] is None:
        names[n - 1] = node.name
    return n - 1


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _conjuncts(node):
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if type(n).__name__ == "Binary" and n.op.upper() == "AND":
            stack.append(n.right)
            stack.append(n.left)
        else:
            out.append(n)
    return out


_SUBQUERY_NODES = ("Select", "Subquery", "Exists", "SubqueryRef")


_NOT_CONSTANT_FUNCS = frozenset(("random", "randomblob", "changes", "total_changes",
                                 "last_insert_rowid", "sqlite_offset"))


def _having_to_where(having, keys) -> list:
    """The HAVING conjuncts sqlite3ExprIsConstantOrGroupBy accepts: no aggregate, window
    call or subquery, only deterministic functions, and every column inside a
    subexpression equal to a GROUP BY term of the BINARY collation (``keys``, as text);
    not a literal false."""
    if having is None:
        return []
    out = []
    for conj in _conjuncts(having):
        if type(conj).__name__ == "Number" and conj.text == "0":
            continue
        if _contains_aggregate([conj]):
            continue
        ok = True
        stack = [conj]
        while stack and ok:
            n = stack.pop()
            if n is None:
                continue
            try:
                text = n.to_sql()
            except Exception:  # noqa: BLE001 - an odd node: not moved
                ok = False
                break
            if text in keys:
                continue
            kind = type(n).__name__
            if kind == "Collate":
                inner = n
                while type(inner).__name__ == "Collate":
                    inner = inner.operand
                if inner.to_sql() in keys:
                    continue
            if kind in _SUBQUERY_NODES or kind in ("In", "Raise"):
                if kind == "In" and getattr(n, "select", None) is None \
                        and not getattr(n, "table", None):
                    stack.extend(n.children())
                    continue
                ok = False
            elif kind == "Column":
                ok = False
            elif kind == "Function":
                if n.over is not None or n.name.lower() in _NOT_CONSTANT_FUNCS:
                    ok = False
                else:
                    stack.extend(n.children())
            else:
                stack.extend(n.children())
        if ok:
            out.append(conj)
    return out


def _order_sensitive_aggregate(core, outer) -> bool:
    """Whether the query calls an aggregate other than count(), min() and max() (SQLite keeps
    a FROM subquery's ORDER BY for it)."""
    roots = [getattr(c, "expr", None) for c in core.columns] + [core.having]
    if outer is not None:
        roots += [getattr(t, "expr", None) for t in outer.order_by or []]
    for root in roots:
        if root is None:
            continue
        for n in _walk_expr(root):
            if type(n).__name__ == "Function" and n.over is None:
                name = n.name.lower()
                if name in AGGREGATE_FUNCTIONS and name not in ("count", "min", "max"):
                    return True
    return False


def _contains_aggregate(nodes) -> bool:
    for root in nodes:
        if root is None:
            continue
        for n in _walk_expr(root):
            if type(n).__name__ == "Function":
                if n.over is not None:
                    continue
                name = n.name.lower()
                if name in AGGREGATE_FUNCTIONS and not (
                        name in ("min", "max") and len(n.args) != 1):
                    return True
    return False


_INLINE_FUNCS = frozenset(("coalesce", "ifnull", "iif", "likely", "unlikely", "likelihood",
                           "sqlite_offset", "affinity", "implies_nonnull_row",
                           "expr_compare", "expr_implies_expr"))


def _has_func_flag(node) -> bool:
    """EP_HasFunc as the parser sets it: on a function call and on every node above one,
    except through a COLLATE (sqlite3ExprAddCollateToken does not propagate it) or a
    column (a subquery's expression substituted later does not bring it)."""
    kind = type(node).__name__
    if kind in ("Function", "Like"):
        return True
    if kind in ("Collate", "Column", "_ColumnNode") or kind in _SUBQUERY_NODES:
        return False
    return any(_has_func_flag(c) for c in node.children() if c is not None)


def _strip_collate(node):
    while type(node).__name__ == "Collate":
        node = node.operand
    return node


def _has_call(node) -> bool:
    """Whether the expression calls a function (only a call can fail)."""
    return any(type(n).__name__ in ("Function", "Like") for n in _walk_expr(node))


def _sqlite_deterministic(node) -> bool:
    """exprIsDeterministic (where.c): no subquery and no non-deterministic function."""
    for n in _walk_expr(node):
        kind = type(n).__name__
        if kind in _SUBQUERY_NODES or kind == "Raise":
            return False
        if kind == "In" and (n.select is not None or getattr(n, "table", None)):
            return False
        if kind == "Function" and n.name.lower() in _NOT_CONSTANT_FUNCS:
            return False
    return True


def _sqlite_constant(node) -> bool:
    """sqlite3ExprIsConstant: no column of any query, no subquery, only deterministic
    functions (a bound parameter is a constant)."""
    if node is None or isinstance(node, _ColumnNode):
        return False
    for n in _walk_expr(node):
        kind = type(n).__name__
        if kind in ("Column", "Raise") or kind in _SUBQUERY_NODES:
            return False
        if kind == "In" and (n.select is not None or getattr(n, "table", None)):
            return False
        if kind == "Function":
            name = n.name.lower()
            if n.over is not None or name in _NOT_CONSTANT_FUNCS or (
                    name in AGGREGATE_FUNCTIONS and not (
                        name in ("min", "max") and len(n.args) > 1)):
                return False
    return True


def _walk_expr(node):
    """Walk an expression without descending into subqueries or window calls."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None or isinstance(n, _ColumnNode):
            continue
        yield n
        kind = type(n).__name__
        if kind in _SUBQUERY_NODES:
            continue
        if kind == "In" and n.select is not None:
            stack.append(n.operand)
            continue
        if kind == "Function" and n.over is not None:
            # the window call itself is no aggregate, but aggregates in its arguments are
            stack.extend(n.args)
            if n.filter is not None:
                stack.append(n.filter)
            if not isinstance(n.over, str):
                stack.extend(n.over.partition_by)
                stack.extend(t.expr for t in n.over.order_by)
            continue
        stack.extend(n.children())


def _int_literal(node):
    """The value of an integer literal that fits in 32 bits (sqlite3ExprIsInteger), else
    None: only those select a result column by position."""
    neg = False
    while type(node).__name__ == "Unary" and node.op in ("-", "+"):
        if node.op == "-":
            neg = not neg
        node = node.operand
    if type(node).__name__ == "Number":
        text = node.text
        if text.isdigit():
            v = int(text)
        elif text[:2].lower() == "0x":
            try:
                v = int(text, 16)
            except ValueError:
                return None
        else:
            return None
        v = -v if neg else v
        if -(1 << 31) <= v < (1 << 31):
            return v
    return None


def _desc(term) -> bool:
    return (term.direction or "").upper() == "DESC"


def _nulls_first(term):
    n = term.nulls
    if n is None:
        return None
    return n.upper() == "FIRST"


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suf = "th"
    else:
        suf = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suf}"


def _expr_name(text, expr, scope) -> str:
    """The result column name sqlite3 reports for an un-aliased expression: a column's
    declared name, else the expression's text as written."""
    if type(expr).__name__ == "Column":
        hit = None
        sc = scope
        try:
            while sc is not None and hit is None:
                hit = _Resolver(None, sc)._find(sc, expr.name, expr.table)
                sc = sc.parent
        except OperationalError:
            hit = None
        if hit is not None:
            s, j = hit
            if j < 0:
                if s.table is not None and s.table.rowid_alias is not None:
                    return s.columns[s.table.rowid_alias].name
                return "rowid" if s.table is not None else expr.name
            return s.columns[j].name
        if text is None:
            return expr.name
    if text is not None:
        return text
    return expr.to_sql()
