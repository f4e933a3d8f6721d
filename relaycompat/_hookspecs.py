"""The hooks relaycompat adds to pytest's (registered by plugin.py in ``pytest_addhooks``)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.hookspec(firstresult=True)
def pytest_relaycompat_history(results: dict[str, Any]) -> Any:
    """Called on the controller once results.json is written, before the reports: record the
    run in the history and return what the reports show of it (a
    ``relaycompat.reports._history_part.HistoryPart``), or ``None`` for no history part.
    The first implementation that returns something wins."""
