"""The library side of ``sqlassay inspect``: a page inventory of a database file.

Walks every structure fileformat2 describes, starting from the database header
(section 1.3): the schema b-tree on page 1 and every b-tree it names (section
1.6), their overflow chains (1.7), the freelist (1.5), pointer-map pages (1.8)
and the lock-byte page (1.4). Each page of the file gets a kind:
``table-interior | table-leaf | index-interior | index-leaf | overflow |
freelist-trunk | freelist-leaf | ptrmap | lock-byte | unused`` and, for b-tree
and overflow pages, the owning b-tree with the counts SQLite's ``dbstat``
virtual table reports (``ncell``, ``payload``, ``unused``):

* b-tree page: ``ncell`` is the cell count; ``payload`` is the sum over cells of
  the payload bytes stored on the page (0 for table-interior cells, which hold
  no payload); ``unused`` is the gap between the cell pointer array and the
  cell content area, plus the fragmented bytes, plus the sizes of all
  freeblocks (reserved bytes at the end of the page are not counted);
* overflow page: ``ncell`` is 0; ``payload`` is ``U - 4`` except on the last page
  of a chain, which carries the remainder; ``unused`` is ``U - 4 - payload``.

Also here: the decoded view of one page (:func:`page_detail`, with the byte
regions of its hex dump), the tree of one b-tree (:func:`btree_structure`),
what recovery makes of a ``-wal`` (:func:`wal_report`) and of a ``-journal``
(:func:`journal_report`), and what the schema's SQL says about columns,
collations and indexes (:func:`parse_table_sql`, :func:`parse_index_sql`,
:func:`autoindex_defs`, on the engine's tokenizer).

Everything here is plain data (dataclasses, dicts, ``array``s) so that fuzz
harnesses and the checker can use it. Memory is bounded by a few bytes per
page, never by the size of a page's content times the page count. Damage never
raises anything but :class:`~engine.errors.CorruptError`.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from formatspec import btree as _fb
from formatspec.derived import (
    is_ptrmap_page,
    local_payload_size,
    lock_byte_page,
    usable_size,
)
from formatspec.errors import FormatError
from formatspec.freelist import read_freelist_trunk
from formatspec.header import HEADER_FIELDS, TEXT_ENCODINGS, read_database_header
from formatspec.overflow import read_overflow_page
from formatspec.record import decode_record as _decode_record
from formatspec.varint import varint_len

from .errors import CorruptError
from .sql.lexer import lex as _lex

KINDS = (
    "unused",
    "table-interior",
    "table-leaf",
    "index-interior",
    "index-leaf",
    "overflow",
    "freelist-trunk",
    "freelist-leaf",
    "ptrmap",
    "lock-byte",
)
K_UNUSED, K_TINT, K_TLEAF, K_IINT, K_ILEAF, K_OVFL, K_FTRUNK, K_FLEAF, K_PTRMAP, K_LOCK = range(
    len(KINDS)
)
PAGE_TYPE_KIND = {5: K_TINT, 13: K_TLEAF, 2: K_IINT, 10: K_ILEAF}
_pread = getattr(os, "pread", None)  # one system call per page where the platform has it
MAX_DEPTH = 40  # deeper than any b-tree a 2**32-page file can hold


# --- page source ----------------------------------------------------------------


class PageSource:
    """Pages of one database file, read on demand (``page(pgno)`` -> bytes).

    The page count is the in-header database size when it is valid (non-zero
    and ``version_valid_for`` equals ``file_change_counter``), else the file
    size divided by the page size, as SQLite's pager decides (fileformat2 1.3.7).
    ``overlay`` maps page numbers to replacement page images (WAL frames).
    """

    def __init__(self, path: str | os.PathLike, *, overlay: dict | None = None,
                 page_count: int | None = None, through_log: bool = True) -> None:
        self.path = os.fspath(path)
        self._pager = None
        self.log = None  # "wal" or "journal" when pages are read through one
        if through_log and overlay is None and (
                os.path.exists(self.path + "-wal") or os.path.exists(self.path + "-journal")):
            self._open_pager()
        self._f = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        self.file_size = os.fstat(self._f.fileno()).st_size
        first = self._pager.get_page(1) if self._pager is not None else self._f.read(100)
        if len(first) < 100:
            self._f.close()
            if not first:
                raise CorruptError("empty file: not an SQLite database", page=1, offset=0)
            raise CorruptError(f"file of {len(first)} bytes is too short for a database header",
                               page=1, offset=len(first))
        try:
            self.header = read_database_header(first)
            self.usable = usable_size(self.header.page_size, self.header.reserved_space)
        except FormatError as err:
            self._f.close()
            raise CorruptError(err.message, page=1, offset=err.offset) from None
        self.page_size = self.header.page_size
        self.overlay = overlay or {}
        h = self.header
        if page_count is not None:
            self.page_count = page_count
        elif self._pager is not None:
            self.page_count = self._pager.page_count
        elif h.database_size and h.version_valid_for == h.file_change_counter:
            self.page_count = h.database_size
        else:
            self.page_count = -(-self.file_size // self.page_size)
        if self.overlay:
            self.page_count = max(self.page_count, max(self.overlay))
        # SQLite uses the low two bits, 0 meaning UTF-8 (sqlite3InitOne)
        self.encoding = TEXT_ENCODINGS.get(h.text_encoding & 3, "utf-8")
        self.reads = 0

    def _open_pager(self) -> None:
        from .pager import Pager

        try:
            pager = Pager(self.path, readonly=True, cache_size=64)
        except FormatError as err:
            raise CorruptError(err.message, page=err.page, offset=err.offset) from None
        if pager.header is None:
            pager.close()
            return
        self._pager = pager
        self.log = "wal" if pager._wal_frames else "journal" if pager.rolled_back_journal or \
            pager._journal_pages else None

    def close(self) -> None:
        self._f.close()
        if self._pager is not None:
            self._pager.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def page(self, pgno: int) -> bytes:
        """The image of page ``pgno`` (1-based). Pages past the file end read as missing."""
        if pgno < 1 or pgno > self.page_count:
            raise CorruptError(f"page number {pgno} out of range 1..{self.page_count}", page=pgno)
        got = self.overlay.get(pgno)
        if got is not None:
            return got
        if self._pager is not None and pgno <= self._pager.page_count:
            try:
                return self._pager.get_page(pgno)
            except FormatError as err:
                raise CorruptError(err.message, page=pgno, offset=err.offset) from None
        if _pread is not None:
            data = _pread(self._f.fileno(), self.page_size, (pgno - 1) * self.page_size)
        else:
            self._f.seek((pgno - 1) * self.page_size)
            data = self._f.read(self.page_size)
        self.reads += 1
        if 0 < len(data) < self.page_size:
            return data + bytes(self.page_size - len(data))  # a short last page reads as zeros
        if len(data) < self.page_size:
            raise CorruptError(f"page {pgno} lies past the end of the file", page=pgno,
                               offset=(pgno - 1) * self.page_size)
        return data

    def header_dict(self) -> dict:
        """Every header field, named as in fileformat2 (snake_case), JSON-friendly."""
        out = {}
        for name, value in zip(HEADER_FIELDS, self.header):
            if isinstance(value, bytes):
                value = value.hex() if name != "header_string" else value.decode("latin-1")
            out[name] = value
        return out


# --- decoding through the spec ---------------------------------------------------
# These adapters are the only place this module touches page bytes; each
# delegates to formatspec's fast twins.




class PageHeader(NamedTuple):
    page_type: int
    first_freeblock: int
    cell_count: int
    cell_content_start: int  # raw value; 0 means 65536
    fragmented_free_bytes: int
    right_child: int
    header_offset: int  # 100 on page 1, else 0
    header_size: int  # 8 or 12


class Cell(NamedTuple):
    offset: int
    left_child: int  # 0 on leaves
    payload_size: int  # 0 for table-interior cells
    rowid: int | None  # table cells only
    local: bytes  # the payload bytes stored on this page
    first_overflow: int  # 0 when the payload is all local
    size: int  # bytes the cell occupies on the page (varints taken at their shortest)
    local_size: int  # len(local)


def page_header(page: bytes, pgno: int) -> PageHeader:
    off = 100 if pgno == 1 else 0
    try:
        h = _fb.read_page_header(page, off)
    except FormatError as err:
        raise CorruptError(err.message, page=pgno, offset=err.offset) from None
    return PageHeader(h.page_type, h.first_freeblock, h.cell_count, h.cell_content_start,
                      h.fragmented_free_bytes, h.right_child, off, h.header_size)


def cell_pointers(page: bytes, hdr: PageHeader, pgno: int) -> list[int]:
    try:
        return list(_fb.read_cell_pointers(page, hdr.header_offset, hdr.header_size,
                                           hdr.cell_count))
    except FormatError as err:
        raise CorruptError(err.message, page=pgno, offset=err.offset) from None


def parse_cell(page: bytes, off: int, page_type: int, usable: int, pgno: int) -> Cell:
    """Decode the cell at ``off`` (fileformat2 1.6, the four cell formats).

    The cell's size counts its varints at their shortest encoding, as SQLite
    always writes them.
    """
    try:
        if page_type == 13:
            rowid, size, local, ovfl = _fb.read_table_leaf_cell(page, off, usable)
            n = len(local)
            length = varint_len(size) + varint_len(rowid) + n + (4 if ovfl else 0)
            return Cell(off, 0, size, rowid, local, ovfl, length if length > 4 else 4, n)
        if page_type == 5:
            left, rowid = _fb.read_table_interior_cell(page, off)
            return Cell(off, left, 0, rowid, b"", 0, 4 + varint_len(rowid), 0)
        if page_type == 10:
            size, local, ovfl = _fb.read_index_leaf_cell(page, off, usable)
            left = 0
            extra = 0
        elif page_type == 2:
            left, size, local, ovfl = _fb.read_index_interior_cell(page, off, usable)
            extra = 4
        else:
            raise FormatError(f"invalid b-tree page type {page_type}")
        n = len(local)
        length = extra + varint_len(size) + n + (4 if ovfl else 0)
        return Cell(off, left, size, None, local, ovfl, length if length > 4 else 4, n)
    except FormatError as err:
        raise CorruptError(f"cell at offset {off}: {err.message}", page=pgno, offset=off) from None


_new = tuple.__new__  # builds a Cell without the keyword handling of Cell(...): hot path


def parse_cells(page: bytes, hdr: PageHeader, ptrs, usable: int, pgno: int) -> list[Cell]:
    """Every cell of a b-tree page (the fused formatspec scan for table leaves)."""
    if hdr.page_type == 13:
        try:
            raw = _fb.table_leaf_cells(page, hdr.header_offset, usable)
        except FormatError:
            raw = None  # find the bad cell one by one below
        if raw is not None:
            out = []
            append = out.append
            for off, (rowid, size, local, ovfl) in zip(ptrs, raw):
                n = len(local)
                length = ((1 if size < 128 else varint_len(size))
                          + (1 if 0 <= rowid < 128 else varint_len(rowid))
                          + n + (4 if ovfl else 0))
                append(_new(Cell, (off, 0, size, rowid, local, ovfl,
                                   length if length > 4 else 4, n)))
            return out
    elif hdr.page_type == 10:
        read = _fb.read_index_leaf_cell
        out = []
        append = out.append
        try:
            for off in ptrs:
                size, local, ovfl = read(page, off, usable)
                n = len(local)
                length = (1 if size < 128 else varint_len(size)) + n + (4 if ovfl else 0)
                append(_new(Cell, (off, 0, size, None, local, ovfl,
                                   length if length > 4 else 4, n)))
            return out
        except FormatError:
            pass  # find the bad cell one by one below, for its message
    return [parse_cell(page, off, hdr.page_type, usable, pgno) for off in ptrs]


def freeblocks(page: bytes, hdr: PageHeader, pgno: int, usable: int) -> list[tuple[int, int]]:
    """The freeblock chain as (offset, size) pairs, refusing loops and strays."""
    out = []
    off = hdr.first_freeblock
    last = 0
    while off:
        if off <= last or off + 4 > usable:
            raise CorruptError(f"freeblock at {off} out of order or out of range", page=pgno,
                               offset=off)
        nxt, size = read_freeblock(page, off, pgno)
        out.append((off, size))
        last = off
        off = nxt
    return out


def read_freeblock(page: bytes, off: int, pgno: int) -> tuple[int, int]:
    """(next freeblock offset, size) of the freeblock at ``off``."""
    try:
        fb = _fb.Freeblock.parse(page[off : off + 4])
    except FormatError as err:
        raise CorruptError(f"freeblock at {off}: {err.message}", page=pgno, offset=off) from None
    return fb.next_freeblock, fb.size


def overflow_next(page: bytes, usable: int) -> int:
    return read_overflow_page(page, usable)[0]


def local_size(payload_size: int, usable: int, page_type: int) -> int:
    return local_payload_size(payload_size, usable, table_leaf=page_type == 13)


def read_payload(src: PageSource, page: bytes, cell: Cell, pgno: int,
                 limit: int = 1 << 30) -> bytes:
    """The whole payload of a cell: local part plus its overflow chain."""
    local = cell.local
    if not cell.first_overflow:
        return local
    if cell.payload_size > limit:
        raise CorruptError(f"payload of {cell.payload_size} bytes is too large", page=pgno,
                           offset=cell.offset)
    parts = [local]
    need = cell.payload_size - cell.local_size
    nxt = cell.first_overflow
    seen = set()
    per = src.usable - 4
    while need > 0:
        if nxt == 0 or nxt in seen or nxt > src.page_count:
            raise CorruptError(f"overflow chain broken at page {nxt}", page=pgno,
                               offset=cell.offset)
        seen.add(nxt)
        ov = src.page(nxt)
        take = min(need, per)
        nxt, content = read_overflow_page(ov, src.usable, pgno=nxt)
        parts.append(content[:take])
        need -= take
    return b"".join(bytes(p) for p in parts)


def decode_record(payload: bytes, encoding: str, pgno: int | None = None) -> list:
    """Values of a record (fileformat2 2.1), text decoded with the file's encoding."""
    try:
        return list(_decode_record(payload, encoding))
    except FormatError as err:
        raise CorruptError(f"malformed record: {err.message}", page=pgno, offset=err.offset) from None


