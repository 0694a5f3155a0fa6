"""One HTTP request as AWS WAF sees it: what the protected resource forwards for inspection.

Headers are kept in order and repeated as sent (AWS's Headers component, HeaderOrder and the 200-header limit
depend on both); cookies are read from the Cookie headers; query arguments from the raw query string. Values are
bytes as on the wire: AWS does not decode anything before the rule's own text transformations.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WafRequest:
    method: str
    uri_path: str
    """The path, without the query string, as sent (not decoded)."""
    query_string: str = ""
    """The raw query string, without the leading ``?``."""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    source_ip: str | None = None
    country: str | None = None
    """ISO 3166 alpha-2 of the source IP when the request file states it; else a geo table decides, or nothing."""
    ja3: str | None = None
    ja4: str | None = None
    time: float | None = None
    """Epoch seconds: the order and spacing of a request stream, for rate-based rules."""
    captcha_token: bool = False
    """The request carries a valid, unexpired CAPTCHA token (aws-waf-token), as the user states."""
    challenge_token: bool = False
    """The request carries a valid, unexpired challenge token."""
    resource: str | None = None
    """The protected resource type (APPLICATION_LOAD_BALANCER, CLOUDFRONT, API_GATEWAY ...): sets the body limit."""
    recorded: frozenset[str] | None = None
    """The components the source recorded, when it is partial (an access log keeps no body and few headers):
    component kinds (``UriPath``, ``Cookies`` ...) and ``header:<lower-case name>`` for single headers. None: the
    request is complete. A statement on a component not recorded is not evaluated, never read as absent."""

    def records(self, kind: str, name: str | None = None) -> bool:
        """Whether the source recorded a component (a single header by name)."""
        if self.recorded is None:
            return True
        if kind == "SingleHeader":
            return f"header:{(name or '').lower()}" in self.recorded or "Headers" in self.recorded
        return kind in self.recorded

    def header_values(self, name: str) -> list[str]:
        """Every value of a header, in order (names compare case-insensitively, as HTTP's do)."""
        low = name.lower()
        return [v for k, v in self.headers if k.lower() == low]

    def cookies(self) -> list[tuple[str, str]]:
        """The cookies of every Cookie header, in order: ``name=value`` pairs separated by ``;``."""
        out: list[tuple[str, str]] = []
        for value in self.header_values("cookie"):
            for part in value.split(";"):
                part = part.strip()
                if not part:
                    continue
                name, _, val = part.partition("=")
                out.append((name.strip(), val.strip()))
        return out

    def query_args(self) -> list[tuple[str, str]]:
        """The query arguments as written (``&``-separated ``name=value``; not URL-decoded: AWS decodes only
        through the URL_DECODE transformation)."""
        out: list[tuple[str, str]] = []
        for part in self.query_string.split("&"):
            if not part:
                continue
            name, _, val = part.partition("=")
            out.append((name, val))
        return out
