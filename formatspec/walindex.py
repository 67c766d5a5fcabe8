"""The WAL-index, the ``-shm`` file (walformat "The WAL-Index Format", wal.c).

The ``-shm`` file is shared memory for the connections that use one WAL. It
is never needed for recovery (it is rebuilt from the WAL), so its integers
are in the *native* byte order of the host that wrote it, not big-endian.
This module uses the byte order of the host it runs on (``sys.byteorder``,
little-endian here) -- the only order a ``-shm`` found next to a database on
this machine can have -- except for the salts, which wal.c copies byte for
byte out of the big-endian WAL header and which are therefore read here as
big-endian so that they compare equal to the WAL header's ``salt_1``/``salt_2``.

The file is a sequence of 32 KiB blocks. Block 0 begins with a 136-byte
header region:

======  ====  ==========================================================
offset  size  content
======  ====  ==========================================================
0       48    WAL-index header, first copy (:data:`WalIndexHeader`)
48      48    WAL-index header, second copy (written first; a reader
              trusts the header only when both copies agree and the
              checksum matches)
96      40    checkpoint information (:data:`WalCkptInfo`)
======  ====  ==========================================================

WAL-index header (``WalIndexHdr``):

======  ====  ============  ==============================================================
offset  size  field         meaning
======  ====  ============  ==============================================================
0       4     iVersion      3007000
4       4     unused        padding
8       4     iChange       counter bumped by every transaction
12      1     isInit        1 once the header has been written
13      1     bigEndCksum   1 when the WAL's checksums use big-endian words
14      2     szPage        page size, with 65536 stored as 1 (``(size & 0xff00) |
                            (size >> 16)``); decoded here to the real size
16      4     mxFrame       index of the last valid commit frame in the WAL
20      4     nPage         database size in pages after that commit
24      8     aFrameCksum   running WAL checksum after frame mxFrame (2 words)
32      8     aSalt         salt_1, salt_2 of the WAL header (copied bytes)
40      8     aCksum        checksum of bytes 0..39, see :func:`walindex_header_checksum`
======  ====  ============  ==============================================================

Checkpoint information (``WalCkptInfo``):

======  ====  ==================  ======================================================
offset  size  field               meaning
======  ====  ==================  ======================================================
0       4     nBackfill           WAL frames already copied back into the database
4       20    aReadMark           five reader marks (0xffffffff: slot not in use)
24      8     aLock               bytes used only for their file locks (offset 120 of
                                  the file)
32      4     nBackfillAttempted  frames a checkpoint may have started to copy
36      4     notUsed0            reserved
======  ====  ==================  ======================================================

After the header region, each 32 KiB block holds an array of 4096 32-bit
page numbers (the page number of each WAL frame the block covers, in frame
order) followed by a hash table of 8192 16-bit slots. Block 0's array is
shortened by the 136-byte header to 4062 entries, so block 0 covers frames
1..4062, block ``k`` frames ``4062 + 4096*(k-1) + 1`` .. ``4062 + 4096*k``. A
hash slot holds a 1-based index into its block's array (0 = empty); page P
hashes to slot ``(P * 383) & 8191``, collisions step to the next slot.

Schemas: :data:`WalIndexHeader`, :data:`WalCkptInfo`, :data:`WalIndexFile`
(the 136-byte region); fast twin :func:`read_walindex_header`. Readers of the
arrays and tables: :func:`walindex_frame_pages`, :func:`walindex_lookup`.
Builders: :func:`build_walindex_header`, :func:`build_walindex_ckpt_info`,
:func:`build_walindex_blocks`, :func:`build_walindex` (the image they make
from a WAL equals, byte for byte, the one sqlite3's recovery writes).
"""

from __future__ import annotations

import struct
import sys
from typing import NamedTuple

import construct as cs

from ._spec import Spec
from .errors import FormatError
from .wal import wal_checksum

NATIVE_BIG_ENDIAN = sys.byteorder == "big"
_E = ">" if NATIVE_BIG_ENDIAN else "<"

