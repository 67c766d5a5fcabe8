"""Random schemas, data and SELECT queries for the differential oracle.

Design (the choice the issue asks for): one generator class,
:class:`Generator`, makes every decision through a small *choices* object
with ``integer(lo, hi)``, ``choice(seq)`` and ``chance(p)``. Two
implementations exist:

* :class:`RandomChoices` wraps ``random.Random(seed)``: campaigns use it, so a
  case is reproducible from ``(seed, batch, index)`` alone (``case_seed``);
* :class:`DrawChoices` wraps Hypothesis's ``data.draw``: the strategies
  :func:`schemas` and :func:`cases` drive the *same* generator, so a failing
  example found by ``@given`` or ``hypothesis.find`` shrinks the way
  Hypothesis shrinks integers: towards option 0 of every choice, which is
  always the simplest (a column reference, no WHERE, one table, ...).

What is generated (SQLite's lang_createtable, lang_select, lang_expr):

* Schemas: 1-3 tables; columns with declared types of every affinity
  (INTEGER, TEXT, BLOB/none, REAL, NUMERIC and their aliases such as
  VARCHAR(10), DOUBLE, DECIMAL(10,5), BOOLEAN), COLLATE BINARY/NOCASE/RTRIM,
  INTEGER PRIMARY KEY, composite and non-integer PRIMARY KEYs, WITHOUT ROWID,
  UNIQUE; indexes on one to three columns with COLLATE and DESC, partial and
  expression indexes; sometimes a 512-byte page so long values overflow.
* Values of every storage class including edge values: 0, -0.0, 2**63-1,
  -2**63, huge and tiny reals, +-Inf, empty text and blobs, unicode,
  numeric-looking text (' 12 ', '1e3', '0x10'), long text and blobs that
  overflow pages; NaN-producing expressions appear in queries.
* Queries: a grammar over SELECT: result columns and ``*``, DISTINCT, FROM
  with joins (inner, LEFT/RIGHT/FULL OUTER, CROSS, comma, NATURAL, USING),
  subqueries, VALUES, views (``CREATE VIEW`` in the setup) and WITH tables
  (plain, VALUES, recursive ones bounded by a WHERE and a LIMIT; MATERIALIZED
  hints), WHERE, GROUP BY, HAVING, aggregates (DISTINCT, FILTER,
  group_concat with a separator, json_group_array/object), window functions
  (row_number, rank, dense_rank, percent_rank, cume_dist, ntile, lag, lead,
  first/last/nth_value, aggregates OVER; ROWS/RANGE/GROUPS frames, EXCLUDE,
  named windows), ORDER BY by position and by expression with
  COLLATE/DESC/NULLS FIRST/LAST, LIMIT/OFFSET, compound selects, top-level
  VALUES, bound parameters (``?``, ``?NNN``, ``:name``/``@name``/``$name``;
  values from :func:`parameters`), and expressions (arithmetic, comparison,
  logic, IS [NOT] [DISTINCT FROM], BETWEEN, IN list/subquery, EXISTS, scalar
  and correlated subqueries, LIKE/GLOB, LIKE ... ESCAPE, CASE, CAST, COLLATE,
  core functions, date/time functions with modifiers but never 'now', math
  functions, printf/format, the JSON functions and ``->``/``->>``).
  ``max_depth`` bounds the nesting of expressions and subqueries;
  :data:`FEATURES` lists the tags a campaign's coverage table must show.

Nondeterminism (see :mod:`oracle.compare`): window functions whose value
depends on the order of peers get a window ORDER BY over every column under
BINARY plus typeof(); group_concat is compared by its length in bytes over
non-empty values; aggregate arguments never reference outer queries; HAVING
reads group keys and aggregates only.

Queries are trees of :class:`Node` (kind, parts, tag): the minimizer removes
and replaces subtrees by kind, and the tags feed the coverage table. The
nondeterminism policy of :mod:`oracle.compare` is respected by construction:
no random()/now, LIMIT only under a total binary ORDER BY, GROUP BY keys,
DISTINCT and compound results under ``COLLATE BINARY``, min()/max() over
``COLLATE BINARY`` arguments, scalar subqueries that are aggregates.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from oracle.compare import OrderKey

# -- choices --------------------------------------------------------------------------------


class RandomChoices:
    """Choices from a seeded ``random.Random`` (campaigns)."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, seq):
        return seq[self.integer(0, len(seq) - 1)]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


class DrawChoices(RandomChoices):
    """Choices drawn from Hypothesis (``st.data()``), so examples shrink."""

    def __init__(self, data):
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        from hypothesis import strategies as st

        return self.data.draw(st.integers(lo, hi))

    def chance(self, p: float) -> bool:
        # shrinks to 0, i.e. to False: the simpler alternative
        return self.integer(0, 999) >= 1000 * (1.0 - p)


def case_seed(seed: int, batch: int, index: int | None = None) -> str:
    """The seed string of one database (``index`` None) or one query of a campaign."""
    return f"{seed}:{batch}" if index is None else f"{seed}:{batch}:{index}"


# -- query trees -----------------------------------------------------------------------------


class Node:
    """A piece of SQL: ``parts`` are strings and child nodes, rendered in order.

    ``kind`` says what the minimizer may do with it: ``expr`` (replace by a
    descendant expression or a literal), ``clause`` (drop), ``list`` (items
    joined by ``sep``; drop items), ``query`` (replace by a descendant query),
    anything else (leave). ``tag`` names the grammar feature (coverage).
    """

    __slots__ = ("kind", "parts", "tag", "sep", "meta")

    def __init__(self, kind: str, parts, tag: str | None = None, sep: str = "", **meta):
        self.kind = kind
        self.parts = list(parts)
        self.tag = tag
        self.sep = sep
        self.meta = meta

    def sql(self) -> str:
        out = [p if isinstance(p, str) else p.sql() for p in self.parts]
        return self.sep.join(out)

    __str__ = sql

    def walk(self):
        yield self
        for p in self.parts:
            if isinstance(p, Node):
                yield from p.walk()

    def copy(self) -> Node:
        n = Node(self.kind, [p if isinstance(p, str) else p.copy() for p in self.parts],
                 self.tag, self.sep)
        n.meta = dict(self.meta)
        return n

    def size(self) -> int:
        return sum(1 for _ in self.walk())

    def tags(self) -> Counter:
        return Counter(n.tag for n in self.walk() if n.tag)


def E(parts, tag=None) -> Node:  # noqa: N802 - short constructor of expression nodes
    return Node("expr", parts, tag)


def query_order(root: Node) -> tuple[list[OrderKey] | None, bool]:
    """The ORDER BY keys of the outermost query and whether it has a LIMIT."""
    order, limited = None, False
    for p in root.parts:
        if isinstance(p, Node) and p.kind == "clause":
            if p.tag == "orderby":
                order = list(p.meta.get("keys", ()))
            elif p.tag == "limit":
                limited = True
    return order, limited


def total_order(root: Node, ncolumns: int) -> bool:
    """True when the outermost ORDER BY orders by every output column under BINARY."""
    order, _ = query_order(root)
    if not order:
        return False
    covered = {k.column for k in order if k.collation == "BINARY"}
    return covered >= set(range(ncolumns))


# The SELECT features of the engine's SQL issue, as coverage tags or tag families (a family
# ``f`` is covered by any tag ``f.*``). A campaign's coverage table shows each of them; the
# tests require every one of them in a modest sqlite3-against-sqlite3 campaign.
FEATURES = (
    # joins
    "join.join", "join.inner", "join.left", "join.right", "join.full", "join.cross",
    "join.comma", "join.natural", "join.using", "from.subquery", "from.values", "from.view",
    "from.cte", "schema.view",
    # query shapes
    "select.distinct", "select.aggregate", "select.values", "groupby", "having", "where",
    "orderby", "orderby.expr", "orderby.collate_nulls", "limit", "compound.union",
    "compound.union all", "compound.intersect", "compound.except", "cte.with", "cte.plain",
    "cte.values", "cte.recursive", "cte.recursive_bounded",
    # windows
    "window.row_number", "window.rank", "window.dense_rank", "window.percent_rank",
    "window.cume_dist", "window.ntile", "window.lag", "window.lead", "window.first_value",
    "window.last_value", "window.nth_value", "window.sum", "window.count", "window.count_star",
    "window.max", "window.min", "window.avg", "window.total", "window.group_concat",
    "window.frame.rows", "window.frame.range", "window.frame.groups", "window.exclude",
    "window.named",
    # parameters
    "param.anonymous", "param.numbered", "param.named",
    # expressions
    "expr.case", "expr.cast", "expr.between", "expr.like", "expr.like_escape", "expr.is",
    "expr.is_distinct", "expr.isnull", "expr.in_list", "expr.in_subquery", "expr.exists",
    "expr.scalar_subquery", "expr.correlated", "expr.collate", "expr.concat", "expr.bitwise",
    "expr.arith", "expr.logic", "expr.unary", "expr.nan",
    # functions
    "func.datetime.date", "func.datetime.time", "func.datetime.datetime",
    "func.datetime.julianday", "func.datetime.unixepoch", "func.datetime.strftime",
    "func.math", "func.printf", "func.format", "func.json.json_extract", "expr.json_arrow",
    "expr.json_arrow2", "func.json.json_array", "func.json.json_object", "func.json",
    # aggregates
    "agg.count_star", "agg.count", "agg.count_distinct", "agg.distinct", "agg.filter",
    "agg.sum", "agg.total", "agg.avg", "agg.min", "agg.max", "agg.group_concat",
    "agg.group_concat_sep", "agg.json_group_array", "agg.json_group_object",
    # metamorphic relations
    "oracle.tlp", "oracle.norec", "oracle.tlp_agg", "oracle.tlp_distinct", "oracle.tlp_groupby",
)


