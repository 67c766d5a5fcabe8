"""build(parse(bytes)) == bytes for every structure of every file sqlite3 wrote in the corpus.

* the database header of every file;
* every page according to its kind as sqlite3 classifies it (``dbstat``: b-tree
  pages and overflow pages) or as the format places it (freelist trunks from
  header offset 32, pointer-map pages by formula): :data:`BTreePage` (and each
  cell alone), :data:`OverflowPage`, :data:`FreelistTrunkPage`,
  :data:`PtrmapPage`;
* every record of every b-tree cell (:data:`Record`, and the fast twins
  :func:`decode_record` / :func:`encode_record`): SQLite always writes minimal
  serial types, so re-encoding the decoded values gives sqlite3's bytes, and
  encoding the values sqlite3 returns for each row gives them too (after the
  two documented storage rules: an INTEGER PRIMARY KEY is stored as NULL, and a
  REAL-affinity column stores an integral value as an integer);
* the journal: every segment header and every page record, with checksums
  recomputed; the WAL: the header and every frame header, with the checksum
  chain recomputed.
"""

from __future__ import annotations

import functools
import sqlite3
from pathlib import Path

import pytest

from corpus import build as corpus_build
from formatspec import derived
from formatspec.btree import CELL_SPECS, TABLE_INTERIOR, TABLE_LEAF, BTreePage
from formatspec.freelist import FreelistTrunkPage, walk_freelist
from formatspec.header import DatabaseHeader
from formatspec.journal import (
    JOURNAL_MAGIC,
    JournalHeader,
    JournalPageRecord,
    journal_checksum,
    journal_page_images,
    read_journal_header,
    scan_journal,
)
from formatspec.overflow import OverflowPage, read_overflow_chain
from formatspec.ptrmap import PtrmapPage
from formatspec.record import Record, decode_record, encode_record
from formatspec.wal import (
    WalFrameHeader,
    WalHeader,
    read_wal_frame_header,
    scan_wal,
    wal_frame_checksum,
    wal_header_checksum,
)

SPECS = {s.name: s for s in corpus_build.SPECS}
ENCODINGS = {"UTF-8": "utf-8", "UTF-16le": "utf-16-le", "UTF-16be": "utf-16-be"}
CONSISTENT = [(s.name, "pre" if s.mode == "hotjournal" else "db") for s in corpus_build.SPECS]
ALL_FILES = CONSISTENT + [(s.name, "db") for s in corpus_build.SPECS if s.mode == "hotjournal"]


def _ids(targets):
    return [f"{name}-{which}" for name, which in targets]


def file_of(fx, which):
    return fx.pre_transaction_path if which == "pre" else fx.path


class Db:
    """A database file and its b-tree pages as parsed (each page parsed once)."""

    def __init__(self, path):
        self.data = path.read_bytes()
        self.header = DatabaseHeader.parse(self.data[:100])
        self.page_size = self.header.page_size
        self.usable = derived.usable_size(self.page_size, self.header.reserved_space)
        self.page_count = len(self.data) // self.page_size
        self.parsed = {}

    def page(self, pgno: int) -> bytes:
        return self.data[(pgno - 1) * self.page_size:pgno * self.page_size]

    def btree_page(self, pgno: int):
        if pgno not in self.parsed:
            self.parsed[pgno] = BTreePage.parse(self.page(pgno), pgno=pgno,
                                                usable_size=self.usable)
        return self.parsed[pgno]


@functools.cache
def open_db(path: str) -> Db:
    return Db(Path(path))


@pytest.mark.parametrize("name,which", ALL_FILES, ids=_ids(ALL_FILES))
def test_header_round_trips(name, which, corpus_by_name):
    raw = file_of(corpus_by_name[name], which).read_bytes()[:100]
    assert DatabaseHeader.build(DatabaseHeader.parse(raw)) == raw


