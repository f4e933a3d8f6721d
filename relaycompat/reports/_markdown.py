"""``report.md``: the sample report's layout, with a summary on top and the truth in every cell.

A pure function of results.json, the baseline changes and the language: the generation time
comes from results.json, so re-rendering (or merging shards) gives the same bytes. Layout:

    # title, generation time, number of sites, run line
    ## changes since the baseline (or a line saying there was none)
    ## summary: verdict totals, compatibility per backend, site × endpoint matrix + legend
    ## one section per site: URL, credentials, backend, endpoint table, detailed responses
    footer disclaimer

Every piece of remote or user text goes through :mod:`._escape`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from .._advice import STATES as SITE_STATES
from .._advice import render as advice_text
from ._describe import (
    BACKEND_COLUMNS,
    SEPARATOR,
    backend_text,
    body_excerpt,
    credentials_text,
    latency_text,
    percent,
    schema_excerpt,
    state_counts_text,
    status_text,
)
from ._diff import Changes, ProbeChange, SiteChange, backend_version
from ._escape import md_code, md_fence, md_text, md_url
from ._figures import backend_figures, outcome_totals, site_state_counts, verdict_totals
from ._history_part import HistoryPart
from ._labels import Labels
from ._matrix import build_matrix
from ._states import probe_state, verdict_state

#: Bodies are cut here, as in the sample report (it cut at 3 000 characters).
BODY_CHARS = 3000
#: Rows shown per kind of change; the rest is counted.
CHANGE_ROWS = 50
#: Schema errors shown per probe.

Section = tuple[str, str]


def site_anchor(slug: str) -> str:
    return f"site-{slug}"


def _site_ref(name: str, slug: str, links: bool) -> str:
    text = md_text(name)
    return f"[{text}](#{site_anchor(slug)})" if links else text


def _table(header: Iterable[str], align: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# ---- header ---------------------------------------------------------------------------------
def header(results: dict[str, Any], labels: Labels) -> str:
    run = results.get("run") or {}
    tool = results.get("tool") or {}
    sites = results.get("sites", [])
    lines = [
        f"# {labels('title')}",
        "",
        f"> {labels('generated')}: {md_text(results.get('generated_at', '—'))}\\",
        f"> {labels('site_count')}: {len(sites)}\\",
        "> " + md_text(labels(
            "tool_line",
            version=tool.get("version", "?"),
            endpoints=len(results.get("catalogue") or []),
            mutating=labels.side_effects(run),
        )),
    ]
    shard = run.get("shard")
    if shard:
        lines.append(">")
        lines.append("> " + md_text(labels("shard_line", k=shard[0], n=shard[1])))
    missing = missing_shards(results)
    if missing:
        lines += ["", md_text(labels("missing_shards_line", shards=missing))]
    rotated = rotated_sites(results)
    if rotated:
        names = ("、" if labels.lang == "zh" else ", ").join(md_text(name) for name in rotated)
        lines += ["", labels("rotated_warning", n=len(rotated), sites=names)]
    return "\n".join(lines)


def missing_shards(results: dict[str, Any]) -> str:
    """``2/3, 3/3`` for the shards a merged run lacks ('' when none)."""
    return ", ".join(f"{k}/{n}" for k, n in (results.get("run") or {}).get("missing_shards") or [])


def rotated_sites(results: dict[str, Any]) -> list[str]:
    """Names of the sites whose access token the run rotated, in site order, for results without
    advice (earlier results.json, imported recordings): with advice, each site's says it."""
    rotated = set((results.get("run") or {}).get("rotated_tokens") or [])
    return [site["name"] for site in results.get("sites", []) if site["slug"] in rotated and "advice" not in site]


# ---- changes since the baseline -------------------------------------------------------------
def _probe_change_rows(items: list[ProbeChange], labels: Labels, links: bool) -> list[list[str]]:
    def cell(probe: dict[str, Any]) -> str:
        return f"{labels.symbol(probe_state(probe))} {md_text(labels.verdict(probe.get('verdict')))}"

    return [[_site_ref(c.site, c.slug, links), md_code(c.endpoint), cell(c.before), cell(c.now)] for c in items]


def _site_summary(site: dict[str, Any] | None, labels: Labels, *, backend: bool = False) -> str:
    if site is None:
        return "—"
    text = state_counts_text(site_state_counts(site), labels)
    return f"{md_text(backend_version(site))}{SEPARATOR}{text}" if backend else text


