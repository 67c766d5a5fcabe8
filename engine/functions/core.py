"""SQLite's core scalar functions (lang_corefunc.html), as SQLite 3.40.1 computes them.

Each function is a plain callable over engine values (None, int, float,
str, bytes).  Functions whose result depends on the connection or the
database take a :class:`~engine.functions.FunctionContext` as first
argument (their registry entry says ``needs_context``): the text encoding
(hex() of a text is its bytes in the database encoding), the collation of
min()/max()/nullif(), case_sensitive_like, the change counters.

The behaviour follows func.c of SQLite 3.40.1, checked against the stdlib
sqlite3 module; where SQLite works on UTF-8 bytes (length, substr, trim,
instr, replace) so do we, so that malformed text behaves the same.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from .. import values as V
from ..errors import DataError, OperationalError

if TYPE_CHECKING:
    from . import FunctionContext

SQLITE_VERSION = "3.40.1"
SQLITE_SOURCE_ID = (
    "2022-12-28 14:03:47 df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd45ae7b9c5e82ad8197f3alt1"
)

# The compile-time options of the stdlib sqlite3 build we mirror
# (PRAGMA compile_options of Debian's SQLite 3.40.1).
COMPILE_OPTIONS = (
    "ATOMIC_INTRINSICS=1", "COMPILER=gcc-12.2.0", "DEFAULT_AUTOVACUUM",
    "DEFAULT_CACHE_SIZE=-2000", "DEFAULT_FILE_FORMAT=4", "DEFAULT_JOURNAL_SIZE_LIMIT=-1",
    "DEFAULT_MMAP_SIZE=0", "DEFAULT_PAGE_SIZE=4096", "DEFAULT_PCACHE_INITSZ=20",
    "DEFAULT_RECURSIVE_TRIGGERS", "DEFAULT_SECTOR_SIZE=4096", "DEFAULT_SYNCHRONOUS=2",
    "DEFAULT_WAL_AUTOCHECKPOINT=1000", "DEFAULT_WAL_SYNCHRONOUS=2", "DEFAULT_WORKER_THREADS=0",
    "ENABLE_COLUMN_METADATA", "ENABLE_DBSTAT_VTAB", "ENABLE_FTS3", "ENABLE_FTS3_PARENTHESIS",
    "ENABLE_FTS3_TOKENIZER", "ENABLE_FTS4", "ENABLE_FTS5", "ENABLE_LOAD_EXTENSION",
    "ENABLE_MATH_FUNCTIONS", "ENABLE_PREUPDATE_HOOK", "ENABLE_RTREE", "ENABLE_SESSION",
    "ENABLE_STMTVTAB", "ENABLE_UNLOCK_NOTIFY", "ENABLE_UPDATE_DELETE_LIMIT", "HAVE_ISNAN",
    "LIKE_DOESNT_MATCH_BLOBS", "MALLOC_SOFT_LIMIT=1024", "MAX_ATTACHED=10", "MAX_COLUMN=2000",
    "MAX_COMPOUND_SELECT=500", "MAX_DEFAULT_PAGE_SIZE=32768", "MAX_EXPR_DEPTH=1000",
    "MAX_FUNCTION_ARG=127", "MAX_LENGTH=1000000000", "MAX_LIKE_PATTERN_LENGTH=50000",
    "MAX_MMAP_SIZE=0x7fff0000", "MAX_PAGE_COUNT=1073741823", "MAX_PAGE_SIZE=65536",
    "MAX_SCHEMA_RETRY=25", "MAX_SQL_LENGTH=1000000000", "MAX_TRIGGER_DEPTH=1000",
    "MAX_VARIABLE_NUMBER=250000", "MAX_VDBE_OP=250000000", "MAX_WORKER_THREADS=8",
    "MUTEX_PTHREADS", "OMIT_LOOKASIDE", "SECURE_DELETE", "SOUNDEX", "SYSTEM_MALLOC",
    "TEMP_STORE=1", "THREADSAFE=1", "USE_URI",
)


def _too_big() -> DataError:
    # SQLITE_TOOBIG, which the sqlite3 module raises as DataError
    return DataError("string or blob too big")


# ---------------------------------------------------------------- helpers


def _text_bytes(v: V.Value, encoding: str = "utf-8") -> bytes | None:
    """sqlite3_value_text() as UTF-8 bytes (None for NULL)."""
    if v is None:
        return None
    if isinstance(v, str):
        return v.encode("utf-8", "surrogateescape")
    if isinstance(v, bytes):
        if encoding == "utf-8":
            return v
        t = V.to_text(v, encoding)
        assert t is not None
        return t.encode("utf-8", "surrogateescape")
    t = V.to_text(v)
    assert t is not None
    return t.encode("utf-8")


def _bytes_to_text(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def _cstr(b: bytes) -> bytes:
    """The bytes up to the first NUL (a C string)."""
    k = b.find(b"\x00")
    return b if k < 0 else b[:k]


def _skip_utf8(z: bytes, i: int) -> int:
    """SQLITE_SKIP_UTF8: one character forward from byte i."""
    c = z[i]
    i += 1
    if c >= 0xC0:
        while i < len(z) and (z[i] & 0xC0) == 0x80:
            i += 1
    return i


def _value_int(v: V.Value) -> int:
    """sqlite3_value_int(): the 64-bit integer value truncated to 32 bits."""
    i = V.to_integer(v)
    if i is None:
        return 0
    i &= 0xFFFFFFFF
    return i - (1 << 32) if i >> 31 else i


def _value_int64(v: V.Value) -> int:
    i = V.to_integer(v)
    return 0 if i is None else i


def _value_double(v: V.Value) -> float:
    r = V.to_real(v)
    return 0.0 if r is None else r


# ---------------------------------------------------------------- functions


def abs_(x: V.Value) -> V.Value:
    """abs(X): INTEGER stays INTEGER (abs(-9223372036854775808) is an
    "integer overflow" error); anything else non-NULL becomes REAL."""
    if x is None:
        return None
    if isinstance(x, int):
        if x == V.SMALLEST_INT64:
            raise OperationalError("integer overflow")
        return -x if x < 0 else x
    r = _value_double(x)
    return -r if r < 0 else r


def char(*args: V.Value) -> str:
    """char(X1,...,XN): the characters with those code points (out of range
    values give U+FFFD; surrogates are encoded as SQLite does, malformed)."""
    out = bytearray()
    for a in args:
        x = _value_int64(a)
        if x < 0 or x > 0x10FFFF:
            x = 0xFFFD
        c = x & 0x1FFFFF
        if c < 0x80:
            out.append(c)
        elif c < 0x800:
            out += bytes((0xC0 + (c >> 6), 0x80 + (c & 0x3F)))
        elif c < 0x10000:
            out += bytes((0xE0 + (c >> 12), 0x80 + ((c >> 6) & 0x3F), 0x80 + (c & 0x3F)))
        else:
            out += bytes((0xF0 + (c >> 18), 0x80 + ((c >> 12) & 0x3F),
                          0x80 + ((c >> 6) & 0x3F), 0x80 + (c & 0x3F)))
    return _bytes_to_text(bytes(out))


def coalesce(*args: V.Value) -> V.Value:
    """coalesce(X,Y,...): the first non-NULL argument."""
    for a in args:
        if a is not None:
            return a
    return None


def ifnull(x: V.Value, y: V.Value) -> V.Value:
    """ifnull(X,Y): coalesce of two."""
    return x if x is not None else y


def iif(x: V.Value, y: V.Value, z: V.Value) -> V.Value:
    """iif(X,Y,Z): Y if X is true, else Z (NULL is not true)."""
    return y if V.truth(x) else z


def hex_(ctx: FunctionContext, x: V.Value) -> str:
    """hex(X): upper-case hex of the blob, or of the text's bytes in the
    database encoding, or of a number's text; '' for NULL."""
    if x is None:
        return ""
    if isinstance(x, bytes):
        b = x
    elif isinstance(x, str):
        b = V.to_blob(x, ctx.encoding)
        assert b is not None
    else:
        b = (V.to_text(x) or "").encode()  # numbers: their UTF-8 text
    if 2 * len(b) + 1 > V.LIMIT_LENGTH:
        raise _too_big()
    return b.hex().upper()


