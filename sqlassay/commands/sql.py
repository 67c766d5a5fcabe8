"""``sqlassay sql DB "SQL"`` and ``sqlassay shell DB``: run SQL on the engine.

``sql`` runs one or more statements (separated by ``;``) through
``engine.connect`` and prints the rows of each query: an aligned table with a
header (default), ``--json`` (one JSON array of objects per query; BLOBs as
``{"hex": ...}``), or ``--csv``.  ``shell`` is an interactive loop with line
editing and history (``~/.sqlassay_history``) that reads statements ending in
``;`` and understands ``.tables``, ``.schema [NAME]``, ``.mode table|json|csv``
and ``.quit``.  Errors print as one line (``Error: ...``) and, for ``sql``, make
the exit status 1.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys

import click

from sqlassay.commands import guarded, require_file


def _cell(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "X'" + value.hex().upper() + "'"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _json_value(value):
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    return value


def render(names, rows, mode: str) -> str:
    """The rows of one query as text in ``mode`` (table, json or csv)."""
    if mode == "json":
        return json.dumps([{n: _json_value(v) for n, v in zip(names, r)} for r in rows],
                          ensure_ascii=False) + "\n"
    if mode == "csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(names)
        for r in rows:
            w.writerow(["" if v is None else (v.hex() if isinstance(v, bytes) else v)
                        for v in r])
        return out.getvalue()
    cells = [[_cell(v) for v in r] for r in rows]
    widths = [len(n) for n in names]
    for r in cells:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for r in cells:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines) + "\n"


def _statements(sql: str):
    """Split a script into statements with the engine's own tokenizer (so ';' inside
    strings and comments does not split)."""
    from engine.sql.lexer import lex

    start = 0
    for tok in lex(sql):
        if tok.kind == "SEMI":
            text = sql[start:tok.offset].strip()
            if text:
                yield text
            start = tok.offset + 1
    rest = sql[start:].strip()
    if rest:
        yield rest


def run_sql(con, sql: str, mode: str, out) -> bool:
    """Run every statement of ``sql``; print results; False if one failed."""
    import engine

    ok = True
    try:
        statements = list(_statements(sql))
    except engine.Error as exc:
        out.write(f"Error: {exc}\n")
        return False
    for text in statements:
        try:
            cur = con.execute(text)
            rows = cur.fetchall()
        except engine.Error as exc:
            out.write(f"Error: {exc}\n")
            ok = False
            continue
        if cur.description is not None:
            out.write(render([d[0] for d in cur.description], rows, mode))
    return ok


def _mode(as_json: bool, as_csv: bool) -> str:
    if as_json and as_csv:
        raise click.UsageError("--json and --csv exclude each other")
    return "json" if as_json else ("csv" if as_csv else "table")


@click.command("sql")
@click.argument("db", type=click.Path(dir_okay=True))
@click.argument("sql")
@click.option("--json", "as_json", is_flag=True, help="Print rows as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print rows as CSV.")
@guarded
def command(db, sql, as_json, as_csv):
    """Run SQL on DB with sqlassay's own engine and print the results."""
    import engine

    require_file(db)
    mode = _mode(as_json, as_csv)
    con = engine.connect(db, readonly=True)
    try:
        ok = run_sql(con, sql, mode, sys.stdout)
    finally:
        con.close()
    sys.exit(0 if ok else 1)


@click.command("shell")
@click.argument("db", type=click.Path(dir_okay=True))
@guarded
def shell(db):
    """An interactive SQL shell on DB (the engine; read-only for now)."""
    import engine

    require_file(db)
    con = engine.connect(db, readonly=True)
    history = os.path.expanduser("~/.sqlassay_history")
    try:
        import readline

        try:
            readline.read_history_file(history)
        except OSError:
            pass
    except ImportError:  # pragma: no cover - platforms without readline
        readline = None
    mode = "table"
    buffer = ""
    out = sys.stdout
    interactive = sys.stdin.isatty()
    try:
        while True:
            try:
                line = input("...> " if buffer else "sqlassay> ") if interactive else \
                    sys.stdin.readline()
            except EOFError:
                break
            if not interactive and line == "":
                break
            line = line.rstrip("\n")
            if not buffer and line.strip().startswith("."):
                words = line.split()
                cmd = words[0]
                if cmd in (".quit", ".exit"):
                    break
                if cmd == ".tables":
                    sql = ("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') "
                           "ORDER BY name")
                elif cmd == ".schema":
                    sql = "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL"
                    if len(words) > 1:
                        sql += " AND name = '" + words[1].replace("'", "''") + "'"
                elif cmd == ".mode" and len(words) > 1 and words[1] in ("table", "json", "csv"):
                    mode = words[1]
                    continue
                else:
                    out.write(f"Error: unknown command or invalid arguments: {line.strip()}\n")
                    continue
                cur = con.execute(sql)
                for (value,) in cur.fetchall():
                    out.write(f"{value}\n")
                continue
            buffer += line + "\n"
            if buffer.strip().endswith(";"):
                run_sql(con, buffer, mode, out)
                buffer = ""
        if buffer.strip():
            run_sql(con, buffer, mode, out)
    finally:
        con.close()
        if readline is not None:
            try:
                readline.write_history_file(history)
            except OSError:
                pass