@pytest.mark.parametrize("name,which", CONSISTENT, ids=_ids(CONSISTENT))
def test_every_page_round_trips(name, which, corpus_by_name, sqlite_view):
    path = file_of(corpus_by_name[name], which)
    db = open_db(str(path))
    view = sqlite_view(path)
    counts = {"btree": 0, "cells": 0, "overflow": 0, "trunk": 0, "ptrmap": 0}
    for pgno, stat in view.dbstat.items():
        page = db.page(pgno)
        if stat.pagetype == "overflow":
            parsed = OverflowPage.parse(page, usable_size=db.usable)
            assert OverflowPage.build(parsed, usable_size=db.usable) == page, f"page {pgno}"
            counts["overflow"] += 1
            continue
        parsed = db.btree_page(pgno)
        # (build writes the header, the pointers and every cell's image over the raw page)
        assert BTreePage.build(parsed, pgno=pgno, usable_size=db.usable) == page, f"page {pgno}"
        counts["btree"] += 1
        counts["cells"] += len(parsed.cells)
    # a few cells alone, at their pointers, with no raw image to help
    for pgno in sorted(db.parsed)[:40]:
        parsed = db.parsed[pgno]
        cell_spec = CELL_SPECS[parsed.page_type]
        for i, (offset, cell) in enumerate(zip(parsed.cell_pointers, parsed.cells)):
            image = cell_spec.build(cell, usable_size=db.usable, pgno=pgno)
            assert db.page(pgno)[offset:offset + len(image)] == image, f"page {pgno} cell {i}"
    walk = walk_freelist(db.page, db.header.first_freelist_trunk_page,
                         db.header.freelist_count, db.page_count, db.usable)
    for trunk, _leaves in walk:
        page = db.page(trunk)
        parsed = FreelistTrunkPage.parse(page, usable_size=db.usable, pgno=trunk)
        assert FreelistTrunkPage.build(parsed, usable_size=db.usable) == page
        counts["trunk"] += 1
    if db.header.largest_root_page:
        for pgno in range(2, db.page_count + 1):
            if derived.is_ptrmap_page(pgno, db.usable, db.page_size):
                page = db.page(pgno)
                parsed = PtrmapPage.parse(page, usable_size=db.usable)
                assert PtrmapPage.build(parsed, usable_size=db.usable) == page
                counts["ptrmap"] += 1
    assert counts["btree"] and counts["cells"] and counts["overflow"]
    fx = corpus_by_name[name]
    assert bool(counts["trunk"]) == ("freelist" in fx.features)
    assert bool(counts["ptrmap"]) == bool(fx.auto_vacuum)


# -- records -------------------------------------------------------------------------------


def _payload(db: Db, cell) -> bytes:
    local = bytes(cell.payload)
    if cell.overflow_page is None:
        return local
    return local + read_overflow_chain(db.page, cell.overflow_page,
                                       cell.payload_size - len(local), db.usable, db.page_count)


def _cells_in_order(db: Db, root: int):
    """(page type, cell) of every cell of a b-tree, in key order (interior cells included)."""
    out = []

    def visit(pgno):
        parsed = db.btree_page(pgno)
        interior = parsed.right_child is not None
        for cell in parsed.cells:
            if interior:
                visit(cell.left_child)
            out.append((parsed.page_type, cell))
        if interior:
            visit(parsed.right_child)

    visit(root)
    return out


def _affinity(declared: str) -> str:
    """Column affinity from the declared type (the rules of "Datatypes In SQLite" 3.1)."""
    t = (declared or "").upper()
    if "INT" in t:
        return "INTEGER"
    if "CHAR" in t or "CLOB" in t or "TEXT" in t:
        return "TEXT"
    if "BLOB" in t or not t:
        return "BLOB"
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return "REAL"
    return "NUMERIC"


def _same(a, b) -> bool:
    return type(a) is type(b) and (repr(a) == repr(b))


