"""Golden tests: formatspec's reading of real files agrees with sqlite3's, page by page.

For every database of the corpus (tests/conftest.py ``corpus``), created by
sqlite3:

* the 100-byte header parsed by :data:`formatspec.header.DatabaseHeader` (and
  its fast twin) says what ``PRAGMA page_size / page_count / freelist_count /
  encoding / user_version / application_id / schema_version / auto_vacuum /
  journal_mode`` say;
* walking every b-tree from its root with :data:`formatspec.btree.BTreePage`
  and every overflow chain with :data:`formatspec.overflow.OverflowPage`
  reaches exactly the pages that ``dbstat`` lists, with the same owner, kind,
  cell count, local payload bytes and unused bytes; our decoding of
  ``sqlite_schema`` equals sqlite3's;
* the pages that dbstat does not list are exactly the freelist (walked with
  :mod:`formatspec.freelist`), the pointer-map pages
  (:func:`formatspec.derived.is_ptrmap_page`) and the lock-byte page;
* every pointer-map entry (:mod:`formatspec.ptrmap`) agrees with the tree
  structure: root pages, each b-tree page's parent, each overflow page's
  predecessor, free pages;
* the WAL: :func:`formatspec.wal.scan_wal` finds the commit point sqlite3
  finds, and applying the committed frames gives the bytes of sqlite3's own
  checkpoint;
* the lock-byte page: the formula for every page size, and (``-m slow``) a
  database larger than 1 GiB.

All reading goes through copies: sqlite3 opening a WAL or hot-journal fixture
would modify it.
"""

from __future__ import annotations

import functools
import mmap
import sqlite3
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from corpus import build as corpus_build
from formatspec import derived
from formatspec.btree import (
    INDEX_INTERIOR,
    INDEX_LEAF,
    TABLE_INTERIOR,
    TABLE_LEAF,
    BTreePage,
    read_cell_pointers,
    read_index_interior_cell,
    read_index_leaf_cell,
    read_page_header,
    read_table_interior_cell,
    read_table_leaf_cell,
    table_leaf_cells,
)
from formatspec.freelist import FreelistTrunkPage, read_freelist_trunk, walk_freelist
from formatspec.header import DatabaseHeader, read_database_header
from formatspec.overflow import OverflowPage, read_overflow_chain, read_overflow_page
from formatspec.ptrmap import (
    PTRMAP_BTREE,
    PTRMAP_FREEPAGE,
    PTRMAP_OVERFLOW1,
    PTRMAP_OVERFLOW2,
    PTRMAP_ROOTPAGE,
    PtrmapPage,
    ptrmap_entry_for,
    read_ptrmap_entries,
)
from formatspec.record import decode_record
from formatspec.wal import REASON_CHECKSUM, REASON_UNCOMMITTED, scan_wal
from formatspec.walindex import (
    WALINDEX_HDR_SIZE,
    WALINDEX_PGSZ,
    WalIndexFile,
    WalIndexHeader,
    read_walindex_header,
    walindex_frame_pages,
    walindex_header_ok,
    walindex_lookup,
)

SPECS = {s.name: s for s in corpus_build.SPECS}
ENCODING_NAMES = {1: "UTF-8", 2: "UTF-16le", 3: "UTF-16be"}
RECORD_ENCODINGS = {"UTF-8": "utf-8", "UTF-16le": "utf-16-le", "UTF-16be": "utf-16-be"}
PAGE_SIZES = (512, 1024, 2048, 4096, 8192, 16384, 32768, 65536)

# Consistent database files: (fixture, which file). "db" of a hot-journal fixture
# is torn mid-transaction, so only its header is compared.
CONSISTENT = [(s.name, "pre" if s.mode == "hotjournal" else "db") for s in corpus_build.SPECS]
ALL_FILES = CONSISTENT + [(s.name, "db") for s in corpus_build.SPECS if s.mode == "hotjournal"]


def _ids(targets):
    return [f"{name}-{which}" for name, which in targets]


def file_of(fx, which: str) -> Path:
    return fx.pre_transaction_path if which == "pre" else fx.path


# -- our reading of a whole database file ------------------------------------------------------


