"""What a results document says, before any format: states, site status, totals, figures, matrices.

Every renderer (report.md, summary.html, the pytest-html columns, the terminal) reads these, so
they always agree. Nothing here escapes or words anything: that is :mod:`._text` and the
renderers' job.

- The **state** of a probe (one matrix cell, one symbol) comes from the pytest outcome first,
  since the outcome knows the backend's expectations (an expected absence is ``xfailed``, an
  endpoint a backend should lack but answers is ``xpassed``), then from the verdict. Results
  without outcomes (re-rendered recordings) fall back to the verdict alone.
- The **status** of a site: whether it fails, its counts, and the first thing to do about it.
- **Totals** per verdict and per outcome, **figures** per detected backend, and two **matrices**:
  site × endpoint, and backend × endpoint (what a reader of thousands of sites sees first).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import _verdicts as v
from .._expectations import FAILING_OUTCOMES, UNKNOWN, probe_fails

# ---- the state of one probe -------------------------------------------------------------------
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

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
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


# ---- one site ---------------------------------------------------------------------------------
def detected_backend(site: Mapping[str, Any]) -> str | None:
    """The detected family, or ``None`` when unknown."""
    detected = (site.get("backend") or {}).get("detected")
    return None if detected in (None, "", UNKNOWN) else str(detected)


def backend_version(site: Mapping[str, Any]) -> str:
    """``family version`` as detected, ``unknown`` when not."""
    family = detected_backend(site) or UNKNOWN
    version = (site.get("backend") or {}).get("version")
    return f"{family} {version}" if version else family


def site_state_counts(site: Mapping[str, Any]) -> Counter[str]:
    return Counter(probe_state(p) for p in site.get("probes", []))


#: Site conditions, most urgent first: the order of "broken sites first". A site's results.json
#: ``state`` (broken, unreachable, credentials, ok: relaycompat/_advice.py) when it has one; else
#: broken when a test failed. An ok site with an unexpected pass is "xpass".
CONDITIONS = ("broken", "unreachable", "credentials", "xpass", "ok")


@dataclass(frozen=True)
class SiteStatus:
    """One line about one site: what it runs, how its tests went, and what to do first."""

    index: int
    name: str
    slug: str
    backend: str | None
    version: str | None
    condition: str
    states: Counter[str]
    #: ``ok``, then the verdicts of the failing probes, then unexpected passes, expected
    #: absences and skips: what a one-line account of the site counts.
    tally: tuple[tuple[str, int], ...]
    failing: int
    first_action: str | None
    #: The site's first advice entry (results.json ``advice[0]``), when it has one: then
    #: :attr:`first_action` is its message (else what the site's first failing probe says).
    advice: Mapping[str, Any] | None = None

    @property
    def advised(self) -> bool:
        return self.advice is not None

    @property
    def rank(self) -> tuple[int, int]:
        """Sort key: failing sites first, then unexpected passes, then the rest, in site order."""
        return CONDITIONS.index(self.condition), self.index


def first_action(site: Mapping[str, Any]) -> str | None:
    """The first thing to do about a site: its advice when results.json has some, else what its
    first failing probe says (``endpoint: verdict: reason``)."""
    advice = site.get("advice")
    if isinstance(advice, list) and advice and isinstance(advice[0], Mapping) and advice[0].get("message"):
        return str(advice[0]["message"])
    if site.get("error"):
        return str(site["error"])
    for probe in site.get("probes", []):
        if is_failing(probe):
            said = probe.get("test_message") or f"{probe.get('verdict')}: {probe.get('reason') or ''}"
            return f"{probe.get('endpoint')}: {said}"
    return None


def site_status(site: Mapping[str, Any], index: int = 0) -> SiteStatus:
    probes = site.get("probes", [])
    failing_verdicts = Counter(p.get("verdict") for p in probes if is_failing(p))
    failing = sum(failing_verdicts.values()) + (1 if site.get("error") and not probes else 0)
    condition = str(site.get("state") or ("broken" if failing else "ok"))
    states = site_state_counts(site)
    if condition == "ok" and states["xpass"]:
        condition = "xpass"
    if condition not in CONDITIONS:
        condition = "broken"
    tally = [("ok", sum(1 for p in probes if is_passing(p)))]
    tally += [(verdict, failing_verdicts[verdict]) for verdict in v.VERDICTS if failing_verdicts[verdict]]
    tally += [("xpass", states["xpass"]), ("absent", states["absent"]), ("skipped", states["skipped"])]
    return SiteStatus(
        index=index,
        name=str(site.get("name", "")),
        slug=str(site.get("slug", "")),
        backend=detected_backend(site),
        version=(site.get("backend") or {}).get("version"),
        condition=condition,
        states=states,
        failing=failing,
        first_action=first_action(site),
        tally=tuple((label, n) for label, n in tally if n),
        advice=(site.get("advice") or [None])[0],
    )


def statuses(sites: Iterable[Mapping[str, Any]]) -> list[SiteStatus]:
    """The status of every site, broken sites first (then site order)."""
    return sorted((site_status(site, index) for index, site in enumerate(sites)), key=lambda s: s.rank)


# ---- totals and figures -----------------------------------------------------------------------
def _probes(results: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    return (p for site in results.get("sites", []) for p in site.get("probes", []))


def verdict_totals(results: Mapping[str, Any]) -> list[tuple[str, int]]:
    """``(verdict, count)`` for every verdict that occurs, in the order of the taxonomy."""
    counts = Counter(p.get("verdict") for p in _probes(results))
    return [(verdict, counts[verdict]) for verdict in v.VERDICTS if counts[verdict]]


def outcome_totals(results: Mapping[str, Any]) -> list[tuple[str, int]]:
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


def _by_backend(results: Mapping[str, Any]) -> dict[str | None, list[Mapping[str, Any]]]:
    """Sites grouped by detected backend: most sites first, the undetected last."""
    groups: dict[str | None, list[Mapping[str, Any]]] = {}
    for site in results.get("sites", []):
        groups.setdefault(detected_backend(site), []).append(site)
    order = sorted(groups, key=lambda b: (b is None, -len(groups[b]), b or ""))
    return {backend: groups[backend] for backend in order}


def backend_figures(results: Mapping[str, Any]) -> list[BackendFigure]:
    """One figure per detected backend, most sites first, the undetected last."""
    figures = []
    for backend, sites in _by_backend(results).items():
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
    return figures


# ---- matrices ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One probe: its state, and the verdict and reason a tooltip shows (``None``: not probed)."""

    state: str | None
    verdict: str | None = None
    reason: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Row:
    name: str
    slug: str
    backend: str | None
    version: str | None
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Matrix:
    endpoints: tuple[dict[str, Any], ...]
    rows: tuple[Row, ...]

    @property
    def states(self) -> list[str]:
        """The states that occur, in legend order."""
        used = {cell.state for row in self.rows for cell in row.cells if cell.state}
        return [state for state in STATES if state in used]


