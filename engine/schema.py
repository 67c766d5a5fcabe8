"""The catalog: tables, indexes, views and triggers, from the rows of ``sqlite_schema``.

fileformat2 section "Storage Of The SQL Database Schema": page 1 is the root of
the table b-tree ``sqlite_schema(type, name, tbl_name, rootpage, sql)``; each
row's ``sql`` is the original CREATE statement (normalized by SQLite only in its
first words). What the storage layer needs from it is decided here, from the
statement as parsed by :mod:`engine.sql` (no pattern matching on SQL text):

* columns in declaration order with name, declared type, affinity (the rules
  of datatype3 section 3.1, :func:`engine.values.affinity_of_type`), collation,
  NOT NULL, DEFAULT, generated-column kind;
* the rowid alias: the column declared with type exactly ``INTEGER`` that is the
  whole PRIMARY KEY of a rowid table, except for the historical quirk that a
  column constraint ``INTEGER PRIMARY KEY DESC`` does not make an alias (a
  table constraint ``PRIMARY KEY(x DESC)`` does);
* WITHOUT ROWID tables and their primary-key columns (with collations and
  order), which fix the order of the columns in the stored record: the key
  columns first, then the others in declaration order;
* indexes: columns or expressions, collations, ASC/DESC, UNIQUE, the WHERE
  clause of a partial index; the automatic indexes of UNIQUE / PRIMARY KEY
  constraints (``sqlite_autoindex_T_N``, whose ``sql`` is NULL).

Records shorter than the table (rows written before ALTER TABLE ADD COLUMN)
take the missing columns' DEFAULT values, with the column affinity applied as
SQLite's ``sqlite3ColumnDefault`` does; REAL columns read integers back as
floats (SQLite stores integral reals as integers on disk).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import CorruptError, NotSupportedError, OperationalError
from .values import affinity_of_type, apply_affinity

_MISSING = object()
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(name: str) -> str:
    """SQLite's case folding of identifiers: ASCII letters only (sqlite3StrICmp)."""
    return name.translate(_ASCII_LOWER)


@dataclass
class Column:
    name: str
    decl_type: str | None
    affinity: str
    collation: str = "BINARY"
    not_null: bool = False
    default: Any = None  # the parsed DEFAULT expression, or None
    has_default: bool = False
    primary_key: bool = False
    generated: str | None = None  # None, "VIRTUAL" or "STORED"

    def default_value(self, encoding: str = "utf-8"):
        """The value a row written before this column existed reads back as."""
        if not self.has_default:
            return None
        value = default_literal(self.default, self.affinity)
        if value is _MISSING:
            raise NotSupportedError(
                f"column {self.name}: a DEFAULT that is not a literal, on a record written "
                "before the column was added")
        return value


@dataclass
class IndexColumn:
    name: str | None  # the table column, None for an expression
    column: int  # index into the table's columns, -1 rowid, -2 expression
    collation: str = "BINARY"
    desc: bool = False
    expr: Any = None
    explicit_collation: bool = False


@dataclass
class Table:
    name: str
    rootpage: int | None
    sql: str | None
    columns: list[Column] = field(default_factory=list)
    without_rowid: bool = False
    strict: bool = False
    rowid_alias: int | None = None
    primary_key: list[IndexColumn] = field(default_factory=list)
    unique_constraints: list[list[IndexColumn]] = field(default_factory=list)
    virtual: bool = False
    _shape: Any = None

    def column_index(self, name: str) -> int:
        low = fold(name)
        for i, c in enumerate(self.columns):
            if fold(c.name) == low:
                return i
        if low in ("rowid", "_rowid_", "oid") and not self.without_rowid:
            return -1
        raise OperationalError(f"no such column: {name}")

    def storage_order(self) -> list[int]:
        """Table column indexes in the order their values appear in a stored record."""
        stored = [i for i, c in enumerate(self.columns) if c.generated != "VIRTUAL"]
        if not self.without_rowid:
            return stored
        key = []
        for ic in self.primary_key:
            if ic.column not in key:
                key.append(ic.column)
        return key + [i for i in stored if i not in key]

    def row_shape(self, encoding: str = "utf-8"):
        """A function ``(rowid, *record values) -> row`` as ``SELECT rowid, *`` shows it
        (WITHOUT ROWID: ``record values -> row`` as ``SELECT *``)."""
        if self._shape is None:
            self._shape = _make_shape(self, encoding)
        return self._shape


