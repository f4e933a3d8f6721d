"""Reading the reports back the way a renderer would: Markdown structure, live HTML, the test data.

Used by the report tests to check structure (tables, fences, headings) and safety (no live
markup that came from a site) without a browser.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

# ---- Markdown -------------------------------------------------------------------------------
_FENCE = re.compile(r"^(`{3,})(.*)$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)((?:\\\\)*)\|")
#: The only raw HTML the Markdown report writes itself: the per-site anchors.
OWN_MARKDOWN_HTML = re.compile(r'^<a id="site-[A-Za-z0-9._-]+"></a>$')


@dataclass
class MarkdownShape:
    """Lines outside code fences, the fenced blocks, and whether every fence closed."""

    outside: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    balanced: bool = True


def markdown_shape(text: str) -> MarkdownShape:
    shape = MarkdownShape()
    fence: str | None = None
    block: list[str] = []
    for line in text.split("\n"):
        if fence is None:
            match = _FENCE.match(line)
            if match:
                fence, block = match.group(1), []
            else:
                shape.outside.append(line)
        elif line.strip() and set(line.strip()) == {"`"} and len(line.strip()) >= len(fence):
            shape.blocks.append("\n".join(block))
            fence = None
        else:
            block.append(line)
    shape.balanced = fence is None
    return shape


def table_cells(line: str) -> list[str]:
    """The cells of a GFM table row (pipes preceded by an odd run of backslashes do not split)."""
    inner = line.strip()
    assert inner.startswith("|") and inner.endswith("|") and not inner.endswith("\\|"), line
    cells, start = [], 1
    for match in _UNESCAPED_PIPE.finditer(inner, 1):
        end = match.end() - 1
        if end == 0:
            continue
        cells.append(inner[start:end].strip())
        start = match.end()
    return cells


def tables_after(lines: list[str], heading: str) -> list[list[str]]:
    """Rows (header first, delimiter dropped) of each table that follows a line equal to ``heading``."""
    tables = []
    for index, line in enumerate(lines):
        if line != heading:
            continue
        rows, cursor = [], index + 1
        while cursor < len(lines) and not lines[cursor].startswith("|"):
            cursor += 1
        while cursor < len(lines) and lines[cursor].startswith("|"):
            rows.append(lines[cursor])
            cursor += 1
        tables.append([rows[0]] + rows[2:] if len(rows) >= 2 else rows)
    return tables


def raw_html_outside_fences(text: str) -> list[str]:
    """Lines outside code fences holding a raw ``<`` that is not one of the report's own anchors."""
    return [line for line in markdown_shape(text).outside if "<" in line and not OWN_MARKDOWN_HTML.match(line)
            and not re.fullmatch(r".*<https?://[^\s<>]+>.*", line)]


