"""Query strings read as one model (app.api.query): the same problems, in the same order,
as when FastAPI read each parameter, and documentation twins that never serve."""

from __future__ import annotations

from app.api.query import DocumentedRoute
from app.api.routing import endpoints
from app.main import create_app


def test_problems_of_the_filters_come_first(client):
    answer = client.get("/v1/claims?limit=0&status=bogus&stated_from=x")
    assert answer.status_code == 422
    assert [e["parameter"] for e in answer.json()["errors"]] == [
        "status",
        "stated_from",
        "limit",
    ]
    answer = client.get("/v1/claims.csv?sort=zz&tag=" + "t" * 65)
    assert [e["parameter"] for e in answer.json()["errors"]] == ["tag", "sort"]


def test_a_repeated_parameter_is_a_list(client):
    answer = client.get("/v1/search?q=x&type=nope&type=claim")
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "detail": "Input should be 'claim', 'response', 'actor', 'event' or 'source'",
            "parameter": "type",
        }
    ]
    assert client.get("/v1/search?q=x&type=actor&type=claim").status_code == 200


def test_the_documented_operations_are_the_served_routes(settings):
    app = create_app(settings)
    served = sorted((e.path, m) for e in endpoints(app) for m in e.methods if m != "HEAD")
    documented = sorted(
        (path, method.upper()) for path, item in app.openapi()["paths"].items() for method in item
    )
    assert [e for e in endpoints(app) if isinstance(e.route, DocumentedRoute)] == []
    assert documented == [s for s in served if s[0] in {p for p, _ in documented}]
