"""The core tests' prober fixtures, shared here."""

from ..core.conftest import probe, status_schema  # noqa: F401
