"""The rollback journal, the ``-journal`` file (fileformat2 "The Rollback Journal", pager.c).

A rollback journal holds the original content of every page a write
transaction changes, so that a crash can be undone: the next connection that
finds a *hot* journal (one that exists, whose first byte is not zero, while
nobody holds a write lock) copies the pages back. Every integer is big-endian.

The file is one or more *segments*. Each segment is a header padded to the
sector size, followed by page records. A new segment starts at the next
multiple of the sector size each time the writer syncs the journal in the
middle of a transaction (to spill pages to the database file).

Segment header (:data:`JournalHeader`), in our own words:

======  ======  ================  ===========================================================
offset  size    field             meaning
======  ======  ================  ===========================================================
0       8       magic             d9 d5 05 f9 20 a1 63 d7. A header is first written with
                                  these 8 bytes (and the record count) zeroed and completed
                                  only when the journal is synced, so a zero magic marks a
                                  segment never synced
8       4       record_count      ``nRec``: how many page records follow. 0xFFFFFFFF means
                                  "compute it from the file size" (written when the journal
                                  is not synced: ``synchronous=OFF``, in-memory journals,
                                  file systems that append safely)
12      4       checksum_nonce    random start value of this segment's record checksums
16      4       initial_db_size   database size in pages before the transaction; rollback
                                  truncates the database to this size (first segment only)
20      4       sector_size       the writer's sector size: the size of every segment header
                                  and the alignment of segments; a power of two 32..65536
24      4       page_size         database page size, a power of two 512..65536; 0 in
                                  journals of SQLite before 3.5.8 (the database's own page
                                  size applies)
28      S-28    padding           up to the sector size; zeros, or repeated copies of the
                                  header when the sector is larger than a page
======  ======  ================  ===========================================================

Page record (:data:`JournalPageRecord`, needs ``page_size=``):

======  ======  ===========  ===============================================================
offset  size    field        meaning
======  ======  ===========  ===============================================================
0       4       page_number  the database page whose original content follows
4       P       data         the page as it was before the transaction
4+P     4       checksum     ``checksum_nonce`` plus the bytes at offsets P-200, P-400, ...
                             (every 200th byte counting back from the end, offset 0 not
                             included), each read as an unsigned byte, mod 2**32
                             (:func:`journal_checksum`)
======  ======  ===========  ===============================================================

Super-journal record (:data:`SuperJournalRecord`): when one transaction spans
several attached databases, each journal ends with the name of the shared
*super-journal* file (formerly "master journal"). It is written after the
last record (at the next sector boundary when the journal is synced in
full-sync mode) and the file is cut right after it, so it is read backwards
from the end of the file:

========  ======  =================  ===================================================
offset    size    field              meaning
========  ======  =================  ===================================================
0         4       lock_page_marker   the number of the lock-byte page (PENDING_BYTE /
                                     page size + 1), a page number no record can have;
                                     a playback reaching it stops there
4         N       name               super-journal file name, UTF-8, no terminator
4+N       4       name_length        N
8+N       4       checksum           sum of the name's bytes, each taken as a *signed*
                                     8-bit integer, mod 2**32
12+N      8       magic              the journal magic again
========  ======  =================  ===================================================

Playback (pager.c ``pager_playback`` for a hot journal), reproduced by
:func:`scan_journal`: if a super-journal name is present (length 1..512,
magic and name checksum correct) and that file does not exist (for the unix
VFS a file of 0 bytes does not exist either), nothing is played back and the
journal is simply deleted. Otherwise headers are read at
sector boundaries: before the first header is read the sector size is the
reader's own (512 with the unix VFS, which declares powersafe overwrite),
afterwards the first header's. Playback stops when there is no room for
another header, when a magic is wrong, or when the first header's page or
sector size is invalid. The first header truncates the database to
``initial_db_size``. Then ``record_count`` records are read (0xFFFFFFFF:
``(file size - sector size) / (page size + 8)``; a hot journal's 0 means
none); a record with page number 0 or the lock-byte page number, or with a
wrong checksum, ends the whole playback; a record cut short by the end of
the file ends it too; a record for a page beyond ``initial_db_size`` is
skipped without checking its checksum. Each remaining record is written back.
"""

