"""The history in report.md: a section in the summary part, and a block in each site's section.

Summary: when the history starts, the thresholds, how many sites are down / recovering /
flapping, then one row per site: its status in words ("failing since … (N runs)"), a strip of
its last runs (🟩 ok, 🟧 some endpoints failing, 🟥 down, ⬜ not probed) and its uptime; then
the per-backend compatibility over time as a sparkline. Per site: one strip per endpoint, in
the matrix's symbols. Remote text goes through the reports' escaping.
"""

from __future__ import annotations

from ..reports._markdown import detail_link, md_code, md_table, md_text
from ._labels import HistoryLabels, status_parts
from ._view import UPTIME_DAYS, EndpointHistory, HistoryReport, SiteHistory


def percent(good: int, total: int) -> str:
    return f"{round(100 * good / total)} % ({good}/{total})" if total else "—"


def counts(report: HistoryReport) -> dict[str, int]:
    """How many sites are down, recovering, failing but not yet down, flapping, ok."""
    found = {"down": 0, "recovering": 0, "failing": 0, "flapping": 0, "ok": 0}
    for site in report.sites:
        a = site.assessment
        if a.flapping:
            found["flapping"] += 1
        if a.recovering:
            found["recovering"] += 1
        elif a.down:
            found["down"] += 1
        elif a.good is False:
            found["failing"] += 1
        elif a.good:
            found["ok"] += 1
    return found


def _now(site: SiteHistory, report: HistoryReport, words: HistoryLabels) -> str:
    last = next((c for c in reversed(site.cells) if c is not None), None)
    flap = f"{words.document['flapping_symbol']} " if site.assessment.flapping else ""
    return f"{words.site_symbol(last)} {flap}" + md_text(" · ".join(status_parts(site.assessment, report.thresholds, words, seconds=report.seconds)))


def _spark(rates: list[float | None], words: HistoryLabels) -> str:
    bars = str(words.document["spark"])
    return "".join(" " if r is None else bars[min(len(bars) - 1, int(r * len(bars)))] for r in rates)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)} %"


def header_lines(report: HistoryReport, words: HistoryLabels) -> list[str]:
    t = report.thresholds
    lines = [
        "> " + md_text(words("runs_line", runs=report.total_runs, first=report.when(report.first_at), last=report.when(report.run_at),
                             key=report.run_key)) + "\\",
        "> " + md_text(words("thresholds_line", down=t.down_after, up=t.up_after, flap=t.flap_changes, window=t.window)),
    ]
    if report.already_recorded:
        lines += [">", "> " + md_text(words("already_recorded"))]
    return lines


def summary_markdown(report: HistoryReport, lang: str, *, links: bool = True) -> str:
    words = HistoryLabels(lang)
    parts = [f"## {words('title')}", ""]
    if report.problem:
        return "\n".join(parts + [md_text(words("unavailable", problem=report.problem))])
    parts += header_lines(report, words)
    parts += ["", md_text(words("counts_line", **counts(report)))]
    head = [words("col_site"), words("col_now"), words("col_strip", n=len(report.strip))]
    head += [words("col_uptime", days=days) for days in UPTIME_DAYS]
    rows = []
    for site in report.sites:
        name = md_text(site.name)
        cell = f"[{name}]({detail_link(site.slug)})" if links else name
        strip = "".join(words.site_symbol(c) for c in site.cells)
        rows.append([cell, _now(site, report, words), strip] + [percent(*site.uptime[d]) for d in UPTIME_DAYS])
    parts += ["", md_table(head, [":--", ":--", ":--"] + ["--:"] * len(UPTIME_DAYS), rows)]
    legend = " · ".join(f"{words.site_symbol(s)} {md_text(words.site_status(s))}" for s in ("ok", "partial", "down", "none"))
    parts += ["", f"**{words('legend')}**: {legend}"]
    if report.backends:
        parts += ["", backends_markdown(report, words)]
    return "\n".join(parts)


def backends_markdown(report: HistoryReport, words: HistoryLabels) -> str:
    from ._view import CHART_DAYS

    window = report.thresholds.window
    rows = []
    for backend, points in report.backends.items():
        rates = [p.rate for p in points]
        last = points[-1].rate if points and points[-1].at == report.run_at else None
        rows.append([md_text(backend), _rate(rates[0] if rates else None), _rate(last), _spark(rates[-window:], words)])
    head = [words("col_backend"), words("col_first"), words("col_last"), words("col_trend", n=window)]
    return "\n".join([f"### {words('backend_title')}", "", md_table(head, [":--", "--:", "--:", ":--"], rows), "",
                      md_text(words("backend_note", days=CHART_DAYS))])


def _endpoint_row(endpoint: EndpointHistory, report: HistoryReport, words: HistoryLabels) -> list[str]:
    strip = "".join(words.state_symbol(c) for c in endpoint.cells)
    state = next((c for c in reversed(endpoint.cells) if c is not None), None)
    now = f"{words.state_symbol(state)} {md_text(words.state_name(state))}"
    if endpoint.assessment.flapping:
        now += f" {words.document['flapping_symbol']} " + md_text(
            words("flapping", n=endpoint.assessment.changes, window=report.thresholds.window))
    elif endpoint.assessment.down:
        now += " · " + md_text(words("down_tag"))
    if endpoint.whole_strip:
        since = words("state_whole_strip", n=endpoint.runs)
    else:
        since = words("state_since", time=report.when(endpoint.since), n=endpoint.runs)
    return [md_code(endpoint.path), strip, now, md_text(since)]


def site_markdown(report: HistoryReport, slug: str, lang: str) -> str:
    """The history block of one site's section ('' when the history has nothing on it)."""
    site = report.site(slug)
    if report.problem or site is None:
        return ""
    words = HistoryLabels(lang)
    status = md_text(" · ".join(status_parts(site.assessment, report.thresholds, words, seconds=report.seconds)))
    head = [words("col_endpoint"), words("col_strip", n=len(report.strip)), words("col_now"), words("col_since")]
    rows = [_endpoint_row(e, report, words) for e in site.endpoints]
    return "\n".join([f"### {words('endpoints_title')}", "", f"**{words('col_now')}**: {status}", "",
                      md_table(head, [":--", ":--", ":--", ":--"], rows)])

