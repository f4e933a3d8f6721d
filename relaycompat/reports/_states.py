"""What one probe of results.json amounts to in a report: its state, and whether it counts.

The state of a probe (one matrix cell, one symbol) comes from the pytest outcome first, since
the outcome knows the backend's expectations (an expected absence is ``xfailed``, an endpoint a
backend should lack but answers is ``xpassed``), then from the verdict. Results without outcomes
(re-rendered recordings) fall back to the verdict alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import _verdicts as v
from .._expectations import FAILING_OUTCOMES, UNKNOWN, probe_fails

STATES: tuple[str, ...] = (
    "ok", "xpass", "absent", "skipped", "schema", "auth", "blocked", "rate_limited",
    "server_error", "timeout", "unreachable", "redirect", "not_found", "invalid", "error",
)

_BY_VERDICT: dict[str, str] = {
    v.OK: "ok",
    v.SCHEMA_MISMATCH: "schema",
    v.API_ERROR: "error",
    v.AUTH_MISSING: "auth",
    v.AUTH_REJECTED: "auth",
    v.FORBIDDEN: "auth",
    v.NOT_FOUND: "not_found",
    v.REDIRECT: "redirect",
    v.BLOCKED: "blocked",
    v.RATE_LIMITED: "rate_limited",
    v.SERVER_ERROR: "server_error",
    v.TLS_ERROR: "unreachable",
    v.CONNECT_ERROR: "unreachable",
    v.TIMEOUT: "timeout",
    v.INVALID_RESPONSE: "invalid",
    v.SKIPPED: "skipped",
}

PASSING_OUTCOMES = frozenset({"passed"})


def verdict_state(verdict: str | None) -> str:
    """The state a verdict stands for when nothing else is known."""
    return _BY_VERDICT.get(verdict or "", "error")


def probe_state(probe: Mapping[str, Any]) -> str:
    outcome, verdict = probe.get("outcome"), probe.get("verdict")
    if outcome == "xpassed":
        return "xpass"
    if outcome == "xfailed":
        return "absent"
    if outcome == "skipped" or verdict == v.SKIPPED:
        return "skipped"
    if verdict == v.OK:
        return "ok" if outcome in (None, "passed") else "error"
    return verdict_state(verdict)


def is_failing(probe: Mapping[str, Any]) -> bool:
    return probe_fails(probe)


def is_passing(probe: Mapping[str, Any]) -> bool:
    outcome = probe.get("outcome")
    if outcome is not None:
        return outcome in PASSING_OUTCOMES
    return probe.get("verdict") == v.OK


def is_expected_ok(probe: Mapping[str, Any]) -> bool:
    """Counts in a compatibility figure: called, judged, and not declared absent."""
    outcome = probe.get("outcome")
    if outcome is not None:
        return outcome in PASSING_OUTCOMES | FAILING_OUTCOMES
    return probe.get("verdict") != v.SKIPPED


def site_reachable(site: Mapping[str, Any]) -> bool | None:
    """Whether anything came back from the site; ``None`` when nothing was sent (no evidence)."""
    if site.get("error"):
        return None
    sent = [p for p in site.get("probes", []) if p.get("verdict") != v.SKIPPED]
    if not sent:
        return None
    return any(p.get("verdict") not in v.TRANSPORT_FAILURES for p in sent)


def detected_backend(site: Mapping[str, Any]) -> str | None:
    """The detected family, or ``None`` when unknown."""
    detected = (site.get("backend") or {}).get("detected")
    return None if detected in (None, "", UNKNOWN) else str(detected)
