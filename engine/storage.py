"""The engine's storage read side, as one public object: open a database, read its rows.

``engine.storage.open(path)`` returns a :class:`Database` that sees the
current committed state of a SQLite file (through its ``-wal``, and with a hot
``-journal`` rolled back: see :mod:`engine.pager`). Its contract, relied on by
external checks:

* ``.schema``: the rows of ``sqlite_schema`` as ``(type, name, tbl_name,
  rootpage, sql)`` tuples, in rowid order, exactly as ``SELECT type, name,
  tbl_name, rootpage, sql FROM sqlite_schema`` returns them in sqlite3.
* ``.rows(table)``: exactly the tuples ``SELECT rowid, * FROM table`` yields
  in sqlite3 (the INTEGER PRIMARY KEY column shows the rowid, columns added by
  ALTER TABLE ADD COLUMN take their default on older rows, REAL columns read
  integers back as floats); for a WITHOUT ROWID table exactly ``SELECT *`` in
  primary-key order.
* ``.index_entries(index)``: the records of an index b-tree in index order
  (the indexed columns, then the rowid for an index of a rowid table; for a
  WITHOUT ROWID table's index, the indexed columns then the primary key).
* ``.row_pages(table, columns, filters, residual)``: the projected rows one
  leaf page at a time, with simple comparisons (``column op number``) decided
  in the record decoder, so refused rows are never built.
* ``.row(table, rowid)``: one row by rowid (a point lookup through the b-tree,
  O(depth) pages), or None.
* ``.index_lookup(index, key)``: the index entries starting with ``key``,
  found by a b-tree seek; ``.cursor(name)``: an :class:`engine.btree.Cursor`
  on a table's or an index's b-tree.
* ``.freelist()``: the free pages, the freelist checked on the way.
* ``.catalog``: the parsed schema (:class:`engine.schema.Catalog`), and
  ``.table_names()``.
* ``.page_size``, ``.page_count``, ``.usable_size``, ``.encoding`` (sqlite3's
  ``PRAGMA encoding`` spelling: ``UTF-8``, ``UTF-16le``, ``UTF-16be``),
  ``.close()``, and use as a context manager.

``open_bytes(image, wal=None, journal=None)`` does the same over in-memory
files (:class:`engine.vfs.MemoryVFS`), for fuzzing: it never touches the disk.

Corrupt input raises :class:`engine.CorruptError` (naming page and offset)
where the damage is met: at open for page 1 and the schema rows, on first use
for a malformed CREATE statement, during iteration for a table's pages.

Not supported (NotSupportedError): tables with VIRTUAL generated columns
(their values need expression evaluation, which lives above this layer), and
a DEFAULT that is not a literal on rows older than an ALTER TABLE ADD COLUMN.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from operator import itemgetter

from formatspec import FormatError
from formatspec import btree as fb
from formatspec.freelist import walk_freelist
from formatspec.record import ROWID, RecordProjector, record_decoder

from . import schema as schema_mod
from .btree import BTree, Cursor, compare_key, index_entry_pages, table_leaves
from .errors import CorruptError, OperationalError
from .pager import DEFAULT_CACHE_SIZE, Pager
from .vfs import OSVFS, VFS, MemoryVFS

_PRAGMA_ENCODING = {"utf-8": "UTF-8", "utf-16-le": "UTF-16le", "utf-16-be": "UTF-16be"}
_MEMORY_NAME = "memory.db"


def open(  # noqa: A001 - the module's verb, like io.open
    path,
    *,
    readonly: bool = True,
    cache_size: int = DEFAULT_CACHE_SIZE,
    vfs: VFS | None = None,
    timeout: float = 5.0,
) -> Database:
    """Open the database file at ``path`` (read-only unless ``readonly=False``).

    A read-write open rolls back a hot journal on disk, as sqlite3 does; a
    read-only open presents the rolled-back state without writing anything.
    The open holds a SHARED lock until :meth:`Database.close` (so sqlite3
    writers wait for it); while another process writes, it retries for up to
    ``timeout`` seconds, then raises OperationalError("database is locked").
    ``cache_size`` is in pages, or KiB when negative (as PRAGMA cache_size).
    """
    pager = Pager(str(path), vfs=vfs or OSVFS(), readonly=readonly, cache_size=cache_size,
                  timeout=timeout)
    return Database(pager)


def open_bytes(
    image: bytes,
    wal: bytes | None = None,
    journal: bytes | None = None,
    *,
    cache_size: int = DEFAULT_CACHE_SIZE,
) -> Database:
    """Open a database image held in memory, with optional ``-wal`` and ``-journal`` images."""
    files = {_MEMORY_NAME: image}
    if wal is not None:
        files[_MEMORY_NAME + "-wal"] = wal
    if journal is not None:
        files[_MEMORY_NAME + "-journal"] = journal
    vfs = MemoryVFS(files)
    return Database(Pager(_MEMORY_NAME, vfs=vfs, readonly=True, cache_size=cache_size))


class Database:
    """A read-only view of one database's tables and indexes."""

    def __init__(self, pager: Pager) -> None:
        self.pager = pager
        try:
            self.page_size = pager.page_size
            self.page_count = pager.page_count
            self.usable_size = pager.usable_size
            self.encoding = _PRAGMA_ENCODING[pager.encoding]
            self._decode = record_decoder(pager.encoding)
            self.schema = self._read_schema()
            self.catalog = schema_mod.Catalog(self.schema)
        except BaseException:
            pager.close()
            raise

    # ------------------------------------------------------------------
    def _read_schema(self) -> list[tuple]:
        if self.page_count == 0:
            return []
        out = []
        for rows in self._table_pages(1):
            for row in rows:
                values = row[1:6]
                if len(values) < 5:
                    values = values + (None,) * (5 - len(values))
                out.append(values)
        return out

    def _tree(self, root: int, *, index: bool) -> BTree:
        if not isinstance(root, int) or not 1 <= root <= self.page_count:
            raise CorruptError(f"root page {root} out of range 1..{self.page_count}", page=root)
        return BTree(self.pager, root, index=index)

    def _table_pages(self, root: int) -> Iterator[list[tuple]]:
        """The rows ``(rowid, *record values)`` of a table b-tree, one leaf page at a time.

        Leaf pages are decoded by formatspec's fused scan
        (:func:`formatspec.btree.table_leaf_rows`); payloads that spill are
        assembled here from their overflow chains and decoded by formatspec.
        """
        encoding = self.pager.encoding
        leaf_rows = fb.table_leaf_rows
        decode = self._decode
        return self._leaf_pages(
            root,
            lambda page, hdr, usable, _ptrs: leaf_rows(page, hdr, usable, encoding),
            lambda data, rowid: (rowid, *decode(data)),
        )

    def _leaf_pages(self, root: int, scan, decode_spilled, filtered: bool = False,
                    ordered: bool = True) -> Iterator[list[tuple]]:
        """One list of rows per table leaf page: ``scan(page, hdr, usable, pointers)``
        (the leaf's cell pointers as engine.btree read and checked them) gives
        ``(rows, spilled)``; each spilled cell's payload is assembled from its
        overflow chain and turned into a row by ``decode_spilled(data, rowid)``.
        Rowids must increase across pages (``ordered``: rows start with their
        rowid, and the order is checked). ``filtered``: the scan puts None in
        place of the rows a filter refused; they are dropped (and the rowid order
        is checked on the rows kept)."""
        tree = self._tree(root, index=False)
        usable = self.usable_size
        payload = tree.payload
        prev_rowid = None
        for node in table_leaves(tree):
            try:
                rows, spilled = scan(node.page, node.hdr, usable, node.ptrs)
            except FormatError as err:
                raise CorruptError(err.message, page=node.pgno, offset=err.offset) from None
            if not rows:
                continue
            for i in spilled:
                cell = rows[i]
                tree._check_payload(node, i, cell.payload_size, cell.local_payload,
                                    cell.overflow_page)
                data = payload(cell.payload_size, cell.local_payload, cell.overflow_page,
                               pgno=node.pgno)
                try:
                    rows[i] = decode_spilled(data, cell.rowid)
                except FormatError as err:
                    raise CorruptError(f"row {cell.rowid}: record: {err.message}",
                                       page=node.pgno, offset=node.ptrs[i]) from None
            if filtered:
                rows = list(filter(None, rows))  # kept rows are non-empty tuples
                if not rows:
                    continue
            if not ordered:
                yield rows
                continue
            first = rows[0][0]
            if prev_rowid is not None and first <= prev_rowid:
                raise CorruptError(f"rowid {first} out of order after {prev_rowid}",
                                   page=node.pgno, offset=node.ptrs[0])
            prev_rowid = rows[-1][0]
            yield rows

    # ------------------------------------------------------------------
    def table_names(self) -> list[str]:
        """``sqlite_schema`` and every table the schema lists, in schema order."""
        return ["sqlite_schema"] + [row[1] for row in self.schema if row[0] == "table"]

    def rows(self, table: str, columns=None) -> Iterator[tuple]:
        """``SELECT rowid, * FROM table`` (WITHOUT ROWID: ``SELECT *``), in storage order.

        The table is looked up now (OperationalError for an unknown name); its
        pages are read lazily as the iterator advances, so damage raises
        CorruptError when the scan reaches it.

        ``columns`` (optional, a set of column indexes of the table; -1 the
        rowid, always given) asks for a projected scan: rows keep their full
        width and positions, but the columns not asked for are None and are
        not decoded. Every record is still checked. Tables the projection
        cannot serve (WITHOUT ROWID, generated columns, a column named rowid,
        a non-literal ADD COLUMN default) are read in full.
        """
        t = self._table(table)
        if self.page_count == 0:
            return iter(())  # an empty file: sqlite_schema exists and is empty
        if columns is not None and not t.without_rowid:
            projector = self._projector(t, frozenset(columns))
            if projector is not None:
                return chain.from_iterable(self._projected_pages(t.rootpage, projector))
        shape = t.row_shape(self.pager.encoding)
        if t.without_rowid:
            return self._without_rowid_rows(t, shape)
        # one list per leaf page, flattened in C: no Python frame per row
        return chain.from_iterable(self._shaped_pages(t, shape))

    def _without_rowid_rows(self, t, shape) -> Iterator[tuple]:
        pages = index_entry_pages(self._tree(t.rootpage, index=True))
        return chain.from_iterable(list(map(shape, entries)) for entries in pages)

    def _shaped_pages(self, t, shape) -> Iterator[list[tuple]]:
        width = shape.width
        plain = shape.plain
        reals = [itemgetter(j) for j in shape.reals]
        for rows in self._table_pages(t.rootpage):
            if plain and set(map(len, rows)) == {width}:
                # the common case: rows are already what SELECT rowid, * gives, unless a
                # REAL column holds an integer (stored so on disk; read back as a float)
                for get in reals:
                    if int in set(map(type, map(get, rows))):
                        yield list(map(shape, rows))
                        break
                else:
                    yield rows
            else:
                yield list(map(shape, rows))

    def _projector(self, t, columns: frozenset) -> RecordProjector | None:
        """The projector giving ``SELECT rowid, *`` rows of ``t`` with only ``columns`` decoded."""
        key = ("projector", columns)
        cache = t.__dict__.setdefault("_storage_projectors", {})
        if key in cache:
            return cache[key]
        projector = None
        cols = t.columns
        if not any(c.generated for c in cols) and not any(
                c.name.lower() == "rowid" for c in cols):
            position = {col: pos for pos, col in enumerate(t.storage_order())}
            sources = [ROWID]
            as_float = []
            missing = [None]
            ok = True
            for i, c in enumerate(cols):
                if i == t.rowid_alias:
                    sources.append(ROWID)
                    missing.append(None)
                    continue
                if i not in columns or i not in position:
                    sources.append(None)
                    missing.append(None)
                    continue
                sources.append(position[i])
                if c.affinity == "REAL":
                    as_float.append(len(sources) - 1)
                try:
                    missing.append(c.default_value(self.pager.encoding))
                except Exception:  # noqa: BLE001 - not a literal: the full path raises lazily
                    ok = False
                    break
            if ok:
                projector = RecordProjector(sources, self.pager.encoding, as_float=as_float,
                                            missing=missing)
        cache[key] = projector
        return projector

    def _projected_pages(self, root: int, projector,
                         filtered: bool = False) -> Iterator[list[tuple]]:
        """:meth:`_table_pages` through a projector (rows as :meth:`rows` gives them;
        without their rowids when the projector names none, and then unchecked for
        order: SQLite does not check it during a scan either)."""
        return self._leaf_pages(root, projector.leaf_rows, projector.project, filtered,
                                ordered=projector.sources[0] == ROWID)

    def row_pages(self, table: str, columns=None, filters=(), residual=None,
                  rowid: bool = True) -> Iterator[list[tuple]] | None:
        """The rows of ``rows(table, columns)`` one leaf page at a time (a list per page,
        pages with no row kept left out), keeping only the rows ``filters`` pass.

        ``filters`` are :class:`formatspec.record.RecordProjector` filters by
        position in the row (0 the rowid, ``1 + j`` column ``j``): ``(k, op,
        constant)``, decided in the record decoder before the row is built; the
        columns they read are decoded even when ``columns`` leaves them out.
        ``residual(row)`` decides the rows whose value at a filtered position is
        text or a blob (see RecordProjector). ``rowid=False``: the rowid is not
        needed (position 0 is None, unless a filter reads it; an INTEGER PRIMARY
        KEY column asked for still shows it), so it is not decoded and the rowid
        order is not checked. Returns None when the projected scan cannot serve
        the table (WITHOUT ROWID, generated columns, a column named rowid, a
        non-literal ADD COLUMN default): read it with :meth:`rows`.
        """
        t = self._table(table)
        if t.without_rowid:
            return None
        if columns is None:
            columns = range(-1, len(t.columns))
        filters = tuple(tuple(f) for f in filters)
        cols = frozenset(columns) | {k - 1 for k, _op, _c in filters if k > 0}
        base = self._projector(t, cols)
        if base is None:
            return None
        if self.page_count == 0:
            return iter(())
        rowid = rowid or any(k == 0 for k, _op, _c in filters)
        if not filters and rowid:
            return self._projected_pages(t.rootpage, base)
        cache = t.__dict__.setdefault("_storage_filtered_projectors", {})
        key = (cols, filters, residual, rowid)
        projector = cache.get(key)
        if projector is None:
            if len(cache) >= 64:
                cache.clear()
            sources = base.sources if rowid else tuple(
                None if s == ROWID and (k == 0 or k - 1 not in cols) else s
                for k, s in enumerate(base.sources))
            try:
                projector = RecordProjector(sources, base.encoding, as_float=base.as_float,
                                            missing=base.missing, filters=filters,
                                            residual=residual)
            except FormatError as err:
                raise OperationalError(f"row_pages: {err.message}") from None
            cache[key] = projector
        return self._projected_pages(t.rootpage, projector, filtered=bool(filters))

    def row(self, table: str, rowid: int) -> tuple | None:
        """The row with this rowid (as :meth:`rows` would give it), or None."""
        t = self._table(table)
        if t.without_rowid:
            raise OperationalError(f"table {t.name} has no rowid")
        cur = self._tree(t.rootpage, index=False).cursor()
        if not cur.seek_rowid(rowid):
            return None
        return t.row_shape(self.pager.encoding)((rowid, *cur.record()))

    def freelist(self) -> list[int]:
        """The pages on the freelist (trunks and leaves), following the header's chain.

        A cycle, a page number out of range, a page listed twice or a total that
        differs from the header's count raises CorruptError.
        """
        header = self.pager.header
        if header is None or header.first_freelist_trunk_page == 0 and header.freelist_count == 0:
            return []
        try:
            walk = walk_freelist(self.pager.get_page, header.first_freelist_trunk_page,
                                 header.freelist_count, self.page_count, self.usable_size,
                                 strict=True)
        except FormatError as err:
            raise CorruptError(err.message, page=err.page if err.page is not None else 1,
                               offset=err.offset if err.page is not None else 32) from None
        return walk.pages

    def index_entries(self, index: str) -> Iterator[tuple]:
        """The decoded records of an index b-tree, in index order.

        Each entry is the indexed columns (or expressions), then the rowid (or,
        for an index of a WITHOUT ROWID table, the primary-key columns not
        already indexed). Values read as SQL reads them: a REAL column's
        integral values, stored as integers, come back as floats.
        """
        ix = self.catalog.index(index)
        reals = self._real_positions(ix)
        pages = index_entry_pages(self._tree(ix.rootpage, index=True))
        if not reals:
            return chain.from_iterable(pages)
        return (tuple(float(v) if i in reals and type(v) is int else v
                      for i, v in enumerate(entry))
                for entry in chain.from_iterable(pages))

    def index_lookup(self, index: str, key) -> Iterator[tuple]:
        """The entries of an index whose leading columns equal ``key`` (a tuple), in order.

        Found with a b-tree seek (O(depth) pages to the first match), compared
        with the index's own collations and sort orders, as SQLite compares
        index keys.
        """
        ix = self.catalog.index(index)
        key = tuple(key)
        collations, desc = ix.collations, ix.desc
        reals = self._real_positions(ix)
        cur = self._tree(ix.rootpage, index=True).cursor()
        if not cur.seek_key(key, collations, desc):
            return
        encoding = self.pager.encoding
        while not cur.eof:
            entry = cur.record()
            if compare_key(entry, key, collations, desc, encoding) != 0:
                return
            if reals:
                entry = tuple(float(v) if i in reals and type(v) is int else v
                              for i, v in enumerate(entry))
            yield entry
            cur.next()

    def cursor(self, name: str) -> Cursor:
        """A :class:`engine.btree.Cursor` on the b-tree of a table or an index."""
        try:
            t = self.catalog.table(name)
        except OperationalError:
            ix = self.catalog.index(name)
            return self._tree(ix.rootpage, index=True).cursor()
        if not t.rootpage:
            raise OperationalError(f"{name} is not a table with storage")
        return self._tree(t.rootpage, index=t.without_rowid).cursor()

    def _real_positions(self, ix) -> set[int]:
        try:
            t = self.catalog.table(ix.table)
        except OperationalError:
            return set()
        cols = [c.column for c in ix.columns]
        if t.without_rowid:
            cols += [c.column for c in t.primary_key if c.column not in cols]
        return {i for i, c in enumerate(cols)
                if 0 <= c < len(t.columns) and t.columns[c].affinity == "REAL"}

    def _table(self, name: str) -> schema_mod.Table:
        t = self.catalog.table(name)
        if t.rootpage is None or t.rootpage == 0:
            raise OperationalError(f"{name} is not a table with storage")
        return t

    # ------------------------------------------------------------------
    def close(self) -> None:
        self.pager.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"<engine.storage.Database {self.pager.name!r} page_size={self.page_size} "
                f"pages={self.page_count} {self.encoding}>")


__all__ = ["Database", "open", "open_bytes"]
