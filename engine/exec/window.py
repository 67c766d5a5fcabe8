"""Window-function evaluation (windowfunctions.html; window.c).

For each window definition the rows of the query level are sorted by PARTITION
BY then ORDER BY (stably), cut into partitions and peer groups, and every
window function using that definition is computed for the whole partition:
built-in window functions through ``engine.functions.window``, aggregate
functions over each row's frame.  Frames: ROWS, RANGE (an offset needs a single
ORDER BY term; TEXT and BLOB values take no offset) and GROUPS, bounded by UNBOUNDED
PRECEDING, <expr> PRECEDING, CURRENT ROW, <expr> FOLLOWING, UNBOUNDED
FOLLOWING, with EXCLUDE NO OTHERS / CURRENT ROW / GROUP / TIES.  Aggregates
make the xStep/xInverse calls of window.c's sqlite3WindowCodeStep in its order
(``_sqlite_frame_ops``: the rows arrive one at a time and three cursors, start,
current and end, follow them, waiting on the offsets as countdowns or, for RANGE,
on comparisons of ORDER BY values), which fixes the rounding of REAL sums.  With
an EXCLUDE clause (any, EXCLUDE NO OTHERS too), as SQLite does, and for functions
without an inverse, each frame is aggregated afresh in row order.
"""

from __future__ import annotations

from ..errors import OperationalError
from ..values import apply_affinity
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


def _offset_value(fn, r, what, kind="RANGE"):
    """A frame offset as window.c's windowCheckValue checks it: RANGE takes any
    non-negative number (a numeric TEXT converts); ROWS and GROUPS a non-negative integer (OP_MustBeInt: a REAL
    or a numeric TEXT converts when it holds an integer value exactly)."""
    v = fn(r)
    if kind != "RANGE":
        if type(v) is str:
            v = apply_affinity(v, "NUMERIC")
        if type(v) is float and v == v and abs(v) < 2.0 ** 63 and v == int(v):
            v = int(v)
        if type(v) is not int or v < 0:
            raise OperationalError(f"frame {what} offset must be a non-negative integer")
        return v
    if type(v) is str:
        v = apply_affinity(v, "NUMERIC")  # the OP_Ge of windowCheckValue converts it
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
    rcache = {}  # the ORDER BY keys, for RANGE offsets
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
                off = _offset_value(fn, r, which, kind)
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
                    pos = _range_offset(part_rows, i, order, sign * off, is_start, rcache)
            bounds.append(max(0, min(n, pos)))
        out.append((bounds[0], bounds[1]))
    return out


def _range_offset(rows, i, order, delta, is_start, cache=None):
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
    keys = cache.get("keys") if cache is not None else None
    if keys is None:
        keys = [None if w is None else key(w) for w in map(fn, rows)]
        if cache is not None:
            cache["keys"] = keys
    # rows are sorted by fn (asc or desc) with the NULLs at one end, so the test below
    # is false then true (start) or true then false (end) along them: bisect it
    if is_start:
        def inside(j):
            kw = keys[j]
            if kw is None:
                return not nulls_start
            return (kw <= kt) if desc else (kw >= kt)
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            if inside(mid):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def before_end(j):
        kw = keys[j]
        if kw is None:
            return nulls_start
        return (kw >= kt) if desc else (kw <= kt)
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if before_end(mid):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _frame_lists(bounds, exclude, peer_start, peer_end):
    def frame(i):
        s, e = bounds[i]
        if exclude is None or exclude == "NO_OTHERS":
            return list(range(s, e))
        if exclude == "CURRENT_ROW":
            return [j for j in range(s, e) if j != i]
        ps, pe = peer_start[i], peer_end[i]
        if exclude == "GROUP":
            return [j for j in range(s, e) if not ps <= j < pe]
        # TIES: the peers other than the current row
        return [j for j in range(s, e) if j == i or not ps <= j < pe]
    return frame


