"""engine.vfs: bytes at offsets, and SQLite's lock protocol shared with real sqlite3.

Lock interoperability is tested against sqlite3 running in a *subprocess*
(POSIX record locks belong to a process, so an in-process sqlite3 connection
would not conflict with us).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from engine import OperationalError
from engine.vfs import (
    EXCLUSIVE,
    NONE,
    OSVFS,
    PENDING,
    RESERVED,
    SHARED,
    BusyError,
    MemoryVFS,
    ReadOnlyError,
)


def _db(path):
    con = sqlite3.connect(path)
    con.execute("create table t(a)")
    con.execute("insert into t values (1)")
    con.commit()
    con.close()
    return str(path)


@pytest.fixture(params=["os", "memory"])
def vfs_and_name(request, tmp_path):
    if request.param == "os":
        p = tmp_path / "f.bin"
        p.write_bytes(b"0123456789")
        return OSVFS(), str(p)
    return MemoryVFS({"f.bin": b"0123456789"}), "f.bin"


def test_read_write_size_truncate(vfs_and_name):
    vfs, name = vfs_and_name
    f = vfs.open(name, readonly=False)
    assert f.read(2, 3) == b"234"
    assert f.read(8, 10) == b"89"  # short at the end
    assert f.read(50, 4) == b""
    f.write(12, b"xy")  # past the end: the gap reads as zeros
    assert f.size() == 14
    assert f.read(9, 5) == b"9\x00\x00xy"
    f.truncate(4)
    assert f.size() == 4
    f.sync()
    f.close()
    assert vfs.exists(name)
    vfs.delete(name)
    assert not vfs.exists(name)


def test_readonly_refuses_writes(vfs_and_name):
    vfs, name = vfs_and_name
    with vfs.open(name, readonly=True) as f:
        with pytest.raises(ReadOnlyError):
            f.write(0, b"x")
        with pytest.raises(ReadOnlyError):
            f.truncate(0)
        assert isinstance(ReadOnlyError(), OperationalError)


def test_missing_file_is_operational_error(tmp_path):
    with pytest.raises(OperationalError):
        OSVFS().open(str(tmp_path / "nope.db"))
    with pytest.raises(OperationalError):
        MemoryVFS().open("nope.db")


def test_lock_levels_between_two_handles(vfs_and_name):
    vfs, name = vfs_and_name
    a = vfs.open(name, readonly=False)
    b = vfs.open(name, readonly=False)
    a.lock(SHARED)
    b.lock(SHARED)
    a.lock(RESERVED)
    assert b.check_reserved_lock()
    with pytest.raises(BusyError):
        b.lock(RESERVED)  # only one writer
    with pytest.raises(BusyError):
        a.lock(EXCLUSIVE)  # b still reads: a is left at PENDING
    assert a.lock_level == PENDING
    b.unlock(NONE)
    with pytest.raises(BusyError):
        b.lock(SHARED)  # PENDING keeps new readers out
    a.lock(EXCLUSIVE)
    assert a.lock_level == EXCLUSIVE
    a.unlock(SHARED)
    assert not b.check_reserved_lock()
    b.lock(SHARED)
    a.unlock(NONE)
    b.unlock(NONE)
    a.close()
    b.close()


def test_invalid_transitions_are_refused(vfs_and_name):
    vfs, name = vfs_and_name
    with vfs.open(name, readonly=False) as f:
        with pytest.raises(ValueError):
            f.lock(RESERVED)  # needs SHARED first
        with pytest.raises(ValueError):
            f.lock(PENDING)
        f.lock(SHARED)
        with pytest.raises(ValueError):
            f.unlock(RESERVED)


def test_close_keeps_other_handles_locks(tmp_path):
    # closing one descriptor must not drop the process's locks held through another
    path = _db(tmp_path / "x.db")
    vfs = OSVFS()
    a = vfs.open(path, readonly=False)
    b = vfs.open(path, readonly=False)
    a.lock(SHARED)
    a.lock(RESERVED)
    b.close()
    assert _probe(path, "begin immediate") == "busy"
    a.close()
    assert _probe(path, "begin immediate") == "ok"


_PROBE = textwrap.dedent(
    """
    import sqlite3, sys
    con = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
    try:
        con.execute(sys.argv[2])
        if len(sys.argv) > 3:
            con.execute(sys.argv[3])
        print("ok")
    except sqlite3.OperationalError as e:
        print("busy" if "locked" in str(e) else "error: " + str(e))
    """
)


def _probe(path: str, *sql: str) -> str:
    out = subprocess.run([sys.executable, "-c", _PROBE, path, *sql], capture_output=True,
                         text=True, timeout=60)
    return out.stdout.strip() or out.stderr.strip()


def test_our_locks_block_sqlite3_in_another_process(tmp_path):
    path = _db(tmp_path / "l.db")
    f = OSVFS().open(path, readonly=False)
    try:
        f.lock(SHARED)
        assert _probe(path, "select * from t") == "ok"  # readers share
        f.lock(RESERVED)
        assert _probe(path, "begin immediate") == "busy"  # one writer
        assert _probe(path, "select * from t") == "ok"
        f.lock(EXCLUSIVE)
        assert _probe(path, "select * from t") == "busy"  # nobody reads now
        f.unlock(SHARED)
        assert _probe(path, "begin immediate") == "ok"
        assert _probe(path, "begin exclusive") == "busy"  # our SHARED keeps writers out
        f.unlock(NONE)
        assert _probe(path, "begin exclusive") == "ok"
    finally:
        f.close()


_HOLDER = textwrap.dedent(
    """
    import sqlite3, sys
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute(sys.argv[2])
    if sys.argv[2] == "begin":
        con.execute("select * from t").fetchall()
    print("held", flush=True)
    sys.stdin.readline()
    con.execute("rollback")
    """
)


@pytest.mark.parametrize(
    "statement,reserved,shared_ok,exclusive_ok",
    [
        ("begin", False, True, False),  # a reader: SHARED
        ("begin immediate", True, True, False),  # RESERVED
        ("begin exclusive", True, False, False),  # EXCLUSIVE
    ],
)
def test_sqlite3_locks_are_seen_by_us(tmp_path, statement, reserved, shared_ok, exclusive_ok):
    path = _db(tmp_path / "h.db")
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, path, statement],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        f = OSVFS().open(path, readonly=False)
        try:
            if shared_ok:
                f.lock(SHARED)
                assert f.check_reserved_lock() is reserved
                if exclusive_ok:
                    f.lock(EXCLUSIVE)
                else:
                    with pytest.raises(BusyError):
                        f.lock(RESERVED)
                        f.lock(EXCLUSIVE)
            else:
                with pytest.raises(BusyError):
                    f.lock(SHARED)
        finally:
            f.close()
    finally:
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(timeout=60)


def test_memory_vfs_image_roundtrip():
    vfs = MemoryVFS({"db": b"abc"})
    with vfs.open("db", readonly=False) as f:
        f.write(3, b"def")
    assert vfs.image("db") == b"abcdef"
    assert vfs.file_size("db") == 6
    assert vfs.file_size("other") == 0
    with vfs.open("new", readonly=False, create=True) as f:
        assert f.size() == 0
