"""WAL header, frames, checksum and recovery scan (formatspec/wal.py) against sqlite3.

sqlite3 is the referee twice: the WAL files come from it, and what its own
recovery makes of a WAL (``PRAGMA wal_checkpoint`` on a copy reports the
number of frames in the recovered log, i.e. mxFrame) must be what
:func:`scan_wal` predicts.
"""

from __future__ import annotations

import io
import sqlite3
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatspec import FormatError
from formatspec.wal import (
    REASON_AFTER_END,
    REASON_CHECKSUM,
    REASON_SALT,
    REASON_UNCOMMITTED,
    WAL_FRAME_HEADER_SIZE,
    WAL_HEADER_SIZE,
    WAL_MAGIC_BE,
    WAL_MAGIC_LE,
    WalFrameHeader,
    WalHeader,
    build_wal,
    build_wal_header,
    read_wal_frame_header,
    read_wal_header,
    scan_wal,
    wal_checksum,
    wal_frame_checksum,
    wal_header_checksum,
)
from formatspec.walindex import read_walindex_header

PAGE_SIZE = 1024


def reference_checksum(data: bytes, s1: int, s2: int, big_endian: bool) -> tuple[int, int]:
    """The WAL checksum written as plainly as possible (the oracle of the fast one)."""
    order = "big" if big_endian else "little"
    for i in range(0, len(data), 8):
        x0 = int.from_bytes(data[i:i + 4], order)
        x1 = int.from_bytes(data[i + 4:i + 8], order)
        s1 = (s1 + x0 + s2) % 2**32
        s2 = (s2 + x1 + s1) % 2**32
    return s1, s2


def _dump(con) -> list | None:
    """The table's rows, or None when the table does not exist in what sqlite3 sees."""
    if not con.execute("SELECT 1 FROM sqlite_schema WHERE name = 't'").fetchone():
        return None
    return con.execute("SELECT a, hex(b) FROM t ORDER BY a").fetchall()


def sqlite3_recovery(tmp: Path, db: bytes, wal: bytes, name: str = "r") -> dict:
    """Place db + wal (no -shm) in a fresh directory and let sqlite3 recover them."""
    where = tmp / name
    where.mkdir()
    (where / "a.db").write_bytes(db)
    (where / "a.db-wal").write_bytes(wal)
    con = sqlite3.connect(where / "a.db")
    try:
        rows = _dump(con)
        page_count = con.execute("PRAGMA page_count").fetchone()[0]
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        busy, log, _ = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        con.close()
    assert busy == 0
    return dict(rows=rows, mx_frame=log, page_count=page_count, integrity=integrity)


@pytest.fixture(scope="module")
def live_wal(tmp_path_factory):
    """A WAL with three committed transactions and an open one whose pages spilled."""
    tmp = tmp_path_factory.mktemp("wal")
    path = tmp / "live.db"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA page_size={PAGE_SIZE}")
    assert con.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
    commits = []
    for k in range(3):
        con.execute("BEGIN")
        con.executemany("INSERT INTO t VALUES (?, randomblob(300))",
                        [(k * 1000 + i,) for i in range(150)])
        con.execute("COMMIT")
        commits.append(_dump(con))
    con.execute("PRAGMA cache_size=2")
    con.execute("BEGIN")
    con.execute("UPDATE t SET b = randomblob(310)")
    wal = (tmp / "live.db-wal").read_bytes()
    shm = (tmp / "live.db-shm").read_bytes()
    db = path.read_bytes()
    con.execute("ROLLBACK")
    con.close()
    return dict(tmp=tmp, wal=wal, shm=shm, db=db, commits=commits)


def test_read_wal_created_by_sqlite3(live_wal, tmp_path):
    wal = live_wal["wal"]
    scan = scan_wal(wal)
    assert scan.header_valid and not scan.refused
    assert scan.header.magic in (WAL_MAGIC_LE, WAL_MAGIC_BE)
    assert scan.header.page_size == PAGE_SIZE
    assert scan.trailing_bytes == 0
    assert len(scan.frames) == (len(wal) - WAL_HEADER_SIZE) // (PAGE_SIZE + WAL_FRAME_HEADER_SIZE)

    # sqlite3's recovery of the same bytes and the live -shm agree with the scan
    seen = sqlite3_recovery(tmp_path, live_wal["db"], wal)
    assert seen["integrity"] == "ok"
    assert seen["rows"] == live_wal["commits"][-1]
    assert scan.mx_frame == seen["mx_frame"] > 0
    assert scan.n_page == seen["page_count"]
    assert read_walindex_header(live_wal["shm"]).mxFrame == scan.mx_frame

    committed = [f for f in scan.frames if f.committed]
    assert [f.index for f in committed] == list(range(1, scan.mx_frame + 1))
    assert sum(1 for f in committed if f.commit_size) == 4  # CREATE TABLE + 3 transactions
    later = scan.frames[scan.mx_frame:]
    assert later, "the open transaction must have spilled frames into the WAL"
    assert all(not f.committed and f.reason for f in later)
    assert all(f.commit_size == 0 for f in later)
    assert any(f.reason == REASON_UNCOMMITTED for f in later)


