"""reports/report.html of an emulated-fleet run, as a reader sees it in headless Chromium.

The run probes the demo fleet (sites/demo.yaml) plus one hostile-markup site. The checks are
what a person does with the page: find the matrix, sort by verdict, open a row's evidence, and
see that nothing the sites sent ran. Needs Debian's chromium and playwright (``.ci/run``
installs both); elsewhere the module is skipped, saying why.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from relaycompat import VERDICTS

from .._browser import open_page
from ..conftest import REPO_ROOT
from ..reports._hostile import SITES as HOSTILE_SITES


@pytest.fixture(scope="module")
def fleet_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("fleet-report")
    hostile = root / "hostile.yaml"
    hostile.write_text(HOSTILE_SITES, encoding="utf-8")
    report_dir = root / "reports"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "tests", f"--sites={REPO_ROOT / 'sites' / 'demo.yaml'}", f"--sites={hostile}",
         f"--report-dir={report_dir}", "-n", "3", "-q", "-p", "no:cacheprovider"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env={k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"},
    )
    assert completed.returncode in (0, 1), completed.stdout[-3000:] + completed.stderr[-3000:]
    sites = len(yaml.safe_load((REPO_ROOT / "sites" / "demo.yaml").read_text(encoding="utf-8"))["sites"]) + 2
    return {"html": report_dir / "report.html", "summary": report_dir / "summary.html", "sites": sites}


@pytest.fixture(scope="module")
def page(browser: Any, fleet_report: dict[str, Any]) -> Iterator[Any]:
    page = open_page(browser, fleet_report["html"])
    page.wait_for_selector("#results-table tbody.results-table-row", timeout=20_000)
    yield page
    page.close()


def test_the_matrix_is_in_the_summary(page: Any, fleet_report: dict[str, Any]) -> None:
    matrix = page.locator(".rc-matrix.rc-sortable")
    assert matrix.count() == 1 and matrix.first.is_visible()
    assert page.locator(".rc-matrix.rc-sortable tbody tr").count() == fleet_report["sites"]
    assert page.locator(".rc-matrix.rc-sortable thead th").count() >= 24
    assert page.locator(".rc-status tbody tr").count() == fleet_report["sites"]


def _column(page: Any, name: str) -> list[str]:
    return page.locator(f"#results-table td.col-{name}").all_inner_texts()


def _verdict_ranks(page: Any) -> list[int]:
    ranks = []
    for text in _column(page, "verdict"):
        words = [w for w in text.split() if w in VERDICTS]
        assert words, text
        ranks.append(VERDICTS.index(words[-1]))
    return ranks


def test_sorting_by_verdict(page: Any) -> None:
    header = page.locator('#results-table-head th[data-column-type="verdict"]')
    header.click()
    first = _verdict_ranks(page)
    header.click()
    second = _verdict_ranks(page)
    assert len(first) == len(second) > 200
    assert len(set(first)) > 5  # the fleet shows many verdicts
    assert first in (sorted(first), sorted(first, reverse=True))
    assert second == first[::-1] or second in (sorted(second), sorted(second, reverse=True)) and second != first


def test_sorting_by_latency_sorts_by_value(page: Any) -> None:
    header = page.locator('#results-table-head th[data-column-type="latency"]')
    values = []
    for _ in range(2):
        header.click()
        values.append([float(re.sub(r"[^\d.]", "", t)) for t in _column(page, "latency") if re.search(r"\d", t)])
    first, second = values
    assert len(first) == len(second) > 100 and first != second
    assert all(v in (sorted(v), sorted(v, reverse=True)) for v in values)


def test_a_rows_evidence_expands(page: Any) -> None:
    row = page.locator("#results-table tbody.results-table-row", has=page.locator("td.col-verdict", has_text="ok")).first
    evidence = row.locator(".rc-evidence")
    assert evidence.count() == 1
    if evidence.is_visible():  # passed rows start collapsed; make sure, then open it
        row.locator("td.col-result").click()
    assert not evidence.is_visible()
    row.locator("td.col-result").click()
    assert evidence.is_visible()
    text = evidence.inner_text()
    assert "GET http://127.0.0.1:" in text and "200" in text


def test_no_hostile_payload_ran(page: Any) -> None:
    page.click("#show_all_details")
    page.wait_for_timeout(300)
    assert page.events == []  # no dialog, no page error, nothing fetched from anywhere
    assert page.evaluate("document.scripts.length") == 1  # pytest-html's own
    injected = page.evaluate("document.querySelectorAll('[onerror], [onload], iframe, object, embed, "
                             "a[href^=\"javascript:\"], img[src=\"x\"]').length")
    assert injected == 0
    shown = " ".join(page.locator(".rc-evidence").all_inner_texts())
    assert "<script>alert('message')</script>" in shown  # there, as text
    assert any("<script>alert('name')</script>" in name for name in page.locator(".rc-matrix .rc-site").all_inner_texts())


def test_the_summary_page_runs_only_its_sorter(browser: Any, fleet_report: dict[str, Any]) -> None:
    page = open_page(browser, fleet_report["summary"])
    assert page.locator(".rc-matrix.rc-sortable tbody tr").count() == fleet_report["sites"]
    header = page.locator(".rc-status thead th").nth(0)
    names = page.locator(".rc-status tbody td:first-child")
    original = names.all_inner_texts()
    header.click()
    first = names.all_inner_texts()
    header.click()
    second = names.all_inner_texts()
    assert len(original) == fleet_report["sites"] and sorted(first) == sorted(original) and second == first[::-1]
    assert page.events == [] and page.evaluate("document.scripts.length") == 1
    page.close()


def test_each_sites_advice_shows_once_above_the_details(browser: Any, page: Any, fleet_report: dict[str, Any]) -> None:
    """The demo fleet's rc.41 sites: a retired token and a token lacking a scope need their
    credentials fixed; the advice heads the page (report.html, summary.html), once per site."""
    summary = open_page(browser, fleet_report["summary"])
    for shown in (page, summary):
        blocks = shown.locator(".rc-advice")
        names = [blocks.nth(i).locator("h4").inner_text() for i in range(blocks.count())]
        assert any(name.startswith("new-api rc.41, legacy token") for name in names), names
        assert len(names) == len(set(names)), "one block per site"
        retired = shown.locator(".rc-advice", has_text="new-api rc.41, legacy token")
        assert retired.is_visible() and "legacy_token_retired" in retired.inner_text()
        narrow = shown.locator(".rc-advice", has_text="token lacking scopes")
        assert "token_scope_missing" in narrow.inner_text() and "usage:read" in narrow.inner_text()
    first_advice = page.locator(".rc-advice").first.bounding_box()
    first_row = page.locator("#results-table").bounding_box()
    assert first_advice["y"] < first_row["y"]
    summary.close()
