"""The hooks relaycompat adds to pytest's (registered by plugin.py in ``pytest_addhooks``).

Implement them in a ``conftest.py`` or a plugin (as pytest-html's and pytest-xdist's hooks).
All run on the controller at the end of a run that completed (not after Ctrl-C or SIGTERM), in
this order, between "the results are built" and "the output set is put in place"
(docs/architecture.md, "The end of a run, in order"):

    pytest_relaycompat_results(session)          results built; amend them (advice) before anything is written
    pytest_relaycompat_history(results)          record the run in the history; return its part of the reports
    pytest_relaycompat_outputs(session, folder)  the suite wrote results.json and its reports into
                                                 ``folder``; write more files of the set there
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._session import CompatSession


@pytest.hookspec
def pytest_relaycompat_results(session: CompatSession) -> None:
    """``session.results`` (what results.json will hold) is built; nothing is written yet.

    Add to it (per-site advice). Evidence (request and response of each probe) is still in it;
    it is dropped once the reports are rendered.
    """


@pytest.hookspec(firstresult=True)
def pytest_relaycompat_history(results: dict[str, Any]) -> Any:
    """Called once results are built, before anything is written: record the run in the
    history and return what the reports show of it (a
    ``relaycompat.reports._history_part.HistoryPart``), or ``None`` for no history part.
    The first implementation that returns something wins."""


@pytest.hookspec
def pytest_relaycompat_outputs(session: CompatSession, folder: Path) -> None:
    """Write files of this run's output set into ``folder`` (subfolders allowed).

    ``folder`` is the staging folder of the set: results.json, report.md and summary.html are
    already in it, and pytest-html's report.html follows. Everything in it replaces the previous
    set together, or (interrupted, failed) nothing does; never write into the report folder itself.
    """
