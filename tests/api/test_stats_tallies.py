"""GET /v1/stats without filters reads counts kept on write: after every kind of write,
they equal a recount of the claims, done here in plain SQL, and the stats equal those
aggregated over the claims (the filtered path, given no filter)."""

from __future__ import annotations

import json
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.models.views import Stats
from app.services import tallies, track_records
from app.services.claim_list import ClaimFilters
from tests.api.test_transfer import admin_after_emptying, export
from tests.factories import (
    make_actor,
    make_claim,
    make_evidence,
    make_relation,
    make_response,
)
from tests.live import live_server

ACTORS = ["fsb", "ktj", "hts", "russia", "mfa", "tass"]


def _hex(value: Any) -> str:
    return str(value).replace("-", "")


def recount(db: Any) -> Counter[str]:
    """Every count, from the claims' rows, in SQL that shares nothing with the app's."""
    live = "JOIN verdict v ON v.claim_id = c.id WHERE c.deleted_at IS NULL"
    counts: Counter[str] = Counter()
    with db.reading() as conn:
        for status, rating, stated_on, claimant, lag in conn.execute(
            text(
                "SELECT c.dispute_status, v.rating, c.stated_on, c.claimant_id, "
                f"c.response_lag_days FROM claim c {live}"
            )
        ):
            counts.update(["claims:all", f"status:{status}", f"verdict:{rating}"])
            counts[f"claimant:{_hex(claimant)}"] += 1
            if stated_on is not None:
                counts[f"month:{str(stated_on)[:7]}"] += 1
            if lag is not None:
                counts[f"lag:{lag}"] += 1
        for (actor_id,) in conn.execute(
            text(f"SELECT a.actor_id FROM claim_accused a JOIN claim c ON c.id = a.claim_id {live}")
        ):
            counts[f"accused:{_hex(actor_id)}"] += 1
    return counts


def kept(db: Any) -> Counter[str]:
    with db.reading() as conn:
        return Counter(
            {
                f"{dimension}:{key}": n
                for dimension, key, n in conn.execute(
                    text("SELECT dimension, key, claims FROM tally WHERE claims <> 0")
                )
            }
        )


def assert_counted(client: Any, db: Any) -> dict[str, Any]:
    """The counters equal a recount, each claim's stored keys are its current ones, and
    the stats read from the counters equal the stats aggregated over the claims."""
    assert kept(db) == recount(db)
    with db.reading() as conn:
        assert tallies.check(conn) is None
        aggregated = Stats.model_validate(
            track_records.aggregated_stats(conn, ClaimFilters())
        ).model_dump(mode="json")
    stats = client.get("/v1/stats")
    assert stats.status_code == 200, stats.text
    assert stats.json() == aggregated
    return stats.json()  # type: ignore[no-any-return]


@pytest.fixture
def actors(client, auth):
    h = auth("editor")
    for slug in ACTORS:
        make_actor(client, h, slug, kind="government" if slug == "russia" else "armed_group")
    return h


def test_created_claims_are_counted(client, db, actors):
    make_claim(client, actors, "fsb", ["ktj", "hts"], stated_on="2020-10-15")
    make_claim(client, actors, "fsb", ["ktj"], stated_on="2020-10-30")
    make_claim(client, actors, "tass", [], stated_on=None)
    stats = assert_counted(client, db)
    assert stats["claims"] == 3
    assert stats["by_status"]["unanswered"] == 3 and stats["by_verdict"]["unassessed"] == 3
    assert stats["per_month"] == [{"month": "2020-10", "claims": 2}]
    assert [(t["actor"]["slug"], t["claims"]) for t in stats["top_claimants"]] == [
        ("fsb", 2),
        ("tass", 1),
    ]
    assert [(t["actor"]["slug"], t["claims"]) for t in stats["top_accused"]] == [
        ("ktj", 2),
        ("hts", 1),
    ]
    assert stats["median_response_lag_days"] is None


@pytest.mark.parametrize(
    "change",
    [
        {"claimant": "tass"},
        {"accused": ["hts", "russia"]},
        {"accused": []},
        {"stated_on": "2021-03-01"},
        {"stated_on": None},
        {"proposition": "Only the wording changes."},
    ],
)
def test_a_patched_claim_moves_its_counts(client, db, actors, change):
    claim = make_claim(client, actors, "fsb", ["ktj"], stated_on="2020-10-15")
    make_response(client, actors, claim["id"], "ktj", "denies", stated_on="2020-10-18")
    before = assert_counted(client, db)
    response = client.patch(f"/v1/claims/{claim['id']}", json=change, headers=actors)
    assert response.status_code == 200, response.text
    after = assert_counted(client, db)
    if "proposition" in change:
        assert after == before


