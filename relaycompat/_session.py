"""The controller's view of one run: what every part of it reads, and what they add to it.

:class:`CompatSession` holds no hooks. The parts that do the work are plugin objects of their
own, registered by ``plugin.py`` beside it (as pytest-xdist registers its ``DSession`` and
pytest-html its report):

    Probing        _probing.py   the fleet and the prober: selected endpoints -> site records
    Outcomes       _outcomes.py  test reports -> the outcome of each (site, endpoint)
    Writing        _writing.py   the end of the run: results built -> outputs written -> set in place
    TerminalNotes  _terminal.py  the suite's lines at the end of the terminal output
    HtmlReport     reports/_html.py  pytest-html's columns, summary and evidence

Plugins of other features read this object (``config.pluginmanager.get_plugin(SESSION)``, or
the ``session`` argument of the hooks in :mod:`relaycompat._hookspecs`): ``settings``, ``sites``,
``catalogue``, ``redactor``, ``baseline``, ``record(slug)`` during the run, and ``results``
once built. docs/architecture.md has the order of the end of a run.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

import pytest

from ._catalogue import Catalogue
from ._config import Settings
from ._redact import Redactor
from ._results import build_results
from ._schemas import SchemaSet
from ._sites import Site
from ._state import SuiteState
from ._text import safe_text
from ._verdicts import OK, SCHEMA_MISMATCH

if TYPE_CHECKING:
    from ._outputs import OutputSet

#: The name the session is registered under (``config.pluginmanager.get_plugin(SESSION)``).
SESSION = "relaycompat-session"
_NODE_ID = re.compile(r"::(test_\w+)\[(.+)\]$")


class CompatSession:
    """One run, seen from the process that owns the credentials."""

    def __init__(self, config: pytest.Config, state: SuiteState, sites: tuple[Site, ...], schemas: SchemaSet,
                 *, baseline: dict[str, Any] | None = None, outputs: OutputSet | None = None) -> None:
        self.config = config
        self.state = state
        self.settings: Settings = state.settings
        self.catalogue: Catalogue = state.catalogue
        self.sites: dict[str, Site] = {site.slug: site for site in sites}
        self.schemas = schemas
        self.redactor = Redactor(secret for site in sites for secret in site.secrets)
        #: The earlier results.json given as --baseline, parsed and checked at start-up.
        self.baseline = baseline
        #: Where this run's output set is staged (None when it writes none: --collect-only …).
        self.outputs = outputs
        #: (site slug, endpoint id) -> {"outcome", "message"}, filled by Outcomes.
        self.outcomes: dict[tuple[str, str], dict[str, Any]] = {}
        #: slug -> full stored record (evidence included), read on demand from the run store.
        self.records: dict[str, dict[str, Any]] = {}
        #: What results.json holds, once built at the end of the run (None before, or if interrupted).
        self.results: dict[str, Any] | None = None
        #: One-line problems of the run as a whole, for the terminal (already masked and safe).
        self.problems: list[str] = []
        self.interrupted = False
        self.started_at = time.time()
        self.probe_seconds: float | None = None
        #: What the reports show of the history (``--history``; relaycompat/history/), else ``None``.
        self.history: Any = None
        self._endpoint_by_test = {e.test_name: e.id for e in self.catalogue}

    def test_key(self, nodeid: str) -> tuple[str, str] | None:
        """``(site slug, endpoint id)`` of a suite test's node id, else None."""
        match = _NODE_ID.search(nodeid)
        endpoint = self._endpoint_by_test.get(match.group(1)) if match else None
        if match is None or endpoint is None or match.group(2) not in self.sites:
            return None
        return match.group(2), endpoint

    def problem(self, text: str) -> str:
        """Record a problem of the run (masked, made terminal-safe); return the line."""
        line = safe_text(self.redactor.text(text))
        self.problems.append(line)
        return line

    def record(self, slug: str) -> dict[str, Any] | None:
        """The full stored record of a probed site (``None`` until the prober has written it)."""
        if slug not in self.records:
            try:
                self.records[slug] = self.state.store.read_full(slug)
            except FileNotFoundError:
                return None
        return self.records[slug]

    def build_results(self) -> dict[str, Any]:
        """``self.results`` from the records and outcomes: what results.json will hold."""
        records = [record for record in (self.record(slug) for slug in self.sites) if record is not None]
        self.results = build_results(records, self.outcomes, self.catalogue, run=self.run_info(), manifests=self.state.manifests)
        return self.results

    def release_evidence(self) -> None:
        """Drop request and response of every probe: what is left to render (pytest-html's
        summary) needs verdicts, not bodies, and it is built at the run's peak of memory."""
        self.records.clear()
        if self.results is not None:
            self.results = {**self.results, "sites": [
                {**site, "probes": [{k: v for k, v in p.items() if k not in ("request", "response")} for p in site["probes"]]}
                for site in self.results["sites"]]}

    def run_info(self) -> dict[str, Any]:
        s = self.settings
        return {
            "run_id": s.run_id,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started_at)),
            "allow_mutating": s.allow_mutating,
            "shard": list(s.shard) if s.shard else None,
            "report_lang": s.report_lang,
            "probe_seconds": round(self.probe_seconds, 3) if self.probe_seconds is not None else None,
            "rotated_tokens": [slug for slug, record in self.records.items()
                               if any(p["verdict"] in (OK, SCHEMA_MISMATCH) for p in record.get("probes", [])
                                      if self.catalogue.by_id(p["id"]).mutating)],
        }
