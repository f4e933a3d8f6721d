"""500 sites, most of them failing: the terminal stays short and the reports open and sort.

One real run of the suite (``-n auto``, as users run it, no latency) on 500 emulated sites that fail the way the
sample's did (challenges, origins down, stale tokens, 429s, front ends answering /api, TLS and
connection failures) beside healthy ones. The checks fail if a report does not render in
headless Chromium or outgrows its bound; how long opening and sorting took is printed as a
benchmark figure at the end of the run (``benchmark:`` lines), never asserted.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from relaycompat.reports._pytest_html import ROW_BUDGET

from .._browser import open_page
from ..conftest import CATALOGUE, REPO_ROOT, run_once

SITES = 500
#: One rotation: a healthy backend, then the failures of the sample report (benchmarks/bench_fleet.py mixes the same).
ROTATION = ("new-api-legacy", "cloudflare-challenge", "origin-down", "spa-fallback", "redirect-elsewhere",
            "rate-limited", "stale-token", "stale-token", "tls-handshake-failure", "cloudflare-challenge",
            "one-api", "hostile-refused", "origin-down", "veloera", "stale-token", "drifted-fork")
MiB = 1024 * 1024


def fleet(count: int) -> list[dict[str, Any]]:
    sites = []
    for index in range(count):
        profile = ROTATION[index % len(ROTATION)]
        site: dict[str, Any] = {"name": f"站点 {index:03d} {profile}", "id": f"s{index:03d}", "emulate": profile,
                                "user_id": 5000 + index, "access_token": f"scale-access-token-{index:04d}"}
        if profile in ("tls-handshake-failure", "hostile-refused"):
            site["timeout"] = 2
        sites.append(site)
    return sites


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One 500-site run for the module, even when its tests land on several xdist workers."""
    return run_once(tmp_path_factory, "scale", _run_at_scale)


def _run_at_scale(root: Path) -> dict[str, Any]:
    sites = root / "sites.yaml"
    sites.write_text(yaml.safe_dump({"sites": fleet(SITES)}, allow_unicode=True), encoding="utf-8")
    step_summary = root / "step-summary.md"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests", f"--sites={sites}", f"--report-dir={root / 'reports'}",
         "-p", "no:cacheprovider", "-n", "auto"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900,
        env={**{k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}, "GITHUB_STEP_SUMMARY": str(step_summary),
             "COLUMNS": "120"})
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    return {"dir": root / "reports", "stdout": done.stdout, "step_summary": step_summary,
            "seconds": time.perf_counter() - started}


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _opened(browser: Any, path: Path, ready: str) -> tuple[Any, float]:
    """The page at ``path`` once ``ready`` is there and laid out, and how long that took."""
    pages: list[Any] = []

    def load() -> None:
        pages.append(open_page(browser, path))
        pages[0].wait_for_selector(ready, timeout=120_000)
        _settled(pages[0])

    seconds = _timed(load)
    return pages[0], seconds


def _settled(page: Any) -> None:
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")


def _sort_seconds(page: Any, header: str) -> float:
    """Click a header in the page and lay the page out again: the time a reader waits (in-page clock)."""
    return page.evaluate("""(selector) => {
        const started = performance.now();
        document.querySelector(selector).click();
        void document.body.offsetHeight;
        return (performance.now() - started) / 1000;
    }""", header)


def test_the_terminal_names_every_site_once_in_under_1000_lines(run: dict[str, Any], record_property: Any) -> None:
    lines = run["stdout"].splitlines()
    summary = run["stdout"].split(f"relaycompat: {SITES} sites, broken first", 1)[1].splitlines()
    named = [line for line in summary if re.match(r"(FAIL|DOWN|CREDS|XPASS|ok) ", line)]
    for site in fleet(SITES):
        assert sum(1 for line in named if f" {site['name']} " in line) == 1, site["name"]
    assert len(lines) < 1000
    record_property("benchmark", f"{SITES} sites × {len(CATALOGUE)} endpoints (no latency, -n auto): {run['seconds']:.1f} s, "
                                 f"{len(lines)} terminal lines")


