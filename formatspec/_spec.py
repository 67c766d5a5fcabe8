"""The one wrapper between construct and the rest of sqlassay.

:class:`Spec` holds a construct object and exposes ``parse``/``build``/
``sizeof`` that raise :class:`~formatspec.errors.FormatError` instead of
construct's exceptions. Every public structure in :mod:`formatspec` is a
``Spec``; the raw construct object stays reachable as ``.construct`` for
composition inside this package.
"""

from __future__ import annotations

import io
import re

import construct as cs

from .errors import FormatError

_POS = re.compile(r"\(parsing\) -> |\(building\) -> |\(sizeof\) -> ")


def _path_of(err: cs.ConstructError) -> str | None:
    path = getattr(err, "path", None)
    if not path:
        return None
    return _POS.sub("", str(path)).strip() or None


def translate(
    err: cs.ConstructError, what: str, *, page: int | None = None, offset: int | None = None
) -> FormatError:
    """Turn a construct error into a FormatError naming offset and field path.

    construct renders its errors as ``Error in path <path>`` followed by the
    message on the next line; we keep the message and the path separately.
    ``offset`` is where the stream stood when parsing failed, when known.
    """
    if isinstance(err, FormatError):  # raised from inside one of our adapters
        return err
    lines = [line for line in str(err).splitlines() if line.strip()]
    if lines and lines[0].startswith("Error in path"):
        lines = lines[1:]
    msg = lines[0] if lines else err.__class__.__name__
    return FormatError(f"{what}: {msg}", offset=offset, path=_path_of(err), page=page)


class Spec:
    """A named, error-translating handle on a construct object."""

    def __init__(self, name: str, con: cs.Construct, doc: str | None = None) -> None:
        self.name = name
        self.construct = con
        if doc:
            self.__doc__ = doc

    def parse(self, data: bytes, **context):
        stream = io.BytesIO(data)
        try:
            return self.construct.parse_stream(stream, **context)
        except FormatError:
            raise
        except cs.ConstructError as err:
            raise translate(err, self.name, page=context.get("pgno"), offset=stream.tell()) from None
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
