"""SQLite's built-in aggregate functions (lang_aggfunc.html; func.c in 3.40.1).

Each aggregate is a small class with ``step(*args)``, ``inverse(*args)`` (the
window-function "remove a row" operation, where SQLite has one), ``value()``
(the current result, used by window frames) and ``finalize()``.  Semantics
follow the linked SQLite 3.40.1:

- ``sum``/``total``/``avg`` convert each argument with numeric affinity
  (``sqlite3_value_numeric_type``); integers add exactly until the sum leaves
  64 bits, which makes ``sum`` fail with "integer overflow"; any non-integer
  makes the result REAL.  The REAL sum is a plain running double (Kahan
  summation arrived only in 3.43).
- ``min``/``max`` skip NULL, compare with the argument's collation, keep the
  first of equal values and report whether the row became the new best (the
  executor uses that for SQLite's bare-column rule).
- ``group_concat(X[, SEP])`` skips NULL X; the separator defaults to ",", a
  NULL separator is empty, the first term has none.  ``string_agg`` and the
  ORDER BY clause inside aggregates arrived in 3.44 and are not offered.
"""

from __future__ import annotations

import sys
from functools import partial, reduce
from operator import add, is_not

from .. import values as V
from ..errors import OperationalError

__all__ = ["AGGREGATE_FUNCTIONS", "AggregateDef"]

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_EXACT_DOUBLE = 1 << 53  # integers up to this size are exact doubles
_NONE = type(None)
_not_none = partial(is_not, None)
_INT_ONLY = frozenset((int,))
_FLOAT_ONLY = frozenset((float,))
_NUMBERS = frozenset((int, float))
_STR_ONLY = frozenset((str,))


def _running_double(start: float, values) -> float:
    """``start`` plus each value in turn, rounding to a double after every addition (C's
    ``rSum += v``; an integer converts to the nearest double first). Python 3.11's
    sum() does exactly that for floats and ints that fit a C long; later versions
    compensate, so reduce() adds one by one there."""
    if _PLAIN_FLOAT_SUM:
        return sum(values, start)
    return reduce(add, values, start)


_PLAIN_FLOAT_SUM = sys.version_info < (3, 12)


def _numeric(value):
    """``sqlite3_value_numeric_type`` then the value as int or float (None for NULL)."""
    if value is None:
        return None
    t = type(value)
    if t is int or t is float:
        return value
    if t is str:
        # applyNumericAffinity without trying for an integer: '0.0' stays REAL
        converted = V.text_to_number(value)
        if converted is not None:
            return converted
        return V.to_real(value)
    return V.to_real(value)


class Count:
    __slots__ = ("n",)

    def __init__(self):
        self.n = 0

    def step(self, value):
        if value is not None:
            self.n += 1

    def inverse(self, value):
        if value is not None:
            self.n -= 1

    def step_many(self, values: list):
        """``step`` of each value in turn (a page of rows at a time)."""
        self.n += len(values) - values.count(None)

    def value(self):
        return self.n

    finalize = value


class CountStar:
    __slots__ = ("n",)

    def __init__(self):
        self.n = 0

    def step(self, _ignored=None):
        self.n += 1

    def inverse(self, _ignored=None):
        self.n -= 1

    def step_many(self, rows: list):
        """One step per item of ``rows``."""
        self.n += len(rows)

    def value(self):
        return self.n

    finalize = value