def changes_section(changes: Changes, labels: Labels, *, links: bool) -> str:
    parts = [f"## {labels('changes_title')}", ""]
    baseline = changes.baseline
    if baseline is None:
        if changes.problem:
            parts.append(md_text(labels("baseline_unreadable", path="--baseline", error=changes.problem)))
        else:
            parts.append(labels("no_baseline"))
        return "\n".join(parts)
    parts.append(md_text(labels("baseline_line", generated=baseline.get("generated_at", "?"),
                                sites=len(baseline.get("sites", [])))))
    if changes.empty:
        parts += ["", labels("no_changes")]
        return "\n".join(parts)
    head = [labels("col_site"), labels("col_endpoint"), labels("col_before"), labels("col_now")]
    for kind in Changes.PROBE_KINDS:
        items: list[ProbeChange] = getattr(changes, kind)
        if not items:
            continue
        parts += ["", f"### {labels(kind)} ({len(items)})", ""]
        parts.append(_table(head, [":--"] * 4, _probe_change_rows(items[:CHANGE_ROWS], labels, links)))
        if len(items) > CHANGE_ROWS:
            parts += ["", md_text(labels("changes_more", n=len(items) - CHANGE_ROWS))]
    site_head = [labels("col_site"), labels("col_before"), labels("col_now")]
    for kind in Changes.SITE_KINDS:
        site_items: list[SiteChange] = getattr(changes, kind)
        if not site_items:
            continue
        show_backend = kind in ("backend_changed", "sites_added", "sites_removed")
        rows = [[_site_ref(c.site, c.slug, links and c.now is not None),
                 _site_summary(c.before, labels, backend=show_backend),
                 _site_summary(c.now, labels, backend=show_backend)] for c in site_items[:CHANGE_ROWS]]
        parts += ["", f"### {labels(kind)} ({len(site_items)})", "", _table(site_head, [":--"] * 3, rows)]
        if len(site_items) > CHANGE_ROWS:
            parts += ["", md_text(labels("changes_more", n=len(site_items) - CHANGE_ROWS))]
    return "\n".join(parts)


# ---- summary --------------------------------------------------------------------------------
def totals_section(results: dict[str, Any], labels: Labels) -> str:
    rows = [[labels.symbol(verdict_state(verdict)), f"{md_text(labels.verdict(verdict))} {md_code(verdict)}", str(count)]
            for verdict, count in verdict_totals(results)]
    parts = [f"### {labels('totals_title')}", ""]
    parts.append(_table([labels("col_symbol"), labels("col_verdict"), labels("col_count")], [":-:", ":--", "--:"], rows))
    outcomes = outcome_totals(results)
    if outcomes:
        items = SEPARATOR.join(f"{labels.outcome(o)} {n}" for o, n in outcomes)
        parts += ["", md_text(labels("outcomes_line", items=items))]
    return "\n".join(parts)


def backend_section(results: dict[str, Any], labels: Labels) -> str:
    rows = []
    for figure in backend_figures(results):
        name = figure.backend or labels("backend_unknown")
        if figure.versions:
            name += " (" + ", ".join(figure.versions) + ")"
        rows.append([md_text(name), str(figure.sites), f"{figure.ok} / {figure.expected}", f"**{percent(figure.rate)}**",
                     str(figure.absent), str(figure.xpass), str(figure.skipped)])
    head = [labels(k) for k in BACKEND_COLUMNS]
    table = _table(head, [":--", "--:", "--:", "--:", "--:", "--:", "--:"], rows)
    return "\n".join([f"### {labels('backend_title')}", "", table, "", md_text(labels("backend_note"))])


def matrix_section(results: dict[str, Any], labels: Labels, *, links: bool) -> str:
    matrix = build_matrix(results)
    head = [labels("col_site"), labels("col_backend")] + [str(i) for i in range(1, len(matrix.endpoints) + 1)]
    rows = []
    for row in matrix.rows:
        backend = row.backend or labels("backend_unknown")  # versions are in the per-backend table
        cells = [labels.symbol(c.state) if c.state else "—" for c in row.cells]
        rows.append([_site_ref(row.name, row.slug, links), md_text(backend)] + cells)
    table = _table(head, [":--", ":--"] + [":-:"] * len(matrix.endpoints), rows)
    legend = SEPARATOR.join(f"{labels.symbol(s)} {md_text(labels.state(s))}" for s in matrix.states)
    key = SEPARATOR.join(f"{i} {md_code(e['path'], in_table=False)}" for i, e in enumerate(matrix.endpoints, start=1))
    return "\n".join([f"### {labels('matrix_title')}", "", table, "",
                      f"**{labels('legend')}**: {legend or '—'}", "", f"**{labels('endpoint_key')}**: {key}"])


