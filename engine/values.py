"""SQLite's value semantics: storage classes, ordering, collations, affinity,
conversions (CAST) and the arithmetic, bitwise, string and comparison operators.

This module implements, for the engine, what SQLite 3.40.1 does to values, as
described in "Datatypes In SQLite" (datatype3.html: storage classes,
section 3 type affinity, section 4 comparison expressions and the sort order
NULL < INTEGER/REAL < TEXT < BLOB, section 7 collating sequences) and in
"SQL Language Expressions" (lang_expr.html: operators, CAST, LIKE, GLOB,
boolean expressions).  Where the documents are silent the reference is the
behaviour of the stdlib ``sqlite3`` module (SQLite 3.40.1) and the routines
it is built from (util.c sqlite3AtoF/sqlite3Atoi64, vdbemem.c, vdbe.c,
printf.c, func.c patternCompare); our own code, tested differentially.

Values are plain Python objects: ``None`` (NULL), ``int`` (INTEGER, always in
the signed 64-bit range), ``float`` (REAL, never NaN), ``str`` (TEXT) and
``bytes`` (BLOB).

Two details of SQLite's floating point are reproduced exactly because they are
visible in results:

* Text to REAL (sqlite3AtoF in 3.40.1) keeps at most ~18 significant digits
  (later digits are dropped, not rounded) and scales by powers of ten in x87
  80-bit "long double" arithmetic before rounding to a double.
* REAL to text (``%!.15g`` of SQLite's own printf) extracts decimal digits
  from an 80-bit long double, at most 16 significant digits.

Both use ``_LongDouble`` below, an exact emulation of x87 extended precision
(64-bit significand, round half to even) sufficient for these routines.

Text encoding: text values are Python ``str``.  Where the database text
encoding changes a result (BINARY collation on UTF-16 databases, blob/text
reinterpretation) functions take an ``encoding`` argument, one of
``"utf-8"``, ``"utf-16le"``, ``"utf-16be"`` (default ``"utf-8"``).  Blobs
converted to text are decoded as UTF-8 with ``surrogateescape`` so that no
byte is lost; ``to_blob`` re-encodes the same way.  In a UTF-16 database a
blob that is converted to text or to a number is read as UTF-16 -- when it
comes from a column or a literal.  (SQLite tags a blob bound as a statement
parameter as UTF-8 whatever the database encoding, so CAST(? AS TEXT) of a
bound blob reads UTF-8: pass ``encoding="utf-8"`` for such values.)
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from typing import Any

from .errors import DataError, OperationalError

__all__ = [
    "AFFINITIES",
    "COLLATIONS",
    "LARGEST_INT64",
    "SMALLEST_INT64",
    "add",
    "affinity_of_type",
    "apply_affinity",
    "bitand",
    "bitnot",
    "bitor",
    "cast",
    "collation_for",
    "comparison_affinity",
    "compare",
    "compare_op",
    "compare_with_affinity",
    "concat",
    "div",
    "glob",
    "is_distinct",
    "like",
    "lshift",
    "mod",
    "mul",
    "negate",
    "real_to_text",
    "rshift",
    "sort_key",
    "sub",
    "text_to_number",
    "to_blob",
    "to_integer",
    "to_numeric",
    "to_real",
    "to_text",
    "truth",
    "typeof",
]

LARGEST_INT64 = (1 << 63) - 1
SMALLEST_INT64 = -(1 << 63)
_U64 = (1 << 64) - 1

AFFINITIES = ("BLOB", "TEXT", "NUMERIC", "INTEGER", "REAL")
_NUMERIC_AFFINITIES = frozenset(("NUMERIC", "INTEGER", "REAL"))

Value = None | int | float | str | bytes

# sqlite3Isspace: space, \t, \n, \v, \f, \r (ASCII only).
_SPACE_BYTES = frozenset(b" \t\n\v\f\r")
_DIGITS = frozenset(b"0123456789")


# --------------------------------------------------------------------------
# x87 80-bit long double emulation
# --------------------------------------------------------------------------


def _round_significand(n: int, e: int, bits: int, sticky: bool = False) -> tuple[int, int]:
    """Round the non-negative n*2**e to ``bits`` significant bits, ties to even.

    ``sticky`` says that the true value is slightly larger than n*2**e (a
    non-zero remainder was discarded below the last bit of n).
    """
    length = n.bit_length()
    if length <= bits:
        # Exact (a caller passing sticky always supplies extra bits).
        return n, e
    shift = length - bits
    q = n >> shift
    r = n & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    if r > half or (r == half and (sticky or (q & 1))):
        q += 1
        if q >> bits:
            q >>= 1
            shift += 1
    return q, e + shift


class _LongDouble:
    """An x87 extended-precision value: sign * n * 2**e, n < 2**64 (or zero)."""

    __slots__ = ("neg", "n", "e")

    def __init__(self, neg: bool, n: int, e: int):
        self.neg = neg
        self.n = n
        self.e = e

    @staticmethod
    def from_float(x: float) -> _LongDouble:
        if x == 0.0:
            return _LongDouble(math.copysign(1.0, x) < 0, 0, 0)
        m, e = math.frexp(abs(x))
        n = int(m * (1 << 53))
        return _LongDouble(x < 0, n, e - 53)

    @staticmethod
    def from_int(i: int) -> _LongDouble:
        n, e = _round_significand(abs(i), 0, 64)
        return _LongDouble(i < 0, n, e)

    @staticmethod
    def _make(neg: bool, n: int, e: int, sticky: bool = False) -> _LongDouble:
        if n == 0:
            return _LongDouble(neg, 0, 0)
        n, e = _round_significand(n, e, 64, sticky)
        return _LongDouble(neg, n, e)

    def __mul__(self, other: _LongDouble) -> _LongDouble:
        return _LongDouble._make(self.neg != other.neg, self.n * other.n, self.e + other.e)

    def __truediv__(self, other: _LongDouble) -> _LongDouble:
        if other.n == 0:
            raise ZeroDivisionError
        if self.n == 0:
            return _LongDouble(self.neg != other.neg, 0, 0)
        shift = max(0, 68 + other.n.bit_length() - self.n.bit_length())
        q, r = divmod(self.n << shift, other.n)
        return _LongDouble._make(self.neg != other.neg, q, self.e - other.e - shift, r != 0)

    def _signed_aligned(self, other: _LongDouble) -> tuple[int, int, int]:
        e = min(self.e, other.e)
        a = self.n << (self.e - e)
        b = other.n << (other.e - e)
        return (-a if self.neg else a), (-b if other.neg else b), e

    def __add__(self, other: _LongDouble) -> _LongDouble:
        if self.n == 0:
            return other if other.n else _LongDouble(self.neg and other.neg, 0, 0)
        if other.n == 0:
            return self
        # Very different magnitudes: avoid huge shifts, the smaller operand
        # only contributes a sticky bit.
        gap = (self.e + self.n.bit_length()) - (other.e + other.n.bit_length())
        if gap > 140 or gap < -140:
            big, small = (self, other) if gap > 0 else (other, self)
            n = big.n << 3
            e = big.e - 3
            if big.neg == small.neg:
                return _LongDouble._make(big.neg, n, e, True)
            return _LongDouble._make(big.neg, n - 1, e, True)
        a, b, e = self._signed_aligned(other)
        s = a + b
        return _LongDouble._make(s < 0, abs(s), e)

    def __neg__(self) -> _LongDouble:
        return _LongDouble(not self.neg, self.n, self.e)

    def __sub__(self, other: _LongDouble) -> _LongDouble:
        return self + (-other)

    def cmp(self, other: _LongDouble) -> int:
        a, b, _ = self._signed_aligned(other)
        return (a > b) - (a < b)

    def trunc(self) -> int:
        """C conversion (int)x: truncation toward zero."""
        if self.e >= 0:
            v = self.n << self.e
        else:
            v = self.n >> (-self.e)
        return -v if self.neg else v

    def to_float(self) -> float:
        """Round to a double (ties to even), with subnormals and overflow."""
        n, e = self.n, self.e
        if n == 0:
            return -0.0 if self.neg else 0.0
        length = n.bit_length()
        shift = max(length - 53, -1074 - e)
        if shift > 0:
            q = n >> shift
            r = n & ((1 << shift) - 1)
            half = 1 << (shift - 1)
            if r > half or (r == half and (q & 1)):
                q += 1
            n, e = q, e + shift
        if n and e + n.bit_length() > 1024:
            v = math.inf
        else:
            v = math.ldexp(n, e)
        return -v if self.neg else v


_LD_ONE = _LongDouble.from_float(1.0)
_LD_TEN = _LongDouble.from_float(10.0)


# --------------------------------------------------------------------------
# Text <-> number (util.c sqlite3AtoF, sqlite3Atoi64)
# --------------------------------------------------------------------------


def utf8(s: str) -> bytes:
    """The UTF-8 bytes of an engine text: bytes smuggled in by
    ``surrogateescape`` come back as they were; any other lone surrogate
    (from malformed UTF-16) is encoded as SQLite would, in 3 bytes."""
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return s.encode("utf-8", "surrogatepass")


def _as_bytes(value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        return value
    return utf8(value)


_NUMBER_RE = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?)([0-9]*))?")
_AT_LIMIT = (LARGEST_INT64 - 9) // 10


def _atof(z: bytes) -> tuple[int, float]:
    """sqlite3AtoF of SQLite 3.40.1 over UTF-8 bytes.

    Returns ``(rc, value)``: rc 1 = pure integer, 2 or more = has a decimal
    point and/or an exponent, 0 = not a number, -1 = not a number but a
    prefix with a point or exponent is.  ``value`` is the value of the
    longest numeric prefix (0.0 when there is none).

    The significand keeps digits only while it is below
    (2**63-1-9)/10 (later digits are dropped, not rounded: an integer part's
    dropped digits scale the exponent); the exponent saturates near 10000.
    """
    n = len(z)
    if n == 0:
        return 0, 0.0
    m = _NUMBER_RE.match(z)
    assert m is not None
    sign_b, int_b, frac_b, esign_b, exp_b = m.groups()
    if m.end(1) == m.start(1) and m.start(1) >= n:
        return 0, 0.0  # only spaces
    e_type = 1
    e_valid = True
    # significand: digits while s < limit (leading zeros keep s at 0)
    s = 0
    d = 0
    digits = int_b + (frac_b or b"")
    stripped = digits.lstrip(b"0")
    lead = len(digits) - len(stripped)
    take = len(stripped)
    if take > 18:
        take = 18 if int(stripped[:18]) >= _AT_LIMIT else 19
    if stripped:
        s = int(stripped[:take])
    consumed = lead + take  # digits of `digits` that entered s
    n_int = len(int_b)
    if consumed >= n_int:
        d = -(consumed - n_int)
    else:
        d = n_int - consumed
    n_digit = len(int_b) + (min(len(frac_b), max(0, consumed - n_int)) if frac_b else 0)
    i = m.end(3) if frac_b is not None else m.end(2)
    if frac_b is not None:
        e_type += 1
    e = 0
    esign = 1
    if m.group(5) is not None:  # an 'e' was consumed
        e_type += 1
        e_valid = bool(exp_b)
        if esign_b == b"-":
            esign = -1
        for c in exp_b:
            e = e * 10 + (c - 48) if e < 10000 else 10000
        i = m.end(5)
    while i < n and z[i] in _SPACE_BYTES:
        i += 1
    result = _atof_scale(-1 if sign_b == b"-" else 1, s, e * esign + d)
    if i == n and n_digit > 0 and e_valid and e_type > 0:
        return e_type, result
    if e_type >= 2 and (e_type == 3 or e_valid) and n_digit > 0:
        return -1, result
    return 0, result


def _atof_reference(z: bytes) -> tuple[int, float]:
    """sqlite3AtoF transcribed byte by byte (the oracle of :func:`_atof`)."""
    n = len(z)
    if n == 0:
        return 0, 0.0
    i = 0
    while i < n and z[i] in _SPACE_BYTES:
        i += 1
    if i >= n:
        return 0, 0.0
    sign = 1
    s = 0
    d = 0
    esign = 1
    e = 0
    e_valid = True
    n_digit = 0
    e_type = 1
    limit = (LARGEST_INT64 - 9) // 10
    c = z[i]
    if c == 0x2D:  # '-'
        sign = -1
        i += 1
    elif c == 0x2B:  # '+'
        i += 1
    while i < n and z[i] in _DIGITS:
        s = s * 10 + (z[i] - 48)
        i += 1
        n_digit += 1
        if s >= limit:
            while i < n and z[i] in _DIGITS:
                i += 1
                d += 1
    if i < n and z[i] == 0x2E:  # '.'
        i += 1
        e_type += 1
        while i < n and z[i] in _DIGITS:
            if s < limit:
                s = s * 10 + (z[i] - 48)
                d -= 1
                n_digit += 1
            i += 1
    if i < n and z[i] in (0x65, 0x45):  # 'e' 'E'
        i += 1
        e_valid = False
        e_type += 1
        if i < n:
            if z[i] == 0x2D:
                esign = -1
                i += 1
            elif z[i] == 0x2B:
                i += 1
            while i < n and z[i] in _DIGITS:
                e = e * 10 + (z[i] - 48) if e < 10000 else 10000
                i += 1
                e_valid = True
    while i < n and z[i] in _SPACE_BYTES:
        i += 1
    result = _atof_scale(sign, s, e * esign + d)
    if i == n and n_digit > 0 and e_valid and e_type > 0:
        return e_type, result
    if e_type >= 2 and (e_type == 3 or e_valid) and n_digit > 0:
        return -1, result
    return 0, result


def _atof_scale(sign: int, s: int, e: int) -> float:
    """The do_atof_calc part of sqlite3AtoF: sign * s * 10**e as SQLite computes it."""
    if s == 0:
        return -0.0 if sign < 0 else 0.0
    esign = 1
    if e < 0:
        esign = -1
        e = -e
    while e > 0:
        if esign > 0:
            if s >= LARGEST_INT64 // 10:
                break
            s *= 10
        else:
            if s % 10 != 0:
                break
            s //= 10
        e -= 1
    s = -s if sign < 0 else s
    if e == 0:
        return float(s)
    if e > 307:
        if e < 342:
            scale = _pow10(e - 308)
            ls = _LongDouble.from_int(s)
            if esign < 0:
                return (ls / scale).to_float() / 1.0e308
            return (ls * scale).to_float() * 1.0e308
        if esign < 0:
            return 0.0 * s
        return math.copysign(math.inf, s)
    scale = _pow10(e)
    ls = _LongDouble.from_int(s)
    if esign < 0:
        return (ls / scale).to_float()
    return (ls * scale).to_float()


def _pow10(e: int) -> _LongDouble:
    """sqlite3Pow10: 10**e by repeated squaring in long double."""
    x = _LD_TEN
    r = _LD_ONE
    while True:
        if e & 1:
            r = r * x
        e >>= 1
        if e == 0:
            break
        x = x * x
    return r


_INT_RE = re.compile(rb"[ \t\n\v\f\r]*([+-]?)(0*)([0-9]*)")
_SPACE_CHARS = b" \t\n\v\f\r"


def _atoi64(z: bytes) -> tuple[int, int]:
    """sqlite3Atoi64 over UTF-8 bytes: ``(rc, value)``.

    rc: -1 no digits at all, 0 fits, 1 extra non-space text after the
    integer, 2 too large (value saturated), 3 exactly 9223372036854775808
    (positive).  The value is that of the longest integer prefix, saturated
    to the signed 64-bit range.

    The scanning is done by a regular expression and bytes methods, so a
    megabyte of digits or trailing text costs C time, not a Python loop.
    """
    m = _INT_RE.match(z)
    sign_b, zeros, digits = m.groups()
    neg = sign_b == b"-"
    ndig = len(digits)
    j = m.end()
    if ndig == 0 and not zeros:
        rc = -1
    elif j < len(z) and z[j:].strip(_SPACE_CHARS):
        rc = 1
    else:
        rc = 0
    if ndig < 19:
        u = int(digits) if ndig else 0
        return rc, (-u if neg else u)
    if ndig > 19:
        cmp = 1
    else:
        u = int(digits)
        cmp = (u > 1 << 63) - (u < 1 << 63)
    if cmp < 0:
        return rc, (-u if neg else u)
    value = SMALLEST_INT64 if neg else LARGEST_INT64
    if cmp > 0:
        return 2, value
    return (rc if neg else 3), value


def text_to_number(s: str | bytes) -> int | float | None:
    """The number a text is, if the whole text (spaces aside) is a well-formed
    number as sqlite3AtoF/sqlite3Atoi64 judge it; else None.

    Integers that fit in 64 bits give ``int``; anything with a point or an
    exponent, or an integer too large for 64 bits, gives ``float``.  Hex
    (``0x10``) is not a number here, as in SQLite's affinity rules.
    """
    z = _as_bytes(s)
    rc, r = _atof(z)
    if rc <= 0:
        return None
    if rc == 1:
        irc, iv = _atoi64(z)
        if irc == 0:
            return iv
    return r


def _real_to_i64(r: float) -> int:
    """doubleToInt64: C truncation, saturating at the int64 limits."""
    if r != r:  # NaN never reaches here from SQL; be defined anyway
        return SMALLEST_INT64
    if r <= -9.223372036854775808e18:
        return SMALLEST_INT64
    if r >= 9.223372036854775807e18:
        return LARGEST_INT64
    return int(r)


def _real_same_as_int(r: float, i: int) -> bool:
    """sqlite3RealSameAsInt: r equals i and |i| < 2**51."""
    return r == float(i) and -2251799813685248 <= i < 2251799813685248


# --------------------------------------------------------------------------
# Real to text: "%!.15g" of SQLite's printf (3.40.1)
# --------------------------------------------------------------------------

_AR_ROUND = (5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05, 5.0e-06, 5.0e-07, 5.0e-08,
             5.0e-09, 5.0e-10)
_LD_1E100 = _LongDouble.from_float(1e100)
_LD_1E10 = _LongDouble.from_float(1e10)
_LD_1EM8 = _LongDouble.from_float(1e-8)
_LD_1E8 = _LongDouble.from_float(1e8)
_LD_POINT1 = _LongDouble.from_float(0.1)


def _rounder(precision: int) -> float:
    idx = precision & 0xFFF
    rounder = _AR_ROUND[idx % 10]
    while idx >= 10:
        rounder *= 1.0e-10
        idx -= 10
    return rounder


def _normalize(realvalue: _LongDouble) -> tuple[_LongDouble, int] | None:
    """Scale a positive value to 1 <= v < 10; None means "Inf" (exp > 350)."""
    exp = 0
    scale = _LD_ONE
    while realvalue.cmp(_LD_1E100 * scale) >= 0 and exp <= 350:
        scale = scale * _LD_1E100
        exp += 100
    while realvalue.cmp(_LD_1E10 * scale) >= 0 and exp <= 350:
        scale = scale * _LD_1E10
        exp += 10
    while realvalue.cmp(_LD_TEN * scale) >= 0 and exp <= 350:
        scale = scale * _LD_TEN
        exp += 1
    if exp > 350:
        return None
    realvalue = realvalue / scale
    while realvalue.cmp(_LD_1EM8) < 0:
        realvalue = realvalue * _LD_1E8
        exp -= 8
    while realvalue.cmp(_LD_ONE) < 0:
        realvalue = realvalue * _LD_TEN
        exp -= 1
    return realvalue, exp


class _DigitSource:
    """et_getdigit: pull decimal digits out of a long double, 16 at most.

    Works on the value's integer significand at a fixed binary exponent:
    taking the integer part off is exact, and the multiplication by ten is
    rounded to 64 significant bits as the x87 does.
    """

    __slots__ = ("n", "shift", "count")

    def __init__(self, value: _LongDouble, count: int):
        if value.e >= 0:
            self.n = value.n << value.e
            self.shift = 0
        else:
            self.n = value.n
            self.shift = -value.e
        self.count = count

    def next(self) -> str:
        if self.count <= 0:
            return "0"
        self.count -= 1
        shift = self.shift
        digit = self.n >> shift
        n = (self.n - (digit << shift)) * 10
        length = n.bit_length()
        if length > 64:
            cut = length - 64
            q = n >> cut
            r = n & ((1 << cut) - 1)
            half = 1 << (cut - 1)
            if r > half or (r == half and (q & 1)):
                q += 1
            n = q << cut
        self.n = n
        return chr(48 + digit)


def _fixed_fast(x: float, rounder: float, precision: int, alternate: bool) -> str | None:
    """%f digits computed exactly, when long double rounding cannot matter.

    SQLite adds ``rounder`` to x, scales to [1, 10) and truncates after 16
    significant digits, in long double (relative errors well below 1e-17
    for these magnitudes).  With exact rational arithmetic the same digits
    come out unless the exact sum lies within 1/100 of a unit of the 16th
    digit from a digit boundary (or near a power of ten); then None, and the
    caller runs the emulation.
    """
    num, den = x.as_integer_ratio()
    rnum, rden = rounder.as_integer_ratio()
    # y = num/den + rnum/rden, as a fraction yn/yd
    yn = num * rden + rnum * den
    yd = den * rden
    # decimal exponent of y: 10**exp <= y < 10**(exp+1)
    q = yn // yd
    if q:
        exp = len(str(q)) - 1
    else:
        exp = -1
        while yn * 10 ** (-exp) < yd:
            exp -= 1
    # 16 significant digits, truncated, and where the rest falls
    if 15 - exp >= 0:
        scaled_n = yn * 10 ** (15 - exp)
        scaled_d = yd
    else:
        scaled_n = yn
        scaled_d = yd * 10 ** (exp - 15)
    digits16, rem = divmod(scaled_n, scaled_d)
    if not (scaled_d <= 100 * rem <= 99 * scaled_d):
        return None
    dstr = str(digits16)
    if len(dstr) != 16 or dstr.startswith("99999999999999") or dstr.startswith("1000000000000"):
        return None

    out: list[str] = []
    if exp < 0:
        out.append("0")
        used = 0
    else:
        out.append(dstr[: exp + 1] if exp < 16 else dstr + "0" * (exp + 1 - 16))
        used = exp + 1
    if precision > 0 or alternate:
        out.append(".")
    if exp < 0:
        nz = min(-exp - 1, precision)
        out.append("0" * nz)
        rest = precision - nz
    else:
        rest = precision
    if rest > 0:
        take = max(0, min(rest, 16 - used))
        out.append(dstr[used: used + take])
        if rest > take:
            out.append("0" * (rest - take))
    return "".join(out)


def format_float(
    x: float,
    conversion: str,
    precision: int,
    *,
    alternate: bool = False,
    altform2: bool = False,
    prefix_flag: str = "",
) -> tuple[str, str]:
    """SQLite printf's floating point conversion (%f %e %E %g %G) of 3.40.1.

    Returns ``(prefix, body)``: the sign character ("-", "+", " " or "") and
    the digits, so that the caller can apply width and zero padding.  Inf
    yields ``("", "Inf")``-style bodies with the sign folded in, as SQLite
    does ("-Inf", "+Inf"); NaN yields "NaN".
    """
    if precision < 0:
        precision = 6
    if x != x:
        return "", "NaN"
    if x < 0.0:
        x = -x
        prefix = "-"
    else:
        prefix = prefix_flag
    if conversion in "gG":
        xtype = "g"
    elif conversion in "eE":
        xtype = "e"
    else:
        xtype = "f"
    if xtype == "g" and precision > 0:
        precision -= 1
    rounder = _rounder(precision)
    if math.isinf(x):
        return "", prefix + "Inf"
    realvalue = _LongDouble.from_float(x)
    if xtype == "f":
        bits = struct.unpack("<Q", struct.pack("<d", x))[0]
        ex = -1023 + ((bits >> 52) & 0x7FF)
        # C integer division truncates toward zero.
        ex3 = int(ex / 3)
        if precision + ex3 < 15:
            # rounder is a double: the long double sum is rounded back to double.
            rounder = (
                _LongDouble.from_float(rounder) + realvalue * _LongDouble.from_float(3e-16)
            ).to_float()
        if not altform2 and 1e-300 < x < 1e22 and precision <= 400:
            fast = _fixed_fast(x, rounder, precision, alternate)
            if fast is not None:
                return prefix, fast
        realvalue = realvalue + _LongDouble.from_float(rounder)
    exp = 0
    if realvalue.n != 0:
        norm = _normalize(realvalue)
        if norm is None:
            return "", prefix + "Inf"
        realvalue, exp = norm
    if xtype != "f":
        realvalue = realvalue + _LongDouble.from_float(rounder)
        if realvalue.cmp(_LD_TEN) >= 0:
            realvalue = realvalue * _LD_POINT1
            exp += 1
    if xtype == "g":
        flag_rtz = not alternate
        if exp < -4 or exp > precision:
            xtype = "e"
        else:
            precision = precision - exp
            xtype = "f"
    else:
        flag_rtz = altform2
    e2 = 0 if xtype == "e" else exp
    digits = _DigitSource(realvalue, 16 + (10 if altform2 else 0))
    flag_dp = precision > 0 or alternate or altform2
    out: list[str] = []
    if e2 < 0:
        out.append("0")
    else:
        # At most 16 (26 with "!") real digits; the rest are zeros.
        while e2 >= 0 and digits.count > 0:
            out.append(digits.next())
            e2 -= 1
        if e2 >= 0:
            out.append("0" * (e2 + 1))
            e2 = -1
    if flag_dp:
        out.append(".")
    e2 += 1
    if e2 < 0:
        nz = min(-e2, precision)
        out.append("0" * nz)
        precision -= nz
        e2 += nz
    if precision > 0:
        while precision > 0 and digits.count > 0:
            out.append(digits.next())
            precision -= 1
        if precision > 0:
            out.append("0" * precision)
    body = "".join(out)
    if flag_rtz and flag_dp:
        body = body.rstrip("0")
        if body.endswith("."):
            if altform2:
                body += "0"
            else:
                body = body[:-1]
    if xtype == "e":
        letter = "E" if conversion in "EG" else "e"
        if exp < 0:
            sign = "-"
            exp = -exp
        else:
            sign = "+"
        body += f"{letter}{sign}{exp:02d}"
    return prefix, body


def _real_to_text_fast(x: float) -> str | None:
    """%!.15g when the value is not close to a rounding boundary, else None.

    SQLite's digits are the value rounded half-up at 15 significant digits,
    computed with long double errors below 1e-17 relative (for magnitudes
    under 1e100).  When the
    correctly rounded 18-digit expansion is more than 10 units of its last
    digit away from the half-way point, that rounding is unambiguous and
    equals Python's correctly rounded "%.14e"; otherwise the caller runs
    the exact emulation.
    """
    mag = abs(x)
    if mag >= 1e100:
        return None  # SQLite scales by the inexact double 1e100: errors ~1e-16
    d18 = f"{mag:.17e}"
    tail = int(d18[16:19])
    if -10 <= tail - 500 <= 10:
        return None
    m15, e15 = f"{mag:.14e}".split("e")
    digits = m15[0] + m15[2:]
    if digits == "100000000000000":
        return None  # possibly a carry, renormalized by the inexact 0.1
    exp = int(e15)
    if exp < -4 or exp > 14:
        frac = digits[1:].rstrip("0") or "0"
        body = f"{digits[0]}.{frac}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    elif exp >= 0:
        body = digits[: exp + 1] + "." + (digits[exp + 1:].rstrip("0") or "0")
    else:
        body = "0." + "0" * (-exp - 1) + digits.rstrip("0")
    return "-" + body if x < 0 else body


def real_to_text(x: float) -> str:
    """A REAL rendered as text, as CAST(x AS TEXT) does in SQLite 3.40.1."""
    if x == x and x not in (math.inf, -math.inf):
        fast = _real_to_text_fast(x)
        if fast is not None:
            return fast
    prefix, body = format_float(x, "g", 15, altform2=True)
    return prefix + body


# --------------------------------------------------------------------------
# Storage classes and conversions
# --------------------------------------------------------------------------


def typeof(v: Value) -> str:
    """typeof(): "null", "integer", "real", "text" or "blob"."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "integer"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "real"
    if isinstance(v, str):
        return "text"
    if isinstance(v, bytes | bytearray | memoryview):
        return "blob"
    raise TypeError(f"not an SQLite value: {type(v).__name__}")


