"""The registry of fuzz targets: name -> harness, seeds, dictionary, limits.

Each :class:`Target` names a harness of :mod:`fuzz.harnesses`, the directory
of its committed seeds and reproducers (``corpus/fuzz/<name>/``), its
libFuzzer dictionary (``fuzz/dictionaries/*.dict``), the largest input worth
trying, whether the structure-aware mutator of :mod:`fuzz.mutator` applies,
and which packages atheris instruments for coverage.

:func:`make_seeds` builds the seed inputs from the project's own material:
the fixture databases of ``corpus/fixtures`` (with their ``-wal`` and
``-journal``), small databases written by sqlite3 for the purpose (so that
the fuzzer starts from every page kind: interior and leaf pages of tables and
indexes, overflow chains, freelist trunks, pointer-map pages), and SQL
statements. ``python -m fuzz.targets --write-seeds`` writes them under
``corpus/fuzz/``. This module implements no part of the file format.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fuzz import harnesses as H

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus" / "fuzz"
DICTIONARIES = Path(__file__).resolve().parent / "dictionaries"
FIXTURES = ROOT / "corpus" / "fixtures"


@dataclass(frozen=True)
class Target:
    name: str
    harness: Callable[[bytes], None]
    dictionary: str | None
    max_len: int
    structured: str | None  # "image", "image_wal", "image_journal" or None: custom mutator kind
    instrument: tuple[str, ...]
    # libFuzzer -timeout (wall clock): the last resort; the harnesses' CPU alarm fires first
    timeout: int = 90
    description: str = ""

    @property
    def corpus_dir(self) -> Path:
        return CORPUS / self.name

    @property
    def dict_path(self) -> Path | None:
        return DICTIONARIES / self.dictionary if self.dictionary else None

    def replay_inputs(self) -> list[Path]:
        """Committed seeds and reproducers of fixed bugs (``pending/`` excluded)."""
        d = self.corpus_dir
        if not d.is_dir():
            return []
        return sorted(p for p in d.iterdir() if p.is_file() and not p.name.startswith("."))

    def pending_inputs(self) -> list[Path]:
        d = self.corpus_dir / "pending"
        return sorted(d.iterdir()) if d.is_dir() else []


_FS = ("formatspec",)
_ENG = ("formatspec", "engine")

TARGETS: dict[str, Target] = {t.name: t for t in [
    Target("header", H.header, "header.dict", 256, None, _FS,
           description="database header: DatabaseHeader schema and read_database_header"),
    Target("btree_page", H.btree_page, "btree.dict", 65536 + 8, None, _FS,
           description="one b-tree page (page size, reserved, pgno, encoding from the input)"),
    Target("record", H.record, "record.dict", 4096, None, _FS,
           description="record: decode_record, Record schema, record_decoder"),
    Target("wal", H.wal, "wal.dict", 70000, None, _FS,
           description="WAL header + frames: scan_wal"),
    Target("journal", H.journal, "journal.dict", 70000, None, _FS,
           description="rollback journal: scan_journal, journal_page_images"),
    Target("ptrmap_freelist", H.ptrmap_freelist, "btree.dict", 16384, None, _FS,
           description="ptrmap, freelist trunk and overflow pages, freelist/overflow walks"),
    Target("image", H.image, "btree.dict", 65536, "image", _ENG,
           description="engine.storage.open_bytes + schema + every table/index + check"),
    Target("image_wal", H.image_wal, "wal.dict", 131072, "image_wal", _ENG,
           description="the same with a -wal beside the image"),
    Target("image_journal", H.image_journal, "journal.dict", 131072, "image_journal", _ENG,
           description="the same with a hot -journal beside the image"),
    Target("sql_parse", H.sql_parse, "sql.dict", 4096, None, ("engine.sql",),
           description="engine.sql lexer and parser on arbitrary text"),
    Target("sql_exec", H.sql_exec, "sql.dict", 2048, None, ("engine",),
           description="engine.connect executor on arbitrary SQL against a fixed database"),
]}


# ---------------------------------------------------------------------------- seeds

_SEED_DBS = {
    "basic": [
        "PRAGMA page_size=512",
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d BLOB)",
        "CREATE INDEX tb ON t(b)",
        "INSERT INTO t VALUES (1,'x',1.5,x'00'),(2,NULL,-0.0,NULL),(3,'yy',1e300,x'ffee')",
    ],
    "deep": [
        "PRAGMA page_size=512",
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)",
        "CREATE INDEX tb ON t(b)",
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<300) "
        "INSERT INTO t SELECT i, printf('%08d-%s', i*7919 % 1000, hex(i)) FROM c",
    ],
    "overflow": [
        "PRAGMA page_size=512",
        "CREATE TABLE t(a, b)",
        "CREATE INDEX ta ON t(a)",
        "INSERT INTO t VALUES (zeroblob(2000), 1), (printf('%.*c', 900, 'q'), 2)",
    ],
    "freelist": [
        "PRAGMA page_size=512",
        "CREATE TABLE t(a, b)",
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<120) "
        "INSERT INTO t SELECT i, zeroblob(300) FROM c",
        "DELETE FROM t WHERE a % 3 != 0",
    ],
    "autovacuum": [
        "PRAGMA page_size=512",
        "PRAGMA auto_vacuum=FULL",
        "CREATE TABLE t(a, b)",
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<40) "
        "INSERT INTO t SELECT i, zeroblob(200) FROM c",
    ],
    "without_rowid_utf16": [
        "PRAGMA page_size=1024",
        "PRAGMA encoding='UTF-16le'",
        "CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID",
        "CREATE TABLE u(a INTEGER, b TEXT UNIQUE, c AS (a*2))",
        "CREATE VIEW vw AS SELECT * FROM w",
        "CREATE TRIGGER tr AFTER INSERT ON w BEGIN SELECT 1; END",
        "INSERT INTO w VALUES ('a',1),('b',x'00'),('ccc',2.5)",
        "INSERT INTO u(a,b) VALUES (1,'one'),(2,'two')",
        "ALTER TABLE w ADD COLUMN z DEFAULT 7",
    ],
}

_SEED_SQL = [
    "SELECT 1",
    "SELECT a, b FROM t1 WHERE a > 1 ORDER BY b DESC LIMIT 2 OFFSET 1",
    "SELECT count(*), sum(z), group_concat(y, '-') FROM t2 GROUP BY x HAVING count(*) > 0",
    "SELECT * FROM t1 JOIN t2 ON t1.a = t2.z LEFT JOIN w ON w.v = t1.a",
    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<10) SELECT * FROM c",
    "SELECT row_number() OVER (PARTITION BY x ORDER BY z), lag(y) OVER w FROM t2 "
    "WINDOW w AS (ORDER BY z ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
    "SELECT CAST(b AS INTEGER), typeof(c), hex(d), length(e), e IS NULL FROM t1",
    "SELECT printf('%5.2f|%-8s|%x', c, b, a), substr(b, 2), upper(y), coalesce(e, 'n') FROM t1, t2",
    "SELECT * FROM t2 WHERE y = 'A' COLLATE NOCASE AND x IN (1, '1', 2.5) OR z BETWEEN 2 AND 4",
    "SELECT date('now', '+1 day'), strftime('%Y-%m-%d %H:%M', 1092941466, 'unixepoch')",
    "SELECT (SELECT max(a) FROM t1), EXISTS (SELECT 1 FROM w), a IN (SELECT z FROM t2) FROM t1",
    "SELECT * FROM v1 UNION SELECT z, y FROM t2 EXCEPT SELECT 1, 'x' ORDER BY 1",
    "SELECT CASE WHEN a % 2 THEN 'odd' ELSE 'even' END, a << 3, ~a, -a, a || b FROM t1",
    "SELECT json_extract('{\"a\":[1,2]}', '$.a[1]'), abs(-9223372036854775807), round(2.5)",
    "SELECT k, v FROM w WHERE k > 'k' ORDER BY k",
    "SELECT DISTINCT x FROM t2 INDEXED BY t2xz WHERE x IS NOT NULL",
    "VALUES (1, 'a'), (2, 'b')",
    "PRAGMA table_info(t1)",
    "EXPLAIN QUERY PLAN SELECT * FROM t2 WHERE y = 'a'",
    "CREATE TABLE IF NOT EXISTS n(a INTEGER PRIMARY KEY AUTOINCREMENT, b CHECK (b > 0) "
    "REFERENCES t1(a) ON DELETE CASCADE, UNIQUE (a, b) ON CONFLICT REPLACE) STRICT",
    "INSERT OR REPLACE INTO t1(b) VALUES (?1) RETURNING *; UPDATE t2 SET z = z + 1 "
    "WHERE rowid IN (SELECT rowid FROM t2 LIMIT 1); DELETE FROM w",
    "CREATE TRIGGER tr BEFORE UPDATE OF b ON t1 FOR EACH ROW WHEN new.b IS NULL "
    "BEGIN SELECT RAISE(ABORT, 'no'); END",
    "SELECT x'0aff', 0x7fffffffffffffff, 1e-5, .5, 'it''s', \"t1\".\"a\" FROM [t1] AS `q`",
]


def _test_sql(limit: int) -> list[str]:
    """Statements of the SQL test fixtures (one per line), every k-th, at most ``limit``."""
    out: list[str] = []
    files = sorted((ROOT / "tests" / "engine" / "sql" / "fixtures").glob("*.sql"))
    files.append(ROOT / "tests" / "engine" / "exec" / "select_queries.sql")
    for f in files:
        if not f.exists():
            continue
        lines = [ln.replace("\\n", "\n") for ln in f.read_text(encoding="utf-8").splitlines()
                 if ln.strip() and not ln.startswith(("--", "#"))]
        step = max(1, len(lines) // max(1, limit // len(files)))
        out += lines[::step]
    return out[:limit]


def _sqlite_image(statements: list[str], *, journal_mode: str | None = None) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "s.db")
        con = sqlite3.connect(path, isolation_level=None)
        for s in statements:
            con.execute(s)
        con.close()
        return Path(path).read_bytes()


def _fixture_pairs(log_suffix: str) -> Iterator[tuple[str, bytes, bytes]]:
    for db in sorted(FIXTURES.glob("*.db")):
        log = Path(str(db) + log_suffix)
        if log.exists():
            yield db.stem, db.read_bytes(), log.read_bytes()


def _small_wal_pair() -> tuple[bytes, bytes]:
    """A small database with a committed and an uncommitted-looking WAL left beside it."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "w.db")
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA page_size=512")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
        con.execute("INSERT INTO t VALUES (1, 'before')")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("INSERT INTO t VALUES (2, 'in wal'), (3, zeroblob(700))")
        con.execute("CREATE INDEX tb ON t(b)")
        image = Path(path).read_bytes()
        log = Path(path + "-wal").read_bytes()
        con.close()  # closing checkpoints and removes the WAL; we kept copies
        return image, log


