"""The upstream GET route lists beside the profiles (profiles/routes/*.yaml): each names its
upstream commit and router file, and every route it lists is answered by the emulated backend as
that route, never by NoRoute's ``Invalid URL`` 404 (docs/emulator.md, "Route lists").

Admin and root routes answer the profile's refusal for a common user (facts.yaml ``admin_id``,
written from each backend's middleware/auth.go), as upstream answers the emulated account.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from relaycompat.emulator import load_profile
from relaycompat.emulator._profiles import load_route_list, route_list_names

from .conftest import FACTS, PROFILES

COMMIT = re.compile(r"[0-9a-f]{40}")
#: A value for each gin parameter: a token id the account has, any word elsewhere.
PARAMETER_VALUES = {"id": "1"}


def concrete(pattern: str) -> str:
    """A request path the gin ``pattern`` matches."""
    parts = []
    for segment in pattern.split("/"):
        if segment.startswith((":", "*")):
            segment = PARAMETER_VALUES.get(segment[1:], "sample")
        parts.append(segment)
    return "/".join(parts)


def is_no_route(response: Any) -> bool:
    if response.status_code != 404:
        return False
    error = response.json().get("error") if "json" in response.headers.get("content-type", "") else None
    return isinstance(error, dict) and str(error.get("message", "")).startswith("Invalid URL (")


def problem(site: Any, client: httpx.Client, profile: str, pattern: str, level: str) -> str | None:
    """What is wrong with the answer to ``pattern``, or ``None``."""
    path = concrete(pattern)
    response = site.get(path, auth="user" if level in ("try", "user", "admin", "root") else "relay", client=client)
    if is_no_route(response):
        return f"{path}: NoRoute's 404"
    if response.status_code == 301:
        return f"{path}: a redirect (the router cannot reach the pattern)"
    if level in ("admin", "root"):
        expected = FACTS["profiles"][profile]["refusals"]["admin_id"]
        got = (response.status_code, response.json().get("message"))
        if got != (expected["status"], expected["message"]):
            return f"{path}: {got}, not the admin middleware's refusal of a common user"
    return None


@pytest.mark.parametrize("profile", PROFILES)
def test_every_listed_route_is_answered_by_its_route(site_of, fresh_site, profile: str) -> None:
    """The walk: every GET the upstream router registers (and the emulator plays) answers as that route."""
    bodies = load_profile(profile)["routes"]
    routes = load_route_list(load_profile(profile)["route_list"]).routes.values()
    problems = []
    with httpx.Client() as client:
        for route in routes:
            mutating = bool((bodies.get(route.pattern) or {}).get("body"))  # rotates a token or creates one
            site = fresh_site(profile) if mutating else site_of(profile)
            problems.append(problem(site, client, profile, route.pattern, route.level))
    assert not [p for p in problems if p], f"{profile}: " + "; ".join(p for p in problems if p)
    assert len(problems) > 40, "a backend registers dozens of GET routes"


@pytest.mark.parametrize("name", route_list_names())
def test_each_route_list_names_its_upstream_commit_and_files(name: str) -> None:
    route_list = load_route_list(name)
    upstream = route_list.upstream
    assert upstream.get("repo"), f"{name}: say which repository the routes were read from"
    if "closed source" not in upstream["repo"]:
        assert COMMIT.fullmatch(str(upstream.get("commit", ""))), f"{name}: pin the full commit read"
    for route in [*route_list.routes.values(), *route_list.not_emulated.values()]:
        assert route.file.startswith("router/") and route.file.endswith(".go"), (name, route)
    for route in route_list.not_emulated.values():
        assert len(route.reason) > 20, f"{name}: {route.pattern} needs the reason it is not emulated"


def test_the_rix_api_list_says_it_is_assumed_from_its_open_parent() -> None:
    """Rix-API is closed: its list is new-api v0.9.25's minus what the recordings show absent."""
    rix, parent = load_route_list("rix-api"), load_route_list("new-api-legacy")
    assert "closed source" in rix.upstream["repo"]
    assert set(rix.routes) < set(parent.routes)
    assert set(parent.routes) - set(rix.routes) == {"/api/user/self/groups", "/api/user/groups"}
