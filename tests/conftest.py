"""Shared test configuration: Hypothesis profiles, the fixture corpus, the report header.

* Hypothesis profiles: ``ci`` (derandomized, for CI; chosen when the ``CI``
  environment variable is set) and ``dev`` (the default). ``HYPOTHESIS_PROFILE``
  names one explicitly.
* ``corpus``: the list of :class:`corpus.build.Fixture` built by
  :func:`corpus.build.build_all`, once per test session, also under
  pytest-xdist (the workers share one directory; an ``fcntl`` lock makes one
  of them build while the others wait, and ``manifest.json``, written last,
  marks the build complete). Tests must not open the files in place with
  sqlite3 (a WAL or hot-journal fixture would be checkpointed or rolled
  back): use ``fixture.copy_to(tmp_path)``.
* ``corpus_by_name``: the same fixtures in a dict keyed by name.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import corpus.build as corpus_build

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=50,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def pytest_report_header(config):
    return f"sqlite3: SQLite {sqlite3.sqlite_version} (python module sqlite3)"


def _build_stamp() -> str:
    """Changes whenever the builder or the SQLite library does."""
    source = Path(corpus_build.__file__).read_bytes()
    return hashlib.sha256(source + sqlite3.sqlite_version.encode()).hexdigest()[:16]


def build_corpus_once(root: Path) -> list[corpus_build.Fixture]:
    """Build the corpus under ``root`` unless a complete build is there already.

    Safe to call from several processes at once: the first to take the lock
    builds; the others wait for it and then read the manifest.
    """
    root.mkdir(parents=True, exist_ok=True)
    outdir = root / f"corpus-{_build_stamp()}"
    marker = outdir / corpus_build.MANIFEST
    with open(root / "corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not marker.exists():
                corpus_build.build_all(outdir)  # writes the manifest last
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return corpus_build.load_manifest(outdir)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> list[corpus_build.Fixture]:
    """Every fixture of the corpus (built once per session)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's directory, shared by the workers
    return build_corpus_once(base / "sqlassay-corpus")


@pytest.fixture(scope="session")
def corpus_by_name(corpus) -> dict[str, corpus_build.Fixture]:
    """The corpus keyed by fixture name."""
    return {fx.name: fx for fx in corpus}
