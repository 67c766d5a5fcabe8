"""B-tree pages: page header, cell pointer array, cells and freeblocks (fileformat2, "B-tree Pages").

A b-tree page starts at offset 0 of its page, except on page 1 where the 100-byte
database header comes first and the b-tree page header starts at offset 100.

B-tree page header (8 bytes on leaf pages, 12 on interior pages):

======  ====  ======================  =============================================================
offset  size  field                   meaning
======  ====  ======================  =============================================================
0       1     page_type               2 index interior, 5 table interior, 10 index leaf, 13 table
                                      leaf; every other value is refused
1       2     first_freeblock         offset of the first freeblock, 0 when there is none
3       2     cell_count              number of cells on the page
5       2     cell_content_start      offset where the cell content area begins; the raw value 0
                                      stands for 65536 (decoded here, written back as 0)
7       1     fragmented_free_bytes   total of the free fragments (gaps of 1..3 bytes) in the cell
                                      content area
8       4     right_child             interior pages only: the right-most child page
======  ====  ======================  =============================================================

Cell pointer array: right after the page header, ``cell_count`` 2-byte offsets (from the
start of the page) of the cells, in key order.

Freeblock (a chain of unused blocks inside the cell content area, in ascending order):

======  ====  ====================================================================
offset  size  meaning
======  ====  ====================================================================
0       2     offset of the next freeblock, 0 for the last one
2       2     size of this freeblock in bytes, these 4 bytes included
======  ====  ====================================================================

Cells (varints as in :mod:`formatspec.varint`; P = payload size):

===================  ==========================================================================
kind                 layout
===================  ==========================================================================
table leaf (13)      varint P, varint rowid (signed), the local part of the payload,
                     4-byte first overflow page when the payload spills
table interior (5)   4-byte left child page, varint rowid (signed)
index leaf (10)      varint P, the local part of the payload, 4-byte first overflow page
                     when the payload spills
index interior (2)   4-byte left child page, varint P, the local part of the payload,
                     4-byte first overflow page when the payload spills
===================  ==========================================================================

How much of P is local is :func:`formatspec.derived.local_payload_size` (the
"table leaf" formula only for table leaves). A cell must end inside the usable
area (the page minus the reserved bytes at its end).

Schemas (each a :class:`~formatspec._spec.Spec`): :data:`BTreePageHeader`,
:data:`CellPointerArray` (``parse(data, cell_count=N)``), :data:`Freeblock`,
:data:`TableLeafCell`, :data:`TableInteriorCell`, :data:`IndexLeafCell`,
:data:`IndexInteriorCell` (cells need ``usable_size=U`` in the context), and the
whole page :data:`BTreePage` (``parse(page, pgno=N, usable_size=U)``, ``build``
likewise). A parsed page keeps its raw image in ``raw`` so that ``build``
reproduces it byte for byte (unallocated space included); without ``raw``,
``build`` lays out a fresh page from the header fields and cells.

Fast twins (``struct`` and plain indexing, no construct): :func:`read_page_header`,
:func:`read_cell_pointers`, :func:`read_table_leaf_cell`,
:func:`read_table_interior_cell`, :func:`read_index_leaf_cell`,
:func:`read_index_interior_cell`, :func:`hdr_offset_for`, and the fused scans
:func:`table_leaf_cells` / :func:`iter_table_leaf_cells` (cells of a whole leaf
page in one loop) and :func:`table_leaf_rows` (cells and records: ``(rowid,
*values)`` per row, an :class:`OverflowCell` where the payload spills), with
its projected form :func:`table_leaf_rows_projected` (only the columns a
:class:`formatspec.record.RecordProjector` asks for are decoded). For checkers,
:func:`index_leaf_cells`, :func:`read_freeblocks`, and the columnar leaf scans
:func:`table_leaf_layout` / :func:`index_leaf_layout` (a :class:`LeafLayout` per
page: offsets, rowids, local payloads, where each cell ends, which cells spill). The
twins accept ``bytes`` (fastest), ``bytearray`` and ``memoryview``; payloads
they return are ``bytes``.

Parsing checks only what is needed to read the page safely: page type, cell
pointers inside ``[end of pointer array, usable size)``, cells ending inside the
usable area, a freeblock chain that strictly ascends (so a cycle is refused)
and stays inside the usable area. Overlaps between cells, and the free-space
accounting, are for checkers to judge.
"""

from __future__ import annotations

import io
import struct
from typing import NamedTuple

import construct as cs

from ._spec import Spec
from .derived import MAX_PAGE_SIZE, MIN_USABLE_SIZE, local_payload_size
from .errors import FormatError
from .record import SIGNED_VARINT_FIELD, VARINT_FIELD, record_decoder
from .varint import read_signed_varint, read_varint

INDEX_INTERIOR = 2
TABLE_INTERIOR = 5
INDEX_LEAF = 10
TABLE_LEAF = 13
PAGE_TYPES = (INDEX_INTERIOR, TABLE_INTERIOR, INDEX_LEAF, TABLE_LEAF)
PAGE_TYPE_NAMES = {
    INDEX_INTERIOR: "index-interior",
    TABLE_INTERIOR: "table-interior",
    INDEX_LEAF: "index-leaf",
    TABLE_LEAF: "table-leaf",
}
DATABASE_HEADER_SIZE = 100


def hdr_offset_for(pgno: int) -> int:
    """Offset of the b-tree page header inside page ``pgno`` (100 on page 1, else 0)."""
    return DATABASE_HEADER_SIZE if pgno == 1 else 0


def _page_of(context):
    return context._params.get("pgno")


def _usable_of(context) -> int:
    usable = context._params.get("usable_size")
    if usable is None:
        raise FormatError("usable_size is needed to split a payload", path="usable_size")
    if not isinstance(usable, int) or not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        raise FormatError(f"usable size {usable!r} out of range", path="usable_size")
    return usable


# --------------------------------------------------------------------------- page header


