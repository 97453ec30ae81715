"""Timelines, track records and stats on a small dataset whose figures are computed by hand."""

from __future__ import annotations

import pytest

from tests.factories import make_actor, make_claim, make_event, make_evidence, make_response


@pytest.fixture
def world(client, auth):
    """FSB accuses KTJ twice and HTS once; KTJ denies both (lags 1 and 3), HTS admits
    (lag 10); Russia's MFA (part_of Russia) denies the claim TASS made against Russia."""
    h = auth("contributor")
    for slug, kind in [
        ("fsb", "state_agency"),
        ("ktj", "armed_group"),
        ("hts", "armed_group"),
        ("russia", "government"),
        ("mfa", "state_agency"),
        ("tass", "media_outlet"),
    ]:
        make_actor(client, h, slug, slug.upper(), kind=kind)
    assert (
        client.post(
            "/v1/actors/mfa/relations", headers=h, json={"predicate": "part_of", "object": "russia"}
        ).status_code
        == 201
    )
    make_event(client, h, "volgograd", "Volgograd plot")
    c1 = make_claim(
        client,
        h,
        "fsb",
        ["ktj"],
        event="volgograd",
        stated_on="2020-10-15",
        proposition="KTJ cell in Volgograd.",
    )
    c2 = make_claim(
        client,
        h,
        "fsb",
        ["ktj"],
        event="volgograd",
        stated_on="2020-11-01",
        proposition="KTJ cell in Moscow.",
    )
    c3 = make_claim(
        client, h, "fsb", ["hts"], stated_on="2021-02-01", proposition="HTS plans attacks."
    )
    c4 = make_claim(
        client, h, "tass", ["russia"], stated_on="2021-02-10", proposition="Russia did it."
    )
    c5 = make_claim(client, h, "fsb", ["ktj"], stated_on=None, proposition="Undated claim.")
    r1 = make_response(client, h, c1["id"], "ktj", "denies", stated_on="2020-10-16")
    make_response(client, h, c2["id"], "ktj", "partially_denies", stated_on="2020-11-04")
    make_response(client, h, c3["id"], "hts", "admits", stated_on="2021-02-11")
    make_response(client, h, c4["id"], "mfa", "denies", stated_on="2021-02-10")
    e1 = make_evidence(client, h, c1["id"], "supports", dated_on="2020-10-15")
    make_evidence(client, h, c1["id"], "refutes", dated_on=None)
    editor = auth("editor")
    for claim, rating in ((c1, "refuted"), (c2, "substantiated"), (c3, "substantiated")):
        client.put(f"/v1/claims/{claim['id']}/verdict", json={"rating": rating}, headers=editor)
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "r1": r1, "e1": e1}


