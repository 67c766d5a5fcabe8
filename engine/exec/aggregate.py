"""Grouping and aggregate evaluation (lang_select.html, "Generation of the set of
result rows" for aggregate queries; lang_aggfunc.html).

``group(rows, ...)`` consumes the filtered input rows of one query level and
yields one row per group: the group's representative input row (SQLite's
"bare column" rule: the row that set the result of a lone min()/max(), else
the last row of the group) followed by the aggregate results.  Groups come
out in the order of their GROUP BY key, as SQLite's sorter produces them; an
aggregate query without GROUP BY yields exactly one row, with an all-NULL
representative row when there was no input.
"""

from __future__ import annotations

from .operators import value_key

__all__ = ["AggSpec", "group"]


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
