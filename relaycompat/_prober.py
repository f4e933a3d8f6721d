"""The prober: fetch every selected endpoint of every site once, concurrently and politely.

All sites run at once on one asyncio loop, each with its own ``httpx.AsyncClient`` (a shared
client slows down past ~100 connections, docs/performance.md). Per site:

1. every non-mutating endpoint, at most ``max_in_flight`` in flight and ``min_interval_ms``
   between request starts; transport failures, 429 and 5xx are retried (``Retry-After`` honoured
   up to a cap), nothing else is;
2. after ``breaker_threshold`` transport failures in a row the site is considered down and the
   rest of its probes are not sent (``skipped``, with the reason);
3. an endpoint whose path needs a value read from another probe (``/api/token/{token_id}``)
   as soon as that probe finished (holding no slot while it waits), skipped with the reason
   when that probe gave none;
4. endpoints with a side effect (``GET /api/user/token`` …) only when that effect is allowed
   (``--allow-side-effect``), and only after every other probe of the site;
5. the site's record (:mod:`._responses`: detection, masking, validation), built in a worker
   thread so that a site with heavy bodies does not hold up the requests of the others, and
   handed to ``on_site`` (which stores it).

Isolation: nothing a site sends can cost another site, or another probe of the same site, its
result. A probe whose handling raises gets ``invalid_response`` with the reason and its
neighbours go on; a site whose record cannot be built or stored gets a record saying why. No
cookie is ever kept: each request is a first visit (:class:`._http.NoCookieJar`).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from . import _verdicts as v
from ._catalogue import Catalogue, Endpoint, Value, clock_values
from ._classify import Classification, classify
from ._config import Settings
from ._http import ACCEPT_ENCODING, Exchange, NoCookieJar, fetch
from ._redact import Redactor
from ._responses import Probe, failed_record, isolated, site_record

__all__ = ["SitePlan", "probe_site", "probe_sites"]
from ._schemas import SchemaSet
from ._sites import Site

#: Bodies larger than this are classified (parsed) in a worker thread, off the event loop.
THREAD_BODY_BYTES = 256 * 1024

USER_AGENT = "relaycompat/0.1 (+https://github.com/relaycompat/relaycompat; compatibility probe)"


@dataclass(frozen=True)
class SitePlan:
    """What to probe on one site; ``emulator``: for an emulated site, the fleet's control URL
    (it answers as long as the emulator process lives)."""

    site: Site
    endpoints: tuple[Endpoint, ...]
    emulator: str | None = None


#: Put before the reason of an emulated site's transport failures when its emulator is gone.
EMULATOR_GONE = "the emulator process is not running (it died during the run)"


_SSL_CONTEXT: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every client: building one costs ~25 ms, per site that adds up."""
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        _SSL_CONTEXT = httpx.create_ssl_context()
    return _SSL_CONTEXT


def _is_loopback(url: str) -> bool:
    host = httpx.URL(url).host
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def _retry_delay(exchange: Exchange, attempt: int, cap: float) -> float:
    """Seconds to wait before the next attempt: ``Retry-After`` when given, else backoff."""
    after = exchange.headers.get("retry-after", "").strip()
    try:
        return min(max(float(after), 0.0), cap)
    except ValueError:
        pass
    try:  # an HTTP date
        return min(max(email.utils.parsedate_to_datetime(after).timestamp() - time.time(), 0.0), cap)
    except (TypeError, ValueError, IndexError):  # absent or nonsense ("soon"): back off instead
        return min(0.25 * (2**attempt), cap)