from __future__ import annotations

import struct
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import construct as cs

from ._spec import Spec
from .derived import MAX_PAGE_SIZE, MIN_PAGE_SIZE, lock_byte_page
from .errors import FormatError

JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
JOURNAL_HEADER_FIELDS_SIZE = 28
NREC_FROM_FILE_SIZE = 0xFFFFFFFF
MIN_SECTOR_SIZE = 32
MAX_SECTOR_SIZE = 0x10000
DEFAULT_VFS_SECTOR_SIZE = 512  # unix VFS with SQLITE_IOCAP_POWERSAFE_OVERWRITE
MAX_SUPER_JOURNAL_NAME = 512  # unix VFS mxPathname; readSuperJournal needs len < mxPathname+1
_MASK = 0xFFFFFFFF

_HEADER = struct.Struct(">8sIIIII")
_U32 = struct.Struct(">I")


def _power_of_two(value, low: int, high: int) -> bool:
    return isinstance(value, int) and low <= value <= high and not value & (value - 1)


def _param(ctx, name: str):
    params = getattr(ctx, "_params", None)
    value = params.get(name) if params is not None else None
    if value is None:
        raise FormatError(f"parameter {name}= is required")
    return value


class _SectorSize(cs.Adapter):
    def _decode(self, obj, context, path):
        if not _power_of_two(obj, MIN_SECTOR_SIZE, MAX_SECTOR_SIZE):
            raise FormatError(f"journal sector size {obj} is not a power of two 32..65536",
                              offset=20, path="sector_size")
        return obj

    def _encode(self, obj, context, path):
        return self._decode(obj, context, path)


class _JournalPageSize(cs.Adapter):
    def _decode(self, obj, context, path):
        if obj != 0 and not _power_of_two(obj, MIN_PAGE_SIZE, MAX_PAGE_SIZE):
            raise FormatError(f"journal page size {obj} is not 0 or a power of two 512..65536",
                              offset=24, path="page_size")
        return obj

    def _encode(self, obj, context, path):
        return self._decode(obj, context, path)


_header_con = cs.Struct(
    "magic" / cs.Const(JOURNAL_MAGIC),
    "record_count" / cs.Int32ub,
    "checksum_nonce" / cs.Int32ub,
    "initial_db_size" / cs.Int32ub,
    "sector_size" / _SectorSize(cs.Int32ub),
    "page_size" / _JournalPageSize(cs.Int32ub),
    "padding" / cs.Bytes(lambda ctx: ctx.sector_size - JOURNAL_HEADER_FIELDS_SIZE),
)

JournalHeader = Spec("journal header", _header_con, __doc__)


def _record_page_size(ctx) -> int:
    size = _param(ctx, "page_size")
    if not _power_of_two(size, MIN_PAGE_SIZE, MAX_PAGE_SIZE):
        raise FormatError(f"page size {size!r} is not a power of two 512..65536")
    return size


_record_con = cs.Struct(
    "page_number" / cs.Int32ub,
    "data" / cs.Bytes(_record_page_size),
    "checksum" / cs.Int32ub,
)

JournalPageRecord = Spec("journal page record", _record_con, __doc__)


def _remaining(ctx) -> int:
    stream = ctx._io
    here = stream.tell()
    end = stream.seek(0, 2)
    stream.seek(here)
    return end - here


def _name_size(ctx) -> int:
    if ctx._parsing:
        size = _remaining(ctx) - 16
        if size < 0:
            raise FormatError("super-journal record shorter than 20 bytes")
        return size
    return len(ctx.name)


