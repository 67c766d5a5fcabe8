"""Cursors over the b-trees of a database file (the read side of SQLite's ``btree.c``).

fileformat2 section "B-tree Pages": every table and index is a b-tree whose
pages are numbered ``1..page_count``. A *table* b-tree (page types 5 interior,
13 leaf) is keyed by a 64-bit rowid and holds its records in the leaves only;
an *index* b-tree (types 2 interior, 10 leaf) is keyed by records and holds
entries in interior cells too (in-order: the left child's entries, then the
cell's own entry, ..., then the right child's entries). Payloads that do not
fit on their page continue on a chain of overflow pages.

This module owns the *walking* of those structures: stacks of pages, cell
indexes, in-order traversal, binary search, assembling a payload from its
local part and its overflow chain. Every byte layout is decoded by
:mod:`formatspec` (``formatspec.btree`` for page headers, cell pointers and
cells, ``formatspec.overflow`` for overflow pages, ``formatspec.record`` for
records); errors it reports become :class:`~engine.errors.CorruptError` with
the page number and offset, raised lazily when the cursor reaches the damage.

Damage detected (never a hang, a RecursionError or a memory blow-up):

* a page of the wrong type for its tree (only 2, 5, 10, 13 exist; table trees
  hold 5 and 13, index trees 2 and 10);
* a child or overflow page number outside ``1..page_count`` or equal to the
  lock-byte page;
* a page that appears twice on one root-to-leaf path (a cycle), a tree deeper
  than SQLite's limit of 20 levels or than the number of pages in the file,
  and a page reached twice during one traversal (two parents sharing it);
* a cell pointer into the page header / pointer array or past the usable end of
  the page, a cell running off the page;
* a payload larger than the file could hold, an overflow chain that loops or
  ends early.
"""

from __future__ import annotations

from formatspec import FormatError
from formatspec import btree as fb
from formatspec import overflow as fo
from formatspec import record as fr

from .errors import CorruptError

TABLE_INTERIOR, TABLE_LEAF, INDEX_INTERIOR, INDEX_LEAF = 5, 13, 2, 10
MAX_DEPTH = 20  # BTCURSOR_MAX_DEPTH in btree.c


def _corrupt(err: FormatError, pgno: int, base: int = 0) -> CorruptError:
    off = err.offset
    return CorruptError(getattr(err, "message", str(err)), page=pgno,
                        offset=None if off is None else off + base)


class Node:
    """One decoded b-tree page: header fields and cell pointers."""

    __slots__ = ("pgno", "page", "hdr", "type", "leaf", "ncell", "ptrs", "right", "_cells")

    def __init__(self, pgno: int, page, hdr, page_type, ncell, ptrs, right) -> None:
        self.pgno = pgno
        self.page = page
        self.hdr = hdr
        self.type = page_type
        self.leaf = page_type in (TABLE_LEAF, INDEX_LEAF)
        self.ncell = ncell
        self.ptrs = ptrs
        self.right = right
        self._cells: list | None = None


