"""A run leaves nothing behind and never half a set of outputs, however it ends.

Ctrl-C and SIGTERM (what a CI cancel sends) stop a run at once and keep the previous output set
whole; ``kill -9`` of pytest leaves no fleet listening; a worker killed under a test, or an
emulator killed under its sites, is named where the reader looks. Each test runs the real suite
in a subprocess whose TMPDIR is its own, so every process and temporary file of the run can be
found (and none of another run's).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..conftest import CATALOGUE, REPO_ROOT
from ..reports._inspect import markdown_shape, table_cells, tables_after

SITES = """
sites:
  - {name: Never answers, id: hang, emulate: no-answer, access_token: lifecycle-token-000001, timeout: 30}
  - {name: Fine, id: fine, emulate: new-api-legacy, user_id: 5, access_token: lifecycle-token-000002}
"""


def _start(tmp_path: Path, *args: str, sites: str = SITES) -> subprocess.Popen[str]:
    (tmp_path / "sites.yaml").write_text(sites, encoding="utf-8")
    (tmp_path / "tmp").mkdir(exist_ok=True)
    (tmp_path / "running").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"} | {
        "TMPDIR": str(tmp_path / "tmp"), "RELAYCOMPAT_TEST_RUNNING": str(tmp_path / "running")}
    return subprocess.Popen([sys.executable, "-m", "pytest", "tests", f"--sites={tmp_path / 'sites.yaml'}",
                             f"--report-dir={tmp_path / 'reports'}", "-p", "no:cacheprovider", "-q", "--color=no", *args],
                            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _left_behind(tmp_path: Path) -> list[str]:
    return [p.name for p in (tmp_path / "tmp").iterdir() if p.name.startswith("relaycompat-")]


def _processes(tmp_path: Path) -> dict[int, str]:
    """pid -> command line of every live process of the run started by :func:`_start` (by its TMPDIR)."""
    marker = f"TMPDIR={tmp_path / 'tmp'}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
            if marker in environ and stat.rsplit(")", 1)[1].split()[0] != "Z":
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
    return found


def _wait_for(condition: Callable[[], object], seconds: float, what: str) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def _fleet_pid(tmp_path: Path) -> int:
    found = _wait_for(lambda: [pid for pid, cmd in _processes(tmp_path).items() if "relaycompat.emulator" in cmd], 60,
                      "the emulated fleet started")
    return found[0]  # type: ignore[index]


def _set(report_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in report_dir.iterdir() if p.is_file()}


def _previous_set(tmp_path: Path) -> dict[str, bytes]:
    """A complete earlier run (the fine site only), whose outputs must survive what follows."""
    run = _start(tmp_path, "-k", "fine")
    assert run.wait(timeout=120) == 0, run.stdout.read() if run.stdout else ""
    previous = _set(tmp_path / "reports")
    assert {"results.json", "report.md", "report.html", "summary.html"} <= set(previous)
    return previous


def test_a_run_removes_its_run_store(tmp_path: Path) -> None:
    run = _start(tmp_path, "-n", "2", "-k", "fine")
    assert run.wait(timeout=120) == 0, run.stdout.read() if run.stdout else ""
    assert (tmp_path / "reports" / "results.json").exists()
    assert _left_behind(tmp_path) == []  # no run store, no fleet statistics file
    assert [p.name for p in (tmp_path / "reports").iterdir() if p.name.startswith(".relaycompat-staging")] == []


def test_ctrl_c_stops_at_once_and_keeps_the_whole_previous_set(tmp_path: Path) -> None:
    """Issue #13 (6): report.html was replaced by an empty report while the other files kept the previous run."""
    previous = _previous_set(tmp_path)
    run = _start(tmp_path)  # without xdist: the interrupt reaches pytest directly
    _fleet_pid(tmp_path)
    time.sleep(3)  # the hanging site holds its probes for 30 s
    started = time.monotonic()
    run.send_signal(signal.SIGINT)
    output = run.communicate(timeout=60)[0]
    assert time.monotonic() - started < 10, output
    assert "interrupted: results.json and the reports keep the last complete run" in output
    assert _set(tmp_path / "reports") == previous
    assert _left_behind(tmp_path) == []
    assert _wait_for(lambda: not _processes(tmp_path), 10, "no process of the run left")


