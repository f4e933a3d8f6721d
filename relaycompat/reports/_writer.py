"""Write the reports of one results document: report.md, summary.html, and the step summary.

Every file's final text passes through a :class:`~relaycompat._redact.Redactor` once more
(the run's, which knows its credentials; else one with the pattern rules only) and lands
atomically (written beside, then renamed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._redact import Redactor
from ._diff import changes_since
from ._history_part import HistoryPart
from ._labels import Labels, labels_for
from ._markdown import render_markdown, summary_sections
from ._step_summary import ENV, append_step_summary
from ._summary_html import summary_page

FROM_ENV = "from-env"
Baseline = str | os.PathLike[str] | dict[str, Any] | None


@dataclass
class Written:
    """What :func:`write_reports` wrote."""

    markdown: Path
    summary_html: Path
    step_summary: Path | None = None


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def report_language(results: dict[str, Any], lang: str | None) -> str:
    """The language asked for, else the one the run was made with, else zh."""
    return lang or (results.get("run") or {}).get("report_lang") or "zh"


def render_report(results: dict[str, Any], *, lang: str | None = None, baseline: Baseline = None) -> str:
    """report.md of ``results`` as text (not redacted: :func:`write_reports` does that)."""
    labels = labels_for(report_language(results, lang))
    return render_markdown(results, labels, changes_since(results, baseline))


def write_reports(
    results: dict[str, Any],
    report_dir: str | os.PathLike[str],
    *,
    lang: str | None = None,
    baseline: Baseline = None,
    redactor: Redactor | None = None,
    step_summary: str | os.PathLike[str] | None = FROM_ENV,
    history: HistoryPart | None = None,
) -> Written:
    """Write ``report.md`` and ``summary.html`` into ``report_dir``; append the step summary.

    ``baseline`` is an earlier results.json (path or parsed); ``step_summary`` a file to append
    the summary part to (default: ``$GITHUB_STEP_SUMMARY`` when set; ``None``: none);
    ``history`` the run's history (relaycompat.history.record), when ``--history`` was given.
    """
    scrub = redactor or Redactor()
    labels: Labels = labels_for(report_language(results, lang))
    changes = changes_since(results, baseline)
    folder = Path(report_dir)
    written = Written(folder / "report.md", folder / "summary.html")
    _write(written.markdown, scrub.text(render_markdown(results, labels, changes, history)))
    _write(written.summary_html, scrub.text(summary_page(results, labels, changes, history)))
    written.step_summary = write_step_summary(results, lang=lang, baseline=baseline, redactor=scrub, target=step_summary,
                                              history=history)
    return written


def write_step_summary(
    results: dict[str, Any],
    *,
    lang: str | None = None,
    baseline: Baseline = None,
    redactor: Redactor | None = None,
    target: str | os.PathLike[str] | None = FROM_ENV,
    history: HistoryPart | None = None,
) -> Path | None:
    """Append the summary part of report.md to ``target`` (default ``$GITHUB_STEP_SUMMARY``
    when set; ``None``: nowhere); return the file appended to."""
    path = os.environ.get(ENV) if target == FROM_ENV else target
    if not path:
        return None
    scrub = redactor or Redactor()
    labels = labels_for(report_language(results, lang))
    changes = changes_since(results, baseline)
    sections = [(name, scrub.text(text)) for name, text in summary_sections(results, labels, changes, links=False,
                                                                             history=history)]
    append_step_summary(path, sections, labels)
    return Path(path)
