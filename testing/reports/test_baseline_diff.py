"""'Changes since' a baseline results.json: each kind of transition, the rendering, and the plugin option."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from relaycompat.reports import render_report
from relaycompat.reports._changes import changes_since, diff_results

from ..conftest import REPO_ROOT
from ._inspect import markdown_shape, table_cells, tables_after


def _site(results: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in results["sites"] if s["name"] == name)


def _probe(site: dict[str, Any], path: str) -> dict[str, Any]:
    return next(p for p in site["probes"] if p["endpoint"] == path)


def _drifted(sample: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(baseline, now): one example of every kind of change, on top of the sample's sites."""
    baseline, now = copy.deepcopy(sample), sample
    for doc in (baseline, now):
        for site in doc["sites"]:
            for probe in site["probes"]:
                probe["outcome"] = "passed" if probe["verdict"] == "ok" else "failed"
    first = _site(now, "随时跑路公益")
    _probe(first, "/api/status").update(verdict="server_error", outcome="failed")       # newly failing
    _probe(_site(baseline, "随时跑路公益"), "/api/user/groups").update(verdict="timeout", outcome="failed")  # newly passing
    _probe(_site(baseline, "ThatAPI"), "/api/prices").update(outcome="xfailed")
    _probe(_site(now, "ThatAPI"), "/api/prices").update(verdict="ok", outcome="xpassed")  # new XPASS
    for probe in _site(baseline, "anyrouter.top")["probes"]:                              # became unreachable
        probe.update(verdict="ok", outcome="passed")
    for probe in _site(baseline, "3344 API")["probes"]:                                   # back online
        probe.update(verdict="timeout", outcome="failed")
    _site(baseline, "薄荷 API")["backend"]["version"] = "v0.9.20"                         # version changed
    _site(baseline, "一叶知秋API")["backend"].update(detected="new-api", version=None)      # backend changed
    baseline["sites"] = [s for s in baseline["sites"] if s["name"] != "Free DuckCoding"]  # site added
    gone = copy.deepcopy(_site(baseline, "DuckCoding"))
    gone.update(name="Gone <b>site</b> | x", slug="gone")
    baseline["sites"].append(gone)                                                        # site removed
    baseline["generated_at"] = "2025-12-14T05:00:00Z"
    return baseline, now


def test_every_kind_of_change_is_found(sample_results: dict[str, Any]) -> None:
    baseline, now = _drifted(sample_results)
    changes = diff_results(now, baseline)
    assert [(c.site, c.endpoint) for c in changes.newly_failing] == [("随时跑路公益", "/api/status")]
    assert [(c.site, c.endpoint) for c in changes.newly_passing] == [("随时跑路公益", "/api/user/groups")]
    assert [(c.site, c.endpoint) for c in changes.new_xpass] == [("ThatAPI", "/api/prices")]
    assert [c.site for c in changes.became_unreachable] == ["anyrouter.top"]
    assert [c.site for c in changes.back_online] == ["3344 API"]
    assert [c.site for c in changes.backend_changed] == ["薄荷 API", "一叶知秋API"]
    assert [c.site for c in changes.sites_added] == ["Free DuckCoding"]
    assert [c.site for c in changes.sites_removed] == ["Gone <b>site</b> | x"]


def test_a_site_behind_an_origin_error_is_not_back_online(sample_results: dict[str, Any]) -> None:
    """2233 answers Cloudflare's 521 on every route: a response, but not from the backend. From
    timeouts to 521s it is still unreachable (the site state of results.json), so it is not 'back
    online', and its endpoints are not newly passing either."""
    baseline = copy.deepcopy(sample_results)
    for probe in _site(baseline, "2233")["probes"]:
        probe.update(verdict="timeout", outcome="failed")
    assert {p["verdict"] for p in _site(sample_results, "2233")["probes"]} == {"server_error"}
    changes = diff_results(sample_results, baseline)
    assert changes.back_online == [] and changes.became_unreachable == []
    assert [c for c in changes.newly_passing if c.site == "2233"] == []


