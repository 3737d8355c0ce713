"""政策文件 / 规范性文件: the standard metadata block, validity as of the build date
(repealed, amended, expired, with the documents that replaced it), lists by 文种, year,
主题分类, 发文机关 and 规范性文件, the site's feed.

Routes: /policies/ (all, paginated), /policies/ID/, /policies/normative/,
/policies/kind/SLUG/, /policies/year/YYYY/, /policies/topic/SLUG/, /policies/agency/SLUG/.
"""

from __future__ import annotations

from ... import urls
from ...contenttype import ContentType, Disclosed, Entry, FeedItem, HomeBlock, Listing, MapSection, Searchable
from ...site import check_references, group, newest_first
from ...slugs import assign
from ...views import Link, attachments
from . import validity, views
from .record import CONFIG_LABELS, SPECS, Policy, Settings, read_settings, validate
from .validity import Standing

ROOT = views.ROOT
NORMATIVE = f"{ROOT}normative/"
topic_url, agency_url = views.topic_url, views.agency_url


def kind_url(slug: str) -> str:
    return f"{ROOT}kind/{slug}/"


def year_url(value: int) -> str:
    return f"{ROOT}year/{value}/"


ROUTES = (
    (ROOT, "all policy documents, newest first, paginated"),
    (f"{ROOT}ID/", "a policy document"),
    (NORMATIVE, "规范性文件"),
    (f"{ROOT}kind/SLUG/", "one 文种 (slug from `site_config.yaml`)"),
    (f"{ROOT}year/YYYY/", "one year of publication"),
    (f"{ROOT}topic/SLUG/", "one 主题分类 (slug from its name in pinyin, or pinned in `site_config.yaml`)"),
    (f"{ROOT}agency/SLUG/", "one 发文机关 (slug from its name in pinyin; a joint document is under each agency)"),
)


class Facts:
    """What linking derives for policy documents."""

    def __init__(self, standing: dict[str, Standing], replaces: dict, amends: dict, agencies: dict[str, str]):
        self.standing = standing
        self.replaces = replaces  # successor id -> the documents it replaced
        self.amends = amends  # amender id -> the documents it amended
        self.agencies = agencies  # agency name -> the slug of its list


