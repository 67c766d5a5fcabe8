"""Garbage into every overflow/freelist/ptrmap/journal/WAL/WAL-index reader.

Random and mutated bytes must give a result or :class:`FormatError`, never
another exception, never a hang: cycles are detected and every loop is
bounded by the size of its input. Each call is also timed.
"""

from __future__ import annotations

import functools
import sqlite3
import tempfile
import time
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from formatspec import FormatError
from formatspec.freelist import FreelistTrunkPage, read_freelist_trunk, walk_freelist
from formatspec.journal import (
    JournalHeader,
    JournalPageRecord,
    SuperJournalRecord,
    journal_checksum,
    read_journal_header,
    read_super_journal,
    scan_journal,
)
from formatspec.overflow import OverflowPage, read_overflow_chain, read_overflow_page
from formatspec.ptrmap import PtrmapPage, ptrmap_entry_for, read_ptrmap_entries
from formatspec.wal import (
    WalFrameHeader,
    WalHeader,
    read_wal_frame_header,
    read_wal_header,
    scan_wal,
    wal_checksum,
)
from formatspec.walindex import (
    WalCkptInfo,
    WalIndexFile,
    WalIndexHeader,
    read_walindex_header,
    walindex_frame_pages,
    walindex_header_ok,
    walindex_lookup,
)

TIME_LIMIT = 5.0  # seconds per call; inputs here are at most a few hundred KiB


def judged(fn, *args, **kwargs):
    """Call ``fn``; FormatError is an acceptable verdict, anything else fails the test."""
    start = time.perf_counter()
    try:
        return fn(*args, **kwargs)
    except FormatError as err:
        assert str(err)
        return None
    finally:
        assert time.perf_counter() - start < TIME_LIMIT, fn.__name__


@functools.lru_cache(maxsize=1)
def real_files() -> dict:
    """A small real WAL, -shm and hot journal made by sqlite3 (built once per session)."""
    where = Path(tempfile.mkdtemp(prefix="garbage-aux-"))
    wal_db = where / "w.db"
    con = sqlite3.connect(wal_db, isolation_level=None)
    con.execute("PRAGMA page_size=512")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE t(a, b)")
    for _ in range(3):
        con.execute("BEGIN")
        con.executemany("INSERT INTO t VALUES (?, randomblob(100))", [(i,) for i in range(20)])
        con.execute("COMMIT")
    wal = (where / "w.db-wal").read_bytes()
    shm = (where / "w.db-shm").read_bytes()
    con.close()
    j_db = where / "j.db"
    con = sqlite3.connect(j_db, isolation_level=None)
    con.execute("PRAGMA page_size=512")
    con.execute("CREATE TABLE t(a, b)")
    con.execute("BEGIN")
    con.executemany("INSERT INTO t VALUES (?, randomblob(100))", [(i,) for i in range(300)])
    con.execute("COMMIT")
    con.execute("PRAGMA cache_size=10")
    con.execute("BEGIN")
    con.execute("UPDATE t SET b = randomblob(110)")
    journal = (where / "j.db-journal").read_bytes()
    con.execute("ROLLBACK")
    con.close()
    return dict(wal=wal, shm=shm, journal=journal)


def mutate(data: bytes, edits, cut) -> bytes:
    out = bytearray(data)
    for position, value in edits:
        if out:
            out[position % len(out)] = value
    if cut is not None and out:
        del out[cut % len(out):]
    return bytes(out)


edits = st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), max_size=12)
cuts = st.none() | st.integers(0, 2**20)
usables = st.sampled_from([480, 512, 1000, 1024]) | st.integers(-5, 70000)
u32 = st.integers(0, 2**32 - 1)


@given(st.binary(max_size=1100), usables)
def test_page_layouts_on_garbage(page, usable):
    judged(OverflowPage.parse, page, usable_size=usable)
    judged(read_overflow_page, page, usable)
    judged(FreelistTrunkPage.parse, page, usable_size=usable)
    judged(read_freelist_trunk, page, usable)
    judged(PtrmapPage.parse, page, usable_size=usable)
    judged(read_ptrmap_entries, page, usable)


