"""Canonical source URLs."""

from __future__ import annotations

import pytest

from app.services.urls import InvalidUrl, normalize_url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://Example.ORG/a/b/", "https://example.org/a/b"),
        ("https://example.org/a#section", "https://example.org/a"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:443", "https://example.org/"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        ("https://example.org/a?utm_source=x&id=3&fbclid=y", "https://example.org/a?id=3"),
        ("https://t.me/s/channel/123", "https://t.me/s/channel/123"),
        ("https://ru.wikipedia.org/wiki/ФСБ", "https://ru.wikipedia.org/wiki/ФСБ"),
    ],
)
def test_normalize(url, canonical):
    assert normalize_url(url) == canonical


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.org/a",
        "file:///etc/passwd",
        "example.org",
        "https://",
        "http://exa mple.org/",
        "https://example.org:99999/",
    ],
)
def test_refuses_what_is_not_an_http_url(url):
    with pytest.raises(InvalidUrl):
        normalize_url(url)
