"""The fixture corpus is what it claims to be, with sqlite3 as the referee.

Each fixture's pragmas match its metadata; copies pass ``integrity_check``;
the WAL fixtures really hold uncommitted frames after committed ones; the
hot-journal fixtures really are hot; the freelist fixtures have trunk and
leaf pages (several trunks where claimed); auto-vacuum fixtures have pointer-
map pages; overflow rows sit around the max-local thresholds; the builder is
deterministic; the committed small fixtures are what the builder makes.

These tests read the files with sqlite3 and with a few raw ``int.from_bytes``
looks at header fields, not with formatspec (tests/formatspec/test_golden.py
ties formatspec to sqlite3 over the same files).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from corpus import build as corpus_build
from formatspec import derived

NAMES = [s.name for s in corpus_build.SPECS]
SPEC = {s.name: s for s in corpus_build.SPECS}
COMMITTED_DIR = Path(__file__).resolve().parents[1] / "corpus" / "fixtures"


def dump(path: Path) -> dict[str, list]:
    """Every table's rows (rowid first for rowid tables), values tagged with their type."""
    con = sqlite3.connect(path)
    try:
        out = {}
        tables = con.execute(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name"
        ).fetchall()
        for name, sql in tables:
            without_rowid = "WITHOUT ROWID" in sql.upper()
            query = f'SELECT * FROM "{name}"' if without_rowid else (
                f'SELECT rowid, * FROM "{name}" ORDER BY rowid'
            )
            out[name] = [tuple((type(v).__name__, repr(v)) for v in row)
                         for row in con.execute(query)]
        out["<schema>"] = con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name"
        ).fetchall()
        return out
    finally:
        con.close()


def pragma(con: sqlite3.Connection, name: str):
    return con.execute(f"PRAGMA {name}").fetchone()[0]


def header_u32(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset:offset + 4], "big")


def test_matrix_covers_what_the_corpus_promises():
    specs = corpus_build.SPECS
    pairs = {(s.page_size, s.encoding) for s in specs}
    for ps in (512, 1024, 4096, 8192, 65536):
        for enc in corpus_build.ENCODINGS:
            assert (ps, enc) in pairs, (ps, enc)
        assert {s.auto_vacuum for s in specs if s.page_size == ps} == {0, 1, 2}
        assert any(s.reserved == 32 for s in specs if s.page_size == ps)
    assert {s.mode for s in specs} == {"plain", "wal", "hotjournal"}


@pytest.mark.parametrize("name", NAMES)
def test_pragmas_match_metadata(name, corpus_by_name, tmp_path):
    fx = corpus_by_name[name]
    assert fx.path.name == f"{name}.db"
    copy = fx.copy_to(tmp_path)
    raw = copy.path.read_bytes()[:100]
    assert raw[20] == fx.reserved_bytes  # there is no pragma for the reserved bytes
    con = sqlite3.connect(copy.path)
    try:
        assert pragma(con, "page_size") == fx.page_size
        assert pragma(con, "encoding") == fx.encoding
        assert pragma(con, "auto_vacuum") == fx.auto_vacuum
        assert pragma(con, "user_version") == fx.user_version
        assert pragma(con, "application_id") == fx.application_id
        tables = tuple(r[0] for r in con.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"))
        assert tables == fx.tables
        assert {"people", "kv", "pairs", "ovf", "evolving", "sqlite_sequence"} <= set(tables)
        kinds = dict(con.execute("SELECT name, type FROM sqlite_schema").fetchall())
        assert kinds["adults"] == "view" and kinds["people_audit_ins"] == "trigger"
        assert pragma(con, "journal_mode") == ("wal" if fx.wal_path else "delete")
    finally:
        con.close()


@pytest.mark.parametrize("name", NAMES)
def test_integrity_check_ok(name, corpus_by_name, tmp_path):
    fx = corpus_by_name[name].copy_to(tmp_path)
    paths = [fx.path] + ([fx.pre_transaction_path] if fx.pre_transaction_path else [])
    for path in paths:
        con = sqlite3.connect(path)
        try:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)], path
        finally:
            con.close()


@pytest.mark.parametrize("name", NAMES)
def test_files_exist_as_declared(name, corpus_by_name):
    fx = corpus_by_name[name]
    for path in fx.files():
        assert path.is_file(), path
    spec = SPEC[name]
    assert (fx.wal_path is not None) == (fx.shm_path is not None) == (spec.mode == "wal")
    assert (fx.journal_path is not None) == (fx.pre_transaction_path is not None) == (
        spec.mode == "hotjournal")
    if fx.committed:
        for path in fx.files():
            assert path.stat().st_size <= 64 * 1024, path


def _freelist_walk(data: bytes, page_size: int) -> tuple[list[int], list[int]]:
    """Trunk and leaf page numbers, by reading the trunk chain directly."""
    trunks, leaves = [], []
    trunk = header_u32(data, 32)
    while trunk:
        assert trunk not in trunks, "freelist cycle"
        trunks.append(trunk)
        page = data[(trunk - 1) * page_size:trunk * page_size]
        count = header_u32(page, 4)
        leaves += [header_u32(page, 8 + 4 * i) for i in range(count)]
        trunk = header_u32(page, 0)
    return trunks, leaves