class _PageType(cs.Construct):
    """One byte, 2/5/10/13 only; the error names the offset (and page when known)."""

    def _parse(self, stream, context, path):
        pos = cs.stream_tell(stream, path)
        t = cs.stream_read(stream, 1, path)[0]
        if t not in PAGE_TYPES:
            raise FormatError(f"invalid b-tree page type {t}", offset=pos, path="page_type",
                              page=_page_of(context))
        return t

    def _build(self, obj, stream, context, path):
        if obj not in PAGE_TYPES:
            raise FormatError(f"invalid b-tree page type {obj!r}", path="page_type")
        cs.stream_write(stream, bytes((obj,)), 1, path)
        return obj

    def _sizeof(self, context, path):
        return 1


class _CellContentStart(cs.Adapter):
    """Raw 0 stands for 65536 (a 65536-byte page whose content area is empty)."""

    def _decode(self, obj, context, path):
        return obj or 65536

    def _encode(self, obj, context, path):
        if obj == 65536:
            return 0
        if obj == 0:
            raise cs.ValidationError("cell_content_start 0 is written as 65536", path=path)
        return obj


def _is_interior(context) -> bool:
    return context.page_type in (INDEX_INTERIOR, TABLE_INTERIOR)


_page_header_con = cs.Struct(
    "page_type" / _PageType(),
    "first_freeblock" / cs.Int16ub,
    "cell_count" / cs.Int16ub,
    "cell_content_start" / _CellContentStart(cs.Int16ub),
    "fragmented_free_bytes" / cs.Int8ub,
    "right_child" / cs.If(_is_interior, cs.Int32ub),
)
BTreePageHeader = Spec("b-tree page header", _page_header_con, __doc__)

_cell_pointers_con = cs.Array(lambda ctx: ctx._params.cell_count, cs.Int16ub)
CellPointerArray = Spec("cell pointer array", _cell_pointers_con, __doc__)

_freeblock_con = cs.Struct("next_freeblock" / cs.Int16ub, "size" / cs.Int16ub)
Freeblock = Spec("freeblock", _freeblock_con, __doc__)


# --------------------------------------------------------------------------- cells


def _local(context, table_leaf: bool) -> int:
    return local_payload_size(context.payload_size, _usable_of(context), table_leaf=table_leaf)


def _default_payload_size(context):
    return len(context.payload)


def _spills(table_leaf: bool):
    def spills(context) -> bool:
        return context.payload_size > _local(context, table_leaf)

    return spills


_table_leaf_con = cs.Struct(
    "payload_size" / cs.Default(VARINT_FIELD, _default_payload_size),
    "rowid" / SIGNED_VARINT_FIELD,
    "payload" / cs.Bytes(lambda ctx: _local(ctx, True)),
    "overflow_page" / cs.Default(cs.If(_spills(True), cs.Int32ub), None),
)
_table_interior_con = cs.Struct(
    "left_child" / cs.Int32ub,
    "rowid" / SIGNED_VARINT_FIELD,
)
_index_leaf_con = cs.Struct(
    "payload_size" / cs.Default(VARINT_FIELD, _default_payload_size),
    "payload" / cs.Bytes(lambda ctx: _local(ctx, False)),
    "overflow_page" / cs.Default(cs.If(_spills(False), cs.Int32ub), None),
)
_index_interior_con = cs.Struct(
    "left_child" / cs.Int32ub,
    "payload_size" / cs.Default(VARINT_FIELD, _default_payload_size),
    "payload" / cs.Bytes(lambda ctx: _local(ctx, False)),
    "overflow_page" / cs.Default(cs.If(_spills(False), cs.Int32ub), None),
)

TableLeafCell = Spec("table leaf cell", _table_leaf_con, __doc__)
TableInteriorCell = Spec("table interior cell", _table_interior_con, __doc__)
IndexLeafCell = Spec("index leaf cell", _index_leaf_con, __doc__)
IndexInteriorCell = Spec("index interior cell", _index_interior_con, __doc__)

CELL_SPECS = {
    TABLE_LEAF: TableLeafCell,
    TABLE_INTERIOR: TableInteriorCell,
    INDEX_LEAF: IndexLeafCell,
    INDEX_INTERIOR: IndexInteriorCell,
}


# --------------------------------------------------------------------------- whole page


def _wrap(err, what: str, offset: int, pgno) -> FormatError:
    if isinstance(err, FormatError):
        detail = err.message
        path = err.path
    else:
        detail = str(getattr(err, "message", None) or err.__class__.__name__).splitlines()[0]
        path = None
    return FormatError(f"{what}: {detail}", offset=offset, path=path, page=pgno)


_FIELDS = ("page_type", "first_freeblock", "cell_count", "cell_content_start",
           "fragmented_free_bytes", "right_child")


