"""Pointer-map pages of auto-vacuum databases (fileformat2, "Pointer Map or Ptrmap Pages").

In a database with auto-vacuum or incremental-vacuum (header offset 52
non-zero) every page after page 1 has a 5-byte entry on a pointer-map page
that says what the page is and which page points to it, so that pages can be
moved. Where the ptrmap pages sit is computed by
:func:`formatspec.derived.ptrmap_page_for` (the first is page 2, then one
after every ``U/5`` pages covered, stepping over the lock-byte page).

Layout of a ptrmap page, in our own words (``U`` = usable size, ``N = U // 5``):

========  ======  ===========  =========================================================
offset    size    field        meaning
========  ======  ===========  =========================================================
5*i       1       entry_type   what page ``ptrmap + 1 + i`` is (table below); 0 where no
                               page is described (past the end of the file)
5*i+1     4       parent_page  big-endian page number of its parent, 0 where the type
                               has none
5*N       U-5*N   unused       0..4 bytes at the end of the usable area
U         P-U     reserved     reserved tail of the page, kept for round trips
========  ======  ===========  =========================================================

Entry types:

====  ================  ========================================================
type  name              meaning and parent
====  ================  ========================================================
1     PTRMAP_ROOTPAGE   root page of a b-tree; parent 0
2     PTRMAP_FREEPAGE   page on the freelist; parent 0
3     PTRMAP_OVERFLOW1  first page of an overflow chain; parent = the b-tree page
                        holding the cell
4     PTRMAP_OVERFLOW2  later page of an overflow chain; parent = previous
                        overflow page
5     PTRMAP_BTREE      non-root b-tree page; parent = its parent b-tree page
====  ================  ========================================================

:data:`PtrmapPage` (``PtrmapPage.parse(page, usable_size=U)``) reports entry
types as stored, since bytes of entries that describe no page are never read
by SQLite; :func:`ptrmap_entry_for` is what a reader uses, and like btree.c's
``ptrmapGet`` it refuses a type outside 1..5. :func:`read_ptrmap_entries` is
the fast twin of the schema.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import construct as cs

from ._spec import Spec
from .derived import MAX_PAGE_SIZE, MIN_PAGE_SIZE, ptrmap_page_for
from .errors import FormatError
from .overflow import _usable, check_usable

PTRMAP_ROOTPAGE = 1
PTRMAP_FREEPAGE = 2
PTRMAP_OVERFLOW1 = 3
PTRMAP_OVERFLOW2 = 4
PTRMAP_BTREE = 5
PTRMAP_TYPES = {
    PTRMAP_ROOTPAGE: "rootpage",
    PTRMAP_FREEPAGE: "freepage",
    PTRMAP_OVERFLOW1: "overflow1",
    PTRMAP_OVERFLOW2: "overflow2",
    PTRMAP_BTREE: "btree",
}
ENTRY_SIZE = 5

_ENTRY = struct.Struct(">BI")

_ptrmap_con = cs.Struct(
    "entries" / cs.Array(
        lambda ctx: _usable(ctx) // ENTRY_SIZE,
        cs.Struct("entry_type" / cs.Int8ub, "parent_page" / cs.Int32ub),
    ),
    "unused" / cs.Bytes(lambda ctx: _usable(ctx) % ENTRY_SIZE),
    "reserved" / cs.GreedyBytes,
)

PtrmapPage = Spec("pointer-map page", _ptrmap_con, __doc__)


def _valid_page_size(size) -> bool:
    return isinstance(size, int) and MIN_PAGE_SIZE <= size <= MAX_PAGE_SIZE \
        and not size & (size - 1)


def read_ptrmap_entries(page, usable: int, *, pgno: int | None = None) -> list[tuple[int, int]]:
    """Fast twin of :data:`PtrmapPage`: every ``(entry_type, parent_page)`` of a page."""
    check_usable(usable)
    if len(page) < usable:
        raise FormatError(
            f"pointer-map page has {len(page)} bytes, usable size is {usable}",
            offset=len(page), page=pgno,
        )
    count = usable // ENTRY_SIZE
    return list(_ENTRY.iter_unpack(bytes(page[: count * ENTRY_SIZE])))


def ptrmap_entry_for(
    pgno: int, get_page: Callable[[int], bytes], usable: int, page_size: int
) -> tuple[int, int]:
    """The ``(entry_type, parent_page)`` recorded for page ``pgno``.

    Refuses page numbers that have no entry (page 1, ptrmap pages themselves,
    a page placed before its map by the lock-byte shift) and entry types
    outside 1..5, as btree.c does.
    """
    check_usable(usable)
    if not _valid_page_size(page_size) or usable > page_size:
        raise FormatError(f"page size {page_size!r} invalid for usable size {usable}")
    if pgno < 2:
        raise FormatError(f"page {pgno} has no pointer-map entry")
    ptrmap = ptrmap_page_for(pgno, usable, page_size)
    if ptrmap == pgno:
        raise FormatError(f"page {pgno} is itself a pointer-map page", page=pgno)
    offset = ENTRY_SIZE * (pgno - ptrmap - 1)
    if offset < 0:
        raise FormatError(f"page {pgno} precedes its pointer-map page {ptrmap}", page=ptrmap)
    page = get_page(ptrmap)
    if len(page) < usable:
        raise FormatError(
            f"pointer-map page has {len(page)} bytes, usable size is {usable}",
            offset=len(page), page=ptrmap,
        )
    entry_type, parent = _ENTRY.unpack_from(page, offset)
    if entry_type not in PTRMAP_TYPES:
        raise FormatError(
            f"pointer-map entry for page {pgno} has type {entry_type}, not 1..5",
            page=ptrmap, offset=offset, path="entry_type",
        )
    return entry_type, parent
