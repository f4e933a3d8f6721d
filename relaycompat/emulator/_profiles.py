"""The catalogue of emulator profiles: ``profiles/*.yaml``, each a backend or a failure mode.

A profile may start with ``extends: <other profile>``; it is then that profile deep-merged with
what it says itself: mappings merge key by key, anything else replaces, the value
``__delete__`` removes a key, and a mapping holding ``__replace__: true`` replaces the inherited
one whole (for a Go struct whose fields an upstream version reordered or dropped). So a backend
version says only what differs from the one it extends.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

DELETE = "__delete__"
REPLACE = "__replace__"
REQUIRED = ("description", "family", "auth", "messages", "routes", "not_found_keys", "relay_error")


def merge(base: Any, override: Any) -> Any:
    """Deep-merge ``override`` into ``base`` (see the module docstring)."""
    if isinstance(override, dict) and override.get(REPLACE):
        return _strip({key: value for key, value in override.items() if key != REPLACE})
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


@cache
def _raw() -> dict[str, dict[str, Any]]:
    folder = resources.files("relaycompat.emulator").joinpath("profiles")
    return {
        entry.name.removesuffix(".yaml"): yaml.safe_load(entry.read_text("utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    }


@cache
def load_profile(name: str) -> dict[str, Any]:
    """The fully merged profile ``name``; ``KeyError`` if there is none."""
    raw = _raw()
    if name not in raw:
        raise KeyError(f"no emulator profile {name!r} (known: {', '.join(sorted(raw))})")
    document = dict(raw[name])
    parent = document.pop("extends", None)
    profile: dict[str, Any] = merge(load_profile(parent), document) if parent else _strip(document)
    missing = [key for key in REQUIRED if key not in profile]
    if missing:
        raise ValueError(f"emulator profile {name!r} lacks {', '.join(missing)}")
    profile["name"] = name
    return profile


def backend_profile_names() -> list[str]:
    """The profiles that play a backend faithfully: no failure front, and not marked ``faithful: false``
    (a demo of drift or of a stale token is a backend misbehaving on purpose)."""
    return [name for name in profile_names()
            if not load_profile(name).get("front") and load_profile(name).get("faithful", True)]


def profile_names() -> list[str]:
    return sorted(_raw())


def describe_profiles() -> list[tuple[str, str]]:
    return [(name, load_profile(name)["description"]) for name in profile_names()]
