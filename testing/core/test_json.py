"""Strict JSON: what a careful client accepts, and nothing it would not."""

from __future__ import annotations

import pytest

from relaycompat._json import MAX_DEPTH, MAX_NUMBER_CHARS, MAX_VALUES, JSONLimit, JSONProblem, loads_strict


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


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"quota": ' + b"7" * 5000 + b"}", "a number 5000 characters long"),   # int() raises past 4300 digits
        (b'{"ratio": 1.' + b"5" * MAX_NUMBER_CHARS + b"}", f"a number {MAX_NUMBER_CHARS + 2} characters long"),
        (b'{"data": {' + b",".join(b'"k%d": 1' % i for i in range(MAX_VALUES)) + b"}}", f"more than {MAX_VALUES} values"),
        (b"[" + b",".join([b"1"] * MAX_VALUES) + b"]", f"more than {MAX_VALUES} values"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),                      # past the parser's own recursion limit
    ],
    ids=["long-int", "long-float", "many-keys", "many-items", "very-deep"],
)
def test_limits(body: bytes, problem: str) -> None:
    """Issue #13 (11): bounded work per body; each limit is its own clear reason."""
    with pytest.raises(JSONLimit, match=problem):
        loads_strict(body)


def test_a_body_at_the_limits_is_accepted() -> None:
    assert len(loads_strict(b"[" + b",".join([b"1"] * (MAX_VALUES - 1)) + b"]")) == MAX_VALUES - 1
    assert loads_strict(b'{"n": ' + b"9" * MAX_NUMBER_CHARS + b"}")["n"] == int("9" * MAX_NUMBER_CHARS)