def _blob_to_text(b: bytes, encoding: str = "utf-8") -> str:
    if encoding == "utf-8":
        return bytes(b).decode("utf-8", "surrogateescape")
    b = bytes(b)
    if len(b) & 1:
        b = b[:-1]
    s = b.decode(encoding, "surrogatepass")
    if SURROGATE_RE.search(s) is None:
        return s
    return _utf16_as_sqlite_reads(b, encoding)


SURROGATE_RE = re.compile("[\ud800-\udfff]")
"""Finds a surrogate in a str: a UTF-16 half, or a byte that is not UTF-8 kept as a
surrogate escape (where Python's code-point order and length differ from SQLite's)."""


def _utf16_as_sqlite_reads(b: bytes, encoding: str) -> str:
    """UTF-16 with surrogates read the way SQLite's READ_UTF16 macros read it: a
    surrogate unit followed by any unit joins with it by the pair formula (valid or
    not); a surrogate left alone at the end is a code point of its own, which SQLite
    writes as a 3-byte UTF-8 sequence (kept here as surrogate escapes of those bytes,
    so utf8() gives the same bytes sqlite3 hands over)."""
    n = len(b) // 2
    units = struct.unpack(("<" if encoding == "utf-16le" else ">") + "H" * n, b)
    out = []
    i = 0
    while i < n:
        c = units[i]
        i += 1
        if 0xD800 <= c < 0xE000:
            if i < n:
                c2 = units[i]
                i += 1
                c = (c2 & 0x3FF) + ((c & 0x3F) << 10) + (((c & 0x3C0) + 0x40) << 10)
            else:
                out.append(chr(c).encode("utf-8", "surrogatepass")
                           .decode("utf-8", "surrogateescape"))
                continue
        out.append(chr(c))
    return "".join(out)


