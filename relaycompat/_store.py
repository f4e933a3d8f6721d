"""The run directory: where the prober leaves each site's results for the tests to read.

The prober writes two JSON files per site as soon as the site is done: ``full/<slug>.json``
(everything, evidence included: for results.json and the reports, read by the controller) and
``sites/<slug>.json`` (verdicts without request and response: all a test needs, so a worker
holding every site of a large fleet stays small). Tests in any process wait for their site's
file. Writes are atomic (write, then rename), so a reader never sees half a file. Everything
stored here has already been redacted.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

_POLL_SECONDS = 0.01
_FAILED = "_prober_failed.txt"


class ProberFailed(RuntimeError):
    """The prober stopped before it finished; its message says why."""


class RunStore:
    """Files of one run: ``sites/<slug>.json`` per probed site."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._sites = self.root / "sites"
        self._full = self.root / "full"
        self._cache: dict[str, dict[str, Any]] = {}

    @classmethod
    def create(cls) -> RunStore:
        store = cls(Path(tempfile.mkdtemp(prefix="relaycompat-run-")))
        store._sites.mkdir()
        store._full.mkdir()
        return store

    def _path(self, slug: str) -> Path:
        return self._sites / f"{slug}.json"

    @staticmethod
    def _write(target: Path, document: dict[str, Any]) -> None:
        partial = target.with_suffix(".part")
        partial.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, target)

    def write_site(self, slug: str, record: dict[str, Any]) -> None:
        """Store a site's record: the full one first, so a test never outruns its evidence."""
        self._write(self._full / f"{slug}.json", record)
        light = {**record, "probes": [{k: v for k, v in p.items() if k not in ("request", "response")}
                                      for p in record.get("probes", [])]}
        self._write(self._path(slug), light)

    def read_full(self, slug: str) -> dict[str, Any]:
        """The full record of a site that is done (controller side; not cached here)."""
        return json.loads((self._full / f"{slug}.json").read_text(encoding="utf-8"))

    def fail(self, message: str) -> None:
        (self.root / _FAILED).write_text(message, encoding="utf-8")

    def stored(self) -> list[str]:
        """The slugs of the sites whose record is stored (in no particular order)."""
        return [entry.name[:-5] for entry in os.scandir(self._sites) if entry.name.endswith(".json")]

    def has_site(self, slug: str) -> bool:
        return slug in self._cache or self._path(slug).exists()

    def read_site(self, slug: str, *, wait: float = 0.0) -> dict[str, Any]:
        """The record of ``slug``, waiting up to ``wait`` seconds for the prober to write it."""
        if slug in self._cache:
            return self._cache[slug]
        path = self._path(slug)
        deadline = time.monotonic() + wait
        while not path.exists():
            failed = self.root / _FAILED
            if failed.exists():
                raise ProberFailed(failed.read_text(encoding="utf-8"))
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no results for site {slug!r} after {wait:.0f}s")
            time.sleep(_POLL_SECONDS)
        record = json.loads(path.read_text(encoding="utf-8"))
        self._cache[slug] = record
        return record
