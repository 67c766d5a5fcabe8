"""SQLite's tokenizer, as ``tokenize.c`` (SQLite 3.40) defines it.

One compiled regular expression splits the text; the few context rules of
tokenize.c are applied afterwards:

- whitespace is space, tab, newline, form feed and carriage return only;
  ``--`` comments run to the end of the line; ``/*`` comments may be left
  unterminated at the end of the input (but a lone ``/*`` at the very end is
  the two tokens ``/`` and ``*``, as in SQLite);
- identifiers start with a letter, ``_`` or any non-ASCII character and go on
  with those, digits and ``$``; ``"x"``, ``[x]`` and ```x``` are quoted
  identifiers; ``'x'`` is a string (``''`` escapes a quote);
- numbers: ``123``, ``1.5``, ``.5``, ``1e10``, ``1.e5``, ``0x1F``; a decimal
  number immediately followed by identifier characters (``12abc``, ``1_000``,
  ``1e``) is one unrecognized token; a hex number stops at its last hex digit;
- ``X'..'`` blobs need an even number of hex digits, otherwise the text up to
  the next quote is an unrecognized token;
- parameters: ``?``, ``?NNN``, and ``:``, ``@``, ``$``, ``#`` followed by
  identifier characters, with Tcl's ``::`` and ``(...)`` suffixes;
- WINDOW, OVER and FILTER are keywords only in the contexts that
  tokenize.c's analyzeWindowKeyword / analyzeOverKeyword /
  analyzeFilterKeyword accept; elsewhere they are identifiers.

Errors are :class:`SQLSyntaxError`, an ``engine.errors.OperationalError``
worded as sqlite3 words them (``unrecognized token: "X"``) that also carries
``offset``, ``line`` and ``column`` of the offending token.
"""

from __future__ import annotations

import re
from collections import deque

from engine.errors import OperationalError

from .tokens import FALLBACK_ID, KEYWORD_KIND, PUNCTUATION, Token

# SQLITE_MAX_SQL_LENGTH of the reference build (bytes).
MAX_SQL_LENGTH = 1_000_000_000


class SQLSyntaxError(OperationalError):
    """A syntax error with its position: ``offset`` (characters from the start
    of the text), ``line`` and ``column`` (both 1-based) and the offending
    token's text (``token``, None at the end of the input)."""

    def __init__(self, message: str, sql: str = "", offset: int | None = None,
                 token: str | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.token = token
        if offset is not None:
            self.line = sql.count("\n", 0, offset) + 1
            self.column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
        else:
            self.line = None
            self.column = None


_ID_CHAR = r"[A-Za-z0-9_$\u0080-\U0010FFFF]"
# whitespace and comments
_SKIP = r"(?:[ \t\n\f\r]+|--[^\n]*|/\*(?=[\s\S])[\s\S]*?(?:\*/|\Z))*"
# whitespace is skipped in front of every token; a comment is a match of its
# own that yields no token
_PATTERN = re.compile(
    r"""[ \t\n\f\r]*(?:
    (?P<id>(?![xX]')[A-Za-z_\u0080-\U0010FFFF][A-Za-z0-9_$\u0080-\U0010FFFF]*)
  | (?P<comment>--[^\n]*|/\*(?=[\s\S])[\s\S]*?(?:\*/|\Z))
  | (?P<hex>0[xX][0-9a-fA-F]+)
  | (?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<punct>->>|->|\|\||<=|<>|<<|>=|>>|==|!=|[-+*/%=<>|&~,;().])
  | (?P<string>'(?:[^']|'')*+')
  | (?P<quoted>"(?:[^"]|"")*+"|`(?:[^`]|``)*+`|\[[^\]]*\])
  | (?P<var>\?[0-9]*|[$@:#])
  | (?P<blob>[xX]'[0-9a-fA-F]*')
    )""",
    re.VERBOSE,
)
_SKIP_RE = re.compile(_SKIP)
_ID_TAIL = re.compile(_ID_CHAR + "*")
_NOT_SPACE_OR_PAREN = re.compile(r"[^ \t\n\f\r)]*")


def _illegal(sql: str, start: int, end: int) -> SQLSyntaxError:
    text = sql[start:end]
    return SQLSyntaxError(f'unrecognized token: "{text}"', sql, start, text)


def _scan_variable(sql: str, pos: int) -> tuple[int, bool]:
    """End of a ``$``/``@``/``:``/``#`` parameter starting at ``pos`` and
    whether it is legal (tokenize.c, case CC_DOLLAR / CC_VARALPHA)."""
    i = pos + 1
    n = 0
    length = len(sql)
    while i < length:
        c = sql[i]
        if c.isascii() and (c.isalnum() or c in "_$") or not c.isascii():
            n += 1
            i += 1
        elif c == "(" and n > 0:
            m = _NOT_SPACE_OR_PAREN.match(sql, i + 1)
            i = m.end()
            if i < length and sql[i] == ")":
                return i + 1, True
            return i, False
        elif c == ":" and i + 1 < length and sql[i + 1] == ":":
            i += 2
        else:
            break
    return i, n > 0


def tokenize(sql: str) -> list[Token]:
    """Split ``sql`` into tokens (whitespace and comments dropped), ending with
    an ``EOF`` token. Raises :class:`SQLSyntaxError` on the first unrecognized
    token. (The parser reads :func:`iter_lex` lazily and meets illegal tokens
    as ``ILLEGAL`` tokens, so that an earlier syntax error wins, as in
    SQLite.)"""
    tokens = lex(sql)
    for tok in tokens:
        if tok.kind == "ILLEGAL":
            raise illegal_token_error(sql, tok)
    return tokens


def _illegal_at(sql: str, pos: int) -> tuple[Token | None, int]:
    """At ``pos`` (after whitespace) nothing legal starts: the illegal token
    there and where to go on, or (None, end) at the end of the input."""
    length = len(sql)
    if pos >= length or sql[pos] == "\x00":
        return None, length
    c = sql[pos]
    if c in "'\"`[":
        # an unterminated string or quoted identifier runs to the end
        return Token("ILLEGAL", sql[pos:], pos), length
    if c in "xX" and sql.startswith("'", pos + 1):
        # X' that is not a well-formed blob literal: up to the next quote
        q = sql.find("'", pos + 2)
        stop = length if q < 0 else q + 1
        return Token("ILLEGAL", sql[pos:stop], pos), stop
    return Token("ILLEGAL", c, pos), pos + 1


def iter_tokens(sql: str):
    """Yield the tokens of ``sql`` one by one, an unrecognized token as kind
    ``ILLEGAL`` with its text, and finally ``EOF``. Lazy: text after the
    point where the parser stops is never scanned."""
    if len(sql) > MAX_SQL_LENGTH // 4 and len(
        sql.encode("utf-8", "surrogatepass")
    ) > MAX_SQL_LENGTH:
        raise SQLSyntaxError("string or blob too big", sql, 0)
    keyword_kind = KEYWORD_KIND
    punct = PUNCTUATION
    length = len(sql)
    nul = sql.find("\x00")
    if nul >= 0:
        length = nul
        sql = sql[:nul]
    pos = 0
    while pos < length:
        restart = False
        for m in _PATTERN.finditer(sql, pos):
            if m.start() != pos:
                # something illegal between pos and this match
                tok, pos = _illegal_at(sql, _SKIP_RE.match(sql, pos).end())
                if tok is not None:
                    yield tok
                restart = True
                break
            group = m.lastgroup
            end = m.end()
            if group == "comment":
                pos = end
                continue
            start = m.start(group)
            text = sql[start:end]
            if group == "id":
                kind = keyword_kind.get(text.upper(), "ID")
            elif group == "punct":
                kind = punct[text]
            elif group == "number":
                if end < length:
                    tail = _ID_TAIL.match(sql, end).end()
                    if tail != end:
                        # e.g. 12abc, 1_000, 1e: one unrecognized token
                        yield Token("ILLEGAL", sql[start:tail], start)
                        pos = tail
                        restart = True
                        break
                kind = "INTEGER" if text.isdigit() else "FLOAT"
            elif group == "string":
                kind = "STRING"
            elif group == "quoted":
                kind = "ID"
            elif group == "hex":
                kind = "INTEGER"
            elif group == "blob":
                kind = "BLOB" if (end - start - 3) % 2 == 0 else "ILLEGAL"
            elif text == "?" or text[0] == "?":
                kind = "VARIABLE"
            else:
                stop, legal = _scan_variable(sql, start)
                yield Token("VARIABLE" if legal else "ILLEGAL", sql[start:stop], start)
                pos = stop
                restart = True
                break
            yield Token(kind, text, start)
            pos = end
        if not restart:
            # no further match: only whitespace, comments or illegal text left
            tok, pos = _illegal_at(sql, _SKIP_RE.match(sql, pos).end())
            if tok is not None:
                yield tok
    yield Token("EOF", "", length)


