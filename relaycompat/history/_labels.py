"""The words of the history parts of the reports (``data/labels.yaml``), and the status line of
a series that both renderings print."""

from __future__ import annotations

import time
from typing import Any

from ..reports._text import Labels, labels_document
from ._timeline import Assessment, Thresholds


def _document() -> dict[str, Any]:
    return labels_document("relaycompat.history")


class HistoryLabels:
    """``words("title")``, ``words.site_symbol("down")``; ``words.report`` has the reports' labels."""

    def __init__(self, lang: str) -> None:
        self.report = Labels(lang)
        self.lang = lang
        self._table: dict[str, Any] = _document()[lang]
        self.document = _document()

    def __call__(self, name: str, /, **fields: Any) -> str:
        text = str(self._table[name])
        if "n" in fields:  # "{n} run{s}": English plurals; other languages leave {s} out
            fields.setdefault("s", "" if fields["n"] == 1 else "s")
        return text.format(**fields) if fields else text

    def site_status(self, status: str) -> str:
        return str(self._table["site_status"][status])

    def site_symbol(self, status: str | None) -> str:
        return str(self.document["site_symbols"][status or "none"])

    def state_symbol(self, state: str | None) -> str:
        return self.report.symbol(state) if state else str(self.document["missing_symbol"])

    def state_name(self, state: str | None) -> str:
        return self.report.state(state) if state else self("endpoint_missing")


def when(at: int | None, *, seconds: bool = False) -> str:
    """A run's time as reports print it: ``2026-11-24 06:17 UTC`` (with seconds when runs are
    closer than a minute, as in the demo)."""
    if at is None:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC", time.gmtime(at))


def status_parts(assessment: Assessment, thresholds: Thresholds, words: HistoryLabels, *, seconds: bool = False) -> list[str]:
    """``["failing since … (3 runs)", "down", "flapping (…)"]``: the status of a series in words."""
    a = assessment
    if a.good is None:
        return [words("never_judged")]
    key = "ok_since" if a.good else "failing_since"
    parts = [words(key, time=when(a.since, seconds=seconds), n=a.streak, whole=words("whole_history") if a.from_start else "")]
    if a.good is False:
        parts.append(words("down_tag") if a.down else words("not_yet_down", down=thresholds.down_after))
    elif a.recovering:
        parts.append(words("recovering", up=thresholds.up_after))
    if a.flapping:
        parts.append(words("flapping", n=a.changes, window=thresholds.window))
    return parts
