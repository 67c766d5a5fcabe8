"""The one comparison of the oracle: does the target's outcome equal sqlite3's?

Every normalization the oracle applies lives in :func:`compare`; nothing else
in ``oracle`` decides whether two answers agree. An *outcome* is what running
one statement produced: rows, an error of some DB-API class, "unsupported"
(the target raised ``NotSupportedError``), a crash (an exception outside the
DB-API tree, or the worker process dying) or a timeout.

Rules of :func:`compare` (and the nondeterminism policy)
--------------------------------------------------------

1. **Values keep their storage class.** ``1`` (INTEGER) and ``1.0`` (REAL)
   differ; ``'1'`` (TEXT) differs from both; BLOBs compare as bytes, TEXT
   exactly (no case folding, no trimming). NULL equals NULL.
2. **Reals** compare as numbers, not as formatted text: ``-0.0`` equals
   ``0.0`` (SQLite itself treats them as equal), two NaNs are equal, and two
   finite reals are equal when their relative difference is at most
   :data:`REAL_TOLERANCE` (1e-9). Reason: the order in which ``sum()``,
   ``total()`` and ``avg()`` add their inputs follows the scan order, which
   depends on the plan (a covering index changes it), and floating addition
   is not associative. Text produced *from* reals (``CAST(r AS TEXT)``,
   ``printf``) is compared exactly: SQLite's formatting is deterministic and an
   engine must reproduce it.
3. **Row order.** Without a known ORDER BY the rows are compared as
   multisets. With one, the caller passes the ORDER BY keys as
   :class:`OrderKey` (output column, collation): the rows are cut into runs
   of equal keys (equality under the key's collation and SQLite's value
   order), the sequences of keys must be equal, and each run is compared as
   a multiset, because SQL leaves the order of ties undefined.
4. **LIMIT/OFFSET without a total order** is nondeterministic. The query
   generator only emits LIMIT after an ORDER BY over every output column with
   ``COLLATE BINARY``; with ``limited=True`` the last run of ties is compared
   by its keys and its length only (which of several tied rows made the cut is
   not specified).
5. **Nondeterministic functions** (``random()``, ``randomblob()``, the
   current date/time, ``changes()``, ``last_insert_rowid()``, ...): the
   generator never emits them; a query that contains one
   (:func:`is_nondeterministic`) is compared by shape only: same number of
   rows, and the same storage class in each column.
6. **Errors** compare by DB-API class (``OperationalError`` equals
   ``OperationalError`` whatever the message); messages are kept in the
   report but not compared. An error on one side and rows on the other is a
   disagreement.
7. **Unsupported** (the target raised ``NotSupportedError``) is never counted
   as agreement nor as disagreement: it is its own verdict, reported apart.
   A crash or timeout of the target is always a finding.
8. **Which of several equal values represents them** is unspecified where
   SQLite keeps one value out of a set it considers equal: DISTINCT, UNION,
   INTERSECT, EXCEPT, GROUP BY keys, min()/max() (and IN lists' right side).
   INTEGER ``1`` and REAL ``1.0`` are equal there, so whichever comes first in
   the scan survives, and the scan order depends on the plan. For a query with
   one of those (:func:`picks_representative`), two answers that differ only
   by an integral REAL standing where the other has the equal INTEGER agree.
   Everything else about the rows (count, values, order) is still compared.
9. **Bound parameters** (``?``, ``?NNN``, ``:name``/``@name``/``$name``) are
   passed to both engines as the same sequence or mapping (see
   :func:`oracle.generators.parameters`); nothing about them is normalized.
10. **Window functions**: the generator gives a window ``ORDER BY`` that is
   total up to identical rows (every column under BINARY plus its typeof())
   whenever the function's value depends on the order of peers (row_number,
   ntile, lag/lead, first/last/nth_value, ROWS frames), so ties cannot change
   the multiset of output rows; rank-like functions and aggregates over
   RANGE/GROUPS frames are the same for all peers and need no such care;
   group_concat over a window is compared by its length only.
11. **Integer overflow in sum()** depends on the order of addition (SQLite
   raises it when a partial sum leaves the 64-bit range, e.g. 2**63-1 then 1
   then -5 overflows, -5 first does not), so for a query that calls sum()
   (:func:`sums_integers`) an ``integer overflow`` error on one side and rows on
   the other agree.
12. Column names are not compared (SQLite documents them as unspecified
   unless an AS clause names them).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from oracle.targets import error_class

REAL_TOLERANCE = 1e-9

_NONDETERMINISTIC = re.compile(
    r"\b(random|randomblob|changes|total_changes|last_insert_rowid|sqlite_version|"
    r"current_date|current_time|current_timestamp)\b|'now'",
    re.IGNORECASE,
)


_REPRESENTATIVE = re.compile(
    r"\b(DISTINCT|UNION(?!\s+ALL)|INTERSECT|EXCEPT|GROUP\s+BY|min|max)\b", re.IGNORECASE)


def sums_integers(sql: str) -> bool:
    """True when ``sql`` calls sum(), whose overflow depends on the order (rule 11)."""
    return bool(re.search(r"\bsum\s*\(", sql, re.IGNORECASE))


def picks_representative(sql: str) -> bool:
    """True when ``sql`` may keep one of several equal values (rule 8)."""
    return bool(_REPRESENTATIVE.search(sql))


def _integral(v):
    if isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) < 2.0**63:
        return int(v)
    return v


def is_nondeterministic(sql: str) -> bool:
    """True when ``sql`` calls something whose answer changes from run to run."""
    return bool(_NONDETERMINISTIC.search(sql))


@dataclass
class Outcome:
    """What one statement produced on one engine."""

    kind: str  # "rows" | "error" | "unsupported" | "crash" | "timeout"
    rows: list = field(default_factory=list)
    error: str | None = None  # DB-API class name for "error"/"unsupported"
    message: str = ""

    def describe(self) -> str:
        if self.kind == "rows":
            return f"{len(self.rows)} row(s)"
        return f"{self.kind}: {self.error or ''} {self.message}".strip()

    def to_json(self) -> dict:
        return {"kind": self.kind, "rows": [list(map(_json_value, r)) for r in self.rows[:50]],
                "error": self.error, "message": self.message}


def _json_value(v):
    if isinstance(v, bytes):
        return {"blob": v.hex()}
    if isinstance(v, float) and not math.isfinite(v):
        return {"real": repr(v)}
    return v


def capture(connection, sql: str, parameters=None) -> Outcome:
    """Run ``sql`` on ``connection``; every way it can end becomes an :class:`Outcome`.

    ``parameters`` (a sequence or a mapping) are bound as ``execute(sql, parameters)``.
    """
    try:
        cursor = connection.execute(sql) if parameters is None else \
            connection.execute(sql, parameters)
        rows = [tuple(r) for r in cursor.fetchall()]
    except Exception as exc:  # noqa: BLE001 - every exception is a verdict here
        klass = error_class(exc)
        if klass is None:
            return Outcome("crash", error=type(exc).__name__, message=str(exc)[:300])
        if klass == "NotSupportedError":
            return Outcome("unsupported", error=klass, message=str(exc)[:300])
        return Outcome("error", error=klass, message=str(exc)[:300])
    return Outcome("rows", rows=rows)


@dataclass(frozen=True)
class OrderKey:
    """One ORDER BY term as the comparison needs it: output column and collation."""

    column: int
    collation: str = "BINARY"


@dataclass
class Difference:
    """Why two outcomes disagree; ``kind`` is the disagreement class."""

    kind: str
    detail: str

    @property
    def signature(self) -> str:
        return self.kind


def storage_class(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "integer"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "real"
    if isinstance(v, str):
        return "text"
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "blob"
    return type(v).__name__


def _canon(v):
    """A hashable, exactly comparable form of a value (reals rounded to the tolerance)."""
    sc = storage_class(v)
    if sc == "real":
        if math.isnan(v):
            return ("real", "nan")
        if v == 0.0:
            return ("real", 0.0)
        return ("real", v)
    if sc == "blob":
        return ("blob", bytes(v))
    return (sc, v)


def _values_equal(a, b) -> bool:
    sa, sb = storage_class(a), storage_class(b)
    if sa != sb:
        return False
    if sa == "real":
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if a == b:
            return True
        if math.isinf(a) or math.isinf(b):
            return False
        return abs(a - b) <= REAL_TOLERANCE * max(abs(a), abs(b))
    if sa == "blob":
        return bytes(a) == bytes(b)
    return a == b


def _rows_equal(r1, r2) -> bool:
    return len(r1) == len(r2) and all(_values_equal(a, b) for a, b in zip(r1, r2))


def _sort_token(v):
    """A total order over values used only to pair rows up (not SQLite's order)."""
    c = _canon(v)
    if c[0] == "real" and c[1] == "nan":
        return ("real", -math.inf, 1)
    return (c[0], c[1], 0) if c[0] != "null" else ("null", 0, 0)


def _multiset_equal(rows_a, rows_b) -> bool:
    if len(rows_a) != len(rows_b):
        return False
    ca = Counter(tuple(map(_canon, r)) for r in rows_a)
    cb = Counter(tuple(map(_canon, r)) for r in rows_b)
    if ca == cb:
        return True
    # Reals within the tolerance: pair rows up after sorting by a total order.
    try:
        sa = sorted(rows_a, key=lambda r: tuple(map(_sort_token, r)))
        sb = sorted(rows_b, key=lambda r: tuple(map(_sort_token, r)))
    except TypeError:
        return False
    return all(_rows_equal(x, y) for x, y in zip(sa, sb))


def _key_value(v, collation: str):
    """A value as ORDER BY sees it: SQLite's class order, numbers by value, text collated."""
    sc = storage_class(v)
    if sc == "null":
        return (0, 0)
    if sc in ("integer", "real"):
        if isinstance(v, float):
            if math.isnan(v):
                return (0, 0)
            if math.isfinite(v) and v != int(v):
                # keys equal within the real tolerance (rule 2) form one run
                return (1, float(f"{v:.11g}"))
        return (1, v)
    if sc == "text":
        if collation == "NOCASE":
            v = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in v)
        elif collation == "RTRIM":
            v = v.rstrip(" ")
        return (2, v)
    return (3, bytes(v))


