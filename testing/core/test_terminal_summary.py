"""The end of a run in the terminal: one line per site instead of a block per failed test.

The suite run alone gets ``--tb=no -r E`` as defaults and prints every site once (broken first)
with its counts and the first thing to do; an explicit ``--tb``, ``-r`` (on the command line or
in PYTEST_ADDOPTS) keeps pytest's meaning, and runs that are not the suite alone are untouched.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from relaycompat._summary import _given

from ..conftest import REPO_ROOT

SITES = """
sites:
  - {name: Healthy legacy, id: healthy, emulate: new-api-legacy, backend: new-api, user_id: 21, access_token: terminal-healthy-token-01}
  - {name: 被拦截的站点, id: challenge, emulate: cloudflare-challenge}
  - {name: Stale token, id: stale, emulate: stale-token, backend: new-api, user_id: 22, access_token: terminal-stale-token-0002}
  - {name: Origin down, id: down, emulate: origin-down}
"""
NAMES = {"healthy": "Healthy legacy", "challenge": "被拦截的站点", "stale": "Stale token", "down": "Origin down"}


def _run(tmp_path: Path, *args: str, env: dict[str, str] | None = None, paths: tuple[str, ...] = ("tests",)) -> str:
    sites = tmp_path / "sites.yaml"
    sites.write_text(SITES, encoding="utf-8")
    command = [sys.executable, "-m", "pytest", *paths, f"--sites={sites}", f"--report-dir={tmp_path / 'reports'}",
               "-p", "no:cacheprovider", "-n", "2", *args]
    environ = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "PYTEST_ADDOPTS")}
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                          env={**environ, "COLUMNS": "200", **(env or {})})
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]   # broken sites fail the run
    return done.stdout


def _site_lines(stdout: str) -> list[str]:
    section = stdout.split("relaycompat: 4 sites, broken first", 1)[1].splitlines()[1:]
    return [line for line in section if re.match(r"(FAIL|DOWN|CREDS|XPASS|ok) ", line)]


def test_the_summary_lists_every_site_once_broken_first_instead_of_failure_blocks(tmp_path: Path) -> None:
    stdout = _run(tmp_path)
    lines = _site_lines(stdout)
    assert len(lines) == 4
    for slug, name in NAMES.items():
        assert sum(1 for line in lines if name in line) == 1, slug
    sites = json.loads((tmp_path / "reports" / "results.json").read_text())["sites"]
    states = {site["name"]: site["state"] for site in sites}
    count = {(site["name"], verdict): sum(p["verdict"] == verdict for p in site["probes"])
             for site in sites for verdict in ("blocked", "auth_rejected")}   # as many as the catalogue gives
    word = {"broken": "FAIL", "unreachable": "DOWN", "credentials": "CREDS", "ok": "ok"}
    order = ("broken", "unreachable", "credentials", "ok")   # broken first
    assert [line.split()[0] for line in lines] == [word[s] for s in sorted(states.values(), key=order.index)]
    for line in lines:
        assert line.split()[0] == word[states[next(name for name in states if name in line)]]
    challenge = next(line for line in lines if NAMES["challenge"] in line)
    assert f"blocked {count[NAMES['challenge'], 'blocked']}" in challenge and "/api/status: blocked: HTTP 403" in challenge
    stale = next(line for line in lines if NAMES["stale"] in line)
    assert stale.startswith("CREDS") and "new-api v0.9" in stale and f"auth_rejected {count[NAMES['stale'], 'auth_rejected']}" in stale
    assert re.search(r"relaycompat: 4 sites: .*1 with credentials to fix, 1 fine; tests: \d+ passed, \d+ failed", stdout)
    assert "= FAILURES =" not in stdout and "FAILED tests/" not in stdout     # no block or line per failure
    assert re.search(r"=+ \d+ failed, \d+ passed.* in [\d.]+s", stdout.splitlines()[-1])  # pytest's own last line


def test_an_explicit_tb_keeps_pytests_failure_section(tmp_path: Path) -> None:
    stdout = _run(tmp_path, "--tb=long")
    assert "= FAILURES =" in stdout
    assert re.search(r"_+ test_api_status\[challenge\] _+", stdout)
    assert "blocked: HTTP 403 challenge page" in stdout.split("= FAILURES =", 1)[1]
    assert len(_site_lines(stdout)) == 4            # and the summary by site is still there


def test_an_explicit_r_and_addopts_keep_their_meaning(tmp_path: Path) -> None:
    stdout = _run(tmp_path, "-rf")
    assert "FAILED tests/test_endpoints.py::test_api_status[challenge]" in stdout and "= FAILURES =" not in stdout
    stdout = _run(tmp_path, env={"PYTEST_ADDOPTS": "--tb=short"})
    assert "= FAILURES =" in stdout


def test_a_run_that_is_not_the_suite_alone_keeps_pytests_defaults(tmp_path: Path) -> None:
    """`pytest tests testing/…`: the project's own tests are in the run, so nothing changes."""
    own = REPO_ROOT / "testing" / "core" / "test_json.py"
    stdout = _run(tmp_path, "-k", "status or loads", paths=("tests", str(own)))
    assert "= FAILURES =" in stdout and "FAILED tests/test_endpoints.py::test_api_status[challenge]" in stdout


@pytest.mark.parametrize(("args", "given"), [
    (["--tb=short"], True), (["--tb", "line"], True), (["-rA"], True), (["-vrfE"], True), (["-r", "a"], True),
    (["--report-chars=f"], True), (["-Werror"], False), (["-v", "-x"], False), (["-p", "no:relaycompat"], False),
])
def test_options_given_on_the_command_line_are_recognised(args: list[str], given: bool) -> None:
    assert (_given(args, "--tb") or _given(args, "--report-chars", "r")) is given
