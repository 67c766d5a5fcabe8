"""engine.pager: header rules, bounded cache, lock-byte page, WAL frames, hot journals."""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct

import pytest

from engine import CorruptError, DatabaseError, NotSupportedError
from engine.pager import Pager
from engine.vfs import NONE, MemoryVFS


def _make(path, *, page_size=1024, rows=300, encoding="UTF-8", journal_mode="delete"):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"pragma page_size={page_size}")
    con.execute(f"pragma encoding='{encoding}'")
    con.execute(f"pragma journal_mode={journal_mode}")
    con.execute("create table t(a, b)")
    con.execute("begin")
    con.executemany("insert into t values (?, ?)", ((i, "x" * (i % 300)) for i in range(rows)))
    con.execute("commit")
    return con


def _file_pages(path, page_size):
    data = open(path, "rb").read()
    return [data[i:i + page_size] for i in range(0, len(data), page_size)]


@pytest.mark.parametrize("page_size", [512, 1024, 4096, 8192, 16384, 32768, 65536])
@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16le", "UTF-16be"])
def test_header_of_files_created_by_sqlite3(tmp_path, page_size, encoding):
    path = str(tmp_path / "h.db")
    con = _make(path, page_size=page_size, encoding=encoding, rows=50)
    want_pages = con.execute("pragma page_count").fetchone()[0]
    con.close()
    with Pager(path, cache_size=5) as pager:
        assert pager.page_size == page_size
        assert pager.usable_size == page_size
        assert pager.page_count == want_pages
        assert pager.encoding == {"UTF-8": "utf-8", "UTF-16le": "utf-16-le",
                                  "UTF-16be": "utf-16-be"}[encoding]
        file_pages = _file_pages(path, page_size)
        for pgno in range(1, pager.page_count + 1):
            assert pager.get_page(pgno) == file_pages[pgno - 1]
        pager.check_invariants()
        assert len(pager._cache) <= pager.cache_pages == 10  # minimum capacity


def test_cache_is_bounded_and_lru(tmp_path):
    path = str(tmp_path / "c.db")
    _make(path, page_size=512, rows=2000).close()
    with Pager(path, cache_size=12) as pager:
        assert pager.page_count > 100
        for pgno in range(1, pager.page_count + 1):
            pager.get_page(pgno)
            assert len(pager._cache) <= 12
        reads = pager.page_reads
        pager.get_page(pager.page_count)  # most recent: a hit
        assert pager.page_reads == reads
        pager.get_page(1)  # evicted long ago: a miss
        assert pager.page_reads == reads + 1
        pager.check_invariants()
    # negative cache_size means KiB, as PRAGMA cache_size
    with Pager(path, cache_size=-64) as pager:
        assert pager.cache_pages == 64 * 1024 // 512


def test_page_number_out_of_range(tmp_path):
    path = str(tmp_path / "r.db")
    _make(path, rows=10).close()
    with Pager(path) as pager:
        for bad in (0, -1, pager.page_count + 1):
            with pytest.raises(CorruptError) as exc:
                pager.get_page(bad)
            assert exc.value.page == bad


def _patch(path, offset, fmt, *values):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(struct.pack(fmt, *values))


def test_stale_in_header_size_is_ignored_like_sqlite3(tmp_path):
    path = str(tmp_path / "s.db")
    _make(path, rows=200).close()
    real = os.path.getsize(path) // 1024
    _patch(path, 28, ">I", real + 50)  # database_size, but...
    _patch(path, 92, ">I", 0xDEAD)  # ...version_valid_for no longer matches the change counter
    con = sqlite3.connect(path)
    assert con.execute("pragma page_count").fetchone()[0] == real
    assert con.execute("pragma quick_check").fetchone()[0] == "ok"
    con.close()
    with Pager(path) as pager:
        assert pager.page_count == real


def test_valid_in_header_size_beyond_the_file_is_corrupt(tmp_path):
    path = str(tmp_path / "b.db")
    _make(path, rows=200).close()
    real = os.path.getsize(path) // 1024
    _patch(path, 28, ">I", real + 50)
    con = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError):
        con.execute("select count(*) from t").fetchone()
    con.close()
    with pytest.raises(CorruptError) as exc:
        Pager(path)
    assert exc.value.page == 1


def test_not_a_database(tmp_path):
    path = tmp_path / "n.db"
    path.write_bytes(b"hello, world" * 100)
    with pytest.raises(DatabaseError):
        Pager(str(path))
    empty = tmp_path / "e.db"
    empty.write_bytes(b"")
    with Pager(str(empty)) as pager:  # an empty file is an empty database, as in sqlite3
        assert pager.page_count == 0


def test_lock_byte_page_is_never_data(tmp_path):
    path = str(tmp_path / "big.db")
    _make(path, page_size=65536, rows=3).close()
    lock_page = 2**30 // 65536 + 1
    with open(path, "r+b") as f:  # a sparse file past the lock-byte page
        f.truncate((lock_page + 1) * 65536)
    _patch(path, 28, ">I", lock_page + 1)  # the in-header size agrees
    with Pager(path) as pager:
        assert pager.page_count == lock_page + 1
        assert pager.lock_byte_page == lock_page
        with pytest.raises(CorruptError) as exc:
            pager.get_page(lock_page)
        assert exc.value.page == lock_page
        assert pager.get_page(lock_page + 1) == bytes(65536)


def test_lock_released_on_close(tmp_path):
    path = str(tmp_path / "l.db")
    _make(path, rows=5).close()
    pager = Pager(path)
    pager.check_invariants()
    pager.close()
    assert pager.file.lock_level == NONE
    pager.check_invariants()


