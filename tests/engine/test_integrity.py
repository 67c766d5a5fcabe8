"""engine.integrity: the checker judged against PRAGMA integrity_check.

* "ok" on every database sqlite3 writes (fixed ones and hypothesis-generated
  ones: tables, indexes, WITHOUT ROWID, overflow, free pages, auto-vacuum);
* each kind of targeted damage is found, with the page and offset named, on
  files sqlite3 also flags.
"""

from __future__ import annotations

import random
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import CorruptError
from engine.integrity import Problem, check
from oracle.corruption import TARGETED, damage, layout_of


def sqlite3_ok(path) -> bool:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return False


def ours_ok(path) -> bool:
    try:
        return check(path) == []
    except CorruptError:
        return False


def make_db(path, *, page_size=1024, auto_vacuum=0, encoding="UTF-8"):
    rng = random.Random(3)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute(f"PRAGMA auto_vacuum={auto_vacuum}")
    con.execute(f"PRAGMA encoding='{encoding}'")
    con.executescript("""
        CREATE TABLE t(a INTEGER PRIMARY KEY, b, c TEXT UNIQUE);
        CREATE INDEX tb ON t(b DESC);
        CREATE TABLE w(k, v, PRIMARY KEY(k)) WITHOUT ROWID;
    """)
    for i in range(200):
        con.execute("INSERT INTO t VALUES(?,?,?)",
                    (i, rng.randbytes(rng.choice([4, 40, 1500])), f"c{i}"))
        con.execute("INSERT INTO w VALUES(?,?)", (f"k{i}" * rng.randint(1, 30), i))
    con.execute("DELETE FROM t WHERE a % 3 = 0")
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize("page_size,auto_vacuum,encoding", [
    (512, 0, "UTF-8"), (1024, 1, "UTF-16le"), (4096, 2, "UTF-16be")])
def test_ok_on_files_created_by_sqlite3(tmp_path, page_size, auto_vacuum, encoding):
    path = make_db(tmp_path / "a.db", page_size=page_size, auto_vacuum=auto_vacuum,
                   encoding=encoding)
    assert sqlite3_ok(path)
    assert check(path) == []


def test_ok_on_corpus(corpus):
    # the whole corpus (WAL and hot-journal files included) is checked through the CLI in
    # tests/cli/test_check.py; here the small files and one page size in every encoding
    chosen = [fx for fx in corpus if not (fx.journal_path or fx.wal_path)
              and (fx.committed or fx.page_size == 4096)]
    assert len(chosen) >= 4
    for fx in chosen:
        assert check(fx.path) == [], fx.name


@settings(max_examples=20, deadline=None)
@given(
    page_size=st.sampled_from([512, 1024, 4096]),
    auto_vacuum=st.sampled_from([0, 1, 2]),
    rows=st.lists(st.tuples(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1),
                                      st.floats(allow_nan=False), st.text(max_size=200),
                                      st.binary(max_size=3000)),
                            st.text(max_size=30)), max_size=80),
    delete_every=st.integers(2, 5),
    collate=st.sampled_from(["BINARY", "NOCASE", "RTRIM"]),
)
def test_ok_on_generated_databases(tmp_path_factory, page_size, auto_vacuum, rows, delete_every,
                                   collate):
    path = tmp_path_factory.mktemp("g") / "g.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute(f"PRAGMA auto_vacuum={auto_vacuum}")
    con.execute(f"CREATE TABLE g(id INTEGER PRIMARY KEY, v, s TEXT COLLATE {collate})")
    con.execute("CREATE INDEX gv ON g(v)")
    con.execute("CREATE INDEX gs ON g(s DESC, v)")
    con.execute(f"CREATE TABLE h(s TEXT COLLATE {collate} PRIMARY KEY, v) WITHOUT ROWID")
    con.executemany("INSERT INTO g(v, s) VALUES(?,?)", rows)
    con.executemany("INSERT OR IGNORE INTO h(s, v) VALUES(?,?)", [(s, v) for v, s in rows])
    con.execute(f"DELETE FROM g WHERE id % {delete_every} = 0")
    con.commit()
    con.close()
    assert sqlite3_ok(path)
    assert check(path) == []


