"""Markdown: ``report.md``, each site's ``details/<slug>.md``, and the step summary's text.

Pure functions of results.json, the baseline changes and the language (the generation time comes
from results.json, so re-rendering or merging shards gives the same bytes). ``report.md`` is what
a reader needs first, and stays small at thousands of sites (GitHub renders a preview only below
about 2 MB); each site's full detail is one click away:

    report.md
        # title, generation time, number of sites, run line
        ## changes since the baseline (or a line saying there was none)
        ## summary: verdict totals; compatibility per backend; backend × endpoint matrix;
           sites, broken first (backend, result, counts, the first thing to do; linked);
           site × endpoint matrix (up to MATRIX_SITES sites; else in matrix.md)
        footer
    details/<slug>.md
        the sample report's layout for one site: URL, credentials, backend, the endpoint table
        (端点 | 说明 | 文档 | 代码 | 状态 | 结论 | 耗时 | 结果), then every response

Remote and user text goes through :func:`md_text`, :func:`md_code`, :func:`md_fence` or
:func:`md_url`; nothing a site sends can change the structure of a report.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._advice import STATES as SITE_STATES
from .._advice import render as advice_text
from ._changes import Changes, ProbeChange, SiteChange
from ._facts import (
    Matrix,
    SiteStatus,
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
    one_line,
    percent,
    rotated_sites,
    schema_excerpt,
    short_backend,
    state_counts_text,
    status_text,
    test_message,
)

#: Bodies are cut here, as in the sample report (it cut at 3 000 characters).
BODY_CHARS = 3000
#: Rows shown per kind of change; the rest is counted.
CHANGE_ROWS = 50
#: Up to this many sites, report.md holds the site × endpoint matrix; beyond, matrix.md does.
MATRIX_SITES = 1000
#: Characters of "the first thing to do" in a table cell (the site's details say the rest).
ACTION_CHARS = 160
#: Where each site's details go, relative to report.md.
DETAILS = "details"

Section = tuple[str, str]

# ---- escaping ---------------------------------------------------------------------------------
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~#!])")
_BACKTICKS = re.compile(r"`+")
_PIPE = re.compile(r"(\\*)\|")
_SAFE_URL = re.compile(r"https?://[^\s<>`|\\\[\]\"']+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def md_text(text: object) -> str:
    """Plain text for a Markdown line or table cell: shows exactly as written, changes nothing."""
    escaped = html.escape(one_line(text), quote=False)  # & < > first: no tags, no entities
    return _MD_PUNCT.sub(r"\\\1", escaped)


def md_code(text: object, *, in_table: bool = True) -> str:
    """An inline code span; pipes are escaped inside tables (GFM splits cells before spans)."""
    content = one_line(text)
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    ticks = "`" * (longest + 1)
    if in_table:  # GFM reads `\\` as one escaped char: a pipe needs an odd run of backslashes
        content = _PIPE.sub(lambda m: m.group(1) * 2 + "\\|", content)
    pad = " " if content.startswith("`") or content.endswith("`") or not content.strip() else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


def md_fence(body: str, info: str = "") -> str:
    """A fenced code block holding ``body`` verbatim, whatever fences it contains itself."""
    body = _CONTROL.sub("\ufffd", body.replace("\r\n", "\n").replace("\r", "\n"))
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def md_url(url: object) -> str:
    """A clickable autolink for an ordinary http(s) URL, else the URL as inert code."""
    text = one_line(url)
    if _SAFE_URL.fullmatch(text):
        return f"<{text}>"
    return md_code(text, in_table=False)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def md_table(header: Iterable[str], align: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def site_anchor(slug: str) -> str:
    return f"site-{slug}"


def detail_link(slug: str) -> str:
    """report.md's link to a site's details."""
    return f"{DETAILS}/{detail_name(slug)}.md"


def _site_ref(name: str, slug: str, links: bool) -> str:
    text = md_text(name)
    return f"[{text}]({detail_link(slug)})" if links else text


# ---- header -----------------------------------------------------------------------------------
def header(results: Mapping[str, Any], labels: Labels) -> str:
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
        names = labels.comma.join(md_text(name) for name in rotated)
        lines += ["", labels("rotated_warning", n=len(rotated), sites=names)]
    return "\n".join(lines)


# ---- changes since the baseline ---------------------------------------------------------------
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
        parts.append(md_table(head, [":--"] * 4, _probe_change_rows(items[:CHANGE_ROWS], labels, links)))
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
        parts += ["", f"### {labels(kind)} ({len(site_items)})", "", md_table(site_head, [":--"] * 3, rows)]
        if len(site_items) > CHANGE_ROWS:
            parts += ["", md_text(labels("changes_more", n=len(site_items) - CHANGE_ROWS))]
    return "\n".join(parts)


# ---- summary ----------------------------------------------------------------------------------
def totals_section(results: Mapping[str, Any], labels: Labels) -> str:
    rows = [[labels.symbol(verdict_state(verdict)), f"{md_text(labels.verdict(verdict))} {md_code(verdict)}", str(count)]
            for verdict, count in verdict_totals(results)]
    parts = [f"### {labels('totals_title')}", ""]
    parts.append(md_table([labels("col_symbol"), labels("col_verdict"), labels("col_count")], [":-:", ":--", "--:"], rows))
    outcomes = outcome_totals(results)
    if outcomes:
        items = SEPARATOR.join(f"{labels.outcome(o)} {n}" for o, n in outcomes)
        parts += ["", md_text(labels("outcomes_line", items=items))]
    return "\n".join(parts)


def backend_section(results: Mapping[str, Any], labels: Labels) -> str:
    rows = []
    for figure in backend_figures(results):
        name = figure.backend or labels("backend_unknown")
        if figure.versions:
            name += " (" + ", ".join(figure.versions) + ")"
        rows.append([md_text(name), str(figure.sites), f"{figure.ok} / {figure.expected}", f"**{percent(figure.rate)}**",
                     str(figure.absent), str(figure.xpass), str(figure.skipped)])
    head = [labels(k) for k in BACKEND_COLUMNS]
    table = md_table(head, [":--", "--:", "--:", "--:", "--:", "--:", "--:"], rows)
    return "\n".join([f"### {labels('backend_title')}", "", table, "", md_text(labels("backend_note"))])


def _endpoint_key(endpoints: Sequence[Mapping[str, Any]], labels: Labels) -> str:
    key = SEPARATOR.join(f"{i} {md_code(e['path'], in_table=False)}" for i, e in enumerate(endpoints, start=1))
    return f"**{labels('endpoint_key')}**: {key}"


def backend_matrix_section(results: Mapping[str, Any], labels: Labels) -> str:
    endpoints, rows = backend_matrix(results)
    head = [labels("col_backend"), labels("col_sites")] + [str(i) for i in range(1, len(endpoints) + 1)]
    lines = []
    for row in rows:
        cells = []
        for tally in row.tallies:
            state = tally.symbol_state
            cells.append(f"{labels.symbol(state)} {tally.ok}/{tally.total}" if state else "—")
        lines.append([md_text(row.backend or labels("backend_unknown")), str(row.sites)] + cells)
    table = md_table(head, [":--", "--:"] + [":-:"] * len(endpoints), lines)
    return "\n".join([f"### {labels('backend_matrix_title')}", "", md_text(labels("backend_matrix_note")), "", table, "",
                      _endpoint_key(endpoints, labels)])


def status_row(status: SiteStatus, labels: Labels, links: bool) -> list[str]:
    counts = state_counts_text(status.states, labels)
    action = md_text(_cut(status.first_action, ACTION_CHARS)) if status.first_action else "—"
    return [_site_ref(status.name, status.slug, links), md_text(short_backend(status, labels)),
            md_text(labels.condition(status.condition)),
            md_text(counts), action]


#: The symbol of a site's condition (the legend's, reused).
CONDITION_SYMBOL = {"broken": "error", "unreachable": "unreachable", "credentials": "auth", "xpass": "xpass", "ok": "ok"}


def site_states_section(results: Mapping[str, Any], labels: Labels, *, links: bool) -> str:
    """How many sites are fine, need their credentials fixed, are broken or unreachable, and the
    ones that are not fine by name (their advice heads their details). Empty for results
    without states (earlier results.json, imported recordings)."""
    sites = [site for site in results.get("sites", []) if site.get("state")]
    if not sites:
        return ""
    counts = Counter(site["state"] for site in sites)
    items = SEPARATOR.join(f"{labels.site_state(state)} {counts[state]}" for state in SITE_STATES if counts[state])
    parts = [f"### {labels('site_states_title')}", "", md_text(items)]
    for state in SITE_STATES[1:]:
        named = [site for site in sites if site["state"] == state]
        if named:
            refs = labels.comma.join(_site_ref(site["name"], site["slug"], links) for site in named[:CHANGE_ROWS])
            more = f" {md_text(labels('site_states_more', n=len(named) - CHANGE_ROWS))}" if len(named) > CHANGE_ROWS else ""
            parts += ["", f"**{md_text(labels.site_state(state))}**: {refs}{more}"]
    return "\n".join(parts)


def status_section(results: Mapping[str, Any], labels: Labels, *, links: bool) -> str:
    rows = [status_row(status, labels, links) for status in statuses(results.get("sites", []))]
    head = [labels(k) for k in ("col_site", "col_backend", "col_condition", "col_result", "col_first_action")]
    return "\n".join([f"### {labels('status_title')}", "", md_text(labels("status_note")), "",
                      md_table(head, [":--"] * 5, rows)])


def matrix_table(matrix: Matrix, labels: Labels, *, links: bool) -> str:
    head = [labels("col_site"), labels("col_backend")] + [str(i) for i in range(1, len(matrix.endpoints) + 1)]
    rows = []
    for row in matrix.rows:
        backend = row.backend or labels("backend_unknown")  # versions are in the per-backend table
        cells = [labels.symbol(c.state) if c.state else "—" for c in row.cells]
        rows.append([_site_ref(row.name, row.slug, links), md_text(backend)] + cells)
    table = md_table(head, [":--", ":--"] + [":-:"] * len(matrix.endpoints), rows)
    legend = SEPARATOR.join(f"{labels.symbol(s)} {md_text(labels.state(s))}" for s in matrix.states)
    return "\n".join([table, "", f"**{labels('legend')}**: {legend or '—'}", "", _endpoint_key(matrix.endpoints, labels)])


def matrix_section(results: Mapping[str, Any], labels: Labels, *, links: bool) -> str:
    """The site × endpoint matrix, or, past MATRIX_SITES sites, a line pointing to matrix.md."""
    title = f"### {labels('matrix_title')}"
    if len(results.get("sites", [])) > MATRIX_SITES:
        where = "[matrix.md](matrix.md)" if links else "matrix.md"
        return "\n".join([title, "", labels("matrix_elsewhere", n=len(results["sites"]), where=where)])
    return "\n".join([title, "", matrix_table(build_matrix(results), labels, links=links)])


def matrix_page(results: Mapping[str, Any], labels: Labels) -> str:
    """matrix.md: the site × endpoint matrix of a run too large to hold it in report.md."""
    return "\n\n".join([f"# {labels('matrix_title')}", f"[{labels('back_to_report')}](report.md)",
                        matrix_table(build_matrix(results), labels, links=True)]) + "\n"


def summary_sections(results: Mapping[str, Any], labels: Labels, changes: Changes, *, links: bool,
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
        ("backend_matrix", backend_matrix_section(results, labels)),
        ("status", status_section(results, labels, links=links)),
        ("matrix", matrix_section(results, labels, links=links)),
    ]


def footer(results: Mapping[str, Any], labels: Labels) -> str:
    return "ℹ️ " + md_text(labels("footer", generated=results.get("generated_at", "?")))


def render_markdown(results: Mapping[str, Any], labels: Labels, changes: Changes, history: HistoryPart | None = None) -> str:
    """report.md."""
    parts = [text for _, text in summary_sections(results, labels, changes, links=True, history=history) if text]
    return "\n\n".join([*parts, "---", footer(results, labels)]) + "\n"


# ---- the step summary -------------------------------------------------------------------------
#: Sections left out first when the summary does not fit, in this order.
DROP_ORDER = ("matrix", "status", "backend_matrix", "backends", "states", "totals", "changes")
_TITLES = {"matrix": "matrix_title", "status": "status_title", "backend_matrix": "backend_matrix_title",
           "states": "site_states_title",
           "backends": "backend_title", "totals": "totals_title", "changes": "changes_title"}


#: Sections whose table is cut to its first rows, rather than dropped, when it does not fit: the
#: sites, broken first, so that a step summary of thousands of sites still names the broken ones.
SHORTENED = ("status",)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _first_rows(section: str, room: int, labels: Labels) -> str | None:
    """``section`` with its table cut to the rows that fit in ``room`` bytes and a line saying so;
    ``None`` when not even one row fits."""
    lines = section.split("\n")
    rows = [i for i, line in enumerate(lines) if line.startswith("|")][2:]  # past the head and its rule

    def cut(keep: int) -> str:
        return "\n".join(lines[: rows[keep - 1] + 1]) + "\n\n" + labels("summary_sites_cut", shown=keep, total=len(rows))

    low, high = 0, len(rows)  # the most rows that fit, by bisection: cut(low) fits (or low == 0)
    while low < high:
        middle = (low + high + 1) // 2
        if _size(cut(middle)) <= room:
            low = middle
        else:
            high = middle - 1
    return cut(low) if low else None


def fit(sections: list[Section], budget: int, labels: Labels) -> str:
    """The sections joined, leaving out whole sections (the sites table: its last rows first, then
    cutting) until under ``budget`` bytes."""
    kept = list(sections)
    dropped: list[str] = []

    def render(chosen: list[Section]) -> str:
        parts = [text for _, text in chosen if text]
        if dropped:
            parts.append(labels("summary_cut", parts=", ".join(dropped)))
        return "\n\n".join(parts) + "\n"

    text = render(kept)
    for name in DROP_ORDER:
        if _size(text) <= budget:
            return text
        if any(n == name for n, _ in kept):
            section = dict(kept)[name]
            room = budget - _size(render([(n, t) for n, t in kept if n != name])) - 2
            shortened = _first_rows(section, room, labels) if name in SHORTENED else None
            if shortened:
                kept = [(n, shortened if n == name else t) for n, t in kept]
            else:
                kept = [(n, t) for n, t in kept if n != name]
                dropped.append(labels(_TITLES[name]))
            text = render(kept)
    if _size(text) <= budget:
        return text
    note = "\n\n" + labels("summary_cut", parts="…") + "\n"
    room = max(budget - _size(note), 0)
    cut = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    cut = cut[: cut.rfind("\n") + 1] if "\n" in cut else ""
    return cut + note if _size(cut + note) <= budget else ""


# ---- one site's details -----------------------------------------------------------------------
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


def _probe_details(endpoint: Mapping[str, Any], probe: dict[str, Any] | None, labels: Labels) -> str:
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


def advice_block(site: Mapping[str, Any], labels: Labels) -> list[str]:
    """The site's state and what to do about it, once, above its details (results.json ``advice``)."""
    if not site.get("state"):
        return []
    lines = [f"- **{labels('site_state')}**: {md_text(labels.site_state(site['state']))}"]
    advice = site.get("advice") or []
    if advice:
        lines += ["", f"> **{labels('advice_title')}**", ">"]
        lines += [f"> - {md_code(entry['code'], in_table=False)} {md_text(advice_text(entry, labels.lang))}" for entry in advice]
    return lines


