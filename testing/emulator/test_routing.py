"""Which routes exist per profile (backends.md §1), NoRoute's 404 body (§2.2), gin's trailing-slash
redirect (§2.3, §12) and the headers each backend's middleware adds, by real HTTP (facts.yaml)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import FACTS, PROFILES, ordered_keys

MATRIX: dict[str, Any] = FACTS["matrix"]
CELLS = [pytest.param(profile, path, str(row[column]), id=f"{profile}-{path}")
         for path, row in MATRIX["rows"].items() for column, profile in enumerate(MATRIX["columns"])]


def assert_not_found(response: Any, profile: str, path: str) -> None:
    assert response.status_code == 404, response.text
    keys = FACTS["profiles"][profile]["not_found_keys"]
    assert ordered_keys(response.text) == [keys, ["error"]]
    error = response.json()["error"]
    assert error["message"] == f"Invalid URL (GET {path.split('?')[0]})"
    assert error["type"] == "invalid_request_error"
    assert all(error[key] == "" for key in keys if key in ("param", "code"))


def assert_refused(response: Any, profile: str, failure: str) -> None:
    expected = FACTS["profiles"][profile]["refusals"][failure]
    assert response.status_code == expected["status"], response.text
    assert response.json()["message"] == expected["message"]


def assert_answered(response: Any) -> None:
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True, response.text


@pytest.mark.parametrize(("profile", "path", "cell"), CELLS)
def test_route_matrix(site_of, profile: str, path: str, cell: str) -> None:
    site = site_of(profile)
    if cell == "P":
        assert_answered(site.get(path, auth=None))
    elif cell in ("U", "M", "login"):
        assert_refused(site.get(path, auth=None), profile, "no_credential")
        if cell == "U":
            assert_answered(site.get(path))
    elif cell == "A:id":
        assert_refused(site.get(path), profile, "admin_id")
    elif cell in ("-", "404"):
        assert_not_found(site.get(path), profile, path)
    elif cell == "301":
        response = site.get(path)
        assert response.status_code == 301 and response.headers["Location"] == path + "/"
    elif cell == "T":
        assert site.get(path, auth=None).status_code == 401
        assert site.get(path, auth="relay").status_code == 200
    else:
        raise AssertionError(f"facts.yaml: unknown matrix symbol {cell!r}")


def test_the_matrix_covers_every_profile_and_the_24_probes() -> None:
    assert sorted(MATRIX["columns"]) == sorted(PROFILES)
    assert len(MATRIX["rows"]) == 24
    assert all(len(row) == len(MATRIX["columns"]) for row in MATRIX["rows"].values())


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("path", ["/api/no-such-route", "/v1/no-such-route", "/api/user/self/groups/x"])
def test_unknown_paths_answer_the_backends_own_404_body(site_of, profile: str, path: str) -> None:
    response = site_of(profile).get(path + "?q=1")
    assert_not_found(response, profile, path)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    for name, value in (FACTS["profiles"][profile].get("not_found_headers") or {}).items():
        assert response.headers.get(name) == value


@pytest.mark.parametrize("profile", PROFILES)
def test_api_group_answers_gins_301(site_of, profile: str) -> None:
    """§2.3: before any middleware, net/http's HTML body; the query string is kept."""
    site = site_of(profile)
    response = site.get("/api/group")
    assert response.status_code == 301
    assert response.headers["Location"] == "/api/group/"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text == '<a href="/api/group/">Moved Permanently</a>.\n\n'
    assert "X-Oneapi-Request-Id" not in response.headers, "engine middleware does not run (§2.3)"
    assert site.get("/api/group?x=1").headers["Location"] == "/api/group/?x=1"


@pytest.mark.parametrize("profile", PROFILES)
def test_api_user_without_the_slash(site_of, profile: str) -> None:
    """§2.3 predicts 301; §12: v0.9+ new-api and done-hub answered the 404 body instead."""
    response = site_of(profile).get("/api/user")
    if FACTS["profiles"][profile]["api_user"] == 404:
        assert_not_found(response, profile, "/api/user")
    else:
        assert response.status_code == 301 and response.headers["Location"] == "/api/user/"
        assert response.text == '<a href="/api/user/">Moved Permanently</a>.\n\n'


