"""Probing orchestration on the controller: the emulated fleet, the prober, its child processes.

A plugin object (registered by ``plugin.py``). It starts the emulated fleet when a site says
``emulate:``, starts the prober as soon as it knows which tests were collected (so a deselected
endpoint is never requested; docs/architecture.md, "When probing starts"), and hands workers
the secret-free state they need. At the end of the run :meth:`Probing.finish` waits for every
site's record (and names a dead emulator), or :meth:`Probing.stop` ends everything at once
(Ctrl-C, SIGTERM). Every child it starts also has a lifeline (:mod:`._children`), so none
outlives the run even when the controller is killed outright.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable
from typing import Any

import pytest

from ._config import executes_tests
from ._probe_process import ProbeProcess, process_count, split
from ._prober import SitePlan, probe_sites
from ._responses import failed_record
from ._session import CompatSession
from ._suite import PROPERTY
from .emulator._fleet import SiteSpec
from .emulator._process import FleetProcess


class Probing:
    """The fleet and the prober of one run."""

    def __init__(self, session: CompatSession) -> None:
        self.session = session
        self._thread: threading.Thread | None = None
        self._children: list[ProbeProcess] = []
        self._lock = threading.Lock()
        emulated = [SiteSpec.from_site(site) for site in session.sites.values() if site.emulate]
        runs = executes_tests(session.config.option)
        self.fleet = FleetProcess(emulated, stats_dir=session.state.store.root) if emulated and runs else None

    @property
    def started(self) -> bool:
        return self._thread is not None

    def done(self) -> bool:
        """No record will be stored any more: the prober finished, or never started."""
        return self._thread is None or not self._thread.is_alive()

    # ---- selection -----------------------------------------------------------------------------
    def selection_from_ids(self, nodeids: Iterable[str]) -> dict[str, set[str]]:
        selected: dict[str, set[str]] = {}
        for nodeid in nodeids:
            key = self.session.test_key(nodeid)
            if key is not None:
                selected.setdefault(key[0], set()).add(key[1])
        return selected

    def full_selection(self) -> dict[str, set[str]]:
        return {slug: {e.id for e in self.session.catalogue} for slug in self.session.sites}

    def start(self, selected: dict[str, set[str]]) -> None:
        """Probe ``selected`` (slug -> endpoint ids), once; nothing selected, nothing probed
        (and the previous outputs stay)."""
        with self._lock:
            if self._thread is not None or not selected:
                return
            self._thread = threading.Thread(target=self._probe, args=(selected,), name="relaycompat-prober", daemon=True)
            self._thread.start()

    # ---- the prober thread ---------------------------------------------------------------------
    def _plans(self, selected: dict[str, set[str]]) -> list[SitePlan]:
        urls = self.fleet.urls() if self.fleet is not None else {}
        control = self.fleet.control_url if self.fleet is not None else None
        sites, plans = self.session.sites, []
        for slug, site in sites.items():
            if slug not in selected:
                continue
            if site.emulate:
                site = sites[slug] = site.with_url(urls[slug])
            endpoints = tuple(e for e in self.session.catalogue if e.id in selected[slug])
            plans.append(SitePlan(site, endpoints, control if site.emulate else None))
        return plans

    def _probe(self, selected: dict[str, set[str]]) -> None:
        """Probe in one child process per core, or here for a small fleet (docs/performance.md)."""
        session, started = self.session, time.perf_counter()
        store = session.state.store
        try:
            plans = self._plans(selected)
            processes = process_count(plans)
            if processes == 0:
                asyncio.run(probe_sites(plans, session.settings, session.catalogue, session.schemas, session.redactor,
                                        store.write_site))
            for share in split(plans, processes) if processes else []:
                self._children.append(ProbeProcess(share, session.settings, store.root))
            problems: dict[str, str | None] = {}
            for child in self._children:
                problem = child.wait()
                problems.update((plan.site.slug, problem) for plan in child.plans)
            for plan in plans:  # a site whose record could not be stored still gets one saying so
                if not store.has_site(plan.site.slug):
                    store.write_site(plan.site.slug, failed_record(
                        plan.site, problems.get(plan.site.slug) or "the prober stored no record for this site", session.redactor))
        except BaseException as exc:  # the waiting tests say it, one line each; the summary repeats it
            store.fail(session.problem(f"the prober stopped: {type(exc).__name__}: {exc}"))
        finally:
            session.probe_seconds = time.perf_counter() - started

    # ---- the end ------------------------------------------------------------------------------
    def finish(self) -> None:
        """Wait for the prober, stop the fleet, load every record (with the fleet's statistics,
        or why the fleet died)."""
        session = self.session
        if self._thread is not None:
            self._thread.join()
        death = self.fleet.death() if self.fleet is not None else None
        stats = self.fleet.stop() if self.fleet is not None else {}
        self.fleet = None
        if death:
            session.problem(f"{death}: its sites could not be probed after that (their probes say so)")
        for slug, site in session.sites.items():
            record = session.record(slug)
            if record is not None and site.emulate:
                record["emulator"] = stats.get(slug) or ({"error": death} if death else None)

    def stop(self) -> None:
        """End every child at once (an interrupted run); idempotent."""
        for child in self._children:
            child.kill()
        if self.fleet is not None:
            self.fleet.stop()
            self.fleet = None

    # ---- hooks --------------------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if executes_tests(self.session.config.option):
            self.start(self.selection_from_ids(item.nodeid for item in session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        # A worker parses the command line afresh, without the compact terminal defaults
        # (relaycompat/_summary.py); it gets the controller's traceback style, which shapes its
        # reports, and with it skips the failure summary nobody sees (pytest builds it in
        # quadratic time: ~11 s per worker at 500 sites, docs/performance.md).
        tbstyle = self.session.config.option.tbstyle
        node.workerinput[PROPERTY] = {**self.session.state.to_workerinput(), "tbstyle": tbstyle}

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if executes_tests(self.session.config.option):
            self.start(self.selection_from_ids(ids))

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.stop()  # nothing may outlive the run
