"""Every table of every corpus database reads the same through engine.connect() as
through sqlite3 (rows with types, as multisets; counts; a rowid seek)."""

from __future__ import annotations

import sqlite3

from .differential import compare

MAX_BYTES = 8 << 20  # the huge fixtures are covered by the storage tests


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def test_read_corpus_tables_created_by_sqlite3(corpus, tmp_path):
    checked = 0
    for fx in corpus:
        if fx.path.stat().st_size > MAX_BYTES:
            continue
        copy = fx.copy_to(tmp_path / fx.name)
        ref = sqlite3.connect(copy.path)
        try:
            tables = [(name, sql) for name, sql in ref.execute(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'table'")]
        finally:
            ref.close()
        compare(copy.path, "SELECT * FROM sqlite_schema")
        for name, sql in tables:
            if name.startswith("sqlite_") or (sql or "").upper().startswith("CREATE VIRTUAL"):
                continue
            q = _quote(name)
            compare(copy.path, f"SELECT * FROM {q}", check_names=False)
            compare(copy.path, f"SELECT count(*) FROM {q}")
            if "WITHOUT ROWID" not in (sql or "").upper():
                compare(copy.path, f"SELECT * FROM {q} WHERE rowid = 2", check_names=False)
            checked += 1
    # compare() raises Mismatch on any difference; this guards against checking nothing
    assert checked >= 10, f"only {checked} corpus tables were compared"
