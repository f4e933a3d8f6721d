"""Under ``-n 3`` every collected test is in results.json, report.md and report.html.

Also: the HTML is pytest-html's self-contained report in the report folder, with the sortable
columns, the summary matrix and evidence per test; ``--report-lang en`` labels both reports.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ..conftest import CATALOGUE, REPO_ROOT, run_once
from ._inspect import (
    html_test_data,
    markdown_shape,
    parse_html,
    table_cells,
    tables_after,
)

SITES = """
sites:
  - {name: new-api legacy, id: legacy, emulate: new-api-legacy, backend: new-api, user_id: 3001,
     access_token: xdist-legacy-access-token-000, api_key: sk-xdistLegacyRelayKey000000000000000000000000000}
  - {name: one-api, id: one-api, emulate: one-api, backend: one-api, user_id: 3002, access_token: xdist-one-api-access-token-00}
  - {name: Behind a challenge, id: challenge, emulate: cloudflare-challenge, access_token: xdist-challenge-token-000000}
  - {name: Public only, id: public-only, emulate: new-api-legacy}
"""
SLUGS = ("legacy", "one-api", "challenge", "public-only")
COLUMNS = ("site", "backend", "endpoint", "verdict", "status", "latency")


def _run(root: Path) -> dict[str, Any]:
    sites = root / "sites.yaml"
    sites.write_text(SITES, encoding="utf-8")
    report_dir = root / "reports"
    command = [sys.executable, "-m", "pytest", "tests", f"--sites={sites}", f"--report-dir={report_dir}",
               "-p", "no:cacheprovider", "-n", "3", "--report-lang", "en"]
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_STEP_SUMMARY"}
    completed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert completed.returncode in (0, 1), completed.stdout[-3000:] + completed.stderr[-3000:]
    summary = completed.stdout.strip().splitlines()[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)", summary)}
    return {"dir": report_dir, "counts": counts, "stdout": completed.stdout}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_once(tmp_path_factory, "xdist-complete", _run)


def test_the_run_collected_every_site_and_endpoint(run: dict[str, Any]) -> None:
    assert sum(run["counts"].values()) == 4 * len(CATALOGUE)


def test_results_json_has_an_outcome_for_every_test(run: dict[str, Any]) -> None:
    results = json.loads((run["dir"] / "results.json").read_text(encoding="utf-8"))
    probes = [p for site in results["sites"] for p in site["probes"]]
    assert len(probes) == 4 * len(CATALOGUE)
    assert all(p["outcome"] in ("passed", "failed", "skipped", "xfailed", "xpassed") for p in probes)
    by_outcome: dict[str, int] = {}
    for probe in probes:
        by_outcome[probe["outcome"]] = by_outcome.get(probe["outcome"], 0) + 1
    assert by_outcome == run["counts"]


def _markdown(run: dict[str, Any]) -> str:
    """report.md, then the details of every site in site order."""
    pages = [run["dir"] / "report.md"] + [run["dir"] / "details" / f"{slug}.md" for slug in SLUGS]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def test_markdown_has_every_site_and_endpoint(run: dict[str, Any]) -> None:
    text = _markdown(run)
    outside = markdown_shape(text).outside
    assert outside[0] == "# API endpoint compatibility report"
    tables = tables_after(outside, "### Endpoint results")
    assert len(tables) == 4
    assert table_cells(tables[0][0]) == ["Endpoint", "Description", "Documented", "In code", "Status", "Verdict",
                                         "Latency", "Result"]
    assert all(len(table) == 1 + len(CATALOGUE) for table in tables)
    assert "—" not in {table_cells(row)[-1] for table in tables for row in table[1:]}  # every probe has a result
    matrix = tables_after(outside, "### Site × endpoint matrix")[0]
    assert [table_cells(row)[0] for row in matrix[1:]] == [
        "[new-api legacy](details/legacy.md)", "[one-api](details/one-api.md)",
        "[Behind a challenge](details/challenge.md)", "[Public only](details/public-only.md)"]


def test_html_report_is_self_contained_and_has_every_test(run: dict[str, Any]) -> None:
    page = (run["dir"] / "report.html").read_text(encoding="utf-8")
    assert not (run["dir"] / "assets").exists()
    tags, _ = parse_html(page)
    assert not [t for t in tags if t.name == "link" and t.attrs.get("rel") == "stylesheet"]
    assert ".rc-matrix" in page                                 # our stylesheet is inlined too
    data = html_test_data(page)
    assert len(data["tests"]) == 4 * len(CATALOGUE)
    assert sum(len(runs) for runs in data["tests"].values()) == 4 * len(CATALOGUE)
    assert data["renderCollapsed"] == ["passed", "xfailed", "skipped"]


def test_html_columns_are_sortable_and_filled(run: dict[str, Any]) -> None:
    page = (run["dir"] / "report.html").read_text(encoding="utf-8")
    head = page.split('<thead id="results-table-head">', 1)[1].split("</thead>", 1)[0]
    header_types = re.findall(r'<th class="sortable" data-column-type="(\w+)">([^<]*)</th>', head)
    assert [t for t, _ in header_types][1:7] == list(COLUMNS)
    assert [label for _, label in header_types][1:7] == ["Site", "Backend", "Endpoint", "Verdict", "HTTP", "Latency"]
    data = html_test_data(page)
    for runs in data["tests"].values():
        test = runs[0]
        for column in COLUMNS:
            assert column in test, column                       # hydrated from the col-<name> cell
        assert test["site"] in ("new-api legacy", "one-api", "Behind a challenge", "Public only")
    latencies = [test["latency"] for runs in data["tests"].values() for test in runs]
    keys = [re.match(r'<span class="rc-sortkey" hidden>([^<]*)</span>', value).group(1) for value in latencies]
    assert all(len(key) == 12 for key in keys)                  # zero-padded: text order is numeric order


def test_html_summary_and_evidence(run: dict[str, Any]) -> None:
    page = (run["dir"] / "report.html").read_text(encoding="utf-8")
    summary = page.split('<div class="additional-summary prefix">', 1)[1]
    assert '<table class="rc-matrix rc-sortable">' in summary and "Site × endpoint matrix" in summary
    assert summary.index("Changes since the last run") < summary.index("Site × endpoint matrix")
    data = html_test_data(page)
    test = data["tests"]["tests/test_endpoints.py::test_api_user_self[legacy]"][0]
    evidence = next(e["content"] for e in test["extras"] if e["format_type"] == "html")
    assert "GET http://127.0.0.1:" in evidence and "/api/user/self" in evidence
    assert "Request headers" in evidence and "Response headers" in evidence and "Response body" in evidence
    assert "Authorization</td><td>[redacted]" in evidence
    assert "&quot;username&quot;" in evidence                   # the body, pretty JSON, escaped


def test_summary_page_matches_the_html_summary(run: dict[str, Any]) -> None:
    page = (run["dir"] / "report.html").read_text(encoding="utf-8")
    summary = (run["dir"] / "summary.html").read_text(encoding="utf-8")
    fragment = re.search(r'<section class="rc-summary".*?</section>', summary, flags=re.S)
    assert fragment and fragment.group(0) in page


def test_result_symbols_follow_the_outcomes(run: dict[str, Any]) -> None:
    """✅ only for ok; an expected absence (xfail) is ➖, not ❌; not judged is ⚪."""
    results = json.loads((run["dir"] / "results.json").read_text(encoding="utf-8"))
    tables = tables_after(markdown_shape(_markdown(run)).outside, "### Endpoint results")
    expected = {"passed": {"✅"}, "xfailed": {"➖"}, "skipped": {"⚪"}, "xpassed": {"✨"}}
    seen = set()
    for table, site in zip(tables, results["sites"], strict=True):
        for row, probe in zip(table[1:], site["probes"], strict=True):
            symbol = table_cells(row)[-1]
            seen.add(probe["outcome"])
            if probe["outcome"] in expected:
                assert symbol in expected[probe["outcome"]], (site["slug"], probe["endpoint"])
            else:
                assert symbol not in ("✅", "➖", "⚪", "✨"), (site["slug"], probe["endpoint"])
            assert (symbol == "✅") == (probe["verdict"] == "ok" and probe["outcome"] == "passed")
    assert {"passed", "failed", "xfailed", "skipped"} <= seen
