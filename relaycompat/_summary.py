"""The end of a run in the terminal: one line per site, broken first, then the totals.

(:mod:`._terminal` prints the run's notes after it: problems, outputs kept, where the set is.)

pytest prints, for every failed test, a block in its failure section and a line in its short
test summary: thousands at a few hundred sites, and the failure section costs time quadratic in
the number of tests (for each failure, TerminalReporter rescans every report for its teardown:
about 230 s after the last test of a 500-site run). So for a run of the suite alone, pytest's
defaults become ``--tb=no`` and ``-r E`` (errors are still listed) unless the command line,
``addopts`` or ``PYTEST_ADDOPTS`` chose a traceback style or report characters itself; nothing
of pytest is patched, and every option keeps its meaning when given. :class:`TerminalSummary`
then says per site what those blocks would have said, in one line each:

    CREDS Stale access token   new-api v0.9.25   ok 3 · auth_rejected 13 · absent 5 · skipped 2   站点上的 access token …

The first word is the site's state (results.json ``state``: FAIL broken, DOWN unreachable,
CREDS credentials need attention, ok; XPASS an unexpected pass). The counts are the passed
tests (ok), the verdicts of the failing ones, then the unexpected passes, expected absences and
skips. The first thing to do is the site's first ``advice`` (its message, worded in English like the
rest of the terminal) when results.json has one, else what its first failing probe says; the
reports carry all of a site's advice.
"""

from __future__ import annotations

import os
import shlex
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pytest

from ._advice import render as advice_text
from .reports._facts import SiteStatus, is_failing, outcome_totals, statuses, verdict_totals

if TYPE_CHECKING:
    from ._session import CompatSession

#: Whether this run got the compact defaults (set before the terminal reporter starts).
COMPACT_KEY = pytest.StashKey[bool]()
#: pytest's own defaults; a value other than these was chosen by the user, whatever the spelling.
PYTEST_TBSTYLE, PYTEST_REPORTCHARS = "auto", "fE"
#: Short options that take no value and may come bundled before -r (``-vrA``).
_FLAGS = set("vqxslh")
WORD = {"broken": "FAIL", "unreachable": "DOWN", "credentials": "CREDS", "xpass": "XPASS", "ok": "ok"}
#: How the totals line names each state.
STATE_WORDS = (("broken", "broken"), ("unreachable", "unreachable"), ("credentials", "with credentials to fix"),
               ("xpass", "with unexpected passes"), ("ok", "fine"))
NAME_WIDTH, BACKEND_WIDTH, ACTION_CHARS = 32, 22, 110
#: Tests that failed for another reason than their probe, listed one per line up to this many.
OTHER_LINES = 20


def _given(args: Iterable[str], long: str, short: str | None = None) -> bool:
    """Whether ``args`` set the option ``long`` (or its one-letter ``short`` form, maybe bundled)."""
    for arg in args:
        if arg == long or arg.startswith(long + "="):
            return True
        if short and arg.startswith("-") and not arg.startswith("--"):
            for char in arg[1:]:
                if char == short:
                    return True
                if char not in _FLAGS:
                    break
    return False


def apply_compact_defaults(config: pytest.Config) -> bool:
    """Make ``--tb=no -r E`` this run's defaults unless the user chose either; True if applied."""
    args = [*shlex.split(os.environ.get("PYTEST_ADDOPTS", "")), *config.getini("addopts"),
            *config.invocation_params.args]
    option = config.option
    chose_tb = option.tbstyle != PYTEST_TBSTYLE or _given(args, "--tb")
    chose_r = option.reportchars != PYTEST_REPORTCHARS or _given(args, "--report-chars", "r")
    if not chose_tb:
        option.tbstyle = "no"
    if not chose_r:
        option.reportchars = "E"
    config.stash[COMPACT_KEY] = not chose_tb or not chose_r
    return config.stash[COMPACT_KEY]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut (with …) or padded to ``width`` terminal columns."""
    if _width(text) > width:
        while _width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _english(advice: Any) -> str:
    """An advice entry in English, like the rest of the terminal (its message is in the report's language)."""
    try:
        return advice_text(advice, "en")
    except (KeyError, ValueError):  # an advice code this version does not know: its own words
        return str(advice.get("message") or advice.get("code"))


def site_line(status: SiteStatus, name_width: int, backend_width: int) -> str:
    backend = " ".join(str(x) for x in (status.backend, status.version) if x) if status.backend else "unknown"
    counts = " · ".join(f"{label} {count}" for label, count in status.tally) or "no probes"
    line = f"{WORD.get(status.condition, 'FAIL'):<5} {_fit(_one_line(status.name), name_width)}  {_fit(backend, backend_width)}  {counts}"
    if status.first_action and (status.advised or status.condition not in ("ok", "xpass")):
        action = _one_line(_english(status.advice) if status.advice else status.first_action)
        line += "   " + (action if len(action) <= ACTION_CHARS else action[: ACTION_CHARS - 1] + "…")
    return line


def summary_lines(results: dict[str, Any]) -> list[str]:
    """The per-site lines (broken first) and the totals of a results document."""
    sites = statuses(results.get("sites", []))
    name_width = min(max((_width(_one_line(s.name)) for s in sites), default=4), NAME_WIDTH)
    backend_width = min(max((len(f"{s.backend} {s.version}") for s in sites), default=7), BACKEND_WIDTH)
    lines = [site_line(status, name_width, backend_width) for status in sites]
    conditions = Counter(s.condition for s in sites)
    site_counts = ", ".join(f"{conditions[c]} {label}" for c, label in STATE_WORDS if conditions[c])
    outcomes = ", ".join(f"{n} {o}" for o, n in outcome_totals(results))
    verdicts = " · ".join(f"{v} {n}" for v, n in verdict_totals(results))
    other = [(site["slug"], probe) for site in results.get("sites", []) for probe in site.get("probes", [])
             if is_failing(probe) and probe.get("test_message")
             and not str(probe["test_message"]).startswith(f"{probe.get('verdict')}:")]
    if other:  # a crashed worker, a test without a record: not the site's doing, so said apart
        lines.append(f"relaycompat: {len(other)} tests failed for another reason than their site's answer:")
        lines += [f"  {slug} {probe.get('endpoint')}: {_one_line(str(probe['test_message']))[:200]}"
                  for slug, probe in other[:OTHER_LINES]]
        if len(other) > OTHER_LINES:
            lines.append(f"  … and {len(other) - OTHER_LINES} more (results.json test_message)")
    lines.append(f"relaycompat: {len(sites)} site{'' if len(sites) == 1 else 's'}: {site_counts or 'none'}; tests: {outcomes or 'none'}")
    lines.append(f"relaycompat: verdicts: {verdicts or 'none'}")
    return lines


class TerminalSummary:
    """Prints :func:`summary_lines` of the run at its end (controller only)."""

    def __init__(self, session: CompatSession, *, compact: bool) -> None:
        self.session = session
        self.compact = compact

    @pytest.hookimpl(tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        results = self.session.results
        if results is None or self.session.interrupted:
            return
        terminalreporter.write_sep("=", f"relaycompat: {len(results.get('sites', []))} sites, broken first")
        for line in summary_lines(results):
            terminalreporter.write_line(line)
        report = self.session.settings.report_path / "report.md"
        if self.compact:
            terminalreporter.write_line(f"relaycompat: each site's responses are in {report} (and details/); "
                                        "pytest's per-test failure blocks are off for this run: --tb=short or -rf shows them")
