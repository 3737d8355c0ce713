"""Stage 4b: render the linked site model through the Jinja layouts.

Every page is a pure function of the site model and its own record, and knows which
sources it read (Output.sources), which is what incremental builds will need.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from markupsafe import Markup

from . import urls, views
from .diagnostics import Problems
from .markup import MarkdownRenderer
from .records import DataTable, Interpretation, Page, Policy
from .site import Site
from .source import relpath

ASSETS_DIR = "assets"
EVERYTHING = ("*",)  # a page that lists or counts across the whole site


@dataclass
class Outputs:
    """Everything a build writes: rendered files and files copied as they are."""

    pages: dict[str, bytes] = field(default_factory=dict)  # output path -> bytes
    copies: dict[str, Path] = field(default_factory=dict)  # output path -> source file
    # output path -> the content files it read, beyond what every page reads (config,
    # layouts, the page titles in the footer); ("*",) when it summarises the whole site.
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # output path -> page type ("policy", "policy-not-in-force", "listing-later-page", ...),
    # so checks can visit one page of every type without keeping their own list.
    page_types: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pages) + len(self.copies)


class SiteRenderer:
    def __init__(self, site: Site, project_dir: Path, known_ids: dict[str, str], problems: Problems):
        self.site = site
        self.config = site.config
        self.project_dir = project_dir
        self.layouts_dir = project_dir / "layouts"
        self.problems = problems
        self.outputs = Outputs()
        self.env = Environment(
            loader=FileSystemLoader(self.layouts_dir), autoescape=True, undefined=StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        )
        self.env.filters["cn_date"] = views.cn_date
        self.pagination = {listing.key: views.paginate(listing, self.config.page_size) for listing in site.listings}
        self.markdown = MarkdownRenderer(site, project_dir / "content", project_dir, known_ids, self._table_html)

    # -- the whole site ----------------------------------------------------------------

    def render(self) -> Outputs:
        self._home()
        for policy in self.site.policies:
            self._policy(policy)
        for item in self.site.interpretations:
            self._interpretation(item)
        for page in self.site.pages:
            self._page(page)
        for listing in self.site.listings:
            self._listing(listing)
        self._emit(urls.NOT_FOUND, "404.html", self._context(None, "页面未找到", "页面未找到"), (), "not-found")
        self._machine_files()
        self._assets()
        return self.outputs

    # -- writing helpers ---------------------------------------------------------------

    def _emit(self, url: str, template: str, context: dict, sources: tuple[str, ...], page_type: str = "") -> None:
        path = urls.output_path(url)
        if path in self.outputs.pages or path in self.outputs.copies:
            source = sources[0] if sources and sources[0] != "*" else "site_config.yaml"
            self.problems.add(source, 1, "id", f"网址 {url} 重复：两个内容生成了同一个页面")
            return
        try:
            text = self.env.get_template(template).render(context)
        except Exception as err:  # noqa: BLE001 - a layout is input too: report it, never a traceback
            self._layout_error(err, template)
            return
        self.outputs.pages[path] = text.encode("utf-8")
        self.outputs.sources[path] = sources
        self.outputs.page_types[path] = page_type or template.rsplit(".", 1)[0]

    def _layout_error(self, err: Exception, template: str) -> None:
        """Name the layout file and line: Jinja's own errors carry them; for anything a
        template expression raised, the innermost frame that ran a layout does."""
        name, line = getattr(err, "filename", None), getattr(err, "lineno", None)
        if not name:
            frames = traceback.extract_tb(err.__traceback__)
            frame = next((f for f in reversed(frames) if Path(f.filename).is_relative_to(self.layouts_dir)), None)
            name, line = (frame.filename, frame.lineno) if frame else (str(self.layouts_dir / template), 0)
        if isinstance(err, TemplateNotFound):
            message = f"找不到版式文件 layouts/{err.name}"
        elif isinstance(err, TemplateError):
            message = err.message
        else:
            message = f"{type(err).__name__}: {err}"
        self.problems.add(relpath(Path(name), self.project_dir), line or 0, "", f"版式模板错误：{message}")

    def _copy(self, url: str, source: Path) -> None:
        path = urls.output_path(url)
        if self.outputs.copies.setdefault(path, source) != source:
            rel = relpath(source, self.project_dir)
            self.problems.add(rel, 0, "", f"网址 {url} 重复：{relpath(self.outputs.copies[path], self.project_dir)} 也发布到这里，请改名")

    def _table_html(self, table: DataTable) -> str:
        template = "partials/data_table.html"
        try:
            return self.env.get_template(template).render(table=table, groups=views.table_groups(table))
        except Exception as err:  # noqa: BLE001 - as in _emit
            self._layout_error(err, template)
            return ""

    # -- context shared by every HTML page ------------------------------------------------

    def _context(self, here: str | None, title: str, column: str, crumbs=(), meta=(), jsonld=None, **extra) -> dict:
        site = self.config.site
        def href(url: str) -> str:
            # The 404 page is served at any depth, so its links are absolute.
            return urls.relative(url, here) if here else site.base_path + url

        return dict(
            site=site, here=here, href=href, title=title, column=column,
            crumbs=[views.Link("首页", urls.HOME), *crumbs] if here != urls.HOME else [],
            nav=self._nav(here), footer=[views.Link(p.title, urls.page(p.id)) for p in self.site.pages],
            meta=[("SiteName", site.name), ("SiteDomain", site.domain),
                  ("SiteIDCode", site.site_code), ("ColumnName", column), *meta],
            jsonld=_json_ld(jsonld) if jsonld else None,
            asset=lambda name: href(urls.asset(name)),
            **extra,
        )

    def _nav(self, here: str | None) -> list[tuple[views.Link, str]]:
        """Main navigation with each item's aria-current: "page" on the item's own page,
        "true" inside its section (the longest matching one), else "". """
        items = [views.Link("首页", urls.HOME), views.Link("政策文件", urls.POLICIES)]
        if self.site.listing("normative"):
            items.append(views.Link("规范性文件", urls.NORMATIVE))
        items.append(views.Link("政策解读", urls.INTERPRETATIONS))
        items += [views.Link(p.title, urls.page(p.id)) for p in self.site.pages if p.menu]
        section = max((i.url for i in items if here and i.url != urls.HOME and here.startswith(i.url)), key=len, default=None)
        return [(item, "page" if item.url == here else "true" if item.url == section else "") for item in items]

    def _article_meta(self, title: str, published, source: str) -> tuple:
        return (("ArticleTitle", title), ("PubDate", f"{published.isoformat()} 00:00"), ("ContentSource", source))

    def _absolute(self, url: str) -> str:
        return self.config.site.base_url + url

    # -- page types ---------------------------------------------------------------------

    def _home(self) -> None:
        size = self.config.home_size
        listings = [views.Link(listing.title, listing.url, f"{len(listing.items)} 件") for listing in self.site.listings]
        context = self._context(
            urls.HOME, self.config.site.name, "首页",
            jsonld={"@context": "https://schema.org", "@type": "WebSite", "name": self.config.site.name,
                    "url": self._absolute(urls.HOME), "publisher": {"@type": "GovernmentOrganization", "name": self.config.site.owner}},
            policies=[(views.policy_link(p), p.published, views.standing_note(self.site, p)) for p in self.site.policies[:size]],
            interpretations=[(views.Link(i.title, urls.interpretation(i.id), i.form), i.published) for i in self.site.interpretations[:size]],
            kinds=[link for link in listings if link.url.startswith(f"{urls.POLICIES}kind/")],
            years=[link for link in listings if link.url.startswith(f"{urls.POLICIES}year/")],
        )
        self._emit(urls.HOME, "home.html", context, EVERYTHING)

    def _body(self, record, here: str):
        body = self.markdown.render(record, here, self.problems)
        for url, source in body.files.items():
            self._copy(url, source)
        return body.html

    def _policy(self, policy: Policy) -> None:
        here = urls.policy(policy.id)
        standing = self.site.standing[policy.id]
        for attachment in policy.attachments:
            self._copy(urls.content_file(attachment.rel), attachment.source)
        interpretations = self.site.interpretations_of.get(policy.id, ())
        replaces = self.site.replaces.get(policy.id, ())
        amends = self.site.amends.get(policy.id, ())
        context = self._context(
            here, policy.title, "政策文件",
            crumbs=[views.Link("政策文件", urls.POLICIES), views.Link(policy.kind.name, urls.kind(policy.kind.slug))],
            meta=self._article_meta(policy.title, policy.published, policy.agency),
            jsonld=self._policy_jsonld(policy, standing),
            policy=policy, body=self._body(policy, here),
            metadata=views.metadata(policy, standing), banner=views.banner(policy, standing),
            attachments=views.attachments(policy),
            interpretations=[(views.Link(i.title, urls.interpretation(i.id), i.form), i.published) for i in interpretations],
            replaces=[(views.policy_link(p), views.ended(self.site.standing[p.id])) for p in replaces],
            amends=[views.policy_link(p) for p in amends],
        )
        related = tuple(r.origin.rel for r in (*interpretations, *replaces, *amends))
        successors = tuple(p.origin.rel for p in (standing.successor, *standing.amenders) if p)
        self._emit(here, "policy.html", context, (policy.origin.rel, *related, *successors),
                   "policy" if standing.in_force else "policy-not-in-force")

    def _policy_jsonld(self, policy: Policy, standing) -> dict:
        force = {"有效": "InForce", "已修订": "PartiallyInForce"}.get(standing.status.value, "NotInForce")
        data = {
            "@context": "https://schema.org", "@type": "Legislation", "name": policy.title,
            "legislationIdentifier": policy.doc_number or policy.index_number,
            "legislationDate": policy.written.isoformat(), "datePublished": policy.published.isoformat(),
            "legislationPassedBy": {"@type": "GovernmentOrganization", "name": policy.agency},
            "legislationType": policy.kind.name, "legislationLegalForce": f"https://schema.org/{force}",
            "inLanguage": "zh-CN", "url": self._absolute(urls.policy(policy.id)),
        }
        if policy.expires:
            data["expires"] = policy.expires.isoformat()
        return data

    def _interpretation(self, item: Interpretation) -> None:
        here = urls.interpretation(item.id)
        documents = [self.site.by_id[d] for d in item.interprets if isinstance(self.site.by_id.get(d), Policy)]
        context = self._context(
            here, item.title, "政策解读", crumbs=[views.Link("政策解读", urls.INTERPRETATIONS)],
            meta=self._article_meta(item.title, item.published, item.agency),
            jsonld={"@context": "https://schema.org", "@type": "Article", "headline": item.title,
                    "datePublished": item.published.isoformat(), "inLanguage": "zh-CN",
                    "author": {"@type": "GovernmentOrganization", "name": item.agency},
                    "about": [{"@type": "Legislation", "name": d.title, "url": self._absolute(urls.policy(d.id))} for d in documents],
                    "url": self._absolute(here)},
            item=item, body=self._body(item, here),
            documents=[(views.policy_link(d), views.standing_note(self.site, d)) for d in documents],
        )
        self._emit(here, "interpretation.html", context, (item.origin.rel, *(d.origin.rel for d in documents)))

    def _page(self, page: Page) -> None:
        here = urls.page(page.id)
        sitemap = self._sitemap_sections() if page.template == "sitemap" else []
        context = self._context(here, page.title, page.title, page=page, body=self._body(page, here), sitemap=sitemap)
        sources = (page.origin.rel, *EVERYTHING) if sitemap else (page.origin.rel,)
        self._emit(here, "page.html", context, sources, f"page-{page.template}")

    def _sitemap_sections(self) -> list[tuple[str, str | None, list[views.Link]]]:
        """(section title, its URL or None, links below it) for the site map page."""
        return [
            ("首页", urls.HOME, []),
            ("政策文件", urls.POLICIES,
             [views.Link(x.title, x.url) for x in self.site.listings if x.key.startswith(("normative", "kind/", "year/"))]),
            ("政策解读", urls.INTERPRETATIONS, []),
            ("栏目页面", None, [views.Link(p.title, urls.page(p.id)) for p in self.site.pages]),
        ]

    def _listing(self, listing) -> None:
        is_policies = listing.key != "interpretations"
        for pager, items in self.pagination[listing.key]:
            here = pager.urls[pager.number - 1]
            title = listing.title if pager.number == 1 else f"{listing.title}（第 {pager.number} 页）"
            crumbs = [views.Link("政策文件", urls.POLICIES)] if is_policies and listing.key != "policies" else []
            entries = [
                (views.policy_link(i) if isinstance(i, Policy) else views.Link(i.title, urls.interpretation(i.id), i.form),
                 i.published, views.standing_note(self.site, i))
                for i in items
            ]
            filters = [(views.Link(x.title, x.url), "page" if x.url == here else "true" if x is listing else "")
                       for x in self.site.listings if is_policies and x.key != "interpretations"]
            context = self._context(here, title, listing.title if is_policies else "政策解读", crumbs=crumbs,
                                    listing=listing, entries=entries, pager=pager, filters=filters)
            self._emit(here, "listing.html", context, EVERYTHING,
                       "listing" if pager.number == 1 else "listing-later-page")

    # -- machine-readable files ------------------------------------------------------------

    def _machine_files(self) -> None:
        entries = [(self._absolute(urls.HOME), max((p.published for p in self.site.policies), default=None))]
        for policy in self.site.policies:
            standing = self.site.standing[policy.id]
            entries.append((self._absolute(urls.policy(policy.id)), max(filter(None, (policy.published, standing.since)))))
        entries += [(self._absolute(urls.interpretation(i.id)), i.published) for i in self.site.interpretations]
        entries += [(self._absolute(urls.page(p.id)), p.updated) for p in self.site.pages]
        for listing in self.site.listings:
            for pager, items in self.pagination[listing.key]:
                entries.append((self._absolute(pager.urls[pager.number - 1]), max((i.published for i in items), default=None)))
        self._emit(urls.SITEMAP, "sitemap.xml", {"entries": entries}, EVERYTHING)
        latest = self.site.policies[: self.config.feed_size]
        self._emit(urls.FEED, "feed.xml", {
            "site": self.config.site, "feed_url": self._absolute(urls.FEED), "home": self._absolute(urls.HOME),
            "updated": max((p.published for p in latest), default=self.site.build_date),
            "entries": [(p, self._absolute(urls.policy(p.id))) for p in latest],
        }, EVERYTHING)
        self._emit(urls.ROBOTS, "robots.txt", {"sitemap": self._absolute(urls.SITEMAP)}, ())

    def _assets(self) -> None:
        root = self.layouts_dir / ASSETS_DIR
        for path in sorted(root.rglob("*")):
            if path.is_file():
                self._copy(urls.asset(path.relative_to(root).as_posix()), path)


def _json_ld(data: dict) -> Markup:
    """JSON-LD as a data block: escaped so no value can close the script element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
