"""From an :class:`~relaycompat._http.Exchange` to a verdict and a one-line reason.

The checks run as a ladder, first match wins (schemathesis' check order, backends.md §2):

    1. transport       nothing came back              tls_error, connect_error, timeout
    2. redirect        3xx                            redirect (target recorded, never followed)
    3. challenge       WAF / CDN page                 blocked
    4. status          429, 5xx                       rate_limited, server_error
    5. body            capped, not strict JSON, HTML  invalid_response
    6. refusal         404, 401/403, success:false    not_found, auth_*, forbidden, api_error
    7. envelope        success:true / OpenAI list     ok (schema validation comes after detection)

What a refusal *means* comes from the messages and codes in ``data/classification.yaml``;
a body whose ``success`` is false is never ``ok``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

from . import _verdicts as v
from ._catalogue import Endpoint
from ._http import Exchange
from ._json import JSONLimit, JSONProblem, decode_text, loads_strict

_NO_DATA = object()


@dataclass
class Classification:
    """A verdict, the evidence for it in one line, and the parsed body when there was one.

    ``code`` is a refusal's machine code (new-api >= rc.22 ``{"code": "AUTH_…"}``), when it has one.
    """

    verdict: str
    reason: str
    data: Any = None
    message: str | None = None
    schema: dict[str, Any] | None = None
    code: str | None = None


@dataclass(frozen=True)
class _Rules:
    patterns: dict[str, tuple[re.Pattern[str], ...]]
    codes: dict[str, str]
    challenge_headers: dict[str, str]
    html_markers: tuple[str, ...]
    cdn_headers: tuple[str, ...]
    cdn_servers: tuple[str, ...]
    cdn_statuses: tuple[int, ...]


@cache
def rules() -> _Rules:
    text = resources.files("relaycompat").joinpath("data/classification.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return _Rules(
        patterns={
            verdict: tuple(re.compile(p, re.IGNORECASE) for p in data[verdict])
            for verdict in (v.AUTH_MISSING, v.AUTH_REJECTED, v.FORBIDDEN, v.NOT_FOUND)
        },
        codes=dict(data["codes"]),
        challenge_headers={k.lower(): str(val).lower() for k, val in data["challenge"]["headers"].items()},
        html_markers=tuple(data["challenge"]["html_markers"]),
        cdn_headers=tuple(h.lower() for h in data["challenge"]["cdn_headers"]),
        cdn_servers=tuple(s.lower() for s in data["challenge"]["cdn_servers"]),
        cdn_statuses=tuple(int(c) for c in data["challenge"]["cdn_statuses"]),
    )


_TRANSPORT = {
    "timeout": (v.TIMEOUT, "no complete answer within the deadline"),
    "tls": (v.TLS_ERROR, "TLS handshake failed"),
    "dns": (v.CONNECT_ERROR, "DNS lookup failed"),
    "refused": (v.CONNECT_ERROR, "connection refused"),
    "reset": (v.CONNECT_ERROR, "connection reset"),
    "protocol": (v.INVALID_RESPONSE, "not a valid HTTP response"),
}


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_message(data: Any) -> str | None:
    """The human message of an error body, whichever envelope it uses."""
    if not isinstance(data, dict):
        return None
    for candidate in (data.get("message"), data.get("msg")):
        if isinstance(candidate, str) and candidate:
            return candidate
    error = data.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    if isinstance(error, str) and error:
        return error
    return None


def refusal_verdict(message: str | None, code: Any, credentials_sent: bool) -> str | None:
    """The verdict a refusal message or code names, or ``None`` when it names none."""
    named = rules().codes.get(code) if isinstance(code, str) else None
    if named is None and message:
        for verdict, patterns in rules().patterns.items():
            if any(p.search(message) for p in patterns):
                named = verdict
                break
    if named in (v.AUTH_REJECTED, v.AUTH_MISSING) and not credentials_sent:
        return v.AUTH_MISSING
    return named


def _is_challenge(exchange: Exchange, text: str) -> bool:
    r = rules()
    if any(exchange.headers.get(k, "").lower() == val for k, val in r.challenge_headers.items()):
        return True
    looks_html = "html" in exchange.headers.get("content-type", "") or text.lstrip()[:1] == "<"
    if looks_html and any(marker in text for marker in r.html_markers):
        return True
    server = exchange.headers.get("server", "").lower()
    from_cdn = any(h in exchange.headers for h in r.cdn_headers) or any(name in server for name in r.cdn_servers)
    return from_cdn and exchange.status in r.cdn_statuses and (looks_html or not text.strip())


def _redirect_target(exchange: Exchange) -> str:
    """The Location, and what kind of move it is (credentials never follow it)."""
    if not exchange.location:
        return "no Location header"
    target = urljoin(exchange.url, exchange.location)
    here, there = urlsplit(exchange.url), urlsplit(target)
    if target == exchange.url:
        kind = "itself: a redirect loop"
    elif there.scheme != here.scheme and there.hostname == here.hostname:
        kind = f"the same host over {there.scheme}"
    elif (there.scheme, there.netloc) != (here.scheme, here.netloc):
        kind = "another origin"
    else:
        kind = "the same origin"
    return f"{_short(exchange.location, 120)} ({kind})"


def _status_line(exchange: Exchange) -> str:
    return f"HTTP {exchange.status}"


def classify(exchange: Exchange, endpoint: Endpoint) -> Classification:
    """Classify one exchange; schema validation of ``ok`` answers happens later, per backend."""
    if exchange.status is None or exchange.error_kind in ("timeout", "reset"):
        verdict, what = _TRANSPORT.get(exchange.error_kind or "protocol", _TRANSPORT["protocol"])
        during = " after the headers arrived" if exchange.status is not None else ""
        return Classification(verdict, f"{what}{during}: {_short(exchange.error or '')}")
    status = exchange.status
    if exchange.error_kind:  # the headers came, the body did not make sense
        return Classification(v.INVALID_RESPONSE, f"{_status_line(exchange)}, {_short(exchange.error or '')}")
    if 300 <= status < 400:
        return Classification(v.REDIRECT, f"{_status_line(exchange)} → {_redirect_target(exchange)}; not followed")
    try:
        text = decode_text(exchange.body)
    except JSONProblem:
        text = ""
    if _is_challenge(exchange, text[:65536]):
        server = exchange.headers.get("server", "a WAF/CDN")
        return Classification(v.BLOCKED, f"{_status_line(exchange)} challenge page from {_short(server, 40)}")
    if status == 429:
        after = exchange.headers.get("retry-after")
        return Classification(v.RATE_LIMITED, f"{_status_line(exchange)}" + (f", Retry-After: {_short(after, 20)}" if after else ", no Retry-After"))
    if status >= 500:
        hint = f": {_short(text, 80)}" if text.strip() else ""
        return Classification(v.SERVER_ERROR, f"{_status_line(exchange)}{hint}")
    if exchange.capped:
        return Classification(v.INVALID_RESPONSE, f"{_status_line(exchange)}, body larger than {exchange.body_bytes} bytes; stopped reading there")
    try:
        data = loads_strict(exchange.body)
    except JSONLimit as problem:
        return Classification(v.INVALID_RESPONSE, f"{_status_line(exchange)}, JSON beyond the suite's limits: {problem}")
    except JSONProblem as problem:
        return _not_json(exchange, text, str(problem))
    message = error_message(data)
    code = data.get("code") if isinstance(data, dict) else None
    code_text = code if isinstance(code, str) and code else None
    if status == 404:
        return Classification(v.NOT_FOUND, f"{_status_line(exchange)}: {_short(message or text)}", data, message)
    if status in (401, 403):
        verdict = refusal_verdict(message, code, exchange.credentials_sent)
        if verdict is None:
            verdict = v.FORBIDDEN if status == 403 else (v.AUTH_REJECTED if exchange.credentials_sent else v.AUTH_MISSING)
        return Classification(verdict, f"{_status_line(exchange)}: {_short(message or text)}", data, message, code=code_text)
    if not isinstance(data, dict):
        return Classification(v.INVALID_RESPONSE, f"{_status_line(exchange)}, expected a JSON object, got {type(data).__name__}", data)
    success = data.get("success", _NO_DATA)
    if success is False or (endpoint.envelope == "openai" and success is _NO_DATA and "error" in data):
        verdict = refusal_verdict(message, code, exchange.credentials_sent) or v.API_ERROR
        return Classification(verdict, f"{_status_line(exchange)}, success:false: {_short(message or '(no message)')}", data,
                              message, code=code_text)
    if not 200 <= status < 300:
        return Classification(v.API_ERROR, f"{_status_line(exchange)}: {_short(message or text)}", data, message)
    if endpoint.envelope == "dashboard" and success is not True:
        got = "no 'success' field" if success is _NO_DATA else f"'success' is {_short(repr(success), 30)}, not true/false"
        return Classification(v.INVALID_RESPONSE, f"{_status_line(exchange)}, {got}", data)
    if endpoint.envelope == "openai" and not isinstance(data.get("data"), list) and success is not True:
        return Classification(v.INVALID_RESPONSE, f"{_status_line(exchange)}, no 'data' list in the model list", data)
    return Classification(v.OK, f"{_status_line(exchange)}, success", data, message)


def _not_json(exchange: Exchange, text: str, problem: str) -> Classification:
    status = exchange.status
    content_type = exchange.headers.get("content-type", "")
    is_html = "html" in content_type or text.lstrip()[:1] == "<"
    if status == 404:
        return Classification(v.NOT_FOUND, f"{_status_line(exchange)}, {'HTML page' if is_html else _short(text or 'empty body', 80)}")
    if status in (401, 403):
        verdict = v.FORBIDDEN if status == 403 else (v.AUTH_REJECTED if exchange.credentials_sent else v.AUTH_MISSING)
        what = "an HTML page" if is_html else ("an empty body" if not text.strip() else "a non-JSON body")
        return Classification(verdict, f"{_status_line(exchange)} with {what}")
    if is_html:
        return Classification(v.INVALID_RESPONSE, f"{_status_line(exchange)}, an HTML page ({_short(content_type or 'no content-type', 40)}) instead of JSON")
    return Classification(v.INVALID_RESPONSE, f"{_status_line(exchange)}, not JSON: {problem}")