def _aggregate_over_frames(call: WindowCall, rows, frame, exclude, spec_frame, group, order):
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

    if exclude is not None or distinct or not spec.defn.has_inverse:
        # EXCLUDE (even EXCLUDE NO OTHERS) makes SQLite scan each frame afresh in row
        # order; so do functions without an inverse here
        for i in range(n):
            out[i] = fresh_over(frame(i))
        return out
    state = spec.new()
    star = spec.star
    for op, j in _sqlite_frame_ops(spec_frame, n, group, order, rows):
        if op == "value":
            v = state.value()
            for k in j:
                out[k] = v
        elif ok[j]:
            f = state.step if op == "step" else state.inverse
            if star:
                f()
            else:
                f(*argv[j])
    return out

def _range_jump(op, v1, off, v2, desc, bignull, key):
    """window.c's windowCodeRangeTest: whether ``v1 (+/-) off  op  v2`` holds (ASC; DESC
    subtracts and mirrors the operator); TEXT/BLOB ``v1`` take no arithmetic; NULLs
    are smallest unless the ORDER BY puts them at the other end (BIGNULL)."""
    if desc:
        op = {"ge": "le", "gt": "lt", "le": "ge"}[op]
    if type(v1) in (int, float):
        v1 = v1 - off if desc else v1 + off
        if type(v1) is int and not -(1 << 63) <= v1 < (1 << 63):
            v1 = float(v1)
    if bignull and (v1 is None or v2 is None):
        if v1 is None:
            return (op == "ge" or (op == "gt" and v2 is not None)
                    or (op == "le" and v2 is None))
        return op in ("le", "lt")
    if v1 is None or v2 is None:
        c = 0 if v1 is None and v2 is None else (-1 if v1 is None else 1)
    else:
        k1, k2 = key(v1), key(v2)
        c = -1 if k1 < k2 else (1 if k1 > k2 else 0)
    if op == "ge":
        return c >= 0
    if op == "gt":
        return c > 0
    if op == "le":
        return c <= 0
    return c < 0