class BTree:
    """Access to one b-tree (table or index) rooted at ``root`` through a pager."""

    def __init__(self, pager, root: int, *, index: bool, encoding: str | None = None) -> None:
        self.pager = pager
        self.root = root
        self.index = index
        self.encoding = encoding or pager.encoding
        self.usable = pager.usable_size
        self.page_count = pager.page_count
        self.max_depth = min(MAX_DEPTH, max(1, self.page_count))
        self._types = (INDEX_INTERIOR, INDEX_LEAF) if index else (TABLE_INTERIOR, TABLE_LEAF)
        self._max_payload = max(1, self.page_count) * self.usable

    # -- pages ---------------------------------------------------------------
    def check_page_number(self, pgno: int, *, parent: int, offset: int | None = None,
                          what: str = "child page") -> None:
        if not 1 <= pgno <= self.page_count:
            raise CorruptError(f"{what} {pgno} out of range 1..{self.page_count}",
                               page=parent, offset=offset)
        if pgno == self.pager.lock_byte_page:
            raise CorruptError(f"{what} {pgno} is the lock-byte page", page=parent,
                               offset=offset)

    def node(self, pgno: int) -> Node:
        page = self.pager.get_page(pgno)
        hdr = fb.hdr_offset_for(pgno)
        try:
            ph = fb.read_page_header(page, hdr)
        except FormatError as err:
            raise _corrupt(err, pgno) from None
        if ph.page_type not in self._types:
            kind = "index" if self.index else "table"
            raise CorruptError(f"page type {ph.page_type} in a {kind} b-tree", page=pgno,
                               offset=hdr)
        ncell = ph.cell_count
        first_cell = hdr + ph.header_size + 2 * ncell
        if first_cell > self.usable:
            raise CorruptError(f"{ncell} cell pointers run off the page", page=pgno, offset=hdr + 3)
        try:
            ptrs = fb.read_cell_pointers(page, hdr, ph.header_size, ncell)
        except FormatError as err:
            raise _corrupt(err, pgno) from None
        if ncell and (min(ptrs) < first_cell or max(ptrs) > self.usable - 4):
            bad = next(p for p in ptrs if p < first_cell or p > self.usable - 4)
            i = ptrs.index(bad)
            raise CorruptError(f"cell pointer {i} = {bad} outside {first_cell}..{self.usable - 4}",
                               page=pgno, offset=hdr + ph.header_size + 2 * i)
        right = 0
        if ph.page_type in (TABLE_INTERIOR, INDEX_INTERIOR):
            right = ph.right_child
            self.check_page_number(right, parent=pgno, offset=hdr + 8)
        return Node(pgno, page, hdr, ph.page_type, ncell, ptrs, right)

    # -- cells ---------------------------------------------------------------
    def _cell_error(self, node: Node, i: int, err: FormatError) -> CorruptError:
        return CorruptError(f"cell {i}: {getattr(err, 'message', err)}", page=node.pgno,
                            offset=node.ptrs[i])

    def table_interior_cell(self, node: Node, i: int) -> tuple[int, int]:
        """(left child, rowid) of cell ``i`` of a table interior page."""
        cells = node._cells
        if cells is None:
            cells = node._cells = [None] * node.ncell
        cell = cells[i]
        if cell is None:
            try:
                cell = fb.read_table_interior_cell(node.page, node.ptrs[i])
            except FormatError as err:
                raise self._cell_error(node, i, err) from None
            self.check_page_number(cell[0], parent=node.pgno, offset=node.ptrs[i])
            cells[i] = cell
        return cell

    def child(self, node: Node, i: int) -> int:
        """Page number of child ``i`` (``i == ncell`` is the right child)."""
        if i == node.ncell:
            return node.right
        if self.index:
            return self.index_cell(node, i)[0]
        return self.table_interior_cell(node, i)[0]

    def table_leaf_cell(self, node: Node, i: int):
        """(rowid, payload size, local payload, first overflow page) of a table leaf cell."""
        try:
            cell = fb.read_table_leaf_cell(node.page, node.ptrs[i], self.usable)
        except FormatError as err:
            raise self._cell_error(node, i, err) from None
        self._check_payload(node, i, cell[1], cell[2], cell[3])
        return cell

    def index_cell(self, node: Node, i: int):
        """(left child or 0, payload size, local payload, first overflow page)."""
        cells = node._cells
        if cells is None:
            cells = node._cells = [None] * node.ncell
        cell = cells[i]
        if cell is None:
            try:
                if node.leaf:
                    size, local, ovfl = fb.read_index_leaf_cell(node.page, node.ptrs[i], self.usable)
                    cell = (0, size, local, ovfl)
                else:
                    cell = tuple(fb.read_index_interior_cell(node.page, node.ptrs[i], self.usable))
                    self.check_page_number(cell[0], parent=node.pgno, offset=node.ptrs[i])
            except FormatError as err:
                raise self._cell_error(node, i, err) from None
            self._check_payload(node, i, cell[1], cell[2], cell[3])
            cells[i] = cell
        return cell

    def _check_payload(self, node: Node, i: int, size: int, local, overflow: int) -> None:
        if size > self._max_payload:
            raise CorruptError(f"cell {i}: payload of {size} bytes is larger than the file",
                               page=node.pgno, offset=node.ptrs[i])
        if len(local) > size or (overflow == 0 and len(local) != size):
            raise CorruptError(f"cell {i}: payload runs off the page", page=node.pgno,
                               offset=node.ptrs[i])
        if overflow:
            self.check_page_number(overflow, parent=node.pgno, offset=node.ptrs[i],
                                   what="overflow page")

    def payload(self, size: int, local, overflow: int, *, pgno: int = 0) -> bytes:
        """The whole payload: the local part, then the overflow chain's content."""
        if not overflow:
            return bytes(local)
        parts = [bytes(local)]
        remaining = size - len(local)
        seen = set()
        prev = pgno
        page_no = overflow
        while remaining > 0:
            if page_no == 0:
                raise CorruptError(f"overflow chain ends with {remaining} bytes missing",
                                   page=prev)
            self.check_page_number(page_no, parent=prev, what="overflow page")
            if page_no in seen:
                raise CorruptError(f"overflow chain loops back to page {page_no}", page=prev)
            seen.add(page_no)
            try:
                nxt, content = fo.read_overflow_page(self.pager.get_page(page_no), self.usable)
            except FormatError as err:
                raise _corrupt(err, page_no) from None
            take = min(remaining, len(content))
            parts.append(bytes(content[:take]))
            remaining -= take
            prev, page_no = page_no, nxt
        return b"".join(parts)

    def decode(self, payload: bytes, *, pgno: int = 0, offset: int | None = None) -> tuple:
        try:
            return fr.decode_record(payload, self.encoding)
        except FormatError as err:
            raise CorruptError(f"record: {err.message}", page=pgno, offset=offset) from None

    def cursor(self) -> Cursor:
        return Cursor(self)


