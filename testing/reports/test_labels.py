"""--report-lang: every label exists in both languages, and an English report has no Chinese labels."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from relaycompat._config import LANGUAGES
from relaycompat._verdicts import VERDICTS
from relaycompat.reports import render_report
from relaycompat.reports._facts import STATES
from relaycompat.reports._text import Labels, _document

from ._inspect import markdown_shape, report_and_details, table_cells, tables_after


def _keys(table: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in table.items():
        keys |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return keys


def test_both_languages_have_the_same_labels() -> None:
    document = _document()
    assert _keys(document["zh"]) == _keys(document["en"])
    assert set(document["symbols"]) == set(STATES)
    for lang in LANGUAGES:
        assert set(document[lang]["verdicts"]) == set(VERDICTS)
        assert set(document[lang]["states"]) == set(STATES)


def test_format_fields_match_between_languages() -> None:
    document = _document()
    fields = re.compile(r"\{(\w+)\}")
    for key in _keys(document["zh"]):
        zh, en = document["zh"], document["en"]
        for part in key.split("."):
            zh, en = zh[part], en[part]
        assert set(fields.findall(str(zh))) == set(fields.findall(str(en))), key


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="expected one of zh, en"):
        Labels("fr")


def test_english_report(sample_results: dict[str, Any]) -> None:
    text = report_and_details(sample_results, lang="en")
    outside = markdown_shape(text).outside
    assert outside[0] == "# API endpoint compatibility report"
    assert outside[2].startswith("> Generated: 2025-12-15T05:44:43.748Z") and outside[3].startswith("> Sites tested: 21")
    h2 = [line for line in outside if line.startswith("## ")]
    assert h2[:2] == ["## Changes since the last run", "## Summary"]
    table = tables_after(outside, "### Endpoint results")[0]
    assert table_cells(table[0]) == ["Endpoint", "Description", "Documented", "In code", "Status", "Verdict", "Latency", "Result"]
    assert table_cells(table[1])[1] == "System status"          # desc_en, not 说明
    assert "### Responses" in outside and "**Legend**: ✅ ok" in text
    labels_zh = yaml.safe_dump(_document()["zh"], allow_unicode=True)
    for word in ("生成时间", "端点测试结果", "详细响应", "图例", "没有基线", "来源", "状态码", "结论", "认证状态", "已配置"):
        assert word in labels_zh and word not in text, word


def test_language_defaults_to_the_runs(sample_results: dict[str, Any]) -> None:
    sample_results["run"]["report_lang"] = "en"
    assert render_report(sample_results).startswith("# API endpoint compatibility report")
    assert render_report(sample_results, lang="zh").startswith("# API 端点响应测试报告")