class PolicyType(ContentType):
    name = "policy"
    folder = "policies"
    noun = "政策文件"
    specs = SPECS
    routes = ROUTES
    scaffold_body = "正文从这里开始。"
    reserved = frozenset({"normative", "kind", "year", "topic", "agency", "page"})
    config_labels = CONFIG_LABELS

    def read_config(self, fields) -> Settings:
        return read_settings(fields)

    def validate(self, source, config, content_dir, problems):
        return validate(source, config.types[self.name], content_dir, problems)

    def url(self, doc_id: str) -> str:
        return views.url(doc_id)

    def order(self, records: list) -> tuple:
        return newest_first(records)

    # -- link ------------------------------------------------------------------------------

    def link(self, site, problems) -> None:
        policies = site.records[self.name]
        for policy in policies:
            check_references(site, policy, "superseded_by", [policy.superseded_by] if policy.superseded_by else [], self, problems)
            check_references(site, policy, "amended_by", policy.amended_by, self, problems)
            check_references(site, policy, "repeals", policy.repeals, self, problems)
        declared = validity.declared(policies, site.by_id, problems)
        validity.check_cycles(policies, site.by_id, declared, problems)
        for field_name, label in (("index_number", "索引号"), ("doc_number", "发文字号")):
            validity.check_unique(policies, field_name, label, problems)
        site.facts[self.name] = Facts(
            validity.standings(policies, site.by_id, declared, site.build_date),
            group((d.successor, site.by_id[doc_id]) for doc_id, d in declared.items() if site.is_a(d.successor, self.name)),
            group((a, p) for p in policies for a in p.amended_by if site.is_a(a, self.name)),
            assign(a for p in policies for a in p.agencies),
        )

    def listings(self, site) -> list[Listing]:
        policies = site.records[self.name]
        crumbs = (Link("政策文件", ROOT),)

        def listing(key, title, url, items, browse="", family="policies", label="文件分类"):
            return Listing(key, title, url, items, title, crumbs if key != "policies" else (), family, browse, label)

        result = [listing("policies", "全部文件", ROOT, policies)]
        normative = tuple(p for p in policies if p.normative)
        if normative:
            result.append(listing("normative", "规范性文件", NORMATIVE, normative))
        for kind in site.config.types[self.name].kinds:
            items = tuple(p for p in policies if p.kind == kind)
            if items:
                result.append(listing(f"kind/{kind.slug}", kind.name, kind_url(kind.slug), items, "kind"))
        for year in sorted({p.published.year for p in policies}, reverse=True):
            items = tuple(p for p in policies if p.published.year == year)
            result.append(listing(f"year/{year}", f"{year}年", year_url(year), items, "year"))
        for topic in site.config.types[self.name].topics:  # in the configured order
            items = tuple(p for p in policies if p.topic == topic.name)
            if items:
                result.append(listing(f"topic/{topic.slug}", topic.name, topic_url(topic.slug), items,
                                      "topic", "topics", "主题分类"))
        slugs = site.facts[self.name].agencies
        for agency in sorted(slugs, key=lambda name: (slugs[name], name)):  # by pinyin: an index to look a name up in
            items = tuple(p for p in policies if agency in p.agencies)
            result.append(listing(f"agency/{slugs[agency]}", agency, agency_url(slugs[agency]), items,
                                  "agency", "agencies", "发文机关"))
        return result

    def entry(self, site, record: Policy) -> Entry:
        return Entry(views.link(record), record.published, views.note(site.facts[self.name].standing[record.id]))

    def disclosed(self, site) -> list[Disclosed]:
        """Each document is an item of the catalog; its deadline counts from the 成文日期."""
        return [Disclosed(p, p.catalog, p.written, p.published) for p in site.records[self.name]]

    # -- site-wide contributions --------------------------------------------------------------

    def searchable(self, site) -> list[Searchable]:
        standing = site.facts[self.name].standing
        return [Searchable(views.url(p.id), p.title, "政策文件", p.published, p.doc_number, p.agencies, p.kind.name,
                           p.topic, standing[p.id].status.value, validity.in_effect(standing[p.id]))
                for p in site.records[self.name]]

    def nav(self, site) -> list[Link]:
        items = [Link("政策文件", ROOT)]
        if site.listing("normative"):
            items.append(Link("规范性文件", NORMATIVE))
        return items

    def feed(self, site) -> list[FeedItem]:
        return [FeedItem(p.title, views.url(p.id), p.published, p.agency,
                         f"{p.doc_number}　{p.summary or p.title}" if p.doc_number else p.summary or p.title)
                for p in site.records[self.name]]

    def sitemap(self, site) -> list:
        standing = site.facts[self.name].standing
        return [(views.url(p.id), max(filter(None, (p.published, standing[p.id].since)))) for p in site.records[self.name]]

    def map_sections(self, site) -> list[MapSection]:
        def links(family):
            return tuple(Link(x.title, x.url) for x in site.listings if x.family == family and x.key != "policies")

        sections = [MapSection("政策文件", ROOT, links("policies"))]
        for family, title in (("topics", "政策文件：按主题分类"), ("agencies", "政策文件：按发文机关")):
            if links(family):
                sections.append(MapSection(title, None, links(family)))
        return sections

    def home(self, site, size: int) -> list[HomeBlock]:
        counted = [(x, Link(x.title, x.url, f"{len(x.items)} 件")) for x in site.listings]
        return [
            HomeBlock("latest", "partials/home_policies.html",
                      {"entries": [site.entry(p) for p in site.records[self.name][:size]]}),
            HomeBlock("browse", "partials/home_browse.html",
                      {"kinds": [link for x, link in counted if x.browse == "kind"],
                       "years": [link for x, link in counted if x.browse == "year"],
                       "topics": [link for x, link in counted if x.browse == "topic"],
                       "agencies": [link for x, link in counted if x.browse == "agency"]}),
        ]

    # -- pages ---------------------------------------------------------------------------------

    def render(self, site, renderer) -> None:
        for policy in site.records[self.name]:
            if renderer.wanted(views.url(policy.id)):
                self._page(site, renderer, policy)

    def _page(self, site, renderer, policy: Policy) -> None:
        here = views.url(policy.id)
        facts = site.facts[self.name]
        standing = facts.standing[policy.id]
        for attachment in policy.attachments:
            renderer.copy(urls.content_file(attachment.rel), attachment.source)
        interpretations = site.related(policy.id, "interpretations")
        replaces = facts.replaces.get(policy.id, ())
        amends = facts.amends.get(policy.id, ())
        context = renderer.context(
            here, policy.title, "政策文件",
            crumbs=[Link("政策文件", ROOT), Link(policy.kind.name, kind_url(policy.kind.slug))],
            meta=renderer.article_meta(policy.title, policy.published, policy.agency),
            jsonld=views.jsonld(policy, standing, renderer.absolute(here)),
            policy=policy, body=renderer.body(policy, here),
            metadata=self._metadata(site, policy, standing, here), banner=views.banner(policy, standing),
            attachments=attachments(policy),
            interpretations=[tuple(site.entry(i))[:2] for i in interpretations],
            replaces=[(views.link(p), views.ended(facts.standing[p.id])) for p in replaces],
            amends=[views.link(p) for p in amends], mentions=site.mentions.get(policy.id, ()),
        )
        related = tuple(r.origin.rel for r in (*interpretations, *replaces, *amends))
        successors = tuple(p.origin.rel for p in (standing.successor, *standing.amenders) if p)
        mentioned = tuple(m.source for m in context["mentions"] if m.source)
        renderer.emit(here, "policy.html", context, (policy.origin.rel, *related, *successors, *mentioned),
                      "policy" if standing.in_force else "policy-not-in-force")

    def _metadata(self, site, policy: Policy, standing: Standing, here: str) -> list:
        """The metadata block, its 主题分类 and agencies linked to their lists."""
        topic = site.config.types[self.name].topic(policy.topic)
        agencies = site.facts[self.name].agencies
        return views.metadata(policy, standing, urls.relative(topic_url(topic.slug), here),
                              {a: urls.relative(agency_url(agencies[a]), here) for a in policy.agencies})


TYPE = PolicyType()
