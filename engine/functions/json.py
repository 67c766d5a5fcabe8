"""SQLite 3.40.1's JSON functions (json1.html; src/json.c, built into the core
since 3.38): json, json_array, json_array_length, json_extract, the ``->`` and
``->>`` operators, json_insert, json_replace, json_set, json_remove,
json_patch, json_object, json_quote, json_type, json_valid, the aggregates
json_group_array / json_group_object and the table-valued functions
json_each / json_tree.

The set is exactly what the stdlib sqlite3 (3.40.1) has: no
json_error_position (3.42), no JSON5 input (3.42: ``json('{a:1}')`` is
"malformed JSON"), no JSONB (3.45).

How SQLite 3.40.1 works, and so how this module works
------------------------------------------------------

* JSON text is parsed into a flat array of nodes in document order (our
  :class:`_Node`): one node per scalar, one per array/object followed by its
  descendants (``n`` = how many), and for an object each member is a label
  node (a string) followed by the value's nodes.  The node index is the
  ``id`` column of json_each/json_tree.  Strings, integers and reals keep
  their original text: output is minified but never re-spelled (``1E5``,
  ``-0``, ``"\\u0041"`` come out as they went in).
* Parsing: RFC 8259 grammar; whitespace is space, tab, LF, CR; nesting
  deeper than 2000 (JSON_MAX_DEPTH in 3.40) is malformed.  The input is
  read as C reads it: it ends at the first NUL character
  (``json('[1]' || char(0) || 'x')`` is ``[1]``).  A quirk kept: an object
  label may be any value whose *last* node is a string
  (``json_valid('{["x"]:1}')`` is 1); SQLite then reads past the end of its
  node array when rendering such an object (undefined behaviour), which we
  render as ``null``.
* Paths: ``$`` then steps ``.key``, ``."key"`` (no escapes inside),
  ``[N]``, ``[#]``, ``[#-N]``; N is read as a 32-bit unsigned integer that
  wraps (``$[4294967297]`` is ``$[1]``).  A step that does not fit the
  value's type (``.key`` on an array) ends the lookup without looking at
  the rest of the path.  Keys compare with the label's *raw* text (escapes
  not decoded).  Syntax errors: ``JSON path error near '<rest of path>'``.
* Edits (json_set/insert/replace/remove/patch) mark nodes (replace, remove,
  patch) and append new members through a chain of "append" nodes, exactly
  as 3.40 does, including its visible quirks: an array lookup follows the
  append chain to its end, so ``json_set('[1]','$[#]',2,'$[0]',9)`` is
  ``[1,9]``; a node that was replaced cannot be descended into; a root
  replaced by json_set/json_replace returns the SQL value itself.
* Values going into JSON (jsonAppendValue): NULL -> null, integers as
  decimal, REAL with SQLite's ``%!.15g`` (``engine.values.real_to_text``:
  ``1.0e+20``, ``Inf``), TEXT quoted (``"`` and ``\\`` escaped, control
  characters as ``\\b \\t \\n \\f \\r`` or ``\\u00XX``), BLOB ->
  ``JSON cannot hold BLOB values``.
* Values coming out of JSON (jsonReturn): true/false -> 1/0, integers that
  fit in 64 bits -> INTEGER (else REAL),
  strings unescaped (``\\u0000`` ends the string; a lone surrogate escape
  becomes its 3-byte UTF-8 form, as the engine's text carries invalid UTF-8
  with ``surrogateescape``), arrays/objects -> their JSON text.  Reals (and
  integers beyond 64 bits) are converted with a correctly rounded strtod,
  not with SQLite's own text-to-real (``CAST('1.654445631682403e-28' AS
  REAL)`` and ``json_extract('1.654445631682403e-28', '$')`` differ in the
  last digit in 3.40.1; the latter is what ``float()`` gives).

The JSON subtype
----------------

SQLite tags the text returned by json(), json_array(), json_object(),
json_quote(), json_set() (...), json_extract() of an array/object, ``->``,
json_group_array/object and json_each/json_tree's ``value`` column with a
"JSON" subtype; such a value passed *directly* as an argument of another
JSON function is embedded as JSON instead of being quoted as a string.  Here
the tag is the ``str`` subclass :class:`JsonText`.  What the executor must
do (measured on the stdlib sqlite3 3.40.1):

* keep the ``JsonText`` object (do not convert it to ``str``) when a value
  flows through: nested function calls, ``CAST(x AS TEXT)``, ``coalesce``,
  ``ifnull``, ``nullif``, ``iif``, ``CASE``, scalar min/max, ``likely``,
  unary ``+``, ``COLLATE``, a scalar subquery ``(SELECT json(...))``, and
  columns of json_each/json_tree (``value``);
* drop it (plain ``str``) for values read from a FROM-clause table, view,
  subquery or CTE (even when SQLite flattens the subquery), for ``||``, and
  for anything stored in a record.  Plain ``str`` operations already
  return ``str``.
* ``->>`` returns plain values; ``->`` returns ``JsonText``.

Public API: :data:`JSON_SCALAR_FUNCTIONS` (name -> FunctionDef, including
"->" and "->>"), :data:`JSON_AGGREGATES` (name -> AggregateDef),
:data:`JSON_TABLE_FUNCTIONS` (name -> callable(json[, root]) returning an
iterator of rows (key, value, type, atom, id, parent, fullkey, path, json,
root)), :data:`JSON_EACH_COLUMNS`, :class:`JsonText`, and the functions
themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from .. import values as V
from ..errors import OperationalError
from . import FunctionDef
from .aggregate import AggregateDef

__all__ = [
    "JSON_AGGREGATES",
    "JSON_EACH_COLUMNS",
    "JSON_MAX_DEPTH",
    "JSON_SCALAR_FUNCTIONS",
    "JSON_TABLE_FUNCTIONS",
    "JsonGroupArray",
    "JsonGroupObject",
    "JsonText",
    "json",
    "json_array",
    "json_array_length",
    "json_arrow",
    "json_arrow2",
    "json_each",
    "json_extract",
    "json_insert",
    "json_object",
    "json_patch",
    "json_quote",
    "json_remove",
    "json_replace",
    "json_set",
    "json_tree",
    "json_type",
    "json_valid",
]


class JsonText(str):
    """TEXT carrying SQLite's JSON subtype (74, 'J'): embedded as JSON, not quoted,
    when passed directly to another JSON function."""

    __slots__ = ()


JSON_MAX_DEPTH = 2000
"""Deepest nesting json1 accepts in 3.40 (1000 from 3.42 on)."""

JSON_EACH_COLUMNS = (
    "key", "value", "type", "atom", "id", "parent", "fullkey", "path", "json", "root",
)
"""Columns of json_each/json_tree; the last two (json, root) are HIDDEN."""

# node types, in jsonType[] order
_NULL, _TRUE, _FALSE, _INT, _REAL, _STRING, _ARRAY, _OBJECT = range(8)
_TYPE_NAMES = ("null", "true", "false", "integer", "real", "text", "array", "object")

# node flags
_RAW = 0x01  # string content is unescaped text (a label appended by a path)
_ESCAPE = 0x02  # string token contains backslash escapes
_REMOVE = 0x04
_REPLACE = 0x08
_PATCH = 0x10
_APPEND = 0x20
_LABEL = 0x40

_U32 = 0xFFFFFFFF
_WS = " \t\n\r"
# possessive quantifiers: linear time also on an unterminated string
_STRING_TOKEN = re.compile(r'"(?:[^"\\\x00-\x1f]++|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*+"')
_NUMBER_TOKEN = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_SHORT_ESCAPES = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}
_QUOTE_TABLE = {c: _SHORT_ESCAPES.get(c, f"\\u{c:04x}") for c in range(32)}
_QUOTE_TABLE[ord('"')] = '\\"'
_QUOTE_TABLE[ord("\\")] = "\\\\"
_UNESCAPE_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_SMALLEST_INT64 = -(1 << 63)
_LARGEST_INT64 = (1 << 63) - 1


class _Node:
    __slots__ = ("etype", "flags", "n", "text", "append", "value", "patch", "key")

    def __init__(self, etype: int, n: int = 0, text: str | None = None):
        self.etype = etype
        self.flags = 0
        self.n = n  # descendants of an array/object (not counting appended ones)
        self.text = text  # raw token of a string/int/real (unescaped key if _RAW)
        self.append = 0  # index of the next container of an append chain
        self.value: Any = None  # replacement SQL value (_REPLACE)
        self.patch: tuple[list[_Node], int] | None = None  # (_PATCH)
        self.key = 0  # json_tree: current array index (u.iKey)


class _Malformed(Exception):
    pass


class _PathError(Exception):
    def __init__(self, near: str):
        super().__init__(near)
        self.near = near


def _malformed() -> OperationalError:
    return OperationalError("malformed JSON")


def _path_error(near: str) -> OperationalError:
    return OperationalError("JSON path error near '{}'".format(near.replace("'", "''")))


def _blob_error() -> OperationalError:
    return OperationalError("JSON cannot hold BLOB values")


# --------------------------------------------------------------------------
# SQL values <-> text
# --------------------------------------------------------------------------


def _text(v: Any) -> str | None:
    """sqlite3_value_text(): the value as UTF-8 text (None for NULL)."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, float):
        return V.real_to_text(v)
    return bytes(v).decode("utf-8", "surrogateescape")


