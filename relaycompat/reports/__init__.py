"""The reports people read: report.md, pytest-html's report.html, summary.html, the step summary.

Public surface: :func:`write_reports` (the run calls it once results.json is written),
:func:`render_report`, :func:`merge_results` and :func:`results_from_recordings` (for the
``python -m relaycompat`` commands: report, merge, import). The pytest-html hooks live in :mod:`._html` and are
registered by the plugin on the controller.
"""

from ._merge import MergeError, merge_results
from ._recordings import results_from_recordings
from ._writer import Written, render_report, write_reports

__all__ = ["MergeError", "Written", "merge_results", "render_report", "results_from_recordings", "write_reports"]
