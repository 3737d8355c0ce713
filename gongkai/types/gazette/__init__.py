"""政府公报: the gazette's issues and their tables of contents, gazette-only articles,
the archive by year, the open catalogue (JSON, CSV) and each issue's manifest of
SHA-256 digests for tamper evidence.

An issue carries policy documents of the site (by id) and articles of its own; the site
model knows, for every document, the issue that carried it, and its page says so.

Routes: see ROUTES. Commands: import-gazette (importer.py), verify-gazette (verify.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from ...contenttype import (
    Command,
    ContentType,
    Disclosed,
    Entry,
    FeedItem,
    HomeBlock,
    Listing,
    MapSection,
    Mention,
    Searchable,
)
from ...names import names
from ...views import Link, cn_date
from . import record, rules, views
from .record import Article, Issue
from .views import ROOT

ROUTES = (
    (ROOT, "the gazette: its name, the latest issue, every year with its issue count, how to cite and subscribe"),
    (f"{ROOT}YYYY/", "one year's issues in order"),
    (f"{ROOT}YYYY/NN/", "an issue's table of contents by section, with print pages, PDF and citation"),
    (f"{ROOT}YYYY/NN/NAME/", "a gazette-only article (`content/gazettes/YYYY/NN/NAME.md`)"),
    (f"{ROOT}YYYY/NN/gazette-YYYY-NN.pdf", "the issue's print edition"),
    (f"{ROOT}YYYY/NN/manifest.json", "SHA-256 of every file of the issue (`verify-gazette` checks it)"),
    (views.FEED, "Atom feed of new issues"),
    (views.CATALOG_JSON, "open catalogue of every issue and article (JSON)"),
    (views.CATALOG_CSV, "the same as CSV, UTF-8 with BOM for Excel"),
)


def _import_arguments(parser) -> None:
    parser.add_argument("listing", metavar="CSV", type=Path,
                        help="目录文件：每行一篇，列为 年份、期号、总期号、出版日期、栏目、标题、文号、发文机关等")


def _import(project: Path, args) -> int:
    from . import importer

    return importer.main(project, args.listing)


def _verify_arguments(parser) -> None:
    parser.add_argument("target", metavar="PATH_OR_URL", help="生成的网站目录（如 output/）或网站地址（如 https://www.example.gov.cn/xxgk/）")
    parser.add_argument("--public-key", default=None,
                        help="核对清单签名所用的公钥（OpenSSH 格式的一行）；默认取 site_config.yaml 中的 gazette.public_key")


def _verify(project: Path, args) -> int:
    from . import verify

    return verify.main(project, args.target, args.public_key or _configured_key(project))


def _settings(project: Path):
    """The gazette's settings from site_config.yaml: None without a gazette: block, False
    when the configuration cannot be read (its errors are the build's to report)."""
    from ...build import load_config
    from ...diagnostics import BuildStopped, Problems

    try:
        return load_config(project, Problems()).types.get("gazette")
    except BuildStopped:
        return False


def _configured_key(project: Path) -> str | None:
    settings = _settings(project)
    return settings.public_key if settings else None


def _has_no_gazette(project: Path) -> bool:
    return _settings(project) is None


COMMANDS = (
    Command("import-gazette", "import-gazette 目录.csv   从往期公报目录（CSV）批量新建公报期次和文章",
            "从往期公报目录（CSV）批量导入公报", _import_arguments, _import),
    Command("verify-gazette", "verify-gazette output/    核对公报文件与清单（manifest.json）是否一致，也可写网站地址",
            "核对已生成或已发布的公报是否被改动", _verify_arguments, _verify),
)


class GazetteType(ContentType):
    name = "gazette"
    folder = "gazettes"
    noun = "政府公报"
    suffixes = (".md", ".yaml")
    specs = record.SPECS
    routes = ROUTES
    scaffold_body = "正文从这里开始。"
    config_labels = record.CONFIG_LABELS
    commands = COMMANDS

    def new_file(self, project: Path, slug: str, today):
        """`new gazette 2026-12`: an issue; `new gazette 2026-12-rsrm`: an article of it."""
        from ...scaffold import front_matter  # the scaffold imports the registry
        if _has_no_gazette(project):
            raise ValueError("站点配置 site_config.yaml 中还没有 gazette（政府公报）设置：请先写上公报名称 name、"
                             "出版周期 frequency 和栏目 sections（见 README），再新建公报")
        match = re.fullmatch(r"(\d{4})-(\d{1,3})(?:-([a-z0-9][a-z0-9-]*))?", slug)
        if not match or int(match[1]) < 1900 or int(match[2]) < 1:
            raise ValueError("公报请写 年份-期号（新建一期，如 2026-12）或 年份-期号-文件名（新建本期的公报文章，如 2026-12-rsrm）")
        year, number, name = match[1], int(match[2]), match[3]
        folder = f"{self.folder}/{year}/{number:02d}"
        if name:
            return f"{folder}/{name}.md", f"---\n{front_matter(self.specs, today)}\n---\n\n{self.scaffold_body}\n"
        return f"{folder}.yaml", record.issue_scaffold(int(year), number, today)

    def read_config(self, fields):
        return record.read_settings(fields)

    def owns_id(self, doc_id: str) -> bool:
        return record.OWN_ID.match(doc_id) is not None

    def file_id(self, path, source):
        return record.file_id(path)

    def validate(self, source, config, content_dir, problems):
        return record.validate(source, config.types[self.name], content_dir, problems)

    def url(self, doc_id: str) -> str:
        return views.url(doc_id)

    def order(self, records: list) -> tuple:
        issues = sorted((r for r in records if isinstance(r, Issue)), key=lambda i: (i.published, i.year, i.number), reverse=True)
        return (*issues, *(r for r in records if isinstance(r, Article)))

    # -- link ------------------------------------------------------------------------------

    def link(self, site, problems) -> None:
        settings = site.config.types[self.name]
        facts = rules.derive(site, settings, self.name, problems)
        _withdraw(site, self.name, facts)
        facts.tocs.update((issue.id, views.toc(site, issue)) for issue in facts.issues)
        site.facts[self.name] = facts
        if settings is None:
            files = sorted(seen.rel for seen in site.known.values() if seen.section == self.folder)
            if files and not any(p.path == "site_config.yaml" and p.field.startswith("gazette") for p in problems.items):
                problems.add("site_config.yaml", 1, "gazette", f"content/ 中有 {len(files)} 个政府公报文件（如 {files[0]}），"
                             "但站点配置中没有 gazette（政府公报）设置：请加上公报名称 name、出版周期 frequency 和栏目 sections")
            return
        for doc_id, carriage in facts.carrier.items():
            site.mention(doc_id, Mention("刊登于", Link(views.citation(settings, carriage.issue), views.url(carriage.issue.id)),
                                         views.page_text(carriage.item.pages), carriage.issue.origin.rel))

    def listings(self, site) -> list[Listing]:
        facts, settings = site.facts[self.name], site.config.types[self.name]
        if settings is None:
            return []
        crumbs = (Link(settings.name, ROOT),)
        return [Listing(f"gazette/{year}", f"{year}年公报", views.year_url(year), facts.of_year(year), "政府公报", crumbs,
                        "gazette-years", filter_label="按年份浏览", page_type="gazette-year")
                for year in facts.years()]

    def disclosed(self, site) -> list[Disclosed]:
        """Each issue published by the build date is one item of the catalog."""
        return [Disclosed(i, i.catalog, i.published, i.published) for i in site.facts[self.name].issues]

    def entry(self, site, item) -> Entry:
        if isinstance(item, Issue):
            return Entry(views.issue_link(item), item.published)
        carriage = site.facts[self.name].carrier[item.id]
        return Entry(Link(item.title, views.url(item.id), item.doc_number or ""), carriage.issue.published)

    # -- site-wide contributions --------------------------------------------------------------

    def nav(self, site) -> list[Link]:
        return [Link("政府公报", ROOT)] if site.config.types[self.name] else []

    def sitemap(self, site) -> list:
        facts = site.facts[self.name]
        if site.config.types[self.name] is None:
            return []
        pages = [(ROOT, facts.issues[0].published if facts.issues else None)]
        pages += [(views.url(i.id), i.published) for i in facts.issues]
        pages += [(views.url(a), c.issue.published) for a, c in facts.carrier.items() if a in facts.articles]
        return pages

    def searchable(self, site) -> list[Searchable]:
        """Its issues (found by 2019年第6期 and their contents) and its own articles."""
        settings, facts = site.config.types[self.name], site.facts[self.name]
        if settings is None:
            return []
        found = [Searchable(views.url(i.id), f"{settings.name}{views.issue_name(i)}（总第{i.total_number}期）", "政府公报",
                            i.published, agencies=(site.config.site.owner,)) for i in facts.issues]
        for article_id, carriage in facts.carrier.items():
            article = facts.articles.get(article_id)
            if article is not None:
                found.append(Searchable(views.url(article.id), article.title, "公报文章", carriage.issue.published,
                                        article.doc_number, names(article.agency), article.kind or ""))
        return found

    def search_tags(self, site) -> dict[str, dict[str, str]]:
        """Every document an issue carried is under that issue."""
        facts = site.facts[self.name]
        if site.config.types[self.name] is None:
            return {}
        tags = {site.url(doc_id): {"issue": views.issue_name(c.issue)} for doc_id, c in facts.carrier.items()}
        tags.update({views.url(i.id): {"issue": views.issue_name(i)} for i in facts.issues})
        return tags

    def map_sections(self, site) -> list[MapSection]:
        settings = site.config.types[self.name]
        if settings is None:
            return []
        years = tuple(Link(f"{y}年", views.year_url(y)) for y in site.facts[self.name].years())
        return [MapSection(settings.name, ROOT, years)]

    def home(self, site, size: int) -> list[HomeBlock]:
        settings, facts = site.config.types[self.name], site.facts[self.name]
        if settings is None:
            return []
        latest = facts.issues[0] if facts.issues else None
        lines = [line for _, section in facts.tocs[latest.id] for line in section][:size] if latest else []
        return [HomeBlock("latest", "partials/home_gazette.html", {
            "name": settings.name, "issue": latest and views.issue_link(latest), "published": latest and latest.published,
            "lines": lines,
        })]

    # -- pages ---------------------------------------------------------------------------------

    def render(self, site, renderer) -> None:
        settings, facts = site.config.types[self.name], site.facts[self.name]
        if settings is None:
            return
        renderer.outputs.held.update(i.pdf.source for i in facts.pending if i.pdf)
        for article in facts.articles.values():
            if article.id in facts.carrier and renderer.wanted(views.url(article.id)):
                self._article(site, renderer, settings, article)
        for article in facts.held.values():  # checked now, not on the day its issue comes out
            renderer.body(article, views.url(article.id), publish=False)
        self._index(site, renderer, settings, facts)
        feed = [FeedItem(views.citation(settings, i), views.url(i.id), i.published, settings.name, _summary(facts, i))
                for i in facts.issues]
        renderer.feed(views.FEED, f"{settings.name}：最新一期", feed, ROOT)

    def after_pages(self, site, renderer) -> None:
        """Issue pages, manifests and the catalogue digest the pages of the issue, so they
        are made once every document page exists."""
        settings, facts = site.config.types[self.name], site.facts[self.name]
        if settings is None:
            return
        digests: dict[str, str] = {}
        for index in range(len(facts.issues)):
            self._issue(site, renderer, settings, facts, index, digests)
        issues = views.catalog_rows(site, facts, settings, digests)
        base = renderer.config.site.base_url
        renderer.store(views.CATALOG_JSON, views.catalog_json(settings, base, issues), renderer.EVERYTHING, "gazette-catalog")
        renderer.store(views.CATALOG_CSV, views.catalog_csv(base, issues), renderer.EVERYTHING, "gazette-catalog")
        signature = renderer.project_dir / "content" / self.folder / "catalog.sig"
        if signature.is_file():
            renderer.copy(views.CATALOG_JSON + ".sig", signature)

    def _index(self, site, renderer, settings, facts) -> None:
        latest = facts.issues[0] if facts.issues else None
        context = renderer.context(
            ROOT, settings.name, "政府公报", settings=settings, latest=latest and views.issue_link(latest),
            latest_date=latest and latest.published, latest_pdf=latest and views.pdf_view(latest),
            latest_toc=facts.tocs[latest.id] if latest else [],
            years=[(Link(f"{y}年", views.year_url(y)), len(facts.of_year(y))) for y in facts.years()],
            count=len(facts.issues), example=views.citation(settings, latest, (3, 8)) if latest else "",
            feed=views.FEED, catalog_json=views.CATALOG_JSON, catalog_csv=views.CATALOG_CSV,
        )
        renderer.emit(ROOT, "gazette.html", context, renderer.EVERYTHING, "gazette-index")

    def _issue(self, site, renderer, settings, facts, index: int, digests: dict) -> None:
        issue = facts.issues[index]
        here = views.url(issue.id)
        if issue.pdf:
            renderer.copy(views.pdf_url(issue), issue.pdf.source)
        older, newer = facts.neighbours(index)
        toc = facts.tocs[issue.id]
        context = renderer.context(
            here, f"{settings.name} {views.issue_name(issue)}", "政府公报",
            crumbs=[Link(settings.name, ROOT), Link(f"{issue.year}年", views.year_url(issue.year))],
            meta=renderer.article_meta(views.citation(settings, issue), issue.published, site.config.site.owner),
            settings=settings, issue=issue, citation=views.citation(settings, issue), toc=toc,
            pdf=views.pdf_view(issue), older=older and views.issue_link(older), newer=newer and views.issue_link(newer),
            manifest=views.manifest_url(issue), feed=views.FEED,
        )
        blank = renderer.render_page("gazette_issue.html", {**context, "digest": views.ZEROS})
        if blank is None:
            return
        parts = list(dict.fromkeys([  # a file both attached and linked in the body is listed once
            *(link for _, lines in toc for line in lines
              for link in (line.entry.url, *line.entry.files, *renderer.outputs.linked.get(line.entry.url, ()))),
            *([views.pdf_url(issue)] if issue.pdf else [])]))
        files = [(here, len(blank), views.sha256(blank)), *((link, *(renderer.digest(link) or (0, ""))) for link in parts)]
        digests.update({link: sha for link, _, sha in files[1:]})
        manifest = views.manifest(settings, issue, (older, newer), renderer.config.site.base_url, files)
        sources = (issue.origin.rel, *(site.by_id[i.ref].origin.rel for i in issue.items if i.ref in site.by_id))
        renderer.store(views.manifest_url(issue), manifest, sources, "gazette-manifest")
        renderer.emit(here, "gazette_issue.html", {**context, "digest": views.sha256(manifest)}, sources, "gazette-issue")
        signature = renderer.project_dir / issue.origin.rel.removesuffix(".yaml")
        signature = signature.with_name(signature.name + ".manifest.sig")
        if signature.is_file():
            renderer.copy(views.manifest_url(issue) + ".sig", signature)

    def _article(self, site, renderer, settings, article: Article) -> None:
        here = views.url(article.id)
        carriage = site.facts[self.name].carrier[article.id]
        issue = carriage.issue
        context = renderer.context(
            here, article.title, "政府公报",
            crumbs=[Link(settings.name, ROOT), Link(f"{issue.year}年", views.year_url(issue.year)),
                    Link(views.issue_name(issue), views.url(issue.id))],
            meta=renderer.article_meta(article.title, issue.published, article.agency),
            jsonld={"@context": "https://schema.org", "@type": "Article", "headline": article.title,
                    "datePublished": issue.published.isoformat(), "inLanguage": "zh-CN",
                    "author": {"@type": "GovernmentOrganization", "name": article.agency},
                    "isPartOf": {"@type": "PublicationIssue", "issueNumber": str(issue.number),
                                 "name": views.citation(settings, issue), "url": renderer.absolute(views.url(issue.id))},
                    "url": renderer.absolute(here)},
            settings=settings, feed=views.FEED, article=article, body=renderer.body(article, here),
            metadata=views.article_metadata(settings, article, carriage),
            issue=views.issue_link(issue), citation=views.citation(settings, issue, carriage.item.pages),
        )
        renderer.emit(here, "gazette_article.html", context, (article.origin.rel, issue.origin.rel), "gazette-article")


def _withdraw(site, type_name: str, facts) -> None:
    """Issues dated after the build date, and their articles, are not published yet."""
    gone = {i.id for i in facts.pending} | set(facts.held)
    if not gone:
        return
    site.records[type_name] = tuple(r for r in site.records[type_name] if r.id not in gone)
    dates = {i.id: i for i in facts.pending}
    for doc_id in gone:
        issue = dates.get(doc_id) or dates[site.by_id[doc_id].issue]
        site.withheld[doc_id] = f"{views.issue_name(issue)}公报的出版日期为{cn_date(issue.published)}，届时才发布"
    for doc_id in gone:
        site.by_source.pop(site.by_id.pop(doc_id).origin.rel, None)
        site.type_of.pop(doc_id, None)


def _summary(facts, issue: Issue) -> str:
    titles = [line.entry.title for _, lines in facts.tocs[issue.id] for line in lines]
    return f"出版日期：{cn_date(issue.published)}。本期目录：" + "；".join(titles)


TYPE = GazetteType()