class _BTreePageCon(cs.Construct):
    """A whole b-tree page: header, cell pointers, cells, freeblock chain, raw image."""

    def _parse(self, stream, context, path):
        data = cs.stream_read_entire(stream, path)
        pgno = _page_of(context)
        usable = _usable_of(context)
        if usable > len(data):
            raise FormatError(f"page of {len(data)} bytes is shorter than the usable size {usable}",
                              offset=len(data), page=pgno)
        hdr = hdr_offset_for(pgno)
        page = io.BytesIO(data)
        page.seek(hdr)
        try:
            header = _page_header_con._parsereport(page, context, path)
        except (cs.ConstructError, FormatError) as err:
            raise _wrap(err, "b-tree page header", hdr, pgno) from None
        header_size = 12 if header.right_child is not None else 8
        ptr_start = hdr + header_size
        ptr_end = ptr_start + 2 * header.cell_count
        if ptr_end > usable:
            raise FormatError(f"cell pointer array of {header.cell_count} cells runs past the "
                              f"usable size {usable}", offset=ptr_start, page=pgno,
                              path="cell_pointers")
        page.seek(ptr_start)
        pointers = list(cs.Array(header.cell_count, cs.Int16ub)._parsereport(page, context, path))
        cell_con = CELL_SPECS[header.page_type].construct
        cells = cs.ListContainer()
        for i, off in enumerate(pointers):
            if off < ptr_end or off >= usable:
                raise FormatError(f"cell {i} pointer {off} outside the cell content area "
                                  f"[{ptr_end}, {usable})", offset=ptr_start + 2 * i, page=pgno,
                                  path=f"cell_pointers[{i}]")
            try:
                cells.append(cell_con._parsereport(io.BytesIO(data[off:usable]), context, path))
            except (cs.ConstructError, FormatError) as err:
                raise _wrap(err, f"cell {i}", off, pgno) from None
        freeblocks = []
        fb = header.first_freeblock
        prev = 0
        while fb:
            if fb <= prev:
                raise FormatError(f"freeblock chain goes backwards ({prev} -> {fb}): a cycle or "
                                  "an unsorted chain", offset=fb, page=pgno, path="freeblocks")
            if fb < ptr_end or fb + 4 > usable:
                raise FormatError(f"freeblock at {fb} outside the cell content area",
                                  offset=fb, page=pgno, path="freeblocks")
            block = _freeblock_con.parse(data[fb:fb + 4])
            if block.size < 4 or fb + block.size > usable:
                raise FormatError(f"freeblock at {fb} of size {block.size} does not fit the page",
                                  offset=fb, page=pgno, path="freeblocks")
            freeblocks.append((fb, block.size))
            prev = fb
            fb = block.next_freeblock
        out = cs.Container()
        for name in _FIELDS:
            out[name] = header[name]
        out.header_offset = hdr
        out.header_size = header_size
        out.cell_pointers = pointers
        out.cells = cells
        out.freeblocks = freeblocks
        out.raw = data
        return out

    def _build(self, obj, stream, context, path):
        pgno = _page_of(context)
        usable = _usable_of(context)
        raw = obj.get("raw")
        page_size = len(raw) if raw is not None else context._params.get("page_size", usable)
        if page_size < usable:
            raise FormatError(f"page size {page_size} below the usable size {usable}")
        img = bytearray(raw) if raw is not None else bytearray(page_size)
        hdr = hdr_offset_for(pgno)
        page_type = obj["page_type"]
        if page_type not in PAGE_TYPES:
            raise FormatError(f"invalid b-tree page type {page_type!r}", path="page_type",
                              page=pgno)
        interior = page_type in (INDEX_INTERIOR, TABLE_INTERIOR)
        header_size = 12 if interior else 8
        cells = list(obj.get("cells") or [])
        count = obj.get("cell_count")
        if count is not None and count != len(cells):
            raise FormatError(f"cell_count {count} but {len(cells)} cells", path="cell_count",
                              page=pgno)
        cell_con = CELL_SPECS[page_type].construct
        images = []
        for i, cell in enumerate(cells):
            try:
                images.append(cell_con.build(cell, usable_size=usable, pgno=pgno))
            except (cs.ConstructError, FormatError, KeyError, ValueError) as err:
                raise _wrap(err, f"cell {i}", None, pgno) from None
        ptr_start = hdr + header_size
        ptr_end = ptr_start + 2 * len(cells)
        pointers = obj.get("cell_pointers")
        if pointers is None:
            # lay the cells out from the end of the usable area downwards, cell 0 highest
            pointers = []
            top = usable
            for image in images:
                top -= len(image)
                pointers.append(top)
        pointers = list(pointers)
        if len(pointers) != len(cells):
            raise FormatError(f"{len(pointers)} cell pointers for {len(cells)} cells",
                              path="cell_pointers", page=pgno)
        for i, (off, image) in enumerate(zip(pointers, images)):
            if off < ptr_end or off + len(image) > usable:
                raise FormatError(f"cell {i} of {len(image)} bytes at {off} does not fit in "
                                  f"[{ptr_end}, {usable})", offset=off, page=pgno,
                                  path=f"cell_pointers[{i}]")
        freeblocks = list(obj.get("freeblocks") or [])
        first = obj.get("first_freeblock")
        if first is None:
            first = freeblocks[0][0] if freeblocks else 0
        content_start = obj.get("cell_content_start")
        if content_start is None:
            content_start = min(pointers + [fb for fb, _ in freeblocks], default=usable)
        header = {
            "page_type": page_type,
            "first_freeblock": first,
            "cell_count": len(cells),
            "cell_content_start": content_start,
            "fragmented_free_bytes": obj.get("fragmented_free_bytes") or 0,
            "right_child": obj.get("right_child") if interior else None,
        }
        if interior and header["right_child"] is None:
            raise FormatError("an interior page needs right_child", path="right_child", page=pgno)
        img[hdr:ptr_start] = _page_header_con.build(header)
        img[ptr_start:ptr_end] = struct.pack(f">{len(pointers)}H", *pointers)
        for off, image in zip(pointers, images):
            img[off:off + len(image)] = image
        for i, (off, size) in enumerate(freeblocks):
            if off < ptr_end or off + max(size, 4) > usable:
                raise FormatError(f"freeblock at {off} of size {size} does not fit the page",
                                  offset=off, page=pgno, path="freeblocks")
            nxt = freeblocks[i + 1][0] if i + 1 < len(freeblocks) else 0
            img[off:off + 4] = _freeblock_con.build({"next_freeblock": nxt, "size": size})
        cs.stream_write(stream, bytes(img), len(img), path)
        return obj

    def _sizeof(self, context, path):
        raise cs.SizeofError("a b-tree page has the size of the page", path=path)


BTreePage = Spec("b-tree page", _BTreePageCon(), __doc__)


# --------------------------------------------------------------------------- fast twins


