"""A child of the run (the fleet, a probe process) exits when its lifeline closes (relaycompat/_children.py)."""

from __future__ import annotations

import subprocess
import sys
import time

from relaycompat._children import release, send_job

CHILD = "from relaycompat._children import read_job; job = read_job(); print(job['hello'], flush=True); import time; time.sleep(60)"


def test_a_child_gets_its_job_and_exits_when_the_lifeline_closes() -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    send_job(child, {"hello": "world"})
    assert child.stdout is not None and child.stdout.readline().strip() == "world"
    time.sleep(0.3)
    assert child.poll() is None  # alive while the pipe is open
    started = time.monotonic()
    release(child)
    assert child.wait(timeout=10) == 0
    assert time.monotonic() - started < 5


def test_a_child_started_without_a_job_says_why() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], input="", capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and "no job on stdin" in done.stderr
