"""Metamorphic oracles (SQLancer's): relations an engine must satisfy on its own.

They find bugs even where the target and sqlite3 are wrong the same way,
because they compare the target with *itself* on two queries whose answers
must be equal by the semantics of SQL (lang_select.html, lang_expr.html):

* **TLP, ternary logic partitioning**: every row of ``SELECT items FROM f``
  satisfies exactly one of ``p``, ``NOT p``, ``p IS NULL``, so the query
  equals, as a multiset, ``... WHERE p UNION ALL ... WHERE NOT p UNION ALL
  ... WHERE (p) IS NULL``.
* **TLP for aggregates** (SQLancer's aggregate TLP): ``SELECT f(x) FROM t`` equals
  the aggregate of the three partial aggregates, ``SELECT g(a) FROM (SELECT f(x)
  AS a FROM t WHERE p UNION ALL ... WHERE NOT p UNION ALL ... WHERE (p) IS
  NULL)`` with ``g`` = ``f`` for MIN, MAX, SUM and TOTAL and ``g`` = SUM for
  COUNT and ``count(*)``. MIN/MAX compare under BINARY.
* **TLP for DISTINCT**: ``SELECT DISTINCT xs FROM t`` equals the UNION (which
  removes duplicates across the parts) of the three partitioned DISTINCT
  queries. Each item is ``(x) COLLATE BINARY`` followed by ``typeof(x)``: equal
  under BINARY then means the same value (1 and 1.0 would otherwise be one
  row, and which of them survives is unspecified).
* **TLP for GROUP BY**: ``SELECT xs FROM t GROUP BY xs`` equals the UNION of the
  three partitioned GROUP BY queries (same BINARY/typeof keys).
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

from oracle.compare import (
    Difference,
    Outcome,
    capture,
    compare,
    picks_representative,
    sums_integers,
)
from oracle.generators import Generator, Node, Schema

KINDS = ("tlp", "norec", "index", "tlp_agg", "tlp_distinct", "tlp_groupby")
PAIRED = ("tlp", "norec", "tlp_agg", "tlp_distinct", "tlp_groupby")  # two queries, one engine
# aggregate -> how its partial results recombine
AGGREGATE_RECOMBINE = {"min": "min", "max": "max", "sum": "sum", "total": "total",
                       "count": "sum", "count(*)": "sum"}


def make_case(gen: Generator, schema: Schema, kind: str) -> Node:
    """A metamorphic case of ``kind`` (one of :data:`PAIRED`) over ``schema``."""
    gen.schema_ = schema
    gen.alias_counter = 0
    gen.windows = []
    frm, scope = gen.from_clause(1, ())
    pred = gen.expr(scope, 2)
    items = Node("list", [Node("item", [gen.expr(scope, 1)])
                          for _ in range(1 if kind == "tlp_agg" else gen.c.integer(1, 2))],
                 sep=", ")
    node = Node("metamorphic", [items, frm, pred], f"oracle.{kind}", oracle=kind)
    if kind == "tlp_agg":
        node.meta["aggregate"] = gen.c.choice(sorted(AGGREGATE_RECOMBINE))
    return node


def _binary_typed(items: Node) -> str:
    """Each item as ``(x) COLLATE BINARY, typeof(x)``: equal rows are then equal values."""
    out = []
    for it in items.parts:
        if isinstance(it, Node):
            x = it.sql()
            out.append(f"({x}) COLLATE BINARY, typeof({x})")
    return ", ".join(out)


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
    if kind == "tlp_agg":
        fn = case.meta["aggregate"]
        x = items.parts[0].sql()
        call = {"count(*)": "count(*)", "min": f"min(({x}) COLLATE BINARY)",
                "max": f"max(({x}) COLLATE BINARY)"}.get(fn, f"{fn}({x})")
        src = f"SELECT {call} AS a FROM {frm.sql()}"
        outer = AGGREGATE_RECOMBINE[fn]
        return (src.replace(" AS a ", " ", 1),
                f"SELECT {outer}(a) FROM ({src} WHERE ({p}) UNION ALL {src} WHERE NOT ({p}) "
                f"UNION ALL {src} WHERE ({p}) IS NULL)")
    if kind in ("tlp_distinct", "tlp_groupby"):
        cols = _binary_typed(items)
        if kind == "tlp_distinct":
            base, tail = f"SELECT DISTINCT {cols} FROM {frm.sql()}", ""
        else:
            base, tail = f"SELECT {cols} FROM {frm.sql()}", f" GROUP BY {cols}"
        return (base + tail,
                f"{base} WHERE ({p}){tail} UNION {base} WHERE NOT ({p}){tail} "
                f"UNION {base} WHERE ({p}) IS NULL{tail}")
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
    return compare(b, a, representative=picks_representative(q1),
                   overflow=sums_integers(q1 + q2)), a, b


def without_indexes(setup: list[str]) -> list[str]:
    """The setup script with every CREATE INDEX left out (index independence)."""
    return [s for s in setup if not s.lstrip().upper().startswith(("CREATE INDEX",
                                                                    "CREATE UNIQUE INDEX"))]