class Sum:
    """sum(), total() and avg() share one accumulator, as in func.c."""

    __slots__ = ("cnt", "isum", "rsum", "approx", "overflow")

    def __init__(self):
        self.cnt = 0
        self.isum = 0
        self.rsum = 0.0
        self.approx = False
        self.overflow = False

    def step(self, value):
        if value is None:
            return
        v = value if type(value) is int else _numeric(value)
        self.cnt += 1
        if type(v) is int:
            self.rsum += v
            if not (self.approx or self.overflow):
                s = self.isum + v
                if _INT64_MIN <= s <= _INT64_MAX:
                    self.isum = s
                else:
                    self.approx = self.overflow = True
        else:
            self.rsum += v
            self.approx = True

    def step_many(self, values: list):
        """``step`` of each value in turn, in one pass when they are all integers (and no
        partial sum can leave 64 bits) or all floats; else value by value."""
        kinds = set(map(type, values))
        if _NONE in kinds:
            kinds.discard(_NONE)
            values = list(filter(_not_none, values))
        if not values:
            return
        if kinds == _INT_ONLY:
            n = len(values)
            largest = max(map(abs, values))
            total = sum(values)
            if not (self.approx or self.overflow):
                # every partial sum stays within this bound: no overflow to detect
                if abs(self.isum) + n * largest > _INT64_MAX:
                    for v in values:
                        self.step(v)
                    return
                self.isum += total
            rsum = self.rsum
            if abs(rsum) + n * largest <= _EXACT_DOUBLE and rsum.is_integer():
                # every partial sum is an integer a double holds exactly: no rounding
                self.rsum = float(int(rsum) + total)
            else:
                self.rsum = _running_double(rsum, values)
            self.cnt += n
        elif kinds == _FLOAT_ONLY:
            self.rsum = _running_double(self.rsum, values)
            self.cnt += len(values)
            self.approx = True
        else:
            for v in values:
                self.step(v)

    def inverse(self, value):
        if value is None:
            return
        v = value if type(value) is int else _numeric(value)
        self.cnt -= 1
        if type(v) is int:
            self.rsum -= v
            s = self.isum - v
            # C wraps silently here (no overflow check in sumInverse)
            self.isum = ((s - _INT64_MIN) % (1 << 64)) + _INT64_MIN
        else:
            self.rsum -= v

    def value(self):
        if self.cnt > 0:
            if self.overflow:
                raise OperationalError("integer overflow")
            if self.approx:
                return _real(self.rsum)
            return self.isum
        return None

    finalize = value


def _real(x):
    """A REAL result: NaN (inf - inf) is NULL (sqlite3VdbeMemSetDouble)."""
    return None if x != x else x


class Total(Sum):
    __slots__ = ()

    def value(self):
        return _real(self.rsum)

    finalize = value


class Avg(Sum):
    __slots__ = ()

    def value(self):
        if self.cnt > 0:
            return _real(self.rsum / self.cnt)
        return None

    finalize = value




def _has_surrogates(texts: list, best) -> bool:
    """Whether any of the texts (or ``best``, when a text) holds a surrogate escape: a byte
    that is not UTF-8, where Python's code-point order is not SQLite's byte order."""
    if V.SURROGATE_RE.search("".join(texts)) is not None:
        return True
    return type(best) is str and V.SURROGATE_RE.search(best) is not None


class _MinMax:
    __slots__ = ("best", "collation")
    is_max = False

    def __init__(self, collation: str = "BINARY"):
        self.best = None
        self.collation = (collation or "BINARY").upper()

    def step(self, value) -> bool:
        """Add a row; True when the bare columns load from it (SQLite's rule: the row
        became the new best, or there is no best yet)."""
        if value is None:
            return self.best is None
        best = self.best
        if best is None:
            self.best = value
            return True
        tb = type(best)
        tv = type(value)
        if ((tb is int or tb is float) and (tv is int or tv is float)) or (
                tb is str and tv is str and self.collation == "BINARY"
                and (best.isascii() or value.isascii())):
            # code-point order is UTF-8 byte order unless both hold non-ASCII (a text
            # with bytes that are not UTF-8 keeps them as surrogate escapes)
            c = -1 if best < value else (1 if best > value else 0)
        else:
            c = V.compare(best, value, self.collation)
        if (c < 0) if self.is_max else (c > 0):
            self.best = value
            return True
        return False

    def _batch_best(self, values: list, kinds: set):
        """The first best of ``values`` (none of them None; ``kinds`` their types) by the
        comparisons ``step`` makes, as a 1-tuple, or None when they need values.compare."""
        if kinds <= _NUMBERS or (kinds == _STR_ONLY and self.collation == "BINARY"
                                 and not _has_surrogates(values, self.best)):
            best = self.best
            if best is not None:
                tb = type(best)
                if not ((tb is int or tb is float) if kinds <= _NUMBERS else tb is str):
                    return None
            return (max(values) if self.is_max else min(values),)
        return None

    def step_many(self, values: list):
        """``step`` of each value in turn (a NULL changes nothing here)."""
        kinds = set(map(type, values))
        if _NONE in kinds:
            kinds.discard(_NONE)
            values = list(filter(_not_none, values))
            if not values:
                return
        got = self._batch_best(values, kinds)
        if got is None:
            for v in values:
                self.step(v)
        else:
            self.step(got[0])

    def step_many_at(self, values: list) -> int:
        """``step`` of each value in turn; the index of the last value whose step returned
        True (the row the bare columns load from), or -1."""
        kinds = set(map(type, values))
        got = None if _NONE in kinds or not values else self._batch_best(values, kinds)
        if got is None:
            last = -1
            for i, v in enumerate(values):
                if self.step(v):
                    last = i
            return last
        # the first best of the batch is the last value to take, if it beats the best
        v = got[0]
        return values.index(v) if self.step(v) else -1

    def inverse(self, value):  # pragma: no cover - the window executor recomputes instead
        raise NotImplementedError

    def value(self):
        return self.best

    finalize = value


