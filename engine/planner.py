"""The query planner: join order and access paths for one query level.

Follows the ideas of SQLite's query planner (optoverview.html, where.c),
simplified:

- Each WHERE conjunct (and each ON conjunct of an inner join) is a *term*
  with the set of FROM items it depends on.  A term ``col op expr`` (op one
  of = < <= > >=, BETWEEN giving two) whose other side depends only on items
  already bound can drive an access path.
- Access paths for a table: a rowid / INTEGER PRIMARY KEY equality seek
  ("SEARCH t USING INTEGER PRIMARY KEY (rowid=?)"), a rowid range, an index
  equality seek on a prefix of the index's columns optionally followed by a
  range on the next column ("SEARCH t USING INDEX i (a=? AND b>?)"), a full
  scan ("SCAN t"), or, when an equality with a bound item exists but no index
  serves it, a hash table built once per run ("SEARCH t USING AUTOMATIC
  COVERING INDEX (a=?)").  An index is usable for a comparison only when the
  comparison's collation is the index column's and its affinity is
  compatible (sqlite3IndexAffinityOk: none/BLOB always, TEXT with a TEXT
  column, numeric with a numeric column).  An index holding every column the
  query reads from the table is used without touching the table (COVERING).
- Join order: inner joins are ordered greedily by estimated cost (cheapest
  access first, then items reachable by equality from the bound ones), so
  chains of equality joins are linear; outer joins keep their written order.
- ORDER BY is satisfied without sorting when a single-table query scans in
  rowid order or through an index whose columns match the ORDER BY terms.

Execution writes each FROM item's row into a shared buffer laid out in FROM
order (so compiled expressions never depend on the join order) and yields the
buffer as a tuple once every item is bound and every term passed.
"""

from __future__ import annotations

import math
from bisect import bisect_left

from formatspec import FormatError
from formatspec import btree as fb
from formatspec.record import record_decoder

from . import values as V
from .errors import CorruptError, NotSupportedError
from .exec.expr import NUMERIC_AFFS, comparison_affinity, comparison_collation, predicate
from .exec.operators import value_key

__all__ = ["LevelPlan", "Term", "plan_level"]

_FULL_SCAN_ROWS = 1_000_000
_FLIP = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class Term:
    """One conjunct: compiled expression, the FROM items (by index) it reads, and the
    comparisons it implies, each ``(op, left CExpr, right CExpr, left deps, right deps)``."""

    __slots__ = ("cexpr", "deps", "cmps", "pred", "used", "from_on", "hoist")

    def __init__(self, cexpr, deps, cmps=(), from_on=False):
        self.cexpr = cexpr
        self.deps = frozenset(deps)
        self.cmps = list(cmps)
        self.pred = predicate(cexpr)
        self.used = False
        self.from_on = from_on  # ON/USING of an inner join (not the WHERE clause)
        # reading no FROM item, it is tested once before the loops; not when it holds a
        # subquery or a non-deterministic function (exprIsDeterministic in where.c): then
        # it is tested for each row of the outermost loop
        self.hoist = True


class _Access:
    """How one FROM item is read at its place in the join order."""

    def __init__(self, source, kind, detail, cost):
        self.source = source
        self.kind = kind  # scan, rowid_eq, rowid_range, index, hash, unit
        self.detail = detail
        self.cost = cost
        self.consumed: list[Term] = []
        self.key_exprs = []
        self.index = None
        self.eq_cols = 0
        self.lo = None  # (op, CExpr)
        self.hi = None
        self.covering = False
        self.ordered_by_index = False
        self.hash_pairs = []  # (column index j, other CExpr, conv, keyf)
        self.needed = None  # the table's columns the query reads: a projected scan
        self.rows = cost  # estimated rows produced per probe


class LevelPlan:
    def __init__(self, rows, provides):
        self.rows = rows
        self._provides = provides

    def provides_order(self, order_terms) -> bool:
        return self._provides(order_terms)

    def sqlite_order(self, order_terms):
        """'fwd' or 'rev' when SQLite reads this level's rows in the ORDER BY's order
        (forward or backward, no sorter), None when it sorts them; ``order_terms`` are
        ``(position or None, collation, desc, nulls first, constant)``."""
        return None


def _conv_for(aff):
    if aff is None or aff == "BLOB":
        return None
    if aff in NUMERIC_AFFS:
        def conv(v):
            if type(v) is str:
                return V.apply_affinity(v, "NUMERIC")
            return v
        return conv

    def conv_text(v):
        if type(v) in (int, float):
            return V.to_text(v)
        return v
    return conv_text


def _affinity_ok(cmp_aff, col_aff) -> bool:
    if cmp_aff is None or cmp_aff == "BLOB":
        return True
    if cmp_aff == "TEXT":
        return col_aff == "TEXT"
    return col_aff in NUMERIC_AFFS


