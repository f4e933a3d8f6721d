"""The browser the tests open reports in, as a reader would: Debian's chromium driven by
playwright (``.ci/run`` installs both; elsewhere those tests are skipped, saying why). The
``browser`` fixture is made available to every test by testing/conftest.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (apt-get install chromium): the look at the reports in a browser is skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the dev extra) is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        yield browser
        browser.close()


def open_page(browser: Any, path: Path) -> Any:
    """A page on ``path`` that records every dialog, script error and outside request in ``page.events``."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.events = []
    page.on("dialog", lambda dialog: (page.events.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: page.events.append(f"page error: {error}"))
    page.on("request", lambda request: page.events.append(f"request: {request.url}")
            if not request.url.startswith(("file:", "data:", "about:")) else None)
    page.goto(Path(path).as_uri())
    return page
