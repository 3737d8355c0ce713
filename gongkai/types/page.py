"""栏目页面: about, 公开指南, 依申请公开指南, contact, 无障碍声明, the site map. Every
page is in the footer; `menu: true` puts it in the main navigation too.

Routes: /ID/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..contenttype import ContentType, Entry, MapSection, Searchable
from ..fields import Fields
from ..records import Origin
from ..schema import FieldSpec, content_id, labels, one_line, origin, text_list
from ..views import Link

ROUTES = (("/ID/", "a plain page"),)
TEMPLATES = ("page", "sitemap", "guide")
GUIDE_FIELDS = {
    "office": "机构名称", "address": "办公地址", "hours": "办公时间", "phone": "联系电话", "fax": "传真",
    "email": "电子邮箱", "postcode": "邮政编码", "procedure": "依申请公开程序",
}
GUIDE_REQUIRED = ("office", "address", "hours", "phone", "email", "postcode")


@dataclass(frozen=True)
class Office:
    """The 公开指南's fixed parts (条例 §12): the disclosure office and how to apply."""

    rows: tuple[tuple[str, str], ...]  # (label, value) in the order the guide prints them
    procedure: tuple[str, ...]  # 依申请公开 steps


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
    FieldSpec("template", "模板", example="page（默认）、sitemap（网站地图）或 guide（公开指南）"),
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
    config_labels = {"guide": "公开指南"}

    def read_config(self, fields) -> Office | None:
        if fields.data.get("guide") is None:
            return None
        guide = fields.mapping("guide", GUIDE_FIELDS)
        rows = tuple((label, value) for key, label in GUIDE_FIELDS.items() if key != "procedure"
                     if (value := one_line(guide, key, key in GUIDE_REQUIRED)))
        return Office(rows, text_list(guide, "procedure"))

    def validate(self, source, config, content_dir, problems):
        f = Fields(source.front, source.rel, problems, FIELDS)
        doc_id = content_id(source, f)
        record = Page(
            id=doc_id, origin=origin(source), body=source.body, title=f.text("title", True),
            updated=f.date("updated"), summary=f.text("summary"), nav=f.integer("nav"), menu=f.boolean("menu"),
            template=f.choice("template", TEMPLATES, default="page"),
        )
        if record.template == "guide" and config.types[self.name] is None:
            f.error("template", "公开指南页面（template: guide）要用 site_config.yaml 中的 guide 部分（机构名称、办公地址、"
                    "办公时间、联系电话、传真、电子邮箱、邮政编码和依申请公开程序），请先填写（见 README）")
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

    def searchable(self, site) -> list[Searchable]:
        """Every page but the site map (its text is every title again)."""
        return [Searchable(url(p.id), p.title, "栏目页面", p.updated or site.build_date, agencies=(site.config.site.owner,))
                for p in site.records[self.name] if p.template != "sitemap"]

    def map_sections(self, site) -> list[MapSection]:
        return [MapSection("栏目页面", None, tuple(self.footer(site)))]

    def render(self, site, renderer) -> None:
        for page in site.records[self.name]:
            here = url(page.id)
            if not renderer.wanted(here):
                continue
            sitemap = renderer.map_sections() if page.template == "sitemap" else []
            guide = page.template == "guide"
            context = renderer.context(here, page.title, page.title, page=page, body=renderer.body(page, here),
                                       sitemap=sitemap, office=site.config.types[self.name] if guide else None,
                                       parts=renderer.page_parts(page.template))
            sources = (page.origin.rel, *renderer.EVERYTHING) if sitemap or guide else (page.origin.rel,)
            renderer.emit(here, "page.html", context, sources, f"page-{page.template}")


TYPE = PageType()
