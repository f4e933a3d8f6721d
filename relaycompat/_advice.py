"""What the user should do about a site, and the state a site is in, from its results.

Rules are data (``data/advice.yaml``): which evidence triggers which advice, in which words. This
module matches them against one site of results.json and fills in the fields each advice needs:
the endpoints it concerns, the scopes missing or needed (from ``data/access_tokens.yaml`` and the
catalogue, limited to the endpoints the site's backend is expected to answer), where to create a
token. A site's ``state`` says whether it needs a fix of the credentials only or is broken:

    ok            no test of the site failed
    credentials   every failure is a credential problem (credentials need attention)
    unreachable   nothing reached the backend (transport failures, challenge pages, refused)
    broken        anything else that fails

Format: docs/results.md (``advice``, ``state``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from . import _verdicts as v
from ._access_tokens import ScopedTokens, scoped_tokens
from ._catalogue import Catalogue
from ._expectations import Manifests, family_of, probe_fails, version_of
from ._versions import satisfies

OK, CREDENTIALS, UNREACHABLE, BROKEN = "ok", "credentials", "unreachable", "broken"
STATES = (OK, CREDENTIALS, UNREACHABLE, BROKEN)
#: Endpoints a message names; the entry's `endpoints` field keeps them all.
ENDPOINTS_SHOWN = 4


@dataclass(frozen=True)
class _Rules:
    credential_verdicts: frozenset[str]
    scope_patterns: tuple[re.Pattern[str], ...]
    rules: dict[str, dict[str, Any]]


@cache
def rules() -> _Rules:
    text = resources.files("relaycompat").joinpath("data/advice.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return _Rules(frozenset(data["credential_verdicts"]), tuple(re.compile(p) for p in data["scope_in_message"]),
                  dict(data["rules"]))


@dataclass(frozen=True)
class SiteContext:
    """What advice needs beyond the site's probes: the catalogue, the expectations, the run."""

    catalogue: Catalogue
    manifests: Manifests
    rotated: bool = False
    lang: str = "zh"


# ---- the site's state -------------------------------------------------------------------------
def site_state(site: Mapping[str, Any]) -> str:
    """``ok``, ``credentials``, ``unreachable`` or ``broken`` (see the module docstring)."""
    probes = site.get("probes") or []
    failing = [p for p in probes if probe_fails(p)]
    if site.get("error"):
        return BROKEN
    if not failing:
        return OK
    if all(p.get("verdict") in rules().credential_verdicts for p in failing):
        return CREDENTIALS
    return UNREACHABLE if site_reachable(site) is False else BROKEN


def site_reachable(site: Mapping[str, Any]) -> bool | None:
    """Whether any request reached the backend itself (not a challenge, an origin error page, a
    redirect or nothing at all: the ``unreachable`` state, and what the reports' changes since
    the baseline call going down and coming back); ``None`` when nothing was sent (no evidence)."""
    if site.get("error"):
        return None
    sent = [p for p in site.get("probes", []) if p.get("verdict") != v.SKIPPED]
    if not sent:
        return None
    return any(p.get("verdict") in v.REACHED_BACKEND for p in sent)


# ---- advice -----------------------------------------------------------------------------------
def advise(site: Mapping[str, Any], context: SiteContext) -> list[dict[str, Any]]:
    """The advice entries of one site of results.json, in rule order, each rendered in ``context.lang``."""
    probes = [p for p in site.get("probes") or [] if p.get("verdict") != v.SKIPPED]
    claimed: set[str] = set()
    entries: list[dict[str, Any]] = []
    for code, rule in rules().rules.items():
        concerned = _matching(rule, probes, claimed, site, context)
        if concerned is None:
            continue
        claimed.update(p["endpoint"] for p in concerned)
        entry: dict[str, Any] = {"code": code, "message": "", **_fields(code, site, concerned, context)}
        entry["message"] = render(entry, context.lang)
        entries.append(entry)
    return entries


