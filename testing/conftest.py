"""Fixtures for the project's own tests: recorded bodies, emulated sites, and whole suite runs.

Everything here talks to loopback only. ``run_suite`` runs the real suite (``pytest tests/``)
in a subprocess against a site file written by the test, the way users run it.
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from relaycompat._catalogue import Catalogue, load_catalogue
from relaycompat.emulator import Fleet, SiteSpec

from ._browser import browser  # noqa: F401  (a fixture for every test)

T = TypeVar("T")

pytest_plugins = ["pytester"]
#: The user property under which a test reports a benchmark figure (printed, never asserted).
BENCHMARK = "benchmark"

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).with_name("data")
#: The suite's catalogue: tests count on it rather than on a number that grows with it.
CATALOGUE = load_catalogue(REPO_ROOT / "tests" / "endpoints.yaml")
#: Endpoints a run calls by default (none with a side effect).
CALLED_BY_DEFAULT = [e for e in CATALOGUE if not e.mutating]

# The suite runs these tests start would append their summaries to the job summary of the CI
# that runs the project's own tests; tests that check the step summary set their own file.
os.environ.pop("GITHUB_STEP_SUMMARY", None)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The suite's endpoint catalogue (tests/endpoints.yaml), loaded once."""
    return CATALOGUE


@pytest.fixture(scope="session")
def recordings() -> dict[str, Any]:
    """The sample report's recordings (21 real sites, 2025-12-15), parsed."""
    return json.loads((DATA / "recordings.json").read_text(encoding="utf-8"))


@contextmanager
def serve(*specs: SiteSpec, latency_ms: float | None = None) -> Iterator[Fleet]:
    """Run emulated sites in a background thread; ``fleet.urls[slug]`` is each site's URL."""
    with Fleet(list(specs), latency_ms=latency_ms).running() as fleet:
        yield fleet


@pytest.fixture
def emulate():
    """``emulate(profile, **account)`` → the URL of a one-site fleet of that profile (closed at teardown)."""
    stack: list[Any] = []

    def start(profile: str, *, name: str | None = None, **account: Any) -> str:
        spec = SiteSpec(name or profile, "site", profile, **account)
        context = serve(spec)
        fleet = context.__enter__()
        stack.append(context)
        start.fleet = fleet  # type: ignore[attr-defined]
        return fleet.urls["site"]

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


@dataclass
class SuiteRun:
    returncode: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def results(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "results.json").read_text(encoding="utf-8"))

    def probe(self, site_slug: str, endpoint_path: str) -> dict[str, Any]:
        site = next(s for s in self.results["sites"] if s["slug"] == site_slug)
        return next(p for p in site["probes"] if p["endpoint"] == endpoint_path)

    def output_files(self) -> list[Path]:
        return [p for p in self.report_dir.rglob("*") if p.is_file()]


@pytest.fixture
def run_suite(tmp_path: Path):
    """``run_suite(sites_yaml, *pytest_args, env=None)`` runs ``pytest tests/`` in a subprocess."""

    def run(sites_yaml: str, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> SuiteRun:
        sites = tmp_path / "sites.yaml"
        sites.write_text(sites_yaml, encoding="utf-8")
        report_dir = tmp_path / "reports"
        command = [sys.executable, "-m", "pytest", "tests", f"--sites={sites}", f"--report-dir={report_dir}",
                   "-p", "no:cacheprovider", "-q", *args]
        completed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
                                   env={**os.environ, **(env or {})})
        return SuiteRun(completed.returncode, completed.stdout, completed.stderr, report_dir)

    return run


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures tests recorded with ``record_property("benchmark", …)`` (any xdist worker)."""
    figures = [str(value) for reports in terminalreporter.stats.values() for report in reports
               for name, value in getattr(report, "user_properties", ()) if name == BENCHMARK
               and getattr(report, "when", "call") == "call"]
    if figures:
        terminalreporter.write_sep("-", "benchmark figures (printed, not asserted)")
        for figure in figures:
            terminalreporter.write_line(f"benchmark: {figure}")


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
