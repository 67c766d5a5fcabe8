"""``sqlassay oracle``: a differential campaign of a target engine against a reference.

Runs :func:`oracle.runner.run_campaign` with a live rich progress display, then
prints the counts, the throughput (queries diffed per second, and per core),
the coverage table of grammar features and the deduplicated findings; the
minimized reproducers are sqllogictest files under ``--out``. Exit status 0
when nothing disagreed, 1 when there are findings, 2 for bad usage.
"""

from __future__ import annotations

import sys

import click

from sqlassay.commands import EXIT_OK, EXIT_PROBLEMS


def render_report(report, console, *, coverage: bool = True) -> None:
    from rich.table import Table

    summary = Table(title=f"oracle: {report.target} vs {report.reference}, seed {report.seed}")
    for col in ("queries", "agreed", "disagreed", "unsupported", "invalid", "supported",
                "seconds", "q/s", "q/s/core"):
        summary.add_column(col, justify="right")
    summary.add_row(str(report.done), str(report.agreed), str(report.disagreements),
                    str(report.unsupported), str(report.invalid),
                    f"{report.supported_fraction:.1%}", f"{report.seconds:.1f}",
                    f"{report.queries_per_second:.1f}",
                    f"{report.queries_per_second / max(report.jobs, 1):.1f}")
    console.print(summary)
    if report.kinds:
        kinds = Table(title="disagreement classes")
        kinds.add_column("oracle:class")
        kinds.add_column("cases", justify="right")
        for k, n in report.kinds.most_common():
            kinds.add_row(k, str(n))
        console.print(kinds)
    if coverage:
        cov = Table(title="coverage: grammar features exercised")
        for col in ("feature", "cases", "agree", "unsupported", "finding", "invalid"):
            cov.add_column(col, justify="left" if col == "feature" else "right")
        for tag in sorted(report.coverage):
            c = report.coverage[tag]
            cov.add_row(tag, str(sum(c.values())), str(c.get("agree", 0)),
                        str(c.get("unsupported", 0)), str(c.get("finding", 0)),
                        str(c.get("invalid", 0)))
        console.print(cov)
    if report.unsupported_messages:
        console.print("unsupported (most common):")
        for msg, n in report.unsupported_messages.most_common(8):
            console.print(f"  {n:6d}  {msg}", highlight=False, markup=False, soft_wrap=True)
    for f in report.findings:
        console.print(f"[red]finding[/red] {f.signature}  seed {f.case_seed}"
                      + (f"  -> {f.path}" if f.path else ""), highlight=False)
        console.print(f"    {f.sql[:300]}", highlight=False, markup=False, soft_wrap=True)


@click.command("oracle")
@click.option("--queries", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Directory for the minimized reproducers (sqllogictest) and report.json.")
@click.option("--target", default="engine:connect", show_default=True,
              help="MODULE:FACTORY of the engine under test.")
@click.option("--reference", default="sqlite3:connect", show_default=True,
              help="MODULE:FACTORY of the reference engine.")
@click.option("--max-depth", type=click.IntRange(min=1, max=6), default=3, show_default=True)
@click.option("--timeout", "case_timeout", type=float, default=10.0, show_default=True,
              help="Seconds one case may take on the target before it counts as a hang.")
@click.option("--no-minimize", is_flag=True, help="Write findings as found, unminimized.")
@click.option("--no-coverage", is_flag=True, help="Do not print the coverage table.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Write the report as JSON to this file.")
@click.option("--replay", "replay_seed", default=None, metavar="SEED:BATCH:INDEX",
              help="Rebuild and judge one case from its seed (as a finding file names it).")
def command(queries, seed, jobs, out, target, reference, max_depth, case_timeout, no_minimize,
            no_coverage, json_path, replay_seed):
    """Diff random queries on TARGET against REFERENCE; shrink and save every finding."""
    import json

    from rich.console import Console

    from oracle.runner import run_campaign
    from oracle.targets import TargetError, load_factory

    try:
        load_factory(target)
        load_factory(reference)
    except TargetError as exc:
        raise click.UsageError(str(exc)) from None
    console = Console(width=None if sys.stdout.isatty() else 160)
    if replay_seed is not None:
        _replay(replay_seed, target, reference, max_depth, console)
    report = run_campaign(queries, seed=seed, jobs=jobs, out=out, target=target,
                          reference=reference, max_depth=max_depth, case_timeout=case_timeout,
                          minimize=not no_minimize, progress=sys.stdout.isatty(),
                          console=console)
    render_report(report, console, coverage=not no_coverage)
    if json_path:
        with open(json_path, "w", encoding="utf-8") as fh:
            json.dump(report.to_json(), fh, indent=1, default=str)
    sys.exit(EXIT_OK if report.disagreements == 0 else EXIT_PROBLEMS)


def _replay(text: str, target: str, reference: str, max_depth: int, console) -> None:
    from oracle import metamorphic
    from oracle.runner import replay

    try:
        seed, batch, index = (int(x) for x in text.split(":"))
    except ValueError:
        raise click.UsageError("--replay wants SEED:BATCH:INDEX") from None
    verdict, setup, root = replay(seed, batch, index, target, reference, max_depth=max_depth)
    for stmt in setup:
        console.print(f"{stmt};", highlight=False, markup=False, soft_wrap=True)
    sql = root.sql() if root.kind != "metamorphic" else " ;; ".join(metamorphic.queries(root))
    console.print(sql + ";", highlight=False, markup=False, soft_wrap=True)
    console.print(f"verdict: {verdict.verdict} ({verdict.oracle}) {verdict.kind} "
                  f"{verdict.detail}"[:1000], highlight=False, markup=False, soft_wrap=True)
    sys.exit(EXIT_PROBLEMS if verdict.verdict == "finding" else EXIT_OK)