def test_nothing_changed_against_itself(sample_results: dict[str, Any]) -> None:
    changes = diff_results(sample_results, copy.deepcopy(sample_results))
    assert changes.empty
    assert "与基线相比没有变化。" in render_report(sample_results, lang="zh", baseline=copy.deepcopy(sample_results))


def test_changes_come_first_and_render_as_tables(sample_results: dict[str, Any]) -> None:
    baseline, now = _drifted(sample_results)
    text = render_report(now, lang="zh", baseline=baseline)
    outside = markdown_shape(text).outside
    h2 = [line for line in outside if line.startswith("## ")]
    assert h2[:2] == ["## 自上次运行以来的变化", "## 概览"]
    assert "基线：2025-12-14T05:00:00Z 的 results.json（21 个站点）" in text
    failing = tables_after(outside, "### 新失败 (1)")[0]
    assert table_cells(failing[0]) == ["站点", "端点", "之前", "现在"]
    assert table_cells(failing[1]) == ["[随时跑路公益](details/site-01.md)", "`/api/status`", "✅ 正常", "💥 服务器错误"]
    for heading in ("### 新通过 (1)", "### 新的意外通过（后端本应缺少，现在可用） (1)", "### 变得无法连通的站点 (1)",
                    "### 恢复连通的站点 (1)", "### 后端或版本变化的站点 (2)", "### 新增站点 (1)", "### 移除的站点 (1)"):
        assert heading in outside, heading
    removed = tables_after(outside, "### 移除的站点 (1)")[0]
    assert table_cells(removed[1])[0] == "Gone &lt;b&gt;site&lt;/b&gt; \\| x"   # no link: it has no section
    versions = tables_after(outside, "### 后端或版本变化的站点 (2)")[0]
    assert table_cells(versions[1])[1].startswith("new-api v0.9.20 · ")
    assert table_cells(versions[1])[2].startswith("new-api v0.9.25 · ")


def test_without_a_baseline_the_section_says_so(sample_results: dict[str, Any]) -> None:
    for lang, line in (("zh", "没有基线：本次未提供 `--baseline`"), ("en", "No baseline: this run was given no `--baseline`")):
        text = render_report(sample_results, lang=lang)
        assert line in text
        assert text.index(line) < text.index("## 概览" if lang == "zh" else "## Summary")


def test_an_unreadable_baseline_is_reported_not_raised(sample_results: dict[str, Any], tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    changes = changes_since(sample_results, broken)
    assert changes.baseline is None and changes.problem and "broken.json" in changes.problem
    assert "无法读取" in render_report(sample_results, lang="zh", baseline=broken)


def test_the_plugin_option_feeds_both_reports(tmp_path: Path) -> None:
    """`pytest --baseline earlier/results.json`: report.md and the HTML summary open with the changes."""
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - {name: Public only, id: public-only, emulate: new-api-legacy}\n", encoding="utf-8")
    first, second = tmp_path / "first", tmp_path / "second"
    base = [sys.executable, "-m", "pytest", "tests", f"--sites={sites}", "-p", "no:cacheprovider", "-q", "-p", "no:xdist"]
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_STEP_SUMMARY"}
    done = subprocess.run([*base, f"--report-dir={first}"], cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode in (0, 1), done.stdout[-2000:]
    earlier = json.loads((first / "results.json").read_text(encoding="utf-8"))
    status = _probe(earlier["sites"][0], "/api/status")
    status.update(verdict="server_error", outcome="failed", reason="HTTP 502")
    (first / "results.json").write_text(json.dumps(earlier), encoding="utf-8")
    done = subprocess.run([*base, f"--report-dir={second}", f"--baseline={first / 'results.json'}"], cwd=REPO_ROOT,
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode in (0, 1), done.stdout[-2000:]
    markdown = (second / "report.md").read_text(encoding="utf-8")
    assert "### 新通过 (1)" in markdown
    assert "| [Public only](details/public-only.md) | `/api/status` | 💥 服务器错误 | ✅ 正常 |" in markdown
    page = (second / "report.html").read_text(encoding="utf-8")
    assert "新通过 (1)" in page
