"""The suite as users run it: `pytest tests/` in a subprocess, on emulated sites, with and without xdist."""

from __future__ import annotations

import pytest

from relaycompat._advice import render as advice_text

from ..conftest import CATALOGUE

TOKEN = "suite-run-access-token-0001"
KEY = "sk-suiteRunRelayKey000000000000000000000000000000000"

TWO_SITES = f"""
sites:
  - name: Legacy new-api
    id: legacy
    emulate: new-api-legacy
    backend: new-api
    user_id: 1001
    access_token: {TOKEN}
    api_key: {KEY}
  - name: 没有凭据
    id: anonymous
    emulate: new-api-legacy
"""

REQUIRED_PROBE_FIELDS = {"endpoint", "verdict", "http_status", "elapsed_ms", "outcome", "reason"}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["no-xdist", "xdist-2"])
def test_a_run_writes_complete_results(run_suite, workers: list[str]) -> None:
    run = run_suite(TWO_SITES, *workers)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = run.results
    assert [s["slug"] for s in results["sites"]] == ["legacy", "anonymous"]
    for site in results["sites"]:
        assert len(site["probes"]) == len(CATALOGUE)
        for probe in site["probes"]:
            assert REQUIRED_PROBE_FIELDS <= set(probe), probe
            assert probe["outcome"] in ("passed", "skipped", "xfailed"), probe
        assert site["backend"]["detected"] == "new-api"
    legacy = {p["endpoint"]: p for p in results["sites"][0]["probes"]}
    assert legacy["/api/user/self"]["verdict"] == "ok" and legacy["/api/user/self"]["outcome"] == "passed"
    assert legacy["/api/prices"]["outcome"] == "xfailed"
    assert legacy["/api/user/token"]["verdict"] == "skipped" and legacy["/api/user/token"]["http_status"] is None
    anonymous = {p["endpoint"]: p for p in results["sites"][1]["probes"]}
    assert anonymous["/api/user/self"]["verdict"] == "auth_missing" and anonymous["/api/user/self"]["outcome"] == "skipped"
    assert "needs access_token" in anonymous["/api/user/self"]["test_message"]
    assert TOKEN not in run.stdout and TOKEN not in (run.report_dir / "results.json").read_text()


def test_every_endpoint_is_requested_once_and_deselected_ones_never(run_suite) -> None:
    run = run_suite(TWO_SITES, "-n", "2", "-k", "api_status or api_ownedby")
    assert run.returncode == 0, run.stdout[-2000:]
    for site in run.results["sites"]:
        assert [p["endpoint"] for p in site["probes"]] == ["/api/status", "/api/ownedby"]
        assert site["emulator"]["requests"] == 2  # once each, though two workers ran the tests


def test_allow_mutating_rotates_last_and_warns(run_suite) -> None:
    run = run_suite(TWO_SITES, "--allow-mutating", "-k", "legacy")
    probes = {p["endpoint"]: p for p in run.results["sites"][0]["probes"]}
    assert probes["/api/user/token"]["verdict"] == "ok"
    assert probes["/api/log/self/stat"]["verdict"] == "ok"  # probed before the rotation
    line = next(line for line in run.stdout.splitlines() if line.startswith("ok") and "Legacy new-api" in line)
    assert "This run called GET /api/user/token" in line    # the site's advice, on its line
    assert run.results["run"]["rotated_tokens"] == ["legacy"]
    assert [a["code"] for a in run.results["sites"][0]["advice"]] == ["token_rotated"]
    assert "[redacted]" in probes["/api/user/token"]["response"]["body"]


RC41_SITES = f"""
sites:
  - name: Scoped
    id: scoped
    emulate: new-api-rc41
    backend: new-api
    access_token: nap_{"suiteRunScopedToken".ljust(43, "0")}
  - name: Retired
    id: retired
    emulate: new-api-rc41
    backend: new-api
    access_token: suite-run-retired-system-token
  - name: Narrow
    id: narrow
    emulate: new-api-rc41-narrow-token
    backend: new-api
    access_token: nap_{"suiteRunNarrowToken".ljust(43, "0")}
  - name: Expired
    id: expired
    emulate: new-api-rc41-expired-token
    backend: new-api
    access_token: nap_{"suiteRunExpiredToken".ljust(43, "0")}
  - name: Transition
    id: transition
    emulate: new-api-rc41-transition
    backend: new-api
    access_token: suite-run-transition-system-token
"""


