"""``--history PATH`` in a pytest run: a plugin object on the controller that records the run
once results.json is written and gives the reports its history, then says so in one line."""

from __future__ import annotations

from typing import Any

import pytest

from ._record import Recorded, record
from ._timeline import Thresholds
from ._view import HistoryReport


class HistoryRecorder:
    """Implements ``pytest_relaycompat_history`` (relaycompat/_hookspecs.py) for one run."""

    def __init__(self, path: str, thresholds: Thresholds, keep_days: float | None) -> None:
        self.path = path
        self.thresholds = thresholds
        self.keep_days = keep_days
        self.recorded: Recorded | None = None

    @classmethod
    def from_config(cls, config: pytest.Config) -> HistoryRecorder:
        o = config.option
        thresholds = Thresholds(o.history_down_after, o.history_up_after, o.history_flapping)
        return cls(o.history, thresholds, o.history_keep_days)

    @pytest.hookimpl
    def pytest_relaycompat_history(self, results: dict[str, Any]) -> HistoryReport:
        self.recorded = record(self.path, results, thresholds=self.thresholds, keep_days=self.keep_days)
        return self.recorded.report

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.recorded is not None:
            problem = self.recorded.report.problem is not None
            terminalreporter.write_line(f"relaycompat: {self.recorded.line()}", yellow=problem, bold=problem)
