"""The engine and sqlite3 agree on every query of select_queries.sql (rows with their
types, column names, error classes and messages) over the fixed database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .differential import compare, load_queries

QUERIES = load_queries(Path(__file__).with_name("select_queries.sql"))


def test_report_sqlite_version():
    # the reference behaviour is that of the linked SQLite
    assert sqlite3.sqlite_version_info >= (3, 35, 0)


@pytest.mark.parametrize("sql", QUERIES)
def test_read_query_created_by_sqlite3(fixed_db, sql):
    compare(fixed_db, sql)
