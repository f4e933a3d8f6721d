"""Site files: which relay sites a run probes, with what credentials.

A site file is YAML with a list under ``sites`` (format in the README and in
``relaycompat/data/sites.schema.json``). ``${NAME}`` in a value reads the environment variable
``NAME``. Everything wrong with a file is reported at start-up as one line per problem naming
the file, the site and the field; nothing is probed until every file is right. Files are read
strictly (:mod:`._yaml`: no duplicate keys, bounded aliases), a variable that is set but empty
is as wrong as one that is not set, and every number must be finite.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ._access_tokens import token_kind
from ._config import DEFAULT_MAX_IN_FLIGHT, DEFAULT_TIMEOUT
from ._errors import ConfigError
from ._text import safe_text
from ._yaml import YAMLProblem, load_yaml

_ENV_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Site:
    """One configured relay site. Credentials never appear in ``repr`` or in :meth:`public`."""

    name: str
    slug: str
    source: str
    url: str | None = None
    emulate: str | None = None
    backend: str | None = None
    user_id: int | None = None
    access_token: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    min_interval_ms: float = 0.0
    latency_ms: float = 0.0
    #: Every value read from the environment (``${NAME}``): secrets, whatever field they fill.
    env_values: tuple[str, ...] = field(default=(), repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.access_token, self.api_key, *self.env_values) if s)

    def with_url(self, url: str) -> Site:
        return replace(self, url=url.rstrip("/"))

    def __repr__(self) -> str:  # never a credential, nor a secret read into the URL
        return f"Site(name={self.name!r}, slug={self.slug!r}, url={self._masked(self.url)!r}, emulate={self.emulate!r})"

    def _masked(self, text: str | None) -> str | None:
        for value in self.env_values:
            if text and len(value) >= 6:
                text = text.replace(value, "[redacted]")
        return text

    def public(self) -> dict[str, Any]:
        """A plain, secret-free description (safe for workers, results and reports)."""
        return {
            "name": self.name,
            "slug": self.slug,
            "url": self._masked(self.url),
            "emulate": self.emulate,
            "backend": self.backend,
            "user_id": self.user_id,
            "has_access_token": self.access_token is not None,
            "access_token_kind": token_kind(self.access_token),
            "has_api_key": self.api_key is not None,
            "timeout": self.timeout,
            "source": self.source,
        }


def _schema() -> dict[str, Any]:
    text = resources.files("relaycompat").joinpath("data/sites.schema.json").read_text("utf-8")
    return json.loads(text)


def _site_label(entry: Any, index: int) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        return f"site {entry['name']!r}"
    return f"site #{index}"


def _describe_schema_error(error: Any) -> str:
    path = [p for p in error.absolute_path]
    field_name = ".".join(str(p) for p in path[2:]) if len(path) > 2 else None
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"unknown key {', '.join(repr(e) for e in extra)} (allowed: {', '.join(sorted(error.schema['properties']))})"
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    if error.validator == "oneOf" and len(path) == 2:
        has = [k for k in ("url", "emulate") if isinstance(error.instance, dict) and k in error.instance]
        return "give exactly one of 'url' or 'emulate'" + (f" (found {' and '.join(has)})" if has else "")
    prefix = f"{field_name}: " if field_name else ""
    if error.validator == "type" and error.validator_value == "string" and isinstance(error.instance, (int, float)):
        return f"{prefix}{error.instance!r} is read as a number; quote it: \"{error.instance}\""
    if error.validator == "enum":
        return f"{prefix}{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    return f"{prefix}{error.message}"


def _expand_env(value: Any, environ: os._Environ[str] | dict[str, str]) -> tuple[Any, list[str], list[str]]:
    """Replace ``${NAME}`` in strings; return the value, the names not set, the values read."""
    if not isinstance(value, str):
        return value, [], []
    missing: list[str] = []
    read: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if not _ENV_NAME.fullmatch(name):
            missing.append(f"{name!r} is not a valid variable name")
            return ""
        if name not in environ:
            missing.append(name)
            return ""
        if not environ[name]:
            missing.append(f"environment variable {name} is set but empty (the field would be silently "
                           "dropped); give it the value, or remove the field")
            return ""
        read.append(environ[name])
        return environ[name]

    return _ENV_REFERENCE.sub(substitute, value), missing, read


def slugify(text: str) -> str:
    """A readable ASCII test id for ``text``, or '' when ``text`` has no ASCII to build one from."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9.]+", "-", ascii_text).strip("-.").lower()


def _slug_for(entry: dict[str, Any]) -> str:
    if entry.get("id"):
        return str(entry["id"])
    name = str(entry["name"])
    if name.isascii() and slugify(name):
        return slugify(name)
    if entry.get("url"):  # host, port and path: sites on one host differ by the rest
        parts = urlsplit(str(entry["url"]))
        where = (parts.hostname or "") + (f"-{parts.port}" if parts.port else "") + parts.path
        if slugify(where):
            return slugify(where)
    return slugify(str(entry.get("emulate") or "")) or "site"