def site_states_section(results: dict[str, Any], labels: Labels, *, links: bool) -> str:
    """How many sites are fine, need their credentials fixed, are broken or unreachable, and the
    ones that are not fine by name (their advice heads their section). Empty for results
    without states (earlier results.json, imported recordings)."""
    sites = [site for site in results.get("sites", []) if site.get("state")]
    if not sites:
        return ""
    counts = Counter(site["state"] for site in sites)
    items = SEPARATOR.join(f"{labels.site_state(state)} {counts[state]}" for state in SITE_STATES if counts[state])
    parts = [f"### {labels('site_states_title')}", "", md_text(items)]
    comma = "、" if labels.lang == "zh" else ", "
    for state in SITE_STATES[1:]:
        named = [site for site in sites if site["state"] == state]
        if named:
            refs = comma.join(_site_ref(site["name"], site["slug"], links) for site in named[:CHANGE_ROWS])
            more = f" {md_text(labels('site_states_more', n=len(named) - CHANGE_ROWS))}" if len(named) > CHANGE_ROWS else ""
            parts += ["", f"**{md_text(labels.site_state(state))}**: {refs}{more}"]
    return "\n".join(parts)


def summary_sections(results: dict[str, Any], labels: Labels, changes: Changes, *, links: bool,
                     history: HistoryPart | None = None) -> list[Section]:
    """The summary part, as named sections (the step summary may drop the big ones)."""
    return [
        ("header", header(results, labels)),
        ("changes", changes_section(changes, labels, links=links)),
        *([("history", history.markdown_summary(labels.lang, links=links))] if history else []),
        ("summary", f"## {labels('summary_title')}"),
        ("states", site_states_section(results, labels, links=links)),
        ("totals", totals_section(results, labels)),
        ("backends", backend_section(results, labels)),
        ("matrix", matrix_section(results, labels, links=links)),
    ]


# ---- one site -------------------------------------------------------------------------------
def _flag(value: Any) -> str:
    return "✅" if value else "❌"


def _body_block(response: dict[str, Any], labels: Labels) -> list[str]:
    shown, note = body_excerpt(response, labels, BODY_CHARS)
    if not shown:
        return [labels("empty_body")]
    content_type = str((response.get("headers") or {}).get("content-type", ""))
    info = "json" if shown.lstrip()[:1] in ("{", "[") else ("html" if "html" in content_type else "text")
    return [md_fence(shown, info)] + (["", "> " + md_text(note)] if note else [])


def _schema_block(schema: dict[str, Any] | None, labels: Labels) -> list[str]:
    shown, total = schema_excerpt(schema)
    if not shown:
        return []
    lines = [f"**{labels('schema_errors', n=total)}**", ""]
    for error in shown:
        text = labels("schema_error_line", expected=error.get("expected", "?"), actual=error.get("actual", "?"))
        lines.append(f"- {md_code(error.get('path', '$'), in_table=False)}: {md_text(text)}")
    if total > len(shown):
        lines.append(f"- {md_text(labels('schema_more', n=total - len(shown)))}")
    return lines


def test_message(probe: dict[str, Any]) -> str | None:
    """pytest's message for the probe, unless it only repeats the verdict and its reason."""
    message = probe.get("test_message")
    if not message or message in (probe.get("reason"), f"{probe.get('verdict')}: {probe.get('reason')}"):
        return None
    return str(message)


