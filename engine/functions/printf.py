"""printf(FORMAT, ...) and format(FORMAT, ...) as SQLite 3.40.1 renders them.

This is SQLite's own printf (printf.c, sqlite3_str_vappendf with
SQLITE_PRINTF_SQLFUNC), not C's or Python's:

* Conversions: %d %i %u %x %X %o %p %r (ordinal: 1st, 2nd) %c %s %z %q %Q %w
  %f %e %E %g %G %% and %n (consumes nothing, prints nothing).  Any other
  conversion character ends the output there (what was produced so far is
  the result).
* Flags: ``-`` ``+`` space ``#`` ``0`` ``,`` (thousands separator for %d %i %u)
  and ``!`` (alternate form 2: %s %q %Q %w %c count characters instead of
  bytes; %g keeps trailing zeros as "X.0"; floats get up to 26 significant
  digits instead of 16).  ``l`` and ``ll`` are accepted and ignored.
* Width and precision may be ``*`` (taken from the next argument, as a 32-bit
  int; a negative width left-justifies, a negative precision is made
  positive).  Numbers in the format wrap at 2**31.
* Arguments are converted as SQLite does: integers with
  sqlite3_value_int64 (text by numeric prefix, REAL truncated), reals with
  sqlite3_value_double, strings with sqlite3_value_text (NULL is a null
  pointer: "" for %s, NULL for %Q, "(NULL)" for %q and %w); missing
  arguments are 0, 0.0 or NULL.
* Floating point digits come from SQLite's long double algorithm (see
  engine.values.format_float), precision is capped at 100000000.
* The result is limited to SQLITE_LIMIT_LENGTH (engine.values.LIMIT_LENGTH): any
  longer output makes the result NULL, checked before anything large is
  built, so a huge width cannot blow up memory beyond that limit.  An empty
  format, or one that stops at an invalid conversion before producing
  anything, gives NULL (SQLite's accumulator was never allocated).
"""

from __future__ import annotations

from .. import values as V

_BUFSIZE = 70  # SQLITE_PRINT_BUF_SIZE
_FP_PRECISION_LIMIT = 100_000_000

# conversion -> (base, signed, kind, uppercase digits, alternate prefix)
_CONVERSIONS = {
    "d": (10, True, "decimal", True, ""),
    "i": (10, True, "decimal", True, ""),
    "u": (10, False, "decimal", True, ""),
    "x": (16, False, "radix", False, "0x"),
    "X": (16, False, "radix", True, "0X"),
    "o": (8, False, "radix", True, "0"),
    "p": (16, False, "pointer", True, "0x"),
    "r": (10, True, "ordinal", True, ""),
}


class _TooBig(Exception):
    pass


class _Out:
    """sqlite3_str with a size limit (mxAlloc)."""

    __slots__ = ("parts", "n", "touched")

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.n = 0
        self.touched = False  # any append, even of nothing, allocates the buffer

    def append(self, b: bytes) -> None:
        self.touched = True
        if not b:
            return
        if self.n + len(b) + 1 > V.LIMIT_LENGTH:
            raise _TooBig
        self.parts.append(b)
        self.n += len(b)

    def pad(self, count: int, ch: bytes = b" ") -> None:
        if count <= 0:
            return
        if self.n + count + 1 > V.LIMIT_LENGTH:
            raise _TooBig
        self.parts.append(ch * count)
        self.n += count


class _Args:
    def __init__(self, args: tuple[V.Value, ...]):
        self.args = args
        self.used = 0

    def _next(self) -> tuple[bool, V.Value]:
        if self.used >= len(self.args):
            return False, None
        v = self.args[self.used]
        self.used += 1
        return True, v

    def int64(self) -> int:
        ok, v = self._next()
        if not ok or v is None:
            return 0
        r = V.to_integer(v)
        return 0 if r is None else r

    def int32(self) -> int:
        x = self.int64() & 0xFFFFFFFF
        return x - (1 << 32) if x >> 31 else x

    def double(self) -> float:
        ok, v = self._next()
        if not ok or v is None:
            return 0.0
        r = V.to_real(v)
        return 0.0 if r is None else r

    def text(self) -> bytes | None:
        ok, v = self._next()
        if not ok or v is None:
            return None
        if isinstance(v, bytes):
            b = v
        else:
            t = V.to_text(v)
            assert t is not None
            b = t.encode("utf-8", "surrogateescape")
        k = b.find(b"\x00")
        return b if k < 0 else b[:k]


def _skip_utf8(z: bytes, i: int) -> int:
    c = z[i]
    i += 1
    if c >= 0xC0:
        while i < len(z) and (z[i] & 0xC0) == 0x80:
            i += 1
    return i


