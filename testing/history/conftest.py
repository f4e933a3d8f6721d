"""Results documents made to order for the history tests: sites whose endpoints answer what a
test says, in the shape results.json has (docs/results.md)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

#: verdict -> the pytest outcome a backend that should offer the endpoint gives it
OUTCOMES = {"ok": "passed", "skipped": "skipped", "not_found": "failed", "server_error": "failed",
            "auth_rejected": "failed", "timeout": "failed", "connect_error": "failed"}
ENDPOINTS = ("api_status", "api_user_self", "api_token")


def iso(at: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


def site(slug: str, verdicts: Mapping[str, str] | str, *, backend: str | None = "new-api", version: str | None = "v1.0.0",
         name: str | None = None) -> dict[str, Any]:
    """A site whose endpoints answer ``verdicts`` (one verdict for every endpoint, or per endpoint)."""
    answers = dict.fromkeys(ENDPOINTS, verdicts) if isinstance(verdicts, str) else dict(verdicts)
    reached = any(v not in ("timeout", "connect_error") for v in answers.values())
    detected = backend if reached else None
    return {
        "name": name or slug, "slug": slug, "url": f"https://{slug}.invalid",
        "backend": {"declared": backend, "detected": detected or "unknown", "version": version if detected else None},
        "error": None,
        "probes": [{"endpoint": "/" + e.replace("_", "/"), "id": e, "verdict": v, "outcome": OUTCOMES[v],
                    "http_status": 200 if v in ("ok", "auth_rejected") else 404 if v == "not_found" else
                    (None if v in ("timeout", "connect_error", "skipped") else 500),
                    "elapsed_ms": 41.6} for e, v in answers.items()],
    }


def results(run_id: str | None, at: int, *sites: dict[str, Any], shard: list[int] | None = None,
            endpoints: tuple[str, ...] = ENDPOINTS) -> dict[str, Any]:
    return {
        "format": 1, "generated_at": iso(at + 30), "tool": {"name": "relaycompat", "version": "0.1.0"},
        "run": {"run_id": run_id, "started_at": iso(at), "shard": shard, "report_lang": "en", "rotated_tokens": []},
        "catalogue": [{"id": e, "path": "/" + e.replace("_", "/"), "desc": e, "desc_en": e} for e in endpoints],
        "sites": list(sites),
    }


T0 = 1_795_000_000  # 2026-11-18 11:06:40 UTC
HOUR = 3600
