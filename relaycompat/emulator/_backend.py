"""A relay backend played from its profile: routing, auth, envelopes, pagination, bodies.

Nothing here knows a backend by name. A profile (``profiles/<name>.yaml``, docs/emulator.md)
says which routes exist and at which auth level, which user-id header and messages the auth
middleware uses, how pages are numbered and shaped, and what each body looks like, as templates.
This module plays that description the way gin and the upstream middlewares do (backends.md
§2): trailing-slash redirects before any middleware, ``/api/user/<word>`` captured by the admin
``:id`` route, NoRoute's ``Invalid URL`` body for unknown ``/api`` and ``/v1`` paths.

Templates: a string ``"$a.b"`` is replaced by that value from the context (``user``, ``site``,
``token``, ``log``, ``model``, ``group``, ``page`` …); ``"$$x"`` is the literal ``"$x"``;
anything else is kept as written.
"""

from __future__ import annotations

import json
import random
import string
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ._account import Account
from ._server import Request, Response

JSON_TYPE = "application/json; charset=utf-8"


def resolve(template: Any, context: dict[str, Any]) -> Any:
    """Fill a body template from ``context`` (see the module docstring)."""
    if isinstance(template, dict):
        return {key: resolve(value, context) for key, value in template.items()}
    if isinstance(template, list):
        return [resolve(value, context) for value in template]
    if isinstance(template, str) and template.startswith("$"):
        if template.startswith("$$"):
            return template[1:]
        value: Any = context
        for part in template[1:].split("."):
            value = value[part] if isinstance(value, dict) else getattr(value, part)
        return value
    return template


def request_id() -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")
    return stamp + "".join(random.choices(string.ascii_letters + string.digits, k=8))


