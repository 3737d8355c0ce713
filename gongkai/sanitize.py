"""Raw HTML in Markdown passes a strict allowlist. Anything else is a content error
(so the editor sees it) and is removed from the page (so nothing unsafe ships)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import PreformattedString

from .characters import FORBIDDEN, char_name

_GLOBAL = frozenset({"id", "class", "lang", "title"})
# Python-Markdown writes a table column's alignment as style="text-align: ..."; the
# Markdown stage turns it into one of these classes (raw HTML style= stays an error).
ALIGN_CLASSES = {"left": "align-left", "center": "align-center", "right": "align-right"}
# Classes a body may use: Python-Markdown's footnotes, and our own content styles. Any
# other class could dress body text up as page furniture (a fake status banner).
CONTENT_CLASSES = frozenset({"footnote", "footnote-ref", "footnote-backref", "signature", *ALIGN_CLASSES.values()})
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


def clean_url(url: str) -> str:
    """A URL as browsers read it (WHATWG URL): tabs and newlines anywhere are dropped,
    control characters and spaces at either end are trimmed."""
    return re.sub(r"[\t\n\r]", "", url).strip(_C0_AND_SPACE)


def unsafe_scheme(url: str) -> str | None:
    """The scheme of a URL if it is not one we let through (javascript:, data:, ...),
    in lower case; schemes are case-insensitive (JavaScript:, DOC:)."""
    match = _SCHEME.match(clean_url(url))
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
    _forbidden_characters(soup, report)
    dropped: set[int] = set()  # ids of what went with a dropped element (asking a Tag
    # whether it was decomposed searches its children for a tag of that name)
    for element in list(soup.find_all(True)):
        if id(element) in dropped:
            continue
        name = element.name
        if name in _DROP_WITH_CONTENT:
            report((f"<{name}",), f"不允许使用 <{name}> 标签（出于安全和无障碍要求），已删除")
            dropped.update(map(id, element.find_all(True)))
            element.decompose()
            continue
        if name not in ALLOWED:
            report((f"<{name}",), f"不允许使用 <{name}> 标签，请改用 Markdown 写法")
            element.unwrap()
            continue
        _clean_attributes(element, report)


# Fenced code's language (```python gives class="language-python"): harmless, and the
# site's styles never match it, so it cannot dress text up as page furniture.
_LANGUAGE_CLASS = re.compile(r"^language-[A-Za-z0-9+#_-]{1,30}$")


def _allowed_class(tag: str, name: str) -> bool:
    return name in CONTENT_CLASSES or (tag == "code" and bool(_LANGUAGE_CLASS.match(name)))


def _forbidden_characters(soup: BeautifulSoup, report: Report) -> None:
    """A character reference (&#x1;, &#x2028;) brings back what the file check refused
    as a raw character: report it and take it out, in text and in attribute values."""
    for node in list(soup.find_all(string=FORBIDDEN)):
        report(("&#",), f"正文中的字符引用产生了{char_name(FORBIDDEN.search(node).group())}，请删除这个 &#…; 写法")
        node.replace_with(FORBIDDEN.sub("", node))
    for element in soup.find_all(True):
        for attr, value in list(element.attrs.items()):
            text = " ".join(value) if isinstance(value, list) else str(value)
            if FORBIDDEN.search(text):
                report(("&#",), f"属性 {attr} 中的字符引用产生了{char_name(FORBIDDEN.search(text).group())}，请删除")
                element.attrs[attr] = FORBIDDEN.sub("", text)


def _clean_attributes(element: Tag, report: Report) -> None:
    allowed = ALLOWED[element.name] | _GLOBAL
    for attr in list(element.attrs):
        value = element.attrs[attr]
        if attr == "class" and (unknown := {c for c in value if not _allowed_class(element.name, c)}):
            report((sorted(unknown)[0],), f"不支持的样式类名 {'、'.join(sorted(unknown))}；可用：{'、'.join(sorted(CONTENT_CLASSES))}")
            del element.attrs[attr]
        elif attr not in allowed:
            why = "事件处理属性可执行脚本" if attr.startswith("on") else "样式请交给网站统一的样式表" if attr == "style" else "不在允许范围内"
            report((f"{attr}=",), f"<{element.name}> 不允许使用 {attr} 属性（{why}），已删除")
            del element.attrs[attr]
        elif attr in ("href", "src") and (scheme := unsafe_scheme(str(value))):
            report((f"{scheme}:", str(value)[:20], f"{attr}="), f"不允许使用 {scheme}: 链接，已删除")
            del element.attrs[attr]


# -- ids -----------------------------------------------------------------------------------
# Every id on a page must be unique: a duplicate breaks in-page links, footnotes and
# the labels screen readers announce. A body shares its page with the layouts' ids,
# with the ids of the data tables inserted into it, and with its own generated ids.

_LAYOUT_ID = re.compile(r"""(?<![\w-])id\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TEMPLATE_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_HTML_SPACE = re.compile(r"[\t\n\f\r ]+")
EMPTY_SLUG = "标题"  # the id of a heading whose text gives no slug (only punctuation)


@dataclass(frozen=True)
class ReservedIds:
    """Ids the layouts use: literal ones, and patterns for ids they compute
    (data_table.html's id="table-{{ table.id }}" reserves every "table-..." id)."""

    exact: frozenset[str]
    patterns: tuple[tuple[re.Pattern, str], ...] = ()  # (pattern, how it reads: "table-…")

    def __contains__(self, value: str) -> bool:
        return value in self.exact or self.shape(value) is not None

    def shape(self, value: str) -> str | None:
        return next((shape for pattern, shape in self.patterns if pattern.fullmatch(value)), None)


def layout_ids(layouts_dir: Path) -> ReservedIds:
    """Read the reserved ids off the layouts themselves, so an id added to a layout
    is protected without anyone keeping a list."""
    exact, patterns = set(), {}
    for path in sorted(layouts_dir.rglob("*.html")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # the layout's own error is reported where it is loaded
        for match in _LAYOUT_ID.finditer(text):
            value = match.group(1) if match.group(1) is not None else match.group(2)
            parts = [html.unescape(part) for part in _TEMPLATE_CODE.split(value)]
            if len(parts) == 1:
                exact.add(parts[0])
            elif "".join(parts):  # an id made only of template code could be anything
                patterns["…".join(parts)] = re.compile(".*".join(map(re.escape, parts)), re.S)
    return ReservedIds(frozenset(exact), tuple((patterns[shape], shape) for shape in sorted(patterns)))


IdReport = Callable[[str, int, str], None]  # (the id, its occurrence among equal ids, message)


def unique_ids(soup: BeautifulSoup, reserved: ReservedIds, inserted: Iterable[str],
               generated: dict[int, Tag], report: IdReport) -> None:
    """Make every id of the sanitized body unique on its page, in one pass.

    generated holds (by id()) the elements whose id Markdown made (heading slugs,
    footnotes) and the footnote links pointing at them. An id the editor wrote stays
    as written, or is an error if the page already uses it. A generated id that
    collides moves to a free "-N", N its occurrence (the second "总则" becomes
    "总则-2"), and the links to it follow."""
    taken = set(reserved.exact) | set(inserted)
    elements = soup.find_all(id=True)
    kept = _check_written([el for el in elements if id(el) not in generated], reserved, taken, report)
    renamed = _place_generated([el for el in elements if id(el) in generated], taken)
    body_ids = kept | set(renamed.values())
    for anchor in soup.find_all("a", href=True):
        href = clean_url(str(anchor["href"]))
        if not href.startswith("#"):
            continue
        fragment = unquote(href[1:])
        target = renamed.get(fragment, fragment)
        # Footnote links follow their footnote. An editor's #link follows a renamed
        # heading only when nothing in the body keeps the id it names ("Main" is
        # main-1 because the layout's <main> is main); otherwise it lands as written.
        if target != fragment and (id(anchor) in generated or fragment not in body_ids):
            anchor["href"] = f"#{target}"


def _check_written(elements: list[Tag], reserved: ReservedIds, taken: set[str], report: IdReport) -> set[str]:
    kept: set[str] = set()
    seen: dict[str, int] = {}
    for element in elements:
        value = element["id"]
        nth = seen[value] = seen.get(value, -1) + 1
        if not value.strip(" \t\n\f\r"):
            problem = "id 不能为空：请写上名称（如 id=\"note-1\"），或删去 id"
        elif _HTML_SPACE.search(value):
            problem = f"id“{value}”含有空格，网页中无效：请改为 id=\"{_HTML_SPACE.sub('-', value.strip())}\" 这样的写法"
        elif value in kept:
            problem = f"id“{value}”在本页已经用过：同一页面内 id 不能重复，请换一个"
        elif shape := reserved.shape(value):
            problem = f"id“{value}”已被页面自身使用（{shape} 这样的 id 留给网站的版式），请换一个"
        elif value in reserved or value in taken:
            problem = f"id“{value}”已被页面自身使用，请换一个"
        else:
            kept.add(value)
            taken.add(value)
            continue
        report(value, nth, problem)
        del element["id"]
    return kept


def _place_generated(elements: list[Tag], taken: set[str]) -> dict[str, str]:
    """Give generated ids their final names; returns original -> final (for the first
    element of each original). Natural names are claimed first, so a heading "main-1"
    keeps its id even when an earlier "Main" has to move aside."""
    count: dict[str, int] = {}
    items = []
    for element in elements:
        base = _HTML_SPACE.sub("-", element["id"]).strip("-") or EMPTY_SLUG
        count[base] = count.get(base, 0) + 1
        items.append((element, element["id"], base, count[base]))
    final: dict[int, str] = {}
    for element, _, base, _ in items:
        if base not in taken:
            taken.add(base)
            final[id(element)] = base
    for element, _, base, number in items:
        if id(element) not in final:
            while f"{base}-{number}" in taken:
                number += 1
            taken.add(final.setdefault(id(element), f"{base}-{number}"))
    renamed: dict[str, str] = {}
    for element, original, _, _ in items:
        element["id"] = final[id(element)]
        renamed.setdefault(original, element["id"])
    return renamed
