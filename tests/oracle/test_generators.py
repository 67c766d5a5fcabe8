"""oracle.generators: reproducible, valid for sqlite3, covering the grammar and the values."""

import math
import re
import sqlite3
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.generators import (
    BLOB_EDGES,
    INT_EDGES,
    REAL_EDGES,
    TEXT_EDGES,
    Generator,
    Node,
    RandomChoices,
    cases,
    make_query,
    make_schema,
    missing_features,
    parameters,
    sql_literal,
)
from oracle.runner import build_database


def test_same_seed_same_case_different_seed_different_case():
    s1, _ = make_schema("7:1")
    s2, _ = make_schema("7:1")
    assert s1.statements == s2.statements
    q1 = make_query(s1, "7:1:3")[0].sql()
    assert q1 == make_query(s2, "7:1:3")[0].sql()
    others = {make_query(s1, f"7:1:{i}")[0].sql() for i in range(20)}
    assert len(others) > 15


def test_literals_round_trip_through_sqlite3():
    con = sqlite3.connect(":memory:")
    for v in INT_EDGES + REAL_EDGES + TEXT_EDGES + BLOB_EDGES + [None]:
        (got,) = con.execute(f"SELECT {sql_literal(v)}").fetchone()
        assert type(got) is type(v)
        if isinstance(v, float):
            assert got == v and math.copysign(1, got) == math.copysign(1, v)
        else:
            assert got == v


def test_schemas_build_and_hold_every_storage_class(tmp_path):
    classes, decls = Counter(), Counter()
    features = Counter()
    for b in range(14):
        schema, _ = make_schema(f"1:{b}")
        features.update(schema.features)
        path = str(tmp_path / f"s{b}.db")
        done = build_database(path, schema.statements)
        assert all(s in done for s in schema.statements if s.startswith("CREATE TABLE"))
        con = sqlite3.connect(path)
        for t in schema.tables:
            for c in t.columns:
                decls[c.affinity] += 1
                for (k,) in con.execute(f"SELECT typeof({c.name}) FROM {t.name}"):
                    classes[k] += 1
        con.close()
    assert set(classes) == {"null", "integer", "real", "text", "blob"}
    assert set(decls) == {"integer", "text", "blob", "real", "numeric"}
    for f in ("schema.without_rowid", "schema.integer_primary_key", "schema.index_multi",
              "schema.collate.NOCASE", "schema.index_collate"):
        assert features[f] > 0, f


def test_queries_are_mostly_valid_and_cover_the_grammar(tmp_path):
    tags, errors, total = Counter(), 0, 0
    for b in range(12):
        schema, _ = make_schema(f"2:{b}")
        path = str(tmp_path / f"q{b}.db")
        build_database(path, schema.statements)
        con = sqlite3.connect(path)
        for i in range(30):
            q, _ = make_query(schema, f"2:{b}:{i}")
            tags.update(q.tags())
            total += 1
            try:
                con.execute(q.sql()).fetchall()
            except sqlite3.Error:
                errors += 1
        con.close()
    assert errors / total < 0.2
    for feature in ("expr.case", "expr.between", "expr.in_subquery", "expr.exists",
                    "expr.scalar_subquery", "agg.count_star", "groupby", "having", "orderby",
                    "limit", "select.distinct", "join.left", "from.subquery", "expr.cast.text",
                    "expr.like", "func.substr"):
        assert tags[feature] > 0, feature
    assert any(t.startswith("compound.") for t in tags)
    assert any(t.startswith("window.") for t in tags)


def test_depth_control_bounds_the_size():
    schema, _ = make_schema("3:0")
    small = [Generator(RandomChoices(f"s{i}"), max_depth=1).query(schema).size()
             for i in range(40)]
    big = [Generator(RandomChoices(f"s{i}"), max_depth=4).query(schema).size()
           for i in range(40)]
    assert sum(small) < sum(big)


@settings(max_examples=30, deadline=None)
@given(cases(max_depth=2))
def test_hypothesis_strategy_produces_runnable_cases(case):
    con = sqlite3.connect(":memory:")
    for s in case.setup:
        try:
            con.execute(s)
        except sqlite3.Error:
            pass
    try:
        con.execute(case.sql).fetchall()
    except sqlite3.Error:
        pass  # an invalid query is allowed; a Python error is not


@pytest.mark.slow
def test_hypothesis_shrinks_towards_simple_cases():
    """Hypothesis's own shrinking through DrawChoices (slow: about a minute)."""
    from hypothesis import find

    from oracle.generators import queries

    schema, _ = make_schema("5:0")
    found = find(queries(schema, max_depth=2), lambda q: "LEFT JOIN" in q.sql(),
                 settings=settings(database=None, derandomize=True, max_examples=300))
    assert "LEFT JOIN" in found.sql()
    assert len(found.sql()) < 250, found.sql()


def test_draw_choices_match_the_choice_protocol():
    @given(st.data())
    @settings(max_examples=5, deadline=None)
    def inner(data):
        from oracle.generators import DrawChoices

        c = DrawChoices(data)
        assert 0 <= c.integer(0, 3) <= 3
        assert c.choice("abc") in "abc"
        assert c.chance(0.5) in (True, False)

    inner()


# -- the wider grammar: every SELECT feature of the engine's SQL issue ------------------------


