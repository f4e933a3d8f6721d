"""Streaks, since when, down and back up by Gatus's thresholds, flapping, transitions, uptime."""

from __future__ import annotations

import pytest

from relaycompat.history import Thresholds
from relaycompat.history._timeline import assess, since_same, transitions, uptime


def series(pattern: str) -> list[tuple[int, bool | None]]:
    """``"++-?"``: ok, ok, failing, not judged; times are 0, 10, 20, …"""
    return [(i * 10, {"+": True, "-": False, "?": None}[c]) for i, c in enumerate(pattern)]


GATUS = Thresholds()


def test_defaults_are_gatus_three_failures_down_two_successes_up() -> None:
    assert (GATUS.down_after, GATUS.up_after) == (3, 2)


@pytest.mark.parametrize("pattern, good, streak, since, down", [
    ("+++", True, 3, 0, False),
    ("++-", False, 1, 20, False),            # one failure: failing, not called down
    ("++--", False, 2, 20, False),
    ("++---", False, 3, 20, True),           # the third in a row calls it down
    ("++---+", True, 1, 50, True),           # ok again, but not yet back up
    ("++---++", True, 2, 50, False),         # the second ok in a row calls it back up
    ("++-?-", False, 2, 20, False),          # a run without a verdict neither breaks nor extends
    ("++--?-", False, 3, 20, True),
    ("+-+-+-", False, 1, 50, False),
    ("", None, 0, None, False),
    ("??", None, 0, None, False),
])
def test_streaks_and_the_down_and_up_thresholds(pattern: str, good: bool | None, streak: int, since: int | None,
                                                 down: bool) -> None:
    a = assess(series(pattern), GATUS)
    assert (a.good, a.streak, a.since, a.down) == (good, streak, since, down)


def test_recovering_and_not_yet_down_are_told_apart() -> None:
    assert assess(series("---+"), GATUS).recovering
    assert not assess(series("---++"), GATUS).recovering
    assert assess(series("+-"), GATUS).not_yet_down
    assert not assess(series("+---"), GATUS).not_yet_down


def test_thresholds_are_options() -> None:
    eager = Thresholds(down_after=1, up_after=1)
    assert assess(series("+-"), eager).down
    assert not assess(series("+-+"), eager).down
    with pytest.raises(ValueError, match="down_after must be at least 1"):
        Thresholds(down_after=0)


def test_from_start_says_the_streak_is_the_whole_history() -> None:
    assert assess(series("+++"), GATUS).from_start
    assert not assess(series("-++"), GATUS).from_start


def test_flapping_counts_changes_in_the_window_only() -> None:
    assert assess(series("+-+-+"), GATUS).flapping                      # 4 changes
    assert not assess(series("+-+-"), GATUS).flapping                   # 3
    assert assess(series("+-+-"), Thresholds(flap_changes=3)).flapping
    old_flaps = "+-+-+-+-" + "+" * 20
    assert not assess(series(old_flaps), GATUS).flapping                # out of the last 20 runs
    assert assess(series(old_flaps), Thresholds(window=30)).flapping


def test_transitions_uptime_and_since_same() -> None:
    labelled = [(0, "ok"), (10, "ok"), (20, None), (30, "down"), (40, "ok")]
    assert [(t.at, t.before, t.after) for t in transitions(labelled)] == [(30, "ok", "down"), (40, "down", "ok")]
    assert uptime(series("++-?+")) == (3, 4)
    assert since_same(labelled) == (40, 1, False)
    assert since_same([(0, "a"), (10, "a")]) == (0, 2, True)
