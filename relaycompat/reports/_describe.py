"""Plain-text descriptions of sites and probes, shared by the Markdown and HTML renderers.

Everything returned here is unescaped text; each renderer escapes it for its own format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from ._labels import Labels
from ._states import STATES, detected_backend

SEPARATOR = " · "
#: Schema errors a report lists for one probe (the rest are counted).
SCHEMA_ERRORS = 20
#: Label keys of the per-backend table's columns.
BACKEND_COLUMNS = ("col_backend", "col_sites", "col_ok_expected", "col_rate", "col_absent", "col_xpass", "col_skipped")


def latency_text(elapsed_ms: float | None) -> str:
    return "—" if elapsed_ms is None else f"{elapsed_ms:,.0f} ms"


def status_text(status: int | None) -> str:
    return "—" if status is None else str(status)


def credentials_text(site: Mapping[str, Any], labels: Labels) -> str:
    creds = site.get("credentials") or {}
    names = [labels(f"cred_{key}") for key in ("access_token", "api_key", "user_id") if creds.get(key)]
    kind = creds.get("access_token_kind")
    if kind and names:  # the kind of token, never its value (results.json credentials.access_token_kind)
        names[0] += f": {labels.token_kind(kind)}" if labels.lang == "en" else f"：{labels.token_kind(kind)}"
    if not names:
        return labels("auth_none")
    comma = "、" if labels.lang == "zh" else ", "
    head = labels("auth_configured") if creds.get("access_token") else labels("auth_partial")
    return f"{head} ({comma.join(names)})" if labels.lang == "en" else f"{head}（{comma.join(names)}）"


def backend_text(site: Mapping[str, Any], labels: Labels) -> tuple[str, str | None]:
    """The backend line of a site and, when the site file disagrees with detection, a warning."""
    backend = site.get("backend") or {}
    declared = backend.get("declared")
    detected = detected_backend(site)
    if detected is None:
        reason = str(backend.get("reason") or "—")
        text = labels("backend_not_detected", reason=reason)
        if declared:
            text += f"{SEPARATOR}{labels('declared')}: {declared}"
        return text, None
    main = " ".join(str(x) for x in (detected, backend.get("version")) if x)
    notes = [labels("detected")]
    if backend.get("fork"):
        notes.append(f"{labels('fork')}: {backend['fork']}")
    if declared:
        notes.append(f"{labels('declared')}: {declared}")
    joined = "; ".join(notes) if labels.lang == "en" else "；".join(notes)
    text = f"{main} ({joined})" if labels.lang == "en" else f"{main}（{joined}）"
    # results.json says whether the two disagree (a declared fork showing only its parent does not);
    # results without that field are compared here
    disagree = bool(backend["mismatch"]) if "mismatch" in backend else bool(declared and declared != detected)
    return text, labels("backend_mismatch", declared=declared, detected=detected) if disagree else None


def state_counts_text(counts: Counter[str], labels: Labels) -> str:
    """``✅ 9 · ➖ 3 · 🔒 12`` in legend order."""
    return SEPARATOR.join(f"{labels.symbol(state)} {counts[state]}" for state in STATES if counts[state]) or "—"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def body_excerpt(response: Mapping[str, Any], labels: Labels, limit: int) -> tuple[str, str | None]:
    """The body a report shows (cut at ``limit``) and the note saying it was cut, if it was."""
    body = str(response.get("body") or "")
    shown = body[:limit]
    if len(body) <= limit and not response.get("body_truncated") and not response.get("body_capped"):
        return shown, None
    key = "body_cut_capped" if response.get("body_capped") else "body_cut"
    original = response.get("body_bytes")
    return shown, labels(key, shown=len(shown), original=original if original is not None else "?")


def schema_excerpt(schema: Mapping[str, Any] | None) -> tuple[list[dict[str, Any]], int]:
    """The schema errors a report lists, and how many there are in all."""
    errors = list((schema or {}).get("errors") or [])
    total = max(int((schema or {}).get("error_count") or 0), len(errors))
    return errors[:SCHEMA_ERRORS], total