def classify_window_keywords(tokens: list[Token]) -> None:
    """Turn the identifiers WINDOW, OVER and FILTER into keywords where
    tokenize.c would (in place)."""
    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.kind != "ID" or len(tok.text) not in (4, 6):
            continue
        upper = tok.text.upper()
        if upper == "WINDOW":
            if (
                i + 2 < n
                and _is_id_like(tokens[i + 1])
                and tokens[i + 2].kind == "AS"
            ):
                tok.kind = "WINDOW"
        elif upper == "OVER":
            if i > 0 and tokens[i - 1].kind == "RP" and i + 1 < n and (
                tokens[i + 1].kind == "LP" or _is_id_like(tokens[i + 1])
            ):
                tok.kind = "OVER"
        elif upper == "FILTER":
            if i > 0 and tokens[i - 1].kind == "RP" and i + 1 < n and tokens[i + 1].kind == "LP":
                tok.kind = "FILTER"


def _is_id_like(tok: Token) -> bool:
    # tokenize.c getToken(): ID, STRING, JOIN_KW, WINDOW, OVER and every
    # keyword that falls back to ID count as TK_ID.
    # FILTER is a keyword of its own there (never an identifier).
    k = tok.kind
    if k == "ID" and tok.text.upper() == "FILTER":
        return False
    return k in ("ID", "STRING", "JOIN_KW", "WINDOW", "OVER") or k in FALLBACK_ID


def iter_lex(sql: str):
    """Tokens of ``sql`` for the parser, lazily: illegal tokens included as
    ``ILLEGAL``, WINDOW/OVER/FILTER classified, ``EOF`` last."""
    source = iter_tokens(sql)
    ahead: deque[Token] = deque()
    prev: Token | None = None
    while True:
        tok = ahead.popleft() if ahead else next(source)
        if (
            tok.kind == "ID"
            and len(tok.text) in (4, 6)
            and tok.text.upper() in ("WINDOW", "OVER", "FILTER")
        ):
            while len(ahead) < 2 and not (ahead and ahead[-1].kind == "EOF"):
                ahead.append(next(source))
            classify_window_keywords([prev or Token("", "", 0), tok, *ahead])
        yield tok
        if tok.kind == "EOF":
            return
        prev = tok


def lex(sql: str) -> list[Token]:
    """All tokens of ``sql`` as :func:`iter_lex` yields them."""
    return list(iter_lex(sql))


def illegal_token_error(sql: str, tok: Token) -> SQLSyntaxError:
    return _illegal(sql, tok.offset, tok.offset + len(tok.text))
