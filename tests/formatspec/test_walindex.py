"""The WAL-index (-shm) layout (formatspec/walindex.py) against -shm files sqlite3 writes."""

from __future__ import annotations

import sqlite3
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatspec import FormatError
from formatspec.wal import scan_wal
from formatspec.walindex import (
    HASHTABLE_NPAGE_ONE,
    WALINDEX_HDR_SIZE,
    WALINDEX_HEADER_SIZE,
    WalCkptInfo,
    WalIndexFile,
    WalIndexHeader,
    build_walindex,
    build_walindex_ckpt_info,
    build_walindex_header,
    encode_walindex_page_size,
    read_walindex_header,
    walindex_block_of_frame,
    walindex_frame_pages,
    walindex_frame_slot_offset,
    walindex_header_checksum,
    walindex_header_ok,
    walindex_lookup,
)


def _open_wal_db(path, page_size):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA page_size={page_size}")
    assert con.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
    return con


def _snapshot(path):
    wal = path.with_name(path.name + "-wal").read_bytes()
    shm = path.with_name(path.name + "-shm").read_bytes()
    return wal, shm


def _recovered_shm(where, db: bytes, wal: bytes) -> bytes:
    """The -shm sqlite3 builds by recovery when it opens db + wal with no -shm present."""
    where.mkdir()
    (where / "a.db").write_bytes(db)
    (where / "a.db-wal").write_bytes(wal)
    con = sqlite3.connect(where / "a.db")
    con.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    shm = (where / "a.db-shm").read_bytes()
    con.close()
    return shm


def _our_shm(wal: bytes) -> bytes:
    scan = scan_wal(wal)
    header = build_walindex_header(
        mx_frame=scan.mx_frame, n_page=scan.n_page, page_size=scan.header.page_size,
        salt_1=scan.header.salt_1, salt_2=scan.header.salt_2,
        frame_checksum=scan.commit_checksum,
        big_endian_checksum=scan.header.big_endian_checksum)
    # recovery indexes every valid frame, also those after the last commit
    return build_walindex([f.page_number for f in scan.frames[:scan.valid_frames]], header,
                          build_walindex_ckpt_info(mx_frame=scan.mx_frame))


@pytest.fixture(scope="module")
def held_open(tmp_path_factory):
    """-wal and -shm copied while a connection holds the database open, twice: idle after
    commits, and inside a transaction whose pages spilled into the WAL."""
    path = tmp_path_factory.mktemp("shm") / "a.db"
    con = _open_wal_db(path, 1024)
    for k in range(4):
        con.executemany("INSERT INTO t VALUES (?, randomblob(200))",
                        [(k * 1000 + i,) for i in range(80)])
    idle = _snapshot(path)
    con.execute("PRAGMA cache_size=2")
    con.execute("BEGIN")
    con.execute("UPDATE t SET b = randomblob(250)")
    spilled = _snapshot(path)
    db = path.read_bytes()
    con.execute("ROLLBACK")
    con.close()
    return dict(idle=idle, spilled=spilled, db=db)


@pytest.mark.parametrize("state", ["idle", "spilled"])
def test_read_walindex_created_by_sqlite3(held_open, state):
    wal, shm = held_open[state]
    scan = scan_wal(wal)
    assert len(shm) % 32768 == 0
    assert walindex_header_ok(shm)
    assert shm[:WALINDEX_HEADER_SIZE] == shm[WALINDEX_HEADER_SIZE:2 * WALINDEX_HEADER_SIZE]
    region = WalIndexFile.parse(shm)
    assert region.header == region.header_copy
    hdr = region.header
    assert hdr.iVersion == 3007000 and hdr.isInit == 1
    assert hdr.mxFrame == scan.mx_frame > 0
    assert hdr.nPage == scan.n_page
    assert hdr.szPage == scan.header.page_size == 1024
    assert hdr.bigEndCksum == scan.header.magic & 1
    assert list(hdr.aSalt) == [scan.header.salt_1, scan.header.salt_2]
    assert tuple(hdr.aFrameCksum) == scan.commit_checksum
    assert tuple(hdr.aCksum) == walindex_header_checksum(shm)
    assert region.ckpt_info.nBackfill == 0
    # the page-number arrays list each frame's page, committed or spilled
    assert walindex_frame_pages(shm, scan.valid_frames) == [
        f.page_number for f in scan.frames[:scan.valid_frames]]
    if state == "spilled":
        assert scan.valid_frames > scan.mx_frame
    newest = scan.page_index()
    for pgno in range(1, scan.n_page + 3):
        assert walindex_lookup(shm, pgno, hdr.mxFrame) == newest.get(pgno, 0)


