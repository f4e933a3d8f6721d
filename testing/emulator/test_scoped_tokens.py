"""new-api rc.41's scoped access tokens, by real HTTP, against facts.yaml `scoped_tokens`.

Upstream: zyqfork/new-api @ caca52f8dea0436d63bacc0dd3e0a73ba7b6b094 (QuantumNous/new-api
caca52f8, rc.41) — middleware/auth.go (authHelper, TryUserAuth, enforceAccessTokenRoute,
writeDashboardAuthError), middleware/access_token_routes.go, middleware/auth_test.go,
model/user.go, model/user_access_token.go, router/api-router.go, i18n/locales; and at
QuantumNous/new-api 2d8e50bf (read in the zhudao/new-api mirror) middleware/disable-cache.go,
controller/token.go GetTokenKey, model/token.go. Each test names the file it follows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from relaycompat.emulator import Fleet
from relaycompat.emulator._server import Request

from .conftest import ACCOUNT, FACTS, Site, ordered_keys, serve, spec, token_of

SCOPED: dict[str, Any] = FACTS["scoped_tokens"]
RC41, TRANSITION = SCOPED["profile"], SCOPED["transition"]
LANGUAGES = {"en": "en-US,en;q=0.9", "zh": "zh-CN,zh;q=0.9,en;q=0.8"}


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    with serve(spec(RC41), spec(TRANSITION), spec("new-api")) as running:
        yield running


def site(fleet: Fleet, profile: str) -> Site:
    return Site(fleet.urls[profile], fleet, profile, token_of(profile))


_minted = iter(range(10**6))


def token_for(target: Site, token: Any) -> str | None:
    """The credential a case sends; a scoped one is first created on the site's account."""
    if token == "none":
        return None
    if token == "legacy":
        return ACCOUNT["access_token"] if target.slug == TRANSITION else "a-legacy-system-access-token"
    if token == "unknown":
        return SCOPED["prefix"] + "neverIssued".ljust(43, "0")
    value = SCOPED["prefix"] + f"case{next(_minted):06d}".ljust(43, "x")
    expires = token.get("expires_in")
    target.account.grant(value, tuple(token["scopes"]), int(time.time()) + expires if expires is not None else 0)
    return value


def call(target: Site, path: str, credential: str | None, lang: str, method: str = "GET") -> Any:
    headers = {"Accept-Language": LANGUAGES[lang]}
    if credential is None:
        return target.get(path, auth=None, headers=headers, method=method)
    return target.get(path, token=credential, headers=headers, method=method)


def assert_answer(response: Any, case: dict[str, Any], lang: str) -> None:
    answer = case["answer"]
    if answer in ("ok", "authenticated", "anonymous"):
        assert response.status_code == 200 and response.json()["success"] is True, response.text
        if answer != "ok":
            assert ("Auth-Version" in response.headers) == (answer == "authenticated"), dict(response.headers)
        return
    expected = SCOPED["refusals"][answer]
    assert response.status_code == expected["status"], response.text
    message = expected[lang].replace("{scope}", case.get("scope", ""))
    assert response.json() == {"success": False, "code": expected["code"], "message": message}
    assert ordered_keys(response.text)[-1] == ["code", "message", "success"], "gin.H: keys leave sorted"


def cases(key: str) -> list[Any]:
    return [pytest.param(case, lang, id=f"{n}-{case['path']}-{case['answer']}-{lang}")
            for n, case in enumerate(SCOPED[key], 1) for lang in LANGUAGES]


@pytest.mark.parametrize(("case", "lang"), cases("cases"))
def test_a_retired_site_answers_each_token_as_upstream(fleet: Fleet, case: dict[str, Any], lang: str) -> None:
    """middleware/auth.go @ caca52f8 (authHelper, TryUserAuth, enforceAccessTokenRoute) and
    model/user.go ValidateAccessToken; cases after middleware/auth_test.go."""
    target = site(fleet, RC41)
    assert_answer(call(target, case["path"], token_for(target, case["token"]), lang), case, lang)


@pytest.mark.parametrize(("case", "lang"), cases("transition_cases"))
def test_before_the_deadline_a_legacy_token_still_works(fleet: Fleet, case: dict[str, Any], lang: str) -> None:
    """model/user_access_token.go LegacyAccessTokensRetired and middleware/auth_test.go
    "legacy token before the deadline" / "legacy token on a session route" @ caca52f8."""
    target = site(fleet, TRANSITION)
    assert_answer(call(target, case["path"], token_for(target, case["token"]), lang), case, lang)


@pytest.mark.parametrize(("path", "scope"), list(SCOPED["route_rules"].items()))
def test_each_probed_route_needs_the_scope_upstream_declares(fleet: Fleet, path: str, scope: str) -> None:
    """middleware/access_token_routes.go accessTokenRouteRules @ caca52f8: without the scope a
    token is refused naming it; with only that scope it passes (`any`: any token; `session`: none)."""
    target = site(fleet, RC41)
    nothing = call(target, path, token_for(target, {"scopes": []}), "en")
    if scope == "any":
        assert nothing.status_code == 200 and "Auth-Version" in nothing.headers
        return
    if scope == "session":
        assert_answer(nothing, {"answer": "session_required"}, "en")
        assert_answer(call(target, path, token_for(target, {"scopes": list(SCOPED["route_rules"].values())}), "en"),
                      {"answer": "session_required"}, "en")
        return
    assert_answer(nothing, {"answer": "scope_denied", "scope": scope}, "en")
    assert call(target, path, token_for(target, {"scopes": [scope]}), "en").status_code == 200