@pytest.mark.parametrize("kind", sorted(TARGETED))
def test_targeted_damage_is_found_when_sqlite3_finds_it(tmp_path, kind):
    base = make_db(tmp_path / "a.db", auto_vacuum=1)
    data = base.read_bytes()
    layout = layout_of(base)
    rng = random.Random(kind)
    tried = 0
    for _ in range(6):
        d = damage(data, layout, kind, rng)
        if d is None:
            continue
        tried += 1
        target = tmp_path / "d.db"
        target.write_bytes(d.data)
        assert sqlite3_ok(target) == ours_ok(target), d.description
    if kind not in ("child_to_freelist", "freelist_loop", "freelist_leaf_in_use"):
        assert tried, "the base database offers nothing to damage"


def test_problems_name_page_and_offset(tmp_path):
    base = make_db(tmp_path / "a.db")
    data = bytearray(base.read_bytes())
    data[36:40] = (int.from_bytes(data[36:40], "big") + 1).to_bytes(4, "big")
    bad = tmp_path / "b.db"
    bad.write_bytes(bytes(data))
    problems = check(bad)
    assert Problem(1, 36, problems[0].message, "freelist") in problems
    assert str(problems[0]).startswith("page 1 offset 36: ")


def test_overflow_loop_is_detected_not_followed(tmp_path):
    base = make_db(tmp_path / "a.db")
    layout = layout_of(base)
    ovfl = layout.of_type("overflow")
    data = bytearray(base.read_bytes())
    page = ovfl[0]
    start = (page - 1) * layout.page_size
    data[start:start + 4] = page.to_bytes(4, "big")
    bad = tmp_path / "b.db"
    bad.write_bytes(bytes(data))
    problems = check(bad)
    assert not sqlite3_ok(bad)
    assert any(p.page == page and p.kind == "page-reuse" for p in problems), problems


def test_dropped_index_entry_is_reported_as_missing(tmp_path):
    base = make_db(tmp_path / "a.db")
    layout = layout_of(base)
    rng = random.Random(1)
    d = damage(base.read_bytes(), layout, "drop_index_entry", rng)
    bad = tmp_path / "b.db"
    bad.write_bytes(d.data)
    assert not sqlite3_ok(bad)
    kinds = {p.kind for p in check(bad)}
    assert "index" in kinds


def test_unreadable_file_raises_corrupt_error(tmp_path):
    bad = tmp_path / "x.db"
    bad.write_bytes(b"SQLite format 2\x00" + bytes(200))
    with pytest.raises(CorruptError):
        check(bad)


def test_record_with_bytes_after_its_last_value_is_malformed(tmp_path):
    """A serial type edited to a shorter text leaves bytes after the record's last value;
    sqlite3 (OP_Column) and we both call the record malformed."""
    path = tmp_path / "a.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes VALUES(1, 'hello world')")
    con.commit()
    con.close()
    data = bytearray(path.read_bytes())
    at = data.find(b"hello world")
    serial = 13 + 2 * len("hello world")
    header = data.rfind(bytes([serial]), 0, at)
    data[header] = serial - 2  # one character shorter
    path.write_bytes(bytes(data))
    assert not sqlite3_ok(path)
    problems = check(path)
    assert [p.kind for p in problems] == ["record"]
    assert "after its last value" in problems[0].message


def test_key_digest_tells_text_from_blob_but_not_int_from_real():
    from engine.integrity import _digest

    assert _digest(("abc", 1)) != _digest((b"abc", 1))
    assert _digest((None, 2)) != _digest((0, 2))
    assert _digest((1, "x")) == _digest((1.0, "x"))
    assert _digest((b"\x00", 3)) == _digest((b"\x00", 3))


@settings(max_examples=200, deadline=None)
@given(a=st.lists(st.one_of(st.none(), st.integers(-5, 5), st.floats(-5, 5, allow_nan=False),
                            st.text("aAbB_ \u00e9", max_size=4), st.binary(max_size=2)),
                  min_size=1, max_size=3),
       b=st.lists(st.one_of(st.none(), st.integers(-5, 5), st.floats(-5, 5, allow_nan=False),
                            st.text("aAbB_ \u00e9", max_size=4), st.binary(max_size=2)),
                  min_size=1, max_size=3),
       colls=st.lists(st.tuples(st.sampled_from(["BINARY", "NOCASE", "RTRIM"]), st.booleans()),
                      min_size=3, max_size=3))
