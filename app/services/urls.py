"""Canonical form of source URLs, so that one document is stored once."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_",)
_TRACKING_PARAMS = {"fbclid", "gclid", "mc_cid", "mc_eid", "igshid", "yclid"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidUrl(ValueError):
    pass


def normalize_url(url: str) -> str:
    """Return the canonical form of an http(s) URL.

    Lower-cases the scheme and host, drops default ports, the fragment, tracking
    parameters (utm_*, fbclid, ...) and a trailing slash, and sorts the query, so
    that the same document shared with different decorations compares equal.
    Raises ``InvalidUrl`` for anything that is not an absolute http(s) URL.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise InvalidUrl(str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidUrl("only http and https URLs are accepted")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or any(c.isspace() for c in url.strip()):
        raise InvalidUrl("not an absolute URL with a host")
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_PARAMS
        )
    )
    return urlunsplit((scheme, netloc, path, query, ""))
