"""Per-backend JSON Schemas: loading them into one registry, narrowing by version, validating.

Layout (docs/schemas.md): ``schemas/<family>/<endpoint id>.json`` for each backend family, and
``schemas/common/*.json`` for the parts they share (envelope, error bodies, list pages), all
Draft 2020-12 with an ``$id`` equal to ``BASE_URI + <path under schemas/>``, ``$ref``-ed by that
``$id``. Nothing is read from disk after :meth:`SchemaSet.load`.

Versions: a ``oneOf``/``anyOf`` branch may say which versions of its family it describes
(``"x-versions": ">=0.8.8.0-alpha.1"``, :mod:`._versions`). When a site's version is known,
the branches of that family's own schemas that exclude it are dropped before validating.
The result (:class:`SchemaResult`) reads as evidence (:mod:`._schema_findings`).

Bounded: a validation may take at most the deadline it is given (every keyword checks it, so a
oneOf over a huge array stops too, :class:`ValidationTooSlow`), and at most
:data:`MAX_ERRORS_SCANNED` errors are collected and rendered.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from . import _versions
from ._errors import ConfigError
from ._schema_findings import VERSIONS_KEY, Node, render_errors, walk_drift

BASE_URI = "https://relaycompat.invalid/schemas/"
MAX_ERRORS = 5
MAX_DRIFT = 20
#: Errors of one body collected (and rendered); past it the count says "at least".
MAX_ERRORS_SCANNED = 1000
FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER


class ValidationTooSlow(Exception):
    """Validating one body went past its deadline (a body built to be costly)."""


_deadline = threading.local()


def _with_deadline(keyword: Callable[..., Any]) -> Callable[..., Any]:
    def check(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        at = getattr(_deadline, "at", None)
        if at is not None and time.thread_time() > at:
            raise ValidationTooSlow(f"validation took more than {_deadline.seconds:g} s")
        return keyword(validator, value, instance, schema)

    return check


#: Draft 2020-12 whose every keyword checks the validation's deadline first.
_Validator = validators.extend(
    Draft202012Validator, {name: _with_deadline(fn) for name, fn in Draft202012Validator.VALIDATORS.items()})

__all__ = ["BASE_URI", "FORMAT_CHECKER", "MAX_ERRORS", "VERSIONS_KEY", "SchemaResult", "SchemaSet", "narrow"]


@dataclass
class SchemaResult:
    """The outcome of validating one body: which schema, its errors, drift notes and shapes."""

    schema_id: str | None
    errors: list[dict[str, str]] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    error_count: int = 0
    version: str | None = None
    shapes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.errors:
            return "matches the schema"
        first = self.errors[0]
        more = f" (+{self.error_count - 1} more)" if self.error_count > 1 else ""
        shape = f" [{first['shape']}]" if first.get("shape") else ""
        return f"{first['path']}: expected {first['expected']}, got {first['actual']}{shape}{more}"

    def to_dict(self, redactor: Any = None) -> dict[str, Any]:
        clean = (lambda s: redactor.text(s)) if redactor is not None else (lambda s: s)
        return {
            "schema_id": self.schema_id,
            "version": self.version,
            "shapes": self.shapes,
            "errors": [{k: clean(val) for k, val in e.items()} for e in self.errors],
            "error_count": self.error_count,
            "drift": [clean(d) for d in self.drift],
        }


# ---- version narrowing ----------------------------------------------------------------------
def narrow(node: Any, version: _versions.Version) -> Any:
    """A copy of a schema whose versioned oneOf/anyOf branches exclude ``version`` no more.

    Branches without ``x-versions`` always stay; if no branch would stay, all do (the ranges
    then do not cover the version, and no shape is preferred). One branch left becomes allOf.
    """
    if isinstance(node, list):
        return [narrow(item, version) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: narrow(value, version) for key, value in node.items()}
    for keyword in ("oneOf", "anyOf"):
        branches = out.get(keyword)
        if not isinstance(branches, list):
            continue
        kept = [b for b in branches
                if not (isinstance(b, dict) and VERSIONS_KEY in b) or _versions.satisfies(version, b[VERSIONS_KEY])]
        if not kept or len(kept) == len(branches):
            continue
        if len(kept) == 1:
            del out[keyword]
            out["allOf"] = [*out.get("allOf", []), kept[0]]
        else:
            out[keyword] = kept
    return out


def _dicts(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON document (every subschema of a schema, and then some)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _dicts(value)


def _versioned(schema: Any) -> bool:
    return any(VERSIONS_KEY in d for d in _dicts(schema))


class SchemaSet:
    """Every schema of ``schemas/`` in one registry, and validators built from it on demand."""

    def __init__(self, directory: Path, registry: Registry, ids: dict[str, str]) -> None:
        self.directory = directory
        self.registry = registry
        self._ids = ids  # "<family>/<endpoint>" -> $id
        self._registries: dict[tuple[str, Any], Registry] = {}
        self._validators: dict[tuple[str, Any], Draft202012Validator] = {}

    @classmethod
    def load(cls, directory: Path, *, check: bool = True) -> SchemaSet:
        """Load every ``*.json`` below ``directory``; raise :class:`ConfigError` on a bad file.

        Checked here, so a broken schema stops the run before any request: readable JSON, a
        valid Draft 2020-12 schema, ``$id`` by the convention, every ``$ref`` resolvable,
        every ``x-versions`` a valid range. ``check=False`` skips the meta-schema check (the
        slow part) for a process loading what the controller has already checked.
        """
        directory = Path(directory)
        problems: list[str] = []
        resources: list[tuple[str, Resource[Any]]] = []
        ids: dict[str, str] = {}
        for path in sorted(directory.rglob("*.json")) if directory.is_dir() else []:
            relative = path.relative_to(directory).as_posix()
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
                if check:
                    Draft202012Validator.check_schema(schema)
            except (OSError, json.JSONDecodeError) as exc:
                problems.append(f"{path}: not readable JSON: {exc}")
                continue
            except SchemaError as exc:
                problems.append(f"{path}: not a valid Draft 2020-12 schema: {exc.message}")
                continue
            expected_id = BASE_URI + relative
            if schema.get("$id") != expected_id:
                problems.append(f"{path}: $id must be {expected_id!r} (it is {schema.get('$id')!r})")
                continue
            for spec in (d[VERSIONS_KEY] for d in _dicts(schema) if VERSIONS_KEY in d):
                try:
                    _versions.check_range(spec)
                except (ValueError, AttributeError) as exc:
                    problems.append(f"{path}: {VERSIONS_KEY}: {exc}")
            resources.append((expected_id, DRAFT202012.create_resource(schema)))
            ids[relative.removesuffix(".json")] = expected_id
        registry: Registry = Registry().with_resources(resources)
        for uri, resource in resources:
            resolver = registry.resolver(base_uri=uri)
            for ref in (d["$ref"] for d in _dicts(resource.contents) if isinstance(d.get("$ref"), str)):
                try:
                    resolver.lookup(ref)
                except Unresolvable:
                    problems.append(f"{uri.removeprefix(BASE_URI)}: $ref {ref!r} resolves to nothing")
        if problems:
            raise ConfigError(problems)
        if len(list(registry.keys())) != len(ids):
            raise ConfigError(f"{directory}: loaded {len(ids)} schemas but the registry holds {len(list(registry.keys()))}")
        return cls(directory, registry, ids)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def keys(self) -> list[str]:
        """``<family>/<name>`` of every schema, sorted."""
        return sorted(self._ids)

    def schema_key(self, family: str, endpoint_id: str) -> str | None:
        """``<family>/<endpoint>``, else ``common/<endpoint>`` (a shape every family shares), else None."""
        for key in (f"{family}/{endpoint_id}", f"common/{endpoint_id}"):
            if key in self._ids:
                return key
        return None

    def _registry_for(self, family: str, version: _versions.Version | None) -> Registry:
        """The registry with ``family``'s own schemas narrowed to ``version`` (cached)."""
        if version is None:
            return self.registry
        cache_key = (family, version)
        if cache_key not in self._registries:
            prefix = BASE_URI + family + "/"
            changed = [
                (uri, DRAFT202012.create_resource(narrow(self.registry.contents(uri), version)))
                for uri in self.registry.keys()
                if uri.startswith(prefix) and _versioned(self.registry.contents(uri))
            ]
            self._registries[cache_key] = self.registry.with_resources(changed) if changed else self.registry
        return self._registries[cache_key]

    def _validator(self, key: str, family: str, version: _versions.Version | None) -> Draft202012Validator:
        registry = self._registry_for(family, version)
        cache_key = (key, version if registry is not self.registry else None)
        if cache_key not in self._validators:
            schema = registry.contents(self._ids[key])
            self._validators[cache_key] = _Validator(schema, registry=registry, format_checker=FORMAT_CHECKER)
        return self._validators[cache_key]

    def validate(self, family: str, endpoint_id: str, body: Any, *, version: str | None = None,
                 seconds: float | None = None) -> SchemaResult:
        """Validate ``body`` against the schema of ``family`` for ``endpoint_id``.

        ``version`` is the site's version of ``family`` when known; it narrows the family's
        versioned branches (a version string that names no version is ignored). ``seconds``
        bounds the time it may take (else :class:`ValidationTooSlow`).
        """
        _deadline.at = None if seconds is None else time.thread_time() + seconds
        _deadline.seconds = seconds
        try:
            return self._validate(family, endpoint_id, body, version)
        finally:
            _deadline.at = None

    def _validate(self, family: str, endpoint_id: str, body: Any, version: str | None) -> SchemaResult:
        key = self.schema_key(family, endpoint_id)
        if key is None:
            return SchemaResult(None, drift=[f"no schema for {family} {endpoint_id}; body not validated"])
        parsed = _versions.parse(version)
        validator = self._validator(key, family, parsed)
        registry = self._registry_for(family, parsed)
        root: Node = (validator.schema, registry.resolver(base_uri=self._ids[key]))
        narrowed = parsed is not None and registry is not self.registry
        errors = list(itertools.islice(validator.iter_errors(body), MAX_ERRORS_SCANNED))
        rendered = render_errors(errors, root)
        result = SchemaResult(self._ids[key], rendered[:MAX_ERRORS], error_count=len(rendered),
                              version=parsed.text if narrowed and parsed else None)
        if not errors:
            notes: list[str] = []
            shapes: list[str] = []
            walk_drift([root], body, "$", validator, notes, shapes, depth=0)
            result.drift = sorted(set(notes))[:MAX_DRIFT]
            result.shapes = list(dict.fromkeys(shapes))
        return result