_super_con = cs.Struct(
    "lock_page_marker" / cs.Int32ub,
    "name" / cs.Bytes(_name_size),
    "name_length" / cs.Int32ub,
    cs.Check(lambda ctx: ctx.name_length == len(ctx.name)),
    "checksum" / cs.Int32ub,
    "magic" / cs.Const(JOURNAL_MAGIC),
)

SuperJournalRecord = Spec("super-journal record", _super_con, __doc__)


class JournalHeaderFields(NamedTuple):
    magic: bytes
    record_count: int
    checksum_nonce: int
    initial_db_size: int
    sector_size: int
    page_size: int


def read_journal_header(buf, offset: int = 0, *, validate: bool = False) -> JournalHeaderFields:
    """Fast twin of the 28 field bytes of :data:`JournalHeader`.

    By default the fields are decoded without being judged (playback needs to
    see a zeroed magic); ``validate=True`` refuses what the schema refuses:
    a wrong magic, a sector size or page size out of range.
    """
    if offset < 0 or len(buf) - offset < JOURNAL_HEADER_FIELDS_SIZE:
        raise FormatError("journal header needs 28 bytes", offset=offset)
    fields = JournalHeaderFields._make(_HEADER.unpack_from(buf, offset))
    if validate:
        if fields.magic != JOURNAL_MAGIC:
            raise FormatError("bad journal magic", offset=offset, path="magic")
        if not _power_of_two(fields.sector_size, MIN_SECTOR_SIZE, MAX_SECTOR_SIZE):
            raise FormatError(f"journal sector size {fields.sector_size} is not a power of two "
                              "32..65536", offset=offset + 20, path="sector_size")
        if fields.page_size != 0 and not _power_of_two(fields.page_size, MIN_PAGE_SIZE,
                                                       MAX_PAGE_SIZE):
            raise FormatError(f"journal page size {fields.page_size} is not 0 or a power of two "
                              "512..65536", offset=offset + 24, path="page_size")
    return fields


def journal_checksum(nonce: int, page_data) -> int:
    """pager.c's record checksum: nonce + every 200th byte counting back from the end."""
    size = len(page_data)
    start = size % 200 or 200
    return (nonce + sum(memoryview(page_data)[start:size - 199:200])) & _MASK


def super_journal_checksum(name: bytes) -> int:
    """Sum of the name's bytes as signed 8-bit integers, mod 2**32."""
    return sum(b - 256 if b > 127 else b for b in name) & _MASK


def build_journal_header(*, record_count: int, checksum_nonce: int, initial_db_size: int,
                         sector_size: int, page_size: int) -> bytes:
    """A segment header padded with zeros to ``sector_size``."""
    return JournalHeader.build(dict(
        record_count=record_count, checksum_nonce=checksum_nonce,
        initial_db_size=initial_db_size, sector_size=sector_size, page_size=page_size,
        padding=bytes(max(0, sector_size - JOURNAL_HEADER_FIELDS_SIZE)),
    ))


def build_journal_record(page_number: int, data: bytes, nonce: int) -> bytes:
    """One page record with its checksum."""
    return _U32.pack(page_number) + bytes(data) + _U32.pack(journal_checksum(nonce, data))


def build_super_journal_record(name: bytes, page_size: int) -> bytes:
    """The record naming a super-journal, for a database of ``page_size``."""
    return SuperJournalRecord.build(dict(
        lock_page_marker=lock_byte_page(page_size), name=name, name_length=len(name),
        checksum=super_journal_checksum(name),
    ))


class SuperJournalInfo(NamedTuple):
    """A super-journal record found at the end of a journal."""

    offset: int
    name: bytes
    checksum_ok: bool  # False: sqlite3 treats the journal as naming no super-journal


def read_super_journal(data) -> SuperJournalInfo | None:
    """Find the super-journal record at the end of ``data`` as pager.c ``readSuperJournal``."""
    size = len(data)
    if size < 16:
        return None
    length = _U32.unpack_from(data, size - 16)[0]
    if length == 0 or length > MAX_SUPER_JOURNAL_NAME or length > size - 16:
        return None
    if bytes(data[size - 8:]) != JOURNAL_MAGIC:
        return None
    name = bytes(data[size - 16 - length:size - 16])
    stored = _U32.unpack_from(data, size - 12)[0]
    return SuperJournalInfo(size - 20 - length, name, stored == super_journal_checksum(name))


