"""The fingerprint rules (data/fingerprints.yaml) and the scoring, on hand-made exchanges."""

from __future__ import annotations

import json
from typing import Any

from relaycompat._catalogue import Catalogue
from relaycompat._classify import classify
from relaycompat._fingerprint import Detection, Observed, ancestors, backend_record, detect, mismatch, rules
from relaycompat._http import Exchange
from testing.recorded import catalogue

CAT: Catalogue = catalogue()


def _observe(answers: dict[str, tuple[int, Any, dict[str, str]]]) -> Observed:
    observed: Observed = {}
    for endpoint_id, (status, body, headers) in answers.items():
        endpoint = CAT.by_id(endpoint_id)
        raw = json.dumps(body, ensure_ascii=False).encode() if not isinstance(body, bytes) else body
        exchange = Exchange("GET", f"http://127.0.0.1:9{endpoint.path}", {}, endpoint.auth != "public",
                            status=status, headers={"content-type": "application/json", **headers},
                            body=raw, body_bytes=len(raw))
        observed[endpoint_id] = (exchange, classify(exchange, endpoint))
    return observed


NOT_FOUND = {"error": {"message": "Invalid URL (GET /api/prices)", "type": "invalid_request_error", "param": "", "code": ""}}


def test_every_family_named_by_a_rule_is_a_known_family() -> None:
    r = rules()
    families = set(r["families"])
    named: set[str] = set(r["parents"]) | set(r["parents"].values())
    for table in ("status_keys", "user_self_keys", "routes_present", "routes_ok"):
        for points in r[table].values():
            named |= set(points)
    for fams in r["error_types"].values():
        named |= set(fams)
    for fams in r["not_found_key_order"].values():
        named |= set(fams)
    named |= set(r["auth_headers"].values()) | set(r["response_headers"].values())
    named |= {h["family"] for h in r["version_patterns"]} | {h["family"] for h in r["version_hints"]}
    assert named <= families


def test_forks_and_parents() -> None:
    assert ancestors("veloera") == ["new-api"]
    assert ancestors("done-hub") == ["one-hub"]
    assert ancestors("new-api") == []


def test_an_unknown_error_type_names_a_fork_of_the_family_the_rest_shows() -> None:
    observed = _observe({
        "v1_models": (401, {"error": {"code": "", "message": "无效的令牌", "type": "acme_relay_error"}}, {}),
        "api_prices": (404, NOT_FOUND, {}),
        "api_status": (200, {"success": True, "message": "", "data": {"version": "v0.9.1", "HeaderNavModules": ""}}, {}),
    })
    detection = detect(observed)
    assert (detection.family, detection.fork, detection.version) == ("new-api", "acme-relay", "v0.9.1")


def test_each_signal_counts_once() -> None:
    header = {"x-new-api-version": "v0.10.7"}
    answers = {eid: (404, NOT_FOUND, header) for eid in ("api_prices", "api_ownedby", "api_available_model")}
    detection = detect(_observe(answers))
    assert detection.signals.count("response header x-new-api-version") == 1
    assert detection.family == "new-api" and detection.version == "v0.10.7"


def test_a_tie_between_a_fork_and_its_parent_names_the_parent() -> None:
    detection = detect(_observe({"api_prices": (404, NOT_FOUND, {}), "api_pricing": (200, {"success": True, "data": []}, {})}))
    assert detection.family == "new-api"
    assert "a fork of it without its own evidence" in detection.reason


def test_a_tie_between_unrelated_families_is_unknown() -> None:
    hub_order = {"error": {"code": "", "message": "Invalid URL (GET /api/pricing)", "type": "invalid_request_error"}}
    status = {"success": True, "message": "", "data": {"oidc_well_known": ""}}
    observed = _observe({"api_pricing": (404, hub_order, {}), "api_status": (200, status, {})})
    # one-hub/done-hub 2 each from the 404 body, one-api 3 from the status: one-api leads
    assert detect(observed).family == "one-api"
    status = {"success": True, "message": "", "data": {"check_in_enabled": True, "rix_version_message": "6.5.17"}}
    tied = _observe({"api_status": (200, status, {})})
    detection = detect(tied)
    assert detection.family is None and "signals tie between rix-api, veloera" in detection.reason


def test_the_rc22_code_is_new_api() -> None:
    observed = _observe({"api_user_self": (401, {"success": False, "code": "AUTH_UNAUTHORIZED", "message": "Unauthorized"}, {})})
    assert detect(observed).family == "new-api"


def test_an_auth_message_naming_the_user_header() -> None:
    observed = _observe({"api_user_self": (401, {"success": False, "message": "无权进行此操作，未提供 Veloera-User"}, {})})
    detection = detect(observed)
    assert detection.family == "veloera" and "auth error names Veloera-User" in detection.signals


def test_answered_without_a_family_signal() -> None:
    detection = detect(_observe({"api_status": (200, {"success": True, "message": "", "data": {"version": "v1"}}, {})}))
    assert detection.family is None and detection.reason.startswith("the backend answered, but with no family signal")


