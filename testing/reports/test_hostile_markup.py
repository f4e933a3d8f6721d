"""Hostile sites cannot leak a secret into, or inject markup or structure into, any report.

One run of the real suite (``-n 2``) against the ``hostile-markup`` profile: its bodies,
headers and refusal messages hold script tags, event handlers, ``javascript:`` links, table
pipes and code fences, and echo the site's own canary credentials; the site's *name* is hostile
too. Every output file and the terminal are then read back as a renderer would read them.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from relaycompat.reports._html import SORT_SCRIPT

from ..conftest import CATALOGUE
from ._hostile import CANARIES, HOSTILE_NAME
from ._inspect import (
    FRAGMENT_TAGS,
    gfm_problems,
    html_fragments,
    html_test_data,
    live_problems,
    markdown_shape,
    output_texts,
    parse_html,
    raw_html_outside_fences,
    render_gfm,
    table_cells,
    tables_after,
)


def test_every_report_was_written(hostile_run: dict[str, Any]) -> None:
    names = set(output_texts(hostile_run["dir"]))
    assert {"results.json", "report.md", "report.html", "summary.html"} <= names
    assert hostile_run["step_summary"].stat().st_size > 0


def test_the_site_served_its_hostile_payloads(hostile_run: dict[str, Any]) -> None:
    """Guard against a vacuous pass: the payloads did arrive, as data."""
    results = (hostile_run["dir"] / "results.json").read_text(encoding="utf-8")
    assert "alert('system_name')" in results
    assert "onerror=alert(2)" in results          # the response header
    assert "alert('message')" in results           # the refusal message
    markdown = (hostile_run["dir"] / "details" / "hostile.md").read_text(encoding="utf-8")
    assert "alert('system_name')" in markdown
    page = (hostile_run["dir"] / "details" / "hostile.html").read_text(encoding="utf-8")
    assert "alert(&#x27;system_name&#x27;)" in page


def test_no_canary_in_any_output_or_on_the_terminal(hostile_run: dict[str, Any]) -> None:
    texts = output_texts(hostile_run["dir"])
    texts["step summary"] = hostile_run["step_summary"].read_text(encoding="utf-8")
    texts["stdout"], texts["stderr"] = hostile_run["stdout"], hostile_run["stderr"]
    leaks = {(name, canary) for name, text in texts.items() for canary in CANARIES if canary in text}
    assert leaks == set()
    assert "[redacted]" in texts["details/hostile.md"] and "[redacted]" in texts["details/hostile.html"]
    assert "[redacted]" in texts["report.html"]


def test_html_report_has_no_live_markup_from_the_site(hostile_run: dict[str, Any]) -> None:
    page = (hostile_run["dir"] / "report.html").read_text(encoding="utf-8")
    tags, _ = parse_html(page)
    scripts = [t for t in tags if t.name == "script"]
    assert len(scripts) == 1 and "src" not in scripts[0].attrs          # pytest-html's own app.js, inline
    handlers = [(t.name, k, v) for t in tags for k, v in t.attrs.items() if k.startswith("on")]
    assert handlers == [("div", "onclick", "location.reload()")]      # pytest-html's reload button
    assert [t for t in tags if t.name in ("iframe", "object", "embed")] == []
    assert [t.attrs for t in tags if t.name == "img"] == [{"src": ""}]   # pytest-html's media viewer template
    assert [t for t in tags if t.name == "a" and t.attrs.get("href", "").lower().startswith("javascript")] == []
    summary = page.split('<div class="additional-summary prefix">', 1)[1].split("</div>\n", 1)[0]
    assert live_problems(parse_html(summary)[0]) == []

    data = html_test_data(page)
    assert len(data["tests"]) == 2 * len(CATALOGUE)
    seen_text = []
    for fragment in html_fragments(data):
        fragment_tags, text = parse_html(fragment)
        assert live_problems(fragment_tags) == [], fragment[:300]
        seen_text.append(text)
    shown = "\n".join(seen_text)
    assert "<script>alert('header')</script>" in shown   # shown as text, escaped in the markup
    assert "<script>alert('message')</script>" in shown


def _markdown_pages(hostile_run: dict[str, Any]) -> str:
    folder = hostile_run["dir"]
    pages = [folder / "report.md", folder / "details" / "hostile.md", folder / "details" / "neighbour.md"]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def test_markdown_structure_survives(hostile_run: dict[str, Any]) -> None:
    _check_markdown(_markdown_pages(hostile_run), sites=2, details=True)


def test_markdown_as_github_renders_it(hostile_run: dict[str, Any]) -> None:
    for name in ("report.md", "step summary"):
        path = hostile_run["step_summary"] if name == "step summary" else hostile_run["dir"] / name
        rendered = render_gfm(path.read_text(encoding="utf-8"))
        assert gfm_problems(rendered) == [], name
        # totals, backends, backend × endpoint, sites, site × endpoint
        assert rendered.count("<table>") == 5, name
    for page in ("hostile.md", "neighbour.md"):
        rendered = render_gfm((hostile_run["dir"] / "details" / page).read_text(encoding="utf-8"))
        assert gfm_problems(rendered) == [], page
        assert rendered.count("<h2>") == 1 and rendered.count("<table>") == 1
    rendered = render_gfm(_markdown_pages(hostile_run))
    site_tables = rendered.split("<table>")[-2:]
    for table in site_tables:
        body = table.split("</table>", 1)[0]
        assert body.count("<tr>") == 1 + len(CATALOGUE)
        assert {row.count("<td") for row in body.split("<tr>")[2:]} == {8}
    assert "&lt;script&gt;alert('system_name')" in rendered or "&lt;script>alert('system_name')" in rendered


def test_step_summary_structure_survives(hostile_run: dict[str, Any]) -> None:
    text = hostile_run["step_summary"].read_text(encoding="utf-8")
    _check_markdown(text, sites=2, details=False)
    assert "### 端点测试结果" not in text and "### 站点 × 端点矩阵" in text


def test_pages_run_only_their_sorter(hostile_run: dict[str, Any]) -> None:
    """summary.html and the details pages: no markup from a site is live, the only script is the
    table sorter, and the page's policy allows that one script by its hash and loads nothing."""
    for name in ("summary.html", "details/hostile.html", "details/neighbour.html"):
        page = (hostile_run["dir"] / name).read_text(encoding="utf-8")
        tags, text = parse_html(page)
        scripts = [t for t in tags if t.name == "script"]
        assert len(scripts) == 1 and scripts[0].attrs == {}, name
        assert page.count("<script>") == 1 and SORT_SCRIPT in page, name
        others = [t for t in tags if t.name != "script"]
        assert live_problems(others, allowed={"html", "head", "meta", "title", "style", "body"} | FRAGMENT_TAGS) == [], name
        policy = next(t.attrs["content"] for t in tags if t.name == "meta" and "http-equiv" in t.attrs)
        assert "default-src 'none'" in policy and "script-src 'sha256-" in policy, name
        assert HOSTILE_NAME in html.unescape(text) or "alert('name')" in text or name == "details/neighbour.html"