def instr(ctx: FunctionContext, x: V.Value, y: V.Value) -> int | None:
    """instr(X,Y): 1-based character (or, for two blobs, byte) position of
    the first Y in X; 0 if none; NULL if either is NULL."""
    if x is None or y is None:
        return None
    if isinstance(x, bytes) and isinstance(y, bytes):
        hay, needle, is_text = x, y, False
    else:
        hay = _text_bytes(x, ctx.encoding)
        needle = _text_bytes(y, ctx.encoding)
        assert hay is not None and needle is not None
        is_text = True
    if len(needle) == 0:
        return 1
    start = 0
    while True:
        pos = hay.find(needle, start)
        if pos < 0:
            return 0
        if is_text and pos > 0 and (hay[pos] & 0xC0) == 0x80:
            start = pos + 1  # SQLite only tries character boundaries
            continue
        if not is_text:
            return pos + 1
        # characters before pos (the byte at 0 always starts one), counted in C
        return 1 + pos - _continuation_bytes(hay, 1, pos + 1)


_CONTINUATION = re.compile(b"[\x80-\xbf]")


def _continuation_bytes(b: bytes, start: int, end: int) -> int:
    """How many bytes of ``b[start:end]`` are UTF-8 continuation bytes (10xxxxxx)."""
    if b.isascii():
        return 0
    return len(_CONTINUATION.findall(b, start, end))


