"""The PRAGMA statement and the ``pragma_NAME`` table-valued functions, read side
(pragma.html; SQLite 3.40.1's src/pragma.c and the table of pragmas pragma.h).

What a read-only engine can answer *exactly* as sqlite3 answers it for the
same file is answered; everything else raises NotSupportedError:

* from the database header (fileformat2 section 1.3): ``page_size``,
  ``page_count`` (the database size in pages, through the WAL),
  ``freelist_count`` (offset 36), ``schema_version`` (the schema cookie,
  offset 40), ``cache_size`` and ``default_cache_size`` (the absolute value
  of the suggested cache size at offset 48, or SQLite's default -2000 when
  it is 0), ``auto_vacuum`` (0 none; 1 full when the largest-root-page field
  at offset 52 is set, 2 when the incremental-vacuum field at offset 64 is
  set too), ``encoding`` (offset 56), ``user_version`` (offset 60),
  ``application_id`` (offset 68), ``journal_mode`` ('wal' when the read and
  write versions at offsets 18/19 are 2, else 'delete');
* from the schema: ``table_info``, ``table_xinfo``, ``index_list``,
  ``index_info``, ``index_xinfo``, ``foreign_key_list``, ``table_list`` (in
  the order SQLite's schema hash table visits them, hash.c reproduced: the
  hash of each name, the bucket a new entry joins, the growth of the table;
  with the system allocator's block size for the buckets, as on glibc),
  ``foreign_key_check`` (each child row whose key, with the parent key
  columns' affinities, finds no parent row through the rowid or the PRIMARY
  KEY / UNIQUE index sqlite3FkLocateIndex picks; "foreign key mismatch" when
  none fits);
* from the connection: ``database_list``, ``collation_list``, ``pragma_list``
  (the pragmas this build of SQLite has, which are the ones named here) and the
  settings a fresh sqlite3 connection has and this engine never changes
  (``foreign_keys`` 0, ``automatic_index`` 1, ``synchronous`` 2,
  ``locking_mode`` 'normal', ...).

Setting a pragma (``PRAGMA x = v`` or ``PRAGMA x(v)`` on a pragma that does
not take an argument) would change state: NotSupportedError.  So is every
``PRAGMA temp.x`` (sqlite3 opens its temp database for it, which later shows
in database_list), and a view's table_info when its column types need more
than select.c's columnType of plain columns and scalar subqueries.  An unknown
pragma returns no rows and no columns, as in SQLite; an unknown schema prefix
is "unknown database X".

Row orders are SQLite's: index_list shows the indexes of a table newest
first (sqlite3CreateIndex prepends each index to the table's list, the
automatic indexes of its constraints created while CREATE TABLE is parsed);
foreign_key_list newest constraint first, the same way.
"""

from __future__ import annotations

import os
from collections import namedtuple

from ..errors import NotSupportedError, OperationalError
from ..schema import fold

__all__ = ["PRAGMAS", "execute", "table_function"]

# name -> (result columns, has arg column, has schema column, table-valued function)
_P = namedtuple("_P", "columns arg schema tvf")


def _p(cols, arg=False, schema=False, tvf=True):
    return _P(tuple(cols), arg, schema, tvf)


def _one(name, schema=False, tvf=True):
    return _p((name,), False, schema, tvf)


# The pragmas of SQLite 3.40.1 as built for the stdlib sqlite3 (PRAGMA pragma_list), with
# their result columns and the hidden columns of their pragma_NAME tables.
PRAGMAS: dict[str, _P] = {
    "analysis_limit": _one("analysis_limit"),
    "application_id": _one("application_id"),
    "auto_vacuum": _one("auto_vacuum", schema=True),
    "automatic_index": _one("automatic_index"),
    "busy_timeout": _one("timeout"),
    "cache_size": _one("cache_size", schema=True),
    "cache_spill": _one("cache_spill", schema=True),
    "case_sensitive_like": _p((), tvf=False),
    "cell_size_check": _one("cell_size_check"),
    "checkpoint_fullfsync": _one("checkpoint_fullfsync"),
    "collation_list": _p(("seq", "name")),
    "compile_options": _one("compile_options"),
    "count_changes": _one("count_changes"),
    "data_version": _one("data_version"),
    "database_list": _p(("seq", "name", "file")),
    "default_cache_size": _one("cache_size", schema=True),
    "defer_foreign_keys": _one("defer_foreign_keys"),
    "empty_result_callbacks": _one("empty_result_callbacks"),
    "encoding": _one("encoding"),
    "foreign_key_check": _p(("table", "rowid", "parent", "fkid"), True, True),
    "foreign_key_list": _p(("id", "seq", "table", "from", "to", "on_update", "on_delete",
                            "match"), True, True),
    "foreign_keys": _one("foreign_keys"),
    "freelist_count": _one("freelist_count"),
    "full_column_names": _one("full_column_names"),
    "fullfsync": _one("fullfsync"),
    "function_list": _p(("name", "builtin", "type", "enc", "narg", "flags")),
    "hard_heap_limit": _one("hard_heap_limit"),
    "ignore_check_constraints": _one("ignore_check_constraints"),
    "incremental_vacuum": _p((), tvf=False),
    "index_info": _p(("seqno", "cid", "name"), True, True),
    "index_list": _p(("seq", "name", "unique", "origin", "partial"), True, True),
    "index_xinfo": _p(("seqno", "cid", "name", "desc", "coll", "key"), True, True),
    "integrity_check": _p(("integrity_check",), True, True),
    "journal_mode": _one("journal_mode", schema=True),
    "journal_size_limit": _one("journal_size_limit", schema=True),
    "legacy_alter_table": _one("legacy_alter_table"),
    "locking_mode": _one("locking_mode", schema=True),
    "max_page_count": _one("max_page_count", schema=True),
    "mmap_size": _one("mmap_size", tvf=False),
    "module_list": _p(("name",)),
    "optimize": _p(("optimize",), True, False),
    "page_count": _one("page_count", schema=True),
    "page_size": _one("page_size", schema=True),
    "pragma_list": _p(("name",)),
    "query_only": _one("query_only"),
    "quick_check": _p(("quick_check",), True, True),
    "read_uncommitted": _one("read_uncommitted"),
    "recursive_triggers": _one("recursive_triggers"),
    "reverse_unordered_selects": _one("reverse_unordered_selects"),
    "schema_version": _one("schema_version"),
    "secure_delete": _one("secure_delete"),
    "short_column_names": _one("short_column_names"),
    "shrink_memory": _p((), tvf=False),
    "soft_heap_limit": _one("soft_heap_limit"),
    "synchronous": _one("synchronous", schema=True),
    "table_info": _p(("cid", "name", "type", "notnull", "dflt_value", "pk"), True, True),
    "table_list": _p(("schema", "name", "type", "ncol", "wr", "strict"), True, False),
    "table_xinfo": _p(("cid", "name", "type", "notnull", "dflt_value", "pk", "hidden"), True,
                      True),
    "temp_store": _one("temp_store"),
    "temp_store_directory": _one("temp_store_directory", tvf=False),
    "threads": _one("threads"),
    "trusted_schema": _one("trusted_schema"),
    "user_version": _one("user_version"),
    "wal_autocheckpoint": _one("wal_autocheckpoint", tvf=False),
    "wal_checkpoint": _p(("busy", "log", "checkpointed"), tvf=False),
    "writable_schema": _one("writable_schema"),
}