def _utf8_extra(b: bytes) -> int:
    """Number of UTF-8 continuation bytes (the "!" width adjustment)."""
    return sum(1 for x in b if (x & 0xC0) == 0x80)


def sqlite_printf(fmt: V.Value = None, *args: V.Value) -> str | None:
    """printf(FORMAT, ...): NULL when FORMAT is NULL or absent, and when the
    output is empty (SQLite's string accumulator never allocated)."""
    if fmt is None:
        return None
    if isinstance(fmt, bytes):
        fbytes = fmt
    else:
        ft = V.to_text(fmt)
        assert ft is not None
        fbytes = ft.encode("utf-8", "surrogateescape")
    k = fbytes.find(b"\x00")
    if k >= 0:
        fbytes = fbytes[:k]
    out = _Out()
    try:
        _format(fbytes, _Args(args), out)
    except _TooBig:
        return None
    if not out.touched:
        return None
    return b"".join(out.parts).decode("utf-8", "surrogateescape")


def _format(f: bytes, args: _Args, out: _Out) -> None:  # noqa: C901 - one state machine
    n = len(f)
    i = 0

    def at(j: int) -> int:
        return f[j] if j < n else 0

    while i < n:
        if f[i] != 0x25:  # '%'
            j = f.find(b"%", i)
            if j < 0:
                j = n
            out.append(f[i:j])
            i = j
            if i >= n:
                break
        # f[i] == '%'
        i += 1
        c = at(i)
        if c == 0:
            out.append(b"%")
            break
        left = False
        prefix_flag = b""
        alternate = False
        altform2 = False
        zeropad = False
        thousand = False
        width = 0
        precision = -1
        done = False
        while True:
            ch = chr(c)
            if ch == "-":
                left = True
            elif ch == "+":
                prefix_flag = b"+"
            elif ch == " ":
                prefix_flag = b" "
            elif ch == "#":
                alternate = True
            elif ch == "!":
                altform2 = True
            elif ch == "0":
                zeropad = True
            elif ch == ",":
                thousand = True
            elif ch == "l":
                i += 1
                c = at(i)
                if c == 0x6C:
                    i += 1
                    c = at(i)
                done = True
            elif "1" <= ch <= "9":
                wx = c - 48
                i += 1
                c = at(i)
                while 48 <= c <= 57:
                    wx = (wx * 10 + c - 48) & 0xFFFFFFFF
                    i += 1
                    c = at(i)
                width = wx & 0x7FFFFFFF
                if c != 0x2E and c != 0x6C:  # '.' 'l'
                    done = True
                else:
                    i -= 1
            elif ch == "*":
                width = args.int32()
                if width < 0:
                    left = True
                    width = -width if width >= -2147483647 else 0
                c = at(i + 1)
                if c != 0x2E and c != 0x6C:
                    i += 1
                    c = at(i)
                    done = True
            elif ch == ".":
                i += 1
                c = at(i)
                if c == 0x2A:  # '*'
                    precision = args.int32()
                    if precision < 0:
                        precision = -precision if precision >= -2147483647 else -1
                    i += 1
                    c = at(i)
                else:
                    px = 0
                    while 48 <= c <= 57:
                        px = (px * 10 + c - 48) & 0xFFFFFFFF
                        i += 1
                        c = at(i)
                    precision = px & 0x7FFFFFFF
                if c == 0x6C:
                    i -= 1
                else:
                    done = True
            else:
                done = True
            if done:
                break
            i += 1
            c = at(i)
            if c == 0:
                break
        conv = chr(c) if c else ""
        # i points at the conversion character; the loop resumes after it.
        i += 1
        if conv in _CONVERSIONS:
            body, width = _integer(conv, args, width, precision, zeropad, alternate, thousand,
                                   prefix_flag)
            _emit(out, body, width, left)
        elif conv in ("f", "e", "E", "g", "G"):
            value = args.double()
            if precision > _FP_PRECISION_LIMIT:
                precision = _FP_PRECISION_LIMIT
            body = _float(conv, value, width, precision, alternate, altform2, zeropad, left,
                          prefix_flag)
            _emit(out, body, width, left)
        elif conv == "n":
            _emit(out, b"", 0, left)
        elif conv == "%":
            _emit(out, b"%", width, left)
        elif conv == "c":
            t = args.text()
            if t is None:
                buf = b"\x00"
            else:
                if not t:
                    buf = b"\x00"
                else:
                    end = 1
                    if (t[0] & 0xC0) == 0xC0:
                        while end < 4 and end < len(t) and (t[end] & 0xC0) == 0x80:
                            end += 1
                    buf = t[:end]
            if precision > 1:
                width -= precision - 1
                if width > 1 and not left:
                    out.pad(width - 1)
                    width = 0
                if len(buf) * (precision - 1) + out.n + 1 > V.LIMIT_LENGTH:
                    raise _TooBig
                out.append(buf * (precision - 1))
            if width > 0:
                width += _utf8_extra(buf)
            _emit(out, buf, width, left)
        elif conv in ("s", "z"):
            t = args.text()
            if t is None:
                t = b""
            if precision >= 0:
                if altform2:
                    j = 0
                    p = precision
                    while p > 0 and j < len(t):
                        j = _skip_utf8(t, j)
                        p -= 1
                    t = t[:j]
                else:
                    t = t[:precision]
            if altform2 and width > 0:
                width += _utf8_extra(t)
            _emit(out, t, width, left)
        elif conv in ("q", "Q", "w"):
            t = args.text()
            quote = b'"' if conv == "w" else b"'"
            isnull = t is None
            if t is None:
                t = b"NULL" if conv == "Q" else b"(NULL)"
            k = precision
            j = 0
            while k != 0 and j < len(t):
                if altform2 and (t[j] & 0xC0) == 0xC0:
                    j += 1
                    while j < len(t) and (t[j] & 0xC0) == 0x80:
                        j += 1
                else:
                    j += 1
                k -= 1
            piece = t[:j]
            if 2 * len(piece) + 3 > V.LIMIT_LENGTH:
                raise _TooBig
            body = piece.replace(quote, quote + quote)
            if not isnull and conv == "Q":
                body = quote + body + quote
            if altform2 and width > 0:
                width += _utf8_extra(body)
            _emit(out, body, width, left)
        else:
            # Unknown conversion (or %T/%S, internal only): stop here.
            return


