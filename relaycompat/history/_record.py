"""Record a run and build what its reports show, never failing the run: a history file that
cannot be used becomes one line (:attr:`HistoryReport.problem`), and the reports go on."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._store import Appended, HistoryError, HistoryStore
from ._timeline import Thresholds
from ._view import HistoryReport, build_history


@dataclass
class Recorded:
    """A recording: what the reports show, what was appended, and how long each part took."""

    report: HistoryReport
    appended: Appended | None = None
    append_seconds: float = 0.0
    view_seconds: float = 0.0

    def line(self) -> str:
        """The one line the terminal (or the command) prints about it."""
        if self.report.problem:
            return f"history not recorded: {self.report.problem}"
        a = self.appended
        assert a is not None
        if a.already_recorded:
            what = f"run {a.key} was already recorded"
        else:
            what = f"recorded run {a.key} ({a.new_probes} probes of {a.new_sites} sites)"
        pruned = f", pruned {a.pruned_runs} old runs" if a.pruned_runs else ""
        return f"history: {what} in {self.report.path}{pruned} ({self.append_seconds + self.view_seconds:.2f} s)"


def record(path: str | Path, results: Mapping[str, Any], *, thresholds: Thresholds | None = None,
           keep_days: float | None = None, append: bool = True) -> Recorded:
    """Append ``results`` to the history at ``path`` (unless ``append`` is false) and build its view."""
    thresholds = thresholds or Thresholds()
    try:
        with HistoryStore(path, create=append) as store:
            started = time.perf_counter()
            appended = store.append(results, keep_days=keep_days) if append else None
            middle = time.perf_counter()
            report = build_history(store, results, thresholds)
            report.already_recorded = bool(appended and appended.already_recorded)
            return Recorded(report, appended, middle - started, time.perf_counter() - middle)
    except HistoryError as exc:
        problem = str(exc)
    except (sqlite3.Error, OSError) as exc:
        problem = (f"{path}: {type(exc).__name__}: {exc}; the file may be damaged: move it away "
                   "(a new one is started) or give another --history path")
    return Recorded(HistoryReport(str(path), thresholds, problem=problem.replace("\n", " ")))