# Settings of a fresh stdlib sqlite3 connection that this read-only engine never changes
# (setting them is refused), so reading them is exact.
_SETTINGS = {
    "analysis_limit": 0, "automatic_index": 1, "cell_size_check": 0,
    "checkpoint_fullfsync": 0, "count_changes": 0, "defer_foreign_keys": 0,
    "empty_result_callbacks": 0, "foreign_keys": 0, "full_column_names": 0, "fullfsync": 0,
    "ignore_check_constraints": 0, "legacy_alter_table": 0, "query_only": 0,
    "read_uncommitted": 0, "recursive_triggers": 0, "reverse_unordered_selects": 0,
    "short_column_names": 1, "trusted_schema": 1, "writable_schema": 0, "temp_store": 0,
    "journal_size_limit": -1, "locking_mode": "normal", "synchronous": 2,
    "wal_autocheckpoint": 1000,
}

# Pragmas whose value (PRAGMA x = v / x(v)) is an argument of a query, not a new setting.
_ARG_QUERIES = frozenset(("table_info", "table_xinfo", "index_info", "index_xinfo",
                          "index_list", "foreign_key_list", "foreign_key_check", "table_list",
                          "collation_list", "database_list"))

_DEFAULT_CACHE_SIZE = -2000
_ACTIONS = {"SET NULL": "SET NULL", "SET DEFAULT": "SET DEFAULT", "CASCADE": "CASCADE",
            "RESTRICT": "RESTRICT", "NO ACTION": "NO ACTION"}


# ---------------------------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------------------------


def execute(session, name: str, schema: str | None, value: str | None):
    """(column names or None, rows) of ``PRAGMA [schema.]name [= value]``."""
    _check_schema(schema)
    key = name.lower()
    spec = PRAGMAS.get(key)
    if spec is None:
        return None, []  # an unknown pragma is a no-op
    if value is not None and key not in _ARG_QUERIES:
        raise NotSupportedError(f"PRAGMA {name} = ...: setting a pragma is not supported yet")
    rows = _answer(session, key, schema, value)
    if not spec.columns:
        return None, rows
    return list(spec.columns), rows


def table_function(session, name: str):
    """(visible columns, hidden columns, produce) for ``pragma_<name>``, or None when
    SQLite has no such table."""
    key = name.lower()
    spec = PRAGMAS.get(key)
    if spec is None or not spec.tvf:
        return None
    hidden = (["arg"] if spec.arg else []) + (["schema"] if spec.schema else [])

    def produce(values):
        from .tvf import NOT_GIVEN

        texts = [None if v is NOT_GIVEN else _text(v) for v in values]
        arg = texts[0] if spec.arg else None
        schema = texts[-1] if spec.schema else None
        if schema is not None and schema.lower() not in ("main", "temp"):
            # the table runs PRAGMA "schema".name='arg' (%Q quoting)
            raise OperationalError(f"unknown database '{schema}'")
        out = _answer(session, key, schema, arg)
        extra = tuple(texts)
        return iter([tuple(r) + extra for r in out])
    return list(spec.columns), hidden, produce


