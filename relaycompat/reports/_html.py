"""HTML: the summary (``summary.html``, and the top of pytest-html's ``report.html``), each site's
``details/<slug>.html``, and the evidence of one probe.

    summary (a <section>, no script)
        run line, shard and rotated-token warnings; changes since the baseline; verdict totals;
        compatibility per backend; backend × endpoint matrix; sites, broken first (linked to
        their details); site × endpoint matrix (up to MATRIX_SITES sites, else matrix.html)
    summary.html
        the summary as a page, whose tables sort when their headers are clicked (one inline
        script, allowed by its hash in the page's Content-Security-Policy; nothing else runs)
    details/<slug>.html
        one site: facts, the endpoint table, then the evidence of every probe (anchor: its id)

Every text is escaped with :func:`h`; no page loads anything from outside.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from .._advice import STATES as SITE_STATES
from .._advice import render as advice_text
from ._changes import Changes, ProbeChange, SiteChange
from ._facts import (
    CONDITIONS,
    STATES,
    Matrix,
    backend_figures,
    backend_matrix,
    backend_version,
    build_matrix,
    first_action,
    outcome_totals,
    probe_state,
    site_state_counts,
    statuses,
    verdict_state,
    verdict_totals,
)
from ._history_part import HistoryPart
from ._markdown import CHANGE_ROWS, CONDITION_SYMBOL, MATRIX_SITES
from ._text import (
    BACKEND_COLUMNS,
    SEPARATOR,
    Labels,
    backend_text,
    body_excerpt,
    credentials_text,
    detail_name,
    latency_text,
    missing_shards,
    percent,
    rotated_sites,
    schema_excerpt,
    short_backend,
    state_counts_text,
    status_text,
)

#: Characters of a body shown for probes whose test failed, and for the others.
BODY_CHARS_FAILED = 8000
BODY_CHARS_OTHER = 2000
#: Characters of a reason in a matrix cell's tooltip.
TIP_CHARS = 100
DETAILS = "details"


def h(text: object) -> str:
    """HTML-escaped text (quotes too, so it is safe in attribute values)."""
    return html.escape(str(text), quote=True)


def css() -> str:
    return resources.files("relaycompat.reports").joinpath("data/report.css").read_text("utf-8")


def detail_href(slug: str, anchor: str | None = None) -> str:
    """The link from a page of the report folder to a site's details page."""
    return f"{DETAILS}/{detail_name(slug)}.html" + (f"#{anchor}" if anchor else "")


