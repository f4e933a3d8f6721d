"""The routes today's clients call, answered by every profile as its upstream does (facts.yaml
``clients_2026``, written from each backend's router and controllers at the commit its route list
names; backends-2026h2.md §3–§4), by real HTTP."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

import pytest

from relaycompat.emulator import load_profile
from relaycompat.emulator._account import Account
from relaycompat.emulator._backend import BackendApp
from relaycompat.emulator._server import Request

from .conftest import ACCOUNT, FACTS, PROFILES, ordered_keys
from .test_routing import assert_answered, assert_not_found, assert_refused

CLIENTS: dict[str, Any] = FACTS["clients_2026"]
BODIES: dict[str, Any] = CLIENTS["bodies"]
CELLS = [pytest.param(profile, path, str(row[column]), id=f"{profile}-{path}")
         for path, row in CLIENTS["rows"].items() for column, profile in enumerate(CLIENTS["columns"])]


@pytest.mark.parametrize(("profile", "path", "cell"), CELLS)
def test_client_route_matrix(site_of, profile: str, path: str, cell: str) -> None:
    site = site_of(profile)
    if cell == "P":
        assert_answered(site.get(path, auth=None))
    elif cell == "U":
        assert_refused(site.get(path, auth=None), profile, "no_credential")
        assert_answered(site.get(path))
    elif cell == "A:id":
        assert_refused(site.get(path), profile, "admin_id")
    elif cell == "-":
        assert_not_found(site.get(path), profile, path)
    elif cell == "T":
        assert site.get(path, auth=None).status_code == 401
        answer = site.get(path, auth="relay")
        assert answer.status_code == 200 and "error" not in answer.json(), answer.text
    elif cell == "off":
        response = site.get(path)
        assert response.status_code == 200 and response.json() == {"success": False, "message": BODIES["checkin_off"]}
    elif cell == "atoi":
        segment = path.split("?")[0].rsplit("/", 1)[1]
        response = site.get(path)
        assert response.json() == {"success": False, "message": f'strconv.Atoi: parsing "{segment}": invalid syntax'}
    elif cell == "session":
        expected = BODIES["session_required"]
        response = site.get(path)
        assert response.status_code == expected["status"]
        assert response.json() == {"success": False, "code": expected["code"], "message": expected["message"]}
        assert response.headers["Cache-Control"].startswith("no-store"), "DisableCache() runs before the handler"
    else:
        raise AssertionError(f"facts.yaml: unknown clients_2026 symbol {cell!r}")


def test_the_matrix_covers_every_profile() -> None:
    assert sorted(CLIENTS["columns"]) == sorted(PROFILES)
    assert all(len(row) == len(CLIENTS["columns"]) for row in CLIENTS["rows"].values())


@pytest.mark.parametrize("profile", PROFILES)
def test_notice_about_and_invite_code(site_of, profile: str) -> None:
    site = site_of(profile)
    for path in ("/api/notice", "/api/about"):
        assert site.get(path, auth=None).json()["data"] == BODIES["option_text"]
    aff = site.get("/api/user/aff").json()
    assert aff["data"] == site.account.aff_code and list(aff) == ["data", "message", "success"]


@pytest.mark.parametrize("profile", PROFILES)
def test_one_token_by_id_and_its_refusals(site_of, profile: str) -> None:
    site = site_of(profile)
    listed = site.get("/api/token/1").json()["data"]
    assert listed["id"] == 1 and listed["user_id"] == ACCOUNT["user_id"]
    assert site.get("/api/token/999").json() == {"success": False, "message": BODIES["token_not_found"]}
    assert site.get("/api/token/0").json() == {"success": False, "message": BODIES["token_id_zero"]}


@pytest.mark.parametrize("profile", [p for p in PROFILES if CLIENTS["rows"]["/api/data/self"][CLIENTS["columns"].index(p)] == "U"])
def test_usage_data_spans_at_most_a_month(site_of, profile: str) -> None:
    site = site_of(profile)
    assert site.get("/api/data/self").json()["data"] == [], "no range: created_at between 0 and 0"
    refused = site.get("/api/data/self?start_timestamp=0&end_timestamp=2592001").json()
    assert refused == {"success": False, "message": BODIES["data_span_refusal"]}
    now = int(time.time())
    rows = site.get(f"/api/data/self?start_timestamp={now - 86400}&end_timestamp={now}").json()["data"]
    assert rows and all(row["created_at"] % 3600 == 0 for row in rows), "quota_data keeps the hour"
    assert sum(row["count"] for row in rows) == sum(1 for log in site.account.logs if log["created_at"] >= now - 86400 - 3600)


@pytest.mark.parametrize("profile", PROFILES)
def test_billing_reports_the_relay_key(site_of, profile: str) -> None:
    site = site_of(profile)
    subscription = site.get("/v1/dashboard/billing/subscription", auth="relay").json()
    assert list(subscription) == ["object", "has_payment_method", "soft_limit_usd", "hard_limit_usd",
                                  "system_hard_limit_usd", "access_until"], "OpenAISubscriptionResponse field order"
    key_token = site.account.token_for_key(ACCOUNT["api_key"])
    assert key_token["unlimited_quota"], "the facts account's key is its first, unlimited token"
    user = site.account
    expected = 100000000 if BODIES["unlimited_key_limit"][profile] == "fixed" else (user.quota + user.used_quota) / 500000
    assert subscription["hard_limit_usd"] == expected and subscription["access_until"] == 0
    usage = site.get("/v1/dashboard/billing/usage", auth="relay").json()
    assert usage["object"] == "list" and isinstance(usage["total_usage"], int | float)


@pytest.mark.parametrize("profile", [p for p in PROFILES if CLIENTS["rows"]["/api/usage/token/"][CLIENTS["columns"].index(p)] == "T"])
def test_token_usage_has_its_own_envelope(site_of, profile: str) -> None:
    response = site_of(profile).get("/api/usage/token/", auth="relay")
    assert ordered_keys(response.text)[-1] == BODIES["usage_token_envelope"]
    body = response.json()
    assert body["code"] is True and body["message"] == "ok" and "success" not in body
    assert body["data"]["object"] == "token_usage"


def test_new_api_rc22_items_and_defaults(site_of) -> None:
    site = site_of("new-api")
    token = site.get("/api/token/?p=1&size=1").json()["data"]["items"][0]
    assert all(field in token for field in BODIES["new_api_token_fields"])
    assert "*" in token["key"], "masked since v0.11.4"
    logs = site.get("/api/log/self?p=2&page_size=3").json()["data"]["items"]
    assert [log["id"] for log in logs] == [4, 5, 6], "display ids: offset + i + 1"
    assert all(field in logs[0] for field in BODIES["new_api_log_fields"])
    info = site.get("/api/user/topup/info").json()["data"]
    assert {k: info[k] for k in BODIES["topup_info_rc22"]} == BODIES["topup_info_rc22"]
    assert site.get("/api/token/auto-groups").json()["data"] == BODIES["auto_groups_rc22"]
    assert "admin_permissions" in site.get("/api/user/self").json()["data"]["permissions"]
    assert site.get("/api/log/self/search").json() == {"success": False, "message": BODIES["log_search_retired"]}


def test_new_api_check_in_when_the_admin_turns_it_on() -> None:
    """controller/checkin.go GetCheckinStatus: {success, data{enabled, min_quota, max_quota, stats}}, no message."""
    profile = copy.deepcopy(load_profile("new-api"))
    profile["options"]["checkin_enabled"] = True
    account = Account.create("checkin", user_id=7, access_token="checkin-token", api_key=None)
    app = BackendApp(profile, account, name="checkin")
    request = Request("GET", "/api/user/checkin?month=2026-11", {"authorization": "Bearer checkin-token"})
    response = asyncio.run(app(request))
    assert response.status == 200
    assert ordered_keys(response.body.decode())[-2:] == [["enabled", "max_quota", "min_quota", "stats"], ["data", "success"]]
    status = asyncio.run(app(Request("GET", "/api/status", {})))
    assert b'"checkin_enabled":true' in status.body, "/api/status tells clients the same"


@pytest.mark.parametrize("profile", ["new-api-legacy", "new-api", "new-api-rc41", "rix-api"])
def test_new_api_gemini_model_list(site_of, profile: str) -> None:
    """router/relay-router.go's geminiRouter → controller/model.go ListModels(c, ChannelTypeGemini)
    (QuantumNous/new-api v0.9.25 ff31f7df and 2d8e50bf): ``{models, nextPageToken: null}``, each a
    dto GeminiModel with only name and displayName set."""
    response = site_of(profile).get("/v1beta/models", auth="relay")
    assert response.status_code == 200 and ordered_keys(response.text)[-1] == ["models", "nextPageToken"]
    body = response.json()
    assert body["nextPageToken"] is None and body["models"]
    first = body["models"][0]
    assert first["name"] == first["displayName"] and first["supportedGenerationMethods"] is None
    assert list(first) == ["name", "baseModelId", "version", "displayName", "description", "inputTokenLimit",
                           "outputTokenLimit", "supportedGenerationMethods", "thinking", "temperature",
                           "maxTemperature", "topP", "topK"]
