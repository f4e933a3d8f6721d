"""Probes that need another probe's answer (``/api/token/{token_id}``), and endpoints with a side
effect: never sent unless allowed, sent last, and whatever they hand out is masked."""

from __future__ import annotations

import asyncio
from typing import Any

from relaycompat._catalogue import Catalogue
from relaycompat._prober import SitePlan, probe_site
from relaycompat._redact import Redactor
from relaycompat._schemas import SchemaSet
from relaycompat._sites import Site
from relaycompat.emulator import Fleet, SiteSpec
from relaycompat.emulator._server import Request, Response

from ..conftest import REPO_ROOT
from .conftest import json_response, make_settings, serve_handlers

TOKEN = "dependent-test-access-token"
KEY = "sk-dependentTestRelayKey000000000000000000000000000"
REVEALED = "sk-RevealedFullKey1234567890abcdefghijklmnopqrstu"


def _probe(url: str, catalogue: Catalogue, ids: list[str], *, allow: tuple[str, ...] = ()) -> dict[str, Any]:
    site = Site("dependent", "site", "test", url=url, access_token=TOKEN, user_id=1001, api_key=KEY)
    plan = SitePlan(site, tuple(catalogue.by_id(i) for i in ids))
    settings = make_settings(side_effects=allow, schemas_dir=str(REPO_ROOT / "schemas"))
    return asyncio.run(probe_site(plan, settings, catalogue, SchemaSet.load(REPO_ROOT / "schemas"), Redactor(site.secrets)))


def _by_id(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in record["probes"]}


def test_the_token_id_comes_from_the_token_list_of_the_same_run(catalogue: Catalogue) -> None:
    spec = SiteSpec("dependent", "site", "new-api-legacy", user_id=1001, access_token=TOKEN, api_key=KEY)
    with Fleet([spec]).running() as fleet:
        record = _probe(fleet.urls["site"], catalogue, ["api_token", "api_token_by_id"])
        newest = max(t["id"] for t in fleet.apps["site"].account.tokens)
        log = [entry["path"] for entry in fleet.servers["site"].stats.log]
    probes = _by_id(record)
    assert probes["api_token_by_id"]["verdict"] == "ok", probes["api_token_by_id"]["reason"]
    assert probes["api_token_by_id"]["endpoint"] == "/api/token/{token_id}", "results keep the template"
    assert probes["api_token_by_id"]["request"]["url"].endswith(f"/api/token/{newest}")
    assert log == ["/api/token/", f"/api/token/{newest}"], "the list first, then the token it named"


def test_without_a_token_in_the_list_the_probe_is_skipped_with_the_reason(probe) -> None:
    async def empty(request: Request) -> Response:
        return json_response(200, {"success": True, "message": "", "data": {"page": 1, "page_size": 10, "total": 0, "items": []}})

    with serve_handlers({"site": empty}) as servers:
        record = probe(f"http://127.0.0.1:{servers['site'].port}", ["api_token", "api_token_by_id"], access_token=TOKEN)
        sent = [entry["path"] for entry in servers["site"].stats.log]
    skipped = _by_id(record)["api_token_by_id"]
    assert skipped["verdict"] == "skipped"
    assert skipped["reason"] == "not called: its path needs token_id (token_id: api_token listed none)"
    assert sent == ["/api/token/"]


def test_a_source_left_out_of_the_run_is_named(probe) -> None:
    async def any_answer(request: Request) -> Response:
        return json_response(200, {"success": True, "message": "", "data": []})

    with serve_handlers({"site": any_answer}) as servers:
        record = probe(f"http://127.0.0.1:{servers['site'].port}", ["api_token_by_id"], access_token=TOKEN)
    reason = _by_id(record)["api_token_by_id"]["reason"]
    assert reason == "not called: its path needs token_id (token_id: api_token was not probed in this run (select it too))"


