"""Each site's state and advice in report.md and summary.html (results.json ``state``, ``advice``):
once per site, above its details, in the report's language; nothing for results without them."""

from __future__ import annotations

from typing import Any

from relaycompat.reports import render_report
from relaycompat.reports._changes import changes_since
from relaycompat.reports._html import summary_html
from relaycompat.reports._text import Labels

from ._inspect import report_and_details

ADVICE = {"code": "token_scope_missing", "message": "(the run's words)", "backend": "new-api v1.0.0-rc.41",
          "scopes": ["usage:read"], "endpoints": {"usage:read": ["/api/log/self?p=0&size=10", "/api/log/self/stat"]},
          "needed": ["profile:read", "api_key:read", "usage:read"], "create_at": "https://relay.example/console/personal"}


def with_states(results: dict[str, Any]) -> dict[str, Any]:
    first, second = results["sites"][0], results["sites"][1]
    for site in results["sites"]:
        site["state"], site["advice"] = "ok", []
    first["state"], first["advice"] = "credentials", [ADVICE]
    second["state"] = "broken"
    return results


def test_report_md_shows_a_sites_advice_once_above_its_table(sample_results: dict[str, Any]) -> None:
    results = with_states(sample_results)
    name = results["sites"][0]["name"]
    for lang, state, words in (("en", "credentials need attention", "The access token lacks usage:read, which cost 2 endpoints"),
                               ("zh", "凭据需要处理", "访问令牌缺少权限 usage:read，因此 2 个端点被拒绝")):
        text = report_and_details(results, lang=lang)
        section = text[text.index(f"## {name}"):]
        section = section[:section.index("\n---\n")]
        assert section.count(words) == 1 and text.count(words) == 1, "rendered in the report's language, once"
        assert section.index(words) < section.index("| `/api/status`"), "above the site's endpoint table"
        assert state in section
        summary = text[:text.index(f"## {name}")]
        assert state in summary and f"[{name}](details/" in summary, "the site states name the site in the summary"


def test_summary_html_shows_states_and_advice(sample_results: dict[str, Any]) -> None:
    results = with_states(sample_results)
    html = summary_html(results, Labels("en"), changes_since(results, None))
    assert html.count('class="rc-advice rc-site-credentials"') == 1 and "token_scope_missing" in html
    assert html.index("rc-advice") < html.index("rc-matrix"), "advice comes before the matrix"
    assert "credentials need attention <b>1</b>" in html and "broken <b>1</b>" in html


def test_results_without_states_render_as_before(sample_results: dict[str, Any]) -> None:
    text = render_report(sample_results, lang="en")
    assert "credentials need attention" not in text and "What to do" not in text
    assert "rc-advice" not in summary_html(sample_results, Labels("en"), changes_since(sample_results, None))