def _matching(rule: Mapping[str, Any], probes: Sequence[Mapping[str, Any]], claimed: set[str],
              site: Mapping[str, Any], context: SiteContext) -> list[Mapping[str, Any]] | None:
    """The probes ``rule`` is about (maybe none), or ``None`` when it does not apply to the site."""
    if "codes" in rule:
        found = [p for p in probes if p.get("code") in rule["codes"]]
        return found or None
    if "verdicts" in rule:
        found = [p for p in probes if p.get("verdict") in rule["verdicts"] and probe_fails(p) and p["endpoint"] not in claimed]
        return found or None
    if "token_kind" in rule:
        return [] if (site.get("credentials") or {}).get("access_token_kind") == rule["token_kind"] else None
    if rule.get("rotated"):
        return [] if context.rotated else None
    if rule.get("retiring"):
        return [] if _retiring(site, probes) else None
    raise ValueError(f"data/advice.yaml: a rule needs codes, verdicts, token_kind, rotated or retiring: {rule}")


def _table(site: Mapping[str, Any]) -> ScopedTokens | None:
    return scoped_tokens(family_of(site))


def _retiring(site: Mapping[str, Any], probes: Sequence[Mapping[str, Any]]) -> bool:
    """A system token the site still accepts on a route that needs a token, on a version that
    retires them."""
    table, version = _table(site), version_of(site)
    if table is None or version is None or not satisfies(version, table.versions):
        return False
    if (site.get("credentials") or {}).get("access_token_kind") != "system":
        return False
    return any(p.get("verdict") == v.OK and ":" in (table.rule("GET", p["endpoint"]) or "") for p in probes)


def needed_scopes(site: Mapping[str, Any], context: SiteContext) -> list[str]:
    """The read scopes the catalogue's user endpoints need on this site: those its backend (at
    its version) is expected to answer, never a mutating one; in the table's order."""
    table = _table(site)
    if table is None:
        return []
    family, version = family_of(site), version_of(site)
    found: set[str] = set()
    for endpoint in context.catalogue:
        if endpoint.auth != "user" or endpoint.mutating:
            continue
        if context.manifests.declaration(family, endpoint.test_name, version) is not None:
            continue
        rule = table.rule("GET", endpoint.path)
        if rule and ":" in rule:
            found.add(rule)
    return sorted(found, key=lambda s: (table.read_scopes.index(s) if s in table.read_scopes else len(table.read_scopes), s))


def _denied_scope(probe: Mapping[str, Any], table: ScopedTokens | None) -> str:
    for pattern in rules().scope_patterns:
        match = pattern.search(str(probe.get("message") or probe.get("reason") or ""))
        if match:
            return match.group("scope")
    rule = table.rule("GET", probe["endpoint"]) if table else None
    return rule if rule and ":" in rule else "?"


def _fields(code: str, site: Mapping[str, Any], concerned: Sequence[Mapping[str, Any]], context: SiteContext) -> dict[str, Any]:
    table = _table(site)
    family, version = family_of(site), version_of(site)
    fields: dict[str, Any] = {
        "backend": f"{family} {version.text}" if version else family,
        "endpoints": [p["endpoint"] for p in concerned],
    }
    if table is not None:
        fields["needed"] = needed_scopes(site, context)
        fields["create_at"] = (site.get("url") or "").rstrip("/") + table.create_at
    if code == "token_scope_missing":
        cost: dict[str, list[str]] = {}
        for probe in concerned:
            cost.setdefault(_denied_scope(probe, table), []).append(probe["endpoint"])
        fields["scopes"] = sorted(cost)
        fields["endpoints"] = {scope: cost[scope] for scope in sorted(cost)}
    return fields


def render(entry: Mapping[str, Any], lang: str) -> str:
    """The message of an advice entry in ``lang`` (``zh`` or ``en``), from its rule and fields."""
    rule = rules().rules[entry["code"]]
    template = str(rule.get(lang) or rule["en"])
    sep = "、" if lang == "zh" else ", "

    def joined(value: Any, limit: int = 100) -> str:
        if isinstance(value, Mapping):
            value = [path for paths in value.values() for path in paths]
        if isinstance(value, str) or not isinstance(value, Iterable):
            return str(value)
        items = [str(x) for x in value]
        return sep.join(items[:limit]) + (f"{sep}… (+{len(items) - limit})" if len(items) > limit else "")

    endpoints = entry.get("endpoints") or []
    count = sum(len(x) for x in endpoints.values()) if isinstance(endpoints, Mapping) else len(endpoints)
    values = {key: joined(value, ENDPOINTS_SHOWN if key == "endpoints" else 100)
              for key, value in entry.items() if key not in ("code", "message")}
    values.setdefault("needed", "?")
    values.setdefault("create_at", "?")
    values.setdefault("scopes", "?")
    return " ".join(template.format(n=count, **values).split())
