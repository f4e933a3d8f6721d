"""The catalogue of emulator profiles: ``profiles/*.yaml``, each a backend or a failure mode.

A profile may start with ``extends: <other profile>``; it is then that profile deep-merged with
what it says itself: mappings merge key by key, anything else replaces, the value
``__delete__`` removes a key, a template expression (a one-key mapping such as ``{$and: …}``)
replaces, and a mapping holding ``__replace__: true`` replaces the inherited one whole (for a Go struct whose fields an upstream version reordered or dropped). So a backend
version says only what differs from the one it extends.

Beside the profiles, ``profiles/routes/<name>.yaml`` holds an upstream router's GET routes
(:class:`RouteList`): which paths the backend registers, behind which auth middleware, in which
router file at which commit. A profile names its list with ``route_list:``; the engine routes
exactly those paths, and the profile's ``routes:`` give their bodies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from .._yaml import load_data

DELETE = "__delete__"
REPLACE = "__replace__"
REQUIRED = ("description", "family", "auth", "messages", "routes", "route_list", "not_found_keys", "relay_error")
#: Auth levels the engine plays itself; any other level is a relay-key middleware of the profile's
#: ``key_auth`` (docs/emulator.md).
USER_LEVELS = ("public", "try", "user", "admin", "root")


@dataclass(frozen=True)
class ListedRoute:
    """One GET route an upstream router registers: its auth level and the router file; for a
    route the emulator does not play, the level is ``not_emulated`` and ``reason`` says why."""

    pattern: str
    level: str
    file: str
    reason: str = ""


@dataclass(frozen=True)
class RouteList:
    """An upstream router's GET routes at one commit (``profiles/routes/<name>.yaml``)."""

    name: str
    upstream: dict[str, str]
    routes: dict[str, ListedRoute]
    #: Registered GETs the emulator does not play, each with the reason (docs/emulator.md).
    not_emulated: dict[str, ListedRoute]


def merge(base: Any, override: Any) -> Any:
    """Deep-merge ``override`` into ``base`` (see the module docstring)."""
    if isinstance(override, dict) and override.get(REPLACE):
        return _strip({key: value for key, value in override.items() if key != REPLACE})
    if isinstance(override, dict) and len(override) == 1 and next(iter(override)).startswith("$"):
        return _strip(override)  # an expression ({"$and": …}) replaces: operators never mix
    if not isinstance(base, dict) or not isinstance(override, dict):
        return _strip(override)
    merged = dict(base)
    for key, value in override.items():
        if value == DELETE:
            merged.pop(key, None)
        else:
            merged[key] = merge(base.get(key), value)
    return merged


