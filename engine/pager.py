"""The pager: numbered pages of a database file, cached, seen through its WAL or journal.

This is the read side of SQLite's pager layer (``pager.c``, ``wal.c``) for the
engine. It turns a :class:`~engine.vfs.File` into pages ``1..page_count`` of
``page_size`` bytes and answers the questions of fileformat2 sections "Pages",
"The Lock-Byte Page", "The Rollback Journal" and "The Write-Ahead Log":

* Page 1 holds the 100-byte database header (decoded by
  :func:`formatspec.header.read_database_header`): page size, reserved bytes
  (usable size = page size - reserved), text encoding. The database size is the
  header's ``database_size`` when it is valid (non-zero and
  ``version_valid_for == file_change_counter``), else the file size divided by
  the page size, rounded up, as SQLite's ``lockBtree`` decides; a valid
  in-header size larger than the file is corruption.
* The lock-byte page (the page holding byte offset 2**30) is never read as
  data.
* WAL: when ``<db>-wal`` exists, the frames up to the last valid commit frame
  (salts matching the WAL header, cumulative checksums right) are the current
  content; for each page the latest such frame wins, and the database size is
  the commit frame's "size after commit". No ``-shm`` is needed: the frame
  index is built by scanning the WAL (formatspec.wal.scan_wal).
* Hot rollback journal: when ``<db>-journal`` holds a valid header and nobody
  holds a RESERVED lock, the transaction that wrote it never committed.
  A read-write open rolls it back as SQLite does (pre-images written back, the
  file truncated to the original size, the file synced, then the journal
  deleted); a read-only open presents the rolled-back state from memory and
  writes nothing.

Limitation (for the write side's issue): a WAL is read without the wal-index
(``-shm``), so this reader takes none of the WAL read locks there. The
snapshot is consistent when no sqlite3 process is writing the database at the
same time; a concurrent checkpoint or WAL restart by a live writer is not
excluded (the SHARED lock on the database file does not stop WAL writers).

The cache is bounded: at most ``cache_pages`` pages are held, least recently
used first out, so memory does not grow with the file. Pages are returned as
``bytes`` (immutable; the b-tree layer may keep memoryviews of them).

Invariants (checked by :meth:`Pager.check_invariants` in tests, and by
``assert`` in debug runs):

1. ``len(cache) <= cache_pages`` and every cached page number is in
   ``1..page_count`` and is not the lock-byte page.
2. Every cached page is exactly ``page_size`` bytes long.
3. There are no dirty pages: this pager is read-only (the write side raises
   NotSupportedError); when it exists, dirty pages are never evicted.
4. The file holds at least a SHARED lock while the pager is open, and no lock
   once closed.
5. Every WAL frame in the index lies at or before the last valid commit frame
   and maps a page number in ``1..page_count``.
6. In a read-only open with a hot journal, nothing was written to any file:
   the rolled-back state lives in ``_journal_pages`` (page -> journal offset).
"""

from __future__ import annotations

import time
from collections import OrderedDict

from formatspec import FormatError, lock_byte_page, usable_size
from formatspec.header import HEADER_SIZE, TEXT_ENCODINGS, read_database_header

from .errors import CorruptError, DatabaseError, NotSupportedError, OperationalError
from .vfs import EXCLUSIVE, NONE, OSVFS, RESERVED, SHARED, VFS, BusyError, File

DEFAULT_CACHE_SIZE = -2000  # SQLite's default: negative means KiB


