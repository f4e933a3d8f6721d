"""In which process, and in which order, the suite's tests run.

The tests only read what the prober stored (docs/architecture.md), so two choices make a large
run faster, both measured in docs/performance.md:

* ``-n auto`` on a run of the suite alone starts no xdist worker (:func:`auto_workers`). The
  requests already run in one probe process per core; what is left per test is a lookup and an
  assertion, cheaper than pytest-xdist's shipping of every report between processes (at 500
  sites the workers and the controller spent 48 s of CPU where one process spends 20 s).
  ``-n N`` still distributes, and ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still decides ``auto``.
* Without workers, :class:`ReadyFirst` runs each site's tests as soon as the prober has stored
  that site's record, in the order the sites finish (collection order within a site, and for
  any test that is not an endpoint test, which runs first). pytest's own loop runs endpoint by
  endpoint, so its first test waits for the slowest site and no test runs while the sites are
  probed; here the assertions of the finished sites overlap the probing of the others.

``-x``, ``--maxfail`` and ``--sw`` stop the loop as pytest's loop does; a site whose record never
comes is run last, in collection order, where its tests fail with the reason (the wait of
:meth:`relaycompat._state.SuiteState.read_site`).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator

import pytest

from ._store import RunStore
from ._suite import item_key

_POLL_SECONDS = 0.01


def auto_workers(suite_only: bool) -> int | None:
    """``pytest_xdist_auto_num_workers``: no worker for a run of the suite alone (see above);
    ``None`` (xdist decides) for any other run, or when the user set the number in the environment."""
    if not suite_only or os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return 0


class ReadyFirst:
    """``pytest_runtestloop`` of a run without workers: each site's tests once its record is stored."""

    def __init__(self, store: RunStore, probing_done: Callable[[], bool]) -> None:
        self.store = store
        self.probing_done = probing_done

    def _order(self, items: list[pytest.Item]) -> Iterator[pytest.Item]:
        """Every item once: the others first, then site by site as the records arrive."""
        waiting: dict[str, deque[pytest.Item]] = {}
        for item in items:
            key = item_key(item)
            if key is None:
                yield item
            else:
                waiting.setdefault(key[0], deque()).append(item)
        while waiting:
            ready = [site for site in self.store.stored() if site in waiting]
            if not ready and self.probing_done():  # never stored: their tests say why, in order
                ready = list(waiting)
            if not ready:
                time.sleep(_POLL_SECONDS)
                continue
            for site in ready:
                yield from waiting.pop(site)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        if session.config.option.collectonly or session.testsfailed:
            return None  # pytest's loop says it (collection errors) or has nothing to run
        order = self._order(list(session.items))
        item = next(order, None)
        while item is not None:
            following = next(order, None)
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
            if session.shouldfail:
                raise session.Failed(session.shouldfail)
            if session.shouldstop:
                raise session.Interrupted(session.shouldstop)
            item = following
        return True
