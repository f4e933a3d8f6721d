"""Strict JSON: what a careful client accepts, and nothing it would not."""

from __future__ import annotations

import pytest

from relaycompat._json import MAX_DEPTH, JSONProblem, loads_strict


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"a": NaN}', "NaN"),
        (b'{"a": Infinity}', "Infinity"),
        (b'{"success": false, "success": true}', "duplicate key 'success'"),
        (b'{"a": "\xff"}', "not valid UTF-8"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested deeper"),
        (b'{"a": 1', "line 1"),
        (b"", "empty body"),
    ],
)
def test_rejected(body: bytes, problem: str) -> None:
    with pytest.raises(JSONProblem, match=problem):
        loads_strict(body)


def test_accepted() -> None:
    assert loads_strict('{"名字": [1, 2.5, null, true]}'.encode()) == {"名字": [1, 2.5, None, True]}
    assert loads_strict(b"\xef\xbb\xbf{}") == {}
    deep = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert loads_strict(deep) is not None
    assert loads_strict(b'{"s": "[[[[{{{{"}') == {"s": "[[[[{{{{"}
