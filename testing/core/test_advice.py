"""Advice and site states (relaycompat/_advice.py, data/advice.yaml), token kinds and route
patterns (data/access_tokens.yaml), on hand-written results; the suite runs them end to end in
test_suite_run.py."""

from __future__ import annotations

from typing import Any

import pytest

from relaycompat._access_tokens import scoped_tokens, token_kind
from relaycompat._advice import SiteContext, advise, needed_scopes, render, rules, site_state
from relaycompat._expectations import Manifests
from relaycompat._ginpath import best, match

from ..conftest import REPO_ROOT

RC41 = {"declared": "new-api", "detected": "new-api", "version": "v1.0.0-rc.41", "at_least": None}


def probe(endpoint: str, verdict: str, outcome: str | None = "failed", code: str | None = None,
          message: str | None = None, endpoint_id: str = "x") -> dict[str, Any]:
    return {"endpoint": endpoint, "id": endpoint_id, "verdict": verdict, "outcome": outcome, "code": code,
            "message": message, "reason": message or ""}


def site(*probes: dict[str, Any], backend: dict[str, Any] | None = None, kind: str | None = "scoped",
         error: str | None = None) -> dict[str, Any]:
    return {"name": "S", "slug": "s", "url": "https://relay.example", "backend": backend or RC41, "error": error,
            "credentials": {"access_token": kind is not None, "access_token_kind": kind}, "probes": list(probes)}


@pytest.fixture(scope="module")
def context(catalogue) -> SiteContext:
    return SiteContext(catalogue, Manifests.load(REPO_ROOT / "manifests", catalogue), lang="en")


@pytest.mark.parametrize(
    ("probes", "state"),
    [
        ([probe("/api/status", "ok", "passed")], "ok"),
        ([probe("/api/prices", "not_found", "xfailed"), probe("/api/user/self", "skipped", "skipped")], "ok"),
        ([probe("/api/user/self", "auth_rejected"), probe("/api/token/", "auth_missing")], "credentials"),
        ([probe("/api/user/self", "auth_rejected"), probe("/api/status", "server_error")], "broken"),
        ([probe("/api/status", "timeout"), probe("/api/models", "tls_error")], "unreachable"),
        ([probe("/api/status", "blocked")], "unreachable"),
        ([probe("/api/user/self", "auth_rejected", None)], "credentials"),  # re-rendered results: no outcomes
    ],
)
def test_site_states(probes: list[dict[str, Any]], state: str) -> None:
    assert site_state(site(*probes)) == state


def test_a_prober_failure_is_broken() -> None:
    assert site_state(site(error="the prober failed")) == "broken"


def test_a_missing_scope_names_every_scope_and_what_it_cost(context: SiteContext) -> None:
    advice = advise(site(
        probe("/api/log/self?p=0&size=10", "auth_rejected", code="ACCESS_TOKEN_SCOPE_DENIED",
              message="访问令牌缺少所需权限：usage:read"),
        probe("/api/log/self/stat", "auth_rejected", code="ACCESS_TOKEN_SCOPE_DENIED",
              message="The access token lacks the required permission: usage:read"),
        probe("/api/token/", "auth_rejected", code="ACCESS_TOKEN_SCOPE_DENIED", message="(a fork's own words)"),
    ), context)
    (entry,) = advice
    assert entry["code"] == "token_scope_missing" and entry["scopes"] == ["api_key:read", "usage:read"]
    assert entry["endpoints"] == {"api_key:read": ["/api/token/"],  # from the route table when the message does not say
                                  "usage:read": ["/api/log/self?p=0&size=10", "/api/log/self/stat"]}
    assert entry["create_at"] == "https://relay.example/console/personal"
    assert "lacks api_key:read, usage:read, which cost 3 endpoints" in entry["message"]
    assert list(entry)[:2] == ["code", "message"]


def test_a_retired_token_gets_one_advice_with_the_scopes_the_suite_needs(context: SiteContext) -> None:
    retired = [probe(path, "auth_rejected", code="ACCESS_TOKEN_LEGACY_RETIRED")
               for path in ("/api/user/self", "/api/token/", "/api/user/dashboard")]
    (entry,) = advise(site(*retired, kind="system"), context)
    assert entry["code"] == "legacy_token_retired" and entry["needed"] == ["profile:read", "api_key:read", "usage:read"]
    assert "never a write scope" in entry["message"] and "3 endpoints" in entry["message"]
    assert "new-api v1.0.0-rc.41" in render(entry, "zh") and "安全 → 访问令牌" in render(entry, "zh")


