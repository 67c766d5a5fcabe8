"""Fuzz harnesses: one function per reader, each taking ``data: bytes``.

Every harness feeds its bytes to one reader of the project and asserts the
contract of DESIGN.md ("Behaviour on bad input"): the reader answers with a
value or with one of its documented exception types, and nothing else.

* formatspec readers may raise :class:`formatspec.FormatError` only;
* engine readers (``engine.storage.open_bytes``, the integrity checker) may
  raise :class:`engine.DatabaseError` (``CorruptError`` and its siblings) only;
* the SQL front end and the executor may raise the sqlite3-like errors
  (:class:`engine.Error` and :class:`engine.Warning` subclasses) only.

Exceptions are accepted by TYPE, never by message. Anything else escaping
(``IndexError``, ``struct.error``, ``RecursionError``, ``MemoryError``, ...)
is a finding: the harness lets it propagate, so that atheris records a crash
and :mod:`fuzz.replay` reproduces it. Each input also has a time budget
(:data:`TIME_BUDGET`): a harness that returns later than that raises
:class:`BudgetExceeded`; a true hang is caught by libFuzzer's ``-timeout``.

Inputs that carry parameters (page size, reserved bytes, page number,
encoding) take them from their first bytes with :class:`Params`, a pure
Python reader, so that a saved input replays identically without atheris.
Inputs that carry two files (a database image and its ``-wal`` or
``-journal``) use :func:`pack_pair` / :func:`unpack_pair`.

This module implements no part of the file format itself: it only calls the
readers of :mod:`formatspec` and :mod:`engine`, which implement fileformat2,
walformat and the rollback journal of pager.c.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable

import engine
import formatspec as fs
from engine import storage
from engine import values as engine_values
from engine.sql import lex, parse
from formatspec import FormatError
from formatspec import btree as fb
from formatspec.record import ROWID, RecordProjector

#: Seconds of CPU one input may take before the harness reports it (instrumented runs are
#: slower than plain ones: generous on purpose). CPU, not wall-clock, time: a loaded machine
#: must not turn slow inputs into findings.
TIME_BUDGET = {"formatspec": 5.0, "engine": 20.0, "sql": 10.0}

#: Rows read per table / index / query: bounds the work of one input without hiding bugs in
#: the first rows.
ROW_LIMIT = 5000

#: The sqlite3-like errors of the SQL front end and executor.
SQL_ERRORS = (engine.Error, engine.Warning)

#: What an engine reader may raise on a corrupt image.
ENGINE_ERRORS = (engine.DatabaseError,)

#: Largest page the construct schemas of the ptrmap/freelist/overflow pages are run on (their
#: fast twins see every size).
_SCHEMA_PAGE_LIMIT = 4096

_PAGE_SIZES = (512, 1024, 2048, 4096, 8192, 16384, 32768, 65536)
_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")


class BudgetExceeded(AssertionError):
    """One input took longer than its harness's time budget."""


class Params:
    """Parameters read from the front of an input, then the rest of it.

    Reading past the end yields zeros, so every input, even an empty one, is valid.
    """

    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)
        self.pos = 0

    def byte(self) -> int:
        b = self.data[self.pos] if self.pos < len(self.data) else 0
        self.pos += 1
        return b

    def u16(self) -> int:
        return (self.byte() << 8) | self.byte()

    def page_size(self) -> int:
        return _PAGE_SIZES[self.byte() % len(_PAGE_SIZES)]

    def reserved(self, page_size: int) -> int:
        # usable size must stay >= 480 (fileformat2 1.3.4): 512-byte pages allow 0..32
        r = self.byte()
        return r % 33 if page_size == 512 else r

    def encoding(self) -> str:
        return _ENCODINGS[self.byte() % 3]

    def rest(self) -> bytes:
        return self.data[self.pos:]


def pack_pair(image: bytes, log: bytes) -> bytes:
    """One fuzz input holding a database image and a log (``-wal`` or ``-journal``) image."""
    return struct.pack(">I", len(image)) + image + log


def unpack_pair(data: bytes) -> tuple[bytes, bytes]:
    """Inverse of :func:`pack_pair`; any bytes split somehow (a short length takes all)."""
    if len(data) < 4:
        return bytes(data), b""
    n = min(struct.unpack_from(">I", data)[0], len(data) - 4)
    return bytes(data[4:4 + n]), bytes(data[4 + n:])


