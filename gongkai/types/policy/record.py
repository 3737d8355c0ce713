"""The policy document's fields, record and settings: what its file and the
configuration say, nothing derived."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from ...diagnostics import Problems
from ...fields import ID_RE, Fields
from ...names import names
from ...records import Attachment, Origin
from ...schema import FieldSpec, attachments, content_id, labels, origin
from ...slugs import assign
from ...source import SourceFile


class Status(StrEnum):
    """有效性 of a policy document."""

    VALID = "有效"
    AMENDED = "已修订"
    REPEALED = "已废止"
    EXPIRED = "已失效"


@dataclass(frozen=True)
class Kind:
    """文种, e.g. 通知; slug is the ASCII part of its list URL."""

    name: str
    slug: str


@dataclass(frozen=True)
class Topic:
    """主题分类; slug is the ASCII part of its list URL, pinned in site_config.yaml or
    made from the name (gongkai/slugs.py)."""

    name: str
    slug: str


@dataclass(frozen=True)
class Settings:
    """The policy documents' part of site_config.yaml."""

    kinds: tuple[Kind, ...]
    topics: tuple[Topic, ...]

    def kind(self, name: str) -> Kind | None:
        return next((k for k in self.kinds if k.name == name), None)

    def topic(self, name: str) -> Topic | None:
        return next((t for t in self.topics if t.name == name), None)


@dataclass(frozen=True)
class Policy:
    """政策文件 / 规范性文件."""

    id: str
    origin: Origin
    body: str
    title: str
    doc_number: str | None
    index_number: str
    agency: str
    written: date
    published: date
    topic: str
    kind: Kind
    normative: bool
    status: Status
    status_date: date | None
    superseded_by: str | None
    amended_by: tuple[str, ...]
    repeals: tuple[str, ...]  # older documents this one repeals ("原《…》同时废止")
    expires: date | None
    attachments: tuple[Attachment, ...]
    summary: str | None
    catalog: str | None

    @property
    def agencies(self) -> tuple[str, ...]:
        """The agencies of its 发文机关: several for a joint document (联合发文)."""
        return names(self.agency)


SPECS = (
    FieldSpec("title", "标题", True),
    FieldSpec("doc_number", "发文字号", example="如 聊政办发〔{year}〕1号"),
    FieldSpec("index_number", "索引号", True, "如 11371500004314023F/{year}-00001"),
    FieldSpec("agency", "发文机关", True, "如 聊城市人民政府办公室"),
    FieldSpec("written", "成文日期", True, default="{today}"),
    FieldSpec("published", "发布日期", True, default="{today}"),
    FieldSpec("topic", "主题分类", True, "取值见 site_config.yaml 的 topics，如 综合政务"),
    FieldSpec("kind", "文种", True, "取值见 site_config.yaml 的 kinds，如 通知"),
    FieldSpec("normative", "规范性文件", example="true 或 false，默认 false"),
    FieldSpec("status", "有效性", example="有效（默认）、已修订、已废止、已失效"),
    FieldSpec("status_date", "状态变更日期", example="status 不是 有效 时必填，如 {today}"),
    FieldSpec("superseded_by", "替代本文件的新文件", example="本文件已被新文件替代时填新文件的标识"),
    FieldSpec("repeals", "本文件废止的旧文件", example="本文件同时废止的旧文件标识，如 [lzbf-2019-5]"),
    FieldSpec("amended_by", "修订文件", example="status 为 已修订 时填修订文件的标识"),
    FieldSpec("expires", "有效期至", example="规范性文件的有效期截止日，如 {year}-12-31"),
    FieldSpec("attachments", "附件", example="[{{title: 附件标题, file: files/{year}/附件1.pdf}}]"),
    FieldSpec("summary", "摘要", example="一两句话，用于列表、订阅和搜索结果"),
    FieldSpec("catalog", "目录分类", example="信息公开目录的公开事项代码，如 zcwj-gfxwj；不填则归入 site_config.yaml 中 catalog.defaults 的分类"),
    FieldSpec("id", "标识", example="默认为文件名，一般不用填"),
)
FIELDS = labels(SPECS)
# Chinese names an editor may write whose meaning depends on the direction.
ALIASES = {
    "替代文件": "如果本文件替代（同时废止）了旧文件，请写 repeals: [旧文件标识]；"
                "如果本文件已被新文件替代，请写 superseded_by: 新文件标识，并把 status 改为 已废止",
    "废止文件": "如果本文件同时废止了旧文件，请写 repeals: [旧文件标识]",
}
CONFIG_LABELS = {"kinds": "文种", "topics": "主题分类"}
KIND_FIELDS = {"name": "名称", "slug": "网址片段"}
TOPIC_FIELDS = KIND_FIELDS


