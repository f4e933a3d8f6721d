"""The history in summary.html and at the top of report.html, drawn as inline SVG.

No script, no external reference, every text escaped (the summary's rules): a strip is one
``<svg>`` whose equal neighbouring runs are one rectangle (with a tooltip naming the runs), so a
steady site costs one rectangle, not twenty; the per-backend chart is one ``<svg>`` with a line
per backend. Endpoint strips are shown for the sites where an endpoint changed within the strip
(the others are counted in one line): at 500 sites the page stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..reports._html import h
from ._labels import HistoryLabels, status_parts
from ._markdown import counts, percent
from ._store import Run
from ._view import CHART_DAYS, UPTIME_DAYS, BackendPoint, HistoryReport, SiteHistory

CELL, GAP, HEIGHT = 9, 2, 14
SITE_COLOURS = {"ok": "#2da44e", "partial": "#e3a008", "down": "#cf222e", None: "#eaeef2"}
STATE_COLOURS = {"ok": "#2da44e", "xpass": "#0969da", "absent": "#c8d1da", "skipped": "#dde3e9", "schema": "#e3a008",
                 "auth": "#d1741f", "rate_limited": "#e3a008", "redirect": "#e3a008", None: "#f3f5f7"}
FAILED_COLOUR = "#cf222e"
#: Sites whose endpoint strips the page draws (the others are counted; report.md has them all).
ENDPOINT_SITES = 100
LINE_COLOURS = ("#0969da", "#1a7f37", "#bf3989", "#9a6700", "#8250df", "#cf222e", "#1b7c83", "#57606a")


def strip_svg(cells: Sequence[object], runs: Sequence[Run], colour: Callable[[object], str],
              title: Callable[[object], str], label: str, when: Callable[[int], str]) -> str:
    """One strip: neighbours of one colour merged into one rectangle, whose tooltip names the
    runs and what they were (a site down by a timeout, then a 521, is one red stretch)."""
    width = len(cells) * (CELL + GAP) - GAP if cells else CELL
    shapes, start = [], 0
    for index in range(1, len(cells) + 1):
        if index < len(cells) and colour(cells[index]) == colour(cells[start]):
            continue
        x, n = start * (CELL + GAP), index - start
        span = when(runs[start].started_at) + (f" → {when(runs[index - 1].started_at)} ({n})" if n > 1 else "")
        what = " / ".join(dict.fromkeys(title(cell) for cell in cells[start:index]))
        shapes.append(f'<rect x="{x}" y="0" width="{n * (CELL + GAP) - GAP}" height="{HEIGHT}" rx="2" '
                      f'fill="{colour(cells[start])}"><title>{h(span)} · {h(what)}</title></rect>')
        start = index
    ticks = "".join(f"M{i * (CELL + GAP) - GAP / 2:g} 0v{HEIGHT}" for i in range(1, len(cells)))
    if ticks:
        shapes.append(f'<path d="{ticks}" stroke="#fff" stroke-width="{GAP}"/>')
    return (f'<svg class="rc-strip" width="{width}" height="{HEIGHT}" viewBox="0 0 {width} {HEIGHT}" role="img" '
            f'aria-label="{h(label)}">{"".join(shapes)}</svg>')


def _site_strip(site: SiteHistory, report: HistoryReport, words: HistoryLabels) -> str:
    cells = [(c, n) for c, n in zip(site.cells, site.counts, strict=True)]

    def title(cell: object) -> str:
        status, numbers = cell  # type: ignore[misc]
        text = words.site_status(status or "none")
        return text + (" · " + words("site_cell_detail", passed=numbers[0], failed=numbers[1]) if numbers else "")

    return strip_svg(cells, report.strip, lambda c: SITE_COLOURS[c[0]], title,  # type: ignore[index]
                     f"{site.name}: {words('col_strip', n=len(report.strip))}", report.when)


def _state_colour(state: object) -> str:
    return STATE_COLOURS.get(state, FAILED_COLOUR)  # type: ignore[arg-type]


def _now_html(site: SiteHistory, report: HistoryReport, words: HistoryLabels) -> str:
    a = site.assessment
    last = next((c for c in reversed(site.cells) if c is not None), None)
    tone = "ok" if a.good else ("down" if a.down else "partial") if a.good is False else "none"
    badge = (f' <span class="rc-flapping">{h(words.document["flapping_symbol"])} '
             f'{h(words("flapping", n=a.changes, window=report.thresholds.window))}</span>' if a.flapping else "")
    parts = status_parts(a, report.thresholds, words, seconds=report.seconds)
    parts = [p for p in parts if not a.flapping or p != words("flapping", n=a.changes, window=report.thresholds.window)]
    return f'<span class="rc-h-{tone}">{swatch(SITE_COLOURS[last])} {h(" · ".join(parts))}</span>{badge}'


def chart_svg(backends: dict[str, list[BackendPoint]], start: int | None, end: int | None, words: HistoryLabels,
              when: Callable[[int], str]) -> str:
    """Compatibility (ok / expected ok) per backend over time: one row per backend on a shared time
    axis (small multiples: lines at the same rate never hide one another), 0 % at the bottom of
    each row and 100 % at its top, a dot per run with its figures as the tooltip."""
    rows = [(backend, [p for p in series if p.rate is not None]) for backend, series in backends.items()]
    rows = [(backend, known) for backend, known in rows if known]
    if not rows or start is None or end is None:
        return ""
    width, left, right, row_h, gap, top, bottom = 760, 110, 64, 34, 8, 6, 22
    height = top + len(rows) * (row_h + gap) + bottom
    first = min(start, min(p.at for _, known in rows for p in known))
    span = max(end - first, 1)
    plot_w = width - left - right

    def x(at: int) -> float:
        return left + (at - first) / span * plot_w if end > first else left + plot_w

    shapes = []
    for index, (backend, known) in enumerate(rows):
        colour = LINE_COLOURS[index % len(LINE_COLOURS)]
        y0 = top + index * (row_h + gap)

        def y(rate: float, y0: float = y0) -> float:
            return y0 + (1 - rate) * row_h

        shapes.append(f'<rect x="{left}" y="{y0}" width="{plot_w}" height="{row_h}" fill="#f6f8fa"/>'
                      f'<path d="M{left} {y0 + row_h / 2:g}H{left + plot_w}" stroke="#d0d7de" stroke-dasharray="3 3"/>'
                      f'<text x="{left - 8}" y="{y0 + row_h / 2 + 4:g}" text-anchor="end" fill="#24292f">{h(backend)}</text>')
        line = " ".join(f"{'M' if i == 0 else 'L'}{x(p.at):.1f} {y(p.rate or 0):.1f}" for i, p in enumerate(known))
        area = f"{line} L{x(known[-1].at):.1f} {y0 + row_h} L{x(known[0].at):.1f} {y0 + row_h} Z"
        shapes.append(f'<path d="{area}" fill="{colour}" fill-opacity="0.15"/>'
                      f'<path d="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        dots = known if len(known) <= 120 else known[-1:]
        shapes += [f'<circle cx="{x(p.at):.1f}" cy="{y(p.rate or 0):.1f}" r="2.5" fill="{colour}"><title>'
                   f'{h(backend)} · {h(when(p.at))} · {round(100 * (p.rate or 0))} % ({p.passed}/{p.expected})'
                   "</title></circle>" for p in dots]
        shapes.append(f'<text x="{left + plot_w + 8}" y="{y0 + row_h / 2 + 4:g}" font-weight="bold" fill="#24292f">'
                      f'{round(100 * (known[-1].rate or 0))} %</text>')
    axis_y = height - 6
    shapes.append(f'<text x="{left}" y="{axis_y}">{h(when(first))}</text>'
                  f'<text x="{left + plot_w}" y="{axis_y}" text-anchor="end">{h(when(end))}</text>'
                  f'<text x="{left - 8}" y="{axis_y}" text-anchor="end">0–100 %</text>')
    return (f'<svg class="rc-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{h(words("backend_title"))}" font-size="11" fill="#57606a">{"".join(shapes)}</svg>')


def swatch(colour: str) -> str:
    return (f'<svg width="11" height="11" class="rc-swatch"><rect width="11" height="11" rx="2" fill="{colour}"/></svg>')


def _endpoints_html(report: HistoryReport, words: HistoryLabels) -> str:
    window = report.thresholds.window
    changed = [s for s in report.sites if any(len({_state_colour(c) for c in e.cells}) > 1 for e in s.endpoints)]
    parts = [f"<h4>{h(words('endpoints_title'))}</h4>"]
    steady = len(report.sites) - len(changed)
    if steady:
        parts.append(f'<p class="rc-note">{h(words("endpoints_steady", n=steady, window=window))}</p>')
    if changed:
        parts.append(f'<p class="rc-note">{h(words("endpoints_changed", window=window))}</p>')
    for site in changed[:ENDPOINT_SITES]:
        rows = []
        for endpoint in site.endpoints:
            strip = strip_svg(endpoint.cells, report.strip, _state_colour,
                              lambda s, v=endpoint: words.state_name(s),  # type: ignore[misc]
                              f"{endpoint.path}: {words('col_strip', n=len(report.strip))}", report.when)
            state = next((c for c in reversed(endpoint.cells) if c is not None), None)
            since = (words("state_whole_strip", n=endpoint.runs) if endpoint.whole_strip
                     else words("state_since", time=report.when(endpoint.since), n=endpoint.runs))
            flap = (f' <span class="rc-flapping">{h(words.document["flapping_symbol"])}</span>'
                    if endpoint.assessment.flapping else "")
            rows.append(f"<tr><td><code>{h(endpoint.path)}</code></td><td>{strip}</td>"
                        f"<td>{swatch(_state_colour(state))} {h(words.state_name(state))}{flap}</td><td>{h(since)}</td></tr>")
        head = "".join(f"<th>{h(words(k, n=len(report.strip)))}</th>" for k in ("col_endpoint", "col_strip", "col_now", "col_since"))
        parts.append(f'<details class="rc-history-site"><summary>{_now_html(site, report, words)} — <b>{h(site.name)}</b>'
                     f'</summary><table class="rc-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
                     "</table></details>")
    if len(changed) > ENDPOINT_SITES:
        parts.append(f'<p class="rc-note">{h(words("endpoints_more", n=len(changed) - ENDPOINT_SITES))}</p>')
    return "".join(parts)


def summary_html(report: HistoryReport, lang: str) -> str:
    """The history fragment of the summary (a ``<div>``)."""
    words = HistoryLabels(lang)
    parts = [f'<div class="rc-history"><h3>{h(words("title"))}</h3>']
    if report.problem:
        return "".join(parts) + f'<p class="rc-warning">{h(words("unavailable", problem=report.problem))}</p></div>'
    t = report.thresholds
    plain = [words("runs_line", runs=report.total_runs, first=report.when(report.first_at), last=report.when(report.run_at), key=report.run_key),
             words("thresholds_line", down=t.down_after, up=t.up_after, flap=t.flap_changes, window=t.window)]
    if report.already_recorded:
        plain.append(words("already_recorded"))
    parts.append('<p class="rc-note">' + "<br>".join(h(line) for line in plain) + "</p>")
    parts.append(f"<p><b>{h(words('counts_line', **counts(report)))}</b></p>")
    head = [words("col_site"), words("col_now"), words("col_strip", n=len(report.strip))]
    head += [words("col_uptime", days=d) for d in UPTIME_DAYS]
    rows = []
    for site in report.sites:
        uptime = "".join(f'<td class="rc-num">{h(percent(*site.uptime[d]))}</td>' for d in UPTIME_DAYS)
        rows.append(f'<tr><th class="rc-site">{h(site.name)}</th><td>{_now_html(site, report, words)}</td>'
                    f"<td>{_site_strip(site, report, words)}</td>{uptime}</tr>")
    parts.append('<table class="rc-table rc-history-sites"><thead><tr>' + "".join(f"<th>{h(c)}</th>" for c in head)
                 + f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    legend = "".join(f'<span class="rc-legend-item">{swatch(SITE_COLOURS[s if s != "none" else None])} '
                     f"{h(words.site_status(s))}</span>" for s in ("ok", "partial", "down", "none"))
    parts.append(f'<p class="rc-legend"><b>{h(words("legend"))}</b>: {legend}</p>')
    if report.backends:
        start = report.run_at - CHART_DAYS * 86400 if report.run_at is not None else None
        first = min((p.at for series in report.backends.values() for p in series), default=start)
        parts.append(f"<h4>{h(words('backend_title'))}</h4>"
                     + chart_svg(report.backends, first, report.run_at, words, report.when)
                     + f'<p class="rc-note">{h(words("backend_note", days=CHART_DAYS))}</p>')
    parts.append(_endpoints_html(report, words))
    return "".join(parts) + "</div>"
