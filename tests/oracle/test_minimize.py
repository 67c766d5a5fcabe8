"""oracle.minimize: delta debugging and tree reduction reach small, still-failing cases."""

from oracle.generators import E, Node
from oracle.minimize import ddmin, minimize, reduce_tree
from oracle.runner import CaseRunner, Verdict


def test_ddmin_finds_the_two_needed_items():
    calls = []

    def fails(items):
        calls.append(1)
        return 3 in items and 17 in items

    assert sorted(ddmin(list(range(40)), fails)) == [3, 17]
    assert len(calls) < 200


def test_ddmin_respects_the_budget():
    budget = [5]
    out = ddmin(list(range(40)), lambda s: 3 in s, budget=budget)
    assert 3 in out and budget[0] <= 0


def test_reduce_tree_keeps_what_the_failure_needs():
    inner = E(["(", E(["a.x"], "expr.column"), " + ", E(["7"], "expr.literal"), ")"])
    where = Node("clause", [" WHERE ", E(["(", inner, " > ", E(["1"]), ")"])], "where")
    items = Node("list", [Node("item", [E(["a.y"])]), Node("item", [E(["a.z"])])], sep=", ")
    root = Node("query", ["SELECT ", items, " FROM t AS a", where], "select")
    small = reduce_tree(root, lambda q: "a.x" in q.sql())
    assert "a.x" in small.sql()
    assert small.size() < root.size()
    assert small.sql().count(",") == 0 and "7" not in small.sql()  # one column is left


def test_minimize_a_real_disagreement_against_a_mutant():
    # the LIMIT mutant returns one row too many: the minimal case needs one table and two rows
    setup = ["CREATE TABLE t(a INTEGER, b TEXT)", *[f"INSERT INTO t VALUES({i}, 'v{i}')"
                                                    for i in range(8)],
             "CREATE TABLE u(c)", "INSERT INTO u VALUES(1)", "CREATE INDEX ib ON t(b)"]
    where = Node("clause", [" WHERE ", E(["(a.a > ", E(["-1"]), ")"])], "where")
    order = Node("clause", [" ORDER BY 1 COLLATE BINARY"], "orderby")
    limit = Node("clause", [" LIMIT 1"], "limit")
    root = Node("query", ["SELECT ", Node("list", [Node("item", [E(["a.a"])]),
                                                   Node("item", [E(["a.b"])])], sep=", "),
                          " FROM t AS a", where, order, limit], "select")
    runner = CaseRunner("oracle.mutants:limit_off_by_one")
    try:
        want = runner.run_once(setup, root)
        assert isinstance(want, Verdict) and want.verdict == "finding"
        s, q = minimize(setup, root, lambda s, q: runner.run_once(s, q).key == want.key
                        and runner.run_once(s, q).verdict == "finding")
    finally:
        runner.cleanup()
    assert "LIMIT" in q.sql()
    assert "WHERE" not in q.sql() and "u" not in " ".join(s).split()
    assert len(s) <= 3  # CREATE TABLE t and the fewest rows that show the extra one


def test_shorten_values_cuts_long_literals():
    from oracle.minimize import shorten_values

    long_text = "'" + "y" * 3000 + "'"
    setup = ["CREATE TABLE t(a, b)", f"INSERT INTO t VALUES({long_text}, X'{'AB' * 900}')"]
    out = shorten_values(setup, lambda s: "INSERT INTO t VALUES('y" in s[1])
    assert len(out[1]) < 60 and out[1].startswith("INSERT INTO t VALUES('y")
    # a literal the failure needs whole stays
    assert shorten_values(setup, lambda s: "y" * 3000 in s[1])[1].count("y") == 3000
