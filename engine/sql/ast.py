"""The SQL syntax tree: every node of SQLite's grammar (parse.y) as data.

Each node is a ``dataclass(slots=True)`` whose fields are its parts, so every
node compares by value, walks generically (:meth:`Node.children`,
:meth:`Node.walk`) and prints back to SQL (:meth:`Node.to_sql`) such that
``parse(node.to_sql())`` gives an equal node.

Normalizations the parser applies, all as SQLite's own parser does them:
parentheses around a single expression vanish; ``==`` is ``=``, ``!=`` is
``<>``; ``IS [NOT] DISTINCT FROM`` is ``IS NOT`` / ``IS``; ``x IS NULL`` and
``x NOT NULL`` are :class:`IsNull`; ``LIMIT a, b`` is ``LIMIT b OFFSET a``;
``TEMPORARY`` is ``TEMP``; the join keywords collapse to one join operator;
names are stored dequoted (``"a""b"`` is ``a"b``). Node fields that only
remember source text (the raw type text of a column, the text of a DEFAULT)
do not take part in comparisons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

from .tokens import KEYWORDS

# --------------------------------------------------------------------------
# printing helpers

_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def quote_name(name: str) -> str:
    """``name`` as an identifier that reads back as itself."""
    if _BARE.match(name) and name.upper() not in KEYWORDS and name.upper() not in (
        "WINDOW", "OVER", "FILTER"
    ):
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _qualified(schema: str | None, name: str) -> str:
    if schema is not None:
        return f"{quote_name(schema)}.{quote_name(name)}"
    return quote_name(name)


def _names(names) -> str:
    return ", ".join(quote_name(n) for n in names)


def _sqls(nodes) -> str:
    return ", ".join(n.to_sql() for n in nodes)


_FIELDS_CACHE: dict[type, tuple[str, ...]] = {}
_COMPARED_CACHE: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS_CACHE.get(cls)
    if names is None:
        names = tuple(f.name for f in fields(cls))
        _FIELDS_CACHE[cls] = names
    return names


def _compared_names(cls: type) -> tuple[str, ...]:
    names = _COMPARED_CACHE.get(cls)
    if names is None:
        names = tuple(f.name for f in fields(cls) if f.compare)
        _COMPARED_CACHE[cls] = names
    return names


@dataclass(slots=True, eq=False)
class Node:
    """Base of every syntax-tree node."""

    def children(self):
        """The nodes directly below this one, in field order."""
        for name in _field_names(type(self)):
            value = getattr(self, name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, (list, tuple)):
                for item in value:
                    if isinstance(item, Node):
                        yield item
                    elif isinstance(item, (list, tuple)):
                        for sub in item:
                            if isinstance(sub, Node):
                                yield sub

    def __eq__(self, other: object) -> bool:
        """Structural equality over the compared fields, iterative (an
        operator chain a thousand deep compares without recursion)."""
        if not isinstance(other, Node):
            return NotImplemented
        stack: list[tuple[object, object]] = [(self, other)]
        while stack:
            a, b = stack.pop()
            if a is b:
                continue
            if isinstance(a, Node):
                if type(a) is not type(b):
                    return False
                for name in _compared_names(type(a)):
                    stack.append((getattr(a, name), getattr(b, name)))
            elif isinstance(a, (list, tuple)):
                if type(a) is not type(b) or len(a) != len(b):
                    return False
                stack.extend(zip(a, b))
            elif isinstance(b, (Node, list, tuple)) or a != b:
                return False
        return True

    __hash__ = None  # mutable, compared by value

    def walk(self):
        """This node and every node below it, depth first, parents first
        (iterative: deep trees do not recurse)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            kids = list(node.children())
            kids.reverse()
            stack.extend(kids)

    def to_sql(self) -> str:  # pragma: no cover - every concrete node overrides
        raise NotImplementedError(type(self).__name__)

    def __str__(self) -> str:
        return self.to_sql()


# --------------------------------------------------------------------------
# expressions
#
# Printing precedence, lowest to highest, as parse.y's %left/%right lines:
# OR, AND, NOT, (IS MATCH LIKE BETWEEN IN ISNULL NOTNULL = <>), (< <= > >=),
# ESCAPE, (& | << >>), (+ -), (* / %), (|| -> ->>), COLLATE, unary (~ - +).
P_OR, P_AND, P_NOT, P_EQ, P_CMP, P_ESCAPE, P_BIT, P_ADD, P_MUL, P_CONCAT = range(1, 11)
P_COLLATE, P_UNARY, P_PRIMARY = 11, 12, 13

BINARY_PRECEDENCE: dict[str, int] = {
    "OR": P_OR,
    "AND": P_AND,
    "=": P_EQ,
    "<>": P_EQ,
    "IS": P_EQ,
    "IS NOT": P_EQ,
    "<": P_CMP,
    "<=": P_CMP,
    ">": P_CMP,
    ">=": P_CMP,
    "&": P_BIT,
    "|": P_BIT,
    "<<": P_BIT,
    ">>": P_BIT,
    "+": P_ADD,
    "-": P_ADD,
    "*": P_MUL,
    "/": P_MUL,
    "%": P_MUL,
    "||": P_CONCAT,
    "->": P_CONCAT,
    "->>": P_CONCAT,
}


@dataclass(slots=True, eq=False)
class Expr(Node):
    """Base of expressions."""

    def precedence(self) -> int:
        return P_PRIMARY


def _wrap(expr: Expr, minimum: int) -> str:
    text = expr.to_sql()
    if expr.precedence() < minimum:
        return f"({text})"
    return text


def _spine_sql(expr: Expr) -> str:
    """Print an expression whose left operand may itself be a long chain
    (``1 + 1 + ...``, ``x COLLATE a COLLATE b ...``) without recursing down
    the chain: each link contributes its text after the left operand."""
    suffixes = []
    node: Expr = expr
    minimum = 0
    while isinstance(node, _SPINE_TYPES) and node.precedence() >= minimum:
        left, left_minimum, suffix = node._spine()
        suffixes.append(suffix)
        node, minimum = left, left_minimum
    parts = [_wrap(node, minimum)]
    parts.extend(reversed(suffixes))
    return "".join(parts)


@dataclass(slots=True, eq=False)
class Number(Expr):
    """An integer or real literal, kept as written (``0x1F``, ``1.5e3``)."""

    text: str = "0"

    @property
    def is_integer(self) -> bool:
        t = self.text
        return t[:2].lower() == "0x" or t.isdigit()

    def to_sql(self) -> str:
        return self.text


@dataclass(slots=True, eq=False)
class String(Expr):
    value: str = ""

    def to_sql(self) -> str:
        return quote_string(self.value)


@dataclass(slots=True, eq=False)
class Blob(Expr):
    """``X'..'``: ``hex`` is the digits as written."""

    hex: str = ""

    @property
    def value(self) -> bytes:
        return bytes.fromhex(self.hex)

    def to_sql(self) -> str:
        return f"X'{self.hex}'"


