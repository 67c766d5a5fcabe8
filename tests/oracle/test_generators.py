"""oracle.generators: reproducible, valid for sqlite3, covering the grammar and the values."""

import math
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
    RandomChoices,
    cases,
    make_query,
    make_schema,
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
