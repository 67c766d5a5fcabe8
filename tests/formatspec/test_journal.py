"""Rollback journal layouts, checksums and playback scan (formatspec/journal.py) against sqlite3.

Hot journals are captured from sqlite3 in the middle of a transaction whose
pages spilled into the database file (small cache). sqlite3 is then the
referee of :func:`scan_journal`: placed beside the mid-transaction database,
the journal is rolled back by sqlite3 when the database is next opened, and
the file it leaves must be exactly the one the scan predicts.
"""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatspec import FormatError
from formatspec.derived import lock_byte_page
from formatspec.journal import (
    JOURNAL_MAGIC,
    NREC_FROM_FILE_SIZE,
    JournalHeader,
    JournalPageRecord,
    SuperJournalRecord,
    build_journal_header,
    build_journal_record,
    build_super_journal_record,
    journal_checksum,
    journal_page_images,
    read_journal_header,
    read_super_journal,
    scan_journal,
    super_journal_checksum,
)

PAGE_SIZE = 1024


def reference_checksum(nonce: int, data: bytes) -> int:
    """pager.c's pager_cksum written out literally."""
    total = nonce
    i = len(data) - 200
    while i > 0:
        total += data[i]
        i -= 200
    return total % 2**32


def _rows(con):
    return con.execute("SELECT a, hex(b) FROM t ORDER BY a").fetchall()


def capture(where: Path, *, synchronous: str = "FULL") -> dict:
    """Run a transaction that spills, and copy db and journal while it is open."""
    where.mkdir(parents=True, exist_ok=True)
    path = where / "live.db"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA page_size={PAGE_SIZE}")
    con.execute(f"PRAGMA synchronous={synchronous}")
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
    con.execute("BEGIN")
    con.executemany("INSERT INTO t VALUES (?, randomblob(150))", [(i,) for i in range(1500)])
    con.execute("COMMIT")
    rows = _rows(con)
    before = path.read_bytes()
    con.execute("PRAGMA cache_size=5")
    con.execute("BEGIN")
    con.execute("UPDATE t SET b = randomblob(160)")
    con.execute("INSERT INTO t SELECT a + 100000, b FROM t WHERE a < 300")
    journal = (where / "live.db-journal").read_bytes()
    mid = path.read_bytes()
    con.execute("ROLLBACK")
    con.close()
    assert mid != before, "pages must have spilled into the database file"
    return dict(before=before, mid=mid, journal=journal, rows=rows)


@pytest.fixture(scope="module")
def hot(tmp_path_factory):
    return capture(tmp_path_factory.mktemp("journal"))


def sqlite3_open_after(tmp: Path, name: str, db: bytes, journal: bytes) -> dict:
    """Put db + journal in a fresh directory, let sqlite3 open and read, report the result."""
    where = tmp / name
    where.mkdir()
    (where / "a.db").write_bytes(db)
    (where / "a.db-journal").write_bytes(journal)
    con = sqlite3.connect(where / "a.db")
    try:
        con.execute("PRAGMA user_version").fetchone()  # the first read handles a hot journal
    finally:
        con.close()
    return dict(db=(where / "a.db").read_bytes(),
                journal_left=(where / "a.db-journal").exists(), where=where)


def predicted_after_rollback(mid: bytes, journal: bytes, scan) -> bytes:
    """The database file a rollback described by ``scan`` leaves (pager.c: truncate, write)."""
    if scan.playback_skipped or not scan.header_valid:
        return mid
    size = scan.initial_db_size * scan.page_size
    out = bytearray(mid[:size])
    out.extend(bytes(size - len(out)))
    for pgno, image in journal_page_images(journal, scan).items():
        out[(pgno - 1) * scan.page_size:pgno * scan.page_size] = image
    return bytes(out)