def test_side_effects_are_never_sent_without_their_opt_in(catalogue: Catalogue) -> None:
    spec = SiteSpec("dependent", "site", "one-hub", user_id=1001, access_token=TOKEN, api_key=KEY)
    with Fleet([spec]).running() as fleet:
        record = _probe(fleet.urls["site"], catalogue, [e.id for e in catalogue])
        account = fleet.apps["site"].account
        log = [entry["path"] for entry in fleet.servers["site"].stats.log]
    for endpoint in (e for e in catalogue if e.mutating):
        probe = _by_id(record)[endpoint.id]
        assert probe["verdict"] == "skipped", endpoint.id
        assert f"pass --allow-side-effect {endpoint.side_effect} to call it" in probe["reason"]
    assert "/api/token/playground" not in log and "/api/user/token" not in log
    assert [t["name"] for t in account.tokens] == ["token-1", "token-2", "token-3"], "no token was created"
    assert account.rotations == 0


def test_an_allowed_side_effect_runs_last_and_what_it_hands_out_is_masked(catalogue: Catalogue) -> None:
    """one-hub's GET /api/token/playground creates an unlimited token and answers its key (controller/token.go)."""
    spec = SiteSpec("dependent", "site", "one-hub", user_id=1001, access_token=TOKEN, api_key=KEY)
    ids = ["api_status", "api_token", "api_token_by_id", "api_token_playground", "api_user_token"]
    with Fleet([spec]).running() as fleet:
        record = _probe(fleet.urls["site"], catalogue, ids, allow=("create-token",))
        account = fleet.apps["site"].account
        log = [entry["path"] for entry in fleet.servers["site"].stats.log]
    created = next(t for t in account.tokens if t["name"] == "sys_playground")
    assert log[-1] == "/api/token/playground" and "/api/user/token" not in log
    assert _by_id(record)["api_token_playground"]["verdict"] == "ok"
    assert created["key"] not in str(record), "the playground key is masked everywhere"
    assert account.rotations == 0


def test_a_revealed_key_is_masked(probe, catalogue: Catalogue) -> None:
    """POST /api/token/:id/key (new-api controller/token.go GetTokenKey) answers {data: {key}}."""
    seen: list[tuple[str, str]] = []

    async def site(request: Request) -> Response:
        seen.append((request.method, request.path))
        if request.method == "POST":
            return json_response(200, {"success": True, "message": "", "data": {"key": REVEALED.removeprefix("sk-")}})
        return json_response(200, {"success": True, "message": "", "data": {"page": 1, "page_size": 10, "total": 1,
                                                                             "items": [{"id": 41, "key": "abcd**********wxyz"}]}})

    settings = make_settings(side_effects=("reveal-key",))
    with serve_handlers({"site": site}) as servers:
        record = probe(f"http://127.0.0.1:{servers['site'].port}", ["api_token", "api_token_key"], access_token=TOKEN,
                       settings=settings)
    assert seen == [("GET", "/api/token/"), ("POST", "/api/token/41/key")]
    revealed = _by_id(record)["api_token_key"]
    assert revealed["verdict"] == "ok" and revealed["request"]["method"] == "POST"
    assert REVEALED.removeprefix("sk-") not in str(record)


def test_an_emulated_key_reveal_is_masked_end_to_end(catalogue: Catalogue) -> None:
    """new-api 2d8e50bf lists masked keys; POST /api/token/:id/key (GetTokenKey) hands one out whole."""
    spec = SiteSpec("dependent", "site", "new-api", user_id=1001, access_token=TOKEN, api_key=KEY)
    with Fleet([spec]).running() as fleet:
        record = _probe(fleet.urls["site"], catalogue, ["api_token", "api_token_key"], allow=("reveal-key",))
        account = fleet.apps["site"].account
        log = [(entry.get("method", "GET"), entry["path"]) for entry in fleet.servers["site"].stats.log]
    newest = max(account.tokens, key=lambda t: t["id"])
    revealed = _by_id(record)["api_token_key"]
    assert revealed["verdict"] == "ok", revealed["reason"]
    assert revealed["request"]["url"].endswith(f"/api/token/{newest['id']}/key")
    assert newest["key"] not in str(record), "the revealed key is masked everywhere"
    assert [path for _, path in log] == ["/api/token/", f"/api/token/{newest['id']}/key"]
