"""The ``sqlassay`` command line: a thin click group.

The group only wires subcommands together; each subcommand lives in its own
module under :mod:`sqlassay.commands` and exposes a click command named
``command``. Later subcommands are added by appending their module name to
:data:`COMMAND_MODULES`. Whatever goes wrong, the user sees one line on
stderr and a non-zero exit status (2 for bad usage or an unreadable file),
never a traceback (DESIGN.md, "Behaviour on bad input").
"""

from __future__ import annotations

import importlib
import sys

import click

from sqlassay import __version__
from sqlassay.commands import EXIT_UNREADABLE, fail_line

#: Modules under sqlassay.commands that each define a click ``command``.
COMMAND_MODULES = [
    "inspect",
    "check",
    "hash",
    "diff",
    "oracle",
    "slt",
    "gate",
    "fuzz",
    "sql",
    "shell",
]


class _Group(click.Group):
    """A click group whose usage errors and crashes become one stderr line."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(
                args, prog_name or "sqlassay", complete_var, standalone_mode=False, **extra
            )
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            fail_line("aborted")
            sys.exit(EXIT_UNREADABLE)
        except click.UsageError as exc:
            fail_line(exc.format_message())
            sys.exit(EXIT_UNREADABLE)
        except click.ClickException as exc:
            fail_line(exc.format_message())
            sys.exit(exc.exit_code if exc.exit_code else EXIT_UNREADABLE)
        except KeyboardInterrupt:
            fail_line("interrupted")
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(0)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            fail_line(f"internal error: {type(exc).__name__}: {exc}")
            sys.exit(EXIT_UNREADABLE)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sqlassay")
def main() -> None:
    """sqlassay: look inside SQLite files and judge them independently of sqlite3."""


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"sqlassay.commands.{name}")
        main.add_command(module.command)


_register()