def length(x: V.Value) -> int | None:
    """length(X): characters of a text (up to a NUL), bytes of a blob,
    characters of a number's text rendering."""
    if x is None:
        return None
    if isinstance(x, bytes):
        return len(x)
    if isinstance(x, int | float):
        t = V.to_text(x)
        assert t is not None
        return len(t)
    nul = x.find("\0")
    if nul >= 0:
        x = x[:nul]
    if V.SURROGATE_RE.search(x) is None:
        return len(x)  # well-formed UTF-8: one character per code point, as SQLite counts
    z = x.encode("utf-8", "surrogateescape")
    n = 0
    i = 0
    while i < len(z):
        c = z[i]
        i += 1
        if c >= 0xC0:
            while i < len(z) and (z[i] & 0xC0) == 0x80:
                i += 1
        n += 1
    return n


def like(ctx: FunctionContext, pattern: V.Value, text: V.Value, *escape: V.Value) -> int | None:
    """like(P,X[,E]) = X LIKE P [ESCAPE E]."""
    if escape:
        return V.like(pattern, text, escape[0], has_escape=True,
                      case_sensitive=ctx.case_sensitive_like, encoding=ctx.encoding)
    return V.like(pattern, text, case_sensitive=ctx.case_sensitive_like, encoding=ctx.encoding)


def glob(ctx: FunctionContext, pattern: V.Value, text: V.Value) -> int | None:
    """glob(P,X) = X GLOB P."""
    return V.glob(pattern, text, encoding=ctx.encoding)


def likelihood(x: V.Value, y: V.Value) -> V.Value:
    """likelihood(X,Y): X.  SQLite requires Y to be a floating point literal
    between 0.0 and 1.0 (checked when the statement is prepared, so the
    resolver should call this with the literal's value)."""
    if not isinstance(y, float) or not 0.0 <= y <= 1.0:
        raise OperationalError(
            "second argument to likelihood() must be a constant between 0.0 and 1.0")
    return x


def likely(x: V.Value) -> V.Value:
    """likely(X): X."""
    return x


def unlikely(x: V.Value) -> V.Value:
    """unlikely(X): X."""
    return x


def _case_map(x: V.Value, upper: bool, encoding: str) -> str | None:
    z = _text_bytes(x, encoding)
    if z is None:
        return None
    return _bytes_to_text(z.upper() if upper else z.lower())  # ASCII letters only


