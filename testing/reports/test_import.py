"""`python -m relaycompat import`: the earlier script's recordings become results a run can compare with."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from relaycompat._results import load_results

from ..conftest import DATA, REPO_ROOT


def test_recordings_become_results_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "imported"
    done = subprocess.run([sys.executable, "-m", "relaycompat", "import", str(DATA / "recordings.json"), str(out)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    results = load_results(out / "results.json")
    assert len(results["sites"]) == 21 and all(len(site["probes"]) == 24 for site in results["sites"])
    verdicts = {p["verdict"] for site in results["sites"] for p in site["probes"]}
    assert {"ok", "auth_rejected", "blocked", "server_error", "tls_error", "redirect"} <= verdicts
    assert "# API 端点响应测试报告" in (out / "report.md").read_text(encoding="utf-8")
    rerun = subprocess.run([sys.executable, "-m", "relaycompat", "report", str(out / "results.json"), "--out", str(tmp_path / "again"),
                            "--baseline", str(out / "results.json")], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr


def test_what_is_not_a_recording_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "results.json"
    bogus.write_text(json.dumps({"sites": []}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "relaycompat", "import", str(bogus), str(tmp_path / "out")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 4 and "not the probing script's recordings" in done.stderr
