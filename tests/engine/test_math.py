"""The math functions (SQLITE_ENABLE_MATH_FUNCTIONS) against sqlite3, on
arguments of every storage class: value, storage class (ceil/floor/trunc
keep integers), NULL for domain errors and non-numeric text."""

from __future__ import annotations

import functools
import math
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.functions import SCALAR_FUNCTIONS, call


@functools.cache
def db() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    return con


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b) or (a != a and b != b)
    return a == b


def bindable(v) -> bool:
    return not isinstance(v, str) or v.isascii() or _encodes(v)


def _encodes(v: str) -> bool:
    try:
        v.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


ONE_ARG = ["acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "ceiling", "cos", "cosh",
           "degrees", "exp", "floor", "ln", "log", "log10", "log2", "radians", "sign", "sin",
           "sinh", "sqrt", "tan", "tanh", "trunc"]
TWO_ARGS = ["atan2", "log", "mod", "pow", "power"]

numbers = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-10, 10),
    st.floats(allow_nan=False),
    st.floats(-10, 10),
    st.sampled_from([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, 1e308, -1e308, math.inf, -math.inf,
                     710.0, -745.5, 1e-310, 0.9999999999999999, 2**53 + 0.0]),
)
values = st.one_of(st.none(), numbers,
                   st.sampled_from(["", "1.5", " 2 ", "-3", "1e3", "abc", "0x10", "4abc"]),
                   st.binary(max_size=3), numbers.map(str))


@pytest.mark.parametrize("name", ONE_ARG)
@settings(max_examples=50)
@given(x=values)
def test_one_argument(name, x):
    if not bindable(x):
        return
    expected = db().execute(f"SELECT {name}(?)", (x,)).fetchone()[0]
    got = call(name, [x])
    assert same(got, expected), (name, x, got, expected)


@pytest.mark.parametrize("name", TWO_ARGS)
@settings(max_examples=60)
@given(x=values, y=values)
def test_two_arguments(name, x, y):
    if not (bindable(x) and bindable(y)):
        return
    expected = db().execute(f"SELECT {name}(?, ?)", (x, y)).fetchone()[0]
    got = call(name, [x, y])
    assert same(got, expected), (name, x, y, got, expected)


EDGES = [("pow", [0, -1]), ("pow", [-0.0, -3]), ("pow", [-8, 1 / 3]), ("pow", [10, 400]),
         ("pow", [-10, 401]), ("pow", [0, 0]), ("mod", [5, 0]), ("mod", [-7, 3]),
         ("mod", [math.inf, 2]), ("log", [1, 8]), ("log", [0.5, 8]), ("log", [8, 0]),
         ("log", [0]), ("ln", [-1]), ("sqrt", [-1]), ("exp", [1000]), ("sinh", [-1000]),
         ("acos", [2]), ("ceil", [-0.5]), ("floor", [-0.0]), ("trunc", [-2.5]),
         ("ceil", ["5"]), ("ceil", ["5.5"]), ("floor", [2**63 - 1]), ("trunc", [math.inf]),
         ("sign", [-0.0]), ("sign", ["abc"]), ("sign", [b"1"]), ("degrees", [math.pi]),
         ("radians", [180]), ("atan2", [0.0, -0.0]), ("log2", [8]), ("log10", [1000])]


@pytest.mark.parametrize("name,args", EDGES, ids=[f"{n}{a}" for n, a in EDGES])
def test_edges(name, args):
    sql = f"SELECT {name}({', '.join('?' * len(args))})"
    expected = db().execute(sql, args).fetchone()[0]
    assert same(call(name, args), expected), (name, args)


def test_pi():
    assert call("pi", []) == db().execute("SELECT pi()").fetchone()[0]
    assert SCALAR_FUNCTIONS["pi"].deterministic
