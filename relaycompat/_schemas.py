"""Per-backend JSON Schemas: loading them into one registry and validating bodies readably.

Layout (docs/schemas.md): ``schemas/<family>/<endpoint id>.json`` for each backend family, and
``schemas/common/*.json`` for the parts they share (envelope, error bodies, list pages), all
Draft 2020-12 with an ``$id`` equal to ``BASE_URI + <path under schemas/>``, ``$ref``-ed by that
``$id``. A family without its own schema for an endpoint falls back to ``common/<endpoint>.json``.

Failures are rendered as evidence, never ``str(ValidationError)``: the JSON path, what the
schema expected, what came (truncated), at most :data:`MAX_ERRORS`, deduplicated by schema path.
Fields a body carries that the schema does not name are reported as drift notes, not errors.
"""

from __future__ import annotations

import json
import reprlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, relevance
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ._errors import ConfigError

BASE_URI = "https://relaycompat.invalid/schemas/"
MAX_ERRORS = 5
MAX_DRIFT = 20
FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER
_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = 4
_repr.maxdict = 4
_repr.maxlevel = 2


@dataclass
class SchemaResult:
    """The outcome of validating one body: which schema, its errors and drift notes."""

    schema_id: str | None
    errors: list[dict[str, str]] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    error_count: int = 0

    def summary(self) -> str:
        if not self.errors:
            return "matches the schema"
        first = self.errors[0]
        more = f" (+{self.error_count - 1} more)" if self.error_count > 1 else ""
        return f"{first['path']}: expected {first['expected']}, got {first['actual']}{more}"

    def to_dict(self, redactor: Any = None) -> dict[str, Any]:
        clean = (lambda s: redactor.text(s)) if redactor is not None else (lambda s: s)
        return {
            "schema_id": self.schema_id,
            "errors": [{k: clean(val) for k, val in e.items()} for e in self.errors],
            "error_count": self.error_count,
            "drift": [clean(d) for d in self.drift],
        }


def _json_path(path: Iterator[Any]) -> str:
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if str(part).isidentifier() else f"[{json.dumps(part, ensure_ascii=False)}]")
    return text


def _expected(error: ValidationError) -> str:
    value = error.validator_value
    keyword = str(error.validator)
    if keyword == "type":
        return "type " + (" or ".join(value) if isinstance(value, list) else str(value))
    if keyword == "required":
        missing = [name for name in value if isinstance(error.instance, dict) and name not in error.instance]
        return "field " + ", ".join(repr(m) for m in missing)
    if keyword in ("enum", "const"):
        return f"{keyword} {_repr.repr(value)}"
    if keyword in ("oneOf", "anyOf"):
        titles = [s.get("title") for s in value if isinstance(s, dict) and s.get("title")]
        return f"{keyword} of " + (", ".join(titles) if titles else f"{len(value)} shapes")
    if keyword == "format":
        return f"format {value}"
    return f"{keyword} {_repr.repr(value)}"


def _actual(error: ValidationError) -> str:
    if error.validator == "required":
        return "no such field"
    instance = error.instance
    kind = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null",
            int: "integer", float: "number"}.get(type(instance), type(instance).__name__)
    return f"{kind} {_repr.repr(instance)}"


def _leaf_errors(errors: list[ValidationError]) -> list[ValidationError]:
    """Descend into oneOf/anyOf so the reader sees the concrete mismatch, not 'no branch matched'."""
    leaves: list[ValidationError] = []
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            best = sorted(error.context, key=relevance)
            by_branch: dict[int, list[ValidationError]] = {}
            for sub in best:
                by_branch.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
            closest = min(by_branch.values(), key=len)
            leaves.extend(_leaf_errors(closest) if len(closest) <= 3 else [error])
        else:
            leaves.append(error)
    return leaves


def render_errors(errors: list[ValidationError]) -> list[dict[str, str]]:
    """Readable, deduplicated errors: path, keyword, expected, actual."""
    seen: set[tuple[Any, ...]] = set()
    rendered = []
    for error in sorted(_leaf_errors(errors), key=relevance):
        key = tuple(p for p in error.absolute_schema_path if not isinstance(p, int)) + (error.validator,)
        if key in seen:
            continue
        seen.add(key)
        rendered.append({
            "path": _json_path(iter(error.absolute_path)),
            "keyword": str(error.validator),
            "expected": _expected(error),
            "actual": _actual(error),
        })
    return rendered