def read_settings(root: Fields) -> Settings:
    kinds: list[Kind] = []
    for item in root.mappings("kinds", KIND_FIELDS, required=True):
        name, slug = item.text("name", True), item.text("slug", True)
        if slug and not ID_RE.match(slug):
            item.error("slug", f"“{slug}”应只含小写英文字母、数字和连字符")
        elif any(k.name == name for k in kinds):
            item.error("name", f"文种“{name}”重复")
        elif any(k.slug == slug for k in kinds):
            item.error("slug", f"网址片段“{slug}”重复")
        elif name and slug:
            kinds.append(Kind(name, slug))
    return Settings(tuple(kinds), read_topics(root))


def read_topics(root: Fields) -> tuple[Topic, ...]:
    """topics: a list of names; an item may be {name, slug} to pin its list's URL (a
    slug made from the name changes if a homophone is added, a pinned one never)."""
    value = root.raw("topics", False)
    if value is None:
        return ()
    if not isinstance(value, list):
        root.error("topics", "应为列表（每项以“- ”开头，写主题分类名称）")
        return ()
    names: list[str] = []
    pinned: dict[str, str] = {}
    for index, item in enumerate(value):
        line = root.doc.line(f"topics.{index}", root.line("topics"))
        name, slug = _topic_item(root, index, item, line)
        if name is None:
            continue
        if name in names:
            root.error("topics", f"第 {index + 1} 项：主题分类“{name}”重复", line)
        elif slug and slug in pinned.values():
            root.error("topics", f"第 {index + 1} 项：网址片段“{slug}”重复", line)
        else:
            names.append(name)
            if slug:
                pinned[name] = slug
    slugs = assign(names, pinned)
    return tuple(Topic(name, slugs[name]) for name in names)


def _topic_item(root: Fields, index: int, item, line: int) -> tuple[str | None, str | None]:
    """(name, pinned slug or None) of one item of topics; (None, None) when reported."""
    if isinstance(item, str) and item.strip() and "\n" not in item:
        return item.strip(), None
    if not isinstance(item, dict):
        root.error("topics", f"第 {index + 1} 项应为一行文字（主题分类名称）或 {{name: 名称, slug: 网址片段}}", line)
        return None, None
    fields = Fields(root.doc, root.rel, root.problems, TOPIC_FIELDS, item, f"topics.{index}.", line)
    name, slug = fields.text("name", True), fields.text("slug", True)
    if slug and not ID_RE.match(slug):
        fields.error("slug", f"“{slug}”应只含小写英文字母、数字和连字符（如 zonghezhengwu），最多 64 个字符")
    if not fields.ok or not name or not slug:
        root.ok = False
        return None, None
    return name, slug


def validate(source: SourceFile, settings: Settings, content_dir: Path, problems: Problems) -> Policy | None:
    f = Fields(source.front, source.rel, problems, FIELDS, aliases=ALIASES)
    doc_id = content_id(source, f)
    kind_name = f.choice("kind", tuple(k.name for k in settings.kinds), required=True)
    status = Status(f.choice("status", tuple(s.value for s in Status), default=Status.VALID.value))
    written, published = f.date("written", True), f.date("published", True)
    if written and published and published < written:
        f.error("published", f"发布日期 {published} 早于成文日期 {written}")
    status_date, expires = f.date("status_date"), f.date("expires")
    if status is not Status.VALID and f.data.get("status_date") in (None, ""):
        f.error("status", f"有效性为“{status.value}”时须同时填写 status_date（状态变更日期）")
    for key, value in (("status_date", status_date), ("expires", expires)):
        if value and written and value < written:
            f.error(key, f"{FIELDS[key]} {value} 早于成文日期 {written}")
    superseded_by, amended_by = f.ident("superseded_by"), f.idents("amended_by")
    if superseded_by and status not in (Status.REPEALED, Status.EXPIRED):
        f.error("superseded_by", "只有已废止或已失效的文件才能填写替代文件（superseded_by 填的是替代本文件的新文件）。"
                f"如果是本文件废止了旧文件，请改写 repeals: [{superseded_by}]；"
                "如果本文件确已被替代，请把 status 改为 已废止 并填写 status_date")
    if amended_by and status is not Status.AMENDED:
        f.error("amended_by", "只有已修订的文件才能填写修订文件；请同时把 status 改为 已修订")
    policy = Policy(
        id=doc_id, origin=origin(source), body=source.body,
        title=f.text("title", True), doc_number=f.text("doc_number"), index_number=f.text("index_number", True),
        agency=f.text("agency", True), written=written, published=published,
        topic=f.choice("topic", tuple(t.name for t in settings.topics), required=True), kind=settings.kind(kind_name) if kind_name else None,
        normative=f.boolean("normative"), status=status, status_date=status_date,
        superseded_by=superseded_by, amended_by=amended_by, repeals=f.idents("repeals"), expires=expires,
        attachments=attachments(f, content_dir), summary=f.text("summary"), catalog=f.ident("catalog"),
    )
    return policy if f.ok and doc_id else None
