"""The ``contested`` command: serve, migrate, seed and manage keys with the server's settings."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Annotated

import typer

from app.config import load_settings
from app.models.api_key import Role

app = typer.Typer(
    help="Contested: claim-versus-denial fact tracking.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
audit_app = typer.Typer(help="The revision history.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
tallies_app = typer.Typer(help="The counts behind GET /v1/stats.", no_args_is_help=True)
app.add_typer(tallies_app, name="tallies")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API (an SQLite database is first migrated to the latest schema); on
    SIGTERM, finish the requests in flight, then exit 0."""
    from app import server
    from app.services import migrations

    settings = load_settings()
    if settings.is_sqlite:
        from app.db import open_database

        open_database(settings).dispose()  # creates the data folder
        migrations.upgrade(settings.database_url)
    server.run(settings, "app.asgi:app", host=host, port=port, workers=workers)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the latest)."""
    from app.db import open_database
    from app.services import migrations

    settings = load_settings()
    open_database(settings).dispose()
    migrations.upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target, e.g. -1 or base.")]) -> None:
    """Migrate the database down to REVISION."""
    from app.services import migrations

    migrations.downgrade(load_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's current revision and whether it is the latest."""
    from app.db import open_database
    from app.services import migrations

    settings = load_settings()
    database = open_database(settings)
    try:
        current = migrations.current_revision(database.write)
    finally:
        database.dispose()
    head = migrations.head_revision(settings.database_url)
    typer.echo(f"{current or 'none'}{' (head)' if current == head else f' (head is {head})'}")


