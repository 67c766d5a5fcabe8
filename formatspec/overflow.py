"""Overflow pages (fileformat2, "Cell Payload Overflow Pages").

When a cell's payload is larger than fits on its b-tree page, the first part
stays in the cell (the size is given by :func:`formatspec.derived.local_payload_size`)
and the rest is spread over a singly linked list of overflow pages. The cell
ends with the 4-byte number of the first overflow page.

Layout of one overflow page, in our own words (``U`` is the usable size: page
size minus the reserved bytes of header offset 20):

======  =======  ===========  ==========================================================
offset  size     field        meaning
======  =======  ===========  ==========================================================
0       4        next_page    big-endian number of the next overflow page of the same
                              payload; 0 on the last page of the chain
4       U-4      content      the next ``U-4`` bytes of the payload; on the last page
                              only the first ``remaining`` bytes matter, the rest is
                              whatever was there before
U       P-U      reserved     the reserved tail of the page (header offset 20), kept
                              here only so that ``build(parse(page)) == page``
======  =======  ===========  ==========================================================

:data:`OverflowPage` is the construct schema; parse it with
``OverflowPage.parse(page, usable_size=U)``. :func:`read_overflow_page` is its
fast twin. :func:`read_overflow_chain` follows a whole chain and refuses
anything a correct file cannot contain: a page number 0 before the payload is
complete, a page number beyond the end of the file, a page visited twice (a
cycle), a chain longer than the payload needs, or a payload that could not fit
in the file at all. Every refusal is a :class:`FormatError` naming the page.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import construct as cs

from ._spec import Spec
from .derived import MAX_PAGE_SIZE, MIN_USABLE_SIZE
from .errors import FormatError

_U32 = struct.Struct(">I")


def _param(ctx, name: str) -> int:
    """A required integer parse/build parameter (``usable_size=...``), validated."""
    params = getattr(ctx, "_params", None)
    value = params.get(name) if params is not None else None
    if value is None:
        raise FormatError(f"parameter {name}= is required")
    return value


def _usable(ctx) -> int:
    usable = _param(ctx, "usable_size")
    check_usable(usable)
    return usable


def check_usable(usable) -> None:
    """Refuse a usable size that no database can have (480..65536)."""
    if not isinstance(usable, int) or not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        raise FormatError(f"usable size {usable!r} out of range {MIN_USABLE_SIZE}..{MAX_PAGE_SIZE}")


_overflow_con = cs.Struct(
    "next_page" / cs.Int32ub,
    "content" / cs.Bytes(lambda ctx: _usable(ctx) - 4),
    "reserved" / cs.GreedyBytes,
)

OverflowPage = Spec("overflow page", _overflow_con, __doc__)


def read_overflow_page(page, usable: int, *, pgno: int | None = None) -> tuple[int, bytes]:
    """Fast twin of :data:`OverflowPage`: ``(next_page, content)`` of one page."""
    check_usable(usable)
    if len(page) < usable:
        raise FormatError(
            f"overflow page has {len(page)} bytes, usable size is {usable}",
            offset=len(page), page=pgno,
        )
    return _U32.unpack_from(page, 0)[0], bytes(page[4:usable])


def read_overflow_chain(
    get_page: Callable[[int], bytes],
    first_page: int,
    payload_size_remaining: int,
    usable: int,
    page_count: int,
    *,
    check_end: bool = True,
) -> bytes:
    """Collect the overflow part of a payload by following its chain.

    ``get_page(pgno)`` returns the bytes of page ``pgno``; ``first_page`` is the
    number stored at the end of the cell; ``payload_size_remaining`` is the
    payload size minus its local part; ``page_count`` is the number of pages
    in the database. With ``check_end`` (the default) the last page needed
    must end the chain (next pointer 0), as ``PRAGMA integrity_check``
    demands; sqlite3's reader itself only reads the pages it needs.
    """
    check_usable(usable)
    if payload_size_remaining < 0:
        raise FormatError(f"negative overflow payload size {payload_size_remaining}")
    per_page = usable - 4
    needed = -(-payload_size_remaining // per_page)
    if needed > page_count:
        raise FormatError(
            f"payload needs {needed} overflow pages but the file has only {page_count} pages",
            page=first_page or None,
        )
    out = bytearray()
    seen: set[int] = set()
    pgno = first_page
    previous: int | None = None
    for index in range(needed):
        where = f"overflow page {index + 1} of {needed}"
        if previous is not None:
            where += f" (pointer on page {previous})"
        if pgno == 0:
            raise FormatError(
                f"overflow chain ends early: {where} is page 0", page=previous
            )
        if pgno > page_count or pgno < 0:
            raise FormatError(
                f"{where} is page {pgno}, beyond the last page {page_count}", page=previous
            )
        if pgno in seen:
            raise FormatError(f"overflow chain cycle: {where} is page {pgno} again", page=pgno)
        seen.add(pgno)
        next_page, content = read_overflow_page(get_page(pgno), usable, pgno=pgno)
        take = min(per_page, payload_size_remaining - len(out))
        out += content[:take]
        previous, pgno = pgno, next_page
    if check_end and pgno != 0:
        if needed:
            raise FormatError(
                f"overflow chain longer than its payload: last needed page {previous} "
                f"points on to page {pgno}",
                page=previous, offset=0, path="next_page",
            )
        raise FormatError(f"payload needs no overflow page but the chain starts at page {pgno}")
    return bytes(out)