def test_nothing_probed() -> None:
    assert detect({}).reason == "nothing was probed"


def test_mismatch_rules() -> None:
    veloera = Detection("veloera", reason="veloera (9 points)")
    assert mismatch(None, veloera) is None
    assert mismatch("veloera", veloera) is None
    assert mismatch("new-api", Detection(None, reason="no probe reached the backend")) is None
    assert mismatch("voapi", Detection("new-api", reason="x")) is None  # a declared fork showing only its parent
    assert mismatch("new-api", veloera) == "declared new-api, but the probes look like veloera: veloera (9 points)"
    record = backend_record("one-api", Detection("new-api", "v0.9.1", "privnode", "r", ["s"]))
    assert record == {"declared": "one-api", "detected": "new-api", "version": "v0.9.1", "version_hint": None,
                      "at_least": None, "fork": "privnode", "reason": "r", "signals": ["s"],
                      "mismatch": "declared one-api, but the probes look like new-api (fork privnode): r"}


# ---- the least version the probes prove (version_floors) -----------------------------------
COMMIT_STATUS = (200, {"success": True, "message": "", "data": {"version": "b8b896b-b8b896b", "HeaderNavModules": ""}}, {})
NO_STORE = {"cache-control": "no-store, no-cache, must-revalidate, private, max-age=0"}  # DisableCache @ 2d8e50bf


def test_a_scoped_token_refusal_proves_rc41_whatever_the_status_says() -> None:
    """new-api caca52f8 middleware/auth.go: ACCESS_TOKEN_* codes exist from rc.41 on."""
    detection = detect(_observe({
        "api_status": COMMIT_STATUS,
        "api_log_self": (403, {"success": False, "code": "ACCESS_TOKEN_SCOPE_DENIED", "message": "访问令牌缺少所需权限：usage:read"}, {}),
    }))
    assert detection.family == "new-api" and detection.at_least == "v1.0.0-rc.41", detection.reason
    assert "at least v1.0.0-rc.41: a scoped-token refusal code" in detection.reason


def test_the_self_routes_no_store_header_proves_rc41() -> None:
    """router/api-router.go: selfRoute.Use(DisableCache(), UserAuth()) at caca52f8, not at 2d8e50bf;
    DisableCache runs before the auth middleware, so a refusal carries it too."""
    refused = (401, {"success": False, "code": "ACCESS_TOKEN_LEGACY_RETIRED", "message": "x"}, NO_STORE)
    answered = (200, {"success": True, "message": "", "data": {"id": 1, "permissions": {}}}, NO_STORE)
    for self_answer in (refused, answered):
        detection = detect(_observe({"api_status": COMMIT_STATUS, "api_user_self": self_answer}))
        assert detection.at_least == "v1.0.0-rc.41", detection.reason
    elsewhere = detect(_observe({"api_status": COMMIT_STATUS, "api_models": (200, {"success": True, "data": {}}, NO_STORE)}))
    assert elsewhere.at_least is None, "only /api/user/self's header says it"
    proxied = detect(_observe({"api_status": COMMIT_STATUS, "api_user_self": (200, answered[1], {"cache-control": "no-store"})}))
    assert proxied.at_least is None, "a proxy's no-store is not DisableCache's"


def test_an_auth_code_proves_rc22_and_the_highest_floor_wins() -> None:
    rc22 = detect(_observe({"api_status": COMMIT_STATUS,
                            "api_user_dashboard": (403, {"success": False, "code": "AUTH_INSUFFICIENT_PRIVILEGE", "message": "x"}, {})}))
    assert rc22.at_least == "v1.0.0-rc.22"
    both = detect(_observe({"api_status": COMMIT_STATUS,
                            "api_user_dashboard": (403, {"success": False, "code": "AUTH_INSUFFICIENT_PRIVILEGE", "message": "x"}, {}),
                            "api_user_self": (401, {"success": False, "code": "ACCESS_TOKEN_EXPIRED", "message": "x"}, {})}))
    assert both.at_least == "v1.0.0-rc.41"
    legacy = detect(_observe({"api_status": COMMIT_STATUS,
                              "api_user_self": (200, {"success": False, "message": "无权进行此操作，access token 无效"}, {})}))
    assert legacy.at_least is None


def test_expectations_take_the_higher_of_the_named_version_and_the_floor() -> None:
    from relaycompat._expectations import version_of

    record = {"backend": {"declared": "new-api", "detected": "new-api", "version": "v1.0.0-rc.22", "at_least": "v1.0.0-rc.41"}}
    assert version_of(record).text == "v1.0.0-rc.41"
    record["backend"] |= {"version": "v1.0.0-rc.45"}
    assert version_of(record).text == "v1.0.0-rc.45"
    record["backend"] |= {"version": "b8b896b-b8b896b"}
    assert version_of(record).text == "v1.0.0-rc.41"
