"""One HTTP exchange with a relay site, made safely: bounded in time and size, never followed.

:func:`fetch` turns a GET into an :class:`Exchange` and never raises for anything the site
does: transport failures become ``error_kind``/``error`` (mapped from httpx's exceptions in one
table), bodies are read up to a cap (decompression included, so a compression bomb stops at the
cap too), a total deadline covers connect, headers and body, and redirects are recorded, not
followed, so credentials never travel to another origin. No cookie is ever kept
(:class:`NoCookieJar`): every request is a first visit, so a public endpoint is called without
anything the site handed out, and a session value a site sets cannot come back in an echo.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import socket
import ssl
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from ._config import DEFAULT_BODY_CAP

ACCEPT_ENCODING = "gzip, deflate"
#: RFC 6761 §6.4: names under .invalid never resolve; answer locally, never ask a resolver.
RESERVED_TLDS = (".invalid",)


@dataclass
class Exchange:
    """What was sent and what came back (or why nothing did)."""

    method: str
    url: str
    request_headers: dict[str, str]
    credentials_sent: bool
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    body_bytes: int = 0
    capped: bool = False
    error_kind: str | None = None
    error: str | None = None
    elapsed_ms: float = 0.0

    @property
    def location(self) -> str | None:
        return self.headers.get("location")


class NoCookieJar(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing (httpx keeps every ``Set-Cookie`` by default)."""

    def extract_cookies(self, response: object, request: object) -> None:  # type: ignore[override]
        return None

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None


class _BodyTooLarge(Exception):
    pass


class _BoundedDecoder:
    """Undo Content-Encoding without ever producing more than the room a caller gives."""

    def __init__(self, encoding: str) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        self.unsupported = [c for c in codings if c not in ("gzip", "x-gzip", "deflate", "identity")]
        self._stages = [
            zlib.decompressobj(16 + zlib.MAX_WBITS if c in ("gzip", "x-gzip") else zlib.MAX_WBITS)
            for c in reversed(codings)
            if c in ("gzip", "x-gzip", "deflate")
        ]

    def decode(self, data: bytes, room: int) -> bytes:
        for stage in self._stages:
            data = stage.decompress(data, max(room, 1) + 1)
            if stage.unconsumed_tail:
                raise _BodyTooLarge
        return data


_TIMEOUTS = (httpx.TimeoutException, asyncio.TimeoutError, TimeoutError)


def _transport_error(exc: BaseException) -> tuple[str, str]:
    """Map an exception from the transport to ``(error_kind, detail)``; the most specific wins."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    detail = next((str(e) for e in chain if str(e)), type(exc).__name__)
    if any(isinstance(e, _TIMEOUTS) for e in chain):
        return "timeout", detail
    if any(isinstance(e, ssl.SSLError) for e in chain) or "SSL" in detail or "TLS" in detail:
        return "tls", detail
    if any(isinstance(e, socket.gaierror) for e in chain):
        return "dns", detail
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in detail.lower():
        return "refused", detail
    if isinstance(exc, httpx.RemoteProtocolError):
        lowered = detail.lower()
        if "disconnected" in lowered or "peer closed" in lowered or "incomplete" in lowered:
            return "reset", detail
        return "protocol", detail
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, ConnectionError, OSError)):
        return "reset", detail
    if isinstance(exc, httpx.ConnectError):
        return "refused", detail
    return "protocol", detail


def _header_dict(headers: httpx.Headers) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers.multi_items():
        name = name.lower()
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str],
    credentials_sent: bool,
    deadline: float,
    body_cap: int = DEFAULT_BODY_CAP,
) -> Exchange:
    """GET ``url`` within ``deadline`` seconds; always return an :class:`Exchange`."""
    exchange = Exchange("GET", url, dict(headers), credentials_sent)
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    started = time.perf_counter()
    if host.endswith(RESERVED_TLDS):
        exchange.error_kind, exchange.error = "dns", f"[Errno -2] Name or service not known: {host}"
        return exchange
    try:
        async with asyncio.timeout(deadline):
            request = client.build_request("GET", url, headers=headers)
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                exchange.status = response.status_code
                exchange.headers = _header_dict(response.headers)
                await _read_body(response, exchange, body_cap)
            finally:
                await response.aclose()
    except Exception as exc:  # every transport failure becomes data, whatever its type
        exchange.error_kind, exchange.error = _transport_error(exc)
    exchange.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return exchange


async def _read_body(response: httpx.Response, exchange: Exchange, cap: int) -> None:
    decoder = _BoundedDecoder(response.headers.get("content-encoding", ""))
    if decoder.unsupported:
        exchange.error_kind = "protocol"
        exchange.error = f"unsupported Content-Encoding {', '.join(decoder.unsupported)}"
        return
    chunks: list[bytes] = []
    size = 0
    try:
        async for raw in response.aiter_raw():
            data = decoder.decode(raw, cap - size)
            size += len(data)
            if size > cap:
                chunks.append(data[: len(data) - (size - cap)])
                raise _BodyTooLarge
            chunks.append(data)
    except _BodyTooLarge:
        exchange.capped = True
        size = cap
    except zlib.error as exc:
        exchange.error_kind, exchange.error = "protocol", f"body does not decompress: {exc}"
    exchange.body = b"".join(chunks)[:cap]
    exchange.body_bytes = size
