"""The prober: fetch every selected endpoint of every site once, concurrently and politely.

All sites run at once on one asyncio loop, each with its own ``httpx.AsyncClient`` (a shared
client slows down past ~100 connections, docs/performance.md). Per site:

1. every non-mutating endpoint, at most ``max_in_flight`` in flight and ``min_interval_ms``
   between request starts; transport failures, 429 and 5xx are retried (``Retry-After`` honoured
   up to a cap), nothing else is;
2. after ``breaker_threshold`` transport failures in a row the site is considered down and the
   rest of its probes are not sent (``skipped``, with the reason);
3. mutating endpoints (``GET /api/user/token``) only with ``--allow-mutating``, and only after
   every other probe of the site;
4. backend detection over what was fetched, then schema validation of every success;
5. one redacted record per site, handed to ``on_site`` (which stores it).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from . import _verdicts as v
from ._catalogue import Catalogue, Endpoint
from ._classify import Classification, classify
from ._config import Settings
from ._expectations import effective_family
from ._fingerprint import Detection, backend_record, detect
from ._http import ACCEPT_ENCODING, Exchange, fetch
from ._redact import Redactor
from ._schemas import SchemaSet
from ._sites import Site

USER_AGENT = "relaycompat/0.1 (+https://github.com/relaycompat/relaycompat; compatibility probe)"


@dataclass
class Probe:
    """One endpoint of one site: the last exchange, its classification, and how many retries."""

    endpoint: Endpoint
    exchange: Exchange | None = None
    result: Classification | None = None
    retries: int = 0
    #: The parsed body with secrets masked (computed once, after every probe of the site ran).
    redacted: Any = None


@dataclass(frozen=True)
class SitePlan:
    """What to probe on one site."""

    site: Site
    endpoints: tuple[Endpoint, ...]


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
        loopback = _is_loopback(plan.site.url or "")
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(plan.site.timeout, connect=min(plan.site.timeout, 10.0)),
            limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
            verify=_ssl_context(),
            trust_env=not loopback,
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
        url = f"{self.site.url}{probe.endpoint.path}"
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
                    deadline=self.site.timeout, body_cap=self.settings.body_cap,
                )
            probe.exchange, probe.result, probe.retries = exchange, classify(exchange, probe.endpoint), attempt
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

    async def run(self) -> list[Probe]:
        probes = [Probe(e) for e in self.plan.endpoints]
        try:
            await asyncio.gather(*(self.run_probe(p) for p in probes if not p.endpoint.mutating))
            for probe in (p for p in probes if p.endpoint.mutating):
                if not self.settings.allow_mutating:
                    probe.result = Classification(
                        v.SKIPPED,
                        f"not called: GET {probe.endpoint.path} changes the account (it generates a new "
                        "access token and invalidates the old one); pass --allow-mutating to call it",
                    )
                else:
                    await self.run_probe(probe)
                    self._learn_new_secret(probe)
        finally:
            await self.client.aclose()
        return probes

    def _learn_new_secret(self, probe: Probe) -> None:
        data = probe.result.data if probe.result else None
        if isinstance(data, dict) and isinstance(data.get("data"), str):
            self.redactor.add(data["data"])


def _pretty_body(probe: Probe, redactor: Redactor, cap: int) -> tuple[str, bool]:
    """The body as a report shows it: redacted, pretty JSON when it parsed, cut at ``cap``."""
    exchange = probe.exchange
    assert exchange is not None and probe.result is not None
    if probe.result.data is not None:
        text = json.dumps(probe.redacted, ensure_ascii=False, indent=2)
    else:
        text = redactor.text(exchange.body.decode("utf-8", errors="replace"))
    truncated = len(text) > cap
    return (text[:cap] if truncated else text), truncated


def site_record(
    site: Site,
    probes: Sequence[Probe],
    detection: Detection,
    redactor: Redactor,
    settings: Settings,
) -> dict[str, Any]:
    """The stored, redacted record of one probed site (read by tests, results and reports)."""
    records = []
    for probe in probes:
        result = probe.result or Classification(v.SKIPPED, "not probed")
        record: dict[str, Any] = {
            "endpoint": probe.endpoint.path,
            "id": probe.endpoint.id,
            "verdict": result.verdict,
            "reason": redactor.text(result.reason),
            "http_status": probe.exchange.status if probe.exchange else None,
            "elapsed_ms": probe.exchange.elapsed_ms if probe.exchange else None,
            "retries": probe.retries,
            "message": redactor.text(result.message) if result.message else None,
            "code": result.code,
            "schema": result.schema,
        }
        if probe.exchange is not None:
            body, truncated = _pretty_body(probe, redactor, settings.evidence_cap)
            record["request"] = {
                "method": probe.exchange.method,
                "url": redactor.text(probe.exchange.url),
                "headers": redactor.headers(probe.exchange.request_headers),
            }
            record["response"] = {
                "headers": redactor.headers(probe.exchange.headers),
                "body": body,
                "body_bytes": probe.exchange.body_bytes,
                "body_truncated": truncated,
                "body_capped": probe.exchange.capped,
                "error": redactor.text(probe.exchange.error) if probe.exchange.error else None,
            }
        records.append(record)
    return {
        "site": site.public(),
        "backend": redactor.data(backend_record(site.backend, detection)),
        "probes": records,
    }


def _check_schema(probe: Probe, schemas: SchemaSet, family: str, version: str | None) -> None:
    """Validate an ``ok`` body; a failure of the validation itself must not cost the site its record.

    The redacted copy is validated (masking keeps every type), so no error ever quotes a secret.
    """
    result = probe.result
    assert result is not None
    try:
        checked = schemas.validate(family, probe.endpoint.id, probe.redacted, version=version)
    except Exception as exc:  # a broken schema is our bug, not the site's
        result.schema = {"schema_id": None, "errors": [], "drift": [], "error_count": 0,
                         "problem": f"schema not checked: {type(exc).__name__}: {exc}"}
        return
    result.schema = checked.to_dict()  # rendered from the redacted body: nothing left to mask
    if checked.errors:
        result.verdict = v.SCHEMA_MISMATCH
        result.reason = f"{result.reason}, but {checked.summary()}"


async def probe_site(
    plan: SitePlan,
    settings: Settings,
    catalogue: Catalogue,
    schemas: SchemaSet,
    redactor: Redactor,
) -> dict[str, Any]:
    """Probe one site end to end and return its stored record."""
    run = _SiteRun(plan, settings, catalogue, redactor)
    probes = await run.run()
    detection = detect({p.endpoint.id: (p.exchange, p.result) for p in probes if p.result is not None})
    family = effective_family(plan.site.backend, detection.family)
    version = detection.version if detection.family == family else None  # another family's numbering says nothing
    for probe in probes:  # masked now: every secret the site handed out (a rotated token) is known
        if probe.result is not None and probe.result.data is not None:
            probe.redacted = redactor.data(probe.result.data, endpoint_id=probe.endpoint.id)
        if probe.result is not None and probe.result.verdict == v.OK:
            _check_schema(probe, schemas, family, version)
    record = site_record(plan.site, probes, detection, redactor, settings)
    record["stats"] = {"max_in_flight": run.limit}
    return record


def failed_record(site: Site, problem: str, redactor: Redactor) -> dict[str, Any]:
    """The record of a site the prober could not finish; its tests fail with ``problem``."""
    return {
        "site": site.public(),
        "backend": backend_record(site.backend, Detection(None, reason="the prober failed on this site")),
        "probes": [],
        "error": redactor.text(problem),
    }


async def probe_sites(
    plans: Sequence[SitePlan],
    settings: Settings,
    catalogue: Catalogue,
    schemas: SchemaSet,
    redactor: Redactor,
    on_site: Callable[[str, dict[str, Any]], None],
) -> None:
    """Probe every plan concurrently; call ``on_site(slug, record)`` as each site finishes."""

    async def one(plan: SitePlan) -> None:
        try:
            record = await probe_site(plan, settings, catalogue, schemas, redactor)
        except Exception as exc:  # a bug must not leave the site's tests waiting for ever
            record = failed_record(plan.site, f"the prober failed on this site: {type(exc).__name__}: {exc}", redactor)
        on_site(plan.site.slug, record)

    await asyncio.gather(*(one(plan) for plan in plans))