def test_deleted_claims_leave_the_counts_and_restored_ones_come_back(client, db, actors):
    make_claim(client, actors, "tass", ["russia"], stated_on="2019-01-01")
    claim = make_claim(client, actors, "fsb", ["ktj"], stated_on="2020-10-15")
    make_response(client, actors, claim["id"], "ktj", "admits", stated_on="2020-10-20")
    with_both = assert_counted(client, db)
    assert client.delete(f"/v1/claims/{claim['id']}", headers=actors).status_code == 204
    stats = assert_counted(client, db)
    assert stats["claims"] == 1 and stats["median_response_lag_days"] is None
    assert [t["actor"]["slug"] for t in stats["top_claimants"]] == ["tass"]
    assert stats["per_month"] == [{"month": "2019-01", "claims": 1}]
    assert client.post(f"/v1/claims/{claim['id']}/restore", headers=actors).is_success
    assert assert_counted(client, db) == with_both


def test_a_verdict_moves_its_claim_between_ratings(client, db, actors):
    claim = make_claim(client, actors, "fsb", ["ktj"])
    url = f"/v1/claims/{claim['id']}/verdict"
    for rating in ("substantiated", "refuted", "refuted"):
        assert client.put(url, json={"rating": rating}, headers=actors).is_success
        stats = assert_counted(client, db)
        assert stats["by_verdict"][rating] == 1 and stats["by_verdict"]["unassessed"] == 0


def test_responses_move_the_status_and_the_lag(client, db, actors):
    claim = make_claim(client, actors, "fsb", ["ktj"], stated_on="2020-10-15")
    other = make_claim(client, actors, "fsb", ["hts"], stated_on="2020-10-15")
    make_response(client, actors, other["id"], "hts", "denies", stated_on="2020-10-16")
    response = make_response(client, actors, claim["id"], "ktj", "denies", stated_on="2020-10-19")
    stats = assert_counted(client, db)
    assert stats["by_status"]["denied"] == 2
    assert stats["median_response_lag_days"] == 2.5  # lags 1 and 4
    url = f"/v1/responses/{response['id']}"
    for change in (
        {"stance": "admits"},
        {"stated_on": "2020-10-25"},
        {"responder": "tass"},  # a third party: the claim is unanswered again
        {"responder": "ktj"},
    ):
        assert client.patch(url, json=change, headers=actors).is_success, change
        assert_counted(client, db)
    assert client.delete(url, headers=actors).status_code == 204
    stats = assert_counted(client, db)
    assert stats["by_status"] == {"unanswered": 1, "denied": 1, "admitted": 0, "mixed": 0}
    assert stats["median_response_lag_days"] == 1.0
    assert client.post(f"{url}/restore", headers=actors).is_success
    assert assert_counted(client, db)["by_status"]["admitted"] == 1


def test_part_of_relations_change_who_answers_for_the_accused(client, db, actors):
    claim = make_claim(client, actors, "tass", ["russia"], stated_on="2021-02-10")
    make_response(client, actors, claim["id"], "mfa", "denies", stated_on="2021-02-12")
    assert assert_counted(client, db)["by_status"]["unanswered"] == 1  # mfa is a third party
    relation = make_relation(client, actors, "mfa", "part_of", "russia")
    stats = assert_counted(client, db)
    assert stats["by_status"]["denied"] == 1 and stats["median_response_lag_days"] == 2.0
    url = f"/v1/relations/{relation['id']}"
    assert client.patch(url, json={"predicate": "affiliated_with"}, headers=actors).is_success
    assert assert_counted(client, db)["by_status"]["unanswered"] == 1
    assert client.patch(url, json={"predicate": "part_of"}, headers=actors).is_success
    assert client.delete(url, headers=actors).status_code == 204
    assert assert_counted(client, db)["by_status"]["unanswered"] == 1
    assert client.post(f"{url}/restore", headers=actors).is_success
    assert assert_counted(client, db)["by_status"]["denied"] == 1


def test_evidence_changes_no_count(client, db, actors):
    claim = make_claim(client, actors, "fsb", ["ktj"])
    before = assert_counted(client, db)
    item = make_evidence(client, actors, claim["id"], "refutes", reliability="A", credibility=1)
    assert client.delete(f"/v1/evidence/{item['id']}", headers=actors).status_code == 204
    assert assert_counted(client, db) == before