def _sqlite_frame_ops(frame, n, group, order, rows):
    """The sequence of aggregate calls SQLite's sqlite3WindowCodeStep makes for one
    partition of ``n`` rows (frames without EXCLUDE): a list of ("step", j),
    ("inverse", j) and ("value", [rows returned with the current value]).

    The rows arrive one at a time; three cursors (start, current, end) walk the rows
    kept so far; each operation acts on one row (ROWS) or one peer group (RANGE,
    GROUPS) and may wait on a countdown (the frame offsets) or, for RANGE offsets, on
    a comparison of ORDER BY values."""
    kind = frame.kind
    es = frame.start[0]
    ee = frame.end[0]
    e_start = "U" if es == "UNBOUNDED_PRECEDING" else es
    e_end = "U" if ee == "UNBOUNDED_FOLLOWING" else ee
    ops = []
    if n == 0:
        return ops
    reg = {}
    if e_start in ("PRECEDING", "FOLLOWING"):
        reg["start"] = _offset_value(frame.start[1], rows[0], "starting", kind)
    if e_end in ("PRECEDING", "FOLLOWING"):
        reg["end"] = _offset_value(frame.end[1], rows[0], "ending", kind)
    if kind != "RANGE" and e_start == e_end and "start" in reg:
        ok = reg["end"] >= reg["start"] if e_start == "FOLLOWING" else reg["end"] <= reg["start"]
        if not ok:
            return [("value", [i]) for i in range(n)]
    if e_start == "FOLLOWING" and kind != "RANGE" and "end" in reg:
        reg["start"] = reg["end"] - reg["start"]
    bpeer = kind != "ROWS"
    if kind == "RANGE" and ("start" in reg or "end" in reg):
        ofn, coll, desc, nulls_first = order[0]
        ovals = [ofn(r) for r in rows]
        bignull = (nulls_first is not None and nulls_first == bool(desc))
        key = value_key(coll)
    pos = {"start": 0, "current": 0, "end": 0}
    state = {"m": 0}

    def rt(op, c1, r, c2):
        return _range_jump(op, ovals[pos[c1]] if pos[c1] < state["m"] else None, r,
                           ovals[pos[c2]] if pos[c2] < state["m"] else None,
                           desc, bignull, key)

    def code_op(op, countdown, jump_on_eof, main):
        """One windowCodeOp; True when its cursor ran off the rows (a break)."""
        if op == "inverse" and e_start == "U":
            return False
        csr = {"value": "current", "inverse": "start", "step": "end"}[op]
        m = state["m"]
        ranged = countdown is not None and kind == "RANGE"
        if countdown is not None and not ranged:
            if reg[countdown] > 0:
                reg[countdown] -= 1
                return False
        while True:
            if ranged:
                r = reg[countdown]
                if op == "inverse":
                    skip = (rt("le", "current", r, "start") if e_start == "FOLLOWING"
                            else rt("ge", "start", r, "current"))
                else:
                    skip = rt("gt", "end", r, "current")
                if skip:
                    return False
            rows_out = []
            while True:
                if ranged and e_start == e_end:
                    if op == "inverse" and pos["start"] >= pos["end"]:
                        return False
                    if op == "step" and main and pos["end"] >= m - 1:
                        return False
                j = pos[csr]
                if op == "value":
                    rows_out.append(j)
                else:
                    ops.append((op, j))
                pos[csr] = j + 1
                if j + 1 >= m:
                    if rows_out:
                        ops.append(("value", rows_out))
                    return jump_on_eof
                if bpeer and group[j + 1] == group[j]:
                    continue
                break
            if rows_out:
                ops.append(("value", rows_out))
            if not ranged:
                return False

    for k in range(1, n):
        state["m"] = k + 1
        if bpeer and group[k] == group[k - 1]:
            continue
        if e_start == "FOLLOWING":
            code_op("step", None, False, True)
            if e_end != "U":
                if kind == "RANGE":
                    while not rt("ge", "current", reg["end"], "end"):
                        code_op("inverse", "start", False, True)
                        code_op("value", None, False, True)
                else:
                    code_op("value", "end", False, True)
                    code_op("inverse", "start", False, True)
        elif e_end == "PRECEDING":
            rps = e_start == "PRECEDING" and kind == "RANGE"
            code_op("step", "end", False, True)
            if rps:
                code_op("inverse", "start", False, True)
            code_op("value", None, False, True)
            if not rps:
                code_op("inverse", "start" if "start" in reg else None, False, True)
        else:
            code_op("step", None, False, True)
            if e_end != "U":
                if kind == "RANGE":
                    while "end" not in reg or not rt("ge", "current", reg["end"], "end"):
                        code_op("value", None, False, True)
                        code_op("inverse", "start" if "start" in reg else None, False, True)
                        if "end" not in reg:
                            break
                else:
                    if "end" in reg and reg["end"] > 0:
                        reg["end"] -= 1
                    else:
                        code_op("value", None, False, True)
                        code_op("inverse", "start" if "start" in reg else None, False, True)
    # flush
    state["m"] = n
    sreg = "start" if "start" in reg else None
    if e_end == "PRECEDING":
        rps = e_start == "PRECEDING" and kind == "RANGE"
        code_op("step", "end", False, False)
        if rps:
            code_op("inverse", "start", False, False)
        code_op("value", None, False, False)
    elif e_start == "FOLLOWING":
        code_op("step", None, False, False)
        while True:
            if kind == "RANGE":
                if code_op("inverse", "start", True, False):
                    break
                if code_op("value", None, True, False):
                    return ops
            elif e_end == "U":
                if code_op("value", "start", True, False):
                    return ops
                if code_op("inverse", None, True, False):
                    break
            else:
                if code_op("value", "end", True, False):
                    return ops
                if code_op("inverse", "start", True, False):
                    break
        while not code_op("value", None, True, False):
            pass
    else:
        code_op("step", None, False, False)
        while not code_op("value", None, True, False):
            code_op("inverse", sreg, False, False)
    return ops


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
    lists = []

    def frame(i):
        # the frames are worked out only when something reads them (aggregates that
        # follow SQLite's step/inverse sequence do not)
        if not lists:
            bounds = _frame_bounds(frame_spec, rows, peer_start, peer_end, group, order)
            lists.append(_frame_lists(bounds, frame_spec.exclude, peer_start, peer_end))
        return lists[0](i)

    for call, ci in zip(calls, call_ids):
        if call.agg is not None:
            values = _aggregate_over_frames(call, rows, frame, frame_spec.exclude, frame_spec,
                                            group, order)
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