@dataclass(slots=True, eq=False)
class Null(Expr):
    def to_sql(self) -> str:
        return "NULL"


@dataclass(slots=True, eq=False)
class Boolean(Expr):
    """TRUE or FALSE where SQLite's parser itself turns the identifier into a
    truth value (``DEFAULT true``). Elsewhere ``true`` is a :class:`Column`
    that the resolver turns into a truth value when no column has that name."""

    value: bool = False

    def to_sql(self) -> str:
        return "TRUE" if self.value else "FALSE"


@dataclass(slots=True, eq=False)
class CurrentTime(Expr):
    """CURRENT_TIME, CURRENT_DATE or CURRENT_TIMESTAMP (``keyword``)."""

    keyword: str = "CURRENT_TIMESTAMP"

    def to_sql(self) -> str:
        return self.keyword


@dataclass(slots=True, eq=False)
class Parameter(Expr):
    """A parameter as written (``?``, ``?3``, ``:a``, ``@a``, ``$a``) and the
    number SQLite assigns it (sqlite3ExprAssignVarNumber)."""

    name: str = "?"
    number: int = 1

    def to_sql(self) -> str:
        if self.name == "?":
            return f"?{self.number}"
        return self.name


@dataclass(slots=True, eq=False)
class Column(Expr):
    """A column reference ``[schema.][table.]name`` (also a bare identifier
    such as ``true`` that the resolver may turn into something else)."""

    name: str = ""
    table: str | None = None
    schema: str | None = None
    # How the name was quoted, where it matters: '"' for a double-quoted
    # name (SQLite's EP_DblQuoted: it becomes a string literal when it
    # names no column), '`' for `true`/[false]/'true' (quoted, so never a
    # truth value), None otherwise.
    quote: str | None = None

    def to_sql(self) -> str:
        if self.quote == '"':
            last = '"' + self.name.replace('"', '""') + '"'
        elif self.quote or quote_name(self.name) != self.name:
            last = "`" + self.name.replace("`", "``") + "`"
        else:
            last = self.name
        if self.table is None:
            return last
        prefix = quote_name(self.table) + "."
        if self.schema is not None:
            prefix = quote_name(self.schema) + "." + prefix
        return prefix + last


@dataclass(slots=True, eq=False)
class Unary(Expr):
    """``op`` is ``-``, ``+``, ``~`` or ``NOT``."""

    op: str = "-"
    operand: Expr = field(default_factory=Null)

    def precedence(self) -> int:
        return P_NOT if self.op == "NOT" else P_UNARY

    def to_sql(self) -> str:
        if self.op == "NOT":
            return "NOT " + _wrap(self.operand, P_EQ)
        inner = _wrap(self.operand, P_UNARY)
        if inner[:1] in ("-", "+"):
            return f"{self.op} {inner}"
        return self.op + inner


@dataclass(slots=True, eq=False)
class Binary(Expr):
    """A binary operator: one of :data:`BINARY_PRECEDENCE`'s keys."""

    op: str = "="
    left: Expr = field(default_factory=Null)
    right: Expr = field(default_factory=Null)

    def precedence(self) -> int:
        return BINARY_PRECEDENCE[self.op]

    def _spine(self):
        p = BINARY_PRECEDENCE[self.op]
        return self.left, p, f" {self.op} {_wrap(self.right, p + 1)}"

    def to_sql(self) -> str:
        return _spine_sql(self)


@dataclass(slots=True, eq=False)
class Collate(Expr):
    operand: Expr = field(default_factory=Null)
    collation: str = "BINARY"

    def precedence(self) -> int:
        return P_COLLATE

    def _spine(self):
        return self.operand, P_COLLATE, f" COLLATE {quote_name(self.collation)}"

    def to_sql(self) -> str:
        return _spine_sql(self)


@dataclass(slots=True, eq=False)
class Like(Expr):
    """``operand [NOT] LIKE|GLOB|REGEXP|MATCH pattern [ESCAPE escape]``."""

    operand: Expr = field(default_factory=Null)
    pattern: Expr = field(default_factory=Null)
    op: str = "LIKE"
    negated: bool = False
    escape: Expr | None = None

    def precedence(self) -> int:
        return P_EQ

    def _spine(self):
        text = f" {'NOT ' if self.negated else ''}{self.op} " + _wrap(self.pattern, P_CMP)
        if self.escape is not None:
            text += " ESCAPE " + _wrap(self.escape, P_CMP)
        return self.operand, P_EQ, text

    def to_sql(self) -> str:
        return _spine_sql(self)


@dataclass(slots=True, eq=False)
class Between(Expr):
    operand: Expr = field(default_factory=Null)
    low: Expr = field(default_factory=Null)
    high: Expr = field(default_factory=Null)
    negated: bool = False

    def precedence(self) -> int:
        return P_EQ

    def _spine(self):
        return self.operand, P_EQ, (
            f" {'NOT ' if self.negated else ''}BETWEEN "
            f"{_wrap(self.low, P_EQ)} AND {_wrap(self.high, P_CMP)}"
        )

    def to_sql(self) -> str:
        return _spine_sql(self)


@dataclass(slots=True, eq=False)
class In(Expr):
    """``operand [NOT] IN (values) | (select) | [schema.]table[(args)]``.
    Exactly one of ``values``, ``select`` and ``table`` is set."""

    operand: Expr = field(default_factory=Null)
    negated: bool = False
    values: list[Expr] | None = None
    select: Select | None = None
    table: str | None = None
    schema: str | None = None
    table_args: list[Expr] | None = None

    def precedence(self) -> int:
        return P_EQ

    def _spine(self):
        text = f" {'NOT ' if self.negated else ''}IN "
        if self.select is not None:
            text += f"({self.select.to_sql()})"
        elif self.table is not None:
            text += _qualified(self.schema, self.table)
            if self.table_args is not None:
                text += f"({_sqls(self.table_args)})"
        else:
            text += f"({_sqls(self.values or [])})"
        return self.operand, P_EQ, text

    def to_sql(self) -> str:
        return _spine_sql(self)


@dataclass(slots=True, eq=False)
class IsNull(Expr):
    """``operand ISNULL`` (also ``IS NULL``) or, negated, ``NOTNULL``."""

    operand: Expr = field(default_factory=Null)
    negated: bool = False

    def precedence(self) -> int:
        return P_EQ

    def _spine(self):
        return self.operand, P_EQ, " NOTNULL" if self.negated else " ISNULL"

    def to_sql(self) -> str:
        return _spine_sql(self)


_SPINE_TYPES = (Binary, Collate, Like, Between, In, IsNull)


@dataclass(slots=True, eq=False)
class Cast(Expr):
    """``CAST(operand AS type_name)``; ``type_name`` as SQLite derives it
    (may be empty: ``CAST(x AS)`` is legal)."""

    operand: Expr = field(default_factory=Null)
    type_name: str = ""

    def to_sql(self) -> str:
        return f"CAST({self.operand.to_sql()} AS {_type_sql(self.type_name)})"


