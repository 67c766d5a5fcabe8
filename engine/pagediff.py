"""Page-level differences between two database images, decoded through the spec.

``diff_files(a, b)`` compares two database files page by page; ``diff_wal(path)``
compares a database file as it lies on disk with the same database seen
through its WAL (the committed frames applied, as a reader would see it).
For each page that differs the result gives its kind on both sides
(:mod:`engine.inspect` kinds), the number of bytes that differ, the b-tree
page header fields that changed, and for b-tree pages the cells added,
removed or changed, keyed by rowid (table leaves), by child pointer
(interiors) or by the decoded record (index pages), with the decoded records.
Header fields (fileformat2 1.3) are compared by name.
"""

from __future__ import annotations

import os

from .errors import CorruptError
from .inspect import (
    PageSource,
    _short,
    cell_pointers,
    decode_record,
    inventory,
    page_header,
    parse_cell,
    read_payload,
)

MAX_CELLS_LISTED = 50


def _cells(src: PageSource, page: bytes, pgno: int) -> tuple[dict | None, dict]:
    """({field: value} of the page header, {key: decoded cell}) of a b-tree page."""
    try:
        hdr = page_header(page, pgno)
        ptrs = cell_pointers(page, hdr, pgno)
    except CorruptError:
        return None, {}
    fields = {"page_type": hdr.page_type, "first_freeblock": hdr.first_freeblock,
              "cell_count": hdr.cell_count, "cell_content_start": hdr.cell_content_start,
              "fragmented_free_bytes": hdr.fragmented_free_bytes,
              "right_child": hdr.right_child}
    out = {}
    for off in ptrs:
        try:
            cell = parse_cell(page, off, hdr.page_type, src.usable, pgno)
        except CorruptError as err:
            out[f"<bad cell at {off}>"] = str(err)
            continue
        if hdr.page_type == 5:
            out[f"rowid<={cell.rowid}"] = {"left_child": cell.left_child}
            continue
        try:
            rec = [_short(v, 40) for v in decode_record(
                read_payload(src, page, cell, pgno, limit=1 << 24), src.encoding)]
        except CorruptError as err:
            rec = f"<{err}>"
        if hdr.page_type == 13:
            out[f"rowid {cell.rowid}"] = rec
        else:
            key = repr(rec)
            out[key] = {"left_child": cell.left_child} if cell.left_child else "present"
    return fields, out


def _diff_pages(sa: PageSource, sb: PageSource, label_a: str, label_b: str) -> dict:
    ia = inventory(sa.path, source=sa)
    ib = inventory(sb.path, source=sb)
    result = {"a": label_a, "b": label_b, "header": [], "page_count": [sa.page_count,
                                                                      sb.page_count],
              "pages": []}
    for name, va in ia.header.items():
        vb = ib.header.get(name)
        if va != vb:
            result["header"].append({"field": name, "a": va, "b": vb})
    for pgno in range(1, max(sa.page_count, sb.page_count) + 1):
        pa = sa.page(pgno) if pgno <= sa.page_count else None
        pb = sb.page(pgno) if pgno <= sb.page_count else None
        if pa == pb:
            continue
        entry = {
            "pgno": pgno,
            "kind_a": ia.page(pgno)["kind"] if pa is not None else "absent",
            "kind_b": ib.page(pgno)["kind"] if pb is not None else "absent",
            "btree_a": ia.page(pgno)["btree"] if pa is not None else None,
            "btree_b": ib.page(pgno)["btree"] if pb is not None else None,
            "bytes_changed": (sum(1 for x, y in zip(pa, pb) if x != y)
                              if pa is not None and pb is not None else
                              len(pa or pb)),
        }
        btree_kinds = ("table-interior", "table-leaf", "index-interior", "index-leaf")
        if entry["kind_a"] in btree_kinds or entry["kind_b"] in btree_kinds:
            fa, ca = _cells(sa, pa, pgno) if pa is not None else (None, {})
            fb, cb = _cells(sb, pb, pgno) if pb is not None else (None, {})
            entry["fields"] = [{"field": k, "a": (fa or {}).get(k), "b": (fb or {}).get(k)}
                               for k in (fa or fb or {}) if (fa or {}).get(k) != (fb or {}).get(k)]
            cells = []
            for key in list(ca) + [k for k in cb if k not in ca]:
                if key not in cb:
                    cells.append({"change": "removed", "key": key, "a": ca[key]})
                elif key not in ca:
                    cells.append({"change": "added", "key": key, "b": cb[key]})
                elif ca[key] != cb[key]:
                    cells.append({"change": "changed", "key": key, "a": ca[key], "b": cb[key]})
            entry["cells_changed"] = len(cells)
            entry["cells"] = cells[:MAX_CELLS_LISTED]
        result["pages"].append(entry)
    return result


def diff_files(a, b) -> dict:
    """Pages, cells and records that differ between the databases at ``a`` and ``b``."""
    with PageSource(os.fspath(a)) as sa, PageSource(os.fspath(b)) as sb:
        if sa.page_size != sb.page_size:
            result = _diff_pages_header_only(sa, sb)
            return result
        return _diff_pages(sa, sb, os.fspath(a), os.fspath(b))


def _diff_pages_header_only(sa, sb) -> dict:
    ia = inventory(sa.path, source=sa)
    ib = inventory(sb.path, source=sb)
    return {"a": sa.path, "b": sb.path,
            "header": [{"field": k, "a": v, "b": ib.header.get(k)}
                       for k, v in ia.header.items() if v != ib.header.get(k)],
            "page_count": [sa.page_count, sb.page_count], "pages": [],
            "note": "page sizes differ: pages cannot be compared one to one"}


def diff_wal(path) -> dict:
    """The database file on disk against the same database seen through its WAL."""
    path = os.fspath(path)
    with PageSource(path, through_log=False) as before, PageSource(path) as after:
        return _diff_pages(before, after, f"{path} (file)", f"{path} (through WAL)")