@dataclass
class Index:
    name: str
    table: str
    rootpage: int | None
    sql: str | None
    columns: list[IndexColumn] = field(default_factory=list)
    unique: bool = False
    where: Any = None  # the parsed WHERE clause of a partial index
    auto: bool = False

    @property
    def partial(self) -> bool:
        return self.where is not None

    @property
    def collations(self) -> list[str]:
        return [c.collation for c in self.columns]

    @property
    def desc(self) -> list[bool]:
        return [c.desc for c in self.columns]


@dataclass
class SchemaObject:
    type: str  # "view" or "trigger"
    name: str
    tbl_name: str
    sql: str | None


class Catalog:
    """Every object of one database schema, by name folded as SQLite folds it (ASCII).

    An entry whose row or CREATE statement is malformed does not stop the rest
    of the schema from loading: its CorruptError is raised when that table or
    index is looked up (``broken`` holds them).
    """

    def __init__(self, rows, encoding: str = "utf-8") -> None:
        self.encoding = encoding
        self.tables: dict[str, Table] = {}
        self.indexes: dict[str, Index] = {}
        self.views: dict[str, SchemaObject] = {}
        self.triggers: dict[str, SchemaObject] = {}
        self.tables["sqlite_schema"] = _schema_table()
        self.broken: dict[tuple[str, str], CorruptError] = {}
        autos = []
        for row in rows:
            typ, name, tbl_name, rootpage, sql = row
            if not isinstance(name, str) or not isinstance(typ, str):
                raise CorruptError(f"sqlite_schema row with type {typ!r} name {name!r}", page=1)
            key = fold(name)
            try:
                if typ in ("table", "index") and not (rootpage is None
                                                      or isinstance(rootpage, int)):
                    raise CorruptError(f"{typ} {name}: root page {rootpage!r} is not a number",
                                       page=1)
                if typ == "table":
                    self.tables[key] = _table_from_sql(name, rootpage, sql)
                elif typ == "index":
                    if sql is None:
                        autos.append(row)
                    else:
                        self.indexes[key] = _index_from_sql(name, tbl_name, rootpage, sql)
                elif typ in ("view", "trigger"):
                    target = self.views if typ == "view" else self.triggers
                    target[key] = SchemaObject(typ, name, tbl_name, sql)
                else:
                    raise CorruptError(f"sqlite_schema row of unknown type {typ!r}", page=1)
            except CorruptError as err:
                # kept for the object's first use: the rest of the schema stays readable
                self.broken[(typ if typ == "index" else "table", key)] = err
        for _typ, name, tbl_name, rootpage, _sql in autos:
            self.indexes[fold(name)] = self._auto_index(
                name, tbl_name if isinstance(tbl_name, str) else "", rootpage)
        for ix in self.indexes.values():
            if not ix.auto:
                self._resolve_index(ix)

    # -- lookups -----------------------------------------------------------
    def table(self, name: str) -> Table:
        key = fold(name)
        if key == "sqlite_master":
            key = "sqlite_schema"
        t = self.tables.get(key)
        if t is None:
            err = self.broken.get(("table", key))
            if err is not None:
                raise err
            raise OperationalError(f"no such table: {name}")
        return t

    def index(self, name: str) -> Index:
        key = fold(name)
        ix = self.indexes.get(key)
        if ix is None:
            err = self.broken.get(("index", key))
            if err is not None:
                raise err
            raise OperationalError(f"no such index: {name}")
        return ix

    # -- indexes -------------------------------------------------------------
    def _resolve_index(self, ix: Index) -> None:
        t = self.tables.get(fold(ix.table))
        if t is None:
            return  # the file says so; sqlite3 would call the schema malformed on use
        for ic in ix.columns:
            if ic.name is not None:
                try:
                    ic.column = t.column_index(ic.name)
                except OperationalError:
                    ic.column = -2
                    continue
                if ic.column >= 0 and not ic.explicit_collation:
                    ic.collation = t.columns[ic.column].collation

    def _auto_index(self, name: str, tbl_name: str, rootpage) -> Index:
        """sqlite_autoindex_T_N: the N-th PRIMARY KEY / UNIQUE constraint that needed an index."""
        t = self.tables.get(fold(tbl_name or ""))
        cols: list[IndexColumn] = []
        if t is not None:
            try:
                n = int(name.rsplit("_", 1)[1])
            except (ValueError, IndexError):
                n = 0
            candidates = t.unique_constraints
            if 1 <= n <= len(candidates):
                cols = [IndexColumn(c.name, c.column, c.collation, c.desc) for c in candidates[n - 1]]
        return Index(name, tbl_name, rootpage, None, cols, unique=True, auto=True)