def _emit(out: _Out, body: bytes, width: int, left: bool) -> None:
    width -= len(body)
    if width > 0:
        if not left:
            out.pad(width)
        out.append(body)
        if left:
            out.pad(width)
    else:
        out.append(body)


def _integer(conv: str, args: _Args, width: int, precision: int, zeropad: bool,
             alternate: bool, thousand: bool, prefix_flag: bytes) -> tuple[bytes, int]:
    base, signed, kind, upper, alt_prefix = _CONVERSIONS[conv]
    if kind != "decimal":
        thousand = False
    if signed:
        v = args.int64()
        if v < 0:
            longvalue = -v
            prefix = b"-"
        else:
            longvalue = v
            prefix = prefix_flag
    else:
        longvalue = args.int64() & 0xFFFFFFFFFFFFFFFF
        prefix = b""
    if longvalue == 0:
        alternate = False
    if zeropad and precision < width - (1 if prefix else 0):
        precision = width - (1 if prefix else 0)
    if precision >= _BUFSIZE - 10 - _BUFSIZE // 3:
        need = precision + 10 + (precision // 3 if thousand else 0)
        if need > V.LIMIT_LENGTH:
            raise _TooBig
    if base == 10:
        digits = str(longvalue)
    elif base == 16:
        digits = format(longvalue, "X" if upper else "x")
    else:
        digits = format(longvalue, "o")
    suffix = ""
    if kind == "ordinal":
        x = longvalue % 10
        if x >= 4 or (longvalue // 10) % 10 == 1:
            x = 0
        suffix = "thstndrd"[x * 2: x * 2 + 2]
    # The ordinal suffix counts toward the precision (zero padding).
    if precision > len(digits) + len(suffix):
        digits = "0" * (precision - len(digits) - len(suffix)) + digits
    if thousand:
        length = len(digits)
        head = (length - 1) % 3 + 1
        groups = [digits[:head]] + [digits[k:k + 3] for k in range(head, length, 3)]
        digits = ",".join(groups)
    body = digits + suffix
    if prefix:
        body = prefix.decode() + body
    if alternate and alt_prefix:
        body = alt_prefix + body
    return body.encode(), width


def _float(conv: str, value: float, width: int, precision: int, alternate: bool,
           altform2: bool, zeropad: bool, left: bool, prefix_flag: bytes) -> bytes:
    # Size check of printf.c's temporary buffer (SQLITE_TOOBIG -> NULL result).
    p = 6 if precision < 0 else precision
    if p + width + 15 > V.LIMIT_LENGTH:
        raise _TooBig
    if conv in "fF" and value == value:
        mag = abs(value)
        if mag >= 1e10 and mag != float("inf"):
            e2 = len(str(int(mag))) - 1
            if e2 + p + width + 15 > V.LIMIT_LENGTH:
                raise _TooBig
    sign, body = V.format_float(value, conv, precision, alternate=alternate,
                                altform2=altform2, prefix_flag=prefix_flag.decode())
    text = sign + body
    special = body.endswith("Inf") or body == "NaN"
    if zeropad and not left and len(text) < width and not special:
        text = sign + "0" * (width - len(text)) + body
    return text.encode()
