"""An integrity checker for SQLite database files, built on formatspec only.

``check(path)`` returns a list of :class:`Problem` (empty when the file is
consistent). It never asks sqlite3; it judges the file by the rules of
fileformat2 and by what btree.c's ``PRAGMA integrity_check`` demands:

1. Header (fileformat2 1.3): payload fractions 64/32/32, schema format 1..4,
   text encoding 1..3, the database size (in the header, or the WAL's last
   commit) no larger than the pages the file and its log hold (lockBtree), the
   freelist count equal to the pages on the freelist, and in auto-vacuum files
   the largest root page equal to the largest root page in the schema.
2. Every page is used exactly once, by a b-tree, an overflow chain, the
   freelist or as a pointer-map page; the lock-byte page is never used; no
   page is lost (never used).
3. Each b-tree page (1.6): a valid page type for its tree, a cell count that
   fits, a cell content area that starts after the cell pointer array, cell
   pointers inside the content area, cells inside the usable area and not
   overlapping each other or a freeblock, a freeblock chain in ascending
   order inside the page, and a fragmented-byte count equal to the bytes that
   are neither cell nor freeblock (a cell spans its bytes as stored, varints
   included, and at least 4, as btree.c's cellSizePtr counts); all leaves at
   the same depth.
4. Keys: rowids strictly ascending and within the bounds their parents'
   divider keys set; index and WITHOUT ROWID keys ascending under the
   columns' collations and sort orders.
5. Overflow chains (1.7) as long as the payload needs, no longer.
6. Pointer-map entries (1.8) equal to the parent each page really has.
7. Records (2.1) well formed (every row and index entry is decoded; the values
   must end exactly where the payload does); NOT NULL columns hold no NULL.
8. Every index holds exactly one entry for each row of its table and nothing
   else (indexes on plain columns, without WHERE; expression and partial
   indexes are walked and their order checked, but not matched to rows). The
   comparison is a multiset of key digests kept as (count, sum): constant
   memory per index; text under NOCASE or RTRIM is digested folded as the
   collation compares it (sqlite3 finds an entry equal under the collation).
9. The schema's SQL can be read (sqlite3's "malformed database schema").

WAL and hot rollback journal: the file is judged as a reader sees it, through
the committed WAL frames or with the hot journal rolled back (engine.pager,
read-only: nothing is written). The ``-wal`` and a hot ``-journal`` are also
judged themselves (walformat's recovery, pager.c's playback; formatspec.wal
``scan_wal`` and formatspec.journal ``scan_journal`` read them): see
``_wal_problems`` and ``_journal_problems`` for what is damage and what is a
normal leftover. Their problems have page None, the offset in that file,
kind "wal" or "journal" and a message starting "wal:" or "journal:".

Pages are read through formatspec's columnar page scans
(``formatspec.btree.table_leaf_layout``, ``index_leaf_layout``,
``interior_layout``), which also decode the records (a table's rows projected
onto the columns its indexes and NOT NULL checks need); where a scan refuses a
page, the page is read again cell by cell and record by record, to report
what is wrong.

Each problem names the page and, where one applies, the byte offset in the
page. The walk never follows a page twice, so loops end; memory is a few bytes
per page.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable
from dataclasses import asdict, dataclass
from itertools import chain, compress, repeat
from operator import add, gt, itemgetter, lt, sub

from formatspec.btree import (
    InteriorLayout,
    LeafLayout,
    hdr_offset_for,
    index_leaf_layout,
    interior_layout,
    read_freeblocks,
    read_page_header,
    table_leaf_layout,
)
from formatspec.derived import is_ptrmap_page, lock_byte_page, ptrmap_page_for
from formatspec.errors import FormatError
from formatspec.freelist import max_trunk_leaves, read_freelist_trunk
from formatspec.journal import NREC_FROM_FILE_SIZE, scan_journal
from formatspec.overflow import read_overflow_page
from formatspec.ptrmap import read_ptrmap_entries
from formatspec.record import ROWID, RecordProjector, record_decoder
from formatspec.wal import REASON_CHECKSUM, REASON_PAGE_ZERO, scan_wal

from .errors import CorruptError
from .inspect import (
    MAX_DEPTH,
    Cell,
    IndexDef,
    PageHeader,
    PageSource,
    TableDef,
    autoindex_defs,
    cell_pointers,
    page_header,
    parse_cells,
    parse_index_sql,
    parse_table_sql,
    read_freeblock,
    read_schema,
    sql_parses,
)
from .values import compare

PTRMAP_ROOTPAGE, PTRMAP_FREEPAGE, PTRMAP_OVERFLOW1, PTRMAP_OVERFLOW2, PTRMAP_BTREE = 1, 2, 3, 4, 5
KNOWN_COLLATIONS = {"BINARY", "NOCASE", "RTRIM"}
#: zero pages past the file and the journal that a hot journal's original size may add
JOURNAL_ZERO_PAGES = 1 << 16


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (page, byte offset in it) and what."""

    page: int | None
    offset: int | None
    message: str
    kind: str

    def __str__(self) -> str:
        where = [f"page {self.page}" if self.page is not None else "file"]
        if self.offset is not None:
            where.append(f"offset {self.offset}")
        return f"{' '.join(where)}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


# what referenced a page (for messages)
_USE_NAMES = {1: "b-tree", 2: "overflow", 3: "freelist trunk", 4: "freelist leaf", 5: "ptrmap"}
U_BTREE, U_OVFL, U_FTRUNK, U_FLEAF, U_PTRMAP = 1, 2, 3, 4, 5


