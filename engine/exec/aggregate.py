"""Grouping and aggregate evaluation (lang_select.html, "Generation of the set of
result rows" for aggregate queries; lang_aggfunc.html).

``group(rows, ...)`` consumes the filtered input rows of one query level and
yields one row per group: the group's representative input row (SQLite's
"bare column" rule: the row that set the result of a lone min()/max(), else
the last row of the group) followed by the aggregate results.  Groups come
out in the order of their GROUP BY key, as SQLite's sorter produces them; an
aggregate query without GROUP BY yields exactly one row, with an all-NULL
representative row when there was no input.

``aggregate_rows(from_rows, scope, terms, ...)`` is what the SELECT executor
calls: ``group(from_rows(), ...)``, or, for a level whose only FROM item the
planner reads with a full table scan, the fused path below (WHERE terms
``column op number`` decided in the record decoder, aggregates stepped a batch
at a time), with the same rows and errors as group() over the same input.
"""

from __future__ import annotations

from itertools import chain
from operator import itemgetter
from weakref import WeakKeyDictionary

from .. import values as V
from .expr import NUMERIC_AFFS, comparison_affinity
from .operators import value_key

__all__ = ["AggSpec", "aggregate_rows", "group", "pushable"]


class AggSpec:
    """One aggregate call: the definition, compiled argument functions, DISTINCT,
    FILTER predicate and the argument's collation."""

    __slots__ = ("defn", "args", "distinct", "filter", "coll", "star", "minmax")

    def __init__(self, defn, args, distinct=False, filter=None, coll=None, star=False):
        self.defn = defn
        self.args = args
        self.distinct = distinct
        self.filter = filter
        self.coll = coll or "BINARY"
        self.star = star
        self.minmax = defn.is_minmax

    def new(self):
        if self.star:
            return self.defn.factory(self.coll, star=True)
        return self.defn.factory(self.coll)


def _make_stepper(spec: AggSpec):
    """A function (state, seen, row) -> bool (True if a min/max took this row)."""
    args = spec.args
    filt = spec.filter
    if spec.star:
        def step(state, seen, r):
            if filt is not None and not filt(r):
                return False
            state.step()
            return False
        return step
    if spec.distinct:
        keyf = value_key(spec.coll)
        a0 = args[0]
        rest = args[1:]

        def step(state, seen, r):
            if filt is not None and not filt(r):
                return False
            v = a0(r)
            if v is None:
                return False
            k = keyf(v)
            if k in seen:
                return False
            seen.add(k)
            return state.step(v, *[a(r) for a in rest])
        return step
    if len(args) == 1:
        a0 = args[0]
        if filt is None:
            return lambda state, seen, r: state.step(a0(r))

        def step(state, seen, r):
            if not filt(r):
                return False
            return state.step(a0(r))
        return step

    def step(state, seen, r):
        if filt is not None and not filt(r):
            return False
        return state.step(*[a(r) for a in args])
    return step


def _none(r):
    return None


def _discard(step):
    def f(state, seen, r):
        step(state, seen, r)
        return False
    return f


def group(rows, key_fns, key_colls, specs, width):
    """Yield ``representative_row + (aggregate results...)`` per group.

    The representative row (for bare columns) is the group's first row, except that a
    lone min()/max() reloads it from each row it takes (and from each row while it has
    no value yet), as SQLite's minmaxStep/sqlite3SkipAccumulatorLoad do.
    """
    bare_minmax = len(specs) == 1 and specs[0].minmax
    simple = all(not s.distinct and s.filter is None and (s.star or len(s.args) == 1)
                 for s in specs)
    if not key_fns and not bare_minmax and simple:
        # the common case: bound step methods, one call per aggregate and row
        states = [s.new() for s in specs]
        pairs = [(st.step, _none if sp.star else sp.args[0]) for st, sp in zip(states, specs)]
        rep = None
        it = iter(rows)
        for r in it:
            rep = r
            for step, arg in pairs:
                step(arg(r))
            break
        if len(pairs) == 1:
            (step0, arg0), = pairs
            for r in it:
                step0(arg0(r))
        elif len(pairs) == 2:
            (step0, arg0), (step1, arg1) = pairs
            for r in it:
                step0(arg0(r))
                step1(arg1(r))
        else:
            for r in it:
                for step, arg in pairs:
                    step(arg(r))
        if rep is None:
            rep = (None,) * width
        yield tuple(rep) + tuple(s.finalize() for s in states)
        return
    steppers = [_make_stepper(s) for s in specs]
    if not bare_minmax:
        steppers = [_discard(st) for st in steppers]
    n = len(specs)
    if not key_fns:
        states = [s.new() for s in specs]
        seens = [set() for _ in specs]
        rep = None
        for r in rows:
            took = False
            for i in range(n):
                took = steppers[i](states[i], seens[i], r) or took
            if took or rep is None:
                rep = r
        if rep is None:
            rep = (None,) * width
        yield tuple(rep) + tuple(s.finalize() for s in states)
        return
    keyfs = [value_key(c) for c in key_colls]
    groups: dict = {}
    for r in rows:
        key = tuple(kf(f(r)) for kf, f in zip(keyfs, key_fns))
        g = groups.get(key)
        if g is None:
            g = [None, [s.new() for s in specs], [set() for _ in specs]]
            groups[key] = g
        states, seens = g[1], g[2]
        took = False
        for i in range(n):
            took = steppers[i](states[i], seens[i], r) or took
        if took or g[0] is None:
            g[0] = r
    for key in sorted(groups):
        rep, states, _ = groups[key]
        yield tuple(rep) + tuple(s.finalize() for s in states)


