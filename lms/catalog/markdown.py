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
    "pre": {"class"},
    "span": {"class"},
    "div": {"class"},
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
    return f'<pre class="highlight"><code class="language-{escape(lang or "text")}">{body}</code></pre>\n'


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "highlight": _highlight}).enable("table")


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
    """The stylesheet for highlighted code (served as a static file)."""
    return HtmlFormatter(style="friendly").get_style_defs(".highlight")
