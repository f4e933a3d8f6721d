"""One run of the real suite over every hostile site at once (sites/examples/hostile.yaml).

Each site must get the verdict its misbehaviour calls for, the run must complete, the healthy
neighbour must not notice, and no canary credential may appear in any output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from ..conftest import CATALOGUE, REPO_ROOT

SITES = REPO_ROOT / "sites" / "examples" / "hostile.yaml"

#: site id → (verdict of GET /api/status, words its reason must contain)
EXPECTED = {
    "not-json": ("invalid_response", "not JSON"),
    "wrong-type": ("invalid_response", "expected a JSON object"),
    "truncated-json": ("invalid_response", "not JSON"),
    "invalid-utf8": ("invalid_response", "UTF-8"),
    "huge-body": ("invalid_response", "stopped reading"),
    "compression-bomb": ("invalid_response", "stopped reading"),
    "deep-json": ("invalid_response", "nested deeper"),
    "nan": ("invalid_response", "NaN"),
    "duplicate-keys": ("invalid_response", "duplicate key"),
    "refused": ("connect_error", "refused"),
    "dns": ("connect_error", "DNS"),
    "tls": ("tls_error", "handshake"),
    "no-answer": ("timeout", "no complete answer"),
    "stalled-body": ("timeout", "after the headers arrived"),
    "reset-mid-body": ("connect_error", "after the headers arrived"),
    "redirect-loop": ("redirect", "redirect loop"),
    "redirect-scheme": ("redirect", "same host over https"),
    "redirect-elsewhere": ("redirect", "another origin"),
    "rate-limited": ("rate_limited", "HTTP 429"),
    "unavailable": ("server_error", "HTTP 503"),
}
TRANSPORT_DEAD = ("refused", "dns", "tls", "no-answer")


def canaries() -> list[str]:
    values = []
    for site in yaml.safe_load(SITES.read_text(encoding="utf-8"))["sites"]:
        values += [site[k] for k in ("access_token", "api_key") if site.get(k)]
    return values


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    report_dir = tmp_path_factory.mktemp("hostile") / "reports"
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "tests", f"--sites={SITES}", f"--report-dir={report_dir}", "-n", "3",
         "-p", "no:cacheprovider", "-rA", "-v"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "250"},
    )
    return {"completed": completed, "seconds": time.monotonic() - started, "report_dir": report_dir,
            "results": json.loads((report_dir / "results.json").read_text(encoding="utf-8"))}


def _site(run: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(s for s in run["results"]["sites"] if s["slug"] == slug)


def _probe(run: dict[str, Any], slug: str, endpoint: str = "/api/status") -> dict[str, Any]:
    return next(p for p in _site(run, slug)["probes"] if p["endpoint"] == endpoint)


@pytest.mark.parametrize("slug", list(EXPECTED))
def test_each_hostile_site_gets_its_verdict(hostile_run: dict[str, Any], slug: str) -> None:
    verdict, words = EXPECTED[slug]
    probe = _probe(hostile_run, slug)
    assert probe["verdict"] == verdict, probe["reason"]
    assert words in probe["reason"], probe["reason"]
    assert probe["outcome"] == "failed"


def test_the_run_completes_and_the_healthy_neighbour_is_unaffected(hostile_run: dict[str, Any]) -> None:
    completed = hostile_run["completed"]
    assert completed.returncode == 1, completed.stderr[-2000:]  # failures, not a crash or a usage error
    assert "INTERNALERROR" not in completed.stdout + completed.stderr
    assert hostile_run["seconds"] < 120
    healthy = _site(hostile_run, "healthy")
    assert {p["outcome"] for p in healthy["probes"]} <= {"passed", "xfailed", "skipped"}
    assert sum(p["verdict"] == "ok" for p in healthy["probes"]) >= 12
    assert len(hostile_run["results"]["sites"]) == len(EXPECTED) + 2


@pytest.mark.parametrize("slug", TRANSPORT_DEAD)
def test_a_dead_site_stops_being_probed(hostile_run: dict[str, Any], slug: str) -> None:
    opt_in = {e.path for e in CATALOGUE if e.mutating}  # skipped for want of --allow-side-effect
    verdicts = [p["verdict"] for p in _site(hostile_run, slug)["probes"] if p["endpoint"] not in opt_in]
    assert verdicts.count("skipped") >= len(verdicts) - 6
    skipped = [p for p in _site(hostile_run, slug)["probes"] if p["verdict"] == "skipped" and p["endpoint"] not in opt_in]
    assert all("considered down" in p["reason"] for p in skipped)


@pytest.mark.parametrize("slug", ["rate-limited", "unavailable"])
def test_pressure_is_retried_and_the_retries_recorded(hostile_run: dict[str, Any], slug: str) -> None:
    probes = [p for p in _site(hostile_run, slug)["probes"] if p["verdict"] != "skipped"]
    assert probes and all(p["retries"] == 1 for p in probes)


def test_nothing_is_retried_for_content_problems(hostile_run: dict[str, Any]) -> None:
    for slug in ("not-json", "nan", "redirect-loop", "huge-body"):
        assert all(p["retries"] == 0 for p in _site(hostile_run, slug)["probes"])


def test_no_canary_reaches_any_output(hostile_run: dict[str, Any]) -> None:
    completed = hostile_run["completed"]
    outputs = {"stdout": completed.stdout, "stderr": completed.stderr}
    for path in Path(hostile_run["report_dir"]).rglob("*"):
        if path.is_file():
            outputs[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    assert len(outputs) >= 3
    for canary in canaries():
        forms = {canary, quote(canary, safe=""), json.dumps(canary)[1:-1], canary[:24]}
        for where, text in outputs.items():
            leaked = [form for form in forms if form in text]
            assert not leaked, f"{leaked} found in {where}"


def test_echoed_credentials_are_masked_not_dropped(hostile_run: dict[str, Any]) -> None:
    probe = _probe(hostile_run, "echo", "/api/user/self")
    assert probe["response"]["headers"]["x-echo-token"] == "[redacted]"
    assert "[redacted]" in probe["response"]["body"]