def _text_to_bytes(s: str, encoding: str = "utf-8") -> bytes:
    if encoding == "utf-8":
        return utf8(s)
    return s.encode(encoding, "surrogatepass")


def to_text(v: Value, encoding: str = "utf-8") -> str | None:
    """CAST(v AS TEXT)."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, float):
        return real_to_text(v)
    return _blob_to_text(v, encoding)


def to_blob(v: Value, encoding: str = "utf-8") -> bytes | None:
    """CAST(v AS BLOB): the text rendering's bytes in the database encoding."""
    if v is None:
        return None
    if isinstance(v, bytes):
        return v
    if isinstance(v, bytearray | memoryview):
        return bytes(v)
    text = v if isinstance(v, str) else to_text(v)
    assert text is not None
    return _text_to_bytes(text, encoding)


def _number_bytes(v: str | bytes, encoding: str = "utf-8") -> bytes:
    """The bytes SQLite's number parsers read: a text's UTF-8; a blob's own
    bytes, or in a UTF-16 database the blob read as UTF-16 text."""
    if isinstance(v, str):
        return utf8(v)
    if encoding != "utf-8":
        return utf8(_blob_to_text(v, encoding))
    return bytes(v)


def to_integer(v: Value, encoding: str = "utf-8") -> int | None:
    """CAST(v AS INTEGER): sqlite3VdbeIntValue.

    Text and blobs: the longest integer prefix (after spaces and a sign),
    saturated to 64 bits; "1e3" gives 1 and "0x10" gives 0.  REAL:
    truncation toward zero, saturating at -2**63 and 2**63-1.
    """
    if v is None:
        return None
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return _real_to_i64(v)
    return _atoi64(_number_bytes(v, encoding))[1]


