"""engine.storage: every table of sqlite3-made databases reads back exactly as sqlite3 reads it.

The referee is sqlite3 itself: ``SELECT rowid, * FROM t`` (``SELECT *`` for a
WITHOUT ROWID table, as ``PRAGMA table_list`` says) on a copy of the same
files, compared value by value and type by type (``repr`` also separates
-0.0 from 0.0).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

import engine.storage as storage
from engine import NotSupportedError, OperationalError


def typed(rows):
    return [tuple((type(v).__name__, repr(v)) for v in row) for row in rows]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite3_tables(path) -> dict[str, list[tuple]]:
    """What sqlite3 returns for every table: rowid tables with the rowid first."""
    con = sqlite3.connect(path)
    out = {}
    try:
        listing = con.execute("pragma table_list").fetchall()
        for schema_name, name, kind, _ncol, wr, _strict in listing:
            if schema_name != "main" or kind != "table" or name == "sqlite_schema":
                continue
            sql = f"select {'' if wr else 'rowid, '}* from {quote(name)}"
            out[name] = con.execute(sql).fetchall()
        out["sqlite_schema"] = con.execute("select rowid, * from sqlite_schema").fetchall()
    finally:
        con.close()
    return out


def sqlite3_schema(path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute("select type, name, tbl_name, rootpage, sql from sqlite_schema").fetchall()
    finally:
        con.close()


def assert_reads_like_sqlite3(ours_path, theirs_path=None, **open_kw):
    """Read ``ours_path`` with the engine first, then ``theirs_path`` (a copy) with sqlite3."""
    with storage.open(ours_path, **open_kw) as db:
        schema = db.schema
        got = {name: list(db.rows(name)) for name in db.table_names()
               if not db.catalog.table(name).virtual}
    theirs = theirs_path or ours_path
    assert schema == sqlite3_schema(theirs)
    want = sqlite3_tables(theirs)
    assert set(got) == set(want)
    for name in want:
        assert typed(got[name]) == typed(want[name]), name
    return got


KITCHEN_SINK = """
CREATE TABLE alias(id INTEGER PRIMARY KEY, v);
CREATE TABLE not_alias_int(id INT PRIMARY KEY, v);
CREATE TABLE not_alias_desc(id INTEGER PRIMARY KEY DESC, v);
CREATE TABLE alias_table_desc(id INTEGER, v, PRIMARY KEY(id DESC));
CREATE TABLE lower_integer(id integer primary key autoincrement, v text);
CREATE TABLE typed(i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC, d DOUBLE, f FLOAT, x);
CREATE TABLE "we""ird name"("select" TEXT, [from] INT, `a b` REAL);
CREATE TABLE has_rowid_col(rowid TEXT, v);
CREATE TABLE wr(k TEXT COLLATE NOCASE, n INTEGER, v REAL, w, PRIMARY KEY(n DESC, k)) WITHOUT ROWID;
CREATE TABLE wr_simple(k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
CREATE TABLE gen(a INTEGER, b TEXT, c INTEGER GENERATED ALWAYS AS (a * 2) STORED);
CREATE TABLE evolving(a, b);
CREATE INDEX typed_t ON typed(t COLLATE NOCASE, r DESC);
CREATE INDEX typed_expr ON typed(lower(t)) WHERE i > 0;
CREATE UNIQUE INDEX alias_v ON alias(v);
CREATE VIEW v_alias AS SELECT id, v FROM alias;
CREATE TRIGGER t_alias AFTER INSERT ON alias BEGIN SELECT 1; END;
"""

ALTERS = [
    "ALTER TABLE evolving ADD COLUMN c INTEGER DEFAULT 7",
    "ALTER TABLE evolving ADD COLUMN d TEXT DEFAULT 'dflt'",
    "ALTER TABLE evolving ADD COLUMN e REAL DEFAULT 3",
    "ALTER TABLE evolving ADD COLUMN f DEFAULT -2.50",
    "ALTER TABLE evolving ADD COLUMN g TEXT DEFAULT 1.50",
    "ALTER TABLE evolving ADD COLUMN h INTEGER DEFAULT '42'",
    "ALTER TABLE evolving ADD COLUMN i BLOB DEFAULT x'00ff'",
    "ALTER TABLE evolving ADD COLUMN j DEFAULT NULL",
    "ALTER TABLE evolving ADD COLUMN k",
    "ALTER TABLE evolving ADD COLUMN l INTEGER DEFAULT 0x10",
    "ALTER TABLE evolving ADD COLUMN m DEFAULT 99999999999999999999",
    "ALTER TABLE evolving ADD COLUMN n NUMERIC DEFAULT '3.0'",
    "ALTER TABLE evolving ADD COLUMN o DEFAULT TRUE",
    "ALTER TABLE evolving ADD COLUMN p TEXT DEFAULT -5",
    "ALTER TABLE evolving ADD COLUMN q DEFAULT -9223372036854775808",
    "ALTER TABLE evolving ADD COLUMN r INTEGER DEFAULT (5.0)",
    "ALTER TABLE evolving ADD COLUMN s DEFAULT (-5)",
    "ALTER TABLE evolving ADD COLUMN u REAL DEFAULT +7",
    "ALTER TABLE evolving ADD COLUMN w TEXT DEFAULT x'41'",
]

TEXTS = ["", "a", "Hello", "ÄÖÜ äöü", "日本語テキスト", "emoji \U0001F600 \U0001F4A9", "x" * 300,
         "nul\x00inside", "MiXeD", "mixed"]


def populate(con, *, big: int = 3000, rows: int = 60):
    con.executescript(KITCHEN_SINK)
    con.execute("begin")
    ints = [0, 1, -1, 127, 128, -129, 32767, -32769, 2**23 - 1, -(2**23), 2**31, -(2**31) - 1,
            2**47 - 1, -(2**47), 2**63 - 1, -(2**63)]
    reals = [0.0, -0.0, 1.5, -2.25, 1e300, -1e-300, float("inf"), float("-inf"), 3.0, 2.0**60]
    for i in range(rows):
        t = TEXTS[i % len(TEXTS)]
        con.execute("insert into alias(v) values (?)", (f"v{i}",))
        con.execute("insert into not_alias_int values (?, ?)", (i * 3, t))
        con.execute("insert into not_alias_desc values (?, ?)", (i * 5, i))
        con.execute("insert into alias_table_desc values (?, ?)", (i * 7, reals[i % len(reals)]))
        con.execute("insert into lower_integer(v) values (?)", (t,))
        con.execute(
            "insert into typed values (?,?,?,?,?,?,?,?)",
            (ints[i % len(ints)], [1, 2.5, None, "7", -3][i % 5], t, bytes([i % 256]) * (i % 7),
             ["12", "1.5e3", "abc", 9, None, "0x10", " 5 "][i % 7], i, reals[i % len(reals)],
             [None, 1, 1.25, "s", b"b"][i % 5]),
        )
        con.execute('insert into "we""ird name" values (?, ?, ?)', (t, i, i / 3))
        con.execute("insert into has_rowid_col(rowid, v) values (?, ?)", (f"r{i}", i))
        con.execute("insert into wr values (?, ?, ?, ?)", (f"{i}#{t}", i % 9, i, [None, "x"][i % 2]))
        con.execute("insert into wr_simple values (?, ?)", (f"k{i:03d}", bytes(i)))
        con.execute("insert into gen(a, b) values (?, ?)", (i, t))
        con.execute("insert into evolving values (?, ?)", (i, t))
    # rows that overflow, of every kind
    con.execute("insert into alias(v) values (?)", ("o" * big,))
    con.execute("insert into typed(t, b) values (?, ?)", ("é" * big, b"\x01" * big * 3))
    con.execute("insert into wr values (?, 1000, 1, ?)", ("long" * (big // 4), b"z" * big))
    con.execute("insert into wr_simple values (?, ?)", ("k" * big, b"v" * big * 2))
    for stmt in ALTERS:
        con.execute(stmt)
    con.execute("insert into evolving(a, b, c, d) values (1000, 'after', 1, 'x')")
    con.execute("delete from alias where id % 7 = 3")  # free cells and pages
    con.execute("commit")


def make_db(path, *, page_size=4096, encoding="UTF-8", auto_vacuum=0, rows=60):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"pragma page_size={page_size}")
    con.execute(f"pragma encoding='{encoding}'")
    con.execute(f"pragma auto_vacuum={auto_vacuum}")
    con.execute("pragma synchronous=off")
    populate(con, rows=rows, big=max(3000, page_size + 500))
    con.close()
    return str(path)


@pytest.mark.parametrize("page_size", [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536])
def test_read_tables_created_by_sqlite3_page_sizes(tmp_path, page_size):
    path = make_db(tmp_path / "p.db", page_size=page_size)
    got = assert_reads_like_sqlite3(path)
    with storage.open(path) as db:
        assert db.page_size == page_size
        con = sqlite3.connect(path)
        assert db.page_count == con.execute("pragma page_count").fetchone()[0]
        con.close()
    assert len(got["evolving"]) == 61


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16le", "UTF-16be"])
@pytest.mark.parametrize("auto_vacuum", [0, 1, 2])
def test_read_tables_created_by_sqlite3_encodings_and_autovacuum(tmp_path, encoding, auto_vacuum):
    path = make_db(tmp_path / "e.db", encoding=encoding, auto_vacuum=auto_vacuum, page_size=1024)
    assert_reads_like_sqlite3(path)
    with storage.open(path) as db:
        assert db.encoding == encoding


def test_reserved_bytes_created_by_sqlite3(tmp_path):
    path = tmp_path / "r.db"
    con = sqlite3.connect(path)
    con.execute("pragma page_size=1024")
    con.execute("pragma user_version=1")  # writes page 1 of an empty database
    con.close()
    data = bytearray(path.read_bytes())
    data[20] = 40  # reserved bytes per page
    data[105:107] = (1024 - 40).to_bytes(2, "big")
    path.write_bytes(bytes(data))
    con = sqlite3.connect(path, isolation_level=None)
    populate(con)
    con.close()
    assert_reads_like_sqlite3(str(path))
    with storage.open(path) as db:
        assert db.usable_size == 1024 - 40


def test_point_lookup_and_index_entries(tmp_path):
    path = make_db(tmp_path / "i.db", page_size=512, rows=200)
    con = sqlite3.connect(path)
    with storage.open(path) as db:
        for rowid in (1, 2, 50, 199, 10**6):
            want = con.execute("select rowid, * from alias where rowid = ?", (rowid,)).fetchall()
            got = db.row("alias", rowid)
            assert ([got] if got is not None else []) == want
        got = list(db.index_entries("typed_t"))
        want = con.execute(
            "select t, r, rowid from typed order by t collate nocase, r desc, rowid").fetchall()
        assert typed(got) == typed(want)
        got = list(db.index_entries("alias_v"))
        assert got == con.execute("select v, rowid from alias order by v").fetchall()
        partial = list(db.index_entries("typed_expr"))
        assert partial == con.execute(
            "select lower(t), rowid from typed where i > 0 order by 1, 2").fetchall()
        ix = db.catalog.index("typed_t")
        assert ix.collations == ["NOCASE", "BINARY"] and ix.desc == [False, True]
        assert db.catalog.index("typed_expr").partial
        assert db.catalog.index("alias_v").unique
    con.close()


def test_catalog_rowid_alias_rules(tmp_path):
    path = make_db(tmp_path / "a.db", rows=3)
    with storage.open(path) as db:
        cat = db.catalog
        assert cat.table("alias").rowid_alias == 0
        assert cat.table("not_alias_int").rowid_alias is None
        assert cat.table("not_alias_desc").rowid_alias is None
        assert cat.table("alias_table_desc").rowid_alias == 0
        assert cat.table("lower_integer").rowid_alias == 0
        wr = cat.table("wr")
        assert wr.without_rowid and [c.name for c in wr.primary_key] == ["n", "k"]
        assert [c.desc for c in wr.primary_key] == [True, False]
        assert [c.affinity for c in cat.table("typed").columns] == [
            "INTEGER", "REAL", "TEXT", "BLOB", "NUMERIC", "REAL", "REAL", "BLOB"]
        assert cat.table("wr").columns[0].collation == "NOCASE"
        assert set(cat.views) == {"v_alias"} and set(cat.triggers) == {"t_alias"}
    # the referee: sqlite3 says which tables have a rowid alias (pk column shows the rowid)
    con = sqlite3.connect(path)
    for name in ("alias", "alias_table_desc", "lower_integer"):
        assert con.execute(f"select count(*) from {name} where rowid != id").fetchone()[0] == 0
    assert con.execute(
        "select count(*) from not_alias_desc where rowid != id").fetchone()[0] > 0
    con.close()


def test_virtual_generated_columns_are_not_pretended(tmp_path):
    path = tmp_path / "g.db"
    con = sqlite3.connect(path)
    con.execute("create table g(a INTEGER, b AS (a * 2) VIRTUAL, c AS (a + 1) STORED)")
    con.execute("insert into g(a) values (3)")
    con.commit()
    assert con.execute("select rowid, * from g").fetchall() == [(1, 3, 6, 4)]
    con.close()
    with storage.open(path) as db, pytest.raises(NotSupportedError):
        list(db.rows("g"))


def test_unknown_table_and_views(tmp_path):
    path = make_db(tmp_path / "u.db", rows=2)
    with storage.open(path) as db:
        with pytest.raises(OperationalError):
            list(db.rows("nope"))
        with pytest.raises(OperationalError):
            list(db.rows("v_alias"))
        assert list(db.rows("sqlite_master")) == list(db.rows("sqlite_schema"))


def _spill(live: Path, work: str):
    con = sqlite3.connect(live, isolation_level=None)
    con.execute("pragma cache_size=5")
    con.execute("begin")
    con.execute("update typed set t = 'changed ' || t")
    con.execute("create table never(x)")
    con.executemany("insert into alias(v) values (?)", ((f"{i}" + "n" * 500,) for i in range(300)))
    return con


def test_read_wal_with_uncommitted_frames_created_by_sqlite3(tmp_path):
    live = tmp_path / "live.db"
    make_db(live, page_size=1024)
    con = sqlite3.connect(live, isolation_level=None)
    con.execute("pragma journal_mode=wal")
    con.execute("pragma wal_autocheckpoint=0")
    con.execute("insert into alias(v) values ('committed in the wal')")
    con.execute("update typed set r = 99 where rowid % 3 = 0")
    con.close()  # the last connection checkpoints: write more, keep one open
    keeper = sqlite3.connect(live, isolation_level=None)
    keeper.execute("pragma wal_autocheckpoint=0")
    keeper.execute("insert into alias(v) values ('in the wal')")
    keeper.execute("delete from wr where n = 3")
    size = Path(f"{live}-wal").stat().st_size
    writer = _spill(live, "wal")
    assert Path(f"{live}-wal").stat().st_size > size  # uncommitted frames in the log
    for d in ("ours", "theirs"):
        (tmp_path / d).mkdir()
        shutil.copyfile(live, tmp_path / d / "x.db")
        shutil.copyfile(f"{live}-wal", tmp_path / d / "x.db-wal")
    writer.execute("rollback")
    writer.close()
    keeper.close()
    got = assert_reads_like_sqlite3(str(tmp_path / "ours" / "x.db"), str(tmp_path / "theirs" / "x.db"))
    assert "in the wal" in [r[2] for r in got["alias"]]
    assert "never" not in got


@pytest.mark.parametrize("readonly", [True, False])
def test_read_hot_journal_created_by_sqlite3(tmp_path, readonly):
    live = tmp_path / "live.db"
    make_db(live, page_size=1024)
    pre = live.read_bytes()
    writer = _spill(live, "journal")
    assert live.read_bytes() != pre
    for d in ("ours", "theirs"):
        (tmp_path / d).mkdir()
        shutil.copyfile(live, tmp_path / d / "x.db")
        shutil.copyfile(f"{live}-journal", tmp_path / d / "x.db-journal")
    writer.execute("rollback")
    writer.close()
    ours = tmp_path / "ours" / "x.db"
    before = ours.read_bytes()
    assert_reads_like_sqlite3(str(ours), str(tmp_path / "theirs" / "x.db"), readonly=readonly)
    if readonly:
        assert ours.read_bytes() == before and Path(f"{ours}-journal").exists()
    else:
        assert ours.read_bytes() == pre and not Path(f"{ours}-journal").exists()


def test_open_bytes_with_wal_and_journal_images(tmp_path):
    live = tmp_path / "live.db"
    make_db(live, page_size=1024, rows=20)
    keeper = sqlite3.connect(live, isolation_level=None)
    keeper.execute("pragma journal_mode=wal")
    keeper.execute("pragma wal_autocheckpoint=0")
    keeper.execute("insert into alias(v) values ('wal row')")
    image, wal = live.read_bytes(), Path(f"{live}-wal").read_bytes()
    want = keeper.execute("select rowid, * from alias").fetchall()
    keeper.close()
    with storage.open_bytes(image, wal=wal) as db:
        assert list(db.rows("alias")) == want
    with storage.open_bytes(image) as db:  # without its log: the older state
        assert "wal row" not in [r[2] for r in db.rows("alias")]
    live2 = tmp_path / "live2.db"
    make_db(live2, page_size=1024)
    pre = sqlite3.connect(live2).execute("select rowid, * from typed").fetchall()
    writer = _spill(live2, "journal")
    image, journal = live2.read_bytes(), Path(f"{live2}-journal").read_bytes()
    writer.execute("rollback")
    writer.close()
    with storage.open_bytes(image, journal=journal) as db:
        assert list(db.rows("typed")) == pre


def test_empty_database(tmp_path):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    with storage.open(path) as db:
        assert db.schema == [] and db.page_count == 0
        assert list(db.rows("sqlite_schema")) == []
    with storage.open_bytes(b"") as db:
        assert db.schema == []


def test_storage_is_exposed_by_engine():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "import engine; print(engine.storage.open.__module__)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "engine.storage"


def test_read_every_corpus_fixture_like_sqlite3(corpus, tmp_path):
    assert corpus, "the fixture corpus is empty"
    for fx in corpus:
        ours = fx.copy_to(tmp_path / fx.name / "ours")
        theirs = fx.copy_to(tmp_path / fx.name / "theirs")
        got = assert_reads_like_sqlite3(str(ours.path), str(theirs.path))
        assert set(fx.tables) <= set(got), fx.name


def test_freelist_matches_sqlite3(tmp_path):
    path = make_db(tmp_path / "f.db", page_size=1024, rows=120)
    con = sqlite3.connect(path)
    con.execute("delete from typed")
    con.execute("delete from not_alias_int where id % 2 = 0")
    con.commit()
    count = con.execute("pragma freelist_count").fetchone()[0]
    used = {r[0] for r in con.execute("select pageno from dbstat")}
    total = con.execute("pragma page_count").fetchone()[0]
    con.close()
    assert count > 0
    with storage.open(path) as db:
        free = db.freelist()
    assert len(free) == len(set(free)) == count
    assert set(free) == set(range(1, total + 1)) - used


def test_open_waits_for_a_writer_then_reports_locked(tmp_path):
    import subprocess
    import sys
    import time

    path = make_db(tmp_path / "busy.db", rows=2)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
         "c.execute('begin exclusive'); print('held', flush=True); sys.stdin.readline()", path],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        t0 = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            storage.open(path, timeout=0.3)
        assert time.monotonic() - t0 >= 0.25
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=60)
    with storage.open(path, timeout=0) as db:  # free again
        assert db.schema


_SCAN_CHILD = """
import sys
import engine.storage as storage
n = 0
with storage.open(sys.argv[1]) as db:
    for name in db.table_names():
        for _ in db.rows(name):
            n += 1
with open("/proc/self/status") as f:
    peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
print(n, peak)
"""


@pytest.mark.slow
def test_scan_of_a_1gb_file_keeps_resident_memory_under_100mb(tmp_path):
    import os
    import subprocess
    import sys

    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs /proc for the peak resident size")
    path = tmp_path / "big.db"
    con = sqlite3.connect(path)
    con.execute("pragma journal_mode=off")
    con.execute("pragma synchronous=off")
    con.execute("create table big(a integer, b text, c blob)")
    row = 0
    while path.stat().st_size < 1024 * 1024 * 1024:
        con.executemany("insert into big values (?, ?, zeroblob(150))",
                        ((i, f"row {i}") for i in range(row, row + 200_000)))
        con.commit()
        row += 200_000
    want = con.execute("select count(*) from big").fetchone()[0] + 1  # + the schema row
    con.close()
    out = subprocess.run([sys.executable, "-c", _SCAN_CHILD, str(path)], capture_output=True,
                         text=True, check=True, timeout=3600).stdout.split()
    n, peak_kib = int(out[0]), int(out[1])
    assert n == want
    assert peak_kib < 100 * 1024, f"peak RSS {peak_kib / 1024:.0f} MB"


@pytest.mark.slow
def test_read_lock_byte_database_created_by_sqlite3(tmp_path):
    from corpus.build import build_lock_byte

    fx = build_lock_byte(tmp_path / "lb")
    con = sqlite3.connect(fx.path)
    small = con.execute("select rowid, * from small").fetchall()
    big = con.execute("select rowid, id, length(b), b = zeroblob(length(b)) from big").fetchall()
    free = con.execute("pragma freelist_count").fetchone()[0]
    con.close()
    with storage.open(fx.path) as db:
        assert db.page_count > db.pager.lock_byte_page
        assert list(db.rows("small")) == small
        assert [(r[0], r[1], len(r[2]), r[2] == bytes(len(r[2]))) for r in db.rows("big")] == [
            (a, b, c, bool(d)) for a, b, c, d in big]
        pages = db.freelist()
        assert len(pages) == free and db.pager.lock_byte_page not in pages


def test_index_lookup_seeks_like_sqlite3(tmp_path):
    path = make_db(tmp_path / "k.db", page_size=512, rows=300)
    con = sqlite3.connect(path)
    with storage.open(path) as db:
        for text in ("mixed", "MIXED", "hello", "", "nothing such", "ÄÖÜ äöü"):
            want = con.execute(
                "select t, r, rowid from typed where t = ? collate nocase "
                "order by t collate nocase, r desc, rowid", (text,)).fetchall()
            db.pager._cache.clear()
            before = db.pager.page_reads
            got = list(db.index_lookup("typed_t", (text,)))
            assert typed(got) == typed(want), text
            if not want:  # a miss costs a root-to-leaf path, not a scan
                assert db.pager.page_reads - before <= db.cursor("typed_t").tree.max_depth
        cur = db.cursor("alias")
        assert cur.seek_rowid(2) and cur.rowid == 2
        with pytest.raises(OperationalError):
            db.cursor("v_alias")
    con.close()
