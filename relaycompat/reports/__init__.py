"""The reports people read, made from results.json: report.md, summary.html, details, report.html.

A map of the package (data flows down; each module imports only those above it):

    _facts.py        what a results document says, before any format: probe states, site status
                     (broken first, the first thing to do), totals, per-backend figures, matrices
    _changes.py      what changed since a baseline (an earlier results.json)
    _text.py         the words: labels per language (data/labels.yaml), plain-text descriptions
    _markdown.py     report.md, details/<slug>.md, matrix.md, the step summary's text; Markdown escaping
    _html.py         summary.html (and the summary atop report.html), details/<slug>.html,
                     matrix.html, the evidence of one probe; HTML escaping
    _files.py        the report folder: writes all of the above for one results document, site by
                     site, redacted and atomic; appends the step summary
    _merge.py        shards' results.json → one run (in memory, or file by file)
    _history_part.py what the reports take from the history (relaycompat/history renders it)
    _pytest_html.py  the pytest-html plugin object: columns, the summary, a link (or the evidence)
                     per test; registered by the plugin on the controller
    _recordings.py   the earlier probing script's recordings → a results document

    data/labels.yaml every word, per --report-lang;  data/report.css the styles of every page

Public surface: :func:`write_reports` (the run calls it once results.json is written),
:func:`render_report` and :func:`render_details` (text of report.md and of one site's details),
:func:`merge_results` and :func:`merge_shards` (with :class:`ReportFolder`, site by site),
:func:`write_step_summary`, :func:`results_from_recordings` (for the
``python -m relaycompat`` commands: report, merge, import). Layout and reading guide:
docs/reports.md.
"""

from ._files import ReportFolder, Written, render_details, render_report, write_reports, write_step_summary
from ._merge import MergeError, merge_results, merge_shards
from ._recordings import results_from_recordings

__all__ = ["MergeError", "ReportFolder", "Written", "merge_results", "merge_shards", "render_details", "render_report",
           "results_from_recordings", "write_reports", "write_step_summary"]
