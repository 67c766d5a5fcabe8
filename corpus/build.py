"""Build the fixture corpus: real SQLite files written by the stdlib ``sqlite3``.

``python -m corpus.build OUTDIR`` (or :func:`build_all`) writes a matrix of
databases that the tests treat as ground truth for the file format
(fileformat2 and walformat). Same content on every run: data come from
``random.Random`` seeded with the fixture's name, and every statement is
issued in a fixed order. (Bytes of a ``-wal`` or ``-journal`` are not
reproducible: SQLite salts them with random numbers; tables, values and page
counts are.)

What the matrix covers (see :data:`SPECS`):

* page sizes 512, 1024, 4096, 8192 and 65536, each with each text encoding
  (UTF-8, UTF-16le, UTF-16be) once;
* auto-vacuum none / full / incremental at every page size (full and
  incremental leave pointer-map pages; several ptrmap pages at 512 and 1024);
* 32 reserved bytes per page at every page size. The ``sqlite3`` module cannot
  ask for reserved bytes (``SQLITE_FCNTL_RESERVE_BYTES`` is not exposed), so
  the builder lets sqlite3 create page 1 of an empty database, then sets
  header offset 20 to 32 and moves the empty page-1 b-tree's cell content
  offset (page offset 105) down to the new usable size. The file is then a
  valid empty database with reserved bytes, and every page sqlite3 adds keeps
  them (VACUUM does too); ``PRAGMA integrity_check`` accepts the result;
* table contents: overflow rows with payloads just below, at and above the
  max-local thresholds of table leaves and index cells and far past one page;
  indexes (multi-column, COLLATE NOCASE, on an expression, partial, unique);
  WITHOUT ROWID tables (single and multi-column keys, with overflow); INTEGER
  PRIMARY KEY; negative and extreme rowids; every storage class and every
  integer width, -0.0, +/-inf, empty text/blob, non-BMP text, long text;
  AUTOINCREMENT (``sqlite_sequence``); a table altered with ADD COLUMN whose
  old records are shorter than the schema; views and triggers;
* free pages (trunk + leaf; several trunks at 512 and 1024 bytes);
* ``wal_*``: a WAL-mode database whose ``-wal`` holds committed transactions
  and, after them, frames of a transaction that never committed (spilled by a
  tiny page cache), copied with its ``-shm`` while the writer was open;
* ``hotjournal_*``: a rollback journal captured mid-transaction (the tiny
  cache already wrote changed pages into the main file), plus a copy of the
  database taken before that transaction (``pre_transaction_path``): what
  sqlite3 rolls back to;
* ``small_*``: the same kinds of file kept under 64 KiB each, committed in
  ``corpus/fixtures`` (``python -m corpus.build --small corpus/fixtures``).

:func:`build_lock_byte` (only for the slow test) writes a database larger
than 1 GiB, so that the lock-byte page exists.

Opening a WAL or hot-journal fixture with sqlite3 changes it (checkpoint,
rollback): work on :meth:`Fixture.copy_to` copies.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import math
import os
import random
import shutil
import sqlite3
import sys
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"

ENCODINGS = ("UTF-8", "UTF-16le", "UTF-16be")


@dataclass
class Fixture:
    """One database of the corpus and what it is known to contain."""

    name: str
    path: Path
    page_size: int
    reserved_bytes: int
    encoding: str  # as PRAGMA encoding reports it
    auto_vacuum: int  # 0 none, 1 full, 2 incremental
    wal_path: Path | None = None
    shm_path: Path | None = None
    journal_path: Path | None = None
    pre_transaction_path: Path | None = None
    tables: tuple[str, ...] = ()
    notes: str = ""
    user_version: int = 0
    application_id: int = 0
    features: tuple[str, ...] = ()
    committed: bool = False  # one of the small files kept in corpus/fixtures

    @property
    def usable_size(self) -> int:
        return self.page_size - self.reserved_bytes

    def files(self) -> list[Path]:
        """Every file that belongs to the fixture."""
        out = [self.path]
        for extra in (self.wal_path, self.shm_path, self.journal_path, self.pre_transaction_path):
            if extra is not None:
                out.append(extra)
        return out

    def copy_to(self, directory: Path | str) -> Fixture:
        """Copy all of the fixture's files into ``directory``; return the copy.

        The ``-wal``, ``-shm`` and ``-journal`` keep their names relative to
        the database, so sqlite3 opening the copy sees them.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        moved = {}
        for attr in ("path", "wal_path", "shm_path", "journal_path", "pre_transaction_path"):
            src = getattr(self, attr)
            if src is None:
                moved[attr] = None
                continue
            dst = directory / src.name
            shutil.copyfile(src, dst)
            moved[attr] = dst
        return _replace(self, **moved)

    def to_json(self, root: Path) -> dict:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, Path):
                data[key] = os.path.relpath(value, root)
            elif isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_json(cls, data: dict, root: Path) -> Fixture:
        data = dict(data)
        for key in ("path", "wal_path", "shm_path", "journal_path", "pre_transaction_path"):
            if data.get(key) is not None:
                data[key] = Path(root) / data[key]
        for key in ("tables", "features"):
            data[key] = tuple(data.get(key, ()))
        return cls(**data)


