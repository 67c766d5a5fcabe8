"""``sqlassay diff``: pages, cells and records that differ between two files,
and between a database file and the same database seen through its WAL."""

from __future__ import annotations

import json
import shutil
import sqlite3

from click.testing import CliRunner

from sqlassay.cli import main


def make_db(path):
    con = sqlite3.connect(path)
    con.execute("PRAGMA page_size=1024")
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")
    con.execute("CREATE INDEX tb ON t(b)")
    con.executemany("INSERT INTO t VALUES(?,?)", [(i, f"value {i}") for i in range(300)])
    con.commit()
    con.close()
    return path


def diff(*args, code=None):
    result = CliRunner().invoke(main, ["diff", "--json", *map(str, args)])
    if code is not None:
        assert result.exit_code == code, (result.output, result.stderr)
    return json.loads(result.output), result.exit_code


def test_identical_files_do_not_differ(tmp_path):
    a = make_db(tmp_path / "a.db")
    b = tmp_path / "b.db"
    shutil.copy(a, b)
    doc, _ = diff(a, b, code=0)
    assert doc["pages"] == [] and doc["header"] == []
    out = CliRunner().invoke(main, ["diff", str(a), str(b)]).output
    assert "no differences" in out


def test_changed_row_is_found_down_to_the_record(tmp_path):
    a = make_db(tmp_path / "a.db")
    b = tmp_path / "b.db"
    shutil.copy(a, b)
    con = sqlite3.connect(b)
    con.execute("UPDATE t SET b = 'CHANGED' WHERE a = 123")
    leaf = con.execute("SELECT pageno FROM dbstat WHERE name='t' AND pagetype='leaf' "
                       "ORDER BY pageno").fetchall()
    con.commit()
    con.close()
    doc, code = diff(a, b, code=1)
    counter = next(h for h in doc["header"] if h["field"] == "file_change_counter")
    assert counter["b"] == counter["a"] + 1
    changed = {p["pgno"]: p for p in doc["pages"]}
    table_pages = [p for p in changed.values() if p["btree_a"] == "t"]
    assert len(table_pages) == 1
    page = table_pages[0]
    assert page["pgno"] in {r[0] for r in leaf}
    cells = page["cells"]
    assert [c["key"] for c in cells] == ["rowid 123"]
    assert cells[0]["change"] == "changed"
    assert cells[0]["a"][1] == "value 123" and cells[0]["b"][1] == "CHANGED"
    index_pages = [p for p in changed.values() if p["btree_a"] == "tb"]
    assert index_pages
    idx_changes = [c for p in index_pages for c in p["cells"]]
    assert {c["change"] for c in idx_changes} >= {"removed", "added"}
    text = CliRunner().invoke(main, ["diff", str(a), str(b)]).output
    assert "rowid 123" in text and "CHANGED" in text


def test_diff_through_wal(tmp_path):
    path = tmp_path / "w.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
    con.execute("INSERT INTO t VALUES(1, 'before')")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("UPDATE t SET b = 'after' WHERE a = 1")
    con.commit()
    # keep the connection open: closing would checkpoint the WAL into the file
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)
    shutil.copy(str(path) + "-wal", str(copy) + "-wal")
    con.close()
    doc, code = diff("--wal", copy, code=1)
    leaf = [p for p in doc["pages"] if p["btree_b"] == "t"]
    assert len(leaf) == 1
    assert leaf[0]["cells"] == [{"change": "changed", "key": "rowid 1",
                                 "a": [None, "before"], "b": [None, "after"]}]
