"""Text from a site, made safe once for every output: JSON, Markdown, HTML and the terminal.

Whatever a site sends reaches an output through one door: the record the prober stores for the
site (:func:`relaycompat._prober.site_record`), which passes through :func:`safe_data` last.
After it every string is valid Unicode and inert on a terminal:

- a lone surrogate (``"\\ud800"`` in JSON is legal text but no character) cannot be encoded as
  UTF-8; one in a body used to stop the whole run while writing the store;
- C0 and C1 control characters except newline and tab: ESC and CSI start terminal escape
  sequences (colours, cursor moves, clearing the screen), CR rewrites the line being read;
- the bidirectional overrides and isolates of "Trojan Source", which reorder what a reader
  sees on a terminal or a page.

Each becomes U+FFFD, so a reader still sees that something was there (CRLF line ends become
plain newlines first). Markup is not this module's business: the report writers escape for their
own syntax (:mod:`relaycompat.reports._markdown`), and JSON writers escape for JSON.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def safe_text(text: str) -> str:
    """``text`` with every unsafe character (see the module docstring) replaced by U+FFFD."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(REPLACEMENT, text.replace("\r\n", "\n"))


def safe_data(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings, scalars) whose strings and keys are safe."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {safe_text(str(k)): safe_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [safe_data(item) for item in value]
    return value
