"""The parser accepts what sqlite3 accepts and builds the tree SQLite builds
(engine.sql.parser / engine.sql.ast against sqlite3 3.40)."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import OperationalError
from engine.sql import ast as A
from engine.sql import column_type, parse, parse_expression, parse_one
from engine.sql.tokens import KEYWORDS

from .sql_fixtures import fixture_names, fresh_connection, load, sqlite_verdict

VALID_FILES = [name for name in fixture_names() if name != "invalid"]
VALID = [(name, sql) for name in VALID_FILES for sql in load(name)]


def test_corpus_is_large():
    assert len(VALID) >= 400


@pytest.mark.parametrize("name", VALID_FILES)
def test_read_statements_accepted_by_sqlite3(name):
    for sql in load(name):
        verdict = sqlite_verdict(sql)
        assert verdict.kind in ("ok", "other"), (sql, verdict)
        stmt = parse_one(sql)
        assert isinstance(stmt, A.Statement), sql


@pytest.mark.parametrize("name", VALID_FILES)
def test_round_trip_through_to_sql(name):
    for sql in load(name):
        stmt = parse_one(sql)
        printed = stmt.to_sql()
        again = parse_one(printed)
        assert again == stmt, (sql, printed)
        assert again.to_sql() == printed
        # and what we print is SQL that sqlite3 reads
        verdict = sqlite_verdict(printed)
        assert verdict.kind in ("ok", "other"), (sql, printed, verdict)


@pytest.mark.parametrize("name", VALID_FILES)
def test_walk_reaches_every_node_once(name):
    for sql in load(name):
        stmt = parse_one(sql)
        nodes = list(stmt.walk())
        assert nodes[0] is stmt
        assert len({id(n) for n in nodes}) == len(nodes)
        for node in nodes:
            for child in node.children():
                assert isinstance(child, A.Node)


def test_parse_script_and_empty_statements():
    stmts = parse("SELECT 1;; CREATE TABLE x(a); -- end\n")
    assert [type(s) for s in stmts] == [A.Select, A.CreateTable]
    assert parse("") == []
    assert parse_one("") is None


# --------------------------------------------------------------------------
# CREATE TABLE against sqlite3's own view of the table


def _create_tables():
    for sql in load("create_table"):
        stmt = parse_one(sql)
        if stmt.as_select is None:
            yield sql, stmt


@pytest.mark.parametrize("sql,stmt", list(_create_tables()), ids=lambda x: x if isinstance(x, str) else "")
def test_read_create_table_like_sqlite3(sql, stmt):
    con = fresh_connection()
    con.execute(sql)
    schema = stmt.schema or ("temp" if stmt.temp else "main")
    table = stmt.name
    info = con.execute(f'PRAGMA "{schema}".table_xinfo("{table}")').fetchall()
    pk_names = [t.column_name.lower() for t in (stmt.primary_key or [])]
    assert [row[1] for row in info] == [c.name for c in stmt.columns]
    for (_cid, name, type_, notnull, dflt, pk, hidden), col in zip(info, stmt.columns):
        assert type_ == (col.type or ""), (sql, name)
        assert notnull == int(stmt.column_not_null(col)), (sql, name)
        default = col.default
        assert dflt == (default.text if default is not None else None), (sql, name)
        expected_pk = pk_names.index(name.lower()) + 1 if name.lower() in pk_names else 0
        assert pk == expected_pk, (sql, name)
        gen = col.generated
        expected_hidden = 0 if gen is None else (3 if gen.storage == "STORED" else 2)
        assert hidden == expected_hidden, (sql, name)
    row = con.execute(
        f'SELECT ncol, wr, strict FROM "{schema}".pragma_table_list WHERE name = ?', (table,)
    ).fetchone()
    assert row == (len(stmt.columns), int(stmt.without_rowid), int(stmt.strict))


@pytest.mark.parametrize(
    "type_text",
    [
        "INT", "int", "Integer", "VARCHAR(10)", "VARCHAR  (  10 )", "DECIMAL(10,5)",
        "unsigned   big /*x*/ int", '"foo" bar', "'text'", "[x y](1,  -2)", "int(+3)",
        "INT GENERATED ALWAYS", "TEXT generated   always", "key", "DOUBLE PRECISION",
        '"int"', "`blob`", "[real]", "'te''xt'", "any", "a 'b' c", "x(1.5)",
        "NATIONAL VARYING CHARACTER(20)", "generated always",
    ],
)
def test_declared_type_text_like_sqlite3(type_text):
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE TABLE x(c {type_text}, d)")
    expected = con.execute("PRAGMA table_info(x)").fetchone()[2]
    col = parse_one(f"CREATE TABLE x(c {type_text}, d)").columns[0]
    assert (col.type or "") == expected
    assert (column_type(type_text) or "") == expected


def test_create_table_fields_for_storage():
    stmt = parse_one(
        "CREATE TABLE IF NOT EXISTS main.x("
        "id INTEGER PRIMARY KEY DESC ON CONFLICT REPLACE,"
        " name TEXT NOT NULL COLLATE NOCASE DEFAULT 'n',"
        " g INT AS (id * 2) STORED,"
        " v GENERATED ALWAYS AS (name || 'x'),"
        " r REFERENCES other(a) ON DELETE CASCADE)"
    )
    assert (stmt.schema, stmt.name, stmt.if_not_exists, stmt.temp) == ("main", "x", True, False)
    id_, name, g, v, r = stmt.columns
    assert id_.type == "INTEGER"
    assert id_.primary_key == A.PrimaryKeyConstraint(None, "DESC", "REPLACE", False)
    assert stmt.primary_key == [A.OrderingTerm(A.Column("id"), "DESC")]
    assert name.not_null and name.collation == "NOCASE"
    assert name.default.expr == A.String("n") and name.default.text == "'n'"
    assert g.generated == A.GeneratedConstraint(None, parse_expression("id * 2"), "STORED")
    assert v.type is None and v.generated.storage == "VIRTUAL"
    assert r.references == [A.ForeignKeyClause("other", ["a"], [("DELETE", "CASCADE")])]
    assert not stmt.without_rowid and not stmt.strict


def test_table_primary_key_with_collation_and_order():
    stmt = parse_one("CREATE TABLE x(a TEXT, b INT, PRIMARY KEY(a COLLATE nocase DESC, b)) WITHOUT ROWID")
    (pk,) = stmt.constraints
    assert isinstance(pk, A.TablePrimaryKey)
    assert [(t.column_name, t.collation, t.direction) for t in pk.columns] == [
        ("a", "nocase", "DESC"),
        ("b", None, None),
    ]
    assert stmt.without_rowid and not stmt.strict


def test_create_index_fields():
    stmt = parse_one(
        "CREATE UNIQUE INDEX IF NOT EXISTS s.i ON t(a COLLATE nocase DESC, b + 1) WHERE a > 0"
    )
    assert (stmt.schema, stmt.name, stmt.table, stmt.unique, stmt.if_not_exists) == (
        "s", "i", "t", True, True)
    first, second = stmt.columns
    assert (first.column_name, first.collation, first.direction) == ("a", "nocase", "DESC")
    assert second.column_name is None and second.expr == parse_expression("b + 1")
    assert stmt.where == parse_expression("a > 0")


def test_create_trigger_and_virtual_table_fields():
    trig = parse_one(
        "CREATE TEMP TRIGGER IF NOT EXISTS tr INSTEAD OF UPDATE OF a, b ON v FOR EACH ROW "
        "WHEN new.a BEGIN SELECT 1; DELETE FROM t; END"
    )
    assert (trig.temp, trig.timing, trig.event, trig.columns, trig.table) == (
        True, "INSTEAD OF", "UPDATE", ["a", "b"], "v")
    assert trig.for_each_row and [type(s) for s in trig.body] == [A.Select, A.Delete]
    vt = parse_one("CREATE VIRTUAL TABLE x USING fts5(a, b UNINDEXED, tokenize = 'porter x', )")
    assert (vt.module, vt.args) == ("fts5", ["a", "b UNINDEXED", "tokenize = 'porter x'"])
    assert parse_one("CREATE VIRTUAL TABLE x USING dbstat").args is None


def test_join_operators_collapse_like_sqlite():
    stmt = parse_one("SELECT * FROM a LEFT OUTER JOIN b NATURAL FULL JOIN c , d CROSS JOIN e")
    ops = [(j.op, j.natural) for j in stmt.body.from_.joins]
    assert ops == [("LEFT", False), ("FULL", True), (",", False), ("CROSS", False)]


def test_parameters_are_numbered_like_sqlite3():
    sql = "SELECT ?, :a, ?5, ?, :a, @a, $b::c(d), ?2"
    stmt = parse_one(sql)
    params = [n for n in stmt.walk() if isinstance(n, A.Parameter)]
    con = sqlite3.connect(":memory:")
    # sqlite3 numbers them: bind by position and read back which value each gets
    count = 8
    values = list(range(100, 100 + count))
    try:
        row = con.execute(sql, values).fetchone()
    except sqlite3.ProgrammingError as exc:  # wrong count: find the real one
        n = int(str(exc).split("uses ")[1].split(",")[0])
        row = con.execute(sql, list(range(100, 100 + n))).fetchone()
    assert [100 + p.number - 1 for p in params] == list(row)


def test_normalizations():
    assert parse_expression("a == b") == parse_expression("a = b")
    assert parse_expression("a != b") == parse_expression("a <> b")
    assert parse_expression("a IS NOT DISTINCT FROM b") == parse_expression("a IS b")
    assert parse_expression("a IS DISTINCT FROM b") == parse_expression("a IS NOT b")
    assert parse_expression("a IS NULL") == A.IsNull(A.Column("a"), False)
    assert parse_expression("a NOT NULL") == parse_expression("a NOTNULL")
    assert parse_expression("((a))") == A.Column("a")
    limit = parse_one("SELECT 1 LIMIT 5, 10")
    assert (limit.limit, limit.offset) == (A.Number("10"), A.Number("5"))
    assert parse_one("CREATE TEMPORARY TABLE x(a)").temp


def test_precedence_examples():
    e = parse_expression("1 + 2 * 3 || 4")
    assert e == A.Binary("+", A.Number("1"), A.Binary("*", A.Number("2"),
                         A.Binary("||", A.Number("3"), A.Number("4"))))
    e = parse_expression("NOT a = b AND c")
    assert e == A.Binary("AND", A.Unary("NOT", A.Binary("=", A.Column("a"), A.Column("b"))),
                         A.Column("c"))
    e = parse_expression("-a COLLATE x")
    assert e == A.Collate(A.Unary("-", A.Column("a")), "x")
    e = parse_expression("a LIKE b ESCAPE c = d")
    assert isinstance(e, A.Binary) and isinstance(e.left, A.Like)


def test_true_false_are_identifiers_until_resolved():
    assert parse_expression("true") == A.Column("true")
    assert parse_expression('"true"') == A.Column("true", quote='"')
    assert parse_one("CREATE TABLE x(a DEFAULT true)").columns[0].default.expr == A.Boolean(True)
    assert parse_one("CREATE TABLE x(a DEFAULT abc)").columns[0].default.expr == A.String("abc")


# --------------------------------------------------------------------------
# keywords used as names, differential against sqlite3

TEMPLATES = [
    "CREATE TABLE x({kw} INT)",
    "CREATE TABLE {kw}(a)",
    "SELECT {kw} FROM t",
    "SELECT 1 AS {kw}",
    "SELECT 1 {kw}",
    "SELECT * FROM t {kw}",
    "SELECT * FROM t AS {kw}",
    "SELECT {kw}.a FROM t AS {kw}",
    "SELECT {kw}(1)",
    "CREATE TABLE x(a {kw})",
    "SELECT a FROM t ORDER BY a {kw}",
    "UPDATE t SET {kw} = 1",
    "CREATE INDEX {kw} ON t(a)",
    "WITH {kw} AS (SELECT 1) SELECT * FROM {kw}",
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_keywords_as_names_like_sqlite3(template):
    from .test_parse_errors import assert_same_as_sqlite

    kinds = set()
    for kw in sorted(KEYWORDS | {"WINDOW", "OVER", "FILTER", "TRUE", "ROWID", "STRICT"}):
        for spelling in (kw, kw.lower()):
            kinds.add(assert_same_as_sqlite(template.format(kw=spelling)))
    assert "parse" in kinds and ({"ok", "other"} & kinds)


# --------------------------------------------------------------------------
# generated expressions: printing keeps the meaning (sqlite3 evaluates both)

_leaf = st.one_of(
    st.integers(0, 20).map(lambda n: A.Number(str(n))),
    st.sampled_from(["1.5", "0.25", "2e1"]).map(A.Number),
    st.sampled_from(["a", "B", "", "%", "a_"]).map(A.String),
)
_BIN = ["OR", "AND", "=", "<>", "IS", "IS NOT", "<", "<=", ">", ">=", "&", "|", "<<", ">>",
        "+", "-", "*", "/", "%", "||"]


def _extend(children):
    return st.one_of(
        st.builds(A.Binary, st.sampled_from(_BIN), children, children),
        st.builds(A.Unary, st.sampled_from(["-", "+", "~", "NOT"]), children),
        st.builds(A.Collate, children, st.sampled_from(["nocase", "binary", "rtrim"])),
        st.builds(A.Like, children, children, st.sampled_from(["LIKE", "GLOB"]), st.booleans(),
                  st.none() | st.just(A.String("!"))),
        st.builds(A.Between, children, children, children, st.booleans()),
        st.builds(A.IsNull, children, st.booleans()),
        st.builds(lambda o, v, n: A.In(o, n, values=v), children,
                  st.lists(children, min_size=2, max_size=3), st.booleans()),
        st.builds(A.Cast, children, st.sampled_from(["INTEGER", "TEXT", "REAL", "NUMERIC"])),
        st.builds(lambda o, w, r, e: A.Case(o, [A.When(w, r)], e), st.none() | children,
                  children, children, st.none() | children),
        st.builds(lambda n, args: A.Function(n, args), st.sampled_from(["abs", "max", "coalesce"]),
                  st.lists(children, min_size=2, max_size=3)),
    )


EXPRESSIONS = st.recursive(_leaf, _extend, max_leaves=12)


def _fully_parenthesized(e: A.Expr) -> str:
    p = _fully_parenthesized
    if isinstance(e, A.Binary):
        return f"({p(e.left)} {e.op} {p(e.right)})"
    if isinstance(e, A.Unary):
        return f"({e.op} {p(e.operand)})"
    if isinstance(e, A.Collate):
        return f"({p(e.operand)} COLLATE {e.collation})"
    if isinstance(e, A.Like):
        esc = f" ESCAPE {p(e.escape)}" if e.escape is not None else ""
        return f"({p(e.operand)} {'NOT ' if e.negated else ''}{e.op} {p(e.pattern)}{esc})"
    if isinstance(e, A.Between):
        return (f"({p(e.operand)} {'NOT ' if e.negated else ''}BETWEEN {p(e.low)} "
                f"AND {p(e.high)})")
    if isinstance(e, A.IsNull):
        return f"({p(e.operand)} {'NOTNULL' if e.negated else 'ISNULL'})"
    if isinstance(e, A.In):
        return f"({p(e.operand)} {'NOT ' if e.negated else ''}IN ({', '.join(map(p, e.values))}))"
    if isinstance(e, A.Cast):
        return f"CAST({p(e.operand)} AS {e.type_name})"
    if isinstance(e, A.Case):
        w = e.whens[0]
        text = "CASE " + (p(e.operand) + " " if e.operand is not None else "")
        text += f"WHEN {p(w.condition)} THEN {p(w.result)} "
        if e.else_ is not None:
            text += f"ELSE {p(e.else_)} "
        return "(" + text + "END)"
    if isinstance(e, A.Function):
        return f"{e.name}({', '.join(map(p, e.args))})"
    return e.to_sql()


def _evaluate(con, sql):
    try:
        value = con.execute("SELECT " + sql).fetchone()[0]
    except (sqlite3.Error, OverflowError) as exc:
        return ("error", type(exc).__name__)
    if isinstance(value, float) and value != value:
        return ("nan",)
    return ("ok", type(value).__name__, value)


@settings(max_examples=200, deadline=None)
@given(EXPRESSIONS)
def test_printed_expression_reads_back_and_means_the_same(expr):
    printed = expr.to_sql()
    assert parse_expression(printed) == expr, printed
    con = sqlite3.connect(":memory:")
    assert _evaluate(con, printed) == _evaluate(con, _fully_parenthesized(expr)), printed


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(
    list("()',.;*-+/|<>=!~ \n\"[]`x0123456789") + ["SELECT", " FROM ", " t", " WHERE ", " AND ",
                                                   " NOT ", " IN ", "?", ":a", " CASE ", " END",
                                                   " BETWEEN ", " LIKE ", " ESCAPE ", " IS ",
                                                   " NULL", "/*", "--", "X'", "0x", "1e"]),
    max_size=30).map("".join))
def test_random_token_soup_fails_like_sqlite3(text):
    from .test_parse_errors import assert_same_as_sqlite

    assert_same_as_sqlite("SELECT " + text)


def test_errors_are_operational_errors():
    with pytest.raises(OperationalError):
        parse_one("SELECT FROM")


# --------------------------------------------------------------------------
# the text SQLite stores in sqlite_schema


def _creates():
    for name in ("create_table", "create_other"):
        for sql in load(name):
            stmt = parse_one(sql)
            if isinstance(stmt, (A.CreateTable, A.CreateIndex, A.CreateView, A.CreateTrigger,
                                 A.CreateVirtualTable)):
                yield sql
    yield "create   table if not exists  main.\"T1\"  ( a int , b ) ;"
    yield "CREATE TABLE x(a INT PRIMARY KEY) WITHOUT ROWID /* c */ ;"
    yield "CREATE TABLE x(a INT PRIMARY KEY) STRICT,WITHOUT ROWID   "
    yield "CREATE TABLE x(a INT PRIMARY KEY) /* c */ ;"
    yield "create index i3 on t(a) /* c */ "
    yield "create index i3 on t(a) where a>1 /* c */ ;"
    yield "create temporary view if not exists v1 (x) as select 1 -- c\n ;"
    yield "create view v1 as select 1 /* c */ "
    yield "create temp trigger tr2 before delete on main.t for each row begin select 2; end /* x */"
    yield "create virtual table vt using fts5( a , b ) /* x */"


@pytest.mark.parametrize("sql", list(_creates()))
def test_schema_text_like_sqlite3(sql):
    stmt = parse_one(sql)
    con = fresh_connection()
    con.execute("DROP INDEX i")
    con.execute(sql)
    rows = con.execute(
        "SELECT sql FROM sqlite_master WHERE name = ?1 UNION ALL "
        "SELECT sql FROM sqlite_temp_master WHERE name = ?1", (stmt.name,)
    ).fetchall()
    assert len(rows) == 1
    if isinstance(stmt, A.CreateTable) and stmt.as_select is not None:
        assert stmt.schema_sql is None
    else:
        assert stmt.schema_sql == rows[0][0]


def test_aggregate_order_by_only_with_the_3_44_grammar():
    sql = "SELECT group_concat(a, ',' ORDER BY b DESC, c) FILTER (WHERE a) FROM t"
    # the reference sqlite3 (3.40) rejects it, and so do we by default
    from .test_parse_errors import assert_same_as_sqlite

    assert assert_same_as_sqlite(sql) == "parse"
    stmt = parse_one(sql, version=(3, 44, 0))
    func = stmt.body.columns[0].expr
    assert func.order_by == [A.OrderingTerm(A.Column("b"), "DESC"), A.OrderingTerm(A.Column("c"))]
    assert parse_one(stmt.to_sql(), version=(3, 44, 0)) == stmt


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT " + "+".join(["1"] * 999),
        "SELECT " + " AND ".join(["a"] * 999),
        "SELECT " + " || ".join(["'x'"] * 999),
        "SELECT 1" + " COLLATE nocase" * 20000,
        "SELECT 1" + " ISNULL" * 990,
        "SELECT 1" + " NOT LIKE 'x'" * 990,
        "SELECT 1" + " IN (1, 2)" * 990,
        "SELECT 1" + " BETWEEN 0 AND 2" * 990,
    ],
    ids=["plus", "and", "concat", "collate", "isnull", "like", "in", "between"],
)
def test_long_operator_chains_print_compare_and_walk_without_recursion(sql):
    stmt = parse_one(sql)
    again = parse_one(stmt.to_sql())
    assert again == stmt
    assert again != parse_one("SELECT 1")
    assert sum(1 for _ in stmt.walk()) > 990