def test_read_hot_journal_created_by_sqlite3(hot):
    journal, before = hot["journal"], hot["before"]
    scan = scan_journal(journal, PAGE_SIZE)
    assert scan.looks_hot and scan.header_valid and scan.hot_capable
    assert scan.page_size == PAGE_SIZE
    assert scan.initial_db_size * PAGE_SIZE == len(before)
    assert len(scan.segments) >= 2, "spills must have started new journal segments"
    assert all(s.offset % scan.sector_size == 0 for s in scan.segments)
    assert scan.super_journal is None and scan.notes == []
    assert not any(r.checksum_ok is False for r in scan.records)
    # every pre-image rolled back is the page as it was before the transaction
    images = journal_page_images(journal, scan)
    assert len(images) == scan.pages_restored > 0
    for pgno, image in images.items():
        assert image == before[(pgno - 1) * PAGE_SIZE:pgno * PAGE_SIZE]
    first = read_journal_header(journal)
    assert first.magic == JOURNAL_MAGIC and first.record_count == scan.segments[0].records_to_read


def test_every_checksum_sqlite3_wrote_recomputes(hot):
    """All records, including those of the last segment whose header was never completed."""
    journal = hot["journal"]
    scan = scan_journal(journal, PAGE_SIZE)
    sector, record_size = scan.sector_size, PAGE_SIZE + 8
    offset, checked = 0, 0
    while offset + sector <= len(journal):
        head = read_journal_header(journal, offset)
        synced = head.magic == JOURNAL_MAGIC
        count = head.record_count if synced else (len(journal) - offset - sector) // record_size
        at = offset + sector
        for _ in range(count):
            record = JournalPageRecord.parse(journal[at:at + record_size], page_size=PAGE_SIZE)
            assert record.checksum == reference_checksum(head.checksum_nonce, record.data)
            assert record.checksum == journal_checksum(head.checksum_nonce, record.data)
            checked += 1
            at += record_size
        offset = -(-at // sector) * sector
    assert checked >= scan.pages_restored > 0


def test_hot_journal_rolled_back_by_sqlite3(hot, tmp_path):
    scan = scan_journal(hot["journal"], PAGE_SIZE)
    predicted = predicted_after_rollback(hot["mid"], hot["journal"], scan)
    assert predicted == hot["before"]
    seen = sqlite3_open_after(tmp_path, "rb", hot["mid"], hot["journal"])
    assert seen["db"] == predicted
    assert not seen["journal_left"]
    con = sqlite3.connect(seen["where"] / "a.db")
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert _rows(con) == hot["rows"]
    con.close()


def test_checksum_mismatch_stops_playback_where_sqlite3_stops(hot, tmp_path):
    journal = hot["journal"]
    scan = scan_journal(journal, PAGE_SIZE)
    restored = [r for r in scan.records if r.restored]
    victim = restored[len(restored) // 2]
    bad = bytearray(journal)
    bad[victim.offset + 4 + PAGE_SIZE - 200] ^= 0x40  # a byte the checksum samples
    bad_scan = scan_journal(bytes(bad), PAGE_SIZE)
    assert bad_scan.stop_offset == victim.offset and "checksum" in bad_scan.stop_reason
    assert bad_scan.records[-1].checksum_ok is False and not bad_scan.records[-1].restored
    assert bad_scan.pages_restored == restored.index(victim)
    seen = sqlite3_open_after(tmp_path, "ck", hot["mid"], bytes(bad))
    assert seen["db"] == predicted_after_rollback(hot["mid"], bytes(bad), bad_scan)
    assert seen["db"] != hot["before"]

    # a byte the checksum does not sample is not noticed, by sqlite3 or by us
    unseen = bytearray(journal)
    unseen[victim.offset + 4 + 1] ^= 0x40
    assert scan_journal(bytes(unseen), PAGE_SIZE).pages_restored == scan.pages_restored

    # page number 0 ends playback too
    zero = bytearray(journal)
    zero[victim.offset:victim.offset + 4] = bytes(4)
    zero_scan = scan_journal(bytes(zero), PAGE_SIZE)
    assert zero_scan.stop_offset == victim.offset and "page number 0" in zero_scan.stop_reason
    seen = sqlite3_open_after(tmp_path, "zero", hot["mid"], bytes(zero))
    assert seen["db"] == predicted_after_rollback(hot["mid"], bytes(zero), zero_scan)


def test_zeroed_journal_is_not_hot(hot, tmp_path):
    cold = bytes(28) + hot["journal"][28:]
    scan = scan_journal(cold, PAGE_SIZE)
    assert not scan.looks_hot and not scan.header_valid and not scan.hot_capable
    assert scan.pages_restored == 0
    seen = sqlite3_open_after(tmp_path, "cold", hot["mid"], cold)
    assert seen["db"] == hot["mid"]


def test_super_journal_record(hot, tmp_path):
    journal, sector = hot["journal"], scan_journal(hot["journal"], PAGE_SIZE).sector_size
    missing = str(tmp_path / "no-such-super-journal")
    record = build_super_journal_record(missing.encode(), PAGE_SIZE)
    parsed = SuperJournalRecord.parse(record)
    assert parsed.name == missing.encode() and parsed.name_length == len(missing)
    assert parsed.lock_page_marker == lock_byte_page(PAGE_SIZE)
    assert parsed.checksum == super_journal_checksum(missing.encode())
    assert SuperJournalRecord.build(parsed) == record
    at = -(-len(journal) // sector) * sector
    with_super = journal + bytes(at - len(journal)) + record
    found = read_super_journal(with_super)
    assert found == (at, missing.encode(), True)

    # the named super-journal does not exist: sqlite3 deletes the journal, rolls back nothing
    scan = scan_journal(with_super, PAGE_SIZE, super_journal_exists=False)
    assert scan.playback_skipped and scan.pages_restored == 0
    seen = sqlite3_open_after(tmp_path, "nosuper", hot["mid"], with_super)
    assert seen["db"] == hot["mid"] and not seen["journal_left"]

    # an empty file does not count: the unix VFS reports a 0-byte file as missing
    Path(missing).write_bytes(b"")
    seen = sqlite3_open_after(tmp_path, "empty", hot["mid"], with_super)
    assert seen["db"] == hot["mid"]

    # it exists (naming its child journals): the journal is played back as usual
    Path(missing).write_bytes(str(tmp_path / "super" / "a.db-journal").encode() + b"\0")
    scan = scan_journal(with_super, PAGE_SIZE, super_journal_exists=True)
    assert scan.super_journal.name == missing.encode() and not scan.playback_skipped
    seen = sqlite3_open_after(tmp_path, "super", hot["mid"], with_super)
    assert seen["db"] == predicted_after_rollback(hot["mid"], with_super, scan) == hot["before"]

    # a wrong name checksum means "no super-journal": rolled back although the file is gone
    Path(missing).unlink(missing_ok=True)
    bad = bytearray(with_super)
    bad[-12:-8] = struct.pack(">I", (super_journal_checksum(missing.encode()) + 1) % 2**32)
    scan = scan_journal(bytes(bad), PAGE_SIZE, super_journal_exists=False)
    assert scan.super_journal.checksum_ok is False and not scan.playback_skipped
    seen = sqlite3_open_after(tmp_path, "badsuper", hot["mid"], bytes(bad))
    assert seen["db"] == hot["before"]


def test_journal_without_sync_uses_file_size(tmp_path):
    """synchronous=OFF writes nRec = 0xFFFFFFFF: the record count comes from the file size."""
    cap = capture(tmp_path / "nosync", synchronous="OFF")
    scan = scan_journal(cap["journal"], PAGE_SIZE)
    assert scan.segments[0].record_count == NREC_FROM_FILE_SIZE
    assert len(scan.segments) == 1
    expected = (len(cap["journal"]) - scan.sector_size) // (PAGE_SIZE + 8)
    assert scan.segments[0].records_to_read == expected == len(scan.records)
    assert predicted_after_rollback(cap["mid"], cap["journal"], scan) == cap["before"]
    seen = sqlite3_open_after(tmp_path, "ns", cap["mid"], cap["journal"])
    assert seen["db"] == cap["before"]


def test_round_trip_on_real_journal(hot):
    journal = hot["journal"]
    scan = scan_journal(journal, PAGE_SIZE)
    for segment in scan.segments:
        raw = journal[segment.offset:segment.offset + scan.sector_size]
        parsed = JournalHeader.parse(raw)
        assert JournalHeader.build(parsed) == raw
        assert (parsed.record_count, parsed.checksum_nonce, parsed.initial_db_size,
                parsed.sector_size, parsed.page_size) == tuple(read_journal_header(raw))[1:]
    for record in scan.records:
        raw = journal[record.offset:record.offset + PAGE_SIZE + 8]
        parsed = JournalPageRecord.parse(raw, page_size=PAGE_SIZE)
        assert JournalPageRecord.build(parsed, page_size=PAGE_SIZE) == raw
        assert parsed.page_number == record.page_number and parsed.checksum == record.checksum


def test_header_spec_refuses_invalid_sizes():
    good = build_journal_header(record_count=1, checksum_nonce=2, initial_db_size=3,
                                sector_size=512, page_size=1024)
    assert len(good) == 512 and JournalHeader.parse(good).page_size == 1024
    for offset, value in ((20, 500), (20, 16), (24, 1000), (24, 256)):
        bad = bytearray(good)
        bad[offset:offset + 4] = struct.pack(">I", value)
        with pytest.raises(FormatError):
            JournalHeader.parse(bytes(bad))
    with pytest.raises(FormatError):
        JournalHeader.parse(bytes(8) + good[8:])
    with pytest.raises(FormatError):
        JournalPageRecord.parse(bytes(1032))  # page_size missing
    # an invalid first header stops playback before anything happens
    bad = bytearray(good)
    bad[24:28] = struct.pack(">I", 1000)
    scan = scan_journal(bytes(bad) + bytes(2000), 1024)
    assert not scan.header_valid and scan.pages_restored == 0
    # page size 0 (journals before 3.5.8) takes the database's page size
    old = bytearray(good)
    old[24:28] = bytes(4)
    record = build_journal_record(2, bytes(range(256)) * 4, 2)
    scan = scan_journal(bytes(old) + record, 1024)
    assert scan.page_size == 1024 and scan.pages_restored == 1
    assert not scan_journal(bytes(old) + record).header_valid


@given(st.binary(max_size=3000), st.integers(0, 2**32 - 1))
def test_checksum_matches_reference(data, nonce):
    assert journal_checksum(nonce, data) == reference_checksum(nonce, data)


u32 = st.integers(0, 2**32 - 1)


@given(u32, u32, u32, st.sampled_from([32, 64, 512, 4096]),
       st.sampled_from([0, 512, 1024, 65536]), st.binary(max_size=40))
def test_header_parse_build_round_trip(nrec, nonce, size, sector, page_size, noise):
    padding = (noise * sector)[: sector - 28] if noise else bytes(sector - 28)
    value = dict(record_count=nrec, checksum_nonce=nonce, initial_db_size=size,
                 sector_size=sector, page_size=page_size, padding=padding)
    raw = JournalHeader.build(value)
    assert len(raw) == sector
    assert JournalHeader.parse(raw) == {**value, "magic": JOURNAL_MAGIC}


@given(u32, st.sampled_from([512, 1024]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
       u32)
def test_record_parse_build_round_trip(pgno, data, checksum):
    value = dict(page_number=pgno, data=data, checksum=checksum)
    raw = JournalPageRecord.build(value, page_size=len(data))
    assert JournalPageRecord.parse(raw, page_size=len(data)) == value


@given(u32, st.binary(min_size=1, max_size=600), u32)
def test_super_record_parse_build_round_trip(marker, name, checksum):
    value = dict(lock_page_marker=marker, name=name, name_length=len(name), checksum=checksum)
    raw = SuperJournalRecord.build(value)
    assert len(raw) == len(name) + 20
    assert SuperJournalRecord.parse(raw) == {**value, "magic": JOURNAL_MAGIC}


@given(st.binary(max_size=40).map(lambda b: (JOURNAL_MAGIC + b) if len(b) % 3 else b))
def test_fast_twin_agrees_with_schema_on_garbage(data):
    try:
        expected = JournalHeader.parse(data)
    except FormatError:
        try:
            fields = read_journal_header(data, validate=True)
        except FormatError:
            return
        # the schema also needs the padding up to the sector size; nothing else may differ
        assert len(data) < fields.sector_size
        return
    fields = read_journal_header(data, validate=True)
    assert fields._asdict() == {k: v for k, v in expected.items()
                                if not k.startswith("_") and k != "padding"}


def test_scan_summary_is_json_ready(hot):
    import json

    scan = scan_journal(hot["journal"], PAGE_SIZE)
    summary = json.loads(json.dumps(scan.to_dict()))
    assert summary["pages_restored"] == scan.pages_restored
    assert summary["hot_capable"] is True
    assert len(summary["records"]) == len(scan.records)
    assert summary["segments"][0]["checksum_nonce"] == scan.segments[0].checksum_nonce


@pytest.mark.parametrize("sector_size,segments", [(512, 1), (512, 3), (4096, 2)])
def test_write_journal_readable_by_sqlite3(hot, tmp_path, sector_size, segments):
    """A hot journal made only with our builders is rolled back by sqlite3."""
    before, mid = hot["before"], hot["mid"]
    def page(data, pgno):
        return data[(pgno - 1) * PAGE_SIZE:pgno * PAGE_SIZE]

    changed = [p for p in range(1, len(before) // PAGE_SIZE + 1) if page(before, p) != page(mid, p)]
    assert changed
    parts, size = [], 0
    for index in range(segments):
        chunk = changed[index::segments]
        nonce = 0x9E3779B9 * (index + 1) % 2**32
        header = build_journal_header(record_count=len(chunk), checksum_nonce=nonce,
                                      initial_db_size=len(before) // PAGE_SIZE,
                                      sector_size=sector_size, page_size=PAGE_SIZE)
        pad = -size % sector_size
        parts += [bytes(pad), header]
        size += pad + len(header)
        for pgno in chunk:
            record = build_journal_record(pgno, page(before, pgno), nonce)
            parts.append(record)
            size += len(record)
    journal = b"".join(parts)
    scan = scan_journal(journal, PAGE_SIZE)
    assert len(scan.segments) == segments and scan.pages_restored == len(changed)
    seen = sqlite3_open_after(tmp_path, "ours", mid, journal)
    assert seen["db"] == before and not seen["journal_left"]


@given(st.lists(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 255)), max_size=5),
                min_size=1, max_size=4),
       st.integers(0, 25), u32)
def test_built_journal_scans_back(segments, initial_size, nonce):
    page_size, sector = 512, 512
    parts, size, expected = [], 0, []
    for records in segments:
        pad = -size % sector
        parts += [bytes(pad), build_journal_header(
            record_count=len(records), checksum_nonce=nonce, initial_db_size=initial_size,
            sector_size=sector, page_size=page_size)]
        size += pad + sector
        for pgno, fill in records:
            parts.append(build_journal_record(pgno, bytes([fill]) * page_size, nonce))
            size += page_size + 8
            expected.append((pgno, pgno <= initial_size))
    scan = scan_journal(b"".join(parts))
    assert scan.header_valid and scan.initial_db_size == initial_size
    assert len(scan.segments) == len(segments)
    assert [(r.page_number, r.restored) for r in scan.records] == expected
    assert scan.pages_restored == sum(ok for _, ok in expected)
    assert scan.stop_offset == -(-size // sector) * sector and "no room" in scan.stop_reason
