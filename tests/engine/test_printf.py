"""printf()/format() against sqlite3: generated format strings (every
conversion, flag, width and precision form, * arguments) on arguments of
every storage class, plus SQLite's own floating point digits and the size
limit."""

from __future__ import annotations

import functools
import math
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.functions import call
from engine.functions.printf import sqlite_printf


@functools.cache
def db() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    return con


def sqlite_printf_ref(fmt, *args):
    sql = f"SELECT printf({', '.join('?' * (1 + len(args)))})"
    return db().execute(sql, (fmt, *args)).fetchone()[0]


def bindable(v) -> bool:
    if isinstance(v, str):
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


CONVERSIONS = list("diuxXopcsqQwfeEgGrnz%") + ["y", "T", "S", "k"]


@st.composite
def spec(draw):
    flags = "".join(draw(st.lists(st.sampled_from("-+ #0,!"), max_size=3)))
    width = draw(st.one_of(st.just(""), st.integers(1, 25).map(str), st.just("*")))
    precision = draw(st.one_of(st.just(""), st.just("."), st.integers(0, 30).map(lambda p: f".{p}"),
                               st.just(".*")))
    length = draw(st.sampled_from(["", "", "l", "ll"]))
    conv = draw(st.sampled_from(CONVERSIONS))
    return "%" + flags + width + precision + length + conv


@st.composite
def format_string(draw):
    parts = draw(st.lists(st.one_of(spec(), st.text(alphabet="ab é'", max_size=3)),
                          min_size=1, max_size=4))
    return "".join(parts)


numbers = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, 1, -1, 7, 255, 1000, 1234567, -(2**63), 2**63 - 1, 11, 12, 13, 111,
                     21, 22, 23, 104]),
    st.floats(allow_nan=False),
    st.sampled_from([0.0, -0.0, 0.5, 1.5, 2.5, 0.05, 0.15, 1e15, 1e16, 1e17, 1e-5, 123.456,
                     9.999999999999999e22, 1e300, 5e-324, math.inf, -math.inf, 0.1, 1 / 3,
                     2.675, 1.005, 99.995]),
    st.floats(-1e7, 1e7),
)
arg_values = st.one_of(
    st.none(),
    numbers,
    st.text(max_size=6),
    st.sampled_from(["", "abc", "héllo", "it's", 'say "x"', "12", "-3.5", "\U0001f600x",
                     "a\x00b"]),
    st.binary(max_size=4),
)


small_args = st.one_of(st.none(), st.integers(-40, 40), st.floats(-40, 40),
                       st.sampled_from(["", "7", "-12", "x", "3.5"]), st.binary(max_size=2))


@settings(max_examples=200)
@given(fmt=format_string(), data=st.data())
def test_printf_matches_sqlite(fmt, data):
    # A "*" takes a width or precision from the arguments: keep those small,
    # or both engines would (legitimately) build strings of up to 1 GB.
    args = data.draw(st.lists(small_args if "*" in fmt else arg_values, max_size=5))
    if not all(bindable(a) for a in args):
        return
    expected = sqlite_printf_ref(fmt, *args)
    assert call("printf", [fmt, *args]) == expected, (fmt, args)
    assert call("format", [fmt, *args]) == expected


@pytest.mark.parametrize("conv", ["f", "e", "E", "g", "G"])
@settings(max_examples=60)
@given(x=numbers.filter(lambda v: isinstance(v, float)), precision=st.integers(0, 25),
       flags=st.sampled_from(["", "!", "#", "+", "0", "-", " ", "!#"]))
def test_float_conversions(conv, x, precision, flags):
    fmt = f"%{flags}12.{precision}{conv}"
    assert sqlite_printf(fmt, x) == sqlite_printf_ref(fmt, x)


EDGES = [
    ("%d", []), ("%s", []), ("%f", []), ("%Q", [None]), ("%q", [None]), ("%w", [None]),
    ("%c", [None]), ("%c", [""]), ("%5c", ["é"]), ("%!5c", ["é"]), ("%.3c", ["ab"]),
    ("%-6.3c|", ["x"]), ("%!.3s", ["héllo"]), ("%.3s", ["héllo"]), ("%!8s|", ["héllo"]),
    ("%8s|", ["héllo"]), ("%,d", [-1234567]), ("%,15.10d", [1234]), ("%#x", [0]),
    ("%#010x", [255]), ("%#o", [8]), ("%p", [255]), ("%#p", [255]), ("%u", [-1]),
    ("%x", [-1]), ("%r", [11]), ("%r", [-22]), ("%r", [113]), ("%-+5d|", [3]),
    ("% d", [3]), ("%+.0f", [0.5]), ("%.0f", [1.5]), ("%.0f", [2.5]), ("%#.0f", [2.0]),
    ("%!.0f", [2.0]), ("%g", [100000.0]), ("%g", [1000000.0]), ("%#g", [1.0]),
    ("%!g", [1.0]), ("%!.20e", [0.1]), ("%.30f", [0.1]), ("%!.30f", [0.1]),
    ("%.20g", [1 / 3]), ("%!.26g", [1 / 3]), ("%e", [0.0]), ("%g", [0.0]), ("%f", [-0.0]),
    ("%010.3f", [-3.14159]), ("%-010.3f|", [3.14159]), ("%010f", [math.inf]),
    ("%+f", [math.inf]), ("% f", [-math.inf]), ("%f", [1e300]), ("%.3f", [1e-300]),
    ("%*d|", [-5, 3]), ("%*.*f", [10, 2, 3.14159]), ("%.*d", [-3, 5]), ("%*d", [2**32 + 4, 1]),
    ("%ld %lld %lf", [1, 2, 3.5]), ("%", []), ("abc%", []), ("%5", [1]), ("%y rest", [1]),
    ("a%nb", [1]), ("%T", [1]), ("%%%d", [5]), ("%d %d", ["12abc", 3.9]), ("%f", ["1e3x"]),
    ("%s", [1.5]), ("%s", [b"ab\x00c"]), ("%d", [b"42"]), ("%.2q", ["a'b'c"]),
    ("%!.2Q", ["é'x"]), ("%z", ["zz"]), ("%04d", [-5]), ("%+04d", [5]), ("%.5d", [-42]),
    ("%-05d|", [42]), ("%99999999999d|", [1]), ("%.99999999999d|", [1]),
]


@pytest.mark.parametrize("fmt,args", EDGES, ids=[repr(f) for f, _ in EDGES])
def test_printf_edges(fmt, args):
    assert sqlite_printf(fmt, *args) == sqlite_printf_ref(fmt, *args)


def test_printf_null_and_no_format():
    assert call("printf", []) is None
    assert call("printf", [None, 1]) is None
    assert db().execute("SELECT printf()").fetchone()[0] is None
    assert call("printf", [5]) == sqlite_printf_ref(5)
    assert call("printf", ["a\x00b"]) == sqlite_printf_ref("a\x00b")


@pytest.mark.parametrize("fmt", ["%2000000000d", "%.2000000000d",
                                 "%.*d", "%2147483647s", "%1999999999.3f"])
def test_huge_widths_give_null_without_allocating(fmt):
    args = [1] if fmt != "%.*d" else [2_000_000_000, 1]
    # sqlite3 refuses before allocating (SQLITE_LIMIT_LENGTH); so must we.
    expected = db().execute("SELECT printf(?, " + ", ".join("?" * len(args)) + ") IS NULL",
                            (fmt, *args)).fetchone()[0]
    assert expected == 1
    assert sqlite_printf(fmt, *args) is None
