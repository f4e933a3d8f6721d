"""The history in report.md, summary.html and the step summary; and reports without it as before."""

from __future__ import annotations

import re
from pathlib import Path

from relaycompat.history import Thresholds, record
from relaycompat.reports import write_reports

from .conftest import HOUR, T0, results, site

BROKEN = {"api_status": "server_error", "api_user_self": "server_error", "api_token": "server_error"}


def three_runs(tmp_path: Path, thresholds: Thresholds | None = None):  # type: ignore[no-untyped-def]
    """Three runs: ``b`` breaks in the second and recovers in the third; ``c`` is down throughout."""
    path = tmp_path / "h.db"
    documents = [results(f"r{i}", T0 + i * 6 * HOUR, site("a", "ok", name="Alpha"),
                         site("b", BROKEN if i == 2 else "ok", name="Beta <b>|x"), site("c", "connect_error", name="Gamma"))
                 for i in (1, 2, 3)]
    recorded = [record(path, d, thresholds=thresholds) for d in documents]
    return documents[-1], recorded[-1]


def table_row(markdown: str, name: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith(f"| [{name}]"))


def test_report_md_shows_since_when_and_the_strips(tmp_path: Path) -> None:
    document, recorded = three_runs(tmp_path)
    written = write_reports(document, tmp_path / "out", lang="en", history=recorded.report, step_summary=None)
    text = written.markdown.read_text(encoding="utf-8")
    history = text[text.index("## History"):text.index("## Summary")]
    assert "this run: r3" in history and "called down after 3 failing runs in a row and back up after 2" in history
    beta = table_row(history, r"Beta &lt;b&gt;\|x")  # the name escaped as everywhere in report.md
    assert "🟩🟥🟩" in beta or "🟩🟧🟩" in beta
    assert "ok since 2026-11-19 05:06 UTC (1 run)" in beta and "67 % (2/3)" in beta
    gamma = table_row(history, "Gamma")
    assert "🟥🟥🟥" in gamma and "failing since 2026-11-18 17:06 UTC (3 runs, the whole history) · down" in gamma
    assert "1 down · 0 recovering · 0 failing, not yet down · 0 flapping · 2 ok" in history
    assert "| new-api | 100 % | 100 % |" in history  # the per-backend sparkline table
    beta_section = (tmp_path / "out" / "details" / "b.md").read_text(encoding="utf-8")  # the site's details
    assert "### History of the endpoints" in beta_section
    assert re.search(r"\| `/api/status` \| ✅💥✅ \| ✅ ok \| since 2026-11-19 05:06 UTC \(1 run\) \|", beta_section)


def test_summary_html_draws_strips_and_the_backend_chart_as_inline_svg(tmp_path: Path) -> None:
    document, recorded = three_runs(tmp_path)
    written = write_reports(document, tmp_path / "out", lang="en", history=recorded.report, step_summary=None)
    page = written.summary_html.read_text(encoding="utf-8")
    history = page[page.index('<div class="rc-history">'):]
    assert history.count('<svg class="rc-strip"') >= 3 + 3  # a strip per site, and per endpoint of the changed site
    beta = history[history.index("Beta &lt;b&gt;|x</th>"):]
    beta = beta[:beta.index("</tr>")]
    assert [m for m in re.findall(r'fill="(#[0-9a-f]{6})"><title>', beta)] == ["#2da44e", "#cf222e", "#2da44e"]
    assert '<svg class="rc-chart"' in history and ">new-api</text>" in history
    assert page.count("<script") == 1 and "Beta <b>" not in page  # escaped; no script but the table sorter


def test_the_step_summary_carries_the_history_section(tmp_path: Path) -> None:
    document, recorded = three_runs(tmp_path)
    summary = tmp_path / "step.md"
    write_reports(document, tmp_path / "out", lang="en", history=recorded.report, step_summary=summary)
    text = summary.read_text(encoding="utf-8")
    assert "## History" in text and "| Gamma |" in text  # no links in the step summary


def test_thresholds_change_what_is_called_down_and_recovering(tmp_path: Path) -> None:
    document, recorded = three_runs(tmp_path, Thresholds(down_after=1, up_after=2))
    beta = next(s for s in recorded.report.sites if s.slug == "b")
    assert beta.assessment.recovering
    text = write_reports(document, tmp_path / "out", lang="en", history=recorded.report, step_summary=None).markdown.read_text()
    assert "recovering (back up after 2 in a row)" in table_row(text, r"Beta &lt;b&gt;\|x")


def test_flapping_is_marked(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    documents = [results(f"r{i}", T0 + i * HOUR, site("a", "ok" if i % 2 else BROKEN)) for i in range(6)]
    recorded = [record(path, d) for d in documents][-1]
    text = write_reports(documents[-1], tmp_path / "out", lang="en", history=recorded.report, step_summary=None)
    markdown = text.markdown.read_text()
    assert "〰️" in table_row(markdown, "a") and "flapping (5 changes in 20 runs)" in markdown
    assert 'class="rc-flapping"' in text.summary_html.read_text()


def test_without_history_the_reports_are_as_before(tmp_path: Path) -> None:
    document, recorded = three_runs(tmp_path)
    plain = write_reports(document, tmp_path / "plain", lang="en", step_summary=None)
    with_history = write_reports(document, tmp_path / "hist", lang="en", history=recorded.report, step_summary=None)
    markdown = plain.markdown.read_text()
    assert "## History" not in markdown and "History of the endpoints" not in markdown
    assert "rc-history" not in plain.summary_html.read_text()
    # the history adds sections and nothing else changes
    added = with_history.markdown.read_text()
    history = added[added.index("## History"):added.index("## Summary")]
    blocks = re.findall(r"### History of the endpoints\n.*?(?=\n\n---|\Z)", added, flags=re.S)
    stripped = added.replace(history, "")
    for block in blocks:
        stripped = stripped.replace("\n\n" + block, "")
    assert stripped == markdown


def test_a_history_that_cannot_be_used_is_one_line_in_the_reports(tmp_path: Path) -> None:
    bad = tmp_path / "h.db"
    bad.write_text("not a database", encoding="utf-8")
    document = results("r1", T0, site("a", "ok"))
    recorded = record(bad, document)
    written = write_reports(document, tmp_path / "out", lang="en", history=recorded.report, step_summary=None)
    section = written.markdown.read_text().split("## History", 1)[1].split("## Summary")[0].strip()
    assert section.startswith("History unavailable: ") and "not an SQLite database" in section and section.count("\n") == 0
    assert "History unavailable" in written.summary_html.read_text()


def test_reports_in_chinese(tmp_path: Path) -> None:
    document, recorded = three_runs(tmp_path)
    text = write_reports(document, tmp_path / "out", lang="zh", history=recorded.report, step_summary=None).markdown.read_text()
    assert "## 历史" in text and "正常，自 2026-11-19 05:06 UTC 起（1 次运行）" in text
