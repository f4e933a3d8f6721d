"""Hooks the suite calls on the controller at the end of a run, for plugins that build on it.

Implement them in a ``conftest.py`` or a plugin (as pytest-html's and pytest-xdist's hooks).
Both run only when the run completed (not after Ctrl-C or SIGTERM), in this order, between
"the results are built" and "the output set is put in place" (docs/architecture.md):

    pytest_relaycompat_results(session)          results built; amend or record them
    pytest_relaycompat_outputs(session, folder)  the suite wrote results.json and its reports
                                                 into ``folder``; write more files there
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._session import CompatSession

hookspec = pytest.hookspec


@hookspec
def pytest_relaycompat_results(session: CompatSession) -> None:
    """``session.results`` (what results.json will hold) is built; nothing is written yet.

    Add to it (per-site advice), or record it elsewhere (a history store). Evidence (request and
    response of each probe) is still in it; it is dropped once the reports are rendered.
    """


@hookspec
def pytest_relaycompat_outputs(session: CompatSession, folder: Path) -> None:
    """Write files of this run's output set into ``folder`` (subfolders allowed).

    ``folder`` is the staging folder of the set: results.json, report.md and summary.html are
    already in it, and pytest-html's report.html follows. Everything in it replaces the previous
    set together, or (interrupted, failed) nothing does; never write into the report folder itself.
    """