@dataclass
class JournalSegment:
    """One segment header as playback met it."""

    offset: int
    record_count: int  # as stored
    records_to_read: int  # after the 0xFFFFFFFF rule
    checksum_nonce: int
    initial_db_size: int
    sector_size: int
    page_size: int


@dataclass(slots=True)
class JournalRecordInfo:
    """One page record as playback met it."""

    offset: int
    segment: int  # index into JournalScan.segments
    page_number: int
    checksum: int | None  # stored; None when not read (ends playback before)
    computed_checksum: int | None
    checksum_ok: bool | None  # None: not checked (page beyond the original size)
    restored: bool  # written back into the database by a rollback
    note: str | None = None


@dataclass
class JournalScan:
    """Result of :func:`scan_journal`: what a hot-journal rollback would do."""

    size: int
    # first byte non-zero: sqlite3's test of the journal itself (hasHotJournal); sqlite3 also
    # needs a non-empty database file and no other connection holding a RESERVED lock
    looks_hot: bool = False
    header_valid: bool = False  # the first header passes readJournalHdr
    page_size: int | None = None
    sector_size: int | None = None
    initial_db_size: int | None = None  # the database is truncated to this on rollback
    segments: list[JournalSegment] = field(default_factory=list)
    records: list[JournalRecordInfo] = field(default_factory=list)
    pages_restored: int = 0
    stop_offset: int = 0
    stop_reason: str = ""
    super_journal: SuperJournalInfo | None = None
    playback_skipped: bool = False  # a super-journal is named and does not exist
    notes: list[str] = field(default_factory=list)

    @property
    def hot_capable(self) -> bool:
        """Looks hot, has a valid first header and would restore at least one page."""
        return self.looks_hot and self.header_valid and self.pages_restored > 0

    def to_dict(self) -> dict:
        """A JSON-ready summary: plain ints, strings, booleans, lists and dicts."""
        out = {k: v for k, v in asdict(self).items() if k != "super_journal"}
        out["hot_capable"] = self.hot_capable
        sj = self.super_journal
        out["super_journal"] = None if sj is None else {
            "offset": sj.offset, "name": sj.name.decode("utf-8", "replace"),
            "checksum_ok": sj.checksum_ok}
        return out


def journal_page_images(data, scan: JournalScan) -> dict[int, bytes]:
    """The page images a rollback writes back, by page number (a later record wins, as the
    writes happen in journal order)."""
    images: dict[int, bytes] = {}
    for record in scan.records:
        if record.restored:
            start = record.offset + 4
            images[record.page_number] = bytes(data[start:start + scan.page_size])
    return images


def _stop(scan: JournalScan, offset: int, reason: str) -> JournalScan:
    scan.stop_offset = offset
    scan.stop_reason = reason
    return scan


