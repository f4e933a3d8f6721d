"""Each backend's schemas reject another backend's body where the shapes really differ.

Real bodies from the recordings where the sample has them (cut ones salvaged: the shape is what
matters), the emulated backends' bodies over loopback for token lists (every recorded token
list was refused), and backends.md §3.3 for the rc.22 refusal no recorded site answered.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from relaycompat._schemas import SchemaSet
from relaycompat.emulator import profile_names
from testing.recorded import recorded_body


def _paths(result: Any) -> list[str]:
    return [f"{e['path']} {e['keyword']} {e['expected']}" for e in result.errors]


def _envelope(body: Any) -> Any:
    body = copy.deepcopy(body)
    body.setdefault("success", True)  # keys come sorted: `success` was after the cut
    return body


# ---- /api/user/self --------------------------------------------------------------------------
def test_done_hub_user_is_not_a_new_api_user(schema_set: SchemaSet) -> None:
    body = recorded_body("黑与白公益站", "/api/user/self")
    assert schema_set.validate("done-hub", "api_user_self", body).errors == []
    result = schema_set.validate("new-api", "api_user_self", body)
    assert "$.data.telegram_id type type string" in _paths(result)  # an int on the hubs


def test_new_api_user_map_is_not_a_done_hub_user(schema_set: SchemaSet) -> None:
    body = recorded_body("薄荷 API", "/api/user/self")
    result = schema_set.validate("done-hub", "api_user_self", body)
    assert "$.data required field 'access_token'" in _paths(result)
    assert "$.data.telegram_id type type integer" in _paths(result)


def test_veloera_user_struct_is_not_what_new_api_v0_9_answers(schema_set: SchemaSet) -> None:
    body = recorded_body("随时跑路公益", "/api/user/self")
    assert schema_set.validate("new-api", "api_user_self", body).errors == []  # version unknown: < v0.9 shape
    result = schema_set.validate("new-api", "api_user_self", body, version="v0.9.25")
    assert result.version == "v0.9.25"
    assert "$.data required field 'permissions'" in _paths(result)
    assert result.errors[0]["shape"] == "hand-built map without access_token (new-api >= v0.9)"


def test_new_api_v0_9_map_is_not_a_veloera_user(schema_set: SchemaSet) -> None:
    result = schema_set.validate("veloera", "api_user_self", recorded_body("薄荷 API", "/api/user/self"))
    assert "$.data required field 'access_token'" in _paths(result)


def test_rix_user_has_no_group_for_new_api_clients(schema_set: SchemaSet) -> None:
    body = recorded_body("一叶知秋API", "/api/user/self")
    assert schema_set.validate("rix-api", "api_user_self", body).errors == []
    assert "$.data required field 'group'" in _paths(schema_set.validate("new-api", "api_user_self", body))


@pytest.mark.parametrize(("site", "family"), [("随时跑路公益", "veloera"), ("薄荷 API", "new-api"),
                                               ("黑与白公益站", "done-hub"), ("一叶知秋API", "rix-api")])
def test_a_quota_turned_string_is_a_mismatch(site: str, family: str, schema_set: SchemaSet) -> None:
    body = recorded_body(site, "/api/user/self")
    body["data"]["quota"] = str(body["data"]["quota"])
    result = schema_set.validate(family, "api_user_self", body)
    assert result.errors and result.errors[0]["path"] == "$.data.quota"
    assert result.errors[0]["expected"] == "type integer"
    assert result.errors[0]["actual"].startswith('string "')


# ---- pricing ---------------------------------------------------------------------------------
def test_one_hub_prices_are_not_new_api_pricing(schema_set: SchemaSet) -> None:
    body = _envelope(recorded_body("黑与白公益站", "/api/prices"))
    body["data"] = body["data"][:-1]  # the last item may lack fields after the cut
    assert schema_set.validate("done-hub", "api_prices", body).errors == []
    result = schema_set.validate("new-api", "api_pricing", body)
    assert any(p.startswith("$.data[0] required field 'model_name'") for p in _paths(result))


def test_new_api_pricing_is_not_one_hub_prices(schema_set: SchemaSet) -> None:
    body = recorded_body("Free DuckCoding", "/api/pricing")
    assert schema_set.validate("new-api", "api_pricing", body).errors == []
    result = schema_set.validate("one-hub", "api_prices", body)
    assert any(p.startswith("$.data[0] required field 'model'") for p in _paths(result))
    assert "more like it" in result.errors[0]["repeats"]


def test_rix_pricing_object_is_not_the_new_api_list(schema_set: SchemaSet) -> None:
    body = _envelope(recorded_body("一叶知秋API", "/api/pricing"))
    body["data"]["model_info"] = body["data"]["model_info"][:-1]
    assert schema_set.validate("rix-api", "api_pricing", body).errors == []
    assert "$.data type type array" in _paths(schema_set.validate("new-api", "api_pricing", body))
    assert "$.data type type object" in _paths(
        schema_set.validate("rix-api", "api_pricing", recorded_body("B4U公益站", "/api/pricing")))


# ---- groups ----------------------------------------------------------------------------------
def test_new_api_groups_are_not_a_hub_group_map(schema_set: SchemaSet) -> None:
    result = schema_set.validate("one-hub", "api_user_group_map", recorded_body("ThatAPI", "/api/user/groups"))
    assert result.errors[0]["expected"] == "field 'name'"


def test_hub_group_map_is_not_new_api_groups(schema_set: SchemaSet) -> None:
    body = recorded_body("黑与白公益站", "/api/user_group_map")
    assert schema_set.validate("done-hub", "api_user_group_map", body).errors == []
    assert schema_set.validate("new-api", "api_user_groups", body).errors[0]["expected"] == "field 'desc'"


# ---- refusals --------------------------------------------------------------------------------
RC22_REFUSAL = {"success": False, "code": "AUTH_UNAUTHORIZED", "message": "Unauthorized, invalid access token"}


def test_rc22_coded_refusal_against_legacy_new_api(schema_set: SchemaSet) -> None:
    legacy = recorded_body("ThatAPI", "/api/models")  # 401 {success:false, message}
    assert schema_set.validate("new-api", "auth_error", legacy, version="v0.9.25").errors == []
    assert schema_set.validate("new-api", "auth_error", RC22_REFUSAL, version="v1.0.0-rc.22").errors == []
    old = schema_set.validate("new-api", "auth_error", RC22_REFUSAL, version="v0.9.25")
    assert _paths(old) == ["$ not no field 'code'"]
    new = schema_set.validate("new-api", "auth_error", legacy, version="v1.0.0-rc.22")
    assert _paths(new) == ["$ required field 'code'"]
    assert new.errors[0]["shape"] == "coded refusal (new-api >= v1.0.0-rc.22)"


# ---- token lists, from the emulated backends ------------------------------------------------
def _token_list(emulate: Any, profile: str) -> Any:
    if profile not in profile_names():
        pytest.skip(f"no emulator profile {profile!r}")
    url = emulate(profile, user_id=1, access_token="cross-backend-access-token")
    headers = {"Authorization": "Bearer cross-backend-access-token", "New-Api-User": "1", "Veloera-User": "1"}
    response = httpx.get(f"{url}/api/token/?p=1&size=10", headers=headers, timeout=10, trust_env=False)
    body = response.json()
    assert body["success"] is True, body
    return body


def test_v0_6_bare_token_list_against_new_api_v0_9(emulate: Any, schema_set: SchemaSet) -> None:
    body = _token_list(emulate, "new-api-v0.6")
    assert isinstance(body["data"], list)
    assert schema_set.validate("new-api", "api_token_p1", body, version="v0.6.3").errors == []
    result = schema_set.validate("new-api", "api_token_p1", body, version="v0.9.25")
    assert _paths(result) == ["$.data type type object"]
    assert result.errors[0]["shape"] == "items page (new-api >= v0.8.8)"


def test_new_api_items_page_is_not_a_veloera_or_one_api_list(emulate: Any, schema_set: SchemaSet) -> None:
    body = _token_list(emulate, "new-api-legacy")
    assert schema_set.validate("new-api", "api_token_p1", body, version="v0.9.25").errors == []
    for family in ("veloera", "one-api"):
        assert _paths(schema_set.validate(family, "api_token_p1", body)) == ["$.data type type array"]
    assert "$.data required field 'data', 'size', 'total_count'" in _paths(schema_set.validate("one-hub", "api_token_p1", body))


def test_hub_page_is_not_a_new_api_token_list(emulate: Any, schema_set: SchemaSet) -> None:
    body = _token_list(emulate, "one-hub")
    assert schema_set.validate("one-hub", "api_token_p1", body).errors == []
    result = schema_set.validate("new-api", "api_token_p1", body)
    assert result.errors and result.errors[0]["path"].startswith("$.data")


# ---- the endpoints today's clients call (emulated bodies; the recordings predate them) --------
def _get(emulate: Any, profile: str, path: str, *, relay: bool = False) -> Any:
    url = emulate(profile, user_id=1, access_token="cross-backend-access-token", api_key="sk-" + "C" * 48)
    token = "sk-" + "C" * 48 if relay else "cross-backend-access-token"
    headers = {"Authorization": f"Bearer {token}", "New-Api-User": "1", "Veloera-User": "1"}
    return httpx.get(url + path, headers=headers, timeout=10, trust_env=False).json()


def test_a_paged_token_search_is_not_a_bare_one(emulate: Any, schema_set: SchemaSet) -> None:
    """new-api pages token search since 327cc5fa (v0.10.8); one-api and Veloera answer a bare array."""
    paged = _get(emulate, "new-api", "/api/token/search?keyword=")
    assert schema_set.validate("new-api", "api_token_search", paged, version="v1.0.0-rc.22").errors == []
    assert _paths(schema_set.validate("one-api", "api_token_search", paged)) == ["$.data type type array"]
    bare = _get(emulate, "veloera", "/api/token/search?keyword=")
    assert schema_set.validate("veloera", "api_token_search", bare).errors == []
    result = schema_set.validate("new-api", "api_token_search", bare, version="v1.0.0-rc.22")
    assert _paths(result) == ["$.data type type object"]
    assert result.errors[0]["shape"] == "items page (new-api >= v0.10.8)"


def test_hub_dashboard_rows_are_not_new_api_usage_data(emulate: Any, schema_set: SchemaSet) -> None:
    rows = _get(emulate, "one-hub", "/api/user/dashboard")
    assert schema_set.validate("one-hub", "api_user_dashboard", rows).errors == []
    result = schema_set.validate("new-api", "api_data_self", rows)
    assert any(p.startswith("$.data[0] required field 'model_name'") for p in _paths(result))


def test_veloera_check_in_status_is_not_new_api_check_in(emulate: Any, schema_set: SchemaSet) -> None:
    status = _get(emulate, "veloera", "/api/user/check_in_status")
    assert schema_set.validate("veloera", "api_user_check_in_status", status).errors == []
    result = schema_set.validate("new-api", "api_user_checkin", status)
    assert any(p.startswith("$.data required field 'enabled'") for p in _paths(result))


def test_token_usage_is_not_a_dashboard_envelope(emulate: Any, schema_set: SchemaSet) -> None:
    usage = _get(emulate, "new-api", "/api/usage/token/", relay=True)
    assert schema_set.validate("new-api", "api_usage_token", usage).errors == []
    assert "$ required field 'success'" in _paths(schema_set.validate("new-api", "api_notice", usage))
    notice = _get(emulate, "new-api", "/api/notice")
    assert any(p.startswith("$ required field 'code'") for p in _paths(schema_set.validate("new-api", "api_usage_token", notice)))


def test_a_hub_payment_list_is_not_new_api_top_up_info(emulate: Any, schema_set: SchemaSet) -> None:
    payments = _get(emulate, "one-hub", "/api/user/payment")
    assert _paths(schema_set.validate("new-api", "api_user_topup_info", payments)) == ["$.data type type object"]
