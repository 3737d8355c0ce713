"""政策解读: an interpretation of one or more policy documents, linked both ways (the
documents list their interpretations).

Routes: /interpretations/ (paginated), /interpretations/ID/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..contenttype import ContentType, Disclosed, Entry, HomeBlock, Listing, MapSection, Searchable
from ..fields import Fields
from ..records import Origin
from ..schema import FieldSpec, content_id, labels, origin, text_list
from ..site import check_references, group, newest_first
from ..views import Link
from . import policy

ROOT = "/interpretations/"
ROUTES = ((ROOT, "interpretations, newest first, paginated"), (f"{ROOT}ID/", "an interpretation"))


@dataclass(frozen=True)
class Interpretation:
    """政策解读 of one or more policy documents."""

    id: str
    origin: Origin
    body: str
    title: str
    interprets: tuple[str, ...]
    published: date
    agency: str
    form: str
    interpreter: str | None
    summary: str | None
    catalog: str | None


SPECS = (
    FieldSpec("title", "标题", True),
    FieldSpec("interprets", "解读文件", True, "所解读政策文件的标识，如 [lzbf-2019-5]", "[]"),
    FieldSpec("published", "发布日期", True, default="{today}"),
    FieldSpec("agency", "解读机关", True, "如 聊城市人民政府办公室"),
    FieldSpec("form", "解读形式", True, "取值见 site_config.yaml 的 interpretation_forms", "文字"),
    FieldSpec("interpreter", "解读人", example="姓名和职务"),
    FieldSpec("summary", "摘要", example="一两句话，用于列表和搜索结果"),
    FieldSpec("catalog", "目录分类", example="信息公开目录的公开事项代码；不填则归入 site_config.yaml 中 catalog.defaults 的分类"),
    FieldSpec("id", "标识", example="默认为文件名，一般不用填"),
)
FIELDS = labels(SPECS)


def url(doc_id: str) -> str:
    return f"{ROOT}{doc_id}/"


class InterpretationType(ContentType):
    name = "interpretation"
    folder = "interpretations"
    noun = "政策解读"
    specs = SPECS
    routes = ROUTES
    scaffold_body = "解读正文从这里开始。"
    reserved = frozenset({"page"})
    config_labels = {"interpretation_forms": "解读形式"}

    def read_config(self, fields: Fields) -> tuple[str, ...]:
        return text_list(fields, "interpretation_forms")  # the forms (解读形式)

    def validate(self, source, config, content_dir, problems):
        f = Fields(source.front, source.rel, problems, FIELDS)
        doc_id = content_id(source, f)
        record = Interpretation(
            id=doc_id, origin=origin(source), body=source.body, title=f.text("title", True),
            interprets=f.idents("interprets", True), published=f.date("published", True),
            agency=f.text("agency", True), form=f.choice("form", config.types[self.name], required=True),
            interpreter=f.text("interpreter"), summary=f.text("summary"), catalog=f.ident("catalog"),
        )
        return record if f.ok and doc_id else None

    def url(self, doc_id: str) -> str:
        return url(doc_id)

    def order(self, records: list) -> tuple:
        return newest_first(records)

    def link(self, site, problems) -> None:
        items = site.records[self.name]
        for item in items:
            check_references(site, item, "interprets", item.interprets, policy.TYPE, problems)
        back = group((doc_id, item) for item in items for doc_id in item.interprets if site.is_a(doc_id, policy.TYPE.name))
        for doc_id, interpretations in back.items():
            site.backlinks.setdefault(doc_id, {})["interpretations"] = interpretations

    def listings(self, site) -> list[Listing]:
        return [Listing("interpretations", "政策解读", ROOT, site.records[self.name], "政策解读")]

    def disclosed(self, site) -> list[Disclosed]:
        return [Disclosed(i, i.catalog, i.published, i.published) for i in site.records[self.name]]

    def entry(self, site, record: Interpretation) -> Entry:
        return Entry(Link(record.title, url(record.id), record.form), record.published)

    def nav(self, site) -> list[Link]:
        return [Link("政策解读", ROOT)]

    def searchable(self, site) -> list[Searchable]:
        return [Searchable(url(i.id), i.title, "政策解读", i.published, agencies=(i.agency,), form=i.form)
                for i in site.records[self.name]]

    def sitemap(self, site) -> list:
        return [(url(i.id), i.published) for i in site.records[self.name]]

    def map_sections(self, site) -> list[MapSection]:
        return [MapSection("政策解读", ROOT)]

    def home(self, site, size: int) -> list[HomeBlock]:
        entries = [site.entry(i) for i in site.records[self.name][:size]]
        return [HomeBlock("latest", "partials/home_interpretations.html", {"entries": entries})]

    def render(self, site, renderer) -> None:
        for item in site.records[self.name]:
            here = url(item.id)
            if not renderer.wanted(here):
                continue
            documents = [site.by_id[d] for d in item.interprets if site.is_a(d, policy.TYPE.name)]
            context = renderer.context(
                here, item.title, "政策解读", crumbs=[Link("政策解读", ROOT)],
                meta=renderer.article_meta(item.title, item.published, item.agency),
                jsonld={"@context": "https://schema.org", "@type": "Article", "headline": item.title,
                        "datePublished": item.published.isoformat(), "inLanguage": "zh-CN",
                        "author": {"@type": "GovernmentOrganization", "name": item.agency},
                        "about": [{"@type": "Legislation", "name": d.title, "url": renderer.absolute(site.url(d.id))}
                                  for d in documents],
                        "url": renderer.absolute(here)},
                item=item, body=renderer.body(item, here),
                documents=[(entry.link, entry.note) for entry in map(site.entry, documents)],
                mentions=site.mentions.get(item.id, ()),
            )
            mentioned = tuple(m.source for m in context["mentions"] if m.source)
            renderer.emit(here, "interpretation.html", context,
                          (item.origin.rel, *(d.origin.rel for d in documents), *mentioned))


TYPE = InterpretationType()