@pytest.mark.parametrize("state", ["idle", "spilled"])
def test_round_trip_on_real_shm(held_open, state):
    _, shm = held_open[state]
    assert WalIndexFile.build(WalIndexFile.parse(shm)) == shm[:WALINDEX_HDR_SIZE]
    assert WalIndexHeader.build(WalIndexHeader.parse(shm)) == shm[:WALINDEX_HEADER_SIZE]
    ckpt = shm[2 * WALINDEX_HEADER_SIZE:WALINDEX_HDR_SIZE]
    assert WalCkptInfo.build(WalCkptInfo.parse(ckpt)) == ckpt
    parsed = WalIndexHeader.parse(shm)
    fast = read_walindex_header(shm)
    assert fast._asdict() == {k: (tuple(v) if isinstance(v, list) else v)
                              for k, v in parsed.items() if not k.startswith("_")}


def test_checkpoint_info_after_checkpoint(tmp_path):
    path = tmp_path / "c.db"
    con = _open_wal_db(path, 1024)
    con.executemany("INSERT INTO t VALUES (?, randomblob(300))", [(i,) for i in range(100)])
    busy, log, done = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    wal, shm = _snapshot(path)
    con.close()
    info = WalIndexFile.parse(shm).ckpt_info
    assert busy == 0 and log == done == scan_wal(wal).mx_frame
    assert info.nBackfill == done
    assert info.nBackfillAttempted == done
    assert info.aReadMark[0] == 0


def test_page_size_65536_is_stored_as_one(tmp_path):
    path = tmp_path / "big.db"
    con = _open_wal_db(path, 65536)
    con.execute("INSERT INTO t VALUES (1, randomblob(100))")
    wal, shm = _snapshot(path)
    con.close()
    scan = scan_wal(wal)
    assert scan.header.page_size == 65536 and scan.header_valid  # the WAL stores it as is
    assert scan.mx_frame == read_walindex_header(shm).mxFrame > 0
    assert struct.unpack_from("<H" if struct.pack("=H", 1) == b"\1\0" else ">H", shm, 14)[0] == 1
    assert read_walindex_header(shm).szPage == 65536
    assert WalIndexHeader.parse(shm).szPage == 65536
    assert WalIndexHeader.build(WalIndexHeader.parse(shm)) == shm[:WALINDEX_HEADER_SIZE]
    assert encode_walindex_page_size(65536) == 1 and encode_walindex_page_size(4096) == 4096
    assert walindex_header_ok(shm)