class PageHeader(NamedTuple):
    """What :func:`read_page_header` returns (cell_content_start decoded, right_child 0 on leaves)."""

    page_type: int
    first_freeblock: int
    cell_count: int
    cell_content_start: int
    fragmented_free_bytes: int
    right_child: int
    header_size: int


_HEADER8 = struct.Struct(">BHHHB")
_U32 = struct.Struct(">I")
_unpack_header8 = _HEADER8.unpack_from
_unpack_u32 = _U32.unpack_from


def read_page_header(page, hdr_offset: int) -> PageHeader:
    """Fast twin of :data:`BTreePageHeader`, reading at ``page[hdr_offset:]``."""
    try:
        t, first, count, start, frag = _unpack_header8(page, hdr_offset)
    except struct.error:
        raise FormatError("b-tree page header runs past the end of the page",
                          offset=hdr_offset) from None
    if t == TABLE_LEAF or t == INDEX_LEAF:
        return PageHeader(t, first, count, start or 65536, frag, 0, 8)
    if t == TABLE_INTERIOR or t == INDEX_INTERIOR:
        try:
            right = _unpack_u32(page, hdr_offset + 8)[0]
        except struct.error:
            raise FormatError("b-tree page header runs past the end of the page",
                              offset=hdr_offset) from None
        return PageHeader(t, first, count, start or 65536, frag, right, 12)
    raise FormatError(f"invalid b-tree page type {t}", offset=hdr_offset, path="page_type")


_pointer_structs: dict[int, struct.Struct] = {}


def read_cell_pointers(page, hdr_offset: int, header_size: int, cell_count: int) -> tuple:
    """Fast twin of :data:`CellPointerArray`: the ``cell_count`` cell offsets, one unpack."""
    if not cell_count:
        return ()
    s = _pointer_structs.get(cell_count)
    if s is None:
        if not 0 <= cell_count <= 0xFFFF:
            raise FormatError(f"cell count {cell_count} out of range", offset=hdr_offset + 3)
        s = _pointer_structs[cell_count] = struct.Struct(f">{cell_count}H")
    try:
        return s.unpack_from(page, hdr_offset + header_size)
    except struct.error:
        raise FormatError(f"cell pointer array of {cell_count} cells runs past the end of the "
                          "page", offset=hdr_offset + header_size) from None


def _check_usable(usable: int) -> None:
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        raise FormatError(f"usable size {usable} out of range", path="usable_size")


def _past_usable(offset: int, end: int, usable: int, length: int) -> FormatError:
    if end > length:
        return FormatError(f"cell at {offset} runs past the end of the page ({length})",
                           offset=offset)
    return FormatError(f"cell at {offset} runs past the usable size {usable} (to {end})",
                       offset=offset)


def read_table_leaf_cell(page, offset: int, usable: int):
    """Fast twin of :data:`TableLeafCell`: ``(rowid, payload_size, local_payload, overflow_page)``.

    ``overflow_page`` is 0 when the payload is all local.
    """
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        _check_usable(usable)
    try:
        size = page[offset]
        if size < 0x80:
            pos = offset + 1
        else:
            size, pos = read_varint(page, offset)
        rowid = page[pos]
        if rowid < 0x80:
            pos += 1
        else:
            rowid, pos = read_signed_varint(page, pos)
    except (IndexError, FormatError):
        raise FormatError(f"cell at {offset} runs past the end of the page",
                          offset=offset) from None
    limit = len(page)
    if limit > usable:
        limit = usable
    if size <= usable - 35:
        end = pos + size
        if end > limit:
            raise _past_usable(offset, end, usable, len(page))
        local = page[pos:end]
        return rowid, size, local if type(local) is bytes else bytes(local), 0
    local_size = local_payload_size(size, usable, table_leaf=True)
    end = pos + local_size
    if end + 4 > limit:
        raise _past_usable(offset, end + 4, usable, len(page))
    local = page[pos:end]
    return (rowid, size, local if type(local) is bytes else bytes(local),
            _unpack_u32(page, end)[0])


def read_table_interior_cell(page, offset: int):
    """Fast twin of :data:`TableInteriorCell`: ``(left_child, rowid)``."""
    try:
        left = _unpack_u32(page, offset)[0]
        rowid, _ = read_signed_varint(page, offset + 4)
    except (struct.error, FormatError):
        raise FormatError(f"table interior cell at {offset} runs past the end of the page",
                          offset=offset) from None
    return left, rowid


def _index_payload(page, offset: int, pos: int, usable: int):
    """Shared tail of the index cells: ``(payload_size, local_payload, overflow_page)``."""
    try:
        size = page[pos]
        if size < 0x80:
            pos += 1
        else:
            size, pos = read_varint(page, pos)
    except (IndexError, FormatError):
        raise FormatError(f"cell at {offset} runs past the end of the page",
                          offset=offset) from None
    limit = len(page)
    if limit > usable:
        limit = usable
    local_size = local_payload_size(size, usable, table_leaf=False)
    end = pos + local_size
    if local_size == size:
        if end > limit:
            raise _past_usable(offset, end, usable, len(page))
        local = page[pos:end]
        return size, local if type(local) is bytes else bytes(local), 0
    if end + 4 > limit:
        raise _past_usable(offset, end + 4, usable, len(page))
    local = page[pos:end]
    return size, local if type(local) is bytes else bytes(local), _unpack_u32(page, end)[0]


def read_index_leaf_cell(page, offset: int, usable: int):
    """Fast twin of :data:`IndexLeafCell`: ``(payload_size, local_payload, overflow_page)``."""
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        _check_usable(usable)
    return _index_payload(page, offset, offset, usable)


def read_index_interior_cell(page, offset: int, usable: int):
    """Fast twin of :data:`IndexInteriorCell`: ``(left_child, payload_size, local, overflow)``."""
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        _check_usable(usable)
    if offset + 4 > min(len(page), usable):
        raise FormatError(f"index interior cell at {offset} runs past the end of the page",
                          offset=offset)
    left = _unpack_u32(page, offset)[0]
    return (left, *_index_payload(page, offset, offset + 4, usable))


