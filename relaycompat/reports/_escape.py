"""Remote text made inert: Markdown that cannot change the report's structure, and HTML escaping.

Everything a site sends (bodies, headers, messages) and everything a site file names (site
names, URLs) is data. In Markdown it goes either through :func:`md_text` (one line, with every
character that could open a link, image, emphasis, code span, HTML tag or table cell escaped),
:func:`md_code` (an inline code span that survives backticks and table pipes) or
:func:`md_fence` (a fenced block whose fence is longer than any backtick run inside it).
"""

from __future__ import annotations

import html
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_WHITESPACE = re.compile(r"\s+")
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~#!])")
_BACKTICKS = re.compile(r"`+")
_PIPE = re.compile(r"(\\*)\|")
_SAFE_URL = re.compile(r"https?://[^\s<>`|\\\[\]\"']+")


def one_line(text: object) -> str:
    """``text`` as one line without control characters."""
    return _WHITESPACE.sub(" ", _CONTROL.sub(" ", str(text))).strip()


def md_text(text: object) -> str:
    """Plain text for a Markdown line or table cell: shows exactly as written, changes nothing."""
    escaped = html.escape(one_line(text), quote=False)  # & < > first: no tags, no entities
    return _MD_PUNCT.sub(r"\\\1", escaped)


def md_code(text: object, *, in_table: bool = True) -> str:
    """An inline code span; pipes are escaped inside tables (GFM splits cells before spans)."""
    content = one_line(text)
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    ticks = "`" * (longest + 1)
    if in_table:  # GFM reads `\\` as one escaped char: a pipe needs an odd run of backslashes
        content = _PIPE.sub(lambda m: m.group(1) * 2 + "\\|", content)
    pad = " " if content.startswith("`") or content.endswith("`") or not content.strip() else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


def md_fence(body: str, info: str = "") -> str:
    """A fenced code block holding ``body`` verbatim, whatever fences it contains itself."""
    body = _CONTROL.sub("\ufffd", body.replace("\r\n", "\n").replace("\r", "\n"))
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def md_url(url: object) -> str:
    """A clickable autolink for an ordinary http(s) URL, else the URL as inert code."""
    text = one_line(url)
    if _SAFE_URL.fullmatch(text):
        return f"<{text}>"
    return md_code(text, in_table=False)


def h(text: object) -> str:
    """HTML-escaped text (quotes too, so it is safe in attribute values)."""
    return html.escape(str(text), quote=True)
