"""Schema errors are printed under the body, in both reports, escaped like any remote text."""

from __future__ import annotations

from typing import Any

from relaycompat.reports._html import evidence_html
from relaycompat.reports._text import Labels

from ._inspect import live_problems, markdown_shape, parse_html, report_and_details

ERRORS = [
    {"path": "$.data.quota", "keyword": "type", "expected": "type integer", "actual": "string '12'"},
    {"path": '$.data["<script>x</script>"]', "keyword": "required", "expected": "field 'id'", "actual": "no such field | x"},
]


def _mismatch(results: dict[str, Any]) -> dict[str, Any]:
    probe = next(p for p in results["sites"][0]["probes"] if p["endpoint"] == "/api/user/self")
    probe.update(verdict="schema_mismatch", outcome="failed",
                 schema={"schema_id": "new-api/api_user_self", "errors": ERRORS, "error_count": 27, "drift": []})
    return probe


def test_markdown_lists_schema_errors_under_the_body(sample_results: dict[str, Any]) -> None:
    _mismatch(sample_results)
    text = report_and_details(sample_results, lang="zh")
    section = text.split("#### `/api/user/self`", 1)[1].split("#### ", 1)[0]
    assert "**结论**: ⚠️ Schema 不符 (`schema_mismatch`)" in section
    body_end = section.rindex("```")
    errors = section.index("**Schema 错误（27）**")
    assert body_end < errors
    assert "- `$.data.quota`: 期望 type integer，实际 string '12'" in section
    assert "- `$.data[\"<script>x</script>\"]`: 期望 field 'id'，实际 no such field \\| x" in section
    assert "- …… 另有 25 个" in section
    assert markdown_shape(text).balanced


def test_html_evidence_lists_schema_errors(sample_results: dict[str, Any]) -> None:
    probe = _mismatch(sample_results)
    fragment = evidence_html(probe, Labels("en"), failed=True)
    tags, text = parse_html(fragment)
    assert live_problems(tags) == []
    assert "Schema errors (27)" in text
    assert '$.data["<script>x</script>"]: expected field \'id\', got no such field | x' in text
    assert "… and 25 more" in text
    assert fragment.index("rc-body") < fragment.index("rc-schema")