def _strip(value: Any) -> Any:
    """``value`` without ``__replace__`` markers (a new key has nothing to replace)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != REPLACE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _documents(folder: str) -> dict[str, dict[str, Any]]:
    directory = resources.files("relaycompat.emulator").joinpath(folder)
    return {
        entry.name.removesuffix(".yaml"): load_data(entry.read_text("utf-8"))
        for entry in sorted(directory.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    }


@cache
def _raw() -> dict[str, dict[str, Any]]:
    return _documents("profiles")


@cache
def _raw_route_lists() -> dict[str, dict[str, Any]]:
    return _documents("profiles/routes")


def _resolved(raw: dict[str, dict[str, Any]], name: str, what: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
    """Document ``name`` of ``raw`` merged over its ``extends:`` chain (a profile or a route list)."""
    if name in chain:
        raise KeyError(f"{what} {name!r} extends itself ({' → '.join(chain + (name,))})")
    if name not in raw:
        raise KeyError(f"no {what} {name!r} (known: {', '.join(sorted(raw))})")
    document = dict(raw[name])
    parent = document.pop("extends", None)
    resolved: dict[str, Any] = merge(_resolved(raw, parent, what, chain + (name,)), document) if parent else _strip(document)
    return resolved


def _flatten(name: str, by_file: dict[str, Any] | None, what: str) -> dict[str, ListedRoute]:
    flat: dict[str, ListedRoute] = {}
    for file, routes in (by_file or {}).items():
        for pattern, value in (routes or {}).items():
            if pattern in flat:
                raise ValueError(f"route list {name!r}: {pattern} is listed in {flat[pattern].file} and {file}")
            played = what == "routes"
            flat[pattern] = ListedRoute(pattern, str(value) if played else what, file, "" if played else str(value))
            if played and not str(value).replace("_", "").isalpha():
                raise ValueError(f"route list {name!r}: {pattern}: level {value!r} is not a name")
    return flat


@cache
def load_route_list(name: str) -> RouteList:
    """The route list ``name`` with its ``extends:`` chain merged; ``KeyError`` if there is none."""
    document = _resolved(_raw_route_lists(), name, "route list")
    routes = _flatten(name, document.get("routes"), "routes")
    skipped = _flatten(name, document.get("not_emulated"), "not_emulated")
    both = sorted(set(routes) & set(skipped))
    if both:
        raise ValueError(f"route list {name!r}: listed as routes and as not emulated: {', '.join(both)}")
    return RouteList(name, dict(document.get("upstream") or {}), routes, skipped)


def route_list_names() -> list[str]:
    return sorted(_raw_route_lists())


@cache
def _merged(name: str) -> dict[str, Any]:
    """Profile ``name`` merged over its ``extends:`` chain, ``same_as`` routes still unresolved."""
    return _resolved(_raw(), name, "emulator profile")


@cache
def load_profile(name: str) -> dict[str, Any]:
    """The fully merged profile ``name``; ``KeyError`` if there is none."""
    profile = dict(_merged(name))
    missing = [key for key in REQUIRED if key not in profile]
    if missing:
        raise ValueError(f"emulator profile {name!r} lacks {', '.join(missing)}")
    profile["name"] = name
    profile["routes"] = _resolve_aliases(name, profile["routes"])
    _check_routes(profile)
    return profile


def _resolve_aliases(name: str, routes: dict[str, Any]) -> dict[str, Any]:
    """``same_as: <pattern>``: a route registered on the same handler as another (``/hf/v1/models``)."""
    resolved = dict(routes)
    for pattern, route in routes.items():
        if isinstance(route, dict) and "same_as" in route:
            target = routes.get(route["same_as"])
            if not isinstance(target, dict) or "same_as" in target:
                raise ValueError(f"emulator profile {name!r}: {pattern} is same_as {route['same_as']!r}, "
                                 "which is not a route with a body of its own")
            resolved[pattern] = {**target, **{k: v for k, v in route.items() if k != "same_as"}}
    return resolved


def _check_routes(profile: dict[str, Any]) -> None:
    """Bodies only for listed routes; a body for every route a common user passes; known levels."""
    listed = load_route_list(profile["route_list"]).routes
    where = f"emulator profile {profile['name']!r} (route list {profile['route_list']!r})"
    unlisted = sorted(set(profile["routes"]) - set(listed))
    if unlisted:
        raise ValueError(f"{where}: bodies for routes the upstream does not register: {', '.join(unlisted)}")
    key_levels = {"relay", *(profile.get("key_auth") or {})}
    unknown = sorted({r.level for r in listed.values()} - set(USER_LEVELS) - key_levels)
    if unknown:
        raise ValueError(f"{where}: levels without a key_auth entry: {', '.join(unknown)}")
    bodiless = [r.pattern for r in listed.values()
                if r.level not in ("admin", "root") and r.pattern not in profile["routes"]]
    if bodiless:
        raise ValueError(f"{where}: no body for {len(bodiless)} routes: {', '.join(bodiless)}")


def backend_profile_names() -> list[str]:
    """The profiles that play a backend faithfully: no failure front, and not marked ``faithful: false``
    (a demo of drift or of a stale token is a backend misbehaving on purpose)."""
    return [name for name in profile_names()
            if not load_profile(name).get("front") and load_profile(name).get("faithful", True)]


@cache
def profile_names() -> list[str]:
    """The profile names (file names: nothing is parsed, so site files are checked cheaply)."""
    folder = resources.files("relaycompat.emulator").joinpath("profiles")
    return sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def describe_profiles() -> list[tuple[str, str]]:
    return [(name, load_profile(name)["description"]) for name in profile_names()]
