"""engine.sql: SQLite's SQL front end — tokenizer, parser and syntax tree.

Implements SQLite 3.40's ``tokenize.c`` (:mod:`.lexer`), the grammar of
``parse.y`` and the syntax diagrams of sqlite.org/lang.html (:mod:`.parser`)
and a syntax tree declared as data (:mod:`.ast`).

    >>> from engine.sql import parse_one
    >>> parse_one("SELECT 1").to_sql()
    'SELECT 1'

Errors are ``engine.errors.OperationalError`` (:class:`SQLSyntaxError`)
worded exactly as sqlite3 words them, with ``line``/``column``/``offset``.
"""

from . import ast
from .lexer import SQLSyntaxError, lex, tokenize
from .parser import column_type, dequote, parse, parse_expression, parse_one
from .tokens import Token

__all__ = [
    "SQLSyntaxError",
    "Token",
    "ast",
    "column_type",
    "dequote",
    "lex",
    "parse",
    "parse_expression",
    "parse_one",
    "tokenize",
]
