"""A site's responses, made its stored record: each probe isolated, the work on each body bounded.

After the prober has made a site's requests (:mod:`._prober`), :func:`site_record` turns what
came back into the record the tests, results.json and the reports read:

1. detect the backend from every response;
2. learn every secret the site handed out (``Set-Cookie`` values, secret headers and body
   fields, a generated token), so masking knows them all, whichever response shows them;
3. per probe, one at a time: mask the parsed body, validate it against the backend's schema
   if it is a success, build the probe's entry (request, response, pretty body), then drop the
   parsed body (only one body's copies are alive at once);
4. make every string of the record safe for any output (:func:`._text.safe_data`).

Isolation: any exception while handling one probe (classifying it happened in the prober,
with the same rule) becomes that probe's verdict, ``invalid_response`` with the reason, and the
others go on; a failed detection leaves the backend unknown with the reason.

Bounds: the body was read up to ``Settings.body_cap`` and parsed within the limits of
:mod:`._json`; schema validation is bounded in CPU time, per body and per site
(:data:`BODY_VALIDATION_SECONDS`, :data:`SITE_VALIDATION_SECONDS`: thread CPU time, so a busy
machine does not change a verdict); the pretty body is rendered only up to the evidence cap.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import _verdicts as v
from ._catalogue import Endpoint
from ._classify import Classification
from ._config import Settings
from ._expectations import effective_family
from ._fingerprint import Detection, backend_record, detect
from ._http import Exchange
from ._redact import Redactor
from ._schemas import SchemaSet
from ._sites import Site
from ._text import safe_data

#: CPU seconds the schema validation of one body may take, and of all the bodies of one site.
BODY_VALIDATION_SECONDS = 1.0
SITE_VALIDATION_SECONDS = 5.0
#: Characters of one header value kept as evidence (clients accept headers of 100 KiB).
HEADER_VALUE_CHARS = 2000


@dataclass
class Probe:
    """One endpoint of one site: the last exchange, its classification, and how many retries."""

    endpoint: Endpoint
    exchange: Exchange | None = None
    result: Classification | None = None
    retries: int = 0
    #: The parsed body with secrets masked (computed once, after every probe of the site ran).
    redacted: Any = None

    def fail(self, doing: str, exc: BaseException) -> None:
        """The suite could not handle this probe: that, with the reason, is its verdict."""
        status = f"HTTP {self.exchange.status}, " if self.exchange is not None and self.exchange.status else ""
        self.result = Classification(v.INVALID_RESPONSE, f"{status}the suite could not {doing} this response: "
                                     f"{type(exc).__name__}: {str(exc)[:300]}")
        self.redacted = None


@contextmanager
def isolated(probe: Probe, doing: str) -> Iterator[None]:
    """Any exception in the block becomes ``probe``'s verdict (``invalid_response``, with the reason)."""
    try:
        yield
    except Exception as exc:  # isolation: this probe's verdict, not the site's end
        probe.fail(doing, exc)


def _pretty_json(value: Any, cap: int) -> tuple[str, bool]:
    """``value`` as indented JSON, encoded only as far as ``cap`` characters (a huge body is not
    rendered whole to show its first 16 KiB)."""
    parts: list[str] = []
    size = 0
    for chunk in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(value):
        parts.append(chunk)
        size += len(chunk)
        if size > cap:
            break
    return "".join(parts)[:cap], size > cap


def _pretty_body(probe: Probe, redactor: Redactor, cap: int) -> tuple[str, bool]:
    """The body as a report shows it: redacted, pretty JSON when it parsed, cut at ``cap``."""
    exchange = probe.exchange
    assert exchange is not None and probe.result is not None
    if probe.result.data is not None and probe.redacted is not None:
        return _pretty_json(probe.redacted, cap)
    text = redactor.text(exchange.body[: cap * 4].decode("utf-8", errors="replace"))
    return text[:cap], len(text) > cap or max(len(exchange.body), exchange.body_bytes) > cap * 4


def _headers(headers: dict[str, str], redactor: Redactor) -> dict[str, str]:
    """Headers as evidence: masked, each value cut at :data:`HEADER_VALUE_CHARS`."""
    return {name: value if len(value) <= HEADER_VALUE_CHARS else f"{value[:HEADER_VALUE_CHARS]}… ({len(value)} characters)"
            for name, value in redactor.headers(headers).items()}