def to_real(v: Value, encoding: str = "utf-8") -> float | None:
    """CAST(v AS REAL): sqlite3VdbeRealValue (text: longest numeric prefix)."""
    if v is None:
        return None
    if isinstance(v, float):
        return v
    if isinstance(v, int):
        return float(v)
    return _atof(_number_bytes(v, encoding))[1]


def to_numeric(v: Value, encoding: str = "utf-8") -> int | float | None:
    """CAST(v AS NUMERIC): sqlite3VdbeMemNumerify.

    Numbers are unchanged (a REAL stays REAL).  Text/blob: the longest
    numeric prefix, an INTEGER when it is an integer that fits (or a real
    equal to a small integer), else REAL.
    """
    if v is None or isinstance(v, int | float):
        return v
    z = _number_bytes(v, encoding)
    rc, r = _atof(z)
    if rc in (0, 1):
        irc, ix = _atoi64(z)
        if irc <= 1:
            return ix
    ix = _real_to_i64(r)
    if _real_same_as_int(r, ix):
        return ix
    return r


def _to_number_for_math(v: Value) -> int | float:
    """numericType()/computeNumericType: a text or blob operand of arithmetic."""
    if isinstance(v, int | float):
        return v
    z = _number_bytes(v)  # type: ignore[arg-type]
    rc, r = _atof(z)
    if rc <= 0:
        if rc == 0:
            irc, ix = _atoi64(z)
            if irc <= 1:
                return ix
        return r
    if rc == 1:
        irc, ix = _atoi64(z)
        if irc == 0:
            return ix
    return r