def _runs(rows, keys):
    out = []
    for row in rows:
        try:
            k = tuple(_key_value(row[key.column], key.collation) for key in keys)
        except IndexError:
            k = ()
        if out and out[-1][0] == k:
            out[-1][1].append(row)
        else:
            out.append((k, [row]))
    return out


def _show(rows, limit=6) -> str:
    text = ", ".join(repr(tuple(r)) for r in rows[:limit])
    if len(rows) > limit:
        text += f", ... ({len(rows)} rows)"
    return "[" + text + "]"


def compare(target: Outcome, reference: Outcome, *, order: list[OrderKey] | None = None,
            limited: bool = False, nondeterministic: bool = False,
            representative: bool = False, overflow: bool = False) -> Difference | None:
    """``None`` when ``target`` agrees with ``reference``, else the :class:`Difference`.

    ``unsupported`` on the target is *not* agreement: callers check
    ``target.kind == "unsupported"`` first and count it apart; passed here it
    yields a Difference of kind ``unsupported``.
    """
    if target.kind in ("crash", "timeout"):
        return Difference(target.kind, target.describe())
    if target.kind == "unsupported":
        return Difference("unsupported", target.message)
    if reference.kind not in ("rows", "error"):
        return Difference("reference-" + reference.kind, reference.describe())
    if target.kind == "error" and reference.kind == "error":
        if target.error == reference.error:
            return None
        return Difference("error-class", f"target {target.error}: {target.message}; "
                                         f"reference {reference.error}: {reference.message}")
    if overflow and "rows" in (target.kind, reference.kind) and any(
            o.kind == "error" and "integer overflow" in (o.message or "")
            for o in (target, reference)):
        return None
    if target.kind == "error":
        return Difference("error-vs-rows", f"target {target.error}: {target.message}; "
                                           f"reference {_show(reference.rows)}")
    if reference.kind == "error":
        return Difference("rows-vs-error", f"target {_show(target.rows)}; "
                                           f"reference {reference.error}: {reference.message}")
    a, b = target.rows, reference.rows
    if representative:
        diff = compare(target, reference, order=order, limited=limited, overflow=overflow)
        if diff is None or diff.kind not in ("type", "value", "order"):
            return diff
        loose = [Outcome("rows", rows=[tuple(map(_integral, r)) for r in rows])
                 for rows in (a, b)]
        return None if compare(*loose, order=order, limited=limited) is None else diff
    if nondeterministic:
        shape_a = [tuple(map(storage_class, r)) for r in a]
        shape_b = [tuple(map(storage_class, r)) for r in b]
        if Counter(shape_a) != Counter(shape_b):
            return Difference("shape", f"target {_show(a)}; reference {_show(b)}")
        return None
    if len(a) != len(b):
        return Difference("row-count", f"target {len(a)} row(s) {_show(a)}; "
                                       f"reference {len(b)} row(s) {_show(b)}")
    if not order:
        if _multiset_equal(a, b):
            return None
        return Difference(_value_kind(a, b), f"target {_show(a)}; reference {_show(b)}")
    runs_a, runs_b = _runs(a, order), _runs(b, order)
    if [k for k, _ in runs_a] != [k for k, _ in runs_b]:
        if _multiset_equal(a, b):
            return Difference("order", f"target {_show(a)}; reference {_show(b)}")
        return Difference(_value_kind(a, b), f"target {_show(a)}; reference {_show(b)}")
    for i, ((_, ra), (_, rb)) in enumerate(zip(runs_a, runs_b)):
        if limited and i == len(runs_a) - 1:
            if len(ra) != len(rb):
                return Difference("row-count", f"target {_show(a)}; reference {_show(b)}")
            continue
        if not _multiset_equal(ra, rb):
            return Difference(_value_kind(a, b), f"target {_show(a)}; reference {_show(b)}")
    return None


def _value_kind(a, b) -> str:
    """Name the disagreement: storage classes differ, or only the values."""
    ta = Counter(tuple(map(storage_class, r)) for r in a)
    tb = Counter(tuple(map(storage_class, r)) for r in b)
    return "type" if ta != tb else "value"
