"""Fixtures of the report tests: the project's catalogue and the sample's recordings as results."""

from __future__ import annotations

import copy
import fcntl
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from relaycompat import Catalogue, load_catalogue
from relaycompat.reports import results_from_recordings

from ..conftest import REPO_ROOT
from ._hostile import run_hostile_suite

T = TypeVar("T")


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's own CI must not get these tests' reports in its job summary."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(REPO_ROOT / "tests" / "endpoints.yaml")


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


def run_once(factory: pytest.TempPathFactory, key: str, run: Callable[[Path], T]) -> T:
    """``run(folder)`` once per test run, even when several xdist workers ask for it.

    The first worker runs it under a lock and leaves its pickled result beside the folder; the
    others wait for the lock and read that. (pytest-xdist docs, "Making session-scoped fixtures
    execute only once".)
    """
    uid = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if uid is None:
        return run(factory.mktemp(key))
    shared = factory.getbasetemp().parent / f"shared-{uid}"
    shared.mkdir(exist_ok=True)
    folder, result = shared / key, shared / f"{key}.pickle"
    with (shared / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            folder.mkdir()
            result.write_bytes(pickle.dumps(run(folder)))
    return pickle.loads(result.read_bytes())