def test_every_checksum_sqlite3_wrote_recomputes(live_wal):
    wal = live_wal["wal"]
    header = WalHeader.parse(wal[:WAL_HEADER_SIZE])
    big = bool(header.magic & 1)
    chain = reference_checksum(wal[:24], 0, 0, big)
    assert chain == (header.checksum_1, header.checksum_2) == wal_header_checksum(wal)
    scan = scan_wal(wal)
    frame_size = PAGE_SIZE + WAL_FRAME_HEADER_SIZE
    for index in range(1, scan.valid_frames + 1):
        at = WAL_HEADER_SIZE + (index - 1) * frame_size
        fh = WalFrameHeader.parse(wal[at:at + WAL_FRAME_HEADER_SIZE])
        page = wal[at + WAL_FRAME_HEADER_SIZE:at + frame_size]
        assert (fh.salt_1, fh.salt_2) == (header.salt_1, header.salt_2)
        fast = wal_frame_checksum(wal[at:at + 8], page, *chain, big_endian=big)
        chain = reference_checksum(wal[at:at + 8] + page, *chain, big)
        assert chain == fast == (fh.checksum_1, fh.checksum_2), f"frame {index}"
    assert scan.valid_frames >= scan.mx_frame
    assert scan.commit_checksum == tuple(read_walindex_header(live_wal["shm"]).aFrameCksum)


def test_round_trip_on_real_wal(live_wal):
    wal = live_wal["wal"]
    assert WalHeader.build(WalHeader.parse(wal[:32])) == wal[:32]
    assert tuple(read_wal_header(wal)) == tuple(
        v for k, v in WalHeader.parse(wal[:32]).items() if not k.startswith("_"))
    for frame in scan_wal(wal).frames:
        raw = wal[frame.offset:frame.offset + WAL_FRAME_HEADER_SIZE]
        parsed = WalFrameHeader.parse(raw)
        assert WalFrameHeader.build(parsed) == raw
        assert tuple(read_wal_frame_header(raw)) == (
            frame.page_number, frame.commit_size, frame.salt_1, frame.salt_2,
            frame.checksum_1, frame.checksum_2)
        assert parsed.page_number == frame.page_number


def test_scan_sources_agree(live_wal, tmp_path):
    wal = live_wal["wal"]
    path = tmp_path / "x.wal"
    path.write_bytes(wal)
    reference = scan_wal(wal)
    reads = []

    def reader(offset, count):
        reads.append(count)
        return wal[offset:offset + count]

    others = [scan_wal(memoryview(wal)), scan_wal(io.BytesIO(wal)), scan_wal(path),
              scan_wal(str(path)), scan_wal(reader), scan_wal(reader, size=len(wal))]
    with open(path, "rb") as handle:
        others.append(scan_wal(handle))
    for other in others:
        assert other.frames == reference.frames
        assert (other.mx_frame, other.n_page, other.size) == (
            reference.mx_frame, reference.n_page, reference.size)
    assert max(reads) <= PAGE_SIZE + WAL_FRAME_HEADER_SIZE  # never the whole file at once
    with pytest.raises(TypeError):
        scan_wal(12345)


def _commit_frames(scan):
    return [f.index for f in scan.frames if f.commit_size and f.committed]


