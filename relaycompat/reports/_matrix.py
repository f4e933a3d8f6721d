"""The site × endpoint matrix: one state per cell, and the legend of the states it uses.

Built once from results.json and rendered by both the Markdown and the HTML summary, so the
two always agree. Rows are sites in results order (site-file order), columns the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._states import STATES, detected_backend, probe_state


@dataclass(frozen=True)
class Cell:
    """One probe: its state, and the verdict and reason a tooltip shows (``None``: not probed)."""

    state: str | None
    verdict: str | None = None
    reason: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Row:
    name: str
    slug: str
    backend: str | None
    version: str | None
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Matrix:
    endpoints: tuple[dict[str, Any], ...]
    rows: tuple[Row, ...]

    @property
    def states(self) -> list[str]:
        """The states that occur, in legend order."""
        used = {cell.state for row in self.rows for cell in row.cells if cell.state}
        return [state for state in STATES if state in used]


def build_matrix(results: dict[str, Any]) -> Matrix:
    endpoints = tuple(results.get("catalogue") or [])
    rows = []
    for site in results.get("sites", []):
        by_path = {p["endpoint"]: p for p in site.get("probes", [])}
        cells = []
        for endpoint in endpoints:
            probe = by_path.get(endpoint["path"])
            if probe is None:
                cells.append(Cell(None))
            else:
                cells.append(Cell(probe_state(probe), probe.get("verdict"), probe.get("reason"), probe.get("outcome")))
        rows.append(Row(
            name=str(site.get("name", "")),
            slug=str(site.get("slug", "")),
            backend=detected_backend(site),
            version=(site.get("backend") or {}).get("version"),
            cells=tuple(cells),
        ))
    return Matrix(endpoints, tuple(rows))
