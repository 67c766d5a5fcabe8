"""The one helper that reads the SQL fixture files and asks sqlite3 (the
referee) what it makes of a statement.

Fixture format (``fixtures/<feature>.sql``): one statement per line; blank
lines and lines starting with ``--`` are skipped; the two characters ``\\n``
stand for a newline inside a statement.
"""

from __future__ import annotations

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
# that our parser must reproduce word for word.
PARSE_STAGE_MESSAGES = (
    "near ",
    "incomplete input",
    "unrecognized token",
    "unknown table option",
    "duplicate column name",
    "too many terms in compound SELECT",
    "ORDER BY clause should come after",
    "LIMIT clause should come after",
    "unknown join type",
    "variable number must be between",
    "too many SQL variables",
    "unsupported frame specification",
    "a JOIN clause is required before",
    "syntax error after column name",
    "has more than one primary key",
    "AUTOINCREMENT",
    "generated columns cannot be part of the PRIMARY KEY",
    "cannot use DEFAULT on a generated column",
    "error in generated column",
    "default value of column",
    "missing datatype for",
    "unknown datatype for",
    "PRIMARY KEY missing on table",
    "too many arguments on function",
    "parser stack overflow",
    "Expression tree is too large",
    "string or blob too big",
    "qualified table names are not allowed",
    "clause is not allowed on UPDATE or DELETE statements within triggers",
    "cannot use RETURNING in a trigger",
    "ORDER BY without LIMIT on",
    "too many columns on",
    "columns assigned",
    "must have at least one non-generated column",
)


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
    if message.startswith(PARSE_STAGE_MESSAGES) or any(
        m in message for m in PARSE_STAGE_MESSAGES[13:]
    ):
        return Verdict("parse", message)
    return Verdict("other", message)


def sqlite_verdict(sql: str, explain: bool = True) -> Verdict:
    """Prepare ``sql`` in sqlite3 without running it (``EXPLAIN`` in front,
    unless it already starts with EXPLAIN or ``explain`` is False)."""
    con = _referee()
    text = sql
    first = lex(sql)[0]
    if explain and first.kind not in ("EXPLAIN", "QUERY", "EOF", "SEMI"):
        text = "EXPLAIN " + sql
    try:
        con.execute(text).fetchall()
    except sqlite3.Error as exc:
        return classify(exc)
    return Verdict("ok")


def fresh_connection() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.executescript(SCHEMA)
    return con
