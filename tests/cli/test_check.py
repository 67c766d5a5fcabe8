"""``sqlassay check``: exit statuses, one line per problem, --json."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from sqlassay.cli import main


def make_db(path):
    con = sqlite3.connect(path)
    con.execute("PRAGMA page_size=1024")
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
    con.execute("CREATE INDEX tb ON t(b)")
    con.executemany("INSERT INTO t VALUES(?,?)", [(i, f"v{i:05d}" * 20) for i in range(400)])
    con.execute("DELETE FROM t WHERE a % 10 = 0")
    con.commit()
    con.close()
    return path


def sqlite3_ok(path, *, readonly=True) -> bool:
    try:
        con = sqlite3.connect(f"file:{path}?mode={'ro' if readonly else 'rw'}", uri=True)
        ok = con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        con.close()
        return ok
    except sqlite3.DatabaseError:
        return False


def test_consistent_file_exits_0(tmp_path):
    path = make_db(tmp_path / "a.db")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0
    assert result.output.strip() == "ok"
    doc = json.loads(CliRunner().invoke(main, ["check", "--json", str(path)]).output)
    assert doc["ok"] is True and doc["problems"] == []


def test_corpus_is_consistent_as_sqlite3_says(corpus, tmp_path):
    for fx in corpus:
        copy = fx.copy_to(tmp_path / fx.name)
        result = CliRunner().invoke(main, ["check", str(copy.path)])
        assert result.exit_code == 0, (fx.name, result.output)
        # after our verdict: sqlite3 may roll back a hot journal or read through the WAL
        assert sqlite3_ok(copy.path, readonly=False)


def test_damaged_file_exits_1_with_one_line_per_problem(tmp_path):
    path = make_db(tmp_path / "a.db")
    data = bytearray(path.read_bytes())
    # freelist count (header offset 36) off by one
    count = int.from_bytes(data[36:40], "big")
    data[36:40] = (count + 1).to_bytes(4, "big")
    bad = tmp_path / "bad.db"
    bad.write_bytes(bytes(data))
    assert not sqlite3_ok(bad)
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines and all(line.startswith(("page ", "file")) for line in lines)
    assert any("freelist" in line for line in lines)
    doc = json.loads(CliRunner().invoke(main, ["check", "--json", str(bad)]).output)
    assert doc["ok"] is False
    p = doc["problems"][0]
    assert set(p) == {"page", "offset", "message", "kind"}
    assert p["page"] == 1 and p["offset"] == 36 and p["kind"] == "freelist"


def test_max_problems_limits_output(tmp_path):
    path = make_db(tmp_path / "a.db")
    data = bytearray(path.read_bytes())
    # zero every page after page 4: many problems
    data[4 * 1024 :] = bytes(len(data) - 4 * 1024)
    bad = tmp_path / "bad.db"
    bad.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["check", "--max-problems", "3", str(bad)])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 3


def test_damaged_wal_and_journal_exit_1_naming_the_file(corpus_by_name, tmp_path):
    for name, attr, at in (("small_wal_p1024", "wal_path", 1),
                           ("small_hotjournal_p512", "journal_path", 2)):
        fx = corpus_by_name[name].copy_to(tmp_path / name)
        log = getattr(fx, attr)
        data = bytearray(log.read_bytes())
        data[at] ^= 0x10  # the magic number
        log.write_bytes(bytes(data))
        kind = "wal" if attr == "wal_path" else "journal"
        result = CliRunner().invoke(main, ["check", str(fx.path)])
        assert result.exit_code == 1, (name, result.output)
        lines = result.output.strip().splitlines()
        assert any(line.startswith(f"file offset 0: {kind}: {log.name} ") for line in lines)
        doc = json.loads(CliRunner().invoke(main, ["check", "--json", str(fx.path)]).output)
        assert {"page": None, "offset": 0, "kind": kind} in [
            {k: p[k] for k in ("page", "offset", "kind")} for p in doc["problems"]]


def test_unparseable_index_sql_exits_1(tmp_path):
    path = make_db(tmp_path / "a.db")
    data = bytearray(path.read_bytes())
    at = data.find(b"CREATE INDEX tb ON t(b)") + len("CREATE INDEX tb ON t(b)") - 1
    data[at] ^= 0x01  # ')' -> '(': sqlite3 says "incomplete input"
    path.write_bytes(bytes(data))
    assert not sqlite3_ok(path)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert "malformed database schema" in result.output
