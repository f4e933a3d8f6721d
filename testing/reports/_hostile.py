"""The hostile-markup run the report-safety tests read: its site file, canaries, and the run itself.

One run of the real suite (``-n 2``, ``--allow-mutating``) against the ``hostile-markup``
emulator profile and a healthy neighbour, with ``$GITHUB_STEP_SUMMARY`` pointed at a file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..conftest import REPO_ROOT

ACCESS_TOKEN = "CANARY-markup-access-token-5e2b9"   # also literal in profiles/hostile-markup.yaml
API_KEY = "sk-CANARYmarkupRelayKey000000000000000000000000000"
NEIGHBOUR_TOKEN = "CANARY-neighbour-access-token-77c1"
NEIGHBOUR_KEY = "sk-CANARYneighbourRelayKey00000000000000000000000"
CANARIES = (ACCESS_TOKEN, API_KEY, API_KEY.removeprefix("sk-"), NEIGHBOUR_TOKEN, NEIGHBOUR_KEY,
            NEIGHBOUR_KEY.removeprefix("sk-"))
HOSTILE_NAME = "<script>alert('name')</script> | name | ``` [x](javascript:alert(0)) <img src=x onerror=alert(0)>"

SITES = f"""
sites:
  - name: "{HOSTILE_NAME}"
    id: hostile
    emulate: hostile-markup
    backend: new-api
    user_id: 4242
    access_token: {ACCESS_TOKEN}
    api_key: {API_KEY}
  - name: Healthy neighbour
    id: neighbour
    emulate: new-api-legacy
    backend: new-api
    user_id: 4243
    access_token: {NEIGHBOUR_TOKEN}
    api_key: {NEIGHBOUR_KEY}
"""


def run_hostile_suite(root: Path) -> dict[str, Any]:
    sites = root / "sites.yaml"
    sites.write_text(SITES, encoding="utf-8")
    report_dir = root / "reports"
    step_summary = root / "step-summary.md"
    command = [sys.executable, "-m", "pytest", "tests", f"--sites={sites}", f"--report-dir={report_dir}",
               "-p", "no:cacheprovider", "-n", "2", "--allow-mutating", "-rA"]
    completed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                               env={**os.environ, "GITHUB_STEP_SUMMARY": str(step_summary)})
    assert completed.returncode in (0, 1), completed.stdout[-3000:] + completed.stderr[-3000:]
    return {"stdout": completed.stdout, "stderr": completed.stderr, "dir": report_dir, "step_summary": step_summary}