def _check_markdown(text: str, *, sites: int, details: bool) -> None:
    shape = markdown_shape(text)
    assert shape.balanced
    assert raw_html_outside_fences(text) == []
    outside = shape.outside
    assert not [line for line in outside if re.search(r"(?<!\\)\]\(javascript:", line)]
    assert [line for line in outside if line.startswith("# ")] == ["# API 端点响应测试报告"]
    assert len([line for line in outside if line.startswith("## ")]) == 2 + (sites if details else 0)
    matrix = tables_after(outside, "### 站点 × 端点矩阵")[0]
    assert len(matrix) == 1 + sites
    assert {len(table_cells(row)) for row in matrix} == {2 + len(CATALOGUE)}
    if details:
        tables = tables_after(outside, "### 端点测试结果")
        assert len(tables) == sites
        for table in tables:
            assert len(table) == 1 + len(CATALOGUE)
            assert {len(table_cells(row)) for row in table} == {8}
        for line in outside:  # no heading was injected from a body
            assert not line.startswith("## injected")


def test_results_mask_the_echoed_token_in_body_fields(hostile_run: dict[str, Any]) -> None:
    results = json.loads((hostile_run["dir"] / "results.json").read_text(encoding="utf-8"))
    site = next(s for s in results["sites"] if s["slug"] == "hostile")
    status = next(p for p in site["probes"] if p["endpoint"] == "/api/status")
    assert '"debug_access_token": "[redacted]"' in status["response"]["body"]
    assert status["response"]["headers"]["x-echo-token"] == "[redacted]"
    token = next(p for p in site["probes"] if p["endpoint"] == "/api/user/token")
    assert token["verdict"] == "ok" and '"data": "[redacted]"' in token["response"]["body"]
    assert Path(hostile_run["dir"] / "report.html").is_file()