# --- schema ---------------------------------------------------------------------


@dataclass
class SchemaEntry:
    type: str
    name: str
    tbl_name: str
    rootpage: int
    sql: str | None


def iter_table_cells(src: PageSource, root: int, *, on_page: Callable | None = None,
                     seen: set | None = None) -> Iterator[tuple[int, bytes, Cell]]:
    """Leaf cells of a table b-tree in key order, as (pgno, page, cell)."""
    seen = set() if seen is None else seen
    stack = [(root, 0)]
    while stack:
        pgno, depth = stack.pop()
        if pgno in seen or depth > MAX_DEPTH:
            raise CorruptError(f"b-tree page {pgno} reached twice (loop)", page=pgno)
        seen.add(pgno)
        page = src.page(pgno)
        hdr = page_header(page, pgno)
        if on_page:
            on_page(pgno, page, hdr)
        ptrs = cell_pointers(page, hdr, pgno)
        if hdr.page_type == 13:
            for off in ptrs:
                yield pgno, page, parse_cell(page, off, 13, src.usable, pgno)
        elif hdr.page_type == 5:
            children = [parse_cell(page, off, 5, src.usable, pgno).left_child for off in ptrs]
            children.append(hdr.right_child)
            for child in reversed(children):
                stack.append((child, depth + 1))
        else:
            raise CorruptError(f"page type {hdr.page_type} in a table b-tree", page=pgno,
                               offset=hdr.header_offset)