WALINDEX_VERSION = 3007000
WALINDEX_HEADER_SIZE = 48
WAL_CKPT_INFO_SIZE = 40
WALINDEX_HDR_SIZE = 2 * WALINDEX_HEADER_SIZE + WAL_CKPT_INFO_SIZE  # 136
WALINDEX_LOCK_OFFSET = 2 * WALINDEX_HEADER_SIZE + 24  # 120
WAL_NREADER = 5
READMARK_NOT_USED = 0xFFFFFFFF
HASHTABLE_NPAGE = 4096
HASHTABLE_NSLOT = 2 * HASHTABLE_NPAGE
HASHTABLE_HASH_1 = 383
HASHTABLE_NPAGE_ONE = HASHTABLE_NPAGE - WALINDEX_HDR_SIZE // 4  # 4062
WALINDEX_PGSZ = HASHTABLE_NPAGE * 4 + HASHTABLE_NSLOT * 2  # 32768

_U32 = cs.Int32ub if NATIVE_BIG_ENDIAN else cs.Int32ul
_U16 = cs.Int16ub if NATIVE_BIG_ENDIAN else cs.Int16ul


def decode_walindex_page_size(raw: int) -> int:
    """``szPage`` as stored (65536 is 1) to the real page size."""
    return 65536 if raw == 1 else raw


def encode_walindex_page_size(size: int) -> int:
    """The real page size to ``szPage`` as wal.c stores it."""
    if not 0 <= size <= 65536:
        raise FormatError(f"page size {size} out of range")
    return ((size & 0xFF00) | (size >> 16)) & 0xFFFF


class _SzPage(cs.Adapter):
    def _decode(self, obj, context, path):
        return decode_walindex_page_size(obj)

    def _encode(self, obj, context, path):
        # every raw value but 1 stands for itself; 1 stands for 65536
        if obj == 65536:
            return 1
        if obj == 1 or not 0 <= obj <= 0xFFFF:
            raise FormatError(f"szPage {obj} cannot be stored", path="szPage")
        return obj


_header_con = cs.Struct(
    "iVersion" / _U32,
    "unused" / _U32,
    "iChange" / _U32,
    "isInit" / cs.Int8ub,
    "bigEndCksum" / cs.Int8ub,
    "szPage" / _SzPage(_U16),
    "mxFrame" / _U32,
    "nPage" / _U32,
    "aFrameCksum" / cs.Array(2, _U32),
    "aSalt" / cs.Array(2, cs.Int32ub),
    "aCksum" / cs.Array(2, _U32),
)

WalIndexHeader = Spec("WAL-index header", _header_con, __doc__)

_ckpt_con = cs.Struct(
    "nBackfill" / _U32,
    "aReadMark" / cs.Array(WAL_NREADER, _U32),
    "aLock" / cs.Bytes(8),
    "nBackfillAttempted" / _U32,
    "notUsed0" / _U32,
)

WalCkptInfo = Spec("WAL-index checkpoint info", _ckpt_con, __doc__)

_file_con = cs.Struct(
    "header" / _header_con,
    "header_copy" / _header_con,
    "ckpt_info" / _ckpt_con,
)

WalIndexFile = Spec("WAL-index header region", _file_con, __doc__)

class WalIndexHeaderFields(NamedTuple):
    iVersion: int
    unused: int
    iChange: int
    isInit: int
    bigEndCksum: int
    szPage: int
    mxFrame: int
    nPage: int
    aFrameCksum: tuple[int, int]
    aSalt: tuple[int, int]
    aCksum: tuple[int, int]


_HDR_A = struct.Struct(_E + "3I2BH2I2I")  # through aFrameCksum: 32 bytes
_SALT = struct.Struct(">2I")
_CKSUM = struct.Struct(_E + "2I")