def _entry(probe: Probe, redactor: Redactor, settings: Settings, *, evidence: bool = True) -> dict[str, Any]:
    """One probe of a site's record; ``evidence=False`` leaves out request and response."""
    result = probe.result or Classification(v.SKIPPED, "not probed")
    exchange = probe.exchange
    entry: dict[str, Any] = {
        "endpoint": probe.endpoint.path,
        "id": probe.endpoint.id,
        "verdict": result.verdict,
        "reason": redactor.text(result.reason),
        "http_status": exchange.status if exchange else None,
        "elapsed_ms": exchange.elapsed_ms if exchange else None,
        "retries": probe.retries,
        "message": redactor.text(result.message) if result.message else None,
        "code": result.code,
        "schema": result.schema,
    }
    if exchange is not None and evidence:
        body, truncated = _pretty_body(probe, redactor, settings.evidence_cap)
        entry["request"] = {
            "method": exchange.method,
            "url": redactor.text(exchange.url),
            "headers": _headers(exchange.request_headers, redactor),
        }
        entry["response"] = {
            "headers": _headers(exchange.headers, redactor),
            "body": body,
            "body_bytes": exchange.body_bytes,
            "body_truncated": truncated,
            "body_capped": exchange.capped,
            "error": redactor.text(exchange.error) if exchange.error else None,
        }
    return entry


def _check_schema(probe: Probe, schemas: SchemaSet, family: str, version: str | None, seconds: float) -> None:
    """Validate an ``ok`` body within ``seconds``. The redacted copy is validated (masking keeps
    every type), so no error ever quotes a secret."""
    result = probe.result
    assert result is not None
    checked = schemas.validate(family, probe.endpoint.id, probe.redacted, version=version, seconds=seconds)
    result.schema = checked.to_dict()  # rendered from the redacted body: nothing left to mask
    if checked.errors:
        result.verdict = v.SCHEMA_MISMATCH
        result.reason = f"{result.reason}, but {checked.summary()}"


def _detect(probes: Sequence[Probe]) -> Detection:
    try:
        return detect({p.endpoint.id: (p.exchange, p.result) for p in probes if p.result is not None})
    except Exception as exc:  # the site's probes keep their verdicts; only the backend is unknown
        return Detection(None, reason=f"backend detection failed: {type(exc).__name__}: {str(exc)[:200]}")


def site_record(site: Site, probes: Sequence[Probe], settings: Settings, schemas: SchemaSet,
                redactor: Redactor) -> dict[str, Any]:
    """The stored, redacted, output-safe record of one probed site (see the module docstring)."""
    detection = _detect(probes)
    family = effective_family(site.backend, detection.family)
    version = detection.version if detection.family == family else None  # another family's numbering says nothing
    for probe in probes:
        if probe.exchange is not None and probe.result is not None:
            with isolated(probe, "read the secrets of"):
                redactor.learn(probe.exchange.headers, probe.result.data, endpoint_id=probe.endpoint.id)
    budget_ends = time.thread_time() + SITE_VALIDATION_SECONDS
    entries = []
    for probe in probes:
        if probe.result is not None and probe.result.data is not None:
            with isolated(probe, "mask"):
                probe.redacted = redactor.data(probe.result.data, endpoint_id=probe.endpoint.id)
        if probe.result is not None and probe.result.verdict == v.OK and probe.redacted is not None:
            with isolated(probe, "validate"):
                seconds = max(min(BODY_VALIDATION_SECONDS, budget_ends - time.thread_time()), 0.0)
                _check_schema(probe, schemas, family, version, seconds)
        try:
            entries.append(_entry(probe, redactor, settings))
        except Exception as exc:  # isolation: this probe says why, the others keep their entry
            probe.fail("record", exc)
            entries.append(_entry(probe, redactor, settings, evidence=False))
        probe.redacted = None
        if probe.result is not None:
            probe.result.data = None  # one parsed body alive at a time
    return safe_data({
        "site": site.public(),
        "backend": redactor.data(backend_record(site.backend, detection)),
        "probes": entries,
    })


def failed_record(site: Site, problem: str, redactor: Redactor) -> dict[str, Any]:
    """The record of a site the prober could not finish; its tests fail with ``problem``."""
    return safe_data({
        "site": site.public(),
        "backend": backend_record(site.backend, Detection(None, reason="the prober failed on this site")),
        "probes": [],
        "error": redactor.text(problem),
    })
