"""Manifests as data, and the one outcome each (verdict, expectation) pair leads to."""

from __future__ import annotations

from pathlib import Path

import pytest

from relaycompat import ConfigError
from relaycompat._expectations import FAIL, PASS, SKIP, XFAIL, Declaration, Manifests, decide, family_of

from ..conftest import REPO_ROOT

ABSENT = Declaration("missing_feature", ("not_found",), "no such route")
SITE_WITH_TOKEN = {"has_access_token": True, "has_api_key": True}
SITE_WITHOUT = {"has_access_token": False, "has_api_key": False}


def probe(verdict: str, reason: str = "HTTP 200") -> dict:
    return {"verdict": verdict, "reason": reason}


@pytest.mark.parametrize(
    ("verdict", "declaration", "site", "outcome"),
    [
        ("ok", None, SITE_WITH_TOKEN, PASS),
        ("auth_rejected", None, SITE_WITH_TOKEN, FAIL),
        ("schema_mismatch", None, SITE_WITH_TOKEN, FAIL),
        ("auth_missing", None, SITE_WITHOUT, SKIP),
        ("not_found", None, SITE_WITHOUT, FAIL),
        ("not_found", ABSENT, SITE_WITH_TOKEN, XFAIL),
        ("ok", ABSENT, SITE_WITH_TOKEN, PASS),  # with the xfail mark: XPASS, an easy win
        ("server_error", ABSENT, SITE_WITH_TOKEN, FAIL),
        ("auth_missing", ABSENT, SITE_WITHOUT, SKIP),
        ("skipped", None, SITE_WITH_TOKEN, SKIP),
    ],
)
def test_decide(verdict: str, declaration: Declaration | None, site: dict, outcome: str, catalogue) -> None:
    decision = decide(probe(verdict), catalogue.by_id("api_user_self"), site, declaration, "one-api")
    assert decision.outcome == outcome
    if outcome != SKIP:  # a declared absence runs under an xfail mark, so that ok shows as XPASS
        assert (decision.xfail_reason is not None) == (declaration is not None)
    if outcome == FAIL:
        assert decision.message.startswith(verdict)


def test_family_of_prefers_declared_then_detected_then_new_api() -> None:
    assert family_of({"backend": {"declared": "veloera", "detected": "one-hub"}}) == "veloera"
    assert family_of({"backend": {"declared": None, "detected": "one-hub"}}) == "one-hub"
    assert family_of({"backend": {"declared": None, "detected": "unknown"}}) == "new-api"


def test_shipped_reasons_are_whole(catalogue) -> None:
    # an unquoted " #" in YAML starts a comment and silently cuts a reason short
    import yaml

    for path in sorted((REPO_ROOT / "manifests").glob("*.yaml")):
        for test, entry in (yaml.safe_load(path.read_text(encoding="utf-8")).get("tests") or {}).items():
            reason = entry.get("reason", "")
            assert reason.count("(") == reason.count(")"), f"{path.name}: {test}: {reason!r}"


def test_shipped_manifests_load_with_inheritance(catalogue) -> None:
    manifests = Manifests.load(REPO_ROOT / "manifests", catalogue)
    assert set(manifests.families) == {"new-api", "veloera", "one-api", "one-hub", "done-hub", "rix-api", "voapi"}
    assert manifests.declaration("veloera", "test_api_user_check_in_status") is None  # provided: cancels new-api's
    assert manifests.declaration("veloera", "test_api_prices") == manifests.declaration("new-api", "test_api_prices")
    assert manifests.declaration("done-hub", "test_api_pricing") is not None
    assert manifests.declaration("one-hub", "test_api_prices") is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("backend: other\ntests: {}\n", "'backend' must be 'x'"),
        ("backend: x\ntests:\n  test_nope: {declaration: bug, reason: r}\n", "no such test"),
        ("backend: x\ntests:\n  test_api_status: {declaration: maybe, reason: r}\n", "'declaration' must be one of"),
        ("backend: x\ntests:\n  test_api_status: {declaration: missing_feature, reason: r}\n", "needs 'expect'"),
        ("backend: x\ntests:\n  test_api_status: {declaration: missing_feature, expect: [gone], reason: r}\n", "unknown verdict"),
        ("backend: x\ntests:\n  test_api_status: {declaration: bug}\n", "give a 'reason'"),
        ("backend: x\ntests:\n  test_api_models: {declaration: bug, reason: r}\n  test_api_status: {declaration: bug, reason: r}\n", "catalogue order"),
        ("backend: x\nextends: nothing\ntests: {}\n", "extends 'nothing'"),
    ],
)
def test_manifest_mistakes(tmp_path: Path, text: str, problem: str, catalogue) -> None:
    (tmp_path / "x.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        Manifests.load(tmp_path, catalogue)
    assert any(problem in p for p in caught.value.problems), caught.value.problems
