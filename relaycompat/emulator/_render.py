"""Body templates: a profile's YAML values filled in from the account, the site and the request.

- ``"$a.b"`` is the value at ``a.b`` of the context (mapping keys or attributes);
  ``"$$x"`` is the literal string ``"$x"``;
- ``{"$each": <collection>, "item": T}`` is a list: ``T`` rendered once per row of the
  account's collection (a row names itself, e.g. ``$token.key``). With ``"key": K`` it is a
  mapping ``K → T`` instead, keys sorted as Go's ``encoding/json`` writes a map. With
  ``"page": <name>`` the rows are sliced as the profile's page spec ``<name>`` says and wrapped
  in that spec's ``shape`` (``$items``, ``$page``, ``$size``, ``$total``);
- anything else is kept as written.

:func:`go_json` encodes a body the way the Go backends do: integral floats without ``.0``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ._paging import Query, page_of

Rows = Callable[[str], list[dict[str, Any]]]


def lookup(path: str, context: Mapping[str, Any]) -> Any:
    """The value at dotted ``path`` in ``context`` (mapping keys first, then attributes)."""
    value: Any = context
    for part in path.split("."):
        value = value[part] if isinstance(value, Mapping) else getattr(value, part)
    return value


def go_sorted(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """``mapping`` with its keys in the order Go writes a map's keys: sorted as strings."""
    return {key: mapping[key] for key in sorted(mapping, key=str)}


class Renderer:
    """Renders templates for one request (the query decides pages)."""

    def __init__(self, context: dict[str, Any], rows: Rows, pages: Mapping[str, Any], query: Query) -> None:
        self.context = context
        self.rows = rows
        self.pages = pages
        self.query = query

    def __call__(self, template: Any, context: Mapping[str, Any] | None = None) -> Any:
        scope = self.context if context is None else context
        if isinstance(template, dict):
            if "$each" in template:
                return self._each(template, scope)
            return {key: self(value, scope) for key, value in template.items()}
        if isinstance(template, list):
            return [self(value, scope) for value in template]
        if isinstance(template, str) and template.startswith("$"):
            return template[1:] if template.startswith("$$") else lookup(template[1:], scope)
        return template

    def _each(self, spec: Mapping[str, Any], scope: Mapping[str, Any]) -> Any:
        rows = self.rows(spec["$each"])
        paging = spec.get("page")
        page_spec = self.pages[paging] if isinstance(paging, str) else paging
        if page_spec:
            page = page_of(self.query, page_spec)
            shown = rows[page.start:page.start + page.size]
        else:
            shown = rows
        scopes = [{**scope, **row} for row in shown]
        items: Any = [self(spec["item"], row_scope) for row_scope in scopes]
        if "key" in spec:
            items = go_sorted({str(self(spec["key"], s)): item for s, item in zip(scopes, items, strict=True)})
        if not page_spec:
            return items
        return self(page_spec["shape"], {**scope, "items": items, "page": page.number, "size": page.size,
                                         "total": len(rows)})


def _go_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _go_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_go_value(item) for item in value]
    return value


def go_json(payload: Any) -> bytes:
    """``payload`` as compact JSON, numbers written the way Go writes a float64."""
    return json.dumps(_go_value(payload), ensure_ascii=False, separators=(",", ":")).encode()
