"""Regenerate corpus/slt/*.test (except formatting.test, written by hand): a fixed schema
and SELECT queries, each with stdlib sqlite3's answer. Run: python corpus/slt/make_slt.py"""
import sqlite3
import sys

sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parents[2]))
from oracle.slt import query_record

SETUP = """CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT COLLATE NOCASE, c REAL, d BLOB, e)
INSERT INTO t1 VALUES(1, 'apple', 1.5, X'00', NULL)
INSERT INTO t1 VALUES(2, 'Banana', -0.0, X'', 5)
INSERT INTO t1 VALUES(3, NULL, 1e300, NULL, 'abc')
INSERT INTO t1 VALUES(4, 'cherry', 2.25, X'4142', 12)
INSERT INTO t1 VALUES(5, 'APPLE', NULL, X'FF', 3.5)
INSERT INTO t1 VALUES(6, '', 0.125, NULL, '12')
CREATE TABLE t2(x INT, y VARCHAR(10), z NUMERIC, PRIMARY KEY(x, y)) WITHOUT ROWID
INSERT INTO t2 VALUES(1, 'one', '1.0')
INSERT INTO t2 VALUES(2, 'two', '2e0')
INSERT INTO t2 VALUES(3, 'three', 'x3')
INSERT INTO t2 VALUES(5, 'five', 9223372036854775807)
INSERT INTO t2 VALUES(-9223372036854775808, 'min', -1)
CREATE INDEX t1b ON t1(b)
CREATE INDEX t1ce ON t1(c DESC, e COLLATE RTRIM)""".splitlines()

