"""The engine's virtual file system: files read and written at offsets, and locked.

This is the engine's counterpart of SQLite's VFS layer (``sqlite3_vfs`` /
``sqlite3_io_methods``, implemented for POSIX in ``os_unix.c``). One small
interface, :class:`File`, with two implementations:

* :class:`OSFile` (opened through :class:`OSVFS`): a real file, locked with
  POSIX advisory record locks on the same byte ranges SQLite uses, so that our
  locks and those of real ``sqlite3`` processes see each other.
* :class:`MemoryFile` (opened through :class:`MemoryVFS`): a file image held in
  a ``bytearray``; used for fuzzing (a database image plus optional ``-wal`` and
  ``-journal`` images) and in tests. Its locks follow the same protocol between
  the handles of one :class:`MemoryVFS`.

Locking (SQLite's "File Locking And Concurrency" document, lockingv3, and
``os_unix.c``). A connection holds one of five levels on the database file:

=========  ==================================================================
level      meaning
=========  ==================================================================
NONE       no lock
SHARED     may read; any number of connections hold it together
RESERVED   intends to write; one at a time, readers may still come and go
PENDING    waits for the readers to leave; no new SHARED lock is granted
EXCLUSIVE  may write the database file; nobody else holds any lock
=========  ==================================================================

The levels are mapped onto byte-range locks in a region that no database page
ever uses (the lock-byte page starting at file offset 2**30):

============  ======  =======================================================
range         bytes   use
============  ======  =======================================================
PENDING_BYTE  1       read-locked briefly while taking SHARED; write-locked
                      for PENDING and EXCLUSIVE
RESERVED_BYTE 1       write-locked for RESERVED (and above)
SHARED_FIRST  510     read-locked for SHARED; write-locked for EXCLUSIVE
============  ======  =======================================================

POSIX record locks belong to the process, not to the file descriptor, and
closing any descriptor of a file drops all of the process's locks on it. As
``os_unix.c`` does, :class:`OSFile` therefore shares one lock record per inode
between the handles of this process (counting SHARED holders) and defers
closing a descriptor while another handle of the same inode still holds a
lock. Two handles in one process do not exclude each other at the OS level;
they exclude each other through that shared record, exactly as in SQLite.
"""

from __future__ import annotations

import fcntl
import os
import struct
import sys
import threading
from abc import ABC, abstractmethod

from formatspec import PENDING_BYTE

from .errors import OperationalError

NONE, SHARED, RESERVED, PENDING, EXCLUSIVE = range(5)
LOCK_NAMES = {NONE: "NONE", SHARED: "SHARED", RESERVED: "RESERVED", PENDING: "PENDING",
              EXCLUSIVE: "EXCLUSIVE"}

RESERVED_BYTE = PENDING_BYTE + 1
SHARED_FIRST = PENDING_BYTE + 2
SHARED_SIZE = 510


class BusyError(OperationalError):
    """Another connection holds a conflicting lock (SQLITE_BUSY)."""

    def __init__(self, message: str = "database is locked") -> None:
        super().__init__(message)


class ReadOnlyError(OperationalError):
    """A write to a file opened read-only (SQLITE_READONLY)."""

    def __init__(self, message: str = "attempt to write a readonly database") -> None:
        super().__init__(message)


def _check_transition(current: int, wanted: int) -> None:
    # The transitions SQLite's pager asks for (os_unix.c asserts the same).
    if wanted not in (SHARED, RESERVED, EXCLUSIVE):
        raise ValueError(f"cannot request lock level {LOCK_NAMES.get(wanted, wanted)}")
    if current == NONE and wanted != SHARED:
        raise ValueError(f"lock {LOCK_NAMES[wanted]} requested without a SHARED lock first")