# --------------------------------------------------------------------------
# from parsed CREATE statements
# --------------------------------------------------------------------------


def _schema_table() -> Table:
    cols = [Column(n, t, affinity_of_type(t)) for n, t in
            (("type", "text"), ("name", "text"), ("tbl_name", "text"), ("rootpage", "int"),
             ("sql", "text"))]
    return Table("sqlite_schema", 1, None, cols)


def _parse(sql: str):
    from .sql.parser import parse_one

    if not isinstance(sql, str):
        raise CorruptError(f"malformed database schema: sql is {type(sql).__name__}", page=1)
    try:
        return parse_one(sql)
    except RecursionError:
        raise CorruptError("malformed database schema: statement nested too deeply",
                           page=1) from None
    except Exception as err:  # the schema text is file content: any failure is corruption
        raise CorruptError(f"malformed database schema: {err}", page=1) from None


def _table_from_sql(name: str, rootpage, sql) -> Table:
    if not isinstance(sql, str):
        raise CorruptError(f"table {name} has no CREATE statement", page=1)
    node = _parse(sql)
    return table_from_ast(name, rootpage, sql, node)


def _index_from_sql(name: str, tbl_name: str, rootpage, sql: str) -> Index:
    node = _parse(sql)
    return index_from_ast(name, tbl_name, rootpage, sql, node)


# --------------------------------------------------------------------------
# from parsed CREATE statements
# --------------------------------------------------------------------------


def _unwrap_collate(expr):
    from .sql import ast

    while isinstance(expr, ast.Collate):
        expr = expr.operand
    return expr


