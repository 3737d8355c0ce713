"""The text a page offers to search: what its layout marks with `data-index` (the
document's body), taken from the rendered page, with block boundaries kept as line
breaks, then cut into the short passages that snippets show.

The page is our own output (autoescaped, sanitized, serialised by BeautifulSoup or
Jinja: text and attribute values never hold a raw "<"), so regular expressions over its
tags read it the way html.parser does (tests/test_search_extract.py holds them to it) at
a tenth of the cost: an index build reads every page."""

from __future__ import annotations

import re
from html import unescape

# Elements whose start or end ends a line of text (cells and items too: a table row's
# cells are separate words, not one run).
_BLOCKS = frozenset(
    ["address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"]
)
_SKIPPED = frozenset(("script", "style", "template"))
_VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"])
_RAW = frozenset(("script", "style"))  # their content is text up to their end tag, never tags
PASSAGE = 80  # characters a passage holds at most (cut at a sentence end where there is one)
_ENDS = frozenset("。！？；!?;\n")
_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")
# A tag (its attributes may quote ">"), a comment, a declaration or processing instruction.
_ATTRS = r"""(?:[^>"']|"[^"]*"|'[^']*')*"""
_TAG = re.compile(rf"<(/?)([a-zA-Z][^\s/>]*)({_ATTRS})>|<!--.*?-->|<[!?][^>]*>", re.S)
# What can hide a tag from the tokenizer (a comment, script or style content), or mark one.
_NEXT = re.compile(r"<!--|<(script|style)\b|data-index", re.I)
_COMMENT_END = re.compile("-->")
_RAW_END = {name: re.compile(rf"</{name}\s*>", re.I) for name in _RAW}


def _marked(attrs: str) -> bool:
    return "data-index" in attrs.lower() and any(m.group(1).lower() == "data-index" for m in _ATTR.finditer(attrs))


def _next_mark(source: str, at: int) -> int:
    """Where the next tag that may carry data-index starts (-1: none), passing over
    comments and script or style content as a tokenizer does."""
    while (m := _NEXT.search(source, at)) is not None:
        if m.group(1):  # <script or <style: may be marked itself, else its content is hidden
            tag = _TAG.match(source, m.start())
            if tag is None or _marked(tag.group(3)):
                return m.start()
            end = _RAW_END[m.group(1).lower()].search(source, tag.end())
        elif m.group(0) == "<!--":
            end = _COMMENT_END.search(source, m.end())
        else:  # the tag it is in, if any: the last "<" before it that starts a tag reaching past it
            start = source.rfind("<", at, m.start())
            while start >= 0 and (tag := _TAG.match(source, start)) is None:
                start = source.rfind("<", at, start)  # a "<" quoted in an attribute value
            if start >= 0 and tag.end() > m.start():
                return start
            end = m
        if end is None:
            return -1
        at = end.end()
    return -1


def page_text(html: bytes) -> str:
    """The marked text of a page: one line per block, blank lines and spaces squeezed."""
    source = html.decode("utf-8")
    parts: list[str] = []
    depth = skip = 0  # open elements inside the data-index element (0: outside); in skipped ones
    at = 0
    while True:
        if not depth and (at := _next_mark(source, at)) < 0:  # nothing outside one counts
            break
        if (m := _TAG.search(source, at)) is None:
            break
        if depth and not skip and m.start() > at:
            parts.append(unescape(source[at:m.start()]))
        at = m.end()
        closing, name = m.group(1), m.group(2)
        if name is None:  # comment or declaration
            continue
        name = name.lower()
        if not closing:
            if depth:
                depth += name not in _VOID
                skip += name in _SKIPPED
            elif name not in _VOID and _marked(m.group(3)):
                depth = 1
            if depth and name in _BLOCKS:
                parts.append("\n")
        if closing or m.group(0).endswith("/>"):
            if depth and name not in _VOID:
                skip -= name in _SKIPPED and skip > 0
                depth -= 1
                if name in _BLOCKS or not depth:
                    parts.append("\n")
        elif name in _RAW:
            end = _RAW_END[name].search(source, at)
            stop = end.start() if end else len(source)
            if depth and not skip:
                parts.append(source[at:stop])
            at = stop
    if depth and not skip:
        parts.append(unescape(source[at:]))
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def passages(text: str) -> list[str]:
    """The text cut into passages of at most PASSAGE characters, at a sentence end where
    one is near, so a snippet starts where a reader would. Joined, they are the text."""
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + PASSAGE, len(text))
        if end < len(text):
            cut = max((i + 1 for i in range(start + PASSAGE // 3, end) if text[i] in _ENDS), default=end)
            end = cut
        out.append(text[start:end])
        start = end
    return out