def cast(value: Value, type_name: str | None, encoding: str = "utf-8") -> Value:
    """CAST(value AS type_name), the target affinity chosen by affinity_of_type."""
    aff = affinity_of_type(type_name)
    if aff == "BLOB":
        return to_blob(value, encoding)
    if aff == "TEXT":
        return to_text(value, encoding)
    if aff == "INTEGER":
        return to_integer(value, encoding)
    if aff == "REAL":
        return to_real(value, encoding)
    return to_numeric(value, encoding)


# --------------------------------------------------------------------------
# Affinity
# --------------------------------------------------------------------------


def affinity_of_type(declared_type: str | None) -> str:
    """The affinity of a declared column type (datatype3.html section 3.1).

    The rules, in order, on the upper-cased type name: contains "INT" ->
    INTEGER; "CHAR", "CLOB" or "TEXT" -> TEXT; "BLOB" or no type -> BLOB;
    "REAL", "FLOA" or "DOUB" -> REAL; otherwise NUMERIC.
    """
    if declared_type is None:
        return "BLOB"
    t = declared_type.upper()
    if "INT" in t:
        return "INTEGER"
    if "CHAR" in t or "CLOB" in t or "TEXT" in t:
        return "TEXT"
    if "BLOB" in t or t == "":
        return "BLOB"
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return "REAL"
    return "NUMERIC"


def _integer_affinity(r: float) -> int | float:
    """sqlite3VdbeIntegerAffinity: an integral REAL strictly inside the int64
    range becomes INTEGER."""
    ix = _real_to_i64(r)
    if r == float(ix) and SMALLEST_INT64 < ix < LARGEST_INT64:
        return ix
    return r


def _numeric_affinity(s: str | bytes, try_for_int: bool) -> Value:
    """applyNumericAffinity on a text: the number if the text is one, else the text."""
    z = _number_bytes(s)
    rc, r = _atof(z)
    if rc <= 0:
        return s
    if rc == 1:
        ix = _real_to_i64(r)
        if _real_same_as_int(r, ix):
            return ix
        irc, iv = _atoi64(z)
        if irc == 0:
            return iv
    if try_for_int:
        return _integer_affinity(r)
    return r


def apply_affinity(value: Value, affinity: str | None, encoding: str = "utf-8") -> Value:
    """The value as stored in a column of the given affinity (datatype3.html 3).

    NUMERIC/INTEGER: well-formed numeric text becomes INTEGER or REAL (a
    REAL that is integral, and inside the int64 range, becomes INTEGER).
    REAL: as NUMERIC, and then any number is a float (SQLite may store an
    integral REAL as an integer on disk but always reads it back as REAL;
    this function gives the logical value).  TEXT: numbers become their text
    rendering.  BLOB (or None, no affinity): unchanged.  Blobs are never
    converted.
    """
    if affinity is None or value is None or isinstance(value, bytes):
        return value
    if affinity in _NUMERIC_AFFINITIES:
        if isinstance(value, str):
            value = _numeric_affinity(value, True)
        elif isinstance(value, float):
            value = _integer_affinity(value)
        if affinity == "REAL" and isinstance(value, int):
            return float(value)
        return value
    if affinity == "TEXT":
        if isinstance(value, int | float):
            return to_text(value, encoding)
        return value
    if affinity == "BLOB":
        return value
    raise ValueError(f"unknown affinity: {affinity!r}")


# --------------------------------------------------------------------------
# Collations and ordering
# --------------------------------------------------------------------------

_ENCODINGS = ("utf-8", "utf-16le", "utf-16be")


def _norm_encoding(encoding: str) -> str:
    e = encoding.lower().replace("_", "-")
    if e in ("utf8", "utf-8"):
        return "utf-8"
    if e in ("utf-16le", "utf16le"):
        return "utf-16le"
    if e in ("utf-16be", "utf16be"):
        return "utf-16be"
    raise ValueError(f"unknown text encoding: {encoding!r}")


