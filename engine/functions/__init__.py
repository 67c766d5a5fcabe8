"""The engine's SQL function registry: SQLite 3.40.1's built-in scalar functions.

``SCALAR_FUNCTIONS`` maps a lower-case name to a :class:`FunctionDef`; the
set is exactly the built-in scalar functions of the stdlib sqlite3 build
(``PRAGMA function_list``, SQLITE_ENABLE_MATH_FUNCTIONS and SQLITE_SOUNDEX
on; no unhex/concat/timediff, which are later than 3.40), minus FTS
and R-Tree (not implemented: :data:`NOT_IMPLEMENTED` lists them and
:func:`lookup` raises NotSupportedError for them).  The JSON functions of
engine.functions.json are merged in at the end of this module.

Calling convention (for the executor):

* ``lookup(name, nargs)`` returns the FunctionDef or raises
  OperationalError("no such function: NAME") /
  OperationalError("wrong number of arguments to function NAME()").
* ``call(name, args, ctx)`` looks up and calls.  ``FunctionDef.invoke(args,
  ctx)`` calls a known definition.
* Implementations flagged ``needs_context`` take a :class:`FunctionContext`
  first: the database text encoding ("utf-8", "utf-16le", "utf-16be"), the
  collation of the call (min, max, nullif; the collation of the first
  argument that has one, as SQLite chooses it), case_sensitive_like, the
  change counters, the statement time for 'now' (date/time functions use
  one time per statement, as SQLite does: keep one context per statement,
  or set ``now`` yourself), and a random source.
* ``min``/``max`` here are the multi-argument scalar forms (2 or more
  arguments); with one argument they are aggregates (engine.functions.
  aggregate), which the executor must look up first.
* ``deterministic`` is False for random(), randomblob(), changes(), ...
  The date/time functions are deterministic except with 'now',
  'localtime' and 'utc'; set ``FunctionContext.pure_context`` when
  evaluating a CHECK constraint, generated column or index expression and
  those raise SQLite's "non-deterministic use of date() in an index".
  Share one ``now`` across the contexts of one statement.
* Results longer than engine.values.LIMIT_LENGTH (SQLITE_LIMIT_LENGTH)
  raise DataError("string or blob too big") (printf gives NULL), as
  sqlite3 does.
* likelihood()'s second argument must be a floating point literal: SQLite
  checks that when preparing, so the resolver should too (the function
  itself checks the value).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotSupportedError, OperationalError
from . import core
from . import datetime as _dt
from . import math as _math
from .printf import sqlite_printf

__all__ = [
    "FunctionContext",
    "FunctionDef",
    "NOT_IMPLEMENTED",
    "SCALAR_FUNCTIONS",
    "call",
    "lookup",
]


@dataclass
class FunctionContext:
    """What a function may need from its connection and statement."""

    encoding: str = "utf-8"
    collation: str = "BINARY"
    case_sensitive_like: bool = False
    changes: int = 0
    total_changes: int = 0
    last_insert_rowid: int = 0
    now: float | None = None
    """Statement time as a Unix timestamp in seconds (None: taken at first use)."""
    localtime: Callable[[float], float] | None = None
    """Offset function for 'localtime'/'utc' (None: the process's TZ, like SQLite)."""
    random_bytes: Callable[[int], bytes] = field(default=os.urandom)
    pure_context: str | None = None
    """Set when evaluating where SQLite demands pure functions: "a CHECK
    constraint", "a generated column" or "an index".  'now', 'localtime' and
    'utc' then raise OperationalError("non-deterministic use of date() in an
    index") as sqlite3NotPureFunc does."""

    def statement_time(self) -> float:
        if self.now is None:
            import time

            self.now = time.time()
        return self.now


@dataclass(frozen=True)
class FunctionDef:
    name: str
    min_args: int
    max_args: int  # -1 = any number
    impl: Callable[..., Any]
    deterministic: bool = True
    needs_context: bool = False

    def accepts(self, nargs: int) -> bool:
        return nargs >= self.min_args and (self.max_args < 0 or nargs <= self.max_args)

    def invoke(self, args: tuple | list, ctx: FunctionContext | None = None) -> Any:
        if self.needs_context:
            return self.impl(ctx if ctx is not None else FunctionContext(), *args)
        return self.impl(*args)


SCALAR_FUNCTIONS: dict[str, FunctionDef] = {}


def _register(name: str, min_args: int, max_args: int, impl: Callable[..., Any], *,
              deterministic: bool = True, ctx: bool = False) -> None:
    SCALAR_FUNCTIONS[name] = FunctionDef(name, min_args, max_args, impl, deterministic, ctx)


# core (func.c)
_register("abs", 1, 1, core.abs_)
_register("char", 0, -1, core.char)
_register("coalesce", 2, -1, core.coalesce)
_register("glob", 2, 2, core.glob, ctx=True)
_register("hex", 1, 1, core.hex_, ctx=True)
_register("ifnull", 2, 2, core.ifnull)
_register("iif", 3, 3, core.iif)
_register("instr", 2, 2, core.instr, ctx=True)
_register("length", 1, 1, core.length)
_register("like", 2, 3, core.like, ctx=True)
_register("likelihood", 2, 2, core.likelihood)
_register("likely", 1, 1, core.likely)
_register("unlikely", 1, 1, core.unlikely)
_register("lower", 1, 1, core.lower, ctx=True)
_register("upper", 1, 1, core.upper, ctx=True)
_register("ltrim", 1, 2, core.ltrim, ctx=True)
_register("rtrim", 1, 2, core.rtrim, ctx=True)
_register("trim", 1, 2, core.trim, ctx=True)
_register("max", 2, -1, core.max_, ctx=True)
_register("min", 2, -1, core.min_, ctx=True)
_register("nullif", 2, 2, core.nullif, ctx=True)
_register("printf", 0, -1, sqlite_printf)
_register("format", 0, -1, sqlite_printf)
_register("quote", 1, 1, core.quote)
_register("random", 0, 0, core.random_, deterministic=False, ctx=True)
_register("randomblob", 1, 1, core.randomblob, deterministic=False, ctx=True)
_register("replace", 3, 3, core.replace, ctx=True)
_register("round", 1, 2, core.round_)
_register("soundex", 1, 1, core.soundex, ctx=True)
_register("sqlite_version", 0, 0, core.sqlite_version)
_register("sqlite_source_id", 0, 0, core.sqlite_source_id)
_register("sqlite_compileoption_used", 1, 1, core.sqlite_compileoption_used)
_register("sqlite_compileoption_get", 1, 1, core.sqlite_compileoption_get)
_register("sqlite_log", 2, 2, core.sqlite_log)
_register("substr", 2, 3, core.substr, ctx=True)
_register("substring", 2, 3, core.substr, ctx=True)
_register("typeof", 1, 1, core.typeof)
_register("unicode", 1, 1, core.unicode, ctx=True)
_register("zeroblob", 1, 1, core.zeroblob)
_register("subtype", 1, 1, core.subtype)
_register("changes", 0, 0, core.changes, deterministic=False, ctx=True)
_register("total_changes", 0, 0, core.total_changes, deterministic=False, ctx=True)
_register("last_insert_rowid", 0, 0, core.last_insert_rowid, deterministic=False, ctx=True)
_register("load_extension", 1, 2, core.load_extension, deterministic=False)

# math (func.c, SQLITE_ENABLE_MATH_FUNCTIONS)
for _name, _impl in _math.MATH1_FUNCTIONS.items():
    _register(_name, 1, 1, _impl)
_register("atan2", 2, 2, _math.atan2)
_register("pow", 2, 2, _math.pow_)
_register("power", 2, 2, _math.pow_)
_register("mod", 2, 2, _math.mod)
_register("ceil", 1, 1, _math.ceil)
_register("ceiling", 1, 1, _math.ceil)
_register("floor", 1, 1, _math.floor)
_register("trunc", 1, 1, _math.trunc)
_register("ln", 1, 1, _math.ln)
_register("log", 1, 2, _math.log)
_register("log10", 1, 1, _math.log10)
_register("log2", 1, 1, _math.log2)
_register("pi", 0, 0, _math.pi)
_register("sign", 1, 1, _math.sign)

# date and time (date.c)
_register("date", 0, -1, _dt.date, ctx=True)
_register("time", 0, -1, _dt.time, ctx=True)
_register("datetime", 0, -1, _dt.datetime, ctx=True)
_register("julianday", 0, -1, _dt.julianday, ctx=True)
_register("unixepoch", 0, -1, _dt.unixepoch, ctx=True)
_register("strftime", 0, -1, _dt.strftime, ctx=True)
_register("current_date", 0, 0, _dt.current_date, deterministic=False, ctx=True)
_register("current_time", 0, 0, _dt.current_time, deterministic=False, ctx=True)
_register("current_timestamp", 0, 0, _dt.current_timestamp, deterministic=False, ctx=True)

# JSON (json1, built into 3.40.1): the scalar functions incl. "->"/"->>", the
# aggregates json_group_array/json_group_object; json_each/json_tree are table
# functions (JSON_TABLE_FUNCTIONS) for the executor. Imported last: json.py
# builds on FunctionDef and on the aggregate protocol.
from .aggregate import AGGREGATE_FUNCTIONS  # noqa: E402
from .json import JSON_AGGREGATES, JSON_SCALAR_FUNCTIONS, JSON_TABLE_FUNCTIONS  # noqa: E402, F401

SCALAR_FUNCTIONS.update(JSON_SCALAR_FUNCTIONS)
AGGREGATE_FUNCTIONS.update(JSON_AGGREGATES)

NOT_IMPLEMENTED = frozenset({
    "json", "json_array", "json_array_length", "json_extract", "json_insert", "json_object",
    "json_patch", "json_quote", "json_remove", "json_replace", "json_set", "json_type",
    "json_valid", "->", "->>", "fts3_tokenizer", "fts5", "fts5_source_id", "bm25",
    "highlight", "snippet", "match", "matchinfo", "offsets", "optimize", "rtreecheck",
    "rtreedepth", "rtreenode",
}) - SCALAR_FUNCTIONS.keys()
"""Built-in in the stdlib sqlite3 build, not implemented by this engine
(FTS3/4/5 and R-Tree auxiliary functions; JSON when engine.functions.json is
absent)."""


def lookup(name: str, nargs: int) -> FunctionDef:
    """The scalar function ``name`` called with ``nargs`` arguments."""
    key = name.lower()
    fdef = SCALAR_FUNCTIONS.get(key)
    if fdef is None:
        if key in NOT_IMPLEMENTED:
            raise NotSupportedError(f"function {name}() is not supported by this engine")
        raise OperationalError(f"no such function: {name}")
    if not fdef.accepts(nargs):
        raise OperationalError(f"wrong number of arguments to function {name}()")
    return fdef


def call(name: str, args: tuple | list, ctx: FunctionContext | None = None) -> Any:
    """Look up and call a scalar function."""
    return lookup(name, len(args)).invoke(args, ctx)
