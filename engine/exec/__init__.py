"""The executor: turns parsed statements into prepared, runnable queries.

``Session`` is the per-connection state the API talks to: the open storage,
the catalog read from ``sqlite_schema``, and a cache of prepared statements.
``Session.prepare(statement)`` returns a ``Prepared`` with
``parameter_names`` (one entry per parameter number, None for ``?``),
``column_names`` (None for statements without a result) and
``run(values) -> iterator of row tuples``.  The SELECT compiler lives in
``select.py``, expressions in ``expr.py``, access paths in
``engine.planner``.
"""

from __future__ import annotations

from .session import Prepared, Session

__all__ = ["Prepared", "Session"]
