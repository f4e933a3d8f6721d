"""Failures read as evidence: path, expected, actual; deduplicated, capped, never a schema dump."""

from __future__ import annotations

import copy
import json
from typing import Any

from relaycompat._redact import Redactor
from relaycompat._schema_findings import MAX_ACTUAL
from relaycompat._schemas import MAX_ERRORS, SchemaSet
from testing.recorded import recorded_body

TOKEN = {"id": 1, "user_id": 7, "key": "k" * 48, "status": 1, "name": "a", "created_time": 1, "accessed_time": 1,
         "expired_time": -1, "remain_quota": 5, "unlimited_quota": False, "used_quota": 0}


def _tokens(n: int, **change: Any) -> dict[str, Any]:
    items = [{**TOKEN, "id": i, **change} for i in range(n)]
    return {"success": True, "message": "", "data": {"items": items, "total": n, "page": 1, "page_size": n}}


def test_an_error_names_path_keyword_expected_and_actual(schema_set: SchemaSet) -> None:
    result = schema_set.validate("new-api", "api_token", _tokens(1, remain_quota="5"))
    assert result.errors == [{
        "path": "$.data.items[0].remain_quota", "keyword": "type", "expected": "type integer",
        "actual": 'string "5"', "shape": "items page (new-api >= v0.8.8)",
    }]
    assert result.summary() == ('$.data.items[0].remain_quota: expected type integer, got string "5" '
                                "[items page (new-api >= v0.8.8)]")


def test_the_same_failure_in_many_items_is_one_error(schema_set: SchemaSet) -> None:
    result = schema_set.validate("new-api", "api_token", _tokens(50, used_quota=None))
    assert result.error_count == 1
    assert result.errors[0]["path"] == "$.data.items[0].used_quota"
    assert result.errors[0]["repeats"] == "49 more like it"


def test_at_most_a_few_errors_are_kept(schema_set: SchemaSet) -> None:
    body = recorded_body("薄荷 API", "/api/user/self")
    for field in ("id", "quota", "used_quota", "request_count", "role", "status", "aff_count", "inviter_id"):
        body["data"][field] = "x"
    result = schema_set.validate("new-api", "api_user_self", body)
    assert len(result.errors) == MAX_ERRORS < result.error_count == 8
    assert "(+7 more)" in result.summary()


def test_a_huge_body_is_never_dumped(schema_set: SchemaSet) -> None:
    body = {"success": True, "message": "", "data": {"items": "x" * 100_000, "total": 1, "page": 1, "page_size": 1}}
    result = schema_set.validate("new-api", "api_token", body)
    text = json.dumps(result.to_dict(), ensure_ascii=False)
    assert len(text) < 2000
    for dump in ('"$schema"', "properties", "Failed validating", "On instance", "x" * 200):
        assert dump not in text
    assert all(len(e["actual"]) <= MAX_ACTUAL for e in result.errors)


def test_no_shape_matches_names_the_shapes(schema_set: SchemaSet) -> None:
    result = schema_set.validate("new-api", "api_token", {"success": True, "message": "", "data": "tokens"})
    assert result.errors == [{
        "path": "$.data", "keyword": "oneOf",
        "expected": "one of: bare array (new-api < v0.8.8); items page (new-api >= v0.8.8)",
        "actual": 'string "tokens"',
    }]


def test_the_closest_shape_is_the_one_explained(schema_set: SchemaSet) -> None:
    body = _tokens(1)
    del body["data"]["page_size"]
    result = schema_set.validate("new-api", "api_token", body)
    assert [(e["path"], e["expected"], e.get("shape")) for e in result.errors] == [
        ("$.data", "field 'page_size'", "items page (new-api >= v0.8.8)")]


def test_format_is_checked(schema_set: SchemaSet) -> None:
    status = recorded_body("随时跑路公益", "/api/status")
    assert schema_set.validate("veloera", "api_status", status).errors == []
    status["data"]["server_address"] = "runanytime.hxi.me/ no scheme"
    assert schema_set.validate("veloera", "api_status", status).errors == [{
        "path": "$.data.server_address", "keyword": "format", "expected": 'format "uri"',
        "actual": 'string "runanytime.hxi.me/ no scheme"'}]
    user = recorded_body("随时跑路公益", "/api/user/self")
    user["data"]["last_check_in_time"] = "2025-12-15 03:38"
    assert schema_set.validate("veloera", "api_user_self", user).errors[0]["expected"] == 'format "date-time"'


def test_drift_notes_list_fields_the_schema_does_not_name(schema_set: SchemaSet) -> None:
    body = recorded_body("薄荷 API", "/api/user/self")
    body["data"]["vip_level"] = 3
    body["data"]["permissions"]["new_switch"] = True
    body["trace_id"] = "abc"
    result = schema_set.validate("new-api", "api_user_self", body, version="v0.9.25")
    assert result.errors == []
    assert result.drift == ["$.data.permissions.new_switch: field not in the schema",
                            "$.data.vip_level: field not in the schema",
                            "$.trace_id: field not in the schema"]


def test_drift_in_list_items_and_not_in_maps(schema_set: SchemaSet) -> None:
    body = _tokens(3)
    body["data"]["items"][2]["expires_soon"] = True
    assert schema_set.validate("new-api", "api_token", body).drift == ["$.data.items[*].expires_soon: field not in the schema"]
    groups = recorded_body("ThatAPI", "/api/user/groups")  # a map: its keys are data, not fields
    assert schema_set.validate("new-api", "api_user_groups", groups).drift == []


def test_result_goes_through_the_redactor(schema_set: SchemaSet) -> None:
    body = copy.deepcopy(_tokens(1, key=12345))
    secret = "a-configured-secret-value"
    body["data"]["items"][0]["name"] = 1
    result = schema_set.validate("new-api", "api_token", body)
    stored = result.to_dict(Redactor([secret]))
    assert set(stored) == {"schema_id", "version", "shapes", "errors", "error_count", "drift"}
    assert stored["schema_id"].endswith("/new-api/api_token.json")
    assert all(isinstance(v, str) for e in stored["errors"] for v in e.values())


def test_no_schema_is_a_note_not_an_error(schema_set: SchemaSet) -> None:
    result = schema_set.validate("one-api", "api_pricing", {"success": True, "data": []})
    assert result.schema_id is None and result.errors == []
    assert result.drift == ["no schema for one-api api_pricing; body not validated"]