@pytest.mark.parametrize("profile", PROFILES)
def test_every_answer_carries_a_request_id(site_of, profile: str) -> None:
    site = site_of(profile)
    for response in (site.get("/api/status", auth=None), site.get("/api/user/self"), site.get("/api/nope")):
        assert response.headers.get("X-Oneapi-Request-Id"), response.url


def test_new_api_headers(site_of) -> None:
    """§3.1, §3.3, §3.7: X-New-Api-Version everywhere, Auth-Version once authenticated,
    Cache-Version on the web router's answers (NoRoute)."""
    facts = FACTS["profiles"]["new-api"]["headers"]
    site = site_of("new-api")
    public, authenticated, missing = site.get("/api/status", auth=None), site.get("/api/user/self"), site.get("/api/nope")
    for name in facts["every_answer"]:
        assert public.headers.get(name) and authenticated.headers.get(name) and missing.headers.get(name)
    for name, value in facts["authenticated"].items():
        assert authenticated.headers.get(name) == value and name not in public.headers
    for name in facts["not_found"]:
        assert missing.headers.get(name) and name not in public.headers


@pytest.mark.parametrize("profile", [p for p in PROFILES if FACTS["profiles"][p].get("headers_absent")])
def test_older_versions_send_none_of_the_newer_headers(site_of, profile: str) -> None:
    site = site_of(profile)
    for response in (site.get("/api/status", auth=None), site.get("/api/user/self"), site.get("/api/nope")):
        assert not [h for h in FACTS["profiles"][profile]["headers_absent"] if h in response.headers]


def test_done_hub_security_headers_on_api_answers(site_of) -> None:
    """§7: SecurityHeaders and NoCache on the /api group: answers and auth refusals alike."""
    expected = FACTS["profiles"]["done-hub"]["headers"]["api_answer"]
    site = site_of("done-hub")
    for response in (site.get("/api/status", auth=None), site.get("/api/user/self"), site.get("/api/user/self", auth=None)):
        assert {name: response.headers.get(name) for name in expected} == expected


@pytest.mark.parametrize("profile", PROFILES)
def test_status_keys(site_of, profile: str) -> None:
    keys = FACTS["profiles"][profile].get("status_keys")
    if keys is None:
        pytest.skip("facts.yaml lists no /api/status keys for this profile")
    data = site_of(profile).get("/api/status", auth=None).json()["data"]
    assert not [k for k in keys["present"] if k not in data] and not [k for k in keys["absent"] if k in data]
    assert list(data) == sorted(data), "gin.H: a map's keys leave sorted"


@pytest.mark.parametrize("profile", [p for p in PROFILES if FACTS["profiles"][p].get("dashboard_keys")])
def test_dashboard_rows_keep_untagged_go_field_names(site_of, profile: str) -> None:
    rows = site_of(profile).get("/api/user/dashboard").json()["data"]
    assert rows and all(list(row) == FACTS["profiles"][profile]["dashboard_keys"] for row in rows)


def test_one_api_models_keeps_its_message_but_new_api_drops_it(site_of) -> None:
    """§5 vs §2.1: one-api's /api/models is the full envelope, new-api's has no message key."""
    assert "message" in site_of("one-api").get("/api/models").json()
    assert "message" not in site_of("new-api").get("/api/models").json()
    assert "message" not in site_of("new-api").get("/api/pricing", auth=None).json()


def test_veloera_check_in_status(site_of) -> None:
    data = site_of("veloera").get("/api/user/check_in_status").json()["data"]
    assert list(data) == ["can_check_in"] and isinstance(data["can_check_in"], bool)


def test_hub_old_prices_need_an_admin(site_of) -> None:
    """§1 #4: /api/prices is public, ?type=old is AdminAuth."""
    site = site_of("one-hub")
    assert site.get("/api/prices", auth=None).json()["success"] is True
    assert site.get("/api/prices?type=old").json() == {"success": False, "message": "无权进行此操作，权限不足"}
