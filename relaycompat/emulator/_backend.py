"""A relay backend played from its profile: routing, auth, envelopes and bodies.

Nothing here knows a backend by name. A profile (``profiles/<name>.yaml``, docs/emulator.md)
says which routes exist and at which auth level, which user-id header and refusals the auth
middleware uses, which headers each middleware layer adds, and what each body looks like, as
templates (:mod:`._render`). This module plays that description the way gin and the upstream
middlewares do (backends.md §2): trailing-slash redirects before any middleware,
``/api/user/<word>`` captured by the admin ``:id`` route, NoRoute's ``Invalid URL`` body for
unknown ``/api`` and ``/v1`` paths. Every ``gin.H`` (envelopes, refusals) is a Go map, so its
keys leave sorted. Scoped access tokens (``auth.scoped_tokens``) follow new-api rc.41's
``authHelper``/``TryUserAuth`` with the route rules of ``relaycompat/data/access_tokens.yaml``;
non-GET methods reach only the profile's ``post_routes``.
"""

from __future__ import annotations

import random
import re
import string
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .. import _ginpath
from .._access_tokens import ANY, SESSION, ScopedTokens, scoped_tokens
from ._account import Account
from ._paging import PageRefused
from ._profiles import merge
from ._render import Renderer, go_json, go_sorted, lookup
from ._server import Request, Response

JSON_TYPE = "application/json; charset=utf-8"
LEVELS = ("public", "try", "user", "admin", "relay")
GO_INT = re.compile(r"[+-]?[0-9]+")  # what strconv.Atoi accepts


