"""The 100-byte database header at the start of page 1 (fileformat2, "The Database Header").

Every multi-byte field is big-endian. Layout, in our own words:

======  ====  ==========================  ===================================================
offset  size  field                       meaning
======  ====  ==========================  ===================================================
0       16    header_string               the magic ``b"SQLite format 3\\0"``; anything else
                                          is not a database file
16      2     page_size                   bytes per page, a power of two 512..32768; the raw
                                          value 1 stands for 65536 (decoded here to 65536 and
                                          written back as 1)
18      1     write_version               1 = rollback journal, 2 = WAL
19      1     read_version                1 = rollback journal, 2 = WAL
20      1     reserved_space              bytes left unused at the end of every page (for
                                          extensions); usable size = page_size - this
21      1     max_payload_fraction        always 64
22      1     min_payload_fraction        always 32
23      1     leaf_payload_fraction       always 32
24      4     file_change_counter         bumped by each transaction that changes the file
28      4     database_size               size of the file in pages (trusted only when
                                          version_valid_for equals file_change_counter)
32      4     first_freelist_trunk_page   page number of the first freelist trunk, 0 if none
36      4     freelist_count              total number of freelist pages
40      4     schema_cookie               bumped whenever the schema changes
44      4     schema_format               1..4; 4 allows serial types 8 and 9
48      4     default_page_cache_size     suggested cache size (signed; PRAGMA
                                          default_cache_size)
52      4     largest_root_page           largest b-tree root page in auto-vacuum or
                                          incremental-vacuum files, else 0
56      4     text_encoding               1 UTF-8, 2 UTF-16le, 3 UTF-16be
60      4     user_version                free for the application (signed; PRAGMA
                                          user_version)
64      4     incremental_vacuum          non-zero for incremental-vacuum mode
68      4     application_id              identifies the application (signed; PRAGMA
                                          application_id)
72      20    reserved_for_expansion      zero
92      4     version_valid_for           file_change_counter value when
                                          sqlite_version_number was stored
96      4     sqlite_version_number       SQLITE_VERSION_NUMBER of the last writer
======  ====  ==========================  ===================================================

:data:`DatabaseHeader` is the construct schema (a :class:`~formatspec._spec.Spec`);
:func:`read_database_header` is its fast twin (one ``struct`` unpack), bound to
it by tests/formatspec/test_fast_twins.py. Only the magic string and the page
size are validated on parse; the other fields are reported as stored so that a
checker can judge them.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

import construct as cs

from ._spec import Spec
from .derived import page_size_from_header, page_size_to_header
from .errors import FormatError

HEADER_SIZE = 100
HEADER_STRING = b"SQLite format 3\x00"
TEXT_ENCODINGS = {1: "utf-8", 2: "utf-16-le", 3: "utf-16-be"}


class _PageSize(cs.Adapter):
    """Offset 16: raw 1 <-> 65536; sizes that are not a power of two in range are refused."""

    def _decode(self, obj, context, path):
        try:
            return page_size_from_header(obj)
        except FormatError as err:
            raise FormatError(err.message, offset=16, path="page_size",
                              page=context._params.get("pgno")) from None

    def _encode(self, obj, context, path):
        return page_size_to_header(obj)


_header_con = cs.Struct(
    "header_string" / cs.Const(HEADER_STRING),
    "page_size" / _PageSize(cs.Int16ub),
    "write_version" / cs.Int8ub,
    "read_version" / cs.Int8ub,
    "reserved_space" / cs.Int8ub,
    "max_payload_fraction" / cs.Int8ub,
    "min_payload_fraction" / cs.Int8ub,
    "leaf_payload_fraction" / cs.Int8ub,
    "file_change_counter" / cs.Int32ub,
    "database_size" / cs.Int32ub,
    "first_freelist_trunk_page" / cs.Int32ub,
    "freelist_count" / cs.Int32ub,
    "schema_cookie" / cs.Int32ub,
    "schema_format" / cs.Int32ub,
    "default_page_cache_size" / cs.Int32sb,
    "largest_root_page" / cs.Int32ub,
    "text_encoding" / cs.Int32ub,
    "user_version" / cs.Int32sb,
    "incremental_vacuum" / cs.Int32ub,
    "application_id" / cs.Int32sb,
    "reserved_for_expansion" / cs.Bytes(20),
    "version_valid_for" / cs.Int32ub,
    "sqlite_version_number" / cs.Int32ub,
)

DatabaseHeader = Spec("database header", _header_con, __doc__)

HEADER_FIELDS = tuple(sc.name for sc in _header_con.subcons)


class DatabaseHeaderFields(NamedTuple):
    """The header as :func:`read_database_header` returns it (same names as the schema)."""

    header_string: bytes
    page_size: int
    write_version: int
    read_version: int
    reserved_space: int
    max_payload_fraction: int
    min_payload_fraction: int
    leaf_payload_fraction: int
    file_change_counter: int
    database_size: int
    first_freelist_trunk_page: int
    freelist_count: int
    schema_cookie: int
    schema_format: int
    default_page_cache_size: int
    largest_root_page: int
    text_encoding: int
    user_version: int
    incremental_vacuum: int
    application_id: int
    reserved_for_expansion: bytes
    version_valid_for: int
    sqlite_version_number: int


_HEADER_STRUCT = struct.Struct(">16sH6B6IiIIiIi20sII")
assert _HEADER_STRUCT.size == HEADER_SIZE


def read_database_header(buf) -> DatabaseHeaderFields:
    """Fast twin of :data:`DatabaseHeader`: decode the first 100 bytes of ``buf``."""
    if len(buf) < HEADER_SIZE:
        raise FormatError(f"database header needs {HEADER_SIZE} bytes, got {len(buf)}",
                          offset=len(buf), page=1)
    fields = list(_HEADER_STRUCT.unpack_from(buf, 0))
    if fields[0] != HEADER_STRING:
        raise FormatError("not an SQLite 3 database (bad header string)", offset=0,
                          path="header_string", page=1)
    fields[1] = page_size_from_header(fields[1])
    return DatabaseHeaderFields._make(fields)
