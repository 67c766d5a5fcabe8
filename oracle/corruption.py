"""Corruption generator: damage a well-formed SQLite file in known ways.

Used by the checker's agreement tests (``tests/test_check_agreement.py``) and
by the compatibility gate. Each damage kind is a function
``(data: bytearray, layout: Layout, rng: random.Random) -> str | None`` that
changes ``data`` in place and returns a one-line description, or returns
``None`` when the file offers nothing to damage that way (no overflow chain,
no freelist, ...).

The layout of the undamaged file is taken from sqlite3 itself (the ``dbstat``
virtual table names every b-tree page and overflow page; the header names the
freelist), since sqlite3 is the referee for undamaged files. The damage is
written with the field positions of fileformat2:

* database header (page 1, offsets 0..99): page size at 16, reserved bytes at
  20, file change counter at 24, in-header page count at 28, first freelist
  trunk at 32, freelist page count at 36, schema format at 44, text encoding
  at 56, version-valid-for at 92;
* b-tree page header (offset 100 on page 1, else 0): type at +0, first
  freeblock at +1, cell count at +3, cell content start at +5, fragmented
  bytes at +7, right child at +8 on interior pages; the cell pointer array
  follows the 8- or 12-byte header, two bytes per cell;
* an interior cell starts with its 4-byte left child page number; an overflow
  page starts with the 4-byte number of the next overflow page; a freelist
  trunk page starts with the next trunk and the count of leaf numbers.
"""

from __future__ import annotations

import random
import sqlite3
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from formatspec.derived import local_payload_size, usable_size
from formatspec.varint import read_varint


@dataclass
class Layout:
    """What sqlite3 says about an undamaged file."""

    page_size: int
    usable: int
    page_count: int
    # pgno -> (btree name, 'internal' | 'leaf' | 'overflow')
    pages: dict[int, tuple[str, str]] = field(default_factory=dict)
    index_names: set[str] = field(default_factory=set)
    freelist_trunks: list[int] = field(default_factory=list)
    freelist_leaves: list[int] = field(default_factory=list)

    def of_type(self, pagetype: str, *, index: bool | None = None) -> list[int]:
        out = []
        for pgno, (name, kind) in sorted(self.pages.items()):
            if kind != pagetype:
                continue
            if index is not None and (name in self.index_names) != index:
                continue
            out.append(pgno)
        return out


