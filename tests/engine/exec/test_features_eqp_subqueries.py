"""EXPLAIN QUERY PLAN lines of subqueries, views and CTEs in FROM (sqlassay issue 5,
feature 6), compared with sqlite3's as trees (ids are bytecode addresses in SQLite):
the CO-ROUTINE or MATERIALIZE line over the subquery's own plan, in FROM order before
the loops, its SCAN/SEARCH line named by alias or "(subquery-N)" with SQLite's selId,
nothing of its own when it is flattened, one MATERIALIZE per CTE used twice, SETUP and
RECURSIVE STEP for a recursive CTE, "SCAN n CONSTANT ROWS" for VALUES, the numbers
of SCALAR/LIST SUBQUERY lines, and the COMPOUND QUERY / MERGE trees of compounds."""

from __future__ import annotations

import sqlite3

import pytest

import engine

from .test_planner import plan

SAME_PLAN = [
    "SELECT * FROM (SELECT a, b FROM t WHERE b > 3)",
    "SELECT * FROM (SELECT DISTINCT b FROM t)",
    "SELECT * FROM (SELECT b, count(*) FROM t GROUP BY b)",
    "SELECT * FROM (SELECT b FROM t LIMIT 3)",
    "SELECT * FROM (SELECT b FROM t ORDER BY b LIMIT 3)",
    "SELECT * FROM (SELECT b, count(*) c FROM t GROUP BY b) AS g JOIN u ON u.x = g.b",
    "SELECT * FROM u JOIN (SELECT b, count(*) c FROM t GROUP BY b) AS g ON u.x = g.b",
    "SELECT * FROM u, (SELECT DISTINCT b FROM t) AS g WHERE u.x = g.b",
    "SELECT * FROM (SELECT DISTINCT b FROM t) AS g, (SELECT DISTINCT x FROM u) AS h "
    "WHERE h.x = g.b",
    "SELECT * FROM emp LEFT JOIN (SELECT DISTINCT b FROM t) AS g ON g.b = emp.dept",
    "SELECT * FROM (SELECT * FROM (SELECT DISTINCT b FROM t))",
    "SELECT count(*) FROM (SELECT b FROM t GROUP BY b)",
    "SELECT (SELECT count(*) FROM (SELECT DISTINCT x FROM u)) FROM emp",
    "SELECT * FROM vt",
    "WITH c AS (SELECT b FROM t WHERE b > 2) SELECT * FROM c",
    "WITH c AS (SELECT DISTINCT b FROM t) SELECT * FROM c",
    "WITH c AS (SELECT b FROM t) SELECT * FROM c AS c1, c AS c2 WHERE c1.b = c2.b",
    "WITH c AS MATERIALIZED (SELECT b FROM t) SELECT * FROM c",
    "WITH c AS NOT MATERIALIZED (SELECT DISTINCT b FROM t) SELECT * FROM c",
    "WITH c AS (SELECT DISTINCT b FROM t) SELECT * FROM c AS c1, c AS c2 WHERE c1.b = c2.b",
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 5) "
    "SELECT * FROM c",
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION SELECT n+1 FROM c WHERE n < 5) SELECT * FROM c",
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 5 ORDER BY 1 "
    "LIMIT 3) SELECT * FROM c",
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 5) "
    "SELECT * FROM c JOIN t ON a = n",
    "SELECT * FROM (VALUES(1),(2)) AS v JOIN t ON a = v.column1",
    "SELECT * FROM (VALUES(1)) AS v JOIN t ON a = v.column1",
    "SELECT * FROM (VALUES(1),(2))",
    "VALUES(1),(2)",
    "VALUES(1)",
    "SELECT * FROM t LEFT JOIN (u JOIN emp ON emp.id = u.x) ON t.a = u.x",
    # compound SELECTs: COMPOUND QUERY, or MERGE under an ORDER BY
    "SELECT b FROM t UNION SELECT x FROM u",
    "SELECT b FROM t UNION ALL SELECT x FROM u",
    "SELECT b FROM t EXCEPT SELECT x FROM u",
    "SELECT b FROM t INTERSECT SELECT x FROM u",
    "SELECT b FROM t UNION SELECT x FROM u UNION ALL SELECT 1",
    "SELECT b FROM t UNION SELECT x FROM u ORDER BY 1",
    "SELECT b FROM t UNION ALL SELECT x FROM u ORDER BY 1",
    "SELECT b FROM t UNION SELECT x FROM u EXCEPT SELECT 3 ORDER BY 1",
    "SELECT b FROM t UNION SELECT x FROM u LIMIT 2",
    "SELECT * FROM (SELECT b FROM t UNION SELECT x FROM u)",
    "SELECT 1 UNION ALL SELECT 2",
    "VALUES(1) UNION SELECT 2",
]


@pytest.mark.parametrize("sql", SAME_PLAN)
def test_subquery_plan_lines_like_sqlite3(fixed_db, sql):
    assert plan(engine.connect, fixed_db, sql) == plan(sqlite3.connect, fixed_db, sql)


def test_the_plans_hold_subquery_lines(fixed_db):
    """The cases exercise each kind of line (so a plan without them would fail)."""
    details = [d for sql in SAME_PLAN for d, _p in plan(sqlite3.connect, fixed_db, sql)]
    for word in ("CO-ROUTINE", "MATERIALIZE", "SETUP", "RECURSIVE STEP", "(subquery-",
                 "(join-", "CONSTANT ROWS", "SCALAR SUBQUERY 2", "COMPOUND QUERY",
                 "MERGE (EXCEPT)", "UNION USING TEMP B-TREE"):
        assert any(word in d for d in details), word
