"""The end of a run on the controller: results built, outputs written, the set put in place.

A plugin object (registered by ``plugin.py``) with one ``pytest_sessionfinish`` wrapper,
innermost of the wrappers (``trylast``), so its two halves surround every plain
``pytest_sessionfinish`` — pytest-html's, which renders report.html, among them:

    before the plain hooks
      1. Probing.finish(): every site's record is in; the fleet stopped (or named as dead)
      2. CompatSession.build_results(); hooks pytest_relaycompat_results(session), then
         pytest_relaycompat_history(results) (the history store records the run)
      3. results.json, report.md, summary.html written into the staging folder;
         hook pytest_relaycompat_outputs(session, folder); evidence released
    the plain hooks: pytest-html writes report.html into the staging folder (its path was set
      there in pytest_cmdline_main), with the summary read from session.results
    after them
      4. every staged file is masked once more, then the set replaces the previous one
         (OutputSet.commit); the step summary is appended
    afterwards, in the terminal reporter's wrapper: pytest_terminal_summary (TerminalNotes)

An interrupted run (Ctrl-C, SIGTERM) stops the prober and the fleet at once and discards the
staging folder: the previous set stays whole. So does a run whose outputs could not be
written (it says why in one line and ends with exit status 3), and a run that probed nothing
(``--collect-only``, nothing selected).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from ._outputs import OutputSet
from ._probing import Probing
from ._results import write_json
from ._session import CompatSession
from .reports import write_reports, write_step_summary


class Writing:
    """Writes one run's output set at its end (see the module docstring)."""

    def __init__(self, session: CompatSession, probing: Probing) -> None:
        self.session = session
        self.probing = probing
        #: Why the previous set was kept (None when this run's set was put in place).
        self.kept: str | None = None
        self._staged = False

    def _interrupted(self) -> None:
        self.session.interrupted = True
        self.kept = "interrupted"
        self.probing.stop()

    def _stage(self, session: pytest.Session) -> None:
        """Steps 1-3 (module docstring); never raises: a failure is the run's one-line problem."""
        try:
            self._stage_or_raise(session.exitstatus)
        except KeyboardInterrupt:  # Ctrl-C again (or SIGTERM) while waiting for the last sites
            self._interrupted()
            session.exitstatus = pytest.ExitCode.INTERRUPTED
        except Exception as exc:
            self._fail(f"the end of the run failed ({type(exc).__name__}: {exc})")

    def _stage_or_raise(self, exitstatus: int) -> None:
        run, outputs = self.session, self.session.outputs
        if outputs is None:
            return
        if not self.probing.started:
            self.kept = "nothing was probed"
            return
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            self._interrupted()
            return
        self.probing.finish()
        try:
            results = run.build_results()
            run.config.hook.pytest_relaycompat_results(session=run)
            run.history = run.config.hook.pytest_relaycompat_history(results=results)
            write_json(outputs.path("results.json"), results, scrub=run.redactor)
            write_reports(results, outputs.staging, lang=run.settings.report_lang, baseline=run.baseline,
                          redactor=run.redactor, step_summary=None, history=run.history)
            run.config.hook.pytest_relaycompat_outputs(session=run, folder=outputs.staging)
        except Exception as exc:  # the previous set stays whole; the run says why, in one line
            self._fail(f"the outputs could not be written ({type(exc).__name__}: {exc})")
            return
        self._staged = True
        run.release_evidence()

    def _fail(self, why: str) -> None:
        self.kept = "failed"
        self.session.problem(f"{why}; the previous results.json and reports in {self.session.settings.report_dir} "
                             "are kept as they were")

    def _commit(self, session: pytest.Session) -> None:
        run, outputs = self.session, self.session.outputs
        assert outputs is not None
        try:
            for path in outputs.staging.rglob("*"):
                if path.is_file():
                    run.redactor.scrub_file(path)
            outputs.commit()
        except Exception as exc:
            outputs.discard()
            self._fail(f"the outputs could not be put in place ({type(exc).__name__}: {exc})")
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
            return
        _point_pytest_html_at(run.config, outputs)
        if run.results is not None:
            write_step_summary(run.results, lang=run.settings.report_lang, baseline=run.baseline, redactor=run.redactor,
                               history=run.history)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Generator[None, Any, Any]:
        self._stage(session)
        outputs = self.session.outputs
        try:
            result = yield
        except BaseException:
            if outputs is not None:
                outputs.discard()
            raise
        if outputs is not None and self._staged:
            self._commit(session)
        elif outputs is not None:
            outputs.discard()
            _point_pytest_html_at(self.session.config, outputs)  # at the report.html that was kept
            if self.kept == "failed":
                session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
        return result


def _point_pytest_html_at(config: pytest.Config, outputs: OutputSet) -> None:
    """pytest-html prints where it wrote report.html: the report folder, not the staging folder
    (which is gone after a commit, and after a discard too)."""
    try:
        from pytest_html.basereport import BaseReport
    except ImportError:
        return
    for plugin in config.pluginmanager.get_plugins():
        staged = getattr(plugin, "_report_path", None) if isinstance(plugin, BaseReport) else None
        if staged is not None and outputs.staging in staged.parents:
            plugin._report_path = outputs.report_dir / staged.relative_to(outputs.staging)