class _CpuAlarm:
    """Interrupt a harness that has used ``limit`` seconds of CPU (SIGVTALRM, main thread only).

    The exception names the function that was running (``where``), so that a hang has an
    identity like any other finding; libFuzzer's own ``-timeout`` (SIGALRM, wall clock)
    stays the last resort for code that does not return to the interpreter.
    """

    def __init__(self, limit: float, name: str) -> None:
        self.limit = limit
        self.name = name
        self.armed = (hasattr(signal, "setitimer")
                      and threading.current_thread() is threading.main_thread())

    def _fire(self, _signum, frame) -> None:
        where = "?"
        if frame is not None:
            code = frame.f_code
            where = f"{'/'.join(code.co_filename.split(os.sep)[-2:])}:{code.co_name}"
        exc = BudgetExceeded(f"{self.name}: more than {self.limit} s of CPU (in {where})")
        exc.where = where
        raise exc

    def __enter__(self):
        if self.armed:
            self.previous = signal.signal(signal.SIGVTALRM, self._fire)
            signal.setitimer(signal.ITIMER_VIRTUAL, self.limit)
        return self

    def __exit__(self, *exc) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
            signal.signal(signal.SIGVTALRM, self.previous)


def _budget(kind: str, allowed: tuple):
    """Decorate a harness: accept ``allowed`` exception types, enforce the time budget."""

    def wrap(fn: Callable[[bytes], object]) -> Callable[[bytes], None]:
        def harness(data: bytes) -> None:
            limit = TIME_BUDGET[kind]
            start = time.process_time()
            with _CpuAlarm(limit, fn.__name__):
                try:
                    fn(bytes(data))
                except allowed:
                    pass
            elapsed = time.process_time() - start  # CPU time: the machine may be shared
            if elapsed > limit:
                raise BudgetExceeded(f"{fn.__name__}: {elapsed:.1f} s of CPU > {limit} s budget")

        harness.__name__ = fn.__name__
        harness.__qualname__ = fn.__qualname__
        harness.__doc__ = fn.__doc__
        harness.allowed = allowed
        harness.kind = kind
        return harness

    return wrap


# ---------------------------------------------------------------------------- formatspec


@_budget("formatspec", (FormatError,))
def header(data: bytes) -> None:
    """The 100-byte database header: the construct schema and its fast twin."""
    fields = fs.read_database_header(data)
    parsed = fs.DatabaseHeader.parse(data[:100])
    fs.usable_size(fields.page_size, fields.reserved_space)
    if parsed is None:
        raise AssertionError("DatabaseHeader.parse returned None")


def _read_cells(page: bytes, pgno: int, usable: int, encoding: str) -> None:
    hdr_offset = fb.hdr_offset_for(pgno)
    h = fb.read_page_header(page, hdr_offset)
    size = 12 if h.page_type in (fb.TABLE_INTERIOR, fb.INDEX_INTERIOR) else 8
    pointers = fb.read_cell_pointers(page, hdr_offset, size, h.cell_count)
    for offset in pointers:
        if h.page_type == fb.TABLE_LEAF:
            cell = fb.read_table_leaf_cell(page, offset, usable)
        elif h.page_type == fb.TABLE_INTERIOR:
            fb.read_table_interior_cell(page, offset)
            continue
        elif h.page_type == fb.INDEX_LEAF:
            cell = fb.read_index_leaf_cell(page, offset, usable)
        else:
            cell = fb.read_index_interior_cell(page, offset, usable)
        _decode_local(cell, encoding)
    if h.page_type == fb.TABLE_LEAF:
        rows, _spilled = fb.table_leaf_rows(page, hdr_offset, usable, encoding)
        if len(rows) != h.cell_count:
            raise AssertionError(f"table_leaf_rows gave {len(rows)} rows for "
                                 f"{h.cell_count} cells")
        _read_leaf_twins(page, hdr_offset, usable, encoding)
    elif h.page_type == fb.INDEX_LEAF:
        fb.index_leaf_layout(page, hdr_offset, usable, fs.record_decoder(encoding))
    else:
        fb.interior_layout(page, hdr_offset, usable)


def _read_leaf_twins(page: bytes, hdr_offset: int, usable: int, encoding: str) -> None:
    """The checker's and the projected scans' fast twins on the same table leaf."""
    fb.table_leaf_layout(page, hdr_offset, usable)
    projector = RecordProjector((ROWID, 0, None, 2), encoding)
    fb.table_leaf_layout(page, hdr_offset, usable, projector)
    projector.leaf_rows(page, hdr_offset, usable)
    fb.table_leaf_rows_projected(page, hdr_offset, usable, projector)
    filtered = RecordProjector((None, 1, 0), encoding, filters=((1, "<", 5), (2, ">=", 0.5)),
                               residual=lambda row: bool(row[1]))
    filtered.leaf_rows(page, hdr_offset, usable)


