"""Linking the catalog: one tree from every catalog file, each content item under its
category, and the references site_config.yaml makes (default categories, the columns
of the section navigation) resolved, every mistake reported where it was written."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date

from ...contenttype import ContentType, Disclosed, Mention
from ...site import Site
from ...views import Link
from .record import COLUMN_TITLES, Category, Settings, walk

ROOT = "/catalog/"


def url(code: str) -> str:
    return f"{ROOT}{code}/"


@dataclass(frozen=True)
class Item:
    """A content record as an item of one leaf category."""

    record: object
    code: str
    formed: date
    published: date


@dataclass
class Catalog:
    roots: tuple[Category, ...]
    # Codes of catalog files with errors, or None (any code) when a file could not be read
    # at all: a reference to one is not reported again, the file's own error is the real one.
    unreadable: frozenset[str] | None = frozenset()
    by_code: dict[str, Category] = field(default_factory=dict)
    depth: dict[str, int] = field(default_factory=dict)
    own: dict[str, list[Item]] = field(default_factory=dict)  # leaf code -> its items
    columns: tuple[Link, ...] = ()  # the 政府信息公开 section navigation
    _items: dict[str, tuple[Item, ...]] = field(default_factory=dict)

    def items(self, code: str) -> tuple[Item, ...]:
        """The items of a category and every category below it, newest first (made once:
        pages, counts and the ledger ask for them again and again)."""
        if code not in self._items:
            found = [item for c, _ in walk((self.by_code[code],)) for item in self.own.get(c.code, ())]
            self._items[code] = tuple(sorted(found, key=lambda i: (i.published, i.record.id), reverse=True))
        return self._items[code]

    def failed(self, code: str) -> bool:
        return self.unreadable is None or code in self.unreadable

    def ancestors(self, category: Category) -> list[Category]:
        chain = []
        while category.parent:
            category = self.by_code[category.parent]
            chain.insert(0, category)
        return chain

    def leaves(self) -> list[Category]:
        return [c for c, _ in walk(self.roots) if c.leaf]


def build(site: Site, files: tuple, settings: Settings, problems, unread: bool) -> Catalog:
    """unread: a catalog file could not be read at all."""
    loose = frozenset(code for f in files if not f.complete for code in f.codes)
    catalog = Catalog(tuple(c for f in files for c in f.categories), None if unread else loose)
    for category, depth in walk(catalog.roots):
        if category.code in catalog.by_code:
            first = catalog.by_code[category.code]
            problems.add(category.rel, category.line, "code",
                         f"目录分类代码“{category.code}”重复：{first.rel} 第 {first.line} 行已用过；每个公开事项的代码必须唯一")
            continue
        catalog.by_code[category.code] = category
        catalog.depth[category.code] = depth
    _place_items(site, catalog, settings, problems)
    catalog.columns = _columns(site, catalog, settings, problems)
    return catalog


def _place_items(site: Site, catalog: Catalog, settings: Settings, problems) -> None:
    defaults, broken = {}, set()
    disclosing = [t for t in site.types if type(t).disclosed is not ContentType.disclosed]
    for type_name, (code, line) in settings.defaults.items():
        if code is None:
            broken.add(type_name)
        elif type_name not in {t.name for t in disclosing}:
            names = "、".join(f"{t.name}（{t.noun}）" for t in disclosing)
            problems.add(settings.rel, line, f"catalog.defaults.{type_name}",
                         f"“{type_name}”不是归入信息公开目录的内容类型；可写：{names}")
        elif _usable(catalog, code, settings.rel, line, f"catalog.defaults.{type_name}", problems):
            defaults[type_name] = code
        else:
            broken.add(type_name)  # reported there; its items are not also 未归入
    for kind in site.types:
        for item in kind.disclosed(site):
            code = item.code or defaults.get(kind.name)
            where = (item.record.origin.rel, item.record.origin.line("catalog"), "catalog")
            if code is None and kind.name in broken:
                continue
            if code is None:
                problems.warn(*where, f"未归入信息公开目录：请填写 catalog（目录分类代码），或在 site_config.yaml 的 "
                              f"catalog.defaults 中为{kind.noun}设默认分类")
            elif item.code is None or _usable(catalog, code, *where, problems):
                catalog.own.setdefault(code, []).append(_item(item, code))
                _mention(site, catalog, item.record.id, catalog.by_code[code])


def path(catalog: Catalog, category: Category) -> str:
    """政策文件 › 规范性文件"""
    return " › ".join(c.name for c in (*catalog.ancestors(category), category))


def _mention(site: Site, catalog: Catalog, doc_id: str, category: Category) -> None:
    """The item's page names its place in the catalog, linked."""
    site.mention(doc_id, Mention("信息公开目录：", Link(path(catalog, category), url(category.code)), source=category.rel))


def _item(item: Disclosed, code: str) -> Item:
    return Item(item.record, code, item.formed, item.published)


def _usable(catalog: Catalog, code: str, rel: str, line: int, field_name: str, problems) -> bool:
    """A code names an existing leaf category, or the mistake is reported."""
    category = catalog.by_code.get(code)
    if category is None and catalog.failed(code):
        return False  # its file has an error of its own
    if category is None:
        close = difflib.get_close_matches(code, list(catalog.by_code), n=1, cutoff=0.6)
        hint = f"；是否想写“{close[0]}”（{catalog.by_code[close[0]].name}）？" if close else "；代码见信息公开目录文件 content/catalog.yaml"
        problems.add(rel, line, field_name, f"信息公开目录中没有代码为“{code}”的公开事项{hint}")
        return False
    if not category.leaf:
        below = "、".join(f"{c.code}（{c.name}）" for c in category.children)
        problems.add(rel, line, field_name, f"“{code}”（{category.name}）下设子事项，请填写其中一个：{below}")
        return False
    return True


def _columns(site: Site, catalog: Catalog, settings: Settings, problems) -> tuple[Link, ...]:
    """The five national columns in their order; 法定主动公开内容 is the catalog itself."""
    links = []
    for key, title in COLUMN_TITLES.items():
        if key == "content":
            links.append(Link(title, ROOT))
        elif key in settings.columns:
            given, line = settings.columns[key]
            if target := _target(site, catalog, given, settings.rel, line, f"catalog.columns.{key}", problems):
                links.append(Link(title, target))
    return tuple(links)


def _target(site: Site, catalog: Catalog, target: str, rel: str, line: int, field_name: str, problems) -> str | None:
    scheme, value = target.split(":", 1)
    if scheme == "catalog":
        if value in catalog.by_code:
            return url(value)
        if not catalog.failed(value):
            problems.add(rel, line, field_name, f"信息公开目录中没有代码为“{value}”的公开事项")
    elif value in site.by_id:
        return site.url(value)
    elif value not in site.known:  # a file that failed has its own error
        hint = f"；“{value}”是信息公开目录的代码，请写 catalog:{value}" if value in catalog.by_code else ""
        problems.add(rel, line, field_name, f"找不到标识为“{value}”的页面或文件{hint}")
    return None
