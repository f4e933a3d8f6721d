"""report.md of the sample's recorded bodies keeps the layout its readers know, and tells the truth."""

from __future__ import annotations

import json
import re
from typing import Any

from relaycompat import Catalogue
from relaycompat.reports import render_details, render_report
from relaycompat.reports._markdown import BODY_CHARS

from ._inspect import (
    gfm_problems,
    markdown_shape,
    render_gfm,
    report_and_details,
    table_cells,
    tables_after,
)

TABLE_HEADER = ["端点", "说明", "文档", "代码", "状态", "结论", "耗时", "结果"]


def _site_chunks(text: str) -> list[str]:
    return re.split(r"^<a id=\"site-[^\"]+\"></a>\n", text, flags=re.M)[1:]


def test_header_keeps_title_time_and_site_count(sample_results: dict[str, Any]) -> None:
    lines = render_report(sample_results, lang="zh").splitlines()
    assert lines[0] == "# API 端点响应测试报告"
    assert lines[2].startswith("> 生成时间: 2025-12-15T05:44:43.748Z")
    assert lines[3].startswith("> 测试站点数: 21")


def test_summary_comes_first_then_one_section_per_site(sample_results: dict[str, Any], recordings: dict[str, Any]) -> None:
    text = report_and_details(sample_results, lang="zh")
    h2 = [line for line in markdown_shape(text).outside if line.startswith("## ")]
    assert h2[:2] == ["## 自上次运行以来的变化", "## 概览"]
    assert h2[2:] == [f"## {site['name']}" for site in recordings["sites"]]
    chunks = _site_chunks(text)
    assert len(chunks) == 21
    for chunk, site in zip(chunks, recordings["sites"], strict=True):
        assert f"- **URL**: <{site['url']}>" in chunk
        assert "- **认证状态**: ✅ 已配置" in chunk
        assert "- **后端**: " in chunk


def test_endpoint_table_has_the_sample_columns_plus_verdict_and_latency(sample_results: dict[str, Any],
                                                                       recordings: dict[str, Any]) -> None:
    text = report_and_details(sample_results, lang="zh")
    tables = tables_after(markdown_shape(text).outside, "### 端点测试结果")
    assert len(tables) == 21
    paths = [f"`{e['path']}`" for e in recordings["endpoints"]]
    for table, site in zip(tables, recordings["sites"], strict=True):
        assert table_cells(table[0]) == TABLE_HEADER
        rows = [table_cells(row) for row in table[1:]]
        assert [row[0] for row in rows] == paths
        assert all(len(row) == len(TABLE_HEADER) for row in rows)
        for row, probe, endpoint in zip(rows, site["probes"], recordings["endpoints"], strict=True):
            assert row[2] == ("✅" if endpoint["documented"] else "❌")
            assert row[3] == ("✅" if endpoint["in_code"] else "❌")
            assert row[4] == (probe["status"] if probe["status"].isdigit() else "—")


def test_ok_only_when_the_body_says_so(sample_results: dict[str, Any], recordings: dict[str, Any]) -> None:
    """The sample marked every 200 ✅; 'success: false' (access token 无效) is never ✅ here."""
    text = report_and_details(sample_results, lang="zh")
    tables = tables_after(markdown_shape(text).outside, "### 端点测试结果")
    false_passes = 0
    for table, site in zip(tables, recordings["sites"], strict=True):
        for row, probe in zip(table[1:], site["probes"], strict=True):
            result = table_cells(row)[-1]
            body = probe.get("body") or ""
            if probe["status"] == "200" and ('"success": false' in body):
                false_passes += 1
                assert result != "✅", (site["name"], probe["endpoint"])
    assert false_passes > 150  # this copy keeps 21 of the sample's sites: 187 such "passes"


