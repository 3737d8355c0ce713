"""What the gazette derives and checks once every record exists: which issue carried
each document, the order of issues, and the rules a gazette office keeps (one issue per
document, increasing total numbers, pages that don't overlap, every 规范性文件 carried)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...diagnostics import Problems
from ...site import Site, check_references
from ...views import cn_date
from .. import policy
from .record import Article, Issue, Item, Settings


@dataclass(frozen=True)
class Carriage:
    """Where a document was printed."""

    issue: Issue
    section: str
    item: Item


@dataclass(frozen=True)
class Facts:
    issues: tuple[Issue, ...]  # released, newest first
    articles: dict[str, Article]
    carrier: dict[str, Carriage]  # document or article id -> the issue that carried it
    pending: tuple[Issue, ...]  # dated after the build date: not published yet
    held: dict[str, Article]  # the articles of those issues: checked, not published
    tocs: dict[str, list] = field(default_factory=dict)  # issue id -> its table of contents as printed, made once

    def years(self) -> list[int]:
        return sorted({i.year for i in self.issues}, reverse=True)

    def of_year(self, year: int) -> tuple[Issue, ...]:
        return tuple(sorted((i for i in self.issues if i.year == year), key=lambda i: i.number))

    def neighbours(self, index: int) -> tuple[Issue | None, Issue | None]:
        """The issues before and after issues[index], in order of publication."""
        older = self.issues[index + 1] if index + 1 < len(self.issues) else None
        return older, self.issues[index - 1] if index else None


def chronological(issues) -> list[Issue]:
    return sorted(issues, key=lambda i: (i.published, i.year, i.number))


def derive(site: Site, settings: Settings | None, type_name: str, problems: Problems) -> Facts:
    records = site.records[type_name]
    issues = chronological(r for r in records if isinstance(r, Issue))
    articles = {r.id: r for r in records if isinstance(r, Article)}
    _check_numbering(issues, problems)
    carrier: dict[str, Carriage] = {}
    for issue in issues:
        _check_items(site, issue, articles, carrier, problems)
    _check_articles(site, articles, carrier, problems)
    pending = tuple(i for i in issues if i.published > site.build_date)
    for issue in pending:
        problems.warn(issue.origin.rel, issue.origin.line("published"), "published",
                      f"本期出版日期为{cn_date(issue.published)}，晚于生成日期{cn_date(site.build_date)}：暂不发布，"
                      "到出版日期重新生成网站即发布")
    broken = any(seen.section == "gazettes" and doc_id not in site.by_id for doc_id, seen in site.known.items())
    if settings and not broken:  # an issue that failed may carry them: no follow-on reminders
        _check_normative(site, settings, carrier, problems)
    released = tuple(reversed([i for i in issues if i not in pending]))
    later = {i.id for i in pending}
    held = {doc_id: a for doc_id, a in articles.items() if a.issue in later}
    kept = {doc_id: a for doc_id, a in articles.items() if doc_id not in held}
    return Facts(released, kept, {k: c for k, c in carrier.items() if c.issue not in pending}, pending, held)


def _check_numbering(issues: list[Issue], problems: Problems) -> None:
    """Total numbers are unique and increase with the date; so do the numbers within a year."""
    first_with: dict[int, Issue] = {}
    for issue in issues:
        if (first := first_with.setdefault(issue.total_number, issue)) is not issue:
            problems.add(issue.origin.rel, issue.origin.line("total_number"), "total_number",
                         f"总期号 {issue.total_number} 与 {first.origin.rel} 重复")
    for earlier, later in zip(issues, issues[1:], strict=False):
        if later.total_number < earlier.total_number:
            problems.add(later.origin.rel, later.origin.line("total_number"), "total_number",
                         f"总期号 {later.total_number} 应大于出版日期更早的 {earlier.year}年第{earlier.number}期"
                         f"（{earlier.origin.rel}）的总期号 {earlier.total_number}：总期号随出版日期递增")
        if later.year == earlier.year and later.number < earlier.number:
            problems.add(later.origin.rel, later.origin.line("published"), "published",
                         f"第{later.number}期的出版日期{cn_date(later.published)}早于第{earlier.number}期"
                         f"（{cn_date(earlier.published)}）：请核对出版日期或期号")


def _check_items(site: Site, issue: Issue, articles: dict[str, Article], carrier: dict, problems: Problems) -> None:
    ranges: list[tuple[tuple[int, int], Item]] = []
    for section in issue.sections:
        for item in section.items:
            where = (issue.origin.rel, item.line, item.field)
            if not _resolves(site, issue, item, problems):
                continue
            if item.ref in carrier:
                other = carrier[item.ref]
                problems.add(*where, f"“{_title(site, item.ref)}”已刊登于 {other.issue.year}年第{other.issue.number}期"
                                     f"（{other.issue.origin.rel} 第 {other.item.line} 行）：一份文件只能刊登于一期公报")
                continue
            carrier[item.ref] = Carriage(issue, section.name, item)
            _check_date(site, issue, item, problems)
            if item.pages:
                _check_pages(issue, item, ranges, problems)


def _resolves(site: Site, issue: Issue, item: Item, problems: Problems) -> bool:
    where = (issue.origin.rel, item.line, item.field)
    if item.article:
        if item.ref not in site.known:
            name = item.ref.removeprefix(f"{issue.id}-")
            problems.add(*where, f"找不到公报文章 {issue.origin.rel.removesuffix('.yaml')}/{name}.md："
                                 "公报文章应放在本期的文件夹中，文件名与这里写的一致")
            return False
        return site.is_a(item.ref, "gazette")
    before = len(problems)
    check_references(site, issue, item.field, [item.ref], policy.TYPE, problems)
    return len(problems) == before and site.is_a(item.ref, policy.TYPE.name)


def _title(site: Site, doc_id: str) -> str:
    record = site.by_id.get(doc_id)
    return getattr(record, "title", doc_id)


def _check_date(site: Site, issue: Issue, item: Item, problems: Problems) -> None:
    written = getattr(site.by_id.get(item.ref), "written", None)
    if written and written > issue.published:
        problems.add(issue.origin.rel, item.line, item.field,
                     f"“{_title(site, item.ref)}”的成文日期{cn_date(written)}晚于本期出版日期{cn_date(issue.published)}："
                     "公报只能刊登已经印发的文件，请核对期次或日期")


def _check_pages(issue: Issue, item: Item, ranges: list, problems: Problems) -> None:
    first, last = item.pages
    where = (issue.origin.rel, item.pages_line, item.field.rsplit(".", 1)[0] + ".pages")
    for (other_first, other_last), other in ranges:
        if first <= other_last and other_first <= last:
            problems.add(*where, f"页码 {_span(item.pages)} 与第 {other.pages_line} 行的 {_span((other_first, other_last))} 重叠："
                                 "同一期中每一页只属于一篇文章")
            return
    if issue.pdf and issue.pdf.pages and last > issue.pdf.pages:
        problems.add(*where, f"页码 {_span(item.pages)} 超出了本期印刷版 PDF 的页数（{issue.pdf.pages} 页）")
    ranges.append((item.pages, item))


def _span(pages: tuple[int, int]) -> str:
    return str(pages[0]) if pages[0] == pages[1] else f"{pages[0]}—{pages[1]}"


def _check_articles(site: Site, articles: dict[str, Article], carrier: dict, problems: Problems) -> None:
    for article in articles.values():
        if article.issue not in site.known:
            problems.add(article.origin.rel, 1, "", f"找不到本文所属的一期：{article.origin.rel.rsplit('/', 1)[0]}.yaml；"
                                                    "公报文章应放在它所属那一期的文件夹中")
        elif article.id not in carrier and site.is_a(article.issue, "gazette"):
            name = article.origin.rel.rsplit("/", 1)[1].removesuffix(".md")
            problems.add(article.origin.rel, 1, "", f"本文没有列入本期目录：请在 {site.known[article.issue].rel} 相应栏目的 items 中加上"
                                                    f"“- article: {name}”，或删除本文件")


def _check_normative(site: Site, settings: Settings, carrier: dict, problems: Problems) -> None:
    """The circular: the gazette carries every 规范性文件. One in force for longer than
    normative_days that no issue carries is reported, as an error if the office says so."""
    report = problems.add if settings.normative_required else problems.warn
    standing = site.facts[policy.TYPE.name].standing
    for document in site.records[policy.TYPE.name]:
        age = (site.build_date - document.published).days
        if not document.normative or not standing[document.id].in_force or age <= settings.normative_days:
            continue
        if document.id not in carrier:
            report(document.origin.rel, document.origin.line("normative"), "normative",
                   f"未刊登公报的规范性文件：本文件发布已 {age} 天，仍未刊登于任何一期《{settings.name}》；"
                   f"请在刊登它的那一期的目录中加上“- doc: {document.id}”")
