"""What a policy's pages print, computed here so the layouts only lay it out: the
metadata block, the status banner, links with their 文号."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ...names import parts as agency_parts
from ...views import Link, cn_date
from .record import Policy, Status
from .validity import Standing

ROOT = "/policies/"


def url(doc_id: str) -> str:
    return f"{ROOT}{doc_id}/"


def topic_url(slug: str) -> str:
    return f"{ROOT}topic/{slug}/"


def agency_url(slug: str) -> str:
    return f"{ROOT}agency/{slug}/"


def link(policy: Policy) -> Link:
    return Link(policy.title, url(policy.id), policy.doc_number or "")


def metadata(policy: Policy, standing: Standing, topic_href: str = "", agency_hrefs: dict[str, str] | None = None
             ) -> list[tuple[str, str]]:
    """The standard 政府信息公开 metadata block, in the order portals show it. With the
    (page-relative) hrefs of their lists, 主题分类 and each agency of 发文机关 link there;
    the shared metadata layout prints a value as it is, so a linked one is safe HTML."""
    rows = [
        ("索引号", policy.index_number),
        ("主题分类", _linked(policy.topic, topic_href) if topic_href else policy.topic),
        ("发文机关", _agencies(policy.agency, agency_hrefs) if agency_hrefs else policy.agency),
        ("成文日期", cn_date(policy.written)),
        ("标题", policy.title),
        ("发文字号", policy.doc_number or "无"),
        ("发布日期", cn_date(policy.published)),
        ("文种", policy.kind.name),
        ("规范性文件", "是" if policy.normative else "否"),
        ("有效性", standing.status.value),
    ]
    if policy.expires:
        rows.append(("有效期至", cn_date(policy.expires)))
    if standing.since and not standing.in_force:
        rows.append(({Status.AMENDED: "修订日期", Status.REPEALED: "废止日期"}.get(standing.status, "失效日期"),
                     cn_date(standing.since)))
    return rows  # its 公开事项 is a line of its own (信息公开目录：…), added by the catalog


def _linked(text: str, href: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def _agencies(value: str, hrefs: dict[str, str]) -> Markup:
    """The value as written, each agency in it a link to its list."""
    return Markup("").join(_linked(text, hrefs[text]) if is_name and text in hrefs else text
                           for text, is_name in agency_parts(value))


@dataclass(frozen=True)
class Banner:
    """What a reader must see first on a document that is no longer (fully) in force,
    or whose repeal, amendment or expiry has been decided for a later date."""

    status: str
    sentence: str  # e.g. "本文件已于2021年3月1日废止。"
    links: tuple[tuple[str, Link], ...]  # (intro such as "替代文件：", document)


_VERBS = {Status.AMENDED: "修订", Status.REPEALED: "废止", Status.EXPIRED: "失效"}


def banner(policy: Policy, standing: Standing) -> Banner | None:
    if standing.in_force:
        if not standing.pending:
            return None
        verb = _VERBS[standing.pending]
        successor = (("替代文件：", link(standing.successor)),) if standing.successor else ()
        amenders = tuple(("修订文件：", link(p)) for p in standing.amenders)
        return Banner(Status.VALID.value, f"本文件将于{cn_date(standing.pending_date)}{verb}，在此之前继续有效。",
                      successor + amenders)
    since = f"于{cn_date(standing.since)}" if standing.since else ""
    if standing.status is Status.AMENDED:
        return Banner(standing.status.value, f"本文件已{since}修订，部分内容已不再适用。",
                      tuple(("修订文件：", link(p)) for p in standing.amenders))
    if standing.status is Status.EXPIRED and policy.expires and standing.since and standing.since > policy.expires:
        sentence = f"本文件有效期至{cn_date(policy.expires)}，已{since}失效。"
    else:
        sentence = f"本文件已{since}{_VERBS[standing.status]}，不再执行。"
    links = (("替代文件：", link(standing.successor)),) if standing.successor else ()
    if standing.current:  # the successor was itself replaced: point on to what is in force
        links += (("现行有效文件：", link(standing.current)),)
    return Banner(standing.status.value, sentence, links)


def ended(standing: Standing) -> str:
    """How a predecessor ended, for the successor's "本文件替代……" line."""
    verb = {Status.REPEALED: "废止", Status.EXPIRED: "失效", Status.AMENDED: "修订"}.get(standing.status, "")
    return f"已于{cn_date(standing.since)}{verb}" if standing.since else f"已{verb}"


def note(standing: Standing) -> str:
    """A short status mark for list entries; empty for documents in force."""
    return "" if standing.in_force else standing.status.value


def jsonld(policy: Policy, standing: Standing, absolute: str) -> dict:
    force = {"有效": "InForce", "已修订": "PartiallyInForce"}.get(standing.status.value, "NotInForce")
    data = {
        "@context": "https://schema.org", "@type": "Legislation", "name": policy.title,
        "legislationIdentifier": policy.doc_number or policy.index_number,
        "legislationDate": policy.written.isoformat(), "datePublished": policy.published.isoformat(),
        "legislationPassedBy": {"@type": "GovernmentOrganization", "name": policy.agency},
        "legislationType": policy.kind.name, "legislationLegalForce": f"https://schema.org/{force}",
        "inLanguage": "zh-CN", "url": absolute,
    }
    if policy.expires:
        data["expires"] = policy.expires.isoformat()
    return data
