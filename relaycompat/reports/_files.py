"""The report folder: every file of one results document, written site by site.

    report.md, summary.html        the summary (what a reader needs first)
    matrix.md, matrix.html         the site × endpoint matrix, past MATRIX_SITES sites
    details/<slug>.md|.html        each site's full detail, one click from the summary
    $GITHUB_STEP_SUMMARY           report.md's summary, fitted under GitHub's 1 MiB (appended)

:class:`ReportFolder` takes the sites one at a time (so a merge of thousands of sites never
holds every body at once) and writes the summary last, from results whose probes may have lost
their request and response. Every file's final text passes through a
:class:`~relaycompat._redact.Redactor` once more (the run's, which knows its credentials; else
one with the pattern rules only) and lands atomically (written beside, then renamed); the
details of a run replace the whole previous ``details/`` folder, so no stale site remains.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._redact import Redactor
from . import _html, _markdown
from ._changes import Changes, changes_since
from ._history_part import HistoryPart
from ._text import Labels, detail_name, labels_for, report_language

FROM_ENV = "from-env"
ENV = "GITHUB_STEP_SUMMARY"
#: GitHub drops a step's whole summary when the file passes 1 MiB (anchors.md c.14).
LIMIT = 1024 * 1024
#: Kept free below the limit (GitHub counts the file, and other tools may append after us).
MARGIN = 16 * 1024
Baseline = str | os.PathLike[str] | dict[str, Any] | None


@dataclass
class Written:
    """What :func:`write_reports` wrote."""

    markdown: Path
    summary_html: Path
    details: Path
    step_summary: Path | None = None


def write_text(path: Path, text: str) -> None:
    """Write ``text`` beside ``path``, then rename it over: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def without_evidence(site: Mapping[str, Any]) -> dict[str, Any]:
    """A site of results.json without its probes' request and response (all a summary needs)."""
    return {**site, "probes": [{k: v for k, v in p.items() if k not in ("request", "response")}
                               for p in site.get("probes", [])]}


class ReportFolder:
    """Writes the reports of one results document into ``folder``: :meth:`add_site` for every
    site (its details), then :meth:`finish` (the summary files)."""

    def __init__(self, folder: str | os.PathLike[str], *, lang: str, redactor: Redactor | None = None,
                 history: HistoryPart | None = None) -> None:
        self.folder = Path(folder)
        self.labels: Labels = labels_for(lang)
        self.scrub = redactor or Redactor()
        self.history = history
        self.details = self.folder / "details"
        self._building = self.folder / "details.part"
        shutil.rmtree(self._building, ignore_errors=True)
        self._building.mkdir(parents=True)

    def add_site(self, site: Mapping[str, Any], results: Mapping[str, Any]) -> None:
        """Write ``details/<slug>.md`` and ``.html`` of one site (``results`` gives the catalogue
        and the generation time; its own sites are not read)."""
        name = detail_name(str(site["slug"]))
        pages = {".md": _markdown.details_page(site, results, self.labels, self.history),
                 ".html": _html.details_page(site, results, self.labels)}
        for suffix, text in pages.items():
            (self._building / f"{name}{suffix}").write_text(self.scrub.text(text), encoding="utf-8")

    def _swap_details(self) -> None:
        old = self.folder / "details.old"
        shutil.rmtree(old, ignore_errors=True)
        if self.details.exists():
            os.replace(self.details, old)
        os.replace(self._building, self.details)
        shutil.rmtree(old, ignore_errors=True)

    def finish(self, results: Mapping[str, Any], *, baseline: Baseline = None,
               step_summary: str | os.PathLike[str] | None = FROM_ENV) -> Written:
        """Write report.md, summary.html (and the matrix pages of a large run); append the step
        summary (default: to ``$GITHUB_STEP_SUMMARY`` when set; ``None``: nowhere)."""
        self._swap_details()
        labels, scrub, history = self.labels, self.scrub, self.history
        changes = changes_since(results, baseline)
        written = Written(self.folder / "report.md", self.folder / "summary.html", self.details)
        write_text(written.markdown, scrub.text(_markdown.render_markdown(results, labels, changes, history)))
        write_text(written.summary_html, scrub.text(_html.summary_page(results, labels, changes, history)))
        large = len(results.get("sites", [])) > _markdown.MATRIX_SITES
        for name, render in (("matrix.md", _markdown.matrix_page), ("matrix.html", _html.matrix_page)):
            if large:
                write_text(self.folder / name, scrub.text(render(results, labels)))
            else:
                (self.folder / name).unlink(missing_ok=True)
        written.step_summary = _step_summary(results, labels, changes, scrub, step_summary, history)
        return written


def write_step_summary(
    results: Mapping[str, Any],
    *,
    lang: str | None = None,
    baseline: Baseline = None,
    redactor: Redactor | None = None,
    target: str | os.PathLike[str] | None = FROM_ENV,
    history: HistoryPart | None = None,
) -> Path | None:
    """Append the summary part of report.md to ``target`` (default ``$GITHUB_STEP_SUMMARY``
    when set; ``None``: nowhere); return the file appended to."""
    if not _step_summary_path(target):
        return None
    return _step_summary(results, labels_for(report_language(results, lang)), changes_since(results, baseline),
                         redactor or Redactor(), target, history)


def _step_summary_path(target: str | os.PathLike[str] | None) -> str | os.PathLike[str] | None:
    return os.environ.get(ENV) if target == FROM_ENV else target


def _step_summary(results: Mapping[str, Any], labels: Labels, changes: Changes, scrub: Redactor,
                  target: str | os.PathLike[str] | None, history: HistoryPart | None) -> Path | None:
    path = _step_summary_path(target)
    if not path:
        return None
    sections = [(name, scrub.text(text))
                for name, text in _markdown.summary_sections(results, labels, changes, links=False, history=history)]
    append_step_summary(path, sections, labels)
    return Path(path)


def append_step_summary(path: str | os.PathLike[str], sections: list[tuple[str, str]], labels: Labels,
                        *, limit: int = LIMIT) -> str:
    """Append the summary, fitted into what is left under ``limit``, to ``path``; return what was
    appended ('' when nothing fits). Earlier commands of the step may have written to it already."""
    target = Path(path)
    used = target.stat().st_size if target.exists() else 0
    budget = limit - MARGIN - used - 2
    if budget <= 0:
        return ""
    text = _markdown.fit(sections, budget, labels)
    if text:
        with target.open("a", encoding="utf-8") as handle:
            handle.write(("\n" if used else "") + text)
    return text


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
    """Write every report of ``results`` into ``report_dir`` (``baseline``: an earlier
    results.json, as a path or parsed; ``history``: the run's history part, with ``--history``)."""
    folder = ReportFolder(report_dir, lang=report_language(results, lang), redactor=redactor, history=history)
    for site in results.get("sites", []):
        folder.add_site(site, results)
    return folder.finish(results, baseline=baseline, step_summary=step_summary)


def render_report(results: dict[str, Any], *, lang: str | None = None, baseline: Baseline = None,
                  history: HistoryPart | None = None) -> str:
    """report.md of ``results`` as text (not redacted: :func:`write_reports` does that)."""
    labels = labels_for(report_language(results, lang))
    return _markdown.render_markdown(results, labels, changes_since(results, baseline), history)


def render_details(results: dict[str, Any], slug: str, *, lang: str | None = None, history: HistoryPart | None = None) -> str:
    """details/<slug>.md of one site of ``results`` as text (not redacted)."""
    site = next(s for s in results.get("sites", []) if s["slug"] == slug)
    return _markdown.details_page(site, results, labels_for(report_language(results, lang)), history)