# table-valued functions in FROM (engine/exec/tvf.py)
FEATURES += ("from.json_each", "from.json_tree", "from.pragma", "from.tvf_correlated")

# sqlassay issue 5: row values, evaluation order, parenthesized joins, ordered recursive CTEs,
# RANGE frames over any values
FEATURES += ("expr.row_in_subquery", "expr.row_in_list", "expr.row_compare_subquery",
             "expr.short_circuit", "from.paren_join", "cte.recursive_orderby",
             "window.range_any")


def missing_features(tags) -> list[str]:
    """The :data:`FEATURES` that none of ``tags`` (a coverage table's keys) exercises."""
    tags = set(tags)
    return [f for f in FEATURES if f not in tags and not any(t.startswith(f + ".")
                                                              for t in tags)]


# -- schemas and data ------------------------------------------------------------------------

DECLARED_TYPES = [
    ("INTEGER", "integer"), ("INT", "integer"), ("BIGINT", "integer"),
    ("TEXT", "text"), ("VARCHAR(10)", "text"), ("CLOB", "text"),
    ("", "blob"), ("BLOB", "blob"),
    ("REAL", "real"), ("DOUBLE", "real"), ("FLOAT", "real"),
    ("NUMERIC", "numeric"), ("DECIMAL(10,5)", "numeric"), ("BOOLEAN", "numeric"),
    ("DATE", "numeric"),
]
COLLATIONS = ["BINARY", "NOCASE", "RTRIM"]


@dataclass
class Column:
    name: str
    decl: str
    affinity: str
    collation: str | None = None
    not_null: bool = False


@dataclass
class Table:
    name: str
    columns: list[Column]
    primary_key: list[str] = field(default_factory=list)
    integer_pk: bool = False
    without_rowid: bool = False
    unique: list[str] = field(default_factory=list)

    def create_sql(self) -> str:
        defs = []
        for c in self.columns:
            d = f"{c.name} {c.decl}".rstrip()
            if self.integer_pk and c.name == self.primary_key[0]:
                d += " PRIMARY KEY"
            if c.collation:
                d += f" COLLATE {c.collation}"
            if c.not_null:
                d += " NOT NULL"
            if c.name in self.unique:
                d += " UNIQUE"
            defs.append(d)
        if self.primary_key and not self.integer_pk:
            defs.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        tail = " WITHOUT ROWID" if self.without_rowid else ""
        return f"CREATE TABLE {self.name}({', '.join(defs)}){tail}"


@dataclass
class Schema:
    tables: list[Table]
    statements: list[str]  # the setup script, one statement each (CREATE, INSERT, INDEX)
    features: Counter = field(default_factory=Counter)


INT_EDGES = [0, 1, -1, 2, 3, 7, 10, 100, -100, 2**31 - 1, -(2**31), 2**63 - 1, -(2**63),
             2**53 + 1, 4294967296]
REAL_EDGES = [0.0, -0.0, 1.5, -2.5, 0.1, 1.0, 3.0, 1e308, -1e308, 5e-324,
              2.2250738585072014e-308, 1e15 + 0.5, 123456789.125, float("inf"),
              float("-inf"), 9.223372036854776e18, -9.223372036854776e18]
TEXT_EDGES = ["", "a", "A", "b", "B", "abc", "ABC", "x ", " x", "12", " 12 ", "1e3", "0x10",
              "-0", "3.0", "1", "2", "é", "É", "ß", "日本", "\U0001f600", "a\tb", "it's",
              "%", "_", "a%b", "NULL", "zz"]
BLOB_EDGES = [b"", b"\x00", b"A", b"\xff\x00", b"abc", b"\x01\x02"]


