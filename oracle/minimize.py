"""Shrinking a disagreement to the smallest case that still shows it.

Three reducers, applied in turn until none makes progress:

1. **Delta debugging over the setup statements** (:func:`ddmin`, Zeller and
   Hildebrandt's algorithm): remove chunks of the CREATE/INSERT/INDEX script
   of halving size while the failure persists, down to a 1-minimal list.
2. **Reduction of the query tree** (:func:`reduce_tree`): over the
   :class:`oracle.generators.Node` tree, drop optional clauses (WHERE, ORDER
   BY, GROUP BY, ...), drop items of lists (result columns, IN lists, joins),
   replace an expression by one of its sub-expressions or by a literal
   (``NULL``, ``0``, ``1``, ``''``), and replace a query by one of its
   sub-queries; every accepted change restarts the walk.
3. **Value shortening** (:func:`shorten_values`): a long text or blob literal
   in a setup statement (an overflow-page value) is cut to a few characters,
   or replaced by NULL / 0 / ``''``, whenever the failure persists.

"Still fails" is decided by the caller's predicate, which re-runs the case on
both engines and requires the *same disagreement class* (so a reduction
that turns a wrong answer into a syntax error on both sides is refused).

Hypothesis shrinking: :func:`hypothesis_find` searches the generator's
Hypothesis strategy (:func:`oracle.generators.cases`) for a failing case and
lets Hypothesis shrink it (towards option 0 of every choice); the tests use it
for the mutants, and campaigns use (1)-(2) on what they found.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from oracle.generators import Node

LITERALS = ["NULL", "0", "1", "''"]


def ddmin(items: list, fails: Callable[[list], bool], *, budget: list | None = None) -> list:
    """A 1-minimal sublist of ``items`` for which ``fails`` holds (``fails(items)`` must)."""
    n = 2
    items = list(items)
    while len(items) >= 2:
        chunk = max(1, len(items) // n)
        subsets = [items[i:i + chunk] for i in range(0, len(items), chunk)]
        progressed = False
        for i in range(len(subsets)):
            if budget is not None and budget[0] <= 0:
                return items
            complement = [x for j, s in enumerate(subsets) if j != i for x in s]
            if budget is not None:
                budget[0] -= 1
            if complement and fails(complement):
                items = complement
                n = max(n - 1, 2)
                progressed = True
                break
        if not progressed:
            if n >= len(items):
                break
            n = min(len(items), n * 2)
    if len(items) == 1 and (budget is None or budget[0] > 0) and fails([]):
        return []
    return items


def _positions(root: Node):
    """(parent, index, node) for every node below ``root``, pre-order."""
    stack = [(root, i, p) for i, p in reversed(list(enumerate(root.parts)))
             if isinstance(p, Node)]
    while stack:
        parent, i, node = stack.pop()
        yield parent, i, node
        stack.extend((node, j, p) for j, p in reversed(list(enumerate(node.parts)))
                     if isinstance(p, Node))


def _descendants(node: Node, kind: str) -> list[Node]:
    out = [n for n in node.walk() if n is not node and n.kind == kind]
    out.sort(key=Node.size)
    return out


def _candidates(parent: Node, i: int, node: Node):
    """Smaller replacements for ``parent.parts[i]`` (None = remove)."""
    if node.kind == "clause":
        yield None
    if parent.kind == "list" and len(parent.parts) > 1:
        yield None
    if node.kind == "join":
        yield None
    if node.kind == "expr":
        for d in _descendants(node, "expr")[:8]:
            yield d
        if node.parts not in ([lit] for lit in LITERALS):
            for lit in LITERALS:
                yield Node("expr", [lit], "expr.literal")
    if node.kind == "query":
        for d in _descendants(node, "query")[:4]:
            yield d


def reduce_tree(root: Node, fails: Callable[[Node], bool], *,
                budget: list | None = None) -> Node:
    """The smallest tree reachable from ``root`` by single reductions that keep failing."""
    root = root.copy()
    progress = True
    while progress:
        progress = False
        # the root itself: a compound or a query with subqueries may shrink to a sub-query
        if root.kind == "query":
            for d in _descendants(root, "query")[:4]:
                if budget is not None:
                    if budget[0] <= 0:
                        return root
                    budget[0] -= 1
                trial = d.copy()
                if fails(trial):
                    root, progress = trial, True
                    break
            if progress:
                continue
        for parent, i, node in list(_positions(root)):
            for cand in _candidates(parent, i, node):
                if budget is not None:
                    if budget[0] <= 0:
                        return root
                    budget[0] -= 1
                trial = root.copy()
                # find the same position in the copy
                target = _locate(trial, root, parent)
                if cand is None:
                    del target.parts[i]
                else:
                    target.parts[i] = cand.copy()
                if trial.size() >= root.size() and cand is not None:
                    continue
                if fails(trial):
                    root = trial
                    progress = True
                    break
            if progress:
                break
    return root


def _locate(copy_root: Node, root: Node, wanted: Node) -> Node:
    """The node of ``copy_root`` at the position ``wanted`` has in ``root``."""
    for a, b in zip(root.walk(), copy_root.walk()):
        if a is wanted:
            return b
    raise LookupError("node not in tree")


_LONG_LITERAL = re.compile(r"X?'(?:[^']|'')*'")


def shorten_values(setup: list[str], fails: Callable[[list[str]], bool], *,
                   budget: list | None = None, longer_than: int = 12) -> list[str]:
    """``setup`` with long literals cut short or replaced while ``fails`` holds."""
    setup = list(setup)
    for i, stmt in enumerate(setup):
        if not stmt.upper().startswith("INSERT"):
            continue
        pos = 0
        while True:
            m = _LONG_LITERAL.search(setup[i], pos)
            if m is None:
                break
            lit = m.group(0)
            pos = m.end()
            if len(lit) <= longer_than:
                continue
            blob = lit.startswith("X")
            shorter = ["X''", "NULL"] if blob else [lit[:8] + "'", "''", "NULL", "0"]
            for cand in shorter:
                if budget is not None:
                    if budget[0] <= 0:
                        return setup
                    budget[0] -= 1
                trial = list(setup)
                trial[i] = setup[i][:m.start()] + cand + setup[i][m.end():]
                if fails(trial):
                    setup = trial
                    pos = m.start() + len(cand)
                    break
    return setup


def minimize(setup: list[str], query: Node,
             fails: Callable[[list[str], Node], bool], *, budget: int = 600
             ) -> tuple[list[str], Node]:
    """Alternate statement ddmin and tree reduction until a fixed point or the budget."""
    left = [budget]
    while True:
        before = (len(setup), query.size())
        setup = ddmin(setup, lambda s, q=query: fails(s, q), budget=left)
        query = reduce_tree(query, lambda q, s=setup: fails(s, q), budget=left)
        if (len(setup), query.size()) == before or left[0] <= 0:
            return shorten_values(setup, lambda s, q=query: fails(s, q), budget=left), query


def hypothesis_find(fails: Callable, *, max_examples: int = 300, max_depth: int = 2,
                    max_rows: int = 6):
    """Search :func:`oracle.generators.cases` for a case where ``fails(case)``; shrunk.

    Returns the shrunk :class:`oracle.generators.Case`, or ``None`` if none was
    found within ``max_examples``. Deterministic (derandomized, no database).
    """
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample

    from oracle.generators import cases

    try:
        return find(cases(max_depth=max_depth, max_rows=max_rows), fails,
                    settings=settings(database=None, derandomize=True,
                                      max_examples=max_examples, deadline=None,
                                      suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        return None
