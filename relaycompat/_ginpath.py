"""Route patterns as gin writes them (``/api/token/:id/key``): match a path, pick the one gin picks.

A pattern is ``/``-separated segments; ``:name`` matches any one non-empty segment and
``*name`` the rest of the path. A path is matched segment by segment, a static segment before a
parameter before a catch-all, backing off to the next alternative when a branch leads nowhere
(gin's ``skippedNodes``, since gin v1.7.3): of several patterns that match, gin takes the static
segment over the parameter, from the left (``/api/user/self`` before ``/api/user/:id``), so
``/api/user/dashboard`` on new-api reaches the admin ``/api/user/:id`` while
``/api/user/self/groups`` on one-api reaches nothing (backends.md §2.4). A trailing slash is a
segment of its own (``/api/token/`` is not ``/api/token``): gin answers the other form with a
redirect (:meth:`RouteTable.redirect_target`), never with the route.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass
class _Node:
    static: dict[str, _Node] = field(default_factory=dict)
    param: tuple[str, _Node] | None = None
    catch_all: tuple[str, str] | None = None  # (name, pattern): always a leaf
    pattern: str | None = None


def _segments(path: str) -> list[str]:
    return path.split("/")[1:] if path.startswith("/") else path.split("/")


class RouteTable:
    """The patterns of one router (a tree, as gin keeps them), matched the way gin matches."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self._root = _Node()
        for pattern in patterns:
            self._add(pattern)

    def _add(self, pattern: str) -> None:
        if not pattern.startswith("/"):
            raise ValueError(f"route {pattern!r}: a pattern starts with '/'")
        node = self._root
        for segment in _segments(pattern):
            if segment.startswith("*"):
                if node.catch_all and node.catch_all[1] != pattern:
                    raise ValueError(f"route {pattern!r} conflicts with {node.catch_all[1]!r}")
                node.catch_all = (segment[1:], pattern)
                return
            if segment.startswith(":"):
                name = segment[1:]
                if node.param is None:
                    node.param = (name, _Node())
                elif node.param[0] != name:  # gin panics on this too
                    raise ValueError(f"route {pattern!r}: ':{name}' conflicts with ':{node.param[0]}'")
                node = node.param[1]
            else:
                node = node.static.setdefault(segment, _Node())
        node.pattern = pattern

    def match(self, path: str) -> tuple[str, dict[str, str]] | None:
        """``(pattern, parameters)`` of the route ``path`` reaches, or ``None`` (NoRoute)."""
        return self._match(self._root, _segments(path), 0, {})

    def _match(self, node: _Node, segments: list[str], index: int,
               params: dict[str, str]) -> tuple[str, dict[str, str]] | None:
        if index == len(segments):
            return (node.pattern, params) if node.pattern else None
        segment = segments[index]
        child = node.static.get(segment)
        if child is not None:
            found = self._match(child, segments, index + 1, params)
            if found:
                return found
        if node.param is not None and segment:
            name, child = node.param
            found = self._match(child, segments, index + 1, {**params, name: segment})
            if found:
                return found
        if node.catch_all is not None:
            name, pattern = node.catch_all
            return pattern, {**params, name: "/" + "/".join(segments[index:])}
        return None

    def redirect_target(self, path: str) -> str | None:
        """gin's RedirectTrailingSlash: the path with the slash added or dropped, if that is a route."""
        if path == "/":
            return None
        other = path[:-1] if path.endswith("/") else path + "/"
        return other if self.match(other) else None


@lru_cache(maxsize=64)
def _table(patterns: tuple[str, ...]) -> RouteTable:
    return RouteTable(patterns)


def match(pattern: str, path: str) -> dict[str, str] | None:
    """The parameters ``path`` gives ``pattern`` (``{"id": "7"}``), or ``None`` when it does not match."""
    found = _table((pattern,)).match(path)
    return found[1] if found else None


def best(patterns: Iterable[str], path: str) -> tuple[str, dict[str, str]] | None:
    """The pattern gin routes ``path`` to among ``patterns``, with its parameters; ``None`` if none."""
    return _table(tuple(patterns)).match(path)