# --------------------------------------------------------------------------- fused path
#
# An aggregate query level that reads one table by a full scan (the planner's "SCAN t")
# runs here without the per-row layers of the general path: its leading WHERE terms of
# the form ``column op number`` are decided inside the record decoder (formatspec's
# RecordProjector filters, through storage's ``row_pages``), so refused rows are never
# built; the other terms filter a page at a time; rows go on in batches of whole pages;
# and without GROUP BY, with plain column arguments, the aggregates step a batch of
# values at a time (``step_many``). Everything else (joins, index or rowid access,
# subqueries in FROM, WITHOUT ROWID tables) goes through group() as before.

_PUSH_OPS = frozenset(("=", "<", "<=", ">", ">="))
PATH_COUNTS = {"fused": 0, "pushed_terms": 0, "general": 0}  # for tests: which path ran


def aggregate_rows(from_rows, scope, terms, key_fns, key_colls, specs, width):
    """The rows of an aggregate query level (as :func:`group` yields them).

    ``from_rows`` is the level plan's row function, ``scope`` the level's scope and
    ``terms`` its WHERE terms (planner Terms). When the plan reads the level's only
    FROM item with a full table scan the fused path runs; otherwise
    ``group(from_rows(), ...)``.
    """
    pages = _fused_pages(scope, terms)
    if pages is None:
        PATH_COUNTS["general"] += 1
        return group(from_rows(), key_fns, key_colls, specs, width)
    PATH_COUNTS["fused"] += 1
    simple = all(not s.distinct and s.filter is None and (s.star or len(s.args) == 1)
                 for s in specs)
    if key_fns or not simple:
        return group(chain.from_iterable(pages), key_fns, key_colls, specs, width)
    return _fused_group(pages, specs, width)


_setups: WeakKeyDictionary = WeakKeyDictionary()  # scope -> its fused scan, or None


def _fused_pages(scope, terms):
    """The level's rows in batches of whole pages (refused rows dropped), or None when the
    level is not one table read by a full scan."""
    if scope in _setups:
        setup = _setups[scope]
    else:
        setup = _setups[scope] = _fused_setup(scope, terms)
    if setup is None:
        return None
    storage = getattr(scope.session, "storage", None)
    if storage is None:
        return None
    name, needed, filters, residual, const_preds, rest, pushed = setup
    pages = storage.row_pages(name, needed, filters, residual,
                              rowid=needed is None or -1 in needed)
    if pages is None:
        return None
    PATH_COUNTS["pushed_terms"] += pushed
    return _filtered_pages(pages, const_preds, rest)


def _fused_setup(scope, terms):
    """What the fused scan of a level needs, worked out once per compiled level: the
    table, its columns read, the record filters with their residual predicate, the
    constant terms and the conjunction of the terms not pushed down."""
    from ..planner import full_scan_columns

    sources = scope.sources
    if len(sources) != 1:
        return None
    s = sources[0]
    planned = full_scan_columns(s)
    if planned is None:
        return None
    table, needed = planned
    if not table.rootpage:
        return None
    const_preds = []
    level = []
    for t in terms:
        if not t.deps and t.hoist:
            const_preds.append(t.pred)  # tested once, before the loop
        elif not t.deps:
            level.append(t)  # not hoisted (a subquery, random()): tested for each row
        elif t.deps == {s.index}:
            level.append(t)
        else:
            return None
    filters = []
    pushed = 0
    for t in level:  # the leading terms only: the others keep their order of evaluation
        got = pushable(t, s.width)
        if got is None:
            break
        filters.extend(got)
        pushed += 1
    residual = _conjunction([t.pred for t in level[:pushed]])
    rest = _conjunction([t.pred for t in level[pushed:]])
    return (table.name, needed, tuple(filters), residual, const_preds, rest, pushed)


