"""Corrupt files: CorruptError naming the page, raised where the damage is; never a hang.

Each test damages one structure of a sqlite3-made file (found with the dbstat
virtual table as referee) and reads through ``engine.storage``. A hypothesis
test flips random bytes and requires that reading either succeeds or raises an
``engine.DatabaseError`` (never another exception type, a hang, a
RecursionError or a MemoryError).
"""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import engine.storage as storage
from engine import CorruptError, DatabaseError, NotSupportedError

pytestmark = pytest.mark.timeout(120)

PAGE = 512


def _base(path: Path, *, rows=400, blobs=(3000, 5000)):
    con = sqlite3.connect(path)
    con.execute(f"pragma page_size={PAGE}")
    con.execute("create table t(a integer, b text)")
    con.execute("create table o(x blob)")
    con.execute("create index ti on t(b)")
    con.executemany("insert into t values (?, ?)", ((i, f"row {i:05d} " * 3) for i in range(rows)))
    con.executemany("insert into o values (?)", ((bytes([n % 251]) * n,) for n in blobs))
    con.commit()
    pages = con.execute("select name, pageno, pagetype, path from dbstat order by pageno").fetchall()
    roots = dict(con.execute("select name, rootpage from sqlite_schema"))
    con.close()
    return pages, roots


