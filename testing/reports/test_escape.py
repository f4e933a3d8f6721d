"""Markdown and HTML escaping of remote text: it shows as written and changes no structure."""

from __future__ import annotations

import pytest

from relaycompat.reports._html import h
from relaycompat.reports._markdown import md_code, md_fence, md_text, md_url

from ._inspect import markdown_shape, parse_html, table_cells

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "| a | b |",
    "``` fence",
    "[x](javascript:alert(1))",
    "![i](https://evil.invalid/x.png)",
    "a\\|b \\\\| c",
    "**bold** _it_ ~~s~~ # h",
    "line\nbreak\r\n## heading\n|---|",
    "&lt;script&gt; &#124;",
    "\u2028sep\x00nul\x1b[31m",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_md_text_keeps_a_table_row_to_its_cells(text: str) -> None:
    plain = md_text(text)
    row = f"| {plain} | {md_code(text)} | end |"        # a code span is literal: < and ]( are inert there
    assert "\n" not in row
    assert len(table_cells(row)) == 3
    assert "<" not in plain and "](" not in plain.replace("\\](", "")


@pytest.mark.parametrize("text", HOSTILE)
def test_md_fence_holds_any_body(text: str) -> None:
    body = f"{text}\n```\n````\n{text}"
    document = f"before\n\n{md_fence(body, 'json')}\n\nafter"
    shape = markdown_shape(document)
    assert shape.balanced and shape.outside == ["before", "", "", "after"]
    assert len(shape.blocks) == 1


def test_md_url_links_only_plain_http_urls() -> None:
    assert md_url("https://runanytime.hxi.me/") == "<https://runanytime.hxi.me/>"
    assert md_url("javascript:alert(1)") == "`javascript:alert(1)`"
    assert md_url("https://x.invalid/<script>") == "`https://x.invalid/<script>`"


@pytest.mark.parametrize("text", HOSTILE)
def test_h_leaves_only_text(text: str) -> None:
    tags, shown = parse_html(f'<td title="{h(text)}">{h(text)}</td>')
    assert [t.name for t in tags] == ["td"] and tags[0].attrs["title"] == text
    assert shown == text