def _c_text(v: Any) -> str | None:
    """The text as C code reading a NUL-terminated string sees it."""
    s = _text(v)
    if s is not None:
        k = s.find("\x00")
        if k >= 0:
            s = s[:k]
    return s


def _quote(s: str) -> str:
    """jsonAppendString: a JSON string literal for the text s."""
    return '"' + s.translate(_QUOTE_TABLE) + '"'


def _value_json(v: Any) -> str:
    """jsonAppendValue: the JSON text for an SQL value."""
    if v is None:
        return "null"
    if isinstance(v, JsonText):
        return str.__str__(v)
    if isinstance(v, str):
        return _quote(v)
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, float):
        return V.real_to_text(v)
    raise _blob_error()


class _Out:
    """A JSON text under construction; ``sep`` is jsonAppendSeparator."""

    __slots__ = ("parts", "last")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.last = ""

    def add(self, s: str) -> None:
        if s:
            self.parts.append(s)
            self.last = s[-1]

    def sep(self) -> None:
        if self.parts and self.last not in "[{":
            self.parts.append(",")
            self.last = ","

    def text(self) -> str:
        return "".join(self.parts)


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


def _is_alnum(z: str, i: int) -> bool:
    return i < len(z) and z[i].isascii() and z[i].isalnum()


