"""Failure modes: what stands in front of (or instead of) a backend on a broken or hostile site.

A profile with ``front: {kind: <name>, ...}`` puts one of these in front of its backend. Each
kind is a small class named for what the site does, registered in :data:`FRONTS`; its options
come from the profile. Kinds that act below HTTP (a failing TLS handshake) set a flag the
server honours instead.
"""

from __future__ import annotations

import base64
import itertools
import zlib
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from ._server import Request, Response

Inner = Callable[[Request], Awaitable[Response]]

CLOUDFLARE_CHALLENGE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="robots" content="noindex,nofollow">
</head><body><div class="main-wrapper" role="main"><div class="main-content">
<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript>
</div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: "{host}",cType: 'managed'};
var a = document.createElement('script');a.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1';
document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>"""


def _cloudflare_headers(content_type: str) -> list[tuple[str, str]]:
    return [
        ("Content-Type", content_type),
        ("Server", "cloudflare"),
        ("CF-RAY", "8f3a5c2d1e0b4a7f-HKG"),
        ("Cache-Control", "private, max-age=0, no-store, no-cache, must-revalidate"),
    ]


class Front:
    """Base: a front decides per request whether to answer itself or pass to the backend."""

    tls_alert = False
    #: How the fleet reaches the site: "listen" (a loopback port), "refused" (a port nobody
    #: listens on), "unresolvable" (a host under .invalid, which never resolves).
    address = "listen"

    def __init__(self, options: dict[str, Any], context: dict[str, Any]) -> None:
        self.options = options
        self.context = context

    def covers(self, request: Request) -> bool:
        prefixes = self.options.get("paths")
        return not prefixes or any(request.path.startswith(p) for p in prefixes)

    async def __call__(self, request: Request, inner: Inner) -> Response:
        if self.covers(request):
            return await self.answer(request, inner)
        return await inner(request)

    async def answer(self, request: Request, inner: Inner) -> Response:
        raise NotImplementedError


class CloudflareChallenge(Front):
    """A managed challenge (403 HTML, ``cf-mitigated: challenge``) instead of the origin."""

    async def answer(self, request: Request, inner: Inner) -> Response:
        headers = _cloudflare_headers("text/html; charset=UTF-8") + [("cf-mitigated", "challenge")]
        return Response(403, headers, CLOUDFLARE_CHALLENGE_PAGE.replace("{host}", "emulated").encode())


class OriginDown(Front):
    """Cloudflare cannot reach the origin: ``error code: 521`` on every path."""

    async def answer(self, request: Request, inner: Inner) -> Response:
        code = int(self.options.get("status", 521))
        return Response(code, _cloudflare_headers("text/plain; charset=UTF-8"), f"error code: {code}".encode())


class TLSHandshakeFailure(Front):
    """The server answers the ClientHello with a handshake_failure alert (no HTTP at all)."""

    tls_alert = True

    async def answer(self, request: Request, inner: Inner) -> Response:  # never reached
        return Response(400)


class NoAnswer(Front):
    """Accepts the connection and the request, then says nothing until ``hold_seconds``."""

    async def answer(self, request: Request, inner: Inner) -> Response:
        return Response(action="hang", hold_seconds=float(self.options.get("hold_seconds", 30)))


class RedirectElsewhere(Front):
    """301 on every path to the same path on another origin, with an empty body."""

    async def answer(self, request: Request, inner: Inner) -> Response:
        target = self.context["elsewhere_url"] + request.target
        return Response(int(self.options.get("status", 301)), [("Location", target), ("Content-Length", "0")])


class RateLimited(Front):
    """429 on every request; ``Retry-After`` on every other one (new-api sends it, legacy don't)."""

    def __init__(self, options: dict[str, Any], context: dict[str, Any]) -> None:
        super().__init__(options, context)
        self._count = itertools.count()

    async def answer(self, request: Request, inner: Inner) -> Response:
        headers: list[tuple[str, str]] = []
        if next(self._count) % 2 == 0:
            headers.append(("Retry-After", str(self.options.get("retry_after", 1))))
        return Response(429, headers, b"")


@cache
def generated_body(kind: str, size: int) -> bytes:
    """Bodies too big or too odd to write in a profile (built once, then reused)."""
    if kind == "deep_json":  # nesting that breaks a recursive parser
        return b"[" * size + b"]" * size
    if kind == "huge_json":  # a valid JSON string of ``size`` bytes
        return b'{"success":true,"message":"","data":"' + b"a" * size + b'"}'
    if kind == "gzip_bomb":  # ``size`` bytes of JSON-ish zeros, gzip-compressed (~1000:1), built by the MiB
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        chunk, parts = b"0" * (1 << 20), [packer.compress(b'{"success":true,"data":"')]
        parts += [packer.compress(chunk[: min(len(chunk), size - done)]) for done in range(0, size, len(chunk))]
        return b"".join([*parts, packer.compress(b'"}'), packer.flush()])
    if kind == "many_keys":  # an object of ``size`` keys (costly to validate and mask, if let through)
        pairs = b",".join(b'"k%d":%d' % (i, i) for i in range(size))
        return b'{"success":true,"message":"","data":{' + pairs + b"}}"
    if kind == "long_number":  # a number literal of ``size`` digits (Python's int() refuses > 4300)
        return b'{"success":true,"message":"","data":{"quota":' + b"7" * size + b"}}"
    raise KeyError(f"unknown generated body {kind!r}")


class Canned(Front):
    """Answers covered paths with a fixed response written in the profile: status, headers,
    a ``body`` (text), ``body_base64`` (exact bytes) or ``generate: {kind, size}``, and an
    optional connection ``action`` (stall, reset) after ``partial`` bytes, and ``big_header``:
    one more header of that many bytes. In header values and the body, ``{self}`` is the
    request's own URL path and ``{other_scheme}`` the same host and port over https."""

    def __init__(self, options: dict[str, Any], context: dict[str, Any]) -> None:
        super().__init__(options, context)
        if "generate" in options:  # build it now: building a bomb in a request would stall the loop
            generated_body(options["generate"]["kind"], int(options["generate"]["size"]))

    async def answer(self, request: Request, inner: Inner) -> Response:
        o = self.options
        if "generate" in o:
            body = generated_body(o["generate"]["kind"], int(o["generate"]["size"]))
        elif "body_base64" in o:
            body = base64.b64decode(o["body_base64"])
        else:
            body = str(o.get("body", "")).replace("{self}", request.target).encode()
        host = request.headers.get("host", "127.0.0.1")
        values = {"self": request.target, "other_scheme": f"https://{host}{request.target}"}
        headers = [(k, str(v).format(**values)) for k, v in (o.get("headers") or {}).items()]
        if o.get("big_header"):
            headers.append(("X-Padding", "a" * int(o["big_header"])))
        return Response(int(o.get("status", 200)), headers, body, action=o.get("action"),
                        partial=int(o.get("partial", 0)), hold_seconds=float(o.get("hold_seconds", 30)))


class EchoCredentials(Front):
    """A site that tries to leak what it was sent: the Authorization header comes back in a
    response header, in a success body and in an error message."""

    async def answer(self, request: Request, inner: Inner) -> Response:
        sent = request.headers.get("authorization", "")
        bare = sent.removeprefix("Bearer ").strip()
        if request.path.startswith("/v1/"):
            body = '{"error":{"message":"无效的令牌 ' + bare + '","type":"new_api_error"}}'
            return Response(401, [("Content-Type", "application/json"), ("X-Echo", sent)], body.encode())
        inner_response = await inner(request)
        headers = [*inner_response.headers, ("X-Echo-Authorization", sent), ("X-Echo-Token", bare)]
        if request.path == "/api/user/self":
            body = ('{"success":true,"message":"","data":{"id":1,"username":"echo","quota":1,"group":"default",'
                    '"note":"' + bare + '","access_token":"' + bare + '"}}')
            return Response(200, headers, body.encode())
        if request.path.startswith("/api/log/self"):
            return Response(200, headers, ('{"success":false,"message":"bad token ' + sent + '"}').encode())
        return Response(inner_response.status, headers, inner_response.body)


class SetsCookies(Front):
    """A site that hands out a session cookie on every answer, shows its value again in a header
    and an error message, and echoes back any Cookie header it is sent (a client that keeps
    cookies would send the session back, public endpoints included)."""

    async def answer(self, request: Request, inner: Inner) -> Response:
        value = str(self.options["value"])
        response = await inner(request)
        headers = [*response.headers, ("Set-Cookie", f"rc_session={value}; Path=/; HttpOnly"),
                   ("Set-Cookie", "lang=zh-CN; Path=/"), ("X-Session-Hint", f"resume with {value}")]
        sent = request.headers.get("cookie")
        if sent:
            headers.append(("X-Echo-Cookie", sent))
            body = '{"success":true,"message":"","data":{"you_sent":"' + sent.replace('"', "") + '"}}'
            return Response(200, headers, body.encode())
        if request.path.startswith("/api/log/self"):
            return Response(200, headers, ('{"success":false,"message":"session ' + value + ' expired"}').encode())
        return Response(response.status, headers, response.body, action=response.action, close=response.close)


class Refused(Front):
    """Nothing listens: every connection is refused."""

    address = "refused"


class Unresolvable(Front):
    """The site's host name does not resolve (the fleet gives it a name under .invalid)."""

    address = "unresolvable"


FRONTS: dict[str, type[Front]] = {
    "cloudflare_challenge": CloudflareChallenge,
    "origin_down": OriginDown,
    "tls_handshake_failure": TLSHandshakeFailure,
    "no_answer": NoAnswer,
    "redirect_elsewhere": RedirectElsewhere,
    "rate_limited": RateLimited,
    "canned": Canned,
    "echo_credentials": EchoCredentials,
    "sets_cookies": SetsCookies,
    "refused": Refused,
    "unresolvable": Unresolvable,
}


def make_front(spec: dict[str, Any] | None, context: dict[str, Any]) -> Front | None:
    if not spec:
        return None
    options = {k: v for k, v in spec.items() if k != "kind"}
    return FRONTS[spec["kind"]](options, context)
