"""Raw HTML in Markdown passes a strict allowlist. Anything else is a content error
(so the editor sees it) and is removed from the page (so nothing unsafe ships)."""

from __future__ import annotations

import re
from collections.abc import Callable

from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import PreformattedString

_GLOBAL = frozenset({"id", "class", "lang", "title"})
# Classes a body may use: Python-Markdown's footnotes, and our own content styles. Any
# other class could dress body text up as page furniture (a fake status banner).
CONTENT_CLASSES = frozenset({"footnote", "footnote-ref", "footnote-backref", "signature"})
# Ids the layouts use; a body must not take them (a heading "Main" would get id="main").
LAYOUT_IDS = frozenset({
    "main", "reading-panel", "reading-size-label", "reading-view-label", "metadata-title",
    "interpretations-title", "attachments-title", "interpreted-title", "latest-policies",
    "latest-interpretations", "browse",
})
_CELL = frozenset({"colspan", "rowspan"})
ALLOWED: dict[str, frozenset[str]] = {
    **{tag: frozenset() for tag in (
        "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "em", "strong", "b", "i", "u", "s", "del", "ins",
        "mark", "small", "sub", "sup", "code", "pre", "kbd", "samp", "var", "blockquote", "q", "cite",
        "abbr", "ul", "li", "dl", "dt", "dd", "caption", "thead", "tbody", "tfoot", "tr", "div", "span",
        "figure", "figcaption", "h1",
    )},
    "a": frozenset({"href", "rel", "download", "hreflang"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "ol": frozenset({"start", "reversed"}),
    "table": frozenset(),
    "th": _CELL | {"scope", "abbr"},
    "td": _CELL,
    "time": frozenset({"datetime"}),
}
# Removed with everything inside them; other unknown tags keep their text.
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "select", "textarea", "link", "meta", "base", "svg", "math", "template", "noscript",
    "audio", "video", "canvas", "source", "track", "portal",
})
SAFE_SCHEMES = ("http", "https", "mailto", "tel", "doc")  # doc: is resolved to a page URL
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def unsafe_scheme(url: str) -> str | None:
    """The scheme of a URL if it is not one we let through (javascript:, data:, ...).
    Read as browsers read it (WHATWG URL): tabs and newlines anywhere are dropped,
    control characters and spaces at either end are trimmed."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip(_C0_AND_SPACE)
    match = _SCHEME.match(cleaned)
    if match and match.group(1).lower() not in SAFE_SCHEMES:
        return match.group(1).lower()
    return None


Report = Callable[[tuple[str, ...], str], None]  # (texts to locate in the source, message)


def sanitize(soup: BeautifulSoup, report: Report) -> None:
    """Clean the parsed body in place, reporting every removal."""
    # Comments, CDATA, processing instructions and declarations go, silently for
    # comments (editors' notes must not be published). Browsers and Python's parser
    # disagree on where "<!-->" ends, so nothing inside one may survive.
    for node in list(soup.find_all(string=True)):
        if isinstance(node, PreformattedString):  # Comment, CData, Declaration, Doctype, PI
            if not isinstance(node, Comment):
                report(("<![", "<?", "<!"), "不允许使用 CDATA、声明或处理指令，已删除")
            node.extract()
    for element in list(soup.find_all(True)):
        if element.decomposed:
            continue
        name = element.name
        if name in _DROP_WITH_CONTENT:
            report((f"<{name}",), f"不允许使用 <{name}> 标签（出于安全和无障碍要求），已删除")
            element.decompose()
            continue
        if name not in ALLOWED:
            report((f"<{name}",), f"不允许使用 <{name}> 标签，请改用 Markdown 写法")
            element.unwrap()
            continue
        _clean_attributes(element, report)


def _clean_attributes(element: Tag, report: Report) -> None:
    allowed = ALLOWED[element.name] | _GLOBAL
    for attr in list(element.attrs):
        value = element.attrs[attr]
        if attr == "class" and (unknown := set(value) - CONTENT_CLASSES):
            report((sorted(unknown)[0],), f"不支持的样式类名 {'、'.join(sorted(unknown))}；可用：{'、'.join(sorted(CONTENT_CLASSES))}")
            del element.attrs[attr]
        elif attr == "id" and value in LAYOUT_IDS:
            if element.name in ("h2", "h3", "h4", "h5", "h6"):
                element.attrs[attr] = f"{value}-1"  # a generated heading id: just move it aside
            else:
                report((f'id="{value}"', value), f"id“{value}”已被页面自身使用，请换一个")
                del element.attrs[attr]
        elif attr not in allowed:
            why = "事件处理属性可执行脚本" if attr.startswith("on") else "样式请交给网站统一的样式表" if attr == "style" else "不在允许范围内"
            report((f"{attr}=",), f"<{element.name}> 不允许使用 {attr} 属性（{why}），已删除")
            del element.attrs[attr]
        elif attr in ("href", "src") and (scheme := unsafe_scheme(str(value))):
            report((f"{scheme}:", str(value)[:20], f"{attr}="), f"不允许使用 {scheme}: 链接，已删除")
            del element.attrs[attr]