def table_leaf_cells(page, hdr_offset: int, usable: int) -> list:
    """All cells of a table leaf page as ``(rowid, payload_size, local, overflow_page)``.

    The fused full-scan path: header, pointer array and every cell decoded in one
    loop, with the common case (one-byte payload size, short rowid, no overflow)
    handled inline. Same checks and errors as :func:`read_table_leaf_cell`.
    """
    if type(page) is not bytes:
        page = bytes(page)
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        _check_usable(usable)
    header = read_page_header(page, hdr_offset)
    if header.page_type != TABLE_LEAF:
        raise FormatError(f"page type {header.page_type} is not a table leaf", offset=hdr_offset,
                          path="page_type")
    pointers = read_cell_pointers(page, hdr_offset, 8, header.cell_count)
    limit = min(len(page), usable)
    max_local = usable - 35
    out = []
    append = out.append
    for offset in pointers:
        try:
            size = page[offset]
            if size < 0x80:
                pos = offset + 1
            else:
                size, pos = read_varint(page, offset)
            rowid = page[pos]
            if rowid < 0x80:
                pos += 1
            else:
                b1 = page[pos + 1]
                if b1 < 0x80:
                    rowid = ((rowid & 0x7F) << 7) | b1
                    pos += 2
                else:
                    b2 = page[pos + 2]
                    if b2 < 0x80:
                        rowid = ((rowid & 0x7F) << 14) | ((b1 & 0x7F) << 7) | b2
                        pos += 3
                    else:
                        rowid, pos = read_signed_varint(page, pos)
        except (IndexError, FormatError):
            raise FormatError(f"cell at {offset} runs past the end of the page",
                              offset=offset) from None
        if size <= max_local:
            end = pos + size
            if end > limit:
                raise _past_usable(offset, end, usable, len(page))
            append((rowid, size, page[pos:end], 0))
        else:
            local_size = local_payload_size(size, usable, table_leaf=True)
            end = pos + local_size
            if end + 4 > limit:
                raise _past_usable(offset, end + 4, usable, len(page))
            append((rowid, size, page[pos:end], _unpack_u32(page, end)[0]))
    return out


def iter_table_leaf_cells(page, hdr_offset: int, usable: int):
    """Iterator over :func:`table_leaf_cells` (the page is fully checked before the first item)."""
    return iter(table_leaf_cells(page, hdr_offset, usable))


class OverflowCell(NamedTuple):
    """A table leaf cell whose payload spills: what :func:`table_leaf_rows` leaves to the caller."""

    rowid: int
    payload_size: int
    local_payload: bytes
    overflow_page: int


def _table_leaf_rows_checked(page, pointers, usable: int, get, remember, finish,
                             encoding: str, rows: list, spilled: list) -> None:
    """The checked loop of the table-leaf scans: each cell at ``pointers`` read as
    :func:`read_table_leaf_cell` reads it, its record through the decoder's planned rows
    (``get``/``remember``, see :func:`formatspec.record.record_decoder`) or else
    ``finish(payload, rowid)``; rows appended to ``rows``, the indexes of cells that run onto
    overflow pages to ``spilled``."""
    limit = min(len(page), usable)
    max_local = usable - 35
    append = rows.append
    for offset in pointers:
        try:
            size = page[offset]
            if size < 0x80:
                pos = offset + 1
            else:
                size, pos = read_varint(page, offset)
            rowid = page[pos]
            if rowid < 0x80:
                pos += 1
            else:
                b1 = page[pos + 1]
                if b1 < 0x80:
                    rowid = ((rowid & 0x7F) << 7) | b1
                    pos += 2
                else:
                    b2 = page[pos + 2]
                    if b2 < 0x80:
                        rowid = ((rowid & 0x7F) << 14) | ((b1 & 0x7F) << 7) | b2
                        pos += 3
                    else:
                        rowid, pos = read_signed_varint(page, pos)
        except (IndexError, FormatError):
            raise FormatError(f"cell at {offset} runs past the end of the page",
                              offset=offset) from None
        if size <= max_local:
            end = pos + size
            if end > limit:
                raise _past_usable(offset, end, usable, len(page))
            entry = None
            if size:
                hs = page[pos]
                if hs >= 0x80:
                    try:
                        hs = read_varint(page, pos)[0]
                    except FormatError:
                        hs = 0
                entry = get(page[pos:pos + hs])
                if entry is not None and entry[1] == size:
                    try:
                        append(entry[0](page, pos, rowid))
                    except UnicodeDecodeError as err:
                        raise FormatError(f"record in cell at {offset}: text is not valid "
                                          f"{encoding}: {err}", offset=pos) from None
                    continue
            payload = page[pos:end]
            try:
                if size and entry is None:
                    entry = remember(payload[:hs], payload)
                    if entry is not None:
                        append(entry[0](page, pos, rowid))
                        continue
                append(finish(payload, rowid))
            except UnicodeDecodeError as err:
                raise FormatError(f"record in cell at {offset}: text is not valid "
                                  f"{encoding}: {err}", offset=pos) from None
            except FormatError as err:
                raise FormatError(f"record in cell at {offset}: {err.message}",
                                  offset=pos + (err.offset or 0), path=err.path) from None
        else:
            local_size = local_payload_size(size, usable, table_leaf=True)
            end = pos + local_size
            if end + 4 > limit:
                raise _past_usable(offset, end + 4, usable, len(page))
            spilled.append(len(rows))
            append(OverflowCell(rowid, size, page[pos:end], _unpack_u32(page, end)[0]))


