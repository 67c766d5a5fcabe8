"""``sqlassay check DB``: judge a database file without sqlite3.

Exit status 0 when the file is consistent, 1 when problems were found, 2 when
the file cannot be read as a database at all.
"""

from __future__ import annotations

import sys

import click

from sqlassay.commands import EXIT_OK, EXIT_PROBLEMS, guarded, require_file


@click.command("check")
@click.argument("db", type=click.Path(dir_okay=True))
@click.option("--json", "as_json", is_flag=True, help="List the problems as JSON.")
@click.option("--max-problems", type=click.IntRange(min=1), default=100, show_default=True,
              help="Stop after this many problems.")
@guarded
def command(db, as_json, max_problems):
    """Check the integrity of the SQLite database DB (one line per problem)."""
    from engine.integrity import check
    from sqlassay import render

    require_file(db)
    from sqlassay.commands.inspect import _progress_callback

    callback, bar = _progress_callback(db, not as_json)
    try:
        problems = check(db, max_problems=max_problems, progress=callback)
    finally:
        if bar is not None:
            bar.stop()
    if as_json:
        render.dump_json({"path": db, "ok": not problems,
                          "problems": [p.as_dict() for p in problems]})
    elif problems:
        for p in problems:
            sys.stdout.write(f"{p}\n")
    else:
        sys.stdout.write("ok\n")
    sys.exit(EXIT_PROBLEMS if problems else EXIT_OK)
