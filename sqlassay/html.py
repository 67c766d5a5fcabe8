"""``inspect --html OUT``: a self-contained picture of a database file.

One square per page, coloured by the b-tree that owns it (a hue per tree)
and by kind (freelist, overflow, pointer-map, lock-byte and unused pages have
fixed colours), shaded by fill (darker = fuller). Clicking a square shows the
page's detail: kind, owner, cell count, payload, unused bytes and, for the
first pages of the file, the decoded cells. No network access: the data, the
script and the style are all inside the one file.
"""

from __future__ import annotations

import html
import json

MAX_DETAILED_PAGES = 400
MAX_PAGES_DRAWN = 200_000

_FIXED = {
    "freelist-trunk": "#8a8a8a",
    "freelist-leaf": "#b5b5b5",
    "ptrmap": "#d4a017",
    "lock-byte": "#000000",
    "unused": "#ffffff",
}

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>sqlassay: __TITLE__</title>
<style>
body { font-family: sans-serif; margin: 1em; }
#grid { display: flex; flex-wrap: wrap; gap: 1px; max-width: 100%; }
.pg { width: 12px; height: 12px; border: 1px solid #444; box-sizing: border-box;
      cursor: pointer; }
.pg.sel { outline: 2px solid red; }
#legend span { display: inline-block; margin-right: 1em; }
#legend i { display: inline-block; width: 12px; height: 12px; border: 1px solid #444;
            vertical-align: middle; margin-right: 3px; }
#detail { white-space: pre-wrap; font-family: monospace; border: 1px solid #ccc;
          padding: .5em; margin-top: 1em; min-height: 3em; }
</style></head>
<body>
<h1>__TITLE__</h1>
<p id="summary">__SUMMARY__</p>
<div id="legend"></div>
<div id="grid"></div>
<div id="detail">click a page</div>
<script id="data" type="application/json">__DATA__</script>
<script>
"use strict";
const data = JSON.parse(document.getElementById("data").textContent);
const fixed = data.fixed;
function colour(p) {
  if (fixed[p.kind]) return fixed[p.kind];
  const hue = (p.owner * 137.508) % 360;
  const interior = p.kind.endsWith("interior");
  const overflow = p.kind === "overflow";
  const light = 85 - Math.round(50 * p.fill);
  const sat = overflow ? 35 : (interior ? 90 : 65);
  return "hsl(" + hue.toFixed(0) + "," + sat + "%," + light + "%)";
}
const grid = document.getElementById("grid");
const detail = document.getElementById("detail");
let selected = null;
data.pages.forEach(function (p) {
  const d = document.createElement("div");
  d.className = "pg";
  d.id = "page-" + p.pgno;
  d.dataset.kind = p.kind;
  d.style.background = colour(p);
  d.title = "page " + p.pgno + ": " + p.kind + (p.btree ? " of " + p.btree : "");
  d.addEventListener("click", function () { show(p, d); });
  grid.appendChild(d);
});
function show(p, d) {
  if (selected) selected.classList.remove("sel");
  selected = d; d.classList.add("sel");
  let text = "page " + p.pgno + "\\nkind: " + p.kind + "\\nb-tree: " + (p.btree || "-") +
    "\\ncells: " + p.ncell + "\\npayload: " + p.payload + " bytes\\nunused: " + p.unused +
    " bytes\\nfill: " + (100 * p.fill).toFixed(1) + "%";
  const more = data.details[String(p.pgno)];
  if (more) {
    text += "\\n\\n" + more.join("\\n");
  }
  detail.textContent = text;
}
const legend = document.getElementById("legend");
data.btrees.forEach(function (b, i) {
  const s = document.createElement("span");
  const sw = document.createElement("i");
  sw.style.background = colour({kind: "table-leaf", owner: i, fill: 0.6});
  s.appendChild(sw); s.appendChild(document.createTextNode(b));
  legend.appendChild(s);
});
Object.keys(fixed).forEach(function (k) {
  const s = document.createElement("span");
  const sw = document.createElement("i");
  sw.style.background = fixed[k];
  s.appendChild(sw); s.appendChild(document.createTextNode(k));
  legend.appendChild(s);
});
// "#page-N" in the address opens that page's detail (as a click would)
const wanted = /^#page-(\\d+)$/.exec(window.location.hash);
if (wanted) {
  const n = Number(wanted[1]);
  const p = data.pages[n - 1];
  if (p) show(p, document.getElementById("page-" + n));
}
document.body.dataset.rendered = String(data.pages.length);
</script>
</body></html>
"""


def _detail_lines(src, pgno: int, inv) -> list[str]:
    from engine.inspect import page_detail

    try:
        d = page_detail(src, pgno, inv)
    except Exception as err:  # noqa: BLE001 - a damaged page still gets its square
        return [f"cannot decode: {err}"]
    lines = [f"{f['name']} = {f['value']}" for f in d["fields"]]
    for c in d["cells"][:40]:
        bits = [f"cell {c['index']} @{c['offset']} ({c['size']} bytes)"]
        if c.get("left_child"):
            bits.append(f"child {c['left_child']}")
        if c.get("rowid") is not None:
            bits.append(f"rowid {c['rowid']}")
        if c.get("record") is not None:
            bits.append(repr(c["record"])[:100])
        lines.append(" ".join(bits))
    if len(d["cells"]) > 40:
        lines.append(f"... {len(d['cells']) - 40} more cells")
    for f in d["freeblocks"]:
        lines.append(f"freeblock @{f['offset']} ({f['size']} bytes)")
    lines.extend(f"problem: {p}" for p in d["problems"])
    return lines


def build_html(inv, src=None) -> str:
    """The page as a string (``src`` enables decoded cells for the first pages)."""
    pages = []
    limit = min(inv.page_count, MAX_PAGES_DRAWN)
    usable = max(inv.usable, 1)
    for pgno in range(1, limit + 1):
        p = inv.page(pgno)
        kind = p["kind"]
        if kind == "overflow":
            fill = p["payload"] / max(usable - 4, 1)
        elif kind in _FIXED:
            fill = 0.0
        else:
            fill = max(0.0, 1.0 - p["unused"] / usable)
        p["fill"] = round(fill, 3)
        p["owner"] = inv.owner[pgno]
        pages.append(p)
    details = {}
    if src is not None:
        for pgno in range(1, min(limit, MAX_DETAILED_PAGES) + 1):
            details[str(pgno)] = _detail_lines(src, pgno, inv)
    data = {"pages": pages, "btrees": [t.name for t in inv.btrees], "fixed": _FIXED,
            "details": details}
    payload = json.dumps(data, default=str).replace("</", "<\\/")
    counts = ", ".join(f"{k}: {v}" for k, v in inv.counts_by_kind().items())
    summary = (f"{inv.page_count} pages of {inv.page_size} bytes; {counts}"
               + (f" (first {limit} drawn)" if limit < inv.page_count else ""))
    title = html.escape(inv.path)
    return (_PAGE.replace("__TITLE__", title).replace("__SUMMARY__", html.escape(summary))
            .replace("__DATA__", payload))


def write_html(out_path, inv, src=None) -> None:
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(build_html(inv, src))