def read_schema(src: PageSource) -> list[SchemaEntry]:
    """The rows of sqlite_schema, in rowid order."""
    out = []
    for pgno, page, cell in iter_table_cells(src, 1):
        values = decode_record(read_payload(src, page, cell, pgno), src.encoding, pgno)
        values += [None] * (5 - len(values))
        typ, name, tbl, root, sql = values[:5]
        if not isinstance(root, int):
            root = 0
        out.append(SchemaEntry(str(typ), str(name), str(tbl), root,
                               sql if isinstance(sql, str) else None))
    return out


# --- inventory --------------------------------------------------------------------


@dataclass
class BTreeSummary:
    name: str
    type: str  # "table" | "index"
    rootpage: int
    without_rowid: bool = False
    depth: int = 0
    pages: int = 0
    interior_pages: int = 0
    leaf_pages: int = 0
    overflow_pages: int = 0
    entries: int = 0
    payload: int = 0
    unused: int = 0
    problem: str | None = None
    usable: int = 0

    @property
    def fill(self) -> float:
        """Fraction of the b-tree's usable bytes in use (not free, not fragmented)."""
        total = self.pages * self.usable
        return 1.0 - self.unused / total if total else 0.0


@dataclass
class Inventory:
    """Every page of a file with its kind, owner and dbstat counts."""

    path: str
    header: dict
    page_size: int
    usable: int
    page_count: int
    file_size: int
    kind: array  # 'B' per page (index 0 unused)
    owner: array  # 'i' btree index per page, -1 for none
    ncell: array
    payload: array
    unused: array
    btrees: list[BTreeSummary] = field(default_factory=list)
    schema: list[SchemaEntry] = field(default_factory=list)
    freelist_trunks: int = 0
    freelist_leaves: int = 0
    problems: list[str] = field(default_factory=list)
    wal: dict | None = None
    journal: dict | None = None

    def page(self, pgno: int) -> dict:
        k = self.kind[pgno]
        o = self.owner[pgno]
        return {
            "pgno": pgno,
            "kind": KINDS[k],
            "btree": self.btrees[o].name if o >= 0 else None,
            "ncell": self.ncell[pgno],
            "payload": self.payload[pgno],
            "unused": self.unused[pgno],
        }

    def pages(self) -> Iterator[dict]:
        for pgno in range(1, self.page_count + 1):
            yield self.page(pgno)

    def counts_by_kind(self) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for pgno in range(1, self.page_count + 1):
            out[KINDS[self.kind[pgno]]] += 1
        return {k: v for k, v in out.items() if v}


