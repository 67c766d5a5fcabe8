"""The one helper that reads the SQL fixture files and asks sqlite3 (the
referee) what it makes of a statement.

Fixture format (``fixtures/<feature>.sql``): one statement per line; blank
lines and lines starting with ``--`` are skipped; the two characters ``\\n``
stand for a newline inside a statement.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from engine.sql import lex

FIXTURES = Path(__file__).parent / "fixtures"

# The referee database: fixtures refer to these objects.
SCHEMA = """
CREATE TABLE t(a, b, c);
CREATE TABLE u(a, b, c);
CREATE TABLE log(x);
CREATE VIEW v AS SELECT * FROM t;
CREATE INDEX i ON t(a);
"""

# sqlite3 messages raised while parsing (tokenizer, grammar, parse.y actions)
# that our parser must reproduce word for word (each matched from the start
# of the message).
PARSE_STAGE_MESSAGES = (
    r"near ",
    r"incomplete input",
    r"unrecognized token",
    r"unknown table option",
    r"duplicate column name",
    r"too many terms in compound SELECT",
    r"ORDER BY clause should come after",
    r"LIMIT clause should come after",
    r"unknown join type",
    r"variable number must be between",
    r"too many SQL variables",
    r"unsupported frame specification",
    r"a JOIN clause is required before",
    r"syntax error after column name",
    r'table "[^"]*" has more than one primary key',
    r"AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY",
    r"AUTOINCREMENT not allowed on WITHOUT ROWID tables",
    r"generated columns cannot be part of the PRIMARY KEY",
    r"cannot use DEFAULT on a generated column",
    r"error in generated column",
    r"default value of column \[",
    r"missing datatype for",
    r"unknown datatype for",
    r"PRIMARY KEY missing on table",
    r"too many arguments on function",
    r"parser stack overflow",
    r"Expression tree is too large",
    r"string or blob too big",
    r"qualified table names are not allowed",
    r"the (NOT INDEXED|INDEXED BY) clause is not allowed on UPDATE or DELETE statements",
    r"cannot use RETURNING in a trigger",
    r"ORDER BY without LIMIT on",
    r"too many columns on",
    r"\d+ columns assigned \d+ values",
    r"must have at least one non-generated column",
)
_PARSE_STAGE = re.compile("|".join(f"(?:{m})" for m in PARSE_STAGE_MESSAGES))


def load(name: str) -> list[str]:
    """The statements of ``fixtures/<name>.sql``."""
    out = []
    for line in (FIXTURES / f"{name}.sql").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("--"):
            continue
        out.append(line.replace("\\n", "\n"))
    return out


def fixture_names() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("*.sql"))


@dataclass(frozen=True)
class Verdict:
    """What sqlite3 said: ``kind`` is ``ok``, ``parse`` (a parse-stage error
    we must reproduce), ``other`` (a later-stage error: the statement parsed)
    or ``one-statement`` (Python's "You can only execute one statement at a
    time.")."""

    kind: str
    message: str | None = None


_CONNECTION: sqlite3.Connection | None = None


def _referee() -> sqlite3.Connection:
    global _CONNECTION
    if _CONNECTION is None:
        con = sqlite3.connect(":memory:", isolation_level=None)
        con.executescript(SCHEMA)
        _CONNECTION = con
    return _CONNECTION


def classify(exc: sqlite3.Error) -> Verdict:
    message = str(exc)
    if isinstance(exc, sqlite3.ProgrammingError) and "one statement" in message:
        return Verdict("one-statement", message)
    if _PARSE_STAGE.match(message):
        return Verdict("parse", message)
    return Verdict("other", message)


def _later_stage(sql: str, verdict: Verdict) -> Verdict:
    # sqlite3 checks the width of a subquery on the right of "(a, b) =" when
    # it resolves names, not while parsing
    if (
        verdict.kind == "parse"
        and re.match(r"\d+ columns assigned", verdict.message)
        and re.search(r"=\s*\(\s*(SELECT|VALUES|WITH)\b", sql, re.I)
    ):
        return Verdict("other", verdict.message)
    return verdict


def sqlite_verdict(sql: str, explain: bool = True) -> Verdict:
    """Prepare ``sql`` in sqlite3 without running it (``EXPLAIN`` in front,
    unless it already starts with EXPLAIN). With ``explain`` False (for the
    parser-stack limits, which EXPLAIN shifts by one) the statement runs, on
    a fresh database."""
    con = _referee() if explain else fresh_connection()
    text = sql
    first = lex(sql)[0]
    if explain and first.kind not in ("EXPLAIN", "QUERY", "EOF", "SEMI"):
        text = "EXPLAIN " + sql
    try:
        con.execute(text).fetchall()
    except sqlite3.Error as exc:
        return _later_stage(sql, classify(exc))
    return Verdict("ok")


def fresh_connection() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.executescript(SCHEMA)
    return con