def test_second_hash_block(tmp_path):
    """More than 4062 frames: frames spill into the second 32 KiB block of the -shm."""
    path = tmp_path / "many.db"
    con = _open_wal_db(path, 512)
    con.execute("BEGIN")
    con.executemany("INSERT INTO t VALUES (?, randomblob(400))", [(i,) for i in range(4300)])
    con.execute("COMMIT")
    wal, shm = _snapshot(path)
    db = path.read_bytes()
    con.close()
    scan = scan_wal(wal)
    assert scan.mx_frame > HASHTABLE_NPAGE_ONE + 10
    assert walindex_block_of_frame(HASHTABLE_NPAGE_ONE) == 0
    assert walindex_block_of_frame(HASHTABLE_NPAGE_ONE + 1) == 1
    assert walindex_frame_slot_offset(HASHTABLE_NPAGE_ONE + 1) == 32768
    assert len(shm) >= 2 * 32768
    assert walindex_frame_pages(shm, scan.mx_frame) == [f.page_number for f in scan.frames]
    newest = scan.page_index()
    for pgno in list(newest)[::97] + [scan.n_page + 5]:
        assert walindex_lookup(shm, pgno, scan.mx_frame) == newest.get(pgno, 0)
    with pytest.raises(FormatError):
        walindex_frame_pages(shm[:32768 + 100], scan.mx_frame)
    recovered = _recovered_shm(tmp_path / "r", db, wal)
    ours = _our_shm(wal)
    assert len(ours) == 2 * 32768
    assert recovered[:len(ours)] == ours


@pytest.mark.parametrize("state", ["idle", "spilled"])
def test_built_walindex_equals_sqlite3_recovery(held_open, state, tmp_path):
    """Our -shm image, built from the WAL alone, is byte for byte the one sqlite3's
    recovery writes: header copies, checkpoint info, page-number arrays, hash tables."""
    wal, _ = held_open[state]
    db = held_open["db"]
    recovered = _recovered_shm(tmp_path / "r", db, wal)
    ours = _our_shm(wal)
    assert recovered[:WALINDEX_HDR_SIZE] == ours[:WALINDEX_HDR_SIZE]
    assert recovered[:len(ours)] == ours
    assert not any(recovered[len(ours):])


def test_damaged_header_is_not_trusted(held_open):
    _, shm = held_open["idle"]
    bad = bytearray(shm)
    bad[16] ^= 1  # mxFrame of the first copy
    assert not walindex_header_ok(bytes(bad))
    bad[WALINDEX_HEADER_SIZE + 16] ^= 1  # same change in the second copy: checksum still fails
    assert not walindex_header_ok(bytes(bad))
    assert walindex_header_checksum(bytes(bad)) != tuple(read_walindex_header(bytes(bad)).aCksum)
    assert not walindex_header_ok(shm[:50])


u32 = st.integers(0, 2**32 - 1)


@given(st.tuples(u32, u32, u32, st.integers(0, 255), st.integers(0, 255),
                 st.integers(0, 0xFFFF).filter(lambda v: v != 1) | st.just(65536),
                 u32, u32, st.tuples(u32, u32), st.tuples(u32, u32), st.tuples(u32, u32)))
def test_header_parse_build_round_trip(fields):
    names = ("iVersion", "unused", "iChange", "isInit", "bigEndCksum", "szPage", "mxFrame",
             "nPage", "aFrameCksum", "aSalt", "aCksum")
    value = {k: (list(v) if isinstance(v, tuple) else v) for k, v in zip(names, fields)}
    raw = WalIndexHeader.build(value)
    assert len(raw) == WALINDEX_HEADER_SIZE
    assert WalIndexHeader.parse(raw) == value
    assert tuple(read_walindex_header(raw)) == fields


@given(u32, st.lists(u32, min_size=5, max_size=5), st.binary(min_size=8, max_size=8), u32, u32)
def test_ckpt_info_parse_build_round_trip(backfill, marks, locks, attempted, unused):
    value = dict(nBackfill=backfill, aReadMark=marks, aLock=locks,
                 nBackfillAttempted=attempted, notUsed0=unused)
    raw = WalCkptInfo.build(value)
    assert len(raw) == 40
    assert WalCkptInfo.parse(raw) == value


@given(st.binary(max_size=60))
def test_fast_twin_agrees_with_schema_on_garbage(data):
    try:
        expected = WalIndexHeader.parse(data)
    except FormatError:
        with pytest.raises(FormatError):
            read_walindex_header(data)
        return
    assert read_walindex_header(data)._asdict() == {
        k: (tuple(v) if isinstance(v, list) else v)
        for k, v in expected.items() if not k.startswith("_")}