def walk(client, url, limit=2):
    items, cursor = [], None
    while True:
        body = client.get(url, params={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert body.status_code == 200, body.text
        items += body.json()["items"]
        cursor = body.json()["next_cursor"]
        if cursor is None:
            return items


def test_event_timeline_in_date_order(client, world):
    items = walk(client, "/v1/events/volgograd/timeline")
    assert [(i["type"], i["date"]) for i in items] == [
        ("claim", "2020-10-15"),
        ("evidence", "2020-10-15"),
        ("response", "2020-10-16"),
        ("claim", "2020-11-01"),
        ("response", "2020-11-04"),
    ]
    assert items[0]["actor"]["slug"] == "fsb" and items[0]["title"] == "KTJ cell in Volgograd."
    assert items[1]["id"] == world["e1"]["id"] and items[1]["bearing"] == "supports"
    assert items[2]["stance"] == "denies" and items[2]["claim_id"] == world["c1"]["id"]


def test_actor_timeline_puts_undated_items_last(client, world):
    items = walk(client, "/v1/actors/ktj/timeline", limit=3)
    assert [i["type"] for i in items] == [
        "claim",
        "evidence",
        "response",
        "claim",
        "response",
        "claim",
    ]
    assert items[-1]["date"] is None and items[-1]["title"] == "Undated claim."
    assert walk(client, "/v1/actors/mfa/timeline") == [
        i for i in walk(client, "/v1/actors/russia/timeline") if i["type"] == "response"
    ]


def test_timeline_of_unknown_event_is_404(client, world):
    assert client.get("/v1/events/nowhere/timeline").status_code == 404


def test_track_record_of_the_claimant(client, world):
    record = client.get("/v1/actors/fsb/track-record").json()
    assert record["actor"]["slug"] == "fsb"
    assert record["as_claimant"]["total"] == 4
    assert record["as_claimant"]["by_verdict"] == {
        "unassessed": 1,
        "unverified": 0,
        "disputed": 0,
        "substantiated": 2,
        "refuted": 1,
        "misleading": 0,
        "unprovable": 0,
    }
    assert record["as_claimant"]["by_status"] == {
        "unanswered": 1,
        "denied": 2,
        "admitted": 1,
        "mixed": 0,
    }
    assert record["as_accused"] == {
        "total": 0,
        "by_status": {"unanswered": 0, "denied": 0, "admitted": 0, "mixed": 0},
        "denial_rate": None,
        "median_response_lag_days": None,
    }


def test_track_record_of_the_accused(client, world):
    record = client.get("/v1/actors/ktj/track-record").json()
    assert record["as_accused"]["total"] == 3
    assert record["as_accused"]["by_status"] == {
        "unanswered": 1,
        "denied": 2,
        "admitted": 0,
        "mixed": 0,
    }
    assert record["as_accused"]["denial_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert record["as_accused"]["median_response_lag_days"] == 2.0  # lags 1 and 3
    assert record["denials"] == {"total": 2, "later_substantiated": 1, "later_refuted": 1}


def test_track_record_counts_denials_through_part_of(client, world):
    record = client.get("/v1/actors/russia/track-record").json()
    assert record["as_accused"]["denial_rate"] == 1.0
    assert record["as_accused"]["median_response_lag_days"] == 0.0
    assert record["denials"]["total"] == 1


def test_track_record_takes_the_claim_filters(client, world):
    record = client.get("/v1/actors/ktj/track-record", params={"stated_from": "2020-11-01"})
    assert record.json()["as_accused"]["total"] == 1


def test_stats(client, world):
    stats = client.get("/v1/stats").json()
    assert stats["claims"] == 5
    assert stats["by_status"] == {"unanswered": 1, "denied": 3, "admitted": 1, "mixed": 0}
    assert stats["by_verdict"]["substantiated"] == 2 and stats["by_verdict"]["unassessed"] == 2
    assert stats["per_month"] == [
        {"month": "2020-10", "claims": 1},
        {"month": "2020-11", "claims": 1},
        {"month": "2021-02", "claims": 2},
    ]
    assert [(t["actor"]["slug"], t["claims"]) for t in stats["top_claimants"]] == [
        ("fsb", 4),
        ("tass", 1),
    ]
    assert [(t["actor"]["slug"], t["claims"]) for t in stats["top_accused"]] == [
        ("ktj", 3),
        ("hts", 1),
        ("russia", 1),
    ]
    assert stats["median_response_lag_days"] == 2.0  # lags 0, 1, 3, 10


def test_stats_take_the_claim_filters(client, world):
    stats = client.get("/v1/stats", params={"claimant": "fsb", "status": "denied"}).json()
    assert stats["claims"] == 2 and stats["median_response_lag_days"] == 2.0
    assert client.get("/v1/stats", params={"accused": "nobody"}).status_code == 422


def test_deleted_claims_leave_the_views(client, auth, world):
    client.delete(f"/v1/claims/{world['c1']['id']}", headers=auth("contributor"))
    assert client.get("/v1/stats").json()["claims"] == 4
    types = [i["type"] for i in walk(client, "/v1/events/volgograd/timeline")]
    assert types == ["claim", "response"]
    assert client.get("/v1/actors/ktj/track-record").json()["as_accused"]["total"] == 2


VIEWS = (
    "/v1/events/volgograd/timeline?limit=200",
    "/v1/actors/ktj/track-record",
    "/v1/stats",
    "/v1/stats?accused=ktj",
)


def test_views_cost_a_fixed_number_of_statements(client, auth, world, count_statements):
    counts = {}
    for size in ("small", "big"):
        if size == "big":
            h = auth("contributor")
            for i in range(8):
                claim = make_claim(
                    client, h, "fsb", ["ktj"], event="volgograd", stated_on=f"2020-12-{i + 1:02d}"
                )
                make_response(client, h, claim["id"], "ktj", stated_on=f"2020-12-{i + 2:02d}")
                make_evidence(client, h, claim["id"], dated_on=f"2020-12-{i + 1:02d}")
        for url in VIEWS:
            counter = count_statements()
            assert client.get(url).status_code == 200
            counts[(size, url)] = counter.count
    for url in VIEWS:
        assert counts[("small", url)] == counts[("big", url)], url
    # Read from the counts kept on write: the counters, then the top claimants and accused.
    assert counts[("small", "/v1/stats")] == 3
    # Aggregated over the matching claims: the actor's id, one grouped pass for the counts,
    # months and lags, and one per top list.
    assert counts[("small", "/v1/stats?accused=ktj")] == 4


def test_count_models_name_every_status_and_rating():
    from app.models.claim import DisputeStatus, Rating
    from app.models.views import ByStatus, ByVerdict

    assert set(ByStatus.model_fields) == {s.value for s in DisputeStatus}
    assert set(ByVerdict.model_fields) == {r.value for r in Rating}
