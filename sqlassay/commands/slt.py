"""``sqlassay slt FILE|DIR...``: run sqllogictest files on the engine or on sqlite3.

Prints one row per file (passed, failed, unsupported, skipped) and a total, then
the failures. Exit status 0 only when every record that ran passed (an
unsupported record ran and did not pass), 1 otherwise, 2 for bad usage.
"""

from __future__ import annotations

import sys

import click

from sqlassay.commands import EXIT_OK, EXIT_PROBLEMS


@click.command("slt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--engine", type=click.Choice(["engine", "sqlite3"]), default="engine",
              show_default=True, help="What runs the queries.")
@click.option("--writer", type=click.Choice(["engine", "sqlite3"]), default=None,
              help="What runs the statements that write (default: the --engine).")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), default=None,
              help="Write a JUnit XML report to this file.")
@click.option("--max-failures", type=int, default=20, show_default=True,
              help="Failures to print per file.")
def command(paths, engine, writer, junit_path, max_failures):
    """Run sqllogictest FILEs (or every .test/.slt file under DIRs)."""
    from rich.console import Console
    from rich.table import Table

    from oracle.slt import collect, junit_xml, run_file

    files = collect(paths)
    if not files:
        raise click.UsageError("no .test or .slt files found")
    console = Console(width=None if sys.stdout.isatty() else 160)
    results = [run_file(p, engine=engine, writer=writer) for p in files]
    table = Table(title=f"sqllogictest on {engine}" + (f" (writer {writer})" if writer else ""))
    for col in ("file", "passed", "failed", "unsupported", "skipped", "verdict"):
        table.add_column(col, justify="left" if col in ("file", "verdict") else "right")
    tot = [0, 0, 0, 0]
    for r in results:
        tot = [tot[0] + r.passed, tot[1] + r.failed, tot[2] + r.unsupported, tot[3] + r.skipped]
        verdict = "[green]ok" if r.ok else ("[red]error: " + r.error if r.error else "[red]FAIL")
        table.add_row(r.path, str(r.passed), str(r.failed), str(r.unsupported), str(r.skipped),
                      verdict)
    ok = all(r.ok for r in results)
    table.add_row("[bold]total", *(str(x) for x in tot), "[green]ok" if ok else "[red]FAIL")
    console.print(table)
    for r in results:
        for f in r.failures[:max_failures]:
            console.print(f"{r.path}:{f.line}: {' '.join(f.message.split())[:300]}",
                          highlight=False, markup=False)
    if junit_path:
        with open(junit_path, "w", encoding="utf-8") as fh:
            fh.write(junit_xml(results))
    sys.exit(EXIT_OK if ok else EXIT_PROBLEMS)
