"""Row-stream operators of the executor: sorting, DISTINCT, LIMIT/OFFSET and the
compound-SELECT set operations (lang_select.html, "ORDER BY", "LIMIT",
"Compound SELECT statements"; datatype3.html section 4.1 for sort order).

Rows are Python tuples.  Keys follow SQLite's ordering: NULL first, then
INTEGER/REAL by numeric value, then TEXT by the collation, then BLOB by
memcmp.  DISTINCT and the set operations treat two rows as the same when every
column compares equal under that column's collation (NULLs equal each other
here, unlike in ``=``).
"""

from __future__ import annotations

from .. import values as V

__all__ = [
    "distinct_key",
    "limit_offset",
    "row_order_key",
    "sort_rows",
    "value_key",
]


def _binary_key(v):
    t = type(v)
    if v is None:
        return (0,)
    if t is int or t is float:
        return (1, v)
    return V.sort_key(v, "BINARY")


def _collated_key(collation):
    def key(v):
        return V.sort_key(v, collation)
    return key


def value_key(collation: str | None):
    """A function value -> sortable/hashable key under ``collation``."""
    name = (collation or "BINARY").upper()
    if name == "BINARY":
        return _binary_key
    return _collated_key(name)


def distinct_key(collations):
    """A function row -> hashable key, one collation per column (None = BINARY)."""
    if all((c or "BINARY").upper() == "BINARY" for c in collations):
        # BINARY: SQLite equality is Python equality on our value types (1 == 1.0,
        # 'a' != b'a'), so the row itself is the key, except for bool-free tuples of
        # mixed int/float which Python already hashes alike.
        return None
    funcs = [value_key(c) for c in collations]
    return lambda row: tuple(f(v) for f, v in zip(funcs, row))


def sort_rows(rows: list, terms) -> list:
    """Sort ``rows`` in place and return it.

    ``terms`` is a list of (getter, collation, descending, nulls_first) where
    getter(row) gives the value; ``nulls_first`` None means SQLite's default
    (NULLs first ascending, last descending).  Sorting is stable.
    """
    for getter, collation, descending, nulls_first in reversed(terms):
        keyf = value_key(collation)
        if nulls_first is None or nulls_first == (not descending):
            # the default placement coincides with the value order
            rows.sort(key=lambda r, g=getter, k=keyf: k(g(r)), reverse=descending)
        else:
            # NULLS LAST ascending or NULLS FIRST descending: NULLs jump to the other end
            null_rank = 1 if not nulls_first else -1
            if descending:
                null_rank = -null_rank

            def key(r, g=getter, k=keyf, nr=null_rank):
                v = g(r)
                return (nr, (0, 0)) if v is None else (0, k(v))

            rows.sort(key=key, reverse=descending)
    return rows


def row_order_key(terms):
    """A function row -> comparable key that orders rows as :func:`sort_rows` with the
    same ``terms`` does (for a priority queue, where rows arrive one at a time)."""
    from functools import cmp_to_key

    prepared = [(getter, value_key(collation), descending, nulls_first)
                for getter, collation, descending, nulls_first in terms]

    def compare(a, b):
        for getter, keyf, descending, nulls_first in prepared:
            va = getter(a)
            vb = getter(b)
            if (nulls_first is not None and nulls_first != (not descending)
                    and (va is None) != (vb is None)):
                # NULLS FIRST/LAST against the default placement
                return -1 if (va is None) == nulls_first else 1
            ka = keyf(va)
            kb = keyf(vb)
            if ka == kb:
                continue
            r = -1 if ka < kb else 1
            return -r if descending else r
        return 0
    return cmp_to_key(compare)


def limit_offset(rows, limit, offset):
    """Apply LIMIT/OFFSET (a negative LIMIT means no limit; a negative OFFSET is 0)."""
    if offset is not None and offset > 0:
        skipped = 0
        it = iter(rows)
        for _ in it:
            skipped += 1
            if skipped >= offset:
                break
        rows = it
    if limit is not None and limit >= 0:
        return _take(rows, limit)
    return rows


def _take(rows, limit):
    if limit <= 0:
        return
    n = 0
    for row in rows:
        yield row
        n += 1
        if n >= limit:
            return


def unique(rows, keyf=None):
    """Rows in order, dropping repeats (DISTINCT / UNION)."""
    seen = set()
    add = seen.add
    if keyf is None:
        for row in rows:
            if row not in seen:
                add(row)
                yield row
    else:
        for row in rows:
            k = keyf(row)
            if k not in seen:
                add(k)
                yield row


def _last_kept(rows, keyf):
    """Distinct rows where an equal row arriving later replaces the kept one (inserting
    into SQLite's ephemeral index overwrites the equal entry)."""
    kept = {}
    for row in rows:
        kept[keyf(row)] = row
    return kept


def intersect(left, right, keyf=None):
    keyf = keyf or (lambda r: r)
    right_keys = {keyf(r) for r in right}
    for k, row in _last_kept(left, keyf).items():
        if k in right_keys:
            yield row


def except_(left, right, keyf=None):
    keyf = keyf or (lambda r: r)
    right_keys = {keyf(r) for r in right}
    for k, row in _last_kept(left, keyf).items():
        if k not in right_keys:
            yield row