def sql_literal(v) -> str:
    """``v`` as an SQL literal that sqlite3 reads back as the same value and class."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v:
            return "(1e999-1e999)"
        if v == float("inf"):
            return "1e999"
        if v == float("-inf"):
            return "-1e999"
        if v == 0.0 and str(v).startswith("-"):
            return "-0.0"
        text = repr(v)
        if "e" not in text and "." not in text and "inf" not in text:
            text += ".0"
        return text
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    if isinstance(v, (bytes, bytearray)):
        return "X'" + bytes(v).hex().upper() + "'"
    raise TypeError(f"no SQL literal for {type(v).__name__}")


class Generator:
    """Makes schemas, rows and queries from a choices object (see module docstring)."""

    def __init__(self, choices, *, max_depth: int = 3, max_rows: int = 8):
        self.c = choices
        self.max_depth = max_depth
        self.max_rows = max_rows
        self.tags: Counter = Counter()
        self.param_style: str | None = None  # set per query by query(): "?", "?NNN", ":name"
        self.param_count = 0
        self.ctes: list[tuple[str, list[str]]] = []  # WITH tables visible to FROM
        self.windows: list[list] = []  # stack: the named windows of each SELECT being built

    # -- values -----------------------------------------------------------------------------
    def value(self, affinity: str | None = None):
        c = self.c
        kind = c.integer(0, 9)
        if kind == 0:
            return None
        if kind <= 3 - (affinity == "text"):
            if c.chance(0.6):
                return c.choice(INT_EDGES)
            return c.integer(-(2**63), 2**63 - 1) if c.chance(0.3) else c.integer(-50, 50)
        if kind <= 5:
            if c.chance(0.6):
                return c.choice(REAL_EDGES)
            return c.integer(-1000, 1000) / 8.0
        if kind <= 8:
            if c.chance(0.07):
                self.tags["value.long-text"] += 1
                return c.choice("xyzXYZ") * c.integer(600, 3000)
            return c.choice(TEXT_EDGES)
        if c.chance(0.1):
            self.tags["value.long-blob"] += 1
            return bytes([c.integer(0, 255)]) * c.integer(600, 3000)
        return c.choice(BLOB_EDGES)

    # -- schema -----------------------------------------------------------------------------
    def schema(self) -> Schema:
        c = self.c
        stmts: list[str] = []
        feats: Counter = Counter()
        if c.chance(0.25):
            size = c.choice([512, 1024])
            stmts.append(f"PRAGMA page_size={size}")
            feats[f"schema.page_size_{size}"] += 1
        tables = []
        for ti in range(c.integer(1, 3)):
            ncol = c.integer(1, 5)
            cols = []
            for ci in range(ncol):
                decl, aff = c.choice(DECLARED_TYPES)
                coll = c.choice(COLLATIONS) if c.chance(0.4) else None
                cols.append(Column(f"c{ci}", decl, aff, coll, not_null=c.chance(0.08)))
                feats[f"schema.affinity.{aff}"] += 1
                if coll:
                    feats[f"schema.collate.{coll}"] += 1
            t = Table(f"t{ti}", cols)
            pk = c.integer(0, 4)
            if pk == 1:
                cols[0].decl, cols[0].affinity, cols[0].collation = "INTEGER", "integer", None
                t.primary_key, t.integer_pk = [cols[0].name], True
                feats["schema.integer_primary_key"] += 1
            elif pk >= 2:
                k = c.integer(1, min(2, ncol))
                t.primary_key = [col.name for col in cols[:k]]
                feats["schema.primary_key"] += 1
                if pk >= 3:
                    t.without_rowid = True
                    feats["schema.without_rowid"] += 1
            if ncol > 1 and c.chance(0.15):
                t.unique.append(cols[-1].name)
                feats["schema.unique"] += 1
            tables.append(t)
            stmts.append(t.create_sql())
            for _ in range(c.integer(0, self.max_rows)):
                values = [c.choice(self.CASE_TEXTS) if col.collation in ("NOCASE", "RTRIM")
                          and c.chance(0.4) else self.value(col.affinity) for col in cols]
                if t.integer_pk and c.chance(0.7):
                    values[0] = c.integer(-5, 40) if c.chance(0.8) else c.choice(INT_EDGES)
                stmts.append(f"INSERT INTO {t.name} VALUES("
                             f"{', '.join(sql_literal(v) for v in values)})")
            for ii in range(c.integer(0, 2)):
                k = c.integer(1, min(3, ncol))
                start = c.integer(0, ncol - k)
                terms = []
                for col in cols[start:start + k]:
                    term = col.name
                    if c.chance(0.25):
                        term += f" COLLATE {c.choice(COLLATIONS)}"
                        feats["schema.index_collate"] += 1
                    if c.chance(0.2):
                        term += " DESC"
                    terms.append(term)
                if c.chance(0.1):
                    terms = [f"lower({cols[start].name})"]
                    feats["schema.expression_index"] += 1
                where = ""
                if c.chance(0.1):
                    where = f" WHERE {cols[start].name} IS NOT NULL"
                    feats["schema.partial_index"] += 1
                uniq = "UNIQUE " if c.chance(0.1) else ""
                feats["schema.index" if k == 1 else "schema.index_multi"] += 1
                stmts.append(f"CREATE {uniq}INDEX i{ti}_{ii} ON {t.name}"
                             f"({', '.join(terms)}){where}")
        if c.chance(0.35):
            # a view over one table: direct column references keep affinity and collation
            base = c.choice(tables)
            picked = [c.choice(base.columns) for _ in range(c.integer(1, 3))]
            vcols = [Column(f"c{i}", col.decl, col.affinity, col.collation)
                     for i, col in enumerate(picked)]
            where = ""
            if c.chance(0.5):
                where = f" WHERE {picked[0].name} IS NOT NULL"
            stmts.append(f"CREATE VIEW v0({', '.join(v.name for v in vcols)}) AS SELECT "
                         f"{', '.join(col.name for col in picked)} FROM {base.name}{where}")
            tables.append(Table("v0", vcols))
            feats["schema.view"] += 1
        return Schema(tables, stmts, feats)

    # -- expressions -------------------------------------------------------------------------
    def literal(self) -> Node:
        c = self.c
        pool = [1, 0, -1, 2, 10, "a", "", None, 0.5, -0.0, "A", "1", " 1", "abc", b"", b"A",
                2**63 - 1, -(2**63), 1e308, "x%", "_b", 3.0, "ABC", float("inf")]
        if c.chance(0.05):
            return E(["(1e999-1e999)"], "expr.nan")
        return E([sql_literal(c.choice(pool))], "expr.literal")

    def column(self, scope, entry=None) -> Node:
        entry = entry or self.c.choice(scope)
        qual, name = entry[0], entry[1]
        return E([f"{qual}.{name}" if qual else name], "expr.column")

    CASE_TEXTS = ["a", "A", "abc", "ABC", "b", "B", "x ", "x", "é", "É"]
    NUMERIC_TEXTS = ["1", " 1", "1.0", "12", "-0", "1e3", "3.0", "abc"]

    def literal_for(self, entry) -> Node:
        """A literal chosen to test the column's collation or affinity."""
        c = self.c
        coll = entry[2] if len(entry) > 2 else None
        aff = entry[3] if len(entry) > 3 else None
        if coll in ("NOCASE", "RTRIM") and c.chance(0.7):
            return E([sql_literal(c.choice(self.CASE_TEXTS))], "expr.literal_collation")
        if aff in ("integer", "real", "numeric") and c.chance(0.5):
            return E([sql_literal(c.choice(self.NUMERIC_TEXTS))], "expr.literal_affinity")
        return self.literal()

    def expr(self, scope, depth: int, *, agg: bool = False, outer=()) -> Node:
        """An expression over ``scope`` (list of (qualifier, column, collation))."""
        c = self.c
        if depth <= 0 or c.chance(0.3):
            if scope and (c.chance(0.75) or not outer):
                return self.column(scope)
            if outer and c.chance(0.5):
                n = self.column(outer)
                n.tag = "expr.correlated"
                return n
            return self.literal()
        d = depth - 1
        x = lambda: self.expr(scope, d, agg=agg, outer=outer)  # noqa: E731
        if c.chance(0.2):
            return self.wide_expr(x, scope, depth)
        k = c.integer(0, 23)
        if k <= 2:
            op = c.choice(["=", "<", ">", "<=", ">=", "!=", "<>", "=="])
            if scope and c.chance(0.5):
                # a column against a column or a literal: what indexes and collations see
                entry = c.choice(scope)
                right = self.column(scope) if c.chance(0.4) else self.literal_for(entry)
                return E([self.column(scope, entry), f" {op} ", right], "expr.compare")
            return E([x(), f" {op} ", x()], "expr.compare")
        if k == 3:
            op = c.choice(["+", "-", "*", "/", "%"])
            return E(["(", x(), f" {op} ", x(), ")"], "expr.arith")
        if k == 4:
            return E(["(", x(), f" {c.choice(['AND', 'OR'])} ", x(), ")"], "expr.logic")
        if k == 5:
            return E([c.choice(["NOT ", "-", "+", "~"]), "(", x(), ")"], "expr.unary")
        if k == 6:
            op = c.choice(["IS", "IS NOT", "IS NOT DISTINCT FROM", "IS DISTINCT FROM"])
            return E(["(", x(), f" {op} ", x(), ")"], "expr.is")
        if k == 7:
            return E(["(", x(), c.choice([" IS NULL", " NOTNULL", " IS NOT NULL", " ISNULL"]),
                      ")"], "expr.isnull")
        if k == 8:
            neg = c.choice(["", "NOT "])
            return E(["(", x(), f" {neg}BETWEEN ", x(), " AND ", x(), ")"], "expr.between")
        if k == 9:
            items = Node("list", [x() for _ in range(c.integer(1, 3))], sep=", ")
            neg = c.choice(["", "NOT "])
            return E(["(", x(), f" {neg}IN (", items, "))"], "expr.in_list")
        if k == 10:
            op = c.choice(["LIKE", "GLOB", "NOT LIKE"])
            pat = c.choice(["'a%'", "'%b%'", "'_'", "'A%'", "'%'", "'1%'", "'*a*'", "'[a-c]*'"])
            if c.chance(0.5):
                return E(["(", x(), f" {op} {pat})"], "expr.like")
            return E(["(", x(), f" {op} ", x(), ")"], "expr.like")
        if k == 11:
            whens = [Node("item", [" WHEN ", x(), " THEN ", x()])
                     for _ in range(c.integer(1, 2))]
            base = [" ", x()] if c.chance(0.3) else []
            els = [Node("clause", [" ELSE ", x()], "else")] if c.chance(0.6) else []
            return E(["(CASE", *base, Node("list", whens), *els, " END)"], "expr.case")
        if k == 12:
            t = c.choice(["INTEGER", "REAL", "TEXT", "BLOB", "NUMERIC"])
            return E(["CAST(", x(), f" AS {t})"], f"expr.cast.{t.lower()}")
        if k == 13:
            return E(["(", x(), f" COLLATE {c.choice(COLLATIONS)})"], "expr.collate")
        if k == 14:
            return E(["(", x(), " || ", x(), ")"], "expr.concat")
        if k == 15:
            op = c.choice(["&", "|", "<<", ">>"])
            return E(["(", x(), f" {op} ", x(), ")"], "expr.bitwise")
        if k <= 18:
            return self.function(scope, d, agg=agg, outer=outer)
        if k == 19 and depth >= 2:
            sub = self.select(depth - 1, outer=list(outer) + list(scope), columns=1,
                              scalar=False, allow_limit=False)
            neg = c.choice(["", "NOT "])
            return E(["(", x(), f" {neg}IN (", sub, "))"], "expr.in_subquery")
        if k == 20 and depth >= 2:
            sub = self.select(depth - 1, outer=list(outer) + list(scope), columns=1,
                              scalar=False, allow_limit=False)
            return E([c.choice(["", "NOT "]), "EXISTS (", sub, ")"], "expr.exists")
        if k == 21 and depth >= 2:
            sub = self.select(depth - 1, outer=list(outer) + list(scope), columns=1,
                              scalar=True, allow_limit=False)
            return E(["(", sub, ")"], "expr.scalar_subquery")
        if agg and k >= 22:
            return self.aggregate(scope, d, outer)
        if k == 23 and depth >= 2 and self.issue5_fire(0.8):  # issue 5 block below
            return self.issue5_expr(scope, depth, outer)
        return self.function(scope, d, agg=agg, outer=outer)

    # -- the wider expression grammar (dates, math, printf, JSON, parameters, ESCAPE) -------
    DATES = ["'2024-02-29'", "'2000-01-01 12:34:56'", "'1970-01-01'", "'2024-02-29T23:59:59.999'",
             "'12:00'", "'2023-12-31 23:59:59'", "2460000.5", "'0001-01-01'", "'9999-12-31'",
             "'2021-03-04 05:06:07.089'", "'2024-13-01'", "'1999-02-28 24:00:00'"]
    MODIFIERS = ["'+1 day'", "'-3 months'", "'+1 year'", "'start of month'", "'start of year'",
                 "'weekday 0'", "'weekday 3'", "'+2 hours'", "'+90 minutes'", "'start of day'",
                 "'-1.5 days'", "'+45 seconds'", "'-0001-00-00 01:00'", "'+12 months'"]
    STRFTIME = ["'%Y-%m-%d'", "'%H:%M:%S'", "'%j'", "'%w'", "'%s'", "'%f'", "'%J'", "'%W'",
                "'%Y %% %d'", "'%m/%d %H'"]
    MATH = [("sqrt", 1), ("pow", 2), ("power", 2), ("exp", 1), ("ln", 1), ("log", 1), ("log", 2),
            ("log10", 1), ("log2", 1), ("floor", 1), ("ceil", 1), ("ceiling", 1), ("trunc", 1),
            ("sin", 1), ("cos", 1), ("tan", 1), ("atan", 1), ("atan2", 2), ("pi", 0), ("mod", 2),
            ("degrees", 1), ("radians", 1), ("acos", 1), ("asin", 1), ("tanh", 1)]
    PRINTF = ["'%d'", "'%5.2f|'", "'%-6d|'", "'%s'", "'%e'", "'%.3e'", "'%g'", "'%!.15g'",
              "'%x'", "'%X'", "'%o'", "'%c'", "'%q'", "'%Q'", "'%w'", "'%+d'", "'% d'", "'%05d'",
              "'%10.3s|'", "'%-8s|'", "'%.0f'", "'%,d'", "'%i%%'", "'%.20f'", "'%lld'", "'%!d'"]
    JSON_DOCS = ["'{\"a\":1,\"b\":[1,2,\"x\"],\"c\":{\"d\":null}}'", "'[1,2.5,\"three\",null,true]'",
                 "'{\"a\":\"A\",\"b\":{}}'", "'[]'", "'{}'", "'\"str\"'", "'12'", "'not json'",
                 "'[[1],[2,[3]]]'", "'{\"a\":-0.0,\"e\":1e400}'"]
    JSON_PATHS = ["'$'", "'$.a'", "'$.b[1]'", "'$[0]'", "'$.c.d'", "'$[#-1]'", "'$.b'",
                  "'$[1]'", "'$.zz'"]

    def param(self, tag_value=None) -> Node:
        """A bound parameter in this query's style; its value travels in ``meta``."""
        c = self.c
        self.param_count += 1
        value = tag_value if tag_value is not None else c.choice(
            [1, 0, -1, 2.5, "a", "A", "", None, b"\x01", "12", 2**63 - 1, -0.0, "x%"])
        if self.param_style == "?":
            return Node("expr", ["?"], "param.anonymous", value=value)
        if self.param_style == "?NNN":
            # reuse an earlier number sometimes: the same slot read twice
            n = self.param_count if self.param_count == 1 or c.chance(0.7) else \
                c.integer(1, self.param_count - 1)
            if n != self.param_count:
                self.param_count -= 1
                return Node("expr", [f"?{n}"], "param.numbered", index=n, value=None)
            return Node("expr", [f"?{n}"], "param.numbered", index=n, value=value)
        prefix = c.choice([":", "@", "$"])
        return Node("expr", [f"{prefix}p{self.param_count}"], "param.named",
                    name=f"p{self.param_count}", value=value)

    def wide_expr(self, x, scope, depth) -> Node:
        c = self.c
        k = c.integer(0, 7)
        if k == 0 and self.param_style:
            return self.param()
        if k <= 1:
            name = c.choice(["date", "time", "datetime", "julianday", "unixepoch", "strftime"])
            args: list = []
            if name == "strftime":
                args.append(E([c.choice(self.STRFTIME)], "expr.literal"))
            if c.chance(0.7):
                args.append(E([c.choice(self.DATES)], "expr.literal"))
            elif c.chance(0.5):
                args += [E([str(c.choice([0, 86400, 1e9, 1700000000, -1]))], "expr.literal"),
                         E(["'unixepoch'"], "expr.literal")]
            else:
                args.append(x())
            for _ in range(c.choice([0, 0, 1, 2])):
                args.append(E([c.choice(self.MODIFIERS)], "expr.literal"))
            return self._call(name, args, f"func.datetime.{name}")
        if k == 2:
            name, n = c.choice(self.MATH)
            return self._call(name, [x() for _ in range(n)], f"func.math.{name}")
        if k == 3:
            fmt = c.choice(self.PRINTF)
            nargs = max(1, fmt.count("%") - 2 * fmt.count("%%"))
            name = c.choice(["printf", "format"])
            return self._call(name, [E([fmt], "expr.literal")] + [x() for _ in range(nargs)],
                              f"func.{name}")
        if k <= 5:
            return self.json_expr(x)
        if k == 6:
            esc = c.choice(["!", "\\\\", "#"])[0]
            pat = c.choice([f"a{esc}%%", f"%{esc}_%", f"{esc}%", f"_{esc}{esc}%", "a%",
                            f"%{esc}%"])
            op = c.choice(["LIKE", "NOT LIKE"])
            return E(["(", x(), f" {op} {sql_literal(pat)} ESCAPE {sql_literal(esc)})"],
                     "expr.like_escape")
        op = c.choice(["IS DISTINCT FROM", "IS NOT DISTINCT FROM"])
        return E(["(", x(), f" {op} ", x(), ")"], "expr.is_distinct")

    def json_expr(self, x) -> Node:
        c = self.c

        def doc():
            k = c.integer(0, 4)
            if k <= 2:
                return E([c.choice(self.JSON_DOCS)], "expr.literal")
            if k == 3:
                return self._call("json_array", [x() for _ in range(c.integer(0, 3))],
                                  "func.json.json_array")
            pairs: list = []
            for _ in range(c.integer(0, 2)):
                pairs += [E([sql_literal(c.choice("abc"))], "expr.literal"), x()]
            return self._call("json_object", pairs, "func.json.json_object")

        path = lambda: E([c.choice(self.JSON_PATHS)], "expr.literal")  # noqa: E731
        k = c.integer(0, 9)
        if k <= 1:
            arrow = c.choice(["->", "->>"])
            key = c.choice(self.JSON_PATHS + ["'a'", "0", "1", "'b'"])
            return E(["(", doc(), f" {arrow} {key})"],
                     "expr.json_arrow" if arrow == "->" else "expr.json_arrow2")
        if k == 2:
            return self._call("json_extract", [doc(), path()] + ([path()] if c.chance(0.2)
                                                                  else []),
                              "func.json.json_extract")
        if k == 3:
            return self._call("json_type", [doc()] + ([path()] if c.chance(0.5) else []),
                              "func.json.json_type")
        if k == 4:
            name = c.choice(["json_insert", "json_replace", "json_set"])
            return self._call(name, [doc(), path(), x()], f"func.json.{name}")
        if k == 5:
            return self._call("json_remove", [doc(), path()], "func.json.json_remove")
        if k == 6:
            name = c.choice(["json_valid", "json_quote", "json"])
            return self._call(name, [x() if name != "json" else doc()], f"func.json.{name}")
        if k == 7:
            return self._call("json_array_length", [doc()] + ([path()] if c.chance(0.3)
                                                              else []),
                              "func.json.json_array_length")
        if k == 8:
            return self._call("json_patch", [doc(), doc()], "func.json.json_patch")
        return doc()

    @staticmethod
    def _call(name, args, tag) -> Node:
        parts: list = [f"{name}("]
        for i, a in enumerate(args):
            if i:
                parts.append(", ")
            parts.append(a)
        parts.append(")")
        return E(parts, tag)

    FUNCTIONS = [
        ("abs", 1), ("coalesce", 2), ("ifnull", 2), ("nullif", 2), ("iif", 3), ("length", 1),
        ("lower", 1), ("upper", 1), ("substr", 3), ("substr", 2), ("trim", 1), ("ltrim", 1),
        ("rtrim", 1), ("replace", 3), ("instr", 2), ("hex", 1), ("quote", 1), ("typeof", 1),
        ("round", 1), ("round", 2), ("max", 2), ("min", 2), ("sign", 1), ("unicode", 1),
        ("likely", 1), ("unlikely", 1), ("printf", 2), ("char", 2),
        ("trim", 2),
    ]

    def function(self, scope, depth, *, agg, outer) -> Node:
        c = self.c
        name, nargs = c.choice(self.FUNCTIONS)
        x = lambda: self.expr(scope, depth, agg=agg, outer=outer)  # noqa: E731
        args = [x() for _ in range(nargs)]
        if name == "replace":
            args[1] = E([sql_literal(c.choice(["a", "1", "x", " "]))], "expr.literal")
            args[2] = E([sql_literal(c.choice(["", "bb", "Q"]))], "expr.literal")
        elif name in ("min", "max"):
            args = [E(["(", a, ") COLLATE BINARY"]) for a in args]
        elif name == "printf":
            args[0] = E([c.choice(["'%d'", "'%s'", "'%.2f'", "'%x'", "'%5s|'", "'%g'"])])
        elif name == "char":
            args = [E([str(c.integer(32, 300))], "expr.literal") for _ in args]
        elif name == "round" and nargs == 2:
            args[1] = E([str(c.integer(-2, 5))], "expr.literal")
        parts: list = [f"{name}("]
        for i, a in enumerate(args):
            if i:
                parts.append(", ")
            parts.append(a)
        parts.append(")")
        return E(parts, f"func.{name}")

    AGGREGATES = ["count(*)", "count", "count_distinct", "sum", "total", "avg", "min", "max",
                  "group_concat_length", "sum_distinct", "avg_distinct", "total_distinct",
                  "min_distinct", "group_concat_sep", "json_group_array", "json_group_object"]

    def aggregate(self, scope, depth, outer=()) -> Node:
        c = self.c
        kind = c.choice(self.AGGREGATES)
        # no outer references in an aggregate's arguments: an aggregate over outer columns
        # only belongs to the outer query, which then has bare columns of unspecified rows
        arg = self.expr(scope, min(depth, 1))
        if kind == "count(*)":
            node = E(["count(*)"], "agg.count_star")
        elif kind == "count_distinct":
            node = E(["count(DISTINCT ", arg, ")"], "agg.count_distinct")
        elif kind in ("min", "max"):
            node = E([f"{kind}((", arg, ") COLLATE BINARY)"], f"agg.{kind}")
        elif kind == "min_distinct":
            node = E(["max(DISTINCT (", arg, ") COLLATE BINARY)"], "agg.distinct")
        elif kind.endswith("_distinct"):
            fn = kind.split("_")[0]
            node = E([f"{fn}(DISTINCT ", arg, ")"], "agg.distinct")
        elif kind == "group_concat_length":
            # the order of concatenation follows the scan; its length does not
            # (SQLite omits a separator while the result so far is empty, so '' values
            # make the length order-dependent: every value is made non-empty first; and
            # length() of text stops at a NUL, so the bytes are counted)
            node = E(["length(CAST(group_concat((", arg, ") || '.') AS BLOB))"], "agg.group_concat")
        elif kind == "group_concat_sep":
            sep = c.choice(["'; '", "''", "'|'", "NULL", "'é'"])
            node = E(["length(CAST(group_concat((", arg, f") || '.', {sep}) AS BLOB))"],
                     "agg.group_concat_sep")
        elif kind == "json_group_array":
            node = E(["json_array_length(json_group_array(", arg, "))"],
                     "agg.json_group_array")
        elif kind == "json_group_object":
            node = E(["json_type(json_group_object('k', ", arg, "), '$.zz')"],
                     "agg.json_group_object")
        else:
            node = E([f"{kind}(", arg, ")"], f"agg.{kind}")
        if node.parts[-1] in (")", "))") and c.chance(0.15):
            node.parts.insert(-1, Node("clause", [") FILTER (WHERE ", self.expr(scope, 1)],
                                       "agg.filter"))
            # FILTER follows the call's closing parenthesis: move the ")" before it
            node.parts[-1] = node.parts[-1][1:] + ")"
        return node

    # -- FROM -------------------------------------------------------------------------------
    def values_rows(self, ncol, nrows) -> Node:
        """``VALUES (..), (..)`` of literals (no scope)."""
        rows = []
        for _ in range(nrows):
            row = Node("list", [self.literal() for _ in range(ncol)], sep=", ")
            rows.append(Node("item", ["(", row, ")"]))
        return Node("list", rows, sep=", ")

    def table_ref(self, depth, alias, outer) -> tuple[Node, list]:
        c = self.c
        tvf = self.table_function_ref(alias, outer)  # table-valued functions (their block)
        if tvf is not None:
            return tvf
        paren = self.issue5_paren_join(depth, alias, outer)  # issue 5 block below
        if paren is not None:
            return paren
        if depth >= 2 and c.chance(0.12):
            sub = self.select(depth - 1, outer=(), columns=c.integer(1, 3), allow_limit=True,
                              named=True)
            ncol = sub.meta["ncolumns"]
            return (Node("from", ["(", sub, f") AS {alias}"], "from.subquery"),
                    [(alias, f"r{i}", None) for i in range(ncol)])
        if c.chance(0.06):
            ncol = c.integer(1, 3)
            rows = self.values_rows(ncol, c.integer(1, 4))
            return (Node("from", ["(VALUES ", rows, f") AS {alias}"], "from.values"),
                    [(alias, f"column{i + 1}", None) for i in range(ncol)])
        if self.ctes and c.chance(0.5):
            name, cols = c.choice(self.ctes)
            return (Node("from", [f"{name} AS {alias}"], "from.cte"),
                    [(alias, col, None) for col in cols])
        t = c.choice(self.schema_.tables)
        return (Node("from", [f"{t.name} AS {alias}"],
                     "from.view" if t.name.startswith("v") else "from.table"),
                [(alias, col.name, col.collation, col.affinity) for col in t.columns])

    # -- begin: table-valued functions in FROM (json_each, json_tree, pragma_*) -------------
    TVF_DOCS = ["'[1,2,3]'", "'{\"a\":1,\"b\":[2,3],\"c\":{\"d\":null}}'", "'[]'", "'{}'",
                "'[1,[2,[3,\"x\"]],{\"k\":1.5,\"a b\":true}]'", "'\"s\"'", "'42'",
                "'null'", "'[{\"a\":[]},{\"a\":[1,{}]}]'"]
    TVF_PATHS = ["'$'", "'$[1]'", "'$.b'", "'$.c'", "'$[#-1]'", "'$.zz'", "'$[0]'"]
    JSON_TVF_COLUMNS = ("key", "value", "type", "atom", "id", "parent", "fullkey", "path")
    PRAGMA_TVFS = {
        "table_info": ("cid", "name", "type", "notnull", "dflt_value", "pk"),
        "table_xinfo": ("cid", "name", "type", "notnull", "dflt_value", "pk", "hidden"),
        "index_list": ("seq", "name", "unique", "origin", "partial"),
    }

    def table_function_ref(self, alias, outer) -> tuple[Node, list] | None:
        """Sometimes a table-valued function as a FROM item: json_each/json_tree over a
        literal document or over a JSON value built from columns of the items before it or
        of the enclosing query (so its rows are made per outer row), with or without a root
        path, or a pragma_* table of a schema table (its name literal or read from an
        earlier item). ``None`` otherwise."""
        c = self.c
        left = self.__dict__.pop("tvf_left", [])
        rng = getattr(c, "rng", None)
        if rng is not None:
            # decided by a generator of its own, seeded from the campaign's current state,
            # so that a query without a table-valued function is the one it was before they
            # were generated (campaign seeds keep their cases)
            if not RandomChoices(hash(rng.getstate()[1])).chance(0.07):
                return None
        elif not c.chance(0.07):
            return None
        pool = list(left) + list(outer)
        if c.chance(0.75):
            name = c.choice(["json_each", "json_tree"])
            if pool and c.chance(0.6):
                args = []
                for _ in range(c.integer(1, 3)):
                    col = self.column(pool)
                    # a BLOB cannot go into JSON: its hex text does
                    args.append(E(["iif(typeof(", col, ") = 'blob', hex(", col.copy(), "), ",
                                   col.copy(), ")"]))
                maker = c.choice(["json_array", "json_object"])
                if maker == "json_object":
                    pairs: list = []
                    for i, a in enumerate(args):
                        pairs += [E([sql_literal("k" + str(i))], "expr.literal"), a]
                    args = pairs
                doc = self._call(maker, args, "from.tvf_correlated")
            else:
                doc = E([c.choice(self.TVF_DOCS)], "expr.literal")
            parts: list = [f"{name}(", doc]
            if c.chance(0.3):
                parts += [", ", E([c.choice(self.TVF_PATHS)], "expr.literal")]
            parts.append(f") AS {alias}")
            cols = [(alias, col, None, "blob") for col in self.JSON_TVF_COLUMNS]
            if c.chance(0.2):
                cols.append((alias, "json", None, "blob"))  # a hidden column, by name
            return Node("from", parts, f"from.{name}"), cols
        pragma = c.choice(sorted(self.PRAGMA_TVFS))
        texts = [e for e in pool if len(e) > 3 and e[3] == "text"]
        if texts and c.chance(0.3):
            arg = self.column(texts)
            arg.tag = "from.tvf_correlated"
        else:
            arg = E([sql_literal(c.choice(self.schema_.tables).name)], "expr.literal")
        cols = [(alias, col, None, "blob") for col in self.PRAGMA_TVFS[pragma]]
        return Node("from", [f"pragma_{pragma}(", arg, f") AS {alias}"], "from.pragma"), cols
    # -- end: table-valued functions in FROM ------------------------------------------------

    JOINS = ["JOIN", "LEFT JOIN", "CROSS JOIN", ",", "INNER JOIN", "RIGHT JOIN",
             "FULL OUTER JOIN", "FULL JOIN", "LEFT OUTER JOIN", "NATURAL JOIN",
             "NATURAL LEFT JOIN", "USING", "USING"]

    def from_clause(self, depth, outer) -> tuple[Node, list]:
        c = self.c
        self.alias_counter += 1
        first, scope = self.table_ref(depth, f"a{self.alias_counter}", outer)
        parts: list = [first]
        for _ in range(c.choice([0, 0, 0, 1, 1, 2])):
            self.alias_counter += 1
            self.tvf_left = scope  # the items a table-valued function's arguments may read
            ref, more = self.table_ref(depth, f"a{self.alias_counter}", outer)
            join = c.choice(self.JOINS)
            before = scope
            scope = scope + more
            if join == "USING":
                # a USING column must name exactly one column on the left
                left = Counter(e[1] for e in before)
                common = sorted({e[1] for e in more} & {n for n, k in left.items() if k == 1})
                if common:
                    kind = c.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"])
                    cols = common[:c.integer(1, len(common))]
                    parts.append(Node("join", [f" {kind} ", ref, f" USING ({', '.join(cols)})"],
                                      "join.using"))
                    continue
                join = "JOIN"
            if join.startswith("NATURAL"):
                parts.append(Node("join", [f" {join} ", ref], "join.natural"))
            elif join in (",", "CROSS JOIN"):
                parts.append(Node("join", [f"{join} " if join == "," else f" {join} ", ref],
                                  "join.cross" if join != "," else "join.comma"))
            else:
                if c.chance(0.5):
                    # an equi-join: the shape index lookups serve
                    on = E([self.column(more), " = ", self.column(before or more)],
                           "expr.equijoin")
                else:
                    on = self.expr(scope, 1, outer=outer)
                words = join.split()
                tag = "join." + (words[0].lower() if words[0] != "JOIN" else "join")
                if words[0] in ("RIGHT", "FULL"):
                    tag = "join." + words[0].lower()
                parts.append(Node("join", [f" {join} ", ref, " ON ", on], tag))
        return Node("from", parts), scope

    # -- SELECT -----------------------------------------------------------------------------
    def select(self, depth, *, outer=(), columns=None, scalar=False, allow_limit=True,
               named=False, top=False, compound_ok=True) -> Node:
        """One SELECT (maybe compound / with CTE at the top); ``meta['ncolumns']``."""
        c = self.c
        ncol = columns or c.integer(1, 3)
        if top and depth >= 2 and not self.ctes and c.chance(0.1):
            return self._recursive_cte(ncol)
        if compound_ok and not scalar and depth >= 1 and c.chance(0.12 if top else 0.05):
            return self._compound(depth, outer, ncol, allow_limit, named, top)
        if top and not named and c.chance(0.04):
            node = Node("query", ["VALUES ", self.values_rows(ncol, c.integer(1, 4))],
                        "select.values", ncolumns=ncol)
            return node  # VALUES takes no ORDER BY of its own
        frm, scope = self.from_clause(depth, outer)
        self.windows.append([])
        aggregate = scalar or c.chance(0.25)
        where = None
        if c.chance(0.6):
            if c.chance(0.35):
                # the everyday shape: a column against a literal picked for its collation
                # or affinity
                entry = c.choice(scope)
                op = c.choice(["=", "<", ">", "<=", ">=", "!="])
                cond = E([self.column(scope, entry), f" {op} ", self.literal_for(entry)],
                         "expr.compare")
            else:
                cond = self.expr(scope, depth, outer=outer)
            where = Node("clause", [" WHERE ", cond], "where")
        items: list[Node] = []
        clauses: list = []
        if aggregate:
            groups = []
            if not scalar and c.chance(0.6):
                groups = [self.expr(scope, 1, outer=outer) for _ in range(c.integer(1, 2))]
            for _ in range(ncol):
                if groups and c.chance(0.4):
                    items.append(c.choice(groups).copy())
                else:
                    items.append(self.aggregate(scope, depth, outer))
            if groups:
                glist = Node("list", [E(["(", g, ") COLLATE BINARY"]) for g in groups],
                             sep=", ")
                clauses.append(Node("clause", [" GROUP BY ", glist], "groupby"))
                if c.chance(0.3):
                    # HAVING over group keys and aggregates only: a bare column there
                    # would read an unspecified row of the group
                    op = c.choice(["=", "<", ">", ">=", "!=", "IS NOT"])
                    left = self.aggregate(scope, 1) if c.chance(0.7) else \
                        E(["(", c.choice(groups).copy(), ")"])
                    cond = E([left, f" {op} ", self.literal()], "expr.compare")
                    if c.chance(0.3):
                        cond = E(["(", cond, f" {c.choice(['AND', 'OR'])} ",
                                  self.aggregate(scope, 1), ")"], "expr.logic")
                    clauses.append(Node("clause", [" HAVING ", cond], "having"))
        else:
            for _ in range(ncol):
                if c.chance(0.15) and not named:
                    items.append(self.window(scope, depth))
                else:
                    items.append(self.expr(scope, depth, outer=outer))
        distinct = not aggregate and not scalar and c.chance(0.15)
        rendered_items = []
        for i, it in enumerate(items):
            body = E(["(", it, ") COLLATE BINARY"]) if distinct else it
            alias = f" AS r{i}" if named else ""
            rendered_items.append(Node("item", [body, alias]))
        head = "SELECT DISTINCT " if distinct else "SELECT "
        parts: list = [head, Node("list", rendered_items, sep=", "), " FROM ", frm]
        if where is not None:
            parts.append(where)
        parts.extend(clauses)
        named_windows = self.windows.pop()
        if named_windows:
            parts.append(Node("clause", [" WINDOW ", Node("list", named_windows, sep=", ")],
                              "window.clause"))
        node = Node("query", parts, "select.distinct" if distinct else
                    ("select.aggregate" if aggregate else "select"), ncolumns=ncol)
        if not scalar:
            self._order_limit(node, ncol, allow_limit, top, scope=scope)
        return node

    # window functions: which need a total order inside the partition to be deterministic
    WINDOW_FUNCS = ["row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile",
                    "lag", "lead", "first_value", "last_value", "nth_value", "sum", "count",
                    "count(*)", "max", "min", "avg", "total", "group_concat"]
    PEER_SAFE = {"rank", "dense_rank", "percent_rank", "cume_dist", "sum", "count", "count(*)",
                 "max", "min", "avg", "total"}

    def _total_window_order(self, scope) -> list:
        """ORDER BY terms under which tied rows are identical in every column of ``scope``.

        ``typeof`` separates 1 from 1.0 and BINARY separates 'a' from 'A', so the rows a
        window cannot tell apart give the same output whichever comes first.
        """
        terms: list = []
        for entry in scope:
            col = self.column(scope, entry)
            terms += [E(["(", col, ") COLLATE BINARY"]), E([f"typeof({col.sql()})"])]
        return terms

    def window(self, scope, depth) -> Node:
        c = self.c
        fn = c.choice(self.WINDOW_FUNCS)
        arg = lambda: self.expr(scope, 1)  # noqa: E731
        if fn in ("row_number", "rank", "dense_rank", "percent_rank", "cume_dist"):
            call: list = [f"{fn}()"]
        elif fn == "count(*)":
            call = ["count(*)"]
        elif fn == "ntile":
            call = [f"ntile({c.integer(1, 4)})"]
        elif fn in ("lag", "lead"):
            call = [f"{fn}(", arg()]
            if c.chance(0.5):
                call += [f", {c.integer(0, 3)}"]
                if c.chance(0.5):
                    call += [", ", self.literal()]
            call.append(")")
        elif fn == "nth_value":
            call = ["nth_value(", arg(), f", {c.integer(1, 3)})"]
        elif fn in ("max", "min"):
            call = [f"{fn}((", arg(), ") COLLATE BINARY)"]
        elif fn == "group_concat":
            call = ["group_concat((", arg(), ") || '.', '.')"]
        else:
            call = [f"{fn}(", arg(), ")"]
        total = fn not in self.PEER_SAFE
        frame_kind = c.choice(["", "", "ROWS", "RANGE", "GROUPS"])
        if frame_kind == "ROWS":
            total = True
        spec: list = []
        if c.chance(0.5):
            spec.append(Node("clause", ["PARTITION BY ", self.column(scope), " "],
                             "window.partition"))
        ordered = total or frame_kind or fn in ("rank", "dense_rank", "percent_rank",
                                                "cume_dist") or c.chance(0.5)
        range_offset = frame_kind == "RANGE" and not total and c.chance(0.5)
        if range_offset:
            # RANGE with an offset takes exactly one numeric ORDER BY term
            spec += ["ORDER BY ", self.issue5_range_key(scope),  # issue 5 block below
                     c.choice([" DESC", " ASC", " NULLS LAST", ""])]
        elif ordered:
            terms: list = []
            if not total or c.chance(0.5):
                terms.append(E([self.expr(scope, 1), c.choice(["", " DESC", " NULLS FIRST",
                                                               " DESC NULLS LAST"])]))
            if total:
                terms += self._total_window_order(scope)
            spec += ["ORDER BY ", Node("list", terms, sep=", ")]
        if frame_kind and ordered:
            spec += [" ", self._frame(frame_kind, range_offset)]
        named = c.chance(0.25)
        tag = f"window.{fn.replace('(*)', '_star')}"
        if named and self.windows:
            name = f"w{len(self.windows[-1])}"
            self.windows[-1].append(Node("item", [f"{name} AS (", *spec, ")"], "window.named"))
            node = E([*call, f" OVER {name}"], tag)
        else:
            node = E([*call, " OVER (", *spec, ")"], tag)
        # the concatenation order of tied rows is unspecified; its length is not
        return E(["length(CAST(", node, " AS BLOB))"]) if fn == "group_concat" else node

    def _frame(self, kind, offset_ok) -> str:
        c = self.c
        n = lambda: str(c.integer(0, 3)) if kind != "RANGE" or offset_ok else None  # noqa: E731
        bounds = ["UNBOUNDED PRECEDING", "CURRENT ROW"]
        if n() is not None:
            bounds += [f"{n()} PRECEDING", f"{n()} FOLLOWING"]
        ends = bounds[1:] + ["UNBOUNDED FOLLOWING"]
        order = {"UNBOUNDED PRECEDING": 0, "CURRENT ROW": 2, "UNBOUNDED FOLLOWING": 4}
        lo = c.choice(bounds)
        hi = c.choice(ends)
        rank = lambda b: order.get(b, 1 if b.endswith("PRECEDING") else 3)  # noqa: E731
        if rank(hi) < rank(lo):
            lo, hi = hi, lo
        if lo == "UNBOUNDED FOLLOWING":
            lo = "CURRENT ROW"
        if lo.endswith("FOLLOWING") or c.chance(0.8):
            text = f"{kind} BETWEEN {lo} AND {hi}"
        else:
            text = f"{kind} {lo}"
        parts: list = [text]
        if c.chance(0.3):
            parts.append(Node("frame", [" EXCLUDE " + c.choice(["NO OTHERS", "CURRENT ROW",
                                                                 "GROUP", "TIES"])],
                              "window.exclude"))
        return Node("frame", parts, f"window.frame.{kind.lower()}")

    def _order_limit(self, node: Node, ncol: int, allow_limit: bool, top: bool,
                     scope=None) -> None:
        c = self.c
        want_limit = allow_limit and c.chance(0.15)
        if want_limit or c.chance(0.35 if top else 0.1):
            if want_limit:
                rot = c.integer(0, ncol - 1)
                cols = [(i + rot) % ncol for i in range(ncol)]
                colls = ["BINARY"] * ncol
            else:
                cols = [c.integer(0, ncol - 1) for _ in range(c.integer(1, 2))]
                colls = [c.choice(COLLATIONS) for _ in cols]
            terms: list = []
            keys = []
            for col, coll in zip(cols, colls):
                direction = c.choice(["", " DESC", " ASC", " NULLS FIRST", " DESC NULLS LAST",
                                      " NULLS LAST", " ASC NULLS FIRST"])
                terms += [f"{col + 1} COLLATE {coll}{direction}", ", "]
                keys.append(OrderKey(col, coll))
            if scope and not want_limit and c.chance(0.3):
                # ORDER BY an expression: the output positions before it still fix the runs,
                # the order inside a run is then not compared (it need not be an output)
                if c.chance(0.5):
                    terms, keys = [], []
                direction = c.choice(["", " DESC", " NULLS FIRST", " DESC NULLS LAST"])
                coll = f" COLLATE {c.choice(COLLATIONS)}" if c.chance(0.4) else ""
                terms += [E([self.expr(scope, 1), coll, direction], "orderby.expr"), ", "]
            node.parts.append(Node("clause", [" ORDER BY ", *terms[:-1]], "orderby",
                                   keys=keys))
            if any(k.collation != "BINARY" for k in keys) or any(
                    "NULLS" in t for t in terms if isinstance(t, str)):
                node.parts[-1].parts.insert(1, Node("mark", [], "orderby.collate_nulls"))
            if want_limit:
                off = f" OFFSET {c.integer(0, 3)}" if c.chance(0.3) else ""
                node.parts.append(Node("clause", [f" LIMIT {c.integer(0, 5)}{off}"], "limit"))

    def _compound(self, depth, outer, ncol, allow_limit, named, top) -> Node:
        c = self.c
        op = c.choice(["UNION ALL", "UNION", "INTERSECT", "EXCEPT"])
        arms = []
        for _ in range(2):
            arm = self.select(depth - 1, outer=outer, columns=ncol, allow_limit=False,
                              named=named, compound_ok=False)
            # arms must not carry ORDER BY/LIMIT; set operations compare under BINARY
            arm.parts = [p for p in arm.parts if not (isinstance(p, Node) and p.kind == "clause"
                                                      and p.tag in ("orderby", "limit"))]
            for item in arm.parts[1].parts:
                item.parts[0] = E(["(", item.parts[0], ") COLLATE BINARY"])
            arms.append(arm)
        node = Node("query", [arms[0], f" {op} ", arms[1]], f"compound.{op.lower()}",
                    ncolumns=ncol)
        self._order_limit(node, ncol, allow_limit, top)
        return node

    def _recursive_cte(self, ncol) -> Node:
        c = self.c
        n = c.integer(1, 8)
        step = c.choice(["n+1", "n*2", "n+3"])
        body = Node("query", [f"WITH RECURSIVE r(n) AS (SELECT {c.integer(1, 3)} UNION ALL "
                              f"SELECT {step} FROM r WHERE n < {n * 3}) SELECT ",
                              Node("list", [Node("item", [E(["n"], "expr.column")])
                                            for _ in range(ncol)], sep=", "),
                              " FROM r"], "cte.recursive", ncolumns=ncol)
        self._order_limit(body, ncol, True, True)
        return body

    def _cte_body(self, name, i) -> tuple[Node, list[str], str]:
        """One WITH table: a SELECT, a VALUES list or a bounded recursive counter."""
        c = self.c
        k = c.integer(0, 5)
        if k <= 2:
            body = self.select(2, columns=c.integer(1, 3), allow_limit=True, named=True)
            cols = [f"r{j}" for j in range(body.meta["ncolumns"])]
            return body, cols, "cte.plain"
        if k == 3:
            ncol = c.integer(1, 2)
            cols = [f"x{j}" for j in range(ncol)]
            return (Node("query", ["VALUES ", self.values_rows(ncol, c.integer(1, 4))],
                         "select.values"), cols, "cte.values")
        if k == 5 and self.issue5_fire(0.5):  # issue 5 block below
            return self.issue5_recursive_ordered(name)
        # recursion bounded twice: by the WHERE (every step moves n towards the bound) and
        # by a LIMIT on the rows the recursion may produce
        step = c.choice(["n + 1", "n * 2", "n + 3", "n - 1"])
        bound = c.integer(1, 12)
        stop = f"n < {bound}" if step != "n - 1" else f"n > -{bound}"
        body = Node("query", [f"SELECT {c.integer(1, 3)} UNION ALL SELECT {step} FROM {name} "
                              f"WHERE {stop} LIMIT {c.integer(1, 12)}"],
                    "cte.recursive_bounded")
        return body, ["n"], "cte.recursive"

    # -- begin: issue 5 features (row values, evaluation order, parenthesized joins, ------
    # -- ordered recursive CTEs, RANGE frames over any values) -------------------------------
    # Operands that raise an error for some values of the data: whether the engine computes
    # them exactly when sqlite3 does is what "expr.short_circuit" tests (error classes are
    # compared; json() of a non-JSON text, abs() of -2**63 and json_extract() of malformed
    # JSON all raise OperationalError).
    ISSUE5_RISKY = ["json({x})", "abs({x})", "json_extract({x}, '$.a')", "json_array_length({x})"]

    def issue5_fire(self, p: float) -> bool:
        """Whether an issue-5 shape replaces the usual one here.  With a seeded
        ``random.Random`` the decision comes from a side generator seeded by the main
        one's state, which it does not advance: the cases of every seed stay what they
        were wherever no issue-5 shape is chosen.  Hypothesis draws it as usual."""
        rng = getattr(self.c, "rng", None)
        if rng is None:
            return self.c.chance(p)
        return random.Random(hash(rng.getstate()[1])).random() < p  # ints: a stable hash

    def issue5_expr(self, scope, depth, outer) -> Node:
        """Row values with IN and subqueries, and operands only some paths compute."""
        c = self.c
        d = depth - 1
        x = lambda: self.expr(scope, d, outer=outer)  # noqa: E731
        k = c.integer(0, 4)
        if k == 0:
            sub = self.select(d, outer=list(outer) + list(scope), columns=2, allow_limit=False)
            neg = c.choice(["", "NOT "])
            return E(["((", x(), ", ", x(), f") {neg}IN (", sub, "))"],
                     "expr.row_in_subquery")
        if k == 1:
            rows = [Node("item", ["(", x(), ", ", x(), ")"]) for _ in range(c.integer(1, 3))]
            neg = c.choice(["", "NOT "])
            return E(["((", x(), ", ", x(), f") {neg}IN (", Node("list", rows, sep=", "),
                      "))"], "expr.row_in_list")
        if k == 2:
            # an aggregate subquery without GROUP BY: exactly one row
            sub = self.select(d, outer=list(outer) + list(scope), columns=2, scalar=True,
                              allow_limit=False)
            op = c.choice(["=", "<>", "<", "<=", ">", ">=", "IS", "IS NOT"])
            if op.startswith("IS"):
                op = "="
            return E(["((", x(), ", ", x(), f") {op} (", sub, "))"],
                     "expr.row_compare_subquery")
        risky = E([c.choice(self.ISSUE5_RISKY).format(x=self.expr(scope, 0).sql())])
        shape = c.integer(0, 5)
        if shape == 0:
            op = c.choice(["AND", "OR"])
            parts = [x(), f" {op} ", risky] if c.chance(0.5) else [risky, f" {op} ", x()]
            return E(["(", *parts, ")"], "expr.short_circuit")
        if shape == 1:
            return E(["(", risky, c.choice([" AND 0", " AND 00", " AND 0.0", " AND false"]),
                      ")"], "expr.short_circuit")
        if shape == 2:
            return E(["(CASE WHEN ", x(), " THEN ", x(), " ELSE ", risky, " END)"],
                     "expr.short_circuit")
        if shape == 3:
            return E([c.choice(["coalesce(", "ifnull("]), x(), ", ", risky, ")"],
                     "expr.short_circuit")
        if shape == 4:
            return E(["iif(", x(), ", ", x(), ", ", risky, ")"], "expr.short_circuit")
        return E(["(CASE WHEN (", x(), c.choice([" AND ", " OR "]), risky, ") THEN ", x(),
                  " END)"], "expr.short_circuit")

    def issue5_paren_join(self, depth, alias, outer) -> tuple[Node, list] | None:
        """``(a JOIN b ON ...)`` as one FROM item: its columns keep their tables' names."""
        c = self.c
        if depth < 2 or not self.schema_.tables or not self.issue5_fire(0.12):
            return None
        items = []
        scope: list = []
        for i in range(2):
            t = c.choice(self.schema_.tables)
            name = f"{alias}p{i}"
            items.append(f"{t.name} AS {name}")
            scope += [(name, col.name, col.collation, col.affinity) for col in t.columns]
        join = c.choice(["JOIN", "LEFT JOIN", "CROSS JOIN", ","])
        left = [e for e in scope if e[0] == f"{alias}p0"]
        right = [e for e in scope if e[0] == f"{alias}p1"]
        if join in ("JOIN", "LEFT JOIN"):
            on = E([self.column(right), " = ", self.column(left)], "expr.equijoin")
            body = ["(", items[0], f" {join} ", items[1], " ON ", on, ")"]
        else:
            body = ["(", items[0], f"{join} " if join == "," else f" {join} ", items[1], ")"]
        return Node("from", body, "from.paren_join"), scope

    def issue5_range_key(self, scope) -> Node:
        """The ORDER BY term of a RANGE frame with an offset: a number, or a column of any
        values (TEXT and BLOB take no offset: their frame is their peers)."""
        if self.issue5_fire(0.9):
            return E([self.column(scope)], "window.range_any")
        return E(["CAST(", self.column(scope), " AS REAL)"])

    def issue5_recursive_ordered(self, name) -> tuple[Node, list[str], str]:
        """A recursive CTE whose queue is ordered and limited (lang_with.html): a tree of
        numbers walked by the ORDER BY, LIMIT counting the rows it produces."""
        c = self.c
        bound = c.integer(2, 40)
        order = c.choice(["1", "1 DESC", "n", "n DESC", "n NULLS LAST"])
        op = c.choice(["UNION ALL", "UNION"])
        limit = f" LIMIT {c.integer(0, 12)}" if c.chance(0.8) else ""
        offset = f" OFFSET {c.integer(0, 3)}" if limit and c.chance(0.3) else ""
        body = Node("query", [f"SELECT {c.integer(1, 3)} AS n {op} SELECT n * 2 FROM {name} "
                              f"WHERE n < {bound} {op} SELECT n * 2 + 1 FROM {name} "
                              f"WHERE n < {bound} ORDER BY {order}{limit}{offset}"],
                    "cte.recursive_orderby")
        return body, ["n"], "cte.recursive"
    # -- end: issue 5 features ---------------------------------------------------------------

    def query(self, schema: Schema) -> Node:
        """A top-level query over ``schema`` (the root of a query tree)."""
        c = self.c
        self.schema_ = schema
        self.alias_counter = 0
        self.windows = []
        self.ctes = []
        self.param_count = 0
        self.param_style = c.choice([None, None, "?", "?NNN", ":name"]) if c.chance(0.5) \
            else None
        with_items: list = []
        recursive = False
        if c.chance(0.15):
            for i in range(c.integer(1, 2)):
                name = f"q{i}"
                body, cols, tag = self._cte_body(name, i)
                recursive |= tag == "cte.recursive"
                hint = c.choice(["", "", "MATERIALIZED ", "NOT MATERIALIZED "])
                with_items.append(Node("item", [f"{name}({', '.join(cols)}) AS {hint}(", body,
                                                ")"], tag))
                self.ctes.append((name, cols))
        root = self.select(self.max_depth, top=True)
        if with_items:
            head = "WITH RECURSIVE " if recursive or c.chance(0.2) else "WITH "
            root = Node("query", [head, Node("list", with_items, sep=", "), " ", root],
                        "cte.with", ncolumns=root.meta["ncolumns"])
            # hoist the ORDER BY/LIMIT clauses so query_order sees them
            inner = root.parts[-1]
            for p in list(inner.parts):
                if isinstance(p, Node) and p.kind == "clause" and p.tag in ("orderby", "limit"):
                    inner.parts.remove(p)
                    root.parts.append(p)
        self.ctes = []
        if self.param_style and not any(n.tag and n.tag.startswith("param.")
                                        for n in root.walk()):
            self.param_style = None
        root.meta["param_style"] = self.param_style
        return root


