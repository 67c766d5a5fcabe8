"""SQLite's built-in math functions (lang_mathfunc.html), present in the
stdlib sqlite3 build (SQLITE_ENABLE_MATH_FUNCTIONS) and reproduced here as
SQLite 3.40.1 computes them (func.c math1Func, math2Func, logFunc,
ceilingFunc, signFunc, piFunc).

Arguments go through sqlite3_value_numeric_type(): a TEXT argument that is
a well-formed number is used as that number; any other TEXT, a BLOB or NULL
gives NULL.  Results are REAL, except that ceil/ceiling/floor/trunc return an
INTEGER argument unchanged and sign() returns an INTEGER.  A NaN result
(domain error) is NULL; overflow is +-Inf, as C's libm gives.
"""

from __future__ import annotations

import math as _m
from collections.abc import Callable

from .. import values as V


def _numeric(x: V.Value) -> int | float | None:
    """sqlite3_value_numeric_type + value: the number, or None (NULL result)."""
    if isinstance(x, int | float):
        return x
    if isinstance(x, str):
        r = V._numeric_affinity(x, False)
        if isinstance(r, int | float):
            return r
    return None


def _result(r: float) -> float | None:
    return None if r != r else r


def _c_call(fn: Callable[..., float], *args: float) -> float:
    """Call a libm function the C way: NaN on domain error, +-Inf on overflow."""
    try:
        return fn(*args)
    except ValueError:
        return _m.nan
    except OverflowError:
        return _overflow(fn, *args)


def _atanh(x: float) -> float:
    if x == 1.0 or x == -1.0:
        return _m.copysign(_m.inf, x)  # C's pole error, not a domain error
    return _m.atanh(x)


def _overflow(fn: Callable[..., float], *args: float) -> float:
    if fn in (_m.sinh,):
        return _m.copysign(_m.inf, args[0])
    return _m.inf


def _math1(fn: Callable[[float], float]) -> Callable[[V.Value], float | None]:
    def impl(x: V.Value) -> float | None:
        v = _numeric(x)
        if v is None:
            return None
        return _result(_c_call(fn, float(v)))

    impl.__name__ = getattr(fn, "__name__", "math1")
    impl.__doc__ = f"{impl.__name__}(X) as SQLite's math1Func computes it."
    return impl


def _c_pow(x: float, y: float) -> float:
    if x == 0.0 and y < 0:
        odd = y == int(y) and int(y) % 2 == 1 if _m.isfinite(y) else False
        return _m.copysign(_m.inf, x) if odd else _m.inf
    try:
        return _m.pow(x, y)
    except ValueError:
        return _m.nan
    except OverflowError:
        odd = _m.isfinite(y) and y == int(y) and int(y) % 2 == 1
        return -_m.inf if (x < 0 and odd) else _m.inf


def _c_fmod(x: float, y: float) -> float:
    try:
        return _m.fmod(x, y)
    except ValueError:
        return _m.nan


def _math2(fn: Callable[[float, float], float], name: str):
    def impl(x: V.Value, y: V.Value) -> float | None:
        a = _numeric(x)
        if a is None:
            return None
        b = _numeric(y)
        if b is None:
            return None
        return _result(fn(float(a), float(b)))

    impl.__name__ = name
    impl.__doc__ = f"{name}(X,Y) as SQLite's math2Func computes it."
    return impl


def _rounding(fn: Callable[[float], float], name: str):
    def impl(x: V.Value) -> V.Value:
        v = _numeric(x)
        if v is None:
            return None
        if isinstance(v, int):
            return v
        if not _m.isfinite(v):
            return v
        r = float(fn(v))
        return _m.copysign(0.0, v) if r == 0.0 else r

    impl.__name__ = name
    impl.__doc__ = f"{name}(X): an INTEGER unchanged, a REAL rounded (REAL result)."
    return impl


def _deg_to_rad(x: float) -> float:
    return x * (_m.pi / 180.0)


def _rad_to_deg(x: float) -> float:
    return x * (180.0 / _m.pi)


def log(*args: V.Value) -> float | None:
    """log(X) is the base-10 logarithm (ln(X)/M_LN10); log(B,X) is ln(X)/ln(B)."""
    x = _numeric(args[0])
    if x is None:
        return None
    xf = float(x)
    if xf <= 0.0:
        return None
    if len(args) == 2:
        # SQLite 3.40.1 checks the type of the first argument twice and
        # reads the second with sqlite3_value_double() whatever its type
        # (a blob or a text is converted by its numeric prefix).
        b = _m.log(xf)
        if b <= 0.0:
            return None
        xf = V.to_real(args[1]) or 0.0
        if xf <= 0.0:
            return None
        return _result(_m.log(xf) / b)
    return _result(_m.log(xf) / _M_LN10)


_M_LN10 = 2.30258509299404568402
_M_LN2 = 0.69314718055994530942


def _log_kind(fn: Callable[[float], float], name: str):
    def impl(x: V.Value) -> float | None:
        v = _numeric(x)
        if v is None:
            return None
        xf = float(v)
        if xf <= 0.0:
            return None
        return _result(fn(xf))

    impl.__name__ = name
    impl.__doc__ = f"{name}(X): NULL for X <= 0."
    return impl


def pi() -> float:
    """pi()."""
    return _m.pi


def sign(x: V.Value) -> int | None:
    """sign(X): -1, 0 or +1 (INTEGER); NULL for non-numeric X."""
    v = _numeric(x)
    if v is None:
        return None
    f = float(v)
    return -1 if f < 0.0 else (1 if f > 0.0 else 0)


# SQLite computes log10 and log2 as ln(x)/M_LN10 and ln(x)/M_LN2.
ln = _log_kind(_m.log, "ln")
log10 = _log_kind(lambda x: _m.log(x) / _M_LN10, "log10")
log2 = _log_kind(lambda x: _m.log(x) / _M_LN2, "log2")
ceil = _rounding(_m.ceil, "ceil")
floor = _rounding(_m.floor, "floor")
trunc = _rounding(_m.trunc, "trunc")
pow_ = _math2(_c_pow, "pow")
mod = _math2(_c_fmod, "mod")
atan2 = _math2(lambda y, x: _m.atan2(y, x), "atan2")

MATH1 = {
    "acos": _m.acos, "asin": _m.asin, "atan": _m.atan, "acosh": _m.acosh,
    "asinh": _m.asinh, "atanh": _atanh, "cos": _m.cos, "sin": _m.sin, "tan": _m.tan,
    "cosh": _m.cosh, "sinh": _m.sinh, "tanh": _m.tanh, "exp": _m.exp, "sqrt": _m.sqrt,
    "degrees": _rad_to_deg, "radians": _deg_to_rad,
}
MATH1_FUNCTIONS = {name: _math1(fn) for name, fn in MATH1.items()}