def _btree_page_stats(page: bytes, hdr: PageHeader, cells: list[Cell], pgno: int,
                      usable: int) -> tuple[int, int]:
    """(payload, unused) of a b-tree page with dbstat's meanings."""
    nhdr = hdr.header_offset + hdr.header_size
    unused = (hdr.cell_content_start % 65536) - nhdr - 2 * hdr.cell_count + hdr.fragmented_free_bytes
    for _off, size in freeblocks(page, hdr, pgno, usable):
        unused += size
    payload = 0 if hdr.page_type == 5 else sum(c.local_size for c in cells)
    return payload, unused


def _is_without_rowid(sql: str | None) -> bool:
    if not sql:
        return False
    tail = sql.rsplit(")", 1)[-1].upper().split()
    return "WITHOUT" in tail and "ROWID" in tail


def inventory(path, *, progress: Callable[[int, int], None] | None = None,
              source: PageSource | None = None) -> Inventory:
    """Classify every page of the database at ``path``.

    ``progress(done, total)`` is called now and then with counts of pages.
    Damage is recorded in ``Inventory.problems`` (one line each) rather than
    raised, so that as much of the file as possible is classified; only an
    unreadable header raises :class:`CorruptError`.
    """
    src = source or PageSource(path)
    try:
        return _inventory(src, progress)
    finally:
        if source is None:
            src.close()


def _inventory(src: PageSource, progress) -> Inventory:
    n = src.page_count
    inv = Inventory(
        path=src.path, header=src.header_dict(), page_size=src.page_size, usable=src.usable,
        page_count=n, file_size=src.file_size,
        kind=array("B", bytes(n + 1)), owner=array("i", [-1]) * (n + 1),
        ncell=array("i", [0]) * (n + 1), payload=array("i", [0]) * (n + 1),
        unused=array("i", [0]) * (n + 1),
    )
    done = 0

    def tick():
        nonlocal done
        done += 1
        if progress and done % 256 == 0:
            progress(done, n)

    try:
        inv.schema = read_schema(src)
    except CorruptError as err:
        inv.problems.append(f"schema unreadable: {err}")
        inv.schema = []
    trees = [BTreeSummary("sqlite_schema", "table", 1)]
    for e in inv.schema:
        if e.rootpage > 0 and e.type in ("table", "index"):
            trees.append(BTreeSummary(e.name, e.type, e.rootpage,
                                      without_rowid=e.type == "table" and _is_without_rowid(e.sql)))
    for tree in trees:
        tree.usable = src.usable
    inv.btrees = trees
    for idx, tree in enumerate(trees):
        try:
            _walk_btree(src, inv, idx, tree, tick)
        except CorruptError as err:
            tree.problem = str(err)
            inv.problems.append(f"{tree.name}: {err}")
    # freelist
    try:
        _walk_freelist(src, inv, tick)
    except CorruptError as err:
        inv.problems.append(f"freelist: {err}")
    # pointer-map and lock-byte pages
    lock = lock_byte_page(src.page_size)
    if lock <= n and inv.kind[lock] == K_UNUSED:
        inv.kind[lock] = K_LOCK
    if src.header.largest_root_page:
        for pgno in range(2, n + 1):
            if is_ptrmap_page(pgno, src.usable, src.page_size) and inv.kind[pgno] == K_UNUSED:
                inv.kind[pgno] = K_PTRMAP
    if progress:
        progress(n, n)
    return inv


def _walk_btree(src: PageSource, inv: Inventory, idx: int, tree: BTreeSummary, tick) -> None:
    """Depth-first walk in dbstat's order, filling the per-page arrays."""
    n = src.page_count
    stack = [(tree.rootpage, 1)]
    while stack:
        pgno, depth = stack.pop()
        if pgno < 1 or pgno > n:
            raise CorruptError(f"child page {pgno} out of range", page=pgno)
        if inv.kind[pgno] != K_UNUSED or depth > MAX_DEPTH:
            raise CorruptError(f"page {pgno} is reached twice", page=pgno)
        page = src.page(pgno)
        hdr = page_header(page, pgno)
        kind = PAGE_TYPE_KIND.get(hdr.page_type)
        if kind is None:
            raise CorruptError(f"invalid b-tree page type {hdr.page_type}", page=pgno,
                               offset=hdr.header_offset)
        inv.kind[pgno] = kind
        inv.owner[pgno] = idx
        tick()
        ptrs = cell_pointers(page, hdr, pgno)
        cells = parse_cells(page, hdr, ptrs, src.usable, pgno)
        payload, unused = _btree_page_stats(page, hdr, cells, pgno, src.usable)
        inv.ncell[pgno] = hdr.cell_count
        inv.payload[pgno] = payload
        inv.unused[pgno] = unused
        tree.pages += 1
        tree.payload += payload
        tree.unused += unused
        tree.depth = max(tree.depth, depth)
        if hdr.page_type in (13, 10):
            tree.leaf_pages += 1
            tree.entries += hdr.cell_count
        else:
            tree.interior_pages += 1
            if hdr.page_type == 2:
                tree.entries += hdr.cell_count
        for cell in cells:
            if cell.first_overflow:
                _walk_overflow(src, inv, idx, tree, cell, pgno, tick)
        if hdr.page_type in (2, 5):
            children = [c.left_child for c in cells] + [hdr.right_child]
            for child in reversed(children):
                stack.append((child, depth + 1))