def _parse(z: str) -> list[_Node]:
    """jsonParse of 3.40.1 over the NUL-truncated text z (raises _Malformed)."""
    n = len(z)
    nodes: list[_Node] = []
    stack: list[list] = []  # [container index, is_object, label_done]
    i = 0
    first_child = False
    while True:
        # -- parse one value at i
        while i < n and z[i] in _WS:
            i += 1
        if i >= n:
            raise _Malformed
        c = z[i]
        if c == "{" or c == "[":
            nodes.append(_Node(_OBJECT if c == "{" else _ARRAY))
            stack.append([len(nodes) - 1, c == "{", False])
            if len(stack) > JSON_MAX_DEPTH:
                raise _Malformed
            i += 1
            first_child = True
            continue
        if c == '"':
            m = _STRING_TOKEN.match(z, i)
            if m is None:
                raise _Malformed
            tok = m.group()
            node = _Node(_STRING, text=tok)
            if "\\" in tok:
                node.flags = _ESCAPE
            nodes.append(node)
            i = m.end()
        elif c == "-" or "0" <= c <= "9":
            m = _NUMBER_TOKEN.match(z, i)
            if m is None:
                raise _Malformed
            tok = m.group()
            real = "." in tok or "e" in tok or "E" in tok
            nodes.append(_Node(_REAL if real else _INT, text=tok))
            i = m.end()
        elif c == "n" and z.startswith("null", i) and not _is_alnum(z, i + 4):
            nodes.append(_Node(_NULL))
            i += 4
        elif c == "t" and z.startswith("true", i) and not _is_alnum(z, i + 4):
            nodes.append(_Node(_TRUE))
            i += 4
        elif c == "f" and z.startswith("false", i) and not _is_alnum(z, i + 5):
            nodes.append(_Node(_FALSE))
            i += 5
        elif (c == "}" or c == "]") and first_child and (c == "}") == stack[-1][1]:
            # the empty container
            stack.pop()
            i += 1
        else:
            raise _Malformed
        first_child = False
        # -- a value ended at i: continue its container(s)
        while True:
            if not stack:
                while i < n and z[i] in _WS:
                    i += 1
                if i < n:
                    raise _Malformed
                return nodes
            top = stack[-1]
            if top[1] and not top[2]:
                # an object label was parsed: its last node must be a string
                last = nodes[-1]
                if last.etype != _STRING:
                    raise _Malformed
                last.flags |= _LABEL
                while i < n and z[i] in _WS:
                    i += 1
                if i >= n or z[i] != ":":
                    raise _Malformed
                i += 1
                top[2] = True
                break
            while i < n and z[i] in _WS:
                i += 1
            c = z[i] if i < n else ""
            if c == ",":
                i += 1
                top[2] = False
                break
            if c == ("}" if top[1] else "]"):
                i += 1
                nodes[top[0]].n = len(nodes) - top[0] - 1
                stack.pop()
                continue
            raise _Malformed


def _parse_value(v: Any) -> list[_Node] | None:
    """A fresh parse of an SQL argument (None for NULL); raises "malformed JSON"."""
    z = _c_text(v)
    if z is None:
        return None
    try:
        return _parse(z)
    except _Malformed:
        raise _malformed() from None


@lru_cache(maxsize=32)
def _parse_cached_text(z: str) -> list[_Node] | None:
    try:
        return _parse(z)
    except _Malformed:
        return None


def _parse_readonly(v: Any) -> list[_Node] | None:
    """A parse that the caller promises not to modify (cached, like
    jsonParseCached); None for NULL; raises "malformed JSON"."""
    z = _c_text(v)
    if z is None:
        return None
    nodes = _parse_cached_text(z)
    if nodes is None:
        raise _malformed()
    return nodes


def _size(nodes: list[_Node], i: int) -> int:
    """jsonNodeSize: nodes taken by the value at i (1 past the end: quirk guard)."""
    if i >= len(nodes):
        return 1
    node = nodes[i]
    return node.n + 1 if node.etype >= _ARRAY else 1


def _parents(nodes: list[_Node]) -> list[int]:
    """jsonParseFindParents: the parent of each node (labels' parent is the object)."""
    up = [0] * len(nodes)
    work = [(0, 0)]
    total = len(nodes)
    while work:
        i, parent = work.pop()
        if i >= total:
            continue
        up[i] = parent
        node = nodes[i]
        if node.etype == _ARRAY:
            j = 1
            while j <= node.n:
                work.append((i + j, i))
                j += _size(nodes, i + j)
        elif node.etype == _OBJECT:
            j = 1
            while j <= node.n:
                if i + j < total:
                    up[i + j] = i
                work.append((i + j + 1, i))
                j += _size(nodes, i + j + 1) + 1
    return up


# --------------------------------------------------------------------------
# Rendering and returning
# --------------------------------------------------------------------------


def _children(nodes: list[_Node], i: int) -> list[int]:
    """The elements of the array at i that are not removed, append chain included."""
    out = []
    while True:
        node = nodes[i]
        j = 1
        while j <= node.n:
            k = i + j
            if k >= len(nodes) or not nodes[k].flags & _REMOVE:
                out.append(k)
            j += _size(nodes, k)
        if not node.flags & _APPEND:
            return out
        i = node.append


def _members(nodes: list[_Node], i: int) -> list[tuple[int, int]]:
    """(label, value) of the object at i whose value is not removed, chain included."""
    out = []
    while True:
        node = nodes[i]
        j = 1
        while j <= node.n:
            k = i + j
            if k + 1 >= len(nodes) or not nodes[k + 1].flags & _REMOVE:
                out.append((k, k + 1))
            j += 1 + _size(nodes, k + 1)
        if not node.flags & _APPEND:
            return out
        i = node.append


