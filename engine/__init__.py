"""engine: a pure-Python SQL engine over real SQLite files.

Layers (each imports only those before it): vfs -> pager -> btree -> record
decoding (in formatspec) -> schema -> sql (lexer, parser, ast) -> planner ->
exec -> api. The exception classes mirror the sqlite3 module's.
"""

from .errors import (
    CorruptError,
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)

__all__ = [
    "CorruptError",
    "DataError",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Warning",
]

from .api import Connection, Cursor, connect  # noqa: E402 - the DB-API entry point

__all__ += ["Connection", "Cursor", "connect"]

from . import storage  # noqa: E402,F401 - the storage read side: engine.storage.open(path)