def _walk_overflow(src, inv, idx, tree, cell: Cell, pgno: int, tick) -> None:
    per = src.usable - 4
    rest = cell.payload_size - cell.local_size
    count = (rest + per - 1) // per
    nxt = cell.first_overflow
    for i in range(count):
        if nxt < 1 or nxt > src.page_count:
            raise CorruptError(f"overflow page {nxt} out of range", page=pgno, offset=cell.offset)
        if inv.kind[nxt] != K_UNUSED:
            raise CorruptError(f"overflow page {nxt} is reached twice", page=nxt)
        last = i == count - 1
        carried = rest - (count - 1) * per if last else per
        inv.kind[nxt] = K_OVFL
        inv.owner[nxt] = idx
        inv.payload[nxt] = carried
        inv.unused[nxt] = per - carried
        tree.pages += 1
        tree.overflow_pages += 1
        tree.payload += carried
        tree.unused += per - carried
        tick()
        if not last:
            nxt = overflow_next(src.page(nxt), src.usable)


def _walk_freelist(src: PageSource, inv: Inventory, tick) -> None:
    trunk = src.header.first_freelist_trunk_page
    n = src.page_count
    while trunk:
        if trunk > n or inv.kind[trunk] != K_UNUSED:
            raise CorruptError(f"freelist trunk page {trunk} out of range or used twice",
                               page=trunk)
        page = src.page(trunk)
        try:
            nxt, leaves = read_freelist_trunk(page, src.usable, pgno=trunk)
        except FormatError as err:
            raise CorruptError(err.message, page=trunk, offset=err.offset) from None
        inv.kind[trunk] = K_FTRUNK
        inv.freelist_trunks += 1
        tick()
        for leaf in leaves:
            if 1 <= leaf <= n and inv.kind[leaf] == K_UNUSED:
                inv.kind[leaf] = K_FLEAF
                inv.freelist_leaves += 1
                tick()
            else:
                inv.problems.append(f"freelist leaf {leaf} out of range or used twice")
        trunk = nxt


# --- what the schema's SQL says about columns and indexes ---------------------------


@dataclass
class ColumnDef:
    name: str
    decl_type: str
    collation: str = "BINARY"
    not_null: bool = False
    default: object = None
    has_default: bool = False


@dataclass
class TableDef:
    name: str
    columns: list[ColumnDef]
    without_rowid: bool = False
    rowid_alias: int | None = None  # index of the INTEGER PRIMARY KEY column
    primary_key: list[str] = field(default_factory=list)
    # (columns, is_primary_key) of each UNIQUE / PRIMARY KEY constraint, in order
    unique_constraints: list[tuple[list[tuple[str, str | None]], bool]] = field(
        default_factory=list)
    strict: bool = False

    def column_index(self, name: str) -> int | None:
        low = name.lower()
        for i, c in enumerate(self.columns):
            if c.name.lower() == low:
                return i
        return None


@dataclass
class IndexColumn:
    column: str | None  # None for an expression
    collation: str | None
    desc: bool = False


@dataclass
class IndexDef:
    name: str
    table: str
    columns: list[IndexColumn]
    unique: bool = False
    partial: bool = False


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] in "\"'`[":
        body = text[1:-1]
        if text[0] in "\"'`":
            body = body.replace(text[0] * 2, text[0])
        return body
    return text


def _tokens(sql: str):
    return [t for t in _lex(sql) if t.kind not in ("SPACE", "COMMENT")]


def _split_top(tokens, start: int):
    """Split tokens from ``start`` (just after '(') on top-level commas until ')'."""
    parts, cur, depth = [], [], 0
    i = start
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "LP":
            depth += 1
        elif t.kind == "RP":
            if depth == 0:
                parts.append(cur)
                return parts, i
            depth -= 1
        elif t.kind == "COMMA" and depth == 0:
            parts.append(cur)
            cur = []
            i += 1
            continue
        cur.append(t)
        i += 1
    parts.append(cur)
    return parts, i


_CONSTRAINT_START = {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT",
                     "COLLATE", "REFERENCES", "GENERATED", "AS"}


def _literal(toks):
    """Value of a DEFAULT literal, or raise ValueError."""
    sign = 1
    if toks and toks[0].kind in ("MINUS", "PLUS"):
        sign = -1 if toks[0].kind == "MINUS" else 1
        toks = toks[1:]
    if toks and toks[0].kind == "LP" and toks[-1].kind == "RP":
        toks = toks[1:-1]
    if len(toks) != 1:
        raise ValueError("not a literal")
    t = toks[0]
    if t.kind == "STRING":
        return _unquote(t.text)
    if t.kind == "INTEGER":
        return sign * int(t.text, 0)
    if t.kind == "FLOAT":
        return sign * float(t.text)
    if t.kind == "NULL":
        return None
    if t.kind == "BLOB":
        return bytes.fromhex(t.text[2:-1])
    if t.kind in ("TRUE", "FALSE") or t.text.upper() in ("TRUE", "FALSE"):
        return 1 if t.text.upper() == "TRUE" else 0
    raise ValueError("not a literal")


def _index_cols(toks) -> list[tuple[str, str | None]]:
    """Column names (and COLLATE) of a PRIMARY KEY(...) / UNIQUE(...) list."""
    out = []
    for part in toks:
        if not part:
            continue
        name = _unquote(part[0].text)
        coll = None
        for k, t in enumerate(part):
            if t.kind == "COLLATE" and k + 1 < len(part):
                coll = _unquote(part[k + 1].text)
        out.append((name, coll))
    return out


