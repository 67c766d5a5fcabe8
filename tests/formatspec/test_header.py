"""The 100-byte database header, read from files made by sqlite3 and judged by its PRAGMAs.

Reserved bytes per page: Python's sqlite3 cannot set them (that takes the
SQLITE_FCNTL_RESERVE_BYTES file control, which the module does not expose). We
make such files anyway: create the database (page 1 only, empty schema), patch
header byte 20 and the empty page's cell-content offset so that page 1 is
consistent with the smaller usable size, then let sqlite3 fill the file. SQLite
keeps the reserved bytes from then on (VACUUM preserves them too), and
``PRAGMA integrity_check`` accepts the result.
"""

from __future__ import annotations

import sqlite3
import struct

import pytest

from formatspec import (
    HEADER_SIZE,
    TEXT_ENCODINGS,
    DatabaseHeader,
    FormatError,
    read_database_header,
)

PRAGMA_ENCODING = {"UTF-8": "utf-8", "UTF-16le": "utf-16-le", "UTF-16be": "utf-16-be"}


def make_db(path, *, page_size=4096, reserved=0, encoding="UTF-8", auto_vacuum=0):
    """An empty database with the given layout, ready for sqlite3 to fill."""
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA page_size={page_size}")
    conn.execute(f"PRAGMA encoding='{encoding}'")
    conn.execute(f"PRAGMA auto_vacuum={auto_vacuum}")
    conn.execute("PRAGMA user_version=0")  # forces page 1 to be written
    conn.close()
    if reserved:
        data = bytearray(path.read_bytes())
        assert len(data) == page_size  # only page 1, no cells on it
        data[20] = reserved
        # page 1's empty cell content area starts at the end of the usable area
        data[105:107] = struct.pack(">H", (page_size - reserved) & 0xFFFF)
        path.write_bytes(bytes(data))
    return path


def fill(path, rows=300):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB)")
    conn.executemany("INSERT INTO t(b, c) VALUES (?, ?)",
                     [(f"row {i} " * (i % 40), bytes(i % 700)) for i in range(rows)])
    conn.execute("CREATE INDEX tb ON t(b)")
    conn.commit()
    conn.execute("DELETE FROM t WHERE a % 3 = 0")  # leaves free pages
    conn.commit()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def pragmas(path) -> dict:
    conn = sqlite3.connect(path)
    out = {name: conn.execute(f"PRAGMA {name}").fetchone()[0]
           for name in ("page_size", "page_count", "freelist_count", "encoding", "user_version",
                        "application_id", "schema_version", "auto_vacuum")}
    conn.close()
    return out


CASES = [
    (512, "UTF-8", 0, 0),
    (1024, "UTF-16le", 0, 1),
    (4096, "UTF-16be", 0, 2),
    (8192, "UTF-8", 32, 0),
    (65536, "UTF-16le", 32, 0),
    (4096, "UTF-8", 32, 1),
    (1024, "UTF-16be", 32, 0),
    (65536, "UTF-8", 0, 2),
]


