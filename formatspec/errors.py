"""Errors raised by the format spec.

Every failure to parse or build a structure of the SQLite file format surfaces
as :class:`FormatError` (or a subclass). Nothing outside :mod:`formatspec`
ever sees construct's own exception types: :func:`formatspec._spec.wrap`
translates them at the boundary.
"""

from __future__ import annotations


class FormatError(ValueError):
    """A byte string does not match the SQLite file format.

    ``offset`` is the byte offset (within the buffer that was being parsed,
    plus ``base`` when the caller knows where that buffer sits in the file)
    where the problem was found, or ``None`` when unknown. ``path`` names the
    field, construct-style (``"header -> page_size"``). ``page`` is the page
    number when the structure belongs to a page.
    """

    def __init__(
        self,
        message: str,
        *,
        offset: int | None = None,
        path: str | None = None,
        page: int | None = None,
    ) -> None:
        self.message = message
        self.offset = offset
        self.path = path
        self.page = page
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.page is not None:
            where.append(f"page {self.page}")
        if self.offset is not None:
            where.append(f"offset {self.offset}")
        if self.path:
            where.append(f"field {self.path}")
        return f"{self.message} ({', '.join(where)})" if where else self.message


class ChecksumError(FormatError):
    """A stored checksum does not match the one computed over the data."""

    def __init__(self, message: str, *, expected, got, **kw) -> None:
        self.expected = expected
        self.got = got
        super().__init__(f"{message}: expected {expected!r}, got {got!r}", **kw)