class Cursor:
    """A position in a b-tree: a stack of ``[node, index]`` from the root down.

    For table trees the position is always on a leaf cell. For index trees it
    may rest on an interior cell (which is an entry of its own). After
    :meth:`first`, :meth:`last`, :meth:`seek_rowid` or :meth:`seek_key`,
    ``eof`` tells whether the cursor points at an entry.
    """

    def __init__(self, tree: BTree) -> None:
        self.tree = tree
        self.stack: list[list] = []
        self.eof = True
        # pages entered since the traversal last changed direction: in one direction
        # a page is entered once, so a second entry means two parents share it
        self._visited: set[int] = set()
        self._direction = 0

    # -- descending ------------------------------------------------------------
    def _push(self, pgno: int) -> Node:
        stack = self.stack
        if len(stack) >= self.tree.max_depth:
            raise CorruptError(
                f"b-tree deeper than {self.tree.max_depth} levels", page=pgno)
        for entry in stack:
            if entry[0].pgno == pgno:
                raise CorruptError(f"b-tree cycle: page {pgno} is its own ancestor",
                                   page=stack[-1][0].pgno)
        if pgno in self._visited:
            raise CorruptError(f"page {pgno} is reached twice in one b-tree",
                               page=stack[-1][0].pgno if stack else pgno)
        self._visited.add(pgno)
        node = self.tree.node(pgno)
        stack.append([node, 0])
        return node

    def _reset(self) -> Node:
        self.stack = []
        self._visited = set()
        self._direction = 0
        return self._push(self.tree.root)

    def _leftmost(self) -> bool:
        """Descend along first children to a leaf; position on its first entry."""
        while True:
            node = self.stack[-1][0]
            if node.leaf:
                self.stack[-1][1] = 0
                if node.ncell == 0:
                    if len(self.stack) > 1:
                        raise CorruptError("empty leaf page below the root", page=node.pgno)
                    self.eof = True
                    return False
                self.eof = False
                return True
            self.stack[-1][1] = 0
            self._push(self.tree.child(node, 0))

    def _rightmost(self) -> bool:
        while True:
            node = self.stack[-1][0]
            if node.leaf:
                if node.ncell == 0:
                    if len(self.stack) > 1:
                        raise CorruptError("empty leaf page below the root", page=node.pgno)
                    self.eof = True
                    return False
                self.stack[-1][1] = node.ncell - 1
                self.eof = False
                return True
            self.stack[-1][1] = node.ncell
            self._push(node.right)

    # -- positioning -----------------------------------------------------------
    def first(self) -> bool:
        self._reset()
        return self._leftmost()

    def last(self) -> bool:
        self._reset()
        return self._rightmost()

    def _turn(self, direction: int) -> None:
        if self._direction != direction:
            self._direction = direction
            self._visited = {entry[0].pgno for entry in self.stack}

    def next(self) -> bool:
        if self.eof:
            return False
        self._turn(1)
        stack = self.stack
        node, i = stack[-1]
        if not node.leaf:
            # on an interior entry of an index: continue with the subtree after it
            stack[-1][1] = i + 1
            self._push(self.tree.child(node, i + 1))
            return self._leftmost()
        if i + 1 < node.ncell:
            stack[-1][1] = i + 1
            return True
        return self._ascend_forward()

    def _ascend_forward(self) -> bool:
        stack = self.stack
        while True:
            stack.pop()
            if not stack:
                self.eof = True
                return False
            node, i = stack[-1]
            if i < node.ncell:
                if self.tree.index:
                    return True  # the interior cell i is the next entry
                stack[-1][1] = i + 1
                self._push(self.tree.child(node, i + 1))
                return self._leftmost()

    def prev(self) -> bool:
        if self.eof:
            return False
        self._turn(-1)
        stack = self.stack
        node, i = stack[-1]
        if not node.leaf:
            # before interior entry i come the entries of child i
            self._push(self.tree.child(node, i))
            return self._rightmost()
        if i > 0:
            stack[-1][1] = i - 1
            return True
        while True:
            stack.pop()
            if not stack:
                self.eof = True
                return False
            node, i = stack[-1]
            if i > 0:
                if self.tree.index:
                    stack[-1][1] = i - 1
                    return True
                stack[-1][1] = i - 1
                self._push(self.tree.child(node, i - 1))
                return self._rightmost()

    def seek_rowid(self, rowid: int) -> bool:
        """Table trees: position on the first row with rowid >= ``rowid``; True when equal."""
        tree = self.tree
        node = self._reset()
        while not node.leaf:
            lo, hi = 0, node.ncell
            while lo < hi:
                mid = (lo + hi) // 2
                if tree.table_interior_cell(node, mid)[1] < rowid:
                    lo = mid + 1
                else:
                    hi = mid
            self.stack[-1][1] = lo
            node = self._push(tree.child(node, lo))
        lo, hi = 0, node.ncell
        found = False
        while lo < hi:
            mid = (lo + hi) // 2
            key = tree.table_leaf_cell(node, mid)[0]
            if key < rowid:
                lo = mid + 1
            else:
                hi = mid
        self.stack[-1][1] = lo
        if lo < node.ncell:
            self.eof = False
            found = tree.table_leaf_cell(node, lo)[0] == rowid
            return found
        if node.ncell == 0 and len(self.stack) == 1:
            self.eof = True
            return False
        self.eof = False
        self._ascend_forward()
        return False

    def seek_key(self, key, collations=None, desc=None) -> bool:
        """Index trees: position on the first entry >= ``key``; True when it starts with ``key``.

        ``key`` is a sequence of values compared column by column with the
        entry's first ``len(key)`` columns, each with its collation (BINARY,
        NOCASE, RTRIM; default BINARY) and order (``desc[i]`` reverses it).
        """
        tree = self.tree
        node = self._reset()
        while True:
            lo, hi = 0, node.ncell
            while lo < hi:
                mid = (lo + hi) // 2
                if compare_key(self._entry_at(node, mid), key, collations, desc,
                               tree.encoding) < 0:
                    lo = mid + 1
                else:
                    hi = mid
            self.stack[-1][1] = lo
            if node.leaf:
                break
            node = self._push(tree.child(node, lo))
        if lo < node.ncell:
            self.eof = False
        elif node.ncell == 0 and len(self.stack) == 1:
            self.eof = True
            return False
        else:
            self.eof = False
            if not self._ascend_forward():
                return False
        return compare_key(self.record(), key, collations, desc, tree.encoding) == 0

    # -- the current entry ---------------------------------------------------------
    def _entry_at(self, node: Node, i: int) -> tuple:
        cell = self.tree.index_cell(node, i)
        payload = self.tree.payload(cell[1], cell[2], cell[3], pgno=node.pgno)
        return self.tree.decode(payload, pgno=node.pgno, offset=node.ptrs[i])

    def _cell(self):
        node, i = self.stack[-1]
        if self.tree.index:
            return node, i, self.tree.index_cell(node, i)
        rowid, size, local, ovfl = self.tree.table_leaf_cell(node, i)
        return node, i, (rowid, size, local, ovfl)

    @property
    def rowid(self) -> int:
        if self.eof or self.tree.index:
            raise ValueError("rowid of a cursor not on a table row")
        node, i = self.stack[-1]
        return self.tree.table_leaf_cell(node, i)[0]

    @property
    def payload_size(self) -> int:
        return self._cell()[2][1]

    def payload(self) -> bytes:
        """The current entry's payload, its overflow chain assembled now."""
        if self.eof:
            raise ValueError("cursor is not on an entry")
        node, _i, cell = self._cell()
        return self.tree.payload(cell[1], cell[2], cell[3], pgno=node.pgno)

    def record(self) -> tuple:
        node, i, _cell = self._cell()
        return self.tree.decode(self.payload(), pgno=node.pgno, offset=node.ptrs[i])

    @property
    def depth(self) -> int:
        return len(self.stack)


