"""Rendering for the command line: rich tables, an annotated hex dump, JSON output.

Nothing here reads a file; it renders the plain data that :mod:`engine.inspect`,
:mod:`engine.integrity` and :mod:`engine.pagediff` return.
"""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

ROLE_STYLES = {
    "file-header": "bold magenta",
    "page-header": "bold cyan",
    "cell-pointers": "yellow",
    "cell": "green",
    "cell-alt": "bright_green",
    "freeblock": "red",
    "unallocated": "grey50",
    "overflow-next": "bold cyan",
    "overflow-data": "green",
    "trunk": "cyan",
    "ptrmap": "cyan",
    "reserved": "magenta",
    "free": "grey50",
}


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _json_default(obj):
    if isinstance(obj, bytes | bytearray | memoryview):
        return bytes(obj).hex()
    if isinstance(obj, float):
        return None
    if hasattr(obj, "_asdict"):
        return obj._asdict()
    if hasattr(obj, "__dict__"):
        return vars(obj)
    return str(obj)


def _clean(obj):
    """Replace non-finite floats (not valid JSON) by strings."""
    if isinstance(obj, float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            return str(obj)
        return obj
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def dump_json(obj, out=None) -> None:
    out = out or sys.stdout
    json.dump(_clean(obj), out, default=_json_default, indent=None)
    out.write("\n")


def stream_inventory_json(inv, out=None) -> None:
    """Write ``inspect --json`` page by page, so memory stays bounded by the page arrays."""
    out = out or sys.stdout
    out.write('{"header": ')
    json.dump(inv.header, out, default=_json_default)
    out.write(', "summary": ')
    json.dump(_clean(summary_dict(inv)), out, default=_json_default)
    out.write(', "pages": [')
    for pgno in range(1, inv.page_count + 1):
        if pgno > 1:
            out.write(", ")
        json.dump(inv.page(pgno), out)
    out.write("]")
    for key in ("wal", "journal"):
        value = getattr(inv, key)
        if value is not None:
            out.write(f', "{key}": ')
            json.dump(_clean(value), out, default=_json_default)
    out.write("}\n")


def summary_dict(inv) -> dict:
    return {
        "page_size": inv.page_size,
        "usable_size": inv.usable,
        "page_count": inv.page_count,
        "file_size": inv.file_size,
        "pages_by_kind": inv.counts_by_kind(),
        "freelist_pages": inv.freelist_trunks + inv.freelist_leaves,
        "btrees": [
            {"name": t.name, "type": t.type, "rootpage": t.rootpage,
             "without_rowid": t.without_rowid, "depth": t.depth, "pages": t.pages,
             "overflow_pages": t.overflow_pages, "entries": t.entries,
             "fill": round(t.fill, 4), "problem": t.problem}
            for t in inv.btrees
        ],
        "problems": list(inv.problems),
    }


def render_summary(con: Console, inv) -> None:
    h = inv.header
    enc = {1: "UTF-8", 2: "UTF-16le", 3: "UTF-16be"}.get(h["text_encoding"], "?")
    con.print(Text(f"{inv.path}", style="bold"))
    t = Table(title="database header", show_header=True, header_style="bold")
    t.add_column("field", no_wrap=True)
    t.add_column("value", justify="right")
    for name, value in h.items():
        if name in ("header_string", "reserved_for_expansion"):
            continue
        if name == "text_encoding":
            value = f"{value} ({enc})"
        t.add_row(name, str(value))
    con.print(t)
    k = Table(title=f"{inv.page_count} pages of {inv.page_size} bytes (usable {inv.usable})")
    k.add_column("kind")
    k.add_column("pages", justify="right")
    for kind, n in inv.counts_by_kind().items():
        k.add_row(kind, str(n))
    con.print(k)
    b = Table(title="b-trees")
    longest = max((len(t.name) for t in inv.btrees), default=4)
    b.add_column("name", no_wrap=True, min_width=min(longest, 60))
    for col in ("type", "root", "depth", "pages", "overflow", "entries", "fill"):
        b.add_column(col, justify="right" if col != "type" else "left")
    for tr in inv.btrees:
        typ = tr.type + (" (without rowid)" if tr.without_rowid else "")
        b.add_row(escape(tr.name), typ, str(tr.rootpage), str(tr.depth), str(tr.pages),
                  str(tr.overflow_pages), str(tr.entries), f"{tr.fill:.1%}")
    con.print(b)
    con.print(f"freelist: {inv.freelist_trunks} trunk + {inv.freelist_leaves} leaf pages "
              f"(header says {h['freelist_count']})")
    for key in ("wal", "journal"):
        info = getattr(inv, key)
        if info is None:
            con.print(f"{key}: none")
        elif key == "wal":
            used = sum(1 for f in info["frames"] if f["used"])
            con.print(f"wal: {len(info['frames'])} frames, {used} used, header "
                      f"{'valid' if info['header_valid'] else 'invalid'}")
        else:
            con.print(f"journal: {info.get('size')} bytes, "
                      f"{'HOT (would be rolled back)' if info.get('hot') else 'not hot'}")
    for p in inv.problems:
        con.print(Text(f"problem: {p}", style="red"))


def hexdump(page: bytes, regions, width: int = 16) -> Text:
    """An annotated hex dump: each byte coloured by the region that holds it."""
    role_at = [None] * len(page)
    label_at = {}
    alt = False
    for start, end, label, role in regions:
        if role == "cell":
            alt = not alt
            role = "cell-alt" if alt else "cell"
        for i in range(max(start, 0), min(end, len(page))):
            role_at[i] = role
        if 0 <= start < len(page):
            label_at.setdefault(start - start % width, []).append(f"{start}: {label}")
    out = Text()
    last_blank = False
    for row in range(0, len(page), width):
        chunk = page[row : row + width]
        if not any(chunk) and row not in label_at:
            if not last_blank:
                out.append("*\n", style="grey50")
            last_blank = True
            continue
        last_blank = False
        out.append(f"{row:6x}  ", style="dim")
        for i, b in enumerate(chunk):
            out.append(f"{b:02x} ", style=ROLE_STYLES.get(role_at[row + i] or "", ""))
        out.append(" ")
        out.append("".join(chr(b) if 32 <= b < 127 else "." for b in chunk), style="dim")
        if row in label_at:
            out.append("  " + "; ".join(label_at[row])[:80], style="italic")
        out.append("\n")
    return out


def render_page(con: Console, detail: dict, page: bytes) -> None:
    con.print(Text(f"page {detail['pgno']}: {detail['kind']}"
                   + (f" of {detail['btree']}" if detail["btree"] else ""), style="bold"))
    con.print(f"ncell {detail['ncell']}  payload {detail['payload']}  unused {detail['unused']}")
    if detail["fields"]:
        t = Table(title="fields")
        for col in ("offset", "size", "field", "raw", "value"):
            t.add_column(col)
        for f in detail["fields"]:
            t.add_row(str(f["offset"]), str(f["size"]), f["name"], f["raw"], str(f["value"]))
        con.print(t)
    if detail["cells"]:
        t = Table(title="cells")
        for col in ("#", "offset", "size", "child", "rowid", "payload", "overflow", "record"):
            t.add_column(col)
        for c in detail["cells"]:
            rec = c.get("record")
            rec_text = escape(repr(rec)[:120]) if rec is not None else escape(
                c.get("record_error", ""))
            t.add_row(str(c["index"]), str(c["offset"]), str(c["size"]),
                      str(c["left_child"] or ""), "" if c["rowid"] is None else str(c["rowid"]),
                      "" if c["payload_size"] is None else str(c["payload_size"]),
                      str(c["first_overflow"] or ""), rec_text)
        con.print(t)
    if detail["freeblocks"]:
        con.print("freeblocks: " + ", ".join(f"{f['offset']}+{f['size']}"
                                             for f in detail["freeblocks"]))
    for p in detail["problems"]:
        con.print(Text(f"problem: {p}", style="red"))
    roles = []
    for _s, _e, _label, role in detail["regions"]:
        if role not in roles:
            roles.append(role)
    legend = Text("legend: ")
    for role in roles:
        legend.append(f"[{role}] ", style=ROLE_STYLES.get(role, ""))
    con.print(legend)
    con.print(hexdump(page, detail["regions"]))


def render_btree(con: Console, name: str, node: dict) -> None:
    tree = Tree(Text(f"{name}", style="bold"))

    def add(parent, n):
        label = f"page {n['pgno']}"
        if "divider" in n and n["divider"] is not None:
            label = f"<= {n['divider']!r}: " + label
        elif "divider" in n:
            label = "right: " + label
        if "error" in n:
            parent.add(Text(label + f"  {n['error']}", style="red"))
            return
        if n.get("truncated"):
            parent.add(label + " ...")
            return
        label += f" {n['kind']} ({n['ncell']} cells)"
        if "first_key" in n:
            label += f" keys {n['first_key']!r} .. {n['last_key']!r}"
        branch = parent.add(escape(label))
        for child in n.get("children", []):
            add(branch, child)

    add(tree, node)
    con.print(tree)


def render_wal(con: Console, info: dict | None) -> None:
    if info is None:
        con.print("no WAL file")
        return
    con.print(Text(f"{info['path']}: {info['size']} bytes", style="bold"))
    if info["header"]:
        t = Table(title="WAL header")
        t.add_column("field")
        t.add_column("value")
        for k, v in info["header"].items():
            t.add_row(k, hex(v) if k == "magic" else str(v))
        con.print(t)
    con.print(f"header valid: {info['header_valid']}"
              + (f" ({info['header_problem']})" if info["header_problem"] else ""))
    t = Table(title="frames")
    for col in ("#", "page", "commit size", "salts", "checksum", "used", "why not"):
        t.add_column(col)
    for f in info["frames"]:
        t.add_row(str(f["index"]), str(f["page_number"]), str(f["commit_size"] or ""),
                  f"{f['salt_1']:08x} {f['salt_2']:08x}" + ("" if f["salt_ok"] else " (bad)"),
                  {True: "ok", False: "BAD", None: "-"}[f["checksum_ok"]],
                  "yes" if f["used"] else "no", f["reason"] or "")
    con.print(t)
    con.print(f"last commit frame {info['last_commit_frame']}, database pages after it "
              f"{info['database_pages_after_commit']}; {info['end_reason']}")


def render_journal(con: Console, info: dict | None) -> None:
    if info is None:
        con.print("no rollback journal")
        return
    con.print(Text(f"{info['path']}: {info['size']} bytes", style="bold"))
    if "error" in info:
        con.print(Text(info["error"], style="red"))
        return
    con.print(f"hot: {'yes, a reader would roll it back' if info['hot'] else 'no'} "
              f"(first byte non-zero: {info['looks_hot']}, header valid: {info['header_valid']})")
    con.print(f"page size {info['page_size']}, sector size {info['sector_size']}, "
              f"original database size {info['initial_db_size']} pages")
    t = Table(title="page records")
    for col in ("offset", "page", "checksum", "restored", "note"):
        t.add_column(col)
    for r in info["records"]:
        t.add_row(str(r["offset"]), str(r["page_number"]),
                  {True: "ok", False: "BAD", None: "-"}[r["checksum_ok"]],
                  "yes" if r["restored"] else "no", r.get("note") or "")
    con.print(t)
    con.print(f"{info['pages_restored']} pages would be restored; stop: {info['stop_reason']}")


def render_problems(con: Console, problems) -> None:
    for p in problems:
        con.print(escape(str(p)))
