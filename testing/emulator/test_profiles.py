"""The profile catalogue: every profile loads, `extends:` merges as docs/emulator.md says, the
fronts keep their backends, and ``python -m relaycompat.emulator --list`` shows them."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from relaycompat.emulator import load_profile, profile_names
from relaycompat.emulator._profiles import merge

from ..conftest import REPO_ROOT
from .conftest import PROFILES, ordered_keys, serve, spec

FRONTS = ["cloudflare-challenge", "origin-down", "tls-handshake-failure", "no-answer", "redirect-elsewhere",
          "rate-limited"]


def test_every_backend_and_front_profile_loads() -> None:
    names = profile_names()
    assert set(PROFILES) | set(FRONTS) <= set(names)
    for name in names:
        profile = load_profile(name)
        assert profile["name"] == name and profile["description"]


def test_merge_semantics() -> None:
    base = {"a": {"x": 1, "y": 2}, "list": [1, 2], "gone": 1, "struct": {"p": 1, "q": 2}}
    override = {"a": {"y": 3, "z": 4}, "list": [3], "gone": "__delete__",
                "struct": {"__replace__": True, "q": 5, "p": 6}, "new": {"__replace__": True, "k": 1}}
    assert merge(base, override) == {"a": {"x": 1, "y": 3, "z": 4}, "list": [3],
                                     "struct": {"q": 5, "p": 6}, "new": {"k": 1}}
    assert list(merge(base, override)["struct"]) == ["q", "p"], "a replaced struct keeps its own field order"


def test_profiles_state_only_what_differs_from_their_ancestor() -> None:
    """Every backend but one-api extends another one (no copy-paste between profiles)."""
    from relaycompat.emulator._profiles import _raw

    raw = _raw()
    roots = [name for name in PROFILES if "extends" not in raw[name]]
    assert roots == ["one-api"]
    assert raw["cloudflare-challenge"]["extends"] == "veloera", "the sample's Cone is a Veloera (§12)"
    assert all("extends" in raw[name] for name in FRONTS)


def test_the_challenge_lets_v1_reach_the_veloera_origin() -> None:
    with serve(spec("cloudflare-challenge")) as fleet:
        url = fleet.urls["cloudflare-challenge"]
        challenged = httpx.get(url + "/api/status")
        origin = httpx.get(url + "/v1/models", headers={"Authorization": "Bearer sk-" + "x" * 48})
    assert challenged.status_code == 403 and "Just a moment" in challenged.text
    assert origin.status_code == 401 and origin.json()["error"]["type"] == "veloera_error"
    assert ordered_keys(origin.text)[0] == ["message", "type"]


def test_the_rate_limited_site_answers_429_with_and_without_retry_after() -> None:
    with serve(spec("rate-limited")) as fleet:
        answers = [httpx.get(fleet.urls["rate-limited"] + "/api/status") for _ in range(4)]
    assert {r.status_code for r in answers} == {429}
    assert [("Retry-After" in r.headers) for r in answers] == [True, False, True, False]


@pytest.mark.parametrize("flag", ["--list"])
def test_the_cli_lists_the_profiles(flag: str) -> None:
    completed = subprocess.run([sys.executable, "-m", "relaycompat.emulator", flag], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=60, check=True)
    listed = [line.split()[0] for line in completed.stdout.splitlines()]
    assert set(PROFILES) | set(FRONTS) <= set(listed)


def test_the_cli_lists_a_profiles_routes() -> None:
    completed = subprocess.run([sys.executable, "-m", "relaycompat.emulator", "--routes", "one-hub"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=60, check=True)
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("# one-hub: MartialBE/one-hub @ 387f8bf1")
    assert any(line.startswith("GET /api/token/playground") and "user" in line for line in lines)
    assert any("/mcp/sse/:accessToken" in line and "not emulated" in line for line in lines)
