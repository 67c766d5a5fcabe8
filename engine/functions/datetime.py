"""SQLite's date and time functions (lang_datefunc.html) as SQLite 3.40.1
computes them (date.c): date(), time(), datetime(), julianday(),
unixepoch(), strftime() and current_date/current_time/current_timestamp.

Time values: "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS",
"YYYY-MM-DD HH:MM:SS.SSS" (any number of fraction digits; a "T" or spaces
between date and time), "HH:MM[:SS[.SSS]]" (on 2000-01-01), an optional
timezone suffix "[+-]HH:MM" or "Z", a leading "-" for years before 0, "now",
and numbers (a Julian day number, or seconds with the 'unixepoch' and
'auto' modifiers).  Invalid input gives NULL.

Modifiers: "NNN days|hours|minutes|seconds|months|years" (singular too,
NNN may be fractional and signed), "[+-]HH:MM[:SS[.SSS]]", "start of
month|year|day", "weekday N", "unixepoch", "julianday", "auto",
"localtime", "utc".  ("subsec" and the extra strftime conversions are later
than 3.40 and give NULL here, as in 3.40.)

strftime conversions: %d %f %H %j %J %m %M %s %S %w %W %Y %%; any other
makes the result NULL.

Internally a time is SQLite's DateTime: milliseconds since the Julian day
epoch (iJD) and/or broken-down Y-M-D h:m:s, with the same validity flags
and the same integer arithmetic (C division truncates toward zero), so
that out-of-range days like "2023-02-31" print as SQLite prints them.

'now' is the statement time (FunctionContext.statement_time(), one value
per statement, as SQLite's sqlite3StmtCurrentTime); functions using 'now',
'localtime' or 'utc' are not deterministic.  'localtime' and 'utc' use the
process's time zone (the TZ environment variable), as SQLite does.
"""

from __future__ import annotations

import struct
import time as _time
from typing import TYPE_CHECKING

from .. import values as V
from ..errors import OperationalError

if TYPE_CHECKING:
    from . import FunctionContext

_SPACES = " \t\n\v\f\r"
_UNIX_EPOCH_JD_MS = 210866760000000  # 1970-01-01 00:00:00 as iJD


_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}


def _ilower(s: str) -> str:
    """ASCII-only lower case (sqlite3UpperToLower)."""
    return s.translate(_ASCII_LOWER)


def _f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


# name, limit (a C float), milliseconds factor (seconds per unit)
_XFORM = (
    ("second", _f32(4.6427e14), 1.0),
    ("minute", _f32(7.7379e12), 60.0),
    ("hour", _f32(1.2897e11), 3600.0),
    ("day", _f32(5373485.0), 86400.0),
    ("month", _f32(176546.0), 2592000.0),
    ("year", _f32(14713.0), 31536000.0),
)


