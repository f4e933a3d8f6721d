"""Route patterns as gin writes them (``/api/token/:id/key``): match a path, pick the one gin picks.

A pattern is ``/``-separated segments; ``:name`` matches any one non-empty segment and
``*name`` the rest of the path. Of several patterns that match, gin's tree takes the static
segment over the parameter, segment by segment from the left (``/api/user/self`` before
``/api/user/:id``). A trailing slash is a segment of its own (``/api/token/`` is not
``/api/token``): gin answers the other form with a redirect, never with the route.
"""

from __future__ import annotations

from collections.abc import Iterable


def match(pattern: str, path: str) -> dict[str, str] | None:
    """The parameters ``path`` gives ``pattern`` (``{"id": "7"}``), or ``None`` when it does not match."""
    wanted, given = pattern.split("/"), path.split("/")
    params: dict[str, str] = {}
    for index, segment in enumerate(wanted):
        if segment.startswith("*"):
            params[segment[1:]] = "/" + "/".join(given[index:])
            return params
        if index >= len(given):
            return None
        if segment.startswith(":"):
            if not given[index]:
                return None
            params[segment[1:]] = given[index]
        elif segment != given[index]:
            return None
    return params if len(wanted) == len(given) else None


def _rank(pattern: str) -> tuple[int, ...]:
    """Lower is preferred: per segment 0 static, 1 parameter, 2 catch-all."""
    return tuple(2 if s.startswith("*") else 1 if s.startswith(":") else 0 for s in pattern.split("/"))


def best(patterns: Iterable[str], path: str) -> tuple[str, dict[str, str]] | None:
    """The pattern gin routes ``path`` to among ``patterns``, with its parameters; ``None`` if none."""
    found = [(pattern, params) for pattern in patterns if (params := match(pattern, path)) is not None]
    return min(found, key=lambda item: _rank(item[0])) if found else None
