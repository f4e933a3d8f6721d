"""What the prober sends: credentials where they belong, nothing that mutates unless allowed."""

from __future__ import annotations

import asyncio

import pytest

from relaycompat._catalogue import Catalogue
from relaycompat._prober import SitePlan, probe_site
from relaycompat._redact import Redactor
from relaycompat._sites import Site
from relaycompat.emulator import Fleet, SiteSpec
from relaycompat.emulator._server import Request, Response

from .conftest import json_response, make_settings, serve_handlers

TOKEN = "header-test-access-token"
KEY = "sk-headerTestRelayKey00000000000000000000000000000"
USER_ID_HEADERS = ["new-api-user", "veloera-user", "rix-api-user", "voapi-user", "user-id"]


def test_credentials_go_only_where_the_catalogue_says(probe, catalogue: Catalogue) -> None:
    seen: dict[str, dict[str, str]] = {}

    async def record(request: Request) -> Response:
        seen[request.path] = request.headers
        return json_response(200, {"success": True, "message": "", "data": {}})

    with serve_handlers({"site": record}) as servers:
        probe(f"http://127.0.0.1:{servers['site'].port}", [e.id for e in catalogue if not e.mutating],
              access_token=TOKEN, api_key=KEY, user_id=409)

    # a path needing a token id is skipped here: every answer is {} (test_dependent_probes.py)
    for endpoint in (e for e in catalogue if not e.mutating and not set(e.needs) & set(catalogue.values)):
        headers = seen[endpoint.path.split("?")[0]]
        if endpoint.auth == "user":
            assert headers["authorization"] == f"Bearer {TOKEN}", endpoint.path
            assert all(headers[h] == "409" for h in USER_ID_HEADERS), endpoint.path
        elif endpoint.auth == "relay":
            assert headers["authorization"] == f"Bearer {KEY}", endpoint.path
            assert not any(h in headers for h in USER_ID_HEADERS)
        else:  # public: as a browser without login
            assert "authorization" not in headers and "cookie" not in headers, endpoint.path
            assert not any(h in headers for h in USER_ID_HEADERS), endpoint.path
        assert headers["user-agent"].startswith("relaycompat/")


def test_user_id_headers_are_not_sent_without_a_user_id(probe) -> None:
    seen: list[dict[str, str]] = []

    async def record(request: Request) -> Response:
        seen.append(request.headers)
        return json_response(200, {"success": True, "message": "", "data": {}})

    with serve_handlers({"site": record}) as servers:
        probe(f"http://127.0.0.1:{servers['site'].port}", ["api_user_self"], access_token=TOKEN)
    assert seen[0]["authorization"] == f"Bearer {TOKEN}"
    assert not any(h in seen[0] for h in USER_ID_HEADERS)


def _probe_emulated(fleet: Fleet, catalogue: Catalogue, *, allow: tuple[str, ...] = ()) -> dict:
    site = Site("emulated", "site", "test", url=fleet.urls["site"], access_token=TOKEN, user_id=1001, api_key=KEY)
    plan = SitePlan(site, tuple(catalogue))
    settings = make_settings(side_effects=allow)
    from relaycompat._schemas import SchemaSet

    return asyncio.run(probe_site(plan, settings, catalogue, SchemaSet.load(settings.schemas_dir or "/nonexistent"), Redactor(site.secrets)))


@pytest.fixture
def new_api_site():
    spec = SiteSpec("emulated", "site", "new-api-legacy", user_id=1001, access_token=TOKEN, api_key=KEY)
    with Fleet([spec]).running() as fleet:
        yield fleet


def test_the_token_is_never_rotated_without_the_opt_in(new_api_site: Fleet, catalogue: Catalogue) -> None:
    record = _probe_emulated(new_api_site, catalogue)
    token_probe = next(p for p in record["probes"] if p["endpoint"] == "/api/user/token")
    assert token_probe["verdict"] == "skipped" and "--allow-side-effect rotate-token" in token_probe["reason"]
    assert new_api_site.apps["site"].account.rotations == 0
    assert new_api_site.apps["site"].account.access_token == TOKEN
    assert "/api/user/token" not in [entry["path"] for entry in new_api_site.servers["site"].stats.log]
    assert all(p["verdict"] != "auth_rejected" for p in record["probes"])


def test_with_the_opt_in_the_token_call_comes_last_and_is_masked(new_api_site: Fleet, catalogue: Catalogue) -> None:
    record = _probe_emulated(new_api_site, catalogue, allow=("rotate-token",))
    paths = [entry["path"] for entry in new_api_site.servers["site"].stats.log]
    assert paths[-1] == "/api/user/token" and paths.count("/api/user/token") == 1
    account = new_api_site.apps["site"].account
    assert account.rotations == 1 and account.access_token != TOKEN
    token_probe = next(p for p in record["probes"] if p["endpoint"] == "/api/user/token")
    assert token_probe["verdict"] == "ok"
    assert account.access_token not in str(record), "the new token must be masked everywhere"
    # every other probe ran before the rotation, with the then-valid token
    assert all(p["verdict"] != "auth_rejected" for p in record["probes"])


def test_a_redirect_is_recorded_and_never_followed() -> None:
    spec = SiteSpec("wong", "site", "redirect-elsewhere", user_id=1, access_token=TOKEN, api_key=KEY)
    from relaycompat._catalogue import load_catalogue

    from ..conftest import REPO_ROOT

    catalogue = load_catalogue(REPO_ROOT / "tests" / "endpoints.yaml")
    with Fleet([spec]).running() as fleet:
        record = _probe_emulated(fleet, catalogue)
        assert fleet.elsewhere is not None
        elsewhere_log = list(fleet.elsewhere.stats.log)
    sent = [p for p in record["probes"] if p["verdict"] != "skipped"]
    assert sent and all(p["verdict"] == "redirect" and fleet.elsewhere_url in p["reason"] for p in sent)
    assert elsewhere_log == [], "credentials (or any request) crossed to the other origin"
