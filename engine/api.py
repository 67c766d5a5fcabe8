"""The DB-API 2.0 face of the engine, modelled on Python's sqlite3 module.

``connect(database, *, readonly=False, timeout=5.0)`` returns a ``Connection``
with ``execute``, ``executemany``, ``executescript``, ``cursor``, ``commit``,
``rollback``, ``close`` and the context-manager protocol; ``Cursor`` has
``execute``, ``executemany``, ``fetchone``, ``fetchmany``, ``fetchall``,
iteration, ``description`` (7-tuples, name first), ``rowcount`` (-1 for a
query), ``lastrowid`` and ``arraysize``.

Parameters follow SQLite's numbering (lang_expr.html, "Parameters"): ``?``
takes the next number after the largest used so far, ``?NNN`` takes NNN,
``:name``/``@name``/``$name`` take a fresh number the first time a name
appears.  Binding from a sequence needs exactly as many values as the largest
number; binding from a mapping looks each parameter up by its name without the
prefix character.  Errors carry the sqlite3 module's messages.

This is the read side: statements that write raise ``NotSupportedError``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .errors import (
    InterfaceError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)

__all__ = ["Connection", "Cursor", "connect"]

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


def connect(database, *, readonly: bool = False, timeout: float = 5.0) -> Connection:
    """Open ``database`` (a path or ``":memory:"``) for querying."""
    return Connection(database, readonly=readonly, timeout=timeout)


def _adapt(value, position: int):
    """A Python value as SQLite stores a bound parameter (sqlite3's adaptation)."""
    if value is None or type(value) in (int, float, str, bytes):
        if type(value) is int and not _INT64_MIN <= value <= _INT64_MAX:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        if type(value) is float and value != value:
            return None  # sqlite3_bind_double stores a NaN as NULL
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        value = int(value)
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return value
    if isinstance(value, float):
        value = float(value)
        return None if value != value else value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise ProgrammingError(
        f"Error binding parameter {position}: type '{type(value).__name__}' is not supported"
    )


def bind_parameters(names: list[str | None], parameters) -> list:
    """Values for parameters 1..len(names) (``names[i]`` is parameter i+1's name).

    Mirrors the sqlite3 module: a tuple, list or other non-dict sequence binds
    by position, a dict binds by name.
    """
    count = len(names)
    if type(parameters) in (tuple, list) or (
        not isinstance(parameters, dict) and _is_sequence(parameters)
    ):
        supplied = len(parameters)
        if supplied != count:
            raise ProgrammingError(
                "Incorrect number of bindings supplied. The current statement uses "
                f"{count}, and there are {supplied} supplied."
            )
        return [_adapt(parameters[i], i + 1) for i in range(count)]
    if isinstance(parameters, Mapping):
        values = []
        for i, name in enumerate(names):
            if name is None:
                raise ProgrammingError(
                    f"Binding {i + 1} has no name, but you supplied a dictionary "
                    "(which has only names)."
                )
            try:
                value = parameters[name[1:]]
            except KeyError:
                raise ProgrammingError(
                    f"You did not supply a value for binding parameter {name}."
                ) from None
            values.append(_adapt(value, i + 1))
        return values
    raise ProgrammingError("parameters are of unsupported type")


def _is_sequence(obj) -> bool:
    if isinstance(obj, (str, bytes, bytearray)):
        return True
    return hasattr(obj, "__len__") and hasattr(obj, "__getitem__") and not isinstance(obj, Mapping)


class Connection:
    """A session on one database file (read side)."""

    def __init__(self, database, *, readonly: bool = False, timeout: float = 5.0):
        from .exec import Session

        self.readonly = readonly
        self.timeout = timeout
        self.isolation_level = ""
        self.row_factory = None
        self.total_changes = 0
        self._closed = False
        path = os.fspath(database)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        self.database = path
        storage = None
        if path not in (":memory:", ""):
            exists = os.path.exists(path)
            if not exists and readonly:
                raise OperationalError("unable to open database file")
            if exists and os.path.isdir(path):
                raise OperationalError("unable to open database file")
            if exists and os.path.getsize(path) > 0:
                from . import storage as _storage

                storage = _storage.open(path)
        self._session = Session(storage)

    # -- state checks -------------------------------------------------------------------------
    def _check(self) -> None:
        if self._closed:
            raise ProgrammingError("Cannot operate on a closed database.")

    @property
    def in_transaction(self) -> bool:
        return False

    # -- DB-API -------------------------------------------------------------------------------
    def cursor(self, factory=None) -> Cursor:
        self._check()
        if factory is not None:
            return factory(self)
        return Cursor(self)

    def execute(self, sql: str, parameters=()) -> Cursor:
        return self.cursor().execute(sql, parameters)


    def executemany(self, sql: str, seq_of_parameters) -> Cursor:
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script: str) -> Cursor:
        return self.cursor().executescript(sql_script)

    def commit(self) -> None:
        # Nothing is ever pending on the read side: sqlite3 does nothing either when
        # no transaction is open.
        self._check()

    def rollback(self) -> None:
        self._check()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._session.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        # like sqlite3: commit on success, rollback on error, never closes
        if not self._closed:
            if exc_type is None:
                self.commit()
            else:
                self.rollback()
        return False