def parameters(root: Node):
    """The values bound to a query's parameters, in the form its style needs (or None).

    Values travel in the parameter nodes, so a minimized tree still binds what it uses:
    ``?`` takes a sequence in text order, ``?NNN`` a sequence indexed by number (slots no
    longer used are NULL), ``:name``/``@name``/``$name`` a mapping.
    """
    style = root.meta.get("param_style")
    if not style:
        return None
    nodes = [n for n in root.walk() if n.tag and n.tag.startswith("param.")]
    if style == "?":
        return tuple(n.meta["value"] for n in nodes)
    if style == "?NNN":
        slots: dict[int, object] = {}
        for n in nodes:
            if n.meta.get("value") is not None or n.meta["index"] not in slots:
                slots[n.meta["index"]] = n.meta.get("value")
        return tuple(slots.get(i) for i in range(1, max(slots, default=0) + 1))
    return {n.meta["name"]: n.meta["value"] for n in nodes}


# -- convenience: the whole case from a seed --------------------------------------------------


@dataclass
class Case:
    """One database (setup statements) and one query; ``seed`` reproduces both."""

    setup: list[str]
    query: Node
    seed: str = ""

    @property
    def sql(self) -> str:
        return self.query.sql()


def make_schema(seed, **kw) -> tuple[Schema, Counter]:
    g = Generator(RandomChoices(seed), **kw)
    s = g.schema()
    return s, g.tags