def _cmp(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


def _binary_key_utf8(s: str) -> bytes:
    """The UTF-8 bytes memcmp compares.  Code point order is UTF-8 byte order only
    for well-formed text: text holding bytes that are not UTF-8 (kept as surrogate
    escapes, e.g. lower() of such a BLOB) orders by those bytes (0x88 < 0xE6...)."""
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return s.encode("utf-8", "surrogatepass")


def _binary_utf8(a: str, b: str) -> int:
    if a.isascii() and b.isascii():
        return _cmp(a, b)
    return _cmp(_binary_key_utf8(a), _binary_key_utf8(b))


def _make_binary_utf16(codec: str) -> tuple[Callable[[str, str], int], Callable[[str], Any]]:
    def key(s: str) -> bytes:
        return s.encode(codec, "surrogatepass")

    def collate(a: str, b: str) -> int:
        return _cmp(key(a), key(b))

    return collate, key


def _nocase_key(s: str) -> tuple[bytes, int]:
    """Key of the NOCASE collation: UTF-8 bytes with ASCII A-Z folded.

    SQLite compares with sqlite3StrNICmp over min(len) bytes, which stops
    at a NUL byte in the left operand, then by length; the key (folded
    bytes up to and including the first NUL, total length) orders the same.
    """
    z = utf8(s).lower()
    nul = z.find(b"\x00")
    if nul >= 0:
        return z[: nul + 1], len(z)
    return z, len(z)


def _nocase(a: str, b: str) -> int:
    return _cmp(_nocase_key(a), _nocase_key(b))


def _rtrim_key(s: str) -> bytes:
    return _binary_key_utf8(s.rstrip(" "))


def _rtrim(a: str, b: str) -> int:
    return _binary_utf8(a.rstrip(" "), b.rstrip(" "))


_BINARY16LE = _make_binary_utf16("utf-16-le")
_BINARY16BE = _make_binary_utf16("utf-16-be")

# name -> encoding -> (compare, key)
_COLLATION_TABLE: dict[str, dict[str, tuple[Callable[[str, str], int], Callable[[str], Any]]]] = {
    "BINARY": {
        "utf-8": (_binary_utf8, _binary_key_utf8),
        "utf-16le": _BINARY16LE,
        "utf-16be": _BINARY16BE,
    },
    # NOCASE and RTRIM exist in SQLite only for UTF-8: in a UTF-16 database
    # the text is converted to UTF-8 before they compare.
    "NOCASE": {e: (_nocase, _nocase_key) for e in _ENCODINGS},
    "RTRIM": {e: (_rtrim, _rtrim_key) for e in _ENCODINGS},
}

COLLATIONS: dict[str, Callable[[str, str], int]] = {
    name: table["utf-8"][0] for name, table in _COLLATION_TABLE.items()
}
"""The built-in collations for a UTF-8 database, by upper-case name."""


def _collation_entry(
    name: str, encoding: str
) -> tuple[Callable[[str, str], int], Callable[[str], Any]]:
    table = _COLLATION_TABLE.get(name.upper())
    if table is None:
        raise OperationalError(f"no such collation sequence: {name}")
    return table[_norm_encoding(encoding)]


def collation_for(name: str, encoding: str = "utf-8") -> Callable[[str, str], int]:
    """The comparison function of a collation (case-insensitive name) in a
    database of the given text encoding.

    BINARY compares the encoded bytes with memcmp: in UTF-16le that is not
    code point order (U+0100 sorts before "A"), in UTF-16be characters above
    U+FFFF sort before U+E000..U+FFFF.  Unknown names raise
    OperationalError("no such collation sequence: NAME").
    """
    return _collation_entry(name, encoding)[0]


def _class_rank(v: Value) -> int:
    if v is None:
        return 0
    if isinstance(v, int | float):
        return 1
    if isinstance(v, str):
        return 2
    return 3


def compare(a: Value, b: Value, collation: str = "BINARY", encoding: str = "utf-8") -> int:
    """-1, 0 or 1: SQLite's order of values (sqlite3MemCompare).

    NULL < INTEGER and REAL (compared numerically and exactly) < TEXT (by
    the collation) < BLOB (memcmp, then length).  NULLs are equal to each
    other here (ORDER BY, index keys, DISTINCT).
    """
    ra = _class_rank(a)
    rb = _class_rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 0:
        return 0
    if ra == 2:
        fn = _collation_entry(collation, encoding)[0]
        r = fn(a, b)  # type: ignore[arg-type]
        return (r > 0) - (r < 0)
    if ra == 3:
        return _cmp(bytes(a), bytes(b))  # type: ignore[arg-type]
    # Python compares int and float exactly (2**63-1 < 9.223372036854775808e18).
    return _cmp(a, b)


def sort_key(value: Value, collation: str = "BINARY", encoding: str = "utf-8") -> tuple:
    """A key for sorted() that orders exactly as :func:`compare` does."""
    if value is None:
        return (0,)
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, _collation_entry(collation, encoding)[1](value))
    return (3, bytes(value))


# --------------------------------------------------------------------------
# Comparison operators with affinity (datatype3.html 4.2)
# --------------------------------------------------------------------------


def comparison_affinity(aff_a: str | None, aff_b: str | None) -> str | None:
    """The affinity applied to both operands of a comparison (sqlite3CompareAffinity).

    ``None`` is "no affinity" (an expression that is not a column
    reference); "BLOB" is a column of BLOB affinity, which is different.
    Both columns: NUMERIC if either is numeric, else none.  One column:
    its affinity.  Neither: none.
    """
    if aff_a is not None and aff_b is not None:
        if aff_a in _NUMERIC_AFFINITIES or aff_b in _NUMERIC_AFFINITIES:
            return "NUMERIC"
        return None
    aff = aff_a if aff_a is not None else aff_b
    if aff == "BLOB":
        return None
    return aff


def _prepare_for_compare(v: Value, aff: str | None, encoding: str) -> Value:
    if aff in _NUMERIC_AFFINITIES:
        if isinstance(v, str):
            return _numeric_affinity(v, False)
        return v
    if aff == "TEXT" and isinstance(v, int | float):
        return to_text(v, encoding)
    return v


def compare_with_affinity(
    a: Value,
    b: Value,
    aff_a: str | None = None,
    aff_b: str | None = None,
    collation: str = "BINARY",
    encoding: str = "utf-8",
) -> int | None:
    """Compare two operands of a comparison operator: -1/0/1, or None when
    either is NULL (the SQL result is then NULL).  Affinity is applied first
    as datatype3.html section 4.2 says (see :func:`comparison_affinity`)."""
    if a is None or b is None:
        return None
    aff = comparison_affinity(aff_a, aff_b)
    a = _prepare_for_compare(a, aff, encoding)
    b = _prepare_for_compare(b, aff, encoding)
    return compare(a, b, collation, encoding)


_OPS: dict[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0,
    "==": lambda c: c == 0,
    "!=": lambda c: c != 0,
    "<>": lambda c: c != 0,
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}