@pytest.mark.parametrize(("page_size", "encoding", "reserved", "auto_vacuum"), CASES)
def test_read_header_created_by_sqlite3(tmp_path, page_size, encoding, reserved, auto_vacuum):
    path = make_db(tmp_path / "h.db", page_size=page_size, reserved=reserved, encoding=encoding,
                   auto_vacuum=auto_vacuum)
    fill(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=-7")
    conn.execute(f"PRAGMA application_id={0x5A5A0000 + page_size}")
    conn.commit()
    conn.close()
    data = path.read_bytes()
    expected = pragmas(path)
    header = DatabaseHeader.parse(data)
    assert header.header_string == b"SQLite format 3\x00"
    assert header.page_size == expected["page_size"] == page_size
    assert header.database_size == expected["page_count"] == len(data) // page_size
    assert header.freelist_count == expected["freelist_count"]
    assert (header.first_freelist_trunk_page != 0) == (expected["freelist_count"] != 0)
    assert TEXT_ENCODINGS[header.text_encoding] == PRAGMA_ENCODING[expected["encoding"]]
    assert header.user_version == expected["user_version"] == -7
    assert header.application_id == expected["application_id"]
    assert header.schema_cookie == expected["schema_version"]
    assert (header.largest_root_page != 0) == (expected["auto_vacuum"] != 0)
    assert header.incremental_vacuum == (1 if expected["auto_vacuum"] == 2 else 0)
    assert header.reserved_space == reserved
    assert (header.max_payload_fraction, header.min_payload_fraction,
            header.leaf_payload_fraction) == (64, 32, 32)
    assert header.write_version == header.read_version == 1
    assert header.schema_format == 4
    assert header.reserved_for_expansion == bytes(20)
    assert header.version_valid_for == header.file_change_counter
    assert header.sqlite_version_number == sqlite3.sqlite_version_info[0] * 1_000_000 + \
        sqlite3.sqlite_version_info[1] * 1000 + sqlite3.sqlite_version_info[2]
    # the twin agrees field by field, and the schema rebuilds the bytes exactly
    twin = read_database_header(data)
    assert twin._asdict() == {k: v for k, v in header.items() if not k.startswith("_")}
    assert DatabaseHeader.build(header) == data[:HEADER_SIZE]


def test_reserved_bytes_survive_vacuum_and_integrity_check(tmp_path):
    path = make_db(tmp_path / "r.db", page_size=1024, reserved=32)
    fill(path, rows=200)
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert DatabaseHeader.parse(path.read_bytes()).reserved_space == 32


def test_wal_mode_sets_versions_2(tmp_path):
    path = tmp_path / "w.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()  # checkpoints and removes the -wal
    header = DatabaseHeader.parse(path.read_bytes())
    assert (header.write_version, header.read_version) == (2, 2)


def test_page_size_65536_is_stored_as_1_and_built_back(tmp_path):
    path = make_db(tmp_path / "big.db", page_size=65536)
    data = path.read_bytes()
    assert data[16:18] == b"\x00\x01"
    header = DatabaseHeader.parse(data)
    assert header.page_size == 65536
    assert DatabaseHeader.build(header)[16:18] == b"\x00\x01"


@pytest.mark.parametrize("raw", [0, 2, 256, 511, 513, 1000, 4097, 0x8001, 0xFFFF])
def test_invalid_page_size_is_refused(tmp_path, raw):
    data = bytearray(make_db(tmp_path / "p.db", page_size=4096).read_bytes()[:HEADER_SIZE])
    data[16:18] = struct.pack(">H", raw)
    with pytest.raises(FormatError) as schema_err:
        DatabaseHeader.parse(bytes(data))
    with pytest.raises(FormatError) as twin_err:
        read_database_header(bytes(data))
    assert twin_err.value.offset == 16
    assert "page_size" in str(schema_err.value)
    # and sqlite3 agrees that such a file is not a database
    bad = tmp_path / "bad.db"
    bad.write_bytes(bytes(data) + bytes(4096 - HEADER_SIZE))
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(bad).execute("SELECT * FROM sqlite_schema").fetchall()


def test_bad_magic_and_short_header_are_refused(tmp_path):
    data = make_db(tmp_path / "m.db").read_bytes()[:HEADER_SIZE]
    for bad in (b"SQLite format 4\x00" + data[16:], data[:99], b""):
        with pytest.raises(FormatError):
            DatabaseHeader.parse(bad)
        with pytest.raises(FormatError):
            read_database_header(bad)


def test_build_from_fields_is_readable_by_sqlite3(tmp_path):
    """Rewrite every header field sqlite3 lets us see through DatabaseHeader.build."""
    path = make_db(tmp_path / "b.db")
    fill(path, rows=50)
    data = bytearray(path.read_bytes())
    header = DatabaseHeader.parse(bytes(data))
    header.user_version = 123456
    header.application_id = -2
    data[:HEADER_SIZE] = DatabaseHeader.build(header)
    path.write_bytes(bytes(data))
    got = pragmas(path)
    assert got["user_version"] == 123456
    assert got["application_id"] == -2
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
