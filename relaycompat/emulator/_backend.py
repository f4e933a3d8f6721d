"""A relay backend played from its profile: routing, auth, envelopes and bodies.

Nothing here knows a backend by name. A profile (``profiles/<name>.yaml``, docs/emulator.md)
names its upstream route list (``profiles/routes/<list>.yaml``: every GET the router registers
and the auth middleware in front of it), says which user-id header and refusals the auth
middleware uses, which headers each middleware layer adds, and what each body looks like, as
templates (:mod:`._render`). This module plays that description the way gin and the upstream
middlewares do (backends.md §2): gin-style patterns (:mod:`relaycompat._ginpath`), trailing-slash redirects
before any middleware, NoRoute's ``Invalid URL`` body for unknown paths, and a common user's
refusal on every admin route. Every ``gin.H`` (envelopes, refusals) is a Go map, so its keys
leave sorted. Scoped access tokens (``auth.scoped_tokens``) follow new-api rc.41's
``authHelper``/``TryUserAuth`` with the route rules of ``relaycompat/data/access_tokens.yaml``;
non-GET methods reach only the profile's ``post_routes``.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from .. import _ginpath
from .._access_tokens import ANY, SESSION, ScopedTokens, scoped_tokens
from .._ginpath import RouteTable
from ._account import Account
from ._paging import PageRefused, is_atoi
from ._profiles import USER_LEVELS, load_route_list
from ._render import Renderer, go_json, go_sorted, lookup
from ._server import Request, Response

JSON_TYPE = "application/json; charset=utf-8"
#: The role each dashboard level requires (common.RoleCommonUser / RoleAdminUser / RoleRootUser).
MIN_ROLE = {"user": 1, "admin": 10, "root": 100}


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


@cache
def route_table(list_name: str) -> RouteTable:
    """The gin tree of a route list (built once per list, shared by every site that plays it)."""
    return RouteTable(load_route_list(list_name).routes)


class _Query(Mapping[str, str]):
    """The query string as ``c.Query`` reads it: the first value, ``""`` when absent."""

    def __init__(self, request: Request) -> None:
        self._request = request

    def __getitem__(self, name: str) -> str:
        return self._request.arg(name) or ""

    def __iter__(self) -> Iterator[str]:
        return iter(self._request.query)

    def __len__(self) -> int:
        return len(self._request.query)


class _Messages(Mapping[str, str]):
    """``$msg.<key>``: a message key in the language this request is answered in."""

    def __init__(self, app: BackendApp, request: Request) -> None:
        self._app, self._request = app, request

    def __getitem__(self, key: str) -> str:
        return self._app.message(key, self._request)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


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
            "options": profile.get("options") or {},
        }
        self.routes: dict[str, dict[str, Any]] = profile["routes"]
        self.auth: dict[str, Any] = profile["auth"]
        self.listed = load_route_list(profile["route_list"]).routes
        self.table = route_table(profile["route_list"])
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
        return self._refuse(self.auth["refusals"][failure], request, **fields)

    def _refuse(self, spec: Mapping[str, Any], request: Request, **fields: str) -> Response:
        """A dashboard middleware's refusal ``{success: false, message, code?}`` as ``spec`` says."""
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

    def authenticate(self, request: Request, level: str, pattern: str) -> tuple[Response | None, list[tuple[str, str]]]:
        """(refusal or ``None``, headers a successful auth adds) for ``level`` try/user/admin/root.

        ``pattern`` is the upstream route that serves the request (gin's full path, e.g.
        ``/api/user/:id``); scoped tokens are checked against its rule.
        """
        if self.scoped is not None:
            return self._authenticate_scoped(request, level, pattern)
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
            if not is_atoi(value):
                return self.refusal("header_format", request), []
            if int(value) != self.account.user_id:
                return self.refusal("header_mismatch", request), []
        if self.account.role < MIN_ROLE[level]:
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
        if self.account.role < MIN_ROLE[level]:
            return self.refusal("insufficient", request), []
        refused = self._route_refusal(kind, scopes, request.method, pattern)
        if refused:
            return self.refusal(refused[0], request, scope=refused[1]), []
        return None, success


    def _key_refusal(self, request: Request, level: str) -> Response | None:
        """A relay-key middleware (``TokenAuth`` and its kin): its refusal unless the key is valid.

        ``relay`` answers the OpenAI-style ``relay_error`` (§2.5); any other level is a
        ``key_auth`` entry of the profile: ``{missing, invalid}`` refusals, or ``relay_error``.
        """
        key = request.headers.get("authorization", "")
        if key and self.account.key_is_valid(key):
            return None
        missing = not self._credential(request).removeprefix("sk-")
        spec: Any = "relay_error" if level == "relay" else (self.profile.get("key_auth") or {}).get(level)
        if spec is None:
            raise ValueError(f"profile {self.profile.get('name')!r}: no key_auth for level {level!r}")
        if spec != "relay_error":
            return self._refuse(spec["missing" if missing else "invalid"], request)
        relay = self.profile["relay_error"]
        message = self.message("relay_missing_key" if missing else "relay_invalid_key", request)
        if relay.get("request_id_suffix"):
            message += f" (request id: {request_id()})"
        fields = {"message": message, "type": relay["type"], "code": "", "param": ""}
        error = go_sorted({key: fields[key] for key in relay["keys"]})
        return self.answer(int(relay.get("status", 401)), {"error": error})

    # ---- routing ---------------------------------------------------------------------------
    async def __call__(self, request: Request) -> Response:
        if request.method != "GET":  # only the profile's post_routes; gin answers others with NoRoute
            return self._post(request)
        matched = self.table.match(request.path)
        if matched is None:
            return self._unrouted(request)
        pattern, params = matched
        render = self._renderer(request, params)
        route = self._resolve(self.routes.get(pattern) or {}, render)
        level = route.get("auth", self.listed[pattern].level)
        headers = self._group_headers(request.path)
        if level == "public":
            pass
        elif level in USER_LEVELS:
            refused, auth_headers = self.authenticate(request, level, pattern)
            if refused is not None:
                return refused
            headers += auth_headers
        else:
            refused = self._key_refusal(request, level)
            if refused is not None:
                return refused
        if not route:  # an admin route nobody but an admin passes: the emulated user is common
            raise ValueError(f"profile {self.profile.get('name')!r}: no body for {pattern} (level {level})")
        headers += self._template_headers(route.get("headers"))
        return self._build(request, route, render, headers)

    def _resolve(self, route: dict[str, Any], render: Renderer) -> dict[str, Any]:
        """The route as this request meets it: its ``let`` values bound, and the keys of the first
        ``when`` case that holds replacing the route's own (a case's ``data`` replaces, never merges)."""
        for name, template in (route.get("let") or {}).items():
            render.context[name] = render(template)
        for case in route.get("when") or []:
            if render(case["if"]):
                return {**route, **{k: v for k, v in case.items() if k != "if"}}
        return route

    def _unrouted(self, request: Request) -> Response:
        """No registered route: gin's trailing-slash redirect, else NoRoute."""
        target = self.table.redirect_target(request.path)
        if target and request.path not in (self.profile.get("no_trailing_slash_redirect") or []):
            return self.trailing_slash_redirect(request, target)
        return self.not_found(request)

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
        render = self._renderer(request, params)  # a body template, as a GET route's (`failure`, `data`, `when` …)
        return self._build(request, self._resolve(route, render), render, headers)

    # ---- bodies ----------------------------------------------------------------------------
    def _renderer(self, request: Request, params: dict[str, str]) -> Renderer:
        account = self.account
        stats = {"quota": sum(log["quota"] for log in account.logs), "rpm": 0, "tpm": 0}
        context = {"user": account, "site": self.site, "stats": stats, "now": int(time.time()),
                   "query": _Query(request), "path": params, "msg": _Messages(self, request),
                   "key": account.token_for_key(request.headers.get("authorization", ""))}
        return Renderer(context, account.rows, self.profile.get("pages") or {}, request.arg,
                        self.profile.get("shapes") or {})

    def _build(self, request: Request, route: dict[str, Any], render: Renderer,
               headers: list[tuple[str, str]]) -> Response:
        status = int(route.get("status", 200))
        if route.get("body") == "generate_token":  # GET /api/user/token: rotates the PAT (§2.6)
            data: Any = self.account.rotate_access_token()
        elif route.get("body") == "ensure_token":  # one-hub's playground: a relay token made on first call
            data = self.account.ensure_token(str(route["token_name"]))
        elif route.get("failure") is not None:  # c.JSON(gin.H{"success": false, "message": …})
            payload = {"success": False, "message": render(route["failure"])}
            return self.answer(status, go_sorted(payload), headers)
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
            return self.answer(status, data, headers)
        payload = render(envelope)
        if "data" in route or route.get("body"):
            payload["data"] = data
        return self.answer(status, go_sorted(payload), headers)
