"""What a validation says, as a reader wants it: errors rendered as evidence, and drift notes.

An error is the JSON path, what the schema expected, what came (truncated, JSON-spelled), and
the version shape it belongs to; one check failing in many places is one error with a count.
A oneOf/anyOf failure is explained by the branch the body got furthest into. Never
``str(ValidationError)``, which dumps the whole schema and body. A drift note names a field
the body carries that no applicable schema names: allowed, but worth knowing.
"""

from __future__ import annotations

import json
import reprlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

if TYPE_CHECKING:
    from referencing._core import Resolver

#: The annotation naming the versions a oneOf/anyOf branch describes (docs/schemas.md).
VERSIONS_KEY = "x-versions"
#: Characters of a rendered "actual" value (the body's own text is never dumped whole).
MAX_ACTUAL = 120
#: Items of one array walked for drift notes (the rest are assumed alike).
MAX_DRIFT_ITEMS = 100

#: A subschema and the resolver that knows its base URI.
Node = tuple[Any, "Resolver"]


class _JsonRepr(reprlib.Repr):
    """reprlib's size limits, JSON's spelling (true, null, "text")."""

    def repr_bool(self, x: bool, level: int) -> str:
        return "true" if x else "false"

    def repr_NoneType(self, x: None, level: int) -> str:  # noqa: N802
        return "null"

    def repr_dict(self, x: dict[Any, Any], level: int) -> str:
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        pieces = [f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}" for k, v in list(x.items())[: self.maxdict]]
        return "{" + ", ".join(pieces + (["..."] if len(x) > self.maxdict else [])) + "}"

    def repr_str(self, x: str, level: int) -> str:
        text = json.dumps(x, ensure_ascii=False)
        return text if len(text) <= self.maxstring else text[: self.maxstring - 2] + '…"'


_repr = _JsonRepr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = 4
_repr.maxdict = 4
_repr.maxlevel = 2


def _json_path(path: Iterable[Any]) -> str:
    text = "$"
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif str(part).isidentifier():
            text += f".{part}"
        else:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text


def _kind(instance: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null",
            int: "integer", float: "number"}.get(type(instance), type(instance).__name__)


def _titles(branches: Any) -> str:
    titles = [str(b["title"]) for b in branches if isinstance(b, dict) and b.get("title")]
    return "; ".join(titles) if titles else f"{len(branches)} shapes"


def _expected(error: ValidationError) -> str:
    value = error.validator_value
    keyword = str(error.validator)
    if keyword == "type":
        return "type " + (" or ".join(value) if isinstance(value, list) else str(value))
    if keyword == "required":
        missing = [name for name in value if isinstance(error.instance, dict) and name not in error.instance]
        return "field " + ", ".join(repr(m) for m in missing)
    if keyword in ("oneOf", "anyOf"):
        return ("exactly one of: " if keyword == "oneOf" and not error.context else "one of: ") + _titles(value)
    if keyword == "not" and isinstance(value, dict) and "required" in value:
        return "no field " + ", ".join(repr(v) for v in value["required"])
    return f"{keyword} {_repr.repr(value)}"  # const true, format "uri", pattern "^…", minimum 0


def _actual(error: ValidationError) -> str:
    if error.validator == "required":
        return "no such field"
    if error.validator == "oneOf" and not error.context:
        return f"{_kind(error.instance)} matching more than one"
    if error.validator == "not":
        return "the field is there"
    text = f"{_kind(error.instance)} {_repr.repr(error.instance)}"
    return text if len(text) <= MAX_ACTUAL else text[: MAX_ACTUAL - 1] + "…"


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """Descend into oneOf/anyOf so the reader sees the concrete mismatch, not 'no branch matched'.

    The branch chosen is the one the body got furthest into: fewest wrong types at the level
    of the oneOf itself, then fewest failures there (missing fields), then fewest failures.
    When every branch has the wrong type there, the body has none of the shapes, and the
    oneOf itself is the evidence.
    """
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            by_branch: dict[Any, list[ValidationError]] = {}
            for sub in error.context:
                by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
            best = min(by_branch.values(), key=_branch_cost)
            if _branch_cost(best)[0] and len(by_branch) > 1:
                yield error
            else:
                yield from _leaves(best)
        else:
            yield error


def _branch_cost(errors: list[ValidationError]) -> tuple[int, int, int]:
    """How far a body is from one branch: wrong types at its level, failures there, failures."""
    here = [e for e in errors if not e.relative_path]
    return sum(1 for e in here if e.validator == "type"), len(here), len(errors)


