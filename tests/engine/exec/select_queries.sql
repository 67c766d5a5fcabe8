# Differential queries over the fixed database of conftest.py (one per line).
# Every top-level ORDER BY is total (ends in a unique key), so the order is defined.
# -- scans, projection, names
SELECT * FROM t
SELECT a, b, c FROM t ORDER BY a DESC
SELECT t.* FROM t
SELECT rowid, oid, _rowid_, a FROM t
SELECT a  +  1, b*2, (c), c || 'x' FROM t
SELECT * FROM w
SELECT k, v FROM w ORDER BY k DESC
SELECT * FROM emptyt
SELECT 1, 'a', NULL, x'0102', 1.5, -3, 0x1F, 1e3
SELECT 1 AS one, 2 two
# -- WHERE, comparisons and affinity
SELECT a FROM t WHERE b = 3
SELECT a FROM t WHERE b = '3'
SELECT a FROM t WHERE c = 12
SELECT a FROM t WHERE c = '12'
SELECT a FROM t WHERE f = '12'
SELECT a FROM t WHERE g = '1'
SELECT a FROM t WHERE g = 1
SELECT a FROM t WHERE b > 5 AND b <= 8
SELECT a FROM t WHERE b BETWEEN 2 AND 4
SELECT a FROM t WHERE b NOT BETWEEN 2 AND 4
SELECT a FROM t WHERE d > 10
SELECT a FROM t WHERE c > 'a'
SELECT a FROM t WHERE c < 'a'
SELECT a FROM t WHERE b IS NULL
SELECT a FROM t WHERE b IS NOT NULL AND c IS NULL
SELECT a FROM t WHERE b ISNULL OR d NOTNULL
SELECT a FROM t WHERE b IS 3
SELECT a FROM t WHERE b IS NOT 3
SELECT a FROM t WHERE NOT b
SELECT a FROM t WHERE c
SELECT a FROM t WHERE b IN (1, 2, 3)
SELECT a FROM t WHERE b NOT IN (1, 2, NULL)
SELECT a FROM t WHERE c IN ('x', 'X', 12)
SELECT a FROM t WHERE b IN ('1', '2')
SELECT a FROM t WHERE c LIKE 'a%'
SELECT a FROM t WHERE c NOT LIKE '%b%'
SELECT a FROM t WHERE c LIKE 'Z_'
SELECT a FROM t WHERE c GLOB '[a-z]*'
SELECT a FROM t WHERE c LIKE '%\%' ESCAPE '\'
SELECT a FROM t WHERE e = x'01'
SELECT a FROM t WHERE c = 'x' COLLATE NOCASE
SELECT a FROM t WHERE c COLLATE NOCASE = 'ABC'
SELECT a FROM t WHERE c = 'z' COLLATE RTRIM
SELECT x, y FROM u WHERE y = 'ABC'
SELECT x, y FROM u WHERE y = 'abc' COLLATE BINARY
SELECT x, y FROM u WHERE y > 'w'
SELECT a FROM t WHERE a = 7
SELECT a FROM t WHERE a = '7'
SELECT a FROM t WHERE a = 7.0
SELECT a FROM t WHERE a = 7.5
SELECT a FROM t WHERE a > 50
SELECT a FROM t WHERE a >= 10 AND a < 13
SELECT a FROM t WHERE a < 3 OR a > 58
SELECT a FROM t WHERE a IN (3, 5, 99)
SELECT * FROM w WHERE k = 'k05'
SELECT * FROM w WHERE k > 'k15'
# -- expressions
SELECT a, b + d, b - d, b * d, b / 2, b % 3, -b, +c, ~b FROM t
SELECT a, f + 1, g * 2, g || f FROM t
SELECT 9223372036854775807 + 1, -9223372036854775808 - 1, 9223372036854775807 * 2
SELECT 5 / 2, 5.0 / 2, 5 / 0, 5 % 0, -7 % 3, 7 % -3, 7.5 % 2
SELECT 1 << 3, 256 >> 4, 5 & 3, 5 | 3, ~0, 1 << 64, 1 << -1
SELECT 'a' || 1 || 1.5 || NULL, 'x' || x'41'
SELECT NULL AND 0, NULL AND 1, NULL OR 1, NULL OR 0, NOT NULL, 1 AND 'x'
SELECT 1 = 1.0, '1' = 1, 'a' < 'b', x'00' > 'z', NULL = NULL, NULL IS NULL
SELECT CAST('12abc' AS INTEGER), CAST('1.5e2' AS REAL), CAST(12 AS TEXT), CAST(x'3132' AS INTEGER), CAST('x' AS BLOB), CAST(1.0 AS NUMERIC)
SELECT a, CAST(d AS INTEGER), CAST(c AS NUMERIC), CAST(b AS REAL) FROM t
SELECT a, CASE b WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END FROM t
SELECT a, CASE WHEN b > 5 THEN 'big' WHEN b > 2 THEN 'mid' END FROM t
SELECT a, CASE c WHEN 12 THEN 'n' WHEN 'x' THEN 'x' END FROM t
SELECT coalesce(b, d, -1), ifnull(c, 'none'), nullif(b, 3), iif(b > 4, 'hi', 'lo') FROM t
SELECT abs(b - 5), length(c), upper(c), lower(c), typeof(g), typeof(f) FROM t
SELECT substr(c, 2), substr(c, 1, 2), trim(c), replace(c, 'x', 'y'), instr(c, 'b') FROM t
SELECT round(d), round(d, 1), hex(e), quote(g), max(b, d), min(b, d) FROM t
SELECT printf('%d-%s-%.2f', b, c, d) FROM t
SELECT likely(b), unlikely(c), likelihood(d, 0.5) FROM t
# -- ORDER BY, LIMIT
SELECT a, b FROM t ORDER BY b, a
SELECT a, b FROM t ORDER BY b DESC, a
SELECT a, b FROM t ORDER BY b NULLS LAST, a
SELECT a, b FROM t ORDER BY b DESC NULLS FIRST, a
SELECT a, c FROM t ORDER BY c COLLATE NOCASE, a
SELECT a, c FROM t ORDER BY c DESC, a DESC
SELECT a, g FROM t ORDER BY g, a
SELECT a, b FROM t ORDER BY 2, 1
SELECT a AS q, b FROM t ORDER BY q DESC
SELECT a, b FROM t ORDER BY b + a, a
SELECT a FROM t ORDER BY a LIMIT 5
SELECT a FROM t ORDER BY a LIMIT 5 OFFSET 10
SELECT a FROM t ORDER BY a LIMIT 10, 5
SELECT a FROM t ORDER BY a LIMIT -1 OFFSET 55
SELECT a FROM t ORDER BY a LIMIT 0
SELECT a FROM t ORDER BY a DESC LIMIT 3
SELECT y FROM u ORDER BY y
SELECT x, y FROM u ORDER BY x, y
SELECT k FROM w ORDER BY k LIMIT 3
# -- DISTINCT
SELECT DISTINCT b FROM t
SELECT DISTINCT b, c FROM t
SELECT DISTINCT c COLLATE NOCASE FROM t
SELECT DISTINCT y FROM u
SELECT DISTINCT b FROM t ORDER BY b
# -- aggregates
SELECT count(*), count(b), count(DISTINCT b), sum(b), total(b), avg(b), min(b), max(b) FROM t
SELECT sum(d), avg(d), min(d), max(d) FROM t
SELECT min(c), max(c), min(g), max(g), min(e), max(e) FROM t
SELECT group_concat(c), group_concat(c, ';'), group_concat(DISTINCT b) FROM t
SELECT b, count(*), sum(d) FROM t GROUP BY b
SELECT b, count(*) FROM t GROUP BY b HAVING count(*) > 5
SELECT b, count(*) FROM t GROUP BY b ORDER BY count(*) DESC, b
SELECT lower(c), count(*) FROM t GROUP BY c COLLATE NOCASE ORDER BY 2, 1
SELECT b % 3, max(a) FROM t GROUP BY 1
SELECT b, max(a), c FROM t GROUP BY b
SELECT b, min(d), a FROM t GROUP BY b
SELECT count(*), a FROM t
SELECT sum(f), sum(g), total(g), avg(g) FROM t
SELECT count(*) FROM t WHERE b > 100
SELECT sum(b), max(b), avg(b), group_concat(b) FROM t WHERE b > 100
SELECT b, count(*) FROM t WHERE b > 100 GROUP BY b
SELECT count(*) FILTER (WHERE b > 3), sum(a) FILTER (WHERE c IS NULL) FROM t
SELECT dept, count(*), avg(salary) FROM emp GROUP BY dept
SELECT dept, sum(salary) AS s FROM emp GROUP BY dept HAVING s > 100000
SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)
SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1.0)
SELECT total(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)
SELECT group_concat(x) FROM (SELECT '' AS x)
SELECT count(*) FROM emptyt
SELECT max(p), sum(q), group_concat(p) FROM emptyt
SELECT p, count(*) FROM emptyt GROUP BY p
SELECT 1 FROM t HAVING count(*) > 1
# -- joins
SELECT t.a, u.y FROM t, u WHERE t.b = u.x
SELECT t.a, u.y FROM t JOIN u ON t.b = u.x AND u.y > 'a'
SELECT t.a, u.y FROM t INNER JOIN u ON t.b = u.x WHERE t.d > 5
SELECT t.a, u.y FROM t LEFT JOIN u ON t.b = u.x
SELECT t.a, u.y FROM t LEFT JOIN u ON t.b = u.x WHERE u.y IS NULL
SELECT t.a, u.y FROM t LEFT JOIN u ON t.b = u.x AND u.x > 5
SELECT t.a, u.y FROM u RIGHT JOIN t ON t.b = u.x
SELECT t.a, u.y FROM t FULL JOIN u ON t.b = u.x
SELECT t.a, u.y FROM t CROSS JOIN u WHERE t.a = u.x
SELECT * FROM emp JOIN dept ON emp.dept = dept.id
SELECT * FROM emp JOIN dept USING (id)
SELECT * FROM emp NATURAL JOIN dept
SELECT e.name, b.name FROM emp e LEFT JOIN emp b ON e.boss = b.id
SELECT e.name, d.title, count(*) FROM emp e JOIN dept d ON e.dept = d.id JOIN emp e2 ON e2.dept = d.id GROUP BY e.id
SELECT t1.a, t2.a FROM t t1, t t2 WHERE t1.b = t2.b AND t1.a < t2.a AND t1.a < 10
SELECT count(*) FROM t t1, t t2
SELECT * FROM t JOIN w ON t.c = w.k
SELECT a, k FROM t, w WHERE t.b = w.v
SELECT u.y, t.c FROM u JOIN t ON u.y = t.c
# -- subqueries
SELECT a, (SELECT y FROM u WHERE u.x = t.b ORDER BY y LIMIT 1) FROM t
SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.b)
SELECT a FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.x = t.b)
SELECT a FROM t WHERE b IN (SELECT x FROM u)
SELECT a FROM t WHERE b NOT IN (SELECT x FROM u)
SELECT a FROM t WHERE b NOT IN (SELECT x FROM u WHERE x IS NOT NULL)
SELECT a FROM t WHERE c IN (SELECT y FROM u)
SELECT a FROM t WHERE b = (SELECT max(x) FROM u)
SELECT (SELECT count(*) FROM t), (SELECT max(y) FROM u)
SELECT a, (SELECT count(*) FROM t AS t2 WHERE t2.b = t.b) FROM t
SELECT * FROM (SELECT a, b FROM t WHERE b > 5) AS s WHERE s.b < 8
SELECT s.* FROM (SELECT b, count(*) AS n FROM t GROUP BY b) s WHERE n > 5
SELECT * FROM (SELECT 1 AS a, 2 AS a)
SELECT m FROM (SELECT max(a) AS m FROM t)
SELECT name FROM emp WHERE salary > (SELECT avg(salary) FROM emp e2 WHERE e2.dept = emp.dept)
SELECT x FROM (SELECT b + 1 AS x FROM t) WHERE x IN (SELECT b FROM t)
# -- compound
SELECT b FROM t UNION SELECT x FROM u
SELECT b FROM t UNION ALL SELECT x FROM u
SELECT b FROM t INTERSECT SELECT x FROM u
SELECT b FROM t EXCEPT SELECT x FROM u
SELECT b FROM t UNION SELECT x FROM u ORDER BY 1 DESC
SELECT a, c FROM t WHERE a < 5 UNION ALL SELECT x, y FROM u ORDER BY 1, 2 LIMIT 7
SELECT c FROM t UNION SELECT y FROM u ORDER BY c
SELECT 1 UNION SELECT 2 UNION SELECT 1 ORDER BY 1
SELECT 1, 2 UNION SELECT 3
VALUES (1, 'a'), (2, 'b'), (3, NULL)
SELECT * FROM (VALUES (1, 2), (3, 4))
SELECT column1 FROM (VALUES (5), (6)) ORDER BY 1 DESC
# -- views and CTEs
SELECT * FROM vt
SELECT * FROM vt WHERE b2 > 10
SELECT who, pay FROM vemp WHERE pay > 50000
WITH c AS (SELECT a, b FROM t WHERE b > 5) SELECT * FROM c WHERE a < 30
WITH c(p, q) AS (SELECT a, b FROM t) SELECT q, count(*) FROM c GROUP BY q
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r
WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n % 4 + 1 FROM r) SELECT * FROM r
WITH RECURSIVE f(n, v) AS (SELECT 1, 1 UNION ALL SELECT n + 1, v * (n + 1) FROM f WHERE n < 15) SELECT * FROM f
WITH RECURSIVE chain(id, name, depth) AS (SELECT id, name, 0 FROM emp WHERE boss IS NULL UNION ALL SELECT emp.id, emp.name, chain.depth + 1 FROM emp JOIN chain ON emp.boss = chain.id) SELECT * FROM chain
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r LIMIT 5
WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a) SELECT * FROM a, b
# -- window functions
SELECT a, row_number() OVER (ORDER BY a DESC) FROM t
SELECT a, b, rank() OVER (ORDER BY b), dense_rank() OVER (ORDER BY b) FROM t
SELECT a, b, percent_rank() OVER (ORDER BY b), cume_dist() OVER (ORDER BY b) FROM t
SELECT a, ntile(4) OVER (ORDER BY a), ntile(7) OVER (ORDER BY a) FROM t
SELECT a, lag(a) OVER (ORDER BY a), lead(a, 2) OVER (ORDER BY a), lag(a, 3, -1) OVER (ORDER BY a) FROM t
SELECT a, b, sum(a) OVER (PARTITION BY b) FROM t
SELECT a, b, sum(a) OVER (PARTITION BY b ORDER BY a) FROM t
SELECT a, sum(a) OVER (ORDER BY a ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING) FROM t
SELECT a, sum(d) OVER (ORDER BY a ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t
SELECT a, avg(d) OVER (ORDER BY a ROWS 3 PRECEDING) FROM t
SELECT a, b, count(*) OVER (ORDER BY b RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t
SELECT a, b, count(*) OVER (ORDER BY b GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t
SELECT a, b, sum(a) OVER (ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) FROM t
SELECT a, b, sum(a) OVER (ORDER BY b RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) FROM t
SELECT a, b, sum(a) OVER (ORDER BY b RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE TIES) FROM t
SELECT a, first_value(a) OVER w, last_value(a) OVER w, nth_value(a, 2) OVER w FROM t WINDOW w AS (PARTITION BY b ORDER BY a)
SELECT a, min(a) OVER (PARTITION BY b), max(c) OVER (PARTITION BY b) FROM t
SELECT a, group_concat(a) OVER (PARTITION BY b ORDER BY a) FROM t
SELECT a, count(b) OVER (), count(*) OVER () FROM t
SELECT b, count(*), sum(count(*)) OVER (ORDER BY b) FROM t GROUP BY b
SELECT a, row_number() OVER (PARTITION BY b ORDER BY a) AS rn FROM t ORDER BY b, rn
SELECT dept, name, rank() OVER (PARTITION BY dept ORDER BY salary DESC) FROM emp
SELECT a, sum(a) FILTER (WHERE b > 3) OVER (ORDER BY a) FROM t
# -- errors
SELECT * FROM nosuch
SELECT nosuch FROM t
SELECT t.nosuch FROM t
SELECT nosuch.a FROM t
SELECT a FROM t, t AS t2
SELECT b FROM t JOIN u ON 1
SELECT count(*) FROM t WHERE count(*) > 1
SELECT nosuchfn(a) FROM t
SELECT abs(1, 2)
SELECT a FROM t ORDER BY 5
SELECT a FROM t GROUP BY 3
SELECT 1 UNION SELECT 1, 2
SELECT * 
SELECT rank() FROM t
SELECT sum(a) OVER nosuchwindow FROM t
SELECT (SELECT 1, 2)
SELECT x FROM (SELECT 1 AS a)
SELECT ntile(0) OVER () FROM t
SELECT a FROM t WHERE a IN (SELECT 1, 2)
SELECT 1 FROM t HAVING a
# -- more: correlated derived tables, USING with outer joins, named windows, LIMIT forms
SELECT (SELECT count(*) FROM (SELECT * FROM u WHERE u.x = t.b)) FROM t
SELECT * FROM emp NATURAL LEFT JOIN dept
SELECT * FROM emp LEFT JOIN dept USING (id)
SELECT * FROM dept RIGHT JOIN emp USING (id)
SELECT * FROM dept FULL JOIN emp USING (id)
SELECT id, title FROM dept FULL JOIN emp USING (id)
SELECT a FROM t WHERE a IN (SELECT a FROM t WHERE b = t.b AND a < 5)
SELECT sum(a) OVER win, b FROM t WINDOW win AS (PARTITION BY b)
SELECT a, sum(a) OVER (w ORDER BY a) FROM t WINDOW w AS (PARTITION BY b)
SELECT b, sum(a) FILTER (WHERE a > 3) OVER (PARTITION BY b) FROM t
SELECT max(a) FROM t GROUP BY b HAVING max(a) > 50 ORDER BY 1
SELECT b, (SELECT max(a) FROM t AS t2 WHERE t2.b = t.b) FROM t GROUP BY b
SELECT count(*) FROM (SELECT DISTINCT b FROM t)
SELECT a FROM t ORDER BY (SELECT count(*) FROM u WHERE u.x = t.b), a
SELECT b AS z, count(*) FROM t GROUP BY z ORDER BY z
SELECT a FROM t WHERE b IN (SELECT x FROM u) AND c NOT IN (SELECT y FROM u) ORDER BY a
SELECT * FROM t LIMIT (SELECT 3)
SELECT * FROM t LIMIT 'a'
SELECT * FROM t LIMIT 2.5
SELECT upper(c) AS u1 FROM t WHERE u1 = 'X'
SELECT DISTINCT b, count(*) FROM t GROUP BY b
SELECT avg(DISTINCT b) FROM t
SELECT count(DISTINCT c COLLATE NOCASE) FROM t
SELECT min(c COLLATE NOCASE), max(y) FROM t, u
SELECT x, count(*) FROM u GROUP BY x HAVING x > 3
SELECT * FROM (SELECT b, count(*) c FROM t GROUP BY b) ORDER BY c DESC, b
WITH x AS (SELECT * FROM t) SELECT count(*) FROM x AS a1 JOIN x AS a2 ON a1.a = a2.a
SELECT 1 FROM t WHERE EXISTS (SELECT 1) LIMIT 1
SELECT c, row_number() OVER (ORDER BY c DESC NULLS FIRST, a) FROM t
SELECT total(a) OVER (ORDER BY a RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING) FROM t
SELECT b, ntile(2) OVER (PARTITION BY b ORDER BY a) FROM t
SELECT rowid FROM w
SELECT t.a FROM t JOIN u ON a = x WHERE y LIKE 'w%'
SELECT a FROM t INDEXED BY t_b WHERE b = 1
SELECT * FROM sqlite_master
SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name
SELECT date('2020-01-01', '+1 month'), strftime('%Y', '2021-05-05'), julianday('2000-01-01')
SELECT printf('%5.2f|%-4d|%s', 3.14159, 42, 'x'), format('%q', 'it''s')
SELECT sum(a) FROM t GROUP BY b ORDER BY sum(a) DESC LIMIT 3
SELECT a FROM t UNION SELECT b FROM t ORDER BY a LIMIT 5
SELECT a AS k FROM t EXCEPT SELECT x FROM u ORDER BY k DESC LIMIT 3
SELECT * FROM (SELECT a FROM t ORDER BY a DESC LIMIT 5) ORDER BY a
SELECT count(*) FROM t WHERE c LIKE '%' || 'b' || '%'
SELECT CASE WHEN a % 2 THEN 'odd' ELSE 'even' END AS p, count(*) FROM t GROUP BY p
# -- row values
SELECT (1,2) = (1,2), (1,2) = (1,3), (1,NULL) = (1,2), (2,NULL) = (1,2), (1,2) <> (1,3), (1,NULL) <> (2, 1)
SELECT (1,2) < (1,3), (1,2) < (1,2), (1,2) <= (1,2), (1, NULL) < (2, 0), (1,NULL) < (1, 2), (2,1) > (1, 5), (NULL, 1) < (1, 2)
SELECT a FROM t WHERE (b, c) = (3, 'x')
SELECT a FROM t WHERE (b, a) > (8, 30)
SELECT (1,2) = (1,2,3)
SELECT (1,2)
# -- limits
SELECT a FROM t WHERE a = (SELECT a FROM t WHERE a = 3)
SELECT 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
# -- error messages and odd corners
SELECT a FROM t UNION SELECT b FROM t ORDER BY c
SELECT sum(count(*)) FROM t
SELECT count(*) FROM t GROUP BY sum(a)
SELECT a FROM t GROUP BY a HAVING row_number() OVER ()
SELECT row_number() OVER (ORDER BY a) FROM t WHERE row_number() OVER () > 1
SELECT a FROM t WHERE a IN (SELECT a, b FROM t)
SELECT count(DISTINCT a, b) FROM t
SELECT count(*) FILTER (WHERE a) OVER () FROM t
SELECT abs() FROM t
SELECT min() FROM t
SELECT max(*) FROM t
SELECT coalesce(1)
SELECT nullif(1,1), nullif('a' COLLATE NOCASE, 'A')
SELECT sum(a) FROM t GROUP BY 0
SELECT a FROM t ORDER BY 0
SELECT a FROM t LIMIT -1
SELECT a FROM t ORDER BY a LIMIT 2 OFFSET -1
SELECT DISTINCT a, a FROM t ORDER BY 1 LIMIT 3
SELECT 1 FROM t AS x JOIN t AS x
SELECT * FROM t AS x, u AS x
SELECT x.* FROM t
SELECT t.rowid, u.rowid FROM t JOIN u ON t.b = u.x ORDER BY 1, 2 LIMIT 3
SELECT rowid FROM (SELECT a FROM t)
SELECT a FROM t ORDER BY a COLLATE NOCASE DESC LIMIT 2
SELECT CASE WHEN 1 THEN 2 END, CASE 1 WHEN NULL THEN 'n' ELSE 'e' END
SELECT a, b FROM t GROUP BY a HAVING b > 5 ORDER BY a
SELECT char(65, 66), unicode('A'), zeroblob(2), quote(x'ab'), soundex('Robert')
SELECT sum(a) / count(*), avg(a) FROM t GROUP BY b ORDER BY 1, 2
SELECT 'abc' LIKE 'ABC', 'abc' GLOB 'ABC', x'61' LIKE 'a'
SELECT ALL a FROM t WHERE a < 3
SELECT rowid FROM t, (SELECT 1 AS one) ORDER BY 1 LIMIT 3
SELECT rowid FROM t, u
SELECT t.rowid, u.rowid FROM t, u WHERE t.a = u.rowid ORDER BY 1
# -- found by a grammar fuzzer
SELECT max(a) OVER (ORDER BY max(c) OVER ()) FROM t
SELECT count(row_number() OVER ()) OVER () FROM t
SELECT sum(max(a) OVER ()) FROM t
SELECT sum(count()) OVER (ORDER BY 1.5) FROM u WHERE 'a'
SELECT 1 FROM t ORDER BY 9223372036854775807 LIMIT 1
SELECT a FROM t ORDER BY -1
SELECT a FROM t ORDER BY 0x1 LIMIT 2
SELECT sum(d) OVER (ORDER BY sum(1)) FROM t, u
SELECT sum(d) OVER (PARTITION BY count(*)) FROM t
SELECT count(*) FROM u WHERE 'abc' IN (y, 1)
SELECT count(*) FROM u WHERE 'ABC' IN (y)
SELECT count(*) FROM u WHERE y IN ('ABC')
SELECT x, 'abc' IN (y, 'q'), y IN ('ABC', 'Q') FROM u
SELECT max(a) OVER (ORDER BY b) FROM t ORDER BY count(1) LIMIT 1
SELECT 1 FROM t HAVING f ORDER BY avg(1)
SELECT a FROM t ORDER BY count(*)
SELECT count(*) FROM t ORDER BY sum(a)