# ---- HTML -----------------------------------------------------------------------------------
@dataclass
class Tag:
    name: str
    attrs: dict[str, str]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(Tag(tag, {k: v or "" for k, v in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(fragment: str) -> tuple[list[Tag], str]:
    """The start tags of ``fragment`` and its text, as a browser's parser would see them."""
    collector = _Collector()
    collector.feed(fragment)
    collector.close()
    return collector.tags, "".join(collector.text)


#: Tags our own fragments (cells, evidence, summary) may produce.
FRAGMENT_TAGS = {"td", "th", "tr", "table", "thead", "tbody", "span", "div", "p", "pre", "code", "b", "details",
                 "summary", "dl", "dt", "dd", "ul", "li", "section", "h3", "h4", "small", "br", "h1", "h2"}
#: The links our pages make, and nothing else: to a site's details page (maybe to one probe in it),
#: back to the summary, to the matrix page, or within the page.
OWN_LINK = re.compile(r"(details/[A-Za-z0-9._-]+\.html|\.\./summary\.html|summary\.html|matrix\.html)?(#[A-Za-z0-9._-]+)?")
DANGEROUS_TAGS = {"script", "img", "iframe", "object", "embed", "svg", "math", "link", "meta", "style", "base", "form",
                  "input", "a", "video", "audio", "source"}


def live_problems(tags: list[Tag], *, allowed: set[str] | None = FRAGMENT_TAGS) -> list[str]:
    """Tags or attributes that would execute, load or navigate."""
    problems = []
    for tag in tags:
        own_link = (tag.name == "a" and OWN_LINK.fullmatch(tag.attrs.get("href", "x:"))
                    and set(tag.attrs) <= {"href", "target", "class"})
        if allowed is not None and tag.name not in allowed and not own_link:
            problems.append(f"tag <{tag.name}>")
        for name, value in tag.attrs.items():
            if name.startswith("on"):
                problems.append(f"<{tag.name} {name}=…>")
            navigates = name in ("href", "src", "action", "formaction", "xlink:href")
            if navigates and re.match(r"\s*(javascript|data|vbscript):", value, re.I):
                problems.append(f"<{tag.name} {name}={value[:30]}>")
    return problems


def html_test_data(page: str) -> dict[str, Any]:
    """pytest-html's data blob (tests, their cells, extras and logs) out of report.html."""
    match = re.search(r'data-jsonblob="([^"]*)"', page)
    assert match, "report.html has no data-jsonblob"
    return json.loads(html.unescape(match.group(1)))


def html_fragments(data: dict[str, Any]) -> list[str]:
    """Every HTML string the page's script inserts as markup: row cells, html extras, logs."""
    fragments = []
    for runs in data["tests"].values():
        for test in runs:
            fragments += test.get("resultsTableRow", [])
            fragments += [extra["content"] for extra in test.get("extras", []) if extra.get("format_type") == "html"]
            fragments.append(test.get("log", ""))
    return fragments


def output_texts(report_dir: Path) -> dict[str, str]:
    return {str(p.relative_to(report_dir)): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(report_dir.rglob("*")) if p.is_file()}


# ---- Markdown as GitHub renders it ----------------------------------------------------------
#: Tags GitHub's renderer makes of our Markdown (raw HTML let through, as GitHub does before it sanitizes).
MARKDOWN_TAGS = {"h1", "h2", "h3", "h4", "p", "blockquote", "hr", "br", "ul", "li", "strong", "em", "code", "pre",
                 "table", "thead", "tbody", "tr", "th", "td", "a"}


def render_gfm(text: str) -> str:
    """report.md rendered by cmarkgfm (GitHub's cmark fork, tables + tagfilter), raw HTML kept."""
    import pytest

    cmarkgfm = pytest.importorskip("cmarkgfm", reason="the dev extra's cmarkgfm renders Markdown as GitHub does")
    from cmarkgfm.cmark import Options

    return cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)


def gfm_problems(rendered: str) -> list[str]:
    """Live markup in rendered Markdown: unexpected tags, handlers, links that are not ours."""
    tags, _ = parse_html(rendered)
    problems = live_problems(tags, allowed=MARKDOWN_TAGS)
    for tag in tags:
        if tag.name == "a":
            href, ident = tag.attrs.get("href"), tag.attrs.get("id")
            ours = r"(#site-|details/[A-Za-z0-9._-]+\.md$|\.\./report\.md$|matrix\.md$)"
            if not ((href and re.match(ours + r"|https?://127\.0\.0\.1[:/]|https?://[a-z0-9.-]+/?$", href)) or
                    (ident and ident.startswith("site-") and set(tag.attrs) == {"id"})):
                problems.append(f"<a {tag.attrs}>")
    return problems


# ---- the reports of a results document ------------------------------------------------------
def report_and_details(results: dict[str, Any], *, lang: str = "zh", baseline: Any = None) -> str:
    """report.md, then every site's details/<slug>.md in site order: all the Markdown a reader can open."""
    from relaycompat.reports import render_details, render_report

    pages = [render_report(results, lang=lang, baseline=baseline)]
    pages += [render_details(results, site["slug"], lang=lang) for site in results["sites"]]
    return "\n".join(pages)
