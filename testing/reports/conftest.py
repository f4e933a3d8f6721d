"""Fixtures of the report tests: the project's catalogue and the sample's recordings as results."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from relaycompat import Catalogue
from relaycompat.reports import results_from_recordings

from ..conftest import run_once
from ._hostile import run_hostile_suite


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's own CI must not get these tests' reports in its job summary."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture(scope="session")
def _sample_results(recordings: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    return results_from_recordings(recordings, catalogue=catalogue)


@pytest.fixture
def sample_results(_sample_results: dict[str, Any]) -> dict[str, Any]:
    """The sample report's 21 sites as a results document (a fresh copy per test)."""
    return copy.deepcopy(_sample_results)


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The reports of one suite run against hostile markup (see ``_hostile``), made once per run."""
    return run_once(tmp_path_factory, "hostile", run_hostile_suite)
