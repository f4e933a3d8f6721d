"""One emulator process serves every site of a fleet: a site that hangs must not slow the others."""

from __future__ import annotations

import asyncio
import time

import httpx

from relaycompat.emulator import Fleet, SiteSpec

TOKEN = "concurrency-access-token"


def test_a_hanging_site_never_blocks_its_neighbours() -> None:
    specs = [SiteSpec("hangs", "hangs", "no-answer"), SiteSpec("healthy", "healthy", "new-api-legacy", 7, TOKEN)]
    with Fleet(specs).running() as fleet:
        async def scenario() -> tuple[float, int]:
            async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=300)) as client:
                hanging = [asyncio.create_task(client.get(fleet.urls["hangs"] + "/api/status")) for _ in range(200)]
                await asyncio.sleep(0.3)  # 200 connections now held open by the hanging site
                started = time.perf_counter()
                answers = await asyncio.gather(*(client.get(fleet.urls["healthy"] + path) for path in
                                                 ("/api/status", "/api/pricing", "/api/user/groups") * 20))
                seconds = time.perf_counter() - started
                for task in hanging:
                    task.cancel()
                await asyncio.gather(*hanging, return_exceptions=True)
                return seconds, sum(a.status_code == 200 for a in answers)

        seconds, ok = asyncio.run(scenario())
    assert ok == 60
    assert seconds < 2.0


def test_a_request_given_up_on_is_no_longer_in_flight() -> None:
    """The emulator's ``max_in_flight`` is the client's concurrency (the politeness checks read it):
    a site that never answers must not count a request whose client timed out and closed."""
    with Fleet([SiteSpec("hangs", "hangs", "no-answer")]).running() as fleet:
        async def scenario() -> None:
            async with httpx.AsyncClient(timeout=0.2) as client:
                for _ in range(3):  # one after another, each abandoned at its timeout
                    try:
                        await client.get(fleet.urls["hangs"] + "/api/status")
                    except httpx.TimeoutException:
                        pass
                    await asyncio.sleep(0.1)  # the emulator sees the close

        asyncio.run(scenario())
        stats = fleet.stats()["hangs"]
    assert stats["requests"] == 3
    assert stats["max_in_flight"] == 1
