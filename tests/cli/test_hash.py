"""``sqlassay hash``: dbhash semantics.

The reference is dbhash.c's algorithm run through sqlite3 itself (the same
queries, the same byte encoding of each value). Copies of one database with
other page sizes, encodings and auto-vacuum settings hash equal; changing any
row changes the hash.
"""

from __future__ import annotations

import hashlib
import sqlite3
import struct

import pytest
from click.testing import CliRunner

from sqlassay.cli import main

SCHEMA = """
CREATE TABLE people(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, score REAL, photo BLOB);
CREATE INDEX people_name ON people(name COLLATE NOCASE);
CREATE TABLE kv(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE "Mixed Case"(x);
CREATE VIEW v AS SELECT name FROM people;
"""


def fill(con):
    con.executescript(SCHEMA)
    for i in range(60):
        con.execute("INSERT INTO people(name, score, photo) VALUES(?,?,?)",
                    (f"n\u00e9{i}" * (i % 7 + 1), i * 1.5 if i % 4 else i, bytes([i]) * (i * 40)))
        con.execute("INSERT INTO kv VALUES(?,?)", (f"key{i}", None if i % 5 == 0 else i - 30))
    con.execute("""INSERT INTO "Mixed Case" VALUES (1), (2.5), ('three'), (x'04'), (NULL)""")
    con.execute("ALTER TABLE people ADD COLUMN extra DEFAULT 'dflt'")
    con.commit()


def reference_dbhash(path) -> str:
    """dbhash.c's algorithm, executed through sqlite3."""
    con = sqlite3.connect(path)
    h = hashlib.sha1()

    def feed(sql):
        for row in con.execute(sql):
            for v in row:
                if v is None:
                    h.update(b"0")
                elif isinstance(v, int):
                    h.update(b"1" + struct.pack(">q", v))
                elif isinstance(v, float):
                    h.update(b"2" + struct.pack(">d", v))
                elif isinstance(v, str):
                    h.update(b"3" + v.encode("utf-8", "surrogatepass"))
                else:
                    h.update(b"4" + v)

    names = con.execute("SELECT name FROM sqlite_schema WHERE type='table' AND sql NOT LIKE "
                        "'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%' ORDER BY name "
                        "COLLATE nocase").fetchall()
    for (name,) in names:
        feed(f'SELECT * FROM "{name}"')
    feed("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE tbl_name LIKE '%' "
         "ORDER BY name COLLATE nocase")
    con.close()
    return h.hexdigest()


def our_hash(path) -> str:
    result = CliRunner().invoke(main, ["hash", str(path)])
    assert result.exit_code == 0, result.stderr
    digest, name = result.output.split()
    assert name == str(path)
    return digest


def build(path, *, page_size=4096, encoding="UTF-8", auto_vacuum=0):
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute(f"PRAGMA encoding='{encoding}'")
    con.execute(f"PRAGMA auto_vacuum={auto_vacuum}")
    fill(con)
    con.close()
    return path


def test_hash_equals_dbhash_algorithm(tmp_path):
    path = build(tmp_path / "a.db")
    assert our_hash(path) == reference_dbhash(path)


def test_hash_of_corpus_equals_dbhash_algorithm(corpus, tmp_path):
    for fx in corpus[:8]:
        copy = fx.copy_to(tmp_path / fx.name)
        ours = our_hash(copy.path)
        assert ours == reference_dbhash(copy.path), fx.name


@pytest.mark.parametrize("page_size", [512, 1024, 8192, 65536])
def test_vacuum_into_other_page_size_hashes_equal(tmp_path, page_size):
    src = build(tmp_path / "a.db")
    con = sqlite3.connect(src)
    con.execute("DELETE FROM people WHERE id % 9 = 0")  # free space must not matter
    con.commit()
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute(f"VACUUM INTO '{tmp_path / 'b.db'}'")
    con.close()
    b = tmp_path / "b.db"
    assert sqlite3.connect(b).execute("PRAGMA page_size").fetchone()[0] == page_size
    assert our_hash(src) == our_hash(b) == reference_dbhash(b)


@pytest.mark.parametrize("encoding,auto_vacuum", [("UTF-16le", 1), ("UTF-16be", 2),
                                                  ("UTF-8", 1)])
def test_other_encodings_and_auto_vacuum_hash_equal(tmp_path, encoding, auto_vacuum):
    a = build(tmp_path / "a.db")
    b = build(tmp_path / "b.db", page_size=1024, encoding=encoding, auto_vacuum=auto_vacuum)
    # VACUUM INTO keeps the encoding of its source, so b is built with the same statements
    con = sqlite3.connect(b)
    assert con.execute("PRAGMA encoding").fetchone()[0] == encoding
    con.close()
    assert our_hash(a) == our_hash(b)
    assert our_hash(b) == reference_dbhash(b)


def test_any_changed_row_changes_the_hash(tmp_path):
    base = build(tmp_path / "a.db")
    h0 = our_hash(base)
    changes = [
        "UPDATE people SET name = name || 'x' WHERE id = 17",
        "UPDATE people SET score = 1.0 WHERE id = 4",  # 4 -> 1.0 (REAL)
        "UPDATE kv SET v = '5' WHERE k = 'key35'",  # integer 5 -> text '5'
        "DELETE FROM \"Mixed Case\" WHERE x IS NULL",
        "INSERT INTO kv VALUES('new', 1)",
        "UPDATE people SET photo = x'00' WHERE id = 1",
        "CREATE INDEX extra_idx ON people(extra)",  # schema change
    ]
    seen = {h0}
    for n, sql in enumerate(changes):
        copy = tmp_path / f"c{n}.db"
        copy.write_bytes(base.read_bytes())
        con = sqlite3.connect(copy)
        con.execute(sql)
        con.commit()
        con.close()
        h = our_hash(copy)
        assert h == reference_dbhash(copy), sql
        assert h not in seen, sql
        seen.add(h)


def test_like_and_schema_options(tmp_path):
    path = build(tmp_path / "a.db")
    runner = CliRunner()
    full = runner.invoke(main, ["hash", str(path)]).output.split()[0]
    only_schema = runner.invoke(main, ["hash", "--schema-only", str(path)]).output.split()[0]
    no_schema = runner.invoke(main, ["hash", "--without-schema", str(path)]).output.split()[0]
    like = runner.invoke(main, ["hash", "--like", "kv", str(path)]).output.split()[0]
    assert len({full, only_schema, no_schema, like}) == 4