def _replace(fx: Fixture, **changes) -> Fixture:
    values = {k: getattr(fx, k) for k in fx.__dataclass_fields__}
    values.update(changes)
    return Fixture(**values)


@dataclass(frozen=True)
class Spec:
    """How to build one fixture."""

    name: str
    page_size: int
    reserved: int
    encoding: str
    auto_vacuum: int
    mode: str = "plain"  # plain | wal | hotjournal
    small: bool = False
    free_pages: int = 8  # about how many pages the deletes free
    user_version: int = 0
    application_id: int = 0
    notes: str = ""
    extra: tuple[str, ...] = field(default=())


def _spec(name, page_size, reserved, encoding, auto_vacuum, **kw) -> Spec:
    uv = kw.pop("user_version", (zlib.crc32(name.encode()) % 1_000_000) + 1)
    app = kw.pop("application_id", 0x53514C41)  # "SQLA"
    return Spec(name, page_size, reserved, encoding, auto_vacuum, user_version=uv,
                application_id=app, **kw)


SPECS: tuple[Spec, ...] = (
    _spec("p512_utf8", 512, 0, "UTF-8", 0, free_pages=420,
          notes="freelist with several trunk pages"),
    _spec("p512_utf16le_full_r32", 512, 32, "UTF-16le", 1,
          notes="auto-vacuum full, several ptrmap pages, reserved bytes", user_version=-7),
    _spec("p512_utf16be_incr", 512, 0, "UTF-16be", 2, free_pages=60,
          notes="incremental vacuum: ptrmap pages and free pages", application_id=-2),
    _spec("p1024_utf8_incr_r32", 1024, 32, "UTF-8", 2, free_pages=600,
          notes="incremental vacuum with a multi-trunk freelist and reserved bytes"),
    _spec("p1024_utf16le", 1024, 0, "UTF-16le", 0, free_pages=560,
          notes="freelist with several trunk pages"),
    _spec("p1024_utf16be_full", 1024, 0, "UTF-16be", 1, notes="auto-vacuum full"),
    _spec("p4096_utf8_full", 4096, 0, "UTF-8", 1, notes="auto-vacuum full"),
    _spec("p4096_utf16le_r32", 4096, 32, "UTF-16le", 0, free_pages=40, notes="reserved bytes"),
    _spec("p4096_utf16be_incr", 4096, 0, "UTF-16be", 2, free_pages=30,
          notes="incremental vacuum"),
    _spec("p8192_utf8", 8192, 0, "UTF-8", 0, free_pages=20, notes="plain"),
    _spec("p8192_utf16le_incr", 8192, 0, "UTF-16le", 2, free_pages=12,
          notes="incremental vacuum"),
    _spec("p8192_utf16be_full_r32", 8192, 32, "UTF-16be", 1,
          notes="auto-vacuum full with reserved bytes"),
    _spec("p65536_utf8_incr", 65536, 0, "UTF-8", 2, free_pages=4,
          notes="largest page size (stored as 1 in the header), incremental vacuum"),
    _spec("p65536_utf16le_full_r32", 65536, 32, "UTF-16le", 1,
          notes="largest page size, auto-vacuum full, reserved bytes"),
    _spec("p65536_utf16be", 65536, 0, "UTF-16be", 0, free_pages=4, notes="largest page size"),
    _spec("wal_p4096_utf8", 4096, 0, "UTF-8", 0, mode="wal", free_pages=6,
          notes="WAL mode: committed frames then frames of an uncommitted transaction"),
    _spec("hotjournal_p1024_utf16le", 1024, 0, "UTF-16le", 0, mode="hotjournal",
          notes="hot rollback journal captured mid-transaction"),
    # the small ones: committed in corpus/fixtures, each file under 64 KiB
    _spec("small_p512_utf8", 512, 0, "UTF-8", 0, small=True, free_pages=6,
          notes="small: overflow, indexes, WITHOUT ROWID, free pages"),
    _spec("small_p1024_utf16be_incr_r32", 1024, 32, "UTF-16be", 2, small=True, free_pages=4,
          notes="small: incremental vacuum, ptrmap, reserved bytes, UTF-16be"),
    _spec("small_wal_p1024", 1024, 0, "UTF-8", 0, mode="wal", small=True, free_pages=2,
          notes="small: WAL with committed and uncommitted frames"),
    _spec("small_hotjournal_p512", 512, 0, "UTF-8", 0, mode="hotjournal", small=True,
          notes="small: hot rollback journal and the pre-transaction database"),
)

