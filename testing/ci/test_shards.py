"""--shard K/N: every site in exactly one shard, and three merged shards report as one run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ..conftest import REPO_ROOT

SITES = """
sites:
  - {name: Legacy, id: legacy, emulate: new-api-legacy, backend: new-api, user_id: 11, access_token: shard-legacy-token-01}
  - {name: Current, id: current, emulate: new-api, access_token: shard-current-token-02}
  - {name: 公益站 one-api, id: one-api, emulate: one-api, user_id: 13, access_token: shard-one-api-token-03}
  - {name: Hub, id: hub, emulate: one-hub, access_token: shard-hub-token-000004}
  - {name: Veloera, id: veloera, emulate: veloera, user_id: 15, access_token: shard-veloera-token-05}
  - {name: Down, id: down, emulate: origin-down}
  - {name: Behind a challenge, id: challenge, emulate: cloudflare-challenge}
"""
ENV = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}


def _pytest(tmp: Path, name: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "tests", f"--sites={tmp / 'sites.yaml'}", f"--report-dir={tmp / name}",
         "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *args],
        cwd=REPO_ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("shards")
    (tmp / "sites.yaml").write_text(SITES, encoding="utf-8")
    processes = [_pytest(tmp, "full")] + [_pytest(tmp, f"shard{k}", "--shard", f"{k}/3") for k in (1, 2, 3)]
    assert all(p.wait(timeout=300) in (0, 1) for p in processes)
    merged = subprocess.run([sys.executable, "-m", "relaycompat", "merge", str(tmp / "merged"),
                             *(str(tmp / f"shard{k}" / "results.json") for k in (3, 1, 2))],
                            cwd=REPO_ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    assert merged.returncode == 0, merged.stderr
    return tmp


def _results(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def test_every_site_is_in_exactly_one_shard(runs: Path) -> None:
    shards = [[s["slug"] for s in _results(runs / f"shard{k}")["sites"]] for k in (1, 2, 3)]
    everything = [s["slug"] for s in _results(runs / "full")["sites"]]
    assert sorted(sum(shards, [])) == sorted(everything) and len(everything) == 7
    assert all(shards)  # none empty


def _verdicts(results: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(site["slug"], p["endpoint"]): (p["verdict"], p["outcome"]) for site in results["sites"] for p in site["probes"]}


def test_the_merged_results_equal_the_unsharded_run(runs: Path) -> None:
    merged, full = _results(runs / "merged"), _results(runs / "full")
    assert [s["slug"] for s in merged["sites"]] == [s["slug"] for s in full["sites"]]  # site-file order kept
    assert _verdicts(merged) == _verdicts(full)
    assert [s["backend"]["detected"] for s in merged["sites"]] == [s["backend"]["detected"] for s in full["sites"]]


def _without_times(text: str) -> str:
    """What differs between any two runs of the same fleet: times, latencies, ports, request ids,
    and the bodies (the emulator stamps them with the time); everything else must be equal."""
    text = re.sub(r"(?ms)^(`{3,})json\n.*?^\1$", "<body>", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", text)
    text = re.sub(r"[\d,.]+ ?ms", "<ms>", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", text)
    text = re.sub(r"(request id: |x-oneapi-request-id[^\n]*?)\w+", r"\1<id>", text)
    return re.sub(r"\d{20,}\w*", "<id>", text)


@pytest.mark.parametrize("report", ["report.md", "summary.html", "details"])
def test_the_merged_reports_equal_the_unsharded_run(runs: Path, report: str) -> None:
    def pages(folder: Path) -> list[str]:
        # the details as Markdown (the HTML pages hold the same, with bodies and timings harder to strip)
        names = sorted(p.relative_to(folder).as_posix() for p in (folder / report).glob("*.md")) \
            if report == "details" else [report]
        return names + [line for name in names for line in _without_times((folder / name).read_text(encoding="utf-8")).splitlines()]

    merged, full = pages(runs / "merged"), pages(runs / "full")
    assert len(merged) > (7 * 24 if report == "details" else 20)
    assert merged == full