def lower(ctx: FunctionContext, x: V.Value) -> str | None:
    """lower(X): ASCII letters only."""
    return _case_map(x, False, ctx.encoding)


def upper(ctx: FunctionContext, x: V.Value) -> str | None:
    """upper(X): ASCII letters only."""
    return _case_map(x, True, ctx.encoding)


def _trim(ctx: FunctionContext, flags: int, x: V.Value, chars: tuple[V.Value, ...]) -> V.Value:
    if x is None:
        return None
    z = _text_bytes(x, ctx.encoding)
    assert z is not None
    if chars:
        cs = _text_bytes(chars[0], ctx.encoding)
        if cs is None:
            return None
        cs = _cstr(cs)
        pieces = []
        i = 0
        while i < len(cs):
            j = _skip_utf8(cs, i)
            pieces.append(cs[i:j])
            i = j
    else:
        pieces = [b" "]
    start, end = 0, len(z)
    if pieces:
        if flags & 1:
            while start < end:
                for p in pieces:
                    if len(p) <= end - start and z.startswith(p, start):
                        start += len(p)
                        break
                else:
                    break
        if flags & 2:
            while start < end:
                for p in pieces:
                    if len(p) <= end - start and z.endswith(p, start, end):
                        end -= len(p)
                        break
                else:
                    break
    return _bytes_to_text(z[start:end])


def ltrim(ctx: FunctionContext, x: V.Value, *chars: V.Value) -> V.Value:
    """ltrim(X[,Y]): remove characters of Y (default space) from the left."""
    return _trim(ctx, 1, x, chars)


def rtrim(ctx: FunctionContext, x: V.Value, *chars: V.Value) -> V.Value:
    """rtrim(X[,Y])."""
    return _trim(ctx, 2, x, chars)


def trim(ctx: FunctionContext, x: V.Value, *chars: V.Value) -> V.Value:
    """trim(X[,Y])."""
    return _trim(ctx, 3, x, chars)


def max_(ctx: FunctionContext, *args: V.Value) -> V.Value:
    """Scalar max(X,Y,...): NULL if any argument is NULL; ties keep the
    earlier argument."""
    best = args[0]
    if best is None:
        return None
    for a in args[1:]:
        if a is None:
            return None
        if V.compare(best, a, ctx.collation, ctx.encoding) < 0:
            best = a
    return best


def min_(ctx: FunctionContext, *args: V.Value) -> V.Value:
    """Scalar min(X,Y,...): NULL if any argument is NULL; ties take the
    later argument (min(1, 1.0) is 1.0)."""
    best = args[0]
    if best is None:
        return None
    for a in args[1:]:
        if a is None:
            return None
        if V.compare(best, a, ctx.collation, ctx.encoding) >= 0:
            best = a
    return best


def nullif(ctx: FunctionContext, x: V.Value, y: V.Value) -> V.Value:
    """nullif(X,Y): X unless X equals Y (no affinity; the collation of the
    function call), then NULL."""
    if V.compare(x, y, ctx.collation, ctx.encoding) != 0:
        return x
    return None


def quote(x: V.Value) -> str:
    """quote(X): an SQL literal for X."""
    if x is None:
        return "NULL"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        text = V.real_to_text(x)  # "%!.15g"
        if V._atof(text.encode())[1] != x:
            prefix, body = V.format_float(x, "e", 20, altform2=True)
            text = prefix + body
        return text
    if isinstance(x, bytes):
        return "X'" + x.hex().upper() + "'"
    z = _cstr(x.encode("utf-8", "surrogateescape"))
    return "'" + _bytes_to_text(z).replace("'", "''") + "'"


def random_(ctx: FunctionContext) -> int:
    """random(): a pseudo-random 64-bit integer, never -2**63."""
    r = int.from_bytes(ctx.random_bytes(8), "little", signed=True)
    if r < 0:
        r = -(r & V.LARGEST_INT64)
    return r


