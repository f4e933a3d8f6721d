"""Outcome collection on the controller: what pytest concluded for each (site, endpoint).

A plugin object (registered by ``plugin.py``) reading every test report, from this process or
any xdist worker. A test's outcome is its call phase's, or the failing/skipping phase before
or after it (xfail-aware, :func:`~._results.outcome_of`). A test whose xdist worker died under
it (``kill -9``, out of memory) gets the report xdist makes for it ("worker 'gw0' crashed while
running …", phase ``???``, without the test's properties): it is found by its node id and
counts as failed, as the terminal says. Whatever a report holds, reading it must not stop the
run: a report that cannot be read is recorded as an error of that test, with the reason.
"""

from __future__ import annotations

import pytest

from ._results import outcome_of
from ._session import CompatSession
from ._suite import probe_key
from ._text import safe_text


def _message(report: pytest.TestReport) -> str | None:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if hasattr(report, "wasxfail") and report.skipped:
        return str(report.wasxfail) or None
    text = report.longreprtext.strip() if report.longrepr else ""
    return text.splitlines()[-1] if text else None


class Outcomes:
    """Fills ``session.outcomes`` from the test reports."""

    def __init__(self, session: CompatSession) -> None:
        self.session = session

    def _key(self, report: pytest.TestReport) -> tuple[str, str] | None:
        return probe_key(report) or self.session.test_key(report.nodeid)  # a crash report carries no properties

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        try:
            self._collect(report)
        except Exception as exc:  # isolation: one unreadable report must not stop the run
            key = self._key(report)
            if key is not None:
                self.session.outcomes[key] = {"outcome": "error", "message": safe_text(
                    f"the suite could not read this test's report: {type(exc).__name__}: {exc}")}

    def _collect(self, report: pytest.TestReport) -> None:
        key = self._key(report)
        outcome = outcome_of(report)
        if key is None or outcome is None:
            return
        if report.when == "call" or outcome != "passed" or key not in self.session.outcomes:
            message = _message(report)
            self.session.outcomes[key] = {"outcome": outcome,
                                          "message": safe_text(self.session.redactor.text(message)) if message else None}