@pytest.mark.parametrize("name,which", CONSISTENT, ids=_ids(CONSISTENT))
def test_every_record_round_trips_and_matches_sqlite3(name, which, corpus_by_name, sqlite_view,
                                                      tmp_path):
    fx = corpus_by_name[name]
    path = file_of(fx, which)
    db = open_db(str(path))
    encoding = ENCODINGS[fx.encoding]
    view = sqlite_view(path)
    copy = tmp_path / "copy.db"
    copy.write_bytes(path.read_bytes())
    con = sqlite3.connect(copy)
    records = 0
    stored_as_integer = 0
    short_records = 0
    try:
        for type_, obj, _tbl, rootpage, sql in (("table", "sqlite_schema", "", 1, ""),
                                               *view.schema):
            if type_ not in ("table", "index") or not rootpage:
                continue
            cells = _cells_in_order(db, rootpage)
            without_rowid = "WITHOUT ROWID" in (sql or "").upper()
            payloads = []  # one per row, in key order
            for page_type, cell in cells:
                if page_type == TABLE_INTERIOR:
                    continue
                payload = _payload(db, cell)
                values = decode_record(payload, encoding)
                if type_ == "table":  # a row: the schema too (index keys: the twins only)
                    parsed = Record.parse(payload, encoding=encoding)
                    assert Record.build(parsed, encoding=encoding) == payload
                    assert len(values) == len(parsed["values"])
                    assert all(_same(a, b) for a, b in zip(values, parsed["values"]))
                # sqlite3 always chose the minimal serial types
                assert encode_record(values, encoding) == payload, f"{obj} record"
                records += 1
                # a WITHOUT ROWID table is an index b-tree: every cell, interior ones
                # included, is one row
                rowid = cell.rowid if page_type == TABLE_LEAF else None
                payloads.append((rowid, values, payload))
            if type_ != "table" or obj == "sqlite_schema":
                continue
            info = con.execute(f'PRAGMA table_info("{obj}")').fetchall()
            affinity = [_affinity(col[2]) for col in info]
            if without_rowid:
                # records hold the key columns first; our schema declares them first
                pk = [col[5] for col in info]
                keys = sorted(p for p in pk if p)
                assert pk[:len(keys)] == keys
                rows = [(None, *r) for r in con.execute(f'SELECT * FROM "{obj}"')]
                ipk = None
            else:
                rows = con.execute(f'SELECT rowid, * FROM "{obj}" ORDER BY rowid').fetchall()
                ipk = next((i for i, col in enumerate(info)
                            if col[5] == 1 and col[2].upper() == "INTEGER"
                            and sum(c[5] > 0 for c in info) == 1), None)
            assert len(rows) == len(payloads), obj
            for row, (rowid, values, payload) in zip(rows, payloads):
                if not without_rowid:
                    assert rowid == row[0], obj
                columns = list(row[1:])
                assert len(values) <= len(columns)
                if len(values) < len(columns):
                    short_records += 1
                    # ADD COLUMN: the missing columns read as their defaults
                    defaults = [con.execute(f"SELECT {col[4]}").fetchone()[0]
                                if col[4] is not None else None
                                for col in info[len(values):]]
                    assert columns[len(values):] == defaults
                expected = []
                for i, (ours, theirs) in enumerate(zip(values, columns)):
                    if i == ipk:
                        assert ours is None and theirs == rowid  # stored as NULL
                        expected.append(None)
                    elif isinstance(ours, int) and isinstance(theirs, float):
                        # REAL affinity stores integral values as integers
                        assert affinity[i] == "REAL" and float(ours) == theirs, (obj, i)
                        stored_as_integer += 1
                        expected.append(ours)
                    else:
                        assert _same(ours, theirs), (obj, i, ours, theirs)
                        expected.append(theirs)
                assert encode_record(expected, encoding) == payload, obj
    finally:
        con.close()
    assert records > 100
    assert stored_as_integer > 0  # typed.r and people.score hold integral REALs
    assert short_records > 0  # evolving's old rows


# -- journal and WAL -----------------------------------------------------------------------

HOT = [s.name for s in corpus_build.SPECS if s.mode == "hotjournal"]
WAL = [s.name for s in corpus_build.SPECS if s.mode == "wal"]


