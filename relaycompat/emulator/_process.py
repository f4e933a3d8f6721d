"""The fleet as a child process: how the pytest plugin runs it once per run, on its own core.

Site specs (credentials included) go to the child through its stdin, never its command line,
and the pipe stays open as its lifeline (:mod:`relaycompat._children`: the fleet exits when the
run does, even a run killed with ``kill -9``). The child answers with one JSON line per site and
a ``ready`` line. :meth:`FleetProcess.stop` ends it with SIGTERM and returns the per-site
statistics it wrote on the way out; :meth:`FleetProcess.death` says whether it died before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from .._children import release, send_job
from ._fleet import SiteSpec

READY_TIMEOUT = 60.0


class FleetError(RuntimeError):
    """The emulator process did not come up; the message carries what it printed."""


class FleetProcess:
    def __init__(self, specs: Sequence[SiteSpec], *, latency_ms: float | None = None, stats_dir: Path | None = None) -> None:
        """``stats_dir``: where the statistics file goes (the run store, removed with it)."""
        self.specs = list(specs)
        handle, stats = tempfile.mkstemp(prefix="relaycompat-fleet-", suffix=".json", dir=stats_dir)
        os.close(handle)
        self._stats = Path(stats)
        #: The fleet's own control origin (it always answers while the fleet lives).
        self.control_url: str | None = None
        command = [sys.executable, "-m", "relaycompat.emulator", "--spec-stdin", "--json", "--stats-file", str(self._stats)]
        if latency_ms is not None:
            command += ["--latency-ms", str(latency_ms)]
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True, encoding="utf-8")
        send_job(self.process, [asdict(s) for s in self.specs])
        self._urls: dict[str, str] | None = None
        self._stopped = False

    def urls(self) -> dict[str, str]:
        """Slug → URL of every site, waiting for the child to be ready (at most READY_TIMEOUT)."""
        if self._urls is None:
            watchdog = threading.Timer(READY_TIMEOUT, self.process.kill)  # a hung child must not hang the run
            watchdog.start()
            try:
                self._urls = self._read_announcements()
            finally:
                watchdog.cancel()
        return self._urls

    def _read_announcements(self) -> dict[str, str]:
        urls: dict[str, str] = {}
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        for line in stdout:
            item = json.loads(line)
            if item.get("ready"):
                self.control_url = item.get("elsewhere")
                return urls
            urls[item["slug"]] = item["url"]
        self._stderr.seek(0)
        said = self._stderr.read().decode(errors="replace")[-2000:].strip()
        raise FleetError("the emulator process ended before it was ready: "
                         + (said or f"no answer within {READY_TIMEOUT:.0f} s (killed)"))

    def death(self) -> str | None:
        """Why the fleet is not running, if it ended before :meth:`stop` was called (else None)."""
        code = self.process.poll()
        if code is None or self._stopped:
            return None
        how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        return f"the emulator process died during the run ({how})"

    def stop(self) -> dict[str, Any]:
        """Stop the child (SIGTERM: it writes its statistics); return them (empty if none)."""
        self._stopped = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:
            return json.loads(self._stats.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}
        finally:
            release(self.process)
            self._stats.unlink(missing_ok=True)
            self._stderr.close()
            if self.process.stdout:
                self.process.stdout.close()

    def __del__(self) -> None:  # never leave a fleet behind (its lifeline would end it too)
        if getattr(self, "process", None) is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
