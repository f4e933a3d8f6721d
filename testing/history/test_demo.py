"""The history demo (scripts/history_demo.py): three runs of the demo fleet, Veloera breaks in the
second and recovers in the third; the third run's reports show it, also to a reader in Chromium."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

from .._browser import open_page
from ..conftest import REPO_ROOT, run_once


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    spec = importlib.util.spec_from_file_location("history_demo", REPO_ROOT / "scripts" / "history_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folders: list[Path] = run_once(tmp_path_factory, "history-demo",
                                   lambda folder: module.run(folder, lang="en", quiet=True))
    return folders


def test_the_third_report_md_shows_the_break_and_the_recovery(demo: list[Path]) -> None:
    text = (demo[2] / "report.md").read_text(encoding="utf-8")
    history = text[text.index("## History"):text.index("## Summary")]
    row = next(line for line in history.splitlines() if line.startswith("| [Veloera](details/veloera.md)"))
    assert "🟩🟥🟩" in row and re.search(r"ok since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(1 run\)", row)
    assert "67 % (2/3)" in row
    section = (demo[2] / "details" / "veloera.md").read_text(encoding="utf-8")
    section = section[:section.index("\n---\n")]
    assert "| `/api/user/self` | ✅💥✅ | ✅ ok |" in section
    steady = next(line for line in history.splitlines() if line.startswith("| [one-api](details/one-api.md)"))
    assert "🟩🟩🟩" in steady and "3 runs, the whole history" in steady
    # the second run's report said it was failing, not yet down (one failure of three)
    second = (demo[1] / "report.md").read_text(encoding="utf-8")
    second = second[second.index("## History"):second.index("## Summary")]
    row = next(line for line in second.splitlines() if line.startswith("| [Veloera](details/veloera.md)"))
    assert "🟩🟥" in row and "failing since" in row and "not called down yet (3 in a row)" in row


def test_the_third_summary_html_shows_it_to_a_reader(demo: list[Path], browser: Any) -> None:
    events: list[str] = []
    for name in ("summary.html", "report.html"):
        page = open_page(browser, demo[2] / name)
        history = page.locator(".rc-history").first
        history.wait_for(timeout=20_000)
        row = history.locator("table.rc-history-sites tr", has_text="Veloera").first
        assert row.is_visible()
        fills: Any = row.locator("svg.rc-strip rect").evaluate_all("rs => rs.map(r => r.getAttribute('fill'))")
        assert fills == ["#2da44e", "#cf222e", "#2da44e"]
        box = row.locator("svg.rc-strip").bounding_box()
        assert box is not None and box["width"] > 20 and box["height"] > 10  # drawn, not collapsed
        assert "ok since" in row.inner_text()
        chart = history.locator("svg.rc-chart")
        assert chart.is_visible() and chart.locator("text", has_text="veloera").count() == 1
        page.locator("details.rc-history-site summary", has_text="Veloera").click()
        assert page.locator("details.rc-history-site[open] tr", has_text="/api/user/self").first.is_visible()
        events += page.events
        page.close()
    assert events == []