def _render_into(nodes: list[_Node], i: int, out: _Out) -> None:
    """jsonRenderNode, iteratively."""
    work: list[Any] = [(nodes, i)]
    while work:
        item = work.pop()
        if item.__class__ is str:
            if item == ",":
                out.sep()
            else:
                out.add(item)
            continue
        nodes, i = item
        if i >= len(nodes):
            out.add("null")
            continue
        node = nodes[i]
        if node.flags & (_REPLACE | _PATCH):
            if node.flags & _REPLACE:
                out.add(_value_json(node.value))
                continue
            nodes, i = node.patch
            node = nodes[i]
        et = node.etype
        if et == _STRING:
            out.add(_quote(node.text) if node.flags & _RAW else node.text)
        elif et == _INT or et == _REAL:
            out.add(node.text)
        elif et == _ARRAY:
            out.add("[")
            work.append("]")
            for k in reversed(_children(nodes, i)):
                work.append((nodes, k))
                work.append(",")
        elif et == _OBJECT:
            out.add("{")
            work.append("}")
            for label, value in reversed(_members(nodes, i)):
                work.append((nodes, value))
                work.append(":")
                work.append((nodes, label))
                work.append(",")
        else:
            out.add(_TYPE_NAMES[et])


def _render(nodes: list[_Node], i: int) -> JsonText:
    out = _Out()
    _render_into(nodes, i, out)
    return JsonText(out.text())


def _int_value(tok: str) -> int | float:
    v = int(tok)
    if _SMALLEST_INT64 <= v <= _LARGEST_INT64:
        return v
    return float(tok)


def _lone_surrogate(v: int) -> str:
    b = bytes((0xE0 | (v >> 12), 0x80 | ((v >> 6) & 0x3F), 0x80 | (v & 0x3F)))
    return b.decode("utf-8", "surrogateescape")


def _unescape(tok: str) -> str:
    """The text of a JSON string token with escapes (jsonReturn's translation)."""
    out: list[str] = []
    n = len(tok)
    i = 1
    start = 1
    while i < n - 1:
        if tok[i] != "\\":
            i += 1
            continue
        out.append(tok[start:i])
        c = tok[i + 1]
        i += 2
        if c == "u":
            v = int(tok[i:i + 4], 16)
            i += 4
            if v == 0:
                start = n - 1
                break
            if 0xD800 <= v <= 0xDBFF and tok.startswith("\\u", i) and i + 6 <= n - 1:
                lo = int(tok[i + 2:i + 6], 16)
                if 0xDC00 <= lo <= 0xDFFF:
                    out.append(chr(0x10000 + ((v & 0x3FF) << 10) + (lo & 0x3FF)))
                    i += 6
                    start = i
                    continue
            out.append(_lone_surrogate(v) if 0xD800 <= v <= 0xDFFF else chr(v))
        else:
            out.append(_UNESCAPE_SIMPLE.get(c, c))
        start = i
    out.append(tok[start:n - 1])
    return "".join(out)


def _return(nodes: list[_Node], i: int) -> Any:
    """jsonReturn: the SQL value of the node at i."""
    if i >= len(nodes):
        return None
    node = nodes[i]
    et = node.etype
    if et == _STRING:
        if node.flags & _RAW:
            return node.text
        if node.flags & _ESCAPE:
            return _unescape(node.text)
        return node.text[1:-1]
    if et == _INT:
        return _int_value(node.text)
    if et == _REAL:
        return float(node.text)  # strtod (correctly rounded), not sqlite3AtoF
    if et == _TRUE:
        return 1
    if et == _FALSE:
        return 0
    if et == _NULL:
        return None
    return _render(nodes, i)


# --------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------


def _find_label(nodes: list[_Node], i: int, key: str) -> tuple[int | None, int]:
    """The value of member ``key`` of the object at i (append chain included),
    and the last container of the chain."""
    while True:
        node = nodes[i]
        j = 1
        while j <= node.n:
            k = i + j
            if k < len(nodes):
                label = nodes[k]
                if label.etype == _STRING and (
                    label.text == key if label.flags & _RAW else label.text[1:-1] == key
                ):
                    return k + 1, i
            j += 1 + _size(nodes, k + 1)
        if not node.flags & _APPEND:
            return None, i
        i = node.append


def _digits(path: str, j: int) -> tuple[int, int]:
    """A run of ASCII digits at j as a wrapping u32, and the index after it."""
    v = 0
    n = len(path)
    while j < n and "0" <= path[j] <= "9":
        v = (v * 10 + ord(path[j]) - 48) & _U32
        j += 1
    return v, j