def _small_journal_pair() -> tuple[bytes, bytes]:
    """A database caught mid-transaction: the image as written plus its hot journal."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "j.db")
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA page_size=512")
        con.execute("PRAGMA journal_mode=PERSIST")
        con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
        con.execute("INSERT INTO t VALUES (1, 'one'), (2, zeroblob(600))")
        con.execute("PRAGMA cache_size=1")
        con.execute("BEGIN")
        con.execute("UPDATE t SET b = 'changed'")
        con.execute("INSERT INTO t SELECT a + 10, b FROM t")
        # with a one-page cache sqlite3 spills to the file before commit: image + hot journal
        image = Path(path).read_bytes()
        log = Path(path + "-journal").read_bytes()
        con.execute("ROLLBACK")
        con.close()
        return image, log


def make_seeds() -> dict[str, list[tuple[str, bytes]]]:
    """Seed inputs per target, as ``(file name, bytes)``."""
    images = {name: _sqlite_image(stmts) for name, stmts in _SEED_DBS.items()}
    for db in sorted(FIXTURES.glob("*.db")):
        images[db.stem] = db.read_bytes()
    wal_pairs = list(_fixture_pairs("-wal")) + [("small_wal_512", *_small_wal_pair())]
    journal_pairs = list(_fixture_pairs("-journal")) + [("small_journal_512",
                                                         *_small_journal_pair())]
    seeds: dict[str, list[tuple[str, bytes]]] = {name: [] for name in TARGETS}

    small = {k: v for k, v in images.items() if len(v) <= 8192}
    for name, img in images.items():
        seeds["header"].append((f"seed-{name}", img[:100]))
        seeds["image"].append((f"seed-{name}", img))
        page_size = int.from_bytes(img[16:18], "big") or 65536
        size_code = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536].index(page_size)
        reserved = img[20]
        enc = {1: 0, 2: 1, 3: 2}.get(img[56 + 3], 0)
        npages = len(img) // page_size
        for pgno in range(1, min(npages, 12) + 1):
            page = img[(pgno - 1) * page_size: pgno * page_size]
            if pgno == 1:
                prefix = bytes([size_code, reserved, 1, enc])
            else:
                prefix = bytes([size_code, reserved, 0, (pgno - 2) & 0xFF, enc])
            if name in small or pgno <= 4:
                seeds["btree_page"].append((f"seed-{name}-p{pgno}", prefix + page))
        if name in small:
            body = img[page_size: page_size * 9]
            params = bytes([size_code, reserved]) + struct.pack(
                ">HHBH", int.from_bytes(img[32:36], "big") - 1 if img[35] else 0,
                int.from_bytes(img[36:40], "big") & 0xFFFF, 2, 300)
            seeds["ptrmap_freelist"].append((f"seed-{name}", params + body))
    for name, img in small.items():
        page_size = int.from_bytes(img[16:18], "big") or 65536
        # records: every local payload of the small images' table leaves
        n = 0
        for pgno in range(1, len(img) // page_size + 1):
            page = img[(pgno - 1) * page_size: pgno * page_size]
            off = 100 if pgno == 1 else 0
            try:
                cells = H.fb.table_leaf_cells(page, off, page_size - img[20])
            except Exception:  # noqa: BLE001 - not a table leaf: skip it
                continue
            for cell in cells[:3]:
                if not cell[3] and n < 12:
                    enc = {1: 0, 2: 1, 3: 2}.get(img[59], 0)
                    seeds["record"].append((f"seed-{name}-{n}", bytes([enc]) + cell[2]))
                    n += 1
    for name, img, log in wal_pairs:
        seeds["wal"].append((f"seed-{name}", log))
        seeds["image_wal"].append((f"seed-{name}", H.pack_pair(img, log)))
    for name, img, log in journal_pairs:
        seeds["journal"].append((f"seed-{name}", bytes([1]) + log))
        seeds["image_journal"].append((f"seed-{name}", H.pack_pair(img, log)))
    for i, sql in enumerate(_SEED_SQL):
        seeds["sql_parse"].append((f"seed-sql-{i:02d}", sql.encode()))
        seeds["sql_exec"].append((f"seed-sql-{i:02d}", sql.encode()))
    for i, sql in enumerate(_test_sql(120)):
        seeds["sql_parse"].append((f"seed-tests-{i:03d}", sql.encode()))
        if sql.lstrip()[:6].upper() in ("SELECT", "VALUES"):  # no recursive CTEs: slow seeds
            seeds["sql_exec"].append((f"seed-tests-{i:03d}", sql.encode()))
    return seeds


def write_seeds(root: Path = CORPUS) -> int:
    """Write :func:`make_seeds` under ``root/<target>/``; count written.

    Existing files are kept, and a seed that was moved to ``pending/`` (it exposes a bug not
    fixed yet) is not written again.
    """
    n = 0
    for target, items in make_seeds().items():
        d = root / target
        d.mkdir(parents=True, exist_ok=True)
        for name, data in items:
            p = d / name
            if not p.exists() and not (d / "pending" / name).exists():
                p.write_bytes(data)
                n += 1
    return n


def input_name(target: str, data: bytes, kind: str = "crash") -> str:
    """The file name a finding is saved under: harness name, kind and content hash."""
    return f"{target}-{kind}-{hashlib.sha1(data).hexdigest()[:16]}"


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--write-seeds"]:
        print(f"{write_seeds()} seed files written under {CORPUS}")
    else:
        for t in TARGETS.values():
            print(f"{t.name:16} {t.description}")
