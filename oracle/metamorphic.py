"""Metamorphic oracles (SQLancer's): relations an engine must satisfy on its own.

They find bugs even where the target and sqlite3 are wrong the same way,
because they compare the target with *itself* on two queries whose answers
must be equal by the semantics of SQL (lang_select.html, lang_expr.html):

* **TLP, ternary logic partitioning**: every row of ``SELECT items FROM f``
  satisfies exactly one of ``p``, ``NOT p``, ``p IS NULL``, so the query
  equals, as a multiset, ``... WHERE p UNION ALL ... WHERE NOT p UNION ALL
  ... WHERE (p) IS NULL``.
* **NoREC, non-optimizing reference**: ``SELECT count(*) FROM f WHERE p``
  equals ``SELECT coalesce(sum(CASE WHEN p THEN 1 ELSE 0 END), 0) FROM f``,
  which an optimizer cannot turn into an index lookup.
* **Index independence**: a query gives the same answer on the database
  with and without its indexes (CREATE INDEX statements left out).

A check case is a :class:`oracle.generators.Node` of kind ``metamorphic``
whose children are the items list, the FROM clause and the predicate, so the
minimizer reduces them like any query tree. Each relation is also checked on
the reference: when sqlite3 itself breaks it, the case is *invalid* (our
relation does not hold there, e.g. because of an unspecified behaviour) and is
not counted as a finding.
"""

from __future__ import annotations

from oracle.compare import Difference, Outcome, capture, compare
from oracle.generators import Generator, Node, Schema

KINDS = ("tlp", "norec", "index")


def make_case(gen: Generator, schema: Schema, kind: str) -> Node:
    """A metamorphic case of ``kind`` (``tlp`` or ``norec``) over ``schema``."""
    gen.schema_ = schema
    gen.alias_counter = 0
    frm, scope = gen.from_clause(1, ())
    pred = gen.expr(scope, 2)
    items = Node("list", [Node("item", [gen.expr(scope, 1)])
                          for _ in range(gen.c.integer(1, 2))], sep=", ")
    return Node("metamorphic", [items, frm, pred], f"oracle.{kind}", oracle=kind)


def queries(case: Node) -> tuple[str, str]:
    """The two queries whose answers must be equal."""
    items, frm, pred = case.parts
    kind = case.meta["oracle"]
    p = pred.sql()
    if kind == "tlp":
        base = f"SELECT {items.sql()} FROM {frm.sql()}"
        parts = f"{base} WHERE ({p}) UNION ALL {base} WHERE NOT ({p}) " \
                f"UNION ALL {base} WHERE ({p}) IS NULL"
        return base, parts
    if kind == "norec":
        return (f"SELECT count(*) FROM {frm.sql()} WHERE {p}",
                f"SELECT coalesce(sum(CASE WHEN ({p}) THEN 1 ELSE 0 END), 0) FROM {frm.sql()}")
    raise ValueError(f"unknown metamorphic oracle {kind!r}")


def check_pair(conn, case: Node) -> tuple[Difference | None, Outcome, Outcome]:
    """Run both queries of ``case`` on ``conn``; the Difference if the relation breaks."""
    q1, q2 = queries(case)
    a, b = capture(conn, q1), capture(conn, q2)
    if a.kind == "unsupported" or b.kind == "unsupported":
        return Difference("unsupported", a.message or b.message), a, b
    return compare(b, a), a, b


def without_indexes(setup: list[str]) -> list[str]:
    """The setup script with every CREATE INDEX left out (index independence)."""
    return [s for s in setup if not s.lstrip().upper().startswith(("CREATE INDEX",
                                                                    "CREATE UNIQUE INDEX"))]