def _lookup_step(nodes: list[_Node], i: int, path: str, pos: int,
                 apnd: bool) -> tuple[int | None, bool]:
    """jsonLookupStep (+ jsonLookupAppend): the node path[pos:] designates below
    node i, and whether nodes were appended to reach it.  Raises _PathError."""
    n = len(path)
    links: list[tuple[int, int, int | None]] = []
    appended = False
    while True:
        if pos >= n:
            break
        root = nodes[i]
        if root.flags & _REPLACE:
            return None, appended
        c = path[pos]
        if c == ".":
            if root.etype != _OBJECT:
                return None, appended
            pos += 1
            if pos < n and path[pos] == '"':
                end = path.find('"', pos + 1)
                if end < 0:
                    raise _PathError(path[pos:])
                key = path[pos + 1:end]
                nxt = end + 1
            else:
                k = pos
                while k < n and path[k] != "." and path[k] != "[":
                    k += 1
                key = path[pos:k]
                nxt = k
                if not key:
                    raise _PathError(path[pos:])
            found, last = _find_label(nodes, i, key)
            if found is not None:
                i = found
                pos = nxt
                continue
            if not apnd:
                return None, appended
            nodes.append(_Node(_OBJECT, 2))
            nodes.append(_Node(_STRING, text=key))
            links.append((last, len(nodes) - 2, len(nodes) - 1))
            pos = nxt
        elif c == "[":
            idx, j = _digits(path, pos + 1)
            if j < pos + 2 or j >= n or path[j] != "]":
                if pos + 1 < n and path[pos + 1] == "#":
                    if root.etype != _ARRAY:
                        return None, appended
                    idx = len(_children(nodes, i)) & _U32
                    j = pos + 2
                    if j + 1 < n and path[j] == "-" and "0" <= path[j + 1] <= "9":
                        x, j = _digits(path, j + 1)
                        if x > idx:
                            return None, appended
                        idx -= x
                    if j >= n or path[j] != "]":
                        raise _PathError(path[pos:])
                else:
                    raise _PathError(path[pos:])
            if root.etype != _ARRAY:
                return None, appended
            pos = j + 1
            # walk to element idx; like 3.40, continue to the end of the append chain
            r = i
            k = 1
            while True:
                rn = nodes[r]
                while k <= rn.n and (idx > 0 or nodes[r + k].flags & _REMOVE):
                    if not nodes[r + k].flags & _REMOVE:
                        idx -= 1
                    k += _size(nodes, r + k)
                if not rn.flags & _APPEND:
                    break
                r = rn.append
                k = 1
            if k <= nodes[r].n:
                i = r + k
                continue
            if idx != 0 or not apnd:
                return None, appended
            nodes.append(_Node(_ARRAY, 1))
            links.append((r, len(nodes) - 1, None))
        else:
            raise _PathError(path[pos:])
        # jsonLookupAppend: create what the rest of the path needs
        appended = True
        if pos >= n:
            nodes.append(_Node(_NULL))
            i = len(nodes) - 1
            break
        if path[pos] == ".":
            nodes.append(_Node(_OBJECT))
        elif path.startswith("[0]", pos):
            nodes.append(_Node(_ARRAY))
        else:
            return None, appended
        i = len(nodes) - 1
    for container, start, label in links:
        nodes[container].append = start
        nodes[container].flags |= _APPEND
        if label is not None:
            nodes[label].flags |= _RAW
    return i, appended


def _lookup(nodes: list[_Node], path: str | None, apnd: bool = False) -> tuple[int | None, bool]:
    """jsonLookup: (node index or None, appended); raises the path error."""
    if path is None:
        return None, False
    if not path.startswith("$"):
        raise _path_error(path)
    try:
        return _lookup_step(nodes, 0, path, 1, apnd)
    except _PathError as e:
        raise _path_error(e.near) from None


# --------------------------------------------------------------------------
# Scalar functions
# --------------------------------------------------------------------------


def json_remove(*args: Any) -> Any:
    """json_remove(JSON, PATH, ...); json(JSON) is json_remove with no path."""
    if not args:
        return None
    nodes = _parse_value(args[0])
    if nodes is None:
        return None
    for p in args[1:]:
        path = _c_text(p)
        if path is None:
            return None
        i, _ = _lookup(nodes, path)
        if i is not None:
            nodes[i].flags |= _REMOVE
    if nodes[0].flags & _REMOVE:
        return None
    return _render(nodes, 0)


def json(x: Any) -> Any:
    """json(X): X minified (a JSON text), NULL for NULL."""
    return json_remove(x)


def json_array(*args: Any) -> JsonText:
    out = _Out()
    out.add("[")
    for a in args:
        out.sep()
        out.add(_value_json(a))
    out.add("]")
    return JsonText(out.text())


def json_object(*args: Any) -> JsonText:
    if len(args) & 1:
        raise OperationalError("json_object() requires an even number of arguments")
    blob = False
    out = _Out()
    out.add("{")
    for k in range(0, len(args), 2):
        label = args[k]
        if not isinstance(label, str):
            raise OperationalError("json_object() labels must be TEXT")
        if blob:
            continue
        out.sep()
        out.add(_quote(label))
        out.add(":")
        try:
            out.add(_value_json(args[k + 1]))
        except OperationalError:
            blob = True  # SQLite keeps going: a later non-TEXT label wins
    if blob:
        raise _blob_error()
    out.add("}")
    return JsonText(out.text())


def json_quote(v: Any) -> JsonText:
    return JsonText(_value_json(v))


def json_array_length(j: Any, *path: Any) -> Any:
    nodes = _parse_readonly(j)
    if nodes is None:
        return None
    if path:
        i, _ = _lookup(nodes, _c_text(path[0]))
        if i is None:
            return None
    else:
        i = 0
    node = nodes[i]
    if node.etype != _ARRAY:
        return 0
    count = 0
    k = 1
    while k <= node.n:
        count += 1
        k += _size(nodes, i + k)
    return count


