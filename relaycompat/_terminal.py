"""The suite's lines at the end of the terminal output (controller only).

What the run as a whole needs a reader to know, after pytest's own summary: that the previous
outputs were kept and why (interrupted, nothing probed, a failure), the run's problems (a dead
emulator, a prober that stopped), each site's advice (results.json ``advice``: a token to
replace, scopes to grant, a token ``--allow-mutating`` rotated), declared backends that
disagree with the detected ones, and where the output set is.
"""

from __future__ import annotations

from typing import Any

from ._advice import render as advice_text
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
        _print_advice(terminalreporter, run.results)
        for site in run.results["sites"]:
            if (site.get("backend") or {}).get("mismatch"):
                write(f"NOTE: {site['name']!r}: {site['backend']['mismatch']}", yellow=True)
        outputs = run.outputs
        if outputs is not None and outputs.committed is not None:
            terminalreporter.write_sep("-", f"relaycompat results: {outputs.report_dir / 'results.json'} "
                                            f"(+ {', '.join(n for n in outputs.committed if n != 'results.json')})")


def _print_advice(terminalreporter: Any, results: dict[str, Any]) -> None:
    """Each site's advice once, with its state (results.json ``advice``, ``state``), in English
    like the rest of the terminal; above the short summary's per-test lines."""
    advised = [site for site in results.get("sites", []) if site.get("advice")]
    if not advised:
        return
    terminalreporter.write_sep("-", f"relaycompat: what to do about {len(advised)} site{'s' if len(advised) > 1 else ''}")
    for site in advised:
        state = {"credentials": "credentials need attention"}.get(site["state"], site["state"])
        terminalreporter.write_line(f"{site['name']!r} ({state}):", yellow=site["state"] == "credentials", bold=True)
        for entry in site["advice"]:
            terminalreporter.write_line(f"  - {entry['code']}: {advice_text(entry, 'en')}")