class BackendApp:
    """One emulated site of a backend profile, with its account."""

    def __init__(self, profile: dict[str, Any], account: Account, *, name: str, server_address: str = "") -> None:
        self.profile = profile
        self.account = account
        self.site = {
            "name": name,
            "version": profile.get("version", ""),
            "start_time": int(time.time()) - 86400,
            "server_address": server_address,
        }
        self.routes: dict[str, dict[str, Any]] = profile["routes"]
        self.auth = profile["auth"]
        self._builders: dict[str, Callable[[Request, dict[str, Any]], Response]] = {
            "template": self._template,
            "collection": self._collection,
            "generate_token": self._generate_token,
        }

    # ---- responses -------------------------------------------------------------------------
    def _headers(self, extra: dict[str, str] | None = None) -> list[tuple[str, str]]:
        headers = [("Content-Type", JSON_TYPE), ("X-Oneapi-Request-Id", request_id())]
        headers += [(k, str(resolve(v, {"site": self.site}))) for k, v in (self.profile.get("headers") or {}).items()]
        headers += list((extra or {}).items())
        return headers

    def json(self, status: int, payload: Any, extra_headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return Response(status, self._headers(extra_headers), body)

    def _message(self, key: str, request: Request, **fields: str) -> str:
        messages = self.profile["messages"]
        table = messages["zh"]
        if messages.get("i18n") and not request.headers.get("accept-language", "").lower().startswith("zh"):
            table = messages["en"]
        return table[key].format(header=self.auth.get("user_header", ""), **fields)

    def refusal(self, status: int, key: str, request: Request, code: str | None = None) -> Response:
        payload: dict[str, Any] = {"success": False, "message": self._message(key, request)}
        if code is not None:
            payload = {"success": False, "code": code, "message": payload["message"]}
        return self.json(status, payload)

    def not_found(self, request: Request) -> Response:
        message = f"Invalid URL ({request.method} {request.path})"
        fields = {"message": message, "type": "invalid_request_error", "param": "", "code": ""}
        error = {key: fields[key] for key in self.profile["not_found_keys"]}
        return self.json(404, {"error": error}, self.profile.get("not_found_headers"))

    def trailing_slash_redirect(self, request: Request) -> Response:
        location = request.path + "/" + (("?" + request.target.split("?", 1)[1]) if "?" in request.target else "")
        body = f'<a href="{location}">Moved Permanently</a>.\n\n'.encode()
        return Response(301, [("Content-Type", "text/html; charset=utf-8"), ("Location", location)], body)

    # ---- auth ------------------------------------------------------------------------------
    def authenticate(self, request: Request, level: str) -> Response | None:
        """``None`` when the request may pass at ``level`` (user/admin), else the refusal."""
        mode = self.auth["mode"]
        credential = request.headers.get("authorization", "").strip()
        if credential.lower().startswith("bearer "):
            credential = credential[7:].strip()
        rc22 = mode == "rc22"
        if not credential:
            return self.refusal(401, "not_logged_in", request, "AUTH_UNAUTHORIZED" if rc22 else None)
        if credential != self.account.access_token:
            return self.refusal(401 if rc22 else 200, "invalid_token", request, "AUTH_UNAUTHORIZED" if rc22 else None)
        header = self.auth.get("user_header")
        if header:
            value = request.headers.get(header.lower())
            if value is None:
                return self.refusal(401, "header_missing", request)
            if not value.strip().lstrip("-").isdigit():
                return self.refusal(401, "header_format", request)
            if int(value) != self.account.user_id:
                return self.refusal(401, "header_mismatch", request)
        if level == "admin" and self.account.role < 10:
            return self.refusal(403 if rc22 else 200, "insufficient", request, "AUTH_INSUFFICIENT_PRIVILEGE" if rc22 else None)
        return None

    # ---- routing ---------------------------------------------------------------------------
    async def __call__(self, request: Request) -> Response:
        path = request.path
        route = self.routes.get(path)
        if request.method != "GET":
            return self.not_found(request)
        if route is None:
            if path + "/" in self.routes and path not in self.profile.get("no_trailing_slash_redirect", []):
                return self.trailing_slash_redirect(request)
            segments = path.strip("/").split("/")
            if len(segments) == 3 and segments[:2] == ["api", "user"]:
                return self._admin_get_user(request, segments[2])
            return self.not_found(request)
        level = route.get("auth", "public")
        if level == "relay":
            return self._relay_auth(request) or self._build(request, route)
        if level in ("user", "admin"):
            refused = self.authenticate(request, level)
            if refused is not None:
                return refused
        return self._build(request, route)

    def _admin_get_user(self, request: Request, segment: str) -> Response:
        """``GET /api/user/:id`` (GetUser), which swallows every unregistered single segment."""
        refused = self.authenticate(request, "admin")
        if refused is not None:
            return refused
        message = f'strconv.Atoi: parsing "{segment}": invalid syntax'
        return self.json(200, {"success": False, "message": message})

    def _relay_auth(self, request: Request) -> Response | None:
        key = request.headers.get("authorization", "")
        if key and self.account.key_is_valid(key):
            return None
        relay = self.profile["relay_error"]
        message = self._message("relay_invalid_key", request)
        if relay.get("request_id_suffix"):
            message += f" (request id: {request_id()})"
        fields = {"message": message, "type": relay["type"], "code": "", "param": ""}
        return self.json(401, {"error": {key: fields[key] for key in relay["keys"]}})

    def _build(self, request: Request, route: dict[str, Any]) -> Response:
        return self._builders[route.get("body", "template")](request, route)

    # ---- bodies ----------------------------------------------------------------------------
    def _context(self, **extra: Any) -> dict[str, Any]:
        account = self.account
        stats = {
            "quota": sum(log["quota"] for log in account.logs),
            "rpm": 0,
            "tpm": 0,
        }
        return {"user": account, "site": self.site, "stats": stats, "now": int(time.time()), **extra}

    def envelope(self, route: dict[str, Any], data: Any, context: dict[str, Any]) -> Any:
        shape = route.get("envelope", "standard")
        if shape == "raw":
            return data
        payload: dict[str, Any] = {"success": True, "message": ""} if shape == "standard" else {"success": True}
        payload["data"] = data
        payload.update(resolve(route.get("extra") or {}, context))
        return payload

    def _template(self, request: Request, route: dict[str, Any]) -> Response:
        context = self._context()
        return self.json(200, self.envelope(route, resolve(route.get("data"), context), context))

    def _items(self, route: dict[str, Any]) -> list[dict[str, Any]]:
        account = self.account
        source = route["collection"]
        if source == "tokens":
            return [{"token": t} for t in account.tokens]
        if source == "logs":
            return [{"log": log} for log in account.logs]
        if source == "models":
            return [
                {"model": {"name": n, "owner": o, "channel": c, "ratio": r, "completion_ratio": cr,
                           "input": round(r * 2, 6), "output": round(r * 2 * cr, 6)}}
                for n, o, c, r, cr in account.models
            ]
        if source == "groups":
            return [{"group": {"name": g, "ratio": r, "desc": d}} for g, (r, d) in account.groups.items()]
        if source == "channels":
            seen: dict[int, dict[str, Any]] = {}
            for n, o, c, _, _ in account.models:
                seen.setdefault(c, {"id": c, "owner": o, "models": []})["models"].append(n)
            return [{"channel": ch} for ch in seen.values()]
        raise KeyError(f"unknown collection {source!r}")

    def _collection(self, request: Request, route: dict[str, Any]) -> Response:
        rows = self._items(route)
        context = self._context()
        paging = route.get("page")
        if paging:
            page = self._page(request, paging, len(rows))
            if isinstance(page, Response):
                return page
            start, size, shown = page
            rows = rows[start:start + size]
        items = [resolve(route["item"], {**context, **row}) for row in rows]
        key = route.get("key")
        data: Any = {str(resolve(key, {**context, **row})): item for row, item in zip(rows, items)} if key else items
        if paging:
            data = resolve(paging["shape"], {**context, "items": data, "page": shown, "size": size, "total": len(self._items(route))})
        return self.json(200, self.envelope(route, data, context))

    def _page(self, request: Request, paging: dict[str, Any], total: int) -> tuple[int, int, int] | Response:
        """(first row, page size, page number to show) as the backend computes them."""
        base = paging["base"]
        try:
            number = int(request.arg(paging["param"]) or base)
        except ValueError:
            number = base
        number = max(number, base)
        size = paging.get("fixed_size")
        if size is None:
            given = next((request.arg(p) for p in paging["size_params"] if request.arg(p) not in (None, "")), None)
            try:
                size = int(given) if given is not None else paging["missing_size"]
            except ValueError:
                size = paging["missing_size"]
            if size > paging.get("max_size", 100):
                if paging.get("too_large") == "error":
                    return self.json(200, {"success": False, "message": "size 参数不能超过 100"})
                size = paging.get("max_size", 100)
            if size <= 0 and paging.get("nonpositive_size") == "default":
                size = paging["default_size"]
            size = max(size, 0)
        return (number - base) * size, size, number

    def _generate_token(self, request: Request, route: dict[str, Any]) -> Response:
        token = self.account.rotate_access_token()
        return self.json(200, {"success": True, "message": "", "data": token})
