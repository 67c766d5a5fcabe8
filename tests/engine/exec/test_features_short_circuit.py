"""Differential tests of which operands sqlite3 3.40.1 evaluates (sqlassay issue 5,
feature 2).  As a value (a result column, an argument) ``a AND b`` and ``a OR b`` are
OP_And/OP_Or: both operands are computed, the left first, so an error in either is
raised; ``x AND 0`` is the literal 0 from the parser on (sqlite3ExprAnd), so x is never
computed.  As a condition (WHERE, HAVING, ON, CASE WHEN, iif, FILTER) they are jumps
(sqlite3ExprIfTrue/IfFalse) and the right operand is computed only when the left one did
not decide.  CASE, iif, coalesce and ifnull compute only the branch they take.  The
erring operands are malformed JSON, abs() of the smallest integer and a bad JSON
path."""

from __future__ import annotations

import sqlite3

import pytest

from .differential import compare

SETUP = """
CREATE TABLE t(a INT, b TEXT, c);
INSERT INTO t VALUES(1,'x',1.5),(2,'y',NULL),(NULL,'z','abc'),(3,NULL,X'01'),(2,'Y',2);
CREATE TABLE s(x INT, y TEXT COLLATE NOCASE, z);
INSERT INTO s VALUES(1,'X',1),(2,'y',2),(NULL,'z',3),(3,NULL,4),('2','y',5);
CREATE TABLE e(p, q);
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("short_circuit") / "f.db"
    con = sqlite3.connect(path)
    con.executescript(SETUP)
    con.commit()
    con.close()
    return str(path)


ABS = "abs(-9223372036854775807 - 1)"
PATH = "json_extract('[1]', 'x')"  # "JSON path error near 'x'"

VALUE_CONTEXT = [
    "SELECT a AND json(b) FROM t",
    "SELECT json(b) AND a FROM t",
    "SELECT 1 OR json(b) FROM t",
    "SELECT json(b) OR 1 FROM t",
    "SELECT a > 100 AND json(b) FROM t",
    "SELECT a < 100 OR json(b) FROM t",
    f"SELECT a < 100 OR {ABS} FROM t",
    f"SELECT {ABS} AND a FROM t",
    f"SELECT NULL OR {PATH} FROM t",
    "SELECT (NULL AND json(b)) FROM t",
    "SELECT NOT (a AND json(b)) FROM t",
    "SELECT a BETWEEN 5 AND json(b) FROM t",
    "SELECT a NOT BETWEEN 0 AND json(b) FROM t",
    "SELECT abs(a > 5 AND json(b)) FROM t",
    "SELECT a FROM t ORDER BY a > 5 AND json(b)",
    # the parser's x AND 0 -> 0 (an integer literal read as 0, parentheses or not)
    "SELECT json(b) AND 0 FROM t",
    "SELECT 0 AND json(b) FROM t",
    "SELECT (0) AND json(b) FROM t",
    "SELECT json(b) AND 0x0 FROM t",
    "SELECT json(b) AND 00 FROM t",
    "SELECT (json(b) AND 0) OR 1 FROM t",
    f"SELECT {ABS} AND 0",
    "SELECT zzz AND 0 FROM t",
    # folded bottom-up: an AND folded to 0 folds the AND above it (an oracle finding)
    "SELECT DISTINCT (zzz AND (json(b) AND 0)) FROM t",
    "SELECT (json(b) AND 0) AND zzz, a OR (json(b) AND (0 AND zzz)) FROM t",
    # not folded: FALSE, 0.0 and -0 are not integer literals of the parser
    "SELECT json(b) AND false FROM t",
    "SELECT json(b) AND 0.0 FROM t",
    "SELECT json(b) AND -0 FROM t",
    "SELECT json(b) AND (SELECT 0) FROM t",
]

CONDITION_CONTEXT = [
    "SELECT a FROM t WHERE a > 100 AND json(b)",
    "SELECT a FROM t WHERE a IS NULL AND json(b)",
    "SELECT a FROM t WHERE a < 100 OR json(b)",
    "SELECT a FROM t WHERE json(b) OR a < 100",
    f"SELECT a FROM t WHERE a < 100 OR {ABS}",
    f"SELECT a FROM t WHERE a OR {PATH}",
    "SELECT a FROM t WHERE (a < 100 OR json(b)) AND (a > 100 OR a < 100)",
    "SELECT a FROM t WHERE a BETWEEN 5 AND json(b)",
    "SELECT a FROM t WHERE a NOT BETWEEN 0 AND 5 AND json(b)",
    "SELECT a FROM t WHERE NOT (a < 5 AND json(b))",
    "SELECT a FROM t WHERE NOT (a > 100 AND json(b))",
    "SELECT a FROM t WHERE NOT (a IS NULL OR json(b))",
    "SELECT a FROM t WHERE NOT (a IS NOT NULL OR json(b))",
    "SELECT a FROM t WHERE NOT NOT (a > 100 AND json(b))",
    "SELECT a FROM t WHERE NULL AND json(b)",
    "SELECT a FROM t WHERE NOT (NULL AND json(b))",
    "SELECT a FROM t WHERE (a < 5) IS TRUE OR json(b)",
    "SELECT a FROM t WHERE (a > 100 AND json(b)) IS NULL",
    "SELECT a, count(*) FROM t GROUP BY a HAVING a > 1 OR json(max(b))",
    "SELECT a, count(*) FROM t GROUP BY a HAVING a < 1 AND json(max(b))",
    "SELECT count(*) FILTER (WHERE a < 100 OR json(b)) FROM t",
    "SELECT count(*) FILTER (WHERE a > 100 AND json(b)) FROM t",
    "SELECT * FROM t LEFT JOIN s ON a = x AND (x < 100 OR json(b))",
    "SELECT CASE WHEN a > 100 AND json(b) THEN 1 ELSE 2 END FROM t",
    "SELECT CASE WHEN a < 100 OR json(b) THEN 1 ELSE 2 END FROM t",
    "SELECT CASE WHEN NOT (a < 100 OR json(b)) THEN 1 ELSE 2 END FROM t",
    "SELECT CASE WHEN a IS NULL AND json(b) THEN 1 ELSE 2 END FROM t",
    "SELECT CASE WHEN a IS NULL THEN 0 WHEN a > 100 AND json(b) THEN 1 END FROM t",
    "SELECT iif(a > 100 AND json(b), 1, 2) FROM t",
    "SELECT iif(a < 100 OR json(b), 1, 2) FROM t",
    "SELECT iif(NOT (a < 100 OR json(b)), 1, 2) FROM t",
]

# a comparison with NULL is NULL, but its other operand is computed all the same
NULL_COMPARISONS = [
    "SELECT json(b) >= NULL FROM t",
    "SELECT a FROM t WHERE json(b) = NULL",
    "SELECT json(b) < (1e999-1e999) FROM t",
    "SELECT b, json_array_length(json_group_array(b)) >= (1e999-1e999) FROM t GROUP BY b",
    f"SELECT {ABS} = NULL",
    "SELECT count(*) FROM t WHERE b > NULL",
]

BRANCHES = [
    "SELECT CASE WHEN a > 0 THEN 1 ELSE json(b) END FROM t",
    "SELECT CASE WHEN a > 5 THEN json(b) END FROM t",
    "SELECT CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE json(b) END FROM t",
    "SELECT CASE WHEN a > 5 THEN 1 WHEN json('x') = 1 THEN 2 END FROM t",
    "SELECT coalesce(a, json(b)) FROM t",
    "SELECT coalesce(1, 1 + json('x'))",
    "SELECT coalesce(a, 1 + json('x')) FROM t",
    "SELECT ifnull(a, json(b)) FROM t",
    "SELECT iif(a > 0, 1, json(b)) FROM t",
    "SELECT nullif(a, json(b)) FROM t",
    f"SELECT coalesce(a, {ABS}) FROM t WHERE a IS NOT NULL",
    f"SELECT CASE WHEN 1 THEN 1 ELSE {PATH} END",
    "SELECT p AND json('x'), CASE WHEN p THEN json('x') END FROM e",
]


@pytest.mark.parametrize("sql", VALUE_CONTEXT + CONDITION_CONTEXT + BRANCHES + NULL_COMPARISONS)
def test_evaluation_like_sqlite3(db, sql):
    compare(db, sql)


def test_both_outcomes_occur(db):
    """The cases hold both errors sqlite3 raises and rows it returns."""
    outcomes = [compare(db, sql)[0] for sql in VALUE_CONTEXT + CONDITION_CONTEXT]
    assert 10 < outcomes.count("error") < len(outcomes) - 10