def site_section(site: Mapping[str, Any], catalogue: Sequence[Mapping[str, Any]], labels: Labels) -> str:
    """One site, as the sample report laid it out: facts, the endpoint table, every response."""
    backend, mismatch = backend_text(site, labels)
    action = first_action(site)
    parts = [f'<a id="{site_anchor(str(site["slug"]))}"></a>', "", f"## {md_text(site['name'])}", ""]
    parts.append(f"- **{labels('url')}**: {md_url(site.get('url') or '—')}")
    parts.append(f"- **{labels('auth_status')}**: {md_text(credentials_text(site, labels))}")
    parts.append(f"- **{labels('backend')}**: {md_text(backend)}")
    if mismatch:
        parts.append(f"- {md_text(mismatch)}")
    parts.append(f"- **{labels('site_results')}**: {state_counts_text(site_state_counts(site), labels)}")
    if site.get("error"):
        parts.append(f"- **{labels('site_error')}**: {md_text(site['error'])}")
    advice = advice_block(site, labels)
    if advice:
        parts += advice
    elif action:
        parts.append(f"- **{labels('col_first_action')}**: {md_text(action)}")
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
    table = md_table(head, [":-----", ":-----", ":----:", ":----:", ":----:", ":-----", "-----:", ":----:"], rows)
    parts += ["", f"### {labels('table_title')}", "", table, "", f"### {labels('details_title')}"]
    for endpoint in catalogue:
        parts += ["", _probe_details(endpoint, by_path.get(endpoint["path"]), labels)]
    return "\n".join(parts)


def details_page(site: Mapping[str, Any], results: Mapping[str, Any], labels: Labels,
                 history: HistoryPart | None = None) -> str:
    """details/<slug>.md: a link back to the report, the site's section, its history."""
    back = f"[{labels('back_to_report')}](../report.md)"
    generated = md_text(f"{labels('generated')}: {results.get('generated_at', '—')}")
    catalogue = list(results.get("catalogue") or [])
    parts = [f"{back}{SEPARATOR}{generated}", site_section(site, catalogue, labels)]
    if history and (block := history.markdown_site(str(site["slug"]), labels.lang)):
        parts.append(block)
    return "\n\n".join([*parts, "---", footer(results, labels)]) + "\n"
