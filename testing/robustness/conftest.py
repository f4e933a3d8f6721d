"""The core tests' prober fixtures, shared here."""

from ..core.conftest import catalogue, probe, status_schema  # noqa: F401
