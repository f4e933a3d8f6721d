"""Text from a site made safe once, for JSON, Markdown, HTML and the terminal (relaycompat/_text.py)."""

from __future__ import annotations

import json

import pytest

from relaycompat._text import safe_data, safe_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bad \ud800 value \udfff", "bad \ufffd value \ufffd"),                      # lone surrogates (issue #13, 1)
        ("\x1b[2J\x1b[1;32mPASSED\x1b[0m", "\ufffd[2J\ufffd[1;32mPASSED\ufffd[0m"),  # terminal escapes
        ("\x9b2J", "\ufffd2J"),                                                      # C1 CSI
        ("over\rwrite", "over\ufffdwrite"),                                          # a lone CR rewrites the line
        ("line\r\nnext\tcell", "line\nnext\tcell"),                                 # CRLF, tab: kept as text
        ("invoice\u202egnp.exe", "invoice\ufffdgnp.exe"),                             # Trojan Source
        ("nul\x00end", "nul\ufffdend"),
        ("随时跑路公益 🚀 fine", "随时跑路公益 🚀 fine"),
    ],
)
def test_unsafe_characters_become_a_visible_replacement(text: str, expected: str) -> None:
    assert safe_text(text) == expected


def test_safe_data_walks_keys_and_values_and_makes_json_encodable() -> None:
    value = {"k\ud800": ["\x1b[31m", {"n": 1, "ok": None}], "m": "\udfff"}
    safe = safe_data(value)
    assert safe == {"k\ufffd": ["\ufffd[31m", {"n": 1, "ok": None}], "m": "\ufffd"}
    json.dumps(safe, ensure_ascii=False).encode("utf-8")  # no UnicodeEncodeError
    with pytest.raises(UnicodeEncodeError):
        json.dumps(value, ensure_ascii=False).encode("utf-8")