def _decode_local(cell, encoding: str) -> None:
    """Decode a cell's payload when it is all on the page (the record reader on real cells).

    The cell readers return tuples ending ``(payload_size, local_payload, overflow_page)``.
    """
    size, local, overflow = cell[-3:]
    if not overflow and len(local) == size:
        fs.decode_record(local, encoding)


@_budget("formatspec", (FormatError,))
def btree_page(data: bytes) -> None:
    """One b-tree page: page size, reserved bytes, page number and encoding from the input."""
    p = Params(data)
    page_size = p.page_size()
    reserved = p.reserved(page_size)
    pgno = 1 if p.byte() & 1 else 2 + p.byte()
    encoding = p.encoding()
    usable = page_size - reserved
    page = p.rest()[:page_size].ljust(page_size, b"\0")
    fs.BTreePage.parse(page, pgno=pgno, usable_size=usable)
    _read_cells(page, pgno, usable, encoding)


@_budget("formatspec", (FormatError,))
def record(data: bytes) -> None:
    """A record (header of serial types, then values): schema, decoder and fast paths."""
    p = Params(data)
    encoding = p.encoding()
    payload = p.rest()
    values = fs.decode_record(payload, encoding)
    fs.decode_record_header(payload)
    parsed = fs.Record.parse(payload, encoding=encoding)
    again = fs.record_decoder(encoding)(payload)
    if tuple(again) != tuple(values) and values == values:  # NaN-free values compare
        raise AssertionError("record_decoder and decode_record disagree")
    del parsed
    projected = RecordProjector((ROWID, 0, None, 2), encoding).project(payload, 7)
    if projected[0] != 7 or len(projected) != 4:
        raise AssertionError(f"RecordProjector.project gave {projected!r}")
    RecordProjector((1, 0), encoding, filters=((0, "<", 5), (1, "=", 0.5)),
                    residual=lambda row: True).project(payload, 7)


@_budget("formatspec", (FormatError,))
def wal(data: bytes) -> None:
    """A whole ``-wal`` file: the header, every frame header, wal.c's recovery scan."""
    scan = fs.scan_wal(data)
    fs.read_wal_header(data, validate=False)
    if len(data) >= 32:
        fs.WalHeader.parse(data[:32])
    frames = getattr(scan, "frames", None) or ()
    for frame in list(frames)[:64]:
        offset = getattr(frame, "offset", None)
        if isinstance(offset, int):
            fs.read_wal_frame_header(data, offset)


@_budget("formatspec", (FormatError,))
def journal(data: bytes) -> None:
    """A whole ``-journal`` file: pager.c's hot-journal playback scan and its page images."""
    p = Params(data)
    first = p.byte()
    db_page_size = None if first & 1 else _PAGE_SIZES[(first >> 1) % len(_PAGE_SIZES)]
    sector = 1 << (5 + (first >> 4) % 12)  # 32..65536
    super_exists = None if first & 0x80 else False
    body = p.rest()
    scan = fs.scan_journal(body, db_page_size, vfs_sector_size=sector,
                           super_journal_exists=super_exists)
    fs.journal_page_images(body, scan)
    if len(body) >= 28:
        fs.JournalHeader.parse(body[:28])


