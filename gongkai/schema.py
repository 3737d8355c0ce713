"""Stage 2: validate. Front matter and YAML data become typed records, or problems.

Each content type declares its fields once (FieldSpec: name, Chinese label, required);
the same table drives unknown-field hints, required checks, the scaffold of
`build.py new` and the content-model tables in the README.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Problems
from .fields import ID_RE, Fields, id_problem, shown
from .records import (
    PUBLISHABLE_FILES,
    Attachment,
    Column,
    Contact,
    DataTable,
    Interpretation,
    Kind,
    Origin,
    Page,
    Policy,
    SiteConfig,
    SiteInfo,
    Status,
)
from .source import Document, SourceFile


@dataclass(frozen=True)
class FieldSpec:
    """One front-matter field: the table that drives validation labels, "did you mean"
    hints and the file `build.py new` writes."""

    name: str
    label: str  # the Chinese name
    required: bool = False
    example: str = ""  # shown in the scaffold's comment ({today} and {year} filled in)
    default: str = ""  # the scaffold's value


def labels(specs: tuple[FieldSpec, ...]) -> dict[str, str]:
    return {spec.name: spec.label for spec in specs}


POLICY_SPECS = (
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
    FieldSpec("catalog", "目录分类", example="信息公开目录的分类代码"),
    FieldSpec("id", "标识", example="默认为文件名，一般不用填"),
)
INTERPRETATION_SPECS = (
    FieldSpec("title", "标题", True),
    FieldSpec("interprets", "解读文件", True, "所解读政策文件的标识，如 [lzbf-2019-5]", "[]"),
    FieldSpec("published", "发布日期", True, default="{today}"),
    FieldSpec("agency", "解读机关", True, "如 聊城市人民政府办公室"),
    FieldSpec("form", "解读形式", True, "取值见 site_config.yaml 的 interpretation_forms", "文字"),
    FieldSpec("interpreter", "解读人", example="姓名和职务"),
    FieldSpec("summary", "摘要", example="一两句话，用于列表和搜索结果"),
    FieldSpec("id", "标识", example="默认为文件名，一般不用填"),
)
PAGE_SPECS = (
    FieldSpec("title", "标题", True),
    FieldSpec("updated", "更新日期", default="{today}"),
    FieldSpec("summary", "摘要", example="一两句话"),
    FieldSpec("nav", "导航顺序", example="页脚链接中的次序，整数"),
    FieldSpec("menu", "主导航", example="true：同时显示在主导航中"),
    FieldSpec("template", "模板", example="page（默认）或 sitemap"),
    FieldSpec("id", "标识", example="默认为文件名，一般不用填"),
)
POLICY_FIELDS = labels(POLICY_SPECS)
INTERPRETATION_FIELDS = labels(INTERPRETATION_SPECS)
PAGE_FIELDS = labels(PAGE_SPECS)
# Chinese names an editor may write whose meaning depends on the direction.
POLICY_ALIASES = {
    "替代文件": "如果本文件替代（同时废止）了旧文件，请写 repeals: [旧文件标识]；"
                "如果本文件已被新文件替代，请写 superseded_by: 新文件标识，并把 status 改为 已废止",
    "废止文件": "如果本文件同时废止了旧文件，请写 repeals: [旧文件标识]",
}
ATTACHMENT_FIELDS = {"title": "附件标题", "file": "附件文件"}
PAGE_TEMPLATES = ("page", "sitemap")

CONFIG_FIELDS = {
    "site": "站点信息", "page_size": "每页条数", "feed_size": "订阅条数", "home_size": "首页条数",
    "kinds": "文种", "topics": "主题分类", "interpretation_forms": "解读形式",
}
SITE_FIELDS = {
    "name": "网站名称", "short_name": "简称", "base_url": "网址", "owner": "主办单位",
    "operator": "承办单位", "site_code": "网站标识码", "icp": "ICP备案号", "police_record": "公安备案号",
    "contact": "联系方式", "error_report_url": "找错链接", "example_notice": "示例说明",
}
CONTACT_FIELDS = {"phone": "电话", "email": "电子邮箱", "address": "地址"}
KIND_FIELDS = {"name": "名称", "slug": "网址片段"}
TABLE_FIELDS = {"title": "表题", "columns": "列", "rows": "行"}
COLUMN_FIELDS = {"key": "键", "label": "列名", "group": "分组"}


# -- configuration -----------------------------------------------------------------


def validate_config(doc: Document, rel: str, problems: Problems) -> SiteConfig | None:
    if not isinstance(doc.data, dict):
        problems.add(rel, 1, "", "站点配置应为映射（字段: 值）")
        return None
    root = Fields(doc, rel, problems, CONFIG_FIELDS)
    site = root.mapping("site", SITE_FIELDS)
    contact = site.mapping("contact", CONTACT_FIELDS)
    line = functools.partial(_one_line, site)
    info = SiteInfo(
        name=line("name", True), short_name=line("short_name") or line("name"),
        base_url=_base_url(site), owner=line("owner", True),
        operator=line("operator", True), site_code=line("site_code", True),
        icp=line("icp", True), police_record=line("police_record"),
        contact=Contact(_one_line(contact, "phone", True), _email(contact), _one_line(contact, "address", True)),
        error_report_url=_web_url(site, "error_report_url"), example_notice=line("example_notice"),
    )
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
    topics = _text_list(root, "topics")
    forms = _text_list(root, "interpretation_forms")
    config = SiteConfig(
        site=info, page_size=root.integer("page_size", 10), feed_size=root.integer("feed_size", 20),
        home_size=root.integer("home_size", 8), kinds=tuple(kinds), topics=topics, interpretation_forms=forms,
    )
    ok = root.ok and site.ok and contact.ok
    return config if ok else None


def _text_list(fields: Fields, key: str) -> tuple[str, ...]:
    value = fields.raw(key, True)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() and "\n" not in v for v in value):
        fields.error(key, "应为文本列表，每项一行文字")
        return ()
    return tuple(v.strip() for v in value)


def _one_line(fields: Fields, key: str, required: bool = False) -> str | None:
    """Configuration text printed on every page: one line, no line breaks."""
    value = fields.text(key, required)
    if value is not None and "\n" in value:
        fields.error(key, "不能换行，请写成一行")
        return None
    return value


# Host names as DNS writes them (IDNs in their xn-- form), an optional port, and a path
# of plain segments: nothing that could turn into another host ("//evil"), a parent
# folder, a query or whitespace once it is joined to the site's own URLs.
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
_BASE_URL = re.compile(rf"^https?://{_HOST}(?::\d{{1,5}})?(?:/[A-Za-z0-9._~-]+)*/?$")
_WEB_URL = re.compile(rf"^https?://{_HOST}(?::\d{{1,5}})?(?:[/?#][\x21-\x7e]*)?$")
_EMAIL = re.compile(r"^[^\s@<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


def _base_url(site: Fields) -> str:
    value = _one_line(site, "base_url", True)
    if value is None:
        return ""
    segments = value.split("://", 1)[-1].split("/")[1:]
    if not _BASE_URL.match(value) or any(s in (".", "..") for s in segments):
        site.error("base_url", f"网址“{value}”无效：应为以 https:// 或 http:// 开头、带域名的完整网址，"
                   "路径只含英文字母、数字、点、连字符和下划线，不带 ?、# 或空格，例如 https://www.liaocheng.gov.cn/xxgk")
        return ""
    return value.rstrip("/")


def _web_url(fields: Fields, key: str) -> str | None:
    """A link printed on every page: an absolute http(s) address, nothing a browser runs."""
    value = _one_line(fields, key, True)
    if value is not None and not _WEB_URL.match(value):
        fields.error(key, f"链接“{value}”无效：应为以 https:// 或 http:// 开头、带域名的完整网址，不含空格"
                     "（中文请先按网址编码）")
        return None
    return value


def _email(contact: Fields) -> str | None:
    value = _one_line(contact, "email", True)
    if value is not None and not _EMAIL.match(value):
        contact.error("email", f"电子邮箱“{value}”格式不对，应为 名称@域名，例如 zwgk@liaocheng.gov.cn")
        return None
    return value


# -- content -----------------------------------------------------------------------


def source_id(source: SourceFile) -> str | None:
    """The id rule: the explicit id, else the file name; either must be an ASCII slug.
    Lenient (None, no report), for finding duplicates before validation."""
    explicit = source.front.data.get("id")
    if "id" in source.front.data:
        return explicit if isinstance(explicit, str) and ID_RE.match(explicit) else None
    return source.path.stem if ID_RE.match(source.path.stem) else None


_ID_LINE = re.compile(r"^id:\s*['\"]?([a-z0-9][a-z0-9-]{0,63})['\"]?\s*(?:#.*)?$", re.MULTILINE)


def fallback_id(path: Path) -> str | None:
    """The id of a file whose front matter could not be read: its id: line if one can
    be picked out, else the file name. References to it are then not reported as
    missing on top of the real error."""
    try:
        head = path.read_bytes()[:8192].decode("utf-8", "replace")
    except OSError:
        head = ""
    match = _ID_LINE.search(head)
    if match:
        return match.group(1)
    return path.stem if ID_RE.match(path.stem) else None


def content_id(source: SourceFile, fields: Fields) -> str | None:
    """source_id, reporting why a file has none."""
    if "id" in fields.data:
        if fields.data.get("id") in (None, ""):
            fields.error("id", "标识不能为空；删掉这一行即以文件名为标识")
        return fields.ident("id")
    doc_id = source_id(source)
    if doc_id is None:
        why = id_problem(source.path.stem)
        fields.problems.add(source.rel, 1, "id", f"文件名“{shown(source.path.stem)}”不能直接作网址（{why}）；"
                            "请改用小写英文字母、数字和连字符命名，或在前置元数据中写 id")
    return doc_id


def origin(source: SourceFile) -> Origin:
    return Origin(source.rel, source.front.lines, source.body_line)


def validate_policy(source: SourceFile, config: SiteConfig, content_dir: Path, problems: Problems) -> Policy | None:
    f = Fields(source.front, source.rel, problems, POLICY_FIELDS, aliases=POLICY_ALIASES)
    doc_id = content_id(source, f)
    kind_name = f.choice("kind", tuple(k.name for k in config.kinds), required=True)
    status = Status(f.choice("status", tuple(s.value for s in Status), default=Status.VALID.value))
    written, published = f.date("written", True), f.date("published", True)
    if written and published and published < written:
        f.error("published", f"发布日期 {published} 早于成文日期 {written}")
    status_date, expires = f.date("status_date"), f.date("expires")
    if status is not Status.VALID and f.data.get("status_date") in (None, ""):
        f.error("status", f"有效性为“{status.value}”时须同时填写 status_date（状态变更日期）")
    for key, value in (("status_date", status_date), ("expires", expires)):
        if value and written and value < written:
            f.error(key, f"{POLICY_FIELDS[key]} {value} 早于成文日期 {written}")
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
        topic=f.choice("topic", config.topics, required=True), kind=config.kind(kind_name) if kind_name else None,
        normative=f.boolean("normative"), status=status, status_date=status_date,
        superseded_by=superseded_by, amended_by=amended_by, repeals=f.idents("repeals"), expires=expires,
        attachments=_attachments(f, content_dir), summary=f.text("summary"), catalog=f.text("catalog"),
    )
    return policy if f.ok and doc_id else None


def _attachments(f: Fields, content_dir: Path) -> tuple[Attachment, ...]:
    result = []
    for item in f.mappings("attachments", ATTACHMENT_FIELDS):
        title, file = item.text("title", True), item.text("file", True)
        if not (title and file):
            continue
        path = content_file(file, content_dir)
        if path is None:
            item.error("file", f"附件路径“{file}”应是 content/ 目录内的相对路径，例如 files/2019/附件1.pdf")
        elif not is_file(path):
            item.error("file", f"附件文件不存在：content/{file}")
        elif problem := unpublishable(path):
            item.error("file", problem)
        else:
            result.append(Attachment(title, path, path.relative_to(content_dir).as_posix(), path.stat().st_size))
    return tuple(result)


def content_file(relative: str, base: Path, content_dir: Path | None = None) -> Path | None:
    """Resolve a path written in content against base; None if it leaves content/
    (or cannot be a path at all: a NUL byte, a symlink loop)."""
    content_dir = content_dir or base
    if "\0" in relative or relative.startswith(("/", "\\")) or ":" in relative.split("/")[0]:
        return None
    try:
        path = (base / relative).resolve()
        path.relative_to(content_dir.resolve())
    except (ValueError, OSError, RuntimeError):
        return None
    return path


def is_file(path: Path) -> bool:
    """Path.is_file that answers False for a name too long for the file system."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def unpublishable(path: Path) -> str | None:
    """Why a file may not be published, or None: only documents, images and media."""
    extension = path.suffix.lower().lstrip(".")
    if extension in PUBLISHABLE_FILES:
        return None
    kinds = "、".join(sorted({label for label in PUBLISHABLE_FILES.values()}))
    return f"不能发布 .{extension or '（无扩展名）'} 文件；可发布的类型：{kinds}"