class Pager:
    """Read-only view of the current committed state of a database file."""

    def __init__(
        self,
        name: str,
        *,
        vfs: VFS | None = None,
        readonly: bool = True,
        cache_size: int = DEFAULT_CACHE_SIZE,
        journal_mode: str = "delete",
        timeout: float = 0.0,
    ) -> None:
        self.vfs = vfs or OSVFS()
        self.name = str(name)
        self.readonly = readonly
        self.journal_mode = journal_mode.lower()
        if self.journal_mode not in ("delete", "truncate", "persist"):
            raise NotSupportedError(f"journal_mode {journal_mode!r} on open")
        self._cache_size_setting = cache_size
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._dirty: dict[int, bytes] = {}  # the write side will fill this
        self.page_reads = 0  # pages fetched from the files (cache misses)
        self._wal_file: File | None = None
        self._wal_frames: dict[int, int] = {}  # page -> file offset of its page data
        self._journal_file: File | None = None
        self._journal_pages: dict[int, int] = {}  # page -> journal offset (read-only rollback)
        self.rolled_back_journal = False
        self.file: File = self.vfs.open(self.name, readonly=readonly)
        self._closed = False
        try:
            self._lock_shared(timeout)
            self._open_snapshot()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------
    # opening
    # ------------------------------------------------------------------
    def _lock_shared(self, timeout: float) -> None:
        """SHARED lock, retrying while a writer holds the file (sqlite3's busy timeout)."""
        deadline = time.monotonic() + timeout
        delay = 0.001
        while True:
            try:
                self.file.lock(SHARED)
                return
            except BusyError:
                if time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.05)

    def _open_snapshot(self) -> None:
        self.page_size = 4096
        db_bytes = self.file.size()
        self._db_file_size = db_bytes
        journal_name = self.name + "-journal"
        if db_bytes > 0 and self.vfs.exists(journal_name):
            self._hot_journal(journal_name)
            db_bytes = self._db_file_size
        wal_name = self.name + "-wal"
        wal_pages = None
        if self.vfs.exists(wal_name) and self.vfs.file_size(wal_name) > 0:
            wal_pages = self._open_wal(wal_name)
        if db_bytes == 0 and not self._wal_frames:
            # an empty file is an empty database
            self.header = None
            self.reserved_space = 0
            self.usable_size = self.page_size
            self.encoding = "utf-8"
            self.text_encoding = 1
            self.page_count = 0
            self._set_cache_capacity()
            return
        first = self._read_raw(1, HEADER_SIZE, size_hint=None)
        try:
            header = read_database_header(first)
        except FormatError:
            raise DatabaseError("file is not a database") from None
        self.header = header
        if self._wal_frames and self._wal_page_size and header.page_size != self._wal_page_size:
            raise CorruptError("WAL page size differs from the database header", page=1,
                               offset=16)
        self.page_size = header.page_size
        self.reserved_space = header.reserved_space
        try:
            self.usable_size = usable_size(header.page_size, header.reserved_space)
        except FormatError as err:
            raise CorruptError(err.message, page=1, offset=20) from None
        if header.text_encoding == 0:
            self.text_encoding = 1
        elif header.text_encoding in TEXT_ENCODINGS:
            self.text_encoding = header.text_encoding
        else:
            raise CorruptError(f"unknown text encoding {header.text_encoding}", page=1, offset=56)
        self.encoding = TEXT_ENCODINGS[self.text_encoding]
        if wal_pages is not None:
            file_pages = wal_pages
        else:
            file_pages = -(-self._db_file_size // self.page_size)
            if self._journal_pages or self.rolled_back_journal:
                file_pages = self._journal_original_pages
        pages = header.database_size
        if pages == 0 or header.version_valid_for != header.file_change_counter:
            pages = file_pages
        if pages > file_pages:
            raise CorruptError(
                f"header says {pages} pages, the file holds {file_pages}", page=1, offset=28)
        self.page_count = pages
        self.lock_byte_page = lock_byte_page(self.page_size)
        self._set_cache_capacity()
        self._check_wal_index()

    def _set_cache_capacity(self) -> None:
        setting = self._cache_size_setting
        if setting < 0:
            pages = (-setting * 1024) // self.page_size
        else:
            pages = setting
        self.cache_pages = max(10, pages)

    # -- WAL ------------------------------------------------------------
    _wal_page_size = 0

    def _open_wal(self, wal_name: str) -> int | None:
        """Index the committed frames of the WAL; return the database size it implies."""
        from formatspec.wal import WAL_FRAME_HEADER_SIZE, scan_wal

        wal = self.vfs.open(wal_name, readonly=True)
        self._wal_file = wal
        try:
            scan = scan_wal(wal.read, size=wal.size())
        except FormatError:
            return None  # wal.c ignores a log it cannot recover
        if scan.refused:
            raise OperationalError("unable to open database file: unknown WAL format version")
        if not scan.header_valid or scan.mx_frame == 0:
            return None
        self._wal_page_size = scan.page_size
        latest: dict[int, int] = {}
        for frame in scan.frames:
            if frame.committed:
                latest[frame.page_number] = frame.offset + WAL_FRAME_HEADER_SIZE
        self._wal_frames = latest
        return scan.n_page

    def _check_wal_index(self) -> None:
        for page_number in self._wal_frames:
            if page_number < 1:
                raise CorruptError("WAL frame for page 0", page=0)

    # -- rollback journal ------------------------------------------------
    _journal_original_pages = 0

    def _hot_journal(self, journal_name: str) -> None:
        """pager.c hasHotJournal + pager_playback, for a journal left by a dead writer.

        The playback rules (segments, record counts, checksums, the super-journal)
        are formatspec.journal.scan_journal's; this applies its verdict.
        """
        from formatspec.journal import read_super_journal, scan_journal

        if self.file.check_reserved_lock():
            return  # a live writer owns it
        journal = self.vfs.open(journal_name, readonly=True)
        keep_open = False
        try:
            size = journal.size()
            if size == 0 or journal.read(0, 1) == b"\x00":
                return  # not hot: empty, or a zeroed header (persist mode after commit)
            data = journal.read(0, size)
            db_page_size = self._peek_page_size()
            exists = None
            sj = read_super_journal(data)
            if sj is not None and sj.checksum_ok:
                exists = self.vfs.exists(sj.name.decode("utf-8", "replace"))
            scan = scan_journal(data, db_page_size, super_journal_exists=exists)
            if scan.playback_skipped or not scan.header_valid:
                # nothing to undo: a rollback would only delete the journal
                if not self.readonly:
                    self._lock_exclusive()
                    journal.close()
                    self._finish_journal(journal_name)
                    self.file.unlock(SHARED)
                return
            page_size = scan.page_size
            original_pages = scan.initial_db_size
            pre_images: dict[int, int] = {}
            for rec in scan.records:
                if rec.restored:
                    pre_images[rec.page_number] = rec.offset + 4  # a later record wins
            self.page_size = page_size
            self._journal_original_pages = original_pages
            if self.readonly:
                self._journal_file = journal
                keep_open = True
                self._journal_pages = pre_images
                self._db_file_size = original_pages * page_size
                return
            self._lock_exclusive()
            for pgno, off in pre_images.items():
                self.file.write((pgno - 1) * page_size, journal.read(off, page_size))
            self.file.truncate(original_pages * page_size)
            self.file.sync()
            journal.close()
            self._finish_journal(journal_name)
            self.file.unlock(SHARED)
            self._db_file_size = self.file.size()
            self.rolled_back_journal = True
        except FormatError as err:
            raise CorruptError(f"rollback journal: {err.message}", offset=err.offset) from None
        finally:
            if not keep_open:
                journal.close()

    def _peek_page_size(self) -> int | None:
        """The page size the database header states (for journals that leave it 0)."""
        try:
            return read_database_header(self.file.read(0, HEADER_SIZE)).page_size
        except FormatError:
            return None

    def _lock_exclusive(self) -> None:
        try:
            self.file.lock(RESERVED)
            self.file.lock(EXCLUSIVE)
        except BusyError:
            self.file.unlock(SHARED)
            raise

    def _finish_journal(self, journal_name: str) -> None:
        if self.journal_mode == "delete":
            self.vfs.delete(journal_name)
            return
        j = self.vfs.open(journal_name, readonly=False)
        try:
            if self.journal_mode == "truncate":
                j.truncate(0)
            else:  # persist: zero the header so the journal is no longer hot
                j.write(0, bytes(28))
            j.sync()
        finally:
            j.close()

    # ------------------------------------------------------------------
    # reading pages
    # ------------------------------------------------------------------
    def _read_raw(self, pgno: int, n: int, size_hint) -> bytes:
        """Bytes of page ``pgno`` from wherever its current version lives."""
        off = self._wal_frames.get(pgno)
        if off is not None:
            data = self._wal_file.read(off, n)
        else:
            off = self._journal_pages.get(pgno)
            if off is not None:
                data = self._journal_file.read(off, n)
            elif (pgno - 1) * self.page_size >= self._db_file_size:
                data = b""
            else:
                data = self.file.read((pgno - 1) * self.page_size, n)
        self.page_reads += 1
        if len(data) < n:  # past the end of the file: SQLite reads zeros
            data = data + bytes(n - len(data))
        return data

    def get_page(self, pgno: int) -> bytes:
        """The current content of page ``pgno`` (``page_size`` bytes)."""
        cache = self._cache
        data = cache.get(pgno)
        if data is not None:
            cache.move_to_end(pgno)
            return data
        if not 1 <= pgno <= self.page_count:
            raise CorruptError(f"page number {pgno} out of range 1..{self.page_count}", page=pgno)
        if pgno == self.lock_byte_page:
            raise CorruptError("the lock-byte page is referenced as data", page=pgno)
        if self._closed:
            raise OperationalError("pager is closed")
        data = self._read_raw(pgno, self.page_size, None)
        assert len(data) == self.page_size, "invariant 2: a page is page_size bytes"
        cache[pgno] = data
        if len(cache) > self.cache_pages:
            cache.popitem(last=False)
        assert len(cache) <= self.cache_pages, "invariant 1: the cache is bounded"
        return data

    def set_cache_size(self, cache_size: int) -> None:
        """PRAGMA cache_size semantics: pages, or KiB when negative."""
        self._cache_size_setting = cache_size
        self._set_cache_capacity()
        while len(self._cache) > self.cache_pages:
            self._cache.popitem(last=False)

    def check_invariants(self) -> None:
        """Raise AssertionError when one of the module's numbered invariants fails."""
        assert len(self._cache) <= self.cache_pages, "1: cache over capacity"
        for pgno, data in self._cache.items():
            assert 1 <= pgno <= self.page_count, f"1: cached page {pgno} out of range"
            assert pgno != self.lock_byte_page, "1: lock-byte page cached"
            assert len(data) == self.page_size, f"2: page {pgno} has {len(data)} bytes"
        assert not self._dirty, "3: dirty pages in a read-only pager"
        if self._closed:
            assert self.file.lock_level == NONE, "4: lock held after close"
        else:
            assert self.file.lock_level >= SHARED, "4: no SHARED lock while open"
        for pgno in self._wal_frames:
            assert 1 <= pgno, "5: WAL frame for page 0"
        if self.readonly and self._journal_pages:
            assert self._journal_file is not None, "6: journal pages without the journal"

    # ------------------------------------------------------------------
    # the write side (a later issue)
    # ------------------------------------------------------------------
    def begin_write(self) -> None:
        raise NotSupportedError("the engine's pager does not write yet")

    def write_page(self, pgno: int, data: bytes) -> None:
        raise NotSupportedError("the engine's pager does not write yet")

    def commit(self) -> None:
        raise NotSupportedError("the engine's pager does not write yet")

    # ------------------------------------------------------------------
    def close(self) -> None:
        if getattr(self, "_closed", True) and not hasattr(self, "file"):
            return
        self._cache.clear()
        for f in (self._wal_file, self._journal_file):
            if f is not None:
                f.close()
        self._wal_file = self._journal_file = None
        if not self._closed:
            self.file.unlock(NONE)
            self.file.close()
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
