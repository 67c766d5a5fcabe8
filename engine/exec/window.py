"""Window-function evaluation (windowfunctions.html; window.c).

For each window definition the rows of the query level are sorted by PARTITION
BY then ORDER BY (stably), cut into partitions and peer groups, and every
window function using that definition is computed for the whole partition:
built-in window functions through ``engine.functions.window``, aggregate
functions over each row's frame.  Frames: ROWS, RANGE (an offset needs a single
ORDER BY term; TEXT and BLOB values take no offset) and GROUPS, bounded by UNBOUNDED
PRECEDING, <expr> PRECEDING, CURRENT ROW, <expr> FOLLOWING, UNBOUNDED
FOLLOWING, with EXCLUDE NO OTHERS / CURRENT ROW / GROUP / TIES.  Aggregates
over a frame whose start moves use the function's inverse (as SQLite does,
which matters for the rounding of REAL sums) when it has one and nothing is
excluded; otherwise the frame is recomputed.
"""

from __future__ import annotations

from ..errors import OperationalError
from .operators import sort_rows, value_key

__all__ = ["FrameSpec", "WindowCall", "WindowSpec", "apply_windows"]


class FrameSpec:
    """kind: ROWS/RANGE/GROUPS; start/end: (bound, offset_fn) with bound one of
    UNBOUNDED_PRECEDING, PRECEDING, CURRENT_ROW, FOLLOWING, UNBOUNDED_FOLLOWING;
    exclude: None, CURRENT_ROW, GROUP, TIES."""

    __slots__ = ("kind", "start", "end", "exclude")

    def __init__(self, kind="RANGE", start=("UNBOUNDED_PRECEDING", None),
                 end=("CURRENT_ROW", None), exclude=None):
        self.kind = kind
        self.start = start
        self.end = end
        self.exclude = exclude


class WindowSpec:
    """partition: list of (fn, coll); order: list of (fn, coll, desc, nulls_first)."""

    __slots__ = ("partition", "order", "frame")

    def __init__(self, partition, order, frame: FrameSpec | None):
        self.partition = partition
        self.order = order
        self.frame = frame or FrameSpec()


class WindowCall:
    """One window function call: either a WindowDef (``builtin``) or an AggSpec."""

    __slots__ = ("spec", "builtin", "agg", "args", "filter")

    def __init__(self, spec, builtin=None, agg=None, args=(), filter=None):
        self.spec = spec
        self.builtin = builtin
        self.agg = agg
        self.args = args
        self.filter = filter


class _Partition:
    __slots__ = ("n", "args", "peer_start", "peer_end", "group", "frame", "rows")


def _offset_value(fn, r, what):
    v = fn(r)
    if type(v) is float and v == int(v):
        v = int(v)
    if v is None or type(v) not in (int, float) or v < 0:
        raise OperationalError(f"frame {what} offset must be a non-negative number")
    return v


def _frame_bounds(frame: FrameSpec, part_rows, peer_start, peer_end, group, order):
    """Per row: (start, end) indexes (end exclusive) of the frame before EXCLUDE."""
    n = len(part_rows)
    kind = frame.kind
    out = []
    # group starts for GROUPS
    if kind == "GROUPS":
        gstarts = []
        for i in range(n):
            if i == 0 or group[i] != group[i - 1]:
                gstarts.append(i)
        ngroups = len(gstarts)
        gstarts.append(n)
    for i in range(n):
        r = part_rows[i]
        bounds = []
        for which, (bound, fn) in (("starting", frame.start), ("ending", frame.end)):
            is_start = which == "starting"
            if bound == "UNBOUNDED_PRECEDING":
                pos = 0
            elif bound == "UNBOUNDED_FOLLOWING":
                pos = n
            elif bound == "CURRENT_ROW":
                if kind == "ROWS":
                    pos = i if is_start else i + 1
                else:
                    pos = peer_start[i] if is_start else peer_end[i]
            else:
                off = _offset_value(fn, r, which)
                sign = -1 if bound == "PRECEDING" else 1
                if kind == "ROWS":
                    pos = i + sign * off + (0 if is_start else 1)
                elif kind == "GROUPS":
                    g = group[i] + sign * off
                    if is_start:
                        pos = gstarts[max(0, min(g, ngroups))] if g < ngroups else n
                    else:
                        pos = gstarts[max(0, min(g + 1, ngroups))] if g >= 0 else 0
                else:
                    pos = _range_offset(part_rows, i, order, sign * off, is_start)
            bounds.append(max(0, min(n, pos)))
        out.append((bounds[0], bounds[1]))
    return out


