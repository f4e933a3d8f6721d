"""Page arithmetic: which slice of a list a backend returns for a request's query.

A page spec (a profile's ``pages:`` entry, docs/emulator.md) says which query parameter holds the
page number and where it starts, which parameters give the page size and what a missing, zero,
negative or too large size becomes. Numbers parse as Go's ``strconv.Atoi`` with the error
ignored does: anything that is not an integer is 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Query = Callable[[str], "str | None"]


class PageRefused(Exception):
    """The backend refuses the page query (hub ``size`` > 100); ``message`` is a message key."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Page:
    """Rows ``start``..``start+size`` are shown; ``number`` is the page the answer names."""

    start: int
    size: int
    number: int


def is_atoi(text: str) -> bool:
    """Whether Go's ``strconv.Atoi`` accepts ``text``: ASCII digits after an optional sign."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    return digits.isascii() and digits.isdigit()


def atoi(text: str | None) -> int:
    """``strconv.Atoi`` with its error ignored: 0 unless ``text`` is a plain integer."""
    text = text or ""
    return int(text) if is_atoi(text) else 0


def _size(query: Query, spec: Mapping[str, Any]) -> int:
    if "fixed" in spec:
        return int(spec["fixed"])
    given = next((query(name) for name in spec.get("params", []) if query(name) not in (None, "")), None)
    size = atoi(given)
    default = int(spec.get("default", 10))
    if size < 0 or (size == 0 and spec.get("zero", "default") == "default"):
        size = default
    maximum = spec.get("max")
    if maximum is not None and size > int(maximum):
        if spec.get("over_max", "clamp") == "refuse":
            raise PageRefused(str(spec.get("refusal", "page_size_too_large")))
        size = int(maximum)
    return size


def page_of(query: Query, spec: Mapping[str, Any]) -> Page:
    """The page a request asks for under ``spec`` (raises :class:`PageRefused`)."""
    number_spec = spec["number"]
    first = int(number_spec.get("first", 1))
    number = max(atoi(query(number_spec["param"])), first)
    size = _size(query, spec["size"])
    return Page(start=(number - first) * size, size=size, number=number)
