"""$GITHUB_STEP_SUMMARY: the summary part only, appended, and never past GitHub's 1 MiB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from relaycompat.reports import write_reports
from relaycompat.reports._changes import Changes
from relaycompat.reports._files import LIMIT, append_step_summary
from relaycompat.reports._markdown import fit, summary_sections
from relaycompat.reports._text import Labels

from ._inspect import markdown_shape, raw_html_outside_fences


def _many_sites(results: dict[str, Any], copies: int) -> dict[str, Any]:
    """``copies`` times the sites (without their bodies: the summary does not show them)."""
    big = {**results}
    lean = [{**site, "probes": [{k: v for k, v in p.items() if k not in ("request", "response")} for p in site["probes"]]}
            for site in results["sites"]]
    big["sites"] = [{**site, "slug": f"{site['slug']}-{n}", "name": f"{site['name']} #{n}"}
                    for n in range(copies) for site in lean]
    return big


def test_the_summary_part_is_appended_without_site_details(sample_results: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("# earlier step output\n", encoding="utf-8")
    written = write_reports(sample_results, tmp_path / "out", lang="zh", step_summary=target)
    text = target.read_text(encoding="utf-8")
    assert written.step_summary == target
    assert text.startswith("# earlier step output\n\n# API 端点响应测试报告")
    assert "## 自上次运行以来的变化" in text and "### 站点 × 端点矩阵" in text
    assert "### 端点测试结果" not in text and "### 详细响应" not in text
    assert "](#site-" not in text                       # the site sections are not there to link to
    assert markdown_shape(text).balanced and raw_html_outside_fences(text) == []


def test_env_variable_is_the_default_target(sample_results: dict[str, Any], tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "from-env.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    write_reports(sample_results, tmp_path / "out", lang="en")
    assert target.read_text(encoding="utf-8").startswith("# API endpoint compatibility report")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    write_reports(sample_results, tmp_path / "out2", lang="en")
    assert target.read_text(encoding="utf-8").count("# API endpoint compatibility report") == 1


def test_a_huge_run_stays_under_the_limit_and_says_what_it_left_out(sample_results: dict[str, Any], tmp_path: Path) -> None:
    big = _many_sites(sample_results, 300)                # 6 300 sites: the matrix alone is > 1 MiB
    labels = Labels("zh")
    sections = summary_sections(big, labels, Changes(None), links=False)
    assert len("\n\n".join(t for _, t in sections).encode()) > LIMIT
    target = tmp_path / "summary.md"
    appended = append_step_summary(target, sections, labels)
    size = target.stat().st_size
    assert 0 < size < LIMIT
    assert "### 站点 × 端点矩阵" not in appended
    assert "为保持在 GitHub 步骤摘要 1 MiB 的限制内，省略了：站点 × 端点矩阵" in appended
    assert "## 自上次运行以来的变化" in appended and "### 结论统计" in appended


def test_what_is_already_in_the_file_counts(sample_results: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_bytes(b"x" * (LIMIT - 40_000))
    labels = Labels("en")
    append_step_summary(target, summary_sections(sample_results, labels, Changes(None), links=False), labels)
    assert target.stat().st_size < LIMIT
    full = tmp_path / "full.md"
    full.write_bytes(b"x" * (LIMIT - 100))
    assert append_step_summary(full, summary_sections(sample_results, labels, Changes(None), links=False), labels) == ""
    assert full.stat().st_size == LIMIT - 100


def test_drop_order_keeps_the_changes_longest() -> None:
    labels = Labels("en")
    sections = [("header", "# T"), ("changes", "C" * 100), ("summary", "## S"), ("totals", "t" * 100),
                ("backends", "b" * 100), ("matrix", "m" * 1000)]
    assert "m" * 1000 in fit(sections, 10_000, labels)
    small = fit(sections, 800, labels)
    assert "m" * 1000 not in small and "C" * 100 in small and "b" * 100 in small
    smaller = fit(sections, 300, labels)
    assert "C" * 100 in smaller and "t" * 100 not in smaller and "b" * 100 not in smaller
    assert len(fit(sections, 120, labels).encode()) <= 120


def test_sites_that_do_not_fit_are_cut_to_the_first_rows(sample_results: dict[str, Any], tmp_path: Path) -> None:
    """At thousands of sites the step summary still lists sites: the first rows of the table
    (broken first, as report.md orders them) that fit, and says how many it left out."""
    big = _many_sites(sample_results, 300)                # 6 300 sites: their table alone is > 1 MiB
    labels = Labels("en")
    sections = summary_sections(big, labels, Changes(None), links=False)
    full_rows = [line for line in dict(sections)["status"].splitlines() if line.startswith("| ")]
    assert len(dict(sections)["status"].encode()) > LIMIT
    target = tmp_path / "summary.md"
    appended = append_step_summary(target, sections, labels)
    assert target.stat().st_size < LIMIT
    rows = [line for line in appended.split("### Sites", 1)[1].splitlines() if line.startswith("| ")]
    assert 1_000 < len(rows) - 1 < 6_300
    assert rows == full_rows[: len(rows)]                 # the table's own first rows, in its order
    assert f"only the first {len(rows) - 1} of 6300 sites are listed (broken first)" in appended
    assert "### Backend × endpoint" in appended and markdown_shape(appended).balanced
