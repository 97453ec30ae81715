"""schema.org ClaimReview through HTTP: one claim's review, the export, and their JSON-LD.

The JSON-LD is checked the way a consumer reads it: expanded with PyLD (against a local
copy of the schema.org context terms it uses, since tests have no network), then the
properties Google's ClaimReview guidelines require or recommend are looked up by their
full schema.org IRIs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError
from pyld import jsonld

from app.config import Settings
from app.models.claimreview import ClaimReview
from app.services import claimreview
from tests.factories import make_actor, make_claim
from tests.helpers import SOME_ID, assert_problem

SCHEMA = "http://schema.org/"
# The terms of schema.org's own context (https://schema.org/docs/jsonldcontext.jsonld)
# that ClaimReview uses, with the same definitions: an http vocabulary, dates typed as
# schema:Date, url and sameAs as IRIs.
SCHEMA_ORG_CONTEXT = {
    "@context": {
        "@vocab": SCHEMA,
        "schema": SCHEMA,
        "id": "@id",
        "type": "@type",
        "datePublished": {"@id": "schema:datePublished", "@type": "schema:Date"},
        "url": {"@id": "schema:url", "@type": "@id"},
        "sameAs": {"@id": "schema:sameAs", "@type": "@id"},
    }
}
# Every schema.org term the documents may use: an unknown or misspelt one fails the test,
# which a bare @vocab would let through.
PROPERTIES = {
    "claimReviewed",
    "itemReviewed",
    "author",
    "datePublished",
    "appearance",
    "reviewRating",
    "reviewBody",
    "ratingValue",
    "bestRating",
    "worstRating",
    "alternateName",
    "name",
    "url",
    "sameAs",
    "publisher",
    "inLanguage",
}
TYPES = {"ClaimReview", "Claim", "Rating", "Organization", "Person", "CreativeWork"}


def load_document(url: str, options: Any = None) -> dict[str, Any]:
    if url.rstrip("/") in {"https://schema.org", "http://schema.org"}:
        return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_ORG_CONTEXT}
    raise AssertionError(f"JSON-LD tried to fetch {url}")


def expand(document: Any) -> list[dict[str, Any]]:
    return jsonld.expand(document, {"documentLoader": load_document})  # type: ignore[no-any-return]


def walk_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The node and every node inside it (not literals, nor bare IRI references)."""
    found = [node]
    for key, values in node.items():
        if key.startswith("@"):
            continue
        for value in values:
            if "@value" not in value and set(value) != {"@id"}:
                found += walk_nodes(value)
    return found


def prop(node: dict[str, Any], name: str) -> list[Any]:
    return node.get(SCHEMA + name, [])  # type: ignore[no-any-return]


def literal(node: dict[str, Any], name: str) -> Any:
    values = prop(node, name)
    assert len(values) == 1 and "@value" in values[0], (name, node)
    return values[0]["@value"]


def child(node: dict[str, Any], name: str, type_: str | tuple[str, ...]) -> dict[str, Any]:
    values = prop(node, name)
    assert len(values) == 1, (name, node)
    types = (type_,) if isinstance(type_, str) else type_
    assert values[0]["@type"][0] in {SCHEMA + t for t in types}, values[0]
    return values[0]  # type: ignore[no-any-return]


def assert_google_claimreview(
    document: dict[str, Any], *, has_sources: bool, dated: bool = True
) -> dict[str, Any]:
    """Expand one ClaimReview and check what Google's guidelines ask of it (a claim whose
    date is unknown has no datePublished: it is left out rather than made up)."""
    ClaimReview.model_validate(document)  # the shape the OpenAPI document promises
    [review] = expand(document)
    for node in walk_nodes(review):
        for key in node:
            if not key.startswith("@"):
                assert key.startswith(SCHEMA) and key.removeprefix(SCHEMA) in PROPERTIES, key
        for type_ in node.get("@type", []):
            assert type_.startswith(SCHEMA) and type_.removeprefix(SCHEMA) in TYPES, type_
    assert review["@type"] == [SCHEMA + "ClaimReview"]
    assert literal(review, "claimReviewed")
    [url] = prop(review, "url")
    assert url["@id"].startswith("http")
    assert literal(child(review, "author", "Organization"), "name")
    rating = child(review, "reviewRating", "Rating")
    assert literal(rating, "alternateName")
    assert (
        literal(rating, "worstRating")
        <= literal(rating, "ratingValue")
        <= literal(rating, "bestRating")
    )
    item = child(review, "itemReviewed", "Claim")
    assert literal(child(item, "author", ("Organization", "Person")), "name")
    if dated:
        assert literal(item, "datePublished")
    else:
        assert not prop(item, "datePublished")
    if has_sources:
        appearances = prop(item, "appearance")
        assert appearances and all(a["@type"] == [SCHEMA + "CreativeWork"] for a in appearances)
    return review


