"""engine.functions.json against the stdlib sqlite3 (SQLite 3.40.1, json1 built in).

Every function is called in sqlite3 as ``SELECT f(?, ...)`` (``SELECT ? -> ?``
for the operators) with bound parameters and in the engine through its
FunctionDef; the value and its storage class, or the error class and message,
must be the same.  The JSON subtype is checked by nesting: sqlite3's
``json_array(f(...))`` against ``json_array`` of our result.  json_each and
json_tree are compared row by row (all ten columns), the aggregates through
``GROUP BY`` and sliding windows (their inverse).  Fixed edge cases first,
then Hypothesis-generated documents (varied spellings, whitespace, escapes,
mutations into malformed text) and paths derived from them.
"""

from __future__ import annotations

import functools
import json as pyjson
import sqlite3
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import Error as EngineError
from engine.functions import FunctionDef
from engine.functions import json as J
from engine.functions.aggregate import AggregateDef

_OPERATORS = ("->", "->>")
_EACH_SQL = (
    "SELECT key, value, type, atom, id, parent, fullkey, path, json, root FROM {}({})"
)


@functools.cache
def ref() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    return con


def _norm(v):
    """A value with its storage class; REALs by repr (keeps -0.0, inf)."""
    if isinstance(v, float):
        return ("real", repr(v))
    if isinstance(v, str):
        return ("text", str(v))
    if isinstance(v, bytes):
        return ("blob", v)
    if v is None:
        return ("null", None)
    return ("integer", v)


def _placeholders(args: tuple) -> list[str]:
    """``?``, or ``json(?)`` for an argument that carries the JSON subtype."""
    return ["json(?)" if isinstance(a, J.JsonText) else "?" for a in args]


def _sql_for(name: str, args: tuple) -> str:
    marks = _placeholders(args)
    if name in _OPERATORS:
        return f"SELECT {marks[0]} {name} {marks[1]}"
    return f"SELECT {name}({', '.join(marks)})"


def sqlite_call(name: str, args: tuple, wrap: str | None = None):
    sql = _sql_for(name, args)
    if wrap:
        sql = f"SELECT {wrap}(({sql[7:]}))"
    try:
        return ("ok", _norm(ref().execute(sql, args).fetchone()[0]))
    except sqlite3.Error as e:
        return ("error", type(e).__name__, str(e))


def engine_call(name: str, args: tuple, wrap: str | None = None):
    try:
        v = J.JSON_SCALAR_FUNCTIONS[name].invoke(args)
        if wrap:
            v = J.JSON_SCALAR_FUNCTIONS[wrap].invoke((v,))
        return ("ok", _norm(v))
    except EngineError as e:
        return ("error", type(e).__name__, str(e))


def mismatches(cases) -> list:
    """The (name, args) cases where the engine and sqlite3 disagree, with the
    subtype checked through json_array() for the successful ones."""
    out = []
    for name, *args in cases:
        args = tuple(args)
        expected = sqlite_call(name, args)
        got = engine_call(name, args)
        if expected == got and expected[0] == "ok":
            expected = sqlite_call(name, args, wrap="json_array")
            got = engine_call(name, args, wrap="json_array")
        if expected != got:
            out.append((name, args, expected, got))
    return out


def sqlite_table(name: str, args: tuple):
    sql = _EACH_SQL.format(name, ", ".join("?" * len(args)))
    try:
        rows = ref().execute(sql, args).fetchall()
        subtype = ref().execute(
            f"SELECT json_array(value) FROM {name}({', '.join('?' * len(args))})", args
        ).fetchall()
    except sqlite3.Error as e:
        return ("error", type(e).__name__, str(e))
    return ("ok", [tuple(map(_norm, r)) for r in rows], [r[0] for r in subtype])


def engine_table(name: str, args: tuple):
    try:
        rows = list(J.JSON_TABLE_FUNCTIONS[name](*args))
    except EngineError as e:
        return ("error", type(e).__name__, str(e))
    subtype = [J.json_array(r[1]) for r in rows]
    return ("ok", [tuple(map(_norm, r)) for r in rows], subtype)


