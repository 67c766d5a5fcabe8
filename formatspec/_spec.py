"""The one wrapper between construct and the rest of sqlassay.

:class:`Spec` holds a construct object and exposes ``parse``/``build``/
``sizeof`` that raise :class:`~formatspec.errors.FormatError` instead of
construct's exceptions. Every public structure in :mod:`formatspec` is a
``Spec``; the raw construct object stays reachable as ``.construct`` for
composition inside this package.
"""

from __future__ import annotations

import re

import construct as cs

from .errors import FormatError

_POS = re.compile(r"\(parsing\) -> |\(building\) -> |\(sizeof\) -> ")


def _path_of(err: cs.ConstructError) -> str | None:
    path = getattr(err, "path", None)
    if not path:
        return None
    return _POS.sub("", str(path)).strip() or None


def translate(err: cs.ConstructError, what: str, *, page: int | None = None) -> FormatError:
    """Turn a construct error into a FormatError naming offset and field path."""
    if isinstance(err, FormatError):  # raised from inside one of our adapters
        return err
    msg = str(getattr(err, "message", None) or err.__class__.__name__)
    msg = msg.splitlines()[0] if msg else err.__class__.__name__
    offset = None
    m = re.search(r"position (\d+)", str(err))
    if m:
        offset = int(m.group(1))
    return FormatError(f"{what}: {msg}", offset=offset, path=_path_of(err), page=page)


class Spec:
    """A named, error-translating handle on a construct object."""

    def __init__(self, name: str, con: cs.Construct, doc: str | None = None) -> None:
        self.name = name
        self.construct = con
        if doc:
            self.__doc__ = doc

    def parse(self, data: bytes, **context):
        try:
            return self.construct.parse(data, **context)
        except FormatError:
            raise
        except cs.ConstructError as err:
            raise translate(err, self.name, page=context.get("pgno")) from None
        except (ValueError, OverflowError, UnicodeDecodeError, IndexError, KeyError) as err:
            # construct lets some of these escape from adapters and computed fields
            raise FormatError(f"{self.name}: {err}", page=context.get("pgno")) from None

    def build(self, value, **context) -> bytes:
        try:
            return self.construct.build(value, **context)
        except FormatError:
            raise
        except cs.ConstructError as err:
            raise translate(err, self.name) from None
        except (ValueError, OverflowError, UnicodeEncodeError, TypeError, KeyError) as err:
            raise FormatError(f"{self.name}: cannot build: {err}") from None

    def sizeof(self, **context) -> int:
        try:
            return self.construct.sizeof(**context)
        except cs.ConstructError as err:
            raise translate(err, self.name) from None

    def __repr__(self) -> str:
        return f"<Spec {self.name}>"