class _SiteRun:
    """State of one site while it is being probed."""

    def __init__(self, plan: SitePlan, settings: Settings, catalogue: Catalogue, redactor: Redactor) -> None:
        self.site = plan.site
        self.plan = plan
        self.settings = settings
        self.catalogue = catalogue
        self.redactor = redactor
        limit = settings.max_in_flight or plan.site.max_in_flight
        self.in_flight = asyncio.Semaphore(limit)
        self.limit = limit
        self.interval = plan.site.min_interval_ms / 1000
        self.next_start = 0.0
        self.pace = asyncio.Lock()
        self.consecutive_transport_failures = 0
        self.down_reason: str | None = None
        #: Each probe's path with its placeholders filled in (endpoint id -> path).
        self.paths: dict[str, str] = {}
        loopback = _is_loopback(plan.site.url or "")
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(plan.site.timeout, connect=min(plan.site.timeout, 10.0)),
            limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
            verify=_ssl_context(),
            trust_env=not loopback,
            cookies=NoCookieJar(),
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "application/json, text/plain, */*",
                "Accept-Language": settings.accept_language,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
        )

    def headers_for(self, endpoint: Endpoint) -> tuple[dict[str, str], bool]:
        site = self.site
        if endpoint.auth == "user" and site.access_token:
            headers = {"Authorization": f"Bearer {site.access_token}"}
            if site.user_id is not None:
                headers |= {name: str(site.user_id) for name in self.catalogue.user_id_headers}
            return headers, True
        if endpoint.auth == "relay" and site.api_key:
            return {"Authorization": f"Bearer {site.api_key}"}, True
        return {}, False

    async def _paced(self) -> None:
        if self.interval <= 0:
            return
        async with self.pace:
            now = time.monotonic()
            wait = self.next_start - now
            self.next_start = max(now, self.next_start) + self.interval
        if wait > 0:
            await asyncio.sleep(wait)

    async def run_probe(self, probe: Probe) -> None:
        headers, credentials = self.headers_for(probe.endpoint)
        url = f"{self.site.url}{self.paths.get(probe.endpoint.id, probe.endpoint.path)}"
        for attempt in range(self.settings.retries + 1):
            if self.down_reason:
                if probe.exchange is None:
                    probe.result = Classification(v.SKIPPED, self.down_reason)
                return
            async with self.in_flight:
                if self.down_reason and probe.exchange is None:
                    probe.result = Classification(v.SKIPPED, self.down_reason)
                    return
                await self._paced()
                exchange = await fetch(
                    self.client, url, headers=headers, credentials_sent=credentials,
                    deadline=self.site.timeout, body_cap=self.settings.body_cap, method=probe.endpoint.method,
                )
            probe.exchange, probe.retries = exchange, attempt
            try:
                if len(exchange.body) > THREAD_BODY_BYTES:  # parsing it would hold up the other sites
                    probe.result = await asyncio.to_thread(classify, exchange, probe.endpoint)
                else:
                    probe.result = classify(exchange, probe.endpoint)
            except Exception as exc:  # isolation: this probe's verdict, not the site's end
                probe.fail("classify", exc)
                return
            finally:  # what is parsed is kept parsed; of the bytes, only what the evidence can show
                exchange.body = exchange.body[: self.settings.evidence_cap * 4]
            self._count(probe.result.verdict)
            if probe.result.verdict not in v.RETRYABLE or attempt == self.settings.retries or self.down_reason:
                return
            await asyncio.sleep(_retry_delay(exchange, attempt, self.settings.retry_after_cap))

    def _count(self, verdict: str) -> None:
        if verdict in v.TRANSPORT_FAILURES:
            self.consecutive_transport_failures += 1
            if self.consecutive_transport_failures >= self.settings.breaker_threshold and not self.down_reason:
                self.down_reason = (
                    f"not sent: the site failed {self.consecutive_transport_failures} times in a row "
                    f"at transport level (last: {verdict}); it is considered down for this run"
                )
        else:
            self.consecutive_transport_failures = 0

    async def run_isolated(self, probe: Probe) -> None:
        with isolated(probe, "request or read"):  # a bug of ours on one request must not cost the others
            await self.run_probe(probe)

    async def run(self) -> list[Probe]:
        probes = [Probe(e) for e in self.plan.endpoints]
        values: dict[str, str] = clock_values()
        missing: dict[str, str] = {}
        read_only = [p for p in probes if not p.endpoint.mutating]
        finished = {p.endpoint.id: asyncio.Event() for p in read_only}
        by_id = {p.endpoint.id: p for p in probes}

        async def in_turn(probe: Probe) -> None:
            """Wait for the probes this one reads a value from (they hold no slot meanwhile), then run."""
            try:
                for value in self._values_needed(probe):
                    if value.source in finished:
                        await finished[value.source].wait()
                    self._read_value(value, by_id.get(value.source), values, missing)
                await self._run_with(probe, values, missing)
            finally:
                finished[probe.endpoint.id].set()

        try:
            await asyncio.gather(*(in_turn(p) for p in read_only))
            for probe in (p for p in probes if p.endpoint.mutating):
                effect = self.catalogue.side_effects[str(probe.endpoint.side_effect)]
                if not self.settings.allows(effect.name):
                    probe.result = Classification(
                        v.SKIPPED, f"not called: {probe.endpoint.method} {probe.endpoint.path} {effect.desc_en}; "
                                   f"pass --allow-side-effect {effect.name} to call it")
                    continue
                for value in self._values_needed(probe):
                    self._read_value(value, by_id.get(value.source), values, missing)
                await self._run_with(probe, values, missing)
        finally:
            await self.client.aclose()
        return probes

    def _values_needed(self, probe: Probe) -> list[Value]:
        return [self.catalogue.values[name] for name in probe.endpoint.needs if name in self.catalogue.values]

    @staticmethod
    def _read_value(value: Value, source: Probe | None, values: dict[str, str], missing: dict[str, str]) -> None:
        """Fill ``values[value.name]`` from the finished ``source`` probe, or say in ``missing`` why not."""
        if value.name in values or value.name in missing:
            return
        if source is None or source.result is None:
            missing[value.name] = f"{value.source} was not probed in this run (select it too)"
        elif source.result.verdict != v.OK:
            missing[value.name] = f"{value.source} answered {source.result.verdict}"
        elif (read := value.read(source.result.data)) is None:
            missing[value.name] = f"{value.source} listed none"
        else:
            values[value.name] = read

    async def _run_with(self, probe: Probe, values: dict[str, str], missing: dict[str, str]) -> None:
        """Run ``probe`` with its placeholders filled, or skip it saying which value is missing."""
        absent = [name for name in probe.endpoint.needs if name not in values]
        if absent and self.down_reason:
            probe.result = Classification(v.SKIPPED, self.down_reason)
            return
        if absent:
            why = "; ".join(f"{name}: {missing.get(name, 'unknown')}" for name in absent)
            probe.result = Classification(v.SKIPPED, f"not called: its path needs {', '.join(absent)} ({why})")
            return
        if probe.endpoint.needs:
            self.paths[probe.endpoint.id] = probe.endpoint.render(values)
        await self.run_isolated(probe)