# --------------------------------------------------------------------------
# Fixed cases
# --------------------------------------------------------------------------

DOCS = [
    '{"a":[1,2,{"b":null}],"c":"x\\u0041\\n","d":1e400,"e":-0,'
    '"f":12345678901234567890,"g":-9223372036854775808,"h":9223372036854775807,'
    '"i":true,"j":false,"k":1.5E-3,"l":-0.0,"m":-9223372036854775809}',
    ' [1,[2,[3]],{"x y":"z","":0,"a_b":1,"\\"q":2}] ',
    " 5 ", '"str"', "null", "{}", "[]", '{"\\u0061":1,"a":2,"a":3}',
    "[1]\x00zz", '["\\ud83d\\ude00","\\ud800","\\udc00x","a\\u0000b","\\/\\b\\f\\r\\t"]',
    '{"a":{"b":{"c":[10,20,{"d":"e"}]}}}', "[[],{},[[]],{\"k\":{}}]",
    "  \t\n\r[ 1 , 2 ]\n", '"\\u00e9\u00e9"', "1E5", "-1.25e-7", "0",
]
BAD_DOCS = [
    "", " ", "[1,]", '{"a":1,}', "01", "-01", "-", "1.", ".5", "1e", "1e+", "1.e5",
    "[true,false,nul]", "nul", "truex", "[1 2]", '{"a" 1}', '{"a":1 "b":2}', '["\\x"]',
    '["\t"]', '["a\x00"]', "{a:1}", "[1]x", "'a'", "[1}", "{]", "{\"a\"}", "{1:2}",
    '{"a":}', "[,1]", "0x10", "+1", "Infinity", "NaN", "[1,2", '"abc', '"\\u12"',
    "\u00a0[1]", "[1]\v", "/*c*/1", "{'a':1}",
]
PATHS = [
    "$", "$.a", "$.a[0]", "$.a[2].b", "$.a[#]", "$.a[#-1]", "$.a[#-3]", "$.a[#-4]",
    "$.a[#-0]", "$[0]", "$[1][1][0]", "$[2].\"x y\"", "$[2].x y", '$."a"', "$.", "$x",
    "x", "", "$[", "$[a]", "$[1x]", "$[#-]", "$[#-1", '$."abc', "$.c", "$.d", "$.e",
    "$.f", "$.g", "$.h", "$.k", "$.l", "$.m", "$[4294967296]", "$[4294967297]",
    "$[0]\x00junk", None, 5, 1.5, "$.i", "$.j", "$[3]", "$[#]", "$[-1]", "$[ 0]",
    "$.a.b.c", "$.a.b.c[#-1].d", "$..a", "$.a.", "$[0].", '$."x y"', "$[2].\"\\\"q\"",
    "$[2].a_b", "$[2].", "$.\"\"", "$[0][0]", "$[1]", "$ ", "$[#-9999999999]",
]
VALUES = [1, "txt", None, 2.5, b"\x01", -0.0, 1e300, float("inf"), "q\"\\\n\x01'", ""]


def test_function_set_is_the_one_of_sqlite():
    rows = ref().execute(
        "SELECT name, narg FROM pragma_function_list WHERE type = 's' "
        "AND (name LIKE 'json%' OR name LIKE '->%')"
    ).fetchall()
    arity: dict[str, set] = {}
    for name, narg in rows:
        arity.setdefault(name, set()).add(narg)
    assert set(J.JSON_SCALAR_FUNCTIONS) == set(arity)
    for name, fdef in J.JSON_SCALAR_FUNCTIONS.items():
        assert isinstance(fdef, FunctionDef)
        narg = arity[name]
        if -1 in narg:
            assert (fdef.min_args, fdef.max_args) == (0, -1)
        else:
            assert (fdef.min_args, fdef.max_args) == (min(narg), max(narg))
    aggs = ref().execute(
        "SELECT name, narg FROM pragma_function_list WHERE type = 'w' AND name LIKE 'json%'"
    ).fetchall()
    assert {n: (a.min_args, a.max_args) for n, a in J.JSON_AGGREGATES.items()} == {
        n: (k, k) for n, k in aggs
    }
    assert all(isinstance(a, AggregateDef) for a in J.JSON_AGGREGATES.values())
    with pytest.raises(sqlite3.OperationalError, match="no such function"):
        ref().execute("SELECT json_error_position('x')")