def json_extract(*args: Any) -> Any:
    if len(args) < 2:
        return None
    nodes = _parse_readonly(args[0])
    if nodes is None:
        return None
    if len(args) == 2:
        path = _c_text(args[1])
        if path is None:
            return None
        i, _ = _lookup(nodes, path)
        return None if i is None else _return(nodes, i)
    out = _Out()
    out.add("[")
    for p in args[1:]:
        i, _ = _lookup(nodes, _c_text(p))
        out.sep()
        if i is None:
            out.add("null")
        else:
            _render_into(nodes, i, out)
    out.add("]")
    return JsonText(out.text())


def _arrow(a: Any, b: Any, as_json: bool) -> Any:
    nodes = _parse_readonly(a)
    if nodes is None:
        return None
    path = _c_text(b)
    if path is None:
        return None
    if not path.startswith("$"):
        # abbreviated paths: NUMBER -> $[NUMBER], [..] -> $[..], LABEL -> $.LABEL
        if path[:1].isascii() and path[:1].isdigit():
            path = "$[" + path + "]"
        elif path.startswith("["):
            path = "$" + path
        else:
            path = "$." + path
    i, _ = _lookup(nodes, path)
    if i is None:
        return None
    if as_json:
        return _render(nodes, i)
    v = _return(nodes, i)
    return str.__str__(v) if isinstance(v, JsonText) else v


def json_arrow(a: Any, b: Any) -> Any:
    """``a -> b``: the JSON text of the element (SQLite 3.38+)."""
    return _arrow(a, b, True)


def json_arrow2(a: Any, b: Any) -> Any:
    """``a ->> b``: the SQL value of the element (no JSON subtype)."""
    return _arrow(a, b, False)


def _edit(args: tuple, name: str, is_set: bool, apnd: bool) -> Any:
    if not args:
        return None
    if not len(args) & 1:
        raise OperationalError(f"json_{name}() needs an odd number of arguments")
    nodes = _parse_value(args[0])
    if nodes is None:
        return None
    for k in range(1, len(args), 2):
        i, appended = _lookup(nodes, _c_text(args[k]), apnd)
        if i is not None and (appended or is_set):
            node = nodes[i]
            node.flags |= _REPLACE
            node.value = args[k + 1]
    if nodes[0].flags & _REPLACE:
        return nodes[0].value
    return _render(nodes, 0)


def json_insert(*args: Any) -> Any:
    return _edit(args, "insert", False, True)


def json_replace(*args: Any) -> Any:
    return _edit(args, "replace", True, False)


def json_set(*args: Any) -> Any:
    return _edit(args, "set", True, True)


def json_type(j: Any, *path: Any) -> Any:
    nodes = _parse_readonly(j)
    if nodes is None:
        return None
    if path:
        i, _ = _lookup(nodes, _c_text(path[0]))
        if i is None:
            return None
    else:
        i = 0
    return _TYPE_NAMES[nodes[i].etype]


def json_valid(j: Any) -> int:
    z = _c_text(j)
    if z is None:
        return 0
    return int(_parse_cached_text(z) is not None)


def _remove_all_nulls(nodes: list[_Node], i: int) -> None:
    """jsonRemoveAllNulls: mark null members of the object at i (and of the
    objects inside it, not inside arrays) removed."""
    work = [i]
    while work:
        i = work.pop()
        node = nodes[i]
        k = 2
        while k <= node.n:
            member = nodes[i + k]
            if member.etype == _NULL:
                member.flags |= _REMOVE
            elif member.etype == _OBJECT:
                work.append(i + k)
            k += _size(nodes, i + k) + 1


def _merge_patch(x: list[_Node], itarget: int, y: list[_Node], ipatch: int):
    """jsonMergePatch (RFC 7396 as 3.40 does it), a generator: it yields
    (target, patch) for each recursive merge and receives its result."""
    patch = y[ipatch]
    if patch.etype != _OBJECT:
        return (y, ipatch)
    target = x[itarget]
    if target.etype != _OBJECT:
        _remove_all_nulls(y, ipatch)
        return (y, ipatch)
    iroot = itarget
    i = 1
    while i < patch.n:
        label = y[ipatch + i]
        ivalue = ipatch + i + 1
        j = 1
        while j < target.n:
            if x[itarget + j].text == label.text:
                tvalue = x[itarget + j + 1]
                if tvalue.flags & (_REMOVE | _PATCH):
                    break
                if y[ivalue].etype == _NULL:
                    tvalue.flags |= _REMOVE
                else:
                    new = yield (itarget + j + 1, ivalue)
                    if new[0] is not x or new[1] != itarget + j + 1:
                        tvalue.patch = new
                        tvalue.flags |= _PATCH
                break
            j += _size(x, itarget + j + 1) + 1
        if j >= target.n and y[ivalue].etype != _NULL:
            start = len(x)
            x.append(_Node(_OBJECT, 2))
            x.append(_Node(_STRING, text=label.text))
            member = _Node(_TRUE)
            member.flags = _PATCH
            member.patch = (y, ivalue)
            x.append(member)
            _remove_all_nulls(y, ipatch)
            x[iroot].flags |= _APPEND
            x[iroot].append = start
            iroot = start
        i += _size(y, ivalue) + 1
    return (x, itarget)


def json_patch(a: Any, b: Any) -> Any:
    x = _parse_value(a)
    if x is None:
        return None
    y = _parse_value(b)
    if y is None:
        return None
    # run the recursive merge on an explicit stack (nesting may reach 2000)
    stack = [_merge_patch(x, 0, y, 0)]
    result: Any = None
    while stack:
        try:
            request = stack[-1].send(result)
        except StopIteration as done:
            stack.pop()
            result = done.value
            continue
        result = None
        stack.append(_merge_patch(x, request[0], y, request[1]))
    nodes, i = result
    return _render(nodes, i)


