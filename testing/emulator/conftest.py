"""Shared pieces of the emulator's own tests: the facts table, a fleet of every backend profile,
and a small client that talks to it over real HTTP on loopback.

The facts (``facts.yaml``) are written from backends.md, never from the profiles under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from relaycompat.emulator import Fleet, SiteSpec

from ..conftest import serve

FACTS: dict[str, Any] = yaml.safe_load(Path(__file__).with_name("facts.yaml").read_text(encoding="utf-8"))
ACCOUNT: dict[str, Any] = FACTS["account"]
PROFILES: list[str] = list(FACTS["profiles"])


def token_of(profile: str) -> str:
    """The access token a site of ``profile`` holds: the facts' account's, unless the profile's
    facts give one of the kind that version issues (a scoped nap_ token on new-api rc.41)."""
    return str(FACTS["profiles"].get(profile, {}).get("access_token", ACCOUNT["access_token"]))


def spec(profile: str, slug: str | None = None) -> SiteSpec:
    """A site of ``profile`` serving the facts' account."""
    return SiteSpec(profile, slug or profile, profile, user_id=ACCOUNT["user_id"],
                    access_token=token_of(profile), api_key=ACCOUNT["api_key"])


def ordered_keys(text: str) -> list[list[str]]:
    """Key order of every JSON object in ``text``, innermost first (what ``json`` keeps)."""
    seen: list[list[str]] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen.append([key for key, _ in pairs])
        return dict(pairs)

    json.loads(text, object_pairs_hook=hook)
    return seen


@dataclass
class Site:
    """One emulated site and the ways the tests call it."""

    url: str
    fleet: Fleet
    slug: str
    access_token: str = ACCOUNT["access_token"]

    def get(self, path: str, *, auth: str | None = "user", token: str | None = None,
            headers: dict[str, str] | None = None, method: str = "GET") -> httpx.Response:
        """GET ``path`` as the suite would: ``auth`` is None, "user" (PAT + user-id headers) or "relay"."""
        sent: dict[str, str] = {}
        if auth == "user":
            sent["Authorization"] = f"Bearer {token or self.access_token}"
            sent.update({name: str(ACCOUNT["user_id"]) for name in FACTS["user_headers"]})
        elif auth == "relay":
            sent["Authorization"] = f"Bearer {token or ACCOUNT['api_key']}"
        sent.update(headers or {})
        return httpx.request(method, self.url + path, headers=sent, timeout=10, follow_redirects=False)

    @property
    def account(self) -> Any:
        return self.fleet.apps[self.slug].account


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    """One site per backend profile (slug = profile name), for tests that do not rotate tokens."""
    with serve(*(spec(profile) for profile in PROFILES)) as running:
        yield running


@pytest.fixture
def site_of(fleet: Fleet):
    """``site_of(profile)`` → the module fleet's :class:`Site` of that profile."""
    return lambda profile: Site(fleet.urls[profile], fleet, profile, token_of(profile))


@pytest.fixture
def fresh_site() -> Iterator[Any]:
    """``fresh_site(profile)`` → a :class:`Site` of its own (for tests that change the account)."""
    contexts: list[Any] = []

    def start(profile: str) -> Site:
        context = serve(spec(profile, "fresh"))
        running = context.__enter__()
        contexts.append(context)
        return Site(running.urls["fresh"], running, "fresh", token_of(profile))

    yield start
    for context in reversed(contexts):
        context.__exit__(None, None, None)
