"""The freelist: trunk and leaf pages (fileformat2, "The Freelist").

Unused pages of a database are kept in a linked list of *trunk* pages; each
trunk lists some *leaf* pages (which hold nothing meaningful). Header offset
32 holds the first trunk's page number and offset 36 the total number of
freelist pages (trunks plus leaves).

Layout of a trunk page, in our own words (``U`` = usable size, ``L`` = leaf
count):

========  ========  ============  =====================================================
offset    size      field         meaning
========  ========  ============  =====================================================
0         4         next_trunk    big-endian number of the next trunk page, 0 on the last
4         4         leaf_count    how many leaf page numbers follow; at most ``U/4 - 2``
                                  (what fits in the usable part of the page). SQLite
                                  writes at most ``U/4 - 8`` (for old readers) but reads
                                  up to ``U/4 - 2``; more is corruption
8         4*L       leaf_pages    big-endian page numbers of the leaves
8+4L      U-8-4L    unused        rest of the usable area, ignored
U         P-U       reserved      reserved tail of the page, kept for round trips
========  ========  ============  =====================================================

Leaf pages have no layout: their content is garbage by definition.

:data:`FreelistTrunkPage` is the construct schema
(``FreelistTrunkPage.parse(page, usable_size=U)``); :func:`read_freelist_trunk`
is its fast twin. :func:`walk_freelist` follows the whole list like
``PRAGMA integrity_check`` (btree.c ``checkList``) does.

Design of :func:`walk_freelist`: it returns a :class:`FreelistWalk`, a list of
``(trunk_pgno, [leaf pgnos])``. With ``strict=True`` (the default, for
readers) the first problem raises :class:`FormatError` naming the page. With
``strict=False`` (for checkers) problems are collected in ``.problems`` as
:class:`FreelistProblem` records and the walk goes on where that is safe: a
leaf out of range or seen twice is reported and skipped; a trunk out of range
or seen twice (a cycle) ends the walk; a trunk whose leaf count is too large
contributes no leaves but its next pointer is still followed; a total that
differs from the header's count is reported at the end.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import NamedTuple

import construct as cs

from ._spec import Spec
from .errors import FormatError
from .overflow import _usable, check_usable

_TRUNK_HEAD = struct.Struct(">II")


def max_trunk_leaves(usable: int) -> int:
    """Largest leaf count a trunk page may hold: ``U/4 - 2``."""
    return usable // 4 - 2


class _LeafCount(cs.Adapter):
    def _decode(self, obj, context, path):
        limit = max_trunk_leaves(_usable(context))
        if obj > limit:
            raise FormatError(
                f"freelist trunk leaf count {obj} exceeds {limit}",
                offset=4, path="leaf_count", page=context._params.get("pgno"),
            )
        return obj

    def _encode(self, obj, context, path):
        return self._decode(obj, context, path)


_trunk_con = cs.Struct(
    "next_trunk" / cs.Int32ub,
    "leaf_count" / _LeafCount(cs.Int32ub),
    "leaf_pages" / cs.Array(cs.this.leaf_count, cs.Int32ub),
    "unused" / cs.Bytes(lambda ctx: _usable(ctx) - 8 - 4 * ctx.leaf_count),
    "reserved" / cs.GreedyBytes,
)

FreelistTrunkPage = Spec("freelist trunk page", _trunk_con, __doc__)


def read_freelist_trunk(page, usable: int, *, pgno: int | None = None) -> tuple[int, tuple]:
    """Fast twin of :data:`FreelistTrunkPage`: ``(next_trunk, leaf page numbers)``."""
    check_usable(usable)
    if len(page) < usable:
        raise FormatError(
            f"freelist trunk page has {len(page)} bytes, usable size is {usable}",
            offset=len(page), page=pgno,
        )
    next_trunk, count = _TRUNK_HEAD.unpack_from(page, 0)
    limit = max_trunk_leaves(usable)
    if count > limit:
        raise FormatError(
            f"freelist trunk leaf count {count} exceeds {limit}",
            offset=4, path="leaf_count", page=pgno,
        )
    return next_trunk, struct.unpack_from(f">{count}I", page, 8)


class FreelistProblem(NamedTuple):
    """One thing wrong with a freelist: the page concerned and what is wrong."""

    page: int | None
    message: str


class FreelistWalk(list):
    """``[(trunk_pgno, [leaf pgnos]), ...]`` plus what the walk found wrong.

    ``problems``: list of :class:`FreelistProblem` (empty when consistent);
    ``page_total``: trunks plus leaves found; ``expected``: the header's count.
    """

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.problems: list[FreelistProblem] = []
        self.page_total = 0
        self.expected = expected

    @property
    def pages(self) -> list[int]:
        """Every freelist page number found, trunks and leaves, in list order."""
        out = []
        for trunk, leaves in self:
            out.append(trunk)
            out.extend(leaves)
        return out


def walk_freelist(
    get_page: Callable[[int], bytes],
    first_trunk: int,
    freelist_count: int,
    page_count: int,
    usable: int,
    *,
    strict: bool = True,
) -> FreelistWalk:
    """Follow the freelist from ``first_trunk`` (header offset 32).

    Detects trunk cycles, page numbers 0 or beyond ``page_count``, a page
    listed twice, leaf counts that are too large, and a total that differs
    from ``freelist_count`` (header offset 36). See the module docstring for
    what ``strict`` changes.
    """
    check_usable(usable)
    walk = FreelistWalk(freelist_count)
    seen: set[int] = set()

    def problem(page: int | None, message: str) -> None:
        if strict:
            raise FormatError(f"freelist: {message}", page=page)
        walk.problems.append(FreelistProblem(page, message))

    pgno = first_trunk
    referrer: int | None = None
    while pgno != 0:
        origin = "header offset 32" if referrer is None else f"trunk page {referrer}"
        if pgno > page_count or pgno < 0:
            problem(referrer, f"trunk page {pgno} (from {origin}) beyond the last page {page_count}")
            break
        if pgno in seen:
            problem(pgno, f"page {pgno} (from {origin}) is already on the freelist: cycle")
            break
        seen.add(pgno)
        walk.page_total += 1
        page = get_page(pgno)
        if len(page) < usable:
            problem(pgno, f"trunk page {pgno} has {len(page)} bytes, usable size is {usable}")
            break
        next_trunk, count = _TRUNK_HEAD.unpack_from(page, 0)
        leaves: list[int] = []
        if count > max_trunk_leaves(usable):
            problem(pgno, f"leaf count {count} too big on trunk page {pgno}")
        else:
            for leaf in struct.unpack_from(f">{count}I", page, 8):
                if leaf == 0 or leaf > page_count:
                    problem(pgno, f"leaf page {leaf} on trunk page {pgno} out of range "
                                  f"1..{page_count}")
                elif leaf in seen:
                    problem(pgno, f"leaf page {leaf} on trunk page {pgno} is listed twice")
                else:
                    seen.add(leaf)
                    leaves.append(leaf)
                    walk.page_total += 1
        walk.append((pgno, leaves))
        referrer, pgno = pgno, next_trunk
    if walk.page_total != freelist_count:
        problem(None, f"freelist holds {walk.page_total} pages but the header says "
                      f"{freelist_count}")
    return walk