@dataclass
class PageInfo:
    """What our walk found a page to be."""

    kind: str  # table-interior | table-leaf | index-interior | index-leaf | overflow
    btree: str
    parent: int  # b-tree parent (0 for a root); for overflow: the page pointing to it
    ncell: int = 0
    payload: int = 0
    unused: int = 0
    is_root: bool = False


@dataclass
class Reading:
    """A database file as formatspec reads it."""

    data: bytes
    header: object
    page_size: int
    usable: int
    page_count: int
    schema: list = field(default_factory=list)  # (type, name, tbl_name, rootpage, sql)
    pages: dict = field(default_factory=dict)  # pgno -> PageInfo
    parsed: dict = field(default_factory=dict)  # pgno -> BTreePage container
    freelist: object = None  # FreelistWalk
    ptrmap_pages: list = field(default_factory=list)
    encoding: str = "utf-8"

    def page(self, pgno: int) -> bytes:
        return self.data[(pgno - 1) * self.page_size:pgno * self.page_size]


_KIND = {TABLE_INTERIOR: "table-interior", TABLE_LEAF: "table-leaf",
         INDEX_INTERIOR: "index-interior", INDEX_LEAF: "index-leaf"}


def _unused_bytes(parsed, usable: int) -> int:
    """Free space of a b-tree page as dbstat counts it (gap + fragments + freeblocks)."""
    gap = parsed.cell_content_start - parsed.header_offset - parsed.header_size - 2 * len(
        parsed.cells)
    return gap + parsed.fragmented_free_bytes + sum(size for _, size in parsed.freeblocks)


def _walk_tree(rd: Reading, root: int, name: str, keep: bool = True) -> list:
    """Walk one b-tree; fill rd.pages; return the table-leaf cells' full payloads (rowid, bytes).

    With ``keep=False`` the payloads are not assembled: (rowid, payload size) instead.
    """
    records = []
    stack = [(root, 0)]
    while stack:
        pgno, parent = stack.pop()
        assert pgno not in rd.pages, f"page {pgno} reached twice (tree {name})"
        assert 1 <= pgno <= rd.page_count
        parsed = BTreePage.parse(rd.page(pgno), pgno=pgno, usable_size=rd.usable)
        rd.parsed[pgno] = parsed
        info = PageInfo(_KIND[parsed.page_type], name, parent, ncell=len(parsed.cells),
                        is_root=pgno == root)
        info.unused = _unused_bytes(parsed, rd.usable)
        rd.pages[pgno] = info
        interior = parsed.page_type in (TABLE_INTERIOR, INDEX_INTERIOR)
        children = []
        for cell in parsed.cells:
            if interior:
                children.append(cell.left_child)
            if parsed.page_type == TABLE_INTERIOR:
                continue
            info.payload += len(cell.payload)
            full = bytes(cell.payload)
            if cell.overflow_page is not None:
                full += _walk_overflow(rd, cell.overflow_page, pgno,
                                       cell.payload_size - len(cell.payload), name, keep)
            if keep:
                assert len(full) == cell.payload_size
            if parsed.page_type == TABLE_LEAF:
                records.append((cell.rowid, full if keep else cell.payload_size))
        if interior:
            children.append(parsed.right_child)
        stack.extend((child, pgno) for child in reversed(children))
    return records


def _walk_overflow(rd: Reading, first: int, owner_page: int, remaining: int, name: str,
                   keep: bool = True) -> bytes:
    out = bytearray()
    per_page = rd.usable - 4
    pgno, prev = first, owner_page
    while remaining > 0:
        assert pgno not in rd.pages, f"overflow page {pgno} reached twice (tree {name})"
        assert 1 <= pgno <= rd.page_count
        parsed = OverflowPage.parse(rd.page(pgno), usable_size=rd.usable)
        take = min(per_page, remaining)
        rd.pages[pgno] = PageInfo("overflow", name, prev, payload=take, unused=per_page - take)
        if keep:
            out += parsed.content[:take]
        remaining -= take
        prev, pgno = pgno, parsed.next_page
    assert pgno == 0, "overflow chain longer than its payload"
    return bytes(out)


@functools.cache
def read_database(path: str) -> Reading:
    """Our reading of a database file (cached: the corpus does not change in a session)."""
    return _read(Path(path).read_bytes(), keep=True)


