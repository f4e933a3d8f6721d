"""Retries and politeness against hand-written loopback servers, measured on the server side."""

from __future__ import annotations

import asyncio
import time

import pytest

from relaycompat.emulator._server import Request, Response

from ..conftest import CALLED_BY_DEFAULT
from ..core.conftest import json_response, make_settings, serve_handlers

OK_BODY = {"success": True, "message": "", "data": {"version": "v1"}}


def counting(responses: list[Response]):
    """A handler answering ``responses`` in turn (the last one repeats), logging arrival times."""
    arrivals: list[float] = []

    async def handler(request: Request) -> Response:
        arrivals.append(time.monotonic())
        return responses[min(len(arrivals), len(responses)) - 1]

    return handler, arrivals


def test_retry_after_is_honoured(probe) -> None:
    handler, arrivals = counting([Response(429, [("Retry-After", "1")]), json_response(200, OK_BODY)])
    with serve_handlers({"s": handler}) as servers:
        record = probe(f"http://127.0.0.1:{servers['s'].port}", ["api_status"], settings=make_settings(retries=2))
    (result,) = record["probes"]
    assert result["verdict"] == "ok" and result["retries"] == 1
    assert arrivals[1] - arrivals[0] >= 0.95


def test_retry_after_is_capped(probe) -> None:
    handler, arrivals = counting([Response(429, [("Retry-After", "3600")])])
    with serve_handlers({"s": handler}) as servers:
        record = probe(f"http://127.0.0.1:{servers['s'].port}", ["api_status"],
                       settings=make_settings(retries=1, retry_after_cap=0.5))
    (result,) = record["probes"]
    assert result["verdict"] == "rate_limited" and result["retries"] == 1
    assert 0.45 <= arrivals[1] - arrivals[0] < 2


@pytest.mark.parametrize(
    "response",
    [json_response(200, {"success": False, "message": "无权进行此操作，access token 无效"}),
     json_response(200, {"success": True, "message": "", "data": {"version": 3}}),
     json_response(404, {"error": {"message": "Invalid URL (GET /api/status)", "type": "invalid_request_error"}})],
    ids=["auth", "schema", "not-found"],
)
def test_auth_schema_and_absence_are_never_retried(probe, response: Response) -> None:
    handler, arrivals = counting([response])
    with serve_handlers({"s": handler}) as servers:
        record = probe(f"http://127.0.0.1:{servers['s'].port}", ["api_status"], settings=make_settings(retries=3),
                       access_token="pressure-token-01")
    assert len(arrivals) == 1 and record["probes"][0]["retries"] == 0


def test_server_errors_are_retried_up_to_the_limit(probe) -> None:
    handler, arrivals = counting([Response(503, [], b"busy")])
    with serve_handlers({"s": handler}) as servers:
        record = probe(f"http://127.0.0.1:{servers['s'].port}", ["api_status"], settings=make_settings(retries=2))
    assert len(arrivals) == 3 and record["probes"][0]["retries"] == 2


@pytest.mark.parametrize("limit", [1, 2, 4])
def test_requests_in_flight_never_exceed_the_limit(probe, catalogue, limit: int) -> None:
    async def slow(request: Request) -> Response:
        await asyncio.sleep(0.05)
        return json_response(200, OK_BODY)

    # every probe a run sends here: the token id ones get no id from this site's answers
    ids = [e.id for e in catalogue if not e.mutating and not set(e.needs) & set(catalogue.values)]
    with serve_handlers({"s": slow}) as servers:
        probe(f"http://127.0.0.1:{servers['s'].port}", ids, max_in_flight=limit, access_token="pressure-token-02")
        stats = servers["s"].stats
    assert stats.requests == len(ids)
    assert stats.max_in_flight == limit  # reached, never exceeded


def test_minimum_interval_between_request_starts(probe) -> None:
    handler, arrivals = counting([json_response(200, OK_BODY)])
    with serve_handlers({"s": handler}) as servers:
        probe(f"http://127.0.0.1:{servers['s'].port}", ["api_status", "api_pricing", "api_prices", "api_ownedby", "api_models"],
              max_in_flight=4, min_interval_ms=120)
    assert len(arrivals) == 5
    # measured where the requests arrive, so allow for jitter; unpaced they would arrive together
    assert arrivals[-1] - arrivals[0] >= 4 * 0.12 * 0.85, arrivals


def test_the_fleet_never_sees_more_than_the_limit_in_a_whole_run(run_suite) -> None:
    sites = "sites:\n" + "".join(
        f"  - {{name: S{i}, id: s{i}, emulate: new-api-legacy, user_id: {i}, access_token: politeness-token-{i:02d}, latency_ms: 40}}\n"
        for i in range(6))
    run = run_suite(sites, "-n", "2", "--max-in-flight", "2")
    seen = [site["emulator"] for site in run.results["sites"]]
    assert all(stats["requests"] == len(CALLED_BY_DEFAULT) for stats in seen)  # each once; none with a side effect
    assert max(stats["max_in_flight"] for stats in seen) == 2  # counted by the emulator, across the run


def test_a_nonsense_retry_after_means_backing_off(probe) -> None:
    handler, arrivals = counting([Response(429, [("Retry-After", "soon")])])
    with serve_handlers({"s": handler}) as servers:
        record = probe(f"http://127.0.0.1:{servers['s'].port}", ["api_status"], settings=make_settings(retries=1))
    (result,) = record["probes"]
    assert result["verdict"] == "rate_limited" and result["retries"] == 1 and len(arrivals) == 2
