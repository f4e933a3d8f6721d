"""Every successful, uncut body the 21 real sites answered validates against its backend's schema."""

from __future__ import annotations

from typing import Any

import pytest

from relaycompat._schemas import SchemaSet
from testing.recorded import is_cut, recorded_body, recordings, successful_bodies, truth

BODIES = list(successful_bodies())


def _id(case: tuple[str, str, Any, Any]) -> str:
    return f"{case[0]}-{case[1]}"


def test_the_sample_has_59_successful_uncut_bodies() -> None:
    # 17 /api/user/self, 17 /api/user/token, 15 /api/user/groups, 7 /api/status, 2 /api/pricing,
    # 1 /api/user_group_map; the other successes were cut at 3000 characters by the recorder.
    assert len(BODIES) == 59
    counts: dict[str, int] = {}
    for _, endpoint_id, _, _ in BODIES:
        counts[endpoint_id] = counts.get(endpoint_id, 0) + 1
    assert counts == {"api_user_self": 17, "api_user_token": 17, "api_user_groups": 15, "api_status": 7,
                      "api_pricing": 2, "api_user_group_map": 1}


def test_cut_bodies_are_recognised_even_without_the_marker() -> None:
    probes = [p for s in recordings()["sites"] for p in s["probes"]]
    marked = [p for p in probes if p.get("truncated_from")]
    cut = [p for p in probes if is_cut(p)]
    assert len(marked) == 23 and len(cut) == 27  # four bodies end at 3000 characters, unmarked


@pytest.mark.parametrize("case", BODIES, ids=[_id(c) for c in BODIES])
def test_recorded_body_validates_against_its_backend(case: tuple[str, str, Any, Any], schema_set: SchemaSet) -> None:
    site, endpoint_id, body, _ = case
    backend = truth()[site]
    result = schema_set.validate(backend["family"], endpoint_id, body, version=backend["version"])
    assert result.schema_id is not None, f"no {backend['family']} schema for {endpoint_id}"
    assert result.errors == [], result.summary()
    assert result.drift == [], f"fields the schema does not name: {result.drift}"


@pytest.mark.parametrize(("site", "shape"), [
    ("B4U公益站", "user struct with access_token (new-api < v0.9)"),
    ("薄荷 API", "hand-built map without access_token (new-api >= v0.9)"),
    ("ThatAPI", "hand-built map without access_token (new-api >= v0.9)"),
])
def test_the_user_shape_of_each_new_api_version_is_named(site: str, shape: str, schema_set: SchemaSet) -> None:
    body = next(b for s, e, b, _ in BODIES if s == site and e == "api_user_self")
    result = schema_set.validate("new-api", "api_user_self", body, version=truth()[site]["version"])
    assert result.shapes == [shape]


@pytest.mark.parametrize(("site", "path", "endpoint_id"), [
    ("黑与白公益站", "/api/prices", "api_prices"),
    ("黑与白公益站", "/api/available_model", "api_available_model"),
    ("黑与白公益站", "/api/ownedby", "api_ownedby"),
    ("一叶知秋API", "/api/pricing", "api_pricing"),
])
def test_cut_bodies_whose_shape_survives_validate_too(site: str, path: str, endpoint_id: str, schema_set: SchemaSet) -> None:
    # salvaged: everything before the cut, minus the last (possibly partial) element
    body = recorded_body(site, path)
    body.setdefault("success", True)
    data = body["data"]
    if isinstance(data, list):
        del data[-1]
    elif "model_info" in data:
        del data["model_info"][-1]
    else:
        data.popitem()
    result = schema_set.validate(truth()[site]["family"], endpoint_id, body)
    assert result.errors == [] and result.drift == [], (result.summary(), result.drift)