def test_json_valid_json_type_length_on_good_and_bad_documents():
    cases = []
    for d in DOCS + BAD_DOCS + [None, 1, 2.5, b"[1]", b"\xff", "[1]\x00"]:
        cases += [("json", d), ("json_valid", d), ("json_type", d), ("json_array_length", d)]
    assert mismatches(cases) == []


def test_json5_is_not_accepted_in_3_40():
    assert mismatches([("json", "{a:1}"), ("json_valid", "[1,]"), ("json", "'x'")]) == []
    with pytest.raises(EngineError, match="malformed JSON"):
        J.json("{a:1}")


@pytest.mark.parametrize("name", ["json_extract", "json_type", "json_array_length",
                                  "->", "->>", "json_remove"])
def test_path_functions(name):
    cases = [(name, d, p) for d in DOCS + ["x", None] for p in PATHS]
    assert mismatches(cases) == []


@pytest.mark.parametrize("name", ["json_set", "json_insert", "json_replace"])
def test_edit_functions_one_path(name):
    cases = [(name, d, p, v) for d in DOCS[:12] + ["x", None] for p in PATHS for v in VALUES]
    assert mismatches(cases) == []


def test_edit_functions_many_paths_and_subtypes():
    cases = []
    for name in ("json_set", "json_insert", "json_replace"):
        cases += [
            (name, "[1]", "$[#]", 2, "$[0]", 9),  # 3.40 follows the append chain
            (name, "[1]", "$[#]", 2, "$[#]", 3, "$[1]", 7),
            (name, "[1,2]", "$[#]", 3, "$[#-1]", 4, "$[#-5]", 9),
            (name, "{}", "$.a", 1, "$.a", 2),
            (name, "{}", "$.a.b", 1, "$.a.c", 2, "$.a.b", 3),
            (name, "{}", "$.a[0]", 1, "$.a[1]", 2, "$.a[#]", 3),
            (name, "{}", "$.a[1]", 1), (name, "{}", "$.a[#]", 1), (name, "{}", "$[0]", 1),
            (name, '{"a":1}', "$.a.b", 1), (name, "[1]", "$.a", 1),
            (name, "{}", "$.a", J.json('{"x":1}'), "$.a.y", 2),
            (name, "{}", "$.a", J.json("[1]"), "$.b", "[1]"),
            (name, "{}", "$", 5), (name, "{}", "$", "abc"), (name, "{}", "$", b"\x01"),
            (name, "[1]", "$", J.json("[2]")), (name, '{"a":1}', "$.a", b"x", "$.a", 1),
            (name, '{"a":1}', "$.a", 1, "$.a", b"x"), (name, '{"a":1}', "$.b.", 1),
            (name, '{"a":1}', "$.b[0]x", 1), (name, '{"a":1}', None, 1, "$.c", 2),
            (name, "[1]", "$"), (name, "[1]"), (name,), (name, None, "$", 1),
            (name, "x", "$", 1), (name, "[1]", "bad", 1), (name, "[0,1,2]", "$[1]", None),
            (name, '{"\\u0061":1}', "$.a", 2), (name, '{"\\u0061":1}', '$."\\u0061"', 2),
        ]
    cases += [
        ("json_remove", '{"a":1,"a":2}', "$.a", "$.a"), ("json_remove", "[0,1,2]", "$[0]", "$[0]"),
        ("json_remove", "[0,1,2]", "$[#-1]", "$[#-1]"), ("json_remove", "[1]", None),
        ("json_remove", "[1]", "$"), ("json_remove", "[1]", "$[0]", "bad"), ("json_remove",),
        ("json_remove", '{"a":[1,2]}', "$.a[0]", "$.a[#-1]"),
        ("json_extract", '{"a":1}', "$.a", "$.b"), ("json_extract", '{"a":1}', "$.a", None),
        ("json_extract", '{"a":1}', "$.a", "bad"), ("json_extract", "x"), ("json_extract",),
        ("json_extract", '{"a":[1,"x"]}', "$.a", "$.a[1]", "$"),
    ]
    assert mismatches(cases) == []


