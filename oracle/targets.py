"""Loading the engines the oracle compares: ``MODULE:FACTORY`` specifications.

A *target* or *reference* is any Python DB-API connection factory: a callable
taking the path of a database file and returning a connection whose
``execute(sql)`` returns a cursor with ``fetchall()`` (sqlite3's shape). It is
named on the command line as ``MODULE:FACTORY`` (``engine:connect``,
``sqlite3:connect``, ``sqlean:connect``, ``oracle.mutants:limit_off_by_one``);
``FACTORY`` may be a dotted attribute path. A few short names are accepted:
``engine`` (our engine, the default target) and ``sqlite3`` (the stdlib
module, the default reference).

Errors are compared by *class*: :func:`error_class` names an exception by the
DB-API class it belongs to (``OperationalError``, ``IntegrityError``, ...),
whatever module defined it, so errors of sqlite3, our engine, apsw or sqlean
compare alike. ``NotSupportedError`` raised by the target means "this engine
does not implement that yet" and is reported apart from disagreements.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

DEFAULT_TARGET = "engine:connect"
DEFAULT_REFERENCE = "sqlite3:connect"

ALIASES = {
    "engine": "engine:connect",
    "sqlite3": "sqlite3:connect",
    "sqlean": "sqlean:connect",
}

#: The DB-API exception classes, most specific first.
DBAPI_CLASSES = (
    "NotSupportedError",
    "IntegrityError",
    "ProgrammingError",
    "OperationalError",
    "DataError",
    "InternalError",
    "DatabaseError",
    "InterfaceError",
    "Warning",
    "Error",
)


class TargetError(ValueError):
    """A ``MODULE:FACTORY`` specification that cannot be loaded."""


def load_factory(spec: str) -> Callable:
    """The callable named by ``spec`` (``MODULE:FACTORY`` or an alias)."""
    spec = ALIASES.get(spec, spec)
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise TargetError(f"{spec!r}: expected MODULE:FACTORY")
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        raise TargetError(f"{spec!r}: cannot import {module_name}: {exc}") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetError(f"{spec!r}: {module_name} has no attribute {attr}") from None
    if not callable(obj):
        raise TargetError(f"{spec!r}: {attr} is not callable")
    return obj


def open_connection(spec: str, path: str):
    """A connection of the engine named by ``spec`` on the database ``path``."""
    return load_factory(spec)(str(path))


def error_class(exc: BaseException) -> str | None:
    """The DB-API class name of ``exc``, or ``None`` for a foreign exception (a crash).

    Walks the exception's MRO and returns the first class whose *name* is one
    of :data:`DBAPI_CLASSES`, so any module's DB-API errors are recognized.
    """
    for klass in type(exc).__mro__:
        if klass.__name__ in DBAPI_CLASSES:
            return klass.__name__
    return None


def is_unsupported(exc: BaseException) -> bool:
    """True when ``exc`` says "not implemented" (``NotSupportedError``)."""
    return error_class(exc) == "NotSupportedError"