def compare_op(
    op: str,
    a: Value,
    b: Value,
    aff_a: str | None = None,
    aff_b: str | None = None,
    collation: str = "BINARY",
    encoding: str = "utf-8",
) -> int | None:
    """The SQL value of ``a op b`` for op in = == != <> < <= > >= IS, IS NOT:
    1, 0, or None (NULL)."""
    opu = op.upper()
    if opu in ("IS", "IS NOT"):
        if a is None or b is None:
            same = a is None and b is None
        else:
            same = compare_with_affinity(a, b, aff_a, aff_b, collation, encoding) == 0
        return int(same if opu == "IS" else not same)
    c = compare_with_affinity(a, b, aff_a, aff_b, collation, encoding)
    if c is None:
        return None
    return int(_OPS[op](c))


def is_distinct(a: Value, b: Value, collation: str = "BINARY", encoding: str = "utf-8") -> bool:
    """True when two values are distinct for DISTINCT/GROUP BY (NULLs equal)."""
    return compare(a, b, collation, encoding) != 0


def truth(v: Value) -> bool | None:
    """SQLite's boolean value of v (sqlite3VdbeBooleanValue): None for NULL;
    integers are true when non-zero; anything else is converted to REAL
    (text by its numeric prefix: '0.5x' is true, 'abc' false)."""
    if v is None:
        return None
    if isinstance(v, int):
        return v != 0
    if isinstance(v, float):
        return v != 0.0
    return to_real(v) != 0.0


# --------------------------------------------------------------------------
# Arithmetic (vdbe.c OP_Add .. OP_Remainder)
# --------------------------------------------------------------------------


def _real_result(r: float) -> float | None:
    return None if r != r else r


def _arith(op: str, a: Value, b: Value) -> Value:
    if a is None or b is None:
        return None
    x = _to_number_for_math(a)
    y = _to_number_for_math(b)
    if isinstance(x, int) and isinstance(y, int):
        if op == "+":
            r = x + y
        elif op == "-":
            r = x - y
        elif op == "*":
            r = x * y
        elif op == "/":
            if y == 0:
                return None
            if y == -1 and x == SMALLEST_INT64:
                return _real_result(float(x) / float(y))
            q = abs(x) // abs(y)
            return q if (x < 0) == (y < 0) else -q
        else:
            if y == 0:
                return None
            if y == -1:
                y = 1
            r = abs(x) % abs(y)
            return -r if x < 0 else r
        if SMALLEST_INT64 <= r <= LARGEST_INT64:
            return r
        # Integer overflow: redo in floating point.
    # The floating point path re-reads the operands (sqlite3VdbeRealValue):
    # a text operand is converted again, by its numeric prefix.
    fx = to_real(a)
    fy = to_real(b)
    assert fx is not None and fy is not None
    if op == "+":
        return _real_result(fx + fy)
    if op == "-":
        return _real_result(fx - fy)
    if op == "*":
        return _real_result(fx * fy)
    if op == "/":
        if fy == 0.0:
            return None
        return _real_result(fx / fy)
    ia = to_integer(a)
    ib = to_integer(b)
    assert ia is not None and ib is not None
    if ib == 0:
        return None
    if ib == -1:
        ib = 1
    r = abs(ia) % abs(ib)
    return float(-r if ia < 0 else r)


def add(a: Value, b: Value) -> Value:
    """a + b: INTEGER unless an operand is REAL (text operands are converted
    numerically, by prefix: '3abc' is 3) or the INTEGER sum overflows."""
    return _arith("+", a, b)


def sub(a: Value, b: Value) -> Value:
    """a - b (see :func:`add`)."""
    return _arith("-", a, b)


def mul(a: Value, b: Value) -> Value:
    """a * b (see :func:`add`)."""
    return _arith("*", a, b)


def div(a: Value, b: Value) -> Value:
    """a / b: NULL when b is zero; INTEGER division truncates toward zero."""
    return _arith("/", a, b)


def mod(a: Value, b: Value) -> Value:
    """a % b: NULL when b is zero; REAL operands are truncated to INTEGER and
    the result is then REAL; the sign follows a."""
    return _arith("%", a, b)


def negate(a: Value) -> Value:
    """-a, which SQLite evaluates as 0 - a (so -'abc' is 0, -0.0 is 0.0 and
    -(-9223372036854775808) is the REAL 9.223372036854776e+18)."""
    return _arith("-", 0, a)


def _to_i64(v: Value) -> int:
    r = to_integer(v)
    assert r is not None
    return r


def _wrap64(u: int) -> int:
    u &= _U64
    return u - (1 << 64) if u >> 63 else u


def bitand(a: Value, b: Value) -> int | None:
    """a & b over the 64-bit integer values (sqlite3VdbeIntValue) of a and b."""
    if a is None or b is None:
        return None
    return _to_i64(a) & _to_i64(b)


def bitor(a: Value, b: Value) -> int | None:
    """a | b."""
    if a is None or b is None:
        return None
    return _to_i64(a) | _to_i64(b)


def _shift(a: Value, b: Value, left: bool) -> int | None:
    if a is None or b is None:
        return None
    ia = _to_i64(a)
    ib = _to_i64(b)
    if ib == 0:
        return ia
    if ib < 0:
        left = not left
        ib = -ib if ib > -64 else 64
    if ib >= 64:
        return 0 if (ia >= 0 or left) else -1
    if left:
        return _wrap64(ia << ib)
    return ia >> ib  # Python's >> on negative ints sign-extends like SQLite


def lshift(a: Value, b: Value) -> int | None:
    """a << b: a negative b shifts right; |b| >= 64 gives 0 (or -1 for a
    right shift of a negative a)."""
    return _shift(a, b, True)


def rshift(a: Value, b: Value) -> int | None:
    """a >> b (arithmetic, sign-extending)."""
    return _shift(a, b, False)


def bitnot(a: Value) -> int | None:
    """~a."""
    if a is None:
        return None
    return ~_to_i64(a)


def concat(a: Value, b: Value, encoding: str = "utf-8") -> str | None:
    """a || b: NULL if either is NULL, otherwise the two texts joined."""
    if a is None or b is None:
        return None
    ta = to_text(a, encoding)
    tb = to_text(b, encoding)
    assert ta is not None and tb is not None
    if len(ta) + len(tb) > LIMIT_LENGTH // 4:  # cheap bound first: <= 4 bytes a character
        if len(_text_to_bytes(ta, encoding)) + len(_text_to_bytes(tb, encoding)) > LIMIT_LENGTH:
            raise DataError("string or blob too big")
    if (encoding == "utf-8" and ta and tb
            and "\udc80" <= ta[-1] <= "\udcff" and "\udc80" <= tb[0] <= "\udcff"):
        # SQLite joins bytes: two fragments of one UTF-8 sequence (kept as
        # surrogate escapes) may form a valid character once joined
        joined = ta.encode("utf-8", "surrogateescape") + tb.encode("utf-8", "surrogateescape")
        return joined.decode("utf-8", "surrogateescape")
    return ta + tb


# --------------------------------------------------------------------------
# LIKE and GLOB (func.c patternCompare)
# --------------------------------------------------------------------------

LIMIT_LENGTH = 1_000_000_000
"""SQLITE_LIMIT_LENGTH: the largest string or blob, in bytes.  A module
setting (sqlite3's Connection.setlimit changes it per connection); results
longer than this raise DataError("string or blob too big") -- or, for
printf(), give NULL -- before anything that large is built."""

LIKE_PATTERN_LIMIT = 50000
"""SQLITE_LIMIT_LIKE_PATTERN_LENGTH default: longer patterns (in bytes) raise."""

# Token kinds of a compiled pattern.
_T_LIT, _T_ANY, _T_SET, _T_STAR, _T_FAIL = range(5)


def _ascii_lower(c: str) -> str:
    return chr(ord(c) + 32) if "A" <= c <= "Z" else c