def test_detailed_responses_are_pretty_cut_and_say_the_original_length(sample_results: dict[str, Any],
                                                                        recordings: dict[str, Any]) -> None:
    text = report_and_details(sample_results, lang="zh")
    chunks = _site_chunks(text)
    cut_notes = 0
    for chunk, site in zip(chunks, recordings["sites"], strict=True):
        details = chunk.split("### 详细响应", 1)[1]
        headings = re.findall(r"^#### `([^`]+)`$", details, flags=re.M)
        assert headings == [e["path"] for e in recordings["endpoints"]]
        for probe in site["probes"]:
            if "truncated_from" in probe:
                cut_notes += 1
                assert f"（原始长度: {probe['truncated_from']} 字节）" in details
    assert cut_notes == sum(1 for s in recordings["sites"] for p in s["probes"] if "truncated_from" in p)
    shape = markdown_shape(text)
    assert shape.balanced
    assert all(len(block) <= BODY_CHARS for block in shape.blocks)


def test_bodies_that_parse_are_pretty_printed(sample_results: dict[str, Any]) -> None:
    text = report_and_details(sample_results, lang="zh")
    block = next(b for b in markdown_shape(text).blocks if '"system_name"' in b)
    assert block.startswith("{\n  ")
    if len(block) < BODY_CHARS:
        assert isinstance(json.loads(block), dict)


def test_secrets_and_personal_data_of_the_recordings_are_masked(sample_results: dict[str, Any],
                                                                  recordings: dict[str, Any]) -> None:
    secrets = set()
    for site in recordings["sites"]:
        for probe in site["probes"]:
            body = probe.get("body") or ""
            secrets |= set(re.findall(r'"(?:access_token|key|email|last_login_ip)":\s*"([^"]{6,})"', body))
            if probe["endpoint"] == "/api/user/token":
                secrets |= set(re.findall(r'"data":\s*"([^"]{6,})"', body))
    assert len(secrets) > 5
    text = report_and_details(sample_results, lang="zh")
    assert [s for s in secrets if s in text] == []


def test_verdict_and_symbol_columns_agree_with_the_legend(sample_results: dict[str, Any], catalogue: Catalogue) -> None:
    text = report_and_details(sample_results, lang="zh")
    legend = next(line for line in text.splitlines() if line.startswith("**图例**: "))
    assert "✅ 正常" in legend and "🔒" in legend
    assert "**端点编号**: 1 `/api/status`" in text
    assert [e.path for e in catalogue][:24] == [e.path for e in catalogue if e.path in text][:24]


def test_github_renders_the_summary_and_one_table_per_site_and_nothing_live(sample_results: dict[str, Any]) -> None:
    rendered = render_gfm(render_report(sample_results, lang="zh"))
    assert gfm_problems(rendered) == []
    assert rendered.count("<table>") == 5  # totals, backends, backend × endpoint, sites, site × endpoint
    for site in sample_results["sites"]:  # each site's details, from the sites table and the matrix
        assert rendered.count(f'href="details/{site["slug"]}.md"') == 2
        details = render_gfm(render_details(sample_results, site["slug"], lang="zh"))
        assert gfm_problems(details) == [] and details.count("<table>") == 1
        assert details.count(f'<a id="site-{site["slug"]}"') == 1 and 'href="../report.md"' in details


def test_declared_and_detected_backend_mismatch_is_stated(sample_results: dict[str, Any]) -> None:
    site = next(s for s in sample_results["sites"] if s["name"] == "薄荷 API")
    site["backend"].update(declared="one-api", mismatch="declared one-api, but the probes look like new-api")
    text = report_and_details(sample_results, lang="zh")
    section = text.split("## 薄荷 API", 1)[1].split("### 端点测试结果", 1)[0]
    assert "- **后端**: new-api v0.9.25（检测；声明: one-api）" in section
    assert "- ⚠️ 站点文件声明为 one-api，与检测结果 new-api 不一致" in section
    en = report_and_details(sample_results, lang="en").split("## 薄荷 API", 1)[1]
    assert "- ⚠️ the site file declares one-api, but new-api was detected" in en
    site["backend"].update(declared="veloera", mismatch=None)      # a fork showing only its parent: no warning
    assert "⚠️ 站点文件声明为" not in report_and_details(sample_results, lang="zh")
