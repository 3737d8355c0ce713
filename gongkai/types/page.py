"""栏目页面: about, 公开指南, 依申请公开指南, contact, 无障碍声明, the site map. Every
page is in the footer; `menu: true` puts it in the main navigation too.

Routes: /ID/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..contenttype import ContentType, Entry, MapSection
from ..fields import Fields
from ..records import Origin
from ..schema import FieldSpec, content_id, labels, origin
from ..views import Link

ROUTES = (("/ID/", "a plain page"),)
TEMPLATES = ("page", "sitemap")


@dataclass(frozen=True)
class Page:
    """A plain page: about, guides, contact, accessibility statement, site map."""

    id: str
    origin: Origin
    body: str
    title: str
    updated: date | None
    summary: str | None
    nav: int | None  # order in the footer navigation
    menu: bool  # also shown in the main navigation
    template: str


SPECS = (
    FieldSpec("title", "标题", True),
    FieldSpec("updated", "更新日期", default="{today}"),
    FieldSpec("summary", "摘要", example="一两句话"),
    FieldSpec("nav", "导航顺序", example="页脚链接中的次序，整数"),
    FieldSpec("menu", "主导航", example="true：同时显示在主导航中"),
    FieldSpec("template", "模板", example="page（默认）或 sitemap"),
    FieldSpec("id", "标识", example="默认为文件名，一般不用填"),
)
FIELDS = labels(SPECS)


def url(doc_id: str) -> str:
    return f"/{doc_id}/"


class PageType(ContentType):
    name = "page"
    folder = "pages"
    noun = "栏目页面"
    specs = SPECS
    routes = ROUTES
    scaffold_body = "页面正文从这里开始。"
    nested = False
    at_root = True

    def validate(self, source, config, content_dir, problems):
        f = Fields(source.front, source.rel, problems, FIELDS)
        doc_id = content_id(source, f)
        record = Page(
            id=doc_id, origin=origin(source), body=source.body, title=f.text("title", True),
            updated=f.date("updated"), summary=f.text("summary"), nav=f.integer("nav"), menu=f.boolean("menu"),
            template=f.choice("template", TEMPLATES, default="page"),
        )
        return record if f.ok and doc_id else None

    def url(self, doc_id: str) -> str:
        return url(doc_id)

    def order(self, records: list) -> tuple:
        return tuple(sorted(records, key=lambda p: (p.nav is None, p.nav or 0, p.id)))

    def entry(self, site, record: Page) -> Entry:
        return Entry(Link(record.title, url(record.id)), record.updated)

    def nav(self, site) -> list[Link]:
        return [Link(p.title, url(p.id)) for p in site.records[self.name] if p.menu]

    def footer(self, site) -> list[Link]:
        return [Link(p.title, url(p.id)) for p in site.records[self.name]]

    def sitemap(self, site) -> list:
        return [(url(p.id), p.updated) for p in site.records[self.name]]

    def map_sections(self, site) -> list[MapSection]:
        return [MapSection("栏目页面", None, tuple(self.footer(site)))]

    def render(self, site, renderer) -> None:
        for page in site.records[self.name]:
            here = url(page.id)
            sitemap = renderer.map_sections() if page.template == "sitemap" else []
            context = renderer.context(here, page.title, page.title, page=page, body=renderer.body(page, here),
                                       sitemap=sitemap)
            sources = (page.origin.rel, *renderer.EVERYTHING) if sitemap else (page.origin.rel,)
            renderer.emit(here, "page.html", context, sources, f"page-{page.template}")


TYPE = PageType()
