"""The sample's recorded answers, served again over loopback and classified by the real pipeline.

The earlier script counted every HTTP 200 as a pass; 286 of its 744 probes "passed" with
``"success": false``, mostly ``access token 无效`` after it had rotated the token itself.
"""

from __future__ import annotations

import json
from typing import Any

from relaycompat.emulator._server import Request, Response

from .conftest import serve_handlers

CREDENTIALS = {"access_token": "replay-access-token", "user_id": 1, "api_key": "sk-replayRelayKey000000000000000000000000000000000"}


def _parses(body: str) -> bool:
    try:
        json.loads(body)
    except ValueError:  # the report cut some bodies at 3000 characters without saying so
        return False
    return True


def _replayable(recordings: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (site["name"], probe)
        for site in recordings["sites"]
        for probe in site["probes"]
        if probe["status"] == "200" and probe.get("body") and not probe.get("truncated_from") and _parses(probe["body"])
    ]


def _replay(recordings: dict[str, Any], probe_fn, catalogue) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Serve each site's recorded 200 bodies and probe them; return (site, recorded, result) triples."""
    by_site: dict[str, dict[str, dict[str, Any]]] = {}
    for site, recorded in _replayable(recordings):
        by_site.setdefault(site, {})[recorded["endpoint"]] = recorded
    results = []
    for site, probes in by_site.items():
        async def handler(request: Request, probes: dict[str, dict[str, Any]] = probes) -> Response:
            recorded = probes[request.target]
            return Response(200, [("Content-Type", "application/json; charset=utf-8")], recorded["body"].encode())

        with serve_handlers({"site": handler}) as servers:
            ids = [catalogue.by_path(path).id for path in probes]
            record = probe_fn(f"http://127.0.0.1:{servers['site'].port}", ids, **CREDENTIALS)
        for result in record["probes"]:
            results.append((site, probes[result["endpoint"]], result))
    return results


def test_access_token_invalid_bodies_are_auth_rejected_never_ok(recordings, probe, catalogue) -> None:
    replayed = _replay(recordings, probe, catalogue)
    invalid = [(s, rec, res) for s, rec, res in replayed
               if json.loads(rec["body"]).get("success") is False and "access token 无效" in rec["body"]]
    assert len(invalid) == 187  # every such body of the sample: the fallout of its own token rotation
    wrong = [(s, rec["endpoint"], res["verdict"]) for s, rec, res in invalid if res["verdict"] != "auth_rejected"]
    assert wrong == []


def test_no_recorded_success_false_body_is_ok(recordings, probe, catalogue) -> None:
    replayed = _replay(recordings, probe, catalogue)
    failures = [(s, rec["endpoint"], res["verdict"]) for s, rec, res in replayed
                if json.loads(rec["body"]).get("success") is False and res["verdict"] in ("ok", "schema_mismatch")]
    assert failures == []
    assert sum(1 for *_, res in replayed if res["verdict"] == "ok") > 40  # the genuine successes still pass