def test_imported_claims_are_counted(client, db, actors):
    first = make_claim(client, actors, "fsb", ["ktj"], stated_on="2020-10-15")
    make_response(client, actors, first["id"], "ktj", "denies", stated_on="2020-10-17")
    second = make_claim(client, actors, "tass", ["russia"], stated_on=None)
    assert client.put(
        f"/v1/claims/{second['id']}/verdict", json={"rating": "misleading"}, headers=actors
    ).is_success
    gone = make_claim(client, actors, "hts", ["fsb"])
    assert client.delete(f"/v1/claims/{gone['id']}", headers=actors).status_code == 204
    expected = assert_counted(client, db)
    lines = export(client, actors).splitlines()

    admin = admin_after_emptying(db)
    assert client.post("/v1/import", content=b"\n".join(lines), headers=admin).is_success
    assert assert_counted(client, db) == expected

    # Changed records: a claim's accused and date, a verdict alone, a restored claim.
    records = [json.loads(line) for line in lines]
    for record in records:
        if record.get("id") == first["id"]:
            record.update(accused=[record["claimant"]], stated_on="2022-05-05", version=9)
        elif record.get("id") == second["id"]:
            record["verdict"] = {**record["verdict"], "rating": "refuted", "version": 9}
        elif record.get("id") == gone["id"]:
            record.update(deleted_at=None, version=9)
    changed = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    body = client.post("/v1/import", content=changed, headers=admin).json()
    assert body["errors"] == [] and body["counts"]["claim"]["updated"] == 3, body
    stats = assert_counted(client, db)
    assert stats["claims"] == 3 and stats["by_verdict"]["refuted"] == 1
    assert {"month": "2022-05", "claims": 1} in stats["per_month"]


def test_seeded_claims_are_counted(client, seeded):
    assert assert_counted(client, seeded)["claims"] > 0


# ---- random sequences of writes -------------------------------------------------------------


class Writer:
    """Random writes through the API, each of a kind that can change a count."""

    def __init__(self, client: Any, headers: dict[str, str], rnd: random.Random) -> None:
        self.client, self.headers, self.rnd = client, headers, rnd
        self.claims: list[str] = []
        self.deleted: list[str] = []
        self.responses: list[str] = []
        self.relations: list[str] = []

    def date(self) -> str | None:
        if self.rnd.random() < 0.2:
            return None
        return f"2020-{self.rnd.randint(1, 3):02d}-{self.rnd.randint(1, 28):02d}"

    def accused(self) -> list[str]:
        return self.rnd.sample(ACTORS, self.rnd.randint(0, 2))

    def step(self) -> str:
        choices = ["create", "create"]
        if self.claims:
            choices += ["patch", "delete", "verdict", "respond", "respond", "evidence"]
        if self.deleted:
            choices.append("restore")
        if self.responses:
            choices += ["patch_response", "delete_response"]
        choices += ["relate"] + (["unrelate"] if self.relations else [])
        action = self.rnd.choice(choices)
        getattr(self, action)()
        return action

    def ok(self, response: Any) -> Any:
        assert response.is_success, response.text
        return response.json() if response.content else None

    def create(self) -> None:
        claimant, accused = self.rnd.choice(ACTORS), self.accused()
        made = make_claim(self.client, self.headers, claimant, accused, stated_on=self.date())
        self.claims.append(made["id"])

    def patch(self) -> None:
        change = self.rnd.choice(
            [
                {"claimant": self.rnd.choice(ACTORS)},
                {"accused": self.accused()},
                {"stated_on": self.date()},
            ]
        )
        claim = self.rnd.choice(self.claims)
        self.ok(self.client.patch(f"/v1/claims/{claim}", json=change, headers=self.headers))

    def delete(self) -> None:
        claim = self.claims.pop(self.rnd.randrange(len(self.claims)))
        self.ok(self.client.delete(f"/v1/claims/{claim}", headers=self.headers))
        self.deleted.append(claim)

    def restore(self) -> None:
        claim = self.deleted.pop(self.rnd.randrange(len(self.deleted)))
        self.ok(self.client.post(f"/v1/claims/{claim}/restore", headers=self.headers))
        self.claims.append(claim)

    def verdict(self) -> None:
        rating = self.rnd.choice(["substantiated", "refuted", "disputed", "unassessed"])
        url = f"/v1/claims/{self.rnd.choice(self.claims)}/verdict"
        self.ok(self.client.put(url, json={"rating": rating}, headers=self.headers))

    def respond(self) -> None:
        stance = self.rnd.choice(["denies", "admits", "no_comment", "counter_accuses"])
        made = make_response(
            self.client,
            self.headers,
            self.rnd.choice(self.claims),
            self.rnd.choice(ACTORS),
            stance,
            stated_on=self.date(),
        )
        self.responses.append(made["id"])

    def patch_response(self) -> None:
        change = self.rnd.choice(
            [
                {"stance": self.rnd.choice(["denies", "admits", "confirms"])},
                {"stated_on": self.date()},
                {"responder": self.rnd.choice(ACTORS)},
            ]
        )
        url = f"/v1/responses/{self.rnd.choice(self.responses)}"
        response = self.client.patch(url, json=change, headers=self.headers)
        assert response.status_code in (200, 410), response.text  # 410: its claim is deleted

    def delete_response(self) -> None:
        response_id = self.responses.pop(self.rnd.randrange(len(self.responses)))
        response = self.client.delete(f"/v1/responses/{response_id}", headers=self.headers)
        assert response.status_code in (204, 410), response.text

    def evidence(self) -> None:
        make_evidence(self.client, self.headers, self.rnd.choice(self.claims), "supports")

    def relate(self) -> None:
        subject, object_ = self.rnd.sample(ACTORS, 2)
        body = {"predicate": "part_of", "object": object_}
        url = f"/v1/actors/{subject}/relations"
        made = self.ok(self.client.post(url, json=body, headers=self.headers))
        self.relations.append(made["id"])

    def unrelate(self) -> None:
        relation = self.relations.pop(self.rnd.randrange(len(self.relations)))
        self.ok(self.client.delete(f"/v1/relations/{relation}", headers=self.headers))