def validate_interpretation(source: SourceFile, config: SiteConfig, problems: Problems) -> Interpretation | None:
    f = Fields(source.front, source.rel, problems, INTERPRETATION_FIELDS)
    doc_id = content_id(source, f)
    record = Interpretation(
        id=doc_id, origin=origin(source), body=source.body, title=f.text("title", True),
        interprets=f.idents("interprets", True), published=f.date("published", True),
        agency=f.text("agency", True), form=f.choice("form", config.interpretation_forms, required=True),
        interpreter=f.text("interpreter"), summary=f.text("summary"),
    )
    return record if f.ok and doc_id else None


def validate_page(source: SourceFile, problems: Problems) -> Page | None:
    f = Fields(source.front, source.rel, problems, PAGE_FIELDS)
    doc_id = content_id(source, f)
    record = Page(
        id=doc_id, origin=origin(source), body=source.body, title=f.text("title", True),
        updated=f.date("updated"), summary=f.text("summary"), nav=f.integer("nav"), menu=f.boolean("menu"),
        template=f.choice("template", PAGE_TEMPLATES, default="page"),
    )
    return record if f.ok and doc_id else None


def validate_table(doc: Document, rel: str, table_id: str, problems: Problems) -> DataTable | None:
    if not isinstance(doc.data, dict):
        problems.add(rel, 1, "", "数据表文件应为映射，包含 title、columns、rows")
        return None
    f = Fields(doc, rel, problems, TABLE_FIELDS)
    columns = []
    for item in f.mappings("columns", COLUMN_FIELDS, required=True):
        key, label = item.text("key", True), item.text("label", True)
        if key and label:
            columns.append(Column(key, label, item.boolean("group")))
    groups = [c.group for c in columns]
    if groups != sorted(groups, reverse=True):
        f.error("columns", "分组列（group: true）必须排在最前面")
    if columns and all(groups):
        f.error("columns", "至少需要一个不分组的列")
    if len({c.key for c in columns}) < len(columns):
        f.error("columns", "列的 key 不能重复")
    rows = []
    labels = {c.key: c.label for c in columns}
    for item in f.mappings("rows", labels, required=True):
        cells = tuple(item.text(c.key, True) for c in columns)
        if all(cells):
            rows.append(cells)
    if not f.ok:
        return None
    return DataTable(table_id, rel, f.text("title", True), tuple(columns), tuple(rows))
