"""``sqlassay sql DB "SQL"``: run SQL on sqlassay's own engine and print the rows.

The statements go through :func:`engine.connect` (never through sqlite3), one
at a time, in order, and the rows of every statement that returns rows are
printed, as the ``sqlite3`` command-line shell does with several statements.
Statements are cut where SQLite's ``sqlite3_complete()`` (``complete.c``)
would say a statement ends: at a ``;`` outside strings, quoted identifiers,
comments and ``CREATE TRIGGER ... END`` bodies (:func:`split_statements`;
:func:`is_complete` is ``sqlite3_complete`` itself, shared with the shell).

Output formats (shared with ``sqlassay shell``'s ``.mode``):

- ``table`` (default): a table per result, drawn by rich on a terminal (folded
  to its width) and as plain ASCII (``+---+`` rules, never wrapped or cut) when
  stdout is a pipe or a file or the result has more than
  :data:`RICH_ROW_LIMIT` rows.  Text is shown as is (tabs expanded, a line
  break makes a row of several lines), INTEGER in decimal, REAL as SQLite
  renders it as text (``CAST(x AS TEXT)``: 15 significant digits,
  ``Inf``/``-Inf``), BLOB as an ``X'..'`` literal in upper-case hex, NULL as
  the ``--null`` text (empty by default); numbers are right-aligned.  A query
  without rows prints its header only.
- ``csv``: RFC 4180 (fields quoted when needed, CRLF line ends), a header line
  unless ``--no-header``; values as in ``table`` except BLOB, which is its hex
  digits in upper case (as SQLite's ``hex()``).
- ``json``: for each result one JSON array of objects, one object per row, the
  keys being the column names as ``cursor.description`` gives them, in order
  (written out by hand so that duplicate column names are all kept, as the
  sqlite3 shell does).  INTEGER and REAL are JSON numbers written so that they
  read back as the same Python value and type (REAL always with a ``.`` or an
  exponent; ``Inf``/``-Inf`` as ``1e999``/``-1e999`` as the sqlite3 shell does,
  which JSON readers read back as infinities; SQLite never yields NaN, null if
  one appears), TEXT a JSON string, NULL ``null``, BLOB a string of upper-case
  hex digits.  Each array is printed on one line, so several results form JSON
  Lines; a query without rows prints ``[]``.
- ``line``: ``name = value`` per column, names right-aligned, a blank line
  between rows (the sqlite3 shell's ``.mode line``).

``--param VALUE`` (repeatable) binds parameters by position (``?``, ``?NNN``,
``:name``... numbered as SQLite numbers them): each statement takes the first N
values, N being the number of parameters it has (too few values is the engine's
"Incorrect number of bindings" error).  A VALUE that is an SQL literal (``42``, ``-1.5``, ``'text'``,
``x'00ff'``, ``NULL``) is bound as that value, anything else as TEXT: the rule
of the sqlite3 shell's ``.parameter set``.

Errors: an SQL error (including ``NotSupportedError`` for what the engine does
not run yet) stops at that statement, prints one line on stderr and exits with
status 1, as the sqlite3 shell does; a missing, unreadable, non-database or
corrupt file exits with status 2 (:mod:`sqlassay.commands`).  The database is
opened with ``readonly=True`` unless ``--write`` is given.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from collections.abc import Iterable, Iterator

import click

from sqlassay.commands import Unreadable, guarded, require_file

MODES = ("table", "csv", "json", "line")

# --------------------------------------------------------------------------------------------
# sqlite3_complete(): where a statement ends
# --------------------------------------------------------------------------------------------

# token classes of complete.c
_SEMI, _WS, _OTHER, _EXPLAIN, _CREATE, _TEMP, _TRIGGER, _END = range(8)
# states: 0 nothing seen yet, 1 at a statement boundary, 2 inside a statement, 3 after
# EXPLAIN, 4 after CREATE [TEMP], 5 inside a trigger body, 6 after a ';' in a trigger
# body, 7 after ';END' in a trigger body.  _NEXT[state][token] is the next state.
_START = 1
_NEXT = (
    (1, 0, 2, 3, 4, 2, 2, 2),
    (1, 1, 2, 3, 4, 2, 2, 2),
    (1, 2, 2, 2, 2, 2, 2, 2),
    (1, 3, 3, 2, 4, 2, 2, 2),
    (1, 4, 2, 2, 2, 4, 5, 2),
    (6, 5, 5, 5, 5, 5, 5, 5),
    (6, 6, 5, 5, 5, 5, 5, 7),
    (1, 7, 5, 5, 5, 5, 5, 5),
)
_KEYWORDS = {"explain": _EXPLAIN, "create": _CREATE, "temp": _TEMP, "temporary": _TEMP,
             "trigger": _TRIGGER, "end": _END}
_WHITESPACE = " \t\n\r\f"


def _id_char(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in "_$") or not c.isascii()


def _scan(sql: str) -> Iterator[tuple[int, int]]:
    """complete.c's tokens: (class, offset just past the token); a last (-1, offset)
    when the text ends inside a string, a quoted name or a ``/*`` comment, and
    (-2, offset) when it ends inside a ``--`` comment."""
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c == ";":
            yield _SEMI, i + 1
            i += 1
        elif c in _WHITESPACE:
            i += 1
            yield _WS, i
        elif c == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end < 0:
                yield -1, n
                return
            i = end + 2
            yield _WS, i
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            if end < 0:
                yield -2, n
                return
            i = end + 1
            yield _WS, i
        elif c in "'\"`[":
            end = sql.find("]" if c == "[" else c, i + 1)
            if end < 0:
                yield -1, n
                return
            i = end + 1
            yield _OTHER, i
        elif _id_char(c):
            j = i + 1
            while j < n and _id_char(sql[j]):
                j += 1
            word = sql[i:j].lower() if j - i <= 9 else ""
            yield _KEYWORDS.get(word, _OTHER), j
            i = j
        else:
            i += 1
            yield _OTHER, i


def is_complete(sql: str) -> bool:
    """True when ``sql`` ends with a complete statement (SQLite's ``sqlite3_complete``):
    it ends with a ``;`` that is outside strings, quoted names, comments and trigger
    bodies, with only whitespace and finished comments after it."""
    state = 0
    for token, _ in _scan(sql):
        if token == -1:
            return False
        if token == -2:
            return state == _START
        state = _NEXT[state][token]
    return state == _START


def split_statements(sql: str) -> list[str]:
    """``sql`` cut after every ``;`` that ends a statement by :func:`is_complete`'s rule.

    Every piece but the last ends with its ``;``; the last is what follows the final
    boundary (it may be an unfinished statement, which the engine then reports, or
    only whitespace and comments).  Joined, the pieces give ``sql`` back.
    """
    pieces = []
    state = 0
    start = 0
    for token, end in _scan(sql):
        if token < 0:
            break
        state = _NEXT[state][token]
        if token == _SEMI and state == _START:
            pieces.append(sql[start:end])
            start = end
    if start < len(sql):
        pieces.append(sql[start:])
    return pieces


# --------------------------------------------------------------------------------------------
# Rendering values and results
# --------------------------------------------------------------------------------------------


def _real_to_text():
    """engine.values.real_to_text, imported on first use (the CLI starts faster)."""
    global _REAL_TO_TEXT
    if _REAL_TO_TEXT is None:
        from engine.values import real_to_text

        _REAL_TO_TEXT = real_to_text
    return _REAL_TO_TEXT


_REAL_TO_TEXT = None


def text_of(value, null: str = "") -> str:
    """A value as the table, csv and line modes show it."""
    if value is None:
        return null
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return _real_to_text()(value)
    if isinstance(value, bytes):
        return "X'" + value.hex().upper() + "'"
    return str(value)


def _csv_field(value, null: str) -> str:
    if isinstance(value, bytes):
        return value.hex().upper()
    return text_of(value, null)


def json_value(value) -> str:
    """One value as JSON text (see the module docstring for the rules)."""
    if value is None:
        return "null"
    if isinstance(value, float):
        if math.isnan(value):
            return "null"
        if math.isinf(value):
            return "1e999" if value > 0 else "-1e999"
        return repr(value)
    if isinstance(value, bytes):
        return '"' + value.hex().upper() + '"'
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


class Output:
    """How results are printed: a mode, headers on or off, the text of NULL."""

    def __init__(self, mode: str = "table", header: bool = True, null: str = ""):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.header = header
        self.null = null

    def write(self, names: list[str], rows: Iterable[tuple], out) -> None:
        """Print one result (column ``names`` and its ``rows``) on ``out``."""
        getattr(self, "_write_" + self.mode)(names, rows, out)

    def _write_json(self, names, rows, out) -> None:
        keys = [json.dumps(n, ensure_ascii=False) + ":" for n in names]
        out.write("[")
        first = True
        for row in rows:
            if not first:
                out.write(",")
            first = False
            out.write("{" + ",".join(k + json_value(v) for k, v in zip(keys, row)) + "}")
        out.write("]\n")

    def _write_csv(self, names, rows, out) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        if self.header:
            writer.writerow(names)
        for row in rows:
            writer.writerow([_csv_field(v, self.null) for v in row])
            if buffer.tell() > 1 << 16:
                out.write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
        out.write(buffer.getvalue())

    def _write_line(self, names, rows, out) -> None:
        width = max([5, *(len(n) for n in names)])
        for i, row in enumerate(rows):
            if i:
                out.write("\n")
            for name, value in zip(names, row):
                out.write(f"{name:>{width}} = {text_of(value, self.null)}\n")

    def _write_table(self, names, rows, out) -> None:
        cells = [[(text_of(v, self.null), type(v) in (int, float)) for v in row] for row in rows]
        if not cells and not self.header:
            return
        if hasattr(out, "isatty") and out.isatty() and len(cells) <= RICH_ROW_LIMIT:
            _rich_table(names, cells, self.header, out)
        else:
            _plain_table(names, cells, self.header, out)


#: Results longer than this are drawn by the plain renderer even on a terminal (rich
#: needs about 1 ms per row).
RICH_ROW_LIMIT = 2000


def _rich_table(names, cells, header: bool, out) -> None:
    """A rich table, folded to the terminal's width."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SQUARE, show_header=header, highlight=False)
    for name in names:
        table.add_column(Text(name), overflow="fold")
    for row in cells:
        table.add_row(*(Text(t, justify="right" if numeric else "left") for t, numeric in row))
    Console(file=out, highlight=False, markup=False, emoji=False).print(table, crop=False)


def _plain_table(names, cells, header: bool, out) -> None:
    """The same table in ASCII (rich's ASCII2 box), never wrapped or cut: for pipes,
    files and long results.  Tabs are expanded; a line break in a value makes a
    row of several lines."""
    from rich.cells import cell_len

    def lines(text):
        return text.expandtabs(8).split("\n")

    head = [(lines(n), False) for n in names]
    body = [[(lines(t), numeric) for t, numeric in row] for row in cells]
    widths = [0] * len(names)
    for row in ([head] if header else []) + body:
        for i, (parts, _) in enumerate(row):
            widths[i] = max(widths[i], *(cell_len(p) for p in parts))
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+\n"
    chunks = [rule]

    def emit(row):
        height = max([1, *(len(parts) for parts, _ in row)])
        for k in range(height):
            pieces = []
            for (parts, numeric), w in zip(row, widths):
                text = parts[k] if k < len(parts) else ""
                pad = " " * (w - cell_len(text))
                pieces.append(pad + text if numeric else text + pad)
            chunks.append("| " + " | ".join(pieces) + " |\n")

    if header:
        emit(head)
        chunks.append(rule)
    for row in body:
        emit(row)
        if len(chunks) > 512:
            out.write("".join(chunks))
            chunks.clear()
    if body or not header:
        chunks.append(rule)
    out.write("".join(chunks))


# --------------------------------------------------------------------------------------------
# Running statements
# --------------------------------------------------------------------------------------------


def parse_param(con, value: str):
    """A ``--param`` VALUE: the value of an SQL literal, else the text itself."""
    import engine
    from engine.sql import ast, parse_expression

    try:
        expr = parse_expression(value)
    except engine.Error:
        return value
    if isinstance(expr, ast.Unary) and expr.op in ("-", "+"):
        if not isinstance(expr.operand, ast.Number):
            return value
    elif not isinstance(expr, (ast.Number, ast.String, ast.Blob, ast.Null)):
        return value
    try:
        row = con.execute("SELECT " + value).fetchone()
    except engine.Error:
        return value
    return row[0]


def parameter_count(sql: str) -> int:
    """How many parameters SQLite numbers in one statement (the largest number used:
    ``?`` takes the next number, ``?NNN`` takes NNN, a name takes a new number the
    first time it appears)."""
    from engine.sql import lex

    count = 0
    names: set[str] = set()
    for token in lex(sql):
        if token.kind != "VARIABLE":
            continue
        text = token.text
        if text == "?":
            count += 1
        elif text[0] == "?":
            count = max(count, int(text[1:]))
        elif text not in names:
            names.add(text)
            count += 1
    return count


class StatementError(Exception):
    """A statement failed: ``error`` is the engine's exception, ``sql`` the statement."""

    def __init__(self, error: BaseException, sql: str):
        super().__init__(str(error))
        self.error = error
        self.sql = sql


def error_text(error: BaseException) -> str:
    """One line for an error: the engine's message (sqlite3's words)."""
    import engine

    if isinstance(error, engine.Error):
        text = str(error)
    else:
        text = f"internal error: {type(error).__name__}: {error}"
    return " ".join(text.split()) or type(error).__name__


def run_statements(con, sql: str, output: Output, out, params: tuple = ()) -> None:
    """Run each statement of ``sql`` in order and print the rows of those that return
    rows; raise :class:`StatementError` at the first one that fails (the rest of
    ``sql`` is not run, as in the sqlite3 shell)."""
    for piece in split_statements(sql):
        try:
            bound = params[:parameter_count(piece)] if params else ()
            cursor = con.execute(piece, bound)
            if cursor.description is None:
                for _ in cursor:
                    pass
                continue
            names = [d[0] for d in cursor.description]
            if output.mode == "table":
                rows = cursor.fetchall()
            else:
                rows = iter(cursor)
            output.write(names, rows, out)
        except BrokenPipeError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported as one line (RecursionError too)
            raise StatementError(exc, piece) from None


def quiet_broken_pipe() -> None:
    """The reader of stdout went away (``sqlassay sql ... | head``): stop quietly, as
    the command group does, without a second error when Python flushes stdout at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
    click.get_current_context().exit(0)


class SQLFailed(click.ClickException):
    """An SQL statement failed (exit status 1, as the sqlite3 shell)."""

    exit_code = 1


@click.command("sql")
@click.argument("db", type=click.Path(dir_okay=True))
@click.argument("sql")
@click.option("--table", "mode", flag_value="table", default=True,
              help="Print each result as a table (default).")
@click.option("--json", "mode", flag_value="json",
              help="Print each result as a JSON array of objects, one line per result.")
@click.option("--csv", "mode", flag_value="csv", help="Print each result as RFC 4180 CSV.")
@click.option("--line", "mode", flag_value="line", help="Print one 'column = value' per line.")
@click.option("--header/--no-header", default=True, show_default=True,
              help="Print column names (table, csv).")
@click.option("--null", "null", default="", metavar="TEXT",
              help="Text shown for NULL in table, csv and line output (default: empty).")
@click.option("--param", "params", multiple=True, metavar="VALUE",
              help="Bind a parameter, by position; an SQL literal is bound as its value, "
                   "anything else as TEXT. Repeatable.")
@click.option("--write", is_flag=True,
              help="Open the database for writing (default: read-only).")
@guarded
def command(db, sql, mode, header, null, params, write):
    """Run SQL (one or more statements) on DB with sqlassay's engine and print the rows.

    Exit status: 0 when every statement ran, 1 when one failed (SQL error, or a
    statement the engine does not support yet), 2 when DB cannot be read.
    """
    import engine

    require_file(db)
    output = Output(mode, header, null)
    con = engine.connect(db, readonly=not write)
    try:
        values = tuple(parse_param(con, p) for p in params)
        try:
            run_statements(con, sql, output, sys.stdout, values)
            sys.stdout.flush()
        except BrokenPipeError:
            quiet_broken_pipe()
        except StatementError as failure:
            sys.stdout.flush()
            from formatspec.errors import FormatError

            if isinstance(failure.error, (engine.CorruptError, FormatError)):
                raise Unreadable(error_text(failure.error)) from None
            raise SQLFailed(error_text(failure.error)) from None
    finally:
        con.close()
