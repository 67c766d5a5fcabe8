"""``sqlassay gate``: the CI compatibility gate (see :mod:`oracle.gate`).

Replays ``corpus/regressions``, runs a fixed-seed differential campaign,
checks every corpus database against ``PRAGMA integrity_check`` and runs
``corpus/slt``; one rich table, the unsupported-policy line, and exit status 0
only when every section passes (1 otherwise).
"""

from __future__ import annotations

import sys

import click

from sqlassay.commands import EXIT_OK, EXIT_PROBLEMS


@click.command("gate")
@click.option("--quick", is_flag=True, help="The short gate (about a minute on 2 cores).")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), default=None)
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None)
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Keep the campaign's minimized reproducers in this directory.")
@click.option("--min-supported", type=click.FloatRange(0, 1), default=None,
              help="Smallest supported fraction a section may have (default 0.9).")
def command(quick, junit_path, json_path, jobs, out, min_supported):
    """Is the engine still compatible with SQLite? Exit 0 only when everything agrees."""
    from rich.console import Console

    from oracle import gate

    console = Console(width=None if sys.stdout.isatty() else 160)
    result = gate.run_gate(quick=quick, jobs=jobs, out=out,
                           min_supported=gate.MIN_SUPPORTED if min_supported is None
                           else min_supported,
                           progress=sys.stdout.isatty(), console=console)
    gate.render(result, console)
    if junit_path:
        with open(junit_path, "w", encoding="utf-8") as fh:
            fh.write(gate.junit(result))
    if json_path:
        gate.write_json(result, json_path)
    sys.exit(EXIT_OK if result.passed else EXIT_PROBLEMS)