def _write(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def _read(path: Path, offset: int, n: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(n)


def _page_off(pgno: int) -> int:
    return (pgno - 1) * PAGE


def _hdr(pgno: int) -> int:
    return 100 if pgno == 1 else 0


def _cell_ptr(path, pgno, i, interior):
    base = _page_off(pgno) + _hdr(pgno) + (12 if interior else 8) + 2 * i
    return base, struct.unpack(">H", _read(path, base, 2))[0]


def _read_all(path):
    with storage.open(path) as db:
        for name in db.table_names():
            for _ in db.rows(name):
                pass
        for name in list(db.catalog.indexes):
            for _ in db.index_entries(name):
                pass


def _expect_corrupt(path, page=None):
    with pytest.raises(CorruptError) as exc:
        _read_all(path)
    assert exc.value.page is not None
    if page is not None:
        assert exc.value.page == page, str(exc.value)
    return exc.value


def _interior(pages, name):
    return [p for n, p, kind, _ in pages if n == name and kind == "internal"]


def _leaves(pages, name):
    return [p for n, p, kind, _ in pages if n == name and kind == "leaf"]


def test_cycle_in_child_pointers(tmp_path):
    path = tmp_path / "c.db"
    pages, roots = _base(path, rows=3000)
    inner = [p for p in _interior(pages, "t") if p != roots["t"]]
    victim = inner[0] if inner else roots["t"]
    # its right child points back at the root: a cycle
    _write(path, _page_off(victim) + _hdr(victim) + 8, struct.pack(">I", roots["t"]))
    err = _expect_corrupt(path, page=victim)
    assert "cycle" in str(err) or "twice" in str(err)


def test_child_page_beyond_the_file(tmp_path):
    path = tmp_path / "b.db"
    pages, roots = _base(path)
    root = roots["t"]
    _write(path, _page_off(root) + 8, struct.pack(">I", len(pages) + 1000))
    _expect_corrupt(path, page=root)


def test_cell_pointer_into_the_header(tmp_path):
    path = tmp_path / "h.db"
    pages, _roots = _base(path)
    leaf = _leaves(pages, "t")[1]
    at, _ = _cell_ptr(path, leaf, 0, interior=False)
    _write(path, at, struct.pack(">H", 3))
    err = _expect_corrupt(path, page=leaf)
    assert err.offset is not None


def test_cell_running_off_the_page(tmp_path):
    path = tmp_path / "r.db"
    pages, _roots = _base(path)
    leaf = _leaves(pages, "t")[2]
    at, _ = _cell_ptr(path, leaf, 0, interior=False)
    _write(path, at, struct.pack(">H", PAGE - 5))  # a cell of ~40 bytes starting 5 from the end
    _expect_corrupt(path, page=leaf)


def test_payload_size_larger_than_the_file(tmp_path):
    path = tmp_path / "p.db"
    pages, roots = _base(path, blobs=(20000,))
    leaf = roots["o"] if not _leaves(pages, "o") else _leaves(pages, "o")[0]
    _, cell = _cell_ptr(path, leaf, 0, interior=False)
    size_varint = _read(path, _page_off(leaf) + cell, 3)
    assert size_varint[0] & 0x80 and size_varint[1] & 0x80 and not size_varint[2] & 0x80
    _write(path, _page_off(leaf) + cell, bytes([0xFF, 0xFF, 0x7F]))  # 2,097,151 bytes
    assert path.stat().st_size < 2_097_151
    _expect_corrupt(path, page=leaf)


def _overflow_pages(pages):
    return [p for n, p, kind, _ in pages if n == "o" and kind == "overflow"]


def test_overflow_chain_loop(tmp_path):
    path = tmp_path / "l.db"
    pages, _roots = _base(path, blobs=(20000,))
    chain = _overflow_pages(pages)
    assert len(chain) > 5
    # the third overflow page points back at the second: a loop
    con = sqlite3.connect(path)
    ordered = [r[0] for r in con.execute(
        "select pageno from dbstat where name='o' and pagetype='overflow' order by path")]
    con.close()
    _write(path, _page_off(ordered[2]), struct.pack(">I", ordered[1]))
    _expect_corrupt(path)


def test_overflow_page_beyond_the_file(tmp_path):
    path = tmp_path / "ob.db"
    pages, _roots = _base(path, blobs=(20000,))
    first = _overflow_pages(pages)[0]
    _write(path, _page_off(first), struct.pack(">I", 10**6))
    _expect_corrupt(path)


def test_btree_deeper_than_possible(tmp_path):
    path = tmp_path / "d.db"
    pages, roots = _base(path, rows=10, blobs=(40000,))
    root = roots["t"]
    # turn a run of overflow pages into a chain of interior pages, each with no cell
    # and its right child the next one: 25 levels, more than SQLite's limit of 20
    chain = sorted(_overflow_pages(pages))[:27]
    assert len(chain) == 27
    for a, b in zip([root] + chain[:-1], chain):
        hdr = _hdr(a)
        _write(path, _page_off(a) + hdr, bytes([5, 0, 0, 0, 0, 2, 0, 0]) + struct.pack(">I", b))
    last = chain[-1]
    _write(path, _page_off(last), bytes([13, 0, 0, 0, 0, 2, 0, 0]))  # an empty leaf
    err = _expect_corrupt(path)
    assert "deeper" in str(err) or "empty leaf" in str(err)


def test_wrong_page_type_in_tree(tmp_path):
    path = tmp_path / "w.db"
    pages, roots = _base(path)
    _write(path, _page_off(roots["t"]), bytes([10]))  # a table root that says "index leaf"
    _expect_corrupt(path, page=roots["t"])


def test_root_page_beyond_the_file(tmp_path):
    path = tmp_path / "rt.db"
    _base(path)
    con = sqlite3.connect(path)
    con.execute("pragma writable_schema=on")
    con.execute("update sqlite_schema set rootpage = 99999 where name = 't'")
    con.commit()
    con.close()
    with storage.open(path) as db, pytest.raises(CorruptError) as exc:
        list(db.rows("t"))
    assert exc.value.page == 99999


def test_corruption_is_lazy(tmp_path):
    # damage in one table does not stop reading another
    path = tmp_path / "z.db"
    pages, roots = _base(path)
    _write(path, _page_off(roots["t"]) + 8, struct.pack(">I", 10**6))
    with storage.open(path) as db:
        assert len(list(db.rows("o"))) == 2
        with pytest.raises(CorruptError):
            list(db.rows("t"))


def _image(tmp_path_factory=None):
    import tempfile

    d = Path(tempfile.mkdtemp())
    path = d / "f.db"
    con = sqlite3.connect(path)
    con.execute(f"pragma page_size={PAGE}")
    con.execute("create table t(a integer primary key, b text, c)")
    con.execute("create index tb on t(b, c)")
    con.execute("create table w(k, v, primary key(k)) without rowid")
    con.executemany("insert into t values (?, ?, ?)",
                    ((i, f"text {i}" * (i % 5), bytes(i % 900)) for i in range(120)))
    con.executemany("insert into w values (?, ?)", ((f"k{i}", "v" * (i * 13 % 700)) for i in range(60)))
    con.commit()
    con.close()
    return path.read_bytes()


IMAGE = _image()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(0, len(IMAGE) - 1), st.integers(0, 255)),
                min_size=1, max_size=8))
