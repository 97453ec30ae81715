"""The accused filter reads claim_accused's copies of each claim's sort date, dispute
status and liveness; database triggers keep them in step through every kind of write,
so the filtered list always answers what the claims themselves say."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.factories import make_actor, make_claim, make_response

COPIES_DIFFER = """
SELECT count(*) FROM claim_accused AS ca JOIN claim AS c ON c.id = ca.claim_id
WHERE ca.sort_date <> c.sort_date OR ca.dispute_status <> c.dispute_status
   OR ca.live <> (c.deleted_at IS NULL)
"""


@pytest.fixture
def h(client, auth):
    editor = auth("editor")
    make_actor(client, editor, "fsb", "Federal Security Service", kind="state_agency")
    make_actor(client, editor, "ktj", "Katibat Tawhid wal-Jihad")
    make_actor(client, editor, "hts", "Hayat Tahrir al-Sham")
    return editor


def _ids(client, **params) -> list[str]:
    ids, cursor = [], None
    while True:
        page = client.get("/v1/claims", params={**params, "limit": 2, "cursor": cursor}).json()
        ids += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def _expected(client, accused: str, **wanted) -> list[str]:
    """The same filter worked out from the dossiers, newest statement first."""
    everything = client.get("/v1/claims", params={"limit": 200}).json()["items"]
    return [
        c["id"]
        for c in everything
        if accused in [a["slug"] for a in c["accused"]]
        and all(c[k] == v for k, v in wanted.items())
    ]


def _copies_differ(db) -> int:
    with db.reading() as conn:
        return conn.execute(text(COPIES_DIFFER)).scalar_one()


def test_the_copies_follow_every_write(client, h, db):
    a = make_claim(client, h, "fsb", ["ktj"], stated_on="2020-10-15")
    b = make_claim(client, h, "fsb", ["ktj", "hts"], stated_on="2020-11-01")
    c = make_claim(client, h, "fsb", ["hts"], stated_on=None)
    assert _ids(client, accused="ktj") == [b["id"], a["id"]]

    make_response(client, h, a["id"], "ktj", "denies")  # the status changes
    assert _ids(client, accused="ktj", status="denied") == [a["id"]]
    client.patch(f"/v1/claims/{a['id']}", headers=h, json={"stated_on": "2021-01-01"})
    assert _ids(client, accused="ktj") == [a["id"], b["id"]]
    client.patch(f"/v1/claims/{c['id']}", headers=h, json={"accused": ["ktj"]})
    assert _ids(client, accused="ktj") == [a["id"], b["id"], c["id"]]  # undated last
    assert _ids(client, accused="ktj", stated_from="2020-01-01") == [a["id"], b["id"]]

    client.delete(f"/v1/claims/{a['id']}", headers=h)
    assert _ids(client, accused="ktj") == [b["id"], c["id"]]
    client.post(f"/v1/claims/{a['id']}/restore", headers=h)
    assert _ids(client, accused="ktj", status="denied") == [a["id"]]
    assert _copies_differ(db) == 0


def test_pages_by_cursor_match_the_claims_own_columns(client, h, db):
    for i in range(12):
        claim = make_claim(client, h, "fsb", ["ktj", "hts"], stated_on=f"2020-{1 + i % 6:02d}-01")
        if i % 3 == 0:
            make_response(client, h, claim["id"], "hts", "admits")
    for accused in ("ktj", "hts"):
        for status in ("admitted", "unanswered"):
            found = _ids(client, accused=accused, status=status, stated_to="2020-04-30")
            expected = [
                i
                for i in _expected(client, accused, dispute_status=status)
                if i in _ids(client, stated_to="2020-04-30")
            ]
            assert found == expected and found
    assert _copies_differ(db) == 0
