"""Derived quantities of the file format: the formulas of fileformat2.

These are the numbers that every reader and writer needs and that the
document defines by formula rather than by layout:

* ``U`` usable size = page size - reserved bytes per page (header offset 20).
* Table b-tree leaf cells: ``X = U - 35``. Index b-tree cells (leaf and
  interior): ``X = ((U - 12) * 64 // 255) - 23``. Both: ``M = ((U - 12) * 32
  // 255) - 23``. With payload size ``P``: if ``P <= X`` all of it is local;
  otherwise ``K = M + ((P - M) % (U - 4))`` and the local part is ``K`` when
  ``K <= X``, else ``M``. The rest goes to overflow pages that each carry
  ``U - 4`` bytes after a 4-byte next-page pointer.
* The lock-byte page is the page that holds file offset 2**30 (the
  PENDING_BYTE); it is never used, and exists only in files larger than 1 GiB.
* Pointer-map pages (auto-vacuum databases): the first is page 2; each holds
  ``U // 5`` five-byte entries, for the pages that follow it; the next
  ptrmap page comes right after the last page the previous one covers,
  skipping the lock-byte page when it falls there.
"""

from __future__ import annotations

from .errors import FormatError

PENDING_BYTE = 0x40000000  # 1 GiB: the byte offset locked by the lock-byte page
MIN_PAGE_SIZE = 512
MAX_PAGE_SIZE = 65536
MIN_USABLE_SIZE = 480


def page_size_from_header(raw: int) -> int:
    """Header offset 16 holds the page size, with 1 meaning 65536."""
    size = MAX_PAGE_SIZE if raw == 1 else raw
    if size < MIN_PAGE_SIZE or size > MAX_PAGE_SIZE or size & (size - 1):
        raise FormatError(f"invalid page size {raw}", offset=16, path="page_size")
    return size


def page_size_to_header(size: int) -> int:
    """Inverse of :func:`page_size_from_header`."""
    if size < MIN_PAGE_SIZE or size > MAX_PAGE_SIZE or size & (size - 1):
        raise FormatError(f"invalid page size {size}", path="page_size")
    return 1 if size == MAX_PAGE_SIZE else size


def usable_size(page_size: int, reserved: int) -> int:
    """U: bytes of a page available to the b-tree layer."""
    u = page_size - reserved
    if u < MIN_USABLE_SIZE:
        raise FormatError(
            f"usable size {u} below the minimum {MIN_USABLE_SIZE}", offset=20, path="reserved_space"
        )
    return u


def max_local(usable: int, *, table_leaf: bool) -> int:
    """X: the largest payload stored entirely on the b-tree page."""
    if table_leaf:
        return usable - 35
    return ((usable - 12) * 64 // 255) - 23


def min_local(usable: int) -> int:
    """M: the smallest local part of a payload that spills to overflow."""
    return ((usable - 12) * 32 // 255) - 23


def local_payload_size(payload_size: int, usable: int, *, table_leaf: bool) -> int:
    """Bytes of a payload of size P stored on the b-tree page itself."""
    x = max_local(usable, table_leaf=table_leaf)
    if payload_size <= x:
        return payload_size
    m = min_local(usable)
    k = m + ((payload_size - m) % (usable - 4))
    return k if k <= x else m


def overflow_page_count(payload_size: int, usable: int, *, table_leaf: bool) -> int:
    """How many overflow pages a payload of size P needs."""
    local = local_payload_size(payload_size, usable, table_leaf=table_leaf)
    rest = payload_size - local
    per_page = usable - 4
    return (rest + per_page - 1) // per_page


def lock_byte_page(page_size: int) -> int:
    """Number of the page that contains the PENDING_BYTE (never used for data)."""
    return PENDING_BYTE // page_size + 1


def ptrmap_entries_per_page(usable: int) -> int:
    return usable // 5


def ptrmap_page_for(pgno: int, usable: int, page_size: int) -> int:
    """The pointer-map page that holds the entry for page ``pgno``.

    Returns 0 for page 1 (which has no entry). For a ptrmap page itself this
    returns its own number.
    """
    if pgno < 2:
        return 0
    per_group = usable // 5 + 1
    group = (pgno - 2) // per_group
    ptrmap = group * per_group + 2
    if ptrmap == lock_byte_page(page_size):
        ptrmap += 1
    return ptrmap


def is_ptrmap_page(pgno: int, usable: int, page_size: int) -> bool:
    """True when page ``pgno`` is a pointer-map page in an auto-vacuum file."""
    return pgno >= 2 and ptrmap_page_for(pgno, usable, page_size) == pgno


def ptrmap_entry_offset(pgno: int, usable: int, page_size: int) -> int:
    """Byte offset of page ``pgno``'s 5-byte entry inside its ptrmap page."""
    ptrmap = ptrmap_page_for(pgno, usable, page_size)
    if ptrmap == 0 or ptrmap == pgno:
        raise FormatError(f"page {pgno} has no pointer-map entry")
    return 5 * (pgno - ptrmap - 1)
