"""oracle.compare: every normalization of the one comparison function, each able to fail."""

import sqlite3

import pytest

from oracle.compare import OrderKey, Outcome, capture, compare, is_nondeterministic


def rows(*r):
    return Outcome("rows", rows=list(r))


def test_equal_multisets_agree_in_any_order():
    assert compare(rows((1,), (2,), (2,)), rows((2,), (1,), (2,))) is None


def test_multiplicity_matters():
    d = compare(rows((1,), (2,), (2,)), rows((1,), (1,), (2,)))
    assert d is not None and d.kind == "value"


def test_storage_class_matters():
    assert compare(rows((1,),), rows((1.0,),)).kind == "type"
    assert compare(rows(("1",),), rows((1,),)).kind == "type"
    assert compare(rows((b"a",),), rows(("a",),)).kind == "type"


def test_reals_within_tolerance_and_signed_zero():
    assert compare(rows((0.1 + 0.2,),), rows((0.3,),)) is None
    assert compare(rows((-0.0,),), rows((0.0,),)) is None
    assert compare(rows((1.0,),), rows((1.0001,),)) is not None
    assert compare(rows((float("inf"),),), rows((1e308,),)) is not None


def test_row_count_and_errors():
    assert compare(rows((1,)), rows()).kind == "row-count"
    err = Outcome("error", error="OperationalError", message="x")
    err2 = Outcome("error", error="OperationalError", message="different text")
    assert compare(err, err2) is None
    assert compare(Outcome("error", error="IntegrityError"), err).kind == "error-class"
    assert compare(err, rows()).kind == "error-vs-rows"
    assert compare(rows(), err).kind == "rows-vs-error"


def test_unsupported_crash_timeout_are_never_agreement():
    for kind in ("unsupported", "crash", "timeout"):
        d = compare(Outcome(kind, error="NotSupportedError"), rows())
        assert d is not None and d.kind == kind


def test_ordered_comparison_respects_order_but_not_ties():
    keys = [OrderKey(0)]
    assert compare(rows((1, "a"), (2, "b")), rows((2, "b"), (1, "a")), order=keys).kind == "order"
    # ties (same key) may come in any order
    assert compare(rows((1, "a"), (1, "b")), rows((1, "b"), (1, "a")), order=keys) is None
    # NOCASE ties: 'a' and 'A' are one run under NOCASE, two under BINARY
    a, b = rows(("a", 1), ("A", 2)), rows(("A", 2), ("a", 1))
    assert compare(a, b, order=[OrderKey(0, "NOCASE")]) is None
    assert compare(a, b, order=[OrderKey(0, "BINARY")]).kind == "order"


def test_limited_last_run_compared_by_length():
    keys = [OrderKey(0)]
    assert compare(rows((1, "x"), (2, "a")), rows((1, "x"), (2, "b")), order=keys,
                   limited=True) is None
    assert compare(rows((1, "x"), (2, "a")), rows((1, "y"), (2, "b")), order=keys,
                   limited=True) is not None


def test_nondeterministic_queries_compare_by_shape():
    assert is_nondeterministic("SELECT random()")
    assert is_nondeterministic("SELECT date('now')")
    assert not is_nondeterministic("SELECT randomish FROM t")
    assert compare(rows((5,),), rows((7,),), nondeterministic=True) is None
    assert compare(rows((5,),), rows(("7",),), nondeterministic=True).kind == "shape"


def test_capture_classifies_sqlite3_errors():
    con = sqlite3.connect(":memory:")
    assert capture(con, "SELECT 1").rows == [(1,)]
    o = capture(con, "SELECT * FROM nowhere")
    assert (o.kind, o.error) == ("error", "OperationalError")

    class Weird:
        def execute(self, sql):
            raise KeyError("boom")

    assert capture(Weird(), "SELECT 1").kind == "crash"


@pytest.mark.parametrize("sql", ["SELECT 1, 'a', 2.5, X'00', NULL"])
def test_engine_outcome_equals_sqlite3(sql):
    import engine

    assert compare(capture(engine.connect(":memory:"), sql),
                   capture(sqlite3.connect(":memory:"), sql)) is None
