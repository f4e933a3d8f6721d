"""Manifests as data, and the one outcome each (verdict, expectation) pair leads to."""

from __future__ import annotations

from pathlib import Path

import pytest

from relaycompat import ConfigError
from relaycompat._expectations import FAIL, PASS, SKIP, XFAIL, Declaration, Manifests, decide, family_of, version_of
from relaycompat._versions import parse

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
            for item in entry if isinstance(entry, list) else [entry]:
                reason = item.get("reason", "")
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
        ("backend: x\ntests:\n  test_api_status: {declaration: bug, reason: r, versions: '>=one'}\n", "not a version range"),
        ("backend: x\ntests:\n  test_api_status: {declaration: bug, reason: r, versions: 'rc.41'}\n", "not a version range"),
        ("backend: x\ntests:\n  test_api_status:\n    - {declaration: bug, reason: r}\n"
         "    - {declaration: bug, reason: r, versions: '<1'}\n", "only the last entry may omit 'versions'"),
        ("backend: x\ntests:\n  test_api_status: []\n", "an empty list"),
        ("backend: x\ntests:\n  test_api_status: {declaration: provided, versions: '<1'}\n", "'provided' stands alone"),
        ("backend: x\ntests:\n  test_api_status:\n    - {declaration: provided}\n", "never in a list"),
        ("backend: x\ntests:\n  test_api_status: {declaration: bug, reason: r, version: '<1'}\n", "unknown key(s) version"),
    ],
)
def test_manifest_mistakes(tmp_path: Path, text: str, problem: str, catalogue) -> None:
    (tmp_path / "x.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        Manifests.load(tmp_path, catalogue)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


VERSIONED = """\
backend: new-api
tests:
  test_api_status:
    - {declaration: missing_feature, versions: ">=1.0.0-rc.41", expect: [forbidden], reason: gone on rc.41+}
    - {declaration: missing_feature, versions: "<0.10.5", expect: [not_found], reason: only since v0.10.5}
  test_api_models:
    declaration: missing_feature
    versions: ">=0.9 <0.10.5"
    expect: [not_found]
    reason: a window
  test_api_pricing:
    - {declaration: bug, versions: "<0.9", reason: old bug}
    - {declaration: missing_feature, expect: [not_found], reason: otherwise absent}
"""


@pytest.mark.parametrize(
    ("test_name", "version", "reason"),
    [
        ("test_api_status", "v1.0.0-rc.41", "gone on rc.41+"),
        ("test_api_status", "v1.0.0-rc.52", "gone on rc.41+"),
        ("test_api_status", "v1.0.0-rc.40", None),
        ("test_api_status", "v0.10.4", "only since v0.10.5"),
        ("test_api_status", "v0.10.5", None),
        ("test_api_status", None, None),  # unknown version: versioned entries do not apply
        ("test_api_models", "v0.9.25", "a window"),
        ("test_api_models", "v0.10.5", None),
        ("test_api_pricing", "v0.8.8.0-alpha.5", "old bug"),
        ("test_api_pricing", "v0.9.25", "otherwise absent"),
        ("test_api_pricing", None, "otherwise absent"),
    ],
)
def test_versioned_declarations_follow_the_site_version(tmp_path: Path, catalogue, test_name: str,
                                                         version: str | None, reason: str | None) -> None:
    (tmp_path / "new-api.yaml").write_text(VERSIONED)
    found = Manifests.load(tmp_path, catalogue).declaration("new-api", test_name, parse(version))
    assert (found.reason if found else None) == reason


def test_a_child_family_inherits_versioned_entries_but_never_applies_them(tmp_path: Path, catalogue) -> None:
    """A range is in the numbering of the family whose manifest writes it: Veloera v0.5 is no new-api v0.5."""
    (tmp_path / "new-api.yaml").write_text(VERSIONED)
    (tmp_path / "veloera.yaml").write_text("backend: veloera\nextends: new-api\ntests: {}\n")
    manifests = Manifests.load(tmp_path, catalogue)
    assert manifests.declaration("veloera", "test_api_status", parse("v0.5.12")) is None
    assert manifests.declaration("new-api", "test_api_status", parse("v0.5.12")) is not None
    assert manifests.declaration("veloera", "test_api_pricing", parse("v0.5.12")).reason == "otherwise absent"


def test_a_versioned_absence_names_the_versions(catalogue, tmp_path: Path) -> None:
    (tmp_path / "new-api.yaml").write_text(VERSIONED)
    declaration = Manifests.load(tmp_path, catalogue).declaration("new-api", "test_api_status", parse("v1.0.0-rc.41"))
    decision = decide(probe("forbidden"), catalogue.by_id("api_status"), SITE_WITH_TOKEN, declaration, "new-api")
    assert decision.outcome == XFAIL
    assert "new-api >=1.0.0-rc.41 does not provide it: gone on rc.41+" in decision.message


@pytest.mark.parametrize(
    ("backend", "version"),
    [
        ({"declared": "new-api", "detected": "new-api", "version": "v1.0.0-rc.41"}, "v1.0.0-rc.41"),
        ({"declared": None, "detected": "new-api", "version": "v0.9.25"}, "v0.9.25"),
        ({"declared": "new-api", "detected": "veloera", "version": "v0.5.12"}, None),  # another numbering
        ({"declared": "new-api", "detected": "unknown", "version": None}, None),
        ({"declared": "new-api", "detected": "new-api", "version": "b8b896b-b8b896b"}, None),
    ],
)
def test_version_of_a_record_is_the_detected_version_of_its_family(backend: dict, version: str | None) -> None:
    found = version_of({"backend": backend})
    assert (found.text if found else None) == version
