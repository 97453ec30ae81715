"""Responses through HTTP: counter-statements, their threads, and the dispute status they set."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import make_actor, make_claim, make_response
from tests.helpers import SOME_ID, assert_problem, ids, walk_pages

RESPONSE_FIELDS = {
    "id",
    "claim_id",
    "responder",
    "stance",
    "stated_on",
    "stated_on_precision",
    "quote",
    "quote_language",
    "translation",
    "in_reply_to",
    "by_accused",
    "sources",
    "version",
    "created_at",
    "updated_at",
}


@pytest.fixture
def h(client, auth):
    headers = auth("contributor")
    make_actor(client, headers, "fsb", "Federal Security Service", kind="state_agency")
    make_actor(client, headers, "ktj", "Katibat Tawhid wal-Jihad")
    make_actor(client, headers, "hts", "Hayat Tahrir al-Sham")
    make_actor(client, headers, "memorial", "Memorial", kind="ngo")
    return headers


@pytest.fixture
def claim(client, h):
    return make_claim(
        client,
        h,
        "fsb",
        ["ktj", "hts"],
        stated_on="2020-10-15",
        proposition="A KTJ cell planned attacks in Volgograd.",
    )


def dossier(client, claim):
    return client.get(f"/v1/claims/{claim['id']}").json()


def dispute(client, claim):
    return dossier(client, claim)["dispute"]


def claims_with(client, status):
    return ids(client.get("/v1/claims", params={"status": status}).json()["items"])


def test_create_response_returns_it(client, h, claim):
    response = client.post(
        f"/v1/claims/{claim['id']}/responses",
        headers=h,
        json={
            "responder": "ktj",
            "stance": "denies",
            "stated_on": "2020-10-16",
            "quote": "не имеет своих ячеек в России",
            "quote_language": "ru",
            "translation": "does not have its cells in Russia",
            "sources": [
                {
                    "title": "KTJ Telegram statement",
                    "publisher": "ktj",
                    "kind": "messaging_post",
                    "locator": "post 1",
                }
            ],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == RESPONSE_FIELDS
    ktj = client.get("/v1/actors/ktj").json()
    assert body["responder"] == {"id": ktj["id"], "slug": "ktj", "name": ktj["name"]}
    assert body["claim_id"] == claim["id"]
    assert (body["stance"], body["stated_on"], body["stated_on_precision"]) == (
        "denies",
        "2020-10-16",
        "day",
    )
    assert body["quote"] == "не имеет своих ячеек в России" and body["quote_language"] == "ru"
    assert body["translation"] == "does not have its cells in Russia"
    assert body["in_reply_to"] is None and body["by_accused"] is True
    assert body["sources"][0]["source"]["title"] == "KTJ Telegram statement"
    assert body["sources"][0]["source"]["kind"] == "messaging_post"
    assert body["sources"][0]["locator"] == "post 1"
    assert body["version"] == 1 and response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/responses/{body['id']}"
    fetched = client.get(response.headers["Location"])
    assert fetched.json() == body and fetched.headers["ETag"] == '"1"'
    assert dossier(client, claim)["responses"] == [body]


def test_responder_by_uuid_and_undated_response(client, h, claim):
    ktj = client.get("/v1/actors/ktj").json()
    body = make_response(
        client, h, claim["id"], ktj["id"], "no_comment", stated_on=None, stated_on_precision="month"
    )
    assert body["responder"]["slug"] == "ktj"
    assert body["stated_on"] is None and body["stated_on_precision"] is None


def test_list_responses_in_date_order(client, h, claim):
    later = make_response(client, h, claim["id"], "ktj", stated_on="2020-10-20")
    earlier = make_response(client, h, claim["id"], "hts", stated_on="2020-10-16")
    undated = make_response(client, h, claim["id"], "memorial", stated_on=None)
    other_claim = make_claim(client, h, "fsb", ["ktj"])
    make_response(client, h, other_claim["id"], "ktj")
    response = client.get(f"/v1/claims/{claim['id']}/responses")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert ids(items) == [undated["id"], earlier["id"], later["id"]]
    assert [r["by_accused"] for r in items] == [False, True, True]
    assert response.json()["next_cursor"] is None


def test_pagination_visits_every_response_once(client, h, claim):
    made = [
        make_response(
            client, h, claim["id"], "ktj", stated_on=None if i % 4 == 0 else f"2020-10-{16 + i % 3}"
        )
        for i in range(9)
    ]
    seen, pages = walk_pages(client, f"/v1/claims/{claim['id']}/responses", 4)
    assert pages == 3
    assert sorted(ids(seen)) == sorted(ids(made))
    keys = [(r["stated_on"] or "0001-01-01", r["id"]) for r in seen]
    assert keys == sorted(keys)


def test_responses_of_unknown_or_deleted_claim(client, h, claim):
    missing = uuid.uuid4()
    assert_problem(client.get(f"/v1/claims/{missing}/responses"), 404)
    assert_problem(
        client.post(
            f"/v1/claims/{missing}/responses",
            headers=h,
            json={"responder": "ktj", "stance": "denies"},
        ),
        404,
    )
    assert client.delete(f"/v1/claims/{claim['id']}", headers=h).status_code == 204
    assert_problem(client.get(f"/v1/claims/{claim['id']}/responses"), 410)
    assert_problem(
        client.post(
            f"/v1/claims/{claim['id']}/responses",
            headers=h,
            json={"responder": "ktj", "stance": "denies"},
        ),
        410,
    )


def test_unknown_responder_is_422_with_a_suggestion(client, h, claim):
    response = client.post(
        f"/v1/claims/{claim['id']}/responses",
        headers=h,
        json={"responder": "ktjj", "stance": "denies"},
    )
    problem = assert_problem(
        response, 422, pointer="/responder", type_="urn:contested:problem:unknown-reference"
    )
    assert problem["errors"][0]["suggestions"][0] == "ktj"
    assert dossier(client, claim)["responses"] == []


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"stance": "denies"}, "/responder"),
        ({"responder": "ktj"}, "/stance"),
        ({"responder": "ktj", "stance": "lies"}, "/stance"),
        ({"responder": "ktj", "stance": "denies", "stated_on": "16.10.2020"}, "/stated_on"),
        (
            {"responder": "ktj", "stance": "denies", "stated_on_precision": "hour"},
            "/stated_on_precision",
        ),
        ({"responder": "ktj", "stance": "denies", "quote_language": "Russian!"}, "/quote_language"),
        ({"responder": "ktj", "stance": "denies", "in_reply_to": "the denial"}, "/in_reply_to"),
        ({"responder": "ktj", "stance": "denies", "sources": [{"locator": "p. 1"}]}, "/sources/0"),
        (
            {
                "responder": "ktj",
                "stance": "denies",
                "sources": [{"title": "x", "url": "ftp://x.org/a"}],
            },
            "/sources/0/url",
        ),
        ({"responder": "ktj", "stance": "denies", "mood": "angry"}, "/mood"),
        (
            {"responder": "ktj", "stance": "denies", "id": SOME_ID},
            "/id",
        ),
        ({"responder": "ktj", "stance": "denies", "version": 1}, "/version"),
        (
            {
                "responder": "ktj",
                "stance": "denies",
                "created_by": SOME_ID,
            },
            "/created_by",
        ),
        ({"responder": "ktj", "stance": "denies", "by_accused": True}, "/by_accused"),
        (
            {
                "responder": "ktj",
                "stance": "denies",
                "claim_id": SOME_ID,
            },
            "/claim_id",
        ),
    ],
)
def test_invalid_response_is_a_422_naming_the_field(client, h, claim, body, pointer):
    response = client.post(f"/v1/claims/{claim['id']}/responses", headers=h, json=body)
    assert_problem(response, 422, pointer=pointer)
    assert dossier(client, claim)["responses"] == []
    assert client.get("/v1/sources").json()["items"] == []


def test_get_unknown_or_malformed_response(client):
    assert_problem(client.get(f"/v1/responses/{uuid.uuid4()}"), 404)
    assert_problem(client.get("/v1/responses/denial"), 422, parameter="response_id")


# ---- threads -----------------------------------------------------------------------------


def test_a_reply_to_a_response_of_the_same_claim(client, h, claim):
    denial = make_response(client, h, claim["id"], "ktj", "denies")
    rebuttal = make_response(
        client,
        h,
        claim["id"],
        "fsb",
        "counter_accuses",
        stated_on="2020-10-17",
        in_reply_to=denial["id"],
    )
    assert rebuttal["in_reply_to"] == denial["id"]
    assert client.get(f"/v1/responses/{rebuttal['id']}").json()["in_reply_to"] == denial["id"]


def test_in_reply_to_a_response_of_another_claim_is_422(client, h, claim):
    other = make_claim(client, h, "fsb", ["ktj"])
    elsewhere = make_response(client, h, other["id"], "ktj")
    for target in (elsewhere["id"], str(uuid.uuid4())):
        response = client.post(
            f"/v1/claims/{claim['id']}/responses",
            headers=h,
            json={"responder": "ktj", "stance": "denies", "in_reply_to": target},
        )
        assert_problem(response, 422, pointer="/in_reply_to")
    assert dossier(client, claim)["responses"] == []


def test_in_reply_to_a_deleted_response_is_422(client, h, claim):
    denial = make_response(client, h, claim["id"], "ktj")
    client.delete(f"/v1/responses/{denial['id']}", headers=h)
    response = client.post(
        f"/v1/claims/{claim['id']}/responses",
        headers=h,
        json={"responder": "fsb", "stance": "counter_accuses", "in_reply_to": denial["id"]},
    )
    assert_problem(response, 422, pointer="/in_reply_to")


def test_patch_cannot_move_a_reply_to_another_claim(client, h, claim):
    other = make_claim(client, h, "fsb", ["ktj"])
    elsewhere = make_response(client, h, other["id"], "ktj")
    reply = make_response(client, h, claim["id"], "ktj")
    response = client.patch(
        f"/v1/responses/{reply['id']}", headers=h, json={"in_reply_to": elsewhere["id"]}
    )
    assert_problem(response, 422, pointer="/in_reply_to")
    assert client.get(f"/v1/responses/{reply['id']}").json() == reply


def test_patch_cannot_make_a_thread_a_loop(client, h, claim):
    first = make_response(client, h, claim["id"], "ktj", stated_on="2020-10-16")
    second = make_response(
        client,
        h,
        claim["id"],
        "fsb",
        "counter_accuses",
        stated_on="2020-10-17",
        in_reply_to=first["id"],
    )
    third = make_response(
        client, h, claim["id"], "ktj", stated_on="2020-10-18", in_reply_to=second["id"]
    )
    for target in (third["id"], second["id"], first["id"]):
        response = client.patch(
            f"/v1/responses/{first['id']}", headers=h, json={"in_reply_to": target}
        )
        assert_problem(response, 422, pointer="/in_reply_to")
    assert client.get(f"/v1/responses/{first['id']}").json() == first
    threaded = dossier(client, claim)["responses"]
    assert ids(threaded) == [first["id"], second["id"], third["id"]]
    moved = client.patch(
        f"/v1/responses/{third['id']}", headers=h, json={"in_reply_to": first["id"]}
    )
    assert moved.status_code == 200 and moved.json()["in_reply_to"] == first["id"]
    detached = client.patch(f"/v1/responses/{second['id']}", headers=h, json={"in_reply_to": None})
    assert detached.status_code == 200 and detached.json()["in_reply_to"] is None


# ---- the dispute status ------------------------------------------------------------------


def test_dispute_status_is_recomputed_after_each_write(client, h, claim):
    assert dispute(client, claim)["status"] == "unanswered"
    denial = make_response(client, h, claim["id"], "ktj", "denies", stated_on="2020-10-16")
    assert dispute(client, claim) == {
        "status": "denied",
        "first_response_on": "2020-10-16",
        "response_lag_days": 1,
    }
    assert claims_with(client, "denied") == [claim["id"]]
    make_response(client, h, claim["id"], "hts", "admits", stated_on="2020-10-20")
    assert dispute(client, claim)["status"] == "mixed"
    assert claims_with(client, "mixed") == [claim["id"]]
    assert claims_with(client, "denied") == []
    assert client.delete(f"/v1/responses/{denial['id']}", headers=h).status_code == 204
    assert dispute(client, claim) == {
        "status": "admitted",
        "first_response_on": "2020-10-20",
        "response_lag_days": 5,
    }
    assert claims_with(client, "admitted") == [claim["id"]]
    assert client.get("/v1/claims").json()["items"][0]["dispute_status"] == "admitted"


@pytest.mark.parametrize(
    ("stances", "status"),
    [
        (["denies"], "denied"),
        (["partially_denies"], "denied"),
        (["disputes_evidence"], "denied"),
        (["counter_accuses"], "denied"),
        (["confirms"], "admitted"),
        (["admits"], "admitted"),
        (["no_comment"], "unanswered"),
        (["no_comment", "denies"], "denied"),
        (["confirms", "partially_denies"], "mixed"),
    ],
)
def test_status_from_the_accused_stances(client, h, claim, stances, status):
    for stance in stances:
        make_response(client, h, claim["id"], "ktj", stance)
    assert dispute(client, claim)["status"] == status
    assert claims_with(client, status) == [claim["id"]]


def test_no_comment_alone_leaves_it_unanswered_with_no_first_response(client, h, claim):
    make_response(client, h, claim["id"], "ktj", "no_comment", stated_on="2020-10-16")
    assert dispute(client, claim) == {
        "status": "unanswered",
        "first_response_on": None,
        "response_lag_days": None,
    }
    assert claims_with(client, "unanswered") == [claim["id"]]


def test_third_party_responses_do_not_change_the_status(client, h, claim):
    comment = make_response(client, h, claim["id"], "memorial", "denies", stated_on="2020-10-16")
    assert comment["by_accused"] is False
    assert dispute(client, claim) == {
        "status": "unanswered",
        "first_response_on": None,
        "response_lag_days": None,
    }
    assert claims_with(client, "unanswered") == [claim["id"]]
    shown = dossier(client, claim)["responses"]
    assert ids(shown) == [comment["id"]] and shown[0]["by_accused"] is False
    make_response(client, h, claim["id"], "hts", "admits", stated_on="2020-10-18")
    assert dispute(client, claim)["status"] == "admitted"


def test_patching_stance_or_responder_recomputes_the_status(client, h, claim):
    response = make_response(client, h, claim["id"], "ktj", "denies")
    url = f"/v1/responses/{response['id']}"
    patched = client.patch(url, headers={**h, "If-Match": '"1"'}, json={"stance": "admits"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2 and patched.headers["ETag"] == '"2"'
    assert dispute(client, claim)["status"] == "admitted"
    assert claims_with(client, "admitted") == [claim["id"]]
    moved = client.patch(url, headers=h, json={"responder": "memorial"})
    assert moved.json()["by_accused"] is False and moved.json()["responder"]["slug"] == "memorial"
    assert dispute(client, claim)["status"] == "unanswered"
    assert claims_with(client, "unanswered") == [claim["id"]]


def test_accusing_the_responder_later_makes_its_response_count(client, h, claim):
    make_response(client, h, claim["id"], "memorial", "denies")
    assert dispute(client, claim)["status"] == "unanswered"
    client.patch(f"/v1/claims/{claim['id']}", headers=h, json={"accused": ["memorial"]})
    assert dispute(client, claim)["status"] == "denied"
    assert dossier(client, claim)["responses"][0]["by_accused"] is True


def test_response_lag_days(client, h):
    claim = make_claim(client, h, "fsb", ["ktj"], stated_on="2020-10-15")
    make_response(client, h, claim["id"], "ktj", "denies", stated_on="2020-10-30")
    assert dispute(client, claim) == {
        "status": "denied",
        "first_response_on": "2020-10-30",
        "response_lag_days": 15,
    }
    make_response(client, h, claim["id"], "ktj", "no_comment", stated_on="2020-10-15")
    make_response(client, h, claim["id"], "memorial", "denies", stated_on="2020-10-15")
    make_response(client, h, claim["id"], "ktj", "denies", stated_on=None)
    assert dispute(client, claim)["response_lag_days"] == 15
    make_response(client, h, claim["id"], "ktj", "partially_denies", stated_on="2020-10-16")
    assert dispute(client, claim) == {
        "status": "denied",
        "first_response_on": "2020-10-16",
        "response_lag_days": 1,
    }


def test_response_lag_is_null_when_the_claim_is_undated(client, h):
    claim = make_claim(client, h, "fsb", ["ktj"], stated_on=None)
    make_response(client, h, claim["id"], "ktj", "denies", stated_on="2020-10-16")
    assert dispute(client, claim) == {
        "status": "denied",
        "first_response_on": "2020-10-16",
        "response_lag_days": None,
    }
    client.patch(f"/v1/claims/{claim['id']}", headers=h, json={"stated_on": "2020-10-06"})
    assert dispute(client, claim)["response_lag_days"] == 10


# ---- update and delete ----------------------------------------------------------------------


def test_update_response(client, h, claim):
    response = make_response(client, h, claim["id"], "ktj", "denies")
    url = f"/v1/responses/{response['id']}"
    assert_problem(client.patch(url, headers={**h, "If-Match": '"5"'}, json={"quote": "x"}), 412)
    assert client.get(url).json() == response
    patched = client.patch(
        url,
        headers=h,
        json={
            "quote": "is not involved",
            "quote_language": "en",
            "stated_on": "2020-10-17",
            "sources": [{"title": "Telegram post", "url": "https://t.me/ktj/1"}],
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["version"] == 2
    assert (body["quote"], body["quote_language"], body["stated_on"]) == (
        "is not involved",
        "en",
        "2020-10-17",
    )
    assert [c["source"]["url"] for c in body["sources"]] == ["https://t.me/ktj/1"]
    assert client.get(url).json() == body
    assert dispute(client, claim)["first_response_on"] == "2020-10-17"
    same = client.patch(url, headers=h, json={"quote": "is not involved"})
    assert same.json()["version"] == 2
    for field, value in (
        ("id", SOME_ID),
        ("version", 9),
        ("by_accused", False),
        ("claim_id", SOME_ID),
    ):
        assert_problem(client.patch(url, headers=h, json={field: value}), 422, pointer=f"/{field}")
    assert_problem(
        client.patch(url, headers=h, json={"responder": "ktjj"}), 422, pointer="/responder"
    )


def test_deleted_response_is_gone(client, h, claim):
    response = make_response(client, h, claim["id"], "ktj", "denies")
    url = f"/v1/responses/{response['id']}"
    assert_problem(client.delete(url, headers={**h, "If-Match": '"2"'}), 412)
    assert dispute(client, claim)["status"] == "denied"
    assert client.delete(url, headers={**h, "If-Match": '"1"'}).status_code == 204
    assert_problem(client.get(url), 410)
    assert client.get(f"/v1/claims/{claim['id']}/responses").json()["items"] == []
    assert dossier(client, claim)["responses"] == []
    assert dispute(client, claim)["status"] == "unanswered"
    assert client.get("/v1/claims", params={"stance": "denies"}).json()["items"] == []
    assert_problem(client.patch(url, headers=h, json={"quote": "x"}), 410)
    assert_problem(client.delete(url, headers=h), 410)
