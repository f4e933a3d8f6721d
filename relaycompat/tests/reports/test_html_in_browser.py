"""The HTML reports in a real browser: nothing from a hostile site runs, and the page works.

Needs Debian's ``chromium`` and the dev extra's playwright (``.ci/run`` installs both); elsewhere
the test is skipped with a message saying so.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (apt-get install chromium); the browser check of the HTML report is skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the dev extra) is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def _open(browser: Any, path: Path) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    events: list[str] = []
    page.on("dialog", lambda dialog: (events.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: events.append(f"page error: {error}"))
    page.on("request", lambda request: events.append(f"request: {request.url}")
            if not request.url.startswith(("file:", "data:", "about:")) else None)
    page.goto(path.as_uri())
    page.wait_for_selector("#results-table tbody.results-table-row", timeout=15_000) if path.name == "report.html" else None
    return page, events


def test_hostile_report_runs_nothing_and_shows_the_payloads_as_text(browser: Any, hostile_run: dict[str, Any]) -> None:
    page, events = _open(browser, hostile_run["dir"] / "report.html")
    page.click("#show_all_details")
    page.wait_for_timeout(300)
    assert events == []                                            # no alert(), no error, nothing fetched
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("document.querySelectorAll('[onerror], iframe, object, embed').length") == 0
    assert page.locator("#results-table tbody.results-table-row").count() == 48
    shown = page.locator(".rc-evidence").all_inner_texts()
    assert any("<script>alert('message')</script>" in text for text in shown)
    assert "<script>alert('name')</script>" in page.locator(".rc-matrix .rc-site").first.inner_text()
    page.close()


def test_summary_page_runs_nothing(browser: Any, hostile_run: dict[str, Any]) -> None:
    page, events = _open(browser, hostile_run["dir"] / "summary.html")
    assert events == []
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator(".rc-matrix tbody tr").count() == 2
    page.close()


def _latencies(page: Any) -> list[float]:
    texts = page.locator("#results-table td.col-latency").all_inner_texts()
    return [float(re.sub(r"[^\d.]", "", t)) for t in texts if re.search(r"\d", t)]


def test_latency_column_sorts_by_value(browser: Any, hostile_run: dict[str, Any]) -> None:
    page, _ = _open(browser, hostile_run["dir"] / "report.html")
    header = page.locator('#results-table-head th[data-column-type="latency"]')
    header.click()
    first = _latencies(page)
    header.click()
    second = _latencies(page)
    assert len(first) == len(second) > 20
    assert sorted(first) in (first, first[::-1]) and sorted(second) in (second, second[::-1]) and first != second
    page.close()
