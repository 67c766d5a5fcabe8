"""engine.sql: SQLite's SQL front end — tokenizer, parser and syntax tree.

Implements SQLite 3.40's ``tokenize.c`` (:mod:`.lexer`, :mod:`.tokens`), the
grammar of ``parse.y`` and the syntax diagrams of sqlite.org/lang.html
(:mod:`.parser`), and a syntax tree declared as data (:mod:`.ast`).

    >>> from engine.sql import parse_one
    >>> parse_one("select a from t where b = 1").to_sql()
    'SELECT a FROM t WHERE b = 1'

Entry points:

- ``parse(sql) -> list[Statement]``: a script (empty statements skipped);
- ``parse_one(sql) -> Statement | None``: one statement, as sqlite3's
  ``execute`` takes it (text after its ``;`` raises ProgrammingError "You can
  only execute one statement at a time."; None when there is no statement);
- ``parse_expression(sql) -> Expr``;
- ``tokenize(sql)`` / ``lex(sql)`` / ``iter_lex(sql)``: tokens;
- ``column_type(raw)``: the declared type SQLite derives from a column's
  type tokens.

Both parse functions take ``version=(3, 40, 1)``; ``(3, 44, 0)`` or later
also accepts ``ORDER BY`` inside aggregate calls.

Errors are :class:`SQLSyntaxError`, an ``engine.errors.OperationalError``
worded exactly as sqlite3 words it (``near "X": syntax error``,
``incomplete input``, ``unrecognized token: "X"``, ``parser stack
overflow``, ``Expression tree is too large (maximum depth 1000)``, and the
messages of parse.y's actions), carrying ``offset``, ``line``, ``column``
and ``token``.
"""

from . import ast
from .lexer import SQLSyntaxError, iter_lex, lex, tokenize
from .parser import SQLITE_VERSION, column_type, dequote, parse, parse_expression, parse_one
from .tokens import Token

__all__ = [
    "SQLITE_VERSION",
    "SQLSyntaxError",
    "Token",
    "ast",
    "column_type",
    "dequote",
    "iter_lex",
    "lex",
    "parse",
    "parse_expression",
    "parse_one",
    "tokenize",
]
