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
from urllib.parse import urlsplit

from .diagnostics import Problems
from .fields import ID_RE, Fields, id_problem, shown
from .records import PUBLISHABLE_FILES, Attachment, Column, Contact, DataTable, Origin, SiteConfig, SiteInfo
from .search import settings as search_settings
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


ATTACHMENT_FIELDS = {"title": "附件标题", "file": "附件文件"}

CONFIG_FIELDS = {"site": "站点信息", "page_size": "每页条数", "feed_size": "订阅条数", "home_size": "首页条数", "search": "站内搜索"}
SITE_FIELDS = {
    "name": "网站名称", "short_name": "简称", "base_url": "网址", "owner": "主办单位",
    "operator": "承办单位", "site_code": "网站标识码", "icp": "ICP备案号", "police_record": "公安备案号",
    "contact": "联系方式", "error_report_url": "找错链接", "example_notice": "示例说明",
}
CONTACT_FIELDS = {"phone": "电话", "email": "电子邮箱", "address": "地址"}
TABLE_FIELDS = {"title": "表题", "columns": "列", "rows": "行"}
COLUMN_FIELDS = {"key": "键", "label": "列名", "group": "分组"}


# -- configuration -----------------------------------------------------------------


def validate_config(doc: Document, rel: str, types, problems: Problems) -> SiteConfig | None:
    """The site's own settings, and each content type's (its config_labels keys)."""
    if not isinstance(doc.data, dict):
        problems.add(rel, 1, "", "站点配置应为映射（字段: 值）")
        return None
    labels_ = {**CONFIG_FIELDS, **{key: label for t in types for key, label in t.config_labels.items()}}
    root = Fields(doc, rel, problems, labels_)
    site = root.mapping("site", SITE_FIELDS)
    contact = site.mapping("contact", CONTACT_FIELDS)
    line = functools.partial(one_line, site)
    info = SiteInfo(
        name=line("name", True), short_name=line("short_name") or line("name"),
        base_url=_base_url(site), owner=line("owner", True),
        operator=line("operator", True), site_code=line("site_code", True),
        icp=line("icp", True), police_record=line("police_record"),
        contact=Contact(one_line(contact, "phone", True), _email(contact), one_line(contact, "address", True)),
        error_report_url=_web_url(site, "error_report_url"), example_notice=line("example_notice"),
    )
    settings = {t.name: t.read_config(root) for t in types}
    config = SiteConfig(
        site=info, page_size=root.integer("page_size", 10), feed_size=root.integer("feed_size", 20),
        home_size=root.integer("home_size", 8), search=search_settings.read(root), types=settings,
    )
    ok = root.ok and site.ok and contact.ok
    return config if ok else None


def text_list(fields: Fields, key: str) -> tuple[str, ...]:
    value = fields.raw(key, True)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() and "\n" not in v for v in value):
        fields.error(key, "应为文本列表，每项一行文字")
        return ()
    return tuple(v.strip() for v in value)


def one_line(fields: Fields, key: str, required: bool = False) -> str | None:
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
    value = one_line(site, "base_url", True)
    if value is None:
        return ""
    segments = value.split("://", 1)[-1].split("/")[1:]
    if not _BASE_URL.match(value) or any(s in (".", "..") for s in segments) or not _port_ok(value):
        site.error("base_url", f"网址“{value}”无效：应为以 https:// 或 http:// 开头、带域名的完整网址，"
                   "路径只含英文字母、数字、点、连字符和下划线，不带 ?、# 或空格，例如 https://www.liaocheng.gov.cn/xxgk")
        return ""
    return value.rstrip("/")


def _port_ok(url: str) -> bool:
    try:
        port = urlsplit(url).port
    except ValueError:  # beyond 65535
        return False
    return port is None or port > 0


def _web_url(fields: Fields, key: str) -> str | None:
    """A link printed on every page: an absolute http(s) address, nothing a browser runs."""
    value = one_line(fields, key, True)
    if value is not None and not (_WEB_URL.match(value) and _port_ok(value)):
        fields.error(key, f"链接“{value}”无效：应为以 https:// 或 http:// 开头、带域名的完整网址，不含空格"
                     "（中文请先按网址编码）")
        return None
    return value


def _email(contact: Fields) -> str | None:
    value = one_line(contact, "email", True)
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


def attachments(f: Fields, content_dir: Path) -> tuple[Attachment, ...]:
    """The attachments field: files under content/ that may be published."""
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


def validate_table(doc: Document, rel: str, table_id: str, problems: Problems) -> DataTable | None:
    if not isinstance(doc.data, dict):
        problems.add(rel, 1, "", "数据表文件应为映射，包含 title、columns、rows")
        return None
    f = Fields(doc, rel, problems, TABLE_FIELDS)
    columns, lines = [], []
    for item in f.mappings("columns", COLUMN_FIELDS, required=True):
        key, label = item.text("key", True), item.text("label", True)
        if key and label:
            columns.append(Column(key, label, item.boolean("group")))
            lines.append(item.fallback_line)  # each column's own line, for the messages below
    for index in range(1, len(columns)):
        if columns[index].group and not columns[index - 1].group:
            f.error("columns", f"分组列“{columns[index].key}”（group: true）必须排在不分组的列前面", lines[index])
            break
    if columns and all(c.group for c in columns):
        f.error("columns", "至少需要一个不分组的列")
    for index, column in enumerate(columns):
        if any(c.key == column.key for c in columns[:index]):
            f.error("columns", f"列的 key“{column.key}”重复", lines[index])
    rows = []
    labels = {c.key: c.label for c in columns}
    for item in f.mappings("rows", labels, required=True):
        cells = tuple(item.text(c.key, True) for c in columns)
        if all(cells):
            rows.append(cells)
    if not f.ok:
        return None
    return DataTable(table_id, rel, f.text("title", True), tuple(columns), tuple(rows))
