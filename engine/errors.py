"""The engine's exception tree, mirroring the sqlite3 module's.

``Error`` is the root (like ``sqlite3.Error``); ``CorruptError`` is ours, a
``DatabaseError`` that names the page and byte offset of the damage when
known (SQLite's SQLITE_CORRUPT, "database disk image is malformed").
"""

from __future__ import annotations


class Warning(Exception):  # noqa: A001 - the DB-API name
    pass


class Error(Exception):
    pass


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass


class CorruptError(DatabaseError):
    """The file is not a well-formed SQLite database at ``page``/``offset``."""

    def __init__(self, message: str, *, page: int | None = None, offset: int | None = None):
        self.page = page
        self.offset = offset
        where = []
        if page is not None:
            where.append(f"page {page}")
        if offset is not None:
            where.append(f"offset {offset}")
        text = f"database disk image is malformed: {message}"
        if where:
            text += f" ({', '.join(where)})"
        super().__init__(text)
