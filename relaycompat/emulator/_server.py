"""A small asyncio HTTP/1.1 server for emulated sites, with exact control over what goes out.

It serves GET requests with keep-alive on one asyncio loop, so hundreds of sites and thousands
of connections share a process without threads (a ``ThreadingHTTPServer`` fleet convoys on the
GIL past ~100 connections, docs/performance.md). Headers and body leave in one write with
``TCP_NODELAY`` set, so no response waits for a delayed ACK.

A handler returns a :class:`Response`; its ``action`` can also make the connection misbehave
on purpose (hang, stall the body, reset mid-body, send raw bytes), and a site can refuse TLS at
the handshake, which is how the emulator plays broken and hostile sites.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

MAX_HEADER_BYTES = 64 * 1024
#: A "never answers" connection is closed after this long, so nothing hangs for ever.
DEFAULT_HANG_SECONDS = 30.0
#: A TLS alert record: fatal (2), handshake_failure (40), as the sample's anyrouter.top sent.
TLS_HANDSHAKE_FAILURE_ALERT = bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])


@dataclass
class Request:
    """One parsed request. Header names are lower-case."""

    method: str
    target: str
    headers: dict[str, str]
    path: str = ""
    query: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parts = urlsplit(self.target)
        self.path = parts.path or "/"
        self.query = parse_qs(parts.query, keep_blank_values=True)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    """What to send. ``action`` makes the connection misbehave after (or instead of) sending.

    Actions: ``None`` (normal), ``"hang"`` (send nothing, hold the connection), ``"stall"``
    (send headers and ``partial`` bytes of the body, then hold), ``"reset"`` (send headers and
    ``partial`` bytes, then abort the connection), ``"raw"`` (send ``body`` as the whole raw
    response, then close).
    """

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    action: str | None = None
    partial: int = 0
    hold_seconds: float = DEFAULT_HANG_SECONDS
    close: bool = False

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


Handler = Callable[[Request], Awaitable[Response]]


class SiteStats:
    """Counters of one emulated site (read by tests and the benchmark)."""

    def __init__(self) -> None:
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections = 0
        #: Requests that carried a Cookie header (a client that keeps cookies sends them back).
        self.with_cookies = 0
        self.log: list[dict[str, object]] = []

    def to_dict(self) -> dict[str, object]:
        return {"requests": self.requests, "max_in_flight": self.max_in_flight, "connections": self.connections,
                "with_cookies": self.with_cookies}


def _head(response: Response, length: int) -> bytes:
    reason = HTTPStatus(response.status).phrase if response.status in HTTPStatus._value2member_map_ else "Unknown"
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    names = {k.lower() for k, _ in response.headers}
    lines += [f"{k}: {v}" for k, v in response.headers]
    if "content-length" not in names:
        lines.append(f"Content-Length: {length}")
    if response.close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if length:
        await reader.readexactly(min(length, 1 << 20))
    return Request(method, target, headers)


class SiteServer:
    """One emulated site on one loopback port."""

    def __init__(self, handler: Handler, *, latency_ms: float = 0.0, tls_alert: bool = False) -> None:
        self.handler = handler
        self.latency = latency_ms / 1000
        self.tls_alert = tls_alert
        self.stats = SiteStats()
        self.server: asyncio.Server | None = None
        self.port = 0
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str = "127.0.0.1") -> int:
        self.server = await asyncio.start_server(self._connection, host, 0, limit=MAX_HEADER_BYTES, backlog=1024)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for writer in list(self._writers):
            writer.transport.abort()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        self._writers.add(writer)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if self.tls_alert:
                await reader.read(4096)  # the ClientHello
                writer.write(TLS_HANDSHAKE_FAILURE_ALERT)
                await writer.drain()
                return
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                if not await self._exchange(request, reader, writer):
                    return
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            if not writer.is_closing():
                writer.close()

    async def _exchange(self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; return False when the connection must end."""
        stats = self.stats
        stats.requests += 1
        stats.with_cookies += "cookie" in request.headers
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            stats.log.append({"path": request.target, "authorization": "authorization" in request.headers})
            del stats.log[:-200]
            response = await self.handler(request)
            if self.latency:
                await asyncio.sleep(self.latency)
            return await self._send(response, reader, writer)
        finally:
            stats.in_flight -= 1

    async def _send(self, response: Response, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        if response.action == "hang":
            await _hold(reader, response.hold_seconds)
            return False
        if response.action == "raw":
            writer.write(response.body)
            await writer.drain()
            return False
        head = _head(response, len(response.body))
        if response.action in ("stall", "reset"):
            writer.write(head + response.body[: response.partial])
            await writer.drain()
            if response.action == "reset":
                writer.transport.abort()
            else:
                await _hold(reader, response.hold_seconds)
            return False
        writer.write(head + response.body)
        await writer.drain()
        return not response.close


async def _hold(reader: asyncio.StreamReader, seconds: float) -> None:
    """Keep a connection open without answering, for ``seconds`` or until the client closes it: a
    request the client gave up on is then no longer counted in flight (``max_in_flight`` measures
    the client's concurrency, which a timed-out request no longer takes part in)."""
    try:
        await asyncio.wait_for(reader.read(), seconds)  # b"" as soon as the client closes
    except TimeoutError:
        pass
