"""Backend version strings, compared leniently, and version ranges as schemas write them.

Relay sites report versions like ``v0.9.25``, ``v0.8.8.0-alpha.5``, ``v1.0.0-rc.22``,
``v0.9.22-patch.1`` or a bare commit (``b8b896b-b8b896b``). :func:`parse` reads the numeric
release and an ``alpha``/``beta``/``rc`` pre-release; other suffixes (``-patch.1``,
``-1-g70beb292``) are ignored; a commit, ``dev-…`` or the local-build ``v0.0.0`` is no version
at all (``None``). A range is a space-separated conjunction: ``>=0.8.8.0-alpha.1 <0.9``.
"""

from __future__ import annotations

import re
from functools import total_ordering

_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)(?:-(alpha|beta|rc)\.?(\d+))?(?:[-+.].*)?$", re.IGNORECASE)
_PRE_RANK = {"alpha": 0, "beta": 1, "rc": 2}
_CLAUSE = re.compile(r"^(>=|<=|==|>|<)\s*(\S+)$")


@total_ordering
class Version:
    """A comparable version: release numbers (padded with zeros), then the pre-release."""

    def __init__(self, release: tuple[int, ...], pre: tuple[int, int] | None, text: str) -> None:
        self.release = release + (0,) * (4 - len(release)) if len(release) < 4 else release
        self.pre = pre
        self.text = text

    def _key(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return self.release, ((0,) + self.pre if self.pre else (1,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Version({self.text!r})"


def parse(text: str | None) -> Version | None:
    """The version ``text`` names, or ``None`` when it names none (commit, ``dev-…``, ``v0.0.0``)."""
    if not text:
        return None
    match = _VERSION.match(text.strip())
    if not match:
        return None
    release = tuple(int(part) for part in match.group(1).split("."))
    if not any(release):
        return None
    kind, number = match.group(2), match.group(3)
    pre = (_PRE_RANK[kind.lower()], int(number)) if kind else None
    return Version(release, pre, text.strip())


def satisfies(version: Version, spec: str) -> bool:
    """Whether ``version`` lies in the range ``spec`` (e.g. ``>=0.8.8.0-alpha.1 <0.9``)."""
    for clause in spec.split():
        match = _CLAUSE.match(clause)
        bound = parse(match.group(2)) if match else None
        if match is None or bound is None:
            raise ValueError(f"not a version range clause: {clause!r} (in {spec!r})")
        op = match.group(1)
        ok = {
            ">=": version >= bound, "<=": version <= bound, "==": version == bound,
            ">": version > bound, "<": version < bound,
        }[op]
        if not ok:
            return False
    return True


def check_range(spec: str) -> None:
    """Raise :class:`ValueError` when ``spec`` is not a valid range."""
    satisfies(Version((1,), None, "1"), spec)