def test_write_side_is_not_pretended(tmp_path):
    path = str(tmp_path / "w.db")
    _make(path, rows=5).close()
    with Pager(path, readonly=False) as pager:
        for call in (pager.begin_write, pager.commit, lambda: pager.write_page(1, b"")):
            with pytest.raises(NotSupportedError):
                call()


def _wal_pair(tmp_path, *, damage_last_frame=False):
    """A db with a live WAL (copied while sqlite3 holds it open) and sqlite3's checkpointed view."""
    live = str(tmp_path / "live.db")
    con = _make(live, rows=100, journal_mode="wal")
    con.execute("pragma wal_autocheckpoint=0")
    for i in range(5):
        con.execute("insert into t values (?, ?)", (1000 + i, "w" * 700))
    con.execute("update t set b = 'changed' where a < 50")
    ours = tmp_path / "ours"
    theirs = tmp_path / "theirs"
    for d in (ours, theirs):
        d.mkdir()
        shutil.copyfile(live, d / "x.db")
        shutil.copyfile(live + "-wal", d / "x.db-wal")
    con.close()
    if damage_last_frame:
        for d in (ours, theirs):
            wal = d / "x.db-wal"
            data = bytearray(wal.read_bytes())
            data[-10] ^= 0xFF  # the last frame (the last commit) fails its checksum
            wal.write_bytes(bytes(data))
    ref = sqlite3.connect(theirs / "x.db", isolation_level=None)
    rows = ref.execute("select * from t").fetchall()
    ref.execute("pragma wal_checkpoint(truncate)")
    count = ref.execute("pragma page_count").fetchone()[0]
    ref.close()
    return str(ours / "x.db"), str(theirs / "x.db"), rows, count


@pytest.mark.parametrize("damage", [False, True])
def test_read_through_wal_created_by_sqlite3(tmp_path, damage):
    ours, theirs, _rows, count = _wal_pair(tmp_path, damage_last_frame=damage)
    before = open(ours, "rb").read(), open(ours + "-wal", "rb").read()
    with Pager(ours) as pager:
        assert pager._wal_frames  # the log is in use
        assert pager.page_count == count
        want = _file_pages(theirs, 1024)
        for pgno in range(1, count + 1):
            assert pager.get_page(pgno) == want[pgno - 1], pgno
        pager.check_invariants()
    assert (open(ours, "rb").read(), open(ours + "-wal", "rb").read()) == before
    assert not os.path.exists(ours + "-shm")  # no wal-index needed or written


def _hot(tmp_path):
    live = str(tmp_path / "live.db")
    con = _make(live, rows=400, page_size=1024)
    con.close()
    pre = open(live, "rb").read()
    con = sqlite3.connect(live, isolation_level=None)
    con.execute("pragma cache_size=2")
    con.execute("begin")
    con.execute("update t set b = 'y' || b")
    con.executemany("insert into t values (?, ?)", ((i, "z" * 900) for i in range(200)))
    assert open(live, "rb").read() != pre  # the cache spilled into the file
    hot = tmp_path / "hot.db"
    shutil.copyfile(live, hot)
    shutil.copyfile(live + "-journal", str(hot) + "-journal")
    con.execute("rollback")
    con.close()
    return str(hot), pre


def test_hot_journal_readonly_presents_rollback_without_writing(tmp_path):
    hot, pre = _hot(tmp_path)
    files = {p: open(p, "rb").read() for p in (hot, hot + "-journal")}
    with Pager(hot, readonly=True) as pager:
        assert pager.page_count * 1024 == len(pre)
        for pgno in range(1, pager.page_count + 1):
            assert pager.get_page(pgno) == pre[(pgno - 1) * 1024:pgno * 1024]
        pager.check_invariants()
    assert {p: open(p, "rb").read() for p in files} == files


def test_hot_journal_rolled_back_like_sqlite3(tmp_path):
    hot, pre = _hot(tmp_path)
    other = tmp_path / "other.db"
    shutil.copyfile(hot, other)
    shutil.copyfile(hot + "-journal", str(other) + "-journal")
    with Pager(hot, readonly=False) as pager:
        assert pager.rolled_back_journal
        assert pager.get_page(1) == pre[:1024]
    assert not os.path.exists(hot + "-journal")
    assert open(hot, "rb").read() == pre
    con = sqlite3.connect(other)  # sqlite3's own rollback gives the same file
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    con.close()
    assert open(other, "rb").read() == pre


def test_memory_vfs_pager(tmp_path):
    path = str(tmp_path / "m.db")
    _make(path, rows=50).close()
    image = open(path, "rb").read()
    vfs = MemoryVFS({"m.db": image})
    with Pager("m.db", vfs=vfs) as pager:
        assert pager.get_page(2) == image[1024:2048]


@pytest.mark.parametrize("mode", ["persist", "truncate"])
def test_hot_journal_finished_per_journal_mode(tmp_path, mode):
    hot, pre = _hot(tmp_path)
    with Pager(hot, readonly=False, journal_mode=mode) as pager:
        assert pager.rolled_back_journal
    journal = open(hot + "-journal", "rb").read()
    if mode == "truncate":
        assert journal == b""
    else:
        assert journal[:28] == bytes(28) and len(journal) > 28
    assert open(hot, "rb").read() == pre
    with Pager(hot, readonly=True) as pager:  # no longer hot: nothing to roll back
        assert not pager._journal_pages and not pager.rolled_back_journal
    con = sqlite3.connect(hot)
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    con.close()
    assert open(hot, "rb").read() == pre