def seconds(instant: str) -> str:
    parsed = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return parsed.isoformat(timespec="seconds").replace("+00:00", "Z")


@pytest.fixture
def cast(client, auth):
    h = auth("contributor")
    make_actor(
        client,
        h,
        "fsb",
        "Federal Security Service",
        kind="state_agency",
        aliases=["ФСБ"],
        wikidata_id="Q83567",
    )
    make_actor(client, h, "ktj", "Katibat Tawhid wal-Jihad")
    make_actor(client, h, "abu-saloh", "Abu Saloh al-Uzbeki", kind="person")
    return h


def set_verdict(client, auth, claim_id: str, rating: str, rationale: str | None = None) -> Any:
    response = client.put(
        f"/v1/claims/{claim_id}/verdict",
        json={"rating": rating, "rationale": rationale},
        headers=auth("editor"),
    )
    assert response.status_code == 200, response.text
    return response.json()


def volgograd_claim(client, cast) -> dict[str, Any]:
    return make_claim(
        client,
        cast,
        "fsb",
        ["ktj"],
        proposition="A KTJ cell coordinated from Syria planned attacks in Volgograd.",
        stated_on="2020-10-15",
        sources=[
            {
                "url": "https://t.me/fsb_example/101",
                "title": "Заявление ФСБ",
                "publisher": "fsb",
                "kind": "official_statement",
                "language": "ru",
                "published_on": "2020-10-15",
                "locator": "paragraph 1",
            },
            {
                "title": "RIA Novosti report",
                "publisher_name": "RIA Novosti",
                "kind": "news_report",
                "published_on": "2020-10-01",
                "published_on_precision": "month",
            },
        ],
    )


def test_claimreview_of_a_refuted_claim(client, cast, auth):
    claim = volgograd_claim(client, cast)
    verdict = set_verdict(client, auth, claim["id"], "refuted", "No independent evidence.")

    response = client.get(f"/v1/claims/{claim['id']}/claimreview")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/ld+json"
    assert response.json() == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"http://testserver/v1/claims/{claim['id']}",
        "claimReviewed": "A KTJ cell coordinated from Syria planned attacks in Volgograd.",
        "itemReviewed": {
            "@type": "Claim",
            "author": {
                "@type": "Organization",
                "name": "Federal Security Service",
                "sameAs": "https://www.wikidata.org/wiki/Q83567",
            },
            "datePublished": "2020-10-15",
            "appearance": [
                {
                    "@type": "CreativeWork",
                    "name": "Заявление ФСБ",
                    "url": "https://t.me/fsb_example/101",
                    "datePublished": "2020-10-15",
                    "publisher": {
                        "@type": "Organization",
                        "name": "Federal Security Service",
                        "sameAs": "https://www.wikidata.org/wiki/Q83567",
                    },
                    "inLanguage": "ru",
                },
                {
                    "@type": "CreativeWork",
                    "name": "RIA Novosti report",
                    "datePublished": "2020-10",
                    "publisher": {"@type": "Organization", "name": "RIA Novosti"},
                },
            ],
        },
        "author": {"@type": "Organization", "name": "Contested", "url": "http://testserver"},
        "datePublished": seconds(verdict["reviewed_at"]),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "Refuted",
        },
        "reviewBody": "No independent evidence.",
    }
    review = assert_google_claimreview(response.json(), has_sources=True)
    assert prop(review, "url") == [{"@id": f"http://testserver/v1/claims/{claim['id']}"}]
    # schema.org types datePublished as Date; the month-only source keeps its precision.
    appearance = prop(child(review, "itemReviewed", "Claim"), "appearance")
    assert prop(appearance[1], "datePublished") == [{"@type": SCHEMA + "Date", "@value": "2020-10"}]


@pytest.mark.parametrize(
    ("rating", "value", "label"),
    [
        ("refuted", 1, "Refuted"),
        ("misleading", 2, "Misleading"),
        ("disputed", 3, "Disputed"),
        ("unverified", 3, "Unverified"),
        ("unprovable", 3, "Unprovable"),
        ("substantiated", 5, "Substantiated"),
    ],
)
def test_every_verdict_has_its_place_on_the_scale(client, cast, auth, rating, value, label):
    claim = make_claim(client, cast, "fsb", ["ktj"])
    set_verdict(client, auth, claim["id"], rating)
    review = client.get(f"/v1/claims/{claim['id']}/claimreview").json()
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": label,
    }
    assert "reviewBody" not in review