class Cursor:
    """Runs one statement at a time and hands out its rows."""

    def __init__(self, connection: Connection):
        if not isinstance(connection, Connection):
            raise TypeError("argument 1 must be engine.api.Connection")
        self.connection = connection
        self.arraysize = 1
        self.rowcount = -1
        self.lastrowid = None
        self.description = None
        self.row_factory = connection.row_factory
        self._rows = iter(())
        self._closed = False

    def _check(self) -> None:
        self.connection._check()
        if self._closed:
            raise ProgrammingError("Cannot operate on a closed cursor.")

    def close(self) -> None:
        self._closed = True
        self._rows = iter(())

    # -- running statements -------------------------------------------------------------------
    def execute(self, sql: str, parameters=()) -> Cursor:
        self._check()
        if not isinstance(sql, str):
            raise TypeError(f"execute() argument 1 must be str, not {type(sql).__name__}")
        self._rows = iter(())
        self.description = None
        self.rowcount = -1
        prepared = self.connection._session.prepare_sql(sql)
        if prepared is None:
            return self
        self._run_prepared(prepared, parameters)
        return self

    def _run(self, statement, parameters) -> None:
        self._run_prepared(self.connection._session.prepare(statement), parameters)

    def _run_prepared(self, prepared, parameters) -> None:
        values = bind_parameters(prepared.parameter_names, parameters)
        rows = prepared.run(values)
        if prepared.column_names is not None:
            self.description = tuple(
                (name, None, None, None, None, None, None) for name in prepared.column_names
            )
        else:
            self.description = None
        self._rows = _guard(rows, self.row_factory, self if self.row_factory else None,
                            prepared.column_names)

    def executemany(self, sql: str, seq_of_parameters) -> Cursor:
        self._check()
        prepared = self.connection._session.prepare_sql(sql)
        if prepared is None:
            return self
        if prepared.column_names is not None:
            raise ProgrammingError("executemany() can only execute DML statements.")
        for parameters in seq_of_parameters:
            self._run_prepared(prepared, parameters)
        return self

    def executescript(self, sql_script: str) -> Cursor:
        self._check()
        if not isinstance(sql_script, str):
            raise ValueError("script argument must be unicode.")
        from .sql import parse

        for statement in parse(sql_script):
            self._run(statement, ())
            for _ in self._rows:
                pass
        self._rows = iter(())
        self.description = None
        return self

    # -- fetching -----------------------------------------------------------------------------
    def __iter__(self):
        return self

    def __next__(self):
        self._check()
        return next(self._rows)

    def fetchone(self):
        self._check()
        return next(self._rows, None)

    def fetchmany(self, size: int | None = None) -> list:
        self._check()
        if size is None:
            size = self.arraysize
        out = []
        rows = self._rows
        for _ in range(size):
            row = next(rows, _END)
            if row is _END:
                break
            out.append(row)
        return out

    def fetchall(self) -> list:
        self._check()
        return list(self._rows)

    def setinputsizes(self, sizes) -> None:
        pass

    def setoutputsize(self, size, column=None) -> None:
        pass


_END = object()


def _check_text(row, names):
    """sqlite3 refuses TEXT that is not valid UTF-8 (text_factory=str): so do we."""
    for i, v in enumerate(row):
        if type(v) is str and not v.isascii():
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                shown = v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                name = names[i] if names and i < len(names) else "?"
                raise OperationalError(
                    f"Could not decode to UTF-8 column '{name}' with text '{shown}'") from None


def _plain_text(row, names):
    """The row with TEXT of a str subclass (JSON text keeps its subtype inside the
    executor) as plain str, as sqlite3 returns it, and its TEXT checked."""
    row = tuple([str.__str__(v) if isinstance(v, str) and type(v) is not str else v
                 for v in row])
    _check_text(row, names)
    return row


def _guard(rows, factory, cursor, names=None):
    """Re-raise foreign exceptions from the executor as the engine's own (no tracebacks
    of other types escape to the caller), and apply the row factory.  (A function, not a
    method: the generator must not keep its cursor alive in a reference cycle, so that a
    dropped cursor releases its prepared statement at once.)"""
    try:
        for row in rows:
            for v in row:
                t = type(v)
                if t is str:
                    if v.isascii():
                        continue
                elif not isinstance(v, str):
                    continue
                row = _plain_text(row, names)
                break
            yield row if factory is None else factory(cursor, row)
    except RecursionError:
        raise OperationalError("Expression tree is too large (maximum depth 1000)") from None
    except MemoryError:
        raise OperationalError("out of memory") from None

# Re-exported for callers that catch these around execute().
_ = (InterfaceError, NotSupportedError)
