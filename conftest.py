"""Project root conftest.

The suite's machinery is the ``relaycompat`` plugin, loaded through its ``pytest11`` entry point
(installed by ``pip install -e .``), not from here: an entry-point plugin sees ``--sites PATH``
even when PATH lies outside the project (docs/performance.md). This file only makes a missing
install fail with the fix instead of with "unrecognized arguments".
"""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.hasplugin("relaycompat"):
        raise pytest.UsageError("the relaycompat plugin is not installed; run: pip install -e .")
