"""Body templates: a profile's YAML values filled in from the account, the site and the request.

- ``"$a.b"`` is the value at ``a.b`` of the context (mapping keys or attributes);
  ``"$$x"`` is the literal string ``"$x"``;
- ``{"$each": <collection>, "item": T}`` is a list: ``T`` rendered once per row of the
  account's collection (a row names itself, e.g. ``$token.key``). ``"where": E`` keeps the rows
  for which the expression ``E`` is true; ``"reverse": true`` takes them oldest first. With ``"key": K`` it is a mapping ``K → T`` instead,
  keys sorted as Go's ``encoding/json`` writes a map. With ``"page": <name>`` the rows are sliced
  as the profile's page spec ``<name>`` says and wrapped in that spec's ``shape`` (``$items``,
  ``$page``, ``$size``, ``$total``);
- ``{"$shape": name}`` is the profile's shape ``name`` (``shapes:``, one Go struct of that
  backend version, such as its token row) rendered in the current scope;
- a mapping with one key from :data:`OPERATORS` is an expression (``{"$int": "$query.p"}``,
  ``{"$gt": [a, b]}``), the small arithmetic and logic the Go handlers do on a request;
- anything else is kept as written.

:func:`go_json` encodes a body the way the Go backends do: integral floats without ``.0``.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ._paging import Query, atoi, is_atoi, page_of

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


def go_string(value: Any) -> str:
    """``value`` as Go's ``fmt`` prints it (``true``, ``12``, ``<nil>``)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_date(value: Any) -> bool:
    """Go's ``time.Parse("2006-01-02", value)`` would succeed."""
    try:
        return len(str(value)) == 10 and bool(datetime.strptime(str(value), "%Y-%m-%d"))
    except ValueError:
        return False


def _numbers(args: list[Any]) -> list[float | int]:
    return [a if isinstance(a, int | float) else atoi(str(a)) for a in args]


def _fold(op: Callable[[Any, Any], Any]) -> Callable[[list[Any]], Any]:
    def apply(args: list[Any]) -> Any:
        values = _numbers(args)
        result = values[0]
        for value in values[1:]:
            result = op(result, value)
        return result
    return apply


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[list[Any]], bool]:
    def apply(args: list[Any]) -> bool:
        left, right = args
        if isinstance(left, int | float) or isinstance(right, int | float):
            left, right = _numbers([left, right])
        return bool(op(left, right))
    return apply


#: Expression operators: each takes its rendered argument (a list where it needs several).
OPERATORS: dict[str, Callable[[Any], Any]] = {
    "$int": lambda value: value if isinstance(value, int) and not isinstance(value, bool) else atoi(go_string(value)),
    "$is_int": lambda value: is_atoi(str(value)),  # strconv.Atoi would accept it
    "$is_date": _is_date,
    "$add": _fold(operator.add),
    "$sub": _fold(operator.sub),
    "$mul": _fold(operator.mul),
    "$div": _fold(operator.truediv),
    "$eq": _compare(operator.eq),
    "$ne": _compare(operator.ne),
    "$gt": _compare(operator.gt),
    "$ge": _compare(operator.ge),
    "$lt": _compare(operator.lt),
    "$le": _compare(operator.le),
    "$and": all,
    "$or": any,
    "$not": operator.not_,
    "$concat": lambda parts: "".join(go_string(p) for p in parts),
    "$trim_prefix": lambda args: go_string(args[0]).removeprefix(go_string(args[1])),
    "$has_prefix": lambda args: go_string(args[0]).startswith(go_string(args[1])),  # LIKE 'x%'
    "$contains": lambda args: go_string(args[1]) in go_string(args[0]),  # LIKE '%x%'

    "$first": lambda items: items[0] if items else None,
    "$len": len,
    "$sum": lambda items: sum(items),
}
#: Operators whose arguments are evaluated lazily (only the branch taken is rendered).
_IF = "$if"


class Renderer:
    """Renders templates for one request (the query decides pages)."""

    def __init__(self, context: dict[str, Any], rows: Rows, pages: Mapping[str, Any], query: Query,
                 shapes: Mapping[str, Any] | None = None) -> None:
        self.context = context
        self.rows = rows
        self.pages = pages
        self.query = query
        self.shapes = shapes or {}

    def __call__(self, template: Any, context: Mapping[str, Any] | None = None) -> Any:
        scope = self.context if context is None else context
        if isinstance(template, dict):
            if "$each" in template:
                return self._each(template, scope)
            if len(template) == 1:
                (name, argument), = template.items()
                if name == "$shape":
                    return self(self.shapes[argument], scope)
                if name == _IF:
                    condition, then, otherwise = argument
                    return self(then if self(condition, scope) else otherwise, scope)
                if name in OPERATORS:
                    return OPERATORS[name](self(argument, scope))
            return {key: self(value, scope) for key, value in template.items()}
        if isinstance(template, list):
            return [self(value, scope) for value in template]
        if isinstance(template, str) and template.startswith("$"):
            return template[1:] if template.startswith("$$") else lookup(template[1:], scope)
        return template

    def _each(self, spec: Mapping[str, Any], scope: Mapping[str, Any]) -> Any:
        rows = self.rows(spec["$each"])
        if spec.get("reverse"):  # the table's own order (no ORDER BY): oldest first
            rows = rows[::-1]
        if "where" in spec:
            rows = [row for row in rows if self(spec["where"], {**scope, **row})]
        paging = spec.get("page")
        page_spec = self.pages[paging] if isinstance(paging, str) else paging
        page = page_of(self.query, page_spec) if page_spec else None
        start = page.start if page else 0
        shown = rows[start:start + page.size] if page else rows
        # each row also sees its position: `position` counts from 1 across pages (display ids)
        scopes = [{**scope, **row, "position": start + index + 1} for index, row in enumerate(shown)]
        items: Any = [self(spec["item"], row_scope) for row_scope in scopes]
        if "key" in spec:
            items = go_sorted({str(self(spec["key"], s)): item for s, item in zip(scopes, items, strict=True)})
        if page is None:
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
