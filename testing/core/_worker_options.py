"""A pytest plugin the run-order tests load into the suite's run (``-p testing.core._worker_options``).

Each xdist worker writes, as its session ends, the traceback style it ran with into a file named
by its pid in ``$RELAYCOMPAT_TEST_OPTIONS``: what the worker's failure reports and terminal
summary were built with, which the controller's output does not show.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_sessionfinish(session: pytest.Session) -> None:
    folder = os.environ.get("RELAYCOMPAT_TEST_OPTIONS")
    if folder and hasattr(session.config, "workerinput"):
        (Path(folder) / str(os.getpid())).write_text(str(session.config.option.tbstyle), encoding="utf-8")