class File(ABC):
    """One open file: bytes at offsets, a size, and a lock level."""

    name: str
    readonly: bool
    lock_level: int = NONE

    @abstractmethod
    def read(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``offset``; shorter (possibly empty) past the end."""

    @abstractmethod
    def write(self, offset: int, data) -> None:
        """Write ``data`` at ``offset``, growing the file when needed."""

    @abstractmethod
    def size(self) -> int: ...

    @abstractmethod
    def truncate(self, n: int) -> None: ...

    @abstractmethod
    def sync(self) -> None: ...

    @abstractmethod
    def lock(self, level: int) -> None:
        """Raise the lock to ``level`` (SHARED, RESERVED or EXCLUSIVE) or raise BusyError.

        A failed EXCLUSIVE request may leave the handle at PENDING, as in
        SQLite, so that new readers are kept out while it retries.
        """

    @abstractmethod
    def unlock(self, level: int) -> None:
        """Lower the lock to ``level`` (SHARED or NONE)."""

    @abstractmethod
    def check_reserved_lock(self) -> bool:
        """True when some connection (this one included) holds RESERVED or above."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class VFS(ABC):
    """Opens files by name and answers existence and deletion."""

    @abstractmethod
    def open(self, name: str, *, readonly: bool = True, create: bool = False) -> File: ...

    @abstractmethod
    def exists(self, name: str) -> bool: ...

    @abstractmethod
    def delete(self, name: str) -> None: ...

    def file_size(self, name: str) -> int:
        """Size of the named file, 0 when it does not exist."""
        if not self.exists(name):
            return 0
        with self.open(name, readonly=True) as f:
            return f.size()


# --------------------------------------------------------------------------
# OS files with POSIX advisory locks
# --------------------------------------------------------------------------

# struct flock for F_GETLK, laid out as on Linux (64-bit off_t).
_FLOCK = "@hhqqixxxx" if struct.calcsize("P") == 8 else "@hhqqi"
_HAVE_GETLK = sys.platform.startswith("linux")


class _InodeLocks:
    """The locks this process holds on one inode (os_unix.c's unixInodeInfo)."""

    __slots__ = ("key", "level", "n_shared", "n_lock", "n_ref", "pending_close")

    def __init__(self, key) -> None:
        self.key = key
        self.level = NONE  # strongest lock held at the OS level
        self.n_shared = 0  # handles holding SHARED or more
        self.n_lock = 0  # handles holding any lock
        self.n_ref = 0  # open handles
        self.pending_close: list[int] = []


_INODES: dict[tuple[int, int], _InodeLocks] = {}
_INODES_MUTEX = threading.RLock()


def _set_lock(fd: int, kind: int, start: int, length: int) -> bool:
    """Non-blocking POSIX lock (fcntl F_SETLK); False when another process conflicts."""
    try:
        fcntl.lockf(fd, kind | (fcntl.LOCK_NB if kind != fcntl.LOCK_UN else 0), length, start,
                    os.SEEK_SET)
    except (BlockingIOError, PermissionError):
        return False
    except OSError as err:  # EAGAIN/EACCES are "busy"; anything else is real
        if err.errno in (11, 13):
            return False
        raise OperationalError(f"disk I/O error: lock: {err}") from None
    return True


class OSFile(File):
    def __init__(self, name: str, *, readonly: bool, create: bool) -> None:
        self.name = name
        self.readonly = readonly
        flags = os.O_RDONLY if readonly else os.O_RDWR
        if create and not readonly:
            flags |= os.O_CREAT
        try:
            self._fd = os.open(name, flags | getattr(os, "O_BINARY", 0) | os.O_CLOEXEC, 0o644)
        except OSError as err:
            raise OperationalError(f"unable to open database file: {name}: {err.strerror}") from None
        st = os.fstat(self._fd)
        key = (st.st_dev, st.st_ino)
        with _INODES_MUTEX:
            inode = _INODES.get(key)
            if inode is None:
                inode = _INODES[key] = _InodeLocks(key)
            inode.n_ref += 1
        self._inode = inode
        self.lock_level = NONE
        self._closed = False

    # -- bytes -----------------------------------------------------------
    def _fd_or_raise(self) -> int:
        if self._closed:
            raise OperationalError(f"file {self.name} is closed")
        return self._fd

    def read(self, offset: int, n: int) -> bytes:
        fd = self._fd_or_raise()
        try:
            data = os.pread(fd, n, offset)
            if len(data) < n and data:  # a short read in the middle is retried once
                more = os.pread(fd, n - len(data), offset + len(data))
                data += more
            return data
        except OSError as err:
            raise OperationalError(f"disk I/O error: read {self.name}: {err}") from None

    def write(self, offset: int, data) -> None:
        fd = self._fd_or_raise()
        if self.readonly:
            raise ReadOnlyError()
        view = memoryview(data)
        try:
            while view:
                n = os.pwrite(fd, view, offset)
                view = view[n:]
                offset += n
        except OSError as err:
            raise OperationalError(f"disk I/O error: write {self.name}: {err}") from None

    def size(self) -> int:
        return os.fstat(self._fd_or_raise()).st_size

    def truncate(self, n: int) -> None:
        fd = self._fd_or_raise()
        if self.readonly:
            raise ReadOnlyError()
        os.ftruncate(fd, n)

    def sync(self) -> None:
        fd = self._fd_or_raise()
        if not self.readonly:
            os.fsync(fd)

    # -- locks (os_unix.c unixLock / posixUnlock) -------------------------
    def lock(self, level: int) -> None:
        self._fd_or_raise()
        if self.lock_level >= level:
            return
        _check_transition(self.lock_level, level)
        inode = self._inode
        fd = self._fd
        with _INODES_MUTEX:
            # another handle of this process is at PENDING or above, or we want to
            # write while another handle of this process holds more than we do
            if self.lock_level != inode.level and (inode.level >= PENDING or level > SHARED):
                raise BusyError()
            if level == SHARED and inode.level in (SHARED, RESERVED):
                self.lock_level = SHARED
                inode.n_shared += 1
                inode.n_lock += 1
                return
            if level == SHARED or (level == EXCLUSIVE and self.lock_level < PENDING):
                kind = fcntl.LOCK_SH if level == SHARED else fcntl.LOCK_EX
                if not _set_lock(fd, kind, PENDING_BYTE, 1):
                    raise BusyError()
                if level == EXCLUSIVE:
                    self.lock_level = PENDING
                    inode.level = PENDING
            if level == SHARED:
                got = _set_lock(fd, fcntl.LOCK_SH, SHARED_FIRST, SHARED_SIZE)
                _set_lock(fd, fcntl.LOCK_UN, PENDING_BYTE, 1)
                if not got:
                    raise BusyError()
                self.lock_level = SHARED
                inode.level = SHARED
                inode.n_lock += 1
                inode.n_shared = 1
                return
            if level == EXCLUSIVE and inode.n_shared > 1:
                # another handle of this process still reads: stay at PENDING
                raise BusyError()
            if level == RESERVED:
                got = _set_lock(fd, fcntl.LOCK_EX, RESERVED_BYTE, 1)
            else:
                got = _set_lock(fd, fcntl.LOCK_EX, SHARED_FIRST, SHARED_SIZE)
            if not got:
                raise BusyError()
            self.lock_level = level
            inode.level = level

    def unlock(self, level: int) -> None:
        if level not in (NONE, SHARED):
            raise ValueError("unlock goes to SHARED or NONE")
        if self.lock_level <= level:
            return
        inode = self._inode
        fd = self._fd
        with _INODES_MUTEX:
            if self.lock_level > SHARED:
                if level == SHARED:
                    _set_lock(fd, fcntl.LOCK_SH, SHARED_FIRST, SHARED_SIZE)
                _set_lock(fd, fcntl.LOCK_UN, PENDING_BYTE, 2)
                inode.level = SHARED
            if level == NONE:
                inode.n_shared -= 1
                if inode.n_shared == 0:
                    _set_lock(fd, fcntl.LOCK_UN, 0, 0)
                    inode.level = NONE
                inode.n_lock -= 1
                if inode.n_lock == 0:
                    self._close_pending(inode)
            self.lock_level = level

    def check_reserved_lock(self) -> bool:
        fd = self._fd_or_raise()
        with _INODES_MUTEX:
            if self._inode.level > SHARED:
                return True
            if _HAVE_GETLK:
                probe = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, RESERVED_BYTE, 1, 0)
                answer = fcntl.fcntl(fd, fcntl.F_GETLK, probe)
                return struct.unpack(_FLOCK, answer)[0] != fcntl.F_UNLCK
            # elsewhere: try to take the reserved byte ourselves, then let it go
            if _set_lock(fd, fcntl.LOCK_EX, RESERVED_BYTE, 1):
                _set_lock(fd, fcntl.LOCK_UN, RESERVED_BYTE, 1)
                return False
            return True

    @staticmethod
    def _close_pending(inode: _InodeLocks) -> None:
        for fd in inode.pending_close:
            os.close(fd)
        inode.pending_close.clear()

    def close(self) -> None:
        if self._closed:
            return
        self.unlock(NONE)
        inode = self._inode
        with _INODES_MUTEX:
            if inode.n_lock:
                # closing now would drop the locks of the other handles
                inode.pending_close.append(self._fd)
            else:
                os.close(self._fd)
            inode.n_ref -= 1
            if inode.n_ref == 0:
                self._close_pending(inode)
                _INODES.pop(inode.key, None)
        self._closed = True

    def __del__(self) -> None:
        try:
            if not getattr(self, "_closed", True):
                self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