def _dbstat_pages(path: Path) -> set[int]:
    con = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return {r[0] for r in con.execute("SELECT pageno FROM dbstat")}
    finally:
        con.close()


@pytest.mark.parametrize("name", [n for n in NAMES if SPEC[n].mode == "plain"])
def test_freelist_and_ptrmap_pages_are_there(name, corpus_by_name):
    fx = corpus_by_name[name]
    data = fx.path.read_bytes()
    page_count = len(data) // fx.page_size
    assert header_u32(data, 28) == page_count
    trunks, leaves = _freelist_walk(data, fx.page_size)
    assert header_u32(data, 36) == len(trunks) + len(leaves)
    if "freelist" in fx.features:
        assert trunks and leaves
    else:
        assert not trunks  # auto-vacuum full leaves no free page at commit
    if "freelist-multi-trunk" in fx.features:
        assert len(trunks) >= 2
    ptrmaps = [p for p in range(2, page_count + 1)
               if derived.is_ptrmap_page(p, fx.usable_size, fx.page_size)]
    in_btrees = _dbstat_pages(fx.path)
    unlisted = set(range(1, page_count + 1)) - in_btrees
    if fx.auto_vacuum:
        assert ptrmaps and ptrmaps[0] == 2
        assert unlisted == set(trunks) | set(leaves) | set(ptrmaps)
        if fx.page_size <= 1024 and not fx.committed:
            assert len(ptrmaps) >= 2
    else:
        assert unlisted == set(trunks) | set(leaves)


@pytest.mark.parametrize("name", [n for n in NAMES if SPEC[n].mode == "plain"])
def test_overflow_rows_straddle_the_thresholds(name, corpus_by_name):
    """Table ``ovf`` holds payloads of exactly X and X+1 bytes; sqlite3 and the formula
    agree on how many overflow pages all of its rows need."""
    fx = corpus_by_name[name]
    usable = fx.usable_size
    con = sqlite3.connect(f"file:{fx.path}?immutable=1", uri=True)
    try:
        lengths = [r[0] for r in con.execute("SELECT length(b) FROM ovf ORDER BY id")]
        sqlite_overflow = con.execute(
            "SELECT count(*) FROM dbstat WHERE name = 'ovf' AND pagetype = 'overflow'"
        ).fetchone()[0]
    finally:
        con.close()
    payloads = []
    for n in lengths:
        types = 1 + corpus_build._vlen(2 * n + 12)
        payloads.append(types + corpus_build._vlen(types + 1) + n)
    x = derived.max_local(usable, table_leaf=True)
    assert {x, x + 1, x + (usable - 4), x + (usable - 4) + 1} <= set(payloads)
    expected = sum(derived.overflow_page_count(p, usable, table_leaf=True) for p in payloads)
    assert sqlite_overflow == expected > 0


def _wal_frames(fx) -> int:
    return (fx.wal_path.stat().st_size - 32) // (24 + fx.page_size)


@pytest.mark.parametrize("name", [n for n in NAMES if SPEC[n].mode == "wal"])
@pytest.mark.parametrize("with_shm", [True, False], ids=["shm", "recovered"])
def test_wal_has_committed_and_uncommitted_frames(name, with_shm, corpus_by_name, tmp_path):
    fx = corpus_by_name[name].copy_to(tmp_path)
    frames_in_file = _wal_frames(fx)
    assert fx.wal_path.stat().st_size == 32 + frames_in_file * (24 + fx.page_size)
    if not with_shm:
        fx.shm_path.unlink()  # sqlite3 rebuilds the wal-index by scanning the WAL
    con = sqlite3.connect(fx.path)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_schema")}
        assert "never_committed" not in tables
        rounds = con.execute(
            "SELECT count(*) FROM storage_classes WHERE v LIKE 'wal round %'").fetchone()[0]
        assert rounds == 3
        busy, log_frames, _ = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        con.close()
    assert busy == 0
    assert 0 < log_frames < frames_in_file  # frames past the last commit are ignored


@pytest.mark.parametrize("name", [n for n in NAMES if SPEC[n].mode == "wal"])
def test_wal_database_file_alone_is_the_pre_wal_state(name, corpus_by_name, tmp_path):
    fx = corpus_by_name[name]
    alone = tmp_path / "alone.db"
    shutil.copyfile(fx.path, alone)
    with_wal = fx.copy_to(tmp_path / "with")
    a, b = dump(alone), dump(with_wal.path)
    assert a["people"] != b["people"]  # the committed frames carry real changes
    assert not any("wal round" in repr(row) for row in a["storage_classes"])


