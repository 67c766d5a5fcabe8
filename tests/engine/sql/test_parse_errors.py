"""Bad SQL fails as sqlite3 fails: same class, same message, never another
exception, a hang or a recursion error (engine.sql.parser against sqlite3)."""

from __future__ import annotations

import sqlite3
import time

import pytest

from engine.errors import OperationalError, ProgrammingError
from engine.sql import SQLSyntaxError, lex, parse, parse_one

from .sql_fixtures import fixture_names, load, sqlite_verdict

INVALID = load("invalid")
VALID = [sql for name in fixture_names() if name != "invalid" for sql in load(name)]


def assert_same_as_sqlite(sql: str, explain: bool = True) -> str:
    """Parse ``sql`` and check the outcome against sqlite3's; returns the
    verdict kind."""
    verdict = sqlite_verdict(sql, explain)
    if verdict.kind == "parse":
        with pytest.raises(OperationalError) as info:
            parse_one(sql)
        assert str(info.value) == verdict.message, sql
    elif verdict.kind == "one-statement":
        with pytest.raises(ProgrammingError):
            parse_one(sql)
    else:
        try:
            parse_one(sql)
        except ProgrammingError:
            # sqlite3 failed on the first statement's meaning before it
            # looked at the rest; ours only parses, and finds the rest
            assert verdict.kind == "other"
    return verdict.kind


@pytest.mark.parametrize("sql", INVALID)
def test_invalid_statement_fails_like_sqlite3(sql):
    assert_same_as_sqlite(sql)


def test_invalid_corpus_is_mostly_rejected_by_sqlite3():
    # the fixture file really is a corpus of bad SQL (a few entries are
    # accepted by sqlite3 on purpose and must then parse here too)
    kinds = [sqlite_verdict(sql).kind for sql in INVALID]
    assert kinds.count("parse") >= 0.9 * len(INVALID)
    assert len(INVALID) >= 300


def _token_spans(sql: str) -> list[tuple[int, int]]:
    return [(t.offset, t.offset + len(t.text)) for t in lex(sql) if t.kind != "EOF"]


def test_every_truncation_of_valid_statements_fails_like_sqlite3():
    checked = 0
    for sql in VALID:
        for _, end in _token_spans(sql)[:-1]:
            assert_same_as_sqlite(sql[:end])
            checked += 1
    assert checked > 3000


def test_every_single_token_deletion_fails_like_sqlite3():
    checked = 0
    for sql in VALID[::2]:
        spans = _token_spans(sql)
        for start, end in spans:
            assert_same_as_sqlite(sql[:start] + sql[end:])
            checked += 1
    assert checked > 1500


def test_token_duplication_fails_like_sqlite3():
    for sql in VALID[1::3]:
        for start, end in _token_spans(sql):
            assert_same_as_sqlite(sql[:end] + " " + sql[start:end] + sql[end:])


# --------------------------------------------------------------------------
# positions


def test_error_carries_line_column_offset():
    sql = "SELECT 1,\n  2 FROM t WHERE\n  a = = 3"
    with pytest.raises(SQLSyntaxError) as info:
        parse_one(sql)
    err = info.value
    assert str(err) == 'near "=": syntax error'
    assert err.offset == sql.rindex("=")
    assert (err.line, err.column) == (3, 7)
    assert err.token == "="
    assert isinstance(err, OperationalError)


def test_incomplete_input_points_at_the_end():
    sql = "SELECT 1 FROM"
    with pytest.raises(SQLSyntaxError) as info:
        parse_one(sql)
    assert str(info.value) == "incomplete input"
    assert info.value.offset == len(sql)
    assert info.value.token is None


def test_unrecognized_token_position():
    with pytest.raises(SQLSyntaxError) as info:
        parse_one("SELECT 1,\n 'abc")
    assert str(info.value) == "unrecognized token: \"'abc\""
    assert (info.value.line, info.value.column) == (2, 2)


def test_earlier_syntax_error_wins_over_later_illegal_token():
    assert_same_as_sqlite("SELECT 1 1 'unterminated")
    with pytest.raises(OperationalError, match='near "1"'):
        parse_one("SELECT 1 1 'unterminated")


def test_parse_of_a_script_reports_the_failing_statement():
    with pytest.raises(OperationalError, match='near "FROM"'):
        parse("SELECT 1; SELECT FROM t; SELECT 2")


def test_one_statement_only():
    assert_same_as_sqlite("SELECT 1; SELECT 2")
    assert_same_as_sqlite("SELECT 1; garbage 'x")
    assert_same_as_sqlite("SELECT 1; -- only a comment")
    assert parse_one("  -- nothing\n ; ") is None


# --------------------------------------------------------------------------
# limits and hostile input


def _p(n: int) -> str:
    return "(" * n + "1" + ")" * n