def request_id() -> str:
    """``X-Oneapi-Request-Id``: a timestamp and 8 random characters (backends.md §2.5)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    return stamp + "".join(random.choices(string.ascii_letters + string.digits, k=8))


def _language(header: str, tables: Mapping[str, Any], default: str) -> str:
    """The message table ``Accept-Language`` picks (exact tag, then primary subtag), else ``default``."""
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        for candidate in (tag, tag.split("-")[0]):
            if candidate and candidate in tables:
                return candidate
    return default


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
        self.auth: dict[str, Any] = profile["auth"]
        self.scoped: ScopedTokens | None = None
        if self.auth.get("scoped_tokens"):
            self._grant_site_token(self.auth["scoped_tokens"])

    # ---- answers ---------------------------------------------------------------------------
    def _template_headers(self, headers: Mapping[str, Any] | None) -> list[tuple[str, str]]:
        return [(k, str(lookup(v[1:], {"site": self.site}) if str(v).startswith("$") else v))
                for k, v in (headers or {}).items()]

    def _group_headers(self, path: str) -> list[tuple[str, str]]:
        groups: Mapping[str, Any] = self.profile.get("group_headers") or {}
        return [h for prefix, headers in groups.items() if path.startswith(prefix)
                for h in self._template_headers(headers)]

    def answer(self, status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
        """A JSON answer through gin's engine middleware (request id, the profile's ``headers``)."""
        merged: dict[str, tuple[str, str]] = {}  # gin's c.Header replaces: the last layer wins
        for name, value in [("Content-Type", JSON_TYPE), ("X-Oneapi-Request-Id", request_id()),
                            *self._template_headers(self.profile.get("headers")), *(headers or [])]:
            merged[name.lower()] = (name, value)
        return Response(status, list(merged.values()), go_json(payload))

    def message(self, key: str, request: Request, **fields: str) -> str:
        """Message ``key`` in the language the profile serves this request (``{name}``: ``fields``)."""
        messages: Mapping[str, Any] = self.profile["messages"]
        tables = {k: v for k, v in messages.items() if isinstance(v, Mapping)}
        language = messages.get("default", "zh")
        if messages.get("negotiate"):
            language = _language(request.headers.get("accept-language", ""), tables, language)
        for table in (language, messages.get("default", "zh"), "zh"):
            if key in tables.get(table, {}):
                return str(tables[table][key]).format(header=self.auth.get("user_header", ""), **fields)
        raise KeyError(f"profile {self.profile.get('name')!r} has no message {key!r}")

    def refusal(self, failure: str, request: Request, **fields: str) -> Response:
        """The auth middleware's answer for ``failure`` (``auth.refusals`` of the profile)."""
        spec = self.auth["refusals"][failure]
        payload: dict[str, Any] = {"success": False, "message": self.message(spec["message"], request, **fields)}
        if spec.get("code"):
            payload["code"] = spec["code"]
        return self.answer(int(spec["status"]), go_sorted(payload), self._group_headers(request.path))

    def not_found(self, request: Request) -> Response:
        """NoRoute → ``RelayNotFound``: 404 with the backend's own error object (backends.md §2.2)."""
        fields = {"message": f"Invalid URL ({request.method} {request.path})", "type": "invalid_request_error",
                  "param": "", "code": ""}
        error = {key: fields[key] for key in self.profile["not_found_keys"]}
        return self.answer(404, {"error": error}, self._template_headers(self.profile.get("not_found_headers")))

    @staticmethod
    def trailing_slash_redirect(request: Request, path: str) -> Response:
        """gin's RedirectTrailingSlash: 301 before any middleware, net/http's HTML body (§2.3)."""
        query = request.target.split("?", 1)[1] if "?" in request.target else ""
        location = path + ("?" + query if query else "")
        href = location.replace("&", "&amp;")
        body = f'<a href="{href}">Moved Permanently</a>.\n\n'.encode()
        return Response(301, [("Content-Type", "text/html; charset=utf-8"), ("Location", location)], body)

    # ---- auth ------------------------------------------------------------------------------
    def _credential(self, request: Request) -> str:
        credential = request.headers.get("authorization", "").strip()
        return credential[7:].strip() if credential[:7].lower() == "bearer " else credential

    def authenticate(self, request: Request, level: str, pattern: str | None = None) -> tuple[Response | None, list[tuple[str, str]]]:
        """(refusal or ``None``, headers a successful auth adds) for ``level`` user/admin/try.

        ``pattern`` is the upstream route that serves the request (gin's full path, e.g.
        ``/api/user/:id``); scoped tokens are checked against its rule.
        """
        if self.scoped is not None:
            return self._authenticate_scoped(request, level, pattern or request.path)
        credential = self._credential(request)
        valid = bool(credential) and credential == self.account.access_token
        success = self._template_headers(self.auth.get("success_headers"))
        if level == "try":  # TryUserAuth: a credential it honours identifies; anything else is anonymous
            return None, success if valid and self.auth.get("try_reads_token") else []
        if not credential:
            return self.refusal("no_credential", request), []
        if not valid:
            return self.refusal("bad_credential", request), []
        header = self.auth.get("user_header")
        if header:
            value = request.headers.get(header.lower())
            if value is None or value == "":
                return self.refusal("header_missing", request), []
            if not GO_INT.fullmatch(value):
                return self.refusal("header_format", request), []
            if int(value) != self.account.user_id:
                return self.refusal("header_mismatch", request), []
        if level == "admin" and self.account.role < 10:
            return self.refusal("insufficient", request), []
        return None, success

    # ---- scoped access tokens (new-api rc.41, middleware/auth.go @ caca52f8) -------------------
    def _grant_site_token(self, spec: dict[str, Any]) -> None:
        """The site file's token, when it is a scoped one, is a token the user created with the
        profile's ``account.token_scopes`` (default: the read scopes) and ``token_expires_in``."""
        self.scoped = scoped_tokens(spec["table"])
        if self.scoped is None:
            raise ValueError(f"profile {self.profile.get('name')!r}: no scoped-token table {spec['table']!r}")
        token, grant = self.account.access_token, self.profile.get("account") or {}
        if token and token.startswith(self.scoped.prefix):
            expires_in = grant.get("token_expires_in")
            self.account.grant(token, tuple(grant.get("token_scopes", self.scoped.read_scopes)),
                               int(time.time()) + int(expires_in) if expires_in is not None else 0)

    def _identify(self, credential: str) -> tuple[str | None, tuple[str, ...], str | None]:
        """``(kind, scopes, failure)`` of a credential: ``scoped``/``legacy`` or ``None`` (no user),
        and the refusal its lookup already ends in (classifyDashboardCredential, lookupAccessToken)."""
        assert self.scoped is not None
        if not credential:
            return None, (), None
        if credential.startswith(self.scoped.prefix):
            token = self.account.scoped_tokens.get(credential)
            if token is None:
                return None, (), None
            if token.expired(int(time.time())):
                return None, (), "token_expired"
            return "scoped", token.scopes, None
        if self.auth["scoped_tokens"].get("legacy", "retired") == "retired":
            return None, (), "legacy_retired"  # model.ValidateAccessToken: every value, once retired
        return ("legacy", (), None) if credential == self.account.access_token else (None, (), None)

    def _route_refusal(self, kind: str, scopes: tuple[str, ...], method: str, pattern: str) -> tuple[str, str] | None:
        """enforceAccessTokenRoute: ``(failure, scope)`` when the route's rule refuses the token."""
        assert self.scoped is not None
        rule = self.scoped.rule(method, pattern)
        if rule == SESSION:
            return "session_required", ""
        if kind == "legacy":
            return None
        if rule is None:
            return "route_undeclared", ""
        if rule == ANY or rule in scopes:
            return None
        return "scope_denied", rule

    def _authenticate_scoped(self, request: Request, level: str, pattern: str) -> tuple[Response | None, list[tuple[str, str]]]:
        """authHelper (authenticate, role, route rule) and TryUserAuth with scoped tokens."""
        kind, scopes, failure = self._identify(self._credential(request))
        success = self._template_headers(self.auth.get("success_headers"))
        if level == "try":  # a retired or unknown token is anonymous; an expired one is refused
            if failure == "token_expired":
                return self.refusal(failure, request), []
            if kind is None or self._route_refusal(kind, scopes, request.method, pattern):
                return None, []
            return None, success
        if failure:
            return self.refusal(failure, request), []
        if kind is None:
            return self.refusal("bad_credential" if self._credential(request) else "no_credential", request), []
        if level == "admin" and self.account.role < 10:
            return self.refusal("insufficient", request), []
        refused = self._route_refusal(kind, scopes, request.method, pattern)
        if refused:
            return self.refusal(refused[0], request, scope=refused[1]), []
        return None, success

    def _relay_refusal(self, request: Request) -> Response | None:
        """Relay ``TokenAuth``: an OpenAI-style error unless the ``sk-`` key is valid (§2.5)."""
        key = request.headers.get("authorization", "")
        if key and self.account.key_is_valid(key):
            return None
        relay = self.profile["relay_error"]
        missing = not self._credential(request).removeprefix("sk-")
        message = self.message("relay_missing_key" if missing else "relay_invalid_key", request)
        if relay.get("request_id_suffix"):
            message += f" (request id: {request_id()})"
        fields = {"message": message, "type": relay["type"], "code": "", "param": ""}
        error = go_sorted({key: fields[key] for key in relay["keys"]})
        return self.answer(int(relay.get("status", 401)), {"error": error})

    # ---- routing ---------------------------------------------------------------------------
    def _route_for(self, request: Request) -> dict[str, Any] | None:
        route = self.routes.get(request.path)
        if route is None:
            return None
        for variant in route.get("variants") or []:
            if all(request.arg(name) == str(value) for name, value in variant["query"].items()):
                merged: dict[str, Any] = merge(route, {k: v for k, v in variant.items() if k != "query"})
                return merged
        return route

    async def __call__(self, request: Request) -> Response:
        path = request.path
        if request.method != "GET":  # only the profile's post_routes; gin answers others with NoRoute
            return self._post(request)
        route = self._route_for(request)
        if route is None:
            return self._unrouted(request)
        level = route.get("auth", "public")
        if level not in LEVELS:
            raise ValueError(f"route {path}: unknown auth level {level!r}")
        headers = self._group_headers(path)
        if level == "relay":
            refused = self._relay_refusal(request)
            if refused is not None:
                return refused
        elif level != "public":
            refused, auth_headers = self.authenticate(request, level, path)
            if refused is not None:
                return refused
            headers += auth_headers
        headers += self._template_headers(route.get("headers"))
        return self._build(request, route, headers)

    def _unrouted(self, request: Request) -> Response:
        """No registered route: gin's trailing-slash redirect, the ``:id`` capture, else NoRoute."""
        path = request.path
        other = path[:-1] if path.endswith("/") else path + "/"
        if other in self.routes and path not in (self.profile.get("no_trailing_slash_redirect") or []):
            return self.trailing_slash_redirect(request, other)
        prefix = self.profile.get("id_route")
        if prefix and path.startswith(prefix) and "/" not in path[len(prefix):] and path != prefix:
            return self._admin_get_user(request, path[len(prefix):])
        return self.not_found(request)

    def _admin_get_user(self, request: Request, segment: str) -> Response:
        """``GET /api/user/:id`` (GetUser), which swallows every unregistered single segment (§2.4)."""
        refused, headers = self.authenticate(request, "admin", self.profile["id_route"] + ":id")
        if refused is not None:
            return refused
        payload = {"success": False, "message": f'strconv.Atoi: parsing "{segment}": invalid syntax'}
        return self.answer(200, go_sorted(payload), self._group_headers(request.path) + headers)

    def _post(self, request: Request) -> Response:
        """A non-GET request: the profile's ``post_routes`` ({gin pattern: route}), else NoRoute."""
        routes: dict[str, Any] = self.profile.get("post_routes") or {}
        found = _ginpath.best(routes, request.path) if request.method == "POST" else None
        if found is None:
            return self.not_found(request)
        pattern, params = found
        route = routes[pattern]
        refused, auth_headers = self.authenticate(request, route.get("auth", "user"), pattern)
        if refused is not None:
            return refused
        headers = self._group_headers(request.path) + auth_headers + self._template_headers(route.get("headers"))
        actions = {"reveal_token_key": self._reveal_token_key}
        if route.get("body") not in actions:
            raise ValueError(f"post route {pattern}: unknown body {route.get('body')!r} (known: {', '.join(actions)})")
        return self.answer(200, go_sorted(actions[route["body"]](params)), headers)

    def _reveal_token_key(self, params: dict[str, str]) -> dict[str, Any]:
        """POST /api/token/:id/key (controller/token.go GetTokenKey): the full key of one relay token."""
        raw = params.get("id", "")
        if not GO_INT.fullmatch(raw):
            return {"success": False, "message": f'strconv.Atoi: parsing "{raw}": invalid syntax'}
        if int(raw) == 0:
            return {"success": False, "message": "id 或 userId 为空！"}  # model.GetTokenByIds
        token = next((t for t in self.account.tokens if t["id"] == int(raw)), None)
        if token is None:
            return {"success": False, "message": "record not found"}  # gorm.ErrRecordNotFound
        return {"success": True, "message": "", "data": {"key": token["key"]}}

    # ---- bodies ----------------------------------------------------------------------------
    def _renderer(self, request: Request) -> Renderer:
        account = self.account
        stats = {"quota": sum(log["quota"] for log in account.logs), "rpm": 0, "tpm": 0}
        context = {"user": account, "site": self.site, "stats": stats, "now": int(time.time())}
        return Renderer(context, account.rows, self.profile.get("pages") or {}, request.arg)

    def _build(self, request: Request, route: dict[str, Any], headers: list[tuple[str, str]]) -> Response:
        render = self._renderer(request)
        if route.get("body") == "generate_token":  # GET /api/user/token: rotates the PAT (§2.6)
            data: Any = self.account.rotate_access_token()
        else:
            try:
                data = render(route.get("data"))
            except PageRefused as refused:
                payload = {"success": False, "message": self.message(refused.message, request)}
                return self.answer(200, go_sorted(payload), headers)
        if route.get("map") and isinstance(data, dict):
            data = go_sorted(data)
        envelope = route.get("envelope", {"success": True, "message": ""})
        if envelope == "raw":
            return self.answer(200, data, headers)
        payload = {**render(envelope), "data": data}
        return self.answer(200, go_sorted(payload), headers)
