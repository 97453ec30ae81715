"""/metrics: request counts and latency histograms by route template, in Prometheus' format."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import make_actor, make_claim


def scrape(client: TestClient) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Every sample of the contested_* families, by sample name."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name.startswith("contested_"):
                samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples, name: str, **labels: str) -> float:
    found = [v for sample_labels, v in samples.get(name, []) if sample_labels == labels]
    assert len(found) == 1, (name, labels, samples.get(name))
    return found[0]


def test_requests_are_counted_by_route_template_method_and_status(client, auth):
    make_actor(client, auth("editor"), "fsb")
    first = make_claim(client, auth("editor"), claimant="fsb")
    second = make_claim(client, auth("editor"), claimant="fsb")
    for claim in (first, second, first):
        assert client.get(f"/v1/claims/{claim['id']}").status_code == 200
    assert client.get("/v1/claims/not-a-uuid").status_code == 422
    assert client.delete(f"/v1/claims/{first['id']}").status_code == 401
    assert client.get(f"/v1/no/such/{first['id']}").status_code == 404
    assert client.request("BREW", "/v1/claims").status_code == 405

    samples = scrape(client)
    total = "contested_http_requests_total"
    claim_route = "/v1/claims/{claim_id}"
    assert value(samples, total, method="GET", route=claim_route, status="200") == 3
    assert value(samples, total, method="GET", route=claim_route, status="422") == 1
    assert value(samples, total, method="DELETE", route=claim_route, status="401") == 1
    assert value(samples, total, method="POST", route="/v1/claims", status="201") == 2
    assert value(samples, total, method="POST", route="/v1/actors", status="201") == 1
    assert value(samples, total, method="GET", route="unmatched", status="404") == 1
    assert value(samples, total, method="other", route="/v1/claims", status="405") == 1

    # No raw path, so no id, ever becomes a label value.
    routes = {labels["route"] for series in samples.values() for labels, _ in series}
    assert claim_route in routes
    for claim in (first, second):
        assert not any(claim["id"] in route for route in routes)
    assert not any("not-a-uuid" in route or "/no/such" in route for route in routes)


def test_latency_is_a_histogram_per_route(client, auth):
    make_actor(client, auth("editor"), "fsb")
    for _ in range(3):
        assert client.get("/v1/claims").status_code == 200

    samples = scrape(client)
    name = "contested_http_request_duration_seconds"
    labels = {"method": "GET", "route": "/v1/claims"}
    assert value(samples, f"{name}_count", **labels) == 3
    assert value(samples, f"{name}_sum", **labels) > 0
    buckets = {
        sample_labels["le"]: v
        for sample_labels, v in samples[f"{name}_bucket"]
        if {k: sample_labels[k] for k in ("method", "route")} == labels
    }
    assert buckets["+Inf"] == 3
    assert list(buckets.values()) == sorted(buckets.values())  # cumulative
    assert "0.001" in buckets and "10.0" in buckets


def test_the_metrics_page_counts_itself_and_is_not_in_the_api_document(client):
    scrape(client)
    samples = scrape(client)
    total = "contested_http_requests_total"
    assert value(samples, total, method="GET", route="/metrics", status="200") == 1
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_openmetrics_is_served_when_asked_for(client):
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


def test_each_app_counts_its_own_requests(make_app):
    with TestClient(make_app()) as one, TestClient(make_app()) as other:
        one.get("/healthz")
        assert value(scrape(one), "contested_http_requests_total", **HEALTH) == 1
        assert 'route="/healthz"' not in other.get("/metrics").text


HEALTH = {"method": "GET", "route": "/healthz", "status": "200"}


def test_metrics_are_not_rate_limited(make_app):
    with TestClient(make_app(rate_limit_enabled=True, rate_limit="3/minute")) as client:
        statuses = [client.get("/v1/claims").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        for _ in range(3):
            assert client.get("/metrics").status_code == 200
        assert (
            value(
                scrape(client),
                "contested_http_requests_total",
                method="GET",
                route="/v1/claims",
                status="429",
            )
            == 1
        )