def test_corrupt_frame_ends_log_like_sqlite3(live_wal, tmp_path):
    wal = live_wal["wal"]
    good = scan_wal(wal)
    commit_frames = _commit_frames(good)
    # damage the first frame of the third transaction (after CREATE TABLE and one insert)
    target = commit_frames[1] + 1
    frame = good.frames[target - 1]
    bad = bytearray(wal)
    bad[frame.offset + WAL_FRAME_HEADER_SIZE + 100] ^= 0x01
    scan = scan_wal(bytes(bad))
    assert scan.end_frame == target
    assert scan.frames[target - 1].reason == REASON_CHECKSUM
    assert scan.frames[target - 1].checksum_ok is False
    assert scan.mx_frame == commit_frames[1]
    assert all(f.reason == REASON_AFTER_END and f.checksum_ok is None
               for f in scan.frames[target:])
    seen = sqlite3_recovery(tmp_path, live_wal["db"], bytes(bad), "c")
    assert seen["mx_frame"] == scan.mx_frame
    assert seen["rows"] == live_wal["commits"][0]

    # a salt that differs ends the log at that frame too
    bad = bytearray(wal)
    bad[frame.offset + 8] ^= 0x80
    scan = scan_wal(bytes(bad))
    assert scan.frames[target - 1].reason == REASON_SALT
    assert scan.frames[target - 1].salt_ok is False
    assert scan.mx_frame == commit_frames[1]
    assert sqlite3_recovery(tmp_path, live_wal["db"], bytes(bad), "s")["mx_frame"] == scan.mx_frame

    # a broken header checksum: the whole log is ignored
    bad = bytearray(wal)
    bad[28] ^= 0xFF
    scan = scan_wal(bytes(bad))
    assert not scan.header_valid and scan.mx_frame == 0
    assert all(not f.committed for f in scan.frames)
    seen = sqlite3_recovery(tmp_path, live_wal["db"], bytes(bad), "h")
    assert seen["mx_frame"] == 0 and seen["rows"] is None  # the table was only in the log

    # a torn last frame is trailing garbage, not a frame
    torn = wal[:good.frames[3].offset + 500]
    scan = scan_wal(torn)
    assert len(scan.frames) == 3 and scan.trailing_bytes == 500


def test_write_big_endian_wal_readable_by_sqlite3(live_wal, tmp_path):
    wal = live_wal["wal"]
    scan = scan_wal(wal)
    assert not scan.header.big_endian_checksum  # sqlite3 on this host writes little-endian
    frames = []
    for f in scan.committed_frames():
        start = f.offset + WAL_FRAME_HEADER_SIZE
        frames.append((f.page_number, wal[start:start + PAGE_SIZE], f.commit_size))
    big = build_wal(frames, page_size=PAGE_SIZE, salt_1=scan.header.salt_1,
                    salt_2=scan.header.salt_2, checkpoint_sequence=7, big_endian=True)
    big_scan = scan_wal(big)
    assert big_scan.header.magic == WAL_MAGIC_BE and big_scan.header_valid
    assert big_scan.mx_frame == scan.mx_frame == big_scan.valid_frames
    assert big_scan.n_page == scan.n_page
    assert big_scan.header.checkpoint_sequence == 7
    # the same frames rebuilt little-endian reproduce sqlite3's own bytes exactly
    little = build_wal(frames, page_size=PAGE_SIZE, salt_1=scan.header.salt_1,
                       salt_2=scan.header.salt_2,
                       checkpoint_sequence=scan.header.checkpoint_sequence)
    assert little == wal[:len(little)]
    seen = sqlite3_recovery(tmp_path, live_wal["db"], big, "be")
    assert seen["integrity"] == "ok"
    assert seen["mx_frame"] == scan.mx_frame
    assert seen["rows"] == live_wal["commits"][-1]


def test_restarted_wal_generation(tmp_path):
    """After a full checkpoint the next writer rewrites the WAL from frame 1 with new salts;
    the older frames behind the new ones fail the salt test."""
    path = tmp_path / "g.db"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA page_size={PAGE_SIZE}")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
    con.executemany("INSERT INTO t VALUES (?, randomblob(500))", [(i,) for i in range(100)])
    old = scan_wal(path.with_name("g.db-wal"))
    assert con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[0] == 0
    con.execute("UPDATE t SET b = x'00' WHERE a = 5")
    wal = path.with_name("g.db-wal").read_bytes()
    db = path.read_bytes()
    expected = _dump(con)
    con.close()
    scan = scan_wal(wal)
    assert scan.header.salt_1 == (old.header.salt_1 + 1) % 2**32
    assert scan.header.checkpoint_sequence == old.header.checkpoint_sequence + 1
    assert 0 < scan.mx_frame < len(scan.frames)
    first_stale = scan.frames[scan.mx_frame]
    assert first_stale.reason == REASON_SALT and not first_stale.salt_ok
    assert all(f.reason == REASON_AFTER_END for f in scan.frames[scan.mx_frame + 1:])
    seen = sqlite3_recovery(tmp_path, db, wal)
    assert seen["mx_frame"] == scan.mx_frame and seen["rows"] == expected