def _compile_like(pattern: str, escape: str | None, nocase: bool) -> list:
    match_all = "%"
    match_one = "_"
    if escape == "%":
        match_all = ""
    if escape == "_":
        match_one = ""
    tokens: list = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if match_all and c == match_all:
            tokens.append((_T_STAR,))
        elif escape is not None and c == escape:
            if i >= n:
                tokens.append((_T_FAIL,))
                break
            c = pattern[i]
            i += 1
            tokens.append((_T_LIT, _ascii_lower(c) if nocase else c))
        elif match_one and c == match_one:
            tokens.append((_T_ANY,))
        else:
            tokens.append((_T_LIT, _ascii_lower(c) if nocase else c))
    return tokens


def _compile_glob(pattern: str) -> list:
    tokens: list = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            tokens.append((_T_STAR,))
        elif c == "?":
            tokens.append((_T_ANY,))
        elif c == "[":
            invert = False
            chars: set[str] = set()
            ranges: list[tuple[str, str]] = []
            if i < n and pattern[i] == "^":
                invert = True
                i += 1
            if i < n and pattern[i] == "]":
                chars.add("]")
                i += 1
            prior = ""
            closed = False
            while i < n:
                c2 = pattern[i]
                i += 1
                if c2 == "]":
                    closed = True
                    break
                if c2 == "-" and i < n and pattern[i] != "]" and prior:
                    hi = pattern[i]
                    i += 1
                    ranges.append((prior, hi))
                    prior = ""
                else:
                    chars.add(c2)
                    prior = c2
            if not closed:
                tokens.append((_T_FAIL,))
                break
            tokens.append((_T_SET, frozenset(chars), tuple(ranges), invert))
        else:
            tokens.append((_T_LIT, c))
    return tokens


def _token_matches(tok: tuple, ch: str, nocase: bool) -> bool:
    kind = tok[0]
    if kind == _T_ANY:
        return True
    if kind == _T_LIT:
        if nocase:
            return _ascii_lower(ch) == tok[1]
        return ch == tok[1]
    if kind == _T_SET:
        seen = ch in tok[1] or any(lo <= ch <= hi for lo, hi in tok[2])
        return seen != tok[3]
    return False


def _match_tokens(tokens: list, text: str, nocase: bool) -> bool:
    if any(t[0] == _T_FAIL for t in tokens):
        return False
    # Iterative wildcard matching: every token but STAR consumes exactly one
    # character, so backtracking to the most recent STAR suffices.
    ti = 0
    si = 0
    nt = len(tokens)
    ns = len(text)
    star_t = -1
    star_s = 0
    while si < ns:
        if ti < nt and tokens[ti][0] == _T_STAR:
            star_t = ti
            ti += 1
            star_s = si
            continue
        if ti < nt and _token_matches(tokens[ti], text[si], nocase):
            ti += 1
            si += 1
            continue
        if star_t >= 0:
            star_s += 1
            si = star_s
            ti = star_t + 1
            continue
        return False
    while ti < nt and tokens[ti][0] == _T_STAR:
        ti += 1
    return ti == nt


def _nul_terminated(s: str) -> str:
    # sqlite3_value_text() is NUL-terminated: LIKE/GLOB see text up to a NUL.
    k = s.find("\x00")
    return s if k < 0 else s[:k]


_UTF8_TRANS1 = (list(range(32)) + list(range(16)) + list(range(8)) + [0, 1, 2, 3, 0, 1, 0, 0])


def utf8_read_all(z: bytes) -> list[int]:
    """The characters sqlite3Utf8Read yields from UTF-8 bytes, one by one.

    Malformed sequences decode as SQLite decodes them: a lead byte takes all
    following continuation bytes; overlong forms, surrogates and U+FFFE /
    U+FFFF become U+FFFD; a stray continuation byte is its own value.
    """
    out: list[int] = []
    i = 0
    n = len(z)
    while i < n:
        c = z[i]
        i += 1
        if c >= 0xC0:
            c = _UTF8_TRANS1[c - 0xC0]
            while i < n and (z[i] & 0xC0) == 0x80:
                c = (c << 6) + (z[i] & 0x3F)
                i += 1
            if c < 0x80 or (c & 0xFFFFF800) == 0xD800 or (c & 0xFFFFFFFE) == 0xFFFE:
                c = 0xFFFD
        out.append(c)
    return out


def sqlite_chars(s: str) -> str:
    """``s`` as the characters SQLite's UTF-8 reader sees (see utf8_read_all)."""
    if "\ufffe" not in s and "\uffff" not in s:
        try:
            s.encode("utf-8")
            return s
        except UnicodeEncodeError:
            pass
    return "".join(chr(c) if c <= 0x10FFFF else "\ufffd"
                   for c in utf8_read_all(utf8(s)))


def like(
    pattern: Value,
    text: Value,
    escape: Value = None,
    *,
    case_sensitive: bool = False,
    has_escape: bool | None = None,
    encoding: str = "utf-8",
) -> int | None:
    """``text LIKE pattern [ESCAPE escape]`` (the like() function with the
    pattern first): 1, 0, or None when an operand (or the escape) is NULL.

    Case folding is ASCII only.  ``has_escape`` says that an ESCAPE clause
    (third argument) is present even if its value is NULL; by default an
    escape of None means no ESCAPE clause.  The stdlib sqlite3 is built with
    SQLITE_LIKE_DOESNT_MATCH_BLOBS: a BLOB pattern or text gives 0 (even
    with a NULL operand).
    """
    if isinstance(pattern, bytes) or isinstance(text, bytes):
        return 0
    if has_escape is None:
        has_escape = escape is not None
    esc: str | None = None
    if has_escape:
        if escape is None:
            return None
        etext = to_text(escape, encoding)
        assert etext is not None
        etext = sqlite_chars(_nul_terminated(etext))
        if len(etext) != 1:
            raise OperationalError("ESCAPE expression must be a single character")
        esc = etext
    if pattern is None or text is None:
        return None
    ptext = to_text(pattern, encoding)
    assert ptext is not None
    if len(_text_to_bytes(ptext, encoding)) > LIKE_PATTERN_LIMIT:
        raise OperationalError("LIKE or GLOB pattern too complex")
    stext = to_text(text, encoding)
    assert stext is not None
    nocase = not case_sensitive
    tokens = _compile_like(sqlite_chars(_nul_terminated(ptext)), esc, nocase)
    return int(_match_tokens(tokens, sqlite_chars(_nul_terminated(stext)), nocase))


def glob(pattern: Value, text: Value, encoding: str = "utf-8") -> int | None:
    """``text GLOB pattern`` (glob() with the pattern first): 1, 0 or None.

    ``*`` any sequence, ``?`` one character, ``[...]`` a set with ranges
    ``a-z`` and inversion ``[^...]`` (a ``]`` first in the set is literal);
    case-sensitive; no escape character.  BLOB operands give 0 (see like).
    """
    if isinstance(pattern, bytes) or isinstance(text, bytes):
        return 0
    if pattern is None or text is None:
        return None
    ptext = to_text(pattern, encoding)
    assert ptext is not None
    if len(_text_to_bytes(ptext, encoding)) > LIKE_PATTERN_LIMIT:
        raise OperationalError("LIKE or GLOB pattern too complex")
    stext = to_text(text, encoding)
    assert stext is not None
    tokens = _compile_glob(sqlite_chars(_nul_terminated(ptext)))
    return int(_match_tokens(tokens, sqlite_chars(_nul_terminated(stext)), False))
