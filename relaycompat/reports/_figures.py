"""The numbers at the top of a report: probes per verdict, tests per outcome, compatibility per backend."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from .._verdicts import VERDICTS
from ._states import detected_backend, is_expected_ok, is_passing, probe_state

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def _probes(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for site in results.get("sites", []) for p in site.get("probes", [])]


def verdict_totals(results: dict[str, Any]) -> list[tuple[str, int]]:
    """``(verdict, count)`` for every verdict that occurs, in the order of the taxonomy."""
    counts = Counter(p.get("verdict") for p in _probes(results))
    return [(verdict, counts[verdict]) for verdict in VERDICTS if counts[verdict]]


def outcome_totals(results: dict[str, Any]) -> list[tuple[str, int]]:
    """``(outcome, count)`` of the pytest outcomes recorded (empty for results without tests)."""
    counts = Counter(p.get("outcome") for p in _probes(results) if p.get("outcome"))
    return [(outcome, counts[outcome]) for outcome in OUTCOMES if counts[outcome]]


@dataclass(frozen=True)
class BackendFigure:
    """Compatibility of the sites that run one detected backend (``None``: not detected)."""

    backend: str | None
    versions: tuple[str, ...]
    sites: int
    ok: int
    expected: int
    absent: int
    xpass: int
    skipped: int

    @property
    def rate(self) -> float | None:
        return self.ok / self.expected if self.expected else None


def backend_figures(results: dict[str, Any]) -> list[BackendFigure]:
    """One figure per detected backend, most sites first, the undetected last."""
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for site in results.get("sites", []):
        groups.setdefault(detected_backend(site), []).append(site)
    figures = []
    for backend, sites in groups.items():
        probes = [p for site in sites for p in site.get("probes", [])]
        expected = [p for p in probes if is_expected_ok(p)]
        states = Counter(probe_state(p) for p in probes)
        versions = sorted({str(s["backend"]["version"]) for s in sites if (s.get("backend") or {}).get("version")})
        figures.append(BackendFigure(
            backend=backend,
            versions=tuple(versions),
            sites=len(sites),
            ok=sum(1 for p in expected if is_passing(p)),
            expected=len(expected),
            absent=states["absent"],
            xpass=states["xpass"],
            skipped=states["skipped"],
        ))
    figures.sort(key=lambda f: (f.backend is None, -f.sites, f.backend or ""))
    return figures


def site_state_counts(site: dict[str, Any]) -> Counter[str]:
    return Counter(probe_state(p) for p in site.get("probes", []))