def test_rc41_tokens_get_their_verdicts_states_and_advice(run_suite) -> None:
    """The five states of a new-api rc.41 account, end to end (emulator: new-api caca52f8)."""
    run = run_suite(RC41_SITES, "-n", "2")
    sites = {s["slug"]: s for s in run.results["sites"]}
    assert {slug: s["state"] for slug, s in sites.items()} == {
        "scoped": "ok", "retired": "credentials", "narrow": "credentials", "expired": "credentials", "transition": "ok"}
    assert {slug: [a["code"] for a in s["advice"]] for slug, s in sites.items()} == {
        "scoped": [], "retired": ["legacy_token_retired"], "narrow": ["token_scope_missing"],
        "expired": ["token_expired"], "transition": ["legacy_token_retiring"]}
    assert {slug: s["credentials"]["access_token_kind"] for slug, s in sites.items()} == {
        "scoped": "scoped", "retired": "system", "narrow": "scoped", "expired": "scoped", "transition": "system"}
    retired = run.probe("retired", "/api/user/self")
    assert (retired["verdict"], retired["http_status"], retired["code"]) == ("auth_rejected", 401, "ACCESS_TOKEN_LEGACY_RETIRED")
    denied = run.probe("narrow", "/api/log/self?p=0&size=10")
    assert (denied["verdict"], denied["outcome"], denied["code"]) == ("auth_rejected", "failed", "ACCESS_TOKEN_SCOPE_DENIED")
    (missing,) = sites["narrow"]["advice"]
    assert missing["scopes"] == ["usage:read", "wallet:read"]  # the narrow token has profile:read and api_key:read
    assert missing["endpoints"]["usage:read"][:2] == ["/api/log/self?p=0&size=10", "/api/log/self/stat"]
    assert "/api/user/aff" in missing["endpoints"]["wallet:read"]
    assert missing["needed"] == ["profile:read", "api_key:read", "usage:read", "wallet:read"]
    assert missing["create_at"].endswith("/console/personal") and missing["message"]
    assert sites["retired"]["advice"][0]["needed"] == ["profile:read", "api_key:read", "usage:read", "wallet:read"]
    assert all(s["backend"]["version"] == "v1.0.0-rc.41" for s in sites.values())
    for slug in ("retired", "narrow", "expired"):  # the state and the first advice, on the site's line
        line = next(line for line in run.stdout.splitlines() if line.startswith("CREDS") and sites[slug]["name"] in line)
        assert advice_text(sites[slug]["advice"][0], "en")[:60] in line
    assert "nap_suiteRun" not in run.stdout and "nap_suiteRun" not in (run.report_dir / "results.json").read_text()


def test_allow_mutating_on_rc41_is_an_expected_absence_without_rotation(run_suite) -> None:
    """new-api caca52f8 has no GET /api/user/token: the admin :id route answers 403 and nothing rotates."""
    run = run_suite(RC41_SITES, "--allow-mutating", "-k", "scoped and api_user_token")
    probe = run.probe("scoped", "/api/user/token")
    assert (probe["verdict"], probe["outcome"], probe["code"]) == ("forbidden", "xfailed", "AUTH_INSUFFICIENT_PRIVILEGE")
    assert "new-api >=1.0.0-rc.41 does not provide it" in probe["test_message"]
    assert run.results["run"]["rotated_tokens"] == []
    assert run.results["sites"][0]["advice"] == [] and "token_rotated" not in run.stdout


def test_markers_select_by_declared_backend(run_suite) -> None:
    run = run_suite(TWO_SITES, "-m", "new_api", "-k", "api_status")
    assert run.returncode == 0
    assert [s["slug"] for s in run.results["sites"]] == ["legacy"]
    run = run_suite(TWO_SITES, "-m", "backend_undeclared", "-k", "api_status")
    assert [s["slug"] for s in run.results["sites"]] == ["anonymous"]


def test_failures_name_the_verdict_and_the_evidence(run_suite) -> None:
    sites = """
sites:
  - {name: Down, id: down, emulate: origin-down, backend: veloera}
"""
    run = run_suite(sites, "-k", "api_status", "-rf", env={"COLUMNS": "300"})
    assert run.returncode == 1
    assert "FAILED tests/test_endpoints.py::test_api_status[down] - Failed: server_error: HTTP 521: error code: 521" in run.stdout
    assert "Traceback" not in run.stdout


