"""Subcommands of the ``sqlassay`` command line, one module each.

Shared plumbing lives here: exit statuses, the one-line error report, and
:func:`guarded`, which turns every way a file can fail to be read (missing,
a directory, not a database, truncated, corrupt beyond reading) into one
line on stderr and exit status 2.
"""

from __future__ import annotations

import functools
import os
import sys

import click

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_UNREADABLE = 2


def fail_line(message: str) -> None:
    """Print ``sqlassay: error: MESSAGE`` as exactly one line on stderr."""
    text = " ".join(str(message).split())
    sys.stderr.write(f"sqlassay: error: {text}\n")
    sys.stderr.flush()


class Unreadable(click.ClickException):
    """The input cannot be read at all (exit status 2)."""

    exit_code = EXIT_UNREADABLE


def require_file(path: str) -> str:
    """Refuse, with one clear message, a path that is not a readable regular file."""
    if not os.path.lexists(path):
        raise Unreadable(f"{path}: no such file")
    if os.path.isdir(path):
        raise Unreadable(f"{path}: is a directory, not a database file")
    if not os.path.isfile(path):
        raise Unreadable(f"{path}: not a regular file")
    if not os.access(path, os.R_OK):
        raise Unreadable(f"{path}: permission denied")
    return path


def guarded(func):
    """Decorator: any error reading the input becomes :class:`Unreadable`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from engine.errors import Error as EngineError
        from formatspec.errors import FormatError

        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except (FormatError, EngineError) as exc:
            raise Unreadable(str(exc)) from None
        except MemoryError:
            raise Unreadable("out of memory reading the input") from None
        except OSError as exc:
            name = f"{exc.filename}: " if exc.filename else ""
            raise Unreadable(f"{name}{exc.strerror or exc}") from None

    return wrapper