def table_leaf_rows(page, hdr_offset: int, usable: int, encoding: str = "utf-8",
                    text_errors: str = "replace"):
    """Fused full-scan path: every row of a table leaf page, records decoded.

    Returns ``(rows, spilled)``. ``rows[i]`` is ``(rowid, *values)`` for the
    i-th cell (the values as :func:`formatspec.record.decode_record` gives
    them), except at the indexes listed in ``spilled``, where the payload runs
    onto overflow pages and ``rows[i]`` is an :class:`OverflowCell` for the
    caller to assemble and decode. Cells are checked as by
    :func:`read_table_leaf_cell`; a malformed record raises FormatError whose
    offset is in the page.
    """
    if type(page) is not bytes:
        page = bytes(page)
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        _check_usable(usable)
    header = read_page_header(page, hdr_offset)
    if header.page_type != TABLE_LEAF:
        raise FormatError(f"page type {header.page_type} is not a table leaf", offset=hdr_offset,
                          path="page_type")
    pointers = read_cell_pointers(page, hdr_offset, 8, header.cell_count)
    decode = record_decoder(encoding, text_errors)
    rows = []
    spilled = []
    _table_leaf_rows_checked(page, pointers, usable, decode.row_cache.get, decode.remember_row,
                             lambda payload, rowid: (rowid, *decode(payload)), encoding,
                             rows, spilled)
    return rows, spilled


def table_leaf_rows_projected(page, hdr_offset: int, usable: int, projector):
    """:func:`table_leaf_rows` through a :class:`formatspec.record.RecordProjector`.

    Returns ``(rows, spilled)`` as :func:`table_leaf_rows` does, except that
    ``rows[i]`` is ``projector``'s output for the cell's record and rowid
    (only the projected columns are decoded). Spilled cells are left to the
    caller as :class:`OverflowCell`, to assemble and give to
    ``projector.project(payload, rowid)``. Same checks and errors as
    :func:`table_leaf_rows`.
    """
    if type(page) is not bytes:
        page = bytes(page)
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        _check_usable(usable)
    header = read_page_header(page, hdr_offset)
    if header.page_type != TABLE_LEAF:
        raise FormatError(f"page type {header.page_type} is not a table leaf", offset=hdr_offset,
                          path="page_type")
    pointers = read_cell_pointers(page, hdr_offset, 8, header.cell_count)
    get = projector.row_cache.get
    row_entry = projector.row_entry
    encoding = projector.encoding
    limit = min(len(page), usable)
    rows = []
    append = rows.append
    spilled = []
    project_rest = projector.project
    for offset in pointers:
        # fast path: a one-byte payload size (so no overflow), a short rowid, a header
        # already planned; anything else (and every error) goes the checked way below
        entry = None
        try:
            size = page[offset]
            if 0 < size < 0x80:
                pos = offset + 1
                rowid = page[pos]
                if rowid < 0x80:
                    pos += 1
                else:
                    b1 = page[pos + 1]
                    if b1 < 0x80:
                        rowid = ((rowid & 0x7F) << 7) | b1
                        pos += 2
                    else:
                        b2 = page[pos + 2]
                        if b2 < 0x80:
                            rowid = ((rowid & 0x7F) << 14) | ((b1 & 0x7F) << 7) | b2
                            pos += 3
                        else:
                            rowid, pos = read_signed_varint(page, pos)
                entry = get(page[pos:pos + page[pos]])
        except (IndexError, FormatError):
            pass
        if entry is not None and entry[1] == size and pos + size <= limit:
            try:
                append(entry[0](page, pos, rowid))
            except UnicodeDecodeError as err:
                raise FormatError(f"record in cell at {offset}: text is not valid "
                                  f"{encoding}: {err}", offset=pos) from None
            continue
        _table_leaf_rows_checked(page, (offset,), usable, get, row_entry,
                                 project_rest, encoding, rows, spilled)
    return rows, spilled


# --------------------------------------------------------------------------- checker twins


def read_freeblocks(page, first_freeblock: int, usable: int, start: int = 0) -> tuple:
    """Fast twin of the freeblock chain of :data:`BTreePage`: ``((offset, size), ...)``.

    Follows the chain from ``first_freeblock`` (0: no freeblock) with the
    schema's rules: offsets strictly ascending (so a cycle is refused), each
    block at or after ``start`` (the end of the cell pointer array) with its
    4-byte head inside the usable area, a size of at least 4 that ends inside
    the usable area. Anything else is a :class:`FormatError` at the block.
    """
    out = []
    fb = first_freeblock
    prev = 0
    limit = usable - 4
    while fb:
        if fb <= prev:
            raise FormatError(f"freeblock chain goes backwards ({prev} -> {fb}): a cycle or "
                              "an unsorted chain", offset=fb, path="freeblocks")
        if fb < start or fb > limit:
            raise FormatError(f"freeblock at {fb} outside the cell content area", offset=fb,
                              path="freeblocks")
        try:
            nxt, size = _unpack_freeblock(page, fb)
        except struct.error:
            raise FormatError(f"freeblock at {fb} runs past the end of the page",
                              offset=fb, path="freeblocks") from None
        if size < 4 or fb + size > usable:
            raise FormatError(f"freeblock at {fb} of size {size} does not fit the page",
                              offset=fb, path="freeblocks")
        out.append((fb, size))
        prev = fb
        fb = nxt
    return tuple(out)


_unpack_freeblock = struct.Struct(">HH").unpack_from


def index_leaf_cells(page, hdr_offset: int, usable: int) -> list:
    """All cells of an index leaf page as ``(payload_size, local, overflow_page)``.

    One call per page: header (:func:`read_page_header`, type 10 only), pointer
    array and every cell as :func:`read_index_leaf_cell` reads it (same checks,
    same errors), with one-byte payload sizes that stay local handled inline.
    """
    if type(page) is not bytes:
        page = bytes(page)
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        _check_usable(usable)
    header = read_page_header(page, hdr_offset)
    if header.page_type != INDEX_LEAF:
        raise FormatError(f"page type {header.page_type} is not an index leaf",
                          offset=hdr_offset, path="page_type")
    pointers = read_cell_pointers(page, hdr_offset, 8, header.cell_count)
    limit = min(len(page), usable)
    # payloads up to this size are always all local (max_local of an index page >= 1 byte
    # varint range whenever the usable size is at least 480)
    small = min(0x7F, local_payload_size(0x7F, usable, table_leaf=False))
    out = []
    append = out.append
    payload = _index_payload
    for offset in pointers:
        try:
            size = page[offset]
        except IndexError:
            raise FormatError(f"cell at {offset} runs past the end of the page",
                              offset=offset) from None
        if size <= small:
            end = offset + 1 + size
            if end > limit:
                raise _past_usable(offset, end, usable, len(page))
            append((size, page[offset + 1:end], 0))
        else:
            append(payload(page, offset, offset, usable))
    return out


