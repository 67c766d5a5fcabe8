"""Table-valued functions in FROM (json_each, json_tree, pragma_*): SQLite's eponymous
virtual tables, which a query names like a table and calls with arguments."""

from __future__ import annotations

from ..errors import NotSupportedError


def table_function_source(qc, node, scope):
    """The FROM-clause source for ``name(args...)``; ``qc`` is the query compiler."""
    raise NotSupportedError(f"table-valued function {node.name} is not supported yet")
