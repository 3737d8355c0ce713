"""信息公开目录: the disclosure catalog as data (content/catalog.yaml), every content item
under its category, the 主动公开基本目录 table, the catalog part of the 公开指南, the
政府信息公开 section navigation, and the task ledger (台账) with its deadlines counted
in real working days.

Routes: see ROUTES. Command: ledger (cli.py). `check --strict` fails on what the ledger
finds overdue or empty.
"""

from __future__ import annotations

from ...contenttype import Command, ContentType, HomeBlock, Listing, MapSection, SectionNav
from ...views import Link
from . import ledger as ledgers
from . import model, record, views
from .model import ROOT, url

ROUTES = (
    (ROOT, "信息公开目录: the whole tree of 公开事项 with item counts"),
    (f"{ROOT}CODE/", "one 公开事项: what it discloses, who and by when, its items newest first, paginated"),
    (views.TABLE, "主动公开基本目录: the catalog as the standard table"),
    (views.LEDGER, "信息公开任务分工台账 as of the build date (`catalog.ledger_page`: hidden, linked or none)"),
)


def _ledger_arguments(parser) -> None:
    from ...cli import parse_date

    parser.add_argument("--as-of", type=parse_date, default=None, help="按此日期计算（YYYY-MM-DD，默认今天，北京时间）")
    parser.add_argument("--format", choices=("text", "csv", "html"), default="text", help="输出格式（默认 text）")
    parser.add_argument("--output", type=str, default=None, help="写入此文件（默认输出到屏幕）")


def _ledger(project, args) -> int:
    from . import command

    return command.main(project, args)


COMMANDS = (
    Command("ledger", "ledger [--as-of 日期] [--format text|csv|html]   信息公开台账：各公开事项的更新期限和状态",
            "信息公开台账：按责任单位列出各公开事项的最近更新、下次截止、剩余工作日和状态", _ledger_arguments, _ledger),
)


