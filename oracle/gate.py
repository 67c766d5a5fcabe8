"""The CI compatibility gate: one yes/no for "still compatible with SQLite".

Sections, each judged against stdlib sqlite3:

1. ``regressions``: every sqllogictest file of ``corpus/regressions`` (the
   minimized findings of earlier campaigns) under the engine, writes through
   sqlite3 (``--writer sqlite3``).
2. ``campaign``: a differential campaign with a fixed seed (:data:`SEED`);
   quick: :data:`QUICK_QUERIES` queries (about a minute on two cores), full:
   :data:`FULL_QUERIES`. Findings are minimized and written under ``out``.
3. ``corpus``: every database of the corpus (``corpus.build.build_all``
   into a temporary directory, plus the committed ``corpus/fixtures``) is
   judged by :func:`engine.integrity.check` and by sqlite3's ``PRAGMA
   integrity_check`` on a private copy; the two verdicts must agree.
4. ``slt``: the sqllogictest files of ``corpus/slt`` under the engine, writes
   through sqlite3.

How "unsupported" counts (the policy printed under the table): a case where
the engine raised ``NotSupportedError`` is neither agreement nor
disagreement. Each section shows how many cases were unsupported and the
supported fraction; a section passes only when it has no disagreement *and*
its supported fraction is at least ``min_supported`` (default
:data:`MIN_SUPPORTED`), so a gate cannot be green because everything was
unsupported. The gate passes when every section passes.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

SEED = 20261121
QUICK_QUERIES = 4000
FULL_QUERIES = 10000
MIN_SUPPORTED = 0.9
ROOT = Path(__file__).resolve().parent.parent
POLICY = ("unsupported (NotSupportedError) is counted apart, never as agreement; a section "
          "passes only with 0 disagreements and a supported fraction >= {:.0%}")


@dataclass
class Section:
    name: str
    checked: int = 0
    agreed: int = 0
    disagreed: int = 0
    unsupported: int = 0
    seconds: float = 0.0
    details: list[str] = field(default_factory=list)
    error: str | None = None
    min_supported: float = MIN_SUPPORTED

    @property
    def supported_fraction(self) -> float:
        return (self.checked - self.unsupported) / self.checked if self.checked else 1.0

    @property
    def passed(self) -> bool:
        return (self.error is None and self.disagreed == 0
                and self.supported_fraction >= self.min_supported)

    def to_json(self) -> dict:
        d = asdict(self)
        d["supported_fraction"] = round(self.supported_fraction, 4)
        d["passed"] = self.passed
        return d


def _slt_section(name: str, directory: Path, min_supported: float) -> Section:
    from oracle.slt import collect, run_file

    sec = Section(name, min_supported=min_supported)
    t0 = time.monotonic()
    for path in collect([directory]) if directory.exists() else []:
        r = run_file(path, engine="engine", writer="sqlite3")
        sec.checked += r.passed + r.failed + r.unsupported
        sec.agreed += r.passed
        sec.disagreed += r.failed + (1 if r.error else 0)
        sec.unsupported += r.unsupported
        rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for f in r.failures:
            sec.details.append(f"{rel}:{f.line}: {' '.join(f.message.split())[:200]}")
        if r.error:
            sec.details.append(f"{rel}: {r.error}")
    sec.seconds = time.monotonic() - t0
    return sec


def _campaign_section(queries: int, jobs: int, out: str | None, min_supported: float,
                      progress: bool, console) -> tuple[Section, object]:
    from oracle.runner import run_campaign

    sec = Section("campaign", min_supported=min_supported)
    t0 = time.monotonic()
    report = run_campaign(queries, seed=SEED, jobs=jobs, out=out, progress=progress,
                          console=console, max_minimize=8)
    sec.checked = report.done
    sec.agreed = report.agreed + report.invalid
    sec.disagreed = report.disagreements
    sec.unsupported = report.unsupported
    sec.seconds = time.monotonic() - t0
    for f in report.findings:
        sec.details.append(f"{f.signature} seed {f.case_seed}"
                           + (f" -> {f.path}" if f.path else ""))
    for msg, n in report.unsupported_messages.most_common(5):
        sec.details.append(f"unsupported x{n}: {msg}")
    return sec, report


def _integrity_verdict(path: Path) -> bool:
    # a private copy: sqlite3 may roll back a hot journal or read the WAL, as it would
    con = sqlite3.connect(path)
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()
    return rows == ["ok"]


def _corpus_builder():
    """``corpus.build``, imported from the source tree when it is not installed."""
    try:
        import corpus.build as build
    except ImportError:
        import importlib.util
        import sys

        spec = importlib.util.spec_from_file_location("corpus.build",
                                                      ROOT / "corpus" / "build.py")
        build = importlib.util.module_from_spec(spec)
        sys.modules.setdefault("corpus.build", build)
        spec.loader.exec_module(build)
    return build


def _corpus_section(small_only: bool) -> Section:
    sec = Section("corpus", min_supported=0.0)
    t0 = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="sqlassay-gate-corpus-"))
    try:
        from engine.integrity import check

        build = _corpus_builder()
        fixtures = list(build.build_all(tmp / "built", small_only=small_only))
        committed = ROOT / "corpus" / "fixtures"
        if (committed / build.MANIFEST).exists():
            fixtures += build.load_manifest(committed)
        for i, fx in enumerate(fixtures):
            mine = fx.copy_to(tmp / f"ours{i}")
            theirs = fx.copy_to(tmp / f"sqlite{i}")
            try:
                problems = check(mine.path)
                ours_ok = not problems
                note = "; ".join(str(p) for p in problems[:2])
            except Exception as exc:  # noqa: BLE001 - any failure is a verdict
                ours_ok, note = False, f"{type(exc).__name__}: {exc}"
            sqlite_ok = _integrity_verdict(theirs.path)
            sec.checked += 1
            if ours_ok == sqlite_ok:
                sec.agreed += 1
            else:
                sec.disagreed += 1
                sec.details.append(f"{fx.name}: check says {'ok' if ours_ok else 'problems'}, "
                                   f"integrity_check says {'ok' if sqlite_ok else 'problems'}"
                                   f" {note}"[:300])
    except Exception as exc:  # noqa: BLE001
        sec.error = f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sec.seconds = time.monotonic() - t0
    return sec


@dataclass
class GateResult:
    sections: list[Section]
    quick: bool
    min_supported: float
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.sections)

    def to_json(self) -> dict:
        return {"passed": self.passed, "quick": self.quick, "seconds": round(self.seconds, 2),
                "sqlite_version": sqlite3.sqlite_version,
                "policy": POLICY.format(self.min_supported),
                "sections": [s.to_json() for s in self.sections]}


def run_gate(*, quick: bool = False, jobs: int = 2, out: str | None = None,
             min_supported: float = MIN_SUPPORTED, queries: int | None = None,
             sections=("regressions", "campaign", "corpus", "slt"), progress: bool = False,
             console=None) -> GateResult:
    t0 = time.monotonic()
    result: list[Section] = []
    for name in sections:
        if name == "regressions":
            result.append(_slt_section("regressions", ROOT / "corpus" / "regressions",
                                       min_supported))
        elif name == "campaign":
            n = queries or (QUICK_QUERIES if quick else FULL_QUERIES)
            sec, _ = _campaign_section(n, jobs, out, min_supported, progress, console)
            result.append(sec)
        elif name == "corpus":
            result.append(_corpus_section(small_only=quick))
        elif name == "slt":
            result.append(_slt_section("slt", ROOT / "corpus" / "slt", min_supported))
        else:
            raise ValueError(f"unknown gate section {name!r}")
    return GateResult(result, quick, min_supported, time.monotonic() - t0)


def render(result: GateResult, console) -> None:
    from rich.table import Table

    table = Table(title=f"sqlassay gate ({'quick' if result.quick else 'full'}) against "
                        f"SQLite {sqlite3.sqlite_version}")
    for col in ("section", "checked", "agreed", "disagreed", "unsupported", "supported",
                "seconds", "verdict"):
        table.add_column(col, justify="left" if col in ("section", "verdict") else "right")
    for s in result.sections:
        verdict = "[green]PASS" if s.passed else "[red]FAIL"
        table.add_row(s.name, str(s.checked), str(s.agreed), str(s.disagreed),
                      str(s.unsupported), f"{s.supported_fraction:.1%}", f"{s.seconds:.1f}",
                      verdict + (f" ({s.error})" if s.error else ""))
    console.print(table)
    console.print(POLICY.format(result.min_supported))
    for s in result.sections:
        for line in s.details[:15]:
            console.print(f"  [bold]{s.name}[/bold]: {line}", markup=True, highlight=False,
                          soft_wrap=True)
        if len(s.details) > 15:
            console.print(f"  {s.name}: ... {len(s.details) - 15} more")
    console.print("[green]gate: PASS" if result.passed else "[red]gate: FAIL")


def junit(result: GateResult) -> str:
    from xml.sax.saxutils import quoteattr

    failures = sum(not s.passed for s in result.sections)
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             f'<testsuite name="sqlassay-gate" tests="{len(result.sections)}" '
             f'failures="{failures}" time="{result.seconds:.2f}">']
    for s in result.sections:
        parts.append(f'<testcase classname="gate" name={quoteattr(s.name)} '
                     f'time="{s.seconds:.2f}">')
        if not s.passed:
            msg = (f"{s.disagreed} disagreement(s), {s.unsupported} unsupported of "
                   f"{s.checked}; supported {s.supported_fraction:.1%}")
            body = "\n".join(s.details)
            parts.append(f"<failure message={quoteattr(msg)}>{_xml(body)}</failure>")
        parts.append("</testcase>")
    parts.append("</testsuite>")
    return "\n".join(parts) + "\n"


def _xml(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text)


def write_json(result: GateResult, path: str) -> None:
    Path(path).write_text(json.dumps(result.to_json(), indent=1) + "\n", encoding="utf-8")