def plan_level(scope, terms: list[Term], join_terms: dict, state, eqp_parent,
               used_cols: set, order_terms=None):
    """Plan one query level.  ``join_terms`` maps a source index to the Terms of its ON
    clause for outer joins (inner-join ON terms are already among ``terms``)."""
    session = state.session
    eqp = state.eqp
    sources = scope.sources
    n = len(sources)
    terms = _with_table_function_terms(scope, terms, join_terms)
    const_terms = [t for t in terms if not t.deps and (t.hoist or not sources)]
    const_preds = [t.pred for t in const_terms]

    if n == 0:
        def rows0():
            if all(p(()) for p in const_preds):
                yield ()
        eqp.append((eqp_parent, "SCAN CONSTANT ROW"))
        return LevelPlan(rows0, lambda o: False)

    outer = any(s.join in ("LEFT", "RIGHT", "FULL") for s in sources)
    pos_map = {}
    for s in sources:
        if s.has_rowid:
            pos_map[s.offset] = (s, -1)
        for j in range(len(s.columns)):
            pos_map[s.col_pos(j)] = (s, j)

    remaining = [t for t in terms if t.deps or not t.hoist]
    order: list[int] = []
    accesses: list[_Access] = []
    bound: set[int] = set()
    if outer:
        for s in _outer_order(sources, terms):
            if s.join in ("RIGHT", "FULL") or any(
                    x.join in ("RIGHT", "FULL") for x in sources[s.index + 1:]):
                usable = []  # every row of this item must be seen
            elif s.join == "LEFT":
                usable = list(join_terms.get(s.index, []))
            else:
                usable = remaining
            acc = _best_access(s, bound, usable, pos_map, session, used_cols, order_terms, n)
            order.append(s.index)
            accesses.append(acc)
            bound.add(s.index)
    else:
        best_plan = None
        for start in range(n):
            plan = _greedy(start, sources, remaining, pos_map, session, used_cols,
                           order_terms, n)
            if best_plan is None or plan[2] < best_plan[2]:
                best_plan = plan
        order, accesses, _total = best_plan
        bound = set(order)

    # place the residual terms at the first level where everything they read is bound
    consumed = {id(t) for a in accesses for t in a.consumed}
    level_terms: list[list] = [[] for _ in range(n)]
    seen_bound: set[int] = set()
    # a RIGHT/FULL JOIN null-extends every item before it for its unmatched rows: a WHERE
    # term reading such an item waits for the last of those joins' level
    last_rf = max((k for k, i in enumerate(order) if sources[i].join in ("RIGHT", "FULL")),
                  default=-1)
    before_rf = set(order[:last_rf]) if last_rf >= 0 else set()
    for k, i in enumerate(order):
        seen_bound.add(i)
        for t in remaining:
            if id(t) in consumed or t.used:
                continue
            if k < last_rf and (t.deps & before_rf or not t.deps) and not t.from_on:
                continue  # (a term reading no item, not hoisted, is tested there too)
            if t.deps <= seen_bound:
                # a WHERE term over an outer-joined item must wait for its level
                level_terms[k].append(t)
                t.used = True
    for t in remaining:
        t.used = False

    _subquery_lines(sources, eqp, eqp_parent, state)
    for acc in accesses:
        s = acc.source
        sub = getattr(s, "eqp_sub", None)
        if sub is not None and getattr(s, "flattened", False):
            # flattened into this query: its loops are ours
            eqp.extend(sub[1])
            continue
        detail = acc.detail
        if s.join == "LEFT":
            detail += " LEFT-JOIN"
        elif s.join in ("RIGHT", "FULL"):
            detail += " RIGHT-JOIN" if s.join == "RIGHT" else " FULL-JOIN"
        eqp.append((eqp_parent, detail))

    width = scope.width
    on_preds = {i: [t.pred for t in join_terms.get(i, []) if id(t) not in consumed]
                for i in range(n)}

    if n == 1 and not outer:
        acc = accesses[0]
        preds = [t.pred for t in level_terms[0]]
        pred = _all_of(preds)
        reader = _reader(acc, session, state)

        def rows1():
            if not all(p(()) for p in const_preds):
                return iter(())
            it = reader(None)
            if not preds:
                return it
            return filter(pred, it)
        provides = _order_check(accesses[0])
        plan = LevelPlan(rows1, provides)
        plan.sqlite_order = _sqlite_order(accesses[0])
        return plan

    readers = [_reader(acc, session, state) for acc in accesses]
    level_preds = [[t.pred for t in lt] for lt in level_terms]

    def rows_n():
        if not all(p(()) for p in const_preds):
            return
        buf = [None] * width
        gen = _seed()
        for k, i in enumerate(order):
            s = sources[i]
            gen = _level(gen, buf, s, readers[k], on_preds.get(i, []), level_preds[k],
                         s.join, [sources[j] for j in order[:k]])
        for _ in gen:
            yield tuple(buf)
    return LevelPlan(rows_n, lambda o: False)


def _greedy(start, sources, terms, pos_map, session, used_cols, order_terms, n):
    """Join order beginning with ``start``, then the cheapest next item each time; with
    its estimated cost (rows before each level times that level's cost per probe)."""
    bound: set[int] = set()
    order: list[int] = []
    accesses: list[_Access] = []
    left = list(range(n))
    rows = 1.0
    total = 0.0
    first = True
    while left:
        best = None
        for i in ([start] if first else left):
            acc = _best_access(sources[i], bound, terms, pos_map, session, used_cols,
                               order_terms, n)
            if best is None or acc.cost < best[1].cost:
                best = (i, acc)
        first = False
        i, acc = best
        left.remove(i)
        order.append(i)
        accesses.append(acc)
        bound.add(i)
        if acc.kind in ("hash", "unit_hash"):
            total += _FULL_SCAN_ROWS + rows * acc.cost
        else:
            total += rows * acc.cost
        rows *= acc.rows
    return order, accesses, total


def _all_of(preds):
    """One predicate that is the conjunction of ``preds`` (no per-row generator)."""
    if not preds:
        return None
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        p1, p2 = preds
        return lambda r: p1(r) and p2(r)
    if len(preds) == 3:
        p1, p2, p3 = preds
        return lambda r: p1(r) and p2(r) and p3(r)
    first = preds[0]
    rest = _all_of(preds[1:])
    return lambda r: first(r) and rest(r)


def _seed():
    yield None


def _level(prefix, buf, s, reader, on_preds, where_preds, join, earlier):
    o = s.offset
    w = s.width
    e = o + w
    nulls = (None,) * w
    if join in ("RIGHT", "FULL"):
        yield from _right_level(prefix, buf, s, reader, on_preds, where_preds, join, earlier)
        return
    left_join = join == "LEFT"
    for _ in prefix:
        matched = False
        for row in reader(buf):
            buf[o:e] = row
            if on_preds and not all(p(buf) for p in on_preds):
                continue
            matched = True
            if where_preds and not all(p(buf) for p in where_preds):
                continue
            yield None
        if left_join and not matched:
            buf[o:e] = nulls
            if where_preds and not all(p(buf) for p in where_preds):
                continue
            yield None


def _right_level(prefix, buf, s, reader, on_preds, where_preds, join, earlier):
    o = s.offset
    w = s.width
    e = o + w
    rows = list(reader(buf))
    hit = [False] * len(rows)
    for _ in prefix:
        matched = False
        for idx, row in enumerate(rows):
            buf[o:e] = row
            if on_preds and not all(p(buf) for p in on_preds):
                continue
            matched = True
            hit[idx] = True
            if where_preds and not all(p(buf) for p in where_preds):
                continue
            yield None
        if join == "FULL" and not matched:
            buf[o:e] = (None,) * w
            if where_preds and not all(p(buf) for p in where_preds):
                continue
            yield None
    for src in earlier:
        buf[src.offset:src.offset + src.width] = (None,) * src.width
    for idx, row in enumerate(rows):
        if hit[idx]:
            continue
        buf[o:e] = row
        if where_preds and not all(p(buf) for p in where_preds):
            continue
        yield None


# ---------------------------------------------------------------------------------------------
# access path choice
# ---------------------------------------------------------------------------------------------


def _candidates(s, bound, terms, pos_map):
    """(term, op, column j, other CExpr, comparison affinity, collation) for s."""
    out = []
    for t in terms:
        if s.index not in t.deps:
            continue
        for op, a, b, da, db in t.cmps:
            if op == "IN":
                hit = pos_map.get(a.column)
                if hit is not None and hit[0] is s and da == frozenset((s.index,)):
                    aff = a.aff if a.aff != "BLOB" else None
                    out.append((t, "IN", hit[1], b, aff, a.coll or "BINARY"))
                continue
            aff = comparison_affinity(a, b)
            coll = comparison_collation(a, b)
            for x, y, dx, dy, o in ((a, b, da, db, op), (b, a, db, da, _FLIP.get(op))):
                if o is None or x.column is None:
                    continue
                hit = pos_map.get(x.column)
                if hit is None or hit[0] is not s or dx != frozenset((s.index,)):
                    continue
                if not dy <= bound or s.index in dy:
                    continue
                out.append((t, o, hit[1], y, aff, coll))
    return out