NESTINGS = {
    "parentheses": lambda n: "SELECT " + "(" * n + "1" + ")" * n,
    "unary minus": lambda n: "SELECT " + "- " * n + "1",
    "NOT": lambda n: "SELECT " + "NOT " * n + "1",
    "bitnot": lambda n: "SELECT " + "~" * n + "1",
    "plus-paren": lambda n: "SELECT " + "1+(" * n + "1" + ")" * n,
    "function": lambda n: "SELECT " + "abs(" * n + "1" + ")" * n,
    "subquery": lambda n: "SELECT " + "(SELECT " * n + "1" + ")" * n,
    "case": lambda n: "SELECT " + "CASE WHEN 1 THEN " * n + "1" + " END" * n,
    "where": lambda n: "SELECT 1 FROM t WHERE " + "(" * n + "1" + ")" * n,
    "column check": lambda n: "CREATE TABLE x(a CHECK(" + _p(n) + "))",
    "table check": lambda n: "CREATE TABLE x(a, CHECK(" + _p(n) + "))",
    "default": lambda n: "CREATE TABLE x(a DEFAULT (" + _p(n) + "))",
    "insert values": lambda n: "INSERT INTO t VALUES (" + _p(n) + ", 1, 1)",
    "update set": lambda n: "UPDATE t SET a = " + _p(n),
    "update where": lambda n: "UPDATE t SET a = 1 WHERE " + _p(n),
    "delete where": lambda n: "DELETE FROM t WHERE " + _p(n),
    "index": lambda n: "CREATE INDEX j ON t(" + _p(n) + ")",
    "index where": lambda n: "CREATE INDEX j ON t(a) WHERE " + _p(n),
    "order by": lambda n: "SELECT 1 ORDER BY " + _p(n),
    "group by": lambda n: "SELECT 1 FROM t GROUP BY " + _p(n),
    "having": lambda n: "SELECT 1 FROM t GROUP BY a HAVING " + _p(n),
    "limit": lambda n: "SELECT 1 LIMIT " + _p(n),
    "offset": lambda n: "SELECT 1 LIMIT 1 OFFSET " + _p(n),
    "join on": lambda n: "SELECT 1 FROM t JOIN u ON " + _p(n),
    "from subquery": lambda n: "SELECT * FROM " + "(SELECT * FROM " * n + "t" + ")" * n,
    "from parentheses": lambda n: "SELECT * FROM " + "(" * n + "t" + ")" * n,
    "cast": lambda n: "SELECT " + "CAST(" * n + "1" + " AS INT)" * n,
    "cte": lambda n: "WITH q AS (SELECT " + _p(n) + ") SELECT * FROM q",
    "nested cte": lambda n: "WITH q AS (" * n + "SELECT 1" + ") SELECT 1" * n,
    "trigger body": lambda n: "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT " + _p(n) + "; END",
    "trigger when": lambda n: "CREATE TRIGGER tr AFTER INSERT ON t WHEN " + _p(n)
    + " BEGIN SELECT 1; END",
    "partition by": lambda n: "SELECT sum(a) OVER (PARTITION BY " + _p(n) + ") FROM t",
    "filter": lambda n: "SELECT sum(a) FILTER (WHERE " + _p(n) + ") FROM t",
    "vtab args": lambda n: "CREATE VIRTUAL TABLE x USING fts5(" + "(" * n + "a" + ")" * n + ")",
    "compound subquery": lambda n: "SELECT " + "(SELECT 1 UNION SELECT " * n + "1" + ")" * n,
    "is not": lambda n: "SELECT " + "1 IS NOT (" * n + "1" + ")" * n,
    "returning": lambda n: "DELETE FROM t RETURNING " + _p(n),
    "upsert": lambda n: "INSERT INTO t VALUES (1,2,3) ON CONFLICT DO UPDATE SET a = " + _p(n),
    "explain": lambda n: "EXPLAIN QUERY PLAN SELECT " + _p(n),
    "star filter": lambda n: "SELECT " + "count(*) FILTER (WHERE " * n + "1" + ")" * n,
    "in list": lambda n: "SELECT " + "(" * n + "1" + ") IN (1)" * n,
    "not collate": lambda n: "SELECT " + "NOT " * n + "1" + " COLLATE nocase" * n,
    "row value": lambda n: "SELECT " + "((1, " * n + "1" + ") = (1, 1))" * n,
    "isnull": lambda n: "SELECT " + "(" * n + "1" + " ISNULL)" * n,
    "not null": lambda n: "SELECT " + "(" * n + "1" + " NOT NULL)" * n,
}


def _threshold(make) -> int:
    """Largest n that sqlite3 accepts without a parser stack overflow."""
    lo, hi = 1, 200
    while hi - lo > 1:
        mid = (lo + hi) // 2
        con = sqlite3.connect(":memory:")  # fresh: some probes create objects
        con.executescript("CREATE TABLE t(a, b, c); CREATE TABLE u(a, b, c);")
        try:
            con.execute(make(mid))
            lo = mid
        except sqlite3.OperationalError as exc:
            if "stack overflow" in str(exc):
                hi = mid
            else:
                lo = mid
    return lo


