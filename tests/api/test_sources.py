"""Sources through HTTP: create, URL normalisation and the ?url= lookup, update, delete."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import make_actor, make_claim, make_source
from tests.helpers import SOME_ID, assert_problem, ids, walk_pages

SOURCE_FIELDS = {
    "id",
    "url",
    "url_normalized",
    "title",
    "publisher",
    "publisher_name",
    "kind",
    "language",
    "published_on",
    "published_on_precision",
    "archive_url",
    "content_sha256",
    "reliability",
    "version",
    "created_at",
    "updated_at",
}
STORY = "https://example.org/news/story?b=2&a=1"
SHA = "a" * 64


@pytest.fixture
def h(client, auth):
    headers = auth("contributor")
    make_actor(
        client, headers, "fsb", "Federal Security Service", kind="state_agency", aliases=["ФСБ"]
    )
    make_actor(client, headers, "ktj", "Katibat Tawhid wal-Jihad")
    return headers


def listed(client, **params):
    response = client.get("/v1/sources", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_create_source_returns_the_stored_source(client, h):
    response = client.post(
        "/v1/sources",
        headers=h,
        json={
            "url": "https://www.fsb.ru/fsb/press/message/single.htm?id=10439388",
            "title": "FSB statement on the Volgograd cell",
            "publisher": "fsb",
            "kind": "official_statement",
            "language": "ru",
            "published_on": "2020-10-15",
            "published_on_precision": "day",
            "archive_url": "https://web.archive.org/web/2020/https://www.fsb.ru/",
            "content_sha256": SHA,
            "reliability": "C",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == SOURCE_FIELDS
    fsb = client.get("/v1/actors/fsb").json()
    assert body["publisher"] == {"id": fsb["id"], "slug": "fsb", "name": fsb["name"]}
    assert body["url"] == "https://www.fsb.ru/fsb/press/message/single.htm?id=10439388"
    assert body["url_normalized"] == "https://www.fsb.ru/fsb/press/message/single.htm?id=10439388"
    assert (body["kind"], body["language"], body["reliability"]) == (
        "official_statement",
        "ru",
        "C",
    )
    assert (body["published_on"], body["published_on_precision"]) == ("2020-10-15", "day")
    assert body["content_sha256"] == SHA
    assert body["version"] == 1 and response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/sources/{body['id']}"
    assert client.get(response.headers["Location"]).json() == body


def test_defaults_and_a_source_without_url(client, h):
    body = make_source(
        client, h, "Telegram post quoted by RIA Novosti", publisher_name="Unnamed channel"
    )
    assert body["url"] is None and body["url_normalized"] is None
    assert body["kind"] == "other" and body["reliability"] == "F"
    assert body["publisher"] is None and body["publisher_name"] == "Unnamed channel"
    second = make_source(client, h, "Another document without a URL")
    assert second["id"] != body["id"]


def test_publisher_by_uuid(client, h):
    ktj = client.get("/v1/actors/ktj").json()
    body = make_source(
        client, h, "KTJ Telegram statement", publisher=ktj["id"], kind="messaging_post"
    )
    assert body["publisher"]["slug"] == "ktj"


def test_url_is_stored_as_given_and_compared_normalised(client, h):
    source = make_source(
        client,
        h,
        "The story",
        url="HTTPS://Example.ORG:443/news/story/?b=2&a=1&utm_source=telegram#comments",
    )
    assert (
        source["url"] == "HTTPS://Example.ORG:443/news/story/?b=2&a=1&utm_source=telegram#comments"
    )
    assert source["url_normalized"] == "https://example.org/news/story?a=1&b=2"


@pytest.mark.parametrize(
    "same",
    [
        STORY,
        "https://EXAMPLE.org/news/story?b=2&a=1",
        "HTTPS://example.org/news/story?a=1&b=2",
        "https://example.org/news/story?b=2&a=1#comments",
        "https://example.org/news/story/?b=2&a=1",
        "https://example.org/news/story?b=2&a=1&utm_source=twitter&utm_medium=social",
        "https://example.org/news/story?fbclid=xyz&b=2&a=1",
        "https://example.org:443/news/story?b=2&a=1",
        "  https://example.org/news/story?b=2&a=1  ",
    ],
)
def test_the_same_url_again_is_a_409_naming_the_existing_source(client, h, same):
    existing = make_source(client, h, "The story", url=STORY)
    response = client.post("/v1/sources", headers=h, json={"title": "Copy", "url": same})
    problem = assert_problem(response, 409, pointer="/url", type_="urn:contested:problem:conflict")
    assert existing["id"] in problem["detail"]
    assert existing["id"] in problem["errors"][0]["detail"]
    assert ids(listed(client)) == [existing["id"]]


@pytest.mark.parametrize(
    "other",
    [
        "https://example.org/news/Story?b=2&a=1",
        "https://example.org/news/story?b=3&a=1",
        "https://example.org/news/story",
        "http://example.org:8080/news/story?b=2&a=1",
        "https://example.com/news/story?b=2&a=1",
    ],
)
def test_a_different_url_is_another_source(client, h, other):
    first = make_source(client, h, "The story", url=STORY)
    second = make_source(client, h, "Another", url=other)
    assert second["id"] != first["id"]
    assert len(listed(client)) == 2


def test_url_filter_finds_the_source_by_its_normalised_url(client, h):
    story = make_source(client, h, "The story", url=STORY)
    make_source(client, h, "Elsewhere", url="https://example.org/other")
    make_source(client, h, "No URL")
    for variant in (STORY, "HTTPS://Example.org/news/story/?a=1&b=2&utm_campaign=x#top"):
        assert ids(listed(client, url=variant)) == [story["id"]]
    assert listed(client, url="https://example.org/news/story?a=1") == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript://example.org/%0aalert(1)",
        "ftp://example.org/file.txt",
        "file:///etc/passwd",
        "mailto:press@example.org",
        "https:///no-host",
        "not a url at all",
        "https://exa mple.org/x",
    ],
)
def test_non_http_urls_are_422(client, h, url):
    response = client.post("/v1/sources", headers=h, json={"title": "Bad", "url": url})
    assert_problem(response, 422, pointer="/url")
    assert listed(client) == []


def test_archive_url_must_be_http_too(client, h):
    response = client.post(
        "/v1/sources", headers=h, json={"title": "Bad", "archive_url": "ftp://archive.example/x"}
    )
    assert_problem(response, 422, pointer="/archive_url")


def test_unknown_publisher_is_422_with_a_suggestion(client, h):
    response = client.post(
        "/v1/sources", headers=h, json={"title": "Statement", "publisher": "fbs"}
    )
    problem = assert_problem(
        response, 422, pointer="/publisher", type_="urn:contested:problem:unknown-reference"
    )
    error = problem["errors"][0]
    assert error["detail"] == "no actor 'fbs'; did you mean 'fsb'?"
    assert error["suggestions"][0] == "fsb"
    assert listed(client) == []


def test_unknown_publisher_by_uuid_has_no_suggestion(client, h):
    missing = str(uuid.uuid4())
    response = client.post("/v1/sources", headers=h, json={"title": "x", "publisher": missing})
    problem = assert_problem(response, 422, pointer="/publisher")
    assert problem["errors"][0]["detail"] == f"no actor '{missing}'"
    assert "suggestions" not in problem["errors"][0]


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"title": None}, "/title"),
        ({"kind": "tweet"}, "/kind"),
        ({"reliability": "G"}, "/reliability"),
        ({"reliability": "a"}, "/reliability"),
        ({"language": "russian language"}, "/language"),
        ({"published_on": "15/10/2020"}, "/published_on"),
        ({"published_on_precision": "decade"}, "/published_on_precision"),
        ({"content_sha256": "xyz"}, "/content_sha256"),
        ({"content_sha256": "A" * 64}, "/content_sha256"),
        ({"url": "http://"}, "/url"),
        ({"author": "someone"}, "/author"),
    ],
)
def test_invalid_source_is_a_422_naming_the_field(client, h, change, pointer):
    response = client.post("/v1/sources", headers=h, json={"title": "Statement", **change})
    assert_problem(response, 422, pointer=pointer)
    assert listed(client) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", SOME_ID),
        ("version", 1),
        ("created_by", SOME_ID),
        ("updated_at", "2020-01-01T00:00:00Z"),
        ("url_normalized", "https://example.org/"),
    ],
)
def test_server_owned_fields_are_refused(client, h, field, value):
    assert_problem(
        client.post("/v1/sources", headers=h, json={"title": "x", field: value}),
        422,
        pointer=f"/{field}",
    )
    source = make_source(client, h)
    patched = client.patch(f"/v1/sources/{source['id']}", headers=h, json={field: value})
    assert_problem(patched, 422, pointer=f"/{field}")
    assert client.get(f"/v1/sources/{source['id']}").json() == source


def test_get_unknown_or_malformed_source(client):
    assert_problem(client.get(f"/v1/sources/{uuid.uuid4()}"), 404)
    assert_problem(client.get("/v1/sources/fsb-statement"), 422, parameter="source_id")


def test_list_filters(client, h):
    fsb_statement = make_source(
        client, h, "FSB statement on Volgograd", publisher="fsb", kind="official_statement"
    )
    ktj_post = make_source(client, h, "KTJ denial", publisher="ktj", kind="messaging_post")
    report = make_source(client, h, "Volgograd: a report", kind="news_report")
    assert ids(listed(client)) == [fsb_statement["id"], ktj_post["id"], report["id"]]
    assert ids(listed(client, kind="messaging_post")) == [ktj_post["id"]]
    assert ids(listed(client, publisher="fsb")) == [fsb_statement["id"]]
    assert ids(listed(client, q="volgograd")) == [fsb_statement["id"], report["id"]]
    assert ids(listed(client, q="volgograd", kind="news_report")) == [report["id"]]
    unknown = client.get("/v1/sources", params={"publisher": "fbs"})
    problem = assert_problem(unknown, 422, parameter="publisher")
    assert problem["errors"][0]["suggestions"][0] == "fsb"
    assert_problem(client.get("/v1/sources", params={"kind": "tweet"}), 422, parameter="kind")


def test_pagination_visits_every_source_once_in_creation_order(client, h):
    made = [make_source(client, h, f"Report {i}", kind="news_report") for i in range(7)]
    make_source(client, h, "A statement", kind="official_statement")
    seen, pages = walk_pages(client, "/v1/sources", 3, kind="news_report")
    assert pages == 3
    assert ids(seen) == ids(made)
    everything, pages = walk_pages(client, "/v1/sources", 4)
    assert pages == 2 and len(set(ids(everything))) == 8


def test_update_source(client, h):
    source = make_source(client, h, "FSB statement", url=STORY)
    url = f"/v1/sources/{source['id']}"
    stale = client.patch(url, headers={**h, "If-Match": '"9"'}, json={"reliability": "B"})
    assert_problem(stale, 412)
    response = client.patch(
        url,
        headers={**h, "If-Match": '"1"'},
        json={"reliability": "B", "publisher": "fsb", "url": "https://example.org/news/story-2#x"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == 2 and response.headers["ETag"] == '"2"'
    assert body["reliability"] == "B" and body["publisher"]["slug"] == "fsb"
    assert body["url_normalized"] == "https://example.org/news/story-2"
    assert body["title"] == "FSB statement"
    assert client.get(url).json() == body
    assert ids(listed(client, url="https://example.org/news/story-2")) == [source["id"]]
    assert listed(client, url=STORY) == []
    assert_problem(
        client.patch(url, headers=h, json={"url": "ftp://example.org/x"}), 422, pointer="/url"
    )
    assert_problem(
        client.patch(url, headers=h, json={"publisher": "fbs"}), 422, pointer="/publisher"
    )
    assert client.get(url).json() == body
    cleared = client.patch(url, headers=h, json={"publisher": None, "url": None})
    assert cleared.json()["publisher"] is None and cleared.json()["url_normalized"] is None
    assert cleared.json()["version"] == 3


def test_update_to_a_url_already_stored_is_409_naming_it(client, h):
    first = make_source(client, h, "First", url=STORY)
    second = make_source(client, h, "Second", url="https://example.org/second")
    response = client.patch(
        f"/v1/sources/{second['id']}",
        headers=h,
        json={"url": "https://EXAMPLE.org/news/story?a=1&b=2#c"},
    )
    problem = assert_problem(response, 409, pointer="/url")
    assert first["id"] in problem["detail"]
    assert client.get(f"/v1/sources/{second['id']}").json() == second
    same = client.patch(f"/v1/sources/{first['id']}", headers=h, json={"url": STORY + "#top"})
    assert same.status_code == 200


def test_deleted_source_is_gone_and_cannot_be_cited(client, h):
    source = make_source(client, h, "FSB statement")
    url = f"/v1/sources/{source['id']}"
    assert client.delete(url, headers=h).status_code == 204
    assert_problem(client.get(url), 410)
    assert listed(client) == []
    cited = client.post(
        "/v1/claims",
        headers=h,
        json={"proposition": "x", "claimant": "fsb", "sources": [{"source_id": source["id"]}]},
    )
    assert_problem(cited, 422, pointer="/sources", type_="urn:contested:problem:unknown-reference")
    assert_problem(client.delete(url, headers=h), 410)


def test_source_cited_by_id_in_a_claim(client, h):
    source = make_source(client, h, "FSB statement", url=STORY, reliability="D")
    claim = make_claim(
        client, h, "fsb", ["ktj"], sources=[{"source_id": source["id"], "locator": "para 2"}]
    )
    assert claim["sources"] == [
        {
            "source": {
                "id": source["id"],
                "title": "FSB statement",
                "url": STORY,
                "kind": "other",
                "published_on": None,
                "reliability": "D",
            },
            "locator": "para 2",
        }
    ]


def test_an_inline_citation_does_not_revive_a_deleted_source(client, h):
    source = make_source(client, h, "FSB statement", url=STORY)
    assert client.delete(f"/v1/sources/{source['id']}", headers=h).status_code == 204
    response = client.post(
        "/v1/claims",
        headers=h,
        json={
            "proposition": "x",
            "claimant": "fsb",
            "sources": [{"title": "FSB statement", "url": STORY + "#again"}],
        },
    )
    problem = assert_problem(response, 422, pointer="/sources/0/url")
    assert source["id"] in problem["detail"]
    assert client.get("/v1/claims").json()["items"] == []