class CatalogType(ContentType):
    name = "catalog"
    folder = "catalog"
    noun = "信息公开目录"
    suffixes = (".yaml",)
    root_file = True  # content/catalog.yaml, beside or instead of content/catalog/*.yaml
    specs = ()
    routes = ROUTES
    config_labels = record.CONFIG_LABELS
    commands = COMMANDS

    def read_config(self, fields):
        return record.read_settings(fields)

    def file_id(self, path, source):
        return record.file_id(path)

    def owns_id(self, doc_id: str) -> bool:
        return doc_id == "catalog" or doc_id.startswith("catalog-")

    def new_file(self, project, slug, today):
        """`new catalog CODE`: a file of content/catalog/ with one 公开事项 to fill in."""
        if slug in record.RESERVED:
            raise ValueError(f"代码“{slug}”留给网站自身的页面（/catalog/{slug}/），请换一个")
        if slug in record.codes_on_disk(project):
            raise ValueError(f"信息公开目录中已有代码为“{slug}”的公开事项，请换一个代码")
        return f"{self.folder}/{slug}.yaml", record.scaffold(slug)

    def strict(self, project, as_of) -> int:
        from . import command

        return command.strict(project, as_of) if (project / "content" / "catalog.yaml").exists() or \
            (project / "content" / "catalog").is_dir() else 0

    def validate(self, source, config, content_dir, problems):
        return record.validate(source, config.site.owner, problems)

    def url(self, doc_id: str) -> str:
        return ROOT

    def order(self, records: list) -> tuple:
        """content/catalog.yaml first, then the folder's files by name."""
        return tuple(sorted(records, key=lambda r: (r.id != "catalog", r.origin.rel)))

    # -- link -------------------------------------------------------------------------------

    def link(self, site, problems) -> None:
        files = site.records[self.name]
        unread = any(s.section == self.folder and i not in site.by_id for i, s in site.known.items())
        settings = site.config.types[self.name]
        site.facts[self.name] = model.build(site, files, settings, problems, unread) if files or unread else None

    def _catalog(self, site) -> model.Catalog | None:
        return site.facts.get(self.name)

    def listings(self, site) -> list[Listing]:
        catalog = self._catalog(site)
        if catalog is None:
            return []
        result = []
        for category in catalog.by_code.values():
            ancestors = catalog.ancestors(category)
            items = catalog.items(category.code)
            intro = HomeBlock("intro", "partials/catalog_intro.html", {
                "details": views.details(category), "children": views.tree(catalog, category.children),
                "updated": items[0].published if items else None, "leaf": category.leaf})
            result.append(Listing(
                f"catalog/{category.code}", category.name, url(category.code), tuple(i.record for i in items),
                "信息公开目录", (Link("信息公开目录", ROOT), *(Link(a.name, url(a.code)) for a in ancestors)),
                page_type="catalog-category", intro=intro))
        return result

    # -- site-wide contributions --------------------------------------------------------------

    def search_tags(self, site) -> dict[str, dict[str, str]]:
        """Every item is found under its category."""
        catalog = self._catalog(site)
        if catalog is None:
            return {}
        return {site.url(item.record.id): {"category": model.path(catalog, catalog.by_code[code])}
                for code, items in catalog.own.items() for item in items}

    def nav(self, site) -> list[Link]:
        return [Link("信息公开目录", ROOT)] if self._catalog(site) else []

    def sections(self, site) -> list[SectionNav]:
        catalog = self._catalog(site)
        return [SectionNav("政府信息公开", catalog.columns)] if catalog else []

    def sitemap(self, site) -> list:
        catalog = self._catalog(site)
        if catalog is None:
            return []
        newest = max((i.published for items in catalog.own.values() for i in items), default=None)
        pages = [(ROOT, newest), (views.TABLE, None)]
        if site.config.types[self.name].ledger_page == "linked":
            pages.append((views.LEDGER, None))
        return pages

    def map_sections(self, site) -> list[MapSection]:
        catalog = self._catalog(site)
        if catalog is None:
            return []
        links = [Link(c.name, url(c.code)) for c in catalog.roots] + [Link(views.TABLE_TITLE, views.TABLE)]
        return [MapSection("信息公开目录", ROOT, tuple(links))]

    def home(self, site, size: int) -> list[HomeBlock]:
        catalog = self._catalog(site)
        if catalog is None:
            return []
        return [HomeBlock("browse", "partials/home_disclosure.html", {"columns": catalog.columns})]

    def page_parts(self, site, template: str) -> list[HomeBlock]:
        catalog = self._catalog(site)
        if catalog is None or template != "guide":
            return []
        return [HomeBlock("guide", "partials/guide_catalog.html", {"tree": views.tree(catalog), "table": views.TABLE})]

    # -- pages ---------------------------------------------------------------------------------

    def render(self, site, renderer) -> None:
        catalog = self._catalog(site)
        if catalog is None:
            return
        crumbs = [Link("信息公开目录", ROOT)]
        settings = site.config.types[self.name]
        if renderer.wanted(ROOT):
            context = renderer.context(ROOT, "信息公开目录", "信息公开目录", tree=views.tree(catalog), table=views.TABLE,
                                       total=sum(len(items) for items in catalog.own.values()),
                                       ledger_link=views.LEDGER if settings.ledger_page == "linked" else None)
            renderer.emit(ROOT, "catalog.html", context, renderer.EVERYTHING, "catalog")
        if renderer.wanted(views.TABLE):
            context = renderer.context(views.TABLE, views.TABLE_TITLE, "信息公开目录", crumbs=crumbs,
                                       groups=views.table(catalog), columns=views.TABLE_COLUMNS)
            renderer.emit(views.TABLE, "catalog_table.html", context, renderer.EVERYTHING, "catalog-table")
        if settings.ledger_page != "none" and renderer.wanted(views.LEDGER):
            ledger = ledgers.compute(catalog, settings.calendar, site.build_date, settings.due_soon)
            for row in ledger.rows:
                if row.problem:  # the site is still published; `build.py ledger` and check --strict fail
                    renderer.problems.warn(row.category.rel, row.category.line, "rule", f"台账无法计算：{row.problem}")
            context = renderer.context(views.LEDGER, views.LEDGER_TITLE, "信息公开目录", crumbs=crumbs, ledger=ledger,
                                       cells=views.ledger_cells, header=views.LEDGER_HEADER, css=views.status_class,
                                       noindex=settings.ledger_page == "hidden")
            renderer.emit(views.LEDGER, "ledger.html", context, renderer.EVERYTHING, "ledger")


TYPE = CatalogType()
