"""Replay every reproducer of corpus/regressions (see its README for the status line)."""

from pathlib import Path

import pytest

from oracle.slt import run_file

REGRESSIONS = Path(__file__).resolve().parents[2] / "corpus" / "regressions"
FILES = sorted(REGRESSIONS.glob("*.test"))


def _status(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# status:"):
            return line.split(":", 1)[1].split()[0]
    return "fixed"


def test_there_are_regressions():
    assert FILES


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_regression(path):
    reference = run_file(path, engine="sqlite3")
    assert reference.ok, reference.failures  # the expected results are sqlite3's
    ours = run_file(path, engine="engine", writer="sqlite3")
    if _status(path) == "open":
        assert not ours.ok, f"{path.name} passes now: change its status line to 'fixed'"
    else:
        assert ours.ok, ours.failures
