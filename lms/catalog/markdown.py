"""Lesson Markdown to safe HTML: markdown-it-py, Pygments highlighting, nh3 sanitising."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from html import escape

import nh3
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_FORMATTER = HtmlFormatter(nowrap=True)
# Part of each course's fingerprint: bump it when the HTML made from the same Markdown changes,
# so the next `flask courses sync` renders stored lessons again.
RENDER_VERSION = "2"  # 2: tables in a labelled scroll region, code blocks focusable (they scroll)
_LOCAL_MD_LINK = re.compile(r"^(?P<stem>[A-Za-z0-9_.-]+)\.md(?P<anchor>#[\w-]*)?$")

# By kind: headings, blocks, inline, lists, tables, disclosure.
ALLOWED_TAGS = {
    *("h1", "h2", "h3", "h4", "h5", "h6"),
    *("p", "br", "hr", "div", "blockquote", "pre"),
    *("a", "abbr", "b", "code", "del", "em", "i", "img", "kbd", "s", "span", "strong", "sub", "sup"),
    *("ul", "ol", "li", "dl", "dt", "dd"),
    *("table", "thead", "tbody", "tr", "th", "td"),
    *("details", "summary"),
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "span": {"class"},
    "div": {"class", "role", "tabindex", "aria-label"},
    "pre": {"class", "tabindex"},
    "th": {"style"},
    "td": {"style"},
}


@lru_cache(maxsize=64)
def _lexer(lang: str) -> Lexer | None:
    """One lexer per language: each lookup scans Pygments' plugin entry points (~0.7 ms)."""
    try:
        return get_lexer_by_name(lang) if lang else None
    except ClassNotFound:
        return None


def _highlight(code: str, lang: str, _attrs: str) -> str:
    lexer = _lexer(lang)
    body = highlight(code, lexer, _FORMATTER) if lexer else escape(code)
    # Focusable: a long line scrolls the block sideways, and keyboard users must be able to scroll it.
    return f'<pre class="highlight" tabindex="0"><code class="language-{escape(lang or "text")}">{body}</code></pre>\n'


def _table_open(_renderer, tokens, idx, _options, _env) -> str:
    """A table scrolls inside its own box on small screens (never the page), named for screen
    readers after the heading above it."""
    label = escape(tokens[idx].meta.get("label", ""), quote=True)
    return f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}"><table>\n'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "highlight": _highlight}).enable("table")
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", lambda *_args: "</table></div>\n")
    return md


_MD = _parser()


def _rewrite_lesson_link(url: str) -> str:
    """`02-next.md#part` (a sibling lesson file) becomes the lesson's page, `02-next#part`."""
    match = _LOCAL_MD_LINK.match(url)
    if match:
        return match["stem"] + (match["anchor"] or "")
    return url


def render_markdown(text: str) -> str:
    """Render lesson Markdown to HTML that is safe to show: no scripts, handlers or js: links."""
    return _render(_MD.parse(text))


def render_lesson(text: str) -> tuple[str, list[tuple[int, str]]]:
    """render_markdown and the local links from one parse (a lesson needs both at sync)."""
    tokens = _MD.parse(text)
    links = list(_local_links(tokens))  # before _render rewrites the .md links
    return _render(tokens), links


def _render(tokens: list) -> str:
    heading = ""
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = _text(tokens[index + 1])
        elif token.type == "table_open":
            token.meta["label"] = heading or _header_cells(tokens[index:])
    for token in _walk(tokens):
        if token.type == "link_open" and token.attrs.get("href"):
            token.attrs["href"] = _rewrite_lesson_link(str(token.attrs["href"]))
    html = _MD.renderer.render(tokens, _MD.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
    )


def _text(inline) -> str:
    """The plain text of an inline token (no Markdown marks, no HTML)."""
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))


def _header_cells(tokens: list) -> str:
    """The header row's text, as a table's name when no heading precedes it."""
    cells = []
    for token in tokens:
        if token.type == "thead_close":
            break
        if token.type == "inline":
            cells.append(_text(token))
    return ", ".join(cells)


def _walk(tokens) -> Iterator:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _local_links(tokens: list) -> Iterator[tuple[int, str]]:
    """(line, target) of each relative link or image in the parsed Markdown, for the validator."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        line = (block.map[0] + 1) if block.map else 1
        for token in block.children:
            target = token.attrs.get("href") if token.type == "link_open" else None
            if token.type == "image":
                target = token.attrs.get("src")
            if target and not re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", str(target), re.I):
                yield line, str(target).split("#", 1)[0]


def pygments_css() -> str:
    """The stylesheet for highlighted code (saved as lms/static/pygments.css): xcode, whose every
    colour reads at 4.5:1 or more on the code background (friendly's comments were 2.7:1)."""
    return HtmlFormatter(style="xcode").get_style_defs(".highlight")
