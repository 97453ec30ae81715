"""contested backup: a consistent copy taken while writers keep writing."""

from __future__ import annotations

import sqlite3
import threading

from typer.testing import CliRunner

from app.cli import app as cli
from app.config import Settings
from app.db import open_database
from app.services import migrations


def test_backup_under_write_load_holds_every_row_written_before_it(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    migrations.upgrade(url)
    database = open_database(Settings(database_url=url))
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        n = 0
        while not stop.is_set() and n < 5000:
            with database.write.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO rate_limit_counter (key, count, expires_at) VALUES (?, 1, 0)",
                    (f"load-{n}",),
                )
            written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 200:
            stop.wait(0.01)
        before = len(written)
        monkeypatch.setenv("CONTESTED_DATABASE_URL", url)
        result = CliRunner().invoke(cli, ["backup", str(tmp_path / "copy.db")])
    finally:
        stop.set()
        thread.join(timeout=30)
        database.dispose()
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = copy.execute("SELECT count(*) FROM rate_limit_counter").fetchone()[0]
    assert rows >= before
    copy.close()


def test_backup_refuses_an_existing_file_and_postgres(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    migrations.upgrade(url)
    (tmp_path / "taken.db").write_bytes(b"")
    monkeypatch.setenv("CONTESTED_DATABASE_URL", url)
    taken = CliRunner().invoke(cli, ["backup", str(tmp_path / "taken.db")])
    assert taken.exit_code == 1 and "exists" in taken.output
    monkeypatch.setenv("CONTESTED_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    postgres = CliRunner().invoke(cli, ["backup", str(tmp_path / "pg.db")])
    assert postgres.exit_code == 1 and "pg_dump" in postgres.output
