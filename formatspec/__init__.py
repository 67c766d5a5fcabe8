"""formatspec: the SQLite 3 file format as one declarative spec.

Every byte layout of the format (fileformat2, walformat, the rollback journal)
is a construct schema here, wrapped in :class:`~formatspec._spec.Spec` so that
failures surface as :class:`FormatError`. Hot layouts have fast twins beside
their schemas; property tests bind each twin to its schema. This package
imports nothing else of sqlassay's.
"""

from ._spec import Spec
from .derived import (
    PENDING_BYTE,
    is_ptrmap_page,
    local_payload_size,
    lock_byte_page,
    max_local,
    min_local,
    overflow_page_count,
    page_size_from_header,
    page_size_to_header,
    ptrmap_entry_offset,
    ptrmap_page_for,
    usable_size,
)
from .errors import ChecksumError, FormatError
from .varint import SignedVarInt, VarInt, encode_varint, read_signed_varint, read_varint, varint_len

__all__ = [
    "PENDING_BYTE",
    "ChecksumError",
    "FormatError",
    "SignedVarInt",
    "Spec",
    "VarInt",
    "encode_varint",
    "is_ptrmap_page",
    "local_payload_size",
    "lock_byte_page",
    "max_local",
    "min_local",
    "overflow_page_count",
    "page_size_from_header",
    "page_size_to_header",
    "ptrmap_entry_offset",
    "ptrmap_page_for",
    "read_signed_varint",
    "read_varint",
    "usable_size",
    "varint_len",
]

# Re-exports of the structure modules (header, btree, record, overflow,
# freelist, ptrmap, journal, wal) follow; each module's owner adds its lines.

# b-tree pages (formatspec/btree.py)
from .btree import (  # noqa: E402
    INDEX_INTERIOR,
    INDEX_LEAF,
    TABLE_INTERIOR,
    TABLE_LEAF,
    BTreePage,
    BTreePageHeader,
    CellPointerArray,
    Freeblock,
    IndexInteriorCell,
    IndexLeafCell,
    InteriorLayout,
    LeafLayout,
    OverflowCell,
    PageHeader,
    TableInteriorCell,
    TableLeafCell,
    hdr_offset_for,
    index_leaf_layout,
    interior_layout,
    iter_table_leaf_cells,
    read_cell_pointers,
    read_index_interior_cell,
    read_index_leaf_cell,
    read_page_header,
    read_table_interior_cell,
    read_table_leaf_cell,
    table_leaf_cells,
    table_leaf_layout,
    table_leaf_rows,
)

# header (formatspec/header.py)
from .header import (  # noqa: E402
    HEADER_SIZE,
    TEXT_ENCODINGS,
    DatabaseHeader,
    DatabaseHeaderFields,
    read_database_header,
)

# records (formatspec/record.py)
from .record import (  # noqa: E402
    Record,
    decode_record,
    decode_record_header,
    encode_record,
    record_decoder,
    serial_type_length,
    serial_type_of,
)

__all__ += [
    "HEADER_SIZE", "TEXT_ENCODINGS", "DatabaseHeader", "DatabaseHeaderFields",
    "read_database_header",
    "INDEX_INTERIOR", "INDEX_LEAF", "TABLE_INTERIOR", "TABLE_LEAF", "BTreePage",
    "BTreePageHeader", "CellPointerArray", "Freeblock", "IndexInteriorCell", "IndexLeafCell",
    "OverflowCell", "PageHeader", "TableInteriorCell", "TableLeafCell", "hdr_offset_for",
    "iter_table_leaf_cells", "read_cell_pointers", "read_index_interior_cell",
    "read_index_leaf_cell", "read_page_header", "read_table_interior_cell",
    "read_table_leaf_cell", "table_leaf_cells", "table_leaf_rows",
    "InteriorLayout", "LeafLayout", "index_leaf_layout", "interior_layout", "table_leaf_layout",
    "Record", "decode_record", "decode_record_header", "encode_record", "record_decoder",
    "serial_type_length", "serial_type_of",
]

# overflow, freelist, ptrmap, journal, WAL, WAL-index (formatspec/overflow.py .. walindex.py)
from .freelist import (  # noqa: E402
    FreelistProblem,
    FreelistTrunkPage,
    FreelistWalk,
    read_freelist_trunk,
    walk_freelist,
)
from .journal import (  # noqa: E402
    JOURNAL_MAGIC,
    JournalHeader,
    JournalPageRecord,
    JournalScan,
    SuperJournalRecord,
    journal_checksum,
    journal_page_images,
    scan_journal,
)
from .overflow import OverflowPage, read_overflow_chain, read_overflow_page  # noqa: E402
from .ptrmap import (  # noqa: E402
    PTRMAP_BTREE,
    PTRMAP_FREEPAGE,
    PTRMAP_OVERFLOW1,
    PTRMAP_OVERFLOW2,
    PTRMAP_ROOTPAGE,
    PtrmapPage,
    ptrmap_entry_for,
    read_ptrmap_entries,
)
from .wal import (  # noqa: E402
    WalFrameHeader,
    WalHeader,
    WalScan,
    build_wal,
    read_wal_frame_header,
    read_wal_header,
    scan_wal,
    wal_checksum,
)
from .walindex import (  # noqa: E402
    WalCkptInfo,
    WalIndexFile,
    WalIndexHeader,
    read_walindex_header,
    walindex_header_checksum,
)

__all__ += [
    "FreelistProblem", "FreelistTrunkPage", "FreelistWalk", "read_freelist_trunk",
    "walk_freelist",
    "JOURNAL_MAGIC", "JournalHeader", "JournalPageRecord", "JournalScan", "SuperJournalRecord",
    "journal_checksum", "journal_page_images", "scan_journal",
    "OverflowPage", "read_overflow_chain", "read_overflow_page",
    "PTRMAP_BTREE", "PTRMAP_FREEPAGE", "PTRMAP_OVERFLOW1", "PTRMAP_OVERFLOW2",
    "PTRMAP_ROOTPAGE", "PtrmapPage", "ptrmap_entry_for", "read_ptrmap_entries",
    "WalFrameHeader", "WalHeader", "WalScan", "build_wal", "read_wal_frame_header",
    "read_wal_header", "scan_wal", "wal_checksum",
    "WalCkptInfo", "WalIndexFile", "WalIndexHeader", "read_walindex_header",
    "walindex_header_checksum",
]
