"""The write-ahead log, the ``-wal`` file (fileformat2 "The WAL File Format", walformat, wal.c).

A WAL file is a 32-byte header followed by zero or more frames; each frame
is a 24-byte frame header followed by one page image. Every integer is
big-endian, whatever the checksum byte order.

WAL header, in our own words:

======  ====  ===================  ================================================
offset  size  field                meaning
======  ====  ===================  ================================================
0       4     magic                0x377f0682 or 0x377f0683; the low bit set means
                                   checksums read the data as big-endian 32-bit
                                   words, clear means little-endian words
4       4     file_format          3007000, the only version there is; sqlite3
                                   refuses to open a WAL with another value
8       4     page_size            database page size, a power of two 512..65536
                                   (stored as is: 65536 is 65536 here)
12      4     checkpoint_sequence  incremented by each checkpoint that restarts
                                   the log
16      4     salt_1               incremented by each restart
20      4     salt_2               a fresh random number at each restart
24      4     checksum_1           checksum of bytes 0..23 of this header
28      4     checksum_2
======  ====  ===================  ================================================

Frame header:

======  ====  ===========  ================================================
offset  size  field        meaning
======  ====  ===========  ================================================
0       4     page_number  the database page this frame holds (never 0)
4       4     commit_size  for the last frame of a transaction (a *commit
                           frame*), the database size in pages after the
                           commit; 0 for every other frame
8       4     salt_1       copies of the header's salts; a frame whose salts
12      4     salt_2       differ belongs to an older generation of the log
16      4     checksum_1   cumulative checksum, see below
20      4     checksum_2
======  ====  ===========  ================================================

Checksum (:func:`wal_checksum`): the data is read as 32-bit words (big- or
little-endian as the magic says), taken two at a time ``(x0, x1)``, and two
32-bit sums are carried along: ``s1 += x0 + s2``, ``s2 += x1 + s1`` (mod
2**32). Unrolled, each word is weighted by a Fibonacci number, which is why
the sum notices reordered data. The header's checksum starts from ``(0, 0)``
over its first 24 bytes. Each frame's checksum continues from the previous
frame's (the first frame from the header's) over the first 8 bytes of the
frame header and then the page data.

Recovery (wal.c ``walIndexRecover``), which :func:`scan_wal` reproduces: the
header must have a known magic, a valid page size and a correct checksum,
else the whole log is ignored (a wrong ``file_format`` makes sqlite3 refuse
to open the database). Frames are then read in order; the first frame whose
salts differ from the header's, whose page number is 0, or whose checksum
does not match ends the log. Of the frames before that end, only those up to
and including the last commit frame are used by readers; the others belong
to a transaction that never committed.

Fast twins: :func:`read_wal_header` and :func:`read_wal_frame_header` (one
``struct`` call each) beside :data:`WalHeader` and :data:`WalFrameHeader`.
Builders: :func:`build_wal_header`, :func:`build_wal_frame`, :func:`build_wal`.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import construct as cs

from ._spec import Spec
from .derived import MAX_PAGE_SIZE, MIN_PAGE_SIZE
from .errors import FormatError

WAL_MAGIC_LE = 0x377F0682
WAL_MAGIC_BE = 0x377F0683
WAL_MAGICS = (WAL_MAGIC_LE, WAL_MAGIC_BE)
WAL_FORMAT_VERSION = 3007000
WAL_HEADER_SIZE = 32
WAL_FRAME_HEADER_SIZE = 24
_MASK = 0xFFFFFFFF


def _valid_page_size(size) -> bool:
    return isinstance(size, int) and MIN_PAGE_SIZE <= size <= MAX_PAGE_SIZE and not size & (size - 1)


class _WalPageSize(cs.Adapter):
    def _decode(self, obj, context, path):
        if not _valid_page_size(obj):
            raise FormatError(f"WAL page size {obj} is not a power of two 512..65536",
                              offset=8, path="page_size")
        return obj

    def _encode(self, obj, context, path):
        return self._decode(obj, context, path)


_wal_header_con = cs.Struct(
    "magic" / cs.OneOf(cs.Int32ub, WAL_MAGICS),
    "file_format" / cs.OneOf(cs.Int32ub, (WAL_FORMAT_VERSION,)),
    "page_size" / _WalPageSize(cs.Int32ub),
    "checkpoint_sequence" / cs.Int32ub,
    "salt_1" / cs.Int32ub,
    "salt_2" / cs.Int32ub,
    "checksum_1" / cs.Int32ub,
    "checksum_2" / cs.Int32ub,
)

WalHeader = Spec("WAL header", _wal_header_con, __doc__)

_wal_frame_header_con = cs.Struct(
    "page_number" / cs.Int32ub,
    "commit_size" / cs.Int32ub,
    "salt_1" / cs.Int32ub,
    "salt_2" / cs.Int32ub,
    "checksum_1" / cs.Int32ub,
    "checksum_2" / cs.Int32ub,
)

WalFrameHeader = Spec("WAL frame header", _wal_frame_header_con, __doc__)

_HEADER = struct.Struct(">8I")
_FRAME_HEADER = struct.Struct(">6I")
_PAIR = struct.Struct(">II")


class WalHeaderFields(NamedTuple):
    magic: int
    file_format: int
    page_size: int
    checkpoint_sequence: int
    salt_1: int
    salt_2: int
    checksum_1: int
    checksum_2: int

    @property
    def big_endian_checksum(self) -> bool:
        return bool(self.magic & 1)


class WalFrameHeaderFields(NamedTuple):
    page_number: int
    commit_size: int
    salt_1: int
    salt_2: int
    checksum_1: int
    checksum_2: int


def read_wal_header(buf, *, validate: bool = True) -> WalHeaderFields:
    """Fast twin of :data:`WalHeader`; ``validate=False`` decodes without judging."""
    if len(buf) < WAL_HEADER_SIZE:
        raise FormatError(f"WAL header needs {WAL_HEADER_SIZE} bytes, got {len(buf)}",
                          offset=len(buf))
    fields = WalHeaderFields._make(_HEADER.unpack_from(buf, 0))
    if validate:
        if fields.magic not in WAL_MAGICS:
            raise FormatError(f"bad WAL magic {fields.magic:#010x}", offset=0, path="magic")
        if fields.file_format != WAL_FORMAT_VERSION:
            raise FormatError(f"unknown WAL format {fields.file_format}", offset=4,
                              path="file_format")
        if not _valid_page_size(fields.page_size):
            raise FormatError(f"WAL page size {fields.page_size} is not a power of two "
                              "512..65536", offset=8, path="page_size")
    return fields


def read_wal_frame_header(buf, offset: int = 0) -> WalFrameHeaderFields:
    """Fast twin of :data:`WalFrameHeader`: decode 24 bytes at ``offset``."""
    if offset < 0 or len(buf) - offset < WAL_FRAME_HEADER_SIZE:
        raise FormatError(f"WAL frame header needs {WAL_FRAME_HEADER_SIZE} bytes",
                          offset=offset)
    return WalFrameHeaderFields._make(_FRAME_HEADER.unpack_from(buf, offset))


# --- checksum ---------------------------------------------------------------------------

_WORD_STRUCTS: dict[tuple[int, bool], struct.Struct] = {}


def _words(data, big_endian: bool) -> tuple:
    count = len(data) // 4
    key = (count, big_endian)
    st = _WORD_STRUCTS.get(key)
    if st is None:
        st = struct.Struct(f"{'>' if big_endian else '<'}{count}I")
        if len(_WORD_STRUCTS) < 64:
            _WORD_STRUCTS[key] = st
    return st.unpack_from(data, 0)


def wal_checksum(data, s1: int = 0, s2: int = 0, *, big_endian: bool) -> tuple[int, int]:
    """Continue the WAL checksum ``(s1, s2)`` over ``data`` (a multiple of 8 bytes).

    All words are decoded with one ``struct`` call; the loop then handles 16
    words per iteration and reduces mod 2**32 once per iteration (the sums
    stay well below 2**60 in between, so nothing is lost).
    """
    if len(data) % 8:
        raise FormatError(f"WAL checksum needs a multiple of 8 bytes, got {len(data)}")
    words = _words(data, big_endian)
    s1 &= _MASK
    s2 &= _MASK
    cut = len(words) - len(words) % 16
    it = iter(words[:cut] if cut != len(words) else words)
    for a, b, c, d, e, f, g, h, i, j, k, l_, m, n, o, p in zip(*([it] * 16)):
        s1 += a + s2
        s2 += b + s1
        s1 += c + s2
        s2 += d + s1
        s1 += e + s2
        s2 += f + s1
        s1 += g + s2
        s2 += h + s1
        s1 += i + s2
        s2 += j + s1
        s1 += k + s2
        s2 += l_ + s1
        s1 += m + s2
        s2 += n + s1
        s1 = (s1 + o + s2) & _MASK
        s2 = (s2 + p + s1) & _MASK
    for index in range(cut, len(words), 2):
        s1 = (s1 + words[index] + s2) & _MASK
        s2 = (s2 + words[index + 1] + s1) & _MASK
    return s1, s2


def wal_header_checksum(header) -> tuple[int, int]:
    """The checksum a WAL header should carry: over its first 24 bytes, from (0, 0)."""
    if len(header) < 24:
        raise FormatError(f"WAL header needs {WAL_HEADER_SIZE} bytes, got {len(header)}")
    magic = _PAIR.unpack_from(header, 0)[0]
    return wal_checksum(bytes(header[:24]), big_endian=bool(magic & 1))


def wal_frame_checksum(frame_header, page_data, s1: int, s2: int, *,
                       big_endian: bool) -> tuple[int, int]:
    """Continue the chain ``(s1, s2)`` over one frame: header bytes 0..7, then the page."""
    s1, s2 = wal_checksum(bytes(frame_header[:8]), s1, s2, big_endian=big_endian)
    return wal_checksum(page_data, s1, s2, big_endian=big_endian)


def wal_frame_offset(index: int, page_size: int) -> int:
    """File offset of frame ``index`` (1-based, as in wal.c) for a page size."""
    return WAL_HEADER_SIZE + (index - 1) * (page_size + WAL_FRAME_HEADER_SIZE)


# --- builders ---------------------------------------------------------------------------


def build_wal_header(*, page_size: int, checkpoint_sequence: int = 0, salt_1: int = 0,
                     salt_2: int = 0, big_endian: bool = False) -> bytes:
    """A WAL header with its checksum computed."""
    if not _valid_page_size(page_size):
        raise FormatError(f"WAL page size {page_size} is not a power of two 512..65536")
    for name, value in (("checkpoint_sequence", checkpoint_sequence), ("salt_1", salt_1),
                        ("salt_2", salt_2)):
        if not 0 <= value <= _MASK:
            raise FormatError(f"{name} {value} does not fit in 32 bits")
    magic = WAL_MAGIC_BE if big_endian else WAL_MAGIC_LE
    head = struct.pack(">6I", magic, WAL_FORMAT_VERSION, page_size, checkpoint_sequence,
                       salt_1, salt_2)
    return head + _PAIR.pack(*wal_checksum(head, big_endian=big_endian))


def build_wal_frame(page_number: int, commit_size: int, page_data, *, salt_1: int, salt_2: int,
                    checksum: tuple[int, int], big_endian: bool) -> tuple[bytes, tuple[int, int]]:
    """One frame continuing the chain ``checksum``; returns ``(frame bytes, new checksum)``."""
    if not 0 < page_number <= _MASK or not 0 <= commit_size <= _MASK:
        raise FormatError(f"bad frame page number {page_number} or commit size {commit_size}")
    if not _valid_page_size(len(page_data)):
        raise FormatError(f"page image of {len(page_data)} bytes is not a valid page size")
    first = _PAIR.pack(page_number, commit_size)
    new = wal_frame_checksum(first, page_data, *checksum, big_endian=big_endian)
    head = first + struct.pack(">4I", salt_1, salt_2, *new)
    return head + bytes(page_data), new


def build_wal(frames: Iterable[tuple[int, bytes, int]], *, page_size: int, salt_1: int,
              salt_2: int, checkpoint_sequence: int = 0, big_endian: bool = False) -> bytes:
    """A whole WAL file from ``(page_number, page_data, commit_size)`` triples."""
    header = build_wal_header(page_size=page_size, checkpoint_sequence=checkpoint_sequence,
                              salt_1=salt_1, salt_2=salt_2, big_endian=big_endian)
    out = [header]
    checksum = _PAIR.unpack_from(header, 24)
    for page_number, data, commit_size in frames:
        if len(data) != page_size:
            raise FormatError(f"frame for page {page_number} has {len(data)} bytes, "
                              f"page size is {page_size}")
        frame, checksum = build_wal_frame(page_number, commit_size, data, salt_1=salt_1,
                                          salt_2=salt_2, checksum=checksum,
                                          big_endian=big_endian)
        out.append(frame)
    return b"".join(out)


# --- recovery scan ----------------------------------------------------------------------

REASON_UNCOMMITTED = "valid, but after the last commit frame (transaction never committed)"
REASON_SALT = "salt mismatch: frame belongs to an older generation of the log"
REASON_PAGE_ZERO = "page number 0"
REASON_CHECKSUM = "checksum mismatch"
REASON_AFTER_END = "after the end of the log"
REASON_HEADER = "WAL header invalid: whole log ignored"


@dataclass(slots=True)
class WalFrameInfo:
    """What recovery concluded about one frame (``index`` is 1-based, as in wal.c)."""

    index: int
    offset: int
    page_number: int
    commit_size: int
    salt_1: int
    salt_2: int
    checksum_1: int
    checksum_2: int
    salt_ok: bool
    checksum_ok: bool | None  # None: not evaluated (the chain had already ended)
    committed: bool = False
    reason: str | None = None  # why the frame is not used; None for used frames


@dataclass
class WalScan:
    """Result of :func:`scan_wal`: what sqlite3's recovery makes of a WAL file."""

    size: int  # bytes in the file; -1 when a reader without size met an invalid page size
    header: WalHeaderFields | None = None
    header_valid: bool = False
    header_problem: str | None = None
    header_checksum: tuple[int, int] | None = None  # recomputed over bytes 0..23
    refused: bool = False  # sqlite3 would refuse to open (unknown file_format)
    frames: list[WalFrameInfo] = field(default_factory=list)
    valid_frames: int = 0  # frames that passed every check (committed or not)
    mx_frame: int = 0  # last valid commit frame: what the wal-index mxFrame becomes
    n_page: int = 0  # database size in pages after that commit (0: use the db file)
    commit_checksum: tuple[int, int] = (0, 0)  # running checksum after frame mx_frame
    end_frame: int | None = None  # first frame that failed a check
    end_reason: str = ""
    trailing_bytes: int = 0  # bytes after the last complete frame

    @property
    def big_endian_checksum(self) -> bool | None:
        return None if self.header is None else self.header.big_endian_checksum

    @property
    def page_size(self) -> int | None:
        return self.header.page_size if self.header_valid else None

    def committed_frames(self) -> list[WalFrameInfo]:
        return [f for f in self.frames if f.committed]

    def to_dict(self) -> dict:
        """A JSON-ready summary: plain ints, strings, booleans, lists and dicts."""
        out = {k: v for k, v in asdict(self).items() if k not in ("header", "frames")}
        out["header"] = None if self.header is None else {
            **self.header._asdict(), "big_endian_checksum": self.header.big_endian_checksum}
        out["header_checksum"] = list(self.header_checksum) if self.header_checksum else None
        out["commit_checksum"] = list(self.commit_checksum)
        out["frames"] = [asdict(f) for f in self.frames]
        return out

    def page_index(self) -> dict[int, int]:
        """For each page in the committed log, the index of its newest committed frame."""
        out: dict[int, int] = {}
        for frame in self.frames:
            if frame.committed:
                out[frame.page_number] = frame.index
        return out


