"""Bad input never reaches the user as a traceback: one line on stderr, exit status 2.

Tested twice: in-process with click's CliRunner and as a real subprocess of the
installed console script (``python -m``-free: the ``sqlassay`` entry point).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sqlassay.cli import main

COMMANDS = [["inspect"], ["inspect", "--json"], ["check"], ["check", "--json"], ["hash"],
            ["inspect", "--page", "1"], ["inspect", "--wal"]]


def _script() -> list[str]:
    exe = Path(sys.executable).with_name("sqlassay")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from sqlassay.cli import main; main()"]


@pytest.fixture
def bad_inputs(tmp_path):
    good = tmp_path / "good.db"
    con = sqlite3.connect(good)
    con.execute("CREATE TABLE t(x)")
    con.executemany("INSERT INTO t VALUES(?)", [(i,) for i in range(100)])
    con.commit()
    con.close()
    data = good.read_bytes()
    cases = {
        "missing": tmp_path / "nope.db",
        "directory": tmp_path,
        "not-a-database": tmp_path / "text.db",
        "truncated-header": tmp_path / "trunc.db",
        "bad-page-size": tmp_path / "pgsz.db",
    }
    cases["not-a-database"].write_bytes(b"this is not a database\n" * 50)
    cases["truncated-header"].write_bytes(data[:60])
    bad = bytearray(data)
    bad[16:18] = (1000).to_bytes(2, "big")
    cases["bad-page-size"].write_bytes(bytes(bad))
    return cases


def _one_clean_line(stderr: str) -> None:
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("sqlassay: error: ")


@pytest.mark.parametrize("args", COMMANDS)
def test_bad_files_in_process(bad_inputs, args):
    runner = CliRunner()
    for name, path in bad_inputs.items():
        result = runner.invoke(main, [*args, str(path)])
        assert result.exit_code == 2, (name, result.output)
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit), (name, result.exception)
        _one_clean_line(result.stderr)


@pytest.mark.parametrize("name", ["missing", "directory", "not-a-database",
                                  "truncated-header", "bad-page-size"])
def test_bad_files_in_a_subprocess(bad_inputs, name):
    commands = (["check"],) if name != "not-a-database" else (["inspect"], ["hash"], ["diff"])
    for args in commands:
        extra = [str(bad_inputs[name])] * (2 if args == ["diff"] else 1)
        proc = subprocess.run([*_script(), *args, *extra], capture_output=True, text=True,
                              timeout=60, env={**os.environ, "COLUMNS": "100"})
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        _one_clean_line(proc.stderr)


@pytest.mark.parametrize("argv", [
    ["inspect"],
    ["inspect", "--bogus", "x.db"],
    ["inspect", "--page", "zero", "x.db"],
    ["inspect", "--page", "0", "x.db"],
    ["check", "a.db", "b.db"],
    ["nosuchcommand"],
    ["diff", "only-one.db"],
    ["hash", "--schema-only", "--without-schema", "x.db"],
])
def test_bad_usage(tmp_path, argv):
    runner = CliRunner()
    os.chdir(tmp_path)
    sqlite3.connect("x.db").execute("CREATE TABLE t(a)").connection.close()
    sqlite3.connect("only-one.db").execute("CREATE TABLE t(a)").connection.close()
    result = runner.invoke(main, argv)
    assert result.exit_code == 2, result.output
    _one_clean_line(result.stderr)


def test_bad_usage_in_a_subprocess(tmp_path):
    for argv in (["inspect", "--bogus", "x.db"], ["nosuchcommand"]):
        proc = subprocess.run([*_script(), *argv], capture_output=True, text=True, timeout=60,
                              cwd=tmp_path)
        assert proc.returncode == 2
        _one_clean_line(proc.stderr)


def test_page_past_the_end_is_bad_usage(bad_inputs, tmp_path):
    good = tmp_path / "good.db"
    result = CliRunner().invoke(main, ["inspect", "--page", "999", str(good)])
    assert result.exit_code == 2
    _one_clean_line(result.stderr)
    result = CliRunner().invoke(main, ["inspect", "--btree", "nosuch", str(good)])
    assert result.exit_code == 2
    _one_clean_line(result.stderr)


def test_help_and_version():
    runner = CliRunner()
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("inspect", "check", "hash", "diff"):
        assert name in result.output
    assert runner.invoke(main, ["--version"]).exit_code == 0


def test_empty_file_is_an_empty_database_as_for_sqlite3(tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    con = sqlite3.connect(empty)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    runner = CliRunner()
    assert runner.invoke(main, ["check", str(empty)]).exit_code == 0
    assert runner.invoke(main, ["inspect", str(empty)]).exit_code == 0
    result = runner.invoke(main, ["hash", str(empty)])
    assert result.exit_code == 0
    assert result.output.split()[0] == "da39a3ee5e6b4b0d3255bfef95601890afd80709"  # SHA1 of ""