def _range_offset(rows, i, order, delta, is_start):
    """The frame boundary of row ``i`` for RANGE ``off`` PRECEDING/FOLLOWING (``delta``
    is -off or +off), as window.c's windowCodeRangeTest: the boundary value is the
    row's ORDER BY value plus ``delta`` (minus, for DESC), except that a TEXT or BLOB
    value is used as it is (the arithmetic is skipped for values >= ''); rows are then
    compared with it in the ORDER BY's collating sequence, in SQLite's order of types
    (NULL, numbers, TEXT, BLOB)."""
    if len(order) != 1:
        raise OperationalError(
            "RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression")
    fn, coll, desc, nulls_first = order[0]
    # where the NULL peers sort: first ascending and last descending unless NULLS says
    nulls_start = (not desc) if nulls_first is None else bool(nulls_first)
    v = fn(rows[i])
    n = len(rows)
    if v is None:
        # NULL ordering values: the frame is the NULL peers
        j = i
        if is_start:
            while j > 0 and fn(rows[j - 1]) is None:
                j -= 1
            return j
        while j < n and fn(rows[j]) is None:
            j += 1
        return j
    if type(v) in (int, float):
        target = v - delta if desc else v + delta
    else:
        target = v  # TEXT and BLOB: no arithmetic
    key = value_key(coll)
    kt = key(target)
    # rows are sorted by fn (asc or desc) with the NULLs at one end; find the boundary
    if is_start:
        j = 0
        while j < n:
            w = fn(rows[j])
            if w is None:
                if not nulls_start:
                    return j
            else:
                kw = key(w)
                if (kw <= kt) if desc else (kw >= kt):
                    return j
            j += 1
        return n
    j = n
    while j > 0:
        w = fn(rows[j - 1])
        if w is None:
            if nulls_start:
                return j
        else:
            kw = key(w)
            if (kw >= kt) if desc else (kw <= kt):
                return j
        j -= 1
    return 0


def _frame_lists(bounds, exclude, peer_start, peer_end):
    def frame(i):
        s, e = bounds[i]
        if exclude is None:
            return list(range(s, e))
        if exclude == "CURRENT_ROW":
            return [j for j in range(s, e) if j != i]
        ps, pe = peer_start[i], peer_end[i]
        if exclude == "GROUP":
            return [j for j in range(s, e) if not ps <= j < pe]
        # TIES: the peers other than the current row
        return [j for j in range(s, e) if j == i or not ps <= j < pe]
    return frame


def _aggregate_over_frames(call: WindowCall, rows, bounds, frame, exclude):
    spec = call.agg
    args = spec.args
    filt = spec.filter
    n = len(rows)
    out = [None] * n
    argv = [tuple(a(r) for a in args) for r in rows]
    ok = [True] * n if filt is None else [bool(filt(r)) for r in rows]
    distinct = spec.distinct
    keyf = value_key(spec.coll)

    def fresh_over(indexes):
        state = spec.new()
        seen = set()
        for j in indexes:
            if not ok[j]:
                continue
            if spec.star:
                state.step()
                continue
            a = argv[j]
            if distinct:
                if a[0] is None:
                    continue
                k = keyf(a[0])
                if k in seen:
                    continue
                seen.add(k)
            state.step(*a)
        return state.value()

    if exclude is not None or distinct:
        for i in range(n):
            out[i] = fresh_over(frame(i))
        return out
    state = spec.new()
    cs = ce = 0
    can_inverse = spec.defn.has_inverse
    for i in range(n):
        s, e = bounds[i]
        if e < ce or (s > cs and not can_inverse) or s < cs:
            out[i] = fresh_over(range(s, e))
            state = None
            continue
        if state is None:
            state = spec.new()
            cs = ce = s
        if s > ce:
            # the old frame lies wholly before the new one: start afresh
            state = spec.new()
            cs = ce = s
        # rows leaving the frame go first: SQLite inverts them right after returning the
        # previous row, before stepping the rows entering (this order fixes the rounding
        # of a REAL sum)
        while cs < s:
            if ok[cs]:
                if spec.star:
                    state.inverse()
                else:
                    state.inverse(*argv[cs])
            cs += 1
        while ce < e:
            if ok[ce]:
                if spec.star:
                    state.step()
                else:
                    state.step(*argv[ce])
            ce += 1
        out[i] = state.value()
    return out