# --------------------------------------------------------------------------
# Aggregates (json_group_array, json_group_object)
# --------------------------------------------------------------------------


class _JsonGroup:
    """The text accumulator shared by both aggregates (a JsonString in json.c)."""

    __slots__ = ("parts", "size")
    opener = "["
    closer = "]"

    def __init__(self) -> None:
        self.parts: list[str] | None = None
        self.size = 0

    def _start(self) -> None:
        if self.parts is None:
            self.parts = [self.opener]
            self.size = 1
        elif self.size > 1:
            self.parts.append(",")
            self.size += 1

    def _add(self, s: str) -> None:
        assert self.parts is not None
        self.parts.append(s)
        self.size += len(s)

    def inverse(self, *args: Any) -> None:
        """jsonGroupInverse: drop the text up to the first top-level comma."""
        if self.parts is None:
            return
        z = "".join(self.parts)
        n = len(z)
        in_str = False
        nest = 0
        i = 1
        while i < n:
            c = z[i]
            if c == "," and not in_str and not nest:
                break
            if c == '"':
                in_str = not in_str
            elif c == "\\":
                i += 1
            elif not in_str:
                if c == "{" or c == "[":
                    nest += 1
                elif c == "}" or c == "]":
                    nest -= 1
            i += 1
        z = z[0] + z[i + 1:] if i < n else z[0]
        self.parts = [z]
        self.size = len(z)

    def value(self) -> JsonText:
        if self.parts is None:
            return JsonText(self.opener + self.closer)
        return JsonText("".join(self.parts) + self.closer)

    def finalize(self) -> JsonText:
        return self.value()


class JsonGroupArray(_JsonGroup):
    """json_group_array(X): X of every row as a JSON array."""

    __slots__ = ()

    def step(self, value: Any) -> None:
        self._start()
        self._add(_value_json(value))


class JsonGroupObject(_JsonGroup):
    """json_group_object(NAME, VALUE): a JSON object (a NULL name gives an empty key
    text, as in 3.40: ``{:1}``)."""

    __slots__ = ()
    opener = "{"
    closer = "}"

    def step(self, name: Any, value: Any) -> None:
        self._start()
        label = _text(name)
        if label is not None:
            self._add(_quote(label))
        self._add(":")
        self._add(_value_json(value))


JSON_AGGREGATES: dict[str, AggregateDef] = {
    "json_group_array": AggregateDef("json_group_array", 1, 1, lambda coll: JsonGroupArray()),
    "json_group_object": AggregateDef(
        "json_group_object", 2, 2, lambda coll: JsonGroupObject()
    ),
}


# --------------------------------------------------------------------------
# Table-valued functions (json_each, json_tree)
# --------------------------------------------------------------------------

_ABSENT: Any = object()


def _path_element(label: _Node) -> str:
    """The path step for an object label: .key, or ."key" with the raw token
    when the key is not an ASCII letter followed by letters and digits."""
    z = label.text or '""'
    if label.flags & _RAW:
        return "." + z
    if len(z) > 2 and z[1].isascii() and z[1].isalpha():
        body = z[1:-1]
        if body.isascii() and body.isalnum():
            return "." + body
    return "." + z


class _Paths:
    """jsonEachComputePath with memory: the full path of a node, as json_tree
    computes it at the moment (from the current array indexes of its
    ancestors).  Paths of containers are kept: while the scan is inside a
    container, neither it nor its ancestors change their index."""

    __slots__ = ("nodes", "up", "known")

    def __init__(self, nodes: list[_Node], up: list[int]):
        self.nodes = nodes
        self.up = up
        self.known: dict[int, str] = {0: "$"}

    def of(self, i: int) -> str:
        nodes, up, known = self.nodes, self.up, self.known
        chain = []
        while i not in known:
            chain.append(i)
            i = up[i]
        out = known[i]
        for k in reversed(chain):
            parent = nodes[up[k]]
            node = nodes[k]
            if parent.etype == _ARRAY:
                out += f"[{parent.key}]"
            else:
                out += _path_element(node if node.flags & _LABEL else nodes[k - 1])
            if node.etype >= _ARRAY:
                known[k] = out
        return out


def _render_memo(nodes: list[_Node], i: int, memo: dict[int, str]) -> JsonText:
    """The JSON text of node i of an unedited parse, remembering the text of
    every container below it (json_tree renders each subtree once)."""
    total = len(nodes)

    def text(k: int) -> str:
        if k >= total:
            return "null"
        node = nodes[k]
        et = node.etype
        if et >= _ARRAY:
            return memo[k]
        if et >= _INT:
            return node.text
        return _TYPE_NAMES[et]

    work = [(i, False)]
    while work:
        k, ready = work.pop()
        if k in memo or k >= total:
            continue
        node = nodes[k]
        if node.etype == _ARRAY:
            kids = _children(nodes, k)
            if ready:
                memo[k] = "[" + ",".join(map(text, kids)) + "]"
                continue
        elif node.etype == _OBJECT:
            pairs = _members(nodes, k)
            if ready:
                memo[k] = "{" + ",".join(text(a) + ":" + text(b) for a, b in pairs) + "}"
                continue
            kids = [x for pair in pairs for x in pair]
        else:
            continue
        work.append((k, True))
        for c in kids:
            if c < total and nodes[c].etype >= _ARRAY and c not in memo:
                work.append((c, False))
    return JsonText(text(i))


