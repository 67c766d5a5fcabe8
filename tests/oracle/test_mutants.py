"""Mutants: a quick campaign detects every injected bug and shrinks it to a few lines.

For each mutant of :mod:`oracle.mutants`, the same fixed-seed campaign runs on
the correct engine and on the mutant; the mutant is *killed* when some case
disagrees with sqlite3 under the mutant but not under the engine. That case is
then minimized with the predicate "the mutant still disagrees in the same way
and the correct engine agrees", so the reproducer shows the injected bug and not
one of the engine's own.
"""

import pytest

from oracle.generators import Node
from oracle.mutants import MUTANTS
from oracle.runner import CaseRunner, batch_case, batch_schema, run_campaign

QUERIES, SEED = 250, 11


@pytest.fixture(scope="module")
def baseline():
    report = run_campaign(QUERIES, seed=SEED, jobs=2, minimize=False)
    assert report.done == QUERIES
    return {(f.batch, f.index) for f in report.all_findings}


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_quick_campaign_kills_and_minimizes(name, baseline):
    report = run_campaign(QUERIES, seed=SEED, jobs=2, target=f"oracle.mutants:{name}",
                          minimize=False)
    killed = [f for f in report.all_findings if (f.batch, f.index) not in baseline]
    assert killed, f"mutant {name} survived {QUERIES} queries"
    f = killed[0]
    schema = batch_schema(SEED, f.batch)
    root = batch_case(SEED, f.batch, f.index, schema)
    mutant = CaseRunner(f"oracle.mutants:{name}")
    good = CaseRunner()
    try:
        want = mutant.run_once(f.setup, root)
        assert want.verdict == "finding"

        def fails(setup, query: Node) -> bool:
            v = mutant.run_once(setup, query)
            return (v.verdict == "finding" and v.key == want.key
                    and good.run_once(setup, query).verdict == "agree")

        from oracle.minimize import minimize

        setup, query = minimize(list(f.setup), root, fails, budget=400)
    finally:
        mutant.cleanup()
        good.cleanup()
    assert fails is not None
    assert query.size() <= root.size() and len(setup) <= len(f.setup)
    assert len(setup) <= 8, setup
    assert len(query.sql()) <= 200, query.sql()
