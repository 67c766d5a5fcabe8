"""``inspect --html OUT``: a self-contained page, loaded in headless Chromium.

Chromium runs the page's script (``--dump-dom`` prints the DOM after it ran):
one square per page must exist, coloured, with the owning b-tree in its
title, and ``#page-N`` must open page N's detail. The test is skipped only
when no chromium binary is installed (Debian: ``apt-get install -y chromium``).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess

import pytest
from click.testing import CliRunner

from sqlassay.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
    "google-chrome")


def make_db(path):
    con = sqlite3.connect(path)
    con.execute("PRAGMA page_size=1024")
    con.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
    con.execute("CREATE INDEX tb ON t(b)")
    con.executemany("INSERT INTO t VALUES(?,?)", [(i, "x" * (i * 37 % 2500)) for i in range(150)])
    con.execute("DELETE FROM t WHERE a % 6 = 0")
    con.commit()
    n = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    return path, n


def write_html(tmp_path):
    db, n = make_db(tmp_path / "a.db")
    out = tmp_path / "a.html"
    result = CliRunner().invoke(main, ["inspect", "--html", str(out), str(db)])
    assert result.exit_code == 0, result.stderr
    return out, n


def test_html_is_self_contained(tmp_path):
    out, n = write_html(tmp_path)
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>")
    # no network: no external scripts, styles, images or fonts
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "@import" not in text and "url(" not in text
    assert text.count('"pgno"') == n


def dump_dom(url: str, tmp_path) -> str:
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                    "(apt-get install -y chromium)")
def test_html_renders_in_headless_chromium(tmp_path):
    out, n = write_html(tmp_path)
    dom = dump_dom(out.as_uri() + "#page-2", tmp_path)
    squares = []
    for tag in re.findall(r'<div class="pg[^"]*"[^>]*>', dom):
        attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag))
        colour = re.search(r"background(?:-color)?:\s*([^;]+)", attrs.get("style", ""))
        squares.append((attrs["id"].removeprefix("page-"), attrs.get("data-kind"),
                        colour.group(1) if colour else "", attrs.get("title", "")))
    assert [int(s[0]) for s in squares] == list(range(1, n + 1))
    assert f'data-rendered="{n}"' in dom
    kinds = {s[1] for s in squares}
    assert {"table-leaf", "index-leaf", "overflow", "freelist-leaf"} <= kinds
    assert all(s[2] for s in squares)  # every square has a colour
    titles = {s[3] for s in squares}
    assert any("of t" in t for t in titles) and any("of tb" in t for t in titles)
    # two b-trees get different colours
    colour_of = {s[0]: s[2] for s in squares}
    con = sqlite3.connect(tmp_path / "a.db")
    t_leaf = con.execute("SELECT pageno FROM dbstat WHERE name='t' AND pagetype='leaf'"
                         ).fetchone()[0]
    tb_leaf = con.execute("SELECT pageno FROM dbstat WHERE name='tb' AND pagetype='leaf'"
                          ).fetchone()[0]
    con.close()
    assert colour_of[str(t_leaf)] != colour_of[str(tb_leaf)]
    # "#page-2" opened the detail of page 2, as a click does
    detail = re.search(r'<div id="detail">(.*?)</div>', dom, re.S).group(1)
    assert detail.startswith("page 2\n")
    assert "kind: " in detail and "cells: " in detail