def sql_parses(sql: str | None) -> bool:
    """Whether sqlite3's parser accepts the schema statement ``sql`` (engine.sql's parser is
    the stand-in; prepare.c ``sqlite3InitCallback`` prepares every schema SQL text that
    starts with "cr" and calls the schema malformed when that fails). Only a syntax error
    counts as rejection: text after the first statement is ignored there, and a construct
    our parser does not support is not held against the file."""
    if not sql:
        return False
    from .errors import OperationalError
    from .sql.parser import parse_one

    try:
        return parse_one(sql) is not None
    except OperationalError:
        return False
    except Exception:  # noqa: BLE001 - unsupported or trailing text: not a verdict on the file
        return True


def parse_table_sql(name: str, sql: str | None) -> TableDef | None:
    """Columns and constraints of a CREATE TABLE statement (None if not parseable, by
    sqlite3's grammar as :func:`sql_parses` judges it)."""
    if not sql or not sql_parses(sql):
        return None
    try:
        toks = _tokens(sql)
        lp = next(i for i, t in enumerate(toks) if t.kind == "LP")
        parts, rp = _split_top(toks, lp + 1)
    except Exception:  # noqa: BLE001 - a schema we cannot read is reported by the caller
        return None
    tail = [t.text.upper() for t in toks[rp + 1 :]]
    table = TableDef(name, [], without_rowid="ROWID" in tail and "WITHOUT" in tail,
                     strict="STRICT" in tail)
    for part in parts:
        if not part:
            continue
        head = part[0].kind
        if head in ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
            k = 0
            if head == "CONSTRAINT":
                k = 2
            if k < len(part) and part[k].kind in ("PRIMARY", "UNIQUE"):
                is_pk = part[k].kind == "PRIMARY"
                j = next((i for i in range(k, len(part)) if part[i].kind == "LP"), None)
                if j is not None:
                    cols_parts, _ = _split_top(part, j + 1)
                    cols = _index_cols(cols_parts)
                    table.unique_constraints.append((cols, is_pk))
                    if is_pk:
                        table.primary_key = [c for c, _ in cols]
            continue
        col = ColumnDef(_unquote(part[0].text), "")
        k = 1
        type_words = []
        while k < len(part) and part[k].kind not in _CONSTRAINT_START and part[k].kind != "LP":
            type_words.append(part[k].text)
            k += 1
        if k < len(part) and part[k].kind == "LP":
            depth = 0
            while k < len(part):
                if part[k].kind == "LP":
                    depth += 1
                elif part[k].kind == "RP":
                    depth -= 1
                    if depth == 0:
                        k += 1
                        break
                type_words.append(part[k].text)
                k += 1
        col.decl_type = " ".join(type_words)
        # column constraints
        while k < len(part):
            t = part[k]
            if t.kind == "NOT" and k + 1 < len(part) and part[k + 1].kind == "NULL":
                col.not_null = True
                k += 2
                continue
            if t.kind == "COLLATE" and k + 1 < len(part):
                col.collation = _unquote(part[k + 1].text)
                k += 2
                continue
            if t.kind == "DEFAULT" and k + 1 < len(part):
                j = k + 1
                if part[j].kind == "LP":
                    depth = 0
                    while j < len(part):
                        depth += part[j].kind == "LP"
                        depth -= part[j].kind == "RP"
                        j += 1
                        if depth == 0:
                            break
                elif part[j].kind in ("MINUS", "PLUS"):
                    j += 2
                else:
                    j += 1
                try:
                    col.default = _literal(part[k + 1 : j])
                    col.has_default = True
                except (ValueError, IndexError):
                    col.has_default = False
                k = j
                continue
            if t.kind == "PRIMARY":
                table.primary_key = [col.name]
                desc = any(x.kind == "DESC" for x in part[k : k + 4])
                if (col.decl_type.upper() == "INTEGER" and not table.without_rowid
                        and not desc):
                    table.rowid_alias = len(table.columns)
                else:
                    table.unique_constraints.append(([(col.name, None)], True))
            elif t.kind == "UNIQUE":
                table.unique_constraints.append(([(col.name, None)], False))
            k += 1
        table.columns.append(col)
    if table.rowid_alias is None and not table.without_rowid and len(table.primary_key) == 1:
        # PRIMARY KEY(x) as a table constraint on an INTEGER column is a rowid alias too
        idx = table.column_index(table.primary_key[0])
        if idx is not None and table.columns[idx].decl_type.upper() == "INTEGER":
            for n, (cols, is_pk) in enumerate(table.unique_constraints):
                if is_pk and len(cols) == 1:
                    del table.unique_constraints[n]
                    break
            table.rowid_alias = idx
    return table


def parse_index_sql(name: str, table: str, sql: str) -> IndexDef | None:
    """Columns of a CREATE INDEX statement (None if not parseable, by sqlite3's grammar as
    :func:`sql_parses` judges it)."""
    if not sql_parses(sql):
        return None
    try:
        toks = _tokens(sql)
        unique = any(t.kind == "UNIQUE" for t in toks[:3])
        lp = next(i for i, t in enumerate(toks) if t.kind == "LP")
        parts, rp = _split_top(toks, lp + 1)
    except Exception:  # noqa: BLE001
        return None
    partial = any(t.kind == "WHERE" for t in toks[rp + 1 :])
    cols = []
    for part in parts:
        if not part:
            return None
        desc = bool(part) and part[-1].kind == "DESC"
        body = [t for t in part if t.kind not in ("ASC", "DESC")]
        coll = None
        if len(body) >= 3 and body[-2].kind == "COLLATE":
            coll = _unquote(body[-1].text)
            body = body[:-2]
        if len(body) == 1 and body[0].kind in ("ID", "STRING") or (
                len(body) == 1 and body[0].text.isidentifier()):
            cols.append(IndexColumn(_unquote(body[0].text), coll, desc))
        else:
            cols.append(IndexColumn(None, coll, desc))
    return IndexDef(name, table, cols, unique=unique, partial=partial)