def test_the_scale_covers_every_verdict_but_unassessed():
    from app.models.claim import Rating

    assert set(claimreview.RATINGS) == {r.value for r in Rating} - {"unassessed"}


@pytest.mark.parametrize(
    ("stated_on", "precision", "shown"),
    [
        ("2017-04-03", "day", "2017-04-03"),
        ("2017-04-01", "month", "2017-04"),
        ("2017-01-01", "year", "2017"),
    ],
)
def test_the_claims_date_keeps_its_precision(client, cast, auth, stated_on, precision, shown):
    claim = make_claim(
        client, cast, "abu-saloh", [], stated_on=stated_on, stated_on_precision=precision
    )
    set_verdict(client, auth, claim["id"], "unverified")
    item = client.get(f"/v1/claims/{claim['id']}/claimreview").json()["itemReviewed"]
    assert item["datePublished"] == shown
    assert item["author"] == {"@type": "Person", "name": "Abu Saloh al-Uzbeki"}
    assert item["appearance"] == []


def test_an_undated_claim_has_no_date_published(client, cast, auth):
    claim = make_claim(client, cast, "fsb", ["ktj"], stated_on=None)
    set_verdict(client, auth, claim["id"], "disputed")
    item = client.get(f"/v1/claims/{claim['id']}/claimreview").json()["itemReviewed"]
    assert "datePublished" not in item


def test_an_unassessed_claim_has_no_review(client, cast, auth):
    claim = make_claim(client, cast, "fsb", ["ktj"])
    problem = assert_problem(
        client.get(f"/v1/claims/{claim['id']}/claimreview"),
        404,
        type_="urn:contested:problem:not-reviewed",
    )
    assert "unassessed" in problem["detail"]
    # Set and then taken back to unassessed: no review again.
    set_verdict(client, auth, claim["id"], "refuted")
    assert client.get(f"/v1/claims/{claim['id']}/claimreview").status_code == 200
    set_verdict(client, auth, claim["id"], "unassessed")
    assert_problem(
        client.get(f"/v1/claims/{claim['id']}/claimreview"),
        404,
        type_="urn:contested:problem:not-reviewed",
    )


def test_unknown_deleted_and_malformed_claims(client, cast, auth):
    assert_problem(client.get(f"/v1/claims/{SOME_ID}/claimreview"), 404, type_="about:blank")
    assert_problem(client.get("/v1/claims/nope/claimreview"), 422, parameter="claim_id")
    claim = make_claim(client, cast, "fsb", ["ktj"])
    set_verdict(client, auth, claim["id"], "refuted")
    assert client.delete(f"/v1/claims/{claim['id']}", headers=cast).status_code == 204
    assert_problem(client.get(f"/v1/claims/{claim['id']}/claimreview"), 410)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/ld+json"),
        ("*/*", "application/ld+json"),
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/json"),
        ("application/json, application/ld+json;q=0.5", "application/json"),
        ("application/json;q=0.5, application/ld+json", "application/ld+json"),
        ("text/html", "application/ld+json"),
        ("not a media type;;", "application/ld+json"),
    ],
)
def test_plain_json_when_asked(client, cast, auth, accept, media_type):
    claim = make_claim(client, cast, "fsb", ["ktj"])
    set_verdict(client, auth, claim["id"], "misleading")
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/v1/claims/{claim['id']}/claimreview", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.json()["reviewRating"]["alternateName"] == "Misleading"


def test_the_publisher_and_the_base_url_are_settings(make_app, cast, client, auth):
    from fastapi.testclient import TestClient

    claim = make_claim(client, cast, "fsb", ["ktj"])
    set_verdict(client, auth, claim["id"], "refuted")
    app = make_app(
        public_base_url="https://factcheck.example.org/contested",
        publisher_name="Example Newsroom",
        publisher_url="https://news.example.org",
    )
    with TestClient(app) as other:
        review = other.get(f"/v1/claims/{claim['id']}/claimreview").json()
        exported = other.get("/v1/export/claimreview").json()
    assert review["url"] == f"https://factcheck.example.org/contested/v1/claims/{claim['id']}"
    assert review["author"] == {
        "@type": "Organization",
        "name": "Example Newsroom",
        "url": "https://news.example.org",
    }
    assert exported == [review]
    # Without a publisher URL, the publisher is the site the claims are published under.
    with TestClient(make_app(public_base_url="https://factcheck.example.org/")) as other:
        review = other.get(f"/v1/claims/{claim['id']}/claimreview").json()
    assert review["author"]["url"] == "https://factcheck.example.org"
    assert review["url"] == f"https://factcheck.example.org/v1/claims/{claim['id']}"


