"""A run leaves nothing behind, and Ctrl-C stops it at once without spoiling the last results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..conftest import REPO_ROOT

SITES = """
sites:
  - {name: Never answers, id: hang, emulate: no-answer, access_token: lifecycle-token-000001, timeout: 30}
  - {name: Fine, id: fine, emulate: new-api-legacy, user_id: 5, access_token: lifecycle-token-000002}
"""


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    (tmp_path / "sites.yaml").write_text(SITES, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"} | {"TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "pytest", "tests", f"--sites={tmp_path / 'sites.yaml'}",
                             f"--report-dir={tmp_path / 'reports'}", "-p", "no:cacheprovider", "-q", *args],
                            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _left_behind(tmp_path: Path) -> list[str]:
    return [p.name for p in (tmp_path / "tmp").iterdir() if p.name.startswith("relaycompat-")]


def test_a_run_removes_its_run_store(tmp_path: Path) -> None:
    run = _start(tmp_path, "-n", "2", "-k", "fine")
    assert run.wait(timeout=120) == 0, run.stdout.read() if run.stdout else ""
    assert (tmp_path / "reports" / "results.json").exists()
    assert _left_behind(tmp_path) == []  # no run store, no fleet statistics file


def test_ctrl_c_stops_at_once_and_keeps_the_last_results(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    previous = {"format": 1, "generated_at": "earlier", "sites": []}
    (reports / "results.json").write_text(json.dumps(previous), encoding="utf-8")
    run = _start(tmp_path)  # without xdist: the interrupt reaches pytest directly
    time.sleep(4)  # the hanging site holds its probes for 30 s
    started = time.monotonic()
    run.send_signal(signal.SIGINT)
    output = run.communicate(timeout=60)[0]
    assert time.monotonic() - started < 10, output
    assert "interrupted" in output
    assert json.loads((reports / "results.json").read_text(encoding="utf-8")) == previous
    assert _left_behind(tmp_path) == []
