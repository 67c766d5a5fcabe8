"""``sqlassay sql`` / ``sqlassay shell`` (sqlassay/commands/sql.py): rows printed as
table, JSON and CSV agree with what sqlite3 returns; errors become one line."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from sqlassay.commands.sql import command, shell


def _db(tmp_path):
    path = tmp_path / "s.db"
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB);"
                      "INSERT INTO t VALUES (1, 'x', x'00ff'), (2, NULL, NULL);")
    con.commit()
    con.close()
    return path


def test_sql_json_matches_sqlite3(tmp_path):
    path = _db(tmp_path)
    r = CliRunner().invoke(command, [str(path), "SELECT a, b FROM t ORDER BY a", "--json"])
    assert r.exit_code == 0
    want = [dict(zip(("a", "b"), row)) for row in
            sqlite3.connect(path).execute("SELECT a, b FROM t ORDER BY a")]
    assert json.loads(r.output) == want


def test_sql_table_and_csv(tmp_path):
    path = _db(tmp_path)
    r = CliRunner().invoke(command, [str(path), "SELECT * FROM t ORDER BY a"])
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0].split() == ["a", "b", "c"]
    assert lines[2].split() == ["1", "x", "X'00FF'"]
    assert lines[3].split() == ["2", "NULL", "NULL"]
    r = CliRunner().invoke(command, [str(path), "SELECT a, b FROM t ORDER BY a", "--csv"])
    assert r.output.splitlines() == ["a,b", "1,x", "2,"]


def test_sql_error_exit_status(tmp_path):
    path = _db(tmp_path)
    r = CliRunner().invoke(command, [str(path), "SELECT nosuch FROM t"])
    assert r.exit_code == 1
    assert r.output.strip() == "Error: no such column: nosuch"


def test_shell_reads_statements(tmp_path):
    path = _db(tmp_path)
    r = CliRunner().invoke(shell, [str(path)],
                           input=".tables\n.mode csv\nSELECT a\n FROM t ORDER BY a;\n.quit\n")
    assert r.exit_code == 0
    assert r.output.splitlines() == ["t", "a", "1", "2"]