def test_the_files_stay_within_their_bounds(run: dict[str, Any], record_property: Any) -> None:
    folder = run["dir"]
    sizes = {name: (folder / name).stat().st_size for name in ("report.md", "summary.html", "report.html", "results.json")}
    assert sizes["report.md"] < 2 * 1000 * 1000
    assert 0 < run["step_summary"].stat().st_size < MiB
    assert len(list((folder / "details").glob("*.md"))) == len(list((folder / "details").glob("*.html"))) == SITES
    record_property("benchmark", "sizes at 500 sites: " + ", ".join(f"{n} {s / 1e6:.1f} MB" for n, s in sizes.items())
                    + f", step summary {run['step_summary'].stat().st_size / 1e6:.2f} MB")


def test_report_html_opens_and_sorts(run: dict[str, Any], browser: Any, record_property: Any) -> None:
    page, opened = _opened(browser, run["dir"] / "report.html", "#results-table tbody.results-table-row")
    rows = page.locator("#results-table tbody.results-table-row").count()
    assert 0 < rows <= ROW_BUDGET
    assert page.locator(".rc-status tbody tr").count() == SITES           # every site, broken first
    assert page.locator(".rc-folded").count() == 1
    assert page.locator('.rc-summary a[href="summary.html"]').count() == 1  # the matrix, one click away
    sorted_in = _sort_seconds(page, '#results-table-head th[data-column-type="verdict"]')
    verdicts = page.locator("#results-table td.col-verdict").all_inner_texts()
    assert len(verdicts) == rows
    assert page.events == []
    record_property("benchmark", f"report.html at {SITES} sites ({rows} rows): opened in {opened:.2f} s, "
                                 f"sorted by verdict in {sorted_in:.2f} s")
    page.close()


def test_summary_html_opens_and_sorts(run: dict[str, Any], browser: Any, record_property: Any) -> None:
    page, opened = _opened(browser, run["dir"] / "summary.html", ".rc-status tbody tr")
    names = page.locator(".rc-status tbody td:first-child")
    assert names.count() == SITES
    assert page.locator(".rc-matrix.rc-sortable tbody tr").count() == SITES
    first = names.first.inner_text()
    sorted_in = _sort_seconds(page, ".rc-status thead th")
    assert names.first.inner_text() != first or SITES == 1
    assert page.events == []
    record_property("benchmark", f"summary.html at {SITES} sites: opened in {opened:.2f} s, sorted by site in {sorted_in:.2f} s")
    page.close()


def test_a_details_page_opens(run: dict[str, Any], browser: Any) -> None:
    page = open_page(browser, run["dir"] / "details" / "s006.html")   # a stale token
    assert page.locator("section .rc-evidence").count() == len(CATALOGUE)
    assert "access token" in page.locator("body").inner_text()
    assert page.events == []
    page.close()


def test_report_md_starts_with_what_a_reader_needs(run: dict[str, Any]) -> None:
    text = (Path(run["dir"]) / "report.md").read_text(encoding="utf-8")
    order = [text.index(h) for h in ("## 自上次运行以来的变化", "### 结论统计", "### 后端 × 端点", "### 各站点状态", "### 站点 × 端点矩阵")]
    assert order == sorted(order)
    status = text.split("### 各站点状态", 1)[1].split("### 站点 × 端点矩阵", 1)[0]
    rows = [line for line in status.splitlines() if line.startswith("| [")]
    assert len(rows) == SITES
    broken = [i for i, row in enumerate(rows) if any(word in row for word in ("有故障", "无法连通", "凭据需要处理"))]
    assert broken == list(range(len(broken))) and 0 < len(broken) < SITES     # broken sites first
