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
  with joins (inner, LEFT, CROSS, comma) and subqueries, WHERE, GROUP BY,
  HAVING, aggregates, window functions, ORDER BY with COLLATE/DESC/NULLS,
  LIMIT/OFFSET, compound selects, CTEs (plain and recursive), and
  expressions (arithmetic, comparison, logic, IS, BETWEEN, IN list/subquery,
  EXISTS, scalar subqueries, correlated references, LIKE/GLOB, CASE, CAST,
  COLLATE, core functions). ``max_depth`` bounds the nesting of expressions
  and subqueries.

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
        return self.function(scope, d, agg=agg, outer=outer)

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
                  "group_concat_length"]

    def aggregate(self, scope, depth, outer=()) -> Node:
        c = self.c
        kind = c.choice(self.AGGREGATES)
        arg = self.expr(scope, min(depth, 1), outer=outer)
        if kind == "count(*)":
            return E(["count(*)"], "agg.count_star")
        if kind == "count_distinct":
            return E(["count(DISTINCT ", arg, ")"], "agg.count_distinct")
        if kind in ("min", "max"):
            return E([f"{kind}((", arg, ") COLLATE BINARY)"], f"agg.{kind}")
        if kind == "group_concat_length":
            # the order of concatenation follows the scan; its length does not
            return E(["length(group_concat(", arg, "))"], "agg.group_concat")
        return E([f"{kind}(", arg, ")"], f"agg.{kind}")

    # -- FROM -------------------------------------------------------------------------------
    def table_ref(self, depth, alias, outer) -> tuple[Node, list]:
        c = self.c
        if depth >= 2 and c.chance(0.12):
            sub = self.select(depth - 1, outer=(), columns=c.integer(1, 3), allow_limit=True,
                              named=True)
            ncol = sub.meta["ncolumns"]
            return (Node("from", ["(", sub, f") AS {alias}"], "from.subquery"),
                    [(alias, f"r{i}", None) for i in range(ncol)])
        t = c.choice(self.schema_.tables)
        return (Node("from", [f"{t.name} AS {alias}"], "from.table"),
                [(alias, col.name, col.collation, col.affinity) for col in t.columns])

    def from_clause(self, depth, outer) -> tuple[Node, list]:
        c = self.c
        self.alias_counter += 1
        first, scope = self.table_ref(depth, f"a{self.alias_counter}", outer)
        parts: list = [first]
        for _ in range(c.choice([0, 0, 0, 1, 1, 2])):
            self.alias_counter += 1
            ref, more = self.table_ref(depth, f"a{self.alias_counter}", outer)
            join = c.choice(["JOIN", "LEFT JOIN", "CROSS JOIN", ",", "INNER JOIN"])
            scope = scope + more
            if join in ("JOIN", "LEFT JOIN", "INNER JOIN"):
                if c.chance(0.5):
                    # an equi-join: the shape index lookups serve
                    on = E([self.column(more), " = ", self.column(scope[:len(scope) - len(more)]
                                                                  or more)], "expr.equijoin")
                else:
                    on = self.expr(scope, 1, outer=outer)
                parts.append(Node("join", [f" {join} ", ref, " ON ", on],
                                  f"join.{join.split()[0].lower()}"))
            else:
                parts.append(Node("join", [f"{join} " if join == "," else f" {join} ", ref],
                                  "join.cross" if join != "," else "join.comma"))
        return Node("from", parts), scope

    # -- SELECT -----------------------------------------------------------------------------
    def select(self, depth, *, outer=(), columns=None, scalar=False, allow_limit=True,
               named=False, top=False, compound_ok=True) -> Node:
        """One SELECT (maybe compound / with CTE at the top); ``meta['ncolumns']``."""
        c = self.c
        ncol = columns or c.integer(1, 3)
        if top and depth >= 2 and c.chance(0.1):
            return self._recursive_cte(ncol)
        if compound_ok and not scalar and depth >= 1 and c.chance(0.12 if top else 0.05):
            return self._compound(depth, outer, ncol, allow_limit, named, top)
        frm, scope = self.from_clause(depth, outer)
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
                    clauses.append(Node("clause", [" HAVING ", self.expr(
                        scope, 1, agg=True, outer=outer)], "having"))
        else:
            for _ in range(ncol):
                if c.chance(0.1) and not named:
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
        node = Node("query", parts, "select.distinct" if distinct else
                    ("select.aggregate" if aggregate else "select"), ncolumns=ncol)
        if not scalar:
            self._order_limit(node, ncol, allow_limit, top)
        return node

    def window(self, scope, depth) -> Node:
        c = self.c
        part = ""
        parts: list = []
        fn = c.choice(["rank()", "dense_rank()", "count(*)", "sum", "max", "count"])
        if fn in ("sum", "max", "count"):
            arg = self.expr(scope, 1)
            parts = [f"{fn}(", E(["(", arg, ") COLLATE BINARY"]) if fn == "max" else arg, ")"]
        else:
            parts = [fn]
        over: list = [" OVER ("]
        if c.chance(0.5):
            part = "PARTITION BY "
            over += [part, self.column(scope), " "]
        if fn in ("rank()", "dense_rank()") or c.chance(0.5):
            over += ["ORDER BY ", self.expr(scope, 1)]
        over.append(")")
        return E(parts + over, f"window.{fn.strip('()')}")

    def _order_limit(self, node: Node, ncol: int, allow_limit: bool, top: bool) -> None:
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
            terms, keys = [], []
            for col, coll in zip(cols, colls):
                direction = c.choice(["", " DESC", " ASC", " NULLS FIRST", " DESC NULLS LAST"])
                terms.append(f"{col + 1} COLLATE {coll}{direction}")
                keys.append(OrderKey(col, coll))
            node.parts.append(Node("clause", [" ORDER BY " + ", ".join(terms)], "orderby",
                                   keys=keys))
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

    def query(self, schema: Schema) -> Node:
        """A top-level query over ``schema`` (the root of a query tree)."""
        self.schema_ = schema
        self.alias_counter = 0
        root = self.select(self.max_depth, top=True)
        if self.c.chance(0.06):
            # a plain CTE around the query
            t = self.c.choice(schema.tables)
            root = Node("query", [f"WITH w AS (SELECT * FROM {t.name}) ", root], "cte.plain",
                        ncolumns=root.meta["ncolumns"])
            # hoist the ORDER BY/LIMIT clauses so query_order sees them
            inner = root.parts[1]
            for p in list(inner.parts):
                if isinstance(p, Node) and p.kind == "clause" and p.tag in ("orderby", "limit"):
                    inner.parts.remove(p)
                    root.parts.append(p)
        return root


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
