"""engine.inspect: the page inventory against SQLite's own dbstat, page by page.

For every page dbstat reports (b-tree and overflow pages) our kind, owner,
ncell, payload and unused must be identical; pages dbstat does not report must
be freelist, pointer-map, lock-byte or unused pages.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import CorruptError
from engine.inspect import (
    PageSource,
    autoindex_defs,
    btree_structure,
    inventory,
    page_detail,
    parse_index_sql,
    parse_table_sql,
)

DBSTAT_TYPE = {
    "table-interior": "internal",
    "index-interior": "internal",
    "table-leaf": "leaf",
    "index-leaf": "leaf",
    "overflow": "overflow",
}


def dbstat_mismatches(path) -> list:
    inv = inventory(path)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ref = {r[1]: r for r in con.execute(
            "SELECT name, pageno, pagetype, ncell, payload, unused FROM dbstat")}
    finally:
        con.close()
    bad = []
    for page in inv.pages():
        row = ref.pop(page["pgno"], None)
        typ = DBSTAT_TYPE.get(page["kind"])
        if row is None:
            if typ is not None:
                bad.append(("not in dbstat", page))
            continue
        ours = (page["btree"], typ, page["ncell"], page["payload"], page["unused"])
        if ours != (row[0], row[2], row[3], row[4], row[5]):
            bad.append((row, page))
    bad.extend(("missing", r) for r in ref.values())
    return bad


def make_db(path, *, page_size=1024, auto_vacuum=0, encoding="UTF-8", rows=200, seed=0):
    import random

    rng = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute(f"PRAGMA auto_vacuum={auto_vacuum}")
    con.execute(f"PRAGMA encoding='{encoding}'")
    con.executescript("""
        CREATE TABLE t(a INTEGER PRIMARY KEY, b, c TEXT COLLATE NOCASE UNIQUE);
        CREATE INDEX tb ON t(b);
        CREATE TABLE w(k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
        CREATE INDEX wv ON w(v);
    """)
    for i in range(rows):
        big = rng.choice([0, 10, 400, 3000, 9000])
        con.execute("INSERT INTO t VALUES(?,?,?)", (i * 3, "x" * big, f"c{i}"))
        con.execute("INSERT INTO w VALUES(?,?)", (f"k{i}" * rng.randint(1, 60),
                                                  rng.randbytes(rng.choice([1, 100, 2000]))))
    con.execute("DELETE FROM t WHERE a % 5 = 0")
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize("page_size,auto_vacuum,encoding", [
    (512, 0, "UTF-8"), (1024, 1, "UTF-16le"), (4096, 2, "UTF-16be"), (8192, 0, "UTF-8"),
])
def test_inventory_matches_dbstat_created_by_sqlite3(tmp_path, page_size, auto_vacuum,
                                                     encoding):
    path = make_db(tmp_path / "x.db", page_size=page_size, auto_vacuum=auto_vacuum,
                   encoding=encoding, rows=120)
    assert dbstat_mismatches(path) == []
    inv = inventory(path)
    counts = inv.counts_by_kind()
    assert counts.get("overflow", 0) > 0
    assert inv.freelist_trunks + inv.freelist_leaves == inv.header["freelist_count"]
    if auto_vacuum:
        assert counts.get("ptrmap", 0) >= 1
    assert sum(counts.values()) == inv.page_count


def test_inventory_matches_dbstat_on_corpus(corpus):
    for fx in corpus:
        if fx.wal_path or fx.journal_path:
            continue  # dbstat would see the database through its log; covered in tests/cli
        assert dbstat_mismatches(fx.path) == [], fx.name


@settings(max_examples=15, deadline=None)
@given(
    page_size=st.sampled_from([512, 1024, 2048, 4096]),
    values=st.lists(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.floats(),
                              st.text(max_size=300), st.binary(max_size=5000)),
                    min_size=1, max_size=60),
    without_rowid=st.booleans(),
)
def test_inventory_matches_dbstat_on_generated_databases(tmp_path_factory, page_size, values,
                                                         without_rowid):
    path = tmp_path_factory.mktemp("gen") / "g.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size={page_size}")
    suffix = " WITHOUT ROWID" if without_rowid else ""
    con.execute(f"CREATE TABLE g(id INTEGER PRIMARY KEY, v){suffix}")
    con.execute("CREATE INDEX gv ON g(v)")
    con.executemany("INSERT INTO g VALUES(?,?)", list(enumerate(values)))
    con.commit()
    con.close()
    assert dbstat_mismatches(path) == []


def test_btrees_summary_counts_rows(tmp_path):
    path = make_db(tmp_path / "x.db", rows=50)
    inv = inventory(path)
    by_name = {t.name: t for t in inv.btrees}
    con = sqlite3.connect(path)
    assert by_name["t"].entries == con.execute("SELECT count(*) FROM t").fetchone()[0]
    assert by_name["tb"].entries == by_name["t"].entries
    assert by_name["w"].entries == con.execute("SELECT count(*) FROM w").fetchone()[0]
    assert by_name["w"].without_rowid
    depth = con.execute("SELECT max(length(path) - length(replace(path, '/', ''))) "
                        "FROM dbstat WHERE name='t' AND pagetype!='overflow'").fetchone()[0]
    con.close()
    assert by_name["t"].depth == depth
    assert 0 < by_name["t"].fill <= 1


def test_page_detail_regions_and_records(tmp_path):
    path = make_db(tmp_path / "x.db", rows=30)
    con = sqlite3.connect(path)
    root = con.execute("SELECT rootpage FROM sqlite_schema WHERE name='t'").fetchone()[0]
    rows = con.execute("SELECT a, b, c FROM t").fetchall()
    con.close()
    with PageSource(path) as src:
        tree = btree_structure(src, root)
        leaves = []

        def walk(n):
            if "children" in n:
                for c in n["children"]:
                    walk(c)
            else:
                leaves.append(n["pgno"])

        walk(tree)
        seen = []
        for pgno in leaves:
            d = page_detail(src, pgno)
            assert d["kind"] == "table-leaf"
            roles = {r[3] for r in d["regions"]}
            assert {"page-header", "cell-pointers", "cell"} <= roles
            for c in d["cells"]:
                # the rowid alias column is stored as NULL in the record
                rec = c["record"]
                assert rec[0] is None
                seen.append(c["rowid"])
        assert seen == [r[0] for r in rows]


def test_schema_sql_reading():
    t = parse_table_sql("t", "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT COLLATE nocase "
                             "NOT NULL DEFAULT 'x', c, UNIQUE(b, c))")
    assert [c.name for c in t.columns] == ["a", "b", "c"]
    assert t.rowid_alias == 0
    assert t.columns[1].collation == "nocase" and t.columns[1].not_null
    assert t.columns[1].default == "x"
    assert [i.name for i in autoindex_defs(t)] == ["sqlite_autoindex_t_1"]
    w = parse_table_sql("w", "CREATE TABLE w(k PRIMARY KEY, z UNIQUE) WITHOUT ROWID")
    assert w.without_rowid and w.rowid_alias is None
    assert [i.name for i in autoindex_defs(w)] == ["sqlite_autoindex_w_2"]
    i = parse_index_sql("i", "t", "CREATE UNIQUE INDEX i ON t(b DESC, c COLLATE rtrim, a+1) "
                                  "WHERE a > 0")
    assert i.unique and i.partial
    assert [(c.column, c.collation, c.desc) for c in i.columns] == [
        ("b", None, True), ("c", "rtrim", False), (None, None, False)]


def test_not_a_database_raises_corrupt_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"hello world" * 20)
    with pytest.raises(CorruptError):
        inventory(bad)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(CorruptError):
        inventory(empty)


@pytest.mark.slow
def test_lock_byte_page_in_a_file_over_one_gib(tmp_path):
    import corpus.build as corpus_build
    from engine.integrity import check
    from formatspec.derived import lock_byte_page

    fx = corpus_build.build_lock_byte(tmp_path)
    inv = inventory(fx.path)
    lock = lock_byte_page(inv.page_size)
    assert inv.page_count > lock
    assert inv.page(lock)["kind"] == "lock-byte"
    assert [p for p in range(1, inv.page_count + 1) if inv.kind[p] == 9] == [lock]
    assert dbstat_mismatches(fx.path) == []
    assert check(fx.path) == []
