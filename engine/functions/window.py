"""SQLite's built-in window functions (windowfunctions.html, section 3; window.c).

Each function computes its results for one whole partition at once from a
``Partition`` description prepared by the window executor:

- ``n``: the number of rows; ``args[i]``: the evaluated arguments of row i;
- ``peer_start[i]``/``peer_end[i]``: the first row of row i's peer group and
  one past its last (peers are rows equal in the window's ORDER BY);
- ``group[i]``: the 0-based index of row i's peer group;
- ``frame(i)``: the list of row indexes in row i's frame, in order, after
  EXCLUDE has been applied.

Ranking functions (row_number, rank, dense_rank, percent_rank, cume_dist,
ntile) ignore the frame; lag/lead look at the partition; first_value,
last_value and nth_value look at the frame.  Errors carry SQLite's messages.
"""

from __future__ import annotations

from ..errors import OperationalError

__all__ = ["WINDOW_FUNCTIONS", "WindowDef"]


def _row_number(p):
    return list(range(1, p.n + 1))


def _rank(p):
    return [s + 1 for s in p.peer_start]


def _dense_rank(p):
    return [g + 1 for g in p.group]


def _percent_rank(p):
    n = p.n
    if n <= 1:
        return [0.0] * n
    return [s / (n - 1) for s in p.peer_start]


def _cume_dist(p):
    n = p.n
    return [e / n for e in p.peer_end]


def _ntile(p):
    n = p.n
    out = []
    if n == 0:
        return out
    buckets = p.args[0][0]
    if type(buckets) is float and buckets == int(buckets):
        buckets = int(buckets)
    if type(buckets) is not int or buckets <= 0:
        raise OperationalError("argument of ntile must be a positive integer")
    size = n // buckets
    large = n % buckets
    if size == 0:
        return list(range(1, n + 1))
    edge = large * (size + 1)
    for i in range(n):
        if i < edge:
            out.append(i // (size + 1) + 1)
        else:
            out.append((i - edge) // size + large + 1)
    return out


def _offset_arg(args, default):
    if len(args) < 2:
        return default
    off = args[1]
    if off is None:
        return None
    if type(off) is float:
        if off != int(off):
            return None
        off = int(off)
    if type(off) is not int:
        return None
    return off


def _lag_lead(p, sign):
    out = []
    n = p.n
    for i in range(n):
        args = p.args[i]
        off = _offset_arg(args, 1)
        default = args[2] if len(args) > 2 else None
        if off is None:
            out.append(None)
            continue
        j = i + sign * off
        out.append(p.args[j][0] if 0 <= j < n else default)
    return out


def _lag(p):
    return _lag_lead(p, -1)


def _lead(p):
    return _lag_lead(p, 1)


def _first_value(p):
    out = []
    for i in range(p.n):
        rows = p.frame(i)
        out.append(p.args[rows[0]][0] if rows else None)
    return out


def _last_value(p):
    out = []
    for i in range(p.n):
        rows = p.frame(i)
        out.append(p.args[rows[-1]][0] if rows else None)
    return out


def _nth_value(p):
    out = []
    for i in range(p.n):
        args = p.args[i]
        k = args[1]
        if type(k) is float and k == int(k):
            k = int(k)
        if type(k) is not int or k <= 0:
            raise OperationalError("second argument to nth_value must be a positive integer")
        rows = p.frame(i)
        out.append(p.args[rows[k - 1]][0] if k <= len(rows) else None)
    return out


class WindowDef:
    """name, argument count range, compute(partition) -> list of values, and whether the
    function looks at the frame at all."""

    __slots__ = ("name", "min_args", "max_args", "compute", "uses_frame")

    def __init__(self, name, min_args, max_args, compute, uses_frame=False):
        self.name = name
        self.min_args = min_args
        self.max_args = max_args
        self.compute = compute
        self.uses_frame = uses_frame


WINDOW_FUNCTIONS: dict[str, WindowDef] = {
    "row_number": WindowDef("row_number", 0, 0, _row_number),
    "rank": WindowDef("rank", 0, 0, _rank),
    "dense_rank": WindowDef("dense_rank", 0, 0, _dense_rank),
    "percent_rank": WindowDef("percent_rank", 0, 0, _percent_rank),
    "cume_dist": WindowDef("cume_dist", 0, 0, _cume_dist),
    "ntile": WindowDef("ntile", 1, 1, _ntile),
    "lag": WindowDef("lag", 1, 3, _lag),
    "lead": WindowDef("lead", 1, 3, _lead),
    "first_value": WindowDef("first_value", 1, 1, _first_value, uses_frame=True),
    "last_value": WindowDef("last_value", 1, 1, _last_value, uses_frame=True),
    "nth_value": WindowDef("nth_value", 2, 2, _nth_value, uses_frame=True),
}
