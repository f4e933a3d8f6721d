"""Probing in child processes: the prober's work spread over the machine's cores.

httpx spends about 1.5 ms of CPU per request, so one process tops out near 600 requests a
second, and a fleet of hundreds of sites waits for the CPU, not the network (docs/performance.md).
For large fleets the controller therefore splits the sites into one share per core and hands
each share to a child, ``python -m relaycompat._probe_process``, which probes it with
:func:`~relaycompat._prober.probe_sites` and writes each site's record into the run store as
soon as it is done. A site is in exactly one share, so it is probed once and its politeness
limit holds. Credentials travel through the child's stdin only, never its command line, and
the pipe stays open as the child's lifeline (:mod:`._children`). A small fleet is probed in the
controller itself: starting a process costs more than it saves.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ._children import read_job, release, send_job
from ._config import Settings
from ._prober import SitePlan


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: Requests a process must have to make starting it worth it (~0.5 s of start-up ≈ 250 requests).
REQUESTS_PER_PROCESS = 1000


def process_count(plans: Sequence[SitePlan]) -> int:
    """How many probe processes: one per core for large fleets; 0 (probe in-process) for small ones."""
    requests = sum(len(plan.endpoints) for plan in plans)
    wanted = min(usable_cores(), requests // REQUESTS_PER_PROCESS)
    return wanted if wanted >= 2 else 0


def split(plans: Sequence[SitePlan], parts: int) -> list[list[SitePlan]]:
    """``parts`` shares of about equal work (round robin over the plans, largest first)."""
    shares: list[list[SitePlan]] = [[] for _ in range(max(1, min(parts, len(plans))))]
    for index, plan in enumerate(sorted(plans, key=lambda p: -len(p.endpoints))):
        shares[index % len(shares)].append(plan)
    return shares


class ProbeProcess:
    """One child probing one share of the sites into the store at ``store_root``."""

    def __init__(self, plans: Sequence[SitePlan], settings: Settings, store_root: Path) -> None:
        self.plans = list(plans)
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "relaycompat._probe_process"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr, text=True, encoding="utf-8",
        )
        job = {
            "settings": settings.to_dict(),
            "store": str(store_root),
            "plans": [{"site": asdict(plan.site), "endpoints": [e.id for e in plan.endpoints], "emulator": plan.emulator}
                      for plan in self.plans],
        }
        send_job(self.process, job)

    def wait(self) -> str | None:
        """Wait for the child; ``None`` if it finished, else what went wrong (its last words)."""
        code = self.process.wait()
        release(self.process)
        self._stderr.seek(0)
        said = self._stderr.read().decode(errors="replace").strip()
        self._stderr.close()
        if code == 0:
            return None
        last = said.splitlines()[-1] if said else ""
        return f"the probe process exited with code {code}" + (f": {last}" if last else "")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        release(self.process)
        if not self._stderr.closed:
            self._stderr.close()


def _run(job: dict[str, Any]) -> None:
    from ._catalogue import load_catalogue
    from ._prober import probe_sites
    from ._redact import Redactor
    from ._schemas import SchemaSet
    from ._sites import Site
    from ._store import RunStore

    settings = Settings.from_dict(job["settings"])
    catalogue = load_catalogue(Path(settings.catalogue))
    schemas = SchemaSet.load(Path(settings.schemas_dir), check=False)  # the controller checked them
    plans = [
        SitePlan(Site(**entry["site"]), tuple(catalogue.by_id(i) for i in entry["endpoints"]), entry.get("emulator"))
        for entry in job["plans"]
    ]
    redactor = Redactor(secret for plan in plans for secret in plan.site.secrets)
    store = RunStore(Path(job["store"]))
    asyncio.run(probe_sites(plans, settings, catalogue, schemas, redactor, store.write_site))


def main() -> int:
    from .emulator._fleet import raise_fd_limit

    raise_fd_limit()
    _run(read_job())
    return 0


if __name__ == "__main__":
    sys.exit(main())