def _table(head: list[str], rows: list[list[str]], cls: str = "rc-table") -> str:
    """``head`` and ``rows`` hold ready HTML (already escaped); a cell given as ``(html, sort key)``
    carries its sort key in ``data-sort``."""
    thead = "".join(f"<th>{cell}</th>" for cell in head)
    body = "".join("<tr>" + "".join(_td(cell) for cell in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{thead}</tr></thead><tbody>{body}</tbody></table>'


def _td(cell: str | tuple[str, object]) -> str:
    if isinstance(cell, tuple):
        return f'<td data-sort="{h(cell[1])}">{cell[0]}</td>'
    return f"<td>{cell}</td>"


def _state_badge(probe: dict[str, Any], labels: Labels) -> str:
    state = probe_state(probe)
    return f'<span class="rc-s-{state}">{h(labels.symbol(state))} {h(labels.verdict(probe.get("verdict")))}</span>'


def _site_link(name: str, slug: str) -> str:
    return f'<a href="{h(detail_href(slug))}">{h(name)}</a>'


# ---- the summary ------------------------------------------------------------------------------
def meta_html(results: Mapping[str, Any], labels: Labels) -> str:
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
        text = labels("rotated_warning", n=len(rotated), sites=labels.comma.join(rotated)).replace("`", "")
        parts.append(f'<p class="rc-warning">{h(text)}</p>')
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
            rows: list[list[str]] = [[_site_link(c.site, c.slug), f"<code>{h(c.endpoint)}</code>",
                                      _state_badge(c.before, labels), _state_badge(c.now, labels)]
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
        rows = [[_site_link(c.site, c.slug) if c.now is not None else h(c.site),
                 _describe_site(c.before, labels, with_backend), _describe_site(c.now, labels, with_backend)]
                for c in site_items[:CHANGE_ROWS]]
        parts.append(f'<h4 class="rc-change-{kind}">{h(labels(kind))} ({len(site_items)})</h4>' + _table(site_head, rows))
        if len(site_items) > CHANGE_ROWS:
            parts.append(f'<p class="rc-note">{h(labels("changes_more", n=len(site_items) - CHANGE_ROWS))}</p>')
    return "".join(parts)


def totals_html(results: Mapping[str, Any], labels: Labels) -> str:
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


def backends_html(results: Mapping[str, Any], labels: Labels) -> str:
    rows: list[list[str]] = []
    for figure in backend_figures(results):
        name = figure.backend or labels("backend_unknown")
        versions = f' <span class="rc-dim">{h(", ".join(figure.versions))}</span>' if figure.versions else ""
        bar = f'<span class="rc-bar"><span style="width:{round((figure.rate or 0) * 100)}%"></span></span>'
        rows.append([f"<b>{h(name)}</b>{versions}", str(figure.sites), f"{figure.ok} / {figure.expected}",
                     f"{bar} <b>{h(percent(figure.rate))}</b>", str(figure.absent), str(figure.xpass), str(figure.skipped)])
    head = [h(labels(k)) for k in BACKEND_COLUMNS]
    return (f"<h3>{h(labels('backend_title'))}</h3>" + _table(head, rows, "rc-table rc-numbers")
            + f'<p class="rc-note">{h(labels("backend_note"))}</p>')


def _endpoint_heads(endpoints: Sequence[Mapping[str, Any]], labels: Labels) -> str:
    desc_key = "desc" if labels.lang == "zh" else "desc_en"
    return "".join(
        f'<th class="rc-vertical" title="{h(e.get(desc_key) or e.get("desc") or "")}"><span>{h(e["path"])}</span></th>'
        for e in endpoints
    )


def backend_matrix_html(results: Mapping[str, Any], labels: Labels) -> str:
    endpoints, rows = backend_matrix(results)
    head = (f'<th class="rc-corner">{h(labels("col_backend"))}</th><th class="rc-corner">{h(labels("col_sites"))}</th>'
            + _endpoint_heads(endpoints, labels))
    body = []
    for row in rows:
        cells = []
        for endpoint, tally in zip(endpoints, row.tallies, strict=True):
            state = tally.symbol_state
            if state is None:
                cells.append('<td class="rc-cell rc-none">—</td>')
                continue
            tip = f"{endpoint['path']}: {tally.ok}/{tally.total} ok" + (
                f"{SEPARATOR}{labels.state(tally.state)}" if tally.state else "")
            cells.append(f'<td class="rc-cell rc-s-{state}" title="{h(tip)}">{h(labels.symbol(state))}'
                         f'<small> {tally.ok}/{tally.total}</small></td>')
        versions = f'<br><span class="rc-dim">{h(", ".join(row.versions))}</span>' if row.versions else ""
        name = h(row.backend or labels("backend_unknown"))
        body.append(f'<tr><th class="rc-site">{name}{versions}</th><td>{row.sites}</td>{"".join(cells)}</tr>')
    return (f"<h3>{h(labels('backend_matrix_title'))}</h3>"
            f'<p class="rc-note">{h(labels("backend_matrix_note"))}</p>'
            f'<div class="rc-matrix-wrap"><table class="rc-matrix rc-backend-matrix"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def status_html(results: Mapping[str, Any], labels: Labels) -> str:
    """Every site on one row, broken first: backend, condition, test counts, the first thing to do."""
    rows: list[list[Any]] = []
    for status in statuses(results.get("sites", [])):
        counts = state_counts_text(status.states, labels)
        condition = f'<span class="rc-s-{CONDITION_SYMBOL[status.condition]}">{h(labels.condition(status.condition))}</span>'
        rows.append([
            (_site_link(status.name, status.slug), status.name),
            h(short_backend(status, labels)),
            (condition, f"{CONDITIONS.index(status.condition)}-{status.index:06d}"),
            (h(counts), f"{status.failing:06d}"),
            h(status.first_action or "—"),
        ])
    head = [h(labels(k)) for k in ("col_site", "col_backend", "col_condition", "col_result", "col_first_action")]
    return (f"<h3>{h(labels('status_title'))}</h3><p class=\"rc-note\">{h(labels('status_note'))}</p>"
            + _table(head, rows, "rc-table rc-sortable rc-status"))


def matrix_table_html(matrix: Matrix, labels: Labels) -> str:
    head = f'<th class="rc-corner">{h(labels("col_site"))}</th><th class="rc-corner">{h(labels("col_backend"))}</th>'
    head += _endpoint_heads(matrix.endpoints, labels)
    body = []
    for row in matrix.rows:
        backend = " ".join(x for x in (row.backend, row.version) if x) if row.backend else labels("backend_unknown")
        cells = []
        for endpoint, cell in zip(matrix.endpoints, row.cells, strict=True):
            if cell.state is None:
                cells.append('<td class="rc-cell rc-none" data-sort="99">—</td>')
                continue
            reason = str(cell.reason or "")
            tip = f"{endpoint['path']}: {cell.verdict} — {reason[:TIP_CHARS]}{'…' if len(reason) > TIP_CHARS else ''}"
            cells.append(f'<td class="rc-cell rc-s-{cell.state}" data-sort="{STATES.index(cell.state):02d}" '
                         f'title="{h(tip)}">{h(labels.symbol(cell.state))}</td>')
        site = f'<th class="rc-site" title="{h(row.slug)}">{_site_link(row.name, row.slug)}</th><td class="rc-dim">{h(backend)}</td>'
        body.append(f'<tr>{site}{"".join(cells)}</tr>')
    legend = "".join(
        f'<span class="rc-legend-item rc-s-{state}">{h(labels.symbol(state))} {h(labels.state(state))}</span>'
        for state in matrix.states
    )
    return (f'<div class="rc-matrix-wrap"><table class="rc-matrix rc-sortable"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>'
            f'<p class="rc-legend"><b>{h(labels("legend"))}</b>: {legend}</p>')


def matrix_html(results: Mapping[str, Any], labels: Labels, *, elsewhere: str | None = None) -> str:
    """The site × endpoint matrix, or a line pointing to the page that has it (``elsewhere``, or
    matrix.html past MATRIX_SITES sites)."""
    title = f"<h3>{h(labels('matrix_title'))}</h3>"
    if elsewhere is None and len(results.get("sites", [])) > MATRIX_SITES:
        elsewhere = "matrix.html"
    if elsewhere:
        text = labels("matrix_elsewhere", n=len(results.get("sites", [])), where=elsewhere)
        return title + f'<p class="rc-note">{h(text)} <a href="{h(elsewhere)}">{h(elsewhere)}</a></p>'
    return title + matrix_table_html(build_matrix(results), labels)


def _advice_list(site: Mapping[str, Any], labels: Labels) -> str:
    return "".join(f'<li><code>{h(entry["code"])}</code> {h(advice_text(entry, labels.lang))}</li>'
                   for entry in site.get("advice") or [])


def advice_html(results: Mapping[str, Any], labels: Labels) -> str:
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
        state = site["state"]
        blocks.append(f'<div class="rc-advice rc-site-{state}"><h4>{_site_link(site["name"], site["slug"])} '
                      f'<span class="rc-dim">{h(labels.site_state(state))}</span></h4><ul>{_advice_list(site, labels)}</ul></div>')
    return (f"<h3>{h(labels('advice_title'))}</h3>" + f'<div class="rc-chips">{chips}</div>' + "".join(blocks))


def summary_html(results: Mapping[str, Any], labels: Labels, changes: Changes, history: HistoryPart | None = None, *,
                 matrix_elsewhere: str | None = None) -> str:
    """The summary fragment (a ``<section>``) for pytest-html's summary area or a page
    (``matrix_elsewhere``: a page that holds the site × endpoint matrix instead of this one)."""
    footer = labels("footer", generated=results.get("generated_at", "?"))
    return (
        f'<section class="rc-summary" lang="{h(labels.lang)}">'
        + meta_html(results, labels)
        + advice_html(results, labels)
        + changes_html(changes, labels)
        + (history.html_summary(labels.lang) if history else "")
        + totals_html(results, labels)
        + backends_html(results, labels)
        + backend_matrix_html(results, labels)
        + status_html(results, labels)
        + matrix_html(results, labels, elsewhere=matrix_elsewhere)
        + f'<p class="rc-footer">{h(footer)}</p></section>'
    )


# ---- pages ------------------------------------------------------------------------------------
#: Sorts a table.rc-sortable by the clicked column (a cell's data-sort, else its text); clicking
#: again reverses. The only script of summary.html; its hash is the only one the page allows.
SORT_SCRIPT = """
for (const table of document.querySelectorAll('table.rc-sortable')) {
  const heads = [...table.tHead.rows[0].cells];
  heads.forEach((th, column) => th.addEventListener('click', () => {
    const ascending = th.getAttribute('aria-sort') !== 'ascending';
    heads.forEach((other) => other.removeAttribute('aria-sort'));
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    const key = (row) => { const cell = row.cells[column]; return cell ? (cell.dataset.sort ?? cell.textContent) : ''; };
    const collator = new Intl.Collator(undefined, {numeric: true});
    const rows = [...table.tBodies[0].rows].map((row) => [key(row), row]);
    rows.sort((a, b) => ascending ? collator.compare(a[0], b[0]) : collator.compare(b[0], a[0]));
    const sorted = document.createDocumentFragment();
    for (const [, row] of rows) sorted.appendChild(row);
    table.tBodies[0].appendChild(sorted);
  }));
}
"""
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode("utf-8")).digest()).decode("ascii")


def page(title: str, body: str, labels: Labels, *, sortable: bool = False) -> str:
    """A self-contained page: the report's stylesheet inline, nothing loaded from anywhere, and
    no script but the table sorter (when ``sortable``)."""
    script_src = f"'sha256-{_SCRIPT_HASH}'" if sortable else "'none'"
    policy = f"default-src 'none'; style-src 'unsafe-inline'; script-src {script_src}"
    script = f"<script>{SORT_SCRIPT}</script>" if sortable else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{h(labels.lang)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{h(policy)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{h(title)}</title><style>{css()}</style></head>"
        f'<body class="rc-page">{body}{script}</body></html>\n'
    )


def summary_page(results: Mapping[str, Any], labels: Labels, changes: Changes, history: HistoryPart | None = None) -> str:
    """summary.html: the summary as a page whose tables sort."""
    title = labels("html_title")
    return page(title, f"<h1>{h(title)}</h1>{summary_html(results, labels, changes, history)}", labels, sortable=True)


def matrix_page(results: Mapping[str, Any], labels: Labels) -> str:
    """matrix.html: the site × endpoint matrix of a run too large to hold it in summary.html."""
    title = labels("matrix_title")
    back = f'<p><a href="summary.html">{h(labels("back_to_report"))}</a></p>'
    return page(title, f"<h1>{h(title)}</h1>{back}" + matrix_table_html(build_matrix(results), labels), labels, sortable=True)


def details_page(site: Mapping[str, Any], results: Mapping[str, Any], labels: Labels) -> str:
    """details/<slug>.html: one site's facts, its endpoint table, and the evidence of every probe."""
    backend, mismatch = backend_text(site, labels)
    action = first_action(site)
    facts = [(labels("url"), f"<code>{h(site.get('url') or '—')}</code>"),
             (labels("auth_status"), h(credentials_text(site, labels))),
             (labels("backend"), h(backend) + (f'<br><span class="rc-warning">{h(mismatch)}</span>' if mismatch else "")),
             (labels("site_results"), h(state_counts_text(site_state_counts(site), labels)))]
    if site.get("error"):
        facts.append((labels("site_error"), h(site["error"])))
    if site.get("state"):
        facts.append((labels("site_state"), h(labels.site_state(site["state"]))))
    if site.get("advice"):
        facts.append((labels("advice_title"), f'<ul class="rc-advice rc-site-{h(site.get("state"))}">{_advice_list(site, labels)}</ul>'))
    elif action:
        facts.append((labels("col_first_action"), h(action)))
    by_path = {p["endpoint"]: p for p in site.get("probes", [])}
    catalogue = list(results.get("catalogue") or [])
    desc_key = "desc" if labels.lang == "zh" else "desc_en"
    rows: list[list[Any]] = []
    sections = []
    for endpoint in catalogue:
        probe = by_path.get(endpoint["path"])
        anchor = h(endpoint.get("id") or endpoint["path"])
        path = f'<a href="#{anchor}"><code>{h(endpoint["path"])}</code></a>'
        desc = h(endpoint.get(desc_key) or endpoint.get("desc") or "")
        if probe is None:
            rows.append([path, desc, "—", "—", "—"])
        else:
            rows.append([path, desc, (h(status_text(probe.get("http_status"))), probe.get("http_status") or 0),
                         (_state_badge(probe, labels), f"{STATES.index(probe_state(probe)):02d}"),
                         (h(latency_text(probe.get("elapsed_ms"))), probe.get("elapsed_ms") or 0)])
        failed = probe is not None and probe.get("outcome") in ("failed", "error")
        sections.append(f'<section id="{anchor}"><h3><code>{h(endpoint["path"])}</code></h3>'
                        f"{evidence_html(probe, labels, failed=failed, limits=(BODY_CHARS_FAILED,) * 2)}</section>")
    head = [h(labels(k)) for k in ("col_endpoint", "col_desc", "col_status", "col_verdict", "col_latency")]
    generated = f"{labels('generated')}: {results.get('generated_at', '—')}"
    body = (f'<p><a href="../summary.html">{h(labels("back_to_report"))}</a>{h(SEPARATOR + generated)}</p>'
            f"<h1>{h(site.get('name', ''))}</h1>"
            + '<dl class="rc-facts">' + "".join(f"<dt>{h(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"
            + f"<h2>{h(labels('table_title'))}</h2>" + _table(head, rows, "rc-table rc-sortable")
            + f"<h2>{h(labels('details_title'))}</h2>" + "".join(sections)
            + f'<p class="rc-footer">{h(labels("footer", generated=results.get("generated_at", "?")))}</p>')
    return page(str(site.get("name", "")), body, labels, sortable=True)


# ---- the evidence of one probe ----------------------------------------------------------------
def _headers_table(headers: dict[str, Any] | None) -> str:
    rows = "".join(f"<tr><td>{h(name)}</td><td>{h(value)}</td></tr>" for name, value in (headers or {}).items())
    return f'<table class="rc-table rc-headers">{rows}</table>'


def _details(summary: str, content: str, *, open_: bool = False) -> str:
    return f"<details{' open' if open_ else ''}><summary>{summary}</summary>{content}</details>"


def _body(response: dict[str, Any], labels: Labels, limit: int) -> str:
    size = response.get("body_bytes")
    summary = h(labels("response_body")) + (f" · {size:,} {h(labels('bytes'))}" if isinstance(size, int) else "")
    shown, note = body_excerpt(response, labels, limit)
    if not shown:
        return _details(summary, f'<p class="rc-note">{h(labels("empty_body"))}</p>', open_=True)
    content = f'<pre class="rc-body">{h(shown)}</pre>' + (f'<p class="rc-note">{h(note)}</p>' if note else "")
    return _details(summary, content, open_=True)


def _schema(schema: dict[str, Any] | None, labels: Labels) -> str:
    shown, total = schema_excerpt(schema)
    if not shown:
        return ""
    items = "".join(
        f"<li><code>{h(e.get('path', '$'))}</code>: "
        f"{h(labels('schema_error_line', expected=e.get('expected', '?'), actual=e.get('actual', '?')))}</li>"
        for e in shown
    )
    if total > len(shown):
        items += f"<li>{h(labels('schema_more', n=total - len(shown)))}</li>"
    return f'<div class="rc-schema"><b>{h(labels("schema_errors", n=total))}</b><ul>{items}</ul></div>'


def evidence_html(probe: dict[str, Any] | None, labels: Labels, *, failed: bool,
                  limits: tuple[int, int] = (BODY_CHARS_FAILED, BODY_CHARS_OTHER)) -> str:
    """The evidence block of one probe (``None``: no record, which the block says)."""
    if probe is None:
        return f'<div class="rc-evidence"><p class="rc-note">{h(labels("no_evidence"))}</p></div>'
    state = probe_state(probe)
    parts = [
        f'<div class="rc-evidence"><p class="rc-verdict rc-s-{state}">{h(labels.symbol(state))} '
        f"<b>{h(labels.verdict(probe.get('verdict')))}</b> <code>{h(probe.get('verdict'))}</code>"
        f" — {h(probe.get('reason') or '')}</p>"
    ]
    request = probe.get("request")
    response = probe.get("response")
    facts = []
    if request:
        facts.append((labels("request"), f"<code>{h(request.get('method', 'GET'))} {h(request.get('url', ''))}</code>"))
    facts.append(("HTTP", h(status_text(probe.get("http_status")))))
    timing = latency_text(probe.get("elapsed_ms"))
    if probe.get("retries"):
        timing += SEPARATOR + labels("retries", n=probe["retries"])
    facts.append((labels("latency"), h(timing)))
    if response and response.get("error"):
        facts.append((labels("error"), h(response["error"])))
    if not request:
        facts.append((labels("error"), h(labels("not_sent"))))
    parts.append('<dl class="rc-facts">' + "".join(f"<dt>{h(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")
    if request:
        headers = request.get("headers") or {}
        parts.append(_details(f"{h(labels('request_headers'))} ({len(headers)})", _headers_table(headers)))
    if response:
        headers = response.get("headers") or {}
        parts.append(_details(f"{h(labels('response_headers'))} ({len(headers)})", _headers_table(headers)))
        parts.append(_body(response, labels, limits[0] if failed else limits[1]))
    parts.append(_schema(probe.get("schema"), labels))
    parts.append("</div>")
    return "".join(parts)
