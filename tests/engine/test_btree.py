"""engine.btree cursors against sqlite3: order, seeks, overflow, page reads of a point lookup."""

from __future__ import annotations

import random
import sqlite3

import pytest

from engine.btree import BTree, compare_key
from engine.pager import Pager


def _make(path, *, page_size=512, rows=3000, encoding="UTF-8", seed=1):
    con = sqlite3.connect(path)
    con.execute(f"pragma page_size={page_size}")
    con.execute(f"pragma encoding='{encoding}'")
    con.execute("create table t(a integer, b text, c, d blob)")
    con.execute("create index ib on t(b collate nocase, c desc)")
    rng = random.Random(seed)
    data = []
    for _ in range(rows):
        data.append((
            rng.randint(-10**9, 10**9),
            rng.choice(["x", "X", "abc", "ABC", "Abd", "zz", "é", "ü", "\u4e2d", ""]) + str(rng.randint(0, 9)),
            rng.choice([None, rng.randint(-5, 5), rng.random(), "t", b"b"]),
            rng.randbytes(rng.choice([0, 5, 40, 3000])),
        ))
    # sparse, out-of-order rowids
    ids = rng.sample(range(-10**6, 10**6), rows)
    con.executemany("insert into t(rowid, a, b, c, d) values (?,?,?,?,?)",
                    [(i, *r) for i, r in zip(ids, data)])
    con.commit()
    roots = dict(con.execute("select name, rootpage from sqlite_schema"))
    con.close()
    return roots


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("bt") / "t.db")
    roots = _make(path)
    ref = sqlite3.connect(path)
    yield path, roots, ref
    ref.close()


def test_read_table_rows_created_by_sqlite3_forward_and_backward(db):
    path, roots, ref = db
    want = ref.execute("select rowid, a, b, c, d from t order by rowid").fetchall()
    with Pager(path) as pager:
        tree = BTree(pager, roots["t"], index=False)
        cur = tree.cursor()
        got = []
        ok = cur.first()
        while ok:
            got.append((cur.rowid, *cur.record()))
            ok = cur.next()
        assert got == want
        back = []
        ok = cur.last()
        while ok:
            back.append(cur.rowid)
            ok = cur.prev()
        assert back == [r[0] for r in reversed(want)]
        pager.check_invariants()


def test_next_and_prev_mixed(db):
    path, roots, ref = db
    rowids = [r[0] for r in ref.execute("select rowid from t order by rowid")]
    rng = random.Random(7)
    with Pager(path) as pager:
        cur = BTree(pager, roots["t"], index=False).cursor()
        assert cur.first()
        pos = 0
        for _ in range(2000):
            if rng.random() < 0.5 and pos + 1 < len(rowids):
                assert cur.next()
                pos += 1
            elif pos > 0:
                assert cur.prev()
                pos -= 1
            assert cur.rowid == rowids[pos]


def test_seek_rowid_matches_sqlite3(db):
    path, roots, ref = db
    rng = random.Random(3)
    rowids = [r[0] for r in ref.execute("select rowid from t order by rowid")]
    probes = rng.sample(rowids, 50) + [rng.randint(-2 * 10**6, 2 * 10**6) for _ in range(50)]
    probes += [rowids[0], rowids[-1], rowids[-1] + 1, rowids[0] - 1]
    with Pager(path) as pager:
        cur = BTree(pager, roots["t"], index=False).cursor()
        for r in probes:
            found = cur.seek_rowid(r)
            nxt = ref.execute("select min(rowid) from t where rowid >= ?", (r,)).fetchone()[0]
            assert found == (nxt == r)
            if nxt is None:
                assert cur.eof
            else:
                assert not cur.eof and cur.rowid == nxt
                row = ref.execute("select a, b, c, d from t where rowid = ?", (nxt,)).fetchone()
                assert cur.record() == row


