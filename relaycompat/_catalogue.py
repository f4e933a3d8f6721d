"""The endpoint catalogue: which dashboard endpoints are probed, and how.

The catalogue is data (``tests/endpoints.yaml``); this module loads and checks it. Every other
part of the suite (tests, prober, reports) works from the :class:`Endpoint` records it returns.

A path may hold placeholders, filled in when the probe is sent (``Endpoint.path`` stays the
template: results and baselines key on it): the clock's ``{now}``, ``{day_ago}`` and ``{month}``,
and the catalogue's ``values`` (``{token_id}``: read from another probe's body of the same site).
An endpoint with a ``side_effect`` is never sent unless that effect is allowed (``--allow-side-effect``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ._errors import ConfigError
from ._yaml import load_data

AUTH_KINDS = ("public", "user", "relay")
#: dashboard {success, message, data}; openai {data: [...]}; usage {code: true, message, data}
#: (new-api's /api/usage/token/); billing an OpenAI billing object {object, ...}.
ENVELOPES = ("dashboard", "openai", "usage", "billing")
METHODS = ("GET", "POST")
#: Placeholders the clock fills: Unix seconds now, 24 hours ago, and the UTC month (YYYY-MM).
CLOCK = ("now", "day_ago", "month")
_REQUIRED = {"id", "path", "desc", "desc_en", "documented", "in_code", "auth", "envelope"}
_FIELDS = _REQUIRED | {"method", "side_effect"}


def _placeholders(path: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(path) if name)


def clock_values(now: datetime | None = None) -> dict[str, str]:
    """The clock placeholders' values at ``now`` (UTC)."""
    now = now or datetime.now(UTC)
    stamp = int(now.timestamp())
    return {"now": str(stamp), "day_ago": str(stamp - 86400), "month": now.strftime("%Y-%m")}


@dataclass(frozen=True)
class Value:
    """A placeholder filled from another probe of the same site: the first of ``paths`` (dotted,
    list indexes as numbers) that holds an integer in that probe's successful body."""

    name: str
    source: str
    paths: tuple[str, ...]

    def read(self, body: Any) -> str | None:
        for path in self.paths:
            value: Any = body
            for part in path.split("."):
                if isinstance(value, Mapping):
                    value = value.get(part)
                elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                    value = value[int(part)]
                else:
                    value = None
                    break
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
        return None


@dataclass(frozen=True)
class SideEffect:
    """What calling an endpoint changes; the name is what ``--allow-side-effect`` takes."""

    name: str
    desc: str
    desc_en: str


@dataclass(frozen=True)
class Endpoint:
    """One probed endpoint: a GET of ``path`` on every site."""

    id: str
    path: str
    desc: str
    desc_en: str
    documented: bool
    in_code: bool
    auth: str
    envelope: str
    method: str = "GET"
    side_effect: str | None = None
    #: Names of the placeholders in ``path`` (clock and ``values``).
    needs: tuple[str, ...] = field(default=())

    @property
    def test_name(self) -> str:
        return f"test_{self.id}"

    @property
    def mutating(self) -> bool:
        """Whether calling it changes anything (it has a side effect)."""
        return self.side_effect is not None

    def render(self, values: Mapping[str, str]) -> str:
        """The path with its placeholders filled in from ``values``."""
        return self.path.format_map(values) if self.needs else self.path