def read_walindex_header(buf, offset: int = 0) -> WalIndexHeaderFields:
    """Fast twin of :data:`WalIndexHeader`: decode 48 bytes at ``offset``."""
    if offset < 0 or len(buf) - offset < WALINDEX_HEADER_SIZE:
        raise FormatError(f"WAL-index header needs {WALINDEX_HEADER_SIZE} bytes", offset=offset)
    a = _HDR_A.unpack_from(buf, offset)
    return WalIndexHeaderFields(
        a[0], a[1], a[2], a[3], a[4], decode_walindex_page_size(a[5]), a[6], a[7],
        (a[8], a[9]), _SALT.unpack_from(buf, offset + 32), _CKSUM.unpack_from(buf, offset + 40),
    )


def walindex_header_checksum(header) -> tuple[int, int]:
    """What ``aCksum`` should be: wal.c's checksum of bytes 0..39, native words, from (0, 0)."""
    if len(header) < 40:
        raise FormatError(f"WAL-index header needs {WALINDEX_HEADER_SIZE} bytes, got {len(header)}")
    return wal_checksum(bytes(header[:40]), big_endian=NATIVE_BIG_ENDIAN)


def walindex_header_ok(shm) -> bool:
    """True when both header copies agree, ``isInit`` is set and the checksum matches.

    These are the conditions under which a reader (wal.c ``walIndexTryHdr``)
    trusts the header instead of running recovery.
    """
    if len(shm) < 2 * WALINDEX_HEADER_SIZE:
        return False
    first = bytes(shm[:WALINDEX_HEADER_SIZE])
    if first != bytes(shm[WALINDEX_HEADER_SIZE:2 * WALINDEX_HEADER_SIZE]) or first[12] == 0:
        return False
    return walindex_header_checksum(first) == _CKSUM.unpack_from(first, 40)


def walindex_block_of_frame(frame: int) -> int:
    """Which 32 KiB block of the ``-shm`` holds frame ``frame`` (1-based)."""
    if frame < 1:
        raise FormatError(f"WAL frame index {frame} must be at least 1")
    return (frame + HASHTABLE_NPAGE - HASHTABLE_NPAGE_ONE - 1) // HASHTABLE_NPAGE


def walindex_frame_slot_offset(frame: int) -> int:
    """Byte offset in the ``-shm`` of the page-number entry for frame ``frame``."""
    block = walindex_block_of_frame(frame)
    if block == 0:
        return WALINDEX_HDR_SIZE + 4 * (frame - 1)
    return block * WALINDEX_PGSZ + 4 * ((frame - 1 - HASHTABLE_NPAGE_ONE) % HASHTABLE_NPAGE)


def walindex_frame_pages(shm, frame_count: int) -> list[int]:
    """Page numbers the ``-shm`` records for frames ``1..frame_count``."""
    out = []
    for frame in range(1, frame_count + 1):
        offset = walindex_frame_slot_offset(frame)
        if offset + 4 > len(shm):
            raise FormatError(f"-shm of {len(shm)} bytes has no entry for frame {frame}",
                              offset=offset)
        out.append(struct.unpack_from(_E + "I", shm, offset)[0])
    return out


def walindex_hash_slot(page_number: int) -> int:
    """First hash slot probed for a database page number."""
    return (page_number * HASHTABLE_HASH_1) & (HASHTABLE_NSLOT - 1)


def walindex_lookup(shm, page_number: int, mx_frame: int, min_frame: int = 1) -> int:
    """The newest frame ``<= mx_frame`` holding ``page_number``, via the hash tables; 0 if none.

    Mirrors wal.c ``walFindFrame``: blocks are searched from the newest down,
    each hash chain ends at an empty slot, and a chain longer than the table
    is corruption.
    """
    if mx_frame < 1:
        return 0
    for block in range(walindex_block_of_frame(mx_frame), -1, -1):
        base = block * WALINDEX_PGSZ
        zero = 0 if block == 0 else HASHTABLE_NPAGE_ONE + (block - 1) * HASHTABLE_NPAGE
        if base + WALINDEX_PGSZ > len(shm):
            raise FormatError(f"-shm of {len(shm)} bytes lacks block {block}", offset=base)
        hash_base = base + HASHTABLE_NPAGE * 4
        slot = walindex_hash_slot(page_number)
        best = 0
        for _ in range(HASHTABLE_NSLOT):
            idx = struct.unpack_from(_E + "H", shm, hash_base + 2 * slot)[0]
            if idx == 0:
                break
            frame = zero + idx
            if min_frame <= frame <= mx_frame and frame > best:
                offset = walindex_frame_slot_offset(frame)
                if struct.unpack_from(_E + "I", shm, offset)[0] == page_number:
                    best = frame
            slot = (slot + 1) & (HASHTABLE_NSLOT - 1)
        else:
            raise FormatError(f"-shm hash table of block {block} has no empty slot",
                              offset=hash_base)
        if best:
            return best
        if zero < min_frame:
            break
    return 0