@example(flips=[(352, 0)])  # a NUL in a table's name (was a ValueError from compile())
def test_random_damage_gives_database_error_or_data(flips):
    image = bytearray(IMAGE)
    for at, value in flips:
        image[at] = value
    try:
        with storage.open_bytes(bytes(image)) as db:
            for name in db.table_names():
                for _ in db.rows(name):
                    pass
            for name in list(db.catalog.indexes):
                for _ in db.index_entries(name):
                    pass
    except NotSupportedError:
        pass
    except DatabaseError:
        pass


def test_freelist_cycle(tmp_path):
    path = tmp_path / "fl.db"
    _base(path, rows=2000)
    con = sqlite3.connect(path)
    con.execute("delete from t")
    con.commit()
    con.close()
    first = struct.unpack(">I", _read(path, 32, 4))[0]
    assert first
    _write(path, _page_off(first), struct.pack(">I", first))  # the trunk names itself next
    with storage.open(path) as db, pytest.raises(CorruptError) as exc:
        db.freelist()
    assert exc.value.page is not None


def _wal_and_journal_images():
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp())
    live = d / "w.db"
    con = sqlite3.connect(live, isolation_level=None)
    con.execute(f"pragma page_size={PAGE}")
    con.execute("pragma journal_mode=wal")
    con.execute("pragma wal_autocheckpoint=0")
    con.execute("create table t(a integer primary key, b)")
    for i in range(6):
        con.execute("insert into t(b) values (?)", ("w" * (i * 150),))
    wal_pair = (live.read_bytes(), Path(f"{live}-wal").read_bytes())
    con.close()
    live = d / "j.db"
    con = sqlite3.connect(live, isolation_level=None)
    con.execute(f"pragma page_size={PAGE}")
    con.execute("create table t(a integer primary key, b)")
    con.executemany("insert into t(b) values (?)", (("j" * (i % 300),) for i in range(200)))
    con.execute("pragma cache_size=2")
    con.execute("begin")
    con.execute("update t set b = 'changed'")
    hot = d / "hot.db"
    shutil.copyfile(live, hot)
    journal_pair = (hot.read_bytes(), Path(f"{live}-journal").read_bytes())
    con.execute("rollback")
    con.close()
    return wal_pair, journal_pair


WAL_PAIR, JOURNAL_PAIR = _wal_and_journal_images()


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["wal", "journal"]), st.data())
def test_random_damage_in_wal_or_journal(which, data):
    image, side = WAL_PAIR if which == "wal" else JOURNAL_PAIR
    side = bytearray(side)
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(side) - 1), st.integers(0, 255)),
                               min_size=1, max_size=6))
    for at, value in flips:
        side[at] = value
    if data.draw(st.booleans()):
        del side[data.draw(st.integers(0, len(side))):]  # a torn tail
    kw = {which: bytes(side)}
    try:
        with storage.open_bytes(image, **kw) as db:
            for name in db.table_names():
                for _ in db.rows(name):
                    pass
    except DatabaseError:
        pass
