"""``sqlassay hash DB``: a content hash with the semantics of SQLite's dbhash tool."""

from __future__ import annotations

import sys

import click

from sqlassay.commands import guarded, require_file


@click.command("hash")
@click.argument("db", type=click.Path(dir_okay=True))
@click.option("--like", default="%", show_default=True,
              help="Only tables whose name is LIKE this pattern (as dbhash --like).")
@click.option("--schema-only", is_flag=True, help="Hash the schema only.")
@click.option("--without-schema", is_flag=True, help="Hash the table content only.")
@guarded
def command(db, like, schema_only, without_schema):
    """Print the SHA1 of DB's logical content (as SQLite's dbhash prints it)."""
    from engine.dbhash import dbhash

    require_file(db)
    if schema_only and without_schema:
        raise click.UsageError("--schema-only and --without-schema exclude each other")
    digest = dbhash(db, like=like, schema=not without_schema, content=not schema_only)
    sys.stdout.write(f"{digest} {db}\n")