def _cdiv(a: int, b: int) -> int:
    """C integer division (truncation toward zero)."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _cmod(a: int, b: int) -> int:
    return a - b * _cdiv(a, b)


def _ctrunc(x: float) -> int:
    """(int)x / (sqlite3_int64)x in C."""
    return int(x)


class _DateTime:
    __slots__ = ("iJD", "Y", "M", "D", "h", "m", "tz", "s", "validJD", "rawS", "validYMD",
                 "validHMS", "validTZ", "tzSet", "isError")

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.iJD = 0
        self.Y = self.M = self.D = 0
        self.h = self.m = 0
        self.tz = 0
        self.s = 0.0
        self.validJD = self.rawS = self.validYMD = self.validHMS = False
        self.validTZ = self.tzSet = self.isError = False

    def copy(self) -> _DateTime:
        n = _DateTime()
        for k in self.__slots__:
            setattr(n, k, getattr(self, k))
        return n

    def error(self) -> None:
        self.clear()
        self.isError = True

    def clear_ymd_hms_tz(self) -> None:
        self.validYMD = False
        self.validHMS = False
        self.validTZ = False

    def compute_jd(self) -> None:
        if self.validJD:
            return
        if self.validYMD:
            Y, M, D = self.Y, self.M, self.D
        else:
            Y, M, D = 2000, 1, 1
        if Y < -4713 or Y > 9999 or self.rawS:
            self.error()
            return
        if M <= 2:
            Y -= 1
            M += 12
        A = _cdiv(Y, 100)
        B = 2 - A + _cdiv(A, 4)
        X1 = _cdiv(36525 * (Y + 4716), 100)
        X2 = _cdiv(306001 * (M + 1), 10000)
        self.iJD = _ctrunc((X1 + X2 + D + B - 1524.5) * 86400000)
        self.validJD = True
        if self.validHMS:
            self.iJD += self.h * 3600000 + self.m * 60000 + _ctrunc(self.s * 1000 + 0.5)
            if self.validTZ:
                self.iJD -= self.tz * 60000
                self.validYMD = False
                self.validHMS = False
                self.validTZ = False

    def compute_ymd(self) -> None:
        if self.validYMD:
            return
        if not self.validJD:
            self.Y, self.M, self.D = 2000, 1, 1
        elif not _valid_julian_day(self.iJD):
            self.error()
            return
        else:
            Z = _cdiv(self.iJD + 43200000, 86400000)
            A = _ctrunc((Z - 1867216.25) / 36524.25)
            A = Z + 1 + A - _cdiv(A, 4)
            B = A + 1524
            C = _ctrunc((B - 122.1) / 365.25)
            D = _cdiv(36525 * (C & 32767), 100)
            E = _ctrunc((B - D) / 30.6001)
            X1 = _ctrunc(30.6001 * E)
            self.D = B - D - X1
            self.M = E - 1 if E < 14 else E - 13
            self.Y = C - 4716 if self.M > 2 else C - 4715
        self.validYMD = True

    def compute_hms(self) -> None:
        if self.validHMS:
            return
        self.compute_jd()
        s = _cmod(self.iJD + 43200000, 86400000)
        self.s = s / 1000.0
        s = _ctrunc(self.s)
        self.s -= s
        self.h = _cdiv(s, 3600)
        s -= self.h * 3600
        self.m = _cdiv(s, 60)
        self.s += s - self.m * 60
        self.rawS = False
        self.validHMS = True

    def compute_ymd_hms(self) -> None:
        self.compute_ymd()
        self.compute_hms()


def _valid_julian_day(ijd: int) -> bool:
    return 0 <= ijd <= 464269060799999


# ---------------------------------------------------------------- parsing

_AMX = {"a": 12, "b": 14, "c": 24, "d": 31, "e": 59, "f": 14712}


def _get_digits(z: str, pos: int, fmt: str) -> list[int]:
    """getDigits: fields "NminMAXsep" of fixed width; returns the values read."""
    vals: list[int] = []
    k = 0
    while True:
        n = ord(fmt[k]) - 48
        mn = ord(fmt[k + 1]) - 48
        mx = _AMX[fmt[k + 2]]
        next_c = fmt[k + 3] if k + 3 < len(fmt) else ""
        val = 0
        for _ in range(n):
            if pos >= len(z) or not ("0" <= z[pos] <= "9"):
                return vals
            val = val * 10 + ord(z[pos]) - 48
            pos += 1
        here = z[pos] if pos < len(z) else ""
        if val < mn or val > mx or (next_c != "" and next_c != here):
            return vals
        vals.append(val)
        pos += 1
        k += 4
        if not next_c:
            return vals


def _parse_timezone(z: str, pos: int, p: _DateTime) -> bool:
    """parseTimezone: True on error."""
    while pos < len(z) and z[pos] in _SPACES:
        pos += 1
    p.tz = 0
    c = z[pos] if pos < len(z) else ""
    if c == "-":
        sgn = -1
    elif c == "+":
        sgn = 1
    elif c in ("Z", "z"):
        pos += 1
        while pos < len(z) and z[pos] in _SPACES:
            pos += 1
        p.tzSet = True
        return pos < len(z)
    else:
        return c != ""
    pos += 1
    vals = _get_digits(z, pos, "20b:20e")
    if len(vals) != 2:
        return True
    pos += 5
    p.tz = sgn * (vals[1] + vals[0] * 60)
    while pos < len(z) and z[pos] in _SPACES:
        pos += 1
    p.tzSet = True
    return pos < len(z)


def _parse_hh_mm_ss(z: str, pos: int, p: _DateTime) -> bool:
    """parseHhMmSs: True on error."""
    vals = _get_digits(z, pos, "20c:20e")
    if len(vals) != 2:
        return True
    h, m = vals
    pos += 5
    ms = 0.0
    if pos < len(z) and z[pos] == ":":
        pos += 1
        sv = _get_digits(z, pos, "20e")
        if len(sv) != 1:
            return True
        s = sv[0]
        pos += 2
        if pos + 1 < len(z) and z[pos] == "." and "0" <= z[pos + 1] <= "9":
            scale = 1.0
            pos += 1
            while pos < len(z) and "0" <= z[pos] <= "9":
                ms = ms * 10.0 + ord(z[pos]) - 48
                scale *= 10.0
                pos += 1
            ms /= scale
    else:
        s = 0
    p.validJD = False
    p.rawS = False
    p.validHMS = True
    p.h = h
    p.m = m
    p.s = s + ms
    if _parse_timezone(z, pos, p):
        return True
    p.validTZ = p.tz != 0
    return False


def _parse_yyyy_mm_dd(z: str, p: _DateTime) -> bool:
    pos = 0
    neg = False
    if z[:1] == "-":
        pos = 1
        neg = True
    vals = _get_digits(z, pos, "40f-21a-21d")
    if len(vals) != 3:
        return True
    Y, M, D = vals
    pos += 10
    while pos < len(z) and (z[pos] in _SPACES or z[pos] == "T"):
        pos += 1
    if not _parse_hh_mm_ss(z, pos, p):
        pass
    elif pos >= len(z):
        p.validHMS = False
    else:
        return True
    p.validJD = False
    p.validYMD = True
    p.Y = -Y if neg else Y
    p.M = M
    p.D = D
    if p.validTZ:
        p.compute_jd()
    return False


def _set_raw_date_number(p: _DateTime, r: float) -> None:
    p.s = r
    p.rawS = True
    if 0.0 <= r < 5373484.5:
        p.iJD = _ctrunc(r * 86400000.0 + 0.5)
        p.validJD = True


def _not_pure(ctx: FunctionContext, fname: str) -> None:
    """sqlite3NotPureFunc: 'now', 'localtime', 'utc' are refused in CHECK
    constraints, generated columns and indexes."""
    if ctx.pure_context is not None:
        raise OperationalError(f"non-deterministic use of {fname}() in {ctx.pure_context}")


def _set_now(ctx: FunctionContext, p: _DateTime, fname: str) -> None:
    _not_pure(ctx, fname)
    t = ctx.statement_time()
    p.iJD = _UNIX_EPOCH_JD_MS + int(t * 1000)
    p.validJD = True


def _parse_date_or_time(ctx: FunctionContext, z: str, p: _DateTime, fname: str) -> bool:
    if not _parse_yyyy_mm_dd(z, p):
        return False
    p.clear()
    if not _parse_hh_mm_ss(z, 0, p):
        return False
    p.clear()
    if _ilower(z) == "now":
        _set_now(ctx, p, fname)
        return False
    rc, r = V._atof(z.encode("utf-8", "surrogateescape"))
    if rc > 0:
        _set_raw_date_number(p, r)
        return False
    return True


def _to_localtime(p: _DateTime, ctx: FunctionContext) -> None:
    """toLocaltime: p (UTC) becomes local broken-down time (process TZ).

    Outside 1970..2037 the year is first moved to one of 2000..2003 with the
    same leap-year phase, converted, and moved back, as SQLite does.
    """
    p.compute_jd()
    if p.iJD < 210866760000000 or p.iJD > 213014145600000:
        x = p.copy()
        x.compute_ymd_hms()
        year_diff = (2000 + _cmod(x.Y, 4)) - x.Y
        x.Y += year_diff
        x.validJD = False
        x.compute_jd()
        t = _cdiv(x.iJD, 1000) - 210866760000
    else:
        year_diff = 0
        t = _cdiv(p.iJD, 1000) - 210866760000
    try:
        if ctx.localtime is not None:
            lt = _time.gmtime(t + ctx.localtime(t))
        else:
            lt = _time.localtime(t)
    except (OverflowError, OSError, ValueError) as exc:
        raise OperationalError("local time unavailable") from exc
    p.Y = lt.tm_year - year_diff
    p.M = lt.tm_mon
    p.D = lt.tm_mday
    p.h = lt.tm_hour
    p.m = lt.tm_min
    p.s = lt.tm_sec + _cmod(p.iJD, 1000) * 0.001
    p.validYMD = True
    p.validHMS = True
    p.validJD = False
    p.rawS = False
    p.validTZ = False
    p.isError = False


def _parse_modifier(ctx: FunctionContext, z: str, p: _DateTime, idx: int, fname: str) -> bool:
    """parseModifier: True on error (the result is then NULL)."""
    if not z:
        return True
    first = _ilower(z[0])
    zl = _ilower(z)
    if first == "a":
        if zl == "auto":
            if idx > 1:
                return True
            if not p.rawS or p.validJD:
                p.rawS = False
                return False
            if -210866760000 <= p.s <= 253402300799:
                r = p.s * 1000.0 + 210866760000000.0
                p.clear_ymd_hms_tz()
                p.iJD = _ctrunc(r + 0.5)
                p.validJD = True
                p.rawS = False
                return False
        return True
    if first == "j":
        if zl == "julianday":
            if idx > 1:
                return True
            if p.validJD and p.rawS:
                p.rawS = False
                return False
        return True
    if first == "l":
        if zl == "localtime":
            _not_pure(ctx, fname)
            _to_localtime(p, ctx)
            return False
        return True
    if first == "u":
        if zl == "unixepoch" and p.rawS:
            if idx > 1:
                return True
            r = p.s * 1000.0 + 210866760000000.0
            if 0.0 <= r < 464269060800000.0:
                p.clear_ymd_hms_tz()
                p.iJD = _ctrunc(r + 0.5)
                p.validJD = True
                p.rawS = False
                return False
            return True
        if zl == "utc":
            _not_pure(ctx, fname)
            if not p.tzSet:
                # Find the UTC time whose local time is p, by iteration
                # (at most four guesses, as SQLite; in a DST gap it stops
                # where SQLite stops).
                p.compute_jd()
                orig = guess = p.iJD
                err = 0
                cnt = 0
                while True:
                    guess -= err
                    new = _DateTime()
                    new.iJD = guess
                    new.validJD = True
                    _to_localtime(new, ctx)
                    new.compute_jd()
                    err = new.iJD - orig
                    if not err:
                        break
                    cnt += 1
                    if cnt > 3:
                        break
                p.clear()
                p.iJD = guess
                p.validJD = True
                p.tzSet = True
            return False
        return True
    if first == "w":
        if _ilower(z[:8]) == "weekday ":
            rc, r = V._atof(z[8:].encode("utf-8", "surrogateescape"))
            if rc > 0 and r == r and abs(r) < 2**31:
                n = _ctrunc(r)
                if n == r and n >= 0 and r < 7:
                    p.compute_ymd_hms()
                    p.validTZ = False
                    p.validJD = False
                    p.compute_jd()
                    zday = _cmod(_cdiv(p.iJD + 129600000, 86400000), 7)
                    if zday > n:
                        zday -= 7
                    p.iJD += (n - zday) * 86400000
                    p.clear_ymd_hms_tz()
                    return False
        return True
    if first == "s":
        if _ilower(z[:9]) != "start of ":
            return True
        if not p.validJD and not p.validYMD and not p.validHMS:
            return True
        rest = _ilower(z[9:])
        p.compute_ymd()
        p.validHMS = True
        p.h = p.m = 0
        p.s = 0.0
        p.rawS = False
        p.validTZ = False
        p.validJD = False
        if rest == "month":
            p.D = 1
            return False
        if rest == "year":
            p.M = 1
            p.D = 1
            return False
        return rest != "day"
    if first in "+-0123456789":
        n = 1
        while n < len(z) and z[n] != ":" and z[n] not in _SPACES:
            n += 1
        rc, r = V._atof(z[:n].encode("utf-8", "surrogateescape"))
        if rc <= 0:
            return True
        if n < len(z) and z[n] == ":":
            z2 = z if "0" <= z[0] <= "9" else z[1:]
            tx = _DateTime()
            if _parse_hh_mm_ss(z2, 0, tx):
                return True
            tx.compute_jd()
            tx.iJD -= 43200000
            day = _cdiv(tx.iJD, 86400000)
            tx.iJD -= day * 86400000
            if z[0] == "-":
                tx.iJD = -tx.iJD
            p.compute_jd()
            p.clear_ymd_hms_tz()
            p.iJD += tx.iJD
            return False
        rest = z[n:]
        k = 0
        while k < len(rest) and rest[k] in _SPACES:
            k += 1
        rest = rest[k:]
        nb = len(rest.encode("utf-8", "surrogateescape"))
        if nb > 10 or nb < 3:
            return True
        unit = rest
        if _ilower(unit[-1:]) == "s":
            unit = unit[:-1]
        p.compute_jd()
        rounder = -0.5 if r < 0 else 0.5
        error = True
        for i, (name, limit, factor) in enumerate(_XFORM):
            if len(unit) == len(name) and _ilower(unit) == name and -limit < r < limit:
                if i == 4:  # months
                    p.compute_ymd_hms()
                    p.M += _ctrunc(r)
                    x = _cdiv(p.M - 1, 12) if p.M > 0 else _cdiv(p.M - 12, 12)
                    p.Y += x
                    p.M -= x * 12
                    p.validJD = False
                    r -= _ctrunc(r)
                elif i == 5:  # years
                    p.compute_ymd_hms()
                    p.Y += _ctrunc(r)
                    p.validJD = False
                    r -= _ctrunc(r)
                p.compute_jd()
                p.iJD += _ctrunc(r * 1000.0 * factor + rounder)
                error = False
                break
        p.clear_ymd_hms_tz()
        return error
    return True


def _is_date(ctx: FunctionContext, args: tuple[V.Value, ...], fname: str) -> _DateTime | None:
    """isDate: the DateTime the arguments describe, or None (NULL result)."""
    p = _DateTime()
    if not args:
        _set_now(ctx, p, fname)
        return p
    a0 = args[0]
    if isinstance(a0, int | float):
        _set_raw_date_number(p, float(a0))
    else:
        if a0 is None:
            return None
        t = V.to_text(a0, ctx.encoding)
        assert t is not None
        k = t.find("\x00")
        if k >= 0:
            t = t[:k]
        if _parse_date_or_time(ctx, t, p, fname):
            return None
    for i, a in enumerate(args[1:], start=1):
        if a is None:
            return None
        t = V.to_text(a, ctx.encoding)
        assert t is not None
        k = t.find("\x00")
        if k >= 0:
            t = t[:k]
        if _parse_modifier(ctx, t, p, i, fname):
            return None
    p.compute_jd()
    if p.isError or not _valid_julian_day(p.iJD):
        return None
    return p


# ---------------------------------------------------------------- functions


def _ymd_text(p: _DateTime) -> str:
    y = abs(p.Y)
    text = f"{y // 1000 % 10}{y // 100 % 10}{y // 10 % 10}{y % 10}-{p.M:02d}-{p.D:02d}"
    return "-" + text if p.Y < 0 else text


def _hms_text(p: _DateTime) -> str:
    return f"{p.h:02d}:{p.m:02d}:{_ctrunc(p.s):02d}"


def julianday(ctx: FunctionContext, *args: V.Value) -> float | None:
    """julianday(TIME, MODIFIER...): the Julian day number (REAL)."""
    p = _is_date(ctx, args, "julianday")
    if p is None:
        return None
    p.compute_jd()
    return p.iJD / 86400000.0


def unixepoch(ctx: FunctionContext, *args: V.Value) -> int | None:
    """unixepoch(TIME, MODIFIER...): seconds since 1970 (INTEGER, truncated)."""
    p = _is_date(ctx, args, "unixepoch")
    if p is None:
        return None
    p.compute_jd()
    return _cdiv(p.iJD, 1000) - 210866760000


def datetime(ctx: FunctionContext, *args: V.Value) -> str | None:
    """datetime(TIME, MODIFIER...): "YYYY-MM-DD HH:MM:SS"."""
    p = _is_date(ctx, args, "datetime")
    if p is None:
        return None
    p.compute_ymd_hms()
    return _ymd_text(p) + " " + _hms_text(p)


def date(ctx: FunctionContext, *args: V.Value) -> str | None:
    """date(TIME, MODIFIER...): "YYYY-MM-DD"."""
    p = _is_date(ctx, args, "date")
    if p is None:
        return None
    p.compute_ymd()
    return _ymd_text(p)


def time(ctx: FunctionContext, *args: V.Value) -> str | None:
    """time(TIME, MODIFIER...): "HH:MM:SS"."""
    p = _is_date(ctx, args, "time")
    if p is None:
        return None
    p.compute_hms()
    return _hms_text(p)


def current_date(ctx: FunctionContext) -> str | None:
    return date(ctx)


def current_time(ctx: FunctionContext) -> str | None:
    return time(ctx)


def current_timestamp(ctx: FunctionContext) -> str | None:
    return datetime(ctx)


def _fmt_02(v: int) -> str:
    # sqlite3_snprintf(3, "%02d"): at most 2 characters
    return f"{v:02d}"[:2]


def strftime(ctx: FunctionContext, *args: V.Value) -> str | None:
    """strftime(FORMAT, TIME, MODIFIER...)."""
    if not args:
        return None
    fmt = args[0]
    if fmt is None:
        return None
    ft = V.to_text(fmt, ctx.encoding)
    assert ft is not None
    k = ft.find("\x00")
    if k >= 0:
        ft = ft[:k]
    p = _is_date(ctx, args[1:], "strftime")
    if p is None:
        return None
    i = 0
    while i < len(ft):
        if ft[i] == "%":
            nxt = ft[i + 1] if i + 1 < len(ft) else ""
            if nxt not in ("d", "H", "m", "M", "S", "W", "w", "%", "f", "j", "Y", "s", "J"):
                return None
            i += 1
        i += 1
    p.compute_jd()
    p.compute_ymd_hms()
    out: list[str] = []
    i = 0
    while i < len(ft):
        ch = ft[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        i += 1
        c = ft[i]
        i += 1
        if c == "d":
            out.append(_fmt_02(p.D))
        elif c == "f":
            s = p.s
            if s > 59.999:
                s = 59.999
            sign, body = V.format_float(s, "f", 3)
            text = sign + body
            if len(text) < 6:
                text = sign + "0" * (6 - len(text)) + body
            out.append(text[:6])
        elif c == "H":
            out.append(_fmt_02(p.h))
        elif c in ("W", "j"):
            y = p.copy()
            y.validJD = False
            y.M = 1
            y.D = 1
            y.compute_jd()
            nday = _cdiv(p.iJD - y.iJD + 43200000, 86400000)
            if c == "W":
                wd = _cmod(_cdiv(p.iJD + 43200000, 86400000), 7)
                out.append(_fmt_02(_cdiv(nday + 7 - wd, 7)))
            else:
                out.append(f"{nday + 1:03d}"[:3])
        elif c == "J":
            sign, body = V.format_float(p.iJD / 86400000.0, "g", 16)
            out.append(sign + body)
        elif c == "m":
            out.append(_fmt_02(p.M))
        elif c == "M":
            out.append(_fmt_02(p.m))
        elif c == "s":
            out.append(str(_cdiv(p.iJD, 1000) - 210866760000))
        elif c == "S":
            out.append(_fmt_02(_ctrunc(p.s)))
        elif c == "w":
            out.append(str(_cmod(_cdiv(p.iJD + 129600000, 86400000), 7)))
        elif c == "Y":
            out.append(f"{p.Y:04d}")
        else:
            out.append("%")
    return "".join(out)