def site_row(site: Mapping[str, Any], endpoints: Iterable[Mapping[str, Any]]) -> Row:
    by_path = {p["endpoint"]: p for p in site.get("probes", [])}
    cells = []
    for endpoint in endpoints:
        probe = by_path.get(endpoint["path"])
        if probe is None:
            cells.append(Cell(None))
        else:
            cells.append(Cell(probe_state(probe), probe.get("verdict"), probe.get("reason"), probe.get("outcome")))
    return Row(str(site.get("name", "")), str(site.get("slug", "")), detected_backend(site),
               (site.get("backend") or {}).get("version"), tuple(cells))


def build_matrix(results: Mapping[str, Any]) -> Matrix:
    """Site × endpoint: rows are sites in results order (site-file order), columns the catalogue."""
    endpoints = tuple(results.get("catalogue") or [])
    return Matrix(endpoints, tuple(site_row(site, endpoints) for site in results.get("sites", [])))


@dataclass(frozen=True)
class Tally:
    """The sites of one backend on one endpoint: how many passed, of how many, and the commonest
    state of the others (``None`` when every site passed or none probed it)."""

    ok: int
    total: int
    state: str | None

    @property
    def symbol_state(self) -> str | None:
        """The state whose symbol the cell shows: ok when all passed, else the commonest other."""
        if not self.total:
            return None
        return "ok" if self.ok == self.total else self.state


@dataclass(frozen=True)
class BackendRow:
    backend: str | None
    versions: tuple[str, ...]
    sites: int
    tallies: tuple[Tally, ...]


def backend_matrix(results: Mapping[str, Any]) -> tuple[tuple[dict[str, Any], ...], tuple[BackendRow, ...]]:
    """Backend × endpoint: per detected backend and endpoint, how many of its sites passed."""
    endpoints = tuple(results.get("catalogue") or [])
    rows = []
    for backend, sites in _by_backend(results).items():
        states: list[Counter[str]] = [Counter() for _ in endpoints]
        index = {e["path"]: i for i, e in enumerate(endpoints)}
        for site in sites:
            for probe in site.get("probes", []):
                i = index.get(probe["endpoint"])
                if i is not None:
                    states[i][probe_state(probe)] += 1
        tallies = []
        for counter in states:
            others = [(n, STATES.index(s), s) for s, n in counter.items() if s != "ok"]
            commonest = max(others, key=lambda item: (item[0], -item[1]))[2] if others else None
            tallies.append(Tally(counter["ok"], sum(counter.values()), commonest))
        versions = sorted({str(s["backend"]["version"]) for s in sites if (s.get("backend") or {}).get("version")})
        rows.append(BackendRow(backend, tuple(versions), len(sites), tuple(tallies)))
    return endpoints, tuple(rows)