_VALUES_ENCODING = {"utf-8": "utf-8", "utf-16-le": "utf-16le", "utf-16-be": "utf-16be"}


def compare_key(entry, key, collations=None, desc=None, encoding: str = "utf-8") -> int:
    """Compare an index entry with a (possibly shorter) search key, column by column.

    Values compare in SQLite's cross-type order (NULL < numbers < text < blob,
    :func:`engine.values.compare`); text by the column's collation in the
    database encoding (BINARY compares the encoded bytes, so UTF-16le text
    orders differently from UTF-8).
    """
    from .values import compare

    enc = _VALUES_ENCODING.get(encoding, encoding)
    for j, want in enumerate(key):
        if j >= len(entry):
            return -1
        coll = collations[j] if collations and j < len(collations) and collations[j] else "BINARY"
        c = compare(entry[j], want, coll, enc)
        if c:
            return -c if desc and j < len(desc) and desc[j] else c
    return 0


def table_leaves(tree: BTree):
    """Yield the leaf nodes of a table b-tree in rowid order (for full scans).

    The walk keeps an explicit stack, refuses cycles, over-deep trees and
    pages shared by two parents, and never holds more than one path of nodes.
    """
    visited: set[int] = set()
    stack: list[list] = []
    max_depth = tree.max_depth

    def push(pgno: int, parent: int, offset: int | None):
        if pgno in visited:
            raise CorruptError(f"page {pgno} is reached twice in one b-tree", page=parent,
                               offset=offset)
        if len(stack) >= max_depth:
            raise CorruptError(f"b-tree deeper than {max_depth} levels", page=parent)
        visited.add(pgno)
        node = tree.node(pgno)
        if node.leaf:
            if node.ncell == 0 and stack:
                raise CorruptError("empty leaf page below the root", page=pgno)
            return node
        stack.append([node, 0])
        return None

    leaf = push(tree.root, tree.root, None)
    if leaf is not None:
        yield leaf
        return
    while stack:
        top = stack[-1]
        node, i = top
        if i > node.ncell:
            stack.pop()
            continue
        top[1] = i + 1
        child = tree.child(node, i)
        if i < node.ncell:
            tree.check_page_number(child, parent=node.pgno, offset=node.ptrs[i])
        leaf = push(child, node.pgno, node.ptrs[i] if i < node.ncell else node.hdr + 8)
        if leaf is not None:
            yield leaf


