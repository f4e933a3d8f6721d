"""Strict, bounded JSON decoding of response bodies: what a careful client would accept, nothing more.

Python's :func:`json.loads` is lenient where clients are not: it accepts ``NaN`` and
``Infinity`` and keeps the last of duplicate keys. A relay body that relies on either is not
the JSON the endpoint promises.

It is also unbounded where a hostile site can make it costly, so every body is held to limits
that no real relay body comes near (the largest in the sample holds a few hundred values and
nests four levels) and that keep the work on the body small (docs/architecture.md, "Bounded
work per body"):

    MAX_DEPTH           objects and arrays nested in each other
    MAX_VALUES          values in the whole body: objects, arrays, strings, numbers and
                        literals (a key and its value count once)
    MAX_NUMBER_CHARS    characters of one number literal (Python's int() of a long one
                        is slow, and past 4 300 digits it raises)

A body over a limit is :class:`JSONLimit` (``invalid_response``, "beyond the suite's limits"),
like any other body that is not the JSON the endpoint promises. The body's size is bounded before this, when it is read
(``Settings.body_cap``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 64
MAX_VALUES = 50_000
MAX_NUMBER_CHARS = 100


class JSONProblem(ValueError):
    """The body is not strict JSON, or is beyond a limit; the message says why in a few words."""


class JSONLimit(JSONProblem):
    """The body may be JSON, but it is beyond one of the limits above."""


def _reject_constant(name: str) -> Any:
    raise JSONProblem(f"non-standard literal {name} (JSON has no NaN or Infinity)")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JSONProblem(f"duplicate key {key[:40]!r} (clients disagree on which value wins)")
        result[key] = value
    return result


def _bounded(kind: type[int] | type[float]) -> Any:
    def parse(literal: str) -> int | float:
        if len(literal) > MAX_NUMBER_CHARS:
            raise JSONLimit(f"a number {len(literal)} characters long (more than {MAX_NUMBER_CHARS})")
        return kind(literal)

    return parse


_parse_int, _parse_float = _bounded(int), _bounded(float)


def structure(text: str) -> Iterator[tuple[int, str]]:
    """``(index, char)`` of every bracket and comma of ``text`` that is outside a string literal."""
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[]{},":
            yield index, char


def _check_size(value: Any) -> None:
    """Raise :class:`JSONProblem` when ``value`` nests deeper than MAX_DEPTH or holds more than
    MAX_VALUES values; stops as soon as it knows (the walk itself is bounded by the limits)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > MAX_DEPTH:
            raise JSONLimit(f"nested deeper than {MAX_DEPTH} levels")
        if count + len(children) > MAX_VALUES:
            raise JSONLimit(f"more than {MAX_VALUES} values")
        stack.extend((child, depth + 1) for child in children)


def decode_text(body: bytes) -> str:
    """Decode a body as UTF-8 (JSON's only encoding); raise :class:`JSONProblem` if it is not."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JSONProblem(f"not valid UTF-8 (byte {exc.start})") from None


def loads_strict(body: bytes) -> Any:
    """Parse ``body`` as strict JSON within the limits, or raise :class:`JSONProblem`."""
    text = decode_text(body)
    if not text.strip():
        raise JSONProblem("empty body")
    try:
        value = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_pairs,
                           parse_int=_parse_int, parse_float=_parse_float)
    except JSONProblem:
        raise
    except RecursionError:  # the C parser stops at the interpreter's recursion limit (~1000)
        raise JSONLimit(f"nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise JSONProblem(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    _check_size(value)
    return value