@_budget("formatspec", (FormatError,))
def ptrmap_freelist(data: bytes) -> None:
    """A run of pages read as pointer-map, freelist trunk and overflow pages, and walked."""
    p = Params(data)
    page_size = p.page_size()
    reserved = p.reserved(page_size)
    first_trunk = p.u16()
    freelist_count = p.u16()
    first_overflow = p.byte()
    remaining = p.u16()
    usable = page_size - reserved
    body = p.rest()
    count = max(1, -(-len(body) // page_size))
    pages = [body[i * page_size:(i + 1) * page_size].ljust(page_size, b"\0")
             for i in range(min(count, 64))]
    page_count = len(pages)

    def get_page(pgno: int) -> bytes:
        if not 1 <= pgno <= page_count:
            raise FormatError(f"page {pgno} out of range", page=pgno)
        return pages[pgno - 1]

    for pgno, page in enumerate(pages, 1):
        readers = [
            (fs.read_ptrmap_entries, (page, usable), {"pgno": pgno}),
            (fs.read_freelist_trunk, (page, usable), {"pgno": pgno}),
            (fs.read_overflow_page, (page, usable), {"pgno": pgno}),
            (fs.ptrmap_entry_for, (pgno, get_page, usable, page_size), {}),
        ]
        if page_size <= _SCHEMA_PAGE_LIMIT:  # construct needs ~0.1 s for a 64 KiB ptrmap page
            readers += [
                (fs.PtrmapPage.parse, (page,), {"usable_size": usable, "pgno": pgno}),
                (fs.FreelistTrunkPage.parse, (page,), {"usable_size": usable, "pgno": pgno}),
                (fs.OverflowPage.parse, (page,), {"usable_size": usable, "pgno": pgno}),
            ]
        for reader, args, kwargs in readers:
            try:
                reader(*args, **kwargs)
            except FormatError:
                pass
    for strict in (True, False):
        try:
            fs.walk_freelist(get_page, first_trunk, freelist_count, page_count, usable,
                             strict=strict)
        except FormatError:
            pass
    fs.read_overflow_chain(get_page, first_overflow, remaining, usable, page_count)


# ---------------------------------------------------------------------------- engine


def _scan(db: storage.Database) -> None:
    """Read everything a reader can read: schema, every table, every index, the freelist."""
    for entry in list(db.schema):
        kind, name = entry[0], entry[1]
        try:
            if kind == "table":
                _scan_projected(db, name)
                it = db.rows(name)
            elif kind == "index":
                it = db.index_entries(name)
            else:
                continue
            for n, _row in enumerate(it):
                if n >= ROW_LIMIT:
                    break
        except engine.NotSupportedError:
            pass  # a virtual table, or a shape the reader declines by type
    db.freelist()


def _scan_projected(db: storage.Database, name: str) -> None:
    """The projected scan and the filtered page scan of the fused aggregate path."""
    for n, _row in enumerate(db.rows(name, columns=[0])):
        if n >= ROW_LIMIT:
            break
    pages = db.row_pages(name, [0], filters=((1, "<", 5),), residual=lambda row: True,
                         rowid=False)
    n = 0
    for page_rows in pages or ():
        n += len(page_rows)
        if n >= ROW_LIMIT:
            break


_TMP: str | None = None


def _scratch_dir() -> str:
    global _TMP
    if _TMP is None or not os.path.isdir(_TMP):
        base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        _TMP = tempfile.mkdtemp(prefix="sqlassay-fuzz-", dir=base)
    return _TMP


def _check(image: bytes, wal: bytes | None = None, journal: bytes | None = None) -> None:
    """Run the integrity checker (``sqlassay check``'s library) on the image as files."""
    from engine.integrity import check

    path = os.path.join(_scratch_dir(), f"db-{os.getpid()}-{threading.get_ident()}")
    for suffix, content in (("", image), ("-wal", wal), ("-journal", journal)):
        target = path + suffix
        if content is None:
            if os.path.exists(target):
                os.unlink(target)
            continue
        with open(target, "wb") as f:
            f.write(content)
    try:
        check(path, max_problems=50)
    finally:
        for suffix in ("", "-wal", "-journal", "-shm"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)


def _engine(image: bytes, wal: bytes | None, journal: bytes | None) -> None:
    try:
        with storage.open_bytes(image, wal=wal, journal=journal) as db:
            _scan(db)
    except ENGINE_ERRORS:
        pass
    _check(image, wal, journal)


@_budget("engine", ENGINE_ERRORS)
def image(data: bytes) -> None:
    """A whole database image: open (in-memory VFS), schema, every table and index, check."""
    _engine(data, None, None)


@_budget("engine", ENGINE_ERRORS)
def image_wal(data: bytes) -> None:
    """A database image with a ``-wal`` beside it (:func:`pack_pair`)."""
    db, log = unpack_pair(data)
    _engine(db, log, None)


@_budget("engine", ENGINE_ERRORS)
def image_journal(data: bytes) -> None:
    """A database image with a hot ``-journal`` beside it (:func:`pack_pair`)."""
    db, log = unpack_pair(data)
    _engine(db, None, log)


# ---------------------------------------------------------------------------- SQL


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


@_budget("sql", SQL_ERRORS)
def sql_parse(data: bytes) -> None:
    """The lexer and the parser on arbitrary text (a script of any number of statements)."""
    text = _text(data)
    try:
        lex(text)
    except SQL_ERRORS:
        pass
    for stmt in parse(text):
        stmt.to_sql()


#: The small fixed database the executor harness queries.
EXEC_SCHEMA = """
CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT, c REAL, d BLOB, e);
CREATE TABLE t2(x, y TEXT COLLATE NOCASE, z INTEGER NOT NULL DEFAULT 0);
CREATE INDEX t2y ON t2(y);
CREATE INDEX t2xz ON t2(x DESC, z);
CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
CREATE VIEW v1 AS SELECT a, b FROM t1 WHERE a > 2;
INSERT INTO t1 VALUES (1, 'one', 1.5, x'01', NULL), (2, 'two', -2.0, x'', 7),
  (3, 'Three', 3e300, NULL, 'txt'), (4, NULL, NULL, x'ff00', 4.25),
  (5, 'five', 0.0, zeroblob(3), -9223372036854775808);
INSERT INTO t2 VALUES (1, 'a', 1), ('1', 'A', 2), (NULL, 'b', 3), (2.5, NULL, 4),
  (x'61', 'B', 5), (9223372036854775807, 'c', 6);
INSERT INTO w VALUES ('k1', 1), ('K2', 'two'), ('k3', NULL);
"""

_EXEC_CONN = None
_EXEC_REF = None

#: sqlite3 is the referee of what a query may cost: a query that sqlite3 itself cannot finish
#: within this many virtual-machine steps (x1000), or whose values exceed this many bytes,
#: is not held against the engine (an endless recursive CTE is nobody's bug).
REFEREE_STEPS = 4000
REFEREE_MAX_LENGTH = 1_000_000
_SQLITE_INTERRUPT = 9
_SQLITE_TOOBIG = 18


def _exec_connection():
    """The engine's connection to the fixed database, and sqlite3's (read-only) to the same."""
    global _EXEC_CONN, _EXEC_REF
    if _EXEC_CONN is None:
        path = os.path.join(_scratch_dir(), f"exec-{os.getpid()}.db")
        if os.path.exists(path):
            os.unlink(path)
        ref = sqlite3.connect(path)
        ref.executescript(EXEC_SCHEMA)
        ref.commit()
        ref.close()
        _EXEC_CONN = engine.connect(path, readonly=True)
        _EXEC_REF = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        _EXEC_REF.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, REFEREE_MAX_LENGTH)
        # the engine runs under the same SQLITE_LIMIT_LENGTH as its referee (a module
        # setting in engine.values), so printf('%88888888d') is NULL on both sides
        # instead of 88 MB per row on one of them
        engine_values.LIMIT_LENGTH = REFEREE_MAX_LENGTH
    return _EXEC_CONN, _EXEC_REF


def _too_costly_for_sqlite3(ref: sqlite3.Connection, text: str) -> bool:
    steps = [0]

    def progress() -> int:
        steps[0] += 1
        return steps[0] > REFEREE_STEPS

    ref.set_progress_handler(progress, 1000)
    try:
        ref.execute(text).fetchmany(ROW_LIMIT)
    except sqlite3.Error as exc:  # judged by SQLite's result code, not by the message
        return getattr(exc, "sqlite_errorcode", None) in (_SQLITE_INTERRUPT, _SQLITE_TOOBIG)
    except Exception:  # noqa: BLE001 - sqlite3's own refusals (NUL in SQL, ...): not costly
        return False
    finally:
        ref.set_progress_handler(None, 0)
    return False


@_budget("sql", SQL_ERRORS)
def sql_exec(data: bytes) -> None:
    """The executor: arbitrary SQL against :data:`EXEC_SCHEMA`, read with a row limit.

    Inputs that sqlite3 itself cannot run within :data:`REFEREE_STEPS` or
    :data:`REFEREE_MAX_LENGTH` are skipped (see :func:`_too_costly_for_sqlite3`).
    """
    conn, ref = _exec_connection()
    text = _text(data)
    if _too_costly_for_sqlite3(ref, text):
        return
    try:
        cur = conn.execute(text)
    except SQL_ERRORS:
        return
    cur.fetchmany(ROW_LIMIT)
    cur.description  # noqa: B018 - reading it is part of the contract


#: Every harness, by target name (the registry with seeds and dictionaries is fuzz.targets).
HARNESSES: dict[str, Callable[[bytes], None]] = {
    "header": header,
    "btree_page": btree_page,
    "record": record,
    "wal": wal,
    "journal": journal,
    "ptrmap_freelist": ptrmap_freelist,
    "image": image,
    "image_wal": image_wal,
    "image_journal": image_journal,
    "sql_parse": sql_parse,
    "sql_exec": sql_exec,
}

if sys.getrecursionlimit() < 1000:  # the contract is checked at Python's default depth
    sys.setrecursionlimit(1000)
