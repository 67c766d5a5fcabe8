"""``sqlassay inspect DB``: see inside a database, its WAL and its rollback journal."""

from __future__ import annotations

import os
import sys

import click

from sqlassay.commands import guarded, require_file

PROGRESS_MIN_BYTES = 64 << 20  # files smaller than this are read without a progress bar


def _progress_callback(path: str, enabled: bool):
    """(callback, bar): a rich progress bar on stderr for big files read at a terminal."""
    if not enabled or os.path.getsize(path) < PROGRESS_MIN_BYTES:
        return None, None
    from rich.console import Console
    from rich.progress import Progress

    if not sys.stderr.isatty():
        return None, None
    prog = Progress(transient=True, console=Console(stderr=True))
    task = prog.add_task("reading pages", total=None)
    prog.start()

    def update(done, total):
        prog.update(task, completed=done, total=total)

    return update, prog


@click.command("inspect")
@click.argument("db", type=click.Path(dir_okay=True))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one object).")
@click.option("--page", "page", type=click.IntRange(min=1), help="Decode page N.")
@click.option("--btree", "btree", metavar="NAME", help="Show the tree of pages of a table/index.")
@click.option("--wal", "wal", is_flag=True, help="Show the WAL header and every frame.")
@click.option("--journal", "journal", is_flag=True, help="Show the rollback journal.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, writable=True),
              metavar="OUT", help="Write a self-contained HTML picture of the file.")
@guarded
def command(db, as_json, page, btree, wal, journal, html_out):
    """Show the structure of the SQLite database DB."""
    from engine.inspect import (
        PageSource,
        btree_structure,
        inventory,
        journal_report,
        page_detail,
        wal_report,
    )
    from sqlassay import render

    require_file(db)
    con = render.console()
    if wal or journal:
        size = None
        if os.path.getsize(db):
            with PageSource(db, through_log=False) as src:  # refuses a file that is no database
                size = src.page_size
        if wal:
            info = wal_report(db)
            render.dump_json(info) if as_json else render.render_wal(con, info)
        if journal:
            info = journal_report(db, size)
            render.dump_json(info) if as_json else render.render_journal(con, info)
        return
    if os.path.getsize(db) == 0 and not os.path.exists(db + "-wal"):
        # SQLite treats a zero-length file as an empty database
        if as_json:
            render.dump_json({"header": None, "pages": [], "summary": {"page_count": 0}})
        else:
            con.print(f"{db}: empty file (an empty database: 0 pages)")
        return
    callback, bar = _progress_callback(db, not as_json)
    with PageSource(db) as src:
        try:
            inv = inventory(db, source=src, progress=callback)
        finally:
            if bar is not None:
                bar.stop()
        inv.wal = wal_report(db)
        inv.journal = journal_report(db, src.page_size)
        if page is not None:
            if page > src.page_count:
                raise click.BadParameter(f"page {page} is past the last page "
                                         f"({src.page_count})", param_hint="--page")
            detail = page_detail(src, page, inv)
            if as_json:
                render.dump_json(detail)
            else:
                render.render_page(con, detail, src.page(page))
            return
        if btree is not None:
            tree = next((t for t in inv.btrees if t.name.lower() == btree.lower()), None)
            if tree is None:
                names = ", ".join(t.name for t in inv.btrees)
                raise click.BadParameter(f"no table or index named {btree!r} (have: {names})",
                                         param_hint="--btree")
            node = btree_structure(src, tree.rootpage)
            if as_json:
                render.dump_json({"name": tree.name, "rootpage": tree.rootpage, "tree": node})
            else:
                render.render_btree(con, tree.name, node)
            return
        if html_out:
            from sqlassay.html import write_html

            write_html(html_out, inv, src)
            if not as_json:
                con.print(f"wrote {html_out}")
        if as_json:
            render.stream_inventory_json(inv)
        elif not html_out:
            render.render_summary(con, inv)