def index_entry_pages(tree: BTree):
    """Yield the records of an index b-tree in index order, a list at a time (full scans).

    For each leaf page, the list of its entries; for each interior cell, a
    one-entry list with the cell's own entry (it comes after its left child's
    entries). Same checks as :func:`table_leaves`: cycles, depth, pages
    shared by two parents, and each cell's bounds and payload size.
    """
    visited: set[int] = set()
    max_depth = tree.max_depth
    decode = tree.decode
    payload = tree.payload
    read_leaf = fb.read_index_leaf_cell
    usable = tree.usable
    stack: list[list] = []

    def leaf_entries(node: Node) -> list:
        out = []
        page = node.page
        for i, ptr in enumerate(node.ptrs):
            try:
                size, local, overflow = read_leaf(page, ptr, usable)
            except FormatError as err:
                raise tree._cell_error(node, i, err) from None
            if overflow:
                tree._check_payload(node, i, size, local, overflow)
                local = payload(size, local, overflow, pgno=node.pgno)
            elif len(local) != size:
                tree._check_payload(node, i, size, local, overflow)
            out.append(decode(local, pgno=node.pgno, offset=ptr))
        return out

    def enter(pgno: int, parent: int, offset: int | None):
        if pgno in visited:
            raise CorruptError(f"page {pgno} is reached twice in one b-tree", page=parent,
                               offset=offset)
        if len(stack) >= max_depth:
            raise CorruptError(f"b-tree deeper than {max_depth} levels", page=parent)
        visited.add(pgno)
        node = tree.node(pgno)
        if node.leaf:
            if node.ncell == 0 and stack:
                raise CorruptError("empty leaf page below the root", page=pgno)
            return leaf_entries(node)
        stack.append([node, 0])
        return None

    entries = enter(tree.root, tree.root, None)
    if entries is not None:
        yield entries
        return
    while stack:
        top = stack[-1]
        node, i = top
        if i > node.ncell:
            stack.pop()
            continue
        top[1] = i + 1
        if i > 0:  # the entry of interior cell i-1 follows its left child's entries
            cell = tree.index_cell(node, i - 1)
            data = payload(cell[1], cell[2], cell[3], pgno=node.pgno)
            yield [decode(data, pgno=node.pgno, offset=node.ptrs[i - 1])]
        child = tree.child(node, i)
        entries = enter(child, node.pgno, node.ptrs[i] if i < node.ncell else node.hdr + 8)
        if entries is not None:
            yield entries