def _json_table(json_arg: Any, root_arg: Any, recursive: bool) -> Iterator[tuple]:
    """xFilter of the json_each/json_tree virtual table (eager: errors are raised
    here) and an iterator over the rows (xNext/xColumn)."""
    z = _c_text(json_arg)
    if z is None:
        return iter(())
    try:
        nodes = _parse(z)
    except _Malformed:
        raise _malformed() from None
    up = _parents(nodes) if recursive else []
    zroot = None
    if root_arg is not _ABSENT:
        zroot = _c_text(root_arg)
        if zroot is None:
            return iter(())
        if not zroot.startswith("$"):
            raise _path_error(zroot)
        try:
            begin, _ = _lookup_step(nodes, 0, zroot, 1, False)
        except _PathError as e:
            raise _path_error(e.near) from None
        if begin is None:
            return iter(())
    else:
        begin = 0
    return _json_table_rows(nodes, up, z, zroot, begin, recursive)


def _json_table_rows(nodes: list[_Node], up: list[int], z: str, zroot: str | None,
                     begin: int, recursive: bool) -> Iterator[tuple]:
    i = begin
    etype = nodes[i].etype
    if etype >= _ARRAY:
        nodes[i].key = 0
        end = i + nodes[i].n + 1
        if recursive:
            etype = nodes[up[i]].etype
            if i > 0 and nodes[i - 1].flags & _LABEL:
                i -= 1
        else:
            i += 1
    else:
        end = i + 1
    root_text = zroot if zroot is not None else "$"
    rowid = 0
    paths = _Paths(nodes, up) if recursive else None
    memo: dict[int, str] = {}
    while i < end:
        this = nodes[i]
        t = i + 1 if this.flags & _LABEL else i
        # key
        key: Any = None
        if i != 0:
            if etype == _OBJECT:
                key = _return(nodes, i)
            elif etype == _ARRAY:
                if recursive:
                    key = None if rowid == 0 else nodes[up[i]].key
                else:
                    key = rowid
        vnode = nodes[t]
        value = _render_memo(nodes, t, memo) if vnode.etype >= _ARRAY else _return(nodes, t)
        atom = None if vnode.etype >= _ARRAY else value
        parent = up[i] if (recursive and i > begin) else None
        if paths is not None:
            fullkey = paths.of(i)
            if t != i and vnode.etype >= _ARRAY:
                paths.known[t] = fullkey
            path = paths.of(up[i])
        else:
            if etype == _ARRAY:
                fullkey = f"{root_text}[{rowid}]"
            elif etype == _OBJECT:
                fullkey = root_text + _path_element(this)
            else:
                fullkey = root_text
            path = root_text
        yield (key, value, _TYPE_NAMES[vnode.etype], atom, t, parent, fullkey, path,
               z, root_text)
        # xNext
        if recursive:
            if this.flags & _LABEL:
                i += 1
            i += 1
            rowid += 1
            if i < end:
                iup = up[i]
                pu = nodes[iup]
                etype = pu.etype
                if pu.etype == _ARRAY:
                    pu.key = 0 if iup == i - 1 else pu.key + 1
        elif etype == _ARRAY:
            i += _size(nodes, i)
            rowid += 1
        elif etype == _OBJECT:
            i += 1 + _size(nodes, i + 1)
            rowid += 1
        else:
            i = end


def json_each(json_arg: Any, root: Any = _ABSENT) -> Iterator[tuple]:
    """json_each(JSON[, ROOT]): the rows (key, value, type, atom, id, parent,
    fullkey, path, json, root) for the direct children of ROOT (default $).
    Omit ``root`` for the one-argument form; ``None`` is an SQL NULL root (no rows)."""
    return _json_table(json_arg, root, False)


def json_tree(json_arg: Any, root: Any = _ABSENT) -> Iterator[tuple]:
    """json_tree(JSON[, ROOT]): the rows for ROOT and everything below it, in
    document order, with SQLite's ids (node indexes) and parents."""
    return _json_table(json_arg, root, True)


JSON_TABLE_FUNCTIONS = {"json_each": json_each, "json_tree": json_tree}


def _fd(name: str, lo: int, hi: int, impl: Any) -> FunctionDef:
    return FunctionDef(name, lo, hi, impl)


JSON_SCALAR_FUNCTIONS: dict[str, FunctionDef] = {
    f.name: f
    for f in (
        _fd("json", 1, 1, json),
        _fd("json_array", 0, -1, json_array),
        _fd("json_array_length", 1, 2, json_array_length),
        _fd("json_extract", 0, -1, json_extract),
        _fd("->", 2, 2, json_arrow),
        _fd("->>", 2, 2, json_arrow2),
        _fd("json_insert", 0, -1, json_insert),
        _fd("json_object", 0, -1, json_object),
        _fd("json_patch", 2, 2, json_patch),
        _fd("json_quote", 1, 1, json_quote),
        _fd("json_remove", 0, -1, json_remove),
        _fd("json_replace", 0, -1, json_replace),
        _fd("json_set", 0, -1, json_set),
        _fd("json_type", 1, 2, json_type),
        _fd("json_valid", 1, 1, json_valid),
    )
}
"""The JSON scalar functions by lower-case name ("->" and "->>" are the operators)."""