def apply_windows(rows: list, calls: list[WindowCall]) -> list:
    """Return the rows (sorted by the last window's order) each extended with the
    window function results, in ``calls`` order."""
    n_calls = len(calls)
    ext = [[None] * n_calls for _ in rows]
    indexed = list(enumerate(rows))
    # group calls by spec identity
    by_spec: dict[int, list[int]] = {}
    specs = {}
    for ci, call in enumerate(calls):
        by_spec.setdefault(id(call.spec), []).append(ci)
        specs[id(call.spec)] = call.spec
    order_out = None
    # SQLite evaluates the window definitions last-first; the output keeps the order of
    # the last one evaluated (the first written)
    for sid, call_ids in reversed(list(by_spec.items())):
        spec: WindowSpec = specs[sid]
        terms = [(lambda ir, f=f: f(ir[1]), coll, False, None) for f, coll in spec.partition]
        terms += [(lambda ir, f=f: f(ir[1]), coll, desc, nf)
                  for f, coll, desc, nf in spec.order]
        base = order_out if order_out is not None else indexed
        work = sort_rows(list(base), terms) if terms else list(base)
        pkeys = [value_key(c) for _f, c in spec.partition]
        okeys = [value_key(c) for _f, c, _d, _n in spec.order]
        start = 0
        total = len(work)
        while start < total:
            end = start + 1
            if spec.partition:
                k0 = tuple(kf(f(work[start][1])) for kf, (f, _c) in zip(pkeys, spec.partition))
                while end < total and tuple(
                        kf(f(work[end][1])) for kf, (f, _c) in zip(pkeys, spec.partition)) == k0:
                    end += 1
            else:
                end = total
            part = work[start:end]
            _compute_partition(part, spec, [calls[c] for c in call_ids], call_ids, ext, okeys)
            start = end
        order_out = work
    if order_out is None:
        order_out = indexed
    return [tuple(r) + tuple(ext[i]) for i, r in order_out]


def _compute_partition(part, spec: WindowSpec, calls, call_ids, ext, okeys):
    rows = [r for _i, r in part]
    n = len(rows)
    order = spec.order
    # peer groups
    peer_start = [0] * n
    peer_end = [0] * n
    group = [0] * n
    if order:
        keys = [tuple(kf(f(r)) for kf, (f, _c, _d, _nf) in zip(okeys, order)) for r in rows]
    else:
        keys = [()] * n
    g = 0
    s = 0
    for i in range(n):
        if i > 0 and keys[i] != keys[i - 1]:
            for j in range(s, i):
                peer_end[j] = i
            s = i
            g += 1
        peer_start[i] = s
        group[i] = g
    for j in range(s, n):
        peer_end[j] = n
    frame_spec = spec.frame
    bounds = None
    frame = None
    for call, ci in zip(calls, call_ids):
        needs_frame = call.agg is not None or call.builtin.uses_frame
        if needs_frame and bounds is None:
            bounds = _frame_bounds(frame_spec, rows, peer_start, peer_end, group, order)
            frame = _frame_lists(bounds, frame_spec.exclude, peer_start, peer_end)
        if call.agg is not None:
            values = _aggregate_over_frames(call, rows, bounds, frame, frame_spec.exclude)
        else:
            p = _Partition()
            p.n = n
            p.rows = rows
            p.args = [tuple(a(r) for a in call.args) for r in rows]
            p.peer_start = peer_start
            p.peer_end = peer_end
            p.group = group
            p.frame = frame
            values = call.builtin.compute(p)
        for (idx, _r), v in zip(part, values):
            ext[idx][ci] = v