class LeafLayout(NamedTuple):
    """What :func:`table_leaf_layout` and :func:`index_leaf_layout` return: a leaf page's
    cells as parallel columns, in cell-pointer (key) order.

    ``pointers``: each cell's offset; ``keys``: each cell's rowid (table leaves; None on
    index leaves); ``locals``: the payload bytes stored on the page; ``ends``: the offset
    just past each cell's last byte (varints counted as stored, so a cell spans
    ``[pointers[i], ends[i])``); ``spills``: ``(i, payload_size, first_overflow_page)`` for
    each cell ``i`` whose payload runs onto overflow pages (the others are all local);
    ``rows``: with a projector (:func:`table_leaf_layout`), ``rows[i]`` is
    ``projector.project(locals[i], keys[i])`` for each local cell and None for a
    spilled one; None without a projector.
    """

    pointers: tuple
    keys: list | None
    locals: list
    ends: list
    spills: list
    rows: list | None = None


def table_leaf_layout(page, hdr_offset: int, usable: int, projector=None) -> LeafLayout:
    """Fast twin of a table leaf page for checkers: header, pointers and every cell in one call.

    The cells as :data:`TableLeafCell` reads them (same checks and errors as
    :func:`table_leaf_cells`), in columns (:class:`LeafLayout`), with where each cell
    ends. Only a type-13 header is accepted. With a
    :class:`formatspec.record.RecordProjector` (without filters), the record of
    each local cell is projected too (``rows``), straight from the page; a
    malformed record raises FormatError as ``projector.project`` does.
    """
    if type(page) is not bytes:
        page = bytes(page)
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        _check_usable(usable)
    header = read_page_header(page, hdr_offset)
    if header.page_type != TABLE_LEAF:
        raise FormatError(f"page type {header.page_type} is not a table leaf", offset=hdr_offset,
                          path="page_type")
    pointers = read_cell_pointers(page, hdr_offset, 8, header.cell_count)
    limit = min(len(page), usable)
    max_local = usable - 35
    keys = []
    add_key = keys.append
    local_parts = []
    add_local = local_parts.append
    ends = []
    add_end = ends.append
    spills = []
    rows = None
    if projector is not None:
        rows = []
        add_row = rows.append
        get = projector.row_cache.get
        project = projector.project
    for offset in pointers:
        try:  # varints of up to 2 (payload size) and 3 bytes (rowid) read inline
            size = page[offset]
            if size < 0x80:
                pos = offset + 1
            else:
                b1 = page[offset + 1]
                if b1 < 0x80:
                    size = ((size & 0x7F) << 7) | b1
                    pos = offset + 2
                else:
                    size, pos = read_varint(page, offset)
            rowid = page[pos]
            if rowid < 0x80:
                pos += 1
            else:
                b1 = page[pos + 1]
                if b1 < 0x80:
                    rowid = ((rowid & 0x7F) << 7) | b1
                    pos += 2
                else:
                    b2 = page[pos + 2]
                    if b2 < 0x80:
                        rowid = ((rowid & 0x7F) << 14) | ((b1 & 0x7F) << 7) | b2
                        pos += 3
                    else:
                        rowid, pos = read_signed_varint(page, pos)
        except (IndexError, FormatError):
            raise FormatError(f"cell at {offset} runs past the end of the page",
                              offset=offset) from None
        if size <= max_local:
            end = pos + size
            if end > limit:
                raise _past_usable(offset, end, usable, len(page))
            local = page[pos:end]
            add_local(local)
            if rows is not None:
                # projector.project(local, rowid), its cache looked up here (one-byte
                # record header size); everything else through project itself
                hs = page[pos] if size else 0x80
                entry = get(local[:hs]) if hs < 0x80 else None
                if entry is not None and entry[1] == size:
                    try:
                        add_row(entry[0](page, pos, rowid))
                    except UnicodeDecodeError as err:
                        raise FormatError(f"record in cell at {offset}: text is not valid "
                                          f"{projector.encoding}: {err}", offset=pos) from None
                else:
                    add_row(project(local, rowid))
        else:
            end = pos + local_payload_size(size, usable, table_leaf=True)
            if end + 4 > limit:
                raise _past_usable(offset, end + 4, usable, len(page))
            spills.append((len(local_parts), size, _unpack_u32(page, end)[0]))
            add_local(page[pos:end])
            if rows is not None:
                add_row(None)
            end += 4
        add_key(rowid)
        add_end(end)
    return LeafLayout(pointers, keys, local_parts, ends, spills, rows)


