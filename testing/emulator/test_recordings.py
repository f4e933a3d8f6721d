"""The sample report's recorded bodies against the emulator, in shape.

For every recorded probe with a successful (``"success": true``), untruncated body, the profile
that facts.yaml maps the site to answers the same endpoint with the same keys and JSON types,
recursively: every emulated list item has the shape of some recorded item, and objects keyed by
data (group names, model names) are compared by their values only. A body the profile does not
reproduce is listed with the reason in facts.yaml and runs as a strict xfail, so it cannot pass
unnoticed either.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import FACTS, PROFILES

RECORDINGS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "data" / "recordings.json").read_text(encoding="utf-8"))
FACTS_OF = FACTS["recordings"]
SITES: dict[str, str | None] = FACTS_OF["sites"]


def parsed(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def successful(probe: dict[str, Any]) -> bool:
    body = parsed(probe.get("body", ""))
    return isinstance(body, dict) and body.get("success") is True and "truncated_from" not in probe


def comparisons() -> list[Any]:
    params = []
    for site in RECORDINGS["sites"]:
        for probe in site["probes"]:
            if not successful(probe) or SITES.get(site["name"]) is None:
                continue
            label = f"{site['name']} {probe['endpoint']}"
            reason = FACTS_OF["not_reproduced"].get(label)
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            params.append(pytest.param(site["name"], probe["endpoint"], parsed(probe["body"]), marks=marks, id=label))
    return params


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names[type(value)]


def mismatches(recorded: Any, emulated: Any, path: str, maps: set[str]) -> list[str]:
    """Where ``emulated`` differs in shape from ``recorded`` (empty: same shape)."""
    if json_type(recorded) != json_type(emulated):
        return [f"{path or '.'}: recorded {json_type(recorded)}, emulated {json_type(emulated)}"]
    if isinstance(recorded, list):
        return _like_any(recorded, emulated, path + "[]", maps)
    if isinstance(recorded, dict):
        if path in maps:
            return _like_any(list(recorded.values()), list(emulated.values()), path + ".*", maps)
        found = [f"{path}.{key}: only recorded" for key in recorded if key not in emulated]
        found += [f"{path}.{key}: only emulated" for key in emulated if key not in recorded]
        for key in recorded.keys() & emulated.keys():
            found += mismatches(recorded[key], emulated[key], f"{path}.{key}" if path else key, maps)
        return found
    return []


def _like_any(recorded: list[Any], emulated: list[Any], path: str, maps: set[str]) -> list[str]:
    """Every emulated item has the shape of some recorded one (nothing to say if none was recorded)."""
    found: list[str] = []
    for item in emulated if recorded else []:
        tries: list[list[str]] = [mismatches(candidate, item, path, maps) for candidate in recorded]
        if all(tries):
            closest = min(tries, key=len)
            found += closest
    return found


@pytest.mark.parametrize(("site_name", "endpoint", "recorded"), comparisons())
def test_recorded_body_shape(site_of, fresh_site, site_name: str, endpoint: str, recorded: Any) -> None:
    profile = SITES[site_name]
    assert profile is not None
    # /api/user/token rotates the PAT: give it a site of its own
    site = fresh_site(profile) if endpoint == "/api/user/token" else site_of(profile)
    response = site.get(endpoint)
    assert response.status_code == 200, response.text
    maps = set(FACTS_OF["maps"].get(endpoint.split("?")[0], []))
    found = mismatches(recorded, response.json(), "", maps)
    assert not found, f"{profile} answers {endpoint} unlike {site_name}:\n" + "\n".join(found)


def test_every_recorded_site_is_mapped_to_a_profile_or_explained() -> None:
    names = [site["name"] for site in RECORDINGS["sites"]]
    assert sorted(names) == sorted(SITES)
    assert {profile for profile in SITES.values() if profile} <= set(PROFILES)


def test_unmapped_sites_have_nothing_to_compare() -> None:
    for site in RECORDINGS["sites"]:
        if SITES[site["name"]] is None:
            assert not [p["endpoint"] for p in site["probes"] if successful(p)], site["name"]


def test_every_explanation_names_a_comparable_body() -> None:
    labels = {f"{s['name']} {p['endpoint']}" for s in RECORDINGS["sites"] for p in s["probes"] if successful(p)}
    assert set(FACTS_OF["not_reproduced"]) <= labels


def test_bodies_left_out_as_unparsable_are_the_known_cut_ones() -> None:
    """A 200 JSON-looking body that does not parse and has no truncated_from was cut by the recorder."""
    cut = sorted(f"{s['name']} {p['endpoint']}" for s in RECORDINGS["sites"] for p in s["probes"]
                 if p.get("body", "").startswith("{") and parsed(p["body"]) is None and "truncated_from" not in p)
    assert cut == sorted(FACTS_OF["cut_without_mark"])


def test_a_shape_difference_is_reported() -> None:
    """The comparison itself: keys, types, list items and data-keyed objects."""
    recorded = {"data": {"a": {"x": 1}}, "list": [{"k": "v"}], "n": 1.5}
    assert not mismatches(recorded, {"data": {"b": {"x": 2}}, "list": [{"k": "w"}], "n": 2}, "", {"data"})
    found = mismatches(recorded, {"data": {"b": {"x": "2"}}, "list": [{"j": "v"}], "n": None, "extra": 1}, "", {"data"})
    assert sorted(found) == sorted(["data.*.x: recorded number, emulated string", "list[].k: only recorded",
                                    "list[].j: only emulated", "n: recorded number, emulated null",
                                    ".extra: only emulated"])