def test_an_undeclared_route_is_refused_to_a_scoped_token(fleet: Fleet) -> None:
    """enforceAccessTokenRoute @ caca52f8 fails closed (auth_test.go "undeclared route"); no
    served route is undeclared, so the engine is asked directly about an upstream pattern
    that is not in accessTokenRouteRules."""
    target = site(fleet, RC41)
    credential = token_for(target, {"scopes": ["profile:read"]})
    request = Request("GET", "/api/undeclared", {"authorization": f"Bearer {credential}"})
    refused, _ = fleet.apps[RC41].authenticate(request, "user", "/api/undeclared")
    expected = SCOPED["refusals"]["route_undeclared"]
    assert refused is not None and refused.status == expected["status"]
    assert json.loads(refused.body) == {"success": False, "code": expected["code"], "message": expected["en"]}
    allowed, _ = fleet.apps[RC41].authenticate(request, "user", "/api/user/self")
    assert allowed is None


def test_user_token_falls_into_the_admin_route_and_changes_nothing(fleet: Fleet) -> None:
    """router/api-router.go @ caca52f8: no selfRoute GET /token; GET /api/user/:id (AdminAuth)
    answers 403 AUTH_INSUFFICIENT_PRIVILEGE to a common user, and nothing rotates."""
    target = site(fleet, RC41)
    before = target.account.rotations
    assert_answer(target.get("/api/user/token", headers={"Accept-Language": "en"}), {"answer": "admin_id"}, "en")
    assert target.account.rotations == before
    assert target.get("/api/user/self").status_code == 200, "the token in the site file still works"


def test_self_routes_send_no_store_even_when_refusing(fleet: Fleet) -> None:
    """router/api-router.go @ caca52f8 selfRoute.Use(DisableCache(), UserAuth()); the headers of
    middleware/disable-cache.go @ 2d8e50bf. DisableCache runs first, so a refusal carries them."""
    target = site(fleet, RC41)
    expected = SCOPED["no_store"]["headers"]
    for path in SCOPED["no_store"]["sent_on"]:
        for response in (target.get(path), target.get(path, auth=None), target.get(path, token="legacy-value")):
            assert {name: response.headers.get(name) for name in expected} == expected, (path, response.status_code)
    for path in SCOPED["no_store"]["not_sent_on"]:
        assert "Cache-Control" not in target.get(path).headers, path


def test_token_lists_mask_the_keys(fleet: Fleet) -> None:
    """model/token.go MaskTokenKey (d67f446b, v0.11.4) via controller/token.go
    buildMaskedTokenResponses @ 2d8e50bf: 4 characters, 10 stars, 4 characters."""
    target = site(fleet, RC41)
    mask = SCOPED["reveal"]["list_mask"]
    items = target.get("/api/token/?p=1&size=10").json()["data"]["items"]
    keys = {t["id"]: t["key"] for t in target.account.tokens}
    assert items and all(item["key"] == keys[item["id"]][:mask["head"]] + "*" * mask["stars"] + keys[item["id"]][-mask["tail"]:]
                         for item in items)


@pytest.mark.parametrize("profile", [RC41, "new-api"])
def test_revealing_a_key_needs_api_key_reveal(fleet: Fleet, profile: str) -> None:
    """POST /api/token/:id/key: router/api-router.go tokenRoute (2d8e50bf and caca52f8),
    controller/token.go GetTokenKey and model/token.go GetTokenByIds @ 2d8e50bf; the scope
    api_key:reveal from middleware/access_token_routes.go @ caca52f8. rc.22 has no scopes: its PAT may."""
    target = site(fleet, profile)
    reveal = SCOPED["reveal"]
    relay = next(t for t in target.account.tokens if "sk-" + t["key"] == ACCOUNT["api_key"])
    if profile == RC41:
        reader = token_for(target, {"scopes": ["api_key:read"]})
        assert_answer(call(target, f"/api/token/{relay['id']}/key", reader, "en", "POST"),
                      {"answer": "scope_denied", "scope": reveal["scope"]}, "en")
        credential = token_for(target, {"scopes": [reveal["scope"]]})
    else:
        credential = target.access_token
    shown = call(target, f"/api/token/{relay['id']}/key", credential, "en", "POST")
    assert shown.status_code == 200 and shown.json() == {"success": True, "message": "", "data": {"key": relay["key"]}}
    assert shown.headers.get("Cache-Control") == SCOPED["no_store"]["headers"]["Cache-Control"]
    assert call(target, "/api/token/99999/key", credential, "en", "POST").json() == {"success": False, "message": reveal["not_found"]}
    assert call(target, "/api/token/x/key", credential, "en", "POST").json() == {"success": False, "message": reveal["bad_id"]}
    assert call(target, f"/api/token/{relay['id']}/key", None, "en", "POST").status_code == 401
    assert call(target, f"/api/token/{relay['id']}", credential, "en", "DELETE").status_code == 404, "other methods: NoRoute"


def test_the_route_table_holds_every_rule_of_access_token_routes_go() -> None:
    """middleware/access_token_routes.go @ caca52f8 declares 228 rules (method + route); the
    data file carries them all, beside the GET routes without dashboard auth (`none`)."""
    from relaycompat._access_tokens import scoped_tokens

    table = scoped_tokens(FACTS["profiles"][RC41]["backend"])
    assert table is not None and table.prefix == SCOPED["prefix"]
    rules = [rule for methods in table.routes.values() for rule in methods.values() if rule != "none"]
    assert len(rules) == SCOPED["rule_count"]
    for path, scope in SCOPED["route_rules"].items():
        assert table.rule("GET", path) == scope, path
    assert table.rule("GET", "/api/user/token") == "user:read", "the admin :id route's rule"
    assert table.rule("GET", "/api/user/groups") == "none", "a public route shadows /api/user/:id"
