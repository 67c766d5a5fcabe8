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
            if a.kind == "rows":
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
