"""``sqlassay fuzz``: list the fuzz targets, run a campaign, replay a finding.

* ``sqlassay fuzz list``: every target with its seed count and description.
* ``sqlassay fuzz run TARGET [--time S] [--jobs J] [--corpus DIR] [--out DIR]``:
  an atheris/libFuzzer campaign (:mod:`fuzz.runner`) with a live status line;
  exit 0 when it found nothing, 1 when it saved findings.
* ``sqlassay fuzz replay PATH [--target T]``: run saved inputs through their
  harness (:mod:`fuzz.replay`, no atheris needed); exit 0 when all pass.
"""

from __future__ import annotations

import sys

import click

from sqlassay.commands import EXIT_OK, EXIT_PROBLEMS, Unreadable


@click.group("fuzz")
def command() -> None:
    """Coverage-guided fuzzing of every reader (atheris), and replay of findings."""


@command.command("list")
def list_targets() -> None:
    """List the fuzz targets."""
    from fuzz.targets import TARGETS

    for t in TARGETS.values():
        sys.stdout.write(f"{t.name:16} {len(t.replay_inputs()):4} seeds  {t.description}\n")


@command.command("run")
@click.argument("target")
@click.option("--time", "seconds", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Seconds to fuzz.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes.")
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False), default=None,
              help="Working corpus directory (default .fuzz/TARGET/corpus).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Directory for logs, findings and stats.json (default .fuzz/TARGET).")
def run(target, seconds, jobs, corpus_dir, out_dir) -> None:
    """Fuzz TARGET for --time seconds."""
    from fuzz import runner
    from fuzz.targets import TARGETS

    if target not in TARGETS:
        raise click.UsageError(f"unknown fuzz target {target!r} (see 'sqlassay fuzz list')")
    try:
        import atheris  # noqa: F401
    except ImportError:
        raise Unreadable("atheris is not installed (pip install 'sqlassay[fuzz]')") from None

    def live(line: str) -> None:
        if sys.stderr.isatty():
            sys.stderr.write("\r" + line + "\033[K")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    stats = runner.run(target, seconds, jobs, corpus_dir, out_dir, live=live)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    sys.stdout.write(f"{stats.target}: {stats.seconds:.0f} s, {stats.execs} execs "
                     f"({stats.execs_per_s:.0f}/s), cov {stats.cov}, ft {stats.ft}, "
                     f"corpus {stats.corpus}, findings {len(stats.findings)}\n")
    for f in stats.findings:
        sys.stdout.write(f"finding: {f}\n")
    sys.exit(EXIT_PROBLEMS if stats.findings else EXIT_OK)


@command.command("replay")
@click.argument("path", type=click.Path(exists=True))
@click.option("--target", default=None, help="Target name (default: from the path).")
def replay(path, target) -> None:
    """Replay a saved input (or a directory of them) through its harness."""
    from fuzz.replay import replay as do_replay

    try:
        outcomes = do_replay(path, target)
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0])) from None
    for o in outcomes:
        sys.stdout.write(o.summary() + "\n")
        if not o.ok:
            sys.stdout.write(o.trace)
    sys.exit(EXIT_OK if all(o.ok for o in outcomes) else EXIT_PROBLEMS)
