"""A fleet of emulated sites, each on its own loopback port, all on one asyncio loop.

Usable three ways: ``async with Fleet(specs)`` inside a loop; ``with Fleet(specs).running():``
from synchronous code (the loop runs in a thread, for tests); and as a process
(``python -m relaycompat.emulator``), which is how the pytest plugin starts it once per run.
Besides the sites, a fleet runs one "elsewhere" origin: the target of redirecting profiles,
which records whether credentials ever reach it.
"""

from __future__ import annotations

import asyncio
import resource
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ._account import Account
from ._backend import BackendApp
from ._faults import make_front
from ._profiles import load_profile
from ._server import Request, Response, SiteServer


@dataclass(frozen=True)
class SiteSpec:
    """One emulated site: its profile and the account it serves."""

    name: str
    slug: str
    profile: str
    user_id: int | None = None
    access_token: str | None = None
    api_key: str | None = None
    latency_ms: float = 0.0

    @classmethod
    def from_site(cls, site: Any) -> SiteSpec:
        return cls(site.name, site.slug, site.emulate, site.user_id, site.access_token, site.api_key, site.latency_ms)


def raise_fd_limit() -> None:
    """Allow as many open sockets as the hard limit does (large fleets open thousands)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def unused_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _elsewhere(request: Request) -> Response:
    return Response(200, [("Content-Type", "application/json")], b'{"success":true,"message":"elsewhere","data":null}')


class Fleet:
    """Start, serve and stop a set of emulated sites."""

    def __init__(self, specs: Sequence[SiteSpec], *, latency_ms: float | None = None) -> None:
        self.specs = list(specs)
        self.latency_ms = latency_ms
        self.servers: dict[str, SiteServer] = {}
        self.apps: dict[str, Any] = {}
        self.urls: dict[str, str] = {}
        self.elsewhere: SiteServer | None = None
        self.elsewhere_url = ""

    async def start(self) -> dict[str, str]:
        raise_fd_limit()
        self.elsewhere = SiteServer(_elsewhere)
        self.elsewhere_url = f"http://127.0.0.1:{await self.elsewhere.start()}"
        for spec in self.specs:
            profile = load_profile(spec.profile)
            stale = profile.get("stale_access_token", False)  # the site file's token was rotated away
            account = Account.create(
                spec.name, user_id=spec.user_id, access_token=None if stale else spec.access_token,
                api_key=spec.api_key, token_style=profile.get("token_style", "base64"),
            )
            front = make_front(profile.get("front"), {"elsewhere_url": self.elsewhere_url})
            app = BackendApp(profile, account, name=spec.name)
            handler = app if front is None else (lambda request, f=front, a=app: f(request, a))
            latency = spec.latency_ms if self.latency_ms is None else self.latency_ms
            server = SiteServer(handler, latency_ms=latency, tls_alert=bool(front and front.tls_alert))
            address = front.address if front else "listen"
            if address == "unresolvable":
                self.urls[spec.slug] = f"http://{spec.slug}.invalid"
            elif address == "refused":
                self.urls[spec.slug] = f"http://127.0.0.1:{unused_port()}"
            else:
                port = await server.start()
                scheme = "https" if server.tls_alert else "http"
                self.urls[spec.slug] = f"{scheme}://127.0.0.1:{port}"
            app.site["server_address"] = self.urls[spec.slug]
            self.servers[spec.slug] = server
            self.apps[spec.slug] = app
        return dict(self.urls)

    async def stop(self) -> None:
        for server in [*self.servers.values(), self.elsewhere]:
            if server is not None:
                await server.stop()

    async def __aenter__(self) -> Fleet:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def stats(self) -> dict[str, dict[str, object]]:
        return {slug: server.stats.to_dict() for slug, server in self.servers.items()}

    @contextmanager
    def running(self) -> Iterator[Fleet]:
        """Run the fleet on a loop in a background thread for the duration of the block."""
        with background_loop() as loop:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=30)
            try:
                yield self
            finally:
                asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=30)


@contextmanager
def background_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a daemon thread; on exit, every task still pending is cancelled
    (connections held open by a hanging profile) before the loop closes."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="relaycompat-loop", daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        async def cancel_the_rest() -> None:
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cancel_the_rest(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