def autoindex_defs(table: TableDef) -> list[IndexDef]:
    """The sqlite_autoindex_T_N indexes SQLite makes for UNIQUE / PRIMARY KEY constraints."""
    out = []
    n = 0
    for cols, is_pk in table.unique_constraints:
        n += 1
        if is_pk and table.without_rowid:
            continue  # the table's own b-tree is its primary key index (but takes a number)
        out.append(IndexDef(f"sqlite_autoindex_{table.name}_{n}", table.name,
                            [IndexColumn(c, coll) for c, coll in cols], unique=True))
    return out


# --- one page, one tree, the logs ---------------------------------------------------------

_PAGE_HEADER_FIELDS = (
    (0, 1, "page_type"), (1, 2, "first_freeblock"), (3, 2, "cell_count"),
    (5, 2, "cell_content_start"), (7, 1, "fragmented_free_bytes"), (8, 4, "right_child"),
)


def _short(value, limit: int = 60):
    """A JSON-friendly, bounded rendering of a record value."""
    if isinstance(value, bytes):
        text = value[: limit // 2].hex()
        return {"blob": text + ("..." if len(value) > limit // 2 else ""), "size": len(value)}
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... ({len(value)} chars)"
    if isinstance(value, float) and value != value:
        return None
    return value


def page_detail(src: PageSource, pgno: int, inv: Inventory | None = None) -> dict:
    """Page ``pgno`` decoded field by field, with the byte regions of its hex dump.

    ``regions`` is a list of ``(start, end, label, role)`` covering the page:
    roles are ``file-header``, ``page-header``, ``cell-pointers``, ``cell``,
    ``freeblock``, ``unallocated``, ``overflow-next``, ``overflow-data``,
    ``trunk``, ``ptrmap``, ``reserved``, ``free``.
    """
    inv = inv or inventory(src.path, source=src)
    info = inv.page(pgno)
    page = src.page(pgno)
    out: dict = {**info, "page_size": src.page_size, "usable": src.usable, "fields": [],
                 "cells": [], "freeblocks": [], "regions": [], "problems": []}
    regions = out["regions"]
    kind = info["kind"]
    usable = src.usable
    if pgno == 1:
        regions.append((0, 100, "database header", "file-header"))
    if src.usable < src.page_size:
        regions.append((usable, src.page_size, "reserved bytes", "reserved"))
    if kind in ("table-interior", "table-leaf", "index-interior", "index-leaf") or (
            kind == "unused" and pgno == 1):
        try:
            hdr = page_header(page, pgno)
        except CorruptError as err:
            out["problems"].append(str(err))
            regions.append((100 if pgno == 1 else 0, usable, "undecodable", "unallocated"))
            return out
        base = hdr.header_offset
        values = {"page_type": hdr.page_type, "first_freeblock": hdr.first_freeblock,
                  "cell_count": hdr.cell_count, "cell_content_start": hdr.cell_content_start,
                  "fragmented_free_bytes": hdr.fragmented_free_bytes,
                  "right_child": hdr.right_child}
        for off, size, name in _PAGE_HEADER_FIELDS:
            if name == "right_child" and hdr.header_size == 8:
                continue
            out["fields"].append({"offset": base + off, "size": size, "name": name,
                                  "raw": page[base + off : base + off + size].hex(),
                                  "value": values[name]})
        regions.append((base, base + hdr.header_size, "page header", "page-header"))
        arr = base + hdr.header_size
        regions.append((arr, arr + 2 * hdr.cell_count, f"cell pointers ({hdr.cell_count})",
                        "cell-pointers"))
        regions.append((arr + 2 * hdr.cell_count, min(hdr.cell_content_start, usable),
                        "unallocated", "unallocated"))
        try:
            ptrs = cell_pointers(page, hdr, pgno)
        except CorruptError as err:
            out["problems"].append(str(err))
            ptrs = []
        for i, off in enumerate(ptrs):
            try:
                cell = parse_cell(page, off, hdr.page_type, usable, pgno)
            except CorruptError as err:
                out["problems"].append(str(err))
                continue
            entry = {"index": i, "offset": off, "size": cell.size,
                     "left_child": cell.left_child or None, "rowid": cell.rowid,
                     "payload_size": cell.payload_size if hdr.page_type != 5 else None,
                     "local_size": cell.local_size if hdr.page_type != 5 else None,
                     "first_overflow": cell.first_overflow or None}
            if hdr.page_type != 5:
                try:
                    payload = read_payload(src, page, cell, pgno, limit=1 << 24)
                    from formatspec.record import decode_record_header

                    types, body = decode_record_header(payload)
                    entry["serial_types"] = list(types)
                    entry["record"] = [_short(v) for v in decode_record(payload, src.encoding)]
                except CorruptError as err:
                    entry["record_error"] = str(err)
                except FormatError as err:
                    entry["record_error"] = err.message
            out["cells"].append(entry)
            regions.append((off, off + cell.size, f"cell {i}", "cell"))
        try:
            for off, size in freeblocks(page, hdr, pgno, usable):
                out["freeblocks"].append({"offset": off, "size": size})
                regions.append((off, off + size, f"freeblock ({size} bytes)", "freeblock"))
        except CorruptError as err:
            out["problems"].append(str(err))
    elif kind == "overflow":
        nxt = overflow_next(page, usable)
        out["fields"].append({"offset": 0, "size": 4, "name": "next_overflow_page",
                              "raw": page[0:4].hex(), "value": nxt})
        regions.append((0, 4, "next overflow page", "overflow-next"))
        regions.append((4, 4 + info["payload"], "overflow content", "overflow-data"))
        if info["unused"]:
            regions.append((4 + info["payload"], usable, "unused", "free"))
    elif kind == "freelist-trunk":
        try:
            nxt, leaves = read_freelist_trunk(page, usable, pgno=pgno)
        except FormatError as err:
            out["problems"].append(str(err))
            nxt, leaves = 0, ()
        out["fields"].append({"offset": 0, "size": 4, "name": "next_trunk_page",
                              "raw": page[0:4].hex(), "value": nxt})
        out["fields"].append({"offset": 4, "size": 4, "name": "leaf_count",
                              "raw": page[4:8].hex(), "value": len(leaves)})
        out["leaves"] = list(leaves)
        regions.append((0, 8 + 4 * len(leaves), "trunk header and leaf numbers", "trunk"))
        regions.append((8 + 4 * len(leaves), usable, "unused", "free"))
    elif kind == "ptrmap":
        from formatspec.ptrmap import read_ptrmap_entries

        entries = read_ptrmap_entries(page, usable, pgno=pgno)
        out["ptrmap"] = [{"page": pgno + 1 + i, "type": t, "parent": p}
                         for i, (t, p) in enumerate(entries) if t]
        regions.append((0, 5 * len(entries), "pointer-map entries", "ptrmap"))
    else:
        regions.append((100 if pgno == 1 else 0, usable, kind, "free"))
    regions.sort()
    return out


def btree_structure(src: PageSource, root: int, *, max_pages: int = 2000) -> dict:
    """The tree of pages under ``root``: interior keys, child pointers, leaves."""
    seen: set[int] = set()

    def visit(pgno: int, depth: int) -> dict:
        if pgno in seen or len(seen) >= max_pages or depth > MAX_DEPTH:
            return {"pgno": pgno, "truncated": True}
        seen.add(pgno)
        try:
            page = src.page(pgno)
            hdr = page_header(page, pgno)
            ptrs = cell_pointers(page, hdr, pgno)
            cells = [parse_cell(page, off, hdr.page_type, src.usable, pgno) for off in ptrs]
        except CorruptError as err:
            return {"pgno": pgno, "error": str(err)}
        node = {"pgno": pgno, "kind": KINDS[PAGE_TYPE_KIND[hdr.page_type]],
                "ncell": hdr.cell_count}
        if hdr.page_type in (13, 10):
            if hdr.page_type == 13 and cells:
                node["first_key"] = cells[0].rowid
                node["last_key"] = cells[-1].rowid
            elif cells:
                node["first_key"] = _key_of(src, page, cells[0], pgno)
                node["last_key"] = _key_of(src, page, cells[-1], pgno)
            return node
        node["children"] = []
        for c in cells:
            key = c.rowid if hdr.page_type == 5 else _key_of(src, page, c, pgno)
            child = visit(c.left_child, depth + 1)
            child["divider"] = key
            node["children"].append(child)
        right = visit(hdr.right_child, depth + 1)
        right["divider"] = None
        node["children"].append(right)
        return node

    return visit(root, 1)


def _key_of(src, page, cell, pgno):
    try:
        return [_short(v, 24) for v in decode_record(read_payload(src, page, cell, pgno,
                                                                  limit=1 << 20), src.encoding)]
    except (CorruptError, FormatError) as err:
        return f"<{err}>"


def wal_report(path: str) -> dict | None:
    """The WAL header and every frame, with what recovery makes of each."""
    wal = os.fspath(path) + "-wal"
    if not os.path.exists(wal):
        return None
    from formatspec.wal import scan_wal

    scan = scan_wal(wal)
    h = scan.header
    latest = scan.page_index()  # page -> newest committed frame: the one a reader uses

    def used(f) -> bool:
        return f.committed and latest.get(f.page_number) == f.index

    def why_not(f) -> str | None:
        if f.committed and not used(f):
            return (f"superseded by frame {latest.get(f.page_number)} (a later committed "
                    "copy of the same page)")
        return f.reason

    return {
        "path": wal,
        "size": scan.size,
        "header": h._asdict() if h else None,
        "header_valid": scan.header_valid,
        "header_problem": scan.header_problem,
        "frames": [
            {"index": f.index, "offset": f.offset, "page_number": f.page_number,
             "commit_size": f.commit_size, "salt_1": f.salt_1, "salt_2": f.salt_2,
             "salt_ok": f.salt_ok, "checksum_ok": f.checksum_ok, "committed": f.committed,
             "used": used(f), "reason": why_not(f)}
            for f in scan.frames
        ],
        "valid_frames": scan.valid_frames,
        "last_commit_frame": scan.mx_frame,
        "database_pages_after_commit": scan.n_page,
        "end_reason": scan.end_reason,
        "trailing_bytes": scan.trailing_bytes,
    }


def journal_report(path: str, page_size: int | None = None) -> dict | None:
    """The rollback journal header, every page record with its checksum, and hotness."""
    jpath = os.fspath(path) + "-journal"
    if not os.path.exists(jpath):
        return None
    from formatspec.journal import scan_journal

    with open(jpath, "rb") as f:
        data = f.read()
    try:
        scan = scan_journal(data, page_size)
    except FormatError as err:
        return {"path": jpath, "size": len(data), "error": str(err), "hot": False}
    return {
        "path": jpath,
        "size": scan.size,
        "looks_hot": scan.looks_hot,
        "header_valid": scan.header_valid,
        "hot": scan.hot_capable,
        "page_size": scan.page_size,
        "sector_size": scan.sector_size,
        "initial_db_size": scan.initial_db_size,
        "segments": [dict(vars(s)) if hasattr(s, "__dict__") else
                     {k: getattr(s, k) for k in s.__slots__} for s in scan.segments],
        "records": [{k: getattr(r, k) for k in r.__slots__} for r in scan.records],
        "pages_restored": scan.pages_restored,
        "stop_reason": scan.stop_reason,
        "super_journal": scan.super_journal._asdict() if scan.super_journal else None,
        "notes": list(scan.notes),
    }