@pytest.mark.parametrize("name", sorted(NESTINGS))
def test_parser_stack_overflow_where_sqlite3_overflows(name):
    make = NESTINGS[name]
    n = _threshold(make)
    assert 5 < n < 199
    assert_same_as_sqlite(make(n), explain=False)
    assert_same_as_sqlite(make(n + 1), explain=False)
    with pytest.raises(OperationalError, match="parser stack overflow"):
        parse_one(make(n + 1))


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT " + "(" * 100_000 + "1" + ")" * 100_000,
        "SELECT " + "NOT " * 100_000 + "1",
        "SELECT " + "- " * 100_000 + "1",
        "SELECT " + "~" * 100_000 + "1",
        "SELECT " + "(SELECT " * 100_000 + "1",
        "SELECT " + "abs(" * 100_000,
        "SELECT * FROM " + "(" * 100_000 + "t",
        "SELECT " + "CASE WHEN " * 100_000,
        "CREATE TABLE x(a CHECK(" + "(" * 100_000 + "))",
        "CREATE VIRTUAL TABLE x USING m(" + "(" * 100_000,
    ],
    ids=["parens", "not", "minus", "bitnot", "subquery", "function", "from", "case",
         "check", "vtab"],
)
def test_hostile_nesting_fails_fast_and_cleanly(sql):
    start = time.perf_counter()
    with pytest.raises(OperationalError) as info:
        parse_one(sql)
    assert time.perf_counter() - start < 2.0
    assert "stack overflow" in str(info.value) or "incomplete input" in str(info.value)


@pytest.mark.parametrize("op", ["+", "*", "||", " AND ", " OR ", "=", "<", " IS "])
def test_expression_depth_limit_like_sqlite3(op):
    for n in (999, 1000, 1001, 5000):
        sql = "SELECT " + op.join(["1"] * n)
        assert_same_as_sqlite(sql, explain=False)
    with pytest.raises(OperationalError, match=r"Expression tree is too large \(maximum depth 1000\)"):
        parse_one("SELECT " + op.join(["1"] * 100_000))


def test_collate_resets_expression_height_like_sqlite3():
    chain = "+".join(["1"] * 999)
    assert_same_as_sqlite(f"SELECT {chain} COLLATE nocase + 1 + 1", explain=False)
    assert_same_as_sqlite(f"SELECT ({chain} COLLATE nocase) + 1 + 1", explain=False)


def test_expression_height_counts_function_arguments_and_subqueries():
    chain = "+".join(["1"] * 999)
    assert_same_as_sqlite(f"SELECT abs({chain})", explain=False)
    assert_same_as_sqlite(f"SELECT (SELECT {chain}) + 1", explain=False)
    assert_same_as_sqlite(f"SELECT 1 IN ({chain})", explain=False)
    assert_same_as_sqlite(f"SELECT CASE WHEN {chain} THEN 1 END", explain=False)


@pytest.mark.parametrize("n", [499, 500, 501, 2000])
def test_compound_select_limit_like_sqlite3(n):
    sql = "SELECT 1" + " UNION SELECT 1" * (n - 1)
    assert_same_as_sqlite(sql, explain=False)


def test_values_rows_are_not_compound_terms():
    sql = "VALUES " + ", ".join(["(1)"] * 2000)
    assert_same_as_sqlite(sql)
    assert len(parse_one(sql).body.rows) == 2000


@pytest.mark.parametrize("n", [127, 128])
def test_function_argument_limit_like_sqlite3(n):
    assert_same_as_sqlite("SELECT max(" + ", ".join(["1"] * n) + ")")


@pytest.mark.parametrize("n", [2000, 2001])
def test_column_limit_in_create_table_like_sqlite3(n):
    cols = ", ".join(f"c{i}" for i in range(n))
    assert_same_as_sqlite(f"CREATE TABLE x({cols})")


@pytest.mark.parametrize(
    "sql",
    ["SELECT ?0", "SELECT ?1", "SELECT ?250000", "SELECT ?250001", "SELECT ?-1",
     "SELECT ?00001", "SELECT ?" + "9" * 30],
)
def test_variable_numbers_like_sqlite3(sql):
    assert_same_as_sqlite(sql)


def test_sql_length_limit():
    from engine.sql import lexer

    old = lexer.MAX_SQL_LENGTH
    lexer.MAX_SQL_LENGTH = 100
    try:
        with pytest.raises(OperationalError, match="string or blob too big"):
            parse_one("SELECT " + "1" * 200)
        parse_one("SELECT 1")
    finally:
        lexer.MAX_SQL_LENGTH = old


def test_keyword_in_wrong_place_near_message():
    assert_same_as_sqlite("SELECT * FROM WHERE")
    with pytest.raises(OperationalError, match='near "WHERE": syntax error'):
        parse_one("SELECT * FROM WHERE")
