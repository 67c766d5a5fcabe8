"""Structure-aware mutation of whole database images (and their -wal / -journal).

A byte-level mutator rarely gets past the checks at the top of a reader: a
random flip in a 40 KB image mostly lands in record content, and one in the
header mostly makes the file unreadable. This mutator instead finds the
fields of the format with :mod:`formatspec`'s readers and changes one of
them to a value chosen to probe a check:

* database header (fileformat2 1.3): page size, reserved bytes, payload
  fractions, change counter, in-header database size, first freelist trunk,
  freelist count, schema cookie and format, largest root page, text encoding,
  incremental-vacuum flag, version-valid-for;
* b-tree pages (fileformat2 1.6, found with ``read_page_header`` and
  ``read_cell_pointers``): page type (to another legal type or not), first
  freeblock, cell count, cell content start, fragmented bytes, right-most
  child; one cell pointer (onto another cell, the header, past the usable
  end); a cell's left child pointer, its overflow page pointer, its payload
  size varint (re-encoded longer or to another value with
  :func:`formatspec.encode_varint`), a serial type varint of its record
  header;
* freelist trunks (1.5): next trunk, leaf count, a leaf page number;
* pointer-map pages (1.7): an entry's type or parent;
* overflow pages (1.6): the next-page pointer;
* whole pages: copy one page over another, truncate or extend the image.

Page numbers are drawn from values that matter: 0, the page itself, its
parent, 1, the last page, one past it, 2**31 and 2**32-1. With ``-wal`` and
``-journal`` images beside the database (the ``pack_pair`` inputs of
:mod:`fuzz.harnesses`), the log is decoded (:func:`formatspec.scan_wal`,
:func:`formatspec.scan_journal`) into page records, one record is changed
(page number, commit size, dropped, duplicated, its page mutated as above)
and the log is rebuilt with valid checksums (:func:`formatspec.build_wal`,
:func:`formatspec.journal.build_journal_record`), so that recovery goes on
past the checksum tests; some mutations leave the checksums stale on purpose.

A share of calls hand the input to a byte-level mutator (libFuzzer's,
through ``atheris.Mutate``, when running under atheris; a small pure-Python
one otherwise, so this module imports and is tested without atheris).
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable

import formatspec as fs
from formatspec import FormatError
from formatspec import btree as fb
from formatspec.journal import build_journal_header, build_journal_record
from fuzz.harnesses import pack_pair, unpack_pair

# fileformat2 1.3, the database header: (offset, size) of each field the mutator changes
HEADER_FIELDS = {
    "page_size": (16, 2),
    "write_version": (18, 1),
    "read_version": (19, 1),
    "reserved_space": (20, 1),
    "max_payload_fraction": (21, 1),
    "min_payload_fraction": (22, 1),
    "leaf_payload_fraction": (23, 1),
    "file_change_counter": (24, 4),
    "database_size": (28, 4),
    "first_freelist_trunk_page": (32, 4),
    "freelist_count": (36, 4),
    "schema_cookie": (40, 4),
    "schema_format": (44, 4),
    "largest_root_page": (52, 4),
    "text_encoding": (56, 4),
    "incremental_vacuum": (64, 4),
    "version_valid_for": (92, 4),
}
_BTREE_TYPES = (fb.TABLE_INTERIOR, fb.TABLE_LEAF, fb.INDEX_INTERIOR, fb.INDEX_LEAF)
_PAGE_SIZES = (512, 1024, 2048, 4096, 8192, 16384, 32768, 65536)
_PTRMAP_TYPES = (1, 2, 3, 4, 5)


def _put(buf: bytearray, offset: int, size: int, value: int) -> None:
    if 0 <= offset and offset + size <= len(buf):
        buf[offset:offset + size] = (value % (1 << (8 * size))).to_bytes(size, "big")


class _Image:
    """A database image split into pages, with the header's page size."""

    def __init__(self, data: bytes) -> None:
        self.buf = bytearray(data)
        h = fs.read_database_header(bytes(data[:100]))
        self.page_size = h.page_size
        self.usable = fs.usable_size(h.page_size, h.reserved_space)
        self.encoding = h.text_encoding
        self.page_count = max(1, len(data) // self.page_size)

    def page(self, pgno: int) -> bytearray:
        start = (pgno - 1) * self.page_size
        return self.buf[start:start + self.page_size]

    def offset(self, pgno: int) -> int:
        return (pgno - 1) * self.page_size

    def btree_pages(self) -> list[int]:
        out = []
        for pgno in range(1, self.page_count + 1):
            if self.buf[self.offset(pgno) + fb.hdr_offset_for(pgno):][:1] in (
                    b"\x02", b"\x05", b"\x0a", b"\x0d"):
                out.append(pgno)
        return out


def _page_number(rng: random.Random, img: _Image, here: int) -> int:
    return rng.choice((0, 1, here, here - 1, img.page_count, img.page_count + 1,
                       rng.randint(1, img.page_count), 1 << 31, 0xFFFFFFFF, 0xFFFF))


def _interesting(rng: random.Random, current: int, size: int, img: _Image) -> int:
    top = (1 << (8 * size)) - 1
    return rng.choice((0, 1, 2, top, top >> 1, (top >> 1) + 1, current + 1, current - 1,
                       current ^ (1 << rng.randrange(8 * size)), rng.randint(0, top),
                       img.page_count, img.page_count + 1, img.page_size, img.usable))


# ---------------------------------------------------------------------------- field mutations


def _mutate_header(rng: random.Random, img: _Image) -> None:
    name = rng.choice(list(HEADER_FIELDS))
    offset, size = HEADER_FIELDS[name]
    current = int.from_bytes(img.buf[offset:offset + size], "big")
    if name == "page_size":
        value = rng.choice((1, 0, 256, 384, 0xFFFF, *[p & 0xFFFF for p in _PAGE_SIZES]))
    elif name == "text_encoding":
        value = rng.choice((0, 1, 2, 3, 4, 0xFFFFFFFF))
    elif name in ("first_freelist_trunk_page", "largest_root_page", "database_size"):
        value = _page_number(rng, img, current)
    else:
        value = _interesting(rng, current, size, img)
    _put(img.buf, offset, size, value)


def _mutate_btree(rng: random.Random, img: _Image, pgno: int) -> None:
    base = img.offset(pgno)
    page = bytes(img.page(pgno))
    hdr = fb.hdr_offset_for(pgno)
    try:
        h = fb.read_page_header(page, hdr)
        pointers = fb.read_cell_pointers(page, hdr, h.header_size, h.cell_count)
    except FormatError:
        pointers, h = (), None
    choices = ["type", "freeblock", "count", "content", "frag"]
    if h is not None and h.header_size == 12:
        choices.append("right")
    if pointers:
        choices += ["pointer", "pointer", "cell", "cell", "cell"]
    what = rng.choice(choices)
    at = base + hdr
    if what == "type":
        _put(img.buf, at, 1, rng.choice((*_BTREE_TYPES, 0, 1, 0xFF, rng.randrange(256))))
    elif what == "freeblock":
        _put(img.buf, at + 1, 2, rng.choice((0, 1, hdr + 8, img.usable - 4, img.usable,
                                             0xFFFF, rng.randrange(img.usable))))
    elif what == "count":
        n = h.cell_count if h else 0
        _put(img.buf, at + 3, 2, rng.choice((0, n + 1, n - 1, 0xFFFF, img.usable // 2)))
    elif what == "content":
        _put(img.buf, at + 5, 2, rng.choice((0, 1, hdr, img.usable, img.usable + 1,
                                             rng.randrange(img.page_size))))
    elif what == "frag":
        _put(img.buf, at + 7, 1, rng.choice((0, 1, 60, 61, 255)))
    elif what == "right":
        _put(img.buf, at + 8, 4, _page_number(rng, img, pgno))
    elif what == "pointer":
        i = rng.randrange(len(pointers))
        _put(img.buf, base + hdr + h.header_size + 2 * i, 2,
             rng.choice((0, hdr, rng.choice(pointers), img.usable - 1, img.usable,
                         img.page_size, pointers[i] + 1, pointers[i] - 1)))
    else:
        _mutate_cell(rng, img, pgno, page, h, rng.choice(pointers))


def _mutate_cell(rng, img: _Image, pgno: int, page: bytes, h, offset: int) -> None:
    base = img.offset(pgno)
    try:
        if h.page_type == fb.TABLE_INTERIOR:
            fb.read_table_interior_cell(page, offset)
            _put(img.buf, base + offset, 4, _page_number(rng, img, pgno))
            return
        if h.page_type == fb.TABLE_LEAF:
            _rowid, size, local, overflow = fb.read_table_leaf_cell(page, offset, img.usable)
            start = offset
        elif h.page_type == fb.INDEX_LEAF:
            size, local, overflow = fb.read_index_leaf_cell(page, offset, img.usable)
            start = offset
        else:
            left, size, local, overflow = fb.read_index_interior_cell(page, offset, img.usable)
            if rng.random() < 0.4:
                _put(img.buf, base + offset, 4, _page_number(rng, img, pgno))
                return
            start = offset + 4
    except FormatError:
        _put(img.buf, base + offset, 1, rng.randrange(256))
        return
    _n, payload_at = fs.read_varint(page, start)
    if h.page_type == fb.TABLE_LEAF:
        _r, payload_at = fs.read_varint(page, payload_at)
    what = rng.choice(("size", "overflow", "serial", "serial", "rowid"))
    if what == "overflow" and overflow:
        _put(img.buf, base + payload_at + len(local), 4, _page_number(rng, img, overflow))
    elif what == "size":
        new = rng.choice((0, size + 1, size - 1, size * 2, img.usable, img.usable - 35,
                          1 << 31, (1 << 63) - 1, rng.randrange(1 << 20)))
        old_len = fs.varint_len(size)
        enc = fs.encode_varint(max(0, new))
        if len(enc) == old_len:
            img.buf[base + start:base + start + old_len] = enc
        else:  # a different length shifts the cell: keep the bytes, write what fits
            img.buf[base + start:base + start + old_len] = enc[:old_len]
    elif what == "rowid" and h.page_type == fb.TABLE_LEAF:
        at = base + fs.read_varint(page, offset)[1]
        img.buf[at] ^= 1 << rng.randrange(8)
    elif local:
        # the record header: a serial type varint (fileformat2 2.1) changed
        try:
            hsize, pos = fs.read_varint(local, 0)
        except FormatError:
            return
        if pos >= min(hsize, len(local)):
            _put(img.buf, base + payload_at, 1, rng.choice((0, 1, 0x7F, len(local) + 1)))
            return
        at = rng.randrange(pos, min(hsize, len(local)))
        value = rng.choice((0, 1, 6, 7, 8, 9, 10, 11, 12, 13, 0x7F, 0x80, 0xFF,
                            rng.randrange(256)))
        _put(img.buf, base + payload_at + at, 1, value)


def _mutate_freelist(rng, img: _Image) -> bool:
    trunk = int.from_bytes(img.buf[32:36], "big")
    if not 1 < trunk <= img.page_count:
        return False
    at = img.offset(trunk)
    try:
        _next, leaves = fs.read_freelist_trunk(bytes(img.page(trunk)), img.usable, pgno=trunk)
    except FormatError:
        leaves = ()
    what = rng.choice(("next", "count", "leaf") if leaves else ("next", "count"))
    if what == "next":
        _put(img.buf, at, 4, _page_number(rng, img, trunk))
    elif what == "count":
        _put(img.buf, at + 4, 4, rng.choice((0, len(leaves) + 1, img.usable // 4 - 2,
                                             img.usable // 4 - 1, 0xFFFFFFFF)))
    else:
        i = rng.randrange(len(leaves))
        _put(img.buf, at + 8 + 4 * i, 4, _page_number(rng, img, leaves[i]))
    return True


def _mutate_ptrmap(rng, img: _Image) -> bool:
    if not int.from_bytes(img.buf[52:56], "big") or img.page_count < 2:
        return False
    pgno = 2  # the first pointer-map page (fileformat2 1.7)
    if not fs.is_ptrmap_page(pgno, img.usable, img.page_size):
        return False
    entries = max(1, min(img.page_count - 2, img.usable // 5))
    at = img.offset(pgno) + 5 * rng.randrange(entries)
    if rng.random() < 0.5:
        _put(img.buf, at, 1, rng.choice((0, *_PTRMAP_TYPES, 6, 0xFF)))
    else:
        _put(img.buf, at + 1, 4, _page_number(rng, img, pgno))
    return True


def _mutate_overflow(rng, img: _Image, pgno: int) -> bool:
    """Break the next-page link of the first overflow page of one of the page's cells."""
    page = bytes(img.page(pgno))
    try:
        h = fb.read_page_header(page, fb.hdr_offset_for(pgno))
        pointers = fb.read_cell_pointers(page, fb.hdr_offset_for(pgno), h.header_size,
                                         h.cell_count)
    except FormatError:
        return False
    for offset in pointers:
        try:
            if h.page_type == fb.TABLE_LEAF:
                overflow = fb.read_table_leaf_cell(page, offset, img.usable)[3]
            elif h.page_type == fb.INDEX_LEAF:
                overflow = fb.read_index_leaf_cell(page, offset, img.usable)[2]
            elif h.page_type == fb.INDEX_INTERIOR:
                overflow = fb.read_index_interior_cell(page, offset, img.usable)[3]
            else:
                return False
        except FormatError:
            continue
        if 1 < overflow <= img.page_count:
            _put(img.buf, img.offset(overflow), 4, _page_number(rng, img, overflow))
            return True
    return False


def _mutate_pages(rng, img: _Image, max_size: int) -> None:
    what = rng.choice(("copy", "truncate", "extend"))
    n = img.page_count
    if what == "copy" and n >= 2:
        a, b = rng.randint(1, n), rng.randint(2, n)
        img.buf[img.offset(b):img.offset(b) + img.page_size] = img.page(a)
    elif what == "truncate" and n >= 2:
        del img.buf[img.offset(rng.randint(2, n)):]
    elif len(img.buf) + img.page_size <= max_size:
        img.buf += img.page(rng.randint(1, n))


def mutate_image(data: bytes, rng: random.Random, max_size: int) -> bytes | None:
    """One field-level mutation of a database image, or None when no structure is found."""
    if len(data) < 100:
        return None
    try:
        img = _Image(data)
    except FormatError:
        return None
    roll = rng.random()
    if roll < 0.15:
        _mutate_header(rng, img)
    elif roll < 0.25:
        if not _mutate_freelist(rng, img):
            _mutate_header(rng, img)
    elif roll < 0.32:
        if not _mutate_ptrmap(rng, img):
            _mutate_pages(rng, img, max_size)
    elif roll < 0.40:
        _mutate_pages(rng, img, max_size)
    else:
        pages = img.btree_pages()
        if not pages:
            _mutate_header(rng, img)
        else:
            pgno = rng.choice(pages)
            if rng.random() < 0.1 and _mutate_overflow(rng, img, pgno):
                return bytes(img.buf[:max_size])
            _mutate_btree(rng, img, pgno)
    return bytes(img.buf[:max_size])


# ---------------------------------------------------------------------------- logs


def _mutate_page_image(rng, image: bytes, pgno: int, page: bytes, page_size: int) -> bytes:
    """Mutate ``page`` as page ``pgno`` of a database laid out like ``image``."""
    if not 1 <= pgno <= 64:
        return page
    before = bytes(image[:page_size * (pgno - 1)]).ljust(page_size * (pgno - 1), b"\0")
    out = mutate_image(before + page, rng, len(before) + len(page))
    if out is None or len(out) < page_size * pgno:
        return page
    return out[page_size * (pgno - 1):page_size * pgno]


def mutate_wal(image: bytes, log: bytes, rng: random.Random, max_size: int) -> bytes | None:
    """Change one frame of a WAL (or the page in it) and rebuild it with valid checksums."""
    try:
        scan = fs.scan_wal(log)
    except FormatError:
        return None
    if scan.header is None or not scan.header_valid or not scan.frames:
        return None
    ps = scan.header.page_size
    frames = []
    for f in scan.frames:
        data = log[f.offset + 24:f.offset + 24 + ps]
        if len(data) == ps:
            frames.append([f.page_number or 1, data, f.commit_size])
    if not frames:
        return None
    i = rng.randrange(len(frames))
    what = rng.choice(("page", "page", "page", "pgno", "commit", "drop", "dup", "stale"))
    if what == "page":
        frames[i][1] = _mutate_page_image(rng, image, frames[i][0], frames[i][1], ps)
    elif what == "pgno":
        frames[i][0] = rng.choice((1, 2, frames[i][0] + 1, max(1, len(image) // ps) + 1,
                                   0xFFFFFFFF, 1 << 31))
    elif what == "commit":
        frames[i][2] = rng.choice((0, 1, frames[i][0], frames[i][2] + 1, 0xFFFFFFFF))
    elif what == "drop" and len(frames) > 1:
        del frames[i]
    elif what == "dup":
        frames.insert(i, list(frames[i]))
    h = scan.header
    try:
        new = fs.build_wal([tuple(f) for f in frames], page_size=ps, salt_1=h.salt_1,
                           salt_2=h.salt_2, checkpoint_sequence=h.checkpoint_sequence,
                           big_endian=h.big_endian_checksum)
    except FormatError:
        return None
    if what == "stale":  # one bit of one frame flipped after signing: the chain ends there
        b = bytearray(new)
        b[32 + i * (24 + ps) + rng.randrange(24 + ps)] ^= 1 << rng.randrange(8)
        new = bytes(b)
    return new


def mutate_journal(image: bytes, log: bytes, rng: random.Random, max_size: int) -> bytes | None:
    """Change one page record of a hot journal and rebuild its segment with checksums."""
    try:
        scan = fs.scan_journal(log)
    except FormatError:
        return None
    if not scan.segments or not scan.page_size or not scan.sector_size:
        return None
    seg = scan.segments[0]
    ps = scan.page_size
    records = [[r.page_number, bytes(log[r.offset + 4:r.offset + 4 + ps])]
               for r in scan.records if r.segment == 0]
    records = [r for r in records if len(r[1]) == ps]
    what = rng.choice(("page", "page", "pgno", "drop", "dup", "count", "initial", "nonce"))
    if records:
        i = rng.randrange(len(records))
        if what == "page":
            records[i][1] = _mutate_page_image(rng, image, records[i][0], records[i][1], ps)
        elif what == "pgno":
            records[i][0] = rng.choice((0, 1, records[i][0] + 1, seg.initial_db_size + 1,
                                        0xFFFFFFFF))
        elif what == "drop":
            del records[i]
        elif what == "dup":
            records.insert(i, list(records[i]))
    count = len(records)
    if what == "count":
        count = rng.choice((0, count + 1, 0xFFFFFFFF, count - 1 if count else 0))
    initial = seg.initial_db_size
    if what == "initial":
        initial = rng.choice((0, 1, initial + 1, max(0, initial - 1), 0xFFFFFFFF))
    nonce = seg.checksum_nonce
    try:
        head = build_journal_header(record_count=count % (1 << 32), checksum_nonce=nonce,
                                    initial_db_size=initial % (1 << 32),
                                    sector_size=seg.sector_size, page_size=ps)
        body = b"".join(build_journal_record(p % (1 << 32), d, nonce) for p, d in records)
    except (FormatError, struct.error):
        return None
    if what == "nonce":  # records signed with another nonce: checksums fail from here
        head = build_journal_header(record_count=count % (1 << 32),
                                    checksum_nonce=(nonce + 1) % (1 << 32),
                                    initial_db_size=initial % (1 << 32),
                                    sector_size=seg.sector_size, page_size=ps)
    return head + body


# ---------------------------------------------------------------------------- entry points


def byte_mutate(data: bytes, max_size: int, rng: random.Random) -> bytes:
    """A small byte-level mutator (flip, set, insert, erase), used without atheris."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(4)
        if op == 0 and b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            b[rng.randrange(len(b))] = rng.choice((0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)))
        elif op == 2 and len(b) < max_size:
            b.insert(rng.randrange(len(b) + 1), rng.randrange(256))
        elif b:
            del b[rng.randrange(len(b))]
    return bytes(b[:max_size])


def mutate(kind: str, data: bytes, max_size: int, seed: int,
           bytewise: Callable[[bytes, int], bytes] | None = None) -> bytes:
    """One mutation of ``data`` for a target of ``kind`` (``image``, ``image_wal``,
    ``image_journal``): structure-aware most of the time, byte-level otherwise."""
    rng = random.Random(seed)

    def fallback(blob: bytes, limit: int) -> bytes:
        if bytewise is not None:
            return bytes(bytewise(blob, max(1, limit)))
        return byte_mutate(blob, limit, rng)

    structured = rng.random() < 0.75
    if kind == "image":
        out = mutate_image(data, rng, max_size) if structured else None
        return out if out is not None else fallback(data, max_size)
    db, log = unpack_pair(data)
    if rng.random() < 0.5:  # the database image
        new_db = mutate_image(db, rng, max_size) if structured else None
        if new_db is None:
            new_db = fallback(db, max(1, max_size - len(log) - 4))
        return pack_pair(new_db, log)[:max_size]
    mutate_log = mutate_wal if kind == "image_wal" else mutate_journal
    new_log = None
    if structured:
        try:
            new_log = mutate_log(db, log, rng, max_size)
        except (FormatError, ValueError, IndexError, struct.error):
            new_log = None
    if new_log is None:
        new_log = fallback(log, max(1, max_size - len(db) - 4))
    return pack_pair(db, new_log)[:max_size]


def for_target(kind: str, bytewise: Callable[[bytes, int], bytes] | None = None):
    """The ``custom_mutator(data, max_size, seed)`` that atheris calls, for ``kind``."""

    def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
        return mutate(kind, data, max_size, seed, bytewise)

    return custom_mutator