# -- values ---------------------------------------------------------------------------------

#: integers at both edges of every serial-type width (0/1 constants, 1, 2, 3, 4, 6, 8 bytes)
INTEGERS = (
    0, 1, -1, 2, 127, -128, 128, -129, 255, 256, 32767, -32768, 32768, -32769,
    8388607, -8388608, 8388608, -8388609, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1,
    2**47 - 1, -(2**47), 2**47, -(2**47) - 1, 2**63 - 1, -(2**63),
)
REALS = (
    0.0, -0.0, 0.5, -1.5, math.pi, 1e308, -1e308, 5e-324, 2.2250738585072014e-308,
    math.inf, -math.inf, 1e-300, 123456789.125, 2.0, -3.0, 1e20,
)
TEXTS = (
    "", "a", "héllo wörld", "日本語のテキスト", "\U0001f600 grinning", "e\u0301 combining",
    "\U00010348\U0001d11e\U0001f4a9", "tab\tnew\nline", "Ω≈ç√",
)
BLOBS = (b"", b"\x00", bytes(range(256)), b"\xff" * 3)
ROWIDS = (
    -(2**63), -(2**63) + 1, -(2**31) - 1, -1, 0, 1, 2**31, 2**48, 2**63 - 2, 2**63 - 1,
)
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Dennis",
         "Margaret", "Niklaus", "Radia", "Tony", "Leslie", "John", "Anita", "Zoë", "Ōta")
LAST = ("lovelace", "Hopper", "TURING", "dijkstra", "Liskov", "knuth", "Allen", "thompson",
        "Ritchie", "hamilton", "Wirth", "perlman", "Hoare", "LAMPORT", "McCarthy", "borg",
        "Çelik", "Ñúñez")


def _vlen(value: int) -> int:
    """Length of SQLite's varint for a non-negative value (fileformat2 "Varint")."""
    n = 1
    while value >= 0x80 and n < 9:
        value >>= 7
        n += 1
    return n


def _blob_len_for_payload(payload: int) -> int | None:
    """Blob length n such that the record (NULL, blob(n)) has exactly ``payload`` bytes.

    The record is: header-size varint, serial type 0 (the INTEGER PRIMARY KEY
    stored as NULL), serial type 2n+12, then n bytes.
    """
    for n in range(max(0, payload - 12), payload + 1):
        body_types = 1 + _vlen(2 * n + 12)
        header = body_types + _vlen(body_types + 1)
        if header + n == payload:
            return n
    return None


