"""Stage 3: link. Records become one site model before anything renders: every id has
a URL, every cross reference is resolved, back links and list pages exist.

What is generic lives here: ids, URLs, reference checks, back links, listings. What a
content type derives (a policy's validity, say) its own link hook adds to site.facts.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .contenttype import ContentType, Entry, Listing, Mention
from .diagnostics import Problems
from .records import DataTable, Seen, SiteConfig


@dataclass
class Site:
    config: SiteConfig
    build_date: date
    types: tuple[ContentType, ...]  # the registry, in its order
    records: dict[str, tuple]  # type name -> its records, in the type's order
    tables: dict[str, DataTable]
    known: dict[str, Seen]  # every id on disk, valid or not
    by_id: dict[str, Any] = field(default_factory=dict)
    by_source: dict[str, str] = field(default_factory=dict)  # source rel path -> id
    type_of: dict[str, ContentType] = field(default_factory=dict)  # id -> its type
    # target id -> relation -> the records pointing at it (e.g. a policy's interpretations)
    backlinks: dict[str, dict[str, tuple]] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # type name -> what its link hook derived
    mentions: dict[str, list[Mention]] = field(default_factory=dict)  # id -> lines other types add to its page
    # id -> why a valid record is not published yet (an issue dated after the build date):
    # a link to it is an error that says so, not a link to a page that is not there
    withheld: dict[str, str] = field(default_factory=dict)
    listings: tuple[Listing, ...] = ()

    def url(self, doc_id: str) -> str:
        return self.type_of[doc_id].url(doc_id)

    def entry(self, record) -> Entry:
        return self.type_of[record.id].entry(self, record)

    def is_a(self, doc_id: str | None, type_name: str) -> bool:
        kind = self.type_of.get(doc_id)
        return kind is not None and kind.name == type_name

    def related(self, doc_id: str, relation: str) -> tuple:
        return self.backlinks.get(doc_id, {}).get(relation, ())

    def mention(self, doc_id: str, mention: Mention) -> None:
        self.mentions.setdefault(doc_id, []).append(mention)

    def listing(self, key: str) -> Listing | None:
        return next((item for item in self.listings if item.key == key), None)


def newest_first(records):
    return tuple(sorted(records, key=lambda r: (r.published, r.id), reverse=True))


def group(pairs) -> dict[str, tuple]:
    """(key, record) pairs as key -> records, newest first."""
    grouped = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return {key: newest_first(values) for key, values in grouped.items()}


def link(config: SiteConfig, types: tuple[ContentType, ...], records: dict[str, list], tables: dict[str, DataTable],
         known: dict[str, Seen], build_date: date, problems: Problems) -> Site:
    """Build the site model. known maps every id found (even in files that failed
    validation) to its file, so a reference to a broken file is not also 'missing'."""
    reserved = reserved_ids(types)
    kept = {t.name: t.order([r for r in records[t.name] if _url_free(t, r, reserved[t.name], problems)]) for t in types}
    site = Site(config, build_date, types, kept, tables, known)
    for kind in types:
        for record in kept[kind.name]:
            site.by_id[record.id] = record
            site.by_source[record.origin.rel] = record.id
            site.type_of[record.id] = kind
    for kind in types:
        kind.link(site, problems)
    site.listings = tuple(listing for kind in types for listing in kind.listings(site))
    return site


def reserved_ids(types: tuple[ContentType, ...]) -> dict[str, frozenset[str]]:
    """Ids each type may not take: its own routes, and for a type living at the site's
    root, every other type's folder and the site's own folders."""
    folders = frozenset({t.folder for t in types if not t.at_root} | {"assets", "files", "search", "wh"}
                        | {route.strip("/").split("/")[0] for t in types if not t.at_root for route, _ in t.routes})
    return {t.name: t.reserved | (folders if t.at_root else frozenset()) for t in types}


def _url_free(kind: ContentType, record, reserved: frozenset[str], problems: Problems) -> bool:
    """An id must not land on a URL the site uses itself (/policies/normative/, ...)."""
    if record.id not in reserved:
        return True
    problems.add(record.origin.rel, record.origin.line("id"), "id",
                 f"标识“{record.id}”与网站自身的网址 {kind.url(record.id)} 冲突，请换一个标识")
    return False


def check_references(site: Site, record, field_name: str, ids, target: ContentType, problems: Problems) -> None:
    """Ids named in a field must be records of the target type."""
    for index, doc_id in enumerate(ids):
        line = record.origin.lines.get(f"{field_name}.{index}") or record.origin.line(field_name)
        where = (record.origin.rel, line, field_name)
        if doc_id == record.id:
            problems.add(*where, "文件不能引用自己")
        elif doc_id not in site.known:
            problems.add(*where, f"找不到标识为“{doc_id}”的文件（这里应填{target.noun}的标识）"
                                 f"{_suggest(doc_id, site.known, target.folder)}")
        elif site.known[doc_id].section != target.folder:
            problems.add(*where, f"“{doc_id}”不是{target.noun}（它在 {site.known[doc_id].rel}），这里应填{target.noun}的标识")


def _suggest(doc_id: str, known: dict[str, Seen], section: str) -> str:
    """A near miss among the ids of the right content type only."""
    candidates = [key for key, seen in known.items() if seen.section == section]
    close = difflib.get_close_matches(doc_id, candidates, n=1, cutoff=0.6)
    return f"；是否想写“{close[0]}”？" if close else ""
