"""The evidence of one test as an HTML fragment: request, status, headers, body, schema errors.

Built from the probe's stored record (already redacted) on the controller, and attached to the
test's row in pytest-html. Every value is escaped; bodies are cut shorter for tests that went
as expected, to keep the report light (pytest-html renders the whole JSON blob in the browser).
"""

from __future__ import annotations

from typing import Any

from ._describe import SEPARATOR, body_excerpt, latency_text, schema_excerpt, status_text
from ._escape import h
from ._labels import Labels
from ._states import probe_state

#: Characters of a body shown for tests that failed, and for the others.
BODY_CHARS_FAILED = 8000
BODY_CHARS_OTHER = 2000
#: Body characters the whole report may carry. Past ~750 tests the per-test cuts shrink (to a
#: floor), so a 500-site report stays a size a browser opens and the controller can build.
BODY_BUDGET = 12_000_000
BODY_FLOOR = 300


def body_limits(planned_tests: int) -> tuple[int, int]:
    """(characters for a failed test's body, for any other test's) in a report of that many tests."""
    share = BODY_BUDGET // max(planned_tests, 1)
    return min(BODY_CHARS_FAILED, max(BODY_FLOOR * 4, share * 2)), min(BODY_CHARS_OTHER, max(BODY_FLOOR, share // 2))


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