def _text(v):
    """sqlite3_value_text of an argument (None for NULL)."""
    if v is None:
        return None
    if isinstance(v, str):
        return str.__str__(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", "surrogateescape").split("\x00", 1)[0]
    from .. import values as V

    return V.to_text(v)


def _check_schema(schema):
    if schema is not None and schema.lower() not in ("main", "temp"):
        raise OperationalError(f"unknown database {schema}")


def _answer(session, key, schema, arg):
    temp = schema is not None and schema.lower() == "temp"
    if temp:
        # sqlite3 opens its temp database for most of these, which later changes what
        # database_list shows: not reproduced
        raise NotSupportedError(f"PRAGMA temp.{key} is not supported")
    handler = _HANDLERS.get(key)
    if handler is not None:
        return handler(session, temp, schema, arg)
    if key in _SETTINGS:
        return [(_SETTINGS[key],)]
    raise NotSupportedError(f"PRAGMA {key} is not supported")


# ---------------------------------------------------------------------------------------------
# the database header
# ---------------------------------------------------------------------------------------------


def _header(session):
    storage = session.storage
    if storage is None:
        return None
    return storage.pager.header


def _header_int(field):
    def handler(session, temp, schema, arg):
        if temp:
            raise NotSupportedError("PRAGMA temp.* of the database header is not supported")
        h = _header(session)
        return [(0 if h is None else getattr(h, field),)]
    return handler


def _page_size(session, temp, schema, arg):
    if temp:
        raise NotSupportedError("PRAGMA temp.page_size is not supported")
    s = session.storage
    return [(4096 if s is None or _header(session) is None else s.page_size,)]


def _page_count(session, temp, schema, arg):
    if temp:
        raise NotSupportedError("PRAGMA temp.page_count is not supported")
    s = session.storage
    return [(0 if s is None else s.page_count,)]


def _encoding(session, temp, schema, arg):
    s = session.storage
    return [("UTF-8" if s is None else s.encoding,)]


def _auto_vacuum(session, temp, schema, arg):
    if temp:
        raise NotSupportedError("PRAGMA temp.auto_vacuum is not supported")
    h = _header(session)
    if h is None or not h.largest_root_page:
        return [(0,)]
    return [(2 if h.incremental_vacuum else 1,)]


def _cache_size(session, temp, schema, arg):
    if temp:
        raise NotSupportedError("PRAGMA temp.cache_size is not supported")
    h = _header(session)
    size = 0 if h is None else abs(h.default_page_cache_size)
    return [(size or _DEFAULT_CACHE_SIZE,)]


def _journal_mode(session, temp, schema, arg):
    if temp:
        raise NotSupportedError("PRAGMA temp.journal_mode is not supported")
    s = session.storage
    if s is None:
        raise NotSupportedError("PRAGMA journal_mode of a database without a file")
    h = _header(session)
    if h is not None and h.write_version == 2 and h.read_version == 2:
        return [("wal",)]
    return [("delete",)]


# ---------------------------------------------------------------------------------------------
# the connection
# ---------------------------------------------------------------------------------------------


def _database_list(session, temp, schema, arg):
    s = session.storage
    if s is None:
        raise NotSupportedError("PRAGMA database_list without a database file")
    return [(0, "main", os.path.realpath(s.pager.name))]


def _collation_list(session, temp, schema, arg):
    return [(0, "RTRIM"), (1, "NOCASE"), (2, "BINARY")]


def _pragma_list(session, temp, schema, arg):
    return [(name,) for name in sorted(PRAGMAS)]


# ---------------------------------------------------------------------------------------------
# the schema
# ---------------------------------------------------------------------------------------------


class _TableModel:
    """What table_info/index_list/index_xinfo/foreign_key_list show of one table, from its
    CREATE TABLE statement as SQLite's build.c records it."""

    def __init__(self, table, node):
        from ..sql import ast as A

        self.table = table
        self.node = node
        self.columns = []  # (name, type, notnull, dflt, collation as written, hidden kind)
        for i, cd in enumerate(node.columns):
            col = table.columns[i]
            gen = cd.generated
            hidden = 0
            if gen is not None:
                hidden = 3 if (gen.storage or "").upper() == "STORED" else 2
            d = cd.default
            self.columns.append((cd.name, cd.type or "", 1 if col.not_null else 0,
                                 None if d is None or hidden else d.text,
                                 cd.collation, hidden))
        # the automatic indexes in creation order: (origin, [(column, coll, desc)], conflict)
        made = []
        pk_cols = None
        pk_on_column = False
        for i, cd in enumerate(node.columns):
            for c in cd.constraints:
                if isinstance(c, A.PrimaryKeyConstraint):
                    desc = (c.direction or "").upper() == "DESC"
                    pk_cols = [(i, self._coll(i, None), desc)]
                    pk_on_column = True
                    made.append(["pk", pk_cols, c.conflict])
                elif isinstance(c, A.UniqueConstraint):
                    made.append(["u", [(i, self._coll(i, None), False)], c.conflict])
        for tc in node.constraints:
            if isinstance(tc, (A.TablePrimaryKey, A.TableUnique)):
                cols = []
                for term in tc.columns:
                    cname = term.column_name
                    if cname is None:
                        raise NotSupportedError("an expression in a PRIMARY KEY/UNIQUE "
                                                "constraint")
                    j = table.column_index(cname)
                    cols.append((j, self._coll(j, term.collation),
                                 (term.direction or "").upper() == "DESC"))
                if isinstance(tc, A.TablePrimaryKey):
                    pk_cols = cols
                    pk_on_column = False
                    made.append(["pk", cols, tc.conflict])
                else:
                    made.append(["u", cols, tc.conflict])
        self.pk_cols = pk_cols or []
        self.ipk = table.rowid_alias
        if table.without_rowid:
            # a one-column INTEGER primary key in ascending order is first taken as the
            # rowid (sqlite3AddPrimaryKey); convertToWithoutRowidTable then makes its index
            # last, from the column's name alone (its own collation, ascending)
            # (a DESC written on the column constraint keeps the ordinary path; one written
            # in a PRIMARY KEY(...) table constraint does not, and orders that index)
            for k, (origin, cols, conflict) in enumerate(made):
                if origin != "pk" or len(cols) != 1 or (cols[0][2] and pk_on_column):
                    continue
                j = cols[0][0]
                if (node.columns[j].type or "").upper() == "INTEGER":
                    made.append(["pk", [(j, self._coll(j, None), cols[0][2])], conflict])
                    del made[k]
                break
        autos = []  # [origin, cols, conflict, cols as written]
        for origin, cols, conflict in made:
            if origin == "pk" and self.ipk is not None:
                continue
            same = None
            for a in autos:
                if len(a[3]) == len(cols) and all(
                        x[0] == y[0] and fold(x[1]) == fold(y[1]) for x, y in zip(a[3], cols)):
                    same = a
                    break
            if same is not None:
                if origin == "pk":
                    same[0] = "pk"
                continue
            autos.append([origin, cols, conflict, cols])
        for a in autos:
            if a[0] == "pk" and table.without_rowid:
                # convertToWithoutRowidTable drops repeated primary-key columns afterwards
                a[1] = _dedupe(a[1])
        self.autos = [tuple(a[:3]) for a in autos]
        self.pk_index = None
        for a in self.autos:
            if a[0] == "pk":
                self.pk_index = a

    def _coll(self, j, explicit):
        if explicit is not None:
            return explicit
        c = self.columns[j][4] if j >= 0 else None
        return c if c is not None else "BINARY"

    def pk_position(self, i):
        """table_info's pk column for column i."""
        if not self.table.columns[i].primary_key:
            return 0
        if self.pk_index is None:
            return 1
        key = [c[0] for c in self._pk_index_columns()]
        for k, j in enumerate(key):
            if j == i:
                return k + 1
        return len(self.table.columns) + 1

    def _pk_index_columns(self):
        cols = list(self.pk_index[1])
        if self.table.without_rowid:
            have = {c[0] for c in cols}
            for j, col in enumerate(self.columns):
                if j not in have and col[5] != 2:
                    cols.append((j, "BINARY", False))
        return cols


def _dedupe(cols):
    out = []
    for c in cols:
        if any(c[0] == o[0] and fold(c[1]) == fold(o[1]) for o in out):
            continue
        out.append(c)
    return out


def _parse_schema_sql(sql):
    """A CREATE statement of sqlite_schema, parsed; text that does not parse is a
    corrupt schema (sqlite3's "malformed database schema")."""
    from ..errors import CorruptError
    from ..sql import parse_one

    if not isinstance(sql, str):
        raise CorruptError("malformed database schema", page=1)
    try:
        return parse_one(sql)
    except RecursionError:
        raise CorruptError("malformed database schema", page=1) from None
    except Exception as err:  # noqa: BLE001 - file content: any failure is corruption
        raise CorruptError(f"malformed database schema: {err}", page=1) from None


def _model(session, table):
    cache = session.__dict__.setdefault("_pragma_models", {})
    m = cache.get(table.name)
    if m is None:

        if table.virtual:
            raise NotSupportedError(f"PRAGMA on virtual table {table.name} is not supported")
        if table.sql is None:
            raise NotSupportedError(f"PRAGMA on table {table.name} without CREATE statement")
        m = cache[table.name] = _TableModel(table, _parse_schema_sql(table.sql))
    return m


_SCHEMA_COLUMNS = [("type", "TEXT"), ("name", "TEXT"), ("tbl_name", "TEXT"),
                   ("rootpage", "INT"), ("sql", "TEXT")]


def _find_table(session, temp, schema, name):
    """("schema", None) for sqlite_schema, ("table", Table), ("view", obj), or None."""
    if name is None:
        return None
    low = fold(name)
    if low in ("sqlite_temp_master", "sqlite_temp_schema"):
        return ("schema", None) if (schema is None or temp) else None
    if temp:
        return None
    if low in ("sqlite_master", "sqlite_schema"):
        return ("schema", None)
    cat = session.catalog_obj
    t = cat.tables.get(low)
    if t is not None:
        return ("table", t)
    if ("table", low) in cat.broken:
        raise cat.broken[("table", low)]
    v = cat.views.get(low)
    if v is not None:
        return ("view", v)
    # an eponymous virtual table (json_each, pragma_*): its declared columns
    if low in ("json_each", "json_tree"):
        from .tvf import _JSON_COLUMNS

        return ("vtab", (list(_JSON_COLUMNS), ["json", "root"]))
    if low.startswith("pragma_"):
        spec = table_function(session, name[7:])
        if spec is not None:
            return ("vtab", (spec[0], spec[1]))
    return None


def _table_info(x):
    def handler(session, temp, schema, arg):
        hit = _find_table(session, temp, schema, arg)
        if hit is None:
            return []
        kind, obj = hit
        if kind == "schema":
            return [(i, n, t, 0, None, 0) + ((0,) if x else ())
                    for i, (n, t) in enumerate(_SCHEMA_COLUMNS)]
        if kind == "view":
            return [(i, n, t, 0, None, 0) + ((0,) if x else ())
                    for i, (n, t) in enumerate(_view_columns(session, obj))]
        if kind == "vtab":
            visible, hidden = obj
            cols = [(n, 0) for n in visible] + ([(n, 1) for n in hidden] if x else [])
            return [(i, n, "", 0, None, 0) + ((h,) if x else ())
                    for i, (n, h) in enumerate(cols)]
        m = _model(session, obj)
        out = []
        n_hidden = 0
        for i, (name, typ, notnull, dflt, _coll, hidden) in enumerate(m.columns):
            if hidden and not x:
                n_hidden += 1
                continue
            row = (i - n_hidden, name, typ, notnull, dflt, m.pk_position(i))
            out.append(row + ((hidden,) if x else ()))
        return out
    return handler


def _table_indexes(session, table):
    """The table's indexes as index_list shows them: (name, unique, origin, partial, key
    columns [(column, coll, desc)], conflict) newest first."""
    m = _model(session, table)
    created = []
    n = 0
    for origin, cols, conflict in m.autos:
        n += 1
        created.append((f"sqlite_autoindex_{table.name}_{n}", 1, origin, 0, cols,
                        (conflict or "ABORT").upper()))
    storage = session.storage
    rows = storage.schema if storage is not None else []
    low = fold(table.name)

    for typ, name, tbl_name, _root, sql in rows:
        if typ != "index" or sql is None or not isinstance(tbl_name, str):
            continue
        if fold(tbl_name) != low:
            continue
        broken = session.catalog_obj.broken.get(("index", fold(name)))
        if broken is not None:
            raise broken
        node = _parse_schema_sql(sql)
        cols = []
        for term in node.columns:
            cname = term.column_name
            coll = term.collation
            if cname is None:
                j = -2
            else:
                j = table.column_index(cname)
            if coll is None:
                coll = m.columns[j][4] if j >= 0 else None
            cols.append((j, coll if coll is not None else "BINARY",
                         (term.direction or "").upper() == "DESC"))
        created.append((name, 1 if node.unique else 0, "c", 1 if node.where is not None else 0,
                        cols, "ABORT" if node.unique else "NONE"))
    # sqlite3CreateIndex: each new index goes first, except that indexes of an ON CONFLICT
    # REPLACE constraint stay at the end of the list
    out: list = []
    for ix in created:
        if ix[5] != "REPLACE" or not out or out[0][5] == "REPLACE":
            out.insert(0, ix)
        else:
            k = 0
            while k + 1 < len(out) and out[k + 1][5] != "REPLACE":
                k += 1
            out.insert(k + 1, ix)
    return out


def _index_list(session, temp, schema, arg):
    hit = _find_table(session, temp, schema, arg)
    if hit is None or hit[0] != "table":
        return []
    return [(i, ix[0], ix[1], ix[2], ix[3]) for i, ix in enumerate(_table_indexes(session,
                                                                                  hit[1]))]


def _index_columns(session, temp, schema, arg):
    """(table model, key columns, extra columns) of the index named ``arg`` (or of a
    WITHOUT ROWID table's primary key), or None."""
    if arg is None or temp:
        return None
    cat = session.catalog_obj
    low = fold(arg)
    ix = cat.indexes.get(low)
    if ix is None and ("index", low) in cat.broken:
        raise cat.broken[("index", low)]
    table = None
    if ix is not None:
        table = cat.tables.get(fold(ix.table))
        if table is None:
            return None
        for found in _table_indexes(session, table):
            if fold(found[0]) == low:
                key = found[4]
                auto = found[2] != "c"
                break
        else:
            return None
    else:
        table = cat.tables.get(low)
        if table is None or not table.without_rowid:
            # the primary key of a WITHOUT ROWID table has no sqlite_schema row of its own
            table = None
            for t in cat.tables.values():
                if t.without_rowid and not t.virtual and t.sql is not None and low.startswith(
                        "sqlite_autoindex_" + fold(t.name) + "_"):
                    if any(fold(x[0]) == low and x[2] == "pk"
                           for x in _table_indexes(session, t)):
                        table = t
                        break
            if table is None:
                return None
        m = _model(session, table)
        key = m.pk_index[1]
    m = _model(session, table)
    if table.without_rowid:
        pk = list(m.pk_index[1])
        if ix is None:
            extra = m._pk_index_columns()[len(pk):]
        else:
            # the primary-key columns after the key: an index made by CREATE INDEX takes
            # their order, one of a UNIQUE constraint (made before the table was known to
            # be WITHOUT ROWID, convertToWithoutRowidTable) shows them ascending
            extra = [(c[0], c[1], c[2] and not auto) for c in pk
                     if not any(c[0] == k[0] and fold(c[1]) == fold(k[1]) for k in key)]
    else:
        extra = [(-1, "BINARY", False)]
    return m, key, extra


def _index_info(x):
    def handler(session, temp, schema, arg):
        got = _index_columns(session, temp, schema, arg)
        if got is None:
            return []
        m, key, extra = got
        out = []

        def name_of(j):
            return m.columns[j][0] if j >= 0 else None
        for i, (j, coll, desc) in enumerate(key):
            row = (i, j, name_of(j))
            out.append(row + ((1 if desc else 0, coll, 1) if x else ()))
        if x:
            for k, (j, coll, desc) in enumerate(extra):
                out.append((len(key) + k, j, name_of(j), 1 if desc else 0, coll, 0))
        return out
    return handler


def _fk_clauses(session, table):
    """The table's foreign keys in SQLite's list order (each new one goes first):
    (clause, [(child column index, parent column name or None)])."""
    from ..sql import ast as A

    m = _model(session, table)
    fks = []
    for i, cd in enumerate(m.node.columns):
        for clause in cd.references:
            to = clause.columns or []
            if len(to) > 1:
                raise NotSupportedError("a column REFERENCES naming several columns")
            fks.append((clause, [(i, to[0] if to else None)]))
    for tc in m.node.constraints:
        if isinstance(tc, A.TableForeignKey):
            clause = tc.clause
            to = clause.columns
            cols = []
            for k, cname in enumerate(tc.columns):
                cols.append((table.column_index(cname), to[k] if to and k < len(to) else None))
            fks.append((clause, cols))
    fks.reverse()
    return fks


def _foreign_key_list(session, temp, schema, arg):
    hit = _find_table(session, temp, schema, arg)
    if hit is None or hit[0] != "table":
        return []
    m = _model(session, hit[1])
    out = []
    for ident, (clause, cols) in enumerate(_fk_clauses(session, hit[1])):
        on = {"DELETE": "NO ACTION", "UPDATE": "NO ACTION"}
        for event, action in clause.actions:
            if event.upper() in on:
                on[event.upper()] = _ACTIONS.get(action.upper(), action.upper())
        for seq, (j, to) in enumerate(cols):
            out.append((ident, seq, clause.table, m.columns[j][0], to, on["UPDATE"],
                        on["DELETE"], "NONE"))
    return out


def _locate_parent_key(session, parent, cols):
    """sqlite3FkLocateIndex: "rowid" for a rowid lookup, (parent key columns in index order,
    the child columns matching them) for a PRIMARY KEY / UNIQUE index that fits, None when
    none does ("foreign key mismatch")."""
    n = len(cols)
    first = cols[0][1]
    if n == 1 and parent is not None and parent.rowid_alias is not None:
        if first is None or fold(parent.columns[parent.rowid_alias].name) == fold(first):
            return "rowid"
    if parent is None:
        return None  # a view: no index
    m = _model(session, parent)
    for _name, unique, origin, partial, key, _conflict in _table_indexes(session, parent):
        if len(key) != n or not unique or partial:
            continue
        if first is None:
            if origin == "pk":
                return (key, [c[0] for c in cols])
            continue
        mapped = []
        for j, coll, _desc in key:
            if j < 0:
                break
            if fold(coll) != fold(m.columns[j][4] or "BINARY"):
                break
            pname = fold(m.columns[j][0])
            hit = [c[0] for c in cols if c[1] is not None and fold(c[1]) == pname]
            if not hit:
                break
            mapped.append(hit[0])
        else:
            return (key, mapped)
    return None


def _foreign_key_check(session, temp, schema, arg):
    """Rows of the child tables whose key has no parent row: the tables in schema-hash
    order (or the one named), each row in scan order, its foreign keys in list order."""
    from .. import values as V
    from ..planner import _as_rowid
    from .operators import value_key

    cat = session.catalog_obj
    storage = session.storage
    if arg is not None:
        hit = _find_table(session, temp, schema, arg)
        if hit is None:
            raise OperationalError(f"no such table: {arg}")
        tables = [hit[1]] if hit[0] == "table" else []
    else:
        names = [name for typ, name, _t, _r, _s in (storage.schema if storage else [])
                 if typ in ("table", "view") and isinstance(name, str)]
        tables = [cat.tables.get(fold(n)) for n in _hash_order(["sqlite_master"] + names)
                  if n != "sqlite_master"]
        tables = [t for t in tables if t is not None]
    out = []
    for table in tables:
        if table.virtual:
            continue
        fks = _fk_clauses(session, table)
        if not fks:
            continue
        plans = []
        for fkid, (clause, cols) in enumerate(fks):
            parent = cat.tables.get(fold(clause.table))
            if parent is None and cat.views.get(fold(clause.table)) is None:
                plans.append((fkid, clause.table, [cols[0][0]] + [c[0] for c in cols[1:]],
                              "missing", None))
                continue
            if parent is not None and (parent.virtual or any(c.generated
                                                             for c in parent.columns)):
                raise NotSupportedError("PRAGMA foreign_key_check with a virtual parent table "
                                        "or generated parent columns")
            located = _locate_parent_key(session, parent, cols)
            if located is None:
                child_name = table.name.replace('"', '""')
                parent_name = clause.table.replace('"', '""')
                raise OperationalError(
                    f'foreign key mismatch - "{child_name}" referencing "{parent_name}"')
            if located == "rowid":
                plans.append((fkid, clause.table, [cols[0][0]], "rowid", parent))
                continue
            key, child_cols = located
            affs = [parent.columns[j].affinity for j, _c, _d in key]
            keyfs = [value_key(c.upper()) for _j, c, _d in key]
            found = set()
            off = 0 if parent.without_rowid else 1
            for row in storage.rows(parent.name):
                vals = []
                for (j, _c, _d), kf in zip(key, keyfs):
                    v = row[off + j]
                    if v is None:
                        break
                    vals.append(kf(v))
                else:
                    found.add(tuple(vals))
            plans.append((fkid, clause.table, child_cols, "index", (found, affs, keyfs)))
        if any(c.generated for c in table.columns):
            raise NotSupportedError("PRAGMA foreign_key_check of a table with generated columns")
        off = 0 if table.without_rowid else 1
        for row in storage.rows(table.name):
            rowid = None if table.without_rowid else row[0]
            for fkid, pname, child_cols, how, data in plans:
                vals = [row[off + j] for j in child_cols]
                if any(v is None for v in vals):
                    continue
                if how == "rowid":
                    rid = _as_rowid(vals[0])
                    if rid is not None and storage.row(data.name, rid) is not None:
                        continue
                elif how == "index":
                    found, affs, keyfs = data
                    probe = tuple(kf(V.apply_affinity(v, a)) for v, a, kf in zip(vals, affs,
                                                                                keyfs))
                    if probe in found:
                        continue
                out.append((table.name, rowid, pname, fkid))
    return out


def _table_list(session, temp, schema, arg):
    cat = session.catalog_obj
    out = []
    if not temp:
        entries = []  # in the order SQLite's schema hash was filled: sqlite_schema first
        storage = session.storage
        for typ, name, _tbl, _root, _sql in (storage.schema if storage is not None else []):
            if typ in ("table", "view") and isinstance(name, str):
                entries.append((typ, name))
        ordered = _hash_order(["sqlite_master"] + [name for _typ, name in entries])
        kinds = {fold(name): typ for typ, name in entries}
        entries = [(kinds[fold(name)], name) for name in ordered if name != "sqlite_master"]
        for typ, name in entries:
            if arg is not None and fold(arg) != fold(name):
                continue
            if typ == "view":
                ncol = _view_width(session, name)
                out.append(("main", name, "view", ncol, 0, 0))
                continue
            t = cat.tables.get(fold(name))
            if t is None:
                raise NotSupportedError(f"PRAGMA table_list: table {name} does not load")
            if t.virtual:
                raise NotSupportedError("PRAGMA table_list with a virtual table")
            out.append(("main", name, "table", len(t.columns), 1 if t.without_rowid else 0,
                        1 if t.strict else 0))
        if arg is None or fold(arg) == "sqlite_master":  # the name it has in the hash
            # sqlite_schema's place: the first entry made
            pos = ordered.index("sqlite_master")
            out.insert(len([n for n in ordered[:pos] if arg is None or fold(arg) == fold(n)]),
                       ("main", "sqlite_schema", "table", 5, 0, 0))
    if schema is None or temp:
        if arg is None or fold(arg) == "sqlite_temp_master":
            out.append(("temp", "sqlite_temp_schema", "table", 5, 0, 0))
    return out


_MALLOC_SOFT_LIMIT = 1024  # SQLITE_MALLOC_SOFT_LIMIT: at most 64 buckets of 16 bytes


def _str_hash(name: str) -> int:
    """hash.c's strHash: over the UTF-8 bytes, ASCII letters folded to lower case."""
    h = 0
    for b in name.encode("utf-8", "surrogateescape"):
        if 65 <= b <= 90:
            b += 32
        h = ((h + b) * 0x9E3779B1) & 0xFFFFFFFF
    return h


def _hash_order(names: list[str]) -> list[str]:
    """The order sqliteHashFirst/Next visits the keys of a schema's table hash after they
    were inserted in this order (hash.c: a new element goes before the others of its
    bucket, or first in the list; at ten elements and whenever there are more than twice
    as many as buckets the table grows to twice the count, up to 64 buckets)."""
    order: list[str] = []  # the list, first to last
    buckets: list | None = None  # per bucket: [count, head element]
    seen: set[str] = set()

    def insert(name, bucket):
        head = None
        if bucket is not None:
            head = bucket[1] if bucket[0] else None
            bucket[0] += 1
            bucket[1] = name
        if head is not None:
            order.insert(order.index(head), name)
        else:
            order.insert(0, name)

    for name in names:
        key = fold(name)
        if key in seen:
            raise NotSupportedError("PRAGMA table_list: two schema entries of one name")
        seen.add(key)
        count = len(order) + 1
        size = len(buckets) if buckets is not None else 0
        if count >= 10 and count > 2 * size:
            new_size = min(count * 2, _MALLOC_SOFT_LIMIT // 16)
            if new_size != size:
                old = list(order)
                order.clear()
                buckets = [[0, None] for _ in range(new_size)]
                for elem in old:
                    insert(elem, buckets[_str_hash(elem) % new_size])
        insert(name, buckets[_str_hash(name) % len(buckets)] if buckets else None)
    return order


def _view_columns(session, view):
    """(name, declared type) of each column of a view: the names sqlite3 gives its result
    columns, the type of a result column that is a plain column of a table (select.c's
    columnType), '' for any other expression."""
    from ..sql import parse_one
    from ..sql.ast import quote_name

    names = session.prepare(parse_one("SELECT * FROM " + quote_name(view.name))).column_names

    def unsupported():
        return NotSupportedError(f"PRAGMA table_info of view {view.name}: column types of "
                                 "this view's SELECT are not supported")
    stmt = _parse_schema_sql(view.sql)
    # with a column list, sqlite3ViewGetColumnNames types the columns from the compound's
    # last SELECT; without one, from its first (sqlite3ResultSetOfSelect)
    types = _select_types(session, stmt.select, unsupported,
                          last_arm=bool(getattr(stmt, "columns", None)))
    if len(types) != len(names):
        raise unsupported()
    return list(zip(names, types))


def _select_types(session, select, unsupported, depth=0, last_arm=False):
    """columnType of each result column of a SELECT (its leftmost arm), as declared types:
    a column of a table gives its declared type (the rowid INTEGER), a column of a view or
    a FROM subquery the type of that query's expression, a scalar subquery the type of its
    first column; any other expression none ('')."""
    from ..sql import ast as A

    if select.with_ is not None or depth > 50:
        raise unsupported()
    core = select.body
    if last_arm and type(core).__name__ == "Compound":
        core = core.right
    while type(core).__name__ == "Compound":
        core = core.left
    if type(core).__name__ != "SelectCore":
        raise unsupported()
    sources = []  # (qualifier, [(column name, type)], has a rowid)
    joins = []
    if core.from_ is not None:
        items = [core.from_.first] + [j.source for j in core.from_.joins]
        joins = [None] + list(core.from_.joins)
        cat = session.catalog_obj
        for it in items:
            if isinstance(it, A.TableRef):
                if it.schema is not None and fold(it.schema) != "main":
                    raise unsupported()
                t = cat.tables.get(fold(it.name))
                if fold(it.name) in ("sqlite_schema", "sqlite_master"):
                    sources.append((fold(it.alias or it.name), list(_SCHEMA_COLUMNS), True))
                    continue
                if t is not None and not t.virtual:
                    sources.append((fold(it.alias or it.name),
                                    [(c.name, c.decl_type or "") for c in t.columns],
                                    not t.without_rowid))
                    continue
                v = cat.views.get(fold(it.name))
                if v is not None:
                    sources.append((fold(it.alias or it.name), _view_columns(session, v),
                                    False))
                    continue
                sources.append(_function_source(session, it, unsupported))
            elif isinstance(it, A.TableFunctionRef):
                sources.append(_function_source(session, it, unsupported))
            elif isinstance(it, A.SubqueryRef) and it.alias is not None:
                from ..sql import parse_one

                names = session.prepare(parse_one(
                    "SELECT * FROM (" + it.select.to_sql() + ")")).column_names
                types = _select_types(session, it.select, unsupported, depth + 1)
                if len(types) != len(names):
                    raise unsupported()
                sources.append((fold(it.alias), list(zip(names, types)), False))
            else:
                raise unsupported()
    hidden = [x[3] if len(x) > 3 else set() for x in sources]
    sources = [x[:3] for x in sources]
    # the columns a USING or NATURAL join merges into an earlier item: left out of "*"
    merged: list[set] = []
    for k, (_q, cols, _rowid) in enumerate(sources):
        j = joins[k]
        names = set()
        if j is not None and j.using:
            names = {fold(n) for n in j.using}
        elif j is not None and j.natural:
            before = {fold(n) for _q, c, _r in sources[:k] for n, _t in c}
            names = {fold(n) for n, _t in cols if fold(n) in before}
        merged.append(names)
    types = []
    for rc in core.columns:
        if isinstance(rc, A.Star):
            for (q, cols, _rowid), skip, hid in zip(sources, merged, hidden):
                if rc.table is not None and fold(rc.table) != q:
                    continue
                if rc.table is None:
                    skip = skip | hid  # a qualified star keeps the merged columns
                else:
                    skip = hid
                types.extend(t for n, t in cols if fold(n) not in skip)
            continue
        e = rc.expr
        if isinstance(e, A.Column):
            if e.schema is not None:
                raise unsupported()
            found = None
            low = fold(e.name)
            for q, cols, rowid in sources:
                if e.table is not None and fold(e.table) != q:
                    continue
                for name, typ in cols:
                    if fold(name) == low:
                        found = typ
                        break
                else:
                    if low in ("rowid", "oid", "_rowid_") and rowid:
                        found = "INTEGER"
                if found is not None:
                    break
            if found is None:
                raise unsupported()  # an enclosing query's column, or no such column
            types.append(found)
        elif isinstance(e, A.Subquery):
            inner = _select_types(session, e.select, unsupported, depth + 1)
            types.append(inner[0] if inner else "")
        else:
            types.append("")  # columnType looks at nothing else
    return types


def _function_source(session, item, unsupported):
    """A table-valued function of a view's FROM: its columns have no declared type; the
    hidden ones are not part of "*"."""
    from .tvf import _lookup

    tf = _lookup(session, item.name, getattr(item, "args", []))
    if tf is None:
        raise unsupported()
    cols = [(c, "") for c in tf.visible + tf.hidden]
    return (fold(item.alias or item.name), cols, True, {fold(c) for c in tf.hidden})


def _view_width(session, name):
    from ..sql import parse_one
    from ..sql.ast import quote_name

    prepared = session.prepare(parse_one("SELECT * FROM " + quote_name(name)))
    return len(prepared.column_names)


_HANDLERS = {
    "application_id": _header_int("application_id"),
    "user_version": _header_int("user_version"),
    "schema_version": _header_int("schema_cookie"),
    "freelist_count": _header_int("freelist_count"),
    "page_size": _page_size,
    "page_count": _page_count,
    "encoding": _encoding,
    "auto_vacuum": _auto_vacuum,
    "cache_size": _cache_size,
    "default_cache_size": _cache_size,
    "journal_mode": _journal_mode,
    "database_list": _database_list,
    "collation_list": _collation_list,
    "pragma_list": _pragma_list,
    "table_info": _table_info(False),
    "table_xinfo": _table_info(True),
    "index_list": _index_list,
    "index_info": _index_info(False),
    "index_xinfo": _index_info(True),
    "foreign_key_list": _foreign_key_list,
    "foreign_key_check": _foreign_key_check,
    "table_list": _table_list,
}
