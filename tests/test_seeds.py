"""The seed cases: enough of them, traceable to the articles, and loaded idempotently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from app.models import Actor, ActorAlias, Claim, ClaimResponse, Event, Evidence, Source
from app.services.seeding import seed
from tests.conftest import SEEDS

ARTICLES = "\n".join(
    p.read_text(encoding="utf-8")
    for p in sorted((Path(__file__).resolve().parents[2] / "shared" / "seed-articles").glob("*"))
)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("…", "")).strip()


def claims_yaml() -> list[dict]:
    return yaml.safe_load((SEEDS / "claims.yaml").read_text(encoding="utf-8"))


def test_seed_files_hold_the_minimum_cases():
    actors = yaml.safe_load((SEEDS / "actors.yaml").read_text(encoding="utf-8"))
    events = yaml.safe_load((SEEDS / "events.yaml").read_text(encoding="utf-8"))
    assert len(actors) >= 12 and len(events) >= 6 and len(claims_yaml()) >= 10
    cyrillic = [a for a in actors if any(re.search("[А-Яа-я]", x) for x in a.get("aliases", []))]
    assert {"fsb", "ktj", "hts"} <= {a["slug"] for a in cyrillic}


@pytest.mark.skipif(not ARTICLES, reason="the seed articles are not beside the repository")
def test_every_seeded_quote_is_in_the_articles():
    quotes = []
    for claim in claims_yaml():
        quotes.append(claim.get("quote"))
        quotes += [r.get("quote") for r in claim.get("responses") or []]
    quotes = [q for q in quotes if q]
    assert len(quotes) >= 10
    text = normalise(ARTICLES)
    for quote in quotes:
        assert normalise(quote) in text, quote


@pytest.mark.skipif(not ARTICLES, reason="the seed articles are not beside the repository")
def test_no_source_url_is_invented():
    sources = yaml.safe_load((SEEDS / "sources.yaml").read_text(encoding="utf-8"))
    for source in sources:
        assert source["url"] is None or source["url"] in ARTICLES


def test_every_evidence_item_explains_its_grades():
    for claim in claims_yaml():
        for item in claim.get("evidence") or []:
            assert item["note"] and len(item["note"]) > 20, item["key"]


def counts(session) -> dict[str, int]:
    return {
        model.__name__: session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Actor, ActorAlias, Event, Source, Claim, ClaimResponse, Evidence)
    }


def snapshot(session) -> list[tuple]:
    return [
        tuple(row)
        for model in (Actor, Event, Source, Claim, ClaimResponse, Evidence)
        for row in session.execute(
            select(model.id, model.version, model.updated_at).order_by(model.id)
        ).all()
    ]


def test_seeding_twice_changes_nothing(db):
    with db.unit_of_work() as session:
        first = seed(session, SEEDS)
    assert first.changed
    with db.unit_of_work() as session:
        before, rows_before = counts(session), snapshot(session)
    assert before["Actor"] >= 12 and before["Event"] >= 6 and before["Claim"] >= 10
    with db.unit_of_work() as session:
        second = seed(session, SEEDS)
    assert not second.changed, (second.created, second.updated)
    with db.unit_of_work() as session:
        assert counts(session) == before
        assert snapshot(session) == rows_before


def test_seeding_restores_an_edited_row(db, seeded):
    with db.unit_of_work() as session:
        actor = session.execute(select(Actor).where(Actor.slug == "fsb")).scalar_one()
        actor.name = "Edited"
    with db.unit_of_work() as session:
        report = seed(session, SEEDS)
    assert report.updated == {"actors": 1}
    with db.unit_of_work() as session:
        actor = session.execute(select(Actor).where(Actor.slug == "fsb")).scalar_one()
        assert actor.name == "Federal Security Service" and actor.version == 2


def test_seeded_claims_are_served(client, seeded):
    body = client.get("/v1/claims", params={"limit": 200}).json()
    assert len(body["items"]) >= 10
    fsb = client.get("/v1/actors/fsb").json()
    assert "ФСБ" in fsb["aliases"]
    ktj = client.get("/v1/actors", params={"q": "Катибат"}).json()["items"]
    assert [a["slug"] for a in ktj] == ["ktj"]