@app.command()
def seed(
    path: Annotated[Path | None, typer.Argument(help="Folder of seed YAML files.")] = None,
) -> None:
    """Load the seed cases idempotently: running it twice changes nothing."""
    from app.db import open_database
    from app.services.seeding import SeedError
    from app.services.seeding import seed as load

    settings = load_settings()
    database = open_database(settings)
    try:
        with database.unit_of_work() as session:
            report = load(session, path or settings.seed_path)
    except SeedError as exc:
        typer.echo(f"seed error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    if not report.changed:
        typer.echo("seed: nothing to change")
        return
    for verb, counts in (("created", report.created), ("updated", report.updated)):
        for kind, n in sorted(counts.items()):
            typer.echo(f"seed: {verb} {n} {kind}")


@app.command()
def backup(path: Annotated[Path, typer.Argument(help="The new file to write.")]) -> None:
    """Copy the SQLite database to PATH while it serves (online backup, then checked)."""
    from app.services.backup import BackupUnsupported, backup_sqlite

    try:
        pages = backup_sqlite(load_settings().database_url, path)
    except (BackupUnsupported, FileExistsError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"backed up {pages} pages to {path}")


@app.command()
def export(
    path: Annotated[
        Path | None, typer.Argument(help="The file to write; standard output if omitted.")
    ] = None,
) -> None:
    """Write every record as NDJSON: a header line, then one record a line, in a fixed
    order, so that two exports of the same data are the same bytes."""
    from app.db import open_database
    from app.services.audit import snapshot_of
    from app.services.export import export_chunks

    database = open_database(load_settings())
    try:
        with snapshot_of(database) as conn:
            if path is None:
                for chunk in export_chunks(conn):
                    sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
                return
            with path.open("wb") as out, _progress(None, "exporting") as advance:
                for chunk in export_chunks(conn):
                    out.write(chunk)
                    advance(chunk.count(b"\n"))
    finally:
        database.dispose()
    typer.echo(f"exported to {path}", err=True)


@app.command("import")
def import_file(
    path: Annotated[Path, typer.Argument(help="An NDJSON file from contested export, or -.")],
) -> None:
    """Load an export file: new records are added, changed ones updated, equal ones left
    alone (importing a file twice changes nothing). A bad line is skipped and reported
    with its number, and the command then exits 1; the good lines are loaded. Into empty
    SQLite tables the whole file loads in one transaction, indexes built at the end."""
    from sqlalchemy import event

    from app.db import open_database
    from app.services.import_worker import collect_less, default_workers
    from app.services.importing import ImportRefused, import_lines, read_lines

    settings = load_settings()
    database = open_database(settings)
    collect_less()
    if database.is_sqlite:
        # This process is only the import: a page cache of 128 MiB instead of 2 MiB keeps
        # the indexes it writes in memory between batches.
        event.listen(
            database.write, "connect", lambda conn, _: conn.execute("PRAGMA cache_size=-131072")
        )
    stdin = str(path) == "-"
    try:
        with (
            nullcontext(sys.stdin.buffer) if stdin else path.open("rb") as file,
            _progress(None if stdin else path.stat().st_size, "importing") as advance,
        ):
            read = [0]

            def bytes_done(_lines: int) -> None:
                position = file.tell()
                advance(position - read[0])
                read[0] = position

            report = import_lines(
                database,
                read_lines(file, settings.max_body_bytes),
                progress=None if stdin else bytes_done,
                parse_workers=default_workers(),
                bulk=True,
            )
    except (ImportRefused, OSError) as exc:
        typer.echo(f"import: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    for kind, counts in report.counts.items():
        if any(counts.values()):
            typer.echo(
                f"import: {kind}: {counts['imported']} imported, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged"
            )
    for problem in report.errors:
        typer.echo(f"line {problem.line}: {problem.detail}", err=True)
    if report.error_count:
        typer.echo(f"import: {report.error_count} lines refused", err=True)
        raise typer.Exit(1)


@contextmanager
def _progress(total: int | None, what: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on standard error when it is a terminal; otherwise nothing."""
    if not sys.stderr.isatty():
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who or what uses the key.")],
    role: Annotated[Role, typer.Option(help="viewer, contributor, editor or admin.")],
) -> None:
    """Create a key. The key is printed alone on the last line, and only this once."""
    from app.db import open_database
    from app.services.keys import create_key

    database = open_database(load_settings())
    try:
        with database.unit_of_work() as session:
            issued = create_key(session, name, role)
    finally:
        database.dispose()
    typer.echo(
        f"created {issued.role.value} key '{issued.name}' (prefix {issued.prefix}); "
        "store it now, it is not shown again:",
        err=False,
    )
    typer.echo(issued.key)


@keys_app.command("list")
def keys_list() -> None:
    """List keys: prefix, role, name, created, revoked."""
    from app.db import open_database
    from app.services.keys import list_keys

    database = open_database(load_settings())
    try:
        with database.unit_of_work() as session:
            for key in list_keys(session):
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "live"
                typer.echo(
                    f"{key.prefix}\t{key.role}\t{key.name}\t{key.created_at:%Y-%m-%d}\t{state}"
                )
    finally:
        database.dispose()


@keys_app.command("revoke")
def keys_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (see keys list).")],
) -> None:
    """Revoke a key at once."""
    from app.db import open_database
    from app.errors import NotFound
    from app.services.keys import revoke_key

    database = open_database(load_settings())
    try:
        with database.unit_of_work() as session:
            key = revoke_key(session, prefix)
    except NotFound as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    typer.echo(f"revoked key '{key.name}' ({key.prefix})")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the revision hash chain, check every row against its last revision, then the
    stats counts against a recount; exit 1 naming the first broken revision, the first row
    changed behind the API, or the first count that differs."""
    from app.db import open_database
    from app.services.audit import snapshot_of, verify

    database = open_database(load_settings())
    try:
        with snapshot_of(database) as conn:
            report = verify(conn)
    finally:
        database.dispose()
    if not report.ok:
        typer.echo(f"audit: {report.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"audit: ok, {report.revisions} revisions in an unbroken chain; "
        f"{report.rows} rows match their last revision; the stats counts match a recount"
    )


@tallies_app.command("rebuild")
def tallies_rebuild() -> None:
    """Count every claim afresh for GET /v1/stats (after rows were changed behind the
    app's back, or when audit verify finds a count that differs). Writers wait meanwhile."""
    from app.db import open_database
    from app.services.tallies import rebuild

    database = open_database(load_settings())
    try:
        with database.write.begin() as conn:
            counters = rebuild(conn)
    finally:
        database.dispose()
    typer.echo(f"tallies: rebuilt {counters} counters")


if __name__ == "__main__":
    app()