def randomblob(ctx: FunctionContext, n: V.Value) -> bytes:
    """randomblob(N): N random bytes (at least 1)."""
    k = _value_int64(n)
    if k < 1:
        k = 1
    if k > V.LIMIT_LENGTH:
        raise _too_big()
    return ctx.random_bytes(k)


def replace(ctx: FunctionContext, x: V.Value, y: V.Value, z: V.Value) -> V.Value:
    """replace(X,Y,Z): every Y in X replaced by Z; X itself when Y is ''."""
    zs = _text_bytes(x, ctx.encoding)
    if zs is None:
        return None
    zp = _text_bytes(y, ctx.encoding)
    if zp is None:
        return None
    if zp[:1] in (b"", b"\x00"):
        # The first argument unchanged -- except that sqlite3_value_text()
        # has given a blob a text representation, which is what comes back.
        return _bytes_to_text(zs) if isinstance(x, bytes) else x
    zr = _text_bytes(z, ctx.encoding)
    if zr is None:
        return None
    if len(zr) > len(zp):
        grown = len(zs) + zs.count(zp) * (len(zr) - len(zp))
        if grown > V.LIMIT_LENGTH:
            raise _too_big()
    return _bytes_to_text(zs.replace(zp, zr))


def round_(x: V.Value, *n: V.Value) -> float | None:
    """round(X[,N]): REAL; N clamped to 0..30; SQLite's own rounding
    (half away from zero for N=0; via printf('%.*f') otherwise)."""
    digits = 0
    if n:
        if n[0] is None:
            return None
        digits = _value_int(n[0])
        digits = max(0, min(30, digits))
    if x is None:
        return None
    r = _value_double(x)
    if r < -4503599627370496.0 or r > 4503599627370496.0:
        return r
    if digits == 0:
        return float(int(r + (-0.5 if r < 0 else 0.5)))
    prefix, body = V.format_float(r, "f", digits)
    return V._atof((prefix + body).encode())[1]


_SOUNDEX_CODE = {
    **{c: d for letters, d in (("BFPV", 1), ("CGJKQSXZ", 2), ("DT", 3), ("L", 4), ("MN", 5),
                               ("R", 6)) for c in letters},
}
_SOUNDEX_TABLE = [0] * 128
for _c, _d in _SOUNDEX_CODE.items():
    _SOUNDEX_TABLE[ord(_c)] = _d
    _SOUNDEX_TABLE[ord(_c.lower())] = _d


def soundex(ctx: FunctionContext, x: V.Value) -> str:
    """soundex(X): SQLite's soundex of the ASCII letters ("?000" if none)."""
    z = _text_bytes(x, ctx.encoding) or b""
    z = _cstr(z)
    i = 0
    while i < len(z) and not (65 <= z[i] <= 90 or 97 <= z[i] <= 122):
        i += 1
    if i >= len(z):
        return "?000"
    prev = _SOUNDEX_TABLE[z[i] & 0x7F]
    out = [chr(z[i]).upper()]
    while len(out) < 4 and i < len(z):
        code = _SOUNDEX_TABLE[z[i] & 0x7F]
        if code > 0:
            if code != prev:
                prev = code
                out.append(chr(48 + code))
        else:
            prev = 0
        i += 1
    return "".join(out).ljust(4, "0")


def sqlite_version() -> str:
    """sqlite_version(): the SQLite version whose behaviour we reproduce."""
    return SQLITE_VERSION


def sqlite_source_id() -> str:
    """sqlite_source_id() of that SQLite build."""
    return SQLITE_SOURCE_ID


def _is_id_char(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in "_$") or not c.isascii()


def sqlite_compileoption_used(x: V.Value) -> int | None:
    """sqlite_compileoption_used(X): 1 if the option (optionally prefixed
    "SQLITE_", case-insensitive, "NAME" or "NAME=VALUE") was compiled in."""
    if x is None:
        return None
    t = V.to_text(x)
    assert t is not None
    t = _bytes_to_text(_cstr(t.encode("utf-8", "surrogateescape")))
    if t[:7].upper() == "SQLITE_":
        t = t[7:]
    n = len(t)
    for opt in COMPILE_OPTIONS:
        if opt[:n].upper() == t.upper() and len(opt) >= n and (
                n == len(opt) or not _is_id_char(opt[n])):
            return 1
    return 0


