"""pytest-html, made a relaycompat report: sortable columns, the summary, and evidence per test.

A plugin object registered on the controller only (pytest-html's report exists only there). It

* adds sortable columns ``site``, ``backend``, ``endpoint``, ``verdict``, ``status`` and
  ``latency`` (the ``col-<name>`` class of each cell matches the ``data-column-type`` of its
  header, which is how pytest-html's sorter finds the value; hidden sort keys make numbers and
  verdicts sort by value, not by text);
* puts the summary (changes, totals, per-backend figures, the site × endpoint matrix) at the top;
* attaches the probe's evidence to each test as an HTML extra, escaped and cut;
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
from .._suite import PROPERTY
from .._verdicts import VERDICTS
from ._describe import latency_text, status_text
from ._diff import changes_since
from ._escape import h
from ._evidence import body_limits, evidence_html
from ._labels import Labels
from ._states import detected_backend, probe_state
from ._summary_html import summary_html

if TYPE_CHECKING:
    from .._session import CompatSession

COLUMNS = ("site", "backend", "endpoint", "verdict", "status", "latency")
#: Rows rendered collapsed when the project does not set render_collapsed (pytest-html's default is "passed").
COLLAPSED = ["passed", "xfailed", "skipped"]


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
        self.body_limits = body_limits(len(session.state.sites) * len(session.catalogue))

    # ---- lookups ----------------------------------------------------------------------------
    def _lookup(self, report: pytest.TestReport) -> tuple[dict[str, Any] | None, dict[str, Any] | None, bool]:
        """``(site record, probe with this report's outcome, is_suite_test)`` of a report."""
        props: Any = dict(report.user_properties).get(PROPERTY)
        if not props:
            return None, None, False
        record = self.session.record(props["site"])
        if record is None:
            return None, None, True
        probe = next((p for p in record.get("probes", []) if p.get("id") == props["endpoint"]), None)
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
        history = getattr(self.session, "history", None)
        prefix.append(self.session.redactor.text(summary_html(results, self.labels, changes, history)))

    # ---- evidence and the final scrub -------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and (report.when != "setup" or report.passed):
            return
        try:
            record, probe, is_suite_test = self._lookup(report)
            if not is_suite_test:
                return
            fragment = evidence_html(probe, self.labels, failed=report.failed, limits=self.body_limits)
        except Exception as exc:  # isolation: one test's evidence, not the report
            fragment = f'<p class="rc-note">{h(f"evidence not rendered: {type(exc).__name__}: {exc}")}</p>'
        fragment = self.session.redactor.text(fragment)
        report.extras = [*getattr(report, "extras", []), extras.html(fragment)]  # type: ignore[attr-defined]
