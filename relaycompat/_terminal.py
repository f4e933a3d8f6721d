"""The suite's lines at the end of the terminal output (controller only).

What the run as a whole needs a reader to know, after pytest's own summary: that the previous
outputs were kept and why (interrupted, nothing probed, a failure), the run's problems (a dead
emulator, a prober that stopped), declared backends that disagree with the detected ones, and
where the output set is. Each site's state and first advice are on its line of the summary by
site (:mod:`._summary`); the reports carry all of its advice.
"""

from __future__ import annotations

from typing import Any

from ._session import CompatSession
from ._writing import Writing

_KEPT = {
    "interrupted": "interrupted: results.json and the reports keep the last complete run",
    "failed": "results.json and the reports keep the last complete run (see above)",
    "nothing was probed": "no test of the suite ran: results.json and the reports keep the last run",
}


class TerminalNotes:
    def __init__(self, session: CompatSession, writing: Writing) -> None:
        self.session = session
        self.writing = writing

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        run, write = self.session, terminalreporter.write_line
        for problem in run.problems:
            write(f"relaycompat: {problem}", red=True, bold=True)
        kept = self.writing.kept
        if kept in _KEPT:
            write(f"relaycompat: {_KEPT[kept]}", yellow=True)
            return
        if run.results is None:
            return
        for site in run.results["sites"]:
            if (site.get("backend") or {}).get("mismatch"):
                write(f"NOTE: {site['name']!r}: {site['backend']['mismatch']}", yellow=True)
        outputs = run.outputs
        if outputs is not None and outputs.committed is not None:
            terminalreporter.write_sep("-", f"relaycompat results: {outputs.report_dir / 'results.json'} "
                                            f"(+ {_listing(outputs.committed)})")


def _listing(names: list[str]) -> str:
    """The files of the set beside results.json, a folder as one entry with its count
    (``report.md, summary.html, details/ (1000 files)``): one line at any fleet size."""
    files: list[str] = []
    folders: dict[str, int] = {}
    for name in names:
        head, _, rest = name.partition("/")
        if rest:
            folders[head] = folders.get(head, 0) + 1
        elif name != "results.json":
            files.append(name)
    return ", ".join(sorted(files) + [f"{folder}/ ({count} files)" for folder, count in sorted(folders.items())])