def test_header_spec_refuses_what_sqlite3_refuses():
    good = build_wal_header(page_size=4096, salt_1=1, salt_2=2)
    assert WalHeader.parse(good).page_size == 4096
    for offset, raw in ((0, b"\x37\x7f\x06\x84"), (4, struct.pack(">I", 3007001)),
                        (8, struct.pack(">I", 1000)), (8, struct.pack(">I", 131072))):
        bad = bytearray(good)
        bad[offset:offset + 4] = raw
        with pytest.raises(FormatError):
            WalHeader.parse(bytes(bad))
        with pytest.raises(FormatError):
            read_wal_header(bytes(bad))
    unknown = bytearray(good)
    unknown[4:8] = struct.pack(">I", 3007001)
    unknown[24:32] = struct.pack(">II", *wal_header_checksum(unknown))
    scan = scan_wal(bytes(unknown))
    assert scan.refused and not scan.header_valid
    assert scan_wal(good[:20]).header is None
    with pytest.raises(FormatError):
        wal_checksum(b"123", big_endian=False)


@given(st.binary(max_size=600).map(lambda b: b[: len(b) - len(b) % 8]),
       st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.booleans())
def test_checksum_matches_reference(data, s1, s2, big):
    assert wal_checksum(data, s1, s2, big_endian=big) == reference_checksum(data, s1, s2, big)


u32 = st.integers(0, 2**32 - 1)


@given(st.sampled_from((WAL_MAGIC_LE, WAL_MAGIC_BE)),
       st.sampled_from([512, 1024, 4096, 65536]), u32, u32, u32, u32, u32)
def test_header_parse_build_round_trip(magic, page_size, seq, salt1, salt2, c1, c2):
    value = dict(magic=magic, file_format=3007000, page_size=page_size,
                 checkpoint_sequence=seq, salt_1=salt1, salt_2=salt2, checksum_1=c1,
                 checksum_2=c2)
    raw = WalHeader.build(value)
    assert WalHeader.parse(raw) == value
    assert read_wal_header(raw)._asdict() == value


@given(st.tuples(u32, u32, u32, u32, u32, u32))
def test_frame_header_parse_build_round_trip(fields):
    names = ("page_number", "commit_size", "salt_1", "salt_2", "checksum_1", "checksum_2")
    value = dict(zip(names, fields))
    raw = WalFrameHeader.build(value)
    assert WalFrameHeader.parse(raw) == value
    assert tuple(read_wal_frame_header(raw)) == fields


@given(st.lists(st.tuples(st.integers(1, 2**32 - 1), st.integers(0, 255), st.booleans()),
                max_size=6),
       u32, u32, st.booleans())
def test_built_wal_scans_back(frames, salt1, salt2, big):
    page_size = 512
    triples = [(pgno, bytes([fill]) * page_size, (i + 1) if commit else 0)
               for i, (pgno, fill, commit) in enumerate(frames)]
    wal = build_wal(triples, page_size=page_size, salt_1=salt1, salt_2=salt2, big_endian=big)
    scan = scan_wal(wal)
    assert scan.header_valid and scan.valid_frames == len(frames)
    commits = [i + 1 for i, (_, _, commit) in enumerate(frames) if commit]
    assert scan.mx_frame == (commits[-1] if commits else 0)
    assert [f.committed for f in scan.frames] == [i < scan.mx_frame for i in range(len(frames))]


@given(st.binary(min_size=0, max_size=40))
def test_fast_twins_agree_with_schemas_on_garbage(data):
    try:
        expected = WalHeader.parse(data)
    except FormatError:
        with pytest.raises(FormatError):
            read_wal_header(data)
    else:
        assert read_wal_header(data)._asdict() == {
            k: v for k, v in expected.items() if not k.startswith("_")}
    try:
        frame = WalFrameHeader.parse(data)
    except FormatError:
        with pytest.raises(FormatError):
            read_wal_frame_header(data)
    else:
        assert read_wal_frame_header(data)._asdict() == {
            k: v for k, v in frame.items() if not k.startswith("_")}


def test_scan_summary_is_json_ready(live_wal):
    import json

    summary = json.loads(json.dumps(scan_wal(live_wal["wal"]).to_dict()))
    scan = scan_wal(live_wal["wal"])
    assert summary["mx_frame"] == scan.mx_frame
    assert summary["header"]["salt_1"] == scan.header.salt_1
    assert len(summary["frames"]) == len(scan.frames)
    assert summary["frames"][-1]["reason"] == scan.frames[-1].reason