@pytest.mark.parametrize(
    "overrides",
    [
        {"public_base_url": "ftp://example.org"},
        {"publisher_url": "example.org"},
        {"publisher_name": ""},
    ],
)
def test_invalid_publisher_settings_are_refused(overrides):
    with pytest.raises(ValidationError):
        Settings(database_url="sqlite:///unused.db", **overrides)


def test_export_streams_every_reviewed_live_claim(client, cast, auth):
    reviewed = []
    for n, rating in enumerate(
        ["refuted", "unassessed", "substantiated", "disputed", "misleading"]
    ):
        claim = make_claim(client, cast, "fsb", ["ktj"], proposition=f"Claim {n}.")
        if rating != "unassessed":
            set_verdict(client, auth, claim["id"], rating)
            reviewed.append(claim["id"])
    volgograd = volgograd_claim(client, cast)
    set_verdict(client, auth, volgograd["id"], "unprovable")
    reviewed.append(volgograd["id"])
    deleted = reviewed.pop(1)
    assert client.delete(f"/v1/claims/{deleted}", headers=cast).status_code == 204

    response = client.get("/v1/export/claimreview")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    exported = response.json()
    assert [r["url"].rsplit("/", 1)[1] for r in exported] == sorted(reviewed)
    for review in exported:
        claim_id = review["url"].rsplit("/", 1)[1]
        assert review == client.get(f"/v1/claims/{claim_id}/claimreview").json()
        assert_google_claimreview(review, has_sources=claim_id == volgograd["id"])
    # The whole array is one JSON-LD document too.
    assert len(expand(exported)) == len(reviewed)
    # One review a line, inside the array.
    assert response.text.splitlines()[0] == "["
    assert len(response.text.splitlines()) == len(reviewed) + 2


def test_export_of_nothing_is_an_empty_array(client, cast):
    make_claim(client, cast, "fsb", ["ktj"])
    response = client.get("/v1/export/claimreview")
    assert response.status_code == 200
    assert response.json() == []


def test_export_reads_in_keyset_batches(client, cast, auth, count_statements, monkeypatch):
    ids = []
    for n in range(5):
        claim = make_claim(client, cast, "fsb", ["ktj"], proposition=f"Claim {n}.")
        set_verdict(client, auth, claim["id"], "refuted")
        ids.append(claim["id"])
    monkeypatch.setattr(claimreview, "BATCH_SIZE", 2)
    counter = count_statements()

    exported = client.get("/v1/export/claimreview").json()

    assert [r["url"].rsplit("/", 1)[1] for r in exported] == sorted(ids)
    # Three batches of at most two claims (2, 2, 1), each one claim query and one source
    # query; a short batch is known to be the last.
    reads = [s for s in counter.statements if "FROM claim" in s or "FROM claim_source" in s]
    assert len(reads) == 6, reads


def test_the_seeded_reviews_are_valid_claimreview(client, seeded):
    exported = client.get("/v1/export/claimreview").json()
    assert exported, "the seeds hold at least one verdict"
    for review in exported:
        item = review["itemReviewed"]
        assert_google_claimreview(
            review, has_sources=bool(item["appearance"]), dated="datePublished" in item
        )


def test_private_reads_need_a_key(make_app, cast, client, auth):
    from fastapi.testclient import TestClient

    claim = make_claim(client, cast, "fsb", ["ktj"])
    set_verdict(client, auth, claim["id"], "refuted")
    with TestClient(make_app(public_read=False)) as private:
        for path in (f"/v1/claims/{claim['id']}/claimreview", "/v1/export/claimreview"):
            assert_problem(private.get(path), 401)
            assert private.get(path, headers=auth("viewer")).status_code == 200


def test_the_openapi_document_names_the_media_types(client):
    spec = client.get("/openapi.json").json()
    single = spec["paths"]["/v1/claims/{claim_id}/claimreview"]["get"]
    assert set(single["responses"]["200"]["content"]) == {"application/ld+json", "application/json"}
    export = spec["paths"]["/v1/export/claimreview"]["get"]
    assert export["responses"]["200"]["content"]["application/ld+json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/ClaimReview"
    }
    for name in (
        "ClaimReview",
        "ClaimReviewClaim",
        "ClaimReviewParty",
        "ClaimReviewAppearance",
        "ClaimReviewRating",
    ):
        schema = spec["components"]["schemas"][name]
        assert schema["description"], name
        for field, definition in schema["properties"].items():
            assert definition.get("description"), (name, field)