# --- builders ----------------------------------------------------------------------------


def build_walindex_header(*, mx_frame: int, n_page: int, page_size: int, salt_1: int,
                          salt_2: int, frame_checksum: tuple[int, int],
                          big_endian_checksum: bool, change: int = 0) -> bytes:
    """One 48-byte WAL-index header with ``isInit`` set and its checksum computed."""
    head = _HDR_A.pack(WALINDEX_VERSION, 0, change, 1, int(big_endian_checksum),
                       encode_walindex_page_size(page_size), mx_frame, n_page,
                       *frame_checksum) + _SALT.pack(salt_1, salt_2)
    return head + _CKSUM.pack(*walindex_header_checksum(head))


def build_walindex_ckpt_info(*, mx_frame: int, backfill: int = 0) -> bytes:
    """Checkpoint information as recovery leaves it (wal.c ``walIndexRecover``): nothing
    backfilled, reader mark 0 at 0, reader mark 1 at ``mx_frame`` (unused when 0)."""
    marks = [0, mx_frame if mx_frame else READMARK_NOT_USED] + [READMARK_NOT_USED] * 3
    return WalCkptInfo.build(dict(nBackfill=backfill, aReadMark=marks, aLock=bytes(8),
                                  nBackfillAttempted=mx_frame, notUsed0=0))


def build_walindex_blocks(page_numbers) -> bytearray:
    """The page-number arrays and hash tables for frames ``1..len(page_numbers)``.

    Returns whole 32 KiB blocks (at least one) with the 136-byte header region
    left zero. Slots are filled the way wal.c ``walIndexAppend`` fills them:
    frames in order, each at its page's hash slot or the next free one.
    """
    page_numbers = list(page_numbers)
    blocks = walindex_block_of_frame(len(page_numbers)) + 1 if page_numbers else 1
    out = bytearray(blocks * WALINDEX_PGSZ)
    u32, u16 = struct.Struct(_E + "I"), struct.Struct(_E + "H")
    for frame, page in enumerate(page_numbers, start=1):
        if not 0 < page <= 0xFFFFFFFF:
            raise FormatError(f"frame {frame}: page number {page} cannot be indexed")
        block = walindex_block_of_frame(frame)
        zero = 0 if block == 0 else HASHTABLE_NPAGE_ONE + (block - 1) * HASHTABLE_NPAGE
        u32.pack_into(out, walindex_frame_slot_offset(frame), page)
        hash_base = block * WALINDEX_PGSZ + HASHTABLE_NPAGE * 4
        slot = walindex_hash_slot(page)
        while u16.unpack_from(out, hash_base + 2 * slot)[0]:
            slot = (slot + 1) & (HASHTABLE_NSLOT - 1)
        u16.pack_into(out, hash_base + 2 * slot, frame - zero)
    return out


def build_walindex(page_numbers, header: bytes, ckpt_info: bytes) -> bytes:
    """A whole ``-shm`` image: both header copies, checkpoint info, and the hash blocks."""
    if len(header) != WALINDEX_HEADER_SIZE or len(ckpt_info) != WAL_CKPT_INFO_SIZE:
        raise FormatError("WAL-index header must be 48 bytes and checkpoint info 40")
    out = build_walindex_blocks(page_numbers)
    out[:WALINDEX_HDR_SIZE] = header + header + ckpt_info
    return bytes(out)
