"""Typed records: what the validated content and configuration say, nothing derived.

The records of each content type live with the type (gongkai/types/); here are the
parts every type shares. Derived facts (URLs, back links, a policy's standing) belong
to the site model, so a record depends on its own file and the configuration only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Contact:
    phone: str
    email: str
    address: str


@dataclass(frozen=True)
class SiteInfo:
    name: str
    short_name: str
    base_url: str
    owner: str  # 主办单位
    operator: str  # 承办单位
    site_code: str  # 网站标识码
    icp: str  # ICP备案号
    police_record: str  # 公安备案号
    contact: Contact
    error_report_url: str  # 我为政府网站找错
    example_notice: str

    @property
    def base_path(self) -> str:
        """The path the site lives under ("/xxgk"), "" at a host's root."""
        return urlsplit(self.base_url).path.rstrip("/")

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).netloc


@dataclass(frozen=True)
class SiteConfig:
    site: SiteInfo
    page_size: int
    feed_size: int
    home_size: int
    search: Any  # gongkai.search.settings.Settings
    types: dict[str, Any]  # content type name -> its settings (read by its read_config)


@dataclass(frozen=True)
class Origin:
    """Where a record came from, for error messages and dependency tracking."""

    rel: str  # project-relative path of the source file
    lines: dict[str, int]  # field -> line
    body_line: int

    def line(self, field: str) -> int:
        return self.lines.get(field, 2)


# Files content may publish, by extension, with the type shown to readers. Nothing a
# browser would run on the site's own origin (html, svg, js, xml) is on the list.
PUBLISHABLE_FILES = {
    "pdf": "PDF", "ofd": "OFD", "doc": "Word", "docx": "Word", "wps": "WPS", "odt": "ODF 文档",
    "xls": "Excel", "xlsx": "Excel", "et": "WPS 表格", "ods": "ODF 表格", "csv": "CSV", "txt": "文本",
    "ppt": "PowerPoint", "pptx": "PowerPoint", "dps": "WPS 演示", "zip": "压缩包", "rar": "压缩包", "7z": "压缩包",
    "png": "PNG 图片", "jpg": "JPEG 图片", "jpeg": "JPEG 图片", "gif": "GIF 图片", "webp": "WebP 图片",
    "mp3": "音频", "m4a": "音频", "mp4": "视频",
}


@dataclass(frozen=True)
class Attachment:
    title: str
    source: Path  # absolute path of the file
    rel: str  # path under content/
    size: int  # bytes

    @property
    def extension(self) -> str:
        return self.source.suffix.lower().lstrip(".")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    group: bool


@dataclass(frozen=True)
class DataTable:
    """A table from content/data/*.yaml, rendered where a body says [[table:ID]]."""

    id: str
    rel: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


class Record(Protocol):
    """What every content type's record has; the rest is the type's own."""

    id: str
    origin: Origin
    body: str


@dataclass(frozen=True)
class Seen:
    """A content file's id as found on disk, whether or not the file turned out valid."""

    section: str  # "policies", "interpretations" or "pages"
    rel: str