def _read(data, keep: bool) -> Reading:
    header = DatabaseHeader.parse(data[:100])
    page_size = header.page_size
    usable = derived.usable_size(page_size, header.reserved_space)
    rd = Reading(data, header, page_size, usable, len(data) // page_size)
    rd.encoding = RECORD_ENCODINGS[ENCODING_NAMES[header.text_encoding]]
    for _rowid, payload in _walk_tree(rd, 1, "sqlite_schema", True):
        rd.schema.append(tuple(decode_record(payload, rd.encoding)))
    rd.tables = {}
    for type_, name, _tbl, rootpage, _sql in rd.schema:
        if type_ in ("table", "index") and rootpage:
            rd.tables[name] = _walk_tree(rd, rootpage, name, keep)
    rd.freelist = walk_freelist(rd.page, header.first_freelist_trunk_page, header.freelist_count,
                                rd.page_count, usable)
    if header.largest_root_page:
        rd.ptrmap_pages = [p for p in range(2, rd.page_count + 1)
                           if derived.is_ptrmap_page(p, usable, page_size)]
    return rd


# -- header --------------------------------------------------------------------------------


def _sqlite_version_number() -> int:
    major, minor, patch = sqlite3.sqlite_version_info
    return major * 1_000_000 + minor * 1000 + patch


@pytest.mark.parametrize("name,which", ALL_FILES, ids=_ids(ALL_FILES))
def test_read_header_created_by_sqlite3(name, which, corpus_by_name, sqlite_view):
    fx = corpus_by_name[name]
    path = file_of(fx, which)
    raw = path.read_bytes()[:100]
    header = DatabaseHeader.parse(raw)
    twin = read_database_header(raw)
    for key in twin._fields:
        assert header[key] == getattr(twin, key), key
    view = sqlite_view(path)
    p = view.pragmas
    assert header.page_size == p["page_size"] == fx.page_size
    assert header.reserved_space == fx.reserved_bytes
    assert derived.usable_size(header.page_size, header.reserved_space) == fx.usable_size
    assert (header.max_payload_fraction, header.min_payload_fraction,
            header.leaf_payload_fraction) == (64, 32, 32)
    assert header.version_valid_for == header.file_change_counter  # database_size is valid
    assert header.database_size == p["page_count"]
    if (name, which) in CONSISTENT:  # a torn file may already be longer than page 1 says
        assert header.database_size == len(path.read_bytes()) // fx.page_size
    assert header.freelist_count == p["freelist_count"]
    assert ENCODING_NAMES[header.text_encoding] == p["encoding"] == fx.encoding
    assert header.user_version == p["user_version"] == fx.user_version
    assert header.application_id == p["application_id"] == fx.application_id
    assert header.schema_cookie == p["schema_version"]
    assert header.schema_format == 4
    assert (header.largest_root_page != 0) == (p["auto_vacuum"] != 0)
    assert (header.incremental_vacuum != 0) == (p["auto_vacuum"] == 2)
    if p["auto_vacuum"]:
        assert header.largest_root_page == max(r[3] for r in view.schema if r[3])
    wal = p["journal_mode"] == "wal"
    assert (header.write_version, header.read_version) == ((2, 2) if wal else (1, 1))
    assert header.sqlite_version_number == _sqlite_version_number()
    assert DatabaseHeader.build(header) == raw


# -- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name,which", CONSISTENT, ids=_ids(CONSISTENT))
def test_read_schema_created_by_sqlite3(name, which, corpus_by_name, sqlite_view):
    path = file_of(corpus_by_name[name], which)
    rd = read_database(str(path))
    assert rd.schema == [tuple(r) for r in sqlite_view(path).schema]


@pytest.mark.parametrize("name,which", CONSISTENT, ids=_ids(CONSISTENT))
def test_pages_classify_like_dbstat(name, which, corpus_by_name, sqlite_view):
    path = file_of(corpus_by_name[name], which)
    rd = read_database(str(path))
    view = sqlite_view(path)
    assert set(rd.pages) == set(view.dbstat)
    for pgno, stat in view.dbstat.items():
        ours = rd.pages[pgno]
        where = f"page {pgno} ({stat.name} {stat.pagetype})"
        assert ours.btree == stat.name, where
        if stat.pagetype == "overflow":
            assert ours.kind == "overflow", where
        else:
            assert ours.kind.endswith("interior" if stat.pagetype == "internal" else "leaf"), where
            assert ours.kind.startswith(view.btree_kind(stat.name)), where
        assert ours.ncell == stat.ncell, where
        assert ours.payload == stat.payload, where
        assert ours.unused == stat.unused, where


@pytest.mark.parametrize("name,which", CONSISTENT, ids=_ids(CONSISTENT))
def test_unlisted_pages_are_freelist_ptrmap_or_lock_byte(name, which, corpus_by_name,
                                                         sqlite_view):
    fx = corpus_by_name[name]
    path = file_of(fx, which)
    rd = read_database(str(path))
    view = sqlite_view(path)
    unlisted = set(range(1, rd.page_count + 1)) - set(view.dbstat)
    free = set(rd.freelist.pages)
    assert len(free) == len(rd.freelist.pages) == view.pragmas["freelist_count"]
    assert not rd.freelist.problems
    ptrmaps = set(rd.ptrmap_pages)
    lock = {derived.lock_byte_page(rd.page_size)} & set(range(1, rd.page_count + 1))
    assert not (free & ptrmaps) and not (free & lock) and not (ptrmaps & lock)
    assert unlisted == free | ptrmaps | lock
    if "freelist" in fx.features:
        assert len(rd.freelist) >= 1 and free - {t for t, _ in rd.freelist}
    if "freelist-multi-trunk" in fx.features and which == "db":
        assert len(rd.freelist) >= 2
    if fx.auto_vacuum:
        assert 2 in ptrmaps
    else:
        assert not ptrmaps


@pytest.mark.parametrize("name,which", CONSISTENT, ids=_ids(CONSISTENT))
def test_freelist_trunks_schema_and_twin_agree(name, which, corpus_by_name):
    rd = read_database(str(file_of(corpus_by_name[name], which)))
    expected_first = rd.freelist[0][0] if len(rd.freelist) else 0
    assert rd.header.first_freelist_trunk_page == expected_first
    for i, (trunk, leaves) in enumerate(rd.freelist):
        parsed = FreelistTrunkPage.parse(rd.page(trunk), usable_size=rd.usable, pgno=trunk)
        nxt = rd.freelist[i + 1][0] if i + 1 < len(rd.freelist) else 0
        assert parsed.next_trunk == nxt
        assert list(parsed.leaf_pages) == leaves
        assert read_freelist_trunk(rd.page(trunk), rd.usable, pgno=trunk) == (nxt, tuple(leaves))
        # sqlite3 fills a trunk with at most U/4 - 8 leaves
        assert len(leaves) <= rd.usable // 4 - 8


def _expected_ptrmap(rd: Reading) -> dict[int, tuple[int, int]]:
    expected = {}
    for pgno, info in rd.pages.items():
        if pgno == 1:
            continue
        if info.kind == "overflow":
            first = rd.pages[info.parent].kind != "overflow"
            expected[pgno] = (PTRMAP_OVERFLOW1 if first else PTRMAP_OVERFLOW2, info.parent)
        elif info.is_root:
            expected[pgno] = (PTRMAP_ROOTPAGE, 0)
        else:
            expected[pgno] = (PTRMAP_BTREE, info.parent)
    for pgno in rd.freelist.pages:
        expected[pgno] = (PTRMAP_FREEPAGE, 0)
    return expected


AUTOVACUUM = [t for t in CONSISTENT if SPECS[t[0]].auto_vacuum]


@pytest.mark.parametrize("name,which", AUTOVACUUM, ids=_ids(AUTOVACUUM))
def test_ptrmap_entries_agree_with_the_tree(name, which, corpus_by_name):
    rd = read_database(str(file_of(corpus_by_name[name], which)))
    expected = _expected_ptrmap(rd)
    covered = set(range(2, rd.page_count + 1)) - set(rd.ptrmap_pages)
    covered.discard(derived.lock_byte_page(rd.page_size))
    assert set(expected) == covered
    entries = {}
    for ptrmap in rd.ptrmap_pages:
        parsed = PtrmapPage.parse(rd.page(ptrmap), usable_size=rd.usable)
        twin = read_ptrmap_entries(rd.page(ptrmap), rd.usable, pgno=ptrmap)
        assert [(e.entry_type, e.parent_page) for e in parsed.entries] == twin
        for i, entry in enumerate(twin):
            pgno = ptrmap + 1 + i
            if pgno <= rd.page_count:
                assert derived.ptrmap_page_for(pgno, rd.usable, rd.page_size) == ptrmap
                entries[pgno] = entry
    for pgno, want in expected.items():
        assert entries[pgno] == want, f"ptrmap entry of page {pgno}"
        assert ptrmap_entry_for(pgno, rd.page, rd.usable, rd.page_size) == want
        offset = derived.ptrmap_entry_offset(pgno, rd.usable, rd.page_size)
        assert offset == 5 * (pgno - derived.ptrmap_page_for(pgno, rd.usable, rd.page_size) - 1)


@pytest.mark.parametrize("name,which", CONSISTENT, ids=_ids(CONSISTENT))
def test_overflow_twin_and_local_sizes(name, which, corpus_by_name):
    """Each overflow page: schema == fast twin; each spilled cell: local size per formula."""
    rd = read_database(str(file_of(corpus_by_name[name], which)))
    spilled = 0
    for pgno, parsed in rd.parsed.items():
        table_leaf = parsed.page_type == TABLE_LEAF
        for cell in parsed.cells:
            if parsed.page_type == TABLE_INTERIOR:
                continue
            local = derived.local_payload_size(cell.payload_size, rd.usable, table_leaf=table_leaf)
            assert len(cell.payload) == local, f"page {pgno}"
            assert (cell.overflow_page is not None) == (cell.payload_size > local)
            spilled += cell.overflow_page is not None
    for pgno, info in rd.pages.items():
        if info.kind == "overflow":
            parsed = OverflowPage.parse(rd.page(pgno), usable_size=rd.usable)
            assert read_overflow_page(rd.page(pgno), rd.usable, pgno=pgno) == (
                parsed.next_page, parsed.content)
    assert spilled > 0


@pytest.mark.parametrize("name,which", CONSISTENT, ids=_ids(CONSISTENT))
def test_btree_fast_twins_agree_on_real_pages(name, which, corpus_by_name):
    """On every b-tree page sqlite3 wrote, the struct twins read what the schemas read."""
    rd = read_database(str(file_of(corpus_by_name[name], which)))
    for pgno, parsed in rd.parsed.items():
        page = rd.page(pgno)
        hdr = parsed.header_offset
        head = read_page_header(page, hdr)
        assert head == (parsed.page_type, parsed.first_freeblock, len(parsed.cells),
                        parsed.cell_content_start, parsed.fragmented_free_bytes,
                        parsed.right_child or 0, parsed.header_size), f"page {pgno}"
        pointers = read_cell_pointers(page, hdr, head.header_size, head.cell_count)
        assert list(pointers) == list(parsed.cell_pointers)
        for offset, cell in zip(pointers, parsed.cells):
            overflow = cell.get("overflow_page") or 0
            if parsed.page_type == TABLE_LEAF:
                twin = read_table_leaf_cell(page, offset, rd.usable)
                assert twin == (cell.rowid, cell.payload_size, cell.payload, overflow)
            elif parsed.page_type == TABLE_INTERIOR:
                assert read_table_interior_cell(page, offset) == (cell.left_child, cell.rowid)
            elif parsed.page_type == INDEX_LEAF:
                twin = read_index_leaf_cell(page, offset, rd.usable)
                assert twin == (cell.payload_size, cell.payload, overflow)
            else:
                twin = read_index_interior_cell(page, offset, rd.usable)
                assert twin == (cell.left_child, cell.payload_size, cell.payload, overflow)
        if parsed.page_type == TABLE_LEAF:
            assert table_leaf_cells(page, hdr, rd.usable) == [
                (c.rowid, c.payload_size, c.payload, c.get("overflow_page") or 0)
                for c in parsed.cells]


# What sqlite3 says each index of the corpus schema holds, in index order.
INDEX_QUERIES = {
    "people_name": "SELECT last, first, id FROM people "
                   "ORDER BY last COLLATE NOCASE, first, id",
    "people_email_lower": "SELECT lower(email), id FROM people ORDER BY 1, 2",
    "people_adults": "SELECT age, id FROM people WHERE age >= 18 ORDER BY 1, 2",
    "people_email": "SELECT email, id FROM people ORDER BY 1, 2",
    "ovf_idx_t": "SELECT t, id FROM ovf_idx ORDER BY 1, 2",
    "kv_n": "SELECT n, k FROM kv ORDER BY 1, 2",
}


def _index_entries(rd: Reading, root: int) -> list[tuple]:
    """Every entry of an index b-tree, in key order (interior cells are entries too)."""
    out = []

    def visit(pgno):
        parsed = rd.parsed[pgno]
        interior = parsed.page_type == INDEX_INTERIOR
        for cell in parsed.cells:
            if interior:
                visit(cell.left_child)
            payload = bytes(cell.payload)
            if cell.overflow_page is not None:
                payload += read_overflow_chain(rd.page, cell.overflow_page,
                                               cell.payload_size - len(payload), rd.usable,
                                               rd.page_count)
            out.append(decode_record(payload, rd.encoding))
        if interior:
            visit(parsed.right_child)

    visit(root)
    return out


def _tagged(rows):
    return [tuple((type(v).__name__, repr(v)) for v in row) for row in rows]


@pytest.mark.parametrize("name,which", CONSISTENT, ids=_ids(CONSISTENT))
def test_read_indexes_created_by_sqlite3(name, which, corpus_by_name, tmp_path):
    path = file_of(corpus_by_name[name], which)
    rd = read_database(str(path))
    indexes = {n: root for type_, n, _t, root, sql in rd.schema if type_ == "index" and sql}
    assert set(indexes) == set(INDEX_QUERIES)
    copy = tmp_path / "copy.db"
    copy.write_bytes(path.read_bytes())
    con = sqlite3.connect(copy)
    try:
        for index, query in INDEX_QUERIES.items():
            expected = con.execute(query).fetchall()
            assert _tagged(_index_entries(rd, indexes[index])) == _tagged(expected), index
    finally:
        con.close()


# -- WAL -----------------------------------------------------------------------------------

WAL = [s.name for s in corpus_build.SPECS if s.mode == "wal"]


def _first_bad_frame(wal: bytes) -> int | None:
    """Index of the first frame whose checksum breaks the chain (plain re-statement of the
    walformat rule, independent of formatspec.wal), or None."""
    order = ">" if int.from_bytes(wal[:4], "big") & 1 else "<"

    def add(data: bytes, s1: int, s2: int) -> tuple[int, int]:
        words = struct.unpack(f"{order}{len(data) // 4}I", data)
        for i in range(0, len(words), 2):
            s1 = (s1 + words[i] + s2) & 0xFFFFFFFF
            s2 = (s2 + words[i + 1] + s1) & 0xFFFFFFFF
        return s1, s2

    page_size = int.from_bytes(wal[8:12], "big")
    chain = add(wal[:24], 0, 0)
    assert chain == struct.unpack(">II", wal[24:32])
    offset, index = 32, 1
    while offset + 24 + page_size <= len(wal):
        frame = wal[offset:offset + 24 + page_size]
        chain = add(frame[:8] + frame[24:], *chain)
        if frame[8:16] != wal[16:24] or chain != struct.unpack(">II", frame[16:24]):
            return index
        offset += 24 + page_size
        index += 1
    return None


@pytest.mark.parametrize("name", WAL)
def test_read_wal_created_by_sqlite3(name, corpus_by_name, tmp_path):
    fx = corpus_by_name[name]
    wal_bytes = fx.wal_path.read_bytes()
    scan = scan_wal(wal_bytes)
    assert scan.header_valid and not scan.refused
    assert scan.header.page_size == fx.page_size
    frames_in_file = (len(wal_bytes) - 32) // (24 + fx.page_size)
    assert len(scan.frames) == frames_in_file and scan.trailing_bytes == 0
    # A transaction that spills a page twice rewrites its first frame in place and
    # leaves the checksums after it stale until commit (wal.c iReCksum): the
    # uncommitted tail may end the chain early. Check the chain independently.
    chain_end = _first_bad_frame(wal_bytes)
    assert scan.valid_frames == (frames_in_file if chain_end is None else chain_end - 1)
    assert scan.end_frame == chain_end
    assert scan.mx_frame < frames_in_file
    assert all(f.committed == (f.index <= scan.mx_frame) for f in scan.frames)
    assert all(f.reason == REASON_UNCOMMITTED for f in scan.frames[scan.mx_frame:scan.valid_frames])
    assert all(f.reason == REASON_CHECKSUM for f in scan.frames[scan.valid_frames:][:1])
    assert scan.frames[scan.mx_frame - 1].commit_size == scan.n_page

    # sqlite3's view: the commit point, then its own checkpoint of a copy
    copy = fx.copy_to(tmp_path / "copy")
    copy.shm_path.unlink()  # make sqlite3 recover the log, as scan_wal does
    con = sqlite3.connect(copy.path)
    try:
        busy, log_frames, _ = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert busy == 0
        assert log_frames == scan.mx_frame
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    checkpointed = copy.path.read_bytes()

    # our checkpoint: the newest committed frame of each page over the database file
    image = bytearray(fx.path.read_bytes())
    ps = fx.page_size
    image = image[:scan.n_page * ps].ljust(scan.n_page * ps, b"\0")
    for page_number, index in scan.page_index().items():
        offset = 32 + (index - 1) * (24 + ps) + 24
        image[(page_number - 1) * ps:page_number * ps] = wal_bytes[offset:offset + ps]
    assert len(image) == len(checkpointed)
    differ = [p + 1 for p in range(scan.n_page) if image[p * ps:(p + 1) * ps] !=
              checkpointed[p * ps:(p + 1) * ps]]
    assert differ == []


@pytest.mark.parametrize("name", WAL)
def test_read_shm_created_by_sqlite3(name, corpus_by_name):
    """The -shm sqlite3 left while its transaction was open agrees with our WAL scan."""
    fx = corpus_by_name[name]
    shm = fx.shm_path.read_bytes()
    wal_bytes = fx.wal_path.read_bytes()
    scan = scan_wal(wal_bytes)
    assert len(shm) % WALINDEX_PGSZ == 0
    region = WalIndexFile.parse(shm[:WALINDEX_HDR_SIZE])
    assert WalIndexFile.build(region) == shm[:WALINDEX_HDR_SIZE]
    assert walindex_header_ok(shm)
    header = WalIndexHeader.parse(shm[:48])
    assert tuple(read_walindex_header(shm)) == tuple(
        tuple(v) if isinstance(v, list) else v for v in (header[k] for k in (
            "iVersion", "unused", "iChange", "isInit", "bigEndCksum", "szPage", "mxFrame",
            "nPage", "aFrameCksum", "aSalt", "aCksum")))
    assert header.szPage == fx.page_size
    assert header.bigEndCksum == int(scan.header.big_endian_checksum)
    assert header.mxFrame == scan.mx_frame  # the commit point, as recovery finds it
    assert header.nPage == scan.n_page
    assert tuple(header.aSalt) == (scan.header.salt_1, scan.header.salt_2)
    assert tuple(header.aFrameCksum) == tuple(scan.commit_checksum)
    assert region.ckpt_info.nBackfill == 0  # nothing checkpointed (wal_autocheckpoint=0)
    # the open transaction appended its frames to the index, beyond mxFrame
    frames_in_file = len(scan.frames)
    assert walindex_frame_pages(shm, frames_in_file) == [f.page_number for f in scan.frames]
    for page_number, index in scan.page_index().items():
        assert walindex_lookup(shm, page_number, scan.mx_frame) == index


# -- the lock-byte page --------------------------------------------------------------------


@pytest.mark.parametrize("page_size", PAGE_SIZES)
def test_lock_byte_page_formula(page_size):
    lock = derived.lock_byte_page(page_size)
    first_byte = (lock - 1) * page_size
    assert first_byte <= derived.PENDING_BYTE < first_byte + page_size
    assert derived.PENDING_BYTE == 0x40000000
    # no pointer-map page is ever placed on it, whatever the reserved bytes
    for reserved in (0, 1, 32, 255):
        usable = page_size - reserved
        if usable < 480:
            continue
        assert not derived.is_ptrmap_page(lock, usable, page_size)


def _collision_cases():
    """(page_size, usable) where the plain ptrmap progression lands on the lock-byte page."""
    out = []
    for page_size in PAGE_SIZES:
        lock = derived.lock_byte_page(page_size)
        for usable in range(max(480, page_size - 255), page_size + 1):
            if (lock - 2) % (usable // 5 + 1) == 0:
                out.append((page_size, usable))
    return out


def test_ptrmap_formula_steps_over_the_lock_byte_page():
    cases = _collision_cases()
    assert cases, "no page size / reserved combination puts a ptrmap page on the lock byte"
    for page_size, usable in cases:
        lock = derived.lock_byte_page(page_size)
        assert derived.ptrmap_page_for(lock, usable, page_size) == lock + 1
        assert derived.is_ptrmap_page(lock + 1, usable, page_size)
        assert not derived.is_ptrmap_page(lock, usable, page_size)
        # the pages after it belong to the shifted ptrmap page
        assert derived.ptrmap_page_for(lock + 2, usable, page_size) == lock + 1


@pytest.mark.slow
def test_lock_byte_database_over_1gib(tmp_path):
    fx = corpus_build.build_lock_byte(tmp_path)
    size = fx.path.stat().st_size
    lock = derived.lock_byte_page(fx.page_size)
    assert size > derived.PENDING_BYTE + fx.page_size and size // fx.page_size > lock
    con = sqlite3.connect(fx.path)
    try:
        assert con.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        listed = {r[0] for r in con.execute("SELECT pageno FROM dbstat")}
        page_count = con.execute("PRAGMA page_count").fetchone()[0]
        blobs = con.execute("SELECT id, length(b) FROM big ORDER BY id").fetchall()
    finally:
        con.close()
    assert lock not in listed  # no b-tree uses it
    with open(fx.path, "rb") as handle, mmap.mmap(handle.fileno(), 0,
                                                  access=mmap.ACCESS_READ) as data:
        rd = _read(data, keep=False)
        assert rd.page_count == page_count
        assert lock not in rd.pages and lock not in rd.freelist.pages
        assert not derived.is_ptrmap_page(lock, rd.usable, rd.page_size)
        assert set(rd.pages) == listed
        unlisted = set(range(1, page_count + 1)) - listed
        assert unlisted == set(rd.freelist.pages) | set(rd.ptrmap_pages) | {lock}
        # the freelist spans the lock-byte page (the deleted blob's chain crossed it)
        assert min(rd.freelist.pages) < lock < max(rd.freelist.pages)
        # every blob is there; a chain that crosses the lock-byte page reads back whole
        sizes = dict(rd.tables["big"])
        assert sorted(sizes) == [rowid for rowid, _ in blobs]
        crossing = [pgno for pgno, info in rd.pages.items()
                    if info.kind == "overflow" and info.parent < lock < pgno]
        assert len(crossing) == 1
        owner = crossing[0]
        while rd.pages[owner].kind == "overflow":
            owner = rd.pages[owner].parent
        leaf = rd.parsed[owner]
        cells = [c for c in leaf.cells if c.overflow_page is not None]
        hits = 0
        for cell in cells:
            rest = read_overflow_chain(rd.page, cell.overflow_page,
                                       cell.payload_size - len(cell.payload), rd.usable,
                                       rd.page_count)
            values = decode_record(bytes(cell.payload) + rest)
            assert values[1] == bytes(dict(blobs)[cell.rowid])
            hits += 1
        assert hits >= 1
        expected = _expected_ptrmap(rd)
        for pgno, want in expected.items():
            assert ptrmap_entry_for(pgno, rd.page, rd.usable, rd.page_size) == want
        # the lock-byte page's own ptrmap slot was never written
        ptrmap = derived.ptrmap_page_for(lock, rd.usable, rd.page_size)
        offset = 5 * (lock - ptrmap - 1)
        assert rd.page(ptrmap)[offset:offset + 5] == bytes(5)
        del rd
