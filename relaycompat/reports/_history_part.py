"""What the reports take from the history (relaycompat.history.HistoryReport provides it): three
renderings, so that the reports never read the history file themselves."""

from __future__ import annotations

from typing import Protocol


class HistoryPart(Protocol):
    def markdown_summary(self, lang: str, *, links: bool = True) -> str:
        """The history section of report.md's summary part."""

    def markdown_site(self, slug: str, lang: str) -> str:
        """The history block of one site's section ('' for none)."""

    def html_summary(self, lang: str) -> str:
        """The history fragment of the HTML summary."""
