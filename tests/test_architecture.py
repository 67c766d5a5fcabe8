"""The layers import only downward (DESIGN.md): a test that fails when they don't.

formatspec imports nothing of ours; engine never imports oracle, fuzz or the
CLI; oracle and fuzz never import the CLI; only formatspec imports construct.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"formatspec", "engine", "oracle", "fuzz", "sqlassay", "corpus"}
FORBIDDEN = {
    "formatspec": OURS - {"formatspec"},
    "engine": {"oracle", "fuzz", "sqlassay", "corpus"},
    "oracle": {"fuzz", "sqlassay"},
    "fuzz": {"oracle", "sqlassay"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_downward(package):
    bad = []
    for path in _modules(package):
        wrong = _imports(path) & FORBIDDEN[package]
        if wrong:
            bad.append(f"{path.relative_to(ROOT)} imports {sorted(wrong)}")
    assert not bad, "\n".join(bad)


def test_only_formatspec_imports_construct():
    bad = []
    for package in OURS - {"formatspec"}:
        for path in _modules(package):
            if "construct" in _imports(path):
                bad.append(str(path.relative_to(ROOT)))
    assert not bad, f"construct imported outside formatspec: {bad}"


def test_checker_detects_a_violation(tmp_path):
    # the checker itself must be able to fail
    sample = tmp_path / "m.py"
    sample.write_text("import engine.pager\nfrom oracle import runner\n")
    assert _imports(sample) == {"engine", "oracle"}
