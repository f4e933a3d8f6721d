"""A pytest plugin the lifecycle tests load into the suite's run (``-p testing.robustness._running``).

Each process, as it starts a test, writes the test's node id into a file named by its pid in
``$RELAYCOMPAT_TEST_RUNNING``: so a test can kill an xdist worker while it is inside a test,
not while it collects or waits for work.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_runtest_call(item: pytest.Item) -> None:
    folder = os.environ.get("RELAYCOMPAT_TEST_RUNNING")
    if folder:
        (Path(folder) / str(os.getpid())).write_text(item.nodeid, encoding="utf-8")