@pytest.mark.parametrize(
    ("sites", "message"),
    [
        ("sites:\n  - {name: A, url: https://a.example/, acess_token: x}\n", "site 'A': unknown key 'acess_token'"),
        ("sites:\n  - {name: A, url: https://a.example/, access_token: '${RELAYCOMPAT_TEST_UNSET}'}\n",
         "access_token: environment variable RELAYCOMPAT_TEST_UNSET is not set"),
        ("sites: [", "not valid YAML"),
        ("sites: []\n", "no sites to probe"),
    ],
    ids=["unknown-key", "missing-variable", "malformed", "empty"],
)
def test_configuration_mistakes_stop_the_run_at_start_up(run_suite, sites: str, message: str) -> None:
    run = run_suite(sites, "-n", "2")
    assert run.returncode == 4  # pytest's usage error: nothing was collected, nothing probed
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR: relaycompat:")]
    assert len(errors) == 1 and message in errors[0], run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert not (run.report_dir / "results.json").exists()


@pytest.mark.parametrize("flag", ["--collect-only", "--setup-plan"])
def test_runs_that_execute_no_test_request_nothing(run_suite, flag: str) -> None:
    run = run_suite(TWO_SITES, flag, "-n", "2")
    assert run.returncode == 0, run.stdout[-2000:]
    assert not run.report_dir.exists() or not list(run.report_dir.iterdir())


def test_a_declared_absence_that_answers_ok_is_xpass_and_other_failures_still_fail(run_suite) -> None:
    sites = """
sites:
  - {name: Gained pricing, id: gained, emulate: new-api-legacy, backend: one-api}
  - {name: Broken, id: broken, emulate: origin-down, backend: one-api}
"""
    run = run_suite(sites, "-k", "api_pricing", "-rxXf", env={"COLUMNS": "300"})
    assert run.probe("gained", "/api/pricing")["outcome"] == "xpassed"
    assert run.probe("broken", "/api/pricing")["outcome"] == "failed"
    assert "XPASS tests/test_endpoints.py::test_api_pricing[gained]" in run.stdout
    assert "FAILED tests/test_endpoints.py::test_api_pricing[broken] - Failed: server_error" in run.stdout


def test_the_demo_fleet_shows_every_verdict_within_a_minute(tmp_path) -> None:
    """The README's `pytest -n auto` on the default sites/ (the demo fleet)."""
    import json
    import os
    import subprocess
    import sys
    import time

    from relaycompat import VERDICTS

    from ..conftest import REPO_ROOT

    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-m", "pytest", "-n", "auto", "-q", "-p", "no:cacheprovider",
                                f"--report-dir={tmp_path}"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                               env={k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"})
    seconds = time.monotonic() - started
    assert completed.returncode == 1, completed.stdout[-2000:]  # the failure-mode sites fail, as they should
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    seen = {p["verdict"] for site in results["sites"] for p in site["probes"]}
    assert seen == set(VERDICTS)
    assert {"report.md", "report.html", "results.json"} <= {p.name for p in tmp_path.iterdir()}
    assert seconds < 60


def test_a_versioned_declaration_applies_by_the_detected_version(run_suite, tmp_path) -> None:
    """The same manifest entry skips test_api_status on the v1.0.0-rc.22 site and not on the v0.9.25 one."""
    import shutil

    from ..conftest import REPO_ROOT

    manifests = tmp_path / "manifests"
    shutil.copytree(REPO_ROOT / "manifests", manifests)
    text = (manifests / "new-api.yaml").read_text(encoding="utf-8")
    (manifests / "new-api.yaml").write_text(text.replace("tests:\n", "tests:\n  test_api_status:\n"
                                            "    declaration: irrelevant\n    versions: '>=1.0.0-rc.22'\n"
                                            "    reason: a test of versioned declarations\n", 1), encoding="utf-8")
    sites = TWO_SITES.replace("  - name: 没有凭据\n    id: anonymous\n    emulate: new-api-legacy\n",
                              "  - name: Current new-api\n    id: current\n    emulate: new-api\n    backend: new-api\n")
    run = run_suite(sites, f"-o=relaycompat_manifests={manifests}", "-k", "api_status")
    outcomes = {s["slug"]: (s["backend"]["version"], s["probes"][0]["outcome"]) for s in run.results["sites"]}
    assert outcomes == {"legacy": ("v0.9.25", "passed"), "current": ("v1.0.0-rc.22", "skipped")}, run.stdout[-2000:]
    current = run.results["sites"][1]["probes"][0]
    assert "irrelevant on new-api: a test of versioned declarations" in current["test_message"]
