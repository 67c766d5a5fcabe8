"""``sqlassay diff A B``: the pages, cells and records that differ between two files.

With one path and ``--wal``, compares the database file as it is on disk with
the database as a reader sees it through its WAL.
"""

from __future__ import annotations

import sys

import click

from sqlassay.commands import EXIT_OK, EXIT_PROBLEMS, guarded, require_file


@click.command("diff")
@click.argument("a", type=click.Path(dir_okay=True))
@click.argument("b", type=click.Path(dir_okay=True), required=False)
@click.option("--wal", "wal", is_flag=True,
              help="Compare A before and after its WAL frames (no B).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@guarded
def command(a, b, wal, as_json):
    """Show which pages differ between A and B, down to cells and records.

    Exit status 0 when nothing differs, 1 when something does.
    """
    from engine.pagediff import diff_files, diff_wal
    from sqlassay import render

    require_file(a)
    if wal:
        if b is not None:
            raise click.UsageError("--wal takes one database, not two")
        result = diff_wal(a)
    else:
        if b is None:
            raise click.UsageError("diff needs two files (or one file and --wal)")
        require_file(b)
        result = diff_files(a, b)
    if as_json:
        render.dump_json(result)
    else:
        for line in result_lines(result):
            sys.stdout.write(line + "\n")
    sys.exit(EXIT_PROBLEMS if result["pages"] or result["header"] else EXIT_OK)


def result_lines(result: dict):
    for h in result["header"]:
        yield f"header {h['field']}: {h['a']!r} -> {h['b']!r}"
    if result["page_count"][0] != result["page_count"][1]:
        yield f"page count: {result['page_count'][0]} -> {result['page_count'][1]}"
    for p in result["pages"]:
        yield f"page {p['pgno']}: {p['kind_a']} -> {p['kind_b']} ({p['bytes_changed']} bytes differ)"
        for c in p.get("cells", []):
            yield f"  {c['change']} cell {c['key']!r}: {c.get('a')!r} -> {c.get('b')!r}"
        for f in p.get("fields", []):
            yield f"  {f['field']}: {f['a']!r} -> {f['b']!r}"
    if not result["pages"] and not result["header"]:
        yield "no differences"
