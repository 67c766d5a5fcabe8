"""oracle.runner: campaigns are deterministic, parallel, survive hangs and crashes,
and diff any DB-API engine (a newer SQLite build from PyPI against the stdlib one)."""

import sqlite3

import pytest

from oracle.runner import CaseRunner, replay, run_campaign
from oracle.slt import run_file


def test_sqlite3_against_itself_agrees_everywhere():
    r = run_campaign(120, seed=5, jobs=2, target="sqlite3")
    assert r.done == 120 and r.disagreements == 0 and r.unsupported == 0
    assert r.agreed + r.invalid == 120
    assert r.coverage and all(sum(c.values()) > 0 for c in r.coverage.values())


def test_deterministic_for_seed_whatever_the_jobs():
    a = run_campaign(100, seed=3, jobs=1, minimize=False)
    b = run_campaign(100, seed=3, jobs=2, minimize=False)
    assert [(f.batch, f.index, f.kind) for f in a.all_findings] == \
        [(f.batch, f.index, f.kind) for f in b.all_findings]
    assert a.coverage == b.coverage and a.kinds == b.kinds
    assert a.agreed + a.unsupported + a.invalid + a.disagreements == a.done == 100


def test_hang_is_a_timeout_finding_and_the_batch_goes_on():
    r = run_campaign(30, seed=2, jobs=2, target="oracle.mutants:hangs_on_limit",
                     case_timeout=1.0, minimize=False)
    assert r.kinds["differential:timeout"] >= 1
    assert r.done == 30


def test_dead_worker_is_a_crash_finding_and_the_batch_goes_on():
    r = run_campaign(60, seed=4, jobs=1, target="oracle.mutants:dies_on_exists",
                     minimize=False)
    assert r.kinds["differential:crash"] >= 1
    assert r.done == 60


def test_findings_replay_from_their_seed_alone(tmp_path):
    r = run_campaign(100, seed=3, jobs=2, target="oracle.mutants:limit_off_by_one",
                     out=str(tmp_path), max_minimize=2)
    assert r.disagreements > 0 and r.findings
    f = r.all_findings[0]
    v, _, _ = replay(f.seed, f.batch, f.index, target="oracle.mutants:limit_off_by_one")
    assert v.verdict == "finding" and v.kind == f.kind
    written = sorted(tmp_path.glob("*.test"))
    assert written and (tmp_path / "report.json").exists()
    for path in written:
        # expected results are sqlite3's: the reproducer passes under sqlite3
        assert run_file(path, engine="sqlite3").ok


def test_bad_target_specification_is_refused():
    from oracle.targets import TargetError

    with pytest.raises(TargetError):
        run_campaign(10, target="no_such_module_xyz:connect")
    with pytest.raises(TargetError):
        run_campaign(10, target="sqlite3")  # fine
        run_campaign(10, target="engine-without-colon")


def test_another_sqlite_build_from_pypi(tmp_path):
    """sqlean.py (SQLite 3.50) against stdlib sqlite3 (3.40): real version differences."""
    sqlean = pytest.importorskip("sqlean")
    assert sqlean.sqlite_version != sqlite3.sqlite_version
    for seed in range(10):  # a few short campaigns until one finds a difference
        r = run_campaign(300, seed=seed, jobs=2, target="sqlean:connect", out=str(tmp_path),
                         max_minimize=3)
        if r.disagreements:
            break
    assert r.disagreements >= 1, "no version difference found in 3000 queries"
    minimized = [f for f in r.findings if f.minimized]
    assert minimized
    runner = CaseRunner("sqlean:connect")
    try:
        from oracle.generators import Node

        for f in minimized:
            assert len(f.setup) <= 8 and len(f.sql) < 400
            v = runner.run_once(f.setup, Node("query", [f.sql], "select"))
            assert v.verdict == "finding", (f.sql, v)
            assert run_file(f.path, engine="sqlite3").ok
    finally:
        runner.cleanup()


def test_oracle_command(tmp_path):
    from click.testing import CliRunner

    from sqlassay.cli import main

    def run(*args):
        res = CliRunner().invoke(main, ["oracle", *args], standalone_mode=False)
        code = res.exception.code if isinstance(res.exception, SystemExit) else 0
        return code, res.output

    code, out = run("--queries", "40", "--seed", "1", "--target", "sqlite3", "--jobs", "2")
    assert code == 0 and "coverage" in out and "q/s/core" in out
    code, out = run("--queries", "60", "--seed", "3", "--target",
                    "oracle.mutants:limit_off_by_one", "--out", str(tmp_path), "--json",
                    str(tmp_path / "r.json"))
    assert code == 1 and "finding" in out and list(tmp_path.glob("*.test"))
    res = CliRunner().invoke(main, ["oracle", "--target", "nope"], standalone_mode=False)
    assert res.exception is not None


def test_oracle_command_replays_a_case_from_its_seed():
    from click.testing import CliRunner

    from sqlassay.cli import main

    r = run_campaign(60, seed=3, jobs=1, target="oracle.mutants:limit_off_by_one",
                     minimize=False)
    f = r.all_findings[0]
    res = CliRunner().invoke(main, ["oracle", "--replay", f.case_seed, "--target",
                                    "oracle.mutants:limit_off_by_one"], standalone_mode=False)
    assert isinstance(res.exception, SystemExit) and res.exception.code == 1
    assert "verdict: finding" in res.output and f.sql.split(" ;; ")[0] in res.output
