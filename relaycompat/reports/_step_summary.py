"""The GitHub Actions step summary: the summary part of report.md, kept under the 1 MiB limit.

GitHub drops a step's whole summary when the file passes 1 MiB (anchors.md c.14), and the file
may already hold what earlier commands of the step wrote. So the summary is fitted into what is
left: the biggest parts (matrix, then the per-backend and verdict tables) are left out first,
with a line saying so; the changes since the baseline go last, being what a reader came for.
"""

from __future__ import annotations

import os
from pathlib import Path

from ._labels import Labels

LIMIT = 1024 * 1024
#: Kept free below the limit (GitHub counts the file, and other tools may append after us).
MARGIN = 16 * 1024
#: Sections left out first when the summary does not fit, in this order.
DROP_ORDER = ("matrix", "backends", "totals", "changes")
_TITLES = {"matrix": "matrix_title", "backends": "backend_title", "totals": "totals_title", "changes": "changes_title"}
ENV = "GITHUB_STEP_SUMMARY"


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def fit(sections: list[tuple[str, str]], budget: int, labels: Labels) -> str:
    """The sections joined, leaving out whole sections (then cutting) until under ``budget`` bytes."""
    kept = list(sections)
    dropped: list[str] = []

    def render() -> str:
        parts = [text for _, text in kept if text]
        if dropped:
            parts.append(labels("summary_cut", parts=", ".join(dropped)))
        return "\n\n".join(parts) + "\n"

    text = render()
    for name in DROP_ORDER:
        if _size(text) <= budget:
            return text
        if any(n == name for n, _ in kept):
            kept = [(n, t) for n, t in kept if n != name]
            dropped.append(labels(_TITLES[name]))
            text = render()
    if _size(text) <= budget:
        return text
    note = "\n\n" + labels("summary_cut", parts="…") + "\n"
    room = max(budget - _size(note), 0)
    cut = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    cut = cut[: cut.rfind("\n") + 1] if "\n" in cut else ""
    return cut + note if _size(cut + note) <= budget else ""


def append_step_summary(path: str | os.PathLike[str], sections: list[tuple[str, str]], labels: Labels,
                        *, limit: int = LIMIT) -> str:
    """Append the fitted summary to ``path``; return what was appended ('' when nothing fits)."""
    target = Path(path)
    used = target.stat().st_size if target.exists() else 0
    budget = limit - MARGIN - used - 2
    if budget <= 0:
        return ""
    text = fit(sections, budget, labels)
    if text:
        with target.open("a", encoding="utf-8") as handle:
            handle.write(("\n" if used else "") + text)
    return text