def test_sigterm_is_handled_like_ctrl_c(tmp_path: Path) -> None:
    """Issue #13 (5): SIGTERM left no reports, an orphan fleet listening for 90 s and a temporary file."""
    previous = _previous_set(tmp_path)
    run = _start(tmp_path, "-n", "2")
    _fleet_pid(tmp_path)
    time.sleep(3)
    started = time.monotonic()
    run.send_signal(signal.SIGTERM)
    output = run.communicate(timeout=60)[0]
    assert time.monotonic() - started < 15, output
    assert run.returncode == 2, output  # pytest's "interrupted"
    assert "interrupted: results.json and the reports keep the last complete run" in output
    assert "Traceback" not in output.split("!!!!")[0]
    assert _set(tmp_path / "reports") == previous
    assert _left_behind(tmp_path) == []
    assert _wait_for(lambda: not _processes(tmp_path), 10, "no fleet, worker or prober left")


def test_kill_9_of_pytest_leaves_no_fleet_listening(tmp_path: Path) -> None:
    """No handler runs on SIGKILL: the children notice their lifeline closing and exit by themselves."""
    run = _start(tmp_path, "-n", "2")
    fleet = _fleet_pid(tmp_path)
    time.sleep(2)
    run.kill()
    run.wait(timeout=10)
    assert _wait_for(lambda: fleet not in _processes(tmp_path), 10, "the fleet exits with the run")
    assert _wait_for(lambda: not _processes(tmp_path), 20, "every process of the run exits with it")


def test_a_killed_worker_s_test_gets_an_outcome_and_is_counted(tmp_path: Path) -> None:
    """Issue #13 (14): FAILED in the terminal, but `outcome: null` in results.json and not counted in report.md."""
    sites = SITES.replace("timeout: 30", "timeout: 10")
    run = _start(tmp_path, "-n", "2", "-p", "testing.robustness._running", sites=sites)

    def a_worker_in_a_hanging_test() -> list[int]:
        return [int(p.name) for p in (tmp_path / "running").iterdir() if "[hang]" in p.read_text(encoding="utf-8")]

    worker = _wait_for(a_worker_in_a_hanging_test, 90, "a worker inside a test of the hanging site")
    os.kill(worker[0], signal.SIGKILL)  # type: ignore[index]
    output = run.communicate(timeout=180)[0]
    assert run.returncode == 1, output[-3000:]
    crashed = re.findall(r"worker 'gw\d' crashed while running '([^']+)'", output)
    assert crashed, output[-3000:]
    results = json.loads((tmp_path / "reports" / "results.json").read_text(encoding="utf-8"))
    probes = {(site["slug"], probe["id"]): probe for site in results["sites"] for probe in site["probes"]}
    assert all(probe["outcome"] is not None for probe in probes.values()), [k for k, p in probes.items() if not p["outcome"]]
    hit = [p for p in probes.values() if "crashed while running" in (p["test_message"] or "")]
    assert len(hit) == 1 and hit[0]["outcome"] == "failed"
    summary = output.strip().splitlines()[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|xfailed|xpassed)", summary)}
    by_outcome: dict[str, int] = {}
    for probe in probes.values():
        by_outcome[probe["outcome"]] = by_outcome.get(probe["outcome"], 0) + 1
    assert by_outcome == counts
    details = [(tmp_path / "reports" / "details" / f"{site['slug']}.md").read_text(encoding="utf-8") for site in results["sites"]]
    outside = markdown_shape("\n".join(details)).outside
    results_column = [table_cells(row)[-1] for table in tables_after(outside, "### 端点测试结果") for row in table[1:]]
    assert len(results_column) == 2 * len(CATALOGUE) and "—" not in results_column


def test_a_dead_emulator_is_named_as_the_cause_on_its_sites(tmp_path: Path) -> None:
    """Issue #13 (14): its sites said connect_error, without a word about the emulator."""
    sites = """
sites:
  - {name: Slow A, id: slow-a, emulate: new-api-legacy, user_id: 5, access_token: lifecycle-token-000003, latency_ms: 1500}
  - {name: Slow B, id: slow-b, emulate: one-api, user_id: 6, access_token: lifecycle-token-000004, latency_ms: 1500}
"""
    run = _start(tmp_path, sites=sites)
    fleet = _fleet_pid(tmp_path)
    time.sleep(0.5)
    os.kill(fleet, signal.SIGKILL)
    output = run.communicate(timeout=120)[0]
    assert run.returncode == 1, output[-3000:]
    assert "relaycompat: the emulator process died during the run (killed by signal 9)" in output
    results = json.loads((tmp_path / "reports" / "results.json").read_text(encoding="utf-8"))
    for site in results["sites"]:
        assert site["emulator"] == {"error": "the emulator process died during the run (killed by signal 9)"}
        unreached = [p for p in site["probes"] if p["verdict"] in ("connect_error", "timeout") or "considered down" in p["reason"]]
        assert unreached, site["slug"]
        for probe in unreached:
            assert probe["reason"].startswith("the emulator process is not running (it died during the run): "), probe["reason"]
            assert "the emulator process is not running (it died during the run)" in probe["test_message"]