FILES = {
 "select_basic": [
  ("SELECT a, b FROM t1 ORDER BY a", "nosort"),
  ("SELECT * FROM t1 WHERE a > 2", "rowsort"),
  ("SELECT a FROM t1 WHERE b = 'apple'", "rowsort"),
  ("SELECT a FROM t1 WHERE b = 'apple' COLLATE BINARY", "rowsort"),
  ("SELECT DISTINCT b COLLATE BINARY FROM t1", "rowsort"),
  ("SELECT a, b FROM t1 ORDER BY b COLLATE BINARY, a", "nosort"),
  ("SELECT a FROM t1 ORDER BY c DESC NULLS FIRST, a", "nosort"),
  ("SELECT a FROM t1 ORDER BY a LIMIT 2 OFFSET 1", "nosort"),
  ("SELECT a, c FROM t1 WHERE c BETWEEN 0 AND 2", "rowsort"),
  ("SELECT a FROM t1 WHERE e IS NULL OR d IS NULL", "rowsort"),
  ("SELECT x, y, z, typeof(z) FROM t2", "rowsort"),
  ("SELECT x FROM t2 WHERE x IN (1, 3, 5)", "valuesort"),
  ("SELECT y FROM t2 WHERE y LIKE 't%' ORDER BY 1", "nosort"),
  ("SELECT y FROM t2 WHERE y GLOB '*e'", "rowsort"),
 ],
 "expressions": [
  ("SELECT 1 + 2, 7 / 2, 7 % 3, 7.0 / 2, 1 / 0, -(-9223372036854775807 - 1) IS NULL", "nosort"),
  ("SELECT 'a' || 'b', 'x' || NULL, length('héllo'), upper('abc'), lower('ÀB')", "nosort"),
  ("SELECT CAST('12abc' AS INTEGER), CAST(3.9 AS INTEGER), CAST(12 AS TEXT), CAST('1e2' AS REAL)", "nosort"),
  ("SELECT CASE WHEN a % 2 = 0 THEN 'even' ELSE 'odd' END, a FROM t1", "rowsort"),
  ("SELECT coalesce(b, 'none'), ifnull(e, -1), nullif(a, 3), iif(a > 3, 'big', 'small') FROM t1", "rowsort"),
  ("SELECT abs(-5), abs(-2.5), round(2.5), round(-2.5), round(1.2345, 2), sign(-3)", "nosort"),
  ("SELECT substr('abcdef', 2, 3), substr('abcdef', -2), instr('hello', 'l'), replace('aaa', 'a', 'bb')", "nosort"),
  ("SELECT trim('  x  '), ltrim('xxay', 'x'), rtrim('ayy', 'y'), hex('AB'), quote('it''s'), quote(X'0A')", "nosort"),
  ("SELECT typeof(a), typeof(b), typeof(c), typeof(d), typeof(e) FROM t1", "rowsort"),
  ("SELECT 5 & 3, 5 | 3, 1 << 4, -16 >> 2, ~5", "nosort"),
  ("SELECT NULL = NULL, NULL IS NULL, 1 IS NOT 2, 3 IN (1, 2, NULL), 3 NOT IN (1, 2)", "nosort"),
  ("SELECT printf('%5.2f|%d|%s|%x', 3.14159, 42, 'hi', 255), char(72, 105), unicode('A')", "nosort"),
  ("SELECT 'abc' < 'abd', 'B' < 'a', 'B' < 'a' COLLATE NOCASE, 10 < '9', x'01' > 'z'", "nosort"),
  ("SELECT min(3, 1, 2), max('a', 'B'), 1e308 * 10, -1e308 * 10", "nosort"),
 ],
 "aggregates": [
  ("SELECT count(*), count(b), count(DISTINCT b), sum(a), total(c) IS NOT NULL, avg(a) FROM t1", "nosort"),
  ("SELECT min(a), max(a), min(b COLLATE BINARY), max(c) FROM t1", "nosort"),
  ("SELECT a % 2, count(*), sum(a) FROM t1 GROUP BY a % 2", "rowsort"),
  ("SELECT a % 3 AS k, count(*) FROM t1 GROUP BY k HAVING count(*) > 1", "rowsort"),
  ("SELECT count(*) FROM t1 WHERE a > 100", "nosort"),
  ("SELECT sum(a) FROM t1 WHERE a > 100", "nosort"),
  ("SELECT length(group_concat(b)) FROM t1", "nosort"),
  ("SELECT x % 2, max(y), min(z) FROM t2 GROUP BY 1", "rowsort"),
  ("SELECT count(*) FROM t1, t2", "nosort"),
  ("SELECT sum(x) FROM t2 WHERE x > 0", "nosort"),
 ],
 "joins_subqueries": [
  ("SELECT t1.a, t2.y FROM t1 JOIN t2 ON t1.a = t2.x", "rowsort"),
  ("SELECT t1.a, t2.y FROM t1 LEFT JOIN t2 ON t1.a = t2.x", "rowsort"),
  ("SELECT t1.a, t2.x FROM t1 CROSS JOIN t2 WHERE t2.x < t1.a AND t1.a < 3", "rowsort"),
  ("SELECT a FROM t1 WHERE a IN (SELECT x FROM t2)", "rowsort"),
  ("SELECT a FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE x = a)", "rowsort"),
  ("SELECT a, (SELECT count(*) FROM t2 WHERE x < a) FROM t1", "rowsort"),
  ("SELECT s.k, s.n FROM (SELECT a % 2 AS k, count(*) AS n FROM t1 GROUP BY 1) AS s", "rowsort"),
  ("SELECT a FROM t1 UNION SELECT x FROM t2", "rowsort"),
  ("SELECT a FROM t1 UNION ALL SELECT x FROM t2", "valuesort"),
  ("SELECT a FROM t1 INTERSECT SELECT x FROM t2", "rowsort"),
  ("SELECT a FROM t1 EXCEPT SELECT x FROM t2 ORDER BY 1 DESC", "nosort"),
  ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n, n * n FROM r", "nosort"),
  ("WITH w AS (SELECT a, b FROM t1 WHERE a < 4) SELECT w.a, t2.y FROM w JOIN t2 ON w.a = t2.x", "rowsort"),
 ],
 "windows": [
  ("SELECT a, rank() OVER (ORDER BY a % 2) FROM t1", "rowsort"),
  ("SELECT a, sum(a) OVER (ORDER BY a) FROM t1", "rowsort"),
  ("SELECT a, count(*) OVER (PARTITION BY a % 2) FROM t1", "rowsort"),
  ("SELECT a, row_number() OVER (ORDER BY a DESC) FROM t1", "rowsort"),
  ("SELECT a, dense_rank() OVER (ORDER BY a / 2), max(a) OVER (PARTITION BY a / 2) FROM t1", "rowsort"),
  ("SELECT a, lag(a) OVER (ORDER BY a), lead(a, 2, -1) OVER (ORDER BY a) FROM t1", "rowsort"),
 ],
}

for name, queries in FILES.items():
    con = sqlite3.connect(":memory:")
    out = [f"# {name}: SELECT features over a small schema; expected results are SQLite {sqlite3.sqlite_version}'s.",
           "# Runs with: sqlassay slt corpus/slt --engine sqlite3 (or the engine with --writer sqlite3)", ""]
    for s in SETUP:
        con.execute(s)
        out.append(f"statement ok\n{s}\n")
    out.append("statement error\nSELECT nosuchcolumn FROM t1\n")
    out.append("statement error\nCREATE TABLE t1(a)\n")
    for sql, sort in queries:
        out.append(query_record(sql, con, sort=sort))
    if name == "select_basic":
        out.append("hash-threshold 8\n")
        out.append(query_record("SELECT a, b, c, e FROM t1", con, sort="rowsort"))
        out.append("onlyif mysql\nquery I nosort\nSELECT 'not for us'\n----\n999\n")
        out.append("skipif sqlite\nstatement ok\nTHIS IS NOT SQL\n")
        out.append(query_record("SELECT a FROM t1 WHERE a < 3", con, sort="rowsort").replace("rowsort", "rowsort label-small", 1))
        out.append("query I rowsort label-small\nSELECT a FROM t1 WHERE a <= 2\n----\n")
    open(__import__('pathlib').Path(__file__).with_name(f"{name}.test"), "w").write("\n".join(out))
