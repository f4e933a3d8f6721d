"""Where and in which order the suite's tests run (relaycompat/_order.py), and their reports.

* ``-n auto`` on a run of the suite alone starts no xdist worker; ``-n 2`` and
  ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still distribute, and a worker gets the controller's
  traceback style;
* without workers, each site's tests run as soon as its record is stored, not endpoint by
  endpoint behind the slowest site;
* a one-line failure is reported exactly as pytest reports it, without the walk of its traceback.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO_ROOT

# "slow" answers every request after 1.5 s and comes first in the file (and in each endpoint's
# tests); "fast" answers at once.
SITES = """
sites:
  - {name: Slow, id: slow, emulate: new-api-legacy, backend: new-api, user_id: 31, access_token: order-slow-token-0001, latency_ms: 1500}
  - {name: Fast, id: fast, emulate: stale-token, backend: new-api, user_id: 32, access_token: order-fast-token-0002}
"""
ENDPOINTS = "api_status or api_log_self_stat or api_token_p0"


def _run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    sites = tmp_path / "sites.yaml"
    sites.write_text(SITES, encoding="utf-8")
    command = [sys.executable, "-m", "pytest", "tests", f"--sites={sites}", f"--report-dir={tmp_path / 'reports'}",
               "-p", "no:cacheprovider", "-k", ENDPOINTS, *args]
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_XDIST_AUTO_NUM_WORKERS")}
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                          env={**environ, "COLUMNS": "200", **(env or {})})


def _ran(stdout: str) -> list[str]:
    """The node ids of the verbose output, in the order their results were printed."""
    return re.findall(r"(test_\w+\[(?:slow|fast)\])", stdout)


def test_auto_runs_the_suite_alone_in_one_process_each_site_as_soon_as_it_is_probed(tmp_path: Path) -> None:
    done = _run(tmp_path, "-n", "auto", "-v")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert "[gw0]" not in done.stdout and "workers" not in done.stdout.split("\n\n", 1)[0]
    ran = _ran(done.stdout)
    assert len(ran) == 6
    # pytest's own order would be test_api_status[slow] first, waiting for the slow site
    assert [name.endswith("[fast]") for name in ran] == [True] * 3 + [False] * 3, ran


def test_n_and_the_environment_still_distribute_and_workers_take_the_controllers_tbstyle(tmp_path: Path) -> None:
    options = tmp_path / "options"
    options.mkdir()
    plugin = ["-p", "testing.core._worker_options"]
    env = {"RELAYCOMPAT_TEST_OPTIONS": str(options)}
    done = _run(tmp_path, "-n", "2", "-v", *plugin, env=env)
    assert "[gw0]" in done.stdout or "[gw1]" in done.stdout, done.stdout[-2000:]
    # the suite alone gets --tb=no on the controller: a worker builds no failure summary either
    assert sorted(p.read_text() for p in options.iterdir()) == ["no", "no"]
    for path in options.iterdir():
        path.unlink()
    done = _run(tmp_path, "-n", "auto", "-v", "--tb=long", *plugin, env={**env, "PYTEST_XDIST_AUTO_NUM_WORKERS": "2"})
    assert "[gw0]" in done.stdout or "[gw1]" in done.stdout, done.stdout[-2000:]
    assert sorted(p.read_text() for p in options.iterdir()) == ["long", "long"]
    assert "= FAILURES =" in done.stdout


ONE_LINE = '''
import pytest

def test_endpoint():
    pytest.fail("auth_rejected: HTTP 401: refused", pytrace=False)

def test_plain():
    pytest.fail("auth_rejected: HTTP 401: refused", pytrace=False)

def test_endpoint_with_traceback():
    assert 1 == 2
'''
# The endpoint mark, given after parametrization (the suite's own parametrization needs its sites).
MARK = '''
import pytest

def pytest_collection_modifyitems(items):
    for item in items:
        if item.name.startswith("test_endpoint"):
            item.add_marker(pytest.mark.relaycompat_endpoint("x"))
'''


@pytest.mark.parametrize("style", ["auto", "long", "short", "line", "no"])
def test_a_one_line_failure_reads_as_pytest_writes_it(pytester: pytest.Pytester, style: str) -> None:
    pytester.makeini("[pytest]\nmarkers =\n    relaycompat_endpoint: an endpoint test\n")
    pytester.makepyfile(test_one_line=ONE_LINE)
    pytester.makeconftest(MARK)
    reprec = pytester.inline_run("test_one_line.py", "-rf", f"--tb={style}", "-p", "no:cacheprovider")
    reports = {r.nodeid.rsplit("::", 1)[1]: r for r in reprec.getreports("pytest_runtest_logreport") if r.when == "call"}
    ours, pytests = reports["test_endpoint"], reports["test_plain"]
    assert ours.failed and pytests.failed
    assert ours.longreprtext == pytests.longreprtext == "auth_rejected: HTTP 401: refused"
    assert ours.longrepr.reprcrash.message == pytests.longrepr.reprcrash.message
    assert ours.duration == pytest.approx(pytests.duration, abs=0.5)
    assert ours.head_line == "test_endpoint" and ours.location == ("test_one_line.py", 2, "test_endpoint")
    # a real traceback (a bug in the check, not a verdict) keeps pytest's own report
    assert "assert 1 == 2" in reports["test_endpoint_with_traceback"].longreprtext