def test_point_lookup_touches_depth_pages(tmp_path):
    path = str(tmp_path / "big.db")
    con = sqlite3.connect(path)
    con.execute("pragma page_size=512")
    con.execute("create table t(x)")
    con.executemany("insert into t values (?)", ((i * 7,) for i in range(60000)))
    con.commit()
    root = con.execute("select rootpage from sqlite_schema where name='t'").fetchone()[0]
    depth_ref = con.execute(
        "select max(length(path) - length(replace(path, '/', ''))) from dbstat where name='t'"
    ).fetchone()[0]
    con.close()
    with Pager(path, cache_size=10) as pager:
        tree = BTree(pager, root, index=False)
        for rowid in (1, 30000, 59999, 12345):
            pager._cache.clear()
            before = pager.page_reads
            cur = tree.cursor()
            assert cur.seek_rowid(rowid)
            assert cur.record() == ((rowid - 1) * 7,)
            assert cur.depth == depth_ref
            assert pager.page_reads - before == depth_ref
        assert pager.page_count > 100 * depth_ref  # a scan would touch far more


def _index_order(ref):
    return ref.execute(
        "select b, c, rowid from t order by b collate nocase, c desc, rowid").fetchall()


def test_read_index_created_by_sqlite3_in_order(db):
    path, roots, ref = db
    want = _index_order(ref)
    with Pager(path) as pager:
        cur = BTree(pager, roots["ib"], index=True).cursor()
        got = []
        ok = cur.first()
        while ok:
            got.append(cur.record())
            ok = cur.next()
        assert got == want
        back = []
        ok = cur.last()
        while ok:
            back.append(cur.record())
            ok = cur.prev()
        assert back == want[::-1]


def test_seek_key_lands_on_first_entry_not_below(db):
    path, roots, ref = db
    entries = _index_order(ref)
    coll, desc = ["NOCASE", "BINARY"], [False, True]
    rng = random.Random(11)
    keys = [e[:1] for e in rng.sample(entries, 30)] + [e[:2] for e in rng.sample(entries, 30)]
    keys += [("abc0",), ("ABD",), ("",), (None,), ("zzzz",), (5,), (b"",), ("x5", 3)]
    with Pager(path) as pager:
        cur = BTree(pager, roots["ib"], index=True).cursor()
        for key in keys:
            found = cur.seek_key(key, coll, desc)
            expect = next((e for e in entries if compare_key(e, key, coll, desc) >= 0), None)
            if expect is None:
                assert cur.eof
                continue
            assert cur.record() == expect
            assert found == (compare_key(expect, key, coll, desc) == 0)


def test_overflow_payload_assembled_lazily(tmp_path):
    path = str(tmp_path / "o.db")
    con = sqlite3.connect(path)
    con.execute("pragma page_size=1024")
    con.execute("create table t(x)")
    rng = random.Random(5)
    blobs = [rng.randbytes(n) for n in (10, 1000, 5000, 70000)]
    con.executemany("insert into t values (?)", [(b,) for b in blobs])
    con.commit()
    root = con.execute("select rootpage from sqlite_schema").fetchone()[0]
    con.close()
    with Pager(path) as pager:
        cur = BTree(pager, root, index=False).cursor()
        assert cur.first()
        got = []
        while True:
            before = pager.page_reads
            size = cur.payload_size  # the cell alone: no overflow page read
            assert pager.page_reads == before
            got.append(cur.record()[0])
            assert len(cur.payload()) == size
            if not cur.next():
                break
        assert got == blobs


@pytest.mark.parametrize("encoding", ["UTF-16le", "UTF-16be"])
def test_utf16_index_order_and_seek(tmp_path, encoding):
    path = str(tmp_path / "u.db")
    roots = _make(path, encoding=encoding, rows=400, page_size=1024)
    ref = sqlite3.connect(path)
    want = _index_order(ref)
    with Pager(path) as pager:
        assert pager.encoding == {"UTF-16le": "utf-16-le", "UTF-16be": "utf-16-be"}[encoding]
        cur = BTree(pager, roots["ib"], index=True).cursor()
        got = []
        ok = cur.first()
        while ok:
            got.append(cur.record())
            ok = cur.next()
        assert got == want
        coll, desc = ["NOCASE", "BINARY"], [False, True]
        for e in want[::37]:
            assert cur.seek_key(e[:2], coll, desc)
            first = next(x for x in want if compare_key(x, e[:2], coll, desc, pager.encoding) >= 0)
            assert cur.record() == first
    ref.close()