def test_the_scopes_needed_follow_the_expectations_of_the_version(context: SiteContext) -> None:
    """/api/user/token (mutating) and the routes the manifest declares absent need no scope; a
    family without scoped tokens needs none."""
    assert needed_scopes(site(), context) == ["profile:read", "api_key:read", "usage:read"]
    assert needed_scopes(site(backend={"declared": "veloera", "detected": "veloera", "version": "v0.5.12"}), context) == []


@pytest.mark.parametrize(
    ("probes", "kind", "rotated", "codes"),
    [
        ([probe("/api/user/self", "auth_rejected", code="ACCESS_TOKEN_EXPIRED")], "scoped", False, ["token_expired"]),
        ([probe("/api/user/self", "auth_rejected", message="无权进行此操作，access token 无效")], "system", False,
         ["access_token_rejected"]),
        ([probe("/api/user/self", "auth_missing", message="未提供 New-Api-User")], "system", False, ["user_id_missing"]),
        ([probe("/api/status", "ok", "passed")], "relay_key", False, ["access_token_is_relay_key"]),
        ([probe("/api/status", "ok", "passed")], "system", True, ["token_rotated"]),
        ([probe("/api/user/self", "auth_rejected", code="ACCESS_TOKEN_LEGACY_RETIRED"),
          probe("/api/token/", "auth_rejected", message="x")], "system", False, ["legacy_token_retired", "access_token_rejected"]),
        ([probe("/api/user/self", "auth_rejected", "xfailed", message="x")], "system", False, []),  # not a failure
    ],
)
def test_each_rule(context: SiteContext, probes: list[dict[str, Any]], kind: str, rotated: bool, codes: list[str]) -> None:
    ctx = SiteContext(context.catalogue, context.manifests, rotated=rotated, lang="en")
    assert [a["code"] for a in advise(site(*probes, kind=kind), ctx)] == codes


def test_a_system_token_still_accepted_on_rc41_is_retiring(context: SiteContext) -> None:
    ok = [probe("/api/user/self", "ok", "passed"), probe("/api/user/groups", "ok", "passed")]
    assert [a["code"] for a in advise(site(*ok, kind="system"), context)] == ["legacy_token_retiring"]
    assert advise(site(*ok, kind="scoped"), context) == []
    rc22 = {**RC41, "version": "v1.0.0-rc.22"}
    assert advise(site(*ok, kind="system", backend=rc22), context) == []
    public_only = [probe("/api/user/groups", "ok", "passed")]  # a public route proves nothing about the token
    assert advise(site(*public_only, kind="system"), context) == []


def test_every_rule_has_both_languages_and_the_same_fields() -> None:
    import re

    fields = re.compile(r"\{(\w+)\}")
    for code, rule in rules().rules.items():
        assert rule.get("en") and rule.get("zh"), code
        assert set(fields.findall(rule["en"])) == set(fields.findall(rule["zh"])), code


@pytest.mark.parametrize(
    ("token", "kind"),
    [("nap_" + "a" * 43, "scoped"), ("sk-" + "b" * 48, "relay_key"), ("Zm9vYmFyYmF6cXV4", "system"), (None, None), ("", None)],
)
def test_token_kinds_by_prefix(token: str | None, kind: str | None) -> None:
    assert token_kind(token) == kind


@pytest.mark.parametrize(
    ("pattern", "path", "params"),
    [
        ("/api/token/:id/key", "/api/token/7/key", {"id": "7"}),
        ("/api/token/:id/key", "/api/token//key", None),
        ("/api/token/", "/api/token/", {}),
        ("/api/token/", "/api/token", None),
        ("/api/user/:id", "/api/user/self/groups", None),
        ("/files/*rest", "/files/a/b", {"rest": "/a/b"}),
    ],
)
def test_gin_patterns(pattern: str, path: str, params: dict[str, str] | None) -> None:
    assert match(pattern, path) == params


def test_gin_prefers_the_static_segment() -> None:
    patterns = ["/api/user/:id", "/api/user/self", "/api/user/groups"]
    assert best(patterns, "/api/user/self") == ("/api/user/self", {})
    assert best(patterns, "/api/user/token") == ("/api/user/:id", {"id": "token"})
    assert best(patterns, "/api/nope") is None
    table = scoped_tokens("new-api")
    assert table is not None and table.rule("GET", "/api/token/?p=1&size=10") == "api_key:read"
    assert table.rule("GET", "/api/token/3") == "api_key:read" and table.rule("POST", "/api/token/3/key") == "api_key:reveal"
    assert table.rule("GET", "/api/no/rule/here") is None