def index_leaf_layout(page, hdr_offset: int, usable: int, decode=None) -> LeafLayout:
    """Fast twin of an index leaf page for checkers: header, pointers and every cell in one call.

    The cells as :data:`IndexLeafCell` reads them (same checks and errors as
    :func:`index_leaf_cells`), in columns (:class:`LeafLayout`, ``keys`` None), with
    where each cell ends. Only a type-10 header is accepted. With a record decoder
    (:func:`formatspec.record.record_decoder`), ``rows[i]`` is ``decode(locals[i])``
    for each local cell (None for a spilled one); a malformed record raises
    FormatError as ``decode`` does.
    """
    if type(page) is not bytes:
        page = bytes(page)
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        _check_usable(usable)
    header = read_page_header(page, hdr_offset)
    if header.page_type != INDEX_LEAF:
        raise FormatError(f"page type {header.page_type} is not an index leaf",
                          offset=hdr_offset, path="page_type")
    pointers = read_cell_pointers(page, hdr_offset, 8, header.cell_count)
    limit = min(len(page), usable)
    # one-byte payload sizes up to this stay local (see index_leaf_cells)
    small = min(0x7F, local_payload_size(0x7F, usable, table_leaf=False))
    local_parts = []
    add_local = local_parts.append
    ends = []
    add_end = ends.append
    spills = []
    rows = None
    if decode is not None:
        rows = []
        add_row = rows.append
        get = decode.cache.get  # record header bytes -> the decoder of such records
    for offset in pointers:
        try:
            size = page[offset]
        except IndexError:
            raise FormatError(f"cell at {offset} runs past the end of the page",
                              offset=offset) from None
        if size <= small:
            end = offset + 1 + size
            if end > limit:
                raise _past_usable(offset, end, usable, len(page))
            local = page[offset + 1:end]
        else:
            try:
                size, pos = read_varint(page, offset)
            except FormatError:
                raise FormatError(f"cell at {offset} runs past the end of the page",
                                  offset=offset) from None
            local_size = local_payload_size(size, usable, table_leaf=False)
            end = pos + local_size
            if local_size != size:
                if end + 4 > limit:
                    raise _past_usable(offset, end + 4, usable, len(page))
                spills.append((len(local_parts), size, _unpack_u32(page, end)[0]))
                add_local(page[pos:end])
                add_end(end + 4)
                if rows is not None:
                    add_row(None)
                continue
            if end > limit:
                raise _past_usable(offset, end, usable, len(page))
            local = page[pos:end]
        add_local(local)
        add_end(end)
        if rows is not None:
            # decode(local) with its cache looked up here (one-byte record header size);
            # anything else, and every failure, through decode itself
            fn = get(local[:local[0]]) if size and local[0] < 0x80 else None
            if fn is not None:
                try:
                    add_row(fn(local))
                    continue
                except (struct.error, UnicodeDecodeError):
                    pass
            add_row(decode(local))
    return LeafLayout(pointers, None, local_parts, ends, spills, rows)


class InteriorLayout(NamedTuple):
    """What :func:`interior_layout` returns: an interior page's cells as parallel columns,
    in cell-pointer (key) order.

    ``pointers``: each cell's offset; ``children``: each cell's left child page;
    ``keys``: each cell's rowid (table interior pages; None on index interior pages);
    ``locals``: each cell's payload bytes stored on the page (index interior pages; None
    on table interior pages); ``ends``: the offset just past each cell's last byte
    (varints counted as stored); ``spills``: ``(i, payload_size, first_overflow_page)``
    for each cell ``i`` whose payload runs onto overflow pages; ``right_child``: the
    header's right-most child.
    """

    pointers: tuple
    children: list
    keys: list | None
    locals: list | None
    ends: list
    spills: list
    right_child: int


def interior_layout(page, hdr_offset: int, usable: int) -> InteriorLayout:
    """Fast twin of an interior page (type 5 or 2) for checkers: every cell in one call.

    Cells as :data:`TableInteriorCell` / :data:`IndexInteriorCell` read them, with the
    checks of :func:`read_table_interior_cell` / :func:`read_index_interior_cell` (a
    table interior cell only has to fit in the page: it holds no payload), in columns
    (:class:`InteriorLayout`), with where each cell ends. Leaf headers are refused.
    """
    if type(page) is not bytes:
        page = bytes(page)
    if not MIN_USABLE_SIZE <= usable <= MAX_PAGE_SIZE:
        _check_usable(usable)
    header = read_page_header(page, hdr_offset)
    page_type = header.page_type
    if page_type != TABLE_INTERIOR and page_type != INDEX_INTERIOR:
        raise FormatError(f"page type {page_type} is not an interior page", offset=hdr_offset,
                          path="page_type")
    pointers = read_cell_pointers(page, hdr_offset, 12, header.cell_count)
    children = []
    add_child = children.append
    ends = []
    add_end = ends.append
    spills = []
    if page_type == TABLE_INTERIOR:
        keys = []
        add_key = keys.append
        for offset in pointers:
            try:
                add_child(_unpack_u32(page, offset)[0])
                pos = offset + 4
                rowid = page[pos]
                if rowid < 0x80:
                    pos += 1
                else:
                    rowid, pos = read_signed_varint(page, pos)
            except (struct.error, IndexError, FormatError):
                raise FormatError(f"table interior cell at {offset} runs past the end of the "
                                  "page", offset=offset) from None
            add_key(rowid)
            add_end(pos)
        return InteriorLayout(pointers, children, keys, None, ends, spills, header.right_child)
    limit = min(len(page), usable)
    local_parts = []
    add_local = local_parts.append
    for offset in pointers:
        if offset + 4 > limit:
            raise FormatError(f"index interior cell at {offset} runs past the end of the page",
                              offset=offset)
        add_child(_unpack_u32(page, offset)[0])
        try:
            size, pos = read_varint(page, offset + 4)
        except FormatError:
            raise FormatError(f"cell at {offset} runs past the end of the page",
                              offset=offset) from None
        local_size = local_payload_size(size, usable, table_leaf=False)
        end = pos + local_size
        if local_size == size:
            if end > limit:
                raise _past_usable(offset, end, usable, len(page))
            add_local(page[pos:end])
            add_end(end)
        else:
            if end + 4 > limit:
                raise _past_usable(offset, end + 4, usable, len(page))
            spills.append((len(local_parts), size, _unpack_u32(page, end)[0]))
            add_local(page[pos:end])
            add_end(end + 4)
    return InteriorLayout(pointers, children, None, local_parts, ends, spills,
                          header.right_child)
