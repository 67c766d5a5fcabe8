"""``sqlassay sql`` (sqlassay/commands/sql.py): the rows printed in every format are
the rows sqlite3 returns for the same query on the same file; statements are cut
where ``sqlite3_complete`` says they end; errors are one line and an exit status."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sqlassay.cli import main
from sqlassay.commands.sql import Output, is_complete, split_statements

QUERIES = [
    "SELECT * FROM t ORDER BY id",
    "SELECT id, r, r * 3, r / 7, -r FROM t WHERE r IS NOT NULL ORDER BY id",
    "SELECT b, length(b), typeof(b) FROM t ORDER BY id",
    "SELECT s, upper(s), s || '!' FROM t ORDER BY id DESC",
    "SELECT count(*), sum(i), avg(i), max(r), min(s), total(r) FROM t",
    "SELECT i % 3 AS k, count(*), group_concat(id) FROM t GROUP BY k ORDER BY k",
    "SELECT 1, 1.0, '1', x'01', NULL, 9223372036854775807, -9223372036854775807 - 1, 1e308 * 10",
    "SELECT id, id AS id, s FROM t WHERE id < 4 ORDER BY 1",
    "SELECT * FROM u ORDER BY k",
    "SELECT * FROM v ORDER BY 1",
    "SELECT t.id, u.k FROM t JOIN u ON u.tid = t.id ORDER BY 1, 2",
    "SELECT * FROM t WHERE 0",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sql") / "s.db"
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, i INT, r REAL, s TEXT, b BLOB);"
        "CREATE TABLE u(k TEXT PRIMARY KEY, tid INT) WITHOUT ROWID;"
        "CREATE INDEX t_s ON t(s);"
        "CREATE VIEW v AS SELECT s, count(*) AS n FROM t GROUP BY s;"
    )
    texts = ["plain", "comma, here", 'quote " here', "new\nline", "ünïcödé ✓", "", "  pad  ",
             "[bold]markup[/bold]", "semi;colon", "tab\there"]
    reals = [0.1, 0.1 + 0.2, 1e300, -2.5, 3.0, 1e-7, 123456789.123456789, None, 2.0 ** 60,
             -0.0]
    rows = []
    for n in range(1, 31):
        rows.append((n, n * 7 - 40, reals[n % len(reals)], texts[n % len(texts)] if n % 11
                     else None, bytes(range(n % 5)) if n % 3 else None))
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    con.executemany("INSERT INTO u VALUES (?, ?)", [(f"k{n:02}", n % 7) for n in range(12)])
    con.commit()
    con.close()
    return path


def _reference(db, query):
    con = sqlite3.connect(db)
    try:
        cur = con.execute(query)
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()


def _sqlite_text(value, null=""):
    """The text sqlite3 itself gives a value (CAST(x AS TEXT)); BLOBs as X'hex'."""
    if value is None:
        return null
    if isinstance(value, bytes):
        return "X'" + value.hex().upper() + "'"
    return sqlite3.connect(":memory:").execute("SELECT CAST(? AS TEXT)", (value,)).fetchone()[0]


def _invoke(args, **kw):
    return CliRunner().invoke(main, ["sql", *args], **kw)


def _typed(value):
    return (type(value).__name__, value)


@pytest.mark.parametrize("query", QUERIES)
def test_json_matches_sqlite3(db, query):
    r = _invoke([str(db), query, "--json"])
    assert r.exit_code == 0, r.output
    names, rows = _reference(db, query)
    got = json.loads(r.stdout)
    assert len(got) == len(rows)
    for obj, row in zip(got, rows):
        want = [v.hex().upper() if isinstance(v, bytes) else v for v in row]
        # keys in column order; duplicate names keep the last value in a dict
        assert list(obj) == list(dict.fromkeys(names))
        assert [_typed(obj[n]) for n in dict.fromkeys(names)] == \
               [_typed(v) for v in dict(zip(names, want)).values()]


def test_json_keeps_duplicate_columns_and_types(db):
    r = _invoke([str(db), "SELECT 1 AS a, 2.0 AS a, 'x' AS a", "--json"])
    assert r.exit_code == 0
    pairs = json.loads(r.stdout, object_pairs_hook=lambda p: p)
    assert [[(k, _typed(v)) for k, v in obj] for obj in pairs] == \
           [[("a", ("int", 1)), ("a", ("float", 2.0)), ("a", ("str", "x"))]]


@pytest.mark.parametrize("query", QUERIES)
def test_csv_matches_sqlite3(db, query):
    r = _invoke([str(db), query, "--csv"])
    assert r.exit_code == 0, r.output
    names, rows = _reference(db, query)
    text = r.stdout_bytes.decode()
    assert text.endswith("\r\n")
    got = list(csv.reader(io.StringIO(text, newline="")))
    want = [names] + [[v.hex().upper() if isinstance(v, bytes) else _sqlite_text(v)
                       for v in row] for row in rows]
    assert got == want


def _table_cells(text):
    """Cells of the ASCII tables printed when stdout is not a terminal."""
    out = []
    for line in text.splitlines():
        if line.startswith("|"):
            out.append([c.strip() for c in line.strip("|").split("|")])
    return out


TABLE_QUERIES = [QUERIES[i] for i in (1, 2, 4, 5, 6, 10, 11)] + [
    "SELECT id, s, upper(s) FROM t WHERE s NOT GLOB '*[|' || char(9, 10) || ']*' ORDER BY id",
    "SELECT * FROM u ORDER BY k",
    "SELECT id, i, r, b FROM t ORDER BY id",
]


@pytest.mark.parametrize("query", TABLE_QUERIES)
def test_table_matches_sqlite3(db, query):
    names, rows = _reference(db, query)
    # (this simple reader needs cells without '|', tabs and line breaks)
    assert not any(isinstance(v, str) and ("\n" in v or "|" in v or "\t" in v)
                   for row in rows for v in row)
    r = _invoke([str(db), query])
    assert r.exit_code == 0, r.output
    want = [names] + [[_sqlite_text(v).strip() for v in row] for row in rows]
    assert _table_cells(r.stdout) == want


def test_table_null_text_and_no_header(db):
    query = "SELECT id, s FROM t WHERE id IN (11, 12) ORDER BY id"
    names, rows = _reference(db, query)
    r = _invoke([str(db), query, "--null", "<null>", "--no-header"])
    assert _table_cells(r.stdout) == [[_sqlite_text(v, "<null>") for v in row] for row in rows]
    r = _invoke([str(db), query, "--csv", "--no-header", "--null", "NULL"])
    assert list(csv.reader(io.StringIO(r.stdout))) == \
           [[_sqlite_text(v, "NULL") for v in row] for row in rows]


def test_table_is_never_cut_on_a_pipe(db):
    long = "y" * 500
    r = _invoke([str(db), f"SELECT '{long}' AS a, 1 AS b"])
    assert _table_cells(r.stdout) == [["a", "b"], [long, "1"]]


def test_line_mode(db):
    query = "SELECT id, s AS longer_name FROM t WHERE id IN (2, 3) ORDER BY id"
    names, rows = _reference(db, query)
    r = _invoke([str(db), query, "--line"])
    width = max(5, *map(len, names))
    want = "\n".join("".join(f"{n:>{width}} = {_sqlite_text(v)}\n" for n, v in zip(names, row))
                     for row in rows)
    assert r.stdout == want


def test_several_statements_print_each_result_in_order(db):
    script = "SELECT 1 AS x; -- one ; two\nSELECT ';' AS y /* ; */; SELECT id FROM t WHERE 0;" \
             "SELECT id FROM t ORDER BY id LIMIT 2"
    r = _invoke([str(db), script, "--json"])
    assert r.exit_code == 0
    assert [json.loads(line) for line in r.stdout.splitlines()] == [
        [{"x": 1}], [{"y": ";"}], [], [{"id": 1}, {"id": 2}]]


@pytest.mark.parametrize("value", ["42", "-1.5", "'a b'", "x'00ff'", "NULL", "abc", "1+1",
                                   "+7", "0x10"])
def test_param_binds_literals_like_sqlite3_shell(db, value):
    r = _invoke([str(db), "SELECT ?1 AS v, typeof(?1) AS t; SELECT 5 AS five", "--json",
                 "--param", value])
    assert r.exit_code == 0, r.output
    first, second = [json.loads(line) for line in r.stdout.splitlines()]
    # the sqlite3 shell's rule: an SQL literal binds as its value, anything else as text
    con = sqlite3.connect(":memory:")
    try:
        literal = con.execute(f"SELECT {value}, typeof({value})").fetchone()
        if value in ("1+1",):
            raise sqlite3.Error
    except sqlite3.Error:
        literal = (value, "text")
    want = literal[0].hex().upper() if isinstance(literal[0], bytes) else literal[0]
    assert [_typed(first[0]["v"]), first[0]["t"]] == [_typed(want), literal[1]]
    assert second == [{"five": 5}]


def test_sql_error_stops_and_exits_1(db):
    r = _invoke([str(db), "SELECT 1 AS a; SELECT nosuch FROM t; SELECT 2 AS b", "--json"])
    assert r.exit_code == 1
    assert r.stdout.splitlines() == ['[{"a":1}]']
    with pytest.raises(sqlite3.OperationalError) as ref:
        sqlite3.connect(db).execute("SELECT nosuch FROM t")
    assert r.stderr == f"sqlassay: error: {ref.value}\n"


@pytest.mark.parametrize("sql", ["SELECT * FROM", "SELEC 1", "SELECT 'abc", "SELECT * FROM nope",
                                 "SELECT 1 ~~ 2", "SELECT abs(1, 2)"])
def test_sql_errors_have_sqlite3_messages(db, sql):
    r = _invoke([str(db), sql])
    assert r.exit_code == 1
    with pytest.raises(sqlite3.Error) as ref:
        sqlite3.connect(db).execute(sql)
    assert r.stderr == f"sqlassay: error: {ref.value}\n"
    assert r.stdout == ""


def test_not_supported_is_one_line_exit_1(db):
    before = db.read_bytes()
    r = _invoke([str(db), "INSERT INTO u VALUES ('zz', 1)"])
    assert r.exit_code == 1
    assert r.stderr.startswith("sqlassay: error: ") and r.stderr.count("\n") == 1
    assert "Traceback" not in r.output
    assert db.read_bytes() == before


def _script() -> list[str]:
    exe = Path(sys.executable).with_name("sqlassay")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from sqlassay.cli import main; main()"]


def _bad_files(tmp_path, db):
    data = db.read_bytes()
    files = {"missing": tmp_path / "nope.db", "directory": tmp_path,
             "not-a-database": tmp_path / "text.db", "truncated": tmp_path / "trunc.db"}
    files["not-a-database"].write_bytes(b"hello, world\n" * 100)
    files["truncated"].write_bytes(data[:50])
    return files


def test_unreadable_files_exit_2(tmp_path, db):
    for name, path in _bad_files(tmp_path, db).items():
        r = _invoke([str(path), "SELECT 1"])
        assert r.exit_code == 2, (name, r.output)
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("sqlassay: error: "), (name, r.stderr)


def test_corrupt_page_while_querying_exits_2(tmp_path, db):
    data = bytearray(db.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    rootpage = sqlite3.connect(db).execute(
        "SELECT rootpage FROM sqlite_schema WHERE name = 't'").fetchone()[0]
    start = (rootpage - 1) * page_size
    data[start] = 0x77  # not a b-tree page type
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(bytes(data))
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(bad).execute("SELECT * FROM t").fetchall()
    r = _invoke([str(bad), "SELECT * FROM t"])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("sqlassay: error: ") and r.stderr.count("\n") == 1


def test_usage_errors_exit_2(db):
    assert _invoke([str(db)]).exit_code == 2
    assert _invoke([str(db), "SELECT 1", "--mode"]).exit_code == 2


def test_real_subprocess(tmp_path, db):
    env = {**os.environ, "COLUMNS": "80"}
    proc = subprocess.run([*_script(), "sql", str(db), "SELECT id, s FROM t WHERE id < 3 "
                           "ORDER BY id", "--csv"], capture_output=True, text=True, timeout=60,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    names, rows = _reference(db, "SELECT id, s FROM t WHERE id < 3 ORDER BY id")
    assert list(csv.reader(io.StringIO(proc.stdout))) == \
           [names] + [[_sqlite_text(v) for v in row] for row in rows]
    for args, status in ((["SELECT nosuch"], 1), (["UPDATE t SET i = 0"], 1)):
        proc = subprocess.run([*_script(), "sql", str(db), *args], capture_output=True,
                              text=True, timeout=60, env=env)
        assert proc.returncode == status
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.splitlines()) == 1
    for name, path in _bad_files(tmp_path, db).items():
        proc = subprocess.run([*_script(), "sql", str(path), "SELECT 1"], capture_output=True,
                              text=True, timeout=60, env=env)
        assert proc.returncode == 2, name
        assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr, name


# -- sqlite3_complete and the statement splitter --------------------------------------------

_PIECES = st.sampled_from([
    ";", " ", "\n", "\t", "select", "SELECT", "1", "x", "create", "CREATE", "temp", "TEMPORARY",
    "trigger", "TRIGGER", "end", "END", "explain", "begin", "'", "''", "'a;b'", '"', '"q;"',
    "[", "]", "[a;]", "`", "`b`", "--", "-- c;\n", "/*", "*/", "/* ; */", "-", "/", "é", "$",
    "_", "table", "on", "case", "when", "then",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=14))
def test_is_complete_is_sqlite3_complete(pieces):
    text = "".join(pieces)
    assert is_complete(text) == sqlite3.complete_statement(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=14))
def test_split_statements_cuts_where_sqlite3_completes(pieces):
    text = "".join(pieces)
    parts = split_statements(text)
    assert "".join(parts) == text
    cuts = {sum(map(len, parts[:i + 1])) for i in range(len(parts) - 1)}
    if text.endswith(";") and sqlite3.complete_statement(text):
        cuts.add(len(text))
    for cut in cuts:
        assert text[cut - 1] == ";" and sqlite3.complete_statement(text[:cut])
    for q, c in enumerate(text):
        if c == ";" and q + 1 not in cuts and sqlite3.complete_statement(text[:q + 1]):
            # only a ';' inside a trailing '--' comment completes without being a cut
            last = max([0, *(x for x in cuts if x <= q)])
            assert "--" in text[last:q]


def test_split_keeps_trigger_bodies_whole():
    script = ("CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT ';'; END;"
              " SELECT 2; EXPLAIN CREATE TRIGGER x BEFORE DELETE ON t BEGIN SELECT 3; END ;"
              "SELECT 4")
    assert [p.strip() for p in split_statements(script)] == [
        "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT ';'; END;",
        "SELECT 2;",
        "EXPLAIN CREATE TRIGGER x BEFORE DELETE ON t BEGIN SELECT 3; END ;",
        "SELECT 4",
    ]
    for part in split_statements(script)[:-1]:
        assert sqlite3.complete_statement(part)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_rich_table_on_a_terminal_shows_the_same_cells(db, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    query = "SELECT id, i, r, b FROM t ORDER BY id"
    names, rows = _reference(db, query)
    out = _Terminal()
    Output("table").write(names, rows, out)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    assert "│" in text  # drawn by rich, not the plain renderer
    lines = [ln for ln in text.splitlines() if ln.startswith("│")]
    cells = [[c.strip() for c in ln.strip("│").split("│")] for ln in lines]
    assert cells == [names] + [[_sqlite_text(v).strip() for v in row] for row in rows]


def test_plain_table_multiline_cells_and_empty_results():
    out = io.StringIO()
    Output("table").write(["a", "b"], [(1, "x\nyy"), (None, 2.5), (10, "\t")], out)
    assert out.getvalue().splitlines() == [
        "+----+----------+",
        "| a  | b        |",
        "+----+----------+",
        "|  1 | x        |",
        "|    | yy       |",
        "|    |      2.5 |",
        "| 10 |          |",
        "+----+----------+"]
    out = io.StringIO()
    Output("table").write(["a"], [], out)
    assert out.getvalue().splitlines() == ["+---+", "| a |", "+---+"]
    out = io.StringIO()
    Output("table", header=False).write(["a"], [], out)
    assert out.getvalue() == ""


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 command-line shell")
@pytest.mark.parametrize("query", [QUERIES[i] for i in (1, 3, 4, 5, 8, 9, 10)])
def test_csv_is_what_the_sqlite3_shell_prints(db, query):
    ours = _invoke([str(db), query, "--csv"])
    theirs = subprocess.run(["sqlite3", "-csv", "-header", str(db), query], capture_output=True,
                            text=True, timeout=60)
    assert theirs.returncode == 0
    assert list(csv.reader(io.StringIO(ours.stdout_bytes.decode(), newline=""))) == \
           list(csv.reader(io.StringIO(theirs.stdout, newline="")))


def test_params_are_taken_per_statement(db):
    r = _invoke([str(db), "SELECT ? AS a; SELECT 1 AS b; SELECT ?2 AS c, ?1 AS d; SELECT ?3",
                 "--json", "--param", "7", "--param", "'s'"])
    assert r.exit_code == 1
    assert [json.loads(line) for line in r.stdout.splitlines()] == [
        [{"a": 7}], [{"b": 1}], [{"c": "s", "d": 7}]]
    with pytest.raises(sqlite3.ProgrammingError) as ref:
        sqlite3.connect(":memory:").execute("SELECT ?3", (7, "s"))
    assert r.stderr == f"sqlassay: error: {ref.value}\n"


def test_closed_pipe_is_not_an_error(db):
    proc = subprocess.Popen(
        [*_script(), "sql", str(db), "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
         "FROM c LIMIT 100000) SELECT x, 'some text to fill the pipe' FROM c", "--csv"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"x,'some text to fill the pipe'\r\n"
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert proc.stderr.read() == b""