def test_constructors_and_quote():
    texts = ["", "a", 'q"\\', "\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f\x80", "é€😀", "'/", "[1]"]
    numbers = [0, -1, 2**63 - 1, -(2**63), 0.1, -0.0, 1.5e300, 1e20, 1e-7, float("inf"),
               -float("inf"), 123456789.125, 1e15, 1e16]
    cases = [("json_quote", v) for v in texts + numbers + [None, b"x", J.json("[1]")]]
    cases += [("json_array",), ("json_array", *texts), ("json_array", *numbers),
              ("json_array", None, J.json("[1]"), J.json_quote("x"), "[1]"),
              ("json_array", 1, b"\x00"), ("json_object",), ("json_object", "a"),
              ("json_object", "a", 1, "b"), ("json_object", 1, 2), ("json_object", None, 1),
              ("json_object", "a", b"x", 1, 2), ("json_object", "a", b"x", "b", 2),
              ("json_object", b"a", 1), ("json_object", "a", J.json("{}"), "a", "x"),
              ("json_object", *[x for t in texts for x in (t, t)])]
    assert mismatches(cases) == []


def test_reals_come_out_correctly_rounded():
    # 3.40.1 converts JSON reals with strtod, not with sqlite3AtoF (CAST differs)
    numerals = ["-1.654445631682403e-28", "1.654445631682403e-28", "2.2250738585072011e-308",
                "1.7976931348623157e308", "4.9e-324", "1e-400", "-1e400", "0.1", "1.0",
                "123456789012345678901234567890", "-9223372036854775809", "9223372036854775808",
                "18446744073709551616", "3.0000000000000004", "9007199254740993.0",
                "0.30000000000000004441", "1E22", "1e23", "8.98846567431158e307"]
    cases = [(name, f"[{x}]", "$[0]") for x in numerals for name in ("json_extract", "->>")]
    assert mismatches(cases) == []
    rows = [(x, list(J.json_each(f"[{x}]"))) for x in numerals]
    assert [(x, r[0][1]) for x, r in rows] == [
        (x, ref().execute("SELECT value FROM json_each(?)", (f"[{x}]",)).fetchone()[0])
        for x in numerals
    ]


def test_arrow_operators_abbreviated_paths():
    docs = ['{"a":[1,2],"$a":3,"1":4,"x y":5,"-1":6}', "[5,6,[7]]", "5", "x", None]
    rights = ["a", "$a", "$.a", "1", 1, 0, -1, 1.5, "[0]", "[#-1]", "x y", "-1", "", None,
              "$", "a[0]", "a.b", '"a"', "$[2][0]", 2]
    cases = [(op, d, r) for op in _OPERATORS for d in docs for r in rights]
    assert mismatches(cases) == []


def test_json_patch():
    pairs = [
        ('{"a":0}', '{"a":1,"a":2}'), ("{}", '{"a":1,"a":2}'), ('{"a":1,"a":2}', '{"a":3}'),
        ('{"a":"b","c":{"d":"e","f":"g"}}', '{"a":"z","c":{"f":null}}'),
        ('{"a":1}', '{"a":null,"b":null}'), ('{"a":1}', "[1]"), ("[1]", '{"a":null,"b":{"c":null}}'),
        ('{"a":{"x":1}}', '{"a":{"y":null,"z":1,"w":{"q":null,"r":[null]}}}'),
        ('{"a":[1,{"b":2}]}', '{"a":{"b":null}}'), ('{"\\u0061":1}', '{"a":2}'),
        ('{"a":1}', "null"), ("null", '{"a":null}'), ('{"a":{"b":1}}', '{"a":{"b":{"c":null}}}'),
        ("{}", "{}"), ('{"a":1,"b":2}', '{"b":null,"b":3}'), ('{"a":{}}', '{"a":{"a":{"a":1}}}'),
        ('{"e":null}', '{"e":{"f":null}}'), ("x", "{}"), ("{}", "x"), (None, "x"), ("x", None),
        ('{"a":1}', '{"a":{"b":1},"a":{"c":2}}'), ('{"a":[1]}', '{"a":[null]}'),
    ]
    assert mismatches([("json_patch", a, b) for a, b in pairs]) == []


