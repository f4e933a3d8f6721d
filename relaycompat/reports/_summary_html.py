"""The summary as HTML: changes, verdict totals, compatibility per backend, the matrix and its legend.

The same fragment goes into pytest-html's summary area and into the standalone summary.html
that ``python -m relaycompat merge`` writes. Every text is escaped; the fragment has no script,
no event handler and no external reference.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from .._advice import STATES as SITE_STATES
from .._advice import render as advice_text
from ._describe import BACKEND_COLUMNS, SEPARATOR, percent, state_counts_text
from ._diff import Changes, ProbeChange, SiteChange, backend_version
from ._escape import h
from ._figures import backend_figures, outcome_totals, site_state_counts, verdict_totals
from ._history_part import HistoryPart
from ._labels import Labels
from ._markdown import CHANGE_ROWS, missing_shards, rotated_sites
from ._matrix import build_matrix
from ._states import probe_state, verdict_state


def css() -> str:
    return resources.files("relaycompat.reports").joinpath("data/report.css").read_text("utf-8")


def _table(head: list[str], rows: list[list[str]], cls: str = "rc-table") -> str:
    """``head`` and ``rows`` hold ready HTML (already escaped)."""
    thead = "".join(f"<th>{cell}</th>" for cell in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{thead}</tr></thead><tbody>{body}</tbody></table>'


def _state_badge(probe: dict[str, Any], labels: Labels) -> str:
    state = probe_state(probe)
    return f'<span class="rc-s-{state}">{h(labels.symbol(state))} {h(labels.verdict(probe.get("verdict")))}</span>'


def meta_html(results: dict[str, Any], labels: Labels) -> str:
    run = results.get("run") or {}
    tool = results.get("tool") or {}
    items = [
        f"{labels('generated')}: {results.get('generated_at', '—')}",
        f"{labels('site_count')}: {len(results.get('sites', []))}",
        labels("tool_line", version=tool.get("version", "?"), endpoints=len(results.get("catalogue") or []),
               mutating=labels.side_effects(run)),
    ]
    parts = [f'<p class="rc-meta">{h(SEPARATOR.join(items))}</p>']
    if run.get("shard"):
        parts.append(f'<p class="rc-warning">{h(labels("shard_line", k=run["shard"][0], n=run["shard"][1]))}</p>')
    if missing_shards(results):
        parts.append(f'<p class="rc-warning">{h(labels("missing_shards_line", shards=missing_shards(results)))}</p>')
    rotated = rotated_sites(results)
    if rotated:
        names = ("、" if labels.lang == "zh" else ", ").join(rotated)
        parts.append(f'<p class="rc-warning">{h(labels("rotated_warning", n=len(rotated), sites=names).replace("`", ""))}</p>')
    return "".join(parts)


def _describe_site(site: dict[str, Any] | None, labels: Labels, with_backend: bool) -> str:
    if site is None:
        return "—"
    counts = state_counts_text(site_state_counts(site), labels)
    return h(f"{backend_version(site)}{SEPARATOR}{counts}" if with_backend else counts)


def changes_html(changes: Changes, labels: Labels) -> str:
    parts = [f"<h3>{h(labels('changes_title'))}</h3>"]
    baseline = changes.baseline
    if baseline is None:
        problem = changes.problem
        text = labels("baseline_unreadable", path="--baseline", error=problem) if problem else labels("no_baseline")
        parts.append(f'<p class="rc-note">{h(text.replace("`", ""))}</p>')
        return "".join(parts)
    line = labels("baseline_line", generated=baseline.get("generated_at", "?"), sites=len(baseline.get("sites", [])))
    parts.append(f'<p class="rc-note">{h(line)}</p>')
    if changes.empty:
        parts.append(f"<p>{h(labels('no_changes'))}</p>")
        return "".join(parts)
    head = [h(labels(k)) for k in ("col_site", "col_endpoint", "col_before", "col_now")]
    for kind in Changes.PROBE_KINDS:
        items: list[ProbeChange] = getattr(changes, kind)
        if items:
            rows = [[h(c.site), f"<code>{h(c.endpoint)}</code>", _state_badge(c.before, labels), _state_badge(c.now, labels)]
                    for c in items[:CHANGE_ROWS]]
            parts.append(f'<h4 class="rc-change-{kind}">{h(labels(kind))} ({len(items)})</h4>' + _table(head, rows))
            if len(items) > CHANGE_ROWS:
                parts.append(f'<p class="rc-note">{h(labels("changes_more", n=len(items) - CHANGE_ROWS))}</p>')
    site_head = [h(labels(k)) for k in ("col_site", "col_before", "col_now")]
    for kind in Changes.SITE_KINDS:
        site_items: list[SiteChange] = getattr(changes, kind)
        if not site_items:
            continue
        with_backend = kind in ("backend_changed", "sites_added", "sites_removed")
        rows = [[h(c.site), _describe_site(c.before, labels, with_backend), _describe_site(c.now, labels, with_backend)]
                for c in site_items[:CHANGE_ROWS]]
        parts.append(f'<h4 class="rc-change-{kind}">{h(labels(kind))} ({len(site_items)})</h4>' + _table(site_head, rows))
    return "".join(parts)


def totals_html(results: dict[str, Any], labels: Labels) -> str:
    chips = "".join(
        f'<span class="rc-chip rc-s-{verdict_state(verdict)}" title="{h(verdict)}">'
        f"{h(labels.symbol(verdict_state(verdict)))} {h(labels.verdict(verdict))} <b>{count}</b></span>"
        for verdict, count in verdict_totals(results)
    )
    parts = [f"<h3>{h(labels('totals_title'))}</h3>", f'<div class="rc-chips">{chips}</div>']
    outcomes = outcome_totals(results)
    if outcomes:
        items = SEPARATOR.join(f"{labels.outcome(o)} {n}" for o, n in outcomes)
        parts.append(f'<p class="rc-note">{h(labels("outcomes_line", items=items))}</p>')
    return "".join(parts)


def backends_html(results: dict[str, Any], labels: Labels) -> str:
    rows = []
    for figure in backend_figures(results):
        name = figure.backend or labels("backend_unknown")
        versions = f' <span class="rc-dim">{h(", ".join(figure.versions))}</span>' if figure.versions else ""
        bar = f'<span class="rc-bar"><span style="width:{round((figure.rate or 0) * 100)}%"></span></span>'
        rows.append([f"<b>{h(name)}</b>{versions}", str(figure.sites), f"{figure.ok} / {figure.expected}",
                     f"{bar} <b>{h(percent(figure.rate))}</b>", str(figure.absent), str(figure.xpass), str(figure.skipped)])
    head = [h(labels(k)) for k in BACKEND_COLUMNS]
    return (f"<h3>{h(labels('backend_title'))}</h3>" + _table(head, rows, "rc-table rc-numbers")
            + f'<p class="rc-note">{h(labels("backend_note"))}</p>')


def matrix_html(results: dict[str, Any], labels: Labels) -> str:
    matrix = build_matrix(results)
    desc_key = "desc" if labels.lang == "zh" else "desc_en"
    head = f'<th class="rc-corner">{h(labels("col_site"))}</th><th class="rc-corner">{h(labels("col_backend"))}</th>'
    head += "".join(
        f'<th class="rc-vertical" title="{h(e.get(desc_key) or e.get("desc") or "")}"><span>{h(e["path"])}</span></th>'
        for e in matrix.endpoints
    )
    body = []
    for row in matrix.rows:
        backend = " ".join(x for x in (row.backend, row.version) if x) if row.backend else labels("backend_unknown")
        cells = []
        for endpoint, cell in zip(matrix.endpoints, row.cells, strict=True):
            if cell.state is None:
                cells.append('<td class="rc-cell rc-none">—</td>')
                continue
            tip = f"{row.name} · {endpoint['path']}: {cell.verdict} — {cell.reason or ''}"
            cells.append(f'<td class="rc-cell rc-s-{cell.state}" title="{h(tip)}">{h(labels.symbol(cell.state))}</td>')
        site = f'<th class="rc-site" title="{h(row.slug)}">{h(row.name)}</th><td class="rc-dim">{h(backend)}</td>'
        body.append(f'<tr>{site}{"".join(cells)}</tr>')
    legend = "".join(
        f'<span class="rc-legend-item rc-s-{state}">{h(labels.symbol(state))} {h(labels.state(state))}</span>'
        for state in matrix.states
    )
    return (f"<h3>{h(labels('matrix_title'))}</h3>"
            f'<div class="rc-matrix-wrap"><table class="rc-matrix"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>'
            f'<p class="rc-legend"><b>{h(labels("legend"))}</b>: {legend}</p>')


def advice_html(results: dict[str, Any], labels: Labels) -> str:
    """Site states, then each site's advice once (results.json ``state``, ``advice``); empty for
    results without states (earlier results.json, imported recordings)."""
    sites = [site for site in results.get("sites", []) if site.get("state")]
    if not sites:
        return ""
    counts = {state: sum(1 for site in sites if site["state"] == state) for state in SITE_STATES}
    chips = "".join(f'<span class="rc-chip rc-site-{state}">{h(labels.site_state(state))} <b>{n}</b></span>'
                    for state, n in counts.items() if n)
    blocks = []
    for site in sites:
        if not site.get("advice"):
            continue
        items = "".join(f'<li><code>{h(entry["code"])}</code> {h(advice_text(entry, labels.lang))}</li>' for entry in site["advice"])
        state = site["state"]
        blocks.append(f'<div class="rc-advice rc-site-{state}"><h4>{h(site["name"])} '
                      f'<span class="rc-dim">{h(labels.site_state(state))}</span></h4><ul>{items}</ul></div>')
    return (f"<h3>{h(labels('advice_title'))}</h3>" + f'<div class="rc-chips">{chips}</div>' + "".join(blocks))


def summary_html(results: dict[str, Any], labels: Labels, changes: Changes, history: HistoryPart | None = None) -> str:
    """The summary fragment (a ``<section>``) for pytest-html's summary area or a page."""
    footer = labels("footer", generated=results.get("generated_at", "?"))
    return (
        f'<section class="rc-summary" lang="{h(labels.lang)}">'
        + meta_html(results, labels)
        + advice_html(results, labels)
        + changes_html(changes, labels)
        + (history.html_summary(labels.lang) if history else "")
        + totals_html(results, labels)
        + backends_html(results, labels)
        + matrix_html(results, labels)
        + f'<p class="rc-footer">{h(footer)}</p></section>'
    )


def summary_page(results: dict[str, Any], labels: Labels, changes: Changes, history: HistoryPart | None = None) -> str:
    """summary.html: the same summary as a self-contained page (no script, nothing external)."""
    title = h(labels("html_title"))
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{h(labels.lang)}"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{css()}</style></head>"
        f'<body class="rc-page"><h1>{title}</h1>{summary_html(results, labels, changes, history)}</body></html>\n'
    )
