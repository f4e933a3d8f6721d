"""Recordings in the sample report's shape (``testing/data/recordings.json``) as a results document.

The probing script behind the sample report kept, per probe, a status (a number, ``EPROTO`` or
``ERROR``), the body cut at 3 000 characters (``truncated_from``: its length before) or an error
text. This adapter classifies each one with the suite's own ladder, detects the backend from
what was recorded, masks secrets and personal data, and returns a results.json-shaped document
without pytest outcomes, so the reports can show old recordings as they show runs.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin

from .. import __version__
from .. import _verdicts as v
from .._catalogue import Catalogue, Endpoint
from .._classify import Classification, classify
from .._fingerprint import backend_record, detect
from .._http import Exchange
from .._json import JSONProblem, loads_strict
from .._redact import Redactor
from .._results import FORMAT_VERSION, catalogue_entries

_STRING_FIELD = re.compile(r'"([^"\\]{1,64})"(\s*:\s*)"((?:[^"\\]|\\.)*)"')
_AUTH = ("user", "relay")


def _endpoint(entry: dict[str, Any], catalogue: Catalogue | None) -> Endpoint:
    if catalogue is not None:
        try:
            return catalogue.by_path(entry["path"])
        except KeyError:
            pass
    ident = re.sub(r"[^a-z0-9]+", "_", entry["path"].lower()).strip("_") or "root"
    return Endpoint(ident, entry["path"], entry.get("desc", ""), entry.get("desc_en") or entry.get("desc", ""),
                    bool(entry.get("documented")), bool(entry.get("in_code")), "user", "dashboard")


def _mask_text(text: str, redactor: Redactor) -> str:
    """Mask secret fields in a body that no longer parses (it was cut), then known patterns."""
    def mask(match: re.Match[str]) -> str:
        if redactor.is_secret_field(match.group(1)) and match.group(3):
            return f'"{match.group(1)}"{match.group(2)}"{redactor.mask}"'
        return match.group(0)

    return redactor.text(_STRING_FIELD.sub(mask, text))


#: The recorder's error text for an HTML answer; it recorded no headers, so Cloudflare's are restored.
CLOUDFLARE_HTML = "Cloudflare/HTML 响应"


def recorded_exchange(probe: dict[str, Any], endpoint: Endpoint, url: str, credentials: bool) -> Exchange:
    """The :class:`Exchange` the prober would have had for one recorded probe.

    Only what the recording states is rebuilt: a status, or ``EPROTO`` (TLS) / ``ERROR`` with
    ``请求超时`` (timeout); the body; for an answer the recorder called Cloudflare HTML, the
    headers Cloudflare sends, so the classifier itself decides it was a challenge.
    """
    status = str(probe.get("status", ""))
    error = str(probe.get("error") or "")
    exchange = Exchange("GET", url, {}, credentials_sent=credentials)
    if not status.isdigit():
        exchange.error_kind = "tls" if status == "EPROTO" else ("timeout" if "超时" in error or status == "ERROR" else "refused")
        exchange.error = error or status
        return exchange
    body = (probe.get("body") or "").encode("utf-8")
    exchange.status = int(status)
    exchange.body = body
    exchange.body_bytes = int(probe.get("truncated_from") or len(body))
    if error == CLOUDFLARE_HTML:
        exchange.headers = {"server": "cloudflare", "cf-ray": "0000000000000000-HKG", "content-type": "text/html; charset=UTF-8"}
    elif body.lstrip().startswith(b"{"):
        exchange.headers = {"content-type": "application/json; charset=utf-8"}
    return exchange


def _classify(probe: dict[str, Any], endpoint: Endpoint, url: str, credentials: bool) -> tuple[Exchange, Classification]:
    exchange = recorded_exchange(probe, endpoint, url, credentials and endpoint.auth in _AUTH)
    body = probe.get("body")
    if exchange.status == 200 and body is not None and "truncated_from" in probe:  # cut while recording
        if '"success": false' not in body and '"success":false' not in body:
            return exchange, Classification(v.OK, f"HTTP 200, success (body cut at {len(body)} characters when recorded)")
    return exchange, classify(exchange, endpoint)


def results_from_recordings(recordings: dict[str, Any], *, catalogue: Catalogue | None = None,
                            redactor: Redactor | None = None) -> dict[str, Any]:
    """A results document for ``recordings`` (``catalogue`` supplies ids and English descriptions)."""
    scrub = redactor or Redactor()
    endpoints = [_endpoint(entry, catalogue) for entry in recordings["endpoints"]]
    by_path = {e.path: e for e in endpoints}
    sites = []
    rotated = []
    for index, recorded in enumerate(recordings["sites"], start=1):
        configured = "✅" in str(recorded.get("auth", ""))
        observed: dict[str, tuple[Exchange | None, Classification]] = {}
        probes = []
        for probe in recorded["probes"]:
            endpoint = by_path[probe["endpoint"]]
            url = urljoin(recorded["url"].rstrip("/") + "/", endpoint.path.lstrip("/"))
            exchange, result = _classify(probe, endpoint, url, configured)
            observed[endpoint.id] = (exchange, result)
            body = probe.get("body")
            if body is not None:
                try:
                    data = scrub.data(loads_strict(body.encode()), endpoint_id=endpoint.id)
                    text = json.dumps(data, ensure_ascii=False, indent=2)
                except JSONProblem:
                    text = _mask_text(body, scrub)
            probes.append({
                "endpoint": endpoint.path,
                "id": endpoint.id,
                "verdict": result.verdict,
                "http_status": exchange.status,
                "elapsed_ms": None,
                "outcome": None,
                "reason": scrub.text(result.reason),
                "test_message": None,
                "retries": 0,
                "message": scrub.text(result.message) if result.message else None,
                "schema": None,
                "request": {"method": "GET", "url": url, "headers": {}},
                "response": {
                    "headers": dict(exchange.headers),
                    "body": text if body is not None else "",
                    "body_bytes": exchange.body_bytes if body is not None else 0,
                    "body_truncated": "truncated_from" in probe,
                    "body_capped": False,
                    "error": scrub.text(str(probe["error"])) if probe.get("error") else None,
                },
            })
        detection = detect(observed)
        if any(by_path[p["endpoint"]].mutating and p["verdict"] == v.OK for p in probes):
            rotated.append(f"site-{index:02d}")
        sites.append({
            "name": recorded["name"],
            "slug": f"site-{index:02d}",
            "url": recorded["url"],
            "emulate": None,
            "source": "recordings",
            "credentials": {"access_token": configured, "api_key": False, "user_id": False},
            "backend": backend_record(None, detection),
            "error": None,
            "emulator": None,
            "probes": probes,
        })
    return {
        "format": FORMAT_VERSION,
        "generated_at": recordings.get("generated"),
        "tool": {"name": "relaycompat", "version": __version__},
        "run": {"started_at": recordings.get("generated"), "allow_mutating": True, "shard": None,
                "report_lang": "zh", "probe_seconds": None, "rotated_tokens": rotated, "source": "recordings"},
        "catalogue": catalogue_entries(endpoints),
        "sites": sites,
    }