@given(st.lists(st.binary(min_size=0, max_size=600), min_size=1, max_size=8),
       u32, st.integers(-3, 10**7), st.integers(0, 12), st.sampled_from([480, 512]),
       st.lists(st.tuples(st.integers(0, 11), u32), max_size=8))
def test_page_chains_on_garbage(pages, first, remaining, page_count, usable, links):
    """Random pages whose next pointers are mostly small numbers, so cycles are common."""
    pool = [bytearray(p) for p in pages]
    for index, target in links:
        page = pool[index % len(pool)]
        if len(page) >= 4:
            page[0:4] = (target % 16).to_bytes(4, "big")

    def get_page(pgno):
        return bytes(pool[pgno % len(pool)])

    judged(read_overflow_chain, get_page, first % 16, remaining, usable, page_count)
    judged(walk_freelist, get_page, first % 16, remaining % 100, page_count, usable)
    walk = judged(walk_freelist, get_page, first % 16, remaining % 100, page_count, usable,
                  strict=False)
    if walk is not None:
        assert walk.page_total <= max(page_count, 0) + 1
    judged(ptrmap_entry_for, first % 40, get_page, usable, 512)
    judged(ptrmap_entry_for, first % 40, get_page, usable, remaining % 70000)
    judged(read_overflow_chain, get_page, -first, remaining, usable, page_count)
    judged(walk_freelist, get_page, -first, 0, page_count, usable, strict=False)


@given(st.binary(max_size=2000), st.sampled_from([512, 1024]) | st.integers(-2, 70000))
def test_journal_layouts_on_garbage(data, page_size):
    judged(JournalHeader.parse, data)
    judged(read_journal_header, data)
    judged(JournalPageRecord.parse, data, page_size=page_size)
    judged(SuperJournalRecord.parse, data)
    judged(read_super_journal, data)
    assert 0 <= journal_checksum(page_size % 2**32, data) < 2**32
    judged(scan_journal, data)
    judged(scan_journal, data, 1024)


@given(edits, cuts, st.sampled_from([None, 512, 1024]))
def test_scan_journal_on_mutated_journal(changes, cut, db_page_size):
    data = mutate(real_files()["journal"], changes, cut)
    scan = judged(scan_journal, data, db_page_size)
    if scan is not None:
        assert scan.pages_restored <= len(scan.records) <= len(data) // 520 + 1


@given(st.binary(max_size=3000))
def test_wal_layouts_on_garbage(data):
    judged(WalHeader.parse, data)
    judged(read_wal_header, data)
    judged(read_wal_header, data, validate=False)
    judged(WalFrameHeader.parse, data)
    judged(read_wal_frame_header, data)
    judged(wal_checksum, data, big_endian=True)
    scan = judged(scan_wal, data)
    assert scan is not None  # scanning reports; it never refuses bytes
    judged(scan_wal, lambda offset, count: data[offset:offset + count])


@given(edits, cuts)
def test_scan_wal_on_mutated_wal(changes, cut):
    data = mutate(real_files()["wal"], changes, cut)
    scan = judged(scan_wal, data)
    assert scan is not None
    assert scan.mx_frame <= scan.valid_frames <= len(scan.frames)
    assert all(f.committed == (f.index <= scan.mx_frame) for f in scan.frames)


@given(st.binary(max_size=400), u32, u32)
def test_walindex_layouts_on_garbage(data, count, page):
    judged(WalIndexHeader.parse, data)
    judged(WalCkptInfo.parse, data)
    judged(WalIndexFile.parse, data)
    judged(read_walindex_header, data)
    assert walindex_header_ok(data) in (True, False)
    judged(walindex_frame_pages, data, count % 5000)
    judged(walindex_lookup, data, page, count)


@given(edits, cuts, u32, st.integers(0, 200))
def test_walindex_on_mutated_shm(changes, cut, page, mx_frame):
    data = mutate(real_files()["shm"], changes, cut)
    judged(WalIndexFile.parse, data)
    judged(read_walindex_header, data)
    judged(walindex_frame_pages, data, mx_frame)
    judged(walindex_lookup, data, page % 50, mx_frame)