def scan_journal(data, db_page_size: int | None = None, *,
                 vfs_sector_size: int = DEFAULT_VFS_SECTOR_SIZE,
                 super_journal_exists: bool | None = None) -> JournalScan:
    """Follow pager.c's hot-journal playback over ``data`` and report each step.

    ``db_page_size`` is used only where the journal's page size field is 0
    (old journals) and to note a mismatch. ``vfs_sector_size`` is the
    reader's sector size before the first header is read (512 for the unix
    VFS). ``super_journal_exists``: when the journal names a super-journal,
    sqlite3 plays the journal back only if that file exists and is not empty;
    pass False to model a missing file (None/True: assume it exists).
    """
    if not _power_of_two(vfs_sector_size, MIN_SECTOR_SIZE, MAX_SECTOR_SIZE):
        raise FormatError(f"VFS sector size {vfs_sector_size} is not a power of two 32..65536")
    data = memoryview(data).cast("B") if isinstance(data, memoryview) else data
    size = len(data)
    scan = JournalScan(size=size, looks_hot=size > 0 and data[0] != 0)
    scan.super_journal = read_super_journal(data)
    if scan.super_journal is not None and scan.super_journal.checksum_ok \
            and super_journal_exists is False:
        scan.playback_skipped = True
        return _stop(scan, 0, "names a super-journal that does not exist: nothing played back")

    sector = vfs_sector_size
    page_size = 0
    db_size = 0
    offset = 0  # pager.c journalOff
    while True:
        header_at = 0 if offset == 0 else -(-offset // sector) * sector
        if header_at + sector > size:
            return _stop(scan, header_at, f"no room for a {sector}-byte header at {header_at}: "
                                          "end of journal")
        fields = read_journal_header(data, header_at)
        if fields.magic != JOURNAL_MAGIC:
            why = "zero (segment never synced)" if fields.magic == bytes(8) else "wrong"
            return _stop(scan, header_at, f"magic of header at {header_at} is {why}: "
                                          "end of journal")
        if header_at == 0:
            stated = fields.page_size
            if stated == 0:
                if db_page_size is None:
                    return _stop(scan, 0, "page size 0 in the header and no database page size "
                                          "given")
                stated = db_page_size
            if not _power_of_two(stated, MIN_PAGE_SIZE, MAX_PAGE_SIZE) or not _power_of_two(
                    fields.sector_size, MIN_SECTOR_SIZE, MAX_SECTOR_SIZE):
                return _stop(scan, 0, f"invalid page size {fields.page_size} or sector size "
                                      f"{fields.sector_size} in the first header (never synced)")
            page_size, sector = stated, fields.sector_size
            scan.page_size, scan.sector_size = page_size, sector
            scan.initial_db_size = db_size = fields.initial_db_size
            scan.header_valid = True
            if db_page_size is not None and db_page_size != page_size:
                scan.notes.append(f"journal page size {page_size} differs from the database's "
                                  f"{db_page_size}; playback uses the journal's")
        offset = header_at + sector
        record_size = page_size + 8
        count = fields.record_count
        if count == NREC_FROM_FILE_SIZE:
            count = max(0, (size - sector) // record_size)
        segment_index = len(scan.segments)
        scan.segments.append(JournalSegment(
            header_at, fields.record_count, count, fields.checksum_nonce,
            fields.initial_db_size, fields.sector_size, fields.page_size))
        marker = lock_byte_page(page_size)
        for _ in range(count):
            at = offset
            if at + 4 + page_size > size:
                return _stop(scan, at, f"record at {at} cut short by the end of the file")
            page_number = _U32.unpack_from(data, at)[0]
            offset = at + record_size
            if page_number == 0 or page_number == marker:
                what = "0" if page_number == 0 else f"{marker} (super-journal marker)"
                scan.records.append(JournalRecordInfo(at, segment_index, page_number, None, None,
                                                      None, False, f"page number {what}"))
                return _stop(scan, at, f"record at {at} has page number {what}: end of playback")
            if page_number > db_size:
                scan.records.append(JournalRecordInfo(
                    at, segment_index, page_number, None, None, None, False,
                    f"page beyond the original database size {db_size}: skipped"))
                continue
            if at + record_size > size:
                return _stop(scan, at, f"checksum of record at {at} cut short by the end of the "
                                       "file")
            stored = _U32.unpack_from(data, at + 4 + page_size)[0]
            computed = journal_checksum(fields.checksum_nonce, data[at + 4:at + 4 + page_size])
            if stored != computed:
                scan.records.append(JournalRecordInfo(at, segment_index, page_number, stored,
                                                      computed, False, False, "checksum mismatch"))
                return _stop(scan, at, f"record at {at} (page {page_number}): checksum mismatch, "
                                       "end of playback")
            scan.records.append(JournalRecordInfo(at, segment_index, page_number, stored,
                                                  computed, True, True))
            scan.pages_restored += 1
