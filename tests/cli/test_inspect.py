"""``sqlassay inspect``: the summary, --page, --btree, --wal, --journal and --json.

The --json page list is compared page by page with SQLite's dbstat, exactly as
an external check does: ``SELECT name, pageno, pagetype, ncell, payload, unused
FROM dbstat`` against our ``btree``, ``pgno``, ``kind``, ``ncell``, ``payload``,
``unused``.
"""

from __future__ import annotations

import json
import random
import sqlite3

import pytest
from click.testing import CliRunner

from formatspec.header import HEADER_FIELDS
from sqlassay.cli import main

KIND_TO_DBSTAT = {"table-interior": "internal", "index-interior": "internal",
                  "table-leaf": "leaf", "index-leaf": "leaf", "overflow": "overflow"}
NOT_IN_DBSTAT = {"freelist-trunk", "freelist-leaf", "ptrmap", "lock-byte", "unused"}


def run(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == code, (result.output, result.stderr)
    return result.output


def inspect_json(path) -> dict:
    return json.loads(run("inspect", "--json", path))


def compare_with_dbstat(doc: dict, path) -> list:
    con = sqlite3.connect(path)  # read-write: a hot journal is rolled back first
    try:
        ref = {r[1]: r for r in con.execute(
            "SELECT name, pageno, pagetype, ncell, payload, unused FROM dbstat")}
    finally:
        con.close()
    bad = []
    assert [p["pgno"] for p in doc["pages"]] == list(range(1, len(doc["pages"]) + 1))
    for p in doc["pages"]:
        row = ref.pop(p["pgno"], None)
        if row is None:
            if p["kind"] not in NOT_IN_DBSTAT:
                bad.append(("extra", p))
            continue
        got = (p["btree"], KIND_TO_DBSTAT.get(p["kind"]), p["ncell"], p["payload"], p["unused"])
        if got != (row[0], row[2], row[3], row[4], row[5]):
            bad.append((row, p))
    bad.extend(("missing", r) for r in ref.values())
    return bad


def make_db(path, *, page_size=1024, auto_vacuum=0, encoding="UTF-8", seed=0, rows=80):
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute(f"PRAGMA auto_vacuum={auto_vacuum}")
    con.execute(f"PRAGMA encoding='{encoding}'")
    con.executescript("""
        CREATE TABLE t(a INTEGER PRIMARY KEY, b, c);
        CREATE INDEX tb ON t(b);
        CREATE TABLE w(k, v, PRIMARY KEY(k)) WITHOUT ROWID;
        CREATE INDEX wv ON w(v);
    """)
    for i in range(rows):
        con.execute("INSERT INTO t VALUES(?,?,?)",
                    (i, rng.randbytes(rng.choice([0, 20, 700, 5000])), "x" * rng.randint(0, 99)))
        con.execute("INSERT INTO w VALUES(?,?)", ("k" * rng.randint(1, 3000) + str(i),
                                                  rng.choice([None, i, 1.5, "v" * 900])))
    con.execute("INSERT INTO t VALUES(?,?,?)", (10**6, rng.randbytes(100_000), "big"))
    con.execute("DELETE FROM t WHERE a % 3 = 0")
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize("page_size,auto_vacuum,encoding", [
    (512, 0, "UTF-8"), (1024, 1, "UTF-16le"), (2048, 2, "UTF-16be"), (4096, 0, "UTF-8"),
    (65536, 0, "UTF-8"),
])
def test_json_pages_match_dbstat_created_by_sqlite3(tmp_path, page_size, auto_vacuum, encoding):
    path = make_db(tmp_path / "db", page_size=page_size, auto_vacuum=auto_vacuum,
                   encoding=encoding, rows=40 if page_size > 8192 else 80)
    doc = inspect_json(path)
    assert compare_with_dbstat(doc, path) == []
    kinds = {p["kind"] for p in doc["pages"]}
    assert "overflow" in kinds and "index-leaf" in kinds
    assert doc["pages"][0]["btree"] == "sqlite_schema"
    if auto_vacuum:
        assert "ptrmap" in kinds
    free = [p for p in doc["pages"] if p["kind"].startswith("freelist")]
    assert len(free) == doc["header"]["freelist_count"]
    for p in doc["pages"]:
        if p["kind"] in NOT_IN_DBSTAT:
            assert p["btree"] is None


def test_json_header_has_every_field(tmp_path):
    path = make_db(tmp_path / "db", page_size=2048)
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version=77")
    con.execute("PRAGMA application_id=12345")
    con.commit()
    doc = inspect_json(path)
    h = doc["header"]
    assert list(h) == list(HEADER_FIELDS)
    assert h["page_size"] == con.execute("PRAGMA page_size").fetchone()[0] == 2048
    assert h["user_version"] == 77
    assert h["application_id"] == 12345
    assert h["schema_cookie"] == con.execute("PRAGMA schema_version").fetchone()[0]
    assert h["freelist_count"] == con.execute("PRAGMA freelist_count").fetchone()[0]
    assert h["database_size"] == con.execute("PRAGMA page_count").fetchone()[0]
    assert h["text_encoding"] == 1
    con.close()
    assert "wal" not in doc and "journal" not in doc


def test_json_matches_dbstat_on_wal_and_hot_journal_fixtures(corpus, tmp_path):
    seen = 0
    for fx in corpus:
        if not (fx.wal_path or fx.journal_path):
            continue
        copy = fx.copy_to(tmp_path / fx.name)
        doc = inspect_json(copy.path)  # before sqlite3 touches the files
        if fx.wal_path:
            assert doc["wal"]["frames"], fx.name
            assert any(f["used"] for f in doc["wal"]["frames"])
        if fx.journal_path:
            assert doc["journal"]["hot"], fx.name
        # sqlite3 reads through the WAL / rolls the hot journal back; dbstat then sees
        # the state we inspected
        assert compare_with_dbstat(doc, copy.path) == [], fx.name
        seen += 1
    assert seen >= 2


def test_summary_lists_btrees_and_freelist(tmp_path):
    path = make_db(tmp_path / "db")
    out = run("inspect", path)
    for word in ("sqlite_schema", "tb", "wv", "freelist", "page_size", "overflow"):
        assert word in out
    con = sqlite3.connect(path)
    n = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    doc = inspect_json(path)
    t = next(b for b in doc["summary"]["btrees"] if b["name"] == "t")
    assert t["entries"] == n
    assert 0 < t["fill"] <= 1


def test_page_view_decodes_cells_and_records(tmp_path):
    path = make_db(tmp_path / "db", rows=10)
    con = sqlite3.connect(path)
    root = con.execute("SELECT rootpage FROM sqlite_schema WHERE name='t'").fetchone()[0]
    rows = con.execute("SELECT a, c FROM t").fetchall()
    con.close()
    detail = json.loads(run("inspect", "--json", "--page", root, path))
    assert detail["kind"] in ("table-leaf", "table-interior")
    assert {f["name"] for f in detail["fields"]} >= {"page_type", "cell_count",
                                                      "cell_content_start"}
    if detail["kind"] == "table-leaf":
        assert [c["rowid"] for c in detail["cells"]] == [r[0] for r in rows]
        assert [c["record"][2] for c in detail["cells"]] == [r[1] for r in rows]
    text = run("inspect", "--page", root, path)
    assert "cell pointers" in text and "page header" in text
    page1 = run("inspect", "--page", 1, path)
    assert "database header" in page1


def test_btree_view_shows_children_and_keys(tmp_path):
    path = make_db(tmp_path / "db", page_size=512, rows=120)
    doc = json.loads(run("inspect", "--json", "--btree", "t", path))
    con = sqlite3.connect(path)
    interior = con.execute("SELECT count(*) FROM dbstat WHERE name='t' AND "
                           "pagetype='internal'").fetchone()[0]
    leaves = con.execute("SELECT count(*) FROM dbstat WHERE name='t' AND "
                         "pagetype='leaf'").fetchone()[0]
    con.close()
    counted = {"interior": 0, "leaf": 0}

    def walk(n):
        if "children" in n:
            counted["interior"] += 1
            keys = [c["divider"] for c in n["children"][:-1]]
            assert keys == sorted(keys)
            for c in n["children"]:
                walk(c)
        else:
            counted["leaf"] += 1

    walk(doc["tree"])
    assert counted == {"interior": interior, "leaf": leaves}
    assert "page" in run("inspect", "--btree", "tb", path)


def test_wal_view(corpus, tmp_path):
    fx = next(f for f in corpus if f.wal_path)
    copy = fx.copy_to(tmp_path)
    info = json.loads(run("inspect", "--wal", "--json", copy.path))
    assert info["header_valid"]
    frames = info["frames"]
    used = [f for f in frames if f["used"]]
    unused = [f for f in frames if not f["used"]]
    assert used and unused  # the fixture has an uncommitted tail
    assert all(f["reason"] for f in unused)
    committed = [f for f in frames if f["committed"]]
    assert info["last_commit_frame"] == max(f["index"] for f in committed)
    # a reader uses exactly the newest committed frame of each page
    newest = {}
    for f in committed:
        newest[f["page_number"]] = f["index"]
    assert sorted(f["index"] for f in used) == sorted(newest.values())
    assert any("superseded" in f["reason"] for f in unused if f["committed"]) or len(
        committed) == len(newest)
    text = run("inspect", "--wal", copy.path)
    assert "frames" in text and "commit" in text


def test_journal_view(corpus, tmp_path):
    fx = next(f for f in corpus if f.journal_path)
    copy = fx.copy_to(tmp_path)
    info = json.loads(run("inspect", "--journal", "--json", copy.path))
    assert info["hot"]
    assert info["records"]
    assert all(r["checksum_ok"] in (True, None) for r in info["records"])
    assert "hot" in run("inspect", "--journal", copy.path)
    plain = make_db(tmp_path / "plain.db", rows=5)
    assert "no rollback journal" in run("inspect", "--journal", plain)


def test_progress_bar_on_large_files_at_a_terminal(tmp_path, monkeypatch):
    import io
    import sys

    import sqlassay.commands.inspect as inspect_command

    path = make_db(tmp_path / "db", rows=30)
    monkeypatch.setattr(inspect_command, "PROGRESS_MIN_BYTES", 0)
    fake = io.StringIO()
    fake.isatty = lambda: True
    monkeypatch.setattr(sys, "stderr", fake)
    callback, bar = inspect_command._progress_callback(str(path), True)
    assert callback is not None
    from engine.inspect import inventory

    inv = inventory(path, progress=callback)
    bar.stop()
    assert inv.page_count > 0
    fake.isatty = lambda: False
    assert inspect_command._progress_callback(str(path), True) == (None, None)
