"""Shared test configuration: Hypothesis profiles, the fixture corpus, the report header.

* Hypothesis profiles: ``ci`` (derandomized, for CI; chosen when the ``CI``
  environment variable is set) and ``dev`` (the default). ``HYPOTHESIS_PROFILE``
  names one explicitly.
* ``corpus``: the list of :class:`corpus.build.Fixture` built by
  :func:`corpus.build.build_all`, once per test session, also under
  pytest-xdist (:func:`corpus.build.build_once`: the workers share one
  directory; an ``fcntl`` lock makes one of them build while the others wait,
  and ``manifest.json``, written last, marks the build complete). Tests must
  not open the files in place with sqlite3 (a WAL or hot-journal fixture
  would be checkpointed or rolled back): use ``fixture.copy_to(tmp_path)``.
* ``corpus_by_name``: the same fixtures in a dict keyed by name.
* ``sqlite_view``: ``view(path)`` -> what sqlite3 reports about a database
  file (pragmas, ``sqlite_schema``, every ``dbstat`` row), read from a
  private copy of the file alone; the referee of the golden tests.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
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
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


def pytest_report_header(config):
    return f"sqlite3: SQLite {sqlite3.sqlite_version} (python module sqlite3)"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> list[corpus_build.Fixture]:
    """Every fixture of the corpus (built once per session)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's directory, shared by the workers
    return corpus_build.build_once(base / "sqlassay-corpus")


@pytest.fixture(scope="session")
def corpus_by_name(corpus) -> dict[str, corpus_build.Fixture]:
    """The corpus keyed by fixture name."""
    return {fx.name: fx for fx in corpus}


# -- sqlite3's view of a database file (the referee for the golden tests) --------------------


@dataclass(frozen=True)
class DbstatPage:
    """One row of SQLite's ``dbstat`` virtual table (aggregate=0)."""

    name: str  # the b-tree (table or index name, or sqlite_schema)
    pageno: int
    pagetype: str  # internal | leaf | overflow
    ncell: int
    payload: int
    unused: int
    path: str


@dataclass(frozen=True)
class SqliteView:
    """What sqlite3 reports about one database file (read from a private copy)."""

    pragmas: dict
    schema: tuple  # (type, name, tbl_name, rootpage, sql) rows of sqlite_schema
    dbstat: dict  # pgno -> DbstatPage

    def btree_kind(self, name: str) -> str:
        """'table' for a rowid table's b-tree, 'index' for an index or WITHOUT ROWID table."""
        if name in ("sqlite_schema", "sqlite_master"):
            return "table"
        for type_, n, _tbl, _root, sql in self.schema:
            if n == name:
                if type_ == "index":
                    return "index"
                return "index" if sql and "WITHOUT ROWID" in sql.upper() else "table"
        raise KeyError(name)


_PRAGMAS = ("page_size", "page_count", "freelist_count", "encoding", "user_version",
            "application_id", "schema_version", "auto_vacuum", "journal_mode")


def read_sqlite_view(path: Path, workdir: Path) -> SqliteView:
    """Open a copy of the database file alone (no -wal, no -journal) and ask sqlite3."""
    workdir.mkdir(parents=True, exist_ok=True)
    copy = workdir / "view.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    copy.write_bytes(Path(path).read_bytes())
    con = sqlite3.connect(copy)
    try:
        pragmas = {p: con.execute(f"PRAGMA {p}").fetchone()[0] for p in _PRAGMAS}
        schema = tuple(con.execute(
            "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema"))
        dbstat = {
            row[1]: DbstatPage(*row)
            for row in con.execute(
                "SELECT name, pageno, pagetype, ncell, payload, unused, path FROM dbstat")
        }
    finally:
        con.close()
    return SqliteView(pragmas, schema, dbstat)


@pytest.fixture(scope="session")
def sqlite_view(tmp_path_factory):
    """``view(path) -> SqliteView``, cached per file for the session."""
    cache: dict = {}
    work = tmp_path_factory.mktemp("sqlite-view")

    def view(path) -> SqliteView:
        path = Path(path)
        key = (str(path), path.stat().st_size, path.stat().st_mtime_ns)
        if key not in cache:
            cache[key] = read_sqlite_view(path, work)
        return cache[key]

    return view
