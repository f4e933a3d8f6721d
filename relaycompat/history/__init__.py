"""The history across runs: an SQLite file that every run appends to (``--history PATH``), and
what the reports and ``python -m relaycompat history`` make of it (docs/history.md).

Public surface: :func:`record` (append a results document and build the reports' view, never
raising), :class:`HistoryStore` (the file), :class:`Thresholds` (down / up / flapping),
:func:`run_key` (the run id a results document is recorded under).
"""

from ._record import Recorded, record
from ._store import HistoryError, HistoryStore, run_key
from ._timeline import Thresholds
from ._view import HistoryReport

__all__ = ["HistoryError", "HistoryReport", "HistoryStore", "Recorded", "Thresholds", "record", "run_key"]