def _check_url(url: str, shown: str) -> str | None:
    """A problem with ``url``, quoting ``shown`` (the URL as written, before ``${NAME}`` is read)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises for a port out of range)
    except ValueError as exc:
        return f"url: {shown!r} is not a valid URL ({exc}); write it as https://host/"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"url: {shown!r} is not an http(s) URL (write it as https://host/)"
    if parts.username or parts.password:
        return "url: holds a user or password (user:password@host); give credentials as access_token, never in the URL"
    if parts.query or parts.fragment:
        return f"url: {shown!r} has a query or fragment; give the site's base URL only"
    return None


def _bad_values(values: dict[str, Any]) -> list[str]:
    """Values the schema cannot refuse: infinite or NaN numbers, and control characters."""
    problems = []
    for key, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{key}: {value} is not a finite number")
        elif isinstance(value, str) and key in ("name", "id", "url", "emulate") and safe_text(value) != value:
            problems.append(f"{key}: holds a control or direction-changing character; write it as plain text")
    return problems


def _read(path: Path) -> tuple[list[Any], list[str]]:
    try:
        document = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return [], [f"{path}: cannot read: {exc.strerror or exc}"]
    except UnicodeDecodeError as exc:
        return [], [f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"]
    except YAMLProblem as exc:
        return [], [f"{path}: {exc}"]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return [], [f"{path}: not valid YAML{where}: {problem}"]
    if document is None:
        return [], [f"{path}: the file is empty; expected 'sites:' with a list of sites"]
    if not isinstance(document, dict) or "sites" not in document:
        return [], [f"{path}: expected a mapping with a list under 'sites'"]
    return [document], []


def load_sites(
    paths: Sequence[Path],
    *,
    profiles: Iterable[str] = (),
    environ: dict[str, str] | None = None,
) -> tuple[Site, ...]:
    """Load every site of ``paths`` (files, read in order); raise :class:`ConfigError` on any problem.

    ``profiles`` are the emulator profile names an ``emulate:`` entry may use.
    """
    from jsonschema import Draft202012Validator  # imported here: workers never load site files

    env = dict(os.environ) if environ is None else environ
    validator = Draft202012Validator(_schema())
    known_profiles = set(profiles)
    problems: list[str] = []
    sites: list[Site] = []
    for path in paths:
        documents, read_problems = _read(path)
        problems += read_problems
        for document in documents:
            errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
            bad_entries: set[int] = set()
            for error in errors:
                entry_path = list(error.absolute_path)
                if len(entry_path) >= 2 and entry_path[0] == "sites":
                    index = int(entry_path[1])
                    if index in bad_entries:
                        continue
                    bad_entries.add(index)
                    label = _site_label(document["sites"][index], index + 1)
                    problems.append(f"{path}: {label}: {_describe_schema_error(error)}")
                else:
                    problems.append(f"{path}: {error.message}")
            if any(not entry_path or entry_path[0] != "sites" for entry_path in
                   (list(e.absolute_path) for e in errors)):
                continue
            for index, entry in enumerate(document["sites"]):
                if index in bad_entries:
                    continue
                label = _site_label(entry, index + 1)
                values: dict[str, Any] = {}
                env_values: list[str] = []
                for key, raw in entry.items():
                    value, missing, read = _expand_env(raw, env)
                    env_values += read
                    for name in missing:
                        hint = name if " " in name else f"environment variable {name} is not set (export it, or remove the field)"
                        problems.append(f"{path}: {label}: {key}: {hint}")
                    values[key] = value
                bad_values = _bad_values(values)
                if bad_values:
                    problems += [f"{path}: {label}: {problem}" for problem in bad_values]
                    continue
                if "url" in values:
                    bad_url = _check_url(str(values["url"]), shown=str(entry["url"]))
                    if bad_url:
                        problems.append(f"{path}: {label}: {bad_url}")
                        continue
                if "emulate" in values and known_profiles and values["emulate"] not in known_profiles:
                    problems.append(
                        f"{path}: {label}: emulate: unknown profile {values['emulate']!r} "
                        f"(run `python -m relaycompat.emulator --list` to see them)"
                    )
                    continue
                user_id = values.get("user_id")
                sites.append(
                    Site(
                        name=values["name"],
                        slug=_slug_for(values),
                        source=str(path),
                        url=str(values["url"]).rstrip("/") if values.get("url") else None,
                        emulate=values.get("emulate"),
                        backend=values.get("backend"),
                        user_id=int(user_id) if user_id not in (None, "") else None,
                        access_token=values.get("access_token") or None,
                        api_key=values.get("api_key") or None,
                        timeout=float(values.get("timeout", DEFAULT_TIMEOUT)),
                        max_in_flight=int(values.get("max_in_flight", DEFAULT_MAX_IN_FLIGHT)),
                        min_interval_ms=float(values.get("min_interval_ms", 0)),
                        latency_ms=float(values.get("latency_ms", 0)),
                        env_values=tuple(env_values),
                    )
                )
    problems += _duplicates(sites)
    if problems:
        raise ConfigError(problems)
    return tuple(sites)


def _duplicates(sites: Sequence[Site]) -> list[str]:
    problems = []
    by_name: dict[str, Site] = {}
    by_slug: dict[str, Site] = {}
    for site in sites:
        if site.name in by_name:
            problems.append(
                f"{site.source}: site {site.name!r}: name: duplicate of the site in {by_name[site.name].source}; names must be unique"
            )
        elif site.slug in by_slug:
            problems.append(
                f"{site.source}: site {site.name!r}: id: its test id {site.slug!r} is already used by "
                f"{by_slug[site.slug].name!r}; give one of them an explicit `id:`"
            )
        by_name.setdefault(site.name, site)
        by_slug.setdefault(site.slug, site)
    return problems


def site_files(locations: Sequence[Path]) -> list[Path]:
    """Expand folders to the ``*.yaml``/``*.yml`` files directly inside them, sorted."""
    files: list[Path] = []
    problems = []
    for location in locations:
        if location.is_dir():
            found = sorted(p for p in location.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
            if not found:
                problems.append(f"{location}: no *.yaml site files in this folder")
            files += found
        elif location.is_file():
            files.append(location)
        else:
            problems.append(f"{location}: no such site file or folder (--sites takes a .yaml file or a folder)")
    if problems:
        raise ConfigError(problems)
    return files