def _make_reader(source, size):
    """(read(offset, n) -> bytes, size or None, close) for bytes, files, paths, callables."""
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source).cast("B") if isinstance(source, memoryview) else source
        return (lambda off, n: bytes(view[off:off + n])), len(view), None
    if isinstance(source, str | os.PathLike):
        handle = open(source, "rb")  # closed by scan_wal
        return _file_reader(handle), os.fstat(handle.fileno()).st_size, handle.close
    if hasattr(source, "read") and hasattr(source, "seek"):
        if size is None:
            here = source.tell()
            size = source.seek(0, os.SEEK_END)
            source.seek(here)
        return _file_reader(source), size, None
    if callable(source):
        return source, size, None
    raise TypeError(f"scan_wal: cannot read from {type(source).__name__}")


def _file_reader(handle) -> Callable[[int, int], bytes]:
    def read(offset: int, count: int) -> bytes:
        handle.seek(offset)
        return handle.read(count)

    return read


def scan_wal(source, *, size: int | None = None) -> WalScan:
    """Follow wal.c's recovery over a WAL file and report on every frame.

    ``source`` is the file content (bytes-like), a binary file object, a path,
    or a function ``read(offset, count) -> bytes`` (then ``size`` may be
    given; without it the end is found by short reads). Only one frame is in
    memory at a time, so large files are fine.
    """
    read, size, close = _make_reader(source, size)
    try:
        return _scan(read, size)
    finally:
        if close is not None:
            close()


