"""pytest-html, made a relaycompat report: sortable columns, the summary, and evidence per test.

A plugin object registered on the controller only (pytest-html's report exists only there). It

* adds sortable columns ``site``, ``backend``, ``endpoint``, ``verdict``, ``status`` and
  ``latency`` (the ``col-<name>`` class of each cell matches the ``data-column-type`` of its
  header, which is how pytest-html's sorter finds the value; hidden sort keys make numbers and
  verdicts sort by value, not by text);
* puts the summary (changes, totals, per-backend figures, the sites broken first, the matrix)
  at the top;
* links each test to its probe in the site's details page;
* up to ROW_BUDGET tests, shows a row per test with its evidence inline; beyond, one row per
  site and failing verdict (the first such test; passes, expected absences and skips are in the
  summary, results.json and the details pages), since pytest-html builds every row in the
  browser at every opening and every sort: 19 000 rows took a minute to open, 4 000 rows 7 s
  (docs/performance.md);
* keeps passed, xfailed and skipped rows collapsed unless ``render_collapsed`` is configured.

report.html is written into the run's staging folder and lands with the rest of the output
set, masked once more on the way (relaycompat/_writing.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pytest_html import extras

from .._config import executes_tests
from .._results import outcome_of
from .._suite import probe_key
from .._verdicts import VERDICTS
from ._changes import changes_since
from ._facts import detected_backend, probe_state
from ._html import detail_href, evidence_html, h, summary_html
from ._text import Labels, latency_text, status_text

if TYPE_CHECKING:
    from .._session import CompatSession

COLUMNS = ("site", "backend", "endpoint", "verdict", "status", "latency")
#: Rows rendered collapsed when the project does not set render_collapsed (pytest-html's default is "passed").
COLLAPSED = ["passed", "xfailed", "skipped"]
#: Up to this many planned tests, a row per test with its evidence; beyond, folded rows with links.
ROW_BUDGET = 2000


def _sort_key(text: str) -> str:
    return f'<span class="rc-sortkey" hidden>{h(text)}</span>'


def html_defaults(config: pytest.Config, report_dir: Path) -> None:
    """Unless the user chose ``--html``: a self-contained ``<report_dir>/report.html``; add our CSS.

    Not when no test executes (``--collect-only`` …): nothing is probed then, and the last run's
    reports stay as they are.
    """
    option = config.option
    if not hasattr(option, "htmlpath"):
        return
    if not option.htmlpath and executes_tests(option):
        option.htmlpath = str(report_dir / "report.html")
        option.self_contained_html = True
    css = str(Path(__file__).with_name("data") / "report.css")
    if css not in option.css:
        option.css.append(css)


class HtmlReport:
    """pytest-html hooks for one run; reads the controller's :class:`CompatSession`."""

    def __init__(self, session: CompatSession) -> None:
        self.session = session
        self.labels = Labels(session.settings.report_lang)
        self.planned = len(session.state.sites) * len(session.catalogue)
        self.folded = self.planned > ROW_BUDGET
        self.rows = 0
        self._shown: set[tuple[str, str]] = set()

    def _keeps_row(self, report: pytest.TestReport, probe: dict[str, Any] | None, site: str | None) -> bool:
        """In a folded report: a row for the first test of a site that fails (or passes
        unexpectedly) with a given verdict, none for the others."""
        outcome = outcome_of(report)
        if outcome not in ("failed", "error", "xpassed"):
            return False
        key = (site or report.nodeid, f"{outcome}:{(probe or {}).get('verdict')}")
        if key in self._shown:
            return False
        self._shown.add(key)
        return True

    # ---- lookups ----------------------------------------------------------------------------
    def _lookup(self, report: pytest.TestReport) -> tuple[dict[str, Any] | None, dict[str, Any] | None, bool]:
        """``(site record, probe with this report's outcome, is_suite_test)`` of a report."""
        key = probe_key(report)
        if key is None:
            return None, None, False
        record = self.session.record(key[0])
        if record is None:
            return None, None, True
        probe = next((p for p in record.get("probes", []) if p.get("id") == key[1]), None)
        return record, (None if probe is None else {**probe, "outcome": outcome_of(report) or "passed"}), True

    # ---- pytest-html hooks ------------------------------------------------------------------
    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = self.labels("html_title")
        if self.session.config.getini("render_collapsed") == "passed":
            report.data["renderCollapsed"] = list(COLLAPSED)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        for offset, name in enumerate(COLUMNS, start=1):
            title = h(self.labels(f"html_col_{name}"))
            cells.insert(offset, f'<th class="sortable" data-column-type="{name}">{title}</th>')

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        record, probe, _ = self._lookup(report)
        key = probe_key(report)
        if self.folded and not self._keeps_row(report, probe, key[0] if key else None):
            cells.clear()  # pytest-html's documented way to leave a row out
            return
        self.rows += 1
        values = dict.fromkeys(COLUMNS, "")
        if record is not None:
            site, backend = record.get("site") or {}, record.get("backend") or {}
            values["site"] = h(site.get("name", ""))
            known = detected_backend(record)
            text = " ".join(str(x) for x in (known, backend.get("version")) if x)
            values["backend"] = h(text if known else self.labels("backend_unknown"))
        if probe is not None:
            state = probe_state(probe)
            verdict = str(probe.get("verdict"))
            rank = VERDICTS.index(verdict) if verdict in VERDICTS else len(VERDICTS)
            status, elapsed = probe.get("http_status"), probe.get("elapsed_ms")
            values["endpoint"] = f"<code>{h(probe.get('endpoint', ''))}</code>"
            values["verdict"] = f"{_sort_key(f'{rank:02d}')}{h(self.labels.symbol(state))} {h(verdict)}"
            values["status"] = _sort_key(f"{status:03d}" if isinstance(status, int) else "999") + h(status_text(status))
            values["latency"] = _sort_key(f"{elapsed:012.1f}" if elapsed is not None else "9" * 12) + h(latency_text(elapsed))
        for offset, name in enumerate(COLUMNS, start=1):
            cells.insert(offset, f'<td class="col-{name}">{values[name]}</td>')

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str],
                                    session: pytest.Session) -> None:
        results = getattr(self.session, "results", None)
        if results is None:
            return
        changes = changes_since(results, self.session.baseline)
        # a folded report is a large run's: its matrix is in summary.html, so this page stays light
        elsewhere = "summary.html" if self.folded else None
        history = getattr(self.session, "history", None)
        prefix.append(self.session.redactor.text(summary_html(results, self.labels, changes, history, matrix_elsewhere=elsewhere)))
        if self.folded:
            tests = sum(len(site.get("probes", [])) for site in results.get("sites", []))
            note = self.labels("html_folded", rows=self.rows, tests=tests)
            prefix.append(f'<p class="rc-warning rc-folded">{h(note)}</p>')

    # ---- evidence and the final scrub -------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and (report.when != "setup" or report.passed):
            return
        key = probe_key(report)
        if key is None:
            return
        attached = [extras.url(detail_href(key[0], key[1]), name=self.labels("html_details_link"))]
        if not self.folded:
            try:
                _, probe, _ = self._lookup(report)
                fragment = evidence_html(probe, self.labels, failed=report.failed)
            except Exception as exc:  # isolation: one test's evidence, not the report
                fragment = f'<p class="rc-note">{h(f"evidence not rendered: {type(exc).__name__}: {exc}")}</p>'
            attached.append(extras.html(self.session.redactor.text(fragment)))
        report.extras = [*getattr(report, "extras", []), *attached]  # type: ignore[attr-defined]
