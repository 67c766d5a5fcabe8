"""A content hash of a database with the semantics of SQLite's ``dbhash`` tool.

SQLite's ``tool/dbhash.c`` hashes only the logical content, so page size, text
encoding, auto-vacuum, free space and the order of pages do not matter. The
algorithm, in our words:

1. Start one SHA1.
2. Content: for every row of ``sqlite_schema`` with ``type='table'``, whose
   ``sql`` is not ``CREATE VIRTUAL...``, whose name is not LIKE ``sqlite_%``
   and is LIKE the ``--like`` pattern, ordered by name (NOCASE): every row of
   ``SELECT * FROM table`` (rowid order; primary-key order WITHOUT ROWID),
   every column in turn, fed as: NULL -> ``"0"``; INTEGER -> ``"1"`` + the
   64-bit two's complement value big-endian; REAL -> ``"2"`` + the IEEE 754
   bits big-endian; TEXT -> ``"3"`` + the UTF-8 bytes; BLOB -> ``"4"`` + the
   bytes. (The rowid itself is not part of ``SELECT *`` unless a column is
   an alias for it.)
3. Schema: ``SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE
   tbl_name LIKE pattern ORDER BY name COLLATE nocase``, fed the same way.
4. The digest is printed as 40 lowercase hex digits.

Rows come from :func:`engine.storage.open`, whose ``rows`` yields exactly what
sqlite3's ``SELECT rowid, *`` yields (column affinity, defaults of added
columns, rowid aliases included).
"""

from __future__ import annotations

import hashlib
import os
import struct

from .values import like, sort_key

_Q = struct.Struct(">q")
_D = struct.Struct(">d")


def _feed(h, values) -> None:
    for v in values:
        if v is None:
            h.update(b"0")
        elif isinstance(v, bool | int):
            h.update(b"1" + _Q.pack(int(v)))
        elif isinstance(v, float):
            h.update(b"2" + _D.pack(v))
        elif isinstance(v, str):
            h.update(b"3" + v.encode("utf-8", "surrogatepass"))
        else:
            h.update(b"4" + bytes(v))


def _like(pattern: str, value) -> bool:
    return bool(like(pattern, value))


def dbhash(path, *, like: str = "%", schema: bool = True, content: bool = True) -> str:
    """The hex SHA1 ``dbhash`` would print for the database at ``path``."""
    from . import storage

    h = hashlib.sha1()  # noqa: S324 - the algorithm dbhash defines, not for security
    with storage.open(os.fspath(path)) as db:
        entries = list(db.schema)
        if content:
            tables = [
                e for e in entries
                if e[0] == "table"
                and not _like("CREATE VIRTUAL%", e[4] if e[4] is not None else None)
                and not _like("sqlite_%", e[1])
                and _like(like, e[1])
            ]
            tables.sort(key=lambda e: sort_key(e[1], "NOCASE"))
            for e in tables:
                rows = db.rows(e[1])
                without_rowid = _is_without_rowid(e[4])
                for row in rows:
                    _feed(h, row if without_rowid else row[1:])
        if schema:
            chosen = [e for e in entries if _like(like, e[2])]
            chosen.sort(key=lambda e: sort_key(e[1], "NOCASE"))
            for e in chosen:
                _feed(h, (e[0], e[1], e[2], e[4]))
    return h.hexdigest()


def _is_without_rowid(sql: str | None) -> bool:
    from .inspect import _is_without_rowid as test

    return test(sql)
