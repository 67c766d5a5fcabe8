"""``sqlassay shell DB``: an interactive SQL shell on sqlassay's own engine.

Modelled on the ``sqlite3`` command-line shell (SQLite's ``shell.c``):

- input is read line by line; lines are gathered until they form a complete
  statement by SQLite's ``sqlite3_complete()`` rule (a ``;`` outside strings,
  quoted names, comments and trigger bodies; :func:`sqlassay.commands.sql.is_complete`),
  then every statement of the gathered text runs in order and the rows of each
  are printed in the current mode (``table``, ``csv``, ``json``, ``line``:
  the formats of ``sqlassay sql``);
- on a terminal the prompts are ``sqlassay> `` and ``   ...> `` (while a
  statement is unfinished), with line editing and history (``readline``,
  history in ``~/.sqlassay_history``; without readline the shell still works);
  when stdin is not a terminal there are no prompts and the input is a script,
  as in ``sqlite3 DB < script.sql``;
- a line starting with ``.`` (when no statement is pending) is a dot-command:
  ``.tables [PATTERN]``, ``.schema [PATTERN]``, ``.mode table|csv|json|line``,
  ``.headers on|off``, ``.nullvalue TEXT``, ``.bail on|off``, ``.read FILE``,
  ``.help``, ``.quit`` and ``.exit [CODE]`` (``.tables`` prints one name a line,
  without sqlite's ``sqlite_`` tables; ``.schema`` prints each ``CREATE`` of
  ``sqlite_schema`` with a ``;``, in schema order, whose name or table name is
  LIKE the pattern, without the sqlite3 shell's ``/* view(columns) */`` notes);
- a line starting with ``#`` (when no statement is pending) is a comment, as in
  the sqlite3 shell;
- an error is printed on stderr as one line, ``Error: MESSAGE`` (``Error: near
  line N: MESSAGE`` when reading a script), no traceback; the rest of that
  input chunk is skipped (as sqlite3 does) and the shell goes on, unless
  ``--bail``;
- end of input (Ctrl-D) or ``.quit`` ends the shell.  Exit status: 0; when
  the input is a script (not a terminal), 1 if any statement failed (as
  sqlite3); 2 when DB cannot be read at all.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterable, Iterator

import click

from sqlassay.commands import guarded, require_file
from sqlassay.commands.sql import (
    MODES,
    Output,
    StatementError,
    _scan,
    error_text,
    is_complete,
    quiet_broken_pipe,
    run_statements,
)

PROMPT = "sqlassay> "
CONTINUATION = "   ...> "
HISTORY_FILE = "~/.sqlassay_history"
MAX_READ_DEPTH = 20

HELP = """\
.bail on|off             Stop after the first error (default off)
.exit ?CODE?             Exit with status CODE (default 0)
.headers on|off          Show or hide column names (table and csv modes)
.help                    Show this message
.mode MODE               Output mode: table, csv, json or line
.nullvalue TEXT          Show NULL as TEXT (default: empty)
.quit                    Exit
.read FILE               Run the statements and dot-commands of FILE
.schema ?PATTERN?        The CREATE statements of the schema (names LIKE PATTERN)
.tables ?PATTERN?        The tables and views (names LIKE PATTERN)
"""

_TRUE = {"on", "yes", "true", "1"}
_FALSE = {"off", "no", "false", "0"}


class Quit(Exception):
    """``.quit`` / ``.exit``: leave the shell with ``status``."""

    def __init__(self, status: int = 0):
        super().__init__(status)
        self.status = status


def all_whitespace(line: str) -> bool:
    """True when ``line`` holds only whitespace and comments (it is skipped while no
    statement is pending, as the sqlite3 shell skips it)."""
    for token, _ in _scan(line):
        if token == -1 or (token >= 0 and token != 1):
            return False
    return True


class Shell:
    """The shell's state: a connection, the output settings and an error count."""

    def __init__(self, con, out, err, output: Output, *, bail: bool = False,
                 script: bool = False):
        self.con = con
        self.out = out
        self.err = err
        self.output = output
        self.bail = bail
        self.script = script
        self.errors = 0
        self.line: int | None = None  # the line of the dot-command being run

    # -- reporting ----------------------------------------------------------------------------
    def error(self, message: str, line: int | None = None) -> None:
        where = f"near line {line}: " if line is not None and self.script else ""
        self.out.flush()
        self.err.write(f"Error: {where}{' '.join(message.split())}\n")
        self.err.flush()
        self.errors += 1
        if self.bail:
            raise Quit(1)

    # -- input --------------------------------------------------------------------------------
    def feed(self, lines: Iterable[str], depth: int = 0) -> None:
        """Process ``lines`` (without their line ends): dot-commands and SQL."""
        pending: list[str] = []
        start = 0
        number = 0
        for number, line in enumerate(lines, 1):
            if not pending:
                stripped = line.strip()
                if stripped.startswith("."):
                    self.dot(stripped, depth, number)
                    continue
                if all_whitespace(line) or stripped.startswith("#"):
                    continue
                start = number
            pending.append(line)
            text = "\n".join(pending)
            if is_complete(text):
                pending = []
                self.execute(text, start)
        if pending:
            self.execute("\n".join(pending), start)

    def execute(self, sql: str, line: int | None = None) -> None:
        """Run the statements of ``sql`` and print their rows; report a failure."""
        try:
            run_statements(self.con, sql, self.output, self.out)
        except StatementError as failure:
            self.error(error_text(failure.error), line)

    # -- dot-commands -------------------------------------------------------------------------
    def dot(self, line: str, depth: int = 0, number: int | None = None) -> None:
        try:
            words = shlex.split(line)
        except ValueError as exc:
            self.error(f"cannot parse {line!r}: {exc}", number)
            return
        name, args = words[0], words[1:]
        self.line = number
        handler = getattr(self, "_dot_" + name[1:], None) if name[1:].isalpha() else None
        if handler is None or not handler(args, depth):
            self.error(f'unknown command or invalid arguments:  "{name[1:]}". '
                       'Enter ".help" for help', number)

    def _show_query(self, sql: str, params: tuple, suffix: str = "") -> None:
        try:
            for (value,) in self.con.execute(sql, params):
                self.out.write(f"{value}{suffix}\n")
        except Exception as exc:  # noqa: BLE001 - reported as one line
            self.error(error_text(exc), self.line)

    def _dot_tables(self, args, depth) -> bool:
        if len(args) > 1:
            return False
        pattern = args[0] if args else "%"
        self._show_query(
            "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite_%' AND name LIKE ?1 ORDER BY 1", (pattern,))
        return True

    def _dot_schema(self, args, depth) -> bool:
        if len(args) > 1:
            return False
        pattern = args[0] if args else "%"
        self._show_query(
            "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL "
            "AND (name LIKE ?1 OR tbl_name LIKE ?1) ORDER BY rowid", (pattern,), ";")
        return True

    def _dot_mode(self, args, depth) -> bool:
        if not args:
            self.out.write(f"current output mode: {self.output.mode}\n")
            return True
        if len(args) != 1 or args[0].lower() not in MODES:
            return False
        self.output.mode = args[0].lower()
        return True

    def _flag(self, args) -> bool | None:
        if len(args) != 1:
            return None
        word = args[0].lower()
        return True if word in _TRUE else (False if word in _FALSE else None)

    def _dot_headers(self, args, depth) -> bool:
        value = self._flag(args)
        if value is None:
            return False
        self.output.header = value
        return True

    _dot_header = _dot_headers

    def _dot_bail(self, args, depth) -> bool:
        value = self._flag(args)
        if value is None:
            return False
        self.bail = value
        return True

    def _dot_nullvalue(self, args, depth) -> bool:
        if len(args) != 1:
            return False
        self.output.null = args[0]
        return True

    def _dot_help(self, args, depth) -> bool:
        self.out.write(HELP)
        return True

    def _dot_quit(self, args, depth) -> bool:
        if args:
            return False
        raise Quit(0)

    def _dot_exit(self, args, depth) -> bool:
        if len(args) > 1 or (args and not args[0].lstrip("-").isdigit()):
            return False
        raise Quit(int(args[0]) if args else 0)

    def _dot_read(self, args, depth) -> bool:
        if len(args) != 1:
            return False
        if depth >= MAX_READ_DEPTH:
            self.error(f".read nested more than {MAX_READ_DEPTH} deep", self.line)
            return True
        try:
            with open(os.path.expanduser(args[0]), "rb") as f:
                data = f.read()
        except OSError:
            self.error(f'cannot open "{args[0]}"', self.line)
            return True
        self.feed(data.decode("utf-8", "replace").splitlines(), depth + 1)
        return True

    # -- the interactive loop -----------------------------------------------------------------
    def interact(self, read_line) -> None:
        """The terminal loop: prompts, Ctrl-C cancels the pending input, Ctrl-D ends."""
        pending: list[str] = []
        while True:
            try:
                line = read_line(CONTINUATION if pending else PROMPT)
            except EOFError:
                self.out.write("\n")
                break
            except KeyboardInterrupt:
                self.out.write("^C\n")
                pending = []
                continue
            if not pending:
                if line.strip().startswith("."):
                    self.dot(line.strip())
                    continue
                if all_whitespace(line) or line.strip().startswith("#"):
                    continue
            pending.append(line)
            text = "\n".join(pending)
            if is_complete(text):
                pending = []
                try:
                    self.execute(text)
                except KeyboardInterrupt:
                    self.error("interrupted")


