"""The tokenizer splits text as SQLite's tokenize.c does (engine.sql.lexer),
checked against sqlite3's own verdicts where they are visible."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.sql import SQLSyntaxError, lex, tokenize
from engine.sql.lexer import iter_tokens
from engine.sql.tokens import FALLBACK_ID, KEYWORD_KIND, KEYWORDS

from .sql_fixtures import fixture_names, load


def kinds(sql: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in lex(sql)][:-1]


@pytest.mark.parametrize(
    "sql,expected",
    [
        ("SELECT", [("SELECT", "SELECT")]),
        ("select Select sElEcT", [("SELECT", "select"), ("SELECT", "Select"), ("SELECT", "sElEcT")]),
        ("abc _x x1$ été", [("ID", "abc"), ("ID", "_x"), ("ID", "x1$"), ("ID", "été")]),
        ('"a""b" [c d] `e``f`', [("ID", '"a""b"'), ("ID", "[c d]"), ("ID", "`e``f`")]),
        ("'it''s' ''", [("STRING", "'it''s'"), ("STRING", "''")]),
        ("x'00ff' X'' x'AbCd'", [("BLOB", "x'00ff'"), ("BLOB", "X''"), ("BLOB", "x'AbCd'")]),
        ("1 12 0x1F 0XaB", [("INTEGER", "1"), ("INTEGER", "12"), ("INTEGER", "0x1F"),
                            ("INTEGER", "0XaB")]),
        ("1.5 .5 5. 1e10 1.e5 1E+3 2e-3", [("FLOAT", "1.5"), ("FLOAT", ".5"), ("FLOAT", "5."),
                                            ("FLOAT", "1e10"), ("FLOAT", "1.e5"),
                                            ("FLOAT", "1E+3"), ("FLOAT", "2e-3")]),
        ("0x1g", [("INTEGER", "0x1"), ("ID", "g")]),
        ("? ?1 ?123 :a @b $c #d $e::f $g(h) $i::j(k l)",
         [("VARIABLE", "?"), ("VARIABLE", "?1"), ("VARIABLE", "?123"), ("VARIABLE", ":a"),
          ("VARIABLE", "@b"), ("VARIABLE", "$c"), ("VARIABLE", "#d"), ("VARIABLE", "$e::f"),
          ("VARIABLE", "$g(h)"), ("ILLEGAL", "$i::j(k"), ("ID", "l"), ("RP", ")")]),
        ("?a", [("VARIABLE", "?"), ("ID", "a")]),
        ("->> -> || <= <> << >= >> == != < > = + - * / % & | ~ , ; ( ) .",
         [("PTR", "->>"), ("PTR", "->"), ("CONCAT", "||"), ("LE", "<="), ("NE", "<>"),
          ("LSHIFT", "<<"), ("GE", ">="), ("RSHIFT", ">>"), ("EQ", "=="), ("NE", "!="),
          ("LT", "<"), ("GT", ">"), ("EQ", "="), ("PLUS", "+"), ("MINUS", "-"), ("STAR", "*"),
          ("SLASH", "/"), ("REM", "%"), ("BITAND", "&"), ("BITOR", "|"), ("BITNOT", "~"),
          ("COMMA", ","), ("SEMI", ";"), ("LP", "("), ("RP", ")"), ("DOT", ".")]),
        ("a -- comment\nb /* c\nd */ e /* open", [("ID", "a"), ("ID", "b"), ("ID", "e")]),
        ("a /*", [("ID", "a"), ("SLASH", "/"), ("STAR", "*")]),
        ("- -1 --1", [("MINUS", "-"), ("MINUS", "-"), ("INTEGER", "1")]),
        ("1.5.3", [("FLOAT", "1.5"), ("FLOAT", ".3")]),
        ("a\x00b", [("ID", "a")]),
        ("temporary TEMP", [("TEMP", "temporary"), ("TEMP", "TEMP")]),
        ("left Natural cross", [("JOIN_KW", "left"), ("JOIN_KW", "Natural"),
                                ("JOIN_KW", "cross")]),
        ("like glob regexp match", [("LIKE_KW", "like"), ("LIKE_KW", "glob"),
                                    ("LIKE_KW", "regexp"), ("MATCH", "match")]),
        ("current_time current_date current_timestamp",
         [("CTIME_KW", "current_time"), ("CTIME_KW", "current_date"),
          ("CTIME_KW", "current_timestamp")]),
    ],
)
def test_token_kinds(sql, expected):
    assert kinds(sql) == expected


@pytest.mark.parametrize(
    "sql,illegal",
    [
        ("'abc", "'abc"), ('"abc', '"abc'), ("[abc", "[abc"), ("`abc", "`abc"),
        ("x'abc'", "x'abc'"), ("x'zz' 1", "x'zz'"), ("x'ab", "x'ab"), ("12abc", "12abc"),
        ("1_000", "1_000"), ("0x", "0x"), ("1e", "1e"), ("1e+", "1e"), ("$", "$"),
        ("@", "@"), (":", ":"), ("#", "#"), ("$a(b", "$a(b"), ("!", "!"), ("^", "^"),
        ("\\", "\\"), ("\v", "\v"), ("\x01", "\x01"), ("{", "{"), ("}", "}"),
    ],
)
def test_unrecognized_tokens(sql, illegal):
    toks = lex("SELECT " + sql)
    assert toks[1].kind == "ILLEGAL" and toks[1].text == illegal
    with pytest.raises(SQLSyntaxError) as info:
        tokenize("SELECT " + sql)
    assert str(info.value) == f'unrecognized token: "{illegal}"'


def test_unrecognized_token_messages_match_sqlite3():
    from .test_parse_errors import assert_same_as_sqlite

    for sql in ["'abc", '"abc', "[abc", "x'abc'", "x'zz'", "12abc", "1_000", "0x", "1e+",
                "$", "$a(b", "!", "^", "\\", "1 ! 2", "$a::b(c d)", "x'ab"]:
        assert assert_same_as_sqlite("SELECT " + sql) == "parse"


def test_every_keyword_is_case_insensitive():
    for kw in KEYWORDS:
        expected = KEYWORD_KIND.get(kw, "ID")
        for spelling in (kw, kw.lower(), kw.title()):
            assert lex(spelling)[0].kind == expected


def test_keyword_tables_are_consistent():
    assert len(KEYWORDS) == 147
    # every fallback is a keyword kind (or a grouped kind) that exists
    produced = set(KEYWORD_KIND.values())
    assert FALLBACK_ID <= produced | {"LIKE_KW", "CTIME_KW"}


@pytest.mark.parametrize(
    "sql,word,kind",
    [
        ("SELECT count(*) OVER (ORDER BY a) FROM t", "OVER", "OVER"),
        ("SELECT count(*) OVER w FROM t", "OVER", "OVER"),
        ("SELECT count(*) over FROM t", "over", "ID"),
        ("SELECT 1 over", "over", "ID"),
        ("SELECT count(*) FILTER (WHERE 1) FROM t", "FILTER", "FILTER"),
        ("SELECT count(*) filter FROM t", "filter", "ID"),
        ("SELECT a FROM t WINDOW w AS ()", "WINDOW", "WINDOW"),
        ("SELECT a FROM t window", "window", "ID"),
        ("SELECT window FROM t", "window", "ID"),
        ('SELECT a FROM t WINDOW "w" AS ()', "WINDOW", "WINDOW"),
    ],
)
def test_window_keywords_depend_on_context(sql, word, kind):
    (tok,) = [t for t in lex(sql) if t.text == word]
    assert tok.kind == kind


def test_offsets_point_into_the_text():
    for name in fixture_names():
        for sql in load(name):
            pos = 0
            for tok in lex(sql):
                assert tok.offset >= pos
                assert sql[tok.offset:tok.offset + len(tok.text)] == tok.text
                pos = tok.offset + len(tok.text)


def test_lexing_is_lazy():
    big = "SELECT 1; " + "x " * 2_000_000
    start = time.perf_counter()
    source = iter_tokens(big)
    first = [next(source) for _ in range(3)]
    assert [t.text for t in first] == ["SELECT", "1", ";"]
    assert time.perf_counter() - start < 0.5


_GAP = re.compile(r"(?:[ \t\n\f\r]+|--[^\n]*|/\*[\s\S]*?(?:\*/|\Z))*\Z")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(
    "abxX019_$@:#?'\"`[]().,;+-*/%<>=!|&~^\\{} \t\n\r\f\v\x00é€") + ["--", "/*", "*/", "0x",
                                                                     "x'", "1e", "::"]),
    max_size=60).map("".join))
def test_tokens_tile_the_text(sql):
    """Tokens appear in order, their text is the source text, and only
    whitespace or comments lie between them."""
    tokens = lex(sql)
    assert tokens[-1].kind == "EOF"
    text = sql.split("\x00")[0]
    pos = 0
    for tok in tokens[:-1]:
        assert sql[tok.offset:tok.offset + len(tok.text)] == tok.text
        gap = text[pos:tok.offset]
        assert _GAP.match(gap), (sql, gap)
        pos = tok.offset + len(tok.text)
    assert _GAP.match(text[pos:]), (sql, text[pos:])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(list(
    "abxX019_$@:#?'\"`[]().,;+-*/%<>=!|&~^\\ \n") + ["--", "/*", "0x", "x'", "1e", "::", "é"]),
    max_size=25).map("".join))
def test_token_errors_match_sqlite3(text):
    from .test_parse_errors import assert_same_as_sqlite

    assert_same_as_sqlite("SELECT " + text)
