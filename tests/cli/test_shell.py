"""``sqlassay shell`` (sqlassay/commands/shell.py): scripts on stdin give the rows
sqlite3 gives; dot-commands; errors are one line and the shell goes on; the
interactive loop's prompts follow ``sqlite3_complete``."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sqlassay.cli import main
from sqlassay.commands import shell as shell_module
from sqlassay.commands.shell import CONTINUATION, PROMPT, Shell
from sqlassay.commands.sql import Output


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("shell") / "s.db"
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);"
        "CREATE TABLE other(x);"
        "CREATE INDEX t_b ON t(b);"
        "CREATE VIEW tv AS SELECT a FROM t WHERE a > 2;"
        "CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT);"
    )
    con.executemany("INSERT INTO t VALUES (?, ?, ?)",
                    [(n, f"row;{n}" if n % 4 else None, n / 8) for n in range(1, 13)])
    con.execute("INSERT INTO other VALUES (x'0102')")
    con.execute("INSERT INTO seq DEFAULT VALUES")
    con.execute("ANALYZE")
    con.commit()
    con.close()
    return path


def _run(db, script, *args):
    return CliRunner().invoke(main, ["shell", str(db), *args], input=script)


def _rows(db, query):
    con = sqlite3.connect(db)
    try:
        return [list(r) for r in con.execute(query)]
    finally:
        con.close()


def test_script_json_matches_sqlite3(db):
    queries = ["SELECT * FROM t ORDER BY a", "SELECT b, count(*) FROM t GROUP BY b ORDER BY b",
               "SELECT a FROM tv ORDER BY a DESC"]
    # statements spread over lines, ';' in strings and comments, several on one line
    script = (".mode json\n"
              "SELECT *\n  FROM t -- a comment; still the same statement\n ORDER BY a;\n"
              "/* ; */ SELECT b, count(*) FROM t GROUP BY b ORDER BY b; SELECT a FROM tv\n"
              "ORDER BY a DESC;\n")
    r = _run(db, script)
    assert r.exit_code == 0, r.output
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert [[list(o.values()) for o in result] for result in got] == \
           [_rows(db, q) for q in queries]


def test_errors_are_one_line_and_the_shell_goes_on(db):
    script = ("SELECT nosuch FROM t; SELECT 'skipped';\n"
              "SELECT 'next';\n"
              "SELECT * FRM t;\n"
              "INSERT INTO t VALUES (99, 'x', 1);\n"
              ".nosuchcommand\n"
              ".read /no/such/file.sql\n"
              "SELECT 'last';\n")
    r = _run(db, script, "--mode", "csv", "--no-header")
    assert r.exit_code == 1  # a script with errors, as sqlite3 db < script
    assert r.stdout.splitlines() == ["next", "last"]
    errors = r.stderr.splitlines()
    assert len(errors) == 5 and all(e.startswith("Error: near line ") for e in errors)
    for line, sql in ((1, "SELECT nosuch FROM t"), (3, "SELECT * FRM t")):
        with pytest.raises(sqlite3.OperationalError) as ref:
            sqlite3.connect(db).execute(sql)
        assert f"Error: near line {line}: {ref.value}" in errors
    assert errors[2].startswith("Error: near line 4: ")
    assert errors[3].startswith('Error: near line 5: unknown command or invalid arguments')
    assert errors[4] == 'Error: near line 6: cannot open "/no/such/file.sql"'
    assert "Traceback" not in r.output
    assert _rows(db, "SELECT count(*) FROM t") == [[12]]


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 command-line shell")
def test_which_statements_run_is_what_the_sqlite3_shell_does(db):
    script = ("SELECT 1; SELECT nosuch; SELECT 2;\nSELECT 3;\nSELECT 'a;b' AS x, 4\n;"
              " SELECT 5 -- trailing ; comment\n;\nSELEC 6; SELECT 7;\nSELECT 8;\n")
    ours = _run(db, ".mode csv\n.headers off\n" + script)
    theirs = subprocess.run(["sqlite3", "-csv", str(db)], input=script, capture_output=True,
                            text=True, timeout=60)
    assert ours.stdout.splitlines() == theirs.stdout.splitlines()
    assert len(ours.stderr.splitlines()) == 2
    assert ours.exit_code == theirs.returncode == 1


def test_tables_and_schema_match_sqlite_schema(db):
    r = _run(db, ".tables\n.tables t%\n")
    names = [n for [n] in _rows(db, "SELECT name FROM sqlite_schema WHERE type IN "
                                    "('table', 'view') ORDER BY name")]
    visible = [n for n in names if not n.startswith("sqlite_")]
    assert r.stdout.splitlines() == visible + [n for n in visible if n.startswith("t")]
    r = _run(db, ".schema\n")
    assert r.stdout.splitlines() == [
        s + ";" for [s] in _rows(db, "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL "
                                     "ORDER BY rowid")]
    r = _run(db, ".schema T\n")
    assert r.stdout.splitlines() == [
        s + ";" for [s] in _rows(db, "SELECT sql FROM sqlite_schema WHERE tbl_name = 't' "
                                     "ORDER BY rowid")]


def test_mode_headers_nullvalue(db):
    query = "SELECT a, b, c FROM t WHERE a IN (3, 4) ORDER BY a;"
    r = _run(db, f".mode csv\n{query}\n.headers off\n.nullvalue NULL\n{query}\n"
                 f".mode line\n{query}\n.mode\n")
    rows = _rows(db, query)
    text = r.stdout
    first, rest = text.split("\n", 1)
    assert first == "a,b,c"
    # line mode starts where the last csv row ends
    csv_part, line_part = rest.split("    a = ", 1)
    got = list(csv.reader(io.StringIO(csv_part)))

    def as_text(v, null):
        if v is None:
            return null
        return sqlite3.connect(":memory:").execute("SELECT CAST(? AS TEXT)", (v,)).fetchone()[0]

    assert got == [[as_text(v, "") for v in row] for row in rows] + \
                  [[as_text(v, "NULL") for v in row] for row in rows]
    blocks = ("    a = " + line_part).split("\n\n")
    assert blocks[0].splitlines() == [f"{n:>5} = {as_text(v, 'NULL')}"
                                      for n, v in zip("abc", rows[0])]
    assert text.rstrip().endswith("current output mode: line")


def test_read_runs_a_file_and_nested_files(tmp_path, db):
    inner = tmp_path / "inner.sql"
    inner.write_text(".mode json\nSELECT count(*) AS n\nFROM t;\n")
    outer = tmp_path / "outer.sql"
    outer.write_text(f"SELECT 1 AS one;\n.read {inner}\nSELECT 2 AS two;\n")
    r = _run(db, f".read {outer}\n")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    count = _rows(db, "SELECT count(*) FROM t")[0][0]
    assert lines[-2:] == [f'[{{"n":{count}}}]', '[{"two":2}]']
    loop = tmp_path / "loop.sql"
    loop.write_text(f".read {loop}\n")
    r = _run(db, f".read {loop}\nSELECT 'after' AS x;\n", "--mode", "csv")
    assert r.stdout.splitlines() == ["x", "after"]
    assert len(r.stderr.splitlines()) == 1 and "nested" in r.stderr


def test_quit_and_exit_stop_reading(db):
    r = _run(db, "SELECT 1 AS x;\n.quit\nSELECT 2 AS x;\n", "--mode", "csv")
    assert (r.exit_code, r.stdout.splitlines()) == (0, ["x", "1"])
    r = _run(db, ".exit 3\nSELECT 2;\n")
    assert (r.exit_code, r.stdout) == (3, "")
    r = _run(db, "SELECT nosuch;\nSELECT 2 AS y;\n", "--bail", "--mode", "csv")
    assert (r.exit_code, r.stdout) == (1, "")


def test_unfinished_statement_at_eof_is_run_and_reported(db):
    r = _run(db, "SELECT 41 + 1 AS v\n", "--mode", "csv")
    assert (r.exit_code, r.stdout.splitlines()) == (0, ["v", "42"])
    r = _run(db, "SELECT 'open\n")
    with pytest.raises(sqlite3.Error) as ref:
        sqlite3.connect(db).execute("SELECT 'open")
    assert r.exit_code == 1
    assert r.stderr == f"Error: near line 1: {ref.value}\n"


def test_help_and_comment_lines(db):
    r = _run(db, "-- just a comment\n\n   \n# a shell comment; SELECT 1;\n/* c */\n.help\n")
    assert r.exit_code == 0
    for command in (".tables", ".schema", ".mode", ".headers", ".read", ".quit", ".exit"):
        assert command in r.stdout


def test_interactive_prompts_follow_sqlite3_complete(db):
    lines = iter([".mode csv", "SELECT 'a;", "b' AS x", "-- nothing yet ;", ";", "", "SELECT 2"
                  " AS y;", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN", "SELECT 1;", "END;"])
    prompts = []

    def read_line(prompt):
        prompts.append(prompt)
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out, err = io.StringIO(), io.StringIO()
    import engine

    con = engine.connect(db, readonly=True)
    try:
        Shell(con, out, err, Output("table")).interact(read_line)
    finally:
        con.close()
    assert prompts == [PROMPT, PROMPT, CONTINUATION, CONTINUATION, CONTINUATION, PROMPT, PROMPT,
                       PROMPT, CONTINUATION, CONTINUATION, PROMPT]
    assert [row for row in csv.reader(io.StringIO(out.getvalue())) if row] == \
           [["x"], ["a;\nb"], ["y"], ["2"]]
    # CREATE TRIGGER is not supported yet: one error line after the whole trigger
    assert len(err.getvalue().splitlines()) == 1
    assert err.getvalue().startswith("Error: ")


def test_history_file_is_written(tmp_path, monkeypatch):
    pytest.importorskip("readline")
    monkeypatch.setenv("HOME", str(tmp_path))
    save = shell_module._readline_history()
    save()
    assert (tmp_path / ".sqlassay_history").exists()


def _script() -> list[str]:
    exe = Path(sys.executable).with_name("sqlassay")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from sqlassay.cli import main; main()"]


def test_real_subprocess(tmp_path, db):
    env = {**os.environ, "HOME": str(tmp_path)}
    proc = subprocess.run([*_script(), "shell", str(db)],
                          input=".mode json\nSELECT a, b FROM t WHERE a < 4 ORDER BY a;\n"
                                "SELECT nosuch;\n",
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 1
    assert [list(o.values()) for o in json.loads(proc.stdout)] == \
           _rows(db, "SELECT a, b FROM t WHERE a < 4 ORDER BY a")
    assert proc.stderr == "Error: near line 3: no such column: nosuch\n"
    # invalid UTF-8 on stdin is not a crash
    proc = subprocess.run([*_script(), "shell", str(db)], input=b"SELECT '\xff' AS x;\n",
                          capture_output=True, timeout=60, env=env)
    assert proc.returncode in (0, 1) and b"Traceback" not in proc.stderr
    for path in (tmp_path / "missing.db", tmp_path):
        proc = subprocess.run([*_script(), "shell", str(path)], input="SELECT 1;\n",
                              capture_output=True, text=True, timeout=60, env=env)
        assert proc.returncode == 2
        assert len(proc.stderr.splitlines()) == 1
        assert proc.stderr.startswith("sqlassay: error: ")
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all\n" * 64)
    proc = subprocess.run([*_script(), "shell", str(bad)], input="SELECT 1;\n",
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_corrupt_page_is_an_error_line_and_the_shell_goes_on(tmp_path, db):
    data = bytearray(db.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    [[rootpage]] = _rows(db, "SELECT rootpage FROM sqlite_schema WHERE name = 't'")
    data[(rootpage - 1) * page_size] = 0x77  # not a b-tree page type
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(bytes(data))
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(bad).execute("SELECT * FROM t").fetchall()
    r = _run(bad, "SELECT * FROM t;\nSELECT 'still here' AS x;\n", "--mode", "csv")
    assert r.exit_code == 1
    assert r.stdout.splitlines() == ["x", "still here"]
    assert len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith("Error: near line 1: ") and "malformed" in r.stderr