def _script_lines(stream) -> Iterator[str]:
    """Lines of a non-terminal stdin, decoded as UTF-8 (bad bytes replaced)."""
    raw = getattr(stream, "buffer", None)
    if raw is None:
        for line in stream:
            yield line.rstrip("\n").rstrip("\r")
        return
    for data in iter(raw.readline, b""):
        yield data.decode("utf-8", "replace").rstrip("\n").rstrip("\r")


def _readline_history():
    """Set up readline and its history; return a function that saves the history."""
    try:
        import readline
    except ImportError:  # pragma: no cover - platforms without readline
        return lambda: None
    path = os.path.expanduser(HISTORY_FILE)
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    readline.set_history_length(1000)

    def save() -> None:
        try:
            readline.write_history_file(path)
        except OSError:
            pass

    return save


@click.command("shell")
@click.argument("db", type=click.Path(dir_okay=True))
@click.option("--mode", type=click.Choice(MODES), default="table", show_default=True,
              help="Output mode to start with.")
@click.option("--header/--no-header", default=True, show_default=True,
              help="Print column names (table, csv).")
@click.option("--null", "null", default="", metavar="TEXT",
              help="Text shown for NULL (default: empty).")
@click.option("--bail", is_flag=True, help="Stop at the first error (exit status 1).")
@click.option("--write", is_flag=True,
              help="Open the database for writing (default: read-only).")
@guarded
def command(db, mode, header, null, bail, write):
    """An interactive SQL shell on DB, running sqlassay's engine.

    Reads statements from stdin when it is not a terminal (sqlassay shell DB < script.sql).
    """
    import engine

    require_file(db)
    con = engine.connect(db, readonly=not write)
    interactive = sys.stdin.isatty()
    shell = Shell(con, sys.stdout, sys.stderr, Output(mode, header, null), bail=bail,
                  script=not interactive)
    status = 0
    save_history = None
    try:
        if interactive:
            save_history = _readline_history()
            sys.stdout.write(f'sqlassay shell on {db} (sqlassay\'s engine). '
                             'Enter ".help" for usage hints.\n')
            shell.interact(input)
        else:
            shell.feed(_script_lines(sys.stdin))
            status = 1 if shell.errors else 0
        sys.stdout.flush()
    except Quit as request:
        status = request.status or (1 if shell.script and shell.errors else 0)
    except BrokenPipeError:
        quiet_broken_pipe()
    finally:
        con.close()
        if save_history is not None:
            save_history()
    click.get_current_context().exit(status)
