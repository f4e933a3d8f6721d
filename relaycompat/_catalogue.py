"""The endpoint catalogue: which dashboard endpoints are probed, and how.

The catalogue is data (``tests/endpoints.yaml``); this module loads and checks it. Every other
part of the suite (tests, prober, reports) works from the :class:`Endpoint` records it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ._errors import ConfigError

AUTH_KINDS = ("public", "user", "relay")
ENVELOPES = ("dashboard", "openai")
_FIELDS = {"id", "path", "desc", "desc_en", "documented", "in_code", "auth", "envelope", "mutating"}


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
    mutating: bool = False

    @property
    def test_name(self) -> str:
        return f"test_{self.id}"



@dataclass(frozen=True)
class Catalogue:
    """The endpoints in report order, and the headers that carry a site's ``user_id``."""

    endpoints: tuple[Endpoint, ...]
    user_id_headers: tuple[str, ...]

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
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the endpoint catalogue: {exc}") from None
    entries = document.get("endpoints") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected a mapping with a non-empty list under 'endpoints'")
    problems: list[str] = []
    endpoints: list[Endpoint] = []
    for index, entry in enumerate(entries, start=1):
        where = f"{path}: endpoint #{index}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        where = f"{path}: endpoint {entry.get('id', '#' + str(index))!r}"
        unknown = sorted(set(entry) - _FIELDS)
        missing = sorted(_FIELDS - {"mutating"} - set(entry))
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
        endpoints.append(Endpoint(**{**entry, "mutating": bool(entry.get("mutating", False))}))
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
    if problems:
        raise ConfigError(problems)
    return Catalogue(tuple(endpoints), tuple(headers))
