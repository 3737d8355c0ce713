"""The gazette's URLs, its citation form, and what its pages and open-data files print,
computed here so the layouts only lay it out."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass

from ...urls import content_file, output_path
from ...views import Link, cn_date, file_size
from ...views import spreadsheet_cell as _cell
from ..policy.record import Policy
from .record import Article, Issue, Item, Settings
from .rules import Carriage, Facts

ROOT = "/gazette/"
FEED = f"{ROOT}feed.xml"
CATALOG_JSON = f"{ROOT}catalog.json"
CATALOG_CSV = f"{ROOT}catalog.csv"
ZEROS = "0" * 64  # the issue page's own digest while it is hashed for its manifest
MANIFEST_FORMAT = "gongkai-gazette-manifest/1"
CSV_HEADER = ("年份", "期号", "总期号", "出版日期", "栏目", "标题", "文号", "发文机关", "文种", "页码", "网址", "SHA-256")


def year_url(year: int) -> str:
    return f"{ROOT}{year}/"


def url(doc_id: str) -> str:
    """gazette-2019-06 → /gazette/2019/06/; gazette-2019-06-rsrm → /gazette/2019/06/rsrm/."""
    _, year, number, *name = doc_id.split("-", 3)
    return f"{ROOT}{year}/{number}/" + (f"{name[0]}/" if name else "")


def pdf_url(issue: Issue) -> str:
    return f"{url(issue.id)}{issue.id}.pdf"


def manifest_url(issue: Issue) -> str:
    return f"{url(issue.id)}manifest.json"


def issue_name(issue: Issue) -> str:
    return f"{issue.year}年第{issue.number}期"


def citation(settings: Settings, issue: Issue, pages: tuple[int, int] | None = None) -> str:
    """《聊城市人民政府公报》2019年第6期（总第118期）, with 第3—8页 for an article."""
    text = f"《{settings.name}》{issue_name(issue)}（总第{issue.total_number}期）"
    return f"{text}{page_text(pages)}" if pages else text


def page_text(pages: tuple[int, int] | None) -> str:
    if not pages:
        return ""
    return f"第{pages[0]}页" if pages[0] == pages[1] else f"第{pages[0]}—{pages[1]}页"


def issue_link(issue: Issue) -> Link:
    return Link(issue_name(issue), url(issue.id), f"总第{issue.total_number}期")


@dataclass(frozen=True)
class Described:
    """A table-of-contents item as readers and the open catalogue see it."""

    title: str
    url: str
    doc_number: str
    agency: str
    kind: str
    type: str  # "policy" or "article"
    files: tuple[str, ...] = ()  # its attachments' URLs: part of the document, so of the issue


def describe(record, record_url: str) -> Described:
    if isinstance(record, Policy):
        return Described(record.title, record_url, record.doc_number or "", record.agency, record.kind.name, "policy",
                         tuple(content_file(a.rel) for a in record.attachments))
    assert isinstance(record, Article)
    return Described(record.title, record_url, record.doc_number or "", record.agency, record.kind or "", "article")


@dataclass(frozen=True)
class TocLine:
    item: Item
    entry: Described

    @property
    def pages(self) -> str:
        return page_text(self.item.pages)


def toc(site, issue: Issue) -> list[tuple[str, list[TocLine]]]:
    return [(section.name, [TocLine(item, describe(site.by_id[item.ref], site.url(item.ref)))
                            for item in section.items if isinstance(site.by_id.get(item.ref), Policy | Article)])
            for section in issue.sections]  # the rest are reported


def pdf_view(issue: Issue) -> dict | None:
    if issue.pdf is None:
        return None
    pages = f"，{issue.pdf.pages} 页" if issue.pdf.pages else ""
    return {"url": pdf_url(issue), "info": f"PDF，{file_size(issue.pdf.size)}{pages}",
            "download": f"{issue.id}.pdf"}


def article_metadata(settings: Settings, article: Article, carriage: Carriage | None) -> list[tuple[str, str]]:
    rows = [("发文机关", article.agency)]
    if article.doc_number:
        rows.append(("文号", article.doc_number))
    if article.kind:
        rows.append(("文种", article.kind))
    if article.written:
        rows.append(("成文日期", cn_date(article.written)))
    if carriage:
        rows.append(("刊登", citation(settings, carriage.issue, carriage.item.pages)))
        rows.append(("栏目", carriage.section))
        rows.append(("出版日期", cn_date(carriage.issue.published)))
    return rows


# -- open data and tamper evidence ----------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(settings: Settings, issue: Issue, neighbours: tuple[Issue | None, Issue | None], base_url: str,
             files: list[tuple[str, int, str]]) -> bytes:
    """files: (URL, size, SHA-256), the issue page first, hashed with ZEROS as its digest.
    Naming the issues before and after chains the manifests, so an issue dropped from the
    catalogue is still missed by its neighbours' manifests."""
    older, newer = neighbours
    data = {
        "format": MANIFEST_FORMAT, "gazette": settings.name, "citation": citation(settings, issue),
        "year": issue.year, "number": issue.number, "total_number": issue.total_number,
        "published": issue.published.isoformat(), "base_url": base_url, "algorithm": "SHA-256",
        "previous": older and url(older.id), "next": newer and url(newer.id),
        "blanked": output_path(files[0][0]),
        "files": [{"path": output_path(link), "url": link, "bytes": size, "sha256": sha} for link, size, sha in files],
    }
    return _json(data)


def catalog_rows(site, facts: Facts, settings: Settings, digests: dict[str, str]) -> list[dict]:
    """Every released issue, oldest first, with its articles in table-of-contents order."""
    issues = []
    for issue in reversed(facts.issues):
        articles = []
        for section, lines in facts.tocs[issue.id]:
            for line in lines:
                articles.append({
                    "id": line.item.ref, "type": line.entry.type, "section": section, "title": line.entry.title,
                    "doc_number": line.entry.doc_number, "agency": line.entry.agency, "kind": line.entry.kind,
                    "pages": _range(line.item.pages), "url": line.entry.url, "sha256": digests.get(line.entry.url, ""),
                })
        pdf = ({"url": pdf_url(issue), "bytes": issue.pdf.size, "pages": issue.pdf.pages, "sha256": digests.get(pdf_url(issue), "")}
               if issue.pdf else None)
        issues.append({
            "year": issue.year, "number": issue.number, "total_number": issue.total_number,
            "published": issue.published.isoformat(), "citation": citation(settings, issue), "url": url(issue.id),
            "manifest": manifest_url(issue), "pdf": pdf, "articles": articles,
        })
    return issues


def catalog_json(settings: Settings, base_url: str, issues: list[dict]) -> bytes:
    return _json({"gazette": settings.name, "frequency": settings.frequency, "base_url": base_url, "issues": issues})


def catalog_csv(base_url: str, issues: list[dict]) -> bytes:
    """UTF-8 with a byte-order mark and CRLF rows, so Excel opens it as Chinese text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for issue in issues:
        for a in issue["articles"]:
            writer.writerow((issue["year"], issue["number"], issue["total_number"], issue["published"], *map(_cell, (
                a["section"], a["title"], a["doc_number"], a["agency"], a["kind"])), a["pages"], base_url + a["url"], a["sha256"]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _range(pages: tuple[int, int] | None) -> str:
    """Print pages as data: "5" or "3-8" (the form issue files and import listings use)."""
    if not pages:
        return ""
    return str(pages[0]) if pages[0] == pages[1] else f"{pages[0]}-{pages[1]}"


def _json(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")
