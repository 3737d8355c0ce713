"""Stage 2: validate. Front matter and YAML data become typed records, or problems.

Each content type declares its fields once (name → Chinese label); the same table
drives unknown-field hints, required checks and the docs in docs/content-model.md.
"""

from __future__ import annotations

from pathlib import Path

from .diagnostics import Problems
from .fields import ID_RE, Fields
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

POLICY_FIELDS = {
    "title": "标题", "doc_number": "发文字号", "index_number": "索引号", "agency": "发文机关",
    "written": "成文日期", "published": "发布日期", "topic": "主题分类", "kind": "文种",
    "normative": "规范性文件", "status": "有效性", "status_date": "状态变更日期",
    "superseded_by": "替代文件", "amended_by": "修订文件", "expires": "有效期至",
    "attachments": "附件", "summary": "摘要", "catalog": "目录分类", "id": "标识",
}
INTERPRETATION_FIELDS = {
    "title": "标题", "interprets": "解读文件", "published": "发布日期", "agency": "解读机关",
    "form": "解读形式", "interpreter": "解读人", "summary": "摘要", "id": "标识",
}
PAGE_FIELDS = {
    "title": "标题", "updated": "更新日期", "summary": "摘要", "nav": "导航顺序",
    "menu": "主导航", "template": "模板", "id": "标识",
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
    info = SiteInfo(
        name=site.text("name", True), short_name=site.text("short_name") or site.text("name"),
        base_url=(site.text("base_url", True) or "").rstrip("/"), owner=site.text("owner", True),
        operator=site.text("operator", True), site_code=site.text("site_code", True),
        icp=site.text("icp", True), police_record=site.text("police_record"),
        contact=Contact(contact.text("phone", True), contact.text("email", True), contact.text("address", True)),
        error_report_url=site.text("error_report_url", True), example_notice=site.text("example_notice"),
    )
    if info.base_url and not info.base_url.startswith(("https://", "http://")):
        site.error("base_url", "网址应以 https:// 开头")
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
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        fields.error(key, "应为文本列表")
        return ()
    return tuple(v.strip() for v in value)


# -- content -----------------------------------------------------------------------


def source_id(source: SourceFile) -> str | None:
    """The id rule: the explicit id, else the file name; either must be an ASCII slug.
    Lenient (None, no report), for finding duplicates before validation."""
    explicit = source.front.data.get("id")
    if "id" in source.front.data:
        return explicit if isinstance(explicit, str) and ID_RE.match(explicit) else None
    return source.path.stem if ID_RE.match(source.path.stem) else None


def content_id(source: SourceFile, fields: Fields) -> str | None:
    """source_id, reporting why a file has none."""
    if "id" in fields.data:
        if fields.data.get("id") in (None, ""):
            fields.error("id", "标识不能为空；删掉这一行即以文件名为标识")
        return fields.ident("id")
    doc_id = source_id(source)
    if doc_id is None:
        fields.problems.add(source.rel, 1, "id", f"文件名“{source.path.stem}”不能直接作网址；请改用小写英文字母、数字和连字符命名，或在前置元数据中写 id")
    return doc_id


def origin(source: SourceFile) -> Origin:
    return Origin(source.rel, source.front.lines, source.body_line)


def validate_policy(source: SourceFile, config: SiteConfig, content_dir: Path, problems: Problems) -> Policy | None:
    f = Fields(source.front, source.rel, problems, POLICY_FIELDS)
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
        f.error("superseded_by", "只有已废止或已失效的文件才能填写替代文件；请同时把 status 改为 已废止 或 已失效")
    if amended_by and status is not Status.AMENDED:
        f.error("amended_by", "只有已修订的文件才能填写修订文件；请同时把 status 改为 已修订")
    policy = Policy(
        id=doc_id, origin=origin(source), body=source.body,
        title=f.text("title", True), doc_number=f.text("doc_number"), index_number=f.text("index_number", True),
        agency=f.text("agency", True), written=written, published=published,
        topic=f.choice("topic", config.topics, required=True), kind=config.kind(kind_name) if kind_name else None,
        normative=f.boolean("normative"), status=status, status_date=status_date,
        superseded_by=superseded_by, amended_by=amended_by, expires=expires,
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