def test_nesting_depth_limit_is_2000():
    cases = []
    for depth in (1999, 2000, 2001):
        cases.append(("json_valid", "[" * depth + "1" + "]" * depth))
        cases.append(("json", '{"a":' * depth + "[]" + "}" * depth))
        cases.append(("json_array_length", "[" * depth + "]" * depth))
    assert mismatches(cases) == []
    deep = "[" * 2000 + "]" * 2000
    assert J.json_patch('{"a":' * 1500 + "1" + "}" * 1500, '{"a":' * 1500 + "2" + "}" * 1500)
    assert len(list(J.json_tree(deep))) == 2000


def test_unterminated_strings_fail_in_linear_time():
    long = ['"' + "a" * 20000, '["' + "ab\\n" * 5000, '{"' + "x" * 20000 + '":1', '"\\' + "u" * 9000]
    cases = [(name, d) for d in long for name in ("json_valid", "json")]
    assert mismatches(cases) == []


def _timed_mismatches(cases, limit=0.25) -> list:
    """mismatches(), also failing any engine call that takes more than ``limit`` seconds."""
    slow = []
    for name, *args in cases:
        start = time.perf_counter()
        engine_call(name, tuple(args))
        if time.perf_counter() - start > limit:
            slow.append((name, args, "slow"))
    return slow + mismatches(cases)


def test_garbled_object_key_fuzz_finding_is_malformed_quickly():
    # fuzz sql_exec timeout: an unterminated label made the string token regex backtrack
    # exponentially (sqlite3: "malformed JSON" at once)
    doc = '{"aw_numbe#r37203685777580:[1,2]}'
    cases = [("json_extract", doc, 5), ("json_extract", doc, "$.a[1]"), ("json_valid", doc),
             ("json", doc), ("json_type", doc)]
    assert _timed_mismatches(cases) == []
    assert engine_call("json_extract", (doc, 5)) == ("error", "OperationalError",
                                                     "malformed JSON")


_KEY_CHARS = st.sampled_from(list('aZ09#_:,[]{} "\\u\t') + ["\\u00e9", "\\n", "é", "\x01"])


@settings(max_examples=150)
@given(key=st.tuples(st.text("abz#_09:,[]{} ", min_size=24, max_size=30),
                     st.lists(_KEY_CHARS, max_size=6).map("".join)).map("".join),
       close=st.sampled_from(["", '"', '":', '":1', '":1}', '":[1,2]}', '"}']),
       tail=st.sampled_from(["", ":[1,2]}", ',"b":2}', "}", "]"]))
def test_garbled_object_keys_end_quickly_as_sqlite3_does(key, close, tail):
    doc = '{"' + key + close + tail
    cases = [("json_valid", doc), ("json", doc), ("json_extract", doc, "$.a"),
             ("json_extract", doc, 5), ("json_type", doc)]
    assert _timed_mismatches(cases) == []


def test_container_label_quirk_is_valid():
    # 3.40 accepts an object label that is a container ending in a string
    assert mismatches([("json_valid", '{["x"]:1}'), ("json_valid", '{{"a":"b"}:1}'),
                       ("json_valid", "{[]:1}"), ("json_valid", '{[1]:"x"}')]) == []


TABLE_DOCS = DOCS + ['{"a":{"b":1},"c":[{"d":[2]}]}', "[[1,2],[3,4]]", '{"x":5}', "[[5]]"]
ROOTS = ["$", "$.a", "$.a.b", "$[1]", "$[0]", "$.c[0]", "$.x", "$[2]", "$.c[0].d", "x",
         "$.", None, 5, "$[#-1]", "$.nope", "$[2].\"x y\""]