class Min(_MinMax):
    __slots__ = ()
    is_max = False


class Max(_MinMax):
    __slots__ = ()
    is_max = True


class GroupConcat:
    """group_concat(X[, SEP]) as func.c's GroupConcatCtx keeps it: one byte string, the
    count of terms, the byte length of each separator when they vary, and whether the
    next term is a first one (no separator): true at the start and again whenever an
    inverse step (window frames) leaves no characters."""

    __slots__ = ("buf", "fresh", "n", "sep_lens", "first_sep", "touched")

    def __init__(self):
        self.buf = b""
        self.fresh = True
        self.n = 0
        self.sep_lens = None
        self.first_sep = 0
        self.touched = False

    @staticmethod
    def _bytes(v) -> bytes:
        if isinstance(v, bytes):
            return v
        return V.to_text(v).encode("utf-8", "surrogateescape")

    def step(self, value, separator=","):
        if value is None:
            return
        self.touched = True
        sep = b"" if separator is None else self._bytes(separator)
        if self.fresh:
            self.fresh = False
            self.first_sep = len(sep)
        else:
            if len(sep) != self.first_sep or self.sep_lens is not None:
                lens = self.sep_lens
                if lens is None:
                    lens = [self.first_sep] * (self.n - 1)
                del lens[self.n:]
                while len(lens) < self.n:
                    lens.append(0)
                lens[self.n - 1] = len(sep)
                self.sep_lens = lens
            self.buf += sep
        self.buf += self._bytes(value)
        self.n += 1

    def inverse(self, value, separator=","):
        if value is None:
            return
        # drops the oldest term and the separator after it, by byte counts
        k = len(self._bytes(value))
        self.n -= 1
        if self.sep_lens is not None:
            if self.n > 0:
                k += self.sep_lens[0] if self.sep_lens else 0
                del self.sep_lens[0:1]
        else:
            k += self.first_sep
        self.buf = b"" if k >= len(self.buf) else self.buf[k:]
        if not self.buf:
            self.fresh = True
            self.sep_lens = None

    def _text(self):
        return self.buf.decode("utf-8", "surrogateescape")

    def value(self):
        """The current value of a window frame: NULL when there are no characters
        (groupConcatValue returns sqlite3_str_value)."""
        return self._text() if self.buf else None

    def finalize(self):
        """The aggregate's result: NULL without a non-NULL value, else the text ('' for
        only empty strings)."""
        return self._text() if self.touched else None


class AggregateDef:
    """name, argument count range, factory (called with the argument collation)."""

    __slots__ = ("name", "min_args", "max_args", "factory", "has_inverse", "is_minmax")

    def __init__(self, name, min_args, max_args, factory, has_inverse=True, is_minmax=False):
        self.name = name
        self.min_args = min_args
        self.max_args = max_args
        self.factory = factory
        self.has_inverse = has_inverse
        self.is_minmax = is_minmax


AGGREGATE_FUNCTIONS: dict[str, AggregateDef] = {
    "avg": AggregateDef("avg", 1, 1, lambda coll: Avg()),
    "count": AggregateDef(
        "count", 0, 1, lambda coll, star=False: CountStar() if star else Count()
    ),
    "group_concat": AggregateDef("group_concat", 1, 2, lambda coll: GroupConcat()),
    "max": AggregateDef("max", 1, 1, lambda coll: Max(coll), has_inverse=False, is_minmax=True),
    "min": AggregateDef("min", 1, 1, lambda coll: Min(coll), has_inverse=False, is_minmax=True),
    "sum": AggregateDef("sum", 1, 1, lambda coll: Sum()),
    "total": AggregateDef("total", 1, 1, lambda coll: Total()),
}