def make_query(schema: Schema, seed, **kw) -> tuple[Node, Counter]:
    g = Generator(RandomChoices(seed), **kw)
    q = g.query(schema)
    return q, g.tags


def coverage(root: Node) -> Counter:
    """The grammar features (tags) a query exercises."""
    return root.tags()


# -- Hypothesis strategies --------------------------------------------------------------------


def schemas(max_rows: int = 6):
    """A Hypothesis strategy of :class:`Schema` driven through :class:`DrawChoices`."""
    from hypothesis import strategies as st

    @st.composite
    def _schemas(draw):
        data = draw(st.data())
        return Generator(DrawChoices(data), max_rows=max_rows).schema()

    return _schemas()


def queries(schema: Schema, max_depth: int = 2):
    """A Hypothesis strategy of query trees over ``schema``."""
    from hypothesis import strategies as st

    @st.composite
    def _queries(draw):
        data = draw(st.data())
        return Generator(DrawChoices(data), max_depth=max_depth).query(schema)

    return _queries()


def cases(max_depth: int = 2, max_rows: int = 6):
    """A Hypothesis strategy of whole :class:`Case` objects (schema, data, query)."""
    from hypothesis import strategies as st

    @st.composite
    def _cases(draw):
        data = draw(st.data())
        g = Generator(DrawChoices(data), max_depth=max_depth, max_rows=max_rows)
        s = g.schema()
        return Case(s.statements, g.query(s))

    return _cases()
