"""What a series of runs says: the current streak and since when, down or up by Gatus's rule,
flapping, transitions, uptime. Pure functions of ``(time, good)`` points, oldest first.

A point's ``good`` is ``True`` (passed / site ok), ``False`` (failed / site failing) or ``None``
(nothing to judge: not probed in that run, skipped, an expected absence); ``None`` points never
break or extend a streak.

Called down and back up as Gatus does (alerting/alert/alert.go, TwiN/gatus@1388dcf5: the
failure threshold defaults to 3 failures in a row, the success threshold to 2 successes in a
row): a series starts up, is called down after ``down_after`` failing runs in a row and back up
after ``up_after`` good runs in a row. Between the two a failure is "not yet down" and a
recovery "not yet up". A series is flapping when, in its last ``window`` runs, it changed
between good and failing at least ``flap_changes`` times (default 4: two outages and their
recoveries within 20 runs, five days at four runs a day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[int, bool | None]


@dataclass(frozen=True)
class Thresholds:
    """When a series is called down, back up, or flapping (the options of docs/history.md)."""

    down_after: int = 3
    up_after: int = 2
    flap_changes: int = 4
    window: int = 20

    def __post_init__(self) -> None:
        for name in ("down_after", "up_after", "flap_changes", "window"):
            if getattr(self, name) < 1:
                raise ValueError(f"history threshold {name} must be at least 1, got {getattr(self, name)}")


@dataclass(frozen=True)
class Assessment:
    """Where a series stands after its last point."""

    good: bool | None      #: the last judged point (None: never judged)
    since: int | None      #: time of the first point of the current streak
    streak: int            #: judged points in the current streak
    from_start: bool       #: the streak goes back to the first judged point
    down: bool             #: called down (Gatus's rule)
    changes: int           #: good <-> failing changes among the last ``window`` points
    flapping: bool

    @property
    def recovering(self) -> bool:
        """Good again, but not yet for ``up_after`` runs in a row."""
        return bool(self.good) and self.down

    @property
    def not_yet_down(self) -> bool:
        """Failing, but not yet for ``down_after`` runs in a row."""
        return self.good is False and not self.down


def assess(points: Sequence[Point], thresholds: Thresholds) -> Assessment:
    down = False
    failures = successes = 0
    judged = [(at, good) for at, good in points if good is not None]
    if not judged:
        return Assessment(None, None, 0, False, False, 0, False)
    for _, good in judged:
        if good:
            successes += 1
            failures = 0
            if down and successes >= thresholds.up_after:
                down = False
        else:
            failures += 1
            successes = 0
            if failures >= thresholds.down_after:
                down = True
    last = judged[-1][1]
    streak = successes if last else failures
    since = judged[len(judged) - streak][0]
    recent = [good for _, good in points[-thresholds.window:] if good is not None]
    changes = sum(1 for i in range(1, len(recent)) if recent[i] != recent[i - 1])
    return Assessment(last, since, streak, streak == len(judged), down, changes, changes >= thresholds.flap_changes)


@dataclass(frozen=True)
class Transition:
    at: int
    before: str
    after: str


def transitions(points: Sequence[tuple[int, str | None]]) -> list[Transition]:
    """Each change of a labelled series (``None`` points skipped), oldest first."""
    found: list[Transition] = []
    previous: str | None = None
    for at, label in points:
        if label is None:
            continue
        if previous is not None and label != previous:
            found.append(Transition(at, previous, label))
        previous = label
    return found


def uptime(points: Sequence[Point]) -> tuple[int, int]:
    """``(good, judged)`` points."""
    judged = [good for _, good in points if good is not None]
    return sum(1 for good in judged if good), len(judged)


def since_same(points: Sequence[tuple[int, str | None]]) -> tuple[int | None, int, bool]:
    """``(since, runs, from_start)`` of the last label's streak (``None`` points skipped)."""
    labelled = [(at, label) for at, label in points if label is not None]
    if not labelled:
        return None, 0, False
    last = labelled[-1][1]
    streak = 0
    for _, label in reversed(labelled):
        if label != last:
            break
        streak += 1
    return labelled[len(labelled) - streak][0], streak, streak == len(labelled)
