"""Strict JSON decoding of response bodies: what a careful client would accept, nothing more.

Python's :func:`json.loads` is lenient where clients are not: it accepts ``NaN`` and
``Infinity``, keeps the last of duplicate keys, and blows the stack on deep nesting. A relay
body that relies on any of these is not the JSON the endpoint promises.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 200


class JSONProblem(ValueError):
    """The body is not strict JSON; the message says why in a few words."""


def _reject_constant(name: str) -> Any:
    raise JSONProblem(f"non-standard literal {name} (JSON has no NaN or Infinity)")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JSONProblem(f"duplicate key {key[:40]!r} (clients disagree on which value wins)")
        result[key] = value
    return result


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


def _depth_exceeds(text: str, limit: int) -> bool:
    depth = 0
    for _, char in structure(text):
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def decode_text(body: bytes) -> str:
    """Decode a body as UTF-8 (JSON's only encoding); raise :class:`JSONProblem` if it is not."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JSONProblem(f"not valid UTF-8 (byte {exc.start})") from None


def loads_strict(body: bytes) -> Any:
    """Parse ``body`` as strict JSON or raise :class:`JSONProblem`."""
    text = decode_text(body)
    if not text.strip():
        raise JSONProblem("empty body")
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth_exceeds(text, MAX_DEPTH):
        raise JSONProblem(f"nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_pairs)
    except JSONProblem:
        raise
    except RecursionError:
        raise JSONProblem(f"nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise JSONProblem(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
