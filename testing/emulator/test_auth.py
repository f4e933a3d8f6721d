"""Auth middleware of every profile: refusal status codes and bodies, user-id headers, the admin
``:id`` refusal, Accept-Language, and relay (``sk-`` key) errors, by real HTTP (facts.yaml)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import ACCOUNT, FACTS, PROFILES, ordered_keys, token_of

WITH_HEADER = [p for p in PROFILES if FACTS["profiles"][p].get("user_header")]
WITHOUT_HEADER = [p for p in PROFILES if not FACTS["profiles"][p].get("user_header")]
REQUEST_ID = re.compile(r" \(request id: [0-9]{14,}[A-Za-z0-9]{4,}\)$")


def refusals(*failures: str) -> list[Any]:
    return [pytest.param(profile, failure, id=f"{profile}-{failure}")
            for profile in PROFILES for failure in failures if failure in FACTS["profiles"][profile]["refusals"]]


def assert_refusal(response: Any, expected: dict[str, Any]) -> None:
    assert response.status_code == expected["status"], response.text
    body = response.json()
    wanted = {"success": False, "message": expected["message"]}
    if "code" in expected:
        wanted["code"] = expected["code"]
    assert body == wanted
    assert ordered_keys(response.text)[-1] == sorted(wanted), "a gin.H map: keys leave sorted"


@pytest.mark.parametrize(("profile", "failure"), refusals("no_credential", "bad_credential"))
def test_credential_refusals(site_of, profile: str, failure: str) -> None:
    expected = FACTS["profiles"][profile]["refusals"][failure]
    site = site_of(profile)
    response = site.get("/api/user/self", auth=None) if failure == "no_credential" \
        else site.get("/api/user/self", token="not-the-access-token")
    assert_refusal(response, expected)


@pytest.mark.parametrize("profile", WITH_HEADER)
@pytest.mark.parametrize(("failure", "value"), [("header_missing", None), ("header_format", "abc"),
                                                  ("header_mismatch", "1")])
def test_user_id_header_refusals(site_of, profile: str, failure: str, value: str | None) -> None:
    facts = FACTS["profiles"][profile]
    if failure not in facts["refusals"]:
        pytest.skip(f"backends.md records no {failure} message for {profile}")
    header = facts["user_header"]
    sent = {"Authorization": f"Bearer {ACCOUNT['access_token']}"}
    if value is not None:
        sent[header] = value
    response = site_of(profile).get("/api/user/self", auth=None, headers=sent)
    assert_refusal(response, facts["refusals"][failure])


@pytest.mark.parametrize("profile", WITH_HEADER)
def test_the_user_header_is_checked_before_the_admin_role(site_of, profile: str) -> None:
    """§2.4: on legacy new-api and Veloera a missing header (401) comes before the role check."""
    sent = {"Authorization": f"Bearer {ACCOUNT['access_token']}"}
    response = site_of(profile).get("/api/user/no-such-word", auth=None, headers=sent)
    assert_refusal(response, FACTS["profiles"][profile]["refusals"]["header_missing"])


@pytest.mark.parametrize("profile", WITHOUT_HEADER)
def test_backends_without_a_user_header_ignore_it(site_of, profile: str) -> None:
    site = site_of(profile)
    token = {"Authorization": f"Bearer {token_of(profile)}"}
    for extra in ({}, {"New-Api-User": "1"}, {"New-Api-User": "abc"}):
        response = site.get("/api/user/self", auth=None, headers={**token, **extra})
        assert response.status_code == 200 and response.json()["success"] is True, (extra, response.text)


@pytest.mark.parametrize("profile", PROFILES)
def test_the_admin_id_route_refuses_a_common_user(site_of, profile: str) -> None:
    """§2.4: an unregistered /api/user/<word> is GetUser behind AdminAuth."""
    response = site_of(profile).get("/api/user/no-such-word")
    assert_refusal(response, FACTS["profiles"][profile]["refusals"]["admin_id"])


@pytest.mark.parametrize(("profile", "language"), [
    pytest.param(profile, language, id=f"{profile}-{language or 'none'}")
    for profile in PROFILES for language in FACTS["profiles"][profile].get("accept_language", {})])
def test_messages_follow_accept_language_where_the_version_does(site_of, profile: str, language: str) -> None:
    expected = FACTS["profiles"][profile]["accept_language"][language]
    headers = {"Accept-Language": language} if language else {}
    response = site_of(profile).get("/api/user/self", token="not-the-access-token", headers=headers)
    assert response.json()["message"] == expected


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("case", ["missing", "invalid"])
def test_relay_errors(site_of, profile: str, case: str) -> None:
    relay = FACTS["profiles"][profile]["relay"]
    if case not in relay:
        pytest.skip(f"backends.md and the recordings show no {case}-key message for {profile}")
    site = site_of(profile)
    response = site.get("/v1/models", auth=None) if case == "missing" else \
        site.get("/v1/models", auth="relay", token="sk-" + "x" * 48)
    assert response.status_code == 401
    error = response.json()["error"]
    assert ordered_keys(response.text)[0] == relay["keys"]
    assert error["type"] == relay["type"]
    assert error.get("code", "") == ""
    message = error["message"]
    if relay["request_id"]:
        assert REQUEST_ID.search(message), message
        message = REQUEST_ID.sub("", message)
    assert message == relay[case]
    assert response.headers["X-Oneapi-Request-Id"], "§2.5: every backend sends the request id header"


@pytest.mark.parametrize("profile", PROFILES)
def test_a_valid_relay_key_lists_models(site_of, profile: str) -> None:
    response = site_of(profile).get("/v1/models", auth="relay")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data and all(isinstance(model["id"], str) for model in data)


def test_rc22_pricing_reads_a_pat_and_treats_an_unknown_one_as_anonymous(site_of) -> None:
    """§3.3: TryUserAuth accepts a PAT (Auth-Version comes back); an unknown PAT is anonymous."""
    site = site_of("new-api")
    known = site.get("/api/pricing")
    unknown = site.get("/api/pricing", token="not-the-access-token")
    assert known.status_code == unknown.status_code == 200
    assert known.headers.get("Auth-Version") == FACTS["profiles"]["new-api"]["headers"]["authenticated"]["Auth-Version"]
    assert "Auth-Version" not in unknown.headers and unknown.json()["success"] is True


def test_legacy_pricing_ignores_a_pat(site_of) -> None:
    """§3.2: legacy TryUserAuth copies the session id only; a PAT gives the anonymous view."""
    response = site_of("new-api-legacy").get("/api/pricing", token="not-the-access-token")
    assert response.status_code == 200 and response.json()["success"] is True