@pytest.mark.parametrize("name", ["json_each", "json_tree"])
def test_json_each_and_tree(name):
    bad = []
    for d in TABLE_DOCS + ["x", None, "[1]\x00zz", 7]:
        for args in [(d,)] + [(d, r) for r in ROOTS]:
            expected, got = sqlite_table(name, args), engine_table(name, args)
            if expected != got:
                bad.append((args, expected, got))
    assert bad == []


def _agg_rows(values: list) -> str:
    return " UNION ALL ".join(["SELECT ? AS k, ? AS v, ? AS i, ? AS j"] * len(values))


def sqlite_group(name: str, rows: list[tuple], window: int | None = None):
    # a FROM-clause column loses the JSON subtype: CASE ... json(v) restores it
    params = [x for i, (k, v) in enumerate(rows)
              for x in (k, v, i, isinstance(v, J.JsonText))]
    value = "CASE WHEN j THEN json(v) ELSE v END"
    args = value if name == "json_group_array" else f"k, {value}"
    over = ""
    if window is not None:
        over = f" OVER (ORDER BY i ROWS BETWEEN {window} PRECEDING AND CURRENT ROW)"
    sql = f"SELECT {name}({args}){over} FROM ({_agg_rows(rows)})"
    if window is None:
        sql = f"SELECT {name}({args}), json_array({name}({args})) FROM ({_agg_rows(rows)})"
    try:
        return ("ok", ref().execute(sql, params).fetchall())
    except sqlite3.Error as e:
        return ("error", type(e).__name__, str(e))


def engine_group(name: str, rows: list[tuple], window: int | None = None):
    try:
        if window is None:
            agg = J.JSON_AGGREGATES[name].factory("BINARY")
            for k, v in rows:
                agg.step(v) if name == "json_group_array" else agg.step(k, v)
            result = agg.finalize()
            return ("ok", [(result, J.json_array(result))])
        agg = J.JSON_AGGREGATES[name].factory("BINARY")
        out = []
        for i, (k, v) in enumerate(rows):
            agg.step(v) if name == "json_group_array" else agg.step(k, v)
            if i > window:
                gone = rows[i - window - 1]
                agg.inverse(gone[1]) if name == "json_group_array" else agg.inverse(*gone)
            out.append((agg.value(),))
        return ("ok", out)
    except EngineError as e:
        return ("error", type(e).__name__, str(e))


GROUP_ROWS = [
    ("a", 1), ("b", None), ("c", "x,y"), ("d", J.json('{"p":[1,2],"q":"]"}')),
    ("e", 'he said "hi, there" \\'), (None, 2.5), (3, "[1,2]"), ("f", J.json("[]")),
    ("g", -0.0), ("h", J.json('"a,\\"b"')),
]


@pytest.mark.parametrize("name", ["json_group_array", "json_group_object"])
def test_group_aggregates_and_window_inverse(name):
    cases = [(GROUP_ROWS, None), (GROUP_ROWS[:1], None), (GROUP_ROWS + [("z", b"\x00")], None)]
    cases += [(GROUP_ROWS, w) for w in (0, 1, 2, 4)]
    for rows, window in cases:
        assert engine_group(name, rows, window) == sqlite_group(name, rows, window)
    assert J.JSON_AGGREGATES[name].factory("BINARY").finalize() == ref().execute(
        f"SELECT {name}({'1' if name == 'json_group_array' else '1, 1'}) WHERE 0"
    ).fetchone()[0]


# --------------------------------------------------------------------------
# Generated documents and paths
# --------------------------------------------------------------------------

_KEYS = st.text(alphabet=st.sampled_from('abAZ_0 9."[]$\\é\x01'), max_size=4)
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, width=64), st.text(max_size=6),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(st.tuples(_KEYS, inner), max_size=4),  # objects, duplicates allowed
    ),
    max_leaves=20,
)