@pytest.mark.parametrize("name", HOT)
def test_journal_round_trips(name, corpus_by_name):
    fx = corpus_by_name[name]
    data = fx.journal_path.read_bytes()
    scan = scan_journal(data, fx.page_size)
    assert scan.looks_hot and scan.header_valid and scan.pages_restored > 0
    assert scan.page_size == fx.page_size
    for segment in scan.segments:
        raw = data[segment.offset:segment.offset + segment.sector_size]
        parsed = JournalHeader.parse(raw)
        assert JournalHeader.build(parsed) == raw
        assert read_journal_header(raw)[:1] == (JOURNAL_MAGIC,)
        assert parsed.checksum_nonce == segment.checksum_nonce
    checked = 0
    for record in scan.records:
        raw = data[record.offset:record.offset + fx.page_size + 8]
        parsed = JournalPageRecord.parse(raw, page_size=fx.page_size)
        assert JournalPageRecord.build(parsed, page_size=fx.page_size) == raw
        assert parsed.page_number == record.page_number
        if record.checksum_ok is not None:
            nonce = scan.segments[record.segment].checksum_nonce
            assert journal_checksum(nonce, parsed.data) == parsed.checksum  # sqlite3's own
            checked += 1
    assert checked == scan.pages_restored > 0
    # the cache spilled several times: one synced segment per spill, then a last segment
    # whose header is not complete yet (magic and record count still zero)
    assert len(scan.segments) >= 2
    tail = read_journal_header(data, scan.stop_offset)
    assert tail.magic == bytes(8) and tail.record_count == 0
    assert (tail.sector_size, tail.page_size) == (scan.sector_size, scan.page_size)
    offset = scan.stop_offset + scan.sector_size
    unsynced = 0
    while offset + fx.page_size + 8 <= len(data):
        raw = data[offset:offset + fx.page_size + 8]
        parsed = JournalPageRecord.parse(raw, page_size=fx.page_size)
        assert JournalPageRecord.build(parsed, page_size=fx.page_size) == raw
        assert journal_checksum(tail.checksum_nonce, parsed.data) == parsed.checksum
        unsynced += 1
        offset += fx.page_size + 8
    assert offset == len(data)  # whole records only, up to the end of the file


@pytest.mark.parametrize("name", HOT)
def test_read_hot_journal_created_by_sqlite3(name, corpus_by_name, tmp_path):
    """Our playback of the journal over the torn file == sqlite3's rollback, byte for byte."""
    fx = corpus_by_name[name]
    scan = scan_journal(fx.journal_path.read_bytes(), fx.page_size)
    pre = fx.pre_transaction_path.read_bytes()
    assert scan.initial_db_size == len(pre) // fx.page_size
    image = bytearray(fx.path.read_bytes())
    for pgno, page in journal_page_images(fx.journal_path.read_bytes(), scan).items():
        image[(pgno - 1) * fx.page_size:pgno * fx.page_size] = page
    del image[scan.initial_db_size * fx.page_size:]
    copy = fx.copy_to(tmp_path)
    con = sqlite3.connect(copy.path)
    try:
        con.execute("SELECT count(*) FROM sqlite_schema").fetchone()  # rolls back
    finally:
        con.close()
    assert bytes(image) == copy.path.read_bytes()


@pytest.mark.parametrize("name", WAL)
def test_wal_round_trips_and_checksums(name, corpus_by_name):
    fx = corpus_by_name[name]
    data = fx.wal_path.read_bytes()
    header = WalHeader.parse(data[:32])
    assert WalHeader.build(header) == data[:32]
    assert wal_header_checksum(data[:32]) == (header.checksum_1, header.checksum_2)
    scan = scan_wal(data)
    big_endian = bool(header.magic & 1)
    chain = (header.checksum_1, header.checksum_2)
    frame_size = 24 + fx.page_size
    frames = (len(data) - 32) // frame_size
    for index in range(frames):
        offset = 32 + index * frame_size
        raw = data[offset:offset + 24]
        parsed = WalFrameHeader.parse(raw)
        assert WalFrameHeader.build(parsed) == raw
        assert tuple(read_wal_frame_header(raw)) == tuple(parsed[k] for k in (
            "page_number", "commit_size", "salt_1", "salt_2", "checksum_1", "checksum_2"))
        salts = (parsed.salt_1, parsed.salt_2)
        if index < scan.valid_frames:
            # every frame of the valid chain: our checksum is the one sqlite3 wrote
            assert salts == (header.salt_1, header.salt_2)
            chain = wal_frame_checksum(raw, data[offset + 24:offset + frame_size], *chain,
                                       big_endian=big_endian)
            assert chain == (parsed.checksum_1, parsed.checksum_2), f"frame {index + 1}"
        else:
            # After an uncommitted transaction rewrote one of its frames in place, wal.c
            # writes later frames with salts and checksums zeroed (walEncodeFrame with
            # iReCksum set), to be filled in at commit: never, here.
            assert index >= scan.mx_frame
            assert salts in ((header.salt_1, header.salt_2), (0, 0))
            if salts == (0, 0):
                assert (parsed.checksum_1, parsed.checksum_2) == (0, 0)
    assert scan.valid_frames > scan.mx_frame > 0