def overflow_targets(usable: int, *, small: bool) -> list[int]:
    """Record sizes for table ``ovf``: around the table-leaf thresholds and far past a page."""
    x = usable - 35
    m = ((usable - 12) * 32 // 255) - 23
    per = usable - 4
    targets = [
        1, m, x - 1, x, x + 1,
        x + per,  # K == X: local part X, one full overflow page
        x + per + 1,  # K == X + 1 > X: local part falls back to M
    ]
    if not small:
        targets += [
            m - 1, x - 2, x + 2,
            m + per,  # local part M, one full overflow page
            x + 2 * per,
            3 * usable + 17,
            min(40 * usable, 250_000) + 5,
        ]
    return sorted(targets)


# -- building ---------------------------------------------------------------------------------


def _create_empty(path: Path, spec: Spec) -> None:
    """An empty database with the spec's page size, encoding, auto-vacuum and reserved bytes."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute(f"PRAGMA page_size={spec.page_size}")
        con.execute(f"PRAGMA encoding='{spec.encoding}'")
        con.execute(f"PRAGMA auto_vacuum={spec.auto_vacuum}")
        con.execute(f"PRAGMA application_id={spec.application_id}")  # writes page 1
        con.execute(f"PRAGMA user_version={spec.user_version}")
    finally:
        con.close()
    if not spec.reserved:
        return
    data = bytearray(path.read_bytes())
    # page 1 must still be an empty table-leaf page: type 13, no cells
    if len(data) != spec.page_size or data[100] != 13 or data[103:105] != b"\0\0":
        raise RuntimeError(f"{path}: expected a one-page empty database")
    usable = spec.page_size - spec.reserved
    data[20] = spec.reserved  # header: reserved bytes per page
    data[105:107] = usable.to_bytes(2, "big")  # page 1 b-tree header: cell content offset
    path.write_bytes(bytes(data))


def _connect(path: Path, spec: Spec) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA encoding='{spec.encoding}'")  # page 1 does not record it yet
    con.execute("PRAGMA synchronous=OFF")
    return con


SCHEMA = """
CREATE TABLE people(id INTEGER PRIMARY KEY, first TEXT NOT NULL, last TEXT COLLATE NOCASE,
                    age INTEGER, email TEXT, score REAL);
CREATE INDEX people_name ON people(last COLLATE NOCASE, first);
CREATE INDEX people_email_lower ON people(lower(email));
CREATE INDEX people_adults ON people(age) WHERE age >= 18;
CREATE UNIQUE INDEX people_email ON people(email);
CREATE TABLE audit(id INTEGER PRIMARY KEY AUTOINCREMENT, person INTEGER, action TEXT);
CREATE TRIGGER people_audit_ins AFTER INSERT ON people BEGIN
  INSERT INTO audit(person, action) VALUES (new.id, 'insert');
END;
CREATE TRIGGER people_audit_del AFTER DELETE ON people BEGIN
  INSERT INTO audit(person, action) VALUES (old.id, 'delete');
END;
CREATE VIEW adults AS SELECT id, first, last FROM people WHERE age >= 18;
CREATE TABLE storage_classes(id INTEGER PRIMARY KEY, v);
CREATE TABLE wide(a, b, c, d, e, f, g, h);
CREATE TABLE typed(i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC);
CREATE TABLE rowids(x TEXT);
CREATE TABLE ovf(id INTEGER PRIMARY KEY, b BLOB);
CREATE TABLE ovf_idx(id INTEGER PRIMARY KEY, t TEXT);
CREATE INDEX ovf_idx_t ON ovf_idx(t);
CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB, n INTEGER) WITHOUT ROWID;
CREATE INDEX kv_n ON kv(n);
CREATE TABLE pairs(a INTEGER, b TEXT, c, PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE TABLE evolving(a, b);
CREATE TABLE scratch(id INTEGER PRIMARY KEY, pad BLOB);
CREATE TABLE doomed(id INTEGER PRIMARY KEY, pad BLOB);
"""


def _text_of(rng: random.Random, n: int) -> str:
    """``n`` random characters from 0-9a-f (ASCII: one byte each in UTF-8)."""
    return rng.randbytes((n + 1) // 2).hex()[:n]


def _pool_value(rng: random.Random):
    kind = rng.randrange(6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice(INTEGERS)
    if kind == 2:
        return rng.choice(REALS)
    if kind == 3:
        return rng.choice(TEXTS)
    if kind == 4:
        return rng.choice(BLOBS)
    return rng.randint(-(2**40), 2**40)


def _populate(con: sqlite3.Connection, spec: Spec, rng: random.Random) -> None:
    usable = spec.page_size - spec.reserved
    small = spec.small
    n_people = 20 if small else 700
    con.execute("BEGIN")
    # executescript would COMMIT first: run the statements one by one inside the transaction
    for stmt in _statements(SCHEMA):
        con.execute(stmt)

    people = []
    for i in range(1, n_people + 1):
        first = rng.choice(FIRST)
        last = rng.choice(LAST)
        age = rng.randint(1, 95)
        score = None if rng.random() < 0.1 else round(rng.uniform(0, 100), 3)
        people.append((i, first, last, age, f"{first}.{last}.{i}@Example.org", score))
    con.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)", people)

    values = [None, *INTEGERS, *REALS, *TEXTS, *BLOBS]
    long_chars = 200 if small else 5000
    values.append("long text " * (long_chars // 10))
    values.append("\U0001f680é" * (long_chars // 8))
    values.append(rng.randbytes(long_chars))
    con.executemany("INSERT INTO storage_classes(v) VALUES (?)", [(v,) for v in values])

    n_wide = 6 if small else 120
    con.executemany(
        "INSERT INTO wide VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [tuple(_pool_value(rng) for _ in range(8)) for _ in range(n_wide)],
    )

    typed_rows = [
        ("123", "4.0", 99, b"\x00\xff", "1e3"),
        (1.0, 2, 3.5, "text in a blob column", "12abc"),
        (None, None, None, None, None),
        (2**62, 2.0, "ü", b"", "0x10"),
        ("  42  ", -0.0, 7, 1.5, "3.0"),
        (-1, 0.1, "", "", 9007199254740993),
        (2.5, 1e20, -0.0, None, "-17"),
        ("x", 9.007199254740993e15, "∞", b"blob", 1e300),
    ]
    con.executemany("INSERT INTO typed VALUES (?, ?, ?, ?, ?)", typed_rows)

    con.executemany(
        "INSERT INTO rowids(rowid, x) VALUES (?, ?)", [(r, str(r)) for r in ROWIDS]
    )

    for target in overflow_targets(usable, small=small):
        n = _blob_len_for_payload(target)
        if n is not None:
            con.execute("INSERT INTO ovf(b) VALUES (?)", (rng.randbytes(n),))

    # index cells: keys around the index max-local threshold, and well past it
    x_index = ((usable - 12) * 64 // 255) - 23
    per_char = 1 if spec.encoding == "UTF-8" else 2
    if small:
        lengths = [x_index - 2 * per_char, x_index, x_index + per_char, x_index + usable]
    else:
        lengths = list(range(x_index - 10, x_index + 4)) + [x_index + usable - 8, x_index + usable]
        lengths += [3 * usable, min(12 * usable, 100_000)]
    for i, nbytes in enumerate(lengths):
        chars = max(1, nbytes // per_char)
        con.execute(
            "INSERT INTO ovf_idx(t) VALUES (?)", (f"{i:04d}" + _text_of(rng, chars - 4),)
        )

    n_kv = 12 if small else 250
    for i in range(n_kv):
        size = rng.choice((0, 1, 10, 40) if small else (0, 1, 10, 100, min(usable // 3, 1000)))
        if i % 97 == 5:
            size = 2 * usable + 11  # overflow from an index-leaf (WITHOUT ROWID) page
        con.execute(
            "INSERT INTO kv VALUES (?, ?, ?)",
            (f"key{i:05d}" + _text_of(rng, rng.randrange(0, 30)), rng.randbytes(size),
             rng.randint(-1000, 1000)),
        )

    n_pairs = 15 if small else 300
    con.executemany(
        "INSERT INTO pairs VALUES (?, ?, ?)",
        [(i // 3, rng.choice(FIRST) + str(i), _pool_value(rng)) for i in range(n_pairs)],
    )

    # ALTER TABLE ADD COLUMN: the old records keep two columns
    con.executemany("INSERT INTO evolving VALUES (?, ?)", [(i, f"old {i}") for i in range(12)])
    con.execute("COMMIT")
    con.execute("ALTER TABLE evolving ADD COLUMN c INTEGER DEFAULT 7")
    con.execute("ALTER TABLE evolving ADD COLUMN d TEXT")
    con.executemany(
        "INSERT INTO evolving VALUES (?, ?, ?, ?)", [(i, f"new {i}", i * 3, "d") for i in range(5)]
    )

    # free pages: fill scratch and doomed, then delete a run of rows and drop doomed
    con.execute("BEGIN")
    pad = max(16, usable // 2 - 40)
    n_scratch = 2 * spec.free_pages + 6
    con.executemany(
        "INSERT INTO scratch(pad) VALUES (?)", [(rng.randbytes(pad),) for _ in range(n_scratch)]
    )
    con.executemany(
        "INSERT INTO doomed(pad) VALUES (?)", [(rng.randbytes(pad),) for _ in range(6)]
    )
    con.execute("COMMIT")
    con.execute("BEGIN")
    con.execute("DELETE FROM scratch WHERE id > 3 AND id <= ?", (n_scratch - 3,))
    con.execute("DELETE FROM people WHERE id % 97 = 0")  # fires the delete trigger
    con.execute("DROP TABLE doomed")
    con.execute("COMMIT")
    if spec.auto_vacuum == 2:
        con.execute("PRAGMA incremental_vacuum(2)")


def _statements(script: str) -> list[str]:
    out, buf = [], []
    for line in script.strip().splitlines():
        buf.append(line)
        text = "\n".join(buf)
        if sqlite3.complete_statement(text):
            out.append(text.strip())
            buf = []
    return out


def _table_names(path: Path) -> tuple[str, ...]:
    con = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        rows = con.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
        ).fetchall()
    finally:
        con.close()
    return tuple(r[0] for r in rows)


def _features(spec: Spec) -> tuple[str, ...]:
    feats = ["overflow", "index", "without-rowid", "alter-add-column", "view", "trigger",
             "autoincrement", "storage-classes"]
    if spec.reserved:
        feats.append("reserved-bytes")
    if spec.auto_vacuum:
        feats.append("ptrmap")
    if spec.auto_vacuum != 1:
        feats.append("freelist")
        usable = spec.page_size - spec.reserved
        if spec.free_pages > 2 * (usable // 4 - 8):
            feats.append("freelist-multi-trunk")
    if spec.mode == "wal":
        feats += ["wal", "wal-uncommitted"]
    if spec.mode == "hotjournal":
        feats.append("hot-journal")
    return tuple(feats)


def _fixture(spec: Spec, path: Path, **kw) -> Fixture:
    return Fixture(
        name=spec.name,
        path=path,
        page_size=spec.page_size,
        reserved_bytes=spec.reserved,
        encoding=spec.encoding,
        auto_vacuum=spec.auto_vacuum,
        notes=spec.notes,
        user_version=spec.user_version,
        application_id=spec.application_id,
        features=_features(spec),
        committed=spec.small,
        **kw,
    )


def _build_plain(spec: Spec, outdir: Path, work: Path) -> Fixture:
    path = outdir / f"{spec.name}.db"
    _create_empty(path, spec)
    con = _connect(path, spec)
    try:
        _populate(con, spec, random.Random(spec.name))
    finally:
        con.close()
    return _fixture(spec, path, tables=_table_names(path))


def _uncommitted_work(con: sqlite3.Connection, spec: Spec, rng: random.Random) -> None:
    """A transaction big enough to spill dirty pages out of a 10-page cache."""
    usable = spec.page_size - spec.reserved
    con.execute("PRAGMA cache_size=10")
    con.execute("BEGIN")
    con.execute("CREATE TABLE never_committed(id INTEGER PRIMARY KEY, pad BLOB)")
    rows = 24 if spec.small else 400
    con.executemany(
        "INSERT INTO never_committed(pad) VALUES (?)",
        [(rng.randbytes(usable // 2),) for _ in range(rows)],
    )
    con.execute("UPDATE people SET email = 'changed.' || email, age = age + 1")
    con.execute("DELETE FROM kv WHERE n > 0")


def _build_wal(spec: Spec, outdir: Path, work: Path) -> Fixture:
    rng = random.Random(spec.name)
    live = work / f"{spec.name}.db"
    _create_empty(live, spec)
    con = _connect(live, spec)
    try:
        _populate(con, spec, rng)
        mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode != "wal":
            raise RuntimeError(f"journal_mode=WAL refused: {mode}")
        con.execute("PRAGMA wal_autocheckpoint=0")
        # committed transactions, some touching the same pages again
        for round_ in range(3):
            con.execute("BEGIN")
            con.execute(
                "INSERT INTO storage_classes(v) VALUES (?), (?), (?)",
                (round_, f"wal round {round_}", rng.randbytes(50 + round_)),
            )
            con.execute("UPDATE people SET score = ? WHERE id % 5 = ?", (round_ * 1.5, round_))
            con.execute("COMMIT")
        con.execute("DELETE FROM pairs WHERE a % 2 = 1")
        wal = Path(f"{live}-wal")
        committed_size = wal.stat().st_size
        _uncommitted_work(con, spec, rng)
        if wal.stat().st_size <= committed_size:
            raise RuntimeError("the uncommitted transaction did not spill into the WAL")
        path = outdir / live.name
        shutil.copyfile(live, path)
        shutil.copyfile(wal, f"{path}-wal")
        shutil.copyfile(f"{live}-shm", f"{path}-shm")
        con.execute("ROLLBACK")
    finally:
        con.close()
    # the committed state: what sqlite3 sees through a copy
    probe = work / "probe"
    fx = _fixture(spec, path, wal_path=Path(f"{path}-wal"), shm_path=Path(f"{path}-shm"))
    copy = fx.copy_to(probe)
    tables = _table_names_live(copy.path)
    shutil.rmtree(probe)
    return _replace(fx, tables=tables)


def _table_names_live(path: Path) -> tuple[str, ...]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
        ).fetchall()
    finally:
        con.close()
    return tuple(r[0] for r in rows)


def _build_hotjournal(spec: Spec, outdir: Path, work: Path) -> Fixture:
    rng = random.Random(spec.name)
    live = work / f"{spec.name}.db"
    _create_empty(live, spec)
    con = _connect(live, spec)
    try:
        _populate(con, spec, rng)
    finally:
        con.close()
    pre = outdir / f"{spec.name}.pre.db"
    shutil.copyfile(live, pre)
    con = sqlite3.connect(live, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("PRAGMA synchronous=FULL")
        _uncommitted_work(con, spec, rng)
        journal = Path(f"{live}-journal")
        if not journal.exists() or live.read_bytes() == pre.read_bytes():
            raise RuntimeError("the transaction did not spill into the main file")
        path = outdir / live.name
        shutil.copyfile(live, path)
        shutil.copyfile(journal, f"{path}-journal")
        con.execute("ROLLBACK")
    finally:
        con.close()
    return _fixture(
        spec, path, journal_path=Path(f"{path}-journal"), pre_transaction_path=pre,
        tables=_table_names(pre),
    )


def _clear(outdir: Path, name: str) -> None:
    for suffix in (".db", ".db-wal", ".db-shm", ".db-journal", ".pre.db"):
        p = outdir / f"{name}{suffix}"
        if p.exists():
            p.unlink()


def build_one(spec: Spec, outdir: Path | str) -> Fixture:
    """Build one fixture into ``outdir`` (replacing files of the same name)."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    _clear(outdir, spec.name)
    work = outdir / f".work-{spec.name}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    try:
        if spec.mode == "wal":
            return _build_wal(spec, outdir, work)
        if spec.mode == "hotjournal":
            return _build_hotjournal(spec, outdir, work)
        return _build_plain(spec, outdir, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_all(outdir: Path | str, *, small_only: bool = False) -> list[Fixture]:
    """Build the corpus into ``outdir``; write ``manifest.json``; return the fixtures."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    fixtures = [build_one(s, outdir) for s in SPECS if s.small or not small_only]
    write_manifest(outdir, fixtures)
    return fixtures


def write_manifest(outdir: Path, fixtures: list[Fixture]) -> None:
    doc = {
        "sqlite_version": sqlite3.sqlite_version,
        "fixtures": [fx.to_json(outdir) for fx in fixtures],
    }
    tmp = outdir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, outdir / MANIFEST)


def load_manifest(outdir: Path | str) -> list[Fixture]:
    """The fixtures described by ``outdir/manifest.json``."""
    outdir = Path(outdir)
    doc = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
    return [Fixture.from_json(d, outdir) for d in doc["fixtures"]]


def build_stamp() -> str:
    """Changes whenever this builder or the SQLite library does."""
    source = Path(__file__).read_bytes()
    return hashlib.sha256(source + sqlite3.sqlite_version.encode()).hexdigest()[:16]


def build_once(root: Path | str, *, small_only: bool = False) -> list[Fixture]:
    """Build the corpus under ``root`` unless a complete build is there already.

    Safe to call from several processes at once (pytest-xdist workers): an
    ``fcntl`` lock on ``root/corpus.lock`` lets the first caller build while the
    others wait; ``manifest.json``, written last, marks a build complete. The
    build goes to ``root/corpus-<stamp>``, so a changed builder or SQLite gets
    a fresh directory.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    outdir = root / f"corpus-{'small-' if small_only else ''}{build_stamp()}"
    with open(root / "corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (outdir / MANIFEST).exists():
                build_all(outdir, small_only=small_only)  # writes the manifest last
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return load_manifest(outdir)


# -- the lock-byte database (slow test only) ---------------------------------------------------

LOCK_BYTE_BLOB = 64 * 1024 * 1024
LOCK_BYTE_ROWS = 17  # 17 * 64 MiB > 1 GiB


def build_lock_byte(outdir: Path | str) -> Fixture:
    """A database larger than 1 GiB (page size 65536, incremental vacuum).

    Seventeen 64 MiB zeroblobs push the file past offset 2**30, so the
    lock-byte page (number 16385 at this page size) lies inside the range of
    used pages; one blob whose overflow chain crosses it is then deleted, so
    the freelist spans it as well.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    spec = _spec("lock_byte_p65536", 65536, 0, "UTF-8", 2,
                 notes="larger than 1 GiB: the lock-byte page exists")
    path = outdir / f"{spec.name}.db"
    _clear(outdir, spec.name)
    _create_empty(path, spec)
    con = _connect(path, spec)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("CREATE TABLE small(id INTEGER PRIMARY KEY, v TEXT)")
        con.executemany("INSERT INTO small(v) VALUES (?)", [(f"row {i}",) for i in range(50)])
        con.execute("CREATE TABLE big(id INTEGER PRIMARY KEY, b BLOB)")
        for _ in range(LOCK_BYTE_ROWS):
            con.execute("INSERT INTO big(b) VALUES (zeroblob(?))", (LOCK_BYTE_BLOB,))
        # row 16's chain covers file offsets from about 0.94 GiB to 1.0 GiB + 64 KiB
        con.execute("DELETE FROM big WHERE id = 16")
    finally:
        con.close()
    fx = _fixture(spec, path, tables=_table_names(path))
    return _replace(fx, features=(*fx.features, "lock-byte"), committed=False)


# -- command line ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpus.build", description=__doc__.split("\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--small", action="store_true", help="only the small committed fixtures")
    parser.add_argument("--lock-byte", action="store_true",
                        help="also build the >1 GiB lock-byte database")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    fixtures = build_all(args.outdir, small_only=args.small)
    if args.lock_byte:
        fixtures.append(build_lock_byte(args.outdir))
        write_manifest(args.outdir, fixtures)
    elapsed = time.perf_counter() - start
    total = 0
    for fx in fixtures:
        size = sum(p.stat().st_size for p in fx.files())
        total += size
        print(f"{fx.name:32} {fx.page_size:6} r{fx.reserved_bytes:<3} {fx.encoding:9} "
              f"av{fx.auto_vacuum} {size:>10,} B  {', '.join(fx.features)}")
    print(f"{len(fixtures)} fixtures, {total:,} bytes, {elapsed:.2f} s, sqlite {sqlite3.sqlite_version}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
