"""Raw HTML in Markdown passes a strict allowlist. Anything else is a content error
(so the editor sees it) and is removed from the page (so nothing unsafe ships)."""

from __future__ import annotations

import re
from collections.abc import Callable

from bs4 import BeautifulSoup, Tag

_GLOBAL = frozenset({"id", "class", "lang", "title"})
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
SAFE_SCHEMES = ("http", "https", "mailto", "tel")
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


def unsafe_scheme(url: str) -> str | None:
    """The scheme of a URL if it is not one we let through (javascript:, data:, ...)."""
    match = _SCHEME.match(url.replace("\t", "").replace("\n", ""))
    if match and match.group(1).lower() not in SAFE_SCHEMES:
        return match.group(1).lower()
    return None


Report = Callable[[str, str], None]  # (needle to locate in the source, message)


def sanitize(soup: BeautifulSoup, report: Report) -> None:
    """Clean the parsed body in place, reporting every removal."""
    for element in list(soup.find_all(True)):
        if element.decomposed:
            continue
        name = element.name
        if name in _DROP_WITH_CONTENT:
            report(f"<{name}", f"不允许使用 <{name}> 标签（出于安全和无障碍要求），已删除")
            element.decompose()
            continue
        if name not in ALLOWED:
            report(f"<{name}", f"不允许使用 <{name}> 标签，请改用 Markdown 写法")
            element.unwrap()
            continue
        _clean_attributes(element, report)


def _clean_attributes(element: Tag, report: Report) -> None:
    allowed = ALLOWED[element.name] | _GLOBAL
    for attr in list(element.attrs):
        value = element.attrs[attr]
        if attr not in allowed:
            why = "事件处理属性可执行脚本" if attr.startswith("on") else "样式请交给网站统一的样式表" if attr == "style" else "不在允许范围内"
            report(f"{attr}=", f"<{element.name}> 不允许使用 {attr} 属性（{why}），已删除")
            del element.attrs[attr]
        elif attr in ("href", "src") and (scheme := unsafe_scheme(str(value))):
            report(f"{scheme}:", f"不允许使用 {scheme}: 链接，已删除")
            del element.attrs[attr]