@pytest.mark.parametrize("name", [n for n in NAMES if SPEC[n].mode == "hotjournal"])
def test_hot_journal_rolls_back_to_pre_transaction(name, corpus_by_name, tmp_path):
    fx = corpus_by_name[name]
    half_written = fx.path.read_bytes()
    pre = fx.pre_transaction_path.read_bytes()
    assert half_written != pre  # the transaction already reached the main file
    journal = fx.journal_path.read_bytes()
    assert journal[:8] == bytes.fromhex("d9d505f920a163d7")  # rollback journal magic
    copy = fx.copy_to(tmp_path / "copy")
    assert dump(copy.path) == dump(copy.pre_transaction_path)
    assert not copy.journal_path.exists()  # sqlite3 played it back and deleted it
    # byte for byte, except free-list leaf pages: sqlite3 does not journal a free
    # page it reuses (its old content is of no value), so rollback leaves new bytes there
    rolled_back = copy.path.read_bytes()
    assert len(rolled_back) == len(pre)
    ps = fx.page_size
    differ = {i // ps + 1 for i in range(0, len(pre), ps) if rolled_back[i:i + ps] != pre[i:i + ps]}
    _, free_leaves = _freelist_walk(pre, ps)
    assert differ <= set(free_leaves)


@pytest.mark.parametrize("name", [n for n in NAMES if SPEC[n].mode == "hotjournal"])
def test_hot_journal_without_journal_is_not_pre_state(name, corpus_by_name, tmp_path):
    """Without its journal, the half-written file does not read as the old state."""
    fx = corpus_by_name[name]
    alone = tmp_path / "alone.db"
    shutil.copyfile(fx.path, alone)
    con = sqlite3.connect(alone)
    try:
        people = con.execute("SELECT count(*) FROM people WHERE email LIKE 'changed.%'")
        changed = people.fetchone()[0]
    except sqlite3.DatabaseError:
        changed = None  # a torn b-tree is as good a proof
    finally:
        con.close()
    assert changed != 0


DETERMINISM = ["p512_utf8", "p1024_utf8_incr_r32", "p65536_utf16be", "wal_p4096_utf8",
               "small_hotjournal_p512"]


@pytest.mark.parametrize("name", DETERMINISM)
def test_build_is_deterministic(name, corpus_by_name, tmp_path):
    first = corpus_by_name[name]
    second = corpus_build.build_one(SPEC[name], tmp_path / "again")
    a = first.copy_to(tmp_path / "a")
    b = second.copy_to(tmp_path / "b")
    # same SQLite, same statements: the main file is byte for byte the same
    # (the -wal and -journal carry random salts / nonces, so only their content is)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert dump(a.path) == dump(b.path)
    counts = []
    for fx in (a, b):
        con = sqlite3.connect(fx.path)
        counts.append((pragma(con, "page_count"), pragma(con, "freelist_count")))
        con.close()
    assert counts[0] == counts[1]
    assert first.tables == second.tables and first.features == second.features


def test_committed_fixtures_match_the_builder(tmp_path):
    """corpus/fixtures is what ``python -m corpus.build --small`` writes."""
    committed = corpus_build.load_manifest(COMMITTED_DIR)
    fresh = {fx.name: fx for fx in corpus_build.build_all(tmp_path / "fresh", small_only=True)}
    assert sorted(fx.name for fx in committed) == sorted(fresh)
    for fx in committed:
        assert fx.committed
        for path in fx.files():
            assert path.stat().st_size <= 64 * 1024, path
        new = fresh[fx.name]
        assert fx.tables == new.tables
        a = fx.copy_to(tmp_path / "a" / fx.name)
        b = new.copy_to(tmp_path / "b" / fx.name)
        assert dump(a.path) == dump(b.path), fx.name


def test_copy_to_keeps_sidecar_names(corpus_by_name, tmp_path):
    fx = corpus_by_name["small_wal_p1024"].copy_to(tmp_path)
    assert fx.wal_path == tmp_path / "small_wal_p1024.db-wal"
    assert fx.shm_path == tmp_path / "small_wal_p1024.db-shm"
    assert fx.wal_path.read_bytes() == corpus_by_name["small_wal_p1024"].wal_path.read_bytes()


def _build_once_logged(root: str, log: str, queue) -> None:
    original = corpus_build.build_all

    def logged(outdir, **kw):
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        time.sleep(0.3)  # keep the lock long enough for the others to queue up
        return original(outdir, **kw)

    corpus_build.build_all = logged
    queue.put([fx.name for fx in corpus_build.build_once(root, small_only=True)])


def test_build_once_builds_once_across_processes(tmp_path):
    """What the session fixture relies on under pytest-xdist: one build, all workers see it."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    log = tmp_path / "builds.log"
    procs = [ctx.Process(target=_build_once_logged, args=(str(tmp_path / "root"), str(log), queue))
             for _ in range(3)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    assert len(log.read_text().split()) == 1
    expected = sorted(s.name for s in corpus_build.SPECS if s.small)
    assert all(sorted(r) == expected for r in results)
    # a later call (another session with the same builder) reuses the build as well
    (manifest,) = (tmp_path / "root").glob(f"*/{corpus_build.MANIFEST}")
    before = manifest.stat().st_mtime_ns
    again = corpus_build.build_once(tmp_path / "root", small_only=True)
    assert sorted(fx.name for fx in again) == expected
    assert manifest.stat().st_mtime_ns == before