def _scan(read, size: int | None) -> WalScan:
    head = bytes(read(0, WAL_HEADER_SIZE))
    scan = WalScan(size=size if size is not None else -1)
    if len(head) < WAL_HEADER_SIZE:
        scan.end_reason = "file shorter than the 32-byte WAL header: no log"
        scan.trailing_bytes = len(head)
        if size is None:
            scan.size = len(head)
        return scan
    hdr = read_wal_header(head, validate=False)
    scan.header = hdr
    big_endian = bool(hdr.magic & 1)
    scan.header_checksum = wal_checksum(head[:24], big_endian=big_endian)
    page_size_ok = _valid_page_size(hdr.page_size)
    if hdr.magic not in WAL_MAGICS:
        scan.header_problem = f"bad magic {hdr.magic:#010x}"
    elif not page_size_ok:
        scan.header_problem = f"bad page size {hdr.page_size}"
    elif scan.header_checksum != (hdr.checksum_1, hdr.checksum_2):
        scan.header_problem = "header checksum mismatch"
    elif hdr.file_format != WAL_FORMAT_VERSION:
        scan.header_problem = f"unknown file format {hdr.file_format}: sqlite3 refuses to open"
        scan.refused = True
    scan.header_valid = scan.header_problem is None
    if not page_size_ok:
        scan.end_reason = f"WAL header invalid ({scan.header_problem}): no log"
        scan.trailing_bytes = (size - WAL_HEADER_SIZE) if size is not None else 0
        if size is None:
            scan.size = -1
        return scan

    salts = head[16:24]
    frame_size = hdr.page_size + WAL_FRAME_HEADER_SIZE
    ended = not scan.header_valid
    chain = scan.header_checksum
    offset = WAL_HEADER_SIZE
    index = 0
    while True:
        if size is not None and offset + frame_size > size:
            scan.trailing_bytes = max(0, size - offset)
            break
        if ended:
            fh = bytes(read(offset, WAL_FRAME_HEADER_SIZE))
            complete = len(fh) == WAL_FRAME_HEADER_SIZE and (
                size is not None or len(read(offset + frame_size - 1, 1)) == 1)
            page = None
        else:
            buf = read(offset, frame_size)
            complete = len(buf) == frame_size
            fh, page = buf[:WAL_FRAME_HEADER_SIZE], buf[WAL_FRAME_HEADER_SIZE:]
        if not complete:
            # without a known size this is a lower bound when only the header was read
            scan.trailing_bytes = len(fh) + (len(page) if page is not None else 0)
            break
        index += 1
        fields = _FRAME_HEADER.unpack_from(fh, 0)
        salt_ok = fh[8:16] == salts
        info = WalFrameInfo(index, offset, *fields, salt_ok=salt_ok, checksum_ok=None)
        if ended:
            info.reason = REASON_HEADER if not scan.header_valid else REASON_AFTER_END
        else:
            new = wal_frame_checksum(fh, page, *chain, big_endian=big_endian)
            info.checksum_ok = new == (fields[4], fields[5])
            if not salt_ok:
                info.reason = REASON_SALT
            elif fields[0] == 0:
                info.reason = REASON_PAGE_ZERO
            elif not info.checksum_ok:
                info.reason = REASON_CHECKSUM
            if info.reason is not None:
                ended = True
                scan.end_frame = index
                scan.end_reason = f"frame {index}: {info.reason}"
            else:
                chain = new
                scan.valid_frames = index
                if fields[1]:
                    scan.mx_frame = index
                    scan.n_page = fields[1]
                    scan.commit_checksum = new
        scan.frames.append(info)
        offset += frame_size
    if size is None:
        scan.size = offset + scan.trailing_bytes
    if not scan.header_valid:
        scan.end_reason = f"WAL header invalid ({scan.header_problem}): whole log ignored"
    elif scan.end_frame is None:
        scan.end_reason = "end of file"
    for info in scan.frames:
        if info.index <= scan.mx_frame:
            info.committed = True
        elif info.reason is None:
            info.reason = REASON_UNCOMMITTED
    return scan