def sqlite_compileoption_get(n: V.Value) -> str | None:
    """sqlite_compileoption_get(N): the N-th compile option, or NULL."""
    k = _value_int(n)
    if 0 <= k < len(COMPILE_OPTIONS):
        return COMPILE_OPTIONS[k]
    return None


def sqlite_log(code: V.Value, message: V.Value) -> None:
    """sqlite_log(X,Y): writes to SQLite's error log; returns NULL."""
    return None


def substr(ctx: FunctionContext, x: V.Value, y: V.Value, *z: V.Value) -> V.Value:
    """substr(X,Y[,Z]): characters of a text (up to a NUL), bytes of a blob;
    Y is 1-based, negative from the end, 0 is "before the first"; a
    negative Z takes characters before Y."""
    if y is None or (z and z[0] is None):
        return None
    if x is None:
        return None
    p1 = _value_int(y)
    is_blob = isinstance(x, bytes)
    if is_blob:
        data = x
        length_ = len(data)
        if not data:
            return None  # sqlite3_value_blob() of an empty blob is a NULL pointer
    else:
        data = _cstr(_text_bytes(x, ctx.encoding) or b"")
        length_ = 0
        if p1 < 0:
            i = 0
            while i < len(data):
                i = _skip_utf8(data, i)
                length_ += 1
    neg_p2 = False
    if z:
        p2 = _value_int(z[0])
        if p2 < 0:
            p2 = -p2
            neg_p2 = True
    else:
        p2 = V.LIMIT_LENGTH
    if p1 < 0:
        p1 += length_
        if p1 < 0:
            p2 += p1
            if p2 < 0:
                p2 = 0
            p1 = 0
    elif p1 > 0:
        p1 -= 1
    elif p2 > 0:
        p2 -= 1
    if neg_p2:
        p1 -= p2
        if p1 < 0:
            p2 += p1
            p1 = 0
    if not is_blob:
        i = 0
        while i < len(data) and p1:
            i = _skip_utf8(data, i)
            p1 -= 1
        j = i
        while j < len(data) and p2:
            j = _skip_utf8(data, j)
            p2 -= 1
        return _bytes_to_text(data[i:j])
    if p1 + p2 > length_:
        p2 = max(0, length_ - p1)
    return data[p1:p1 + p2]


def typeof(x: V.Value) -> str:
    """typeof(X)."""
    return V.typeof(x)


def unicode(ctx: FunctionContext, x: V.Value) -> int | None:
    """unicode(X): the code point of the first character (NULL for '' or NULL)."""
    z = _text_bytes(x, ctx.encoding)
    if not z or z[0] == 0:
        return None
    return V.utf8_read_all(z[:8])[0]


def zeroblob(n: V.Value) -> bytes:
    """zeroblob(N): N zero bytes (negative N gives an empty blob)."""
    k = _value_int64(n)
    if k < 0:
        k = 0
    if k > V.LIMIT_LENGTH:
        raise _too_big()
    return bytes(k)


def changes(ctx: FunctionContext) -> int:
    """changes(): rows changed by the most recent INSERT/UPDATE/DELETE."""
    return ctx.changes


def total_changes(ctx: FunctionContext) -> int:
    """total_changes(): rows changed since the connection was opened."""
    return ctx.total_changes


def last_insert_rowid(ctx: FunctionContext) -> int:
    """last_insert_rowid()."""
    return ctx.last_insert_rowid


def load_extension(*args: V.Value) -> None:
    """load_extension(): never allowed in this engine (sqlite3 without
    enable_load_extension says the same)."""
    raise OperationalError("not authorized")


def subtype(x: V.Value) -> int:
    """subtype(X): 0 (this engine has no JSON subtypes)."""
    return 0


def default_random_bytes(n: int) -> bytes:
    return os.urandom(n)
