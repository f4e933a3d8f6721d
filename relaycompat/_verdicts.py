"""Verdicts: what a probe of one endpoint on one site really got. Exactly one per probe.

    reached the backend, which answered as promised
        ok                  success, and the body matches the backend's schema
        schema_mismatch     success, but the body breaks the schema (a client would break)
    reached the backend, which said no
        api_error           success:false for a reason other than auth
        auth_missing        no credentials sent, or the site says none arrived
        auth_rejected       credentials sent and refused (invalid, retired or expired token, missing
                            scope, user-id header mismatch)
        forbidden           authenticated, but not allowed (an admin route, a disabled feature)
        not_found           the route does not exist (``Invalid URL (GET …)``)
        redirect            a 3xx; recorded with its target, never followed blindly
    something in between answered
        blocked             a WAF or CDN challenge page (Cloudflare)
        rate_limited        429
        server_error        5xx, Cloudflare's 52x included
        invalid_response    not the JSON the endpoint promises
    nothing usable came back
        tls_error           the TLS handshake failed
        connect_error       DNS failure, connection refused or reset
        timeout             no complete answer within the site's deadline
    not asked
        skipped             deliberately not called (mutating, or the site stopped answering)

Verdicts are plain strings so they cross process boundaries and JSON files unchanged.
"""

from __future__ import annotations

OK = "ok"
SCHEMA_MISMATCH = "schema_mismatch"
API_ERROR = "api_error"
AUTH_MISSING = "auth_missing"
AUTH_REJECTED = "auth_rejected"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
REDIRECT = "redirect"
BLOCKED = "blocked"
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
TLS_ERROR = "tls_error"
CONNECT_ERROR = "connect_error"
TIMEOUT = "timeout"
INVALID_RESPONSE = "invalid_response"
SKIPPED = "skipped"

VERDICTS: tuple[str, ...] = (
    OK,
    SCHEMA_MISMATCH,
    API_ERROR,
    AUTH_MISSING,
    AUTH_REJECTED,
    FORBIDDEN,
    NOT_FOUND,
    REDIRECT,
    BLOCKED,
    RATE_LIMITED,
    SERVER_ERROR,
    TLS_ERROR,
    CONNECT_ERROR,
    TIMEOUT,
    INVALID_RESPONSE,
    SKIPPED,
)

#: Verdicts that mean the site could not be talked to at all (they feed the circuit breaker).
TRANSPORT_FAILURES = frozenset({TLS_ERROR, CONNECT_ERROR, TIMEOUT})

#: Verdicts worth another attempt (transport trouble, 429, 5xx); never schema or auth results.
RETRYABLE = frozenset({TLS_ERROR, CONNECT_ERROR, TIMEOUT, RATE_LIMITED, SERVER_ERROR})

#: Verdicts that show the request reached the backend application itself (for fingerprinting).
REACHED_BACKEND = frozenset(
    {OK, SCHEMA_MISMATCH, API_ERROR, AUTH_MISSING, AUTH_REJECTED, FORBIDDEN, NOT_FOUND}
)
