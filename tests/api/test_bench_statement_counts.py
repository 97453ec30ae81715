"""Statement counts of the benchmark's scenarios (docs/benchmarks.md) that other tests do
not already count: the filtered list resumed by cursor, search, and a POST with an
Idempotency-Key. Each costs the same number of statements whatever the amount of data
behind it, so a change that adds a query per row fails here, not in a benchmark run."""

from __future__ import annotations

from tests.factories import make_actor, make_claim

PURGE = "DELETE FROM idempotency_key WHERE idempotency_key.created_at"


def _cast(client, h) -> None:
    make_actor(client, h, "fsb", "Federal Security Service", kind="state_agency")
    make_actor(client, h, "ktj", "Katibat Tawhid wal-Jihad")
    make_actor(client, h, "hts", "Hayat Tahrir al-Sham")


def _grow(client, h, n: int) -> None:
    """Claims by the FSB accusing KTJ (and HTS), until there are ``n`` of them."""
    have = len(client.get("/v1/claims", params={"limit": 200}).json()["items"])
    for i in range(have, n):
        make_claim(
            client,
            h,
            "fsb",
            ["ktj", "hts"],
            proposition=f"Cell number {i} planned attacks in Volgograd.",
            stated_on=f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}",
            tags=["plot", f"t{i}"],
        )


def test_filtered_list_by_cursor_costs_a_fixed_number_of_statements(client, auth, count_statements):
    h = auth("contributor")
    _cast(client, h)
    params = {"accused": "ktj", "status": "unanswered", "stated_from": "2020-01-01"}
    params |= {"stated_to": "2020-12-31", "limit": 2}
    counts = []
    for n in (6, 30):
        _grow(client, h, n)
        first = client.get("/v1/claims", params=params).json()
        counter = count_statements()
        page = client.get("/v1/claims", params={**params, "cursor": first["next_cursor"]})
        assert page.status_code == 200 and len(page.json()["items"]) == 2
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_search_costs_a_fixed_number_of_statements(client, auth, count_statements):
    h = auth("contributor")
    _cast(client, h)
    counts = []
    for n in (3, 30):
        _grow(client, h, n)
        counter = count_statements()
        found = client.get("/v1/search", params={"q": "volgograd", "limit": 200}).json()
        assert len(found["items"]) == n
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_post_with_an_idempotency_key_costs_a_fixed_number_of_statements(
    client, auth, count_statements
):
    h = auth("contributor")
    _cast(client, h)
    _grow(client, h, 1)
    counts = []
    for n in (1, 20):
        _grow(client, h, n)
        counter = count_statements()
        body = {"proposition": "A plot.", "claimant": "fsb", "accused": ["ktj"]}
        headers = {**h, "Idempotency-Key": f"bench-{n}"}
        assert client.post("/v1/claims", json=body, headers=headers).status_code == 201
        # Not counted: the purge of expired keys, which runs now and then whatever the data.
        counts.append(len([s for s in counter.statements if not s.startswith(PURGE)]))
        # The replay is answered from the stored response.
        replay = client.post("/v1/claims", json=body, headers=headers)
        assert replay.status_code == 201
    assert counts[0] == counts[1]
