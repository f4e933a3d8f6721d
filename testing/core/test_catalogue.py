"""The catalogue (tests/endpoints.yaml): the December endpoints keep their ids and paths,
placeholders are filled from the clock or another probe, and side effects are named."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from relaycompat._catalogue import clock_values, load_catalogue
from relaycompat._errors import ConfigError

from ..conftest import CATALOGUE, DATA

#: The ids the 24 endpoints of the December 2025 script have always had: baselines key on them.
DECEMBER_IDS = [
    "api_status", "api_models", "api_pricing", "api_prices", "api_available_model", "api_user_group_map",
    "api_ownedby", "v1_models", "api_user_self", "api_user_token", "api_user_models", "api_user_available_models",
    "api_user_self_groups", "api_user_groups", "api_user_dashboard", "api_user_check_in_status", "api_user",
    "api_group", "api_token", "api_token_p0", "api_token_p1", "api_token_page1", "api_log_self", "api_log_self_stat",
]


def test_the_december_endpoints_keep_their_ids_and_paths() -> None:
    recorded = [e["path"] for e in json.loads((DATA / "recordings.json").read_text(encoding="utf-8"))["endpoints"]]
    assert [(e.id, e.path) for e in CATALOGUE][:24] == list(zip(DECEMBER_IDS, recorded, strict=True))


def test_what_clients_call_today_is_in_the_catalogue() -> None:
    """backends-2026h2.md §3: the read-only routes all-api-hub and other clients call."""
    paths = {e.path.split("?")[0] for e in CATALOGUE if not e.mutating}
    for path in ("/api/user/checkin", "/api/user/aff", "/api/user/topup/info", "/api/user/topup/self", "/api/data/self",
                 "/api/subscription/plans", "/api/subscription/self", "/api/token/{token_id}", "/api/token/search",
                 "/api/notice", "/api/about", "/api/usage/token/", "/v1/dashboard/billing/subscription",
                 "/v1/dashboard/billing/usage"):
        assert path in paths, path
    assert "/api/log/self?p=1&page_size=10" in {e.path for e in CATALOGUE}


def test_clock_placeholders() -> None:
    values = clock_values(datetime(2026, 11, 29, 15, 0, tzinfo=UTC))
    assert values == {"now": "1795964400", "day_ago": "1795878000", "month": "2026-11"}
    checkin = CATALOGUE.by_id("api_user_checkin")
    assert checkin.needs == ("month",) and checkin.render(values) == "/api/user/checkin?month=2026-11"
    data = CATALOGUE.by_id("api_data_self")
    assert data.render(values) == "/api/data/self?start_timestamp=1795878000&end_timestamp=1795964400"


@pytest.mark.parametrize(("body", "expected"), [
    ({"success": True, "data": {"page": 1, "items": [{"id": 7}, {"id": 3}]}}, "7"),   # new-api >= v0.8.8
    ({"success": True, "data": [{"id": 5}]}, "5"),                                   # bare array
    ({"success": True, "data": {"data": [{"id": 9}], "page": 1}}, "9"),              # hub page
    ({"success": True, "data": {"items": []}}, None),                                # no token
    ({"success": True, "data": [{"id": "7"}]}, None),                                # not an integer
    ({"success": True, "data": [{"id": True}]}, None),
])
def test_the_token_id_is_read_from_the_token_list(body: object, expected: str | None) -> None:
    value = CATALOGUE.values["token_id"]
    assert value.source == "api_token" and value.read(body) == expected


def test_every_endpoint_with_a_side_effect_names_one_described_in_both_languages() -> None:
    mutating = {e.id: e.side_effect for e in CATALOGUE if e.mutating}
    assert mutating == {"api_user_token": "rotate-token", "api_token_key": "reveal-key",
                        "api_user_checkin_post": "checkin", "api_token_playground": "create-token"}
    for effect in CATALOGUE.side_effects.values():
        assert effect.desc and effect.desc_en
    assert all(e.method == "GET" for e in CATALOGUE if not e.mutating), "read-only probes are GETs"


@pytest.mark.parametrize(("entry", "problem"), [
    ('{id: a, path: "/x/{nope}", desc: x, desc_en: x, documented: true, in_code: true, auth: user, envelope: dashboard}',
     "placeholder(s) nope are neither clock values"),
    ("{id: a, path: /x, desc: x, desc_en: x, documented: true, in_code: true, auth: user, envelope: dashboard, method: POST}",
     "a POST changes something: name its side_effect"),
    ("{id: a, path: /x, desc: x, desc_en: x, documented: true, in_code: true, auth: user, envelope: dashboard, side_effect: boom}",
     "side_effect 'boom' is not under side_effects"),
    ("{id: a, path: /x, desc: x, desc_en: x, documented: true, in_code: true, auth: user, envelope: json}",
     "envelope must be one of dashboard, openai, usage, billing"),
])
def test_catalogue_mistakes_are_named(tmp_path: Path, entry: str, problem: str) -> None:
    path = tmp_path / "endpoints.yaml"
    path.write_text(f"values: {{v: {{from: missing, paths: [data.0.id]}}}}\nendpoints:\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_catalogue(path)
    text = str(raised.value)
    assert problem in text
    assert "value 'v' reads from 'missing', which is no endpoint id" in text
