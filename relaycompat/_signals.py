"""Signals in the controller: SIGTERM ends a run the way Ctrl-C does, and neither may cut a
set of outputs in half.

A CI system cancels a job with SIGTERM. Left alone it kills pytest on the spot: no cleanup, the
emulated fleet and probe processes orphaned, temporary files left. Raised as
``KeyboardInterrupt`` in the main thread instead, it takes pytest's Ctrl-C path: the session
finishes as interrupted, children are stopped, the last complete outputs stay as they were.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

#: The signals that end a run: held off while an output set is being swapped in.
ENDING = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's KeyboardInterrupt would be."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated("SIGTERM")


def interrupt_on_sigterm() -> Callable[[], None]:
    """Make SIGTERM raise :class:`Terminated` in the main thread; return what restores the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: Any = signal.signal(signal.SIGTERM, _raise_terminated)

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) is _raise_terminated:
            signal.signal(signal.SIGTERM, previous)

    return restore


@contextmanager
def deferred() -> Iterator[None]:
    """Hold off Ctrl-C and SIGTERM in the block (delivered when it ends): for work that must
    finish once started, like renaming the files of an output set into place."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, ENDING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
