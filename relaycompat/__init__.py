"""relaycompat: a pytest compatibility suite for New-API family relay sites.

The public surface is small: :func:`endpoint_tests` (used by ``tests/test_endpoints.py``) and
the loaders other tools may want. Everything else lives in private modules named for what they
hold (``_sites``, ``_catalogue``, ``_prober``, ``_classify``, ``_schemas``, …).
"""

__version__ = "0.1.0"

from typing import Any

from ._catalogue import Catalogue, Endpoint, load_catalogue
from ._errors import ConfigError
from ._sites import Site, load_sites
from ._verdicts import VERDICTS


def __getattr__(name: str) -> Any:
    # endpoint_tests needs pytest; importing it lazily keeps the probe processes light
    if name == "endpoint_tests":
        from ._suite import endpoint_tests

        return endpoint_tests
    raise AttributeError(f"module 'relaycompat' has no attribute {name!r}")

__all__ = [
    "Catalogue",
    "ConfigError",
    "Endpoint",
    "Site",
    "VERDICTS",
    "endpoint_tests",
    "load_catalogue",
    "load_sites",
]