def _type_sql(type_name: str) -> str:
    if not type_name:
        return ""
    # print a type so that it reads back as the same type text
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(?: [A-Za-z_][A-Za-z0-9_]*)*"
                    r"(?:\([+-]?[0-9.]+(?:, ?[+-]?[0-9.]+)?\))?", type_name):
        words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", type_name.split("(")[0])
        if not any(w.upper() in _TYPE_STOP for w in words):
            return type_name
    return quote_string(type_name)


# keywords that end a type name instead of continuing it
_TYPE_STOP = KEYWORDS - {
    "ABORT", "ACTION", "AFTER", "ANALYZE", "ASC", "ATTACH", "BEFORE", "BEGIN", "BY",
    "CASCADE", "CAST", "COLUMN", "CONFLICT", "DATABASE", "DEFERRED", "DESC", "DETACH",
    "DO", "EACH", "END", "EXCLUSIVE", "EXPLAIN", "FAIL", "FOR", "IGNORE", "IMMEDIATE",
    "INITIALLY", "INSTEAD", "LIKE", "GLOB", "REGEXP", "MATCH", "NO", "PLAN", "QUERY",
    "KEY", "OF", "OFFSET", "PRAGMA", "RAISE", "RECURSIVE", "RELEASE", "REPLACE",
    "RESTRICT", "ROW", "ROWS", "ROLLBACK", "SAVEPOINT", "TEMP", "TEMPORARY", "TRIGGER",
    "VACUUM", "VIEW", "VIRTUAL", "WITH", "WITHOUT", "NULLS", "FIRST", "LAST", "CURRENT",
    "FOLLOWING", "PARTITION", "PRECEDING", "RANGE", "UNBOUNDED", "EXCLUDE", "GROUPS",
    "OTHERS", "TIES", "GENERATED", "ALWAYS", "MATERIALIZED", "REINDEX", "RENAME",
    "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "IF", "WINDOW", "OVER",
    "FILTER",
}


@dataclass(slots=True, eq=False)
class When(Node):
    condition: Expr = field(default_factory=Null)
    result: Expr = field(default_factory=Null)

    def to_sql(self) -> str:
        return f"WHEN {self.condition.to_sql()} THEN {self.result.to_sql()}"


@dataclass(slots=True, eq=False)
class Case(Expr):
    operand: Expr | None = None
    whens: list[When] = field(default_factory=list)
    else_: Expr | None = None

    def to_sql(self) -> str:
        parts = ["CASE"]
        if self.operand is not None:
            parts.append(self.operand.to_sql())
        parts.extend(w.to_sql() for w in self.whens)
        if self.else_ is not None:
            parts.append("ELSE " + self.else_.to_sql())
        parts.append("END")
        return " ".join(parts)


@dataclass(slots=True, eq=False)
class Exists(Expr):
    select: Select | None = None

    def to_sql(self) -> str:
        return f"EXISTS ({self.select.to_sql()})"


@dataclass(slots=True, eq=False)
class Subquery(Expr):
    """A scalar subquery ``(SELECT ...)``."""

    select: Select | None = None

    def to_sql(self) -> str:
        return f"({self.select.to_sql()})"


@dataclass(slots=True, eq=False)
class Tuple(Expr):
    """A row value ``(a, b, ...)`` (two or more items)."""

    items: list[Expr] = field(default_factory=list)

    def to_sql(self) -> str:
        return f"({_sqls(self.items)})"


@dataclass(slots=True, eq=False)
class Function(Expr):
    """A function call. ``star`` for ``f(*)``; ``over`` is a
    :class:`WindowSpec` or the name of a window; ``order_by`` for
    ``group_concat(x ORDER BY y)`` (SQLite 3.44+ grammar only)."""

    name: str = ""
    args: list[Expr] = field(default_factory=list)
    distinct: bool = False
    star: bool = False
    filter: Expr | None = None
    over: WindowSpec | str | None = None
    order_by: list[OrderingTerm] | None = None

    def to_sql(self) -> str:
        if self.star:
            inner = "*"
        else:
            inner = ("DISTINCT " if self.distinct else "") + _sqls(self.args)
            if self.order_by:
                inner += " ORDER BY " + _sqls(self.order_by)
        text = f"{quote_name(self.name)}({inner})"
        if self.filter is not None:
            text += f" FILTER (WHERE {self.filter.to_sql()})"
        if self.over is not None:
            if isinstance(self.over, str):
                text += " OVER " + quote_name(self.over)
            else:
                text += f" OVER ({self.over.to_sql()})"
        return text


@dataclass(slots=True, eq=False)
class Raise(Expr):
    """``RAISE(IGNORE)`` or ``RAISE(ROLLBACK|ABORT|FAIL, message)``."""

    action: str = "IGNORE"
    message: str | None = None

    def to_sql(self) -> str:
        if self.message is None:
            return f"RAISE({self.action})"
        return f"RAISE({self.action}, {quote_string(self.message)})"


# --------------------------------------------------------------------------
# SELECT


@dataclass(slots=True, eq=False)
class OrderingTerm(Node):
    """An ORDER BY term, or an indexed column (``expr`` may be a
    :class:`Collate`); ``direction`` ``ASC``/``DESC``/None; ``nulls``
    ``FIRST``/``LAST``/None."""

    expr: Expr = field(default_factory=Null)
    direction: str | None = None
    nulls: str | None = None

    @property
    def column_name(self) -> str | None:
        """The column named by this term (through COLLATE), or None."""
        e = self.expr
        while isinstance(e, Collate):
            e = e.operand
        if isinstance(e, Column) and e.table is None:
            return e.name
        if isinstance(e, String):  # SQLite accepts 'name' here too
            return e.value
        return None

    @property
    def collation(self) -> str | None:
        return self.expr.collation if isinstance(self.expr, Collate) else None

    def to_sql(self) -> str:
        text = self.expr.to_sql()
        if self.direction:
            text += " " + self.direction
        if self.nulls:
            text += " NULLS " + self.nulls
        return text


@dataclass(slots=True, eq=False)
class FrameBound(Node):
    """``kind``: ``UNBOUNDED PRECEDING``, ``PRECEDING``, ``CURRENT ROW``,
    ``FOLLOWING`` or ``UNBOUNDED FOLLOWING``; ``expr`` for the n forms."""

    kind: str = "CURRENT ROW"
    expr: Expr | None = None

    def to_sql(self) -> str:
        if self.expr is not None:
            return f"{self.expr.to_sql()} {self.kind}"
        return self.kind


@dataclass(slots=True, eq=False)
class Frame(Node):
    """``unit`` ROWS/RANGE/GROUPS; ``end`` None for the one-bound form;
    ``exclude`` ``NO OTHERS``/``CURRENT ROW``/``GROUP``/``TIES``/None."""

    unit: str = "ROWS"
    start: FrameBound = field(default_factory=FrameBound)
    end: FrameBound | None = None
    exclude: str | None = None

    def to_sql(self) -> str:
        if self.end is None:
            text = f"{self.unit} {self.start.to_sql()}"
        else:
            text = f"{self.unit} BETWEEN {self.start.to_sql()} AND {self.end.to_sql()}"
        if self.exclude:
            text += " EXCLUDE " + self.exclude
        return text


@dataclass(slots=True, eq=False)
class WindowSpec(Node):
    base: str | None = None
    partition_by: list[Expr] = field(default_factory=list)
    order_by: list[OrderingTerm] = field(default_factory=list)
    frame: Frame | None = None

    def to_sql(self) -> str:
        parts = []
        if self.base is not None:
            parts.append(quote_name(self.base))
        if self.partition_by:
            parts.append("PARTITION BY " + _sqls(self.partition_by))
        if self.order_by:
            parts.append("ORDER BY " + _sqls(self.order_by))
        if self.frame is not None:
            parts.append(self.frame.to_sql())
        return " ".join(parts)


@dataclass(slots=True, eq=False)
class NamedWindow(Node):
    name: str = ""
    spec: WindowSpec = field(default_factory=WindowSpec)

    def to_sql(self) -> str:
        return f"{quote_name(self.name)} AS ({self.spec.to_sql()})"


@dataclass(slots=True, eq=False)
class ResultColumn(Node):
    expr: Expr = field(default_factory=Null)
    alias: str | None = None

    def to_sql(self) -> str:
        if self.alias is not None:
            return f"{self.expr.to_sql()} AS {quote_name(self.alias)}"
        return self.expr.to_sql()


@dataclass(slots=True, eq=False)
class Star(Node):
    """``*`` or ``table.*`` in a result column list."""

    table: str | None = None

    def to_sql(self) -> str:
        return f"{quote_name(self.table)}.*" if self.table is not None else "*"


@dataclass(slots=True, eq=False)
class TableRef(Node):
    """A table (or view, or CTE) in FROM, or the target of DML."""

    name: str = ""
    schema: str | None = None
    alias: str | None = None
    indexed_by: str | None = None
    not_indexed: bool = False

    def to_sql(self) -> str:
        text = _qualified(self.schema, self.name)
        if self.alias is not None:
            text += " AS " + quote_name(self.alias)
        if self.indexed_by is not None:
            text += " INDEXED BY " + quote_name(self.indexed_by)
        elif self.not_indexed:
            text += " NOT INDEXED"
        return text


@dataclass(slots=True, eq=False)
class TableFunctionRef(Node):
    name: str = ""
    schema: str | None = None
    args: list[Expr] = field(default_factory=list)
    alias: str | None = None

    def to_sql(self) -> str:
        text = f"{_qualified(self.schema, self.name)}({_sqls(self.args)})"
        if self.alias is not None:
            text += " AS " + quote_name(self.alias)
        return text


@dataclass(slots=True, eq=False)
class SubqueryRef(Node):
    select: Select | None = None
    alias: str | None = None

    def to_sql(self) -> str:
        text = f"({self.select.to_sql()})"
        if self.alias is not None:
            text += " AS " + quote_name(self.alias)
        return text


@dataclass(slots=True, eq=False)
class ParenJoin(Node):
    """``( join-clause ) [AS alias]`` in FROM."""

    join: JoinClause | None = None
    alias: str | None = None

    def to_sql(self) -> str:
        text = f"({self.join.to_sql()})"
        if self.alias is not None:
            text += " AS " + quote_name(self.alias)
        return text


@dataclass(slots=True, eq=False)
class Join(Node):
    """One further table of a FROM clause. ``op``: ``,``, ``JOIN``,
    ``INNER``, ``LEFT``, ``RIGHT``, ``FULL`` or ``CROSS``; ``natural``;
    ``on`` expression or ``using`` column names."""

    op: str = ","
    source: Node | None = None
    natural: bool = False
    on: Expr | None = None
    using: list[str] | None = None

    def to_sql(self) -> str:
        if self.op == ",":
            text = ", "
        else:
            text = " " + ("NATURAL " if self.natural else "")
            text += "JOIN " if self.op == "JOIN" else f"{self.op} JOIN "
        text += self.source.to_sql()
        if self.on is not None:
            text += " ON " + self.on.to_sql()
        if self.using is not None:
            text += f" USING ({_names(self.using)})"
        return text


@dataclass(slots=True, eq=False)
class JoinClause(Node):
    first: Node | None = None
    joins: list[Join] = field(default_factory=list)

    def sources(self) -> list[Node]:
        return [self.first] + [j.source for j in self.joins]

    def to_sql(self) -> str:
        return self.first.to_sql() + "".join(j.to_sql() for j in self.joins)


@dataclass(slots=True, eq=False)
class SelectCore(Node):
    distinct: bool = False
    all: bool = False
    columns: list[Node] = field(default_factory=list)
    from_: JoinClause | None = None
    where: Expr | None = None
    group_by: list[Expr] = field(default_factory=list)
    having: Expr | None = None
    windows: list[NamedWindow] = field(default_factory=list)

    def to_sql(self) -> str:
        text = "SELECT "
        if self.distinct:
            text += "DISTINCT "
        elif self.all:
            text += "ALL "
        text += _sqls(self.columns)
        if self.from_ is not None:
            text += " FROM " + self.from_.to_sql()
        if self.where is not None:
            text += " WHERE " + self.where.to_sql()
        if self.group_by:
            text += " GROUP BY " + _sqls(self.group_by)
        if self.having is not None:
            text += " HAVING " + self.having.to_sql()
        if self.windows:
            text += " WINDOW " + _sqls(self.windows)
        return text


@dataclass(slots=True, eq=False)
class Values(Node):
    rows: list[list[Expr]] = field(default_factory=list)

    def to_sql(self) -> str:
        return "VALUES " + ", ".join(f"({_sqls(r)})" for r in self.rows)


@dataclass(slots=True, eq=False)
class Compound(Node):
    """``left op right``, ``op`` one of UNION, UNION ALL, INTERSECT, EXCEPT;
    left-deep."""

    op: str = "UNION"
    left: Node | None = None
    right: Node | None = None

    def terms(self) -> list[Node]:
        out = []
        node: Node = self
        while isinstance(node, Compound):
            out.append(node.right)
            node = node.left
        out.append(node)
        out.reverse()
        return out

    def to_sql(self) -> str:
        parts = [self.right.to_sql(), self.op]
        node = self.left
        while isinstance(node, Compound):
            parts.append(node.right.to_sql())
            parts.append(node.op)
            node = node.left
        parts.append(node.to_sql())
        parts.reverse()
        return " ".join(parts)


@dataclass(slots=True, eq=False)
class CommonTableExpression(Node):
    name: str = ""
    columns: list[str] | None = None
    select: Select | None = None
    materialized: bool | None = None

    def to_sql(self) -> str:
        text = quote_name(self.name)
        if self.columns is not None:
            text += f"({_names(self.columns)})"
        text += " AS "
        if self.materialized is True:
            text += "MATERIALIZED "
        elif self.materialized is False:
            text += "NOT MATERIALIZED "
        return text + f"({self.select.to_sql()})"


@dataclass(slots=True, eq=False)
class With(Node):
    recursive: bool = False
    ctes: list[CommonTableExpression] = field(default_factory=list)

    def to_sql(self) -> str:
        return "WITH " + ("RECURSIVE " if self.recursive else "") + _sqls(self.ctes)


@dataclass(slots=True, eq=False)
class Statement(Node):
    """Base of statements."""


@dataclass(slots=True, eq=False)
class Select(Statement):
    """A whole SELECT: ``body`` is a :class:`SelectCore`, :class:`Values` or
    :class:`Compound`; ORDER BY / LIMIT / OFFSET apply to the whole."""

    body: Node | None = None
    order_by: list[OrderingTerm] = field(default_factory=list)
    limit: Expr | None = None
    offset: Expr | None = None
    with_: With | None = None

    def to_sql(self) -> str:
        text = ""
        if self.with_ is not None:
            text = self.with_.to_sql() + " "
        text += self.body.to_sql()
        text += _order_limit(self.order_by, self.limit, self.offset)
        return text


def _order_limit(order_by, limit, offset) -> str:
    text = ""
    if order_by:
        text += " ORDER BY " + _sqls(order_by)
    if limit is not None:
        text += " LIMIT " + limit.to_sql()
        if offset is not None:
            text += " OFFSET " + offset.to_sql()
    return text


# --------------------------------------------------------------------------
# CREATE TABLE and its constraints


@dataclass(slots=True, eq=False)
class ForeignKeyClause(Node):
    """``REFERENCES table [(columns)] [ON DELETE|UPDATE action] [MATCH name]
    [[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]]``. ``actions`` maps
    ``DELETE``/``UPDATE``/``INSERT`` to ``SET NULL``, ``SET DEFAULT``,
    ``CASCADE``, ``RESTRICT`` or ``NO ACTION`` in the order written."""

    table: str = ""
    columns: list[str] | None = None
    actions: list[tuple[str, str]] = field(default_factory=list)
    match: list[str] = field(default_factory=list)
    deferrable: bool | None = None
    initially: str | None = None

    def to_sql(self) -> str:
        text = "REFERENCES " + quote_name(self.table)
        if self.columns is not None:
            text += f"({_names(self.columns)})"
        for event, action in self.actions:
            text += f" ON {event} {action}"
        for m in self.match:
            text += " MATCH " + quote_name(m)
        if self.deferrable is not None:
            text += " DEFERRABLE" if self.deferrable else " NOT DEFERRABLE"
            if self.initially:
                text += " INITIALLY " + self.initially
        return text


def _constraint_prefix(name: str | None) -> str:
    return f"CONSTRAINT {quote_name(name)} " if name is not None else ""


def _onconf(conflict: str | None) -> str:
    return f" ON CONFLICT {conflict}" if conflict else ""


@dataclass(slots=True, eq=False)
class ColumnConstraint(Node):
    """Base of column constraints; ``name`` from ``CONSTRAINT name``."""


@dataclass(slots=True, eq=False)
class PrimaryKeyConstraint(ColumnConstraint):
    name: str | None = None
    direction: str | None = None
    conflict: str | None = None
    autoincrement: bool = False

    def to_sql(self) -> str:
        text = _constraint_prefix(self.name) + "PRIMARY KEY"
        if self.direction:
            text += " " + self.direction
        text += _onconf(self.conflict)
        if self.autoincrement:
            text += " AUTOINCREMENT"
        return text


@dataclass(slots=True, eq=False)
class NotNullConstraint(ColumnConstraint):
    name: str | None = None
    conflict: str | None = None

    def to_sql(self) -> str:
        return _constraint_prefix(self.name) + "NOT NULL" + _onconf(self.conflict)


@dataclass(slots=True, eq=False)
class NullConstraint(ColumnConstraint):
    """``NULL`` written as a constraint (accepted and ignored by SQLite)."""

    name: str | None = None
    conflict: str | None = None

    def to_sql(self) -> str:
        return _constraint_prefix(self.name) + "NULL" + _onconf(self.conflict)


@dataclass(slots=True, eq=False)
class UniqueConstraint(ColumnConstraint):
    name: str | None = None
    conflict: str | None = None

    def to_sql(self) -> str:
        return _constraint_prefix(self.name) + "UNIQUE" + _onconf(self.conflict)


@dataclass(slots=True, eq=False)
class CheckConstraint(ColumnConstraint):
    name: str | None = None
    expr: Expr = field(default_factory=Null)

    def to_sql(self) -> str:
        return _constraint_prefix(self.name) + f"CHECK ({self.expr.to_sql()})"


@dataclass(slots=True, eq=False)
class DefaultConstraint(ColumnConstraint):
    """``DEFAULT value``; ``text`` is the source text SQLite keeps for it
    (what PRAGMA table_info shows as dflt_value)."""

    name: str | None = None
    expr: Expr = field(default_factory=Null)
    text: str = field(default="", compare=False)

    def to_sql(self) -> str:
        e = self.expr
        if isinstance(e, (Number, String, Blob, Null, CurrentTime, Boolean)) or (
            isinstance(e, Unary) and e.op in "+-" and isinstance(e.operand, (Number, String,
                                                                             Blob, Null))
        ):
            body = e.to_sql()
        else:
            body = f"({e.to_sql()})"
        return _constraint_prefix(self.name) + "DEFAULT " + body


@dataclass(slots=True, eq=False)
class CollateConstraint(ColumnConstraint):
    name: str | None = None
    collation: str = "BINARY"

    def to_sql(self) -> str:
        return _constraint_prefix(self.name) + "COLLATE " + quote_name(self.collation)


@dataclass(slots=True, eq=False)
class ReferencesConstraint(ColumnConstraint):
    name: str | None = None
    clause: ForeignKeyClause = field(default_factory=ForeignKeyClause)

    def to_sql(self) -> str:
        return _constraint_prefix(self.name) + self.clause.to_sql()


@dataclass(slots=True, eq=False)
class DeferrableConstraint(ColumnConstraint):
    """A ``[NOT] DEFERRABLE ...`` clause standing alone after a column's
    REFERENCES (SQLite attaches it to the last foreign key)."""

    name: str | None = None
    deferrable: bool = True
    initially: str | None = None

    def to_sql(self) -> str:
        text = _constraint_prefix(self.name) + ("DEFERRABLE" if self.deferrable
                                                else "NOT DEFERRABLE")
        if self.initially:
            text += " INITIALLY " + self.initially
        return text


@dataclass(slots=True, eq=False)
class GeneratedConstraint(ColumnConstraint):
    """``[GENERATED ALWAYS] AS (expr) [STORED|VIRTUAL]``; ``storage`` is
    ``STORED`` or ``VIRTUAL`` (the default)."""

    name: str | None = None
    expr: Expr = field(default_factory=Null)
    storage: str = "VIRTUAL"

    def to_sql(self) -> str:
        return _constraint_prefix(self.name) + f"AS ({self.expr.to_sql()}) {self.storage}"


@dataclass(slots=True, eq=False)
class ColumnDef(Node):
    """One column of CREATE TABLE (or ALTER TABLE ADD COLUMN).

    ``type`` is the declared type exactly as SQLite derives it (what PRAGMA
    table_info shows: the source text of the type tokens, dequoted, and the
    standard names INT/INTEGER/REAL/TEXT/BLOB/ANY upper-cased), or None when
    no type is written. ``type_text`` is the raw source text of the type
    tokens (not compared)."""

    name: str = ""
    type: str | None = None
    constraints: list[ColumnConstraint] = field(default_factory=list)
    type_text: str = field(default="", compare=False)

    def _find(self, cls):
        for c in self.constraints:
            if isinstance(c, cls):
                return c
        return None

    @property
    def primary_key(self) -> PrimaryKeyConstraint | None:
        return self._find(PrimaryKeyConstraint)

    @property
    def not_null(self) -> bool:
        return self._find(NotNullConstraint) is not None

    @property
    def unique(self) -> bool:
        return self._find(UniqueConstraint) is not None

    @property
    def collation(self) -> str | None:
        # the last COLLATE wins, as in sqlite3AddCollateType
        found = None
        for c in self.constraints:
            if isinstance(c, CollateConstraint):
                found = c.collation
        return found

    @property
    def default(self) -> DefaultConstraint | None:
        found = None
        for c in self.constraints:
            if isinstance(c, DefaultConstraint):
                found = c
        return found

    @property
    def generated(self) -> GeneratedConstraint | None:
        return self._find(GeneratedConstraint)

    @property
    def references(self) -> list[ForeignKeyClause]:
        return [c.clause for c in self.constraints if isinstance(c, ReferencesConstraint)]

    def to_sql(self) -> str:
        text = quote_name(self.name)
        if self.type is not None:
            text += " " + (self.type_text if self.type_text else _type_sql(self.type))
        for c in self.constraints:
            text += " " + c.to_sql()
        return text


@dataclass(slots=True, eq=False)
class TableConstraint(Node):
    """Base of table constraints."""


@dataclass(slots=True, eq=False)
class TablePrimaryKey(TableConstraint):
    name: str | None = None
    columns: list[OrderingTerm] = field(default_factory=list)
    conflict: str | None = None
    autoincrement: bool = False

    def to_sql(self) -> str:
        auto = " AUTOINCREMENT" if self.autoincrement else ""
        return (_constraint_prefix(self.name) + f"PRIMARY KEY ({_sqls(self.columns)}{auto})"
                + _onconf(self.conflict))


@dataclass(slots=True, eq=False)
class TableUnique(TableConstraint):
    name: str | None = None
    columns: list[OrderingTerm] = field(default_factory=list)
    conflict: str | None = None

    def to_sql(self) -> str:
        return (_constraint_prefix(self.name) + f"UNIQUE ({_sqls(self.columns)})"
                + _onconf(self.conflict))


@dataclass(slots=True, eq=False)
class TableCheck(TableConstraint):
    name: str | None = None
    expr: Expr = field(default_factory=Null)
    conflict: str | None = None

    def to_sql(self) -> str:
        return (_constraint_prefix(self.name) + f"CHECK ({self.expr.to_sql()})"
                + _onconf(self.conflict))


@dataclass(slots=True, eq=False)
class TableForeignKey(TableConstraint):
    """``FOREIGN KEY (columns) REFERENCES ...``; ``columns`` are the child
    columns (name, collation, direction as written)."""

    name: str | None = None
    columns: list[str] = field(default_factory=list)
    clause: ForeignKeyClause = field(default_factory=ForeignKeyClause)

    def to_sql(self) -> str:
        return (_constraint_prefix(self.name) + f"FOREIGN KEY ({_names(self.columns)}) "
                + self.clause.to_sql())


@dataclass(slots=True, eq=False)
class CreateTable(Statement):
    name: str = ""
    schema: str | None = None
    temp: bool = False
    if_not_exists: bool = False
    columns: list[ColumnDef] = field(default_factory=list)
    constraints: list[TableConstraint] = field(default_factory=list)
    without_rowid: bool = False
    strict: bool = False
    as_select: Select | None = None
    # The text SQLite stores for this object in sqlite_schema.sql (not
    # compared; None for CREATE TABLE ... AS SELECT, whose text SQLite
    # writes from the result columns): "CREATE ... " followed by the source text from the object's
    # name on, cut where build.c cuts it.
    schema_sql: str | None = field(default=None, compare=False, repr=False)

    def column(self, name: str) -> ColumnDef | None:
        """The column called ``name`` (case-insensitively), or None."""
        low = name.lower()
        for col in self.columns:
            if col.name.lower() == low:
                return col
        return None

    @property
    def rowid_alias(self) -> str | None:
        """The INTEGER PRIMARY KEY column that aliases the rowid, or None:
        a rowid table whose primary key is one column of declared type
        INTEGER, not DESC (sqlite3AddPrimaryKey)."""
        if self.without_rowid:
            return None
        pk = self.primary_key
        if pk is None or len(pk) != 1 or pk[0].direction == "DESC":
            return None
        name = pk[0].column_name
        col = self.column(name) if name is not None else None
        if col is None or (col.type or "").upper() != "INTEGER":
            return None
        return col.name

    def column_not_null(self, col: ColumnDef) -> bool:
        """Whether the column is NOT NULL in effect: declared so, or a
        PRIMARY KEY column of a WITHOUT ROWID table, or of a STRICT table
        unless it is the rowid alias (sqlite3EndTable)."""
        if col.not_null:
            return True
        if not (self.without_rowid or self.strict):
            return False
        pk_names = {(t.column_name or "").lower() for t in (self.primary_key or [])}
        if col.name.lower() not in pk_names:
            return False
        return self.without_rowid or col.name != self.rowid_alias

    @property
    def primary_key(self) -> list[OrderingTerm] | None:
        """The PRIMARY KEY as ordering terms (column name, COLLATE, ASC/DESC),
        from the table constraint or the column that carries it."""
        for c in self.constraints:
            if isinstance(c, TablePrimaryKey):
                return c.columns
        for col in self.columns:
            pk = col.primary_key
            if pk is not None:
                return [OrderingTerm(Column(col.name), pk.direction)]
        return None

    def to_sql(self) -> str:
        text = "CREATE " + ("TEMP " if self.temp else "") + "TABLE "
        if self.if_not_exists:
            text += "IF NOT EXISTS "
        text += _qualified(self.schema, self.name)
        if self.as_select is not None:
            return text + " AS " + self.as_select.to_sql()
        parts = [c.to_sql() for c in self.columns] + [c.to_sql() for c in self.constraints]
        text += f"({', '.join(parts)})"
        options = []
        if self.without_rowid:
            options.append("WITHOUT ROWID")
        if self.strict:
            options.append("STRICT")
        if options:
            text += " " + ", ".join(options)
        return text


@dataclass(slots=True, eq=False)
class CreateIndex(Statement):
    name: str = ""
    schema: str | None = None
    table: str = ""
    unique: bool = False
    if_not_exists: bool = False
    columns: list[OrderingTerm] = field(default_factory=list)
    where: Expr | None = None
    # The text SQLite stores for this object in sqlite_schema.sql (not
    # compared): "CREATE ... " followed by the source text from the object's
    # name on, cut where build.c cuts it.
    schema_sql: str | None = field(default=None, compare=False, repr=False)

    def to_sql(self) -> str:
        text = "CREATE " + ("UNIQUE " if self.unique else "") + "INDEX "
        if self.if_not_exists:
            text += "IF NOT EXISTS "
        text += f"{_qualified(self.schema, self.name)} ON {quote_name(self.table)}"
        text += f"({_sqls(self.columns)})"
        if self.where is not None:
            text += " WHERE " + self.where.to_sql()
        return text


@dataclass(slots=True, eq=False)
class CreateView(Statement):
    name: str = ""
    schema: str | None = None
    temp: bool = False
    if_not_exists: bool = False
    columns: list[str] | None = None
    select: Select | None = None
    # The text SQLite stores for this object in sqlite_schema.sql (not
    # compared): "CREATE ... " followed by the source text from the object's
    # name on, cut where build.c cuts it.
    schema_sql: str | None = field(default=None, compare=False, repr=False)

    def to_sql(self) -> str:
        text = "CREATE " + ("TEMP " if self.temp else "") + "VIEW "
        if self.if_not_exists:
            text += "IF NOT EXISTS "
        text += _qualified(self.schema, self.name)
        if self.columns is not None:
            text += f"({_names(self.columns)})"
        return text + " AS " + self.select.to_sql()


@dataclass(slots=True, eq=False)
class CreateTrigger(Statement):
    """``timing`` BEFORE/AFTER/INSTEAD OF/None; ``event`` DELETE/INSERT/
    UPDATE; ``columns`` for UPDATE OF; ``body`` the statements."""

    name: str = ""
    schema: str | None = None
    temp: bool = False
    if_not_exists: bool = False
    timing: str | None = None
    event: str = "INSERT"
    columns: list[str] | None = None
    table: str = ""
    table_schema: str | None = None
    for_each_row: bool = False
    when: Expr | None = None
    body: list[Statement] = field(default_factory=list)
    # The text SQLite stores for this object in sqlite_schema.sql (not
    # compared): "CREATE ... " followed by the source text from the object's
    # name on, cut where build.c cuts it.
    schema_sql: str | None = field(default=None, compare=False, repr=False)

    def to_sql(self) -> str:
        text = "CREATE " + ("TEMP " if self.temp else "") + "TRIGGER "
        if self.if_not_exists:
            text += "IF NOT EXISTS "
        text += _qualified(self.schema, self.name)
        if self.timing:
            text += " " + self.timing
        text += " " + self.event
        if self.columns is not None:
            text += " OF " + _names(self.columns)
        text += " ON " + _qualified(self.table_schema, self.table)
        if self.for_each_row:
            text += " FOR EACH ROW"
        if self.when is not None:
            text += " WHEN " + self.when.to_sql()
        text += " BEGIN " + "".join(s.to_sql() + "; " for s in self.body) + "END"
        return text


@dataclass(slots=True, eq=False)
class CreateVirtualTable(Statement):
    """``args`` is the list of module arguments as source text (None when
    no parentheses are written), as SQLite hands them to the module."""

    name: str = ""
    schema: str | None = None
    if_not_exists: bool = False
    module: str = ""
    args: list[str] | None = None
    # The text SQLite stores for this object in sqlite_schema.sql (not
    # compared): "CREATE ... " followed by the source text from the object's
    # name on, cut where build.c cuts it.
    schema_sql: str | None = field(default=None, compare=False, repr=False)

    def to_sql(self) -> str:
        text = "CREATE VIRTUAL TABLE "
        if self.if_not_exists:
            text += "IF NOT EXISTS "
        text += f"{_qualified(self.schema, self.name)} USING {quote_name(self.module)}"
        if self.args is not None:
            text += f"({', '.join(self.args)})"
        return text


# --------------------------------------------------------------------------
# DML


@dataclass(slots=True, eq=False)
class SetItem(Node):
    """``column = expr`` or ``(c1, c2) = expr`` in UPDATE / upsert."""

    columns: list[str] = field(default_factory=list)
    expr: Expr = field(default_factory=Null)
    parenthesized: bool = False

    def to_sql(self) -> str:
        if self.parenthesized:
            return f"({_names(self.columns)}) = {self.expr.to_sql()}"
        return f"{quote_name(self.columns[0])} = {self.expr.to_sql()}"


@dataclass(slots=True, eq=False)
class Upsert(Node):
    """``ON CONFLICT [(target) [WHERE target_where]] DO NOTHING|UPDATE SET
    ... [WHERE where]``."""

    target: list[OrderingTerm] | None = None
    target_where: Expr | None = None
    action: str = "NOTHING"
    sets: list[SetItem] = field(default_factory=list)
    where: Expr | None = None

    def to_sql(self) -> str:
        text = "ON CONFLICT"
        if self.target is not None:
            text += f" ({_sqls(self.target)})"
            if self.target_where is not None:
                text += " WHERE " + self.target_where.to_sql()
        if self.action == "NOTHING":
            return text + " DO NOTHING"
        text += " DO UPDATE SET " + _sqls(self.sets)
        if self.where is not None:
            text += " WHERE " + self.where.to_sql()
        return text


def _returning(items) -> str:
    return " RETURNING " + _sqls(items) if items is not None else ""


@dataclass(slots=True, eq=False)
class Insert(Statement):
    """``verb`` INSERT or REPLACE; ``conflict`` from ``INSERT OR x``;
    ``select`` None means DEFAULT VALUES."""

    table: str = ""
    schema: str | None = None
    alias: str | None = None
    verb: str = "INSERT"
    conflict: str | None = None
    columns: list[str] | None = None
    select: Select | None = None
    upsert: list[Upsert] = field(default_factory=list)
    returning: list[Node] | None = None
    with_: With | None = None

    def to_sql(self) -> str:
        text = self.with_.to_sql() + " " if self.with_ is not None else ""
        text += self.verb
        if self.conflict:
            text += " OR " + self.conflict
        text += " INTO " + _qualified(self.schema, self.table)
        if self.alias is not None:
            text += " AS " + quote_name(self.alias)
        if self.columns is not None:
            text += f"({_names(self.columns)})"
        if self.select is None:
            text += " DEFAULT VALUES"
        else:
            text += " " + self.select.to_sql()
        for u in self.upsert:
            text += " " + u.to_sql()
        return text + _returning(self.returning)


@dataclass(slots=True, eq=False)
class Update(Statement):
    table: TableRef = field(default_factory=TableRef)
    conflict: str | None = None
    sets: list[SetItem] = field(default_factory=list)
    from_: JoinClause | None = None
    where: Expr | None = None
    returning: list[Node] | None = None
    order_by: list[OrderingTerm] = field(default_factory=list)
    limit: Expr | None = None
    offset: Expr | None = None
    with_: With | None = None

    def to_sql(self) -> str:
        text = self.with_.to_sql() + " " if self.with_ is not None else ""
        text += "UPDATE "
        if self.conflict:
            text += f"OR {self.conflict} "
        text += self.table.to_sql() + " SET " + _sqls(self.sets)
        if self.from_ is not None:
            text += " FROM " + self.from_.to_sql()
        if self.where is not None:
            text += " WHERE " + self.where.to_sql()
        text += _returning(self.returning)
        return text + _order_limit(self.order_by, self.limit, self.offset)


@dataclass(slots=True, eq=False)
class Delete(Statement):
    table: TableRef = field(default_factory=TableRef)
    where: Expr | None = None
    returning: list[Node] | None = None
    order_by: list[OrderingTerm] = field(default_factory=list)
    limit: Expr | None = None
    offset: Expr | None = None
    with_: With | None = None

    def to_sql(self) -> str:
        text = self.with_.to_sql() + " " if self.with_ is not None else ""
        text += "DELETE FROM " + self.table.to_sql()
        if self.where is not None:
            text += " WHERE " + self.where.to_sql()
        text += _returning(self.returning)
        return text + _order_limit(self.order_by, self.limit, self.offset)


# --------------------------------------------------------------------------
# other statements


@dataclass(slots=True, eq=False)
class Drop(Statement):
    """``kind`` TABLE, INDEX, VIEW or TRIGGER."""

    kind: str = "TABLE"
    name: str = ""
    schema: str | None = None
    if_exists: bool = False

    def to_sql(self) -> str:
        return (f"DROP {self.kind} " + ("IF EXISTS " if self.if_exists else "")
                + _qualified(self.schema, self.name))


@dataclass(slots=True, eq=False)
class AlterTable(Statement):
    """``action``: ``RENAME TO`` (``new_name``), ``RENAME COLUMN``
    (``column``, ``new_name``), ``ADD COLUMN`` (``column_def``) or ``DROP
    COLUMN`` (``column``)."""

    table: str = ""
    schema: str | None = None
    action: str = "RENAME TO"
    new_name: str | None = None
    column: str | None = None
    column_def: ColumnDef | None = None

    def to_sql(self) -> str:
        text = "ALTER TABLE " + _qualified(self.schema, self.table) + " "
        if self.action == "RENAME TO":
            return text + "RENAME TO " + quote_name(self.new_name)
        if self.action == "RENAME COLUMN":
            return text + f"RENAME COLUMN {quote_name(self.column)} TO {quote_name(self.new_name)}"
        if self.action == "ADD COLUMN":
            return text + "ADD COLUMN " + self.column_def.to_sql()
        return text + "DROP COLUMN " + quote_name(self.column)


@dataclass(slots=True, eq=False)
class Begin(Statement):
    """``mode`` DEFERRED, IMMEDIATE, EXCLUSIVE or None."""

    mode: str | None = None

    def to_sql(self) -> str:
        return "BEGIN" + (f" {self.mode}" if self.mode else "")


@dataclass(slots=True, eq=False)
class Commit(Statement):
    def to_sql(self) -> str:
        return "COMMIT"


@dataclass(slots=True, eq=False)
class Rollback(Statement):
    savepoint: str | None = None

    def to_sql(self) -> str:
        if self.savepoint is not None:
            return "ROLLBACK TO SAVEPOINT " + quote_name(self.savepoint)
        return "ROLLBACK"


@dataclass(slots=True, eq=False)
class Savepoint(Statement):
    name: str = ""

    def to_sql(self) -> str:
        return "SAVEPOINT " + quote_name(self.name)


@dataclass(slots=True, eq=False)
class Release(Statement):
    name: str = ""

    def to_sql(self) -> str:
        return "RELEASE SAVEPOINT " + quote_name(self.name)


_PRAGMA_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


@dataclass(slots=True, eq=False)
class Pragma(Statement):
    """``PRAGMA [schema.]name [= value | (value)]``; ``value`` is the text
    SQLite hands to the pragma (names and strings dequoted, numbers as
    written with their sign)."""

    name: str = ""
    schema: str | None = None
    value: str | None = None
    call: bool = False

    def to_sql(self) -> str:
        text = "PRAGMA " + _qualified(self.schema, self.name)
        if self.value is None:
            return text
        v = self.value
        if not _PRAGMA_NUMBER.match(v.replace(" ", "")):
            v = quote_string(v)
        return text + (f"({v})" if self.call else f" = {v}")


@dataclass(slots=True, eq=False)
class Attach(Statement):
    expr: Expr = field(default_factory=Null)
    schema: Expr = field(default_factory=Null)
    key: Expr | None = None

    def to_sql(self) -> str:
        text = f"ATTACH DATABASE {self.expr.to_sql()} AS {self.schema.to_sql()}"
        if self.key is not None:
            text += " KEY " + self.key.to_sql()
        return text


@dataclass(slots=True, eq=False)
class Detach(Statement):
    schema: Expr = field(default_factory=Null)

    def to_sql(self) -> str:
        return "DETACH DATABASE " + self.schema.to_sql()


@dataclass(slots=True, eq=False)
class Vacuum(Statement):
    schema: str | None = None
    into: Expr | None = None

    def to_sql(self) -> str:
        text = "VACUUM"
        if self.schema is not None:
            text += " " + quote_name(self.schema)
        if self.into is not None:
            text += " INTO " + self.into.to_sql()
        return text


@dataclass(slots=True, eq=False)
class Analyze(Statement):
    """``ANALYZE [schema.]name`` or ``ANALYZE name``; ``name`` None for the
    bare form."""

    name: str | None = None
    schema: str | None = None

    def to_sql(self) -> str:
        if self.name is None:
            return "ANALYZE"
        return "ANALYZE " + _qualified(self.schema, self.name)


@dataclass(slots=True, eq=False)
class Reindex(Statement):
    name: str | None = None
    schema: str | None = None

    def to_sql(self) -> str:
        if self.name is None:
            return "REINDEX"
        return "REINDEX " + _qualified(self.schema, self.name)


@dataclass(slots=True, eq=False)
class Explain(Statement):
    statement: Statement | None = None
    query_plan: bool = False

    def to_sql(self) -> str:
        return ("EXPLAIN QUERY PLAN " if self.query_plan else "EXPLAIN ") + self.statement.to_sql()
