"""What the reports show of the history: built once per report from the file and this run.

:func:`build_history` reads, for the sites of this run: every recorded site status (the
site-level streak, since when, down/up by the thresholds, uptime over 7 and 30 days), the
probes of the last ``window`` runs (one strip per endpoint) and the per-backend compatibility
of every run of the last :data:`CHART_DAYS` days. It reads summaries, not all probes: at 500
sites × 38 endpoints × 360 runs that is ~20 000 probe rows and ~180 000 site rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..reports._facts import is_failing, is_passing, probe_state
from ._labels import when
from ._schema import SITE_DOWN, SITE_OK, SITE_PARTIAL
from ._store import DAY, HistoryStore, Run, run_key
from ._timeline import Assessment, Thresholds, assess, since_same

#: The per-backend chart covers the runs of this many days before this one.
CHART_DAYS = 90
#: Uptime columns of the site table (days).
UPTIME_DAYS = (7, 30)
SITE_STATUS = {SITE_OK: "ok", SITE_PARTIAL: "partial", SITE_DOWN: "down"}


@dataclass
class EndpointHistory:
    key: str
    path: str
    cells: list[str | None]             #: the probe's state in each strip run (None: not probed)
    verdicts: list[str | None]
    assessment: Assessment
    since: int | None                   #: first run of the current state's streak (in the strip)
    runs: int                           #: its length
    whole_strip: bool                   #: the state held for the whole strip

    @property
    def changed(self) -> bool:
        return len({c for c in self.cells if c is not None}) > 1


@dataclass
class SiteHistory:
    slug: str
    name: str
    cells: list[str | None]             #: "ok" / "partial" / "down" per strip run (None: not in it)
    counts: list[tuple[int, int] | None]  #: (passed, failed) per strip run
    assessment: Assessment
    uptime: dict[int, tuple[int, int]]  #: days -> (ok runs, runs)
    endpoints: list[EndpointHistory] = field(default_factory=list)


@dataclass
class BackendPoint:
    at: int
    passed: int
    expected: int

    @property
    def rate(self) -> float | None:
        return self.passed / self.expected if self.expected else None


@dataclass
class HistoryReport:
    """The history part of one run's reports (``problem`` set: only a line saying why not)."""

    path: str
    thresholds: Thresholds = field(default_factory=Thresholds)
    problem: str | None = None
    run_key: str | None = None
    run_at: int | None = None
    total_runs: int = 0
    first_at: int | None = None
    strip: list[Run] = field(default_factory=list)
    sites: list[SiteHistory] = field(default_factory=list)
    backends: dict[str, list[BackendPoint]] = field(default_factory=dict)
    already_recorded: bool = False      #: this run was in the file before this recording

    @property
    def seconds(self) -> bool:
        """Print times with seconds: two runs of the strip fall in one minute."""
        return len({run.started_at // 60 for run in self.strip}) < len(self.strip)

    def when(self, at: int | None) -> str:
        return when(at, seconds=self.seconds)

    def site(self, slug: str) -> SiteHistory | None:
        return next((s for s in self.sites if s.slug == slug), None)

    # The three renderings the reports call (relaycompat.reports takes any object with these).
    def markdown_summary(self, lang: str, *, links: bool = True) -> str:
        from ._markdown import summary_markdown

        return summary_markdown(self, lang, links=links)

    def markdown_site(self, slug: str, lang: str) -> str:
        from ._markdown import site_markdown

        return site_markdown(self, slug, lang)

    def html_summary(self, lang: str) -> str:
        from ._html import summary_html

        return summary_html(self, lang)


@cache
def _probe_view(verdict: str, outcome: str | None) -> tuple[str, bool | None]:
    probe = {"verdict": verdict, "outcome": outcome}
    good = True if is_passing(probe) else False if is_failing(probe) else None
    return probe_state(probe), good


def build_history(store: HistoryStore, results: Mapping[str, Any], thresholds: Thresholds) -> HistoryReport:
    """The history of ``results``'s sites as of its run (which must be recorded)."""
    report = HistoryReport(str(store.path), thresholds)
    key = run_key(results)
    this = store.run_by_key(key)
    if this is None:
        report.problem = f"run {key} is not recorded in {store.path}"
        return report
    report.run_key, report.run_at = this.key, this.started_at
    runs = store.runs(until=this.started_at)
    report.total_runs = len(runs)
    report.first_at = runs[0].started_at if runs else None
    report.strip = runs[-thresholds.window:]
    words = store.words()
    names = {s["slug"]: str(s.get("name") or s["slug"]) for s in results.get("sites") or []}
    site_ids = store.site_ids(names)
    wanted = {sid: slug for slug, sid in site_ids.items()}

    # site statuses of every run (small rows), and the per-backend sums of the chart's runs
    points: dict[int, list[tuple[int, bool | None]]] = defaultdict(list)
    by_run: dict[tuple[int, int], tuple[int, int, int]] = {}
    chart_from = this.started_at - CHART_DAYS * DAY
    backend_sums: dict[str, dict[int, list[int]]] = defaultdict(dict)
    strip_ids = {run.id for run in report.strip}
    for run in runs:
        at, in_strip = run.started_at, run.id in strip_ids
        for site, status, backend, passed, failed in store.db.execute(
                "SELECT site, status, backend, passed, failed FROM site_runs WHERE run = ?", (run.id,)).fetchall():
            if site in wanted:
                points[site].append((at, status == SITE_OK))
                if in_strip:
                    by_run[(run.id, site)] = (status, passed, failed)
            if backend is not None and at >= chart_from:
                sums = backend_sums[words[backend]].setdefault(at, [0, 0])
                sums[0] += passed
                sums[1] += passed + failed
    report.backends = {
        backend: [BackendPoint(at, p, e) for at, (p, e) in sorted(sums.items())]
        for backend, sums in sorted(backend_sums.items())
    }

    # probes of the strip's runs: one list of (verdict, outcome) ids per site and endpoint
    width = len(report.strip)
    cells_of: dict[tuple[int, int], list[tuple[int, int | None] | None]] = {}
    for index, run in enumerate(report.strip):
        for site, endpoint, verdict, outcome in store.db.execute(
                "SELECT site, endpoint, verdict, outcome FROM probes WHERE run = ?", (run.id,)).fetchall():
            if site in wanted:
                row = cells_of.get((site, endpoint))
                if row is None:
                    row = cells_of[(site, endpoint)] = [None] * width
                row[index] = (verdict, outcome)
    views: dict[tuple[int, int | None], tuple[str, bool | None, str]] = {}
    for row in cells_of.values():
        for pair in row:
            if pair is not None and pair not in views:
                verdict = words[pair[0]]
                views[pair] = (*_probe_view(verdict, words.get(pair[1]) if pair[1] else None), verdict)
    by_site: dict[int, list[int]] = defaultdict(list)
    for site, endpoint in cells_of:
        by_site[site].append(endpoint)
    endpoint_names = store.endpoints()
    order = {e.get("id"): i for i, e in enumerate(results.get("catalogue") or [])}
    paths = {e.get("id"): e.get("path") for e in results.get("catalogue") or []}
    times = [run.started_at for run in report.strip]
    older = width < len(runs)
    uptime_from = {days: this.started_at - days * DAY for days in UPTIME_DAYS}

    for slug, name in names.items():
        sid = site_ids.get(slug)
        if sid is None:
            continue
        series = points.get(sid, [])
        cells, counts = [], []
        for run in report.strip:
            found = by_run.get((run.id, sid))
            cells.append(SITE_STATUS[found[0]] if found else None)
            counts.append((found[1], found[2]) if found else None)
        uptime = {}
        for days, since in uptime_from.items():
            recent = [good for at, good in series if at > since]
            uptime[days] = (sum(recent), len(recent))
        history = SiteHistory(slug, name, cells, counts, assess(series, thresholds), uptime)
        endpoints = sorted(by_site.get(sid, []), key=lambda e: (order.get(endpoint_names[e][0], len(order)), endpoint_names[e][0]))
        for endpoint in endpoints:
            ekey, epath = endpoint_names[endpoint]
            seen = [views[pair] if pair is not None else None for pair in cells_of[(sid, endpoint)]]
            states = [v[0] if v else None for v in seen]
            since, streak, whole = since_same(list(zip(times, states, strict=True)))
            history.endpoints.append(EndpointHistory(
                ekey, paths.get(ekey) or epath, states, [v[2] if v else None for v in seen],
                assess([(at, v[1] if v else None) for at, v in zip(times, seen, strict=True)], thresholds),
                since, streak, whole and older))
        report.sites.append(history)
    return report