class SchemaSet:
    """Every schema of ``schemas/`` in one registry, and validators built from it on demand."""

    def __init__(self, directory: Path, registry: Registry, ids: dict[str, str]) -> None:
        self.directory = directory
        self.registry = registry
        self._ids = ids  # "<family>/<endpoint>" -> $id
        self._validators: dict[str, Draft202012Validator] = {}

    @classmethod
    def load(cls, directory: Path) -> SchemaSet:
        """Load every ``*.json`` below ``directory``; raise :class:`ConfigError` on a bad file."""
        directory = Path(directory)
        problems: list[str] = []
        resources: list[tuple[str, Resource[Any]]] = []
        ids: dict[str, str] = {}
        for path in sorted(directory.rglob("*.json")) if directory.is_dir() else []:
            relative = path.relative_to(directory).as_posix()
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
                Draft202012Validator.check_schema(schema)
            except (OSError, json.JSONDecodeError) as exc:
                problems.append(f"{path}: not readable JSON: {exc}")
                continue
            except Exception as exc:  # jsonschema.SchemaError
                problems.append(f"{path}: not a valid Draft 2020-12 schema: {getattr(exc, 'message', exc)}")
                continue
            expected_id = BASE_URI + relative
            if schema.get("$id") != expected_id:
                problems.append(f"{path}: $id must be {expected_id!r} (it is {schema.get('$id')!r})")
                continue
            resources.append((expected_id, DRAFT202012.create_resource(schema)))
            ids[relative.removesuffix(".json")] = expected_id
        if problems:
            raise ConfigError(problems)
        registry: Registry = Registry().with_resources(resources)
        if len(resources) != len(ids):
            raise ConfigError(f"{directory}: loaded {len(resources)} schemas but indexed {len(ids)}")
        return cls(directory, registry, ids)

    def __len__(self) -> int:
        return len(self._ids)

    def schema_key(self, family: str, endpoint_id: str) -> str | None:
        for key in (f"{family}/{endpoint_id}", f"common/{endpoint_id}"):
            if key in self._ids:
                return key
        return None

    def _validator(self, key: str) -> Draft202012Validator:
        if key not in self._validators:
            schema = self.registry.contents(self._ids[key])
            self._validators[key] = Draft202012Validator(schema, registry=self.registry, format_checker=FORMAT_CHECKER)
        return self._validators[key]

    def validate(self, family: str, endpoint_id: str, body: Any, *, version: str | None = None) -> SchemaResult:
        """Validate ``body`` against the schema of ``family`` for ``endpoint_id``."""
        key = self.schema_key(family, endpoint_id)
        if key is None:
            return SchemaResult(None, drift=[f"no schema for {family} {endpoint_id}; body not validated"])
        validator = self._validator(key)
        errors = list(validator.iter_errors(body))
        rendered = render_errors(errors)
        result = SchemaResult(self._ids[key], rendered[:MAX_ERRORS], error_count=len(rendered))
        if not errors:
            result.drift = drift_notes(validator.schema, body, self.registry)[:MAX_DRIFT]
        return result


def drift_notes(schema: Any, body: Any, registry: Registry) -> list[str]:
    """Fields present in ``body`` that the (valid) schema does not name, as ``$.path.field`` notes."""
    notes: list[str] = []
    _walk_drift(schema, body, registry, "$", notes, depth=0)
    return sorted(set(notes))


def _resolve(schema: Any, registry: Registry) -> Any:
    while isinstance(schema, dict) and "$ref" in schema and len(schema) <= 3:
        schema = registry.resolver().lookup(schema["$ref"]).contents
    return schema


def _walk_drift(schema: Any, body: Any, registry: Registry, path: str, notes: list[str], depth: int) -> None:
    if depth > 12 or not isinstance(schema, dict):
        return
    schema = _resolve(schema, registry)
    if not isinstance(schema, dict):
        return
    branches = [s for key in ("allOf",) for s in schema.get(key, [])]
    for key in ("oneOf", "anyOf"):
        for branch in schema.get(key, []):
            if Draft202012Validator(_resolve(branch, registry), registry=registry).is_valid(body):
                branches.append(branch)
                break
    for branch in branches:
        _walk_drift(branch, body, registry, path, notes, depth + 1)
    if isinstance(body, dict) and ("properties" in schema or "additionalProperties" in schema):
        named = set(schema.get("properties", {}))
        known_elsewhere = {k for b in branches for k in _resolve(b, registry).get("properties", {})} if branches else set()
        open_extra = schema.get("additionalProperties", True)
        for key, value in body.items():
            child_path = f"{path}.{key}" if str(key).isidentifier() else f"{path}[{json.dumps(key, ensure_ascii=False)}]"
            if key in schema.get("properties", {}):
                _walk_drift(schema["properties"][key], value, registry, child_path, notes, depth + 1)
            elif isinstance(open_extra, dict):
                _walk_drift(open_extra, value, registry, child_path, notes, depth + 1)
            elif open_extra is True and key not in named and key not in known_elsewhere and not schema.get("patternProperties"):
                notes.append(f"{child_path}: field not in the schema")
    if isinstance(body, list) and isinstance(schema.get("items"), dict):
        for item in body[:3]:
            _walk_drift(schema["items"], item, registry, f"{path}[*]", notes, depth + 1)
