"""Dashboard access tokens as data: the kind of a site file's token, and scoped tokens' route rules.

``data/access_tokens.yaml`` (sources in its header) says which prefix marks which kind of token
(``nap_``: a scoped token of new-api >= v1.0.0-rc.41; ``sk-``: a relay key in the wrong field;
anything else: the system access token) and, per family that issues scoped tokens, the rule of
every route: a scope, ``any``, ``session`` or ``none``; a route without a rule is undeclared.
The suite uses it to report a token's kind (never its value) and to compute the scopes a site
needs; the emulator's auth plays the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from . import _ginpath

#: Rules that are not scopes (``middleware/access_token_routes.go`` kinds).
ANY, SESSION = "any", "session"


@dataclass(frozen=True)
class ScopedTokens:
    """One family's scoped access tokens: from which versions, their prefix, the route rules."""

    family: str
    versions: str
    prefix: str
    read_scopes: tuple[str, ...]
    create_at: str
    routes: Mapping[str, Mapping[str, str]]

    def rule(self, method: str, path: str) -> str | None:
        """The rule of ``method path`` (a scope, ``any``, ``session``, ``none``); ``None``: undeclared."""
        found = _ginpath.best(self.routes, path.split("?", 1)[0])
        return self.routes[found[0]].get(method.upper()) if found else None


@cache
def _data() -> dict[str, Any]:
    text = resources.files("relaycompat").joinpath("data/access_tokens.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def token_kind(token: str | None) -> str | None:
    """``scoped``, ``relay_key`` or ``system`` by the token's prefix; ``None`` without a token."""
    if not token:
        return None
    data = _data()
    return next((k["kind"] for k in data["kinds"] if token.startswith(k["prefix"])), data["default_kind"])


@cache
def scoped_tokens(family: str) -> ScopedTokens | None:
    """The scoped tokens ``family`` issues (from some version on), or ``None`` if it issues none."""
    entry = (_data().get("scoped") or {}).get(family)
    if entry is None:
        return None
    return ScopedTokens(family, str(entry["versions"]), str(entry["prefix"]), tuple(entry["read_scopes"]),
                        str(entry["create_at"]), dict(entry["routes"]))
