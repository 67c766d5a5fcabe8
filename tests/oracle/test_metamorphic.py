"""oracle.metamorphic: TLP and NoREC hold on sqlite3 and catch a broken engine."""

import sqlite3

from oracle import metamorphic
from oracle.generators import Generator, RandomChoices, make_schema
from oracle.runner import build_database


def _cases(tmp_path, kind, n_schemas=6, per=8):
    for b in range(n_schemas):
        schema, _ = make_schema(f"9:{b}")
        path = str(tmp_path / f"m{kind}{b}.db")
        build_database(path, schema.statements)
        for i in range(per):
            g = Generator(RandomChoices(f"9:{b}:{i}"))
            yield path, metamorphic.make_case(g, schema, kind)


def test_relations_hold_on_sqlite3(tmp_path):
    for kind in ("tlp", "norec"):
        checked = 0
        for path, case in _cases(tmp_path, kind):
            con = sqlite3.connect(path)
            diff, a, b = metamorphic.check_pair(con, case)
            con.close()
            if a.kind == "rows" and b.kind == "rows":
                checked += 1
                assert diff is None, (metamorphic.queries(case), diff)
        assert checked > 20


def test_tlp_catches_broken_three_valued_logic(tmp_path):
    from oracle.mutants import not_null_true

    caught = 0
    for kind in ("tlp", "norec"):
        for path, case in _cases(tmp_path, kind, n_schemas=6, per=8):
            diff, a, _ = metamorphic.check_pair(not_null_true(path), case)
            if diff is not None and diff.kind != "unsupported" and a.kind == "rows":
                caught += 1
    assert caught > 0


def test_index_independence_catches_a_planner_bug(tmp_path):
    from oracle.mutants import join_drops_condition

    setup = ["CREATE TABLE a(x)", "CREATE TABLE b(y)", "INSERT INTO a VALUES(1),(2)",
             "INSERT INTO b VALUES(1),(3)", "CREATE INDEX by ON b(y)"]
    with_idx, without = str(tmp_path / "i.db"), str(tmp_path / "n.db")
    build_database(with_idx, setup)
    build_database(without, metamorphic.without_indexes(setup))
    assert "CREATE INDEX by ON b(y)" not in metamorphic.without_indexes(setup)
    sql = "SELECT a.x, b.y FROM a JOIN b ON b.y = a.x"
    got = sorted(join_drops_condition(with_idx).execute(sql).fetchall())
    ref = sorted(join_drops_condition(without).execute(sql).fetchall())
    assert got != ref and ref == [(1, 1)]


NEW_KINDS = ("tlp_agg", "tlp_distinct", "tlp_groupby")


def test_aggregate_distinct_and_group_by_tlp_hold_on_sqlite3(tmp_path):
    """SQLancer's TLP for aggregates, DISTINCT and GROUP BY: sound on sqlite3 itself."""
    for kind in NEW_KINDS:
        checked, aggs = 0, set()
        for path, case in _cases(tmp_path, kind, n_schemas=6, per=10):
            con = sqlite3.connect(path)
            diff, a, b = metamorphic.check_pair(con, case)
            con.close()
            aggs.add(case.meta.get("aggregate"))
            if a.kind == "rows" and b.kind == "rows":
                checked += 1
                assert diff is None, (metamorphic.queries(case), diff)
        assert checked > 30, kind
        if kind == "tlp_agg":
            assert aggs == set(metamorphic.AGGREGATE_RECOMBINE)


def test_aggregate_tlp_recombines_partial_aggregates():
    """The partitioned query of each aggregate is what SQLancer runs (shape pinned on sqlite3)."""
    con = sqlite3.connect(":memory:")
    con.executescript("CREATE TABLE t(x); INSERT INTO t VALUES (1),(NULL),(3),(-2),(1.0),('a')")
    g = Generator(RandomChoices("agg"))
    schema, _ = make_schema("9:0")
    for fn in sorted(metamorphic.AGGREGATE_RECOMBINE):
        case = metamorphic.make_case(g, schema, "tlp_agg")
        case.meta["aggregate"] = fn
        case.parts[0].parts[0].parts = ["x"]
        case.parts[1].parts = ["t"]
        case.parts[2].parts = ["x > 0"]
        whole, parts = metamorphic.queries(case)
        assert con.execute(whole).fetchall() == con.execute(parts).fetchall(), fn
        # a broken partition (a row of NOT p counted twice) is seen by count and sum
        broken = parts.replace("WHERE (x > 0) IS NULL", "WHERE (x > 0) IS NULL OR x = 3")
        if fn in ("count", "count(*)", "sum", "total"):
            assert con.execute(whole).fetchall() != con.execute(broken).fetchall(), fn


def test_new_relations_catch_mutants(tmp_path):
    """Aggregate TLP sees broken three-valued logic, DISTINCT TLP a DISTINCT that keeps
    duplicates, GROUP BY TLP a lost group; sqlite3 itself keeps each relation there."""
    from oracle.mutants import distinct_ignored, group_by_drops_last_group, not_null_true

    for kind, mutant in (("tlp_agg", not_null_true), ("tlp_distinct", distinct_ignored),
                         ("tlp_groupby", group_by_drops_last_group)):
        caught = 0
        for path, case in _cases(tmp_path, kind, n_schemas=6, per=10):
            diff, a, b = metamorphic.check_pair(mutant(path), case)
            if diff is not None and diff.kind != "unsupported" and "rows" == a.kind == b.kind:
                ref = metamorphic.check_pair(sqlite3.connect(path), case)[0]
                assert ref is None
                caught += 1
        assert caught > 0, kind
