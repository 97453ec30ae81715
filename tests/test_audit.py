"""The revision table is append-only, and `contested audit verify` catches tampering."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import yaml
from sqlalchemy import Connection, Uuid, bindparam, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from app.cli import app as cli
from app.models import Event, Revision
from app.models.common import new_id, utcnow
from tests.conftest import SEEDS
from tests.factories import make_actor, make_claim, make_response


@pytest.fixture
def verify(db, monkeypatch):
    """Run `contested audit verify` on the test database; returns (exit code, output)."""
    monkeypatch.setenv("CONTESTED_DATABASE_URL", db.url)

    def run() -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["audit", "verify"])
        return result.exit_code, result.output

    return run


@pytest.fixture
def written(client, auth, seeded):
    """The seeds, then a claim created, changed, deleted and restored through the API."""
    h = auth("editor")
    make_actor(client, h, "newcomer", "A newcomer", aliases=["NC", "Новичок"])
    claim = make_claim(client, h, "fsb", ["newcomer"], sources=[{"title": "A new report"}])
    url = f"/v1/claims/{claim['id']}"
    make_response(client, h, claim["id"], "newcomer")
    assert client.put(f"{url}/verdict", json={"rating": "unverified"}, headers=h).is_success
    assert client.patch(url, json={"tags": ["newcomer"]}, headers=h).is_success
    assert client.delete(url, headers=h).is_success
    assert client.post(f"{url}/restore", headers=h).is_success
    return claim


@contextmanager
def unguarded(db) -> Iterator[Connection]:
    """A transaction in which the append-only guard on revision is lifted (as an attacker
    with database access could): SQLite triggers are dropped and put back, PostgreSQL
    skips triggers for the session."""
    with db.write.begin() as conn:
        if db.is_sqlite:
            guards = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name=:t"),
                {"t": "revision"},
            ).all()
            assert len(guards) == 2
            for name, _ in guards:
                conn.execute(text(f"DROP TRIGGER {name}"))
            yield conn
            for _, sql in guards:
                conn.execute(text(sql))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            yield conn


def revision_count(db) -> int:
    with db.reading() as conn:
        return conn.execute(select(func.count()).select_from(Revision)).scalar_one()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE revision SET op = 'delete' WHERE seq = (SELECT MIN(seq) FROM revision)",
        "UPDATE revision SET after = NULL",
        "DELETE FROM revision WHERE seq = (SELECT MAX(seq) FROM revision)",
        "DELETE FROM revision",
    ],
)
def test_revisions_cannot_be_changed_or_deleted_in_the_database(client, db, written, statement):
    count = revision_count(db)
    with pytest.raises(DBAPIError, match="append-only"), db.write.begin() as conn:
        conn.execute(text(statement))
    assert revision_count(db) == count


def test_verify_passes_on_a_database_written_through_the_api(verify, written):
    code, output = verify()
    assert code == 0, output
    assert output.startswith("audit: ok, ") and len(output.strip().splitlines()) == 1


def test_verify_passes_on_an_empty_database(verify, db):
    code, output = verify()
    assert code == 0, output
    assert "0 revisions" in output


def test_verify_names_the_first_altered_revision(client, db, verify, written):
    with db.reading() as conn:
        seq = (
            conn.execute(
                select(Revision.seq)
                .where(Revision.entity_id == uuid.UUID(written["id"]))
                .order_by(Revision.seq)
            )
            .scalars()
            .first()
        )
    with unguarded(db) as conn:
        conn.execute(
            text("UPDATE revision SET after = REPLACE(after, :old, :new) WHERE seq = :seq"),
            {"old": written["proposition"], "new": "Something else.", "seq": seq},
        )
    code, output = verify()
    assert code == 1
    assert f"revision {seq} is broken" in output


def test_verify_notices_a_removed_revision(client, db, verify, written):
    with unguarded(db) as conn:
        conn.execute(text("DELETE FROM revision WHERE seq = (SELECT MIN(seq) + 5 FROM revision)"))
        seq = conn.execute(text("SELECT MIN(seq) + 6 FROM revision")).scalar_one()
    code, output = verify()
    assert code == 1
    assert f"revision {seq} is broken" in output


def test_verify_names_a_row_changed_behind_the_apis_back(client, db, verify, written):
    with db.write.begin() as conn:
        conn.execute(
            text("UPDATE claim SET proposition = 'Quietly rewritten.' WHERE id = :id").bindparams(
                bindparam("id", type_=Uuid())
            ),
            {"id": uuid.UUID(written["id"])},
        )
    code, output = verify()
    assert code == 1
    assert f"claim {written['id']} differs from its last revision" in output
    assert "behind the API's back" in output


def test_verify_names_a_link_changed_behind_the_apis_back(client, db, verify, written):
    with db.write.begin() as conn:
        conn.execute(text("UPDATE actor_alias SET alias = 'Renamed' WHERE alias = 'NC'"))
    code, output = verify()
    assert code == 1
    actor_id = client.get("/v1/actors/newcomer").json()["id"]
    assert f"actor {actor_id} differs from its last revision" in output


def test_verify_names_a_row_inserted_without_a_revision(client, db, verify, written):
    row_id = new_id()
    with db.write.begin() as conn:
        conn.execute(
            insert(Event.__table__).values(
                id=row_id,
                version=1,
                created_at=utcnow(),
                updated_at=utcnow(),
                slug="smuggled",
                title="Smuggled in",
                kind="other",
            )
        )
    code, output = verify()
    assert code == 1
    assert f"event {row_id} has no revision" in output


def test_verify_names_a_stats_count_changed_and_tallies_rebuild_mends_it(
    client, db, verify, written
):
    with db.write.begin() as conn:
        conn.execute(text("UPDATE tally SET claims = claims + 1 WHERE dimension = 'claims'"))
    code, output = verify()
    assert code == 1
    assert "the stats counts differ from a recount: the count of claims:all is" in output
    assert "contested tallies rebuild" in output
    result = CliRunner().invoke(cli, ["tallies", "rebuild"])
    assert result.exit_code == 0 and result.output.startswith("tallies: rebuilt "), result.output
    code, output = verify()
    assert code == 0, output
    assert "the stats counts match a recount" in output


def test_verify_names_a_claim_whose_count_its_rows_no_longer_give(client, db, verify, written):
    # The dispute status is derived (no revision records it): only the recount sees it.
    with db.write.begin() as conn:
        conn.execute(
            text("UPDATE claim SET dispute_status = 'mixed' WHERE id = :id").bindparams(
                bindparam("id", type_=Uuid())
            ),
            {"id": uuid.UUID(written["id"])},
        )
    code, output = verify()
    assert code == 1
    assert f"claim {written['id']} is counted under [" in output
    assert "status:mixed" in output.split("its rows say")[1]


# ---- the command on a fresh SQLite file -----------------------------------------------


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTESTED_DATABASE_URL", f"sqlite:///{tmp_path / 'audit.db'}")
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == code, result.output
        return result.output

    return invoke


def test_seed_then_verify_then_seed_again_adds_nothing(run):
    run("db", "upgrade")
    run("seed", str(SEEDS))
    first = run("audit", "verify")
    assert first.startswith("audit: ok, ")
    run("seed", str(SEEDS))
    assert run("audit", "verify") == first


def test_a_seed_that_changes_only_links_gives_their_owner_a_revision(run, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    run("db", "upgrade")
    run("seed", str(seeds))
    claims = yaml.safe_load((seeds / "claims.yaml").read_text(encoding="utf-8"))
    claims[0]["tags"] = [*(claims[0].get("tags") or []), "revisited"]
    (seeds / "claims.yaml").write_text(yaml.safe_dump(claims, allow_unicode=True), "utf-8")
    before = run("audit", "verify")
    assert "tags" in run("seed", str(seeds))
    after = run("audit", "verify")
    count = lambda output: int(output.split("ok, ")[1].split()[0])  # noqa: E731
    assert count(after) == count(before) + 1