_BATCH_ROWS = 4096  # rows handed on together (pages are joined up to about this many)


def _filtered_pages(pages, const_preds, rest):
    """Lists of the level's rows in scan order, whole pages joined into batches of about
    _BATCH_ROWS rows (fewer calls per row downstream); ``rest`` filters them."""
    if not all(p(()) for p in const_preds):
        return
    batch = []
    for rows in pages:
        if rest is not None:
            rows = list(filter(rest, rows))
        batch += rows
        if len(batch) >= _BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _conjunction(preds):
    if not preds:
        return None
    if len(preds) == 1:
        return preds[0]

    def all_of(r):
        for p in preds:
            if not p(r):
                return False
        return True
    return all_of


def _numeric_constant(value):
    """A constant as a comparison of numeric affinity sees it (expr.py's converter)."""
    if isinstance(value, str):
        return V.apply_affinity(str.__str__(value), "NUMERIC")
    return value


def pushable(term, width: int):
    """The record filters ``[(position, op, number)]`` equivalent to ``term`` for numeric
    values and NULL, or None.

    A term qualifies when it is one comparison ``column op constant`` (op one of
    = < <= > >=; BETWEEN counts as two) that expr.py compiles with numeric affinity
    (sqlite3CompareAffinity: the column's affinity is INTEGER, REAL or NUMERIC, the
    constant's none) against a constant that is a number after that affinity. Its
    meaning is then, as expr.py's comparison computes it: an int or float value compares
    as Python numbers, NULL is not true, and text or a blob (converted with numeric
    affinity, compared with the collation) is left to the term's own predicate (the
    filters' residual). The collation never matters for numbers.
    """
    cmps = term.cmps
    if not cmps or len(cmps) > 2:
        return None
    if len(cmps) == 1:
        if term.cexpr.pred is None:  # not expr.py's numeric comparison with a constant
            return None
    elif sorted(c[0] for c in cmps) != ["<=", ">="] or cmps[0][1] is not cmps[1][1]:
        return None  # two comparisons: only BETWEEN's pair on one operand
    out = []
    for op, a, b, _da, _db in cmps:
        if op not in _PUSH_OPS or a.column is None or not b.const:
            return None
        if not 0 <= a.column < width:
            return None
        if comparison_affinity(a, b) not in NUMERIC_AFFS:
            return None
        value = _numeric_constant(b.value)
        if type(value) not in (int, float) or value != value:
            return None
        out.append((a.column, op, value))
    return out


def _step_many(state):
    """The state's ``step_many`` (one call for a page of values), or its step in a loop."""
    many = getattr(state, "step_many", None)
    if many is not None:
        return many
    step = state.step

    def each(values):
        for v in values:
            step(v)
    return each


def _fused_group(pages, specs, width):
    """:func:`group` without GROUP BY and with simple aggregates, a batch of rows at a
    time (a generator, as group() is: nothing runs before the first row is asked for)."""
    states = [s.new() for s in specs]
    bare_minmax = len(specs) == 1 and specs[0].minmax
    args = [None if sp.star else sp.args[0] for sp in specs]
    rep = None
    if all(a is None or type(a) is itemgetter for a in args):
        # arguments are plain columns: nothing can fail, so each aggregate takes a batch
        if bare_minmax and args[0] is not None:
            state, arg = states[0], args[0]
            for rows in pages:
                i = state.step_many_at(list(map(arg, rows)))
                if i >= 0:
                    rep = rows[i]
        else:
            feeders = [(_step_many(st), a) for st, a in zip(states, args)]
            for rows in pages:
                if rep is None:
                    rep = rows[0]
                for step_many, a in feeders:
                    step_many(rows if a is None else list(map(a, rows)))
    else:
        # computed arguments: row by row, in the general path's order (errors alike)
        yield from group(chain.from_iterable(pages), [], [], specs, width)
        return
    if rep is None:
        rep = (None,) * width
    yield tuple(rep) + tuple(s.finalize() for s in states)