def _probe_details(endpoint: dict[str, Any], probe: dict[str, Any] | None, labels: Labels) -> str:
    parts = [f"#### {md_code(endpoint['path'], in_table=False)}", ""]
    source = labels("source_cell", documented=_flag(endpoint.get("documented")), in_code=_flag(endpoint.get("in_code")))
    parts += [f"**{labels('source')}**: {source}", ""]
    if probe is None:
        parts.append(f"**{labels('error')}**: {labels('not_sent')}")
        return "\n".join(parts)
    state = probe_state(probe)
    code = md_code(probe.get("verdict"), in_table=False)
    verdict = f"{labels.symbol(state)} {md_text(labels.verdict(probe.get('verdict')))} ({code})"
    line = [f"**{labels('status_code')}**: {status_text(probe.get('http_status'))}",
            f"**{labels('verdict')}**: {verdict}",
            f"**{labels('latency')}**: {latency_text(probe.get('elapsed_ms'))}"]
    if probe.get("retries"):
        line.append(md_text(labels("retries", n=probe["retries"])))
    parts += [SEPARATOR.join(line), "", f"> {md_text(probe.get('reason') or '—')}"]
    outcome = probe.get("outcome")
    if outcome and outcome != "passed":
        message = test_message(probe)
        text = f"**{labels('test_outcome')}**: {md_text(labels.outcome(outcome))}"
        parts += ["", text + (f" — {md_text(message)}" if message else "")]
    response = probe.get("response")
    if response is not None:
        error = response.get("error")
        if response.get("body"):
            parts += [""] + _body_block(response, labels)
        elif error and str(error) not in str(probe.get("reason") or ""):
            parts += ["", f"**{labels('error')}**: {md_text(error)}"]
        elif not error and probe.get("http_status") is not None:
            parts += ["", labels("empty_body")]
    schema = _schema_block(probe.get("schema"), labels)
    if schema:
        parts += [""] + schema
    return "\n".join(parts)


def advice_block(site: dict[str, Any], labels: Labels) -> list[str]:
    """The site's state and what to do about it, once, above its details (results.json ``advice``)."""
    if not site.get("state"):
        return []
    lines = [f"- **{labels('site_state')}**: {md_text(labels.site_state(site['state']))}"]
    advice = site.get("advice") or []
    if advice:
        lines += ["", f"> **{labels('advice_title')}**", ">"]
        lines += [f"> - {md_code(entry['code'], in_table=False)} {md_text(advice_text(entry, labels.lang))}" for entry in advice]
    return lines


def site_section(site: dict[str, Any], catalogue: list[dict[str, Any]], labels: Labels) -> str:
    backend, mismatch = backend_text(site, labels)
    parts = [f'<a id="{site_anchor(site["slug"])}"></a>', "", f"## {md_text(site['name'])}", ""]
    parts.append(f"- **{labels('url')}**: {md_url(site.get('url') or '—')}")
    parts.append(f"- **{labels('auth_status')}**: {md_text(credentials_text(site, labels))}")
    parts.append(f"- **{labels('backend')}**: {md_text(backend)}")
    if mismatch:
        parts.append(f"- {md_text(mismatch)}")
    parts.append(f"- **{labels('site_results')}**: {state_counts_text(site_state_counts(site), labels)}")
    if site.get("error"):
        parts.append(f"- **{labels('site_error')}**: {md_text(site['error'])}")
    parts += advice_block(site, labels)
    by_path = {p["endpoint"]: p for p in site.get("probes", [])}
    head = [labels(k) for k in ("col_endpoint", "col_desc", "col_documented", "col_in_code", "col_status",
                                "col_verdict", "col_latency", "col_result")]
    desc_key = "desc" if labels.lang == "zh" else "desc_en"
    rows = []
    for endpoint in catalogue:
        probe = by_path.get(endpoint["path"])
        row = [md_code(endpoint["path"]), md_text(endpoint.get(desc_key) or endpoint.get("desc") or ""),
               _flag(endpoint.get("documented")), _flag(endpoint.get("in_code"))]
        if probe is None:
            row += ["—", "—", "—", "—"]
        else:
            row += [status_text(probe.get("http_status")), md_text(labels.verdict(probe.get("verdict"))),
                    latency_text(probe.get("elapsed_ms")), labels.symbol(probe_state(probe))]
        rows.append(row)
    table = _table(head, [":-----", ":-----", ":----:", ":----:", ":----:", ":-----", "-----:", ":----:"], rows)
    parts += ["", f"### {labels('table_title')}", "", table, "", f"### {labels('details_title')}"]
    for endpoint in catalogue:
        parts += ["", _probe_details(endpoint, by_path.get(endpoint["path"]), labels)]
    return "\n".join(parts)


def footer(results: dict[str, Any], labels: Labels) -> str:
    return "ℹ️ " + md_text(labels("footer", generated=results.get("generated_at", "?")))


def render_markdown(results: dict[str, Any], labels: Labels, changes: Changes, history: HistoryPart | None = None) -> str:
    parts = [text for _, text in summary_sections(results, labels, changes, links=True, history=history) if text]
    catalogue = list(results.get("catalogue") or [])
    for site in results.get("sites", []):
        parts += ["---", site_section(site, catalogue, labels)]
        if history and (block := history.markdown_site(site["slug"], labels.lang)):
            parts.append(block)
    parts += ["---", footer(results, labels)]
    return "\n\n".join(parts) + "\n"