def layout_of(path: str | Path) -> Layout:
    """Ask sqlite3 (the referee) where everything is in an undamaged file."""
    data = Path(path).read_bytes()
    page_size = struct.unpack_from(">H", data, 16)[0]
    page_size = 65536 if page_size == 1 else page_size
    layout = Layout(page_size, usable_size(page_size, data[20]), len(data) // page_size)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for name, pgno, pagetype in con.execute("SELECT name, pageno, pagetype FROM dbstat"):
            layout.pages[pgno] = (name, pagetype)
        layout.index_names = {
            r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type='index'")
        }
    finally:
        con.close()
    trunk = struct.unpack_from(">I", data, 32)[0]
    seen = set()
    while trunk and trunk not in seen and trunk <= layout.page_count:
        seen.add(trunk)
        layout.freelist_trunks.append(trunk)
        base = (trunk - 1) * page_size
        nxt, count = struct.unpack_from(">II", data, base)
        count = min(count, (layout.usable - 8) // 4)
        layout.freelist_leaves.extend(struct.unpack_from(f">{count}I", data, base + 8))
        trunk = nxt
    return layout


# --- helpers over page bytes ----------------------------------------------------


def _page_base(layout: Layout, pgno: int) -> int:
    return (pgno - 1) * layout.page_size


def _hdr(layout: Layout, pgno: int) -> int:
    """File offset of the b-tree page header of ``pgno``."""
    return _page_base(layout, pgno) + (100 if pgno == 1 else 0)


def _btree_info(data, layout: Layout, pgno: int):
    h = _hdr(layout, pgno)
    ptype = data[h]
    ncell = struct.unpack_from(">H", data, h + 3)[0]
    hsize = 12 if ptype in (2, 5) else 8
    return ptype, ncell, h + hsize


def _cell_offsets(data, layout: Layout, pgno: int) -> list[int]:
    _ptype, ncell, arr = _btree_info(data, layout, pgno)
    return [struct.unpack_from(">H", data, arr + 2 * i)[0] for i in range(ncell)]


def _cell_size(data, layout: Layout, pgno: int, off: int) -> int:
    """Size in bytes of the cell at page offset ``off`` (fileformat2 cell formats)."""
    ptype, _n, _a = _btree_info(data, layout, pgno)
    base = _page_base(layout, pgno)
    page = bytes(data[base : base + layout.page_size])
    pos = off
    if ptype in (2, 5):
        pos += 4
    if ptype == 5:
        _rowid, pos = read_varint(page, pos)
        return pos - off
    payload, pos = read_varint(page, pos)
    if ptype == 13:
        _rowid, pos = read_varint(page, pos)
    local = local_payload_size(payload, layout.usable, table_leaf=ptype == 13)
    size = pos - off + local + (4 if local < payload else 0)
    return max(size, 4)


def _overflow_first(data, layout: Layout, pgno: int, off: int) -> int | None:
    ptype, _n, _a = _btree_info(data, layout, pgno)
    if ptype == 5:
        return None
    base = _page_base(layout, pgno)
    page = bytes(data[base : base + layout.page_size])
    pos = off + (4 if ptype == 2 else 0)
    payload, pos = read_varint(page, pos)
    if ptype == 13:
        _rowid, pos = read_varint(page, pos)
    local = local_payload_size(payload, layout.usable, table_leaf=ptype == 13)
    if local >= payload:
        return None
    return base + pos + local


def _put16(data, off, v):
    struct.pack_into(">H", data, off, v & 0xFFFF)


def _put32(data, off, v):
    struct.pack_into(">I", data, off, v & 0xFFFFFFFF)


# --- targeted damage --------------------------------------------------------------


def swap_cell_pointers(data, layout, rng):
    """Swap two entries of a cell pointer array: keys out of order."""
    pages = [p for p in layout.of_type("leaf") + layout.of_type("internal")
             if _btree_info(data, layout, p)[1] >= 2]
    if not pages:
        return None
    pgno = rng.choice(pages)
    _t, ncell, arr = _btree_info(data, layout, pgno)
    i, j = rng.sample(range(ncell), 2)
    a = struct.unpack_from(">H", data, arr + 2 * i)[0]
    b = struct.unpack_from(">H", data, arr + 2 * j)[0]
    _put16(data, arr + 2 * i, b)
    _put16(data, arr + 2 * j, a)
    return f"page {pgno}: swapped cell pointers {i} and {j}"


def break_key_order(data, layout, rng):
    """Reverse the whole cell pointer array of a page with 3 or more cells."""
    pages = [p for p in layout.of_type("leaf") + layout.of_type("internal")
             if _btree_info(data, layout, p)[1] >= 3]
    if not pages:
        return None
    pgno = rng.choice(pages)
    _t, ncell, arr = _btree_info(data, layout, pgno)
    ptrs = [struct.unpack_from(">H", data, arr + 2 * i)[0] for i in range(ncell)]
    for i, v in enumerate(reversed(ptrs)):
        _put16(data, arr + 2 * i, v)
    return f"page {pgno}: cell pointer array reversed ({ncell} cells)"


def duplicate_cell_pointer(data, layout, rng):
    """Make two cell pointers point at the same cell."""
    pages = [p for p in layout.pages if _btree_info(data, layout, p)[1] >= 2
             and layout.pages[p][1] != "overflow"]
    if not pages:
        return None
    pgno = rng.choice(sorted(pages))
    _t, ncell, arr = _btree_info(data, layout, pgno)
    i, j = rng.sample(range(ncell), 2)
    _put16(data, arr + 2 * j, struct.unpack_from(">H", data, arr + 2 * i)[0])
    return f"page {pgno}: cell pointer {j} duplicates {i}"


def child_to_freelist(data, layout, rng):
    """Point an interior page's child pointer at a freelist page."""
    free = layout.freelist_trunks + layout.freelist_leaves
    inner = layout.of_type("internal")
    if not free or not inner:
        return None
    pgno = rng.choice(inner)
    target = rng.choice(free)
    offs = _cell_offsets(data, layout, pgno)
    k = rng.randrange(len(offs) + 1)
    if k == len(offs):
        _put32(data, _hdr(layout, pgno) + 8, target)
        return f"page {pgno}: right child -> freelist page {target}"
    _put32(data, _page_base(layout, pgno) + offs[k], target)
    return f"page {pgno}: child of cell {k} -> freelist page {target}"


def child_to_other_child(data, layout, rng):
    """Point a child pointer at a page already used elsewhere (a page used twice)."""
    inner = [p for p in layout.of_type("internal") if _btree_info(data, layout, p)[1] >= 1]
    if not inner:
        return None
    pgno = rng.choice(inner)
    offs = _cell_offsets(data, layout, pgno)
    base = _page_base(layout, pgno)
    k = rng.randrange(len(offs))
    right = struct.unpack_from(">I", data, _hdr(layout, pgno) + 8)[0]
    _put32(data, base + offs[k], right)
    return f"page {pgno}: child of cell {k} -> page {right} (also the right child)"


def overflow_loop(data, layout, rng):
    """Make an overflow chain point back at itself."""
    ovfl = layout.of_type("overflow")
    if not ovfl:
        return None
    pgno = rng.choice(ovfl)
    _put32(data, _page_base(layout, pgno), pgno)
    return f"page {pgno}: overflow next pointer -> itself"


def overflow_truncate(data, layout, rng):
    """End an overflow chain early (next pointer 0 on a page that has a successor)."""
    ovfl = [p for p in layout.of_type("overflow")
            if struct.unpack_from(">I", data, _page_base(layout, p))[0] != 0]
    if not ovfl:
        return None
    pgno = rng.choice(ovfl)
    _put32(data, _page_base(layout, pgno), 0)
    return f"page {pgno}: overflow chain cut short"


def miscount_freelist(data, layout, rng):
    """Make the header's freelist page count disagree with the freelist."""
    count = struct.unpack_from(">I", data, 36)[0]
    new = count + rng.choice([-1, 1, 2, 7]) if count else rng.choice([1, 3])
    new = max(new, 0) if new != count else count + 1
    _put32(data, 36, new)
    return f"header: freelist count {count} -> {new}"


def drop_index_entry(data, layout, rng):
    """Remove one entry from an index leaf page, turning its cell into a freeblock."""
    leaves = [p for p in layout.of_type("leaf", index=True)
              if _btree_info(data, layout, p)[1] >= 1]
    if not leaves:
        return None
    pgno = rng.choice(leaves)
    h = _hdr(layout, pgno)
    base = _page_base(layout, pgno)
    _t, ncell, arr = _btree_info(data, layout, pgno)
    k = rng.randrange(ncell)
    off = struct.unpack_from(">H", data, arr + 2 * k)[0]
    size = _cell_size(data, layout, pgno, off)
    ptrs = [struct.unpack_from(">H", data, arr + 2 * i)[0] for i in range(ncell)]
    del ptrs[k]
    for i, v in enumerate(ptrs):
        _put16(data, arr + 2 * i, v)
    _put16(data, arr + 2 * ncell - 2, 0)
    _put16(data, h + 3, ncell - 1)
    # insert [off, off+size) into the sorted freeblock chain
    prev_link = h + 1
    cur = struct.unpack_from(">H", data, prev_link)[0]
    while cur and cur < off:
        prev_link = base + cur
        cur = struct.unpack_from(">H", data, prev_link)[0]
    _put16(data, base + off, cur)
    _put16(data, base + off + 2, size)
    _put16(data, prev_link, off)
    return f"page {pgno}: index entry {k} removed (cell at {off}, {size} bytes)"


def drop_table_row(data, layout, rng):
    """Remove one row from a table leaf page (its index entries now dangle)."""
    saved = layout.index_names
    leaves = [p for p in layout.of_type("leaf", index=False)
              if _btree_info(data, layout, p)[1] >= 1 and p != 1]
    if not leaves or not saved:
        return None
    fake = Layout(layout.page_size, layout.usable, layout.page_count,
                  {p: ("x", "leaf") for p in leaves}, {"x"})
    return drop_index_entry(data, fake, rng)


def bad_page_type(data, layout, rng):
    """Set a b-tree page's type byte to a value fileformat2 does not allow."""
    pages = sorted(p for p, (_n, k) in layout.pages.items() if k != "overflow")
    pgno = rng.choice(pages)
    h = _hdr(layout, pgno)
    old = data[h]
    data[h] = rng.choice([0, 1, 3, 4, 6, 8, 9, 11, 12, 14, 255])
    return f"page {pgno}: page type {old} -> {data[h]}"


def bad_cell_count(data, layout, rng):
    """Make a page's cell count too large (cells overlap the content area)."""
    pages = sorted(p for p, (_n, k) in layout.pages.items() if k != "overflow")
    pgno = rng.choice(pages)
    h = _hdr(layout, pgno)
    n = struct.unpack_from(">H", data, h + 3)[0]
    new = n + rng.choice([1, 5, 200, 0xFFFF - n])
    _put16(data, h + 3, new)
    return f"page {pgno}: cell count {n} -> {new}"


def bad_content_start(data, layout, rng):
    """Move a page's cell content start."""
    pages = sorted(p for p, (_n, k) in layout.pages.items() if k != "overflow")
    pgno = rng.choice(pages)
    h = _hdr(layout, pgno)
    old = struct.unpack_from(">H", data, h + 5)[0]
    new = rng.choice([old + 1, max(old - 7, 0), 1, layout.page_size - 1])
    _put16(data, h + 5, new)
    return f"page {pgno}: cell content start {old} -> {new}"


def bad_fragment_count(data, layout, rng):
    """Change a page's fragmented free byte count."""
    pages = sorted(p for p, (_n, k) in layout.pages.items() if k != "overflow")
    pgno = rng.choice(pages)
    h = _hdr(layout, pgno)
    old = data[h + 7]
    data[h + 7] = (old + rng.choice([1, 2, 3, 60])) & 0xFF
    return f"page {pgno}: fragmented bytes {old} -> {data[h + 7]}"


def bad_freeblock(data, layout, rng):
    """Point the first freeblock somewhere wrong (into a cell or past the page)."""
    pages = sorted(p for p, (_n, k) in layout.pages.items() if k != "overflow")
    pgno = rng.choice(pages)
    h = _hdr(layout, pgno)
    offs = _cell_offsets(data, layout, pgno)
    choices = [layout.page_size - 2, 3]
    if offs:
        choices.append(rng.choice(offs))
    new = rng.choice(choices)
    _put16(data, h + 1, new)
    return f"page {pgno}: first freeblock -> {new}"


def freelist_loop(data, layout, rng):
    """Make the freelist trunk chain loop back to its head."""
    if not layout.freelist_trunks:
        return None
    last = layout.freelist_trunks[-1]
    _put32(data, _page_base(layout, last), layout.freelist_trunks[0])
    return f"page {last}: freelist trunk next -> {layout.freelist_trunks[0]}"


def freelist_leaf_in_use(data, layout, rng):
    """List a page that belongs to a b-tree as a freelist leaf."""
    if not layout.freelist_trunks:
        return None
    used = sorted(p for p in layout.pages if p != 1)
    if not used:
        return None
    trunk = layout.freelist_trunks[0]
    base = _page_base(layout, trunk)
    count = struct.unpack_from(">I", data, base + 4)[0]
    victim = rng.choice(used)
    if count == 0 or count >= (layout.usable - 8) // 4:
        return None
    _put32(data, base + 8 + 4 * rng.randrange(count), victim)
    return f"page {trunk}: freelist leaf entry -> in-use page {victim}"


def header_field(data, layout, rng):
    """Flip one field of the database header."""
    choice = rng.choice(["page_count", "page_size", "reserved", "freelist_trunk",
                         "schema_format", "text_encoding", "magic", "payload_fractions",
                         "write_version"])
    if choice == "page_count":
        old = struct.unpack_from(">I", data, 28)[0]
        new = old + rng.choice([1, 5, 1000])
        _put32(data, 28, new)
    elif choice == "page_size":
        old = struct.unpack_from(">H", data, 16)[0]
        new = rng.choice([s for s in (512, 1024, 2048, 4096, 8192, 300, 0) if s != old])
        _put16(data, 16, new)
    elif choice == "reserved":
        old = data[20]
        new = rng.choice([1, 8, 32, 255])
        data[20] = new
    elif choice == "freelist_trunk":
        old = struct.unpack_from(">I", data, 32)[0]
        new = rng.choice([layout.page_count + 3, 1] + sorted(layout.pages)[-1:])
        _put32(data, 32, new)
    elif choice == "schema_format":
        old = struct.unpack_from(">I", data, 44)[0]
        new = rng.choice([0, 5, 99])
        _put32(data, 44, new)
    elif choice == "text_encoding":
        old = struct.unpack_from(">I", data, 56)[0]
        new = rng.choice([e for e in (1, 2, 3, 4, 0) if e != old])
        _put32(data, 56, new)
    elif choice == "magic":
        old = bytes(data[0:4])
        data[0] ^= 0x20
        new = bytes(data[0:4])
    elif choice == "payload_fractions":
        old = data[21]
        data[21] = 32
        new = 32
    else:
        old = data[18]
        data[18] = rng.choice([0, 3, 200])
        new = data[18]
    return f"header: {choice} {old} -> {new}"


def zero_page(data, layout, rng):
    """Overwrite a whole page (not page 1) with zeros."""
    pages = [p for p in range(2, layout.page_count + 1)]
    if not pages:
        return None
    pgno = rng.choice(pages)
    base = _page_base(layout, pgno)
    data[base : base + layout.page_size] = bytes(layout.page_size)
    return f"page {pgno}: zeroed"


def truncate_file(data, layout, rng):
    """Cut the file short (by whole pages or mid-page)."""
    if layout.page_count < 2:
        return None
    cut = rng.choice([layout.page_size, layout.page_size // 2, 1])
    cut = min(cut, len(data) - layout.page_size)
    if cut <= 0:
        return None
    del data[len(data) - cut :]
    return f"file truncated by {cut} bytes"


def random_bytes(data, layout, rng):
    """Overwrite 1 to 8 random bytes anywhere in the file."""
    n = rng.randint(1, 8)
    where = []
    for _ in range(n):
        off = rng.randrange(len(data))
        data[off] = rng.randrange(256)
        where.append(off)
    return "random bytes at " + ", ".join(str(o) for o in sorted(where))


def random_bytes_in_btree(data, layout, rng):
    """Overwrite a few bytes of one b-tree page's header, pointers or cells."""
    pages = sorted(p for p, (_n, k) in layout.pages.items() if k != "overflow")
    pgno = rng.choice(pages)
    h = _hdr(layout, pgno)
    _t, ncell, arr = _btree_info(data, layout, pgno)
    end = arr + 2 * ncell
    region = rng.choice(["header", "pointers", "anywhere"])
    lo, hi = {"header": (h, arr), "pointers": (arr, max(end, arr + 1)),
              "anywhere": (_page_base(layout, pgno), _page_base(layout, pgno + 1))}[region]
    where = []
    for _ in range(rng.randint(1, 3)):
        off = rng.randrange(lo, hi)
        data[off] ^= 1 << rng.randrange(8)
        where.append(off)
    return f"page {pgno}: bits flipped in {region} at " + ", ".join(map(str, where))


TARGETED: dict[str, Callable] = {
    "swap_cell_pointers": swap_cell_pointers,
    "break_key_order": break_key_order,
    "duplicate_cell_pointer": duplicate_cell_pointer,
    "child_to_freelist": child_to_freelist,
    "child_to_other_child": child_to_other_child,
    "overflow_loop": overflow_loop,
    "overflow_truncate": overflow_truncate,
    "miscount_freelist": miscount_freelist,
    "drop_index_entry": drop_index_entry,
    "drop_table_row": drop_table_row,
    "bad_page_type": bad_page_type,
    "bad_cell_count": bad_cell_count,
    "bad_content_start": bad_content_start,
    "bad_fragment_count": bad_fragment_count,
    "bad_freeblock": bad_freeblock,
    "freelist_loop": freelist_loop,
    "freelist_leaf_in_use": freelist_leaf_in_use,
    "header_field": header_field,
    "zero_page": zero_page,
    "truncate_file": truncate_file,
}
RANDOM: dict[str, Callable] = {
    "random_bytes": random_bytes,
    "random_bytes_in_btree": random_bytes_in_btree,
}
KINDS: dict[str, Callable] = {**TARGETED, **RANDOM}


@dataclass
class Damage:
    kind: str
    description: str
    data: bytes


def damage(data: bytes, layout: Layout, kind: str, rng: random.Random) -> Damage | None:
    """Apply damage ``kind`` to a copy of ``data``; None when not applicable."""
    buf = bytearray(data)
    desc = KINDS[kind](buf, layout, rng)
    if desc is None or bytes(buf) == data:
        return None
    return Damage(kind, desc, bytes(buf))


def damaged_copies(path: str | Path, count: int, seed: int = 0, kinds=None):
    """Yield up to ``count`` Damage objects for the file at ``path``."""
    rng = random.Random(seed)
    data = Path(path).read_bytes()
    layout = layout_of(path)
    kinds = list(kinds or KINDS)
    tries = 0
    made = 0
    while made < count and tries < count * 5:
        tries += 1
        d = damage(data, layout, rng.choice(kinds), rng)
        if d is not None:
            made += 1
            yield d