class OSVFS(VFS):
    """Files of the operating system."""

    def open(self, name: str, *, readonly: bool = True, create: bool = False) -> File:
        return OSFile(os.fspath(name), readonly=readonly, create=create)

    def exists(self, name: str) -> bool:
        return os.path.exists(name)

    def delete(self, name: str) -> None:
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass
        except OSError as err:
            raise OperationalError(f"disk I/O error: delete {name}: {err}") from None

    def file_size(self, name: str) -> int:
        try:
            return os.stat(name).st_size
        except OSError:
            return 0


# --------------------------------------------------------------------------
# In-memory files
# --------------------------------------------------------------------------

_RANGES = ("pending", "reserved", "shared")


class _MemoryLocks:
    """Byte-range lock table of one in-memory file: range -> {handle id: 'r'|'w'}."""

    def __init__(self) -> None:
        self.held: dict[str, dict[int, str]] = {r: {} for r in _RANGES}

    def take(self, owner: int, rng: str, mode: str) -> bool:
        holders = self.held[rng]
        for other, m in holders.items():
            if other != owner and (mode == "w" or m == "w"):
                return False
        holders[owner] = mode
        return True

    def release(self, owner: int, rng: str) -> None:
        self.held[rng].pop(owner, None)

    def writer_on(self, rng: str) -> bool:
        return any(m == "w" for m in self.held[rng].values())