async def _answers(url: str) -> bool:
    """Whether something accepts connections at ``url``'s host and port (a timeout counts as yes)."""
    parts = httpx.URL(url)
    try:
        async with asyncio.timeout(2):
            _, writer = await asyncio.open_connection(parts.host, parts.port)
    except TimeoutError:
        return True
    except OSError:
        return False
    writer.close()
    return True


async def _name_a_dead_emulator(plan: SitePlan, run: _SiteRun, probes: Sequence[Probe]) -> None:
    """An emulated site that could not be reached because its emulator died says so, first."""
    unreached = [p for p in probes if p.result is not None and (
        p.result.verdict in v.TRANSPORT_FAILURES or (run.down_reason and p.result.reason == run.down_reason))]
    if plan.emulator and unreached and not await _answers(plan.emulator):
        for probe in unreached:
            assert probe.result is not None
            probe.result.reason = f"{EMULATOR_GONE}: {probe.result.reason}"


async def probe_site(
    plan: SitePlan,
    settings: Settings,
    catalogue: Catalogue,
    schemas: SchemaSet,
    redactor: Redactor,
) -> dict[str, Any]:
    """Probe one site end to end and return its stored record."""
    redactor = redactor.for_site()  # what this site hands out is masked in its own record
    run = _SiteRun(plan, settings, catalogue, redactor)
    probes = await run.run()
    await _name_a_dead_emulator(plan, run, probes)
    # In a thread: a site with heavy bodies must not hold up the requests of the others.
    record = await asyncio.to_thread(site_record, plan.site, probes, settings, schemas, redactor)
    record["stats"] = {"max_in_flight": run.limit}
    return record


async def probe_sites(
    plans: Sequence[SitePlan],
    settings: Settings,
    catalogue: Catalogue,
    schemas: SchemaSet,
    redactor: Redactor,
    on_site: Callable[[str, dict[str, Any]], None],
) -> None:
    """Probe every plan concurrently; call ``on_site(slug, record)`` as each site finishes.

    Whatever goes wrong with one site (a bug, a record that cannot be stored) ends as that
    site's record saying so; the others are not disturbed.
    """

    async def one(plan: SitePlan) -> None:
        try:
            record = await probe_site(plan, settings, catalogue, schemas, redactor)
            on_site(plan.site.slug, record)
        except Exception as exc:  # a bug must not leave the site's tests waiting for ever
            problem = f"the prober failed on this site: {type(exc).__name__}: {str(exc)[:300]}"
            with contextlib.suppress(Exception):  # if even that cannot be stored, the caller sees no record
                on_site(plan.site.slug, failed_record(plan.site, problem, redactor))

    await asyncio.gather(*(one(plan) for plan in plans))