def table_from_ast(name: str, rootpage, sql: str, node) -> Table:
    """The catalog entry of a table from its parsed CREATE TABLE (or CREATE VIRTUAL TABLE)."""
    from .sql import ast

    if isinstance(node, ast.CreateVirtualTable):
        return Table(name, rootpage, sql, virtual=True)
    if not isinstance(node, ast.CreateTable) or node.as_select is not None:
        raise CorruptError(f"table {name}: sqlite_schema.sql is not a CREATE TABLE", page=1)
    table = Table(name, rootpage, sql, without_rowid=node.without_rowid, strict=node.strict)
    pk_desc_on_column = False
    # automatic-index candidates in the order SQLite creates them while parsing
    candidates: list[tuple[str, list[IndexColumn]]] = []
    for i, cd in enumerate(node.columns):
        collation = (cd.collation or "BINARY").upper()
        gen = cd.generated
        default = cd.default
        col = Column(
            name=cd.name,
            decl_type=cd.type,
            affinity=affinity_of_type(cd.type),
            collation=collation,
            not_null=cd.not_null,
            default=default.expr if default is not None else None,
            has_default=default is not None,
            generated=(gen.storage.upper() if gen is not None else None),
        )
        table.columns.append(col)
        for c in cd.constraints:
            if isinstance(c, ast.PrimaryKeyConstraint):
                desc = (c.direction or "").upper() == "DESC"
                table.primary_key = [IndexColumn(cd.name, i, collation, desc)]
                pk_desc_on_column = desc
                col.primary_key = True
                candidates.append(("pk", table.primary_key))
            elif isinstance(c, ast.UniqueConstraint):
                candidates.append(("unique", [IndexColumn(cd.name, i, collation, False)]))
    for tc in node.constraints:
        if isinstance(tc, (ast.TablePrimaryKey, ast.TableUnique)):
            cols = []
            for term in tc.columns:
                cname = term.column_name
                try:
                    j = table.column_index(cname) if cname is not None else -2
                except OperationalError:
                    raise CorruptError(f"table {name}: key names no column {cname}",
                                       page=1) from None
                coll = term.collation
                if coll is None:
                    coll = table.columns[j].collation if j >= 0 else "BINARY"
                cols.append(IndexColumn(cname, j, coll.upper(),
                                        (term.direction or "").upper() == "DESC",
                                        explicit_collation=term.collation is not None))
            if isinstance(tc, ast.TablePrimaryKey):
                table.primary_key = cols
                pk_desc_on_column = False
                for ic in cols:
                    if ic.column >= 0:
                        table.columns[ic.column].primary_key = True
                candidates.append(("pk", cols))
            else:
                candidates.append(("unique", cols))
    pk = table.primary_key
    if (not table.without_rowid and len(pk) == 1 and pk[0].column >= 0
            and (table.columns[pk[0].column].decl_type or "").upper() == "INTEGER"
            and not pk_desc_on_column):
        table.rowid_alias = pk[0].column
    if table.without_rowid:
        if not pk:
            raise CorruptError(f"table {name}: PRIMARY KEY missing on a WITHOUT ROWID table",
                               page=1)
        for ic in pk:  # key columns of a WITHOUT ROWID table are NOT NULL
            if ic.column >= 0:
                table.columns[ic.column].not_null = True
    seen: list[list[tuple]] = []
    for kind, cols in candidates:
        if kind == "pk" and table.rowid_alias is not None:
            continue  # the rowid itself: no index
        key = [(c.column, c.collation, c.desc) for c in cols]
        if key in seen:
            continue  # SQLite drops an index identical to one it already has
        seen.append(key)
        table.unique_constraints.append(cols)
    return table


def index_from_ast(name: str, tbl_name: str, rootpage, sql: str, node) -> Index:
    """The catalog entry of an index from its parsed CREATE INDEX."""
    from .sql import ast

    if not isinstance(node, ast.CreateIndex):
        raise CorruptError(f"index {name}: sqlite_schema.sql is not a CREATE INDEX", page=1)
    cols = []
    for term in node.columns:
        cname = term.column_name
        coll = term.collation
        desc = (term.direction or "").upper() == "DESC"
        expr = None if cname is not None else _unwrap_collate(term.expr)
        cols.append(IndexColumn(cname, -2 if cname is None else -1,
                                (coll or "BINARY").upper(), desc, expr,
                                explicit_collation=coll is not None))
    return Index(name, node.table or tbl_name, rootpage, sql, cols, unique=node.unique,
                 where=node.where)


# --------------------------------------------------------------------------
# literal DEFAULT values
# --------------------------------------------------------------------------

_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


def _integer_token(text: str) -> int | None:
    """sqlite3DecOrHexToI64: the 64-bit value of an integer token, None when it does not fit."""
    if text[:2].lower() == "0x":
        digits = text[2:]
        if not digits or len(digits.lstrip("0")) > 16:
            return None
        v = int(digits, 16)
        return v - (1 << 64) if v > _I64_MAX else v
    v = int(text)
    return v if v <= _I64_MAX else None


