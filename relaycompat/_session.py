"""The controller side of a run: fleet, prober, outcomes, results.json.

Registered as a plugin object on the controller (or the only process without xdist). It starts
the emulated fleet when a site says ``emulate:``, starts the prober as soon as it knows which
tests were collected (so deselected endpoints are never requested), collects the outcome of
every test from its report, and writes ``results.json`` at the end. Workers only read the store.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import threading
import time
from collections.abc import Iterable
from typing import Any

import pytest

from ._catalogue import Catalogue
from ._config import Settings, executes_tests
from ._probe_process import ProbeProcess, process_count, split
from ._prober import SitePlan, failed_record, probe_sites
from ._redact import Redactor
from ._results import build_results, outcome_of, write_json
from ._schemas import SchemaSet
from ._sites import Site
from ._state import SuiteState
from ._suite import PROPERTY, probe_key
from ._verdicts import OK, SCHEMA_MISMATCH
from .emulator._fleet import SiteSpec
from .emulator._process import FleetProcess
from .reports import write_reports
from .reports._changes import load_baseline

_NODE_ID = re.compile(r"::(test_\w+)\[(.+)\]$")


class CompatSession:
    """One run, seen from the process that owns the credentials."""

    def __init__(self, config: pytest.Config, state: SuiteState, sites: tuple[Site, ...], schemas: SchemaSet) -> None:
        self.config = config
        self.state = state
        self.settings: Settings = state.settings
        self.catalogue: Catalogue = state.catalogue
        self.sites = {site.slug: site for site in sites}
        self.schemas = schemas
        self.redactor = Redactor(secret for site in sites for secret in site.secrets)
        self.outcomes: dict[tuple[str, str], dict[str, Any]] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.results: dict[str, Any] | None = None
        #: The baseline, parsed once for every report (left a path if it cannot be read: the
        #: reports then say why).
        self.baseline: dict[str, Any] | str | None = None
        self.probe_problem: str | None = None
        self.interrupted = False
        self._thread: threading.Thread | None = None
        self._children: list[ProbeProcess] = []
        self._lock = threading.Lock()
        self.started_at = time.time()
        self.probe_seconds: float | None = None
        emulated = [SiteSpec.from_site(site) for site in sites if site.emulate]
        self.fleet = FleetProcess(emulated) if emulated and executes_tests(config.option) else None

    # ---- selection and probing ----------------------------------------------------------------
    def selection_from_ids(self, nodeids: Iterable[str]) -> dict[str, set[str]]:
        by_test = {e.test_name: e.id for e in self.catalogue}
        selected: dict[str, set[str]] = {}
        for nodeid in nodeids:
            match = _NODE_ID.search(nodeid)
            if match and match.group(1) in by_test and match.group(2) in self.sites:
                selected.setdefault(match.group(2), set()).add(by_test[match.group(1)])
        return selected

    def full_selection(self) -> dict[str, set[str]]:
        return {slug: {e.id for e in self.catalogue} for slug in self.sites}

    def start_probing(self, selected: dict[str, set[str]]) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._probe, args=(selected,), name="relaycompat-prober", daemon=True)
            self._thread.start()

    def _plans(self, selected: dict[str, set[str]]) -> list[SitePlan]:
        urls = self.fleet.urls() if self.fleet is not None else {}
        plans = []
        for slug, site in self.sites.items():
            if slug not in selected:
                continue
            if site.emulate:
                site = site.with_url(urls[slug])
                self.sites[slug] = site
            endpoints = tuple(e for e in self.catalogue if e.id in selected[slug])
            plans.append(SitePlan(site, endpoints))
        return plans

    def _probe(self, selected: dict[str, set[str]]) -> None:
        """Probe in one child process per core, or here for a small fleet (docs/performance.md)."""
        started = time.perf_counter()
        store = self.state.store
        try:
            plans = self._plans(selected)
            processes = process_count(plans)
            if processes == 0:
                asyncio.run(probe_sites(plans, self.settings, self.catalogue, self.schemas, self.redactor, store.write_site))
            for share in split(plans, processes) if processes else []:
                self._children.append(ProbeProcess(share, self.settings, store.root))
            for child in self._children:
                problem = child.wait()
                for plan in child.plans:
                    if not store.has_site(plan.site.slug):
                        store.write_site(plan.site.slug, failed_record(plan.site, problem or "the probe process wrote no record", self.redactor))
            for plan in plans:
                self.record(plan.site.slug)
        except BaseException as exc:  # the waiting tests say it, one line each; the summary repeats it
            self.probe_problem = self.redactor.text(f"the prober stopped: {type(exc).__name__}: {exc}")
            store.fail(self.probe_problem)
        finally:
            self.probe_seconds = time.perf_counter() - started

    def record(self, slug: str) -> dict[str, Any] | None:
        """The full stored record of a probed site (``None`` until the prober has written it)."""
        if slug not in self.records:
            try:
                self.records[slug] = self.state.store.read_full(slug)
            except FileNotFoundError:
                return None
        return self.records[slug]

    # ---- hooks ----------------------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if executes_tests(self.config.option):
            self.start_probing(self.selection_from_ids(item.nodeid for item in session.items))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        key = probe_key(report)
        if key is None:
            return
        outcome = outcome_of(report)
        if outcome is None:
            return
        if report.when == "call" or outcome != "passed" or key not in self.outcomes:
            message = report.longreprtext.strip().splitlines()[-1] if report.longrepr else None
            if report.skipped and isinstance(report.longrepr, tuple):
                message = str(report.longrepr[2]).removeprefix("Skipped: ")
            elif hasattr(report, "wasxfail") and report.skipped:
                message = report.wasxfail or message
            self.outcomes[key] = {"outcome": outcome, "message": self.redactor.text(message) if message else None}

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self._thread is None:  # nothing was probed (--collect-only, nothing selected): keep the last results
            return
        if exitstatus == pytest.ExitCode.INTERRUPTED:  # Ctrl-C: stop at once, keep the last complete results
            self.interrupted = True
            self._stop_helpers()
            return
        self._thread.join()
        fleet_stats = self.fleet.stop() if self.fleet is not None else {}
        self.fleet = None
        for slug, stats in fleet_stats.items():
            if slug in self.records:
                self.records[slug]["emulator"] = stats
        records = [self.records[slug] for slug in self.sites if slug in self.records]
        self.results = build_results(records, self.outcomes, self.catalogue, run=self.run_info())
        write_json(self.settings.report_path / "results.json", self.results, scrub=self.redactor)
        if self.settings.baseline:
            document, problem = load_baseline(self.settings.baseline)
            self.baseline = self.settings.baseline if problem else document
        write_reports(self.results, self.settings.report_path, lang=self.settings.report_lang,
                      baseline=self.baseline, redactor=self.redactor)
        # What is left to render (pytest-html's summary) needs verdicts, not bodies: drop the
        # evidence before pytest-html builds its page, the run's peak of memory.
        self.records.clear()
        self.results = {**self.results, "sites": [
            {**site, "probes": [{k: v for k, v in p.items() if k not in ("request", "response")} for p in site["probes"]]}
            for site in self.results["sites"]]}

    def _stop_helpers(self) -> None:
        for child in self._children:
            child.kill()
        if self.fleet is not None:
            self.fleet.stop()
            self.fleet = None

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self._stop_helpers()  # nothing may outlive the run: probers, the fleet, the run store
        shutil.rmtree(self.state.store.root, ignore_errors=True)

    def run_info(self) -> dict[str, Any]:
        s = self.settings
        return {
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started_at)),
            "allow_mutating": s.allow_mutating,
            "shard": list(s.shard) if s.shard else None,
            "report_lang": s.report_lang,
            "probe_seconds": round(self.probe_seconds, 3) if self.probe_seconds is not None else None,
            "rotated_tokens": [slug for slug, record in self.records.items()
                               if any(p["verdict"] in (OK, SCHEMA_MISMATCH) for p in record.get("probes", [])
                                      if self.catalogue.by_id(p["id"]).mutating)],
        }

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.interrupted:
            terminalreporter.write_line("relaycompat: interrupted: results.json and the reports keep the last complete run",
                                        yellow=True)
            return
        if self.probe_problem:
            terminalreporter.write_line(f"relaycompat: {self.probe_problem}", red=True, bold=True)
        if self.results is None:
            return
        for slug in self.results["run"]["rotated_tokens"]:
            terminalreporter.write_line(
                f"WARNING: GET /api/user/token was called on {self.sites[slug].name!r}: its access token was "
                "rotated and the one in your site file no longer works; copy the new one from the dashboard",
                yellow=True, bold=True,
            )
        for site in self.results["sites"]:
            if (site.get("backend") or {}).get("mismatch"):
                terminalreporter.write_line(f"NOTE: {site['name']!r}: {site['backend']['mismatch']}", yellow=True)
        terminalreporter.write_sep("-", f"relaycompat results: {self.settings.report_path / 'results.json'}")


class XdistHooks:
    """Controller hooks that exist only when pytest-xdist distributes the run."""

    def __init__(self, session: CompatSession) -> None:
        self.session = session

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[PROPERTY] = self.session.state.to_workerinput()

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if executes_tests(self.session.config.option):
            self.session.start_probing(self.session.selection_from_ids(ids))