def test_key_comparison_fast_paths_agree_with_engine_compare(a, b, colls):
    from engine.integrity import _compare_keys
    from engine.values import compare

    expected = 0
    for i in range(min(len(a), len(b))):
        coll, desc = colls[i]
        c = compare(a[i], b[i], coll, "utf-8")
        if c:
            expected = -c if desc else c
            break
    else:
        expected = (len(a) > len(b)) - (len(a) < len(b))
    assert _compare_keys(tuple(a), tuple(b), colls, "utf-8") == expected


def test_indexes_on_the_rowid_alias_and_on_added_columns(tmp_path):
    path = tmp_path / "a.db"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE t(a INTEGER PRIMARY KEY, b);
        INSERT INTO t(a, b) VALUES (5, 'x'), (10, 'y'), (15, 'z');
        ALTER TABLE t ADD COLUMN z DEFAULT 7;
        CREATE INDEX tba ON t(b, a);
        CREATE INDEX ta ON t(a);
        CREATE INDEX tz ON t(z);
    """)
    con.executemany("INSERT INTO t(a, b) VALUES(?,?)", [(i * 5 + 100, str(i)) for i in range(200)])
    con.commit()
    con.close()
    assert sqlite3_ok(path)
    assert check(path) == []
    # the same file with the rowid of one row changed: every index that holds it disagrees
    data = bytearray(path.read_bytes())
    layout = layout_of(path)
    rng = random.Random(0)
    d = damage(bytes(data), layout, "drop_index_entry", rng)
    bad = tmp_path / "b.db"
    bad.write_bytes(d.data)
    assert sqlite3_ok(bad) == ours_ok(bad) is False


@settings(max_examples=300, deadline=None)
@given(a=st.lists(st.one_of(st.none(), st.integers(-5, 5), st.floats(-5, 5, allow_nan=False),
                            st.text("aAbB_[` \u00e9\u00c9", max_size=4), st.binary(max_size=2)),
                  min_size=1, max_size=3),
       b=st.lists(st.one_of(st.none(), st.integers(-5, 5), st.floats(-5, 5, allow_nan=False),
                            st.text("aAbB_[` \u00e9\u00c9", max_size=4), st.binary(max_size=2)),
                  min_size=1, max_size=3),
       colls=st.lists(st.sampled_from(["BINARY", "NOCASE"]), min_size=3, max_size=3))
def test_folded_nocase_keys_order_as_compare_keys(a, b, colls):
    """The page-at-a-time order proof (tuples with NOCASE text folded) never says "in order"
    where SQLite's comparison says otherwise."""
    from engine.integrity import _compare_keys, _fold_key

    keyinfo = [(c, False) for c in colls]
    fold = [i for i, c in enumerate(colls) if c == "NOCASE"]
    ka, kb = _fold_key(tuple(a), fold), _fold_key(tuple(b), fold)
    if ka is None or kb is None:
        return
    try:
        fast = ka < kb
    except TypeError:
        return
    assert fast == (_compare_keys(tuple(a), tuple(b), keyinfo, "utf-8") < 0)


@pytest.mark.parametrize("declared", ["b COLLATE NOCASE", "b"])
def test_index_order_under_nocase_is_judged(tmp_path, declared):
    """An index written in BINARY order ('B' < 'a') but declared NOCASE is out of order."""
    path = tmp_path / "n.db"
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); CREATE INDEX tb ON t(b);")
    rng = random.Random(5)
    con.executemany("INSERT INTO t(b) VALUES(?)",
                    [("".join(rng.choice("aAbBcC") for _ in range(6)),) for _ in range(600)])
    con.execute("PRAGMA writable_schema=ON")
    con.execute("UPDATE sqlite_schema SET sql=? WHERE name='tb'",
                (f"CREATE INDEX tb ON t({declared})",))
    con.commit()
    con.close()
    assert sqlite3_ok(path) == ours_ok(path) == (declared == "b")
    if declared != "b":
        assert any(p.kind == "key-order" for p in check(path))
