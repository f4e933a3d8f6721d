"""Every verdict, each produced by a real HTTP exchange with a loopback server (no mocked transport).

Each case is a server behaviour, what the probe sends, and the verdict the prober must record.
The server bodies are the ones backends.md quotes for each backend.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from relaycompat import VERDICTS
from relaycompat.emulator._faults import CLOUDFLARE_CHALLENGE_PAGE
from relaycompat.emulator._server import Request, Response

from .conftest import free_port, json_response, make_settings, serve_handlers

TOKEN = "probe-access-token-0001"
KEY = "sk-probeRelayKey0000000000000000000000000000000000"
CREDS = {"access_token": TOKEN, "user_id": 7, "api_key": KEY}


@dataclass
class Case:
    verdict: str
    response: Response | None
    endpoint: str = "api_status"
    site: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    settings: dict[str, Any] = field(default_factory=dict)


def ok_status(version: Any = "v0.9.25") -> Response:
    return json_response(200, {"success": True, "message": "", "data": {"version": version}})


CASES = {
    "ok": Case("ok", ok_status()),
    "ok-openai-list": Case("ok", json_response(200, {"object": "list", "data": [{"id": "gpt-4o", "object": "model"}]}),
                           "v1_models", CREDS),
    "schema_mismatch": Case("schema_mismatch", ok_status(version=925), reason="$.data.version: expected type string, got integer 925"),
    "api_error": Case("api_error", json_response(200, {"success": False, "message": "数据库错误"}), reason="数据库错误"),
    "api_error-400": Case("api_error", json_response(400, {"success": False, "message": "size 参数不能超过 100"}), "api_token", CREDS),
    "auth_missing-no-credentials": Case(
        "auth_missing", json_response(401, {"success": False, "message": "无权进行此操作，未登录且未提供 access token"}), "api_user_self"),
    "auth_missing-rc22-without-credentials": Case(
        "auth_missing", json_response(401, {"success": False, "code": "AUTH_UNAUTHORIZED", "message": "Unauthorized, invalid access token"}),
        "api_user_self"),
    "auth_missing-user-header": Case(
        "auth_missing", json_response(401, {"success": False, "message": "无权进行此操作，未提供 New-Api-User"}),
        "api_user_self", {"access_token": TOKEN}, reason="未提供 New-Api-User"),
    "auth_missing-relay-no-key": Case(
        "auth_missing", json_response(401, {"error": {"message": "无效的令牌", "type": "new_api_error"}}), "v1_models"),
    "auth_rejected-zh": Case(
        "auth_rejected", json_response(200, {"success": False, "message": "无权进行此操作，access token 无效"}), "api_user_self", CREDS,
        reason="HTTP 200, success:false: 无权进行此操作，access token 无效"),
    "auth_rejected-en": Case(
        "auth_rejected", json_response(200, {"success": False, "message": "Unauthorized, invalid access token"}), "api_token", CREDS),
    "auth_rejected-header-mismatch": Case(
        "auth_rejected", json_response(401, {"success": False, "message": "无权进行此操作，Veloera-User 与登录用户不匹配"}), "api_user_self", CREDS),
    "auth_rejected-rc22": Case(
        "auth_rejected", json_response(401, {"success": False, "code": "AUTH_UNAUTHORIZED", "message": "无权进行此操作，access token 无效"}),
        "api_user_self", CREDS),
    "auth_rejected-relay-key": Case(
        "auth_rejected", json_response(401, {"error": {"code": "", "message": "Invalid Token (request id: 1)", "type": "rix_api_error"}}),
        "v1_models", CREDS),
    # new-api rc.41 (zyqfork/new-api @ caca52f8 middleware/auth.go, i18n/locales/zh-CN.yaml, en.yaml)
    "auth_rejected-rc41-legacy-retired": Case(
        "auth_rejected", json_response(401, {"success": False, "code": "ACCESS_TOKEN_LEGACY_RETIRED",
                                             "message": "旧版访问令牌已停用，请在安全设置中创建新的访问令牌"}), "api_user_self", CREDS),
    "auth_rejected-rc41-expired": Case(
        "auth_rejected", json_response(401, {"success": False, "code": "ACCESS_TOKEN_EXPIRED", "message": "访问令牌已过期"}),
        "api_user_self", CREDS),
    "auth_rejected-rc41-scope-denied": Case(
        "auth_rejected", json_response(403, {"success": False, "code": "ACCESS_TOKEN_SCOPE_DENIED",
                                             "message": "The access token lacks the required permission: usage:read"}), "api_log_self", CREDS),
    "forbidden-rc41-route-undeclared": Case(
        "forbidden", json_response(403, {"success": False, "code": "ACCESS_TOKEN_ROUTE_UNDECLARED", "message": "Unauthorized, insufficient privileges"}),
        "api_user_self", CREDS),
    "forbidden-rc41-session-required": Case(
        "forbidden", json_response(403, {"success": False, "code": "AUTH_SESSION_REQUIRED", "message": "a dashboard login session is required"}),
        "api_user_self", CREDS),
    "forbidden-legacy": Case(
        "forbidden", json_response(200, {"success": False, "message": "无权进行此操作，权限不足"}), "api_user_dashboard", CREDS),
    "forbidden-rc22": Case(
        "forbidden", json_response(403, {"success": False, "code": "AUTH_INSUFFICIENT_PRIVILEGE", "message": "Unauthorized, insufficient privileges"}),
        "api_user_dashboard", CREDS),
    "not_found": Case("not_found", json_response(404, {"error": {"message": "Invalid URL (GET /api/prices)", "type": "invalid_request_error", "param": "", "code": ""}}),
                      "api_prices", reason="Invalid URL (GET /api/prices)"),
    "not_found-admin-id-route": Case(
        "not_found", json_response(200, {"success": False, "message": 'strconv.Atoi: parsing "dashboard": invalid syntax'}), "api_user_dashboard", CREDS),
    "redirect": Case("redirect", Response(301, [("Location", "/api/group/"), ("Content-Type", "text/html; charset=utf-8")],
                                          b'<a href="/api/group/">Moved Permanently</a>.\n\n'), "api_group", CREDS, reason="→ /api/group/"),
    "blocked": Case("blocked", Response(403, [("Content-Type", "text/html; charset=UTF-8"), ("Server", "cloudflare"), ("cf-mitigated", "challenge")],
                                        CLOUDFLARE_CHALLENGE_PAGE.encode())),
    "rate_limited": Case("rate_limited", Response(429, [("Retry-After", "0")], b""), reason="Retry-After: 0"),
    "server_error": Case("server_error", Response(502, [("Content-Type", "text/html")], b"<h1>502 Bad Gateway</h1>")),
    "server_error-cloudflare-521": Case("server_error", Response(521, [("Server", "cloudflare")], b"error code: 521"), reason="HTTP 521"),
    "invalid_response-html": Case("invalid_response", Response(200, [("Content-Type", "text/html")], b"<!doctype html><title>new-api</title>"),
                                  reason="an HTML page"),
    "invalid_response-no-success": Case("invalid_response", json_response(200, {"data": {"version": "x"}}), reason="no 'success' field"),
    "invalid_response-array": Case("invalid_response", json_response(200, [1, 2]), reason="expected a JSON object"),
    "invalid_response-truncated": Case("invalid_response", Response(200, [("Content-Type", "application/json")], b'{"success":true,"da'),
                                       reason="not JSON"),
    "timeout": Case("timeout", Response(action="hang", hold_seconds=5), site={"timeout": 0.5}),
    "connect_error-closed-before-answering": Case("connect_error", Response(action="raw", body=b""), reason="connection reset"),
    "connect_error-reset-mid-body": Case("connect_error", Response(200, [("Content-Type", "application/json")],
                                                                   b'{"success":true,"data":"' + b"x" * 5000 + b'"}', action="reset", partial=100),
                                         reason="after the headers arrived"),
    "skipped-mutating": Case("skipped", ok_status(), "api_user_token", CREDS, reason="pass --allow-mutating"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_verdict_from_a_real_exchange(name: str, probe) -> None:
    case = CASES[name]

    async def handler(request: Request) -> Response:
        assert case.response is not None
        return case.response

    with serve_handlers({"site": handler}) as servers:
        url = f"http://127.0.0.1:{servers['site'].port}"
        record = probe(url, [case.endpoint], **case.site, settings=make_settings(**case.settings))
    (result,) = record["probes"]
    assert result["verdict"] == case.verdict, result["reason"]
    assert case.reason in result["reason"]
    assert result["code"] == _refusal_code(case.response), "a refusal's machine code is kept in the record"


def _refusal_code(response: Response | None) -> str | None:
    try:
        body = json.loads(response.body) if response is not None else None
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) and body.get("success") is False else None
    return code if isinstance(code, str) and code else None


def test_tls_error_from_a_failed_handshake(probe) -> None:
    async def never(request: Request) -> Response:
        raise AssertionError("no HTTP request can arrive through a failed handshake")

    with serve_handlers({"tls": never}, tls_alert=frozenset({"tls"})) as servers:
        record = probe(f"https://127.0.0.1:{servers['tls'].port}", ["api_status"])
    (result,) = record["probes"]
    assert result["verdict"] == "tls_error"
    assert "handshake" in result["reason"].lower()


def test_connect_error_when_nothing_listens(probe) -> None:
    (result,) = probe(f"http://127.0.0.1:{free_port()}", ["api_status"])["probes"]
    assert result["verdict"] == "connect_error"
    assert "refused" in result["reason"]


def test_connect_error_when_the_name_does_not_resolve(probe) -> None:
    # RFC 6761 names under .invalid never resolve; the client answers them locally (no DNS query leaves).
    (result,) = probe("http://relay-site.invalid", ["api_status"])["probes"]
    assert result["verdict"] == "connect_error"
    assert "DNS" in result["reason"]


def test_skipped_after_the_site_stops_answering(probe) -> None:
    async def hang(request: Request) -> Response:
        return Response(action="hang", hold_seconds=5)

    endpoints = ["api_status", "api_models", "api_pricing", "api_prices", "api_available_model", "api_user_group_map", "api_ownedby"]
    with serve_handlers({"site": hang}) as servers:
        record = probe(f"http://127.0.0.1:{servers['site'].port}", endpoints, timeout=0.3, max_in_flight=1,
                       settings=make_settings(breaker_threshold=3))
    verdicts = [p["verdict"] for p in record["probes"]]
    assert verdicts[:3] == ["timeout"] * 3
    assert verdicts[3:] == ["skipped"] * 4
    assert "considered down" in record["probes"][-1]["reason"]


def test_every_verdict_is_covered_here() -> None:
    covered = {case.verdict for case in CASES.values()} | {"tls_error", "connect_error", "skipped"}
    assert covered == set(VERDICTS)