@dataclass(frozen=True)
class Catalogue:
    """The endpoints in report order, and the headers that carry a site's ``user_id``."""

    endpoints: tuple[Endpoint, ...]
    user_id_headers: tuple[str, ...]
    values: Mapping[str, Value] = field(default_factory=dict)
    side_effects: Mapping[str, SideEffect] = field(default_factory=dict)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.endpoints)

    def __len__(self) -> int:
        return len(self.endpoints)

    def by_id(self, endpoint_id: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.id == endpoint_id:
                return endpoint
        raise KeyError(endpoint_id)

    def by_path(self, path: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.path == path:
                return endpoint
        raise KeyError(path)


def load_catalogue(path: Path) -> Catalogue:
    """Read and check the catalogue file; raise :class:`ConfigError` naming every problem."""
    try:
        document = load_data(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the endpoint catalogue: {exc}") from None
    entries = document.get("endpoints") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected a mapping with a non-empty list under 'endpoints'")
    problems: list[str] = []
    endpoints: list[Endpoint] = []
    values = _values(path, document.get("values") or {}, problems)
    side_effects = _side_effects(path, document.get("side_effects") or {}, problems)
    for index, entry in enumerate(entries, start=1):
        where = f"{path}: endpoint #{index}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        where = f"{path}: endpoint {entry.get('id', '#' + str(index))!r}"
        unknown = sorted(set(entry) - _FIELDS)
        missing = sorted(_REQUIRED - set(entry))
        if unknown or missing:
            problems += [f"{where}: unknown key {k!r}" for k in unknown]
            problems += [f"{where}: missing key {k!r}" for k in missing]
            continue
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(entry["id"])):
            problems.append(f"{where}: id must be snake_case (it becomes test_<id>)")
        if not str(entry["path"]).startswith("/"):
            problems.append(f"{where}: path must start with '/'")
        if entry["auth"] not in AUTH_KINDS:
            problems.append(f"{where}: auth must be one of {', '.join(AUTH_KINDS)}")
        if entry["envelope"] not in ENVELOPES:
            problems.append(f"{where}: envelope must be one of {', '.join(ENVELOPES)}")
        if entry.get("method", "GET") not in METHODS:
            problems.append(f"{where}: method must be one of {', '.join(METHODS)}")
        if entry.get("method", "GET") != "GET" and not entry.get("side_effect"):
            problems.append(f"{where}: a {entry['method']} changes something: name its side_effect")
        if entry.get("side_effect") and entry["side_effect"] not in side_effects:
            problems.append(f"{where}: side_effect {entry['side_effect']!r} is not under side_effects")
        needs = _placeholders(str(entry["path"]))
        unknown_needs = [n for n in needs if n not in CLOCK and n not in values]
        if unknown_needs:
            problems.append(f"{where}: placeholder(s) {', '.join(unknown_needs)} are neither clock values "
                            f"({', '.join(CLOCK)}) nor under values")
        endpoints.append(Endpoint(**{**entry, "needs": needs}))
    for key in ("id", "path"):
        seen: set[str] = set()
        for endpoint in endpoints:
            value = getattr(endpoint, key)
            if value in seen:
                problems.append(f"{path}: {key} {value!r} appears twice")
            seen.add(value)
    headers = document.get("user_id_headers", [])
    if not isinstance(headers, list) or not all(isinstance(h, str) and h for h in headers):
        problems.append(f"{path}: user_id_headers must be a list of header names")
    ids = {e.id for e in endpoints}
    problems += [f"{path}: value {v.name!r} reads from {v.source!r}, which is no endpoint id"
                 for v in values.values() if v.source not in ids]
    if problems:
        raise ConfigError(problems)
    return Catalogue(tuple(endpoints), tuple(headers), values, side_effects)


def _values(path: Path, raw: Any, problems: list[str]) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for name, spec in (raw.items() if isinstance(raw, dict) else []):
        if not isinstance(spec, dict) or not spec.get("from") or not spec.get("paths"):
            problems.append(f"{path}: value {name!r} needs 'from' (an endpoint id) and 'paths'")
            continue
        values[name] = Value(name, str(spec["from"]), tuple(str(p) for p in spec["paths"]))
    return values


def _side_effects(path: Path, raw: Any, problems: list[str]) -> dict[str, SideEffect]:
    effects: dict[str, SideEffect] = {}
    for name, spec in (raw.items() if isinstance(raw, dict) else []):
        if not isinstance(spec, dict) or not spec.get("desc") or not spec.get("desc_en"):
            problems.append(f"{path}: side effect {name!r} needs 'desc' and 'desc_en'")
            continue
        effects[name] = SideEffect(name, str(spec["desc"]), str(spec["desc_en"]))
    return effects