@pytest.mark.parametrize("seed", [1, 2])
def test_random_writes_keep_the_counts_right(client, db, actors, seed):
    writer = Writer(client, actors, random.Random(seed))
    done = Counter(writer.step() for _ in range(5))
    for _ in range(40):
        action = writer.step()
        done[action] += 1
        try:
            assert_counted(client, db)
        except AssertionError as exc:
            raise AssertionError(f"after {action} ({dict(done)})") from exc
    assert done["create"] and done["patch"] and done["respond"]


def test_a_rebuild_stores_what_the_writes_kept(client, db, actors):
    """``rebuild`` (its own pass over the rows on SQLite) stores the same keys for each
    claim and the same counters as the writes kept, deleted claims and all."""
    writer = Writer(client, actors, random.Random(3))
    done = Counter(writer.step() for _ in range(40))
    assert done["create"] and done["respond"]
    first = make_claim(client, actors, "fsb", ["ktj", "hts"], stated_on="2020-10-15")
    make_response(client, actors, first["id"], "ktj", "denies", stated_on="2020-10-20")
    gone = make_claim(client, actors, "tass", ["russia"], stated_on="2019-01-01")
    assert client.delete(f"/v1/claims/{gone['id']}", headers=actors).status_code == 204

    def stored() -> tuple[set[Any], set[Any]]:
        with db.reading() as conn:
            keys = set(conn.execute(text("SELECT claim_id, keys FROM claim_tally")).all())
            counters = set(conn.execute(text("SELECT * FROM tally WHERE claims <> 0")).all())
        return keys, counters

    on_write = stored()
    assert len(on_write[0]) > 5
    with db.write.begin() as conn:
        tallies.rebuild(conn)
    assert stored() == on_write
    assert_counted(client, db)


# ---- concurrent writers --------------------------------------------------------------------


def test_concurrent_writers_leave_the_counts_right(database_url, client, db, keys):
    """Writers in two server processes, eight threads at once, on the same counters (and
    new ones: each thread's claims are stated in months nobody counted yet)."""
    headers = {"Authorization": f"Bearer {keys['editor']}"}
    with live_server(database_url) as base_url, httpx.Client(base_url=base_url) as http:
        for slug in ACTORS:
            body = {"slug": slug, "name": slug.upper(), "kind": "armed_group"}
            assert http.post("/v1/actors", json=body, headers=headers).status_code == 201

        def write(thread: int) -> None:
            rnd = random.Random(thread)
            with httpx.Client(base_url=base_url, timeout=60) as own:
                for n in range(6):
                    body = {
                        "proposition": f"Claim {n} of writer {thread}.",
                        "claimant": rnd.choice(ACTORS),
                        "accused": rnd.sample(ACTORS, 2),
                        "stated_on": f"{2000 + n}-{thread + 1:02d}-01",
                    }
                    made = own.post("/v1/claims", json=body, headers=headers)
                    assert made.status_code == 201, made.text
                    claim = made.json()["id"]
                    answer = {"responder": body["accused"][0], "stance": "denies"}
                    answer["stated_on"] = f"{2000 + n}-{thread + 1:02d}-{n + 2:02d}"
                    url = f"/v1/claims/{claim}/responses"
                    assert own.post(url, json=answer, headers=headers).status_code == 201
                    verdict = {"rating": rnd.choice(["refuted", "substantiated"])}
                    url = f"/v1/claims/{claim}/verdict"
                    assert own.put(url, json=verdict, headers=headers).status_code == 200
                    if n % 3 == 2:
                        assert own.delete(f"/v1/claims/{claim}", headers=headers).is_success

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(write, range(8)))
    stats = assert_counted(client, db)
    assert stats["claims"] == 8 * 4 and stats["by_status"]["denied"] == 8 * 4
