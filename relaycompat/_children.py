"""Child processes that never outlive the run: the emulated fleet and the probe processes.

A child gets its job as one JSON line on its stdin (credentials included: never on a command
line), and the parent keeps that pipe open for as long as the child should live. The child
watches the pipe in a daemon thread: end of file means the parent is gone (it exited, crashed,
or was killed with ``kill -9``, when no cleanup of the parent's can run) or let it go, and the
child exits at once. So nothing a run started keeps listening, or probing, after the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import IO, Any


def send_job(process: subprocess.Popen[str], job: Any) -> None:
    """Parent side: give the child its job; the pipe stays open as the child's lifeline."""
    stdin: IO[str] = process.stdin  # type: ignore[assignment]
    stdin.write(json.dumps(job, ensure_ascii=False) + "\n")
    stdin.flush()


def release(process: subprocess.Popen[str]) -> None:
    """Parent side: close the lifeline (the child exits if it has not already)."""
    if process.stdin is not None and not process.stdin.closed:
        try:
            process.stdin.close()
        except OSError:  # the child is gone and the pipe broken: nothing left to close
            pass


def read_job() -> Any:
    """Child side: read the job, then exit as soon as the parent closes the pipe or dies."""
    line = sys.stdin.readline()
    if not line:
        raise SystemExit("relaycompat: no job on stdin (this command is started by the pytest plugin)")

    def watch() -> None:
        sys.stdin.read()  # returns at end of file only
        os._exit(0)

    threading.Thread(target=watch, name="relaycompat-lifeline", daemon=True).start()
    return json.loads(line)
