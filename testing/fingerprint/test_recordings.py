"""Detection over the 21 recorded sites, through the real classifier (tests/data/recorded_backends.yaml)."""

from __future__ import annotations

from typing import Any

import pytest

from relaycompat._fingerprint import backend_record, detect
from testing.recorded import catalogue, observed_of, recordings, truth

SITES = recordings()["sites"]


@pytest.mark.parametrize("site", SITES, ids=[s["name"] for s in SITES])
def test_detection_names_the_family_each_recorded_site_runs(site: dict[str, Any]) -> None:
    expected = truth()[site["name"]]
    detection = detect(observed_of(site, catalogue()))
    assert detection.family == expected["family"], detection.reason
    assert detection.fork == expected.get("fork"), detection.reason
    if expected["version"]:
        assert detection.version == expected["version"]
    assert detection.reason
    if expected["family"] is None:
        assert detection.to_dict()["detected"] == "unknown"


@pytest.mark.parametrize(("name", "words"), [
    ("2233", ["no probe reached the backend", "24× server_error", "521"]),
    ("anyrouter.top", ["no probe reached the backend", "tls_error", "handshake"]),
    ("WONG", ["no probe reached the backend", "24× redirect", "301"]),
])
def test_unreachable_sites_are_unknown_with_the_reason(name: str, words: list[str]) -> None:
    site = next(s for s in SITES if s["name"] == name)
    reason = detect(observed_of(site)).reason
    for word in words:
        assert word in reason


def test_a_family_showing_through_a_challenge_says_so() -> None:
    cone = next(s for s in SITES if s["name"] == "Cone")
    detection = detect(observed_of(cone))
    assert detection.family == "veloera"
    assert "error type veloera_error" in detection.signals
    assert "23 of 24 probes were behind a challenge page, the family shows through v1_models" in detection.reason


def test_privnode_is_a_new_api_fork_named_by_its_error_type() -> None:
    site = next(s for s in SITES if s["name"] == "Privnode")
    detection = detect(observed_of(site))
    assert (detection.family, detection.fork) == ("new-api", "privnode")
    assert "fork privnode" in detection.reason


def test_a_commit_version_still_gets_a_hint() -> None:
    site = next(s for s in SITES if s["name"] == "B4U公益站")
    detection = detect(observed_of(site))
    assert detection.version == "b8b896b-b8b896b"
    assert detection.version_hint == "before v0.9 (/api/status has no HeaderNavModules)"


def test_done_hub_is_told_from_one_hub() -> None:
    site = next(s for s in SITES if s["name"] == "黑与白公益站")
    detection = detect(observed_of(site))
    assert detection.family == "done-hub"
    assert "/api/status has linuxDo_oauth" in detection.signals


def test_a_wrong_declaration_is_a_mismatch_note() -> None:
    site = next(s for s in SITES if s["name"] == "黑与白公益站")
    record = backend_record("one-hub", detect(observed_of(site)))
    assert record["declared"] == "one-hub" and record["detected"] == "done-hub"
    assert record["mismatch"] is not None and record["mismatch"].startswith("declared one-hub, but the probes look like done-hub")
