"""What every process of a run knows about it: settings, catalogue, expectations, sites, store.

The controller (or the only process without xdist) builds it in ``pytest_configure``; an xdist
worker rebuilds it from ``workerinput``, which carries only secret-free data: workers never see
a credential, because they never make a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ._catalogue import Catalogue, load_catalogue
from ._config import DEFAULT_TIMEOUT, Settings
from ._expectations import Manifests
from ._store import RunStore

STATE_KEY = pytest.StashKey["SuiteState"]()


@dataclass
class SuiteState:
    settings: Settings
    catalogue: Catalogue
    manifests: Manifests
    sites: list[dict[str, Any]]
    store: RunStore
    _by_slug: dict[str, dict[str, Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_slug = {site["slug"]: site for site in self.sites}

    def wait_budget(self, site: dict[str, Any]) -> float:
        """How long a test may wait for its site: the worst case of the site's probes, plus slack."""
        s = self.settings
        per_probe = (s.retries + 1) * (float(site.get("timeout", DEFAULT_TIMEOUT)) + s.retry_after_cap)
        return len(self.catalogue) * per_probe + 120.0

    def read_site(self, slug: str) -> dict[str, Any]:
        return self.store.read_site(slug, wait=self.wait_budget(self.site(slug)))

    def site(self, slug: str) -> dict[str, Any]:
        """The public description of site ``slug`` (looked up once per test: by key, not by scan)."""
        return self._by_slug[slug]

    def to_workerinput(self) -> dict[str, Any]:
        return {"settings": self.settings.to_dict(), "sites": self.sites, "store": str(self.store.root)}

    @classmethod
    def from_workerinput(cls, data: dict[str, Any]) -> SuiteState:
        settings = Settings.from_dict(data["settings"])
        catalogue = load_catalogue(Path(settings.catalogue))
        return cls(settings, catalogue, Manifests.load(Path(settings.manifests_dir), catalogue),
                   list(data["sites"]), RunStore(Path(data["store"])))


def suite_state(config: pytest.Config) -> SuiteState:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        raise pytest.UsageError(
            "relaycompat: the endpoint tests ran, but the suite is not active in this run; "
            "run them from the project root (pytest tests/) so the plugin can load the sites"
        )
    return state
