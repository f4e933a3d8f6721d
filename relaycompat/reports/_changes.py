"""Drift since an earlier run: what a reader of a scheduled report wants to see first.

Probes are matched by site ``slug`` and endpoint ``path`` (stable across runs; a renamed site
shows as removed + added). Only transitions are reported: a probe failing in both runs is not
news, one that started failing is. A site that went down (or came back) is one line, not one
per endpoint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._advice import site_reachable
from .._errors import ConfigError
from .._results import load_results
from ._facts import backend_version, detected_backend, is_failing, is_passing


@dataclass(frozen=True)
class ProbeChange:
    site: str
    slug: str
    endpoint: str
    before: dict[str, Any]
    now: dict[str, Any]


@dataclass(frozen=True)
class SiteChange:
    site: str
    slug: str
    before: dict[str, Any] | None
    now: dict[str, Any] | None


@dataclass
class Changes:
    """Transitions between a baseline and this run (``baseline`` is ``None`` when there was none,
    ``problem`` says why when one was given but could not be read)."""

    baseline: dict[str, Any] | None
    problem: str | None = None
    newly_failing: list[ProbeChange] = field(default_factory=list)
    newly_passing: list[ProbeChange] = field(default_factory=list)
    new_xpass: list[ProbeChange] = field(default_factory=list)
    became_unreachable: list[SiteChange] = field(default_factory=list)
    back_online: list[SiteChange] = field(default_factory=list)
    backend_changed: list[SiteChange] = field(default_factory=list)
    sites_added: list[SiteChange] = field(default_factory=list)
    sites_removed: list[SiteChange] = field(default_factory=list)

    PROBE_KINDS = ("newly_failing", "newly_passing", "new_xpass")
    SITE_KINDS = ("became_unreachable", "back_online", "backend_changed", "sites_added", "sites_removed")

    @property
    def empty(self) -> bool:
        return not any(getattr(self, kind) for kind in self.PROBE_KINDS + self.SITE_KINDS)


def diff_results(results: dict[str, Any], baseline: dict[str, Any] | None) -> Changes:
    changes = Changes(baseline)
    if baseline is None:
        return changes
    before_sites = {s["slug"]: s for s in baseline.get("sites", [])}
    now_slugs = {s["slug"] for s in results.get("sites", [])}
    for site in results.get("sites", []):
        slug, name = site["slug"], site["name"]
        old = before_sites.get(slug)
        if old is None:
            changes.sites_added.append(SiteChange(name, slug, None, site))
            continue
        was, now = site_reachable(old), site_reachable(site)
        went_down = was is True and now is False
        came_back = was is False and now is True
        if went_down:
            changes.became_unreachable.append(SiteChange(name, slug, old, site))
        elif came_back:
            changes.back_online.append(SiteChange(name, slug, old, site))
        if detected_backend(old) and detected_backend(site) and backend_version(old) != backend_version(site):
            changes.backend_changed.append(SiteChange(name, slug, old, site))
        old_probes = {p["endpoint"]: p for p in old.get("probes", [])}
        for probe in site.get("probes", []):
            previous = old_probes.get(probe["endpoint"])
            if previous is None:
                continue
            change = ProbeChange(name, slug, probe["endpoint"], previous, probe)
            if is_failing(probe) and not is_failing(previous):
                if not went_down:  # the site's own line says it; its every probe would repeat it
                    changes.newly_failing.append(change)
            elif is_passing(probe) and is_failing(previous):
                if not came_back:
                    changes.newly_passing.append(change)
            if probe.get("outcome") == "xpassed" and previous.get("outcome") != "xpassed":
                changes.new_xpass.append(change)
    for slug, old in before_sites.items():
        if slug not in now_slugs:
            changes.sites_removed.append(SiteChange(old["name"], slug, old, None))
    return changes


def load_baseline(baseline: str | os.PathLike[str] | dict[str, Any] | None) -> tuple[dict[str, Any] | None, str | None]:
    """``(document, problem)`` for a baseline given as a path, a parsed document, or nothing."""
    if baseline is None or isinstance(baseline, dict):
        return baseline, None
    try:
        return load_results(Path(baseline)), None
    except ConfigError as exc:
        return None, str(exc)


def changes_since(results: dict[str, Any], baseline: str | os.PathLike[str] | dict[str, Any] | None) -> Changes:
    document, problem = load_baseline(baseline)
    changes = diff_results(results, document)
    changes.problem = problem
    return changes
