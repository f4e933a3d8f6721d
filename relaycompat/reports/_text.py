"""The words of the reports: labels per language (``data/labels.yaml``) and plain-text descriptions.

Everything returned here is unescaped text on one line or more; each renderer escapes it for
its own format (:mod:`._markdown`, :mod:`._html`) and the terminal prints it as it is.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .._config import DEFAULT_LANGUAGE, LANGUAGES
from ._facts import STATES, SiteStatus, detected_backend

SEPARATOR = " · "
#: Schema errors a report lists for one probe (the rest are counted).
SCHEMA_ERRORS = 20
#: Label keys of the per-backend table's columns.
BACKEND_COLUMNS = ("col_backend", "col_sites", "col_ok_expected", "col_rate", "col_absent", "col_xpass", "col_skipped")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_WHITESPACE = re.compile(r"\s+")


# ---- labels -----------------------------------------------------------------------------------
@cache
def labels_document(package: str = "relaycompat.reports") -> dict[str, Any]:
    """``data/labels.yaml`` of a package (the reports', the history's), parsed once."""
    text = resources.files(package).joinpath("data/labels.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def _document() -> dict[str, Any]:
    return labels_document()


class Labels:
    """Labels of one language: ``labels("title")``, ``labels("retries", n=2)``, ``labels.verdict("ok")``."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"report language {lang!r}: expected one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self._table: dict[str, Any] = _document()[lang]
        self.symbols: dict[str, str] = dict(_document()["symbols"])

    def __call__(self, key: str, **fields: Any) -> str:
        text = str(self._table[key])
        return text.format(**fields) if fields else text

    def side_effects(self, run: Mapping[str, Any]) -> str:
        """Which side effects the run allowed, for the reports' header line."""
        if not run.get("allow_mutating"):
            return self("mutating_off")
        return self("mutating_on", effects=", ".join(run.get("side_effects") or ["rotate-token"]))

    def verdict(self, verdict: str | None) -> str:
        return str(self._table["verdicts"].get(verdict, verdict or "—"))

    def outcome(self, outcome: str | None) -> str:
        return str(self._table["outcomes"].get(outcome, outcome or "—"))

    def state(self, state: str) -> str:
        return str(self._table["states"][state])

    def condition(self, condition: str) -> str:
        return str(self._table["conditions"][condition])

    def symbol(self, state: str) -> str:
        return self.symbols[state]

    def token_kind(self, kind: str) -> str:
        """The kind of a site file's access token (results.json ``credentials.access_token_kind``)."""
        return str(self._table["token_kinds"].get(kind, kind))

    def site_state(self, state: str) -> str:
        """A site's state (results.json ``sites[].state``: ok, credentials, broken, unreachable)."""
        return str(self._table["site_states"].get(state, state))

    @property
    def comma(self) -> str:
        return "、" if self.lang == "zh" else ", "


def labels_for(lang: str | None) -> Labels:
    return Labels(lang or DEFAULT_LANGUAGE)


def report_language(results: Mapping[str, Any], lang: str | None) -> str:
    """The language asked for, else the one the run was made with, else zh."""
    return lang or (results.get("run") or {}).get("report_lang") or DEFAULT_LANGUAGE


# ---- plain text -------------------------------------------------------------------------------
def one_line(text: object) -> str:
    """``text`` as one line without control characters."""
    return _WHITESPACE.sub(" ", _CONTROL.sub(" ", str(text))).strip()


def latency_text(elapsed_ms: float | None) -> str:
    return "—" if elapsed_ms is None else f"{elapsed_ms:,.0f} ms"


def status_text(status: int | None) -> str:
    return "—" if status is None else str(status)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def credentials_text(site: Mapping[str, Any], labels: Labels) -> str:
    creds = site.get("credentials") or {}
    names = [labels(f"cred_{key}") for key in ("access_token", "api_key", "user_id") if creds.get(key)]
    kind = creds.get("access_token_kind")
    if kind and names:  # the kind of token, never its value (results.json credentials.access_token_kind)
        names[0] += f": {labels.token_kind(kind)}" if labels.lang == "en" else f"：{labels.token_kind(kind)}"
    if not names:
        return labels("auth_none")
    head = labels("auth_configured") if creds.get("access_token") else labels("auth_partial")
    return f"{head} ({labels.comma.join(names)})" if labels.lang == "en" else f"{head}（{labels.comma.join(names)}）"


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


def short_backend(status: SiteStatus, labels: Labels) -> str:
    """``new-api v0.9.2``, or the label for an undetected backend."""
    if status.backend is None:
        return labels("backend_unknown")
    return " ".join(str(x) for x in (status.backend, status.version) if x)


def state_counts_text(counts: Counter[str], labels: Labels) -> str:
    """``✅ 9 · ➖ 3 · 🔒 12`` in legend order."""
    return SEPARATOR.join(f"{labels.symbol(state)} {counts[state]}" for state in STATES if counts[state]) or "—"


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


def test_message(probe: Mapping[str, Any]) -> str | None:
    """pytest's message for the probe, unless it only repeats the verdict and its reason."""
    message = probe.get("test_message")
    if not message or message in (probe.get("reason"), f"{probe.get('verdict')}: {probe.get('reason')}"):
        return None
    return str(message)


def rotated_sites(results: Mapping[str, Any]) -> list[str]:
    """Names of the sites whose access token the run rotated, in site order, for results without
    advice (earlier results.json, imported recordings): with advice, each site's says it."""
    rotated = set((results.get("run") or {}).get("rotated_tokens") or [])
    return [site["name"] for site in results.get("sites", []) if site["slug"] in rotated and "advice" not in site]


def missing_shards(results: Mapping[str, Any]) -> str:
    """``2/3, 3/3`` for the shards a merged run lacks ('' when none)."""
    return ", ".join(f"{k}/{n}" for k, n in (results.get("run") or {}).get("missing_shards") or [])


def detail_name(slug: str) -> str:
    """The file name (without suffix) of a site's detail files: its slug when that is a safe file
    name (site ids are), else a safe form of it made unique by a short hash."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", slug).lstrip(".")
    if name == slug:
        return name
    return f"{name or 'site'}-{hashlib.sha1(slug.encode('utf-8')).hexdigest()[:8]}"