def _shape_of(error: ValidationError, root: Node) -> str | None:
    """The title of the innermost versioned branch on the error's schema path, if any.

    jsonschema leaves ``$ref`` hops out of the schema path, so a token a node lacks is looked
    for behind the node's ``$ref`` (and a token it has, there too if the way on fails).
    """

    def find(node: Any, resolver: Any, tokens: tuple[Any, ...], shape: str | None, hops: int) -> str | None | bool:
        if isinstance(node, dict) and VERSIONS_KEY in node and node.get("title"):
            shape = node["title"]
        if not tokens:
            return shape if shape else True
        token = tokens[0]
        if isinstance(node, (dict, list)):
            try:
                found = find(node[token], resolver, tokens[1:], shape, hops)
                if found is not False:
                    return found
            except (KeyError, IndexError, TypeError):
                pass
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and hops < 32:
            resolved = resolver.lookup(node["$ref"])
            return find(resolved.contents, resolved.resolver, tokens, shape, hops + 1)
        return False

    found = find(root[0], root[1], tuple(error.absolute_schema_path), None, 0)
    return found if isinstance(found, str) else None


def render_errors(errors: Iterable[ValidationError], root: Node | None = None) -> list[dict[str, str]]:
    """Readable, deduplicated errors: path, keyword, expected, actual (+ shape, repeats)."""
    rendered: dict[tuple[Any, ...], dict[str, Any]] = {}
    leaves = sorted(_leaves(errors), key=lambda e: (len(e.absolute_path), _json_path(e.absolute_path)))
    for error in leaves:
        path = _json_path(error.absolute_path)
        key = tuple(p for p in error.absolute_schema_path if not isinstance(p, int)) + (error.validator,)
        if key in rendered:
            entry = rendered[key]  # the same check failing again: elsewhere, or (required) for another field
            entry["paths"].add(path)
            entry["missing"].update(dict.fromkeys(_missing(error)))
            continue
        entry = {"path": path, "keyword": str(error.validator), "expected": _expected(error),
                 "actual": _actual(error), "paths": {path}, "missing": dict.fromkeys(_missing(error))}
        shape = _shape_of(error, root) if root is not None else None
        if shape:
            entry["shape"] = shape
        rendered[key] = entry
    out = []
    for entry in rendered.values():
        paths, missing = entry.pop("paths"), entry.pop("missing")
        if missing:
            entry["expected"] = "field " + ", ".join(repr(m) for m in missing)
        if len(paths) > 1:
            entry["repeats"] = f"{len(paths) - 1} more like it"
        out.append({k: str(v) for k, v in entry.items()})
    return out


def _missing(error: ValidationError) -> list[str]:
    if error.validator != "required" or not isinstance(error.instance, dict):
        return []
    return [name for name in error.validator_value if name not in error.instance]


def _expand(node: Node, instance: Any, validator: Draft202012Validator) -> list[Node]:
    """Every subschema that applies at this instance location: the node, what it ``$ref``s,
    its allOf, and the first oneOf/anyOf branch the instance matches."""
    out: list[Node] = []
    stack = [node]
    while stack:
        schema, resolver = stack.pop()
        if not isinstance(schema, dict):
            continue
        out.append((schema, resolver))
        if isinstance(schema.get("$ref"), str):
            resolved = resolver.lookup(schema["$ref"])
            stack.append((resolved.contents, resolved.resolver))
        stack.extend((sub, resolver) for sub in schema.get("allOf", []))
        for keyword in ("oneOf", "anyOf"):
            for branch in schema.get(keyword, []):
                if validator.evolve(schema=branch, _resolver=resolver).is_valid(instance):
                    stack.append((branch, resolver))
                    break
    return out


def walk_drift(nodes: list[Node], body: Any, path: str, validator: Draft202012Validator,
          notes: list[str], shapes: list[str], depth: int) -> None:
    """Collect ``$.path: field not in the schema`` for fields no applicable schema names."""
    if depth > 16:
        return
    applicable = [n for node in nodes for n in _expand(node, body, validator)]
    shapes.extend(s["title"] for s, _ in applicable if VERSIONS_KEY in s and s.get("title"))
    if isinstance(body, dict):
        described = False
        children: dict[str, list[Node]] = {}
        maps: list[Node] = []
        for schema, resolver in applicable:
            properties = schema.get("properties", {})
            described = described or "properties" in schema or "additionalProperties" in schema
            for name, sub in properties.items():
                children.setdefault(name, []).append((sub, resolver))
            if isinstance(schema.get("additionalProperties"), dict):
                maps.append((schema["additionalProperties"], resolver))
        for key, value in body.items():
            child = f"{path}.{key}" if str(key).isidentifier() else f"{path}[{json.dumps(key, ensure_ascii=False)}]"
            if key in children:
                walk_drift(children[key], value, child, validator, notes, shapes, depth + 1)
            elif maps:
                walk_drift(maps, value, child, validator, notes, shapes, depth + 1)
            elif described:
                notes.append(f"{child}: field not in the schema")
    elif isinstance(body, list):
        items = [(s["items"], r) for s, r in applicable if isinstance(s.get("items"), dict)]
        if items:
            for value in body[:MAX_DRIFT_ITEMS]:
                walk_drift(items, value, f"{path}[*]", validator, notes, shapes, depth + 1)