class _Checker:
    def __init__(self, src: PageSource, max_problems: int, progress) -> None:
        self.src = src
        self.usable = src.usable
        self.problems: list[Problem] = []
        self.max_problems = max_problems
        self.n = self._bounded_page_count()
        self.max_cells = (src.page_size - 8) // 6  # cells a b-tree page can hold at most
        self.used = bytearray(self.n + 1)
        self.autovacuum = bool(src.header.largest_root_page)
        # expected ptrmap entry per page: type in a bytearray, parent in an array
        self.pm_type = bytearray(self.n + 1) if self.autovacuum else None
        self.pm_parent = array("I", bytes(4 * (self.n + 1))) if self.autovacuum else None
        self.progress = progress
        self.done = 0

    def _bounded_page_count(self) -> int:
        """The page count to check: the source's, bounded by the pages that exist.

        SQLite's lockBtree calls a database size (in the header, or through
        the WAL the last commit's size) larger than the file holds corruption.
        Pages exist in the file (a partial last page counts), in the overlay,
        and in the committed WAL frames or the hot journal's page images. A
        rolled-back journal may also extend the file with zero pages (pager.c's
        truncate-on-playback: trailing free pages are not journaled) - up to
        ``JOURNAL_ZERO_PAGES`` of those are believed. A larger claim is a
        problem and the check goes on over the pages that exist, so memory
        stays proportional to the input (never ``bytearray(0xffffffff)``).
        """
        src = self.src
        claimed = src.page_count
        have = -(-src.file_size // src.page_size)
        if src.overlay:
            have = max(have, max(src.overlay))
        pager = getattr(src, "_pager", None)
        where = "the file holds"
        if pager is not None:
            if src.log == "wal":
                where = "the file and the WAL's committed frames hold"
                logged = pager._wal_frames
            else:
                where = "the file and the hot journal hold"
                logged = pager._journal_pages
            # a database grows page by page: every page past the file is logged,
            # so a logged page further out than the file plus the log is damage
            zeros = JOURNAL_ZERO_PAGES if src.log == "journal" else 0
            reach = min(claimed, have + len(logged) + zeros)
            have = max(have, max((p for p in logged if p <= reach), default=0))
            if src.log == "journal" and claimed <= have + zeros:
                have = claimed
        if claimed <= have:
            return claimed
        self.report(1, 28, f"the database size is {claimed} pages but {where} {have}",
                    "header")
        src.page_count = have
        return have

    # -- bookkeeping -----------------------------------------------------------------

    def report(self, page, offset, message, kind) -> None:
        if len(self.problems) < self.max_problems:
            self.problems.append(Problem(page, offset, message, kind))

    def full(self) -> bool:
        return len(self.problems) >= self.max_problems

    def use(self, pgno: int, how: int, ref_page: int | None, what: str) -> bool:
        """Mark ``pgno`` used; False (and a problem) when it cannot be."""
        if pgno < 1 or pgno > self.n:
            self.report(ref_page, None, f"{what}: page {pgno} is out of range 1..{self.n}",
                        "page-range")
            return False
        if self.used[pgno]:
            prev = _USE_NAMES.get(self.used[pgno], "lock-byte")
            self.report(pgno, None,
                        f"{what}: page {pgno} is used twice (already as {prev} page)",
                        "page-reuse")
            return False
        self.used[pgno] = how
        self.done += 1
        if self.progress and self.done % 512 == 0:
            self.progress(self.done, self.n)
        return True

    def expect_ptrmap(self, pgno: int, typ: int, parent: int) -> None:
        if self.autovacuum and 1 < pgno <= self.n:
            self.pm_type[pgno] = typ
            self.pm_parent[pgno] = parent

    def page(self, pgno: int) -> bytes | None:
        try:
            return self.src.page(pgno)
        except CorruptError as err:
            self.report(pgno, None, f"cannot read page: {err}", "io")
            return None

    # -- the whole file ------------------------------------------------------------

    def run(self) -> list[Problem]:
        self.check_header()
        try:
            schema = read_schema(self.src)
        except CorruptError as err:
            self.report(err.page, err.offset, f"schema b-tree unreadable: {err}", "schema")
            schema = []
            # account for what we can of page 1's tree anyway
        lock = lock_byte_page(self.src.page_size)
        if lock <= self.n:
            self.used[lock] = 9
        tables: dict[str, tuple[TableDef | None, int]] = {}
        indexes: list[tuple[IndexDef | None, int, str]] = []
        trees = [("sqlite_schema", "table", 1, None)]
        bad_roots = set()
        for e in schema:
            if e.type in ("table", "index") and e.rootpage > self.n:
                # sqlite3's initCallback: a root page past the database is corrupt
                self.report(1, None, f"malformed database schema ({e.name}) - invalid rootpage",
                            "schema")
                bad_roots.add(e.rootpage)
        for e in schema:
            if e.type == "table" and e.rootpage > 0:
                trees.append((e.name, "table", e.rootpage, e.sql))
                tdef = parse_table_sql(e.name, e.sql)
                if tdef is None and not (e.sql or "").upper().startswith("CREATE VIRTUAL"):
                    self.report(1, None, f"malformed database schema: cannot read the "
                                f"definition of table {e.name}", "schema")
                tables[e.name.lower()] = (tdef, e.rootpage)
            elif e.type == "index" and e.rootpage > 0:
                trees.append((e.name, "index", e.rootpage, e.sql))
            elif e.type in ("view", "trigger") and (e.sql or "")[:2].lower() == "cr" \
                    and not sql_parses(e.sql):
                self.report(1, None, f"malformed database schema: cannot parse the "
                            f"definition of {e.type} {e.name}", "schema")
        for e in schema:
            if e.type == "index" and e.rootpage > 0:
                if e.sql:
                    idef = parse_index_sql(e.name, e.tbl_name, e.sql)
                    if idef is None:
                        self.report(1, None, f"malformed database schema: cannot read the "
                                    f"definition of index {e.name}", "schema")
                else:
                    tdef = tables.get(e.tbl_name.lower(), (None, 0))[0]
                    idef = next((d for d in autoindex_defs(tdef) if d.name == e.name), None) \
                        if tdef else None
                indexes.append((idef, e.rootpage, e.tbl_name))
        max_root = max((t[2] for t in trees), default=1)
        h = self.src.header
        if self.autovacuum and h.largest_root_page != max_root:
            self.report(1, 52, f"largest root page in the header is {h.largest_root_page} "
                        f"but the largest root page is {max_root}", "header")
        if not self.autovacuum and h.incremental_vacuum:
            self.report(1, 64, "incremental vacuum is set but the file is not auto-vacuum",
                        "header")
        self.check_freelist()
        index_by_table: dict[str, list] = {}
        for idef, root, tbl in indexes:
            index_by_table.setdefault(tbl.lower(), []).append((idef, root))
        for name, typ, root, _sql in trees:
            if self.full():
                break
            if root in bad_roots:
                continue
            self.expect_ptrmap(root, PTRMAP_ROOTPAGE, 0)
            if typ == "table":
                tdef = tables.get(name.lower(), (None, 0))[0] if name != "sqlite_schema" else None
                self.check_table(name, root, tdef, index_by_table.get(name.lower(), []))
        # indexes whose table was checked above have been walked there; walk the rest
        for idef, root, _tbl in indexes:
            if root <= self.n and not self.used[root]:
                self.walk_index(idef.name if idef else f"index at {root}", root, idef, None,
                                None)
        self.check_ptrmap()
        self.check_unused()
        if self.progress:
            self.progress(self.n, self.n)
        return self.problems

    def check_header(self) -> None:
        h = self.src.header
        if (h.max_payload_fraction, h.min_payload_fraction, h.leaf_payload_fraction) != (64, 32, 32):
            self.report(1, 21, "payload fractions must be 64, 32, 32", "header")
        if h.schema_format > 4:
            self.report(1, 44, f"schema format {h.schema_format} is not 1..4", "header")
        if h.read_version > 2:
            self.report(1, 19, f"read version {h.read_version} is not 1 or 2", "header")

    # -- freelist ------------------------------------------------------------------

    def check_freelist(self) -> None:
        h = self.src.header
        trunk = h.first_freelist_trunk_page
        total = 0
        prev = 0
        limit = max_trunk_leaves(self.usable)
        while trunk and not self.full():
            if not self.use(trunk, U_FTRUNK, prev or 1, "freelist trunk"):
                break
            self.expect_ptrmap(trunk, PTRMAP_FREEPAGE, 0)
            total += 1
            page = self.page(trunk)
            if page is None:
                break
            try:
                nxt, leaves = read_freelist_trunk(page, self.usable, pgno=trunk)
            except FormatError as err:
                self.report(trunk, 4, f"freelist trunk: {err.message} (at most {limit} fit)",
                            "freelist")
                break
            for i, leaf in enumerate(leaves):
                if self.use(leaf, U_FLEAF, trunk, f"freelist leaf {i}"):
                    self.expect_ptrmap(leaf, PTRMAP_FREEPAGE, 0)
                total += 1
            prev = trunk
            trunk = nxt
        if total != h.freelist_count and not self.full():
            self.report(1, 36, f"freelist count is {h.freelist_count} but the freelist holds "
                        f"{total} pages", "freelist")

    # -- b-trees ---------------------------------------------------------------------

    def check_table(self, name, root, tdef: TableDef | None, indexes) -> None:
        """Walk a table b-tree; then its indexes, comparing entries with rows."""
        without_rowid = bool(tdef and tdef.without_rowid)
        if tdef is None and name != "sqlite_schema" and 1 <= root <= self.n:
            # a schema we cannot read: let the root page say which kind of tree it is
            try:
                without_rowid = page_header(self.src.page(root), root).page_type in (2, 10)
            except CorruptError:
                pass
        want = []  # (IndexDef, column positions, suffix positions)
        for idef, iroot in indexes:
            plan = _index_plan(tdef, idef) if tdef and idef else None
            want.append((idef, iroot, plan))
        expected = [_Multiset() if plan is not None else None for _i, _r, plan in want]
        getters = []
        for _i, _r, plan in want:
            if plan is None:
                getters.append(None)
                continue
            cols, suffix_rowid, suffix = plan
            picks = list(cols) + ([] if suffix_rowid else list(suffix))
            getters.append((_tuple_getter(picks), suffix_rowid, max(picks, default=-1)))
        rows = 0
        ncols = len(tdef.columns) if tdef else 0
        defaults = [c.default if c.has_default else None for c in tdef.columns] if tdef else []
        need_rows = any(e is not None for e in expected)
        # NOT NULL columns (the rowid alias is stored as NULL and is never NULL itself)
        not_null = [i for i, c in enumerate(tdef.columns) if c.not_null
                    and i != tdef.rowid_alias] if tdef else []
        alias = tdef.rowid_alias if tdef else None
        enc = self.src.encoding

        active = [(expected[k], g[0], g[1], g[2]) for k, g in enumerate(getters) if g]
        # text the index's collation compares loosely (NOCASE, RTRIM) is digested folded,
        # on this side and the index's: a row whose text differs from its entry only by
        # what the collation ignores is found in the index by sqlite3 too
        schema_format = self.src.header.schema_format
        active_folds = [_collation_folds(_keyinfo(idef, tdef, schema_format))
                        for idef, _r, plan in want if plan is not None]
        # the rowid alias column is stored as NULL: only indexes on it need the rowid there
        alias_used = alias is not None and any(
            alias in plan[0] + ([] if plan[1] else plan[2])
            for _i, _r, plan in want if plan is not None)

        def add_row(key, values):
            if len(values) < ncols:
                values = tuple(values) + tuple(defaults[len(values):])
            if alias_used:
                values = list(values)
                values[alias] = key
            n = len(values)
            for (multiset, get, suffix_rowid, top), folds in zip(active, active_folds):
                if top >= n:
                    continue
                entry = get(values)
                if suffix_rowid:
                    entry += (key,)
                if folds:
                    entry = _collated_one(entry, folds)
                multiset.add(_digest(entry))

        # the index entries of a page's rows are digested into per-index sums, added once
        plans = [(j, get, suffix_rowid, top, active_folds[j])
                 for j, (_m, get, suffix_rowid, top) in enumerate(active)]
        nactive = len(active)
        digest = _digest
        decode = record_decoder(enc)

        # the fast path: formatspec projects each row onto the columns the indexes and the
        # NOT NULL checks need, then the rowid (the rowid alias reads as the rowid, a
        # record narrower than the table gets the columns' defaults, as add_row does)
        projector = entry_getters = None
        not_null_getters = []
        if not without_rowid:
            picks_list = [list(plan[0]) for _i, _r, plan in want if plan is not None]
            needed = sorted(set(chain.from_iterable(picks_list)) | set(not_null))
            position = {c: k for k, c in enumerate(needed)}
            rowid_at = len(needed)
            projector = RecordProjector(
                [ROWID if c == alias else c for c in needed] + [ROWID], enc,
                missing=[defaults[c] for c in needed] + [None])
            entry_getters = [itemgetter(*[position[c] for c in picks], rowid_at)
                             for picks in picks_list]
            # the projected positions each index's entry takes (the rowid is never a blob)
            entry_columns = [{position[c] for c in picks} for picks in picks_list]
            needed_at = sorted(set(chain.from_iterable(entry_columns)))
            column = {k: itemgetter(k) for k in needed_at}
            not_null_getters = [itemgetter(position[c]) for c in not_null]

        # digest sums of the rows' index entries, added to the multisets after the walk
        row_sums = [0] * nactive
        row_counts = [0] * nactive

        def on_page(keys, payloads, offsets, projected, pgno):
            """The rows of one table leaf page: rowids, payloads, cell offsets, and the
            projected rows (None when a record could not be projected)."""
            nonlocal rows
            rows += len(keys)
            if projected is not None and (not not_null_getters or not any(
                    None in map(get, projected) for get in not_null_getters)):
                # every record well formed, no NULL where NOT NULL: a page at a time
                # the blob test of _digest_sum, made once a column for all the indexes
                blobs = {k for k in needed_at if bytes in map(type, map(column[k], projected))}
                for j, get in enumerate(entry_getters):
                    entries = list(map(get, projected))
                    if active_folds[j]:
                        entries = _collated(entries, active_folds[j])
                    row_sums[j] += sum(map(hash, entries)) if blobs.isdisjoint(
                        entry_columns[j]) else sum(map(_digest, entries))
                    row_counts[j] += len(entries)
                return
            sums = [0] * nactive
            counts = [0] * nactive
            for key, payload, off in zip(keys, payloads, offsets):
                try:
                    values = decode(payload)
                except (FormatError, CorruptError) as err:
                    self.report(pgno, off, f"row {key} of {name}: malformed record: {err}",
                                "record")
                    continue
                if not_null:
                    n = len(values)
                    for i in not_null:
                        if (values[i] if i < n else defaults[i]) is None:
                            self.report(pgno, off, f"NULL value in {name}."
                                        f"{tdef.columns[i].name} (row {key})", "not-null")
                if need_rows:
                    if len(values) < ncols:
                        values = tuple(values) + tuple(defaults[len(values):])
                    if alias_used:
                        values = list(values)
                        values[alias] = key
                    n = len(values)
                    for j, get, suffix_rowid, top, folds in plans:
                        if top >= n:
                            continue
                        entry = get(values)
                        if suffix_rowid:
                            entry += (key,)
                        if folds:
                            entry = _collated_one(entry, folds)
                        # _digest, inlined
                        sums[j] += hash(entry) if bytes not in map(type, entry) else \
                            digest(entry)
                        counts[j] += 1
            if need_rows:
                for j in range(nactive):
                    row_sums[j] += sums[j]
                    row_counts[j] += counts[j]

        if without_rowid:
            order = _storage_order(tdef) if tdef else None

            def on_record(values, pgno, off):
                nonlocal rows
                rows += 1
                if (need_rows or not_null) and order is not None:
                    row = [None] * ncols
                    for src_pos, col in enumerate(order):
                        if src_pos < len(values):
                            row[col] = values[src_pos]
                        elif defaults[col] is not None:
                            row[col] = defaults[col]
                    for i in not_null:
                        if row[i] is None:
                            self.report(pgno, off, f"NULL value in {name}."
                                        f"{tdef.columns[i].name}", "not-null")
                    if need_rows:
                        add_row(None, row)

            to_table_order = None
            if order is not None:  # a full-width record's values in table column order
                inverse = [order.index(c) for c in range(ncols)]
                to_table_order = _tuple_getter(inverse)

            def on_records(values_list, pgno, offsets):
                """The records of one leaf page, decoded: a page at a time where each is
                full width and no NOT NULL column is NULL, else one by one."""
                nonlocal rows
                if to_table_order is None or not (need_rows or not_null):
                    rows += len(values_list)
                    return
                if values_list and min(map(len, values_list)) >= ncols:
                    table_rows = list(map(to_table_order, values_list))
                    if not any(None in map(itemgetter(i), table_rows) for i in not_null):
                        rows += len(values_list)
                        for (multiset, get, _s, _t), folds in zip(active, active_folds):
                            entries = list(map(get, table_rows))
                            if folds:
                                entries = _collated(entries, folds)
                            multiset.add_many(len(entries), _digest_sum(entries))
                        return
                for values, off in zip(values_list, offsets):
                    on_record(list(values), pgno, off)

            keydef = _without_rowid_keydef(tdef) if tdef else None
            self.walk_index(name, root, keydef, None, tdef, on_record=on_record,
                            on_records=on_records)
        else:
            self.walk_table(name, root, on_page, projector)
            for (multiset, _g, _s, _t), count, total in zip(active, row_counts, row_sums):
                multiset.add_many(count, total)
        for k, (idef, iroot, _plan) in enumerate(want):
            iname = idef.name if idef else f"index at page {iroot}"
            if iroot < 1 or iroot > self.n:
                continue  # reported by run as sqlite3's "invalid rootpage"
            actual = _Multiset() if expected[k] is not None else None
            count = self.walk_index(iname, iroot, idef, actual, tdef)
            if self.full():
                return
            if expected[k] is not None and actual is not None:
                want_n, got_n = expected[k].count, actual.count
                if want_n != got_n:
                    self.report(iroot, None, f"index {iname} has {got_n} entries but {name} "
                                f"has {want_n} rows", "index")
                elif expected[k].total != actual.total:
                    self.report(iroot, None, f"entries of index {iname} do not match the rows "
                                f"of {name} (a row is missing from the index and an entry "
                                "matches no row)", "index")
            elif count is not None and idef and not idef.partial and count != rows:
                self.report(iroot, None, f"index {iname} has {count} entries but {name} has "
                            f"{rows} rows", "index")

    def walk_table(self, name, root, on_page: Callable, projector) -> None:
        """Walk a rowid table's b-tree; ``on_page(keys, payloads, offsets, projected, pgno)``
        gets the rows of each leaf (``projected`` by ``projector``, or None)."""
        if not self.use(root, U_BTREE, None, f"root of {name}"):
            return
        self._table_page(name, root, None, None, 1, (on_page, projector), [None])

    def _table_page(self, name, pgno, lo, hi, depth, sink, leaf_depth) -> int | None:
        """Check one table b-tree page; returns the largest key seen (or None)."""
        page = self.page(pgno)
        if page is None:
            return None
        on_page, projector = sink
        info = self._btree_page(name, pgno, page, table=True, root=depth == 1,
                                projector=projector)
        if info is None:
            return None
        hdr, ptrs, lay = info
        last = lo
        if hdr.page_type == 13:
            if leaf_depth[0] is None:
                leaf_depth[0] = depth
            elif leaf_depth[0] != depth:
                self.report(pgno, None, f"{name}: leaf at depth {depth}, others at "
                            f"{leaf_depth[0]}", "depth")
            keys = lay.keys
            if not keys:
                return last
            if ((last is not None and keys[0] <= last) or (hi is not None and keys[-1] > hi)
                    or not all(map(lt, keys, keys[1:]))):
                for off, key in zip(ptrs, keys):
                    if (last is not None and key <= last) or (hi is not None and key > hi):
                        self.report(pgno, off, f"{name}: rowid {key} out of order",
                                    "key-order")
                    last = key
            projected = lay.rows
            if lay.spills:
                payloads = self._assemble(name, pgno, ptrs, lay)
                if projected is not None:
                    projected = list(projected)
                    try:
                        for i, _size, _first in lay.spills:
                            if payloads[i] is not None:
                                projected[i] = projector.project(payloads[i], keys[i])
                    except FormatError:
                        projected = None  # on_page decodes row by row, for the report
                if None in payloads:  # a chain that is not sound: no row to judge there
                    keep = [p is not None for p in payloads]
                    if projected is not None:
                        projected = list(compress(projected, keep))
                    on_page(list(compress(keys, keep)), list(compress(payloads, keep)),
                            list(compress(ptrs, keep)), projected, pgno)
                    return keys[-1]
            else:
                payloads = lay.locals
            on_page(keys, payloads, ptrs, projected, pgno)
            return keys[-1]
        if depth >= MAX_DEPTH:
            self.report(pgno, None, f"{name}: b-tree deeper than {MAX_DEPTH}", "depth")
            return None
        children = list(zip(lay.children, lay.keys, ptrs))
        children.append((hdr.right_child, hi, None))
        for child, key, off in children:
            if off is not None and ((last is not None and key <= last)
                                    or (hi is not None and key > hi)):
                self.report(pgno, off, f"{name}: divider key {key} out of order", "key-order")
            if self.use(child, U_BTREE, pgno, f"{name}: child of page {pgno}"):
                self.expect_ptrmap(child, PTRMAP_BTREE, pgno)
                got = self._table_page(name, child, last, key, depth + 1, sink, leaf_depth)
                if got is not None:
                    last = got
            if self.full():
                return last
            if key is not None:
                last = key if last is None or key > last else last
        return last

    def _btree_page(self, name, pgno, page, *, table: bool, root: bool, projector=None,
                    decoder=None):
        """Structural checks of one b-tree page; None (and a problem) when it fails them.

        Returns ``(header, cell offsets, cells)``: on a leaf the cells are a
        :class:`formatspec.btree.LeafLayout` (columns, from one formatspec call; on
        a table leaf with the rows projected by ``projector``, on an index leaf with
        the records decoded by ``decoder``, when it is given and every record is well
        formed), on an interior page a :class:`formatspec.btree.InteriorLayout`.
        The header is formatspec's :class:`~formatspec.btree.PageHeader`.
        """
        usable = self.usable
        hoff = hdr_offset_for(pgno)
        try:
            hdr = read_page_header(page, hoff)
        except FormatError:
            try:
                page_header(page, pgno)  # the engine's error, for the message
            except CorruptError as err:
                self.report(pgno, err.offset, f"{name}: {err.args[0].split(': ', 1)[-1]}",
                            "page-type")
            return None
        # (formatspec decodes a raw content start of 0 as 65536)
        ptype, first_freeblock, n, content, fragmented, _right, header_size = hdr
        if ptype not in ((5, 13) if table else (2, 10)):
            self.report(pgno, hoff, f"{name}: page type {ptype} in a "
                        f"{'table' if table else 'index'} b-tree", "page-type")
            return None
        if n == 0 and not root:
            self.report(pgno, hoff + 3, f"{name}: non-root b-tree page has no cells",
                        "cell-count")
        if n > self.max_cells:
            self.report(pgno, hoff + 3, f"{name}: cell count {n} cannot fit", "cell-count")
            return None
        first = hoff + header_size + 2 * n
        if content < first or content > usable:
            self.report(pgno, hoff + 5, f"{name}: cell content area starts at "
                        f"{content}, outside {first}..{usable}", "content-area")
            return None
        if ptype == 13:
            lay = _layout(table_leaf_layout, page, hoff, usable, projector)
        elif ptype == 10:
            lay = _layout(index_leaf_layout, page, hoff, usable, decoder)
        else:
            lay = _layout(interior_layout, page, hoff, usable, None)
        if lay is not None:
            ptrs = lay.pointers
        else:
            try:
                ptrs = cell_pointers(page, _engine_header(hdr, hoff), pgno)
            except CorruptError as err:
                self.report(pgno, err.offset, f"{name}: {err}", "cell-pointer")
                return None
        low = usable - 4
        # cells laid out from the end of the page down, in key order (sqlite3 appending
        # rows): the lowest and highest offsets are at the ends, and no sort is needed
        descending = all(map(gt, ptrs, ptrs[1:]))
        if ptrs and ((ptrs[-1] < content or ptrs[0] > low) if descending else
                     (min(ptrs) < content or max(ptrs) > low)):
            for i, off in enumerate(ptrs):
                if off < content or off > low:
                    self.report(pgno, hoff + header_size + 2 * i,
                                f"{name}: cell {i} at offset {off} outside {content}..{low}",
                                "cell-pointer")
                    return None
        if lay is None:
            try:
                cells = parse_cells(page, _engine_header(hdr, hoff), ptrs, usable, pgno)
            except CorruptError as err:
                self.report(pgno, err.offset, f"{name}: {err}", "cell")
                return None
            ends = list(map(add, ptrs, map(_SIZE, cells)))
            lay = _layout_of(cells, ptype == 13) if ptype == 13 or ptype == 10 else \
                _interior_of(cells, ptype == 5, hdr.right_child)
        else:
            ends = lay.ends
            # btree.c counts a cell as at least 4 bytes (room for a freeblock head)
            if ends and min(map(sub, ends, ptrs)) < 4:
                ends = list(map(max, ends, map(add, ptrs, repeat(4))))
        if ends and max(ends) > usable:
            for i, end in enumerate(ends):
                if end > usable:
                    self.report(pgno, ptrs[i], f"{name}: cell {i} extends past the usable area",
                                "cell")
                    return None
        # freeblocks (btreeComputeFreeSpace's rules)
        fb = first_freeblock
        nfree = fragmented + content
        free_spans = None
        if fb:
            free_spans = []
            if fb < content:
                self.report(pgno, hoff + 1, f"{name}: first freeblock {fb} lies "
                            f"before the cell content area ({content})", "freeblock")
                return None
            try:
                blocks = read_freeblocks(page, fb, usable)
            except FormatError:
                blocks = None  # walk it block by block below, for SQLite's verdict
            if blocks is not None:
                nxt = 0
                last = len(blocks) - 1
                for i, (fb, size) in enumerate(blocks):
                    nfree += size
                    free_spans.append((fb, fb + size))
                    nxt = blocks[i + 1][0] if i < last else 0
                    if nxt <= fb + size + 3:
                        break
            while blocks is None:
                if fb > usable - 4:
                    self.report(pgno, fb, f"{name}: freeblock at {fb} past the usable area",
                                "freeblock")
                    return None
                nxt, size = read_freeblock(page, fb, pgno)
                nfree += size
                free_spans.append((fb, fb + size))
                if nxt <= fb + size + 3:
                    break
                fb = nxt
            if nxt > 0:
                self.report(pgno, fb, f"{name}: freeblock chain not in ascending order "
                            f"(next {nxt} after block at {fb} of {size} bytes)", "freeblock")
                return None
            if fb + size > usable:
                self.report(pgno, fb, f"{name}: freeblock at {fb} runs past the usable area",
                            "freeblock")
                return None
        if nfree > usable or nfree < first:
            self.report(pgno, hoff + 7, f"{name}: free space accounting "
                        f"inconsistent ({nfree} bytes)", "freeblock")
            return None
        # coverage: no overlaps; gaps equal the fragmented byte count
        if not free_spans and descending:
            # cell i + 1 lies below cell i: it must end by the start of cell i
            if any(map(gt, ends[1:], ptrs)):
                starts = ptrs[::-1]
                stops = ends[::-1]
            else:
                frag = (usable - content) - (sum(ends) - sum(ptrs))
                if frag != fragmented:
                    self.report(pgno, hoff + 7, f"{name}: {frag} fragmented bytes "
                                f"found, header says {fragmented}", "fragmentation")
                return hdr, ptrs, lay
        else:
            # sort the start offsets (ints: cheaper than the span tuples); a start taken
            # twice is an overlap, found by the sort of the spans themselves
            stop_of = dict(zip(ptrs, ends))
            if free_spans:
                stop_of.update(free_spans)
            if len(stop_of) == len(ptrs) + (len(free_spans) if free_spans else 0):
                starts = sorted(stop_of)
                stops = list(map(stop_of.__getitem__, starts))
            else:
                spans = sorted(chain(zip(ptrs, ends), free_spans or ()))
                starts = list(map(_FIRST, spans))
                stops = list(map(_SECOND, spans))
        if any(map(gt, stops[:-1], starts[1:])):
            spans = list(zip(starts, stops))
            for (_s0, end), (start, _e1) in zip(spans, spans[1:]):
                if start < end:
                    self.report(pgno, start, f"{name}: byte {start} is used twice (cells or "
                                "freeblocks overlap)", "overlap")
                    return None
        # every span starts at or after the content area (checked above)
        frag = (usable - content) - (sum(stops) - sum(starts))
        if frag != fragmented:
            self.report(pgno, hoff + 7, f"{name}: {frag} fragmented bytes "
                        f"found, header says {fragmented}", "fragmentation")
        return hdr, ptrs, lay

    def _assemble(self, name, pgno, ptrs, lay) -> list:
        """The payloads of a leaf's cells (``lay``, a LeafLayout): local ones as they are,
        spilled ones through their overflow chains (None where a chain is unsound)."""
        payloads = list(lay.locals)
        for i, size, first_overflow in lay.spills:
            payloads[i] = self._overflow(name, pgno, ptrs[i], size, payloads[i],
                                         first_overflow)
        return payloads

    def _overflow(self, name, pgno, offset, payload_size, local, nxt) -> bytes | None:
        """Check the overflow chain of the cell at ``offset`` (payload of ``payload_size``
        bytes, ``local`` on the page, chain starting at page ``nxt``); return the whole
        payload when the chain is sound."""
        usable = self.usable
        rest = payload_size - len(local)
        need = -(-rest // (usable - 4))
        prev = pgno
        count = 0
        parts = [local]
        used = self.used
        n = self.n
        autovacuum = self.autovacuum
        progress = self.progress
        while nxt:
            if 0 < nxt <= n and not used[nxt]:
                used[nxt] = U_OVFL  # self.use, inlined: the hot path of long payloads
                self.done += 1
                if progress and self.done % 512 == 0:
                    progress(self.done, n)
            else:
                self.use(nxt, U_OVFL, prev, f"{name}: overflow chain of cell at {offset} "
                         f"on page {pgno}")
                return None
            if autovacuum:
                self.expect_ptrmap(nxt, PTRMAP_OVERFLOW1 if count == 0 else PTRMAP_OVERFLOW2,
                                   prev)
            count += 1
            if count > need:
                break
            page = self.page(nxt)
            if page is None:
                return None
            prev = nxt
            nxt, content = read_overflow_page(page, usable, pgno=nxt)
            if len(content) > rest:  # the last page: only the payload's tail
                content = content[:rest]
            rest -= len(content)
            parts.append(content)
        if count != need:
            self.report(pgno, offset, f"{name}: overflow chain has {count} pages, the "
                        f"payload of {payload_size} bytes needs {need}", "overflow")
            return None
        return b"".join(parts)  # exactly payload_size bytes: the chain was long enough

    # index b-trees and WITHOUT ROWID tables
    def walk_index(self, name, root, idef, actual: _Multiset | None, table,
                   on_record=None, on_records=None) -> int | None:
        if not self.use(root, U_BTREE, None, f"root of {name}"):
            return None
        keyinfo = _keyinfo(idef, table, self.src.header.schema_format) if idef else None
        state = {"prev": None, "count": 0, "leaf_depth": None, "bad_order": False,
                 "on_record": on_record, "on_records": on_records,
                 "enc": self.src.encoding.replace("-le", "le").replace("-be", "be")}
        state["digest_folds"] = _collation_folds(keyinfo) if actual is not None else []
        # formatspec's leaf scan decodes the records when they are needed
        state["decoder"] = record_decoder(self.src.encoding) if (
            keyinfo is not None or actual is not None or on_record is not None) else None
        state["plain"] = bool(keyinfo) and state["enc"] == "utf-8" and all(
            coll == "BINARY" and not desc for coll, desc in keyinfo)
        # ascending BINARY/NOCASE columns in UTF-8: ASCII text of the NOCASE columns folded
        # to lower case makes Python's tuple order SQLite's again (non-ASCII: compare())
        state["fold"] = None
        if (keyinfo and not state["plain"] and state["enc"] == "utf-8"
                and all(coll in ("BINARY", "NOCASE") and not desc for coll, desc in keyinfo)):
            state["fold"] = [i for i, (coll, _d) in enumerate(keyinfo) if coll == "NOCASE"]
            state["prev_key"] = None
        self._index_page(name, root, 1, keyinfo, actual, state)
        return state["count"]

    def _index_page(self, name, pgno, depth, keyinfo, actual, state) -> None:
        page = self.page(pgno)
        if page is None:
            return
        info = self._btree_page(name, pgno, page, table=False, root=depth == 1,
                                decoder=state["decoder"])
        if info is None:
            return
        hdr, ptrs, lay = info
        leaf = hdr.page_type == 10
        if leaf:
            if state["leaf_depth"] is None:
                state["leaf_depth"] = depth
            elif state["leaf_depth"] != depth:
                self.report(pgno, None, f"{name}: leaf at depth {depth}, others at "
                            f"{state['leaf_depth']}", "depth")
        elif depth >= MAX_DEPTH:
            self.report(pgno, None, f"{name}: b-tree deeper than {MAX_DEPTH}", "depth")
            return
        if leaf:
            values_list = lay.rows  # decoded by formatspec's scan, or None
            if lay.spills:
                payloads = self._assemble(name, pgno, ptrs, lay)
                if values_list is not None:
                    values_list = list(values_list)
                    try:
                        for i, _size, _first in lay.spills:
                            if payloads[i] is not None:
                                values_list[i] = state["decoder"](payloads[i])
                    except FormatError:
                        values_list = None  # one by one, for the report
                items = [item for item in zip(payloads, ptrs) if item[0] is not None]
                if values_list is not None and len(items) < len(ptrs):
                    values_list = [v for v, p in zip(values_list, payloads) if p is not None]
                state["count"] += len(ptrs) - len(items)
                self._index_entries(name, pgno, items, len(items), keyinfo, actual, state,
                                    values_list)
            else:  # all local: the same pairs, built in C
                self._index_entries(name, pgno, zip(lay.locals, ptrs), len(ptrs),
                                    keyinfo, actual, state, values_list)
            return
        spilled = {i: (size, first) for i, size, first in lay.spills}
        for i, (child, off, local) in enumerate(zip(lay.children, ptrs, lay.locals)):
            if self.use(child, U_BTREE, pgno, f"{name}: child of page {pgno}"):
                self.expect_ptrmap(child, PTRMAP_BTREE, pgno)
                self._index_page(name, child, depth + 1, keyinfo, actual, state)
            spill = spilled.get(i)
            payload = (self._overflow(name, pgno, off, spill[0], local, spill[1])
                       if spill else local)
            if payload is not None:
                self._index_entries(name, pgno, [(payload, off)], 1, keyinfo, actual, state)
            else:
                state["count"] += 1
            if self.full():
                return
        if self.use(hdr.right_child, U_BTREE, pgno, f"{name}: right child of page {pgno}"):
            self.expect_ptrmap(hdr.right_child, PTRMAP_BTREE, pgno)
            self._index_page(name, hdr.right_child, depth + 1, keyinfo, actual, state)

    def _index_entries(self, name, pgno, items, count, keyinfo, actual, state,
                       values_list=None) -> None:
        """Decode the ``count`` index records ``items`` (payload, cell offset) in key order
        (or take them decoded: ``values_list``): digest them, feed them on, check their
        order."""
        state["count"] += count
        on_record = state["on_record"]
        if keyinfo is None and actual is None and on_record is None:
            return
        enc = self.src.encoding
        check_order = keyinfo is not None and not state["bad_order"]
        plain = state["plain"]
        fold = state["fold"] if check_order else None
        prev_key = state.get("prev_key")
        cenc = state["enc"]
        prev = state["prev"]
        digest = _digest
        decode = record_decoder(enc)
        total = 0
        n = 0
        decoded = None
        if on_record is not None and values_list is not None:
            if state["on_records"] is not None:  # fed a page at a time, then judged as
                if type(items) is not list:      # an index's entries are
                    items = list(items)
                state["on_records"](values_list, pgno, list(map(_ITEM_OFFSET, items)))
                on_record = None
            else:
                decoded = iter(values_list)
        if on_record is None:
            # a page at a time: decode all, digest all; then the order, in one pass when
            # Python's tuple order already proves it
            if type(items) is not list:
                items = list(items)
            if values_list is None:
                try:
                    values_list = list(map(decode, map(_PAYLOAD, items)))
                except (FormatError, CorruptError):
                    values_list = None  # one by one below, to report the bad record
            if values_list is not None:
                collated = None
                if actual is not None:
                    folds = state["digest_folds"]
                    if folds:
                        collated = _collated(values_list, folds)
                    actual.add_many(len(values_list), _digest_sum(
                        collated if collated is not None else values_list))
                    actual = None
                if not check_order or not values_list:
                    return
                if plain:
                    seq = values_list if prev is None else [prev, *values_list]
                    try:
                        in_order = all(map(lt, seq, seq[1:]))
                    except TypeError:
                        in_order = False
                    if in_order:
                        state["prev"] = values_list[-1]
                        return
                elif fold is not None and (prev is None or prev_key is not None):
                    # NOCASE text with its ASCII letters folded: Python's order is SQLite's
                    # (the digest's keys when they fold exactly those columns)
                    keys = collated if collated is not None and [
                        i for i, _c in state["digest_folds"]] == fold else \
                        _fold_keys(values_list, fold)
                    if None not in keys:
                        seq = keys if prev is None else [prev_key, *keys]
                        try:
                            in_order = all(map(lt, seq, seq[1:]))
                        except TypeError:
                            in_order = False
                        if in_order:
                            state["prev"] = values_list[-1]
                            state["prev_key"] = keys[-1]
                            return
                decoded = iter(values_list)
        for payload, offset in items:
            if decoded is not None:
                values = next(decoded)
            else:
                try:
                    values = decode(payload)
                except (FormatError, CorruptError) as err:
                    self.report(pgno, offset, f"{name}: malformed index record: {err}",
                                "record")
                    continue
            if actual is not None:
                # _digest, inlined
                key_values = _collated_one(values, state["digest_folds"]) \
                    if state["digest_folds"] else values
                total += hash(key_values) if bytes not in map(type, key_values) else \
                    digest(key_values)
                n += 1
            if on_record is not None:
                on_record(list(values), pgno, offset)
            if fold is not None:
                key = _fold_key(values, fold)
                if prev is not None:
                    in_order = False
                    if key is not None and prev_key is not None:
                        try:
                            in_order = prev_key < key
                        except TypeError:
                            in_order = False
                    if not in_order and _compare_keys(prev, values, keyinfo, cenc) >= 0:
                        state["bad_order"] = True
                        check_order = False
                        fold = None
                        self.report(pgno, offset, f"{name}: key out of order",
                                    "key-order")
                prev = values
                prev_key = key
            elif check_order:
                if prev is not None:
                    in_order = False
                    if plain:
                        # all columns BINARY, ascending, UTF-8: Python's tuple order is
                        # SQLite's wherever the classes line up; otherwise compare()
                        try:
                            in_order = prev < values
                        except TypeError:
                            in_order = False
                    if not in_order and _compare_keys(prev, values, keyinfo, cenc) >= 0:
                        state["bad_order"] = True
                        check_order = False
                        self.report(pgno, offset, f"{name}: key out of order",
                                    "key-order")
                prev = values
        state["prev"] = prev
        state["prev_key"] = prev_key
        if actual is not None:
            actual.add_many(n, total)

    # -- pointer map and lost pages ----------------------------------------------------

    def check_ptrmap(self) -> None:
        if not self.autovacuum or self.full():
            return
        src = self.src
        current = None
        entries = None
        for pgno in range(2, self.n + 1):
            if is_ptrmap_page(pgno, self.usable, src.page_size):
                if self.used[pgno] and self.used[pgno] != 9:
                    self.report(pgno, None, "pointer-map page is also used as "
                                f"{_USE_NAMES.get(self.used[pgno])} page", "ptrmap")
                self.used[pgno] = U_PTRMAP if not self.used[pgno] else self.used[pgno]
                continue
            typ = self.pm_type[pgno]
            if not typ:
                continue
            pm = ptrmap_page_for(pgno, self.usable, src.page_size)
            if pm != current:
                page = self.page(pm)
                if page is None:
                    return
                entries = read_ptrmap_entries(page, self.usable, pgno=pm)
                current = pm
            idx = pgno - pm - 1
            if idx < 0 or idx >= len(entries):
                continue
            got_type, got_parent = entries[idx]
            want_parent = self.pm_parent[pgno]
            if (got_type, got_parent) != (typ, want_parent):
                self.report(pm, 5 * idx, f"pointer-map entry for page {pgno} is "
                            f"({got_type}, {got_parent}), expected ({typ}, {want_parent})",
                            "ptrmap")
                if self.full():
                    return

    def check_unused(self) -> None:
        for pgno in range(1, self.n + 1):
            if self.full():
                return
            if not self.used[pgno]:
                if self.autovacuum and is_ptrmap_page(pgno, self.usable, self.src.page_size):
                    continue
                self.report(pgno, None, "page is never used", "lost-page")


_PAYLOAD = itemgetter(0)  # of a (payload, cell offset) pair
_ITEM_OFFSET = itemgetter(1)
_SIZE = itemgetter(6)  # Cell.size
_FIRST = itemgetter(0)  # of a (start, end) span
_SECOND = itemgetter(1)


def _engine_header(hdr, hdr_offset: int) -> PageHeader:
    """formatspec's page header as engine.inspect's (which also carries the header offset)."""
    return PageHeader(hdr.page_type, hdr.first_freeblock, hdr.cell_count,
                      hdr.cell_content_start, hdr.fragmented_free_bytes, hdr.right_child,
                      hdr_offset, hdr.header_size)


def _interior_of(cells: list[Cell], table: bool, right_child: int) -> InteriorLayout:
    """The columns of :class:`InteriorLayout` from an interior page's cells read one by one."""
    return InteriorLayout(tuple(c.offset for c in cells), [c.left_child for c in cells],
                          [c.rowid for c in cells] if table else None,
                          None if table else [c.local for c in cells],
                          [c.offset + c.size for c in cells],
                          [(i, c.payload_size, c.first_overflow) for i, c in enumerate(cells)
                           if c.first_overflow], right_child)


def _layout_of(cells: list[Cell], table: bool) -> LeafLayout:
    """The columns of :class:`LeafLayout` from a leaf's cells read one by one."""
    return LeafLayout(tuple(c.offset for c in cells), [c.rowid for c in cells] if table else None,
                      [c.local for c in cells], [c.offset + c.size for c in cells],
                      [(i, c.payload_size, c.first_overflow) for i, c in enumerate(cells)
                       if c.first_overflow])


def _storage_order(tdef: TableDef) -> list[int] | None:
    """Table column positions in the order a WITHOUT ROWID record stores them."""
    order = []
    for pk in tdef.primary_key:
        pos = tdef.column_index(pk)
        if pos is None:
            return None
        if pos not in order:
            order.append(pos)
    order += [i for i in range(len(tdef.columns)) if i not in order]
    return order


_TYPE_TAG = {type(None): 0, int: 1, float: 1, str: 2, bytes: 3}


def _digest(values: tuple) -> int:
    """A compact stand-in for a key: equal keys (1 == 1.0 included) digest equal.

    Python hashes a str and a bytes of the same ASCII content alike, so a key that
    holds a blob is hashed with the storage classes of its values as well.
    """
    if bytes in map(type, values):
        return hash((values, tuple(map(_TYPE_TAG.get, map(type, values)))))
    return hash(values)


def _fold_key(values: tuple, fold: list[int]) -> tuple | None:
    """``values`` with the ASCII text at the NOCASE positions ``fold`` in lower case: under
    Python's tuple order that is SQLite's order of ascending BINARY/NOCASE UTF-8 keys.
    None when such a text is not ASCII (then only compare() can tell)."""
    key = values
    for i in fold:
        if i < len(key):
            v = key[i]
            if type(v) is str:
                if not v.isascii():
                    return None
                key = (*key[:i], v.lower(), *key[i + 1:])
    return key


def _fold_keys(values_list: list, fold: list[int]) -> list:
    """``[_fold_key(values, fold) for values in values_list]``, a column at a time in C
    where the records are of one width and each folded column is all text or holds none."""
    if not values_list or len(set(map(len, values_list))) != 1:
        return [_fold_key(v, fold) for v in values_list]
    cols = list(zip(*values_list))
    changed = False
    for i in fold:
        if i < len(cols):
            col = cols[i]
            types = set(map(type, col))
            if str not in types:
                continue
            if len(types) != 1 or not "".join(col).isascii():
                return [_fold_key(v, fold) for v in values_list]
            cols[i] = map(str.lower, col)
            changed = True
    return list(zip(*cols)) if changed else values_list


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_IS_STR = str.__instancecheck__  # isinstance(v, str), as a C function for filter()


def _collation_folds(keyinfo) -> list[tuple[int, str]]:
    """The key positions whose collation ignores something of the text: [(position, name)]
    for NOCASE (the case of ASCII letters) and RTRIM (trailing spaces)."""
    if not keyinfo:
        return []
    return [(i, coll) for i, (coll, _desc) in enumerate(keyinfo) if coll in ("NOCASE", "RTRIM")]


def _fold_text(value, collation: str):
    """``value`` as the collation compares it: text equal under it folds equal."""
    if type(value) is not str:
        return value
    if collation == "NOCASE":  # sqlite3's NOCASE folds the 26 ASCII letters, nothing else
        return value.lower() if value.isascii() else value.translate(_ASCII_LOWER)
    return value.rstrip(" ")


def _collated_one(values: tuple, folds) -> tuple:
    """One key with its text folded at the ``folds`` positions (:func:`_collation_folds`)."""
    out = list(values)
    n = len(out)
    for i, coll in folds:
        if i < n:
            out[i] = _fold_text(out[i], coll)
    return tuple(out)


def _collated(keys: list, folds) -> list:
    """``[_collated_one(k, folds) for k in keys]``, a column at a time in C where the keys
    are of one width and a folded column is all text."""
    if not keys:
        return keys
    try:
        for i, coll in folds:
            if coll != "NOCASE":
                break  # RTRIM (rare): fold below
            # most text has no upper-case ASCII letter: then the keys are their own folding
            text = "".join(filter(_IS_STR, map(itemgetter(i), keys)))
            if text != (text.lower() if text.isascii() else text.translate(_ASCII_LOWER)):
                break
        else:
            return keys
    except IndexError:
        pass  # a key too short for a folded position: one by one below
    if len(set(map(len, keys))) != 1:
        return [_collated_one(k, folds) for k in keys]
    cols = list(zip(*keys))
    changed = False
    for i, coll in folds:
        if i < len(cols):
            col = cols[i]
            types = set(map(type, col))
            if str not in types:
                continue
            if len(types) != 1:
                cols[i] = [_fold_text(v, coll) for v in col]
            elif coll != "NOCASE":
                cols[i] = [v.rstrip(" ") for v in col]
            elif "".join(col).isascii():
                cols[i] = map(str.lower, col)
            else:
                cols[i] = [v.translate(_ASCII_LOWER) for v in col]
            changed = True
    return list(zip(*cols)) if changed else [tuple(k) for k in keys]


def _digest_sum(keys: list) -> int:
    """``sum(map(_digest, keys))``, with the blob test made once for all the keys."""
    if bytes in map(type, chain.from_iterable(keys)):
        return sum(map(_digest, keys))
    return sum(map(hash, keys))


class _Multiset:
    """A multiset of digests kept as (count, sum mod 2**64): constant memory per index."""

    __slots__ = ("count", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0

    def add(self, digest: int) -> None:
        self.count += 1
        self.total = (self.total + digest * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF

    def add_many(self, count: int, digest_sum: int) -> None:
        """As ``count`` calls of :meth:`add` whose digests sum to ``digest_sum``."""
        self.count += count
        self.total = (self.total + digest_sum * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF


def _tuple_getter(positions: list[int]):
    if len(positions) == 1:
        p = positions[0]
        return lambda values: (values[p],)
    return itemgetter(*positions)


def _index_plan(tdef: TableDef, idef: IndexDef):
    """(column positions, suffix is rowid, suffix positions) or None when not comparable."""
    if idef.partial:
        return None
    cols = []
    for ic in idef.columns:
        if ic.column is None:
            return None
        pos = tdef.column_index(ic.column)
        if pos is None:
            return None
        cols.append(pos)
    if not tdef.without_rowid:
        return cols, True, []
    suffix = []
    for pk in tdef.primary_key:
        pos = tdef.column_index(pk)
        if pos is None:
            return None
        if pos not in cols:
            suffix.append(pos)
    return cols, False, suffix


def _keyinfo(idef: IndexDef | None, table: TableDef | None, schema_format: int = 4):
    """[(collation, desc)] for the declared columns; None when a collation is unknown.

    Below schema format 4, SQLite ignores DESC in index definitions.
    """
    if idef is None:
        return None
    out = []
    for ic in idef.columns:
        coll = ic.collation
        if coll is None and ic.column is not None and table is not None:
            pos = table.column_index(ic.column)
            coll = table.columns[pos].collation if pos is not None else "BINARY"
        coll = (coll or "BINARY").upper()
        if coll not in KNOWN_COLLATIONS:
            return None
        out.append((coll, ic.desc and schema_format >= 4))
    return out


def _without_rowid_keydef(tdef: TableDef) -> IndexDef:
    from .inspect import IndexColumn

    cols = []
    pk_colls = dict(next(((c for c in u[0]) for u in tdef.unique_constraints if u[1]), []))
    for pk in tdef.primary_key:
        cols.append(IndexColumn(pk, pk_colls.get(pk)))
    return IndexDef(tdef.name, tdef.name, cols, unique=True)


_NUMBER = (int, float)


def _compare_keys(a, b, keyinfo, encoding: str) -> int:
    """SQLite's order of two index records under ``keyinfo`` [(collation, desc)]."""
    nk = len(keyinfo)
    for i in range(min(len(a), len(b))):
        x = a[i]
        y = b[i]
        coll, desc = keyinfo[i] if i < nk else ("BINARY", False)
        tx = type(x)
        ty = type(y)
        if tx is ty and (tx is int or tx is float or tx is bytes or (
                tx is str and coll == "BINARY" and encoding == "utf-8")):
            # same storage class: Python's order is SQLite's (UTF-8 text: code points)
            c = (x > y) - (x < y)
        elif tx in _NUMBER and ty in _NUMBER:
            c = (x > y) - (x < y)
        elif (tx is str and ty is str and coll == "NOCASE" and encoding == "utf-8"
              and x.isascii() and y.isascii()):
            # NOCASE folds ASCII letters only: on ASCII text that is str.lower()
            x = x.lower()
            y = y.lower()
            c = (x > y) - (x < y)
        else:
            c = compare(x, y, coll, encoding)
        if c:
            return -c if desc else c
    return (len(a) > len(b)) - (len(a) < len(b))


def check(path, *, max_problems: int = 100,
          progress: Callable[[int, int], None] | None = None) -> list[Problem]:
    """Judge the database at ``path``; an empty list means consistent.

    Raises :class:`CorruptError` only when the file cannot be read as a
    database at all (no header, bad magic, impossible page size).
    """
    path = os.fspath(path)
    if os.path.getsize(path) == 0 and not os.path.exists(path + "-wal"):
        return []  # a zero-length file is an empty database to SQLite
    try:
        with PageSource(path) as src:
            problems = _Checker(src, max_problems, progress).run()
            page_size = src.page_size
    except FormatError as err:  # a layout the walk did not expect to fail: still damage
        raise CorruptError(err.message, page=err.page, offset=err.offset) from None
    room = max(0, max_problems - len(problems))
    logs = _wal_problems(path, page_size) + _journal_problems(path, page_size)
    return problems + logs[:room]


# -- the -wal and a hot -journal themselves ----------------------------------------------


def _wal_problems(path: str, page_size: int | None) -> list[Problem]:
    """Damage inside the ``-wal`` beside ``path`` (walformat, wal.c recovery).

    Normal leftovers are not reported: frames after the last commit frame
    (a transaction that never committed, or one whose spilled frames were
    rewritten in place, which breaks the checksum chain until the commit
    rewrites it), frames with stale salts (an older generation of the log),
    a file shorter than the header, a part frame at the end, and frames
    naming pages beyond their commit's database size (a transaction that
    spilled pages and then shrank the file: readers never look past the
    commit's size). Reported: a header sqlite3 cannot use while frames
    follow it, a header page size other than the database's, and a break in
    the chain (checksum mismatch, or page number 0 under a valid checksum)
    followed by a commit frame of the same generation: sqlite3 ends the log
    at the break, so that committed transaction is silently lost.
    """
    wal = path + "-wal"
    if not os.path.exists(wal):
        return []
    scan = scan_wal(wal)
    name = os.path.basename(wal)
    out: list[Problem] = []
    if scan.header is None:
        return out  # shorter than the header: an empty log to sqlite3
    if not scan.header_valid:
        out.append(Problem(None, 0, f"wal: {name} header is not a valid WAL header "
                           f"({scan.header_problem}); sqlite3 ignores the whole log "
                           f"({len(scan.frames)} frames)", "wal"))
        return out
    if page_size is not None and scan.header.page_size != page_size:
        out.append(Problem(None, 8, f"wal: {name} header page size {scan.header.page_size} "
                           f"differs from the database's {page_size}", "wal"))
        return out
    end = scan.end_frame
    if end is None:
        return out
    broken = scan.frames[end - 1]
    later_commits = [f for f in scan.frames[end:] if f.salt_ok and f.commit_size]
    if broken.reason == REASON_PAGE_ZERO and broken.checksum_ok:
        out.append(Problem(None, broken.offset, f"wal: {name} frame {end} names page 0 under a "
                           "valid checksum (sqlite3 never writes one); the log ends there",
                           "wal"))
    elif broken.salt_ok and later_commits and broken.reason in (REASON_CHECKSUM,
                                                                 REASON_PAGE_ZERO):
        out.append(Problem(None, broken.offset, f"wal: {name} frame {end} (page "
                           f"{broken.page_number}) fails its checksum; sqlite3 ends the log "
                           f"there, ignoring the transaction committed by frame "
                           f"{later_commits[-1].index}", "wal"))
    return out


def _journal_problems(path: str, page_size: int | None) -> list[Problem]:
    """Damage inside a hot ``-journal`` beside ``path`` (pager.c hot-journal playback).

    A journal is hot when its first byte is not zero and the database is not
    empty. Normal states are not reported: a file too short for a header, a
    segment whose header was never synced after the first, records cut short
    by the end of the file, and a bad checksum in a segment whose record
    count is 0xFFFFFFFF (taken from the file size: its tail was never
    synced). Reported: a first header whose magic or sizes are unusable
    (sqlite3 then rolls nothing back, though the journal claims to be hot),
    and, in a segment with a stated record count (written only after its
    records were synced), a record with a bad checksum or page number 0,
    where sqlite3 silently stops the rollback.
    """
    jpath = path + "-journal"
    if not os.path.exists(jpath) or os.path.getsize(path) == 0:
        return []
    with open(jpath, "rb") as f:
        data = f.read()
    if not data or data[0] == 0:
        return []  # not hot
    name = os.path.basename(jpath)
    try:
        scan = scan_journal(data, page_size)
    except FormatError as err:
        return [Problem(None, err.offset, f"journal: {name} cannot be read: {err.message}",
                        "journal")]
    out: list[Problem] = []
    if not scan.header_valid:
        if scan.stop_offset == 0 and not scan.stop_reason.startswith("no room"):
            out.append(Problem(None, 0, f"journal: {name} header cannot be read "
                               f"({scan.stop_reason}); sqlite3 rolls nothing back", "journal"))
        return out
    for rec in scan.records:
        seg = scan.segments[rec.segment]
        if seg.record_count == NREC_FROM_FILE_SIZE:
            continue
        if rec.checksum_ok is False:
            out.append(Problem(None, rec.offset, f"journal: {name} record for page "
                               f"{rec.page_number} fails its checksum; sqlite3 stops the "
                               "rollback there", "journal"))
        elif rec.note and rec.note.startswith("page number"):
            out.append(Problem(None, rec.offset, f"journal: {name} record with {rec.note} "
                               f"inside a segment of {seg.record_count} records; sqlite3 stops "
                               "the rollback there", "journal"))
    return out


def _layout(read, page, hoff: int, usable: int, records):
    """A page's columnar layout (formatspec), its records decoded by ``records`` when given;
    when that fails, the layout without records (a bad record only: reported later, row by
    row); None when the cells themselves are bad (reported cell by cell by the caller)."""
    try:
        return read(page, hoff, usable, records) if records is not None else \
            read(page, hoff, usable)
    except FormatError:
        if records is None:
            return None
    try:
        return read(page, hoff, usable)
    except FormatError:
        return None
