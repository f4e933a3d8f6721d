"""`--junitxml`: every endpoint test carries site, endpoint, verdict, HTTP status and detected
backend as separate plain-string properties, so CI test-report tools show what happened."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ..conftest import CATALOGUE

SITES = """
sites:
  - {name: Legacy, id: legacy, emulate: new-api-legacy, backend: new-api, user_id: 31, access_token: junit-legacy-token-0001}
  - {name: Behind a challenge, id: challenge, emulate: cloudflare-challenge}
  - {name: Refused, id: refused, emulate: hostile-refused, timeout: 2}
"""
NAMES = ["site", "endpoint", "verdict", "http_status", "backend", "backend_version"]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["no-xdist", "xdist-2"])
def test_junit_properties_are_plain_strings_that_match_results_json(run_suite, tmp_path, workers: list[str]) -> None:
    junit = tmp_path / "junit.xml"
    run = run_suite(SITES, f"--junitxml={junit}", *workers)
    assert run.returncode == 1, run.stdout[-2000:]
    probes = {(site["slug"], probe["id"]): (site, probe) for site in run.results["sites"] for probe in site["probes"]}
    cases = ET.parse(junit).getroot().iter("testcase")
    seen = set()
    for case in cases:
        properties = [(p.get("name"), p.get("value")) for p in case.iter("property")]
        assert [name for name, _ in properties] == NAMES, case.get("name")
        values = dict(properties)
        site, probe = probes[(values["site"], values["endpoint"])]
        assert case.get("name") == f"test_{probe['id']}[{site['slug']}]"
        assert values["verdict"] == probe["verdict"]
        assert values["http_status"] == ("" if probe["http_status"] is None else str(probe["http_status"]))
        assert values["backend"] == site["backend"]["detected"]
        assert values["backend_version"] == (site["backend"]["version"] or "")
        seen.add((values["site"], values["endpoint"]))
    assert seen == set(probes) and len(seen) == 3 * len(CATALOGUE)
    verdicts = {values for (slug, _), (_, probe) in probes.items() for values in [(slug, probe["verdict"])]}
    assert {("legacy", "ok"), ("challenge", "blocked"), ("refused", "connect_error")} <= verdicts