class MemoryFile(File):
    """A handle on an in-memory file of a :class:`MemoryVFS`.

    Every handle is its own lock owner (like a separate process would be).
    """

    _next_owner = 0

    def __init__(self, vfs: MemoryVFS, name: str, *, readonly: bool) -> None:
        self.name = name
        self.readonly = readonly
        self._vfs = vfs
        self._data = vfs._files[name]
        self._locks = vfs._locks.setdefault(name, _MemoryLocks())
        MemoryFile._next_owner += 1
        self._owner = MemoryFile._next_owner
        self.lock_level = NONE
        self._closed = False

    def _live(self) -> bytearray:
        if self._closed:
            raise OperationalError(f"file {self.name} is closed")
        return self._data

    def read(self, offset: int, n: int) -> bytes:
        return bytes(self._live()[offset:offset + n])

    def write(self, offset: int, data) -> None:
        buf = self._live()
        if self.readonly:
            raise ReadOnlyError()
        if offset > len(buf):
            buf.extend(bytes(offset - len(buf)))
        buf[offset:offset + len(data)] = data

    def size(self) -> int:
        return len(self._live())

    def truncate(self, n: int) -> None:
        buf = self._live()
        if self.readonly:
            raise ReadOnlyError()
        if n < len(buf):
            del buf[n:]
        else:
            buf.extend(bytes(n - len(buf)))

    def sync(self) -> None:
        self._live()

    def lock(self, level: int) -> None:
        self._live()
        if self.lock_level >= level:
            return
        _check_transition(self.lock_level, level)
        t, me = self._locks, self._owner
        if level == SHARED:
            if not t.take(me, "pending", "r"):
                raise BusyError()
            got = t.take(me, "shared", "r")
            t.release(me, "pending")
            if not got:
                raise BusyError()
        elif level == RESERVED:
            if not t.take(me, "reserved", "w"):
                raise BusyError()
        else:
            if self.lock_level < PENDING:
                if not t.take(me, "pending", "w"):
                    raise BusyError()
                self.lock_level = PENDING
            if not t.take(me, "shared", "w"):
                raise BusyError()
        self.lock_level = level

    def unlock(self, level: int) -> None:
        if level not in (NONE, SHARED):
            raise ValueError("unlock goes to SHARED or NONE")
        if self.lock_level <= level:
            return
        t, me = self._locks, self._owner
        if self.lock_level > SHARED:
            if level == SHARED:
                t.held["shared"][me] = "r"
            t.release(me, "pending")
            t.release(me, "reserved")
        if level == NONE:
            for rng in _RANGES:
                t.release(me, rng)
        self.lock_level = level

    def check_reserved_lock(self) -> bool:
        self._live()
        return self.lock_level > SHARED or self._locks.writer_on("reserved")

    def close(self) -> None:
        if not self._closed:
            self.unlock(NONE)
            self._closed = True


class MemoryVFS(VFS):
    """Named in-memory files. ``MemoryVFS({"db": image, "db-wal": wal})``."""

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self._files: dict[str, bytearray] = {}
        self._locks: dict[str, _MemoryLocks] = {}
        for name, data in (files or {}).items():
            self._files[name] = bytearray(data)

    def open(self, name: str, *, readonly: bool = True, create: bool = False) -> File:
        if name not in self._files:
            if not create or readonly:
                raise OperationalError(f"unable to open database file: {name}")
            self._files[name] = bytearray()
        return MemoryFile(self, name, readonly=readonly)

    def exists(self, name: str) -> bool:
        return name in self._files

    def delete(self, name: str) -> None:
        self._files.pop(name, None)

    def file_size(self, name: str) -> int:
        data = self._files.get(name)
        return 0 if data is None else len(data)

    def image(self, name: str) -> bytes:
        """The current bytes of an in-memory file."""
        return bytes(self._files[name])