def reversed_sqlite3(path):
    """stdlib sqlite3 that scans unordered SELECTs backwards (PRAGMA reverse_unordered_selects).

    Same engine, different scan order: everything the order of a scan may change (ties,
    representatives of equal values, sums, group_concat, windows over peers) shows up
    against plain sqlite3 unless the generator and the comparison policy handle it.
    """
    con = sqlite3.connect(path)
    con.execute("PRAGMA reverse_unordered_selects=ON")
    return con


def test_every_feature_in_a_modest_campaign_and_sound_against_sqlite3():
    """A 600-query campaign, sqlite3 (scanning backwards) against sqlite3: zero findings,
    and every feature of :data:`FEATURES` in its coverage table."""
    from oracle.runner import run_campaign

    report = run_campaign(600, seed=3, jobs=2,
                          target="tests.oracle.test_generators:reversed_sqlite3",
                          minimize=False)
    assert report.done == 600
    assert [(f.oracle, f.kind, f.sql) for f in report.all_findings] == []
    assert missing_features(report.coverage) == []
    assert report.agreed / report.done > 0.97


def test_plain_sqlite3_against_itself_covers_every_feature():
    from oracle.runner import run_campaign

    report = run_campaign(600, seed=4, jobs=2, target="sqlite3", minimize=False)
    assert report.all_findings == []
    assert missing_features(report.coverage) == []


def test_missing_features_is_able_to_fail():
    assert "window.ntile" in missing_features({"window.rank": 1})
    assert "func.math" not in missing_features({"func.math.sqrt": 1})
    assert "func.math" in missing_features({"func.mathx": 1})


def test_wide_queries_are_mostly_valid_for_sqlite3(tmp_path):
    """More than 90% of generated queries (with their parameters bound) run on sqlite3."""
    errors, total = Counter(), 0
    for b in range(15):
        schema, _ = make_schema(f"12:{b}")
        path = str(tmp_path / f"w{b}.db")
        build_database(path, schema.statements)
        con = sqlite3.connect(path)
        for i in range(40):
            q, _ = make_query(schema, f"12:{b}:{i}")
            total += 1
            params = parameters(q)
            try:
                con.execute(q.sql(), () if params is None else params).fetchall()
            except sqlite3.Error as exc:
                errors[str(exc)[:40]] += 1
        con.close()
    assert sum(errors.values()) / total < 0.1, errors.most_common(5)


def test_parameters_bind_in_every_style_and_follow_the_minimized_tree():
    schema, _ = make_schema("13:0")
    seen = Counter()
    con = sqlite3.connect(":memory:")
    for s in schema.statements:
        con.execute(s)
    for i in range(400):
        q, _ = make_query(schema, f"13:0:{i}")
        style = q.meta.get("param_style")
        if not style:
            assert parameters(q) is None
            continue
        seen[style] += 1
        params = parameters(q)
        nodes = [n for n in q.walk() if n.tag and n.tag.startswith("param.")]
        if style == "?":
            assert len(params) == len(nodes) == q.sql().count("?")
        elif style == "?NNN":
            assert len(params) == max(n.meta["index"] for n in nodes)
        else:
            assert set(params) == {n.meta["name"] for n in nodes}
        try:
            con.execute(q.sql(), params).fetchall()
        except sqlite3.ProgrammingError as exc:  # a binding mistake of ours
            raise AssertionError((q.sql(), params)) from exc
        except sqlite3.Error:
            pass
    assert set(seen) == {"?", "?NNN", ":name"}
    # dropping a parameter (what the minimizer does) still binds what is left
    q = next(make_query(schema, f"13:0:{i}")[0] for i in range(400)
             if make_query(schema, f"13:0:{i}")[0].meta.get("param_style") == "?NNN")
    for n in q.walk():
        for j, p in enumerate(n.parts):
            if isinstance(p, Node) and p.tag == "param.numbered":
                n.parts[j] = Node("expr", ["NULL"], "expr.literal")
                break
    params = parameters(q)
    left = [n.meta["index"] for n in q.walk() if n.tag == "param.numbered"]
    assert len(params) == max(left, default=0)


def test_recursive_ctes_are_bounded():
    """Every recursive CTE stops: by a bound the step moves towards, and by a LIMIT."""
    found = 0
    for b in range(6):
        schema, _ = make_schema(f"14:{b}")
        for i in range(200):
            q, _ = make_query(schema, f"14:{b}:{i}")
            for n in q.walk():
                if n.tag == "cte.recursive_bounded":
                    found += 1
                    assert " LIMIT " in n.sql()
                    con = sqlite3.connect(":memory:")
                    body = re.sub(r"FROM q\d+ ", "FROM q0 ", n.sql())
                    (rows,) = con.execute(f"WITH RECURSIVE q0(n) AS ({body}) "
                                          "SELECT count(*) FROM q0").fetchone()
                    assert rows <= 12
    assert found > 5


def test_window_order_is_total_where_the_function_needs_it():
    """row_number & co. order by every column under BINARY with typeof: ties are identical."""
    schema, _ = make_schema("15:0")
    checked = 0
    for i in range(600):
        q, _ = make_query(schema, f"15:0:{i}")
        for n in q.walk():
            if n.tag in ("window.row_number", "window.lag", "window.first_value",
                         "window.ntile") and " OVER (" in n.sql():
                assert "typeof(" in n.sql(), n.sql()
                checked += 1
    assert checked > 5
