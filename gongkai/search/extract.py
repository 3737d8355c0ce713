"""The text a page offers to search: what its layout marks with `data-index` (the
document's body), taken from the rendered page, with block boundaries kept as line
breaks, then cut into the short passages that snippets show."""

from __future__ import annotations

from html.parser import HTMLParser

# Elements whose start or end ends a line of text (cells and items too: a table row's
# cells are separate words, not one run).
_BLOCKS = frozenset(
    ["address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"]
)
_SKIPPED = frozenset(("script", "style", "template"))
_VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"])
PASSAGE = 80  # characters a passage holds at most (cut at a sentence end where there is one)
_ENDS = frozenset("。！？；!?;\n")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # open elements inside the current data-index element; 0: outside
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if self.depth:
            if tag not in _VOID:
                self.depth += 1
            self.skip += tag in _SKIPPED
        elif any(name == "data-index" for name, _ in attrs) and tag not in _VOID:
            self.depth = 1
        if self.depth and tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if not self.depth or tag in _VOID:
            return
        self.skip -= tag in _SKIPPED and self.skip > 0
        self.depth -= 1
        if tag in _BLOCKS or not self.depth:
            self.parts.append("\n")

    def handle_data(self, data) -> None:
        if self.depth and not self.skip:
            self.parts.append(data)


def page_text(html: bytes) -> str:
    """The marked text of a page: one line per block, blank lines and spaces squeezed."""
    parser = _Text()
    parser.feed(html.decode("utf-8"))
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
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