@st.composite
def json_texts(draw) -> str:
    """A valid JSON text of a generated value with varied spellings."""

    def ws() -> str:
        return draw(st.sampled_from(["", "", "", " ", "\n\t", "\r "]))

    def string(s: str) -> str:
        out = []
        for ch in s:
            style = draw(st.integers(0, 3))
            if ch in '"\\' or ord(ch) < 0x20 or style == 0:
                out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else pyjson.dumps(ch)[1:-1])
            elif style == 1 and ch in "/":
                out.append("\\/")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    def number(v) -> str:
        if isinstance(v, float):
            text = draw(st.sampled_from([repr(v), f"{v:.17g}", f"{v:e}", f"{v:E}"]))
            text = text.replace("inf", "1e400")
            return text if "." in text or "e" in text or "E" in text else text + ".0"
        return str(v)

    def render(v) -> str:
        if v is None:
            return "null"
        if v is True:
            return "true"
        if v is False:
            return "false"
        if isinstance(v, int | float):
            return number(v)
        if isinstance(v, str):
            return string(v)
        if v and isinstance(v[0], tuple):
            return "{" + ",".join(
                ws() + string(k) + ws() + ":" + ws() + render(x) + ws() for k, x in v
            ) + "}"
        if isinstance(v, list) and v == []:
            return draw(st.sampled_from(["[]", "{}", "[ ]", "{ }"]))
        return "[" + ",".join(ws() + render(x) + ws() for x in v) + "]"

    return ws() + render(draw(_VALUES)) + ws()


@st.composite
def documents(draw) -> str:
    text = draw(json_texts())
    if draw(st.integers(0, 4)) == 0 and text:
        # mutate into (usually) malformed text
        i = draw(st.integers(0, len(text) - 1))
        op = draw(st.integers(0, 2))
        ch = draw(st.sampled_from(list(',:[]{}"\\ 0e-.ntx\x00')))
        text = text[:i] + (ch if op else "") + text[i + (op != 1):]
    return text


def _paths_of(text: str) -> list[str]:
    """Existing paths of a document (through sqlite3's json_tree) when valid."""
    try:
        return [r[0] for r in ref().execute("SELECT fullkey FROM json_tree(?)", (text,))]
    except sqlite3.Error:
        return ["$"]


_PATH_NOISE = st.text(alphabet=st.sampled_from(list('$.[]#-0123"ab x')), max_size=8)


@st.composite
def doc_and_paths(draw):
    text = draw(documents())
    known = _paths_of(text)
    paths = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 4))
        if kind <= 1:
            paths.append(draw(st.sampled_from(known)))
        elif kind == 2:
            paths.append(draw(st.sampled_from(known)) + draw(st.sampled_from(
                [".a", "[0]", "[#]", "[#-1]", ".new", '."x y"', "[1].b", ".", "[x]"])))
        elif kind == 3:
            paths.append("$" + draw(_PATH_NOISE))
        else:
            paths.append(draw(_PATH_NOISE))
    return text, paths


@settings(max_examples=150)
@given(documents())
def test_generated_documents_json_and_valid(text):
    cases = [("json", text), ("json_valid", text), ("json_type", text),
             ("json_array_length", text)]
    assert mismatches(cases) == []


@settings(max_examples=150)
@given(doc_and_paths(), st.sampled_from(VALUES + [J.json('{"n":[1]}')]))
def test_generated_paths(doc, value):
    text, paths = doc
    cases = [("json_extract", text, *paths), ("json_remove", text, *paths)]
    for p in paths:
        cases += [("json_extract", text, p), ("json_type", text, p),
                  ("json_array_length", text, p), ("->", text, p), ("->>", text, p)]
    for name in ("json_set", "json_insert", "json_replace"):
        cases.append((name, text, *[x for p in paths for x in (p, value)]))
    assert mismatches(cases) == []


@settings(max_examples=100)
@given(documents(), documents())
def test_generated_patch(a, b):
    assert mismatches([("json_patch", a, b)]) == []


@settings(max_examples=100)
@given(doc_and_paths())
def test_generated_each_and_tree(doc):
    text, paths = doc
    for name in ("json_each", "json_tree"):
        for args in [(text,), (text, paths[0])]:
            assert engine_table(name, args) == sqlite_table(name, args)