def default_literal(expr, affinity: str):
    """The value SQLite's valueFromExpr gives a literal DEFAULT for a column of ``affinity``.

    Numbers are taken as written: an integer token that fits in 64 bits is an
    integer; anything else (a real, or an integer too large) is the token's
    text with the affinity applied (NUMERIC for a real and INTEGER for a big
    integer when the column has none). A leading minus is part of the token.
    Returns ``_MISSING`` for an expression that needs evaluating.
    """
    from .sql import ast

    while isinstance(expr, ast.Unary) and expr.op == "+":
        expr = expr.operand
    sign = ""
    if isinstance(expr, ast.Unary) and expr.op == "-" and isinstance(expr.operand, ast.Number):
        sign, expr = "-", expr.operand
    if isinstance(expr, ast.Number):
        if expr.is_integer:
            value = _integer_token(expr.text)
            if value is not None:
                value = -value if sign else value
                return apply_affinity(value, affinity) if affinity != "BLOB" else value
        text = sign + expr.text
        if affinity == "BLOB":
            return apply_affinity(text, "INTEGER" if expr.is_integer else "NUMERIC")
        return apply_affinity(text, affinity)
    if isinstance(expr, ast.String):
        return apply_affinity(expr.value, affinity)
    if isinstance(expr, ast.Blob):
        return expr.value
    if isinstance(expr, ast.Null):
        return None
    if isinstance(expr, ast.Boolean):
        return 1 if expr.value else 0
    return _MISSING


# --------------------------------------------------------------------------
# turning records into rows
# --------------------------------------------------------------------------


def _make_shape(table: Table, encoding: str):
    """Generated code turning a stored record into the row SELECT shows.

    For a rowid table the function takes ``(rowid, *record values)`` and
    returns ``(rowid, *columns)``; for a WITHOUT ROWID table it takes the
    record and returns the columns in declaration order. Its attributes tell
    the scan when it may skip the call: ``plain`` (no rowid alias, no column
    named rowid, record order = column order), ``width`` (the length of a
    complete input), ``reals`` (input positions of REAL columns).
    """
    if any(c.generated == "VIRTUAL" for c in table.columns):
        def refuse(row):
            raise NotSupportedError(
                f"table {table.name}: reading VIRTUAL generated columns needs expression "
                "evaluation")
        refuse.plain, refuse.width, refuse.reals = False, -1, ()
        return refuse
    order = table.storage_order()
    n = len(order)
    position = {col: pos for pos, col in enumerate(order)}
    cols = table.columns
    rowid_table = not table.without_rowid
    out = []
    for i, c in enumerate(cols):
        if rowid_table and i == table.rowid_alias:
            out.append("_rowid")
            continue
        name = f"a{position[i]}"
        if c.affinity == "REAL":
            out.append(f"(float({name}) if {name}.__class__ is int else {name})")
        else:
            out.append(name)
    names = [f"a{k}" for k in range(n)]
    width = n
    named_rowid = any(fold(c.name) == "rowid" for c in cols)
    if rowid_table:
        first = "_rowid"
        for i, c in enumerate(cols):
            if fold(c.name) == "rowid":
                first = out[i]
                break
        out.insert(0, first)
        names.insert(0, "_rowid")
        width = n + 1
    lhs = ", ".join(names) + ("," if len(names) == 1 else "")
    body = ", ".join(out) + ("," if len(out) == 1 else "")
    defaults: list = []
    lead = 1 if rowid_table else 0

    def fix(values):
        if len(values) > width:
            return values[:width]
        if not defaults:
            for col in order:
                defaults.append(cols[col].default_value(encoding))
        return tuple(values) + tuple(defaults[len(values) - lead:])

    src = (
        "def shape(v):\n"
        f"    if len(v) != {width}:\n"
        "        v = fix(v)\n"
        f"    {lhs} = v\n"
        f"    return ({body})\n"
    )
    namespace = {"fix": fix}
    exec(compile(src, f"<row shape of {table.name!r}>", "exec"), namespace)  # noqa: S102
    shape = namespace["shape"]
    shape.width = width
    shape.plain = rowid_table and table.rowid_alias is None and not named_rowid
    shape.reals = tuple(lead + position[i] for i, c in enumerate(cols)
                        if c.affinity == "REAL" and i in position)
    return shape
