"""Detection over every emulated backend, probed by the real prober over loopback HTTP.

Parametrized over the emulator's backend profiles (``profiles/*.yaml`` without a ``front`` and
not ``hostile-*``), so a profile added later is checked too; the failure modes come after.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from relaycompat import _verdicts as v
from relaycompat._config import Settings
from relaycompat._expectations import Manifests, decide, version_of
from relaycompat._prober import SitePlan, probe_site
from relaycompat._redact import Redactor
from relaycompat._schemas import SchemaSet
from relaycompat._sites import Site
from relaycompat.emulator import SiteSpec, backend_profile_names, load_profile, profile_names
from testing.conftest import serve
from testing.recorded import REPO, catalogue

BACKEND_PROFILES = backend_profile_names()
SECRETS = {"user_id": 4242, "access_token": "fingerprint-test-access-token", "api_key": "sk-" + "F1ngerprintRelayKey" * 3}


def _probe(profile: str, tmp_path: Path, *, declared: str | None = None, **account: Any) -> dict[str, Any]:
    spec = SiteSpec(profile, "site", profile, **account)
    cat = catalogue()
    settings = Settings(catalogue=str(REPO / "tests" / "endpoints.yaml"),
                        schemas_dir=str(REPO / "schemas"), manifests_dir=str(REPO / "manifests"),
                        report_dir=str(tmp_path), retries=0)
    with serve(spec) as fleet:
        site = Site(profile, "site", "test", url=fleet.urls["site"], backend=declared, timeout=5, **account)
        plan = SitePlan(site, tuple(cat))
        return asyncio.run(probe_site(plan, settings, cat, SchemaSet.load(REPO / "schemas"),
                                      Redactor(site.secrets)))


def test_the_emulator_has_backend_profiles() -> None:
    families = {load_profile(n)["family"] for n in BACKEND_PROFILES}
    assert {"new-api", "veloera", "one-api", "one-hub", "done-hub", "rix-api"} <= families


@pytest.mark.parametrize("profile", BACKEND_PROFILES)
def test_an_undeclared_emulated_backend_is_detected(profile: str, tmp_path: Path) -> None:
    expected = load_profile(profile)
    record = _probe(profile, tmp_path, **SECRETS)
    backend = record["backend"]
    assert backend["detected"] == expected["family"], backend["reason"]
    assert backend["version"] == expected.get("version")
    assert backend["declared"] is None and backend["mismatch"] is None


@pytest.mark.parametrize("profile", BACKEND_PROFILES)
def test_an_emulated_backend_answers_what_its_schemas_say(profile: str, tmp_path: Path) -> None:
    family = load_profile(profile)["family"]
    record = _probe(profile, tmp_path, declared=family, **SECRETS)
    mismatches = [f"{p['id']}: {p['reason']}" for p in record["probes"] if p["verdict"] == v.SCHEMA_MISMATCH]
    assert mismatches == []
    checked = [p for p in record["probes"] if p["verdict"] == v.OK]
    assert checked and all(p["schema"]["schema_id"] for p in checked)


def test_a_wrong_declaration_is_noted(tmp_path: Path) -> None:
    record = _probe("veloera", tmp_path, declared="one-hub", **SECRETS)
    assert record["backend"]["mismatch"].startswith("declared one-hub, but the probes look like veloera")


def test_a_family_showing_through_a_challenge(tmp_path: Path) -> None:
    # Cone: every /api path behind Cloudflare, /v1/models refused by the origin (no key sent)
    expected = load_profile("cloudflare-challenge")["family"]
    record = _probe("cloudflare-challenge", tmp_path, user_id=1, access_token="challenged-access-token")
    backend = record["backend"]
    assert backend["detected"] == expected, backend["reason"]
    assert "probes were behind a challenge page, the family shows through" in backend["reason"]
    assert "v1_models" in backend["reason"]


@pytest.mark.parametrize(("profile", "words"), [
    ("origin-down", ["no probe reached the backend", "server_error"]),
    ("tls-handshake-failure", ["no probe reached the backend", "tls_error"]),
    ("redirect-elsewhere", ["no probe reached the backend", "redirect"]),
])
def test_an_unreachable_site_is_unknown_with_the_reason(profile: str, words: list[str], tmp_path: Path) -> None:
    if profile not in profile_names():
        pytest.skip(f"no emulator profile {profile!r}")
    backend = _probe(profile, tmp_path, **SECRETS)["backend"]
    assert backend["detected"] == "unknown"
    for word in words:
        assert word in backend["reason"]


@pytest.mark.parametrize("profile", BACKEND_PROFILES)
def test_every_endpoint_of_an_emulated_backend_ends_as_its_manifest_says(profile: str, tmp_path: Path) -> None:
    """The emulated backend (its upstream, as its route list reads it) and manifests/<family>.yaml
    agree on every endpoint: each passes, or is absent as declared (xfail). Side effects are allowed
    here (but the token rotation) so that their answers are checked too."""
    family = load_profile(profile)["family"]
    cat = catalogue()
    settings = Settings(catalogue=str(REPO / "tests" / "endpoints.yaml"), schemas_dir=str(REPO / "schemas"),
                        manifests_dir=str(REPO / "manifests"), report_dir=str(tmp_path), retries=0,
                        side_effects=("reveal-key", "checkin", "create-token"))
    manifests = Manifests.load(REPO / "manifests", cat)
    secrets = dict(SECRETS)
    scoped = bool(load_profile(profile)["auth"].get("scoped_tokens"))
    if scoped:  # new-api rc.41: a scoped token with the read scopes (the reveal and check-in need more)
        secrets["access_token"] = "nap_" + "FingerprintScopedToken0123456789abcdefghij"[:43]
    with serve(SiteSpec(profile, "site", profile, **secrets)) as fleet:
        site = Site(profile, "site", "test", url=fleet.urls["site"], backend=family, timeout=5, **secrets)
        record = asyncio.run(probe_site(SitePlan(site, tuple(cat)), settings, cat, SchemaSet.load(REPO / "schemas"),
                                        Redactor(site.secrets)))
    version = version_of(record)
    failures = []
    for probe in record["probes"]:
        endpoint = cat.by_id(probe["id"])
        if scoped and endpoint.side_effect in ("reveal-key", "checkin"):
            continue  # ACCESS_TOKEN_SCOPE_DENIED for a read token: testing/emulator/test_scoped_tokens.py
        decision = decide(probe, endpoint, record["site"], manifests.declaration(family, endpoint.test_name, version), family)
        if decision.outcome not in ("pass", "xfail", "skip") or (decision.outcome == "skip" and probe["id"] != "api_user_token"):
            failures.append(f"{probe['id']}: {decision.outcome}: {decision.message}")
    assert failures == []