def _subquery_lines(sources, eqp, eqp_parent, state):
    """The CO-ROUTINE / MATERIALIZE line (over its own plan) of each FROM subquery, view
    or CTE not flattened, in FROM order before the loops, as sqlite3Select codes them: a
    co-routine when it is the first item and the outer loop for sure (alone, or the next
    item joins by an outer or CROSS join), is not a CTE to materialize and no RIGHT/FULL
    JOIN follows; else materialized, once per CTE in the statement."""
    done = getattr(state, "eqp_ctes", None)
    if done is None:
        done = state.eqp_ctes = set()
    n = len(sources)
    for i, s in enumerate(sources):
        sub = getattr(s, "eqp_sub", None)
        if sub is None or getattr(s, "flattened", False):
            continue
        name, children, cte, must = sub
        if cte is not None:
            if cte in done:
                continue
            done.add(cte)
        coroutine = (i == 0 and not must
                     and (n == 1 or sources[1].join in ("LEFT", "RIGHT", "FULL")
                          or getattr(sources[1], "cross", False))
                     and not any(x.join in ("RIGHT", "FULL") for x in sources[1:]))
        eqp.append((eqp_parent, f"{'CO-ROUTINE' if coroutine else 'MATERIALIZE'} {name}",
                    children))


def _best_access(s, bound, terms, pos_map, session, used_cols, order_terms, n) -> _Access:
    name = getattr(s, "eqp_name", None) or s.name
    if getattr(s, "tvf", None) is not None:
        return _tvf_access(s, bound, terms, pos_map)
    cands = _candidates(s, bound, terms, pos_map)
    table = s.table
    if table is None or session.storage is None or not table.rootpage:
        acc = _Access(s, "unit" if s.unit is not None else "scan", f"SCAN {name}",
                      100_000 if s.unit is not None else _FULL_SCAN_ROWS)
        one = getattr(s.unit, "one_row", False)
        if one:
            # a subquery known to give one row (an aggregate without GROUP BY, no FROM):
            # SQLite's nSelectRow of 1 puts it outermost
            acc.cost = acc.rows = 1
        _maybe_hash(acc, cands, n)
        return acc
    ipk = table.rowid_alias
    best = None
    if table.without_rowid and table.primary_key:
        pk = table.primary_key
        eq_used = []
        for ic in pk:
            c = _usable(cands, ic, table, "=")
            if c is None:
                break
            eq_used.append(c)
        if eq_used:
            k = len(eq_used)
            parts = [f"{_colname(table, ic)}=?" for ic in pk[:k]]
            acc = _Access(s, "pk", f"SEARCH {name} USING PRIMARY KEY ({' AND '.join(parts)})",
                          1 if k == len(pk) else 10)
            acc.eq_cols = k
            acc.key_exprs = [c[3] for c in eq_used]
            acc.key_convs = [_conv_for(c[4]) for c in eq_used]
            acc.consumed = [c[0] for c in eq_used if len(c[0].cmps) == 1]
            return acc
    if s.has_rowid:
        eqs = [c for c in cands if c[1] == "=" and (c[2] == -1 or c[2] == ipk)]
        if eqs:
            t, op, j, other, aff, coll = eqs[0]
            acc = _Access(s, "rowid_eq", f"SEARCH {name} USING INTEGER PRIMARY KEY (rowid=?)", 1)
            acc.key_exprs = [other]
            acc.consumed = [t] if len(t.cmps) == 1 else []
            return acc
        ins = [c for c in cands if c[1] == "IN" and (c[2] == -1 or c[2] == ipk)]
        if ins:
            t, op, j, vals, aff, coll = ins[0]
            acc = _Access(s, "rowid_in", f"SEARCH {name} USING INTEGER PRIMARY KEY (rowid=?)",
                          len(vals) or 1)
            acc.in_values = vals
            return acc
        rng = [c for c in cands if c[1] in ("<", "<=", ">", ">=") and (c[2] == -1 or c[2] == ipk)]
        if rng:
            lo = next((c for c in rng if c[1] in (">", ">=")), None)
            hi = next((c for c in rng if c[1] in ("<", "<=")), None)
            parts = []
            if lo:
                parts.append(f"rowid{lo[1]}?")
            if hi:
                parts.append(f"rowid{hi[1]}?")
            acc = _Access(s, "rowid_range",
                          f"SEARCH {name} USING INTEGER PRIMARY KEY ({' AND '.join(parts)})",
                          _FULL_SCAN_ROWS // (4 if (lo and not hi) or (hi and not lo) else 16))
            acc.lo = (lo[1], lo[3]) if lo else None
            acc.hi = (hi[1], hi[3]) if hi else None
            best = acc
    needed = {j for (si, j) in used_cols if si == s.index}
    for ix in session.catalog.indexes_of(table):
        if ix.partial or not ix.rootpage or table.without_rowid:
            continue
        cols = ix.columns
        eq_used = []
        k = 0
        while k < len(cols):
            ic = cols[k]
            if ic.column < -1 and ic.column != -1:
                break
            c = _usable(cands, ic, table, "=")
            if c is None:
                break
            eq_used.append(c)
            k += 1
        rng_lo = rng_hi = None
        if k < len(cols) and cols[k].column >= 0 and not cols[k].desc:
            rng_lo = _usable(cands, cols[k], table, (">", ">="))
            rng_hi = _usable(cands, cols[k], table, ("<", "<="))
        if not eq_used and rng_lo is None and rng_hi is None:
            c_in = _usable(cands, cols[0], table, "IN") if cols[0].column >= 0 else None
            if c_in is None:
                continue
            covering = all(any(ic.column == j for ic in cols) or (j == -1) or (j == ipk)
                           for j in needed)
            kind = "COVERING INDEX" if covering else "INDEX"
            acc = _Access(s, "index", f"SEARCH {name} USING {kind} {ix.name} "
                          f"({_colname(table, cols[0])}=?)", 10 * max(1, len(c_in[3])))
            acc.index = ix
            acc.eq_cols = 1
            acc.in_values = c_in[3]
            acc.key_exprs = [None]
            acc.key_convs = [_conv_for(c_in[4])]
            acc.covering = covering
            acc.rows = 10 * max(1, len(c_in[3]))
            if best is None or acc.cost < best.cost:
                best = acc
            continue
        covering = all(any(ic.column == j for ic in cols) or (j == -1) or (j == ipk)
                       for j in needed)
        parts = [f"{_colname(table, ic)}=?" for ic in cols[:k]]
        if rng_lo:
            parts.append(f"{_colname(table, cols[k])}{rng_lo[1]}?")
        if rng_hi:
            parts.append(f"{_colname(table, cols[k])}{rng_hi[1]}?")
        kind = "COVERING INDEX" if covering else "INDEX"
        if k == len(cols) and ix.unique:
            cost = 1.5
        elif k:
            cost = 10 / k + (len(cols) - k)
        else:
            cost = _FULL_SCAN_ROWS / (4 if (rng_lo is None) != (rng_hi is None) else 16)
        if not covering:
            cost *= 1.2
        acc = _Access(s, "index", f"SEARCH {name} USING {kind} {ix.name} ({' AND '.join(parts)})",
                      cost)
        acc.rows = 1 if (k == len(cols) and ix.unique) else (
            10 if k else _FULL_SCAN_ROWS / 4)
        acc.index = ix
        acc.eq_cols = k
        acc.key_exprs = [c[3] for c in eq_used]
        acc.key_convs = [_conv_for(c[4]) for c in eq_used]
        acc.lo = (rng_lo[1], rng_lo[3], _conv_for(rng_lo[4])) if rng_lo else None
        acc.hi = (rng_hi[1], rng_hi[3], _conv_for(rng_hi[4])) if rng_hi else None
        acc.covering = covering
        acc.consumed = [c[0] for c in eq_used if len(c[0].cmps) == 1]
        if best is None or acc.cost < best.cost:
            best = acc
    if best is not None:
        return best
    acc = _Access(s, "scan", f"SCAN {name}", _FULL_SCAN_ROWS)
    acc.needed = frozenset(needed)
    # ORDER BY through an index (single-table queries)
    if n == 1 and order_terms:
        pick = _index_for_order(s, table, session, order_terms, needed, pos_map)
        if pick is not None:
            ix, covering = pick
            kind = "COVERING INDEX" if covering else "INDEX"
            acc = _Access(s, "index", f"SCAN {name} USING {kind} {ix.name}", _FULL_SCAN_ROWS)
            acc.index = ix
            acc.covering = covering
            acc.ordered_by_index = True
            return acc
    _maybe_hash(acc, cands, n)
    rowid_order = n == 1 and bool(order_terms) and order_terms[0][0] in (
        {s.offset} | ({s.col_pos(table.rowid_alias)} if table.rowid_alias is not None else set()))
    if acc.kind == "scan" and s.has_rowid and not rowid_order:
        # (an ORDER BY on the rowid keeps the table scan: it needs no sorter)
        pick = _covering_scan_index(table, session, needed)
        if pick is not None:
            acc = _Access(s, "index", f"SCAN {name} USING COVERING INDEX {pick.name}",
                          _FULL_SCAN_ROWS * 0.95)
            acc.index = pick
            acc.covering = True
    return acc


# ---------------------------------------------------------------------------------------------
# table-valued functions (engine/exec/tvf.py): the "tvf" access kind
# ---------------------------------------------------------------------------------------------

_TVF_REJECTED = 1e30  # xBestIndex's SQLITE_CONSTRAINT: not at this place in the join order


def _with_table_function_terms(scope, terms, join_terms):
    """``terms`` plus the equality terms ``hidden = +arg`` of each table-valued function's
    arguments (sqlite3WhereTabFuncArgs: after the WHERE terms; ON terms of an outer join's
    item go with its own ON terms)."""
    extra = []
    for s in scope.sources:
        tf = getattr(s, "tvf", None)
        if tf is None:
            continue
        if s.join == "RIGHT" or (s.join == "FULL" and tf.kind != "json"):
            # SQLite 3.40 reads such an item without its arguments while joining and with
            # them for the unmatched rows (and misplaces a pragma table's matched rows):
            # not reproduced
            raise NotSupportedError(
                f"table-valued function {tf.name} as the right operand of {s.join} JOIN")
        got = tf.arg_terms(scope)
        if s.join == "FULL" and any(t.deps - {s.index} for t in got):
            # its unmatched rows would come from arguments read on a null row, matched by
            # rowid across outer rows in SQLite 3.40: not reproduced
            raise NotSupportedError(
                f"table-valued function {tf.name} reading other FROM items as the right "
                "operand of FULL JOIN")
        if s.join in ("LEFT", "RIGHT", "FULL"):
            join_terms.setdefault(s.index, []).extend(got)
        else:
            extra.extend(got)
    return list(terms) + extra if extra else terms


def _outer_order(sources, terms):
    """Written order, except that an inner-joined table-valued function whose arguments
    read later inner-joined items moves after them (SQLite reorders those freely; across
    an outer join it cannot, and the function then sees no argument)."""
    seq = list(sources)
    if any(s.join in ("RIGHT", "FULL") for s in sources):
        return seq
    for s in sources:
        tf = getattr(s, "tvf", None)
        if tf is None or s.join != "INNER":
            continue
        deps = set()
        for t in tf._terms or ():  # made by _with_table_function_terms
            deps |= t.deps
        deps.discard(s.index)
        if not deps:
            continue
        pos = seq.index(s)
        last = max(seq.index(sources[i]) for i in deps)
        if last <= pos or any(x.join != "INNER" for x in seq[pos + 1:last + 1]):
            continue
        seq.remove(s)
        seq.insert(last, s)
    return seq


def _tvf_access(s, bound, terms, pos_map) -> _Access:
    """xBestIndex of json_each/json_tree (jsonEachBestIndex) and of the pragma tables
    (pragmaVtabBestIndex): which equality constraints on the hidden columns are handed to
    the function at this place, and its cost there."""
    tf = s.tvf
    nvis = len(tf.visible)
    nhid = len(tf.hidden)
    chosen = [None] * nhid
    if tf._terms:
        # its own argument terms make the item (they filter nothing), also where the
        # other terms may not be used (an item left of a RIGHT/FULL JOIN); the right item
        # of a RIGHT/FULL JOIN is read before the others: only arguments reading none of
        # them
        have = {id(t) for t in terms}
        mine = frozenset((s.index,))
        terms = list(terms) + [t for t in tf._terms if id(t) not in have and (
            s.join not in ("RIGHT", "FULL") or t.deps == mine)]
    for t, op, j, other, _aff, _coll in _candidates(s, bound, terms, pos_map):
        if op == "=" and j is not None and j >= nvis:
            chosen[j - nvis] = (t, other)  # the last usable one, as both loops keep
    unusable = set()
    for t in terms:
        if s.index not in t.deps:
            continue
        for _op, a, b, da, db in t.cmps:
            for x, dx, dy in ((a, da, db), (b, db, da)):
                if x is None or getattr(x, "column", None) is None or dy is None:
                    continue
                hit = pos_map.get(x.column)
                if hit is None or hit[0] is not s or hit[1] < nvis or dx != frozenset(
                        (s.index,)):
                    continue
                if not dy <= bound or s.index in dy:
                    unusable.add(hit[1] - nvis)
    if tf.kind == "json":
        if any(chosen[k] is None for k in unusable):
            cost = _TVF_REJECTED
            chosen = [None] * nhid
            idx = 0
        elif chosen[0] is None:
            cost = 1e18  # no JSON input: left at SQLite's huge default cost
            chosen = [None] * nhid
            idx = 0
        else:
            cost = 1.0
            idx = 3 if chosen[1] is not None else 1
        rows = 25
    else:
        if not nhid or chosen[0] is None:
            chosen = [None] * nhid
            cost = rows = 2147483647
        elif nhid < 2 or chosen[1] is None:
            cost = rows = 1000
        else:
            cost = rows = 20
        idx = 0
    acc = _Access(s, "tvf", f"SCAN {s.name} VIRTUAL TABLE INDEX {idx}:", cost)
    acc.rows = rows
    acc.tvf_args = chosen
    acc.consumed = [c[0] for c in chosen if c is not None and len(c[0].cmps) == 1]
    return acc


def _tvf_reader(acc: _Access):
    tf = acc.source.tvf
    from .exec.tvf import NOT_GIVEN

    fns = [None if c is None else c[1].fn for c in acc.tvf_args]

    def read(buf):
        return tf.rows([NOT_GIVEN if f is None else f(buf) for f in fns])
    return read


def _log_est(x: int) -> int:
    """sqlite3LogEst: about 10*log2(x), as SQLite's planner estimates sizes."""
    a = (0, 2, 3, 5, 6, 7, 8, 9)
    y = 40
    if x < 8:
        if x < 2:
            return 0
        while x < 8:
            y -= 10
            x <<= 1
    else:
        while x > 255:
            y += 40
            x >>= 4
        while x > 15:
            y += 10
            x >>= 1
    return a[x & 7] + y - 10


def _size_estimate(col) -> int:
    """A column's szEst (sqlite3AffinityType): 1 for numbers and untyped columns, about
    5 for TEXT/BLOB, k/4+1 for CHAR(k)-like declarations."""
    decl = getattr(col, "decl_type", None)
    if not decl:
        return 1
    if col.affinity in ("NUMERIC", "INTEGER", "REAL"):
        return 1
    up = decl.upper()
    v = 16
    if "CHAR" in up:
        v = 0
        tail = up[up.index("CHAR"):]
        digits = ""
        for ch in tail:
            if ch.isdigit():
                digits += ch
            elif digits:
                break
        if digits:
            v = int(digits)
    return min(v // 4 + 1, 255)


def _covering_scan_index(table, session, needed):
    """The index SQLite would scan instead of the table (a covering index whose rows are
    smaller than the table's, the smallest; among equals the last created), or None."""
    cols = table.columns
    width = sum(_size_estimate(c) for c in cols) + (1 if table.rowid_alias is None else 0)
    sz_table = _log_est(width * 4)
    ipk = table.rowid_alias
    best = None
    indexes = session.catalog.indexes_of(table)
    ordered = [ix for ix in indexes if ix.auto] + [ix for ix in indexes if not ix.auto]
    for ix in reversed(ordered):
        if ix.partial or not ix.rootpage:
            continue
        if any(ic.column < -1 for ic in ix.columns):
            continue
        have = {ic.column for ic in ix.columns}
        if not all(j in have or j == -1 or j == ipk for j in needed):
            continue
        w = sum(1 if ic.column < 0 else _size_estimate(cols[ic.column])
                for ic in ix.columns) + 1
        sz = _log_est(w * 4)
        if sz < sz_table and (best is None or sz < best[0]):
            best = (sz, ix)
    return best[1] if best else None


def _maybe_hash(acc: _Access, cands, n=2):
    if n == 1:
        return  # a lone table: a hash table would cost a full scan anyway
    eqs = [c for c in cands if c[1] == "="]
    if not eqs:
        return
    if acc.source.unit is not None and acc.source.unit.correlated:
        return
    s = acc.source
    parts = []
    for t, _op, j, other, aff, coll in eqs:
        if j < 0:
            continue
        conv = _conv_for(aff)
        acc.hash_pairs.append((j, other, conv, value_key(coll)))
        acc.rows = 10
        parts.append(f"{s.columns[j].name}=?")
        if len(t.cmps) == 1:
            acc.consumed.append(t)
    if acc.hash_pairs:
        acc.kind = "hash" if acc.kind == "scan" else "unit_hash"
        name = getattr(s, "eqp_name", None) or s.name
        acc.detail = f"SEARCH {name} USING AUTOMATIC COVERING INDEX ({' AND '.join(parts)})"
        acc.cost = 10


def _usable(cands, ic, table, ops):
    if ic.column < 0 and ic.column != -1:
        return None
    for c in cands:
        t, op, j, other, aff, coll = c
        if op not in (ops if isinstance(ops, tuple) else (ops,)):
            continue
        if j != ic.column:
            continue
        col_aff = "INTEGER" if j == -1 else table.columns[j].affinity
        if not _affinity_ok(aff, col_aff):
            continue
        if (coll or "BINARY").upper() != (ic.collation or "BINARY").upper():
            continue
        return c
    return None


def _colname(table, ic):
    if ic.column == -1:
        return "rowid"
    return table.columns[ic.column].name


def _index_for_order(s, table, session, order_terms, needed, pos_map):
    cols = []
    for fn_pos, coll, desc, nulls in order_terms:
        if fn_pos is None or desc or nulls is not None:
            return None
        hit = pos_map.get(fn_pos)
        if hit is None or hit[0] is not s:
            return None
        cols.append((hit[1], (coll or "BINARY").upper()))
    ipk = table.rowid_alias
    if cols and cols[0][0] in (-1, ipk) and ipk is not None or (cols and cols[0][0] == -1):
        return None  # rowid order: the table scan already provides it
    for ix in session.catalog.indexes_of(table):
        if ix.partial or not ix.rootpage or table.without_rowid:
            continue
        if len(ix.columns) < len(cols):
            continue
        ok = True
        for (j, coll), ic in zip(cols, ix.columns):
            if ic.column != j or ic.desc or (ic.collation or "BINARY").upper() != coll:
                ok = False
                break
        if ok:
            covering = all(any(ic.column == j for ic in ix.columns) or j == -1 or j == ipk
                           for j in needed)
            return ix, covering
    return None


def _order_check(acc: _Access):
    s = acc.source
    table = s.table

    def provides(order_terms) -> bool:
        if not order_terms:
            return True
        if acc.ordered_by_index:
            return True
        if table is None:
            return False
        if acc.kind in ("scan", "rowid_range", "rowid_eq") and s.has_rowid:
            if len(order_terms) == 1:
                pos, coll, desc, nulls = order_terms[0]
                ipk = table.rowid_alias
                rowid_positions = {s.offset}
                if ipk is not None:
                    rowid_positions.add(s.col_pos(ipk))
                return pos in rowid_positions and not desc and nulls is None
        if acc.kind == "index":
            ix = acc.index
            k = acc.eq_cols
            rest = ix.columns[k:]
            if len(order_terms) > len(rest):
                return False
            for (pos, coll, desc, nulls), ic in zip(order_terms, rest):
                if ic.column < 0 or pos != s.col_pos(ic.column) or desc or nulls is not None:
                    return False
                if (coll or "BINARY").upper() != (ic.collation or "BINARY").upper():
                    return False
            return True
        return False
    return provides


def _sqlite_order(acc: _Access):
    """wherePathSatisfiesOrderBy (where.c) for a one-table level read through ``acc``:
    the ORDER BY terms are matched, first unmatched term against each next column of the
    loop's index (the rowid for a table scan, the primary key then the other columns for
    a WITHOUT ROWID table), with one direction for all (a backward scan when it is DESC);
    once a unique key is matched (isOrderDistinct) the remaining constant terms are
    satisfied too.  '+nulls' is appended when a NULLS order other than the default on
    the first term moves the NULLs to the other end (WHERE_BIGNULL_SORT)."""
    s = acc.source
    table = s.table

    def check(order_terms):
        if table is None or not order_terms:
            return None
        kind = acc.kind
        if kind == "rowid_eq":
            return "fwd"  # one row (WHERE_ONEROW)
        cols = []  # (positions, collation or None for the rowid, desc, not null)
        n_eq = 0
        if kind in ("scan", "rowid_range") and s.has_rowid and acc.index is None:
            pos = {s.offset}
            if table.rowid_alias is not None:
                pos.add(s.col_pos(table.rowid_alias))
            cols.append((pos, None, False, True))
            unique, n_key = True, 0
        elif kind in ("scan", "pk") and table.without_rowid and table.primary_key:
            pk = table.primary_key
            in_pk = {ic.column for ic in pk}
            for ic in pk:
                cols.append(({s.col_pos(ic.column)}, (ic.collation or _col_coll(table, ic)),
                             bool(ic.desc), True))
            for j, c in enumerate(table.columns):
                if j not in in_pk:
                    cols.append(({s.col_pos(j)}, (c.collation or "BINARY"), False,
                                 bool(c.not_null)))
            unique, n_key = True, len(pk)
            n_eq = acc.eq_cols if kind == "pk" else 0
        elif kind == "index" and acc.index is not None and s.has_rowid and getattr(
                acc, "in_values", None) is None:
            ix = acc.index
            for ic in ix.columns:
                if ic.column < 0:
                    return None  # an expression index column
                c = table.columns[ic.column]
                cols.append(({s.col_pos(ic.column)}, ic.collation or c.collation or "BINARY",
                             bool(ic.desc), bool(c.not_null)))
            pos = {s.offset}
            if table.rowid_alias is not None:
                pos.add(s.col_pos(table.rowid_alias))
            cols.append((pos, None, False, True))
            unique, n_key = bool(ix.unique), len(ix.columns)
            n_eq = acc.eq_cols
        else:
            return None
        n = len(order_terms)
        sat: set = set()
        rev = None
        distinct = unique
        rowid_matched = False
        bignull = False
        for j in range(n_eq, len(cols)):
            positions, coll, idesc, notnull = cols[j]
            if distinct and coll is not None and not notnull:
                distinct = False
            i = next((i for i in range(n) if i not in sat), None)
            if i is None:
                break
            pos, ocoll, desc, nulls, _const = order_terms[i]
            match = pos is not None and pos in positions and (
                coll is None or (ocoll or "BINARY").upper() == coll.upper())
            if match:
                want = bool(desc) != idesc
                if rev is None:
                    rev = want
                elif rev != want:
                    match = False
            if match and nulls is not None and bool(nulls) != (not desc):
                if j == n_eq:
                    bignull = True  # WHERE_BIGNULL_SORT: the NULLs in a pass of their own
                else:
                    match = False
            if match:
                sat.add(i)
                if coll is None:
                    rowid_matched = True
            else:
                if j == 0 or j < n_key:
                    distinct = False
                break
        if rowid_matched:
            distinct = True
        if distinct:
            sat.update(i for i in range(n) if order_terms[i][4])
        if len(sat) != n:
            return None
        return ("rev" if rev else "fwd") + ("+nulls" if bignull else "")
    return check


def _col_coll(table, ic):
    return (table.columns[ic.column].collation or "BINARY") if ic.column >= 0 else "BINARY"


# ---------------------------------------------------------------------------------------------
# readers: buf -> iterator of source rows
# ---------------------------------------------------------------------------------------------


def _reader(acc: _Access, session, state):
    s = acc.source
    kind = acc.kind
    if kind == "tvf":
        return _tvf_reader(acc)
    if kind in ("unit", "unit_hash") or (kind in ("scan", "hash") and s.table is None):
        unit = s.unit
        if kind in ("hash", "unit_hash"):
            return _hash_reader(acc, lambda: unit.rows(), state)
        if unit.correlated:
            return lambda buf: unit.rows()
        cache = {}

        def read_unit(buf):
            # the first pass streams (a LIMIT above may stop an endless CTE) and keeps
            # the rows; later passes in the same run replay them
            got = cache.get("rows")
            if got is not None and got[0] == state.epoch and got[2]:
                return iter(got[1])
            return _recording(unit.rows(), cache, state.epoch)
        return read_unit
    table = s.table
    needed = acc.needed
    if kind == "scan":
        s.planned_full_scan = (table, needed)  # read by full_scan_columns()

        def scan(buf):
            return session.table_rows(table, needed)
        return scan
    if kind == "hash":
        return _hash_reader(acc, lambda: session.table_rows(table, needed), state)
    storage = session.storage
    if kind == "rowid_eq":
        f = acc.key_exprs[0].fn
        tree = cached_tree(session, table.rootpage, False)
        shape = table.row_shape(storage.pager.encoding)

        seek = tree.seek_record

        def rowid_eq(buf):
            rid = _as_rowid(f(buf))
            if rid is None:
                return ()
            rec = seek(rid)
            if rec is None:
                return ()
            return (shape((rid, *rec)),)
        return rowid_eq
    if kind == "rowid_range":
        return _rowid_range_reader(acc, session, table)
    if kind == "rowid_in":
        tree = cached_tree(session, table.rootpage, False)
        shape = table.row_shape(storage.pager.encoding)
        rids = sorted({r for r in (_as_rowid(v) for v in acc.in_values) if r is not None})

        def rowid_in(buf):
            for rid in rids:
                rec = tree.seek_record(rid)
                if rec is not None:
                    yield shape((rid, *rec))
        return rowid_in
    if kind == "index":
        return _index_reader(acc, session, table)
    if kind == "pk":
        return _pk_reader(acc, session, table)
    raise NotSupportedError(f"access path {kind} not supported yet")


def full_scan_columns(source):
    """``(table, needed)`` when the plan reads FROM item ``source`` with a full scan of a
    base table (``needed``: the columns the query reads, -1 the rowid; None all), else
    None. The executor's fused aggregate path (engine.exec.aggregate) reads the table
    itself, through storage's filtered page scan, when this is the level's only item."""
    return getattr(source, "planned_full_scan", None)


class _CachedTree:
    """A b-tree whose decoded pages are kept (bounded) for repeated seeks: the database
    does not change under a read-only session."""

    LIMIT = 4096

    def __new__(cls, pager, root, index):
        from .btree import BTree

        class Cached(BTree):
            def __init__(self):
                super().__init__(pager, root, index=index)
                self._nodes = {}

            def node(self, pgno):
                n = self._nodes.get(pgno)
                if n is None:
                    if len(self._nodes) >= _CachedTree.LIMIT:
                        self._nodes.clear()
                        self._leaves.clear()
                        self._seen.clear()
                        self._entries.clear()
                    n = self._nodes[pgno] = BTree.node(self, pgno)
                return n

            _leaves: dict = {}

            def seek_record(self, rid):
                """The record values of the row with rowid ``rid``, or None."""
                node = self.node(root)
                depth = 0
                while not node.leaf:
                    lo, hi = 0, node.ncell
                    cell = self.table_interior_cell
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if cell(node, mid)[1] < rid:
                            lo = mid + 1
                        else:
                            hi = mid
                    node = self.node(self.child(node, lo))
                    depth += 1
                    if depth > self.max_depth:
                        raise CorruptError("b-tree too deep (cycle?)", page=node.pgno)
                got = self._leaves.get(node.pgno)
                if got is None and node.pgno not in self._seen:
                    # first visit: a binary search decoding a few cells only
                    self._seen.add(node.pgno)
                    lo, hi = 0, node.ncell
                    leaf_cell = self.table_leaf_cell
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if leaf_cell(node, mid)[0] < rid:
                            lo = mid + 1
                        else:
                            hi = mid
                    if lo == node.ncell:
                        return None
                    cell = leaf_cell(node, lo)
                    if cell[0] != rid:
                        return None
                    cells = [cell]
                    i = 0
                    got = ()
                if got is None:
                    try:
                        cells = fb.table_leaf_cells(node.page, node.hdr, self.usable)
                    except FormatError as err:
                        raise CorruptError(err.message, page=node.pgno,
                                           offset=err.offset) from None
                    got = self._leaves[node.pgno] = ([c[0] for c in cells], cells)
                if got:
                    keys, cells = got
                    i = bisect_left(keys, rid)
                    if i == len(keys) or keys[i] != rid:
                        return None
                _rowid, size, local, overflow = cells[i]
                try:
                    if overflow:
                        self._check_payload(node, i, size, local, overflow)
                        local = self.payload(size, local, overflow, pgno=node.pgno)
                    return decode(local)
                except FormatError as err:
                    raise CorruptError(f"row {rid}: record: {err.message}",
                                       page=node.pgno) from None
            def entry(self, node, i):
                """Index trees: the decoded record of entry ``i`` of ``node`` (cached)."""
                ents = self._entries.get(node.pgno)
                if ents is None:
                    ents = self._entries[node.pgno] = [None] * node.ncell
                e = ents[i]
                if e is None:
                    cell = self.index_cell(node, i)
                    try:
                        payload = self.payload(cell[1], cell[2], cell[3], pgno=node.pgno)
                        e = ents[i] = decode(payload)
                    except FormatError as err:
                        raise CorruptError(f"index entry {i}: {err.message}",
                                           page=node.pgno) from None
                return e

            def iter_from(self, key, colls, descs):
                """Index trees: the entries >= ``key`` (a prefix), in index order."""
                entry = self.entry
                stack = []
                node = self.node(root)
                cmp = _key_comparer(colls, descs)
                while True:
                    lo, hi = 0, node.ncell
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if cmp(entry(node, mid), key) < 0:
                            lo = mid + 1
                        else:
                            hi = mid
                    stack.append([node, lo])
                    if node.leaf:
                        break
                    if len(stack) > self.max_depth:
                        raise CorruptError("b-tree too deep (cycle?)", page=node.pgno)
                    node = self.node(self.child(node, lo))
                while stack:
                    top = stack[-1]
                    node, i = top
                    if i < node.ncell:
                        top[1] = i + 1
                        yield entry(node, i)
                        if not node.leaf:
                            n = self.node(self.child(node, i + 1))
                            while True:
                                stack.append([n, 0])
                                if n.leaf:
                                    break
                                if len(stack) > self.max_depth:
                                    raise CorruptError("b-tree too deep (cycle?)", page=n.pgno)
                                n = self.node(self.child(n, 0))
                    else:
                        stack.pop()

        decode = record_decoder(pager.encoding)
        tree = Cached()
        tree._entries = {}
        tree._leaves = {}
        tree._seen = set()
        return tree


def _key_comparer(colls, descs):
    """compare(entry, key) for index seeks, with fast paths for numbers and BINARY text
    (the same order as btree.compare_key / values.compare)."""
    compare = V.compare
    colls = [(c or "BINARY").upper() for c in colls] if colls else []
    descs = list(descs) if descs else []

    def cmp(entry, key):
        n = len(entry)
        for j, want in enumerate(key):
            if j >= n:
                return -1
            v = entry[j]
            coll = colls[j] if j < len(colls) else "BINARY"
            tv = type(v)
            tw = type(want)
            if ((tv is int or tv is float) and (tw is int or tw is float)) or (
                    tv is str and tw is str and coll == "BINARY"):
                c = -1 if v < want else (1 if v > want else 0)
            else:
                c = compare(v, want, coll)
            if c:
                return -c if j < len(descs) and descs[j] else c
        return 0
    return cmp


def cached_tree(session, root, index):
    trees = session.__dict__.setdefault("_trees", {})
    t = trees.get((root, index))
    if t is None:
        t = trees[(root, index)] = _CachedTree(session.storage.pager, root, index)
    return t


def _recording(rows, cache, epoch):
    kept = []
    entry = [epoch, kept, False]
    cache["rows"] = entry
    for row in rows:
        kept.append(row)
        yield row
    entry[2] = True


def _as_rowid(v):
    t = type(v)
    if t is int:
        return v
    if v is None:
        return None
    if isinstance(v, str):  # (JSON text too)
        v = V.apply_affinity(str.__str__(v), "NUMERIC")
        t = type(v)
        if t is int:
            return v
    if t is float:
        # +-inf, NaN and reals beyond int64 name no rowid (no int() of them)
        if -(2 ** 63) <= v < 2 ** 63 and v == int(v):
            return int(v)
    return None


def _hash_reader(acc: _Access, source_rows, state):
    pairs = acc.hash_pairs
    s = acc.source
    off = 1 if s.has_rowid else 0
    js = [j for j, _o, _c, _k in pairs]
    others = [o.fn for _j, o, _c, _k in pairs]
    convs = [c for _j, _o, c, _k in pairs]
    keys = [k for _j, _o, _c, k in pairs]
    cache = {}

    def build():
        table = {}
        for row in source_rows():
            key = []
            for j, conv, kf in zip(js, convs, keys):
                v = row[off + j]
                if v is None:
                    break
                if conv is not None:
                    v = conv(v)
                key.append(kf(v))
            else:
                table.setdefault(tuple(key), []).append(row)
        return table

    def read(buf):
        got = cache.get("t")
        if got is None or got[0] != state.epoch:
            got = cache["t"] = (state.epoch, build())
        key = []
        for f, conv, kf in zip(others, convs, keys):
            v = f(buf)
            if v is None:
                return ()
            if conv is not None:
                v = conv(v)
            key.append(kf(v))
        return got[1].get(tuple(key), ())
    return read


def _rowid_range_reader(acc, session, table):
    storage = session.storage
    lo = acc.lo
    hi = acc.hi
    shape = table.row_shape(storage.pager.encoding)

    tree = cached_tree(session, table.rootpage, False)

    def read(buf):
        cur = tree.cursor()
        start = None
        if lo is not None:
            v = lo[1].fn(buf)
            if v is None:
                return
            if isinstance(v, str):  # (JSON text too)
                v = V.apply_affinity(str.__str__(v), "NUMERIC")
            if type(v) not in (int, float):
                return  # text/blob are greater than every integer rowid
            start = v
        stop = None
        if hi is not None:
            w = hi[1].fn(buf)
            if w is None:
                return
            if isinstance(w, str):
                w = V.apply_affinity(str.__str__(w), "NUMERIC")
            stop = w
        if start is None:
            ok = cur.first()
        else:
            # clamp first: +-inf and reals beyond int64 have no floor() as an int
            s0 = max(min(start, 2 ** 63 - 1), -(2 ** 63))
            if type(s0) is float:
                s0 = math.floor(s0)
            cur.seek_rowid(int(s0))
            ok = not cur.eof
        lo_op = lo[0] if lo else None
        hi_op = hi[0] if hi else None
        while ok:
            rid = cur.rowid
            if start is not None:
                if rid < start or (lo_op == ">" and rid == start):
                    ok = cur.next()
                    continue
            if stop is not None and type(stop) in (int, float):
                if rid > stop or (hi_op == "<" and rid == stop):
                    return
            yield shape((rid, *cur.record()))
            ok = cur.next()
    return read


def _pk_reader(acc, session, table):
    """WITHOUT ROWID: equality on a prefix of the primary key, through the table's tree."""
    tree = cached_tree(session, table.rootpage, True)
    shape = table.row_shape(session.storage.pager.encoding)
    pk = table.primary_key
    k = acc.eq_cols
    colls = [ic.collation or "BINARY" for ic in pk]
    descs = [ic.desc for ic in pk]
    key_fns = [e.fn for e in acc.key_exprs if e is not None]
    key_convs = acc.key_convs
    compare = V.compare

    def read(buf):
        key = []
        for f, conv in zip(key_fns, key_convs):
            v = f(buf)
            if v is None:
                return
            if conv is not None:
                v = conv(v)
            key.append(v)
        for entry in tree.iter_from(key, colls, descs):
            for i in range(k):
                if compare(entry[i], key[i], colls[i]) != 0:
                    return
            yield shape(entry)
    return read


def _index_reader(acc, session, table):
    storage = session.storage
    tree = cached_tree(session, acc.index.rootpage, True)
    table_tree = cached_tree(session, table.rootpage, False)
    shape = table.row_shape(storage.pager.encoding)
    ix = acc.index
    cols = ix.columns
    k = acc.eq_cols
    key_fns = [e.fn for e in acc.key_exprs if e is not None]
    key_convs = getattr(acc, "key_convs", [None] * k)
    colls = [ic.collation or "BINARY" for ic in cols]
    descs = [ic.desc for ic in cols]
    lo = acc.lo
    hi = acc.hi
    covering = acc.covering
    width = len(table.columns) + 1
    ipk = table.rowid_alias
    real_cols = {i for i, c in enumerate(table.columns) if c.affinity == "REAL"}
    placements = [(i, ic.column) for i, ic in enumerate(cols) if ic.column >= 0]
    compare = V.compare
    range_coll = colls[k] if k < len(cols) else "BINARY"

    def make_row(entry):
        rid = entry[-1]
        if covering:
            row = [None] * width
            row[0] = rid
            for i, j in placements:
                v = entry[i]
                if j in real_cols and type(v) is int:
                    v = float(v)
                row[1 + j] = v
            if ipk is not None:
                row[1 + ipk] = rid
            return tuple(row)
        rec = table_tree.seek_record(rid)
        if rec is None:
            raise CorruptError(f"index {ix.name} names rowid {rid}, missing from {table.name}")
        return shape((rid, *rec))

    in_values = getattr(acc, "in_values", None)
    if in_values is not None:
        # x IN (constants): one equality seek per distinct value, in index order
        conv0 = key_convs[0]
        keyf = value_key(colls[0])
        distinct = {}
        for v in in_values:
            w = conv0(v) if conv0 is not None else v
            distinct.setdefault(keyf(w), w)
        in_keys = [distinct[k] for k in sorted(distinct, reverse=bool(descs[0]))]

        def read_in(buf):
            for v in in_keys:
                for entry in tree.iter_from([v], colls, descs):
                    if compare(entry[0], v, colls[0]) != 0:
                        break
                    yield make_row(entry)
        return read_in

    def read(buf):
        key = []
        for f, conv in zip(key_fns, key_convs):
            v = f(buf)
            if v is None:
                return
            if conv is not None:
                v = conv(v)
            key.append(v)
        lo_v = hi_v = None
        if lo is not None:
            lo_v = lo[1].fn(buf)
            if lo_v is None:
                return
            if lo[2] is not None:
                lo_v = lo[2](lo_v)
        if hi is not None:
            hi_v = hi[1].fn(buf)
            if hi_v is None:
                return
            if hi[2] is not None:
                hi_v = hi[2](hi_v)
        if lo is not None:
            it = tree.iter_from(key + [lo_v], colls, descs)
        elif hi is not None:
            # skip the NULLs: every non-NULL value sorts after -inf
            it = tree.iter_from(key + [float("-inf")], colls, descs)
        else:
            it = tree.iter_from(key, colls, descs)
        for entry in it:
            for i in range(k):
                if compare(entry[i], key[i], colls[i]) != 0:
                    return
            if lo is not None:
                c = compare(entry[k], lo_v, range_coll)
                if c < 0 or (c == 0 and lo[0] == ">"):
                    continue
            if hi is not None:
                v = entry[k]
                if v is None:
                    continue
                c = compare(v, hi_v, range_coll)
                if c > 0 or (c == 0 and hi[0] == "<"):
                    return
            yield make_row(entry)
    return read
